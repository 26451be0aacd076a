//! Birth registration, life events, corrections, history, audit and search.

use crate::{clone_as, invalid, meta, pairs, seed, stored, stored_pin};
use dinhdanh_app::App;
use dinhdanh_app::audit::AuditAction;
use dinhdanh_app::auth::Principal;
use dinhdanh_app::auth::Role;
use dinhdanh_app::ports::{CaseStatus, EventKind, Rng, SearchPage, StoredPerson};
use dinhdanh_app::register::{BirthResult, Decision, SearchInput};
use dinhdanh_app::{AppError, AppResult};
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::events::Correction;
use dinhdanh_domain::person::{BirthRegistration, Field, LifeStatus, MaritalStatus, Person, RelationKind, Sex};
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_testkit::sample::{self, BA_DINH};
use dinhdanh_testkit::{SeededRng, TestApp, officer};
use std::collections::BTreeSet;
use std::sync::Arc;
use time::macros::date;

fn registered(r: Result<BirthResult, AppError>, engine: dinhdanh_testkit::Engine) -> StoredPerson {
    match r {
        Ok(BirthResult::Registered(p)) => *p,
        other => panic!("{engine:?}: expected a registration, got {other:?}"),
    }
}

fn links(p: &Person, kind: RelationKind) -> Vec<Option<PersonalNumber>> {
    p.relatives_of(kind).map(|r| r.pin).collect()
}

#[tokio::test]
async fn birth_links_parents_and_duplicates_go_to_adjudication() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        seed(&t, &man).await;
        seed(&t, &woman).await;
        let clerk = officer(Role::Officer, "province:79");
        let dob = date!(2026 - 08 - 20);
        let draft = sample::birth("Nguyễn Văn Hòa", dob, Sex::Male, Some(&man), Some(&woman));
        let child = registered(t.app.register_birth(&clerk, draft).await, e);
        let c = &child.person;
        // 079: Hồ Chí Minh City; 2: male born 2000–2099; 26: 2026.
        assert_eq!(&c.pin.as_str()[..6], "079226", "{e:?}");
        assert_eq!((c.sex, c.date_of_birth, child.exists_from), (Sex::Male, PartialDate::Full(dob), dob), "{e:?}");
        assert_eq!(c.birth_name.as_str(), "Nguyễn Văn Hòa", "{e:?}");
        assert_eq!(links(c, RelationKind::Father), [Some(man.pin)], "{e:?}");
        assert_eq!(links(c, RelationKind::Mother), [Some(woman.pin)], "{e:?}");
        for parent in [&man, &woman] {
            let p = stored(&t, parent.id).await;
            assert_eq!(links(&p.person, RelationKind::Child), [Some(c.pin)], "{e:?}: parent gets the child");
            assert_eq!(p.version, 2, "{e:?}");
            let h = t.app.store.person_history(parent.id).await.expect("history");
            assert_eq!(h[0].event_kind, EventKind::BirthRegistration, "{e:?}");
            assert_eq!(h[0].changes.iter().map(|c| c.field).collect::<Vec<_>>(), [Field::Relatives], "{e:?}");
        }
        let audit = t.app.store.audit_for_person(c.id, 10).await.expect("audit");
        assert_eq!(audit.iter().map(|a| a.action).collect::<Vec<_>>(), [AuditAction::Create], "{e:?}");
        let h = t.app.store.person_history(c.id).await.expect("history");
        assert_eq!(h.len(), 1, "{e:?}");
        assert_eq!(audit[0].event_id, Some(h[0].event_id), "{e:?}: the audit line names the event");
        assert_eq!(
            (h[0].event_kind, h[0].legal_basis.as_str()),
            (EventKind::BirthRegistration, "Luật Hộ tịch 2014, Điều 16")
        );

        // The same child again, its name written with the other accent placement: a case, not a record.
        let again = sample::birth("Nguyễn Văn Hoà", dob, Sex::Male, Some(&man), Some(&woman));
        let case_id = match t.app.register_birth(&clerk, again.clone()).await {
            Ok(BirthResult::NeedsAdjudication(id)) => id,
            other => panic!("{e:?}: expected adjudication, got {other:?}"),
        };
        assert_eq!(t.app.store.count_persons().await.expect("count"), 3, "{e:?}: not created twice");
        assert_eq!(stored(&t, man.id).await.version, 2, "{e:?}: parents untouched");
        let sup = officer(Role::Supervisor, "province:79");
        let cases = t.app.cases(&sup, Some(CaseStatus::Pending)).await.expect("cases");
        assert_eq!(cases.iter().map(|c| c.id).collect::<Vec<_>>(), [case_id], "{e:?}");
        assert_eq!(cases[0].matches, [c.id], "{e:?}");
        assert!(t.app.cases(&officer(Role::Supervisor, "province:01"), None).await.expect("cases").is_empty());

        let decided = t.app.decide(&sup, case_id, Decision::Duplicate, "cùng một trẻ").await.expect("decide");
        assert_eq!((decided.status, decided.person_id), (CaseStatus::Duplicate, Some(c.id)), "{e:?}");
        assert_eq!(
            invalid(t.app.decide(&sup, case_id, Decision::Create, "").await),
            pairs(&[("decision", Rule::AlreadyDecided)]),
            "{e:?}"
        );
        assert_eq!(t.app.store.count_persons().await.expect("count"), 3, "{e:?}");

        // Twins with the same name do exist: an officer creates the second record.
        let case2 = match t.app.register_birth(&clerk, again).await {
            Ok(BirthResult::NeedsAdjudication(id)) => id,
            other => panic!("{e:?}: expected adjudication, got {other:?}"),
        };
        // Opening a case shows the candidate's data: the read leaves an audit line.
        let lines = t.store.store.audit_count().await.expect("audit count");
        t.app.case(&sup, case2).await.expect("open case");
        assert_eq!(t.store.store.audit_count().await.expect("audit count"), lines + 1, "{e:?}");
        let decided = t.app.decide(&sup, case2, Decision::Create, "sinh đôi").await.expect("decide");
        assert_eq!(decided.status, CaseStatus::Created, "{e:?}");
        let twin = stored(&t, decided.person_id.expect("created person")).await;
        assert_eq!(&twin.person.pin.as_str()[..6], "079226", "{e:?}");
        assert_ne!(twin.person.pin, c.pin, "{e:?}");
        let stored_case = t.app.store.case(case2).await.expect("case").expect("found");
        assert_eq!((stored_case.status, stored_case.person_id), (CaseStatus::Created, Some(twin.person.id)), "{e:?}");
        let mother = stored(&t, woman.id).await;
        let kids: BTreeSet<_> = links(&mother.person, RelationKind::Child).into_iter().flatten().collect();
        assert_eq!(kids, BTreeSet::from([c.pin, twin.person.pin]), "{e:?}");
        assert_eq!(t.app.store.count_persons().await.expect("count"), 4, "{e:?}");
    }
}

