//! Dossiers of administrative procedures: the current state, the people concerned, and a log
//! line per step. Written inside the change set's transaction by [`write`].

use crate::SqlStore;
use crate::codec;
use crate::db::{Tx, from_micros, map_err, micros, on_read, on_tx};
use async_trait::async_trait;
use dinhdanh_app::ports::{StoreError, StoreResult};
use dinhdanh_app::workflow::{
    Applicant, ApplicantRelation, DossierChange, DossierQuery, DossierRecord, DossierRecordPage, DossierStore,
    DossierSubject, DossierTransition,
};
use dinhdanh_domain::admin::{UnitRef, catalogue};
use dinhdanh_domain::date::{iso, parse_full_date};
use dinhdanh_domain::person::PersonId;
use dinhdanh_domain::pin::PersonalNumber;
use serde_json::{Value, json};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("stored dossier is not readable: {what}"))
}

fn subjects_doc(s: &[DossierSubject]) -> String {
    Value::Array(
        s.iter()
            .map(|x| json!({"person_id": x.person_id.0.to_string(), "pin": x.pin.as_str(), "name": x.name, "role": x.role}))
            .collect(),
    )
    .to_string()
}

fn subjects_from(text: &str) -> StoreResult<Vec<DossierSubject>> {
    let v: Value = serde_json::from_str(text).map_err(|_| corrupt("subjects"))?;
    let items = v.as_array().ok_or_else(|| corrupt("subjects"))?;
    items
        .iter()
        .map(|x| {
            let s = |k: &str| x.get(k).and_then(Value::as_str).ok_or_else(|| corrupt(k));
            Ok(DossierSubject {
                person_id: PersonId(Uuid::parse_str(s("person_id")?).map_err(|_| corrupt("person_id"))?),
                pin: PersonalNumber::parse(s("pin")?).map_err(|_| corrupt("pin"))?,
                name: s("name")?.to_owned(),
                role: s("role")?.to_owned(),
            })
        })
        .collect()
}

fn applicant_doc(a: &Applicant) -> String {
    json!({
        "person_id": a.person_id.map(|p| p.0.to_string()),
        "pin": a.pin.map(|p| p.as_str().to_owned()),
        "name": a.name,
        "relation": a.relation.code(),
        "organisation": a.organisation,
        "contact": a.contact,
    })
    .to_string()
}

fn applicant_from(text: &str) -> StoreResult<Applicant> {
    let v: Value = serde_json::from_str(text).map_err(|_| corrupt("applicant"))?;
    let s = |k: &str| v.get(k).and_then(Value::as_str);
    Ok(Applicant {
        person_id: s("person_id")
            .map(|x| Uuid::parse_str(x).map(PersonId).map_err(|_| corrupt("applicant.person_id")))
            .transpose()?,
        pin: s("pin").map(|x| PersonalNumber::parse(x).map_err(|_| corrupt("applicant.pin"))).transpose()?,
        name: s("name").ok_or_else(|| corrupt("applicant.name"))?.to_owned(),
        relation: ApplicantRelation::parse(s("relation").unwrap_or_default())
            .map_err(|_| corrupt("applicant.relation"))?,
        organisation: s("organisation").unwrap_or_default().to_owned(),
        contact: s("contact").unwrap_or_default().to_owned(),
    })
}

