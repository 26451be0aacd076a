//! The signed-in holder's pages: home, profile, login history, security settings (password,
//! passcode, authenticator app, passkeys, sessions, lock), dependants, and the development SMS
//! outbox.

use super::auth::{csrf_header, json_error};
use super::{Citizen, CitizenNav, app_error, clear_session, message};
use crate::AppState;
use crate::api::eid::{options_body, passkey_response_from};
use crate::pages::forms::FormErrors;
use crate::pages::i18n::Tr;
use crate::pages::{enc, query_param, render};
use askama::Template;
use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dinhdanh_api::eid::PasskeyResponse;
use dinhdanh_app::AppError;
use dinhdanh_app::eid::EidAccount;
use dinhdanh_domain::pin::PersonalNumber;
use serde::Deserialize;

fn when(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(dinhdanh_app::ports::VIETNAM_OFFSET);
    format!("{:02}/{:02}/{} {:02}:{:02}", t.day(), t.month() as u8, t.year(), t.hour(), t.minute())
}

/// Only a full session sees these pages; a half-finished sign-in goes back to its second step.
fn full_only(c: &Citizen) -> Option<Response> {
    (!c.full()).then(|| Redirect::to("/citizen/second").into_response())
}

/// The one-word outcome of the last action, shown as a notice (`?done=…`).
fn done(uri: &Uri) -> Option<String> {
    uri.query().and_then(|q| query_param(q, "done")).filter(|d| d.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
}

#[derive(Template)]
#[template(path = "citizen/home.html")]
struct HomeTpl {
    tr: Tr,
    nav: Option<CitizenNav>,
    pin: String,
    name: String,
    level: u8,
    state: &'static str,
    phone: String,
    totp: bool,
    passkeys: usize,
    methods: String,
}

pub(crate) async fn home(State(state): State<AppState>, c: Citizen) -> Response {
    if let Some(r) = full_only(&c) {
        return r;
    }
    let profile = match state.app.eid_profile(&c.holder).await {
        Ok(p) => p,
        Err(e) => return app_error(&c, e),
    };
    let passkeys = match state.app.eid_passkeys(&c.holder).await {
        Ok(p) => p.len(),
        Err(e) => return app_error(&c, e),
    };
    let a: &EidAccount = &c.holder.account;
    let t = HomeTpl {
        tr: c.tr(),
        nav: CitizenNav::of(&c),
        pin: a.pin.to_string(),
        name: profile.person.birth_name.to_string(),
        level: a.level.number(),
        state: c.tr().s(&format!("eid.state.{}", a.state.code())),
        phone: crate::api::eid::masked_phone(&a.phone),
        totp: a.totp_secret.is_some(),
        passkeys,
        methods: c.holder.session.methods.clone(),
    };
    render(StatusCode::OK, &t)
}

#[derive(Template)]
#[template(path = "citizen/profile.html")]
struct ProfileTpl {
    tr: Tr,
    nav: Option<CitizenNav>,
    title: String,
    on_behalf: bool,
    rows: Vec<(&'static str, String)>,
}

pub(crate) async fn profile(State(state): State<AppState>, c: Citizen) -> Response {
    if let Some(r) = full_only(&c) {
        return r;
    }
    match state.app.eid_profile(&c.holder).await {
        Ok(p) => {
            let t = ProfileTpl {
                tr: c.tr(),
                nav: CitizenNav::of(&c),
                title: p.person.birth_name.to_string(),
                on_behalf: false,
                rows: crate::pages::person::rows(c.tr(), &p.person),
            };
            render(StatusCode::OK, &t)
        }
        Err(e) => app_error(&c, e),
    }
}

struct HistoryVm {
    at: String,
    action: &'static str,
    by_officer: bool,
    detail: String,
}

#[derive(Template)]
#[template(path = "citizen/history.html")]
struct HistoryTpl {
    tr: Tr,
    nav: Option<CitizenNav>,
    items: Vec<HistoryVm>,
}

pub(crate) async fn history(State(state): State<AppState>, c: Citizen) -> Response {
    if let Some(r) = full_only(&c) {
        return r;
    }
    match state.app.eid_history(&c.holder, 200).await {
        Ok(h) => {
            let tr = c.tr();
            let items = h
                .into_iter()
                .map(|l| HistoryVm {
                    at: when(l.at),
                    action: tr.s(&format!("eid.audit.{}", l.action.code())),
                    by_officer: l.actor.kind == "officer",
                    detail: l.detail,
                })
                .collect();
            render(StatusCode::OK, &HistoryTpl { tr, nav: CitizenNav::of(&c), items })
        }
        Err(e) => app_error(&c, e),
    }
}

struct SessionVm {
    id: String,
    current: bool,
    methods: String,
    created: String,
    seen: String,
    ip: String,
    device: String,
}

struct PasskeyVm {
    id: String,
    name: String,
    algorithm: &'static str,
    created: String,
    used: String,
}

#[derive(Template)]
#[template(path = "citizen/security.html")]
struct SecurityTpl {
    tr: Tr,
    nav: Option<CitizenNav>,
    csrf: String,
    done: Option<&'static str>,
    errors: FormErrors,
    totp: bool,
    totp_pending: Option<(String, String, String)>,
    passkeys: Vec<PasskeyVm>,
    sessions: Vec<SessionVm>,
}

/// The otpauth URI as an SVG QR code (no script, no external image).
fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build(),
        Err(_) => String::new(),
    }
}

