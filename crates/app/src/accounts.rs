//! Officer accounts, sessions and API clients.

use crate::App;
use crate::audit::{AuditAction, AuditEntry};
use crate::auth::{Permission, Principal, PrincipalKind, Role, Scope};
use crate::error::{AppError, AppResult};
use crate::ports::{ApiClient, Officer, Session};
use dinhdanh_crypto::{password, token};
use dinhdanh_domain::error::{Errors, Rule};
use dinhdanh_domain::person::Jurisdiction;
use std::collections::HashMap;
use std::sync::Mutex;
use time::OffsetDateTime;
use uuid::Uuid;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Input of a new officer account.
#[derive(Clone)]
pub struct NewOfficer {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub jurisdiction: Jurisdiction,
}

/// What a successful login hands back: the session token (shown once, stored as a digest).
pub struct IssuedSession {
    pub token: String,
    pub session: Session,
    pub officer: Officer,
}

/// API tokens resolved recently, so a hot endpoint does not look the token up on every call.
#[derive(Default)]
pub(crate) struct ClientCache(Mutex<HashMap<String, (Principal, OffsetDateTime)>>);

pub fn check_username(u: &str) -> Result<(), Rule> {
    let ok = (3..=32).contains(&u.len())
        && u.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if ok { Ok(()) } else { Err(Rule::Username) }
}

pub fn check_password(p: &str) -> Result<(), Rule> {
    let n = p.chars().count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) { Ok(()) } else { Err(Rule::Password) }
}

impl App {
    fn account_audit(&self, who: &Principal, action: AuditAction, detail: String) -> AuditEntry {
        AuditEntry {
            id: self.rng.uuid(),
            at: self.clock.now(),
            actor: who.actor(),
            action,
            person_id: None,
            fields: String::new(),
            purpose: "account".to_owned(),
            legal_basis: String::new(),
            event_id: None,
            detail,
        }
    }

