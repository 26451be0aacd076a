//! Card applications through the workflow engine, the identity store, card status and the
//! relying-party questions, on every storage backend.

use dinhdanh_app::audit::AuditAction;
use dinhdanh_app::auth::{Principal, PrincipalKind, Role, Scope};
use dinhdanh_app::cards::application::CardApplicationInput;
use dinhdanh_app::identity::{BiometricFormat, BiometricKind};
use dinhdanh_app::outbox::OutboxKind;
use dinhdanh_app::pki::CardPki;
use dinhdanh_app::ports::Clock;
use dinhdanh_app::workflow::{Applicant, ApplicantRelation};
use dinhdanh_app::{App, AppConfig, AppError};
use dinhdanh_crypto::aead::KeyRing;
use dinhdanh_domain::card::{ApplicationKind, CardStatus};
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::Jurisdiction;
use dinhdanh_domain::person::{CardKind, Person};
use dinhdanh_icao::{TrustStore, passive_authentication};
use dinhdanh_testkit::sample::{self, BEN_THANH};
use dinhdanh_testkit::{SeededRng, TestApp, officer};
use std::sync::Arc;
use time::macros::date;

fn card_app(t: &TestApp, keys: KeyRing) -> (Arc<App>, Arc<CardPki>) {
    let pki = Arc::new(CardPki::ephemeral(t.clock.now()).unwrap());
    let config = AppConfig { client_cache_ttl: time::Duration::ZERO, ..AppConfig::default() };
    let app = App::new(t.store.dyn_store(), t.clock.clone(), SeededRng::new(11), config)
        .with_card_pki(pki.clone())
        .with_identity_keys(Arc::new(keys));
    (Arc::new(app), pki)
}

fn input(p: &Person, kind: ApplicationKind) -> CardApplicationInput {
    CardApplicationInput {
        pin: p.pin,
        kind,
        handling_unit: sample::unit(BEN_THANH),
        applicant: Applicant {
            person_id: Some(p.id),
            pin: Some(p.pin),
            name: p.birth_name.to_string(),
            relation: ApplicantRelation::Subject,
            organisation: String::new(),
            contact: "0912000111".into(),
        },
    }
}

fn bank(scopes: Vec<Scope>) -> Principal {
    Principal {
        id: uuid::Uuid::from_u128(0xba4c),
        name: "Ngân hàng thử".into(),
        kind: PrincipalKind::ApiClient(scopes),
        jurisdiction: Jurisdiction::National,
    }
}

fn face(seed: u64) -> Vec<u8> {
    dinhdanh_testkit::synth::face::portrait_jpeg(seed, false)
}

