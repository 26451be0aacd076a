//! End-to-end tests: a CSCA and a document signer, chip data signed under them, passive and
//! Active Authentication, and what must fail.
//!
//! The keys here are throw-away aws-lc-rs keys made for the test run; production keys live only
//! in the crypto crate, which signs through [`ContentSigner`].

use crate::cert::{self, Certificate, Name, Profile, Template};
use crate::chip::{ChipData, ChipInput};
use crate::crl::{self, Crl, Revoked};
use crate::keys::{ContentSigner, Curve, PublicKey, SignError, SignatureAlgorithm};
use crate::lds::{self, Dg13, FaceGender, dg13_field};
use crate::mrz::{MrzDate, MrzSex, VnCardMrz};
use crate::oids;
use crate::sod::Sod;
use crate::verify::{CheckKind, Outcome, TrustStore, passive_authentication};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, KeyPair};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::LazyLock;
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

struct TestKey {
    pair: EcdsaKeyPair,
    public: PublicKey,
    alg: SignatureAlgorithm,
}

impl TestKey {
    fn new(curve: Curve) -> TestKey {
        let signing = match curve {
            Curve::P256 => &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
            _ => &sig::ECDSA_P384_SHA384_ASN1_SIGNING,
        };
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(signing, &SystemRandom::new()).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref()).unwrap();
        let public = PublicKey::Ec { curve, point: pair.public_key().as_ref().to_vec() };
        TestKey { pair, public, alg: SignatureAlgorithm::ecdsa_for(curve) }
    }
}

impl ContentSigner for TestKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.alg
    }
    fn public_key(&self) -> &PublicKey {
        &self.public
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, SignError> {
        self.pair.sign(&SystemRandom::new(), msg).map(|s| s.as_ref().to_vec()).map_err(|_| SignError("test".into()))
    }
}

const NOW: OffsetDateTime = datetime!(2026-11-30 10:00:00 UTC);

struct Pki {
    csca_key: TestKey,
    csca: Certificate,
    ds_key: TestKey,
    ds: Certificate,
}

fn csca_name() -> Name {
    Name::build(&[
        (oids::AT_COUNTRY, "VN"),
        (oids::AT_ORGANIZATION, "Bộ Công an"),
        (oids::AT_COMMON_NAME, "CSCA Việt Nam"),
    ])
}

fn ds_template(serial: u8, from: OffsetDateTime, years: i64) -> Template {
    Template {
        serial: vec![serial],
        subject: Name::build(&[
            (oids::AT_COUNTRY, "VN"),
            (oids::AT_ORGANIZATION, "Bộ Công an"),
            (oids::AT_COMMON_NAME, &format!("Document Signer {serial}")),
        ]),
        not_before: from,
        not_after: from + Duration::days(365 * years),
        private_key_usage: Some((from, from + Duration::days(90))),
        profile: Profile::DocumentSigner { document_types: vec!["ID".into()] },
        crl_distribution_point: Some("https://pki.example.vn/csca.crl".into()),
    }
}

fn pki() -> Pki {
    let csca_key = TestKey::new(Curve::P384);
    let start = datetime!(2024-07-01 00:00:00 UTC);
    let csca = cert::issue(
        &Template {
            serial: vec![1],
            subject: csca_name(),
            not_before: start,
            not_after: start + Duration::days(365 * 15),
            private_key_usage: Some((start, start + Duration::days(365 * 5))),
            profile: Profile::Csca,
            crl_distribution_point: Some("https://pki.example.vn/csca.crl".into()),
        },
        &csca_key.public,
        None,
        &csca_key,
    )
    .unwrap();
    let ds_key = TestKey::new(Curve::P256);
    let ds = cert::issue(&ds_template(2, start, 11), &ds_key.public, Some(&csca), &csca_key).unwrap();
    Pki { csca_key, csca, ds_key, ds }
}

static PKI: LazyLock<Pki> = LazyLock::new(pki);

fn crl_for(p: &Pki, revoked: &[Revoked], this: OffsetDateTime) -> Crl {
    crl::issue(&p.csca, &p.csca_key, 1, this, this + Duration::days(30), revoked).unwrap()
}

