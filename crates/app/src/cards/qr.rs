//! The card's QR codes and what a printed card shows, all taken from the card's own chip data
//! (DG13 and DG1), so the print, the QR and the chip never disagree.
//!
//! - The legacy QR (vn-domain §2.3): seven `|`-separated fields, plain UTF-8. It is not signed
//!   and proves nothing; it is printed because readers in the field expect it.
//! - The signed QR: a compact JWS (ES256, RFC 7515) over the PIN, name, date of birth, sex,
//!   document number and expiry, with the key id in its header. Anyone verifies it offline with
//!   the published key set (`GET /api/v1/cards/qr-keys`, a JWKS), e.g. with any JOSE library.

use dinhdanh_crypto::jws::{self, JwsError};
use dinhdanh_crypto::keys::{KeyError, Signer};
use dinhdanh_icao::lds::{Dg13, NO_EXPIRY_TEXT, dg13_field as f};
use serde_json::{Value, json};

/// The `typ` of a signed card QR's protected header.
pub const SIGNED_QR_TYPE: &str = "dinhdanh-card-qr+jws";

/// A `dd/mm/yyyy` card date as the legacy QR writes it: `ddmmyyyy`. Partial dates (`mm/yyyy`,
/// `yyyy`) are padded with zeros for the missing day and month.
fn qr_date(card_date: &str) -> String {
    let parts: Vec<&str> = card_date.split('/').collect();
    match parts.as_slice() {
        [d, m, y] => format!("{d}{m}{y}"),
        [m, y] => format!("00{m}{y}"),
        [y] => format!("0000{y}"),
        _ => String::new(),
    }
}

/// A field of the legacy text: the separator cannot appear inside a field.
fn field(s: &str) -> String {
    s.replace(['|', '\n', '\r'], " ")
}

/// The legacy seven-field QR text of a card: `PIN|CMND9|NAME|DDMMYYYY|Nam/Nữ|residence|DDMMYYYY`.
pub fn legacy_text(dg13: &Dg13) -> String {
    let t = |n| dg13.text(n).unwrap_or_default();
    [
        field(t(f::PIN)),
        field(t(f::OLD_ID_NUMBER)),
        field(&t(f::FULL_NAME).to_uppercase()),
        qr_date(t(f::DATE_OF_BIRTH)),
        field(t(f::SEX)),
        field(t(f::RESIDENCE)),
        qr_date(t(f::DATE_OF_ISSUE)),
    ]
    .join("|")
}

/// What the signed QR asserts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrClaims {
    pub pin: String,
    /// As printed (NFC, with diacritics).
    pub name: String,
    /// `dd/mm/yyyy` (or `mm/yyyy`, `yyyy` for partial dates), as printed.
    pub date_of_birth: String,
    /// `M` or `F`.
    pub sex: String,
    /// The MRZ document number: the last nine digits of the PIN.
    pub document_number: String,
    /// `dd/mm/yyyy`; `None` for a card without expiry.
    pub expires_on: Option<String>,
}

impl QrClaims {
    /// The claims of a card from its DG13.
    pub fn of(dg13: &Dg13) -> QrClaims {
        let t = |n| dg13.text(n).unwrap_or_default().to_owned();
        let pin = t(f::PIN);
        QrClaims {
            document_number: pin.get(3..).unwrap_or_default().to_owned(),
            pin,
            name: t(f::FULL_NAME),
            date_of_birth: t(f::DATE_OF_BIRTH),
            sex: if t(f::SEX) == "Nữ" { "F".into() } else { "M".into() },
            expires_on: dg13.text(f::DATE_OF_EXPIRY).filter(|e| *e != NO_EXPIRY_TEXT).map(str::to_owned),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "pin": self.pin, "name": self.name, "dob": self.date_of_birth, "sex": self.sex,
            "doc": self.document_number, "exp": self.expires_on,
        })
    }

    fn from_json(v: &Value) -> Option<QrClaims> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let claims = QrClaims {
            pin: s("pin")?,
            name: s("name")?,
            date_of_birth: s("dob")?,
            sex: s("sex")?,
            document_number: s("doc")?,
            expires_on: match v.get("exp") {
                Some(Value::Null) => None,
                Some(Value::String(e)) => Some(e.clone()),
                _ => return None,
            },
        };
        let digits = |x: &str, n| x.len() == n && x.bytes().all(|b| b.is_ascii_digit());
        (digits(&claims.pin, 12)
            && digits(&claims.document_number, 9)
            && claims.pin.ends_with(&claims.document_number)
            && (claims.sex == "M" || claims.sex == "F"))
            .then_some(claims)
    }
}

/// Signs the claims as a compact JWS with `key`.
pub fn sign(key: &dyn Signer, claims: &QrClaims) -> Result<String, KeyError> {
    jws::sign(key, SIGNED_QR_TYPE, &claims.to_json())
}

/// Why a signed QR was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("not a signed card QR (compact JWS expected)")]
    Malformed,
    #[error("the QR is signed with an algorithm other than ES256")]
    Algorithm,
    #[error("the QR's key id is not among the published keys")]
    UnknownKey,
    #[error("the QR's signature does not verify: its content was changed or it was not issued by us")]
    Signature,
    #[error("the signed content is not a card QR")]
    Content,
}

