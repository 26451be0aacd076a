//! `dinhdanh`: the service and its operator commands. The composition root: it alone picks the
//! adapters (SQLite or PostgreSQL store, system clock, OS randomness, key files).

mod bench;
mod bench_cards;
mod bench_events;
mod bench_login;
mod bench_stays;
mod bulk;
mod cards;
mod records;
mod serve;
mod sms_http;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use dinhdanh_app::ports::{OsRng, SystemClock};
use dinhdanh_app::{App, AppConfig};
use dinhdanh_store::SqlStore;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "dinhdanh", version, about = "Cơ sở dữ liệu quốc gia về dân cư — National Population Database")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives; shared by every command that opens the register.
#[derive(clap::Args, Clone)]
pub struct Storage {
    /// Directory for the SQLite database, keys and demo credentials.
    #[arg(long, env = "DINHDANH_DATA_DIR", default_value = "dinhdanh-data")]
    data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; by default SQLite in the data directory.
    #[arg(long, env = "DINHDANH_DATABASE_URL")]
    database_url: Option<String>,
    /// Holiday calendar of state offices (format of crates/domain/data/holidays-vn.tsv), replacing
    /// the built-in one: how operators add a year without a new release.
    #[arg(long, env = "DINHDANH_HOLIDAYS")]
    holidays: Option<PathBuf>,
    /// PKCS#11 module of the HSM holding the document signer's key (e.g.
    /// /usr/lib/softhsm/libsofthsm2.so); without it the key is a file in the data directory.
    #[arg(long, env = "DINHDANH_DS_PKCS11_MODULE")]
    ds_pkcs11_module: Option<PathBuf>,
    /// Label of the HSM token.
    #[arg(long, env = "DINHDANH_DS_PKCS11_TOKEN", requires = "ds_pkcs11_module")]
    ds_pkcs11_token: Option<String>,
    /// Label of the document signer's key pair in the token.
    #[arg(long, env = "DINHDANH_DS_PKCS11_KEY", default_value = "dinhdanh-document-signer")]
    ds_pkcs11_key: String,
    /// File holding the token's user PIN (the PIN is never a command-line argument; the
    /// environment variable DINHDANH_DS_PKCS11_PIN is read when no file is given).
    #[arg(long, env = "DINHDANH_DS_PKCS11_PIN_FILE")]
    ds_pkcs11_pin_file: Option<PathBuf>,
}

/// The HTTP SMS gateway (without `--sms-url`, demo servers use the development outbox and other
/// servers send no SMS).
#[derive(clap::Args, Clone)]
pub struct SmsArgs {
    /// The provider's endpoint, `http://HOST[:PORT]/PATH` (TLS through a local relay).
    #[arg(long, env = "DINHDANH_SMS_URL")]
    sms_url: Option<String>,
    /// `Name: value` sent with every message, e.g. `Authorization: Bearer …` (a secret: prefer
    /// the environment variable).
    #[arg(long, env = "DINHDANH_SMS_AUTH_HEADER", hide_env_values = true)]
    sms_auth_header: Option<String>,
    /// The body; `{phone}` (0xxxxxxxxx), `{phone_intl}` (84xxxxxxxxx) and `{text}` are replaced,
    /// escaped for the content type.
    #[arg(long, env = "DINHDANH_SMS_BODY_TEMPLATE", default_value = sms_http::DEFAULT_TEMPLATE)]
    sms_body_template: String,
    #[arg(long, env = "DINHDANH_SMS_CONTENT_TYPE", default_value = "application/json")]
    sms_content_type: String,
    /// Seconds to wait for the provider's answer.
    #[arg(long, env = "DINHDANH_SMS_TIMEOUT", default_value_t = 10)]
    sms_timeout: u64,
}

