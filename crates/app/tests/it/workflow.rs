//! The generic dossier workflow on both engines: the standard machine of procedures, a kind with
//! its own machine (a card application's), deadlines in working days, permissions and
//! jurisdiction, officer assignment, effects committed with the step, and concurrent changes.

use crate::{seed, stored};
use async_trait::async_trait;
use dinhdanh_app::accounts::NewOfficer;
use dinhdanh_app::audit::AuditAction;
use dinhdanh_app::auth::{Permission, Principal, PrincipalKind, Role};
use dinhdanh_app::ports::{ChangeSet, Clock, EventKind, EventRecord, PersonUpdate};
use dinhdanh_app::workflow::{
    self, Applicant, ApplicantRelation, Dossier, DossierEffects, DossierFilter, DossierKind, DossierSubject,
    NewDossier, NoEffects, STANDARD_STATES, STANDARD_TRANSITIONS, StateSpec, TransitionSpec,
};
use dinhdanh_app::{App, AppConfig, AppError, AppResult};
use dinhdanh_domain::codes::Email;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{Jurisdiction, Person};
use dinhdanh_testkit::sample::{self, BA_DINH, BEN_THANH};
use dinhdanh_testkit::{FixedClock, SeededRng, TestApp, officer};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use time::macros::{date, datetime};
use uuid::Uuid;

const STANDARD_KIND: DossierKind = DossierKind {
    code: "test.standard",
    code_prefix: "TST",
    name_vi: "Thủ tục thử",
    name_en: "Test procedure",
    legal_basis: "Luật thử nghiệm",
    states: STANDARD_STATES,
    initial: workflow::RECEIVED,
    transitions: STANDARD_TRANSITIONS,
    time_limit_days: 3,
    receive_permission: Permission::ReceiveDossier,
    effects: &NoEffects,
};
static STANDARD: DossierKind = STANDARD_KIND;

/// A card application's machine: received → biometrics captured → approved / refused →
/// produced → delivered, on the same engine.
static CARD_STATES: &[StateSpec] = &[
    StateSpec { code: "received", name_vi: "Đã tiếp nhận", name_en: "Received", terminal: false },
    StateSpec {
        code: "biometrics_captured", name_vi: "Đã thu nhận sinh trắc", name_en: "Biometrics", terminal: false
    },
    StateSpec { code: "approved", name_vi: "Đã duyệt", name_en: "Approved", terminal: false },
    StateSpec { code: "refused", name_vi: "Từ chối", name_en: "Refused", terminal: true },
    StateSpec { code: "produced", name_vi: "Đã sản xuất", name_en: "Produced", terminal: false },
    StateSpec { code: "delivered", name_vi: "Đã trả thẻ", name_en: "Delivered", terminal: true },
];

const fn card_step(
    action: &'static str,
    from: &'static [&'static str],
    to: &'static str,
    p: Permission,
) -> TransitionSpec {
    TransitionSpec {
        action,
        from,
        to,
        name_vi: action,
        name_en: action,
        permission: p,
        note_required: false,
        pauses_deadline: false,
        restarts_deadline: false,
    }
}

static CARD_TRANSITIONS: &[TransitionSpec] = &[
    card_step("capture_biometrics", &["received"], "biometrics_captured", Permission::ProcessDossier),
    card_step("approve", &["biometrics_captured"], "approved", Permission::DecideDossier),
    TransitionSpec {
        note_required: true,
        ..card_step("refuse", &["received", "biometrics_captured"], "refused", Permission::DecideDossier)
    },
    card_step("produce", &["approved"], "produced", Permission::ProcessDossier),
    card_step("deliver", &["produced"], "delivered", Permission::ProcessDossier),
];

static CARD: DossierKind = DossierKind {
    code: "test.card",
    code_prefix: "TCC",
    name_vi: "Cấp thẻ căn cước (thử)",
    name_en: "Identity card (test)",
    legal_basis: "Luật Căn cước 2023",
    states: CARD_STATES,
    initial: "received",
    transitions: CARD_TRANSITIONS,
    time_limit_days: 7,
    receive_permission: Permission::ReceiveDossier,
    effects: &NoEffects,
};

