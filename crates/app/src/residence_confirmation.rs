//! Residence confirmation (xác nhận thông tin về cư trú): a document an officer of any commune
//! police issues on request, stating the person's current residence, earlier residences with
//! their dates, the kinds of registration and the household, taken from the residence data.
//!
//! It is a compact JWS (ES256) signed with the platform's signing key, the one of the signed card
//! QR, so the published key set (`GET /api/v1/cards/qr-keys`) verifies both; the JWS is what the
//! printed page's QR carries. It is valid for a period ([`ConfirmationRules`], one year [R]) and
//! void as soon as the person's residence data changes: at issue a digest of the person's
//! residence rows (registrations, memberships, the households' addresses, the record's residence
//! fields) is stored with the document, and verification recomputes it. Offline, with the key set
//! only, a verifier can check the signature and the expiry, not whether the residence changed.

use crate::App;
use crate::audit::{AuditAction, AuditEntry};
use crate::auth::{Permission, Principal};
use crate::error::{AppError, AppResult};
use crate::ports::{ActorRef, StoreResult};
use crate::residence::{Membership, Registration};
use async_trait::async_trait;
use dinhdanh_crypto::jws::{self, JwsError};
use dinhdanh_crypto::token::{hex, sha256};
use dinhdanh_domain::date::iso;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{Person, PersonId};
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_domain::residence::RegistrationKind;
use serde_json::{Value, json};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// The `typ` of a residence confirmation's protected header.
pub const CONFIRMATION_TYPE: &str = "dinhdanh-residence-confirmation+jws";
const LEGAL_BASIS: &str = "Luật Cư trú số 68/2020/QH14; Thông tư 66/2023/TT-BCA";

/// How long a confirmation is valid [R]: one year since Circular 66/2023 (30 days before 2024).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfirmationRules {
    pub validity: Duration,
}

impl Default for ConfirmationRules {
    fn default() -> Self {
        ConfirmationRules { validity: Duration::days(365) }
    }
}

/// One residence on the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResidenceLine {
    /// `permanent` or `temporary`.
    pub kind: String,
    /// `2025:26743`.
    pub unit: String,
    /// The full address as printed.
    pub address: String,
    pub from: Date,
    /// The first day it no longer held (`None` while current); for a current temporary
    /// registration, the last day of its term is in `until`.
    pub to: Option<Date>,
    pub until: Option<Date>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HouseholdLine {
    pub id: Uuid,
    pub address: String,
    /// Relationship to the head (`head`, `wife` …) and its Vietnamese name.
    pub relation: String,
    pub relation_vi: String,
    pub since: Date,
}

/// What the document states (the JWS payload).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmationClaims {
    pub id: Uuid,
    pub pin: String,
    pub name: String,
    /// As the register holds it (`YYYY-MM-DD`, `YYYY-MM` or `YYYY`).
    pub date_of_birth: String,
    pub current: Vec<ResidenceLine>,
    pub earlier: Vec<ResidenceLine>,
    pub household: Option<HouseholdLine>,
    /// The issuing police (the officer's area) and the officer.
    pub issuer: String,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

fn line_json(l: &ResidenceLine) -> Value {
    json!({"kind": l.kind, "unit": l.unit, "address": l.address, "from": iso(l.from),
        "to": l.to.map(iso), "until": l.until.map(iso)})
}

fn line_from(v: &Value) -> Option<ResidenceLine> {
    let s = |k: &str| v.get(k).and_then(Value::as_str);
    let d = |k: &str| -> Option<Option<Date>> {
        match v.get(k) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(t)) => dinhdanh_domain::date::parse_full_date(t).ok().map(Some),
            _ => None,
        }
    };
    Some(ResidenceLine {
        kind: s("kind")?.to_owned(),
        unit: s("unit")?.to_owned(),
        address: s("address")?.to_owned(),
        from: d("from")??,
        to: d("to")?,
        until: d("until")?,
    })
}

impl ConfirmationClaims {
    pub fn to_json(&self) -> Value {
        json!({
            "jti": self.id.to_string(),
            "pin": self.pin, "name": self.name, "dob": self.date_of_birth,
            "current": self.current.iter().map(line_json).collect::<Vec<_>>(),
            "earlier": self.earlier.iter().map(line_json).collect::<Vec<_>>(),
            "household": self.household.as_ref().map(|h| json!({
                "id": h.id.to_string(), "address": h.address, "relation": h.relation,
                "relation_vi": h.relation_vi, "since": iso(h.since),
            })),
            "iss": self.issuer,
            "iat": self.issued_at.unix_timestamp(),
            "exp": self.expires_at.unix_timestamp(),
        })
    }

