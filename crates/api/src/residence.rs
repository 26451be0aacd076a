//! Residence on the wire: households with their members' history, a person's residence as of a
//! date, the residence procedures filed as dossiers, deregistration candidates and the
//! conversion of pre-2025 communes.

use crate::cards::{NextStep, StepLogEntry};
use crate::requests::AddressInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Who files the dossier, in relation to the person it is about.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidenceApplicantInput {
    /// `self` (default), `parent`, `guardian`, `legal_representative`, `household_head`,
    /// `authorized`, or `authority` (deregistration on the police's own initiative).
    pub relation: Option<String>,
    /// Required for `authorized`.
    pub name: Option<String>,
    /// The applicant's PIN: required for `parent`, `guardian`, `legal_representative` and
    /// `household_head`.
    #[schema(pattern = r"^[0-9]{12}$")]
    pub pin: Option<String>,
    /// Number and date of the written authorization or the guardianship decision.
    pub reference: Option<String>,
    /// Phone or e-mail for the result notice.
    pub contact: Option<String>,
}

/// A member taken along in a household split.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitMemberInput {
    #[schema(pattern = r"^[0-9]{12}$")]
    pub pin: Option<String>,
    /// Relationship to the new head (`child`, `wife`, …).
    pub relation: Option<String>,
}

/// A residence procedure, filed as a dossier at the commune police of the address. Which
/// fields are needed depends on `kind`:
/// - `permanent`: `address`, `proof` (`owned`, `consent`, `rented` with `floor_area_m2`), and
///   `household_id` + `relation` to join a household (a new one, headed by the person, otherwise);
/// - `temporary`: `address`, `valid_until` (at most two years from approval);
/// - `temporary_extension`: `valid_until` (filed in the 15 days before the term ends);
/// - `absence`: `case`, `from`, `until` (optional), `destination`, `reason`;
/// - `deregister_permanent`, `deregister_temporary`: `reason` (Art. 24 / Art. 29 code), `on`;
/// - `household_split`: `members` who leave with the person as new head;
/// - `change_head`: `former_head_relation` (the person becomes head);
/// - `adjust`: `relation` (the person's new relationship to the head).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "temporary", "pin": "079090001234",
    "address": {"unit": "2025:00004", "detail": "Phòng 3, 8 Kim Mã"}, "valid_until": "2027-08-31",
    "applicant": {"relation": "self", "contact": "0912000111"}}))]
pub struct ResidenceDossierRequest {
    pub kind: Option<String>,
    /// The person the procedure is about.
    #[schema(pattern = r"^[0-9]{12}$")]
    pub pin: Option<String>,
    pub address: Option<AddressInput>,
    pub household_id: Option<String>,
    pub relation: Option<String>,
    pub proof: Option<String>,
    pub floor_area_m2: Option<f64>,
    /// YYYY-MM-DD.
    pub valid_until: Option<String>,
    /// Absence case: `criminal_proceedings`, `administrative_measure`, `state_obligation`,
    /// `long_absence`.
    pub case: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub destination: Option<String>,
    /// The absence's reason, or the deregistration reason's code.
    pub reason: Option<String>,
    /// Day the deregistration takes effect (YYYY-MM-DD).
    pub on: Option<String>,
    pub members: Option<Vec<SplitMemberInput>>,
    pub former_head_relation: Option<String>,
    pub applicant: Option<ResidenceApplicantInput>,
}

/// A person named in a dossier.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct DossierSubjectBody {
    pub pin: String,
    pub name: String,
    /// `subject`, `new_head`, `member`, `former_head`.
    pub role: String,
}

/// A residence dossier.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, ToSchema)]
pub struct ResidenceDossier {
    pub id: Uuid,
    /// Given to the applicant on the receipt (`TTR-26743-…`).
    pub code: String,
    /// `residence.permanent`, `residence.temporary`, …
    pub kind: String,
    pub kind_vi: String,
    pub kind_en: String,
    /// `received`, `processing`, `supplement_requested`, `approved`, `refused`, `done`,
    /// `withdrawn`.
    pub status: String,
    pub status_vi: String,
    pub status_en: String,
    pub subjects: Vec<DossierSubjectBody>,
    pub handling_unit: String,
    pub applicant_relation: String,
    pub applicant_name: String,
    /// The procedure's own fields as filed.
    pub form: serde_json::Value,
    /// RFC 3339.
    pub received_at: String,
    /// The last working day (YYYY-MM-DD) for the authority, while open and not paused.
    pub deadline: Option<String>,
    pub note: String,
    pub version: i64,
    pub next_steps: Vec<NextStep>,
    /// Present when the dossier was opened on its own.
    pub log: Option<Vec<StepLogEntry>>,
}

/// A membership of a household, current or past.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct HouseholdMemberBody {
    pub pin: String,
    pub name: String,
    /// Relationship to the head (`head`, `wife`, `child`, …).
    pub relation: String,
    pub relation_vi: String,
    pub valid_from: String,
    /// First day it no longer holds; absent while current.
    pub valid_to: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct HouseholdBody {
    pub id: Uuid,
    pub unit: String,
    pub unit_name: String,
    pub detail: String,
    /// Every membership, oldest first.
    pub members: Vec<HouseholdMemberBody>,
}

/// A permanent or temporary registration.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct RegistrationBody {
    pub id: Uuid,
    /// `permanent` or `temporary`.
    pub kind: String,
    pub unit: String,
    pub unit_name: String,
    pub detail: String,
    pub household_id: Option<Uuid>,
    pub valid_from: String,
    /// Last day of a temporary term.
    pub valid_until: Option<String>,
    /// First day it no longer holds.
    pub ended_on: Option<String>,
    pub end_reason: String,
}

/// Where a person lived on a date.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ResidenceAsOfBody {
    pub pin: String,
    pub on: String,
    pub permanent: Option<RegistrationBody>,
    pub temporary: Vec<RegistrationBody>,
    pub household_id: Option<Uuid>,
    pub relation: Option<String>,
    /// Every registration, for earlier residences with their dates.
    pub history: Vec<RegistrationBody>,
}

/// A person the 12-month-absence rule points at, for the commune police to verify.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct AbsenceCandidateBody {
    pub pin: String,
    pub name: String,
    pub registration: RegistrationBody,
    /// The last day a temporary registration or an absence declaration covered the person.
    pub last_covered: String,
}

/// The candidates of one commune on a day.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct AbsenceCandidatesBody {
    pub commune: String,
    pub on: String,
    /// The 12 months examined start on this day.
    pub since: String,
    pub candidates: Vec<AbsenceCandidateBody>,
}

/// A 2025 commune in a conversion answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ConversionCommune {
    /// `2025:00025`.
    pub unit: String,
    pub name: String,
}

/// A pre-2025 commune converted to the 2025 catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ConversionBody {
    /// `legacy:00007`.
    pub old_unit: String,
    pub old_name: String,
    /// `converted` (see `commune`), `choose_split` (the old commune was divided: an officer
    /// chooses among `candidates` with street-level knowledge and asks again with `choice`) or
    /// `choose_unlisted` (the table has no row for it: the candidates are the 2025 communes of
    /// the province(s) covering it).
    pub status: String,
    pub commune: Option<ConversionCommune>,
    pub candidates: Vec<ConversionCommune>,
    /// The conversion table's notes for the old commune ("Nhập một phần" …).
    pub notes: Vec<String>,
}
