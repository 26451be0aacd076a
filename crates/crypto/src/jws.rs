//! Compact JWS (RFC 7515) signed through the [`Signer`] trait and verified with a public JWK.

use crate::keys::{KeyError, Signer, point_from_jwk, verify_es256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Signs `payload` (JSON) as a compact JWS with `typ` in the protected header.
pub fn sign(signer: &dyn Signer, typ: &str, payload: &serde_json::Value) -> Result<String, KeyError> {
    let header = serde_json::json!({"alg": signer.algorithm(), "kid": signer.key_id(), "typ": typ});
    let input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(payload.to_string()));
    let sig = signer.sign(input.as_bytes())?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("not a compact JWS")]
    Malformed,
    #[error("unsupported algorithm")]
    Algorithm,
    #[error("unknown key id")]
    UnknownKey,
    #[error("bad signature")]
    Signature,
}

/// Verifies a compact JWS against the keys of a JWKS (`{"keys": [...]}`); returns header and payload.
pub fn verify(jws: &str, jwks: &serde_json::Value) -> Result<(serde_json::Value, serde_json::Value), JwsError> {
    let mut parts = jws.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(JwsError::Malformed);
    };
    let decode = |x: &str| URL_SAFE_NO_PAD.decode(x).map_err(|_| JwsError::Malformed);
    let header: serde_json::Value = serde_json::from_slice(&decode(h)?).map_err(|_| JwsError::Malformed)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("ES256") {
        return Err(JwsError::Algorithm);
    }
    let kid = header.get("kid").and_then(|k| k.as_str()).ok_or(JwsError::UnknownKey)?;
    let key = jwks
        .get("keys")
        .and_then(|k| k.as_array())
        .and_then(|ks| ks.iter().find(|k| k.get("kid").and_then(|x| x.as_str()) == Some(kid)))
        .ok_or(JwsError::UnknownKey)?;
    let point = point_from_jwk(key).ok_or(JwsError::UnknownKey)?;
    let signing_input = &jws[..h.len() + 1 + p.len()];
    if !verify_es256(&point, signing_input.as_bytes(), &decode(s)?) {
        return Err(JwsError::Signature);
    }
    let payload = serde_json::from_slice(&decode(p)?).map_err(|_| JwsError::Malformed)?;
    Ok((header, payload))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SoftwareKey;

    #[test]
    fn round_trip_and_tamper() {
        let key = SoftwareKey::generate().unwrap();
        let jwks = serde_json::json!({"keys": [key.public_jwk()]});
        let jws = sign(&key, "test+jws", &serde_json::json!({"a": 1})).unwrap();
        let (h, p) = verify(&jws, &jwks).unwrap();
        assert_eq!(h["typ"], "test+jws");
        assert_eq!(p["a"], 1);
        let mut parts: Vec<&str> = jws.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"a":2}"#);
        parts[1] = &forged;
        assert_eq!(verify(&parts.join("."), &jwks), Err(JwsError::Signature));
        assert_eq!(verify("a.b", &jwks), Err(JwsError::Malformed));
        let other = serde_json::json!({"keys": [SoftwareKey::generate().unwrap().public_jwk()]});
        assert_eq!(verify(&jws, &other), Err(JwsError::UnknownKey));
    }
}
