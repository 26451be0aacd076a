//! Path parameters every resource shares, and the dossier steps that card applications and
//! residence procedures both take through the one workflow engine.

use super::error::{ApiError, ApiResult};
use super::extract::Caller;
use crate::AppState;
use dinhdanh_api::ErrorKind;
use dinhdanh_api::cards::StepRequest;
use dinhdanh_app::workflow::{Dossier, DossierView};
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::pin::PersonalNumber;
use uuid::Uuid;

/// A PIN in a path; a malformed one is a field error.
pub(crate) fn pin_param(s: &str) -> ApiResult<PersonalNumber> {
    PersonalNumber::parse(s).map_err(|r| ApiError::invalid("pin", r))
}

/// An id that cannot exist is simply not found.
pub(crate) fn id_param(s: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(s.trim()).map_err(|_| ApiError::new(ErrorKind::NotFound))
}

/// A dossier the caller may see whose kind `kind_matches`; one of another kind is not found
/// here, so each resource answers only for its own dossiers.
pub(crate) async fn dossier_of_kind(
    s: &AppState,
    caller: &Caller,
    id: &str,
    kind_matches: impl Fn(&str) -> bool,
) -> ApiResult<DossierView> {
    let view = s.app.dossier(&caller.principal, id_param(id)?).await?;
    if !kind_matches(view.dossier.kind.code) {
        return Err(ApiError::new(ErrorKind::NotFound));
    }
    Ok(view)
}

/// Takes the step a request names on a dossier found by [`dossier_of_kind`].
pub(crate) async fn take_step(
    s: &AppState,
    caller: &Caller,
    id: &str,
    kind_matches: impl Fn(&str) -> bool,
    req: &StepRequest,
) -> ApiResult<Dossier> {
    let id = dossier_of_kind(s, caller, id, kind_matches).await?.dossier.id;
    let action = req.action.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let action = action.ok_or_else(|| ApiError::invalid("action", Rule::Required))?;
    Ok(s.app
        .transition_dossier(&caller.principal, id, action, req.note.as_deref().unwrap_or(""), req.expected_version)
        .await?)
}
