//! Events to other agencies: a transactional outbox and its signed delivery.
//!
//! A use case that changes a person (birth, death, marriage, divorce, PIN re-establishment, and
//! later residence and card changes) puts [`OutboxEvent`]s in its [`ChangeSet`]; the store writes
//! them in the same transaction as the change, so an event exists exactly when its change does.
//!
//! Agencies receive events through subscriptions an administrator registers and approves: an
//! HTTPS endpoint, the event kinds, the legal basis and the fields the agency may receive. The
//! delivery worker ([`App::deliver_pending`], looped by [`run_delivery`]) copies committed events
//! into each approved subscription's queue, sends them signed by the Standard Webhooks
//! convention (`webhook-id` = the event id, the receiver's idempotency key), at least once and in
//! order per person: a person's next event waits until the previous one was delivered or given up.
//! Failures are retried with exponential backoff; after the last attempt the event goes to the
//! subscription's dead-letter list, from which it can be sent again, as can everything from a
//! point on (replay). Each delivery is audited as a disclosure of the person's data.

use crate::App;
use crate::audit::{AuditAction, AuditEntry};
use crate::auth::{Permission, Principal};
use crate::error::{AppError, AppResult};
use crate::ports::{ActorRef, ChangeSet, EventKind, StoreResult};
use async_trait::async_trait;
use dinhdanh_crypto::webhook::SECRET_BYTES;
pub use dinhdanh_crypto::webhook::WebhookSecret;
use dinhdanh_domain::error::{Errors, Rule};
use dinhdanh_domain::person::{Address, Person, PersonId};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// What happened, as agencies subscribe to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutboxKind {
    Birth,
    Death,
    Marriage,
    Divorce,
    PinReestablished,
    ResidenceRegistered,
    ResidenceDeregistered,
    CardIssued,
    CardRevoked,
}

impl OutboxKind {
    pub const ALL: [OutboxKind; 9] = [
        OutboxKind::Birth,
        OutboxKind::Death,
        OutboxKind::Marriage,
        OutboxKind::Divorce,
        OutboxKind::PinReestablished,
        OutboxKind::ResidenceRegistered,
        OutboxKind::ResidenceDeregistered,
        OutboxKind::CardIssued,
        OutboxKind::CardRevoked,
    ];
    /// The `type` of the webhook payload.
    pub fn code(self) -> &'static str {
        match self {
            OutboxKind::Birth => "person.birth",
            OutboxKind::Death => "person.death",
            OutboxKind::Marriage => "person.marriage",
            OutboxKind::Divorce => "person.divorce",
            OutboxKind::PinReestablished => "person.pin_reestablished",
            OutboxKind::ResidenceRegistered => "residence.registered",
            OutboxKind::ResidenceDeregistered => "residence.deregistered",
            OutboxKind::CardIssued => "card.issued",
            OutboxKind::CardRevoked => "card.revoked",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Rule> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim()).ok_or(Rule::EventKindUnknown)
    }
    /// The register's life events that agencies hear about, and as which kind.
    pub fn of_life_event(kind: EventKind) -> Option<Self> {
        match kind {
            EventKind::BirthRegistration => Some(OutboxKind::Birth),
            EventKind::Death => Some(OutboxKind::Death),
            EventKind::Marriage => Some(OutboxKind::Marriage),
            EventKind::Divorce => Some(OutboxKind::Divorce),
            EventKind::PinReestablishment => Some(OutboxKind::PinReestablished),
            _ => None,
        }
    }
}

/// Every field an event's `data` may carry; a subscription names the ones its agency may receive.
pub const FIELDS: &[&str] = &[
    "pin",
    "previous_pin",
    "full_name",
    "date_of_birth",
    "sex",
    "effective_date",
    "role",
    "related_pins",
    "permanent_residence",
    "current_residence",
    "registration_kind",
    "household_id",
    "card_number",
    "card_status",
    "card_expires_on",
];

/// An event written with its change.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEvent {
    /// Also the `webhook-id` of every delivery: receivers de-duplicate on it.
    pub id: Uuid,
    pub kind: OutboxKind,
    /// Deliveries keep each person's events in order.
    pub person_id: PersonId,
    pub occurred_at: OffsetDateTime,
    /// Keys from [`FIELDS`]; a delivery keeps only those its subscription allows.
    pub data: Map<String, Value>,
}