/// Draws random parts from a range of 64 numbers, so concurrent allocations collide often.
struct NarrowRng(Arc<SeededRng>);

impl Rng for NarrowRng {
    fn fill(&self, buf: &mut [u8]) {
        self.0.fill(buf)
    }
    fn below(&self, n: u32) -> u32 {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        u32::from_le_bytes(b) % 64.min(n)
    }
}

#[tokio::test]
async fn concurrent_registrations_get_distinct_numbers() {
    const SURNAMES: [&str; 5] = ["Nguyễn", "Trần", "Lê", "Phạm", "Võ"];
    const GIVEN: [&str; 10] = ["An", "Bình", "Cường", "Dũng", "Hải", "Khang", "Long", "Minh", "Nam", "Phúc"];
    for t in TestApp::all().await {
        let e = t.store.engine;
        let app = narrow_app(&t);
        let clerk = officer(Role::Officer, "commune:26743");
        let mut tasks = Vec::new();
        for i in 0..50 {
            let app = app.clone();
            let clerk = clerk.clone();
            let name = format!("{} Văn {}", SURNAMES[i % 5], GIVEN[i / 5]);
            let draft = sample::birth(&name, date!(2026 - 08 - 01), Sex::Male, None, None);
            tasks.push(tokio::spawn(async move { app.register_birth(&clerk, draft).await }));
        }
        let mut pins = BTreeSet::new();
        for task in tasks {
            let p = registered(task.await.expect("join"), e);
            assert_eq!(&p.person.pin.as_str()[..6], "079226", "{e:?}");
            assert!(p.person.pin.random_part() < 64, "{e:?}");
            pins.insert(p.person.pin);
        }
        assert_eq!(pins.len(), 50, "{e:?}: every registration has its own number");
        assert_eq!(t.app.store.count_persons().await.expect("count"), 50, "{e:?}");
    }
}

