//! Argon2id password hashing with the OWASP parameters (m = 19 MiB, t = 2, p = 1).
//!
//! Parameters are stored in the PHC string, so raising them later only affects new hashes.
//! Hashing costs ~15 ms of one core and 19 MiB; callers run it off the async executor behind a
//! concurrency cap.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP Password Storage Cheat Sheet, Argon2id option 2.
pub const OWASP_M_COST_KIB: u32 = 19 * 1024;
pub const OWASP_T_COST: u32 = 2;
pub const OWASP_P_COST: u32 = 1;
pub const SALT_LEN: usize = 16;

fn hasher() -> Argon2<'static> {
    let params =
        Params::new(OWASP_M_COST_KIB, OWASP_T_COST, OWASP_P_COST, None).expect("constant parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with the given random salt; returns the PHC string.
pub fn hash(password: &str, salt: &[u8; SALT_LEN]) -> String {
    hasher()
        .hash_password_with_salt(password.as_bytes(), salt)
        .expect("salt length and parameters are fixed")
        .to_string()
}

/// Checks a password against a PHC string; a malformed hash never verifies.
pub fn verify(password: &str, phc: &str) -> bool {
    // The parameters come from the PHC string itself, so old hashes keep verifying.
    hasher().verify_password(password.as_bytes(), phc).is_ok()
}

/// A valid hash of no real password: verifying against it when the user does not exist costs the
/// same time as a real check, so response timing does not reveal which user names exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("dinhdanh-no-such-user", &[7u8; SALT_LEN]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("correct horse battery", &[1u8; SALT_LEN]);
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterx", &h));
        assert!(!verify("correct horse battery", "not a hash"));
        assert!(!verify("dinhdanh-no-such-user2", dummy_hash()));
    }
}
