//! Connections: a provider's management API as Keyward reaches it — base URL (the provider's
//! documented default, an EU/self-hosted one, or the simulator) plus an optional admin key,
//! which is itself a key in the inventory (its value in the keychain, its own findings).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub id: Uuid,
    pub name: String,
    pub provider: String,
    pub base_url: String,
    pub admin_key_id: Option<Uuid>,
    pub options: ConnectionOptions,
    pub created_at: DateTime<Utc>,
}

/// Provider-specific settings of a connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionOptions {
    /// PostHog project (environment) whose secret keys to list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Cloudflare account whose account-owned tokens this connection verifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Path of the verify-by-use probe (Postmon, Postnomic), relative to the base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_path: Option<String>,
}

/// The admin kind a provider's management API takes, where it has one.
pub fn admin_kind(provider: &str) -> Option<&'static str> {
    crate::providers::profile(provider).and_then(|p| p.admin_kind)
}
