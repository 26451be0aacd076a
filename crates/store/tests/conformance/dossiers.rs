//! Dossier tables: a dossier round-trips, updates are guarded by version, the log keeps its
//! order, worklist filters select the same rows on both engines, and codes are unique.

use super::{NOW, actor, audit, create};
use dinhdanh_app::audit::AuditAction;
use dinhdanh_app::auth::Permission;
use dinhdanh_app::ports::{ChangeSet, Store, StoreError};
use dinhdanh_app::workflow::DossierStore;
use dinhdanh_app::workflow::{
    Applicant, ApplicantRelation, Dossier, DossierChange, DossierKind, DossierQuery, DossierSubject, DossierTransition,
    NoEffects, STANDARD_STATES, STANDARD_TRANSITIONS,
};
use dinhdanh_domain::person::Person;
use dinhdanh_testkit::backends;
use dinhdanh_testkit::sample::{self, BA_DINH, BEN_THANH};
use time::macros::date;
use uuid::Uuid;

static KIND: DossierKind = DossierKind {
    code: "test.kind_x",
    code_prefix: "TX",
    name_vi: "x",
    name_en: "x",
    legal_basis: "x",
    states: STANDARD_STATES,
    initial: "received",
    transitions: STANDARD_TRANSITIONS,
    time_limit_days: 3,
    receive_permission: Permission::ReceiveDossier,
    effects: &NoEffects,
};

fn dossier(code: &str, p: &Person, commune: &str) -> Dossier {
    Dossier {
        id: Uuid::new_v4(),
        code: code.to_owned(),
        kind: &KIND,
        status: "received",
        subjects: vec![DossierSubject {
            person_id: p.id,
            pin: p.pin,
            name: p.birth_name.to_string(),
            role: "subject".into(),
        }],
        handling_unit: sample::unit(commune),
        applicant: Applicant {
            person_id: None,
            pin: None,
            name: "Khách sạn Sao Mai".into(),
            relation: ApplicantRelation::Authorized,
            organisation: "Giấy ủy quyền số 12/2026".into(),
            contact: "a@b.vn".into(),
        },
        form: r#"{"x": "Lê Lợi"}"#.into(),
        assignee: None,
        received_at: NOW,
        deadline: Some(date!(2026 - 09 - 07)),
        note: String::new(),
        version: 1,
        updated_at: NOW,
    }
}

