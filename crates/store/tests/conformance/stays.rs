//! Stay notifications: a batch round-trips with its guests in order, a second batch under the same
//! sender and key fails and writes nothing, the police's filters select the same rows on both
//! engines, and a batch's persons are found by their numbers in one query.

use super::{NOW, actor, audit, create};
use dinhdanh_app::audit::AuditAction;
use dinhdanh_app::ports::{Store, StoreError};
use dinhdanh_app::stay::{StayBatch, StayNotification, StayQuery, StayStore};
use dinhdanh_domain::person::Person;
use dinhdanh_domain::stay::{HostKind, StayRules};
use dinhdanh_testkit::backends;
use dinhdanh_testkit::sample::{self, BA_DINH, BEN_THANH};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

fn notification(batch: Uuid, p: &Person, commune: &str, arrival: OffsetDateTime) -> StayNotification {
    let rules = StayRules::default();
    StayNotification {
        id: Uuid::new_v4(),
        batch_id: batch,
        person_id: p.id,
        pin: p.pin,
        guest_name: p.birth_name.as_str().to_owned(),
        host_kind: HostKind::Establishment,
        host_name: "Khách sạn Sông Hồng".into(),
        place: sample::address(commune, "Phòng 305"),
        arrival_at: arrival,
        departure_on: date!(2026 - 09 - 03),
        reason: "Du lịch".into(),
        deadline: rules.deadline(arrival),
        notified_at: NOW,
        late: rules.is_late(arrival, NOW),
        notified_by: actor(),
    }
}

fn batch(key: Option<&str>, notifications: Vec<StayNotification>) -> StayBatch {
    StayBatch {
        id: notifications.first().map(|n| n.batch_id).unwrap_or_else(Uuid::new_v4),
        idempotency_key: key.map(str::to_owned),
        digest: "d".repeat(64),
        actor: actor(),
        created_at: NOW,
        notifications,
    }
}

fn query(commune: Option<&str>, province: Option<&str>) -> StayQuery {
    StayQuery {
        commune: commune.map(str::to_owned),
        province: province.map(str::to_owned),
        from: datetime!(2026-08-30 17:00 UTC),
        to: datetime!(2026-09-01 17:00 UTC),
        limit: 100,
    }
}

#[tokio::test]
async fn batches_round_trip_keys_are_unique_and_lists_filter_by_place_and_time() {
    for t in backends().await {
        let e = t.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        create(&t, &man).await;
        create(&t, &woman).await;

        let id = Uuid::new_v4();
        let early = datetime!(2026-09-01 08:00 +7);
        let night = datetime!(2026-08-31 23:30 +7);
        let b = batch(
            Some("k-1"),
            vec![notification(id, &man, BEN_THANH, early), notification(id, &woman, BA_DINH, night)],
        );
        let lines = b.notifications.iter().map(|n| audit(Some(n.person_id), AuditAction::Create, None)).collect();
        t.store.insert_stay_batch(&b, lines).await.unwrap_or_else(|err| panic!("{e:?}: {err}"));
        let back = t.store.stay_batch(actor().id, "k-1").await.unwrap().unwrap_or_else(|| panic!("{e:?}"));
        assert_eq!(back, b, "{e:?}: the batch reads back as written, guests in order");
        assert!(back.notifications[1].late, "{e:?}: 23:30 notified at 10:00 the next day is late");
        assert!(t.store.stay_batch(actor().id, "k-2").await.unwrap().is_none(), "{e:?}");
        assert!(t.store.stay_batch(Uuid::from_u128(5), "k-1").await.unwrap().is_none(), "{e:?}: keys are per sender");
        assert_eq!(t.store.audit_for_person(man.id, 10).await.unwrap().len(), 2, "{e:?}: creation + stay");

        // The same sender and key again: refused as a duplicate, nothing of it written.
        let again = batch(Some("k-1"), vec![notification(Uuid::new_v4(), &man, BEN_THANH, early)]);
        let lines = vec![audit(Some(man.id), AuditAction::Create, None)];
        let r = t.store.insert_stay_batch(&again, lines).await;
        assert!(matches!(r, Err(StoreError::Duplicate(_))), "{e:?}: {r:?}");
        assert_eq!(t.store.audit_for_person(man.id, 10).await.unwrap().len(), 2, "{e:?}: no audit line either");
        // Batches without a key never collide.
        for _ in 0..2 {
            let free = batch(None, vec![notification(Uuid::new_v4(), &man, BEN_THANH, early - Duration::days(3))]);
            t.store.insert_stay_batch(&free, vec![]).await.unwrap_or_else(|err| panic!("{e:?}: {err}"));
        }

        // The police's lists: by commune, by province, everywhere; the period bounds arrivals.
        let ids = |v: Vec<StayNotification>| v.into_iter().map(|n| n.pin.to_string()).collect::<Vec<_>>();
        let list = |q: StayQuery| {
            let s = t.store.clone();
            async move { ids(s.stays(&q).await.unwrap()) }
        };
        assert_eq!(list(query(Some(BEN_THANH), None)).await, [man.pin.to_string()], "{e:?}");
        assert_eq!(list(query(None, Some("01"))).await, [woman.pin.to_string()], "{e:?}");
        assert_eq!(list(query(None, Some("79"))).await, [man.pin.to_string()], "{e:?}");
        assert_eq!(list(query(None, None)).await, [man.pin.to_string(), woman.pin.to_string()], "{e:?}: newest first");
        let mut wider = query(Some(BEN_THANH), None);
        wider.from -= Duration::days(5);
        assert_eq!(list(wider.clone()).await.len(), 3, "{e:?}: the two batches without a key");
        wider.limit = 2;
        assert_eq!(list(wider).await.len(), 2, "{e:?}: the limit holds");

        // One query finds a batch's persons; unknown numbers are simply absent.
        let found = t.store.persons_by_pins(&[man.pin, sample::pin("079090009999"), woman.pin]).await.unwrap();
        let mut found: Vec<String> = found.into_iter().map(|p| p.pin.to_string()).collect();
        found.sort();
        let mut want = vec![man.pin.to_string(), woman.pin.to_string()];
        want.sort();
        assert_eq!(found, want, "{e:?}");
    }
}
