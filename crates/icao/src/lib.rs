//! ICAO 9303 chip data for Vietnamese identity cards, usable on its own by a bank or a reader
//! application: build and read the MRZ (TD1), the LDS data groups (EF.COM, DG1, DG2, DG13, DG14,
//! DG15) and EF.SOD; issue and read CSCA and document-signer certificates and CRLs with the
//! Part 12 profiles; and verify a card by passive authentication ([`verify`]) and Active
//! Authentication ([`aa`]).
//!
//! Pure: no I/O, no async, no private keys. Signing goes through [`ContentSigner`], which the
//! key-holding crate implements; verification uses aws-lc-rs. Every parser of outside bytes
//! returns an error instead of panicking (property tests here, fuzz targets in `fuzz/`).

pub mod aa;
pub mod cert;
pub mod chip;
pub mod crl;
pub mod der;
pub mod keys;
pub mod lds;
pub mod mrz;
pub mod oids;
pub mod pem;
pub mod sod;
pub mod verify;

pub use chip::{ChipData, ChipError, ChipInput};
pub use keys::{ContentSigner, Curve, Hash, PublicKey, SignError, SignatureAlgorithm};
pub use verify::{Report, TrustStore, passive_authentication};

/// Lower-case hexadecimal.
pub fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Decodes hexadecimal; characters that are not hex digits are skipped (constants only).
pub(crate) fn hex_decode(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter_map(|c| (c as char).to_digit(16).map(|d| d as u8)).collect();
    digits.chunks(2).map(|p| p[0] << 4 | p.get(1).copied().unwrap_or(0)).collect()
}

#[cfg(test)]
mod tests;
