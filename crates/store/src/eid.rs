//! e-ID accounts, sessions, SMS codes, throttles, passkeys, challenges and organisations.

use crate::SqlStore;
use crate::db::{Db, Tx, from_micros, map_err, micros, on_read, on_tx};
use crate::persons::insert_audit;
use async_trait::async_trait;
use dinhdanh_app::audit::{AuditAction, AuditEntry};
use dinhdanh_app::eid::*;
use dinhdanh_app::ports::{ActorRef, StoreError, StoreResult};
use dinhdanh_domain::admin::UnitRef;
use dinhdanh_domain::codes::Phone;
use dinhdanh_domain::date::{iso, parse_full_date};
use dinhdanh_domain::eid::{AccountState, Level, LockedBy, OrgCode, OrgRole};
use dinhdanh_domain::person::{Address, PersonId};
use dinhdanh_domain::pin::PersonalNumber;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;
use uuid::Uuid;

fn bad(what: &str) -> StoreError {
    StoreError::Internal(format!("stored {what} is not readable"))
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: Uuid,
    person_id: Uuid,
    pin: String,
    level: i64,
    state: String,
    phone: String,
    password_hash: Option<String>,
    passcode_hash: Option<String>,
    totp_secret: Option<String>,
    totp_pending: Option<String>,
    totp_last_step: Option<i64>,
    lock_by: Option<String>,
    lock_reason: Option<String>,
    lock_at: Option<i64>,
    channel: String,
    note: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
    activated_at: Option<i64>,
    revoked_at: Option<i64>,
}

const ACCOUNT_COLS: &str = "id, person_id, pin, level, state, phone, password_hash, passcode_hash, totp_secret, \
     totp_pending, totp_last_step, lock_by, lock_reason, lock_at, channel, note, version, created_at, updated_at, \
     activated_at, revoked_at";

impl AccountRow {
    fn into_account(self) -> StoreResult<EidAccount> {
        let lock = match (self.lock_by, self.lock_at) {
            (Some(by), Some(at)) => Some(Lock {
                by: LockedBy::parse(&by).ok_or_else(|| bad("lock"))?,
                reason: self.lock_reason.unwrap_or_default(),
                at: from_micros(at),
            }),
            _ => None,
        };
        Ok(EidAccount {
            id: self.id,
            person_id: PersonId(self.person_id),
            pin: PersonalNumber::parse(&self.pin).map_err(|_| bad("pin"))?,
            level: Level::from_number(self.level).ok_or_else(|| bad("level"))?,
            state: AccountState::parse(&self.state).ok_or_else(|| bad("state"))?,
            phone: Phone::parse(&self.phone).map_err(|_| bad("phone"))?,
            password_hash: self.password_hash,
            passcode_hash: self.passcode_hash,
            totp_secret: self.totp_secret,
            totp_pending: self.totp_pending,
            totp_last_step: self.totp_last_step,
            lock,
            channel: self.channel,
            note: self.note,
            version: self.version,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            activated_at: self.activated_at.map(from_micros),
            revoked_at: self.revoked_at.map(from_micros),
        })
    }
}

async fn insert_account(tx: &mut Tx, a: &EidAccount) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO eid_account (id, person_id, pin, level, state, phone, password_hash, passcode_hash, totp_secret, \
         totp_pending, totp_last_step, lock_by, lock_reason, lock_at, channel, note, version, created_at, updated_at, \
         activated_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, \
         $17, $17, $18, $19)",
    )
    .bind(a.id)
    .bind(a.person_id.0)
    .bind(a.pin.as_str())
    .bind(a.level.number() as i64)
    .bind(a.state.code())
    .bind(a.phone.as_str())
    .bind(&a.password_hash)
    .bind(&a.passcode_hash)
    .bind(&a.totp_secret)
    .bind(&a.totp_pending)
    .bind(a.totp_last_step)
    .bind(a.lock.as_ref().map(|l| l.by.code()))
    .bind(a.lock.as_ref().map(|l| l.reason.clone()))
    .bind(a.lock.as_ref().map(|l| micros(l.at)))
    .bind(&a.channel)
    .bind(&a.note)
    .bind(micros(a.created_at))
    .bind(a.activated_at.map(micros))
    .bind(a.revoked_at.map(micros))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    Ok(())
}

