//! `/api/v1/eid/…`: e-ID accounts. Citizens authenticate with PIN and password (then a second
//! factor) or a passkey, and act with a `dde_…` bearer token; officers grant level 2, review
//! registrations and lock accounts with their usual tokens.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiPath, Caller, JsonBody};
use super::{Errors, PublicErrors};
use crate::AppState;
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dinhdanh_api::eid::*;
use dinhdanh_api::{ErrorKind, rfc3339};
use dinhdanh_app::AppError;
use dinhdanh_app::eid::factors::PasskeyResponse as AppPasskeyResponse;
use dinhdanh_app::eid::officer::Level2Grant;
use dinhdanh_app::eid::{self, ClientCtx, EidAccount, EvidenceKind, Holder, IssuedEidSession, LoginStep, Method};
use dinhdanh_crypto::webauthn::{COSE_ES256, SUPPORTED_ALGORITHMS};
use dinhdanh_domain::codes::Phone;
use dinhdanh_domain::error::{Errors as FieldErrors, Rule};
use dinhdanh_domain::pin::PersonalNumber;
use std::net::SocketAddr;
use uuid::Uuid;

/// Prefix of e-ID holders' session tokens.
pub const EID_TOKEN_PREFIX: &str = "dde_";

/// Where a request comes from: the peer address and the User-Agent.
pub fn client_ctx(parts: &Parts, device_id: Option<String>) -> ClientCtx {
    // The address behind trusted proxies when the router resolves it (crate::proxy), else the peer.
    let ip = match parts.extensions.get::<crate::proxy::ClientIp>() {
        Some(c) => c.0.to_string(),
        None => parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "local".to_owned()),
    };
    let device = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect())
        .unwrap_or_default();
    ClientCtx { ip, device, device_id }
}

/// Where the request comes from, for the public routes.
pub struct Ctx(pub ClientCtx);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Ctx(client_ctx(parts, None)))
    }
}

/// An e-ID holder from `Authorization: Bearer dde_…` (any stage; each use case checks it).
pub struct HolderCaller {
    pub holder: Holder,
    pub ctx: ClientCtx,
}

impl FromRequestParts<AppState> for HolderCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .filter(|t| t.starts_with(EID_TOKEN_PREFIX))
            .ok_or_else(|| ApiError::new(ErrorKind::Unauthenticated))?;
        let holder = state.app.eid_holder(token).await?;
        Ok(HolderCaller { holder, ctx: client_ctx(parts, None) })
    }
}

