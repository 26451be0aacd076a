//! Use cases of the population register: reading, searching and life events.
//!
//! Each use case checks permission and jurisdiction, applies the domain rule, and hands the store
//! one change set (records, history, PIN registry, audit) to commit atomically.

use crate::App;
use crate::audit::{AuditAction, AuditEntry};
use crate::auth::{Permission, Principal};
use crate::error::{AppError, AppResult};
use crate::ports::{
    AdjudicationCase, Candidate, CaseStatus, ChangeSet, EventKind, EventRecord, HistoryEntry, NewPerson, PersonUpdate,
    PinState, PinTransition, SearchPage, SearchQuery, StoreError, StoredPerson,
};
use dinhdanh_domain::admin::UnitLevel;
use dinhdanh_domain::codes::{Cmnd9, Ethnicity, Nationality, Religion};
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::error::{Errors, Invalid, Rule};
use dinhdanh_domain::events::{self, BirthInput, Correction, ParentRef};
use dinhdanh_domain::name::{PersonName, fold};
use dinhdanh_domain::person::{Address, BirthRegistration, Person, PersonId, Place, RelationKind, Sex};
use dinhdanh_domain::pin::{PersonalNumber, PinPrefix};
use time::Date;
use uuid::Uuid;

/// How many random draws a PIN allocation tries before giving up. With a prefix less than half
/// full, 64 misses in a row has a probability below 2⁻⁶⁴.
const PIN_DRAWS: usize = 64;
/// Optimistic-concurrency retries of an event whose records changed under it. Every conflict
/// means another writer's commit landed, so n concurrent events on one record need at most n − 1
/// retries each; 3 lost births of quadruplets registered at once (both parents change each time).
const EVENT_RETRIES: usize = 10;
pub const MAX_PAGE_SIZE: u32 = 100;
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Longest legal basis or reason accepted.
pub const MAX_META_CHARS: usize = 500;

/// Why an event happened and under which law; both are kept with every change.
#[derive(Clone, Debug, Default)]
pub struct EventMeta {
    pub legal_basis: String,
    pub reason: String,
}

impl EventMeta {
    /// Corrections need both a reason and a legal basis.
    fn require_both(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        if self.legal_basis.trim().is_empty() {
            e.push("legal_basis", Rule::LegalBasisRequired);
        }
        if self.reason.trim().is_empty() {
            e.push("reason", Rule::ReasonRequired);
        }
        e.finish()
    }
}

/// A parent as named on a birth registration form: by PIN, or by name when not in the register.
#[derive(Clone, Debug)]
pub struct ParentDraft {
    pub pin: Option<PersonalNumber>,
    pub name: Option<PersonName>,
    pub cmnd9: Option<Cmnd9>,
    pub nationality: Option<Nationality>,
}

/// A birth registration before its parents are looked up and its number is drawn.
#[derive(Clone, Debug)]
pub struct BirthDraft {
    pub birth_name: PersonName,
    pub date_of_birth: Date,
    pub sex: Sex,
    pub place_of_birth: Option<Place>,
    pub registration: BirthRegistration,
    pub hometown: Option<Place>,
    pub ethnicity: Option<Ethnicity>,
    pub religion: Option<Religion>,
    pub nationality: Vec<Nationality>,
    pub father: Option<ParentDraft>,
    pub mother: Option<ParentDraft>,
    pub permanent_residence: Option<Address>,
    pub current_residence: Option<Address>,
    pub legal_basis: String,
}

/// The outcome of a birth registration.
#[derive(Clone, Debug)]
pub enum BirthResult {
    Registered(Box<StoredPerson>),
    /// A record with the same name, date of birth, sex and mother exists: an officer decides.
    NeedsAdjudication(Uuid),
}

