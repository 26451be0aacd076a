//! The application's error: what a caller can do about a failure, not where it came from.

use crate::ports::StoreError;
use dinhdanh_domain::error::{Invalid, Rule};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// The request conflicts with the current state (a concurrent change, a taken name).
    #[error("conflict: {0}")]
    Conflict(Rule),
    /// The principal may not do this (or may not see this person); nothing is revealed.
    #[error("forbidden")]
    Forbidden,
    /// Not logged in, or the credentials are wrong.
    #[error("unauthenticated")]
    Unauthenticated,
    /// The account is locked after repeated failures. Interfaces that must not reveal which
    /// accounts exist (the API) answer it exactly like `Unauthenticated`.
    #[error("account locked")]
    Locked,
    /// Too many attempts in a short time; retry after this many seconds.
    #[error("too many requests; retry after {0} s")]
    TooManyRequests(u64),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &str, rule: Rule) -> Self {
        AppError::Invalid(Invalid::one(field, rule))
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => AppError::Conflict(Rule::AlreadyDecided),
            StoreError::Duplicate(_) => AppError::Conflict(Rule::Username),
            StoreError::NotFound => AppError::NotFound,
            StoreError::TooBroad => AppError::invalid("q", Rule::Search),
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            StoreError::Internal(m) => AppError::Internal(m),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
