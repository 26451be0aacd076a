//! Persons: audited reads, history, search, birth registration and life events.

use super::error::ApiResult;
use super::extract::{ApiPath, ApiQuery, Caller, JsonBody};
use super::params::pin_param;
use super::{Errors, remap_fields};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dinhdanh_api::person::{
    BirthOutcome, BirthResult, EventResult, History, HistoryEntry, Person, PersonSummary, SearchPage, UpdatedPerson,
};
use dinhdanh_api::requests::{
    BirthRequest, CorrectionRequest, DatedEventRequest, ParsedMeta, ParsedParent, PersonQuery, SearchParams,
    SpouseEventRequest,
};
use dinhdanh_api::rfc3339;
use dinhdanh_app::ports::StoredPerson;
use dinhdanh_app::register::{BirthDraft, BirthResult as AppBirth, EventMeta, ParentDraft, SearchInput};
use dinhdanh_domain::date::iso;

fn event_meta(m: ParsedMeta) -> EventMeta {
    EventMeta { legal_basis: m.legal_basis, reason: m.reason }
}

fn event_result(kind: &str, updated: &[StoredPerson]) -> Json<EventResult> {
    Json(EventResult {
        event: kind.to_owned(),
        updated: updated.iter().map(|s| UpdatedPerson::new(&s.person, s.version)).collect(),
    })
}

/// Reads one person, optionally as the record held on a date. Every read is audited.
#[utoipa::path(get, path = "/api/v1/persons/{pin}", tag = "persons",
    params(("pin" = String, Path, description = "Current or cancelled 12-digit PIN", pattern = r"^[0-9]{12}$"), PersonQuery),
    responses((status = 200, description = "The person", body = Person), Errors))]
pub async fn person(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
    ApiQuery(q): ApiQuery<PersonQuery>,
) -> ApiResult<Json<Person>> {
    let pin = pin_param(&pin)?;
    let (as_of, purpose) = q.parse()?;
    let view = s.app.person(&caller.principal, &pin, as_of, purpose.as_deref()).await?;
    Ok(Json(Person::new(&view.stored.person, view.stored.version, view.as_of)))
}

/// The change history of a person, newest first; reading it is audited.
#[utoipa::path(get, path = "/api/v1/persons/{pin}/history", tag = "persons",
    params(("pin" = String, Path, description = "Current or cancelled 12-digit PIN", pattern = r"^[0-9]{12}$")),
    responses((status = 200, description = "Events that changed the record", body = History), Errors))]
pub async fn history(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
) -> ApiResult<Json<History>> {
    let pin = pin_param(&pin)?;
    let entries = s.app.history(&caller.principal, &pin).await?;
    Ok(Json(History {
        pin: pin.to_string(),
        entries: entries
            .iter()
            .map(|h| HistoryEntry {
                event_id: h.event_id,
                event_kind: h.event_kind.code().to_owned(),
                effective_date: iso(h.effective_date),
                recorded_at: rfc3339(h.recorded_at),
                actor: h.actor.clone(),
                legal_basis: h.legal_basis.clone(),
                reason: h.reason.clone(),
                changes: h.changes.iter().map(Into::into).collect(),
            })
            .collect(),
    }))
}

/// Searches by PIN or name words inside the caller's jurisdiction. Every hit is audited.
#[utoipa::path(get, path = "/api/v1/persons", tag = "persons", params(SearchParams),
    responses((status = 200, description = "One page of matches", body = SearchPage), Errors))]
pub async fn search(
    caller: Caller,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchPage>> {
    let p = q.parse()?;
    let input = SearchInput {
        q: p.q,
        birth_year: p.birth_year,
        date_of_birth: p.date_of_birth,
        sex: p.sex,
        province: p.province,
        page: Some(p.page - 1),
        page_size: Some(p.per_page),
    };
    let page = s.app.search(&caller.principal, input).await?;
    Ok(Json(SearchPage {
        total: page.total,
        page: p.page,
        per_page: p.per_page,
        items: page
            .items
            .iter()
            .map(|i| PersonSummary {
                pin: i.pin.to_string(),
                name: i.name.clone(),
                date_of_birth: i.date_of_birth.clone(),
                sex: i.sex.into(),
                status: i.status.to_owned(),
            })
            .collect(),
    }))
}

fn parent_draft(p: ParsedParent) -> ParentDraft {
    ParentDraft { pin: p.pin, name: p.name, cmnd9: p.cmnd9, nationality: p.nationality }
}

/// Registers a birth: a new person with a new PIN, linked to the parents (201); or, when a record
/// with the same name, date of birth, sex and mother exists, a case for an officer (202).
#[utoipa::path(post, path = "/api/v1/births", tag = "events", request_body = BirthRequest,
    responses(
        (status = 201, description = "Registered; `Location` names the new person", body = BirthResult),
        (status = 202, description = "A possible duplicate: sent to adjudication", body = BirthResult),
        Errors))]
