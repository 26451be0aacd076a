//! Activation by SMS code, password and passcode changes, reset by SMS, and the holder's own lock.

use super::{CodePurpose, EidAccount, EidChange, Holder, Lock, passcode_key, pin_key};
use crate::App;
use crate::audit::AuditAction;
use crate::error::{AppError, AppResult};
use dinhdanh_domain::codes::Phone;
use dinhdanh_domain::eid::{AccountState, LockedBy, PersonalHints, check_passcode, check_password};
use dinhdanh_domain::error::{Errors, Rule};
use dinhdanh_domain::pin::PersonalNumber;

/// What a holder's record offers a password guesser, so the password rule can refuse it.
async fn hints(app: &App, a: &EidAccount) -> AppResult<PersonalHints> {
    let person = app.store.person_by_id(a.person_id).await?.map(|s| s.person);
    Ok(PersonalHints {
        pin: Some(a.pin),
        phone: Some(a.phone.as_str().to_owned()),
        date_of_birth: person.as_ref().and_then(|p| p.date_of_birth.full()),
        name_words: person
            .map(|p| p.birth_name.to_string().split(' ').map(str::to_owned).collect())
            .unwrap_or_default(),
    })
}

impl App {
    /// Finds the account a PIN and phone name, if it is in one of `states`. Both must match:
    /// the caller always gets the same answer, so the pair reveals nothing to a stranger.
    async fn account_for(&self, pin: &str, phone: &str, states: &[AccountState]) -> AppResult<Option<EidAccount>> {
        let mut e = Errors::new();
        let pin = e.check("pin", PersonalNumber::parse(pin.trim()));
        let phone = e.check("phone", Phone::parse(phone));
        e.finish()?;
        let (Some(pin), Some(phone)) = (pin, phone) else { return Ok(None) };
        Ok(self.store.eid_account_by_pin(&pin).await?.filter(|a| a.phone == phone && states.contains(&a.state)))
    }

    /// Step 1 of activation: PIN and the phone registered with the account. If they name an
    /// approved account, an activation code goes to that phone; the answer is the same either way.
    pub async fn eid_activation_start(&self, pin: &str, phone: &str, ip: &str) -> AppResult<()> {
        self.eid_ip_attempt(ip)?;
        if let Some(a) = self.account_for(pin, phone, &[AccountState::Approved]).await? {
            self.issue_code(&a, CodePurpose::Activation).await?;
        }
        Ok(())
    }

    /// Step 2: the code, then the holder's password and 6-digit passcode. Nothing changes unless
    /// all three are acceptable; the account becomes active.
    pub async fn eid_activate(&self, pin: &str, code: &str, password: &str, passcode: &str, ip: &str) -> AppResult<()> {
        self.eid_ip_attempt(ip)?;
        let pin = PersonalNumber::parse(pin.trim()).map_err(|r| AppError::invalid("pin", r))?;
        let account = self.store.eid_account_by_pin(&pin).await?;
        let Some(a) = account.filter(|a| a.state == AccountState::Approved) else {
            // Same answer as a wrong code for a number without an approved account.
            return Err(AppError::invalid("code", Rule::EidCodeWrong));
        };
        self.throttle_gate(&pin_key(&pin)).await?;
        let h = hints(self, &a).await?;
        let mut e = Errors::new();
        e.check("password", check_password(password, &h));
        e.check("passcode", check_passcode(passcode.trim(), &h));
        e.finish()?;
        let mut change = EidChange::default();
        self.check_code(&a, CodePurpose::Activation, code, "code", &mut change).await?;
        let mut next = a.clone();
        next.password_hash = Some(self.hash_password(password.to_owned()).await?);
        next.passcode_hash = Some(self.hash_password(passcode.trim().to_owned()).await?);
        next.state = AccountState::Active;
        next.activated_at = Some(self.clock.now());
        change.update_account = Some(next);
        change.clear_throttle = vec![pin_key(&a.pin)];
        change.audit.push(self.eid_line(a.actor(), AuditAction::EidAccount, Some(a.person_id), "activated"));
        self.store.eid_commit(change).await?;
        Ok(())
    }

    /// Step 1 of a reset: as for activation, a code goes to the registered phone of an active or
    /// locked account (not one an officer locked); the answer is the same either way.
    pub async fn eid_reset_start(&self, pin: &str, phone: &str, ip: &str) -> AppResult<()> {
        self.eid_ip_attempt(ip)?;
        if let Some(a) = self.account_for(pin, phone, &[AccountState::Active, AccountState::Locked]).await?
            && a.lock.as_ref().is_none_or(|l| l.by.sms_reset_unlocks())
        {
            self.issue_code(&a, CodePurpose::Reset).await?;
        }
        Ok(())
    }