/// An event as stored, with its place in the outbox's order.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub seq: i64,
    pub event: OutboxEvent,
}

fn address(a: &Option<Address>) -> Value {
    match a {
        Some(a) => json!({"unit": a.unit.to_string(), "detail": a.detail}),
        None => Value::Null,
    }
}

/// The fields every person event carries (before a subscription filters them).
pub fn person_data(p: &Person) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("pin".into(), p.pin.as_str().into());
    m.insert("full_name".into(), p.birth_name.as_str().into());
    m.insert("date_of_birth".into(), p.date_of_birth.to_iso().into());
    m.insert("sex".into(), p.sex.code().into());
    m.insert("permanent_residence".into(), address(&p.permanent_residence));
    m.insert("current_residence".into(), address(&p.current_residence));
    m
}

/// The outbox events of a life event's change set: one per person the event is about (the child,
/// the dead, both spouses, the person whose number changed), not for relatives whose links moved.
pub fn life_events(changes: &ChangeSet, mut new_id: impl FnMut() -> Uuid) -> Vec<OutboxEvent> {
    let Some(e) = &changes.event else { return vec![] };
    let Some(kind) = OutboxKind::of_life_event(e.kind) else { return vec![] };
    let primary = ["subject", "pin", "spouse_a", "spouse_b"];
    let persons = changes.inserts.iter().map(|n| &n.person).chain(changes.updates.iter().map(|u| &u.person));
    let persons: Vec<&Person> = persons.collect();
    let mut out = Vec::new();
    for (id, role) in &e.subjects {
        if !primary.contains(role) {
            continue;
        }
        let Some(p) = persons.iter().find(|p| p.id == *id) else { continue };
        let mut data = person_data(p);
        data.insert("effective_date".into(), dinhdanh_domain::date::iso(e.effective_date).into());
        data.insert("role".into(), (*role).into());
        let related: Vec<Value> = e
            .subjects
            .iter()
            .filter(|(other, r)| other != id && primary.contains(r))
            .filter_map(|(other, _)| persons.iter().find(|p| p.id == *other).map(|p| Value::from(p.pin.as_str())))
            .collect();
        data.insert("related_pins".into(), Value::Array(related));
        if kind == OutboxKind::PinReestablished
            && let Some(c) = p.cancelled_pins.last()
        {
            data.insert("previous_pin".into(), c.pin.as_str().into());
        }
        out.push(OutboxEvent { id: new_id(), kind, person_id: p.id, occurred_at: e.recorded_at, data });
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionStatus {
    /// Registered, not yet approved: receives nothing.
    Pending,
    Approved,
    /// Stopped by an administrator: receives nothing; its queue is kept.
    Suspended,
}

impl SubscriptionStatus {
    pub fn code(self) -> &'static str {
        match self {
            SubscriptionStatus::Pending => "pending",
            SubscriptionStatus::Approved => "approved",
            SubscriptionStatus::Suspended => "suspended",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [SubscriptionStatus::Pending, SubscriptionStatus::Approved, SubscriptionStatus::Suspended]
            .into_iter()
            .find(|x| x.code() == s)
    }
}

/// An agency's subscription to events.
#[derive(Clone, Debug)]
pub struct Subscription {
    pub id: Uuid,
    /// The agency (`Bảo hiểm xã hội Việt Nam`).
    pub name: String,
    pub url: String,
    /// Kept to sign deliveries; shown once, when the subscription is registered.
    pub secret: WebhookSecret,
    pub kinds: Vec<OutboxKind>,
    /// The keys of [`FIELDS`] the agency may receive.
    pub fields: Vec<String>,
    pub legal_basis: String,
    pub status: SubscriptionStatus,
    pub created_by: ActorRef,
    pub created_at: OffsetDateTime,
    pub approved_by: Option<ActorRef>,
    pub approved_at: Option<OffsetDateTime>,
}

impl Subscription {
    pub fn wants(&self, kind: &str) -> bool {
        self.kinds.iter().any(|k| k.code() == kind)
    }
    /// The event's data with only the allowed fields.
    pub fn filter(&self, data: &Map<String, Value>) -> Map<String, Value> {
        data.iter().filter(|(k, _)| self.fields.iter().any(|f| f == *k)).map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// A delivery the worker should attempt now: the oldest undelivered event of one person for one
/// subscription.
#[derive(Clone, Debug)]
pub struct DueDelivery {
    pub subscription_id: Uuid,
    pub attempts: i32,
    pub event: StoredEvent,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryResult {
    Delivered,
    /// Failed; tried again at `next_at`.
    Retry {
        next_at: OffsetDateTime,
        error: String,
    },
    /// Failed for the last time: on the dead-letter list.
    Dead {
        error: String,
    },
}

/// What an attempt came to, as the store records it.
#[derive(Clone, Debug)]
pub struct DeliveryOutcome {
    pub subscription_id: Uuid,
    pub seq: i64,
    pub attempts: i32,
    pub at: OffsetDateTime,
    pub result: DeliveryResult,
}

/// An event the subscription gave up on.
#[derive(Clone, Debug)]
pub struct DeadLetter {
    pub seq: i64,
    pub event_id: Uuid,
    pub kind: String,
    pub occurred_at: OffsetDateTime,
    pub attempts: i32,
    pub last_error: String,
    pub last_attempt_at: Option<OffsetDateTime>,
}

/// Queue sizes of a subscription.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub pending: u64,
    pub delivered: u64,
    pub dead: u64,
}

/// Where a replay starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayFrom {
    /// Events with this sequence number or later.
    Seq(i64),
    /// Events that occurred at this time or later.
    Time(OffsetDateTime),
}

/// The outbox's storage.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    async fn create_subscription(&self, s: &Subscription, audit: AuditEntry) -> StoreResult<()>;
    /// Sets the status (and, when approving, who approved), if the status is still `from`.
    async fn set_subscription_status(
        &self,
        id: Uuid,
        from: &[SubscriptionStatus],
        to: SubscriptionStatus,
        by: &ActorRef,
        at: OffsetDateTime,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    async fn subscriptions(&self) -> StoreResult<Vec<Subscription>>;
    async fn subscription(&self, id: Uuid) -> StoreResult<Option<Subscription>>;
    async fn queue_counts(&self, id: Uuid) -> StoreResult<QueueCounts>;
    /// Puts up to `limit` committed events, oldest first, into the queues of the approved
    /// subscriptions that want their kind; returns how many events it took.
    async fn fan_out(&self, now: OffsetDateTime, limit: u32) -> StoreResult<usize>;
    /// Deliveries due at `now`, each the oldest pending one of its person in its subscription.
    async fn due_deliveries(&self, now: OffsetDateTime, limit: u32) -> StoreResult<Vec<DueDelivery>>;
    /// Records attempts with the audit lines of the deliveries that succeeded.
    async fn record_deliveries(&self, outcomes: &[DeliveryOutcome], audit: Vec<AuditEntry>) -> StoreResult<()>;
    async fn dead_letters(&self, id: Uuid, limit: u32) -> StoreResult<Vec<DeadLetter>>;
    /// Queues again (as new, due now) every event of the subscription's kinds from `from` on,
    /// delivered or dead ones included; returns how many.
    async fn replay(&self, id: Uuid, kinds: &[&str], from: ReplayFrom, now: OffsetDateTime) -> StoreResult<u64>;
    /// Queues the dead letters again; returns how many.
    async fn redeliver_dead(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<u64>;
    /// Events in outbox order after `after` (operators' inspection and tests).
    async fn outbox_after(&self, after: i64, limit: u32) -> StoreResult<Vec<StoredEvent>>;
}

/// One signed HTTP request of a delivery.
#[derive(Clone, Debug)]
pub struct WebhookRequest {
    pub url: String,
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature`, `content-type`.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// Sends a webhook request (the web crate's HTTP client). Returns the status code, or why no
/// answer came (connection refused, timeout, TLS).
#[async_trait]
pub trait WebhookSender: Send + Sync {
    async fn send(&self, req: WebhookRequest) -> Result<u16, String>;
}

/// Settings of subscriptions and delivery.
#[derive(Clone, Debug)]
pub struct OutboxConfig {
    /// Accepts `http://127.0.0.1:PORT/…` endpoints (tests and development only).
    pub allow_loopback_http: bool,
    pub max_attempts: i32,
    /// Wait after the first failure; doubles after each further one up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Deliveries attempted at once (each to a different person or subscription).
    pub batch: u32,
    /// Idle wait between looks at the queues.
    pub poll: Duration,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            allow_loopback_http: false,
            // 2 s doubling to 1 h: the last of 16 attempts comes about 9 hours after the first.
            max_attempts: 16,
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(3600),
            batch: 64,
            poll: Duration::from_millis(200),
        }
    }
}

impl OutboxConfig {
    /// The wait after `attempts` failed attempts.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let shift = (attempts.max(1) - 1).min(30) as u32;
        self.base_backoff.saturating_mul(1u32 << shift).min(self.max_backoff)
    }
}

/// What the administrator asks for when registering a subscription.
#[derive(Clone, Debug, Default)]
pub struct NewSubscription {
    pub name: String,
    pub url: String,
    pub kinds: Vec<String>,
    pub fields: Vec<String>,
    pub legal_basis: String,
}

pub const MAX_SUBSCRIPTION_TEXT: usize = 300;
const MAX_URL_CHARS: usize = 2000;

/// An endpoint is `https://host[:port]/…`; `http://127.0.0.1:port/…` only when allowed.
pub fn check_url(url: &str, allow_loopback_http: bool) -> Result<(), Rule> {
    if url.len() > MAX_URL_CHARS || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Rule::WebhookUrl);
    }
    let (rest, https) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(r), _) => (r, true),
        (None, Some(r)) => (r, false),
        _ => return Err(Rule::WebhookUrl),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return Err(Rule::WebhookUrl);
    }
    // `[v6]:port`, `[v6]`, `host:port` or `host`.
    let (host, port) = match authority.strip_prefix('[') {
        Some(r) => {
            let (h, after) = r.split_once(']').ok_or(Rule::WebhookUrl)?;
            (h, if after.is_empty() { None } else { Some(after.strip_prefix(':').ok_or(Rule::WebhookUrl)?) })
        }
        None => match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    if let Some(p) = port {
        p.parse::<u16>().map_err(|_| Rule::WebhookUrl)?;
    }
    if host.is_empty() {
        return Err(Rule::WebhookUrl);
    }
    if https {
        return Ok(());
    }
    if allow_loopback_http && host == "127.0.0.1" { Ok(()) } else { Err(Rule::WebhookUrl) }
}

