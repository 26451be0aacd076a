//! The residence procedures of the Law on Residence 2020 as dossiers of the workflow engine:
//! permanent registration (Art. 20-22), temporary registration (Art. 27-28) and its extension,
//! absence declaration (Art. 31), deregistration of permanent (Art. 24) and temporary (Art. 29)
//! residence, household split (Art. 25), change of head and adjustment of residence data
//! (Art. 26).
//!
//! Each kind follows the standard machine (received → processing → supplement requested →
//! approved / refused → done) and is handled by the commune police of the address, which the
//! engine enforces on every step. Filing checks the whole request against the register and the
//! rules of who may file for whom, and writes nothing but the dossier; approval checks again on
//! fresh data and applies the change in the step's own transaction through the same change-set
//! builders as the direct use cases of [`super`], with their outbox events.

use super::{HouseholdChoice, PermanentRequest, ResidenceWrite, TemporaryRequest};
use crate::App;
use crate::audit::AuditAction;
use crate::auth::{Permission, Principal};
use crate::error::{AppError, AppResult};
use crate::outbox::OutboxKind;
use crate::ports::{ChangeSet, PersonUpdate, StoredPerson};
use crate::workflow::{
    Applicant, ApplicantRelation, Dossier, DossierEffects, DossierKind, DossierSubject, NewDossier, RECEIVED,
    STANDARD_STATES, STANDARD_TRANSITIONS, TransitionSpec,
};
use async_trait::async_trait;
use dinhdanh_domain::admin::{Catalogue, UnitRef, catalogue};
use dinhdanh_domain::date::{iso, parse_full_date};
use dinhdanh_domain::error::{Errors, Rule};
use dinhdanh_domain::person::{Address, LifeStatus, Person, RelationKind};
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_domain::residence::{
    self as rules, AbsenceCase, DeregistrationReason, HouseholdRelation, RegistrationKind, ResidenceProof,
};
use serde_json::{Value, json};
use time::Date;
use uuid::Uuid;

pub const LEGAL_BASIS: &str = "Luật Cư trú số 68/2020/QH14";

pub const PERMANENT: &str = "residence.permanent";
pub const TEMPORARY: &str = "residence.temporary";
pub const EXTENSION: &str = "residence.temporary_extension";
pub const ABSENCE: &str = "residence.absence";
pub const DEREGISTER_PERMANENT: &str = "residence.deregister_permanent";
pub const DEREGISTER_TEMPORARY: &str = "residence.deregister_temporary";
pub const SPLIT: &str = "residence.household_split";
pub const CHANGE_HEAD: &str = "residence.change_head";
pub const ADJUST: &str = "residence.adjust";

const fn kind(
    code: &'static str,
    code_prefix: &'static str,
    name_vi: &'static str,
    name_en: &'static str,
    time_limit_days: u32,
) -> DossierKind {
    DossierKind {
        code,
        code_prefix,
        name_vi,
        name_en,
        legal_basis: LEGAL_BASIS,
        states: STANDARD_STATES,
        initial: RECEIVED,
        transitions: STANDARD_TRANSITIONS,
        time_limit_days,
        receive_permission: Permission::ReceiveDossier,
        effects: &ResidenceEffects,
    }
}

/// The residence kinds with their time limits in working days (vn-domain §4) [R: the limits].
pub static KINDS: &[DossierKind] = &[
    kind(PERMANENT, "TTR", "Đăng ký thường trú", "Permanent residence registration", 7),
    kind(TEMPORARY, "TAM", "Đăng ký tạm trú", "Temporary residence registration", 3),
    kind(EXTENSION, "GHT", "Gia hạn tạm trú", "Extension of temporary residence", 3),
    kind(ABSENCE, "TVG", "Khai báo tạm vắng", "Absence declaration", 1),
    kind(DEREGISTER_PERMANENT, "XTR", "Xóa đăng ký thường trú", "Deregistration of permanent residence", 1),
    kind(DEREGISTER_TEMPORARY, "XTT", "Xóa đăng ký tạm trú", "Deregistration of temporary residence", 1),
    kind(SPLIT, "TAH", "Tách hộ", "Household split", 3),
    kind(CHANGE_HEAD, "DCH", "Thay đổi chủ hộ", "Change of head of household", 3),
    kind(ADJUST, "DCT", "Điều chỉnh thông tin về cư trú", "Adjustment of residence data", 3),
];