/// Approving sets the subject's e-mail (a stand-in for what a real kind changes); a note
/// "fail" makes the effect refuse; the first approval races a concurrent change of the person.
struct EmailEffects;

static EFFECT_CALLS: AtomicUsize = AtomicUsize::new(0);

#[async_trait]
impl DossierEffects for EmailEffects {
    async fn on_transition(
        &self,
        app: &App,
        who: &Principal,
        dossier: &Dossier,
        step: &'static TransitionSpec,
        note: &str,
    ) -> AppResult<ChangeSet> {
        if step.action != "approve" {
            return Ok(ChangeSet::default());
        }
        if note == "fail" {
            return Err(AppError::invalid("note", Rule::Required));
        }
        let before = app.store.person_by_id(dossier.subjects[0].person_id).await?.ok_or(AppError::NotFound)?;
        if note == "race" && EFFECT_CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
            // Another writer changes the person after it was read: the commit must conflict and
            // the engine must decide again.
            let mut p = before.person.clone();
            p.phone = Some(dinhdanh_domain::codes::Phone::parse("0912345678").unwrap());
            app.store.commit(update(app, who, &before, p)).await?;
        }
        let mut p = before.person.clone();
        p.email = Some(Email::parse("an@example.vn").unwrap());
        Ok(update(app, who, &before, p))
    }
}

fn update(app: &App, who: &Principal, before: &dinhdanh_app::ports::StoredPerson, p: Person) -> ChangeSet {
    let event = EventRecord {
        id: Uuid::new_v4(),
        kind: EventKind::Correction,
        effective_date: app.clock.today(),
        recorded_at: app.clock.now(),
        actor: who.actor(),
        legal_basis: "test".into(),
        reason: "test".into(),
        subjects: vec![(p.id, "subject")],
    };
    ChangeSet {
        event: Some(event),
        updates: vec![PersonUpdate {
            changes: before.person.diff(&p),
            person: p,
            expected_version: before.version,
            valid_from: app.clock.today(),
        }],
        ..Default::default()
    }
}

static WITH_EFFECTS: DossierKind = DossierKind { code: "test.effects", effects: &EmailEffects, ..STANDARD_KIND };

/// An application configured with the test kinds, over the store of `t`.
fn app_with_kinds(t: &TestApp) -> (Arc<App>, Arc<FixedClock>) {
    let clock = FixedClock::standard();
    let config = AppConfig {
        client_cache_ttl: time::Duration::ZERO,
        dossier_kinds: vec![&STANDARD, &CARD, &WITH_EFFECTS],
        ..AppConfig::default()
    };
    (Arc::new(App::new(t.store.dyn_store(), clock.clone(), SeededRng::new(7), config)), clock)
}

fn subject(p: &Person) -> DossierSubject {
    DossierSubject { person_id: p.id, pin: p.pin, name: p.birth_name.to_string(), role: "subject".into() }
}

fn new_dossier(kind: &'static DossierKind, p: &Person, commune: &str) -> NewDossier {
    NewDossier {
        kind,
        subjects: vec![subject(p)],
        handling_unit: sample::unit(commune),
        applicant: Applicant {
            person_id: Some(p.id),
            pin: Some(p.pin),
            name: p.birth_name.to_string(),
            relation: ApplicantRelation::Subject,
            organisation: String::new(),
            contact: "0912000111".into(),
        },
        form: "{}".into(),
        with: ChangeSet::default(),
    }
}