/// e-ID answers tell a lock apart from a wrong password: unknown numbers are locked by the same
/// rule, so the difference reveals nothing about who has an account.
fn eid_err(e: AppError) -> ApiError {
    match e {
        AppError::Locked => ApiError::new(ErrorKind::AccountLocked),
        other => other.into(),
    }
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

fn b64(field: &str, v: &Option<String>, e: &mut FieldErrors) -> Vec<u8> {
    match v.as_deref().map(|s| URL_SAFE_NO_PAD.decode(s.trim_end_matches('='))) {
        Some(Ok(b)) => b,
        Some(Err(_)) => {
            e.push(field, Rule::EidPasskeyInvalid);
            vec![]
        }
        None => {
            e.push(field, Rule::Required);
            vec![]
        }
    }
}

pub fn passkey_response_from(r: &PasskeyResponse, registration: bool) -> ApiResult<AppPasskeyResponse> {
    let mut e = FieldErrors::new();
    let challenge_id = match r.challenge_id.as_deref().map(Uuid::parse_str) {
        Some(Ok(id)) => id,
        Some(Err(_)) => {
            e.push("challenge_id", Rule::EidChallengeExpired);
            Uuid::nil()
        }
        None => {
            e.push("challenge_id", Rule::Required);
            Uuid::nil()
        }
    };
    let credential_id = b64("credential_id", &r.credential_id, &mut e);
    let client_data_json = b64("client_data_json", &r.client_data_json, &mut e);
    let (authenticator_data, signature) = if registration {
        (b64("attestation_object", &r.attestation_object, &mut e), vec![])
    } else {
        (b64("authenticator_data", &r.authenticator_data, &mut e), b64("signature", &r.signature, &mut e))
    };
    let user_handle =
        r.user_handle.as_deref().filter(|s| !s.is_empty()).map(|_| b64("user_handle", &r.user_handle, &mut e));
    e.finish()?;
    Ok(AppPasskeyResponse { challenge_id, credential_id, client_data_json, authenticator_data, signature, user_handle })
}

pub fn options_body(o: eid::PasskeyOptions) -> PasskeyOptions {
    PasskeyOptions {
        challenge_id: o.challenge_id,
        challenge: URL_SAFE_NO_PAD.encode(&o.challenge),
        rp_id: o.rp_id,
        rp_name: o.rp_name,
        user_id: URL_SAFE_NO_PAD.encode(&o.user_id),
        user_name: o.user_name,
        user_display_name: o.user_display_name,
        credentials: o.credentials.iter().map(|c| URL_SAFE_NO_PAD.encode(c)).collect(),
        algorithms: SUPPORTED_ALGORITHMS.to_vec(),
        timeout_ms: o.timeout_ms,
        user_verification: "required".to_owned(),
        attestation: "none".to_owned(),
    }
}

fn session_body(s: &IssuedEidSession, methods: &[Method]) -> EidSessionResponse {
    EidSessionResponse {
        token: s.token.clone(),
        stage: s.session.stage.code().to_owned(),
        methods: methods.iter().map(|m| m.code().to_owned()).collect(),
        expires_at: rfc3339(s.session.expires_at),
    }
}

/// The phone as shown back to its holder: all but the last three digits masked.
pub fn masked_phone(p: &Phone) -> String {
    let s = p.as_str();
    format!("{}{}", "•".repeat(s.len().saturating_sub(3)), &s[s.len().saturating_sub(3)..])
}

pub fn account_info(a: &EidAccount, passkeys: usize) -> EidAccountInfo {
    EidAccountInfo {
        pin: a.pin.as_str().to_owned(),
        level: a.level.number(),
        state: a.state.code().to_owned(),
        phone: masked_phone(&a.phone),
        totp_enrolled: a.totp_secret.is_some(),
        passkeys,
        locked_by: a.lock.as_ref().map(|l| l.by.code().to_owned()),
        lock_reason: a.lock.as_ref().map(|l| l.reason.clone()),
        created_at: rfc3339(a.created_at),
        activated_at: a.activated_at.map(rfc3339),
    }
}

/// Sends an activation code to the phone of an approved account. The answer is the same
/// whether or not the PIN and phone match an account.
#[utoipa::path(post, path = "/api/v1/eid/activation/code", tag = "eid", request_body = CodeRequest, security(()),
    responses((status = 202, description = "If PIN and phone match an approved account, a code was sent"), PublicErrors))]
pub async fn activation_code(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    JsonBody(r): JsonBody<CodeRequest>,
) -> ApiResult<StatusCode> {
    s.app.eid_activation_start(text(&r.pin), text(&r.phone), &ctx.ip).await.map_err(eid_err)?;
    Ok(StatusCode::ACCEPTED)
}

/// Activates an approved account: the SMS code, then the holder's password and passcode.
#[utoipa::path(post, path = "/api/v1/eid/activation", tag = "eid", request_body = ActivationRequest, security(()),
    responses((status = 204, description = "The account is active"), PublicErrors))]
pub async fn activate(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    JsonBody(r): JsonBody<ActivationRequest>,
) -> ApiResult<StatusCode> {
    s.app
        .eid_activate(text(&r.pin), text(&r.code), text(&r.password), text(&r.passcode), &ctx.ip)
        .await
        .map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a password-reset code to the registered phone (same answer whether or not they match).
#[utoipa::path(post, path = "/api/v1/eid/reset/code", tag = "eid", request_body = CodeRequest, security(()),
    responses((status = 202, description = "If PIN and phone match an account, a code was sent"), PublicErrors))]
pub async fn reset_code(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    JsonBody(r): JsonBody<CodeRequest>,
) -> ApiResult<StatusCode> {
    s.app.eid_reset_start(text(&r.pin), text(&r.phone), &ctx.ip).await.map_err(eid_err)?;
    Ok(StatusCode::ACCEPTED)
}

/// Sets a new password with the reset code; lifts a lock from failures or from the holder, and
/// ends every session.
#[utoipa::path(post, path = "/api/v1/eid/reset", tag = "eid", request_body = ResetRequest, security(()),
    responses((status = 204, description = "Password set"), PublicErrors))]
pub async fn reset(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    JsonBody(r): JsonBody<ResetRequest>,
) -> ApiResult<StatusCode> {
    s.app.eid_reset(text(&r.pin), text(&r.code), text(&r.password), &ctx.ip).await.map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs in with PIN and password. Level 2, and risky sign-ins, answer with a `second_factor`
/// session that only the second-factor routes accept. 401 for any wrong input, 423 when the
/// number is locked, 429 with `Retry-After` while a delay runs.
#[utoipa::path(post, path = "/api/v1/eid/login", tag = "eid", request_body = EidLoginRequest, security(()),
    responses((status = 200, description = "A session", body = EidSessionResponse), PublicErrors))]