    /// Step 2 of a reset: code and new password. Lifts a lock from failures or from the holder,
    /// and ends every session.
    pub async fn eid_reset(&self, pin: &str, code: &str, password: &str, ip: &str) -> AppResult<()> {
        self.eid_ip_attempt(ip)?;
        let pin = PersonalNumber::parse(pin.trim()).map_err(|r| AppError::invalid("pin", r))?;
        let Some(a) = self.store.eid_account_by_pin(&pin).await?.filter(|a| {
            matches!(a.state, AccountState::Active | AccountState::Locked)
                && a.lock.as_ref().is_none_or(|l| l.by.sms_reset_unlocks())
        }) else {
            return Err(AppError::invalid("code", Rule::EidCodeWrong));
        };
        let h = hints(self, &a).await?;
        check_password(password, &h).map_err(|r| AppError::invalid("password", r))?;
        let mut change = EidChange::default();
        self.check_code(&a, CodePurpose::Reset, code, "code", &mut change).await?;
        let mut next = a.clone();
        next.password_hash = Some(self.hash_password(password.to_owned()).await?);
        if next.state == AccountState::Locked {
            next.state = AccountState::Active;
            next.lock = None;
            change.audit.push(self.eid_line(
                a.actor(),
                AuditAction::EidUnlock,
                Some(a.person_id),
                "unlocked by SMS reset",
            ));
        }
        change.update_account = Some(next);
        change.end_sessions = Some((a.id, None));
        change.clear_throttle = vec![pin_key(&a.pin), passcode_key(a.id)];
        change.audit.push(self.eid_line(a.actor(), AuditAction::EidFactor, Some(a.person_id), "password reset by SMS"));
        self.store.eid_commit(change).await?;
        Ok(())
    }

    /// Changes the password (the current one is required) and ends the holder's other sessions.
    pub async fn eid_change_password(&self, holder: &Holder, current: &str, new: &str) -> AppResult<()> {
        Self::require_full(holder)?;
        let a = self.eid_fresh(holder).await?;
        let ok = match &a.password_hash {
            Some(h) if current.chars().count() <= dinhdanh_domain::eid::MAX_PASSWORD_CHARS => {
                self.verify_password(current.to_owned(), h.clone()).await?
            }
            _ => false,
        };
        if !ok {
            let line = self.eid_line(
                a.actor(),
                AuditAction::EidLoginFailed,
                Some(a.person_id),
                "password change: current password wrong",
            );
            self.store.eid_commit(EidChange { audit: vec![line], ..Default::default() }).await?;
            return Err(AppError::invalid("current_password", Rule::EidPasswordWrong));
        }
        check_password(new, &hints(self, &a).await?).map_err(|r| AppError::invalid("new_password", r))?;
        let mut next = a.clone();
        next.password_hash = Some(self.hash_password(new.to_owned()).await?);
        let line = self.eid_line(a.actor(), AuditAction::EidFactor, Some(a.person_id), "password changed");
        self.store
            .eid_commit(EidChange {
                update_account: Some(next),
                end_sessions: Some((a.id, Some(holder.session.token_digest.clone()))),
                audit: vec![line],
                ..Default::default()
            })
            .await?;
        Ok(())
    }

    /// Changes the 6-digit passcode; the current one is required.
    pub async fn eid_change_passcode(&self, holder: &Holder, current: &str, new: &str) -> AppResult<()> {
        Self::require_full(holder)?;
        self.check_passcode(holder, current).await?;
        let a = self.eid_fresh(holder).await?;
        check_passcode(new.trim(), &hints(self, &a).await?).map_err(|r| AppError::invalid("new_passcode", r))?;
        let mut next = a.clone();
        next.passcode_hash = Some(self.hash_password(new.trim().to_owned()).await?);
        let line = self.eid_line(a.actor(), AuditAction::EidFactor, Some(a.person_id), "passcode changed");
        self.store
            .eid_commit(EidChange { update_account: Some(next), audit: vec![line], ..Default::default() })
            .await?;
        Ok(())
    }

    /// The holder locks their own account (a lost phone): every session ends at once. An SMS
    /// reset or an officer unlocks it.
    pub async fn eid_lock_self(&self, holder: &Holder, passcode: &str, reason: &str) -> AppResult<()> {
        Self::require_full(holder)?;
        self.check_passcode(holder, passcode).await?;
        let a = self.eid_fresh(holder).await?;
        let reason = dinhdanh_domain::name::clean_text(reason, 200).map_err(|r| AppError::invalid("reason", r))?;
        let mut next = a.clone();
        next.state = AccountState::Locked;
        next.lock = Some(Lock { by: LockedBy::Holder, reason: reason.clone(), at: self.clock.now() });
        let line =
            self.eid_line(a.actor(), AuditAction::EidLock, Some(a.person_id), format!("locked by holder: {reason}"));
        self.store
            .eid_commit(EidChange {
                update_account: Some(next),
                end_sessions: Some((a.id, None)),
                audit: vec![line],
                ..Default::default()
            })
            .await?;
        Ok(())
    }
}
