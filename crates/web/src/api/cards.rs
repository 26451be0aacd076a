//! Identity cards: applications through the dossier workflow, biometric captures, cards and
//! their status; for relying parties the status question, passive authentication of chip data
//! and the signed QR; the QR key set (public).

use super::error::{ApiError, ApiResult};
use super::extract::{ApiPath, ApiQuery, Caller, JsonBody};
use super::params::{dossier_of_kind, id_param, pin_param, take_step};
use super::{Errors, PublicErrors, remap_fields};
use crate::AppState;
use crate::render;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use dinhdanh_api::cards::*;
use dinhdanh_api::{ErrorKind, rfc3339};
use dinhdanh_app::cards::application::{CardApplicationInput, KIND_CODE, decode_form};
use dinhdanh_app::cards::{CardPrint, CardView};
use dinhdanh_app::identity::{BiometricFormat, BiometricInfo, BiometricKind};
use dinhdanh_app::workflow::{Applicant, ApplicantRelation, Dossier, DossierView};
use dinhdanh_domain::date::iso;
use dinhdanh_domain::error::Rule;
use dinhdanh_icao::verify::Outcome;
use serde::Deserialize;
use utoipa::IntoParams;

/// Largest biometric upload: a fingerprint image of 1 MiB (a face is at most 512 KiB).
pub const MAX_BIOMETRIC_BYTES: usize = dinhdanh_app::identity::FINGER_MAX_BYTES;

fn application_body(d: &Dossier, log: Option<&DossierView>) -> CardApplication {
    let state = d.state();
    let subject = d.subjects.first();
    CardApplication {
        id: d.id,
        code: d.code.clone(),
        status: d.status.to_owned(),
        status_vi: state.name_vi.to_owned(),
        status_en: state.name_en.to_owned(),
        kind: decode_form(&d.form).map(|k| k.code().to_owned()).unwrap_or_default(),
        pin: subject.map(|s| s.pin.to_string()).unwrap_or_default(),
        name: subject.map(|s| s.name.clone()).unwrap_or_default(),
        handling_unit: d.handling_unit.to_string(),
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

fn card_body(c: &CardView) -> Card {
    Card {
        id: c.id,
        pin: c.pin.clone(),
        document_number: c.document_number.clone(),
        application_kind: c.application_kind.code().to_owned(),
        status: c.status.code().to_owned(),
        status_vi: c.status.name_vi().to_owned(),
        issued_on: iso(c.issued_on),
        expires_on: c.expires_on.map(iso),
        delivered_at: c.delivered_at.map(rfc3339),
        status_changed_at: rfc3339(c.status_changed_at),
        status_reason: c.status_reason.clone(),
        replaced_by: c.replaced_by,
        document_signer: c.document_signer.clone(),
    }
}

fn biometric_body(b: &BiometricInfo) -> Biometric {
    Biometric {
        id: b.id,
        kind: b.kind.code(),
        format: b.format.code().to_owned(),
        width: b.width,
        height: b.height,
        bytes: b.byte_len,
        captured_at: rfc3339(b.captured_at),
        captured_by: b.captured_by.clone(),
        active: b.active,
    }
}

/// Receives a card application (officers of the handling commune). Refused with nothing
/// written for a dead or missing person, while another application is open, or when the kind
/// does not fit the person's cards; a re-issue after a loss reports the card lost at once.
#[utoipa::path(post, path = "/api/v1/cards/applications", tag = "cards", request_body = CardApplicationRequest,
    responses((status = 201, description = "The application, received", body = CardApplication), Errors))]