fn sample_mrz() -> VnCardMrz {
    VnCardMrz {
        pin: "079203000123".into(),
        surname: "Nguyễn".into(),
        given_names: "Văn An".into(),
        date_of_birth: MrzDate::from_date(date!(2003 - 05 - 14)),
        sex: MrzSex::Male,
        date_of_expiry: Some(date!(2040 - 05 - 14)),
    }
}

fn sample_dg13() -> Dg13 {
    let mut d = Dg13::default();
    d.set_text(dg13_field::PIN, "079203000123");
    d.set_text(dg13_field::FULL_NAME, "Nguyễn Văn An");
    d.set_text(dg13_field::DATE_OF_BIRTH, "14/05/2003");
    d.set_text(dg13_field::SEX, "Nam");
    d
}

fn chip(aa: Option<&PublicKey>) -> ChipData {
    let mrz = sample_mrz();
    let dg13 = sample_dg13();
    let jpeg = lds::tiny_jpeg(240, 320, 5000);
    let input = ChipInput {
        mrz: &mrz,
        face_jpeg: Some(&jpeg),
        face_gender: FaceGender::Male,
        dg13: &dg13,
        active_authentication_key: aa,
    };
    ChipData::build(&input, &PKI.ds, &PKI.ds_key, NOW).unwrap()
}

fn trust(crl: Crl) -> TrustStore {
    TrustStore { cscas: vec![PKI.csca.clone()], crls: vec![crl] }
}

fn failed(report: &crate::Report, kind: CheckKind) -> String {
    match report.outcome(kind) {
        Some(Outcome::Failed(why)) => why.clone(),
        other => panic!("{kind:?} should have failed, got {other:?}\n{report}"),
    }
}

#[test]
fn issued_certificates_follow_the_part_12_profiles() {
    assert_eq!(PKI.csca.csca_profile_problems(), Vec::<String>::new());
    assert_eq!(PKI.ds.ds_profile_problems(), Vec::<String>::new());
    assert!(PKI.csca.is_signed_by(&PKI.csca.public_key));
    assert!(PKI.ds.is_signed_by(&PKI.csca.public_key));
    assert!(!PKI.ds.is_signed_by(&PKI.ds.public_key));
    assert_eq!(PKI.ds.extensions.authority_key_id, PKI.csca.extensions.subject_key_id);
    assert_eq!(PKI.ds.extensions.document_types.as_deref(), Some(&["ID".to_owned()][..]));
    assert_eq!(PKI.csca.extensions.crl_distribution_points, vec!["https://pki.example.vn/csca.crl"]);
    // The DS key is written with explicit domain parameters and read back as P-256.
    assert_eq!(PKI.ds.public_key, PKI.ds_key.public);
    assert!(PKI.ds.spki.len() > 200);
    // A CSCA profile check of a DS certificate names what is wrong.
    let problems = PKI.ds.csca_profile_problems();
    assert!(problems.iter().any(|p| p.contains("keyCertSign")), "{problems:?}");
    // PEM and DER files both read.
    let pem = crate::pem::encode("CERTIFICATE", &PKI.csca.der);
    assert_eq!(cert::certificates_from_file(pem.as_bytes()).unwrap(), vec![PKI.csca.clone()]);
}

#[test]
fn issuing_with_the_wrong_key_is_refused() {
    let other = TestKey::new(Curve::P256);
    let r = cert::issue(&ds_template(9, NOW, 1), &other.public, Some(&PKI.csca), &other);
    assert!(matches!(r, Err(cert::CertError::WrongSigner)));
}

#[test]
fn the_chip_data_passes_passive_authentication() {
    let chip = chip(None);
    assert_eq!(lds::parse_ef_com(&chip.com).unwrap(), vec![1, 2, 13]);
    let report = passive_authentication(&chip.sod, &chip.data_groups, &trust(crl_for(&PKI, &[], NOW)), NOW);
    assert!(report.is_valid(), "{report}");
    assert_eq!(report.signing_time, Some(NOW));
    assert!(report.document_signer.as_deref().unwrap().contains("Document Signer 2"));
    let sod = Sod::parse(&chip.sod).unwrap();
    assert_eq!(sod.dg_hashes.keys().copied().collect::<Vec<_>>(), vec![1, 2, 13]);
    // Reading only DG1 still verifies what was read.
    let only_dg1: BTreeMap<u8, Vec<u8>> =
        chip.data_groups.iter().filter(|(n, _)| **n == 1).map(|(n, b)| (*n, b.clone())).collect();
    let report = passive_authentication(&chip.sod, &only_dg1, &trust(crl_for(&PKI, &[], NOW)), NOW);
    assert!(report.is_valid(), "{report}");
    assert_eq!(report.outcome(CheckKind::DataGroupHash(2)), Some(&Outcome::Skipped("not read".into())));
}

