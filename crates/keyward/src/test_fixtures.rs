//! Fixtures shared by the core's unit tests (integration tests have `tests/support`).

use crate::rotation::{RotationFlavour, RotationRecord, RotationStep};
use crate::vault::MemoryVault;
use crate::{store::Store, Config, Inventory};
use std::sync::Arc;
use uuid::Uuid;

/// An inventory on a private in-memory store and an in-memory vault (returned too, to look
/// into); its config points at a folder that is never written.
pub(crate) async fn inventory() -> (Inventory, Arc<MemoryVault>) {
    let vault = Arc::new(MemoryVault::new());
    let store = Store::open_in_memory().await.unwrap();
    let config = Config::at(std::env::temp_dir().join("keyward-unit-never-written"));
    let inv = Inventory::with_store(store, vault.clone(), config).await;
    (inv, vault)
}

/// A SendGrid create + revoke rotation of `key_id` at `step`; tests change fields as needed.
pub(crate) fn rotation_record(key_id: Uuid, step: RotationStep) -> RotationRecord {
    let now = chrono::Utc::now();
    RotationRecord {
        id: Uuid::new_v4(),
        key_id,
        key_name: "k".into(),
        provider: "sendgrid".into(),
        flavour: RotationFlavour::CreateRevoke,
        step,
        token: Uuid::new_v4().simple().to_string()[..10].to_owned(),
        remote_name: None,
        old_remote_id: Some("old".into()),
        new_remote_id: None,
        old_fingerprint: None,
        new_fingerprint: None,
        scopes: vec!["mail.send".into()],
        grace_secs: 0,
        revoke_after: None,
        attempts: 0,
        error_code: None,
        error_message: None,
        note: None,
        lease_owner: None,
        lease_until: None,
        created_at: now,
        updated_at: now,
        finished_at: None,
        next_attempt_at: None,
    }
}
