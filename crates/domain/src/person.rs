//! A person as the National Population Database holds them (Identity Law 2023, Art. 9).
//!
//! Biometrics are deliberately absent: they belong to the identity database (Art. 15), which has
//! its own store and access rules.

use crate::admin::{self, Catalogue, UnitLevel, UnitRef};
use crate::codes::{BloodGroup, Cmnd9, Email, Ethnicity, Nationality, Phone, Religion};
use crate::date::PartialDate;
use crate::error::Rule;
use crate::name::{PersonName, clean_text, fold};
use crate::pin::PersonalNumber;
use std::collections::BTreeSet;
use std::fmt;
use time::Date;
use uuid::Uuid;

/// The register's internal key. It never changes, while the PIN may be re-established.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct PersonId(pub Uuid);

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// Accepts `M`/`F`, `Nam`/`Nữ` (and `Nu`), in any case.
    pub fn parse(s: &str) -> Result<Self, Rule> {
        match fold(s).as_str() {
            "m" | "nam" | "male" => Ok(Sex::Male),
            "f" | "nu" | "female" => Ok(Sex::Female),
            _ => Err(Rule::Sex),
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MaritalStatus {
    Single,
    Married,
    Divorced,
    Widowed,
}

impl MaritalStatus {
    pub const ALL: [MaritalStatus; 4] =
        [MaritalStatus::Single, MaritalStatus::Married, MaritalStatus::Divorced, MaritalStatus::Widowed];
    pub fn code(self) -> &'static str {
        match self {
            MaritalStatus::Single => "single",
            MaritalStatus::Married => "married",
            MaritalStatus::Divorced => "divorced",
            MaritalStatus::Widowed => "widowed",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Rule> {
        Self::ALL.into_iter().find(|m| m.code() == s.trim()).ok_or(Rule::MaritalStatus)
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            MaritalStatus::Single => "Chưa kết hôn",
            MaritalStatus::Married => "Đã kết hôn",
            MaritalStatus::Divorced => "Đã ly hôn",
            MaritalStatus::Widowed => "Góa",
        }
    }
}

/// Alive, or the date of death or of the declaration of going missing (Art. 9 item 24).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LifeStatus {
    Alive,
    Dead(PartialDate),
    Missing(PartialDate),
}

impl LifeStatus {
    pub fn code(&self) -> &'static str {
        match self {
            LifeStatus::Alive => "alive",
            LifeStatus::Dead(_) => "dead",
            LifeStatus::Missing(_) => "missing",
        }
    }
    pub fn date(&self) -> Option<PartialDate> {
        match self {
            LifeStatus::Alive => None,
            LifeStatus::Dead(d) | LifeStatus::Missing(d) => Some(*d),
        }
    }
}

/// Kinds of relative the register records (Art. 9 item 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RelationKind {
    Father,
    Mother,
    Spouse,
    Child,
    LegalRepresentative,
    Represented,
}

impl RelationKind {
    pub const ALL: [RelationKind; 6] = [
        RelationKind::Father,
        RelationKind::Mother,
        RelationKind::Spouse,
        RelationKind::Child,
        RelationKind::LegalRepresentative,
        RelationKind::Represented,
    ];
    pub fn code(self) -> &'static str {
        match self {
            RelationKind::Father => "father",
            RelationKind::Mother => "mother",
            RelationKind::Spouse => "spouse",
            RelationKind::Child => "child",
            RelationKind::LegalRepresentative => "legal_representative",
            RelationKind::Represented => "represented",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Rule> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim()).ok_or(Rule::RelationKind)
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            RelationKind::Father => "Cha",
            RelationKind::Mother => "Mẹ",
            RelationKind::Spouse => "Vợ/chồng",
            RelationKind::Child => "Con",
            RelationKind::LegalRepresentative => "Người đại diện hợp pháp",
            RelationKind::Represented => "Người được đại diện",
        }
    }
}

