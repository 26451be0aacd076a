//! Storage conformance: every test runs against every backend of the run (SQLite always,
//! PostgreSQL when `TEST_DATABASE_URL` is set) and names the engine in its assertion messages.

use dinhdanh_app::audit::{AuditAction, AuditEntry};
use dinhdanh_app::auth::{Role, Scope};
use dinhdanh_app::ports::*;
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::person::{
    CancelledPin, Field, FieldChange, Jurisdiction, JurisdictionKeys, MaritalStatus, Person, PersonId, Sex,
};
use dinhdanh_store::SearchLimits;
use dinhdanh_testkit::sample::{self, BA_DINH, BEN_THANH};
use dinhdanh_testkit::{Engine, TestStore, backends, synth};
use std::collections::BTreeSet;
use std::sync::Arc;
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[path = "conformance/dossiers.rs"]
mod dossiers;
#[path = "conformance/stays.rs"]
mod stays;

const NOW: OffsetDateTime = datetime!(2026-09-01 03:00 UTC);

fn actor() -> ActorRef {
    ActorRef { kind: "officer", id: Uuid::from_u128(77), name: "cán bộ thử".to_owned() }
}

fn audit(person: Option<PersonId>, action: AuditAction, event: Option<Uuid>) -> AuditEntry {
    AuditEntry {
        id: Uuid::new_v4(),
        at: NOW,
        actor: actor(),
        action,
        person_id: person,
        fields: "*".to_owned(),
        purpose: "test".to_owned(),
        legal_basis: "Luật Căn cước 2023".to_owned(),
        event_id: event,
        detail: String::new(),
    }
}