async fn security_page(
    state: &AppState,
    c: &Citizen,
    status: StatusCode,
    done: Option<String>,
    errors: FormErrors,
    totp_pending: Option<(String, String)>,
) -> Response {
    let a = match state.app.eid_fresh(&c.holder).await {
        Ok(a) => a,
        Err(e) => return app_error(c, e),
    };
    let passkeys = match state.app.eid_passkeys(&c.holder).await {
        Ok(p) => p,
        Err(e) => return app_error(c, e),
    };
    let sessions = match state.app.eid_sessions(&c.holder).await {
        Ok(s) => s,
        Err(e) => return app_error(c, e),
    };
    let t = SecurityTpl {
        tr: c.tr(),
        nav: CitizenNav::of(c),
        csrf: c.holder.session.csrf_token.clone(),
        done: done.and_then(|d| c.tr().opt(&format!("eid.done.{d}"))),
        errors,
        totp: a.totp_secret.is_some(),
        totp_pending: totp_pending.map(|(uri, secret)| (qr_svg(&uri), secret, uri)),
        passkeys: passkeys
            .into_iter()
            .map(|p| PasskeyVm {
                id: URL_SAFE_NO_PAD.encode(&p.credential_id),
                name: p.name,
                algorithm: if p.algorithm == dinhdanh_crypto::webauthn::COSE_ES256 { "ES256" } else { "EdDSA" },
                created: when(p.created_at),
                used: p.last_used_at.map(when).unwrap_or_default(),
            })
            .collect(),
        sessions: sessions
            .into_iter()
            .map(|s| SessionVm {
                id: s.id.to_string(),
                current: s.id == c.holder.session.id,
                methods: s.methods,
                created: when(s.created_at),
                seen: when(s.last_seen_at),
                ip: s.ip,
                device: s.device,
            })
            .collect(),
    };
    render(status, &t)
}

