//! What every handler shares.

use dinhdanh_app::App;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    /// Mark session cookies `Secure` (behind TLS). Off for the plain-HTTP dev server on 127.0.0.1.
    pub secure_cookies: bool,
}
