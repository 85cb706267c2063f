//! Commands of create / rotate / revoke (`<noun>_<verb>`), thin glue like [`crate::commands`]:
//! each takes the app state plus its arguments and calls `keyward::api::lifecycle`. The only
//! logic here is the window's own: one-time reveal tokens for new values.

use crate::error::AppError;
use crate::ids::key_id;
use crate::lifecycle_dto::{
    CreateKeyInput, CreatedKeyDto, GraceDefaultsDto, RecoveryDto, RevealDto, RevokeResultDto,
    RotateInput, RotationDto, RotationEventDto, RotationOutcomeDto, RotationPlanDto,
};
use crate::state::AppState;
use keyward::api::{keys, lifecycle, settings};
use keyward::rotation::{RotationEvent, RotationFilter};
use keyward::{KeyId, RotationId, Secret};
use tauri::ipc::Channel;
use tauri::State;

type Result<T> = std::result::Result<T, AppError>;

/// Keys rotated at once in a bulk run (the core shares rate limits across them).
const ROTATE_CONCURRENCY: usize = 4;
/// Journal rows the window lists.
const JOURNAL_LIMIT: i64 = 500;

fn no_events(_: &RotationEvent) {}

/// Creates a key through a connection's API (the value goes to the keychain; the window gets
/// a one-time reveal token, not the value), or saves a pasted key after verifying it (guided).
#[tauri::command]
pub async fn key_create(
    state: State<'_, AppState>,
    input: CreateKeyInput,
) -> Result<CreatedKeyDto> {
    let (request, pasted) = input.into_request();
    let created = lifecycle::create(&state.inventory, request, pasted).await?;
    // The value (API creation) is already in the keychain; it is dropped here and reaches the
    // window only through `key_reveal`.
    let reveal_token = created
        .value
        .map(|_| state.reveal.issue(created.view.key.key.id));
    Ok(CreatedKeyDto {
        created: created.view,
        reveal_token,
    })
}

/// "Show once": the only command that sends a key's value to the window, and only with the
/// one-time token that creating or rotating that key in the window returned.
#[tauri::command]
pub async fn key_reveal(
    state: State<'_, AppState>,
    id: String,
    token: String,
) -> Result<RevealDto> {
    let id = key_id(&id)?;
    if !state.reveal.redeem(id, &token) {
        return Err(AppError::reveal_expired());
    }
    let secret = keys::reveal(&state.inventory, id.into()).await?;
    // EXPOSE: the user pressed "Show once" right after this key was made; the window shows it once.
    Ok(RevealDto {
        value: secret.expose().to_owned(),
    })
}

/// What rotating each key would do (flavour, grace, notes, or why it cannot). Changes nothing.
#[tauri::command]
pub async fn rotation_plan(
    state: State<'_, AppState>,
    input: RotateInput,
) -> Result<Vec<RotationPlanDto>> {
    let request = input.request()?;
    lifecycle::plans(&state.inventory, &request)
        .await
        .map_err(Into::into)
}

/// Rotates the keys with bounded concurrency, streaming every step to the window; one failure
/// never stops the others. Guided keys come back waiting for the pasted value.
#[tauri::command]
pub async fn key_rotate(
    state: State<'_, AppState>,
    input: RotateInput,
    on_event: Channel<RotationEventDto>,
) -> Result<Vec<RotationOutcomeDto>> {
    let request = input.request()?;
    let sink = move |e: &RotationEvent| {
        // A closed window drops the channel; the rotation goes on regardless.
        let _ = on_event.send(RotationEventDto::from(e));
    };
    let outcomes = lifecycle::rotate(&state.inventory, &request, ROTATE_CONCURRENCY, &sink).await?;
    Ok(outcomes
        .into_iter()
        .map(|outcome| RotationOutcomeDto {
            reveal_token: outcome
                .new_value
                .then(|| state.reveal.issue(outcome.key_id)),
            outcome,
        })
        .collect())
}

/// Guided rotation: the user pasted the new value; Keyward stores it as pending, verifies it
/// and makes it current, then waits for the old key to be revoked in the dashboard.
#[tauri::command]
pub async fn rotation_guided_submit(
    state: State<'_, AppState>,
    rotation_id: String,
    secret: Secret,
) -> Result<RotationDto> {
    let id = rotation_id.parse::<RotationId>()?;
    lifecycle::guided_submit(&state.inventory, id, secret, &no_events)
        .await
        .map_err(Into::into)
}

/// Guided rotation: "I revoked the old key". Keyward checks the old value answers 401.
#[tauri::command]
pub async fn rotation_guided_confirm(
    state: State<'_, AppState>,
    rotation_id: String,
) -> Result<RotationDto> {
    let id = rotation_id.parse::<RotationId>()?;
    lifecycle::guided_confirm(&state.inventory, id, &no_events)
        .await
        .map_err(Into::into)
}

/// The rotation journal, newest first.
#[tauri::command]
pub async fn rotation_list(state: State<'_, AppState>) -> Result<Vec<RotationDto>> {
    let filter = RotationFilter {
        limit: Some(JOURNAL_LIMIT),
        ..RotationFilter::default()
    };
    lifecycle::journal(&state.inventory, &filter)
        .await
        .map_err(Into::into)
}

/// Start-up (the window calls it once on load): resumes or rolls back rotations a crash left
/// unfinished and revokes old keys whose grace period ended; says what it did.
#[tauri::command]
pub async fn rotation_recover(state: State<'_, AppState>) -> Result<Vec<RecoveryDto>> {
    lifecycle::recover(&state.inventory, chrono::Utc::now(), &no_events)
        .await
        .map_err(Into::into)
}

/// Revokes a key after the user typed its name: through the API, or — guided — after the user
/// revoked it in the dashboard. Either way Keyward confirms it answers 401 before marking it
/// revoked and deleting its value; the key stays in the inventory as history.
#[tauri::command]
pub async fn key_revoke(
    state: State<'_, AppState>,
    id: String,
    confirm_name: String,
) -> Result<RevokeResultDto> {
    let id = id.parse::<KeyId>()?;
    lifecycle::revoke(&state.inventory, id, &confirm_name)
        .await
        .map_err(Into::into)
}

/// The grace period rotations get by default, per environment (Settings).
#[tauri::command]
pub async fn rotation_grace_get(state: State<'_, AppState>) -> Result<GraceDefaultsDto> {
    settings::rotation_grace(&state.inventory)
        .await
        .map(Into::into)
        .map_err(Into::into)
}

#[tauri::command]
pub async fn rotation_grace_update(
    state: State<'_, AppState>,
    defaults: GraceDefaultsDto,
) -> Result<GraceDefaultsDto> {
    settings::set_rotation_grace(&state.inventory, defaults.into())
        .await
        .map(Into::into)
        .map_err(Into::into)
}
