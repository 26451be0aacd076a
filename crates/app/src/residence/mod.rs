//! Residence: households with their members' relationship to the head, permanent and temporary
//! registrations, all with validity dates, and a person's residence as of any date.
//!
//! Invariants, each enforced here and again by a unique index of the store: one current permanent
//! registration per person (a new one ends the old one: a move), one current head per household,
//! one current household per person; a temporary registration lasts at most two years and never
//! lies in the commune of the person's permanent residence; a death ends every registration and
//! membership in the transaction of the death. Every registration changes the person's record
//! (`permanent_residence`, `temporary_residence`) through a life event, so the record's history
//! and the residence tables agree, and writes a `residence.*` event to the outbox.
//!
//! The procedures (permanent and temporary registration as dossiers, extension, absence
//! declaration, deregistration, household split, change of head, adjustment) live in
//! [`procedures`]; their approvals apply the change sets built here.

pub mod procedures;

use crate::App;
use crate::audit::{AuditAction, AuditEntry};
use crate::auth::{Permission, Principal};
use crate::error::{AppError, AppResult};
use crate::outbox::{OutboxEvent, OutboxKind, person_data};
use crate::ports::{ChangeSet, EventKind, EventRecord, PersonUpdate, StoreError, StoreResult, StoredPerson};
use async_trait::async_trait;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{Address, LifeStatus, Person, PersonId};
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_domain::residence::{self as rules, HouseholdRelation, RegistrationKind};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

const RETRIES: usize = 10;

/// A household (hộ gia đình): the people registered at one legal residence.
#[derive(Clone, Debug, PartialEq)]
pub struct Household {
    pub id: Uuid,
    pub address: Address,
    pub created_at: OffsetDateTime,
}

/// A person's membership of a household, with the relationship to its head.
#[derive(Clone, Debug, PartialEq)]
pub struct Membership {
    pub household_id: Uuid,
    pub person_id: PersonId,
    pub relation: HouseholdRelation,
    pub valid_from: Date,
    /// The first day it no longer holds; `None` while current.
    pub valid_to: Option<Date>,
}

impl Membership {
    pub fn holds_on(&self, d: Date) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|t| d < t)
    }
}

/// A permanent or temporary registration.
#[derive(Clone, Debug, PartialEq)]
pub struct Registration {
    pub id: Uuid,
    pub person_id: PersonId,
    pub kind: RegistrationKind,
    pub address: Address,
    pub household_id: Option<Uuid>,
    pub valid_from: Date,
    /// The last day of a temporary registration's term.
    pub valid_until: Option<Date>,
    /// The first day it no longer holds (deregistration, a move, death).
    pub ended_on: Option<Date>,
    pub end_reason: String,
    pub recorded_at: OffsetDateTime,
}

impl Registration {
    pub fn holds_on(&self, d: Date) -> bool {
        self.valid_from <= d && self.ended_on.is_none_or(|t| d < t) && self.valid_until.is_none_or(|u| d <= u)
    }
    pub fn is_current(&self) -> bool {
        self.ended_on.is_none()
    }
}

/// One write of a residence change, in the order the store applies them.
#[derive(Clone, Debug)]
pub enum ResidenceWrite {
    NewHousehold(Household),
    Join(Membership),
    Leave { household_id: Uuid, person_id: PersonId, on: Date },
    Register(Registration),
    End { registration_id: Uuid, on: Date, reason: String },
    Absence(AbsenceDeclaration),
}

/// A declaration of absence (khai báo tạm vắng, Art. 31) from the commune of residence.
#[derive(Clone, Debug, PartialEq)]
pub struct AbsenceDeclaration {
    pub id: Uuid,
    pub person_id: PersonId,
    /// A code of `domain::residence::ABSENCE_CASES`.
    pub case_code: String,
    /// The commune of residence the person is absent from.
    pub unit: dinhdanh_domain::admin::UnitRef,
    pub destination: String,
    pub valid_from: Date,
    /// The last day declared; `None` when open-ended.
    pub valid_until: Option<Date>,
    pub reason: String,
    pub dossier_id: Option<Uuid>,
    pub recorded_at: OffsetDateTime,
}

