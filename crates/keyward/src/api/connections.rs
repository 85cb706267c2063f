//! Provider connections (a provider's admin key and where its API is) and what goes through
//! them: testing the admin key, and syncing the provider's key list into the inventory.

use super::keys::{self, KeyView};
use crate::connection::Connection;
use crate::inventory::{Inventory, NewConnection, RemoteKey, VerifyResult};
use crate::secret::Secret;
use crate::Result;
use serde::Serialize;
use std::collections::BTreeMap;

/// A connection to add, with its admin key (`None`: a provider whose listing needs none).
pub struct ConnectionRequest {
    pub connection: NewConnection,
    pub admin: Option<Secret>,
}

/// Which of a connection's remote keys to file, and where.
pub struct SyncRequest {
    pub connection: String,
    /// The environment of new keys without their own line in `environments`.
    pub environment: String,
    /// Only these remote ids; `None`: every remote key.
    pub only: Option<Vec<String>>,
    /// Each new key's environment by remote id, as set in the preview.
    pub environments: BTreeMap<String, String>,
}

/// What a sync filed: new keys and keys whose metadata it refreshed, each with its findings.
#[derive(Debug, Clone, Serialize)]
pub struct SyncResult {
    pub imported: Vec<KeyView>,
    pub refreshed: Vec<KeyView>,
}

pub async fn list(inv: &Inventory) -> Result<Vec<Connection>> {
    inv.connections().await
}

pub async fn add(inv: &Inventory, request: ConnectionRequest) -> Result<Connection> {
    inv.connect(request.connection, request.admin).await
}

/// Removes the connection (its admin key leaves the keychain; its keys stay) and answers it.
pub async fn remove(inv: &Inventory, name: &str) -> Result<Connection> {
    inv.remove_connection(name).await
}

/// Verifies the connection's admin key at the provider.
pub async fn test(inv: &Inventory, name: &str) -> Result<VerifyResult> {
    inv.test_connection(name).await
}

/// The provider's keys as its API lists them, matched against the inventory; nothing filed.
pub async fn sync_preview(inv: &Inventory, connection: &str) -> Result<Vec<RemoteKey>> {
    Ok(inv.sync_preview(connection).await?.1)
}

pub async fn sync_commit(inv: &Inventory, request: SyncRequest) -> Result<SyncResult> {
    let (imported, refreshed) = inv
        .sync_commit_per_row(
            &request.connection,
            &request.environment,
            request.only.as_deref(),
            &request.environments,
        )
        .await?;
    Ok(SyncResult {
        imported: keys::views(inv, imported).await,
        refreshed: keys::views(inv, refreshed).await,
    })
}
