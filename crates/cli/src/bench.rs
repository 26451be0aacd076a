//! `dinhdanh bench`: whole-system figures, each next to a ceiling measured in the same run on
//! the same machine, so the ratios mean something whatever the hardware.
//!
//! Per engine: (1) import of N synthetic persons through the application (validation, duplicate
//! check, PIN registry, audit) against a raw load of the same rows (person, PIN registry, audit)
//! with none of the checks; (2) `GET
//! /api/v1/persons/{pin}` (authenticated, audited) at C connections against the same database
//! work done by direct store calls at the same concurrency, and against a hello-world route of the
//! same server; (3) name search latency at N persons.

use anyhow::{Context, anyhow};
use dinhdanh_app::audit::{AuditAction, AuditEntry};
use dinhdanh_app::auth::{Principal, PrincipalKind, Role, Scope};
use dinhdanh_app::import::{ImportRow, RowOutcome};
use dinhdanh_app::ports::{OsRng, Store, SystemClock};
use dinhdanh_app::register::SearchInput;
use dinhdanh_app::{App, AppConfig};
use dinhdanh_domain::person::{Jurisdiction, Person};
use dinhdanh_store::SqlStore;
use dinhdanh_store::db::SqliteDurability;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Options {
    pub persons: usize,
    pub seconds: u64,
    pub concurrency: usize,
    pub batch: usize,
    pub postgres: Option<String>,
    pub work_dir: std::path::PathBuf,
    pub seed: u64,
    /// Which parts run ([`PARTS`]); empty means all. Without `import`, the register is filled by
    /// the raw load (or reused, see `reuse`).
    pub only: Vec<String>,
    /// Run PostgreSQL only.
    pub skip_sqlite: bool,
    /// Keep the register database after the run, to inspect or reuse it.
    pub keep: bool,
    /// Reuse a kept register database of the same size instead of loading it again.
    pub reuse: bool,
}

/// The parts of the benchmark, in the order they run.
pub const PARTS: [&str; 3] = ["import", "reads", "search"];

impl Options {
    fn runs(&self, part: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| p == part)
    }
}

#[derive(Default, serde::Serialize)]
pub struct EngineFigures {
    pub engine: String,
    pub persons: usize,
    pub raw_rows_per_s: f64,
    pub import_rows_per_s: f64,
    pub import_ratio: f64,
    pub get: Load,
    pub direct: Load,
    pub hello: Load,
    pub get_vs_direct: f64,
    pub get_vs_hello: f64,
    pub search_queries: usize,
    pub search_too_broad: usize,
    pub search_p50_ms: f64,
    pub search_p95_ms: f64,
    /// The same searches straight to the store: no permission check, no audit line.
    pub search_store_p50_ms: f64,
    pub search_store_p95_ms: f64,
}

