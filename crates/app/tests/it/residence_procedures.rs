//! The residence procedures as dossiers, over every backend: filing checks everything and writes
//! only the dossier; approval applies the change with its outbox events; jurisdiction of the
//! commune police of the address; the rules of who may file for whom; the invariants.

use crate::{clone_as, invalid, meta, pairs, seed, stored};
use dinhdanh_app::AppError;
use dinhdanh_app::auth::{Principal, Role};
use dinhdanh_app::outbox::OutboxKind;
use dinhdanh_app::residence::HouseholdChoice;
use dinhdanh_app::residence::procedures::{Procedure, ResidenceFiling};
use dinhdanh_app::workflow::{Applicant, ApplicantRelation, Dossier, DossierFilter};
use dinhdanh_domain::admin::{Catalogue, UnitRef};
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{Address, Person, RelationKind, Relative};
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_domain::residence::{self as rules, HouseholdRelation, RegistrationKind, ResidenceProof};
use dinhdanh_testkit::sample::{self, BA_DINH, BEN_THANH};
use dinhdanh_testkit::{TestApp, officer};
use time::macros::date;

fn applicant(relation: ApplicantRelation, pin: Option<PersonalNumber>) -> Applicant {
    Applicant {
        person_id: None,
        pin,
        name: String::new(),
        relation,
        organisation: String::new(),
        contact: "0912345678".into(),
    }
}

fn me() -> Applicant {
    applicant(ApplicantRelation::Subject, None)
}

fn filing(pin: PersonalNumber, procedure: Procedure, applicant: Applicant) -> ResidenceFiling {
    ResidenceFiling { pin, procedure, applicant }
}

fn home(commune: &str) -> Address {
    sample::address(commune, "12 Lê Lợi")
}

fn permanent(commune: &str, household: HouseholdChoice, proof: ResidenceProof) -> Procedure {
    Procedure::Permanent { address: home(commune), household, proof }
}

/// Officer of Bến Thành (files), supervisor of Bến Thành (decides).
fn ben_thanh() -> (Principal, Principal) {
    (officer(Role::Officer, "commune:26743"), officer(Role::Supervisor, "commune:26743"))
}

async fn approve(t: &TestApp, who: &Principal, d: &Dossier) -> Result<Dossier, AppError> {
    t.app.transition_dossier(who, d.id, "start", "", None).await?;
    t.app.transition_dossier(who, d.id, "approve", "", None).await
}

async fn dossier_count(t: &TestApp, p: &Person) -> u64 {
    let national = officer(Role::Supervisor, "national");
    let f = DossierFilter { subject: Some(p.pin), kind_prefix: Some("residence.".into()), ..Default::default() };
    t.app.dossiers(&national, f).await.unwrap().total
}

fn outbox_kinds(events: Vec<dinhdanh_app::outbox::StoredEvent>) -> Vec<OutboxKind> {
    events.into_iter().map(|s| s.event.kind).collect()
}