fn event(kind: EventKind, effective: Date, subjects: Vec<(PersonId, &'static str)>) -> EventRecord {
    EventRecord {
        id: Uuid::new_v4(),
        kind,
        effective_date: effective,
        recorded_at: NOW,
        actor: actor(),
        legal_basis: format!("basis of {}", kind.code()),
        reason: format!("reason of {}", kind.code()),
        subjects,
    }
}

/// The change set that creates `p` with its number active, as a birth registration would.
fn creation(p: &Person) -> ChangeSet {
    let ev = event(EventKind::BirthRegistration, p.date_of_birth.earliest(), vec![(p.id, "subject")]);
    ChangeSet {
        audit: vec![audit(Some(p.id), AuditAction::Create, Some(ev.id))],
        event: Some(ev),
        inserts: vec![NewPerson { person: p.clone(), valid_from: p.date_of_birth.earliest() }],
        pins: p
            .all_pins()
            .enumerate()
            .map(|(i, pin)| PinTransition {
                pin: *pin,
                person_id: p.id,
                state: if i == 0 { PinState::Active } else { PinState::Cancelled },
            })
            .collect(),
        ..Default::default()
    }
}

async fn create(t: &TestStore, p: &Person) {
    t.store.commit(creation(p)).await.unwrap_or_else(|e| panic!("{:?}: create: {e}", t.engine));
}

async fn get(t: &TestStore, id: PersonId) -> StoredPerson {
    t.store.person_by_id(id).await.expect("read").unwrap_or_else(|| panic!("{:?}: person {id} missing", t.engine))
}

/// A change set updating `before` to `after` with event `kind` effective on `effective`.
fn update(before: &StoredPerson, after: Person, kind: EventKind, effective: Date) -> ChangeSet {
    let changes = before.person.diff(&after);
    let ev = event(kind, effective, vec![(after.id, "subject")]);
    ChangeSet {
        audit: vec![audit(Some(after.id), AuditAction::Update, Some(ev.id))],
        event: Some(ev),
        updates: vec![PersonUpdate { person: after, expected_version: before.version, valid_from: effective, changes }],
        ..Default::default()
    }
}

/// Compares field by field, so a failure names the field instead of dumping a redacted record.
fn assert_same(engine: Engine, got: &Person, want: &Person) {
    assert_eq!(got.id, want.id, "{engine:?}: id");
    for f in Field::ALL {
        assert_eq!(got.field_text(f), want.field_text(f), "{engine:?}: field {}", f.name());
    }
    assert!(got == want, "{engine:?}: records differ beyond their display text");
}

#[tokio::test]
async fn full_record_round_trips_through_commit_and_import() {
    for t in backends().await {
        let e = t.engine;
        let p = sample::full_record();
        create(&t, &p).await;
        let s = get(&t, p.id).await;
        assert_same(e, &s.person, &p);
        assert_eq!(s.version, 1, "{e:?}");
        assert_eq!(s.exists_from, date!(1985 - 02 - 28), "{e:?}");
        assert_eq!(s.updated_at, NOW, "{e:?}");
        let by_pin = t.store.person_by_pin(&p.pin).await.expect("by pin").expect("found");
        assert_same(e, &by_pin.person, &p);

        // The import path (COPY on PostgreSQL) writes the same document.
        let mut q = sample::full_record();
        q.id = PersonId(Uuid::from_u128(33));
        q.pin = sample::pin("001185000778");
        q.cancelled_pins = vec![CancelledPin {
            pin: sample::pin("001185000779"),
            cancelled_on: date!(2020 - 01 - 02),
            reason: "x".into(),
        }];
        let ev = event(EventKind::Import, date!(2026 - 09 - 01), vec![]);
        t.store
            .import_batch(ImportBatch {
                persons: vec![NewPerson { person: q.clone(), valid_from: q.date_of_birth.earliest() }],
                cases: vec![],
                audit: vec![audit(Some(q.id), AuditAction::Import, Some(ev.id))],
                event: Some(ev),
            })
            .await
            .expect("import");
        assert_same(e, &get(&t, q.id).await.person, &q);
        let by_old = t.store.person_by_pin(&sample::pin("001185000779")).await.expect("read").expect("old pin");
        assert_eq!(by_old.person.id, q.id, "{e:?}: a cancelled number leads to its person");
    }
}

#[tokio::test]
async fn synthetic_persons_round_trip() {
    for t in backends().await {
        let people: Vec<Person> = synth::persons(11, date!(2026 - 09 - 01), 40).collect();
        let ev = event(EventKind::Import, date!(2026 - 09 - 01), vec![]);
        t.store
            .import_batch(ImportBatch {
                persons: people[20..]
                    .iter()
                    .map(|p| NewPerson { person: p.clone(), valid_from: p.date_of_birth.earliest() })
                    .collect(),
                cases: vec![],
                audit: vec![],
                event: Some(ev),
            })
            .await
            .expect("import");
        for p in &people[..20] {
            create(&t, p).await;
        }
        for p in &people {
            assert_same(t.engine, &get(&t, p.id).await.person, p);
        }
        assert_eq!(t.store.count_persons().await.expect("count"), 40, "{:?}", t.engine);
    }
}

#[tokio::test]
async fn reserve_pin_is_exclusive_even_under_concurrency() {
    for t in backends().await {
        let e = t.engine;
        let pin = sample::pin("079226000001");
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let store = t.store.clone();
            tasks.push(tokio::spawn(async move { store.reserve_pin(&pin, NOW).await }));
        }
        let mut won = 0;
        for task in tasks {
            if task.await.expect("join").expect("reserve") {
                won += 1;
            }
        }
        assert_eq!(won, 1, "{e:?}: exactly one of 50 concurrent reservations wins");
        assert!(!t.store.reserve_pin(&pin, NOW).await.expect("reserve"), "{e:?}: reserved number");

        // Active and cancelled numbers are never handed out again.
        let mut p = sample::adult_man();
        let old = p.pin;
        p.cancelled_pins = vec![CancelledPin { pin: old, cancelled_on: date!(2026 - 08 - 01), reason: "sex".into() }];
        p.pin = sample::pin("079090005555");
        create(&t, &p).await;
        assert!(!t.store.reserve_pin(&old, NOW).await.expect("reserve"), "{e:?}: cancelled number refused");
        assert!(!t.store.reserve_pin(&p.pin, NOW).await.expect("reserve"), "{e:?}: active number refused");
        let owners = t.store.pin_owners(&[old, p.pin, sample::pin("079090009999")]).await.expect("owners");
        let owned: BTreeSet<String> = owners.iter().map(|(pin, _)| pin.to_string()).collect();
        assert_eq!(owned, BTreeSet::from(["079090001234".to_owned(), "079090005555".to_owned()]), "{e:?}");
        assert!(owners.iter().all(|(_, k)| k.as_deref() == Some(p.duplicate_key().as_str())), "{e:?}: owner keys");
        let resolved = t.store.person_by_pin(&old).await.expect("read").expect("cancelled pin resolves");
        assert_eq!(resolved.person.pin, p.pin, "{e:?}");
    }
}

