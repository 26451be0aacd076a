//! Card tables: produced cards (chip data sealed by the application) and the one-open-
//! application guard. Written only inside a change set's transaction.

use crate::SqlStore;
use crate::db::{Tx, from_micros, map_err, micros, on_read, on_tx};
use async_trait::async_trait;
use dinhdanh_app::cards::store::{CardStore, CardWrite, StoredCard};
use dinhdanh_app::identity::Sealed;
use dinhdanh_app::ports::{StoreError, StoreResult};
use dinhdanh_domain::card::{ApplicationKind, CardStatus};
use dinhdanh_domain::person::PersonId;
use time::Date;
use time::macros::format_description;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    person_id: Uuid,
    pin: String,
    document_number: String,
    application_id: Option<Uuid>,
    application_kind: String,
    status: String,
    issued_on: String,
    expires_on: Option<String>,
    produced_at: i64,
    delivered_at: Option<i64>,
    status_changed_at: i64,
    status_reason: String,
    replaced_by: Option<Uuid>,
    ds_serial: String,
    face_capture_id: Option<Uuid>,
    sod: Vec<u8>,
    chip_key_id: i64,
    chip_nonce: Vec<u8>,
    chip_data: Vec<u8>,
}

const COLS: &str = "id, person_id, pin, document_number, application_id, application_kind, status, issued_on, \
     expires_on, produced_at, delivered_at, status_changed_at, status_reason, replaced_by, ds_serial, face_capture_id, \
     sod, chip_key_id, chip_nonce, chip_data";

fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, format_description!("[year]-[month]-[day]")).ok()
}

impl Row {
    fn into_card(self) -> StoreResult<StoredCard> {
        let bad = |what: &str| StoreError::Internal(format!("stored card {}: {what} is not readable", self.id));
        Ok(StoredCard {
            id: self.id,
            person_id: PersonId(self.person_id),
            pin: self.pin.clone(),
            document_number: self.document_number.clone(),
            application_id: self.application_id,
            application_kind: ApplicationKind::parse(&self.application_kind).map_err(|_| bad("kind"))?,
            status: CardStatus::parse(&self.status).ok_or_else(|| bad("status"))?,
            issued_on: parse_date(&self.issued_on).ok_or_else(|| bad("issue date"))?,
            expires_on: match &self.expires_on {
                Some(s) => Some(parse_date(s).ok_or_else(|| bad("expiry"))?),
                None => None,
            },
            produced_at: from_micros(self.produced_at),
            delivered_at: self.delivered_at.map(from_micros),
            status_changed_at: from_micros(self.status_changed_at),
            status_reason: self.status_reason.clone(),
            replaced_by: self.replaced_by,
            ds_serial: self.ds_serial.clone(),
            face_capture_id: self.face_capture_id,
            chip: Sealed {
                key_id: self.chip_key_id as u32,
                nonce: self.chip_nonce.as_slice().try_into().map_err(|_| bad("nonce"))?,
                ciphertext: self.chip_data,
            },
            sod: self.sod,
        })
    }
}

/// Applies one card write inside the change set's transaction.
pub(crate) async fn write(tx: &mut Tx, w: &CardWrite) -> StoreResult<()> {
    match w {
        CardWrite::Insert(c) => {
            on_tx!(tx, conn => sqlx::query(
                "INSERT INTO card (id, person_id, pin, document_number, application_id, application_kind, status, \
                 issued_on, expires_on, produced_at, delivered_at, status_changed_at, status_reason, replaced_by, \
                 ds_serial, face_capture_id, sod, chip_key_id, chip_nonce, chip_data) VALUES ($1, $2, $3, $4, $5, $6, \
                 $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
            )
            .bind(c.id)
            .bind(c.person_id.0)
            .bind(&c.pin)
            .bind(&c.document_number)
            .bind(c.application_id)
            .bind(c.application_kind.code())
            .bind(c.status.code())
            .bind(date_text(c.issued_on))
            .bind(c.expires_on.map(date_text))
            .bind(micros(c.produced_at))
            .bind(c.delivered_at.map(micros))
            .bind(micros(c.status_changed_at))
            .bind(&c.status_reason)
            .bind(c.replaced_by)
            .bind(&c.ds_serial)
            .bind(c.face_capture_id)
            .bind(&c.sod)
            .bind(c.chip.key_id as i64)
            .bind(c.chip.nonce.to_vec())
            .bind(&c.chip.ciphertext)
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(map_err))
        }
        CardWrite::Status { id, expected, status, at, reason, replaced_by } => {
            let n = on_tx!(tx, conn => sqlx::query(
                "UPDATE card SET status = $3, status_changed_at = $4, status_reason = $5, \
                 replaced_by = COALESCE($6, replaced_by) WHERE id = $1 AND status = $2",
            )
            .bind(id)
            .bind(expected.code())
            .bind(status.code())
            .bind(micros(*at))
            .bind(reason)
            .bind(replaced_by)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
            .map_err(map_err)?);
            if n == 1 { Ok(()) } else { Err(StoreError::Conflict) }
        }
        CardWrite::Delivered { id, at } => {
            let n = on_tx!(tx, conn => sqlx::query("UPDATE card SET delivered_at = $2 WHERE id = $1 AND delivered_at IS NULL")
                .bind(id)
                .bind(micros(*at))
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
                .map_err(map_err)?);
            if n == 1 { Ok(()) } else { Err(StoreError::Conflict) }
        }
        CardWrite::OpenApplication { person_id } => {
            let n = on_tx!(tx, conn => sqlx::query(
                "INSERT INTO card_open_application (person_id) VALUES ($1) ON CONFLICT DO NOTHING",
            )
            .bind(person_id.0)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
            .map_err(map_err)?);
            // Another application was received at the same moment.
            if n == 1 { Ok(()) } else { Err(StoreError::Conflict) }
        }
        CardWrite::CloseApplication { person_id } => on_tx!(tx, conn => sqlx::query(
            "DELETE FROM card_open_application WHERE person_id = $1",
        )
        .bind(person_id.0)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(map_err)),
    }
}

#[async_trait]
impl CardStore for SqlStore {
    async fn cards_of(&self, person: PersonId) -> StoreResult<Vec<StoredCard>> {
        let sql = format!("SELECT {COLS} FROM card WHERE person_id = $1 ORDER BY produced_at DESC, id");
        let rows: Vec<Row> = on_read!(&self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(person.0)
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        rows.into_iter().map(Row::into_card).collect()
    }

    async fn card(&self, id: Uuid) -> StoreResult<Option<StoredCard>> {
        let sql = format!("SELECT {COLS} FROM card WHERE id = $1");
        let row: Option<Row> = on_read!(&self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_optional(c)
            .await
            .map_err(map_err)?);
        row.map(Row::into_card).transpose()
    }

    async fn cards_with_pin(&self, pin: &str) -> StoreResult<Vec<StoredCard>> {
        let sql = format!("SELECT {COLS} FROM card WHERE pin = $1 ORDER BY produced_at DESC, id");
        let rows: Vec<Row> = on_read!(&self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(pin)
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        rows.into_iter().map(Row::into_card).collect()
    }
}
