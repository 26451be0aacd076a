//! Keys, signatures and secrets for dinhdanh.
//!
//! The only crate that touches private-key bytes. Everything that signs goes through the
//! [`Signer`] trait, so a PKCS#11 key ([`pkcs11::Pkcs11Key`]) replaces a software key without
//! callers changing. Data at rest is sealed with [`aead::KeyRing`].

pub mod aead;
pub mod jws;
pub mod keys;
pub mod password;
pub mod pkcs11;
pub mod token;

pub use keys::{ChipKey, KeyAlgorithm, KeyError, Signer, SoftwareKey};
