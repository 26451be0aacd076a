//! Identity cards: applications as dossiers ([`application`]), the chip data built from the
//! register and signed under the card PKI ([`chipdata`], [`crate::pki`]), the stored cards and
//! their status ([`store`]), and what relying parties ask: a card's status, and whether chip
//! data they read is authentic.

pub mod application;
pub mod chipdata;
pub mod qr;
pub mod store;

use crate::App;
use crate::audit::AuditAction;
use crate::auth::{Permission, Principal};
use crate::error::{AppError, AppResult};
use crate::outbox::{OutboxEvent, OutboxKind, person_data};
use crate::ports::ChangeSet;
use dinhdanh_domain::card::{ApplicationKind, CardStatus};
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{LifeStatus, Person};
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_icao::lds::Dg13;
use dinhdanh_icao::{ChipData, Report, TrustStore};
use std::collections::BTreeMap;
use store::{CardWrite, StoredCard};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

pub use chipdata::{CardBundle, CardDates, issue_card_bundle};

pub const LEGAL_BASIS: &str = "Luật Căn cước số 26/2023/QH15, Điều 18–26";

/// The status a card has today: an active card of a dead holder is revoked, an active card past
/// its expiry is expired.
pub fn effective_status(card: &StoredCard, holder: &Person, today: Date) -> CardStatus {
    match card.status {
        CardStatus::Active if matches!(holder.status, LifeStatus::Dead(_)) => CardStatus::Revoked,
        CardStatus::Active if card.expires_on.is_some_and(|e| today >= e) => CardStatus::Expired,
        s => s,
    }
}

/// A card as officers see it (no chip data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardView {
    pub id: Uuid,
    pub pin: String,
    pub document_number: String,
    pub application_kind: ApplicationKind,
    pub status: CardStatus,
    pub issued_on: Date,
    pub expires_on: Option<Date>,
    pub delivered_at: Option<OffsetDateTime>,
    pub status_changed_at: OffsetDateTime,
    pub status_reason: String,
    pub replaced_by: Option<Uuid>,
    pub document_signer: String,
}

impl CardView {
    pub fn of(card: &StoredCard, holder: &Person, today: Date) -> CardView {
        CardView {
            id: card.id,
            pin: card.pin.clone(),
            document_number: card.document_number.clone(),
            application_kind: card.application_kind,
            status: effective_status(card, holder, today),
            issued_on: card.issued_on,
            expires_on: card.expires_on,
            delivered_at: card.delivered_at,
            status_changed_at: card.status_changed_at,
            status_reason: card.status_reason.clone(),
            replaced_by: card.replaced_by,
            document_signer: card.ds_serial.clone(),
        }
    }
}

/// What a printed card shows, from the card's own chip data: the Vietnamese fields (DG13), the
/// MRZ (DG1), the face (DG2) and both QR texts.
#[derive(Clone, Debug)]
pub struct CardPrint {
    pub card: CardView,
    pub dg13: Dg13,
    /// The three TD1 lines.
    pub mrz: Vec<String>,
    pub face_jpeg: Option<Vec<u8>>,
    /// Where the birth was registered (printed on the back; not in DG13).
    pub birth_registration: String,
    pub legacy_qr: String,
    pub signed_qr: String,
}

/// A card exported for a reader or a verifier: the chip files and what to trust.
#[derive(Clone, Debug)]
pub struct CardExport {
    pub chip: ChipData,
    pub csca: Vec<u8>,
    pub crl: Vec<u8>,
}

impl App {
    /// The outbox event of a card change: `card.issued` when a card is produced (it is active from
    /// then on, and the person's record names it), `card.revoked` when a card is reported lost or
    /// revoked. The person's fields as in every person event, plus the card's number, status and
    /// expiry; a subscription keeps only the fields it allows.
    pub(crate) fn card_outbox(
        &self,
        kind: OutboxKind,
        person: &Person,
        card: &StoredCard,
        status: CardStatus,
    ) -> OutboxEvent {
        let mut data = person_data(person);
        data.insert("card_number".into(), card.document_number.clone().into());
        data.insert("card_status".into(), status.code().into());
        data.insert("card_expires_on".into(), card.expires_on.map(dinhdanh_domain::date::iso).into());
        data.insert("effective_date".into(), dinhdanh_domain::date::iso(self.clock.today()).into());
        OutboxEvent { id: self.rng.uuid(), kind, person_id: person.id, occurred_at: self.clock.now(), data }
    }