/// Writes a dossier (insert, or update guarded by its version) and its log line.
pub(crate) async fn write(tx: &mut Tx, ch: &DossierChange) -> Result<(), StoreError> {
    let d = &ch.dossier;
    let assignee = d.assignee.as_ref().map(|a| codec::actor(a).to_string());
    let deadline = d.deadline.map(iso);
    match ch.expected_version {
        None => {
            let unit = d.handling_unit.to_string();
            let province = catalogue().provinces_2025_of(&d.handling_unit).first().map(|p| p.to_string());
            let province = province.ok_or_else(|| StoreError::Internal(format!("no province for {unit}")))?;
            on_tx!(tx, c => sqlx::query(
                "INSERT INTO dossier (id, code, kind, status, is_open, unit, unit_commune, unit_province, subjects, \
                 applicant, form, assignee_id, assignee, received_at, deadline, note, version, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            )
            .bind(d.id)
            .bind(&d.code)
            .bind(d.kind.code)
            .bind(d.status)
            .bind(d.is_open())
            .bind(&unit)
            .bind(d.handling_unit.code())
            .bind(&province)
            .bind(subjects_doc(&d.subjects))
            .bind(applicant_doc(&d.applicant))
            .bind(&d.form)
            .bind(d.assignee.as_ref().map(|a| a.id))
            .bind(&assignee)
            .bind(micros(d.received_at))
            .bind(&deadline)
            .bind(&d.note)
            .bind(d.version)
            .bind(micros(d.updated_at))
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(map_err)?);
            for s in &d.subjects {
                on_tx!(tx, c => sqlx::query(
                    "INSERT INTO dossier_subject (dossier_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(d.id)
                .bind(s.person_id.0)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
                .map_err(map_err)?);
            }
        }
        Some(expected) => {
            let n = on_tx!(tx, c => sqlx::query(
                "UPDATE dossier SET status = $3, is_open = $4, form = $5, assignee_id = $6, assignee = $7, \
                 deadline = $8, note = $9, version = $10, updated_at = $11 WHERE id = $1 AND version = $2",
            )
            .bind(d.id)
            .bind(expected)
            .bind(d.status)
            .bind(d.is_open())
            .bind(&d.form)
            .bind(d.assignee.as_ref().map(|a| a.id))
            .bind(&assignee)
            .bind(&deadline)
            .bind(&d.note)
            .bind(d.version)
            .bind(micros(d.updated_at))
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(map_err)?);
            if n != 1 {
                return Err(StoreError::Conflict);
            }
        }
    }
    let t = &ch.transition;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO dossier_transition (id, dossier_id, version, at, actor_kind, actor_id, actor_name, action, \
         from_state, to_state, note, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(t.id)
    .bind(t.dossier_id)
    .bind(d.version)
    .bind(micros(t.at))
    .bind(t.actor.kind)
    .bind(t.actor.id)
    .bind(&t.actor.name)
    .bind(&t.action)
    .bind(&t.from_state)
    .bind(&t.to_state)
    .bind(&t.note)
    .bind(t.deadline.map(iso))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    Ok(())
}

const COLS: &str = "id, code, kind, status, unit, subjects, applicant, form, assignee, received_at, deadline, note, \
     version, updated_at";

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    code: String,
    kind: String,
    status: String,
    unit: String,
    subjects: String,
    applicant: String,
    form: String,
    assignee: Option<String>,
    received_at: i64,
    deadline: Option<String>,
    note: String,
    version: i64,
    updated_at: i64,
}

impl Row {
    fn into_record(self) -> StoreResult<DossierRecord> {
        let assignee = match &self.assignee {
            Some(a) => Some(codec::actor_from(&serde_json::from_str(a).map_err(|_| corrupt("assignee"))?)?),
            None => None,
        };
        Ok(DossierRecord {
            id: self.id,
            code: self.code,
            kind: self.kind,
            status: self.status,
            subjects: subjects_from(&self.subjects)?,
            handling_unit: UnitRef::parse(&self.unit).map_err(|_| corrupt("unit"))?,
            applicant: applicant_from(&self.applicant)?,
            form: self.form,
            assignee,
            received_at: from_micros(self.received_at),
            deadline: self.deadline.as_deref().map(parse_full_date).transpose().map_err(|_| corrupt("deadline"))?,
            note: self.note,
            version: self.version,
            updated_at: from_micros(self.updated_at),
        })
    }
}

/// The WHERE clause of a worklist query and its text parameters, numbered from `$1`.
fn conditions(q: &DossierQuery) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut params: Vec<String> = Vec::new();
    let mut push = |clause: &str, value: String| {
        params.push(value);
        clauses.push(clause.replace('?', &format!("${}", params.len())));
    };
    if let Some(k) = &q.kind {
        push("kind = ?", k.clone());
    }
    if let Some(p) = &q.kind_prefix {
        // Kind codes are lower-case letters, digits, dots and underscores: no LIKE metacharacter
        // but `_`, which is escaped.
        push("kind LIKE ? ESCAPE '!'", format!("{}%", p.replace('!', "!!").replace('_', "!_").replace('%', "!%")));
    }
    if let Some(s) = &q.status {
        push("status = ?", s.clone());
    }
    if let Some(p) = &q.province {
        push("unit_province = ?", p.clone());
    }
    if let Some(c) = &q.commune {
        push("unit_commune = ?", c.clone());
    }
    if let Some(d) = &q.overdue_on {
        push("deadline < ?", iso(*d));
    }
    let mut sql = clauses.join(" AND ");
    let mut add = |extra: &str| {
        if !sql.is_empty() {
            sql.push_str(" AND ");
        }
        sql.push_str(extra);
    };
    if q.open_only || q.overdue_on.is_some() {
        add("is_open = TRUE");
    }
    if q.assignee.is_some() {
        add(&format!("assignee_id = ${}", params.len() + 1));
    }
    if q.subject.is_some() {
        let n = params.len() + 1 + usize::from(q.assignee.is_some());
        add(&format!("id IN (SELECT dossier_id FROM dossier_subject WHERE person_id = ${n})"));
    }
    if sql.is_empty() {
        sql.push_str("TRUE");
    }
    (sql, params)
}

#[async_trait]
impl DossierStore for SqlStore {
    async fn dossier(&self, id: Uuid) -> StoreResult<Option<DossierRecord>> {
        let sql = format!("SELECT {COLS} FROM dossier WHERE id = $1");
        let row: Option<Row> = on_read!(&self.db, c => sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_optional(c)
            .await
            .map_err(map_err)?);
        row.map(Row::into_record).transpose()
    }

    async fn dossier_by_code(&self, code: &str) -> StoreResult<Option<DossierRecord>> {
        let sql = format!("SELECT {COLS} FROM dossier WHERE code = $1");
        let row: Option<Row> = on_read!(&self.db, c => sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(code)
            .fetch_optional(c)
            .await
            .map_err(map_err)?);
        row.map(Row::into_record).transpose()
    }

    async fn dossiers(&self, q: &DossierQuery) -> StoreResult<DossierRecordPage> {
        let (cond, params) = conditions(q);
        let n = params.len() + usize::from(q.assignee.is_some()) + usize::from(q.subject.is_some());
        let count_sql = format!("SELECT COUNT(*) FROM dossier WHERE {cond}");
        let list_sql = format!(
            "SELECT {COLS} FROM dossier WHERE {cond} ORDER BY received_at DESC, id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let (total, rows): (i64, Vec<Row>) = on_read!(&self.db, c => {
            let mut count = sqlx::query_scalar(AssertSqlSafe(count_sql.as_str()));
            let mut list = sqlx::query_as(AssertSqlSafe(list_sql.as_str()));
            for p in &params {
                count = count.bind(p.clone());
                list = list.bind(p.clone());
            }
            if let Some(a) = q.assignee {
                count = count.bind(a);
                list = list.bind(a);
            }
            if let Some(s) = q.subject {
                count = count.bind(s.0);
                list = list.bind(s.0);
            }
            let total = count.fetch_one(c).await.map_err(map_err)?;
            let rows = list.bind(q.limit as i64).bind(q.offset as i64).fetch_all(c).await.map_err(map_err)?;
            (total, rows)
        });
        Ok(DossierRecordPage {
            total: total as u64,
            items: rows.into_iter().map(Row::into_record).collect::<StoreResult<_>>()?,
        })
    }

    async fn dossier_transitions(&self, id: Uuid) -> StoreResult<Vec<DossierTransition>> {
        type T = (Uuid, Uuid, i64, String, Uuid, String, String, String, String, String, Option<String>);
        let rows: Vec<T> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT id, dossier_id, at, actor_kind, actor_id, actor_name, action, from_state, to_state, note, deadline \
             FROM dossier_transition WHERE dossier_id = $1 ORDER BY version",
        )
        .bind(id)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        rows.into_iter()
            .map(|(id, dossier_id, at, kind, actor_id, name, action, from_state, to_state, note, deadline)| {
                Ok(DossierTransition {
                    id,
                    dossier_id,
                    at: from_micros(at),
                    actor: dinhdanh_app::ports::ActorRef { kind: codec::actor_kind(&kind), id: actor_id, name },
                    action,
                    from_state,
                    to_state,
                    note,
                    deadline: deadline.as_deref().map(parse_full_date).transpose().map_err(|_| corrupt("deadline"))?,
                })
            })
            .collect()
    }
}
