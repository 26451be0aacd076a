//! The stored JSON form of records. Top-level keys of a person document are exactly the field
//! names of [`Field`], so a history row can restore one field of a document by key.
//!
//! This is the persistence format, separate from the API's wire format on purpose: either can
//! change without the other. Documents carry `"v": 1` for future migrations.

use dinhdanh_app::ports::{ActorRef, StoreError};
use dinhdanh_app::register::{BirthDraft, ParentDraft};
use dinhdanh_domain::admin::UnitRef;
use dinhdanh_domain::codes::{BloodGroup, Cmnd9, Email, Ethnicity, Nationality, Phone, Religion};
use dinhdanh_domain::date::{PartialDate, iso, parse_full_date};
use dinhdanh_domain::name::PersonName;
use dinhdanh_domain::person::{
    Address, BirthRegistration, CancelledPin, CardKind, CardRecord, Field, JurisdictionKeys, LifeStatus, MaritalStatus,
    Person, PersonId, Place, RelationKind, Relative, Sex,
};
use dinhdanh_domain::pin::PersonalNumber;
use serde_json::{Map, Value, json};
use uuid::Uuid;

type R<T> = Result<T, StoreError>;

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("stored record is not readable: {what}"))
}

fn s<'a>(v: &'a Value, k: &str) -> R<&'a str> {
    v.get(k).and_then(Value::as_str).ok_or_else(|| corrupt(k))
}

fn opt_s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn arr<'a>(v: &'a Value, k: &str) -> R<&'a Vec<Value>> {
    v.get(k).and_then(Value::as_array).ok_or_else(|| corrupt(k))
}

fn rule(what: &str) -> impl FnOnce(dinhdanh_domain::Rule) -> StoreError + '_ {
    move |r| corrupt(&format!("{what}: {}", r.code()))
}

fn parse_unit(s: &str) -> R<UnitRef> {
    UnitRef::parse(s).map_err(|e| corrupt(&format!("unit {s}: {e}")))
}

fn place(p: &Place) -> Value {
    json!({
        "unit": p.unit.as_ref().map(|u| u.to_string()),
        "country": p.country.map(|c| c.to_string()),
        "detail": p.detail,
    })
}

fn place_from(v: &Value) -> R<Option<Place>> {
    if v.is_null() {
        return Ok(None);
    }
    Ok(Some(Place {
        unit: opt_s(v, "unit").map(parse_unit).transpose()?,
        country: opt_s(v, "country").map(|c| Nationality::parse(c).map_err(rule("country"))).transpose()?,
        detail: s(v, "detail")?.to_owned(),
    }))
}

fn address(a: &Address) -> Value {
    json!({"unit": a.unit.to_string(), "detail": a.detail})
}

fn address_from(v: &Value) -> R<Option<Address>> {
    if v.is_null() {
        return Ok(None);
    }
    Ok(Some(Address { unit: parse_unit(s(v, "unit")?)?, detail: s(v, "detail")?.to_owned() }))
}

fn registration(r: &BirthRegistration) -> Value {
    match r {
        BirthRegistration::Unit(u) => json!({"unit": u.to_string()}),
        BirthRegistration::Abroad { country_code, detail } => json!({"country_code": country_code, "detail": detail}),
    }
}

fn registration_from(v: &Value) -> R<Option<BirthRegistration>> {
    if v.is_null() {
        return Ok(None);
    }
    if let Some(u) = opt_s(v, "unit") {
        return Ok(Some(BirthRegistration::Unit(parse_unit(u)?)));
    }
    let code = v.get("country_code").and_then(Value::as_u64).ok_or_else(|| corrupt("country_code"))?;
    Ok(Some(BirthRegistration::Abroad { country_code: code as u16, detail: s(v, "detail")?.to_owned() }))
}

fn name(n: &str) -> R<PersonName> {
    PersonName::normalize(n).map_err(rule("name"))
}

fn pin(p: &str) -> R<PersonalNumber> {
    PersonalNumber::parse(p).map_err(rule("pin"))
}

