//! `dinhdanh bench-events`: event delivery to an agency's receiver, next to a ceiling measured in
//! the same run.
//!
//! Per engine: N events are committed to the outbox (one per person, so per-person order never
//! holds a delivery back), one subscription to a receiver on 127.0.0.1 (axum, answering 204) is
//! approved, and the delivery rounds of the worker run until every event was acknowledged: fan-out
//! into the subscription's queue, the due query, the signed POST (Standard Webhooks), the outcome
//! and the audit line of each disclosure. The ceiling: the same signed requests posted straight
//! to the same receiver in rounds of the same size, with no database at all.

use anyhow::anyhow;
use dinhdanh_app::auth::Principal;
use dinhdanh_app::outbox::{NewSubscription, OutboxConfig, OutboxEvent, OutboxKind, WebhookSender};
use dinhdanh_app::ports::{ChangeSet, OsRng, Store, SystemClock};
use dinhdanh_app::{App, AppConfig};
use dinhdanh_domain::person::PersonId;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct Options {
    pub events: usize,
    pub postgres: Option<String>,
    pub work_dir: PathBuf,
}

#[derive(Default, serde::Serialize)]
pub struct Figures {
    pub engine: String,
    pub events: usize,
    /// Events acknowledged by the receiver per second through the delivery rounds.
    pub delivered_per_s: f64,
    /// The same signed requests posted straight to the receiver, per second.
    pub ceiling_per_s: f64,
    pub ratio: f64,
}

async fn receiver() -> anyhow::Result<(String, Arc<AtomicU64>)> {
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let c = c.clone();
            async move {
                c.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((format!("http://{addr}/hook"), count))
}

async fn engine(opts: &Options, engine: &str) -> anyhow::Result<Figures> {
    let err = |e: dinhdanh_app::ports::StoreError| anyhow!("{e}");
    let scratch =
        crate::bench::ScratchStore::open(engine, &opts.work_dir, opts.postgres.as_deref(), "dinhdanh_bench_events")
            .await?;
    let store = scratch.store.clone();
    let outbox = OutboxConfig { allow_loopback_http: true, ..Default::default() };
    let app =
        App::new(store.clone(), Arc::new(SystemClock), Arc::new(OsRng), AppConfig { outbox, ..Default::default() });
    let system = Principal::system("bench");
    let (url, count) = receiver().await?;
    let (sub, _) = app
        .create_subscription(
            &system,
            NewSubscription {
                name: "bench".into(),
                url,
                kinds: vec!["person.death".into()],
                fields: vec!["pin".into(), "full_name".into(), "effective_date".into()],
                legal_basis: "bench".into(),
            },
        )
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let sub = app.approve_subscription(&system, sub.id).await.map_err(|e| anyhow!("{e}"))?;
    eprintln!("[{engine}] committing {} events", opts.events);
    let now = time::OffsetDateTime::now_utc();
    for chunk in (0..opts.events).collect::<Vec<_>>().chunks(500) {
        let outbox = chunk
            .iter()
            .map(|i| {
                let mut data = serde_json::Map::new();
                data.insert("pin".into(), format!("079090{:06}", i % 1_000_000).into());
                data.insert("full_name".into(), "Nguyễn Văn An".into());
                data.insert("effective_date".into(), "2026-08-20".into());
                OutboxEvent {
                    id: uuid::Uuid::new_v4(),
                    kind: OutboxKind::Death,
                    person_id: PersonId(uuid::Uuid::new_v4()),
                    occurred_at: now,
                    data,
                }
            })
            .collect();
        store.commit(ChangeSet { outbox, ..Default::default() }).await.map_err(err)?;
    }
    let sender: Arc<dyn WebhookSender> = Arc::new(dinhdanh_web::webhooks::HttpSender::new(Duration::from_secs(10)));
    eprintln!("[{engine}] delivering");
    let start = Instant::now();
    while count.load(Ordering::Relaxed) < opts.events as u64 {
        let r = app.deliver_pending(&sender).await.map_err(|e| anyhow!("{e}"))?;
        if r.failed > 0 || r.dead > 0 {
            return Err(anyhow!("{} deliveries failed", r.failed + r.dead));
        }
        if start.elapsed() > Duration::from_secs(600) {
            return Err(anyhow!("delivery did not finish in 10 minutes"));
        }
    }
    let delivered_per_s = opts.events as f64 / start.elapsed().as_secs_f64();

    // The ceiling: the same requests, signed, straight to the receiver in rounds of the same size.
    let events = dinhdanh_app::outbox::OutboxStore::outbox_after(&*store, 0, opts.events as u32).await.map_err(err)?;
    let requests: Vec<_> = events.iter().map(|e| app.webhook_request(&sub, e)).collect();
    let before = count.load(Ordering::Relaxed);
    let start = Instant::now();
    for round in requests.chunks(app.config.outbox.batch as usize) {
        let mut tasks = tokio::task::JoinSet::new();
        for req in round {
            let (sender, req) = (sender.clone(), req.clone());
            tasks.spawn(async move { sender.send(req).await });
        }
        while let Some(r) = tasks.join_next().await {
            match r? {
                Ok(204) => {}
                other => return Err(anyhow!("ceiling request failed: {other:?}")),
            }
        }
    }
    let ceiling_per_s = requests.len() as f64 / start.elapsed().as_secs_f64();
    debug_assert_eq!(count.load(Ordering::Relaxed) - before, requests.len() as u64);
    drop(store);
    scratch.finish().await;
    Ok(Figures {
        engine: engine.to_owned(),
        events: opts.events,
        delivered_per_s,
        ceiling_per_s,
        ratio: delivered_per_s / ceiling_per_s,
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
    row(&mut s, "events", &|f| f.events.to_string());
    row(&mut s, "signed POSTs straight to the receiver, /s (ceiling)", &|f| format!("{:.0}", f.ceiling_per_s));
    row(&mut s, "events delivered, /s", &|f| format!("{:.0}", f.delivered_per_s));
    row(&mut s, "delivered / ceiling", &|f| format!("{:.2}", f.ratio));
    s
}
