//! Officer pages: plain HTML forms, Vietnamese first.

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
