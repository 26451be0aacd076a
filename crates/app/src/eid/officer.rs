//! What officers do with e-ID accounts: grant level 2 at the counter, review self-service
//! registrations, lock and unlock with a reason. And the register's death event, which revokes
//! the dead person's account in the same transaction.

use super::{CodePurpose, EidAccount, EidChange, EvidenceKind, Lock, ReviewEvidence, passcode_key, pin_key};
use crate::App;
use crate::audit::AuditAction;
use crate::auth::{Permission, Principal};
use crate::error::{AppError, AppResult};
use crate::ports::{ChangeSet, StoredPerson};
use dinhdanh_domain::codes::Phone;
use dinhdanh_domain::eid::{AccountState, Level, LockedBy, MIN_HOLDER_AGE};
use dinhdanh_domain::error::{Errors, Rule};
use dinhdanh_domain::person::LifeStatus;
use dinhdanh_domain::pin::PersonalNumber;

/// A level-2 grant as the officer records it at the counter.
#[derive(Clone, Debug)]
pub struct Level2Grant {
    pub pin: PersonalNumber,
    /// The phone for activation codes; required when the person has no account yet.
    pub phone: Option<Phone>,
    /// The officer checked the chip card (genuine, valid, the holder's).
    pub card_checked: bool,
    /// The officer compared the person in front of them with the record (face, fingerprints).
    pub person_checked: bool,
    pub note: String,
}

/// A pending self-service registration as the review list shows it.
#[derive(Clone, Debug)]
pub struct ReviewItem {
    pub account: EidAccount,
    pub person: StoredPerson,
    /// The images kept for the comparison (the selfie, the chip's portrait).
    pub evidence: Vec<EvidenceKind>,
}

/// An image of the review evidence, opened for the officer.
#[derive(Clone, Debug)]
pub struct EvidenceImage {
    pub kind: EvidenceKind,
    /// `image/jpeg` or `image/jp2` (ICAO 9303 allows either in DG2), from the bytes themselves.
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The media type of a face image, from its first bytes.
fn image_type(b: &[u8]) -> &'static str {
    if b.starts_with(&[0xFF, 0xD8]) {
        "image/jpeg"
    } else if b.starts_with(&[0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50]) || b.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        "image/jp2"
    } else {
        "application/octet-stream"
    }
}

impl App {
    /// The person an officer acts on, loaded and checked for permission and jurisdiction.
    async fn eid_subject(&self, who: &Principal, pin: &PersonalNumber) -> AppResult<StoredPerson> {
        who.require(Permission::ManageEid)?;
        let p = self.store.person_by_pin(pin).await?.ok_or(AppError::NotFound)?;
        who.require_for(Permission::ManageEid, &p.person)?;
        Ok(p)
    }

    fn officer_line(
        &self,
        who: &Principal,
        action: AuditAction,
        a: &EidAccount,
        detail: String,
    ) -> crate::audit::AuditEntry {
        self.eid_line(who.actor(), action, Some(a.person_id), detail)
    }

    /// Grants level 2 after the officer checked the card and the person: upgrades the person's
    /// account, or creates one (approved, to be activated by SMS). The decision is audited.
    pub async fn eid_grant_level2(&self, who: &Principal, g: Level2Grant) -> AppResult<EidAccount> {
        let subject = self.eid_subject(who, &g.pin).await?;
        let mut e = Errors::new();
        if !g.card_checked {
            e.push("card_checked", Rule::EidChecksRequired);
        }
        if !g.person_checked {
            e.push("person_checked", Rule::EidChecksRequired);
        }
        let note = e.check("note", dinhdanh_domain::name::clean_text(&g.note, 500)).unwrap_or_default();
        e.finish()?;
        let p = &subject.person;
        match p.status {
            LifeStatus::Alive => {}
            LifeStatus::Dead(_) => return Err(AppError::invalid("pin", Rule::PersonDead)),
            LifeStatus::Missing(_) => return Err(AppError::invalid("pin", Rule::PersonMissing)),
        }
        if p.date_of_birth.age_on(self.clock.today()) < MIN_HOLDER_AGE {
            return Err(AppError::invalid("pin", Rule::EidUnder14));
        }
        let now = self.clock.now();
        let existing = self.store.eid_account_by_person(p.id).await?;
        let raised = existing.as_ref().is_some_and(|a| a.level == Level::One);
        let (account, created) = match existing {
            Some(a) if a.state == AccountState::Revoked => return Err(AppError::invalid("pin", Rule::EidState)),
            Some(a) => {
                let mut next = a.clone();
                next.level = Level::Two;
                if a.state == AccountState::Pending {
                    next.state = AccountState::Approved;
                }
                if let Some(phone) = &g.phone {
                    next.phone = phone.clone();
                }
                next.note = note.clone();
                (next, false)
            }
            None => {
                let phone = g.phone.clone().ok_or_else(|| AppError::invalid("phone", Rule::Required))?;
                let a = EidAccount {
                    id: self.rng.uuid(),
                    person_id: p.id,
                    pin: p.pin,
                    level: Level::Two,
                    state: AccountState::Approved,
                    phone,
                    password_hash: None,
                    passcode_hash: None,
                    totp_secret: None,
                    totp_pending: None,
                    totp_last_step: None,
                    lock: None,
                    channel: "counter".to_owned(),
                    note: note.clone(),
                    version: 0,
                    created_at: now,
                    updated_at: now,
                    activated_at: None,
                    revoked_at: None,
                };
                (a, true)
            }
        };
        let detail = format!(
            "level 2 granted at the counter (card checked, person checked){}{}",
            if created { "; account created" } else { "" },
            if note.is_empty() { String::new() } else { format!("; note: {note}") }
        );
        let line = self.officer_line(who, AuditAction::EidAccount, &account, detail);
        let change = if created {
            EidChange { insert_account: Some(account.clone()), audit: vec![line], ..Default::default() }
        } else {
            EidChange { update_account: Some(account.clone()), audit: vec![line], ..Default::default() }
        };
        self.store.eid_commit(change).await.map_err(|e| match e {
            crate::ports::StoreError::Duplicate(_) => AppError::invalid("pin", Rule::EidAccountExists),
            other => other.into(),
        })?;
        let stored = self.store.eid_account(account.id).await?.ok_or(AppError::NotFound)?;
        if stored.state == AccountState::Approved {
            // The activation code goes out now; the holder finishes activation on their own phone.
            if let Err(e) = self.issue_code(&stored, CodePurpose::Activation).await {
                tracing::warn!(error = %e, "activation code not sent at grant; the holder can request one");
            }
        } else if raised && matches!(stored.state, AccountState::Active | AccountState::Locked) {
            // An account in use learns of the new level by a notice: no code, no budget spent.
            self.send_notice(&stored, "da duoc nang len muc 2 tai co quan Cong an").await;
        }
        Ok(stored)
    }

