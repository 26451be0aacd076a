//! Keys in a hardware security module, through PKCS#11 (tested against SoftHSM2). The private
//! key never leaves the token: the token signs a digest computed here (`CKM_ECDSA`), and the
//! public key is read from the matching public-key object.

use crate::keys::{KeyAlgorithm, KeyError, Signer, kid_of};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};
use zeroize::Zeroizing;

/// DER of the named-curve OIDs, as CKA_EC_PARAMS holds them.
const P256_PARAMS: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const P384_PARAMS: &[u8] = &[0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22];

/// Where a key lives in an HSM.
#[derive(Clone)]
pub struct Pkcs11Config {
    /// The PKCS#11 module (e.g. `/usr/lib/softhsm/libsofthsm2.so`).
    pub module: PathBuf,
    /// The token's label.
    pub token_label: String,
    /// The user PIN of the token.
    pub pin: Zeroizing<String>,
    /// The label of the key pair (CKA_LABEL of both objects).
    pub key_label: String,
}

impl std::fmt::Debug for Pkcs11Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Pkcs11Config({}, token={}, key={}, pin=***)",
            self.module.display(),
            self.token_label,
            self.key_label
        )
    }
}

fn err(context: &str) -> impl Fn(CkError) -> KeyError + '_ {
    move |e| KeyError::Pkcs11(format!("{context}: {e}"))
}

/// A module may be initialized once per process; every key of the process shares its context.
static CONTEXTS: LazyLock<Mutex<HashMap<PathBuf, Pkcs11>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The initialized context of a module.
pub fn context(module: &Path) -> Result<Pkcs11, KeyError> {
    let mut map = CONTEXTS.lock().map_err(|_| KeyError::Pkcs11("context lock poisoned".into()))?;
    if let Some(ctx) = map.get(module) {
        return Ok(ctx.clone());
    }
    let ctx = Pkcs11::new(module).map_err(err(&format!("loading {}", module.display())))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(err("C_Initialize")(e)),
    }
    map.insert(module.to_owned(), ctx.clone());
    Ok(ctx)
}

/// The slot whose token has `label`.
///
/// Another process may remove a token while the slots are listed (SoftHSM keeps one directory per
/// token, shared by every process): a slot whose token cannot be read is not ours and is skipped,
/// and a listing that fails is tried again a few times.
pub fn find_token(ctx: &Pkcs11, label: &str) -> Result<Slot, KeyError> {
    let mut attempt = 0;
    let slots = loop {
        match ctx.get_slots_with_token() {
            Ok(slots) => break slots,
            Err(e) if attempt >= 4 => return Err(err("listing slots")(e)),
            Err(_) => {
                std::thread::sleep(std::time::Duration::from_millis(20 << attempt));
                attempt += 1;
            }
        }
    };
    for slot in slots {
        if let Ok(info) = ctx.get_token_info(slot)
            && info.token_initialized()
            && info.label().trim_end() == label
        {
            return Ok(slot);
        }
    }
    Err(KeyError::Pkcs11(format!("no token is labelled {label:?}")))
}

/// An ECDSA key pair held by a PKCS#11 token.
pub struct Pkcs11Key {
    session: Mutex<Session>,
    key: ObjectHandle,
    alg: KeyAlgorithm,
    point: Vec<u8>,
    kid: String,
    label: String,
}

impl std::fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pkcs11Key({}, label={}, kid={})", self.alg.jose(), self.label, self.kid)
    }
}

fn login(cfg: &Pkcs11Config) -> Result<Session, KeyError> {
    let ctx = context(&cfg.module)?;
    let slot = find_token(&ctx, &cfg.token_label)?;
    let session = ctx.open_rw_session(slot).map_err(err("opening a session"))?;
    let pin = AuthPin::new(cfg.pin.as_str().into());
    match session.login(UserType::User, Some(&pin)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
        Err(e) => Err(err("login")(e)),
    }
}

fn one(session: &Session, class: ObjectClass, label: &str) -> Result<Option<ObjectHandle>, KeyError> {
    let found = session
        .find_objects(&[Attribute::Class(class), Attribute::Label(label.as_bytes().to_vec())])
        .map_err(err("finding the key"))?;
    match found.as_slice() {
        [] => Ok(None),
        [h] => Ok(Some(*h)),
        _ => Err(KeyError::Pkcs11(format!("several objects are labelled {label:?}"))),
    }
}

