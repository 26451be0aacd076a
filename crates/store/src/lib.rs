//! SQLite and PostgreSQL adapters of the application's ports.
//!
//! The only crate that knows SQL. Every query is written once (see [`db`]); the few places where
//! the engines differ (full-text syntax, bulk load) are named after the engine.

mod accounts;
mod bulk;
mod cards;
pub mod codec;
mod confirmations;
pub mod db;
mod dossiers;
mod eid;
mod identity;
mod outbox;
mod persons;
mod residence;
pub mod search;
mod search_keys;
mod stays;

use db::{Db, SqliteDurability};
use dinhdanh_app::ports::StoreError;
pub use search_keys::SearchLimits;
use std::path::Path;

/// The store: one handle over either engine.
#[derive(Clone, Debug)]
pub struct SqlStore {
    pub(crate) db: Db,
    pub(crate) search_limits: SearchLimits,
}

impl SqlStore {
    /// Opens a database from a URL: `postgres://…`, `sqlite://PATH` or a plain file path.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::open_postgres(url, 32).await
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            Self::open_sqlite(Path::new(path), SqliteDurability::Full).await
        }
    }

    pub async fn open_sqlite(path: &Path, durability: SqliteDurability) -> Result<Self, StoreError> {
        Ok(SqlStore { db: Db::open_sqlite(path, durability).await?, search_limits: SearchLimits::default() })
    }

    pub async fn open_postgres(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        Ok(SqlStore { db: Db::open_postgres(url, max_connections).await?, search_limits: SearchLimits::default() })
    }

    /// Applies pending migrations of the active engine, then the data steps SQL cannot do (the
    /// search keys of a register that predates them).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.db.migrate().await?;
        search_keys::backfill_if_needed(&self.db).await
    }

    /// The same store with other search limits (tests, benchmarks).
    pub fn with_search_limits(mut self, limits: SearchLimits) -> Self {
        self.search_limits = limits;
        self
    }

    /// Refreshes the planner's statistics (and, on PostgreSQL, the visibility map that lets the
    /// search read its key index alone). Worth running after a bulk import.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        use sqlx::Executor;
        match &self.db {
            Db::Sqlite { write, .. } => write.execute("ANALYZE").await.map(|_| ()).map_err(db::map_err),
            Db::Pg(p) => p.execute("VACUUM ANALYZE").await.map(|_| ()).map_err(db::map_err),
        }
    }

    /// Rebuilds every person's search keys from the register (after a change of the key scheme,
    /// or to repair them).
    pub async fn rebuild_search_keys(&self) -> Result<(), StoreError> {
        search_keys::rebuild(&self.db).await
    }

    pub fn engine(&self) -> &'static str {
        self.db.engine()
    }

    pub async fn close(&self) {
        self.db.close().await
    }

    /// Creates an empty database on the server of `admin_url` (benchmarks, tests) and returns its URL.
    pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String, StoreError> {
        use sqlx::{Connection, Executor};
        if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(StoreError::Internal(format!("unsafe database name {name:?}")));
        }
        let mut c = sqlx::PgConnection::connect(admin_url).await.map_err(db::map_err)?;
        c.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .await
            .map_err(db::map_err)?;
        c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.map_err(db::map_err)?;
        Ok(database_url(admin_url, name))
    }

    pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
        use sqlx::{Connection, Executor};
        if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(StoreError::Internal(format!("unsafe database name {name:?}")));
        }
        let mut c = sqlx::PgConnection::connect(admin_url).await.map_err(db::map_err)?;
        c.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .await
            .map_err(db::map_err)?;
        Ok(())
    }
}

/// `postgres://user@host:port/db?x` with the database replaced by `name`.
pub fn database_url(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = base[scheme_end..].find('/').map_or(base, |i| &base[..scheme_end + i]);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_url_replaces_only_the_database() {
        assert_eq!(
            super::database_url("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(super::database_url("postgres://u@h/db?sslmode=disable", "t2"), "postgres://u@h/t2?sslmode=disable");
        assert_eq!(super::database_url("postgres://u@h:1", "t3"), "postgres://u@h:1/t3");
    }
}