impl SmsArgs {
    fn config(&self) -> Option<sms_http::HttpSmsConfig> {
        self.sms_url.as_ref().map(|url| sms_http::HttpSmsConfig {
            url: url.clone(),
            auth_header: self.sms_auth_header.clone(),
            body_template: self.sms_body_template.clone(),
            content_type: self.sms_content_type.clone(),
            timeout: std::time::Duration::from_secs(self.sms_timeout.max(1)),
        })
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the service (API, officer pages) after applying migrations.
    Serve {
        #[command(flatten)]
        storage: Storage,
        #[arg(long, env = "DINHDANH_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Seed this many synthetic persons and demo officer accounts into an empty register.
        #[arg(long)]
        demo: Option<usize>,
        /// Seed of the synthetic population.
        #[arg(long, default_value_t = 2025)]
        seed: u64,
        /// Mark cookies Secure (set when a TLS proxy fronts the service).
        #[arg(long)]
        secure_cookies: bool,
        /// The address citizens reach the service at (the passkey origin; its host is the RP ID).
        /// Default: http://localhost:PORT (passkeys need a domain name, not an IP address).
        #[arg(long, env = "DINHDANH_PUBLIC_URL")]
        public_url: Option<String>,
        /// Reverse proxies whose X-Forwarded-For header names the client (addresses or blocks,
        /// comma-separated, e.g. 10.0.0.0/8); from any other peer the header is ignored.
        #[arg(long, env = "DINHDANH_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxies: Vec<String>,
        #[command(flatten)]
        sms: SmsArgs,
    },
    /// Applies pending database migrations and exits.
    Migrate {
        #[command(flatten)]
        storage: Storage,
    },
    /// Imports persons from CSV or JSON Lines; writes a report of every rejected row.
    Import {
        #[command(flatten)]
        storage: Storage,
        file: PathBuf,
        /// Guessed from the extension when absent.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Report file (CSV); defaults to FILE.report.csv.
        #[arg(long)]
        report: Option<PathBuf>,
        #[arg(long, default_value_t = 1000)]
        batch: usize,
    },
    /// Exports every person (audited, one line per person) in the import format.
    Export {
        #[command(flatten)]
        storage: Storage,
        file: PathBuf,
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Purpose recorded in the audit log for every exported record.
        #[arg(long, default_value = "export")]
        purpose: String,
    },
    /// Writes a synthetic population (deterministic by seed) in the import format.
    BenchData {
        #[arg(long, default_value_t = 100_000)]
        persons: usize,
        #[arg(long, default_value_t = 2025)]
        seed: u64,
        file: PathBuf,
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Whole-system benchmark on SQLite (and PostgreSQL with --postgres), with same-run ceilings.
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        persons: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value_t = 2000)]
        batch: usize,
        /// A PostgreSQL server URL; the benchmark creates and drops its own databases there.
        #[arg(long)]
        postgres: Option<String>,
        /// Where SQLite benchmark databases go.
        #[arg(long, default_value = "target/bench")]
        work_dir: PathBuf,
        #[arg(long, default_value_t = 2025)]
        seed: u64,
        /// Also write the figures as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Run only these parts (comma-separated: import, reads, search). Without import, the
        /// register is filled by the raw load.
        #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(bench::PARTS))]
        only: Vec<String>,
        /// PostgreSQL only.
        #[arg(long)]
        skip_sqlite: bool,
        /// Keep the register database (`dinhdanh_bench`) after the run.
        #[arg(long)]
        keep: bool,
        /// Reuse a kept register database of the same size (with --only that leaves out import).
        #[arg(long)]
        reuse: bool,
    },
    /// Identity cards: export a card's chip files, verify exported chip files.
    Card {
        #[command(subcommand)]
        command: CardCommand,
    },
    /// Signed card QR codes.
    Qr {
        #[command(subcommand)]
        command: QrCommand,
    },
    /// Card benchmark (chip data, verification, production on SQLite and with --postgres on
    /// PostgreSQL), with same-run ceilings.
    BenchCards {
        /// Seconds each single-thread measurement runs.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Cards produced through the application per engine.
        #[arg(long, default_value_t = 200)]
        cards: usize,
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value = "target/bench")]
        work_dir: PathBuf,
        #[arg(long, default_value_t = 2025)]
        seed: u64,
        /// Also write the figures as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Event delivery to an agency's receiver on this machine (outbox, signed POSTs, outcomes and
    /// audit lines) against the same signed POSTs sent straight to it, on SQLite and with
    /// --postgres on PostgreSQL.
    BenchEvents {
        #[arg(long, default_value_t = 2000)]
        events: usize,
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value = "target/bench")]
        work_dir: PathBuf,
        /// Also write the figures as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Stay notifications accepted per second through the bulk HTTP API (batches of 100 guests)
    /// against the same rows written straight through the store, on SQLite and with --postgres on
    /// PostgreSQL.
    BenchStays {
        /// Batches of 100 guests per measurement.
        #[arg(long, default_value_t = 100)]
        batches: usize,
        /// Persons in the register the guests are drawn from.
        #[arg(long, default_value_t = 5000)]
        persons: usize,
        /// Concurrent connections (and store writers for the ceiling).
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value = "target/bench")]
        work_dir: PathBuf,
        #[arg(long, default_value_t = 2025)]
        seed: u64,
        /// Also write the figures as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Residence confirmations (xác nhận thông tin về cư trú).
    Residence {
        #[command(subcommand)]
        command: ResidenceCommand,
    },
    /// e-ID password sign-ins per second through the HTTP API at N concurrent clients, against
    /// raw Argon2id on every core in the same run, with peak memory (small sizes suffice).
    BenchLogin {
        #[arg(long, default_value_t = 64)]
        accounts: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Where the benchmark's SQLite database goes (removed afterwards).
        #[arg(long, default_value = "target/bench")]
        work_dir: PathBuf,
        /// Also write the figures as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Officer accounts.
    Officer {
        #[command(subcommand)]
        command: OfficerCommand,
    },
}

