//! Residence confirmations over every backend: what the document states, and each verdict of its
//! verification (valid, expired, void once the residence changed, bad signature, malformed).

use crate::{invalid, pairs, seed};
use dinhdanh_app::AppError;
use dinhdanh_app::auth::{Principal, Role};
use dinhdanh_app::residence::{HouseholdChoice, PermanentRequest, TemporaryRequest};
use dinhdanh_app::residence_confirmation::{Verdict, verify_offline};
use dinhdanh_crypto::keys::SoftwareKey;
use dinhdanh_domain::error::Rule;
use dinhdanh_testkit::sample::{self, BA_DINH, BEN_THANH};
use dinhdanh_testkit::{TestApp, officer};
use time::Duration;
use time::macros::date;

const BASIS: &str = "Luật Cư trú 2020";

#[tokio::test]
async fn a_confirmation_states_the_residence_and_verifies_until_it_changes_or_expires() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let man = sample::adult_man();
        seed(&t, &man).await;
        let hcm = officer(Role::Officer, "province:79");
        t.app
            .register_permanent(
                &hcm,
                PermanentRequest {
                    pin: man.pin,
                    address: sample::address(BEN_THANH, "12 Lê Lợi"),
                    household: HouseholdChoice::New,
                    valid_from: date!(2026 - 01 - 05),
                    legal_basis: BASIS.into(),
                },
            )
            .await
            .unwrap();
        // Any commune police may issue it: here one in Hà Nội.
        let hanoi = officer(Role::Officer, &format!("commune:{BA_DINH}"));
        let issued = t.app.issue_residence_confirmation(&hanoi, &man.pin).await.unwrap();
        let c = &issued.claims;
        assert_eq!((c.pin.as_str(), c.name.as_str()), (man.pin.as_str(), "Nguyễn Văn An"), "{e:?}");
        assert_eq!(c.current.len(), 1, "{e:?}");
        assert_eq!((c.current[0].kind.as_str(), c.current[0].from), ("permanent", date!(2026 - 01 - 05)), "{e:?}");
        assert_eq!(c.household.as_ref().map(|h| h.relation.as_str()), Some("head"), "{e:?}");
        assert_eq!(c.expires_at - c.issued_at, Duration::days(365), "{e:?}");
        let audit = t.app.store.audit_for_person(man.id, 20).await.unwrap();
        assert!(audit.iter().any(|l| l.purpose == "residence_confirmation"), "{e:?}: the issue is audited");

        let verifier = Principal::system("test verifier");
        let verdict = |token: String| {
            let (app, v) = (t.app.clone(), verifier.clone());
            async move { app.verify_residence_confirmation(&v, &token).await.unwrap().0 }
        };
        assert_eq!(verdict(issued.token.clone()).await, Verdict::Valid, "{e:?}");
        // Offline, with the published key set alone.
        let (v, claims) = verify_offline(&issued.token, &t.app.qr_keys(), dinhdanh_app::ports::Clock::now(&*t.clock));
        assert_eq!((v, claims.as_ref()), (Verdict::Valid, Some(c)), "{e:?}");

        // One character of the content changed; another issuer's key; not a JWS at all.
        let mut parts: Vec<String> = issued.token.split('.').map(str::to_owned).collect();
        let mut payload = parts[1].clone().into_bytes();
        payload[10] = if payload[10] == b'A' { b'B' } else { b'A' };
        parts[1] = String::from_utf8(payload).unwrap();
        assert!(matches!(verdict(parts.join(".")).await, Verdict::BadSignature | Verdict::Malformed), "{e:?}");
        let forged = dinhdanh_crypto::jws::sign(
            &SoftwareKey::generate().unwrap(),
            dinhdanh_app::residence_confirmation::CONFIRMATION_TYPE,
            &c.to_json(),
        )
        .unwrap();
        assert_eq!(verdict(forged).await, Verdict::BadSignature, "{e:?}");
        assert_eq!(verdict("079090001234|Nguyễn Văn An".into()).await, Verdict::Malformed, "{e:?}");

        // Expired a year later (checked before the residence).
        t.clock.advance(Duration::days(366));
        assert_eq!(verdict(issued.token.clone()).await, Verdict::Expired, "{e:?}");
        t.clock.advance(-Duration::days(366));

        // The residence changes: a temporary registration in Hà Nội voids the document.
        t.app
            .register_temporary(
                &officer(Role::Officer, "province:01"),
                TemporaryRequest {
                    pin: man.pin,
                    address: sample::address(BA_DINH, "5 Tràng Tiền"),
                    valid_from: date!(2026 - 09 - 01),
                    valid_until: date!(2027 - 08 - 31),
                    legal_basis: BASIS.into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(verdict(issued.token.clone()).await, Verdict::Void, "{e:?}");
        // A new one states both residences and is valid.
        let second = t.app.issue_residence_confirmation(&hcm, &man.pin).await.unwrap();
        assert_eq!(second.claims.current.len(), 2, "{e:?}");
        assert_eq!(verdict(second.token.clone()).await, Verdict::Valid, "{e:?}");
        let reprint = t.app.residence_confirmation(&hcm, second.claims.id).await.unwrap();
        assert_eq!(reprint.token, second.token, "{e:?}");

        // Who may issue: officers, not administrators or API clients; an unknown number is named.
        let admin = officer(Role::Administrator, "national");
        let r = t.app.issue_residence_confirmation(&admin, &man.pin).await;
        assert!(matches!(r, Err(AppError::Forbidden)), "{e:?}");
        let r = t.app.issue_residence_confirmation(&hcm, &sample::pin("079090009999")).await;
        assert_eq!(invalid(r), pairs(&[("pin", Rule::PinUnknown)]), "{e:?}");
    }
}
