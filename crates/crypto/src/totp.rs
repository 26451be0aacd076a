//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) and the `otpauth://` URI that
//! authenticator apps read from a QR code.
//!
//! Codes are compared in constant time, and a verified code names its time step so the caller
//! can refuse the same step twice (replay).

use aws_lc_rs::hmac;
use zeroize::Zeroizing;

/// The HMAC of the HOTP computation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TotpAlgorithm {
    Sha1,
    Sha256,
    Sha512,
}

impl TotpAlgorithm {
    fn hmac(self) -> hmac::Algorithm {
        match self {
            TotpAlgorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            TotpAlgorithm::Sha256 => hmac::HMAC_SHA256,
            TotpAlgorithm::Sha512 => hmac::HMAC_SHA512,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            TotpAlgorithm::Sha1 => "SHA1",
            TotpAlgorithm::Sha256 => "SHA256",
            TotpAlgorithm::Sha512 => "SHA512",
        }
    }
}

/// A TOTP generator/verifier. The secret is wiped from memory when dropped.
pub struct Totp {
    secret: Zeroizing<Vec<u8>>,
    pub algorithm: TotpAlgorithm,
    pub digits: u32,
    /// Seconds per step (X in RFC 6238).
    pub period: u64,
}

impl std::fmt::Debug for Totp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Totp({}, {} digits, {} s, secret redacted)", self.algorithm.name(), self.digits, self.period)
    }
}

/// Bytes of a newly generated secret: 160 bits, the HMAC-SHA1 block RFC 4226 recommends.
pub const SECRET_LEN: usize = 20;

impl Totp {
    /// The parameters every common authenticator app supports: SHA-1, 6 digits, 30 seconds.
    pub fn standard(secret: &[u8]) -> Self {
        Totp::new(secret, TotpAlgorithm::Sha1, 6, 30)
    }

    pub fn new(secret: &[u8], algorithm: TotpAlgorithm, digits: u32, period: u64) -> Self {
        Totp { secret: Zeroizing::new(secret.to_vec()), algorithm, digits: digits.clamp(6, 9), period: period.max(1) }
    }

    /// The time step of a Unix time (T0 = 0).
    pub fn step(&self, unix: u64) -> u64 {
        unix / self.period
    }

    /// HOTP of one counter value (RFC 4226 §5.3, dynamic truncation).
    pub fn code_for_step(&self, step: u64) -> String {
        let key = hmac::Key::new(self.algorithm.hmac(), &self.secret);
        let mac = hmac::sign(&key, &step.to_be_bytes());
        let mac = mac.as_ref();
        let offset = (mac[mac.len() - 1] & 0x0f) as usize;
        let bin = u32::from_be_bytes([mac[offset] & 0x7f, mac[offset + 1], mac[offset + 2], mac[offset + 3]]);
        let code = bin % 10u32.pow(self.digits);
        format!("{code:0width$}", width = self.digits as usize)
    }

    pub fn code_at(&self, unix: u64) -> String {
        self.code_for_step(self.step(unix))
    }

    /// Checks `code` against the steps within `skew` of `unix`, skipping every step at or before
    /// `used_up_to` (already spent). Returns the matching step.
    pub fn verify(&self, code: &str, unix: u64, skew: u64, used_up_to: Option<u64>) -> Option<u64> {
        let code = code.trim();
        if code.len() != self.digits as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = self.step(unix);
        let mut found = None;
        // Every candidate is computed and compared, so timing does not reveal which step matched.
        for step in now.saturating_sub(skew)..=now + skew {
            let fresh = used_up_to.is_none_or(|u| step > u);
            if crate::token::constant_time_eq(self.code_for_step(step).as_bytes(), code.as_bytes()) && fresh {
                found = Some(step);
            }
        }
        found
    }