fn woman_in(id: u128, pin: &str, name: &str) -> Person {
    let mut w = clone_as(&sample::adult_woman(), id, pin);
    w.birth_name = sample::name(name);
    w
}

#[tokio::test]
async fn marriage_divorce_death_and_missing() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        let other = woman_in(10, "079195000010", "Lê Thị Mai");
        for p in [&man, &woman, &other] {
            seed(&t, p).await;
        }
        let clerk = officer(Role::Officer, "province:79");
        let wed = date!(2026 - 08 - 01);
        let m = meta("Luật Hôn nhân và gia đình 2014", "đăng ký kết hôn");
        let out = t.app.marry(&clerk, man.pin, woman.pin, wed, m.clone()).await.expect("marry");
        assert_eq!(out.len(), 2, "{e:?}");
        for (p, spouse) in [(&man, &woman), (&woman, &man)] {
            let s = stored(&t, p.id).await;
            assert_eq!(s.person.marital_status, MaritalStatus::Married, "{e:?}");
            assert_eq!(links(&s.person, RelationKind::Spouse), [Some(spouse.pin)], "{e:?}");
            assert_eq!(s.version, 2, "{e:?}");
        }
        assert_eq!(
            invalid(t.app.marry(&clerk, man.pin, other.pin, wed, m.clone()).await),
            pairs(&[("spouse_a", Rule::AlreadyMarried)]),
            "{e:?}"
        );
        assert_eq!(
            invalid(t.app.marry(&clerk, man.pin, woman.pin, wed, m.clone()).await),
            pairs(&[("spouse_a", Rule::AlreadyMarried), ("spouse_b", Rule::AlreadyMarried)]),
            "{e:?}"
        );
        assert_eq!(stored(&t, man.id).await.version, 2, "{e:?}: a refused marriage writes nothing");
        assert_eq!(stored(&t, other.id).await.version, 1, "{e:?}");
        assert_eq!(t.app.store.person_history(other.id).await.expect("history").len(), 1, "{e:?}");

        t.app.divorce(&clerk, man.pin, woman.pin, date!(2026 - 08 - 15), m.clone()).await.expect("divorce");
        for p in [&man, &woman] {
            let s = stored(&t, p.id).await;
            assert_eq!(s.person.marital_status, MaritalStatus::Divorced, "{e:?}");
            assert!(links(&s.person, RelationKind::Spouse).is_empty(), "{e:?}");
        }
        t.app.marry(&clerk, man.pin, other.pin, date!(2026 - 08 - 20), m.clone()).await.expect("remarry");

        let death = PartialDate::Full(date!(2026 - 08 - 30));
        let out = t.app.record_death(&clerk, man.pin, death, meta("Luật Hộ tịch", "khai tử")).await.expect("death");
        assert_eq!(out.len(), 2, "{e:?}: the spouse is updated in the same event");
        let dead = stored(&t, man.id).await;
        assert_eq!(dead.person.status, LifeStatus::Dead(death), "{e:?}");
        let widow = stored(&t, other.id).await;
        assert_eq!(widow.person.marital_status, MaritalStatus::Widowed, "{e:?}");
        assert!(links(&widow.person, RelationKind::Spouse).is_empty(), "{e:?}");
        let h = t.app.store.person_history(other.id).await.expect("history");
        assert_eq!(h[0].event_kind, EventKind::Death, "{e:?}");
        assert_eq!(h[0].effective_date, date!(2026 - 08 - 30), "{e:?}");
        assert_eq!((h[0].legal_basis.as_str(), h[0].reason.as_str()), ("Luật Hộ tịch", "khai tử"), "{e:?}");

        // Nothing more happens to a dead person.
        let version = dead.version;
        let history_len = t.app.store.person_history(man.id).await.expect("history").len();
        assert_eq!(
            invalid(t.app.record_death(&clerk, man.pin, death, meta("x", "y")).await),
            pairs(&[("pin", Rule::PersonDead)]),
            "{e:?}"
        );
        assert_eq!(
            invalid(t.app.declare_missing(&clerk, man.pin, death, meta("x", "y")).await),
            pairs(&[("pin", Rule::PersonDead)]),
            "{e:?}"
        );
        assert_eq!(
            invalid(t.app.marry(&clerk, man.pin, woman.pin, date!(2026 - 08 - 31), m.clone()).await),
            pairs(&[("spouse_a", Rule::PersonDead)]),
            "{e:?}"
        );
        let fix = Correction { phone: Some(None), ..Default::default() };
        let sup = officer(Role::Supervisor, "province:79");
        assert_eq!(
            invalid(t.app.correct(&sup, man.pin, fix, meta("a", "b"), false).await),
            pairs(&[("pin", Rule::PersonDead)]),
            "{e:?}"
        );
        assert_eq!(stored(&t, man.id).await.version, version, "{e:?}");
        assert_eq!(t.app.store.person_history(man.id).await.expect("history").len(), history_len, "{e:?}");

        let missing = PartialDate::parse("2025-12").expect("date");
        t.app
            .declare_missing(&clerk, woman.pin, missing, meta("Bộ luật Dân sự, Điều 68", "tòa tuyên bố"))
            .await
            .expect("missing");
        assert_eq!(stored(&t, woman.id).await.person.status, LifeStatus::Missing(missing), "{e:?}");
        assert_eq!(
            invalid(t.app.declare_missing(&clerk, woman.pin, missing, meta("x", "y")).await),
            pairs(&[("pin", Rule::PersonMissing)]),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn corrections_keep_history_and_reestablish_the_number() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        seed(&t, &man).await;
        seed(&t, &woman).await;
        let clerk = officer(Role::Officer, "province:79");
        let sup = officer(Role::Supervisor, "province:79");
        t.app.marry(&clerk, man.pin, woman.pin, date!(2026 - 07 - 01), meta("L", "kết hôn")).await.expect("marry");
        let child = registered(
            t.app
                .register_birth(
                    &clerk,
                    sample::birth("Nguyễn Thị Lan", date!(2026 - 08 - 10), Sex::Female, Some(&man), Some(&woman)),
                )
                .await,
            e,
        );

        // A plain correction needs a reason and a legal basis.
        let fix = Correction { birth_name: Some(sample::name("Trần Thị Bích Hoa")), ..Default::default() };
        assert_eq!(
            invalid(t.app.correct(&sup, woman.pin, fix.clone(), meta("", " "), false).await),
            pairs(&[("legal_basis", Rule::LegalBasisRequired), ("reason", Rule::ReasonRequired)]),
            "{e:?}"
        );
        let basis = "Luật Hộ tịch 2014, Điều 7";
        t.app.correct(&sup, woman.pin, fix, meta(basis, "sai chính tả"), false).await.expect("correct");
        let h = t.app.history(&sup, &woman.pin).await.expect("history");
        assert_eq!(h[0].event_kind, EventKind::Correction, "{e:?}");
        assert_eq!((h[0].legal_basis.as_str(), h[0].reason.as_str()), (basis, "sai chính tả"), "{e:?}");
        assert_eq!(h[0].actor, sup.name, "{e:?}");
        assert_eq!(h[0].recorded_at, t.app.clock.now(), "{e:?}");
        assert_eq!(h[0].changes.len(), 1, "{e:?}");
        assert_eq!(
            (h[0].changes[0].field, h[0].changes[0].old.as_str(), h[0].changes[0].new.as_str()),
            (Field::BirthName, "Trần Thị Bích Hòa", "Trần Thị Bích Hoa"),
            "{e:?}"
        );
        let kinds: Vec<_> = h.iter().map(|x| x.event_kind).collect();
        assert_eq!(
            kinds,
            [EventKind::Correction, EventKind::BirthRegistration, EventKind::Marriage, EventKind::Import],
            "{e:?}"
        );
        let before = t.app.person(&sup, &woman.pin, Some(date!(2026 - 08 - 31)), None).await.expect("as of");
        assert_eq!(before.stored.person.birth_name.as_str(), "Trần Thị Bích Hòa", "{e:?}: as of before the correction");
        assert_eq!(before.as_of, Some(date!(2026 - 08 - 31)), "{e:?}");
        let before_wedding = t.app.person(&sup, &woman.pin, Some(date!(2026 - 06 - 30)), None).await.expect("as of");
        assert_eq!(before_wedding.stored.person.marital_status, MaritalStatus::Single, "{e:?}");
        assert!(before_wedding.stored.person.relatives.is_empty(), "{e:?}");
        let now = t.app.person(&sup, &woman.pin, None, None).await.expect("read");
        assert_eq!(now.stored.person.birth_name.as_str(), "Trần Thị Bích Hoa", "{e:?}");

        // Correcting the year of birth re-establishes the number; the old one still leads here.
        let old = man.pin;
        let fix = Correction { date_of_birth: Some(PartialDate::Full(date!(1991 - 03 - 15))), ..Default::default() };
        assert!(matches!(
            t.app.correct(&clerk, old, fix.clone(), meta(basis, "sai năm sinh"), false).await,
            Err(AppError::Forbidden)
        ));
        let out = t.app.correct(&sup, old, fix, meta(basis, "sai năm sinh"), false).await.expect("correct");
        assert_eq!(out.len(), 3, "{e:?}: the man, his wife and his child");
        let p = stored(&t, man.id).await.person;
        assert_eq!(&p.pin.as_str()[..6], "079091", "{e:?}");
        assert_eq!(p.cancelled_pins.iter().map(|c| c.pin).collect::<Vec<_>>(), [old], "{e:?}");
        assert_eq!(p.cancelled_pins[0].cancelled_on, date!(2026 - 09 - 01), "{e:?}");
        assert_eq!(p.cancelled_pins[0].reason, "sai năm sinh", "{e:?}");
        assert_eq!(stored_pin(&t, &old).await.person.id, man.id, "{e:?}: the cancelled number resolves");
        assert_eq!(t.app.person(&sup, &old, None, None).await.expect("read").stored.person.pin, p.pin, "{e:?}");
        assert!(!t.app.store.reserve_pin(&old, t.app.clock.now()).await.expect("reserve"), "{e:?}: never reissued");
        assert_eq!(links(&stored(&t, woman.id).await.person, RelationKind::Spouse), [Some(p.pin)], "{e:?}");
        assert_eq!(links(&stored(&t, child.person.id).await.person, RelationKind::Father), [Some(p.pin)], "{e:?}");
        let h = t.app.store.person_history(man.id).await.expect("history");
        assert_eq!(h[0].event_kind, EventKind::PinReestablishment, "{e:?}");
        let fields: BTreeSet<Field> = h[0].changes.iter().map(|c| c.field).collect();
        assert_eq!(fields, BTreeSet::from([Field::Pin, Field::CancelledPins, Field::DateOfBirth]), "{e:?}");
        let as_before = t.app.person(&sup, &p.pin, Some(date!(2026 - 08 - 31)), None).await.expect("as of");
        assert_eq!(as_before.stored.person.pin, old, "{e:?}");

        // A change of sex too; an explicit re-establishment request without cause is refused.
        assert_eq!(
            invalid(
                t.app
                    .correct(
                        &sup,
                        child.person.pin,
                        Correction { phone: Some(None), blood_group: Some(None), ..Default::default() },
                        meta(basis, "r"),
                        true
                    )
                    .await
            ),
            pairs(&[("", Rule::CorrectionEmpty)]),
            "{e:?}"
        );
        let fix = Correction { sex: Some(Sex::Male), ..Default::default() };
        t.app.correct(&sup, child.person.pin, fix, meta(basis, "xác định lại giới tính"), true).await.expect("sex");
        let kid = stored(&t, child.person.id).await.person;
        assert_eq!(&kid.pin.as_str()[..6], "079226", "{e:?}");
        assert_eq!(kid.cancelled_pins[0].pin, child.person.pin, "{e:?}");
        for parent in [man.id, woman.id] {
            assert_eq!(links(&stored(&t, parent).await.person, RelationKind::Child), [Some(kid.pin)], "{e:?}");
        }
    }
}

