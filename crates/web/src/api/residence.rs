//! Residence: households with their members' history, a person's residence as of a date, and
//! the residence procedures as dossiers (filing and steps) at the commune police of the address.

use super::Errors;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiPath, ApiQuery, Caller, JsonBody};
use super::params::{dossier_of_kind, id_param, pin_param, take_step};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use dinhdanh_api::cards::{NextStep, StepLogEntry, StepRequest};
use dinhdanh_api::parse::{self, Check};
use dinhdanh_api::residence::*;
use dinhdanh_api::{ErrorKind, rfc3339};
use dinhdanh_app::residence::procedures::{KINDS, Procedure, ResidenceFiling};
use dinhdanh_app::residence::{HouseholdChoice, Registration};
use dinhdanh_app::workflow::{Applicant, ApplicantRelation, Dossier, DossierView};
use dinhdanh_domain::admin::catalogue;
use dinhdanh_domain::date::{iso, parse_full_date};
use dinhdanh_domain::error::{Invalid, Rule};
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_domain::residence::{self as rules, HouseholdRelation, RegistrationKind, ResidenceProof};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Residence procedures' kinds all start with `residence.`.
fn is_residence(kind: &str) -> bool {
    kind.starts_with("residence.")
}

fn date(s: &str) -> Result<time::Date, Rule> {
    parse_full_date(s.trim()).map_err(|_| Rule::DateFullRequired)
}

fn relation(s: &str) -> Result<HouseholdRelation, Rule> {
    HouseholdRelation::parse(s)
}

fn registration_body(r: &Registration) -> RegistrationBody {
    RegistrationBody {
        id: r.id,
        kind: r.kind.code().to_owned(),
        unit: r.address.unit.to_string(),
        unit_name: catalogue().display_name(&r.address.unit),
        detail: r.address.detail.clone(),
        household_id: r.household_id,
        valid_from: iso(r.valid_from),
        valid_until: r.valid_until.map(iso),
        ended_on: r.ended_on.map(iso),
        end_reason: r.end_reason.clone(),
    }
}

