//! The start page: search by PIN or name with filters, paged.

use super::forms::{FormErrors, Opt, options};
use super::i18n::Tr;
use super::{Auth, Nav, app_error_page, render};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use dinhdanh_app::AppError;
use dinhdanh_app::register::SearchInput;
use dinhdanh_domain::admin::{self, Catalogue};
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::Sex;
use serde::Deserialize;

const PAGE_SIZE: u32 = 20;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct SearchForm {
    pub q: String,
    pub birth_year: String,
    pub sex: String,
    pub province: String,
    pub page: String,
}

pub(crate) struct Row {
    pub pin: String,
    pub name: String,
    pub date_of_birth: String,
    pub sex: &'static str,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchTpl {
    tr: Tr,
    nav: Option<Nav>,
    form: SearchForm,
    provinces: Vec<Opt>,
    errors: FormErrors,
    searched: bool,
    rows: Vec<Row>,
    total: u64,
    page: u32,
    pages: u64,
    prev: Option<String>,
    next: Option<String>,
}

/// The 2025 provinces for the filter (and the birth form's lookup links).
pub(crate) fn provinces() -> Vec<(&'static str, &'static str)> {
    admin::catalogue().provinces(Catalogue::Y2025).iter().map(|p| (p.code, p.name)).collect()
}

fn page_link(f: &SearchForm, page: u32) -> String {
    let pairs = [
        ("q", f.q.as_str()),
        ("birth_year", f.birth_year.as_str()),
        ("sex", f.sex.as_str()),
        ("province", f.province.as_str()),
        ("page", &page.to_string()),
    ];
    let kept: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    format!("/?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
}

pub(crate) async fn page(State(state): State<AppState>, auth: Auth, Query(form): Query<SearchForm>) -> Response {
    let tr = auth.tr();
    let mut errors = FormErrors::new(tr);
    let mut t = SearchTpl {
        tr,
        nav: Some(Nav::of(&auth)),
        form: form.clone(),
        provinces: options(provinces(), &form.province),
        errors: FormErrors::new(tr),
        searched: false,
        rows: vec![],
        total: 0,
        page: 1,
        pages: 0,
        prev: None,
        next: None,
    };
    let any = [&form.q, &form.birth_year, &form.sex, &form.province].iter().any(|v| !v.trim().is_empty());
    if !any {
        return render(StatusCode::OK, &t);
    }
    let birth_year = match form.birth_year.trim() {
        "" => None,
        y => errors
            .check("birth_year", y.parse::<i32>().ok().filter(|y| (1800..=9999).contains(y)).ok_or(Rule::DateFormat)),
    };
    let sex = match form.sex.trim() {
        "" => None,
        s => errors.check("sex", Sex::parse(s)),
    };
    let page = match form.page.trim() {
        "" => 1,
        p => errors.check("page", p.parse::<u32>().ok().filter(|p| *p >= 1).ok_or(Rule::Page)).unwrap_or(1),
    };
    let province = Some(form.province.trim().to_owned()).filter(|p| !p.is_empty());
    if errors.is_empty() {
        let input = SearchInput {
            q: form.q.clone(),
            birth_year,
            date_of_birth: None,
            sex,
            province,
            page: Some(page - 1),
            page_size: Some(PAGE_SIZE),
        };
        match state.app.search(&auth.principal, input).await {
            Ok(found) => {
                t.searched = true;
                t.total = found.total;
                t.page = page;
                t.pages = found.total.div_ceil(u64::from(PAGE_SIZE));
                t.prev = (page > 1).then(|| page_link(&form, page - 1));
                t.next = (u64::from(page) < t.pages).then(|| page_link(&form, page + 1));
                t.rows = found
                    .items
                    .into_iter()
                    .map(|s| Row {
                        pin: s.pin.to_string(),
                        name: s.name,
                        date_of_birth: s.date_of_birth,
                        sex: tr.sex(s.sex),
                        status: tr.status_code(s.status),
                    })
                    .collect();
            }
            Err(AppError::Invalid(inv)) => {
                errors.invalid(&inv, |f| if f == "page_size" { "page".into() } else { f.into() })
            }
            Err(e) => return app_error_page(&auth, e),
        }
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    t.errors = errors;
    render(status, &t)
}