#[tokio::test]
async fn a_first_card_from_application_to_delivery() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (app, pki) = card_app(&t, KeyRing::ephemeral().unwrap());
        let man = sample::adult_man();
        crate::seed(&t, &man).await;
        let clerk = officer(Role::Officer, "province:79");
        let chief = officer(Role::Supervisor, "province:79");

        let d = app.apply_for_card(&clerk, input(&man, ApplicationKind::FirstIssue)).await.unwrap();
        assert_eq!(d.status, "received", "{e:?}");
        assert!(d.code.starts_with("CC-26743-"), "{e:?}: {}", d.code);
        // A second open application is refused with nothing written.
        let r = app.apply_for_card(&clerk, input(&man, ApplicationKind::FirstIssue)).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("kind", Rule::CardApplicationOpen)]), "{e:?}");
        // No face yet: the biometrics step is refused.
        let r = app.transition_dossier(&clerk, d.id, "capture_biometrics", "", None).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("face", Rule::CardFaceRequired)]), "{e:?}");
        app.capture_biometric(&clerk, &man.pin, BiometricKind::Face, BiometricFormat::Jpeg, &face(1)).await.unwrap();
        for (who, action) in [(&clerk, "capture_biometrics"), (&chief, "approve"), (&clerk, "produce")] {
            app.transition_dossier(who, d.id, action, "", None).await.unwrap_or_else(|x| panic!("{e:?} {action}: {x}"));
        }

        // The card: active, valid until the 40th birthday (36 on 1 September 2026).
        let cards = app.cards(&clerk, &man.pin).await.unwrap();
        assert_eq!(cards.len(), 1, "{e:?}");
        let card = &cards[0];
        assert_eq!(
            (card.status, card.issued_on, card.expires_on),
            (CardStatus::Active, date!(2026 - 09 - 01), Some(date!(2030 - 03 - 15))),
            "{e:?}"
        );
        assert_eq!(card.document_number, "090001234", "{e:?}");
        assert_eq!(card.delivered_at, None, "{e:?}");
        // Art. 9 item 14: the card is in the person's record, with a history row.
        let stored = crate::stored(&t, man.id).await;
        let rec = stored.person.cards.last().unwrap();
        assert_eq!((rec.kind, rec.valid_until), (CardKind::IdentityCard2024, Some(date!(2030 - 03 - 15))), "{e:?}");
        let history = app.history(&clerk, &man.pin).await.unwrap();
        assert!(history.iter().any(|h| h.changes.iter().any(|c| c.field.name() == "cards")), "{e:?}");

        // The chip data as stored passes passive authentication under the service's CSCA.
        let export = app.export_card(&chief, &man.pin).await.unwrap();
        let trust = TrustStore { cscas: vec![pki.csca.clone()], crls: vec![pki.crl()] };
        let report = passive_authentication(&export.chip.sod, &export.chip.data_groups, &trust, t.clock.now());
        assert!(report.is_valid(), "{e:?}: {report}");
        assert_eq!(dinhdanh_icao::lds::parse_dg2(&export.chip.data_groups[&2]).unwrap(), vec![face(1)], "{e:?}");
        let report =
            app.verify_chip(&bank(vec![Scope::CardsVerify]), &export.chip.sod, &export.chip.data_groups).await.unwrap();
        assert!(report.is_valid(), "{e:?}: {report}");
        assert!(matches!(app.export_card(&clerk, &man.pin).await, Err(AppError::Forbidden)), "{e:?}");

        app.transition_dossier(&clerk, d.id, "deliver", "", None).await.unwrap();
        assert!(app.cards(&clerk, &man.pin).await.unwrap()[0].delivered_at.is_some(), "{e:?}");
        // The application is closed; a first issue is refused now that a valid card exists.
        let r = app.apply_for_card(&clerk, input(&man, ApplicationKind::FirstIssue)).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("kind", Rule::CardAlreadyHeld)]), "{e:?}");

        // A bank asks for the status: the status only, audited against the holder.
        let status = app.card_status(&bank(vec![Scope::CardsStatus]), &man.pin, "090001234").await.unwrap();
        assert_eq!(status, CardStatus::Active, "{e:?}");
        assert!(matches!(
            app.card_status(&bank(vec![Scope::CardsStatus]), &man.pin, "090001235").await,
            Err(AppError::NotFound)
        ));
        let r = app.card_status(&bank(vec![Scope::CardsStatus]), &man.pin, "12345").await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("document_number", Rule::CardDocumentNumber)]), "{e:?}");
        assert!(matches!(
            app.card_status(&bank(vec![Scope::PersonsRead]), &man.pin, "090001234").await,
            Err(AppError::Forbidden)
        ));

        // Reported lost: revoked at once, for good.
        let lost = app.report_card_lost(&clerk, &man.pin).await.unwrap();
        assert_eq!(lost.status, CardStatus::Lost, "{e:?}");
        assert_eq!(
            app.card_status(&bank(vec![Scope::CardsStatus]), &man.pin, "090001234").await.unwrap(),
            CardStatus::Lost
        );
        let r = app.report_card_lost(&clerk, &man.pin).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("pin", Rule::CardNotActive)]), "{e:?}");

        // Re-issue after the loss, the next day: the new card replaces nothing active; the lost
        // one stays lost.
        t.clock.advance(time::Duration::days(1));
        let d2 = app.apply_for_card(&clerk, input(&man, ApplicationKind::ReissueLost)).await.unwrap();
        for (who, action) in
            [(&clerk, "capture_biometrics"), (&chief, "approve"), (&clerk, "produce"), (&clerk, "deliver")]
        {
            app.transition_dossier(who, d2.id, action, "", None)
                .await
                .unwrap_or_else(|x| panic!("{e:?} {action}: {x}"));
        }
        let cards = app.cards(&clerk, &man.pin).await.unwrap();
        assert_eq!(
            cards.iter().map(|c| c.status).collect::<Vec<_>>(),
            vec![CardStatus::Active, CardStatus::Lost],
            "{e:?}"
        );

        let audit = t.app.store.audit_for_person(man.id, 200).await.unwrap();
        for (action, fields) in [
            (AuditAction::Create, "biometric.face"),
            (AuditAction::Read, "biometric.face"),
            (AuditAction::Create, "card"),
            (AuditAction::Read, "card.status"),
            (AuditAction::Update, "card.status"),
            (AuditAction::Export, "card.chip"),
            (AuditAction::Read, "cards"),
        ] {
            assert!(audit.iter().any(|a| a.action == action && a.fields == fields), "{e:?}: no {action:?} {fields}");
        }
    }
}

