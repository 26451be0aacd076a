//! Request bodies and query strings, and their conversion to domain values.
//!
//! Text fields are `Option<String>` on the wire so that a missing field is reported as the
//! `required` rule of that field (422) rather than as a JSON shape error.

use crate::parse::{self, Check};
use dinhdanh_domain::codes::{BloodGroup, Cmnd9, Email, Ethnicity, Nationality, Phone, Religion};
use dinhdanh_domain::date::{PartialDate, parse_full_date};
use dinhdanh_domain::error::{Invalid, Rule};
use dinhdanh_domain::events::Correction;
use dinhdanh_domain::name::PersonName;
use dinhdanh_domain::person::{Address, BirthRegistration, MAX_DETAIL_CHARS, Place, Sex};
use dinhdanh_domain::pin::PersonalNumber;
use serde::{Deserialize, Deserializer, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

/// A residence address: a commune (`2025:26743`) and the detail below it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"unit": "2025:26743", "detail": "12 Lê Lợi"}))]
pub struct AddressInput {
    /// Commune reference `<catalogue>:<code>`; new facts must use the 2025 catalogue.
    #[schema(pattern = r"^(2025|legacy):[0-9]{5}$")]
    pub unit: Option<String>,
    /// House number, street, hamlet.
    pub detail: Option<String>,
}

/// A place of birth or of origin: a unit of any level, a country (ISO alpha-3), or both.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct PlaceInput {
    /// `2025:79`, `legacy:01`, `2025:26743`, …
    #[schema(pattern = r"^(2025|legacy):[0-9]{2,5}$")]
    pub unit: Option<String>,
    /// ISO 3166 alpha-3 code for places abroad.
    pub country: Option<String>,
    /// A hospital, a village.
    pub detail: Option<String>,
}

/// Where a birth is registered: a 2025 commune, or a mission abroad by country code (101–295).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct RegistrationInput {
    /// 2025 commune reference, e.g. `2025:26743`.
    #[schema(pattern = r"^2025:[0-9]{5}$")]
    pub unit: Option<String>,
    /// Country code of Circular 07/2016 (101–295), for births registered abroad.
    pub country_code: Option<u16>,
    /// The mission's name, for births registered abroad.
    pub detail: Option<String>,
}

/// A parent: by PIN when in the register, otherwise by name.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ParentInput {
    #[schema(pattern = r"^[0-9]{12}$")]
    pub pin: Option<String>,
    /// NFC; required when no PIN is given.
    pub name: Option<String>,
    /// Old 9-digit identity card number.
    pub cmnd9: Option<String>,
    pub nationality: Option<String>,
}

/// A birth registration (Civil Status Law 2014, Art. 16).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "birth_name": "Nguyễn Minh Khang",
    "date_of_birth": "2026-08-20",
    "sex": "M",
    "registration": {"unit": "2025:26743"},
    "ethnicity": "01",
    "nationality": ["VNM"],
    "father": {"pin": "079090001234"},
    "mother": {"pin": "079193004321"},
    "permanent_residence": {"unit": "2025:26743", "detail": "12 Lê Lợi"},
    "legal_basis": "Luật Hộ tịch 2014, Điều 16"
}))]
pub struct BirthRequest {
    /// Name in Unicode NFC; decomposed text is refused (`name.not_nfc`).
    pub birth_name: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub date_of_birth: Option<String>,
    /// `M` / `F` (also `Nam` / `Nữ`).
    pub sex: Option<String>,
    pub place_of_birth: Option<PlaceInput>,
    pub registration: Option<RegistrationInput>,
    pub hometown: Option<PlaceInput>,
    /// Code (`01`) or name (`Kinh`) of one of the 54 ethnic groups.
    pub ethnicity: Option<String>,
    /// Code (`00`) or name of a recognised religion.
    pub religion: Option<String>,
    /// ISO alpha-3 codes; `VNM` when empty.
    #[serde(default)]
    pub nationality: Vec<String>,
    pub father: Option<ParentInput>,
    pub mother: Option<ParentInput>,
    pub permanent_residence: Option<AddressInput>,
    pub current_residence: Option<AddressInput>,
    pub legal_basis: Option<String>,
}

