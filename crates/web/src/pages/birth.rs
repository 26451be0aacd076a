//! Birth registration: the form, and the new person or the adjudication case it leads to.

use super::forms::{self, FormErrors, Opt, options};
use super::i18n::Tr;
use super::person::ethnic_options;
use super::{Auth, Nav, app_error_page, render};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dinhdanh_app::AppError;
use dinhdanh_app::auth::Permission;
use dinhdanh_app::register::{BirthDraft, BirthResult, ParentDraft};
use dinhdanh_domain::codes::{Cmnd9, Ethnicity, Nationality, RELIGIONS, Religion};
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::name::{PersonName, clean_text};
use dinhdanh_domain::person::{Address, BirthRegistration, Jurisdiction, Place, Sex};
use dinhdanh_domain::pin::PersonalNumber;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct BirthForm {
    pub csrf: String,
    pub birth_name: String,
    pub date_of_birth: String,
    pub sex: String,
    pub registration_unit: String,
    pub place_of_birth_unit: String,
    pub place_of_birth_detail: String,
    pub hometown_unit: String,
    pub hometown_detail: String,
    pub ethnicity: String,
    pub religion: String,
    pub nationality: String,
    pub father_pin: String,
    pub father_name: String,
    pub father_cmnd9: String,
    pub mother_pin: String,
    pub mother_name: String,
    pub mother_cmnd9: String,
    pub permanent_unit: String,
    pub permanent_detail: String,
    pub current_unit: String,
    pub current_detail: String,
    pub legal_basis: String,
}

