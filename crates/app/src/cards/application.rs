//! Card applications as dossiers of the workflow engine (Identity Law 2023 Art. 23-26): received
//! → biometrics captured → approved / refused with reason → produced → delivered, handled by the
//! commune police inside their jurisdiction, every step audited. Production builds and signs the
//! chip data, stores the card, replaces the previous one and adds the card to the person's
//! record (Art. 9 item 14), all in the step's one transaction.

use super::store::{CardWrite, StoredCard, seal_chip};
use super::{CardView, LEGAL_BASIS};
use crate::App;
use crate::audit::{AuditAction, AuditEntry};
use crate::auth::{Permission, Principal};
use crate::error::{AppError, AppResult};
use crate::identity::BiometricKind;
use crate::outbox::OutboxKind;
use crate::ports::{ChangeSet, EventKind, EventRecord, PersonUpdate};
use crate::workflow::{
    Applicant, Dossier, DossierEffects, DossierKind, DossierQuery, DossierSubject, NewDossier, StateSpec,
    TransitionSpec,
};
use async_trait::async_trait;
use dinhdanh_domain::admin::UnitRef;
use dinhdanh_domain::card::{ApplicationFacts, ApplicationKind, CardRules, CardStatus, HeldCard};
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{CardKind, CardRecord, LifeStatus, Person};
use dinhdanh_domain::pin::PersonalNumber;
use time::Date;

pub const KIND_CODE: &str = "card.application";
pub const RECEIVED: &str = "received";
pub const BIOMETRICS_CAPTURED: &str = "biometrics_captured";
pub const APPROVED: &str = "approved";
pub const REFUSED: &str = "refused";
pub const PRODUCED: &str = "produced";
pub const DELIVERED: &str = "delivered";
pub const WITHDRAWN: &str = "withdrawn";

static STATES: &[StateSpec] = &[
    StateSpec { code: RECEIVED, name_vi: "Đã tiếp nhận", name_en: "Received", terminal: false },
    StateSpec {
        code: BIOMETRICS_CAPTURED,
        name_vi: "Đã thu nhận sinh trắc học",
        name_en: "Biometrics captured",
        terminal: false,
    },
    StateSpec { code: APPROVED, name_vi: "Đã phê duyệt", name_en: "Approved", terminal: false },
    StateSpec { code: REFUSED, name_vi: "Từ chối", name_en: "Refused", terminal: true },
    StateSpec { code: PRODUCED, name_vi: "Đã sản xuất thẻ", name_en: "Card produced", terminal: false },
    StateSpec { code: DELIVERED, name_vi: "Đã trả thẻ", name_en: "Card delivered", terminal: true },
    StateSpec { code: WITHDRAWN, name_vi: "Đã rút hồ sơ", name_en: "Withdrawn", terminal: true },
];

const fn step(
    action: &'static str,
    from: &'static [&'static str],
    to: &'static str,
    names: (&'static str, &'static str),
    permission: Permission,
    note_required: bool,
) -> TransitionSpec {
    TransitionSpec {
        action,
        from,
        to,
        name_vi: names.0,
        name_en: names.1,
        permission,
        note_required,
        pauses_deadline: false,
        restarts_deadline: false,
    }
}

static TRANSITIONS: &[TransitionSpec] = &[
    step(
        "capture_biometrics",
        &[RECEIVED],
        BIOMETRICS_CAPTURED,
        ("Xác nhận đã thu nhận sinh trắc học", "Confirm biometrics captured"),
        Permission::ProcessDossier,
        false,
    ),
    step("approve", &[BIOMETRICS_CAPTURED], APPROVED, ("Phê duyệt", "Approve"), Permission::DecideDossier, false),
    step(
        "refuse",
        &[RECEIVED, BIOMETRICS_CAPTURED, APPROVED],
        REFUSED,
        ("Từ chối (ghi rõ lý do)", "Refuse (with the reason)"),
        Permission::DecideDossier,
        true,
    ),
    step("produce", &[APPROVED], PRODUCED, ("Sản xuất thẻ", "Produce the card"), Permission::ProcessDossier, false),
    step("deliver", &[PRODUCED], DELIVERED, ("Trả thẻ", "Deliver the card"), Permission::ProcessDossier, false),
    step(
        "withdraw",
        &[RECEIVED, BIOMETRICS_CAPTURED],
        WITHDRAWN,
        ("Rút hồ sơ (theo yêu cầu người nộp)", "Withdraw (at the applicant's request)"),
        Permission::ProcessDossier,
        true,
    ),
];

