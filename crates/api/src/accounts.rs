//! Sessions, API clients and adjudication cases on the wire.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An officer session; send the token as `Authorization: Bearer <token>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// Starts with `dds_`; shown once.
    pub token: String,
    /// RFC 3339.
    pub expires_at: String,
    pub officer: OfficerInfo,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OfficerInfo {
    pub username: String,
    pub display_name: String,
    /// `officer`, `supervisor` or `administrator`.
    pub role: String,
    /// `national`, `province:CODE` or `commune:CODE`.
    pub jurisdiction: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiClient {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<String>,
    pub jurisdiction: String,
    pub created_by: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; null while the client is active.
    pub revoked_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewClientResponse {
    pub client: ApiClient,
    /// Starts with `ddk_`; shown once, only its digest is kept.
    pub token: String,
}

/// The record waiting for a decision, as far as the case shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaseCandidate {
    /// `birth` (a birth registration) or `import` (a record of a bulk import).
    pub source: String,
    pub birth_name: String,
    pub date_of_birth: String,
    pub sex: crate::person::Sex,
    /// Mother's name, when given.
    pub mother_name: Option<String>,
    /// Where the birth was registered.
    pub registration: Option<crate::person::BirthRegistration>,
    /// PIN carried by an imported record.
    pub pin: Option<String>,
}

/// A possible duplicate on the adjudication list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Case {
    pub id: Uuid,
    /// `pending`, `created` or `duplicate`.
    pub status: String,
    /// RFC 3339.
    pub created_at: String,
    pub created_by: String,
    pub candidate: CaseCandidate,
    /// Register ids of the existing persons with the same key.
    pub matches: Vec<Uuid>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: String,
    /// Register id of the person created (or matched) by the decision.
    pub person_id: Option<Uuid>,
    /// Line of the import file, for import cases.
    pub source_line: Option<u64>,
}
