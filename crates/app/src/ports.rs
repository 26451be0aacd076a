//! Ports: what the application needs from the outside world. Adapters (the store crate, test
//! fakes) implement them; the application never names SQL, HTTP or the system clock directly.

use crate::audit::AuditEntry;
use async_trait::async_trait;
use dinhdanh_domain::person::{FieldChange, Jurisdiction, Person, PersonId, Sex};
use dinhdanh_domain::pin::PersonalNumber;
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;

/// Vietnam has no daylight saving: Asia/Ho_Chi_Minh is UTC+7 all year.
pub const VIETNAM_OFFSET: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("constant offset"),
};

pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
    /// Today's date in Asia/Ho_Chi_Minh, the day every deadline and age is counted in.
    fn today(&self) -> Date {
        self.now().to_offset(VIETNAM_OFFSET).date()
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

pub trait Rng: Send + Sync {
    fn fill(&self, buf: &mut [u8]);
    fn uuid(&self) -> Uuid {
        let mut b = [0u8; 16];
        self.fill(&mut b);
        uuid::Builder::from_random_bytes(b).into_uuid()
    }
    /// Uniform in `0..n`.
    fn below(&self, n: u32) -> u32 {
        // Rejection sampling keeps the distribution uniform for any n.
        let zone = u32::MAX - (u32::MAX % n);
        loop {
            let mut b = [0u8; 4];
            self.fill(&mut b);
            let v = u32::from_le_bytes(b);
            if v < zone {
                return v % n;
            }
        }
    }
    fn bytes32(&self) -> [u8; 32] {
        let mut b = [0u8; 32];
        self.fill(&mut b);
        b
    }
}

/// The operating system's CSPRNG.
pub struct OsRng;

impl Rng for OsRng {
    fn fill(&self, buf: &mut [u8]) {
        use rand::TryRng;
        rand::rngs::SysRng.try_fill_bytes(buf).expect("the OS random source works");
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record changed since it was read (optimistic concurrency); the caller may retry.
    #[error("concurrent modification")]
    Conflict,
    /// A uniqueness rule of the store was hit (a PIN or user name already taken).
    #[error("already exists: {0}")]
    Duplicate(String),
    #[error("not found")]
    NotFound,
    /// A search matched more rows than the cap; the query must be narrowed.
    #[error("search too broad")]
    TooBroad,
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A person as stored: the current version and when it started to hold.
#[derive(Clone, Debug)]
pub struct StoredPerson {
    pub person: Person,
    pub version: i64,
    /// The first day the person's facts hold (the birth); "as of" an earlier date there is no record.
    pub exists_from: Date,
    pub updated_at: OffsetDateTime,
}

/// A new person written by a change set.
#[derive(Clone, Debug)]
pub struct NewPerson {
    pub person: Person,
    pub valid_from: Date,
}

/// A new version of an existing person; `expected_version` guards against lost updates.
#[derive(Clone, Debug)]
pub struct PersonUpdate {
    pub person: Person,
    pub expected_version: i64,
    pub valid_from: Date,
    pub changes: Vec<FieldChange>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinState {
    Reserved,
    Active,
    Cancelled,
}

impl PinState {
    pub fn code(self) -> &'static str {
        match self {
            PinState::Reserved => "reserved",
            PinState::Active => "active",
            PinState::Cancelled => "cancelled",
        }
    }
}

/// A change of a number in the PIN registry (reserved → active, active → cancelled).
#[derive(Clone, Debug)]
pub struct PinTransition {
    pub pin: PersonalNumber,
    pub person_id: PersonId,
    pub state: PinState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    BirthRegistration,
    Marriage,
    Divorce,
    Death,
    DeclaredMissing,
    Correction,
    PinReestablishment,
    Import,
    AdjudicationDecision,
    /// A card was produced and added to the person's record (Art. 9 item 14).
    CardIssued,
    /// A permanent or temporary registration changed the person's residence fields.
    ResidenceChange,
}

impl EventKind {
    pub const ALL: [EventKind; 11] = [
        EventKind::BirthRegistration,
        EventKind::Marriage,
        EventKind::Divorce,
        EventKind::Death,
        EventKind::DeclaredMissing,
        EventKind::Correction,
        EventKind::PinReestablishment,
        EventKind::Import,
        EventKind::AdjudicationDecision,
        EventKind::CardIssued,
        EventKind::ResidenceChange,
    ];
    pub fn code(self) -> &'static str {
        match self {
            EventKind::BirthRegistration => "birth_registration",
            EventKind::Marriage => "marriage",
            EventKind::Divorce => "divorce",
            EventKind::Death => "death",
            EventKind::DeclaredMissing => "declared_missing",
            EventKind::Correction => "correction",
            EventKind::PinReestablishment => "pin_reestablishment",
            EventKind::Import => "import",
            EventKind::AdjudicationDecision => "adjudication_decision",
            EventKind::CardIssued => "card_issued",
            EventKind::ResidenceChange => "residence_change",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Who did something, as recorded in events and audit lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorRef {
    /// `officer`, `api_client` or `system`.
    pub kind: &'static str,
    pub id: Uuid,
    pub name: String,
}

/// A life event as recorded: the only way the register changes.
#[derive(Clone, Debug)]
pub struct EventRecord {
    pub id: Uuid,
    pub kind: EventKind,
    pub effective_date: Date,
    pub recorded_at: OffsetDateTime,
    pub actor: ActorRef,
    pub legal_basis: String,
    pub reason: String,
    /// Persons concerned, each with their role in the event (`subject`, `spouse`, `father` …).
    pub subjects: Vec<(PersonId, &'static str)>,
}

/// One field change as kept in the history.
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    pub event_id: Uuid,
    pub event_kind: EventKind,
    pub effective_date: Date,
    pub recorded_at: OffsetDateTime,
    pub actor: String,
    pub legal_basis: String,
    pub reason: String,
    /// Empty for events that created the person.
    pub changes: Vec<FieldChange>,
}

/// Why a record waits for an officer instead of being created.
#[derive(Clone, Debug)]
pub enum Candidate {
    /// A birth registration: the draft and the PIN prefix it will get if created.
    Birth(Box<crate::register::BirthDraft>),
    /// An imported record, with the number it carried.
    Import(Box<Person>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseStatus {
    Pending,
    Created,
    Duplicate,
}

impl CaseStatus {
    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::Pending => "pending",
            CaseStatus::Created => "created",
            CaseStatus::Duplicate => "duplicate",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [CaseStatus::Pending, CaseStatus::Created, CaseStatus::Duplicate].into_iter().find(|c| c.code() == s)
    }
}

/// A possible duplicate on the adjudication list.
#[derive(Clone, Debug)]
pub struct AdjudicationCase {
    pub id: Uuid,
    pub created_at: OffsetDateTime,
    pub created_by: ActorRef,
    pub candidate: Candidate,
    pub duplicate_key: String,
    /// Existing persons with the same key.
    pub matches: Vec<PersonId>,
    pub status: CaseStatus,
    pub decided_by: Option<ActorRef>,
    pub decided_at: Option<OffsetDateTime>,
    pub decision_note: String,
    pub person_id: Option<PersonId>,
    /// 2025 communes and provinces of the candidate, for officers' jurisdiction.
    pub jurisdiction: dinhdanh_domain::person::JurisdictionKeys,
    /// Line of the import file, for import cases.
    pub source_line: Option<u64>,
}

/// Everything one use case writes, committed atomically with its audit lines.
#[derive(Clone, Debug, Default)]
pub struct ChangeSet {
    pub event: Option<EventRecord>,
    pub inserts: Vec<NewPerson>,
    pub updates: Vec<PersonUpdate>,
    pub pins: Vec<PinTransition>,
    pub new_case: Option<AdjudicationCase>,
    /// A decided case replaces the pending one; the store checks it was still pending.
    pub decided_case: Option<AdjudicationCase>,
    pub audit: Vec<AuditEntry>,
    /// Dossiers received or moved by the use case, each with its log line.
    pub dossiers: Vec<crate::workflow::DossierChange>,
    /// Card rows written with the change (production, status, the open-application guard).
    pub cards: Vec<crate::cards::store::CardWrite>,
    /// Persons whose e-ID accounts are revoked (and sessions ended) with this change: the dead.
    pub revoke_eid_of: Vec<PersonId>,
    /// Events to other agencies, written in the same transaction (see [`crate::outbox`]).
    pub outbox: Vec<crate::outbox::OutboxEvent>,
    /// Households, memberships and registrations written with the change, in this order.
    pub residence: Vec<crate::residence::ResidenceWrite>,
}

/// A search as the store runs it: every condition must hold.
#[derive(Clone, Debug)]
pub struct SearchQuery {
    /// Folded name words in any order; each must equal a word of the name except the last, which
    /// is a word prefix.
    pub name_words: Vec<String>,
    pub birth_year: Option<i32>,
    pub date_of_birth: Option<Date>,
    pub sex: Option<Sex>,
    /// A 2025 province code.
    pub province: Option<String>,
    /// Only persons inside this jurisdiction are returned.
    pub jurisdiction: Jurisdiction,
    /// Zero-based page.
    pub page: u32,
    pub page_size: u32,
}

/// At most this many matches are ranked; a broader search must be narrowed.
pub const SEARCH_MATCH_CAP: usize = 2000;

#[derive(Clone, Debug)]
pub struct PersonSummary {
    pub id: PersonId,
    pub pin: PersonalNumber,
    pub name: String,
    pub date_of_birth: String,
    pub sex: Sex,
    pub status: &'static str,
}

#[derive(Clone, Debug)]
pub struct SearchPage {
    pub total: u64,
    pub items: Vec<PersonSummary>,
}

/// An officer account.
#[derive(Clone, Debug)]
pub struct Officer {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: crate::auth::Role,
    pub jurisdiction: Jurisdiction,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct Session {
    pub token_digest: String,
    pub officer_id: Uuid,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct ApiClient {
    pub id: Uuid,
    pub name: String,
    pub token_digest: String,
    pub scopes: Vec<crate::auth::Scope>,
    pub jurisdiction: Jurisdiction,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// One import batch: new persons and possible duplicates, written in one transaction.
#[derive(Clone, Debug, Default)]
pub struct ImportBatch {
    pub persons: Vec<NewPerson>,
    pub cases: Vec<AdjudicationCase>,
    pub audit: Vec<AuditEntry>,
    pub event: Option<EventRecord>,
}

/// The persistence port. Every method that writes does so in one transaction, audit included.
#[async_trait]
pub trait Store:
    Send
    + Sync
    + crate::workflow::DossierStore
    + crate::cards::store::CardStore
    + crate::identity::IdentityStore
    + crate::eid::EidStore
    + crate::outbox::OutboxStore
    + crate::residence::ResidenceStore
    + crate::stay::StayStore
    + crate::residence_confirmation::ConfirmationStore
{
    // Persons.
    /// By current or cancelled number: a cancelled number still leads to its person.
    async fn person_by_pin(&self, pin: &PersonalNumber) -> StoreResult<Option<StoredPerson>>;
    async fn person_by_id(&self, id: PersonId) -> StoreResult<Option<StoredPerson>>;
    /// The record as it held on `date`: the current record with every change whose effective
    /// date lies after `date` reverted, newest first. `None` before the person existed.
    async fn person_as_of(&self, id: PersonId, date: Date) -> StoreResult<Option<StoredPerson>>;
    async fn person_history(&self, id: PersonId) -> StoreResult<Vec<HistoryEntry>>;
    async fn search(&self, q: &SearchQuery) -> StoreResult<SearchPage>;
    /// Persons whose duplicate key equals one of `keys`, with the key each matched.
    async fn persons_with_keys(&self, keys: &[String]) -> StoreResult<Vec<(String, PersonId)>>;
    /// Which of these numbers are already in the registry (in any state), each with the
    /// duplicate key of the person holding it (none for a number only reserved).
    async fn pin_owners(&self, pins: &[PersonalNumber]) -> StoreResult<Vec<(PersonalNumber, Option<String>)>>;
    /// Claims a number; false when it was ever issued or reserved before.
    async fn reserve_pin(&self, pin: &PersonalNumber, at: OffsetDateTime) -> StoreResult<bool>;
    async fn commit(&self, changes: ChangeSet) -> StoreResult<()>;
    /// Writes audit lines for reads; returns once they are durable.
    async fn record_access(&self, entries: Vec<AuditEntry>) -> StoreResult<()>;
    async fn audit_for_person(&self, id: PersonId, limit: u32) -> StoreResult<Vec<AuditEntry>>;
    async fn import_batch(&self, batch: ImportBatch) -> StoreResult<()>;
    /// Persons in id order after `after`, for export.
    async fn scan_persons(&self, after: Option<PersonId>, limit: u32) -> StoreResult<Vec<StoredPerson>>;
    async fn count_persons(&self) -> StoreResult<u64>;

    // Adjudication.
    async fn cases(&self, status: Option<CaseStatus>, limit: u32) -> StoreResult<Vec<AdjudicationCase>>;
    async fn case(&self, id: Uuid) -> StoreResult<Option<AdjudicationCase>>;
    /// Cases of any status opened for these duplicate keys, so a re-run import finds its rows.
    async fn cases_with_keys(&self, keys: &[String]) -> StoreResult<Vec<AdjudicationCase>>;

    // Officers, sessions, API clients.
    async fn create_officer(&self, o: &Officer, audit: AuditEntry) -> StoreResult<()>;
    async fn update_officer(&self, o: &Officer) -> StoreResult<()>;
    async fn officer_by_username(&self, username: &str) -> StoreResult<Option<Officer>>;
    async fn officer_by_id(&self, id: Uuid) -> StoreResult<Option<Officer>>;
    async fn officers(&self) -> StoreResult<Vec<Officer>>;
    async fn create_session(&self, s: &Session) -> StoreResult<()>;
    async fn session(&self, token_digest: &str) -> StoreResult<Option<Session>>;
    async fn delete_session(&self, token_digest: &str) -> StoreResult<()>;
    async fn delete_sessions_of(&self, officer_id: Uuid) -> StoreResult<()>;
    async fn create_api_client(&self, c: &ApiClient, audit: AuditEntry) -> StoreResult<()>;
    async fn api_client_by_digest(&self, digest: &str) -> StoreResult<Option<ApiClient>>;
    async fn api_clients(&self) -> StoreResult<Vec<ApiClient>>;
    async fn revoke_api_client(&self, id: Uuid, at: OffsetDateTime, audit: AuditEntry) -> StoreResult<()>;
}