#[tokio::test]
async fn applications_that_must_be_refused() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (app, _) = card_app(&t, KeyRing::ephemeral().unwrap());
        let clerk = officer(Role::Officer, "province:79");
        let chief = officer(Role::Supervisor, "province:79");
        let woman = sample::adult_woman();
        crate::seed(&t, &woman).await;
        // Nothing to exchange or replace yet.
        for kind in [ApplicationKind::ExchangeAge, ApplicationKind::ReissueLost, ApplicationKind::ExchangeDamaged] {
            let r = app.apply_for_card(&clerk, input(&woman, kind)).await;
            assert_eq!(crate::invalid(r), crate::pairs(&[("kind", Rule::CardNoneToReplace)]), "{e:?} {kind:?}");
        }
        // A refusal needs its reason and closes the application.
        let d = app.apply_for_card(&clerk, input(&woman, ApplicationKind::FirstIssue)).await.unwrap();
        let r = app.transition_dossier(&chief, d.id, "refuse", "", None).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("note", Rule::DossierNoteRequired)]), "{e:?}");
        app.transition_dossier(&chief, d.id, "refuse", "Hồ sơ thiếu giấy tờ", None).await.unwrap();
        app.apply_for_card(&clerk, input(&woman, ApplicationKind::FirstIssue))
            .await
            .expect("a new application after a refusal");

        // The dead get no card.
        let mut dead = crate::clone_as(&woman, 0xdead, "079193009999");
        dead.status =
            dinhdanh_domain::person::LifeStatus::Dead(dinhdanh_domain::date::PartialDate::Full(date!(2025 - 01 - 01)));
        crate::seed(&t, &dead).await;
        let r = app.apply_for_card(&clerk, input(&dead, ApplicationKind::FirstIssue)).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("kind", Rule::PersonDead)]), "{e:?}");
        // Outside the officer's jurisdiction: refused.
        let hanoi = officer(Role::Officer, "province:01");
        assert!(matches!(
            app.apply_for_card(&hanoi, input(&woman, ApplicationKind::FirstIssue)).await,
            Err(AppError::Forbidden)
        ));
    }
}

