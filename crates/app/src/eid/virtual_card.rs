//! Demonstration servers only: a virtual card reader, so that level-1 registration by chip can be
//! tried (and tested in a browser) without a phone's NFC reader and a physical card.
//!
//! The cards the register produces carry no Active Authentication key: on a real card the chip
//! makes its key pair at personalisation and never lets the private half out. The virtual reader
//! therefore stands in for the chip: for a person with a valid produced card it makes a key pair
//! on first use (kept in memory only), re-signs the card's data with that key's DG15 under this
//! server's document signer (same dates, same portrait), and answers challenges with it. What it
//! returns is exactly what a reader app sends to `POST /api/v1/eid/register`, so every check of
//! the real path runs. Servers get it only with `serve --demo`.

use super::chip::CHIP_CHALLENGE;
use crate::App;
use crate::cards::chipdata::{CardBundle, CardDates, issue_card_bundle};
use crate::error::{AppError, AppResult};
use dinhdanh_domain::card::CardStatus;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::PersonId;
use dinhdanh_domain::pin::PersonalNumber;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// The demo chips made so far, by person.
#[derive(Default)]
pub struct VirtualCards(Mutex<HashMap<PersonId, Arc<CardBundle>>>);

/// What a card reader gives the client: the chip's files and its answer to the challenge.
#[derive(Clone, Debug)]
pub struct ChipReading {
    pub sod: Vec<u8>,
    pub data_groups: BTreeMap<u8, Vec<u8>>,
    pub aa_signature: Vec<u8>,
}

impl App {
    /// Turns the virtual card reader on (demonstration servers only).
    pub fn with_virtual_cards(mut self) -> Self {
        self.eid.virtual_cards = Some(Arc::new(VirtualCards::default()));
        self
    }

    /// Is the virtual card reader on?
    pub fn has_virtual_cards(&self) -> bool {
        self.eid.virtual_cards.is_some()
    }

    /// Reads the virtual card of the person with `pin` and answers the registration challenge
    /// `challenge_id` with its Active Authentication key. `NotFound` when the reader is off.
    pub async fn virtual_card_read(&self, pin: &str, challenge_id: Uuid) -> AppResult<ChipReading> {
        let cards = self.eid.virtual_cards.clone().ok_or(AppError::NotFound)?;
        let pin = PersonalNumber::parse(pin.trim()).map_err(|r| AppError::invalid("pin", r))?;
        let now = self.clock.now();
        let challenge = match self.store.eid_challenge(challenge_id).await? {
            Some(c) if c.purpose == CHIP_CHALLENGE && c.consumed_at.is_none() && c.expires_at > now => c,
            _ => return Err(AppError::invalid("challenge_id", Rule::EidChallengeExpired)),
        };
        let person = self.store.person_by_pin(&pin).await?.ok_or(AppError::NotFound)?.person;
        let existing =
            cards.0.lock().map_err(|_| AppError::Internal("virtual cards poisoned".into()))?.get(&person.id).cloned();
        let bundle = match existing {
            Some(b) => b,
            None => {
                let today = self.clock.today();
                let card = self
                    .store
                    .cards_with_pin(pin.as_str())
                    .await?
                    .into_iter()
                    .filter(|c| crate::cards::effective_status(c, &person, today) == CardStatus::Active)
                    .max_by_key(|c| c.produced_at)
                    .ok_or_else(|| AppError::invalid("pin", Rule::EidCardNotValid))?;
                let chip = crate::cards::store::open_chip(self.data_keys()?, &card)
                    .map_err(|e| AppError::Internal(format!("opening the card's chip data: {e}")))?;
                let portrait = chip
                    .data_groups
                    .get(&2)
                    .and_then(|d| dinhdanh_icao::lds::parse_dg2(d).ok())
                    .and_then(|faces| faces.into_iter().next());
                let dates = CardDates { issued_on: card.issued_on, expires_on: card.expires_on };
                let bundle = issue_card_bundle(self.card_pki()?, &person, dates, portrait.as_deref(), now)
                    .map_err(|e| AppError::Internal(format!("virtual card: {e}")))?;
                let bundle = Arc::new(bundle);
                cards
                    .0
                    .lock()
                    .map_err(|_| AppError::Internal("virtual cards poisoned".into()))?
                    .entry(person.id)
                    .or_insert(bundle)
                    .clone()
            }
        };
        let aa_signature =
            bundle.answer_challenge(&challenge.bytes).map_err(|e| AppError::Internal(format!("virtual chip: {e}")))?;
        Ok(ChipReading { sod: bundle.chip.sod.clone(), data_groups: bundle.chip.data_groups.clone(), aa_signature })
    }
}
