//! The relying party's checks of Web Authentication (W3C WebAuthn Level 3): registration
//! (§7.1) and authentication (§7.2) ceremonies, for ES256 and EdDSA (Ed25519) credentials with
//! attestation `none`.
//!
//! Written from the specification on ciborium (CBOR) and aws-lc-rs (signatures). The caller keeps
//! the challenge and the credential records; this module only judges bytes.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, ED25519, ParsedPublicKey, VerificationAlgorithm};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciborium::value::Value;

/// COSE algorithm identifiers (IANA "COSE Algorithms").
pub const COSE_ES256: i64 = -7;
pub const COSE_EDDSA: i64 = -8;
/// The algorithms this relying party accepts, in order of preference.
pub const SUPPORTED_ALGORITHMS: [i64; 2] = [COSE_ES256, COSE_EDDSA];
/// §7.1 step 25: longer credential ids are refused.
pub const MAX_CREDENTIAL_ID_LEN: usize = 1023;

/// Why a ceremony's response is refused. Each names the step of the specification it fails.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebAuthnError {
    #[error("clientDataJSON is not valid JSON of the expected shape")]
    ClientData,
    #[error("clientData.type is not {0}")]
    Type(&'static str),
    #[error("the challenge does not match the one issued")]
    Challenge,
    #[error("the origin is not an origin of this relying party")]
    Origin,
    #[error("cross-origin ceremonies are not accepted")]
    CrossOrigin,
    #[error("attestationObject is not valid CBOR of the expected shape")]
    AttestationObject,
    #[error("attestation format {0} is not accepted (only none)")]
    AttestationFormat(String),
    #[error("authenticatorData is malformed")]
    AuthData,
    #[error("rpIdHash is not the hash of this relying party's id")]
    RpIdHash,
    #[error("the user-present flag is not set")]
    UserPresence,
    #[error("the user-verified flag is not set")]
    UserVerification,
    #[error("the backup-state flag is set without the backup-eligible flag")]
    BackupFlags,
    #[error("no attested credential data in a registration")]
    NoCredential,
    #[error("the credential id is longer than 1023 bytes")]
    CredentialIdTooLong,
    #[error("the credential public key is not a supported COSE key (ES256 or EdDSA)")]
    PublicKey,
    #[error("the credential's algorithm was not offered")]
    Algorithm,
    #[error("the signature does not verify")]
    Signature,
    #[error("the signature counter did not increase: the authenticator may be cloned")]
    Counter,
    #[error("the backup-eligible flag changed for a known credential")]
    BackupEligibilityChanged,
}

type Result<T> = std::result::Result<T, WebAuthnError>;

/// What the relying party expects of every ceremony.
#[derive(Clone, Debug)]
pub struct RelyingParty {
    /// The RP ID: a registrable domain (`localhost` in development), never an IP address.
    pub id: String,
    /// Origins the browser may report (`https://id.example.vn`, `http://localhost:8080`).
    pub origins: Vec<String>,
}

impl RelyingParty {
    fn check_origin(&self, origin: &str) -> Result<()> {
        if self.origins.iter().any(|o| o == origin) { Ok(()) } else { Err(WebAuthnError::Origin) }
    }
}

/// The flags byte of authenticator data (§6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flags(pub u8);

