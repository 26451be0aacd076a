//! The citizen app under `/citizen`: mobile-first pages for e-ID holders, Vietnamese first with
//! an English switch. Plain forms work without JavaScript; the one script (`citizen.js`) only
//! drives WebAuthn ceremonies for passkeys.
//!
//! The session cookie `dd_eid` is HttpOnly, SameSite=Strict, scoped to `/citizen`, and Secure
//! behind TLS. Every form carries a CSRF token: the session's, or before sign-in a double-submit
//! cookie.

mod account;
mod auth;
mod org;
mod register;

use super::i18n::{Lang, Tr};
use super::{cookie, render};
use crate::AppState;
use crate::api::eid::client_ctx;
use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use dinhdanh_app::AppError;
use dinhdanh_app::eid::{ClientCtx, Holder, SessionStage};
use subtle::ConstantTimeEq;

pub(crate) const SESSION_COOKIE: &str = "dd_eid";
/// Double-submit token of the forms shown before sign-in.
const FORM_COOKIE: &str = "dd_eid_form";
/// A random id the browser keeps, so a known device is not asked for a second factor each time.
const DEVICE_COOKIE: &str = "dd_device";
const SCRIPT: &str = include_str!("../../../static/citizen.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/citizen", get(account::home))
        .route("/citizen/", get(account::home))
        .route("/citizen/login", get(auth::login_form).post(auth::login))
        .route("/citizen/second", get(auth::second_form).post(auth::second))
        .route("/citizen/second/sms", post(auth::second_send_sms))
        .route("/citizen/logout", post(auth::logout))
        .route("/citizen/activate", get(auth::activate_form).post(auth::activate))
        .route("/citizen/reset", get(auth::reset_form).post(auth::reset))
        .route("/citizen/webauthn/login/options", post(auth::passkey_login_options))
        .route("/citizen/webauthn/login", post(auth::passkey_login))
        .route("/citizen/webauthn/second/options", post(auth::passkey_second_options))
        .route("/citizen/webauthn/second", post(auth::passkey_second))
        .route("/citizen/webauthn/register/options", post(account::passkey_register_options))
        .route("/citizen/webauthn/register", post(account::passkey_register))
        .route("/citizen/profile", get(account::profile))
        .route("/citizen/history", get(account::history))
        .route("/citizen/security", get(account::security).post(account::security_action))
        .route("/citizen/dependants", get(account::dependants))
        .route("/citizen/dependants/{pin}", get(account::dependant))
        .route("/citizen/organisations", get(org::page).post(org::action))
        .route("/citizen/dev/sms", get(account::dev_outbox))
        .route("/citizen/register", get(register::form).post(register::submit))
        .route("/citizen/dev/card", get(register::dev_card))
        .route("/static/citizen.js", get(script))
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        SCRIPT,
    )
        .into_response()
}

/// A signed-in holder (at any stage: each handler checks the stage it needs).
pub(crate) struct Citizen {
    pub holder: Holder,
    pub ctx: ClientCtx,
    pub lang: Lang,
}

impl Citizen {
    pub fn tr(&self) -> Tr {
        Tr(self.lang)
    }

    pub fn full(&self) -> bool {
        self.holder.session.stage == SessionStage::Full
    }

    /// Checks the token a form sent back against the session's, in constant time.
    pub fn csrf_ok(&self, sent: &str) -> bool {
        bool::from(sent.as_bytes().ct_eq(self.holder.session.csrf_token.as_bytes()))
    }
}

pub(crate) fn device_id(parts: &Parts) -> Option<String> {
    cookie(&parts.headers, DEVICE_COOKIE).map(str::to_owned)
}

impl FromRequestParts<AppState> for Citizen {
    /// Without a live session the browser goes to the sign-in page.
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let ctx = client_ctx(parts, device_id(parts));
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(Redirect::to("/citizen/login").into_response());
        };
        match state.app.eid_holder(token).await {
            Ok(holder) => Ok(Citizen { holder, ctx, lang }),
            Err(AppError::Unauthenticated) => Err(Redirect::to("/citizen/login").into_response()),
            Err(e) => {
                tracing::error!(error = %e, "citizen page: session lookup failed");
                Err(super::error_page(Tr(lang), None, StatusCode::SERVICE_UNAVAILABLE))
            }
        }
    }
}

