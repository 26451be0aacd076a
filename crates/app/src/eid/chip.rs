//! Level 1 by chip: the citizen proves possession of a genuine chip card without an officer.
//!
//! The client reads the card (NFC) and sends its data groups and EF.SOD, and the card's answer
//! to a fresh challenge of ours. Passive authentication against this service's CSCA and CRL
//! shows the data is what we signed; Active Authentication with the key of DG15 (signed in
//! EF.SOD) shows it comes from the chip itself, not from a copy; DG1 and DG13 must name the
//! person the register holds under the PIN. Whether the person holding the card is its holder is
//! a face comparison (selfie against the chip's portrait), which belongs to an external
//! biometric system behind the [`FaceMatcher`] port. With no matcher configured, a registration
//! that passed every other check waits in the officers' review list: nothing pretends to have
//! compared faces.

use super::{Challenge, EidAccount, EidChange, EvidenceKind, ReviewEvidence};
use crate::App;
use crate::audit::AuditAction;
use crate::error::{AppError, AppResult};
use crate::ports::ActorRef;
use async_trait::async_trait;
use dinhdanh_domain::codes::Phone;
use dinhdanh_domain::eid::{AccountState, Level, MIN_HOLDER_AGE};
use dinhdanh_domain::error::{Errors, Rule};
use dinhdanh_domain::person::{LifeStatus, Person};
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_icao::TrustStore;
use dinhdanh_icao::lds::{self, dg13_field};
use dinhdanh_icao::verify::CheckKind;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Purpose of the Active Authentication challenge of a registration.
pub const CHIP_CHALLENGE: &str = "chip_aa";

/// What a face comparison found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaceVerdict {
    Match,
    NoMatch,
}

/// An external biometric system comparing a live selfie with a reference portrait.
#[async_trait]
pub trait FaceMatcher: Send + Sync {
    /// Compares `selfie` (JPEG) with `reference`, the portrait of the chip's DG2 (JPEG).
    async fn compare(&self, selfie: &[u8], reference: &[u8]) -> Result<FaceVerdict, String>;
}

/// A level-1 registration as the client sends it.
#[derive(Clone, Debug, Default)]
pub struct ChipRegistration {
    pub pin: String,
    pub phone: String,
    /// The challenge the service issued ([`App::eid_chip_challenge`]).
    pub challenge_id: Uuid,
    /// The chip's Active Authentication answer to that challenge.
    pub aa_signature: Vec<u8>,
    pub sod: Vec<u8>,
    /// Data groups by number, as read from the chip (DG1, DG13 and DG15 at least).
    pub data_groups: BTreeMap<u8, Vec<u8>>,
    /// A live photo of the person registering (JPEG), for the face comparison.
    pub selfie: Option<Vec<u8>>,
}

/// Where an accepted registration stands.
#[derive(Clone, Debug)]
pub enum Level1Outcome {
    /// Every check passed but the face comparison, which an officer makes (review list).
    AwaitingReview(EidAccount),
    /// The face matched too: approved, and the activation code went to the phone.
    Approved(EidAccount),
}

/// Does the MRZ date match the register's (partial) date? Unknown parts must be unknown on both.
fn mrz_date_matches(m: &dinhdanh_icao::mrz::MrzDate, p: &dinhdanh_domain::date::PartialDate) -> bool {
    use dinhdanh_domain::date::PartialDate as D;
    let (y, mo, d) = match p {
        D::Full(d) => (d.year(), Some(d.month() as u8), Some(d.day())),
        D::YearMonth(y, m) => (*y, Some(*m as u8), None),
        D::Year(y) => (*y, None, None),
    };
    m.year % 100 == y % 100 && m.month == mo && m.day == d
}

