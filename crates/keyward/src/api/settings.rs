//! Settings kept in the inventory (so every window and the CLI of the same inventory agree),
//! each change audited.

use crate::inventory::Inventory;
use crate::model::{AuditAction, Environment};
use crate::rotation::GraceDefaults;
use crate::Result;
use serde::{Deserialize, Serialize};

/// The desktop's "notify when keys become due" switch, in the inventory's settings table.
const SETTING_NOTIFY_DUE: &str = "desktop_notify_due";

/// Whether due-key notifications are on (default on).
pub async fn notify_due(inv: &Inventory) -> Result<bool> {
    let value = inv.store().setting(SETTING_NOTIFY_DUE).await?;
    Ok(value.as_deref() != Some("false"))
}

/// Turns due-key notifications on or off, with an audit event.
pub async fn set_notify_due(inv: &Inventory, on: bool) -> Result<()> {
    let event = inv.audit(
        AuditAction::SettingsChanged,
        None,
        format!("due-key notifications {}", if on { "on" } else { "off" }),
    );
    let text = if on { "true" } else { "false" };
    inv.store()
        .set_setting(SETTING_NOTIFY_DUE, text, &event)
        .await?;
    Ok(())
}

/// The settings the window's Settings dialog shows.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub clipboard_timeout_secs: u64,
    pub environments: Vec<Environment>,
    pub data_dir: String,
    /// Owner of keys Keyward files without one (synced, created); `None`: not set.
    pub default_owner: Option<String>,
}

/// `None` leaves a setting as it is.
#[derive(Debug, Default, Deserialize)]
pub struct SettingsPatch {
    pub clipboard_timeout_secs: Option<u64>,
    pub environments: Option<Vec<String>>,
    /// Empty string: clear it.
    #[serde(default)]
    pub default_owner: Option<String>,
}

pub async fn get(inv: &Inventory) -> Result<Settings> {
    Ok(Settings {
        clipboard_timeout_secs: inv.clipboard_timeout().await?.as_secs(),
        environments: inv.environments().await?,
        data_dir: inv.config().data_dir.display().to_string(),
        default_owner: inv.default_owner().await?,
    })
}

/// Applies each given setting (each audited by the inventory), then answers them all.
pub async fn update(inv: &Inventory, patch: SettingsPatch) -> Result<Settings> {
    if let Some(secs) = patch.clipboard_timeout_secs {
        inv.set_clipboard_timeout(secs).await?;
    }
    if let Some(envs) = patch.environments {
        inv.set_environments(envs).await?;
    }
    if let Some(owner) = patch.default_owner {
        inv.set_default_owner(Some(owner)).await?;
    }
    get(inv).await
}

/// How long an old key keeps working after a rotation, per environment.
pub async fn rotation_grace(inv: &Inventory) -> Result<GraceDefaults> {
    inv.rotation_grace_defaults().await
}

pub async fn set_rotation_grace(inv: &Inventory, defaults: GraceDefaults) -> Result<GraceDefaults> {
    inv.set_rotation_grace_defaults(defaults).await
}