fn relative(r: &Relative) -> Value {
    json!({
        "kind": r.kind.code(),
        "pin": r.pin.map(|p| p.to_string()),
        "name": r.name.as_str(),
        "cmnd9": r.cmnd9.as_ref().map(|c| c.as_str()),
        "nationality": r.nationality.map(|n| n.to_string()),
    })
}

fn relative_from(v: &Value) -> R<Relative> {
    Ok(Relative {
        kind: RelationKind::parse(s(v, "kind")?).map_err(rule("relative kind"))?,
        pin: opt_s(v, "pin").map(pin).transpose()?,
        name: name(s(v, "name")?)?,
        cmnd9: opt_s(v, "cmnd9").map(|c| Cmnd9::parse(c).map_err(rule("cmnd9"))).transpose()?,
        nationality: opt_s(v, "nationality").map(|c| Nationality::parse(c).map_err(rule("nationality"))).transpose()?,
    })
}

fn status(st: &LifeStatus) -> Value {
    match st {
        LifeStatus::Alive => json!({"state": "alive"}),
        LifeStatus::Dead(d) => json!({"state": "dead", "date": d.to_string()}),
        LifeStatus::Missing(d) => json!({"state": "missing", "date": d.to_string()}),
    }
}

fn status_from(v: &Value) -> R<LifeStatus> {
    let date = || -> R<PartialDate> { PartialDate::parse(s(v, "date")?).map_err(rule("status date")) };
    match s(v, "state")? {
        "alive" => Ok(LifeStatus::Alive),
        "dead" => Ok(LifeStatus::Dead(date()?)),
        "missing" => Ok(LifeStatus::Missing(date()?)),
        other => Err(corrupt(other)),
    }
}

/// The JSON value of one field of a person.
pub fn field_value(p: &Person, f: Field) -> Value {
    match f {
        Field::Pin => json!(p.pin.as_str()),
        Field::CancelledPins => Value::Array(
            p.cancelled_pins
                .iter()
                .map(|c| json!({"pin": c.pin.as_str(), "cancelled_on": iso(c.cancelled_on), "reason": c.reason}))
                .collect(),
        ),
        Field::BirthName => json!(p.birth_name.as_str()),
        Field::OtherNames => json!(p.other_names.iter().map(|n| n.as_str()).collect::<Vec<_>>()),
        Field::DateOfBirth => json!(p.date_of_birth.to_string()),
        Field::Sex => json!(p.sex.code()),
        Field::PlaceOfBirth => p.place_of_birth.as_ref().map(place).unwrap_or(Value::Null),
        Field::BirthRegistration => p.birth_registration.as_ref().map(registration).unwrap_or(Value::Null),
        Field::Hometown => p.hometown.as_ref().map(place).unwrap_or(Value::Null),
        Field::Ethnicity => json!(p.ethnicity.map(|e| e.code())),
        Field::Religion => json!(p.religion.map(|r| r.code())),
        Field::Nationality => json!(p.nationality.iter().map(|n| n.to_string()).collect::<Vec<_>>()),
        Field::BloodGroup => json!(p.blood_group.map(|b| b.to_string())),
        Field::Cmnd9 => json!(p.cmnd9.as_ref().map(|c| c.as_str())),
        Field::Cards => Value::Array(
            p.cards
                .iter()
                .map(|c| {
                    json!({"kind": c.kind.code(), "number": c.number, "issued_on": c.issued_on.to_string(),
                           "issued_by": c.issued_by, "valid_until": c.valid_until.map(iso)})
                })
                .collect(),
        ),
        Field::Relatives => Value::Array(p.relatives.iter().map(relative).collect()),
        Field::PermanentResidence => p.permanent_residence.as_ref().map(address).unwrap_or(Value::Null),
        Field::TemporaryResidence => p.temporary_residence.as_ref().map(address).unwrap_or(Value::Null),
        Field::CurrentResidence => p.current_residence.as_ref().map(address).unwrap_or(Value::Null),
        Field::MaritalStatus => json!(p.marital_status.code()),
        Field::Status => status(&p.status),
        Field::Phone => json!(p.phone.as_ref().map(|x| x.as_str())),
        Field::Email => json!(p.email.as_ref().map(|x| x.as_str())),
    }
}

