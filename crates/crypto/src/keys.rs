//! Signing keys behind one trait. The software backend keeps an ECDSA P-256 key as a PKCS#8 file
//! (created on first start in development); production keys can live in an HSM behind the same
//! trait.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fs;
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("key file {0} does not hold a valid P-256 PKCS#8 key")]
    Malformed(String),
    #[error("signing failed")]
    Sign,
}

/// Anything that can sign: software keys now, PKCS#11 keys later.
pub trait Signer: Send + Sync {
    /// JOSE algorithm name (`ES256`).
    fn algorithm(&self) -> &'static str;
    /// Key identifier published in the JWKS (a thumbprint of the public key).
    fn key_id(&self) -> &str;
    /// The public key as a JWK object (JSON text).
    fn public_jwk(&self) -> serde_json::Value;
    /// Signs `msg`; ES256 signatures are the fixed 64-byte `r || s` form JWS uses.
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError>;
}

/// An ECDSA P-256 key held in process memory.
pub struct SoftwareKey {
    pair: EcdsaKeyPair,
    kid: String,
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SoftwareKey(ES256, kid={})", self.kid)
    }
}

impl SoftwareKey {
    pub fn generate() -> Result<Self, KeyError> {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map_err(|_| KeyError::Sign)?;
        Self::from_pkcs8(pkcs8.as_ref(), "generated")
    }

    pub fn from_pkcs8(der: &[u8], origin: &str) -> Result<Self, KeyError> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
            .map_err(|_| KeyError::Malformed(origin.to_owned()))?;
        let kid = crate::token::hex(&crate::token::sha256(pair.public_key().as_ref())[..16]);
        Ok(SoftwareKey { pair, kid })
    }

    /// Loads the key at `path`, creating it (mode 0600) when it does not exist yet.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), KeyError> {
        let shown = path.display().to_string();
        let io = |source| KeyError::Io { path: shown.clone(), source };
        match fs::read(path) {
            Ok(der) => Ok((Self::from_pkcs8(&der, &shown)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                    .map_err(|_| KeyError::Sign)?;
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir).map_err(io)?;
                }
                let mut opts = fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                let mut f = opts.open(path).map_err(io)?;
                f.write_all(pkcs8.as_ref()).map_err(io)?;
                f.sync_all().map_err(io)?;
                Ok((Self::from_pkcs8(pkcs8.as_ref(), &shown)?, true))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// The uncompressed SEC1 public point (`04 || x || y`).
    pub fn public_point(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }
}

impl Signer for SoftwareKey {
    fn algorithm(&self) -> &'static str {
        "ES256"
    }
    fn key_id(&self) -> &str {
        &self.kid
    }
    fn public_jwk(&self) -> serde_json::Value {
        let p = self.public_point();
        serde_json::json!({
            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(&p[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&p[33..65]),
        })
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.pair.sign(&SystemRandom::new(), msg).map(|s| s.as_ref().to_vec()).map_err(|_| KeyError::Sign)
    }
}

/// Verifies an ES256 signature with an uncompressed SEC1 public point.
pub fn verify_es256(public_point: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public_point).verify(msg, sig).is_ok()
}

/// Rebuilds the SEC1 point from a JWK's `x` and `y`.
pub fn point_from_jwk(jwk: &serde_json::Value) -> Option<Vec<u8>> {
    let x = URL_SAFE_NO_PAD.decode(jwk.get("x")?.as_str()?).ok()?;
    let y = URL_SAFE_NO_PAD.decode(jwk.get("y")?.as_str()?).ok()?;
    if x.len() != 32 || y.len() != 32 || jwk.get("crv")?.as_str()? != "P-256" {
        return None;
    }
    let mut p = vec![4u8];
    p.extend_from_slice(&x);
    p.extend_from_slice(&y);
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_load_sign_verify() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/signing.p8");
        let (k1, created) = SoftwareKey::load_or_create(&path).unwrap();
        assert!(created);
        let (k2, created) = SoftwareKey::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(k1.key_id(), k2.key_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let sig = k1.sign(b"hello").unwrap();
        assert_eq!(sig.len(), 64);
        let point = point_from_jwk(&k2.public_jwk()).unwrap();
        assert!(verify_es256(&point, b"hello", &sig));
        assert!(!verify_es256(&point, b"hellp", &sig));
        fs::write(&path, b"garbage").unwrap();
        assert!(matches!(SoftwareKey::load_or_create(&path), Err(KeyError::Malformed(_))));
    }
}
