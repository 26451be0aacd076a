//! REST API under `/api/v1`: JSON over the application's use cases, described by an OpenAPI 3.1
//! document generated from these handlers (`/api/v1/openapi.json`, `/api/v1/docs`).
//!
//! Every route but login and the documentation needs `Authorization: Bearer` with an API client
//! token (`ddk_…`) or an officer session token (`dds_…`); what the caller may then do is decided
//! by the application (roles, scopes, jurisdiction). Every failure answers with one error body
//! ([`dinhdanh_api::ErrorBody`]).

pub mod accounts;
pub mod cards;
pub mod cases;
pub mod confirmations;
pub mod docs;
pub mod eid;
pub mod eid_chip;
pub mod error;
pub mod events;
pub mod extract;
mod params;
pub mod persons;
pub mod residence;
pub mod stays;
pub mod units;

use crate::AppState;
use axum::Router;
use axum::routing::{delete, get, post};
use dinhdanh_api::ErrorBody;
use dinhdanh_app::AppError;
use dinhdanh_domain::error::{FieldError, Invalid};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Every route mounted, as (method, path under `/api/v1`); the OpenAPI document lists the same.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/auth/login"),
    ("post", "/auth/logout"),
    ("get", "/persons"),
    ("get", "/persons/{pin}"),
    ("get", "/persons/{pin}/history"),
    ("post", "/births"),
    ("post", "/persons/{pin}/events/marriage"),
    ("post", "/persons/{pin}/events/divorce"),
    ("post", "/persons/{pin}/events/death"),
    ("post", "/persons/{pin}/events/missing"),
    ("post", "/persons/{pin}/events/correction"),
    ("get", "/adjudication"),
    ("get", "/adjudication/{id}"),
    ("post", "/adjudication/{id}/decision"),
    ("get", "/admin-units/provinces"),
    ("get", "/admin-units/provinces/{code}/communes"),
    ("get", "/admin-units/communes/{code}"),
    ("get", "/admin/clients"),
    ("post", "/admin/clients"),
    ("delete", "/admin/clients/{id}"),
    ("get", "/admin/subscriptions"),
    ("post", "/admin/subscriptions"),
    ("get", "/admin/subscriptions/{id}"),
    ("post", "/admin/subscriptions/{id}/approve"),
    ("post", "/admin/subscriptions/{id}/suspend"),
    ("get", "/admin/subscriptions/{id}/dead-letters"),
    ("post", "/admin/subscriptions/{id}/dead-letters/redeliver"),
    ("post", "/admin/subscriptions/{id}/replay"),
    ("post", "/eid/register/challenge"),
    ("post", "/eid/register"),
    ("post", "/eid/activation/code"),
    ("post", "/eid/activation"),
    ("post", "/eid/reset/code"),
    ("post", "/eid/reset"),
    ("post", "/eid/login"),
    ("post", "/eid/login/sms-code"),
    ("post", "/eid/login/second-factor"),
    ("post", "/eid/login/passkey/options"),
    ("post", "/eid/login/passkey"),
    ("post", "/eid/passkey-login/options"),
    ("post", "/eid/passkey-login"),
    ("post", "/eid/logout"),
    ("get", "/eid/me"),
    ("get", "/eid/me/profile"),
    ("get", "/eid/me/history"),
    ("get", "/eid/me/sessions"),
    ("delete", "/eid/me/sessions"),
    ("delete", "/eid/me/sessions/{id}"),
    ("post", "/eid/me/password"),
    ("post", "/eid/me/passcode"),
    ("post", "/eid/me/lock"),
    ("post", "/eid/me/totp"),
    ("post", "/eid/me/totp/confirm"),
    ("post", "/eid/me/totp/remove"),
    ("get", "/eid/me/passkeys"),
    ("post", "/eid/me/passkeys"),
    ("post", "/eid/me/passkeys/options"),
    ("post", "/eid/me/passkeys/{id}/remove"),
    ("get", "/eid/me/dependants"),
    ("get", "/eid/me/dependants/{pin}"),
    ("get", "/eid/me/organisations"),
    ("post", "/eid/organisations"),
    ("post", "/eid/organisations/{code}/members"),
    ("post", "/eid/organisations/{code}/members/{pin}/remove"),
    ("post", "/eid/accounts/level2"),
    ("get", "/eid/accounts/{pin}"),
    ("post", "/eid/accounts/{pin}/lock"),
    ("post", "/eid/accounts/{pin}/unlock"),
    ("get", "/eid/reviews"),
    ("post", "/eid/reviews/{pin}/decision"),
    ("get", "/eid/reviews/{pin}/evidence/{kind}"),
    ("post", "/cards/applications"),
    ("get", "/cards/applications/{id}"),
    ("post", "/cards/applications/{id}/steps"),
    ("get", "/persons/{pin}/biometrics"),
    ("post", "/persons/{pin}/biometrics/{kind}"),
    ("get", "/persons/{pin}/cards"),
    ("post", "/persons/{pin}/cards/lost"),
    ("get", "/persons/{pin}/cards/current/qr"),
    ("get", "/persons/{pin}/cards/current/qr/{variant}"),
    ("get", "/persons/{pin}/cards/current/image/{side}"),
    ("post", "/cards/{id}/revoke"),
    ("post", "/cards/status"),
    ("post", "/cards/verify"),
    ("get", "/cards/qr-keys"),
    ("post", "/cards/qr/verify"),
    ("post", "/residence/dossiers"),
    ("get", "/residence/dossiers/{id}"),
    ("post", "/residence/dossiers/{id}/steps"),
    ("get", "/households/{id}"),
    ("get", "/persons/{pin}/residence"),
    ("get", "/residence/absence-candidates"),
    ("get", "/admin-units/legacy-communes/{code}/conversion"),
    ("post", "/stays"),
    ("get", "/stays"),
    ("post", "/persons/{pin}/residence-confirmations"),
    ("get", "/residence-confirmations/{id}"),
    ("post", "/residence-confirmations/verify"),
    ("get", "/openapi.json"),
    ("get", "/docs"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(accounts::login))
        .route("/auth/logout", post(accounts::logout))
        .route("/persons", get(persons::search))
        .route("/persons/{pin}", get(persons::person))
        .route("/persons/{pin}/history", get(persons::history))
        .route("/births", post(persons::register_birth))
        .route("/persons/{pin}/events/marriage", post(persons::marriage))
        .route("/persons/{pin}/events/divorce", post(persons::divorce))
        .route("/persons/{pin}/events/death", post(persons::death))
        .route("/persons/{pin}/events/missing", post(persons::missing))
        .route("/persons/{pin}/events/correction", post(persons::correction))
        .route("/adjudication", get(cases::list))
        .route("/adjudication/{id}", get(cases::get))
        .route("/adjudication/{id}/decision", post(cases::decide))
        .route("/admin-units/provinces", get(units::provinces))
        .route("/admin-units/provinces/{code}/communes", get(units::communes))
        .route("/admin-units/communes/{code}", get(units::commune))
        .route("/admin/clients", get(accounts::clients).post(accounts::create_client))
        .route("/admin/clients/{id}", delete(accounts::revoke_client))
        .route("/admin/subscriptions", get(events::list).post(events::create))
        .route("/admin/subscriptions/{id}", get(events::get))
        .route("/admin/subscriptions/{id}/approve", post(events::approve))
        .route("/admin/subscriptions/{id}/suspend", post(events::suspend))
        .route("/admin/subscriptions/{id}/dead-letters", get(events::dead_letters))
        .route("/admin/subscriptions/{id}/dead-letters/redeliver", post(events::redeliver))
        .route("/admin/subscriptions/{id}/replay", post(events::replay))
        .route("/eid/register/challenge", post(eid_chip::challenge))
        .route("/eid/register", post(eid_chip::register))
        .route("/eid/activation/code", post(eid::activation_code))
        .route("/eid/activation", post(eid::activate))
        .route("/eid/reset/code", post(eid::reset_code))
        .route("/eid/reset", post(eid::reset))
        .route("/eid/login", post(eid::login))
        .route("/eid/login/sms-code", post(eid::login_sms_code))
        .route("/eid/login/second-factor", post(eid::second_factor))
        .route("/eid/login/passkey/options", post(eid::second_factor_passkey_options))
        .route("/eid/login/passkey", post(eid::second_factor_passkey))
        .route("/eid/passkey-login/options", post(eid::passkey_login_options))
        .route("/eid/passkey-login", post(eid::passkey_login))
        .route("/eid/logout", post(eid::logout))
        .route("/eid/me", get(eid::me))
        .route("/eid/me/profile", get(eid::profile))
        .route("/eid/me/history", get(eid::history))
        .route("/eid/me/sessions", get(eid::sessions).delete(eid::revoke_other_sessions))
        .route("/eid/me/sessions/{id}", delete(eid::revoke_session))
        .route("/eid/me/password", post(eid::change_password))
        .route("/eid/me/passcode", post(eid::change_passcode))
        .route("/eid/me/lock", post(eid::lock_self))
        .route("/eid/me/totp", post(eid::totp_begin))
        .route("/eid/me/totp/confirm", post(eid::totp_confirm))
        .route("/eid/me/totp/remove", post(eid::totp_remove))
        .route("/eid/me/passkeys", get(eid::passkeys).post(eid::passkey_register))
        .route("/eid/me/passkeys/options", post(eid::passkey_options))
        .route("/eid/me/passkeys/{id}/remove", post(eid::passkey_remove))
        .route("/eid/me/dependants", get(eid::dependants))
        .route("/eid/me/dependants/{pin}", get(eid::dependant))
        .route("/eid/me/organisations", get(eid::organisations))
        .route("/eid/organisations", post(eid::register_org))
        .route("/eid/organisations/{code}/members", post(eid::add_member))
        .route("/eid/organisations/{code}/members/{pin}/remove", post(eid::remove_member))
        .route("/eid/accounts/level2", post(eid::grant_level2))
        .route("/eid/accounts/{pin}", get(eid::account))
        .route("/eid/accounts/{pin}/lock", post(eid::officer_lock))
        .route("/eid/accounts/{pin}/unlock", post(eid::officer_unlock))
        .route("/eid/reviews", get(eid::reviews))
        .route("/eid/reviews/{pin}/decision", post(eid::review_decide))
        .route("/eid/reviews/{pin}/evidence/{kind}", get(eid::review_evidence))
        .route("/cards/applications", post(cards::apply))
        .route("/cards/applications/{id}", get(cards::application))
        .route("/cards/applications/{id}/steps", post(cards::step))
        .route("/persons/{pin}/biometrics", get(cards::biometrics))
        .route(
            "/persons/{pin}/biometrics/{kind}",
            post(cards::capture).layer(axum::extract::DefaultBodyLimit::max(cards::MAX_BIOMETRIC_BYTES + 1024)),
        )
        .route("/persons/{pin}/cards", get(cards::cards))
        .route("/persons/{pin}/cards/lost", post(cards::report_lost))
        .route("/persons/{pin}/cards/current/qr", get(cards::qr_texts))
        .route("/persons/{pin}/cards/current/qr/{variant}", get(cards::qr_image))
        .route("/persons/{pin}/cards/current/image/{side}", get(cards::card_image))
        .route("/cards/{id}/revoke", post(cards::revoke))
        .route("/cards/status", post(cards::status))
        .route("/cards/verify", post(cards::verify))
        .route("/cards/qr-keys", get(cards::qr_keys))
        .route("/cards/qr/verify", post(cards::verify_qr))
        .route("/residence/dossiers", post(residence::file))
        .route("/residence/dossiers/{id}", get(residence::dossier))
        .route("/residence/dossiers/{id}/steps", post(residence::step))
        .route("/households/{id}", get(residence::household))
        .route("/persons/{pin}/residence", get(residence::residence_as_of))
        .route("/residence/absence-candidates", get(residence::absence_candidates))
        .route("/admin-units/legacy-communes/{code}/conversion", get(residence::convert))
        .route("/stays", post(stays::notify).get(stays::list))
        .route("/persons/{pin}/residence-confirmations", post(confirmations::issue))
        .route("/residence-confirmations/verify", post(confirmations::verify))
        .route("/residence-confirmations/{id}", get(confirmations::get))
        .route("/openapi.json", get(docs::openapi_json))
        .route("/docs", get(docs::docs_page))
        .fallback(error::route_not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::map_response(error::ensure_error_format))
}