#[derive(Template)]
#[template(path = "birth.html")]
struct BirthTpl {
    tr: Tr,
    nav: Option<Nav>,
    csrf: String,
    form: BirthForm,
    errors: FormErrors,
    ethnicities: Vec<Opt>,
    religions: Vec<Opt>,
    /// Names of the unit codes typed, shown after each code field.
    unit_names: Vec<(&'static str, String)>,
    case: Option<String>,
}

impl BirthTpl {
    pub fn unit_name(&self, field: &str) -> Option<&str> {
        self.unit_names.iter().find(|(f, _)| *f == field).map(|(_, n)| n.as_str())
    }
}

fn page(auth: &Auth, form: BirthForm, errors: FormErrors, case: Option<String>, status: StatusCode) -> Response {
    let religion_codes: Vec<String> = (0..RELIGIONS.len()).map(|i| format!("{i:02}")).collect();
    let unit_names = [
        ("registration_unit", &form.registration_unit),
        ("place_of_birth_unit", &form.place_of_birth_unit),
        ("hometown_unit", &form.hometown_unit),
        ("permanent_unit", &form.permanent_unit),
        ("current_unit", &form.current_unit),
    ]
    .into_iter()
    .filter_map(|(f, v)| forms::unit_name(v).map(|n| (f, n)))
    .collect();
    let t = BirthTpl {
        tr: auth.tr(),
        nav: Some(Nav::of(auth)),
        csrf: auth.csrf.clone(),
        ethnicities: ethnic_options(&form.ethnicity),
        religions: options(religion_codes.iter().map(String::as_str).zip(RELIGIONS), &form.religion),
        form,
        errors,
        unit_names,
        case,
    };
    render(status, &t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct BirthQuery {
    case: String,
}

pub(crate) async fn form(auth: Auth, Query(q): Query<BirthQuery>) -> Response {
    if !auth.principal.has(Permission::RegisterBirth) {
        return app_error_page(&auth, AppError::Forbidden);
    }
    // An officer of one commune registers there: start with its code.
    let registration_unit = match &auth.principal.jurisdiction {
        Jurisdiction::Commune(c) => c.clone(),
        _ => String::new(),
    };
    let f = BirthForm {
        registration_unit,
        ethnicity: "01".to_owned(),
        nationality: "VNM".to_owned(),
        legal_basis: "Luật Hộ tịch 2014".to_owned(),
        ..Default::default()
    };
    let case = uuid::Uuid::parse_str(q.case.trim()).ok().map(|u| u.to_string());
    page(&auth, f, FormErrors::new(auth.tr()), case, StatusCode::OK)
}

fn parent(e: &mut FormErrors, who: &str, pin: &str, name: &str, cmnd9: &str) -> Option<ParentDraft> {
    if let Some(p) = forms::opt(pin) {
        let pin = e.check(&format!("{who}_pin"), PersonalNumber::parse(p))?;
        return Some(ParentDraft { pin: Some(pin), name: None, cmnd9: None, nationality: None });
    }
    let name = forms::opt(name)?;
    let name = e.check(&format!("{who}_name"), PersonName::normalize(name));
    let cmnd9 = match forms::opt(cmnd9) {
        Some(c) => e.check(&format!("{who}_cmnd9"), Cmnd9::parse(c)),
        None => None,
    };
    name.map(|n| ParentDraft { pin: None, name: Some(n), cmnd9, nationality: None })
}

fn place(e: &mut FormErrors, field: &str, unit: &str, detail: &str) -> Option<Place> {
    let unit = match forms::opt(unit) {
        Some(u) => Some(e.check(&format!("{field}_unit"), forms::unit_2025(u))?),
        None => None,
    };
    let detail = e.check(&format!("{field}_detail"), clean_text(detail, 200))?;
    (unit.is_some() || !detail.is_empty()).then_some(Place { unit, country: None, detail })
}

fn address(e: &mut FormErrors, field: &str, unit: &str, detail: &str) -> Option<Address> {
    let Some(u) = forms::opt(unit) else {
        if forms::opt(detail).is_some() {
            e.rule(&format!("{field}_unit"), Rule::Required);
        }
        return None;
    };
    let unit = e.check(&format!("{field}_unit"), forms::commune_2025(u))?;
    e.check(&format!("{field}_detail"), Address::new_current(unit, detail))
}

/// The draft the form describes, or every field error at once.
fn draft(f: &BirthForm, e: &mut FormErrors) -> Option<BirthDraft> {
    let birth_name = e.check("birth_name", PersonName::normalize(&f.birth_name));
    let date_of_birth = e.check("date_of_birth", forms::full_date(&f.date_of_birth));
    let sex = e.check("sex", if f.sex.trim().is_empty() { Err(Rule::Required) } else { Sex::parse(&f.sex) });
    let registration = e.check("registration_unit", forms::commune_2025(&f.registration_unit));
    let place_of_birth = place(e, "place_of_birth", &f.place_of_birth_unit, &f.place_of_birth_detail);
    let hometown = place(e, "hometown", &f.hometown_unit, &f.hometown_detail);
    let ethnicity = forms::opt(&f.ethnicity).and_then(|x| e.check("ethnicity", Ethnicity::parse(x)));
    let religion = forms::opt(&f.religion).and_then(|x| e.check("religion", Religion::parse(x)));
    let nationality: Vec<Nationality> = f
        .nationality
        .split([',', ' ', ';'])
        .filter(|x| !x.is_empty())
        .filter_map(|x| e.check("nationality", Nationality::parse(&x.to_ascii_uppercase())))
        .collect();
    let father = parent(e, "father", &f.father_pin, &f.father_name, &f.father_cmnd9);
    let mother = parent(e, "mother", &f.mother_pin, &f.mother_name, &f.mother_cmnd9);
    let permanent_residence = address(e, "permanent", &f.permanent_unit, &f.permanent_detail);
    let current_residence = address(e, "current", &f.current_unit, &f.current_detail);
    let legal_basis = e.check("legal_basis", clean_text(&f.legal_basis, 500));
    if !e.is_empty() {
        return None;
    }
    Some(BirthDraft {
        birth_name: birth_name?,
        date_of_birth: date_of_birth?,
        sex: sex?,
        place_of_birth,
        registration: BirthRegistration::Unit(registration?),
        hometown,
        ethnicity,
        religion,
        nationality,
        father,
        mother,
        permanent_residence,
        current_residence,
        legal_basis: legal_basis?,
    })
}

/// Form inputs of the fields a registration error names.
fn rename(field: &str) -> String {
    match field {
        "registration.unit" | "registration" => "registration_unit".into(),
        "father" | "father.pin" => "father_pin".into(),
        "mother" | "mother.pin" => "mother_pin".into(),
        "pin" => "date_of_birth".into(),
        f => f.replace('.', "_").replace("_residence", ""),
    }
}

pub(crate) async fn submit(State(state): State<AppState>, auth: Auth, Form(f): Form<BirthForm>) -> Response {
    if !auth.csrf_ok(Some(&f.csrf)) {
        return auth.csrf_refused();
    }
    let tr = auth.tr();
    let mut errors = FormErrors::new(tr);
    let Some(d) = draft(&f, &mut errors) else {
        return page(&auth, f, errors, None, StatusCode::UNPROCESSABLE_ENTITY);
    };
    match state.app.register_birth(&auth.principal, d).await {
        Ok(BirthResult::Registered(p)) => {
            Redirect::to(&format!("/persons/{}?done=birth", p.person.pin)).into_response()
        }
        Ok(BirthResult::NeedsAdjudication(id)) => {
            // Only supervisors may open a case; an officer is told the case number instead.
            let to = if auth.principal.has(Permission::Adjudicate) {
                format!("/adjudication/{id}")
            } else {
                format!("/births/new?case={id}")
            };
            Redirect::to(&to).into_response()
        }
        Err(AppError::Invalid(inv)) => {
            errors.invalid(&inv, rename);
            page(&auth, f, errors, None, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::Forbidden) if auth.principal.has(Permission::RegisterBirth) => {
            // The unit lies outside the officer's area: say so at the field rather than a bare 403.
            errors.text("registration_unit", "birth.outside");
            page(&auth, f, errors, None, StatusCode::FORBIDDEN)
        }
        Err(AppError::Conflict(rule)) => {
            errors.rule("general", rule);
            page(&auth, f, errors, None, StatusCode::CONFLICT)
        }
        Err(e) => app_error_page(&auth, e),
    }
}
