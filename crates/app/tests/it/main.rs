//! Use-case tests of the application over every storage backend of the run (SQLite always,
//! PostgreSQL when `TEST_DATABASE_URL` is set). One binary: linking is the slow part.

mod access;
mod accounts;
mod card_flow;
mod cards;
mod eid;
mod eid_chip;
mod import;
mod outbox;
mod register;
mod residence;
mod residence_confirmation;
mod residence_procedures;
mod stays;
mod workflow;

use dinhdanh_app::AppError;
use dinhdanh_app::audit::{AuditAction, AuditEntry};
use dinhdanh_app::ports::{
    ActorRef, ChangeSet, EventKind, EventRecord, NewPerson, PinState, PinTransition, StoredPerson,
};
use dinhdanh_app::register::EventMeta;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{Person, PersonId};
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_testkit::TestApp;
use uuid::Uuid;

/// Puts a person straight into the store, as an earlier registration would have.
pub async fn seed(t: &TestApp, p: &Person) {
    let at = t.clock.now_utc();
    let actor = ActorRef { kind: "system", id: Uuid::nil(), name: "seed".to_owned() };
    let event = EventRecord {
        id: Uuid::new_v4(),
        kind: EventKind::Import,
        effective_date: p.date_of_birth.earliest(),
        recorded_at: at,
        actor: actor.clone(),
        legal_basis: String::new(),
        reason: "seed".to_owned(),
        subjects: vec![(p.id, "subject")],
    };
    let audit = AuditEntry {
        id: Uuid::new_v4(),
        at,
        actor,
        action: AuditAction::Import,
        person_id: Some(p.id),
        fields: "*".to_owned(),
        purpose: "seed".to_owned(),
        legal_basis: String::new(),
        event_id: Some(event.id),
        detail: String::new(),
    };
    let cs = ChangeSet {
        event: Some(event),
        inserts: vec![NewPerson { person: p.clone(), valid_from: p.date_of_birth.earliest() }],
        pins: vec![PinTransition { pin: p.pin, person_id: p.id, state: PinState::Active }],
        audit: vec![audit],
        ..Default::default()
    };
    t.app.store.commit(cs).await.unwrap_or_else(|e| panic!("{:?}: seed: {e}", t.store.engine));
}

/// The stored record, read without going through (and being audited by) the use cases.
pub async fn stored(t: &TestApp, id: PersonId) -> StoredPerson {
    t.app.store.person_by_id(id).await.expect("read").unwrap_or_else(|| panic!("{:?}: {id} missing", t.store.engine))
}

pub async fn stored_pin(t: &TestApp, pin: &PersonalNumber) -> StoredPerson {
    t.app.store.person_by_pin(pin).await.expect("read").unwrap_or_else(|| panic!("{:?}: {pin} missing", t.store.engine))
}

pub fn meta(basis: &str, reason: &str) -> EventMeta {
    EventMeta { legal_basis: basis.to_owned(), reason: reason.to_owned() }
}

/// The (field, rule) pairs of a validation error; panics on any other outcome.
pub fn invalid<T: std::fmt::Debug>(r: Result<T, AppError>) -> Vec<(String, Rule)> {
    match r {
        Err(AppError::Invalid(inv)) => inv.0.into_iter().map(|e| (e.field, e.rule)).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

pub fn pairs(v: &[(&str, Rule)]) -> Vec<(String, Rule)> {
    v.iter().map(|(f, r)| (f.to_string(), *r)).collect()
}

/// A copy of a sample person with its own id and number, so one test can hold several.
pub fn clone_as(p: &Person, id: u128, pin: &str) -> Person {
    let mut q = p.clone();
    q.id = PersonId(Uuid::from_u128(id));
    q.pin = dinhdanh_testkit::sample::pin(pin);
    q
}

trait ClockExt {
    fn now_utc(&self) -> time::OffsetDateTime;
}

impl ClockExt for std::sync::Arc<dinhdanh_testkit::FixedClock> {
    fn now_utc(&self) -> time::OffsetDateTime {
        dinhdanh_app::ports::Clock::now(&**self)
    }
}
