//! `/citizen/register`: level-1 registration by chip. The page issues the Active Authentication
//! challenge; the citizen's card reader app (NFC) reads the card, has the chip sign the challenge
//! and saves a chip reading file, which the form uploads with an optional selfie. The checks are
//! those of `POST /api/v1/eid/register` (`App::eid_register_chip`). Demo servers also offer a
//! virtual card reader at `/citizen/dev/card`.

use super::{PageCtx, form_token, form_token_ok, message, render_with_form_cookie};
use crate::AppState;
use crate::pages::forms::FormErrors;
use crate::pages::i18n::{Lang, Tr};
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use dinhdanh_api::cards::VerifyRequest;
use dinhdanh_app::AppError;
use dinhdanh_app::eid::chip::{ChipRegistration, Level1Outcome};
use dinhdanh_domain::error::Rule;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The largest chip reading file accepted (DG2 with a portrait is the big part).
const READING_MAX_BYTES: usize = 256 * 1024;

/// A chip reading file, as a card reader app saves it: the fields of
/// `POST /api/v1/eid/register` that come from the card (files base64, the answer base64url).
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChipReadingFile {
    sod: String,
    data_groups: BTreeMap<String, String>,
    aa_signature: String,
}

#[derive(Template)]
#[template(path = "citizen/register.html")]
struct RegisterTpl {
    tr: Tr,
    nav: Option<super::CitizenNav>,
    csrf: String,
    challenge_id: String,
    /// The challenge as hex, for reader apps where it is typed in.
    challenge_hex: String,
    pin: String,
    phone: String,
    demo_reader: bool,
    errors: FormErrors,
}

/// The form, with a fresh challenge (a new one each time it is shown: one is spent per try).
async fn page(
    state: &AppState,
    lang: Lang,
    ip: &str,
    status: StatusCode,
    pin: &str,
    phone: &str,
    errors: FormErrors,
) -> Response {
    let tr = Tr(lang);
    let challenge = match state.app.eid_chip_challenge(ip).await {
        Ok(c) => c,
        Err(AppError::TooManyRequests(_)) => {
            return message(tr, None, StatusCode::TOO_MANY_REQUESTS, "error.429.title", "error.429.text");
        }
        Err(e) => {
            tracing::error!(error = %e, "registration challenge");
            return message(tr, None, StatusCode::SERVICE_UNAVAILABLE, "error.503.title", "error.503.text");
        }
    };
    let (csrf, cookie) = form_token(state);
    let t = RegisterTpl {
        tr,
        nav: None,
        csrf,
        challenge_id: challenge.id.to_string(),
        challenge_hex: challenge.bytes.iter().map(|b| format!("{b:02X}")).collect(),
        pin: pin.trim().to_owned(),
        phone: phone.trim().to_owned(),
        demo_reader: state.app.has_virtual_cards(),
        errors,
    };
    render_with_form_cookie(status, &t, &cookie)
}

pub(crate) async fn form(State(state): State<AppState>, lang: Lang, PageCtx(ctx): PageCtx) -> Response {
    page(&state, lang, &ctx.ip, StatusCode::OK, "", "", FormErrors::new(Tr(lang))).await
}

/// The request's fields, as the multipart form sent them.
#[derive(Default)]
struct Submitted {
    csrf: String,
    pin: String,
    phone: String,
    challenge_id: String,
    reading: Vec<u8>,
    selfie: Vec<u8>,
}

async fn read_form(mut m: Multipart) -> Result<Submitted, ()> {
    let mut s = Submitted::default();
    while let Some(field) = m.next_field().await.map_err(drop)? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(drop)?;
        match name.as_str() {
            "csrf" => s.csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "pin" => s.pin = String::from_utf8_lossy(&bytes).into_owned(),
            "phone" => s.phone = String::from_utf8_lossy(&bytes).into_owned(),
            "challenge_id" => s.challenge_id = String::from_utf8_lossy(&bytes).into_owned(),
            "reading" => s.reading = bytes.to_vec(),
            "selfie" => s.selfie = bytes.to_vec(),
            _ => {}
        }
    }
    Ok(s)
}

