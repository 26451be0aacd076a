//! Signing keys behind one trait. The software backend keeps an ECDSA key (P-256 by default,
//! P-384 for a CSCA) as a PKCS#8 file, created on first start in development; the PKCS#11
//! backend ([`crate::pkcs11`]) keeps it in an HSM. Callers see only [`Signer`].

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED, ECDSA_P384_SHA384_FIXED_SIGNING,
    EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair, UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fs;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("key file {0} does not hold a valid P-256 or P-384 PKCS#8 key")]
    Malformed(String),
    #[error("signing failed")]
    Sign,
    #[error("PKCS#11: {0}")]
    Pkcs11(String),
}

/// The key types this crate signs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// ECDSA on P-256 with SHA-256 (ES256): document signers, tokens, signed QR codes.
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384 (ES384): a country signing CA may use it.
    EcdsaP384,
}

impl KeyAlgorithm {
    /// JOSE algorithm name.
    pub fn jose(self) -> &'static str {
        match self {
            KeyAlgorithm::EcdsaP256 => "ES256",
            KeyAlgorithm::EcdsaP384 => "ES384",
        }
    }

    pub fn curve(self) -> &'static str {
        match self {
            KeyAlgorithm::EcdsaP256 => "P-256",
            KeyAlgorithm::EcdsaP384 => "P-384",
        }
    }

    /// Bytes of `r` (and of `s`) in a fixed-size signature.
    pub fn scalar_len(self) -> usize {
        match self {
            KeyAlgorithm::EcdsaP256 => 32,
            KeyAlgorithm::EcdsaP384 => 48,
        }
    }

    pub fn parse(s: &str) -> Option<KeyAlgorithm> {
        match s.to_ascii_lowercase().as_str() {
            "p256" | "p-256" | "es256" => Some(KeyAlgorithm::EcdsaP256),
            "p384" | "p-384" | "es384" => Some(KeyAlgorithm::EcdsaP384),
            _ => None,
        }
    }

    fn signing(self) -> &'static EcdsaSigningAlgorithm {
        match self {
            KeyAlgorithm::EcdsaP256 => &ECDSA_P256_SHA256_FIXED_SIGNING,
            KeyAlgorithm::EcdsaP384 => &ECDSA_P384_SHA384_FIXED_SIGNING,
        }
    }

    /// The digest the signature is made over.
    pub fn digest(self, msg: &[u8]) -> Vec<u8> {
        let alg = match self {
            KeyAlgorithm::EcdsaP256 => &aws_lc_rs::digest::SHA256,
            KeyAlgorithm::EcdsaP384 => &aws_lc_rs::digest::SHA384,
        };
        aws_lc_rs::digest::digest(alg, msg).as_ref().to_vec()
    }
}

/// Anything that can sign: software keys and PKCS#11 keys.
pub trait Signer: Send + Sync {
    fn key_algorithm(&self) -> KeyAlgorithm;
    /// JOSE algorithm name (`ES256`, `ES384`).
    fn algorithm(&self) -> &'static str {
        self.key_algorithm().jose()
    }
    /// Key identifier published in the JWKS (a thumbprint of the public key).
    fn key_id(&self) -> &str;
    /// The public key as an uncompressed SEC 1 point (`04 || x || y`).
    fn public_point(&self) -> Vec<u8>;
    /// The public key as a JWK object.
    fn public_jwk(&self) -> serde_json::Value {
        let p = self.public_point();
        let n = self.key_algorithm().scalar_len();
        serde_json::json!({
            "kty": "EC", "crv": self.key_algorithm().curve(), "alg": self.algorithm(), "use": "sig",
            "kid": self.key_id(),
            "x": URL_SAFE_NO_PAD.encode(p.get(1..1 + n).unwrap_or_default()),
            "y": URL_SAFE_NO_PAD.encode(p.get(1 + n..).unwrap_or_default()),
        })
    }
    /// Signs `msg` (hashing it with the algorithm's digest); the signature is the fixed-size
    /// `r || s` form JWS uses. Certificates and CMS convert it to DER.
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError>;
}

/// Key identifier: the first 16 bytes of SHA-256 of the public point, in hex.
pub(crate) fn kid_of(point: &[u8]) -> String {
    crate::token::hex(&crate::token::sha256(point)[..16])
}

/// An ECDSA key held in process memory.
pub struct SoftwareKey {
    pair: EcdsaKeyPair,
    alg: KeyAlgorithm,
    kid: String,
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SoftwareKey({}, kid={})", self.alg.jose(), self.kid)
    }
}

impl SoftwareKey {
    /// A new P-256 key.
    pub fn generate() -> Result<Self, KeyError> {
        Self::generate_with(KeyAlgorithm::EcdsaP256)
    }