    /// The account of a person, for an officer (an audited read).
    pub async fn eid_account_for_officer(
        &self,
        who: &Principal,
        pin: &PersonalNumber,
    ) -> AppResult<Option<EidAccount>> {
        let subject = self.eid_subject(who, pin).await?;
        let a = self.store.eid_account_by_person(subject.person.id).await?;
        let mut line = self.eid_line(who.actor(), AuditAction::Read, Some(subject.person.id), "e-ID account viewed");
        line.fields = "eid_account".to_owned();
        self.store.record_access(vec![line]).await?;
        Ok(a)
    }

    /// Self-service registrations waiting for review, inside the officer's jurisdiction.
    pub async fn eid_review_list(&self, who: &Principal) -> AppResult<Vec<ReviewItem>> {
        who.require(Permission::ManageEid)?;
        let mut out = Vec::new();
        for a in self.store.eid_accounts_in_state(AccountState::Pending, 500).await? {
            if let Some(p) = self.store.person_by_id(a.person_id).await?
                && who.may_see(&p.person)
            {
                let evidence = self.store.eid_review_evidence(a.id).await?.into_iter().map(|e| e.kind).collect();
                out.push(ReviewItem { account: a, person: p, evidence });
            }
        }
        if !out.is_empty() {
            let lines = out
                .iter()
                .map(|i| {
                    let mut l =
                        self.eid_line(who.actor(), AuditAction::Read, Some(i.account.person_id), "e-ID review list");
                    l.fields = "pin,birth_name,date_of_birth".to_owned();
                    l
                })
                .collect();
            self.store.record_access(lines).await?;
        }
        Ok(out)
    }

    /// Approves a pending registration (an activation code goes to the phone) or rejects it.
    pub async fn eid_review_decide(
        &self,
        who: &Principal,
        pin: &PersonalNumber,
        approve: bool,
        note: &str,
    ) -> AppResult<EidAccount> {
        let subject = self.eid_subject(who, pin).await?;
        let note = dinhdanh_domain::name::clean_text(note, 500).map_err(|r| AppError::invalid("note", r))?;
        let a = self
            .store
            .eid_account_by_person(subject.person.id)
            .await?
            .filter(|a| a.state == AccountState::Pending)
            .ok_or_else(|| AppError::invalid("pin", Rule::EidState))?;
        if approve && !subject.person.is_alive() {
            return Err(AppError::invalid("pin", Rule::PersonDead));
        }
        let mut next = a.clone();
        next.state = if approve { AccountState::Approved } else { AccountState::Revoked };
        if !approve {
            next.revoked_at = Some(self.clock.now());
        }
        next.note = note.clone();
        let verdict = if approve { "approved" } else { "rejected" };
        let line =
            self.officer_line(who, AuditAction::EidAccount, &a, format!("registration {verdict} on review: {note}"));
        self.store
            .eid_commit(EidChange {
                update_account: Some(next),
                // The images served the decision; nothing keeps them after it.
                delete_evidence: Some(a.id),
                audit: vec![line],
                ..Default::default()
            })
            .await?;
        let stored = self.store.eid_account(a.id).await?.ok_or(AppError::NotFound)?;
        if approve && let Err(e) = self.issue_code(&stored, CodePurpose::Activation).await {
            tracing::warn!(error = %e, "activation code not sent at approval; the holder can request one");
        }
        Ok(stored)
    }