/// What is asked, per procedure. The subject (the filing's `pin`) is the person registered,
/// deregistered or declaring; for a split the new head; for a change of head the new head; for an
/// adjustment the member whose relationship to the head changes.
#[derive(Clone, Debug, PartialEq)]
pub enum Procedure {
    Permanent {
        address: Address,
        household: HouseholdChoice,
        proof: ResidenceProof,
    },
    /// From the day of approval to `valid_until` (at most two years).
    Temporary {
        address: Address,
        valid_until: Date,
    },
    /// Of the current temporary registration, to `valid_until`.
    Extension {
        valid_until: Date,
    },
    Absence {
        case: &'static AbsenceCase,
        from: Date,
        until: Option<Date>,
        destination: String,
        reason: String,
    },
    DeregisterPermanent {
        reason: &'static DeregistrationReason,
        on: Date,
    },
    DeregisterTemporary {
        reason: &'static DeregistrationReason,
        on: Date,
    },
    /// The members who leave with the new head, with their relationship to the new head.
    Split {
        members: Vec<(PersonalNumber, HouseholdRelation)>,
    },
    /// The former head stays as a member with this relationship to the new head.
    ChangeHead {
        former_head_relation: HouseholdRelation,
    },
    Adjust {
        relation: HouseholdRelation,
    },
}

impl Procedure {
    pub fn kind_code(&self) -> &'static str {
        match self {
            Procedure::Permanent { .. } => PERMANENT,
            Procedure::Temporary { .. } => TEMPORARY,
            Procedure::Extension { .. } => EXTENSION,
            Procedure::Absence { .. } => ABSENCE,
            Procedure::DeregisterPermanent { .. } => DEREGISTER_PERMANENT,
            Procedure::DeregisterTemporary { .. } => DEREGISTER_TEMPORARY,
            Procedure::Split { .. } => SPLIT,
            Procedure::ChangeHead { .. } => CHANGE_HEAD,
            Procedure::Adjust { .. } => ADJUST,
        }
    }

    fn kind(&self) -> &'static DossierKind {
        let code = self.kind_code();
        KINDS.iter().find(|k| k.code == code).expect("every procedure has its kind")
    }

    /// The applicants allowed besides the subject, the parent or guardian of a minor and an
    /// authorized person: the head of household, for members; the authority itself, for a
    /// deregistration.
    fn allows(&self, r: ApplicantRelation) -> bool {
        use ApplicantRelation as A;
        match self {
            Procedure::Split { .. } => matches!(r, A::Subject | A::Authorized),
            Procedure::ChangeHead { .. } => matches!(r, A::Subject | A::HouseholdHead | A::Authorized),
            Procedure::DeregisterPermanent { .. } | Procedure::DeregisterTemporary { .. } => matches!(
                r,
                A::Subject
                    | A::Parent
                    | A::Guardian
                    | A::LegalRepresentative
                    | A::HouseholdHead
                    | A::Authorized
                    | A::Authority
            ),
            _ => matches!(
                r,
                A::Subject | A::Parent | A::Guardian | A::LegalRepresentative | A::HouseholdHead | A::Authorized
            ),
        }
    }

    /// The form stored with the dossier.
    pub fn encode(&self) -> String {
        let addr = |a: &Address| json!({"unit": a.unit.to_string(), "detail": a.detail});
        let v = match self {
            Procedure::Permanent { address, household, proof } => {
                let household = match household {
                    HouseholdChoice::New => json!({"new": true}),
                    HouseholdChoice::Join { household_id, relation } => {
                        json!({"join": household_id.to_string(), "relation": relation.code()})
                    }
                };
                let mut proof_v = json!({"kind": proof.code()});
                if let ResidenceProof::Rented { floor_area_m2 } = proof {
                    proof_v["floor_area_m2"] = json!(floor_area_m2);
                }
                json!({"address": addr(address), "household": household, "proof": proof_v})
            }
            Procedure::Temporary { address, valid_until } => {
                json!({"address": addr(address), "valid_until": iso(*valid_until)})
            }
            Procedure::Extension { valid_until } => json!({"valid_until": iso(*valid_until)}),
            Procedure::Absence { case, from, until, destination, reason } => json!({
                "case": case.code, "from": iso(*from), "until": until.map(iso),
                "destination": destination, "reason": reason,
            }),
            Procedure::DeregisterPermanent { reason, on } | Procedure::DeregisterTemporary { reason, on } => {
                json!({"reason": reason.code, "on": iso(*on)})
            }
            Procedure::Split { members } => json!({
                "members": members.iter().map(|(p, r)| json!({"pin": p.as_str(), "relation": r.code()})).collect::<Vec<_>>()
            }),
            Procedure::ChangeHead { former_head_relation } => {
                json!({"former_head_relation": former_head_relation.code()})
            }
            Procedure::Adjust { relation } => json!({"relation": relation.code()}),
        };
        v.to_string()
    }

    /// Reads a stored form back (the engine's kinds are fixed, so a form that does not read is
    /// an internal error).
    pub fn decode(kind: &str, form: &str) -> Result<Procedure, String> {
        let v: Value = serde_json::from_str(form).map_err(|e| e.to_string())?;
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned).ok_or(format!("form: {k}"));
        let d = |v: &Value, k: &str| parse_full_date(&s(v, k)?).map_err(|_| format!("form: {k}"));
        let rel = |v: &Value, k: &str| HouseholdRelation::parse(&s(v, k)?).map_err(|_| format!("form: {k}"));
        let addr = |v: &Value| -> Result<Address, String> {
            let a = v.get("address").ok_or("form: address")?;
            let unit = UnitRef::parse(&s(a, "unit")?).map_err(|_| "form: address.unit")?;
            Address::new(unit, &s(a, "detail")?).map_err(|_| "form: address".to_owned())
        };
        Ok(match kind {
            PERMANENT => {
                let h = v.get("household").ok_or("form: household")?;
                let household = match h.get("join") {
                    None => HouseholdChoice::New,
                    Some(_) => HouseholdChoice::Join {
                        household_id: Uuid::parse_str(&s(h, "join")?).map_err(|e| e.to_string())?,
                        relation: rel(h, "relation")?,
                    },
                };
                let p = v.get("proof").ok_or("form: proof")?;
                let proof = ResidenceProof::parse(&s(p, "kind")?, p.get("floor_area_m2").and_then(Value::as_f64))
                    .map_err(|_| "form: proof")?;
                Procedure::Permanent { address: addr(&v)?, household, proof }
            }
            TEMPORARY => Procedure::Temporary { address: addr(&v)?, valid_until: d(&v, "valid_until")? },
            EXTENSION => Procedure::Extension { valid_until: d(&v, "valid_until")? },
            ABSENCE => Procedure::Absence {
                case: rules::absence_case(&s(&v, "case")?).map_err(|_| "form: case")?,
                from: d(&v, "from")?,
                until: if v.get("until").is_some_and(|u| !u.is_null()) { Some(d(&v, "until")?) } else { None },
                destination: s(&v, "destination")?,
                reason: s(&v, "reason")?,
            },
            DEREGISTER_PERMANENT | DEREGISTER_TEMPORARY => {
                let k = if kind == DEREGISTER_PERMANENT {
                    RegistrationKind::Permanent
                } else {
                    RegistrationKind::Temporary
                };
                let reason = rules::deregistration_reason(k, &s(&v, "reason")?).map_err(|_| "form: reason")?;
                let on = d(&v, "on")?;
                if k == RegistrationKind::Permanent {
                    Procedure::DeregisterPermanent { reason, on }
                } else {
                    Procedure::DeregisterTemporary { reason, on }
                }
            }
            SPLIT => {
                let mut members = Vec::new();
                for m in v.get("members").and_then(Value::as_array).ok_or("form: members")? {
                    let pin = PersonalNumber::parse(&s(m, "pin")?).map_err(|_| "form: members.pin")?;
                    members.push((pin, rel(m, "relation")?));
                }
                Procedure::Split { members }
            }
            CHANGE_HEAD => Procedure::ChangeHead { former_head_relation: rel(&v, "former_head_relation")? },
            ADJUST => Procedure::Adjust { relation: rel(&v, "relation")? },
            other => return Err(format!("not a residence kind: {other}")),
        })
    }
}