async fn account(app: &App, username: &str, role: Role, juris: &str) -> Principal {
    let o = app
        .create_officer(
            &Principal::system("test"),
            NewOfficer {
                username: username.into(),
                display_name: format!("Cán bộ {username}"),
                password: "mật khẩu đủ dài 123".into(),
                role,
                jurisdiction: Jurisdiction::parse(juris).unwrap(),
            },
        )
        .await
        .expect("officer");
    Principal { id: o.id, name: o.display_name, kind: PrincipalKind::Officer(role), jurisdiction: o.jurisdiction }
}

#[tokio::test]
async fn standard_machine_with_deadlines_and_audit() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (app, clock) = app_with_kinds(&t);
        let man = sample::adult_man();
        seed(&t, &man).await;
        let clerk = officer(Role::Officer, "commune:26743");
        let chief = officer(Role::Supervisor, "commune:26743");

        // Received on Tuesday 1 September 2026 (National Day): three working days are 3, 4 and
        // 7 September.
        let d = app.receive_dossier(&clerk, new_dossier(&STANDARD, &man, BEN_THANH)).await.expect("receive");
        assert_eq!(d.deadline, Some(date!(2026 - 09 - 07)), "{e:?}");
        assert!(d.code.starts_with("TST-26743-260901-") && d.code.len() == 23, "{e:?}: {}", d.code);
        assert_eq!((d.status, d.version), ("received", 1), "{e:?}");
        let by_code = app.dossier_by_code(&clerk, &d.code).await.expect("by code");
        assert_eq!(by_code.dossier.id, d.id, "{e:?}");
        assert_eq!(by_code.days_left, Some(3), "{e:?}: 3 working days left on receipt");

        // An officer cannot decide; a step not allowed from the state is refused; a refusal
        // needs a reason.
        assert!(matches!(app.transition_dossier(&clerk, d.id, "approve", "", None).await, Err(AppError::Forbidden)));
        let r = app.transition_dossier(&chief, d.id, "approve", "", None).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("action", Rule::DossierAction)]), "{e:?}");
        let r = app.transition_dossier(&chief, d.id, "refuse", "  ", None).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("note", Rule::DossierNoteRequired)]), "{e:?}");
        let r = app.transition_dossier(&chief, d.id, "fly", "", None).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("action", Rule::DossierAction)]), "{e:?}");

        let d = app.transition_dossier(&clerk, d.id, "start", "", Some(1)).await.expect("start");
        assert_eq!((d.status, d.version), ("processing", 2), "{e:?}");
        // A stale version is refused.
        let r = app.transition_dossier(&clerk, d.id, "request_supplement", "thiếu giấy tờ", Some(1)).await;
        assert!(matches!(r, Err(AppError::Conflict(Rule::DossierChanged))), "{e:?}: {r:?}");

        // The deadline pauses while the applicant supplements, and counts again in full after.
        let d =
            app.transition_dossier(&clerk, d.id, "request_supplement", "Bổ sung giấy tờ chỗ ở", None).await.unwrap();
        assert_eq!((d.status, d.deadline, d.note.as_str()), ("supplement_requested", None, "Bổ sung giấy tờ chỗ ở"));
        clock.set(datetime!(2026-09-08 02:00 UTC)); // Tuesday 8 September
        let d = app.transition_dossier(&clerk, d.id, "supplement_received", "", None).await.unwrap();
        assert_eq!((d.status, d.deadline), ("processing", Some(date!(2026 - 09 - 11))), "{e:?}");

        let d = app.transition_dossier(&chief, d.id, "approve", "Đủ điều kiện", None).await.expect("approve");
        let d = app.transition_dossier(&clerk, d.id, "return_result", "", None).await.expect("done");
        assert!(!d.is_open(), "{e:?}");
        let r = app.transition_dossier(&clerk, d.id, "withdraw", "x", None).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("action", Rule::DossierAction)]), "{e:?}: terminal");

        let view = app.dossier(&clerk, d.id).await.unwrap();
        let steps: Vec<(&str, &str, &str)> =
            view.transitions.iter().map(|t| (t.action.as_str(), t.from_state.as_str(), t.to_state.as_str())).collect();
        assert_eq!(
            steps,
            [
                ("receive", "", "received"),
                ("start", "received", "processing"),
                ("request_supplement", "processing", "supplement_requested"),
                ("supplement_received", "supplement_requested", "processing"),
                ("approve", "processing", "approved"),
                ("return_result", "approved", "done"),
            ],
            "{e:?}"
        );
        assert_eq!(view.transitions[2].note, "Bổ sung giấy tờ chỗ ở", "{e:?}");
        assert_eq!(view.days_left, None, "{e:?}: a closed dossier has no deadline to meet");

        // One audit line per step for the subject (receipt, five steps) plus the reads.
        let audit = t.app.store.audit_for_person(man.id, 50).await.unwrap();
        let writes = audit.iter().filter(|a| a.fields == "dossier" && a.action != AuditAction::Read).count();
        assert_eq!(writes, 6, "{e:?}");
        assert!(audit.iter().any(|a| a.detail.contains("processing → approved (approve)")), "{e:?}");
        assert!(audit.iter().all(|a| a.fields != "dossier" || a.purpose == "test.standard"), "{e:?}");
        assert!(audit.iter().any(|a| a.action == AuditAction::Read && a.detail == format!("dossier {}", d.code)));
    }
}

