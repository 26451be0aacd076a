//! The import/export record: one person per row, the same flat columns in CSV and in JSON Lines
//! (a JSON object per line with these keys). Empty values mean "not recorded". Lists are
//! separated by `;`; a relative is `PIN|Name|Nationality|CMND9` (trailing parts may be left out,
//! the PIN may be empty for a relative who is not in the register).
//!
//! Names are normalized to NFC here (older systems often send decomposed text); every other value
//! is checked by the domain's own parsers, and every problem of a row is reported, not only the
//! first.

use dinhdanh_domain::admin::UnitRef;
use dinhdanh_domain::codes::{BloodGroup, Cmnd9, Email, Ethnicity, Nationality, Phone, Religion};
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::error::{Errors, FieldError, Invalid, Rule};
use dinhdanh_domain::name::PersonName;
use dinhdanh_domain::person::{
    Address, BirthRegistration, LifeStatus, MaritalStatus, Person, PersonId, Place, RelationKind, Relative, Sex,
};
use dinhdanh_domain::pin::PersonalNumber;
use serde::{Deserialize, Serialize};

/// Column order of CSV files (and key set of JSON Lines records).
pub const COLUMNS: &[&str] = &[
    "pin",
    "birth_name",
    "other_names",
    "date_of_birth",
    "sex",
    "place_of_birth_unit",
    "place_of_birth_detail",
    "birth_registration_unit",
    "hometown_unit",
    "hometown_detail",
    "ethnicity",
    "religion",
    "nationality",
    "blood_group",
    "cmnd9",
    "father",
    "mother",
    "spouse",
    "children",
    "legal_representative",
    "permanent_unit",
    "permanent_detail",
    "temporary_unit",
    "temporary_detail",
    "current_unit",
    "current_detail",
    "marital_status",
    "status",
    "status_date",
    "phone",
    "email",
];

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Record {
    pub pin: String,
    pub birth_name: String,
    pub other_names: String,
    pub date_of_birth: String,
    pub sex: String,
    pub place_of_birth_unit: String,
    pub place_of_birth_detail: String,
    pub birth_registration_unit: String,
    pub hometown_unit: String,
    pub hometown_detail: String,
    pub ethnicity: String,
    pub religion: String,
    pub nationality: String,
    pub blood_group: String,
    pub cmnd9: String,
    pub father: String,
    pub mother: String,
    pub spouse: String,
    pub children: String,
    pub legal_representative: String,
    pub permanent_unit: String,
    pub permanent_detail: String,
    pub temporary_unit: String,
    pub temporary_detail: String,
    pub current_unit: String,
    pub current_detail: String,
    pub marital_status: String,
    pub status: String,
    pub status_date: String,
    pub phone: String,
    pub email: String,
}

