//! Event subscriptions of other agencies, their queues and dead letters, on the wire.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An agency's subscription to events (administrators).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Subscription {
    pub id: Uuid,
    pub name: String,
    /// The HTTPS endpoint that receives the signed deliveries.
    pub url: String,
    /// Event types (`person.death`, `residence.registered` …).
    pub kinds: Vec<String>,
    /// The only fields of `data` the agency receives.
    pub fields: Vec<String>,
    pub legal_basis: String,
    /// `pending` (registered, receives nothing), `approved` or `suspended`.
    pub status: String,
    pub created_by: String,
    /// RFC 3339.
    pub created_at: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
    /// Events waiting for delivery.
    pub pending: u64,
    pub delivered: u64,
    /// Events given up on after the last retry (see the dead-letter list).
    pub dead: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewSubscriptionResponse {
    pub subscription: Subscription,
    /// `whsec_…`: verifies the `webhook-signature` of every delivery (Standard Webhooks). Shown once.
    pub secret: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Bảo hiểm xã hội Việt Nam",
    "kinds": ["person.birth", "person.death"],
    "fields": ["pin", "full_name", "date_of_birth", "effective_date"],
    "legal_basis": "Luật Bảo hiểm xã hội 2024, Điều 10"
}))]
pub struct NewSubscriptionRequest {
    pub name: Option<String>,
    /// An HTTPS URL (plain HTTP to 127.0.0.1 only on development servers).
    pub url: Option<String>,
    /// `person.birth`, `person.death`, `person.marriage`, `person.divorce`, `person.pin_reestablished`,
    /// `residence.registered`, `residence.deregistered`, `card.issued`, `card.revoked`.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// `pin`, `previous_pin`, `full_name`, `date_of_birth`, `sex`, `effective_date`, `role`,
    /// `related_pins`, `permanent_residence`, `current_residence`, `registration_kind`,
    /// `household_id`, `card_number`, `card_status`, `card_expires_on`.
    #[serde(default)]
    pub fields: Vec<String>,
    pub legal_basis: Option<String>,
}

/// Where a replay starts: give exactly one.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from_time": "2026-09-01T00:00:00+07:00"}))]
pub struct ReplayRequest {
    /// Outbox sequence number (as in the dead-letter list).
    pub from_sequence: Option<i64>,
    /// RFC 3339: events that occurred at or after this time.
    pub from_time: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Requeued {
    /// Events queued again for delivery.
    pub queued: u64,
}

/// An event the subscription gave up on; no person data, only what identifies the event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeadLetter {
    pub sequence: i64,
    /// The `webhook-id` of its deliveries.
    pub event_id: Uuid,
    pub kind: String,
    /// RFC 3339.
    pub occurred_at: String,
    pub attempts: i32,
    pub last_error: String,
    pub last_attempt_at: Option<String>,
}
