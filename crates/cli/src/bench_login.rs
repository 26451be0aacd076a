//! `dinhdanh bench-login`: citizen password sign-ins per second through the HTTP API at C
//! concurrent clients, against the ceiling of raw Argon2id verification with the same
//! parameters on every core of the same machine in the same run, and the peak memory of each.
//!
//! A sign-in is `POST /api/v1/eid/login` from a device the account already knows (so the
//! password alone completes it): per-PIN throttle read, account read, Argon2id behind the
//! application's concurrency cap, device lookup, session and audit line written in one
//! transaction. The ceiling does nothing but Argon2id, one thread per core.

use anyhow::{Context, anyhow, bail};
use dinhdanh_app::auth::Principal;
use dinhdanh_app::eid::{ClientCtx, EidAccount, EidChange, LoginStep};
use dinhdanh_app::import::{ImportRow, RowOutcome};
use dinhdanh_app::ports::{OsRng, SystemClock};
use dinhdanh_app::{App, AppConfig};
use dinhdanh_crypto::password;
use dinhdanh_domain::codes::Phone;
use dinhdanh_domain::eid::{AccountState, Level};
use dinhdanh_domain::person::Person;
use dinhdanh_store::SqlStore;
use dinhdanh_store::db::SqliteDurability;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct LoginOptions {
    pub accounts: usize,
    pub seconds: u64,
    pub concurrency: usize,
    pub work_dir: PathBuf,
}

#[derive(Debug, serde::Serialize)]
pub struct LoginFigures {
    pub cores: usize,
    pub concurrency: usize,
    pub accounts: usize,
    /// Argon2id parameters of both sides: memory (KiB), passes, lanes.
    pub argon2: (u32, u32, u32),
    pub hashes_per_s: f64,
    pub hash_peak_rss_mib: f64,
    pub logins: u64,
    pub errors: u64,
    pub logins_per_s: f64,
    pub login_p50_ms: f64,
    pub login_p99_ms: f64,
    pub login_peak_rss_mib: f64,
    /// Sign-ins per second ÷ raw hashes per second.
    pub ratio: f64,
}

const PASSWORD: &str = "đồng lúa chín vàng bên sông";
const USER_AGENT: &str = "dinhdanh-bench-login";

/// Resets the kernel's peak-RSS mark of this process (Linux ≥ 4.0), so each phase reads its own.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory of this process since the last [`reset_peak`], in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn percentile(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    sorted_us[((sorted_us.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0
}