    /// Whether `code` matches a step within `skew` that is already spent: a replayed code.
    pub fn is_replay(&self, code: &str, unix: u64, skew: u64, used_up_to: Option<u64>) -> bool {
        let Some(used) = used_up_to else { return false };
        let now = self.step(unix);
        (now.saturating_sub(skew)..=now + skew)
            .filter(|s| *s <= used)
            .any(|s| crate::token::constant_time_eq(self.code_for_step(s).as_bytes(), code.trim().as_bytes()))
    }

    /// `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=…&digits=…&period=…`, the
    /// Key URI Format authenticator apps read from a QR code.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let label = format!("{}:{}", uri_escape(issuer), uri_escape(account));
        format!(
            "otpauth://totp/{label}?secret={}&issuer={}&algorithm={}&digits={}&period={}",
            base32_encode(&self.secret),
            uri_escape(issuer),
            self.algorithm.name(),
            self.digits,
            self.period
        )
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986 §2.3).
fn uri_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as otpauth URIs carry secrets.
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in data {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buf >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes RFC 4648 base32 (case-insensitive, padding and spaces ignored).
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| !matches!(c, b'=' | b' ')) {
        let v = BASE32.iter().position(|&x| x == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: every test vector, for each of the three algorithms.
    #[test]
    fn rfc6238_test_vectors() {
        let sha1 = Totp::new(b"12345678901234567890", TotpAlgorithm::Sha1, 8, 30);
        let sha256 = Totp::new(b"12345678901234567890123456789012", TotpAlgorithm::Sha256, 8, 30);
        let sha512 = Totp::new(
            b"1234567890123456789012345678901234567890123456789012345678901234",
            TotpAlgorithm::Sha512,
            8,
            30,
        );
        let vectors: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, a, b, c) in vectors {
            assert_eq!(sha1.code_at(t), a, "SHA1 at {t}");
            assert_eq!(sha256.code_at(t), b, "SHA256 at {t}");
            assert_eq!(sha512.code_at(t), c, "SHA512 at {t}");
        }
        // The step numbers of the RFC's table.
        assert_eq!(sha1.step(1111111109), 0x23523EC);
        assert_eq!(sha1.step(20000000000), 0x27BC86AA);
    }

    /// RFC 4226 Appendix D: HOTP values for counters 0–9 (6 digits).
    #[test]
    fn rfc4226_hotp_vectors() {
        let t = Totp::new(b"12345678901234567890", TotpAlgorithm::Sha1, 6, 30);
        let expected =
            ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
        for (i, e) in expected.iter().enumerate() {
            assert_eq!(t.code_for_step(i as u64), *e, "counter {i}");
        }
    }

    #[test]
    fn verify_with_skew_and_replay() {
        let t = Totp::standard(b"12345678901234567890");
        let now = 1_800_000_000;
        let code = t.code_at(now);
        assert_eq!(t.verify(&code, now, 1, None), Some(t.step(now)));
        // One step late is accepted, two are not.
        assert_eq!(t.verify(&code, now + 30, 1, None), Some(t.step(now)));
        assert_eq!(t.verify(&code, now + 60, 1, None), None);
        // A spent step is refused and recognised as a replay.
        assert_eq!(t.verify(&code, now, 1, Some(t.step(now))), None);
        assert!(t.is_replay(&code, now, 1, Some(t.step(now))));
        assert!(!t.is_replay("000000", now, 1, None));
        assert_eq!(t.verify("12345", now, 1, None), None);
        assert_eq!(t.verify("abcdef", now, 1, None), None);
    }

    #[test]
    fn base32_round_trip_and_rfc4648_vectors() {
        for (plain, enc) in [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ")] {
            assert_eq!(base32_encode(plain.as_bytes()), enc);
            assert_eq!(base32_decode(enc).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw6ytboi======").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(base32_decode("MZ1"), None);
    }

    #[test]
    fn otpauth_uri_shape() {
        let t = Totp::standard(b"12345678901234567890");
        assert_eq!(
            t.otpauth_uri("Định danh", "079123456789"),
            "otpauth://totp/%C4%90%E1%BB%8Bnh%20danh:079123456789?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=%C4%90%E1%BB%8Bnh%20danh&algorithm=SHA1&digits=6&period=30"
        );
    }
}