pub async fn apply(
    caller: Caller,
    State(s): State<AppState>,
    JsonBody(req): JsonBody<CardApplicationRequest>,
) -> ApiResult<(axum::http::StatusCode, Json<CardApplication>)> {
    let p = req.parse()?;
    let relation =
        ApplicantRelation::parse(&p.applicant.relation).map_err(|r| ApiError::invalid("applicant.relation", r))?;
    let input = CardApplicationInput {
        pin: p.pin,
        kind: p.kind,
        handling_unit: p.handling_unit,
        applicant: Applicant {
            person_id: None,
            pin: p.applicant.pin,
            name: p.applicant.name.unwrap_or_default(),
            relation,
            organisation: String::new(),
            contact: p.applicant.contact,
        },
    };
    let d = s
        .app
        .apply_for_card(&caller.principal, input)
        .await
        .map_err(|e| remap_fields(e, &[("unit", "handling_unit"), ("handling_unit", "handling_unit")]))?;
    Ok((axum::http::StatusCode::CREATED, Json(application_body(&d, None))))
}

/// An application with its log (officers of the handling commune; audited).
#[utoipa::path(get, path = "/api/v1/cards/applications/{id}", tag = "cards",
    params(("id" = String, Path, description = "Application id (UUID)")),
    responses((status = 200, description = "The application and its log", body = CardApplication), Errors))]
pub async fn application(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CardApplication>> {
    let view = dossier_of_kind(&s, &caller, &id, |k| k == KIND_CODE).await?;
    Ok(Json(application_body(&view.dossier, Some(&view))))
}

/// Takes one step: `capture_biometrics` (needs the face for holders from 6), `approve` and
/// `refuse` (supervisors), `produce` (builds and signs the chip data, stores the card, replaces
/// the previous one), `deliver`, `withdraw`. Every step is audited.
#[utoipa::path(post, path = "/api/v1/cards/applications/{id}/steps", tag = "cards",
    params(("id" = String, Path, description = "Application id (UUID)")), request_body = StepRequest,
    responses((status = 200, description = "The application after the step", body = CardApplication), Errors))]
pub async fn step(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    JsonBody(req): JsonBody<StepRequest>,
) -> ApiResult<Json<CardApplication>> {
    let d = take_step(&s, &caller, &id, |k| k == KIND_CODE, &req).await?;
    Ok(Json(application_body(&d, None)))
}

/// What has been captured for a person (no image). Audited.
#[utoipa::path(get, path = "/api/v1/persons/{pin}/biometrics", tag = "cards",
    params(("pin" = String, Path, description = "12-digit PIN", pattern = r"^[0-9]{12}$")),
    responses((status = 200, description = "Captures, newest first", body = Vec<Biometric>), Errors))]
pub async fn biometrics(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
) -> ApiResult<Json<Vec<Biometric>>> {
    let pin = pin_param(&pin)?;
    let list = s.app.biometric_infos(&caller.principal, &pin).await?;
    Ok(Json(list.iter().map(biometric_body).collect()))
}

/// Captures a face image (`image/jpeg`, portrait, 240 × 320 to 4000 × 4000 pixels, at most
/// 512 KiB) or a fingerprint (`image/jpeg`, `image/png`, or an ISO/IEC 19794-2 template as
/// `application/octet-stream`, at most 1 MiB). The body is the file itself. The capture is
/// sealed at rest and becomes the active one of its kind.
#[utoipa::path(post, path = "/api/v1/persons/{pin}/biometrics/{kind}", tag = "cards",
    params(("pin" = String, Path, description = "12-digit PIN", pattern = r"^[0-9]{12}$"),
        ("kind" = String, Path, description = "`face` or `finger.1` … `finger.10`")),
    request_body(content(
        (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "application/octet-stream")),
        description = "The image or template"),
    responses((status = 201, description = "The capture (without the image)", body = Biometric), Errors))]
