//! SMS: the gateway port, a development outbox, and how codes are issued and checked.
//!
//! Codes live 5 minutes, are stored as salted digests, allow 5 attempts. Each purpose has its
//! own budget per phone (a minute between codes while the last is unused, a few an hour), and a
//! phone receives a limited number of codes per hour and day over all purposes. Notices carry no
//! code and spend no budget. No password is ever sent.

use super::{CodePurpose, EidAccount, EidChange, SmsCode};
use crate::App;
use crate::audit::AuditAction;
use crate::error::{AppError, AppResult};
use async_trait::async_trait;
use dinhdanh_crypto::otp;
use dinhdanh_domain::codes::Phone;
use dinhdanh_domain::error::Rule;
use std::collections::VecDeque;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("no SMS gateway is configured")]
    NotConfigured,
    #[error("the SMS gateway refused or failed: {0}")]
    Failed(String),
}

/// Sends a text message to a phone number.
#[async_trait]
pub trait SmsGateway: Send + Sync {
    async fn send(&self, phone: &Phone, text: &str) -> Result<(), SmsError>;
}

/// The gateway when none is configured: every send fails, so nothing pretends to be delivered.
pub struct NoSmsGateway;

#[async_trait]
impl SmsGateway for NoSmsGateway {
    async fn send(&self, _: &Phone, _: &str) -> Result<(), SmsError> {
        Err(SmsError::NotConfigured)
    }
}

/// A message kept by the development outbox.
#[derive(Clone, Debug)]
pub struct OutboxMessage {
    pub at: OffsetDateTime,
    pub phone: String,
    pub text: String,
}

/// Development and test gateway: keeps the last messages in memory instead of sending them.
/// Only a demo server shows them (on its outbox page); never use it in production.
pub struct DevOutbox {
    messages: Mutex<VecDeque<OutboxMessage>>,
    clock: std::sync::Arc<dyn crate::ports::Clock>,
}

impl DevOutbox {
    pub const CAPACITY: usize = 500;

    pub fn new(clock: std::sync::Arc<dyn crate::ports::Clock>) -> Self {
        DevOutbox { messages: Mutex::new(VecDeque::new()), clock }
    }

    /// Newest first.
    pub fn messages(&self) -> Vec<OutboxMessage> {
        self.messages.lock().expect("outbox lock").iter().rev().cloned().collect()
    }

    /// The 6-digit code of the newest message to a phone that carries one, for tests.
    pub fn last_code(&self, phone: &str) -> Option<String> {
        self.messages()
            .into_iter()
            .filter(|m| m.phone == phone)
            .find_map(|m| m.text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_owned))
    }
}

#[async_trait]
impl SmsGateway for DevOutbox {
    async fn send(&self, phone: &Phone, text: &str) -> Result<(), SmsError> {
        let mut q = self.messages.lock().expect("outbox lock");
        if q.len() >= Self::CAPACITY {
            q.pop_front();
        }
        q.push_back(OutboxMessage { at: self.clock.now(), phone: phone.as_str().to_owned(), text: text.to_owned() });
        Ok(())
    }
}

/// The message of a code. Plain ASCII (GSM-7) so one SMS holds it; no link, no password.
fn code_text(purpose: CodePurpose, code: &str) -> String {
    let what = match purpose {
        CodePurpose::Activation => "kich hoat tai khoan dinh danh dien tu",
        CodePurpose::Login => "dang nhap tai khoan dinh danh dien tu",
        CodePurpose::Reset => "dat lai mat khau tai khoan dinh danh dien tu",
    };
    format!("Ma xac thuc {what}: {code}. Hieu luc 5 phut. Khong cung cap ma nay cho bat ky ai.")
}

/// What became of a request for a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeIssue {
    /// A new code left for the phone.
    Sent,
    /// A code of the same purpose went out less than the interval ago and is still usable; no
    /// new message was sent, the holder types the one they have.
    StillValid,
}

/// A message about the account that carries no code (a level granted, for instance). Plain
/// ASCII and no six-digit number, so it is never mistaken for a code.
pub(crate) fn notice_text(what: &str) -> String {
    format!("Tai khoan dinh danh dien tu: {what}. Neu khong phai ban thuc hien, hay lien he co quan Cong an.")
}

impl App {
    /// Applies the SMS budgets before a code of `purpose` goes to the account's phone. Purposes
    /// have separate budgets so one step of a legitimate flow (the activation code sent at the
    /// counter) never blocks the next (the sign-in code right after activation). Within the
    /// interval, a still-usable code answers [`CodeIssue::StillValid`] instead of an error; a new
    /// code is due at once when the last one was used. The errors name the budget in the log.
    async fn sms_budget(&self, account: &EidAccount, purpose: CodePurpose) -> AppResult<Option<CodeIssue>> {
        let cfg = &self.config.eid;
        let now = self.clock.now();
        if let Some(last) = self.store.eid_latest_code(account.id, purpose).await?
            && last.phone == account.phone.as_str()
            && last.consumed_at.is_none()
            && now - last.created_at < cfg.sms_min_interval
        {
            if last.expires_at > now && last.attempts < cfg.code_attempts {
                return Ok(Some(CodeIssue::StillValid));
            }
            tracing::info!(purpose = purpose.code(), "SMS refused: interval of the purpose");
            return Err(AppError::invalid("phone", Rule::EidSmsLimit));
        }
        let sent = self.store.eid_codes_sent_since(account.phone.as_str(), now - Duration::days(1)).await?;
        let hour: Vec<_> = sent.iter().filter(|(t, _)| now - *t < Duration::hours(1)).collect();
        let budget = if hour.iter().filter(|(_, p)| *p == purpose).count() >= cfg.sms_per_purpose_hour {
            Some("hourly budget of the purpose")
        } else if hour.len() >= cfg.sms_per_hour {
            Some("hourly cap of the phone")
        } else if sent.len() >= cfg.sms_per_day {
            Some("daily cap of the phone")
        } else {
            None
        };
        if let Some(budget) = budget {
            tracing::info!(purpose = purpose.code(), budget, "SMS refused");
            return Err(AppError::invalid("phone", Rule::EidSmsLimit));
        }
        Ok(None)
    }

