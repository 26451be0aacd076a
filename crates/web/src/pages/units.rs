//! Lookup of 2025 commune codes by province, for the code fields of the forms.

use super::forms::{Opt, options};
use super::i18n::Tr;
use super::search::provinces;
use super::{Auth, Nav, render};
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use dinhdanh_domain::admin::{self, Catalogue};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsTpl {
    tr: Tr,
    nav: Option<Nav>,
    provinces: Vec<Opt>,
    communes: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct UnitsQuery {
    province: String,
}

pub(crate) async fn page(auth: Auth, Query(q): Query<UnitsQuery>) -> Response {
    let communes = admin::catalogue()
        .communes_of_province(Catalogue::Y2025, q.province.trim())
        .iter()
        .map(|c| (c.code, c.name))
        .collect();
    let t =
        UnitsTpl { tr: auth.tr(), nav: Some(Nav::of(&auth)), provinces: options(provinces(), &q.province), communes };
    render(StatusCode::OK, &t)
}