pub async fn login(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    JsonBody(r): JsonBody<EidLoginRequest>,
) -> ApiResult<Json<EidSessionResponse>> {
    let step = s.app.eid_login(text(&r.pin), text(&r.password), &ctx).await.map_err(eid_err)?;
    Ok(Json(match step {
        LoginStep::Done(issued) => session_body(&issued, &[]),
        LoginStep::SecondFactor(issued, methods) => session_body(&issued, &methods),
    }))
}

/// Sends the sign-in code by SMS (a `second_factor` session).
#[utoipa::path(post, path = "/api/v1/eid/login/sms-code", tag = "eid",
    responses((status = 202, description = "Code sent, or the one sent less than a minute ago is still valid"), Errors))]
pub async fn login_sms_code(State(s): State<AppState>, c: HolderCaller) -> ApiResult<StatusCode> {
    s.app.eid_send_login_code(&c.holder, &c.ctx).await.map_err(eid_err)?;
    Ok(StatusCode::ACCEPTED)
}

/// Completes the sign-in with an SMS code or an authenticator-app code; answers a full session
/// under a new token (the `second_factor` one ends).
#[utoipa::path(post, path = "/api/v1/eid/login/second-factor", tag = "eid", request_body = SecondFactorRequest,
    responses((status = 200, description = "A full session", body = EidSessionResponse), Errors))]
pub async fn second_factor(
    State(s): State<AppState>,
    c: HolderCaller,
    JsonBody(r): JsonBody<SecondFactorRequest>,
) -> ApiResult<Json<EidSessionResponse>> {
    let issued = match r.method.as_deref().and_then(Method::parse) {
        Some(Method::Sms) => s.app.eid_second_factor_sms(&c.holder, text(&r.code), &c.ctx).await,
        Some(Method::Totp) => s.app.eid_second_factor_totp(&c.holder, text(&r.code), &c.ctx).await,
        _ => Err(AppError::invalid("method", Rule::EidMethod)),
    }
    .map_err(eid_err)?;
    Ok(Json(session_body(&issued, &[])))
}

/// Options to complete the sign-in with one of the holder's passkeys.
#[utoipa::path(post, path = "/api/v1/eid/login/passkey/options", tag = "eid",
    responses((status = 200, description = "WebAuthn request options", body = PasskeyOptions), Errors))]
pub async fn second_factor_passkey_options(
    State(s): State<AppState>,
    c: HolderCaller,
) -> ApiResult<Json<PasskeyOptions>> {
    Ok(Json(options_body(s.app.eid_passkey_second_factor_options(&c.holder).await.map_err(eid_err)?)))
}

/// Completes the sign-in with a passkey assertion.
#[utoipa::path(post, path = "/api/v1/eid/login/passkey", tag = "eid", request_body = PasskeyResponse,
    responses((status = 200, description = "A full session", body = EidSessionResponse), Errors))]
pub async fn second_factor_passkey(
    State(s): State<AppState>,
    c: HolderCaller,
    JsonBody(r): JsonBody<PasskeyResponse>,
) -> ApiResult<Json<EidSessionResponse>> {
    let r = passkey_response_from(&r, false)?;
    let issued = s.app.eid_second_factor_passkey(&c.holder, r, &c.ctx).await.map_err(eid_err)?;
    Ok(Json(session_body(&issued, &[])))
}

/// Options to sign in with a passkey alone (discoverable credential, user verification).
#[utoipa::path(post, path = "/api/v1/eid/passkey-login/options", tag = "eid", security(()),
    responses((status = 200, description = "WebAuthn request options", body = PasskeyOptions), PublicErrors))]
pub async fn passkey_login_options(State(s): State<AppState>, Ctx(ctx): Ctx) -> ApiResult<Json<PasskeyOptions>> {
    Ok(Json(options_body(s.app.eid_passkey_login_options(&ctx.ip).await.map_err(eid_err)?)))
}

/// Signs in with a passkey: a full session (user verification makes it multi-factor).
#[utoipa::path(post, path = "/api/v1/eid/passkey-login", tag = "eid", request_body = PasskeyResponse, security(()),
    responses((status = 200, description = "A full session", body = EidSessionResponse), PublicErrors))]
pub async fn passkey_login(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    JsonBody(r): JsonBody<PasskeyResponse>,
) -> ApiResult<Json<EidSessionResponse>> {
    let r = passkey_response_from(&r, false)?;
    let issued = s.app.eid_passkey_login(r, &ctx).await.map_err(eid_err)?;
    Ok(Json(session_body(&issued, &[])))
}

