//! Signing in: PIN and password, the second factor (SMS code, authenticator app, passkey),
//! progressive delay and lockout, sessions.

use super::{CodePurpose, EidAccount, EidChange, EidSession, Holder, SessionStage, Throttle, passcode_key, pin_key};
use crate::App;
use crate::audit::AuditAction;
use crate::error::{AppError, AppResult};
use crate::ports::ActorRef;
use dinhdanh_crypto::{password, token};
use dinhdanh_domain::eid::{AccountState, Level, LockedBy};
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::pin::PersonalNumber;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Where a request comes from, as recorded with sessions and authentication events.
#[derive(Clone, Debug, Default)]
pub struct ClientCtx {
    pub ip: String,
    /// The browser or app (its User-Agent), shortened.
    pub device: String,
    /// A long-lived random identifier the device keeps (a cookie), if any.
    pub device_id: Option<String>,
}

impl ClientCtx {
    /// What identifies a device across sign-ins: its own identifier, else browser and network.
    fn fingerprint(&self) -> String {
        match &self.device_id {
            Some(id) if !id.is_empty() => token::digest(&format!("id:{id}")),
            _ => token::digest(&format!("ua:{}|ip:{}", self.device, self.ip)),
        }
    }
    fn describe(&self) -> String {
        let device: String = self.device.chars().take(120).collect();
        format!("ip={} device={device}", self.ip)
    }
}

/// Second factors a holder can complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Sms,
    Totp,
    Passkey,
}

impl Method {
    pub fn code(self) -> &'static str {
        match self {
            Method::Sms => "sms",
            Method::Totp => "totp",
            Method::Passkey => "passkey",
        }
    }
    pub fn parse(s: &str) -> Option<Method> {
        [Method::Sms, Method::Totp, Method::Passkey].into_iter().find(|m| m.code() == s)
    }
    fn amr(self) -> &'static str {
        match self {
            Method::Sms => "sms",
            Method::Totp => "otp",
            Method::Passkey => "hwk",
        }
    }
}

/// A session just issued: the token is shown once and kept only as a digest.
pub struct IssuedEidSession {
    pub token: String,
    pub session: EidSession,
    pub account: EidAccount,
}

impl std::fmt::Debug for IssuedEidSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a bearer secret: never printed.
        f.debug_struct("IssuedEidSession")
            .field("session", &self.session.id)
            .field("stage", &self.session.stage)
            .finish()
    }
}

pub enum LoginStep {
    /// Signed in.
    Done(IssuedEidSession),
    /// The password was right; one of these factors must follow within a few minutes. The
    /// session allows nothing else.
    SecondFactor(IssuedEidSession, Vec<Method>),
}

impl App {
    fn delay_after(&self, failures: i32) -> Duration {
        let d = &self.config.eid.failure_delays;
        if failures <= 0 || d.is_empty() {
            return Duration::ZERO;
        }
        d[((failures - 1) as usize).min(d.len() - 1)]
    }

    /// Refuses an attempt that comes before the delay earned by earlier failures has passed.
    pub(crate) async fn throttle_gate(&self, key: &str) -> AppResult<Option<Throttle>> {
        let t = self.store.eid_throttle(key).await?;
        if let Some(t) = &t
            && let Some(last) = t.last_failure_at
            && !t.locked
        {
            let wait = last + self.delay_after(t.failures) - self.clock.now();
            if wait > Duration::ZERO {
                return Err(AppError::TooManyRequests(wait.whole_seconds().max(1) as u64));
            }
        }
        Ok(t)
    }

    /// One more failure of `key`; at the limit the key is locked, and so is the account if any.
    pub(crate) fn count_failure(
        &self,
        key: &str,
        before: Option<Throttle>,
        account: Option<&EidAccount>,
        change: &mut EidChange,
    ) -> bool {
        let now = self.clock.now();
        let mut t =
            before.unwrap_or(Throttle { key: key.to_owned(), failures: 0, last_failure_at: None, locked: false });
        t.failures += 1;
        t.last_failure_at = Some(now);
        let lock = t.failures >= self.config.eid.lock_after;
        t.locked |= lock;
        change.throttle = Some(t);
        if lock && let Some(a) = account.filter(|a| a.state == AccountState::Active) {
            let mut locked = a.clone();
            locked.state = AccountState::Locked;
            locked.lock =
                Some(super::Lock { by: LockedBy::Failures, reason: "too many failed sign-ins".into(), at: now });
            change.update_account = Some(locked);
            change.end_sessions = Some((a.id, None));
            change.audit.push(self.eid_line(a.actor(), AuditAction::EidLock, Some(a.person_id), "locked: failures"));
        }
        lock
    }