#[tokio::test]
async fn a_failing_change_set_writes_nothing() {
    for t in backends().await {
        let e = t.engine;
        let man = sample::adult_man();
        create(&t, &man).await;
        let before = get(&t, man.id).await;
        let audit_before = t.store.audit_for_person(man.id, 100).await.expect("audit").len();

        // A new person plus an update with a stale version: the whole set must be refused.
        let woman = sample::adult_woman();
        let mut married = man.clone();
        married.marital_status = MaritalStatus::Married;
        let mut cs = update(&before, married.clone(), EventKind::Marriage, date!(2026 - 08 - 01));
        cs.updates[0].expected_version = 7;
        cs.inserts.push(NewPerson { person: woman.clone(), valid_from: woman.date_of_birth.earliest() });
        cs.pins.push(PinTransition { pin: woman.pin, person_id: woman.id, state: PinState::Active });
        cs.audit.push(audit(Some(woman.id), AuditAction::Create, None));
        assert!(matches!(t.store.commit(cs).await, Err(StoreError::Conflict)), "{e:?}: stale version");
        assert!(t.store.person_by_id(woman.id).await.expect("read").is_none(), "{e:?}: insert rolled back");
        assert!(t.store.person_by_pin(&woman.pin).await.expect("read").is_none(), "{e:?}");
        assert!(t.store.reserve_pin(&woman.pin, NOW).await.expect("reserve"), "{e:?}: registry rolled back");
        assert!(t.store.audit_for_person(woman.id, 10).await.expect("audit").is_empty(), "{e:?}: audit rolled back");
        assert_eq!(get(&t, man.id).await.version, 1, "{e:?}");

        // The audit line is part of the transaction: if it cannot be written, the change is undone.
        let mut cs = update(&before, married, EventKind::Marriage, date!(2026 - 08 - 01));
        let dup = cs.audit[0].clone();
        cs.audit.push(dup);
        assert!(t.store.commit(cs).await.is_err(), "{e:?}: duplicate audit id must fail");
        let after = get(&t, man.id).await;
        assert_eq!(after.version, 1, "{e:?}: update rolled back with its audit line");
        assert_eq!(after.person.marital_status, MaritalStatus::Single, "{e:?}");
        assert!(t.store.person_history(man.id).await.expect("history").iter().all(|h| h.changes.is_empty()), "{e:?}");
        assert_eq!(t.store.audit_for_person(man.id, 100).await.expect("audit").len(), audit_before, "{e:?}");
    }
}

#[tokio::test]
async fn history_and_as_of_follow_every_change() {
    for t in backends().await {
        let e = t.engine;
        let man = sample::adult_man();
        create(&t, &man).await;
        let v1 = get(&t, man.id).await;

        let mut v2p = man.clone();
        v2p.marital_status = MaritalStatus::Married;
        t.store.commit(update(&v1, v2p.clone(), EventKind::Marriage, date!(2020 - 05 - 01))).await.expect("marry");
        let v2 = get(&t, man.id).await;
        assert_eq!(v2.version, 2, "{e:?}");

        let mut v3p = v2p.clone();
        v3p.birth_name = sample::name("Nguyễn Văn Ân");
        v3p.phone = Some(dinhdanh_domain::codes::Phone::parse("0987654321").expect("phone"));
        t.store.commit(update(&v2, v3p.clone(), EventKind::Correction, date!(2026 - 09 - 01))).await.expect("correct");
        let v3 = get(&t, man.id).await;
        assert_eq!(v3.version, 3, "{e:?}");
        assert_same(e, &v3.person, &v3p);

        let h = t.store.person_history(man.id).await.expect("history");
        let kinds: Vec<EventKind> = h.iter().map(|x| x.event_kind).collect();
        assert_eq!(kinds, [EventKind::Correction, EventKind::Marriage, EventKind::BirthRegistration], "{e:?}");
        let fields: Vec<Vec<Field>> = h.iter().map(|x| x.changes.iter().map(|c| c.field).collect()).collect();
        assert_eq!(fields, [vec![Field::BirthName, Field::Phone], vec![Field::MaritalStatus], vec![]], "{e:?}");
        assert_eq!(
            h[0].changes[0],
            FieldChange { field: Field::BirthName, old: "Nguyễn Văn An".into(), new: "Nguyễn Văn Ân".into() },
            "{e:?}"
        );
        assert_eq!(h[0].actor, "cán bộ thử", "{e:?}");
        assert_eq!(h[0].legal_basis, "basis of correction", "{e:?}");
        assert_eq!(h[0].reason, "reason of correction", "{e:?}");
        assert_eq!(h[0].effective_date, date!(2026 - 09 - 01), "{e:?}");
        assert_eq!(h[0].recorded_at, NOW, "{e:?}");
        assert_eq!(h[1].effective_date, date!(2020 - 05 - 01), "{e:?}");
        assert_eq!(h[2].effective_date, date!(1990 - 03 - 15), "{e:?}");
        assert_ne!(h[2].event_id, Uuid::nil(), "{e:?}: the creating event is named");

        let at = |d| {
            let store = t.store.clone();
            async move { store.person_as_of(man.id, d).await.expect("as of") }
        };
        assert!(at(date!(1990 - 03 - 14)).await.is_none(), "{e:?}: before birth");
        let a = at(date!(2019 - 01 - 01)).await.expect("as of 2019");
        assert_same(e, &a.person, &man);
        assert_eq!(a.version, 1, "{e:?}");
        let b = at(date!(2026 - 08 - 31)).await.expect("as of yesterday");
        assert_same(e, &b.person, &v2p);
        assert_eq!(b.version, 2, "{e:?}");
        let c = at(date!(2026 - 09 - 01)).await.expect("as of today");
        assert_same(e, &c.person, &v3p);
        assert_eq!(c.version, 3, "{e:?}");
    }
}