    pub fn generate_with(alg: KeyAlgorithm) -> Result<Self, KeyError> {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg.signing(), &SystemRandom::new()).map_err(|_| KeyError::Sign)?;
        Self::from_pkcs8(pkcs8.as_ref(), "generated")
    }

    /// Reads a PKCS#8 key of either curve.
    pub fn from_pkcs8(der: &[u8], origin: &str) -> Result<Self, KeyError> {
        for alg in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaP384] {
            if let Ok(pair) = EcdsaKeyPair::from_pkcs8(alg.signing(), der) {
                let kid = kid_of(pair.public_key().as_ref());
                return Ok(SoftwareKey { pair, alg, kid });
            }
        }
        Err(KeyError::Malformed(origin.to_owned()))
    }

    /// Loads the P-256 key at `path`, creating it (mode 0600) when it does not exist yet.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), KeyError> {
        Self::load_or_create_with(path, KeyAlgorithm::EcdsaP256)
    }

    /// Loads the key at `path` (of whatever curve it is), or creates one of `alg`.
    pub fn load_or_create_with(path: &Path, alg: KeyAlgorithm) -> Result<(Self, bool), KeyError> {
        let shown = path.display().to_string();
        let io = |source| KeyError::Io { path: shown.clone(), source };
        match fs::read(path) {
            Ok(der) => {
                let der = Zeroizing::new(der);
                Ok((Self::from_pkcs8(&der, &shown)?, false))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let pkcs8 =
                    EcdsaKeyPair::generate_pkcs8(alg.signing(), &SystemRandom::new()).map_err(|_| KeyError::Sign)?;
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir).map_err(io)?;
                }
                write_private(path, pkcs8.as_ref()).map_err(io)?;
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

/// Writes secret bytes to a new file readable only by its owner.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

impl Signer for SoftwareKey {
    fn key_algorithm(&self) -> KeyAlgorithm {
        self.alg
    }
    fn key_id(&self) -> &str {
        &self.kid
    }
    fn public_point(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.pair.sign(&SystemRandom::new(), msg).map(|s| s.as_ref().to_vec()).map_err(|_| KeyError::Sign)
    }
}

/// The private key of a test or demo card's chip (Active Authentication). Real chips generate
/// and keep this key themselves; here it exists only so that test and demo card bundles can
/// answer a reader's challenge. It is never stored in the register.
pub struct ChipKey {
    key: SoftwareKey,
    pkcs8: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for ChipKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChipKey(kid={})", self.key.kid)
    }
}

impl ChipKey {
    /// A new P-256 chip key.
    pub fn generate() -> Result<ChipKey, KeyError> {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map_err(|_| KeyError::Sign)?;
        Self::from_pkcs8(pkcs8.as_ref())
    }

    /// Reads the key of a card bundle.
    pub fn from_pkcs8(der: &[u8]) -> Result<ChipKey, KeyError> {
        let key = SoftwareKey::from_pkcs8(der, "chip key")?;
        if key.alg != KeyAlgorithm::EcdsaP256 {
            return Err(KeyError::Malformed("chip key".into()));
        }
        Ok(ChipKey { key, pkcs8: Zeroizing::new(der.to_vec()) })
    }

    /// The PKCS#8 bytes, to put in a test or demo card bundle.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    pub fn public_point(&self) -> &[u8] {
        self.key.public_point()
    }

    /// The chip's answer to an Active Authentication challenge: a plain `r || s` ECDSA
    /// signature with SHA-256 (ICAO 9303 Part 11 §6.1 with BSI TR-03111 plain signatures).
    pub fn answer_challenge(&self, challenge: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.key.sign(challenge)
    }
}

/// Verifies an ES256 signature with an uncompressed SEC1 public point.
pub fn verify_es256(public_point: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public_point).verify(msg, sig).is_ok()
}

/// Verifies an ES384 signature with an uncompressed SEC1 public point.
pub fn verify_es384(public_point: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    UnparsedPublicKey::new(&ECDSA_P384_SHA384_FIXED, public_point).verify(msg, sig).is_ok()
}

/// Rebuilds the SEC1 point from a P-256 JWK's `x` and `y`.
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

    #[test]
    fn p384_keys_for_a_csca() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("csca.p8");
        let (k, created) = SoftwareKey::load_or_create_with(&path, KeyAlgorithm::EcdsaP384).unwrap();
        assert!(created);
        assert_eq!(k.algorithm(), "ES384");
        // Loading finds the curve from the file, whatever the caller asks for.
        let (again, _) = SoftwareKey::load_or_create(&path).unwrap();
        assert_eq!(again.key_algorithm(), KeyAlgorithm::EcdsaP384);
        let sig = k.sign(b"tbs").unwrap();
        assert_eq!(sig.len(), 96);
        assert!(verify_es384(&Signer::public_point(&k), b"tbs", &sig));
        assert_eq!(k.public_jwk()["crv"], "P-384");
    }

    #[test]
    fn a_chip_key_answers_challenges_and_round_trips() {
        let chip = ChipKey::generate().unwrap();
        let answer = chip.answer_challenge(&[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
        assert!(verify_es256(chip.public_point(), &[1, 2, 3, 4, 5, 6, 7, 8], &answer));
        let again = ChipKey::from_pkcs8(chip.pkcs8()).unwrap();
        assert_eq!(again.public_point(), chip.public_point());
        assert!(ChipKey::from_pkcs8(b"nonsense").is_err());
    }
}