    /// Opens one image of a pending registration's review evidence for the officer deciding it
    /// (e-ID management inside the person's jurisdiction); every opening is audited.
    pub async fn eid_review_evidence(
        &self,
        who: &Principal,
        pin: &PersonalNumber,
        kind: EvidenceKind,
    ) -> AppResult<EvidenceImage> {
        let subject = self.eid_subject(who, pin).await?;
        let a = self
            .store
            .eid_account_by_person(subject.person.id)
            .await?
            .filter(|a| a.state == AccountState::Pending)
            .ok_or(AppError::NotFound)?;
        let e = self
            .store
            .eid_review_evidence(a.id)
            .await?
            .into_iter()
            .find(|e| e.kind == kind)
            .ok_or(AppError::NotFound)?;
        let bytes = self
            .data_keys()?
            .open(&e.sealed, &ReviewEvidence::aad(a.id, kind))
            .map_err(|err| AppError::Internal(format!("opening review evidence: {err}")))?;
        let mut line = self.officer_line(who, AuditAction::Read, &a, format!("e-ID review evidence: {}", kind.code()));
        line.fields = kind.code().to_owned();
        line.purpose = "e-ID registration review".to_owned();
        self.store.record_access(vec![line]).await?;
        Ok(EvidenceImage { kind, content_type: image_type(&bytes), bytes })
    }

    /// Locks an account with a reason; every session ends at once. Only an officer lifts it.
    pub async fn eid_officer_lock(&self, who: &Principal, pin: &PersonalNumber, reason: &str) -> AppResult<EidAccount> {
        let subject = self.eid_subject(who, pin).await?;
        let reason = dinhdanh_domain::name::clean_text(reason, 500).map_err(|r| AppError::invalid("reason", r))?;
        if reason.is_empty() {
            return Err(AppError::invalid("reason", Rule::ReasonRequired));
        }
        let a = self.store.eid_account_by_person(subject.person.id).await?.ok_or(AppError::NotFound)?;
        if !matches!(a.state, AccountState::Active | AccountState::Locked) {
            return Err(AppError::invalid("pin", Rule::EidState));
        }
        let mut next = a.clone();
        next.state = AccountState::Locked;
        next.lock = Some(Lock { by: LockedBy::Officer, reason: reason.clone(), at: self.clock.now() });
        let line = self.officer_line(who, AuditAction::EidLock, &a, format!("locked by officer: {reason}"));
        self.store
            .eid_commit(EidChange {
                update_account: Some(next),
                end_sessions: Some((a.id, None)),
                audit: vec![line],
                ..Default::default()
            })
            .await?;
        self.store.eid_account(a.id).await?.ok_or(AppError::NotFound)
    }

    /// Unlocks an account, whoever locked it, and clears its failure counts.
    pub async fn eid_officer_unlock(
        &self,
        who: &Principal,
        pin: &PersonalNumber,
        reason: &str,
    ) -> AppResult<EidAccount> {
        let subject = self.eid_subject(who, pin).await?;
        let reason = dinhdanh_domain::name::clean_text(reason, 500).map_err(|r| AppError::invalid("reason", r))?;
        if reason.is_empty() {
            return Err(AppError::invalid("reason", Rule::ReasonRequired));
        }
        let a = self.store.eid_account_by_person(subject.person.id).await?.ok_or(AppError::NotFound)?;
        if a.state != AccountState::Locked {
            return Err(AppError::invalid("pin", Rule::EidState));
        }
        let mut next = a.clone();
        next.state = AccountState::Active;
        next.lock = None;
        let line = self.officer_line(who, AuditAction::EidUnlock, &a, format!("unlocked by officer: {reason}"));
        self.store
            .eid_commit(EidChange {
                update_account: Some(next),
                clear_throttle: vec![pin_key(&a.pin), passcode_key(a.id)],
                audit: vec![line],
                ..Default::default()
            })
            .await?;
        self.store.eid_account(a.id).await?.ok_or(AppError::NotFound)
    }

    /// Part of the death event: every e-ID account of the persons it marks dead is revoked and
    /// its sessions end, in the event's own transaction.
    pub(crate) async fn eid_revoke_on_death(&self, changes: &mut ChangeSet) -> AppResult<()> {
        for u in &changes.updates {
            if !matches!(u.person.status, LifeStatus::Dead(_)) {
                continue;
            }
            changes.revoke_eid_of.push(u.person.id);
            if let Some(a) = self.store.eid_account_by_person(u.person.id).await?
                && a.state != AccountState::Revoked
            {
                let actor = changes.event.as_ref().map(|e| e.actor.clone()).unwrap_or_else(|| a.actor());
                let mut line =
                    self.eid_line(actor, AuditAction::EidAccount, Some(a.person_id), "revoked: death recorded");
                line.event_id = changes.event.as_ref().map(|e| e.id);
                changes.audit.push(line);
            }
        }
        Ok(())
    }
}