#[tokio::test]
async fn reads_and_denials_are_audited() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let man = sample::adult_man();
        seed(&t, &man).await;
        let here = officer(Role::Officer, "province:79");
        let there = officer(Role::Officer, "province:01");
        t.app.person(&here, &man.pin, None, Some("kiểm tra")).await.expect("read");
        t.app.history(&here, &man.pin).await.expect("history");
        assert!(matches!(t.app.person(&there, &man.pin, None, None).await, Err(AppError::Forbidden)), "{e:?}");
        assert!(matches!(t.app.history(&there, &man.pin).await, Err(AppError::Forbidden)), "{e:?}");
        let admin = officer(Role::Administrator, "national");
        assert!(matches!(t.app.person(&admin, &man.pin, None, None).await, Err(AppError::Forbidden)), "{e:?}");
        t.app.search(&here, SearchInput { q: man.pin.to_string(), ..Default::default() }).await.expect("search");

        let lines = t.app.store.audit_for_person(man.id, 50).await.expect("audit");
        let mut got: Vec<(String, &str, &str, &str)> = lines
            .iter()
            .map(|l| (l.actor.name.clone(), l.action.code(), l.fields.as_str(), l.purpose.as_str()))
            .collect();
        got.sort();
        let mut want = vec![
            (here.name.clone(), "read", "*", "kiểm tra"),
            (here.name.clone(), "read", "history", "history"),
            (here.name.clone(), "search", "pin,birth_name,date_of_birth,sex,status", "search"),
            (there.name.clone(), "denied", "", "lookup"),
            (there.name.clone(), "denied", "", "history"),
            ("seed".to_owned(), "import", "*", "seed"),
        ];
        want.sort();
        assert_eq!(got, want, "{e:?}");
        let read = lines.iter().find(|l| l.action == AuditAction::Read && l.fields == "*").expect("read line");
        assert_eq!(read.legal_basis, t.app.config.read_legal_basis, "{e:?}");
        assert_eq!(read.actor.id, here.id, "{e:?}");
    }
}

