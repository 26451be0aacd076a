//! Stay notifications over every backend: a batch is stored with late ones flagged, a batch with
//! any bad guest is refused whole with every error named, idempotency keys, the scope and the
//! jurisdiction of hosts' API clients, and the commune police's audited list.

use crate::{clone_as, invalid, pairs, seed};
use dinhdanh_app::AppError;
use dinhdanh_app::auth::{Principal, PrincipalKind, Role, Scope};
use dinhdanh_app::stay::{StayBatchRequest, StayOutcome};
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::error::{Invalid, Rule};
use dinhdanh_domain::person::{Jurisdiction, LifeStatus, Person};
use dinhdanh_domain::stay::{Guest, HostKind};
use dinhdanh_testkit::sample::{self, BA_DINH, BEN_THANH};
use dinhdanh_testkit::{TestApp, officer};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

fn guest(p: &Person, commune: &str, arrival: OffsetDateTime, days: i64) -> Guest {
    Guest {
        pin: p.pin,
        name: p.birth_name.clone(),
        place: sample::address(commune, "Phòng 305, 12 Lê Lợi"),
        arrival,
        departure: arrival.to_offset(dinhdanh_domain::stay::VIETNAM).date() + Duration::days(days),
        reason: "Du lịch".into(),
    }
}

fn request(key: Option<&str>, guests: Vec<Result<Guest, Invalid>>) -> StayBatchRequest {
    StayBatchRequest {
        idempotency_key: key.map(str::to_owned),
        host_kind: Ok(HostKind::Establishment),
        host_name: "Khách sạn Bến Thành".into(),
        guests,
    }
}

fn client(scopes: Vec<Scope>, jurisdiction: &str) -> Principal {
    Principal {
        id: Uuid::from_u128(0xc11e47),
        name: "khach-san-ben-thanh".into(),
        kind: PrincipalKind::ApiClient(scopes),
        jurisdiction: Jurisdiction::parse(jurisdiction).unwrap(),
    }
}

async fn listed(t: &TestApp, who: &Principal, commune: Option<&str>) -> Result<Vec<String>, AppError> {
    let from = datetime!(2026-08-25 00:00 +7);
    let to = datetime!(2026-09-02 00:00 +7);
    Ok(t.app.stays(who, commune, from, to, 100).await?.into_iter().map(|n| n.pin.to_string()).collect())
}

fn ok(r: Result<StayOutcome, AppError>) -> StayOutcome {
    r.unwrap_or_else(|e| panic!("stay batch refused: {e:?}"))
}

#[tokio::test]
async fn a_batch_is_stored_whole_with_late_guests_flagged() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        seed(&t, &man).await;
        seed(&t, &woman).await;
        let hcm = officer(Role::Officer, "province:79");
        // The clock reads 10:00 on 1 September in Hà Nội time.
        let on_time = datetime!(2026-09-01 08:00 +7);
        let yesterday = datetime!(2026-08-31 14:00 +7);
        let out = ok(t
            .app
            .notify_stays(
                &hcm,
                request(
                    None,
                    vec![Ok(guest(&man, BEN_THANH, on_time, 3)), Ok(guest(&woman, BEN_THANH, yesterday, 29))],
                ),
            )
            .await);
        assert!(!out.replayed, "{e:?}");
        let n = &out.batch.notifications;
        assert_eq!((n[0].late, n[1].late), (false, true), "{e:?}: 14:00 yesterday was due at 23:00 yesterday");
        assert_eq!(n[1].deadline, datetime!(2026-08-31 23:00 +7), "{e:?}");
        assert_eq!(n[0].guest_name, "Nguyễn Văn An", "{e:?}");
        // Audited like every write of personal data, one line per guest.
        let lines = t.app.store.audit_for_person(woman.id, 10).await.unwrap();
        assert!(lines.iter().any(|l| l.purpose == "stay_notification" && l.fields == "stay"), "{e:?}");
        assert_eq!(listed(&t, &hcm, Some(BEN_THANH)).await.unwrap(), [man.pin.to_string(), woman.pin.to_string()]);
    }
}

