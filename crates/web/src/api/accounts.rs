//! Officer sessions and API clients.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiPath, Caller, JsonBody};
use super::{Errors, PublicErrors};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dinhdanh_api::accounts::{ApiClient, LoginResponse, NewClientResponse, OfficerInfo};
use dinhdanh_api::parse::Check;
use dinhdanh_api::requests::{LoginRequest, NewClientRequest};
use dinhdanh_api::{ErrorKind, rfc3339};
use dinhdanh_app::accounts::MAX_PASSWORD_CHARS;
use dinhdanh_app::auth::Scope;
use dinhdanh_app::ports;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::Jurisdiction;
use uuid::Uuid;

/// Opens an officer session. Every failure gives the same 401, whether the name exists or not.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, security(()),
    responses((status = 200, description = "A session token", body = LoginResponse), PublicErrors))]
pub async fn login(State(s): State<AppState>, JsonBody(req): JsonBody<LoginRequest>) -> ApiResult<Json<LoginResponse>> {
    let mut c = Check::new();
    let username = c.req("username", &req.username, |u| Ok(u.trim().to_owned()));
    // Bounded before hashing: an enormous password would only cost CPU.
    let password = c.req("password", &req.password, |p| {
        if p.chars().count() > MAX_PASSWORD_CHARS { Err(Rule::Password) } else { Ok(p.to_owned()) }
    });
    c.finish()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::new(ErrorKind::Unauthenticated));
    };
    let issued = s.app.login(&username, &password).await?;
    Ok(Json(LoginResponse {
        token: issued.token,
        expires_at: rfc3339(issued.session.expires_at),
        officer: OfficerInfo {
            username: issued.officer.username,
            display_name: issued.officer.display_name,
            role: issued.officer.role.code().to_owned(),
            jurisdiction: issued.officer.jurisdiction.to_string(),
        },
    }))
}

/// Ends the officer session of the bearer token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Session ended"), Errors))]
pub async fn logout(caller: Caller, State(s): State<AppState>) -> ApiResult<StatusCode> {
    // API client tokens are revoked by an administrator, not logged out.
    let token = caller.session.ok_or_else(|| ApiError::new(ErrorKind::Forbidden))?;
    s.app.logout(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn client_body(c: &ports::ApiClient) -> ApiClient {
    ApiClient {
        id: c.id,
        name: c.name.clone(),
        scopes: c.scopes.iter().map(|s| s.code().to_owned()).collect(),
        jurisdiction: c.jurisdiction.to_string(),
        created_by: c.created_by.clone(),
        created_at: rfc3339(c.created_at),
        revoked_at: c.revoked_at.map(rfc3339),
    }
}

/// API clients (administrators).
#[utoipa::path(get, path = "/api/v1/admin/clients", tag = "admin",
    responses((status = 200, description = "Every client, revoked ones included", body = Vec<ApiClient>), Errors))]
pub async fn clients(caller: Caller, State(s): State<AppState>) -> ApiResult<Json<Vec<ApiClient>>> {
    Ok(Json(s.app.api_clients(&caller.principal).await?.iter().map(client_body).collect()))
}

/// Issues an API client (administrators); the token is in this answer only.
#[utoipa::path(post, path = "/api/v1/admin/clients", tag = "admin", request_body = NewClientRequest,
    responses((status = 201, description = "The client and its token", body = NewClientResponse), Errors))]
pub async fn create_client(
    caller: Caller,
    State(s): State<AppState>,
    JsonBody(req): JsonBody<NewClientRequest>,
) -> ApiResult<(StatusCode, Json<NewClientResponse>)> {
    let mut c = Check::new();
    let scopes: Vec<Scope> = req
        .scopes
        .iter()
        .enumerate()
        .filter_map(|(i, sc)| c.req(&format!("scopes.{i}"), &Some(sc.clone()), Scope::parse))
        .collect();
    let jurisdiction = c.req("jurisdiction", &req.jurisdiction, Jurisdiction::parse);
    let name = req.name.clone().unwrap_or_default();
    c.finish()?;
    let jurisdiction = jurisdiction.ok_or_else(|| ApiError::invalid("jurisdiction", Rule::Required))?;
    let (client, token) = s.app.create_api_client(&caller.principal, &name, scopes, jurisdiction).await?;
    Ok((StatusCode::CREATED, Json(NewClientResponse { client: client_body(&client), token })))
}

/// Revokes an API client (administrators); its token stops working.
#[utoipa::path(delete, path = "/api/v1/admin/clients/{id}", tag = "admin",
    params(("id" = String, Path, description = "Client id (UUID)")),
    responses((status = 204, description = "Revoked"), Errors))]
pub async fn revoke_client(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::new(ErrorKind::NotFound))?;
    s.app.revoke_api_client(&caller.principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
