//! Persons, their history, the PIN registry, life events, audit lines and adjudication cases.

use crate::SqlStore;
use crate::codec;
use crate::db::{Tx, from_micros, map_err, micros, on_read, on_tx, on_write};
use crate::search;
use async_trait::async_trait;
use dinhdanh_app::audit::{AuditAction, AuditEntry};
use dinhdanh_app::ports::*;
use dinhdanh_domain::date::{iso, parse_full_date};
use dinhdanh_domain::person::{Field, FieldChange, Person, PersonId};
use dinhdanh_domain::pin::PersonalNumber;
use serde_json::Value;
use sqlx::AssertSqlSafe;
use std::collections::HashSet;
use time::Date;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct PersonRow {
    doc: String,
    version: i64,
    exists_from: String,
    updated_at: i64,
}

pub(crate) fn json(s: &str) -> Result<Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Internal(format!("stored JSON: {e}")))
}

fn date(s: &str) -> Result<Date, StoreError> {
    parse_full_date(s).map_err(|r| StoreError::Internal(format!("stored date {s}: {}", r.code())))
}

impl PersonRow {
    fn into_stored(self) -> Result<StoredPerson, StoreError> {
        Ok(StoredPerson {
            person: codec::person_from_doc(&json(&self.doc)?)?,
            version: self.version,
            exists_from: date(&self.exists_from)?,
            updated_at: from_micros(self.updated_at),
        })
    }
}

/// `($1, $2, …), (…)` for a multi-row statement.
pub(crate) fn placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push_str(&format!("${}", r * cols + c + 1));
        }
        s.push(')');
    }
    s
}

pub(crate) fn list(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Columns written for a person row, in `INSERT` order.
pub(crate) const PERSON_INSERT: &str = "INSERT INTO person (id, pin, version, exists_from, created_at, updated_at, \
     created_event_id, name, name_folded, dob, sex, status, dedupe_key, search_text, doc) \
     VALUES ($1, $2, 1, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

/// The derived columns of a person row.
pub(crate) struct PersonColumns {
    pub name_folded: String,
    pub dob: String,
    pub sex: &'static str,
    pub status: &'static str,
    pub dedupe_key: String,
    pub search_text: String,
    pub doc: String,
}

impl PersonColumns {
    pub fn of(p: &Person) -> Self {
        PersonColumns {
            name_folded: p.birth_name.folded(),
            dob: p.date_of_birth.to_string(),
            sex: p.sex.code(),
            status: search::status_code(p),
            dedupe_key: p.duplicate_key(),
            search_text: search::search_text(p),
            doc: codec::person_doc(p).to_string(),
        }
    }
}

pub(crate) async fn insert_audit(tx: &mut Tx, entries: &[AuditEntry]) -> Result<(), StoreError> {
    const COLS: usize = 12;
    for chunk in entries.chunks(400) {
        let sql = format!(
            "INSERT INTO audit_log (id, at, actor_kind, actor_id, actor_name, action, person_id, fields, purpose, \
             legal_basis, event_id, detail) VALUES {}",
            placeholders(chunk.len(), COLS)
        );
        on_tx!(tx, c => {
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for e in chunk {
                    q = q
                        .bind(e.id)
                        .bind(micros(e.at))
                        .bind(e.actor.kind)
                        .bind(e.actor.id)
                        .bind(&e.actor.name)
                        .bind(e.action.code())
                        .bind(e.person_id.map(|p| p.0))
                        .bind(&e.fields)
                        .bind(&e.purpose)
                        .bind(&e.legal_basis)
                        .bind(e.event_id)
                        .bind(&e.detail);
                }
                q.execute(c)
        .await
        .map(|r| r.rows_affected())
        .map_err(map_err)?;
            });
    }
    Ok(())
}

pub(crate) async fn insert_event(tx: &mut Tx, e: &EventRecord) -> Result<(), StoreError> {
    let subjects: Vec<Value> =
        e.subjects.iter().map(|(id, role)| serde_json::json!([id.0.to_string(), role])).collect();
    let subjects = Value::Array(subjects).to_string();
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO life_event (id, kind, effective_date, recorded_at, actor_kind, actor_id, actor_name, \
             legal_basis, reason, subjects) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(e.id)
        .bind(e.kind.code())
        .bind(iso(e.effective_date))
        .bind(micros(e.recorded_at))
        .bind(e.actor.kind)
        .bind(e.actor.id)
        .bind(&e.actor.name)
        .bind(&e.legal_basis)
        .bind(&e.reason)
        .bind(&subjects)
        .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?;
    });
    Ok(())
}