/// A procedure as an officer files it at the counter (or for an online submission).
#[derive(Clone, Debug)]
pub struct ResidenceFiling {
    pub pin: PersonalNumber,
    pub procedure: Procedure,
    pub applicant: Applicant,
}

/// What a procedure would change, worked out on current data.
struct Plan {
    handling_unit: UnitRef,
    subjects: Vec<DossierSubject>,
    /// The household whose head may file for the subject.
    household: Option<Uuid>,
    changes: ChangeSet,
}

fn subject(p: &Person, role: &str) -> DossierSubject {
    DossierSubject { person_id: p.id, pin: p.pin, name: p.birth_name.as_str().to_owned(), role: role.to_owned() }
}

/// The 2025 commune of an address, whose police handle the procedure.
fn commune_of(a: &Address, field: &str) -> AppResult<UnitRef> {
    let communes = catalogue().communes_2025_of(&a.unit);
    match communes.as_slice() {
        [one] if catalogue().commune(Catalogue::Y2025, one).is_some() => {
            UnitRef::new(Catalogue::Y2025, one).map_err(|_| AppError::invalid(field, Rule::UnitUnknown))
        }
        [_] => Err(AppError::invalid(field, Rule::UnitUnknown)),
        [] => Err(AppError::invalid(field, Rule::UnitUnknown)),
        _ => Err(AppError::invalid(field, Rule::UnitLegacyNotAllowed)),
    }
}

fn adult(p: &Person, today: Date) -> bool {
    rules::is_adult(p.date_of_birth.earliest(), today)
}