/// Where a use-case error belongs on the form: chip fields are all the reading file's.
fn form_field(field: &str) -> String {
    if field.starts_with("data_groups") || field == "sod" || field == "aa_signature" {
        "reading".to_owned()
    } else if field == "challenge_id" {
        String::new()
    } else {
        field.to_owned()
    }
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    PageCtx(ctx): PageCtx,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let tr = Tr(lang);
    let mut errors = FormErrors::new(tr);
    let Ok(f) = read_form(multipart).await else {
        errors.rule("reading", Rule::EidChipReading);
        return page(&state, lang, &ctx.ip, StatusCode::BAD_REQUEST, "", "", errors).await;
    };
    if !form_token_ok(&headers, &f.csrf) {
        errors.text("", "login.expired");
        return page(&state, lang, &ctx.ip, StatusCode::FORBIDDEN, &f.pin, &f.phone, errors).await;
    }
    let reading = if f.reading.is_empty() {
        errors.rule("reading", Rule::Required);
        None
    } else if f.reading.len() > READING_MAX_BYTES {
        errors.rule("reading", Rule::EidChipReading);
        None
    } else {
        match serde_json::from_slice::<ChipReadingFile>(&f.reading) {
            Ok(r) => {
                let files = VerifyRequest { sod: Some(r.sod), data_groups: Some(r.data_groups) }.parse();
                let aa = URL_SAFE_NO_PAD.decode(r.aa_signature.trim_end_matches('='));
                match (files, aa) {
                    (Ok((sod, dgs)), Ok(aa)) if !aa.is_empty() => Some((sod, dgs, aa)),
                    _ => {
                        errors.rule("reading", Rule::EidChipReading);
                        None
                    }
                }
            }
            Err(_) => {
                errors.rule("reading", Rule::EidChipReading);
                None
            }
        }
    };
    let selfie = match f.selfie.len() {
        0 => None,
        n if n > dinhdanh_app::identity::FACE_MAX_BYTES => {
            errors.rule("selfie", Rule::FaceTooLarge);
            None
        }
        _ if !f.selfie.starts_with(&[0xFF, 0xD8]) => {
            errors.rule("selfie", Rule::FaceNotJpeg);
            None
        }
        _ => Some(f.selfie),
    };
    let challenge_id = Uuid::parse_str(f.challenge_id.trim()).ok();
    let (Some((sod, data_groups, aa_signature)), Some(challenge_id), true) = (reading, challenge_id, errors.is_empty())
    else {
        if errors.is_empty() {
            errors.rule("", Rule::EidChallengeExpired);
        }
        return page(&state, lang, &ctx.ip, StatusCode::UNPROCESSABLE_ENTITY, &f.pin, &f.phone, errors).await;
    };
    let r = ChipRegistration {
        pin: f.pin.clone(),
        phone: f.phone.clone(),
        challenge_id,
        aa_signature,
        sod,
        data_groups,
        selfie,
    };
    match state.app.eid_register_chip(r, &ctx.ip).await {
        Ok(Level1Outcome::AwaitingReview(_)) => {
            message(tr, None, StatusCode::ACCEPTED, "eid.register.pending.title", "eid.register.pending.text")
        }
        Ok(Level1Outcome::Approved(_)) => {
            message(tr, None, StatusCode::OK, "eid.register.approved.title", "eid.register.approved.text")
        }
        Err(AppError::Invalid(inv)) => {
            errors.invalid(&inv, form_field);
            page(&state, lang, &ctx.ip, StatusCode::UNPROCESSABLE_ENTITY, &f.pin, &f.phone, errors).await
        }
        Err(AppError::TooManyRequests(_)) => {
            message(tr, None, StatusCode::TOO_MANY_REQUESTS, "error.429.title", "error.429.text")
        }
        Err(e) => {
            tracing::error!(error = %e, "level-1 registration");
            message(tr, None, StatusCode::SERVICE_UNAVAILABLE, "error.503.title", "error.503.text")
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct DevCardQuery {
    #[serde(default)]
    pin: String,
    #[serde(default)]
    challenge_id: String,
}

/// Demo servers only: the virtual card reader's chip reading file for a person and a challenge;
/// 404 on every other server.
pub(crate) async fn dev_card(State(state): State<AppState>, lang: Lang, Query(q): Query<DevCardQuery>) -> Response {
    let tr = Tr(lang);
    if !state.app.has_virtual_cards() {
        return message(tr, None, StatusCode::NOT_FOUND, "error.404.title", "error.404.text");
    }
    let Ok(challenge_id) = Uuid::parse_str(q.challenge_id.trim()) else {
        return message(tr, None, StatusCode::BAD_REQUEST, "error.400.title", "error.400.text");
    };
    match state.app.virtual_card_read(&q.pin, challenge_id).await {
        Ok(r) => {
            let file = ChipReadingFile {
                sod: STANDARD.encode(&r.sod),
                data_groups: r.data_groups.iter().map(|(n, b)| (n.to_string(), STANDARD.encode(b))).collect(),
                aa_signature: URL_SAFE_NO_PAD.encode(&r.aa_signature),
            };
            let body = serde_json::to_vec_pretty(&file).unwrap_or_default();
            (
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"chip-reading.json\""),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                body,
            )
                .into_response()
        }
        Err(AppError::NotFound) => message(tr, None, StatusCode::NOT_FOUND, "error.404.title", "error.404.text"),
        Err(AppError::Invalid(_)) => message(
            tr,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "eid.register.dev_no_card.title",
            "eid.register.dev_no_card.text",
        ),
        Err(e) => {
            tracing::error!(error = %e, "virtual card reader");
            message(tr, None, StatusCode::SERVICE_UNAVAILABLE, "error.503.title", "error.503.text")
        }
    }
}