/// A parent as parsed from the request.
#[derive(Clone, Debug)]
pub struct ParsedParent {
    pub pin: Option<PersonalNumber>,
    pub name: Option<PersonName>,
    pub cmnd9: Option<Cmnd9>,
    pub nationality: Option<Nationality>,
}

/// A birth registration in domain values, ready for the application.
#[derive(Clone, Debug)]
pub struct ParsedBirth {
    pub birth_name: PersonName,
    pub date_of_birth: Date,
    pub sex: Sex,
    pub place_of_birth: Option<Place>,
    pub registration: BirthRegistration,
    pub hometown: Option<Place>,
    pub ethnicity: Option<Ethnicity>,
    pub religion: Option<Religion>,
    pub nationality: Vec<Nationality>,
    pub father: Option<ParsedParent>,
    pub mother: Option<ParsedParent>,
    pub permanent_residence: Option<Address>,
    pub current_residence: Option<Address>,
    pub legal_basis: String,
}

fn parent(c: &mut Check, field: &str, p: &ParentInput) -> ParsedParent {
    let pin = c.opt(&format!("{field}.pin"), &p.pin, PersonalNumber::parse);
    let name = c.opt(&format!("{field}.name"), &p.name, PersonName::parse);
    if p.pin.is_none() && p.name.is_none() {
        c.push(&format!("{field}.name"), Rule::Required);
    }
    ParsedParent {
        pin,
        name,
        cmnd9: c.opt(&format!("{field}.cmnd9"), &p.cmnd9, Cmnd9::parse),
        nationality: c.opt(&format!("{field}.nationality"), &p.nationality, Nationality::parse),
    }
}

fn nationalities(c: &mut Check, field: &str, v: &[String]) -> Vec<Nationality> {
    v.iter()
        .enumerate()
        .filter_map(|(i, s)| c.opt(&format!("{field}.{i}"), &Some(s.clone()), Nationality::parse))
        .collect()
}

impl BirthRequest {
    pub fn parse(&self) -> Result<ParsedBirth, Invalid> {
        let mut c = Check::new();
        let birth_name = c.req("birth_name", &self.birth_name, PersonName::parse);
        let date_of_birth = c.req("date_of_birth", &self.date_of_birth, parse_full_date);
        let sex = c.req("sex", &self.sex, Sex::parse);
        let place_of_birth = self.place_of_birth.as_ref().and_then(|p| parse::place(&mut c, "place_of_birth", p));
        let hometown = self.hometown.as_ref().and_then(|p| parse::place(&mut c, "hometown", p));
        let registration = match &self.registration {
            None => {
                c.push("registration", Rule::Required);
                None
            }
            Some(r) => match (&r.unit, r.country_code) {
                (Some(_), None) => c.req("registration.unit", &r.unit, parse::unit_ref).map(BirthRegistration::Unit),
                (None, Some(code)) => {
                    let detail = c.opt("registration.detail", &r.detail, parse::text(MAX_DETAIL_CHARS));
                    Some(BirthRegistration::Abroad { country_code: code, detail: detail.unwrap_or_default() })
                }
                // Exactly one of the two says where the birth was registered.
                _ => {
                    c.push("registration.unit", Rule::Required);
                    None
                }
            },
        };
        let ethnicity = c.opt("ethnicity", &self.ethnicity, Ethnicity::parse);
        let religion = c.opt("religion", &self.religion, Religion::parse);
        let nationality = nationalities(&mut c, "nationality", &self.nationality);
        let father = self.father.as_ref().map(|p| parent(&mut c, "father", p));
        let mother = self.mother.as_ref().map(|p| parent(&mut c, "mother", p));
        let permanent_residence =
            self.permanent_residence.as_ref().and_then(|a| parse::address(&mut c, "permanent_residence", a, true));
        let current_residence =
            self.current_residence.as_ref().and_then(|a| parse::address(&mut c, "current_residence", a, true));
        let legal_basis = c.req("legal_basis", &self.legal_basis, parse::nonblank(Rule::LegalBasisRequired));
        c.finish()?;
        match (birth_name, date_of_birth, sex, registration, legal_basis) {
            (Some(birth_name), Some(date_of_birth), Some(sex), Some(registration), Some(legal_basis)) => {
                Ok(ParsedBirth {
                    birth_name,
                    date_of_birth,
                    sex,
                    place_of_birth,
                    registration,
                    hometown,
                    ethnicity,
                    religion,
                    nationality,
                    father,
                    mother,
                    permanent_residence,
                    current_residence,
                    legal_basis,
                })
            }
            // Every `None` above pushed an error, so `finish` has already returned.
            _ => Err(Invalid::one("", Rule::Required)),
        }
    }
}

