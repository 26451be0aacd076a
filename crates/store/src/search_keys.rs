//! The `person_search_key` table: writing a person's keys and answering a name search from them.
//! What the keys are and why: [`crate::search`].

use crate::db::{Db, Tx, map_err, on_read, on_tx};
use crate::persons::{json, list, placeholders};
use crate::search::{self, KeyRange, QueryWords};
use dinhdanh_app::ports::{PersonSummary, SEARCH_MATCH_CAP, SearchPage, SearchQuery, StoreError, StoreResult};
use dinhdanh_domain::person::{Person, Sex};
use dinhdanh_domain::pin::PersonalNumber;
use sqlx::AssertSqlSafe;
use std::collections::HashSet;
use uuid::Uuid;

/// How much one search may read before it is refused as too broad (`StoreError::TooBroad`,
/// which asks the caller to add a word or a filter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchLimits {
    /// Keys read from the chosen range, before the year and sex filters.
    pub key_scan: usize,
    /// Persons fetched after the year and sex filters, before the other filters.
    pub candidates: usize,
}

impl Default for SearchLimits {
    fn default() -> Self {
        SearchLimits { key_scan: 20_000, candidates: 5_000 }
    }
}

/// One key row of a person.
pub(crate) struct KeyRow {
    pub skey: String,
    pub person_id: Uuid,
    pub yob: i32,
    pub sex: &'static str,
}

/// The key rows of a person.
pub(crate) fn key_rows(p: &Person) -> Vec<KeyRow> {
    let yob = p.date_of_birth.year();
    let sex = p.sex.code();
    search::search_keys(&search::name_words(p))
        .into_iter()
        .map(|skey| KeyRow { skey, person_id: p.id.0, yob, sex })
        .collect()
}

pub(crate) async fn insert_keys(tx: &mut Tx, rows: &[KeyRow]) -> StoreResult<()> {
    for chunk in rows.chunks(250) {
        let sql = format!(
            "INSERT INTO person_search_key (skey, person_id, yob, sex) VALUES {}",
            placeholders(chunk.len(), 4)
        );
        on_tx!(&mut *tx, c => {
            let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
            for r in chunk {
                q = q.bind(&r.skey).bind(r.person_id).bind(r.yob).bind(r.sex);
            }
            q.execute(c).await.map(|r| r.rows_affected()).map_err(map_err)?;
        });
    }
    Ok(())
}

/// Replaces a person's keys (after a change of name, date of birth or sex).
pub(crate) async fn replace_keys(tx: &mut Tx, p: &Person) -> StoreResult<()> {
    on_tx!(&mut *tx, c => sqlx::query("DELETE FROM person_search_key WHERE person_id = $1")
        .bind(p.id.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        .map_err(map_err)?);
    insert_keys(tx, &key_rows(p)).await
}

#[derive(sqlx::FromRow)]
struct CandidateRow {
    id: Uuid,
    pin: String,
    name: String,
    name_folded: String,
    dob: String,
    sex: String,
    status: String,
    search_text: String,
}

/// Keys in a range, at most `limit`: (person, year of birth, sex).
async fn scan(db: &Db, r: &KeyRange, limit: usize) -> StoreResult<Vec<(Uuid, i32, String)>> {
    Ok(on_read!(db, c => sqlx::query_as(
        "SELECT person_id, yob, sex FROM person_search_key WHERE skey >= $1 AND skey < $2 LIMIT $3",
    )
    .bind(&r.from)
    .bind(&r.to)
    .bind(limit as i64)
    .fetch_all(c)
    .await
    .map_err(map_err)?))
}

/// How many keys a range holds, counting no further than `limit`.
async fn count(db: &Db, r: &KeyRange, limit: usize) -> StoreResult<usize> {
    let n: i64 = on_read!(db, c => sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM person_search_key WHERE skey >= $1 AND skey < $2 LIMIT $3) AS k",
    )
    .bind(&r.from)
    .bind(&r.to)
    .bind(limit as i64)
    .fetch_one(c)
    .await
    .map_err(map_err)?);
    Ok(n as usize)
}

/// Below this many keys a probed range is narrow enough to read without probing the others.
const GOOD_ENOUGH: usize = 200;