    /// Runs `f` (an Argon2id hash or verification) off the async executor, at most
    /// `hash_concurrency` at a time, in working memory taken from the pool and given back: the
    /// memory of a login storm stays at `hash_concurrency` × 19 MiB.
    async fn with_hash_memory<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut password::HashMemory) -> T + Send + 'static,
    ) -> AppResult<T> {
        let _permit = self.hash_permits.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
        let pool = self.hash_memory.clone();
        let taken = pool.lock().map_err(|_| AppError::Internal("hash memory poisoned".into()))?.pop();
        let (out, memory) = tokio::task::spawn_blocking(move || {
            let mut memory = taken.unwrap_or_default();
            let out = f(&mut memory);
            (out, memory)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        pool.lock().map_err(|_| AppError::Internal("hash memory poisoned".into()))?.push(memory);
        Ok(out)
    }

    /// Argon2id off the async executor, at most `hash_concurrency` at a time (memory stays bounded).
    pub async fn hash_password(&self, pw: String) -> AppResult<String> {
        let mut salt = [0u8; password::SALT_LEN];
        self.rng.fill(&mut salt);
        self.with_hash_memory(move |m| password::hash_in(&pw, &salt, m)).await
    }

    pub async fn verify_password(&self, pw: String, phc: String) -> AppResult<bool> {
        self.with_hash_memory(move |m| password::verify_in(&pw, &phc, m)).await
    }

    pub async fn create_officer(&self, who: &Principal, n: NewOfficer) -> AppResult<Officer> {
        who.require(Permission::ManageOfficers)?;
        let mut e = Errors::new();
        e.check("username", check_username(&n.username));
        e.check("password", check_password(&n.password));
        if n.display_name.trim().is_empty() {
            e.push("display_name", Rule::Required);
        }
        e.check("display_name", dinhdanh_domain::name::clean_text(&n.display_name, 100));
        e.finish()?;
        if self.store.officer_by_username(&n.username).await?.is_some() {
            return Err(AppError::Conflict(Rule::Username));
        }
        let officer = Officer {
            id: self.rng.uuid(),
            username: n.username.clone(),
            display_name: dinhdanh_domain::name::clean_text(&n.display_name, 100).unwrap_or_default(),
            password_hash: self.hash_password(n.password).await?,
            role: n.role,
            jurisdiction: n.jurisdiction.clone(),
            active: true,
            failed_logins: 0,
            locked_until: None,
            created_at: self.clock.now(),
        };
        let audit = self.account_audit(
            who,
            AuditAction::AccountAdmin,
            format!("create officer {} role={} jurisdiction={}", n.username, n.role.code(), n.jurisdiction),
        );
        self.store.create_officer(&officer, audit).await?;
        Ok(officer)
    }

    pub async fn officers(&self, who: &Principal) -> AppResult<Vec<Officer>> {
        who.require(Permission::ManageOfficers)?;
        Ok(self.store.officers().await?)
    }

    /// Checks a user name and password. Unknown names cost the same hash as known ones, and
    /// every failure gives the same answer, so the response reveals nothing about which exist.
    pub async fn login(&self, username: &str, pw: &str) -> AppResult<IssuedSession> {
        let now = self.clock.now();
        let officer = self.store.officer_by_username(username).await?;
        let hash =
            officer.as_ref().map(|o| o.password_hash.clone()).unwrap_or_else(|| password::dummy_hash().to_owned());
        let ok = self.verify_password(pw.to_owned(), hash).await?;
        let Some(mut officer) = officer else {
            return Err(AppError::Unauthenticated);
        };
        let as_principal = self.officer_principal(&officer);
        let locked = officer.locked_until.is_some_and(|t| t > now);
        if !ok || locked || !officer.active {
            if !ok && !locked {
                officer.failed_logins += 1;
                if officer.failed_logins >= self.config.lockout_threshold {
                    officer.locked_until = Some(now + self.config.lockout_duration);
                    officer.failed_logins = 0;
                }
                self.store.update_officer(&officer).await?;
            }
            let detail = if locked {
                "locked"
            } else if !officer.active {
                "inactive"
            } else {
                "bad password"
            };
            self.store
                .record_access(vec![self.account_audit(&as_principal, AuditAction::LoginFailed, detail.to_owned())])
                .await?;
            return Err(if locked || officer.locked_until.is_some_and(|t| t > now) {
                AppError::Locked
            } else {
                AppError::Unauthenticated
            });
        }
        if officer.failed_logins != 0 || officer.locked_until.is_some() {
            officer.failed_logins = 0;
            officer.locked_until = None;
            self.store.update_officer(&officer).await?;
        }
        let issued = token::issue("dds_", self.rng.bytes32());
        let csrf = token::issue("", self.rng.bytes32()).token;
        let session = Session {
            token_digest: issued.digest,
            officer_id: officer.id,
            csrf_token: csrf,
            created_at: now,
            expires_at: now + self.config.session_ttl,
        };
        self.store.create_session(&session).await?;
        self.store.record_access(vec![self.account_audit(&as_principal, AuditAction::Login, String::new())]).await?;
        Ok(IssuedSession { token: issued.token, session, officer })
    }

    pub fn officer_principal(&self, o: &Officer) -> Principal {
        Principal {
            id: o.id,
            name: o.username.clone(),
            kind: PrincipalKind::Officer(o.role),
            jurisdiction: o.jurisdiction.clone(),
        }
    }

    /// The officer behind a session token, if the session is live and the account usable.
    pub async fn session_principal(&self, session_token: &str) -> AppResult<(Principal, Session)> {
        let s = self.store.session(&token::digest(session_token)).await?.ok_or(AppError::Unauthenticated)?;
        if s.expires_at <= self.clock.now() {
            self.store.delete_session(&s.token_digest).await?;
            return Err(AppError::Unauthenticated);
        }
        let o = self.store.officer_by_id(s.officer_id).await?.ok_or(AppError::Unauthenticated)?;
        if !o.active {
            return Err(AppError::Unauthenticated);
        }
        Ok((self.officer_principal(&o), s))
    }

    pub async fn logout(&self, session_token: &str) -> AppResult<()> {
        let digest = token::digest(session_token);
        if let Some(s) = self.store.session(&digest).await?
            && let Some(o) = self.store.officer_by_id(s.officer_id).await?
        {
            let p = self.officer_principal(&o);
            self.store.record_access(vec![self.account_audit(&p, AuditAction::Logout, String::new())]).await?;
        }
        self.store.delete_session(&digest).await?;
        Ok(())
    }

    /// Issues an API client; the token is returned once and only its digest is kept.
    pub async fn create_api_client(
        &self,
        who: &Principal,
        name: &str,
        scopes: Vec<Scope>,
        jurisdiction: Jurisdiction,
    ) -> AppResult<(ApiClient, String)> {
        who.require(Permission::ManageClients)?;
        let mut e = Errors::new();
        let name = e.check("name", dinhdanh_domain::name::clean_text(name, 100)).unwrap_or_default();
        if name.is_empty() {
            e.push("name", Rule::Required);
        }
        if scopes.is_empty() {
            e.push("scopes", Rule::Scope);
        }
        e.finish()?;
        let issued = token::issue("ddk_", self.rng.bytes32());
        let client = ApiClient {
            id: self.rng.uuid(),
            name: name.clone(),
            token_digest: issued.digest,
            scopes: scopes.clone(),
            jurisdiction: jurisdiction.clone(),
            created_by: who.name.clone(),
            created_at: self.clock.now(),
            revoked_at: None,
        };
        let scopes_text: Vec<&str> = scopes.iter().map(|s| s.code()).collect();
        let audit = self.account_audit(
            who,
            AuditAction::AccountAdmin,
            format!("create api client {name} scopes={} jurisdiction={jurisdiction}", scopes_text.join(" ")),
        );
        self.store.create_api_client(&client, audit).await?;
        Ok((client, issued.token))
    }

    pub async fn api_clients(&self, who: &Principal) -> AppResult<Vec<ApiClient>> {
        who.require(Permission::ManageClients)?;
        Ok(self.store.api_clients().await?)
    }

    pub async fn revoke_api_client(&self, who: &Principal, id: Uuid) -> AppResult<()> {
        who.require(Permission::ManageClients)?;
        let audit = self.account_audit(who, AuditAction::AccountAdmin, format!("revoke api client {id}"));
        self.store.revoke_api_client(id, self.clock.now(), audit).await?;
        self.client_cache.0.lock().expect("cache lock").clear();
        Ok(())
    }

    /// The API client behind a bearer token; a revoked token stops working on this node at once
    /// and on other nodes within `client_cache_ttl`.
    pub async fn client_principal(&self, bearer: &str) -> AppResult<Principal> {
        let digest = token::digest(bearer);
        let now = self.clock.now();
        if let Some((p, at)) = self.client_cache.0.lock().expect("cache lock").get(&digest)
            && now - *at < self.config.client_cache_ttl
        {
            return Ok(p.clone());
        }
        let c = self.store.api_client_by_digest(&digest).await?.ok_or(AppError::Unauthenticated)?;
        if c.revoked_at.is_some() {
            return Err(AppError::Unauthenticated);
        }
        let p = Principal {
            id: c.id,
            name: c.name,
            kind: PrincipalKind::ApiClient(c.scopes),
            jurisdiction: c.jurisdiction,
        };
        let mut cache = self.client_cache.0.lock().expect("cache lock");
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(digest, (p.clone(), now));
        Ok(p)
    }
}