impl App {
    fn admin_audit(&self, who: &Principal, detail: String) -> AuditEntry {
        AuditEntry {
            id: self.rng.uuid(),
            at: self.clock.now(),
            actor: who.actor(),
            action: AuditAction::AccountAdmin,
            person_id: None,
            fields: String::new(),
            purpose: "event_subscription".into(),
            legal_basis: String::new(),
            event_id: None,
            detail,
        }
    }

    /// Registers an agency's subscription (administrators); it receives nothing until approved.
    /// Returns the subscription and its `whsec_` secret, shown this once.
    pub async fn create_subscription(
        &self,
        who: &Principal,
        req: NewSubscription,
    ) -> AppResult<(Subscription, String)> {
        who.require(Permission::ManageSubscriptions)?;
        let mut e = Errors::new();
        let text = |v: &str| {
            let t = v.trim();
            if t.is_empty() {
                Err(Rule::Required)
            } else if t.chars().count() > MAX_SUBSCRIPTION_TEXT {
                Err(Rule::TextTooLong)
            } else if t.chars().any(char::is_control) {
                Err(Rule::TextControlChars)
            } else {
                Ok(t.to_owned())
            }
        };
        let name = e.check("name", text(&req.name));
        let legal_basis = e.check(
            "legal_basis",
            text(&req.legal_basis).map_err(|r| match r {
                Rule::Required => Rule::LegalBasisRequired,
                r => r,
            }),
        );
        let url = e.check("url", check_url(req.url.trim(), self.config.outbox.allow_loopback_http));
        if req.kinds.is_empty() {
            e.push("kinds", Rule::Required);
        }
        let mut kinds = Vec::new();
        for (i, k) in req.kinds.iter().enumerate() {
            if let Some(k) = e.check(&format!("kinds.{i}"), OutboxKind::parse(k))
                && !kinds.contains(&k)
            {
                kinds.push(k);
            }
        }
        if req.fields.is_empty() {
            e.push("fields", Rule::Required);
        }
        let mut fields: Vec<String> = Vec::new();
        for (i, f) in req.fields.iter().enumerate() {
            let f = f.trim();
            if !FIELDS.contains(&f) {
                e.push(format!("fields.{i}"), Rule::EventFieldUnknown);
            } else if !fields.iter().any(|x| x == f) {
                fields.push(f.to_owned());
            }
        }
        e.finish()?;
        let (Some(name), Some(legal_basis), Some(())) = (name, legal_basis, url) else {
            return Err(AppError::Internal("validated subscription fields".into()));
        };
        let secret = WebhookSecret::from_random(self.rng.bytes32()[..SECRET_BYTES].try_into().expect("32 bytes"));
        let shown = secret.expose();
        let now = self.clock.now();
        let s = Subscription {
            id: self.rng.uuid(),
            name,
            url: req.url.trim().to_owned(),
            secret,
            kinds,
            fields,
            legal_basis,
            status: SubscriptionStatus::Pending,
            created_by: who.actor(),
            created_at: now,
            approved_by: None,
            approved_at: None,
        };
        let audit = self.admin_audit(who, format!("subscription registered {} ({})", s.id, s.name));
        self.store.create_subscription(&s, audit).await?;
        Ok((s, shown))
    }

