//! Officer pages of residence: a household with its members' history, filing a residence
//! procedure, the worklist of residence dossiers inside the officer's jurisdiction, and a
//! residence dossier with its log and the steps the officer may take.

use super::forms::FormErrors;
use super::i18n::Tr;
use super::session::form_csrf;
use super::{Auth, Nav, app_error_page, error_page, query_param, render};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use dinhdanh_api::requests::AddressInput;
use dinhdanh_api::residence::{ResidenceApplicantInput, ResidenceDossierRequest, SplitMemberInput};
use dinhdanh_app::AppError;
use dinhdanh_app::ports::VIETNAM_OFFSET;
use dinhdanh_app::residence::procedures::KINDS;
use dinhdanh_app::workflow::DossierFilter;
use dinhdanh_domain::admin::catalogue;
use dinhdanh_domain::date::iso;
use uuid::Uuid;

fn when(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(VIETNAM_OFFSET);
    format!("{} {:02}:{:02}", iso(t.date()), t.hour(), t.minute())
}

fn kind_name(tr: Tr, vi: &'static str, en: &'static str) -> &'static str {
    if tr.code() == "en" { en } else { vi }
}

pub(crate) struct MemberRow {
    pub pin: String,
    pub name: String,
    pub relation: &'static str,
    pub from: String,
    pub to: String,
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdTpl {
    tr: Tr,
    nav: Option<Nav>,
    id: String,
    address: String,
    members: Vec<MemberRow>,
}

pub(crate) async fn household(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(auth.tr(), Some(Nav::of(&auth)), StatusCode::NOT_FOUND);
    };
    let v = match state.app.household_view(&auth.principal, id).await {
        Ok(v) => v,
        Err(e) => return app_error_page(&auth, e),
    };
    let tr = auth.tr();
    let t = HouseholdTpl {
        tr,
        nav: Some(Nav::of(&auth)),
        id: id.to_string(),
        address: format!("{}, {}", v.household.address.detail, catalogue().display_name(&v.household.address.unit)),
        members: v
            .members
            .iter()
            .map(|(m, p)| MemberRow {
                pin: p.pin.to_string(),
                name: p.birth_name.as_str().to_owned(),
                relation: if tr.code() == "en" { m.relation.code() } else { m.relation.name_vi() },
                from: iso(m.valid_from),
                to: m.valid_to.map(iso).unwrap_or_default(),
            })
            .collect(),
    };
    render(StatusCode::OK, &t)
}

pub(crate) struct WorkRow {
    pub id: String,
    pub code: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub name: String,
    pub pin: String,
    pub deadline: String,
    pub days_left: String,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "residence_dossiers.html")]
struct WorklistTpl {
    tr: Tr,
    nav: Option<Nav>,
    /// Status code, name, selected; the first two entries are "open" and "all".
    statuses: Vec<(&'static str, &'static str, bool)>,
    rows: Vec<WorkRow>,
    total: u64,
}

/// Every status a residence procedure may be in, once each, in declaration order.
fn residence_statuses() -> Vec<&'static dinhdanh_app::workflow::StateSpec> {
    let mut out: Vec<&'static dinhdanh_app::workflow::StateSpec> = Vec::new();
    for s in KINDS.iter().flat_map(|k| k.states.iter()) {
        if !out.iter().any(|o| o.code == s.code) {
            out.push(s);
        }
    }
    out
}

/// `GET /residence/dossiers[?status=open|all|<status>]`: the residence dossiers inside the
/// officer's jurisdiction (open ones by default), read through the audited worklist.
pub(crate) async fn worklist(State(state): State<AppState>, auth: Auth, uri: Uri) -> Response {
    let tr = auth.tr();
    let known = residence_statuses();
    let asked = uri.query().and_then(|q| query_param(q, "status")).unwrap_or_default();
    // An unknown status shows the open dossiers rather than an empty list.
    let chosen = match asked.as_str() {
        "all" => "all",
        s => known.iter().find(|k| k.code == s).map_or("open", |k| k.code),
    };
    let filter = DossierFilter {
        kind_prefix: Some("residence.".to_owned()),
        status: (chosen != "open" && chosen != "all").then(|| chosen.to_owned()),
        open_only: chosen == "open",
        page_size: 100,
        ..Default::default()
    };
    let page = match state.app.dossiers(&auth.principal, filter).await {
        Ok(p) => p,
        Err(e) => return app_error_page(&auth, e),
    };
    let mut rows = Vec::with_capacity(page.items.len());
    for d in &page.items {
        let left = match state.app.working_days_left(d) {
            Ok(l) => l,
            Err(e) => return app_error_page(&auth, e),
        };
        let subject = d.subjects.first();
        let st = d.state();
        rows.push(WorkRow {
            id: d.id.to_string(),
            code: d.code.clone(),
            kind: kind_name(tr, d.kind.name_vi, d.kind.name_en),
            status: kind_name(tr, st.name_vi, st.name_en),
            name: subject.map(|s| s.name.clone()).unwrap_or_default(),
            pin: subject.map(|s| s.pin.to_string()).unwrap_or_default(),
            deadline: d.deadline.map(iso).unwrap_or_default(),
            days_left: left.map(|n| n.to_string()).unwrap_or_default(),
            late: left.is_some_and(|n| n < 0),
        });
    }
    let mut statuses =
        vec![("open", tr.s("res.list.open"), chosen == "open"), ("all", tr.s("res.list.all"), chosen == "all")];
    statuses.extend(known.iter().map(|k| (k.code, kind_name(tr, k.name_vi, k.name_en), k.code == chosen)));
    render(StatusCode::OK, &WorklistTpl { tr, nav: Some(Nav::of(&auth)), statuses, rows, total: page.total })
}

