//! `/api/v1/eid/register/…`: level-1 registration by chip (the use case is
//! `App::eid_register_chip`).

use super::eid::Ctx;
use super::error::{ApiError, ApiResult};
use super::extract::JsonBody;
use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use dinhdanh_api::cards::VerifyRequest;
use dinhdanh_api::eid_chip::{ChipChallengeResponse, ChipRegistrationRequest, ChipRegistrationResponse};
use dinhdanh_app::eid::chip::{ChipRegistration, Level1Outcome};
use dinhdanh_domain::error::{Errors, Rule};
use time::format_description::well_known::Rfc3339;

/// A fresh challenge for the card's Active Authentication (usable once, for a few minutes).
#[utoipa::path(post, path = "/api/v1/eid/register/challenge", tag = "eid", security(()),
    responses((status = 200, description = "The challenge", body = ChipChallengeResponse), super::PublicErrors))]
pub async fn challenge(State(s): State<AppState>, Ctx(ctx): Ctx) -> ApiResult<Json<ChipChallengeResponse>> {
    let c = s.app.eid_chip_challenge(&ctx.ip).await?;
    Ok(Json(ChipChallengeResponse {
        challenge_id: c.id,
        challenge: URL_SAFE_NO_PAD.encode(&c.bytes),
        expires_at: c.expires_at.format(&Rfc3339).unwrap_or_default(),
    }))
}

/// Registers a level-1 account from the card's chip data: passive authentication against this
/// service's CSCA and CRL, Active Authentication over the challenge with the key of DG15, DG1
/// and DG13 against the register. Then the face: without a configured face matcher the
/// registration waits for an officer's review (`pending`). A refusal names the part at fault,
/// changes nothing (the challenge is spent) and is audited.
#[utoipa::path(post, path = "/api/v1/eid/register", tag = "eid", request_body = ChipRegistrationRequest, security(()),
    responses((status = 202, description = "Registered", body = ChipRegistrationResponse), super::PublicErrors))]
pub async fn register(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    JsonBody(r): JsonBody<ChipRegistrationRequest>,
) -> ApiResult<(StatusCode, Json<ChipRegistrationResponse>)> {
    let mut e = Errors::new();
    let files = VerifyRequest { sod: r.sod.clone(), data_groups: r.data_groups.clone() }.parse();
    let (sod, data_groups) = match files {
        Ok(f) => f,
        Err(inv) => {
            for f in inv.0 {
                e.push(f.field, f.rule);
            }
            Default::default()
        }
    };
    let aa_signature = match r.aa_signature.as_deref().map(|v| URL_SAFE_NO_PAD.decode(v.trim_end_matches('='))) {
        Some(Ok(b)) if !b.is_empty() && b.len() <= 512 => b,
        Some(_) => {
            e.push("aa_signature", Rule::ChipFile);
            vec![]
        }
        None => {
            e.push("aa_signature", Rule::Required);
            vec![]
        }
    };
    let selfie = match r.selfie.as_deref().map(|v| STANDARD.decode(v.trim())) {
        None => None,
        Some(Ok(b)) if b.len() <= dinhdanh_app::identity::FACE_MAX_BYTES => Some(b),
        Some(_) => {
            e.push("selfie", Rule::FaceTooLarge);
            None
        }
    };
    if r.challenge_id.is_none() {
        e.push("challenge_id", Rule::Required);
    }
    e.finish().map_err(ApiError::from)?;
    let outcome = s
        .app
        .eid_register_chip(
            ChipRegistration {
                pin: r.pin.unwrap_or_default(),
                phone: r.phone.unwrap_or_default(),
                challenge_id: r.challenge_id.unwrap_or_default(),
                aa_signature,
                sod,
                data_groups,
                selfie,
            },
            &ctx.ip,
        )
        .await?;
    let a = match &outcome {
        Level1Outcome::AwaitingReview(a) | Level1Outcome::Approved(a) => a,
    };
    Ok((StatusCode::ACCEPTED, Json(ChipRegistrationResponse { state: a.state.code().to_owned(), level: 1 })))
}