/// The card application kind of the workflow engine.
pub static KINDS: &[DossierKind] = &[DossierKind {
    code: KIND_CODE,
    code_prefix: "CC",
    name_vi: "Cấp, đổi, cấp lại thẻ căn cước",
    name_en: "Identity card: issue, exchange, re-issue",
    legal_basis: LEGAL_BASIS,
    states: STATES,
    initial: RECEIVED,
    transitions: TRANSITIONS,
    time_limit_days: 7,
    receive_permission: Permission::ReceiveDossier,
    effects: &CardEffects,
}];

/// The form of a card application: its kind.
pub fn encode_form(kind: ApplicationKind) -> String {
    format!("{{\"application_kind\":\"{}\"}}", kind.code())
}

pub fn decode_form(form: &str) -> Result<ApplicationKind, Rule> {
    let value = form
        .split("\"application_kind\"")
        .nth(1)
        .and_then(|rest| rest.split('"').nth(1))
        .ok_or(Rule::CardApplicationKind)?;
    ApplicationKind::parse(value)
}

/// What an officer files.
#[derive(Clone, Debug)]
pub struct CardApplicationInput {
    pub pin: PersonalNumber,
    pub kind: ApplicationKind,
    /// The commune (2025 catalogue) whose police receive the application.
    pub handling_unit: UnitRef,
    pub applicant: Applicant,
}

/// A full date for age rules: a partial date of birth counts from its first possible day.
pub fn birth_date(person: &Person) -> Date {
    person.date_of_birth.earliest()
}

pub(crate) fn held(card: &StoredCard, person: &Person) -> HeldCard {
    HeldCard {
        status: card.status,
        issued_on: card.issued_on,
        expires_on: card.expires_on,
        current_pin: card.pin == person.pin.as_str(),
    }
}

impl App {
    async fn open_card_application(&self, person: &Person) -> AppResult<bool> {
        let q = DossierQuery {
            kind: Some(KIND_CODE.to_owned()),
            subject: Some(person.id),
            open_only: true,
            limit: 1,
            ..Default::default()
        };
        Ok(!self.store.dossiers(&q).await?.items.is_empty())
    }

    /// Checks the application rules for `person` now; `ignore_open` when the open application is
    /// the one being decided.
    async fn check_card_application(&self, person: &Person, kind: ApplicationKind, ignore_open: bool) -> AppResult<()> {
        let cards = self.store.cards_of(person.id).await?;
        let newest = cards.first().map(|c| held(c, person));
        let open = if ignore_open { false } else { self.open_card_application(person).await? };
        let facts = ApplicationFacts {
            date_of_birth: birth_date(person),
            alive: !matches!(person.status, LifeStatus::Dead(_)),
            missing: matches!(person.status, LifeStatus::Missing(_)),
            card: newest.as_ref(),
            has_open_application: open,
            today: self.clock.today(),
        };
        CardRules::default().check_application(kind, &facts).map_err(|r| AppError::invalid("kind", r))
    }

    /// Receives a card application. Refused, with nothing written, for a dead or missing
    /// person, while another application is open, or when the kind does not fit the person's
    /// cards. An application after a loss reports the card lost (revoked) at once.
    pub async fn apply_for_card(&self, who: &Principal, input: CardApplicationInput) -> AppResult<Dossier> {
        who.require(Permission::ReceiveDossier)?;
        let stored = self.store.person_by_pin(&input.pin).await?.ok_or(AppError::NotFound)?;
        let person = &stored.person;
        if !who.may_see(person) {
            return Err(AppError::Forbidden);
        }
        self.check_card_application(person, input.kind, false).await?;
        let mut with = ChangeSet::default();
        if input.kind == ApplicationKind::ReissueLost {
            let cards = self.store.cards_of(person.id).await?;
            if let Some(card) = cards.first().filter(|c| c.status == CardStatus::Active) {
                with.cards.push(CardWrite::Status {
                    id: card.id,
                    expected: CardStatus::Active,
                    status: CardStatus::Lost,
                    at: self.clock.now(),
                    reason: "báo mất khi nộp hồ sơ cấp lại / reported lost with a re-issue application".into(),
                    replaced_by: None,
                });
                with.audit.push(self.card_audit(who, person, AuditAction::Update, "card.status", "card lost"));
                with.outbox.push(self.card_outbox(OutboxKind::CardRevoked, person, card, CardStatus::Lost));
            }
        }
        with.cards.push(CardWrite::OpenApplication { person_id: person.id });
        // A person applying for themself is the subject: their record names them.
        let mut applicant = input.applicant;
        if applicant.relation == crate::workflow::ApplicantRelation::Subject {
            applicant.person_id = Some(person.id);
            applicant.pin = Some(person.pin);
            if applicant.name.trim().is_empty() {
                applicant.name = person.birth_name.as_str().to_owned();
            }
        }
        let dossier = NewDossier {
            kind: &KINDS[0],
            subjects: vec![DossierSubject {
                person_id: person.id,
                pin: person.pin,
                name: person.birth_name.as_str().to_owned(),
                role: "subject".into(),
            }],
            handling_unit: input.handling_unit,
            applicant,
            form: encode_form(input.kind),
            with,
        };
        self.receive_dossier(who, dossier).await
    }

