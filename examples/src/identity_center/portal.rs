//! (being written)

use std::sync::Arc;

use axum::Router;

use crate::identity_center::web::AppState;

/// The routes of this module.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