impl Flags {
    pub fn user_present(self) -> bool {
        self.0 & 0x01 != 0
    }
    pub fn user_verified(self) -> bool {
        self.0 & 0x04 != 0
    }
    pub fn backup_eligible(self) -> bool {
        self.0 & 0x08 != 0
    }
    pub fn backup_state(self) -> bool {
        self.0 & 0x10 != 0
    }
    pub fn attested_data(self) -> bool {
        self.0 & 0x40 != 0
    }
    pub fn extension_data(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// Parsed authenticator data.
#[derive(Clone, Debug)]
pub struct AuthenticatorData {
    pub rp_id_hash: [u8; 32],
    pub flags: Flags,
    pub sign_count: u32,
    pub attested: Option<AttestedCredential>,
}

#[derive(Clone, Debug)]
pub struct AttestedCredential {
    pub aaguid: [u8; 16],
    pub credential_id: Vec<u8>,
    /// The COSE_Key exactly as the authenticator encoded it.
    pub public_key_cose: Vec<u8>,
}

impl AuthenticatorData {
    /// §6.1: rpIdHash (32) ‖ flags (1) ‖ signCount (4) ‖ attestedCredentialData? ‖ extensions?
    pub fn parse(data: &[u8]) -> Result<Self> {
        if data.len() < 37 {
            return Err(WebAuthnError::AuthData);
        }
        let rp_id_hash: [u8; 32] = data[..32].try_into().map_err(|_| WebAuthnError::AuthData)?;
        let flags = Flags(data[32]);
        let sign_count = u32::from_be_bytes([data[33], data[34], data[35], data[36]]);
        let mut rest = &data[37..];
        let attested = if flags.attested_data() {
            if rest.len() < 18 {
                return Err(WebAuthnError::AuthData);
            }
            let aaguid: [u8; 16] = rest[..16].try_into().map_err(|_| WebAuthnError::AuthData)?;
            let id_len = u16::from_be_bytes([rest[16], rest[17]]) as usize;
            rest = &rest[18..];
            if rest.len() < id_len {
                return Err(WebAuthnError::AuthData);
            }
            let credential_id = rest[..id_len].to_vec();
            rest = &rest[id_len..];
            // The key is one CBOR item; its length is what decoding it consumes.
            let before = rest.len();
            let _: Value = ciborium::from_reader(&mut rest).map_err(|_| WebAuthnError::AuthData)?;
            let used = before - rest.len();
            let start = data.len() - before;
            Some(AttestedCredential { aaguid, credential_id, public_key_cose: data[start..start + used].to_vec() })
        } else {
            None
        };
        if flags.extension_data() {
            let _: Value = ciborium::from_reader(&mut rest).map_err(|_| WebAuthnError::AuthData)?;
        }
        if !rest.is_empty() {
            return Err(WebAuthnError::AuthData);
        }
        Ok(AuthenticatorData { rp_id_hash, flags, sign_count, attested })
    }
}

/// A credential public key from its COSE_Key encoding (RFC 9052 §7, RFC 9053).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoseKey {
    /// P-256 point as uncompressed SEC1 (`04 ‖ x ‖ y`).
    Es256(Vec<u8>),
    /// Ed25519 public key (32 bytes).
    EdDsa(Vec<u8>),
}

fn map_get(map: &[(Value, Value)], key: i64) -> Option<&Value> {
    map.iter().find(|(k, _)| matches!(k, Value::Integer(i) if i128::from(*i) == key as i128)).map(|(_, v)| v)
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v {
        Some(Value::Integer(i)) => i64::try_from(i128::from(*i)).ok(),
        _ => None,
    }
}

fn bytes(v: Option<&Value>) -> Option<&[u8]> {
    match v {
        Some(Value::Bytes(b)) => Some(b),
        _ => None,
    }
}

impl CoseKey {
    pub fn parse(cose: &[u8]) -> Result<Self> {
        let v: Value = ciborium::from_reader(cose).map_err(|_| WebAuthnError::PublicKey)?;
        let Value::Map(m) = v else { return Err(WebAuthnError::PublicKey) };
        let (kty, alg, crv) = (int(map_get(&m, 1)), int(map_get(&m, 3)), int(map_get(&m, -1)));
        let x = bytes(map_get(&m, -2));
        let key = match (kty, alg, crv) {
            // EC2, ES256, P-256.
            (Some(2), Some(COSE_ES256), Some(1)) => {
                let (Some(x), Some(y)) = (x, bytes(map_get(&m, -3))) else { return Err(WebAuthnError::PublicKey) };
                if x.len() != 32 || y.len() != 32 {
                    return Err(WebAuthnError::PublicKey);
                }
                let mut p = Vec::with_capacity(65);
                p.push(4);
                p.extend_from_slice(x);
                p.extend_from_slice(y);
                CoseKey::Es256(p)
            }
            // OKP, EdDSA, Ed25519.
            (Some(1), Some(COSE_EDDSA), Some(6)) => match x {
                Some(x) if x.len() == 32 => CoseKey::EdDsa(x.to_vec()),
                _ => return Err(WebAuthnError::PublicKey),
            },
            _ => return Err(WebAuthnError::PublicKey),
        };
        // The point must be on the curve (aws-lc-rs checks when parsing).
        ParsedPublicKey::new(key.verification(), key.raw()).map_err(|_| WebAuthnError::PublicKey)?;
        Ok(key)
    }

    pub fn algorithm(&self) -> i64 {
        match self {
            CoseKey::Es256(_) => COSE_ES256,
            CoseKey::EdDsa(_) => COSE_EDDSA,
        }
    }