/// The request as a procedure; every broken rule of the request is reported at once.
pub(crate) fn parse_filing(req: &ResidenceDossierRequest) -> Result<ResidenceFiling, Invalid> {
    let mut c = Check::new();
    let pin = c.req("pin", &req.pin, PersonalNumber::parse);
    let kind = c.req("kind", &req.kind, |k| {
        let k = k.trim();
        let code = if k.starts_with("residence.") { k.to_owned() } else { format!("residence.{k}") };
        KINDS.iter().find(|x| x.code == code).map(|x| x.code).ok_or(Rule::DossierKind)
    });
    let a = req.applicant.clone().unwrap_or_default();
    let relation_code = a.relation.as_deref().map(str::trim).filter(|r| !r.is_empty()).unwrap_or("self");
    let applicant_relation = c.req("applicant.relation", &Some(relation_code.to_owned()), ApplicantRelation::parse);
    let applicant = Applicant {
        person_id: None,
        pin: c.opt("applicant.pin", &a.pin, PersonalNumber::parse),
        name: c.opt("applicant.name", &a.name, parse::text(200)).unwrap_or_default(),
        relation: applicant_relation.unwrap_or(ApplicantRelation::Subject),
        organisation: c.opt("applicant.reference", &a.reference, parse::text(200)).unwrap_or_default(),
        contact: c.opt("applicant.contact", &a.contact, parse::text(200)).unwrap_or_default(),
    };
    let address = |c: &mut Check| match &req.address {
        Some(a) => parse::address(c, "address", a, true),
        None => {
            c.push("address", Rule::Required);
            None
        }
    };
    let procedure = match kind {
        Some("residence.permanent") => {
            let address = address(&mut c);
            let household = match &req.household_id {
                None => Some(HouseholdChoice::New),
                Some(_) => {
                    let id = c.req("household_id", &req.household_id, |s| {
                        Uuid::parse_str(s.trim()).map_err(|_| Rule::HouseholdUnknown)
                    });
                    let rel = c.req("relation", &req.relation, relation);
                    id.zip(rel).map(|(household_id, relation)| HouseholdChoice::Join { household_id, relation })
                }
            };
            let proof = match req.proof.as_deref() {
                None => {
                    c.push("proof", Rule::Required);
                    None
                }
                Some(p) => match ResidenceProof::parse(p, req.floor_area_m2) {
                    Ok(p) => Some(p),
                    Err((field, rule)) => {
                        c.push(if field == "proof.kind" { "proof" } else { "floor_area_m2" }, rule);
                        None
                    }
                },
            };
            match (address, household, proof) {
                (Some(address), Some(household), Some(proof)) => {
                    Some(Procedure::Permanent { address, household, proof })
                }
                _ => None,
            }
        }
        Some("residence.temporary") => {
            let address = address(&mut c);
            let until = c.req("valid_until", &req.valid_until, date);
            address.zip(until).map(|(address, valid_until)| Procedure::Temporary { address, valid_until })
        }
        Some("residence.temporary_extension") => {
            c.req("valid_until", &req.valid_until, date).map(|valid_until| Procedure::Extension { valid_until })
        }
        Some("residence.absence") => {
            let case = c.req("case", &req.case, rules::absence_case);
            let from = c.req("from", &req.from, date);
            let until = c.opt("until", &req.until, date);
            let destination = c.req("destination", &req.destination, parse::nonblank(Rule::Required));
            let reason = c.req("reason", &req.reason, parse::nonblank(Rule::ReasonRequired));
            match (case, from, destination, reason) {
                (Some(case), Some(from), Some(destination), Some(reason)) => {
                    Some(Procedure::Absence { case, from, until, destination, reason })
                }
                _ => None,
            }
        }
        Some(k @ ("residence.deregister_permanent" | "residence.deregister_temporary")) => {
            let permanent = k == "residence.deregister_permanent";
            let reg_kind = if permanent { RegistrationKind::Permanent } else { RegistrationKind::Temporary };
            let reason = c.req("reason", &req.reason, |r| rules::deregistration_reason(reg_kind, r));
            let on = c.req("on", &req.on, date);
            reason.zip(on).map(|(reason, on)| {
                if permanent {
                    Procedure::DeregisterPermanent { reason, on }
                } else {
                    Procedure::DeregisterTemporary { reason, on }
                }
            })
        }
        Some("residence.household_split") => {
            let mut members = Vec::new();
            for (i, m) in req.members.iter().flatten().enumerate() {
                let p = c.req(&format!("members[{i}].pin"), &m.pin, PersonalNumber::parse);
                let r = c.req(&format!("members[{i}].relation"), &m.relation, relation);
                if let (Some(p), Some(r)) = (p, r) {
                    members.push((p, r));
                }
            }
            Some(Procedure::Split { members })
        }
        Some("residence.change_head") => c
            .req("former_head_relation", &req.former_head_relation, relation)
            .map(|former_head_relation| Procedure::ChangeHead { former_head_relation }),
        Some("residence.adjust") => {
            c.req("relation", &req.relation, relation).map(|relation| Procedure::Adjust { relation })
        }
        _ => None,
    };
    c.finish()?;
    match (pin, procedure) {
        (Some(pin), Some(procedure)) => Ok(ResidenceFiling { pin, procedure, applicant }),
        _ => Err(Invalid::one("", Rule::Required)),
    }
}

fn dossier_body(d: &Dossier, log: Option<&DossierView>) -> ResidenceDossier {
    let state = d.state();
    ResidenceDossier {
        id: d.id,
        code: d.code.clone(),
        kind: d.kind.code.to_owned(),
        kind_vi: d.kind.name_vi.to_owned(),
        kind_en: d.kind.name_en.to_owned(),
        status: d.status.to_owned(),
        status_vi: state.name_vi.to_owned(),
        status_en: state.name_en.to_owned(),
        subjects: d
            .subjects
            .iter()
            .map(|s| DossierSubjectBody { pin: s.pin.to_string(), name: s.name.clone(), role: s.role.clone() })
            .collect(),
        handling_unit: d.handling_unit.to_string(),
        applicant_relation: d.applicant.relation.code().to_owned(),
        applicant_name: d.applicant.name.clone(),
        form: serde_json::from_str(&d.form).unwrap_or_default(),
        received_at: rfc3339(d.received_at),
        deadline: d.deadline.map(iso),
        note: d.note.clone(),
        version: d.version,
        next_steps: d
            .kind
            .transitions_from(d.status)
            .map(|t| NextStep {
                action: t.action.to_owned(),
                name_vi: t.name_vi.to_owned(),
                name_en: t.name_en.to_owned(),
                note_required: t.note_required,
            })
            .collect(),
        log: log.map(|v| {
            v.transitions
                .iter()
                .map(|t| StepLogEntry {
                    at: rfc3339(t.at),
                    actor: t.actor.name.clone(),
                    action: t.action.clone(),
                    from_state: t.from_state.clone(),
                    to_state: t.to_state.clone(),
                    note: t.note.clone(),
                })
                .collect()
        }),
    }
}

