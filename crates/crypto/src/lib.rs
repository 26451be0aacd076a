//! Keys, signatures and secrets for dinhdanh.
//!
//! The only crate that touches private-key bytes. Everything that signs goes through the
//! [`Signer`] trait, so a PKCS#11 key ([`pkcs11::Pkcs11Key`]) replaces a software key without
//! callers changing. Data at rest is sealed with [`aead::KeyRing`].

pub mod aead;
pub mod jws;
pub mod keys;
pub mod otp;
pub mod password;
pub mod pkcs11;
#[cfg(any(test, feature = "test-authenticator"))]
pub mod soft_authenticator;
pub mod token;
pub mod totp;
pub mod webauthn;
pub mod webhook;

pub use keys::{ChipKey, KeyAlgorithm, KeyError, Signer, SoftwareKey};