pub(crate) async fn security(State(state): State<AppState>, c: Citizen, uri: Uri) -> Response {
    if let Some(r) = full_only(&c) {
        return r;
    }
    security_page(&state, &c, StatusCode::OK, done(&uri), FormErrors::new(c.tr()), None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SecurityForm {
    csrf: String,
    action: String,
    current_password: String,
    new_password: String,
    current_passcode: String,
    new_passcode: String,
    passcode: String,
    code: String,
    reason: String,
    id: String,
}

/// Every form of the security page posts here, named by `action`.
pub(crate) async fn security_action(
    State(state): State<AppState>,
    c: Citizen,
    Form(f): Form<SecurityForm>,
) -> Response {
    if let Some(r) = full_only(&c) {
        return r;
    }
    if !c.csrf_ok(&f.csrf) {
        return message(c.tr(), CitizenNav::of(&c), StatusCode::FORBIDDEN, "error.403.title", "error.403.text");
    }
    let app = &state.app;
    let h = &c.holder;
    let outcome: Result<&'static str, AppError> = match f.action.as_str() {
        "password" => app.eid_change_password(h, &f.current_password, &f.new_password).await.map(|_| "password"),
        "passcode" => app.eid_change_passcode(h, &f.current_passcode, &f.new_passcode).await.map(|_| "passcode"),
        "totp_begin" => match app.eid_totp_begin(h).await {
            Ok(e) => {
                return security_page(
                    &state,
                    &c,
                    StatusCode::OK,
                    None,
                    FormErrors::new(c.tr()),
                    Some((e.otpauth_uri, e.secret_base32)),
                )
                .await;
            }
            Err(e) => Err(e),
        },
        "totp_confirm" => app.eid_totp_confirm(h, &f.code).await.map(|_| "totp"),
        "totp_remove" => app.eid_totp_remove(h, &f.passcode).await.map(|_| "totp_removed"),
        "passkey_remove" => match URL_SAFE_NO_PAD.decode(&f.id) {
            Ok(id) => app.eid_passkey_remove(h, &id, &f.passcode).await.map(|_| "passkey_removed"),
            Err(_) => Err(AppError::NotFound),
        },
        "session_revoke" => match uuid::Uuid::parse_str(&f.id) {
            Ok(id) => app.eid_revoke_sessions(h, Some(id)).await.map(|_| "session"),
            Err(_) => Err(AppError::NotFound),
        },
        "sessions_revoke" => app.eid_revoke_sessions(h, None).await.map(|_| "sessions"),
        "lock" => match app.eid_lock_self(h, &f.passcode, &f.reason).await {
            Ok(()) => {
                let res = message(c.tr(), None, StatusCode::OK, "eid.locked_self.title", "eid.locked_self.text");
                return clear_session(&state, res);
            }
            Err(e) => Err(e),
        },
        _ => Err(AppError::NotFound),
    };
    match outcome {
        Ok(done) => Redirect::to(&format!("/citizen/security?done={}", enc(done))).into_response(),
        Err(AppError::Invalid(inv)) => {
            let mut errors = FormErrors::new(c.tr());
            let form = f.action.clone();
            errors.invalid(&inv, |field| if field.is_empty() { form.clone() } else { format!("{form}-{field}") });
            security_page(&state, &c, StatusCode::UNPROCESSABLE_ENTITY, None, errors, None).await
        }
        Err(AppError::Locked) => {
            clear_session(&state, message(c.tr(), None, StatusCode::FORBIDDEN, "eid.locked.title", "eid.locked.text"))
        }
        Err(e) => app_error(&c, e),
    }
}

pub(crate) async fn passkey_register_options(
    State(state): State<AppState>,
    c: Citizen,
    headers: HeaderMap,
) -> Response {
    if !c.full() || !c.csrf_ok(csrf_header(&headers)) {
        return json_error(c.tr(), StatusCode::FORBIDDEN, "login.expired");
    }
    match state.app.eid_passkey_register_options(&c.holder).await {
        Ok(o) => Json(options_body(o)).into_response(),
        Err(e) => json_error(
            c.tr(),
            StatusCode::SERVICE_UNAVAILABLE,
            if matches!(e, AppError::Unauthenticated) { "login.expired" } else { "error.503.text" },
        ),
    }
}

pub(crate) async fn passkey_register(
    State(state): State<AppState>,
    c: Citizen,
    headers: HeaderMap,
    Json(r): Json<PasskeyResponse>,
) -> Response {
    if !c.full() || !c.csrf_ok(csrf_header(&headers)) {
        return json_error(c.tr(), StatusCode::FORBIDDEN, "login.expired");
    }
    let name = r.name.clone().unwrap_or_default();
    let Ok(resp) = passkey_response_from(&r, true) else {
        return json_error(c.tr(), StatusCode::UNPROCESSABLE_ENTITY, "eid.passkey.failed");
    };
    match state.app.eid_passkey_register(&c.holder, resp, &name).await {
        Ok(_) => Json(serde_json::json!({"next": "/citizen/security?done=passkey"})).into_response(),
        Err(AppError::Invalid(inv)) => {
            let msg = inv.0.first().map(|f| c.tr().rule(f.rule)).unwrap_or_default();
            (StatusCode::UNPROCESSABLE_ENTITY, Json(serde_json::json!({"message": msg}))).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "passkey registration failed");
            json_error(c.tr(), StatusCode::SERVICE_UNAVAILABLE, "error.503.text")
        }
    }
}

