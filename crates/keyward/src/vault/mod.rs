//! The vault: where secrets live. In production that is the OS keychain ([`KeychainVault`]);
//! nothing else ever stores a secret — if no keychain is reachable, Keyward refuses to store.

mod keychain;
#[cfg(any(test, feature = "test-support"))]
mod memory;

pub use keychain::KeychainVault;
#[cfg(any(test, feature = "test-support"))]
pub use memory::MemoryVault;

use crate::secret::Secret;
use serde::Serialize;

/// Accounts that Keyward itself keeps next to the keys (never key records).
pub const FINGERPRINT_KEY_ACCOUNT: &str = "keyward.fingerprint-key";
/// Prefix of the health check's probe entries; each check uses its own account, so two
/// checks at once never overwrite each other's probe.
pub const PROBE_ACCOUNT_PREFIX: &str = "keyward.health-probe";
/// The password of the member's team database role (issue 15).
pub const TEAM_PASSWORD_ACCOUNT: &str = "keyward.team-password";

pub fn is_reserved_account(account: &str) -> bool {
    account == FINGERPRINT_KEY_ACCOUNT
        || account == TEAM_PASSWORD_ACCOUNT
        || account.starts_with(PROBE_ACCOUNT_PREFIX)
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No Secret Service / keychain answered at all.
    #[error("the OS keychain is unavailable: {0}")]
    Unavailable(String),
    /// The keychain is there but did not answer in time (busy, unlocking, creating its
    /// collection). A write may still land after we gave up, so callers clean up after it.
    #[error("the OS keychain did not answer in time: {0}")]
    Timeout(String),
    /// The keychain answered but its collection is locked.
    #[error("the OS keychain is locked: {0}")]
    Locked(String),
    /// The keychain refused access (user denied, policy).
    #[error("access to the OS keychain was denied: {0}")]
    Denied(String),
    /// Writes "succeed" but nothing is stored (keyring's mock store, a broken backend).
    #[error("the OS keychain did not keep a value it accepted (no real keychain backend)")]
    NotPersistent,
    /// Anything else the platform reported; never carries secret bytes.
    #[error("the OS keychain failed: {0}")]
    Platform(String),
}

impl VaultError {
    /// Worth asking again: the keychain is there, it was only slow.
    pub fn is_transient(&self) -> bool {
        matches!(self, VaultError::Timeout(_))
    }

    /// Stable code the UI and the CLI switch on.
    pub fn code(&self) -> &'static str {
        match self {
            VaultError::Unavailable(_) | VaultError::NotPersistent => "keychain_unavailable",
            VaultError::Timeout(_) => "keychain_timeout",
            VaultError::Locked(_) => "keychain_locked",
            VaultError::Denied(_) => "keychain_denied",
            VaultError::Platform(_) => "keychain_error",
        }
    }

    /// What the user can do about it, in plain words.
    pub fn fix(&self) -> &'static str {
        match self {
            VaultError::Unavailable(_) | VaultError::NotPersistent => {
                "Start a Secret Service provider (e.g. gnome-keyring or KeePassXC with Secret Service \
                 integration) in your desktop session, then try again. Keyward never stores keys \
                 anywhere else."
            }
            VaultError::Timeout(_) => {
                "The keychain is running but was slow to answer (it may be busy or still \
                 opening). Nothing was kept; try again in a moment."
            }
            VaultError::Locked(_) => {
                "Unlock your keychain (for gnome-keyring: log in again, or unlock the 'login' \
                 collection in Seahorse / Passwords and Keys), then retry."
            }
            VaultError::Denied(_) => {
                "Allow Keyward to use the keychain when your system asks, or check the keychain's \
                 access settings for Keyward, then retry."
            }
            VaultError::Platform(_) => "Retry; if it persists, run `keyward doctor` and check the keychain daemon.",
        }
    }
}

/// What the keychain's last health check found; the window's banner switches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeychainState {
    Ok,
    Unavailable,
    /// There, but too slow to answer (see [`VaultError::Timeout`]).
    Slow,
    Locked,
    Denied,
    Error,
}

impl KeychainState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeychainState::Ok => "ok",
            KeychainState::Unavailable => "unavailable",
            KeychainState::Slow => "slow",
            KeychainState::Locked => "locked",
            KeychainState::Denied => "denied",
            KeychainState::Error => "error",
        }
    }
}

/// The state of the keychain as shown to the user (window banner, `keyward doctor`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeychainStatus {
    pub state: KeychainState,
    pub message: String,
    pub fix: String,
    /// Which backend answered, e.g. `Secret Service (service dev.keyward.app)`.
    pub backend: String,
}

impl KeychainStatus {
    pub fn ok(backend: String) -> KeychainStatus {
        KeychainStatus {
            state: KeychainState::Ok,
            message: "The OS keychain is available.".into(),
            fix: String::new(),
            backend,
        }
    }

    pub fn from_error(err: &VaultError, backend: String) -> KeychainStatus {
        let state = match err {
            VaultError::Unavailable(_) | VaultError::NotPersistent => KeychainState::Unavailable,
            VaultError::Timeout(_) => KeychainState::Slow,
            VaultError::Locked(_) => KeychainState::Locked,
            VaultError::Denied(_) => KeychainState::Denied,
            VaultError::Platform(_) => KeychainState::Error,
        };
        KeychainStatus {
            state,
            message: err.to_string(),
            fix: err.fix().into(),
            backend,
        }
    }

    pub fn is_ok(&self) -> bool {
        self.state == KeychainState::Ok
    }
}

/// A map from account (a key's UUID) to secret. Implementations block; async callers use
/// `spawn_blocking`.
pub trait Vault: Send + Sync {
    fn set(&self, account: &str, secret: &Secret) -> Result<(), VaultError>;
    /// `Ok(None)` when there is no entry.
    fn get(&self, account: &str) -> Result<Option<Secret>, VaultError>;
    /// Deleting a missing entry succeeds.
    fn delete(&self, account: &str) -> Result<(), VaultError>;
    /// Every account stored under Keyward's service, or `None` where the platform cannot
    /// enumerate (then consistency checks fall back to per-key lookups).
    fn accounts(&self) -> Result<Option<Vec<String>>, VaultError>;
    /// Human description of the backend.
    fn describe(&self) -> String;

    /// Round-trips a random probe value through a fresh lookup: catches a missing, locked or
    /// mock keychain before any real secret is handed to it.
    fn health_check(&self) -> Result<(), VaultError> {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let account = format!("{PROBE_ACCOUNT_PREFIX}.{nonce}");
        let probe = Secret::new(format!("probe-{nonce}"));
        self.set(&account, &probe)?;
        let back = self.get(&account)?;
        self.delete(&account)?;
        match back {
            Some(value) if value == probe => Ok(()),
            _ => Err(VaultError::NotPersistent),
        }
    }
}
