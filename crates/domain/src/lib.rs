//! Value types and rules of the National Population Database.
//!
//! Pure by design: no IO, no async, no serde on domain types. Wire formats live in
//! `dinhdanh-api`, persistence formats in `dinhdanh-store`; both convert explicitly.

pub mod admin;
pub mod calendar;
pub mod card;
pub mod codes;
pub mod date;
pub mod eid;
pub mod error;
pub mod events;
pub mod name;
pub mod person;
pub mod pin;
pub mod residence;
pub mod stay;

pub use error::{FieldError, Invalid, Rule};