/// Why and under which law an event is recorded.
#[derive(Clone, Debug)]
pub struct ParsedMeta {
    pub legal_basis: String,
    pub reason: String,
}

fn meta(c: &mut Check, legal_basis: &Option<String>, reason: &Option<String>) -> ParsedMeta {
    ParsedMeta {
        legal_basis: c.opt("legal_basis", legal_basis, parse::meta_text).unwrap_or_default(),
        reason: c.opt("reason", reason, parse::meta_text).unwrap_or_default(),
    }
}

/// A marriage or a divorce between the person of the path (`spouse_a`) and `spouse_pin`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"spouse_pin": "079193004321", "date": "2026-06-01",
    "legal_basis": "Luật Hôn nhân và gia đình 2014"}))]
pub struct SpouseEventRequest {
    /// The other spouse.
    #[schema(pattern = r"^[0-9]{12}$")]
    pub spouse_pin: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub date: Option<String>,
    pub legal_basis: Option<String>,
    pub reason: Option<String>,
}

impl SpouseEventRequest {
    pub fn parse(&self) -> Result<(PersonalNumber, Date, ParsedMeta), Invalid> {
        let mut c = Check::new();
        let pin = c.req("spouse_pin", &self.spouse_pin, PersonalNumber::parse);
        let date = c.req("date", &self.date, parse_full_date);
        let m = meta(&mut c, &self.legal_basis, &self.reason);
        c.finish()?;
        pin.zip(date).map(|(p, d)| (p, d, m)).ok_or_else(|| Invalid::one("", Rule::Required))
    }
}

/// A death or a declaration of missing; the date may be known only to the month or year.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2026-08-01", "legal_basis": "Trích lục khai tử số 12/2026"}))]
pub struct DatedEventRequest {
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[schema(pattern = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")]
    pub date: Option<String>,
    pub legal_basis: Option<String>,
    pub reason: Option<String>,
}

impl DatedEventRequest {
    pub fn parse(&self) -> Result<(PartialDate, ParsedMeta), Invalid> {
        let mut c = Check::new();
        let date = c.req("date", &self.date, PartialDate::parse);
        let m = meta(&mut c, &self.legal_basis, &self.reason);
        c.finish()?;
        date.map(|d| (d, m)).ok_or_else(|| Invalid::one("", Rule::Required))
    }
}

/// `Some(None)` for an explicit `null` (clear the field), `None` when the field is absent.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A correction of recorded data: only the fields present change; `null` clears an optional
/// field. When the corrected sex or year of birth no longer matches the PIN, a new PIN is
/// established and the old one cancelled (supervisors).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date_of_birth": "1990-03-16", "phone": null,
    "reason": "Sai ngày sinh so với giấy khai sinh", "legal_basis": "Luật Hộ tịch 2014, Điều 26"}))]
