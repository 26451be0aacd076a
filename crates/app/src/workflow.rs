//! The dossier workflow: one engine for every administrative procedure (residence procedures,
//! card applications …).
//!
//! A dossier kind declares its own states and the transitions allowed between them, who may take
//! each step, whether a step needs a reason, and its time limit in working days. The engine
//! checks permission and jurisdiction (the handling unit: the commune police of the address),
//! computes deadlines with the working-day calendar in Asia/Ho_Chi_Minh, keeps officer
//! assignment, and commits every transition in one transaction with its audit lines and the
//! kind's own effects (the records an approval changes, outbox events), retrying when a record
//! changed underneath.
//!
//! A kind's form (what the applicant asked for) is a JSON document the kind's module encodes and
//! decodes itself, so the engine and the store never change when a kind is added.

use crate::App;
use crate::audit::{AuditAction, AuditEntry};
use crate::auth::{Permission, Principal, PrincipalKind};
use crate::error::{AppError, AppResult};
use crate::ports::{ActorRef, ChangeSet, StoreError, StoreResult, VIETNAM_OFFSET};
use async_trait::async_trait;
use dinhdanh_domain::admin::{Catalogue, UnitLevel, UnitRef, catalogue};
use dinhdanh_domain::calendar::CalendarError;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{Jurisdiction, PersonId};
use dinhdanh_domain::pin::PersonalNumber;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Retries of a transition whose dossier or records changed while it was prepared.
const TRANSITION_RETRIES: usize = 10;
/// Longest note (reason, request for supplements, result) accepted on a transition.
pub const MAX_NOTE_CHARS: usize = 2000;
pub const MAX_DOSSIER_PAGE: u32 = 200;

/// One state of a kind's machine.
#[derive(Debug)]
pub struct StateSpec {
    pub code: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    /// No transition leaves it; the dossier no longer counts against its deadline.
    pub terminal: bool,
}

/// One allowed step: `action` moves a dossier from any of `from` to `to`.
#[derive(Debug)]
pub struct TransitionSpec {
    pub action: &'static str,
    pub from: &'static [&'static str],
    pub to: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    pub permission: Permission,
    /// The step needs a reason (a refusal, a request for supplements).
    pub note_required: bool,
    /// The deadline stops while the dossier waits in `to` (for the applicant's supplements).
    pub pauses_deadline: bool,
    /// The time limit counts again in full from this step (the dossier is complete again).
    pub restarts_deadline: bool,
}

/// What a kind of dossier is: its machine, its time limit and its effects.
pub struct DossierKind {
    /// Stable code (`residence.permanent`, `card.first_issue`).
    pub code: &'static str,
    /// Letters that open the dossier's human-readable code (`TTR-26743-260901-K7Q2MX`).
    pub code_prefix: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    /// The law the procedure follows; recorded on every audit line of the dossier.
    pub legal_basis: &'static str,
    pub states: &'static [StateSpec],
    pub initial: &'static str,
    pub transitions: &'static [TransitionSpec],
    /// Working days the authority has, counted from the day after receipt.
    pub time_limit_days: u32,
    pub receive_permission: Permission,
    pub effects: &'static dyn DossierEffects,
}

impl std::fmt::Debug for DossierKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DossierKind({})", self.code)
    }
}

impl PartialEq for DossierKind {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl DossierKind {
    pub fn state(&self, code: &str) -> Option<&'static StateSpec> {
        self.states.iter().find(|s| s.code == code)
    }
    pub fn transition(&self, action: &str) -> Option<&'static TransitionSpec> {
        self.transitions.iter().find(|t| t.action == action)
    }
    /// The steps allowed from `state`, in declaration order.
    pub fn transitions_from<'a>(&'a self, state: &'a str) -> impl Iterator<Item = &'a TransitionSpec> + 'a {
        self.transitions.iter().filter(move |t| t.from.contains(&state))
    }
    pub fn is_terminal(&self, state: &str) -> bool {
        self.state(state).is_some_and(|s| s.terminal)
    }
}

/// Writes a kind adds to a transition, committed in the same transaction as the dossier's change.
#[async_trait]
pub trait DossierEffects: Send + Sync {
    /// The records the step changes (persons, registrations, outbox events …), or an error that
    /// refuses the step with nothing written. Called again on every retry, with fresh reads.
    async fn on_transition(
        &self,
        app: &App,
        who: &Principal,
        dossier: &Dossier,
        step: &'static TransitionSpec,
        note: &str,
    ) -> AppResult<ChangeSet>;
}