pub fn person_doc(p: &Person) -> Value {
    let mut m = Map::new();
    m.insert("v".into(), json!(1));
    m.insert("id".into(), json!(p.id.0.to_string()));
    for f in Field::ALL {
        m.insert(f.name().into(), field_value(p, f));
    }
    Value::Object(m)
}

pub fn person_from_doc(v: &Value) -> R<Person> {
    let get = |f: Field| v.get(f.name()).unwrap_or(&Value::Null);
    let text = |f: Field| get(f).as_str();
    let id = Uuid::parse_str(s(v, "id")?).map_err(|_| corrupt("id"))?;
    Ok(Person {
        id: PersonId(id),
        pin: pin(text(Field::Pin).ok_or_else(|| corrupt("pin"))?)?,
        cancelled_pins: get(Field::CancelledPins)
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| {
                        Ok(CancelledPin {
                            pin: pin(s(c, "pin")?)?,
                            cancelled_on: parse_full_date(s(c, "cancelled_on")?).map_err(rule("cancelled_on"))?,
                            reason: s(c, "reason")?.to_owned(),
                        })
                    })
                    .collect::<R<Vec<_>>>()
            })
            .transpose()?
            .unwrap_or_default(),
        birth_name: name(text(Field::BirthName).ok_or_else(|| corrupt("birth_name"))?)?,
        other_names: arr(v, Field::OtherNames.name())?
            .iter()
            .map(|n| name(n.as_str().unwrap_or_default()))
            .collect::<R<_>>()?,
        date_of_birth: PartialDate::parse(text(Field::DateOfBirth).unwrap_or_default())
            .map_err(rule("date_of_birth"))?,
        sex: Sex::parse(text(Field::Sex).unwrap_or_default()).map_err(rule("sex"))?,
        place_of_birth: place_from(get(Field::PlaceOfBirth))?,
        birth_registration: registration_from(get(Field::BirthRegistration))?,
        hometown: place_from(get(Field::Hometown))?,
        ethnicity: text(Field::Ethnicity).map(|e| Ethnicity::parse(e).map_err(rule("ethnicity"))).transpose()?,
        religion: text(Field::Religion).map(|e| Religion::parse(e).map_err(rule("religion"))).transpose()?,
        nationality: arr(v, Field::Nationality.name())?
            .iter()
            .map(|n| Nationality::parse(n.as_str().unwrap_or_default()).map_err(rule("nationality")))
            .collect::<R<_>>()?,
        blood_group: text(Field::BloodGroup).map(|b| BloodGroup::parse(b).map_err(rule("blood_group"))).transpose()?,
        cmnd9: text(Field::Cmnd9).map(|c| Cmnd9::parse(c).map_err(rule("cmnd9"))).transpose()?,
        cards: arr(v, Field::Cards.name())?
            .iter()
            .map(|c| {
                Ok(CardRecord {
                    kind: CardKind::parse(s(c, "kind")?).map_err(rule("card kind"))?,
                    number: s(c, "number")?.to_owned(),
                    issued_on: PartialDate::parse(s(c, "issued_on")?).map_err(rule("issued_on"))?,
                    issued_by: s(c, "issued_by")?.to_owned(),
                    valid_until: opt_s(c, "valid_until")
                        .map(|d| parse_full_date(d).map_err(rule("valid_until")))
                        .transpose()?,
                })
            })
            .collect::<R<_>>()?,
        relatives: arr(v, Field::Relatives.name())?.iter().map(relative_from).collect::<R<_>>()?,
        permanent_residence: address_from(get(Field::PermanentResidence))?,
        temporary_residence: address_from(get(Field::TemporaryResidence))?,
        current_residence: address_from(get(Field::CurrentResidence))?,
        marital_status: MaritalStatus::parse(text(Field::MaritalStatus).unwrap_or_default())
            .map_err(rule("marital_status"))?,
        status: status_from(get(Field::Status))?,
        phone: text(Field::Phone).map(|x| Phone::parse(x).map_err(rule("phone"))).transpose()?,
        email: text(Field::Email).map(|x| Email::parse(x).map_err(rule("email"))).transpose()?,
    })
}