pub struct CorrectionRequest {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub birth_name: Option<Option<String>>,
    pub other_names: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub date_of_birth: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub sex: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<PlaceInput>)]
    pub place_of_birth: Option<Option<PlaceInput>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<PlaceInput>)]
    pub hometown: Option<Option<PlaceInput>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub ethnicity: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub religion: Option<Option<String>>,
    pub nationality: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub blood_group: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub cmnd9: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<AddressInput>)]
    pub permanent_residence: Option<Option<AddressInput>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<AddressInput>)]
    pub temporary_residence: Option<Option<AddressInput>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<AddressInput>)]
    pub current_residence: Option<Option<AddressInput>>,
    /// Required: why the record is corrected.
    pub reason: Option<String>,
    /// Required: the legal basis of the correction.
    pub legal_basis: Option<String>,
    /// Demand a new PIN (refused when the number already matches the birth data).
    #[serde(default)]
    pub reestablish_pin: bool,
}

/// A field that may be set or cleared (`null`), parsed with `f`.
fn clearable<T>(
    c: &mut Check,
    field: &str,
    v: &Option<Option<String>>,
    f: impl FnOnce(&str) -> Result<T, Rule>,
) -> Option<Option<T>> {
    match v {
        None => None,
        Some(None) => Some(None),
        Some(s @ Some(_)) => c.req(field, s, f).map(Some),
    }
}

/// A field that may be set but not cleared: `null` breaks `required`.
fn settable<T>(
    c: &mut Check,
    field: &str,
    v: &Option<Option<String>>,
    f: impl FnOnce(&str) -> Result<T, Rule>,
) -> Option<T> {
    v.as_ref().and_then(|s| c.req(field, s, f))
}

impl CorrectionRequest {
    pub fn parse(&self) -> Result<(Correction, ParsedMeta), Invalid> {
        let mut c = Check::new();
        let place = |c: &mut Check, field: &str, v: &Option<Option<PlaceInput>>| match v {
            None => None,
            Some(None) => Some(None),
            Some(Some(p)) => parse::place(c, field, p).map(Some),
        };
        // Corrections fix what was recorded, which may predate the 2025 catalogue.
        let addr = |c: &mut Check, field: &str, v: &Option<Option<AddressInput>>| match v {
            None => None,
            Some(None) => Some(None),
            Some(Some(a)) => parse::address(c, field, a, false).map(Some),
        };
        let correction = Correction {
            birth_name: settable(&mut c, "birth_name", &self.birth_name, PersonName::parse),
            other_names: self.other_names.as_ref().map(|v| {
                v.iter()
                    .enumerate()
                    .filter_map(|(i, s)| c.req(&format!("other_names.{i}"), &Some(s.clone()), PersonName::parse))
                    .collect()
            }),
            date_of_birth: settable(&mut c, "date_of_birth", &self.date_of_birth, PartialDate::parse),
            sex: settable(&mut c, "sex", &self.sex, Sex::parse),
            place_of_birth: place(&mut c, "place_of_birth", &self.place_of_birth),
            hometown: place(&mut c, "hometown", &self.hometown),
            ethnicity: clearable(&mut c, "ethnicity", &self.ethnicity, Ethnicity::parse),
            religion: clearable(&mut c, "religion", &self.religion, Religion::parse),
            nationality: self.nationality.as_ref().map(|v| nationalities(&mut c, "nationality", v)),
            blood_group: clearable(&mut c, "blood_group", &self.blood_group, BloodGroup::parse),
            cmnd9: clearable(&mut c, "cmnd9", &self.cmnd9, Cmnd9::parse),
            phone: clearable(&mut c, "phone", &self.phone, Phone::parse),
            email: clearable(&mut c, "email", &self.email, Email::parse),
            permanent_residence: addr(&mut c, "permanent_residence", &self.permanent_residence),
            temporary_residence: addr(&mut c, "temporary_residence", &self.temporary_residence),
            current_residence: addr(&mut c, "current_residence", &self.current_residence),
        };
        let reason = c.req("reason", &self.reason, parse::nonblank(Rule::ReasonRequired));
        let legal_basis = c.req("legal_basis", &self.legal_basis, parse::nonblank(Rule::LegalBasisRequired));
        c.finish()?;
        Ok((
            correction,
            ParsedMeta { legal_basis: legal_basis.unwrap_or_default(), reason: reason.unwrap_or_default() },
        ))
    }
}