/// A kind whose steps change nothing but the dossier.
pub struct NoEffects;

#[async_trait]
impl DossierEffects for NoEffects {
    async fn on_transition(
        &self,
        _: &App,
        _: &Principal,
        _: &Dossier,
        _: &'static TransitionSpec,
        _: &str,
    ) -> AppResult<ChangeSet> {
        Ok(ChangeSet::default())
    }
}

/// Every kind the service offers (the default of [`crate::AppConfig::dossier_kinds`]). A module
/// that adds kinds lists its table here.
const KIND_TABLES: &[&[DossierKind]] = &[crate::cards::application::KINDS, crate::residence::procedures::KINDS];

pub fn builtin_kinds() -> Vec<&'static DossierKind> {
    KIND_TABLES.iter().flat_map(|t| t.iter()).collect()
}

/// Checks a kind's machine: known states, unique actions, no step out of a terminal state,
/// every state reachable and every non-terminal state with a way out.
pub fn check_kind(k: &DossierKind) -> Result<(), String> {
    use std::collections::HashSet;
    if k.state(k.initial).is_none() {
        return Err(format!("{}: unknown initial state {}", k.code, k.initial));
    }
    let mut states = HashSet::new();
    for s in k.states {
        if !states.insert(s.code) {
            return Err(format!("{}: state {} declared twice", k.code, s.code));
        }
    }
    let mut actions = HashSet::new();
    for t in k.transitions {
        if !actions.insert(t.action) {
            return Err(format!("{}: action {} declared twice", k.code, t.action));
        }
        if ["receive", "assign"].contains(&t.action) {
            return Err(format!("{}: {} is reserved for the engine", k.code, t.action));
        }
        if k.state(t.to).is_none() {
            return Err(format!("{}: {} goes to unknown state {}", k.code, t.action, t.to));
        }
        for f in t.from {
            if k.state(f).is_none() {
                return Err(format!("{}: {} leaves unknown state {f}", k.code, t.action));
            }
            if k.is_terminal(f) {
                return Err(format!("{}: {} leaves terminal state {f}", k.code, t.action));
            }
        }
    }
    let mut seen = HashSet::from([k.initial]);
    let mut frontier = vec![k.initial];
    while let Some(s) = frontier.pop() {
        for t in k.transitions_from(s) {
            if seen.insert(t.to) {
                frontier.push(t.to);
            }
        }
    }
    for s in k.states {
        if !seen.contains(s.code) {
            return Err(format!("{}: state {} is unreachable", k.code, s.code));
        }
        if !s.terminal && k.transitions_from(s.code).next().is_none() {
            return Err(format!("{}: state {} has no way out", k.code, s.code));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The standard machine of administrative procedures (Decree 61/2018 one-stop shop): received →
// processing → supplement requested → approved / refused with reason → done.

pub const RECEIVED: &str = "received";
pub const PROCESSING: &str = "processing";
pub const SUPPLEMENT_REQUESTED: &str = "supplement_requested";
pub const APPROVED: &str = "approved";
pub const REFUSED: &str = "refused";
pub const DONE: &str = "done";
pub const WITHDRAWN: &str = "withdrawn";

pub const STANDARD_STATES: &[StateSpec] = &[
    StateSpec { code: RECEIVED, name_vi: "Đã tiếp nhận", name_en: "Received", terminal: false },
    StateSpec { code: PROCESSING, name_vi: "Đang xử lý", name_en: "Processing", terminal: false },
    StateSpec {
        code: SUPPLEMENT_REQUESTED,
        name_vi: "Yêu cầu bổ sung",
        name_en: "Supplement requested",
        terminal: false,
    },
    StateSpec { code: APPROVED, name_vi: "Đã phê duyệt", name_en: "Approved", terminal: false },
    StateSpec { code: REFUSED, name_vi: "Từ chối", name_en: "Refused", terminal: false },
    StateSpec { code: DONE, name_vi: "Đã trả kết quả", name_en: "Done (result returned)", terminal: true },
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

pub const STANDARD_TRANSITIONS: &[TransitionSpec] = &[
    step("start", &[RECEIVED], PROCESSING, ("Bắt đầu xử lý", "Start processing"), Permission::ProcessDossier, false),
    TransitionSpec {
        pauses_deadline: true,
        ..step(
            "request_supplement",
            &[RECEIVED, PROCESSING],
            SUPPLEMENT_REQUESTED,
            ("Yêu cầu bổ sung", "Request a supplement"),
            Permission::ProcessDossier,
            true,
        )
    },
    TransitionSpec {
        restarts_deadline: true,
        ..step(
            "supplement_received",
            &[SUPPLEMENT_REQUESTED],
            PROCESSING,
            ("Đã nhận bổ sung", "Supplement received"),
            Permission::ProcessDossier,
            false,
        )
    },
    step("approve", &[PROCESSING], APPROVED, ("Phê duyệt", "Approve"), Permission::DecideDossier, false),
    step(
        "refuse",
        &[RECEIVED, PROCESSING, SUPPLEMENT_REQUESTED],
        REFUSED,
        ("Từ chối", "Refuse"),
        Permission::DecideDossier,
        true,
    ),
    step(
        "return_result",
        &[APPROVED, REFUSED],
        DONE,
        ("Trả kết quả", "Return the result"),
        Permission::ProcessDossier,
        false,
    ),
    step(
        "withdraw",
        &[RECEIVED, PROCESSING, SUPPLEMENT_REQUESTED],
        WITHDRAWN,
        ("Rút hồ sơ (theo yêu cầu người nộp)", "Withdraw (at the applicant's request)"),
        Permission::ProcessDossier,
        true,
    ),
];

// ---------------------------------------------------------------------------------------------
// Dossiers.

/// Who filed the dossier, in relation to its subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApplicantRelation {
    /// The subject files for themself.
    Subject,
    Parent,
    Guardian,
    LegalRepresentative,
    HouseholdHead,
    /// The owner of the dwelling.
    Owner,
    /// A person authorized in writing (ủy quyền).
    Authorized,
    /// A household hosting a guest (stay notifications).
    Host,
    /// An accommodation establishment (stay notifications).
    Establishment,
    /// An officer acting on the authority's own initiative.
    Authority,
}

impl ApplicantRelation {
    pub const ALL: [ApplicantRelation; 10] = [
        ApplicantRelation::Subject,
        ApplicantRelation::Parent,
        ApplicantRelation::Guardian,
        ApplicantRelation::LegalRepresentative,
        ApplicantRelation::HouseholdHead,
        ApplicantRelation::Owner,
        ApplicantRelation::Authorized,
        ApplicantRelation::Host,
        ApplicantRelation::Establishment,
        ApplicantRelation::Authority,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ApplicantRelation::Subject => "self",
            ApplicantRelation::Parent => "parent",
            ApplicantRelation::Guardian => "guardian",
            ApplicantRelation::LegalRepresentative => "legal_representative",
            ApplicantRelation::HouseholdHead => "household_head",
            ApplicantRelation::Owner => "owner",
            ApplicantRelation::Authorized => "authorized",
            ApplicantRelation::Host => "host",
            ApplicantRelation::Establishment => "establishment",
            ApplicantRelation::Authority => "authority",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Rule> {
        Self::ALL.into_iter().find(|r| r.code() == s.trim()).ok_or(Rule::ApplicantRelation)
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            ApplicantRelation::Subject => "Người đăng ký tự nộp",
            ApplicantRelation::Parent => "Cha, mẹ",
            ApplicantRelation::Guardian => "Người giám hộ",
            ApplicantRelation::LegalRepresentative => "Người đại diện hợp pháp",
            ApplicantRelation::HouseholdHead => "Chủ hộ",
            ApplicantRelation::Owner => "Chủ sở hữu chỗ ở",
            ApplicantRelation::Authorized => "Người được ủy quyền",
            ApplicantRelation::Host => "Hộ gia đình cho lưu trú",
            ApplicantRelation::Establishment => "Cơ sở lưu trú",
            ApplicantRelation::Authority => "Cơ quan đăng ký cư trú",
        }
    }
}

/// The person or organisation who filed the dossier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applicant {
    /// The applicant's record, when they are in the register.
    pub person_id: Option<PersonId>,
    pub pin: Option<PersonalNumber>,
    pub name: String,
    pub relation: ApplicantRelation,
    /// An establishment's or agency's name, or the reference of a written authorization.
    pub organisation: String,
    /// Phone or e-mail for the result notice.
    pub contact: String,
}

/// A person the dossier is about, with their role in it (`subject`, `member`, `new_head` …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DossierSubject {
    pub person_id: PersonId,
    pub pin: PersonalNumber,
    pub name: String,
    pub role: String,
}

#[derive(Clone, Debug)]
pub struct Dossier {
    pub id: Uuid,
    /// Human-readable, unique: given to the applicant on the receipt.
    pub code: String,
    pub kind: &'static DossierKind,
    /// A state code of the kind.
    pub status: &'static str,
    pub subjects: Vec<DossierSubject>,
    /// The commune (2025 catalogue) whose police handle the dossier.
    pub handling_unit: UnitRef,
    pub applicant: Applicant,
    /// The kind's form as JSON (see the kind's module).
    pub form: String,
    pub assignee: Option<ActorRef>,
    pub received_at: OffsetDateTime,
    /// The last working day the authority has; `None` while the deadline is paused.
    pub deadline: Option<Date>,
    /// The latest reason or result (refusal reason, what to supplement, the approval's note).
    pub note: String,
    pub version: i64,
    pub updated_at: OffsetDateTime,
}

impl Dossier {
    pub fn state(&self) -> &'static StateSpec {
        self.kind.state(self.status).expect("a stored dossier's status belongs to its kind")
    }
    pub fn is_open(&self) -> bool {
        !self.kind.is_terminal(self.status)
    }
    pub fn subject_ids(&self) -> impl Iterator<Item = PersonId> + '_ {
        self.subjects.iter().map(|s| s.person_id)
    }
}