pub async fn register_birth(
    caller: Caller,
    State(s): State<AppState>,
    JsonBody(req): JsonBody<BirthRequest>,
) -> ApiResult<Response> {
    let b = req.parse()?;
    let draft = BirthDraft {
        birth_name: b.birth_name,
        date_of_birth: b.date_of_birth,
        sex: b.sex,
        place_of_birth: b.place_of_birth,
        registration: b.registration,
        hometown: b.hometown,
        ethnicity: b.ethnicity,
        religion: b.religion,
        nationality: b.nationality,
        father: b.father.map(parent_draft),
        mother: b.mother.map(parent_draft),
        permanent_residence: b.permanent_residence,
        current_residence: b.current_residence,
        legal_basis: b.legal_basis,
    };
    match s.app.register_birth(&caller.principal, draft).await? {
        AppBirth::Registered(stored) => {
            let body = BirthResult {
                outcome: BirthOutcome::Registered,
                person: Some(Person::new(&stored.person, stored.version, None)),
                case_id: None,
            };
            let mut resp = (StatusCode::CREATED, Json(body)).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/persons/{}", stored.person.pin)) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            Ok(resp)
        }
        AppBirth::NeedsAdjudication(id) => {
            let body = BirthResult { outcome: BirthOutcome::NeedsAdjudication, person: None, case_id: Some(id) };
            Ok((StatusCode::ACCEPTED, Json(body)).into_response())
        }
    }
}

/// The domain names the spouses `spouse_a` / `spouse_b`; the request names them `pin` (path)
/// and `spouse_pin`.
const SPOUSE_FIELDS: &[(&str, &str)] = &[("spouse_a", "pin"), ("spouse_b", "spouse_pin")];

/// Records a marriage between the person of the path and `spouse_pin`.
#[utoipa::path(post, path = "/api/v1/persons/{pin}/events/marriage", tag = "events",
    params(("pin" = String, Path, description = "PIN of one spouse", pattern = r"^[0-9]{12}$")), request_body = SpouseEventRequest,
    responses((status = 200, description = "Both records changed", body = EventResult), Errors))]
pub async fn marriage(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
    JsonBody(req): JsonBody<SpouseEventRequest>,
) -> ApiResult<Json<EventResult>> {
    let a = pin_param(&pin)?;
    let (b, date, meta) = req.parse()?;
    let out = s
        .app
        .marry(&caller.principal, a, b, date, event_meta(meta))
        .await
        .map_err(|e| remap_fields(e, SPOUSE_FIELDS))?;
    Ok(event_result("marriage", &out))
}

/// Records a divorce between the person of the path and `spouse_pin`.
#[utoipa::path(post, path = "/api/v1/persons/{pin}/events/divorce", tag = "events",
    params(("pin" = String, Path, description = "PIN of one spouse", pattern = r"^[0-9]{12}$")), request_body = SpouseEventRequest,
    responses((status = 200, description = "Both records changed", body = EventResult), Errors))]
pub async fn divorce(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
    JsonBody(req): JsonBody<SpouseEventRequest>,
) -> ApiResult<Json<EventResult>> {
    let a = pin_param(&pin)?;
    let (b, date, meta) = req.parse()?;
    let out = s
        .app
        .divorce(&caller.principal, a, b, date, event_meta(meta))
        .await
        .map_err(|e| remap_fields(e, SPOUSE_FIELDS))?;
    Ok(event_result("divorce", &out))
}

/// Records a death; a surviving spouse becomes widowed in the same event.
#[utoipa::path(post, path = "/api/v1/persons/{pin}/events/death", tag = "events",
    params(("pin" = String, Path, description = "PIN of the deceased", pattern = r"^[0-9]{12}$")), request_body = DatedEventRequest,
    responses((status = 200, description = "Records changed", body = EventResult), Errors))]
pub async fn death(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
    JsonBody(req): JsonBody<DatedEventRequest>,
) -> ApiResult<Json<EventResult>> {
    let pin = pin_param(&pin)?;
    let (date, meta) = req.parse()?;
    let out = s.app.record_death(&caller.principal, pin, date, event_meta(meta)).await?;
    Ok(event_result("death", &out))
}

/// Records a court's declaration that the person is missing.
#[utoipa::path(post, path = "/api/v1/persons/{pin}/events/missing", tag = "events",
    params(("pin" = String, Path, description = "PIN of the person", pattern = r"^[0-9]{12}$")), request_body = DatedEventRequest,
    responses((status = 200, description = "Record changed", body = EventResult), Errors))]
pub async fn missing(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
    JsonBody(req): JsonBody<DatedEventRequest>,
) -> ApiResult<Json<EventResult>> {
    let pin = pin_param(&pin)?;
    let (date, meta) = req.parse()?;
    let out = s.app.declare_missing(&caller.principal, pin, date, event_meta(meta)).await?;
    Ok(event_result("declared_missing", &out))
}

/// Corrects recorded data (supervisors). When the corrected sex or year of birth no longer
/// matches the PIN, a new PIN is established in the same transaction and the old one cancelled;
/// relatives' links follow.
#[utoipa::path(post, path = "/api/v1/persons/{pin}/events/correction", tag = "events",
    params(("pin" = String, Path, description = "PIN of the person", pattern = r"^[0-9]{12}$")), request_body = CorrectionRequest,
    responses((status = 200, description = "Records changed; the subject first, with its (new) PIN",
        body = EventResult), Errors))]
pub async fn correction(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
    JsonBody(req): JsonBody<CorrectionRequest>,
) -> ApiResult<Json<EventResult>> {
    let pin = pin_param(&pin)?;
    let (correction, meta) = req.parse()?;
    let out = s.app.correct(&caller.principal, pin, correction, event_meta(meta), req.reestablish_pin).await?;
    let reestablished = out.first().is_some_and(|p| p.person.pin != pin);
    Ok(event_result(if reestablished { "pin_reestablishment" } else { "correction" }, &out))
}
