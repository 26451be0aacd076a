//! Identity cards: the chip data of a card built from the register and signed under the card
//! PKI ([`crate::pki`]), and the card bundles tests and demonstrations use.

pub mod chipdata;

pub use chipdata::{CardBundle, CardDates, issue_card_bundle};