/// Error answers any authenticated operation may give, all in the one error format.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only the derived OpenAPI description is used
pub enum Errors {
    /// Malformed JSON or query string.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No valid token.
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// Not allowed (role, scope or jurisdiction); nothing is revealed.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// No such person, case, client or unit.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// The data changed concurrently, or a unique name is taken.
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// The body exceeds the size limit.
    #[response(status = 413)]
    PayloadTooLarge(ErrorBody),
    /// The body is not `application/json`.
    #[response(status = 415)]
    UnsupportedMediaType(ErrorBody),
    /// Field errors, each with its rule in Vietnamese and English; nothing was changed.
    #[response(status = 422)]
    Invalid(ErrorBody),
    /// e-ID: the account (or number) is locked after repeated failures or on request.
    #[response(status = 423)]
    Locked(ErrorBody),
    /// Too many attempts; `Retry-After` says when to try again.
    #[response(status = 429)]
    TooManyRequests(ErrorBody),
    /// Internal error; details are logged, never returned.
    #[response(status = 500)]
    Internal(ErrorBody),
    /// The database is unavailable; retry later.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// Error answers of the operations that need no token.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only the derived OpenAPI description is used
pub enum PublicErrors {
    /// Malformed JSON.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// Wrong user name or password (the same answer for both).
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// The body exceeds the size limit.
    #[response(status = 413)]
    PayloadTooLarge(ErrorBody),
    /// The body is not `application/json`.
    #[response(status = 415)]
    UnsupportedMediaType(ErrorBody),
    /// Field errors, each with its rule in Vietnamese and English.
    #[response(status = 422)]
    Invalid(ErrorBody),
    /// e-ID: the account (or number) is locked after repeated failures or on request.
    #[response(status = 423)]
    Locked(ErrorBody),
    /// Too many attempts; `Retry-After` says when to try again.
    #[response(status = 429)]
    TooManyRequests(ErrorBody),
    /// Internal error; details are logged, never returned.
    #[response(status = 500)]
    Internal(ErrorBody),
    /// The database is unavailable; retry later.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// Renames the fields of a use case's errors to the request's wire names.
pub fn remap_fields(e: AppError, names: &[(&str, &str)]) -> AppError {
    match e {
        AppError::Invalid(Invalid(fields)) => AppError::Invalid(Invalid(
            fields
                .into_iter()
                .map(|f| {
                    let renamed = names.iter().find_map(|(from, to)| {
                        if f.field == *from {
                            Some((*to).to_owned())
                        } else {
                            f.field.strip_prefix(&format!("{from}.")).map(|rest| format!("{to}.{rest}"))
                        }
                    });
                    FieldError { field: renamed.unwrap_or(f.field), rule: f.rule }
                })
                .collect(),
        )),
        other => other,
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "API client token (`ddk_…`, issued by an administrator), officer session token \
                         (`dds_…`, from `POST /api/v1/auth/login`) or e-ID holder session token (`dde_…`, from \
                         `POST /api/v1/eid/login`).",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "dinhdanh — Cơ sở dữ liệu quốc gia về dân cư / National Population Database",
        version = "1.0.0",
        description = "REST API of the population register: persons (Identity Law 2023 Art. 9), life events, \
            adjudication of possible duplicates, administrative units (2025 and legacy), API clients, e-ID accounts and identity cards. \
            Every read and write of a person's data is audited. Errors share one body with messages in \
            Vietnamese and English.",
        license(name = "Apache-2.0 OR MIT", identifier = "Apache-2.0 OR MIT"),
    ),
    paths(
        accounts::login, accounts::logout,
        persons::search, persons::person, persons::history, persons::register_birth,
        persons::marriage, persons::divorce, persons::death, persons::missing, persons::correction,
        cases::list, cases::get, cases::decide,
        units::provinces, units::communes, units::commune,
        accounts::clients, accounts::create_client, accounts::revoke_client,
        events::list, events::create, events::get, events::approve, events::suspend, events::dead_letters,
        events::redeliver, events::replay,
        eid_chip::challenge, eid_chip::register,
        eid::activation_code, eid::activate, eid::reset_code, eid::reset, eid::login, eid::login_sms_code,
        eid::second_factor, eid::second_factor_passkey_options, eid::second_factor_passkey,
        eid::passkey_login_options, eid::passkey_login, eid::logout, eid::me, eid::profile, eid::history,
        eid::sessions, eid::revoke_other_sessions, eid::revoke_session, eid::change_password,
        eid::change_passcode, eid::lock_self, eid::totp_begin, eid::totp_confirm, eid::totp_remove,
        eid::passkeys, eid::passkey_options, eid::passkey_register, eid::passkey_remove, eid::dependants,
        eid::dependant, eid::organisations, eid::register_org, eid::add_member, eid::remove_member,
        eid::grant_level2, eid::account, eid::officer_lock, eid::officer_unlock, eid::reviews, eid::review_decide, eid::review_evidence,
        cards::apply, cards::application, cards::step, cards::biometrics, cards::capture, cards::cards,
        cards::report_lost, cards::qr_texts, cards::qr_image, cards::card_image, cards::revoke, cards::status, cards::verify,
        cards::qr_keys, cards::verify_qr,
        residence::file, residence::dossier, residence::step, residence::household, residence::residence_as_of,
        residence::absence_candidates, residence::convert,
        stays::notify, stays::list,
        confirmations::issue, confirmations::get, confirmations::verify,
        docs::openapi_json, docs::docs_page,
    ),
    components(schemas(ErrorBody, dinhdanh_api::FieldErrorBody)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "Officer sessions"),
        (name = "persons", description = "Reading and searching the register (audited)"),
        (name = "events", description = "Birth registration and life events"),
        (name = "adjudication", description = "Possible duplicates awaiting a decision"),
        (name = "admin-units", description = "Administrative units of both catalogues"),
        (name = "admin", description = "API clients and agencies' event subscriptions (administrators)"),
        (name = "eid", description = "e-ID accounts: activation, sign-in, second factors, passkeys, sessions, \
            dependants and organisations (citizens, `dde_` tokens)"),
        (name = "eid-officers", description = "e-ID accounts: level 2 at the counter, review, lock and unlock (officers)"),
        (name = "cards", description = "Identity cards: applications (dossiers), biometrics, cards, loss and \
            revocation, QR codes (officers)"),
        (name = "cards-relying-parties", description = "Identity cards for relying parties: card status, passive \
            authentication of chip data, signed QR codes and their public keys"),
        (name = "residence", description = "Residence: households, residence as of a date, the residence \
            procedures as dossiers (officers of the commune police of the address)"),
        (name = "stays", description = "Stay notifications (lưu trú): hosts' batches of guests (API clients with \
            `stays:write`, officers) and the commune police's list"),
        (name = "residence-confirmations", description = "Residence confirmations: issued by officers, verified by anyone"),
        (name = "docs", description = "This documentation"),
    ),
)]
pub struct ApiDoc;