    pub fn from_json(v: &Value) -> Option<ConfirmationClaims> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let t = |k: &str| v.get(k).and_then(Value::as_i64).and_then(|n| OffsetDateTime::from_unix_timestamp(n).ok());
        let lines = |k: &str| -> Option<Vec<ResidenceLine>> { v.get(k)?.as_array()?.iter().map(line_from).collect() };
        let household = match v.get("household") {
            None | Some(Value::Null) => None,
            Some(h) => {
                let hs = |k: &str| h.get(k).and_then(Value::as_str).map(str::to_owned);
                Some(HouseholdLine {
                    id: Uuid::parse_str(&hs("id")?).ok()?,
                    address: hs("address")?,
                    relation: hs("relation")?,
                    relation_vi: hs("relation_vi")?,
                    since: dinhdanh_domain::date::parse_full_date(&hs("since")?).ok()?,
                })
            }
        };
        Some(ConfirmationClaims {
            id: Uuid::parse_str(&s("jti")?).ok()?,
            pin: s("pin")?,
            name: s("name")?,
            date_of_birth: s("dob")?,
            current: lines("current")?,
            earlier: lines("earlier")?,
            household,
            issuer: s("iss")?,
            issued_at: t("iat")?,
            expires_at: t("exp")?,
        })
    }
}

/// A confirmation as stored: what verification needs to tell whether the residence changed.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredConfirmation {
    pub id: Uuid,
    pub person_id: PersonId,
    pub pin: PersonalNumber,
    /// SHA-256 (hex) of the person's residence data at issue ([`residence_digest`]).
    pub digest: String,
    /// The signed document (compact JWS).
    pub token: String,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub issued_by: ActorRef,
}

#[async_trait]
pub trait ConfirmationStore: Send + Sync {
    /// Stores an issued confirmation with the audit line of its issue, in one transaction.
    async fn insert_confirmation(&self, c: &StoredConfirmation, audit: Vec<AuditEntry>) -> StoreResult<()>;
    async fn confirmation(&self, id: Uuid) -> StoreResult<Option<StoredConfirmation>>;
}

/// An issued confirmation: the signed document and what it states.
#[derive(Clone, Debug)]
pub struct IssuedConfirmation {
    pub token: String,
    pub claims: ConfirmationClaims,
}

/// What verification concludes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    /// Past its validity period.
    Expired,
    /// The person's residence data changed since the document was issued.
    Void,
    /// Not signed by a published key, or altered.
    BadSignature,
    /// Not a residence confirmation (not a compact JWS of this type, or its content unreadable).
    Malformed,
    /// Correctly signed, but no such document was issued by this register.
    Unknown,
}

impl Verdict {
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Expired => "expired",
            Verdict::Void => "void_residence_changed",
            Verdict::BadSignature => "bad_signature",
            Verdict::Malformed => "malformed",
            Verdict::Unknown => "unknown",
        }
    }
    pub fn message_vi(self) -> &'static str {
        match self {
            Verdict::Valid => "Văn bản xác nhận thông tin về cư trú còn giá trị.",
            Verdict::Expired => "Văn bản xác nhận đã hết thời hạn sử dụng.",
            Verdict::Void => "Văn bản xác nhận không còn giá trị vì thông tin về cư trú đã thay đổi sau khi cấp.",
            Verdict::BadSignature => "Chữ ký không hợp lệ: văn bản đã bị sửa hoặc không do cơ quan cấp.",
            Verdict::Malformed => "Không phải văn bản xác nhận thông tin về cư trú có chữ ký.",
            Verdict::Unknown => "Chữ ký hợp lệ nhưng không có văn bản nào như vậy được cấp.",
        }
    }
    pub fn message_en(self) -> &'static str {
        match self {
            Verdict::Valid => "The residence confirmation is valid.",
            Verdict::Expired => "The residence confirmation has expired.",
            Verdict::Void => "The residence confirmation is void: the residence data changed after it was issued.",
            Verdict::BadSignature => "The signature does not verify: the document was altered or not issued by us.",
            Verdict::Malformed => "This is not a signed residence confirmation.",
            Verdict::Unknown => "The signature verifies, but no such document was issued.",
        }
    }
}

