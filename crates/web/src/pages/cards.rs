//! Officer pages for identity cards: the card applications inside the officer's jurisdiction,
//! one application with its log, its next steps and whether the biometrics are captured, and a
//! person's cards with their status, where a loss is reported or a card revoked with a reason.
//! Every read goes through the audited use cases of the application.

use super::forms::FormErrors;
use super::i18n::Tr;
use super::session::form_csrf;
use super::{Auth, Nav, app_error_page, enc, query_param, render};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use dinhdanh_app::AppError;
use dinhdanh_app::auth::Permission;
use dinhdanh_app::cards::CardView;
use dinhdanh_app::cards::application::{self, KIND_CODE};
use dinhdanh_app::identity::{BiometricInfo, BiometricKind};
use dinhdanh_app::workflow::{Dossier, DossierFilter, DossierView};
use dinhdanh_domain::card::CardStatus;
use dinhdanh_domain::pin::PersonalNumber;
use uuid::Uuid;

fn when(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(dinhdanh_app::ports::VIETNAM_OFFSET);
    format!("{:02}/{:02}/{} {:02}:{:02}", t.day(), t.month() as u8, t.year(), t.hour(), t.minute())
}

fn day(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month() as u8, d.year())
}

fn by_lang(tr: Tr, vi: &'static str, en: &'static str) -> &'static str {
    if tr.code() == "vi" { vi } else { en }
}

fn state_name(tr: Tr, d: &Dossier, code: &str) -> &'static str {
    d.kind.state(code).map_or("", |s| by_lang(tr, s.name_vi, s.name_en))
}

struct ApplicationRow {
    id: String,
    code: String,
    kind: &'static str,
    name: String,
    pin: String,
    status: &'static str,
    received: String,
    deadline: String,
}

fn kind_name(tr: Tr, d: &Dossier) -> &'static str {
    application::decode_form(&d.form).map_or("", |k| tr.s(&format!("card.kind.{}", k.code())))
}

#[derive(Template)]
#[template(path = "card_applications.html")]
struct ListTpl {
    tr: Tr,
    nav: Option<Nav>,
    rows: Vec<ApplicationRow>,
    total: u64,
    open_only: bool,
}

/// `GET /card-applications[?all=1]`: the applications inside the officer's jurisdiction, open
/// ones unless `all`.
pub(crate) async fn list(State(state): State<AppState>, auth: Auth, uri: Uri) -> Response {
    let tr = auth.tr();
    let open_only = uri.query().and_then(|q| query_param(q, "all")).is_none();
    let filter = DossierFilter { kind: Some(KIND_CODE.to_owned()), open_only, page_size: 100, ..Default::default() };
    let page = match state.app.dossiers(&auth.principal, filter).await {
        Ok(p) => p,
        Err(e) => return app_error_page(&auth, e),
    };
    let rows = page
        .items
        .iter()
        .map(|d| {
            let subject = d.subjects.first();
            ApplicationRow {
                id: d.id.to_string(),
                code: d.code.clone(),
                kind: kind_name(tr, d),
                name: subject.map(|s| s.name.clone()).unwrap_or_default(),
                pin: subject.map(|s| s.pin.to_string()).unwrap_or_default(),
                status: state_name(tr, d, d.status),
                received: when(d.received_at),
                deadline: d.deadline.map(day).unwrap_or_default(),
            }
        })
        .collect();
    render(StatusCode::OK, &ListTpl { tr, nav: Some(Nav::of(&auth)), rows, total: page.total, open_only })
}

struct LogRow {
    at: String,
    actor: String,
    from: &'static str,
    to: &'static str,
    note: String,
}

struct StepForm {
    action: &'static str,
    name: &'static str,
    note_required: bool,
}

/// What the page says about the captured biometrics.
struct Capture {
    /// `None` when the officer may not see the capture list.
    face: Option<String>,
    fingers: usize,
    visible: bool,
}

#[derive(Template)]
#[template(path = "card_application.html")]
struct DetailTpl {
    tr: Tr,
    nav: Option<Nav>,
    csrf: String,
    id: String,
    code: String,
    kind: &'static str,
    name: String,
    pin: String,
    status: &'static str,
    open: bool,
    received: String,
    deadline: String,
    days_left: Option<i64>,
    note: String,
    version: i64,
    steps: Vec<StepForm>,
    log: Vec<LogRow>,
    capture: Capture,
    done: bool,
    errors: FormErrors,
}