#[tokio::test]
async fn biometrics_are_sealed_restricted_and_audited() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let dir = tempfile::tempdir().unwrap();
        let (ring, _) = KeyRing::load_or_create(dir.path()).unwrap();
        let (app, _) = card_app(&t, ring);
        let man = sample::adult_man();
        crate::seed(&t, &man).await;
        let clerk = officer(Role::Officer, "province:79");
        let chief = officer(Role::Supervisor, "province:79");
        let jpeg = face(3);
        let info =
            app.capture_biometric(&clerk, &man.pin, BiometricKind::Face, BiometricFormat::Jpeg, &jpeg).await.unwrap();
        assert_eq!((info.width, info.height), (240, 320), "{e:?}");
        // What the database holds is ciphertext.
        let stored = t.app.store.biometrics_of(man.id).await.unwrap();
        assert_eq!(stored.len(), 1, "{e:?}");
        assert!(!stored[0].sealed.ciphertext.windows(16).any(|w| w == &jpeg[100..116]), "{e:?}: plaintext stored");

        // Officers capture but do not read; supervisors read; both are audited.
        let r = app.read_biometric(&clerk, &man.pin, BiometricKind::Face, "check").await;
        assert!(matches!(r, Err(AppError::Forbidden)), "{e:?}");
        let (_, bytes) = app.read_biometric(&chief, &man.pin, BiometricKind::Face, "check").await.unwrap();
        assert_eq!(bytes, jpeg, "{e:?}");
        let hanoi = officer(Role::Supervisor, "province:01");
        assert!(matches!(
            app.read_biometric(&hanoi, &man.pin, BiometricKind::Face, "check").await,
            Err(AppError::Forbidden)
        ));
        let audit = t.app.store.audit_for_person(man.id, 50).await.unwrap();
        let denied = audit.iter().filter(|a| a.action == AuditAction::Denied && a.fields == "biometric.face").count();
        assert_eq!(denied, 2, "{e:?}");
        assert!(audit.iter().any(|a| a.action == AuditAction::Read && a.fields == "biometric.face"), "{e:?}");

        // Bad captures are refused with the rule named.
        let cases: [(BiometricKind, BiometricFormat, Vec<u8>, Rule); 4] = [
            (BiometricKind::Face, BiometricFormat::Png, jpeg.clone(), Rule::FaceNotJpeg),
            (BiometricKind::Face, BiometricFormat::Jpeg, b"not a jpeg".to_vec(), Rule::FaceNotJpeg),
            (BiometricKind::Face, BiometricFormat::Jpeg, vec![0; 600 * 1024], Rule::FaceTooLarge),
            (
                BiometricKind::Finger(2),
                BiometricFormat::IsoMinutiae,
                b"FMR\0 20\0garbage".to_vec(),
                Rule::FingerprintData,
            ),
        ];
        for (kind, format, bytes, rule) in cases {
            let r = app.capture_biometric(&clerk, &man.pin, kind, format, &bytes).await;
            assert_eq!(crate::invalid(r), crate::pairs(&[("data", rule)]), "{e:?}");
        }

        // Rotation: a new key seals new captures; re-sealing moves the old ones over.
        let (mut ring2, _) = KeyRing::load_or_create(dir.path()).unwrap();
        assert_eq!(ring2.rotate().unwrap(), 2);
        let (app2, _) = card_app(&t, ring2);
        assert_eq!(app2.reseal_biometrics(&Principal::system("rotate")).await.unwrap(), 1, "{e:?}");
        assert_eq!(t.app.store.biometrics_of(man.id).await.unwrap()[0].sealed.key_id, 2, "{e:?}");
        let (_, again) = app2.read_biometric(&chief, &man.pin, BiometricKind::Face, "check").await.unwrap();
        assert_eq!(again, jpeg, "{e:?}");
    }
}

/// The card events in the outbox: (kind, pin, card number, card status).
async fn card_events(t: &TestApp) -> Vec<(OutboxKind, String, String, String)> {
    let events = t.app.store.outbox_after(0, 1000).await.unwrap();
    events
        .iter()
        .filter(|s| matches!(s.event.kind, OutboxKind::CardIssued | OutboxKind::CardRevoked))
        .map(|s| {
            let d = &s.event.data;
            let text = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
            (s.event.kind, text("pin"), text("card_number"), text("card_status"))
        })
        .collect()
}

