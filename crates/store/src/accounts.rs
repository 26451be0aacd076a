//! Officers, sessions and API clients.

use crate::db::{Db, from_micros, map_err, micros, on_read, on_write};
use crate::persons::insert_audit;
use dinhdanh_app::audit::AuditEntry;
use dinhdanh_app::auth::{Role, Scope};
use dinhdanh_app::ports::{ApiClient, Officer, Session, StoreError, StoreResult};
use dinhdanh_domain::person::Jurisdiction;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct OfficerRow {
    id: Uuid,
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    jurisdiction: String,
    active: bool,
    failed_logins: i64,
    locked_until: Option<i64>,
    created_at: i64,
}

fn bad(what: &str) -> StoreError {
    StoreError::Internal(format!("stored {what} is not readable"))
}

impl OfficerRow {
    fn into_officer(self) -> StoreResult<Officer> {
        Ok(Officer {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            password_hash: self.password_hash,
            role: Role::parse(&self.role).map_err(|_| bad("role"))?,
            jurisdiction: Jurisdiction::parse(&self.jurisdiction).map_err(|_| bad("jurisdiction"))?,
            active: self.active,
            failed_logins: self.failed_logins as i32,
            locked_until: self.locked_until.map(from_micros),
            created_at: from_micros(self.created_at),
        })
    }
}

const OFFICER_COLS: &str =
    "id, username, display_name, password_hash, role, jurisdiction, active, failed_logins, locked_until, created_at";

