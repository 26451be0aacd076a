//! Events to other agencies: outbox rows written with the change, subscriptions, ordered
//! delivery with retries, dead letters and replay, over every backend.

use crate::{invalid, meta, pairs, seed};
use async_trait::async_trait;
use dinhdanh_app::audit::AuditAction;
use dinhdanh_app::auth::Role;
use dinhdanh_app::outbox::{
    NewSubscription, OutboxConfig, OutboxEvent, OutboxKind, ReplayFrom, WebhookRequest, WebhookSecret, WebhookSender,
};
use dinhdanh_app::ports::{ChangeSet, NewPerson};
use dinhdanh_app::{App, AppConfig, AppError};
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::error::Rule;
use dinhdanh_testkit::sample;
use dinhdanh_testkit::{SeededRng, TestApp, officer};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::macros::date;

/// Records what it is sent; answers 500 to the first `fail` requests.
#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<WebhookRequest>>,
    fail: AtomicUsize,
}

#[async_trait]
impl WebhookSender for Receiver {
    async fn send(&self, req: WebhookRequest) -> Result<u16, String> {
        if self.fail.load(Ordering::SeqCst) > 0 {
            self.fail.fetch_sub(1, Ordering::SeqCst);
            return Ok(500);
        }
        self.got.lock().unwrap().push(req);
        Ok(204)
    }
}

fn header<'a>(r: &'a WebhookRequest, name: &str) -> &'a str {
    r.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str()).expect(name)
}

fn body(r: &WebhookRequest) -> Value {
    serde_json::from_slice(&r.body).expect("json body")
}

/// (type, pin) of each request received.
fn received(rx: &Receiver) -> Vec<(String, String)> {
    rx.got
        .lock()
        .unwrap()
        .iter()
        .map(|r| {
            let b = body(r);
            (b["type"].as_str().unwrap().to_owned(), b["data"]["pin"].as_str().unwrap_or("").to_owned())
        })
        .collect()
}

fn app_with(t: &TestApp, outbox: OutboxConfig) -> Arc<App> {
    let config = AppConfig { outbox, ..AppConfig::default() };
    Arc::new(App::new(t.store.dyn_store(), t.clock.clone(), SeededRng::new(7), config))
}

fn loopback() -> OutboxConfig {
    OutboxConfig {
        allow_loopback_http: true,
        max_attempts: 3,
        base_backoff: Duration::from_secs(10),
        ..Default::default()
    }
}

fn request(kinds: &[&str], fields: &[&str]) -> NewSubscription {
    NewSubscription {
        name: "Bảo hiểm xã hội Việt Nam".into(),
        url: "http://127.0.0.1:9/hook".into(),
        kinds: kinds.iter().map(|s| s.to_string()).collect(),
        fields: fields.iter().map(|s| s.to_string()).collect(),
        legal_basis: "Luật Bảo hiểm xã hội 2024".into(),
    }
}

/// Rounds of delivery until nothing is due.
async fn drain(app: &App, sender: &Arc<dyn WebhookSender>) {
    for _ in 0..20 {
        let r = app.deliver_pending(sender).await.expect("delivery round");
        if r.attempted == 0 && r.fanned == 0 {
            return;
        }
    }
    panic!("delivery did not settle");
}