/// An officer's decision on a possible duplicate.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "create", "note": "Khác mẹ: đã đối chiếu giấy chứng sinh"}))]
pub struct DecisionRequest {
    /// `create` (not a duplicate: create the record) or `duplicate` (create nothing).
    pub decision: Option<String>,
    pub note: Option<String>,
}

/// Whether a case becomes a new record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParsedDecision {
    Create,
    Duplicate,
}

impl DecisionRequest {
    pub fn parse(&self) -> Result<(ParsedDecision, String), Invalid> {
        let mut c = Check::new();
        let decision = c.req("decision", &self.decision, |s| match s.trim() {
            "create" => Ok(ParsedDecision::Create),
            "duplicate" => Ok(ParsedDecision::Duplicate),
            _ => Err(Rule::Decision),
        });
        let note = c.opt("note", &self.note, parse::meta_text).unwrap_or_default();
        c.finish()?;
        decision.map(|d| (d, note)).ok_or_else(|| Invalid::one("decision", Rule::Required))
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: Option<String>,
    pub password: Option<String>,
}

/// A new API client; the token is shown once in the answer.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Bệnh viện Chợ Rẫy", "scopes": ["persons:read"], "jurisdiction": "province:79"}))]
pub struct NewClientRequest {
    pub name: Option<String>,
    /// `persons:read`, `persons:search`, `events:write`, `events:correct`, `adjudication`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// `national`, `province:CODE` or `commune:CODE` (2025 catalogue).
    pub jurisdiction: Option<String>,
}

/// `?as_of=YYYY-MM-DD&purpose=…` of a person read.
#[derive(Clone, Debug, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Show the record as it held on this date (`YYYY-MM-DD`).
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub as_of: Option<String>,
    /// Why the record is read; kept in the audit log (default `lookup`).
    pub purpose: Option<String>,
}

/// Longest purpose text kept in the audit log.
pub const MAX_PURPOSE_CHARS: usize = 100;

impl PersonQuery {
    pub fn parse(&self) -> Result<(Option<Date>, Option<String>), Invalid> {
        let mut c = Check::new();
        let as_of = c.opt("as_of", &self.as_of, parse_full_date);
        let purpose = c.opt("purpose", &self.purpose, parse::text(MAX_PURPOSE_CHARS));
        c.finish()?;
        Ok((as_of, purpose))
    }
}

/// Search by PIN or name words with filters. Names without a selective filter need at least two
/// words, one of three letters or more.
#[derive(Clone, Debug, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// A PIN, or name words in any order (diacritics optional); every word is whole except the last, which may be a prefix.
    pub q: Option<String>,
    /// Year of birth.
    #[param(pattern = r"^[0-9]{4}$")]
    pub year: Option<String>,
    /// Date of birth `YYYY-MM-DD`.
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub dob: Option<String>,
    /// `M` or `F`.
    pub sex: Option<String>,
    /// 2025 province code, e.g. `79`.
    pub province: Option<String>,
    /// Page number from 1 (default 1).
    #[param(pattern = r"^[0-9]{1,5}$")]
    pub page: Option<String>,
    /// Results per page, 1–100 (default 20).
    #[param(pattern = r"^[0-9]{1,3}$")]
    pub per_page: Option<String>,
}

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
pub const MAX_PAGE: u32 = 10_000;