fn opt(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

fn unit_text(u: &UnitRef) -> String {
    u.to_string()
}

/// `PIN|Name|Nationality|CMND9`, trailing empty parts left out.
fn relative_text(r: &Relative) -> String {
    let mut parts = vec![
        r.pin.map(|p| p.as_str().to_owned()).unwrap_or_default(),
        r.name.as_str().to_owned(),
        r.nationality.map(|n| n.as_str().to_owned()).unwrap_or_default(),
        r.cmnd9.as_ref().map(|c| c.as_str().to_owned()).unwrap_or_default(),
    ];
    while parts.len() > 2 && parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts.join("|")
}

impl Record {
    pub fn from_person(p: &Person) -> Record {
        let rel = |k: RelationKind| p.relatives_of(k).map(relative_text).collect::<Vec<_>>().join(";");
        let addr = |a: &Option<Address>| match a {
            Some(a) => (unit_text(&a.unit), a.detail.clone()),
            None => (String::new(), String::new()),
        };
        let place = |pl: &Option<Place>| match pl {
            Some(pl) => (pl.unit.as_ref().map(unit_text).unwrap_or_default(), pl.detail.clone()),
            None => (String::new(), String::new()),
        };
        let (pob_u, pob_d) = place(&p.place_of_birth);
        let (home_u, home_d) = place(&p.hometown);
        let (perm_u, perm_d) = addr(&p.permanent_residence);
        let (temp_u, temp_d) = addr(&p.temporary_residence);
        let (cur_u, cur_d) = addr(&p.current_residence);
        Record {
            pin: p.pin.as_str().to_owned(),
            birth_name: p.birth_name.as_str().to_owned(),
            other_names: p.other_names.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(";"),
            date_of_birth: p.date_of_birth.to_iso(),
            sex: p.sex.code().to_owned(),
            place_of_birth_unit: pob_u,
            place_of_birth_detail: pob_d,
            birth_registration_unit: match &p.birth_registration {
                Some(BirthRegistration::Unit(u)) => unit_text(u),
                Some(BirthRegistration::Abroad { country_code, .. }) => format!("country:{country_code}"),
                None => String::new(),
            },
            hometown_unit: home_u,
            hometown_detail: home_d,
            ethnicity: p.ethnicity.map(|e| e.code()).unwrap_or_default(),
            religion: p.religion.map(|r| r.code()).unwrap_or_default(),
            nationality: p.nationality.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(";"),
            blood_group: p.blood_group.map(|b| b.to_string()).unwrap_or_default(),
            cmnd9: p.cmnd9.as_ref().map(|c| c.as_str().to_owned()).unwrap_or_default(),
            father: rel(RelationKind::Father),
            mother: rel(RelationKind::Mother),
            spouse: rel(RelationKind::Spouse),
            children: rel(RelationKind::Child),
            legal_representative: rel(RelationKind::LegalRepresentative),
            permanent_unit: perm_u,
            permanent_detail: perm_d,
            temporary_unit: temp_u,
            temporary_detail: temp_d,
            current_unit: cur_u,
            current_detail: cur_d,
            marital_status: p.marital_status.code().to_owned(),
            status: p.status.code().to_owned(),
            status_date: p.status.date().map(|d| d.to_iso()).unwrap_or_default(),
            phone: p.phone.as_ref().map(|x| x.as_str().to_owned()).unwrap_or_default(),
            email: p.email.as_ref().map(|x| x.as_str().to_owned()).unwrap_or_default(),
        }
    }

    /// The person this row describes, with a fresh id, or every field error of the row.
    pub fn to_person(&self, id: PersonId) -> Result<Person, Invalid> {
        let mut e = Errors::new();
        let mut field = |name: &str, r: Result<(), Rule>| {
            if let Err(rule) = r {
                e.push(name, rule);
            }
        };
        macro_rules! parse {
            ($name:literal, $expr:expr) => {
                match $expr {
                    Ok(v) => Some(v),
                    Err(rule) => {
                        field($name, Err(rule));
                        None
                    }
                }
            };
        }
        macro_rules! optional {
            ($name:literal, $text:expr, $f:expr) => {
                match opt($text) {
                    None => Ok(None),
                    Some(t) => $f(t).map(Some),
                }
                .map_or_else(
                    |rule| {
                        field($name, Err(rule));
                        None
                    },
                    |v| v,
                )
            };
        }
        let unit = |t: &str| UnitRef::parse(t).map_err(|_| Rule::UnitUnknown);
        let place = |u: &str, d: &str| -> Result<Option<Place>, Rule> {
            let unit = opt(u).map(unit).transpose()?;
            let detail = dinhdanh_domain::name::clean_text(d, dinhdanh_domain::person::MAX_DETAIL_CHARS)?;
            Ok((unit.is_some() || !detail.is_empty()).then_some(Place { unit, country: None, detail }))
        };
        let address = |u: &str, d: &str| -> Result<Option<Address>, Rule> {
            match opt(u) {
                None if opt(d).is_none() => Ok(None),
                None => Err(Rule::UnitUnknown),
                Some(u) => Address::new(unit(u)?, d).map(Some),
            }
        };
        let relatives = |kind: RelationKind, t: &str| -> Result<Vec<Relative>, Rule> {
            t.split(';')
                .filter(|s| !s.trim().is_empty())
                .map(|item| {
                    let mut parts = item.split('|');
                    let (pin, name) = match (parts.next(), parts.next()) {
                        (Some(pin), Some(name)) => (pin, name),
                        (Some(name), None) => ("", name),
                        _ => ("", ""),
                    };
                    let nationality = parts.next().and_then(opt).map(Nationality::parse).transpose()?;
                    let cmnd9 = parts.next().and_then(opt).map(Cmnd9::parse).transpose()?;
                    Ok(Relative {
                        kind,
                        pin: opt(pin).map(PersonalNumber::parse).transpose()?,
                        name: PersonName::normalize(name)?,
                        cmnd9,
                        nationality,
                    })
                })
                .collect()
        };

        let pin = parse!("pin", PersonalNumber::parse(self.pin.trim()));
        let birth_name = parse!("birth_name", PersonName::normalize(&self.birth_name));
        let other_names = parse!(
            "other_names",
            self.other_names
                .split(';')
                .filter(|s| !s.trim().is_empty())
                .map(PersonName::normalize)
                .collect::<Result<Vec<_>, _>>()
        );
        let dob = parse!("date_of_birth", PartialDate::parse(self.date_of_birth.trim()));
        let sex = parse!("sex", Sex::parse(&self.sex));
        let place_of_birth = parse!("place_of_birth", place(&self.place_of_birth_unit, &self.place_of_birth_detail));
        let hometown = parse!("hometown", place(&self.hometown_unit, &self.hometown_detail));
        let birth_registration = match opt(&self.birth_registration_unit) {
            None => None,
            Some(t) => match t.strip_prefix("country:") {
                Some(c) => match c.parse::<u16>() {
                    Ok(code) if (101..=295).contains(&code) => {
                        Some(BirthRegistration::Abroad { country_code: code, detail: String::new() })
                    }
                    _ => {
                        field("birth_registration_unit", Err(Rule::PinRegistrationCode));
                        None
                    }
                },
                None => parse!("birth_registration_unit", unit(t).map(BirthRegistration::Unit)),
            },
        };
        let ethnicity = optional!("ethnicity", &self.ethnicity, Ethnicity::parse);
        let religion = optional!("religion", &self.religion, Religion::parse);
        let nationality = parse!(
            "nationality",
            self.nationality
                .split(';')
                .filter(|s| !s.trim().is_empty())
                .map(Nationality::parse)
                .collect::<Result<Vec<_>, _>>()
        );
        let blood_group = optional!("blood_group", &self.blood_group, BloodGroup::parse);
        let cmnd9 = optional!("cmnd9", &self.cmnd9, Cmnd9::parse);
        let mut rels = Vec::new();
        for (name, kind, text) in [
            ("father", RelationKind::Father, &self.father),
            ("mother", RelationKind::Mother, &self.mother),
            ("spouse", RelationKind::Spouse, &self.spouse),
            ("children", RelationKind::Child, &self.children),
            ("legal_representative", RelationKind::LegalRepresentative, &self.legal_representative),
        ] {
            match relatives(kind, text) {
                Ok(r) => rels.extend(r),
                Err(rule) => field(name, Err(rule)),
            }
        }
        let permanent = parse!("permanent_unit", address(&self.permanent_unit, &self.permanent_detail));
        let temporary = parse!("temporary_unit", address(&self.temporary_unit, &self.temporary_detail));
        let current = parse!("current_unit", address(&self.current_unit, &self.current_detail));
        let marital = match opt(&self.marital_status) {
            None => Some(MaritalStatus::Single),
            Some(t) => parse!("marital_status", MaritalStatus::parse(t)),
        };
        let status_date = optional!("status_date", &self.status_date, PartialDate::parse);
        let status = match (opt(&self.status).unwrap_or("alive"), status_date) {
            ("alive", None) => Some(LifeStatus::Alive),
            ("dead", Some(d)) => Some(LifeStatus::Dead(d)),
            ("missing", Some(d)) => Some(LifeStatus::Missing(d)),
            _ => {
                field("status", Err(Rule::Required));
                None
            }
        };
        let phone = optional!("phone", &self.phone, Phone::parse);
        let email = optional!("email", &self.email, Email::parse);
        if let (Some(dob), Some(pin), Some(sex)) = (&dob, &pin, &sex)
            && !pin.matches_birth(*sex, dob.year())
        {
            field("pin", Err(Rule::PinMismatchBirth));
        }
        e.finish()?;
        let (Some(pin), Some(birth_name), Some(other_names), Some(dob), Some(sex)) =
            (pin, birth_name, other_names, dob, sex)
        else {
            return Err(Invalid(vec![FieldError { field: "row".to_owned(), rule: Rule::Required }]));
        };
        Ok(Person {
            id,
            pin,
            cancelled_pins: Vec::new(),
            birth_name,
            other_names,
            date_of_birth: dob,
            sex,
            place_of_birth: place_of_birth.flatten(),
            birth_registration,
            hometown: hometown.flatten(),
            ethnicity,
            religion,
            nationality: nationality.unwrap_or_default(),
            blood_group,
            cmnd9,
            cards: Vec::new(),
            relatives: rels,
            permanent_residence: permanent.flatten(),
            temporary_residence: temporary.flatten(),
            current_residence: current.flatten(),
            marital_status: marital.unwrap_or(MaritalStatus::Single),
            status: status.unwrap_or(LifeStatus::Alive),
            phone,
            email,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dinhdanh_synth::persons;
    use time::macros::date;

    #[test]
    fn synthetic_persons_round_trip_through_the_record() {
        for p in persons(5, date!(2026 - 01 - 01), 300) {
            let back = Record::from_person(&p).to_person(p.id).expect("valid record");
            assert_eq!(back, p);
        }
    }

    #[test]
    fn every_problem_of_a_row_is_reported() {
        let mut r = Record::from_person(&persons(1, date!(2026 - 01 - 01), 1).next().expect("one"));
        r.pin = "12345".into();
        r.date_of_birth = "1990-02-30".into();
        r.permanent_unit = "2025:99999".into();
        r.email = "not-an-email".into();
        let err = r.to_person(PersonId(uuid::Uuid::nil())).expect_err("invalid");
        let fields: Vec<_> = err.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["pin", "date_of_birth", "permanent_unit", "email"]);
    }

    #[test]
    fn decomposed_names_are_normalized() {
        let mut r = Record::from_person(&persons(2, date!(2026 - 01 - 01), 1).next().expect("one"));
        r.birth_name = "Nguye\u{302}\u{303}n Va\u{306}n Hoa\u{300}".into();
        let p = r.to_person(PersonId(uuid::Uuid::nil())).expect("valid");
        assert_eq!(p.birth_name.as_str(), "Nguyễn Văn Hoà");
    }
}
