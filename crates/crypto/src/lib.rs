//! Keys, signatures and secrets for dinhdanh.
//!
//! The only crate that touches private-key bytes. Everything that signs goes through the
//! [`Signer`] trait, so a PKCS#11 key can replace a software key without callers changing.

pub mod jws;
pub mod keys;
pub mod password;
pub mod token;

pub use keys::{KeyError, Signer, SoftwareKey};