/// Search input as a user gives it.
#[derive(Clone, Debug, Default)]
pub struct SearchInput {
    /// A PIN, or name words in any order (diacritics optional); every word is whole except the last, which may be a prefix.
    pub q: String,
    pub birth_year: Option<i32>,
    pub date_of_birth: Option<Date>,
    pub sex: Option<Sex>,
    pub province: Option<String>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

/// A person as read, and the date the view holds for when asked "as of".
#[derive(Clone, Debug)]
pub struct PersonView {
    pub stored: StoredPerson,
    pub as_of: Option<Date>,
}

#[derive(Clone, Debug)]
pub enum Decision {
    /// Not a duplicate: create the record.
    Create,
    /// A duplicate of an existing person: create nothing.
    Duplicate,
}

impl App {
    #[allow(clippy::too_many_arguments)]
    fn entry(
        &self,
        who: &Principal,
        action: AuditAction,
        person: Option<PersonId>,
        fields: &str,
        purpose: &str,
        legal_basis: &str,
        event_id: Option<Uuid>,
    ) -> AuditEntry {
        AuditEntry {
            id: self.rng.uuid(),
            at: self.clock.now(),
            actor: who.actor(),
            action,
            person_id: person,
            fields: fields.to_owned(),
            purpose: purpose.to_owned(),
            legal_basis: legal_basis.to_owned(),
            event_id,
            detail: String::new(),
        }
    }

    async fn deny(&self, who: &Principal, person: PersonId, why: &str) -> AppError {
        let mut e = self.entry(who, AuditAction::Denied, Some(person), "", why, "", None);
        e.detail = "outside jurisdiction".to_owned();
        // A failed audit write must not turn a denial into an error the caller could probe.
        if let Err(err) = self.store.record_access(vec![e]).await {
            tracing::error!(error = %err, "could not write the audit line of a denial");
        }
        AppError::Forbidden
    }

    /// Loads a person by current or cancelled number.
    async fn load(&self, pin: &PersonalNumber) -> AppResult<StoredPerson> {
        self.store.person_by_pin(pin).await?.ok_or(AppError::NotFound)
    }

    async fn load_field(&self, field: &str, pin: &PersonalNumber) -> AppResult<StoredPerson> {
        self.store.person_by_pin(pin).await?.ok_or_else(|| AppError::invalid(field, Rule::PinUnknown))
    }

    /// Reads one person (optionally as of a date). The read is audited before data is returned.
    pub async fn person(
        &self,
        who: &Principal,
        pin: &PersonalNumber,
        as_of: Option<Date>,
        purpose: Option<&str>,
    ) -> AppResult<PersonView> {
        who.require(Permission::ReadPerson)?;
        let current = self.load(pin).await?;
        self.audited_read(who, current, as_of, purpose).await
    }

    /// Reads a person named by internal id (adjudication cases name their matches so), with the
    /// same checks and audit as [`App::person`].
    pub async fn person_by_id(&self, who: &Principal, id: PersonId, purpose: Option<&str>) -> AppResult<PersonView> {
        who.require(Permission::ReadPerson)?;
        let current = self.store.person_by_id(id).await?.ok_or(AppError::NotFound)?;
        self.audited_read(who, current, None, purpose).await
    }

    async fn audited_read(
        &self,
        who: &Principal,
        current: StoredPerson,
        as_of: Option<Date>,
        purpose: Option<&str>,
    ) -> AppResult<PersonView> {
        if !who.may_see(&current.person) {
            return Err(self.deny(who, current.person.id, purpose.unwrap_or("lookup")).await);
        }
        let stored = match as_of {
            None => current,
            Some(d) => self.store.person_as_of(current.person.id, d).await?.ok_or(AppError::NotFound)?,
        };
        let entry = self.entry(
            who,
            AuditAction::Read,
            Some(stored.person.id),
            "*",
            purpose.unwrap_or("lookup"),
            &self.config.read_legal_basis,
            None,
        );
        self.store.record_access(vec![entry]).await?;
        Ok(PersonView { stored, as_of })
    }

    /// The change history of a person, newest first. Reading it is audited like a read.
    pub async fn history(&self, who: &Principal, pin: &PersonalNumber) -> AppResult<Vec<HistoryEntry>> {
        who.require(Permission::ReadPerson)?;
        let p = self.load(pin).await?;
        if !who.may_see(&p.person) {
            return Err(self.deny(who, p.person.id, "history").await);
        }
        let h = self.store.person_history(p.person.id).await?;
        let entry = self.entry(
            who,
            AuditAction::Read,
            Some(p.person.id),
            "history",
            "history",
            &self.config.read_legal_basis,
            None,
        );
        self.store.record_access(vec![entry]).await?;
        Ok(h)
    }