/// Files a residence procedure as a dossier at the commune police of the address (officers of
/// that commune or above). The whole request is checked on current data, including who may
/// file for whom; nothing but the dossier is written until it is approved.
#[utoipa::path(post, path = "/api/v1/residence/dossiers", tag = "residence", request_body = ResidenceDossierRequest,
    responses((status = 201, description = "The dossier, received", body = ResidenceDossier), Errors))]
pub async fn file(
    caller: Caller,
    State(s): State<AppState>,
    JsonBody(req): JsonBody<ResidenceDossierRequest>,
) -> ApiResult<(axum::http::StatusCode, Json<ResidenceDossier>)> {
    let filing = parse_filing(&req)?;
    let d = s.app.file_residence(&caller.principal, filing).await?;
    Ok((axum::http::StatusCode::CREATED, Json(dossier_body(&d, None))))
}

/// A residence dossier with its log (officers of the handling commune; audited).
#[utoipa::path(get, path = "/api/v1/residence/dossiers/{id}", tag = "residence",
    params(("id" = String, Path, description = "Dossier id (UUID)")),
    responses((status = 200, description = "The dossier and its log", body = ResidenceDossier), Errors))]
pub async fn dossier(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ResidenceDossier>> {
    let view = dossier_of_kind(&s, &caller, &id, is_residence).await?;
    Ok(Json(dossier_body(&view.dossier, Some(&view))))
}

/// Takes one step: `start`, `request_supplement`, `supplement_received`, `approve` (supervisors;
/// applies the change with its events, after checking it again), `refuse` (supervisors, with
/// the reason), `return_result`, `withdraw`.
#[utoipa::path(post, path = "/api/v1/residence/dossiers/{id}/steps", tag = "residence",
    params(("id" = String, Path, description = "Dossier id (UUID)")), request_body = StepRequest,
    responses((status = 200, description = "The dossier after the step", body = ResidenceDossier), Errors))]
pub async fn step(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    JsonBody(req): JsonBody<StepRequest>,
) -> ApiResult<Json<ResidenceDossier>> {
    let d = take_step(&s, &caller, &id, is_residence, &req).await?;
    Ok(Json(dossier_body(&d, None)))
}

/// A household with every membership, past and current (officers whose jurisdiction covers its
/// address; a read of every member, audited).
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "residence",
    params(("id" = String, Path, description = "Household id (UUID)")),
    responses((status = 200, description = "The household and its members' history", body = HouseholdBody), Errors))]