/// One line of a dossier's log: every transition and assignment.
#[derive(Clone, Debug)]
pub struct DossierTransition {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub at: OffsetDateTime,
    pub actor: ActorRef,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
    /// The deadline after the step.
    pub deadline: Option<Date>,
}

/// A dossier written by a change set: inserted (`expected_version` `None`) or updated from
/// `expected_version`; with the log line of the step.
#[derive(Clone, Debug)]
pub struct DossierChange {
    pub dossier: Dossier,
    pub expected_version: Option<i64>,
    pub transition: DossierTransition,
}

/// A worklist query; every condition must hold.
#[derive(Clone, Debug, Default)]
pub struct DossierQuery {
    pub kind: Option<String>,
    /// Kinds whose code starts with this (`residence.`).
    pub kind_prefix: Option<String>,
    pub status: Option<String>,
    /// Only dossiers not in a terminal state.
    pub open_only: bool,
    /// A 2025 province code; set from the caller's jurisdiction.
    pub province: Option<String>,
    /// A 2025 commune code; set from the caller's jurisdiction or a filter.
    pub commune: Option<String>,
    pub assignee: Option<Uuid>,
    pub subject: Option<PersonId>,
    /// Open dossiers whose deadline lies before this day.
    pub overdue_on: Option<Date>,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Clone, Debug)]
