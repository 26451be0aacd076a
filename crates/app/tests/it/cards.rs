//! Card chip data built from the register and signed under the card PKI: what a reader gets
//! from a test card, and what passive and Active Authentication make of it.

use dinhdanh_app::cards::chipdata::{CardDates, dg13_of, issue_card_bundle, mrz_of, split_name};
use dinhdanh_app::pki::CardPki;
use dinhdanh_icao::lds::{self, dg13_field as f};
use dinhdanh_icao::mrz::VnCardMrz;
use dinhdanh_icao::{TrustStore, passive_authentication};
use dinhdanh_testkit::sample;
use time::macros::{date, datetime};

#[test]
fn a_test_card_passes_passive_and_active_authentication() {
    let now = datetime!(2026-11-30 03:00:00 UTC);
    let pki = CardPki::ephemeral(now).unwrap();
    let person = sample::full_record();
    let dates = CardDates { issued_on: date!(2026 - 11 - 30), expires_on: Some(date!(2045 - 02 - 28)) };
    let face = dinhdanh_testkit::synth::face::portrait_jpeg(7, true);
    let bundle = issue_card_bundle(&pki, &person, dates, Some(&face), now).unwrap();

    let trust = TrustStore { cscas: vec![bundle.csca.clone()], crls: vec![bundle.crl.clone()] };
    let report = passive_authentication(&bundle.chip.sod, &bundle.chip.data_groups, &trust, now);
    assert!(report.is_valid(), "{report}");
    assert_eq!(lds::parse_ef_com(&bundle.chip.com).unwrap(), vec![1, 2, 13, 14, 15]);
    assert_eq!(lds::parse_dg2(&bundle.chip.data_groups[&2]).unwrap(), vec![face]);

    // The chip proves it holds the key of DG15.
    let challenge = [9u8, 8, 7, 6, 5, 4, 3, 2];
    let answer = bundle.answer_challenge(&challenge).unwrap();
    let dg14 = bundle.chip.data_groups.get(&14).map(Vec::as_slice);
    dinhdanh_icao::aa::verify(bundle.dg15(), dg14, &challenge, &answer).unwrap();
    assert!(dinhdanh_icao::aa::verify(bundle.dg15(), dg14, &[0u8; 8], &answer).is_err());
}

#[test]
fn mrz_and_dg13_follow_the_vietnamese_layout() {
    let person = sample::full_record();
    let dates = CardDates { issued_on: date!(2026 - 11 - 30), expires_on: None };
    assert_eq!(split_name("Lê Thị Hồng Đào"), ("Lê", "Thị Hồng Đào"));
    let td1 = mrz_of(&person, dates).to_td1().unwrap();
    let lines = td1.lines().unwrap();
    assert_eq!(lines[0], "IDVNM1850007773001185000777<<4");
    assert_eq!(&lines[1][..15], "8502289F9912315");
    assert_eq!(lines[2], "LE<<THI<HONG<DAO<<<<<<<<<<<<<<");
    let back = VnCardMrz::from_td1(&dinhdanh_icao::mrz::Td1::parse(&td1.encode().unwrap(), 2026).unwrap()).unwrap();
    assert_eq!(back.pin, "001185000777");
    assert_eq!(back.date_of_expiry, None);

    let dg13 = dg13_of(&person, dates);
    assert_eq!(dg13.text(f::PIN), Some("001185000777"));
    assert_eq!(dg13.text(f::FULL_NAME), Some("Lê Thị Hồng Đào"));
    assert_eq!(dg13.text(f::DATE_OF_BIRTH), Some("28/02/1985"));
    assert_eq!(dg13.text(f::SEX), Some("Nữ"));
    assert_eq!(dg13.text(f::NATIONALITY), Some("Việt Nam"));
    assert_eq!(dg13.text(f::DATE_OF_ISSUE), Some("30/11/2026"));
    assert_eq!(dg13.text(f::DATE_OF_EXPIRY), Some("Không thời hạn"));
    assert_eq!(dg13.text(f::OLD_ID_NUMBER), Some("012345678"));
    assert!(dg13.text(f::RESIDENCE).unwrap().starts_with("5 Đội Cấn"));
    assert_eq!(dg13.names(f::PARENTS).map(<[String]>::len), Some(2));
    // Divorced: no spouse field.
    assert!(!dg13.fields.contains_key(&f::SPOUSE));
    assert_eq!(lds::Dg13::parse(&dg13.encode()).unwrap(), dg13);
}

