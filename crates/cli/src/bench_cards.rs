//! `dinhdanh bench-cards`: card figures, each next to a ceiling measured in the same run.
//!
//! (1) Chip data built and signed (DG1, DG2, DG13, EF.COM, EF.SOD with its CMS signature) per
//! second on one thread, no store, against raw ECDSA P-256 signatures per second with aws-lc-rs
//! (the same software key type that signs EF.SOD) on the same thread: one chip costs one
//! signature plus the encoding and hashing around it. (2) Passive authentications per second
//! (EF.SOD signature, DS certificate, CRL, every hash) on one thread, against raw P-256
//! verifications per second. (3) Card production through the application — the `produce` step
//! of an approved application: chip data, sealing, the card row, the person's record and its
//! history, the event and the audit lines in one transaction — per second on each engine,
//! against (1).

use anyhow::{Context, anyhow};
use dinhdanh_app::auth::Principal;
use dinhdanh_app::cards::application::CardApplicationInput;
use dinhdanh_app::cards::chipdata::{CardDates, build_chip};
use dinhdanh_app::identity::{BiometricFormat, BiometricKind};
use dinhdanh_app::import::{ImportRow, RowOutcome};
use dinhdanh_app::pki::CardPki;
use dinhdanh_app::ports::{OsRng, SystemClock};
use dinhdanh_app::workflow::{Applicant, ApplicantRelation};
use dinhdanh_app::{App, AppConfig};
use dinhdanh_crypto::aead::KeyRing;
use dinhdanh_crypto::keys::{Signer, SoftwareKey, verify_es256};
use dinhdanh_domain::card::{ApplicationKind, CardRules};
use dinhdanh_domain::person::{LifeStatus, Person, Sex};
use dinhdanh_icao::{TrustStore, passive_authentication};
use dinhdanh_store::SqlStore;
use dinhdanh_store::db::SqliteDurability;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Options {
    /// Seconds each single-thread measurement runs.
    pub seconds: f64,
    /// Cards produced through the application per engine.
    pub cards: usize,
    pub postgres: Option<String>,
    pub work_dir: PathBuf,
    pub seed: u64,
}

#[derive(Default, serde::Serialize)]
pub struct Figures {
    pub ecdsa_p256_signs_per_s: f64,
    pub chips_per_s: f64,
    pub chip_ratio: f64,
    pub ecdsa_p256_verifies_per_s: f64,
    pub verifications_per_s: f64,
    pub verification_ratio: f64,
    pub production: Vec<Production>,
}

#[derive(Default, serde::Serialize)]
pub struct Production {
    pub engine: String,
    pub cards: usize,
    pub per_s: f64,
    /// Against chips built and signed per second with no store.
    pub ratio: f64,
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("{e}")
}

/// Runs `f` back to back for `seconds`; calls per second.
fn rate(seconds: f64, mut f: impl FnMut(usize) -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let t0 = Instant::now();
    let limit = Duration::from_secs_f64(seconds);
    let mut n = 0;
    while t0.elapsed() < limit {
        f(n)?;
        n += 1;
    }
    Ok(n as f64 / t0.elapsed().as_secs_f64())
}

/// Persons old enough for a card, with their face images.
fn holders(seed: u64, today: time::Date, n: usize) -> Vec<(Person, Vec<u8>)> {
    let rules = CardRules::default();
    dinhdanh_synth::persons(seed, today, n * 3 + 20)
        .filter(|p| rules.is_mandatory(p.date_of_birth.earliest(), today) && p.status == LifeStatus::Alive)
        .take(n)
        .map(|p| {
            let face = dinhdanh_synth::face::portrait_jpeg(p.id.0.as_u128() as u64, p.sex == Sex::Female);
            (p, face)
        })
        .collect()
}

pub async fn run(opts: Options) -> anyhow::Result<Figures> {
    let now = time::OffsetDateTime::now_utc();
    let today = now.date();
    let rules = CardRules::default();
    let pki = CardPki::ephemeral(now).map_err(err)?;
    let people = holders(opts.seed, today, 200);
    let mut f = Figures::default();

    // (1) The ceiling, then the chips.
    let key = SoftwareKey::generate().map_err(err)?;
    let msg = [7u8; 100];
    eprintln!("raw ECDSA P-256 signatures (aws-lc-rs), one thread, {} s", opts.seconds);
    f.ecdsa_p256_signs_per_s = rate(opts.seconds, |_| key.sign(&msg).map(drop).map_err(err))?;
    eprintln!("chip data built and signed, one thread, {} s", opts.seconds);
    f.chips_per_s = rate(opts.seconds, |i| {
        let (p, face) = &people[i % people.len()];
        let dob = p.date_of_birth.earliest();
        let dates = CardDates { issued_on: today, expires_on: rules.expiry(dob, today) };
        build_chip(&pki, p, dates, Some(face), None, now).map(drop).map_err(err)
    })?;
    f.chip_ratio = f.chips_per_s / f.ecdsa_p256_signs_per_s;

    // (2) Verification.
    let (p, face) = &people[0];
    let dates = CardDates { issued_on: today, expires_on: rules.expiry(p.date_of_birth.earliest(), today) };
    let chip = build_chip(&pki, p, dates, Some(face), None, now).map_err(err)?;
    let trust = TrustStore { cscas: vec![pki.csca.clone()], crls: vec![pki.crl()] };
    let sig = key.sign(&msg).map_err(err)?;
    let point = Signer::public_point(&key);
    eprintln!("raw ECDSA P-256 verifications, one thread, {} s", opts.seconds);
    f.ecdsa_p256_verifies_per_s = rate(opts.seconds, |_| {
        if verify_es256(&point, &msg, &sig) { Ok(()) } else { Err(anyhow!("verification failed")) }
    })?;
    eprintln!("passive authentications, one thread, {} s", opts.seconds);
    f.verifications_per_s = rate(opts.seconds, |_| {
        let r = passive_authentication(&chip.sod, &chip.data_groups, &trust, now);
        if r.is_valid() { Ok(()) } else { Err(anyhow!("the benchmark card does not verify: {r}")) }
    })?;
    f.verification_ratio = f.verifications_per_s / f.ecdsa_p256_verifies_per_s;

    // (3) Production through the application, on each engine.
    std::fs::create_dir_all(&opts.work_dir)?;
    let mut engines = vec!["sqlite"];
    if opts.postgres.is_some() {
        engines.push("postgres");
    }
    let holders = holders(opts.seed ^ 0x5eed, today, opts.cards);
    for engine in engines {
        f.production.push(production(&opts, engine, &holders, f.chips_per_s).await?);
    }
    Ok(f)
}

