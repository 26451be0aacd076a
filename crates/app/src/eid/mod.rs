//! Electronic identification accounts (tài khoản định danh điện tử) of citizens and
//! organisations, and how their holders authenticate.
//!
//! Separate from officers ([`crate::accounts`]): a citizen's user name is their PIN, the account
//! is tied to their record in the register, and its life cycle (pending → approved → active ↔
//! locked → revoked) follows the holder's life. Every authentication event is audited against
//! the holder's record, which is also the holder's login history.

mod activation;
pub mod chip;
mod dependants;
pub mod factors;
mod login;
pub mod officer;
mod org;
pub mod sms;
pub mod virtual_card;

pub use dependants::Dependant;
pub use factors::{PasskeyOptions, TotpEnrolment};
pub use login::{ClientCtx, IssuedEidSession, LoginStep, Method};
pub use org::{OrgDraft, OrgView};
pub use sms::CodeIssue;

use crate::App;
use crate::audit::{AuditAction, AuditEntry};
use crate::error::{AppError, AppResult};
use crate::ports::{ActorRef, StoreResult};
use async_trait::async_trait;
use dinhdanh_crypto::webauthn::RelyingParty;
use dinhdanh_domain::codes::Phone;
use dinhdanh_domain::eid::{AccountState, Level, LockedBy, OrgCode, OrgRole};
use dinhdanh_domain::person::{Address, PersonId};
use dinhdanh_domain::pin::PersonalNumber;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// Legal basis written on every e-ID audit line.
pub const EID_LEGAL_BASIS: &str = "Nghị định 69/2024/NĐ-CP";

/// Settings of e-ID accounts and authentication.
#[derive(Clone, Debug)]
pub struct EidConfig {
    /// The WebAuthn relying party: its id (a domain, `localhost` in development) and origins.
    pub rp_id: String,
    pub rp_origins: Vec<String>,
    pub rp_name: String,
    /// Issuer shown by authenticator apps.
    pub totp_issuer: String,
    /// Absolute lifetime of a citizen's session, and how long it survives without use.
    pub session_ttl: Duration,
    pub session_idle: Duration,
    /// Time to complete the second factor after the password.
    pub second_factor_ttl: Duration,
    pub code_ttl: Duration,
    pub code_attempts: i32,
    /// SMS limits. Each purpose (activation, sign-in, reset) has its own budget per phone: one
    /// new code per interval while the last one is unused, and a few an hour. Over all purposes a
    /// phone receives at most `sms_per_hour` and `sms_per_day` codes. Notices carry no code and
    /// count against none of these.
    pub sms_min_interval: Duration,
    pub sms_per_purpose_hour: usize,
    pub sms_per_hour: usize,
    pub sms_per_day: usize,
    /// Consecutive failures of one PIN before the account is locked.
    pub lock_after: i32,
    /// Wait imposed after the n-th consecutive failure (index n − 1); the last value repeats.
    pub failure_delays: Vec<Duration>,
    /// Authentication attempts one IP address may make per window.
    pub ip_attempts: u32,
    pub ip_window: Duration,
    pub challenge_ttl: Duration,
}

impl Default for EidConfig {
    fn default() -> Self {
        EidConfig {
            rp_id: "localhost".to_owned(),
            rp_origins: vec!["http://localhost:8080".to_owned()],
            rp_name: "Định danh điện tử".to_owned(),
            totp_issuer: "dinhdanh".to_owned(),
            session_ttl: Duration::hours(12),
            session_idle: Duration::minutes(30),
            second_factor_ttl: Duration::minutes(5),
            code_ttl: Duration::minutes(5),
            code_attempts: 5,
            sms_min_interval: Duration::seconds(60),
            sms_per_purpose_hour: 5,
            sms_per_hour: 10,
            sms_per_day: 20,
            lock_after: 5,
            failure_delays: vec![Duration::ZERO, Duration::seconds(1), Duration::seconds(2), Duration::seconds(4)],
            ip_attempts: 100,
            ip_window: Duration::minutes(10),
            challenge_ttl: Duration::minutes(5),
        }
    }
}

impl EidConfig {
    pub fn relying_party(&self) -> RelyingParty {
        RelyingParty { id: self.rp_id.clone(), origins: self.rp_origins.clone() }
    }
}

/// Why an account is locked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lock {
    pub by: LockedBy,
    pub reason: String,
    pub at: OffsetDateTime,
}