impl AbsenceDeclaration {
    pub fn holds_on(&self, d: Date) -> bool {
        self.valid_from <= d && self.valid_until.is_none_or(|u| d <= u)
    }
}

#[async_trait]
pub trait ResidenceStore: Send + Sync {
    async fn household(&self, id: Uuid) -> StoreResult<Option<Household>>;
    /// Every membership, past and current.
    async fn household_members(&self, id: Uuid) -> StoreResult<Vec<Membership>>;
    async fn memberships_of(&self, person: PersonId) -> StoreResult<Vec<Membership>>;
    /// Every registration of the person, past and current, oldest first.
    async fn registrations_of(&self, person: PersonId) -> StoreResult<Vec<Registration>>;
    /// Every absence declaration of the person, oldest first.
    async fn absences_of(&self, person: PersonId) -> StoreResult<Vec<AbsenceDeclaration>>;
    /// The 12-month-absence rule's candidates in one commune (`unit` as `2025:26743`): current
    /// permanent registrations begun on or before `cut` (ISO date) of persons who held a temporary
    /// registration in another commune and whom no temporary registration or absence declaration
    /// covers on any day from `cut` on. Oldest first.
    async fn absence_rule_candidates(&self, unit: &str, cut: &str, limit: u32) -> StoreResult<Vec<Registration>>;
}

/// Which household a permanent registration joins.
#[derive(Clone, Debug, PartialEq)]
pub enum HouseholdChoice {
    /// A new household at the address, headed by the registrant.
    New,
    Join {
        household_id: Uuid,
        relation: HouseholdRelation,
    },
}

#[derive(Clone, Debug)]
pub struct PermanentRequest {
    pub pin: PersonalNumber,
    pub address: Address,
    pub household: HouseholdChoice,
    pub valid_from: Date,
    pub legal_basis: String,
}

#[derive(Clone, Debug)]
pub struct TemporaryRequest {
    pub pin: PersonalNumber,
    pub address: Address,
    pub valid_from: Date,
    pub valid_until: Date,
    pub legal_basis: String,
}

/// A household with every membership (oldest first) and each member's record.
#[derive(Clone, Debug)]
pub struct HouseholdView {
    pub household: Household,
    pub members: Vec<(Membership, Person)>,
}

/// Where a person lived on a date.
#[derive(Clone, Debug, Default)]
pub struct ResidenceAsOf {
    pub permanent: Option<Registration>,
    pub temporary: Vec<Registration>,
    pub household: Option<(Household, Membership)>,
    /// Every registration, for earlier residences with their dates.
    pub history: Vec<Registration>,
}

impl App {
    pub(crate) fn residence_audit(
        &self,
        who: &Principal,
        action: AuditAction,
        person: PersonId,
        purpose: &str,
        legal_basis: &str,
        event: Option<Uuid>,
    ) -> AuditEntry {
        AuditEntry {
            id: self.rng.uuid(),
            at: self.clock.now(),
            actor: who.actor(),
            action,
            person_id: Some(person),
            fields: "residence".into(),
            purpose: purpose.into(),
            legal_basis: legal_basis.into(),
            event_id: event,
            detail: String::new(),
        }
    }

    pub(crate) async fn residence_subject(&self, pin: &PersonalNumber) -> AppResult<StoredPerson> {
        self.store.person_by_pin(pin).await?.ok_or_else(|| AppError::invalid("pin", Rule::PinUnknown))
    }

    pub(crate) fn residence_event(
        &self,
        who: &Principal,
        person: &Person,
        date: Date,
        basis: &str,
        reason: &str,
    ) -> EventRecord {
        EventRecord {
            id: self.rng.uuid(),
            kind: EventKind::ResidenceChange,
            effective_date: date,
            recorded_at: self.clock.now(),
            actor: who.actor(),
            legal_basis: basis.to_owned(),
            reason: reason.to_owned(),
            subjects: vec![(person.id, "subject")],
        }
    }

    pub(crate) fn residence_outbox(&self, kind: OutboxKind, p: &Person, r: &Registration) -> OutboxEvent {
        let mut data = person_data(p);
        data.insert("registration_kind".into(), r.kind.code().into());
        data.insert("household_id".into(), r.household_id.map(|h| h.to_string()).into());
        let date = match kind {
            OutboxKind::ResidenceDeregistered => r.ended_on.unwrap_or(r.valid_from),
            _ => r.valid_from,
        };
        data.insert("effective_date".into(), dinhdanh_domain::date::iso(date).into());
        OutboxEvent { id: self.rng.uuid(), kind, person_id: p.id, occurred_at: self.clock.now(), data }
    }

