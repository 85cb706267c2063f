//! The state of the parts Keyward depends on, and the audit trail that says what happened.

use crate::ids::KeyId;
use crate::inventory::{DoctorReport, Inventory};
use crate::model::AuditEvent;
use crate::vault::KeychainStatus;
use crate::Result;

/// How many audit events one answer holds at most (newest first).
const AUDIT_PAGE: i64 = 1000;

/// Everything `doctor` checks: the keychain, the store, keys whose value is missing and
/// keychain entries no key refers to.
pub async fn report(inv: &Inventory) -> Result<DoctorReport> {
    inv.doctor().await
}

/// The keychain checked again now (the user may have unlocked it since).
pub async fn keychain_status(inv: &Inventory) -> KeychainStatus {
    inv.refresh_keychain_status().await
}

/// The newest audit events, of one key or of everything.
pub async fn audit_trail(inv: &Inventory, key: Option<KeyId>) -> Result<Vec<AuditEvent>> {
    inv.audit_trail(key.map(Into::into), AUDIT_PAGE).await
}
