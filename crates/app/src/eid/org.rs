//! Organisation e-ID accounts: registered by a legal representative who holds a level-2
//! account, with members who act for the organisation through their own accounts.

use super::{EidChange, Holder, Org, OrgMember};
use crate::App;
use crate::audit::AuditAction;
use crate::error::{AppError, AppResult};
use dinhdanh_domain::admin::{Catalogue, UnitRef};
use dinhdanh_domain::eid::{AccountState, Level, OrgCode, OrgRole, check_tax_code};
use dinhdanh_domain::error::{Errors, Rule};
use dinhdanh_domain::name::clean_text;
use dinhdanh_domain::person::Address;
use dinhdanh_domain::pin::PersonalNumber;
use time::Date;

/// Random draws of a serial before giving up (the space per province holds 10 million).
const SERIAL_DRAWS: usize = 32;

/// An organisation as its legal representative registers it.
#[derive(Clone, Debug)]
pub struct OrgDraft {
    pub name_vi: String,
    pub name_abbr: String,
    pub name_foreign: String,
    pub established: Option<Date>,
    /// Head office: a commune of the 2025 catalogue and the street address.
    pub head_office_unit: String,
    pub head_office_detail: String,
    pub tax_code: String,
}

/// An organisation with the holder's role and its members.
#[derive(Clone, Debug)]
pub struct OrgView {
    pub org: Org,
    pub role: OrgRole,
    pub members: Vec<OrgMember>,
}

impl App {
    /// Registers an organisation. The holder must hold a level-2 account and confirm with the
    /// passcode; they become its legal representative.
    pub async fn eid_org_register(&self, holder: &Holder, d: OrgDraft, passcode: &str) -> AppResult<Org> {
        Self::require_full(holder)?;
        let a = &holder.account;
        if a.level != Level::Two {
            return Err(AppError::invalid("", Rule::EidLevel2Required));
        }
        let mut e = Errors::new();
        let name_vi = e.check("name_vi", clean_text(&d.name_vi, 200)).unwrap_or_default();
        if name_vi.is_empty() {
            e.push("name_vi", Rule::Required);
        }
        let name_abbr = e.check("name_abbr", clean_text(&d.name_abbr, 50)).unwrap_or_default();
        let name_foreign = e.check("name_foreign", clean_text(&d.name_foreign, 200)).unwrap_or_default();
        let today = self.clock.today();
        match d.established {
            None => e.push("established", Rule::Required),
            Some(day) if day > today => e.push("established", Rule::DateInFuture),
            _ => {}
        }
        let unit = d.head_office_unit.trim();
        let unit =
            UnitRef::new(Catalogue::Y2025, unit.strip_prefix("2025:").unwrap_or(unit)).map_err(|_| Rule::UnitUnknown);
        let detail = e.check("head_office.detail", clean_text(&d.head_office_detail, 200)).unwrap_or_default();
        let office = e.check("head_office.unit", unit.and_then(|u| Address::new(u, &detail)));
        let tax_code = e.check("tax_code", check_tax_code(&d.tax_code));
        e.finish()?;
        let (Some(office), Some(tax_code), Some(established)) = (office, tax_code, d.established) else {
            return Err(AppError::invalid("", Rule::Required));
        };
        self.check_passcode(holder, passcode).await?;
        if self.store.eid_org_by_tax_code(&tax_code).await?.is_some() {
            return Err(AppError::invalid("tax_code", Rule::EidOrgTaxCodeTaken));
        }
        let province = dinhdanh_domain::admin::catalogue()
            .provinces_2025_of(&office.unit)
            .into_iter()
            .next()
            .map(str::to_owned)
            .ok_or_else(|| AppError::invalid("head_office.unit", Rule::UnitUnknown))?;
        let mut code = None;
        for _ in 0..SERIAL_DRAWS {
            let c = OrgCode::new(&province, self.rng.below(10_000_000))
                .map_err(|r| AppError::invalid("head_office.unit", r))?;
            if !self.store.eid_org_serial_taken(&c).await? {
                code = Some(c);
                break;
            }
        }
        let code = code.ok_or_else(|| AppError::Unavailable("no free organisation code".into()))?;
        let now = self.clock.now();
        let org = Org {
            id: self.rng.uuid(),
            code,
            name_vi,
            name_abbr,
            name_foreign,
            established,
            head_office: office,
            tax_code,
            legal_representative: a.id,
            created_at: now,
        };
        let member = OrgMember {
            org_id: org.id,
            account_id: a.id,
            pin: a.pin,
            role: OrgRole::LegalRepresentative,
            added_at: now,
            added_by: a.id,
        };
        let line = self.eid_line(
            a.actor(),
            AuditAction::EidOrg,
            Some(a.person_id),
            format!("organisation {} registered", org.code),
        );
        self.store
            .eid_commit(EidChange {
                insert_org: Some(org.clone()),
                insert_member: Some(member),
                audit: vec![line],
                ..Default::default()
            })
            .await
            .map_err(|e| match e {
                crate::ports::StoreError::Duplicate(_) => AppError::invalid("tax_code", Rule::EidOrgTaxCodeTaken),
                other => other.into(),
            })?;
        Ok(org)
    }

