//! Officer pages for e-ID accounts: look up a person's account, grant level 2 at the counter,
//! lock and unlock with a reason, and the review list of self-service registrations.

use super::forms::FormErrors;
use super::i18n::Tr;
use super::session::form_csrf;
use super::{Auth, Nav, app_error_page, enc, query_param, render};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use dinhdanh_app::AppError;
use dinhdanh_app::eid::EidAccount;
use dinhdanh_app::eid::officer::Level2Grant;
use dinhdanh_domain::codes::Phone;
use dinhdanh_domain::pin::PersonalNumber;

struct AccountVm {
    level: u8,
    state: &'static str,
    locked: bool,
    lock: String,
    channel: String,
    phone: String,
    created: String,
}

fn when(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(dinhdanh_app::ports::VIETNAM_OFFSET);
    format!("{:02}/{:02}/{} {:02}:{:02}", t.day(), t.month() as u8, t.year(), t.hour(), t.minute())
}

fn account_vm(tr: Tr, a: &EidAccount) -> AccountVm {
    AccountVm {
        level: a.level.number(),
        state: tr.s(&format!("eid.state.{}", a.state.code())),
        locked: a.state == dinhdanh_domain::eid::AccountState::Locked,
        lock: a
            .lock
            .as_ref()
            .map(|l| format!("{}: {}", tr.s(&format!("eid.locked_by.{}", l.by.code())), l.reason))
            .unwrap_or_default(),
        channel: a.channel.clone(),
        phone: a.phone.as_str().to_owned(),
        created: when(a.created_at),
    }
}

#[derive(Template)]
#[template(path = "eid_accounts.html")]
struct PageTpl {
    tr: Tr,
    nav: Option<Nav>,
    csrf: String,
    pin: String,
    searched: bool,
    account: Option<AccountVm>,
    done: Option<&'static str>,
    errors: FormErrors,
    phone: String,
    note: String,
}

#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    auth: &Auth,
    pin: &str,
    status: StatusCode,
    done: Option<&'static str>,
    errors: FormErrors,
    phone: String,
    note: String,
) -> Response {
    let tr = auth.tr();
    let mut account = None;
    let searched = !pin.trim().is_empty();
    let mut errors = errors;
    if searched {
        match PersonalNumber::parse(pin.trim()) {
            Ok(p) => match state.app.eid_account_for_officer(&auth.principal, &p).await {
                Ok(a) => account = a.map(|a| account_vm(tr, &a)),
                Err(AppError::NotFound) => errors.text("pin", "eid.officer.no_person"),
                Err(e) => return app_error_page(auth, e),
            },
            Err(r) => errors.rule("pin", r),
        }
    }
    let t = PageTpl {
        tr,
        nav: Some(Nav::of(auth)),
        csrf: auth.csrf.clone(),
        pin: pin.trim().to_owned(),
        searched,
        account,
        done,
        errors,
        phone,
        note,
    };
    render(status, &t)
}

