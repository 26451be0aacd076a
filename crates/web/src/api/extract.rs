//! Extractors whose failures answer in the API's error format.

use super::error::{ApiError, from_json_error};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header;
use axum::http::request::Parts;
use dinhdanh_api::ErrorKind;
use dinhdanh_app::auth::Principal;
use serde::de::DeserializeOwned;

/// Prefix of API client tokens.
pub const CLIENT_TOKEN_PREFIX: &str = "ddk_";
/// Prefix of officer session tokens.
pub const SESSION_TOKEN_PREFIX: &str = "dds_";

/// The authenticated caller: an API client (`ddk_…`) or an officer session (`dds_…`) from
/// `Authorization: Bearer`. Anything else is 401; what the caller may do is the application's call.
pub struct Caller {
    pub principal: Principal,
    /// The session token, for officers (logout needs it).
    pub session: Option<String>,
}

fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| ApiError::new(ErrorKind::Unauthenticated))?;
        if token.starts_with(CLIENT_TOKEN_PREFIX) {
            let principal = state.app.client_principal(token).await?;
            Ok(Caller { principal, session: None })
        } else if token.starts_with(SESSION_TOKEN_PREFIX) {
            let (principal, _) = state.app.session_principal(token).await?;
            Ok(Caller { principal, session: Some(token.to_owned()) })
        } else {
            Err(ApiError::new(ErrorKind::Unauthenticated))
        }
    }
}

/// A JSON request body: `application/json` (or `+json`) only, within the body limit.
pub struct JsonBody<T>(pub T);

fn is_json(req: &Request) -> bool {
    let Some(ct) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(ApiError::new(ErrorKind::UnsupportedMediaType));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ErrorKind::PayloadTooLarge)
            } else {
                ApiError::new(ErrorKind::BadRequest)
            }
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| from_json_error(&e))
    }
}

/// Query parameters; the query types take text and validate it themselves, so a rejection here
/// means an undecodable query string.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|_| ApiError::new(ErrorKind::BadRequest))
    }
}

/// Path parameters as text (each handler validates them with a field error).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(p)| ApiPath(p))
            .map_err(|_| ApiError::new(ErrorKind::BadRequest))
    }
}