    fn new_session(
        &self,
        account: &EidAccount,
        stage: SessionStage,
        methods: &str,
        ctx: &ClientCtx,
    ) -> (String, EidSession) {
        let now = self.clock.now();
        let issued = token::issue("dde_", self.rng.bytes32());
        let ttl = match stage {
            SessionStage::SecondFactor => self.config.eid.second_factor_ttl,
            SessionStage::Full => self.config.eid.session_ttl,
        };
        let s = EidSession {
            id: self.rng.uuid(),
            token_digest: issued.digest,
            account_id: account.id,
            csrf_token: token::issue("", self.rng.bytes32()).token,
            stage,
            methods: methods.to_owned(),
            created_at: now,
            expires_at: now + ttl,
            last_seen_at: now,
            ip: ctx.ip.chars().take(64).collect(),
            device: ctx.device.chars().take(200).collect(),
        };
        (issued.token, s)
    }

    /// Methods the account can finish a sign-in with.
    async fn second_factors(&self, a: &EidAccount) -> AppResult<Vec<Method>> {
        let mut m = vec![Method::Sms];
        if a.totp_secret.is_some() {
            m.push(Method::Totp);
        }
        if !self.store.eid_passkeys_of(a.id).await?.is_empty() {
            m.push(Method::Passkey);
        }
        Ok(m)
    }

    /// Signs in with PIN and password. Unknown numbers cost the same hash, count failures the
    /// same way and get the same answers as known ones, so nothing reveals who has an account.
    pub async fn eid_login(&self, pin_text: &str, pw: &str, ctx: &ClientCtx) -> AppResult<LoginStep> {
        self.eid_ip_attempt(&ctx.ip)?;
        let pin = PersonalNumber::parse(pin_text.trim()).map_err(|r| AppError::invalid("pin", r))?;
        if pw.is_empty() || pw.chars().count() > dinhdanh_domain::eid::MAX_PASSWORD_CHARS {
            return Err(AppError::Unauthenticated);
        }
        let key = pin_key(&pin);
        let throttle = self.throttle_gate(&key).await?;
        let account = self.store.eid_account_by_pin(&pin).await?;
        let hash =
            account.as_ref().and_then(|a| a.password_hash.clone()).unwrap_or_else(|| password::dummy_hash().to_owned());
        let right = self.verify_password(pw.to_owned(), hash).await?;
        let usable = account.as_ref().filter(|a| matches!(a.state, AccountState::Active | AccountState::Locked));
        let locked =
            throttle.as_ref().is_some_and(|t| t.locked) || usable.is_some_and(|a| a.state == AccountState::Locked);
        let actor = |a: Option<&EidAccount>| {
            a.map(EidAccount::actor).unwrap_or(ActorRef { kind: "citizen", id: Uuid::nil(), name: "unknown".into() })
        };
        if locked {
            let line = self.eid_line(
                actor(usable),
                AuditAction::EidLoginFailed,
                usable.map(|a| a.person_id),
                format!("locked; {}", ctx.describe()),
            );
            self.store.eid_commit(EidChange { audit: vec![line], ..Default::default() }).await?;
            return Err(AppError::Locked);
        }
        let Some(a) = usable.filter(|_| right) else {
            let mut change = EidChange::default();
            change.audit.push(self.eid_line(
                actor(usable),
                AuditAction::EidLoginFailed,
                usable.map(|a| a.person_id),
                format!("wrong password; {}", ctx.describe()),
            ));
            let now_locked = self.count_failure(&key, throttle, usable, &mut change);
            self.store.eid_commit(change).await?;
            return Err(if now_locked { AppError::Locked } else { AppError::Unauthenticated });
        };
        let known = self.store.eid_device_known(a.id, &ctx.fingerprint()).await?;
        let risky = !known || throttle.as_ref().is_some_and(|t| t.failures > 0);
        let needs_second = a.level == Level::Two || risky;
        let mut change = EidChange { clear_throttle: vec![key], ..Default::default() };
        if needs_second {
            let methods = self.second_factors(a).await?;
            let (tok, s) = self.new_session(a, SessionStage::SecondFactor, "pwd", ctx);
            change.insert_session = Some(s.clone());
            let why = if a.level == Level::Two { "level 2" } else { "new device" };
            change.audit.push(self.eid_line(
                a.actor(),
                AuditAction::EidLogin,
                Some(a.person_id),
                format!("password ok, second factor due ({why}); {}", ctx.describe()),
            ));
            self.store.eid_commit(change).await?;
            return Ok(LoginStep::SecondFactor(
                IssuedEidSession { token: tok, session: s, account: a.clone() },
                methods,
            ));
        }
        let (tok, s) = self.new_session(a, SessionStage::Full, "pwd", ctx);
        change.insert_session = Some(s.clone());
        change.known_device = Some((a.id, ctx.fingerprint(), self.clock.now()));
        change.audit.push(self.eid_line(
            a.actor(),
            AuditAction::EidLogin,
            Some(a.person_id),
            format!("password; {}", ctx.describe()),
        ));
        self.store.eid_commit(change).await?;
        Ok(LoginStep::Done(IssuedEidSession { token: tok, session: s, account: a.clone() }))
    }