#[test]
fn the_pki_refuses_mismatched_keys_and_revokes_document_signers() {
    let now = datetime!(2026-11-30 03:00:00 UTC);
    let pki = CardPki::ephemeral(now).unwrap();
    assert_eq!(pki.csca.csca_profile_problems(), Vec::<String>::new());
    assert_eq!(pki.document_signer.ds_profile_problems(), Vec::<String>::new());
    assert!(pki.refresh_crl(now, false).unwrap().is_none());
    let crl = pki.revoke_document_signer(&pki.document_signer.serial, now).unwrap();
    assert_eq!(crl.crl_number, Some(2));
    assert!(crl.revokes(&pki.document_signer.serial).is_some());
    assert!(crl.is_signed_by(&pki.csca));

    let person = sample::adult_man();
    let dates = CardDates { issued_on: date!(2026 - 11 - 30), expires_on: Some(date!(2030 - 03 - 15)) };
    let bundle = issue_card_bundle(&pki, &person, dates, None, now).unwrap();
    let trust = TrustStore { cscas: vec![pki.csca.clone()], crls: vec![pki.crl()] };
    let report = passive_authentication(&bundle.chip.sod, &bundle.chip.data_groups, &trust, now);
    assert!(!report.is_valid());
    assert_eq!(report.failures().count(), 1, "{report}");
}

#[test]
fn a_document_signer_rollover_keeps_old_cards_valid_and_renews_the_crl() {
    use dinhdanh_crypto::keys::{Signer, SoftwareKey};
    use std::sync::Arc;
    let now = datetime!(2026-11-30 03:00:00 UTC);
    let old = CardPki::ephemeral(now).unwrap();
    let person = sample::adult_man();
    let dates = CardDates { issued_on: date!(2026 - 11 - 30), expires_on: Some(date!(2030 - 03 - 15)) };
    let old_card = issue_card_bundle(&old, &person, dates, None, now).unwrap();

    let later = now + time::Duration::days(91);
    let key: Arc<dyn Signer> = Arc::new(SoftwareKey::generate().unwrap());
    assert!(old.roll_document_signer(key.clone(), old.document_signer.serial.clone(), later).is_err(), "same serial");
    let new = old.roll_document_signer(key, vec![0x03], later).unwrap();
    assert_ne!(new.document_signer.serial, old.document_signer.serial);
    assert_eq!(new.document_signer.ds_profile_problems(), Vec::<String>::new());
    assert_eq!(new.previous_document_signers(), std::slice::from_ref(&old.document_signer));
    assert_eq!(new.crl().crl_number, Some(old.crl().crl_number.unwrap() + 1));
    assert!(new.crl().is_signed_by(&new.csca));
    let new_card = issue_card_bundle(&new, &person, dates, None, later).unwrap();
    assert_ne!(new_card.chip.sod, old_card.chip.sod);

    // Both verify against the CSCA and the new CRL: the old card under the old certificate.
    let trust = |p: &CardPki| TrustStore { cscas: vec![p.csca.clone()], crls: vec![p.crl()] };
    for (what, card) in [("old", &old_card), ("new", &new_card)] {
        let report = passive_authentication(&card.chip.sod, &card.chip.data_groups, &trust(&new), later);
        assert!(report.is_valid(), "{what}: {report}");
    }
    // Revoking the old document signer (its key compromised) fails the old cards only.
    new.revoke_document_signer(&old.document_signer.serial, later).unwrap();
    let report = passive_authentication(&old_card.chip.sod, &old_card.chip.data_groups, &trust(&new), later);
    assert!(!report.is_valid(), "{report}");
    let report = passive_authentication(&new_card.chip.sod, &new_card.chip.data_groups, &trust(&new), later);
    assert!(report.is_valid(), "{report}");
}

#[test]
fn a_rotated_qr_key_still_verifies_until_it_is_retired() {
    use dinhdanh_app::cards::qr::{self, QrClaims, RetiredQrKey};
    use dinhdanh_crypto::keys::{Signer, SoftwareKey};
    let now = datetime!(2026-11-30 03:00:00 UTC);
    let old = SoftwareKey::generate().unwrap();
    let new = SoftwareKey::generate().unwrap();
    let person = sample::adult_man();
    let dates = CardDates { issued_on: date!(2026 - 11 - 30), expires_on: Some(date!(2030 - 03 - 15)) };
    let claims = QrClaims::of(&dg13_of(&person, dates));
    let printed = qr::sign(&old, &claims).unwrap();
    let retired = vec![RetiredQrKey { jwk: old.public_jwk(), retire_after: Some(now + time::Duration::days(365)) }];

    // After the rotation the set holds both keys; the old QR verifies, under its kid.
    let set = qr::key_set(Some(&new as &dyn Signer), &retired, now);
    assert_eq!(set["keys"].as_array().unwrap().len(), 2);
    assert_eq!(set["keys"][0]["kid"], new.key_id());
    let (got, kid) = qr::verify(&printed, &set).unwrap();
    assert_eq!((got, kid.as_str()), (claims.clone(), old.key_id()));
    assert!(qr::verify(&qr::sign(&new, &claims).unwrap(), &set).is_ok());
    // Once retired, the old kid is unknown.
    let set = qr::key_set(Some(&new as &dyn Signer), &retired, now + time::Duration::days(366));
    assert_eq!(set["keys"].as_array().unwrap().len(), 1);
    assert_eq!(qr::verify(&printed, &set), Err(qr::QrError::UnknownKey));
    // A retired entry for the current key is not published twice.
    let dup = vec![RetiredQrKey { jwk: new.public_jwk(), retire_after: None }];
    assert_eq!(qr::key_set(Some(&new as &dyn Signer), &dup, now)["keys"].as_array().unwrap().len(), 1);
}