pub struct DossierPage {
    pub total: u64,
    pub items: Vec<Dossier>,
}

/// A dossier as stored: its kind and status as codes, resolved against the kinds the
/// application is configured with ([`App::resolve_dossier`]).
#[derive(Clone, Debug)]
pub struct DossierRecord {
    pub id: Uuid,
    pub code: String,
    pub kind: String,
    pub status: String,
    pub subjects: Vec<DossierSubject>,
    pub handling_unit: UnitRef,
    pub applicant: Applicant,
    pub form: String,
    pub assignee: Option<ActorRef>,
    pub received_at: OffsetDateTime,
    pub deadline: Option<Date>,
    pub note: String,
    pub version: i64,
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct DossierRecordPage {
    pub total: u64,
    pub items: Vec<DossierRecord>,
}

/// The dossier tables. Writes go through [`crate::ports::Store::commit`] with the rest of a use
/// case's change set.
#[async_trait]
pub trait DossierStore: Send + Sync {
    async fn dossier(&self, id: Uuid) -> StoreResult<Option<DossierRecord>>;
    async fn dossier_by_code(&self, code: &str) -> StoreResult<Option<DossierRecord>>;
    /// Newest first (by receipt).
    async fn dossiers(&self, q: &DossierQuery) -> StoreResult<DossierRecordPage>;
    /// Oldest first.
    async fn dossier_transitions(&self, id: Uuid) -> StoreResult<Vec<DossierTransition>>;
}

/// A new dossier as a kind's module hands it to the engine, after checking the form.
#[derive(Clone, Debug)]
pub struct NewDossier {
    pub kind: &'static DossierKind,
    pub subjects: Vec<DossierSubject>,
    pub handling_unit: UnitRef,
    pub applicant: Applicant,
    pub form: String,
    /// Writes that go with the receipt, in the same transaction.
    pub with: ChangeSet,
}

/// A dossier with its log, as an officer opens it.
#[derive(Clone, Debug)]
pub struct DossierView {
    pub dossier: Dossier,
    pub transitions: Vec<DossierTransition>,
    /// Working days left until the deadline (negative when late), for open dossiers.
    pub days_left: Option<i64>,
}

/// Worklist filters as a user gives them.
#[derive(Clone, Debug, Default)]
pub struct DossierFilter {
    pub kind: Option<String>,
    pub kind_prefix: Option<String>,
    pub status: Option<String>,
    pub open_only: bool,
    /// A 2025 commune inside the caller's jurisdiction.
    pub commune: Option<String>,
    pub assigned_to_me: bool,
    pub overdue: bool,
    pub subject: Option<PersonalNumber>,
    pub page: u32,
    pub page_size: u32,
}

fn calendar_error(e: CalendarError) -> AppError {
    match e {
        CalendarError::NotCovered(_) => AppError::Unavailable(e.to_string()),
        other => AppError::Internal(other.to_string()),
    }
}

/// Base32 without the letters that read like digits (no I, L, O, U), for codes read aloud.
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl App {
    /// A dossier kind the application is configured with.
    pub fn dossier_kind(&self, code: &str) -> Option<&'static DossierKind> {
        self.config.dossier_kinds.iter().copied().find(|k| k.code == code)
    }