impl Pkcs11Key {
    /// Opens the key pair labelled `cfg.key_label`.
    pub fn open(cfg: &Pkcs11Config) -> Result<Pkcs11Key, KeyError> {
        let session = login(cfg)?;
        let missing = || KeyError::Pkcs11(format!("no key pair is labelled {:?}", cfg.key_label));
        let private = one(&session, ObjectClass::PRIVATE_KEY, &cfg.key_label)?.ok_or_else(missing)?;
        let public = one(&session, ObjectClass::PUBLIC_KEY, &cfg.key_label)?.ok_or_else(missing)?;
        let attrs = session
            .get_attributes(public, &[AttributeType::EcParams, AttributeType::EcPoint])
            .map_err(err("reading the public key"))?;
        let (mut params, mut point) = (None, None);
        for a in attrs {
            match a {
                Attribute::EcParams(p) => params = Some(p),
                Attribute::EcPoint(p) => point = Some(p),
                _ => {}
            }
        }
        let alg = match params.as_deref() {
            Some(P256_PARAMS) => KeyAlgorithm::EcdsaP256,
            Some(P384_PARAMS) => KeyAlgorithm::EcdsaP384,
            _ => return Err(KeyError::Pkcs11("the key is not a P-256 or P-384 key".into())),
        };
        let point = unwrap_ec_point(&point.unwrap_or_default(), alg)
            .ok_or_else(|| KeyError::Pkcs11("the public point cannot be read".into()))?;
        Ok(Pkcs11Key {
            session: Mutex::new(session),
            key: private,
            alg,
            kid: kid_of(&point),
            point,
            label: cfg.key_label.clone(),
        })
    }

    /// Generates a key pair on the token (the private key sensitive and not extractable), unless
    /// one with the label exists; then opens it.
    pub fn generate(cfg: &Pkcs11Config, alg: KeyAlgorithm) -> Result<(Pkcs11Key, bool), KeyError> {
        let session = login(cfg)?;
        if one(&session, ObjectClass::PRIVATE_KEY, &cfg.key_label)?.is_some() {
            drop(session);
            return Ok((Self::open(cfg)?, false));
        }
        let params = match alg {
            KeyAlgorithm::EcdsaP256 => P256_PARAMS,
            KeyAlgorithm::EcdsaP384 => P384_PARAMS,
        };
        let label = cfg.key_label.as_bytes().to_vec();
        let public = [
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::EcParams(params.to_vec()),
            Attribute::Label(label.clone()),
        ];
        let private = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::KeyType(KeyType::EC),
            Attribute::Label(label),
        ];
        session
            .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
            .map_err(err("generating the key pair"))?;
        drop(session);
        Ok((Self::open(cfg)?, true))
    }
}

/// CKA_EC_POINT is the DER OCTET STRING around the point (some tokens give the bare point).
fn unwrap_ec_point(raw: &[u8], alg: KeyAlgorithm) -> Option<Vec<u8>> {
    let len = 1 + 2 * alg.scalar_len();
    if raw.len() == len && raw[0] == 4 {
        return Some(raw.to_vec());
    }
    let (head, body) = match raw {
        [0x04, n, rest @ ..] if (*n as usize) < 0x80 => (*n as usize, rest),
        [0x04, 0x81, n, rest @ ..] => (*n as usize, rest),
        _ => return None,
    };
    (head == len && body.len() == len && body[0] == 4).then(|| body.to_vec())
}

impl Signer for Pkcs11Key {
    fn key_algorithm(&self) -> KeyAlgorithm {
        self.alg
    }
    fn key_id(&self) -> &str {
        &self.kid
    }
    fn public_point(&self) -> Vec<u8> {
        self.point.clone()
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        let digest = self.alg.digest(msg);
        let session = self.session.lock().map_err(|_| KeyError::Pkcs11("session lock poisoned".into()))?;
        let sig = session.sign(&Mechanism::Ecdsa, self.key, &digest).map_err(err("signing"))?;
        if sig.len() != 2 * self.alg.scalar_len() {
            return Err(KeyError::Pkcs11(format!("the token returned a {}-byte signature", sig.len())));
        }
        Ok(sig)
    }
}

/// Where Debian and other distributions install SoftHSM2's module.
pub const SOFTHSM_MODULES: &[&str] = &[
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
];

/// The SoftHSM2 module installed on this machine, if any.
pub fn find_softhsm() -> Option<PathBuf> {
    SOFTHSM_MODULES.iter().map(PathBuf::from).find(|p| p.exists())
}

/// Initializes a new token with `label` in a free slot and sets its user PIN (test tokens,
/// first set-up of a development HSM).
pub fn init_token(module: &Path, label: &str, so_pin: &str, user_pin: &str) -> Result<(), KeyError> {
    let ctx = context(module)?;
    let free = ctx
        .get_slots_with_token()
        .map_err(err("listing slots"))?
        .into_iter()
        .find(|s| ctx.get_token_info(*s).is_ok_and(|i| !i.token_initialized()))
        .ok_or_else(|| KeyError::Pkcs11("no free slot for a new token".into()))?;
    let so = AuthPin::new(so_pin.into());
    ctx.init_token(free, &so, label).map_err(err("initializing the token"))?;
    let slot = find_token(&ctx, label)?;
    let session = ctx.open_rw_session(slot).map_err(err("opening a session"))?;
    session.login(UserType::So, Some(&so)).map_err(err("security officer login"))?;
    session.init_pin(&AuthPin::new(user_pin.into())).map_err(err("setting the user PIN"))?;
    Ok(())
}

