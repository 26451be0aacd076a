//! Officer pages: server-rendered HTML with plain forms, Vietnamese first with an English switch.
//!
//! Every page is rendered from an askama template (escaping on by default). Person data never
//! reaches a page except through an audited use case of [`dinhdanh_app::App`]; the pages only
//! parse forms, call the use case and show the outcome.

mod adjudication;
mod birth;
mod cards;
mod citizen;
mod confirmation;
mod eid_accounts;
mod forms;
pub mod i18n;
mod person;
mod residence;
mod search;
mod session;
mod stays;
mod units;

use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dinhdanh_app::AppError;
use dinhdanh_app::auth::Permission;
use i18n::{Lang, Tr};

pub(crate) use session::Auth;

const LANG_COOKIE: &str = "dd_lang";
const STYLESHEET: &str = include_str!("../../static/app.css");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(search::page))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/persons/{pin}", get(person::page))
        .route("/persons/{pin}/{action}", post(person::event))
        .route("/births/new", get(birth::form).post(birth::submit))
        .route("/adjudication", get(adjudication::list))
        .route("/adjudication/{id}", get(adjudication::case).post(adjudication::decide))
        .route("/units", get(units::page))
        .route("/households/{id}", get(residence::household))
        .route("/residence/new", get(residence::file_form).post(residence::file))
        .route("/residence/dossiers", get(residence::worklist))
        .route("/residence/dossiers/{id}", get(residence::dossier).post(residence::step))
        .route("/residence-confirmations/{id}", get(confirmation::page))
        .route("/stays", get(stays::list).post(stays::submit))
        .route("/eid-accounts", get(eid_accounts::page).post(eid_accounts::action))
        .route("/eid-reviews", get(eid_accounts::reviews).post(eid_accounts::review_decide))
        .route("/card-applications", get(cards::list))
        .route("/card-applications/{id}", get(cards::detail).post(cards::step))
        .route("/persons/{pin}/cards", get(cards::person_cards).post(cards::person_cards_action))
        .route("/eid-reviews/{pin}/{kind}", get(eid_accounts::review_evidence))
        .merge(citizen::router())
        .route("/static/app.css", get(stylesheet))
        .fallback(not_found)
        .layer(from_fn(page_layer))
}

/// Picks the language (query `lang`, then the `dd_lang` cookie, then Vietnamese), remembers an
/// explicit choice in a cookie, and adds the headers every page carries.
async fn page_layer(mut req: Request, next: Next) -> Response {
    let chosen = req.uri().query().and_then(|q| query_param(q, "lang")).and_then(|l| Lang::parse(&l));
    let lang = chosen.or_else(|| cookie(req.headers(), LANG_COOKIE).and_then(Lang::parse)).unwrap_or_default();
    req.extensions_mut().insert(lang);
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if let Some(l) = chosen
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            l.code()
        ))
    {
        // A preference, not a credential: no Secure flag needed, and the layer has no state.
        h.append(header::SET_COOKIE, v);
    }
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // PINs are in page addresses; never hand them to another site.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages show personal data: no copy may stay in a browser or proxy cache.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], STYLESHEET)
        .into_response()
}

async fn not_found(lang: Lang, uri: axum::http::Uri) -> Response {
    // The REST API answers its own paths; keep its 404s bare rather than HTML.
    if uri.path().starts_with("/api/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    error_page(Tr(lang), None, StatusCode::NOT_FOUND)
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Lang>().copied().unwrap_or_default())
    }
}

/// What the header of a signed-in page shows.
pub(crate) struct Nav {
    pub username: String,
    pub jurisdiction: String,
    pub csrf: String,
    pub can_adjudicate: bool,
    pub can_register: bool,
    pub can_eid: bool,
    pub can_cards: bool,
    pub can_stays: bool,
}

impl Nav {
    pub fn of(auth: &Auth) -> Nav {
        Nav {
            username: auth.principal.name.clone(),
            jurisdiction: auth.principal.jurisdiction.display(),
            csrf: auth.csrf.clone(),
            can_adjudicate: auth.principal.has(Permission::Adjudicate),
            can_register: auth.principal.has(Permission::RegisterBirth),
            can_eid: auth.principal.has(Permission::ManageEid),
            can_cards: auth.principal.has(Permission::ReadDossier),
            can_stays: auth.principal.has(Permission::ReadStays),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTpl {
    tr: Tr,
    nav: Option<Nav>,
    status: u16,
    title: &'static str,
    message: &'static str,
}

/// A page for a status: 403, 404, 500, 503.
pub(crate) fn error_page(tr: Tr, nav: Option<Nav>, status: StatusCode) -> Response {
    let (title, message) = match status {
        StatusCode::FORBIDDEN => ("error.403.title", "error.403.text"),
        StatusCode::TOO_MANY_REQUESTS => ("error.429.title", "error.429.text"),
        StatusCode::NOT_FOUND => ("error.404.title", "error.404.text"),
        StatusCode::SERVICE_UNAVAILABLE => ("error.503.title", "error.503.text"),
        _ => ("error.500.title", "error.500.text"),
    };
    let t = ErrorTpl { tr, nav, status: status.as_u16(), title: tr.s(title), message: tr.s(message) };
    render(status, &t)
}

/// The response for an application error that no form can show next to a field.
pub(crate) fn app_error_page(auth: &Auth, e: AppError) -> Response {
    let status = match e {
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::Unauthenticated | AppError::Locked => return Redirect::to("/login").into_response(),
        AppError::Unavailable(ref m) => {
            tracing::warn!(error = %m, "page: service unavailable");
            StatusCode::SERVICE_UNAVAILABLE
        }
        AppError::Invalid(_) | AppError::Conflict(_) => StatusCode::BAD_REQUEST,
        AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Internal(ref m) => {
            tracing::error!(error = %m, "page: internal error");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    if status == StatusCode::BAD_REQUEST {
        // Only reached for errors outside any form field; say so plainly.
        let t = ErrorTpl {
            tr: auth.tr(),
            nav: Some(Nav::of(auth)),
            status: 400,
            title: auth.tr().s("error.400.title"),
            message: auth.tr().s("error.400.text"),
        };
        return render(status, &t);
    }
    error_page(auth.tr(), Some(Nav::of(auth)), status)
}

/// Renders a template as an HTML response; a template error becomes a bare 500.
pub(crate) fn render(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(body) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page: template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The value of a cookie sent by the browser.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// One decoded query parameter.
pub(crate) fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded_pairs(query).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default()
}

/// Percent-encodes a query value (names and PINs in paging links).
pub(crate) fn enc(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|x| x.trim_start_matches('=').to_owned()).unwrap_or_default()
}