#[tokio::test]
async fn subscriptions_are_validated_and_only_administrators_manage_them() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let admin = officer(Role::Administrator, "national");
        let strict = app_with(&t, OutboxConfig::default());
        let r = strict
            .create_subscription(
                &admin,
                NewSubscription {
                    name: " ".into(),
                    url: "http://127.0.0.1:9/hook".into(),
                    kinds: vec!["person.death".into(), "person.nap".into()],
                    fields: vec!["pin".into(), "biometrics".into()],
                    legal_basis: "".into(),
                },
            )
            .await;
        assert_eq!(
            invalid(r),
            pairs(&[
                ("name", Rule::Required),
                ("legal_basis", Rule::LegalBasisRequired),
                ("url", Rule::WebhookUrl),
                ("kinds.1", Rule::EventKindUnknown),
                ("fields.1", Rule::EventFieldUnknown),
            ]),
            "{e:?}"
        );
        let r =
            strict.create_subscription(&admin, NewSubscription { kinds: vec![], fields: vec![], ..request(&[], &[]) });
        let r = invalid(r.await);
        assert!(
            r.contains(&("kinds".into(), Rule::Required)) && r.contains(&("fields".into(), Rule::Required)),
            "{e:?}"
        );
        assert!(strict.subscriptions(&admin).await.unwrap().is_empty(), "{e:?}: nothing written");
        for who in [officer(Role::Supervisor, "national"), officer(Role::Officer, "province:79")] {
            let r = strict.create_subscription(&who, request(&["person.death"], &["pin"])).await;
            assert!(matches!(r, Err(AppError::Forbidden)), "{e:?}");
            assert!(matches!(strict.subscriptions(&who).await, Err(AppError::Forbidden)), "{e:?}");
        }
        let (s, secret) = strict
            .create_subscription(
                &admin,
                NewSubscription { url: "https://bhxh.gov.vn/hook".into(), ..request(&["person.death"], &["pin"]) },
            )
            .await
            .expect("https endpoint");
        assert!(secret.starts_with("whsec_"), "{e:?}");
        assert_eq!(s.status.code(), "pending", "{e:?}");
        let approved = strict.approve_subscription(&admin, s.id).await.expect("approve");
        assert_eq!(
            (approved.status.code(), approved.approved_by.map(|a| a.name)),
            ("approved", Some(admin.name.clone()))
        );
        assert!(matches!(
            strict.approve_subscription(&admin, s.id).await,
            Err(AppError::Conflict(Rule::SubscriptionState))
        ));
        assert_eq!(strict.suspend_subscription(&admin, s.id).await.expect("suspend").status.code(), "suspended");
    }
}

#[tokio::test]
async fn life_events_are_written_with_their_change_and_nothing_without_it() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        seed(&t, &man).await;
        seed(&t, &woman).await;
        let clerk = officer(Role::Officer, "province:79");
        t.app
            .marry(&clerk, man.pin, woman.pin, date!(2026 - 08 - 01), meta("Luật Hôn nhân và gia đình 2014", ""))
            .await
            .unwrap();
        t.app
            .record_death(&clerk, man.pin, PartialDate::Full(date!(2026 - 08 - 20)), meta("Luật Hộ tịch 2014", ""))
            .await
            .unwrap();
        let events = t.app.store.outbox_after(0, 100).await.unwrap();
        let got: Vec<(OutboxKind, String, String)> = events
            .iter()
            .map(|s| {
                (
                    s.event.kind,
                    s.event.data["pin"].as_str().unwrap().to_owned(),
                    s.event.data["role"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (OutboxKind::Marriage, man.pin.to_string(), "spouse_a".into()),
                (OutboxKind::Marriage, woman.pin.to_string(), "spouse_b".into()),
                // The widowed spouse's record changes too, but the death is only the dead's event.
                (OutboxKind::Death, man.pin.to_string(), "pin".into()),
            ],
            "{e:?}"
        );
        assert_eq!(events[0].event.data["related_pins"], serde_json::json!([woman.pin.to_string()]), "{e:?}");
        assert!(events.windows(2).all(|w| w[0].seq < w[1].seq), "{e:?}");

        // A change set that fails writes none of its events.
        let before = events.len();
        let stray = OutboxEvent {
            id: uuid::Uuid::from_u128(77),
            kind: OutboxKind::Birth,
            person_id: woman.id,
            occurred_at: dinhdanh_app::ports::Clock::now(&*t.clock),
            data: Default::default(),
        };
        let duplicate = ChangeSet {
            inserts: vec![NewPerson { person: woman.clone(), valid_from: date!(1993 - 07 - 02) }],
            outbox: vec![stray],
            ..Default::default()
        };
        assert!(t.app.store.commit(duplicate).await.is_err(), "{e:?}: the person exists");
        assert_eq!(t.app.store.outbox_after(0, 100).await.unwrap().len(), before, "{e:?}: no event without its change");
    }
}

