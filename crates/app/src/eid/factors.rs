//! Authenticator apps (TOTP, RFC 6238) and passkeys (WebAuthn): enrolment, removal, and their
//! use as a second factor or, for passkeys, as a first factor without a password. Authenticator
//! secrets are stored sealed with the data keys (AES-256-GCM), bound to their account.

use super::login::{ClientCtx, IssuedEidSession, Method};
use super::sms::hex_bytes;
use super::{Challenge, EidChange, Holder, Passkey, SessionStage, pin_key};
use crate::App;
use crate::audit::AuditAction;
use crate::error::{AppError, AppResult};
use dinhdanh_crypto::aead::Sealed;
use dinhdanh_crypto::token;
use dinhdanh_crypto::totp::{self, Totp};
use dinhdanh_crypto::webauthn::{self, StoredCredential};
use dinhdanh_domain::eid::AccountState;
use dinhdanh_domain::error::Rule;
use uuid::Uuid;

/// Steps either side of the current one that a TOTP code may come from (clock drift).
const TOTP_SKEW: u64 = 1;

/// A pending enrolment: the URI to show as a QR code, and the secret for manual entry.
pub struct TotpEnrolment {
    pub otpauth_uri: String,
    pub secret_base32: String,
}

/// What the browser needs for `navigator.credentials.create` or `.get`.
#[derive(Clone, Debug)]
pub struct PasskeyOptions {
    pub challenge_id: Uuid,
    pub challenge: Vec<u8>,
    pub rp_id: String,
    pub rp_name: String,
    /// For registration: the user handle (the account id) and names.
    pub user_id: Vec<u8>,
    pub user_name: String,
    pub user_display_name: String,
    /// Credentials to exclude (registration) or allow (second factor).
    pub credentials: Vec<Vec<u8>>,
    pub timeout_ms: u64,
}

/// A passkey response as the browser returns it (every part base64url-decoded).
pub struct PasskeyResponse {
    pub challenge_id: Uuid,
    pub credential_id: Vec<u8>,
    pub client_data_json: Vec<u8>,
    /// Registration: the attestation object. Authentication: the authenticator data.
    pub authenticator_data: Vec<u8>,
    pub signature: Vec<u8>,
    pub user_handle: Option<Vec<u8>>,
}

/// Prefix of a sealed TOTP secret as stored: `aes1:KEY:NONCE:CIPHERTEXT` (hex).
const SEALED_PREFIX: &str = "aes1";

/// What a sealed secret is bound to: its account, so a row copied to another account does not
/// open.
fn totp_aad(account: Uuid) -> Vec<u8> {
    let mut aad = b"dinhdanh eid totp ".to_vec();
    aad.extend_from_slice(account.as_bytes());
    aad
}

impl App {
    fn unix_now(&self) -> u64 {
        self.clock.now().unix_timestamp().max(0) as u64
    }

    /// Seals an authenticator secret for storage with the current data key (AES-256-GCM, the
    /// identity store's keys): a copy of the database alone does not give the secrets away.
    pub(crate) fn seal_totp(&self, account: Uuid, secret: &[u8]) -> AppResult<String> {
        let s = self.data_keys()?.seal(&totp_aad(account), secret).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(format!("{SEALED_PREFIX}:{}:{}:{}", s.key_id, token::hex(&s.nonce), token::hex(&s.ciphertext)))
    }

