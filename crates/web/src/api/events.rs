//! Event subscriptions of other agencies (administrators): register, approve, suspend, queues,
//! dead letters and replay. Deliveries themselves leave through [`crate::webhooks`].

use super::Errors;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiPath, Caller, JsonBody};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dinhdanh_api::events::{
    DeadLetter, NewSubscriptionRequest, NewSubscriptionResponse, ReplayRequest, Requeued, Subscription,
};
use dinhdanh_api::rfc3339;
use dinhdanh_app::outbox::{self, NewSubscription, QueueCounts, ReplayFrom};
use dinhdanh_domain::error::Rule;

fn body(s: &outbox::Subscription, q: QueueCounts) -> Subscription {
    Subscription {
        id: s.id,
        name: s.name.clone(),
        url: s.url.clone(),
        kinds: s.kinds.iter().map(|k| k.code().to_owned()).collect(),
        fields: s.fields.clone(),
        legal_basis: s.legal_basis.clone(),
        status: s.status.code().to_owned(),
        created_by: s.created_by.name.clone(),
        created_at: rfc3339(s.created_at),
        approved_by: s.approved_by.as_ref().map(|a| a.name.clone()),
        approved_at: s.approved_at.map(rfc3339),
        pending: q.pending,
        delivered: q.delivered,
        dead: q.dead,
    }
}

/// Every event subscription with its queue sizes.
#[utoipa::path(get, path = "/api/v1/admin/subscriptions", tag = "admin",
    responses((status = 200, description = "Every subscription", body = Vec<Subscription>), Errors))]
pub async fn list(caller: Caller, State(s): State<AppState>) -> ApiResult<Json<Vec<Subscription>>> {
    Ok(Json(s.app.subscriptions(&caller.principal).await?.iter().map(|(x, q)| body(x, *q)).collect()))
}

/// Registers an agency's subscription; it receives nothing until an administrator approves it.
/// The signing secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/admin/subscriptions", tag = "admin", request_body = NewSubscriptionRequest,
    responses((status = 201, description = "The subscription (pending) and its secret", body = NewSubscriptionResponse), Errors))]
pub async fn create(
    caller: Caller,
    State(s): State<AppState>,
    JsonBody(req): JsonBody<NewSubscriptionRequest>,
) -> ApiResult<(StatusCode, Json<NewSubscriptionResponse>)> {
    let (sub, secret) = s
        .app
        .create_subscription(
            &caller.principal,
            NewSubscription {
                name: req.name.unwrap_or_default(),
                url: req.url.unwrap_or_default(),
                kinds: req.kinds,
                fields: req.fields,
                legal_basis: req.legal_basis.unwrap_or_default(),
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewSubscriptionResponse { subscription: body(&sub, QueueCounts::default()), secret }),
    ))
}

/// One subscription with its queue sizes.
#[utoipa::path(get, path = "/api/v1/admin/subscriptions/{id}", tag = "admin",
    params(("id" = String, Path, description = "Subscription id (UUID)")),
    responses((status = 200, description = "The subscription", body = Subscription), Errors))]
pub async fn get(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Subscription>> {
    let (x, q) = s.app.subscription(&caller.principal, super::params::id_param(&id)?).await?;
    Ok(Json(body(&x, q)))
}

/// Approves a pending or suspended subscription: events committed from now on are delivered to it.
#[utoipa::path(post, path = "/api/v1/admin/subscriptions/{id}/approve", tag = "admin",
    params(("id" = String, Path, description = "Subscription id (UUID)")),
    responses((status = 200, description = "Approved", body = Subscription), Errors))]
pub async fn approve(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Subscription>> {
    let id = super::params::id_param(&id)?;
    let x = s.app.approve_subscription(&caller.principal, id).await?;
    let (_, q) = s.app.subscription(&caller.principal, id).await?;
    Ok(Json(body(&x, q)))
}

/// Suspends a subscription: nothing is delivered to it; its queue is kept.
#[utoipa::path(post, path = "/api/v1/admin/subscriptions/{id}/suspend", tag = "admin",
    params(("id" = String, Path, description = "Subscription id (UUID)")),
    responses((status = 200, description = "Suspended", body = Subscription), Errors))]
pub async fn suspend(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Subscription>> {
    let id = super::params::id_param(&id)?;
    let x = s.app.suspend_subscription(&caller.principal, id).await?;
    let (_, q) = s.app.subscription(&caller.principal, id).await?;
    Ok(Json(body(&x, q)))
}

/// Events given up on after the last retry, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/subscriptions/{id}/dead-letters", tag = "admin",
    params(("id" = String, Path, description = "Subscription id (UUID)")),
    responses((status = 200, description = "The dead letters", body = Vec<DeadLetter>), Errors))]
pub async fn dead_letters(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<DeadLetter>>> {
    let list = s.app.dead_letters(&caller.principal, super::params::id_param(&id)?).await?;
    Ok(Json(
        list.into_iter()
            .map(|d| DeadLetter {
                sequence: d.seq,
                event_id: d.event_id,
                kind: d.kind,
                occurred_at: rfc3339(d.occurred_at),
                attempts: d.attempts,
                last_error: d.last_error,
                last_attempt_at: d.last_attempt_at.map(rfc3339),
            })
            .collect(),
    ))
}

/// Queues every dead letter of the subscription again.
#[utoipa::path(post, path = "/api/v1/admin/subscriptions/{id}/dead-letters/redeliver", tag = "admin",
    params(("id" = String, Path, description = "Subscription id (UUID)")),
    responses((status = 200, description = "How many were queued", body = Requeued), Errors))]
pub async fn redeliver(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Requeued>> {
    Ok(Json(Requeued { queued: s.app.redeliver_dead(&caller.principal, super::params::id_param(&id)?).await? }))
}

/// Sends again every event of the subscription's kinds from a point on (receivers de-duplicate
/// on `webhook-id`).
#[utoipa::path(post, path = "/api/v1/admin/subscriptions/{id}/replay", tag = "admin", request_body = ReplayRequest,
    params(("id" = String, Path, description = "Subscription id (UUID)")),
    responses((status = 200, description = "How many were queued", body = Requeued), Errors))]
pub async fn replay(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    JsonBody(req): JsonBody<ReplayRequest>,
) -> ApiResult<Json<Requeued>> {
    let from = match (req.from_sequence, req.from_time.as_deref()) {
        (Some(q), None) => ReplayFrom::Seq(q),
        (None, Some(t)) => ReplayFrom::Time(
            time::OffsetDateTime::parse(t.trim(), &time::format_description::well_known::Rfc3339)
                .map_err(|_| ApiError::invalid("from_time", Rule::DateFormat))?,
        ),
        _ => return Err(ApiError::invalid("from_sequence", Rule::ReplayFrom)),
    };
    Ok(Json(Requeued { queued: s.app.replay(&caller.principal, super::params::id_param(&id)?, from).await? }))
}
