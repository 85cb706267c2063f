//! Findings, acknowledgements, the findings policy, the team review and its export (issue 6):
//! thin commands over the core's `Inventory` findings API, plus attaching each key's findings
//! to the `KeyDto`s the other commands return.

use crate::dto::{KeyDto, KeysPageDto};
use crate::error::AppError;
use crate::files::{write_replacing, SaveRequest};
use crate::findings_dto::{
    AcknowledgeInput, BulkAcknowledgeInput, BulkAcknowledgedDto, FindingDto, PolicyDto,
    PolicyPatch, ReviewDto, ReviewExportDto,
};
use crate::state::AppState;
use keyward::findings::{Finding, FindingKind, ReportFormat};
use keyward::inventory::{AcknowledgeRequest, BulkAcknowledgeRequest, FindingQuery, ReviewQuery};
use keyward::store::NewAuditEvent;
use keyward::{Inventory, KeyRecord};
use std::collections::HashMap;
use tauri::{AppHandle, Runtime, State};
use uuid::Uuid;

type Result<T> = std::result::Result<T, AppError>;

/// The window's "notify when keys become due" switch, in the inventory's settings table.
const SETTING_NOTIFY_DUE: &str = "desktop_notify_due";

/// Findings by key (acknowledged ones included, marked), for every key or just `only`.
async fn findings_by_key(
    inventory: &Inventory,
    only: Option<Uuid>,
) -> HashMap<Uuid, Vec<FindingDto>> {
    let query = FindingQuery {
        key_id: only,
        include_acknowledged: true,
        ..FindingQuery::default()
    };
    group_by_key(inventory.findings(&query).await.map(|list| list.findings))
}

/// A failed evaluation is logged and gives none: the key list itself must still show.
fn group_by_key(found: keyward::Result<Vec<Finding>>) -> HashMap<Uuid, Vec<FindingDto>> {
    let mut by_key: HashMap<Uuid, Vec<FindingDto>> = HashMap::new();
    match found {
        Ok(list) => {
            for f in list {
                if let Some(id) = f.key_id {
                    by_key.entry(id).or_default().push(FindingDto::from(f));
                }
            }
        }
        Err(e) => tracing::warn!(code = e.code(), "findings not evaluated: {e}"),
    }
    by_key
}

fn with_findings(
    records: Vec<KeyRecord>,
    mut by_key: HashMap<Uuid, Vec<FindingDto>>,
) -> Vec<KeyDto> {
    records
        .into_iter()
        .map(|r| {
            let findings = by_key.remove(&r.id).unwrap_or_default();
            KeyDto::with_findings(r, findings)
        })
        .collect()
}

/// The whole inventory, as just listed, as `KeyDto`s with their findings: evaluated over
/// these records instead of listing every key a second time.
pub async fn all_key_dtos(inventory: &Inventory, records: Vec<KeyRecord>) -> Vec<KeyDto> {
    let by_key = group_by_key(inventory.findings_over(&records).await);
    with_findings(records, by_key)
}

/// Keys `offset..offset + limit` in the window's display order, with their findings
/// (evaluated over the whole inventory: reuse spans keys), and the total count.
pub async fn key_page(
    inventory: &Inventory,
    offset: usize,
    limit: usize,
) -> keyward::Result<KeysPageDto> {
    let records = inventory.list(&keyward::KeyFilter::default()).await?;
    let environments = inventory.environments().await?;
    let total = records.len();
    let by_key = group_by_key(inventory.findings_over(&records).await);
    let ordered = keyward::list_order::display_order(records, &environments);
    let keys = with_findings(keyward::list_order::page(ordered, offset, limit), by_key);
    Ok(KeysPageDto {
        total,
        offset,
        keys,
    })
}

/// Each record as a `KeyDto` with its findings.
pub async fn key_dtos(inventory: &Inventory, records: Vec<KeyRecord>) -> Vec<KeyDto> {
    if records.is_empty() {
        return Vec::new();
    }
    with_findings(records, findings_by_key(inventory, None).await)
}

/// One record as a `KeyDto` with its findings.
pub async fn key_dto(inventory: &Inventory, record: KeyRecord) -> KeyDto {
    let findings = findings_by_key(inventory, Some(record.id))
        .await
        .remove(&record.id)
        .unwrap_or_default();
    KeyDto::with_findings(record, findings)
}

