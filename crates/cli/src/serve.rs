//! `dinhdanh serve`: open the register, create dev keys, seed demo data, listen.

use crate::Storage;

use anyhow::{Context, bail};
use dinhdanh_app::App;
use dinhdanh_app::accounts::NewOfficer;
use dinhdanh_app::auth::{Principal, Role};
use dinhdanh_app::import::{ImportRow, RowOutcome};
use dinhdanh_crypto::keys::SoftwareKey;
use dinhdanh_domain::person::Jurisdiction;
use dinhdanh_web::AppState;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// The relying party of passkeys: the public URL's host is the RP ID, the URL its origin.
fn eid_config(listen: SocketAddr, public_url: Option<String>) -> anyhow::Result<dinhdanh_app::eid::EidConfig> {
    let url = public_url.unwrap_or_else(|| format!("http://localhost:{}", listen.port()));
    let url = url.trim_end_matches('/').to_owned();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .with_context(|| format!("the public URL {url} must start with http:// or https://"))?;
    let host = rest.split('/').next().unwrap_or(rest).rsplit_once(':').map_or(rest, |(h, _)| h).to_owned();
    if host.parse::<std::net::IpAddr>().is_ok() || host.is_empty() {
        bail!("the public URL {url} must name a host (passkeys refuse IP addresses); try http://localhost:PORT");
    }
    Ok(dinhdanh_app::eid::EidConfig { rp_id: host, rp_origins: vec![url], ..Default::default() })
}

/// What `serve` was asked to do, from the command line.
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub demo: Option<usize>,
    pub seed: u64,
    pub secure_cookies: bool,
    pub public_url: Option<String>,
    pub trusted_proxies: Vec<String>,
    pub sms: Option<crate::sms_http::HttpSmsConfig>,
}

pub async fn serve(storage: Storage, o: ServeOptions) -> anyhow::Result<()> {
    let ServeOptions { listen, demo, seed, secure_cookies, public_url, trusted_proxies, sms } = o;
    let proxies = trusted_proxies
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| dinhdanh_web::proxy::IpNet::parse(s).map_err(|e| anyhow::anyhow!("--trusted-proxies: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let outbox = dinhdanh_app::outbox::OutboxConfig {
        // Development servers may deliver events to a receiver on this machine over plain HTTP.
        allow_loopback_http: demo.is_some(),
        ..Default::default()
    };
    let config = dinhdanh_app::AppConfig { eid: eid_config(listen, public_url)?, outbox, ..Default::default() };
    let (app, store) = storage.app_with(config).await?;
    let app = if let Some(c) = sms {
        let gateway = crate::sms_http::HttpSmsGateway::new(c).context("the SMS gateway settings")?;
        tracing::info!(gateway = ?gateway, "SMS go through the HTTP gateway");
        app.with_sms(Arc::new(gateway))
    } else if demo.is_some() {
        // Demo servers keep SMS in memory and show them at /citizen/dev/sms.
        let outbox = Arc::new(dinhdanh_app::eid::sms::DevOutbox::new(app.clock.clone()));
        tracing::warn!("demo mode: SMS go to the development outbox (/citizen/dev/sms), not to phones");
        app.with_dev_outbox(outbox)
    } else {
        tracing::warn!("no SMS gateway configured: e-ID activation and SMS codes are unavailable");
        app
    };
    let app = if demo.is_some() {
        tracing::warn!("demo mode: a virtual card reader answers level-1 registrations (/citizen/dev/card)");
        app.with_virtual_cards()
    } else {
        app
    };
    let app = Arc::new(app);
    let key_path = storage.data_dir.join("keys").join("signing-es256.p8");
    let (key, created) = SoftwareKey::load_or_create(&key_path).context("cannot load or create the signing key")?;
    if created {
        tracing::info!(path = %key_path.display(), "created a development signing key (ES256)");
    }
    drop(key);
    if let Some(n) = demo {
        seed_demo(&app, &storage.data_dir, n, seed).await?;
    }
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let mut router = dinhdanh_web::router(AppState { app: app.clone(), secure_cookies });
    if !proxies.is_empty() {
        tracing::info!(proxies = ?proxies, "X-Forwarded-For is believed from these peers only");
        router = dinhdanh_web::proxy::with_trusted_proxies(router, dinhdanh_web::proxy::TrustedProxies::new(proxies));
    }
    tracing::info!(engine = store.engine(), "dinhdanh listening on http://{listen}/");
    println!("dinhdanh: http://{}/ ({})", listener.local_addr()?, store.engine());
    // Event delivery runs beside the HTTP server; its queues live in the database, so a crash
    // loses nothing and the next start resumes where the last one stopped.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let sender = Arc::new(dinhdanh_web::webhooks::HttpSender::new(std::time::Duration::from_secs(10)));
    let delivery = tokio::spawn(dinhdanh_app::outbox::run_delivery(app.clone(), sender, stopped));
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    let _ = stop.send(true);
    let _ = delivery.await;
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// A password of 16 letters and digits from the OS generator (≈ 95 bits).
fn generate_password(app: &App) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..16).map(|_| ALPHABET[app.rng.below(ALPHABET.len() as u32) as usize] as char).collect()
}