#[tokio::test]
async fn permanent_registration_as_a_dossier() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        seed(&t, &man).await;
        seed(&t, &woman).await;
        let (clerk, chief) = ben_thanh();
        let proc_new = permanent(BEN_THANH, HouseholdChoice::New, ResidenceProof::Owned);

        // Jurisdiction: the police of another commune neither receive nor decide it.
        let ba_dinh = officer(Role::Supervisor, "commune:00004");
        let r = t.app.file_residence(&ba_dinh, filing(man.pin, proc_new.clone(), me())).await;
        assert!(matches!(r, Err(AppError::Forbidden)), "{e:?}: {r:?}");

        let d = t.app.file_residence(&clerk, filing(man.pin, proc_new, me())).await.unwrap();
        assert_eq!((d.kind.code, d.status, d.handling_unit.code()), ("residence.permanent", "received", BEN_THANH));
        assert!(d.code.starts_with("TTR-26743-"), "{e:?}: {}", d.code);
        assert_eq!(d.applicant.person_id, Some(man.id), "{e:?}: the subject files for himself");
        // Seven working days from 1 September 2026 (2 September is National Day, and the day
        // after as well in 2026): the calendar data decides.
        assert!(d.deadline.unwrap() > date!(2026 - 09 - 09), "{e:?}");
        // Filing writes only the dossier.
        assert!(t.app.store.registrations_of(man.id).await.unwrap().is_empty(), "{e:?}");
        assert!(t.app.store.outbox_after(0, 100).await.unwrap().is_empty(), "{e:?}");
        assert!(
            matches!(t.app.transition_dossier(&ba_dinh, d.id, "start", "", None).await, Err(AppError::Forbidden)),
            "{e:?}"
        );
        // An officer processes but does not decide.
        t.app.transition_dossier(&clerk, d.id, "start", "", None).await.unwrap();
        let r = t.app.transition_dossier(&clerk, d.id, "approve", "", None).await;
        assert!(matches!(r, Err(AppError::Forbidden)), "{e:?}");
        let done = t.app.transition_dossier(&chief, d.id, "approve", "", None).await.unwrap();
        assert_eq!(done.status, "approved");
        let regs = t.app.store.registrations_of(man.id).await.unwrap();
        assert_eq!(regs.len(), 1, "{e:?}");
        assert_eq!((regs[0].kind, regs[0].valid_from), (RegistrationKind::Permanent, date!(2026 - 09 - 01)));
        let household = regs[0].household_id.unwrap();
        assert_eq!(
            outbox_kinds(t.app.store.outbox_after(0, 100).await.unwrap()),
            [OutboxKind::ResidenceRegistered],
            "{e:?}"
        );
        // The approval is logged on the person's record like the direct use case.
        assert_eq!(stored(&t, man.id).await.person.permanent_residence.unwrap().unit.code(), BEN_THANH);

        // The wife joins with the owner's and head's consent.
        let join = |relation| HouseholdChoice::Join { household_id: household, relation };
        let d = t
            .app
            .file_residence(
                &clerk,
                filing(woman.pin, permanent(BEN_THANH, join(HouseholdRelation::Wife), ResidenceProof::Consent), me()),
            )
            .await
            .unwrap();
        // One head per household: a second head is refused at filing, nothing written.
        let before = dossier_count(&t, &woman).await;
        let r = t
            .app
            .file_residence(
                &clerk,
                filing(woman.pin, permanent(BEN_THANH, join(HouseholdRelation::Head), ResidenceProof::Consent), me()),
            )
            .await;
        assert_eq!(invalid(r), pairs(&[("relation", Rule::HouseholdHasHead)]), "{e:?}");
        assert_eq!(dossier_count(&t, &woman).await, before, "{e:?}: nothing written");
        // Rented: 15 m² for two persons is below the 8 m² per person default.
        let r = t
            .app
            .file_residence(
                &clerk,
                filing(
                    woman.pin,
                    permanent(
                        BEN_THANH,
                        join(HouseholdRelation::Lodger),
                        ResidenceProof::Rented { floor_area_m2: 15.0 },
                    ),
                    me(),
                ),
            )
            .await;
        assert_eq!(invalid(r), pairs(&[("proof.floor_area_m2", Rule::FloorAreaTooSmall)]), "{e:?}");
        // A legacy (pre-2025) commune is not an address for a new registration.
        let legacy = Address::new(UnitRef::new(Catalogue::Legacy, "26743").unwrap(), "12 Lê Lợi").unwrap();
        let r = t
            .app
            .file_residence(
                &clerk,
                filing(
                    woman.pin,
                    Procedure::Permanent {
                        address: legacy,
                        household: HouseholdChoice::New,
                        proof: ResidenceProof::Owned,
                    },
                    me(),
                ),
            )
            .await;
        assert!(matches!(r, Err(AppError::Invalid(_)) | Err(AppError::Forbidden)), "{e:?}: {r:?}");
        approve(&t, &chief, &d).await.unwrap();
        let members = t.app.store.household_members(household).await.unwrap();
        assert_eq!(members.len(), 2, "{e:?}");

        // One permanent residence: a move through a dossier at Ba Đình ends the old one.
        let hanoi_clerk = officer(Role::Supervisor, "commune:00004");
        let d = t
            .app
            .file_residence(
                &hanoi_clerk,
                filing(man.pin, permanent(BA_DINH, HouseholdChoice::New, ResidenceProof::Owned), me()),
            )
            .await
            .unwrap();
        approve(&t, &hanoi_clerk, &d).await.unwrap();
        let regs = t.app.store.registrations_of(man.id).await.unwrap();
        assert_eq!(regs.iter().filter(|r| r.is_current() && r.kind == RegistrationKind::Permanent).count(), 1);
        assert_eq!(regs[0].end_reason, "moved", "{e:?}");

        // A dead person: refused at filing.
        let clerk79 = officer(Role::Officer, "province:79");
        t.app
            .record_death(&clerk79, woman.pin, PartialDate::Full(date!(2026 - 08 - 30)), meta("Luật Hộ tịch 2014", ""))
            .await
            .unwrap();
        let r = t
            .app
            .file_residence(
                &clerk,
                filing(woman.pin, permanent(BEN_THANH, HouseholdChoice::New, ResidenceProof::Owned), me()),
            )
            .await;
        assert!(invalid(r).contains(&("pin".into(), Rule::PersonDead)), "{e:?}");
    }
}