    /// Registers a permanent residence (officers of the address's commune or above). A current
    /// permanent registration elsewhere ends on the new one's first day, with its household
    /// membership, and so does a temporary registration in the same commune.
    pub async fn register_permanent(&self, who: &Principal, req: PermanentRequest) -> AppResult<Registration> {
        who.require_unit(Permission::RegisterResidence, &req.address.unit)?;
        if req.legal_basis.trim().is_empty() {
            return Err(AppError::invalid("legal_basis", Rule::LegalBasisRequired));
        }
        for attempt in 0.. {
            let (changes, reg) = self.permanent_changes(who, &req).await?;
            match self.store.commit(changes).await {
                Ok(()) => return Ok(reg),
                Err(StoreError::Conflict) if attempt + 1 < RETRIES => continue,
                Err(StoreError::Duplicate(_)) => return Err(AppError::Conflict(Rule::HouseholdHasHead)),
                Err(e) => return Err(e.into()),
            }
        }
        unreachable!("the loop returns")
    }

    /// The writes of a permanent registration, read fresh (no permission check: the callers
    /// check it, the direct use case above and a dossier's approval).
    pub(crate) async fn permanent_changes(
        &self,
        who: &Principal,
        req: &PermanentRequest,
    ) -> AppResult<(ChangeSet, Registration)> {
        {
            let subject = self.residence_subject(&req.pin).await?;
            let p = &subject.person;
            rules::check_permanent(p, &req.address, req.valid_from, self.clock.today())?;
            let mut writes = Vec::new();
            let household_id = match &req.household {
                HouseholdChoice::New => {
                    let h =
                        Household { id: self.rng.uuid(), address: req.address.clone(), created_at: self.clock.now() };
                    let id = h.id;
                    writes.push(ResidenceWrite::NewHousehold(h));
                    (id, HouseholdRelation::Head)
                }
                HouseholdChoice::Join { household_id, relation } => {
                    let h = self
                        .store
                        .household(*household_id)
                        .await?
                        .ok_or_else(|| AppError::invalid("household_id", Rule::Required))?;
                    if h.address != req.address {
                        return Err(AppError::invalid("address", Rule::HouseholdAddress));
                    }
                    let members = self.store.household_members(h.id).await?;
                    if *relation == HouseholdRelation::Head
                        && members.iter().any(|m| m.valid_to.is_none() && m.relation == HouseholdRelation::Head)
                    {
                        return Err(AppError::invalid("relation", Rule::HouseholdHasHead));
                    }
                    (h.id, *relation)
                }
            };
            let (household_id, relation) = household_id;
            // A move: the old permanent registration and household end where the new ones begin.
            let mut ended = Vec::new();
            for r in self.store.registrations_of(p.id).await? {
                let same_commune_temporary =
                    r.kind == RegistrationKind::Temporary && rules::same_commune(&r.address, &req.address);
                if r.is_current() && (r.kind == RegistrationKind::Permanent || same_commune_temporary) {
                    let reason = if r.kind == RegistrationKind::Permanent { "moved" } else { "permanent_registration" };
                    writes.push(ResidenceWrite::End {
                        registration_id: r.id,
                        on: req.valid_from,
                        reason: reason.into(),
                    });
                    ended.push(Registration { ended_on: Some(req.valid_from), end_reason: reason.into(), ..r });
                }
            }
            for m in self.store.memberships_of(p.id).await? {
                if m.valid_to.is_none() {
                    writes.push(ResidenceWrite::Leave {
                        household_id: m.household_id,
                        person_id: p.id,
                        on: req.valid_from,
                    });
                }
            }
            writes.push(ResidenceWrite::Join(Membership {
                household_id,
                person_id: p.id,
                relation,
                valid_from: req.valid_from,
                valid_to: None,
            }));
            let reg = Registration {
                id: self.rng.uuid(),
                person_id: p.id,
                kind: RegistrationKind::Permanent,
                address: req.address.clone(),
                household_id: Some(household_id),
                valid_from: req.valid_from,
                valid_until: None,
                ended_on: None,
                end_reason: String::new(),
                recorded_at: self.clock.now(),
            };
            writes.push(ResidenceWrite::Register(reg.clone()));
            let mut updated = p.clone();
            updated.permanent_residence = Some(req.address.clone());
            if ended.iter().any(|r| r.kind == RegistrationKind::Temporary) {
                updated.temporary_residence = None;
            }
            let changes =
                self.residence_changes(who, &subject, updated, req.valid_from, &req.legal_basis, writes, &reg, &ended);
            Ok((changes, reg))
        }
    }

