//! Wire types of the dinhdanh REST API (`/api/v1`): the versioned contract.
//!
//! Domain types are never serialized directly: each wire type here converts explicitly, and
//! requests convert to domain values with a field error (in Vietnamese and English) for every
//! broken rule. Application types (cases, clients, history) are converted by the web crate,
//! which depends on the application; this crate depends on the domain only.

pub mod accounts;
pub mod cards;
pub mod confirmations;
pub mod eid;
pub mod eid_chip;
pub mod error;
pub mod events;
pub mod parse;
pub mod person;
pub mod requests;
pub mod residence;
pub mod stays;
pub mod units;

pub use error::{ErrorBody, ErrorKind, FieldErrorBody};

/// Version of the contract, in the OpenAPI document's `info.version`.
pub const API_VERSION: &str = "1.0.0";

/// RFC 3339 text of an instant, as every timestamp of the API is written.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    // Formatting a valid OffsetDateTime as RFC 3339 only fails for years outside 0..=9999.
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.to_string())
}
