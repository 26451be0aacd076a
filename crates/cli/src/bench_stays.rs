//! `dinhdanh bench-stays`: stay notifications accepted per second through the bulk HTTP API
//! (`POST /api/v1/stays`, batches of 100 guests, an API client with `stays:write`), next to a
//! ceiling measured in the same run.
//!
//! Per engine: a register of synthetic persons is loaded; `concurrency` keep-alive connections send
//! batches back to back, each batch going through the whole path (bearer token, JSON parsing, the
//! register's lookup of every guest, the checks, the all-or-nothing transaction with one audit line
//! per guest). The ceiling: the same rows (batch, notifications, audit lines) written straight
//! through the store in batches of the same size at the same concurrency, with no HTTP, no
//! parsing and no checks.

use anyhow::{anyhow, bail};
use dinhdanh_app::audit::{AuditAction, AuditEntry};
use dinhdanh_app::auth::{Principal, Scope};
use dinhdanh_app::ports::{OsRng, SystemClock};
use dinhdanh_app::stay::{StayBatch, StayNotification, StayStore};
use dinhdanh_app::{App, AppConfig};
use dinhdanh_domain::admin::{Catalogue, UnitRef};
use dinhdanh_domain::person::{Address, Jurisdiction, LifeStatus, Person};
use dinhdanh_domain::stay::{HostKind, StayRules, VIETNAM};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use time::{Duration, OffsetDateTime};

/// Guests per batch: the API's maximum.
const BATCH: usize = 100;
/// Phường Bến Thành: every stay is there.
const COMMUNE: &str = "26743";

pub struct Options {
    pub batches: usize,
    pub persons: usize,
    pub concurrency: usize,
    pub postgres: Option<String>,
    pub work_dir: PathBuf,
    pub seed: u64,
}

#[derive(Default, serde::Serialize)]
pub struct Figures {
    pub engine: String,
    pub batches: usize,
    pub concurrency: usize,
    /// Guests accepted per second through `POST /api/v1/stays`.
    pub api_per_s: f64,
    /// The same rows written straight through the store, per second.
    pub ceiling_per_s: f64,
    pub ratio: f64,
    /// Median and 99th percentile of one batch's request, in milliseconds.
    pub p50_ms: f64,
    pub p99_ms: f64,
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("{e}")
}

fn guest_json(p: &Person, arrival: &str, departure: &str) -> serde_json::Value {
    serde_json::json!({
        "pin": p.pin.as_str(),
        "name": p.birth_name.as_str(),
        "place": {"unit": format!("2025:{COMMUNE}"), "detail": "Phòng 305, 12 Lê Lợi"},
        "arrival_at": arrival,
        "departure_on": departure,
        "reason": "Du lịch",
    })
}

/// Sends every body with `concurrency` connections; the latency of each request in microseconds.
async fn send_all(
    addr: SocketAddr,
    token: &str,
    bodies: Arc<Vec<String>>,
    concurrency: usize,
) -> anyhow::Result<Vec<u32>> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (bodies, next, auth) = (bodies.clone(), next.clone(), format!("Bearer {token}"));
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let req = hyper::Request::post("/api/v1/stays")
                    .header(hyper::header::HOST, "127.0.0.1")
                    .header(hyper::header::CONTENT_TYPE, "application/json")
                    .header(hyper::header::AUTHORIZATION, &auth)
                    .body(Full::new(Bytes::from(body.clone())))?;
                let t = Instant::now();
                sender.ready().await?;
                let resp = sender.send_request(req).await?;
                let status = resp.status();
                let bytes = resp.into_body().collect().await?.to_bytes();
                if status != hyper::StatusCode::CREATED {
                    bail!("batch {i} answered {status}: {}", String::from_utf8_lossy(&bytes));
                }
                lat.push(t.elapsed().as_micros() as u32);
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_unstable();
    Ok(all)
}