async fn narrowest(db: &Db, ranges: &[KeyRange], limits: SearchLimits) -> StoreResult<KeyRange> {
    let mut best: Option<(usize, &KeyRange)> = None;
    for r in ranges {
        let n = count(db, r, limits.key_scan + 1).await?;
        if best.is_none_or(|(m, _)| n < m) {
            best = Some((n, r));
        }
        if n <= GOOD_ENOUGH {
            break;
        }
    }
    best.map(|(_, r)| r.clone()).ok_or_else(|| StoreError::Internal("no key range".into()))
}

async fn fetch(db: &Db, ids: &[Uuid]) -> StoreResult<Vec<CandidateRow>> {
    const COLS: &str = "id, pin, name, name_folded, dob, sex, status, search_text";
    match db {
        Db::Pg(pool) => sqlx::query_as(AssertSqlSafe(format!("SELECT {COLS} FROM person WHERE id = ANY($1)")))
            .bind(ids)
            .fetch_all(pool)
            .await
            .map_err(map_err),
        Db::Sqlite { read, .. } => {
            let mut out = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(1000) {
                let sql = format!("SELECT {COLS} FROM person WHERE id IN ({})", list(chunk.len()));
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for id in chunk {
                    q = q.bind(*id);
                }
                out.extend(q.fetch_all(read).await.map_err(map_err)?);
            }
            Ok(out)
        }
    }
}

