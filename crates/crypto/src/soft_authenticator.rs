//! A software WebAuthn authenticator for tests: it answers `create` and `get` the way a platform
//! authenticator does (attestation `none`, a counter that grows), so the relying-party checks can
//! be exercised end to end without a browser. Enabled by the `test-authenticator` feature, which
//! only test code turns on.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciborium::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Es256,
    EdDsa,
}

enum Key {
    Es256(EcdsaKeyPair),
    EdDsa(Ed25519KeyPair),
}

/// One credential on one authenticator.
pub struct Authenticator {
    key: Key,
    rp_id: String,
    origin: String,
    pub credential_id: Vec<u8>,
    pub counter: u32,
    /// The user handle given at registration, returned with every assertion.
    pub user_handle: Vec<u8>,
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

impl Authenticator {
    pub fn new(kind: KeyKind, rp_id: &str, origin: &str) -> Self {
        let rng = SystemRandom::new();
        let key = match kind {
            KeyKind::Es256 => {
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("keygen");
                Key::Es256(EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).expect("key"))
            }
            KeyKind::EdDsa => Key::EdDsa(Ed25519KeyPair::generate().expect("keygen")),
        };
        let mut id = vec![0u8; 32];
        aws_lc_rs::rand::fill(&mut id).expect("random");
        Authenticator {
            key,
            rp_id: rp_id.to_owned(),
            origin: origin.to_owned(),
            credential_id: id,
            counter: 0,
            user_handle: Vec::new(),
        }
    }

    pub fn credential_id_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.credential_id)
    }

    fn cose_key(&self) -> Vec<u8> {
        let map = match &self.key {
            Key::Es256(k) => {
                let p = k.public_key().as_ref();
                vec![
                    (int(1), int(2)),
                    (int(3), int(-7)),
                    (int(-1), int(1)),
                    (int(-2), Value::Bytes(p[1..33].to_vec())),
                    (int(-3), Value::Bytes(p[33..65].to_vec())),
                ]
            }
            Key::EdDsa(k) => vec![
                (int(1), int(1)),
                (int(3), int(-8)),
                (int(-1), int(6)),
                (int(-2), Value::Bytes(k.public_key().as_ref().to_vec())),
            ],
        };
        let mut out = Vec::new();
        ciborium::into_writer(&Value::Map(map), &mut out).expect("cbor");
        out
    }

    fn client_data(&self, kind: &str, challenge: &[u8]) -> Vec<u8> {
        serde_json::json!({
            "type": kind,
            "challenge": URL_SAFE_NO_PAD.encode(challenge),
            "origin": self.origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    fn auth_data(&mut self, uv: bool, attested: bool) -> Vec<u8> {
        self.counter += 1;
        let mut ad = crate::token::sha256(self.rp_id.as_bytes()).to_vec();
        ad.push(0x01 | if uv { 0x04 } else { 0 } | if attested { 0x40 } else { 0 });
        ad.extend_from_slice(&self.counter.to_be_bytes());
        if attested {
            ad.extend_from_slice(&[0u8; 16]);
            ad.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
            ad.extend_from_slice(&self.credential_id);
            ad.extend_from_slice(&self.cose_key());
        }
        ad
    }

    fn attestation(&mut self, fmt: &str, uv: bool) -> Vec<u8> {
        let ad = self.auth_data(uv, true);
        let att = Value::Map(vec![
            (Value::Text("fmt".into()), Value::Text(fmt.into())),
            (Value::Text("attStmt".into()), Value::Map(vec![])),
            (Value::Text("authData".into()), Value::Bytes(ad)),
        ]);
        let mut out = Vec::new();
        ciborium::into_writer(&att, &mut out).expect("cbor");
        out
    }

    /// `navigator.credentials.create`: (clientDataJSON, attestationObject).
    pub fn create(&mut self, challenge: &[u8], uv: bool) -> (Vec<u8>, Vec<u8>) {
        (self.client_data("webauthn.create", challenge), self.attestation("none", uv))
    }

    /// An attestation object in another format (for refusal tests).
    pub fn attestation_object_with_format(&mut self, fmt: &str) -> Vec<u8> {
        self.attestation(fmt, true)
    }

    /// `navigator.credentials.get`: (clientDataJSON, authenticatorData, signature).
    pub fn get(&mut self, challenge: &[u8], uv: bool) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let cdj = self.client_data("webauthn.get", challenge);
        let ad = self.auth_data(uv, false);
        let mut msg = ad.clone();
        msg.extend_from_slice(&crate::token::sha256(&cdj));
        let sig = match &self.key {
            Key::Es256(k) => k.sign(&SystemRandom::new(), &msg).expect("sign").as_ref().to_vec(),
            Key::EdDsa(k) => k.sign(&msg).as_ref().to_vec(),
        };
        (cdj, ad, sig)
    }
}
