//! Level 1 by chip: passive and Active Authentication, the register's match, the face port and
//! its honest fallback (the officers' review list), and every refusal audited with nothing else
//! written, on every backend.

use crate::{ClockExt, invalid, pairs, seed};
use async_trait::async_trait;
use dinhdanh_app::audit::AuditAction;
use dinhdanh_app::auth::Role;
use dinhdanh_app::cards::chipdata::{CardBundle, CardDates, issue_card_bundle};
use dinhdanh_app::eid::chip::{ChipRegistration, FaceMatcher, FaceVerdict, Level1Outcome};
use dinhdanh_app::{App, AppConfig};
use dinhdanh_domain::eid::{AccountState, Level};
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{LifeStatus, Person};
use dinhdanh_testkit::{SeededRng, TestApp, officer, sample};
use std::sync::Arc;
use time::Duration;
use time::macros::date;

const PHONE: &str = "0912345678";

fn bundle(t: &TestApp, p: &Person) -> CardBundle {
    let dates = CardDates { issued_on: date!(2024 - 07 - 01), expires_on: Some(date!(2039 - 07 - 01)) };
    let face = dinhdanh_testkit::synth::face::portrait_jpeg(7, false);
    issue_card_bundle(&t.pki, p, dates, Some(&face), t.clock.now_utc()).expect("card bundle")
}

/// A registration answering a fresh challenge, as a reader app would send it.
async fn registration(t: &TestApp, pin: &str, card: &CardBundle) -> ChipRegistration {
    let c = t.app.eid_chip_challenge("192.0.2.7").await.expect("challenge");
    ChipRegistration {
        pin: pin.to_owned(),
        phone: PHONE.to_owned(),
        challenge_id: c.id,
        aa_signature: card.answer_challenge(&c.bytes).expect("chip answers"),
        sod: card.chip.sod.clone(),
        data_groups: card.chip.data_groups.clone(),
        selfie: None,
    }
}

async fn refusals(t: &TestApp, p: &Person) -> Vec<String> {
    t.app
        .store
        .eid_auth_history(p.id, 100)
        .await
        .expect("history")
        .into_iter()
        .filter(|l| l.action == AuditAction::EidAccount && l.detail.starts_with("level 1 by chip refused"))
        .map(|l| l.detail)
        .collect()
}

