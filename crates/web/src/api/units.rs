//! Administrative units: reference data of both catalogues, for any authenticated caller.

use super::Errors;
use super::error::{ApiError, ApiResult, fields};
use super::extract::{ApiPath, ApiQuery, Caller};
use axum::Json;
use dinhdanh_api::ErrorKind;
use dinhdanh_api::requests::CatalogueQuery;
use dinhdanh_api::units::{Commune, CommuneDetail, Province};
use dinhdanh_domain::admin::{self, Catalogue, UnitLevel, UnitRef};

fn catalogue(q: &CatalogueQuery) -> ApiResult<Catalogue> {
    match q.catalogue.as_deref().map(str::trim) {
        None | Some("") => Ok(Catalogue::Y2025),
        Some(t) => t.parse().map_err(|_| ApiError::field(ErrorKind::Invalid, fields::catalogue("catalogue"))),
    }
}

/// Provinces of a catalogue, in code order.
#[utoipa::path(get, path = "/api/v1/admin-units/provinces", tag = "admin-units", params(CatalogueQuery),
    responses((status = 200, description = "Provinces", body = Vec<Province>), Errors))]
pub async fn provinces(_caller: Caller, ApiQuery(q): ApiQuery<CatalogueQuery>) -> ApiResult<Json<Vec<Province>>> {
    let c = catalogue(&q)?;
    Ok(Json(admin::catalogue().provinces(c).iter().map(Province::from).collect()))
}

/// Communes of a province (legacy: grouped by district).
#[utoipa::path(get, path = "/api/v1/admin-units/provinces/{code}/communes", tag = "admin-units",
    params(("code" = String, Path, description = "2-digit province code"), CatalogueQuery),
    responses((status = 200, description = "Communes", body = Vec<Commune>), Errors))]
pub async fn communes(
    _caller: Caller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<CatalogueQuery>,
) -> ApiResult<Json<Vec<Commune>>> {
    let c = catalogue(&q)?;
    let cat = admin::catalogue();
    cat.province(c, &code).ok_or_else(|| ApiError::new(ErrorKind::NotFound))?;
    Ok(Json(cat.communes_of_province(c, &code).iter().map(Commune::from).collect()))
}

/// One commune; a legacy commune comes with its conversion to the 2025 catalogue (unique, split
/// with every candidate, or unknown). The code may also be given as `legacy:00001`.
#[utoipa::path(get, path = "/api/v1/admin-units/communes/{code}", tag = "admin-units",
    params(("code" = String, Path, description = "5-digit commune code, or `<catalogue>:<code>`"), CatalogueQuery),
    responses((status = 200, description = "The commune", body = CommuneDetail), Errors))]
pub async fn commune(
    _caller: Caller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<CatalogueQuery>,
) -> ApiResult<Json<CommuneDetail>> {
    let (c, code) = match code.split_once(':') {
        Some(_) => match UnitRef::parse(&code) {
            Ok(u) if u.level() == UnitLevel::Commune => (u.catalogue(), u.code().to_owned()),
            _ => return Err(ApiError::new(ErrorKind::NotFound)),
        },
        None => (catalogue(&q)?, code),
    };
    let found = admin::catalogue().commune(c, &code).ok_or_else(|| ApiError::new(ErrorKind::NotFound))?;
    Ok(Json(CommuneDetail::new(found)))
}