#[tokio::test]
async fn temporary_registration_extension_absence_and_deregistration() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let man = sample::adult_man();
        seed(&t, &man).await;
        let (clerk, chief) = ben_thanh();
        let d = t
            .app
            .file_residence(
                &clerk,
                filing(man.pin, permanent(BEN_THANH, HouseholdChoice::New, ResidenceProof::Owned), me()),
            )
            .await
            .unwrap();
        approve(&t, &chief, &d).await.unwrap();

        let hanoi = officer(Role::Supervisor, "commune:00004");
        let temp = |commune: &str, until| Procedure::Temporary {
            address: sample::address(commune, "Phòng 3, 8 Kim Mã"),
            valid_until: until,
        };
        // Never in the permanent commune; at most two years; both said at once.
        let r = t.app.file_residence(&chief, filing(man.pin, temp(BEN_THANH, date!(2028 - 09 - 02)), me())).await;
        assert_eq!(
            invalid(r),
            pairs(&[("valid_until", Rule::TemporaryTermTooLong), ("address.unit", Rule::TemporaryInPermanentCommune)]),
            "{e:?}"
        );
        // The police of the temporary address handle it, not those of the permanent one.
        let r = t.app.file_residence(&chief, filing(man.pin, temp(BA_DINH, date!(2026 - 12 - 01)), me())).await;
        assert!(matches!(r, Err(AppError::Forbidden)), "{e:?}");
        let d =
            t.app.file_residence(&hanoi, filing(man.pin, temp(BA_DINH, date!(2026 - 09 - 10)), me())).await.unwrap();
        assert_eq!(d.kind.code, "residence.temporary");
        approve(&t, &hanoi, &d).await.unwrap();
        let current_temp = |regs: Vec<dinhdanh_app::residence::Registration>| {
            regs.into_iter().find(|r| r.is_current() && r.kind == RegistrationKind::Temporary)
        };
        let reg = current_temp(t.app.store.registrations_of(man.id).await.unwrap()).unwrap();
        assert_eq!(reg.valid_until, Some(date!(2026 - 09 - 10)), "{e:?}");

        // Extension: within the window before expiry, to a later day.
        let ext = |until| Procedure::Extension { valid_until: until };
        let r = t.app.file_residence(&hanoi, filing(man.pin, ext(date!(2026 - 09 - 05)), me())).await;
        assert_eq!(invalid(r), pairs(&[("valid_until", Rule::TemporaryTermEmpty)]), "{e:?}");
        let r = t.app.file_residence(&hanoi, filing(man.pin, ext(date!(2028 - 09 - 02)), me())).await;
        assert_eq!(invalid(r), pairs(&[("valid_until", Rule::TemporaryTermTooLong)]), "{e:?}");
        let d = t.app.file_residence(&hanoi, filing(man.pin, ext(date!(2027 - 09 - 01)), me())).await.unwrap();
        approve(&t, &hanoi, &d).await.unwrap();
        let regs = t.app.store.registrations_of(man.id).await.unwrap();
        let ext_reg = current_temp(regs.clone()).unwrap();
        assert_eq!(ext_reg.valid_until, Some(date!(2027 - 09 - 01)), "{e:?}");
        assert!(regs.iter().any(|r| r.end_reason == "extended"), "{e:?}");
        // Far from expiry now: a second extension is outside the window.
        let r = t.app.file_residence(&hanoi, filing(man.pin, ext(date!(2028 - 01 - 01)), me())).await;
        assert_eq!(invalid(r), pairs(&[("valid_until", Rule::ExtensionWindow)]), "{e:?}");

        // Absence declaration at the permanent commune.
        let absence = Procedure::Absence {
            case: rules::absence_case("long_absence").unwrap(),
            from: date!(2026 - 09 - 01),
            until: Some(date!(2027 - 09 - 01)),
            destination: "Hà Nội".into(),
            reason: "làm việc".into(),
        };
        let r = t.app.file_residence(&hanoi, filing(man.pin, absence.clone(), me())).await;
        assert!(matches!(r, Err(AppError::Forbidden)), "{e:?}: Hà Nội is not his permanent commune");
        let d = t.app.file_residence(&clerk, filing(man.pin, absence, me())).await.unwrap();
        assert!(t.app.store.absences_of(man.id).await.unwrap().is_empty(), "{e:?}");
        approve(&t, &chief, &d).await.unwrap();
        let absences = t.app.store.absences_of(man.id).await.unwrap();
        assert_eq!((absences.len(), absences[0].case_code.as_str()), (1, "long_absence"), "{e:?}");
        assert_eq!(absences[0].dossier_id, Some(d.id), "{e:?}");

        // Deregistration: the reason must fit (he is alive), and the authority may file it.
        let dereg = |code: &str| Procedure::DeregisterPermanent {
            reason: rules::deregistration_reason(RegistrationKind::Permanent, code).unwrap(),
            on: date!(2026 - 09 - 01),
        };
        let r = t.app.file_residence(&clerk, filing(man.pin, dereg("death"), me())).await;
        assert_eq!(invalid(r), pairs(&[("reason", Rule::DeregistrationNotDead)]), "{e:?}");
        let early = Procedure::DeregisterPermanent {
            reason: rules::deregistration_reason(RegistrationKind::Permanent, "settled_abroad").unwrap(),
            on: date!(2026 - 08 - 31),
        };
        let r = t.app.file_residence(&clerk, filing(man.pin, early, me())).await;
        assert_eq!(invalid(r), pairs(&[("on", Rule::DeregistrationBeforeStart)]), "{e:?}");
        let r = t.app.file_residence(&clerk, filing(man.pin, dereg("settled_abroad"), me())).await;
        let d = r.unwrap();
        assert_eq!(d.handling_unit.code(), BEN_THANH);
        let before = t.app.store.outbox_after(0, 1000).await.unwrap().len();
        approve(&t, &chief, &d).await.unwrap();
        let regs = t.app.store.registrations_of(man.id).await.unwrap();
        assert!(regs.iter().all(|r| r.kind != RegistrationKind::Permanent || !r.is_current()), "{e:?}");
        let ended = regs.iter().find(|r| r.end_reason == "settled_abroad").unwrap();
        assert_eq!(ended.ended_on, Some(date!(2026 - 09 - 01)), "{e:?}");
        assert!(t.app.store.memberships_of(man.id).await.unwrap().iter().all(|m| m.valid_to.is_some()), "{e:?}");
        let after = t.app.store.outbox_after(0, 1000).await.unwrap();
        assert_eq!(outbox_kinds(after[before..].to_vec()), [OutboxKind::ResidenceDeregistered], "{e:?}");
        assert!(stored(&t, man.id).await.person.permanent_residence.is_none(), "{e:?}");
        // Nothing left to deregister.
        let r = t.app.file_residence(&clerk, filing(man.pin, dereg("settled_abroad"), me())).await;
        assert_eq!(invalid(r), pairs(&[("pin", Rule::NoPermanentRegistration)]), "{e:?}");
        // The temporary one, by the Hà Nội police on their own initiative.
        let d = t
            .app
            .file_residence(
                &hanoi,
                filing(
                    man.pin,
                    Procedure::DeregisterTemporary {
                        reason: rules::deregistration_reason(RegistrationKind::Temporary, "tenancy_ended").unwrap(),
                        on: date!(2026 - 09 - 01),
                    },
                    applicant(ApplicantRelation::Authority, None),
                ),
            )
            .await
            .unwrap();
        approve(&t, &hanoi, &d).await.unwrap();
        assert!(current_temp(t.app.store.registrations_of(man.id).await.unwrap()).is_none(), "{e:?}");
    }
}

