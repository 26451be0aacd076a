//! Who may do what: every role and API scope against every use case, inside the principal's
//! jurisdiction, outside it, and with national reach.

use crate::{clone_as, meta, seed};
use dinhdanh_app::AppError;
use dinhdanh_app::accounts::NewOfficer;
use dinhdanh_app::auth::{Principal, PrincipalKind, Role, Scope};
use dinhdanh_app::register::{BirthResult, Decision, SearchInput};
use dinhdanh_domain::events::Correction;
use dinhdanh_domain::person::{Jurisdiction, Sex};
use dinhdanh_testkit::{TestApp, officer, sample};
use std::sync::atomic::{AtomicU32, Ordering};
use time::macros::date;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UseCase {
    Read,
    History,
    Search,
    RegisterBirth,
    Marry,
    Death,
    Correct,
    Adjudicate,
    CreateOfficer,
    CreateClient,
    NotifyStay,
}

const USE_CASES: [UseCase; 11] = [
    UseCase::Read,
    UseCase::History,
    UseCase::Search,
    UseCase::RegisterBirth,
    UseCase::Marry,
    UseCase::Death,
    UseCase::Correct,
    UseCase::Adjudicate,
    UseCase::CreateOfficer,
    UseCase::CreateClient,
    UseCase::NotifyStay,
];

/// Where the principal stands relative to the persons acted on (all in Hồ Chí Minh City, 79).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Area {
    Inside,
    Outside,
    National,
}

impl Area {
    fn jurisdiction(self) -> &'static str {
        match self {
            Area::Inside => "province:79",
            Area::Outside => "province:01",
            Area::National => "national",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    Forbidden,
    /// A search that runs but shows nothing outside the jurisdiction.
    Hidden,
}

/// The use cases each role is granted (auth.rs `Role::permissions`), written out independently.
fn role_grants(role: Role) -> &'static [UseCase] {
    use UseCase::*;
    match role {
        Role::Officer => &[Read, History, Search, RegisterBirth, Marry, Death, NotifyStay],
        Role::Supervisor => &[Read, History, Search, RegisterBirth, Marry, Death, Correct, Adjudicate, NotifyStay],
        Role::Administrator => &[CreateOfficer, CreateClient],
    }
}

fn scope_grants(scope: Scope) -> &'static [UseCase] {
    use UseCase::*;
    match scope {
        Scope::PersonsRead => &[Read, History],
        Scope::PersonsSearch => &[Search],
        Scope::EventsWrite => &[RegisterBirth, Marry, Death],
        Scope::EventsCorrect => &[Correct],
        Scope::Adjudication => &[Adjudicate],
        // Card scopes grant no register use case.
        Scope::CardsStatus | Scope::CardsVerify => &[],
        Scope::StaysWrite => &[NotifyStay],
    }
}

fn expected(granted: &[UseCase], uc: UseCase, area: Area) -> Outcome {
    let about_persons = !matches!(uc, UseCase::CreateOfficer | UseCase::CreateClient);
    match (granted.contains(&uc), about_persons && area == Area::Outside) {
        (false, _) => Outcome::Forbidden,
        (true, false) => Outcome::Ok,
        (true, true) if uc == UseCase::Search => Outcome::Hidden,
        (true, true) => Outcome::Forbidden,
    }
}

static SERIAL: AtomicU32 = AtomicU32::new(1);

