//! Findings, acknowledgements, the findings policy, the team review and its export (issue 6):
//! thin commands over `keyward::api::findings`.

use crate::dto::{KeyDto, KeysPageDto};
use crate::error::AppError;
use crate::findings_dto::{
    AcknowledgeInput, BulkAcknowledgeInput, BulkAcknowledgedDto, PolicyDto, PolicyPatch, ReviewDto,
    ReviewExportDto,
};
use crate::state::AppState;
use keyward::api::{findings, keys, settings};
use keyward::findings::{FindingKind, ReportFormat};
use keyward::Inventory;
use tauri::{AppHandle, Runtime, State};

type Result<T> = std::result::Result<T, AppError>;

/// Keys `offset..offset + limit` in the window's display order, with their findings.
pub async fn key_page(
    inventory: &Inventory,
    offset: usize,
    limit: usize,
) -> keyward::Result<KeysPageDto> {
    keys::page(inventory, offset, limit).await
}

pub(crate) fn finding_kind(kind: &str) -> Result<FindingKind> {
    FindingKind::parse(kind).ok_or_else(|| AppError::invalid("not a finding kind"))
}

/// Acknowledges one finding kind on one key, with a reason and an end date (audited);
/// returns the key with its findings.
#[tauri::command]
pub async fn finding_acknowledge(
    state: State<'_, AppState>,
    input: AcknowledgeInput,
) -> Result<KeyDto> {
    findings::acknowledge(&state.inventory, input.into_request()?)
        .await
        .map_err(Into::into)
}

/// Acknowledges one finding kind on every matching key at once (audited per key); the
/// window reloads the key list after.
#[tauri::command]
pub async fn findings_acknowledge(
    state: State<'_, AppState>,
    input: BulkAcknowledgeInput,
) -> Result<BulkAcknowledgedDto> {
    findings::acknowledge_many(&state.inventory, input.into_request()?)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn review_get(state: State<'_, AppState>) -> Result<ReviewDto> {
    findings::review(&state.inventory)
        .await
        .map(ReviewDto::from)
        .map_err(Into::into)
}

/// Renders the review in `format` (csv, json, md, html) and writes it where the user says in
/// the save dialog that this command opens (`null` when cancelled). The window names no path.
/// The report is metadata only.
#[tauri::command]
pub async fn review_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    format: String,
) -> Result<Option<ReviewExportDto>> {
    let format = ReportFormat::parse(&format).map_err(keyward::Error::from)?;
    let render = findings::review_report(&state.inventory, format);
    state
        .files
        .save_report(&app, "Export review", "keyward-review", format, render)
        .await
}

#[tauri::command]
pub async fn policy_get(state: State<'_, AppState>) -> Result<PolicyDto> {
    findings::policy(&state.inventory)
        .await
        .map(PolicyDto::from)
        .map_err(Into::into)
}

#[tauri::command]
pub async fn policy_update(state: State<'_, AppState>, patch: PolicyPatch) -> Result<PolicyDto> {
    findings::update_policy(&state.inventory, patch.into())
        .await
        .map(PolicyDto::from)
        .map_err(Into::into)
}

/// Whether due-key notifications are on (default on).
pub async fn notify_due(inventory: &Inventory) -> Result<bool> {
    settings::notify_due(inventory).await.map_err(Into::into)
}