/// Ends the holder's session.
#[utoipa::path(post, path = "/api/v1/eid/logout", tag = "eid", responses((status = 204, description = "Signed out"), Errors))]
pub async fn logout(State(s): State<AppState>, c: HolderCaller) -> ApiResult<StatusCode> {
    s.app.eid_logout(&c.holder).await.map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The holder's account.
#[utoipa::path(get, path = "/api/v1/eid/me", tag = "eid",
    responses((status = 200, description = "The account", body = EidAccountInfo), Errors))]
pub async fn me(State(s): State<AppState>, c: HolderCaller) -> ApiResult<Json<EidAccountInfo>> {
    let n = s.app.eid_passkeys(&c.holder).await.map_err(eid_err)?.len();
    Ok(Json(account_info(&c.holder.account, n)))
}

/// The holder's record as the register holds it (audited).
#[utoipa::path(get, path = "/api/v1/eid/me/profile", tag = "eid",
    responses((status = 200, description = "The holder's record", body = dinhdanh_api::person::Person), Errors))]
pub async fn profile(State(s): State<AppState>, c: HolderCaller) -> ApiResult<Json<dinhdanh_api::person::Person>> {
    let p = s.app.eid_profile(&c.holder).await.map_err(eid_err)?;
    Ok(Json(dinhdanh_api::person::Person::new(&p.person, p.version, None)))
}

/// The holder's login history: every authentication event, newest first.
#[utoipa::path(get, path = "/api/v1/eid/me/history", tag = "eid",
    responses((status = 200, description = "Events", body = Vec<HistoryEntry>), Errors))]
pub async fn history(State(s): State<AppState>, c: HolderCaller) -> ApiResult<Json<Vec<HistoryEntry>>> {
    let h = s.app.eid_history(&c.holder, 200).await.map_err(eid_err)?;
    Ok(Json(
        h.into_iter()
            .map(|l| HistoryEntry {
                at: rfc3339(l.at),
                action: l.action.code().to_owned(),
                actor: l.actor.kind.to_owned(),
                detail: l.detail,
            })
            .collect(),
    ))
}

/// The holder's live sessions.
#[utoipa::path(get, path = "/api/v1/eid/me/sessions", tag = "eid",
    responses((status = 200, description = "Sessions", body = Vec<EidSessionInfo>), Errors))]
pub async fn sessions(State(s): State<AppState>, c: HolderCaller) -> ApiResult<Json<Vec<EidSessionInfo>>> {
    let list = s.app.eid_sessions(&c.holder).await.map_err(eid_err)?;
    Ok(Json(
        list.into_iter()
            .map(|x| EidSessionInfo {
                id: x.id,
                current: x.id == c.holder.session.id,
                methods: x.methods,
                created_at: rfc3339(x.created_at),
                last_seen_at: rfc3339(x.last_seen_at),
                ip: x.ip,
                device: x.device,
            })
            .collect(),
    ))
}

/// Ends every session of the holder but this one.
#[utoipa::path(delete, path = "/api/v1/eid/me/sessions", tag = "eid",
    responses((status = 204, description = "Other sessions ended"), Errors))]
pub async fn revoke_other_sessions(State(s): State<AppState>, c: HolderCaller) -> ApiResult<StatusCode> {
    s.app.eid_revoke_sessions(&c.holder, None).await.map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends one session of the holder.
#[utoipa::path(delete, path = "/api/v1/eid/me/sessions/{id}", tag = "eid",
    params(("id" = String, Path, description = "Session id (UUID)")),
    responses((status = 204, description = "Session ended"), Errors))]
pub async fn revoke_session(
    State(s): State<AppState>,
    c: HolderCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::new(ErrorKind::NotFound))?;
    s.app.eid_revoke_sessions(&c.holder, Some(id)).await.map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the password; the holder's other sessions end.
#[utoipa::path(post, path = "/api/v1/eid/me/password", tag = "eid", request_body = PasswordChange,
    responses((status = 204, description = "Changed"), Errors))]
pub async fn change_password(
    State(s): State<AppState>,
    c: HolderCaller,
    JsonBody(r): JsonBody<PasswordChange>,
) -> ApiResult<StatusCode> {
    s.app.eid_change_password(&c.holder, text(&r.current_password), text(&r.new_password)).await.map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the 6-digit passcode.
#[utoipa::path(post, path = "/api/v1/eid/me/passcode", tag = "eid", request_body = PasscodeChange,
    responses((status = 204, description = "Changed"), Errors))]
