//! Commands of create / rotate / revoke (`<noun>_<verb>`), thin glue like [`crate::commands`]:
//! each takes the app state plus its arguments, makes one core call and returns a DTO.

use crate::dto::RevealDto;
use crate::error::AppError;
use crate::state::AppState;
use keyward::SecretUse;
use tauri::State;
use uuid::Uuid;

type Result<T> = std::result::Result<T, AppError>;

fn key_id(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| AppError::invalid("not a key id"))
}

/// "Show once": the only command that sends a key's value to the window, and only with the
/// one-time token that creating or rotating that key in the window returned.
#[tauri::command]
pub async fn key_reveal(state: State<'_, AppState>, id: String, token: String) -> Result<RevealDto> {
    let id = key_id(&id)?;
    if !state.reveal.redeem(id, &token) {
        return Err(AppError::reveal_expired());
    }
    let (key, secret) = state.inventory.secret(id).await?;
    state.inventory.record_use(&key, SecretUse::Reveal).await?;
    // EXPOSE: the user pressed "Show once" right after this key was made; the window shows it once.
    Ok(RevealDto {
        value: secret.expose().to_owned(),
    })
}