    async fn move_subscription(
        &self,
        who: &Principal,
        id: Uuid,
        from: &[SubscriptionStatus],
        to: SubscriptionStatus,
    ) -> AppResult<Subscription> {
        who.require(Permission::ManageSubscriptions)?;
        let s = self.store.subscription(id).await?.ok_or(AppError::NotFound)?;
        if !from.contains(&s.status) {
            return Err(AppError::Conflict(Rule::SubscriptionState));
        }
        let audit = self.admin_audit(who, format!("subscription {} {} → {}", s.id, s.status.code(), to.code()));
        match self.store.set_subscription_status(id, from, to, &who.actor(), self.clock.now(), audit).await {
            Ok(()) => {}
            Err(crate::ports::StoreError::Conflict) => return Err(AppError::Conflict(Rule::SubscriptionState)),
            Err(e) => return Err(e.into()),
        }
        self.store.subscription(id).await?.ok_or(AppError::NotFound)
    }

    /// Approves a registered (or suspended) subscription: events committed from now on reach it.
    pub async fn approve_subscription(&self, who: &Principal, id: Uuid) -> AppResult<Subscription> {
        use SubscriptionStatus::*;
        self.move_subscription(who, id, &[Pending, Suspended], Approved).await
    }

    /// Stops deliveries to a subscription; its queue is kept for a later approval.
    pub async fn suspend_subscription(&self, who: &Principal, id: Uuid) -> AppResult<Subscription> {
        use SubscriptionStatus::*;
        self.move_subscription(who, id, &[Pending, Approved], Suspended).await
    }

