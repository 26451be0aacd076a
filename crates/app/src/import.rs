//! Bulk import and export of person records.
//!
//! Each batch is one transaction: a row is either fully imported (record, number, audit line) or
//! not at all. Re-running a file is safe: rows whose number already belongs to the same record are
//! reported as already present.

use crate::App;
use crate::audit::{AuditAction, AuditEntry};
use crate::auth::{Permission, Principal};
use crate::error::AppResult;
use crate::ports::{Candidate, CaseStatus, EventKind, EventRecord, ImportBatch, NewPerson, StoredPerson};
use dinhdanh_domain::error::{Invalid, Rule};
use dinhdanh_domain::person::{Person, PersonId};
use dinhdanh_domain::pin::PersonalNumber;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// One parsed line of an import file.
pub struct ImportRow {
    pub line: u64,
    pub person: Result<Person, Invalid>,
}

#[derive(Clone, Debug)]
pub enum RowOutcome {
    Imported,
    /// The number already belongs to a record with the same key (a re-run): nothing written.
    AlreadyPresent,
    /// A different record has the same name, date of birth, sex and mother: an officer decides.
    Adjudication(Uuid),
    Rejected(Invalid),
}

impl App {
    /// Imports one batch of rows; returns an outcome per line.
    pub async fn import_batch(
        &self,
        who: &Principal,
        rows: Vec<ImportRow>,
        source: &str,
    ) -> AppResult<Vec<(u64, RowOutcome)>> {
        who.require(Permission::BulkData)?;
        let this_year = self.clock.today().year();
        let mut outcomes = Vec::with_capacity(rows.len());
        let mut candidates = Vec::new();
        for row in rows {
            match row.person {
                Err(inv) => outcomes.push((row.line, RowOutcome::Rejected(inv))),
                Ok(p) => {
                    if !p.pin.matches_birth(p.sex, p.date_of_birth.year()) {
                        outcomes.push((row.line, RowOutcome::Rejected(Invalid::one("pin", Rule::PinMismatchBirth))));
                    } else if p.pin.birth_year() > this_year {
                        outcomes.push((row.line, RowOutcome::Rejected(Invalid::one("pin", Rule::PinYearInFuture))));
                    } else {
                        candidates.push((row.line, p));
                    }
                }
            }
        }
        let pins: Vec<_> = candidates.iter().flat_map(|(_, p)| p.all_pins().copied().collect::<Vec<_>>()).collect();
        let owners: HashMap<_, _> = self.store.pin_owners(&pins).await?.into_iter().collect();
        let keys: Vec<String> = candidates.iter().map(|(_, p)| p.duplicate_key()).collect();
        let mut existing: HashMap<String, Vec<PersonId>> = HashMap::new();
        for (k, id) in self.store.persons_with_keys(&keys).await? {
            existing.entry(k).or_default().push(id);
        }
        // Rows already waiting for (or closed by) an officer's decision keep their case on a re-run.
        let mut open_cases: HashMap<PersonalNumber, Uuid> = HashMap::new();
        for c in self.store.cases_with_keys(&keys).await? {
            if let Candidate::Import(p) = &c.candidate
                && matches!(c.status, CaseStatus::Pending | CaseStatus::Duplicate)
            {
                open_cases.entry(p.pin).or_insert(c.id);
            }
        }
        let event_id = self.rng.uuid();
        let now = self.clock.now();
        let mut batch = ImportBatch::default();
        let mut seen_pins = HashSet::new();
        let mut batch_keys: HashMap<String, PersonId> = HashMap::new();
        for ((line, person), key) in candidates.into_iter().zip(keys) {
            let pin = person.pin;
            if let Some(owner_key) = owners.get(&pin) {
                let outcome = if owner_key.as_deref() == Some(key.as_str()) {
                    RowOutcome::AlreadyPresent
                } else {
                    RowOutcome::Rejected(Invalid::one("pin", Rule::PinUnknown))
                };
                outcomes.push((line, outcome));
                continue;
            }
            if let Some(id) = open_cases.get(&pin) {
                outcomes.push((line, RowOutcome::Adjudication(*id)));
                continue;
            }
            if person.cancelled_pins.iter().any(|c| owners.contains_key(&c.pin))
                || person.all_pins().any(|p| !seen_pins.insert(*p))
            {
                outcomes.push((line, RowOutcome::Rejected(Invalid::one("pin", Rule::PinUnknown))));
                continue;
            }
            let mut matches = existing.get(&key).cloned().unwrap_or_default();
            if let Some(id) = batch_keys.get(&key) {
                matches.push(*id);
            }
            if !matches.is_empty() {
                let case = self.new_case(who, Candidate::Import(Box::new(person)), key, matches, Some(line));
                outcomes.push((line, RowOutcome::Adjudication(case.id)));
                batch.cases.push(case);
                continue;
            }
            batch_keys.insert(key, person.id);
            batch.audit.push(AuditEntry {
                id: self.rng.uuid(),
                at: now,
                actor: who.actor(),
                action: AuditAction::Import,
                person_id: Some(person.id),
                fields: "*".to_owned(),
                purpose: "import".to_owned(),
                legal_basis: String::new(),
                event_id: Some(event_id),
                detail: format!("{source}:{line}"),
            });
            let valid_from = person.date_of_birth.earliest();
            batch.persons.push(NewPerson { person, valid_from });
            outcomes.push((line, RowOutcome::Imported));
        }
        if !batch.persons.is_empty() || !batch.cases.is_empty() {
            batch.event = Some(EventRecord {
                id: event_id,
                kind: EventKind::Import,
                effective_date: self.clock.today(),
                recorded_at: now,
                actor: who.actor(),
                legal_basis: String::new(),
                reason: source.to_owned(),
                subjects: vec![],
            });
            self.store.import_batch(batch).await?;
        }
        outcomes.sort_by_key(|(l, _)| *l);
        Ok(outcomes)
    }

    /// One page of the export, in id order; every exported record gets an audit line.
    pub async fn export_page(
        &self,
        who: &Principal,
        after: Option<PersonId>,
        limit: u32,
        purpose: &str,
    ) -> AppResult<Vec<StoredPerson>> {
        who.require(Permission::BulkData)?;
        let page = self.store.scan_persons(after, limit).await?;
        let now = self.clock.now();
        let entries = page
            .iter()
            .map(|s| AuditEntry {
                id: self.rng.uuid(),
                at: now,
                actor: who.actor(),
                action: AuditAction::Export,
                person_id: Some(s.person.id),
                fields: "*".to_owned(),
                purpose: purpose.to_owned(),
                legal_basis: String::new(),
                event_id: None,
                detail: String::new(),
            })
            .collect::<Vec<_>>();
        if !entries.is_empty() {
            self.store.record_access(entries).await?;
        }
        Ok(page)
    }
}