    pub(crate) fn card_audit(
        &self,
        who: &Principal,
        person: &Person,
        action: AuditAction,
        fields: &str,
        purpose: &str,
    ) -> AuditEntry {
        AuditEntry {
            id: self.rng.uuid(),
            at: self.clock.now(),
            actor: who.actor(),
            action,
            person_id: Some(person.id),
            fields: fields.to_owned(),
            purpose: purpose.to_owned(),
            legal_basis: LEGAL_BASIS.to_owned(),
            event_id: None,
            detail: String::new(),
        }
    }

    async fn dossier_person(&self, dossier: &Dossier) -> AppResult<crate::ports::StoredPerson> {
        let subject =
            dossier.subjects.first().ok_or_else(|| AppError::Internal("card dossier without subject".into()))?;
        self.store.person_by_id(subject.person_id).await?.ok_or(AppError::NotFound)
    }

    async fn has_face(&self, person: &Person) -> AppResult<bool> {
        Ok(self.store.biometrics_of(person.id).await?.iter().any(|b| b.kind == BiometricKind::Face && b.active))
    }

    /// The writes of producing the card of an approved application.
    async fn produce_card(&self, who: &Principal, dossier: &Dossier, kind: ApplicationKind) -> AppResult<ChangeSet> {
        let stored = self.dossier_person(dossier).await?;
        let person = &stored.person;
        self.check_card_application(person, kind, true).await.or_else(|e| match e {
            // The lost card was already reported lost at the receipt; a death or a disappearance
            // since then still refuses the card.
            AppError::Invalid(ref inv)
                if kind == ApplicationKind::ReissueLost && inv.0.iter().all(|f| f.rule == Rule::CardNoneToReplace) =>
            {
                Ok(())
            }
            e => Err(e),
        })?;
        let pki = self.card_pki()?.clone();
        let rules = CardRules::default();
        let today = self.clock.today();
        let dob = birth_date(person);
        let dates = super::CardDates { issued_on: today, expires_on: rules.expiry(dob, today) };
        let face = if rules.needs_photo(dob, today) {
            let opened = self.open_active(who, person.id, BiometricKind::Face, "card production").await?;
            Some(opened.ok_or_else(|| AppError::invalid("face", Rule::CardFaceRequired))?)
        } else {
            None
        };
        let now = self.clock.now();
        let chip =
            super::chipdata::build_chip(&pki, person, dates, face.as_ref().map(|(_, b)| b.as_slice()), None, now)
                .map_err(|e| AppError::Internal(format!("chip data: {e}")))?;
        let card_id = self.rng.uuid();
        let keys = self.data_keys()?;
        let card = StoredCard {
            id: card_id,
            person_id: person.id,
            pin: person.pin.as_str().to_owned(),
            document_number: person.pin.as_str()[3..].to_owned(),
            application_id: Some(dossier.id),
            application_kind: kind,
            status: CardStatus::Active,
            issued_on: dates.issued_on,
            expires_on: dates.expires_on,
            produced_at: now,
            delivered_at: None,
            status_changed_at: now,
            status_reason: String::new(),
            replaced_by: None,
            ds_serial: pki.document_signer.serial_hex(),
            face_capture_id: face.as_ref().map(|(info, _)| info.id),
            sod: chip.sod.clone(),
            chip: seal_chip(keys, card_id, person.id, &chip).map_err(|e| AppError::Internal(e.to_string()))?,
        };
        let mut cs = ChangeSet::default();
        // The previous card is replaced by this one.
        for old in self.store.cards_of(person.id).await?.into_iter().filter(|c| c.status == CardStatus::Active) {
            cs.cards.push(CardWrite::Status {
                id: old.id,
                expected: CardStatus::Active,
                status: CardStatus::Replaced,
                at: now,
                reason: format!("thay bằng thẻ cấp ngày {} / replaced", dates.issued_on),
                replaced_by: Some(card_id),
            });
        }
        cs.outbox.push(self.card_outbox(OutboxKind::CardIssued, person, &card, CardStatus::Active));
        cs.cards.push(CardWrite::Insert(Box::new(card)));
        // Art. 9 item 14: the card joins the person's record, with its history row.
        let mut updated = person.clone();
        updated.cards.push(CardRecord {
            kind: CardKind::IdentityCard2024,
            number: person.pin.as_str().to_owned(),
            issued_on: PartialDate::Full(dates.issued_on),
            issued_by: "Bộ Công an".to_owned(),
            valid_until: dates.expires_on,
        });
        let event = EventRecord {
            id: self.rng.uuid(),
            kind: EventKind::CardIssued,
            effective_date: today,
            recorded_at: now,
            actor: who.actor(),
            legal_basis: LEGAL_BASIS.to_owned(),
            reason: format!("{} ({})", kind.name_vi(), dossier.code),
            subjects: vec![(person.id, "subject")],
        };
        let mut audit = self.card_audit(who, person, AuditAction::Create, "card", "card production");
        audit.event_id = Some(event.id);
        cs.updates.push(PersonUpdate {
            changes: person.diff(&updated),
            person: updated,
            expected_version: stored.version,
            valid_from: today,
        });
        cs.event = Some(event);
        cs.audit.push(audit);
        Ok(cs)
    }