/// The demo officers: one of each role, at each level of jurisdiction.
const DEMO_OFFICERS: &[(&str, &str, Role, &str)] = &[
    ("admin", "Quản trị hệ thống", Role::Administrator, "national"),
    ("giamsat", "Giám sát viên Cục C06", Role::Supervisor, "national"),
    ("canbo.hcm", "Cán bộ Công an TP. Hồ Chí Minh", Role::Officer, "province:79"),
    ("canbo.hanoi", "Cán bộ Công an TP. Hà Nội", Role::Officer, "province:01"),
];

/// Seeds an empty register: `n` synthetic persons and the demo officers, whose credentials are
/// printed and written (mode 0600) to `demo-credentials.txt`. A register that already holds data
/// is left as it is.
async fn seed_demo(app: &Arc<App>, data_dir: &Path, n: usize, seed: u64) -> anyhow::Result<()> {
    let system = Principal::system("demo seed");
    let creds_path = data_dir.join("demo-credentials.txt");
    if app.store.count_persons().await.map_err(|e| anyhow::anyhow!("{e}"))? == 0 && n > 0 {
        tracing::info!(persons = n, seed, "seeding the demo population");
        let pb = indicatif::ProgressBar::new(n as u64);
        let today = app.clock.today();
        let mut people = dinhdanh_synth::persons(seed, today, n).peekable();
        let mut line = 0;
        while people.peek().is_some() {
            let rows: Vec<ImportRow> = people
                .by_ref()
                .take(2000)
                .map(|p| {
                    line += 1;
                    ImportRow { line, person: Ok(p) }
                })
                .collect();
            let count = rows.len() as u64;
            let outcomes = app.import_batch(&system, rows, "demo").await.map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Some((l, o)) = outcomes.iter().find(|(_, o)| !matches!(o, RowOutcome::Imported)) {
                bail!("demo row {l} was not imported: {o:?}");
            }
            pb.inc(count);
        }
        pb.finish_and_clear();
        // The same deterministic population: those old enough get their cards.
        let persons: Vec<_> = dinhdanh_synth::persons(seed, today, n).collect();
        tracing::info!("producing the demo identity cards");
        let cards = crate::cards::seed_cards(app, &persons).await?;
        println!("demo: {cards} identity cards produced / đã sản xuất {cards} thẻ căn cước");
    }
    let existing = app.officers(&system).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut lines = Vec::new();
    for (username, display, role, juris) in DEMO_OFFICERS {
        if existing.iter().any(|o| o.username == *username) {
            continue;
        }
        let password = generate_password(app);
        app.create_officer(
            &system,
            NewOfficer {
                username: (*username).to_owned(),
                display_name: (*display).to_owned(),
                password: password.clone(),
                role: *role,
                jurisdiction: Jurisdiction::parse(juris).map_err(|r| anyhow::anyhow!("{r}"))?,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("cannot create demo officer {username}: {e}"))?;
        lines.push(format!("{username}\t{password}\t{}\t{juris}", role.code()));
    }
    if lines.is_empty() {
        println!("demo officers exist already; their passwords are in {}", creds_path.display());
        return Ok(());
    }
    let text = format!("# username\tpassword\trole\tjurisdiction\n{}\n", lines.join("\n"));
    write_private(&creds_path, &text)?;
    println!("Tài khoản cán bộ demo / demo officer accounts (also in {}):", creds_path.display());
    print!("{text}");
    Ok(())
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

pub async fn create_officer_cli(
    app: &App,
    username: String,
    display_name: String,
    role: &str,
    jurisdiction: &str,
) -> anyhow::Result<()> {
    let role = Role::parse(role).map_err(|r| anyhow::anyhow!("{} / {}", r.message_vi(), r.message_en()))?;
    let jurisdiction =
        Jurisdiction::parse(jurisdiction).map_err(|r| anyhow::anyhow!("{} / {}", r.message_vi(), r.message_en()))?;
    let (password, generated) = match std::env::var("DINHDANH_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (generate_password(app), true),
    };
    let officer = app
        .create_officer(
            &Principal::system("cli"),
            NewOfficer { username, display_name, password: password.clone(), role, jurisdiction },
        )
        .await
        .map_err(|e| match e {
            dinhdanh_app::AppError::Invalid(inv) => anyhow::anyhow!(
                "{}",
                inv.0
                    .iter()
                    .map(|f| format!("{}: {} / {}", f.field, f.rule.message_vi(), f.rule.message_en()))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            other => anyhow::anyhow!("{other}"),
        })?;
    println!("created officer {} ({})", officer.username, officer.role.code());
    if generated {
        println!("password (shown once): {password}");
    }
    Ok(())
}
