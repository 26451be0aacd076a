//! Residence confirmations: issued by officers, verified by anyone, printed from the officers'
//! pages (`/residence-confirmations/{id}`, `pages/confirmation.rs`).

use super::error::{ApiError, ApiResult};
use super::extract::{ApiPath, Caller, JsonBody};
use super::{Errors, PublicErrors};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dinhdanh_api::confirmations::{
    ConfirmationDocument, ConfirmationResponse, ConfirmationVerifyRequest, ConfirmationVerifyResponse, HouseholdLine,
    ResidenceLine,
};
use dinhdanh_api::{ErrorKind, rfc3339};
use dinhdanh_app::auth::Principal;
use dinhdanh_app::residence_confirmation::{self as rc, ConfirmationClaims, IssuedConfirmation};
use dinhdanh_domain::date::iso;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_domain::stay::VIETNAM;

fn line(l: &rc::ResidenceLine) -> ResidenceLine {
    ResidenceLine {
        kind: l.kind.clone(),
        unit: l.unit.clone(),
        address: l.address.clone(),
        from: iso(l.from),
        to: l.to.map(iso),
        until: l.until.map(iso),
    }
}

pub fn document(c: &ConfirmationClaims) -> ConfirmationDocument {
    ConfirmationDocument {
        id: c.id,
        pin: c.pin.clone(),
        name: c.name.clone(),
        date_of_birth: c.date_of_birth.clone(),
        current: c.current.iter().map(line).collect(),
        earlier: c.earlier.iter().map(line).collect(),
        household: c.household.as_ref().map(|h| HouseholdLine {
            id: h.id,
            address: h.address.clone(),
            relation: h.relation.clone(),
            relation_vi: h.relation_vi.clone(),
            since: iso(h.since),
        }),
        issuer: c.issuer.clone(),
        issued_at: rfc3339(c.issued_at.to_offset(VIETNAM)),
        expires_at: rfc3339(c.expires_at.to_offset(VIETNAM)),
    }
}

fn response(i: IssuedConfirmation) -> ConfirmationResponse {
    ConfirmationResponse {
        page: format!("/residence-confirmations/{}", i.claims.id),
        document: document(&i.claims),
        token: i.token,
    }
}

/// Issues a residence confirmation (xác nhận thông tin về cư trú) for a person: officers of any
/// commune police. Valid one year, void as soon as the person's residence data changes. Audited.
#[utoipa::path(post, path = "/api/v1/persons/{pin}/residence-confirmations", tag = "residence-confirmations",
    params(("pin" = String, Path, description = "12-digit personal identification number")),
    responses((status = 201, description = "The signed confirmation", body = ConfirmationResponse), Errors))]
pub async fn issue(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<ConfirmationResponse>)> {
    let pin = PersonalNumber::parse(pin.trim()).map_err(|r| ApiError::invalid("pin", r))?;
    let issued = s.app.issue_residence_confirmation(&caller.principal, &pin).await?;
    Ok((StatusCode::CREATED, Json(response(issued))))
}

/// An issued confirmation again, to print it (officers). Audited.
#[utoipa::path(get, path = "/api/v1/residence-confirmations/{id}", tag = "residence-confirmations",
    params(("id" = String, Path, description = "Confirmation id (UUID)")),
    responses((status = 200, description = "The confirmation", body = ConfirmationResponse), Errors))]
pub async fn get(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ConfirmationResponse>> {
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| ApiError::new(ErrorKind::NotFound))?;
    Ok(Json(response(s.app.residence_confirmation(&caller.principal, id).await?)))
}

/// Verifies a residence confirmation (public): the signature against the published keys, the
/// validity period, and whether the person's residence data is still what it was at issue. The
/// answer carries nothing the document itself does not.
#[utoipa::path(post, path = "/api/v1/residence-confirmations/verify", tag = "residence-confirmations", security(()),
    request_body = ConfirmationVerifyRequest,
    responses((status = 200, description = "The verdict", body = ConfirmationVerifyResponse), PublicErrors))]
pub async fn verify(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<ConfirmationVerifyRequest>,
) -> ApiResult<Json<ConfirmationVerifyResponse>> {
    let token = req.token.filter(|t| !t.trim().is_empty()).ok_or_else(|| ApiError::invalid("token", Rule::Required))?;
    let verifier = Principal::system("residence confirmation verification");
    let (verdict, claims) = s.app.verify_residence_confirmation(&verifier, &token).await?;
    Ok(Json(ConfirmationVerifyResponse {
        verdict: verdict.code().to_owned(),
        message_vi: verdict.message_vi().to_owned(),
        message_en: verdict.message_en().to_owned(),
        document: claims.as_ref().map(document),
    }))
}
