//! Argon2id password hashing with the OWASP parameters (m = 19 MiB, t = 2, p = 1).
//!
//! Parameters are stored in the PHC string, so raising them later only affects new hashes.
//! Hashing costs ~15 ms of one core and 19 MiB; callers run it off the async executor behind a
//! concurrency cap.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

/// Argon2's working memory (19 MiB with the OWASP parameters), kept and reused. Allocating it per
/// hash leaves each thread's allocator holding its own copy (glibc keeps large freed blocks in the
/// thread's arena), so a service whose hashes run on many pool threads grows by 19–38 MiB per
/// thread; with a fixed number of these, memory is bounded by the concurrency cap.
pub struct HashMemory(Vec<Block>);

impl HashMemory {
    pub fn new() -> HashMemory {
        HashMemory(vec![Block::default(); OWASP_M_COST_KIB as usize])
    }

    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let n = params.block_count();
        if self.0.len() < n {
            self.0.resize(n, Block::default());
        }
        &mut self.0[..n]
    }
}

impl Default for HashMemory {
    fn default() -> Self {
        Self::new()
    }
}

/// [`hash`] in the given working memory; the same PHC string.
pub fn hash_in(password: &str, salt: &[u8; SALT_LEN], memory: &mut HashMemory) -> String {
    let params =
        Params::new(OWASP_M_COST_KIB, OWASP_T_COST, OWASP_P_COST, None).expect("constant parameters are valid");
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory.blocks(&params))
        .expect("salt length and parameters are fixed");
    let phc = argon2::password_hash::phc::PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().expect("constant parameters encode"),
        salt: Some(argon2::password_hash::phc::Salt::new(salt).expect("16-byte salt")),
        hash: Some(argon2::password_hash::phc::Output::new(&out).expect("32-byte output")),
    };
    phc.to_string()
}

/// [`verify`] in the given working memory.
pub fn verify_in(password: &str, phc: &str, memory: &mut HashMemory) -> bool {
    use argon2::password_hash::phc::PasswordHash;
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else { return false };
    let Ok(version) = parsed.version.map_or(Ok(Version::V0x13), Version::try_from) else { return false };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    let mut out = [0u8; 64];
    let Some(out) = out.get_mut(..expected.len()) else { return false };
    let argon = Argon2::new(algorithm, version, params.clone());
    if argon.hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), out, memory.blocks(&params)).is_err() {
        return false;
    }
    // Output's equality is constant-time.
    argon2::password_hash::phc::Output::new(out).is_ok_and(|o| o == *expected)
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

    #[test]
    fn hashing_in_kept_memory_gives_the_same_strings() {
        let mut m = HashMemory::new();
        let salt = [3u8; SALT_LEN];
        assert_eq!(hash_in("mật khẩu dài", &salt, &mut m), hash("mật khẩu dài", &salt));
        let h = hash("correct horse battery", &[1u8; SALT_LEN]);
        assert!(verify_in("correct horse battery", &h, &mut m));
        assert!(!verify_in("correct horse batterx", &h, &mut m));
        assert!(!verify_in("correct horse battery", "not a hash", &mut m));
        // Other parameters (an older, smaller hash) verify in the same memory.
        let small = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8 * 1024, 1, 1, None).unwrap())
            .hash_password_with_salt(b"pw", &[5u8; SALT_LEN])
            .unwrap()
            .to_string();
        assert!(verify_in("pw", &small, &mut m) && verify("pw", &small));
        assert!(!verify_in("pX", &small, &mut m));
    }
}
