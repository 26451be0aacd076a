//! The API's one error format, and the mapping of every failure onto it: application errors,
//! extractor rejections, unknown routes, wrong methods and oversized bodies.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dinhdanh_api::{ErrorBody, ErrorKind, FieldErrorBody};
use dinhdanh_app::AppError;
use dinhdanh_domain::error::{Invalid, Rule};

/// An error answer: a kind (which fixes the status) and the field errors.
#[derive(Debug)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub fields: Vec<FieldErrorBody>,
    /// Seconds to wait, sent as `Retry-After` with 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(kind: ErrorKind) -> Self {
        ApiError { kind, fields: Vec::new(), retry_after: None }
    }

    pub fn field(kind: ErrorKind, f: FieldErrorBody) -> Self {
        ApiError { kind, fields: vec![f], retry_after: None }
    }

    pub fn invalid(field: &str, rule: Rule) -> Self {
        ApiError::from(Invalid::one(field, rule))
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody::new(self.kind).with_fields(self.fields.clone())
    }
}

impl From<Invalid> for ApiError {
    fn from(inv: Invalid) -> Self {
        ApiError {
            kind: ErrorKind::Invalid,
            fields: inv.0.iter().map(FieldErrorBody::from).collect(),
            retry_after: None,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => ApiError::new(ErrorKind::NotFound),
            AppError::Conflict(rule) => ApiError::field(ErrorKind::Conflict, FieldErrorBody::rule("", rule)),
            AppError::Forbidden => ApiError::new(ErrorKind::Forbidden),
            // A lock is not revealed to API callers: same answer as a wrong password.
            AppError::Unauthenticated | AppError::Locked => ApiError::new(ErrorKind::Unauthenticated),
            AppError::Invalid(inv) => inv.into(),
            AppError::TooManyRequests(secs) => {
                ApiError { retry_after: Some(secs), ..ApiError::new(ErrorKind::TooManyRequests) }
            }
            AppError::Unavailable(detail) => {
                tracing::warn!(%detail, "service unavailable");
                ApiError::new(ErrorKind::Unavailable)
            }
            AppError::Internal(detail) => {
                // The detail goes to the log only: it may name tables, queries or paths.
                tracing::error!(%detail, "internal error");
                ApiError::new(ErrorKind::Internal)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, Json(self.body())).into_response();
        if self.kind == ErrorKind::Unauthenticated {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Field errors the domain has no rule for: they describe the request's JSON, not the data.
pub mod fields {
    use dinhdanh_api::FieldErrorBody;

    fn custom(field: &str, code: &str, vi: String, en: String) -> FieldErrorBody {
        FieldErrorBody { field: field.to_owned(), code: code.to_owned(), message_vi: vi, message_en: en }
    }

    pub fn unknown_field(name: &str) -> FieldErrorBody {
        custom(name, "field.unknown", "Trường này không được hỗ trợ.".into(), "This field is not supported.".into())
    }

    pub fn json_syntax(line: usize, column: usize) -> FieldErrorBody {
        custom(
            "",
            "json.syntax",
            format!("Lỗi cú pháp JSON ở dòng {line}, cột {column}."),
            format!("JSON syntax error at line {line}, column {column}."),
        )
    }

    pub fn json_type(line: usize, column: usize) -> FieldErrorBody {
        custom(
            "",
            "json.type",
            format!("Giá trị có kiểu dữ liệu không đúng ở dòng {line}, cột {column}."),
            format!("A value has the wrong type at line {line}, column {column}."),
        )
    }

    pub fn catalogue(field: &str) -> FieldErrorBody {
        custom(
            field,
            "catalogue.invalid",
            "Danh mục phải là 2025 hoặc legacy.".into(),
            "The catalogue is 2025 or legacy.".into(),
        )
    }

    pub fn case_status(field: &str) -> FieldErrorBody {
        custom(
            field,
            "case_status.invalid",
            "Trạng thái phải là pending, created hoặc duplicate.".into(),
            "The status is pending, created or duplicate.".into(),
        )
    }
}

/// A JSON body that did not deserialize: broken syntax is 400, a wrong shape 422.
pub fn from_json_error(e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof => {
            ApiError::field(ErrorKind::MalformedJson, fields::json_syntax(e.line(), e.column()))
        }
        Category::Io => ApiError::new(ErrorKind::BadRequest),
        Category::Data => {
            // serde names the field only in these two messages; other shape errors carry a position.
            let msg = e.to_string();
            let quoted =
                |prefix: &str| msg.strip_prefix(prefix).and_then(|rest| rest.split('`').next()).map(str::to_owned);
            let f = if let Some(name) = quoted("unknown field `") {
                fields::unknown_field(&name)
            } else if let Some(name) = quoted("missing field `") {
                FieldErrorBody::rule(name, Rule::Required)
            } else {
                fields::json_type(e.line(), e.column())
            };
            ApiError::field(ErrorKind::JsonShape, f)
        }
    }
}

/// Fallback for paths under `/api/v1` that match no route.
pub async fn route_not_found() -> ApiError {
    ApiError::new(ErrorKind::RouteNotFound)
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorKind::MethodNotAllowed)
}

/// Rewrites any error answer that is not ours (from a layer or from axum itself, such as a 405
/// with its `Allow` header or a 413 from a body limit) into the error format, keeping the status
/// and headers.
pub async fn ensure_error_format(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let kind = match status {
        StatusCode::UNAUTHORIZED => ErrorKind::Unauthenticated,
        StatusCode::FORBIDDEN => ErrorKind::Forbidden,
        StatusCode::NOT_FOUND => ErrorKind::RouteNotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorKind::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorKind::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorKind::UnsupportedMediaType,
        StatusCode::TOO_MANY_REQUESTS => ErrorKind::TooManyRequests,
        StatusCode::SERVICE_UNAVAILABLE => ErrorKind::Unavailable,
        s if s.is_server_error() => ErrorKind::Internal,
        _ => ErrorKind::BadRequest,
    };
    let (mut parts, _) = resp.into_parts();
    let fresh = ApiError::new(kind).into_response();
    let (fresh_parts, body) = fresh.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (k, v) in fresh_parts.headers.iter() {
        parts.headers.insert(k.clone(), v.clone());
    }
    // The body changes, so the original status stays but the JSON body replaces whatever was there.
    Response::from_parts(parts, body)
}