    async fn change_card_status(
        &self,
        who: &Principal,
        person: &Person,
        card: &StoredCard,
        status: CardStatus,
        reason: &str,
    ) -> AppResult<CardView> {
        let now = self.clock.now();
        let mut cs = ChangeSet::default();
        cs.cards.push(CardWrite::Status {
            id: card.id,
            expected: card.status,
            status,
            at: now,
            reason: reason.to_owned(),
            replaced_by: None,
        });
        cs.audit.push(self.card_audit(who, person, AuditAction::Update, "card.status", status.code()));
        cs.outbox.push(self.card_outbox(OutboxKind::CardRevoked, person, card, status));
        self.store.commit(cs).await?;
        let mut changed = card.clone();
        changed.status = status;
        changed.status_changed_at = now;
        changed.status_reason = reason.to_owned();
        Ok(CardView::of(&changed, person, self.clock.today()))
    }

    async fn holder(&self, who: &Principal, pin: &PersonalNumber) -> AppResult<Person> {
        let stored = self.store.person_by_pin(pin).await?.ok_or(AppError::NotFound)?;
        if !who.may_see(&stored.person) {
            return Err(AppError::Forbidden);
        }
        Ok(stored.person)
    }

    /// Reports the person's active card lost: it is revoked at once and can never be valid again.
    pub async fn report_card_lost(&self, who: &Principal, pin: &PersonalNumber) -> AppResult<CardView> {
        who.require(Permission::ReportCardLost)?;
        let person = self.holder(who, pin).await?;
        let cards = self.store.cards_of(person.id).await?;
        let today = self.clock.today();
        let card = cards
            .iter()
            .find(|c| effective_status(c, &person, today) == CardStatus::Active)
            .ok_or_else(|| AppError::invalid("pin", Rule::CardNotActive))?;
        self.change_card_status(who, &person, card, CardStatus::Lost, "báo mất / reported lost").await
    }

    /// Revokes a card (fraud, a court decision, a card issued in error), with the reason.
    pub async fn revoke_card(&self, who: &Principal, card_id: Uuid, reason: &str) -> AppResult<CardView> {
        who.require(Permission::RevokeCard)?;
        let reason = dinhdanh_domain::name::clean_text(reason, 500).map_err(|r| AppError::invalid("reason", r))?;
        if reason.trim().is_empty() {
            return Err(AppError::invalid("reason", Rule::ReasonRequired));
        }
        let card = self.store.card(card_id).await?.ok_or(AppError::NotFound)?;
        let stored = self.store.person_by_id(card.person_id).await?.ok_or(AppError::NotFound)?;
        if !who.may_see(&stored.person) {
            return Err(AppError::Forbidden);
        }
        if effective_status(&card, &stored.person, self.clock.today()) != CardStatus::Active {
            return Err(AppError::invalid("card", Rule::CardNotActive));
        }
        self.change_card_status(who, &stored.person, &card, CardStatus::Revoked, &reason).await
    }