#[tokio::test]
async fn audit_lines_are_kept_per_person() {
    for t in backends().await {
        let e = t.engine;
        let man = sample::adult_man();
        create(&t, &man).await;
        let mut read = audit(Some(man.id), AuditAction::Read, None);
        read.fields = "history".into();
        read.detail = "why".into();
        t.store.record_access(vec![read.clone(), audit(None, AuditAction::Login, None)]).await.expect("record");
        let lines = t.store.audit_for_person(man.id, 10).await.expect("audit");
        let mut actions: Vec<&str> = lines.iter().map(|l| l.action.code()).collect();
        actions.sort();
        assert_eq!(actions, ["create", "read"], "{e:?}");
        let got = lines.iter().find(|l| l.id == read.id).expect("read line");
        assert_eq!(
            (got.at, &got.actor, got.person_id, got.fields.as_str(), got.purpose.as_str(), got.detail.as_str()),
            (NOW, &actor(), Some(man.id), "history", "test", "why"),
            "{e:?}"
        );
        assert_eq!(got.legal_basis, "Luật Căn cước 2023", "{e:?}");
        assert_eq!(t.store.audit_for_person(man.id, 1).await.expect("audit").len(), 1, "{e:?}: limit");
    }
}

fn query(words: &[&str], jurisdiction: Jurisdiction) -> SearchQuery {
    SearchQuery {
        name_words: words.iter().map(|w| w.to_string()).collect(),
        birth_year: None,
        date_of_birth: None,
        sex: None,
        province: None,
        jurisdiction,
        page: 0,
        page_size: 20,
    }
}

async fn pins(t: &TestStore, q: &SearchQuery) -> Vec<String> {
    let page = t.store.search(q).await.unwrap_or_else(|e| panic!("{:?}: search: {e}", t.engine));
    page.items.iter().map(|s| s.pin.to_string()).collect()
}