pub(crate) async fn insert_case(tx: &mut Tx, k: &AdjudicationCase) -> Result<(), StoreError> {
    let (candidate, matches, juris) = case_docs(k);
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO adjudication_case (id, created_at, created_by, status, duplicate_key, candidate, matches, \
             juris, decided_by, decided_at, decision_note, person_id, source_line) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, '', NULL, $9)",
        )
        .bind(k.id)
        .bind(micros(k.created_at))
        .bind(codec::actor(&k.created_by).to_string())
        .bind(k.status.code())
        .bind(&k.duplicate_key)
        .bind(candidate)
        .bind(matches)
        .bind(juris)
        .bind(k.source_line.map(|l| l as i64))
        .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?;
    });
    Ok(())
}

fn case_docs(k: &AdjudicationCase) -> (String, String, String) {
    let candidate = match &k.candidate {
        Candidate::Birth(d) => serde_json::json!({"kind": "birth", "draft": codec::draft_doc(d)}),
        Candidate::Import(p) => {
            serde_json::json!({"kind": "import", "person": codec::person_doc(p)})
        }
    };
    let matches: Vec<String> = k.matches.iter().map(|m| m.0.to_string()).collect();
    (candidate.to_string(), serde_json::json!(matches).to_string(), codec::juris(&k.jurisdiction).to_string())
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: Uuid,
    created_at: i64,
    created_by: String,
    status: String,
    duplicate_key: String,
    candidate: String,
    matches: String,
    juris: String,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    decision_note: String,
    person_id: Option<Uuid>,
    source_line: Option<i64>,
}

impl CaseRow {
    fn into_case(self) -> Result<AdjudicationCase, StoreError> {
        let cand = json(&self.candidate)?;
        let candidate = match cand.get("kind").and_then(Value::as_str) {
            Some("birth") => Candidate::Birth(Box::new(codec::draft_from_doc(&cand["draft"])?)),
            _ => Candidate::Import(Box::new(codec::person_from_doc(&cand["person"])?)),
        };
        let matches = json(&self.matches)?
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok())).map(PersonId).collect())
            .unwrap_or_default();
        Ok(AdjudicationCase {
            id: self.id,
            created_at: from_micros(self.created_at),
            created_by: codec::actor_from(&json(&self.created_by)?)?,
            candidate,
            duplicate_key: self.duplicate_key,
            matches,
            status: CaseStatus::parse(&self.status).ok_or_else(|| StoreError::Internal("case status".into()))?,
            decided_by: self.decided_by.as_deref().map(json).transpose()?.map(|v| codec::actor_from(&v)).transpose()?,
            decided_at: self.decided_at.map(from_micros),
            decision_note: self.decision_note,
            person_id: self.person_id.map(PersonId),
            jurisdiction: codec::juris_from(&json(&self.juris)?),
            source_line: self.source_line.map(|l| l as u64),
        })
    }
}