    /// Issues a code for an account and sends it to the account's phone. The code row and its
    /// audit line are committed before the message leaves.
    pub(crate) async fn issue_code(&self, account: &EidAccount, purpose: CodePurpose) -> AppResult<CodeIssue> {
        if let Some(answer) = self.sms_budget(account, purpose).await? {
            return Ok(answer);
        }
        let now = self.clock.now();
        let code = otp::six_digits(|| {
            let mut b = [0u8; 4];
            self.rng.fill(&mut b);
            u32::from_le_bytes(b)
        });
        let mut salt = [0u8; otp::SALT_LEN];
        self.rng.fill(&mut salt);
        let row = SmsCode {
            id: self.rng.uuid(),
            account_id: account.id,
            phone: account.phone.as_str().to_owned(),
            purpose,
            salt: dinhdanh_crypto::token::hex(&salt),
            digest: otp::digest(&salt, purpose.code(), &code),
            created_at: now,
            expires_at: now + self.config.eid.code_ttl,
            attempts: 0,
            consumed_at: None,
        };
        let audit = self.eid_line(
            account.actor(),
            AuditAction::EidCode,
            Some(account.person_id),
            format!("code sent: {}", purpose.code()),
        );
        self.store.eid_commit(EidChange { insert_code: Some(row), audit: vec![audit], ..Default::default() }).await?;
        self.eid.sms.send(&account.phone, &code_text(purpose, &code)).await.map_err(|e| {
            tracing::warn!(error = %e, "SMS not sent");
            AppError::Unavailable("SMS gateway".to_owned())
        })?;
        Ok(CodeIssue::Sent)
    }

    /// Sends a notice (no code) to the account's phone. It is a courtesy to the holder, so a
    /// gateway failure is logged, not raised: the change it reports is already committed.
    pub(crate) async fn send_notice(&self, account: &EidAccount, what: &str) {
        if let Err(e) = self.eid.sms.send(&account.phone, &notice_text(what)).await {
            tracing::warn!(error = %e, "SMS notice not sent");
        }
    }

    /// Checks a typed code against the newest code of the purpose. A wrong code counts an
    /// attempt (committed at once); a right one is consumed in `change`, which the caller commits
    /// with the rest of the use case. The failures name the rule: wrong, expired, used, attempts.
    pub(crate) async fn check_code(
        &self,
        account: &EidAccount,
        purpose: CodePurpose,
        typed: &str,
        field: &str,
        change: &mut EidChange,
    ) -> AppResult<()> {
        let typed = dinhdanh_domain::eid::check_code_format(typed).map_err(|r| AppError::invalid(field, r))?;
        let now = self.clock.now();
        let Some(mut code) = self.store.eid_latest_code(account.id, purpose).await? else {
            return Err(AppError::invalid(field, Rule::EidCodeNone));
        };
        let salt = hex_bytes(&code.salt).ok_or_else(|| AppError::Internal("stored code salt".into()))?;
        let right = otp::matches(&salt, purpose.code(), &typed, &code.digest);
        let fail = |rule: Rule, line: &str| (rule, line.to_owned());
        let refusal = if code.consumed_at.is_some() {
            Some(if right { fail(Rule::EidCodeUsed, "code replayed") } else { fail(Rule::EidCodeNone, "no live code") })
        } else if code.attempts >= self.config.eid.code_attempts {
            Some(fail(Rule::EidCodeAttempts, "code attempts exhausted"))
        } else if code.expires_at <= now {
            Some(fail(Rule::EidCodeExpired, "code expired"))
        } else if !right {
            Some(fail(Rule::EidCodeWrong, "code wrong"))
        } else {
            None
        };
        if let Some((rule, line)) = refusal {
            let mut bad = EidChange {
                audit: vec![self.eid_line(
                    account.actor(),
                    AuditAction::EidLoginFailed,
                    Some(account.person_id),
                    format!("{line}: {}", purpose.code()),
                )],
                ..Default::default()
            };
            if rule == Rule::EidCodeWrong {
                code.attempts += 1;
                bad.update_code = Some(code);
            }
            self.store.eid_commit(bad).await?;
            return Err(AppError::invalid(field, rule));
        }
        code.consumed_at = Some(now);
        change.update_code = Some(code);
        Ok(())
    }
}

pub(crate) fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}
