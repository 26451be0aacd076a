//! Bulk import and export.

use crate::{clone_as, seed, stored_pin};
use dinhdanh_app::AppError;
use dinhdanh_app::audit::AuditAction;
use dinhdanh_app::auth::{Principal, Role};
use dinhdanh_app::import::{ImportRow, RowOutcome};
use dinhdanh_app::ports::CaseStatus;
use dinhdanh_app::register::Decision;
use dinhdanh_domain::error::{Invalid, Rule};
use dinhdanh_domain::person::{Person, PersonId, Sex};
use dinhdanh_testkit::{TestApp, officer, sample, synth};
use time::macros::date;

fn rows(people: &[Person], extra: &[(u64, Result<Person, Invalid>)]) -> Vec<ImportRow> {
    people
        .iter()
        .enumerate()
        .map(|(i, p)| ImportRow { line: i as u64 + 1, person: Ok(p.clone()) })
        .chain(extra.iter().map(|(line, p)| ImportRow { line: *line, person: p.clone() }))
        .collect()
}

/// Outcomes as short codes, so a whole file's report compares in one assertion.
fn codes(out: &[(u64, RowOutcome)]) -> Vec<(u64, String)> {
    out.iter()
        .map(|(l, o)| {
            let c = match o {
                RowOutcome::Imported => "imported".to_owned(),
                RowOutcome::AlreadyPresent => "present".to_owned(),
                RowOutcome::Adjudication(_) => "adjudication".to_owned(),
                RowOutcome::Rejected(inv) => {
                    format!(
                        "rejected {}",
                        inv.0.iter().map(|e| format!("{}:{}", e.field, e.rule.code())).collect::<Vec<_>>().join(",")
                    )
                }
            };
            (*l, c)
        })
        .collect()
}

#[tokio::test]
async fn import_is_idempotent_and_sends_duplicates_to_adjudication() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let existing = sample::adult_man();
        seed(&t, &existing).await;
        let people: Vec<Person> = synth::persons(3, date!(2026 - 09 - 01), 8).collect();
        let twin = clone_as(&existing, 500, "079090007777");
        let mut wrong_sex = clone_as(&sample::adult_man(), 501, "079090008888");
        wrong_sex.sex = Sex::Female;
        wrong_sex.birth_name = sample::name("Nguyễn Thị Sai");
        let mut taken = clone_as(&sample::adult_woman(), 502, "079090001234");
        taken.birth_name = sample::name("Nguyễn Văn Khác");
        taken.sex = Sex::Male;
        taken.date_of_birth = existing.date_of_birth;
        let extra = [
            (9, Ok(twin.clone())),
            (10, Ok(wrong_sex)),
            (11, Err(Invalid::one("birth_name", Rule::Required))),
            (12, Ok(taken)),
        ];
        let system = Principal::system("import test");
        let out = t.app.import_batch(&system, rows(&people, &extra), "dan-cu.csv").await.expect("import");
        let mut want: Vec<(u64, String)> = (1..=8).map(|l| (l, "imported".to_owned())).collect();
        want.extend([
            (9, "adjudication".to_owned()),
            (10, "rejected pin:pin.mismatch_birth".to_owned()),
            (11, "rejected birth_name:required".to_owned()),
            (12, "rejected pin:pin.unknown".to_owned()),
        ]);
        assert_eq!(codes(&out), want, "{e:?}");
        assert_eq!(t.app.store.count_persons().await.expect("count"), 9, "{e:?}");
        for p in &people {
            let s = stored_pin(&t, &p.pin).await;
            assert!(s.person == *p, "{e:?}: imported record differs");
            let audit = t.app.store.audit_for_person(p.id, 10).await.expect("audit");
            assert_eq!(audit.len(), 1, "{e:?}");
            assert_eq!(
                (audit[0].action, audit[0].detail.as_str()),
                (
                    AuditAction::Import,
                    format!("dan-cu.csv:{}", 1 + people.iter().position(|q| q.id == p.id).unwrap_or(0)).as_str()
                )
            );
        }

        // Running the same file again changes nothing.
        let again = t.app.import_batch(&system, rows(&people, &extra), "dan-cu.csv").await.expect("re-run");
        let mut want: Vec<(u64, String)> = (1..=8).map(|l| (l, "present".to_owned())).collect();
        want.extend([
            (9, "adjudication".to_owned()),
            (10, "rejected pin:pin.mismatch_birth".to_owned()),
            (11, "rejected birth_name:required".to_owned()),
            (12, "rejected pin:pin.unknown".to_owned()),
        ]);
        assert_eq!(codes(&again), want, "{e:?}");
        assert_eq!(t.app.store.count_persons().await.expect("count"), 9, "{e:?}");
        let (RowOutcome::Adjudication(first), RowOutcome::Adjudication(second)) = (&out[8].1, &again[8].1) else {
            panic!("{e:?}: line 9 not in adjudication");
        };
        assert_eq!(first, second, "{e:?}: a re-run reports the pending case instead of opening another");
        let pending = t.app.store.cases(Some(CaseStatus::Pending), 10).await.expect("cases");
        assert_eq!(pending.len(), 1, "{e:?}");
        assert_eq!((pending[0].source_line, &pending[0].matches), (Some(9), &vec![existing.id]), "{e:?}");

        // The officer decides the twin is a different person: the record is created with its number.
        let sup = officer(Role::Supervisor, "province:79");
        let decided = t.app.decide(&sup, *first, Decision::Create, "người khác").await.expect("decide");
        assert_eq!((decided.status, decided.person_id), (CaseStatus::Created, Some(twin.id)), "{e:?}");
        assert_eq!(stored_pin(&t, &twin.pin).await.person.id, twin.id, "{e:?}");
        let third = t.app.import_batch(&system, rows(&[], &[(9, Ok(twin))]), "dan-cu.csv").await.expect("re-run");
        assert_eq!(codes(&third), [(9, "present".to_owned())], "{e:?}");

        assert!(matches!(
            t.app.import_batch(&officer(Role::Supervisor, "national"), vec![], "x").await,
            Err(AppError::Forbidden)
        ));
    }
}

#[tokio::test]
async fn export_pages_through_everyone_once_and_audits_it() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let people: Vec<Person> = synth::persons(4, date!(2026 - 09 - 01), 11).collect();
        let system = Principal::system("export test");
        t.app.import_batch(&system, rows(&people, &[]), "seed").await.expect("import");
        let mut after = None;
        let mut seen: Vec<PersonId> = Vec::new();
        loop {
            let page = t.app.export_page(&system, after, 4, "sao lưu").await.expect("export");
            assert!(page.len() <= 4, "{e:?}");
            let Some(last) = page.last() else { break };
            after = Some(last.person.id);
            seen.extend(page.iter().map(|s| s.person.id));
        }
        let mut want: Vec<PersonId> = people.iter().map(|p| p.id).collect();
        want.sort_by_key(|p| p.0);
        assert_eq!(seen, want, "{e:?}");
        let audit = t.app.store.audit_for_person(people[0].id, 10).await.expect("audit");
        let export = audit.iter().filter(|a| a.action == AuditAction::Export).collect::<Vec<_>>();
        assert_eq!(export.len(), 1, "{e:?}");
        assert_eq!(export[0].purpose, "sao lưu", "{e:?}");
        assert!(matches!(
            t.app.export_page(&officer(Role::Administrator, "national"), None, 4, "x").await,
            Err(AppError::Forbidden)
        ));
    }
}