/// A relative, linked by PIN when they are in the register, otherwise recorded by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relative {
    pub kind: RelationKind,
    pub pin: Option<PersonalNumber>,
    pub name: PersonName,
    pub cmnd9: Option<Cmnd9>,
    pub nationality: Option<Nationality>,
}

impl Relative {
    pub fn linked(kind: RelationKind, p: &Person) -> Self {
        Relative {
            kind,
            pin: Some(p.pin),
            name: p.birth_name.clone(),
            cmnd9: p.cmnd9.clone(),
            nationality: p.nationality.first().copied(),
        }
    }
}

/// Longest address detail (house number, street, hamlet) accepted.
pub const MAX_DETAIL_CHARS: usize = 200;

/// A residence address: a commune-level unit plus the detail below it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub unit: UnitRef,
    pub detail: String,
}

impl Address {
    /// Any catalogue, for records carried over from before the 2025 reform.
    pub fn new(unit: UnitRef, detail: &str) -> Result<Self, Rule> {
        if unit.level() != UnitLevel::Commune {
            return Err(Rule::UnitNotCommune);
        }
        Ok(Address { unit, detail: clean_text(detail, MAX_DETAIL_CHARS)? })
    }
    /// New facts must use the units in force since 1 July 2025.
    pub fn new_current(unit: UnitRef, detail: &str) -> Result<Self, Rule> {
        if unit.catalogue() != Catalogue::Y2025 {
            return Err(Rule::UnitLegacyNotAllowed);
        }
        Self::new(unit, detail)
    }
    pub fn display(&self) -> String {
        let unit = admin::catalogue().display_name(&self.unit);
        if self.detail.is_empty() { unit } else { format!("{}, {unit}", self.detail) }
    }
}

/// A place (of birth, of origin): an administrative unit at any level, or a country, with a
/// free-text detail (a hospital, a village).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub unit: Option<UnitRef>,
    pub country: Option<Nationality>,
    pub detail: String,
}

impl Place {
    pub fn display(&self) -> String {
        let mut parts = Vec::new();
        if !self.detail.is_empty() {
            parts.push(self.detail.clone());
        }
        if let Some(u) = &self.unit {
            parts.push(admin::catalogue().display_name(u));
        }
        if let Some(c) = &self.country {
            parts.push(c.to_string());
        }
        parts.join(", ")
    }
}

/// Where a birth was registered: a unit in Vietnam, or abroad at a mission (country code
/// 101–295 of Circular 07/2016, which becomes the first three digits of the PIN).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BirthRegistration {
    Unit(UnitRef),
    Abroad { country_code: u16, detail: String },
}