#[tokio::test]
async fn a_kind_declares_its_own_machine() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (app, _) = app_with_kinds(&t);
        let woman = sample::adult_woman();
        seed(&t, &woman).await;
        let clerk = officer(Role::Officer, "province:79");
        let chief = officer(Role::Supervisor, "province:79");
        let d = app.receive_dossier(&clerk, new_dossier(&CARD, &woman, BEN_THANH)).await.unwrap();
        // Seven working days from 1 September 2026: 3, 4, 7, 8, 9, 10, 11.
        assert_eq!(d.deadline, Some(date!(2026 - 09 - 11)), "{e:?}");
        // The standard machine's actions mean nothing here.
        let r = app.transition_dossier(&clerk, d.id, "start", "", None).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("action", Rule::DossierAction)]), "{e:?}");
        for (who, action, state) in [
            (&clerk, "capture_biometrics", "biometrics_captured"),
            (&chief, "approve", "approved"),
            (&clerk, "produce", "produced"),
            (&clerk, "deliver", "delivered"),
        ] {
            let d =
                app.transition_dossier(who, d.id, action, "", None).await.unwrap_or_else(|e| panic!("{action}: {e}"));
            assert_eq!(d.status, state, "{e:?}");
        }
        let page = app.dossiers(&clerk, DossierFilter { open_only: true, ..Default::default() }).await.unwrap();
        assert_eq!(page.total, 0, "{e:?}: delivered is terminal");
    }
}