    /// Registers a temporary residence for a term of at most two years, outside the commune of
    /// the person's permanent residence. A current temporary registration elsewhere ends.
    pub async fn register_temporary(&self, who: &Principal, req: TemporaryRequest) -> AppResult<Registration> {
        who.require_unit(Permission::RegisterResidence, &req.address.unit)?;
        if req.legal_basis.trim().is_empty() {
            return Err(AppError::invalid("legal_basis", Rule::LegalBasisRequired));
        }
        for attempt in 0.. {
            let (changes, reg) = self.temporary_changes(who, &req, false).await?;
            match self.store.commit(changes).await {
                Ok(()) => return Ok(reg),
                Err(StoreError::Conflict) if attempt + 1 < RETRIES => continue,
                Err(e) => return Err(e.into()),
            }
        }
        unreachable!("the loop returns")
    }

    /// The writes of a temporary registration, read fresh. An `extension` ends the current
    /// temporary registration as `extended` (no deregistration event: the person stays).
    pub(crate) async fn temporary_changes(
        &self,
        who: &Principal,
        req: &TemporaryRequest,
        extension: bool,
    ) -> AppResult<(ChangeSet, Registration)> {
        {
            let subject = self.residence_subject(&req.pin).await?;
            let p = &subject.person;
            let regs = self.store.registrations_of(p.id).await?;
            let permanent = regs.iter().find(|r| r.is_current() && r.kind == RegistrationKind::Permanent);
            let permanent_address = permanent.map(|r| &r.address).or(p.permanent_residence.as_ref());
            rules::check_temporary(
                &p.status,
                permanent_address,
                &req.address,
                req.valid_from,
                req.valid_until,
                self.clock.today(),
            )?;
            let mut writes = Vec::new();
            let mut ended = Vec::new();
            let reason = if extension { "extended" } else { "moved" };
            for r in regs.iter().filter(|r| r.is_current() && r.kind == RegistrationKind::Temporary) {
                writes.push(ResidenceWrite::End { registration_id: r.id, on: req.valid_from, reason: reason.into() });
                if !extension {
                    ended.push(Registration { ended_on: Some(req.valid_from), end_reason: reason.into(), ..r.clone() });
                }
            }
            let reg = Registration {
                id: self.rng.uuid(),
                person_id: p.id,
                kind: RegistrationKind::Temporary,
                address: req.address.clone(),
                household_id: None,
                valid_from: req.valid_from,
                valid_until: Some(req.valid_until),
                ended_on: None,
                end_reason: String::new(),
                recorded_at: self.clock.now(),
            };
            writes.push(ResidenceWrite::Register(reg.clone()));
            let mut updated = p.clone();
            updated.temporary_residence = Some(req.address.clone());
            let changes =
                self.residence_changes(who, &subject, updated, req.valid_from, &req.legal_basis, writes, &reg, &ended);
            Ok((changes, reg))
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn residence_changes(
        &self,
        who: &Principal,
        before: &StoredPerson,
        updated: Person,
        from: Date,
        basis: &str,
        writes: Vec<ResidenceWrite>,
        reg: &Registration,
        ended: &[Registration],
    ) -> ChangeSet {
        let event = self.residence_event(who, &updated, from, basis, reg.kind.code());
        let audit = vec![self.residence_audit(
            who,
            AuditAction::Update,
            updated.id,
            "residence_registration",
            basis,
            Some(event.id),
        )];
        let mut outbox: Vec<OutboxEvent> =
            ended.iter().map(|r| self.residence_outbox(OutboxKind::ResidenceDeregistered, &updated, r)).collect();
        outbox.push(self.residence_outbox(OutboxKind::ResidenceRegistered, &updated, reg));
        ChangeSet {
            event: Some(event),
            updates: vec![PersonUpdate {
                changes: before.person.diff(&updated),
                person: updated,
                expected_version: before.version,
                valid_from: from,
            }],
            audit,
            residence: writes,
            outbox,
            ..Default::default()
        }
    }

    /// A household with every membership, past and current, and the members' numbers and names
    /// (officers whose jurisdiction covers the household's address; a read of every member,
    /// audited).
    pub async fn household_view(&self, who: &Principal, id: Uuid) -> AppResult<HouseholdView> {
        who.require(Permission::ReadPerson)?;
        let household = self.store.household(id).await?.ok_or(AppError::NotFound)?;
        if !who.jurisdiction.covers_unit(&household.address.unit) {
            return Err(AppError::Forbidden);
        }
        let mut members = Vec::new();
        let mut lines = Vec::new();
        for m in self.store.household_members(id).await? {
            let p = self.store.person_by_id(m.person_id).await?.ok_or(AppError::NotFound)?.person;
            if !members.iter().any(|(_, q): &(Membership, Person)| q.id == p.id) {
                lines.push(self.residence_audit(
                    who,
                    AuditAction::Read,
                    p.id,
                    "household",
                    &self.config.read_legal_basis,
                    None,
                ));
            }
            members.push((m, p));
        }
        self.store.record_access(lines).await?;
        Ok(HouseholdView { household, members })
    }

    /// A person's residence on `date` (audited read, in the reader's jurisdiction).
    pub async fn residence_as_of(&self, who: &Principal, pin: &PersonalNumber, date: Date) -> AppResult<ResidenceAsOf> {
        let subject = self.store.person_by_pin(pin).await?.ok_or(AppError::NotFound)?;
        who.require_for(Permission::ReadPerson, &subject.person)?;
        let p = &subject.person;
        self.store
            .record_access(vec![self.residence_audit(
                who,
                AuditAction::Read,
                p.id,
                "residence_as_of",
                &self.config.read_legal_basis,
                None,
            )])
            .await?;
        let history = self.store.registrations_of(p.id).await?;
        let mut out = ResidenceAsOf {
            permanent: history.iter().find(|r| r.kind == RegistrationKind::Permanent && r.holds_on(date)).cloned(),
            temporary: history
                .iter()
                .filter(|r| r.kind == RegistrationKind::Temporary && r.holds_on(date))
                .cloned()
                .collect(),
            household: None,
            history: history.clone(),
        };
        if let Some(m) = self.store.memberships_of(p.id).await?.into_iter().find(|m| m.holds_on(date))
            && let Some(h) = self.store.household(m.household_id).await?
        {
            out.household = Some((h, m));
        }
        Ok(out)
    }

    /// The writes of a death: every current registration and membership of the dead ends on the
    /// day of death, each with a `residence.deregistered` event (called inside the death's commit).
    pub(crate) async fn residence_on_death(&self, changes: &mut ChangeSet) -> AppResult<()> {
        let dead: Vec<(Person, Date)> = changes
            .updates
            .iter()
            .filter_map(|u| match u.person.status {
                LifeStatus::Dead(d) => Some((u.person.clone(), d.earliest())),
                _ => None,
            })
            .collect();
        for (p, on) in dead {
            for r in self.store.registrations_of(p.id).await?.into_iter().filter(Registration::is_current) {
                // A registration that starts after the death never held.
                let on = on.max(r.valid_from);
                changes.residence.push(ResidenceWrite::End { registration_id: r.id, on, reason: "death".into() });
                let ended = Registration { ended_on: Some(on), end_reason: "death".into(), ..r };
                changes.outbox.push(self.residence_outbox(OutboxKind::ResidenceDeregistered, &p, &ended));
            }
            for m in self.store.memberships_of(p.id).await?.into_iter().filter(|m| m.valid_to.is_none()) {
                changes.residence.push(ResidenceWrite::Leave {
                    household_id: m.household_id,
                    person_id: p.id,
                    on: on.max(m.valid_from),
                });
            }
        }
        Ok(())
    }
}