#[test]
fn a_changed_data_group_byte_is_named() {
    let mut chip = chip(None);
    let dg13 = chip.data_groups.get_mut(&13).unwrap();
    let last = dg13.len() - 1;
    dg13[last] ^= 0x01;
    let report = passive_authentication(&chip.sod, &chip.data_groups, &trust(crl_for(&PKI, &[], NOW)), NOW);
    assert!(!report.is_valid());
    assert!(failed(&report, CheckKind::DataGroupHash(13)).contains("DG13"));
    assert_eq!(report.failures().count(), 1, "{report}");
}

#[test]
fn a_wrong_csca_is_named() {
    let other = pki();
    let t = TrustStore { cscas: vec![other.csca.clone()], crls: vec![crl_for(&other, &[], NOW)] };
    let chip = chip(None);
    let report = passive_authentication(&chip.sod, &chip.data_groups, &t, NOW);
    assert!(!report.is_valid());
    // Same name, another key: found by name, but its key does not verify the DS certificate.
    let why = match report.outcome(CheckKind::DsSignedByCsca) {
        Some(Outcome::Failed(w)) => w.clone(),
        _ => failed(&report, CheckKind::CscaFound),
    };
    assert!(why.contains("CSCA"), "{why}");
    let report = passive_authentication(&chip.sod, &chip.data_groups, &TrustStore::default(), NOW);
    assert!(failed(&report, CheckKind::CscaFound).contains("no CSCA"));
}

#[test]
fn a_revoked_document_signer_is_named() {
    let chip = chip(None);
    let crl = crl_for(&PKI, &[Revoked { serial: PKI.ds.serial.clone(), date: NOW - Duration::days(1) }], NOW);
    assert!(crl.revokes(&PKI.ds.serial).is_some());
    let report = passive_authentication(&chip.sod, &chip.data_groups, &trust(crl), NOW);
    assert!(failed(&report, CheckKind::Revocation).contains("revoked"));
    // A CRL that is out of date or missing also fails the revocation check.
    let stale = crl_for(&PKI, &[], NOW - Duration::days(60));
    assert!(
        failed(&passive_authentication(&chip.sod, &chip.data_groups, &trust(stale), NOW), CheckKind::Revocation)
            .contains("out of date")
    );
    let t = TrustStore { cscas: vec![PKI.csca.clone()], crls: vec![] };
    assert!(
        failed(&passive_authentication(&chip.sod, &chip.data_groups, &t, NOW), CheckKind::Revocation)
            .contains("no CRL")
    );
}

#[test]
fn an_expired_document_signer_is_named() {
    let chip = chip(None);
    let later = NOW + Duration::days(365 * 12);
    let crl = crl_for(&PKI, &[], later);
    let report = passive_authentication(&chip.sod, &chip.data_groups, &trust(crl), later);
    assert!(failed(&report, CheckKind::DsValidity).contains("expired"));
}

#[test]
fn a_truncated_or_altered_sod_is_named() {
    let chip = chip(None);
    let t = trust(crl_for(&PKI, &[], NOW));
    for cut in [0, 1, 10, chip.sod.len() / 2, chip.sod.len() - 1] {
        let report = passive_authentication(&chip.sod[..cut], &chip.data_groups, &t, NOW);
        assert!(!report.is_valid());
        assert!(!failed(&report, CheckKind::SodStructure).is_empty());
    }
    // One byte of the signed content changed: the message digest no longer matches.
    let sod = Sod::parse(&chip.sod).unwrap();
    let at = chip.sod.windows(sod.econtent.len()).position(|w| w == sod.econtent).unwrap();
    let mut altered = chip.sod.clone();
    altered[at + sod.econtent.len() - 1] ^= 1;
    let report = passive_authentication(&altered, &chip.data_groups, &t, NOW);
    assert!(failed(&report, CheckKind::SignedAttributes).contains("message-digest"));
}