#[derive(Default, Clone, serde::Serialize)]
pub struct Load {
    pub requests: u64,
    pub errors: u64,
    pub per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

fn percentile(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let i = ((sorted_us.len() as f64 - 1.0) * p).round() as usize;
    sorted_us[i] as f64 / 1000.0
}

fn load_from(mut lat: Vec<u32>, errors: u64, elapsed: Duration) -> Load {
    lat.sort_unstable();
    Load {
        requests: lat.len() as u64,
        errors,
        per_s: lat.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: percentile(&lat, 0.5),
        p99_ms: percentile(&lat, 0.99),
    }
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("{e}")
}

async fn open_fresh(opts: &Options, engine: &str, name: &str) -> anyhow::Result<Arc<SqlStore>> {
    open(opts, engine, name, false).await
}

/// Opens the named benchmark database, emptied first unless `reuse`.
async fn open(opts: &Options, engine: &str, name: &str, reuse: bool) -> anyhow::Result<Arc<SqlStore>> {
    let store = match engine {
        "postgres" => {
            let admin = opts.postgres.as_deref().context("no PostgreSQL URL")?;
            let url = if reuse {
                dinhdanh_store::database_url(admin, name)
            } else {
                SqlStore::create_postgres_database(admin, name).await.map_err(err)?
            };
            SqlStore::open_postgres(&url, (opts.concurrency as u32).max(8)).await.map_err(err)?
        }
        _ => {
            let path = opts.work_dir.join(format!("{name}.sqlite"));
            if !reuse {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            SqlStore::open_sqlite(&path, SqliteDurability::Full).await.map_err(err)?
        }
    };
    store.migrate().await.map_err(err)?;
    Ok(Arc::new(store))
}

async fn discard(opts: &Options, store: Arc<SqlStore>, engine: &str, name: &str) {
    store.close().await;
    if engine == "postgres" {
        if let Some(admin) = &opts.postgres {
            let _ = SqlStore::drop_postgres_database(admin, name).await;
        }
    } else {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", opts.work_dir.join(format!("{name}.sqlite")).display()));
        }
    }
}

pub async fn run(opts: Options) -> anyhow::Result<Vec<EngineFigures>> {
    std::fs::create_dir_all(&opts.work_dir)?;
    let reference = time::Date::from_calendar_date(2026, time::Month::January, 1).map_err(err)?;
    eprintln!("generating {} synthetic persons (seed {})", opts.persons, opts.seed);
    let people: Vec<Person> = dinhdanh_synth::persons(opts.seed, reference, opts.persons).collect();
    let mut engines = vec![];
    if !opts.skip_sqlite {
        engines.push("sqlite");
    }
    if opts.postgres.is_some() {
        engines.push("postgres");
    }
    let mut out = Vec::new();
    for engine in engines {
        out.push(run_engine(&opts, engine, &people).await?);
    }
    Ok(out)
}

async fn run_engine(opts: &Options, engine: &str, people: &[Person]) -> anyhow::Result<EngineFigures> {
    let mut f = EngineFigures { engine: engine.to_owned(), persons: people.len(), ..Default::default() };
    let now = time::OffsetDateTime::now_utc();

    // A kept register of the right size is reused as it is.
    let reused = if opts.reuse && !opts.runs("import") {
        match open(opts, engine, "dinhdanh_bench", true).await {
            Ok(s) if s.count_persons().await.ok() == Some(people.len() as u64) => Some(s),
            Ok(s) => {
                s.close().await;
                None
            }
            Err(_) => None,
        }
    } else {
        None
    };
    let store = match reused {
        Some(s) => {
            eprintln!("[{engine}] reusing the kept register of {} persons", people.len());
            s
        }
        None => {
            // (1a) The ceiling: the same rows straight into the tables, same batch size. Without
            // the import part, this load is what fills the register for the other parts.
            let into = if opts.runs("import") { "dinhdanh_bench_raw" } else { "dinhdanh_bench" };
            let raw = open_fresh(opts, engine, into).await?;
            eprintln!("[{engine}] raw load of {} rows", people.len());
            f.raw_rows_per_s = raw_load(&raw, people, opts.batch, now).await?;
            if opts.runs("import") {
                discard(opts, raw, engine, into).await;
                // (1b) The product path: the import use case.
                let store = open_fresh(opts, engine, "dinhdanh_bench").await?;
                f.import_rows_per_s = import(&app_over(&store), people, opts.batch).await?;
                f.import_ratio = f.import_rows_per_s / f.raw_rows_per_s;
                store
            } else {
                raw
            }
        }
    };
    // Fresh statistics, as after any bulk import (`dinhdanh import` does the same).
    store.analyze().await.map_err(err)?;
    let app = app_over(&store);
    let system = Principal::system("bench");

    if opts.runs("reads") {
        // (2) Reads under load.
        let sample: Vec<_> = people.iter().step_by((people.len() / 10_000).max(1)).map(|p| p.pin).collect();
        let (_, token) = app
            .create_api_client(
                &system,
                "bench",
                vec![Scope::parse("persons:read").map_err(err)?],
                Jurisdiction::National,
            )
            .await
            .map_err(err)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let router = dinhdanh_web::router(dinhdanh_web::AppState { app: app.clone(), secure_cookies: false });
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        let paths: Arc<Vec<String>> =
            Arc::new(sample.iter().map(|p| format!("/api/v1/persons/{}", p.as_str())).collect());
        let secs = Duration::from_secs(opts.seconds);
        eprintln!("[{engine}] GET /api/v1/persons/{{pin}}: {} connections for {secs:?}", opts.concurrency);
        f.get = http_load(addr, paths, Some(token), opts.concurrency, secs).await?;
        eprintln!("[{engine}] hello-world route");
        f.hello = http_load(addr, Arc::new(vec!["/healthz".to_owned()]), None, opts.concurrency, secs).await?;
        server.abort();
        eprintln!("[{engine}] direct store calls");
        f.direct = direct_load(store.clone(), Arc::new(sample.clone()), opts.concurrency, secs).await;
        f.get_vs_direct = f.get.per_s / f.direct.per_s;
        f.get_vs_hello = f.get.per_s / f.hello.per_s;
    }

    if opts.runs("search") {
        search(&mut f, &app, &store, people, engine).await?;
    }
    if opts.keep {
        store.close().await;
        eprintln!("[{engine}] kept the register database dinhdanh_bench");
    } else {
        discard(opts, store, engine, "dinhdanh_bench").await;
    }
    Ok(f)
}

fn app_over(store: &Arc<SqlStore>) -> Arc<App> {
    Arc::new(App::new(
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(OsRng),
        AppConfig { client_cache_ttl: time::Duration::seconds(10), ..AppConfig::default() },
    ))
}

/// The raw load, rows per second.
async fn raw_load(raw: &SqlStore, people: &[Person], batch: usize, now: time::OffsetDateTime) -> anyhow::Result<f64> {
    let pb = indicatif::ProgressBar::new(people.len() as u64);
    let t0 = Instant::now();
    let actor = Principal::system("bench raw").actor();
    for chunk in people.chunks(batch) {
        // The same audit lines the import writes, one per person.
        let audit: Vec<AuditEntry> = chunk
            .iter()
            .map(|p| AuditEntry {
                id: uuid::Uuid::new_v4(),
                at: now,
                actor: actor.clone(),
                action: AuditAction::Import,
                person_id: Some(p.id),
                fields: "*".to_owned(),
                purpose: "import".to_owned(),
                legal_basis: String::new(),
                event_id: None,
                detail: String::new(),
            })
            .collect();
        raw.raw_load_persons(chunk, &audit, now).await.map_err(err)?;
        pb.inc(chunk.len() as u64);
    }
    pb.finish_and_clear();
    Ok(people.len() as f64 / t0.elapsed().as_secs_f64())
}

/// The import use case, rows per second.
async fn import(app: &App, people: &[Person], batch: usize) -> anyhow::Result<f64> {
    let system = Principal::system("bench");
    eprintln!("import of {} rows", people.len());
    let pb = indicatif::ProgressBar::new(people.len() as u64);
    let t0 = Instant::now();
    let mut line = 0u64;
    for chunk in people.chunks(batch) {
        let rows = chunk
            .iter()
            .map(|p| {
                line += 1;
                ImportRow { line, person: Ok(p.clone()) }
            })
            .collect();
        let outcomes = app.import_batch(&system, rows, "bench").await.map_err(err)?;
        if let Some((l, o)) = outcomes.iter().find(|(_, o)| !matches!(o, RowOutcome::Imported)) {
            return Err(anyhow!("row {l} not imported: {o:?}"));
        }
        pb.inc(chunk.len() as u64);
    }
    pb.finish_and_clear();
    Ok(people.len() as f64 / t0.elapsed().as_secs_f64())
}

/// (3) Name search: full names, half of them with the year of birth, as officers search; through
/// the use case (permission, audit of every hit) and straight to the store.
async fn search(
    f: &mut EngineFigures,
    app: &App,
    store: &SqlStore,
    people: &[Person],
    engine: &str,
) -> anyhow::Result<()> {
    let supervisor = Principal {
        id: uuid::Uuid::nil(),
        name: "bench supervisor".to_owned(),
        kind: PrincipalKind::Officer(Role::Supervisor),
        jurisdiction: Jurisdiction::National,
    };
    let step = (people.len() / 500).max(1);
    let queries: Vec<_> = people.iter().step_by(step).take(500).collect();
    // A register in service has its indexes in memory; right after a bulk load it has not. Other
    // persons' names (never the measured ones) warm it first, 1,000 of them.
    let warm_up: Vec<_> = people.iter().skip(step / 2).step_by((people.len() / 1000).max(1)).take(1000).collect();
    for p in &warm_up {
        let query = dinhdanh_app::ports::SearchQuery {
            name_words: dinhdanh_domain::name::fold(p.birth_name.as_str()).split(' ').map(str::to_owned).collect(),
            birth_year: None,
            date_of_birth: None,
            sex: None,
            province: None,
            jurisdiction: Jurisdiction::National,
            page: 0,
            page_size: 20,
        };
        match store.search(&query).await {
            Ok(_) | Err(dinhdanh_app::ports::StoreError::TooBroad) => {}
            Err(e) => return Err(err(e)),
        }
    }
    let input = |i: usize, p: &Person| SearchInput {
        q: dinhdanh_domain::name::fold(p.birth_name.as_str()),
        birth_year: i.is_multiple_of(2).then(|| p.date_of_birth.year()),
        date_of_birth: None,
        sex: None,
        province: None,
        page: None,
        page_size: Some(20),
    };
    eprintln!("[{engine}] {} name searches", queries.len());
    let mut lat = Vec::with_capacity(queries.len());
    let mut slowest: Vec<(u32, String, Option<i32>, String)> = Vec::new();
    for (i, p) in queries.iter().enumerate() {
        let input = input(i, p);
        let (q, year) = (input.q.clone(), input.birth_year);
        let t = Instant::now();
        let outcome = match app.search(&supervisor, input).await {
            Ok(page) if page.items.is_empty() => {
                return Err(anyhow!("search found nobody for a known name: {q:?} {year:?}"));
            }
            Ok(page) => format!("{} found", page.total),
            Err(dinhdanh_app::AppError::Invalid(_)) => {
                f.search_too_broad += 1;
                "too broad".to_owned()
            }
            Err(e) => return Err(err(e)),
        };
        let us = t.elapsed().as_micros() as u32;
        lat.push(us);
        slowest.push((us, q, year, outcome));
    }
    lat.sort_unstable();
    f.search_queries = lat.len();
    f.search_p50_ms = percentile(&lat, 0.5);
    f.search_p95_ms = percentile(&lat, 0.95);
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (us, q, year, outcome) in slowest.iter().take(5) {
        eprintln!("[{engine}]   slow: {:.1} ms  \"{q}\" {year:?}: {outcome}", *us as f64 / 1000.0);
    }

    let mut lat = Vec::with_capacity(queries.len());
    for (i, p) in queries.iter().enumerate() {
        let input = input(i, p);
        let query = dinhdanh_app::ports::SearchQuery {
            name_words: input.q.split(' ').map(str::to_owned).collect(),
            birth_year: input.birth_year,
            date_of_birth: None,
            sex: None,
            province: None,
            jurisdiction: Jurisdiction::National,
            page: 0,
            page_size: 20,
        };
        let t = Instant::now();
        match store.search(&query).await {
            Ok(_) | Err(dinhdanh_app::ports::StoreError::TooBroad) => {}
            Err(e) => return Err(err(e)),
        }
        lat.push(t.elapsed().as_micros() as u32);
    }
    lat.sort_unstable();
    f.search_store_p50_ms = percentile(&lat, 0.5);
    f.search_store_p95_ms = percentile(&lat, 0.95);
    Ok(())
}

/// `concurrency` keep-alive HTTP/1.1 connections, each sending requests back to back.
async fn http_load(
    addr: SocketAddr,
    paths: Arc<Vec<String>>,
    token: Option<String>,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Load> {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let (paths, token) = (paths.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            let (mut lat, mut errors, mut i) = (Vec::new(), 0u64, w * 7919);
            while Instant::now() < deadline {
                let path = &paths[i % paths.len()];
                i += 104_729;
                let mut req = hyper::Request::get(path.as_str()).header(hyper::header::HOST, "127.0.0.1");
                if let Some(t) = &token {
                    req = req.header(hyper::header::AUTHORIZATION, format!("Bearer {t}"));
                }
                let req = req.body(Empty::<Bytes>::new())?;
                let t = Instant::now();
                sender.ready().await?;
                let resp = sender.send_request(req).await?;
                let ok = resp.status() == hyper::StatusCode::OK;
                resp.into_body().collect().await?;
                lat.push(t.elapsed().as_micros() as u32);
                if !ok {
                    errors += 1;
                }
            }
            anyhow::Ok((lat, errors))
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (lat, e) = t.await??;
        all.extend(lat);
        errors += e;
    }
    let load = load_from(all, errors, start.elapsed());
    if load.errors > 0 {
        return Err(anyhow!("{} of {} requests failed", load.errors, load.requests));
    }
    Ok(load)
}

/// The database work of one audited read, done directly: the person select plus the audit insert.
async fn direct_load(
    store: Arc<SqlStore>,
    pins: Arc<Vec<dinhdanh_domain::pin::PersonalNumber>>,
    concurrency: usize,
    duration: Duration,
) -> Load {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let (store, pins) = (store.clone(), pins.clone());
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors, mut i) = (Vec::new(), 0u64, w * 7919);
            let actor = Principal::system("bench direct").actor();
            while Instant::now() < deadline {
                let pin = pins[i % pins.len()];
                i += 104_729;
                let t = Instant::now();
                let ok = match store.person_by_pin(&pin).await {
                    Ok(Some(s)) => store
                        .record_access(vec![AuditEntry {
                            id: uuid::Uuid::new_v4(),
                            at: time::OffsetDateTime::now_utc(),
                            actor: actor.clone(),
                            action: AuditAction::Read,
                            person_id: Some(s.person.id),
                            fields: "*".to_owned(),
                            purpose: "bench".to_owned(),
                            legal_basis: String::new(),
                            event_id: None,
                            detail: String::new(),
                        }])
                        .await
                        .is_ok(),
                    _ => false,
                };
                lat.push(t.elapsed().as_micros() as u32);
                if !ok {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        if let Ok((lat, e)) = t.await {
            all.extend(lat);
            errors += e;
        }
    }
    load_from(all, errors, start.elapsed())
}

pub fn table(figures: &[EngineFigures]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "| figure | {} |", figures.iter().map(|f| f.engine.as_str()).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(s, "|---|{}", "---|".repeat(figures.len()));
    let row = |s: &mut String, name: &str, v: &dyn Fn(&EngineFigures) -> String| {
        let _ = writeln!(s, "| {name} | {} |", figures.iter().map(v).collect::<Vec<_>>().join(" | "));
    };
    row(&mut s, "persons", &|f| f.persons.to_string());
    row(&mut s, "raw load, rows/s (ceiling)", &|f| format!("{:.0}", f.raw_rows_per_s));
    row(&mut s, "import, rows/s", &|f| format!("{:.0}", f.import_rows_per_s));
    row(&mut s, "import / raw (target ≥ 0.5)", &|f| format!("{:.2}", f.import_ratio));
    row(&mut s, "GET person, req/s", &|f| format!("{:.0}", f.get.per_s));
    row(&mut s, "GET person, p50 / p99 ms", &|f| format!("{:.2} / {:.2}", f.get.p50_ms, f.get.p99_ms));
    row(&mut s, "direct store, ops/s (ceiling)", &|f| format!("{:.0}", f.direct.per_s));
    row(&mut s, "direct store, p50 / p99 ms", &|f| format!("{:.2} / {:.2}", f.direct.p50_ms, f.direct.p99_ms));
    row(&mut s, "GET / direct (target ≥ 0.5)", &|f| format!("{:.2}", f.get_vs_direct));
    row(&mut s, "hello-world, req/s", &|f| format!("{:.0}", f.hello.per_s));
    row(&mut s, "GET / hello-world", &|f| format!("{:.2}", f.get_vs_hello));
    row(&mut s, "name search p50 / p95 ms (target p95 ≤ 20)", &|f| {
        format!("{:.2} / {:.2}", f.search_p50_ms, f.search_p95_ms)
    });
    row(&mut s, "name search in the store alone, p50 / p95 ms", &|f| {
        format!("{:.2} / {:.2}", f.search_store_p50_ms, f.search_store_p95_ms)
    });
    row(&mut s, "searches refused as too broad", &|f| format!("{} of {}", f.search_too_broad, f.search_queries));
    s
}

pub fn write_results(path: &Path, figures: &[EngineFigures]) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(figures)?)?;
    Ok(())
}