pub async fn capture(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath((pin, kind)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<(axum::http::StatusCode, Json<Biometric>)> {
    let pin = pin_param(&pin)?;
    let kind = BiometricKind::parse(&kind).map_err(|r| ApiError::invalid("kind", r))?;
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let format = match ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase().as_str() {
        "image/jpeg" => BiometricFormat::Jpeg,
        "image/png" => BiometricFormat::Png,
        "application/octet-stream" => BiometricFormat::IsoMinutiae,
        _ => return Err(ApiError::invalid("content_type", Rule::BiometricContentType)),
    };
    let bytes = body.map_err(|r| {
        if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ErrorKind::PayloadTooLarge)
        } else {
            ApiError::new(ErrorKind::BadRequest)
        }
    })?;
    let info = s.app.capture_biometric(&caller.principal, &pin, kind, format, &bytes).await?;
    Ok((axum::http::StatusCode::CREATED, Json(biometric_body(&info))))
}

/// The cards of a person, newest first, with today's status. Audited.
#[utoipa::path(get, path = "/api/v1/persons/{pin}/cards", tag = "cards",
    params(("pin" = String, Path, description = "12-digit PIN", pattern = r"^[0-9]{12}$")),
    responses((status = 200, description = "Cards, newest first", body = Vec<Card>), Errors))]
pub async fn cards(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
) -> ApiResult<Json<Vec<Card>>> {
    let pin = pin_param(&pin)?;
    Ok(Json(s.app.cards(&caller.principal, &pin).await?.iter().map(card_body).collect()))
}

/// Reports the person's active card lost: it is revoked at once, for good.
#[utoipa::path(post, path = "/api/v1/persons/{pin}/cards/lost", tag = "cards",
    params(("pin" = String, Path, description = "12-digit PIN", pattern = r"^[0-9]{12}$")),
    responses((status = 200, description = "The card, now lost", body = Card), Errors))]
pub async fn report_lost(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
) -> ApiResult<Json<Card>> {
    let pin = pin_param(&pin)?;
    Ok(Json(card_body(&s.app.report_card_lost(&caller.principal, &pin).await?)))
}

/// Revokes a card (supervisors), with the reason.
#[utoipa::path(post, path = "/api/v1/cards/{id}/revoke", tag = "cards",
    params(("id" = String, Path, description = "Card id (UUID)")), request_body = RevokeRequest,
    responses((status = 200, description = "The card, now revoked", body = Card), Errors))]
pub async fn revoke(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    JsonBody(req): JsonBody<RevokeRequest>,
) -> ApiResult<Json<Card>> {
    let id = id_param(&id)?;
    let reason = req.reason.ok_or_else(|| ApiError::invalid("reason", Rule::Required))?;
    Ok(Json(card_body(&s.app.revoke_card(&caller.principal, id, &reason).await?)))
}

/// For relying parties (scope `cards:status`): the status of the card with this PIN and
/// document number, and nothing else. A card that does not exist is 404. Audited against the
/// holder. A POST so that the PIN stays out of URLs and access logs.
#[utoipa::path(post, path = "/api/v1/cards/status", tag = "cards-relying-parties", request_body = CardStatusRequest,
    responses((status = 200, description = "The card's status only", body = CardStatusResponse), Errors))]
pub async fn status(
    caller: Caller,
    State(s): State<AppState>,
    JsonBody(req): JsonBody<CardStatusRequest>,
) -> ApiResult<Json<CardStatusResponse>> {
    let (pin, doc) = req.parse()?;
    let status = s.app.card_status(&caller.principal, &pin, &doc).await?;
    Ok(Json(CardStatusResponse {
        status: status.code().to_owned(),
        valid: status == dinhdanh_domain::card::CardStatus::Active,
    }))
}

/// For relying parties (scope `cards:verify`): passive authentication (ICAO 9303 Part 11) of
/// chip data read from a card, against this service's CSCA and current CRL. The report names
/// every check and why it failed; nothing from the register is disclosed.
#[utoipa::path(post, path = "/api/v1/cards/verify", tag = "cards-relying-parties", request_body = VerifyRequest,
    responses((status = 200, description = "The report (`valid` is false when any check failed)", body = VerifyReport),
        Errors))]