    pub async fn subscriptions(&self, who: &Principal) -> AppResult<Vec<(Subscription, QueueCounts)>> {
        who.require(Permission::ManageSubscriptions)?;
        let mut out = Vec::new();
        for s in self.store.subscriptions().await? {
            let counts = self.store.queue_counts(s.id).await?;
            out.push((s, counts));
        }
        Ok(out)
    }

    pub async fn subscription(&self, who: &Principal, id: Uuid) -> AppResult<(Subscription, QueueCounts)> {
        who.require(Permission::ManageSubscriptions)?;
        let s = self.store.subscription(id).await?.ok_or(AppError::NotFound)?;
        let counts = self.store.queue_counts(id).await?;
        Ok((s, counts))
    }

    /// The events a subscription gave up on (no person data: ids, kinds and errors only).
    pub async fn dead_letters(&self, who: &Principal, id: Uuid) -> AppResult<Vec<DeadLetter>> {
        who.require(Permission::ManageSubscriptions)?;
        self.store.subscription(id).await?.ok_or(AppError::NotFound)?;
        Ok(self.store.dead_letters(id, 1000).await?)
    }

    /// Sends the dead letters again.
    pub async fn redeliver_dead(&self, who: &Principal, id: Uuid) -> AppResult<u64> {
        who.require(Permission::ManageSubscriptions)?;
        self.store.subscription(id).await?.ok_or(AppError::NotFound)?;
        let n = self.store.redeliver_dead(id, self.clock.now()).await?;
        self.store
            .record_access(vec![self.admin_audit(who, format!("subscription {id} dead letters requeued: {n}"))])
            .await?;
        Ok(n)
    }