/// A fresh, migrated register for one benchmark run on one engine: `ENGINE` is `sqlite` (a file
/// `NAME.sqlite` in the work directory, replaced) or anything else for a scratch PostgreSQL
/// database `NAME` made from the admin URL. [`ScratchStore::finish`] closes it and drops the
/// scratch database.
pub struct ScratchStore {
    pub store: Arc<SqlStore>,
    postgres: Option<(String, String)>,
}

impl ScratchStore {
    pub async fn open(engine: &str, work_dir: &Path, postgres: Option<&str>, name: &str) -> anyhow::Result<Self> {
        let err = |e: dinhdanh_app::ports::StoreError| anyhow::anyhow!("{e}");
        let (store, pg) = if engine == "sqlite" {
            std::fs::create_dir_all(work_dir)?;
            let path = work_dir.join(format!("{name}.sqlite"));
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
            }
            (SqlStore::open_sqlite(&path, SqliteDurability::Full).await.map_err(err)?, None)
        } else {
            let admin = postgres.context("no PostgreSQL URL")?;
            let _ = SqlStore::drop_postgres_database(admin, name).await;
            let url = SqlStore::create_postgres_database(admin, name).await.map_err(err)?;
            (SqlStore::open_postgres(&url, 16).await.map_err(err)?, Some((admin.to_owned(), name.to_owned())))
        };
        store.migrate().await.map_err(err)?;
        Ok(ScratchStore { store: Arc::new(store), postgres: pg })
    }

    pub async fn finish(self) {
        self.store.close().await;
        if let Some((admin, name)) = self.postgres {
            let _ = SqlStore::drop_postgres_database(&admin, &name).await;
        }
    }
}