    /// Resolves a stored dossier's kind and status. A kind no longer configured is an internal
    /// error: removing a kind needs a data migration of its dossiers.
    pub fn resolve_dossier(&self, r: DossierRecord) -> AppResult<Dossier> {
        let kind = self.dossier_kind(&r.kind).ok_or_else(|| AppError::Internal(format!("dossier kind {}", r.kind)))?;
        let status =
            kind.state(&r.status).ok_or_else(|| AppError::Internal(format!("{}: state {}", r.kind, r.status)))?.code;
        Ok(Dossier {
            id: r.id,
            code: r.code,
            kind,
            status,
            subjects: r.subjects,
            handling_unit: r.handling_unit,
            applicant: r.applicant,
            form: r.form,
            assignee: r.assignee,
            received_at: r.received_at,
            deadline: r.deadline,
            note: r.note,
            version: r.version,
            updated_at: r.updated_at,
        })
    }

    /// The day a timestamp falls on in Asia/Ho_Chi_Minh.
    pub fn local_date(&self, t: OffsetDateTime) -> Date {
        t.to_offset(VIETNAM_OFFSET).date()
    }

    /// The deadline of a time limit of `days` working days for a dossier received at `at`.
    pub fn deadline_after(&self, at: OffsetDateTime, days: u32) -> AppResult<Date> {
        self.config.calendar.add_working_days(self.local_date(at), days).map_err(calendar_error)
    }

    /// Working days from today until an open dossier's deadline (negative when late); `None`
    /// for a closed dossier or one without a time limit.
    pub fn working_days_left(&self, d: &Dossier) -> AppResult<Option<i64>> {
        match (d.is_open(), d.deadline) {
            (true, Some(deadline)) => Ok(Some(
                self.config.calendar.working_days_between(self.clock.today(), deadline).map_err(calendar_error)?,
            )),
            _ => Ok(None),
        }
    }

    fn dossier_code(&self, kind: &DossierKind, unit: &UnitRef, at: OffsetDateTime) -> String {
        let d = self.local_date(at);
        let suffix: String =
            (0..6).map(|_| CODE_ALPHABET[self.rng.below(CODE_ALPHABET.len() as u32) as usize] as char).collect();
        format!(
            "{}-{}-{:02}{:02}{:02}-{suffix}",
            kind.code_prefix,
            unit.code(),
            d.year() % 100,
            u8::from(d.month()),
            d.day()
        )
    }

    fn dossier_audit(&self, who: &Principal, d: &Dossier, action: AuditAction, detail: String) -> Vec<AuditEntry> {
        let line = |person: Option<PersonId>| AuditEntry {
            id: self.rng.uuid(),
            at: self.clock.now(),
            actor: who.actor(),
            action,
            person_id: person,
            fields: "dossier".to_owned(),
            purpose: d.kind.code.to_owned(),
            legal_basis: d.kind.legal_basis.to_owned(),
            event_id: None,
            detail: detail.clone(),
        };
        if d.subjects.is_empty() { vec![line(None)] } else { d.subject_ids().map(|p| line(Some(p))).collect() }
    }

    /// Whether the principal's jurisdiction covers the dossier's handling unit.
    pub fn covers_dossier(&self, who: &Principal, d: &Dossier) -> bool {
        who.jurisdiction.covers_unit(&d.handling_unit)
    }

