//! Stay notifications (lưu trú): hosts' batches (API clients with `stays:write`, officers) and the
//! commune police's list.

use super::Errors;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiQuery, Caller, JsonBody};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dinhdanh_api::rfc3339;
use dinhdanh_api::stays::{self as wire, StayBatchRequest, StayBatchResponse, StayListQuery};
use dinhdanh_app::stay::{self, StayNotification};
use dinhdanh_domain::date::{iso, parse_full_date};
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::stay::{HostKind, VIETNAM};
use time::{Duration, Time};

fn body(n: &StayNotification) -> wire::StayNotification {
    wire::StayNotification {
        id: n.id,
        batch_id: n.batch_id,
        pin: n.pin.to_string(),
        name: n.guest_name.clone(),
        host_kind: n.host_kind.code().to_owned(),
        host_name: n.host_name.clone(),
        place_unit: n.place.unit.to_string(),
        place_detail: n.place.detail.clone(),
        arrival_at: rfc3339(n.arrival_at.to_offset(VIETNAM)),
        departure_on: iso(n.departure_on),
        reason: n.reason.clone(),
        deadline: rfc3339(n.deadline.to_offset(VIETNAM)),
        notified_at: rfc3339(n.notified_at.to_offset(VIETNAM)),
        late: n.late,
        notified_by: n.notified_by.name.clone(),
    }
}

/// Notifies the stays of 1 to 100 guests at once (thông báo lưu trú, Law on Residence Art. 30).
/// All or nothing: every guest is checked (known and living, the name as the register holds it,
/// a stay of fewer than 30 days, a commune of the 2025 catalogue inside the caller's
/// jurisdiction) and if any fails, the 422 lists each error as `guests[i].field` and nothing is
/// stored. Late notifications are accepted and flagged `late`. Each guest is audited.
#[utoipa::path(post, path = "/api/v1/stays", tag = "stays", request_body = StayBatchRequest,
    responses(
        (status = 201, description = "Stored", body = StayBatchResponse),
        (status = 200, description = "Stored earlier under the same idempotency key (`replayed`)", body = StayBatchResponse),
        Errors))]
pub async fn notify(
    caller: Caller,
    State(s): State<AppState>,
    JsonBody(req): JsonBody<StayBatchRequest>,
) -> ApiResult<(StatusCode, Json<StayBatchResponse>)> {
    let batch = stay::StayBatchRequest {
        idempotency_key: req.idempotency_key,
        host_kind: req.host_kind.as_deref().map_or(Err(Rule::Required), HostKind::parse),
        host_name: req.host_name.unwrap_or_default(),
        guests: req.guests.iter().map(wire::guest).collect(),
    };
    let out = s.app.notify_stays(&caller.principal, batch).await?;
    let status = if out.replayed { StatusCode::OK } else { StatusCode::CREATED };
    let b = out.batch;
    Ok((
        status,
        Json(StayBatchResponse {
            batch_id: b.id,
            idempotency_key: b.idempotency_key.clone(),
            replayed: out.replayed,
            late: b.notifications.iter().filter(|n| n.late).count(),
            notifications: b.notifications.iter().map(body).collect(),
        }),
    ))
}

/// Stay notifications of arrivals in a period, for the commune police of the place (officers;
/// a commune officer sees the commune's, a province officer the province's). Every listed guest
/// is audited.
#[utoipa::path(get, path = "/api/v1/stays", tag = "stays", params(StayListQuery),
    responses((status = 200, description = "Newest arrival first", body = Vec<wire::StayNotification>), Errors))]
pub async fn list(
    caller: Caller,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<StayListQuery>,
) -> ApiResult<Json<Vec<wire::StayNotification>>> {
    let day = |field: &str, v: &Option<String>| -> ApiResult<Option<time::Date>> {
        match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => parse_full_date(v).map(Some).map_err(|r| ApiError::invalid(field, r)),
        }
    };
    let from = day("from", &q.from)?.unwrap_or_else(|| s.app.clock.today());
    let to = day("to", &q.to)?.unwrap_or(from);
    let limit = match q.limit.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => 100,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=stay::MAX_LIST).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", Rule::Page))?,
    };
    let start = from.with_time(Time::MIDNIGHT).assume_offset(VIETNAM);
    let end = to.with_time(Time::MIDNIGHT).assume_offset(VIETNAM) + Duration::days(1);
    let list = s.app.stays(&caller.principal, q.commune.as_deref(), start, end, limit).await?;
    Ok(Json(list.iter().map(body).collect()))
}