/// Deletes every object of a token (cleanup after tests).
pub fn clear_token(cfg: &Pkcs11Config) -> Result<(), KeyError> {
    let session = login(cfg)?;
    for h in session.find_objects(&[]).map_err(err("listing objects"))? {
        session.destroy_object(h).map_err(err("destroying an object"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{verify_es256, verify_es384};

    /// A token of its own for this test run, deleted afterwards.
    struct TestToken {
        module: PathBuf,
        label: String,
    }

    impl TestToken {
        fn new(tag: &str) -> TestToken {
            let module = find_softhsm().unwrap_or_else(|| {
                panic!("SoftHSM2 is not installed (apt-get install softhsm2); looked in {SOFTHSM_MODULES:?}")
            });
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
            let label = format!("dd-{tag}-{}-{nanos}", std::process::id());
            init_token(&module, &label, "so-secret-1", "user-pin-1").unwrap();
            TestToken { module, label }
        }

        fn config(&self, key: &str, pin: &str) -> Pkcs11Config {
            Pkcs11Config {
                module: self.module.clone(),
                token_label: self.label.clone(),
                pin: Zeroizing::new(pin.to_owned()),
                key_label: key.to_owned(),
            }
        }
    }

    impl Drop for TestToken {
        fn drop(&mut self) {
            let _ = clear_token(&self.config("", "user-pin-1"));
            let _ = std::process::Command::new("softhsm2-util")
                .args(["--delete-token", "--token", &self.label])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        }
    }

    #[test]
    fn keys_in_softhsm_sign_and_never_leave_it() {
        let token = TestToken::new("sign");
        let cfg = token.config("document-signer-1", "user-pin-1");
        let (key, created) = Pkcs11Key::generate(&cfg, KeyAlgorithm::EcdsaP256).unwrap();
        assert!(created);
        assert_eq!(key.algorithm(), "ES256");
        let sig = key.sign(b"to be signed").unwrap();
        assert_eq!(sig.len(), 64);
        assert!(verify_es256(&key.public_point(), b"to be signed", &sig));
        assert!(!verify_es256(&key.public_point(), b"something else", &sig));

        // The same label opens the same key; generating again does not make a second one.
        let (again, created) = Pkcs11Key::generate(&cfg, KeyAlgorithm::EcdsaP256).unwrap();
        assert!(!created);
        assert_eq!(again.key_id(), key.key_id());
        let opened = Pkcs11Key::open(&cfg).unwrap();
        assert_eq!(opened.public_point(), key.public_point());

        // The private key is sensitive and not extractable.
        let session = login(&cfg).unwrap();
        let handle = one(&session, ObjectClass::PRIVATE_KEY, "document-signer-1").unwrap().unwrap();
        let attrs = session.get_attributes(handle, &[AttributeType::Sensitive, AttributeType::Extractable]).unwrap();
        assert!(attrs.contains(&Attribute::Sensitive(true)), "{attrs:?}");
        assert!(attrs.contains(&Attribute::Extractable(false)), "{attrs:?}");
        drop(session);

        // A CSCA key on P-384.
        let (csca, _) = Pkcs11Key::generate(&token.config("csca-1", "user-pin-1"), KeyAlgorithm::EcdsaP384).unwrap();
        let sig = csca.sign(b"tbs certificate").unwrap();
        assert_eq!(sig.len(), 96);
        assert!(verify_es384(&csca.public_point(), b"tbs certificate", &sig));

        // Errors name what is wrong.
        let missing = Pkcs11Key::open(&token.config("no-such-key", "user-pin-1")).unwrap_err().to_string();
        assert!(missing.contains("no-such-key"), "{missing}");
        let no_token = Pkcs11Key::open(&Pkcs11Config { token_label: "no-such-token".into(), ..cfg.clone() });
        assert!(no_token.unwrap_err().to_string().contains("no-such-token"));
    }

    #[test]
    fn a_wrong_pin_is_refused() {
        let token = TestToken::new("pin");
        let err = Pkcs11Key::generate(&token.config("k", "wrong-pin"), KeyAlgorithm::EcdsaP256).unwrap_err();
        assert!(err.to_string().contains("login"), "{err}");
    }

    #[test]
    fn ec_point_forms() {
        let mut bare = vec![4u8];
        bare.extend_from_slice(&[7u8; 64]);
        let mut wrapped = vec![0x04, 65];
        wrapped.extend_from_slice(&bare);
        assert_eq!(unwrap_ec_point(&bare, KeyAlgorithm::EcdsaP256), Some(bare.clone()));
        assert_eq!(unwrap_ec_point(&wrapped, KeyAlgorithm::EcdsaP256), Some(bare.clone()));
        assert_eq!(unwrap_ec_point(&wrapped[..40], KeyAlgorithm::EcdsaP256), None);
        assert_eq!(unwrap_ec_point(&wrapped, KeyAlgorithm::EcdsaP384), None);
    }
}