#[derive(Clone, Debug)]
pub struct ParsedSearch {
    pub q: String,
    pub birth_year: Option<i32>,
    pub date_of_birth: Option<Date>,
    pub sex: Option<Sex>,
    pub province: Option<String>,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

impl SearchParams {
    pub fn parse(&self) -> Result<ParsedSearch, Invalid> {
        let mut c = Check::new();
        let q = c.req("q", &self.q, |s| if s.trim().is_empty() { Err(Rule::SearchEmpty) } else { Ok(s.to_owned()) });
        let birth_year = c.opt("year", &self.year, |s| match PartialDate::parse(s.trim())? {
            PartialDate::Year(y) => Ok(y),
            _ => Err(Rule::DateFormat),
        });
        let date_of_birth = c.opt("dob", &self.dob, parse_full_date);
        let sex = c.opt("sex", &self.sex, Sex::parse);
        let province = self.province.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let number =
            |max: u32| move |s: &str| s.trim().parse::<u32>().ok().filter(|n| (1..=max).contains(n)).ok_or(Rule::Page);
        let page = c.opt("page", &self.page, number(MAX_PAGE)).unwrap_or(1);
        let per_page = c.opt("per_page", &self.per_page, number(MAX_PER_PAGE)).unwrap_or(DEFAULT_PER_PAGE);
        c.finish()?;
        Ok(ParsedSearch { q: q.unwrap_or_default(), birth_year, date_of_birth, sex, province, page, per_page })
    }
}

/// `?catalogue=2025|legacy` (default 2025).
#[derive(Clone, Debug, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// `2025` (units since 1 July 2025, the default) or `legacy` (before).
    pub catalogue: Option<String>,
}

/// `?status=pending|created|duplicate`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CasesQuery {
    /// Only cases in this state (default: all).
    pub status: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(e: Invalid) -> Vec<(String, &'static str)> {
        e.0.into_iter().map(|f| (f.field, f.rule.code())).collect()
    }

    #[test]
    fn birth_collects_every_problem() {
        let nfd = "Nguye\u{302}\u{303}n An";
        let r = BirthRequest {
            birth_name: Some(nfd.to_owned()),
            date_of_birth: Some("2026-02-30".into()),
            sex: Some("X".into()),
            registration: Some(RegistrationInput { unit: Some("2025:99999".into()), ..Default::default() }),
            father: Some(ParentInput { pin: Some("12".into()), ..Default::default() }),
            ..Default::default()
        };
        assert_eq!(
            rules(r.parse().unwrap_err()),
            vec![
                ("birth_name".into(), "name.not_nfc"),
                ("date_of_birth".into(), "date.impossible"),
                ("sex".into(), "sex.invalid"),
                ("registration.unit".into(), "unit.unknown"),
                ("father.pin".into(), "pin.format"),
                ("legal_basis".into(), "required"),
            ]
        );
    }

    #[test]
    fn correction_distinguishes_absent_null_and_value() {
        let r: CorrectionRequest =
            serde_json::from_str(r#"{"phone": null, "email": "a@b.vn", "reason": "x", "legal_basis": "y"}"#).unwrap();
        let (c, m) = r.parse().unwrap();
        assert_eq!(c.phone, Some(None));
        assert!(matches!(c.email, Some(Some(_))));
        assert!(c.cmnd9.is_none() && c.birth_name.is_none());
        assert_eq!((m.reason.as_str(), m.legal_basis.as_str()), ("x", "y"));
        let r: CorrectionRequest = serde_json::from_str(r#"{"birth_name": null, "reason": " "}"#).unwrap();
        assert_eq!(
            rules(r.parse().unwrap_err()),
            vec![
                ("birth_name".into(), "required"),
                ("reason".into(), "reason.required"),
                ("legal_basis".into(), "required")
            ]
        );
        assert!(serde_json::from_str::<CorrectionRequest>(r#"{"birth_nam": "x"}"#).is_err());
    }

    #[test]
    fn search_pages_are_bounded() {
        let p = SearchParams {
            q: Some("an".into()),
            per_page: Some("101".into()),
            page: Some("0".into()),
            ..Default::default()
        };
        assert_eq!(
            rules(p.parse().unwrap_err()),
            vec![("page".into(), "page.invalid"), ("per_page".into(), "page.invalid")]
        );
        let p = SearchParams { q: Some("an".into()), year: Some("1990".into()), ..Default::default() };
        let s = p.parse().unwrap();
        assert_eq!((s.birth_year, s.page, s.per_page), (Some(1990), 1, 20));
    }
}
