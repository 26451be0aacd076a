//! Webhook signatures following the Standard Webhooks convention: the signed content is
//! `{webhook-id}.{webhook-timestamp}.{body}`, signed with HMAC-SHA256 under the subscription's
//! secret, and sent as `webhook-signature: v1,<base64 of the MAC>`. Secrets are written
//! `whsec_<base64 of the key bytes>`.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

const PREFIX: &str = "whsec_";
/// Key bytes of a generated secret (the convention accepts 24 to 64).
pub const SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookSecretError {
    #[error("a webhook secret is written whsec_ followed by base64 of 24 to 64 bytes")]
    Malformed,
}

/// A subscription's signing secret. `Debug` never shows the key.
#[derive(Clone)]
pub struct WebhookSecret(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

impl WebhookSecret {
    /// A new secret from random bytes the caller draws from a CSPRNG.
    pub fn from_random(bytes: [u8; SECRET_BYTES]) -> Self {
        WebhookSecret(Zeroizing::new(bytes.to_vec()))
    }

    pub fn parse(s: &str) -> Result<Self, WebhookSecretError> {
        let b64 = s.strip_prefix(PREFIX).ok_or(WebhookSecretError::Malformed)?;
        let bytes = STANDARD.decode(b64).map_err(|_| WebhookSecretError::Malformed)?;
        if !(24..=64).contains(&bytes.len()) {
            return Err(WebhookSecretError::Malformed);
        }
        Ok(WebhookSecret(Zeroizing::new(bytes)))
    }

    /// The `whsec_…` form, given once to the receiving agency and kept by the store.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&*self.0))
    }

    /// The `webhook-signature` header value for one message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(id.as_bytes());
        ctx.update(b".");
        ctx.update(timestamp.to_string().as_bytes());
        ctx.update(b".");
        ctx.update(body);
        format!("v1,{}", STANDARD.encode(ctx.sign().as_ref()))
    }

    /// Checks a `webhook-signature` header (space-separated `v1,<sig>` entries; any may match).
    pub fn verify(&self, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
        let expected = self.sign(id, timestamp, body);
        header.split(' ').any(|s| subtle::ConstantTimeEq::ct_eq(s.as_bytes(), expected.as_bytes()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_example_signs_as_published() {
        // The example of the Standard Webhooks reference libraries.
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(secret.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#, &sig));
        assert!(!secret.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, br#"{"test": 2432232314}"#, &sig));
    }

    #[test]
    fn secrets_round_trip_and_bad_ones_are_refused() {
        let s = WebhookSecret::from_random([7; SECRET_BYTES]);
        let text = s.expose();
        assert!(text.starts_with("whsec_"));
        assert_eq!(WebhookSecret::parse(&text).unwrap().expose(), text);
        assert_eq!(format!("{s:?}"), "WebhookSecret(..)");
        for bad in ["", "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!!", "whsec_AAAA"] {
            assert_eq!(WebhookSecret::parse(bad).unwrap_err(), WebhookSecretError::Malformed, "{bad}");
        }
    }
}