#[tokio::test]
async fn jurisdiction_and_worklists() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (app, clock) = app_with_kinds(&t);
        let man = sample::adult_man();
        seed(&t, &man).await;
        let hcm = officer(Role::Officer, "commune:26743");
        let hanoi = officer(Role::Officer, "commune:00004");
        // Receiving for a commune outside one's jurisdiction is refused, with nothing written.
        let r = app.receive_dossier(&hanoi, new_dossier(&STANDARD, &man, BEN_THANH)).await;
        assert!(matches!(r, Err(AppError::Forbidden)), "{e:?}");
        // A legacy or non-commune handling unit is refused.
        let mut legacy = new_dossier(&STANDARD, &man, BEN_THANH);
        legacy.handling_unit = dinhdanh_domain::admin::UnitRef::parse("legacy:26734").unwrap();
        let r = app.receive_dossier(&hcm, legacy).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("handling_unit", Rule::UnitLegacyNotAllowed)]), "{e:?}");

        let a = app.receive_dossier(&hcm, new_dossier(&STANDARD, &man, BEN_THANH)).await.unwrap();
        let national = officer(Role::Supervisor, "national");
        let b = app.receive_dossier(&national, new_dossier(&STANDARD, &man, BA_DINH)).await.unwrap();
        assert!(matches!(app.dossier(&hanoi, a.id).await, Err(AppError::Forbidden)), "{e:?}");
        assert!(matches!(app.transition_dossier(&hanoi, a.id, "start", "", None).await, Err(AppError::Forbidden)));

        let codes = |p: workflow::DossierPage| p.items.into_iter().map(|d| d.code).collect::<Vec<_>>();
        let all = DossierFilter::default();
        assert_eq!(codes(app.dossiers(&hcm, all.clone()).await.unwrap()), [a.code.as_str()], "{e:?}");
        assert_eq!(codes(app.dossiers(&hanoi, all.clone()).await.unwrap()), [b.code.as_str()], "{e:?}");
        assert_eq!(app.dossiers(&national, all.clone()).await.unwrap().total, 2, "{e:?}");
        let hanoi_only = DossierFilter { commune: Some(BA_DINH.into()), ..Default::default() };
        assert!(matches!(app.dossiers(&hcm, hanoi_only).await, Err(AppError::Forbidden)), "{e:?}");
        let by_subject = DossierFilter { subject: Some(man.pin), ..Default::default() };
        assert_eq!(app.dossiers(&national, by_subject).await.unwrap().total, 2, "{e:?}");
        let kind = DossierFilter { kind_prefix: Some("test.card".into()), ..Default::default() };
        assert_eq!(app.dossiers(&national, kind).await.unwrap().total, 0, "{e:?}");
        let kind =
            DossierFilter { kind_prefix: Some("test.".into()), status: Some("received".into()), ..Default::default() };
        assert_eq!(app.dossiers(&national, kind).await.unwrap().total, 2, "{e:?}");

        // Overdue: after the deadline (7 September), open dossiers are listed as late.
        let overdue = DossierFilter { overdue: true, ..Default::default() };
        assert_eq!(app.dossiers(&national, overdue.clone()).await.unwrap().total, 0, "{e:?}");
        clock.set(datetime!(2026-09-08 02:00 UTC));
        assert_eq!(app.dossiers(&national, overdue.clone()).await.unwrap().total, 2, "{e:?}");
        assert_eq!(app.dossier(&hcm, a.id).await.unwrap().days_left, Some(-1), "{e:?}: one working day late");
        app.transition_dossier(&hcm, a.id, "withdraw", "Người dân rút hồ sơ", None).await.unwrap();
        assert_eq!(codes(app.dossiers(&national, overdue).await.unwrap()), [b.code.as_str()], "{e:?}");

        // Listing audits every subject shown.
        let audit = t.app.store.audit_for_person(man.id, 100).await.unwrap();
        assert!(audit.iter().any(|l| l.action == AuditAction::Search && l.purpose == "worklist"), "{e:?}");
    }
}