pub async fn change_passcode(
    State(s): State<AppState>,
    c: HolderCaller,
    JsonBody(r): JsonBody<PasscodeChange>,
) -> ApiResult<StatusCode> {
    s.app.eid_change_passcode(&c.holder, text(&r.current_passcode), text(&r.new_passcode)).await.map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The holder locks their own account (passcode and reason); every session ends.
#[utoipa::path(post, path = "/api/v1/eid/me/lock", tag = "eid", request_body = PasscodeConfirm,
    responses((status = 204, description = "Locked"), Errors))]
pub async fn lock_self(
    State(s): State<AppState>,
    c: HolderCaller,
    JsonBody(r): JsonBody<PasscodeConfirm>,
) -> ApiResult<StatusCode> {
    s.app.eid_lock_self(&c.holder, text(&r.passcode), text(&r.reason)).await.map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts enrolling an authenticator app (RFC 6238): the `otpauth://` URI for its QR code.
#[utoipa::path(post, path = "/api/v1/eid/me/totp", tag = "eid",
    responses((status = 200, description = "Pending enrolment", body = TotpEnrolment), Errors))]
pub async fn totp_begin(State(s): State<AppState>, c: HolderCaller) -> ApiResult<Json<TotpEnrolment>> {
    let e = s.app.eid_totp_begin(&c.holder).await.map_err(eid_err)?;
    Ok(Json(TotpEnrolment { otpauth_uri: e.otpauth_uri, secret: e.secret_base32 }))
}

/// Confirms the enrolment with a code from the app.
#[utoipa::path(post, path = "/api/v1/eid/me/totp/confirm", tag = "eid", request_body = CodeOnly,
    responses((status = 204, description = "Enrolled"), Errors))]
pub async fn totp_confirm(
    State(s): State<AppState>,
    c: HolderCaller,
    JsonBody(r): JsonBody<CodeOnly>,
) -> ApiResult<StatusCode> {
    s.app.eid_totp_confirm(&c.holder, text(&r.code)).await.map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the authenticator app (passcode).
#[utoipa::path(post, path = "/api/v1/eid/me/totp/remove", tag = "eid", request_body = PasscodeConfirm,
    responses((status = 204, description = "Removed"), Errors))]
pub async fn totp_remove(
    State(s): State<AppState>,
    c: HolderCaller,
    JsonBody(r): JsonBody<PasscodeConfirm>,
) -> ApiResult<StatusCode> {
    s.app.eid_totp_remove(&c.holder, text(&r.passcode)).await.map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The holder's passkeys.
#[utoipa::path(get, path = "/api/v1/eid/me/passkeys", tag = "eid",
    responses((status = 200, description = "Passkeys", body = Vec<PasskeyInfo>), Errors))]
pub async fn passkeys(State(s): State<AppState>, c: HolderCaller) -> ApiResult<Json<Vec<PasskeyInfo>>> {
    let list = s.app.eid_passkeys(&c.holder).await.map_err(eid_err)?;
    Ok(Json(
        list.into_iter()
            .map(|p| PasskeyInfo {
                id: URL_SAFE_NO_PAD.encode(&p.credential_id),
                name: p.name,
                algorithm: if p.algorithm == COSE_ES256 { "ES256" } else { "EdDSA" }.to_owned(),
                created_at: rfc3339(p.created_at),
                last_used_at: p.last_used_at.map(rfc3339),
            })
            .collect(),
    ))
}

/// Options to create a passkey (ES256 or EdDSA, attestation none, user verification required).
#[utoipa::path(post, path = "/api/v1/eid/me/passkeys/options", tag = "eid",
    responses((status = 200, description = "WebAuthn creation options", body = PasskeyOptions), Errors))]
pub async fn passkey_options(State(s): State<AppState>, c: HolderCaller) -> ApiResult<Json<PasskeyOptions>> {
    Ok(Json(options_body(s.app.eid_passkey_register_options(&c.holder).await.map_err(eid_err)?)))
}

/// Registers a passkey from the browser's answer.
#[utoipa::path(post, path = "/api/v1/eid/me/passkeys", tag = "eid", request_body = PasskeyResponse,
    responses((status = 201, description = "Registered"), Errors))]
pub async fn passkey_register(
    State(s): State<AppState>,
    c: HolderCaller,
    JsonBody(r): JsonBody<PasskeyResponse>,
) -> ApiResult<StatusCode> {
    let name = r.name.clone().unwrap_or_default();
    let resp = passkey_response_from(&r, true)?;
    s.app.eid_passkey_register(&c.holder, resp, &name).await.map_err(eid_err)?;
    Ok(StatusCode::CREATED)
}