    /// The organisations the holder belongs to, with their members.
    pub async fn eid_orgs(&self, holder: &Holder) -> AppResult<Vec<OrgView>> {
        Self::require_full(holder)?;
        let mut out = Vec::new();
        for (org, role) in self.store.eid_orgs_of(holder.account.id).await? {
            let members = self.store.eid_org_members(org.id).await?;
            out.push(OrgView { org, role, members });
        }
        Ok(out)
    }

    /// The organisation, if the holder is its legal representative.
    async fn org_as_legal_rep(&self, holder: &Holder, code: &str) -> AppResult<Org> {
        let code = OrgCode::parse(code).map_err(|r| AppError::invalid("org", r))?;
        let (org, role) = self
            .store
            .eid_orgs_of(holder.account.id)
            .await?
            .into_iter()
            .find(|(o, _)| o.code == code)
            .ok_or(AppError::NotFound)?;
        if role != OrgRole::LegalRepresentative {
            return Err(AppError::invalid("", Rule::EidLegalRepOnly));
        }
        Ok(org)
    }

    /// Adds a member (who must hold an active e-ID account). Legal representative only, with the passcode.
    pub async fn eid_org_add_member(
        &self,
        holder: &Holder,
        code: &str,
        pin: &str,
        role: &str,
        passcode: &str,
    ) -> AppResult<OrgMember> {
        Self::require_full(holder)?;
        let org = self.org_as_legal_rep(holder, code).await?;
        let mut e = Errors::new();
        let pin = e.check("pin", PersonalNumber::parse(pin.trim()));
        let role = e.check("role", OrgRole::parse(role));
        e.finish()?;
        let (Some(pin), Some(role)) = (pin, role) else { return Err(AppError::invalid("pin", Rule::Required)) };
        if role == OrgRole::LegalRepresentative {
            return Err(AppError::invalid("role", Rule::EidOrgRole));
        }
        self.check_passcode(holder, passcode).await?;
        let member = self
            .store
            .eid_account_by_pin(&pin)
            .await?
            .filter(|m| m.state == AccountState::Active)
            .ok_or_else(|| AppError::invalid("pin", Rule::EidNoAccount))?;
        if self.store.eid_org_members(org.id).await?.iter().any(|m| m.account_id == member.id) {
            return Err(AppError::invalid("pin", Rule::EidMemberExists));
        }
        let m = OrgMember {
            org_id: org.id,
            account_id: member.id,
            pin,
            role,
            added_at: self.clock.now(),
            added_by: holder.account.id,
        };
        let a = &holder.account;
        let lines = vec![
            self.eid_line(
                a.actor(),
                AuditAction::EidOrg,
                Some(a.person_id),
                format!("member {pin} added to {} as {}", org.code, role.code()),
            ),
            self.eid_line(
                a.actor(),
                AuditAction::EidOrg,
                Some(member.person_id),
                format!("added to organisation {} as {}", org.code, role.code()),
            ),
        ];
        self.store.eid_commit(EidChange { insert_member: Some(m.clone()), audit: lines, ..Default::default() }).await?;
        Ok(m)
    }

    /// Removes a member. Legal representative only, with the passcode; they cannot remove themselves.
    pub async fn eid_org_remove_member(&self, holder: &Holder, code: &str, pin: &str, passcode: &str) -> AppResult<()> {
        Self::require_full(holder)?;
        let org = self.org_as_legal_rep(holder, code).await?;
        let pin = PersonalNumber::parse(pin.trim()).map_err(|r| AppError::invalid("pin", r))?;
        let member = self
            .store
            .eid_org_members(org.id)
            .await?
            .into_iter()
            .find(|m| m.pin == pin)
            .ok_or_else(|| AppError::invalid("pin", Rule::EidNotMember))?;
        if member.role == OrgRole::LegalRepresentative {
            return Err(AppError::invalid("pin", Rule::EidOrgRole));
        }
        self.check_passcode(holder, passcode).await?;
        let a = &holder.account;
        let line = self.eid_line(
            a.actor(),
            AuditAction::EidOrg,
            Some(a.person_id),
            format!("member {pin} removed from {}", org.code),
        );
        self.store
            .eid_commit(EidChange {
                delete_member: Some((org.id, member.account_id)),
                audit: vec![line],
                ..Default::default()
            })
            .await?;
        Ok(())
    }
}
