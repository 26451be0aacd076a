//! Residence confirmations (xác nhận thông tin về cư trú) on the wire: the issued document and
//! the verification's answer.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One residence stated by the document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResidenceLine {
    /// `permanent` (thường trú) or `temporary` (tạm trú).
    pub kind: String,
    /// `2025:CODE`.
    pub unit: String,
    pub address: String,
    /// `YYYY-MM-DD`.
    pub from: String,
    /// The first day it no longer held; absent while current.
    pub to: Option<String>,
    /// The last day of a temporary registration's term.
    pub until: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HouseholdLine {
    pub id: Uuid,
    pub address: String,
    /// Relationship to the head (`head`, `wife`, `child` …).
    pub relation: String,
    pub relation_vi: String,
    pub since: String,
}

/// What a confirmation states: exactly the signed content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConfirmationDocument {
    pub id: Uuid,
    pub pin: String,
    pub name: String,
    pub date_of_birth: String,
    pub current: Vec<ResidenceLine>,
    pub earlier: Vec<ResidenceLine>,
    pub household: Option<HouseholdLine>,
    pub issuer: String,
    /// RFC 3339.
    pub issued_at: String,
    pub expires_at: String,
}

/// An issued confirmation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConfirmationResponse {
    /// The signed document (compact JWS, ES256), which the printed QR carries. Verify it at
    /// `POST /api/v1/residence-confirmations/verify`, or offline with `GET /api/v1/cards/qr-keys`.
    pub token: String,
    /// The printable page (officers' session).
    pub page: String,
    pub document: ConfirmationDocument,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmationVerifyRequest {
    /// The compact JWS, as read from the QR.
    pub token: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConfirmationVerifyResponse {
    /// `valid`, `expired`, `void_residence_changed`, `bad_signature`, `malformed` or `unknown`.
    pub verdict: String,
    pub message_vi: String,
    pub message_en: String,
    /// What the document states, once its signature verified.
    pub document: Option<ConfirmationDocument>,
}