impl App {
    /// Files a residence procedure: checks the request on current data and the rules of who may
    /// file for whom, then receives the dossier at the commune police of the address. Nothing but
    /// the dossier is written; the change itself is applied when the dossier is approved.
    pub async fn file_residence(&self, who: &Principal, filing: ResidenceFiling) -> AppResult<Dossier> {
        who.require(Permission::ReceiveDossier)?;
        let stored = self.residence_subject(&filing.pin).await?;
        let plan = self.residence_plan(who, &stored, &filing.procedure, None).await?;
        let applicant =
            self.check_applicant(who, &stored.person, &filing.procedure, plan.household, filing.applicant).await?;
        // The applicant's record was read to check who may file: audited with the receipt.
        let mut with = ChangeSet::default();
        if let Some(id) = applicant.person_id.filter(|id| *id != stored.person.id) {
            let mut line =
                self.residence_audit(who, AuditAction::Read, id, "residence_applicant_check", LEGAL_BASIS, None);
            line.fields = "pin,name,relatives,household".into();
            with.audit.push(line);
        }
        self.receive_dossier(
            who,
            NewDossier {
                kind: filing.procedure.kind(),
                subjects: plan.subjects,
                handling_unit: plan.handling_unit,
                applicant,
                form: filing.procedure.encode(),
                with,
            },
        )
        .await
    }

    /// The rules of who may file for whom. Returns the applicant with their register record.
    async fn check_applicant(
        &self,
        who: &Principal,
        subject: &Person,
        procedure: &Procedure,
        household: Option<Uuid>,
        mut a: Applicant,
    ) -> AppResult<Applicant> {
        use ApplicantRelation as A;
        let today = self.clock.today();
        if !procedure.allows(a.relation) {
            return Err(AppError::invalid("applicant.relation", Rule::ApplicantNotAllowed));
        }
        let mut errs = Errors::new();
        let minor = !adult(subject, today);
        match a.relation {
            A::Subject => {
                a.person_id = Some(subject.id);
                a.pin = Some(subject.pin);
                a.name = subject.birth_name.as_str().to_owned();
                if minor {
                    errs.push("applicant.relation", Rule::ApplicantSubjectMinor);
                }
            }
            A::Authority => {
                let actor = who.actor();
                a.person_id = None;
                a.pin = None;
                a.name = actor.name;
            }
            A::Parent | A::Guardian | A::LegalRepresentative | A::HouseholdHead => {
                let Some(pin) = a.pin else {
                    return Err(AppError::invalid("applicant.pin", Rule::Required));
                };
                let person = self
                    .store
                    .person_by_pin(&pin)
                    .await?
                    .ok_or_else(|| AppError::invalid("applicant.pin", Rule::PinUnknown))?
                    .person;
                if !matches!(person.status, LifeStatus::Alive) {
                    errs.push("applicant.pin", Rule::PersonDead);
                }
                a.person_id = Some(person.id);
                a.name = person.birth_name.as_str().to_owned();
                let related = |k: RelationKind| subject.relatives.iter().any(|r| r.kind == k && r.pin == Some(pin));
                match a.relation {
                    A::Parent => {
                        if !minor {
                            errs.push("applicant.relation", Rule::ApplicantSubjectAdult);
                        }
                        if !related(RelationKind::Father) && !related(RelationKind::Mother) {
                            errs.push("applicant.pin", Rule::ApplicantNotParent);
                        }
                    }
                    A::HouseholdHead => {
                        let head = match household {
                            Some(h) => self.current_head(h).await?,
                            None => None,
                        };
                        if head != Some(person.id) || person.id == subject.id {
                            errs.push("applicant.pin", Rule::ApplicantNotHead);
                        }
                    }
                    // A guardian or legal representative: named in the register, or for a minor
                    // by a guardianship decision given as the reference.
                    _ => {
                        if !related(RelationKind::LegalRepresentative) {
                            if !minor {
                                errs.push("applicant.relation", Rule::ApplicantSubjectAdult);
                            } else if a.organisation.trim().is_empty() {
                                errs.push("applicant.organisation", Rule::ApplicantReference);
                            }
                        }
                    }
                }
            }
            A::Authorized => {
                if minor {
                    errs.push("applicant.relation", Rule::ApplicantSubjectMinor);
                }
                if a.organisation.trim().is_empty() {
                    errs.push("applicant.organisation", Rule::ApplicantReference);
                }
                if a.name.trim().is_empty() {
                    errs.push("applicant.name", Rule::Required);
                }
            }
            A::Owner | A::Host | A::Establishment => errs.push("applicant.relation", Rule::ApplicantNotAllowed),
        }
        errs.finish()?;
        Ok(a)
    }

    async fn current_head(&self, household: Uuid) -> AppResult<Option<dinhdanh_domain::person::PersonId>> {
        Ok(self
            .store
            .household_members(household)
            .await?
            .into_iter()
            .find(|m| m.valid_to.is_none() && m.relation == HouseholdRelation::Head)
            .map(|m| m.person_id))
    }