#[tokio::test]
async fn card_events_are_written_with_their_change_and_not_without_it() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (app, _) = card_app(&t, KeyRing::ephemeral().unwrap());
        let man = sample::adult_man();
        crate::seed(&t, &man).await;
        let clerk = officer(Role::Officer, "province:79");
        let chief = officer(Role::Supervisor, "province:79");
        let pin = man.pin.to_string();
        let ev = |kind, status: &str| (kind, pin.clone(), "090001234".to_owned(), status.to_owned());

        let d = app.apply_for_card(&clerk, input(&man, ApplicationKind::FirstIssue)).await.unwrap();
        app.capture_biometric(&clerk, &man.pin, BiometricKind::Face, BiometricFormat::Jpeg, &face(1)).await.unwrap();
        for (who, action) in [(&clerk, "capture_biometrics"), (&chief, "approve")] {
            app.transition_dossier(who, d.id, action, "", None).await.unwrap();
        }
        assert!(card_events(&t).await.is_empty(), "{e:?}: no card yet, no event");
        app.transition_dossier(&clerk, d.id, "produce", "", None).await.unwrap();
        assert_eq!(card_events(&t).await, [ev(OutboxKind::CardIssued, "active")], "{e:?}");
        let issued = t.app.store.outbox_after(0, 1000).await.unwrap();
        let issued = issued.iter().find(|s| s.event.kind == OutboxKind::CardIssued).unwrap();
        assert_eq!(issued.event.data["card_expires_on"], "2030-03-15", "{e:?}");
        assert_eq!(issued.event.data["effective_date"], "2026-09-01", "{e:?}");
        assert_eq!(issued.event.person_id, man.id, "{e:?}");
        // Delivery changes no card status: no event.
        app.transition_dossier(&clerk, d.id, "deliver", "", None).await.unwrap();
        assert_eq!(card_events(&t).await.len(), 1, "{e:?}");

        // A revocation refused (no reason; not a supervisor) writes no event.
        let card_id = app.cards(&clerk, &man.pin).await.unwrap()[0].id;
        let r = app.revoke_card(&chief, card_id, "  ").await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("reason", Rule::ReasonRequired)]), "{e:?}");
        assert!(matches!(app.revoke_card(&clerk, card_id, "gian lận").await, Err(AppError::Forbidden)), "{e:?}");
        assert_eq!(card_events(&t).await.len(), 1, "{e:?}");

        // Loss: one event; a second report is refused and writes none.
        app.report_card_lost(&clerk, &man.pin).await.unwrap();
        let r = app.report_card_lost(&clerk, &man.pin).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("pin", Rule::CardNotActive)]), "{e:?}");
        assert_eq!(
            card_events(&t).await,
            [ev(OutboxKind::CardIssued, "active"), ev(OutboxKind::CardRevoked, "lost")],
            "{e:?}"
        );
        let r = app.revoke_card(&chief, card_id, "cấp sai").await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("card", Rule::CardNotActive)]), "{e:?}");

        // The re-issued card, then its revocation with a reason.
        t.clock.advance(time::Duration::days(1));
        let d2 = app.apply_for_card(&clerk, input(&man, ApplicationKind::ReissueLost)).await.unwrap();
        for (who, action) in [(&clerk, "capture_biometrics"), (&chief, "approve"), (&clerk, "produce")] {
            app.transition_dossier(who, d2.id, action, "", None).await.unwrap();
        }
        let new_id = app.cards(&clerk, &man.pin).await.unwrap()[0].id;
        app.revoke_card(&chief, new_id, "quyết định thu hồi số 12/QĐ").await.unwrap();
        assert_eq!(
            card_events(&t).await,
            [
                ev(OutboxKind::CardIssued, "active"),
                ev(OutboxKind::CardRevoked, "lost"),
                ev(OutboxKind::CardIssued, "active"),
                ev(OutboxKind::CardRevoked, "revoked"),
            ],
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn a_re_issue_application_after_a_loss_revokes_with_an_event_and_a_refused_production_has_none() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (app, _) = card_app(&t, KeyRing::ephemeral().unwrap());
        let man = sample::adult_man();
        crate::seed(&t, &man).await;
        let clerk = officer(Role::Officer, "province:79");
        let chief = officer(Role::Supervisor, "province:79");
        let d = app.apply_for_card(&clerk, input(&man, ApplicationKind::FirstIssue)).await.unwrap();
        app.capture_biometric(&clerk, &man.pin, BiometricKind::Face, BiometricFormat::Jpeg, &face(2)).await.unwrap();
        for (who, action) in [(&clerk, "capture_biometrics"), (&chief, "approve"), (&clerk, "produce")] {
            app.transition_dossier(who, d.id, action, "", None).await.unwrap();
        }
        app.transition_dossier(&clerk, d.id, "deliver", "", None).await.unwrap();
        // The re-issue application reports the card lost in its own transaction.
        t.clock.advance(time::Duration::days(1));
        let d2 = app.apply_for_card(&clerk, input(&man, ApplicationKind::ReissueLost)).await.unwrap();
        let kinds: Vec<_> = card_events(&t).await.into_iter().map(|(k, _, _, s)| (k, s)).collect();
        assert_eq!(
            kinds,
            [(OutboxKind::CardIssued, "active".to_owned()), (OutboxKind::CardRevoked, "lost".to_owned())],
            "{e:?}"
        );
        for (who, action) in [(&clerk, "capture_biometrics"), (&chief, "approve")] {
            app.transition_dossier(who, d2.id, action, "", None).await.unwrap();
        }
        // The holder dies before production: production is refused, and no card.issued is written.
        app.record_death(
            &clerk,
            man.pin,
            dinhdanh_domain::date::PartialDate::Full(date!(2026 - 09 - 02)),
            crate::meta("Luật Hộ tịch 2014", ""),
        )
        .await
        .unwrap();
        let r = app.transition_dossier(&clerk, d2.id, "produce", "", None).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("kind", Rule::PersonDead)]), "{e:?}: a card for the dead");
        assert_eq!(card_events(&t).await.len(), 2, "{e:?}");
        // Producing in the wrong state is refused before any effect.
        let r = app.transition_dossier(&clerk, d.id, "produce", "", None).await;
        assert!(r.is_err(), "{e:?}");
        assert_eq!(card_events(&t).await.len(), 2, "{e:?}");
    }
}