/// Removes a passkey (passcode).
#[utoipa::path(post, path = "/api/v1/eid/me/passkeys/{id}/remove", tag = "eid", request_body = PasscodeConfirm,
    params(("id" = String, Path, description = "Credential id (base64url)")),
    responses((status = 204, description = "Removed"), Errors))]
pub async fn passkey_remove(
    State(s): State<AppState>,
    c: HolderCaller,
    ApiPath(id): ApiPath<String>,
    JsonBody(r): JsonBody<PasscodeConfirm>,
) -> ApiResult<StatusCode> {
    let id = URL_SAFE_NO_PAD.decode(id.trim_end_matches('=')).map_err(|_| ApiError::new(ErrorKind::NotFound))?;
    s.app.eid_passkey_remove(&c.holder, &id, text(&r.passcode)).await.map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The holder's dependants (children under 14 and persons they represent; audited).
#[utoipa::path(get, path = "/api/v1/eid/me/dependants", tag = "eid",
    responses((status = 200, description = "Dependants", body = Vec<DependantInfo>), Errors))]
pub async fn dependants(State(s): State<AppState>, c: HolderCaller) -> ApiResult<Json<Vec<DependantInfo>>> {
    let list = s.app.eid_dependants(&c.holder).await.map_err(eid_err)?;
    Ok(Json(
        list.into_iter()
            .map(|d| DependantInfo {
                pin: d.pin.to_string(),
                name: d.name,
                date_of_birth: d.date_of_birth,
                holder_is: d.holder_is.to_owned(),
            })
            .collect(),
    ))
}

/// A dependant's record, read on their behalf (audited as such).
#[utoipa::path(get, path = "/api/v1/eid/me/dependants/{pin}", tag = "eid",
    params(("pin" = String, Path, description = "The dependant's PIN")),
    responses((status = 200, description = "The record", body = dinhdanh_api::person::Person), Errors))]
pub async fn dependant(
    State(s): State<AppState>,
    c: HolderCaller,
    ApiPath(pin): ApiPath<String>,
) -> ApiResult<Json<dinhdanh_api::person::Person>> {
    let pin = PersonalNumber::parse(&pin).map_err(|r| ApiError::invalid("pin", r))?;
    let p = s.app.eid_dependant(&c.holder, &pin).await.map_err(eid_err)?;
    Ok(Json(dinhdanh_api::person::Person::new(&p.person, p.version, None)))
}

fn org_body(v: eid::OrgView) -> OrgInfo {
    OrgInfo {
        code: v.org.code.to_string(),
        name_vi: v.org.name_vi,
        name_abbr: v.org.name_abbr,
        name_foreign: v.org.name_foreign,
        established: v.org.established.to_string(),
        head_office: v.org.head_office.display(),
        tax_code: v.org.tax_code,
        role: v.role.code().to_owned(),
        members: v
            .members
            .into_iter()
            .map(|m| OrgMemberInfo {
                pin: m.pin.to_string(),
                role: m.role.code().to_owned(),
                added_at: rfc3339(m.added_at),
            })
            .collect(),
    }
}

/// Organisations the holder belongs to, with their members.
#[utoipa::path(get, path = "/api/v1/eid/me/organisations", tag = "eid",
    responses((status = 200, description = "Organisations", body = Vec<OrgInfo>), Errors))]
pub async fn organisations(State(s): State<AppState>, c: HolderCaller) -> ApiResult<Json<Vec<OrgInfo>>> {
    let list = s.app.eid_orgs(&c.holder).await.map_err(eid_err)?;
    Ok(Json(list.into_iter().map(org_body).collect()))
}

/// Registers an organisation; the holder (level 2, with the passcode) is its legal representative.
#[utoipa::path(post, path = "/api/v1/eid/organisations", tag = "eid", request_body = OrgRequest,
    responses((status = 201, description = "Registered", body = OrgInfo), Errors))]