fn capture_of(infos: &[BiometricInfo]) -> Capture {
    let active = infos.iter().filter(|b| b.active);
    let mut face = None;
    let mut fingers = 0;
    for b in active {
        match b.kind {
            BiometricKind::Face => face = Some(format!("{} × {} · {}", b.width, b.height, when(b.captured_at))),
            BiometricKind::Finger(_) => fingers += 1,
        }
    }
    Capture { face, fingers, visible: true }
}

async fn detail_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    status: StatusCode,
    done: bool,
    errors: FormErrors,
) -> Response {
    let tr = auth.tr();
    let DossierView { dossier: d, transitions, days_left } = match state.app.dossier(&auth.principal, id).await {
        Ok(v) if v.dossier.kind.code == KIND_CODE => v,
        Ok(_) => return app_error_page(auth, AppError::NotFound),
        Err(e) => return app_error_page(auth, e),
    };
    let subject = d.subjects.first();
    let p = &auth.principal;
    let capture = match subject {
        Some(s) if p.has(Permission::CaptureBiometrics) || p.has(Permission::ReadBiometrics) => {
            match state.app.biometric_infos(p, &s.pin).await {
                Ok(infos) => capture_of(&infos),
                Err(AppError::Forbidden) => Capture { face: None, fingers: 0, visible: false },
                Err(e) => return app_error_page(auth, e),
            }
        }
        _ => Capture { face: None, fingers: 0, visible: false },
    };
    let steps = d
        .kind
        .transitions_from(d.status)
        .filter(|t| p.has(t.permission))
        .map(|t| StepForm { action: t.action, name: by_lang(tr, t.name_vi, t.name_en), note_required: t.note_required })
        .collect();
    let log = transitions
        .iter()
        .map(|l| LogRow {
            at: when(l.at),
            actor: l.actor.name.clone(),
            from: state_name(tr, &d, &l.from_state),
            to: state_name(tr, &d, &l.to_state),
            note: l.note.clone(),
        })
        .collect();
    let t = DetailTpl {
        tr,
        nav: Some(Nav::of(auth)),
        csrf: auth.csrf.clone(),
        id: d.id.to_string(),
        code: d.code.clone(),
        kind: kind_name(tr, &d),
        name: subject.map(|s| s.name.clone()).unwrap_or_default(),
        pin: subject.map(|s| s.pin.to_string()).unwrap_or_default(),
        status: state_name(tr, &d, d.status),
        open: d.is_open(),
        received: when(d.received_at),
        deadline: d.deadline.map(day).unwrap_or_default(),
        days_left,
        note: d.note.clone(),
        version: d.version,
        steps,
        log,
        capture,
        done,
        errors,
    };
    render(status, &t)
}

/// `GET /card-applications/{id}`.
pub(crate) async fn detail(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, uri: Uri) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else { return app_error_page(&auth, AppError::NotFound) };
    let done = uri.query().and_then(|q| query_param(q, "done")).is_some();
    detail_page(&state, &auth, id, StatusCode::OK, done, FormErrors::new(auth.tr())).await
}

/// `POST /card-applications/{id}`: one step (`action`, `note`, `version`).
pub(crate) async fn step(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(raw): Form<Vec<(String, String)>>,
) -> Response {
    if !auth.csrf_ok(form_csrf(&raw)) {
        return auth.csrf_refused();
    }
    let Ok(id) = Uuid::parse_str(&id) else { return app_error_page(&auth, AppError::NotFound) };
    let get = |k: &str| raw.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let version = get("version").parse::<i64>().ok();
    match state.app.transition_dossier(&auth.principal, id, get("action"), get("note"), version).await {
        Ok(_) => Redirect::to(&format!("/card-applications/{id}?done=1")).into_response(),
        Err(AppError::Invalid(inv)) => {
            let mut errors = FormErrors::new(auth.tr());
            errors.invalid(&inv, str::to_owned);
            detail_page(&state, &auth, id, StatusCode::UNPROCESSABLE_ENTITY, false, errors).await
        }
        Err(AppError::Conflict(rule)) => {
            let mut errors = FormErrors::new(auth.tr());
            errors.rule("version", rule);
            detail_page(&state, &auth, id, StatusCode::CONFLICT, false, errors).await
        }
        Err(e) => app_error_page(&auth, e),
    }
}

struct CardRow {
    id: String,
    number: String,
    kind: &'static str,
    status: &'static str,
    active: bool,
    issued: String,
    expires: String,
    delivered: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "person_cards.html")]