#[tokio::test]
async fn search_by_number_and_name_inside_the_jurisdiction() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let an = sample::adult_man();
        let hoa = sample::adult_woman();
        let mut hoa_hn = woman_in(20, "001193000020", "Nguyễn Thị Hoà");
        hoa_hn.birth_registration = Some(BirthRegistration::Unit(sample::unit(BA_DINH)));
        hoa_hn.permanent_residence = Some(sample::address(BA_DINH, "1 Hoàng Diệu"));
        for p in [&an, &hoa, &hoa_hn] {
            seed(&t, p).await;
        }
        let national = officer(Role::Officer, "national");
        let hcm = officer(Role::Officer, "province:79");
        let pins = |r: AppResult<SearchPage>| -> Vec<String> {
            r.expect("search").items.iter().map(|s| s.pin.to_string()).collect()
        };
        assert_eq!(pins(find(&t.app, &hcm, "079193004321", |_| {}).await), ["079193004321"], "{e:?}");
        assert!(pins(find(&t.app, &hcm, "001193000020", |_| {}).await).is_empty(), "{e:?}: outside the jurisdiction");
        assert_eq!(pins(find(&t.app, &national, " 001193000020 ", |_| {}).await), ["001193000020"], "{e:?}");
        assert_eq!(pins(find(&t.app, &national, "hoa nguyen", |_| {}).await), ["001193000020"], "{e:?}: any order");
        assert_eq!(pins(find(&t.app, &national, "HOÀ  Nguyễn", |_| {}).await), ["001193000020"], "{e:?}: folded");
        assert_eq!(pins(find(&t.app, &hcm, "hoa thi", |_| {}).await), ["079193004321"], "{e:?}: jurisdiction");
        assert_eq!(
            pins(find(&t.app, &national, "ngu", |i| i.birth_year = Some(1990)).await),
            ["079090001234"],
            "{e:?}: prefix with a year"
        );
        assert_eq!(
            pins(find(&t.app, &national, "ngu", |i| i.province = Some("01".into())).await),
            ["001193000020"],
            "{e:?}: prefix with a province"
        );
        assert_eq!(
            pins(find(&t.app, &national, "thi hoa", |i| i.date_of_birth = Some(date!(1993 - 07 - 02))).await),
            ["001193000020", "079193004321"],
            "{e:?}"
        );
        assert_eq!(
            pins(
                find(&t.app, &national, "nguyen", |i| {
                    i.birth_year = Some(1993);
                    i.sex = Some(Sex::Male);
                })
                .await
            )
            .len(),
            0,
            "{e:?}: sex filter"
        );
        assert_eq!(invalid(find(&t.app, &national, "ngu", |_| {}).await), pairs(&[("q", Rule::Search)]), "{e:?}");
        assert_eq!(invalid(find(&t.app, &national, "an", |_| {}).await), pairs(&[("q", Rule::Search)]), "{e:?}");
        assert_eq!(invalid(find(&t.app, &national, "  ", |_| {}).await), pairs(&[("q", Rule::SearchEmpty)]), "{e:?}");
        assert_eq!(
            invalid(find(&t.app, &national, "hoa", |i| i.province = Some("99".into())).await),
            pairs(&[("province", Rule::UnitUnknown)]),
            "{e:?}"
        );
        assert_eq!(
            invalid(find(&t.app, &national, "hoa nguyen", |i| i.page_size = Some(101)).await),
            pairs(&[("page_size", Rule::Page)]),
            "{e:?}"
        );
        // Paging: three persons of the same name, two per page, in a fixed order.
        for i in 0..3u32 {
            let mut p = clone_as(&an, 100 + i as u128, &format!("07909000010{i}"));
            p.date_of_birth = PartialDate::Full(date!(1990 - 03 - 15));
            seed(&t, &p).await;
        }
        let mut pages = Vec::new();
        for n in 0..3 {
            let set = move |i: &mut SearchInput| {
                i.page = Some(n);
                i.page_size = Some(2);
            };
            pages.push(find(&t.app, &hcm, "nguyen van an", set).await.expect("page"));
        }
        let (p0, p1, p2) = (&pages[0], &pages[1], &pages[2]);
        assert_eq!((p0.total, p1.total, p2.total), (4, 4, 4), "{e:?}");
        let all: Vec<String> = p0.items.iter().chain(&p1.items).map(|s| s.pin.to_string()).collect();
        assert_eq!(all, ["079090000100", "079090000101", "079090000102", "079090001234"], "{e:?}");
        assert!(p2.items.is_empty(), "{e:?}");
    }
}