pub async fn register_org(
    State(s): State<AppState>,
    c: HolderCaller,
    JsonBody(r): JsonBody<OrgRequest>,
) -> ApiResult<(StatusCode, Json<OrgInfo>)> {
    let established = match r.established.as_deref().map(str::trim).filter(|x| !x.is_empty()) {
        Some(d) => {
            Some(dinhdanh_domain::date::parse_full_date(d).map_err(|rule| ApiError::invalid("established", rule))?)
        }
        None => None,
    };
    let draft = eid::OrgDraft {
        name_vi: text(&r.name_vi).to_owned(),
        name_abbr: text(&r.name_abbr).to_owned(),
        name_foreign: text(&r.name_foreign).to_owned(),
        established,
        head_office_unit: text(&r.head_office_unit).to_owned(),
        head_office_detail: text(&r.head_office_detail).to_owned(),
        tax_code: text(&r.tax_code).to_owned(),
    };
    let org = s.app.eid_org_register(&c.holder, draft, text(&r.passcode)).await.map_err(eid_err)?;
    let view = s
        .app
        .eid_orgs(&c.holder)
        .await
        .map_err(eid_err)?
        .into_iter()
        .find(|v| v.org.id == org.id)
        .ok_or_else(|| ApiError::new(ErrorKind::Internal))?;
    Ok((StatusCode::CREATED, Json(org_body(view))))
}

/// Adds a member (legal representative, with the passcode).
#[utoipa::path(post, path = "/api/v1/eid/organisations/{code}/members", tag = "eid", request_body = MemberRequest,
    params(("code" = String, Path, description = "Organisation e-ID code")),
    responses((status = 204, description = "Added"), Errors))]
pub async fn add_member(
    State(s): State<AppState>,
    c: HolderCaller,
    ApiPath(code): ApiPath<String>,
    JsonBody(r): JsonBody<MemberRequest>,
) -> ApiResult<StatusCode> {
    s.app
        .eid_org_add_member(&c.holder, &code, text(&r.pin), text(&r.role), text(&r.passcode))
        .await
        .map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member (legal representative, with the passcode).
#[utoipa::path(post, path = "/api/v1/eid/organisations/{code}/members/{pin}/remove", tag = "eid", request_body = PasscodeConfirm,
    params(("code" = String, Path, description = "Organisation e-ID code"), ("pin" = String, Path, description = "Member's PIN")),
    responses((status = 204, description = "Removed"), Errors))]
pub async fn remove_member(
    State(s): State<AppState>,
    c: HolderCaller,
    ApiPath((code, pin)): ApiPath<(String, String)>,
    JsonBody(r): JsonBody<PasscodeConfirm>,
) -> ApiResult<StatusCode> {
    s.app.eid_org_remove_member(&c.holder, &code, &pin, text(&r.passcode)).await.map_err(eid_err)?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn officer_view(a: &EidAccount) -> OfficerAccountView {
    OfficerAccountView {
        pin: a.pin.to_string(),
        level: a.level.number(),
        state: a.state.code().to_owned(),
        channel: a.channel.clone(),
        phone: a.phone.as_str().to_owned(),
        locked_by: a.lock.as_ref().map(|l| l.by.code().to_owned()),
        lock_reason: a.lock.as_ref().map(|l| l.reason.clone()),
        created_at: rfc3339(a.created_at),
        activated_at: a.activated_at.map(rfc3339),
        revoked_at: a.revoked_at.map(rfc3339),
    }
}

/// Grants level 2 at the counter (officers in the person's jurisdiction): upgrades the person's
/// account or creates one, whose activation code goes by SMS.
#[utoipa::path(post, path = "/api/v1/eid/accounts/level2", tag = "eid-officers", request_body = Level2Request,
    responses((status = 200, description = "The account", body = OfficerAccountView), Errors))]
pub async fn grant_level2(
    caller: Caller,
    State(s): State<AppState>,
    JsonBody(r): JsonBody<Level2Request>,
) -> ApiResult<Json<OfficerAccountView>> {
    let mut c = dinhdanh_api::parse::Check::new();
    let pin = c.req("pin", &r.pin, PersonalNumber::parse);
    let phone = c.opt("phone", &r.phone, Phone::parse);
    c.finish()?;
    let pin = pin.ok_or_else(|| ApiError::invalid("pin", Rule::Required))?;
    let grant = Level2Grant {
        pin,
        phone,
        card_checked: r.card_checked.unwrap_or(false),
        person_checked: r.person_checked.unwrap_or(false),
        note: text(&r.note).to_owned(),
    };
    let a = s.app.eid_grant_level2(&caller.principal, grant).await?;
    Ok(Json(officer_view(&a)))
}

/// A person's e-ID account (officers; audited).
#[utoipa::path(get, path = "/api/v1/eid/accounts/{pin}", tag = "eid-officers",
    params(("pin" = String, Path, description = "PIN")),
    responses((status = 200, description = "The account", body = OfficerAccountView), Errors))]
pub async fn account(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
) -> ApiResult<Json<OfficerAccountView>> {
    let a = s
        .app
        .eid_account_for_officer(&caller.principal, &super::params::pin_param(&pin)?)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound))?;
    Ok(Json(officer_view(&a)))
}