    /// A relying party's question: what is the status of the card with this PIN and document
    /// number? The answer is the status only. Audited against the holder.
    pub async fn card_status(
        &self,
        who: &Principal,
        pin: &PersonalNumber,
        document_number: &str,
    ) -> AppResult<CardStatus> {
        who.require(Permission::CardStatus)?;
        if document_number.len() != 9 || !document_number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::invalid("document_number", Rule::CardDocumentNumber));
        }
        let cards = self.store.cards_with_pin(pin.as_str()).await?;
        let card = cards.iter().find(|c| c.document_number == document_number).ok_or(AppError::NotFound)?;
        let holder = self.store.person_by_id(card.person_id).await?.ok_or(AppError::NotFound)?;
        let mut line = self.card_audit(who, &holder.person, AuditAction::Read, "card.status", "card status check");
        line.detail = format!("card {}", card.id);
        self.store.record_access(vec![line]).await?;
        Ok(effective_status(card, &holder.person, self.clock.today()))
    }

    /// The chip files of the person's newest card, with the CSCA certificate and CRL.
    pub async fn export_card(&self, who: &Principal, pin: &PersonalNumber) -> AppResult<CardExport> {
        who.require(Permission::ExportCard)?;
        let person = self.holder(who, pin).await?;
        let card = self.store.cards_of(person.id).await?.into_iter().next().ok_or(AppError::NotFound)?;
        let chip = store::open_chip(self.data_keys()?, &card).map_err(|e| AppError::Internal(e.to_string()))?;
        let pki = self.card_pki()?;
        let line = self.card_audit(who, &person, AuditAction::Export, "card.chip", "card export");
        self.store.record_access(vec![line]).await?;
        Ok(CardExport { chip, csca: pki.csca.der.clone(), crl: pki.crl().der })
    }

    /// Passive authentication of chip data a relying party read, against this service's CSCA
    /// and current CRL. Nothing from the register is disclosed.
    pub async fn verify_chip(
        &self,
        who: &Principal,
        sod: &[u8],
        data_groups: &BTreeMap<u8, Vec<u8>>,
    ) -> AppResult<Report> {
        who.require(Permission::VerifyCard)?;
        let pki = self.card_pki()?;
        let trust = TrustStore { cscas: vec![pki.csca.clone()], crls: vec![pki.crl()] };
        Ok(dinhdanh_icao::passive_authentication(sod, data_groups, &trust, self.clock.now()))
    }

    /// What the person's newest card prints: fields, MRZ, photo and QR codes. Audited as an
    /// export (the print carries the photo).
    pub async fn card_print(&self, who: &Principal, pin: &PersonalNumber) -> AppResult<CardPrint> {
        who.require(Permission::ExportCard)?;
        let person = self.holder(who, pin).await?;
        let card = self.store.cards_of(person.id).await?.into_iter().next().ok_or(AppError::NotFound)?;
        let chip = store::open_chip(self.data_keys()?, &card).map_err(|e| AppError::Internal(e.to_string()))?;
        let internal = |what: &str, e: String| AppError::Internal(format!("card {}: {what}: {e}", card.id));
        let dg13 = Dg13::parse(chip.data_groups.get(&13).map(Vec::as_slice).unwrap_or_default())
            .map_err(|e| internal("DG13", e.to_string()))?;
        let mrz = dinhdanh_icao::lds::dg1_text(chip.data_groups.get(&1).map(Vec::as_slice).unwrap_or_default())
            .map_err(|e| internal("DG1", e.to_string()))?;
        let face_jpeg = match chip.data_groups.get(&2) {
            Some(dg2) => {
                dinhdanh_icao::lds::parse_dg2(dg2).map_err(|e| internal("DG2", e.to_string()))?.into_iter().next()
            }
            None => None,
        };
        let key = self.qr_key()?;
        let signed_qr =
            qr::sign(key.as_ref(), &qr::QrClaims::of(&dg13)).map_err(|e| AppError::Internal(e.to_string()))?;
        let line = self.card_audit(who, &person, AuditAction::Export, "card.print", "card print");
        self.store.record_access(vec![line]).await?;
        Ok(CardPrint {
            card: CardView::of(&card, &person, self.clock.today()),
            legacy_qr: qr::legacy_text(&dg13),
            mrz: mrz.as_bytes().chunks(30).map(|c| String::from_utf8_lossy(c).into_owned()).collect(),
            dg13,
            face_jpeg,
            birth_registration: person.birth_registration.as_ref().map(|b| b.display()).unwrap_or_default(),
            signed_qr,
        })
    }

    /// The key set that verifies signed card QR codes (public): the signing key and the retired
    /// keys still published.
    pub fn qr_keys(&self) -> serde_json::Value {
        qr::key_set(self.qr_key.as_deref(), &self.qr_retired, self.clock.now())
    }

    /// Checks a signed card QR a relying party scanned, against the published keys.
    pub fn verify_card_qr(
        &self,
        who: &Principal,
        text: &str,
    ) -> AppResult<Result<(qr::QrClaims, String), qr::QrError>> {
        who.require(Permission::VerifyCard)?;
        Ok(qr::verify(text, &self.qr_keys()))
    }
}
