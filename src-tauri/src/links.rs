//! Linking a key added by hand to a connection, and undoing it (issue 16, point 7): the
//! window's way to what `keyward add --connection` does. Thin: one core call each.

use crate::dto::KeyDto;
use crate::error::AppError;
use crate::state::AppState;
use keyward::api::keys::{self, KeyLink};
use keyward::inventory::LinkCandidate;
use tauri::State;

type Result<T> = std::result::Result<T, AppError>;

/// The keys `connection` lists that this key could be linked to, matching ones marked.
#[tauri::command]
pub async fn key_link_candidates(
    state: State<'_, AppState>,
    id: String,
    connection: String,
) -> Result<Vec<LinkCandidate>> {
    let link = KeyLink {
        id: id.parse()?,
        connection,
        remote_id: None,
    };
    keys::link_candidates(&state.inventory, link)
        .await
        .map_err(Into::into)
}

/// Links the key to `connection`, as the listed key `remote_id` (`null`: the one that matches).
#[tauri::command]
pub async fn key_link(
    state: State<'_, AppState>,
    id: String,
    connection: String,
    remote_id: Option<String>,
) -> Result<KeyDto> {
    let link = KeyLink {
        id: id.parse()?,
        connection,
        remote_id,
    };
    keys::link(&state.inventory, link).await.map_err(Into::into)
}

#[tauri::command]
pub async fn key_unlink(state: State<'_, AppState>, id: String) -> Result<KeyDto> {
    keys::unlink(&state.inventory, id.parse()?)
        .await
        .map_err(Into::into)
}