#[tokio::test]
async fn search_filters_by_name_words_and_tokens_inside_the_jurisdiction() {
    for t in backends().await {
        let e = t.engine;
        let an = sample::adult_man(); // Nguyễn Văn An 1990, Bến Thành (79)
        let hoa = sample::adult_woman(); // Trần Thị Bích Hòa 1993, Bến Thành
        let mut hoa_hn = sample::adult_woman();
        hoa_hn.id = PersonId(Uuid::from_u128(20));
        hoa_hn.pin = sample::pin("001193000020");
        hoa_hn.birth_name = sample::name("Nguyễn Thị Hoà");
        hoa_hn.birth_registration = None;
        hoa_hn.permanent_residence = Some(sample::address(BA_DINH, "1 Hoàng Diệu"));
        for p in [&an, &hoa, &hoa_hn] {
            create(&t, p).await;
        }
        let nat = Jurisdiction::National;
        assert_eq!(pins(&t, &query(&["hoa", "nguyen"], nat.clone())).await, ["001193000020"], "{e:?}");
        assert_eq!(pins(&t, &query(&["ngu"], nat.clone())).await, ["001193000020", "079090001234"], "{e:?}");
        assert_eq!(pins(&t, &query(&["hoa"], nat.clone())).await, ["001193000020", "079193004321"], "{e:?}");
        let mut q = query(&["hoa"], nat.clone());
        q.province = Some("01".into());
        assert_eq!(pins(&t, &q).await, ["001193000020"], "{e:?}: province filter");
        let mut q = query(&["ngu"], nat.clone());
        q.sex = Some(Sex::Male);
        assert_eq!(pins(&t, &q).await, ["079090001234"], "{e:?}: sex filter");
        let mut q = query(&["ngu"], nat.clone());
        q.birth_year = Some(1993);
        assert_eq!(pins(&t, &q).await, ["001193000020"], "{e:?}: year filter");
        let mut q = query(&["hoa"], nat.clone());
        q.date_of_birth = Some(date!(1993 - 07 - 02));
        assert_eq!(pins(&t, &q).await, ["001193000020", "079193004321"], "{e:?}: date filter");
        q.date_of_birth = Some(date!(1993 - 07 - 03));
        assert!(pins(&t, &q).await.is_empty(), "{e:?}: date filter excludes");
        assert_eq!(
            pins(&t, &query(&["hoa"], Jurisdiction::Province("79".into()))).await,
            ["079193004321"],
            "{e:?}: jurisdiction"
        );
        assert_eq!(
            pins(&t, &query(&["hoa"], Jurisdiction::Commune(BA_DINH.into()))).await,
            ["001193000020"],
            "{e:?}: commune jurisdiction"
        );
        assert!(pins(&t, &query(&["hoa", "xyz"], nat.clone())).await.is_empty(), "{e:?}");
        // Query syntax in user input is dropped, never interpreted.
        assert_eq!(pins(&t, &query(&["hoa\"", "*", "OR"], nat.clone())).await.len(), 0, "{e:?}");
        assert_eq!(pins(&t, &query(&["h'o(a"], nat)).await.len(), 2, "{e:?}");
    }
}

#[tokio::test]
async fn search_finds_names_in_any_word_order_with_the_last_word_as_a_prefix() {
    for t in backends().await {
        let e = t.engine;
        let hoa = sample::adult_woman(); // Trần Thị Bích Hòa
        create(&t, &hoa).await;
        let nat = Jurisdiction::National;
        let hit = ["079193004321"];
        for words in [
            &["tran", "thi", "bich", "hoa"][..],
            &["hoa", "bich", "thi", "tran"],
            &["tran", "thi", "bich", "h"],
            &["bich", "tr"],
            &["hoa", "tran", "thi"],
        ] {
            assert_eq!(pins(&t, &query(words, nat.clone())).await, hit, "{e:?}: {words:?}");
        }
        for words in [&["tran", "thi", "bic", "hoa"][..], &["tran", "thi", "bich", "hoang"], &["tra", "hoa"]] {
            assert!(pins(&t, &query(words, nat.clone())).await.is_empty(), "{e:?}: {words:?}: earlier words are whole");
        }
    }
}

#[tokio::test]
async fn search_follows_corrections_of_name_sex_and_year() {
    for t in backends().await {
        let e = t.engine;
        let man = sample::adult_man(); // Nguyễn Văn An 1990
        create(&t, &man).await;
        let v1 = get(&t, man.id).await;
        let mut fixed = man.clone();
        fixed.birth_name = sample::name("Lê Văn Bình");
        fixed.date_of_birth = PartialDate::Full(date!(1991 - 03 - 15));
        t.store.commit(update(&v1, fixed, EventKind::Correction, date!(2026 - 09 - 01))).await.expect("correct");
        let nat = Jurisdiction::National;
        assert!(pins(&t, &query(&["nguyen", "van", "an"], nat.clone())).await.is_empty(), "{e:?}: old name gone");
        let mut q = query(&["le", "binh"], nat.clone());
        assert_eq!(pins(&t, &q).await, ["079090001234"], "{e:?}: new name");
        q.birth_year = Some(1990);
        assert!(pins(&t, &q).await.is_empty(), "{e:?}: old year gone");
        q.birth_year = Some(1991);
        q.sex = Some(Sex::Male);
        assert_eq!(pins(&t, &q).await, ["079090001234"], "{e:?}: new year");
        // A rebuild from the register gives the same answers.
        t.store.rebuild_search_keys().await.expect("rebuild");
        assert_eq!(pins(&t, &q).await, ["079090001234"], "{e:?}: after rebuild");
        assert!(pins(&t, &query(&["nguyen", "van", "an"], nat)).await.is_empty(), "{e:?}: after rebuild");
    }
}

