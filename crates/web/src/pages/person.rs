//! A person's record, relatives, PIN history and field history, with the life-event forms.

use super::forms::{self, FormErrors, Opt, options};
use super::i18n::Tr;
use super::session::form_csrf;
use super::{Auth, Nav, app_error_page, error_page, render};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dinhdanh_app::AppError;
use dinhdanh_app::auth::Permission;
use dinhdanh_app::ports::{HistoryEntry, StoredPerson, VIETNAM_OFFSET};
use dinhdanh_app::register::EventMeta;
use dinhdanh_domain::admin::UnitRef;
use dinhdanh_domain::codes::{BloodGroup, Cmnd9, ETHNIC_GROUPS, Email, Ethnicity, Nationality, Phone, Religion};
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::events::Correction;
use dinhdanh_domain::name::{PersonName, clean_text};
use dinhdanh_domain::person::{Address, Field, LifeStatus, MaritalStatus, Person, Place, RelationKind, Sex};
use dinhdanh_domain::pin::PersonalNumber;
use std::collections::HashMap;

/// The life-event forms a person page carries, in page order.
const EVENTS: [&str; 5] = ["marriage", "divorce", "death", "missing", "correction"];

/// Fields a correction may change (the others change only through their own events).
const CORRECTABLE: [Field; 16] = [
    Field::BirthName,
    Field::OtherNames,
    Field::DateOfBirth,
    Field::Sex,
    Field::PlaceOfBirth,
    Field::Hometown,
    Field::Ethnicity,
    Field::Religion,
    Field::Nationality,
    Field::BloodGroup,
    Field::Cmnd9,
    Field::Phone,
    Field::Email,
    Field::PermanentResidence,
    Field::TemporaryResidence,
    Field::CurrentResidence,
];

pub(crate) struct RelativeVm {
    pub kind: &'static str,
    pub name: String,
    pub pin: Option<String>,
    pub detail: String,
}

