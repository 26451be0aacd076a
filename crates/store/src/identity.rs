//! The identity store's table: biometric captures, sealed by the application before they get
//! here, so the database only ever holds ciphertext.

use crate::SqlStore;
use crate::db::{from_micros, map_err, micros, on_read, on_tx, on_write};
use crate::persons::insert_audit;
use async_trait::async_trait;
use dinhdanh_app::audit::AuditEntry;
use dinhdanh_app::identity::Sealed;
use dinhdanh_app::identity::{BiometricFormat, BiometricKind, IdentityStore, StoredBiometric};
use dinhdanh_app::ports::{StoreError, StoreResult};
use dinhdanh_domain::person::PersonId;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    person_id: Uuid,
    kind: String,
    format: String,
    width: i64,
    height: i64,
    byte_len: i64,
    captured_at: i64,
    captured_by: String,
    active: bool,
    key_id: i64,
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
}

const COLS: &str =
    "id, person_id, kind, format, width, height, byte_len, captured_at, captured_by, active, key_id, nonce, ciphertext";

impl Row {
    fn into_biometric(self) -> StoreResult<StoredBiometric> {
        let bad = |what: &str| StoreError::Internal(format!("stored biometric {}: {what} is not readable", self.id));
        Ok(StoredBiometric {
            id: self.id,
            person_id: PersonId(self.person_id),
            kind: BiometricKind::parse(&self.kind).map_err(|_| bad("kind"))?,
            format: BiometricFormat::parse(&self.format).ok_or_else(|| bad("format"))?,
            width: self.width as u32,
            height: self.height as u32,
            byte_len: self.byte_len as u32,
            captured_at: from_micros(self.captured_at),
            captured_by: self.captured_by.clone(),
            active: self.active,
            sealed: Sealed {
                key_id: self.key_id as u32,
                nonce: self.nonce.as_slice().try_into().map_err(|_| bad("nonce"))?,
                ciphertext: self.ciphertext,
            },
        })
    }
}

#[async_trait]
impl IdentityStore for SqlStore {
    async fn insert_biometric(&self, b: &StoredBiometric, audit: AuditEntry) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE identity_biometric SET active = FALSE WHERE person_id = $1 AND kind = $2 AND active",
        )
        .bind(b.person_id.0)
        .bind(b.kind.code())
        .execute(c)
        .await
        .map(|_| ())
        .map_err(map_err)?);
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO identity_biometric (id, person_id, kind, format, width, height, byte_len, captured_at, \
             captured_by, active, key_id, nonce, ciphertext) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(b.id)
        .bind(b.person_id.0)
        .bind(b.kind.code())
        .bind(b.format.code())
        .bind(b.width as i64)
        .bind(b.height as i64)
        .bind(b.byte_len as i64)
        .bind(micros(b.captured_at))
        .bind(&b.captured_by)
        .bind(b.active)
        .bind(b.sealed.key_id as i64)
        .bind(b.sealed.nonce.to_vec())
        .bind(&b.sealed.ciphertext)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(map_err)?);
        insert_audit(&mut tx, &[audit]).await?;
        tx.commit().await
    }

    async fn biometrics_of(&self, person: PersonId) -> StoreResult<Vec<StoredBiometric>> {
        let sql = format!("SELECT {COLS} FROM identity_biometric WHERE person_id = $1 ORDER BY captured_at DESC, id");
        let rows: Vec<Row> = on_read!(&self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(person.0)
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        rows.into_iter().map(Row::into_biometric).collect()
    }

    async fn biometric(&self, id: Uuid) -> StoreResult<Option<StoredBiometric>> {
        let sql = format!("SELECT {COLS} FROM identity_biometric WHERE id = $1");
        let row: Option<Row> = on_read!(&self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_optional(c)
            .await
            .map_err(map_err)?);
        row.map(Row::into_biometric).transpose()
    }

    async fn biometrics_not_sealed_with(&self, current_key: u32, limit: u32) -> StoreResult<Vec<StoredBiometric>> {
        let sql = format!("SELECT {COLS} FROM identity_biometric WHERE key_id <> $1 ORDER BY id LIMIT $2");
        let rows: Vec<Row> = on_read!(&self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(current_key as i64)
            .bind(limit as i64)
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        rows.into_iter().map(Row::into_biometric).collect()
    }

    async fn reseal_biometric(&self, id: Uuid, from_key: u32, sealed: &Sealed) -> StoreResult<bool> {
        let n = on_write!(&self.db, c => sqlx::query(
            "UPDATE identity_biometric SET key_id = $3, nonce = $4, ciphertext = $5 WHERE id = $1 AND key_id = $2",
        )
        .bind(id)
        .bind(from_key as i64)
        .bind(sealed.key_id as i64)
        .bind(sealed.nonce.to_vec())
        .bind(&sealed.ciphertext)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        .map_err(map_err)?);
        Ok(n == 1)
    }
}