/// Where DG1 and DG13 disagree with the register, by field of the request.
fn mismatches(person: &Person, dgs: &BTreeMap<u8, Vec<u8>>, today_year: i32) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let pin = person.pin.as_str();
    match dgs.get(&1).map(|b| lds::parse_dg1(b, today_year)) {
        Some(Ok(td1)) => {
            if !td1.optional_data_1.starts_with(pin) || !pin.ends_with(td1.document_number.as_str()) {
                out.push(("data_groups.1".into(), "DG1: the MRZ names another PIN".into()));
            }
            if !mrz_date_matches(&td1.date_of_birth, &person.date_of_birth) {
                out.push(("data_groups.1".into(), "DG1: date of birth differs from the register".into()));
            }
        }
        Some(Err(e)) => out.push(("data_groups.1".into(), format!("DG1 unreadable: {e}"))),
        None => out.push(("data_groups.1".into(), "DG1 missing".into())),
    }
    match dgs.get(&13).map(|b| lds::Dg13::parse(b)) {
        Some(Ok(d)) => {
            if d.text(dg13_field::PIN) != Some(pin) {
                out.push(("data_groups.13".into(), "DG13: another PIN".into()));
            }
            if d.text(dg13_field::FULL_NAME) != Some(person.birth_name.as_str()) {
                out.push(("data_groups.13".into(), "DG13: the name differs from the register".into()));
            }
            let dob = crate::cards::chipdata::card_date(&person.date_of_birth);
            if d.text(dg13_field::DATE_OF_BIRTH) != Some(dob.as_str()) {
                out.push(("data_groups.13".into(), "DG13: date of birth differs from the register".into()));
            }
        }
        Some(Err(e)) => out.push(("data_groups.13".into(), format!("DG13 unreadable: {e}"))),
        None => out.push(("data_groups.13".into(), "DG13 missing".into())),
    }
    out
}

impl App {
    /// Replaces the face matcher (the composition root picks it; none by default).
    pub fn with_face_matcher(mut self, m: std::sync::Arc<dyn FaceMatcher>) -> Self {
        self.eid.face = Some(m);
        self
    }

    /// A fresh 8-byte challenge for the card's Active Authentication, valid a few minutes and
    /// usable once.
    pub async fn eid_chip_challenge(&self, ip: &str) -> AppResult<Challenge> {
        self.eid_ip_attempt(ip)?;
        let now = self.clock.now();
        let mut bytes = vec![0u8; dinhdanh_icao::aa::CHALLENGE_LEN];
        self.rng.fill(&mut bytes);
        let c = Challenge {
            id: self.rng.uuid(),
            account_id: None,
            purpose: CHIP_CHALLENGE.to_owned(),
            bytes,
            created_at: now,
            expires_at: now + self.config.eid.challenge_ttl,
            consumed_at: None,
        };
        self.store.eid_commit(EidChange { insert_challenge: Some(c.clone()), ..Default::default() }).await?;
        Ok(c)
    }