#[tokio::test]
async fn who_may_file_for_whom_and_households() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        let mut son = clone_as(&man, 10, "079215001111");
        son.birth_name = sample::name("Nguyễn Văn Bình");
        son.date_of_birth = PartialDate::Full(date!(2015 - 05 - 01));
        son.relatives =
            vec![Relative::linked(RelationKind::Father, &man), Relative::linked(RelationKind::Mother, &woman)];
        let mut brother = clone_as(&man, 11, "079096002222");
        brother.birth_name = sample::name("Nguyễn Văn Cường");
        brother.date_of_birth = PartialDate::Full(date!(1996 - 01 - 01));
        for p in [&man, &woman, &son, &brother] {
            seed(&t, p).await;
        }
        let (clerk, chief) = ben_thanh();
        let owned = |h| permanent(BEN_THANH, h, ResidenceProof::Owned);
        let d = t.app.file_residence(&clerk, filing(man.pin, owned(HouseholdChoice::New), me())).await.unwrap();
        approve(&t, &chief, &d).await.unwrap();
        let household = t.app.store.registrations_of(man.id).await.unwrap()[0].household_id.unwrap();
        let join = |relation| HouseholdChoice::Join { household_id: household, relation };

        // A minor does not file for himself; a parent does, if the register names them.
        let r = t.app.file_residence(&clerk, filing(son.pin, owned(join(HouseholdRelation::Child)), me())).await;
        assert_eq!(invalid(r), pairs(&[("applicant.relation", Rule::ApplicantSubjectMinor)]), "{e:?}");
        let r = t
            .app
            .file_residence(
                &clerk,
                filing(
                    son.pin,
                    owned(join(HouseholdRelation::Child)),
                    applicant(ApplicantRelation::Parent, Some(brother.pin)),
                ),
            )
            .await;
        assert_eq!(invalid(r), pairs(&[("applicant.pin", Rule::ApplicantNotParent)]), "{e:?}");
        // A parent does not file for an adult.
        let r = t
            .app
            .file_residence(
                &clerk,
                filing(
                    brother.pin,
                    owned(join(HouseholdRelation::Sibling)),
                    applicant(ApplicantRelation::Parent, Some(man.pin)),
                ),
            )
            .await;
        assert!(invalid(r).contains(&("applicant.relation".into(), Rule::ApplicantSubjectAdult)), "{e:?}");
        // The authority does not register anyone on its own initiative.
        let r = t
            .app
            .file_residence(
                &clerk,
                filing(
                    brother.pin,
                    owned(join(HouseholdRelation::Sibling)),
                    applicant(ApplicantRelation::Authority, None),
                ),
            )
            .await;
        assert_eq!(invalid(r), pairs(&[("applicant.relation", Rule::ApplicantNotAllowed)]), "{e:?}");
        // An authorized person needs the reference of the authorization.
        let r = t
            .app
            .file_residence(
                &clerk,
                filing(
                    brother.pin,
                    owned(join(HouseholdRelation::Sibling)),
                    Applicant { name: "Lê Văn Đức".into(), ..applicant(ApplicantRelation::Authorized, None) },
                ),
            )
            .await;
        assert_eq!(invalid(r), pairs(&[("applicant.organisation", Rule::ApplicantReference)]), "{e:?}");
        // Only the head of the household joined files as its head.
        let r = t
            .app
            .file_residence(
                &clerk,
                filing(
                    woman.pin,
                    owned(join(HouseholdRelation::Wife)),
                    applicant(ApplicantRelation::HouseholdHead, Some(brother.pin)),
                ),
            )
            .await;
        assert_eq!(invalid(r), pairs(&[("applicant.pin", Rule::ApplicantNotHead)]), "{e:?}");
        assert_eq!(dossier_count(&t, &woman).await, 0, "{e:?}: nothing written");

        for (p, rel, who) in [
            (&woman, HouseholdRelation::Wife, applicant(ApplicantRelation::HouseholdHead, Some(man.pin))),
            (&son, HouseholdRelation::Child, applicant(ApplicantRelation::Parent, Some(woman.pin))),
            (&brother, HouseholdRelation::Sibling, me()),
        ] {
            let d = t.app.file_residence(&clerk, filing(p.pin, owned(join(rel)), who)).await.unwrap();
            approve(&t, &chief, &d).await.unwrap();
        }
        // The parent's record, read to check the filing, is audited.
        let audit = t.app.store.audit_for_person(woman.id, 500).await.unwrap();
        assert!(audit.iter().any(|a| a.purpose == "residence_applicant_check"), "{e:?}: {audit:?}");
        let current = |ms: Vec<dinhdanh_app::residence::Membership>| {
            ms.into_iter().filter(|m| m.valid_to.is_none()).map(|m| (m.person_id, m.relation)).collect::<Vec<_>>()
        };
        assert_eq!(current(t.app.store.household_members(household).await.unwrap()).len(), 4, "{e:?}");

        // Change of head: the wife becomes head, the man her husband; a minor never heads.
        let r = t
            .app
            .file_residence(
                &clerk,
                filing(
                    son.pin,
                    Procedure::ChangeHead { former_head_relation: HouseholdRelation::Father },
                    applicant(ApplicantRelation::HouseholdHead, Some(man.pin)),
                ),
            )
            .await;
        assert_eq!(invalid(r), pairs(&[("pin", Rule::HouseholdHeadAdult)]), "{e:?}");
        let d = t
            .app
            .file_residence(
                &clerk,
                filing(
                    woman.pin,
                    Procedure::ChangeHead { former_head_relation: HouseholdRelation::Husband },
                    applicant(ApplicantRelation::HouseholdHead, Some(man.pin)),
                ),
            )
            .await
            .unwrap();
        approve(&t, &chief, &d).await.unwrap();
        let now = current(t.app.store.household_members(household).await.unwrap());
        assert!(now.contains(&(woman.id, HouseholdRelation::Head)), "{e:?}: {now:?}");
        assert!(now.contains(&(man.id, HouseholdRelation::Husband)), "{e:?}: {now:?}");
        assert_eq!(now.iter().filter(|(_, r)| *r == HouseholdRelation::Head).count(), 1, "{e:?}: one head");

        // Adjustment: the brother's relationship to the new head.
        let d = t
            .app
            .file_residence(&clerk, filing(brother.pin, Procedure::Adjust { relation: HouseholdRelation::Other }, me()))
            .await
            .unwrap();
        approve(&t, &chief, &d).await.unwrap();

        // Split: the brother leaves with a new household at the same address; the head cannot
        // be taken along, and the head cannot split off.
        let r = t
            .app
            .file_residence(
                &clerk,
                filing(brother.pin, Procedure::Split { members: vec![(woman.pin, HouseholdRelation::Sibling)] }, me()),
            )
            .await;
        assert_eq!(invalid(r), pairs(&[("members[0].pin", Rule::HouseholdSplitHead)]), "{e:?}");
        let r = t.app.file_residence(&clerk, filing(woman.pin, Procedure::Split { members: vec![] }, me())).await;
        assert_eq!(invalid(r), pairs(&[("pin", Rule::HouseholdSplitHead)]), "{e:?}");
        let d = t
            .app
            .file_residence(&clerk, filing(brother.pin, Procedure::Split { members: vec![] }, me()))
            .await
            .unwrap();
        assert_eq!(d.subjects[0].role, "new_head");
        approve(&t, &chief, &d).await.unwrap();
        let ms = t.app.store.memberships_of(brother.id).await.unwrap();
        let new = ms.iter().find(|m| m.valid_to.is_none()).unwrap();
        assert_ne!(new.household_id, household, "{e:?}");
        assert_eq!(new.relation, HouseholdRelation::Head, "{e:?}");
        let h = t.app.store.household(new.household_id).await.unwrap().unwrap();
        assert_eq!(h.address, home(BEN_THANH), "{e:?}: same legal residence");
        assert_eq!(current(t.app.store.household_members(household).await.unwrap()).len(), 3, "{e:?}");

        // An approval re-checks on fresh data: the son's pending registration elsewhere after
        // his death is refused, and the dossier stays where it was.
        let d = t
            .app
            .file_residence(
                &clerk,
                filing(son.pin, Procedure::Adjust { relation: HouseholdRelation::Grandchild }, me_parent(&woman)),
            )
            .await
            .unwrap();
        t.app.transition_dossier(&chief, d.id, "start", "", None).await.unwrap();
        let clerk79 = officer(Role::Officer, "province:79");
        t.app
            .record_death(&clerk79, son.pin, PartialDate::Full(date!(2026 - 08 - 31)), meta("Luật Hộ tịch 2014", ""))
            .await
            .unwrap();
        let r = t.app.transition_dossier(&chief, d.id, "approve", "", None).await;
        assert!(invalid(r).contains(&("pin".into(), Rule::PersonDead)), "{e:?}");
        assert_eq!(t.app.dossier(&chief, d.id).await.unwrap().dossier.status, "processing", "{e:?}");
    }
}

