//! Audit lines: who touched whose data, when, why and with what outcome.
//!
//! The store writes them in the same transaction as the change they describe (or, for reads,
//! before the data is returned). Later the lines will be hash-chained; the single place that
//! writes them is `Store::commit` / `Store::record_access`.

use crate::ports::ActorRef;
use dinhdanh_domain::person::PersonId;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    Read,
    Search,
    Create,
    Update,
    Import,
    Export,
    Denied,
    /// Person data sent to an agency by event delivery (the subscription is the actor).
    Disclose,
    Login,
    LoginFailed,
    Logout,
    AccountAdmin,
    // Electronic identification: a holder's authentication events, shown as their login history.
    EidLogin,
    EidLoginFailed,
    EidLogout,
    EidLock,
    EidUnlock,
    /// A password, passcode, authenticator app or passkey was set, changed or removed.
    EidFactor,
    /// The account was created, approved, raised to level 2, activated or revoked.
    EidAccount,
    /// A one-time code was sent by SMS.
    EidCode,
    EidOrg,
}

impl AuditAction {
    pub const ALL: [AuditAction; 21] = [
        AuditAction::Read,
        AuditAction::Search,
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Import,
        AuditAction::Export,
        AuditAction::Denied,
        AuditAction::Disclose,
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::AccountAdmin,
        AuditAction::EidLogin,
        AuditAction::EidLoginFailed,
        AuditAction::EidLogout,
        AuditAction::EidLock,
        AuditAction::EidUnlock,
        AuditAction::EidFactor,
        AuditAction::EidAccount,
        AuditAction::EidCode,
        AuditAction::EidOrg,
    ];
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Read => "read",
            AuditAction::Search => "search",
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Import => "import",
            AuditAction::Export => "export",
            AuditAction::Denied => "denied",
            AuditAction::Disclose => "disclose",
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Logout => "logout",
            AuditAction::AccountAdmin => "account_admin",
            AuditAction::EidLogin => "eid_login",
            AuditAction::EidLoginFailed => "eid_login_failed",
            AuditAction::EidLogout => "eid_logout",
            AuditAction::EidLock => "eid_lock",
            AuditAction::EidUnlock => "eid_unlock",
            AuditAction::EidFactor => "eid_factor",
            AuditAction::EidAccount => "eid_account",
            AuditAction::EidCode => "eid_code",
            AuditAction::EidOrg => "eid_org",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == s)
    }
}

#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: OffsetDateTime,
    pub actor: ActorRef,
    pub action: AuditAction,
    /// The person whose data was touched, if any.
    pub person_id: Option<PersonId>,
    /// Which fields were disclosed or changed (`*` for the whole record).
    pub fields: String,
    pub purpose: String,
    pub legal_basis: String,
    /// The life event the line belongs to, for writes.
    pub event_id: Option<Uuid>,
    /// Short free text: the search terms' shape, a reason for denial; never a secret.
    pub detail: String,
}