#[derive(Subcommand)]
enum CardCommand {
    /// Writes the chip files of the person's newest card (EF.COM.bin, DG1.bin, DG2.bin, DG13.bin,
    /// DG14.bin and DG15.bin when present, EF.SOD.bin), the CSCA certificate (CSCA.der) and its
    /// CRL (CRL.der) into DIR. Audited as an export.
    Export {
        #[command(flatten)]
        storage: Storage,
        /// The holder's 12-digit PIN.
        pin: String,
        dir: PathBuf,
    },
    /// Passive authentication of exported chip files: EF.SOD signature, document signer chain to
    /// the CSCA, CRL, every data group's hash. Prints a report naming what failed; exit code 1
    /// when the card is not valid.
    Verify {
        dir: PathBuf,
        /// The trusted CSCA certificate (DER or PEM).
        #[arg(long)]
        csca: PathBuf,
        /// The CSCA's CRL (DER); default DIR/CRL.der.
        #[arg(long)]
        crl: Option<PathBuf>,
    },
    /// Writes cards of synthetic persons, signed under a fresh PKI, as exported card directories
    /// (DIR/PIN/...) with CSCA.der, CRL.der and qr-keys.json at the top: samples for outside
    /// verifiers. Touches no register.
    Samples {
        dir: PathBuf,
        #[arg(long, default_value_t = 10)]
        count: usize,
        #[arg(long, default_value_t = 2025)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum QrCommand {
    /// Verifies a signed card QR offline; exit code 1 when it is not authentic.
    Verify {
        /// The QR's text (a compact JWS).
        text: String,
        /// The published key set (GET /api/v1/cards/qr-keys) or one of its keys, as JSON.
        #[arg(long)]
        key: PathBuf,
    },
}

#[derive(Subcommand)]
enum ResidenceCommand {
    /// Verifies a residence confirmation offline: its signature and its validity period (whether
    /// the residence changed since can only be answered online, by
    /// POST /api/v1/residence-confirmations/verify). Exit code 1 when it is not valid.
    Verify {
        /// The confirmation (a compact JWS, as its QR carries it).
        token: String,
        /// The published key set (GET /api/v1/cards/qr-keys) or one of its keys, as JSON.
        #[arg(long)]
        key: PathBuf,
    },
}

#[derive(Subcommand)]
enum OfficerCommand {
    /// Creates an officer account. The password comes from DINHDANH_PASSWORD or is generated
    /// and printed once.
    Create {
        #[command(flatten)]
        storage: Storage,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// officer, supervisor or administrator.
        #[arg(long)]
        role: String,
        /// national, province:CODE or commune:CODE (2025 catalogue).
        #[arg(long)]
        jurisdiction: String,
    },
}

impl Storage {
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => self.data_dir.join("register.sqlite").display().to_string(),
        }
    }

    /// Opens the register and applies migrations.
    pub async fn open(&self) -> anyhow::Result<Arc<SqlStore>> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create data directory {}", self.data_dir.display()))?;
        let store = SqlStore::open(&self.url()).await.context("cannot open the database")?;
        store.migrate().await.context("cannot apply migrations")?;
        Ok(Arc::new(store))
    }

    pub async fn app(&self) -> anyhow::Result<(Arc<App>, Arc<SqlStore>)> {
        let (app, store) = self.app_with(AppConfig::default()).await?;
        Ok((Arc::new(app), store))
    }

    /// The application with given settings (the holiday calendar from `--holidays` added),
    /// before the adapters that `serve` adds.
    /// Where the document signer's key lives when it is in an HSM.
    fn ds_hsm(&self) -> anyhow::Result<Option<dinhdanh_crypto::pkcs11::Pkcs11Config>> {
        let Some(module) = &self.ds_pkcs11_module else { return Ok(None) };
        let token = self.ds_pkcs11_token.clone().context("--ds-pkcs11-token is needed with --ds-pkcs11-module")?;
        let pin = match &self.ds_pkcs11_pin_file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the HSM PIN file {}", path.display()))?
                .trim()
                .to_owned(),
            None => std::env::var("DINHDANH_DS_PKCS11_PIN")
                .context("the HSM user PIN: set --ds-pkcs11-pin-file or DINHDANH_DS_PKCS11_PIN")?,
        };
        Ok(Some(dinhdanh_crypto::pkcs11::Pkcs11Config {
            module: module.clone(),
            token_label: token,
            pin: zeroize::Zeroizing::new(pin),
            key_label: self.ds_pkcs11_key.clone(),
        }))
    }

    pub async fn app_with(&self, mut config: AppConfig) -> anyhow::Result<(App, Arc<SqlStore>)> {
        if let Some(path) = &self.holidays {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let calendar = dinhdanh_domain::calendar::WorkingCalendar::parse(&text)
                .with_context(|| format!("holiday calendar {}", path.display()))?;
            config.calendar = Arc::new(calendar);
        }
        warn_uncovered_years(&config.calendar);
        let store = self.open().await?;
        let hsm = self.ds_hsm()?;
        let keys = cards::load_or_create(&self.data_dir, time::OffsetDateTime::now_utc(), hsm.as_ref())?;
        let app = App::new(store.clone(), Arc::new(SystemClock), Arc::new(OsRng), config)
            .with_card_pki(keys.pki)
            .with_identity_keys(keys.data_keys)
            .with_qr_key(keys.qr_key);
        Ok((app, store))
    }
}