pub(crate) async fn search(db: &Db, q: &SearchQuery, limits: SearchLimits) -> StoreResult<SearchPage> {
    let Some(words) = QueryWords::of(q) else {
        return Ok(SearchPage { total: 0, items: vec![] });
    };
    let ranges = search::key_ranges(&words);
    let range = match ranges.as_slice() {
        [one] => one.clone(),
        many => narrowest(db, many, limits).await?,
    };
    let keys = scan(db, &range, limits.key_scan + 1).await?;
    if keys.len() > limits.key_scan {
        return Err(StoreError::TooBroad);
    }
    let sex = q.sex.map(Sex::code);
    let mut seen = HashSet::with_capacity(keys.len());
    let ids: Vec<Uuid> = keys
        .into_iter()
        .filter(|(_, yob, s)| q.birth_year.is_none_or(|y| y == *yob) && sex.is_none_or(|x| x == s))
        .filter_map(|(id, _, _)| seen.insert(id).then_some(id))
        .collect();
    if ids.len() > limits.candidates {
        return Err(StoreError::TooBroad);
    }
    // When nothing is left to check on the rows, the candidates are the answer: a count over the
    // cap is known before any row is read.
    let row_checks = !words.range_is_exact() || search::has_row_filters(q);
    if !row_checks && ids.len() > SEARCH_MATCH_CAP {
        return Err(StoreError::TooBroad);
    }
    let mut rows: Vec<CandidateRow> = fetch(db, &ids)
        .await?
        .into_iter()
        .filter(|r| {
            words.matches(search::words_of_search_text(&r.search_text)) && search::passes_filters(q, &r.search_text)
        })
        .collect();
    if rows.len() > SEARCH_MATCH_CAP {
        return Err(StoreError::TooBroad);
    }
    // A stable order: folded name, then date of birth, then number.
    rows.sort_by(|a, b| (&a.name_folded, &a.dob, &a.pin).cmp(&(&b.name_folded, &b.dob, &b.pin)));
    let total = rows.len() as u64;
    let start = (q.page as usize).saturating_mul(q.page_size as usize);
    let items = rows
        .into_iter()
        .skip(start)
        .take(q.page_size as usize)
        .map(|r| {
            Ok(PersonSummary {
                id: dinhdanh_domain::person::PersonId(r.id),
                pin: PersonalNumber::parse(&r.pin).map_err(|_| StoreError::Internal("pin".into()))?,
                name: r.name,
                date_of_birth: r.dob,
                sex: Sex::parse(&r.sex).map_err(|_| StoreError::Internal("sex".into()))?,
                status: match r.status.as_str() {
                    "dead" => "dead",
                    "missing" => "missing",
                    _ => "alive",
                },
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(SearchPage { total, items })
}

/// Name of the `store_step` row that says every person has its keys.
const KEYS_STEP: &str = "search_keys";

/// Fills the keys of a register whose persons predate the key table (once; a marker row records
/// it). Runs in batches, each in its own transaction; an interrupted run starts over cleanly.
pub(crate) async fn backfill_if_needed(db: &Db) -> StoreResult<()> {
    let done: Option<i64> = on_read!(db, c => sqlx::query_scalar("SELECT done_at FROM store_step WHERE name = $1")
        .bind(KEYS_STEP)
        .fetch_optional(c)
        .await
        .map_err(map_err)?);
    if done.is_some() {
        return Ok(());
    }
    rebuild(db).await
}

/// Rebuilds every person's keys, and the `search_text` the row checks read, from the register.
pub(crate) async fn rebuild(db: &Db) -> StoreResult<()> {
    let mut done = 0usize;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, c => sqlx::query("DELETE FROM person_search_key").execute(c).await.map(|r| r.rows_affected()).map_err(map_err)?);
    tx.commit().await?;
    // The nil id sorts first on both engines (PostgreSQL's uuid order, SQLite's blob order) and
    // is never a person's; a plain `id > $1` keeps the primary-key index in use.
    let mut after = Uuid::nil();
    loop {
        let docs: Vec<(Uuid, String, String)> = on_read!(db, c => sqlx::query_as(
            "SELECT id, doc, search_text FROM person WHERE id > $1 ORDER BY id LIMIT 2000",
        )
        .bind(after)
        .fetch_all(c)
        .await
        .map_err(map_err)?);
        let Some((last, _, _)) = docs.last() else { break };
        after = *last;
        done += docs.len();
        if done % 100_000 < docs.len() {
            tracing::info!(persons = done, "search keys rebuilt so far");
        }
        let mut rows = Vec::new();
        let mut texts = Vec::new();
        for (id, doc, text) in &docs {
            let p = crate::codec::person_from_doc(&json(doc)?)?;
            rows.extend(key_rows(&p));
            // The row checks read search_text: it follows the same words as the keys.
            let fresh = search::search_text(&p);
            if fresh != *text {
                texts.push((*id, fresh));
            }
        }
        let mut tx = db.begin().await?;
        insert_keys(&mut tx, &rows).await?;
        for (id, text) in &texts {
            on_tx!(&mut tx, c => sqlx::query("UPDATE person SET search_text = $2 WHERE id = $1")
                .bind(id)
                .bind(text)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
                .map_err(map_err)?);
        }
        tx.commit().await?;
    }
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO store_step (name, done_at) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET done_at = $2",
    )
    .bind(KEYS_STEP)
    .bind(time::OffsetDateTime::now_utc().unix_timestamp())
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(map_err)?);
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use crate::SqlStore;
    use crate::db::{Db, SqliteDurability};
    use dinhdanh_app::ports::{SearchQuery, Store};
    use dinhdanh_domain::person::Jurisdiction;

    async fn found(store: &SqlStore, words: &str) -> u64 {
        let q = SearchQuery {
            name_words: words.split(' ').map(str::to_owned).collect(),
            birth_year: None,
            date_of_birth: None,
            sex: None,
            province: None,
            jurisdiction: Jurisdiction::National,
            page: 0,
            page_size: 20,
        };
        store.search(&q).await.expect("search").total
    }

    #[tokio::test]
    async fn migrate_backfills_the_keys_and_search_text_of_an_older_register() {
        let dir = tempfile::tempdir().expect("dir");
        let store = SqlStore::open_sqlite(&dir.path().join("r.sqlite"), SqliteDurability::Normal).await.expect("open");
        store.migrate().await.expect("migrate");
        let mut p = dinhdanh_testkit::sample::adult_man();
        p.birth_name = dinhdanh_testkit::sample::name("Nguyễn Thanh Thành");
        store.raw_load_persons(&[p], &[], time::OffsetDateTime::now_utc()).await.expect("load");
        assert_eq!(found(&store, "thanh nguyen thanh").await, 1);

        // As a register from before the keys: none, no marker, and the older search_text of
        // distinct words only.
        let Db::Sqlite { write, .. } = &store.db else { unreachable!() };
        for sql in [
            "DELETE FROM person_search_key",
            "DELETE FROM store_step",
            "UPDATE person SET search_text = 'nguyen thanh y1990 d19900315 sm'",
        ] {
            sqlx::query(sql).execute(write).await.expect(sql);
        }
        assert_eq!(found(&store, "thanh nguyen thanh").await, 0);

        store.migrate().await.expect("migrate again");
        assert_eq!(found(&store, "thanh nguyen thanh").await, 1, "keys and search_text rebuilt");
        assert_eq!(found(&store, "nguyen thanh").await, 1);
    }
}