    /// Opens a stored authenticator secret.
    pub(crate) fn open_totp(&self, account: Uuid, stored: &str) -> AppResult<Vec<u8>> {
        let bad = || AppError::Internal("stored authenticator secret is not readable".into());
        let mut parts = stored.split(':');
        let (Some(SEALED_PREFIX), Some(key), Some(nonce), Some(ct), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let sealed = Sealed {
            key_id: key.parse().map_err(|_| bad())?,
            nonce: hex_bytes(nonce).and_then(|n| n.try_into().ok()).ok_or_else(bad)?,
            ciphertext: hex_bytes(ct).ok_or_else(bad)?,
        };
        self.data_keys()?.open(&sealed, &totp_aad(account)).map_err(|_| bad())
    }

    /// Starts enrolling an authenticator app: a new secret, held as pending until a code from
    /// the app confirms it.
    pub async fn eid_totp_begin(&self, holder: &Holder) -> AppResult<TotpEnrolment> {
        Self::require_full(holder)?;
        let a = self.eid_fresh(holder).await?;
        let mut secret = [0u8; totp::SECRET_LEN];
        self.rng.fill(&mut secret);
        let b32 = totp::base32_encode(&secret);
        let mut next = a.clone();
        next.totp_pending = Some(self.seal_totp(a.id, &secret)?);
        self.store.eid_commit(EidChange { update_account: Some(next), ..Default::default() }).await?;
        Ok(TotpEnrolment {
            otpauth_uri: Totp::standard(&secret).otpauth_uri(&self.config.eid.totp_issuer, a.pin.as_str()),
            secret_base32: b32,
        })
    }

    /// Confirms the enrolment with a code from the app; the app then counts as a second factor.
    pub async fn eid_totp_confirm(&self, holder: &Holder, code: &str) -> AppResult<()> {
        Self::require_full(holder)?;
        let a = self.eid_fresh(holder).await?;
        let code = dinhdanh_domain::eid::check_code_format(code).map_err(|r| AppError::invalid("code", r))?;
        let sealed = a.totp_pending.as_deref().ok_or_else(|| AppError::invalid("code", Rule::EidTotpNone))?;
        let secret = self.open_totp(a.id, sealed)?;
        let Some(step) = Totp::standard(&secret).verify(&code, self.unix_now(), TOTP_SKEW, None) else {
            return Err(AppError::invalid("code", Rule::EidTotpWrong));
        };
        let mut next = a.clone();
        next.totp_secret = next.totp_pending.take();
        next.totp_last_step = Some(step as i64);
        let line = self.eid_line(a.actor(), AuditAction::EidFactor, Some(a.person_id), "authenticator app enrolled");
        self.store
            .eid_commit(EidChange { update_account: Some(next), audit: vec![line], ..Default::default() })
            .await?;
        Ok(())
    }

    /// Removes the authenticator app (the passcode is required).
    pub async fn eid_totp_remove(&self, holder: &Holder, passcode: &str) -> AppResult<()> {
        Self::require_full(holder)?;
        self.check_passcode(holder, passcode).await?;
        let a = self.eid_fresh(holder).await?;
        if a.totp_secret.is_none() {
            return Err(AppError::invalid("", Rule::EidTotpNone));
        }
        let mut next = a.clone();
        next.totp_secret = None;
        next.totp_pending = None;
        next.totp_last_step = None;
        let line = self.eid_line(a.actor(), AuditAction::EidFactor, Some(a.person_id), "authenticator app removed");
        self.store
            .eid_commit(EidChange { update_account: Some(next), audit: vec![line], ..Default::default() })
            .await?;
        Ok(())
    }

    /// Completes a sign-in with a code from the authenticator app. A code is accepted once.
    pub async fn eid_second_factor_totp(
        &self,
        holder: &Holder,
        code: &str,
        ctx: &ClientCtx,
    ) -> AppResult<IssuedEidSession> {
        if holder.session.stage != SessionStage::SecondFactor || holder.account.state != AccountState::Active {
            return Err(AppError::Unauthenticated);
        }
        self.eid_ip_attempt(&ctx.ip)?;
        self.throttle_gate(&pin_key(&holder.account.pin)).await?;
        let a = self.eid_fresh(holder).await?;
        let code = dinhdanh_domain::eid::check_code_format(code).map_err(|r| AppError::invalid("code", r))?;
        let sealed = a.totp_secret.as_deref().ok_or_else(|| AppError::invalid("method", Rule::EidMethod))?;
        let secret = self.open_totp(a.id, sealed)?;
        let t = Totp::standard(&secret);
        let used = a.totp_last_step.map(|s| s.max(0) as u64);
        match t.verify(&code, self.unix_now(), TOTP_SKEW, used) {
            Some(step) => {
                let mut next = a.clone();
                next.totp_last_step = Some(step as i64);
                let change = EidChange { update_account: Some(next), ..Default::default() };
                let holder = Holder { account: a, session: holder.session.clone() };
                self.finish_second_factor(&holder, Method::Totp, ctx, change).await
            }
            None => {
                let replay = t.is_replay(&code, self.unix_now(), TOTP_SKEW, used);
                let what = if replay { "authenticator code replayed" } else { "authenticator code wrong" };
                if self.second_factor_failed(holder, what, ctx).await? {
                    return Err(AppError::Locked);
                }
                Err(AppError::invalid("code", if replay { Rule::EidCodeUsed } else { Rule::EidTotpWrong }))
            }
        }
    }

    async fn new_challenge(&self, account: Option<Uuid>, purpose: &str) -> AppResult<Challenge> {
        let now = self.clock.now();
        let c = Challenge {
            id: self.rng.uuid(),
            account_id: account,
            purpose: purpose.to_owned(),
            bytes: self.rng.bytes32().to_vec(),
            created_at: now,
            expires_at: now + self.config.eid.challenge_ttl,
            consumed_at: None,
        };
        self.store.eid_commit(EidChange { insert_challenge: Some(c.clone()), ..Default::default() }).await?;
        Ok(c)
    }

    /// Loads a challenge for one purpose (and account) that is still unused and in time.
    async fn live_challenge(&self, id: Uuid, purpose: &str, account: Option<Uuid>) -> AppResult<Challenge> {
        let c = self.store.eid_challenge(id).await?;
        match c {
            Some(c) if c.purpose == purpose && c.account_id == account => {
                if c.consumed_at.is_some() || c.expires_at <= self.clock.now() {
                    Err(AppError::invalid("challenge_id", Rule::EidChallengeExpired))
                } else {
                    Ok(c)
                }
            }
            _ => Err(AppError::invalid("challenge_id", Rule::EidChallengeExpired)),
        }
    }

    fn options(&self, c: &Challenge, user: Option<&super::EidAccount>, credentials: Vec<Vec<u8>>) -> PasskeyOptions {
        let cfg = &self.config.eid;
        PasskeyOptions {
            challenge_id: c.id,
            challenge: c.bytes.clone(),
            rp_id: cfg.rp_id.clone(),
            rp_name: cfg.rp_name.clone(),
            user_id: user.map(|a| a.id.as_bytes().to_vec()).unwrap_or_default(),
            user_name: user.map(|a| a.pin.as_str().to_owned()).unwrap_or_default(),
            user_display_name: user.map(|a| a.pin.as_str().to_owned()).unwrap_or_default(),
            credentials,
            timeout_ms: cfg.challenge_ttl.whole_milliseconds().max(0) as u64,
        }
    }

    /// Options to create a passkey for the holder (existing ones are excluded).
    pub async fn eid_passkey_register_options(&self, holder: &Holder) -> AppResult<PasskeyOptions> {
        Self::require_full(holder)?;
        let a = &holder.account;
        let existing = self.store.eid_passkeys_of(a.id).await?.into_iter().map(|p| p.credential_id).collect();
        let c = self.new_challenge(Some(a.id), "passkey_register").await?;
        Ok(self.options(&c, Some(a), existing))
    }

    /// Verifies the browser's answer (§7.1: ES256 or EdDSA, attestation none, user verified) and
    /// stores the passkey.
    pub async fn eid_passkey_register(&self, holder: &Holder, r: PasskeyResponse, name: &str) -> AppResult<Passkey> {
        Self::require_full(holder)?;
        let a = &holder.account;
        let c = self.live_challenge(r.challenge_id, "passkey_register", Some(a.id)).await?;
        let name = dinhdanh_domain::name::clean_text(name, 60).map_err(|rule| AppError::invalid("name", rule))?;
        let now = self.clock.now();
        let checked = webauthn::verify_registration(
            &self.config.eid.relying_party(),
            &c.bytes,
            &r.client_data_json,
            &r.authenticator_data,
            true,
        );
        let cred = match checked {
            Ok(cred) => cred,
            Err(e) => {
                let line = self.eid_line(
                    a.actor(),
                    AuditAction::EidFactor,
                    Some(a.person_id),
                    format!("passkey refused: {e}"),
                );
                self.store
                    .eid_commit(EidChange {
                        consume_challenge: Some((c.id, now)),
                        audit: vec![line],
                        ..Default::default()
                    })
                    .await?;
                return Err(AppError::invalid("credential", Rule::EidPasskeyInvalid));
            }
        };
        if self.store.eid_passkey(&cred.id).await?.is_some() {
            return Err(AppError::invalid("credential", Rule::EidPasskeyInvalid));
        }
        let pk = Passkey {
            credential_id: cred.id,
            account_id: a.id,
            public_key_cose: cred.public_key_cose,
            algorithm: cred.algorithm,
            sign_count: cred.sign_count as i64,
            backup_eligible: cred.backup_eligible,
            backup_state: cred.backup_state,
            name: if name.is_empty() { "passkey".to_owned() } else { name },
            created_at: now,
            last_used_at: None,
        };
        let alg = if pk.algorithm == webauthn::COSE_ES256 { "ES256" } else { "EdDSA" };
        let line = self.eid_line(
            a.actor(),
            AuditAction::EidFactor,
            Some(a.person_id),
            format!("passkey added ({alg}): {}", pk.name),
        );
        self.store
            .eid_commit(EidChange {
                consume_challenge: Some((c.id, now)),
                insert_passkey: Some(pk.clone()),
                audit: vec![line],
                ..Default::default()
            })
            .await?;
        Ok(pk)
    }

    pub async fn eid_passkeys(&self, holder: &Holder) -> AppResult<Vec<Passkey>> {
        Self::require_full(holder)?;
        Ok(self.store.eid_passkeys_of(holder.account.id).await?)
    }

    /// Removes a passkey (the passcode is required).
    pub async fn eid_passkey_remove(&self, holder: &Holder, credential_id: &[u8], passcode: &str) -> AppResult<()> {
        Self::require_full(holder)?;
        let a = &holder.account;
        let pk =
            self.store.eid_passkey(credential_id).await?.filter(|p| p.account_id == a.id).ok_or(AppError::NotFound)?;
        self.check_passcode(holder, passcode).await?;
        let line = self.eid_line(
            a.actor(),
            AuditAction::EidFactor,
            Some(a.person_id),
            format!("passkey removed: {}", pk.name),
        );
        self.store
            .eid_commit(EidChange {
                delete_passkey: Some((a.id, pk.credential_id)),
                audit: vec![line],
                ..Default::default()
            })
            .await?;
        Ok(())
    }

    /// Options for a passkey as the second factor of a sign-in (only the holder's passkeys).
    pub async fn eid_passkey_second_factor_options(&self, holder: &Holder) -> AppResult<PasskeyOptions> {
        if holder.session.stage != SessionStage::SecondFactor {
            return Err(AppError::Unauthenticated);
        }
        let a = &holder.account;
        let creds: Vec<Vec<u8>> =
            self.store.eid_passkeys_of(a.id).await?.into_iter().map(|p| p.credential_id).collect();
        if creds.is_empty() {
            return Err(AppError::invalid("method", Rule::EidMethod));
        }
        let c = self.new_challenge(Some(a.id), "passkey_second_factor").await?;
        Ok(self.options(&c, None, creds))
    }

    /// Options to sign in with a passkey alone (discoverable credentials, user verification).
    pub async fn eid_passkey_login_options(&self, ip: &str) -> AppResult<PasskeyOptions> {
        self.eid_ip_attempt(ip)?;
        let c = self.new_challenge(None, "passkey_login").await?;
        Ok(self.options(&c, None, vec![]))
    }

    /// §7.2 for one stored passkey; updates its counter and consumes the challenge in `change`.
    async fn check_assertion(
        &self,
        c: &Challenge,
        r: &PasskeyResponse,
        pk: &Passkey,
        change: &mut EidChange,
    ) -> Result<(), webauthn::WebAuthnError> {
        let stored = StoredCredential {
            public_key_cose: &pk.public_key_cose,
            sign_count: pk.sign_count.clamp(0, u32::MAX as i64) as u32,
            backup_eligible: pk.backup_eligible,
        };
        let got = webauthn::verify_assertion(
            &self.config.eid.relying_party(),
            &c.bytes,
            &stored,
            &r.client_data_json,
            &r.authenticator_data,
            &r.signature,
            true,
        )?;
        let mut next = pk.clone();
        next.sign_count = got.sign_count as i64;
        next.backup_state = got.backup_state;
        next.last_used_at = Some(self.clock.now());
        change.update_passkey = Some(next);
        change.consume_challenge = Some((c.id, self.clock.now()));
        Ok(())
    }

    /// Completes a sign-in with one of the holder's passkeys.
    pub async fn eid_second_factor_passkey(
        &self,
        holder: &Holder,
        r: PasskeyResponse,
        ctx: &ClientCtx,
    ) -> AppResult<IssuedEidSession> {
        if holder.session.stage != SessionStage::SecondFactor || holder.account.state != AccountState::Active {
            return Err(AppError::Unauthenticated);
        }
        self.eid_ip_attempt(&ctx.ip)?;
        self.throttle_gate(&pin_key(&holder.account.pin)).await?;
        let a = &holder.account;
        let c = self.live_challenge(r.challenge_id, "passkey_second_factor", Some(a.id)).await?;
        let pk = self.store.eid_passkey(&r.credential_id).await?.filter(|p| p.account_id == a.id);
        let mut change = EidChange::default();
        let outcome = match &pk {
            Some(pk) => self.check_assertion(&c, &r, pk, &mut change).await.map_err(|e| e.to_string()),
            None => Err("unknown credential".to_owned()),
        };
        match outcome {
            Ok(()) => self.finish_second_factor(holder, Method::Passkey, ctx, change).await,
            Err(why) => {
                if self.second_factor_failed(holder, &format!("passkey refused: {why}"), ctx).await? {
                    return Err(AppError::Locked);
                }
                Err(AppError::invalid("credential", Rule::EidPasskeyInvalid))
            }
        }
    }

    /// Signs in with a passkey alone. User verification on the authenticator makes it a
    /// multi-factor sign-in, so no second factor follows.
    pub async fn eid_passkey_login(&self, r: PasskeyResponse, ctx: &ClientCtx) -> AppResult<IssuedEidSession> {
        self.eid_ip_attempt(&ctx.ip)?;
        let c = self.live_challenge(r.challenge_id, "passkey_login", None).await?;
        let refused = |detail: String| async move {
            let line = self.eid_line(
                crate::ports::ActorRef { kind: "citizen", id: Uuid::nil(), name: "passkey".into() },
                AuditAction::EidLoginFailed,
                None,
                detail,
            );
            self.store.eid_commit(EidChange { audit: vec![line], ..Default::default() }).await?;
            Err::<IssuedEidSession, AppError>(AppError::Unauthenticated)
        };
        let Some(pk) = self.store.eid_passkey(&r.credential_id).await? else {
            return refused(format!("passkey unknown; ip={}", ctx.ip)).await;
        };
        let Some(a) = self.store.eid_account(pk.account_id).await? else {
            return refused(format!("passkey without account; ip={}", ctx.ip)).await;
        };
        // §7.2 step 6: the user handle, when given, must be the credential's owner.
        if r.user_handle.as_ref().is_some_and(|h| h.as_slice() != a.id.as_bytes()) {
            return refused(format!("passkey user handle mismatch; ip={}", ctx.ip)).await;
        }
        if a.state == AccountState::Locked {
            let line = self.eid_line(
                a.actor(),
                AuditAction::EidLoginFailed,
                Some(a.person_id),
                format!("locked; ip={}", ctx.ip),
            );
            self.store.eid_commit(EidChange { audit: vec![line], ..Default::default() }).await?;
            return Err(AppError::Locked);
        }
        if a.state != AccountState::Active {
            return refused(format!("passkey of an inactive account; ip={}", ctx.ip)).await;
        }
        let mut change = EidChange::default();
        if let Err(e) = self.check_assertion(&c, &r, &pk, &mut change).await {
            let line = self.eid_line(
                a.actor(),
                AuditAction::EidLoginFailed,
                Some(a.person_id),
                format!("passkey refused: {e}; ip={}", ctx.ip),
            );
            self.store.eid_commit(EidChange { audit: vec![line], ..Default::default() }).await?;
            return Err(AppError::Unauthenticated);
        }
        let holder = Holder {
            account: a.clone(),
            session: super::EidSession {
                id: Uuid::nil(),
                token_digest: String::new(),
                account_id: a.id,
                csrf_token: String::new(),
                stage: SessionStage::SecondFactor,
                methods: String::new(),
                created_at: self.now(),
                expires_at: self.now(),
                last_seen_at: self.now(),
                ip: String::new(),
                device: String::new(),
            },
        };
        self.finish_second_factor(&holder, Method::Passkey, ctx, change).await
    }
}