/// A citizen's e-ID account.
#[derive(Clone)]
pub struct EidAccount {
    pub id: Uuid,
    pub person_id: PersonId,
    /// The user name.
    pub pin: PersonalNumber,
    pub level: Level,
    pub state: AccountState,
    pub phone: Phone,
    pub password_hash: Option<String>,
    pub passcode_hash: Option<String>,
    /// Base32 secret of the enrolled authenticator app, and of one being enrolled.
    pub totp_secret: Option<String>,
    pub totp_pending: Option<String>,
    /// The last time step accepted, so a code is never accepted twice.
    pub totp_last_step: Option<i64>,
    pub lock: Option<Lock>,
    /// How the account came to be: `counter` (level 2 at a police office) or `chip`.
    pub channel: String,
    pub note: String,
    /// Optimistic concurrency: the store refuses an update whose version is not current.
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub activated_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

impl fmt::Debug for EidAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hashes and secrets never reach a log.
        f.debug_struct("EidAccount")
            .field("id", &self.id)
            .field("level", &self.level)
            .field("state", &self.state)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl EidAccount {
    pub fn actor(&self) -> ActorRef {
        ActorRef { kind: "citizen", id: self.id, name: self.pin.as_str().to_owned() }
    }
}

/// Purpose of an SMS code; a code for one purpose is useless for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodePurpose {
    Activation,
    Login,
    Reset,
}

impl CodePurpose {
    pub fn code(self) -> &'static str {
        match self {
            CodePurpose::Activation => "activation",
            CodePurpose::Login => "login",
            CodePurpose::Reset => "reset",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [CodePurpose::Activation, CodePurpose::Login, CodePurpose::Reset].into_iter().find(|p| p.code() == s)
    }
}

/// A code sent by SMS, kept as a salted digest.
#[derive(Clone, Debug)]
pub struct SmsCode {
    pub id: Uuid,
    pub account_id: Uuid,
    pub phone: String,
    pub purpose: CodePurpose,
    pub salt: String,
    pub digest: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub attempts: i32,
    pub consumed_at: Option<OffsetDateTime>,
}

/// Stage of a citizen's session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStage {
    /// The password was right; a second factor is still due. Nothing else is allowed.
    SecondFactor,
    Full,
}

impl SessionStage {
    pub fn code(self) -> &'static str {
        match self {
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Full => "full",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "second_factor" => Some(SessionStage::SecondFactor),
            "full" => Some(SessionStage::Full),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct EidSession {
    /// Shown to the holder in the session list; not a secret.
    pub id: Uuid,
    pub token_digest: String,
    pub account_id: Uuid,
    pub csrf_token: String,
    pub stage: SessionStage,
    /// How the holder authenticated: `pwd`, `pwd+sms`, `pwd+otp`, `pwd+hwk`, `hwk`.
    pub methods: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub ip: String,
    pub device: String,
}

/// Consecutive failures of one key (a PIN, or an account's passcode), for delay and lockout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Throttle {
    pub key: String,
    pub failures: i32,
    pub last_failure_at: Option<OffsetDateTime>,
    pub locked: bool,
}

/// A WebAuthn credential (passkey) of an account.
#[derive(Clone, Debug)]
pub struct Passkey {
    pub credential_id: Vec<u8>,
    pub account_id: Uuid,
    pub public_key_cose: Vec<u8>,
    pub algorithm: i64,
    pub sign_count: i64,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

/// A one-time challenge of a WebAuthn ceremony.
#[derive(Clone, Debug)]
pub struct Challenge {
    pub id: Uuid,
    pub account_id: Option<Uuid>,
    /// `passkey_register`, `passkey_login`, `passkey_second_factor`.
    pub purpose: String,
    pub bytes: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub consumed_at: Option<OffsetDateTime>,
}

/// An organisation's e-ID account.
#[derive(Clone, Debug)]
pub struct Org {
    pub id: Uuid,
    pub code: OrgCode,
    pub name_vi: String,
    pub name_abbr: String,
    pub name_foreign: String,
    pub established: Date,
    pub head_office: Address,
    pub tax_code: String,
    pub legal_representative: Uuid,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct OrgMember {
    pub org_id: Uuid,
    pub account_id: Uuid,
    pub pin: PersonalNumber,
    pub role: OrgRole,
    pub added_at: OffsetDateTime,
    pub added_by: Uuid,
}

/// What an officer compares when a level-1 registration by chip waits for review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EvidenceKind {
    /// The live photo the applicant sent.
    Selfie,
    /// The portrait read from the chip (DG2), which our document signer signed.
    ChipPortrait,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 2] = [EvidenceKind::Selfie, EvidenceKind::ChipPortrait];

