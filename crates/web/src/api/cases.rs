//! Adjudication: possible duplicates waiting for an officer's decision.

use super::Errors;
use super::error::{ApiError, ApiResult, fields};
use super::extract::{ApiPath, ApiQuery, Caller, JsonBody};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use dinhdanh_api::accounts::{Case, CaseCandidate};
use dinhdanh_api::person::BirthRegistration;
use dinhdanh_api::requests::{CasesQuery, DecisionRequest, ParsedDecision};
use dinhdanh_api::{ErrorKind, rfc3339};
use dinhdanh_app::ports::Candidate;
use dinhdanh_app::ports::{AdjudicationCase, CaseStatus};
use dinhdanh_app::register::Decision;

fn candidate(c: &Candidate) -> CaseCandidate {
    match c {
        Candidate::Birth(d) => CaseCandidate {
            source: "birth".to_owned(),
            birth_name: d.birth_name.to_string(),
            date_of_birth: dinhdanh_domain::date::iso(d.date_of_birth),
            sex: d.sex.into(),
            mother_name: d.mother.as_ref().and_then(|m| m.name.as_ref()).map(|n| n.to_string()),
            registration: Some(BirthRegistration::from(&d.registration)),
            pin: None,
        },
        Candidate::Import(p) => CaseCandidate {
            source: "import".to_owned(),
            birth_name: p.birth_name.to_string(),
            date_of_birth: p.date_of_birth.to_string(),
            sex: p.sex.into(),
            mother_name: p.mother_name().map(|n| n.to_string()),
            registration: p.birth_registration.as_ref().map(BirthRegistration::from),
            pin: Some(p.pin.to_string()),
        },
    }
}

pub fn case_body(c: &AdjudicationCase) -> Case {
    Case {
        id: c.id,
        status: c.status.code().to_owned(),
        created_at: rfc3339(c.created_at),
        created_by: c.created_by.name.clone(),
        candidate: candidate(&c.candidate),
        matches: c.matches.iter().map(|m| m.0).collect(),
        decided_by: c.decided_by.as_ref().map(|a| a.name.clone()),
        decided_at: c.decided_at.map(rfc3339),
        decision_note: c.decision_note.clone(),
        person_id: c.person_id.map(|p| p.0),
        source_line: c.source_line,
    }
}

/// Cases inside the caller's jurisdiction (supervisors, clients with `adjudication`).
#[utoipa::path(get, path = "/api/v1/adjudication", tag = "adjudication", params(CasesQuery),
    responses((status = 200, description = "Cases, newest first", body = Vec<Case>), Errors))]
pub async fn list(
    caller: Caller,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<CasesQuery>,
) -> ApiResult<Json<Vec<Case>>> {
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(t) => Some(
            CaseStatus::parse(t).ok_or_else(|| ApiError::field(ErrorKind::Invalid, fields::case_status("status")))?,
        ),
    };
    let cases = s.app.cases(&caller.principal, status).await?;
    Ok(Json(cases.iter().map(case_body).collect()))
}

#[utoipa::path(get, path = "/api/v1/adjudication/{id}", tag = "adjudication",
    params(("id" = String, Path, description = "Case id (UUID)")),
    responses((status = 200, description = "The case", body = Case), Errors))]
pub async fn get(caller: Caller, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult<Json<Case>> {
    let id = super::params::id_param(&id)?;
    Ok(Json(case_body(&s.app.case(&caller.principal, id).await?)))
}

/// Decides a case: `create` registers the record after all, `duplicate` closes it.
#[utoipa::path(post, path = "/api/v1/adjudication/{id}/decision", tag = "adjudication",
    params(("id" = String, Path, description = "Case id (UUID)")), request_body = DecisionRequest,
    responses((status = 200, description = "The decided case", body = Case), Errors))]
pub async fn decide(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    JsonBody(req): JsonBody<DecisionRequest>,
) -> ApiResult<Json<Case>> {
    let id = super::params::id_param(&id)?;
    let (decision, note) = req.parse()?;
    let decision = match decision {
        ParsedDecision::Create => Decision::Create,
        ParsedDecision::Duplicate => Decision::Duplicate,
    };
    Ok(Json(case_body(&s.app.decide(&caller.principal, id, decision, &note).await?)))
}