#[tokio::test]
async fn assignment_to_officers() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (app, _) = app_with_kinds(&t);
        let man = sample::adult_man();
        seed(&t, &man).await;
        let clerk = account(&app, "canbo.benthanh", Role::Officer, "commune:26743").await;
        let other = account(&app, "canbo.badinh", Role::Officer, "commune:00004").await;
        let chief = account(&app, "truong.benthanh", Role::Supervisor, "commune:26743").await;
        let admin = account(&app, "quantri", Role::Administrator, "national").await;
        let d = app.receive_dossier(&clerk, new_dossier(&STANDARD, &man, BEN_THANH)).await.unwrap();

        // An officer takes an unassigned dossier; another may not take it over.
        let d = app.assign_dossier(&clerk, d.id, Some(clerk.id)).await.expect("take");
        assert_eq!(d.assignee.as_ref().map(|a| a.id), Some(clerk.id), "{e:?}");
        let clerk2 = account(&app, "canbo2.benthanh", Role::Officer, "commune:26743").await;
        assert!(matches!(app.assign_dossier(&clerk2, d.id, Some(clerk2.id)).await, Err(AppError::Forbidden)));
        // A supervisor reassigns, but only to an officer of the area who handles dossiers.
        for bad in [other.id, admin.id, Uuid::from_u128(99)] {
            let r = app.assign_dossier(&chief, d.id, Some(bad)).await;
            assert_eq!(crate::invalid(r), crate::pairs(&[("assignee", Rule::DossierAssignee)]), "{e:?}");
        }
        let d = app.assign_dossier(&chief, d.id, Some(clerk2.id)).await.expect("reassign");
        assert_eq!(d.assignee.as_ref().map(|a| a.name.as_str()), Some("Cán bộ canbo2.benthanh"), "{e:?}");
        let mine = DossierFilter { assigned_to_me: true, ..Default::default() };
        assert_eq!(app.dossiers(&clerk2, mine.clone()).await.unwrap().total, 1, "{e:?}");
        assert_eq!(app.dossiers(&clerk, mine).await.unwrap().total, 0, "{e:?}");
        let view = app.dossier(&chief, d.id).await.unwrap();
        let assigns: Vec<&str> =
            view.transitions.iter().filter(|t| t.action == "assign").map(|t| t.note.as_str()).collect();
        assert_eq!(assigns, ["Cán bộ canbo.benthanh", "Cán bộ canbo2.benthanh"], "{e:?}");
        assert_eq!(view.dossier.status, "received", "{e:?}: assignment does not move the state");
    }
}

#[tokio::test]
async fn effects_commit_with_the_step_or_not_at_all() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (app, _) = app_with_kinds(&t);
        let man = sample::adult_man();
        seed(&t, &man).await;
        let chief = officer(Role::Supervisor, "province:79");
        let d = app.receive_dossier(&chief, new_dossier(&WITH_EFFECTS, &man, BEN_THANH)).await.unwrap();
        let d = app.transition_dossier(&chief, d.id, "start", "", None).await.unwrap();

        // The effect refuses: the dossier stays where it was and the person is untouched.
        let r = app.transition_dossier(&chief, d.id, "approve", "fail", None).await;
        assert!(matches!(r, Err(AppError::Invalid(_))), "{e:?}");
        assert_eq!(app.dossier(&chief, d.id).await.unwrap().dossier.status, "processing", "{e:?}");
        assert_eq!(stored(&t, man.id).await.version, 1, "{e:?}");

        // The person changes between the effect's read and the commit: the engine reads again
        // and the approval lands on top of the concurrent change, in one transaction.
        EFFECT_CALLS.store(0, Ordering::SeqCst);
        let d = app.transition_dossier(&chief, d.id, "approve", "race", None).await.expect("approve after retry");
        assert_eq!(d.status, "approved", "{e:?}");
        assert!(EFFECT_CALLS.load(Ordering::SeqCst) >= 2, "{e:?}: the effect ran again");
        let p = stored(&t, man.id).await;
        assert_eq!(p.version, 3, "{e:?}: the concurrent change and the approval");
        assert!(p.person.email.is_some() && p.person.phone.is_some(), "{e:?}");
    }
}

#[tokio::test]
async fn a_year_missing_from_the_calendar_is_not_guessed() {
    for t in TestApp::all().await {
        let (app, clock) = app_with_kinds(&t);
        let man = sample::adult_man();
        seed(&t, &man).await;
        clock.set(datetime!(2026-12-30 02:00 UTC));
        let r =
            app.receive_dossier(&officer(Role::Officer, "province:79"), new_dossier(&STANDARD, &man, BEN_THANH)).await;
        assert!(matches!(&r, Err(AppError::Unavailable(m)) if m.contains("2027")), "{:?}: {r:?}", t.store.engine);
        let page = app.dossiers(&officer(Role::Supervisor, "national"), DossierFilter::default()).await.unwrap();
        assert_eq!(page.total, 0, "nothing written");
        assert_eq!(Clock::today(&*clock), date!(2026 - 12 - 30));
    }
}
