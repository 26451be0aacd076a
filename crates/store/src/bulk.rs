//! Bulk load: one transaction per import batch.
//!
//! PostgreSQL gets text `COPY` (the format Citus, YugabyteDB and CockroachDB also accept);
//! SQLite gets prepared single-row inserts inside one transaction, which on an in-process engine
//! cost a few microseconds each.

use crate::db::{Db, Tx, map_err, micros, on_tx};
use crate::persons::{PersonColumns, insert_audit, insert_case, insert_event, insert_person};
use crate::search_keys::key_rows;
use dinhdanh_app::audit::AuditEntry;
use dinhdanh_app::ports::{ImportBatch, StoreResult};
use dinhdanh_domain::date::iso;
use dinhdanh_domain::person::Person;
use sqlx::PgConnection;
use time::Date;
use uuid::Uuid;

/// Appends one field in PostgreSQL's COPY text format.
fn field(buf: &mut String, v: Option<&str>) {
    match v {
        None => buf.push_str("\\N"),
        Some(s) => {
            for ch in s.chars() {
                match ch {
                    '\\' => buf.push_str("\\\\"),
                    '\t' => buf.push_str("\\t"),
                    '\n' => buf.push_str("\\n"),
                    '\r' => buf.push_str("\\r"),
                    c => buf.push(c),
                }
            }
        }
    }
}

fn row(buf: &mut String, fields: &[Option<&str>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            buf.push('\t');
        }
        field(buf, *f);
    }
    buf.push('\n');
}

async fn copy(c: &mut PgConnection, statement: &str, data: String) -> StoreResult<()> {
    let mut cp = c.copy_in_raw(statement).await.map_err(map_err)?;
    // Send in slices so a large batch never needs one huge protocol message.
    for chunk in data.as_bytes().chunks(1 << 20) {
        if let Err(e) = cp.send(chunk.to_vec()).await {
            let _ = cp.abort("send failed").await;
            return Err(map_err(e));
        }
    }
    cp.finish().await.map_err(map_err)?;
    Ok(())
}

fn person_copy_rows(persons: &[(&Person, String)], at: i64, event: Option<Uuid>) -> String {
    let mut buf = String::with_capacity(persons.len() * 1500);
    let at = at.to_string();
    let event = event.map(|e| e.to_string());
    for (p, exists_from) in persons {
        let c = PersonColumns::of(p);
        let id = p.id.0.to_string();
        row(
            &mut buf,
            &[
                Some(&id),
                Some(p.pin.as_str()),
                Some("1"),
                Some(exists_from),
                Some(&at),
                Some(&at),
                event.as_deref(),
                Some(p.birth_name.as_str()),
                Some(&c.name_folded),
                Some(&c.dob),
                Some(c.sex),
                Some(c.status),
                Some(&c.dedupe_key),
                Some(&c.search_text),
                Some(&c.doc),
            ],
        );
    }
    buf
}

const PERSON_COPY: &str = "COPY person (id, pin, version, exists_from, created_at, updated_at, created_event_id, \
     name, name_folded, dob, sex, status, dedupe_key, search_text, doc) FROM STDIN";

fn audit_copy_rows(entries: &[AuditEntry]) -> String {
    let mut buf = String::with_capacity(entries.len() * 200);
    for e in entries {
        let (id, at, actor_id) = (e.id.to_string(), micros(e.at).to_string(), e.actor.id.to_string());
        let person = e.person_id.map(|p| p.0.to_string());
        let event = e.event_id.map(|x| x.to_string());
        row(
            &mut buf,
            &[
                Some(&id),
                Some(&at),
                Some(e.actor.kind),
                Some(&actor_id),
                Some(&e.actor.name),
                Some(e.action.code()),
                person.as_deref(),
                Some(&e.fields),
                Some(&e.purpose),
                Some(&e.legal_basis),
                event.as_deref(),
                Some(&e.detail),
            ],
        );
    }
    buf
}

