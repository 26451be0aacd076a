//! Encryption of personal data at rest (the identity store's biometrics): AES-256-GCM under
//! numbered data keys. New data is sealed with the newest key; older keys stay readable until
//! every row sealed with them has been re-sealed, so keys rotate without downtime.

use crate::keys::KeyError;
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

const KEY_LEN: usize = 32;

/// Ciphertext with what is needed to open it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: u32,
    pub nonce: [u8; NONCE_LEN],
    /// Ciphertext followed by the 16-byte tag.
    pub ciphertext: Vec<u8>,
}

/// The data keys, by number.
pub struct KeyRing {
    keys: BTreeMap<u32, LessSafeKey>,
    dir: Option<PathBuf>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyRing(keys={:?})", self.keys.keys().collect::<Vec<_>>())
    }
}

fn key_file(dir: &Path, id: u32) -> PathBuf {
    dir.join(format!("data-key-{id}.aes256"))
}

fn unbound(bytes: &[u8]) -> Result<LessSafeKey, KeyError> {
    UnboundKey::new(&AES_256_GCM, bytes).map(LessSafeKey::new).map_err(|_| KeyError::Malformed("data key".into()))
}

impl KeyRing {
    /// Keys held only in memory (tests).
    pub fn ephemeral() -> Result<KeyRing, KeyError> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        SystemRandom::new().fill(k.as_mut()).map_err(|_| KeyError::Sign)?;
        Ok(KeyRing { keys: BTreeMap::from([(1, unbound(k.as_ref())?)]), dir: None })
    }

    /// Loads every `data-key-N.aes256` of `dir`, creating key 1 (mode 0600) when there is none.
    pub fn load_or_create(dir: &Path) -> Result<(KeyRing, bool), KeyError> {
        let io = |source| KeyError::Io { path: dir.display().to_string(), source };
        fs::create_dir_all(dir).map_err(io)?;
        let mut keys = BTreeMap::new();
        for entry in fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_prefix("data-key-").and_then(|r| r.strip_suffix(".aes256")) else { continue };
            let Ok(id) = id.parse::<u32>() else { continue };
            let bytes = Zeroizing::new(fs::read(entry.path()).map_err(io)?);
            if bytes.len() != KEY_LEN {
                return Err(KeyError::Malformed(entry.path().display().to_string()));
            }
            keys.insert(id, unbound(&bytes)?);
        }
        let mut ring = KeyRing { keys, dir: Some(dir.to_owned()) };
        let created = ring.keys.is_empty();
        if created {
            ring.rotate()?;
        }
        Ok((ring, created))
    }

    /// Creates the next key and makes it current. Returns its number.
    pub fn rotate(&mut self) -> Result<u32, KeyError> {
        let id = self.keys.keys().next_back().map_or(1, |k| k + 1);
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        SystemRandom::new().fill(k.as_mut()).map_err(|_| KeyError::Sign)?;
        if let Some(dir) = &self.dir {
            let path = key_file(dir, id);
            crate::keys::write_private(&path, k.as_ref())
                .map_err(|source| KeyError::Io { path: path.display().to_string(), source })?;
        }
        self.keys.insert(id, unbound(k.as_ref())?);
        Ok(id)
    }

    pub fn current_id(&self) -> u32 {
        self.keys.keys().next_back().copied().unwrap_or(0)
    }

    pub fn key_ids(&self) -> Vec<u32> {
        self.keys.keys().copied().collect()
    }

    /// Encrypts with the current key. `aad` binds the ciphertext to its row (person, kind, id),
    /// so a ciphertext moved to another row no longer opens.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Sealed, KeyError> {
        let key_id = self.current_id();
        let key = self.keys.get(&key_id).ok_or(KeyError::Sign)?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| KeyError::Sign)?;
        let mut buf = plaintext.to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut buf)
            .map_err(|_| KeyError::Sign)?;
        Ok(Sealed { key_id, nonce, ciphertext: buf })
    }

    /// Decrypts and authenticates.
    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<Vec<u8>, KeyError> {
        let key = self
            .keys
            .get(&sealed.key_id)
            .ok_or_else(|| KeyError::Malformed(format!("data key {} is missing", sealed.key_id)))?;
        let mut buf = sealed.ciphertext.clone();
        let plain = key
            .open_in_place(Nonce::assume_unique_for_key(sealed.nonce), Aad::from(aad), &mut buf)
            .map_err(|_| KeyError::Malformed("ciphertext does not authenticate".into()))?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_rotate() {
        let dir = tempfile::tempdir().unwrap();
        let (mut ring, created) = KeyRing::load_or_create(dir.path()).unwrap();
        assert!(created);
        let s1 = ring.seal(b"row-1", b"face bytes").unwrap();
        assert_eq!(s1.key_id, 1);
        assert_ne!(&s1.ciphertext[..10], b"face bytes");
        assert_eq!(ring.open(&s1, b"row-1").unwrap(), b"face bytes");
        // Bound to its row.
        assert!(ring.open(&s1, b"row-2").is_err());
        assert_eq!(ring.rotate().unwrap(), 2);
        let s2 = ring.seal(b"row-1", b"newer").unwrap();
        assert_eq!(s2.key_id, 2);
        // Reloading reads both keys; the old ciphertext still opens.
        let (again, created) = KeyRing::load_or_create(dir.path()).unwrap();
        assert!(!created);
        assert_eq!(again.key_ids(), vec![1, 2]);
        assert_eq!(again.open(&s1, b"row-1").unwrap(), b"face bytes");
        assert_eq!(again.open(&s2, b"row-1").unwrap(), b"newer");
        let mut tampered = s2.clone();
        tampered.ciphertext[0] ^= 1;
        assert!(again.open(&tampered, b"row-1").is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(key_file(dir.path(), 2)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
