//! Commands of create / rotate / revoke (`<noun>_<verb>`), thin glue like [`crate::commands`]:
//! each takes the app state plus its arguments, calls the core's rotation API and returns DTOs.
//! The only logic here is the window's own: one-time reveal tokens and the named confirmation.

use crate::error::AppError;
use crate::ids::{connection_id, key_id, rotation_id};
use crate::lifecycle_dto::{
    has_new_value, CreateKeyInput, CreatedKeyDto, GraceDefaultsDto, RecoveryDto, RevealDto,
    RevokeResultDto, RotateInput, RotationDto, RotationEventDto, RotationOutcomeDto,
    RotationPlanDto,
};
use crate::state::AppState;
use keyward::api::settings;
use keyward::rotation::{
    CreateKeyRequest, RevokeState, RotateOptions, RotationEvent, RotationFilter,
};
use keyward::{KeyFilter, Secret, SecretUse};
use std::collections::HashMap;
use std::time::Duration;
use tauri::ipc::Channel;
use tauri::State;
use uuid::Uuid;

type Result<T> = std::result::Result<T, AppError>;

/// Keys rotated at once in a bulk run (the core shares rate limits across them).
const ROTATE_CONCURRENCY: usize = 4;
/// Journal rows the window lists.
const JOURNAL_LIMIT: i64 = 500;

fn no_events(_: &RotationEvent) {}

/// Each key's environment, for DTOs (the journal and plans do not carry it).
async fn environments(state: &AppState) -> Result<HashMap<Uuid, String>> {
    let keys = state.inventory.list(&KeyFilter::default()).await?;
    Ok(keys.iter().map(|k| (k.id, k.environment.clone())).collect())
}

fn env_of(envs: &HashMap<Uuid, String>, id: Uuid) -> String {
    envs.get(&id).cloned().unwrap_or_default()
}

fn options(input: &RotateInput) -> Result<RotateOptions> {
    Ok(RotateOptions {
        grace: input.grace_secs.map(Duration::from_secs),
        narrow: input.narrow,
        scopes: None,
        accept_value_loss: input
            .accept_value_loss
            .iter()
            .map(|id| key_id(id))
            .collect::<Result<_>>()?,
    })
}

/// Creates a key through a connection's API (the value goes to the keychain; the window gets
/// a one-time reveal token, not the value), or saves a pasted key after verifying it (guided).
#[tauri::command]
pub async fn key_create(
    state: State<'_, AppState>,
    input: CreateKeyInput,
) -> Result<CreatedKeyDto> {
    let inv = &state.inventory;
    let purpose =
        keyward::providers::profile(&input.provider).and_then(|p| p.purpose(&input.purpose));
    let owner = match input.owner.filter(|o| !o.trim().is_empty()) {
        Some(o) => Some(o),
        None => inv.default_owner().await?,
    };
    match (input.guided, input.connection_id) {
        (false, None) => Err(AppError::invalid(
            "pick the connection that creates the key",
        )),
        (false, Some(connection)) => {
            let req = CreateKeyRequest {
                connection,
                environment: input.environment,
                purpose: input.purpose,
                scopes: (!input.scopes.is_empty()).then_some(input.scopes),
                name: Some(input.name),
                owner,
                tags: Vec::new(),
            };
            let plan = inv.key_create_plan(&req).await?;
            // The value is already in the keychain; it leaves memory here and reaches the
            // window only through `key_reveal`.
            let (key, _value) = inv.key_create(req).await?;
            let reveal_token = Some(state.reveal.issue(key.id));
            Ok(CreatedKeyDto {
                key: crate::findings::key_dto(inv, key).await,
                widened_scopes: plan.widened,
                reveal_token,
            })
        }
        (true, connection) => {
            let connection_id = connection.map(|c| connection_id(&c)).transpose()?;
            let secret = input
                .secret
                .ok_or_else(|| AppError::invalid("paste the new key's value"))?;
            let widened_scopes = keyward::rotation::widened_scopes(
                &input.scopes,
                &keyward::rotation::purpose_least_scopes(&input.provider, &input.purpose),
            );
            let new = keyward::NewKey {
                provider: Some(input.provider),
                kind: Some(input.kind),
                name: input.name,
                environment: input.environment,
                purpose: purpose.map_or(input.purpose, |p| p.label.to_owned()),
                scopes: input.scopes,
                connection_id,
                owner,
                ..keyward::NewKey::default()
            };
            let key = inv.key_create_guided(new, secret).await?;
            Ok(CreatedKeyDto {
                key: crate::findings::key_dto(inv, key).await,
                widened_scopes,
                reveal_token: None,
            })
        }
    }
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
    let (key, secret) = state.inventory.secret(id).await?;
    state.inventory.record_use(&key, SecretUse::Reveal).await?;
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
    let opts = options(&input)?;
    let envs = environments(&state).await?;
    let ids = input
        .key_ids
        .iter()
        .map(|id| key_id(id))
        .collect::<Result<Vec<_>>>()?;
    let plans = state.inventory.rotation_plans(&ids, &opts).await?;
    Ok(plans
        .into_iter()
        .map(|plan| {
            let env = env_of(&envs, plan.key_id);
            RotationPlanDto::new(plan, env)
        })
        .collect())
}

