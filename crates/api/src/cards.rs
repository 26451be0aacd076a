//! Identity cards on the wire: card applications (dossiers), biometric captures, cards and
//! their status, and what relying parties send: a status question, chip data to verify, a
//! signed QR to check.
//!
//! Binary values (EF.SOD, data groups) travel as standard base64 with padding.

use crate::parse::{self, Check};
use dinhdanh_domain::admin::UnitRef;
use dinhdanh_domain::card::ApplicationKind;
use dinhdanh_domain::error::{Invalid, Rule};
use dinhdanh_domain::pin::PersonalNumber;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// Who files the application, in relation to the person the card is for.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    /// `self`, `parent`, `guardian`, `legal_representative`, `authorized`, …
    pub relation: Option<String>,
    /// Required unless the relation is `self`.
    pub name: Option<String>,
    #[schema(pattern = r"^[0-9]{12}$")]
    pub pin: Option<String>,
    /// Phone or e-mail for the result notice.
    pub contact: Option<String>,
}

/// A card application: the person, the kind, and the commune police that receive it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pin": "079090001234", "kind": "first_issue", "handling_unit": "2025:26743",
    "applicant": {"relation": "self", "contact": "0912000111"}}))]
pub struct CardApplicationRequest {
    #[schema(pattern = r"^[0-9]{12}$")]
    pub pin: Option<String>,
    /// `first_issue`, `exchange_age`, `exchange_data_change`, `exchange_damaged`,
    /// `exchange_pin_reestablished`, `exchange_unit_reform` or `reissue_lost`.
    pub kind: Option<String>,
    /// The commune (2025 catalogue) whose police receive the application.
    #[schema(pattern = r"^2025:[0-9]{5}$")]
    pub handling_unit: Option<String>,
    pub applicant: Option<ApplicantInput>,
}

/// The applicant as parsed; the web layer turns it into the workflow's applicant.
#[derive(Clone, Debug)]
pub struct ParsedApplicant {
    pub relation: String,
    pub name: Option<String>,
    pub pin: Option<PersonalNumber>,
    pub contact: String,
}

#[derive(Clone, Debug)]
pub struct ParsedCardApplication {
    pub pin: PersonalNumber,
    pub kind: ApplicationKind,
    pub handling_unit: UnitRef,
    pub applicant: ParsedApplicant,
}

impl CardApplicationRequest {
    pub fn parse(&self) -> Result<ParsedCardApplication, Invalid> {
        let mut c = Check::new();
        let pin = c.req("pin", &self.pin, PersonalNumber::parse);
        let kind = c.req("kind", &self.kind, ApplicationKind::parse);
        let unit = c.req("handling_unit", &self.handling_unit, parse::unit_ref);
        let a = self.applicant.clone().unwrap_or_default();
        let relation = a.relation.as_deref().map(str::trim).filter(|r| !r.is_empty()).unwrap_or("self").to_owned();
        let name = c.opt("applicant.name", &a.name, parse::text(200));
        if relation != "self" && name.is_none() && a.name.is_none() {
            c.push("applicant.name", Rule::Required);
        }
        let applicant_pin = c.opt("applicant.pin", &a.pin, PersonalNumber::parse);
        let contact = c.opt("applicant.contact", &a.contact, parse::text(200)).unwrap_or_default();
        c.finish()?;
        match (pin, kind, unit) {
            (Some(pin), Some(kind), Some(handling_unit)) => Ok(ParsedCardApplication {
                pin,
                kind,
                handling_unit,
                applicant: ParsedApplicant { relation, name, pin: applicant_pin, contact },
            }),
            _ => Err(Invalid::one("", Rule::Required)),
        }
    }
}

/// One step of an application: `capture_biometrics`, `approve`, `refuse`, `produce`, `deliver`
/// or `withdraw`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"action": "approve"}))]
pub struct StepRequest {
    pub action: Option<String>,
    /// The reason; required to refuse or withdraw.
    pub note: Option<String>,
    /// The application's `version` as last read: the step is refused (409) if it changed since.
    pub expected_version: Option<i64>,
}

/// One line of an application's log.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct StepLogEntry {
    /// RFC 3339.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
}

/// A step that can be taken now.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct NextStep {
    pub action: String,
    pub name_vi: String,
    pub name_en: String,
    pub note_required: bool,
}