/// Locks an account with a reason; sessions end; only an officer unlocks it.
#[utoipa::path(post, path = "/api/v1/eid/accounts/{pin}/lock", tag = "eid-officers", request_body = ReasonRequest,
    params(("pin" = String, Path, description = "PIN")),
    responses((status = 200, description = "The account", body = OfficerAccountView), Errors))]
pub async fn officer_lock(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
    JsonBody(r): JsonBody<ReasonRequest>,
) -> ApiResult<Json<OfficerAccountView>> {
    let a = s.app.eid_officer_lock(&caller.principal, &super::params::pin_param(&pin)?, text(&r.reason)).await?;
    Ok(Json(officer_view(&a)))
}

/// Unlocks an account with a reason.
#[utoipa::path(post, path = "/api/v1/eid/accounts/{pin}/unlock", tag = "eid-officers", request_body = ReasonRequest,
    params(("pin" = String, Path, description = "PIN")),
    responses((status = 200, description = "The account", body = OfficerAccountView), Errors))]
pub async fn officer_unlock(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
    JsonBody(r): JsonBody<ReasonRequest>,
) -> ApiResult<Json<OfficerAccountView>> {
    let a = s.app.eid_officer_unlock(&caller.principal, &super::params::pin_param(&pin)?, text(&r.reason)).await?;
    Ok(Json(officer_view(&a)))
}

/// Self-service registrations waiting for an officer (in the caller's jurisdiction).
#[utoipa::path(get, path = "/api/v1/eid/reviews", tag = "eid-officers",
    responses((status = 200, description = "Pending registrations", body = Vec<ReviewItem>), Errors))]
pub async fn reviews(caller: Caller, State(s): State<AppState>) -> ApiResult<Json<Vec<ReviewItem>>> {
    let list = s.app.eid_review_list(&caller.principal).await?;
    Ok(Json(
        list.into_iter()
            .map(|i| ReviewItem {
                pin: i.account.pin.to_string(),
                name: i.person.person.birth_name.to_string(),
                date_of_birth: i.person.person.date_of_birth.to_string(),
                channel: i.account.channel.clone(),
                submitted_at: rfc3339(i.account.created_at),
                note: i.account.note.clone(),
                evidence: i.evidence.iter().map(|k| k.code().to_owned()).collect(),
            })
            .collect(),
    ))
}

/// One image of a pending registration's review evidence: the applicant's selfie or the chip's
/// portrait (DG2), for the officer comparing them. Every opening is audited.
#[utoipa::path(get, path = "/api/v1/eid/reviews/{pin}/evidence/{kind}", tag = "eid-officers",
    params(("pin" = String, Path, description = "PIN"),
        ("kind" = String, Path, description = "`selfie` or `chip_portrait`")),
    responses((status = 200, description = "The image", content(
        (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/jp2"), (Vec<u8> = "application/octet-stream"))), Errors))]
pub async fn review_evidence(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath((pin, kind)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let kind = EvidenceKind::parse(&kind).ok_or(ApiError::from(AppError::NotFound))?;
    let img = s.app.eid_review_evidence(&caller.principal, &super::params::pin_param(&pin)?, kind).await?;
    Ok(evidence_response(img))
}

/// An evidence image as an HTTP response: never cached, never sniffed.
pub(crate) fn evidence_response(img: dinhdanh_app::eid::officer::EvidenceImage) -> Response {
    (
        [
            (header::CONTENT_TYPE, img.content_type),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        img.bytes,
    )
        .into_response()
}

/// Approves (an activation code goes out) or rejects a pending registration.
#[utoipa::path(post, path = "/api/v1/eid/reviews/{pin}/decision", tag = "eid-officers", request_body = ReviewDecision,
    params(("pin" = String, Path, description = "PIN")),
    responses((status = 200, description = "The account", body = OfficerAccountView), Errors))]
pub async fn review_decide(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
    JsonBody(r): JsonBody<ReviewDecision>,
) -> ApiResult<Json<OfficerAccountView>> {
    let approve = match r.decision.as_deref() {
        Some("approve") => true,
        Some("reject") => false,
        Some(_) => return Err(ApiError::invalid("decision", Rule::Decision)),
        None => return Err(ApiError::invalid("decision", Rule::Required)),
    };
    let a =
        s.app.eid_review_decide(&caller.principal, &super::params::pin_param(&pin)?, approve, text(&r.note)).await?;
    Ok(Json(officer_view(&a)))
}