/// Demo servers' virtual card reader: it stands in for the chip of a produced card, so that a
/// level-1 registration runs every real check (passive and Active Authentication, the register's
/// match) and lands in the review list with the card's portrait.
#[tokio::test]
async fn the_virtual_card_reader_registers_the_holder_of_a_produced_card() {
    use dinhdanh_app::eid::EvidenceKind;
    use dinhdanh_app::eid::chip::{ChipRegistration, Level1Outcome};
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (app, _) = card_app(&t, KeyRing::ephemeral().unwrap());
        let man = sample::adult_man();
        crate::seed(&t, &man).await;
        let clerk = officer(Role::Officer, "province:79");
        let chief = officer(Role::Supervisor, "province:79");
        let c = app.eid_chip_challenge("ip").await.unwrap();
        // Off unless the server turned it on.
        assert!(matches!(app.virtual_card_read(man.pin.as_str(), c.id).await, Err(AppError::NotFound)), "{e:?}");
        let app = Arc::new(
            App::new(t.store.dyn_store(), t.clock.clone(), SeededRng::new(12), AppConfig::default())
                .with_card_pki(app.card_pki().unwrap().clone())
                .with_identity_keys(Arc::new(KeyRing::ephemeral().unwrap()))
                .with_virtual_cards(),
        );
        // No card yet: nothing to read.
        let r = app.virtual_card_read(man.pin.as_str(), c.id).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("pin", Rule::EidCardNotValid)]), "{e:?}");

        let d = app.apply_for_card(&clerk, input(&man, ApplicationKind::FirstIssue)).await.unwrap();
        app.capture_biometric(&clerk, &man.pin, BiometricKind::Face, BiometricFormat::Jpeg, &face(1)).await.unwrap();
        for (who, action) in [(&clerk, "capture_biometrics"), (&chief, "approve"), (&clerk, "produce")] {
            app.transition_dossier(who, d.id, action, "", None).await.unwrap_or_else(|x| panic!("{e:?} {action}: {x}"));
        }
        let reading = app.virtual_card_read(man.pin.as_str(), c.id).await.expect("the virtual card answers");
        assert!(reading.data_groups.contains_key(&15), "{e:?}: the virtual chip has an AA key");
        let r = ChipRegistration {
            pin: man.pin.to_string(),
            phone: "0912000111".into(),
            challenge_id: c.id,
            aa_signature: reading.aa_signature,
            sod: reading.sod,
            data_groups: reading.data_groups,
            selfie: Some(face(2)),
        };
        let Level1Outcome::AwaitingReview(_) = app.eid_register_chip(r, "ip").await.expect("registered") else {
            panic!("{e:?}: waits for the officer")
        };
        let portrait = app.eid_review_evidence(&clerk, &man.pin, EvidenceKind::ChipPortrait).await.unwrap();
        assert_eq!(portrait.bytes, face(1), "{e:?}: the produced card's portrait");
        // A spent challenge is not answered again.
        let r = app.virtual_card_read(man.pin.as_str(), c.id).await;
        assert_eq!(crate::invalid(r), crate::pairs(&[("challenge_id", Rule::EidChallengeExpired)]), "{e:?}");
    }
}