/// A card application (a dossier of the workflow).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct CardApplication {
    pub id: Uuid,
    /// Given to the applicant on the receipt (`CC-26743-…`).
    pub code: String,
    /// `received`, `biometrics_captured`, `approved`, `refused`, `produced`, `delivered` or
    /// `withdrawn`.
    pub status: String,
    pub status_vi: String,
    pub status_en: String,
    pub kind: String,
    pub pin: String,
    pub name: String,
    pub handling_unit: String,
    /// RFC 3339.
    pub received_at: String,
    /// The last working day (YYYY-MM-DD) for the authority, while open.
    pub deadline: Option<String>,
    /// The latest reason or result.
    pub note: String,
    pub version: i64,
    pub next_steps: Vec<NextStep>,
    /// Present when the application was opened on its own.
    pub log: Option<Vec<StepLogEntry>>,
}

/// A face image or fingerprint as captured (never the image itself).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Biometric {
    pub id: Uuid,
    /// `face` or `finger.1` … `finger.10`.
    pub kind: String,
    /// `image/jpeg`, `image/png` or `iso19794-2`.
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u32,
    /// RFC 3339.
    pub captured_at: String,
    pub captured_by: String,
    /// The newest capture of its kind (the one a new card uses).
    pub active: bool,
}

/// A card as officers see it (no chip data).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Card {
    pub id: Uuid,
    pub pin: String,
    /// The MRZ document number: the last nine digits of the PIN.
    pub document_number: String,
    pub application_kind: String,
    /// `active`, `lost`, `revoked`, `expired` or `replaced` (today's status).
    pub status: String,
    pub status_vi: String,
    /// YYYY-MM-DD.
    pub issued_on: String,
    /// YYYY-MM-DD; null for a card without expiry.
    pub expires_on: Option<String>,
    pub delivered_at: Option<String>,
    pub status_changed_at: String,
    pub status_reason: String,
    pub replaced_by: Option<Uuid>,
    /// Serial number (hex) of the document signer certificate that signed the chip data.
    pub document_signer: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// Why (fraud, a court decision, a card issued in error); at most 500 characters.
    pub reason: Option<String>,
}

/// A relying party's question about a card it was shown.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pin": "079090001234", "document_number": "090001234"}))]
pub struct CardStatusRequest {
    #[schema(pattern = r"^[0-9]{12}$")]
    pub pin: Option<String>,
    /// The document number of the card's MRZ (9 digits).
    #[schema(pattern = r"^[0-9]{9}$")]
    pub document_number: Option<String>,
}

impl CardStatusRequest {
    pub fn parse(&self) -> Result<(PersonalNumber, String), Invalid> {
        let mut c = Check::new();
        let pin = c.req("pin", &self.pin, PersonalNumber::parse);
        let doc = c.req("document_number", &self.document_number, |s| {
            let s = s.trim();
            if s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit()) {
                Ok(s.to_owned())
            } else {
                Err(Rule::CardDocumentNumber)
            }
        });
        c.finish()?;
        pin.zip(doc).ok_or_else(|| Invalid::one("", Rule::Required))
    }
}

/// The answer: the status only, nothing about the person.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct CardStatusResponse {
    /// `active`, `lost`, `revoked`, `expired` or `replaced`.
    pub status: String,
    /// True only for `active`.
    pub valid: bool,
}

/// Chip data a relying party read from a card, for passive authentication.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// EF.SOD, base64.
    pub sod: Option<String>,
    /// Data groups read, by number (`"1"`, `"2"`, `"13"` …), each base64.
    pub data_groups: Option<BTreeMap<String, String>>,
}

/// EF.SOD and the data groups by number, decoded.
pub type ChipFiles = (Vec<u8>, BTreeMap<u8, Vec<u8>>);

/// Largest data group or EF.SOD accepted for verification, decoded.
pub const MAX_CHIP_FILE_BYTES: usize = 96 * 1024;