    pub fn code(self) -> &'static str {
        match self {
            EvidenceKind::Selfie => "selfie",
            EvidenceKind::ChipPortrait => "chip_portrait",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// An image kept for the review of a registration, sealed with the identity store's data keys
/// (the account id and the kind are the associated data, so a row cannot be moved to another).
#[derive(Clone, Debug)]
pub struct ReviewEvidence {
    pub account_id: Uuid,
    pub kind: EvidenceKind,
    pub byte_len: usize,
    pub created_at: OffsetDateTime,
    pub sealed: crate::identity::Sealed,
}

impl ReviewEvidence {
    pub fn aad(account_id: Uuid, kind: EvidenceKind) -> Vec<u8> {
        let mut aad = b"eid-review-evidence:".to_vec();
        aad.extend_from_slice(account_id.as_bytes());
        aad.extend_from_slice(kind.code().as_bytes());
        aad
    }
}

/// Everything one e-ID use case writes, committed in one transaction with its audit lines.
#[derive(Clone, Debug, Default)]
pub struct EidChange {
    pub insert_account: Option<EidAccount>,
    /// Written only if the stored version still equals `version` (else `StoreError::Conflict`).
    pub update_account: Option<EidAccount>,
    /// Ends every session of an account, except one (the caller's own) when given.
    pub end_sessions: Option<(Uuid, Option<String>)>,
    pub delete_session: Option<String>,
    pub insert_session: Option<EidSession>,
    pub touch_session: Option<(String, OffsetDateTime)>,
    pub insert_code: Option<SmsCode>,
    pub update_code: Option<SmsCode>,
    pub throttle: Option<Throttle>,
    pub clear_throttle: Vec<String>,
    pub insert_passkey: Option<Passkey>,
    pub update_passkey: Option<Passkey>,
    pub delete_passkey: Option<(Uuid, Vec<u8>)>,
    pub insert_challenge: Option<Challenge>,
    /// Marks a challenge used; `StoreError::Conflict` if it already was.
    pub consume_challenge: Option<(Uuid, OffsetDateTime)>,
    pub known_device: Option<(Uuid, String, OffsetDateTime)>,
    pub insert_org: Option<Org>,
    pub insert_member: Option<OrgMember>,
    pub delete_member: Option<(Uuid, Uuid)>,
    pub insert_evidence: Vec<ReviewEvidence>,
    /// Deletes the review evidence of an account (the officer has decided).
    pub delete_evidence: Option<Uuid>,
    pub audit: Vec<AuditEntry>,
}

/// Storage of e-ID accounts; part of [`crate::ports::Store`].
#[async_trait]
pub trait EidStore: Send + Sync {
    async fn eid_commit(&self, change: EidChange) -> StoreResult<()>;
    async fn eid_account(&self, id: Uuid) -> StoreResult<Option<EidAccount>>;
    async fn eid_account_by_pin(&self, pin: &PersonalNumber) -> StoreResult<Option<EidAccount>>;
    async fn eid_account_by_person(&self, person: PersonId) -> StoreResult<Option<EidAccount>>;
    async fn eid_accounts_in_state(&self, state: AccountState, limit: u32) -> StoreResult<Vec<EidAccount>>;
    async fn eid_session(&self, token_digest: &str) -> StoreResult<Option<EidSession>>;
    async fn eid_sessions_of(&self, account: Uuid) -> StoreResult<Vec<EidSession>>;
    /// The newest code of an account for a purpose, consumed or not.
    async fn eid_latest_code(&self, account: Uuid, purpose: CodePurpose) -> StoreResult<Option<SmsCode>>;
    /// When codes were sent to a phone since `since`, and for what, newest first.
    async fn eid_codes_sent_since(
        &self,
        phone: &str,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<(OffsetDateTime, CodePurpose)>>;
    async fn eid_throttle(&self, key: &str) -> StoreResult<Option<Throttle>>;
    async fn eid_passkeys_of(&self, account: Uuid) -> StoreResult<Vec<Passkey>>;
    async fn eid_passkey(&self, credential_id: &[u8]) -> StoreResult<Option<Passkey>>;
    async fn eid_challenge(&self, id: Uuid) -> StoreResult<Option<Challenge>>;
    /// The review evidence kept for an account (none once an officer has decided).
    async fn eid_review_evidence(&self, account: Uuid) -> StoreResult<Vec<ReviewEvidence>>;
    async fn eid_device_known(&self, account: Uuid, fingerprint: &str) -> StoreResult<bool>;
    /// Authentication events about a person (their login history), newest first.
    async fn eid_auth_history(&self, person: PersonId, limit: u32) -> StoreResult<Vec<AuditEntry>>;
    async fn eid_org_by_code(&self, code: &OrgCode) -> StoreResult<Option<Org>>;
    async fn eid_org_by_tax_code(&self, tax_code: &str) -> StoreResult<Option<Org>>;
    /// Organisations an account belongs to, with its role in each.
    async fn eid_orgs_of(&self, account: Uuid) -> StoreResult<Vec<(Org, OrgRole)>>;
    async fn eid_org_members(&self, org: Uuid) -> StoreResult<Vec<OrgMember>>;
    async fn eid_org_serial_taken(&self, code: &OrgCode) -> StoreResult<bool>;
}

/// Audit actions that make up a holder's login history.
pub const HISTORY_ACTIONS: [AuditAction; 8] = [
    AuditAction::EidLogin,
    AuditAction::EidLoginFailed,
    AuditAction::EidLogout,
    AuditAction::EidLock,
    AuditAction::EidUnlock,
    AuditAction::EidFactor,
    AuditAction::EidAccount,
    AuditAction::EidCode,
];

/// Authentication attempts per IP address in the current window (in memory, per node).
#[derive(Default)]
pub(crate) struct IpLimiter(Mutex<HashMap<String, (OffsetDateTime, u32)>>);

/// The e-ID adapters the application holds.
pub struct EidParts {
    pub sms: Arc<dyn sms::SmsGateway>,
    /// The development outbox, when SMS go there (demo servers show it on a page).
    pub outbox: Option<Arc<sms::DevOutbox>>,
    /// The external face comparison of level-1 registrations; none by default (officers review).
    pub(crate) face: Option<Arc<dyn chip::FaceMatcher>>,
    /// The demonstration servers' virtual card reader; never in production.
    pub(crate) virtual_cards: Option<Arc<virtual_card::VirtualCards>>,
    pub(crate) ip_limiter: IpLimiter,
}

impl Default for EidParts {
    fn default() -> Self {
        EidParts {
            sms: Arc::new(sms::NoSmsGateway),
            outbox: None,
            face: None,
            virtual_cards: None,
            ip_limiter: IpLimiter::default(),
        }
    }
}

/// A signed-in holder: their account and the session they act through.
#[derive(Clone, Debug)]
pub struct Holder {
    pub account: EidAccount,
    pub session: EidSession,
}

impl App {
    /// Replaces the SMS gateway (the composition root picks it).
    pub fn with_sms(mut self, sms: Arc<dyn sms::SmsGateway>) -> Self {
        self.eid.sms = sms;
        self
    }

    pub(crate) fn eid_line(
        &self,
        actor: ActorRef,
        action: AuditAction,
        person: Option<PersonId>,
        detail: impl Into<String>,
    ) -> AuditEntry {
        AuditEntry {
            id: self.rng.uuid(),
            at: self.clock.now(),
            actor,
            action,
            person_id: person,
            fields: String::new(),
            purpose: "eid".to_owned(),
            legal_basis: EID_LEGAL_BASIS.to_owned(),
            event_id: None,
            detail: detail.into(),
        }
    }

    /// Counts an authentication attempt from an IP address; refuses past the window's limit.
    pub(crate) fn eid_ip_attempt(&self, ip: &str) -> AppResult<()> {
        let cfg = &self.config.eid;
        let now = self.clock.now();
        let mut map = self.eid.ip_limiter.0.lock().expect("ip limiter lock");
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now - *start < cfg.ip_window);
        }
        let entry = map.entry(ip.to_owned()).or_insert((now, 0));
        if now - entry.0 >= cfg.ip_window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > cfg.ip_attempts {
            let retry = (entry.0 + cfg.ip_window - now).whole_seconds().max(1);
            return Err(AppError::TooManyRequests(retry as u64));
        }
        Ok(())
    }

    /// Sends every SMS to a development outbox that demo pages show. Never in production.
    pub fn with_dev_outbox(mut self, outbox: Arc<sms::DevOutbox>) -> Self {
        self.eid.sms = outbox.clone();
        self.eid.outbox = Some(outbox);
        self
    }

    /// The holder's account as stored now (a page shows fresh state, a use case changes it).
    pub async fn eid_fresh(&self, holder: &Holder) -> AppResult<EidAccount> {
        self.store.eid_account(holder.account.id).await?.ok_or(AppError::Unauthenticated)
    }

    pub(crate) fn require_full(holder: &Holder) -> AppResult<()> {
        if holder.session.stage == SessionStage::Full && holder.account.state == AccountState::Active {
            Ok(())
        } else {
            Err(AppError::Unauthenticated)
        }
    }
}

/// The throttle key of a PIN: failures count per number whether or not an account exists, so
/// delays and locks reveal nothing about which numbers have accounts.
pub(crate) fn pin_key(pin: &PersonalNumber) -> String {
    format!("pin:{}", dinhdanh_crypto::token::digest(pin.as_str()))
}

pub(crate) fn passcode_key(account: Uuid) -> String {
    format!("passcode:{account}")
}
