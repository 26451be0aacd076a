//! Signing in (password, second factor, passkey), activation and password reset by SMS code.

use super::{
    Citizen, PageCtx, app_error, clear_session, form_token, form_token_ok, message, render_with_form_cookie,
    with_session,
};
use crate::AppState;
use crate::api::eid::{options_body, passkey_response_from};
use crate::pages::forms::FormErrors;
use crate::pages::i18n::{Lang, Tr};
use askama::Template;
use axum::Json;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use dinhdanh_api::eid::PasskeyResponse;
use dinhdanh_app::AppError;
use dinhdanh_app::eid::{CodeIssue, IssuedEidSession, LoginStep, Method, SessionStage};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "citizen/login.html")]
struct LoginTpl {
    tr: Tr,
    nav: Option<super::CitizenNav>,
    csrf: String,
    pin: String,
    error: Option<&'static str>,
    locked: bool,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct LoginForm {
    csrf: String,
    pin: String,
    password: String,
}

fn login_page(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    pin: String,
    error: Option<&'static str>,
    errors: FormErrors,
) -> Response {
    let (token, cookie) = form_token(state);
    let locked = error == Some("eid.login.locked");
    let t = LoginTpl { tr: Tr(lang), nav: None, csrf: token, pin, error, locked, errors };
    render_with_form_cookie(status, &t, &cookie)
}

pub(crate) async fn login_form(State(state): State<AppState>, lang: Lang) -> Response {
    login_page(&state, lang, StatusCode::OK, String::new(), None, FormErrors::new(Tr(lang)))
}

/// After a successful step: the session cookie, and on to the next page.
fn signed_in(state: &AppState, issued: &IssuedEidSession, to: &str, has_device: bool) -> Response {
    let max_age = (issued.session.expires_at - state.app.clock.now()).whole_seconds().max(0);
    with_session(state, Redirect::to(to).into_response(), &issued.token, max_age, has_device)
}

pub(crate) async fn login(
    State(state): State<AppState>,
    lang: Lang,
    PageCtx(ctx): PageCtx,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let tr = Tr(lang);
    if !form_token_ok(&headers, &f.csrf) {
        return login_page(&state, lang, StatusCode::FORBIDDEN, f.pin, Some("login.expired"), FormErrors::new(tr));
    }
    let has_device = ctx.device_id.is_some();
    match state.app.eid_login(&f.pin, &f.password, &ctx).await {
        Ok(LoginStep::Done(issued)) => signed_in(&state, &issued, "/citizen/", has_device),
        Ok(LoginStep::SecondFactor(issued, _)) => signed_in(&state, &issued, "/citizen/second", has_device),
        Err(AppError::Unauthenticated) => {
            login_page(&state, lang, StatusCode::UNAUTHORIZED, f.pin, Some("eid.login.failed"), FormErrors::new(tr))
        }
        Err(AppError::Locked) => {
            login_page(&state, lang, StatusCode::FORBIDDEN, f.pin, Some("eid.login.locked"), FormErrors::new(tr))
        }
        Err(AppError::TooManyRequests(_)) => {
            login_page(&state, lang, StatusCode::TOO_MANY_REQUESTS, f.pin, Some("eid.login.wait"), FormErrors::new(tr))
        }
        Err(AppError::Invalid(inv)) => {
            let mut errors = FormErrors::new(tr);
            errors.invalid(&inv, str::to_owned);
            login_page(&state, lang, StatusCode::UNPROCESSABLE_ENTITY, f.pin, None, errors)
        }
        Err(e) => {
            tracing::error!(error = %e, "citizen login failed");
            message(tr, None, StatusCode::SERVICE_UNAVAILABLE, "error.503.title", "error.503.text")
        }
    }
}

#[derive(Template)]
#[template(path = "citizen/second.html")]
struct SecondTpl {
    tr: Tr,
    nav: Option<super::CitizenNav>,
    csrf: String,
    sms: bool,
    totp: bool,
    passkey: bool,
    phone: String,
    notice: Option<&'static str>,
    errors: FormErrors,
}

async fn second_page(
    state: &AppState,
    c: &Citizen,
    status: StatusCode,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> Response {
    let passkeys = state.app.store.eid_passkeys_of(c.holder.account.id).await.map(|v| !v.is_empty()).unwrap_or(false);
    let t = SecondTpl {
        tr: c.tr(),
        nav: None,
        csrf: c.holder.session.csrf_token.clone(),
        sms: true,
        totp: c.holder.account.totp_secret.is_some(),
        passkey: passkeys,
        phone: crate::api::eid::masked_phone(&c.holder.account.phone),
        notice,
        errors,
    };
    crate::pages::render(status, &t)
}

pub(crate) async fn second_form(State(state): State<AppState>, c: Citizen) -> Response {
    if c.holder.session.stage != SessionStage::SecondFactor {
        return Redirect::to("/citizen/").into_response();
    }
    second_page(&state, &c, StatusCode::OK, None, FormErrors::new(c.tr())).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CsrfOnly {
    csrf: String,
}

pub(crate) async fn second_send_sms(State(state): State<AppState>, c: Citizen, Form(f): Form<CsrfOnly>) -> Response {
    if !c.csrf_ok(&f.csrf) {
        return message(c.tr(), None, StatusCode::FORBIDDEN, "error.403.title", "error.403.text");
    }
    match state.app.eid_send_login_code(&c.holder, &c.ctx).await {
        Ok(issue) => {
            let notice = match issue {
                CodeIssue::Sent => "eid.second.sent",
                CodeIssue::StillValid => "eid.second.still_valid",
            };
            second_page(&state, &c, StatusCode::OK, Some(notice), FormErrors::new(c.tr())).await
        }
        Err(AppError::Invalid(inv)) => {
            let mut errors = FormErrors::new(c.tr());
            errors.invalid(&inv, |_| "code".to_owned());
            second_page(&state, &c, StatusCode::UNPROCESSABLE_ENTITY, None, errors).await
        }
        Err(e) => app_error(&c, e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SecondForm {
    csrf: String,
    method: String,
    code: String,
}

pub(crate) async fn second(State(state): State<AppState>, c: Citizen, Form(f): Form<SecondForm>) -> Response {
    if !c.csrf_ok(&f.csrf) {
        return message(c.tr(), None, StatusCode::FORBIDDEN, "error.403.title", "error.403.text");
    }
    let r = match Method::parse(&f.method) {
        Some(Method::Totp) => state.app.eid_second_factor_totp(&c.holder, &f.code, &c.ctx).await,
        _ => state.app.eid_second_factor_sms(&c.holder, &f.code, &c.ctx).await,
    };
    match r {
        Ok(issued) => signed_in(&state, &issued, "/citizen/", c.ctx.device_id.is_some()),
        Err(AppError::Invalid(inv)) => {
            let mut errors = FormErrors::new(c.tr());
            errors.invalid(&inv, |_| "code".to_owned());
            second_page(&state, &c, StatusCode::UNPROCESSABLE_ENTITY, None, errors).await
        }
        Err(AppError::Locked) => {
            clear_session(&state, message(c.tr(), None, StatusCode::FORBIDDEN, "eid.locked.title", "eid.locked.text"))
        }
        Err(e) => app_error(&c, e),
    }
}

pub(crate) async fn logout(State(state): State<AppState>, c: Citizen, Form(f): Form<CsrfOnly>) -> Response {
    if !c.csrf_ok(&f.csrf) {
        return message(c.tr(), None, StatusCode::FORBIDDEN, "error.403.title", "error.403.text");
    }
    if let Err(e) = state.app.eid_logout(&c.holder).await {
        tracing::error!(error = %e, "citizen logout failed");
    }
    clear_session(&state, Redirect::to("/citizen/login").into_response())
}

#[derive(Template)]
#[template(path = "citizen/code_flow.html")]
struct CodeFlowTpl {
    tr: Tr,
    nav: Option<super::CitizenNav>,
    csrf: String,
    /// `activate` or `reset`.
    mode: &'static str,
    step: u8,
    pin: String,
    phone: String,
    notice: Option<&'static str>,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CodeFlowForm {
    csrf: String,
    step: String,
    pin: String,
    phone: String,
    code: String,
    password: String,
    passcode: String,
}

#[allow(clippy::too_many_arguments)]
fn code_flow_page(
    state: &AppState,
    lang: Lang,
    mode: &'static str,
    status: StatusCode,
    step: u8,
    f: &CodeFlowForm,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> Response {
    let (token, cookie) = form_token(state);
    let t = CodeFlowTpl {
        tr: Tr(lang),
        nav: None,
        csrf: token,
        mode,
        step,
        pin: f.pin.trim().to_owned(),
        phone: f.phone.trim().to_owned(),
        notice,
        errors,
    };
    render_with_form_cookie(status, &t, &cookie)
}

pub(crate) async fn activate_form(State(state): State<AppState>, lang: Lang) -> Response {
    code_flow_page(
        &state,
        lang,
        "activate",
        StatusCode::OK,
        1,
        &CodeFlowForm::default(),
        None,
        FormErrors::new(Tr(lang)),
    )
}

pub(crate) async fn reset_form(State(state): State<AppState>, lang: Lang) -> Response {
    code_flow_page(&state, lang, "reset", StatusCode::OK, 1, &CodeFlowForm::default(), None, FormErrors::new(Tr(lang)))
}

async fn code_flow(
    state: AppState,
    lang: Lang,
    mode: &'static str,
    ip: &str,
    headers: &HeaderMap,
    f: CodeFlowForm,
) -> Response {
    let tr = Tr(lang);
    let step = if f.step == "2" { 2 } else { 1 };
    if !form_token_ok(headers, &f.csrf) {
        let mut errors = FormErrors::new(tr);
        errors.text("", "login.expired");
        return code_flow_page(&state, lang, mode, StatusCode::FORBIDDEN, step, &f, None, errors);
    }
    let outcome = match (mode, step) {
        ("activate", 1) => state.app.eid_activation_start(&f.pin, &f.phone, ip).await,
        ("activate", _) => state.app.eid_activate(&f.pin, &f.code, &f.password, &f.passcode, ip).await,
        (_, 1) => state.app.eid_reset_start(&f.pin, &f.phone, ip).await,
        _ => state.app.eid_reset(&f.pin, &f.code, &f.password, ip).await,
    };
    match outcome {
        Ok(()) if step == 1 => {
            code_flow_page(&state, lang, mode, StatusCode::OK, 2, &f, Some("eid.code.sent_if"), FormErrors::new(tr))
        }
        Ok(()) => {
            let (title, text) = if mode == "activate" {
                ("eid.activated.title", "eid.activated.text")
            } else {
                ("eid.reset.done.title", "eid.reset.done.text")
            };
            message(tr, None, StatusCode::OK, title, text)
        }
        Err(AppError::Invalid(inv)) => {
            let mut errors = FormErrors::new(tr);
            errors.invalid(&inv, str::to_owned);
            code_flow_page(&state, lang, mode, StatusCode::UNPROCESSABLE_ENTITY, step, &f, None, errors)
        }
        Err(AppError::TooManyRequests(_)) => {
            let mut errors = FormErrors::new(tr);
            errors.text("", "eid.login.wait");
            code_flow_page(&state, lang, mode, StatusCode::TOO_MANY_REQUESTS, step, &f, None, errors)
        }
        Err(e) => {
            tracing::error!(error = %e, "citizen {mode} failed");
            message(tr, None, StatusCode::SERVICE_UNAVAILABLE, "error.503.title", "error.503.text")
        }
    }
}

pub(crate) async fn activate(
    State(state): State<AppState>,
    lang: Lang,
    PageCtx(ctx): PageCtx,
    headers: HeaderMap,
    Form(f): Form<CodeFlowForm>,
) -> Response {
    code_flow(state, lang, "activate", &ctx.ip, &headers, f).await
}

pub(crate) async fn reset(
    State(state): State<AppState>,
    lang: Lang,
    PageCtx(ctx): PageCtx,
    headers: HeaderMap,
    Form(f): Form<CodeFlowForm>,
) -> Response {
    code_flow(state, lang, "reset", &ctx.ip, &headers, f).await
}

/// A JSON error for the script: the status and the message in the page's language.
pub(crate) fn json_error(tr: Tr, status: StatusCode, key: &str) -> Response {
    (status, Json(serde_json::json!({"message": tr.s(key)}))).into_response()
}

fn json_app_error(tr: Tr, e: AppError) -> Response {
    match e {
        AppError::Locked => json_error(tr, StatusCode::FORBIDDEN, "eid.login.locked"),
        AppError::TooManyRequests(_) => json_error(tr, StatusCode::TOO_MANY_REQUESTS, "eid.login.wait"),
        AppError::Invalid(inv) => {
            let msg = inv.0.first().map(|f| tr.rule(f.rule)).unwrap_or_else(|| tr.s("error.400.text"));
            (StatusCode::UNPROCESSABLE_ENTITY, Json(serde_json::json!({"message": msg}))).into_response()
        }
        AppError::Unauthenticated => json_error(tr, StatusCode::UNAUTHORIZED, "eid.passkey.failed"),
        other => {
            tracing::error!(error = %other, "citizen passkey step failed");
            json_error(tr, StatusCode::SERVICE_UNAVAILABLE, "error.503.text")
        }
    }
}

/// The form cookie doubles as the CSRF token of the script's requests before sign-in.
pub(crate) fn csrf_header(headers: &HeaderMap) -> &str {
    headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("")
}

pub(crate) async fn passkey_login_options(
    State(state): State<AppState>,
    lang: Lang,
    PageCtx(ctx): PageCtx,
    headers: HeaderMap,
) -> Response {
    if !form_token_ok(&headers, csrf_header(&headers)) {
        return json_error(Tr(lang), StatusCode::FORBIDDEN, "login.expired");
    }
    match state.app.eid_passkey_login_options(&ctx.ip).await {
        Ok(o) => Json(options_body(o)).into_response(),
        Err(e) => json_app_error(Tr(lang), e),
    }
}

pub(crate) async fn passkey_login(
    State(state): State<AppState>,
    lang: Lang,
    PageCtx(ctx): PageCtx,
    headers: HeaderMap,
    Json(r): Json<PasskeyResponse>,
) -> Response {
    if !form_token_ok(&headers, csrf_header(&headers)) {
        return json_error(Tr(lang), StatusCode::FORBIDDEN, "login.expired");
    }
    let Ok(r) = passkey_response_from(&r, false) else {
        return json_error(Tr(lang), StatusCode::UNPROCESSABLE_ENTITY, "eid.passkey.failed");
    };
    match state.app.eid_passkey_login(r, &ctx).await {
        Ok(issued) => {
            let max_age = (issued.session.expires_at - state.app.clock.now()).whole_seconds().max(0);
            let res = Json(serde_json::json!({"next": "/citizen/"})).into_response();
            with_session(&state, res, &issued.token, max_age, ctx.device_id.is_some())
        }
        Err(e) => json_app_error(Tr(lang), e),
    }
}

pub(crate) async fn passkey_second_options(State(state): State<AppState>, c: Citizen, headers: HeaderMap) -> Response {
    if !c.csrf_ok(csrf_header(&headers)) {
        return json_error(c.tr(), StatusCode::FORBIDDEN, "login.expired");
    }
    match state.app.eid_passkey_second_factor_options(&c.holder).await {
        Ok(o) => Json(options_body(o)).into_response(),
        Err(e) => json_app_error(c.tr(), e),
    }
}

pub(crate) async fn passkey_second(
    State(state): State<AppState>,
    c: Citizen,
    headers: HeaderMap,
    Json(r): Json<PasskeyResponse>,
) -> Response {
    if !c.csrf_ok(csrf_header(&headers)) {
        return json_error(c.tr(), StatusCode::FORBIDDEN, "login.expired");
    }
    let Ok(r) = passkey_response_from(&r, false) else {
        return json_error(c.tr(), StatusCode::UNPROCESSABLE_ENTITY, "eid.passkey.failed");
    };
    match state.app.eid_second_factor_passkey(&c.holder, r, &c.ctx).await {
        Ok(issued) => {
            let max_age = (issued.session.expires_at - state.app.clock.now()).whole_seconds().max(0);
            let res = Json(serde_json::json!({"next": "/citizen/"})).into_response();
            with_session(&state, res, &issued.token, max_age, c.ctx.device_id.is_some())
        }
        Err(e) => json_app_error(c.tr(), e),
    }
}
