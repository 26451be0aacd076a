//! Event subscriptions through the API and delivery over real HTTP to a receiver started here:
//! each person's events arrive in order, a failing receiver gets them again, signatures verify,
//! dead letters and replay.

use super::*;
use axum::extract::State as AxState;
use axum::routing::post;
use dinhdanh_app::outbox::{OutboxConfig, WebhookSecret, WebhookSender};
use dinhdanh_app::{App, AppConfig};
use dinhdanh_testkit::{SeededRng, TestStore};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Requests accepted: headers and body.
type Log = Arc<Mutex<Vec<(axum::http::HeaderMap, Vec<u8>)>>>;

#[derive(Clone, Default)]
struct Receiver {
    got: Log,
    fail: Arc<AtomicUsize>,
    calls: Arc<AtomicUsize>,
}

async fn hook(AxState(r): AxState<Receiver>, headers: axum::http::HeaderMap, body: axum::body::Bytes) -> StatusCode {
    r.calls.fetch_add(1, Ordering::SeqCst);
    if r.fail.load(Ordering::SeqCst) > 0 {
        r.fail.fetch_sub(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    r.got.lock().unwrap().push((headers, body.to_vec()));
    StatusCode::NO_CONTENT
}

async fn start_receiver() -> (Receiver, std::net::SocketAddr) {
    let r = Receiver::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/hook", post(hook)).with_state(r.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (r, addr)
}

fn test_app(store: TestStore) -> TestApp {
    let mut t = TestApp::new(store);
    let outbox = OutboxConfig {
        allow_loopback_http: true,
        base_backoff: std::time::Duration::from_secs(30),
        ..Default::default()
    };
    let config = AppConfig { client_cache_ttl: time::Duration::ZERO, outbox, ..AppConfig::default() };
    t.app =
        Arc::new(App::new(t.store.dyn_store(), t.clock.clone(), SeededRng::new(42), config).with_sms(t.outbox.clone()));
    t
}

/// (type, pin, webhook-id) of what the receiver accepted, in arrival order.
fn accepted(r: &Receiver, secret: &WebhookSecret) -> Vec<(String, String, String)> {
    r.got
        .lock()
        .unwrap()
        .iter()
        .map(|(h, body)| {
            let id = h["webhook-id"].to_str().unwrap();
            let ts: i64 = h["webhook-timestamp"].to_str().unwrap().parse().unwrap();
            let sig = h["webhook-signature"].to_str().unwrap();
            assert!(secret.verify(id, ts, body, sig), "signature of {id}");
            assert_eq!(h[header::CONTENT_TYPE], "application/json");
            let v: Value = serde_json::from_slice(body).unwrap();
            let keys: BTreeSet<&str> = v["data"].as_object().unwrap().keys().map(String::as_str).collect();
            assert!(keys.is_subset(&BTreeSet::from(["pin", "effective_date", "role"])), "{v}");
            (v["type"].as_str().unwrap().to_owned(), v["data"]["pin"].as_str().unwrap().to_owned(), id.to_owned())
        })
        .collect()
}

async fn deliver_until(e: &Env, sender: &Arc<dyn WebhookSender>, r: &Receiver, n: usize) {
    for _ in 0..30 {
        e.t.app.deliver_pending(sender).await.expect("delivery round");
        if r.got.lock().unwrap().len() >= n {
            return;
        }
        e.t.clock.advance(time::Duration::seconds(30));
    }
    panic!("{} of {n} events arrived", r.got.lock().unwrap().len());
}

#[tokio::test]
async fn subscribed_agencies_receive_signed_events_in_order_per_person_after_failures() {
    let mut stores = vec![TestStore::sqlite().await];
    if let Some(url) = dinhdanh_testkit::postgres_url() {
        stores.push(TestStore::postgres(&url).await);
    }
    for store in stores {
        let eng = store.engine;
        let e = env(test_app(store)).await;
        let (rx, addr) = start_receiver().await;
        let sender: Arc<dyn WebhookSender> =
            Arc::new(dinhdanh_web::webhooks::HttpSender::new(std::time::Duration::from_secs(5)));
        let url = format!("http://{addr}/hook");
        let sub = json!({
            "name": "Bảo hiểm xã hội Việt Nam",
            "url": url,
            "kinds": ["person.birth", "person.marriage", "person.divorce"],
            "fields": ["pin", "effective_date", "role"],
            "legal_basis": "Luật Bảo hiểm xã hội 2024",
        });
        for who in ["officer", "supervisor", "client_read"] {
            e.expect("post", "/api/v1/admin/subscriptions", who, Some(sub.clone()), 403).await;
        }
        let mut bad = sub.clone();
        bad["url"] = json!("http://bhxh.example/hook");
        bad["kinds"] = json!(["person.birth", "person.nap"]);
        let r = e.expect("post", "/api/v1/admin/subscriptions", "admin", Some(bad), 422).await;
        assert!(
            has_field(&r, "url", "subscription.url") && has_field(&r, "kinds.1", "subscription.event_kind"),
            "{eng:?}: {r}"
        );
        assert_eq!(e.expect("get", "/api/v1/admin/subscriptions", "admin", None, 200).await, json!([]), "{eng:?}");

        let created = e.expect("post", "/api/v1/admin/subscriptions", "admin", Some(sub), 201).await;
        let secret = WebhookSecret::parse(created["secret"].as_str().unwrap()).unwrap();
        let id = created["subscription"]["id"].as_str().unwrap().to_owned();
        assert_eq!(created["subscription"]["status"], "pending");
        let base = format!("/api/v1/admin/subscriptions/{id}");
        e.expect("post", &format!("{base}/approve"), "supervisor", None, 403).await;
        let approved = e.expect("post", &format!("{base}/approve"), "admin", None, 200).await;
        assert_eq!(approved["status"], "approved", "{eng:?}");

        let wed = json!({"spouse_pin": WOMAN, "date": "2026-06-01"});
        e.expect("post", &format!("/api/v1/persons/{MAN}/events/marriage"), "officer", Some(wed.clone()), 200).await;
        e.expect(
            "post",
            &format!("/api/v1/persons/{MAN}/events/divorce"),
            "officer",
            Some(json!({"spouse_pin": WOMAN, "date": "2026-07-01"})),
            200,
        )
        .await;
        let r = e.expect("post", "/api/v1/births", "officer", Some(birth("Nguyễn Minh Khang")), 201).await;
        let child = r["person"]["pin"].as_str().unwrap().to_owned();

        // The receiver is down for the first three requests.
        rx.fail.store(3, Ordering::SeqCst);
        deliver_until(&e, &sender, &rx, 5).await;
        let got = accepted(&rx, &secret);
        assert_eq!(got.len(), 5, "{eng:?}: {got:?}");
        assert!(rx.calls.load(Ordering::SeqCst) >= 8, "{eng:?}: three refused, then five accepted");
        for pin in [MAN, WOMAN] {
            let kinds: Vec<&str> = got.iter().filter(|g| g.1 == pin).map(|g| g.0.as_str()).collect();
            assert_eq!(kinds, ["person.marriage", "person.divorce"], "{eng:?}: {pin} in order");
        }
        assert!(got.iter().any(|g| g.0 == "person.birth" && g.1 == child), "{eng:?}");
        let ids: BTreeSet<&str> = got.iter().map(|g| g.2.as_str()).collect();
        assert_eq!(ids.len(), 5, "{eng:?}: one id per event");

        let s = e.expect("get", &base, "admin", None, 200).await;
        assert_eq!((s["delivered"].as_u64(), s["pending"].as_u64(), s["dead"].as_u64()), (Some(5), Some(0), Some(0)));
        assert_eq!(e.expect("get", &format!("{base}/dead-letters"), "admin", None, 200).await, json!([]));

        // Replay from the start: the same events again, under the same ids.
        let r = e
            .expect(
                "post",
                &format!("{base}/replay"),
                "admin",
                Some(json!({"from_sequence": 1, "from_time": "2026-01-01T00:00:00Z"})),
                422,
            )
            .await;
        assert!(has_field(&r, "from_sequence", "replay.from"), "{r}");
        e.expect("post", &format!("{base}/replay"), "officer", Some(json!({"from_sequence": 0})), 403).await;
        let r = e
            .expect("post", &format!("{base}/replay"), "admin", Some(json!({"from_time": "2026-01-01T00:00:00Z"})), 200)
            .await;
        assert_eq!(r["queued"], 5, "{eng:?}");
        deliver_until(&e, &sender, &rx, 10).await;
        let again = accepted(&rx, &secret);
        let first: BTreeSet<&str> = again[..5].iter().map(|g| g.2.as_str()).collect();
        let second: BTreeSet<&str> = again[5..].iter().map(|g| g.2.as_str()).collect();
        assert_eq!(first, second, "{eng:?}: replays carry the events' ids");

        let s = e.expect("post", &format!("{base}/suspend"), "admin", None, 200).await;
        assert_eq!(s["status"], "suspended");
    }
}