    /// Registers a level-1 account from chip data (see the module documentation). A refusal
    /// changes nothing but the challenge, which is spent either way, and is audited with what
    /// failed; the errors name the part of the request at fault.
    pub async fn eid_register_chip(&self, r: ChipRegistration, ip: &str) -> AppResult<Level1Outcome> {
        self.eid_ip_attempt(ip)?;
        let mut e = Errors::new();
        let pin = e.check("pin", PersonalNumber::parse(r.pin.trim()));
        let phone = e.check("phone", Phone::parse(&r.phone));
        if r.sod.is_empty() {
            e.push("sod", Rule::Required);
        }
        for n in [1u8, 13, 15] {
            if !r.data_groups.contains_key(&n) {
                e.push(format!("data_groups.{n}"), Rule::Required);
            }
        }
        if r.aa_signature.is_empty() {
            e.push("aa_signature", Rule::Required);
        }
        e.finish()?;
        let (Some(pin), Some(phone)) = (pin, phone) else { return Err(AppError::Internal("checked above".into())) };
        let now = self.clock.now();
        let challenge = match self.store.eid_challenge(r.challenge_id).await? {
            Some(c) if c.purpose == CHIP_CHALLENGE && c.account_id.is_none() => c,
            _ => return Err(AppError::invalid("challenge_id", Rule::EidChallengeExpired)),
        };
        if challenge.consumed_at.is_some() || challenge.expires_at <= now {
            return Err(AppError::invalid("challenge_id", Rule::EidChallengeExpired));
        }
        let person = self.store.person_by_pin(&pin).await?.map(|s| s.person);
        let actor = ActorRef { kind: "citizen", id: Uuid::nil(), name: pin.as_str().to_owned() };
        let person_id = person.as_ref().map(|p| p.id);
        // A refusal: the challenge is spent, an audit line says why, nothing else is written.
        let (who, challenge_id) = (&actor, challenge.id);
        let refuse = |errors: Vec<(String, Rule)>, why: String| async move {
            let detail = format!("level 1 by chip refused: {why}");
            let line = self.eid_line(who.clone(), AuditAction::EidAccount, person_id, detail);
            self.store
                .eid_commit(EidChange {
                    consume_challenge: Some((challenge_id, now)),
                    audit: vec![line],
                    ..Default::default()
                })
                .await?;
            let mut e = Errors::new();
            for (field, rule) in errors {
                e.push(field, rule);
            }
            Err::<Level1Outcome, _>(AppError::from(e.finish().expect_err("at least one error")))
        };

        // 1. Passive authentication: the data is what our document signer signed.
        let pki = self.card_pki()?;
        let trust = TrustStore { cscas: vec![pki.csca.clone()], crls: vec![pki.crl()] };
        let report = dinhdanh_icao::passive_authentication(&r.sod, &r.data_groups, &trust, now);
        if !report.is_valid() {
            let failed: Vec<_> = report.failures().map(|c| c.kind).collect();
            let mut errors: Vec<(String, Rule)> = failed
                .iter()
                .map(|k| match k {
                    CheckKind::DataGroupHash(n) | CheckKind::UnsignedDataGroup(n) => {
                        (format!("data_groups.{n}"), Rule::EidChipInvalid)
                    }
                    _ => ("sod".to_owned(), Rule::EidChipInvalid),
                })
                .collect();
            errors.dedup();
            if errors.is_empty() {
                errors.push(("sod".into(), Rule::EidChipInvalid));
            }
            let codes: Vec<String> = failed.iter().map(CheckKind::code).collect();
            return refuse(errors, format!("passive authentication failed: {}", codes.join(", "))).await;
        }
        // 2. Active Authentication: the chip itself signed our challenge with the key of DG15.
        let dg15 = r.data_groups.get(&15).map(Vec::as_slice).unwrap_or_default();
        if let Err(err) = dinhdanh_icao::aa::verify(
            dg15,
            r.data_groups.get(&14).map(Vec::as_slice),
            &challenge.bytes,
            &r.aa_signature,
        ) {
            return refuse(vec![("aa_signature".into(), Rule::EidChipAa)], format!("active authentication: {err}"))
                .await;
        }
        // 3. The person: in the register, alive, old enough, and the one the chip names.
        let Some(person) = person else {
            return refuse(vec![("pin".into(), Rule::EidChipMismatch)], "no person with this PIN".into()).await;
        };
        match person.status {
            LifeStatus::Alive => {}
            LifeStatus::Dead(_) => return refuse(vec![("pin".into(), Rule::PersonDead)], "person dead".into()).await,
            LifeStatus::Missing(_) => {
                return refuse(vec![("pin".into(), Rule::PersonMissing)], "person missing".into()).await;
            }
        }
        if person.date_of_birth.age_on(self.clock.today()) < MIN_HOLDER_AGE {
            return refuse(vec![("pin".into(), Rule::EidUnder14)], "under 14".into()).await;
        }
        let wrong = mismatches(&person, &r.data_groups, self.clock.today().year());
        if !wrong.is_empty() {
            let errors = wrong.iter().map(|(f, _)| (f.clone(), Rule::EidChipMismatch)).collect::<Vec<_>>();
            let why = wrong.iter().map(|(_, w)| w.as_str()).collect::<Vec<_>>().join("; ");
            let mut errors = errors;
            errors.dedup();
            return refuse(errors, why).await;
        }
        // 4. The card: if the card store knows it, it must still be valid (not lost, revoked,
        // replaced or expired).
        let today = self.clock.today();
        if let Some(card) = self.store.cards_with_pin(pin.as_str()).await?.into_iter().find(|c| c.sod == r.sod) {
            let status = crate::cards::effective_status(&card, &person, today);
            if status != dinhdanh_domain::card::CardStatus::Active {
                return refuse(vec![("sod".into(), Rule::EidCardNotValid)], format!("card {status:?}")).await;
            }
        }
        // 5. One account per person.
        if let Some(existing) = self.store.eid_account_by_person(person.id).await? {
            let rule = if existing.state == AccountState::Revoked { Rule::EidState } else { Rule::EidAccountExists };
            return refuse(vec![("pin".into(), rule)], "the person already has an account".into()).await;
        }
        // 6. The face, when a matcher is configured; else an officer reviews.
        let (state, face_note) = match (&self.eid.face, &r.selfie) {
            (None, _) => (AccountState::Pending, "face: awaiting officer review (no face matcher configured)"),
            (Some(_), None) => {
                return refuse(vec![("selfie".into(), Rule::Required)], "no selfie for the face matcher".into()).await;
            }
            (Some(m), Some(selfie)) => {
                let reference = r
                    .data_groups
                    .get(&2)
                    .and_then(|d| lds::parse_dg2(d).ok())
                    .and_then(|faces| faces.into_iter().next());
                match reference {
                    None => (AccountState::Pending, "face: no portrait on the chip, awaiting officer review"),
                    Some(reference) => match m.compare(selfie, &reference).await {
                        Ok(FaceVerdict::Match) => (AccountState::Approved, "face: matched"),
                        Ok(FaceVerdict::NoMatch) => {
                            return refuse(vec![("selfie".into(), Rule::EidFaceMismatch)], "face: no match".into())
                                .await;
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "face matcher failed; the registration goes to review");
                            (AccountState::Pending, "face: matcher unavailable, awaiting officer review")
                        }
                    },
                }
            }
        };
        let account = EidAccount {
            id: self.rng.uuid(),
            person_id: person.id,
            pin: person.pin,
            level: Level::One,
            state,
            phone,
            password_hash: None,
            passcode_hash: None,
            totp_secret: None,
            totp_pending: None,
            totp_last_step: None,
            lock: None,
            channel: "chip".to_owned(),
            note: face_note.to_owned(),
            version: 0,
            created_at: now,
            updated_at: now,
            activated_at: None,
            revoked_at: None,
        };
        let line = self.eid_line(
            actor,
            AuditAction::EidAccount,
            Some(person.id),
            format!("level 1 by chip: passive and active authentication passed, DG1 and DG13 match; {face_note}"),
        );
        // What the officer will compare, kept sealed until the decision.
        let mut evidence = Vec::new();
        if state == AccountState::Pending {
            let portrait =
                r.data_groups.get(&2).and_then(|d| lds::parse_dg2(d).ok()).and_then(|faces| faces.into_iter().next());
            for (kind, bytes) in
                [(EvidenceKind::Selfie, r.selfie.as_deref()), (EvidenceKind::ChipPortrait, portrait.as_deref())]
            {
                let Some(bytes) = bytes.filter(|b| !b.is_empty()) else { continue };
                let sealed = self
                    .data_keys()?
                    .seal(&ReviewEvidence::aad(account.id, kind), bytes)
                    .map_err(|e| AppError::Internal(format!("sealing review evidence: {e}")))?;
                evidence.push(ReviewEvidence {
                    account_id: account.id,
                    kind,
                    byte_len: bytes.len(),
                    created_at: now,
                    sealed,
                });
            }
        }
        self.store
            .eid_commit(EidChange {
                insert_account: Some(account.clone()),
                consume_challenge: Some((challenge.id, now)),
                insert_evidence: evidence,
                audit: vec![line],
                ..Default::default()
            })
            .await
            .map_err(|e| match e {
                crate::ports::StoreError::Duplicate(_) => AppError::invalid("pin", Rule::EidAccountExists),
                crate::ports::StoreError::Conflict => AppError::invalid("challenge_id", Rule::EidChallengeExpired),
                other => other.into(),
            })?;
        if state == AccountState::Approved {
            if let Err(err) = self.issue_code(&account, super::CodePurpose::Activation).await {
                tracing::warn!(error = %err, "activation code not sent; the holder can request one");
            }
            return Ok(Level1Outcome::Approved(account));
        }
        Ok(Level1Outcome::AwaitingReview(account))
    }
}