    /// Searches by PIN or by folded name words with filters, inside the caller's jurisdiction.
    pub async fn search(&self, who: &Principal, input: SearchInput) -> AppResult<SearchPage> {
        who.require(Permission::Search)?;
        let page_size = input.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page_size == 0 || page_size > MAX_PAGE_SIZE || input.page.is_some_and(|p| p > 10_000) {
            return Err(AppError::invalid("page_size", Rule::Page));
        }
        let q = input.q.trim();
        if q.is_empty() {
            return Err(AppError::invalid("q", Rule::SearchEmpty));
        }
        let page = if q.bytes().all(|b| b.is_ascii_digit()) {
            let pin = PersonalNumber::parse(q).map_err(|r| AppError::invalid("q", r))?;
            match self.store.person_by_pin(&pin).await? {
                Some(p) if who.may_see(&p.person) => SearchPage {
                    total: 1,
                    items: vec![crate::ports::PersonSummary {
                        id: p.person.id,
                        pin: p.person.pin,
                        name: p.person.birth_name.to_string(),
                        date_of_birth: p.person.date_of_birth.to_string(),
                        sex: p.person.sex,
                        status: p.person.status.code(),
                    }],
                },
                _ => SearchPage { total: 0, items: vec![] },
            }
        } else {
            let words: Vec<String> = fold(q).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect();
            if words.is_empty() {
                return Err(AppError::invalid("q", Rule::SearchEmpty));
            }
            let filtered = input.birth_year.is_some() || input.date_of_birth.is_some() || input.province.is_some();
            // Without a selective filter, require at least two words of which one is a real word.
            let specific = words.len() >= 2 && words.iter().any(|w| w.len() >= 3);
            if !filtered && !specific {
                return Err(AppError::invalid("q", Rule::Search));
            }
            if let Some(p) = &input.province
                && dinhdanh_domain::admin::catalogue().province(dinhdanh_domain::admin::Catalogue::Y2025, p).is_none()
            {
                return Err(AppError::invalid("province", Rule::UnitUnknown));
            }
            let query = SearchQuery {
                name_words: words,
                birth_year: input.birth_year,
                date_of_birth: input.date_of_birth,
                sex: input.sex,
                province: input.province.clone(),
                jurisdiction: who.jurisdiction.clone(),
                page: input.page.unwrap_or(0),
                page_size,
            };
            self.store.search(&query).await?
        };
        if !page.items.is_empty() {
            let entries = page
                .items
                .iter()
                .map(|s| {
                    self.entry(
                        who,
                        AuditAction::Search,
                        Some(s.id),
                        "pin,birth_name,date_of_birth,sex,status",
                        "search",
                        &self.config.read_legal_basis,
                        None,
                    )
                })
                .collect();
            self.store.record_access(entries).await?;
        }
        Ok(page)
    }

    /// Draws a random number inside `prefix` that was never issued, and reserves it.
    pub(crate) async fn allocate_pin(&self, prefix: PinPrefix) -> AppResult<PersonalNumber> {
        for _ in 0..PIN_DRAWS {
            let pin = prefix.with_random(self.rng.below(1_000_000));
            if self.store.reserve_pin(&pin, self.clock.now()).await? {
                return Ok(pin);
            }
        }
        Err(AppError::Unavailable("no free personal number in this prefix".to_owned()))
    }

    async fn resolve_parent(
        &self,
        field: &str,
        d: &Option<ParentDraft>,
        loaded: &mut Vec<StoredPerson>,
    ) -> AppResult<Option<ParentRef>> {
        let Some(d) = d else { return Ok(None) };
        if let Some(pin) = &d.pin {
            let p = self.load_field(&format!("{field}.pin"), pin).await?;
            let person = p.person.clone();
            loaded.push(p);
            return Ok(Some(ParentRef::InRegister(Box::new(person))));
        }
        match &d.name {
            Some(name) => {
                Ok(Some(ParentRef::Named { name: name.clone(), cmnd9: d.cmnd9.clone(), nationality: d.nationality }))
            }
            None => Err(AppError::invalid(&format!("{field}.name"), Rule::Required)),
        }
    }