pub(crate) async fn page(State(state): State<AppState>, auth: Auth, uri: Uri) -> Response {
    let q = uri.query().unwrap_or("");
    let pin = query_param(q, "pin").unwrap_or_default();
    let done = query_param(q, "done").and_then(|d| auth.tr().opt(&format!("eid.officer.done.{d}")));
    show(&state, &auth, &pin, StatusCode::OK, done, FormErrors::new(auth.tr()), String::new(), String::new()).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(crate) struct ActionForm {
    action: String,
    pin: String,
    phone: String,
    card_checked: String,
    person_checked: String,
    note: String,
    reason: String,
}

pub(crate) async fn action(
    State(state): State<AppState>,
    auth: Auth,
    Form(raw): Form<Vec<(String, String)>>,
) -> Response {
    if !auth.csrf_ok(form_csrf(&raw)) {
        return auth.csrf_refused();
    }
    let f: ActionForm =
        serde_urlencoded::from_str(&serde_urlencoded::to_string(&raw).unwrap_or_default()).unwrap_or_default();
    let tr = auth.tr();
    let mut errors = FormErrors::new(tr);
    let Some(pin) = errors.check("pin", PersonalNumber::parse(f.pin.trim())) else {
        return show(&state, &auth, &f.pin, StatusCode::UNPROCESSABLE_ENTITY, None, errors, f.phone, f.note).await;
    };
    let outcome = match f.action.as_str() {
        "level2" => {
            let phone = if f.phone.trim().is_empty() { None } else { errors.check("phone", Phone::parse(&f.phone)) };
            if !errors.is_empty() {
                return show(&state, &auth, &f.pin, StatusCode::UNPROCESSABLE_ENTITY, None, errors, f.phone, f.note)
                    .await;
            }
            let g = Level2Grant {
                pin,
                phone,
                card_checked: f.card_checked == "on",
                person_checked: f.person_checked == "on",
                note: f.note.clone(),
            };
            state.app.eid_grant_level2(&auth.principal, g).await.map(|_| "level2")
        }
        "lock" => state.app.eid_officer_lock(&auth.principal, &pin, &f.reason).await.map(|_| "lock"),
        "unlock" => state.app.eid_officer_unlock(&auth.principal, &pin, &f.reason).await.map(|_| "unlock"),
        _ => Err(AppError::NotFound),
    };
    match outcome {
        Ok(done) => Redirect::to(&format!("/eid-accounts?pin={}&done={done}", enc(pin.as_str()))).into_response(),
        Err(AppError::Invalid(inv)) => {
            errors.invalid(&inv, str::to_owned);
            show(&state, &auth, &f.pin, StatusCode::UNPROCESSABLE_ENTITY, None, errors, f.phone, f.note).await
        }
        Err(e) => app_error_page(&auth, e),
    }
}

struct ReviewVm {
    pin: String,
    name: String,
    dob: String,
    channel: String,
    submitted: String,
    note: String,
    /// Evidence kinds kept for the comparison (`selfie`, `chip_portrait`).
    evidence: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "eid_reviews.html")]
struct ReviewsTpl {
    tr: Tr,
    nav: Option<Nav>,
    csrf: String,
    items: Vec<ReviewVm>,
    done: bool,
}

pub(crate) async fn reviews(State(state): State<AppState>, auth: Auth, uri: Uri) -> Response {
    let done = uri.query().and_then(|q| query_param(q, "done")).is_some();
    match state.app.eid_review_list(&auth.principal).await {
        Ok(list) => {
            let items = list
                .into_iter()
                .map(|i| ReviewVm {
                    pin: i.account.pin.to_string(),
                    name: i.person.person.birth_name.to_string(),
                    dob: i.person.person.date_of_birth.to_string(),
                    channel: i.account.channel.clone(),
                    submitted: when(i.account.created_at),
                    note: i.account.note.clone(),
                    evidence: i.evidence.iter().map(|k| k.code()).collect(),
                })
                .collect();
            render(
                StatusCode::OK,
                &ReviewsTpl { tr: auth.tr(), nav: Some(Nav::of(&auth)), csrf: auth.csrf.clone(), items, done },
            )
        }
        Err(e) => app_error_page(&auth, e),
    }
}

pub(crate) async fn review_decide(
    State(state): State<AppState>,
    auth: Auth,
    Form(raw): Form<Vec<(String, String)>>,
) -> Response {
    if !auth.csrf_ok(form_csrf(&raw)) {
        return auth.csrf_refused();
    }
    let get = |k: &str| raw.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let Ok(pin) = PersonalNumber::parse(get("pin")) else {
        return app_error_page(&auth, AppError::NotFound);
    };
    match state.app.eid_review_decide(&auth.principal, &pin, get("decision") == "approve", get("note")).await {
        Ok(_) => Redirect::to("/eid-reviews?done=1").into_response(),
        Err(e) => app_error_page(&auth, e),
    }
}

/// One image of a pending registration's review evidence, for the `<img>` of the review list.
pub(crate) async fn review_evidence(
    State(state): State<AppState>,
    auth: Auth,
    axum::extract::Path((pin, kind)): axum::extract::Path<(String, String)>,
) -> Response {
    let (Ok(pin), Some(kind)) = (PersonalNumber::parse(&pin), dinhdanh_app::eid::EvidenceKind::parse(&kind)) else {
        return app_error_page(&auth, AppError::NotFound);
    };
    match state.app.eid_review_evidence(&auth.principal, &pin, kind).await {
        Ok(img) => crate::api::eid::evidence_response(img),
        Err(e) => app_error_page(&auth, e),
    }
}
