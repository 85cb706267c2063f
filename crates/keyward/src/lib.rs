//! Keyward's core: everything that does not need a window. The desktop app and the `keyward`
//! CLI call [`Inventory`]; secrets live only in the OS keychain ([`vault`]) and in memory only
//! inside [`Secret`].

pub mod api;
pub mod clipboard;
pub mod config;
pub mod connection;
pub mod error;
pub mod findings;
pub mod fingerprint;
pub mod hardening;
pub mod ids;
pub mod import;
pub mod inventory;
pub mod list_order;
mod memory_lock;
pub mod model;
pub mod providers;
pub mod rotation;
pub mod secret;
pub mod store;
#[cfg(test)]
pub(crate) mod test_fixtures;
pub mod vault;

pub use config::Config;
pub use error::{Error, Result};
pub use ids::{ConnectionId, KeyId, MalformedId, RotationId};
pub use inventory::{
    DoctorReport, Inventory, KeyDetail, KeyPatch, NewKey, RunEnvironment, SecretUse,
};
pub use model::{
    AuditEvent, Environment, KeyFilter, KeyRecord, KeyRole, KeyState, KeyStatus, KeyUsage,
};
pub use secret::Secret;