    /// Receives a dossier: checks permission and jurisdiction over the handling unit, gives it a
    /// code and a deadline, and commits it (with the caller's extra writes) and its audit lines.
    pub async fn receive_dossier(&self, who: &Principal, new: NewDossier) -> AppResult<Dossier> {
        let unit = &new.handling_unit;
        if unit.catalogue() != Catalogue::Y2025 {
            return Err(AppError::invalid("handling_unit", Rule::UnitLegacyNotAllowed));
        }
        if unit.level() != UnitLevel::Commune || catalogue().commune(Catalogue::Y2025, unit.code()).is_none() {
            return Err(AppError::invalid("handling_unit", Rule::UnitNotCommune));
        }
        who.require_unit(new.kind.receive_permission, unit)?;
        let now = self.clock.now();
        let deadline = self.deadline_after(now, new.kind.time_limit_days)?;
        for _ in 0..3 {
            let dossier = Dossier {
                id: self.rng.uuid(),
                code: self.dossier_code(new.kind, unit, now),
                kind: new.kind,
                status: new.kind.initial,
                subjects: new.subjects.clone(),
                handling_unit: *unit,
                applicant: new.applicant.clone(),
                form: new.form.clone(),
                assignee: None,
                received_at: now,
                deadline: Some(deadline),
                note: String::new(),
                version: 1,
                updated_at: now,
            };
            let transition = DossierTransition {
                id: self.rng.uuid(),
                dossier_id: dossier.id,
                at: now,
                actor: who.actor(),
                action: "receive".to_owned(),
                from_state: String::new(),
                to_state: dossier.status.to_owned(),
                note: String::new(),
                deadline: dossier.deadline,
            };
            let mut cs = new.with.clone();
            cs.audit.extend(self.dossier_audit(
                who,
                &dossier,
                AuditAction::Create,
                format!("dossier {}: received", dossier.code),
            ));
            cs.dossiers.push(DossierChange { dossier: dossier.clone(), expected_version: None, transition });
            match self.store.commit(cs).await {
                Ok(()) => return Ok(dossier),
                // A code drawn twice the same day in the same commune: draw again.
                Err(StoreError::Duplicate(m)) if m.contains("code") => continue,
                Err(StoreError::Conflict) => return Err(AppError::Conflict(Rule::DossierChanged)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Unavailable("could not draw a free dossier code".to_owned()))
    }

    async fn load_dossier(&self, who: &Principal, id: Uuid) -> AppResult<Dossier> {
        who.require(Permission::ReadDossier)?;
        let d = self.resolve_dossier(self.store.dossier(id).await?.ok_or(AppError::NotFound)?)?;
        if !self.covers_dossier(who, &d) {
            return Err(AppError::Forbidden);
        }
        Ok(d)
    }

    /// Opens a dossier with its log. Reading it discloses its subjects' data, so it is audited.
    pub async fn dossier(&self, who: &Principal, id: Uuid) -> AppResult<DossierView> {
        let dossier = self.load_dossier(who, id).await?;
        let transitions = self.store.dossier_transitions(id).await?;
        let mut lines = self.dossier_audit(who, &dossier, AuditAction::Read, format!("dossier {}", dossier.code));
        for l in &mut lines {
            l.legal_basis = self.config.read_legal_basis.clone();
        }
        self.store.record_access(lines).await?;
        let days_left = self.working_days_left(&dossier)?;
        Ok(DossierView { dossier, transitions, days_left })
    }

    /// A dossier named by its code (printed on the applicant's receipt).
    pub async fn dossier_by_code(&self, who: &Principal, code: &str) -> AppResult<DossierView> {
        who.require(Permission::ReadDossier)?;
        let d = self.store.dossier_by_code(code.trim()).await?.ok_or(AppError::NotFound)?;
        self.dossier(who, d.id).await
    }

    /// The worklist: dossiers inside the caller's jurisdiction, newest first. Subjects listed are
    /// audited like search results.
    pub async fn dossiers(&self, who: &Principal, f: DossierFilter) -> AppResult<DossierPage> {
        who.require(Permission::ReadDossier)?;
        let page_size = if f.page_size == 0 { 50 } else { f.page_size };
        if page_size > MAX_DOSSIER_PAGE || f.page > 10_000 {
            return Err(AppError::invalid("page_size", Rule::Page));
        }
        if let Some(k) = &f.kind
            && self.dossier_kind(k).is_none()
        {
            return Err(AppError::invalid("kind", Rule::DossierKind));
        }
        let mut q = DossierQuery {
            kind: f.kind.clone(),
            kind_prefix: f.kind_prefix.clone(),
            status: f.status.clone(),
            open_only: f.open_only,
            limit: page_size,
            offset: f.page * page_size,
            ..Default::default()
        };
        match &who.jurisdiction {
            Jurisdiction::National => {}
            Jurisdiction::Province(p) => q.province = Some(p.clone()),
            Jurisdiction::Commune(c) => q.commune = Some(c.clone()),
        }
        if let Some(c) = &f.commune {
            let unit = UnitRef::new(Catalogue::Y2025, c).map_err(|_| AppError::invalid("commune", Rule::UnitFormat))?;
            if unit.level() != UnitLevel::Commune || catalogue().commune(Catalogue::Y2025, c).is_none() {
                return Err(AppError::invalid("commune", Rule::UnitUnknown));
            }
            if !who.jurisdiction.covers_unit(&unit) {
                return Err(AppError::Forbidden);
            }
            q.commune = Some(c.clone());
        }
        if f.assigned_to_me {
            q.assignee = Some(who.id);
        }
        if f.overdue {
            q.overdue_on = Some(self.clock.today());
        }
        if let Some(pin) = &f.subject {
            let p =
                self.store.person_by_pin(pin).await?.ok_or_else(|| AppError::invalid("subject", Rule::PinUnknown))?;
            q.subject = Some(p.person.id);
        }
        let records = self.store.dossiers(&q).await?;
        let page = DossierPage {
            total: records.total,
            items: records.items.into_iter().map(|r| self.resolve_dossier(r)).collect::<AppResult<_>>()?,
        };
        let mut lines = Vec::new();
        for d in &page.items {
            for p in d.subject_ids() {
                lines.push(AuditEntry {
                    id: self.rng.uuid(),
                    at: self.clock.now(),
                    actor: who.actor(),
                    action: AuditAction::Search,
                    person_id: Some(p),
                    fields: "pin,name,dossier".to_owned(),
                    purpose: "worklist".to_owned(),
                    legal_basis: self.config.read_legal_basis.clone(),
                    event_id: None,
                    detail: format!("dossier {}", d.code),
                });
            }
        }
        if !lines.is_empty() {
            self.store.record_access(lines).await?;
        }
        Ok(page)
    }

    /// Takes one step of the dossier's machine. The kind's effects (what an approval changes)
    /// are committed in the same transaction as the new state, its log line and audit lines.
    /// `expected_version`, when given, refuses the step if the dossier changed since it was read.
    pub async fn transition_dossier(
        &self,
        who: &Principal,
        id: Uuid,
        action: &str,
        note: &str,
        expected_version: Option<i64>,
    ) -> AppResult<Dossier> {
        let note = dinhdanh_domain::name::clean_text(note, MAX_NOTE_CHARS).map_err(|r| AppError::invalid("note", r))?;
        for attempt in 0.. {
            let current = self.load_dossier(who, id).await?;
            if expected_version.is_some_and(|v| v != current.version) {
                return Err(AppError::Conflict(Rule::DossierChanged));
            }
            let step =
                current.kind.transition(action).ok_or_else(|| AppError::invalid("action", Rule::DossierAction))?;
            who.require_unit(step.permission, &current.handling_unit)?;
            if !step.from.contains(&current.status) {
                return Err(AppError::invalid("action", Rule::DossierAction));
            }
            if step.note_required && note.trim().is_empty() {
                return Err(AppError::invalid("note", Rule::DossierNoteRequired));
            }
            let now = self.clock.now();
            let to = current.kind.state(step.to).ok_or_else(|| AppError::Internal(format!("state {}", step.to)))?;
            let mut next = current.clone();
            next.status = to.code;
            next.version = current.version + 1;
            next.updated_at = now;
            if !note.is_empty() || step.note_required {
                next.note = note.clone();
            }
            if step.pauses_deadline {
                next.deadline = None;
            } else if step.restarts_deadline {
                next.deadline = Some(self.deadline_after(now, current.kind.time_limit_days)?);
            }
            let mut cs = current.kind.effects.on_transition(self, who, &current, step, &note).await?;
            cs.audit.extend(self.dossier_audit(
                who,
                &next,
                AuditAction::Update,
                format!("dossier {}: {} → {} ({})", next.code, current.status, next.status, step.action),
            ));
            let transition = DossierTransition {
                id: self.rng.uuid(),
                dossier_id: id,
                at: now,
                actor: who.actor(),
                action: step.action.to_owned(),
                from_state: current.status.to_owned(),
                to_state: next.status.to_owned(),
                note: note.clone(),
                deadline: next.deadline,
            };
            cs.dossiers.push(DossierChange {
                dossier: next.clone(),
                expected_version: Some(current.version),
                transition,
            });
            match self.store.commit(cs).await {
                Ok(()) => return Ok(next),
                // Someone else moved the dossier or one of the records its effects change: read
                // again and decide again (the step may no longer be allowed).
                Err(StoreError::Conflict) if attempt + 1 < TRANSITION_RETRIES && expected_version.is_none() => continue,
                Err(StoreError::Conflict) => return Err(AppError::Conflict(Rule::DossierChanged)),
                Err(e) => return Err(e.into()),
            }
        }
        unreachable!("the loop returns")
    }

    /// Assigns a dossier to an officer (`None` clears it). A supervisor assigns anyone whose
    /// jurisdiction covers the handling unit; an officer may take an unassigned dossier.
    pub async fn assign_dossier(&self, who: &Principal, id: Uuid, officer: Option<Uuid>) -> AppResult<Dossier> {
        let current = self.load_dossier(who, id).await?;
        if !current.is_open() {
            return Err(AppError::invalid("assignee", Rule::DossierAction));
        }
        let self_take = officer == Some(who.id) && current.assignee.is_none();
        if !self_take {
            who.require_unit(Permission::AssignDossier, &current.handling_unit)?;
        } else {
            who.require_unit(Permission::ProcessDossier, &current.handling_unit)?;
        }
        let assignee = match officer {
            None => None,
            Some(oid) => {
                let o = self.store.officer_by_id(oid).await?;
                let ok = o.as_ref().is_some_and(|o| {
                    o.active
                        && o.role.grants(Permission::ProcessDossier)
                        && o.jurisdiction.covers_unit(&current.handling_unit)
                });
                match o {
                    Some(o) if ok => Some(ActorRef { kind: "officer", id: o.id, name: o.display_name }),
                    _ => return Err(AppError::invalid("assignee", Rule::DossierAssignee)),
                }
            }
        };
        let now = self.clock.now();
        let mut next = current.clone();
        next.assignee = assignee.clone();
        next.version += 1;
        next.updated_at = now;
        let who_text = assignee.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| "—".to_owned());
        let mut audit = self.dossier_audit(
            who,
            &next,
            AuditAction::Update,
            format!("dossier {}: assigned to {who_text}", next.code),
        );
        if matches!(who.kind, PrincipalKind::System) {
            for a in &mut audit {
                a.purpose = "assignment".to_owned();
            }
        }
        let transition = DossierTransition {
            id: self.rng.uuid(),
            dossier_id: id,
            at: now,
            actor: who.actor(),
            action: "assign".to_owned(),
            from_state: current.status.to_owned(),
            to_state: current.status.to_owned(),
            note: who_text,
            deadline: next.deadline,
        };
        let cs = ChangeSet {
            audit,
            dossiers: vec![DossierChange {
                dossier: next.clone(),
                expected_version: Some(current.version),
                transition,
            }],
            ..Default::default()
        };
        match self.store.commit(cs).await {
            Ok(()) => Ok(next),
            Err(StoreError::Conflict) => Err(AppError::Conflict(Rule::DossierChanged)),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_kinds_are_consistent() {
        let mut codes = std::collections::HashSet::new();
        for k in builtin_kinds() {
            assert!(codes.insert(k.code), "kind {} declared twice", k.code);
            check_kind(k).unwrap();
        }
    }

    #[test]
    fn the_checker_finds_broken_machines() {
        static DEAD_END: &[TransitionSpec] =
            &[step("start", &[RECEIVED], PROCESSING, ("a", "b"), Permission::ProcessDossier, false)];
        let k = DossierKind {
            code: "test.broken",
            code_prefix: "T",
            name_vi: "x",
            name_en: "x",
            legal_basis: "",
            states: STANDARD_STATES,
            initial: RECEIVED,
            transitions: DEAD_END,
            time_limit_days: 1,
            receive_permission: Permission::ReceiveDossier,
            effects: &NoEffects,
        };
        assert_eq!(check_kind(&k).unwrap_err(), "test.broken: state processing has no way out");
        let standard = DossierKind { transitions: STANDARD_TRANSITIONS, ..k };
        check_kind(&standard).unwrap();
    }
}