/// The signature check alone, as anyone can do it offline with the published key set: the claims
/// and whether they are still within their validity period at `now`.
pub fn verify_offline(token: &str, jwks: &Value, now: OffsetDateTime) -> (Verdict, Option<ConfirmationClaims>) {
    let (header, payload) = match jws::verify(token.trim(), jwks) {
        Ok(x) => x,
        Err(JwsError::Malformed) => return (Verdict::Malformed, None),
        Err(JwsError::Algorithm | JwsError::UnknownKey | JwsError::Signature) => return (Verdict::BadSignature, None),
    };
    if header.get("typ").and_then(Value::as_str) != Some(CONFIRMATION_TYPE) {
        return (Verdict::Malformed, None);
    }
    let Some(claims) = ConfirmationClaims::from_json(&payload) else { return (Verdict::Malformed, None) };
    let verdict = if now >= claims.expires_at { Verdict::Expired } else { Verdict::Valid };
    (verdict, Some(claims))
}

/// The digest of everything that makes up a person's residence: every registration and
/// membership (past and current), the addresses of those households, and the record's residence
/// fields. Any change to one of them changes the digest.
pub fn residence_digest(
    person: &Person,
    regs: &[Registration],
    members: &[Membership],
    household_addresses: &[(Uuid, String)],
) -> String {
    let mut lines: Vec<String> = regs
        .iter()
        .map(|r| {
            format!(
                "r\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{:?}\u{1f}{}\u{1f}{:?}\u{1f}{:?}\u{1f}{}",
                r.id,
                r.kind.code(),
                r.address.unit,
                r.address.detail,
                r.household_id,
                iso(r.valid_from),
                r.valid_until.map(iso),
                r.ended_on.map(iso),
                r.end_reason
            )
        })
        .collect();
    lines.extend(members.iter().map(|m| {
        format!(
            "m\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{:?}",
            m.household_id,
            m.relation.code(),
            iso(m.valid_from),
            m.valid_to.map(iso)
        )
    }));
    lines.extend(household_addresses.iter().map(|(id, a)| format!("h\u{1f}{id}\u{1f}{a}")));
    let field = |a: &Option<dinhdanh_domain::person::Address>| {
        a.as_ref().map(|a| format!("{}\u{1f}{}", a.unit, a.detail)).unwrap_or_default()
    };
    lines.push(format!(
        "p\u{1f}{}\u{1f}{}\u{1f}{}",
        field(&person.permanent_residence),
        field(&person.temporary_residence),
        field(&person.current_residence)
    ));
    lines.sort();
    hex(&sha256(lines.join("\u{1e}").as_bytes()))
}

fn line(r: &Registration) -> ResidenceLine {
    ResidenceLine {
        kind: r.kind.code().to_owned(),
        unit: r.address.unit.to_string(),
        address: r.address.display(),
        from: r.valid_from,
        to: r.ended_on,
        until: r.valid_until,
    }
}

impl App {
    /// The person's residence rows and their digest.
    async fn residence_state(
        &self,
        person: &Person,
    ) -> AppResult<(Vec<Registration>, Vec<Membership>, Vec<(Uuid, String)>, String)> {
        let regs = self.store.registrations_of(person.id).await?;
        let members = self.store.memberships_of(person.id).await?;
        let mut addresses = Vec::new();
        for m in &members {
            if !addresses.iter().any(|(id, _)| *id == m.household_id)
                && let Some(h) = self.store.household(m.household_id).await?
            {
                addresses.push((h.id, format!("{}\u{1f}{}", h.address.unit, h.address.detail)));
            }
        }
        let digest = residence_digest(person, &regs, &members, &addresses);
        Ok((regs, members, addresses, digest))
    }