#[tokio::test]
async fn level1_by_chip_waits_for_review_without_a_face_matcher() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let p = sample::adult_man();
        seed(&t, &p).await;
        let card = bundle(&t, &p);
        let pin = p.pin.as_str();

        // Tampered DG13 (another name, same length): passive authentication names the group.
        let mut r = registration(&t, pin, &card).await;
        let dg13 = r.data_groups.get_mut(&13).expect("dg13");
        let at = dg13.len() - 3;
        dg13[at] ^= 0x01;
        assert_eq!(
            invalid(t.app.eid_register_chip(r.clone(), "ip").await),
            pairs(&[("data_groups.13", Rule::EidChipInvalid)]),
            "{e:?}"
        );
        // The challenge is spent: the same request again is refused for it.
        r.data_groups = card.chip.data_groups.clone();
        assert_eq!(
            invalid(t.app.eid_register_chip(r, "ip").await),
            pairs(&[("challenge_id", Rule::EidChallengeExpired)]),
            "{e:?}"
        );
        // A forged EF.SOD signature.
        let mut r = registration(&t, pin, &card).await;
        let last = r.sod.len() - 2;
        r.sod[last] ^= 0x55;
        assert_eq!(invalid(t.app.eid_register_chip(r, "ip").await), pairs(&[("sod", Rule::EidChipInvalid)]), "{e:?}");
        // A copied chip: the answer is for another challenge.
        let mut r = registration(&t, pin, &card).await;
        r.aa_signature = card.answer_challenge(&[9u8; 8]).expect("answer");
        assert_eq!(
            invalid(t.app.eid_register_chip(r, "ip").await),
            pairs(&[("aa_signature", Rule::EidChipAa)]),
            "{e:?}"
        );
        // A genuine card of someone else, presented with this PIN.
        let other = sample::adult_woman();
        seed(&t, &other).await;
        let theirs = bundle(&t, &other);
        let r = registration(&t, pin, &theirs).await;
        assert_eq!(
            invalid(t.app.eid_register_chip(r, "ip").await),
            pairs(&[("data_groups.1", Rule::EidChipMismatch), ("data_groups.13", Rule::EidChipMismatch)]),
            "{e:?}"
        );
        assert!(t.app.store.eid_account_by_person(p.id).await.expect("read").is_none(), "{e:?}: nothing written");
        let lines = refusals(&t, &p).await;
        assert_eq!(lines.len(), 4, "{e:?}: every refusal audited: {lines:?}");
        assert!(lines.iter().any(|l| l.contains("dg13_hash")), "{e:?}: {lines:?}");
        assert!(lines.iter().any(|l| l.contains("active authentication")), "{e:?}: {lines:?}");
        assert!(t.outbox.messages().is_empty(), "{e:?}");

        // The genuine card: accepted, but the face is compared by an officer.
        let r = registration(&t, pin, &card).await;
        let Level1Outcome::AwaitingReview(a) = t.app.eid_register_chip(r, "ip").await.expect("registered") else {
            panic!("{e:?}: without a face matcher the registration waits for review")
        };
        assert_eq!((a.level, a.state, a.channel.as_str()), (Level::One, AccountState::Pending, "chip"), "{e:?}");
        assert!(t.outbox.messages().is_empty(), "{e:?}: no code before the review");
        let clerk = officer(Role::Officer, &format!("commune:{}", sample::BEN_THANH));
        let list = t.app.eid_review_list(&clerk).await.expect("review list");
        assert!(list.iter().any(|i| i.account.id == a.id), "{e:?}");
        // Twice is refused: one account per person.
        let r = registration(&t, pin, &card).await;
        assert_eq!(invalid(t.app.eid_register_chip(r, "ip").await), pairs(&[("pin", Rule::EidAccountExists)]));
    }
}

/// A matcher that answers what it is told, standing in for an external biometric system.
struct Says(FaceVerdict);

#[async_trait]
impl FaceMatcher for Says {
    async fn compare(&self, selfie: &[u8], reference: &[u8]) -> Result<FaceVerdict, String> {
        assert!(!selfie.is_empty() && reference.starts_with(&[0xFF, 0xD8]), "the chip's JPEG portrait");
        Ok(self.0)
    }
}

/// The test application's store, clock, SMS and card PKI, with a face matcher.
fn with_matcher(t: &TestApp, verdict: FaceVerdict) -> App {
    let config = AppConfig { client_cache_ttl: Duration::ZERO, ..AppConfig::default() };
    // Its own random sequence: identifiers must not repeat those of another application.
    let seed = if verdict == FaceVerdict::Match { 7 } else { 8 };
    App::new(t.store.dyn_store(), t.clock.clone(), SeededRng::new(seed), config)
        .with_sms(t.outbox.clone())
        .with_card_pki(t.pki.clone())
        .with_face_matcher(Arc::new(Says(verdict)))
}

#[tokio::test]
async fn level1_by_chip_with_a_face_matcher_and_a_dead_holder() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let p = sample::adult_man();
        seed(&t, &p).await;
        let card = bundle(&t, &p);
        let pin = p.pin.as_str();
        let no = with_matcher(&t, FaceVerdict::NoMatch);
        let mut r = registration(&t, pin, &card).await;
        assert_eq!(invalid(no.eid_register_chip(r.clone(), "ip").await), pairs(&[("selfie", Rule::Required)]));
        r = registration(&t, pin, &card).await;
        r.selfie = Some(dinhdanh_testkit::synth::face::portrait_jpeg(8, false));
        assert_eq!(invalid(no.eid_register_chip(r, "ip").await), pairs(&[("selfie", Rule::EidFaceMismatch)]));
        assert!(t.app.store.eid_account_by_person(p.id).await.expect("read").is_none(), "{e:?}");

        let yes = with_matcher(&t, FaceVerdict::Match);
        let mut r = registration(&t, pin, &card).await;
        r.selfie = Some(dinhdanh_testkit::synth::face::portrait_jpeg(8, false));
        let Level1Outcome::Approved(a) = yes.eid_register_chip(r, "ip").await.expect("registered") else {
            panic!("{e:?}: a matched face approves")
        };
        assert_eq!(a.state, AccountState::Approved, "{e:?}");
        assert!(t.outbox.last_code(PHONE).is_some(), "{e:?}: the activation code went out");

        // A dead person's card is refused, audited.
        let mut dead = sample::adult_woman();
        dead.status = LifeStatus::Dead(dinhdanh_domain::date::PartialDate::Full(date!(2026 - 01 - 02)));
        seed(&t, &dead).await;
        t.clock.advance(Duration::seconds(1));
        let r = registration(&t, dead.pin.as_str(), &bundle(&t, &dead)).await;
        assert_eq!(invalid(t.app.eid_register_chip(r, "ip").await), pairs(&[("pin", Rule::PersonDead)]), "{e:?}");
        assert_eq!(refusals(&t, &dead).await.len(), 1, "{e:?}");
    }
}