#[tokio::test]
async fn a_key_range_wider_than_the_scan_limit_is_refused_not_truncated() {
    for t in backends().await {
        let e = t.engine;
        let base = sample::adult_man();
        let prefix = base.pin.prefix();
        let many: Vec<Person> = (0..30u32)
            .map(|i| {
                let mut p = base.clone();
                p.id = PersonId(Uuid::from_u128(5000 + i as u128));
                p.pin = prefix.with_random(i);
                p.date_of_birth = PartialDate::Full(date!(1980 - 01 - 01) + time::Duration::days(i as i64 * 400));
                p
            })
            .collect();
        t.store.raw_load_persons(&many, &[], NOW).await.expect("load");
        let narrow = (*t.store).clone().with_search_limits(SearchLimits { key_scan: 20, candidates: 10 });
        let mut q = query(&["nguyen", "an"], Jurisdiction::National);
        assert!(matches!(narrow.search(&q).await, Err(StoreError::TooBroad)), "{e:?}: 30 keys over a scan of 20");
        let wide = (*t.store).clone().with_search_limits(SearchLimits { key_scan: 40, candidates: 10 });
        assert!(matches!(wide.search(&q).await, Err(StoreError::TooBroad)), "{e:?}: 30 candidates over 10");
        q.birth_year = Some(1980);
        let page = wide.search(&q).await.expect("the year leaves one candidate");
        assert_eq!(page.total, 1, "{e:?}");
    }
}

#[tokio::test]
async fn search_pages_are_stable_and_broad_searches_refused() {
    for t in backends().await {
        let e = t.engine;
        let base = sample::adult_man();
        let prefix = base.pin.prefix();
        let many: Vec<Person> = (0..=SEARCH_MATCH_CAP as u32)
            .map(|i| {
                let mut p = base.clone();
                p.id = PersonId(Uuid::from_u128(1000 + i as u128));
                p.pin = prefix.with_random(i);
                p.date_of_birth = PartialDate::Full(date!(1990 - 01 - 01) + time::Duration::days((i % 365) as i64));
                p
            })
            .collect();
        t.store.raw_load_persons(&many, &[], NOW).await.expect("load");
        let q = query(&["an", "nguyen"], Jurisdiction::National);
        assert!(matches!(t.store.search(&q).await, Err(StoreError::TooBroad)), "{e:?}: over the cap");

        // Six matches share a day of birth: page through them in a fixed order.
        let mut q = query(&["nguyen", "van", "an"], Jurisdiction::Province("79".into()));
        q.birth_year = Some(1990);
        q.date_of_birth = Some(date!(1990 - 01 - 05));
        q.page_size = 2;
        let mut seen = Vec::new();
        let mut page_no = 0;
        loop {
            q.page = page_no;
            let page = t.store.search(&q).await.expect("search");
            assert_eq!(page.total, 6, "{e:?}");
            if page.items.is_empty() {
                break;
            }
            seen.extend(page.items.iter().map(|s| s.pin.to_string()));
            page_no += 1;
        }
        let want: Vec<String> = many
            .iter()
            .filter(|p| p.date_of_birth == PartialDate::Full(date!(1990 - 01 - 05)))
            .map(|p| p.pin.to_string())
            .collect();
        assert_eq!(seen, want, "{e:?}: every match once, ordered by number within a day");
        assert_eq!(page_no, 3, "{e:?}");
    }
}