    /// Works out what the procedure changes, on current data. `dossier` is set at approval (its
    /// code goes into the legal basis); at filing the change set is only a check.
    async fn residence_plan(
        &self,
        who: &Principal,
        stored: &StoredPerson,
        procedure: &Procedure,
        dossier: Option<&Dossier>,
    ) -> AppResult<Plan> {
        let p = &stored.person;
        let today = self.clock.today();
        let basis = match dossier {
            Some(d) => format!("{LEGAL_BASIS}; hồ sơ {}", d.code),
            None => LEGAL_BASIS.to_owned(),
        };
        let regs = self.store.registrations_of(p.id).await?;
        let current = |k: RegistrationKind| regs.iter().find(|r| r.is_current() && r.kind == k && r.holds_on(today));
        let membership = self.store.memberships_of(p.id).await?.into_iter().find(|m| m.valid_to.is_none());
        let me = vec![subject(p, "subject")];
        match procedure {
            Procedure::Permanent { address, household, proof } => {
                let unit = commune_of(address, "address.unit")?;
                let mut persons = 1;
                let mut head_household = membership.as_ref().map(|m| m.household_id);
                if let HouseholdChoice::Join { household_id, .. } = household {
                    if self.store.household(*household_id).await?.is_none() {
                        return Err(AppError::invalid("household.join", Rule::HouseholdUnknown));
                    }
                    let members = self.store.household_members(*household_id).await?;
                    persons += members.iter().filter(|m| m.valid_to.is_none() && m.person_id != p.id).count();
                    head_household = Some(*household_id);
                }
                if let ResidenceProof::Rented { floor_area_m2 } = proof {
                    self.config
                        .residence_floor_area
                        .check(address, *floor_area_m2, persons)
                        .map_err(|r| AppError::invalid("proof.floor_area_m2", r))?;
                }
                let req = PermanentRequest {
                    pin: p.pin,
                    address: address.clone(),
                    household: household.clone(),
                    valid_from: today,
                    legal_basis: basis,
                };
                let (changes, _) = self.permanent_changes(who, &req).await?;
                Ok(Plan { handling_unit: unit, subjects: me, household: head_household, changes })
            }
            Procedure::Temporary { address, valid_until } => {
                let unit = commune_of(address, "address.unit")?;
                let req = TemporaryRequest {
                    pin: p.pin,
                    address: address.clone(),
                    valid_from: today,
                    valid_until: *valid_until,
                    legal_basis: basis,
                };
                let (changes, _) = self.temporary_changes(who, &req, false).await?;
                Ok(Plan { handling_unit: unit, subjects: me, household: membership.map(|m| m.household_id), changes })
            }
            Procedure::Extension { valid_until } => {
                let reg = regs
                    .iter()
                    .find(|r| r.is_current() && r.kind == RegistrationKind::Temporary)
                    .ok_or_else(|| AppError::invalid("pin", Rule::NoTemporaryRegistration))?;
                let expires = reg.valid_until.unwrap_or(today);
                // The window counts at filing; the authority may decide after the old term ended.
                if dossier.is_none() && !rules::in_extension_window(expires, today) {
                    return Err(AppError::invalid("valid_until", Rule::ExtensionWindow));
                }
                if *valid_until <= expires {
                    return Err(AppError::invalid("valid_until", Rule::TemporaryTermEmpty));
                }
                let unit = commune_of(&reg.address, "address.unit")?;
                let req = TemporaryRequest {
                    pin: p.pin,
                    address: reg.address.clone(),
                    valid_from: today.min(expires),
                    valid_until: *valid_until,
                    legal_basis: basis,
                };
                let (changes, _) = self.temporary_changes(who, &req, true).await?;
                Ok(Plan { handling_unit: unit, subjects: me, household: membership.map(|m| m.household_id), changes })
            }
            Procedure::Absence { case, from, until, destination, reason } => {
                rules::check_absence(&p.status, *from, *until)?;
                let reg = current(RegistrationKind::Permanent)
                    .or_else(|| current(RegistrationKind::Temporary))
                    .ok_or_else(|| AppError::invalid("pin", Rule::NoResidence))?;
                let unit = commune_of(&reg.address, "address.unit")?;
                let destination = dinhdanh_domain::name::clean_text(destination, 500)
                    .map_err(|r| AppError::invalid("destination", r))?;
                let reason =
                    dinhdanh_domain::name::clean_text(reason, 500).map_err(|r| AppError::invalid("reason", r))?;
                if destination.trim().is_empty() {
                    return Err(AppError::invalid("destination", Rule::Required));
                }
                let mut changes = ChangeSet::default();
                changes.residence.push(ResidenceWrite::Absence(super::AbsenceDeclaration {
                    id: self.rng.uuid(),
                    person_id: p.id,
                    case_code: case.code.to_owned(),
                    unit,
                    destination,
                    valid_from: *from,
                    valid_until: *until,
                    reason,
                    dossier_id: dossier.map(|d| d.id),
                    recorded_at: self.clock.now(),
                }));
                changes.audit.push(self.residence_audit(
                    who,
                    AuditAction::Create,
                    p.id,
                    "absence_declaration",
                    &basis,
                    None,
                ));
                Ok(Plan { handling_unit: unit, subjects: me, household: membership.map(|m| m.household_id), changes })
            }
            Procedure::DeregisterPermanent { reason, on } | Procedure::DeregisterTemporary { reason, on } => {
                let reg = regs
                    .iter()
                    .find(|r| r.is_current() && r.kind == reason.kind)
                    .ok_or_else(|| {
                        AppError::invalid(
                            "pin",
                            if reason.kind == RegistrationKind::Permanent {
                                Rule::NoPermanentRegistration
                            } else {
                                Rule::NoTemporaryRegistration
                            },
                        )
                    })?
                    .clone();
                rules::check_deregistration(reason, &p.status, reg.valid_from, *on, today)?;
                if reason.code == "absent_12_months" {
                    let absences = self.store.absences_of(p.id).await?;
                    if absence_rule(&regs, &absences, *on).is_none() {
                        return Err(AppError::invalid("reason", Rule::AbsenceRuleNotMet));
                    }
                }
                let unit = commune_of(&reg.address, "address.unit")?;
                let mut changes = ChangeSet::default();
                let mut updated = p.clone();
                changes.residence.push(ResidenceWrite::End {
                    registration_id: reg.id,
                    on: *on,
                    reason: reason.code.to_owned(),
                });
                if reason.kind == RegistrationKind::Permanent {
                    updated.permanent_residence = None;
                    if let Some(m) = &membership {
                        changes.residence.push(ResidenceWrite::Leave {
                            household_id: m.household_id,
                            person_id: p.id,
                            on: (*on).max(m.valid_from),
                        });
                    }
                } else if p.temporary_residence.as_ref() == Some(&reg.address) {
                    updated.temporary_residence = None;
                }
                let event = self.residence_event(who, &updated, *on, &basis, reason.code);
                changes.audit.push(self.residence_audit(
                    who,
                    AuditAction::Update,
                    p.id,
                    "residence_deregistration",
                    &basis,
                    Some(event.id),
                ));
                let ended = super::Registration { ended_on: Some(*on), end_reason: reason.code.to_owned(), ..reg };
                changes.outbox.push(self.residence_outbox(OutboxKind::ResidenceDeregistered, &updated, &ended));
                let diff = p.diff(&updated);
                if !diff.is_empty() {
                    changes.updates.push(PersonUpdate {
                        changes: diff,
                        person: updated,
                        expected_version: stored.version,
                        valid_from: *on,
                    });
                }
                changes.event = Some(event);
                Ok(Plan { handling_unit: unit, subjects: me, household: membership.map(|m| m.household_id), changes })
            }
            Procedure::Split { .. } | Procedure::ChangeHead { .. } | Procedure::Adjust { .. } => {
                self.household_plan(who, p, procedure, membership, &basis).await
            }
        }
    }