/// Where the request comes from, with the device cookie.
pub(crate) struct PageCtx(pub ClientCtx);

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageCtx(client_ctx(parts, device_id(parts))))
    }
}

fn secure(state: &AppState) -> &'static str {
    if state.secure_cookies { "; Secure" } else { "" }
}

/// Sets the session cookie (and a device id if the browser has none yet).
pub(crate) fn with_session(
    state: &AppState,
    mut res: Response,
    token: &str,
    max_age: i64,
    has_device: bool,
) -> Response {
    let s = secure(state);
    let mut cookies =
        vec![format!("{SESSION_COOKIE}={token}; Path=/citizen; Max-Age={max_age}; HttpOnly; SameSite=Strict{s}")];
    if !has_device {
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(state.app.rng.bytes32());
        cookies.push(format!("{DEVICE_COOKIE}={id}; Path=/citizen; Max-Age=31536000; HttpOnly; SameSite=Strict{s}"));
    }
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

pub(crate) fn clear_session(state: &AppState, mut res: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/citizen; Max-Age=0; HttpOnly; SameSite=Strict{}",
        secure(state)
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// A fresh double-submit token for a form shown before sign-in, and its cookie.
pub(crate) fn form_token(state: &AppState) -> (String, String) {
    let t = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(state.app.rng.bytes32());
    let c = format!("{FORM_COOKIE}={t}; Path=/citizen; Max-Age=3600; HttpOnly; SameSite=Strict{}", secure(state));
    (t, c)
}

pub(crate) fn form_token_ok(headers: &axum::http::HeaderMap, sent: &str) -> bool {
    let expected = cookie(headers, FORM_COOKIE).unwrap_or("");
    !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

/// Renders a pre-sign-in page and sets its form cookie.
pub(crate) fn render_with_form_cookie(status: StatusCode, t: &impl Template, cookie: &str) -> Response {
    let mut res = render(status, t);
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// What the header of a citizen page shows.
pub(crate) struct CitizenNav {
    pub pin: String,
    pub level: u8,
    pub csrf: String,
}

impl CitizenNav {
    pub fn of(c: &Citizen) -> Option<CitizenNav> {
        c.full().then(|| CitizenNav {
            pin: c.holder.account.pin.to_string(),
            level: c.holder.account.level.number(),
            csrf: c.holder.session.csrf_token.clone(),
        })
    }
}

#[derive(Template)]
#[template(path = "citizen/message.html")]
struct MessageTpl {
    tr: Tr,
    nav: Option<CitizenNav>,
    title: &'static str,
    message: &'static str,
}

/// A page with a title and one message (errors that no form can show).
pub(crate) fn message(tr: Tr, nav: Option<CitizenNav>, status: StatusCode, title: &str, text: &str) -> Response {
    render(status, &MessageTpl { tr, nav, title: tr.s(title), message: tr.s(text) })
}

/// The answer for an application error no form field can show.
pub(crate) fn app_error(c: &Citizen, e: AppError) -> Response {
    let tr = c.tr();
    match e {
        AppError::Unauthenticated => Redirect::to("/citizen/login").into_response(),
        AppError::Locked => message(tr, None, StatusCode::FORBIDDEN, "eid.locked.title", "eid.locked.text"),
        AppError::NotFound => {
            message(tr, CitizenNav::of(c), StatusCode::NOT_FOUND, "error.404.title", "error.404.text")
        }
        AppError::Forbidden => {
            message(tr, CitizenNav::of(c), StatusCode::FORBIDDEN, "error.403.title", "error.403.text")
        }
        AppError::TooManyRequests(_) => {
            message(tr, CitizenNav::of(c), StatusCode::TOO_MANY_REQUESTS, "error.429.title", "error.429.text")
        }
        AppError::Invalid(_) | AppError::Conflict(_) => {
            message(tr, CitizenNav::of(c), StatusCode::BAD_REQUEST, "error.400.title", "error.400.text")
        }
        AppError::Unavailable(m) => {
            tracing::warn!(error = %m, "citizen page: unavailable");
            message(tr, CitizenNav::of(c), StatusCode::SERVICE_UNAVAILABLE, "error.503.title", "error.503.text")
        }
        AppError::Internal(m) => {
            tracing::error!(error = %m, "citizen page: internal error");
            message(tr, CitizenNav::of(c), StatusCode::INTERNAL_SERVER_ERROR, "error.500.title", "error.500.text")
        }
    }
}