fn parent(p: &ParentDraft) -> Value {
    json!({
        "pin": p.pin.map(|x| x.to_string()),
        "name": p.name.as_ref().map(|n| n.as_str()),
        "cmnd9": p.cmnd9.as_ref().map(|c| c.as_str()),
        "nationality": p.nationality.map(|n| n.to_string()),
    })
}

fn parent_from(v: &Value) -> R<Option<ParentDraft>> {
    if v.is_null() {
        return Ok(None);
    }
    Ok(Some(ParentDraft {
        pin: opt_s(v, "pin").map(pin).transpose()?,
        name: opt_s(v, "name").map(name).transpose()?,
        cmnd9: opt_s(v, "cmnd9").map(|c| Cmnd9::parse(c).map_err(rule("cmnd9"))).transpose()?,
        nationality: opt_s(v, "nationality").map(|c| Nationality::parse(c).map_err(rule("nationality"))).transpose()?,
    }))
}

pub fn draft_doc(d: &BirthDraft) -> Value {
    json!({
        "v": 1,
        "birth_name": d.birth_name.as_str(),
        "date_of_birth": iso(d.date_of_birth),
        "sex": d.sex.code(),
        "place_of_birth": d.place_of_birth.as_ref().map(place),
        "registration": registration(&d.registration),
        "hometown": d.hometown.as_ref().map(place),
        "ethnicity": d.ethnicity.map(|e| e.code()),
        "religion": d.religion.map(|e| e.code()),
        "nationality": d.nationality.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
        "father": d.father.as_ref().map(parent),
        "mother": d.mother.as_ref().map(parent),
        "permanent_residence": d.permanent_residence.as_ref().map(address),
        "current_residence": d.current_residence.as_ref().map(address),
        "legal_basis": d.legal_basis,
    })
}

pub fn draft_from_doc(v: &Value) -> R<BirthDraft> {
    let null = Value::Null;
    let get = |k: &str| v.get(k).unwrap_or(&null);
    Ok(BirthDraft {
        birth_name: name(s(v, "birth_name")?)?,
        date_of_birth: parse_full_date(s(v, "date_of_birth")?).map_err(rule("date_of_birth"))?,
        sex: Sex::parse(s(v, "sex")?).map_err(rule("sex"))?,
        place_of_birth: place_from(get("place_of_birth"))?,
        registration: registration_from(get("registration"))?.ok_or_else(|| corrupt("registration"))?,
        hometown: place_from(get("hometown"))?,
        ethnicity: opt_s(v, "ethnicity").map(|e| Ethnicity::parse(e).map_err(rule("ethnicity"))).transpose()?,
        religion: opt_s(v, "religion").map(|e| Religion::parse(e).map_err(rule("religion"))).transpose()?,
        nationality: arr(v, "nationality")?
            .iter()
            .map(|n| Nationality::parse(n.as_str().unwrap_or_default()).map_err(rule("nationality")))
            .collect::<R<_>>()?,
        father: parent_from(get("father"))?,
        mother: parent_from(get("mother"))?,
        permanent_residence: address_from(get("permanent_residence"))?,
        current_residence: address_from(get("current_residence"))?,
        legal_basis: s(v, "legal_basis")?.to_owned(),
    })
}

pub fn actor(a: &ActorRef) -> Value {
    json!({"kind": a.kind, "id": a.id.to_string(), "name": a.name})
}

pub fn actor_from(v: &Value) -> R<ActorRef> {
    let kind = match s(v, "kind")? {
        "officer" => "officer",
        "api_client" => "api_client",
        _ => "system",
    };
    Ok(ActorRef {
        kind,
        id: Uuid::parse_str(s(v, "id")?).map_err(|_| corrupt("actor id"))?,
        name: s(v, "name")?.to_owned(),
    })
}

pub fn actor_kind(k: &str) -> &'static str {
    match k {
        "officer" => "officer",
        "api_client" => "api_client",
        "citizen" => "citizen",
        _ => "system",
    }
}

pub fn juris(k: &JurisdictionKeys) -> Value {
    json!({"communes": k.communes, "provinces": k.provinces})
}

pub fn juris_from(v: &Value) -> JurisdictionKeys {
    let set = |key: &str| {
        v.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    JurisdictionKeys { communes: set("communes"), provinces: set("provinces") }
}
