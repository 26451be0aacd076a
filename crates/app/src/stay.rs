//! Stay notifications (thông báo lưu trú, Law on Residence Art. 30): a host household or an
//! accommodation establishment tells the commune police of guests staying fewer than 30 days.
//!
//! Officers submit them, and so do hotels and landlords through the API as clients with the
//! `stays:write` scope, up to [`MAX_BATCH`] guests at once. A batch is all or nothing: every guest
//! is checked (a known, living person under the name the register holds; a stay shorter than the
//! limit; a commune of the 2025 catalogue) and if any fails, every error is reported with the
//! guest's index and nothing is written. A batch may carry an idempotency key: sent again with
//! the same content it answers with the batch already stored; with other content it is refused.
//! Late notifications (see [`dinhdanh_domain::stay::StayRules`]) are accepted and flagged. The commune police of the
//! place list them (jurisdiction); every written and every listed guest is audited.

use crate::App;
use crate::audit::{AuditAction, AuditEntry};
use crate::auth::{Permission, Principal};
use crate::error::{AppError, AppResult};
use crate::ports::{ActorRef, StoreError, StoreResult};
use async_trait::async_trait;
use dinhdanh_crypto::token::{hex, sha256};
use dinhdanh_domain::admin::catalogue;
use dinhdanh_domain::error::{Errors, Invalid, Rule};
use dinhdanh_domain::name::clean_text;
use dinhdanh_domain::person::{Address, Jurisdiction, Person, PersonId};
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_domain::stay::{self as rules, Guest, HostKind, MAX_STAY_TEXT};
use std::collections::{HashMap, HashSet};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Most guests in one batch.
pub const MAX_BATCH: usize = 100;
/// Most notifications one listing returns.
pub const MAX_LIST: u32 = 500;
const LEGAL_BASIS: &str = "Luật Cư trú số 68/2020/QH14, Điều 30";

/// One guest's notification as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StayNotification {
    pub id: Uuid,
    pub batch_id: Uuid,
    pub person_id: PersonId,
    pub pin: PersonalNumber,
    pub guest_name: String,
    pub host_kind: HostKind,
    pub host_name: String,
    pub place: Address,
    pub arrival_at: OffsetDateTime,
    pub departure_on: Date,
    pub reason: String,
    /// When the notification was due ([`StayRules::deadline`]).
    pub deadline: OffsetDateTime,
    pub notified_at: OffsetDateTime,
    pub late: bool,
    pub notified_by: ActorRef,
}

/// A batch as stored: who sent it, its idempotency key and the digest of its content.
#[derive(Clone, Debug, PartialEq)]
pub struct StayBatch {
    pub id: Uuid,
    pub idempotency_key: Option<String>,
    /// SHA-256 (hex) of the request's content, to tell a repeat from a reuse of the key.
    pub digest: String,
    pub actor: ActorRef,
    pub created_at: OffsetDateTime,
    pub notifications: Vec<StayNotification>,
}

/// What the commune police list.
#[derive(Clone, Debug)]
pub struct StayQuery {
    /// A 2025 commune code; `None` for every commune the reader covers.
    pub commune: Option<String>,
    pub province: Option<String>,
    /// Arrivals from this instant (inclusive) …
    pub from: OffsetDateTime,
    /// … to this one (exclusive).
    pub to: OffsetDateTime,
    pub limit: u32,
}

#[async_trait]
pub trait StayStore: Send + Sync {
    /// Writes the batch, its notifications and the audit lines in one transaction. A batch whose
    /// (actor, idempotency key) is already stored fails with `Duplicate`.
    async fn insert_stay_batch(&self, batch: &StayBatch, audit: Vec<AuditEntry>) -> StoreResult<()>;
    /// The batch an actor sent under an idempotency key, with its notifications.
    async fn stay_batch(&self, actor_id: Uuid, key: &str) -> StoreResult<Option<StayBatch>>;
    /// Notifications in a commune or province (or everywhere), by arrival, newest first.
    async fn stays(&self, q: &StayQuery) -> StoreResult<Vec<StayNotification>>;
    /// Persons holding these current numbers (one query for a whole batch).
    async fn persons_by_pins(&self, pins: &[PersonalNumber]) -> StoreResult<Vec<Person>>;
}