async fn find(app: &App, who: &Principal, q: &str, f: impl FnOnce(&mut SearchInput)) -> AppResult<SearchPage> {
    let mut input = SearchInput { q: q.to_owned(), ..Default::default() };
    f(&mut input);
    app.search(who, input).await
}

fn narrow_app(t: &TestApp) -> Arc<App> {
    Arc::new(App::new(
        t.app.store.clone(),
        t.clock.clone(),
        Arc::new(NarrowRng(SeededRng::new(7))),
        t.app.config.clone(),
    ))
}

#[tokio::test]
async fn bad_input_writes_nothing() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        seed(&t, &man).await;
        seed(&t, &woman).await;
        let clerk = officer(Role::Officer, "national");
        let dob = date!(2026 - 08 - 20);
        let mut province_level = sample::birth("Lê Văn Tí", dob, Sex::Male, Some(&man), Some(&woman));
        province_level.registration = BirthRegistration::Unit(sample::unit("79"));
        let mut legacy = sample::birth("Lê Văn Tí", dob, Sex::Male, Some(&man), Some(&woman));
        legacy.registration =
            BirthRegistration::Unit(dinhdanh_domain::admin::UnitRef::parse("legacy:00001").expect("legacy Phúc Xá"));
        let future = sample::birth("Lê Văn Tí", date!(2026 - 09 - 02), Sex::Male, Some(&man), Some(&woman));
        let mut unknown_mother = sample::birth("Lê Văn Tí", dob, Sex::Male, Some(&man), None);
        unknown_mother.mother = Some(dinhdanh_app::register::ParentDraft {
            pin: Some(sample::pin("079193999999")),
            name: None,
            cmnd9: None,
            nationality: None,
        });
        let swapped = sample::birth("Lê Văn Tí", dob, Sex::Male, Some(&woman), Some(&man));
        let cases: [(_, Vec<(String, Rule)>); 5] = [
            (province_level, pairs(&[("registration.unit", Rule::UnitNotCommune)])),
            (legacy, pairs(&[("registration.unit", Rule::UnitLegacyNotAllowed)])),
            (future, pairs(&[("date_of_birth", Rule::DateInFuture)])),
            (unknown_mother, pairs(&[("mother.pin", Rule::PinUnknown)])),
            (swapped, pairs(&[("father", Rule::ParentSex), ("mother", Rule::ParentSex)])),
        ];
        let app = narrow_app(&t);
        for (draft, want) in cases {
            assert_eq!(invalid(app.register_birth(&clerk, draft).await), want, "{e:?}");
        }
        assert_eq!(t.app.store.count_persons().await.expect("count"), 2, "{e:?}");
        for p in [&man, &woman] {
            let s = stored(&t, p.id).await;
            assert_eq!(s.version, 1, "{e:?}");
            assert_eq!(t.app.store.person_history(p.id).await.expect("history").len(), 1, "{e:?}");
        }
        assert!(t.app.store.cases(None, 10).await.expect("cases").is_empty(), "{e:?}");
        // No number was drawn for refused input (this generator draws only the first 64).
        let prefix = PersonalNumber::parse("079226000000").expect("pin").prefix();
        let numbers: Vec<PersonalNumber> = (0..64).map(|r| prefix.with_random(r)).collect();
        let drawn = t.app.store.pin_owners(&numbers).await.expect("owners");
        assert!(drawn.is_empty(), "{e:?}: {} numbers reserved", drawn.len());
    }
}