async fn update_account(tx: &mut Tx, a: &EidAccount, at: i64) -> StoreResult<()> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE eid_account SET level = $3, state = $4, phone = $5, password_hash = $6, passcode_hash = $7, \
         totp_secret = $8, totp_pending = $9, totp_last_step = $10, lock_by = $11, lock_reason = $12, lock_at = $13, \
         note = $14, version = version + 1, updated_at = $15, activated_at = $16, revoked_at = $17 \
         WHERE id = $1 AND version = $2",
    )
    .bind(a.id)
    .bind(a.version)
    .bind(a.level.number() as i64)
    .bind(a.state.code())
    .bind(a.phone.as_str())
    .bind(&a.password_hash)
    .bind(&a.passcode_hash)
    .bind(&a.totp_secret)
    .bind(&a.totp_pending)
    .bind(a.totp_last_step)
    .bind(a.lock.as_ref().map(|l| l.by.code()))
    .bind(a.lock.as_ref().map(|l| l.reason.clone()))
    .bind(a.lock.as_ref().map(|l| micros(l.at)))
    .bind(&a.note)
    .bind(at)
    .bind(a.activated_at.map(micros))
    .bind(a.revoked_at.map(micros))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    if n != 1 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// Revokes every account of the persons a death event marks dead, and ends their sessions.
