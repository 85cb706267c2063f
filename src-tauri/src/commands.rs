//! Tauri commands, `<noun>_<verb>`: each takes the app state plus its arguments, makes one
//! core call and returns a DTO or an [`AppError`]. No logic lives here.

use crate::dto::{
    CopyDto, DetectionDto, ImportOptionsDto, ImportPreviewDto, ImportResultDto, KeyAddedDto,
    KeyDetailDto, KeyDto, KeyPatchDto, KeysChunkDto, KeysPageDto, NewKeyInput, PickedFileDto,
    ProviderDto, SettingsDto, SettingsPatch,
};
use crate::dto::{NewConnectionInput, SyncResultDto, VerifyProgressDto};
use crate::error::AppError;
use crate::state::AppState;
use keyward::api::connections::{self, SyncRequest};
use keyward::api::import::{self, ImportFile};
use keyward::api::keys::{self, KeyUpdate};
use keyward::api::{doctor, providers, settings};
use keyward::connection::Connection;
use keyward::import::RowChoice;
use keyward::inventory::{RemoteKey, VerifyResult};
use keyward::providers::shape::KeyShape;
use keyward::vault::KeychainStatus;
use keyward::AuditEvent;
use std::path::PathBuf;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

type Result<T> = std::result::Result<T, AppError>;

#[tauri::command]
pub async fn keys_list(state: State<'_, AppState>) -> Result<Vec<KeyDto>> {
    let started = std::time::Instant::now();
    let dtos = keys::list_all(&state.inventory).await?;
    // For scripts/bench-desktop.sh; no JSON size here: serializing the whole list once more
    // would add to the memory the benchmark measures.
    tracing::info!(
        "keys_list: {} keys in {} ms",
        dtos.len(),
        started.elapsed().as_millis()
    );
    Ok(dtos)
}

/// The first rows the window shows, in its display order, and how many keys there are: the
/// window paints these, then asks `keys_list` for the whole inventory (issue 14: the first
/// paint needs only the visible rows).
#[tauri::command]
pub async fn keys_page(
    state: State<'_, AppState>,
    offset: usize,
    limit: usize,
) -> Result<KeysPageDto> {
    let started = std::time::Instant::now();
    let page = crate::findings::key_page(&state.inventory, offset, limit).await?;
    // Start-up phases for scripts/bench-desktop.sh (info level only: it serializes the page).
    if tracing::enabled!(tracing::Level::INFO) {
        let bytes = serde_json::to_vec(&page).map_or(0, |json| json.len());
        tracing::info!(
            "keys_page: {} of {} keys in {} ms, {bytes} bytes of JSON",
            page.keys.len(),
            page.total,
            started.elapsed().as_millis()
        );
    }
    Ok(page)
}

/// Every key as a compact list row, in chunks over `on_chunk` (issue 14: no single answer of
/// megabytes at 10,000 keys); answers how many keys were sent.
#[tauri::command]
pub async fn keys_stream(
    state: State<'_, AppState>,
    on_chunk: Channel<KeysChunkDto>,
) -> Result<usize> {
    let send = |chunk| {
        on_chunk
            .send(chunk)
            .map_err(|e| keyward::Error::Internal(e.to_string()))
    };
    keys::chunks(&state.inventory, keys::CHUNK, send)
        .await
        .map_err(Into::into)
}

