//! Card keys and the card commands: the card PKI, the identity store's data keys and the QR key
//! kept in the data directory (created on first start, for development and demonstrations);
//! `card export`, `card verify`, `qr verify`; and the demo cards of `serve --demo`.

use anyhow::{Context, bail};
use dinhdanh_app::App;
use dinhdanh_app::auth::Principal;
use dinhdanh_app::cards::application::CardApplicationInput;
use dinhdanh_app::cards::qr;
use dinhdanh_app::identity::{BiometricFormat, BiometricKind};
use dinhdanh_app::pki::{CardPki, IcaoSigner, PkiPolicy, serial};
use dinhdanh_app::workflow::{Applicant, ApplicantRelation};
use dinhdanh_crypto::aead::KeyRing;
use dinhdanh_crypto::keys::{KeyAlgorithm, Signer, SoftwareKey};
use dinhdanh_domain::card::{ApplicationKind, CardRules};
use dinhdanh_domain::person::{LifeStatus, Person, Sex};
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_icao::cert::{Certificate, certificates_from_file};
use dinhdanh_icao::chip::{COM_FILE, SOD_FILE};
use dinhdanh_icao::crl::{self, Crl};
use dinhdanh_icao::{ChipData, TrustStore, passive_authentication};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::OffsetDateTime;

/// File name of the CSCA certificate in an exported card directory.
pub const CSCA_FILE: &str = "CSCA.der";
/// File name of the CSCA's CRL in an exported card directory.
pub const CRL_FILE: &str = "CRL.der";

/// The keys the card part of the service needs.
pub struct CardKeys {
    pub pki: Arc<CardPki>,
    pub data_keys: Arc<KeyRing>,
    pub qr_key: Arc<dyn Signer>,
}

fn random_serial() -> Vec<u8> {
    use dinhdanh_app::ports::Rng;
    let mut b = [0u8; 8];
    dinhdanh_app::ports::OsRng.fill(&mut b);
    serial(b)
}

fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Loads the card PKI, the data keys and the QR key from `data_dir`, creating what is missing:
/// `keys/csca-es384.p8`, `keys/document-signer-es256.p8`, `keys/card-qr-es256.p8`,
/// `keys/data/data-key-N.aes256`, and the certificates `pki/csca.der`, `pki/document-signer.der`,
/// `pki/csca.crl`. A CRL past half its life is renewed.
///
/// With `ds_hsm`, the document signer's key is the key pair of that label in the HSM (made there
/// on first use if the token has none; the private key never leaves the token), and its
/// certificate, issued under the CSCA, is kept as `pki/document-signer-pkcs11-LABEL.der`. Cards
/// signed earlier under the software key keep verifying: their EF.SOD carries their own
/// certificate, which chains to the same CSCA.
pub fn load_or_create(
    data_dir: &Path,
    now: OffsetDateTime,
    ds_hsm: Option<&dinhdanh_crypto::pkcs11::Pkcs11Config>,
) -> anyhow::Result<CardKeys> {
    let keys = data_dir.join("keys");
    let pki_dir = data_dir.join("pki");
    let policy = PkiPolicy::default();
    let load = |name: &str, alg| -> anyhow::Result<Arc<dyn Signer>> {
        let path = keys.join(name);
        let (key, created) = SoftwareKey::load_or_create_with(&path, alg)
            .with_context(|| format!("cannot load or create {}", path.display()))?;
        if created {
            tracing::info!(path = %path.display(), "created a development card key");
        }
        Ok(Arc::new(key))
    };
    let csca_key = load("csca-es384.p8", KeyAlgorithm::EcdsaP384)?;
    let (ds_key, ds_file): (Arc<dyn Signer>, String) = match ds_hsm {
        None => (load("document-signer-es256.p8", KeyAlgorithm::EcdsaP256)?, "document-signer.der".to_owned()),
        Some(cfg) => {
            let (key, created) = dinhdanh_crypto::pkcs11::Pkcs11Key::generate(cfg, KeyAlgorithm::EcdsaP256)
                .with_context(|| format!("the document signer's key in the HSM ({cfg:?})"))?;
            if created {
                tracing::warn!(hsm = ?cfg, "generated the document signer's key pair in the HSM");
            }
            let label: String =
                cfg.key_label.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
            (Arc::new(key), format!("document-signer-pkcs11-{label}.der"))
        }
    };
    let qr_key = load("card-qr-es256.p8", KeyAlgorithm::EcdsaP256)?;

    let csca_path = pki_dir.join("csca.der");
    let csca = match std::fs::read(&csca_path) {
        Ok(der) => Certificate::from_der(&der).with_context(|| format!("{}", csca_path.display()))?,
        Err(_) => {
            let c = CardPki::issue_csca(&policy, csca_key.clone(), random_serial(), now)?;
            write_new(&csca_path, &c.der)?;
            c
        }
    };
    let ds_path = pki_dir.join(&ds_file);
    let stored = match std::fs::read(&ds_path) {
        Ok(der) => Some(Certificate::from_der(&der).with_context(|| format!("{}", ds_path.display()))?),
        Err(_) => None,
    };
    // A certificate for another key (the HSM's key was replaced) is not this signer's.
    let stored = stored.filter(|c| {
        matches!(&c.public_key, dinhdanh_icao::keys::PublicKey::Ec { point, .. } if *point == ds_key.public_point())
    });
    let ds = match stored {
        Some(c) => c,
        None => {
            let c =
                CardPki::issue_document_signer(&policy, &csca, csca_key.clone(), ds_key.clone(), random_serial(), now)?;
            write_new(&ds_path, &c.der)?;
            c
        }
    };
    let crl_path = pki_dir.join("csca.crl");
    let crl = match std::fs::read(&crl_path) {
        Ok(der) => Crl::from_der(&der).with_context(|| format!("{}", crl_path.display()))?,
        Err(_) => {
            let signer = IcaoSigner::new(csca_key.clone());
            let c = crl::issue(&csca, &signer, 1, now, now + policy.crl_lifetime, &[])?;
            write_new(&crl_path, &c.der)?;
            c
        }
    };
    let revoked = crl.revoked.clone();
    let pki = CardPki::new(policy, csca, Some(csca_key), ds, ds_key, crl, revoked)?;
    if let Some(next) = pki.refresh_crl(now, false)? {
        write_new(&crl_path, &next.der)?;
        tracing::info!(number = next.crl_number, "issued a new CSCA CRL");
    }
    let data_dir_keys = keys.join("data");
    let (ring, created) = KeyRing::load_or_create(&data_dir_keys)
        .with_context(|| format!("cannot load or create the data keys in {}", data_dir_keys.display()))?;
    if created {
        tracing::info!(path = %data_dir_keys.display(), "created the identity store's first data key");
    }
    Ok(CardKeys { pki: Arc::new(pki), data_keys: Arc::new(ring), qr_key })
}