async fn engine(o: &Options, engine: &str) -> anyhow::Result<Figures> {
    let scratch =
        crate::bench::ScratchStore::open(engine, &o.work_dir, o.postgres.as_deref(), "dinhdanh_bench_stays").await?;
    let store = scratch.store.clone();
    let now = OffsetDateTime::now_utc();
    let people: Vec<Person> = dinhdanh_synth::persons(o.seed, now.date(), o.persons * 2)
        .filter(|p| p.status == LifeStatus::Alive)
        .take(o.persons)
        .collect();
    if people.len() < BATCH {
        bail!("the synthetic register has fewer than {BATCH} living persons");
    }
    eprintln!("[{engine}] loading {} persons", people.len());
    for chunk in people.chunks(2000) {
        store.raw_load_persons(chunk, &[], now).await.map_err(err)?;
    }
    let app = Arc::new(App::new(store.clone(), Arc::new(SystemClock), Arc::new(OsRng), AppConfig::default()));
    let (client, token) = app
        .create_api_client(&Principal::system("bench"), "bench hotel", vec![Scope::StaysWrite], Jurisdiction::National)
        .await
        .map_err(err)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = dinhdanh_web::router(dinhdanh_web::AppState { app: app.clone(), secure_cookies: false });
    let server =
        tokio::spawn(
            async move { axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await },
        );

    // The batches: guests in register order, each arriving two hours ago for three nights.
    let arrival = (now - Duration::hours(2)).to_offset(VIETNAM);
    let arrival_text = dinhdanh_api::rfc3339(arrival);
    let departure = arrival.date() + Duration::days(3);
    let departure_text = dinhdanh_domain::date::iso(departure);
    let batch_people: Vec<Vec<&Person>> =
        (0..o.batches).map(|b| (0..BATCH).map(|i| &people[(b * BATCH + i) % people.len()]).collect()).collect();
    let bodies: Vec<String> = batch_people
        .iter()
        .enumerate()
        .map(|(b, ps)| {
            serde_json::json!({
                "idempotency_key": format!("bench-{b}"),
                "host_kind": "establishment",
                "host_name": "Khách sạn Bến Thành",
                "guests": ps.iter().map(|p| guest_json(p, &arrival_text, &departure_text)).collect::<Vec<_>>(),
            })
            .to_string()
        })
        .collect();
    eprintln!("[{engine}] {} batches of {BATCH} through the API, {} connections", o.batches, o.concurrency);
    let start = Instant::now();
    let lat = send_all(addr, &token, Arc::new(bodies), o.concurrency).await?;
    let api_elapsed = start.elapsed();
    server.abort();

    // The ceiling: the same rows straight through the store, same batch size and concurrency.
    let rules = StayRules::default();
    let actor = Principal::system("bench").actor();
    let place = Address::new_current(UnitRef::new(Catalogue::Y2025, COMMUNE).map_err(err)?, "Phòng 305, 12 Lê Lợi")
        .map_err(err)?;
    let batches: Vec<(StayBatch, Vec<AuditEntry>)> = batch_people
        .iter()
        .map(|ps| {
            let id = uuid::Uuid::new_v4();
            let notifications: Vec<StayNotification> = ps
                .iter()
                .map(|p| StayNotification {
                    id: uuid::Uuid::new_v4(),
                    batch_id: id,
                    person_id: p.id,
                    pin: p.pin,
                    guest_name: p.birth_name.as_str().to_owned(),
                    host_kind: HostKind::Establishment,
                    host_name: "Khách sạn Bến Thành".into(),
                    place: place.clone(),
                    arrival_at: arrival,
                    departure_on: departure,
                    reason: "Du lịch".into(),
                    deadline: rules.deadline(arrival),
                    notified_at: now,
                    late: rules.is_late(arrival, now),
                    notified_by: actor.clone(),
                })
                .collect();
            let audit = notifications
                .iter()
                .map(|n| AuditEntry {
                    id: uuid::Uuid::new_v4(),
                    at: now,
                    actor: actor.clone(),
                    action: AuditAction::Create,
                    person_id: Some(n.person_id),
                    fields: "stay".into(),
                    purpose: "stay_notification".into(),
                    legal_basis: "bench".into(),
                    event_id: None,
                    detail: format!("batch {id}"),
                })
                .collect();
            let b = StayBatch {
                id,
                idempotency_key: Some(format!("ceiling-{id}")),
                digest: "0".repeat(64),
                actor: actor.clone(),
                created_at: now,
                notifications,
            };
            (b, audit)
        })
        .collect();
    let queue = Arc::new(std::sync::Mutex::new(batches));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..o.concurrency {
        let (queue, store) = (queue.clone(), store.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let next = queue.lock().map_err(|_| anyhow!("queue lock"))?.pop();
                let Some((b, audit)) = next else { break };
                store.insert_stay_batch(&b, audit).await.map_err(err)?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let ceiling_elapsed = start.elapsed();
    let _ = client;
    drop(store);
    scratch.finish().await;
    let guests = (o.batches * BATCH) as f64;
    let api_per_s = guests / api_elapsed.as_secs_f64();
    let ceiling_per_s = guests / ceiling_elapsed.as_secs_f64();
    let pct = |q: f64| lat.get(((lat.len() as f64 - 1.0) * q).round() as usize).map_or(0.0, |&us| us as f64 / 1000.0);
    Ok(Figures {
        engine: engine.to_owned(),
        batches: o.batches,
        concurrency: o.concurrency,
        api_per_s,
        ceiling_per_s,
        ratio: api_per_s / ceiling_per_s,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
    })
}

pub async fn run(opts: Options) -> anyhow::Result<Vec<Figures>> {
    let mut out = vec![engine(&opts, "sqlite").await?];
    if opts.postgres.is_some() {
        out.push(engine(&opts, "postgres").await?);
    }
    Ok(out)
}

pub fn table(figures: &[Figures]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "| figure | {} |", figures.iter().map(|f| f.engine.as_str()).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(s, "|---|{}", "---|".repeat(figures.len()));
    let row = |s: &mut String, name: &str, v: &dyn Fn(&Figures) -> String| {
        let _ = writeln!(s, "| {name} | {} |", figures.iter().map(v).collect::<Vec<_>>().join(" | "));
    };
    row(&mut s, "batches of 100 guests", &|f| f.batches.to_string());
    row(&mut s, "connections", &|f| f.concurrency.to_string());
    row(&mut s, "same rows straight through the store, guests/s (ceiling)", &|f| format!("{:.0}", f.ceiling_per_s));
    row(&mut s, "guests accepted through POST /api/v1/stays, /s", &|f| format!("{:.0}", f.api_per_s));
    row(&mut s, "API / ceiling", &|f| format!("{:.2}", f.ratio));
    row(&mut s, "one batch, p50 / p99 ms", &|f| format!("{:.1} / {:.1}", f.p50_ms, f.p99_ms));
    s
}
