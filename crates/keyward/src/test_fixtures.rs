//! Fixtures shared by the core's unit tests (integration tests have `tests/support`).

use crate::vault::MemoryVault;
use crate::{store::Store, Config, Inventory};
use std::sync::Arc;

/// An inventory on a private in-memory store and an in-memory vault (returned too, to look
/// into); its config points at a folder that is never written.
pub(crate) async fn inventory() -> (Inventory, Arc<MemoryVault>) {
    let vault = Arc::new(MemoryVault::new());
    let store = Store::open_in_memory().await.unwrap();
    let config = Config::at(std::env::temp_dir().join("keyward-unit-never-written"));
    let inv = Inventory::with_store(store, vault.clone(), config).await;
    (inv, vault)
}
