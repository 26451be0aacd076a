//! Residence confirmations (`0017_residence_confirmation.sql`): the issued document and the digest
//! of the residence data it was issued on, written with the audit line of the issue.

use crate::SqlStore;
use crate::codec;
use crate::db::{from_micros, map_err, micros, on_read, on_tx};
use crate::persons::insert_audit;
use async_trait::async_trait;
use dinhdanh_app::audit::AuditEntry;
use dinhdanh_app::ports::{ActorRef, StoreError, StoreResult};
use dinhdanh_app::residence_confirmation::{ConfirmationStore, StoredConfirmation};
use dinhdanh_domain::person::PersonId;
use dinhdanh_domain::pin::PersonalNumber;
use uuid::Uuid;

type Row = (Uuid, Uuid, String, String, String, i64, i64, String, Uuid, String);

#[async_trait]
impl ConfirmationStore for SqlStore {
    async fn insert_confirmation(&self, c: &StoredConfirmation, audit: Vec<AuditEntry>) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        on_tx!(&mut tx, x => sqlx::query(
            "INSERT INTO residence_confirmation (id, person_id, pin, digest, token, issued_at, expires_at, \
             actor_kind, actor_id, actor_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(c.id)
        .bind(c.person_id.0)
        .bind(c.pin.as_str().to_owned())
        .bind(&c.digest)
        .bind(&c.token)
        .bind(micros(c.issued_at))
        .bind(micros(c.expires_at))
        .bind(c.issued_by.kind)
        .bind(c.issued_by.id)
        .bind(&c.issued_by.name)
        .execute(x)
        .await
        .map(|_| ())
        .map_err(map_err)?);
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await
    }

    async fn confirmation(&self, id: Uuid) -> StoreResult<Option<StoredConfirmation>> {
        let row: Option<Row> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT id, person_id, pin, digest, token, issued_at, expires_at, actor_kind, actor_id, actor_name \
             FROM residence_confirmation WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
        row.map(|(id, person, pin, digest, token, issued, expires, kind, actor_id, name)| {
            Ok(StoredConfirmation {
                id,
                person_id: PersonId(person),
                pin: PersonalNumber::parse(&pin)
                    .map_err(|_| StoreError::Internal("stored confirmation: bad number".into()))?,
                digest,
                token,
                issued_at: from_micros(issued),
                expires_at: from_micros(expires),
                issued_by: ActorRef { kind: codec::actor_kind(&kind), id: actor_id, name },
            })
        })
        .transpose()
    }
}