#[tokio::test]
async fn one_bad_guest_refuses_the_whole_batch_and_every_error_is_named() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        seed(&t, &man).await;
        seed(&t, &woman).await;
        let mut dead = clone_as(&man, 0xdead, "079090004321");
        dead.status = LifeStatus::Dead(PartialDate::Full(date!(2026 - 05 - 01)));
        seed(&t, &dead).await;
        let hcm = officer(Role::Officer, "province:79");
        let at = datetime!(2026-09-01 08:00 +7);
        let mut unknown = guest(&man, BEN_THANH, at, 2);
        unknown.pin = sample::pin("079090009999");
        let mut misnamed = guest(&woman, BEN_THANH, at, 2);
        misnamed.name = sample::name("Trần Thị Bích");
        let mut backwards = guest(&woman, BEN_THANH, at, -1);
        backwards.pin = man.pin;
        let batch = vec![
            Ok(guest(&woman, BEN_THANH, at, 2)),
            Ok(unknown),
            Ok(guest(&dead, BEN_THANH, at, 2)),
            Ok(backwards),
            Ok(guest(&woman, BEN_THANH, at, 30)),
            Ok(misnamed),
            Err(Invalid::one("place.unit", Rule::UnitUnknown)),
        ];
        let r = t.app.notify_stays(&hcm, request(Some("b-1"), batch)).await;
        assert_eq!(
            invalid(r),
            pairs(&[
                ("guests[1].pin", Rule::PinUnknown),
                ("guests[2].pin", Rule::PersonDead),
                ("guests[3].name", Rule::StayNameMismatch),
                ("guests[3].departure_on", Rule::StayDeparture),
                ("guests[4].pin", Rule::StayDuplicateGuest),
                ("guests[4].departure_on", Rule::StayTooLong),
                ("guests[5].pin", Rule::StayDuplicateGuest),
                ("guests[5].name", Rule::StayNameMismatch),
                ("guests[6].place.unit", Rule::UnitUnknown),
            ]),
            "{e:?}"
        );
        // Nothing written: not the good guest, not the key (it can be used for the fixed batch).
        assert!(listed(&t, &hcm, None).await.unwrap().is_empty(), "{e:?}");
        ok(t.app.notify_stays(&hcm, request(Some("b-1"), vec![Ok(guest(&woman, BEN_THANH, at, 2))])).await);

        // Empty and oversized batches; a host kind that is not one; a guest arriving tomorrow.
        let r = t.app.notify_stays(&hcm, request(None, vec![])).await;
        assert_eq!(invalid(r), pairs(&[("guests", Rule::StayBatchSize)]), "{e:?}");
        let many = (0..101).map(|_| Ok(guest(&woman, BEN_THANH, at, 2))).collect();
        let r = t.app.notify_stays(&hcm, request(None, many)).await;
        assert_eq!(invalid(r), pairs(&[("guests", Rule::StayBatchSize)]), "{e:?}");
        let mut bad_host = request(None, vec![Ok(guest(&woman, BEN_THANH, at + Duration::days(1), 2))]);
        bad_host.host_kind = Err(Rule::StayHostKind);
        let r = t.app.notify_stays(&hcm, bad_host).await;
        assert_eq!(
            invalid(r),
            pairs(&[("host_kind", Rule::StayHostKind), ("guests[0].arrival_at", Rule::DateInFuture)]),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn hosts_need_the_scope_stay_in_their_jurisdiction_and_may_repeat_a_batch() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        seed(&t, &man).await;
        seed(&t, &woman).await;
        let at = datetime!(2026-09-01 08:00 +7);
        let hotel = client(vec![Scope::StaysWrite], &format!("commune:{BEN_THANH}"));
        let reader = client(vec![Scope::PersonsRead, Scope::EventsWrite], "national");
        let batch = || request(Some("hotel-0001"), vec![Ok(guest(&man, BEN_THANH, at, 2))]);

        assert!(matches!(t.app.notify_stays(&reader, batch()).await, Err(AppError::Forbidden)), "{e:?}");
        let elsewhere = request(None, vec![Ok(guest(&man, BA_DINH, at, 2))]);
        assert!(matches!(t.app.notify_stays(&hotel, elsewhere).await, Err(AppError::Forbidden)), "{e:?}");

        let first = ok(t.app.notify_stays(&hotel, batch()).await);
        let again = ok(t.app.notify_stays(&hotel, batch()).await);
        assert!(again.replayed && !first.replayed, "{e:?}");
        assert_eq!(again.batch, first.batch, "{e:?}: the stored batch, not a new one");
        let other = request(Some("hotel-0001"), vec![Ok(guest(&woman, BEN_THANH, at, 2))]);
        let r = t.app.notify_stays(&hotel, other).await;
        assert!(matches!(r, Err(AppError::Conflict(Rule::IdempotencyKeyReused))), "{e:?}: {r:?}");
        let r = t.app.notify_stays(&hotel, request(Some("bad key!"), vec![Ok(guest(&man, BEN_THANH, at, 2))])).await;
        assert_eq!(invalid(r), pairs(&[("idempotency_key", Rule::IdempotencyKey)]), "{e:?}");

        // Hosts do not read the police's list; the commune police do, of their commune only.
        let hcm = officer(Role::Officer, &format!("commune:{BEN_THANH}"));
        let hanoi = officer(Role::Officer, &format!("commune:{BA_DINH}"));
        assert!(matches!(listed(&t, &hotel, None).await, Err(AppError::Forbidden)), "{e:?}");
        assert_eq!(listed(&t, &hcm, None).await.unwrap(), [man.pin.to_string()], "{e:?}");
        assert!(listed(&t, &hanoi, None).await.unwrap().is_empty(), "{e:?}");
        assert!(matches!(listed(&t, &hanoi, Some(BEN_THANH)).await, Err(AppError::Forbidden)), "{e:?}");
        let national = officer(Role::Supervisor, "national");
        assert_eq!(listed(&t, &national, None).await.unwrap().len(), 1, "{e:?}");
        assert_eq!(invalid(listed(&t, &national, Some("99999")).await), pairs(&[("commune", Rule::UnitUnknown)]));
        let reads = t.app.store.audit_for_person(man.id, 20).await.unwrap();
        assert_eq!(reads.iter().filter(|l| l.purpose == "stay_list").count(), 2, "{e:?}: each listed guest audited");
    }
}