/// The whole key with its findings' text (issue 14: the list holds compact rows), without the
/// audit trail or a keychain question: what the detail panel and the wizards open with.
#[tauri::command]
pub async fn key_get(state: State<'_, AppState>, id: String) -> Result<KeyDto> {
    keys::get(&state.inventory, id.parse()?)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn key_show(state: State<'_, AppState>, id: String) -> Result<KeyDetailDto> {
    keys::show(&state.inventory, id.parse()?)
        .await
        .map_err(Into::into)
}

/// Detection while the user types: the window sends the value's [`KeyShape`] (a known prefix,
/// character classes, the hint's last characters), never the value.
#[tauri::command]
pub async fn key_detect(state: State<'_, AppState>, shape: KeyShape) -> Result<DetectionDto> {
    providers::detect(&state.inventory, shape)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn key_add(state: State<'_, AppState>, input: NewKeyInput) -> Result<KeyAddedDto> {
    let (new, secret) = input.into_parts();
    keys::add(&state.inventory, new, secret)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn key_update(
    state: State<'_, AppState>,
    id: String,
    patch: KeyPatchDto,
) -> Result<KeyDto> {
    let change = KeyUpdate {
        id: id.parse()?,
        patch: patch.into(),
    };
    keys::update(&state.inventory, change)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn key_remove(state: State<'_, AppState>, id: String) -> Result<()> {
    keys::remove(&state.inventory, id.parse()?)
        .await
        .map_err(Into::into)
}

/// The value goes from the keychain to the system clipboard inside Rust; the window only
/// learns when it will be cleared.
#[tauri::command]
pub async fn key_copy(state: State<'_, AppState>, id: String) -> Result<CopyDto> {
    let hold = |value, timeout| state.hold_on_clipboard(value, timeout);
    let copied = keys::copy(&state.inventory, id.parse()?, None, hold).await?;
    Ok(CopyDto::from(copied))
}

/// Opens the native file dialog; the window gets a handle to the picked file (and its name),
/// or `null` when cancelled. Import reads only files picked here.
#[tauri::command]
pub async fn import_file_pick<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<PickedFileDto>> {
    let picked = state.files.pick_import(&app).await?;
    Ok(picked.map(|(handle, name)| PickedFileDto { handle, name }))
}

/// The file picked under `handle` in this session; anything else is refused.
fn picked_file(state: &AppState, handle: &str) -> Result<PathBuf> {
    state.files.picked(handle).ok_or_else(|| AppError {
        code: "file_not_picked",
        message: "choose the file to import in the file dialog first".into(),
    })
}

#[tauri::command]
pub async fn import_preview(
    state: State<'_, AppState>,
    handle: String,
    options: ImportOptionsDto,
) -> Result<ImportPreviewDto> {
    let file = ImportFile::read(&picked_file(&state, &handle)?)?;
    let plan = import::preview(&state.inventory, &file, &options.into()).await?;
    Ok(ImportPreviewDto::from(&plan))
}

/// Imports the rows on `lines` (the ones ticked in the preview); `null` imports the rows
/// the preview suggested.
#[tauri::command]
pub async fn import_commit(
    state: State<'_, AppState>,
    handle: String,
    options: ImportOptionsDto,
    lines: Option<Vec<usize>>,
) -> Result<ImportResultDto> {
    let file = ImportFile::read(&picked_file(&state, &handle)?)?;
    let choice = match lines {
        Some(lines) => RowChoice::Lines(lines),
        None => RowChoice::Suggested,
    };
    let keys = import::commit(&state.inventory, &file, &options.into(), &choice).await?;
    Ok(ImportResultDto {
        imported: keys.len(),
        keys,
    })
}

#[tauri::command]
pub async fn providers_list(state: State<'_, AppState>) -> Result<Vec<ProviderDto>> {
    providers::list(&state.inventory).await.map_err(Into::into)
}

#[tauri::command]
pub async fn settings_get(state: State<'_, AppState>) -> Result<SettingsDto> {
    settings::get(&state.inventory).await.map_err(Into::into)
}

#[tauri::command]
pub async fn settings_update(
    state: State<'_, AppState>,
    patch: SettingsPatch,
) -> Result<SettingsDto> {
    settings::update(&state.inventory, patch)
        .await
        .map_err(Into::into)
}

/// Re-checks the keychain (the user may have unlocked it since).
#[tauri::command]
pub async fn keychain_status(state: State<'_, AppState>) -> Result<KeychainStatus> {
    Ok(doctor::keychain_status(&state.inventory).await)
}

#[tauri::command]
pub async fn audit_list(
    state: State<'_, AppState>,
    key_id: Option<String>,
) -> Result<Vec<AuditEvent>> {
    let key = key_id.map(|id| id.parse()).transpose()?;
    doctor::audit_trail(&state.inventory, key)
        .await
        .map_err(Into::into)
}

/// The window has rendered its first inventory: logs the start-up time (and writes the
/// benchmark's ready file when `KEYWARD_READY_FILE` is set).
#[tauri::command]
pub async fn app_ready(
    state: State<'_, AppState>,
    timings: Option<crate::state::PageTimings>,
) -> Result<()> {
    state.mark_ready(timings);
    Ok(())
}

// ---- provider APIs: connections, verification, sync ----

#[tauri::command]
pub async fn connections_list(state: State<'_, AppState>) -> Result<Vec<Connection>> {
    connections::list(&state.inventory)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn connection_add(
    state: State<'_, AppState>,
    input: NewConnectionInput,
) -> Result<Connection> {
    connections::add(&state.inventory, input.into())
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn connection_remove(state: State<'_, AppState>, name: String) -> Result<()> {
    connections::remove(&state.inventory, &name)
        .await
        .map(drop)
        .map_err(Into::into)
}

/// Verifies the connection's admin key.
#[tauri::command]
pub async fn connection_test(state: State<'_, AppState>, name: String) -> Result<VerifyResult> {
    connections::test(&state.inventory, &name)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn key_verify(state: State<'_, AppState>, id: String) -> Result<KeyDto> {
    keys::verify(&state.inventory, id.parse()?)
        .await
        .map_err(Into::into)
}

/// Verifies every key that is not revoked, streaming each outcome to the window.
#[tauri::command]
pub async fn keys_verify_all(
    state: State<'_, AppState>,
    on_progress: Channel<VerifyProgressDto>,
) -> Result<Vec<VerifyResult>> {
    let send = move |p: VerifyProgressDto| {
        // A closed window drops the channel; the run goes on regardless.
        let _ = on_progress.send(p);
    };
    keys::verify_all(&state.inventory, keys::VERIFY_CONCURRENCY, send)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn sync_preview(
    state: State<'_, AppState>,
    connection: String,
) -> Result<Vec<RemoteKey>> {
    connections::sync_preview(&state.inventory, &connection)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn sync_commit(
    state: State<'_, AppState>,
    connection: String,
    environment: String,
    only: Option<Vec<String>>,
    // Each new key's environment by remote id, as set in the preview; others: `environment`.
    environments: Option<std::collections::BTreeMap<String, String>>,
) -> Result<SyncResultDto> {
    let request = SyncRequest {
        connection,
        environment,
        only,
        environments: environments.unwrap_or_default(),
    };
    connections::sync_commit(&state.inventory, request)
        .await
        .map_err(Into::into)
}
