//! Households and registrations over every backend: one permanent residence, one head, the
//! temporary-registration rules, residence as of a date, deregistration at death, outbox events.

use crate::{invalid, meta, pairs, seed, stored};
use dinhdanh_app::AppError;
use dinhdanh_app::auth::Role;
use dinhdanh_app::outbox::OutboxKind;
use dinhdanh_app::ports::ChangeSet;
use dinhdanh_app::residence::{
    HouseholdChoice, Membership, PermanentRequest, Registration, ResidenceWrite, TemporaryRequest,
};
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::residence::{HouseholdRelation, RegistrationKind};
use dinhdanh_testkit::sample::{self, BA_DINH, BEN_THANH};
use dinhdanh_testkit::{TestApp, officer};
use time::macros::date;

const BASIS: &str = "Luật Cư trú 2020";

fn permanent(
    pin: dinhdanh_domain::pin::PersonalNumber,
    commune: &str,
    household: HouseholdChoice,
    from: time::Date,
) -> PermanentRequest {
    PermanentRequest {
        pin,
        address: sample::address(commune, "12 Lê Lợi"),
        household,
        valid_from: from,
        legal_basis: BASIS.into(),
    }
}

#[tokio::test]
async fn households_have_one_head_and_persons_one_permanent_residence() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (man, woman) = (sample::adult_man(), sample::adult_woman());
        seed(&t, &man).await;
        seed(&t, &woman).await;
        let hcm = officer(Role::Officer, "province:79");
        let hanoi = officer(Role::Officer, "province:01");

        // Jurisdiction: the commune police of the address.
        let r = t
            .app
            .register_permanent(&hanoi, permanent(man.pin, BEN_THANH, HouseholdChoice::New, date!(2026 - 01 - 05)))
            .await;
        assert!(matches!(r, Err(AppError::Forbidden)), "{e:?}");

        let first = t
            .app
            .register_permanent(&hcm, permanent(man.pin, BEN_THANH, HouseholdChoice::New, date!(2026 - 01 - 05)))
            .await
            .unwrap();
        let household = first.household_id.unwrap();
        // A second head is refused, clearly, and nothing is written.
        let r = t
            .app
            .register_permanent(
                &hcm,
                permanent(
                    woman.pin,
                    BEN_THANH,
                    HouseholdChoice::Join { household_id: household, relation: HouseholdRelation::Head },
                    date!(2026 - 02 - 01),
                ),
            )
            .await;
        assert_eq!(invalid(r), pairs(&[("relation", Rule::HouseholdHasHead)]), "{e:?}");
        assert!(t.app.store.registrations_of(woman.id).await.unwrap().is_empty(), "{e:?}");
        // The address must be the household's.
        let r = t
            .app
            .register_permanent(
                &hcm,
                PermanentRequest {
                    address: sample::address(BEN_THANH, "99 Hàm Nghi"),
                    ..permanent(
                        woman.pin,
                        BEN_THANH,
                        HouseholdChoice::Join { household_id: household, relation: HouseholdRelation::Wife },
                        date!(2026 - 02 - 01),
                    )
                },
            )
            .await;
        assert_eq!(invalid(r), pairs(&[("address", Rule::HouseholdAddress)]), "{e:?}");
        // Unknown PIN.
        let r = t
            .app
            .register_permanent(
                &hcm,
                permanent(sample::pin("079090009999"), BEN_THANH, HouseholdChoice::New, date!(2026 - 02 - 01)),
            )
            .await;
        assert_eq!(invalid(r), pairs(&[("pin", Rule::PinUnknown)]), "{e:?}");
        t.app
            .register_permanent(
                &hcm,
                permanent(
                    woman.pin,
                    BEN_THANH,
                    HouseholdChoice::Join { household_id: household, relation: HouseholdRelation::Wife },
                    date!(2026 - 02 - 01),
                ),
            )
            .await
            .unwrap();
        let members = t.app.store.household_members(household).await.unwrap();
        assert_eq!(
            members.iter().map(|m| m.relation).collect::<Vec<_>>(),
            [HouseholdRelation::Head, HouseholdRelation::Wife]
        );

        // The man moves to Hà Nội: the old registration and membership end the day the new begin.
        let national = officer(Role::Supervisor, "national");
        t.app
            .register_permanent(&national, permanent(man.pin, BA_DINH, HouseholdChoice::New, date!(2026 - 06 - 01)))
            .await
            .unwrap();
        let regs = t.app.store.registrations_of(man.id).await.unwrap();
        assert_eq!(
            regs.iter().filter(|r| r.is_current() && r.kind == RegistrationKind::Permanent).count(),
            1,
            "{e:?}: one permanent residence"
        );
        assert_eq!((regs[0].ended_on, regs[0].end_reason.as_str()), (Some(date!(2026 - 06 - 01)), "moved"), "{e:?}");
        let rec = stored(&t, man.id).await;
        assert_eq!(rec.person.permanent_residence.unwrap().unit.code(), BA_DINH, "{e:?}: the record follows");

        // As of a date: where he lived then.
        let then = t.app.residence_as_of(&national, &man.pin, date!(2026 - 03 - 01)).await.unwrap();
        assert_eq!(then.permanent.unwrap().address.unit.code(), BEN_THANH, "{e:?}");
        let (h, m) = then.household.unwrap();
        assert_eq!((h.id, m.relation), (household, HouseholdRelation::Head), "{e:?}");
        let now = t.app.residence_as_of(&national, &man.pin, date!(2026 - 08 - 01)).await.unwrap();
        assert_eq!(now.permanent.unwrap().address.unit.code(), BA_DINH, "{e:?}");
        assert_eq!(now.history.len(), 2, "{e:?}");
        assert!(t.app.residence_as_of(&national, &man.pin, date!(2025 - 12 - 01)).await.unwrap().permanent.is_none());

        // The store holds the invariants on its own too: a second current permanent registration
        // or a second current head fails the whole change set.
        let current = t.app.store.registrations_of(woman.id).await.unwrap().pop().unwrap();
        let second = Registration { id: uuid::Uuid::from_u128(91), ..current };
        let r = t
            .app
            .store
            .commit(ChangeSet { residence: vec![ResidenceWrite::Register(second)], ..Default::default() })
            .await;
        assert!(r.is_err(), "{e:?}: two permanent residences");
        let head = Membership {
            household_id: household,
            person_id: man.id,
            relation: HouseholdRelation::Head,
            valid_from: date!(2026 - 07 - 01),
            valid_to: None,
        };
        let r =
            t.app.store.commit(ChangeSet { residence: vec![ResidenceWrite::Join(head)], ..Default::default() }).await;
        assert!(r.is_err(), "{e:?}: the household already has a current head");
        assert_eq!(t.app.store.registrations_of(woman.id).await.unwrap().len(), 1, "{e:?}");

        // Outbox: registered, registered, deregistered (the move) and registered.
        let kinds: Vec<OutboxKind> =
            t.app.store.outbox_after(0, 100).await.unwrap().into_iter().map(|s| s.event.kind).collect();
        assert_eq!(
            kinds,
            [
                OutboxKind::ResidenceRegistered,
                OutboxKind::ResidenceRegistered,
                OutboxKind::ResidenceDeregistered,
                OutboxKind::ResidenceRegistered
            ],
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn temporary_registration_rules_and_death_deregisters() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let man = sample::adult_man();
        seed(&t, &man).await;
        let national = officer(Role::Supervisor, "national");
        t.app
            .register_permanent(&national, permanent(man.pin, BEN_THANH, HouseholdChoice::New, date!(2026 - 01 - 05)))
            .await
            .unwrap();
        let temp = |commune: &str, from: time::Date, until: time::Date| TemporaryRequest {
            pin: man.pin,
            address: sample::address(commune, "Phòng 3, 8 Kim Mã"),
            valid_from: from,
            valid_until: until,
            legal_basis: BASIS.into(),
        };
        // Too long, and in his own permanent commune: both said, nothing written.
        let r =
            t.app.register_temporary(&national, temp(BEN_THANH, date!(2026 - 08 - 01), date!(2028 - 08 - 02))).await;
        assert_eq!(
            invalid(r),
            pairs(&[("valid_until", Rule::TemporaryTermTooLong), ("address.unit", Rule::TemporaryInPermanentCommune)]),
            "{e:?}"
        );
        assert_eq!(t.app.store.registrations_of(man.id).await.unwrap().len(), 1, "{e:?}");
        let r = t.app.register_temporary(&national, temp(BA_DINH, date!(2026 - 08 - 01), date!(2026 - 08 - 01))).await;
        assert_eq!(invalid(r), pairs(&[("valid_until", Rule::TemporaryTermEmpty)]), "{e:?}");
        let reg = t
            .app
            .register_temporary(&national, temp(BA_DINH, date!(2026 - 08 - 01), date!(2028 - 08 - 01)))
            .await
            .unwrap();
        assert_eq!(reg.valid_until, Some(date!(2028 - 08 - 01)));
        let asof = t.app.residence_as_of(&national, &man.pin, date!(2026 - 08 - 15)).await.unwrap();
        assert_eq!(asof.temporary.len(), 1, "{e:?}");
        assert!(
            t.app.residence_as_of(&national, &man.pin, date!(2028 - 08 - 02)).await.unwrap().temporary.is_empty(),
            "{e:?}: term over"
        );

        // Death ends every registration and the household membership, in the death's transaction.
        let clerk = officer(Role::Officer, "province:79");
        t.app
            .record_death(&clerk, man.pin, PartialDate::Full(date!(2026 - 08 - 20)), meta("Luật Hộ tịch 2014", ""))
            .await
            .unwrap();
        let regs = t.app.store.registrations_of(man.id).await.unwrap();
        assert!(
            regs.iter().all(|r| r.ended_on == Some(date!(2026 - 08 - 20)) && r.end_reason == "death"),
            "{e:?}: {regs:?}"
        );
        let ms = t.app.store.memberships_of(man.id).await.unwrap();
        assert!(ms.iter().all(|m| m.valid_to == Some(date!(2026 - 08 - 20))), "{e:?}");
        let deregistered = t
            .app
            .store
            .outbox_after(0, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.event.kind == OutboxKind::ResidenceDeregistered)
            .count();
        assert_eq!(deregistered, 2, "{e:?}: permanent and temporary");
        // The dead cannot register.
        let r = t.app.register_temporary(&national, temp(BA_DINH, date!(2026 - 08 - 21), date!(2027 - 08 - 21))).await;
        assert!(invalid(r).contains(&("pin".into(), Rule::PersonDead)), "{e:?}");
    }
}