    fn verification(&self) -> &'static dyn VerificationAlgorithm {
        match self {
            // WebAuthn ES256 signatures are ASN.1 DER (§6.5.5), not the fixed JOSE form.
            CoseKey::Es256(_) => &ECDSA_P256_SHA256_ASN1,
            CoseKey::EdDsa(_) => &ED25519,
        }
    }

    fn raw(&self) -> &[u8] {
        match self {
            CoseKey::Es256(p) | CoseKey::EdDsa(p) => p,
        }
    }

    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<()> {
        let key = ParsedPublicKey::new(self.verification(), self.raw()).map_err(|_| WebAuthnError::PublicKey)?;
        key.verify_sig(msg, sig).map_err(|_| WebAuthnError::Signature)
    }
}

/// Steps 5–10 of §7.1 / 11–16 of §7.2: the collected client data.
fn check_client_data(rp: &RelyingParty, client_data_json: &[u8], kind: &'static str, challenge: &[u8]) -> Result<()> {
    let c: serde_json::Value = serde_json::from_slice(client_data_json).map_err(|_| WebAuthnError::ClientData)?;
    let field = |k: &str| c.get(k).and_then(|v| v.as_str());
    if field("type") != Some(kind) {
        return Err(WebAuthnError::Type(kind));
    }
    let sent = field("challenge").ok_or(WebAuthnError::ClientData)?;
    let sent = URL_SAFE_NO_PAD.decode(sent).map_err(|_| WebAuthnError::Challenge)?;
    if !crate::token::constant_time_eq(&sent, challenge) {
        return Err(WebAuthnError::Challenge);
    }
    rp.check_origin(field("origin").ok_or(WebAuthnError::ClientData)?)?;
    // This relying party is never embedded in another site's frame.
    if c.get("crossOrigin").and_then(|v| v.as_bool()) == Some(true) || c.get("topOrigin").is_some() {
        return Err(WebAuthnError::CrossOrigin);
    }
    Ok(())
}

fn check_flags(rp: &RelyingParty, ad: &AuthenticatorData, require_uv: bool) -> Result<()> {
    if ad.rp_id_hash != crate::token::sha256(rp.id.as_bytes()) {
        return Err(WebAuthnError::RpIdHash);
    }
    if !ad.flags.user_present() {
        return Err(WebAuthnError::UserPresence);
    }
    if require_uv && !ad.flags.user_verified() {
        return Err(WebAuthnError::UserVerification);
    }
    if ad.flags.backup_state() && !ad.flags.backup_eligible() {
        return Err(WebAuthnError::BackupFlags);
    }
    Ok(())
}

/// A credential accepted by a registration ceremony: what the relying party stores.
#[derive(Clone, Debug)]
pub struct NewCredential {
    pub id: Vec<u8>,
    pub public_key_cose: Vec<u8>,
    pub algorithm: i64,
    pub sign_count: u32,
    pub user_verified: bool,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub aaguid: [u8; 16],
}

/// §7.1 "Registering a New Credential", with attestation conveyance `none`.
pub fn verify_registration(
    rp: &RelyingParty,
    challenge: &[u8],
    client_data_json: &[u8],
    attestation_object: &[u8],
    require_uv: bool,
) -> Result<NewCredential> {
    check_client_data(rp, client_data_json, "webauthn.create", challenge)?;
    let v: Value = ciborium::from_reader(attestation_object).map_err(|_| WebAuthnError::AttestationObject)?;
    let Value::Map(m) = v else { return Err(WebAuthnError::AttestationObject) };
    let text = |k: &str| m.iter().find(|(key, _)| matches!(key, Value::Text(t) if t == k)).map(|(_, v)| v);
    let fmt = match text("fmt") {
        Some(Value::Text(f)) => f.clone(),
        _ => return Err(WebAuthnError::AttestationObject),
    };
    let auth_data = match text("authData") {
        Some(Value::Bytes(b)) => b.clone(),
        _ => return Err(WebAuthnError::AttestationObject),
    };
    // §8.7: the "none" format has an empty attestation statement.
    match (fmt.as_str(), text("attStmt")) {
        ("none", Some(Value::Map(s))) if s.is_empty() => {}
        ("none", _) => return Err(WebAuthnError::AttestationObject),
        (other, _) => return Err(WebAuthnError::AttestationFormat(other.to_owned())),
    }
    let ad = AuthenticatorData::parse(&auth_data)?;
    check_flags(rp, &ad, require_uv)?;
    let cred = ad.attested.ok_or(WebAuthnError::NoCredential)?;
    if cred.credential_id.len() > MAX_CREDENTIAL_ID_LEN {
        return Err(WebAuthnError::CredentialIdTooLong);
    }
    let key = CoseKey::parse(&cred.public_key_cose)?;
    if !SUPPORTED_ALGORITHMS.contains(&key.algorithm()) {
        return Err(WebAuthnError::Algorithm);
    }
    Ok(NewCredential {
        id: cred.credential_id,
        algorithm: key.algorithm(),
        public_key_cose: cred.public_key_cose,
        sign_count: ad.sign_count,
        user_verified: ad.flags.user_verified(),
        backup_eligible: ad.flags.backup_eligible(),
        backup_state: ad.flags.backup_state(),
        aaguid: cred.aaguid,
    })
}