/// Sets a number's state, inserting it when it was never reserved (imports).
async fn pin_transition(tx: &mut Tx, t: &PinTransition, at: i64) -> Result<(), StoreError> {
    let updated = on_tx!(tx, c => sqlx::query(
        "UPDATE pin_registry SET state = $2, person_id = $3, changed_at = $4 WHERE pin = $1",
    )
    .bind(t.pin.as_str())
    .bind(t.state.code())
    .bind(t.person_id.0)
    .bind(at)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?
    );
    if updated == 0 {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO pin_registry (pin, person_id, state, reserved_at, changed_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(t.pin.as_str())
        .bind(t.person_id.0)
        .bind(t.state.code())
        .bind(at)
        .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    }
    Ok(())
}

pub(crate) async fn insert_person(
    tx: &mut Tx,
    p: &Person,
    exists_from: Date,
    at: i64,
    event: Option<Uuid>,
) -> Result<(), StoreError> {
    let cols = PersonColumns::of(p);
    on_tx!(tx, c => sqlx::query(PERSON_INSERT)
        .bind(p.id.0)
        .bind(p.pin.as_str())
        .bind(iso(exists_from))
        .bind(at)
        .bind(event)
        .bind(p.birth_name.as_str())
        .bind(&cols.name_folded)
        .bind(&cols.dob)
        .bind(cols.sex)
        .bind(cols.status)
        .bind(&cols.dedupe_key)
        .bind(&cols.search_text)
        .bind(&cols.doc)
        .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    crate::search_keys::insert_keys(tx, &crate::search_keys::key_rows(p)).await
}

async fn update_person(
    tx: &mut Tx,
    u: &PersonUpdate,
    event_id: Uuid,
    at: i64,
    rng_ids: &mut impl FnMut() -> Uuid,
) -> Result<(), StoreError> {
    let row: Option<(String, i64, String)> = on_tx!(tx, c => sqlx::query_as("SELECT doc, version, search_text FROM person WHERE id = $1")
        .bind(u.person.id.0)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
    let (old_doc, version, old_search_text) = row.ok_or(StoreError::NotFound)?;
    if version != u.expected_version {
        return Err(StoreError::Conflict);
    }
    let old = json(&old_doc)?;
    let cols = PersonColumns::of(&u.person);
    let new_version = version + 1;
    let updated = on_tx!(tx, c => sqlx::query(
        "UPDATE person SET pin = $3, version = $4, updated_at = $5, name = $6, name_folded = $7, dob = $8, \
         sex = $9, status = $10, dedupe_key = $11, search_text = $12, doc = $13 WHERE id = $1 AND version = $2",
    )
    .bind(u.person.id.0)
    .bind(version)
    .bind(u.person.pin.as_str())
    .bind(new_version)
    .bind(at)
    .bind(u.person.birth_name.as_str())
    .bind(&cols.name_folded)
    .bind(&cols.dob)
    .bind(cols.sex)
    .bind(cols.status)
    .bind(&cols.dedupe_key)
    .bind(&cols.search_text)
    .bind(&cols.doc)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?
    );
    if updated != 1 {
        return Err(StoreError::Conflict);
    }
    // The keys follow the name words, year of birth and sex, all of which search_text holds.
    if cols.search_text != old_search_text {
        crate::search_keys::replace_keys(tx, &u.person).await?;
    }
    for FieldChange { field, old: old_text, new: new_text } in &u.changes {
        let old_json = old.get(field.name()).cloned().unwrap_or(Value::Null).to_string();
        let new_json = codec::field_value(&u.person, *field).to_string();
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO person_change (id, person_id, event_id, version, field, old_json, new_json, old_text, \
             new_text, valid_from, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(rng_ids())
        .bind(u.person.id.0)
        .bind(event_id)
        .bind(new_version)
        .bind(field.name())
        .bind(&old_json)
        .bind(&new_json)
        .bind(old_text)
        .bind(new_text)
        .bind(iso(u.valid_from))
        .bind(at)
        .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: Uuid,
    at: i64,
    actor_kind: String,
    actor_id: Uuid,
    actor_name: String,
    action: String,
    person_id: Option<Uuid>,
    fields: String,
    purpose: String,
    legal_basis: String,
    event_id: Option<Uuid>,
    detail: String,
}

impl SqlStore {
    /// Audit lines written so far (statistics, and tests that a use case left its trace).
    pub async fn audit_count(&self) -> Result<u64, StoreError> {
        let n: i64 = on_read!(&self.db, c => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(c)
            .await
            .map_err(map_err)?);
        Ok(n as u64)
    }

    async fn fetch_person(
        &self,
        sql: &'static str,
        key: impl for<'q> sqlx::Encode<'q, sqlx::Sqlite>
        + for<'q> sqlx::Encode<'q, sqlx::Postgres>
        + sqlx::Type<sqlx::Sqlite>
        + sqlx::Type<sqlx::Postgres>
        + Send
        + Clone,
    ) -> Result<Option<StoredPerson>, StoreError> {
        let row: Option<PersonRow> =
            on_read!(&self.db, c => sqlx::query_as(sql).bind(key).fetch_optional(c).await.map_err(map_err)?);
        row.map(PersonRow::into_stored).transpose()
    }

    /// Raw load of the rows an import writes (register, PIN registry, audit), without any of the
    /// import's checks: the ceiling the import benchmark compares against.
    pub async fn raw_load_persons(
        &self,
        persons: &[Person],
        audit: &[AuditEntry],
        at: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        crate::bulk::raw_load(&self.db, persons, audit, micros(at)).await
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn person_by_pin(&self, pin: &PersonalNumber) -> StoreResult<Option<StoredPerson>> {
        const BY_PIN: &str = "SELECT doc, version, exists_from, updated_at FROM person WHERE pin = $1";
        if let Some(p) = self.fetch_person(BY_PIN, pin.as_str().to_owned()).await? {
            return Ok(Some(p));
        }
        // A cancelled number still leads to its person.
        let owner: Option<Option<Uuid>> = on_read!(&self.db, c => sqlx::query_scalar(
            "SELECT person_id FROM pin_registry WHERE pin = $1 AND state = 'cancelled'",
        )
        .bind(pin.as_str())
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
        match owner.flatten() {
            Some(id) => self.person_by_id(PersonId(id)).await,
            None => Ok(None),
        }
    }

    async fn person_by_id(&self, id: PersonId) -> StoreResult<Option<StoredPerson>> {
        const BY_ID: &str = "SELECT doc, version, exists_from, updated_at FROM person WHERE id = $1";
        self.fetch_person(BY_ID, id.0).await
    }

    async fn person_as_of(&self, id: PersonId, date: Date) -> StoreResult<Option<StoredPerson>> {
        let row: Option<PersonRow> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT doc, version, exists_from, updated_at FROM person WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
        let Some(row) = row else { return Ok(None) };
        let exists_from = self::date(&row.exists_from)?;
        if date < exists_from {
            return Ok(None);
        }
        let changes: Vec<(i64, String, String, String, i64)> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT version, field, old_json, valid_from, recorded_at FROM person_change WHERE person_id = $1 \
             ORDER BY version DESC",
        )
        .bind(id.0)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        let mut doc = json(&row.doc)?;
        let mut reverted = HashSet::new();
        let mut updated_at = row.updated_at;
        for (version, field, old_json, valid_from, _) in &changes {
            if self::date(valid_from)? > date {
                doc[field.as_str()] = json(old_json)?;
                reverted.insert(*version);
            }
        }
        let version = (1..=row.version).rev().find(|v| !reverted.contains(v)).unwrap_or(1);
        if let Some((_, _, _, _, at)) = changes.iter().find(|c| c.0 == version) {
            updated_at = *at;
        }
        Ok(Some(StoredPerson {
            person: codec::person_from_doc(&doc)?,
            version,
            exists_from,
            updated_at: from_micros(updated_at),
        }))
    }

    async fn person_history(&self, id: PersonId) -> StoreResult<Vec<HistoryEntry>> {
        type Row = (Uuid, String, String, String, String, i64, String, String, String, String);
        let rows: Vec<Row> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT c.event_id, c.field, c.old_text, c.new_text, c.valid_from, c.recorded_at, e.kind, \
             e.actor_name, e.legal_basis, e.reason FROM person_change c JOIN life_event e ON e.id = c.event_id \
             WHERE c.person_id = $1 ORDER BY c.version DESC, c.field",
        )
        .bind(id.0)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        let mut out: Vec<HistoryEntry> = Vec::new();
        for (event_id, field, old, new, valid_from, at, kind, actor, basis, reason) in rows {
            let change = FieldChange {
                field: Field::parse(&field).ok_or_else(|| StoreError::Internal(format!("field {field}")))?,
                old,
                new,
            };
            match out.last_mut() {
                Some(h) if h.event_id == event_id => h.changes.push(change),
                _ => out.push(HistoryEntry {
                    event_id,
                    event_kind: EventKind::parse(&kind).ok_or_else(|| StoreError::Internal(kind.clone()))?,
                    effective_date: self::date(&valid_from)?,
                    recorded_at: from_micros(at),
                    actor,
                    legal_basis: basis,
                    reason,
                    changes: vec![change],
                }),
            }
        }
        // The event that created the record closes the history.
        type Created = (Uuid, String, String, i64, String, String, String);
        let created: Option<Created> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT e.id, e.kind, e.effective_date, e.recorded_at, e.actor_name, e.legal_basis, e.reason \
             FROM person p JOIN life_event e ON e.id = p.created_event_id WHERE p.id = $1",
        )
        .bind(id.0)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
        if let Some((event_id, kind, eff, at, actor, basis, reason)) = created {
            out.push(HistoryEntry {
                // The creating event's id ties the entry to its audit line and event record.
                event_id,
                event_kind: EventKind::parse(&kind).ok_or_else(|| StoreError::Internal(kind.clone()))?,
                effective_date: self::date(&eff)?,
                recorded_at: from_micros(at),
                actor,
                legal_basis: basis,
                reason,
                changes: vec![],
            });
        }
        Ok(out)
    }

    async fn search(&self, q: &SearchQuery) -> StoreResult<SearchPage> {
        crate::search_keys::search(&self.db, q, self.search_limits).await
    }

    async fn persons_with_keys(&self, keys: &[String]) -> StoreResult<Vec<(String, PersonId)>> {
        let mut out = Vec::new();
        for chunk in keys.chunks(500) {
            let sql = format!("SELECT dedupe_key, id FROM person WHERE dedupe_key IN ({})", list(chunk.len()));
            let rows: Vec<(String, Uuid)> = on_read!(&self.db, c => {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for k in chunk {
                    q = q.bind(k);
                }
                q.fetch_all(c).await.map_err(map_err)?
            });
            out.extend(rows.into_iter().map(|(k, id)| (k, PersonId(id))));
        }
        Ok(out)
    }

    async fn pin_owners(&self, pins: &[PersonalNumber]) -> StoreResult<Vec<(PersonalNumber, Option<String>)>> {
        let mut out = Vec::new();
        for chunk in pins.chunks(500) {
            let sql = format!(
                "SELECT r.pin, p.dedupe_key FROM pin_registry r LEFT JOIN person p ON p.id = r.person_id \
                 WHERE r.pin IN ({})",
                list(chunk.len())
            );
            let rows: Vec<(String, Option<String>)> = on_read!(&self.db, c => {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for p in chunk {
                    q = q.bind(p.as_str());
                }
                q.fetch_all(c).await.map_err(map_err)?
            });
            for (pin, key) in rows {
                out.push((PersonalNumber::parse(&pin).map_err(|_| StoreError::Internal("pin".into()))?, key));
            }
        }
        Ok(out)
    }

    async fn reserve_pin(&self, pin: &PersonalNumber, at: time::OffsetDateTime) -> StoreResult<bool> {
        // The primary key makes this safe under concurrency on both engines; ON CONFLICT keeps a
        // PostgreSQL transaction usable when the number is taken.
        let n = on_write!(&self.db, c => sqlx::query(
                "INSERT INTO pin_registry (pin, person_id, state, reserved_at, changed_at) \
                 VALUES ($1, NULL, 'reserved', $2, $2) ON CONFLICT (pin) DO NOTHING",
            )
            .bind(pin.as_str())
            .bind(micros(at))
            .execute(c)
        .await
        .map(|r| r.rows_affected())
        .map_err(map_err)?
            );
        Ok(n == 1)
    }

    async fn commit(&self, cs: ChangeSet) -> StoreResult<()> {
        let at = cs.event.as_ref().map(|e| micros(e.recorded_at)).or_else(|| cs.audit.first().map(|a| micros(a.at)));
        let at = at.unwrap_or_else(|| micros(time::OffsetDateTime::now_utc()));
        let mut tx = self.db.begin().await?;
        let event_id = cs.event.as_ref().map(|e| e.id);
        if let Some(e) = &cs.event {
            insert_event(&mut tx, e).await?;
        }
        for n in &cs.inserts {
            insert_person(&mut tx, &n.person, n.valid_from, at, event_id).await?;
        }
        let mut ids = || Uuid::new_v4();
        for u in &cs.updates {
            update_person(&mut tx, u, event_id.unwrap_or_else(Uuid::nil), at, &mut ids).await?;
        }
        for t in &cs.pins {
            pin_transition(&mut tx, t, at).await?;
        }
        if let Some(k) = &cs.new_case {
            insert_case(&mut tx, k).await?;
        }
        if let Some(k) = &cs.decided_case {
            let n = on_tx!(&mut tx, c => sqlx::query(
                        "UPDATE adjudication_case SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5, \
                         person_id = $6 WHERE id = $1 AND status = 'pending'",
                    )
                    .bind(k.id)
                    .bind(k.status.code())
                    .bind(k.decided_by.as_ref().map(|a| codec::actor(a).to_string()))
                    .bind(k.decided_at.map(micros))
                    .bind(&k.decision_note)
                    .bind(k.person_id.map(|p| p.0))
                    .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(map_err)?
                    );
            if n != 1 {
                return Err(StoreError::Conflict);
            }
        }
        for d in &cs.dossiers {
            crate::dossiers::write(&mut tx, d).await?;
        }
        for w in &cs.cards {
            crate::cards::write(&mut tx, w).await?;
        }
        crate::eid::revoke_for_persons(&mut tx, &cs.revoke_eid_of, at).await?;
        for w in &cs.residence {
            crate::residence::write(&mut tx, w).await?;
        }
        crate::outbox::insert_outbox(&mut tx, &cs.outbox).await?;
        insert_audit(&mut tx, &cs.audit).await?;
        tx.commit().await
    }

    async fn record_access(&self, entries: Vec<AuditEntry>) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        insert_audit(&mut tx, &entries).await?;
        tx.commit().await
    }

    async fn audit_for_person(&self, id: PersonId, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let rows: Vec<AuditRow> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT id, at, actor_kind, actor_id, actor_name, action, person_id, fields, purpose, legal_basis, \
             event_id, detail FROM audit_log WHERE person_id = $1 ORDER BY at DESC LIMIT $2",
        )
        .bind(id.0)
        .bind(limit as i64)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        rows.into_iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.id,
                    at: from_micros(r.at),
                    actor: ActorRef { kind: codec::actor_kind(&r.actor_kind), id: r.actor_id, name: r.actor_name },
                    action: AuditAction::parse(&r.action).ok_or_else(|| StoreError::Internal(r.action.clone()))?,
                    person_id: r.person_id.map(PersonId),
                    fields: r.fields,
                    purpose: r.purpose,
                    legal_basis: r.legal_basis,
                    event_id: r.event_id,
                    detail: r.detail,
                })
            })
            .collect()
    }

    async fn import_batch(&self, batch: ImportBatch) -> StoreResult<()> {
        crate::bulk::import(&self.db, batch).await
    }

    async fn scan_persons(&self, after: Option<PersonId>, limit: u32) -> StoreResult<Vec<StoredPerson>> {
        let rows: Vec<PersonRow> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT doc, version, exists_from, updated_at FROM person WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after.map(|p| p.0).unwrap_or(Uuid::nil()))
        .bind(limit as i64)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        rows.into_iter().map(PersonRow::into_stored).collect()
    }

    async fn count_persons(&self) -> StoreResult<u64> {
        let n: i64 = on_read!(&self.db, c => sqlx::query_scalar("SELECT count(*) FROM person")
            .fetch_one(c)
            .await
            .map_err(map_err)?);
        Ok(n as u64)
    }

    async fn cases(&self, status: Option<CaseStatus>, limit: u32) -> StoreResult<Vec<AdjudicationCase>> {
        let rows: Vec<CaseRow> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT id, created_at, created_by, status, duplicate_key, candidate, matches, juris, decided_by, \
             decided_at, decision_note, person_id, source_line FROM adjudication_case \
             WHERE ($1 = '' OR status = $1) ORDER BY created_at, id LIMIT $2",
        )
        .bind(status.map(|s| s.code()).unwrap_or(""))
        .bind(limit as i64)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        rows.into_iter().map(CaseRow::into_case).collect()
    }

    async fn case(&self, id: Uuid) -> StoreResult<Option<AdjudicationCase>> {
        let row: Option<CaseRow> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT id, created_at, created_by, status, duplicate_key, candidate, matches, juris, decided_by, \
             decided_at, decision_note, person_id, source_line FROM adjudication_case WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
        row.map(CaseRow::into_case).transpose()
    }

    async fn cases_with_keys(&self, keys: &[String]) -> StoreResult<Vec<AdjudicationCase>> {
        let mut out = Vec::new();
        for chunk in keys.chunks(500) {
            let sql = format!(
                "SELECT id, created_at, created_by, status, duplicate_key, candidate, matches, juris, decided_by, \
                 decided_at, decision_note, person_id, source_line FROM adjudication_case \
                 WHERE duplicate_key IN ({}) ORDER BY created_at, id",
                list(chunk.len())
            );
            let rows: Vec<CaseRow> = on_read!(&self.db, c => {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for k in chunk {
                    q = q.bind(k);
                }
                q.fetch_all(c).await.map_err(map_err)?
            });
            for r in rows {
                out.push(r.into_case()?);
            }
        }
        Ok(out)
    }

    async fn create_officer(&self, o: &Officer, audit: AuditEntry) -> StoreResult<()> {
        crate::accounts::create_officer(&self.db, o, audit).await
    }
    async fn update_officer(&self, o: &Officer) -> StoreResult<()> {
        crate::accounts::update_officer(&self.db, o).await
    }
    async fn officer_by_username(&self, username: &str) -> StoreResult<Option<Officer>> {
        crate::accounts::officer_by_username(&self.db, username.to_owned()).await
    }
    async fn officer_by_id(&self, id: Uuid) -> StoreResult<Option<Officer>> {
        crate::accounts::officer_by_id(&self.db, id).await
    }
    async fn officers(&self) -> StoreResult<Vec<Officer>> {
        crate::accounts::officers(&self.db).await
    }
    async fn create_session(&self, s: &Session) -> StoreResult<()> {
        crate::accounts::create_session(&self.db, s).await
    }
    async fn session(&self, token_digest: &str) -> StoreResult<Option<Session>> {
        crate::accounts::session(&self.db, token_digest).await
    }
    async fn delete_session(&self, token_digest: &str) -> StoreResult<()> {
        crate::accounts::delete_session(&self.db, token_digest).await
    }
    async fn delete_sessions_of(&self, officer_id: Uuid) -> StoreResult<()> {
        crate::accounts::delete_sessions_of(&self.db, officer_id).await
    }
    async fn create_api_client(&self, c: &ApiClient, audit: AuditEntry) -> StoreResult<()> {
        crate::accounts::create_api_client(&self.db, c, audit).await
    }
    async fn api_client_by_digest(&self, digest: &str) -> StoreResult<Option<ApiClient>> {
        crate::accounts::api_client_by_digest(&self.db, digest).await
    }
    async fn api_clients(&self) -> StoreResult<Vec<ApiClient>> {
        crate::accounts::api_clients(&self.db).await
    }
    async fn revoke_api_client(&self, id: Uuid, at: time::OffsetDateTime, audit: AuditEntry) -> StoreResult<()> {
        crate::accounts::revoke_api_client(&self.db, id, at, audit).await
    }
}