pub async fn run(o: LoginOptions) -> anyhow::Result<LoginFigures> {
    if o.accounts == 0 || o.concurrency == 0 {
        bail!("--accounts and --concurrency must be at least 1");
    }
    std::fs::create_dir_all(&o.work_dir)?;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let seconds = Duration::from_secs(o.seconds.max(1));
    let hash = password::hash(PASSWORD, &[7u8; password::SALT_LEN]);

    // Ceiling: Argon2id verification of the same hash on every core, nothing else.
    reset_peak();
    let deadline = Instant::now() + seconds;
    let start = Instant::now();
    let threads: Vec<_> = (0..cores)
        .map(|_| {
            let hash = hash.clone();
            std::thread::spawn(move || {
                let mut n = 0u64;
                // The same kept working memory the service uses.
                let mut memory = password::HashMemory::new();
                while Instant::now() < deadline {
                    assert!(password::verify_in(PASSWORD, &hash, &mut memory), "the password verifies");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut hashes = 0;
    for t in threads {
        hashes += t.join().map_err(|_| anyhow!("a hashing thread panicked"))?;
    }
    let hashes_per_s = hashes as f64 / start.elapsed().as_secs_f64();
    let hash_peak_rss_mib = peak_mib();
    eprintln!("raw Argon2id: {hashes_per_s:.1}/s on {cores} cores");

    // The service: a register with the accounts, behind the real HTTP stack.
    let path = o.work_dir.join("bench-login.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let store = Arc::new(SqlStore::open_sqlite(&path, SqliteDurability::Full).await.map_err(|e| anyhow!("{e}"))?);
    store.migrate().await.map_err(|e| anyhow!("{e}"))?;
    let mut config = AppConfig::default();
    // Every client comes from 127.0.0.1: the per-IP limit would measure itself, not sign-ins.
    config.eid.ip_attempts = u32::MAX;
    let outbox = Arc::new(dinhdanh_app::eid::sms::DevOutbox::new(Arc::new(SystemClock)));
    let app = Arc::new(
        App::new(store.clone(), Arc::new(SystemClock), Arc::new(OsRng), config).with_dev_outbox(outbox.clone()),
    );
    let pins = seed_accounts(&app, &outbox, o.accounts, &hash).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = dinhdanh_web::router(dinhdanh_web::AppState { app: app.clone(), secure_cookies: false });
    let server =
        tokio::spawn(
            async move { axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await },
        );

    reset_peak();
    let (lat, errors, elapsed) = login_load(addr, Arc::new(pins), o.concurrency, seconds).await?;
    let login_peak_rss_mib = peak_mib();
    server.abort();
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let logins_per_s = lat.len() as f64 / elapsed.as_secs_f64();
    Ok(LoginFigures {
        cores,
        concurrency: o.concurrency,
        accounts: o.accounts,
        argon2: (password::OWASP_M_COST_KIB, password::OWASP_T_COST, password::OWASP_P_COST),
        hashes_per_s,
        hash_peak_rss_mib,
        logins: lat.len() as u64,
        errors,
        logins_per_s,
        login_p50_ms: percentile(&lat, 0.5),
        login_p99_ms: percentile(&lat, 0.99),
        login_peak_rss_mib,
        ratio: if hashes_per_s > 0.0 { logins_per_s / hashes_per_s } else { 0.0 },
    })
}

/// Adults of the synthetic population in the register, each with an active level-1 account and
/// this device already known (signed in once with the SMS code), so the password completes a
/// sign-in. Returns their PINs.
async fn seed_accounts(
    app: &Arc<App>,
    outbox: &dinhdanh_app::eid::sms::DevOutbox,
    n: usize,
    hash: &str,
) -> anyhow::Result<Vec<String>> {
    let today = app.clock.today();
    let adults: Vec<Person> =
        dinhdanh_synth::persons(2025, today, n * 4).filter(|p| p.date_of_birth.age_on(today) >= 18).take(n).collect();
    if adults.len() < n {
        bail!("the synthetic population gave only {} adults", adults.len());
    }
    let rows =
        adults.iter().enumerate().map(|(i, p)| ImportRow { line: i as u64 + 1, person: Ok(p.clone()) }).collect();
    let outcomes =
        app.import_batch(&Principal::system("bench-login"), rows, "bench").await.map_err(|e| anyhow!("{e}"))?;
    if let Some((line, o)) = outcomes.iter().find(|(_, o)| !matches!(o, RowOutcome::Imported)) {
        bail!("row {line} was not imported: {o:?}");
    }
    let ctx = ClientCtx { ip: "127.0.0.1".into(), device: USER_AGENT.into(), device_id: None };
    let now = app.clock.now();
    let mut pins = Vec::with_capacity(n);
    for (i, p) in adults.iter().enumerate() {
        let phone = Phone::parse(&format!("09{i:08}")).map_err(|r| anyhow!("{r}"))?;
        let account = EidAccount {
            id: uuid::Uuid::new_v4(),
            person_id: p.id,
            pin: p.pin,
            level: Level::One,
            state: AccountState::Active,
            phone: phone.clone(),
            password_hash: Some(hash.to_owned()),
            passcode_hash: None,
            totp_secret: None,
            totp_pending: None,
            totp_last_step: None,
            lock: None,
            channel: "chip".into(),
            note: "bench".into(),
            version: 0,
            created_at: now,
            updated_at: now,
            activated_at: Some(now),
            revoked_at: None,
        };
        app.store
            .eid_commit(EidChange { insert_account: Some(account), ..Default::default() })
            .await
            .map_err(|e| anyhow!("{e}"))?;
        // A new device: the first sign-in asks for the SMS code, then the device is known.
        let step = app.eid_login(p.pin.as_str(), PASSWORD, &ctx).await.map_err(|e| anyhow!("{e}"))?;
        if let LoginStep::SecondFactor(partial, _) = step {
            let holder = app.eid_holder(&partial.token).await.map_err(|e| anyhow!("{e}"))?;
            app.eid_send_login_code(&holder, &ctx).await.map_err(|e| anyhow!("{e}"))?;
            let code = outbox.last_code(phone.as_str()).context("the sign-in code")?;
            app.eid_second_factor_sms(&holder, &code, &ctx).await.map_err(|e| anyhow!("{e}"))?;
        }
        pins.push(p.pin.as_str().to_owned());
    }
    Ok(pins)
}

/// `concurrency` keep-alive connections signing in back to back over the accounts.
async fn login_load(
    addr: SocketAddr,
    pins: Arc<Vec<String>>,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<(Vec<u32>, u64, Duration)> {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let pins = pins.clone();
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            let (mut lat, mut errors, mut i) = (Vec::new(), 0u64, w);
            while Instant::now() < deadline {
                let body = serde_json::json!({"pin": pins[i % pins.len()], "password": PASSWORD}).to_string();
                i += concurrency;
                let req = hyper::Request::post("/api/v1/eid/login")
                    .header(hyper::header::HOST, "127.0.0.1")
                    .header(hyper::header::CONTENT_TYPE, "application/json")
                    .header(hyper::header::USER_AGENT, USER_AGENT)
                    .body(Full::new(Bytes::from(body)))?;
                let t = Instant::now();
                sender.ready().await?;
                let resp = sender.send_request(req).await?;
                let status = resp.status();
                let body = resp.into_body().collect().await?.to_bytes();
                // A full session, not a second-factor one: the password alone signed in.
                let full = status == hyper::StatusCode::OK
                    && serde_json::from_slice::<serde_json::Value>(&body)
                        .is_ok_and(|v| v["stage"].as_str() == Some("full"));
                if full {
                    lat.push(t.elapsed().as_micros() as u32);
                } else {
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
    let elapsed = start.elapsed();
    all.sort_unstable();
    if errors > 0 {
        bail!("{errors} sign-ins did not complete with the password alone");
    }
    Ok((all, errors, elapsed))
}

pub fn table(f: &LoginFigures) -> String {
    let (m, t, p) = f.argon2;
    format!(
        "e-ID password sign-in, {} clients, {} accounts, {} cores, Argon2id m={m} KiB t={t} p={p}\n\
         raw Argon2id (ceiling)   {:>9.1} /s   peak RSS {:>7.1} MiB\n\
         POST /api/v1/eid/login   {:>9.1} /s   peak RSS {:>7.1} MiB   p50 {:.1} ms  p99 {:.1} ms  ({} sign-ins)\n\
         ratio                    {:>9.2}",
        f.concurrency,
        f.accounts,
        f.cores,
        f.hashes_per_s,
        f.hash_peak_rss_mib,
        f.logins_per_s,
        f.login_peak_rss_mib,
        f.login_p50_ms,
        f.login_p99_ms,
        f.logins,
        f.ratio
    )
}