pub(crate) struct ChangeVm {
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

pub(crate) struct HistoryVm {
    pub recorded_at: String,
    pub effective: String,
    pub kind: &'static str,
    pub actor: String,
    pub legal_basis: String,
    pub reason: String,
    pub changes: Vec<ChangeVm>,
}

pub(crate) struct CancelledVm {
    pub pin: String,
    pub on: String,
    pub reason: String,
}

/// State of the event forms: the one submitted (with its values and errors) and what to offer.
pub(crate) struct EventForms {
    active: Option<&'static str>,
    values: HashMap<String, String>,
    pub errors: FormErrors,
    pub marriage: bool,
    pub divorce: bool,
    pub death: bool,
    pub missing: bool,
    pub correction: bool,
    pub fields: Vec<Opt>,
    spouse_pin: String,
}

impl EventForms {
    /// What the officer typed into a form, or its default.
    pub fn v(&self, form: &str, field: &str) -> String {
        if self.active == Some(form) {
            return self.values.get(field).cloned().unwrap_or_default();
        }
        match (form, field) {
            ("divorce", "spouse_pin") => self.spouse_pin.clone(),
            ("marriage" | "divorce", "legal_basis") => "Luật Hôn nhân và gia đình 2014".to_owned(),
            ("death", "legal_basis") => "Luật Hộ tịch 2014".to_owned(),
            ("missing", "legal_basis") => "Bộ luật Dân sự 2015".to_owned(),
            _ => String::new(),
        }
    }
    pub fn e(&self, form: &str, field: &str) -> Option<&'static str> {
        self.errors.get(&format!("{form}-{field}"))
    }
    pub fn is_active(&self, form: &str) -> bool {
        self.active == Some(form)
    }
    pub fn any(&self) -> bool {
        self.marriage || self.divorce || self.death || self.missing || self.correction
    }
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonTpl {
    tr: Tr,
    nav: Option<Nav>,
    csrf: String,
    pin: String,
    name: String,
    status: &'static str,
    as_of: Option<String>,
    done: Option<&'static str>,
    rows: Vec<(&'static str, String)>,
    residences: Vec<(&'static str, String)>,
    /// The current (or as-of) registrations: kind, address, from, until.
    registrations: Vec<(&'static str, String, String, String)>,
    household: Option<String>,
    relatives: Vec<RelativeVm>,
    cancelled: Vec<CancelledVm>,
    history: Vec<HistoryVm>,
    forms: EventForms,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(crate) struct PersonQuery {
    as_of: String,
    done: String,
}

fn dash(s: String) -> String {
    if s.is_empty() { "—".to_owned() } else { s }
}

fn when(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(VIETNAM_OFFSET);
    format!("{} {:02}:{:02}", dinhdanh_domain::date::iso(t.date()), t.hour(), t.minute())
}

fn status_text(tr: Tr, s: &LifeStatus) -> String {
    match s {
        LifeStatus::Alive => tr.s("status.alive").to_owned(),
        LifeStatus::Dead(d) => format!("{} ({d})", tr.s("status.dead")),
        LifeStatus::Missing(d) => format!("{} ({d})", tr.s("status.missing")),
    }
}

/// Every Art. 9 field in display form, labelled in the page's language.
pub(crate) fn rows(tr: Tr, p: &Person) -> Vec<(&'static str, String)> {
    let text = |f: Field| dash(p.field_text(f));
    vec![
        (tr.field(Field::Pin), p.pin.to_string()),
        (tr.field(Field::BirthName), p.birth_name.to_string()),
        (tr.field(Field::OtherNames), text(Field::OtherNames)),
        (tr.field(Field::DateOfBirth), p.date_of_birth.to_string()),
        (tr.field(Field::Sex), tr.sex(p.sex).to_owned()),
        (tr.field(Field::PlaceOfBirth), text(Field::PlaceOfBirth)),
        (tr.field(Field::BirthRegistration), text(Field::BirthRegistration)),
        (tr.field(Field::Hometown), text(Field::Hometown)),
        (tr.field(Field::Ethnicity), text(Field::Ethnicity)),
        (tr.field(Field::Religion), text(Field::Religion)),
        (tr.field(Field::Nationality), text(Field::Nationality)),
        (tr.field(Field::BloodGroup), text(Field::BloodGroup)),
        (tr.field(Field::Cmnd9), text(Field::Cmnd9)),
        (tr.field(Field::Cards), text(Field::Cards)),
        (tr.field(Field::MaritalStatus), tr.marital(p.marital_status).to_owned()),
        (tr.field(Field::Status), status_text(tr, &p.status)),
        (tr.field(Field::Phone), text(Field::Phone)),
        (tr.field(Field::Email), text(Field::Email)),
    ]
}

fn history_vm(tr: Tr, h: Vec<HistoryEntry>) -> Vec<HistoryVm> {
    h.into_iter()
        .map(|e| HistoryVm {
            recorded_at: when(e.recorded_at),
            effective: dinhdanh_domain::date::iso(e.effective_date),
            kind: tr.event(e.event_kind),
            actor: e.actor,
            legal_basis: dash(e.legal_basis),
            reason: e.reason,
            changes: e
                .changes
                .into_iter()
                .map(|c| ChangeVm { field: tr.field(c.field), old: dash(c.old), new: dash(c.new) })
                .collect(),
        })
        .collect()
}

/// Reads the person and their history (both audited) and renders the page.
async fn show(
    state: &AppState,
    auth: &Auth,
    pin: &PersonalNumber,
    as_of: Option<time::Date>,
    mut forms: EventForms,
    done: Option<&'static str>,
    status: StatusCode,
) -> Response {
    let tr = auth.tr();
    let view = match state.app.person(&auth.principal, pin, as_of, Some("officer_page")).await {
        Ok(v) => v,
        Err(e) => return app_error_page(auth, e),
    };
    let history = match state.app.history(&auth.principal, pin).await {
        Ok(h) => h,
        Err(e) => return app_error_page(auth, e),
    };
    // The registrations and household in force, through the audited residence read.
    let on = as_of.unwrap_or_else(|| state.app.clock.today());
    let res = match state.app.residence_as_of(&auth.principal, pin, on).await {
        Ok(r) => r,
        Err(e) => return app_error_page(auth, e),
    };
    let registrations = res
        .permanent
        .iter()
        .map(|r| (Field::PermanentResidence, r))
        .chain(res.temporary.iter().map(|r| (Field::TemporaryResidence, r)))
        .map(|(f, r)| {
            (
                tr.field(f),
                r.address.display(),
                dinhdanh_domain::date::iso(r.valid_from),
                r.valid_until.map(dinhdanh_domain::date::iso).unwrap_or_default(),
            )
        })
        .collect();
    let household = res.household.map(|(h, _)| h.id.to_string());
    let StoredPerson { person: p, .. } = view.stored;
    let current = as_of.is_none();
    let alive = p.is_alive();
    let may_event = current && alive && auth.principal.has(Permission::RecordCivilEvent);
    let married = p.marital_status == MaritalStatus::Married;
    forms.marriage = may_event && !married;
    forms.divorce = may_event && married;
    forms.death = may_event;
    forms.missing = may_event;
    forms.correction = current && alive && auth.principal.has(Permission::Correct);
    forms.spouse_pin =
        p.relatives_of(RelationKind::Spouse).find_map(|r| r.pin).map(|x| x.to_string()).unwrap_or_default();
    let chosen = forms.v("correction", "field");
    forms.fields = options(CORRECTABLE.iter().map(|f| (f.name(), tr.field(*f))), &chosen);
    let residences = [
        (Field::PermanentResidence, &p.permanent_residence),
        (Field::TemporaryResidence, &p.temporary_residence),
        (Field::CurrentResidence, &p.current_residence),
    ]
    .into_iter()
    .map(|(f, a)| (tr.field(f), dash(a.as_ref().map(Address::display).unwrap_or_default())))
    .collect();
    let relatives = p
        .relatives
        .iter()
        .map(|r| {
            let mut detail = Vec::new();
            if let Some(c) = &r.cmnd9 {
                detail.push(format!("CMND {}", c.as_str()));
            }
            if let Some(n) = &r.nationality {
                detail.push(n.to_string());
            }
            RelativeVm {
                kind: tr.relation(r.kind),
                name: r.name.to_string(),
                pin: r.pin.map(|x| x.to_string()),
                detail: detail.join(", "),
            }
        })
        .collect();
    let cancelled = p
        .cancelled_pins
        .iter()
        .map(|c| CancelledVm {
            pin: c.pin.to_string(),
            on: dinhdanh_domain::date::iso(c.cancelled_on),
            reason: c.reason.clone(),
        })
        .collect();
    let t = PersonTpl {
        tr,
        nav: Some(Nav::of(auth)),
        csrf: auth.csrf.clone(),
        pin: p.pin.to_string(),
        name: p.birth_name.to_string(),
        status: p.status.code(),
        as_of: as_of.map(dinhdanh_domain::date::iso),
        done,
        rows: rows(tr, &p),
        residences,
        registrations,
        household,
        relatives,
        cancelled,
        history: history_vm(tr, history),
        forms,
    };
    render(status, &t)
}

fn empty_forms(tr: Tr) -> EventForms {
    EventForms {
        active: None,
        values: HashMap::new(),
        errors: FormErrors::new(tr),
        marriage: false,
        divorce: false,
        death: false,
        missing: false,
        correction: false,
        fields: vec![],
        spouse_pin: String::new(),
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path(pin): Path<String>,
    Query(q): Query<PersonQuery>,
) -> Response {
    let tr = auth.tr();
    let Ok(pin) = PersonalNumber::parse(pin.trim()) else {
        return error_page(tr, Some(Nav::of(&auth)), StatusCode::NOT_FOUND);
    };
    let mut forms = empty_forms(tr);
    let as_of = match q.as_of.trim() {
        "" => None,
        d => match forms::full_date(d) {
            Ok(d) => Some(d),
            Err(r) => {
                forms.errors.rule("as_of", r);
                None
            }
        },
    };
    let done = EVENTS.into_iter().chain(["birth"]).find(|k| *k == q.done);
    let status = if forms.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    show(&state, &auth, &pin, as_of, forms, done.map(|k| tr.s(&format!("done.{k}"))), status).await
}

/// `2025:26743, 12 Lê Lợi` or `26743, 12 Lê Lợi`: a commune code, then the address detail.
fn address(s: &str) -> Result<Option<Address>, Rule> {
    let Some(s) = forms::opt(s) else { return Ok(None) };
    let (code, detail) = s.split_once(',').unwrap_or((s, ""));
    let unit = forms::commune_2025(code)?;
    Address::new_current(unit, detail.trim()).map(Some)
}

/// A place: a unit code (any level), then an optional detail.
fn place(s: &str) -> Result<Option<Place>, Rule> {
    let Some(s) = forms::opt(s) else { return Ok(None) };
    let (code, detail) = s.split_once(',').unwrap_or((s, ""));
    let unit: UnitRef = forms::unit_2025(code)?;
    Ok(Some(Place { unit: Some(unit), country: None, detail: clean_text(detail, 200)? }))
}

fn nationalities(s: &str) -> Result<Vec<Nationality>, Rule> {
    s.split([',', ' ', ';']).filter(|x| !x.is_empty()).map(|x| Nationality::parse(&x.to_ascii_uppercase())).collect()
}

/// Parses a correction of one field; an empty value clears an optional field.
fn correction(field: &str, value: &str) -> Result<Correction, Rule> {
    let mut c = Correction::default();
    let v = value.trim();
    let field = Field::parse(field).filter(|f| CORRECTABLE.contains(f)).ok_or(Rule::CorrectionField)?;
    fn optional<T>(v: &str, parse: impl Fn(&str) -> Result<T, Rule>) -> Result<Option<Option<T>>, Rule> {
        if v.is_empty() { Ok(Some(None)) } else { parse(v).map(|x| Some(Some(x))) }
    }
    match field {
        Field::BirthName => c.birth_name = Some(PersonName::normalize(v)?),
        Field::OtherNames => {
            c.other_names = Some(
                v.split(';').filter(|x| !x.trim().is_empty()).map(PersonName::normalize).collect::<Result<_, _>>()?,
            )
        }
        Field::DateOfBirth => c.date_of_birth = Some(forms::partial_date(v)?),
        Field::Sex => c.sex = Some(Sex::parse(v)?),
        Field::PlaceOfBirth => c.place_of_birth = Some(place(v)?),
        Field::Hometown => c.hometown = Some(place(v)?),
        Field::Ethnicity => c.ethnicity = optional(v, Ethnicity::parse)?,
        Field::Religion => c.religion = optional(v, Religion::parse)?,
        Field::Nationality => c.nationality = Some(nationalities(v)?),
        Field::BloodGroup => c.blood_group = optional(v, BloodGroup::parse)?,
        Field::Cmnd9 => c.cmnd9 = optional(v, Cmnd9::parse)?,
        Field::Phone => c.phone = optional(v, Phone::parse)?,
        Field::Email => c.email = optional(v, Email::parse)?,
        Field::PermanentResidence => c.permanent_residence = Some(address(v)?),
        Field::TemporaryResidence => c.temporary_residence = Some(address(v)?),
        Field::CurrentResidence => c.current_residence = Some(address(v)?),
        _ => return Err(Rule::CorrectionField),
    }
    Ok(c)
}

/// Form input names of the errors a use case reports.
fn rename(kind: &str, field: &str) -> String {
    let input = match (kind, field) {
        (_, "spouse_b") => "spouse_pin",
        (_, "date" | "legal_basis" | "reason") => field,
        ("correction", "") => "general",
        ("correction", _) => "value",
        _ => "general",
    };
    format!("{kind}-{input}")
}

/// Records a life event from a person page; on bad input the page comes back with the form
/// filled in and the errors next to the fields.
pub(crate) async fn event(
    State(state): State<AppState>,
    auth: Auth,
    Path((pin, action)): Path<(String, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let tr = auth.tr();
    if !auth.csrf_ok(form_csrf(&f)) {
        return auth.csrf_refused();
    }
    let (Ok(pin), Some(kind)) = (PersonalNumber::parse(pin.trim()), EVENTS.into_iter().find(|k| *k == action)) else {
        return error_page(tr, Some(Nav::of(&auth)), StatusCode::NOT_FOUND);
    };
    let values: HashMap<String, String> = f.into_iter().filter(|(k, _)| k != "csrf").collect();
    let val = |k: &str| values.get(k).map(String::as_str).unwrap_or("");
    let mut forms = empty_forms(tr);
    forms.active = Some(kind);
    let e = &mut forms.errors;
    let field = |name: &str| format!("{kind}-{name}");
    let legal_basis = e.check(&field("legal_basis"), clean_text(val("legal_basis"), 500));
    let reason = e.check(&field("reason"), clean_text(val("reason"), 500));
    if legal_basis.as_deref().is_some_and(str::is_empty) {
        e.rule(&field("legal_basis"), Rule::LegalBasisRequired);
    }
    let meta = EventMeta { legal_basis: legal_basis.unwrap_or_default(), reason: reason.unwrap_or_default() };
    let app = &state.app;
    let who = &auth.principal;
    let result = match kind {
        "marriage" | "divorce" => {
            let spouse = e.check(&field("spouse_pin"), PersonalNumber::parse(val("spouse_pin").trim()));
            let date = e.check(&field("date"), forms::full_date(val("date")));
            match (spouse, date) {
                (Some(s), Some(d)) if e.is_empty() => Some(if kind == "marriage" {
                    app.marry(who, pin, s, d, meta).await
                } else {
                    app.divorce(who, pin, s, d, meta).await
                }),
                _ => None,
            }
        }
        "death" | "missing" => match e.check(&field("date"), forms::partial_date(val("date"))) {
            Some(d) if e.is_empty() => Some(if kind == "death" {
                app.record_death(who, pin, d, meta).await
            } else {
                app.declare_missing(who, pin, d, meta).await
            }),
            _ => None,
        },
        _ => {
            if meta.reason.is_empty() {
                e.rule(&field("reason"), Rule::ReasonRequired);
            }
            match e.check(&field("value"), correction(val("field"), val("value"))) {
                Some(c) if e.is_empty() => Some(app.correct(who, pin, c, meta, false).await),
                _ => None,
            }
        }
    };
    match result {
        Some(Ok(persons)) => {
            // A correction may re-establish the number: follow the person to their new one.
            let now = persons.first().map(|s| s.person.pin).unwrap_or(pin);
            Redirect::to(&format!("/persons/{now}?done={kind}")).into_response()
        }
        Some(Err(AppError::Invalid(inv))) => {
            forms.errors.invalid(&inv, |f| rename(kind, f));
            forms.values = values;
            show(&state, &auth, &pin, None, forms, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Some(Err(AppError::Conflict(rule))) => {
            forms.errors.rule(&field("general"), rule);
            forms.values = values;
            show(&state, &auth, &pin, None, forms, None, StatusCode::CONFLICT).await
        }
        Some(Err(e)) => app_error_page(&auth, e),
        None => {
            forms.values = values;
            show(&state, &auth, &pin, None, forms, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// The 54 ethnic groups as select options (code, name), for the birth form.
pub(crate) fn ethnic_options(current: &str) -> Vec<Opt> {
    let codes: Vec<String> = (1..=ETHNIC_GROUPS.len()).map(|i| format!("{i:02}")).collect();
    options(codes.iter().map(String::as_str).zip(ETHNIC_GROUPS), current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrections_parse_each_field_kind() {
        assert!(correction("birth_name", "  Nguyễn  Văn Bình ").is_ok_and(|c| c.birth_name.is_some()));
        assert!(correction("phone", "").is_ok_and(|c| c.phone == Some(None)));
        assert!(correction("permanent_residence", "26743, 12 Lê Lợi").is_ok_and(|c| c.permanent_residence.is_some()));
        assert_eq!(correction("permanent_residence", "79, x").err(), Some(Rule::UnitNotCommune));
        assert_eq!(correction("nationality", "vnm fra").map(|c| c.nationality.map(|n| n.len())).ok(), Some(Some(2)));
        assert_eq!(correction("pin", "001").err(), Some(Rule::CorrectionField));
        assert_eq!(correction("relatives", "x").err(), Some(Rule::CorrectionField));
    }
}