/// A batch as submitted. Guests whose fields did not parse come with their errors, so one answer
/// names every problem of the batch.
#[derive(Clone, Debug)]
pub struct StayBatchRequest {
    pub idempotency_key: Option<String>,
    /// The host kind, or the rule its text broke.
    pub host_kind: Result<HostKind, Rule>,
    pub host_name: String,
    pub guests: Vec<Result<Guest, Invalid>>,
}

/// The answer to a batch: the stored batch, and whether it was stored earlier under the same key.
#[derive(Clone, Debug)]
pub struct StayOutcome {
    pub batch: StayBatch,
    pub replayed: bool,
}

fn valid_key(k: &str) -> bool {
    (1..=64).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// The digest of a batch's content (host and guests, in order).
fn digest(host_kind: HostKind, host_name: &str, guests: &[Guest]) -> String {
    let mut text = format!("{}\u{1f}{}", host_kind.code(), host_name);
    for g in guests {
        text.push_str(&format!(
            "\u{1e}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            g.pin.as_str(),
            g.name.as_str(),
            g.place.unit,
            g.place.detail,
            g.arrival.unix_timestamp_nanos(),
            dinhdanh_domain::date::iso(g.departure),
            g.reason
        ));
    }
    hex(&sha256(text.as_bytes()))
}

/// The answer to a batch sent again under its key: the stored batch, if the content is the same.
fn replay(earlier: StayBatch, digest: &str) -> AppResult<StayOutcome> {
    if earlier.digest == digest {
        Ok(StayOutcome { batch: earlier, replayed: true })
    } else {
        Err(AppError::Conflict(Rule::IdempotencyKeyReused))
    }
}

impl App {
    /// Notifies the stays of a batch of guests (see the module's documentation).
    pub async fn notify_stays(&self, who: &Principal, req: StayBatchRequest) -> AppResult<StayOutcome> {
        who.require(Permission::NotifyStay)?;
        let mut errs = Errors::new();
        if req.guests.is_empty() || req.guests.len() > MAX_BATCH {
            return Err(AppError::invalid("guests", Rule::StayBatchSize));
        }
        let key = req.idempotency_key.as_deref().map(str::trim).filter(|k| !k.is_empty());
        if key.is_some_and(|k| !valid_key(k)) {
            errs.push("idempotency_key", Rule::IdempotencyKey);
        }
        let host_kind = req.host_kind.unwrap_or_else(|r| {
            errs.push("host_kind", r);
            HostKind::Establishment
        });
        let host_name = match clean_text(&req.host_name, MAX_STAY_TEXT) {
            Ok(n) if n.is_empty() => {
                errs.push("host_name", Rule::Required);
                String::new()
            }
            Ok(n) => n,
            Err(r) => {
                errs.push("host_name", r);
                String::new()
            }
        };
        // Jurisdiction first: a client learns nothing of persons outside its area.
        for g in req.guests.iter().flatten() {
            if !who.jurisdiction.covers_unit(&g.place.unit) {
                return Err(AppError::Forbidden);
            }
        }
        let parsed: Vec<&Guest> = req.guests.iter().flatten().collect();
        let pins: Vec<PersonalNumber> = parsed.iter().map(|g| g.pin).collect();
        let mut persons: HashMap<PersonalNumber, Person> =
            self.store.persons_by_pins(&pins).await?.into_iter().map(|p| (p.pin, p)).collect();
        // A cancelled number still leads to its person (rare: looked up one by one).
        for pin in &pins {
            if !persons.contains_key(pin)
                && let Some(s) = self.store.person_by_pin(pin).await?
            {
                persons.insert(*pin, s.person);
            }
        }
        let now = self.clock.now();
        let stay_rules = &self.config.stay_rules;
        let mut seen = HashSet::new();
        let mut good = Vec::new();
        for (i, g) in req.guests.iter().enumerate() {
            let prefix = format!("guests[{i}]");
            let g = match g {
                Ok(g) => g,
                Err(inv) => {
                    errs.extend_prefixed(&prefix, inv.clone());
                    continue;
                }
            };
            let Some(p) = persons.get(&g.pin) else {
                errs.push(format!("{prefix}.pin"), Rule::PinUnknown);
                continue;
            };
            if !seen.insert(p.id) {
                errs.push(format!("{prefix}.pin"), Rule::StayDuplicateGuest);
            }
            match rules::check(stay_rules, p, g, now) {
                Ok(()) => good.push((g, p)),
                Err(inv) => errs.extend_prefixed(&prefix, inv),
            }
        }
        errs.finish()?;
        let guests: Vec<Guest> = good.iter().map(|(g, _)| (*g).clone()).collect();
        let digest = digest(host_kind, &host_name, &guests);
        if let Some(k) = key
            && let Some(earlier) = self.store.stay_batch(who.id, k).await?
        {
            return replay(earlier, &digest);
        }
        let batch_id = self.rng.uuid();
        let actor = who.actor();
        let notifications: Vec<StayNotification> = good
            .iter()
            .map(|(g, p)| StayNotification {
                id: self.rng.uuid(),
                batch_id,
                person_id: p.id,
                pin: p.pin,
                guest_name: p.birth_name.as_str().to_owned(),
                host_kind,
                host_name: host_name.clone(),
                place: g.place.clone(),
                arrival_at: g.arrival,
                departure_on: g.departure,
                reason: g.reason.clone(),
                deadline: stay_rules.deadline(g.arrival),
                notified_at: now,
                late: stay_rules.is_late(g.arrival, now),
                notified_by: actor.clone(),
            })
            .collect();
        let audit = notifications
            .iter()
            .map(|n| AuditEntry {
                id: self.rng.uuid(),
                at: now,
                actor: actor.clone(),
                action: AuditAction::Create,
                person_id: Some(n.person_id),
                fields: "stay".into(),
                purpose: "stay_notification".into(),
                legal_basis: LEGAL_BASIS.into(),
                event_id: None,
                detail: format!("batch {batch_id}"),
            })
            .collect();
        let batch = StayBatch {
            id: batch_id,
            idempotency_key: key.map(str::to_owned),
            digest: digest.clone(),
            actor,
            created_at: now,
            notifications,
        };
        match self.store.insert_stay_batch(&batch, audit).await {
            Ok(()) => Ok(StayOutcome { batch, replayed: false }),
            // The same key sent twice at once: the other request stored it first.
            Err(StoreError::Duplicate(_)) if key.is_some() => {
                let earlier = self
                    .store
                    .stay_batch(who.id, key.unwrap_or_default())
                    .await?
                    .ok_or_else(|| AppError::Internal("stay batch vanished".into()))?;
                replay(earlier, &digest)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Stay notifications of arrivals in `[from, to)` for the commune police: a commune officer
    /// sees the commune's, a province officer the province's (or one commune of it). Every
    /// listed guest is audited.
    pub async fn stays(
        &self,
        who: &Principal,
        commune: Option<&str>,
        from: OffsetDateTime,
        to: OffsetDateTime,
        limit: u32,
    ) -> AppResult<Vec<StayNotification>> {
        who.require(Permission::ReadStays)?;
        let cat = catalogue();
        let commune = match commune.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => {
                let unit = dinhdanh_domain::admin::UnitRef::new(dinhdanh_domain::admin::Catalogue::Y2025, c)
                    .ok()
                    .filter(|u| cat.commune(dinhdanh_domain::admin::Catalogue::Y2025, u.code()).is_some())
                    .ok_or_else(|| AppError::invalid("commune", Rule::UnitUnknown))?;
                if !who.jurisdiction.covers_unit(&unit) {
                    return Err(AppError::Forbidden);
                }
                Some(c.to_owned())
            }
            None => None,
        };
        if to <= from {
            return Err(AppError::invalid("to", Rule::StayListPeriod));
        }
        let (commune, province) = match (&who.jurisdiction, commune) {
            (_, Some(c)) => (Some(c), None),
            (Jurisdiction::National, None) => (None, None),
            (Jurisdiction::Province(p), None) => (None, Some(p.clone())),
            (Jurisdiction::Commune(c), None) => (Some(c.clone()), None),
        };
        let q = StayQuery { commune, province, from, to, limit: limit.clamp(1, MAX_LIST) };
        let list = self.store.stays(&q).await?;
        let now = self.clock.now();
        let audit: Vec<AuditEntry> = list
            .iter()
            .map(|n| AuditEntry {
                id: self.rng.uuid(),
                at: now,
                actor: who.actor(),
                action: AuditAction::Read,
                person_id: Some(n.person_id),
                fields: "stay".into(),
                purpose: "stay_list".into(),
                legal_basis: LEGAL_BASIS.into(),
                event_id: None,
                detail: format!("notification {}", n.id),
            })
            .collect();
        if !audit.is_empty() {
            self.store.record_access(audit).await?;
        }
        Ok(list)
    }
}