    /// Upgrades a second-factor session to a full one under a new token (the old one ends).
    pub(crate) async fn finish_second_factor(
        &self,
        holder: &Holder,
        method: Method,
        ctx: &ClientCtx,
        mut change: EidChange,
    ) -> AppResult<IssuedEidSession> {
        let a = &holder.account;
        let methods = if holder.session.methods.is_empty() {
            method.amr().to_owned()
        } else {
            format!("{}+{}", holder.session.methods, method.amr())
        };
        let (tok, s) = self.new_session(a, SessionStage::Full, &methods, ctx);
        if !holder.session.token_digest.is_empty() {
            change.delete_session = Some(holder.session.token_digest.clone());
        }
        change.insert_session = Some(s.clone());
        change.known_device = Some((a.id, ctx.fingerprint(), self.clock.now()));
        change.clear_throttle.push(pin_key(&a.pin));
        change.audit.push(self.eid_line(
            a.actor(),
            AuditAction::EidLogin,
            Some(a.person_id),
            format!("second factor {}; {}", method.code(), ctx.describe()),
        ));
        self.store.eid_commit(change).await?;
        Ok(IssuedEidSession { token: tok, session: s, account: a.clone() })
    }

    /// A failed second factor counts against the PIN like a wrong password.
    pub(crate) async fn second_factor_failed(&self, holder: &Holder, what: &str, ctx: &ClientCtx) -> AppResult<bool> {
        let a = &holder.account;
        let key = pin_key(&a.pin);
        let before = self.store.eid_throttle(&key).await?;
        let mut change = EidChange::default();
        change.audit.push(self.eid_line(
            a.actor(),
            AuditAction::EidLoginFailed,
            Some(a.person_id),
            format!("{what}; {}", ctx.describe()),
        ));
        let locked = self.count_failure(&key, before, Some(a), &mut change);
        self.store.eid_commit(change).await?;
        Ok(locked)
    }

    fn require_second_stage(holder: &Holder) -> AppResult<()> {
        if holder.session.stage == SessionStage::SecondFactor && holder.account.state == AccountState::Active {
            Ok(())
        } else {
            Err(AppError::Unauthenticated)
        }
    }

    /// Sends a sign-in code to the holder's phone, unless the one sent less than a minute ago is
    /// still usable.
    pub async fn eid_send_login_code(&self, holder: &Holder, ctx: &ClientCtx) -> AppResult<super::CodeIssue> {
        Self::require_second_stage(holder)?;
        self.eid_ip_attempt(&ctx.ip)?;
        self.issue_code(&holder.account, CodePurpose::Login).await
    }

    /// Completes a sign-in with the SMS code.
    pub async fn eid_second_factor_sms(
        &self,
        holder: &Holder,
        code: &str,
        ctx: &ClientCtx,
    ) -> AppResult<IssuedEidSession> {
        Self::require_second_stage(holder)?;
        self.eid_ip_attempt(&ctx.ip)?;
        self.throttle_gate(&pin_key(&holder.account.pin)).await?;
        let mut change = EidChange::default();
        match self.check_code(&holder.account, CodePurpose::Login, code, "code", &mut change).await {
            Ok(()) => self.finish_second_factor(holder, Method::Sms, ctx, change).await,
            Err(AppError::Invalid(inv)) => {
                if self.second_factor_failed(holder, "sms code refused", ctx).await? {
                    return Err(AppError::Locked);
                }
                Err(AppError::Invalid(inv))
            }
            Err(e) => Err(e),
        }
    }

