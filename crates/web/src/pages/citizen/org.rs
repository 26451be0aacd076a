//! Organisations: those the holder belongs to, registering one (level 2), adding and removing
//! members (legal representative).

use super::{Citizen, CitizenNav, app_error, message};
use crate::AppState;
use crate::pages::forms::FormErrors;
use crate::pages::i18n::Tr;
use crate::pages::{enc, query_param, render};
use askama::Template;
use axum::extract::{Form, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use dinhdanh_app::AppError;
use dinhdanh_app::eid::OrgDraft;
use serde::Deserialize;

struct MemberVm {
    pin: String,
    role: &'static str,
    removable: bool,
}

struct OrgVm {
    code: String,
    name_vi: String,
    name_abbr: String,
    name_foreign: String,
    established: String,
    head_office: String,
    tax_code: String,
    role: &'static str,
    legal_rep: bool,
    members: Vec<MemberVm>,
}

#[derive(Template)]
#[template(path = "citizen/orgs.html")]
struct OrgsTpl {
    tr: Tr,
    nav: Option<CitizenNav>,
    csrf: String,
    done: Option<String>,
    level2: bool,
    orgs: Vec<OrgVm>,
    form: OrgForm,
    errors: FormErrors,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct OrgForm {
    csrf: String,
    action: String,
    org: String,
    name_vi: String,
    name_abbr: String,
    name_foreign: String,
    established: String,
    head_office_unit: String,
    head_office_detail: String,
    tax_code: String,
    pin: String,
    role: String,
    passcode: String,
}

async fn page_with(
    state: &AppState,
    c: &Citizen,
    status: StatusCode,
    done: Option<String>,
    form: OrgForm,
    errors: FormErrors,
) -> Response {
    let tr = c.tr();
    let views = match state.app.eid_orgs(&c.holder).await {
        Ok(v) => v,
        Err(e) => return app_error(c, e),
    };
    let orgs = views
        .into_iter()
        .map(|v| {
            let legal_rep = v.role == dinhdanh_domain::eid::OrgRole::LegalRepresentative;
            OrgVm {
                code: v.org.code.to_string(),
                name_vi: v.org.name_vi,
                name_abbr: v.org.name_abbr,
                name_foreign: v.org.name_foreign,
                established: dinhdanh_domain::date::iso(v.org.established),
                head_office: v.org.head_office.display(),
                tax_code: v.org.tax_code,
                role: tr.s(&format!("eid.role.{}", v.role.code())),
                legal_rep,
                members: v
                    .members
                    .into_iter()
                    .map(|m| MemberVm {
                        pin: m.pin.to_string(),
                        role: tr.s(&format!("eid.role.{}", m.role.code())),
                        removable: legal_rep && m.role != dinhdanh_domain::eid::OrgRole::LegalRepresentative,
                    })
                    .collect(),
            }
        })
        .collect();
    let t = OrgsTpl {
        tr,
        nav: CitizenNav::of(c),
        csrf: c.holder.session.csrf_token.clone(),
        done,
        level2: c.holder.account.level == dinhdanh_domain::eid::Level::Two,
        orgs,
        form,
        errors,
    };
    render(status, &t)
}

pub(crate) async fn page(State(state): State<AppState>, c: Citizen, uri: Uri) -> Response {
    if !c.full() {
        return Redirect::to("/citizen/second").into_response();
    }
    let done = uri
        .query()
        .and_then(|q| query_param(q, "done"))
        .filter(|d| d.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    page_with(&state, &c, StatusCode::OK, done, OrgForm::default(), FormErrors::new(c.tr())).await
}

pub(crate) async fn action(State(state): State<AppState>, c: Citizen, Form(f): Form<OrgForm>) -> Response {
    if !c.full() {
        return Redirect::to("/citizen/second").into_response();
    }
    if !c.csrf_ok(&f.csrf) {
        return message(c.tr(), CitizenNav::of(&c), StatusCode::FORBIDDEN, "error.403.title", "error.403.text");
    }
    let mut errors = FormErrors::new(c.tr());
    let outcome = match f.action.as_str() {
        "register" => {
            let established = if f.established.trim().is_empty() {
                None
            } else {
                match crate::pages::forms::full_date(&f.established) {
                    Ok(d) => Some(d),
                    Err(r) => {
                        errors.rule("established", r);
                        None
                    }
                }
            };
            let draft = OrgDraft {
                name_vi: f.name_vi.clone(),
                name_abbr: f.name_abbr.clone(),
                name_foreign: f.name_foreign.clone(),
                established,
                head_office_unit: f.head_office_unit.clone(),
                head_office_detail: f.head_office_detail.clone(),
                tax_code: f.tax_code.clone(),
            };
            if errors.is_empty() {
                state.app.eid_org_register(&c.holder, draft, &f.passcode).await.map(|_| "org_registered")
            } else {
                Ok("")
            }
        }
        "add" => {
            state.app.eid_org_add_member(&c.holder, &f.org, &f.pin, &f.role, &f.passcode).await.map(|_| "member_added")
        }
        "remove" => {
            state.app.eid_org_remove_member(&c.holder, &f.org, &f.pin, &f.passcode).await.map(|_| "member_removed")
        }
        _ => Err(AppError::NotFound),
    };
    match outcome {
        Ok(done) if errors.is_empty() => {
            Redirect::to(&format!("/citizen/organisations?done={}", enc(done))).into_response()
        }
        Ok(_) => page_with(&state, &c, StatusCode::UNPROCESSABLE_ENTITY, None, f, errors).await,
        Err(AppError::Invalid(inv)) => {
            let prefix = if f.action == "register" { String::new() } else { format!("{}-", f.action) };
            errors.invalid(&inv, |field| {
                let field = field
                    .replace("head_office.unit", "head_office_unit")
                    .replace("head_office.detail", "head_office_detail");
                if field.is_empty() { f.action.clone() } else { format!("{prefix}{field}") }
            });
            page_with(&state, &c, StatusCode::UNPROCESSABLE_ENTITY, None, f, errors).await
        }
        Err(e) => app_error(&c, e),
    }
}
