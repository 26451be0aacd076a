//! Households, memberships and registrations. [`write`] applies a change set's residence writes
//! inside its transaction; the unique indexes of 0012_residence.sql hold the invariants.

use crate::SqlStore;
use crate::db::{Tx, from_micros, map_err, micros, on_read, on_tx};
use async_trait::async_trait;
use dinhdanh_app::ports::{StoreError, StoreResult};
use dinhdanh_app::residence::{
    AbsenceDeclaration, Household, Membership, Registration, ResidenceStore, ResidenceWrite,
};
use dinhdanh_domain::admin::UnitRef;
use dinhdanh_domain::date::{iso, parse_full_date};
use dinhdanh_domain::person::{Address, PersonId};
use dinhdanh_domain::residence::{HouseholdRelation, RegistrationKind};
use uuid::Uuid;

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("stored residence data is not readable: {what}"))
}

fn address(unit: &str, detail: &str) -> StoreResult<Address> {
    let unit = UnitRef::parse(unit).map_err(|_| corrupt("unit"))?;
    Address::new(unit, detail).map_err(|_| corrupt("address"))
}

fn day(s: &str) -> StoreResult<time::Date> {
    parse_full_date(s).map_err(|_| corrupt("date"))
}

pub(crate) async fn write(tx: &mut Tx, w: &ResidenceWrite) -> StoreResult<()> {
    let n = match w {
        ResidenceWrite::NewHousehold(h) => on_tx!(tx, c => sqlx::query(
            "INSERT INTO household (id, unit, detail, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(h.id)
        .bind(h.address.unit.to_string())
        .bind(&h.address.detail)
        .bind(micros(h.created_at))
        .execute(c)
        .await
        .map_err(map_err)?
        .rows_affected()),
        ResidenceWrite::Join(m) => on_tx!(tx, c => sqlx::query(
            "INSERT INTO household_member (household_id, person_id, relation, valid_from, valid_to) \
             VALUES ($1, $2, $3, $4, NULL)",
        )
        .bind(m.household_id)
        .bind(m.person_id.0)
        .bind(m.relation.code())
        .bind(iso(m.valid_from))
        .execute(c)
        .await
        .map_err(map_err)?
        .rows_affected()),
        ResidenceWrite::Leave { household_id, person_id, on } => on_tx!(tx, c => sqlx::query(
            "UPDATE household_member SET valid_to = $3 WHERE household_id = $1 AND person_id = $2 AND valid_to IS NULL",
        )
        .bind(*household_id)
        .bind(person_id.0)
        .bind(iso(*on))
        .execute(c)
        .await
        .map_err(map_err)?
        .rows_affected()),
        ResidenceWrite::Register(r) => on_tx!(tx, c => sqlx::query(
            "INSERT INTO residence_registration (id, person_id, kind, unit, detail, household_id, valid_from, \
             valid_until, ended_on, end_reason, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, '', $9)",
        )
        .bind(r.id)
        .bind(r.person_id.0)
        .bind(r.kind.code())
        .bind(r.address.unit.to_string())
        .bind(&r.address.detail)
        .bind(r.household_id)
        .bind(iso(r.valid_from))
        .bind(r.valid_until.map(iso))
        .bind(micros(r.recorded_at))
        .execute(c)
        .await
        .map_err(map_err)?
        .rows_affected()),
        ResidenceWrite::End { registration_id, on, reason } => on_tx!(tx, c => sqlx::query(
            "UPDATE residence_registration SET ended_on = $2, end_reason = $3 WHERE id = $1 AND ended_on IS NULL",
        )
        .bind(*registration_id)
        .bind(iso(*on))
        .bind(reason)
        .execute(c)
        .await
        .map_err(map_err)?
        .rows_affected()),
        ResidenceWrite::Absence(a) => on_tx!(tx, c => sqlx::query(
            "INSERT INTO residence_absence (id, person_id, case_code, unit, destination, valid_from, valid_until, \
             reason, dossier_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(a.id)
        .bind(a.person_id.0)
        .bind(&a.case_code)
        .bind(a.unit.to_string())
        .bind(&a.destination)
        .bind(iso(a.valid_from))
        .bind(a.valid_until.map(iso))
        .bind(&a.reason)
        .bind(a.dossier_id)
        .bind(micros(a.recorded_at))
        .execute(c)
        .await
        .map_err(map_err)?
        .rows_affected()),
    };
    // An update that found nothing current means another writer got there first.
    if n != 1 { Err(StoreError::Conflict) } else { Ok(()) }
}

type MemberRow = (Uuid, Uuid, String, String, Option<String>);

fn member(r: MemberRow) -> StoreResult<Membership> {
    Ok(Membership {
        household_id: r.0,
        person_id: PersonId(r.1),
        relation: HouseholdRelation::parse(&r.2).map_err(|_| corrupt("relation"))?,
        valid_from: day(&r.3)?,
        valid_to: r.4.as_deref().map(day).transpose()?,
    })
}

#[derive(sqlx::FromRow)]
struct RegistrationRow {
    id: Uuid,
    person_id: Uuid,
    kind: String,
    unit: String,
    detail: String,
    household_id: Option<Uuid>,
    valid_from: String,
    valid_until: Option<String>,
    ended_on: Option<String>,
    end_reason: String,
    recorded_at: i64,
}

impl RegistrationRow {
    fn into_registration(self) -> StoreResult<Registration> {
        Ok(Registration {
            id: self.id,
            person_id: PersonId(self.person_id),
            kind: RegistrationKind::parse(&self.kind).ok_or_else(|| corrupt("kind"))?,
            address: address(&self.unit, &self.detail)?,
            household_id: self.household_id,
            valid_from: day(&self.valid_from)?,
            valid_until: self.valid_until.as_deref().map(day).transpose()?,
            ended_on: self.ended_on.as_deref().map(day).transpose()?,
            end_reason: self.end_reason,
            recorded_at: from_micros(self.recorded_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct AbsenceRow {
    id: Uuid,
    person_id: Uuid,
    case_code: String,
    unit: String,
    destination: String,
    valid_from: String,
    valid_until: Option<String>,
    reason: String,
    dossier_id: Option<Uuid>,
    recorded_at: i64,
}

impl AbsenceRow {
    fn into_absence(self) -> StoreResult<AbsenceDeclaration> {
        Ok(AbsenceDeclaration {
            id: self.id,
            person_id: PersonId(self.person_id),
            case_code: self.case_code,
            unit: UnitRef::parse(&self.unit).map_err(|_| corrupt("unit"))?,
            destination: self.destination,
            valid_from: day(&self.valid_from)?,
            valid_until: self.valid_until.as_deref().map(day).transpose()?,
            reason: self.reason,
            dossier_id: self.dossier_id,
            recorded_at: from_micros(self.recorded_at),
        })
    }
}

const MEMBER_COLS: &str = "household_id, person_id, relation, valid_from, valid_to";

#[async_trait]
impl ResidenceStore for SqlStore {
    async fn household(&self, id: Uuid) -> StoreResult<Option<Household>> {
        let row: Option<(Uuid, String, String, i64)> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT id, unit, detail, created_at FROM household WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
        row.map(|(id, unit, detail, at)| {
            Ok(Household { id, address: address(&unit, &detail)?, created_at: from_micros(at) })
        })
        .transpose()
    }

    async fn household_members(&self, id: Uuid) -> StoreResult<Vec<Membership>> {
        let sql = format!("SELECT {MEMBER_COLS} FROM household_member WHERE household_id = $1 ORDER BY valid_from");
        let rows: Vec<MemberRow> = on_read!(&self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        rows.into_iter().map(member).collect()
    }

    async fn memberships_of(&self, person: PersonId) -> StoreResult<Vec<Membership>> {
        let sql = format!("SELECT {MEMBER_COLS} FROM household_member WHERE person_id = $1 ORDER BY valid_from");
        let rows: Vec<MemberRow> = on_read!(&self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(person.0)
            .fetch_all(c)
            .await
            .map_err(map_err)?);
        rows.into_iter().map(member).collect()
    }

    async fn registrations_of(&self, person: PersonId) -> StoreResult<Vec<Registration>> {
        let rows: Vec<RegistrationRow> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT id, person_id, kind, unit, detail, household_id, valid_from, valid_until, ended_on, end_reason, \
             recorded_at FROM residence_registration WHERE person_id = $1 ORDER BY valid_from, recorded_at",
        )
        .bind(person.0)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        rows.into_iter().map(RegistrationRow::into_registration).collect()
    }

    async fn absences_of(&self, person: PersonId) -> StoreResult<Vec<AbsenceDeclaration>> {
        let rows: Vec<AbsenceRow> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT id, person_id, case_code, unit, destination, valid_from, valid_until, reason, dossier_id, \
             recorded_at FROM residence_absence WHERE person_id = $1 ORDER BY valid_from, recorded_at",
        )
        .bind(person.0)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        rows.into_iter().map(AbsenceRow::into_absence).collect()
    }

    async fn absence_rule_candidates(&self, unit: &str, cut: &str, limit: u32) -> StoreResult<Vec<Registration>> {
        // Current permanent registrations in the commune, older than the cut-off, of persons who
        // once held a temporary registration in another commune and whom no temporary
        // registration or absence declaration has covered on or after the cut-off.
        let rows: Vec<RegistrationRow> = on_read!(&self.db, c => sqlx::query_as(
            "SELECT p.id, p.person_id, p.kind, p.unit, p.detail, p.household_id, p.valid_from, p.valid_until, \
             p.ended_on, p.end_reason, p.recorded_at FROM residence_registration p \
             WHERE p.kind = 'permanent' AND p.ended_on IS NULL AND p.unit = $1 AND p.valid_from <= $2 \
             AND EXISTS (SELECT 1 FROM residence_registration t WHERE t.person_id = p.person_id \
                 AND t.kind = 'temporary' AND t.unit <> p.unit) \
             AND NOT EXISTS (SELECT 1 FROM residence_registration t WHERE t.person_id = p.person_id \
                 AND t.kind = 'temporary' AND t.valid_until >= $2 AND (t.ended_on IS NULL OR t.ended_on > $2)) \
             AND NOT EXISTS (SELECT 1 FROM residence_absence a WHERE a.person_id = p.person_id \
                 AND (a.valid_until IS NULL OR a.valid_until >= $2)) \
             ORDER BY p.valid_from, p.id LIMIT $3",
        )
        .bind(unit)
        .bind(cut)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        rows.into_iter().map(RegistrationRow::into_registration).collect()
    }
}
