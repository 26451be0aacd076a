//! What the card part stores, and the storage port it needs. Card rows are written only as part
//! of a [`ChangeSet`](crate::ports::ChangeSet) (`cards`), so a card, its dossier step, the
//! person's record and the audit lines commit together.

use crate::ports::StoreResult;
use async_trait::async_trait;
use dinhdanh_crypto::aead::{KeyRing, Sealed};
use dinhdanh_crypto::keys::KeyError;
use dinhdanh_domain::card::{ApplicationKind, CardStatus};
use dinhdanh_domain::person::PersonId;
use dinhdanh_icao::ChipData;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A produced card.
#[derive(Clone, Debug)]
pub struct StoredCard {
    pub id: Uuid,
    pub person_id: PersonId,
    /// The PIN printed on the card (the person's number when it was produced).
    pub pin: String,
    /// The MRZ document number: the last nine digits of the PIN.
    pub document_number: String,
    pub application_id: Option<Uuid>,
    pub application_kind: ApplicationKind,
    /// Stored status; `Expired` is computed from `expires_on` when read.
    pub status: CardStatus,
    pub issued_on: Date,
    pub expires_on: Option<Date>,
    pub produced_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
    pub status_changed_at: OffsetDateTime,
    pub status_reason: String,
    pub replaced_by: Option<Uuid>,
    /// Serial number (hex) of the document signer that signed EF.SOD.
    pub ds_serial: String,
    /// The face capture on the chip.
    pub face_capture_id: Option<Uuid>,
    /// EF.SOD: hashes and signature only, no personal data in clear.
    pub sod: Vec<u8>,
    /// EF.COM and the data groups, sealed like biometrics (DG2 holds the face).
    pub chip: Sealed,
}

/// A write of the card part, committed inside a change set.
#[derive(Clone, Debug)]
pub enum CardWrite {
    Insert(Box<StoredCard>),
    /// Changes the status if it still is `expected` (else the commit fails with a conflict).
    Status {
        id: Uuid,
        expected: CardStatus,
        status: CardStatus,
        at: OffsetDateTime,
        reason: String,
        replaced_by: Option<Uuid>,
    },
    Delivered {
        id: Uuid,
        at: OffsetDateTime,
    },
    /// At most one open application per person: a second one fails the commit.
    OpenApplication {
        person_id: PersonId,
    },
    CloseApplication {
        person_id: PersonId,
    },
}

/// Reads of the card part.
#[async_trait]
pub trait CardStore: Send + Sync {
    /// Every card of a person, newest first.
    async fn cards_of(&self, person: PersonId) -> StoreResult<Vec<StoredCard>>;
    async fn card(&self, id: Uuid) -> StoreResult<Option<StoredCard>>;
    /// Cards printed with this PIN (a re-established number keeps its old cards), newest first.
    async fn cards_with_pin(&self, pin: &str) -> StoreResult<Vec<StoredCard>>;
}

fn chip_aad(card: Uuid, person: PersonId) -> Vec<u8> {
    format!("dinhdanh.card.chip.v1|{card}|{}", person.0).into_bytes()
}

/// Seals EF.COM and the data groups: `tag(1) len(4) bytes` per file (tag 0 for EF.COM).
pub fn seal_chip(keys: &KeyRing, card: Uuid, person: PersonId, chip: &ChipData) -> Result<Sealed, KeyError> {
    let mut plain =
        Vec::with_capacity(chip.data_groups.values().map(|d| d.len() + 5).sum::<usize>() + chip.com.len() + 5);
    let mut put = |tag: u8, bytes: &[u8]| {
        plain.push(tag);
        plain.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        plain.extend_from_slice(bytes);
    };
    put(0, &chip.com);
    for (n, dg) in &chip.data_groups {
        put(*n, dg);
    }
    keys.seal(&chip_aad(card, person), &plain)
}

/// The chip data of a stored card.
pub fn open_chip(keys: &KeyRing, card: &StoredCard) -> Result<ChipData, KeyError> {
    let plain = keys.open(&card.chip, &chip_aad(card.id, card.person_id))?;
    let mut chip = ChipData { com: Vec::new(), data_groups: Default::default(), sod: card.sod.clone() };
    let mut rest = plain.as_slice();
    while let [tag, a, b, c, d, tail @ ..] = rest {
        let len = u32::from_be_bytes([*a, *b, *c, *d]) as usize;
        let bytes = tail.get(..len).ok_or_else(|| KeyError::Malformed("sealed chip data".into()))?;
        if *tag == 0 {
            chip.com = bytes.to_vec();
        } else {
            chip.data_groups.insert(*tag, bytes.to_vec());
        }
        rest = &tail[len..];
    }
    if !rest.is_empty() {
        return Err(KeyError::Malformed("sealed chip data".into()));
    }
    Ok(chip)
}