/// Rotates the keys with bounded concurrency, streaming every step to the window; one failure
/// never stops the others. Guided keys come back waiting for the pasted value.
#[tauri::command]
pub async fn key_rotate(
    state: State<'_, AppState>,
    input: RotateInput,
    on_event: Channel<RotationEventDto>,
) -> Result<Vec<RotationOutcomeDto>> {
    let opts = options(&input)?;
    let ids = input
        .key_ids
        .iter()
        .map(|id| key_id(id))
        .collect::<Result<Vec<_>>>()?;
    let sink = move |e: &RotationEvent| {
        // A closed window drops the channel; the rotation goes on regardless.
        let _ = on_event.send(RotationEventDto::from(e));
    };
    let outcomes = state
        .inventory
        .rotate_many(ids, &opts, ROTATE_CONCURRENCY, &sink)
        .await?;
    let envs = environments(&state).await?;
    Ok(outcomes
        .into_iter()
        .map(|o| {
            let token = o
                .rotation
                .as_ref()
                .filter(|r| o.error_code.is_none() && has_new_value(r))
                .map(|r| state.reveal.issue(r.key_id));
            let env = env_of(&envs, o.key_id);
            RotationOutcomeDto::new(o, env, token)
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
    let id = self::rotation_id(&rotation_id)?;
    let r = state
        .inventory
        .rotation_guided_submit(id, secret, &no_events)
        .await?;
    let env = env_of(&environments(&state).await?, r.key_id);
    Ok(RotationDto::new(r, env))
}

/// Guided rotation: "I revoked the old key". Keyward checks the old value answers 401.
#[tauri::command]
pub async fn rotation_guided_confirm(
    state: State<'_, AppState>,
    rotation_id: String,
) -> Result<RotationDto> {
    let id = self::rotation_id(&rotation_id)?;
    let r = state
        .inventory
        .rotation_guided_confirm_revoked(id, &no_events)
        .await?;
    let env = env_of(&environments(&state).await?, r.key_id);
    Ok(RotationDto::new(r, env))
}

/// The rotation journal, newest first.
#[tauri::command]
pub async fn rotation_list(state: State<'_, AppState>) -> Result<Vec<RotationDto>> {
    let filter = RotationFilter {
        limit: Some(JOURNAL_LIMIT),
        ..RotationFilter::default()
    };
    let rows = state.inventory.rotations(&filter).await?;
    let envs = environments(&state).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let env = env_of(&envs, r.key_id);
            RotationDto::new(r, env)
        })
        .collect())
}

/// Start-up (the window calls it once on load): resumes or rolls back rotations a crash left
/// unfinished and revokes old keys whose grace period ended; says what it did.
#[tauri::command]
pub async fn rotation_recover(state: State<'_, AppState>) -> Result<Vec<RecoveryDto>> {
    let report = state.inventory.rotations_recover().await?;
    let due = state
        .inventory
        .revocations_run_due(chrono::Utc::now(), &no_events)
        .await?;
    Ok(report
        .actions
        .into_iter()
        .map(RecoveryDto::from)
        .chain(due.into_iter().filter_map(RecoveryDto::due_revocation))
        .collect())
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
    let id = key_id(&id)?;
    let key = state.inventory.get(id).await?;
    if confirm_name.trim() != key.name.trim() {
        return Err(AppError::confirm_mismatch());
    }
    let mut outcome = state.inventory.key_revoke(id).await?;
    if outcome.state == RevokeState::AwaitingUser {
        // The wizard showed the dashboard step first: the user says it is revoked there.
        outcome = state.inventory.key_revoke_confirm(id).await?;
    }
    Ok(RevokeResultDto {
        confirmed_dead: outcome.state == RevokeState::Revoked,
        message: outcome.message,
        key: crate::findings::key_dto(&state.inventory, outcome.key).await,
    })
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