fn finding_kind(kind: &str) -> Result<FindingKind> {
    FindingKind::parse(kind).ok_or_else(|| AppError::invalid("not a finding kind"))
}

/// Acknowledges one finding kind on one key, with a reason and an end date (audited);
/// returns the key with its findings.
#[tauri::command]
pub async fn finding_acknowledge(
    state: State<'_, AppState>,
    input: AcknowledgeInput,
) -> Result<KeyDto> {
    let id = crate::ids::key_id(&input.key_id)?;
    let kind = finding_kind(&input.kind)?;
    state
        .inventory
        .acknowledge_finding(AcknowledgeRequest {
            subject: id.to_string(),
            kind,
            reason: input.reason,
            until: input.until,
        })
        .await?;
    let key = state.inventory.get(id).await?;
    Ok(key_dto(&state.inventory, key).await)
}

/// Acknowledges one finding kind on every matching key at once (audited per key); the
/// window reloads the key list after.
#[tauri::command]
pub async fn findings_acknowledge(
    state: State<'_, AppState>,
    input: BulkAcknowledgeInput,
) -> Result<BulkAcknowledgedDto> {
    let kind = finding_kind(&input.kind)?;
    let acks = state
        .inventory
        .acknowledge_findings(BulkAcknowledgeRequest {
            kind,
            provider: input.provider,
            environment: input.environment,
            reason: input.reason,
            until: input.until,
        })
        .await?;
    Ok(BulkAcknowledgedDto {
        acknowledged: acks.len(),
        until: acks.first().map(|a| a.until),
    })
}

#[tauri::command]
pub async fn review_get(state: State<'_, AppState>) -> Result<ReviewDto> {
    let review = state.inventory.review(&ReviewQuery::default()).await?;
    Ok(ReviewDto::from(review))
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
    let ext = format.extension();
    let file_name = format!(
        "keyward-review-{}.{ext}",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    let filter_name = format!("{} report", ext.to_uppercase());
    let request = SaveRequest {
        title: "Export review",
        file_name: &file_name,
        filter_name: &filter_name,
        extension: ext,
    };
    let Some(path) = state.files.pick_save(&app, &request).await? else {
        return Ok(None);
    };
    let text = state
        .inventory
        .review_report(&ReviewQuery::default(), format)
        .await?;
    let bytes = text.len();
    let target = path.clone();
    tauri::async_runtime::spawn_blocking(move || write_replacing(&target, text.as_bytes()))
        .await
        .map_err(|e| AppError {
            code: "export_failed",
            message: format!("cannot write {}: {e}", path.display()),
        })??;
    tracing::info!(format = ext, bytes, "review exported");
    Ok(Some(ReviewExportDto {
        path: path.display().to_string(),
        bytes,
    }))
}

#[tauri::command]
pub async fn policy_get(state: State<'_, AppState>) -> Result<PolicyDto> {
    let policy = state.inventory.finding_policy().await?;
    Ok(PolicyDto::new(&policy, notify_due(&state.inventory).await?))
}

#[tauri::command]
pub async fn policy_update(state: State<'_, AppState>, patch: PolicyPatch) -> Result<PolicyDto> {
    if patch.touches_policy() {
        let current = state.inventory.finding_policy().await?;
        state
            .inventory
            .set_finding_policy(patch.apply(current))
            .await?;
    }
    if let Some(on) = patch.notify_due {
        set_notify_due(&state.inventory, on).await?;
    }
    policy_get(state).await
}

/// Whether due-key notifications are on (default on).
pub async fn notify_due(inventory: &Inventory) -> Result<bool> {
    let value = inventory
        .store()
        .setting(SETTING_NOTIFY_DUE)
        .await
        .map_err(keyward::Error::from)?;
    Ok(value.as_deref() != Some("false"))
}

async fn set_notify_due(inventory: &Inventory, on: bool) -> Result<()> {
    let event = NewAuditEvent {
        actor: whoami::username(),
        action: keyward::model::AuditAction::SettingsChanged.as_str(),
        key_id: None,
        key_name: None,
        detail: format!("due-key notifications {}", if on { "on" } else { "off" }),
    };
    inventory
        .store()
        .set_setting(
            SETTING_NOTIFY_DUE,
            if on { "true" } else { "false" },
            &event,
        )
        .await
        .map_err(keyward::Error::from)?;
    Ok(())
}
