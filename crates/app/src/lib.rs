//! Use cases and authorization of the population register.
//!
//! The application layer decides who may do what and turns requests into domain calls and one
//! atomic change set per use case. It knows no SQL and no HTTP: storage, time and randomness come
//! in through the ports in [`ports`].

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod cards;
pub mod eid;
pub mod error;
pub mod identity;
pub mod import;
pub mod outbox;
pub mod pki;
pub mod ports;
pub mod register;
pub mod residence;
pub mod residence_confirmation;
pub mod stay;
pub mod workflow;

use dinhdanh_domain::calendar::WorkingCalendar;
use dinhdanh_domain::events::PinCodePolicy;
use ports::{Clock, Rng, Store};
use std::sync::Arc;

pub use error::{AppError, AppResult};

/// Settings of the application layer; the command line fills them from configuration.
#[derive(Clone, Debug)]
pub struct AppConfig {
    pub pin_policy: PinCodePolicy,
    /// Legal basis recorded with every read when the caller gives none.
    pub read_legal_basis: String,
    /// Absolute lifetime of an officer's session.
    pub session_ttl: time::Duration,
    /// Failed logins in a row before an account is locked.
    pub lockout_threshold: i32,
    pub lockout_duration: time::Duration,
    /// Password hashes running at once; each holds 19 MiB.
    pub hash_concurrency: usize,
    /// How long a resolved API token is trusted before it is looked up again.
    pub client_cache_ttl: time::Duration,
    /// Days off of state offices, for procedure deadlines in working days.
    pub calendar: Arc<WorkingCalendar>,
    /// The kinds of dossier the service accepts (see [`workflow`]).
    pub dossier_kinds: Vec<&'static workflow::DossierKind>,
    /// e-ID accounts and citizens' authentication.
    pub eid: eid::EidConfig,
    /// Event subscriptions and their delivery.
    pub outbox: outbox::OutboxConfig,
    /// Minimum floor area per person of a rented dwelling, per province [R].
    pub residence_floor_area: dinhdanh_domain::residence::FloorAreaRules,
    /// The deadline rule and longest stay of stay notifications [R].
    pub stay_rules: dinhdanh_domain::stay::StayRules,
    /// How long a residence confirmation is valid [R].
    pub confirmation_rules: residence_confirmation::ConfirmationRules,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            pin_policy: PinCodePolicy::default(),
            read_legal_basis: "Luật Căn cước số 26/2023/QH15".to_owned(),
            session_ttl: time::Duration::hours(8),
            lockout_threshold: 5,
            lockout_duration: time::Duration::minutes(15),
            hash_concurrency: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            client_cache_ttl: time::Duration::seconds(10),
            calendar: Arc::new(WorkingCalendar::embedded().clone()),
            dossier_kinds: workflow::builtin_kinds(),
            eid: eid::EidConfig::default(),
            outbox: outbox::OutboxConfig::default(),
            residence_floor_area: Default::default(),
            stay_rules: Default::default(),
            confirmation_rules: Default::default(),
        }
    }
}

/// The application: the ports plus the settings, shared by every interface.
pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn Rng>,
    pub config: AppConfig,
    hash_permits: Arc<tokio::sync::Semaphore>,
    /// Argon2 working memory, one per permit at most: what bounds the memory of a login storm.
    hash_memory: Arc<std::sync::Mutex<Vec<dinhdanh_crypto::password::HashMemory>>>,
    client_cache: accounts::ClientCache,
    /// The CSCA, document signer and CRL that sign card chip data; `None` until configured.
    card_pki: Option<Arc<pki::CardPki>>,
    /// Data keys of the identity store (biometrics and chip data at rest).
    identity_keys: Option<Arc<dinhdanh_crypto::aead::KeyRing>>,
    /// The key that signs card QR codes.
    qr_key: Option<Arc<dyn dinhdanh_crypto::keys::Signer>>,
    /// Earlier QR keys still published (see [`cards::qr::RetiredQrKey`]).
    qr_retired: Vec<cards::qr::RetiredQrKey>,
    pub eid: eid::EidParts,
}

impl App {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, rng: Arc<dyn Rng>, config: AppConfig) -> Self {
        let hash_permits = Arc::new(tokio::sync::Semaphore::new(config.hash_concurrency.max(1)));
        App {
            store,
            clock,
            rng,
            config,
            hash_permits,
            hash_memory: Default::default(),
            client_cache: Default::default(),
            card_pki: None,
            identity_keys: None,
            qr_key: None,
            qr_retired: Vec::new(),
            eid: Default::default(),
        }
    }

    /// Gives the application the card PKI (the command line loads or creates it).
    pub fn with_card_pki(mut self, pki: Arc<pki::CardPki>) -> Self {
        self.card_pki = Some(pki);
        self
    }

    /// Gives the application the identity store's data keys.
    pub fn with_identity_keys(mut self, keys: Arc<dinhdanh_crypto::aead::KeyRing>) -> Self {
        self.identity_keys = Some(keys);
        self
    }

    /// Gives the application the key that signs card QR codes.
    pub fn with_qr_key(mut self, key: Arc<dyn dinhdanh_crypto::keys::Signer>) -> Self {
        self.qr_key = Some(key);
        self
    }

    /// Publishes earlier QR keys next to the signing key (QR key rotation).
    pub fn with_retired_qr_keys(mut self, keys: Vec<cards::qr::RetiredQrKey>) -> Self {
        self.qr_retired = keys;
        self
    }

    pub fn qr_key(&self) -> AppResult<&Arc<dyn dinhdanh_crypto::keys::Signer>> {
        self.qr_key.as_ref().ok_or_else(|| AppError::Unavailable("no card QR signing key is configured".into()))
    }

    pub fn card_pki(&self) -> AppResult<&Arc<pki::CardPki>> {
        self.card_pki.as_ref().ok_or_else(|| AppError::Unavailable("the card PKI is not configured".into()))
    }
}