/// `dinhdanh card export PIN DIR`: the chip files of the person's newest card, the CSCA
/// certificate and its CRL. Audited as an export by the operator.
pub async fn export(app: &App, pin: &str, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let pin =
        PersonalNumber::parse(pin).map_err(|r| anyhow::anyhow!("{}: {} / {}", pin, r.message_vi(), r.message_en()))?;
    let export = app.export_card(&Principal::system("cli card export"), &pin).await.map_err(|e| match e {
        dinhdanh_app::AppError::NotFound => anyhow::anyhow!("không có thẻ nào của số {pin} / no card for {pin}"),
        e => anyhow::anyhow!("{e}"),
    })?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> anyhow::Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
        Ok(())
    };
    for (name, bytes) in export.chip.files() {
        put(&name, bytes)?;
    }
    put(CSCA_FILE, &export.csca)?;
    put(CRL_FILE, &export.crl)?;
    Ok(written)
}

/// The chip files of an exported card directory (`EF.COM.bin`, `DGn.bin`, `EF.SOD.bin`); other
/// files (certificates, CRLs) are ignored.
pub fn read_chip_dir(dir: &Path) -> anyhow::Result<ChipData> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_chip = name == COM_FILE || name == SOD_FILE || (name.starts_with("DG") && name.ends_with(".bin"));
        if is_chip {
            files.push((name, std::fs::read(entry.path())?));
        }
    }
    let chip = ChipData::from_files(files)?;
    if chip.sod.is_empty() {
        bail!("{} has no {SOD_FILE} / thư mục không có {SOD_FILE}", dir.display());
    }
    Ok(chip)
}