#[tokio::test]
async fn approved_subscriptions_get_their_kinds_in_order_with_allowed_fields_signed() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let app = app_with(&t, loopback());
        let rx = Arc::new(Receiver::default());
        let sender: Arc<dyn WebhookSender> = rx.clone();
        let admin = officer(Role::Administrator, "national");
        let clerk = officer(Role::Officer, "province:79");
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        seed(&t, &man).await;
        seed(&t, &woman).await;
        let (sub, secret) = app
            .create_subscription(
                &admin,
                request(&["person.marriage", "person.death", "person.birth"], &["pin", "effective_date"]),
            )
            .await
            .unwrap();
        // Pending: the marriage is committed but not delivered.
        app.marry(&clerk, man.pin, woman.pin, date!(2026 - 08 - 01), meta("Luật Hôn nhân và gia đình 2014", ""))
            .await
            .unwrap();
        drain(&app, &sender).await;
        assert!(received(&rx).is_empty(), "{e:?}: nothing before approval");

        app.approve_subscription(&admin, sub.id).await.unwrap();
        app.divorce(&clerk, man.pin, woman.pin, date!(2026 - 08 - 10), meta("Luật Hôn nhân và gia đình 2014", ""))
            .await
            .unwrap();
        let draft = sample::birth(
            "Nguyễn Văn Hòa",
            date!(2026 - 08 - 20),
            dinhdanh_domain::person::Sex::Male,
            Some(&man),
            Some(&woman),
        );
        let child = match app.register_birth(&clerk, draft).await.unwrap() {
            dinhdanh_app::register::BirthResult::Registered(p) => p.person.pin,
            other => panic!("{e:?}: {other:?}"),
        };
        app.record_death(&clerk, man.pin, PartialDate::Full(date!(2026 - 08 - 25)), meta("Luật Hộ tịch 2014", ""))
            .await
            .unwrap();
        drain(&app, &sender).await;
        let got = received(&rx);
        // Divorce is not a subscribed kind; the birth and the death are.
        let mut want =
            vec![("person.birth".to_owned(), child.to_string()), ("person.death".to_owned(), man.pin.to_string())];
        let mut sorted = got.clone();
        sorted.sort();
        want.sort();
        assert_eq!(sorted, want, "{e:?}");
        let secret = WebhookSecret::parse(&secret).unwrap();
        for r in rx.got.lock().unwrap().iter() {
            let b = body(r);
            let keys: Vec<&String> = b["data"].as_object().unwrap().keys().collect();
            assert_eq!(keys, ["effective_date", "pin"], "{e:?}: only the allowed fields");
            let ts: i64 = header(r, "webhook-timestamp").parse().unwrap();
            assert!(secret.verify(header(r, "webhook-id"), ts, &r.body, header(r, "webhook-signature")), "{e:?}");
            assert!(!secret.verify(header(r, "webhook-id"), ts + 1, &r.body, header(r, "webhook-signature")), "{e:?}");
        }
        // Each delivery is a disclosure of the person's data, audited.
        let audit = t.app.store.audit_for_person(man.id, 50).await.unwrap();
        let disclosed: Vec<_> = audit.iter().filter(|a| a.action == AuditAction::Disclose).collect();
        assert_eq!(disclosed.len(), 1, "{e:?}");
        assert_eq!(
            (disclosed[0].fields.as_str(), disclosed[0].purpose.as_str()),
            ("pin,effective_date", "person.death")
        );

        // Replay from the start: the marriage (before approval) now comes too, and each person's
        // events arrive in the order they happened.
        rx.got.lock().unwrap().clear();
        let n = app.replay(&admin, sub.id, ReplayFrom::Seq(0)).await.unwrap();
        assert_eq!(n, 4, "{e:?}: 2 marriages, the birth, the death");
        drain(&app, &sender).await;
        let man_events: Vec<String> =
            received(&rx).into_iter().filter(|(_, pin)| *pin == man.pin.to_string()).map(|(k, _)| k).collect();
        assert_eq!(man_events, ["person.marriage", "person.death"], "{e:?}");
        let ids: Vec<String> = rx.got.lock().unwrap().iter().map(|r| header(r, "webhook-id").to_owned()).collect();
        let events = app.store.outbox_after(0, 100).await.unwrap();
        for id in ids {
            assert!(events.iter().any(|s| s.event.id.to_string() == id), "{e:?}: webhook-id is the event id");
        }
    }
}