    /// Sends again every event of the subscription's kinds from a point on, delivered ones
    /// included (receivers de-duplicate on `webhook-id`).
    pub async fn replay(&self, who: &Principal, id: Uuid, from: ReplayFrom) -> AppResult<u64> {
        who.require(Permission::ManageSubscriptions)?;
        let s = self.store.subscription(id).await?.ok_or(AppError::NotFound)?;
        let kinds: Vec<&str> = s.kinds.iter().map(|k| k.code()).collect();
        let n = self.store.replay(id, &kinds, from, self.clock.now()).await?;
        let point = match from {
            ReplayFrom::Seq(q) => format!("sequence {q}"),
            ReplayFrom::Time(t) => format!("time {t}"),
        };
        self.store
            .record_access(vec![self.admin_audit(who, format!("subscription {id} replay from {point}: {n}"))])
            .await?;
        Ok(n)
    }

    /// The signed request of one delivery: the Standard Webhooks headers and the JSON payload
    /// `{type, timestamp, data}` with only the allowed fields.
    pub fn webhook_request(&self, s: &Subscription, e: &StoredEvent) -> WebhookRequest {
        let occurred = e.event.occurred_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let body = json!({
            "type": e.event.kind.code(),
            "timestamp": occurred,
            "data": Value::Object(s.filter(&e.event.data)),
        })
        .to_string()
        .into_bytes();
        let id = e.event.id.to_string();
        let ts = self.clock.now().unix_timestamp();
        let signature = s.secret.sign(&id, ts, &body);
        WebhookRequest {
            url: s.url.clone(),
            headers: vec![
                ("content-type", "application/json".to_owned()),
                ("webhook-id", id),
                ("webhook-timestamp", ts.to_string()),
                ("webhook-signature", signature),
            ],
            body,
        }
    }