pub async fn verify(
    caller: Caller,
    State(s): State<AppState>,
    JsonBody(req): JsonBody<VerifyRequest>,
) -> ApiResult<Json<VerifyReport>> {
    let (sod, dgs) = req.parse()?;
    let report = s.app.verify_chip(&caller.principal, &sod, &dgs).await?;
    Ok(Json(report_body(&report)))
}

pub fn report_body(report: &dinhdanh_icao::Report) -> VerifyReport {
    VerifyReport {
        valid: report.is_valid(),
        checks: report
            .checks
            .iter()
            .map(|c| {
                let (outcome, detail) = match &c.outcome {
                    Outcome::Passed => ("passed", None),
                    Outcome::Failed(why) => ("failed", Some(why.clone())),
                    Outcome::Skipped(why) => ("skipped", Some(why.clone())),
                };
                VerifyCheck {
                    check: c.kind.code(),
                    outcome: outcome.to_owned(),
                    label_vi: c.kind.label_vi(),
                    label_en: c.kind.label_en(),
                    detail,
                }
            })
            .collect(),
        document_signer: report.document_signer.clone(),
        csca: report.csca.clone(),
        signing_time: report.signing_time.map(rfc3339),
    }
}

/// The keys that sign card QR codes, as a JSON Web Key Set: verify a signed QR offline with
/// them (ES256 compact JWS, key chosen by `kid`). Public.
#[utoipa::path(get, path = "/api/v1/cards/qr-keys", tag = "cards-relying-parties", security(()),
    responses((status = 200, description = "JWKS (`{\"keys\": [...]}`)", body = Object), PublicErrors))]
pub async fn qr_keys(State(s): State<AppState>) -> Response {
    let mut r = Json(s.app.qr_keys()).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}

/// For relying parties (scope `cards:verify`): checks a signed card QR against the published
/// keys. The answer is what the QR itself says, once its signature verified; the register is
/// not consulted (ask `/cards/status` for that).
#[utoipa::path(post, path = "/api/v1/cards/qr/verify", tag = "cards-relying-parties", request_body = QrVerifyRequest,
    responses((status = 200, description = "Whether the QR is authentic, and its claims", body = QrVerifyResponse),
        Errors))]
pub async fn verify_qr(
    caller: Caller,
    State(s): State<AppState>,
    JsonBody(req): JsonBody<QrVerifyRequest>,
) -> ApiResult<Json<QrVerifyResponse>> {
    let text = req.qr.ok_or_else(|| ApiError::invalid("qr", Rule::Required))?;
    Ok(Json(match s.app.verify_card_qr(&caller.principal, &text)? {
        Ok((c, kid)) => QrVerifyResponse {
            valid: true,
            kid: Some(kid),
            claims: Some(QrClaimsBody {
                pin: c.pin,
                name: c.name,
                date_of_birth: c.date_of_birth,
                sex: c.sex,
                document_number: c.document_number,
                expires_on: c.expires_on,
            }),
            error: None,
            message_vi: None,
            message_en: None,
        },
        Err(e) => QrVerifyResponse {
            valid: false,
            kid: None,
            claims: None,
            error: Some(e.code().to_owned()),
            message_vi: Some(e.message_vi().to_owned()),
            message_en: Some(e.to_string()),
        },
    }))
}

async fn print(s: &AppState, caller: &Caller, pin: &str) -> ApiResult<CardPrint> {
    let pin = pin_param(pin)?;
    Ok(s.app.card_print(&caller.principal, &pin).await?)
}

/// Both QR texts of the person's newest card (supervisors; audited as an export).
#[utoipa::path(get, path = "/api/v1/persons/{pin}/cards/current/qr", tag = "cards",
    params(("pin" = String, Path, description = "12-digit PIN", pattern = r"^[0-9]{12}$")),
    responses((status = 200, description = "The legacy and the signed QR text", body = CardQr), Errors))]