pub async fn create_officer(db: &Db, o: &Officer, audit: AuditEntry) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    crate::db::on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO officer (id, username, display_name, password_hash, role, jurisdiction, active, failed_logins, \
         locked_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(o.id)
    .bind(&o.username)
    .bind(&o.display_name)
    .bind(&o.password_hash)
    .bind(o.role.code())
    .bind(o.jurisdiction.to_string())
    .bind(o.active)
    .bind(o.failed_logins as i64)
    .bind(o.locked_until.map(micros))
    .bind(micros(o.created_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    insert_audit(&mut tx, &[audit]).await?;
    tx.commit().await
}

pub async fn update_officer(db: &Db, o: &Officer) -> StoreResult<()> {
    on_write!(db, c => sqlx::query(
        "UPDATE officer SET display_name = $2, password_hash = $3, role = $4, jurisdiction = $5, active = $6, \
         failed_logins = $7, locked_until = $8 WHERE id = $1",
    )
    .bind(o.id)
    .bind(&o.display_name)
    .bind(&o.password_hash)
    .bind(o.role.code())
    .bind(o.jurisdiction.to_string())
    .bind(o.active)
    .bind(o.failed_logins as i64)
    .bind(o.locked_until.map(micros))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    Ok(())
}

pub async fn officer_by_username(db: &Db, username: String) -> StoreResult<Option<Officer>> {
    let sql = format!("SELECT {OFFICER_COLS} FROM officer WHERE username = $1");
    let row: Option<OfficerRow> = on_read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(username)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
    row.map(OfficerRow::into_officer).transpose()
}

pub async fn officer_by_id(db: &Db, id: Uuid) -> StoreResult<Option<Officer>> {
    let sql = format!("SELECT {OFFICER_COLS} FROM officer WHERE id = $1");
    let row: Option<OfficerRow> = on_read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
    row.map(OfficerRow::into_officer).transpose()
}

pub async fn officers(db: &Db) -> StoreResult<Vec<Officer>> {
    let sql = format!("SELECT {OFFICER_COLS} FROM officer ORDER BY username");
    let rows: Vec<OfficerRow> = on_read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_all(c)
        .await
        .map_err(map_err)?);
    rows.into_iter().map(OfficerRow::into_officer).collect()
}

pub async fn create_session(db: &Db, s: &Session) -> StoreResult<()> {
    on_write!(db, c => sqlx::query(
        "INSERT INTO officer_session (token_digest, officer_id, csrf_token, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&s.token_digest)
    .bind(s.officer_id)
    .bind(&s.csrf_token)
    .bind(micros(s.created_at))
    .bind(micros(s.expires_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    Ok(())
}

pub async fn session(db: &Db, digest: &str) -> StoreResult<Option<Session>> {
    let row: Option<(String, Uuid, String, i64, i64)> = on_read!(db, c => sqlx::query_as(
        "SELECT token_digest, officer_id, csrf_token, created_at, expires_at FROM officer_session WHERE token_digest = $1",
    )
    .bind(digest)
    .fetch_optional(c)
    .await
    .map_err(map_err)?);
    Ok(row.map(|(token_digest, officer_id, csrf_token, created, expires)| Session {
        token_digest,
        officer_id,
        csrf_token,
        created_at: from_micros(created),
        expires_at: from_micros(expires),
    }))
}

pub async fn delete_session(db: &Db, digest: &str) -> StoreResult<()> {
    on_write!(db, c => sqlx::query("DELETE FROM officer_session WHERE token_digest = $1")
        .bind(digest)
        .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    Ok(())
}

pub async fn delete_sessions_of(db: &Db, officer: Uuid) -> StoreResult<()> {
    on_write!(db, c => sqlx::query("DELETE FROM officer_session WHERE officer_id = $1")
        .bind(officer)
        .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ClientRow {
    id: Uuid,
    name: String,
    token_digest: String,
    scopes: String,
    jurisdiction: String,
    created_by: String,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl ClientRow {
    fn into_client(self) -> StoreResult<ApiClient> {
        Ok(ApiClient {
            id: self.id,
            name: self.name,
            token_digest: self.token_digest,
            scopes: self
                .scopes
                .split_whitespace()
                .map(Scope::parse)
                .collect::<Result<_, _>>()
                .map_err(|_| bad("scopes"))?,
            jurisdiction: Jurisdiction::parse(&self.jurisdiction).map_err(|_| bad("jurisdiction"))?,
            created_by: self.created_by,
            created_at: from_micros(self.created_at),
            revoked_at: self.revoked_at.map(from_micros),
        })
    }
}

const CLIENT_COLS: &str = "id, name, token_digest, scopes, jurisdiction, created_by, created_at, revoked_at";

pub async fn create_api_client(db: &Db, k: &ApiClient, audit: AuditEntry) -> StoreResult<()> {
    let scopes: Vec<&str> = k.scopes.iter().map(|s| s.code()).collect();
    let mut tx = db.begin().await?;
    crate::db::on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO api_client (id, name, token_digest, scopes, jurisdiction, created_by, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
    )
    .bind(k.id)
    .bind(&k.name)
    .bind(&k.token_digest)
    .bind(scopes.join(" "))
    .bind(k.jurisdiction.to_string())
    .bind(&k.created_by)
    .bind(micros(k.created_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    insert_audit(&mut tx, &[audit]).await?;
    tx.commit().await
}

pub async fn api_client_by_digest(db: &Db, digest: &str) -> StoreResult<Option<ApiClient>> {
    let sql = format!("SELECT {CLIENT_COLS} FROM api_client WHERE token_digest = $1");
    let row: Option<ClientRow> = on_read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(digest)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
    row.map(ClientRow::into_client).transpose()
}

pub async fn api_clients(db: &Db) -> StoreResult<Vec<ApiClient>> {
    let sql = format!("SELECT {CLIENT_COLS} FROM api_client ORDER BY created_at, id");
    let rows: Vec<ClientRow> = on_read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_all(c)
        .await
        .map_err(map_err)?);
    rows.into_iter().map(ClientRow::into_client).collect()
}

pub async fn revoke_api_client(db: &Db, id: Uuid, at: time::OffsetDateTime, audit: AuditEntry) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let n = crate::db::on_tx!(&mut tx, c => sqlx::query(
        "UPDATE api_client SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(micros(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?
    );
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    insert_audit(&mut tx, &[audit]).await?;
    tx.commit().await
}