    /// The cards of a person, newest first. Audited like a read of the record.
    pub async fn cards(&self, who: &Principal, pin: &PersonalNumber) -> AppResult<Vec<CardView>> {
        who.require(Permission::ReadPerson)?;
        let stored = self.store.person_by_pin(pin).await?.ok_or(AppError::NotFound)?;
        if !who.may_see(&stored.person) {
            return Err(AppError::Forbidden);
        }
        let cards = self.store.cards_of(stored.person.id).await?;
        let line = self.card_audit(who, &stored.person, AuditAction::Read, "cards", "card history");
        self.store.record_access(vec![line]).await?;
        let today = self.clock.today();
        Ok(cards.iter().map(|c| CardView::of(c, &stored.person, today)).collect())
    }
}

/// What the card application's steps write.
pub struct CardEffects;

#[async_trait]
impl DossierEffects for CardEffects {
    async fn on_transition(
        &self,
        app: &App,
        who: &Principal,
        dossier: &Dossier,
        step: &'static TransitionSpec,
        _note: &str,
    ) -> AppResult<ChangeSet> {
        let kind = decode_form(&dossier.form).map_err(|r| AppError::invalid("form", r))?;
        let stored = app.dossier_person(dossier).await?;
        let person = &stored.person;
        let rules = CardRules::default();
        let needs_face = rules.needs_photo(birth_date(person), app.clock.today());
        let mut cs = match step.action {
            "capture_biometrics" | "approve" => {
                if needs_face && !app.has_face(person).await? {
                    return Err(AppError::invalid("face", Rule::CardFaceRequired));
                }
                if step.action == "approve" && kind != ApplicationKind::ReissueLost {
                    app.check_card_application(person, kind, true).await?;
                }
                ChangeSet::default()
            }
            "produce" => app.produce_card(who, dossier, kind).await?,
            "deliver" => {
                let card = app
                    .store
                    .cards_of(person.id)
                    .await?
                    .into_iter()
                    .find(|c| c.application_id == Some(dossier.id))
                    .ok_or(AppError::NotFound)?;
                let mut cs = ChangeSet::default();
                cs.cards.push(CardWrite::Delivered { id: card.id, at: app.clock.now() });
                cs
            }
            _ => ChangeSet::default(),
        };
        if dossier.kind.is_terminal(step.to) {
            cs.cards.push(CardWrite::CloseApplication { person_id: person.id });
        }
        Ok(cs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_is_sound_and_the_form_round_trips() {
        crate::workflow::check_kind(&KINDS[0]).unwrap();
        for k in ApplicationKind::ALL {
            assert_eq!(decode_form(&encode_form(k)), Ok(k));
        }
        assert_eq!(decode_form("{}"), Err(Rule::CardApplicationKind));
    }
}
