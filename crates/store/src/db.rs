//! One code path over two engines: a small enum dispatch instead of sqlx's `Any` driver
//! (which lacks UUIDs), with every query written once.
//!
//! The macros expand the same query text for each engine; sqlx's SQLite driver accepts the
//! PostgreSQL-style `$1` placeholders, and both engines support `RETURNING` and `ON CONFLICT`.
//! SQLite gets a single-connection writer pool and a separate reader pool, so writers queue in
//! the process instead of failing with `SQLITE_BUSY`.

use dinhdanh_app::ports::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Pg(PgPool),
}

pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$c` bound to a reader (any pool connection) of whichever engine is active.
macro_rules! on_read {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite { read: $c, .. } => $body,
            $crate::db::Db::Pg($c) => $body,
        }
    };
}

/// Like `on_read!`, but on the pool that may write.
macro_rules! on_write {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite { write: $c, .. } => $body,
            $crate::db::Db::Pg($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the connection of an open transaction.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Tx::Pg(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

pub(crate) use {on_read, on_tx, on_write};

/// How durable a SQLite commit is before it is acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqliteDurability {
    /// fsync on every commit: survives power loss (the default).
    Full,
    /// fsync at checkpoints only: survives a killed process, may lose the last commits on power loss.
    Normal,
}

pub fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate(d.message().to_owned()),
        sqlx::Error::RowNotFound => StoreError::NotFound,
        _ => StoreError::Internal(e.to_string()),
    }
}

impl Db {
    /// Opens (creating if needed) a SQLite database file in WAL mode.
    pub async fn open_sqlite(path: &Path, durability: SqliteDurability) -> Result<Db, StoreError> {
        let base = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match durability {
                SqliteDurability::Full => SqliteSynchronous::Full,
                SqliteDurability::Normal => SqliteSynchronous::Normal,
            })
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // 64 MiB page cache per connection; the host evicts the OS page cache quickly.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(base.clone())
            .await
            .map_err(map_err)?;
        let readers = std::thread::available_parallelism().map(|n| n.get() * 2).unwrap_or(4).max(4) as u32;
        let read = SqlitePoolOptions::new()
            .max_connections(readers)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(base.read_only(true))
            .await
            .map_err(map_err)?;
        Ok(Db::Sqlite { read, write })
    }

    pub async fn open_postgres(url: &str, max_connections: u32) -> Result<Db, StoreError> {
        let opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await
            .map_err(map_err)?;
        Ok(Db::Pg(pool))
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Db::Sqlite { .. } => "sqlite",
            Db::Pg(_) => "postgres",
        }
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        let internal = |e: sqlx::migrate::MigrateError| StoreError::Internal(e.to_string());
        match self {
            Db::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await.map_err(internal),
            Db::Pg(p) => sqlx::migrate!("./migrations/postgres").run(p).await.map_err(internal),
        }
    }

    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin().await.map_err(map_err)?),
            Db::Pg(p) => Tx::Pg(p.begin().await.map_err(map_err)?),
        })
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Pg(p) => p.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await.map_err(map_err),
            Tx::Pg(t) => t.commit().await.map_err(map_err),
        }
    }
}

/// Microseconds since the Unix epoch: the stored form of every timestamp (portable and ordered).
pub fn micros(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1000) as i64
}

pub fn from_micros(us: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(us as i128 * 1000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