#[tokio::test]
async fn adjudication_cases_are_decided_once() {
    for t in backends().await {
        let e = t.engine;
        let man = sample::adult_man();
        create(&t, &man).await;
        let mut twin = sample::adult_man();
        twin.id = PersonId(Uuid::from_u128(9));
        twin.pin = sample::pin("079090009999");
        let draft = sample::birth("Nguyễn Văn An", date!(1990 - 03 - 15), Sex::Male, None, None);
        let keys = JurisdictionKeys {
            communes: BTreeSet::from([BEN_THANH.to_owned()]),
            provinces: BTreeSet::from(["79".to_owned()]),
        };
        let mk = |id: u128, candidate: Candidate| AdjudicationCase {
            id: Uuid::from_u128(id),
            created_at: NOW,
            created_by: actor(),
            candidate,
            duplicate_key: man.duplicate_key(),
            matches: vec![man.id],
            status: CaseStatus::Pending,
            decided_by: None,
            decided_at: None,
            decision_note: String::new(),
            person_id: None,
            jurisdiction: keys.clone(),
            source_line: Some(4),
        };
        let birth_case = mk(1, Candidate::Birth(Box::new(draft.clone())));
        let import_case = mk(2, Candidate::Import(Box::new(twin.clone())));
        t.store.commit(ChangeSet { new_case: Some(birth_case.clone()), ..Default::default() }).await.expect("case");
        t.store.commit(ChangeSet { new_case: Some(import_case), ..Default::default() }).await.expect("case");

        let pending = t.store.cases(Some(CaseStatus::Pending), 10).await.expect("cases");
        assert_eq!(pending.iter().map(|c| c.id.as_u128()).collect::<Vec<_>>(), [1, 2], "{e:?}");
        let c = t.store.case(Uuid::from_u128(1)).await.expect("case").expect("found");
        assert_eq!((c.matches.clone(), c.jurisdiction.clone(), c.source_line), (vec![man.id], keys.clone(), Some(4)));
        match &c.candidate {
            Candidate::Birth(d) => {
                assert_eq!(d.birth_name, draft.birth_name, "{e:?}");
                assert_eq!(
                    (d.date_of_birth, d.sex, &d.registration),
                    (draft.date_of_birth, draft.sex, &draft.registration)
                );
                assert_eq!(d.permanent_residence, draft.permanent_residence, "{e:?}");
                assert_eq!(d.legal_basis, draft.legal_basis, "{e:?}");
            }
            Candidate::Import(_) => panic!("{e:?}: birth case read back as import"),
        }
        match &t.store.case(Uuid::from_u128(2)).await.expect("case").expect("found").candidate {
            Candidate::Import(p) => assert_same(e, p, &twin),
            Candidate::Birth(_) => panic!("{e:?}: import case read back as birth"),
        }

        let mut decided = c.clone();
        decided.status = CaseStatus::Duplicate;
        decided.decided_by = Some(actor());
        decided.decided_at = Some(NOW);
        decided.decision_note = "cùng một người".into();
        decided.person_id = Some(man.id);
        t.store.commit(ChangeSet { decided_case: Some(decided.clone()), ..Default::default() }).await.expect("decide");
        assert!(
            matches!(
                t.store.commit(ChangeSet { decided_case: Some(decided), ..Default::default() }).await,
                Err(StoreError::Conflict)
            ),
            "{e:?}: a case is decided once"
        );
        let c = t.store.case(Uuid::from_u128(1)).await.expect("case").expect("found");
        assert_eq!((c.status, c.person_id, c.decided_at), (CaseStatus::Duplicate, Some(man.id), Some(NOW)), "{e:?}");
        assert_eq!((c.decided_by, c.decision_note.as_str()), (Some(actor()), "cùng một người"), "{e:?}");
        assert_eq!(t.store.cases(Some(CaseStatus::Pending), 10).await.expect("cases").len(), 1, "{e:?}");
        assert_eq!(t.store.cases(None, 10).await.expect("cases").len(), 2, "{e:?}");
    }
}

#[tokio::test]
async fn export_scans_every_person_once_in_id_order() {
    for t in backends().await {
        let e = t.engine;
        let people: Vec<Person> = synth::persons(5, date!(2026 - 09 - 01), 25).collect();
        t.store.raw_load_persons(&people, &[], NOW).await.expect("load");
        let mut after = None;
        let mut seen = Vec::new();
        loop {
            let page = t.store.scan_persons(after, 7).await.expect("scan");
            if page.is_empty() {
                break;
            }
            after = page.last().map(|s| s.person.id);
            seen.extend(page.into_iter().map(|s| s.person.id));
        }
        let mut want: Vec<PersonId> = people.iter().map(|p| p.id).collect();
        want.sort_by_key(|id| id.0);
        assert_eq!(seen, want, "{e:?}");
    }
}

fn officer(name: &str) -> Officer {
    Officer {
        id: Uuid::new_v4(),
        username: name.to_owned(),
        display_name: "Cán bộ Một".to_owned(),
        password_hash: "$argon2id$fake".to_owned(),
        role: Role::Supervisor,
        jurisdiction: Jurisdiction::Commune(BEN_THANH.to_owned()),
        active: true,
        failed_logins: 0,
        locked_until: None,
        created_at: NOW,
    }
}