#[tokio::test]
async fn failures_back_off_hold_the_persons_later_events_and_end_as_dead_letters() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let app = app_with(&t, loopback());
        let rx = Arc::new(Receiver::default());
        let sender: Arc<dyn WebhookSender> = rx.clone();
        let admin = officer(Role::Administrator, "national");
        let clerk = officer(Role::Officer, "province:79");
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        seed(&t, &man).await;
        seed(&t, &woman).await;
        let (sub, _) =
            app.create_subscription(&admin, request(&["person.marriage", "person.divorce"], &["pin"])).await.unwrap();
        app.approve_subscription(&admin, sub.id).await.unwrap();
        app.marry(&clerk, man.pin, woman.pin, date!(2026 - 08 - 01), meta("Luật Hôn nhân và gia đình 2014", ""))
            .await
            .unwrap();
        app.divorce(&clerk, man.pin, woman.pin, date!(2026 - 08 - 10), meta("Luật Hôn nhân và gia đình 2014", ""))
            .await
            .unwrap();

        // The receiver answers 500: each person's marriage is tried, the divorces wait behind them.
        rx.fail.store(1000, Ordering::SeqCst);
        let r = app.deliver_pending(&sender).await.unwrap();
        assert_eq!((r.fanned, r.attempted, r.failed), (4, 2, 2), "{e:?}: only the head of each person's queue");
        let r = app.deliver_pending(&sender).await.unwrap();
        assert_eq!(r.attempted, 0, "{e:?}: nothing is due before the backoff");
        t.clock.advance(time::Duration::seconds(10));
        assert_eq!(app.deliver_pending(&sender).await.unwrap().failed, 2, "{e:?}: second attempt after 10 s");
        t.clock.advance(time::Duration::seconds(10));
        assert_eq!(app.deliver_pending(&sender).await.unwrap().attempted, 0, "{e:?}: the third waits 20 s");
        t.clock.advance(time::Duration::seconds(10));
        assert_eq!(app.deliver_pending(&sender).await.unwrap().dead, 2, "{e:?}: third failure is the last");
        let dead = app.dead_letters(&admin, sub.id).await.unwrap();
        assert_eq!(dead.iter().map(|d| (d.kind.as_str(), d.attempts)).collect::<Vec<_>>(), [("person.marriage", 3); 2]);
        assert_eq!(dead[0].last_error, "HTTP 500", "{e:?}");

        // The receiver recovers: the divorces, no longer held back, arrive; then the dead letters.
        rx.fail.store(0, Ordering::SeqCst);
        drain(&app, &sender).await;
        assert_eq!(received(&rx).iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["person.divorce"; 2], "{e:?}");
        assert_eq!(app.redeliver_dead(&admin, sub.id).await.unwrap(), 2, "{e:?}");
        drain(&app, &sender).await;
        assert_eq!(received(&rx).len(), 4, "{e:?}");
        let (_, counts) = app.subscription(&admin, sub.id).await.unwrap();
        assert_eq!((counts.pending, counts.delivered, counts.dead), (0, 4, 0), "{e:?}");
        assert!(app.dead_letters(&admin, sub.id).await.unwrap().is_empty(), "{e:?}");
    }
}