impl VerifyRequest {
    pub fn parse(&self) -> Result<ChipFiles, Invalid> {
        use base64::Engine;
        let b64 = |s: &str| {
            base64::engine::general_purpose::STANDARD
                .decode(s.trim())
                .ok()
                .filter(|b| b.len() <= MAX_CHIP_FILE_BYTES)
                .ok_or(Rule::ChipFile)
        };
        let mut c = Check::new();
        let sod = c.req("sod", &self.sod, b64);
        let mut dgs = BTreeMap::new();
        match &self.data_groups {
            None => c.push("data_groups", Rule::Required),
            Some(map) => {
                for (k, v) in map {
                    let field = format!("data_groups.{k}");
                    match k.parse::<u8>().ok().filter(|n| (1..=16).contains(n)) {
                        None => c.push(&field, Rule::ChipDataGroupNumber),
                        Some(n) => {
                            if let Some(bytes) = c.req(&field, &Some(v.clone()), b64) {
                                dgs.insert(n, bytes);
                            }
                        }
                    }
                }
            }
        }
        c.finish()?;
        sod.map(|s| (s, dgs)).ok_or_else(|| Invalid::one("sod", Rule::Required))
    }
}

/// One check of passive authentication.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct VerifyCheck {
    /// Stable code: `sod_structure`, `signed_attributes`, `signer_certificate`, `sod_signature`,
    /// `csca_found`, `ds_signed_by_csca`, `ds_validity`, `csca_validity`, `ds_profile`,
    /// `csca_profile`, `revocation`, `dgN_hash`, `dgN_signed`.
    pub check: String,
    /// `passed`, `failed` or `skipped`.
    pub outcome: String,
    pub label_vi: String,
    pub label_en: String,
    /// Why it failed or was skipped.
    pub detail: Option<String>,
}

/// The report of passive authentication: valid only when every check passed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct VerifyReport {
    pub valid: bool,
    pub checks: Vec<VerifyCheck>,
    /// Subject of the document signer certificate.
    pub document_signer: Option<String>,
    pub csca: Option<String>,
    /// RFC 3339.
    pub signing_time: Option<String>,
}

/// A signed card QR as scanned.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QrVerifyRequest {
    /// The QR's text (a compact JWS).
    pub qr: Option<String>,
}

/// What a signed card QR asserts, once its signature verified.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct QrClaimsBody {
    pub pin: String,
    pub name: String,
    /// As printed: `dd/mm/yyyy`.
    pub date_of_birth: String,
    /// `M` or `F`.
    pub sex: String,
    pub document_number: String,
    /// `dd/mm/yyyy`; null for a card without expiry.
    pub expires_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct QrVerifyResponse {
    pub valid: bool,
    /// Key id that signed the QR, when valid.
    pub kid: Option<String>,
    pub claims: Option<QrClaimsBody>,
    /// Why it was not accepted: `qr.malformed`, `qr.algorithm`, `qr.unknown_key`,
    /// `qr.signature`, `qr.content`.
    pub error: Option<String>,
    pub message_vi: Option<String>,
    pub message_en: Option<String>,
}

/// The QR texts of a card.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct CardQr {
    /// The legacy seven-field text (not signed).
    pub legacy: String,
    /// The signed QR (compact JWS).
    pub signed: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_name_every_broken_field() {
        let r = CardApplicationRequest { pin: Some("12".into()), kind: Some("new".into()), ..Default::default() };
        let codes: Vec<_> = r.parse().unwrap_err().0.into_iter().map(|f| (f.field, f.rule)).collect();
        assert_eq!(
            codes,
            vec![
                ("pin".to_owned(), Rule::PinFormat),
                ("kind".to_owned(), Rule::CardApplicationKind),
                ("handling_unit".to_owned(), Rule::Required),
            ]
        );
        let v = VerifyRequest {
            sod: Some("@@".into()),
            data_groups: Some(BTreeMap::from([("99".into(), "AA==".into()), ("1".into(), "AA==".into())])),
        };
        let codes: Vec<_> = v.parse().unwrap_err().0.into_iter().map(|f| (f.field, f.rule)).collect();
        assert_eq!(
            codes,
            vec![("sod".to_owned(), Rule::ChipFile), ("data_groups.99".to_owned(), Rule::ChipDataGroupNumber)]
        );
        let s = CardStatusRequest { pin: Some("079090001234".into()), document_number: Some("1234".into()) };
        assert_eq!(s.parse().unwrap_err().0[0].rule, Rule::CardDocumentNumber);
    }
}