pub(crate) struct StepVm {
    pub action: &'static str,
    pub name: &'static str,
    pub note_required: bool,
}

#[derive(Template)]
#[template(path = "residence_dossier.html")]
struct DossierTpl {
    tr: Tr,
    nav: Option<Nav>,
    csrf: String,
    id: String,
    code: String,
    kind: &'static str,
    status: &'static str,
    unit: String,
    deadline: String,
    days_left: String,
    applicant: String,
    subjects: Vec<(String, String, String)>,
    form: Vec<(String, String)>,
    log: Vec<(String, String, String, String, String)>,
    steps: Vec<StepVm>,
    errors: FormErrors,
    done: bool,
}

async fn show_dossier(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    errors: FormErrors,
    done: bool,
    status: StatusCode,
) -> Response {
    let v = match state.app.dossier(&auth.principal, id).await {
        Ok(v) if v.dossier.kind.code.starts_with("residence.") => v,
        Ok(_) => return error_page(auth.tr(), Some(Nav::of(auth)), StatusCode::NOT_FOUND),
        Err(e) => return app_error_page(auth, e),
    };
    let tr = auth.tr();
    let d = &v.dossier;
    let state_spec = d.state();
    let form: Vec<(String, String)> = match serde_json::from_str::<serde_json::Value>(&d.form) {
        Ok(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    let t = DossierTpl {
        tr,
        nav: Some(Nav::of(auth)),
        csrf: auth.csrf.clone(),
        id: d.id.to_string(),
        code: d.code.clone(),
        kind: kind_name(tr, d.kind.name_vi, d.kind.name_en),
        status: kind_name(tr, state_spec.name_vi, state_spec.name_en),
        unit: catalogue().display_name(&d.handling_unit),
        deadline: d.deadline.map(iso).unwrap_or_else(|| "—".to_owned()),
        days_left: v.days_left.map(|n| n.to_string()).unwrap_or_default(),
        applicant: format!("{} ({})", d.applicant.name, d.applicant.relation.name_vi()),
        subjects: d.subjects.iter().map(|s| (s.pin.to_string(), s.name.clone(), s.role.clone())).collect(),
        form,
        log: v
            .transitions
            .iter()
            .map(|l| (when(l.at), l.actor.name.clone(), l.action.clone(), l.to_state.clone(), l.note.clone()))
            .collect(),
        steps: d
            .kind
            .transitions_from(d.status)
            .map(|s| StepVm {
                action: s.action,
                name: kind_name(tr, s.name_vi, s.name_en),
                note_required: s.note_required,
            })
            .collect(),
        errors,
        done,
    };
    render(status, &t)
}

pub(crate) async fn dossier(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(auth.tr(), Some(Nav::of(&auth)), StatusCode::NOT_FOUND);
    };
    let done = q.is_some_and(|q| q.contains("done=1"));
    show_dossier(&state, &auth, id, FormErrors::new(auth.tr()), done, StatusCode::OK).await
}

pub(crate) async fn step(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    if !auth.csrf_ok(form_csrf(&f)) {
        return auth.csrf_refused();
    }
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(auth.tr(), Some(Nav::of(&auth)), StatusCode::NOT_FOUND);
    };
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let mut errors = FormErrors::new(auth.tr());
    match state.app.transition_dossier(&auth.principal, id, get("action"), get("note"), None).await {
        Ok(_) => Redirect::to(&format!("/residence/dossiers/{id}?done=1")).into_response(),
        Err(AppError::Invalid(inv)) => {
            errors.invalid(&inv, |f| f.replace('.', "_"));
            show_dossier(&state, &auth, id, errors, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict(rule)) => {
            errors.rule("action", rule);
            show_dossier(&state, &auth, id, errors, false, StatusCode::CONFLICT).await
        }
        Err(e) => app_error_page(&auth, e),
    }
}

/// Every input of the filing form, by name.
const FIELDS: &[&str] = &[
    "pin",
    "address_unit",
    "address_detail",
    "household_id",
    "relation",
    "proof",
    "floor_area_m2",
    "valid_until",
    "case",
    "from",
    "until",
    "destination",
    "reason",
    "on",
    "members",
    "former_head_relation",
    "applicant_relation",
    "applicant_pin",
    "applicant_name",
    "applicant_reference",
    "applicant_contact",
];

#[derive(Template)]
#[template(path = "residence_file.html")]
struct FileTpl {
    tr: Tr,
    nav: Option<Nav>,
    csrf: String,
    kinds: Vec<(&'static str, &'static str, bool)>,
    /// Input name, label, value.
    values: Vec<(&'static str, &'static str, String)>,
    errors: FormErrors,
}

fn file_page(auth: &Auth, f: &[(String, String)], errors: FormErrors, status: StatusCode) -> Response {
    let tr = auth.tr();
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let kind = get("kind");
    let t = FileTpl {
        tr,
        nav: Some(Nav::of(auth)),
        csrf: auth.csrf.clone(),
        kinds: KINDS.iter().map(|k| (k.code, kind_name(tr, k.name_vi, k.name_en), k.code == kind)).collect(),
        values: FIELDS.iter().map(|n| (*n, tr.s(&format!("res.f.{n}")), get(n))).collect(),
        errors,
    };
    render(status, &t)
}

pub(crate) async fn file_form(auth: Auth) -> Response {
    file_page(&auth, &[], FormErrors::new(auth.tr()), StatusCode::OK)
}

/// The form's fields as the API's request, so the page and the API check alike.
fn request(f: &[(String, String)]) -> ResidenceDossierRequest {
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty());
    let members = get("members").map(|m| {
        m.split(',')
            .filter(|x| !x.trim().is_empty())
            .map(|x| {
                let (pin, rel) = x.split_once(':').unwrap_or((x, ""));
                SplitMemberInput { pin: Some(pin.trim().to_owned()), relation: Some(rel.trim().to_owned()) }
            })
            .collect()
    });
    ResidenceDossierRequest {
        kind: get("kind"),
        pin: get("pin"),
        address: get("address_unit").map(|u| AddressInput {
            unit: Some(if u.contains(':') { u } else { format!("2025:{u}") }),
            detail: get("address_detail"),
        }),
        household_id: get("household_id"),
        relation: get("relation"),
        proof: get("proof"),
        floor_area_m2: get("floor_area_m2").and_then(|a| a.replace(',', ".").parse().ok()),
        valid_until: get("valid_until"),
        case: get("case"),
        from: get("from"),
        until: get("until"),
        destination: get("destination"),
        reason: get("reason"),
        on: get("on"),
        members,
        former_head_relation: get("former_head_relation"),
        applicant: Some(ResidenceApplicantInput {
            relation: get("applicant_relation"),
            name: get("applicant_name"),
            pin: get("applicant_pin"),
            reference: get("applicant_reference"),
            contact: get("applicant_contact"),
        }),
    }
}

fn input_name(field: &str) -> String {
    let base = field.split('[').next().unwrap_or(field);
    match base {
        "applicant.organisation" => "applicant_reference".to_owned(),
        "" => "kind".to_owned(),
        b => b.replace('.', "_"),
    }
}

pub(crate) async fn file(State(state): State<AppState>, auth: Auth, Form(f): Form<Vec<(String, String)>>) -> Response {
    if !auth.csrf_ok(form_csrf(&f)) {
        return auth.csrf_refused();
    }
    let mut errors = FormErrors::new(auth.tr());
    let filing = match crate::api::residence::parse_filing(&request(&f)) {
        Ok(x) => x,
        Err(inv) => {
            errors.invalid(&inv, input_name);
            return file_page(&auth, &f, errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    match state.app.file_residence(&auth.principal, filing).await {
        Ok(d) => Redirect::to(&format!("/residence/dossiers/{}", d.id)).into_response(),
        Err(AppError::Invalid(inv)) => {
            errors.invalid(&inv, input_name);
            file_page(&auth, &f, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => app_error_page(&auth, e),
    }
}
