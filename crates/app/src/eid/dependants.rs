//! The holder's own record, and their dependants: children under 14 (and persons they are the
//! legal representative of) who appear under the holder's account. Every read on a dependant's
//! behalf is audited as such.

use super::Holder;
use crate::App;
use crate::audit::AuditAction;
use crate::error::{AppError, AppResult};
use crate::ports::StoredPerson;
use dinhdanh_domain::date::age_between;
use dinhdanh_domain::eid::MIN_HOLDER_AGE;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{Person, RelationKind};
use dinhdanh_domain::pin::PersonalNumber;

/// A dependant as the holder's list shows it.
#[derive(Clone, Debug)]
pub struct Dependant {
    pub pin: PersonalNumber,
    pub name: String,
    pub date_of_birth: String,
    /// How the holder relates to them: `father`, `mother` or `legal_representative`.
    pub holder_is: &'static str,
}

impl App {
    /// The holder's record as the register holds it (an audited read of their own data).
    pub async fn eid_profile(&self, holder: &Holder) -> AppResult<StoredPerson> {
        Self::require_full(holder)?;
        let a = &holder.account;
        let p = self.store.person_by_id(a.person_id).await?.ok_or(AppError::NotFound)?;
        let mut line = self.eid_line(a.actor(), AuditAction::Read, Some(a.person_id), "own record");
        line.fields = "*".to_owned();
        self.store.record_access(vec![line]).await?;
        Ok(p)
    }

    /// Whether `child` is under 14 and names `holder` as father, mother or legal representative.
    fn dependant_link(&self, holder: &Person, child: &Person) -> Option<&'static str> {
        // The oldest the child can be must still be under 14 (a partial date is not guessed younger).
        let oldest = age_between(child.date_of_birth.earliest(), self.clock.today());
        if oldest >= MIN_HOLDER_AGE || !child.is_alive() {
            return None;
        }
        child.relatives.iter().find(|r| r.pin.as_ref() == Some(&holder.pin)).and_then(|r| match r.kind {
            RelationKind::Father => Some("father"),
            RelationKind::Mother => Some("mother"),
            RelationKind::LegalRepresentative => Some("legal_representative"),
            _ => None,
        })
    }

    async fn dependants_of(&self, holder_person: &Person) -> AppResult<Vec<(StoredPerson, &'static str)>> {
        let mut out = Vec::new();
        for r in &holder_person.relatives {
            if !matches!(r.kind, RelationKind::Child | RelationKind::Represented) {
                continue;
            }
            let Some(pin) = r.pin else { continue };
            if let Some(child) = self.store.person_by_pin(&pin).await?
                && let Some(link) = self.dependant_link(holder_person, &child.person)
                && !out.iter().any(|(c, _): &(StoredPerson, &str)| c.person.id == child.person.id)
            {
                out.push((child, link));
            }
        }
        Ok(out)
    }

    /// The holder's dependants, from the register's relations (both records must agree).
    pub async fn eid_dependants(&self, holder: &Holder) -> AppResult<Vec<Dependant>> {
        Self::require_full(holder)?;
        let a = &holder.account;
        let me = self.store.person_by_id(a.person_id).await?.ok_or(AppError::NotFound)?;
        let list = self.dependants_of(&me.person).await?;
        let lines = list
            .iter()
            .map(|(c, _)| {
                let mut l = self.eid_line(
                    a.actor(),
                    AuditAction::Read,
                    Some(c.person.id),
                    format!("on behalf of dependant (list) by {}", a.pin),
                );
                l.fields = "pin,birth_name,date_of_birth".to_owned();
                l
            })
            .collect::<Vec<_>>();
        if !lines.is_empty() {
            self.store.record_access(lines).await?;
        }
        Ok(list
            .into_iter()
            .map(|(c, link)| Dependant {
                pin: c.person.pin,
                name: c.person.birth_name.to_string(),
                date_of_birth: c.person.date_of_birth.to_string(),
                holder_is: link,
            })
            .collect())
    }

    /// A dependant's record, read by the holder on their behalf (audited as such).
    pub async fn eid_dependant(&self, holder: &Holder, pin: &PersonalNumber) -> AppResult<StoredPerson> {
        Self::require_full(holder)?;
        let a = &holder.account;
        let me = self.store.person_by_id(a.person_id).await?.ok_or(AppError::NotFound)?;
        let Some((child, link)) = self.dependants_of(&me.person).await?.into_iter().find(|(c, _)| c.person.pin == *pin)
        else {
            return Err(AppError::invalid("pin", Rule::EidNotDependant));
        };
        let mut line = self.eid_line(
            a.actor(),
            AuditAction::Read,
            Some(child.person.id),
            format!("on behalf of dependant by {} ({link})", a.pin),
        );
        line.fields = "*".to_owned();
        self.store.record_access(vec![line]).await?;
        Ok(child)
    }
}