    /// Issues a residence confirmation for a person (any officer with the permission, the
    /// commune police anywhere in the country): signed, stored with the digest of the person's
    /// residence data, audited.
    pub async fn issue_residence_confirmation(
        &self,
        who: &Principal,
        pin: &PersonalNumber,
    ) -> AppResult<IssuedConfirmation> {
        who.require(Permission::ConfirmResidence)?;
        let key = self.qr_key()?.clone();
        let subject = self.store.person_by_pin(pin).await?.ok_or_else(|| AppError::invalid("pin", Rule::PinUnknown))?;
        let p = &subject.person;
        let (regs, members, _, digest) = self.residence_state(p).await?;
        let now = self.clock.now();
        let today = self.clock.today();
        let (current, earlier): (Vec<&Registration>, Vec<&Registration>) =
            regs.iter().partition(|r| r.is_current() && r.valid_until.is_none_or(|u| today <= u));
        let mut current: Vec<ResidenceLine> = current.into_iter().map(line).collect();
        // The permanent residence first.
        current.sort_by_key(|l| (l.kind != RegistrationKind::Permanent.code(), l.from));
        let household = match members.iter().find(|m| m.valid_to.is_none()) {
            Some(m) => self.store.household(m.household_id).await?.map(|h| HouseholdLine {
                id: h.id,
                address: h.address.display(),
                relation: m.relation.code().to_owned(),
                relation_vi: m.relation.name_vi().to_owned(),
                since: m.valid_from,
            }),
            None => None,
        };
        let claims = ConfirmationClaims {
            id: self.rng.uuid(),
            pin: p.pin.to_string(),
            name: p.birth_name.as_str().to_owned(),
            date_of_birth: p.date_of_birth.to_string(),
            current,
            earlier: earlier.into_iter().map(line).collect(),
            household,
            issuer: format!("Công an {} — {}", who.jurisdiction.display(), who.name),
            issued_at: now,
            expires_at: now + self.config.confirmation_rules.validity,
        };
        let token = jws::sign(key.as_ref(), CONFIRMATION_TYPE, &claims.to_json())
            .map_err(|e| AppError::Internal(format!("signing a residence confirmation: {e}")))?;
        let stored = StoredConfirmation {
            id: claims.id,
            person_id: p.id,
            pin: p.pin,
            digest,
            token: token.clone(),
            issued_at: now,
            expires_at: claims.expires_at,
            issued_by: who.actor(),
        };
        let audit = AuditEntry {
            id: self.rng.uuid(),
            at: now,
            actor: who.actor(),
            action: AuditAction::Export,
            person_id: Some(p.id),
            fields: "residence".into(),
            purpose: "residence_confirmation".into(),
            legal_basis: LEGAL_BASIS.into(),
            event_id: None,
            detail: format!("confirmation {}", claims.id),
        };
        self.store.insert_confirmation(&stored, vec![audit]).await?;
        Ok(IssuedConfirmation { token, claims })
    }

    /// A stored confirmation (to print it again): officers with the permission.
    pub async fn residence_confirmation(&self, who: &Principal, id: Uuid) -> AppResult<IssuedConfirmation> {
        who.require(Permission::ConfirmResidence)?;
        let c = self.store.confirmation(id).await?.ok_or(AppError::NotFound)?;
        let (_, claims) = verify_offline(&c.token, &self.qr_keys(), OffsetDateTime::UNIX_EPOCH);
        let claims = claims.ok_or_else(|| AppError::Internal("a stored confirmation does not verify".into()))?;
        self.store
            .record_access(vec![AuditEntry {
                id: self.rng.uuid(),
                at: self.clock.now(),
                actor: who.actor(),
                action: AuditAction::Read,
                person_id: Some(c.person_id),
                fields: "residence".into(),
                purpose: "residence_confirmation_print".into(),
                legal_basis: LEGAL_BASIS.into(),
                event_id: None,
                detail: format!("confirmation {id}"),
            }])
            .await?;
        Ok(IssuedConfirmation { token: c.token, claims })
    }

    /// Verifies a confirmation (anyone: the answer carries nothing the document does not): the
    /// signature against the published keys, the validity period, then whether the person's
    /// residence data is still what it was at issue. The recomputation reads the person's
    /// residence, so it is audited under the verifier's name.
    pub async fn verify_residence_confirmation(
        &self,
        verifier: &Principal,
        token: &str,
    ) -> AppResult<(Verdict, Option<ConfirmationClaims>)> {
        let (verdict, claims) = verify_offline(token, &self.qr_keys(), self.clock.now());
        let Some(claims) = claims else { return Ok((verdict, None)) };
        if verdict != Verdict::Valid {
            return Ok((verdict, Some(claims)));
        }
        let Some(stored) = self.store.confirmation(claims.id).await? else {
            return Ok((Verdict::Unknown, Some(claims)));
        };
        let Some(person) = self.store.person_by_id(stored.person_id).await? else {
            return Ok((Verdict::Void, Some(claims)));
        };
        let (_, _, _, digest) = self.residence_state(&person.person).await?;
        self.store
            .record_access(vec![AuditEntry {
                id: self.rng.uuid(),
                at: self.clock.now(),
                actor: verifier.actor(),
                action: AuditAction::Read,
                person_id: Some(stored.person_id),
                fields: "residence".into(),
                purpose: "residence_confirmation_verify".into(),
                legal_basis: LEGAL_BASIS.into(),
                event_id: None,
                detail: format!("confirmation {}", claims.id),
            }])
            .await?;
        let verdict = if digest == stored.digest { Verdict::Valid } else { Verdict::Void };
        Ok((verdict, Some(claims)))
    }
}