    fn registration_unit_check(&self, who: &Principal, draft: &BirthDraft) -> AppResult<()> {
        match &draft.registration {
            BirthRegistration::Unit(u) => {
                if u.level() != UnitLevel::Commune {
                    return Err(AppError::invalid("registration.unit", Rule::UnitNotCommune));
                }
                who.require_unit(Permission::RegisterBirth, u)
            }
            // Births registered abroad are handled centrally.
            BirthRegistration::Abroad { .. } => {
                who.require(Permission::RegisterBirth)?;
                if who.jurisdiction == dinhdanh_domain::person::Jurisdiction::National {
                    Ok(())
                } else {
                    Err(AppError::Forbidden)
                }
            }
        }
    }

    /// Registers a birth: a new person with a new number, linked to the parents; or, when a
    /// record with the same key exists, a case on the adjudication list.
    pub async fn register_birth(&self, who: &Principal, draft: BirthDraft) -> AppResult<BirthResult> {
        self.registration_unit_check(who, &draft)?;
        let mother_name = match &draft.mother {
            Some(ParentDraft { pin: Some(pin), .. }) => {
                Some(self.load_field("mother.pin", pin).await?.person.birth_name)
            }
            Some(ParentDraft { name, .. }) => name.clone(),
            None => None,
        };
        let key = dinhdanh_domain::person::duplicate_key(
            &draft.birth_name,
            &PartialDate::Full(draft.date_of_birth),
            draft.sex,
            mother_name.as_ref(),
        );
        // Validate the whole input before anything is written, the adjudication case included.
        self.birth_input(&draft).await?;
        let matches: Vec<PersonId> =
            self.store.persons_with_keys(std::slice::from_ref(&key)).await?.into_iter().map(|(_, id)| id).collect();
        if !matches.is_empty() {
            let case = self.new_case(who, Candidate::Birth(Box::new(draft.clone())), key, matches, None);
            let id = case.id;
            let mut audit = self.entry(
                who,
                AuditAction::Create,
                None,
                "adjudication",
                "birth_registration",
                &draft.legal_basis,
                None,
            );
            audit.detail = format!("adjudication case {id}");
            self.store.commit(ChangeSet { new_case: Some(case), audit: vec![audit], ..Default::default() }).await?;
            return Ok(BirthResult::NeedsAdjudication(id));
        }
        let stored = self.create_birth(who, &draft, None).await?;
        Ok(BirthResult::Registered(Box::new(stored)))
    }

    /// The domain input of a draft, with the parents' stored records (for their versions).
    async fn birth_input(&self, draft: &BirthDraft) -> AppResult<(BirthInput, Vec<StoredPerson>)> {
        let mut parents = Vec::new();
        let input = BirthInput {
            birth_name: draft.birth_name.clone(),
            date_of_birth: draft.date_of_birth,
            sex: draft.sex,
            place_of_birth: draft.place_of_birth.clone(),
            registration: draft.registration.clone(),
            hometown: draft.hometown.clone(),
            ethnicity: draft.ethnicity,
            religion: draft.religion,
            nationality: draft.nationality.clone(),
            father: self.resolve_parent("father", &draft.father, &mut parents).await?,
            mother: self.resolve_parent("mother", &draft.mother, &mut parents).await?,
            permanent_residence: draft.permanent_residence.clone(),
            current_residence: draft.current_residence.clone(),
        };
        events::birth_pin_prefix(&input, self.config.pin_policy)?;
        if draft.date_of_birth > self.clock.today() {
            return Err(AppError::invalid("date_of_birth", Rule::DateInFuture));
        }
        Ok((input, parents))
    }