struct CardsTpl {
    tr: Tr,
    nav: Option<Nav>,
    csrf: String,
    pin: String,
    cards: Vec<CardRow>,
    can_report_lost: bool,
    can_revoke: bool,
    done: Option<&'static str>,
    errors: FormErrors,
    reason: String,
}

fn card_row(tr: Tr, c: &CardView) -> CardRow {
    CardRow {
        id: c.id.to_string(),
        number: c.document_number.clone(),
        kind: tr.s(&format!("card.kind.{}", c.application_kind.code())),
        status: tr.s(&format!("card.status.{}", c.status.code())),
        active: c.status == CardStatus::Active,
        issued: day(c.issued_on),
        expires: c.expires_on.map(day).unwrap_or_else(|| tr.s("card.no_expiry").to_owned()),
        delivered: c.delivered_at.map(when).unwrap_or_default(),
        reason: c.status_reason.clone(),
    }
}

async fn cards_page(
    state: &AppState,
    auth: &Auth,
    pin: &str,
    status: StatusCode,
    done: Option<&'static str>,
    errors: FormErrors,
    reason: String,
) -> Response {
    let tr = auth.tr();
    let Ok(p) = PersonalNumber::parse(pin) else { return app_error_page(auth, AppError::NotFound) };
    let cards = match state.app.cards(&auth.principal, &p).await {
        Ok(c) => c,
        Err(e) => return app_error_page(auth, e),
    };
    let any_active = cards.iter().any(|c| c.status == CardStatus::Active);
    let t = CardsTpl {
        tr,
        nav: Some(Nav::of(auth)),
        csrf: auth.csrf.clone(),
        pin: p.to_string(),
        cards: cards.iter().map(|c| card_row(tr, c)).collect(),
        can_report_lost: any_active && auth.principal.has(Permission::ReportCardLost),
        can_revoke: any_active && auth.principal.has(Permission::RevokeCard),
        done,
        errors,
        reason,
    };
    render(status, &t)
}

/// `GET /persons/{pin}/cards`.
pub(crate) async fn person_cards(
    State(state): State<AppState>,
    auth: Auth,
    Path(pin): Path<String>,
    uri: Uri,
) -> Response {
    let done = uri.query().and_then(|q| query_param(q, "done")).and_then(|d| auth.tr().opt(&format!("card.done.{d}")));
    cards_page(&state, &auth, &pin, StatusCode::OK, done, FormErrors::new(auth.tr()), String::new()).await
}

/// `POST /persons/{pin}/cards`: `action` `lost` (the active card) or `revoke` (`card`, `reason`).
pub(crate) async fn person_cards_action(
    State(state): State<AppState>,
    auth: Auth,
    Path(pin): Path<String>,
    Form(raw): Form<Vec<(String, String)>>,
) -> Response {
    if !auth.csrf_ok(form_csrf(&raw)) {
        return auth.csrf_refused();
    }
    let get = |k: &str| raw.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let Ok(p) = PersonalNumber::parse(&pin) else { return app_error_page(&auth, AppError::NotFound) };
    let outcome = match get("action") {
        "lost" => state.app.report_card_lost(&auth.principal, &p).await.map(|_| "lost"),
        "revoke" => match Uuid::parse_str(get("card")) {
            // The card must be one of this person's: the use case checks the holder's
            // jurisdiction, the page checks the card belongs to the page's person.
            Ok(card) => match state.app.cards(&auth.principal, &p).await {
                Ok(list) if list.iter().any(|c| c.id == card) => {
                    state.app.revoke_card(&auth.principal, card, get("reason")).await.map(|_| "revoked")
                }
                Ok(_) => Err(AppError::NotFound),
                Err(e) => Err(e),
            },
            Err(_) => Err(AppError::NotFound),
        },
        _ => Err(AppError::NotFound),
    };
    match outcome {
        Ok(done) => Redirect::to(&format!("/persons/{}/cards?done={done}", enc(p.as_str()))).into_response(),
        Err(AppError::Invalid(inv)) => {
            let mut errors = FormErrors::new(auth.tr());
            errors.invalid(&inv, str::to_owned);
            let reason = get("reason").to_owned();
            cards_page(&state, &auth, p.as_str(), StatusCode::UNPROCESSABLE_ENTITY, None, errors, reason).await
        }
        Err(e) => app_error_page(&auth, e),
    }
}