async fn production(
    opts: &Options,
    engine: &str,
    holders: &[(Person, Vec<u8>)],
    chips_per_s: f64,
) -> anyhow::Result<Production> {
    let name = "dinhdanh_bench_cards";
    let store = match engine {
        "postgres" => {
            let admin = opts.postgres.as_deref().context("no PostgreSQL URL")?;
            let _ = SqlStore::drop_postgres_database(admin, name).await;
            let url = SqlStore::create_postgres_database(admin, name).await.map_err(err)?;
            SqlStore::open_postgres(&url, 8).await.map_err(err)?
        }
        _ => {
            let path = opts.work_dir.join(format!("{name}.sqlite"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            SqlStore::open_sqlite(&path, SqliteDurability::Full).await.map_err(err)?
        }
    };
    store.migrate().await.map_err(err)?;
    let store = Arc::new(store);
    let now = time::OffsetDateTime::now_utc();
    let app = App::new(store.clone(), Arc::new(SystemClock), Arc::new(OsRng), AppConfig::default())
        .with_card_pki(Arc::new(CardPki::ephemeral(now).map_err(err)?))
        .with_identity_keys(Arc::new(KeyRing::ephemeral().map_err(err)?));
    let system = Principal::system("bench cards");
    let rows =
        holders.iter().enumerate().map(|(i, (p, _))| ImportRow { line: i as u64 + 1, person: Ok(p.clone()) }).collect();
    let outcomes = app.import_batch(&system, rows, "bench").await.map_err(err)?;
    if let Some((l, o)) = outcomes.iter().find(|(_, o)| !matches!(o, RowOutcome::Imported)) {
        return Err(anyhow!("row {l} not imported: {o:?}"));
    }
    // Applications up to approval are set up untimed.
    eprintln!("[{engine}] {} applications up to approval", holders.len());
    let mut approved = Vec::with_capacity(holders.len());
    for (p, face) in holders {
        let unit = p.permanent_residence.as_ref().map(|a| a.unit).context("a holder without residence")?;
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
        let d = app.apply_for_card(&system, input).await.map_err(err)?;
        app.capture_biometric(&system, &p.pin, BiometricKind::Face, BiometricFormat::Jpeg, face).await.map_err(err)?;
        for action in ["capture_biometrics", "approve"] {
            app.transition_dossier(&system, d.id, action, "", None).await.map_err(err)?;
        }
        approved.push(d.id);
    }
    eprintln!("[{engine}] producing {} cards, one after the other", approved.len());
    let t0 = Instant::now();
    for id in &approved {
        app.transition_dossier(&system, *id, "produce", "", None).await.map_err(err)?;
    }
    let per_s = approved.len() as f64 / t0.elapsed().as_secs_f64();
    store.close().await;
    if engine == "postgres"
        && let Some(admin) = &opts.postgres
    {
        let _ = SqlStore::drop_postgres_database(admin, name).await;
    }
    Ok(Production { engine: engine.to_owned(), cards: approved.len(), per_s, ratio: per_s / chips_per_s })
}

pub fn table(f: &Figures) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "| measurement | per second | ceiling (same run) | ratio |");
    let _ = writeln!(s, "|---|---:|---:|---:|");
    let _ = writeln!(
        s,
        "| chip data built and signed (one thread, no store) | {:.0} | {:.0} raw ECDSA P-256 signatures | {:.2} |",
        f.chips_per_s, f.ecdsa_p256_signs_per_s, f.chip_ratio
    );
    let _ = writeln!(
        s,
        "| passive authentication (one thread) | {:.0} | {:.0} raw ECDSA P-256 verifications | {:.2} |",
        f.verifications_per_s, f.ecdsa_p256_verifies_per_s, f.verification_ratio
    );
    for p in &f.production {
        let _ = writeln!(
            s,
            "| card production through the application, {} ({} cards, one at a time) | {:.1} | {:.0} chips without store | {:.3} |",
            p.engine, p.cards, p.per_s, f.chips_per_s, p.ratio
        );
    }
    s
}
