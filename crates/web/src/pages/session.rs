//! Signing in and out, the session cookie, and the CSRF check of every form.

use super::i18n::{Lang, Tr};
use super::{cookie, error_page, render};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use dinhdanh_app::AppError;
use dinhdanh_app::auth::Principal;
use serde::Deserialize;
use subtle::ConstantTimeEq;

pub(crate) const SESSION_COOKIE: &str = "dd_session";
/// Double-submit token of the login form, which has no session to hold a CSRF token yet.
const LOGIN_COOKIE: &str = "dd_login";

/// A signed-in officer: the principal every use case is called with, and the session's CSRF token.
pub(crate) struct Auth {
    pub principal: Principal,
    pub csrf: String,
    pub token: String,
    pub lang: Lang,
}

impl Auth {
    pub fn tr(&self) -> Tr {
        Tr(self.lang)
    }

    /// Checks the token a form sent back against the session's, in constant time.
    pub fn csrf_ok(&self, sent: Option<&str>) -> bool {
        sent.is_some_and(|s| s.as_bytes().ct_eq(self.csrf.as_bytes()).into())
    }

    /// The page shown when a form came back without the session's token: nothing was done.
    pub fn csrf_refused(&self) -> Response {
        error_page(self.tr(), Some(super::Nav::of(self)), StatusCode::FORBIDDEN)
    }
}

impl FromRequestParts<AppState> for Auth {
    /// Unauthenticated requests go to the login page (back here afterwards, for a GET).
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let to_login = || {
            let target = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            if parts.method == axum::http::Method::GET && target != "/" {
                Redirect::to(&format!("/login?next={}", super::enc(target))).into_response()
            } else {
                Redirect::to("/login").into_response()
            }
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        match state.app.session_principal(token).await {
            Ok((principal, session)) => Ok(Auth { principal, csrf: session.csrf_token, token: token.to_owned(), lang }),
            Err(AppError::Unauthenticated) => Err(to_login()),
            Err(e) => {
                tracing::error!(error = %e, "page: session lookup failed");
                Err(error_page(Tr(lang), None, StatusCode::SERVICE_UNAVAILABLE))
            }
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTpl {
    tr: Tr,
    nav: Option<super::Nav>,
    csrf: String,
    username: String,
    next: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub(crate) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only a path on this site may follow a login, never another origin.
fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.contains("://");
    if ok { next } else { "/" }
}

fn login_page(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    username: String,
    next: &str,
    error: Option<&'static str>,
) -> Response {
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(state.app.rng.bytes32());
    let t =
        LoginTpl { tr: Tr(lang), nav: None, csrf: token.clone(), username, next: safe_next(next).to_owned(), error };
    let mut res = render(status, &t);
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={token}; Path=/login; Max-Age=3600; HttpOnly; SameSite=Strict{secure}"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub(crate) async fn login_form(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let next = q.iter().find(|(k, _)| k == "next").map(|(_, v)| v.as_str()).unwrap_or("/");
    login_page(&state, lang, StatusCode::OK, String::new(), next, None)
}

pub(crate) async fn login(
    State(state): State<AppState>,
    lang: Lang,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !bool::from(f.csrf.as_bytes().ct_eq(expected.as_bytes())) {
        return login_page(&state, lang, StatusCode::FORBIDDEN, f.username, &f.next, Some("login.expired"));
    }
    let username = f.username.trim().to_owned();
    match state.app.login(&username, &f.password).await {
        Ok(issued) => {
            let secure = if state.secure_cookies { "; Secure" } else { "" };
            let max_age = (issued.session.expires_at - state.app.clock.now()).whole_seconds().max(0);
            let mut res = Redirect::to(safe_next(&f.next)).into_response();
            let cookies = [
                format!(
                    "{SESSION_COOKIE}={}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}",
                    issued.token
                ),
                format!("{LOGIN_COOKIE}=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict{secure}"),
            ];
            for c in cookies {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    res.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            res
        }
        // Staff are told about a lock so they know waiting (not retyping) is the remedy.
        Err(AppError::Locked) => {
            login_page(&state, lang, StatusCode::UNAUTHORIZED, username, &f.next, Some("login.locked"))
        }
        Err(AppError::Unauthenticated) => {
            login_page(&state, lang, StatusCode::UNAUTHORIZED, username, &f.next, Some("login.failed"))
        }
        Err(e) => {
            tracing::error!(error = %e, "page: login failed");
            error_page(Tr(lang), None, StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let sent = f.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
    if !auth.csrf_ok(sent) {
        return auth.csrf_refused();
    }
    if let Err(e) = state.app.logout(&auth.token).await {
        tracing::error!(error = %e, "page: logout failed");
    }
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) =
        HeaderValue::from_str(&format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}"))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The `csrf` field of a decoded form.
pub(crate) fn form_csrf(f: &[(String, String)]) -> Option<&str> {
    f.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str())
}
