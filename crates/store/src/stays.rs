//! Stay notifications (`0016_stays.sql`): a batch and its guests written in one transaction with
//! their audit lines; the unique index on (sender, idempotency key) makes a concurrent repeat fail.

use crate::SqlStore;
use crate::codec;
use crate::db::{from_micros, map_err, micros, on_read, on_tx};
use crate::persons::{insert_audit, json, placeholders};
use async_trait::async_trait;
use dinhdanh_app::audit::AuditEntry;
use dinhdanh_app::ports::{ActorRef, StoreError, StoreResult};
use dinhdanh_app::stay::{StayBatch, StayNotification, StayQuery, StayStore};
use dinhdanh_domain::admin::{UnitRef, catalogue};
use dinhdanh_domain::date::{iso, parse_full_date};
use dinhdanh_domain::person::{Address, Person, PersonId};
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_domain::stay::HostKind;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("stored stay notification is not readable: {what}"))
}

const COLS: usize = 18;
const SELECT: &str = "SELECT n.id, n.batch_id, n.person_id, n.pin, n.guest_name, n.host_kind, n.host_name, n.unit, \
     n.detail, n.arrival_at, n.departure_on, n.reason, n.deadline_at, n.notified_at, n.late, b.actor_kind, \
     b.actor_id, b.actor_name FROM stay_notification n JOIN stay_batch b ON b.id = n.batch_id";

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    batch_id: Uuid,
    person_id: Uuid,
    pin: String,
    guest_name: String,
    host_kind: String,
    host_name: String,
    unit: String,
    detail: String,
    arrival_at: i64,
    departure_on: String,
    reason: String,
    deadline_at: i64,
    notified_at: i64,
    late: bool,
    actor_kind: String,
    actor_id: Uuid,
    actor_name: String,
}

impl Row {
    fn into_notification(self) -> StoreResult<StayNotification> {
        let unit = UnitRef::parse(&self.unit).map_err(|_| corrupt("unit"))?;
        Ok(StayNotification {
            id: self.id,
            batch_id: self.batch_id,
            person_id: PersonId(self.person_id),
            pin: PersonalNumber::parse(&self.pin).map_err(|_| corrupt("pin"))?,
            guest_name: self.guest_name,
            host_kind: HostKind::parse(&self.host_kind).map_err(|_| corrupt("host kind"))?,
            host_name: self.host_name,
            place: Address::new(unit, &self.detail).map_err(|_| corrupt("place"))?,
            arrival_at: from_micros(self.arrival_at),
            departure_on: parse_full_date(&self.departure_on).map_err(|_| corrupt("departure"))?,
            reason: self.reason,
            deadline: from_micros(self.deadline_at),
            notified_at: from_micros(self.notified_at),
            late: self.late,
            notified_by: ActorRef {
                kind: codec::actor_kind(&self.actor_kind),
                id: self.actor_id,
                name: self.actor_name,
            },
        })
    }
}

/// The 2025 commune and province of a place (the police's list keys).
fn keys(unit: &UnitRef) -> (String, String) {
    let cat = catalogue();
    let commune = cat.communes_2025_of(unit).first().map(|c| c.to_string()).unwrap_or_default();
    let province = cat.provinces_2025_of(unit).first().map(|p| p.to_string()).unwrap_or_default();
    (commune, province)
}

