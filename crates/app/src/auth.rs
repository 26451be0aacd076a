//! Who may do what. Denial is the default: a permission is granted only by a role or a scope
//! listed here, and person data only inside the principal's jurisdiction.

use crate::error::AppError;
use crate::ports::ActorRef;
use dinhdanh_domain::admin::UnitRef;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{Jurisdiction, JurisdictionKeys, Person};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Registers births and civil events, reads and searches persons in the jurisdiction.
    Officer,
    /// An officer who may also correct data, re-establish numbers and decide duplicates.
    Supervisor,
    /// Manages officer accounts and API clients; sees no person data (separation of duties).
    Administrator,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Officer, Role::Supervisor, Role::Administrator];
    pub fn code(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Supervisor => "supervisor",
            Role::Administrator => "administrator",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Rule> {
        Self::ALL.into_iter().find(|r| r.code() == s.trim()).ok_or(Rule::Role)
    }
    fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Officer => &[
                RegisterResidence,
                ReadPerson,
                Search,
                RegisterBirth,
                RecordCivilEvent,
                ReadDossier,
                ReceiveDossier,
                ProcessDossier,
                CaptureBiometrics,
                ReportCardLost,
                ManageEid,
                NotifyStay,
                ReadStays,
                ConfirmResidence,
            ],
            Role::Supervisor => &[
                RegisterResidence,
                ReadPerson,
                Search,
                RegisterBirth,
                RecordCivilEvent,
                Correct,
                ReestablishPin,
                Adjudicate,
                ReadDossier,
                ReceiveDossier,
                ProcessDossier,
                DecideDossier,
                AssignDossier,
                CaptureBiometrics,
                ReadBiometrics,
                ReportCardLost,
                RevokeCard,
                ExportCard,
                ManageEid,
                NotifyStay,
                ReadStays,
                ConfirmResidence,
            ],
            Role::Administrator => &[ManageOfficers, ManageClients, ManageSubscriptions],
        }
    }
    /// Whether the role carries a permission (to check an officer who is not the caller).
    pub fn grants(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }
}

/// Scopes an administrator grants to an API client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    PersonsRead,
    PersonsSearch,
    EventsWrite,
    EventsCorrect,
    Adjudication,
    /// A relying party asks whether a card is valid (status only).
    CardsStatus,
    /// A relying party has chip data it read checked by passive authentication.
    CardsVerify,
    /// A host (hotel, landlord) notifies its guests' stays, in its jurisdiction only.
    StaysWrite,
}

impl Scope {
    pub const ALL: [Scope; 8] = [
        Scope::PersonsRead,
        Scope::PersonsSearch,
        Scope::EventsWrite,
        Scope::EventsCorrect,
        Scope::Adjudication,
        Scope::CardsStatus,
        Scope::CardsVerify,
        Scope::StaysWrite,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Scope::PersonsRead => "persons:read",
            Scope::PersonsSearch => "persons:search",
            Scope::EventsWrite => "events:write",
            Scope::EventsCorrect => "events:correct",
            Scope::Adjudication => "adjudication",
            Scope::CardsStatus => "cards:status",
            Scope::CardsVerify => "cards:verify",
            Scope::StaysWrite => "stays:write",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Rule> {
        Self::ALL.into_iter().find(|r| r.code() == s.trim()).ok_or(Rule::Scope)
    }
    fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Scope::PersonsRead => &[ReadPerson],
            Scope::PersonsSearch => &[Search],
            Scope::EventsWrite => &[RegisterBirth, RecordCivilEvent],
            Scope::EventsCorrect => &[Correct, ReestablishPin],
            Scope::Adjudication => &[Adjudicate],
            Scope::CardsStatus => &[CardStatus],
            Scope::CardsVerify => &[VerifyCard],
            Scope::StaysWrite => &[NotifyStay],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    ReadPerson,
    Search,
    RegisterBirth,
    /// Marriage, divorce, death, declaration of missing.
    RecordCivilEvent,
    Correct,
    ReestablishPin,
    Adjudicate,
    ManageOfficers,
    ManageClients,
    /// Register, approve and suspend agencies' event subscriptions; see their queues (no person data).
    ManageSubscriptions,
    /// Register permanent and temporary residence (commune police of the address).
    RegisterResidence,
    /// Review e-ID registrations, grant level 2, lock and unlock e-ID accounts (in the jurisdiction).
    ManageEid,
    /// Bulk import and export; only the operator's command line has it.
    BulkData,
    /// Dossiers of procedures: open and list them, receive them, take the processing steps,
    /// decide (approve or refuse), assign them to officers.
    ReadDossier,
    ReceiveDossier,
    ProcessDossier,
    DecideDossier,
    AssignDossier,
    /// Identity store: capture face and fingerprints; open them (supervisors and production).
    CaptureBiometrics,
    ReadBiometrics,
    /// Cards: report one lost (revoked at once), revoke one, export its chip data, answer a
    /// relying party's status question, verify chip data a relying party read.
    ReportCardLost,
    RevokeCard,
    ExportCard,
    CardStatus,
    VerifyCard,
    /// Stay notifications (lưu trú): submit them (officers, hosts' API clients), list them
    /// (the commune police of the place).
    NotifyStay,
    ReadStays,
    /// Issue a residence confirmation (any commune police, nationwide).
    ConfirmResidence,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    Officer(Role),
    ApiClient(Vec<Scope>),
    /// The operator at the command line (import, export, seeding).
    System,
}

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Principal {
    pub id: Uuid,
    pub name: String,
    pub kind: PrincipalKind,
    pub jurisdiction: Jurisdiction,
}

impl Principal {
    pub fn system(name: &str) -> Self {
        Principal {
            id: Uuid::nil(),
            name: name.to_owned(),
            kind: PrincipalKind::System,
            jurisdiction: Jurisdiction::National,
        }
    }

    pub fn actor(&self) -> ActorRef {
        let kind = match self.kind {
            PrincipalKind::Officer(_) => "officer",
            PrincipalKind::ApiClient(_) => "api_client",
            PrincipalKind::System => "system",
        };
        ActorRef { kind, id: self.id, name: self.name.clone() }
    }

    pub fn has(&self, p: Permission) -> bool {
        match &self.kind {
            PrincipalKind::Officer(role) => role.permissions().contains(&p),
            PrincipalKind::ApiClient(scopes) => scopes.iter().any(|s| s.permissions().contains(&p)),
            PrincipalKind::System => true,
        }
    }

    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.has(p) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    pub fn may_see(&self, person: &Person) -> bool {
        self.jurisdiction.covers(person)
    }

    pub fn may_see_keys(&self, keys: &JurisdictionKeys) -> bool {
        self.jurisdiction.covers_keys(keys)
    }

    /// Permission and jurisdiction together: the check every person-level use case makes.
    pub fn require_for(&self, p: Permission, person: &Person) -> Result<(), AppError> {
        self.require(p)?;
        if self.may_see(person) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    pub fn require_unit(&self, p: Permission, unit: &UnitRef) -> Result<(), AppError> {
        self.require(p)?;
        if self.jurisdiction.covers_unit(unit) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}