    /// The holder behind a session token, if the session is live and the account active.
    pub async fn eid_holder(&self, session_token: &str) -> AppResult<Holder> {
        let digest = token::digest(session_token);
        let s = self.store.eid_session(&digest).await?.ok_or(AppError::Unauthenticated)?;
        let now = self.clock.now();
        if s.expires_at <= now || (s.stage == SessionStage::Full && now - s.last_seen_at > self.config.eid.session_idle)
        {
            self.store.eid_commit(EidChange { delete_session: Some(digest), ..Default::default() }).await?;
            return Err(AppError::Unauthenticated);
        }
        let account = self.store.eid_account(s.account_id).await?.ok_or(AppError::Unauthenticated)?;
        if account.state != AccountState::Active {
            return Err(AppError::Unauthenticated);
        }
        // Recording every request would make each one a write; a minute's precision is enough.
        let mut session = s;
        if now - session.last_seen_at > Duration::minutes(1) {
            session.last_seen_at = now;
            self.store.eid_commit(EidChange { touch_session: Some((digest, now)), ..Default::default() }).await?;
        }
        Ok(Holder { account, session })
    }

    pub async fn eid_logout(&self, holder: &Holder) -> AppResult<()> {
        let a = &holder.account;
        let line = self.eid_line(a.actor(), AuditAction::EidLogout, Some(a.person_id), "");
        self.store
            .eid_commit(EidChange {
                delete_session: Some(holder.session.token_digest.clone()),
                audit: vec![line],
                ..Default::default()
            })
            .await
            .map_err(Into::into)
    }

    /// The holder's live sessions, newest first.
    pub async fn eid_sessions(&self, holder: &Holder) -> AppResult<Vec<EidSession>> {
        Self::require_full(holder)?;
        let now = self.clock.now();
        let mut all = self.store.eid_sessions_of(holder.account.id).await?;
        all.retain(|s| s.expires_at > now);
        all.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        Ok(all)
    }

    /// Ends one of the holder's sessions, or all the others when `id` is `None`.
    pub async fn eid_revoke_sessions(&self, holder: &Holder, id: Option<Uuid>) -> AppResult<()> {
        Self::require_full(holder)?;
        let a = &holder.account;
        let mut change = EidChange::default();
        match id {
            Some(id) => {
                let s = self
                    .store
                    .eid_sessions_of(a.id)
                    .await?
                    .into_iter()
                    .find(|s| s.id == id)
                    .ok_or(AppError::NotFound)?;
                change.delete_session = Some(s.token_digest);
                change.audit.push(self.eid_line(
                    a.actor(),
                    AuditAction::EidLogout,
                    Some(a.person_id),
                    format!("session {id} ended by holder"),
                ));
            }
            None => {
                change.end_sessions = Some((a.id, Some(holder.session.token_digest.clone())));
                change.audit.push(self.eid_line(
                    a.actor(),
                    AuditAction::EidLogout,
                    Some(a.person_id),
                    "other sessions ended by holder",
                ));
            }
        }
        self.store.eid_commit(change).await.map_err(Into::into)
    }

    /// The holder's authentication events (their login history), newest first.
    pub async fn eid_history(&self, holder: &Holder, limit: u32) -> AppResult<Vec<crate::audit::AuditEntry>> {
        Self::require_full(holder)?;
        Ok(self.store.eid_auth_history(holder.account.person_id, limit.clamp(1, 500)).await?)
    }

    /// Checks the holder's passcode before a sensitive action. Wrong passcodes count toward a
    /// lock like wrong passwords.
    pub(crate) async fn check_passcode(&self, holder: &Holder, passcode: &str) -> AppResult<()> {
        let a = self.eid_fresh(holder).await?;
        let key = passcode_key(a.id);
        let before = self.throttle_gate(&key).await?;
        let hash = a.passcode_hash.clone().unwrap_or_else(|| password::dummy_hash().to_owned());
        let typed = passcode.trim();
        let ok = typed.len() == 6 && self.verify_password(typed.to_owned(), hash).await?;
        if ok {
            if before.is_some() {
                self.store.eid_commit(EidChange { clear_throttle: vec![key], ..Default::default() }).await?;
            }
            return Ok(());
        }
        let mut change = EidChange::default();
        change.audit.push(self.eid_line(a.actor(), AuditAction::EidLoginFailed, Some(a.person_id), "passcode wrong"));
        let locked = self.count_failure(&key, before, Some(&a), &mut change);
        self.store.eid_commit(change).await?;
        if locked {
            return Err(AppError::Locked);
        }
        Err(AppError::invalid("passcode", Rule::EidPasscodeWrong))
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}