    /// One round of the delivery worker: fan out new events, attempt the due deliveries at once,
    /// record the outcomes. Returns how many deliveries were attempted.
    pub async fn deliver_pending(&self, sender: &Arc<dyn WebhookSender>) -> AppResult<DeliveryRound> {
        let cfg = &self.config.outbox;
        let fanned = self.store.fan_out(self.clock.now(), 1000).await?;
        let due = self.store.due_deliveries(self.clock.now(), cfg.batch).await?;
        if due.is_empty() {
            return Ok(DeliveryRound { fanned, ..Default::default() });
        }
        let subs = self.store.subscriptions().await?;
        let mut tasks = tokio::task::JoinSet::new();
        for d in due {
            let Some(s) = subs.iter().find(|s| s.id == d.subscription_id) else { continue };
            let req = self.webhook_request(s, &d.event);
            let sender = sender.clone();
            let sub = (s.id, s.name.clone(), s.legal_basis.clone(), s.fields.join(","));
            tasks.spawn(async move {
                let r = sender.send(req).await;
                (d, sub, r)
            });
        }
        let mut round = DeliveryRound { fanned, ..Default::default() };
        let mut outcomes = Vec::new();
        let mut audit = Vec::new();
        while let Some(done) = tasks.join_next().await {
            let (d, (sub_id, sub_name, legal_basis, fields), r) =
                done.map_err(|e| AppError::Internal(format!("delivery task: {e}")))?;
            let now = self.clock.now();
            let attempts = d.attempts + 1;
            let error = match r {
                Ok(code) if (200..300).contains(&code) => None,
                Ok(code) => Some(format!("HTTP {code}")),
                Err(e) => Some(e),
            };
            let result = match error {
                None => {
                    round.delivered += 1;
                    audit.push(AuditEntry {
                        id: self.rng.uuid(),
                        at: now,
                        actor: ActorRef { kind: "system", id: sub_id, name: format!("event delivery: {sub_name}") },
                        action: AuditAction::Disclose,
                        person_id: Some(d.event.event.person_id),
                        fields,
                        purpose: d.event.event.kind.code().to_owned(),
                        legal_basis,
                        event_id: Some(d.event.event.id),
                        detail: format!("subscription {sub_id}"),
                    });
                    DeliveryResult::Delivered
                }
                Some(error) if attempts >= cfg.max_attempts => {
                    round.dead += 1;
                    DeliveryResult::Dead { error }
                }
                Some(error) => {
                    round.failed += 1;
                    let wait = time::Duration::try_from(cfg.backoff(attempts)).unwrap_or(time::Duration::HOUR);
                    DeliveryResult::Retry { next_at: now + wait, error }
                }
            };
            outcomes.push(DeliveryOutcome {
                subscription_id: d.subscription_id,
                seq: d.event.seq,
                attempts,
                at: now,
                result,
            });
        }
        round.attempted = outcomes.len();
        self.store.record_deliveries(&outcomes, audit).await?;
        Ok(round)
    }
}

/// What one round of delivery did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryRound {
    pub fanned: usize,
    pub attempted: usize,
    pub delivered: usize,
    pub failed: usize,
    pub dead: usize,
}

/// The delivery worker: rounds until `stop` fires, waiting `poll` when there was nothing to do.
/// A store error is logged and the round tried again after the wait; nothing is lost because
/// every queue lives in the database.
pub async fn run_delivery(app: Arc<App>, sender: Arc<dyn WebhookSender>, stop: tokio::sync::watch::Receiver<bool>) {
    let mut stop = stop;
    loop {
        if *stop.borrow() {
            return;
        }
        let busy = match app.deliver_pending(&sender).await {
            Ok(r) => r.attempted > 0 || r.fanned > 0,
            Err(e) => {
                tracing::warn!(error = %e, "event delivery round failed");
                false
            }
        };
        if !busy {
            tokio::select! {
                _ = tokio::time::sleep(app.config.outbox.poll) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_https_or_loopback_when_allowed() {
        for ok in ["https://bhxh.gov.vn/hook", "https://bhxh.gov.vn:8443/a?b=c", "https://[::1]:8443/x"] {
            assert_eq!(check_url(ok, false), Ok(()), "{ok}");
        }
        for bad in [
            "http://bhxh.gov.vn/hook",
            "http://127.0.0.1:8080/hook",
            "ftp://x",
            "https://",
            "https://user@host/",
            "https://host:99999/",
            "https://host/a b",
            "bhxh.gov.vn",
        ] {
            assert_eq!(check_url(bad, false), Err(Rule::WebhookUrl), "{bad}");
        }
        assert_eq!(check_url("http://127.0.0.1:8080/hook", true), Ok(()));
        assert_eq!(check_url("http://10.0.0.1:8080/hook", true), Err(Rule::WebhookUrl));
        assert_eq!(check_url("http://localhost:8080/hook", true), Err(Rule::WebhookUrl));
    }

    #[test]
    fn backoff_doubles_up_to_the_ceiling() {
        let c = OutboxConfig::default();
        assert_eq!(c.backoff(1), Duration::from_secs(2));
        assert_eq!(c.backoff(2), Duration::from_secs(4));
        assert_eq!(c.backoff(5), Duration::from_secs(32));
        assert_eq!(c.backoff(40), Duration::from_secs(3600));
    }

    #[test]
    fn kinds_round_trip() {
        for k in OutboxKind::ALL {
            assert_eq!(OutboxKind::parse(k.code()), Ok(k));
        }
        assert_eq!(OutboxKind::parse("person.nap"), Err(Rule::EventKindUnknown));
    }
}