#[tokio::test]
async fn concurrent_events_on_the_same_records_all_land_or_are_refused_by_rule() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        let other = woman_in(10, "079195000010", "Lê Thị Mai");
        for p in [&man, &woman, &other] {
            seed(&t, p).await;
        }
        // Quadruplets registered at once by different clerks: every child lands on both parents.
        let mut tasks = Vec::new();
        for name in ["Nguyễn Văn Một", "Nguyễn Văn Hai", "Nguyễn Thị Ba", "Nguyễn Thị Bốn"] {
            let (app, man, woman) = (t.app.clone(), man.clone(), woman.clone());
            let sex = if name.contains("Văn") { Sex::Male } else { Sex::Female };
            let draft = sample::birth(name, date!(2026 - 08 - 25), sex, Some(&man), Some(&woman));
            tasks.push(tokio::spawn(
                async move { app.register_birth(&officer(Role::Officer, "national"), draft).await },
            ));
        }
        let mut kids = BTreeSet::new();
        for task in tasks {
            kids.insert(registered(task.await.expect("join"), e).person.pin);
        }
        for parent in [man.id, woman.id] {
            let p = stored(&t, parent).await;
            let got: BTreeSet<_> = links(&p.person, RelationKind::Child).into_iter().flatten().collect();
            assert_eq!(got, kids, "{e:?}: no child link lost");
            assert_eq!(p.version, 5, "{e:?}");
        }
        // Two marriages of the same man at once: one wins, the other is refused by the rule.
        let clerk = officer(Role::Officer, "national");
        let a = {
            let (app, clerk) = (t.app.clone(), clerk.clone());
            tokio::spawn(
                async move { app.marry(&clerk, man.pin, woman.pin, date!(2026 - 08 - 30), meta("L", "a")).await },
            )
        };
        let b = {
            let (app, clerk) = (t.app.clone(), clerk.clone());
            tokio::spawn(
                async move { app.marry(&clerk, man.pin, other.pin, date!(2026 - 08 - 30), meta("L", "b")).await },
            )
        };
        let results = [a.await.expect("join"), b.await.expect("join")];
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{e:?}: exactly one marriage");
        let refused = results.into_iter().find(|r| r.is_err()).expect("one refused");
        assert_eq!(invalid(refused), pairs(&[("spouse_a", Rule::AlreadyMarried)]), "{e:?}");
        let husband = stored(&t, man.id).await.person;
        assert_eq!(links(&husband, RelationKind::Spouse).len(), 1, "{e:?}");
    }
}