#[test]
fn a_data_group_outside_the_sod_is_named() {
    let mut chip = chip(None);
    chip.data_groups.insert(11, vec![0x6B, 0x00]);
    let report = passive_authentication(&chip.sod, &chip.data_groups, &trust(crl_for(&PKI, &[], NOW)), NOW);
    assert!(failed(&report, CheckKind::UnsignedDataGroup(11)).contains("no hash"));
}

#[test]
fn active_authentication_with_the_dg15_key() {
    let aa_pkcs8 = EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
    let aa = EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_FIXED_SIGNING, aa_pkcs8.as_ref()).unwrap();
    let aa_public = PublicKey::Ec { curve: Curve::P256, point: aa.public_key().as_ref().to_vec() };
    let chip = chip(Some(&aa_public));
    assert_eq!(lds::parse_ef_com(&chip.com).unwrap(), vec![1, 2, 13, 14, 15]);
    let report = passive_authentication(&chip.sod, &chip.data_groups, &trust(crl_for(&PKI, &[], NOW)), NOW);
    assert!(report.is_valid(), "{report}");
    let (dg14, dg15) = (chip.data_groups.get(&14).map(Vec::as_slice), &chip.data_groups[&15]);
    let challenge = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let answer = aa.sign(&SystemRandom::new(), &challenge).unwrap();
    crate::aa::verify(dg15, dg14, &challenge, answer.as_ref()).unwrap();
    // The DER form is accepted too.
    crate::aa::verify(dg15, None, &challenge, &crate::der::ecdsa_fixed_to_der(answer.as_ref())).unwrap();
    // Another challenge, another key, a short challenge: refused.
    assert!(matches!(crate::aa::verify(dg15, dg14, &[0u8; 8], answer.as_ref()), Err(crate::aa::AaError::BadSignature)));
    let other = chip_key_dg15();
    assert!(crate::aa::verify(&other, dg14, &challenge, answer.as_ref()).is_err());
    assert!(matches!(crate::aa::verify(dg15, dg14, &[0u8; 4], answer.as_ref()), Err(crate::aa::AaError::Challenge(4))));
}

fn chip_key_dg15() -> Vec<u8> {
    lds::dg15(&TestKey::new(Curve::P256).public)
}

#[test]
fn the_exported_files_reassemble() {
    let chip = chip(None);
    let files: Vec<(String, Vec<u8>)> = chip.files().into_iter().map(|(n, b)| (n, b.to_vec())).collect();
    assert_eq!(
        files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        vec!["EF.COM.bin", "DG1.bin", "DG2.bin", "DG13.bin", "EF.SOD.bin"]
    );
    assert_eq!(ChipData::from_files(files).unwrap(), chip);
    assert!(ChipData::from_files(vec![("notes.txt".to_owned(), vec![])]).is_err());
}

static VALID_SOD: LazyLock<ChipData> = LazyLock::new(|| chip(None));

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_mutated_sod_never_passes_with_other_content(pos in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let chip = &*VALID_SOD;
        let mut sod = chip.sod.clone();
        let i = pos.index(sod.len());
        sod[i] = byte;
        let end = sod.len() - cut.index(sod.len() / 8 + 1);
        let report = passive_authentication(&sod[..end], &chip.data_groups, &trust(crl_for(&PKI, &[], NOW)), NOW);
        // Whatever the change, a valid report means the signed content and the signer are
        // exactly the original ones (only unsigned framing may differ).
        if report.is_valid() {
            let original = Sod::parse(&chip.sod).unwrap();
            let mutated = Sod::parse(&sod[..end]).unwrap();
            prop_assert_eq!(&mutated.econtent, &original.econtent);
            prop_assert_eq!(&mutated.dg_hashes, &original.dg_hashes);
            prop_assert_eq!(mutated.signer_certificate().map(|c| &c.der), original.signer_certificate().map(|c| &c.der));
        }
    }

    #[test]
    fn certificate_and_crl_parsers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600), pos in any::<prop::sample::Index>()) {
        let _ = Certificate::from_der(&data);
        let _ = Crl::from_der(&data);
        let _ = Sod::parse(&data);
        let mut der = PKI.ds.der.clone();
        let i = pos.index(der.len());
        der[i] = der[i].wrapping_add(1);
        let _ = Certificate::from_der(&der);
    }
}