impl QrError {
    pub fn code(self) -> &'static str {
        match self {
            QrError::Malformed => "qr.malformed",
            QrError::Algorithm => "qr.algorithm",
            QrError::UnknownKey => "qr.unknown_key",
            QrError::Signature => "qr.signature",
            QrError::Content => "qr.content",
        }
    }

    pub fn message_vi(self) -> &'static str {
        match self {
            QrError::Malformed => "Không phải mã QR thẻ có chữ ký (cần dạng JWS rút gọn).",
            QrError::Algorithm => "Mã QR được ký bằng thuật toán khác ES256.",
            QrError::UnknownKey => "Mã khóa của QR không nằm trong bộ khóa đã công bố.",
            QrError::Signature => "Chữ ký của QR không hợp lệ: nội dung đã bị sửa hoặc không do cơ quan cấp.",
            QrError::Content => "Nội dung đã ký không phải thông tin thẻ.",
        }
    }
}

/// Verifies a signed card QR against a published key set (`{"keys": [JWK, …]}`): the claims
/// and the id of the key that signed them.
pub fn verify(text: &str, jwks: &Value) -> Result<(QrClaims, String), QrError> {
    let (header, payload) = jws::verify(text.trim(), jwks).map_err(|e| match e {
        JwsError::Malformed => QrError::Malformed,
        JwsError::Algorithm => QrError::Algorithm,
        JwsError::UnknownKey => QrError::UnknownKey,
        JwsError::Signature => QrError::Signature,
    })?;
    if header.get("typ").and_then(Value::as_str) != Some(SIGNED_QR_TYPE) {
        return Err(QrError::Content);
    }
    let kid = header.get("kid").and_then(Value::as_str).unwrap_or_default().to_owned();
    QrClaims::from_json(&payload).map(|c| (c, kid)).ok_or(QrError::Content)
}

/// A QR key no longer signing but still published, so that QR codes printed under it keep
/// verifying until `retire_after` (`None`: until it is removed by hand).
#[derive(Clone, Debug, PartialEq)]
pub struct RetiredQrKey {
    /// The public key as a JWK (with its `kid`).
    pub jwk: Value,
    pub retire_after: Option<time::OffsetDateTime>,
}

/// The published key set: the current key, then every retired key not yet past its date.
pub fn key_set(current: Option<&dyn Signer>, retired: &[RetiredQrKey], now: time::OffsetDateTime) -> Value {
    let mut keys: Vec<Value> = current.map(|k| k.public_jwk()).into_iter().collect();
    for r in retired {
        let kid = r.jwk.get("kid");
        if r.retire_after.is_none_or(|t| now < t) && !keys.iter().any(|k| k.get("kid") == kid) {
            keys.push(r.jwk.clone());
        }
    }
    json!({ "keys": keys })
}

/// The published key set of `keys`.
pub fn jwks(keys: &[&dyn Signer]) -> Value {
    json!({ "keys": keys.iter().map(|k| k.public_jwk()).collect::<Vec<_>>() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dinhdanh_crypto::keys::SoftwareKey;

    fn dg13() -> Dg13 {
        let mut d = Dg13::default();
        d.set_text(f::PIN, "079203000123");
        d.set_text(f::FULL_NAME, "Nguyễn Văn An");
        d.set_text(f::DATE_OF_BIRTH, "14/05/2003");
        d.set_text(f::SEX, "Nam");
        d.set_text(f::RESIDENCE, "Số 1 Đường A, Phường B | TP Hồ Chí Minh");
        d.set_text(f::DATE_OF_ISSUE, "20/08/2021");
        d.set_text(f::DATE_OF_EXPIRY, "14/05/2028");
        d
    }

    #[test]
    fn the_legacy_text_has_seven_fields_in_order() {
        assert_eq!(
            legacy_text(&dg13()),
            "079203000123||NGUYỄN VĂN AN|14052003|Nam|Số 1 Đường A, Phường B   TP Hồ Chí Minh|20082021"
        );
        let mut d = dg13();
        d.set_text(f::OLD_ID_NUMBER, "012345678");
        d.set_text(f::DATE_OF_BIRTH, "2003");
        let text = legacy_text(&d);
        assert_eq!(text.split('|').count(), 7);
        assert!(text.starts_with("079203000123|012345678|NGUYỄN VĂN AN|00002003|"), "{text}");
    }

    #[test]
    fn a_signed_qr_verifies_and_any_change_is_caught() {
        let key = SoftwareKey::generate().unwrap();
        let keys = jwks(&[&key]);
        let claims = QrClaims::of(&dg13());
        assert_eq!((claims.document_number.as_str(), claims.sex.as_str()), ("203000123", "M"));
        let text = sign(&key, &claims).unwrap();
        let (back, kid) = verify(&text, &keys).unwrap();
        assert_eq!((back, kid.as_str()), (claims.clone(), key.key_id()));

        // One character of the payload changed.
        let mut parts: Vec<String> = text.split('.').map(str::to_owned).collect();
        let mut p = parts[1].clone().into_bytes();
        p[5] = if p[5] == b'A' { b'B' } else { b'A' };
        parts[1] = String::from_utf8(p).unwrap();
        assert!(matches!(verify(&parts.join("."), &keys), Err(QrError::Signature | QrError::Malformed)));
        // Another issuer's key, garbage, a JWS of another type.
        let other = SoftwareKey::generate().unwrap();
        assert_eq!(verify(&sign(&other, &claims).unwrap(), &keys), Err(QrError::UnknownKey));
        assert_eq!(verify("079203000123||NGUYEN", &keys), Err(QrError::Malformed));
        let foreign = jws::sign(&key, "other+jws", &claims.to_json()).unwrap();
        assert_eq!(verify(&foreign, &keys), Err(QrError::Content));
        let no_expiry = QrClaims { expires_on: None, ..claims };
        assert_eq!(verify(&sign(&key, &no_expiry).unwrap(), &keys).unwrap().0.expires_on, None);
    }
}