#[tokio::test]
async fn officers_sessions_and_clients() {
    for t in backends().await {
        let e = t.engine;
        let mut o = officer("canbo1");
        t.store.create_officer(&o, audit(None, AuditAction::AccountAdmin, None)).await.expect("create");
        assert!(
            matches!(
                t.store.create_officer(&officer("canbo1"), audit(None, AuditAction::AccountAdmin, None)).await,
                Err(StoreError::Duplicate(_))
            ),
            "{e:?}: user names are unique"
        );
        o.failed_logins = 3;
        o.locked_until = Some(NOW + time::Duration::minutes(15));
        o.active = false;
        t.store.update_officer(&o).await.expect("update");
        let got = t.store.officer_by_username("canbo1").await.expect("read").expect("found");
        assert_eq!(
            (got.id, got.role, got.jurisdiction.clone(), got.active, got.failed_logins, got.locked_until),
            (o.id, Role::Supervisor, o.jurisdiction.clone(), false, 3, o.locked_until),
            "{e:?}"
        );
        assert_eq!(t.store.officer_by_id(o.id).await.expect("read").map(|x| x.username), Some("canbo1".into()));
        assert_eq!(t.store.officers().await.expect("list").len(), 1, "{e:?}");

        let s = Session {
            token_digest: "digest-1".into(),
            officer_id: o.id,
            csrf_token: "csrf".into(),
            created_at: NOW,
            expires_at: NOW + time::Duration::hours(8),
        };
        t.store.create_session(&s).await.expect("session");
        let got = t.store.session("digest-1").await.expect("read").expect("found");
        assert_eq!((got.officer_id, got.csrf_token.as_str(), got.expires_at), (o.id, "csrf", s.expires_at), "{e:?}");
        t.store.delete_sessions_of(o.id).await.expect("delete");
        assert!(t.store.session("digest-1").await.expect("read").is_none(), "{e:?}");

        let c = ApiClient {
            id: Uuid::new_v4(),
            name: "Bệnh viện".into(),
            token_digest: "client-digest".into(),
            scopes: vec![Scope::PersonsRead, Scope::PersonsSearch],
            jurisdiction: Jurisdiction::Province("79".into()),
            created_by: "admin".into(),
            created_at: NOW,
            revoked_at: None,
        };
        t.store.create_api_client(&c, audit(None, AuditAction::AccountAdmin, None)).await.expect("client");
        let got = t.store.api_client_by_digest("client-digest").await.expect("read").expect("found");
        assert_eq!(
            (got.scopes.clone(), got.jurisdiction.clone(), got.revoked_at),
            (c.scopes.clone(), c.jurisdiction.clone(), None)
        );
        t.store.revoke_api_client(c.id, NOW, audit(None, AuditAction::AccountAdmin, None)).await.expect("revoke");
        assert_eq!(t.store.api_clients().await.expect("list")[0].revoked_at, Some(NOW), "{e:?}");
        assert!(
            matches!(
                t.store.revoke_api_client(c.id, NOW, audit(None, AuditAction::AccountAdmin, None)).await,
                Err(StoreError::NotFound)
            ),
            "{e:?}: revoking twice"
        );
    }
}

#[tokio::test]
async fn concurrent_updates_of_one_person_conflict_instead_of_losing_one() {
    for t in backends().await {
        let e = t.engine;
        let man = sample::adult_man();
        create(&t, &man).await;
        let v1 = get(&t, man.id).await;
        let mut tasks = Vec::new();
        for i in 0..8u32 {
            let store: Arc<dyn Store> = t.dyn_store();
            let mut p = man.clone();
            p.phone = Some(dinhdanh_domain::codes::Phone::parse(&format!("09{i:08}")).expect("phone"));
            let cs = update(&v1, p, EventKind::Correction, date!(2026 - 09 - 01));
            tasks.push(tokio::spawn(async move { store.commit(cs).await }));
        }
        let mut ok = 0;
        for task in tasks {
            match task.await.expect("join") {
                Ok(()) => ok += 1,
                Err(StoreError::Conflict) => {}
                Err(other) => panic!("{e:?}: {other}"),
            }
        }
        assert_eq!(ok, 1, "{e:?}: exactly one update of version 1 wins");
        assert_eq!(get(&t, man.id).await.version, 2, "{e:?}");
        assert_eq!(t.store.person_history(man.id).await.expect("history")[0].changes.len(), 1, "{e:?}");
    }
}