impl BirthRegistration {
    pub fn display(&self) -> String {
        match self {
            BirthRegistration::Unit(u) => admin::catalogue().display_name(u),
            BirthRegistration::Abroad { country_code, detail } => format!("{detail} ({country_code})"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CardKind {
    Cmnd9,
    Cmnd12,
    CccdBarcode,
    CccdChip,
    IdentityCard2024,
}

impl CardKind {
    pub const ALL: [CardKind; 5] =
        [CardKind::Cmnd9, CardKind::Cmnd12, CardKind::CccdBarcode, CardKind::CccdChip, CardKind::IdentityCard2024];
    pub fn code(self) -> &'static str {
        match self {
            CardKind::Cmnd9 => "cmnd9",
            CardKind::Cmnd12 => "cmnd12",
            CardKind::CccdBarcode => "cccd_barcode",
            CardKind::CccdChip => "cccd_chip",
            CardKind::IdentityCard2024 => "can_cuoc_2024",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Rule> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim()).ok_or(Rule::Required)
    }
}

/// One card issued to the person (Art. 9 item 14): CMND, CCCD or identity card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardRecord {
    pub kind: CardKind,
    pub number: String,
    pub issued_on: PartialDate,
    pub issued_by: String,
    pub valid_until: Option<Date>,
}

/// A number the person held before it was re-established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancelledPin {
    pub pin: PersonalNumber,
    pub cancelled_on: Date,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: PersonId,
    pub pin: PersonalNumber,
    pub cancelled_pins: Vec<CancelledPin>,
    pub birth_name: PersonName,
    pub other_names: Vec<PersonName>,
    pub date_of_birth: PartialDate,
    pub sex: Sex,
    pub place_of_birth: Option<Place>,
    pub birth_registration: Option<BirthRegistration>,
    pub hometown: Option<Place>,
    pub ethnicity: Option<Ethnicity>,
    pub religion: Option<Religion>,
    pub nationality: Vec<Nationality>,
    pub blood_group: Option<BloodGroup>,
    pub cmnd9: Option<Cmnd9>,
    pub cards: Vec<CardRecord>,
    pub relatives: Vec<Relative>,
    pub permanent_residence: Option<Address>,
    pub temporary_residence: Option<Address>,
    pub current_residence: Option<Address>,
    pub marital_status: MaritalStatus,
    pub status: LifeStatus,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
}

/// Field names as they appear in the API and in the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Pin,
    CancelledPins,
    BirthName,
    OtherNames,
    DateOfBirth,
    Sex,
    PlaceOfBirth,
    BirthRegistration,
    Hometown,
    Ethnicity,
    Religion,
    Nationality,
    BloodGroup,
    Cmnd9,
    Cards,
    Relatives,
    PermanentResidence,
    TemporaryResidence,
    CurrentResidence,
    MaritalStatus,
    Status,
    Phone,
    Email,
}

impl Field {
    pub const ALL: [Field; 23] = [
        Field::Pin,
        Field::CancelledPins,
        Field::BirthName,
        Field::OtherNames,
        Field::DateOfBirth,
        Field::Sex,
        Field::PlaceOfBirth,
        Field::BirthRegistration,
        Field::Hometown,
        Field::Ethnicity,
        Field::Religion,
        Field::Nationality,
        Field::BloodGroup,
        Field::Cmnd9,
        Field::Cards,
        Field::Relatives,
        Field::PermanentResidence,
        Field::TemporaryResidence,
        Field::CurrentResidence,
        Field::MaritalStatus,
        Field::Status,
        Field::Phone,
        Field::Email,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Field::Pin => "pin",
            Field::CancelledPins => "cancelled_pins",
            Field::BirthName => "birth_name",
            Field::OtherNames => "other_names",
            Field::DateOfBirth => "date_of_birth",
            Field::Sex => "sex",
            Field::PlaceOfBirth => "place_of_birth",
            Field::BirthRegistration => "birth_registration",
            Field::Hometown => "hometown",
            Field::Ethnicity => "ethnicity",
            Field::Religion => "religion",
            Field::Nationality => "nationality",
            Field::BloodGroup => "blood_group",
            Field::Cmnd9 => "cmnd9",
            Field::Cards => "cards",
            Field::Relatives => "relatives",
            Field::PermanentResidence => "permanent_residence",
            Field::TemporaryResidence => "temporary_residence",
            Field::CurrentResidence => "current_residence",
            Field::MaritalStatus => "marital_status",
            Field::Status => "status",
            Field::Phone => "phone",
            Field::Email => "email",
        }
    }
    pub fn parse(s: &str) -> Option<Field> {
        Self::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// One changed field, in display form, for the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub field: Field,
    pub old: String,
    pub new: String,
}

fn opt<T>(v: &Option<T>, f: impl Fn(&T) -> String) -> String {
    v.as_ref().map(f).unwrap_or_default()
}

/// Where a person falls for officers' jurisdiction: the 2025 communes and provinces of their
/// residences and of their birth registration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JurisdictionKeys {
    pub communes: BTreeSet<String>,
    pub provinces: BTreeSet<String>,
}