/// Runs one use case on fresh persons in Bến Thành and reports how it ended.
async fn run(t: &TestApp, who: &Principal, uc: UseCase) -> Outcome {
    let n = SERIAL.fetch_add(1, Ordering::Relaxed);
    let man = clone_as(&sample::adult_man(), 10_000 + n as u128, &format!("0790900{n:05}"));
    let woman = clone_as(&sample::adult_woman(), 20_000 + n as u128, &format!("0791930{n:05}"));
    seed(t, &man).await;
    seed(t, &woman).await;
    let app = &t.app;
    let basis = meta("Luật Căn cước 2023", "thử quyền");
    let dob = date!(2020 - 01 - 01) + time::Duration::days(n as i64);
    let r: Result<bool, AppError> = match uc {
        UseCase::Read => app.person(who, &man.pin, None, None).await.map(|_| true),
        UseCase::History => app.history(who, &man.pin).await.map(|_| true),
        UseCase::Search => app
            .search(who, SearchInput { q: man.pin.to_string(), ..Default::default() })
            .await
            .map(|p| !p.items.is_empty()),
        UseCase::RegisterBirth => app
            .register_birth(who, sample::birth("Nguyễn Văn Bé", dob, Sex::Male, None, None))
            .await
            .map(|r| matches!(r, BirthResult::Registered(_))),
        UseCase::Marry => app.marry(who, man.pin, woman.pin, date!(2026 - 08 - 01), basis).await.map(|_| true),
        UseCase::Death => app
            .record_death(who, man.pin, dinhdanh_domain::date::PartialDate::Full(date!(2026 - 08 - 01)), basis)
            .await
            .map(|_| true),
        UseCase::Correct => {
            let fix = Correction {
                blood_group: Some(Some(dinhdanh_domain::codes::BloodGroup::parse("O+").expect("blood group"))),
                ..Default::default()
            };
            app.correct(who, man.pin, fix, basis, false).await.map(|_| true)
        }
        UseCase::Adjudicate => {
            let system = Principal::system("test");
            let draft = sample::birth("Nguyễn Văn Bé", dob, Sex::Male, None, None);
            let first = app.register_birth(&system, draft.clone()).await.expect("register");
            assert!(matches!(first, BirthResult::Registered(_)));
            let id = match app.register_birth(&system, draft).await.expect("register") {
                BirthResult::NeedsAdjudication(id) => id,
                BirthResult::Registered(_) => panic!("duplicate registered"),
            };
            app.decide(who, id, Decision::Duplicate, "trùng").await.map(|_| true)
        }
        UseCase::CreateOfficer => app
            .create_officer(
                who,
                NewOfficer {
                    username: format!("canbo{n}"),
                    display_name: "Cán bộ".to_owned(),
                    password: "mật khẩu đủ dài".to_owned(),
                    role: Role::Officer,
                    jurisdiction: Jurisdiction::Province("79".to_owned()),
                },
            )
            .await
            .map(|_| true),
        // A guest staying in Bến Thành: outside the host's jurisdiction is refused.
        UseCase::NotifyStay => {
            let arrival = dinhdanh_app::ports::Clock::now(&*t.clock) - time::Duration::hours(1);
            let guest = dinhdanh_domain::stay::Guest {
                pin: man.pin,
                name: man.birth_name.clone(),
                place: sample::address(sample::BEN_THANH, "Phòng 1"),
                arrival,
                departure: date!(2026 - 09 - 03),
                reason: String::new(),
            };
            let req = dinhdanh_app::stay::StayBatchRequest {
                idempotency_key: None,
                host_kind: Ok(dinhdanh_domain::stay::HostKind::Household),
                host_name: "Hộ ông Lê Văn Tám".to_owned(),
                guests: vec![Ok(guest)],
            };
            app.notify_stays(who, req).await.map(|_| true)
        }
        UseCase::CreateClient => app
            .create_api_client(who, &format!("client {n}"), vec![Scope::PersonsRead], Jurisdiction::National)
            .await
            .map(|_| true),
    };
    match r {
        Ok(true) => Outcome::Ok,
        Ok(false) => Outcome::Hidden,
        Err(AppError::Forbidden) => Outcome::Forbidden,
        Err(other) => panic!("{:?}: {uc:?} by {}: unexpected error {other:?}", t.store.engine, who.name),
    }
}

#[tokio::test]
async fn roles_by_use_case_by_jurisdiction() {
    for t in TestApp::all().await {
        let mut failures = Vec::new();
        for role in Role::ALL {
            for area in [Area::Inside, Area::Outside, Area::National] {
                let who = officer(role, area.jurisdiction());
                for uc in USE_CASES {
                    let want = expected(role_grants(role), uc, area);
                    let got = run(&t, &who, uc).await;
                    if got != want {
                        failures.push(format!("{role:?} {area:?} {uc:?}: got {got:?}, want {want:?}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{:?}:\n{}", t.store.engine, failures.join("\n"));
    }
}

#[tokio::test]
async fn api_client_scopes_by_use_case() {
    for t in TestApp::all().await {
        let mut failures = Vec::new();
        let sets: Vec<Vec<Scope>> = Scope::ALL.iter().map(|s| vec![*s]).chain([vec![]]).collect();
        for scopes in sets {
            for area in [Area::Inside, Area::Outside] {
                let who = Principal {
                    id: Uuid::from_u128(0xc11e),
                    name: format!("client {scopes:?}"),
                    kind: PrincipalKind::ApiClient(scopes.clone()),
                    jurisdiction: Jurisdiction::parse(area.jurisdiction()).expect("jurisdiction"),
                };
                let granted: Vec<UseCase> = scopes.iter().flat_map(|s| scope_grants(*s).iter().copied()).collect();
                for uc in USE_CASES {
                    let want = expected(&granted, uc, area);
                    let got = run(&t, &who, uc).await;
                    if got != want {
                        failures.push(format!("{scopes:?} {area:?} {uc:?}: got {got:?}, want {want:?}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{:?}:\n{}", t.store.engine, failures.join("\n"));
    }
}

#[tokio::test]
async fn commune_officers_see_only_their_commune() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let man = sample::adult_man(); // Bến Thành
        let mut other = clone_as(&sample::adult_woman(), 99, "001193000099");
        other.birth_registration = None;
        other.permanent_residence = Some(sample::address(sample::BA_DINH, "2 Hùng Vương"));
        seed(&t, &man).await;
        seed(&t, &other).await;
        let ben_thanh = officer(Role::Officer, "commune:26743");
        let ba_dinh = officer(Role::Officer, "commune:00004");
        assert!(t.app.person(&ben_thanh, &man.pin, None, None).await.is_ok(), "{e:?}");
        assert!(matches!(t.app.person(&ben_thanh, &other.pin, None, None).await, Err(AppError::Forbidden)), "{e:?}");
        assert!(t.app.person(&ba_dinh, &other.pin, None, None).await.is_ok(), "{e:?}");
        let draft = sample::birth("Lý Văn Tư", date!(2026 - 08 - 01), Sex::Male, None, None);
        assert!(matches!(t.app.register_birth(&ba_dinh, draft.clone()).await, Err(AppError::Forbidden)), "{e:?}");
        assert!(matches!(t.app.register_birth(&ben_thanh, draft).await, Ok(BirthResult::Registered(_))), "{e:?}");
        // A marriage across jurisdictions may be recorded by either side's officer.
        t.app.marry(&ba_dinh, man.pin, other.pin, date!(2026 - 08 - 01), meta("L", "r")).await.expect("marry");
    }
}
