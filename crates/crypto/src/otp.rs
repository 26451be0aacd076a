//! Short one-time codes sent by SMS: drawn uniformly, stored only as a salted digest.
//!
//! A 6-digit code has 20 bits, so the digest alone would not resist an offline search; what
//! protects a code is its short life and the attempt limit the application enforces. The digest
//! keeps live codes out of the database, its backups and its logs.

use sha2::{Digest, Sha256};

pub const SALT_LEN: usize = 16;

/// A 6-digit code from 32 random bits (rejection sampling keeps it uniform).
pub fn six_digits(mut draw: impl FnMut() -> u32) -> String {
    const N: u32 = 1_000_000;
    let zone = u32::MAX - (u32::MAX % N);
    loop {
        let v = draw();
        if v < zone {
            return format!("{:06}", v % N);
        }
    }
}

/// Lowercase hex SHA-256 over salt ‖ purpose ‖ 0 ‖ code: a code for one purpose never matches another's.
pub fn digest(salt: &[u8], purpose: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(purpose.as_bytes());
    h.update([0u8]);
    h.update(code.trim().as_bytes());
    crate::token::hex(&h.finalize())
}

/// Compares a typed code with a stored digest in constant time.
pub fn matches(salt: &[u8], purpose: &str, code: &str, stored: &str) -> bool {
    crate::token::constant_time_eq(digest(salt, purpose, code).as_bytes(), stored.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_purpose_bound() {
        let mut n = 0u32;
        let c = six_digits(|| {
            n += 1;
            if n == 1 { u32::MAX } else { 42 }
        });
        assert_eq!(c, "000042", "the draw above the uniform zone is rejected");
        let salt = [9u8; SALT_LEN];
        let d = digest(&salt, "activation", "123456");
        assert!(matches(&salt, "activation", "123456", &d));
        assert!(matches(&salt, "activation", " 123456 ", &d));
        assert!(!matches(&salt, "login", "123456", &d));
        assert!(!matches(&salt, "activation", "123457", &d));
        assert!(!matches(&[8u8; SALT_LEN], "activation", "123456", &d));
    }
}