    /// Split, change of head, adjustment: changes of memberships inside one household (the
    /// subject's current one), each ending the old membership and starting the new one today.
    async fn household_plan(
        &self,
        who: &Principal,
        p: &Person,
        procedure: &Procedure,
        membership: Option<super::Membership>,
        basis: &str,
    ) -> AppResult<Plan> {
        if !matches!(p.status, LifeStatus::Alive) {
            return Err(AppError::invalid("pin", Rule::PersonDead));
        }
        let today = self.clock.today();
        let m = membership.ok_or_else(|| AppError::invalid("pin", Rule::HouseholdNotMember))?;
        let household = self
            .store
            .household(m.household_id)
            .await?
            .ok_or_else(|| AppError::Internal("membership without household".into()))?;
        let unit = commune_of(&household.address, "address.unit")?;
        let members: Vec<super::Membership> =
            self.store.household_members(household.id).await?.into_iter().filter(|m| m.valid_to.is_none()).collect();
        let head = members.iter().find(|m| m.relation == HouseholdRelation::Head).map(|m| m.person_id);
        let mut changes = ChangeSet::default();
        let mut subjects = Vec::new();
        let mut moves: Vec<(uuid::Uuid, dinhdanh_domain::person::PersonId, HouseholdRelation)> = Vec::new();
        match procedure {
            Procedure::Split { members: leaving } => {
                if head == Some(p.id) {
                    return Err(AppError::invalid("pin", Rule::HouseholdSplitHead));
                }
                if !adult(p, today) {
                    return Err(AppError::invalid("pin", Rule::HouseholdHeadAdult));
                }
                let new = super::Household {
                    id: self.rng.uuid(),
                    address: household.address.clone(),
                    created_at: self.clock.now(),
                };
                changes.residence.push(ResidenceWrite::NewHousehold(new.clone()));
                subjects.push(subject(p, "new_head"));
                moves.push((new.id, p.id, HouseholdRelation::Head));
                let mut errs = Errors::new();
                for (i, (pin, relation)) in leaving.iter().enumerate() {
                    let field = format!("members[{i}]");
                    let Some(other) = self.store.person_by_pin(pin).await? else {
                        errs.push(format!("{field}.pin"), Rule::PinUnknown);
                        continue;
                    };
                    let other = other.person;
                    if *relation == HouseholdRelation::Head {
                        errs.push(format!("{field}.relation"), Rule::HouseholdHasHead);
                    }
                    if other.id == p.id || moves.iter().any(|(_, id, _)| *id == other.id) {
                        errs.push(format!("{field}.pin"), Rule::HouseholdMemberTwice);
                    } else if Some(other.id) == head {
                        errs.push(format!("{field}.pin"), Rule::HouseholdSplitHead);
                    } else if !members.iter().any(|m| m.person_id == other.id) {
                        errs.push(format!("{field}.pin"), Rule::HouseholdNotMember);
                    }
                    subjects.push(subject(&other, "member"));
                    moves.push((new.id, other.id, *relation));
                }
                errs.finish()?;
            }
            Procedure::ChangeHead { former_head_relation } => {
                if head == Some(p.id) {
                    return Err(AppError::invalid("pin", Rule::HouseholdAlreadyHead));
                }
                if !adult(p, today) {
                    return Err(AppError::invalid("pin", Rule::HouseholdHeadAdult));
                }
                if *former_head_relation == HouseholdRelation::Head {
                    return Err(AppError::invalid("former_head_relation", Rule::HouseholdHasHead));
                }
                subjects.push(subject(p, "new_head"));
                // Every leave is written before any join (below), so the household never has
                // two current heads.
                if let Some(old) = head {
                    if let Some(o) = self.store.person_by_id(old).await? {
                        subjects.push(subject(&o.person, "former_head"));
                    }
                    moves.push((household.id, old, *former_head_relation));
                }
                moves.push((household.id, p.id, HouseholdRelation::Head));
            }
            Procedure::Adjust { relation } => {
                if head == Some(p.id) || *relation == HouseholdRelation::Head {
                    return Err(AppError::invalid("relation", Rule::HouseholdAlreadyHead));
                }
                if m.relation == *relation {
                    return Err(AppError::invalid("relation", Rule::HouseholdRelation));
                }
                subjects.push(subject(p, "subject"));
                moves.push((household.id, p.id, *relation));
            }
            _ => unreachable!("household procedures only"),
        }
        // Every leave before any join: a head stepping down frees the head's place first.
        for (_, person, _) in &moves {
            changes.residence.push(ResidenceWrite::Leave { household_id: household.id, person_id: *person, on: today });
        }
        for (target, person, relation) in moves {
            changes.residence.push(ResidenceWrite::Join(super::Membership {
                household_id: target,
                person_id: person,
                relation,
                valid_from: today,
                valid_to: None,
            }));
        }
        for s in &subjects {
            changes.audit.push(self.residence_audit(who, AuditAction::Update, s.person_id, "household", basis, None));
        }
        Ok(Plan { handling_unit: unit, subjects, household: Some(household.id), changes })
    }
}