impl Person {
    pub fn is_alive(&self) -> bool {
        self.status == LifeStatus::Alive
    }

    /// Refuses any change to a dead or missing person's record.
    pub fn ensure_active(&self) -> Result<(), Rule> {
        match self.status {
            LifeStatus::Alive => Ok(()),
            LifeStatus::Dead(_) => Err(Rule::PersonDead),
            LifeStatus::Missing(_) => Err(Rule::PersonMissing),
        }
    }

    pub fn relatives_of(&self, kind: RelationKind) -> impl Iterator<Item = &Relative> {
        self.relatives.iter().filter(move |r| r.kind == kind)
    }

    pub fn mother_name(&self) -> Option<&PersonName> {
        self.relatives_of(RelationKind::Mother).next().map(|r| &r.name)
    }

    /// Key of the duplicate check: same folded name, date of birth, sex and mother's folded name.
    pub fn duplicate_key(&self) -> String {
        duplicate_key(&self.birth_name, &self.date_of_birth, self.sex, self.mother_name())
    }

    /// Every PIN that identifies this person, current first.
    pub fn all_pins(&self) -> impl Iterator<Item = &PersonalNumber> {
        std::iter::once(&self.pin).chain(self.cancelled_pins.iter().map(|c| &c.pin))
    }

    pub fn jurisdiction_keys(&self) -> JurisdictionKeys {
        let cat = admin::catalogue();
        let mut keys = JurisdictionKeys::default();
        let mut add = |u: &UnitRef| {
            for c in cat.communes_2025_of(u) {
                keys.communes.insert(c.to_owned());
            }
            for p in cat.provinces_2025_of(u) {
                keys.provinces.insert(p.to_owned());
            }
        };
        for a in [&self.permanent_residence, &self.temporary_residence, &self.current_residence].into_iter().flatten() {
            add(&a.unit);
        }
        if let Some(BirthRegistration::Unit(u)) = &self.birth_registration {
            add(u);
        }
        keys
    }

    /// The display value of one field.
    pub fn field_text(&self, field: Field) -> String {
        match field {
            Field::Pin => self.pin.to_string(),
            Field::CancelledPins => self
                .cancelled_pins
                .iter()
                .map(|c| format!("{} ({})", c.pin, crate::date::iso(c.cancelled_on)))
                .collect::<Vec<_>>()
                .join("; "),
            Field::BirthName => self.birth_name.to_string(),
            Field::OtherNames => self.other_names.iter().map(|n| n.as_str()).collect::<Vec<_>>().join("; "),
            Field::DateOfBirth => self.date_of_birth.to_string(),
            Field::Sex => self.sex.name_vi().to_owned(),
            Field::PlaceOfBirth => opt(&self.place_of_birth, Place::display),
            Field::BirthRegistration => opt(&self.birth_registration, BirthRegistration::display),
            Field::Hometown => opt(&self.hometown, Place::display),
            Field::Ethnicity => opt(&self.ethnicity, |e| e.name().to_owned()),
            Field::Religion => opt(&self.religion, |r| r.name().to_owned()),
            Field::Nationality => self.nationality.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", "),
            Field::BloodGroup => opt(&self.blood_group, |b| b.to_string()),
            Field::Cmnd9 => opt(&self.cmnd9, |c| c.as_str().to_owned()),
            Field::Cards => self
                .cards
                .iter()
                .map(|c| format!("{} {} ({})", c.kind.code(), c.number, c.issued_on))
                .collect::<Vec<_>>()
                .join("; "),
            Field::Relatives => self
                .relatives
                .iter()
                .map(|r| {
                    let pin = r.pin.map(|p| format!(" [{p}]")).unwrap_or_default();
                    format!("{}: {}{pin}", r.kind.name_vi(), r.name)
                })
                .collect::<Vec<_>>()
                .join("; "),
            Field::PermanentResidence => opt(&self.permanent_residence, Address::display),
            Field::TemporaryResidence => opt(&self.temporary_residence, Address::display),
            Field::CurrentResidence => opt(&self.current_residence, Address::display),
            Field::MaritalStatus => self.marital_status.name_vi().to_owned(),
            Field::Status => match self.status {
                LifeStatus::Alive => "Còn sống".to_owned(),
                LifeStatus::Dead(d) => format!("Đã chết ({d})"),
                LifeStatus::Missing(d) => format!("Mất tích ({d})"),
            },
            Field::Phone => opt(&self.phone, |p| p.as_str().to_owned()),
            Field::Email => opt(&self.email, |e| e.as_str().to_owned()),
        }
    }

    /// The fields that differ between two versions of the same person.
    pub fn diff(&self, newer: &Person) -> Vec<FieldChange> {
        Field::ALL
            .into_iter()
            .filter_map(|f| {
                let (old, new) = (self.field_text(f), newer.field_text(f));
                (old != new).then_some(FieldChange { field: f, old, new })
            })
            .collect()
    }
}

