//! Active Authentication (ICAO 9303 Part 11 §6.1): the chip proves that it holds the private
//! key whose public key DG15 carries (and EF.SOD signs) by signing a verifier's challenge. A
//! copied chip data set cannot do that.
//!
//! Elliptic-curve keys only: the chip returns a plain `r || s` signature over the 8-byte
//! challenge with the hash DG14's ActiveAuthenticationInfo names (SHA-256 when DG14 is absent
//! and the key is P-256). RSA keys (ISO/IEC 9796-2 message recovery) are refused as
//! unsupported.

use crate::der;
use crate::keys::{Curve, Hash, PublicKey};
use crate::lds::{self, LdsError};

/// Length of the challenge a reader sends (RND.IFD).
pub const CHALLENGE_LEN: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum AaError {
    #[error("the Active Authentication key cannot be read: {0}")]
    Key(LdsError),
    #[error("DG14 cannot be read: {0}")]
    Dg14(LdsError),
    #[error("the challenge must be {CHALLENGE_LEN} bytes, got {0}")]
    Challenge(usize),
    #[error("{0} Active Authentication keys are not supported (elliptic-curve keys only)")]
    Unsupported(String),
    #[error("the Active Authentication signature does not verify: the chip did not prove it holds the key of DG15")]
    BadSignature,
}

/// Checks the chip's answer `signature` to `challenge` with the key of `dg15` (and the
/// algorithm of `dg14`, when given).
pub fn verify(dg15: &[u8], dg14: Option<&[u8]>, challenge: &[u8], signature: &[u8]) -> Result<(), AaError> {
    let key = lds::parse_dg15(dg15).map_err(AaError::Key)?;
    if challenge.len() != CHALLENGE_LEN {
        return Err(AaError::Challenge(challenge.len()));
    }
    let PublicKey::Ec { curve, .. } = &key else {
        return Err(AaError::Unsupported(key.describe()));
    };
    let named = match dg14 {
        Some(d) => lds::parse_dg14_active_authentication(d).map_err(AaError::Dg14)?,
        None => None,
    };
    let hash = named.unwrap_or(match curve {
        Curve::P256 => Hash::Sha256,
        Curve::P384 => Hash::Sha384,
        Curve::P521 => Hash::Sha512,
    });
    let n = curve.scalar_len();
    // Chips answer with the plain form; a DER signature is accepted too.
    let plain = if signature.len() == 2 * n {
        signature.to_vec()
    } else {
        der::ecdsa_der_to_fixed(signature, n).map_err(|_| AaError::BadSignature)?
    };
    if key.verify_plain_ecdsa(hash, challenge, &plain) { Ok(()) } else { Err(AaError::BadSignature) }
}