pub async fn qr_texts(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath(pin): ApiPath<String>,
) -> ApiResult<Json<CardQr>> {
    let p = print(&s, &caller, &pin).await?;
    Ok(Json(CardQr { legacy: p.legacy_qr, signed: p.signed_qr }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImageQuery {
    /// `svg` (default) or `png`.
    pub format: Option<String>,
}

/// The QR of the person's newest card as an image: `legacy` (the seven-field text printed on
/// cards) or `signed`.
#[utoipa::path(get, path = "/api/v1/persons/{pin}/cards/current/qr/{variant}", tag = "cards",
    params(("pin" = String, Path, description = "12-digit PIN", pattern = r"^[0-9]{12}$"),
        ("variant" = String, Path, description = "`legacy` or `signed`"), ImageQuery),
    responses((status = 200, description = "SVG or PNG image", content(
        (String = "image/svg+xml"), (Vec<u8> = "image/png"))), Errors))]
pub async fn qr_image(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath((pin, variant)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<ImageQuery>,
) -> ApiResult<Response> {
    let png = image_format(&q)?;
    if variant != "legacy" && variant != "signed" {
        return Err(ApiError::new(ErrorKind::NotFound));
    }
    let p = print(&s, &caller, &pin).await?;
    let text = if variant == "legacy" { p.legacy_qr } else { p.signed_qr };
    let internal = |e: render::RenderError| ApiError::from(dinhdanh_app::AppError::Internal(e.to_string()));
    Ok(if png {
        image_response("image/png", render::qr_png(&text).map_err(internal)?)
    } else {
        image_response("image/svg+xml", render::qr_svg(&text).map_err(internal)?.into_bytes())
    })
}

fn image_format(q: &ImageQuery) -> ApiResult<bool> {
    match q.format.as_deref().map(str::trim) {
        None | Some("") | Some("svg") => Ok(false),
        Some("png") => Ok(true),
        Some(_) => Err(ApiError::invalid("format", Rule::ImageFormat)),
    }
}

fn image_response(content_type: &'static str, bytes: Vec<u8>) -> Response {
    let mut r = bytes.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Personal data: never kept by a shared cache.
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A printable side of the person's newest card (`front` or `back`) as SVG: the 2024 card's
/// fields in Vietnamese and English, the photo, the QR code and the MRZ (supervisors; audited as
/// an export).
#[utoipa::path(get, path = "/api/v1/persons/{pin}/cards/current/image/{side}", tag = "cards",
    params(("pin" = String, Path, description = "12-digit PIN", pattern = r"^[0-9]{12}$"),
        ("side" = String, Path, description = "`front` or `back`")),
    responses((status = 200, description = "SVG image (ID-1 size)", content((String = "image/svg+xml"))), Errors))]
pub async fn card_image(
    caller: Caller,
    State(s): State<AppState>,
    ApiPath((pin, side)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let side = match side.as_str() {
        "front" => render::Side::Front,
        "back" => render::Side::Back,
        _ => return Err(ApiError::invalid("side", Rule::CardImageSide)),
    };
    let p = print(&s, &caller, &pin).await?;
    use dinhdanh_icao::lds::dg13_field as f;
    let t = |n| p.dg13.text(n).unwrap_or_default();
    let face = render::CardFace {
        pin: t(f::PIN),
        name: t(f::FULL_NAME),
        date_of_birth: t(f::DATE_OF_BIRTH),
        sex: t(f::SEX),
        nationality: t(f::NATIONALITY),
        residence: t(f::RESIDENCE),
        birth_registration: &p.birth_registration,
        issued_on: t(f::DATE_OF_ISSUE),
        expires_on: t(f::DATE_OF_EXPIRY),
        mrz: &p.mrz,
        photo_jpeg: p.face_jpeg.as_deref(),
        qr: &p.legacy_qr,
    };
    let svg =
        render::card_svg(&face, side).map_err(|e| ApiError::from(dinhdanh_app::AppError::Internal(e.to_string())))?;
    Ok(image_response("image/svg+xml", svg.into_bytes()))
}