pub(crate) async fn revoke_for_persons(tx: &mut Tx, persons: &[PersonId], at: i64) -> StoreResult<()> {
    for p in persons {
        on_tx!(tx, c => sqlx::query(
            "DELETE FROM eid_session WHERE account_id IN (SELECT id FROM eid_account WHERE person_id = $1)",
        )
        .bind(p.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        .map_err(map_err)?);
        on_tx!(tx, c => sqlx::query(
            "UPDATE eid_account SET state = 'revoked', revoked_at = $2, updated_at = $2, version = version + 1 \
             WHERE person_id = $1 AND state <> 'revoked'",
        )
        .bind(p.0)
        .bind(at)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        .map_err(map_err)?);
    }
    Ok(())
}

macro_rules! run {
    ($tx:expr, $q:expr) => {
        on_tx!($tx, c => $q.execute(c).await.map(|r| r.rows_affected()).map_err(map_err)?)
    };
}

async fn commit(db: &Db, ch: EidChange) -> StoreResult<()> {
    let at = ch.audit.first().map(|a| micros(a.at)).unwrap_or_else(|| micros(OffsetDateTime::now_utc()));
    let mut tx = db.begin().await?;
    let t = &mut tx;
    if let Some(a) = &ch.insert_account {
        insert_account(t, a).await?;
    }
    if let Some(a) = &ch.update_account {
        update_account(t, a, at).await?;
    }
    if let Some((account, except)) = &ch.end_sessions {
        run!(
            t,
            sqlx::query("DELETE FROM eid_session WHERE account_id = $1 AND token_digest <> $2")
                .bind(*account)
                .bind(except.clone().unwrap_or_default())
        );
    }
    if let Some(d) = &ch.delete_session {
        run!(t, sqlx::query("DELETE FROM eid_session WHERE token_digest = $1").bind(d));
    }
    if let Some(s) = &ch.insert_session {
        run!(
            t,
            sqlx::query(
                "INSERT INTO eid_session (token_digest, id, account_id, csrf_token, stage, methods, created_at, \
             expires_at, last_seen_at, ip, device) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&s.token_digest)
            .bind(s.id)
            .bind(s.account_id)
            .bind(&s.csrf_token)
            .bind(s.stage.code())
            .bind(&s.methods)
            .bind(micros(s.created_at))
            .bind(micros(s.expires_at))
            .bind(micros(s.last_seen_at))
            .bind(&s.ip)
            .bind(&s.device)
        );
    }
    if let Some((d, seen)) = &ch.touch_session {
        run!(
            t,
            sqlx::query("UPDATE eid_session SET last_seen_at = $2 WHERE token_digest = $1").bind(d).bind(micros(*seen))
        );
    }
    if let Some(c) = &ch.insert_code {
        run!(t, sqlx::query(
            "INSERT INTO eid_sms_code (id, account_id, phone, purpose, salt, digest, created_at, expires_at, attempts, \
             consumed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(c.id)
        .bind(c.account_id)
        .bind(&c.phone)
        .bind(c.purpose.code())
        .bind(&c.salt)
        .bind(&c.digest)
        .bind(micros(c.created_at))
        .bind(micros(c.expires_at))
        .bind(c.attempts as i64)
        .bind(c.consumed_at.map(micros)));
    }
    if let Some(c) = &ch.update_code {
        // A code is consumed once: a second consumer finds it taken and the change fails.
        let n = run!(
            t,
            sqlx::query(
                "UPDATE eid_sms_code SET attempts = $2, consumed_at = $3 WHERE id = $1 AND consumed_at IS NULL",
            )
            .bind(c.id)
            .bind(c.attempts as i64)
            .bind(c.consumed_at.map(micros))
        );
        if n != 1 {
            return Err(StoreError::Conflict);
        }
    }
    if let Some(th) = &ch.throttle {
        run!(
            t,
            sqlx::query(
                "INSERT INTO eid_throttle (key, failures, last_failure_at, locked) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, \
             locked = excluded.locked",
            )
            .bind(&th.key)
            .bind(th.failures as i64)
            .bind(th.last_failure_at.map(micros))
            .bind(th.locked)
        );
    }
    for k in &ch.clear_throttle {
        run!(t, sqlx::query("DELETE FROM eid_throttle WHERE key = $1").bind(k));
    }
    if let Some(p) = &ch.insert_passkey {
        run!(
            t,
            sqlx::query(
                "INSERT INTO eid_passkey (credential_id, account_id, public_key_cose, algorithm, sign_count, \
             backup_eligible, backup_state, name, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&p.credential_id)
            .bind(p.account_id)
            .bind(&p.public_key_cose)
            .bind(p.algorithm)
            .bind(p.sign_count)
            .bind(p.backup_eligible)
            .bind(p.backup_state)
            .bind(&p.name)
            .bind(micros(p.created_at))
            .bind(p.last_used_at.map(micros))
        );
    }
    if let Some(p) = &ch.update_passkey {
        // The counter only grows: a concurrent use of the same assertion loses.
        let n = run!(
            t,
            sqlx::query(
                "UPDATE eid_passkey SET sign_count = $2, backup_state = $3, last_used_at = $4 \
             WHERE credential_id = $1 AND (sign_count < $2 OR $2 = 0)",
            )
            .bind(&p.credential_id)
            .bind(p.sign_count)
            .bind(p.backup_state)
            .bind(p.last_used_at.map(micros))
        );
        if n != 1 {
            return Err(StoreError::Conflict);
        }
    }
    if let Some((account, id)) = &ch.delete_passkey {
        run!(
            t,
            sqlx::query("DELETE FROM eid_passkey WHERE credential_id = $1 AND account_id = $2").bind(id).bind(*account)
        );
    }
    if let Some(c) = &ch.insert_challenge {
        run!(
            t,
            sqlx::query(
                "INSERT INTO eid_challenge (id, account_id, purpose, bytes, created_at, expires_at, consumed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL)",
            )
            .bind(c.id)
            .bind(c.account_id)
            .bind(&c.purpose)
            .bind(&c.bytes)
            .bind(micros(c.created_at))
            .bind(micros(c.expires_at))
        );
        // Old challenges are of no use to anyone.
        run!(
            t,
            sqlx::query("DELETE FROM eid_challenge WHERE expires_at < $1").bind(micros(c.created_at) - 86_400_000_000)
        );
    }
    if let Some((id, when)) = &ch.consume_challenge {
        let n = run!(
            t,
            sqlx::query("UPDATE eid_challenge SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL")
                .bind(*id)
                .bind(micros(*when))
        );
        if n != 1 {
            return Err(StoreError::Conflict);
        }
    }
    if let Some((account, fp, seen)) = &ch.known_device {
        run!(
            t,
            sqlx::query(
                "INSERT INTO eid_device (account_id, fingerprint, last_seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, fingerprint) DO UPDATE SET last_seen_at = excluded.last_seen_at",
            )
            .bind(*account)
            .bind(fp)
            .bind(micros(*seen))
        );
    }
    if let Some(o) = &ch.insert_org {
        run!(
            t,
            sqlx::query(
                "INSERT INTO eid_org (id, code, name_vi, name_abbr, name_foreign, established, head_office_unit, \
             head_office_detail, tax_code, legal_representative, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(o.id)
            .bind(o.code.as_str())
            .bind(&o.name_vi)
            .bind(&o.name_abbr)
            .bind(&o.name_foreign)
            .bind(iso(o.established))
            .bind(o.head_office.unit.to_string())
            .bind(&o.head_office.detail)
            .bind(&o.tax_code)
            .bind(o.legal_representative)
            .bind(micros(o.created_at))
        );
    }
    if let Some(m) = &ch.insert_member {
        run!(
            t,
            sqlx::query(
                "INSERT INTO eid_org_member (org_id, account_id, role, added_at, added_by) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(m.org_id)
            .bind(m.account_id)
            .bind(m.role.code())
            .bind(micros(m.added_at))
            .bind(m.added_by)
        );
    }
    if let Some((org, account)) = &ch.delete_member {
        run!(
            t,
            sqlx::query("DELETE FROM eid_org_member WHERE org_id = $1 AND account_id = $2").bind(*org).bind(*account)
        );
    }
    if let Some(account) = ch.delete_evidence {
        run!(t, sqlx::query("DELETE FROM eid_review_evidence WHERE account_id = $1").bind(account));
    }
    for e in &ch.insert_evidence {
        run!(
            t,
            sqlx::query(
                "INSERT INTO eid_review_evidence (account_id, kind, byte_len, created_at, key_id, nonce, ciphertext) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(e.account_id)
            .bind(e.kind.code())
            .bind(e.byte_len as i64)
            .bind(micros(e.created_at))
            .bind(e.sealed.key_id as i64)
            .bind(e.sealed.nonce.to_vec())
            .bind(e.sealed.ciphertext.clone())
        );
    }
    insert_audit(t, &ch.audit).await?;
    tx.commit().await
}

async fn account_where(db: &Db, cond: &str, bind: impl FnOnce() -> AccountKey) -> StoreResult<Option<EidAccount>> {
    let sql = format!("SELECT {ACCOUNT_COLS} FROM eid_account WHERE {cond}");
    let key = bind();
    let row: Option<AccountRow> = on_read!(db, c => {
        let q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
        let q = match &key {
            AccountKey::Id(id) => q.bind(*id),
            AccountKey::Text(s) => q.bind(s.clone()),
        };
        q.fetch_optional(c).await.map_err(map_err)?
    });
    row.map(AccountRow::into_account).transpose()
}

enum AccountKey {
    Id(Uuid),
    Text(String),
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    token_digest: String,
    id: Uuid,
    account_id: Uuid,
    csrf_token: String,
    stage: String,
    methods: String,
    created_at: i64,
    expires_at: i64,
    last_seen_at: i64,
    ip: String,
    device: String,
}

const SESSION_COLS: &str =
    "token_digest, id, account_id, csrf_token, stage, methods, created_at, expires_at, last_seen_at, ip, device";

impl SessionRow {
    fn into_session(self) -> StoreResult<EidSession> {
        Ok(EidSession {
            id: self.id,
            token_digest: self.token_digest,
            account_id: self.account_id,
            csrf_token: self.csrf_token,
            stage: SessionStage::parse(&self.stage).ok_or_else(|| bad("stage"))?,
            methods: self.methods,
            created_at: from_micros(self.created_at),
            expires_at: from_micros(self.expires_at),
            last_seen_at: from_micros(self.last_seen_at),
            ip: self.ip,
            device: self.device,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CodeRow {
    id: Uuid,
    account_id: Uuid,
    phone: String,
    purpose: String,
    salt: String,
    digest: String,
    created_at: i64,
    expires_at: i64,
    attempts: i64,
    consumed_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct PasskeyRow {
    credential_id: Vec<u8>,
    account_id: Uuid,
    public_key_cose: Vec<u8>,
    algorithm: i64,
    sign_count: i64,
    backup_eligible: bool,
    backup_state: bool,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl PasskeyRow {
    fn into_passkey(self) -> Passkey {
        Passkey {
            credential_id: self.credential_id,
            account_id: self.account_id,
            public_key_cose: self.public_key_cose,
            algorithm: self.algorithm,
            sign_count: self.sign_count,
            backup_eligible: self.backup_eligible,
            backup_state: self.backup_state,
            name: self.name,
            created_at: from_micros(self.created_at),
            last_used_at: self.last_used_at.map(from_micros),
        }
    }
}

const PASSKEY_COLS: &str = "credential_id, account_id, public_key_cose, algorithm, sign_count, backup_eligible, \
     backup_state, name, created_at, last_used_at";

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: Uuid,
    code: String,
    name_vi: String,
    name_abbr: String,
    name_foreign: String,
    established: String,
    head_office_unit: String,
    head_office_detail: String,
    tax_code: String,
    legal_representative: Uuid,
    created_at: i64,
}

const ORG_COLS: &str = "o.id, o.code, o.name_vi, o.name_abbr, o.name_foreign, o.established, o.head_office_unit, \
     o.head_office_detail, o.tax_code, o.legal_representative, o.created_at";

impl OrgRow {
    fn into_org(self) -> StoreResult<Org> {
        let unit = UnitRef::parse(&self.head_office_unit).map_err(|_| bad("head office"))?;
        Ok(Org {
            id: self.id,
            code: OrgCode::parse(&self.code).map_err(|_| bad("organisation code"))?,
            name_vi: self.name_vi,
            name_abbr: self.name_abbr,
            name_foreign: self.name_foreign,
            established: parse_full_date(&self.established).map_err(|_| bad("establishment date"))?,
            head_office: Address { unit, detail: self.head_office_detail },
            tax_code: self.tax_code,
            legal_representative: self.legal_representative,
            created_at: from_micros(self.created_at),
        })
    }
}

async fn orgs_where(db: &Db, sql: String, key: String) -> StoreResult<Vec<(Org, Option<String>)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        org: OrgRow,
        role: Option<String>,
    }
    let rows: Vec<Row> = on_read!(db, c => sqlx::query_as(AssertSqlSafe(sql.as_str()))
        .bind(key)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
    rows.into_iter().map(|r| Ok((r.org.into_org()?, r.role))).collect()
}

#[async_trait]
impl EidStore for SqlStore {
    async fn eid_commit(&self, change: EidChange) -> StoreResult<()> {
        commit(&self.db, change).await
    }

    async fn eid_review_evidence(&self, account: Uuid) -> StoreResult<Vec<ReviewEvidence>> {
        type Row = (String, i64, i64, i64, Vec<u8>, Vec<u8>);
        let rows: Vec<Row> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT kind, byte_len, created_at, key_id, nonce, ciphertext FROM eid_review_evidence \
             WHERE account_id = $1 ORDER BY kind",
        )
        .bind(account)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        rows.into_iter()
            .map(|(kind, byte_len, created_at, key_id, nonce, ciphertext)| {
                Ok(ReviewEvidence {
                    account_id: account,
                    kind: EvidenceKind::parse(&kind).ok_or_else(|| bad("evidence kind"))?,
                    byte_len: byte_len as usize,
                    created_at: from_micros(created_at),
                    sealed: dinhdanh_app::identity::Sealed {
                        key_id: key_id as u32,
                        nonce: nonce.try_into().map_err(|_| bad("evidence nonce"))?,
                        ciphertext,
                    },
                })
            })
            .collect()
    }

    async fn eid_account(&self, id: Uuid) -> StoreResult<Option<EidAccount>> {
        account_where(&self.db, "id = $1", || AccountKey::Id(id)).await
    }

    async fn eid_account_by_pin(&self, pin: &PersonalNumber) -> StoreResult<Option<EidAccount>> {
        let pin = pin.as_str().to_owned();
        account_where(&self.db, "pin = $1", || AccountKey::Text(pin)).await
    }

    async fn eid_account_by_person(&self, person: PersonId) -> StoreResult<Option<EidAccount>> {
        account_where(&self.db, "person_id = $1", || AccountKey::Id(person.0)).await
    }

    async fn eid_accounts_in_state(&self, state: AccountState, limit: u32) -> StoreResult<Vec<EidAccount>> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM eid_account WHERE state = $1 ORDER BY created_at, id LIMIT $2");
        let rows: Vec<AccountRow> = on_read!(&self.db, c => sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(state.code())
            .bind(limit as i64)
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        rows.into_iter().map(AccountRow::into_account).collect()
    }

    async fn eid_session(&self, token_digest: &str) -> StoreResult<Option<EidSession>> {
        let sql = format!("SELECT {SESSION_COLS} FROM eid_session WHERE token_digest = $1");
        let row: Option<SessionRow> = on_read!(&self.db, c => sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(token_digest)
            .fetch_optional(c)
            .await
            .map_err(map_err)?);
        row.map(SessionRow::into_session).transpose()
    }

    async fn eid_sessions_of(&self, account: Uuid) -> StoreResult<Vec<EidSession>> {
        let sql = format!("SELECT {SESSION_COLS} FROM eid_session WHERE account_id = $1 ORDER BY created_at DESC");
        let rows: Vec<SessionRow> = on_read!(&self.db, c => sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(account)
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        rows.into_iter().map(SessionRow::into_session).collect()
    }

    async fn eid_latest_code(&self, account: Uuid, purpose: CodePurpose) -> StoreResult<Option<SmsCode>> {
        let row: Option<CodeRow> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT id, account_id, phone, purpose, salt, digest, created_at, expires_at, attempts, consumed_at \
             FROM eid_sms_code WHERE account_id = $1 AND purpose = $2 ORDER BY created_at DESC, id LIMIT 1",
        )
        .bind(account)
        .bind(purpose.code())
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
        row.map(|r| {
            Ok(SmsCode {
                id: r.id,
                account_id: r.account_id,
                phone: r.phone,
                purpose: CodePurpose::parse(&r.purpose).ok_or_else(|| bad("code purpose"))?,
                salt: r.salt,
                digest: r.digest,
                created_at: from_micros(r.created_at),
                expires_at: from_micros(r.expires_at),
                attempts: r.attempts as i32,
                consumed_at: r.consumed_at.map(from_micros),
            })
        })
        .transpose()
    }

    async fn eid_codes_sent_since(
        &self,
        phone: &str,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<(OffsetDateTime, CodePurpose)>> {
        let rows: Vec<(i64, String)> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT created_at, purpose FROM eid_sms_code WHERE phone = $1 AND created_at >= $2 \
             ORDER BY created_at DESC",
        )
        .bind(phone)
        .bind(micros(since))
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        rows.into_iter()
            .map(|(t, p)| {
                let purpose = CodePurpose::parse(&p).ok_or_else(|| bad("code purpose"))?;
                Ok((from_micros(t), purpose))
            })
            .collect()
    }

    async fn eid_throttle(&self, key: &str) -> StoreResult<Option<Throttle>> {
        let row: Option<(String, i64, Option<i64>, bool)> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT key, failures, last_failure_at, locked FROM eid_throttle WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
        Ok(row.map(|(key, failures, last, locked)| Throttle {
            key,
            failures: failures as i32,
            last_failure_at: last.map(from_micros),
            locked,
        }))
    }

    async fn eid_passkeys_of(&self, account: Uuid) -> StoreResult<Vec<Passkey>> {
        let sql = format!("SELECT {PASSKEY_COLS} FROM eid_passkey WHERE account_id = $1 ORDER BY created_at");
        let rows: Vec<PasskeyRow> = on_read!(&self.db, c => sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(account)
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        Ok(rows.into_iter().map(PasskeyRow::into_passkey).collect())
    }

    async fn eid_passkey(&self, credential_id: &[u8]) -> StoreResult<Option<Passkey>> {
        let sql = format!("SELECT {PASSKEY_COLS} FROM eid_passkey WHERE credential_id = $1");
        let row: Option<PasskeyRow> = on_read!(&self.db, c => sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(credential_id)
            .fetch_optional(c)
            .await
            .map_err(map_err)?);
        Ok(row.map(PasskeyRow::into_passkey))
    }

    async fn eid_challenge(&self, id: Uuid) -> StoreResult<Option<Challenge>> {
        type Row = (Uuid, Option<Uuid>, String, Vec<u8>, i64, i64, Option<i64>);
        let row: Option<Row> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT id, account_id, purpose, bytes, created_at, expires_at, consumed_at FROM eid_challenge WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
        Ok(row.map(|(id, account_id, purpose, bytes, created, expires, consumed)| Challenge {
            id,
            account_id,
            purpose,
            bytes,
            created_at: from_micros(created),
            expires_at: from_micros(expires),
            consumed_at: consumed.map(from_micros),
        }))
    }

    async fn eid_device_known(&self, account: Uuid, fingerprint: &str) -> StoreResult<bool> {
        let row: Option<(i64,)> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT last_seen_at FROM eid_device WHERE account_id = $1 AND fingerprint = $2",
        )
        .bind(account)
        .bind(fingerprint)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
        Ok(row.is_some())
    }

    async fn eid_auth_history(&self, person: PersonId, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let actions: Vec<String> = HISTORY_ACTIONS.iter().map(|a| format!("'{}'", a.code())).collect();
        let sql = format!(
            "SELECT id, at, actor_kind, actor_id, actor_name, action, fields, purpose, legal_basis, event_id, detail \
             FROM audit_log WHERE person_id = $1 AND action IN ({}) ORDER BY at DESC, id LIMIT $2",
            actions.join(", ")
        );
        type Row = (Uuid, i64, String, Uuid, String, String, String, String, String, Option<Uuid>, String);
        let rows: Vec<Row> = on_read!(&self.db, c => sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(person.0)
            .bind(limit as i64)
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        rows.into_iter()
            .map(|(id, at, kind, actor_id, actor_name, action, fields, purpose, legal_basis, event_id, detail)| {
                Ok(AuditEntry {
                    id,
                    at: from_micros(at),
                    actor: ActorRef { kind: crate::codec::actor_kind(&kind), id: actor_id, name: actor_name },
                    action: AuditAction::parse(&action).ok_or_else(|| bad("audit action"))?,
                    person_id: Some(person),
                    fields,
                    purpose,
                    legal_basis,
                    event_id,
                    detail,
                })
            })
            .collect()
    }

    async fn eid_org_by_code(&self, code: &OrgCode) -> StoreResult<Option<Org>> {
        let sql = format!("SELECT {ORG_COLS}, NULL AS role FROM eid_org o WHERE o.code = $1");
        Ok(orgs_where(&self.db, sql, code.as_str().to_owned()).await?.into_iter().next().map(|(o, _)| o))
    }

    async fn eid_org_by_tax_code(&self, tax_code: &str) -> StoreResult<Option<Org>> {
        let sql = format!("SELECT {ORG_COLS}, NULL AS role FROM eid_org o WHERE o.tax_code = $1");
        Ok(orgs_where(&self.db, sql, tax_code.to_owned()).await?.into_iter().next().map(|(o, _)| o))
    }

    async fn eid_orgs_of(&self, account: Uuid) -> StoreResult<Vec<(Org, OrgRole)>> {
        let sql = format!(
            "SELECT {ORG_COLS}, m.role AS role FROM eid_org o JOIN eid_org_member m ON m.org_id = o.id \
             WHERE m.account_id = $1 ORDER BY o.name_vi, o.code"
        );
        let rows: Vec<(Org, Option<String>)> = {
            #[derive(sqlx::FromRow)]
            struct Row {
                #[sqlx(flatten)]
                org: OrgRow,
                role: String,
            }
            let rows: Vec<Row> = on_read!(&self.db, c => sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(account)
                .fetch_all(c)
                .await
                .map_err(map_err)?);
            rows.into_iter().map(|r| Ok((r.org.into_org()?, Some(r.role)))).collect::<StoreResult<_>>()?
        };
        rows.into_iter()
            .map(|(o, r)| Ok((o, OrgRole::parse(r.as_deref().unwrap_or("")).map_err(|_| bad("role"))?)))
            .collect()
    }

    async fn eid_org_members(&self, org: Uuid) -> StoreResult<Vec<OrgMember>> {
        type Row = (Uuid, Uuid, String, String, i64, Uuid);
        let rows: Vec<Row> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT m.org_id, m.account_id, a.pin, m.role, m.added_at, m.added_by FROM eid_org_member m \
             JOIN eid_account a ON a.id = m.account_id WHERE m.org_id = $1 ORDER BY m.added_at, a.pin",
        )
        .bind(org)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        rows.into_iter()
            .map(|(org_id, account_id, pin, role, added_at, added_by)| {
                Ok(OrgMember {
                    org_id,
                    account_id,
                    pin: PersonalNumber::parse(&pin).map_err(|_| bad("pin"))?,
                    role: OrgRole::parse(&role).map_err(|_| bad("role"))?,
                    added_at: from_micros(added_at),
                    added_by,
                })
            })
            .collect()
    }

    async fn eid_org_serial_taken(&self, code: &OrgCode) -> StoreResult<bool> {
        // The check digit follows from the rest, so the code itself is the serial's key.
        Ok(self.eid_org_by_code(code).await?.is_some())
    }
}