/// Deadlines cannot be counted in a year the holiday calendar lacks; say so well before it starts.
fn warn_uncovered_years(calendar: &dinhdanh_domain::calendar::WorkingCalendar) {
    use dinhdanh_app::ports::Clock;
    let today = SystemClock.today();
    if !calendar.covers(today.year()) {
        tracing::error!(
            year = today.year(),
            "the holiday calendar has no data for this year: dossiers cannot be received"
        );
    } else if today.month() >= time::Month::October && !calendar.covers(today.year() + 1) {
        tracing::warn!(
            year = today.year() + 1,
            "the holiday calendar has no data for next year yet: add it (--holidays) before deadlines reach it"
        );
    }
}

pub fn format_of(path: &Path, given: Option<Format>) -> Format {
    given.unwrap_or(match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => Format::Csv,
        _ => Format::Jsonl,
    })
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { storage, listen, demo, seed, secure_cookies, public_url, trusted_proxies, sms } => {
            let options = serve::ServeOptions {
                listen,
                demo,
                seed,
                secure_cookies,
                public_url,
                trusted_proxies,
                sms: sms.config(),
            };
            serve::serve(storage, options).await
        }
        Command::BenchLogin { accounts, seconds, concurrency, work_dir, json } => {
            let f = bench_login::run(bench_login::LoginOptions { accounts, seconds, concurrency, work_dir }).await?;
            println!("{}", bench_login::table(&f));
            if let Some(path) = json {
                std::fs::write(&path, serde_json::to_string_pretty(&f)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(())
        }
        Command::Migrate { storage } => {
            let store = storage.open().await?;
            println!("migrations applied ({})", store.engine());
            store.close().await;
            Ok(())
        }
        Command::Import { storage, file, format, report, batch } => {
            let (app, store) = storage.app().await?;
            let format = format_of(&file, format);
            let report = report.unwrap_or_else(|| PathBuf::from(format!("{}.report.csv", file.display())));
            let summary = bulk::import_file(&app, &file, format, &report, batch.max(1)).await;
            if summary.is_ok() {
                // Fresh planner statistics for the tables the import grew.
                store.analyze().await?;
            }
            store.close().await;
            let summary = summary?;
            println!("{summary}");
            println!("report: {}", report.display());
            if summary.rejected > 0 {
                std::process::exit(2);
            }
            Ok(())
        }
        Command::Export { storage, file, format, purpose } => {
            let (app, store) = storage.app().await?;
            let n = bulk::export_file(&app, &file, format_of(&file, format), &purpose).await;
            store.close().await;
            println!("exported {} persons to {}", n?, file.display());
            Ok(())
        }
        Command::BenchData { persons, seed, file, format } => {
            let n = bulk::write_synthetic(&file, format_of(&file, format), persons, seed)?;
            println!("wrote {n} synthetic persons to {}", file.display());
            Ok(())
        }
        Command::Bench {
            persons,
            seconds,
            concurrency,
            batch,
            postgres,
            work_dir,
            seed,
            json,
            only,
            skip_sqlite,
            keep,
            reuse,
        } => {
            let figures = bench::run(bench::Options {
                persons,
                seconds,
                concurrency,
                batch: batch.max(1),
                postgres,
                work_dir,
                seed,
                only,
                skip_sqlite,
                keep,
                reuse,
            })
            .await?;
            println!("{}", bench::table(&figures));
            if let Some(path) = json {
                bench::write_results(&path, &figures)?;
            }
            Ok(())
        }
        Command::BenchEvents { events, postgres, work_dir, json } => {
            let f = bench_events::run(bench_events::Options { events: events.max(1), postgres, work_dir }).await?;
            println!("{}", bench_events::table(&f));
            if let Some(path) = json {
                std::fs::write(&path, serde_json::to_string_pretty(&f)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(())
        }
        Command::BenchCards { seconds, cards, postgres, work_dir, seed, json } => {
            let f = bench_cards::run(bench_cards::Options { seconds, cards: cards.max(1), postgres, work_dir, seed })
                .await?;
            println!("{}", bench_cards::table(&f));
            if let Some(path) = json {
                std::fs::write(&path, serde_json::to_string_pretty(&f)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(())
        }
        Command::Card { command: CardCommand::Export { storage, pin, dir } } => {
            let (app, store) = storage.app().await?;
            let r = cards::export(&app, &pin, &dir).await;
            store.close().await;
            for path in r? {
                println!("{}", path.display());
            }
            Ok(())
        }
        Command::Card { command: CardCommand::Verify { dir, csca, crl } } => {
            let report = cards::verify(&dir, &csca, crl.as_deref(), time::OffsetDateTime::now_utc())?;
            println!("{report}");
            if !report.is_valid() {
                for c in report.failures() {
                    eprintln!("không hợp lệ / failed: {} — {}", c.kind.code(), c.kind.label_vi());
                }
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Card { command: CardCommand::Samples { dir, count, seed } } => {
            let written = cards::samples(&dir, count, seed, time::OffsetDateTime::now_utc())?;
            println!("wrote {} sample cards to {}", written.len(), dir.display());
            Ok(())
        }
        Command::BenchStays { batches, persons, concurrency, postgres, work_dir, seed, json } => {
            let f = bench_stays::run(bench_stays::Options {
                batches: batches.max(1),
                persons: persons.max(200),
                concurrency: concurrency.max(1),
                postgres,
                work_dir,
                seed,
            })
            .await?;
            println!("{}", bench_stays::table(&f));
            if let Some(path) = json {
                std::fs::write(&path, serde_json::to_string_pretty(&f)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(())
        }
        Command::Residence { command: ResidenceCommand::Verify { token, key } } => {
            let (verdict, claims) = cards::verify_residence_confirmation(&token, &key)?;
            println!("{}: {}", verdict.code().to_uppercase(), verdict.message_en());
            eprintln!("{}", verdict.message_vi());
            if let Some(c) = claims {
                println!("id: {}\npin: {}\nname: {}\ndate of birth: {}", c.id, c.pin, c.name, c.date_of_birth);
                for l in c.current.iter().chain(&c.earlier) {
                    let to = l.to.map(dinhdanh_domain::date::iso).unwrap_or_else(|| "now".into());
                    println!("{} {} .. {}: {}", l.kind, dinhdanh_domain::date::iso(l.from), to, l.address);
                }
                println!("issued by: {}\nissued: {}\nexpires: {}", c.issuer, c.issued_at, c.expires_at);
                println!("(offline: whether the residence changed since is answered only online)");
            }
            if verdict != dinhdanh_app::residence_confirmation::Verdict::Valid {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Qr { command: QrCommand::Verify { text, key } } => match cards::verify_qr(&text, &key)? {
            Ok((c, kid)) => {
                println!("VALID (key {kid})");
                println!(
                    "pin: {}\nname: {}\ndate of birth: {}\nsex: {}\ndocument number: {}",
                    c.pin, c.name, c.date_of_birth, c.sex, c.document_number
                );
                println!("expires: {}", c.expires_on.as_deref().unwrap_or("không thời hạn / no expiry"));
                Ok(())
            }
            Err(e) => {
                println!("NOT VALID: {e}");
                eprintln!("{} / {e}", e.message_vi());
                std::process::exit(1);
            }
        },
        Command::Officer {
            command: OfficerCommand::Create { storage, username, display_name, role, jurisdiction },
        } => {
            let (app, store) = storage.app().await?;
            let r = serve::create_officer_cli(&app, username, display_name, &role, &jurisdiction).await;
            store.close().await;
            r
        }
    }
}