#[async_trait]
impl StayStore for SqlStore {
    async fn insert_stay_batch(&self, b: &StayBatch, audit: Vec<AuditEntry>) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO stay_batch (id, actor_kind, actor_id, actor_name, idempotency_key, digest, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(b.id)
        .bind(b.actor.kind)
        .bind(b.actor.id)
        .bind(&b.actor.name)
        .bind(b.idempotency_key.as_deref())
        .bind(&b.digest)
        .bind(micros(b.created_at))
        .execute(c)
        .await
        .map(|_| ())
        .map_err(map_err)?);
        let mut seq = 0i32;
        for chunk in b.notifications.chunks(500) {
            let sql = format!(
                "INSERT INTO stay_notification (id, batch_id, seq, person_id, pin, guest_name, host_kind, host_name, \
                 unit, detail, commune, province, arrival_at, departure_on, reason, deadline_at, notified_at, late) \
                 VALUES {}",
                placeholders(chunk.len(), COLS)
            );
            on_tx!(&mut tx, c => {
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for n in chunk {
                    let (commune, province) = keys(&n.place.unit);
                    q = q
                        .bind(n.id)
                        .bind(n.batch_id)
                        .bind(seq)
                        .bind(n.person_id.0)
                        .bind(n.pin.as_str().to_owned())
                        .bind(n.guest_name.clone())
                        .bind(n.host_kind.code())
                        .bind(n.host_name.clone())
                        .bind(n.place.unit.to_string())
                        .bind(n.place.detail.clone())
                        .bind(commune)
                        .bind(province)
                        .bind(micros(n.arrival_at))
                        .bind(iso(n.departure_on))
                        .bind(n.reason.clone())
                        .bind(micros(n.deadline))
                        .bind(micros(n.notified_at))
                        .bind(n.late);
                    seq += 1;
                }
                q.execute(c).await.map(|_| ()).map_err(map_err)?;
            });
        }
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await
    }

    async fn stay_batch(&self, actor_id: Uuid, key: &str) -> StoreResult<Option<StayBatch>> {
        let head: Option<(Uuid, String, String, String, i64)> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT id, actor_kind, actor_name, digest, created_at FROM stay_batch \
             WHERE actor_id = $1 AND idempotency_key = $2",
        )
        .bind(actor_id)
        .bind(key)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
        let Some((id, kind, name, digest, at)) = head else { return Ok(None) };
        let sql = format!("{SELECT} WHERE n.batch_id = $1 ORDER BY n.seq");
        let rows: Vec<Row> = on_read!(&self.db, c => sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        Ok(Some(StayBatch {
            id,
            idempotency_key: Some(key.to_owned()),
            digest,
            actor: ActorRef { kind: codec::actor_kind(&kind), id: actor_id, name },
            created_at: from_micros(at),
            notifications: rows.into_iter().map(Row::into_notification).collect::<StoreResult<_>>()?,
        }))
    }

    async fn stays(&self, q: &StayQuery) -> StoreResult<Vec<StayNotification>> {
        // The key column first, so each filter reads one range of its index.
        let (filter, key) = match (&q.commune, &q.province) {
            (Some(c), _) => ("n.commune = $3 AND ", Some(c.clone())),
            (None, Some(p)) => ("n.province = $3 AND ", Some(p.clone())),
            (None, None) => ("", None),
        };
        let sql = format!(
            "{SELECT} WHERE {filter}n.arrival_at >= $1 AND n.arrival_at < $2 ORDER BY n.arrival_at DESC, n.id LIMIT {}",
            q.limit
        );
        let rows: Vec<Row> = on_read!(&self.db, c => {
            let mut s = sqlx::query_as(AssertSqlSafe(sql)).bind(micros(q.from)).bind(micros(q.to));
            if let Some(k) = key {
                s = s.bind(k);
            }
            s.fetch_all(c).await.map_err(map_err)?
        });
        rows.into_iter().map(Row::into_notification).collect()
    }

    async fn persons_by_pins(&self, pins: &[PersonalNumber]) -> StoreResult<Vec<Person>> {
        let mut out = Vec::with_capacity(pins.len());
        for chunk in pins.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let sql = format!(
                "SELECT doc FROM person WHERE pin IN ({})",
                (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
            );
            let docs: Vec<String> = on_read!(&self.db, c => {
                let mut s = sqlx::query_scalar(AssertSqlSafe(sql));
                for p in chunk {
                    s = s.bind(p.as_str().to_owned());
                }
                s.fetch_all(c).await.map_err(map_err)?
            });
            for d in docs {
                out.push(codec::person_from_doc(&json(&d)?)?);
            }
        }
        Ok(out)
    }
}
