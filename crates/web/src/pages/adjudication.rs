//! The adjudication list (possible duplicates) and a case page with the supervisor's decision.

use super::forms::FormErrors;
use super::i18n::Tr;
use super::session::form_csrf;
use super::{Auth, Nav, app_error_page, error_page, render};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dinhdanh_app::AppError;
use dinhdanh_app::ports::{AdjudicationCase, Candidate, CaseStatus, VIETNAM_OFFSET};
use dinhdanh_app::register::{BirthDraft, Decision, ParentDraft};
use dinhdanh_domain::date::iso;
use dinhdanh_domain::name::clean_text;
use dinhdanh_domain::person::Address;
use serde::Deserialize;
use uuid::Uuid;

pub(crate) struct CaseRow {
    pub id: String,
    pub created_at: String,
    pub source: &'static str,
    pub name: String,
    pub date_of_birth: String,
    pub sex: &'static str,
    pub status: &'static str,
    pub created_by: String,
}

pub(crate) struct MatchVm {
    pub pin: Option<String>,
    pub name: String,
    pub date_of_birth: String,
    pub sex: &'static str,
    pub status: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesTpl {
    tr: Tr,
    nav: Option<Nav>,
    filter: String,
    filters: Vec<(&'static str, &'static str)>,
    rows: Vec<CaseRow>,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CaseTpl {
    tr: Tr,
    nav: Option<Nav>,
    csrf: String,
    case: CaseRow,
    pending: bool,
    candidate: Vec<(&'static str, String)>,
    matches: Vec<MatchVm>,
    decided: Option<(String, String, String)>,
    note: String,
    errors: FormErrors,
    done: bool,
}

fn when(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(VIETNAM_OFFSET);
    format!("{} {:02}:{:02}", iso(t.date()), t.hour(), t.minute())
}

fn row(tr: Tr, c: &AdjudicationCase) -> CaseRow {
    let (source, name, dob, sex) = match &c.candidate {
        Candidate::Birth(d) => ("case.source.birth", d.birth_name.to_string(), iso(d.date_of_birth), tr.sex(d.sex)),
        Candidate::Import(p) => {
            ("case.source.import", p.birth_name.to_string(), p.date_of_birth.to_string(), tr.sex(p.sex))
        }
    };
    CaseRow {
        id: c.id.to_string(),
        created_at: when(c.created_at),
        source: tr.s(source),
        name,
        date_of_birth: dob,
        sex,
        status: tr.s(&format!("case.status.{}", c.status.code())),
        created_by: c.created_by.name.clone(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ListQuery {
    status: String,
}

pub(crate) async fn list(State(state): State<AppState>, auth: Auth, Query(q): Query<ListQuery>) -> Response {
    let tr = auth.tr();
    let filter = if q.status.is_empty() { "pending".to_owned() } else { q.status.clone() };
    let status = match filter.as_str() {
        "all" => None,
        s => match CaseStatus::parse(s) {
            Some(s) => Some(s),
            None => return error_page(tr, Some(Nav::of(&auth)), StatusCode::NOT_FOUND),
        },
    };
    let cases = match state.app.cases(&auth.principal, status).await {
        Ok(c) => c,
        Err(e) => return app_error_page(&auth, e),
    };
    let t = CasesTpl {
        tr,
        nav: Some(Nav::of(&auth)),
        filters: ["pending", "created", "duplicate", "all"]
            .into_iter()
            .map(|s| (s, tr.s(&format!("case.status.{s}"))))
            .collect(),
        filter,
        rows: cases.iter().map(|c| row(tr, c)).collect(),
    };
    render(StatusCode::OK, &t)
}

fn parent_text(p: &Option<ParentDraft>) -> String {
    match p {
        None => "—".to_owned(),
        Some(ParentDraft { pin: Some(pin), .. }) => pin.to_string(),
        Some(ParentDraft { name: Some(n), .. }) => n.to_string(),
        Some(_) => "—".to_owned(),
    }
}

fn draft_rows(tr: Tr, d: &BirthDraft) -> Vec<(&'static str, String)> {
    let addr = |a: &Option<Address>| a.as_ref().map(Address::display).unwrap_or_else(|| "—".to_owned());
    vec![
        (tr.s("f.birth_name"), d.birth_name.to_string()),
        (tr.s("f.date_of_birth"), iso(d.date_of_birth)),
        (tr.s("f.sex"), tr.sex(d.sex).to_owned()),
        (tr.s("f.birth_registration"), d.registration.display()),
        (tr.s("f.father"), parent_text(&d.father)),
        (tr.s("f.mother"), parent_text(&d.mother)),
        (tr.s("f.permanent_residence"), addr(&d.permanent_residence)),
        (tr.s("f.current_residence"), addr(&d.current_residence)),
        (tr.s("f.legal_basis"), d.legal_basis.clone()),
    ]
}

/// The existing persons a case may duplicate, each read through the audited use case.
async fn matches(state: &AppState, auth: &Auth, c: &AdjudicationCase) -> Result<Vec<MatchVm>, AppError> {
    let tr = auth.tr();
    let mut out = Vec::new();
    for id in &c.matches {
        match state.app.person_by_id(&auth.principal, *id, Some("adjudication")).await {
            Ok(v) => {
                let p = v.stored.person;
                out.push(MatchVm {
                    pin: Some(p.pin.to_string()),
                    name: p.birth_name.to_string(),
                    date_of_birth: p.date_of_birth.to_string(),
                    sex: tr.sex(p.sex),
                    status: tr.s(&format!("status.{}", p.status.code())).to_owned(),
                })
            }
            Err(AppError::Forbidden) => out.push(MatchVm {
                pin: None,
                name: tr.s("case.match_outside").to_owned(),
                date_of_birth: String::new(),
                sex: "",
                status: String::new(),
            }),
            // Persons are never deleted; a vanished match is simply not shown.
            Err(AppError::NotFound) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

async fn show(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    note: String,
    errors: FormErrors,
    done: bool,
    status: StatusCode,
) -> Response {
    let tr = auth.tr();
    let c = match state.app.case(&auth.principal, id).await {
        Ok(c) => c,
        Err(e) => return app_error_page(auth, e),
    };
    let m = match matches(state, auth, &c).await {
        Ok(m) => m,
        Err(e) => return app_error_page(auth, e),
    };
    let candidate = match &c.candidate {
        Candidate::Birth(d) => draft_rows(tr, d),
        Candidate::Import(p) => {
            let mut rows = vec![
                (tr.s("f.pin"), p.pin.to_string()),
                (tr.s("f.birth_name"), p.birth_name.to_string()),
                (tr.s("f.date_of_birth"), p.date_of_birth.to_string()),
                (tr.s("f.sex"), tr.sex(p.sex).to_owned()),
            ];
            if let Some(line) = c.source_line {
                rows.push((tr.s("case.line"), line.to_string()));
            }
            rows
        }
    };
    let decided = c
        .decided_by
        .as_ref()
        .map(|a| (a.name.clone(), c.decided_at.map(when).unwrap_or_default(), c.decision_note.clone()));
    let t = CaseTpl {
        tr,
        nav: Some(Nav::of(auth)),
        csrf: auth.csrf.clone(),
        case: row(tr, &c),
        pending: c.status == CaseStatus::Pending,
        candidate,
        matches: m,
        decided,
        note,
        errors,
        done,
    };
    render(status, &t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CaseQuery {
    done: String,
}

pub(crate) async fn case(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(q): Query<CaseQuery>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(auth.tr(), Some(Nav::of(&auth)), StatusCode::NOT_FOUND);
    };
    let errors = FormErrors::new(auth.tr());
    show(&state, &auth, id, String::new(), errors, !q.done.is_empty(), StatusCode::OK).await
}

pub(crate) async fn decide(
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
    let decision = match get("decision") {
        "create" => Some(Decision::Create),
        "duplicate" => Some(Decision::Duplicate),
        _ => {
            errors.rule("decision", dinhdanh_domain::error::Rule::Decision);
            None
        }
    };
    let note = errors.check("note", clean_text(get("note"), 500));
    let raw_note = get("note").to_owned();
    let (Some(decision), Some(note)) = (decision, note) else {
        return show(&state, &auth, id, raw_note, errors, false, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match state.app.decide(&auth.principal, id, decision, &note).await {
        Ok(_) => Redirect::to(&format!("/adjudication/{id}?done=1")).into_response(),
        Err(AppError::Invalid(inv)) => {
            errors.invalid(&inv, |f| if f.is_empty() { "decision".into() } else { f.into() });
            show(&state, &auth, id, raw_note, errors, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict(rule)) => {
            errors.rule("decision", rule);
            show(&state, &auth, id, raw_note, errors, false, StatusCode::CONFLICT).await
        }
        Err(e) => app_error_page(&auth, e),
    }
}
