//! A person as the API shows it: every field of Identity Law 2023 Art. 9, with display names
//! of administrative units and the history of the person's numbers.

use dinhdanh_domain::admin::{self, UnitRef};
use dinhdanh_domain::date::{PartialDate, iso};
use dinhdanh_domain::person as dp;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Sex {
    M,
    F,
}

impl From<dp::Sex> for Sex {
    fn from(s: dp::Sex) -> Self {
        match s {
            dp::Sex::Male => Sex::M,
            dp::Sex::Female => Sex::F,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaritalStatus {
    Single,
    Married,
    Divorced,
    Widowed,
}

impl From<dp::MaritalStatus> for MaritalStatus {
    fn from(m: dp::MaritalStatus) -> Self {
        match m {
            dp::MaritalStatus::Single => MaritalStatus::Single,
            dp::MaritalStatus::Married => MaritalStatus::Married,
            dp::MaritalStatus::Divorced => MaritalStatus::Divorced,
            dp::MaritalStatus::Widowed => MaritalStatus::Widowed,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LifeStatusCode {
    Alive,
    Dead,
    Missing,
}

/// Alive, or dead / declared missing since a (possibly partial) date (Art. 9 item 24).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LifeStatus {
    pub code: LifeStatusCode,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; null when alive.
    pub date: Option<String>,
}

impl From<dp::LifeStatus> for LifeStatus {
    fn from(s: dp::LifeStatus) -> Self {
        let code = match s {
            dp::LifeStatus::Alive => LifeStatusCode::Alive,
            dp::LifeStatus::Dead(_) => LifeStatusCode::Dead,
            dp::LifeStatus::Missing(_) => LifeStatusCode::Missing,
        };
        LifeStatus { code, date: s.date().map(|d| d.to_string()) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    Father,
    Mother,
    Spouse,
    Child,
    LegalRepresentative,
    Represented,
}

impl From<dp::RelationKind> for RelationKind {
    fn from(k: dp::RelationKind) -> Self {
        match k {
            dp::RelationKind::Father => RelationKind::Father,
            dp::RelationKind::Mother => RelationKind::Mother,
            dp::RelationKind::Spouse => RelationKind::Spouse,
            dp::RelationKind::Child => RelationKind::Child,
            dp::RelationKind::LegalRepresentative => RelationKind::LegalRepresentative,
            dp::RelationKind::Represented => RelationKind::Represented,
        }
    }
}

/// An administrative unit reference with its printed name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"ref": "2025:26743", "catalogue": "2025", "code": "26743", "level": "commune",
    "name": "Phường Bến Thành, Thành phố Hồ Chí Minh"}))]
pub struct Unit {
    /// `<catalogue>:<code>`, the form requests use.
    #[serde(rename = "ref")]
    pub unit_ref: String,
    /// `2025` or `legacy`: the same code names different territory in each.
    pub catalogue: String,
    pub code: String,
    /// `province`, `district` (legacy only) or `commune`.
    pub level: String,
    /// Full name chain as printed on documents, most specific first.
    pub name: String,
}

impl From<&UnitRef> for Unit {
    fn from(u: &UnitRef) -> Self {
        Unit {
            unit_ref: u.to_string(),
            catalogue: u.catalogue().as_str().to_owned(),
            code: u.code().to_owned(),
            level: u.level().as_str().to_owned(),
            name: admin::catalogue().display_name(u),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Address {
    pub unit: Unit,
    pub detail: String,
    /// Detail and unit names as one line.
    pub display: String,
}

impl From<&dp::Address> for Address {
    fn from(a: &dp::Address) -> Self {
        Address { unit: Unit::from(&a.unit), detail: a.detail.clone(), display: a.display() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Place {
    pub unit: Option<Unit>,
    /// ISO 3166 alpha-3.
    pub country: Option<String>,
    pub detail: String,
    pub display: String,
}

impl From<&dp::Place> for Place {
    fn from(p: &dp::Place) -> Self {
        Place {
            unit: p.unit.as_ref().map(Unit::from),
            country: p.country.map(|c| c.to_string()),
            detail: p.detail.clone(),
            display: p.display(),
        }
    }
}

/// Where the birth was registered: a unit, or a mission abroad (country code 101–295).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BirthRegistration {
    pub unit: Option<Unit>,
    pub country_code: Option<u16>,
    pub detail: String,
    pub display: String,
}

impl From<&dp::BirthRegistration> for BirthRegistration {
    fn from(b: &dp::BirthRegistration) -> Self {
        match b {
            dp::BirthRegistration::Unit(u) => BirthRegistration {
                unit: Some(Unit::from(u)),
                country_code: None,
                detail: String::new(),
                display: b.display(),
            },
            dp::BirthRegistration::Abroad { country_code, detail } => BirthRegistration {
                unit: None,
                country_code: Some(*country_code),
                detail: detail.clone(),
                display: b.display(),
            },
        }
    }
}

/// A coded value with its Vietnamese name (ethnic group, religion).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CodeName {
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Relative {
    pub kind: RelationKind,
    /// Null when the relative is not in the register.
    pub pin: Option<String>,
    pub name: String,
    pub cmnd9: Option<String>,
    pub nationality: Option<String>,
}

impl From<&dp::Relative> for Relative {
    fn from(r: &dp::Relative) -> Self {
        Relative {
            kind: r.kind.into(),
            pin: r.pin.map(|p| p.to_string()),
            name: r.name.to_string(),
            cmnd9: r.cmnd9.as_ref().map(|c| c.as_str().to_owned()),
            nationality: r.nationality.map(|n| n.to_string()),
        }
    }
}

/// A card issued to the person (Art. 9 item 14), as the record keeps it. Named apart from the
/// card API's `Card` so that the two schemas of the OpenAPI document do not overwrite each other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = CardRecord)]
pub struct Card {
    /// `cmnd9`, `cmnd12`, `cccd_barcode`, `cccd_chip`, `can_cuoc_2024`.
    pub kind: String,
    pub number: String,
    pub issued_on: String,
    pub issued_by: String,
    pub valid_until: Option<String>,
}

/// A number the person held before it was re-established; it still leads to the person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CancelledPin {
    pub pin: String,
    pub cancelled_on: String,
    pub reason: String,
}

/// A person in the National Population Database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Person {
    /// The current 12-digit personal identification number.
    pub pin: String,
    /// Earlier numbers, cancelled when the number was re-established.
    pub cancelled_pins: Vec<CancelledPin>,
    /// NFC.
    pub birth_name: String,
    pub other_names: Vec<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (old records may lack day or month).
    pub date_of_birth: String,
    pub sex: Sex,
    pub place_of_birth: Option<Place>,
    pub birth_registration: Option<BirthRegistration>,
    pub hometown: Option<Place>,
    pub ethnicity: Option<CodeName>,
    pub religion: Option<CodeName>,
    /// ISO alpha-3 codes.
    pub nationality: Vec<String>,
    /// `A+`, `O-`, …
    pub blood_group: Option<String>,
    /// Old 9-digit identity card number.
    pub cmnd9: Option<String>,
    pub cards: Vec<Card>,
    pub relatives: Vec<Relative>,
    pub permanent_residence: Option<Address>,
    pub temporary_residence: Option<Address>,
    pub current_residence: Option<Address>,
    pub marital_status: MaritalStatus,
    pub status: LifeStatus,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Record version; grows with every change.
    pub version: i64,
    /// The date the view holds for, when read "as of" a date.
    pub as_of: Option<String>,
}

impl Person {
    pub fn new(p: &dp::Person, version: i64, as_of: Option<Date>) -> Self {
        Person {
            pin: p.pin.to_string(),
            cancelled_pins: p
                .cancelled_pins
                .iter()
                .map(|c| CancelledPin {
                    pin: c.pin.to_string(),
                    cancelled_on: iso(c.cancelled_on),
                    reason: c.reason.clone(),
                })
                .collect(),
            birth_name: p.birth_name.to_string(),
            other_names: p.other_names.iter().map(|n| n.to_string()).collect(),
            date_of_birth: p.date_of_birth.to_string(),
            sex: p.sex.into(),
            place_of_birth: p.place_of_birth.as_ref().map(Place::from),
            birth_registration: p.birth_registration.as_ref().map(BirthRegistration::from),
            hometown: p.hometown.as_ref().map(Place::from),
            ethnicity: p.ethnicity.map(|e| CodeName { code: e.code(), name: e.name().to_owned() }),
            religion: p.religion.map(|r| CodeName { code: r.code(), name: r.name().to_owned() }),
            nationality: p.nationality.iter().map(|n| n.to_string()).collect(),
            blood_group: p.blood_group.map(|b| b.to_string()),
            cmnd9: p.cmnd9.as_ref().map(|c| c.as_str().to_owned()),
            cards: p
                .cards
                .iter()
                .map(|c| Card {
                    kind: c.kind.code().to_owned(),
                    number: c.number.clone(),
                    issued_on: c.issued_on.to_string(),
                    issued_by: c.issued_by.clone(),
                    valid_until: c.valid_until.map(iso),
                })
                .collect(),
            relatives: p.relatives.iter().map(Relative::from).collect(),
            permanent_residence: p.permanent_residence.as_ref().map(Address::from),
            temporary_residence: p.temporary_residence.as_ref().map(Address::from),
            current_residence: p.current_residence.as_ref().map(Address::from),
            marital_status: p.marital_status.into(),
            status: p.status.into(),
            phone: p.phone.as_ref().map(|x| x.as_str().to_owned()),
            email: p.email.as_ref().map(|x| x.as_str().to_owned()),
            version,
            as_of: as_of.map(|d| PartialDate::Full(d).to_string()),
        }
    }
}

/// One line of a search result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PersonSummary {
    pub pin: String,
    pub name: String,
    pub date_of_birth: String,
    pub sex: Sex,
    /// `alive`, `dead` or `missing`.
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SearchPage {
    /// Matches in all pages.
    pub total: u64,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
    pub items: Vec<PersonSummary>,
}

/// One changed field of a history entry, in display form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    /// Wire name of the field (`marital_status`, `pin`, …).
    pub field: String,
    pub old: String,
    pub new: String,
}

impl From<&dp::FieldChange> for FieldChange {
    fn from(c: &dp::FieldChange) -> Self {
        FieldChange { field: c.field.name().to_owned(), old: c.old.clone(), new: c.new.clone() }
    }
}

/// One event in a person's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    pub event_id: uuid::Uuid,
    /// `birth_registration`, `marriage`, `divorce`, `death`, `declared_missing`, `correction`,
    /// `pin_reestablishment`, `import`, `adjudication_decision`.
    pub event_kind: String,
    pub effective_date: String,
    /// RFC 3339.
    pub recorded_at: String,
    pub actor: String,
    pub legal_basis: String,
    pub reason: String,
    /// Empty for the event that created the person.
    pub changes: Vec<FieldChange>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct History {
    pub pin: String,
    /// Newest first.
    pub entries: Vec<HistoryEntry>,
}

/// A person changed by an event. Only the number and state are returned: reading the whole
/// record is a separate, audited read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdatedPerson {
    pub pin: String,
    pub version: i64,
    pub marital_status: MaritalStatus,
    pub status: LifeStatus,
}

impl UpdatedPerson {
    pub fn new(p: &dp::Person, version: i64) -> Self {
        UpdatedPerson {
            pin: p.pin.to_string(),
            version,
            marital_status: p.marital_status.into(),
            status: p.status.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventResult {
    /// The event recorded (`marriage`, `divorce`, `death`, …).
    pub event: String,
    /// Every person whose record changed, the subject first.
    pub updated: Vec<UpdatedPerson>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BirthOutcome {
    /// The person was created (201).
    Registered,
    /// A record with the same name, date of birth, sex and mother exists; an officer decides (202).
    NeedsAdjudication,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BirthResult {
    pub outcome: BirthOutcome,
    /// The new person, when registered.
    pub person: Option<Person>,
    /// The adjudication case, when a possible duplicate was found.
    pub case_id: Option<uuid::Uuid>,
}