struct DependantVm {
    pin: String,
    name: String,
    dob: String,
    link: &'static str,
}

#[derive(Template)]
#[template(path = "citizen/dependants.html")]
struct DependantsTpl {
    tr: Tr,
    nav: Option<CitizenNav>,
    items: Vec<DependantVm>,
}

pub(crate) async fn dependants(State(state): State<AppState>, c: Citizen) -> Response {
    if let Some(r) = full_only(&c) {
        return r;
    }
    match state.app.eid_dependants(&c.holder).await {
        Ok(list) => {
            let tr = c.tr();
            let items = list
                .into_iter()
                .map(|d| DependantVm {
                    pin: d.pin.to_string(),
                    name: d.name,
                    dob: d.date_of_birth,
                    link: tr.s(&format!("eid.dep.{}", d.holder_is)),
                })
                .collect();
            render(StatusCode::OK, &DependantsTpl { tr, nav: CitizenNav::of(&c), items })
        }
        Err(e) => app_error(&c, e),
    }
}

pub(crate) async fn dependant(State(state): State<AppState>, c: Citizen, Path(pin): Path<String>) -> Response {
    if let Some(r) = full_only(&c) {
        return r;
    }
    let Ok(pin) = PersonalNumber::parse(&pin) else {
        return app_error(&c, AppError::NotFound);
    };
    match state.app.eid_dependant(&c.holder, &pin).await {
        Ok(p) => {
            let t = ProfileTpl {
                tr: c.tr(),
                nav: CitizenNav::of(&c),
                title: p.person.birth_name.to_string(),
                on_behalf: true,
                rows: crate::pages::person::rows(c.tr(), &p.person),
            };
            render(StatusCode::OK, &t)
        }
        Err(AppError::Invalid(_)) => app_error(&c, AppError::NotFound),
        Err(e) => app_error(&c, e),
    }
}

struct OutboxVm {
    at: String,
    phone: String,
    text: String,
}

#[derive(Template)]
#[template(path = "citizen/outbox.html")]
struct OutboxTpl {
    tr: Tr,
    nav: Option<CitizenNav>,
    items: Vec<OutboxVm>,
}

/// The development SMS outbox: only when the server runs with it (demo mode); 404 otherwise.
pub(crate) async fn dev_outbox(State(state): State<AppState>, lang: crate::pages::i18n::Lang) -> Response {
    let tr = Tr(lang);
    let Some(outbox) = &state.app.eid.outbox else {
        return message(tr, None, StatusCode::NOT_FOUND, "error.404.title", "error.404.text");
    };
    let items = outbox
        .messages()
        .into_iter()
        .take(50)
        .map(|m| OutboxVm { at: when(m.at), phone: m.phone, text: m.text })
        .collect();
    render(StatusCode::OK, &OutboxTpl { tr, nav: None, items })
}
