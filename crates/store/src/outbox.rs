//! The outbox, event subscriptions and delivery queues. [`insert_outbox`] is the one place that
//! writes outbox rows, inside the change set's transaction.

use crate::SqlStore;
use crate::codec;
use crate::db::{Tx, from_micros, map_err, micros, on_read, on_tx, on_write};
use crate::persons::{insert_audit, placeholders};
use async_trait::async_trait;
use dinhdanh_app::audit::AuditEntry;
use dinhdanh_app::outbox::{
    DeadLetter, DeliveryOutcome, DeliveryResult, DueDelivery, OutboxEvent, OutboxKind, OutboxStore, QueueCounts,
    ReplayFrom, StoredEvent, Subscription, SubscriptionStatus, WebhookSecret,
};
use dinhdanh_app::ports::{ActorRef, StoreError, StoreResult};
use dinhdanh_domain::person::PersonId;
use serde_json::Value;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;
use uuid::Uuid;

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("stored event data is not readable: {what}"))
}

/// Writes the change set's events (called by `Store::commit` only).
pub(crate) async fn insert_outbox(tx: &mut Tx, events: &[OutboxEvent]) -> StoreResult<()> {
    const COLS: usize = 5;
    for chunk in events.chunks(500) {
        let sql = format!(
            "INSERT INTO outbox (id, kind, person_id, occurred_at, data) VALUES {}",
            placeholders(chunk.len(), COLS)
        );
        on_tx!(tx, c => {
            let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
            for e in chunk {
                q = q
                    .bind(e.id)
                    .bind(e.kind.code())
                    .bind(e.person_id.0)
                    .bind(micros(e.occurred_at))
                    .bind(Value::Object(e.data.clone()).to_string());
            }
            q.execute(c).await.map_err(map_err)?;
        });
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    id: Uuid,
    kind: String,
    person_id: Uuid,
    occurred_at: i64,
    data: String,
}

impl EventRow {
    fn into_event(self) -> StoreResult<StoredEvent> {
        let data = match serde_json::from_str(&self.data).map_err(|_| corrupt("data"))? {
            Value::Object(m) => m,
            _ => return Err(corrupt("data")),
        };
        Ok(StoredEvent {
            seq: self.seq,
            event: OutboxEvent {
                id: self.id,
                kind: OutboxKind::parse(&self.kind).map_err(|_| corrupt("kind"))?,
                person_id: PersonId(self.person_id),
                occurred_at: from_micros(self.occurred_at),
                data,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: Uuid,
    name: String,
    url: String,
    secret: String,
    kinds: String,
    fields: String,
    legal_basis: String,
    status: String,
    created_by: String,
    created_at: i64,
    approved_by: Option<String>,
    approved_at: Option<i64>,
}

fn strings(text: &str, what: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(text).map_err(|_| corrupt(what))
}

fn actor_from_text(text: &str) -> StoreResult<ActorRef> {
    codec::actor_from(&serde_json::from_str(text).map_err(|_| corrupt("actor"))?).map_err(|_| corrupt("actor"))
}

impl SubscriptionRow {
    fn into_subscription(self) -> StoreResult<Subscription> {
        Ok(Subscription {
            id: self.id,
            name: self.name,
            url: self.url,
            secret: WebhookSecret::parse(&self.secret).map_err(|_| corrupt("secret"))?,
            kinds: strings(&self.kinds, "kinds")?
                .iter()
                .map(|k| OutboxKind::parse(k).map_err(|_| corrupt("kinds")))
                .collect::<StoreResult<_>>()?,
            fields: strings(&self.fields, "fields")?,
            legal_basis: self.legal_basis,
            status: SubscriptionStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            created_by: actor_from_text(&self.created_by)?,
            created_at: from_micros(self.created_at),
            approved_by: self.approved_by.as_deref().map(actor_from_text).transpose()?,
            approved_at: self.approved_at.map(from_micros),
        })
    }
}

const SUBSCRIPTION_COLS: &str =
    "id, name, url, secret, kinds, fields, legal_basis, status, created_by, created_at, approved_by, approved_at";

/// The head of each person's queue that is due. "The lowest pending sequence number of the
/// person" rather than "no pending row below it": on a table without statistics yet (a fresh
/// queue, before autovacuum's first ANALYZE) PostgreSQL planned the anti-join as a nested loop
/// over every pending row (quadratic: 350 ms for 1,000 rows); the subquery is one probe of
/// `event_delivery_person` per row whatever the statistics (10 ms).
const DUE: &str = "SELECT d.subscription_id, d.attempts, o.seq, o.id, o.kind, o.person_id, o.occurred_at, o.data \
    FROM event_delivery d \
    JOIN outbox o ON o.seq = d.seq \
    JOIN event_subscription s ON s.id = d.subscription_id AND s.status = 'approved' \
    WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
    AND d.seq = (SELECT min(e.seq) FROM event_delivery e WHERE e.subscription_id = d.subscription_id \
        AND e.person_id = d.person_id AND e.state = 'pending') \
    ORDER BY d.seq LIMIT $2";

#[derive(sqlx::FromRow)]
struct DueRow {
    subscription_id: Uuid,
    attempts: i64,
    #[sqlx(flatten)]
    event: EventRow,
}

#[async_trait]
impl OutboxStore for SqlStore {
    async fn create_subscription(&self, s: &Subscription, audit: AuditEntry) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let kinds: Vec<&str> = s.kinds.iter().map(|k| k.code()).collect();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO event_subscription (id, name, url, secret, kinds, fields, legal_basis, status, created_by, \
             created_at, approved_by, approved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL)",
        )
        .bind(s.id)
        .bind(&s.name)
        .bind(&s.url)
        .bind(s.secret.expose())
        .bind(serde_json::to_string(&kinds).map_err(|e| StoreError::Internal(e.to_string()))?)
        .bind(serde_json::to_string(&s.fields).map_err(|e| StoreError::Internal(e.to_string()))?)
        .bind(&s.legal_basis)
        .bind(s.status.code())
        .bind(codec::actor(&s.created_by).to_string())
        .bind(micros(s.created_at))
        .execute(c)
        .await
        .map_err(map_err)?
        .rows_affected());
        insert_audit(&mut tx, &[audit]).await?;
        tx.commit().await
    }

    async fn set_subscription_status(
        &self,
        id: Uuid,
        from: &[SubscriptionStatus],
        to: SubscriptionStatus,
        by: &ActorRef,
        at: OffsetDateTime,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let list: Vec<String> = (0..from.len()).map(|i| format!("${}", i + 5)).collect();
        let sql = format!(
            "UPDATE event_subscription SET status = $1, \
             approved_by = CASE WHEN $1 = 'approved' THEN $2 ELSE approved_by END, \
             approved_at = CASE WHEN $1 = 'approved' THEN $3 ELSE approved_at END \
             WHERE id = $4 AND status IN ({})",
            list.join(", ")
        );
        let n = on_tx!(&mut tx, c => {
            let mut q = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(to.code())
                .bind(codec::actor(by).to_string())
                .bind(micros(at))
                .bind(id);
            for f in from {
                q = q.bind(f.code());
            }
            q.execute(c).await.map_err(map_err)?.rows_affected()
        });
        if n != 1 {
            return Err(StoreError::Conflict);
        }
        insert_audit(&mut tx, &[audit]).await?;
        tx.commit().await
    }

    async fn subscriptions(&self) -> StoreResult<Vec<Subscription>> {
        let sql = format!("SELECT {SUBSCRIPTION_COLS} FROM event_subscription ORDER BY created_at, id");
        let rows: Vec<SubscriptionRow> = on_read!(&self.db, c => sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        rows.into_iter().map(SubscriptionRow::into_subscription).collect()
    }

    async fn subscription(&self, id: Uuid) -> StoreResult<Option<Subscription>> {
        let sql = format!("SELECT {SUBSCRIPTION_COLS} FROM event_subscription WHERE id = $1");
        let row: Option<SubscriptionRow> = on_read!(&self.db, c => sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(c)
            .await
            .map_err(map_err)?);
        row.map(SubscriptionRow::into_subscription).transpose()
    }

    async fn queue_counts(&self, id: Uuid) -> StoreResult<QueueCounts> {
        let rows: Vec<(String, i64)> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT state, COUNT(*) FROM event_delivery WHERE subscription_id = $1 GROUP BY state",
        )
        .bind(id)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        let mut out = QueueCounts::default();
        for (state, n) in rows {
            match state.as_str() {
                "pending" => out.pending = n as u64,
                "delivered" => out.delivered = n as u64,
                "dead" => out.dead = n as u64,
                _ => return Err(corrupt("delivery state")),
            }
        }
        Ok(out)
    }

    async fn fan_out(&self, now: OffsetDateTime, limit: u32) -> StoreResult<usize> {
        let mut tx = self.db.begin().await?;
        let events: Vec<(i64, String, Uuid)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT seq, kind, person_id FROM outbox WHERE fanned_out = FALSE ORDER BY seq LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        if events.is_empty() {
            return Ok(0);
        }
        let subs: Vec<(Uuid, String)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT id, kinds FROM event_subscription WHERE status = 'approved'",
        )
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        let subs: Vec<(Uuid, Vec<String>)> =
            subs.into_iter().map(|(id, k)| Ok((id, strings(&k, "kinds")?))).collect::<StoreResult<_>>()?;
        let rows: Vec<(Uuid, &(i64, String, Uuid))> = events
            .iter()
            .flat_map(|e| subs.iter().filter(|(_, kinds)| kinds.contains(&e.1)).map(move |(id, _)| (*id, e)))
            .collect();
        for chunk in rows.chunks(400) {
            let sql = format!(
                "INSERT INTO event_delivery (subscription_id, seq, person_id, state, attempts, next_attempt_at, \
                 last_attempt_at, last_error) VALUES {} ON CONFLICT (subscription_id, seq) DO NOTHING",
                (0..chunk.len())
                    .map(|i| format!(
                        "(${}, ${}, ${}, 'pending', 0, ${}, NULL, '')",
                        i * 4 + 1,
                        i * 4 + 2,
                        i * 4 + 3,
                        i * 4 + 4
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            on_tx!(&mut tx, c => {
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for (sub, (seq, _, person)) in chunk {
                    q = q.bind(*sub).bind(*seq).bind(*person).bind(micros(now));
                }
                q.execute(c).await.map_err(map_err)?;
            });
        }
        // By the exact list: on PostgreSQL an event with a lower number may commit after this
        // transaction began, and must stay for the next round.
        for chunk in events.chunks(500) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("UPDATE outbox SET fanned_out = TRUE WHERE seq IN ({})", list.join(", "));
            on_tx!(&mut tx, c => {
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for (seq, _, _) in chunk {
                    q = q.bind(*seq);
                }
                q.execute(c).await.map_err(map_err)?;
            });
        }
        tx.commit().await?;
        Ok(events.len())
    }

    async fn due_deliveries(&self, now: OffsetDateTime, limit: u32) -> StoreResult<Vec<DueDelivery>> {
        let rows: Vec<DueRow> = on_read!(&self.db, c => sqlx::query_as(DUE)
            .bind(micros(now))
            .bind(i64::from(limit))
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        rows.into_iter()
            .map(|r| {
                Ok(DueDelivery {
                    subscription_id: r.subscription_id,
                    attempts: r.attempts as i32,
                    event: r.event.into_event()?,
                })
            })
            .collect()
    }

    async fn record_deliveries(&self, outcomes: &[DeliveryOutcome], audit: Vec<AuditEntry>) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        for o in outcomes {
            let (state, next, error) = match &o.result {
                DeliveryResult::Delivered => ("delivered", o.at, ""),
                DeliveryResult::Retry { next_at, error } => ("pending", *next_at, error.as_str()),
                DeliveryResult::Dead { error } => ("dead", o.at, error.as_str()),
            };
            // Only a pending row moves: a replay that requeued it meanwhile wins.
            on_tx!(&mut tx, c => sqlx::query(
                "UPDATE event_delivery SET state = $1, attempts = $2, next_attempt_at = $3, last_attempt_at = $4, \
                 last_error = $5 WHERE subscription_id = $6 AND seq = $7 AND state = 'pending'",
            )
            .bind(state)
            .bind(i64::from(o.attempts))
            .bind(micros(next))
            .bind(micros(o.at))
            .bind(error.chars().take(500).collect::<String>())
            .bind(o.subscription_id)
            .bind(o.seq)
            .execute(c)
            .await
            .map_err(map_err)?
            .rows_affected());
        }
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await
    }

    async fn dead_letters(&self, id: Uuid, limit: u32) -> StoreResult<Vec<DeadLetter>> {
        let rows: Vec<(i64, Uuid, String, i64, i64, String, Option<i64>)> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT d.seq, o.id, o.kind, o.occurred_at, d.attempts, d.last_error, d.last_attempt_at \
             FROM event_delivery d JOIN outbox o ON o.seq = d.seq \
             WHERE d.subscription_id = $1 AND d.state = 'dead' ORDER BY d.seq LIMIT $2",
        )
        .bind(id)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        Ok(rows
            .into_iter()
            .map(|(seq, event_id, kind, occurred, attempts, last_error, last)| DeadLetter {
                seq,
                event_id,
                kind,
                occurred_at: from_micros(occurred),
                attempts: attempts as i32,
                last_error,
                last_attempt_at: last.map(from_micros),
            })
            .collect())
    }

    async fn replay(&self, id: Uuid, kinds: &[&str], from: ReplayFrom, now: OffsetDateTime) -> StoreResult<u64> {
        if kinds.is_empty() {
            return Ok(0);
        }
        let list: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 4)).collect();
        let point = match from {
            ReplayFrom::Seq(_) => "seq",
            ReplayFrom::Time(_) => "occurred_at",
        };
        let sql = format!(
            "INSERT INTO event_delivery (subscription_id, seq, person_id, state, attempts, next_attempt_at, \
             last_attempt_at, last_error) \
             SELECT $1, seq, person_id, 'pending', 0, $2, NULL, '' FROM outbox WHERE {point} >= $3 AND kind IN ({}) \
             ON CONFLICT (subscription_id, seq) DO UPDATE SET state = 'pending', attempts = 0, \
             next_attempt_at = excluded.next_attempt_at, last_error = ''",
            list.join(", ")
        );
        let from = match from {
            ReplayFrom::Seq(s) => s,
            ReplayFrom::Time(t) => micros(t),
        };
        let n = on_write!(&self.db, c => {
            let mut q = sqlx::query(AssertSqlSafe(sql.as_str())).bind(id).bind(micros(now)).bind(from);
            for k in kinds {
                q = q.bind(*k);
            }
            q.execute(c).await.map_err(map_err)?.rows_affected()
        });
        Ok(n)
    }

    async fn redeliver_dead(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<u64> {
        let n = on_write!(&self.db, c => sqlx::query(
            "UPDATE event_delivery SET state = 'pending', attempts = 0, next_attempt_at = $2, last_error = '' \
             WHERE subscription_id = $1 AND state = 'dead'",
        )
        .bind(id)
        .bind(micros(now))
        .execute(c)
        .await
        .map_err(map_err)?
        .rows_affected());
        Ok(n)
    }

    async fn outbox_after(&self, after: i64, limit: u32) -> StoreResult<Vec<StoredEvent>> {
        let rows: Vec<EventRow> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT seq, id, kind, person_id, occurred_at, data FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        rows.into_iter().map(EventRow::into_event).collect()
    }
}
