//! Front-end settings kept in the inventory (so every window of the same inventory agrees),
//! each change audited.

use crate::inventory::Inventory;
use crate::model::AuditAction;
use crate::Result;

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
