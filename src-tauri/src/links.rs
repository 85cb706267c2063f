//! Linking a key added by hand to a connection, and undoing it (issue 16, point 7): the
//! window's way to what `keyward add --connection` does. Thin: one core call each.

use crate::dto::KeyDto;
use crate::error::AppError;
use crate::findings::key_dto;
use crate::ids::key_id;
use crate::state::AppState;
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
    Ok(state
        .inventory
        .link_candidates(key_id(&id)?, &connection)
        .await?)
}

/// Links the key to `connection`, as the listed key `remote_id` (`null`: the one that matches).
#[tauri::command]
pub async fn key_link(
    state: State<'_, AppState>,
    id: String,
    connection: String,
    remote_id: Option<String>,
) -> Result<KeyDto> {
    let key = state
        .inventory
        .link(key_id(&id)?, &connection, remote_id.as_deref())
        .await?;
    Ok(key_dto(&state.inventory, key).await)
}

#[tauri::command]
pub async fn key_unlink(state: State<'_, AppState>, id: String) -> Result<KeyDto> {
    let key = state.inventory.unlink(key_id(&id)?).await?;
    Ok(key_dto(&state.inventory, key).await)
}