const AUDIT_COPY: &str = "COPY audit_log (id, at, actor_kind, actor_id, actor_name, action, person_id, fields, \
     purpose, legal_basis, event_id, detail) FROM STDIN";

/// Every number of the batch's persons: the current one active, re-established ones cancelled.
fn registry_rows(persons: &[&Person]) -> Vec<(String, Uuid, &'static str)> {
    persons
        .iter()
        .flat_map(|p| {
            std::iter::once((p.pin.to_string(), p.id.0, "active"))
                .chain(p.cancelled_pins.iter().map(|c| (c.pin.to_string(), p.id.0, "cancelled")))
        })
        .collect()
}

pub async fn import(db: &Db, batch: ImportBatch) -> StoreResult<()> {
    let at = batch.event.as_ref().map(|e| micros(e.recorded_at)).unwrap_or(0);
    let event_id = batch.event.as_ref().map(|e| e.id);
    let mut tx = db.begin().await?;
    if let Some(e) = &batch.event {
        insert_event(&mut tx, e).await?;
    }
    let rows: Vec<(&Person, Date)> = batch.persons.iter().map(|n| (&n.person, n.valid_from)).collect();
    write_rows(&mut tx, &rows, &batch.audit, at, event_id).await?;
    for k in &batch.cases {
        insert_case(&mut tx, k).await?;
    }
    tx.commit().await
}

/// The rows an import writes for its persons: the register rows, the PIN registry rows and the
/// audit lines.
async fn write_rows(
    tx: &mut Tx,
    rows: &[(&Person, Date)],
    audit: &[AuditEntry],
    at: i64,
    event_id: Option<Uuid>,
) -> StoreResult<()> {
    let persons: Vec<&Person> = rows.iter().map(|(p, _)| *p).collect();
    match tx {
        Tx::Pg(t) => {
            let copy_rows: Vec<(&Person, String)> = rows.iter().map(|(p, d)| (*p, iso(*d))).collect();
            copy(t, PERSON_COPY, person_copy_rows(&copy_rows, at, event_id)).await?;
            let mut reg = String::new();
            let at_s = at.to_string();
            for (pin, id, state) in registry_rows(&persons) {
                row(&mut reg, &[Some(&pin), Some(&id.to_string()), Some(state), Some(&at_s), Some(&at_s)]);
            }
            copy(t, "COPY pin_registry (pin, person_id, state, reserved_at, changed_at) FROM STDIN", reg).await?;
            copy(t, AUDIT_COPY, audit_copy_rows(audit)).await?;
            let mut keys = String::new();
            for p in &persons {
                for k in key_rows(p) {
                    let (id, yob) = (k.person_id.to_string(), k.yob.to_string());
                    row(&mut keys, &[Some(&k.skey), Some(&id), Some(&yob), Some(k.sex)]);
                }
            }
            copy(t, "COPY person_search_key (skey, person_id, yob, sex) FROM STDIN", keys).await?;
        }
        Tx::Sqlite(_) => {
            for (p, valid_from) in rows {
                insert_person(tx, p, *valid_from, at, event_id).await?;
            }
            for (pin, id, state) in registry_rows(&persons) {
                on_tx!(&mut *tx, c => sqlx::query(
                    "INSERT INTO pin_registry (pin, person_id, state, reserved_at, changed_at) VALUES ($1, $2, $3, $4, $4)",
                )
                .bind(pin)
                .bind(id)
                .bind(state)
                .bind(at)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
                .map_err(map_err)?);
            }
            insert_audit(tx, audit).await?;
        }
    }
    Ok(())
}

/// The benchmark ceiling: the same rows an import writes (register, PIN registry, audit), loaded
/// in one transaction per batch with no validation, duplicate look-ups or life-event record.
pub async fn raw_load(db: &Db, persons: &[Person], audit: &[AuditEntry], at: i64) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let rows: Vec<(&Person, Date)> = persons.iter().map(|p| (p, p.date_of_birth.earliest())).collect();
    write_rows(&mut tx, &rows, audit, at, None).await?;
    tx.commit().await
}