/// `dinhdanh card verify DIR --csca FILE [--crl FILE]`: passive authentication. Returns the
/// report; the caller exits non-zero when it is not valid.
pub fn verify(
    dir: &Path,
    csca: &Path,
    crl: Option<&Path>,
    at: OffsetDateTime,
) -> anyhow::Result<dinhdanh_icao::Report> {
    let chip = read_chip_dir(dir)?;
    let bytes = std::fs::read(csca).with_context(|| format!("cannot read {}", csca.display()))?;
    let cscas = certificates_from_file(&bytes).with_context(|| format!("{} is not a certificate", csca.display()))?;
    let crl_path = crl.map(Path::to_path_buf).unwrap_or_else(|| dir.join(CRL_FILE));
    let crls = match std::fs::read(&crl_path) {
        Ok(der) => vec![Crl::from_der(&der).with_context(|| format!("{} is not a CRL", crl_path.display()))?],
        // Without a CRL the revocation check fails and says so.
        Err(_) if crl.is_none() => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", crl_path.display())),
    };
    Ok(passive_authentication(&chip.sod, &chip.data_groups, &TrustStore { cscas, crls }, at))
}

/// `dinhdanh qr verify TEXT --key FILE`: FILE holds the published key set (JWKS) or one JWK.
pub fn verify_qr(text: &str, key_file: &Path) -> anyhow::Result<Result<(qr::QrClaims, String), qr::QrError>> {
    let raw = std::fs::read_to_string(key_file).with_context(|| format!("cannot read {}", key_file.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&raw).with_context(|| format!("{} is not JSON (a JWKS or a JWK)", key_file.display()))?;
    let jwks = if v.get("keys").is_some() { v } else { serde_json::json!({ "keys": [v] }) };
    Ok(qr::verify(text, &jwks))
}

/// Verifies a residence confirmation offline against a key file (a JWKS or one JWK).
pub fn verify_residence_confirmation(
    token: &str,
    key_file: &Path,
) -> anyhow::Result<(
    dinhdanh_app::residence_confirmation::Verdict,
    Option<dinhdanh_app::residence_confirmation::ConfirmationClaims>,
)> {
    let raw = std::fs::read_to_string(key_file).with_context(|| format!("cannot read {}", key_file.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&raw).with_context(|| format!("{} is not JSON (a JWKS or a JWK)", key_file.display()))?;
    let jwks = if v.get("keys").is_some() { v } else { serde_json::json!({ "keys": [v] }) };
    Ok(dinhdanh_app::residence_confirmation::verify_offline(token, &jwks, time::OffsetDateTime::now_utc()))
}

/// Demo cards: every living person of the demo register old enough to need a card (14 and over) applies for a first card at the commune
/// of their permanent residence, and the application goes through the real steps (face capture,
/// approval, production, delivery). Returns how many cards were produced.
pub async fn seed_cards(app: &App, persons: &[Person]) -> anyhow::Result<usize> {
    let system = Principal::system("demo seed");
    let rules = CardRules::default();
    let today = app.clock.today();
    let mut produced = 0;
    let pb = indicatif::ProgressBar::new(persons.len() as u64);
    for p in persons {
        pb.inc(1);
        let dob = p.date_of_birth.earliest();
        let Some(unit) = p.permanent_residence.as_ref().map(|a| a.unit) else { continue };
        if !rules.is_mandatory(dob, today) || p.status != LifeStatus::Alive {
            continue;
        }
        let input = CardApplicationInput {
            pin: p.pin,
            kind: ApplicationKind::FirstIssue,
            handling_unit: unit,
            applicant: Applicant {
                person_id: None,
                pin: None,
                name: String::new(),
                relation: ApplicantRelation::Subject,
                organisation: String::new(),
                contact: String::new(),
            },
        };
        let d = app.apply_for_card(&system, input).await.with_context(|| format!("card application of {}", p.pin))?;
        let face = dinhdanh_synth::face::portrait_jpeg(p.id.0.as_u128() as u64, p.sex == Sex::Female);
        app.capture_biometric(&system, &p.pin, BiometricKind::Face, BiometricFormat::Jpeg, &face)
            .await
            .with_context(|| format!("face of {}", p.pin))?;
        for action in ["capture_biometrics", "approve", "produce", "deliver"] {
            app.transition_dossier(&system, d.id, action, "", None)
                .await
                .with_context(|| format!("card application {} of {}: {action}", d.code, p.pin))?;
        }
        produced += 1;
    }
    pb.finish_and_clear();
    Ok(produced)
}

/// `dinhdanh card samples DIR`: cards of synthetic persons, signed under a fresh PKI and written
/// as exported card directories (`DIR/PIN/…`), with the CSCA certificate and CRL at the top
/// (`DIR/CSCA.der`, `DIR/CRL.der`), the QR key set (`DIR/qr-keys.json`), and per card the legacy QR
/// text and image (`qr.txt`, `qr.png`) and the signed QR (`qr-signed.txt`, `qr-signed.png`). For outside checkers
/// and demonstrations: nothing is read from or written to a register.
pub fn samples(dir: &Path, count: usize, seed: u64, now: OffsetDateTime) -> anyhow::Result<Vec<PathBuf>> {
    use dinhdanh_app::cards::chipdata::{CardDates, dg13_of, issue_card_bundle};
    let pki = CardPki::ephemeral(now)?;
    let qr_key = SoftwareKey::generate()?;
    let rules = CardRules::default();
    let today = now.date();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_new(&dir.join(CSCA_FILE), &pki.csca.der)?;
    write_new(&dir.join(CRL_FILE), &pki.crl().der)?;
    write_new(&dir.join("qr-keys.json"), qr::jwks(&[&qr_key]).to_string().as_bytes())?;
    let mut out = Vec::new();
    // Enough persons to find `count` of card age; the population mixes ages, so cards without
    // expiry (issued from 58) and partial dates of birth come up too.
    for p in dinhdanh_synth::persons(seed, today, count * 4 + 20) {
        if out.len() >= count {
            break;
        }
        let dob = p.date_of_birth.earliest();
        if !rules.is_mandatory(dob, today) || p.status != LifeStatus::Alive {
            continue;
        }
        let dates = CardDates { issued_on: today, expires_on: rules.expiry(dob, today) };
        let face = dinhdanh_synth::face::portrait_jpeg(p.id.0.as_u128() as u64, p.sex == Sex::Female);
        let bundle = issue_card_bundle(&pki, &p, dates, Some(&face), now)?;
        let card_dir = dir.join(p.pin.as_str());
        std::fs::create_dir_all(&card_dir)?;
        for (name, bytes) in bundle.chip.files() {
            write_new(&card_dir.join(name), bytes)?;
        }
        let dg13 = dg13_of(&p, dates);
        let legacy = qr::legacy_text(&dg13);
        write_new(&card_dir.join("qr.txt"), legacy.as_bytes())?;
        write_new(&card_dir.join("qr.png"), &dinhdanh_web::render::qr_png(&legacy)?)?;
        let signed = qr::sign(&qr_key, &qr::QrClaims::of(&dg13))?;
        write_new(&card_dir.join("qr-signed.txt"), signed.as_bytes())?;
        write_new(&card_dir.join("qr-signed.png"), &dinhdanh_web::render::qr_png(&signed)?)?;
        out.push(card_dir);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dinhdanh_crypto::pkcs11::{Pkcs11Config, clear_token, find_softhsm, init_token};

    /// The document signer's key in an HSM (SoftHSM2): its certificate is issued under the CSCA
    /// once, found again on the next start, and the chips it signs pass passive authentication.
    #[test]
    fn the_document_signer_key_can_live_in_an_hsm() {
        let module = find_softhsm().expect("SoftHSM2 is installed (apt-get install softhsm2)");
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let token = format!("dd-ds-{}-{nanos}", std::process::id());
        init_token(&module, &token, "so-secret-1", "user-pin-1").unwrap();
        let cfg = Pkcs11Config {
            module,
            token_label: token.clone(),
            pin: zeroize::Zeroizing::new("user-pin-1".into()),
            key_label: "ds key/1".into(),
        };
        let dir = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::now_utc();
        let first = load_or_create(dir.path(), now, Some(&cfg)).unwrap();
        assert_eq!(
            &first.pki.document_signer.public_key,
            first.pki.ds_signer().public_key(),
            "the certificate is the HSM key's"
        );
        assert!(dir.path().join("pki/document-signer-pkcs11-ds_key_1.der").exists());
        assert!(!dir.path().join("keys/document-signer-es256.p8").exists(), "no software DS key was made");

        let again = load_or_create(dir.path(), now, Some(&cfg)).unwrap();
        assert_eq!(again.pki.document_signer.serial, first.pki.document_signer.serial, "found again, not re-issued");

        let p = dinhdanh_synth::persons(7, now.date(), 50)
            .find(|p| p.date_of_birth.age_on(now.date()) >= 18)
            .expect("an adult");
        let dates = dinhdanh_app::cards::chipdata::CardDates { issued_on: now.date(), expires_on: None };
        let chip = dinhdanh_app::cards::chipdata::build_chip(&again.pki, &p, dates, None, None, now).unwrap();
        let trust = TrustStore { cscas: vec![again.pki.csca.clone()], crls: vec![again.pki.crl()] };
        let report = passive_authentication(&chip.sod, &chip.data_groups, &trust, now);
        assert!(report.is_valid(), "{report}");

        let _ = clear_token(&cfg);
        let _ = std::process::Command::new("softhsm2-util")
            .args(["--delete-token", "--token", &token])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}