fn me_parent(parent: &Person) -> Applicant {
    applicant(ApplicantRelation::Parent, Some(parent.pin))
}

#[tokio::test]
async fn the_twelve_month_absence_rule_makes_candidates_for_an_officer() {
    use dinhdanh_app::residence::{PermanentRequest, TemporaryRequest};
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        seed(&t, &man).await;
        seed(&t, &woman).await;
        let national = officer(Role::Supervisor, "national");
        let (clerk, chief) = ben_thanh();
        let basis = "Luật Cư trú 2020";
        // Both permanently in Bến Thành since 2024; both lived in Ba Đình for a while.
        for (p, until) in [(&man, date!(2025 - 01 - 10)), (&woman, date!(2025 - 12 - 01))] {
            let req = PermanentRequest {
                pin: p.pin,
                address: home(BEN_THANH),
                household: HouseholdChoice::New,
                valid_from: date!(2024 - 01 - 05),
                legal_basis: basis.into(),
            };
            t.app.register_permanent(&national, req).await.unwrap();
            let req = TemporaryRequest {
                pin: p.pin,
                address: sample::address(BA_DINH, "8 Kim Mã"),
                valid_from: date!(2024 - 01 - 10),
                valid_until: until,
                legal_basis: basis.into(),
            };
            t.app.register_temporary(&national, req).await.unwrap();
        }
        let commune = UnitRef::new(Catalogue::Y2025, BEN_THANH).unwrap();
        let today = date!(2026 - 09 - 01);
        // Only the man: nothing has covered him since January 2025 (the woman until December).
        let list = t.app.absence_candidates(&clerk, &commune, today).await.unwrap();
        assert_eq!(list.iter().map(|c| c.pin).collect::<Vec<_>>(), [man.pin], "{e:?}");
        assert_eq!(list[0].last_covered, date!(2025 - 01 - 10), "{e:?}");
        // Outside the caller's commune: refused.
        let hanoi = UnitRef::new(Catalogue::Y2025, BA_DINH).unwrap();
        assert!(matches!(t.app.absence_candidates(&clerk, &hanoi, today).await, Err(AppError::Forbidden)));
        // An open-ended absence declaration exempts him.
        let mut with_absence = t.app.store.absences_of(man.id).await.unwrap();
        assert!(with_absence.is_empty());
        let absence = Procedure::Absence {
            case: rules::absence_case("long_absence").unwrap(),
            from: date!(2026 - 09 - 01),
            until: None,
            destination: "Đà Nẵng".into(),
            reason: "làm việc".into(),
        };
        // The woman may not be deregistered for absence: the register does not show it.
        let dereg = Procedure::DeregisterPermanent {
            reason: rules::deregistration_reason(RegistrationKind::Permanent, "absent_12_months").unwrap(),
            on: today,
        };
        let authority = || applicant(ApplicantRelation::Authority, None);
        let r = t.app.file_residence(&clerk, filing(woman.pin, dereg.clone(), authority())).await;
        assert_eq!(invalid(r), pairs(&[("reason", Rule::AbsenceRuleNotMet)]), "{e:?}");
        // The officer decides on the candidate: a deregistration dossier on the police's initiative.
        let d = t.app.file_residence(&clerk, filing(man.pin, dereg, authority())).await.unwrap();
        assert_eq!(d.applicant.relation, ApplicantRelation::Authority);
        approve(&t, &chief, &d).await.unwrap();
        assert!(t.app.absence_candidates(&clerk, &commune, today).await.unwrap().is_empty(), "{e:?}");
        let regs = t.app.store.registrations_of(man.id).await.unwrap();
        assert!(regs.iter().any(|r| r.end_reason == "absent_12_months"), "{e:?}");

        // The woman, a year on: a candidate, until she declares an open-ended absence.
        let later = date!(2026 - 12 - 10);
        t.clock.set(time::macros::datetime!(2026-12-10 03:00 UTC));
        let list = t.app.absence_candidates(&clerk, &commune, later).await.unwrap();
        assert_eq!(list.iter().map(|c| c.pin).collect::<Vec<_>>(), [woman.pin], "{e:?}");
        let d = t.app.file_residence(&clerk, filing(woman.pin, absence, me())).await.unwrap();
        approve(&t, &chief, &d).await.unwrap();
        with_absence = t.app.store.absences_of(woman.id).await.unwrap();
        assert_eq!(with_absence.len(), 1);
        assert!(t.app.absence_candidates(&clerk, &commune, later).await.unwrap().is_empty(), "{e:?}");
    }
}
