//! Bearer tokens and session identifiers: 256 random bits shown once, stored only as a digest.
//!
//! A digest (SHA-256) is enough for high-entropy tokens; Argon2 would only slow every request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A token as handed to its holder, with the digest the store keeps.
pub struct IssuedToken {
    pub token: String,
    pub digest: String,
}

/// Builds a token from 32 random bytes; `prefix` makes tokens recognisable in secret scanners
/// (`ddk_` for API clients, `dds_` for sessions).
pub fn issue(prefix: &str, random: [u8; 32]) -> IssuedToken {
    let token = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random));
    let digest = digest(&token);
    IssuedToken { token, digest }
}

/// The stored form of a token: lowercase hex SHA-256.
pub fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Compares secrets without leaking where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_digest() {
        let t = issue("ddk_", [0u8; 32]);
        assert_eq!(t.token, "ddk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(t.digest, digest(&t.token));
        assert_eq!(t.digest.len(), 64);
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd"));
    }
}