fn change(d: &Dossier, expected: Option<i64>, action: &str, from: &str) -> ChangeSet {
    ChangeSet {
        audit: vec![audit(Some(d.subjects[0].person_id), AuditAction::Update, None)],
        dossiers: vec![DossierChange {
            dossier: d.clone(),
            expected_version: expected,
            transition: DossierTransition {
                id: Uuid::new_v4(),
                dossier_id: d.id,
                at: NOW,
                actor: actor(),
                action: action.into(),
                from_state: from.into(),
                to_state: d.status.into(),
                note: d.note.clone(),
                deadline: d.deadline,
            },
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn dossiers_round_trip_with_guarded_updates() {
    for t in backends().await {
        let e = t.engine;
        let p = sample::adult_man();
        create(&t, &p).await;
        let mut d = dossier("TX-26743-260901-AAAAAA", &p, BEN_THANH);
        d.assignee = Some(actor());
        t.store.commit(change(&d, None, "receive", "")).await.unwrap_or_else(|err| panic!("{e:?}: {err}"));
        let r = t.store.dossier(d.id).await.unwrap().expect("stored");
        assert_eq!(
            (r.code.as_str(), r.kind.as_str(), r.status.as_str(), r.version),
            (d.code.as_str(), "test.kind_x", "received", 1),
            "{e:?}"
        );
        assert_eq!(
            (r.subjects.clone(), r.applicant.clone(), r.form.clone()),
            (d.subjects.clone(), d.applicant.clone(), d.form.clone())
        );
        assert_eq!((r.handling_unit.to_string(), r.deadline, r.received_at), ("2025:26743".into(), d.deadline, NOW));
        assert_eq!(r.assignee, Some(actor()), "{e:?}");
        assert_eq!(t.store.dossier_by_code(&d.code).await.unwrap().map(|x| x.id), Some(d.id), "{e:?}");

        // An update from the right version lands; one from a stale version changes nothing.
        let mut next = d.clone();
        next.status = "supplement_requested";
        next.deadline = None;
        next.note = "Thiếu hợp đồng thuê nhà".into();
        next.version = 2;
        t.store.commit(change(&next, Some(1), "request_supplement", "received")).await.unwrap();
        let mut stale = next.clone();
        stale.status = "refused";
        stale.version = 2;
        let r = t.store.commit(change(&stale, Some(1), "refuse", "received")).await;
        assert!(matches!(r, Err(StoreError::Conflict)), "{e:?}: {r:?}");
        let r = t.store.dossier(d.id).await.unwrap().unwrap();
        assert_eq!(
            (r.status.as_str(), r.deadline, r.note.as_str()),
            ("supplement_requested", None, "Thiếu hợp đồng thuê nhà")
        );
        let log = t.store.dossier_transitions(d.id).await.unwrap();
        assert_eq!(
            log.iter().map(|l| l.action.as_str()).collect::<Vec<_>>(),
            ["receive", "request_supplement"],
            "{e:?}"
        );
        assert_eq!(log[1].deadline, None, "{e:?}");
        // The failed commit wrote no audit line either.
        let audit = t.store.audit_for_person(p.id, 20).await.unwrap();
        assert_eq!(audit.iter().filter(|a| a.action == AuditAction::Update).count(), 2, "{e:?}");

        // Codes are unique.
        let dup = dossier(&d.code, &p, BEN_THANH);
        let r = t.store.commit(change(&dup, None, "receive", "")).await;
        assert!(matches!(&r, Err(StoreError::Duplicate(m)) if m.contains("code")), "{e:?}: {r:?}");
    }
}

#[tokio::test]
async fn worklist_filters() {
    for t in backends().await {
        let e = t.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        create(&t, &man).await;
        create(&t, &woman).await;
        let mut a = dossier("TX-26743-260901-AAAAAA", &man, BEN_THANH);
        a.assignee = Some(actor());
        let mut b = dossier("TX-00004-260902-BBBBBB", &woman, BA_DINH);
        b.received_at = NOW + time::Duration::days(1);
        b.deadline = Some(date!(2026 - 09 - 03));
        let mut c = dossier("TX-26743-260903-CCCCCC", &woman, BEN_THANH);
        c.received_at = NOW + time::Duration::days(2);
        c.status = "done";
        for d in [&a, &b, &c] {
            t.store.commit(change(d, None, "receive", "")).await.unwrap();
        }
        let codes = |q: DossierQuery| {
            let store = t.store.clone();
            async move {
                store
                    .dossiers(&DossierQuery { limit: 10, ..q })
                    .await
                    .unwrap()
                    .items
                    .into_iter()
                    .map(|d| d.code)
                    .collect::<Vec<_>>()
            }
        };
        let (ca, cb, cc) = (a.code.clone(), b.code.clone(), c.code.clone());
        assert_eq!(codes(DossierQuery::default()).await, [cc.clone(), cb.clone(), ca.clone()], "{e:?}: newest first");
        assert_eq!(
            codes(DossierQuery { open_only: true, ..Default::default() }).await,
            [cb.clone(), ca.clone()],
            "{e:?}"
        );
        assert_eq!(
            codes(DossierQuery { province: Some("01".into()), ..Default::default() }).await,
            [cb.as_str()],
            "{e:?}"
        );
        assert_eq!(
            codes(DossierQuery { commune: Some(BEN_THANH.into()), ..Default::default() }).await,
            [cc.clone(), ca.clone()]
        );
        assert_eq!(
            codes(DossierQuery { assignee: Some(actor().id), ..Default::default() }).await,
            [ca.as_str()],
            "{e:?}"
        );
        assert_eq!(
            codes(DossierQuery { subject: Some(woman.id), ..Default::default() }).await,
            [cc.clone(), cb.clone()]
        );
        let q = DossierQuery { subject: Some(woman.id), assignee: Some(actor().id), ..Default::default() };
        assert!(codes(q).await.is_empty(), "{e:?}");
        let q = DossierQuery { overdue_on: Some(date!(2026 - 09 - 04)), ..Default::default() };
        assert_eq!(codes(q).await, [cb.as_str()], "{e:?}: open and past its deadline");
        let q = DossierQuery { status: Some("done".into()), kind: Some("test.kind_x".into()), ..Default::default() };
        assert_eq!(codes(q).await, [cc.as_str()], "{e:?}");
        // `_` in a prefix is a literal, not a wildcard.
        assert_eq!(codes(DossierQuery { kind_prefix: Some("test.kind_".into()), ..Default::default() }).await.len(), 3);
        assert!(codes(DossierQuery { kind_prefix: Some("test.kindx".into()), ..Default::default() }).await.is_empty());
        let page = t.store.dossiers(&DossierQuery { limit: 1, offset: 1, ..Default::default() }).await.unwrap();
        assert_eq!((page.total, page.items.len(), page.items[0].code.clone()), (3, 1, cb.clone()), "{e:?}");
    }
}