pub async fn household(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<HouseholdBody>> {
    let v = s.app.household_view(&caller.principal, id_param(&id)?).await?;
    let h = &v.household;
    Ok(Json(HouseholdBody {
        id: h.id,
        unit: h.address.unit.to_string(),
        unit_name: catalogue().display_name(&h.address.unit),
        detail: h.address.detail.clone(),
        members: v
            .members
            .iter()
            .map(|(m, p)| HouseholdMemberBody {
                pin: p.pin.to_string(),
                name: p.birth_name.as_str().to_owned(),
                relation: m.relation.code().to_owned(),
                relation_vi: m.relation.name_vi().to_owned(),
                valid_from: iso(m.valid_from),
                valid_to: m.valid_to.map(iso),
            })
            .collect(),
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResidenceQuery {
    /// The day asked (YYYY-MM-DD); today when absent.
    pub on: Option<String>,
}

/// Where a person lived on a date: permanent and temporary registrations then, the household,
/// and every registration with its dates. Audited.
#[utoipa::path(get, path = "/api/v1/persons/{pin}/residence", tag = "residence",
    params(("pin" = String, Path, description = "12-digit PIN", pattern = r"^[0-9]{12}$"), ResidenceQuery),
    responses((status = 200, description = "The residence on that day", body = ResidenceAsOfBody), Errors))]
pub async fn residence_as_of(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
    ApiQuery(q): ApiQuery<ResidenceQuery>,
) -> ApiResult<Json<ResidenceAsOfBody>> {
    let pin = pin_param(&pin)?;
    let on = match q.on.as_deref() {
        Some(d) => date(d).map_err(|r| ApiError::invalid("on", r))?,
        None => s.app.clock.today(),
    };
    let r = s.app.residence_as_of(&caller.principal, &pin, on).await?;
    Ok(Json(ResidenceAsOfBody {
        pin: pin.to_string(),
        on: iso(on),
        permanent: r.permanent.as_ref().map(registration_body),
        temporary: r.temporary.iter().map(registration_body).collect(),
        household_id: r.household.as_ref().map(|(h, _)| h.id),
        relation: r.household.as_ref().map(|(_, m)| m.relation.code().to_owned()),
        history: r.history.iter().map(registration_body).collect(),
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidatesQuery {
    /// The commune (2025 code, `26743`).
    pub commune: Option<String>,
    /// The day of the examination (YYYY-MM-DD); today when absent.
    pub on: Option<String>,
}

/// The 12-month-absence rule's candidates of one commune: persons permanently registered there
/// for 12 months or more whom the register once showed living elsewhere (a temporary
/// registration in another commune) and whom no temporary registration or absence declaration
/// has covered in the last 12 months. For the commune police to verify and decide (a
/// `deregister_permanent` dossier with reason `absent_12_months`, applicant `authority`).
/// Every person listed is audited.
#[utoipa::path(get, path = "/api/v1/residence/absence-candidates", tag = "residence", params(CandidatesQuery),
    responses((status = 200, description = "The candidates, oldest registration first", body = AbsenceCandidatesBody), Errors))]
pub async fn absence_candidates(
    caller: Caller,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<CandidatesQuery>,
) -> ApiResult<Json<AbsenceCandidatesBody>> {
    let mut c = Check::new();
    let commune = c.req("commune", &q.commune, |code| {
        dinhdanh_domain::admin::UnitRef::new(dinhdanh_domain::admin::Catalogue::Y2025, code.trim())
            .map_err(|e| parse::unit_rule(&e))
    });
    let on = c.opt("on", &q.on, date);
    c.finish()?;
    let commune = commune.ok_or_else(|| ApiError::invalid("commune", Rule::Required))?;
    let on = on.unwrap_or_else(|| s.app.clock.today());
    let list = s.app.absence_candidates(&caller.principal, &commune, on).await?;
    Ok(Json(AbsenceCandidatesBody {
        commune: commune.to_string(),
        on: iso(on),
        since: iso(dinhdanh_app::residence::procedures::twelve_months_before(on)),
        candidates: list
            .iter()
            .map(|a| AbsenceCandidateBody {
                pin: a.pin.to_string(),
                name: a.name.clone(),
                registration: registration_body(&a.registration),
                last_covered: iso(a.last_covered),
            })
            .collect(),
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversionQuery {
    /// The officer's choice among the candidates (a 2025 commune code).
    pub choice: Option<String>,
}

fn conversion_commune(c: &dinhdanh_domain::admin::Commune) -> ConversionCommune {
    ConversionCommune { unit: c.unit_ref().to_string(), name: catalogue().display_name(&c.unit_ref()) }
}

/// Converts a pre-2025 commune to the 2025 catalogue with the official conversion table. Where
/// the old commune was divided (or the table has no row for it) nothing is guessed: the answer
/// lists the candidates, and the officer asks again with `choice`, which is accepted only if it
/// is one of them.
#[utoipa::path(get, path = "/api/v1/admin-units/legacy-communes/{code}/conversion", tag = "admin-units",
    params(("code" = String, Path, description = "Pre-2025 commune code (5 digits)"), ConversionQuery),
    responses((status = 200, description = "The 2025 commune, or the candidates to choose among", body = ConversionBody), Errors))]
pub async fn convert(
    _caller: Caller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<ConversionQuery>,
) -> ApiResult<Json<ConversionBody>> {
    use dinhdanh_domain::residence::AddressConversion;
    let old = catalogue()
        .commune(dinhdanh_domain::admin::Catalogue::Legacy, code.trim())
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound))?;
    let answer =
        rules::convert_old_commune(old.code, q.choice.as_deref()).map_err(|r| ApiError::invalid("choice", r))?;
    let notes = catalogue().conversion_rows(old.code).iter().map(|r| r.note.to_owned()).collect();
    let (status, commune, candidates) = match answer {
        AddressConversion::Converted(c) => ("converted", Some(conversion_commune(c)), Vec::new()),
        AddressConversion::Choose { split, candidates } => (
            if split { "choose_split" } else { "choose_unlisted" },
            None,
            candidates.into_iter().map(conversion_commune).collect(),
        ),
    };
    Ok(Json(ConversionBody {
        old_unit: old.unit_ref().to_string(),
        old_name: catalogue().display_name(&old.unit_ref()),
        status: status.to_owned(),
        commune,
        candidates,
        notes,
    }))
}