/// A stored credential as an authentication ceremony needs it.
#[derive(Clone, Debug)]
pub struct StoredCredential<'a> {
    pub public_key_cose: &'a [u8],
    pub sign_count: u32,
    pub backup_eligible: bool,
}

/// What a successful assertion changes in the credential record (§7.2 step 27).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assertion {
    pub sign_count: u32,
    pub user_verified: bool,
    pub backup_state: bool,
}

/// §7.2 "Verifying an Authentication Assertion" (steps 11–26; the caller has matched the
/// credential id and user handle to the account).
pub fn verify_assertion(
    rp: &RelyingParty,
    challenge: &[u8],
    stored: &StoredCredential<'_>,
    client_data_json: &[u8],
    authenticator_data: &[u8],
    signature: &[u8],
    require_uv: bool,
) -> Result<Assertion> {
    check_client_data(rp, client_data_json, "webauthn.get", challenge)?;
    let ad = AuthenticatorData::parse(authenticator_data)?;
    check_flags(rp, &ad, require_uv)?;
    if ad.flags.backup_eligible() != stored.backup_eligible {
        return Err(WebAuthnError::BackupEligibilityChanged);
    }
    let key = CoseKey::parse(stored.public_key_cose)?;
    let mut msg = authenticator_data.to_vec();
    msg.extend_from_slice(&crate::token::sha256(client_data_json));
    key.verify(&msg, signature)?;
    // Step 25: a counter that fails to grow signals a cloned authenticator; refuse it.
    if (ad.sign_count != 0 || stored.sign_count != 0) && ad.sign_count <= stored.sign_count {
        return Err(WebAuthnError::Counter);
    }
    Ok(Assertion {
        sign_count: ad.sign_count,
        user_verified: ad.flags.user_verified(),
        backup_state: ad.flags.backup_state(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soft_authenticator::{Authenticator, KeyKind};

    fn rp() -> RelyingParty {
        RelyingParty { id: "localhost".into(), origins: vec!["http://localhost:8080".into()] }
    }

    fn register(kind: KeyKind) -> (Authenticator, NewCredential) {
        let mut a = Authenticator::new(kind, "localhost", "http://localhost:8080");
        let (cdj, att) = a.create(b"challenge-1", true);
        let c = verify_registration(&rp(), b"challenge-1", &cdj, &att, true).expect("registers");
        (a, c)
    }

    #[test]
    fn es256_and_eddsa_register_and_assert() {
        for kind in [KeyKind::Es256, KeyKind::EdDsa] {
            let (mut a, c) = register(kind);
            assert_eq!(c.algorithm, if kind == KeyKind::Es256 { COSE_ES256 } else { COSE_EDDSA });
            assert!(c.user_verified);
            let stored = StoredCredential {
                public_key_cose: &c.public_key_cose,
                sign_count: c.sign_count,
                backup_eligible: false,
            };
            let (cdj, ad, sig) = a.get(b"challenge-2", true);
            let got = verify_assertion(&rp(), b"challenge-2", &stored, &cdj, &ad, &sig, true).expect("asserts");
            assert!(got.sign_count > c.sign_count);
            // The same response again: its counter no longer grows.
            let stored2 = StoredCredential { sign_count: got.sign_count, ..stored.clone() };
            assert_eq!(
                verify_assertion(&rp(), b"challenge-2", &stored2, &cdj, &ad, &sig, true).unwrap_err(),
                WebAuthnError::Counter
            );
            // Another challenge, a tampered signature, a tampered authenticator data.
            assert_eq!(
                verify_assertion(&rp(), b"other", &stored, &cdj, &ad, &sig, true).unwrap_err(),
                WebAuthnError::Challenge
            );
            let mut bad = sig.clone();
            let n = bad.len() - 1;
            bad[n] ^= 1;
            assert_eq!(
                verify_assertion(&rp(), b"challenge-2", &stored, &cdj, &ad, &bad, true).unwrap_err(),
                WebAuthnError::Signature
            );
            let mut ad2 = ad.clone();
            ad2[36] ^= 0x40; // counter changed after signing
            assert_eq!(
                verify_assertion(&rp(), b"challenge-2", &stored, &cdj, &ad2, &sig, true).unwrap_err(),
                WebAuthnError::Signature
            );
        }
    }

    #[test]
    fn registration_checks_each_rule() {
        let mut a = Authenticator::new(KeyKind::Es256, "localhost", "http://localhost:8080");
        let (cdj, att) = a.create(b"c", true);
        let r = rp();
        assert_eq!(verify_registration(&r, b"d", &cdj, &att, true).unwrap_err(), WebAuthnError::Challenge);
        let other_origin = RelyingParty { origins: vec!["https://evil.example".into()], ..r.clone() };
        assert_eq!(verify_registration(&other_origin, b"c", &cdj, &att, true).unwrap_err(), WebAuthnError::Origin);
        let other_rp = RelyingParty { id: "example.vn".into(), ..r.clone() };
        assert_eq!(verify_registration(&other_rp, b"c", &cdj, &att, true).unwrap_err(), WebAuthnError::RpIdHash);
        // No user verification where it is required.
        let (cdj, att) = a.create(b"c", false);
        assert_eq!(verify_registration(&r, b"c", &cdj, &att, true).unwrap_err(), WebAuthnError::UserVerification);
        assert!(verify_registration(&r, b"c", &cdj, &att, false).is_ok());
        // A get response offered as a create.
        let (cdj_get, _, _) = a.get(b"c", true);
        let (_, att) = a.create(b"c", true);
        assert_eq!(
            verify_registration(&r, b"c", &cdj_get, &att, true).unwrap_err(),
            WebAuthnError::Type("webauthn.create")
        );
        // Other attestation formats and broken CBOR.
        let (cdj, _) = a.create(b"c", true);
        let packed = a.attestation_object_with_format("packed");
        assert_eq!(
            verify_registration(&r, b"c", &cdj, &packed, true).unwrap_err(),
            WebAuthnError::AttestationFormat("packed".into())
        );
        assert_eq!(
            verify_registration(&r, b"c", &cdj, b"\xa1\x00", true).unwrap_err(),
            WebAuthnError::AttestationObject
        );
        assert_eq!(verify_registration(&r, b"c", b"{", &packed, true).unwrap_err(), WebAuthnError::ClientData);
    }

    #[test]
    fn cose_keys_are_checked() {
        assert_eq!(CoseKey::parse(b"\xa0").unwrap_err(), WebAuthnError::PublicKey);
        // An RS256 key (kty 3, alg -257) is not supported.
        let mut rsa = Vec::new();
        ciborium::into_writer(
            &Value::Map(vec![
                (Value::Integer(1.into()), Value::Integer(3.into())),
                (Value::Integer(3.into()), Value::Integer((-257).into())),
            ]),
            &mut rsa,
        )
        .expect("cbor");
        assert_eq!(CoseKey::parse(&rsa).unwrap_err(), WebAuthnError::PublicKey);
        // A P-256 "point" that is not on the curve.
        let mut off = Vec::new();
        ciborium::into_writer(
            &Value::Map(vec![
                (Value::Integer(1.into()), Value::Integer(2.into())),
                (Value::Integer(3.into()), Value::Integer((-7).into())),
                (Value::Integer((-1).into()), Value::Integer(1.into())),
                (Value::Integer((-2).into()), Value::Bytes(vec![1; 32])),
                (Value::Integer((-3).into()), Value::Bytes(vec![2; 32])),
            ]),
            &mut off,
        )
        .expect("cbor");
        assert_eq!(CoseKey::parse(&off).unwrap_err(), WebAuthnError::PublicKey);
    }

    #[test]
    fn authenticator_data_is_parsed_strictly() {
        assert_eq!(AuthenticatorData::parse(&[0; 36]).unwrap_err(), WebAuthnError::AuthData);
        let mut ad = vec![0u8; 37];
        ad[32] = 0x01;
        ad[36] = 9;
        let p = AuthenticatorData::parse(&ad).expect("parses");
        assert_eq!((p.sign_count, p.flags.user_present(), p.attested.is_none()), (9, true, true));
        ad.push(0); // trailing byte
        assert_eq!(AuthenticatorData::parse(&ad).unwrap_err(), WebAuthnError::AuthData);
    }
}
