//! HTTP for dinhdanh: the REST API under `/api/v1` ([`api`]), the officer pages ([`pages`]) and
//! the health check. The only crate that knows HTTP; every decision is the application's.

pub mod api;
pub mod pages;
pub mod proxy;
pub mod render;
pub mod state;
pub mod webhooks;

use axum::Router;
use axum::routing::get;
pub use state::AppState;

/// Largest request body accepted anywhere (a birth registration is a few KiB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The whole HTTP surface of the service.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api::router())
        // The nest matches `/api/v1` and `/api/v1/…` but not the bare trailing slash.
        .route("/api/v1/", axum::routing::any(api::error::route_not_found))
        .merge(pages::router())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

/// A bug must not drop the connection: the caller gets the usual error body and a 500, and the
/// panic is logged (without the request, which may hold personal data).
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    tracing::error!("a request handler panicked");
    let body = serde_json::json!({
        "code": "internal",
        "message_vi": "Lỗi hệ thống. Vui lòng thử lại sau.",
        "message_en": "Internal error. Please try again later.",
        "fields": [],
    });
    (axum::http::StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}

/// Answers once the store is open and migrated (the router is only built after that).
async fn healthz() -> &'static str {
    "ok"
}
