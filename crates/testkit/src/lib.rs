//! Test support shared by the crates' tests: a clock that stands still, randomness that repeats,
//! the backend matrix (SQLite always, PostgreSQL when `TEST_DATABASE_URL` is set) and sample
//! persons. Never a dependency of production code.

pub mod sample;

use dinhdanh_app::auth::{Principal, PrincipalKind, Role};
use dinhdanh_app::ports::{Clock, Rng, Store};
use dinhdanh_app::{App, AppConfig};
use dinhdanh_domain::person::Jurisdiction;
use dinhdanh_store::SqlStore;
use rand::rngs::ChaCha8Rng;
use rand::{Rng as _, SeedableRng};
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use time::macros::datetime;

pub use dinhdanh_synth as synth;

/// A clock that moves only when told to.
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    /// 10:00 in Hà Nội on 1 September 2026.
    pub fn standard() -> Arc<Self> {
        Arc::new(FixedClock(Mutex::new(datetime!(2026-09-01 03:00 UTC))))
    }
    pub fn at(t: OffsetDateTime) -> Arc<Self> {
        Arc::new(FixedClock(Mutex::new(t)))
    }
    pub fn advance(&self, by: time::Duration) {
        *self.0.lock().expect("clock lock") += by;
    }
    pub fn set(&self, t: OffsetDateTime) {
        *self.0.lock().expect("clock lock") = t;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().expect("clock lock")
    }
}

/// Repeatable randomness for tests (never for production: the seed is public).
pub struct SeededRng(Mutex<ChaCha8Rng>);

impl SeededRng {
    pub fn new(seed: u64) -> Arc<Self> {
        Arc::new(SeededRng(Mutex::new(ChaCha8Rng::seed_from_u64(seed))))
    }
}

impl Rng for SeededRng {
    fn fill(&self, buf: &mut [u8]) {
        self.0.lock().expect("rng lock").fill_bytes(buf)
    }
}

/// Which engine a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A fresh, migrated, empty store that removes itself when dropped: a temporary SQLite file,
/// or a new PostgreSQL database created for this test alone.
pub struct TestStore {
    pub store: Arc<SqlStore>,
    pub engine: Engine,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; a separate thread with its own runtime may block.
            // The pool is not closed from there: its connections belong to the blocked test runtime,
            // so waiting for them would hang. `WITH (FORCE)` ends them instead.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async move {
                    if let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::Executor::execute(&mut c, sqlx::AssertSqlSafe(sql)).await;
                    }
                });
            })
            .join();
        }
    }
}

/// The PostgreSQL server tests may use, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.trim().is_empty())
}

impl TestStore {
    pub async fn sqlite() -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let store =
            SqlStore::open_sqlite(&dir.path().join("register.sqlite"), dinhdanh_store::db::SqliteDurability::Normal)
                .await
                .expect("open SQLite");
        store.migrate().await.expect("migrate SQLite");
        TestStore { store: Arc::new(store), engine: Engine::Sqlite, cleanup: Cleanup::Sqlite(dir) }
    }

    /// Creates a database named after a random suffix on the server of `TEST_DATABASE_URL`.
    pub async fn postgres(admin_url: &str) -> TestStore {
        let mut suffix = [0u8; 8];
        rand::rngs::SysRng.try_fill_bytes(&mut suffix).expect("OS randomness");
        let name = format!("dinhdanh_test_{}", suffix.iter().map(|b| format!("{b:02x}")).collect::<String>());
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(admin_url)
            .await
            .expect("TEST_DATABASE_URL must point at a reachable PostgreSQL server");
        sqlx::Executor::execute(&mut c, sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create test database");
        let url = database_url(admin_url, &name);
        let store = SqlStore::open_postgres(&url, 16).await.expect("open PostgreSQL");
        store.migrate().await.expect("migrate PostgreSQL");
        TestStore {
            store: Arc::new(store),
            engine: Engine::Postgres,
            cleanup: Cleanup::Postgres { admin_url: admin_url.to_owned(), name },
        }
    }

    pub fn dyn_store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }
}

use rand::TryRng as _;

/// `postgres://user@host:port/db?x` with the database replaced by `name`.
pub fn database_url(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Every engine this run can test: SQLite, plus PostgreSQL when `TEST_DATABASE_URL` is set.
pub async fn backends() -> Vec<TestStore> {
    let mut out = vec![TestStore::sqlite().await];
    if let Some(url) = postgres_url() {
        out.push(TestStore::postgres(&url).await);
    }
    out
}

/// An application over a test store with the standard clock and a seeded generator.
pub struct TestApp {
    pub app: Arc<App>,
    pub clock: Arc<FixedClock>,
    pub store: TestStore,
}

impl TestApp {
    pub fn new(store: TestStore) -> TestApp {
        let clock = FixedClock::standard();
        let config = AppConfig { client_cache_ttl: time::Duration::ZERO, ..AppConfig::default() };
        let app = Arc::new(App::new(store.dyn_store(), clock.clone(), SeededRng::new(42), config));
        TestApp { app, clock, store }
    }

    /// One application per engine of [`backends`].
    pub async fn all() -> Vec<TestApp> {
        backends().await.into_iter().map(TestApp::new).collect()
    }
}

/// A principal acting as an officer of the given role and jurisdiction, without an account.
pub fn officer(role: Role, jurisdiction: &str) -> Principal {
    Principal {
        id: uuid::Uuid::from_u128(0x0ff1ce2 + role as u128),
        name: format!("test {} {jurisdiction}", role.code()),
        kind: PrincipalKind::Officer(role),
        jurisdiction: Jurisdiction::parse(jurisdiction).expect("jurisdiction"),
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
