//! Test support shared by the crates' tests: a clock that stands still, randomness that repeats,
//! the backend matrix (SQLite always, PostgreSQL when `TEST_DATABASE_URL` is set) and sample
//! persons. Never a dependency of production code.

pub mod sample;

use dinhdanh_app::auth::{Principal, PrincipalKind, Role};
use dinhdanh_app::eid::sms::DevOutbox;
use dinhdanh_app::pki::CardPki;
use dinhdanh_app::ports::{Clock, Rng, Store};
use dinhdanh_app::{App, AppConfig};
use dinhdanh_crypto::aead::KeyRing;
use dinhdanh_crypto::keys::SoftwareKey;
use dinhdanh_domain::person::Jurisdiction;
use dinhdanh_store::SqlStore;
use rand::rngs::ChaCha8Rng;
use rand::{Rng as _, SeedableRng};
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use time::macros::datetime;

pub use dinhdanh_crypto::soft_authenticator;
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
                let _ = rt.block_on(SqlStore::drop_postgres_database(&admin_url, &name));
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
        let url = SqlStore::create_postgres_database(admin_url, &name)
            .await
            .expect("TEST_DATABASE_URL must point at a reachable PostgreSQL server");
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
    /// Where the application's SMS go: tests read the codes here.
    pub outbox: Arc<DevOutbox>,
    /// The CSCA, document signer and CRL the application signs cards with.
    pub pki: Arc<CardPki>,
}

impl TestApp {
    pub fn new(store: TestStore) -> TestApp {
        let clock = FixedClock::standard();
        let config = AppConfig { client_cache_ttl: time::Duration::ZERO, ..AppConfig::default() };
        let outbox = Arc::new(DevOutbox::new(clock.clone()));
        // The card PKI, the identity store's data key and the QR key: fresh software keys.
        let pki = Arc::new(CardPki::ephemeral(clock.now()).expect("card PKI"));
        let app = Arc::new(
            App::new(store.dyn_store(), clock.clone(), SeededRng::new(42), config)
                .with_sms(outbox.clone())
                .with_card_pki(pki.clone())
                .with_identity_keys(Arc::new(KeyRing::ephemeral().expect("data key")))
                .with_qr_key(Arc::new(SoftwareKey::generate().expect("QR key"))),
        );
        TestApp { app, clock, store, outbox, pki }
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