#[tokio::test]
async fn the_review_shows_the_selfie_and_the_chip_portrait_until_the_decision() {
    use dinhdanh_app::eid::EvidenceKind;
    for t in TestApp::all().await {
        let e = t.store.engine;
        let p = sample::adult_man();
        seed(&t, &p).await;
        let card = bundle(&t, &p);
        let selfie = dinhdanh_testkit::synth::face::portrait_jpeg(8, false);
        let mut r = registration(&t, p.pin.as_str(), &card).await;
        r.selfie = Some(selfie.clone());
        let Level1Outcome::AwaitingReview(a) = t.app.eid_register_chip(r, "ip").await.expect("registered") else {
            panic!("{e:?}: waits for review")
        };
        // Sealed at rest: the stored bytes are not the image.
        let stored = t.app.store.eid_review_evidence(a.id).await.expect("evidence");
        assert_eq!(stored.len(), 2, "{e:?}");
        assert!(stored.iter().all(|s| !s.sealed.ciphertext.windows(16).any(|w| selfie.starts_with(w))), "{e:?}");

        let clerk = officer(Role::Officer, &format!("commune:{}", sample::BEN_THANH));
        let item = t.app.eid_review_list(&clerk).await.expect("list").into_iter().find(|i| i.account.id == a.id);
        assert_eq!(item.expect("listed").evidence, vec![EvidenceKind::ChipPortrait, EvidenceKind::Selfie], "{e:?}");
        let img = t.app.eid_review_evidence(&clerk, &p.pin, EvidenceKind::Selfie).await.expect("selfie");
        assert_eq!((img.content_type, &img.bytes), ("image/jpeg", &selfie), "{e:?}");
        let portrait = t.app.eid_review_evidence(&clerk, &p.pin, EvidenceKind::ChipPortrait).await.expect("portrait");
        assert_eq!(portrait.bytes, dinhdanh_testkit::synth::face::portrait_jpeg(7, false), "{e:?}: the chip's DG2");
        let opened: Vec<_> = t
            .app
            .store
            .audit_for_person(p.id, 50)
            .await
            .expect("audit")
            .into_iter()
            .filter(|l| l.action == AuditAction::Read && l.detail.starts_with("e-ID review evidence"))
            .map(|l| l.fields)
            .collect();
        assert_eq!(opened.len(), 2, "{e:?}: every opening audited: {opened:?}");

        // Outside the jurisdiction: refused.
        let elsewhere = officer(Role::Officer, &format!("commune:{}", sample::BA_DINH));
        assert!(t.app.eid_review_evidence(&elsewhere, &p.pin, EvidenceKind::Selfie).await.is_err(), "{e:?}");

        // The decision deletes the images.
        t.app.eid_review_decide(&clerk, &p.pin, true, "khớp ảnh").await.expect("approved");
        assert!(t.app.store.eid_review_evidence(a.id).await.expect("evidence").is_empty(), "{e:?}");
        assert!(
            matches!(
                t.app.eid_review_evidence(&clerk, &p.pin, EvidenceKind::Selfie).await,
                Err(dinhdanh_app::AppError::NotFound)
            ),
            "{e:?}"
        );
    }
}