/// The first day of the 12 months that end on `on` (the same day a year earlier; 28 February for
/// 29 February).
pub fn twelve_months_before(on: Date) -> Date {
    Date::from_calendar_date(on.year() - 1, on.month(), on.day())
        .or_else(|_| Date::from_calendar_date(on.year() - 1, on.month(), on.day() - 1))
        .unwrap_or(on)
}

/// The 12-month-absence rule (Art. 24.1(d)) as the register can see it, on day `on`: the person's
/// current permanent registration began at least 12 months earlier; the register shows them
/// living elsewhere at some time (a temporary registration in another commune); and no temporary
/// registration nor absence declaration covers any day of the last 12 months. Answers the last
/// day they were covered (the register's last trace of them), or `None` when the rule does not
/// apply. It only makes a candidate: an officer verifies and decides.
pub fn absence_rule(regs: &[super::Registration], absences: &[super::AbsenceDeclaration], on: Date) -> Option<Date> {
    let cut = twelve_months_before(on);
    let permanent = regs.iter().find(|r| r.is_current() && r.kind == RegistrationKind::Permanent)?;
    if permanent.valid_from > cut {
        return None;
    }
    let temporaries = regs.iter().filter(|r| r.kind == RegistrationKind::Temporary);
    if !temporaries.clone().any(|r| !rules::same_commune(&r.address, &permanent.address)) {
        return None;
    }
    // The last day each covered: the end of a term, the day before a deregistration.
    let last_days = temporaries
        .map(|r| {
            let until = r.valid_until.unwrap_or(Date::MAX);
            match r.ended_on.and_then(|e| e.previous_day()) {
                Some(e) => until.min(e),
                None => until,
            }
        })
        .chain(absences.iter().map(|a| a.valid_until.unwrap_or(Date::MAX)));
    let last = last_days.max()?;
    (last < cut).then_some(last)
}

/// A person the 12-month-absence rule points at, for an officer to decide.
#[derive(Clone, Debug)]
pub struct AbsenceCandidate {
    pub pin: PersonalNumber,
    pub name: String,
    pub registration: super::Registration,
    /// The last day a temporary registration or an absence declaration covered them.
    pub last_covered: Date,
}

/// Most candidates listed at once.
pub const MAX_CANDIDATES: u32 = 500;

