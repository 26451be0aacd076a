//! The one error body of the API: a stable code, a message in Vietnamese and English, and the
//! broken rule of every field.

use dinhdanh_domain::error::{FieldError, Invalid, Rule};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every error answer of the API, whatever the status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "code": "invalid",
    "message_vi": "Dữ liệu không hợp lệ.",
    "message_en": "The input is not valid.",
    "fields": [{"field": "birth_name", "code": "name.not_nfc",
        "message_vi": "Tên phải ở dạng Unicode NFC (dạng dựng sẵn).",
        "message_en": "The name must be in Unicode NFC (precomposed) form."}]
}))]
pub struct ErrorBody {
    /// Stable machine code (`invalid`, `not_found`, `forbidden`, …).
    pub code: String,
    pub message_vi: String,
    pub message_en: String,
    /// The broken rule of each field; empty when the error is not about a field.
    pub fields: Vec<FieldErrorBody>,
}

/// One broken rule on one input field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldErrorBody {
    /// Dotted path in wire names (`birth_name`, `father.pin`, `permanent_residence.unit`);
    /// empty when the rule concerns the request as a whole.
    pub field: String,
    /// Stable rule code (`pin.format`, `name.not_nfc`, …).
    pub code: String,
    pub message_vi: String,
    pub message_en: String,
}

impl FieldErrorBody {
    pub fn rule(field: impl Into<String>, rule: Rule) -> Self {
        FieldErrorBody {
            field: field.into(),
            code: rule.code().to_owned(),
            message_vi: rule.message_vi().to_owned(),
            message_en: rule.message_en().to_owned(),
        }
    }
}

impl From<&FieldError> for FieldErrorBody {
    fn from(e: &FieldError) -> Self {
        FieldErrorBody::rule(e.field.clone(), e.rule)
    }
}

macro_rules! kinds {
    ($( $variant:ident => $status:literal, $code:literal, $vi:literal, $en:literal; )*) => {
        /// What went wrong, as far as the caller is concerned; each kind has one HTTP status.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorKind { $( $variant, )* }

        impl ErrorKind {
            pub const ALL: &'static [ErrorKind] = &[ $( ErrorKind::$variant, )* ];
            pub fn status(self) -> u16 { match self { $( ErrorKind::$variant => $status, )* } }
            pub fn code(self) -> &'static str { match self { $( ErrorKind::$variant => $code, )* } }
            pub fn message_vi(self) -> &'static str { match self { $( ErrorKind::$variant => $vi, )* } }
            pub fn message_en(self) -> &'static str { match self { $( ErrorKind::$variant => $en, )* } }
        }
    };
}

kinds! {
    Invalid => 422, "invalid", "Dữ liệu không hợp lệ.", "The input is not valid.";
    MalformedJson => 400, "request.malformed_json", "Nội dung yêu cầu không phải JSON hợp lệ.", "The request body is not valid JSON.";
    JsonShape => 422, "request.json_shape", "Nội dung JSON không đúng cấu trúc yêu cầu.", "The JSON body does not have the expected shape.";
    BadRequest => 400, "request.bad", "Yêu cầu không hợp lệ.", "The request is malformed.";
    UnsupportedMediaType => 415, "request.content_type", "Nội dung yêu cầu phải có kiểu application/json.", "The request body must be sent as application/json.";
    PayloadTooLarge => 413, "request.too_large", "Nội dung yêu cầu quá lớn.", "The request body is too large.";
    Unauthenticated => 401, "unauthenticated", "Cần đăng nhập hoặc mã truy cập hợp lệ.", "A valid session or access token is required.";
    Forbidden => 403, "forbidden", "Không có quyền thực hiện thao tác này.", "You are not allowed to do this.";
    NotFound => 404, "not_found", "Không tìm thấy.", "Not found.";
    RouteNotFound => 404, "route.not_found", "Không có địa chỉ API này.", "There is no such API route.";
    MethodNotAllowed => 405, "method.not_allowed", "Địa chỉ này không hỗ trợ phương thức HTTP đã dùng.", "This route does not support the HTTP method used.";
    Conflict => 409, "conflict", "Yêu cầu xung đột với trạng thái hiện tại của dữ liệu.", "The request conflicts with the current state of the data.";
    Unavailable => 503, "unavailable", "Dịch vụ tạm thời không sẵn sàng; hãy thử lại sau.", "The service is temporarily unavailable; try again later.";
    TooManyRequests => 429, "too_many_requests", "Quá nhiều lần thử trong thời gian ngắn; hãy thử lại sau.", "Too many attempts in a short time; try again later.";
    AccountLocked => 423, "account_locked", "Tài khoản đang bị khóa. Hãy đặt lại mật khẩu bằng mã SMS hoặc liên hệ cơ quan công an.", "The account is locked. Reset the password with an SMS code or contact the police.";
    Internal => 500, "internal", "Lỗi nội bộ; sự cố đã được ghi lại.", "Internal error; the incident has been logged.";
}

impl ErrorBody {
    pub fn new(kind: ErrorKind) -> Self {
        ErrorBody {
            code: kind.code().to_owned(),
            message_vi: kind.message_vi().to_owned(),
            message_en: kind.message_en().to_owned(),
            fields: Vec::new(),
        }
    }

    pub fn with_fields(mut self, fields: Vec<FieldErrorBody>) -> Self {
        self.fields = fields;
        self
    }

    pub fn invalid(inv: &Invalid) -> Self {
        ErrorBody::new(ErrorKind::Invalid).with_fields(inv.0.iter().map(FieldErrorBody::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn kinds_have_unique_codes_and_two_languages() {
        let mut seen = HashSet::new();
        for k in ErrorKind::ALL {
            assert!(seen.insert(k.code()), "duplicate {}", k.code());
            assert_ne!(k.message_vi(), k.message_en());
            assert!((400..600).contains(&k.status()));
        }
    }
}