/// See [`Person::duplicate_key`]; also computed for records not yet created.
pub fn duplicate_key(name: &PersonName, dob: &PartialDate, sex: Sex, mother: Option<&PersonName>) -> String {
    format!("{}|{}|{}|{}", name.folded(), dob, sex.code(), mother.map(|m| m.folded()).unwrap_or_default())
}

/// An officer's or client's area: the whole country, a 2025 province, or a 2025 commune.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Jurisdiction {
    National,
    Province(String),
    Commune(String),
}

impl Jurisdiction {
    /// `national`, `province:79`, `commune:26734` (codes of the 2025 catalogue).
    pub fn parse(s: &str) -> Result<Self, Rule> {
        let cat = admin::catalogue();
        match s.trim().split_once(':') {
            None if s.trim() == "national" => Ok(Jurisdiction::National),
            Some(("province", code)) if cat.province(Catalogue::Y2025, code).is_some() => {
                Ok(Jurisdiction::Province(code.to_owned()))
            }
            Some(("commune", code)) if cat.commune(Catalogue::Y2025, code).is_some() => {
                Ok(Jurisdiction::Commune(code.to_owned()))
            }
            _ => Err(Rule::Jurisdiction),
        }
    }

    pub fn covers_keys(&self, keys: &JurisdictionKeys) -> bool {
        match self {
            Jurisdiction::National => true,
            Jurisdiction::Province(p) => keys.provinces.contains(p),
            Jurisdiction::Commune(c) => keys.communes.contains(c),
        }
    }

    pub fn covers(&self, p: &Person) -> bool {
        matches!(self, Jurisdiction::National) || self.covers_keys(&p.jurisdiction_keys())
    }

    /// Whether a unit (where a birth is registered, say) lies inside this jurisdiction.
    pub fn covers_unit(&self, unit: &UnitRef) -> bool {
        let cat = admin::catalogue();
        match self {
            Jurisdiction::National => true,
            Jurisdiction::Province(p) => cat.provinces_2025_of(unit).contains(&p.as_str()),
            Jurisdiction::Commune(c) => cat.communes_2025_of(unit).contains(&c.as_str()),
        }
    }

    pub fn display(&self) -> String {
        let cat = admin::catalogue();
        match self {
            Jurisdiction::National => "Toàn quốc".to_owned(),
            Jurisdiction::Province(p) => {
                cat.province(Catalogue::Y2025, p).map(|x| x.name.to_string()).unwrap_or_else(|| p.clone())
            }
            Jurisdiction::Commune(c) => {
                UnitRef::new(Catalogue::Y2025, c).map(|u| cat.display_name(&u)).unwrap_or_else(|_| c.clone())
            }
        }
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Jurisdiction::National => f.write_str("national"),
            Jurisdiction::Province(p) => write!(f, "province:{p}"),
            Jurisdiction::Commune(c) => write!(f, "commune:{c}"),
        }
    }
}