impl App {
    /// The 12-month-absence rule's candidates in one commune on `on` (see [`absence_rule`]),
    /// for the commune police to verify and, if it holds, file a deregistration (reason
    /// `absent_12_months`, applicant `authority`). Every person listed is audited.
    pub async fn absence_candidates(
        &self,
        who: &Principal,
        commune: &UnitRef,
        on: Date,
    ) -> AppResult<Vec<AbsenceCandidate>> {
        if commune.catalogue() != Catalogue::Y2025 || catalogue().commune(Catalogue::Y2025, commune.code()).is_none() {
            return Err(AppError::invalid("commune", Rule::UnitNotCommune));
        }
        who.require_unit(Permission::RegisterResidence, commune)?;
        if on > self.clock.today() {
            return Err(AppError::invalid("on", Rule::DateInFuture));
        }
        let cut = iso(twelve_months_before(on));
        let mut out = Vec::new();
        let mut lines = Vec::new();
        for reg in self.store.absence_rule_candidates(&commune.to_string(), &cut, MAX_CANDIDATES).await? {
            let regs = self.store.registrations_of(reg.person_id).await?;
            let absences = self.store.absences_of(reg.person_id).await?;
            let Some(last_covered) = absence_rule(&regs, &absences, on) else { continue };
            let Some(p) = self.store.person_by_id(reg.person_id).await? else { continue };
            let mut line =
                self.residence_audit(who, AuditAction::Search, p.person.id, "absence_rule", LEGAL_BASIS, None);
            line.fields = "pin,name,residence".into();
            lines.push(line);
            out.push(AbsenceCandidate {
                pin: p.person.pin,
                name: p.person.birth_name.as_str().to_owned(),
                registration: reg,
                last_covered,
            });
        }
        if !lines.is_empty() {
            self.store.record_access(lines).await?;
        }
        Ok(out)
    }
}

/// What the residence dossiers' steps write: the approval applies the procedure.
pub struct ResidenceEffects;

#[async_trait]
impl DossierEffects for ResidenceEffects {
    async fn on_transition(
        &self,
        app: &App,
        who: &Principal,
        dossier: &Dossier,
        step: &'static TransitionSpec,
        _note: &str,
    ) -> AppResult<ChangeSet> {
        if step.action != "approve" {
            return Ok(ChangeSet::default());
        }
        let procedure = Procedure::decode(dossier.kind.code, &dossier.form).map_err(AppError::Internal)?;
        let first = dossier.subjects.first().ok_or_else(|| AppError::Internal("dossier without subject".into()))?;
        let stored = app.store.person_by_id(first.person_id).await?.ok_or(AppError::NotFound)?;
        let plan = app.residence_plan(who, &stored, &procedure, Some(dossier)).await?;
        if plan.handling_unit != dossier.handling_unit {
            // The address's commune changed hands since filing: the dossier belongs elsewhere.
            return Err(AppError::invalid("handling_unit", Rule::UnitNotCommune));
        }
        Ok(plan.changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn kinds_are_sound_and_forms_round_trip() {
        for k in KINDS {
            crate::workflow::check_kind(k).unwrap();
        }
        let addr = Address::new(UnitRef::parse("2025:26743").unwrap(), "12 Lê Lợi").unwrap();
        let pin = PersonalNumber::parse("079090001234").unwrap();
        let all = [
            Procedure::Permanent {
                address: addr.clone(),
                household: HouseholdChoice::Join {
                    household_id: Uuid::from_u128(7),
                    relation: HouseholdRelation::Wife,
                },
                proof: ResidenceProof::Rented { floor_area_m2: 24.5 },
            },
            Procedure::Permanent {
                address: addr.clone(),
                household: HouseholdChoice::New,
                proof: ResidenceProof::Owned,
            },
            Procedure::Temporary { address: addr, valid_until: date!(2027 - 01 - 01) },
            Procedure::Extension { valid_until: date!(2027 - 01 - 01) },
            Procedure::Absence {
                case: rules::absence_case("long_absence").unwrap(),
                from: date!(2026 - 01 - 01),
                until: None,
                destination: "Đà Nẵng".into(),
                reason: "làm việc".into(),
            },
            Procedure::DeregisterPermanent {
                reason: rules::deregistration_reason(RegistrationKind::Permanent, "settled_abroad").unwrap(),
                on: date!(2026 - 01 - 01),
            },
            Procedure::DeregisterTemporary {
                reason: rules::deregistration_reason(RegistrationKind::Temporary, "tenancy_ended").unwrap(),
                on: date!(2026 - 01 - 01),
            },
            Procedure::Split { members: vec![(pin, HouseholdRelation::Child)] },
            Procedure::ChangeHead { former_head_relation: HouseholdRelation::Father },
            Procedure::Adjust { relation: HouseholdRelation::Grandchild },
        ];
        for p in all {
            assert_eq!(Procedure::decode(p.kind_code(), &p.encode()).unwrap(), p);
        }
    }
}