    /// Creates the person of a birth registration (after the duplicate check or an officer's decision).
    async fn create_birth(
        &self,
        who: &Principal,
        draft: &BirthDraft,
        decided: Option<AdjudicationCase>,
    ) -> AppResult<StoredPerson> {
        let (input, _) = self.birth_input(draft).await?;
        // Run the domain rules once before a number is drawn, so bad input wastes none.
        let probe = PersonId(Uuid::nil());
        let prefix = events::birth_pin_prefix(&input, self.config.pin_policy)?;
        events::register_birth(input, probe, prefix.with_random(0), self.clock.today())?;
        let pin = self.allocate_pin(prefix).await?;
        let id = PersonId(self.rng.uuid());
        for attempt in 0.. {
            // Parents are read afresh on each attempt: a retry follows a concurrent change to them.
            let (input, parents) = self.birth_input(draft).await?;
            let outcome = events::register_birth(input, id, pin, self.clock.today())?;
            let event_id = self.rng.uuid();
            let dob = draft.date_of_birth;
            let mut subjects = vec![(id, "subject")];
            let mut updates = Vec::new();
            let mut audit = vec![self.entry(
                who,
                AuditAction::Create,
                Some(id),
                "*",
                "birth_registration",
                &draft.legal_basis,
                Some(event_id),
            )];
            for (role, parent) in [("father", &outcome.father), ("mother", &outcome.mother)] {
                if let Some(p) = parent {
                    let before = parents.iter().find(|s| s.person.id == p.id).ok_or(AppError::NotFound)?;
                    subjects.push((p.id, role));
                    audit.push(self.entry(
                        who,
                        AuditAction::Update,
                        Some(p.id),
                        "relatives",
                        "birth_registration",
                        &draft.legal_basis,
                        Some(event_id),
                    ));
                    updates.push(PersonUpdate {
                        changes: before.person.diff(p),
                        person: p.clone(),
                        expected_version: before.version,
                        valid_from: dob,
                    });
                }
            }
            let mut case = decided.clone();
            if let Some(c) = &mut case {
                c.person_id = Some(id);
            }
            let mut changes = ChangeSet {
                event: Some(self.event(
                    who,
                    EventKind::BirthRegistration,
                    dob,
                    &draft.legal_basis,
                    "",
                    subjects,
                    event_id,
                )),
                inserts: vec![NewPerson { person: outcome.child.clone(), valid_from: dob }],
                updates,
                pins: vec![PinTransition { pin, person_id: id, state: PinState::Active }],
                new_case: None,
                decided_case: case,
                audit,
                ..Default::default()
            };
            changes.outbox = crate::outbox::life_events(&changes, || self.rng.uuid());
            match self.store.commit(changes).await {
                Ok(()) => return self.store.person_by_id(id).await?.ok_or(AppError::NotFound),
                Err(StoreError::Conflict) if attempt + 1 < EVENT_RETRIES => continue,
                Err(e) => return Err(e.into()),
            }
        }
        unreachable!("the loop returns")
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &self,
        who: &Principal,
        kind: EventKind,
        effective_date: Date,
        legal_basis: &str,
        reason: &str,
        subjects: Vec<(PersonId, &'static str)>,
        id: Uuid,
    ) -> EventRecord {
        EventRecord {
            id,
            kind,
            effective_date,
            recorded_at: self.clock.now(),
            actor: who.actor(),
            legal_basis: legal_basis.to_owned(),
            reason: reason.to_owned(),
            subjects,
        }
    }

    pub(crate) fn new_case(
        &self,
        who: &Principal,
        candidate: Candidate,
        key: String,
        matches: Vec<PersonId>,
        line: Option<u64>,
    ) -> AdjudicationCase {
        let jurisdiction = match &candidate {
            Candidate::Birth(d) => {
                let mut keys = dinhdanh_domain::person::JurisdictionKeys::default();
                let cat = dinhdanh_domain::admin::catalogue();
                let units = [
                    match &d.registration {
                        BirthRegistration::Unit(u) => Some(u),
                        _ => None,
                    },
                    d.permanent_residence.as_ref().map(|a| &a.unit),
                    d.current_residence.as_ref().map(|a| &a.unit),
                ];
                for u in units.into_iter().flatten() {
                    keys.communes.extend(cat.communes_2025_of(u).into_iter().map(str::to_owned));
                    keys.provinces.extend(cat.provinces_2025_of(u).into_iter().map(str::to_owned));
                }
                keys
            }
            Candidate::Import(p) => p.jurisdiction_keys(),
        };
        AdjudicationCase {
            id: self.rng.uuid(),
            created_at: self.clock.now(),
            created_by: who.actor(),
            candidate,
            duplicate_key: key,
            matches,
            status: CaseStatus::Pending,
            decided_by: None,
            decided_at: None,
            decision_note: String::new(),
            person_id: None,
            jurisdiction,
            source_line: line,
        }
    }

    /// Commits new versions of existing persons for one event, retrying on concurrent change.
    /// `apply` receives the freshly loaded records and returns their new versions.
    async fn apply_event<F>(
        &self,
        who: &Principal,
        kind: EventKind,
        effective: Date,
        meta: &EventMeta,
        pins: &[(&'static str, PersonalNumber)],
        apply: F,
    ) -> AppResult<Vec<StoredPerson>>
    where
        F: Fn(&[StoredPerson]) -> AppResult<Vec<Person>>,
    {
        for attempt in 0.. {
            let mut loaded = Vec::new();
            for (field, pin) in pins {
                loaded.push(if pins.len() == 1 { self.load(pin).await? } else { self.load_field(field, pin).await? });
            }
            let new = apply(&loaded)?;
            let event_id = self.rng.uuid();
            let mut updates = Vec::new();
            let mut subjects = Vec::new();
            let mut audit = Vec::new();
            for person in new {
                let before = match loaded.iter().find(|s| s.person.id == person.id) {
                    Some(b) => b.clone(),
                    None => self.store.person_by_id(person.id).await?.ok_or(AppError::NotFound)?,
                };
                let changes = before.person.diff(&person);
                if changes.is_empty() {
                    continue;
                }
                let role = pins
                    .iter()
                    .zip(&loaded)
                    .find(|(_, s)| s.person.id == person.id)
                    .map(|((f, _), _)| *f)
                    .unwrap_or("relative");
                subjects.push((person.id, role));
                let fields: Vec<&str> = changes.iter().map(|c| c.field.name()).collect();
                audit.push(self.entry(
                    who,
                    AuditAction::Update,
                    Some(person.id),
                    &fields.join(","),
                    kind.code(),
                    &meta.legal_basis,
                    Some(event_id),
                ));
                updates.push(PersonUpdate { person, expected_version: before.version, valid_from: effective, changes });
            }
            let ids: Vec<PersonId> = updates.iter().map(|u| u.person.id).collect();
            let mut changes = ChangeSet {
                event: Some(self.event(who, kind, effective, &meta.legal_basis, &meta.reason, subjects, event_id)),
                updates,
                audit,
                ..Default::default()
            };
            self.pin_transitions(&mut changes);
            changes.outbox = crate::outbox::life_events(&changes, || self.rng.uuid());
            if kind == EventKind::Death {
                self.residence_on_death(&mut changes).await?;
                self.eid_revoke_on_death(&mut changes).await?;
            }
            match self.store.commit(changes).await {
                Ok(()) => {
                    let mut out = Vec::new();
                    for id in ids {
                        out.push(self.store.person_by_id(id).await?.ok_or(AppError::NotFound)?);
                    }
                    return Ok(out);
                }
                Err(StoreError::Conflict) if attempt + 1 < EVENT_RETRIES => continue,
                Err(e) => return Err(e.into()),
            }
        }
        unreachable!("the loop returns")
    }

    /// A changed PIN in an update activates the new number and cancels the old one.
    fn pin_transitions(&self, changes: &mut ChangeSet) {
        for u in &changes.updates {
            if let Some(c) = u.person.cancelled_pins.last()
                && u.changes.iter().any(|ch| ch.field == dinhdanh_domain::person::Field::Pin)
            {
                changes.pins.push(PinTransition { pin: u.person.pin, person_id: u.person.id, state: PinState::Active });
                changes.pins.push(PinTransition { pin: c.pin, person_id: u.person.id, state: PinState::Cancelled });
            }
        }
    }

    fn require_any(&self, who: &Principal, perm: Permission, persons: &[&Person]) -> AppResult<()> {
        who.require(perm)?;
        if persons.iter().any(|p| who.may_see(p)) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    pub async fn marry(
        &self,
        who: &Principal,
        a: PersonalNumber,
        b: PersonalNumber,
        date: Date,
        meta: EventMeta,
    ) -> AppResult<Vec<StoredPerson>> {
        let today = self.clock.today();
        self.apply_event(who, EventKind::Marriage, date, &meta, &[("spouse_a", a), ("spouse_b", b)], |l| {
            self.require_any(who, Permission::RecordCivilEvent, &[&l[0].person, &l[1].person])?;
            let (x, y) = events::marry(&l[0].person, &l[1].person, date, today)?;
            Ok(vec![x, y])
        })
        .await
    }

    pub async fn divorce(
        &self,
        who: &Principal,
        a: PersonalNumber,
        b: PersonalNumber,
        date: Date,
        meta: EventMeta,
    ) -> AppResult<Vec<StoredPerson>> {
        let today = self.clock.today();
        self.apply_event(who, EventKind::Divorce, date, &meta, &[("spouse_a", a), ("spouse_b", b)], |l| {
            self.require_any(who, Permission::RecordCivilEvent, &[&l[0].person, &l[1].person])?;
            let (x, y) = events::divorce(&l[0].person, &l[1].person, date, today)?;
            Ok(vec![x, y])
        })
        .await
    }

    pub async fn record_death(
        &self,
        who: &Principal,
        pin: PersonalNumber,
        date: PartialDate,
        meta: EventMeta,
    ) -> AppResult<Vec<StoredPerson>> {
        let today = self.clock.today();
        // The spouse, if linked, is updated in the same event.
        let subject = self.load(&pin).await?;
        who.require_for(Permission::RecordCivilEvent, &subject.person)?;
        let spouse_pin = subject.person.relatives_of(RelationKind::Spouse).find_map(|r| r.pin);
        let spouse = match spouse_pin {
            Some(sp) => self.store.person_by_pin(&sp).await?,
            None => None,
        };
        let mut pins = vec![("pin", pin)];
        if let Some(s) = &spouse {
            pins.push(("spouse", s.person.pin));
        }
        self.apply_event(who, EventKind::Death, date.earliest(), &meta, &pins, |l| {
            let (dead, widowed) = events::record_death(&l[0].person, date, l.get(1).map(|s| &s.person), today)?;
            Ok(std::iter::once(dead).chain(widowed).collect())
        })
        .await
    }

    pub async fn declare_missing(
        &self,
        who: &Principal,
        pin: PersonalNumber,
        date: PartialDate,
        meta: EventMeta,
    ) -> AppResult<Vec<StoredPerson>> {
        let today = self.clock.today();
        self.apply_event(who, EventKind::DeclaredMissing, date.earliest(), &meta, &[("pin", pin)], |l| {
            who.require_for(Permission::RecordCivilEvent, &l[0].person)?;
            Ok(vec![events::declare_missing(&l[0].person, date, today)?])
        })
        .await
    }

    /// Corrects recorded data. When the corrected sex or year of birth no longer matches the
    /// number, the number is re-established in the same transaction: the old one is cancelled
    /// (it keeps resolving to the person) and relatives' links follow.
    pub async fn correct(
        &self,
        who: &Principal,
        pin: PersonalNumber,
        correction: Correction,
        meta: EventMeta,
        require_reestablishment: bool,
    ) -> AppResult<Vec<StoredPerson>> {
        meta.require_both()?;
        let subject = self.load(&pin).await?;
        let perm = if require_reestablishment { Permission::ReestablishPin } else { Permission::Correct };
        who.require_for(perm, &subject.person)?;
        let today = self.clock.today();
        let corrected = events::correct(&subject.person, correction.clone(), today)?;
        let needs_new = events::needs_pin_reestablishment(&corrected);
        if require_reestablishment && !needs_new {
            return Err(AppError::invalid("", Rule::NothingToReestablish));
        }
        if needs_new {
            who.require(Permission::ReestablishPin)?;
        }
        let new_pin =
            if needs_new { Some(self.allocate_pin(events::reestablished_prefix(&corrected)?).await?) } else { None };
        let relative_pins: Vec<(&'static str, PersonalNumber)> = if new_pin.is_some() {
            subject.person.relatives.iter().filter_map(|r| r.pin).map(|p| ("relative", p)).collect()
        } else {
            vec![]
        };
        let mut pins = vec![("pin", pin)];
        pins.extend(relative_pins);
        let kind = if new_pin.is_some() { EventKind::PinReestablishment } else { EventKind::Correction };
        self.apply_event(who, kind, today, &meta, &pins, |l| {
            let mut corrected = events::correct(&l[0].person, correction.clone(), today)?;
            let mut out = vec![];
            if let Some(np) = new_pin {
                let old = l[0].person.pin;
                corrected = events::reestablish_pin(&corrected, np, today, &meta.reason)?;
                out.extend(l[1..].iter().filter_map(|r| events::relink(&r.person, &old, &np)));
            }
            out.insert(0, corrected);
            Ok(out)
        })
        .await
    }

    pub async fn cases(&self, who: &Principal, status: Option<CaseStatus>) -> AppResult<Vec<AdjudicationCase>> {
        who.require(Permission::Adjudicate)?;
        let all = self.store.cases(status, 500).await?;
        Ok(all.into_iter().filter(|c| who.may_see_keys(&c.jurisdiction)).collect())
    }

    pub async fn case(&self, who: &Principal, id: Uuid) -> AppResult<AdjudicationCase> {
        who.require(Permission::Adjudicate)?;
        let c = self.store.case(id).await?.ok_or(AppError::NotFound)?;
        if !who.may_see_keys(&c.jurisdiction) {
            return Err(AppError::Forbidden);
        }
        // A case shows the candidate's personal data, so opening it is a read like any other.
        // The candidate is not (yet) in the register, so the line names the case, not a person.
        let mut line = self.entry(
            who,
            AuditAction::Read,
            None,
            "adjudication_case",
            "adjudication",
            &self.config.read_legal_basis,
            None,
        );
        line.detail = format!("case {id}");
        self.store.record_access(vec![line]).await?;
        Ok(c)
    }

    /// Decides a case: create the record after all, or close it as a duplicate.
    pub async fn decide(
        &self,
        who: &Principal,
        id: Uuid,
        decision: Decision,
        note: &str,
    ) -> AppResult<AdjudicationCase> {
        let mut case = self.case(who, id).await?;
        if case.status != CaseStatus::Pending {
            return Err(AppError::invalid("decision", Rule::AlreadyDecided));
        }
        case.decided_by = Some(who.actor());
        case.decided_at = Some(self.clock.now());
        case.decision_note = note.to_owned();
        match decision {
            Decision::Duplicate => {
                case.status = CaseStatus::Duplicate;
                case.person_id = case.matches.first().copied();
                let audit = self.entry(who, AuditAction::Update, None, "adjudication", "adjudication", "", None);
                self.store
                    .commit(ChangeSet { decided_case: Some(case.clone()), audit: vec![audit], ..Default::default() })
                    .await?;
            }
            Decision::Create => {
                case.status = CaseStatus::Created;
                match &case.candidate {
                    Candidate::Birth(d) => {
                        let p = self.create_birth(who, d, Some(case.clone())).await?;
                        case.person_id = Some(p.person.id);
                    }
                    Candidate::Import(p) => {
                        let p = (**p).clone();
                        case.person_id = Some(p.id);
                        self.create_imported(who, p, case.clone()).await?;
                    }
                }
            }
        }
        Ok(case)
    }

    async fn create_imported(&self, who: &Principal, person: Person, case: AdjudicationCase) -> AppResult<()> {
        if !self.store.reserve_pin(&person.pin, self.clock.now()).await? {
            return Err(AppError::Conflict(Rule::PinUnknown));
        }
        let event_id = self.rng.uuid();
        let valid_from = person.date_of_birth.earliest();
        let changes = ChangeSet {
            event: Some(self.event(
                who,
                EventKind::AdjudicationDecision,
                self.clock.today(),
                "",
                &case.decision_note,
                vec![(person.id, "subject")],
                event_id,
            )),
            pins: vec![PinTransition { pin: person.pin, person_id: person.id, state: PinState::Active }],
            audit: vec![self.entry(who, AuditAction::Create, Some(person.id), "*", "adjudication", "", Some(event_id))],
            inserts: vec![NewPerson { person, valid_from }],
            decided_case: Some(case),
            ..Default::default()
        };
        self.store.commit(changes).await?;
        Ok(())
    }
}
