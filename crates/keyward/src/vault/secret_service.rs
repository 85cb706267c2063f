//! Linux: the Secret Service over one D-Bus connection and one DH-encrypted session kept for
//! the vault's life. The `keyring` crate opens a connection and negotiates a new session on
//! every call (~13× one round trip, see docs/BENCHMARKS.md "Keychain latency"); here both are
//! opened once and reopened only when the daemon went away.
//!
//! Items are found and written exactly as keyring 3.6 does (its `secret_service.rs`), so the
//! entries of existing installs keep working in both directions: the same attributes
//! (`target=default`, `service`, `username`, `application=rust-keyring`) and label, taken from
//! keyring's own [`SsCredential`]; the same search (all collections by target/service/username,
//! then the default collection without `target` for keyring v1's items); the same unlock of a
//! locked item before use; new items in the default collection, unlocked first if locked.

use super::keychain::classify_platform;
use super::VaultError;
use crate::secret::Secret;
use dbus_secret_service::{EncryptionType, Item, SecretService};
use keyring::secret_service::SsCredential;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use zeroize::Zeroizing;

pub const NAME: &str = "Secret Service";

/// The kept connection + session. Calls are serialized by the mutex: a blocking D-Bus
/// connection answers one call at a time anyway, and gnome-keyring 42 can crash when clients
/// open and close sessions rapidly in parallel (see reference/keychain.md).
#[derive(Default)]
pub struct SessionBackend {
    kept: Mutex<Option<SecretService>>,
    /// How many sessions this backend opened (tests prove that one is kept).
    opened: AtomicU64,
}

impl SessionBackend {
    pub fn new() -> SessionBackend {
        SessionBackend::default()
    }

    #[cfg(any(test, feature = "test-support"))]
    pub fn sessions_opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    /// Runs `op` on the kept session, opening one first if there is none. When a kept session
    /// fails in a way a new one could fix (the daemon restarted: our session object is gone;
    /// the bus connection dropped), it is replaced once and `op` runs again. A slow daemon
    /// (timeout), a locked collection or a refusal keep the session: a new one changes nothing.
    fn with_session<T>(
        &self,
        op: impl Fn(&SecretService) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        // A poisoned lock only means another call panicked; the session is still usable or
        // will be replaced on its first failure.
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let (ss, was_kept) = match kept.take() {
            Some(ss) => (ss, true),
            None => (self.open()?, false),
        };
        let ss = kept.insert(ss);
        match op(ss) {
            Err(e) if was_kept && worth_a_new_session(&e) => {
                tracing::info!(error = %e, "keychain session lost; opening a new one");
                *kept = None;
                let ss = kept.insert(self.open()?);
                op(ss)
            }
            other => other,
        }
    }

    fn open(&self) -> Result<SecretService, VaultError> {
        // Same session type as keyring with `crypto-rust`: values never cross D-Bus in clear.
        let ss = SecretService::connect(EncryptionType::Dh).map_err(map)?;
        self.opened.fetch_add(1, Ordering::Relaxed);
        Ok(ss)
    }

    pub fn set(&self, service: &str, account: &str, secret: &Secret) -> Result<(), VaultError> {
        let credential = credential(service, account)?;
        self.with_session(|ss| {
            // EXPOSE: handing the value to the OS keychain is the point of this call.
            let bytes = secret.expose().as_bytes();
            let existing = matching_items(ss, &credential)?;
            match existing.as_slice() {
                [item] => return item.set_secret(bytes, "text/plain").map_err(map),
                [] => {}
                more => return Err(ambiguous(more.len())),
            }
            // keyring: `get_collection("default")` (unlocked if locked), falling back to
            // `create_collection("default")`, which for "default" is the same lookup.
            let collection = ss
                .get_default_collection()
                .and_then(|c| {
                    if c.is_locked()? {
                        c.unlock()?;
                    }
                    Ok(c)
                })
                .or_else(|_| ss.get_default_collection())
                .map_err(map)?;
            collection
                .create_item(
                    &credential.label,
                    attributes(&credential),
                    bytes,
                    true,
                    "text/plain",
                )
                .map(drop)
                .map_err(map)
        })
    }

    pub fn get(&self, service: &str, account: &str) -> Result<Option<Secret>, VaultError> {
        let credential = credential(service, account)?;
        self.with_session(|ss| {
            let items = matching_items(ss, &credential)?;
            match items.as_slice() {
                [] => Ok(None),
                [item] => {
                    let bytes = Zeroizing::new(item.get_secret().map_err(map)?);
                    match std::str::from_utf8(&bytes) {
                        Ok(text) => Ok(Some(Secret::new(text.to_owned()))),
                        // Never the bytes themselves: they are the secret.
                        Err(_) => Err(VaultError::Platform(
                            "a stored value is not valid UTF-8 text".into(),
                        )),
                    }
                }
                more => Err(ambiguous(more.len())),
            }
        })
    }

    pub fn delete(&self, service: &str, account: &str) -> Result<(), VaultError> {
        let credential = credential(service, account)?;
        self.with_session(|ss| {
            let items = matching_items(ss, &credential)?;
            match items.as_slice() {
                [] => Ok(()),
                [item] => item.delete().map_err(map),
                more => Err(ambiguous(more.len())),
            }
        })
    }

    /// Every account with our `service` attribute, in any collection (attributes only, no
    /// secret is read; works on a locked collection too).
    pub fn accounts(&self, service: &str) -> Result<Option<Vec<String>>, VaultError> {
        self.with_session(|ss| {
            let found = ss
                .search_items(HashMap::from([("service", service)]))
                .map_err(map)?;
            let mut accounts = Vec::new();
            for item in found.unlocked.iter().chain(found.locked.iter()) {
                let attrs = item.get_attributes().map_err(map)?;
                if let Some(user) = attrs.get("username") {
                    accounts.push(user.clone());
                }
            }
            accounts.sort();
            accounts.dedup();
            Ok(Some(accounts))
        })
    }

    /// One plain round trip on the kept session (the bench's baseline): the default
    /// collection's alias lookup.
    #[cfg(any(test, feature = "test-support"))]
    pub fn round_trip(&self) -> Result<(), VaultError> {
        self.with_session(|ss| ss.get_default_collection().map(drop).map_err(map))
    }
}

/// keyring's credential for (service, account) in the default collection: its attributes and
/// label are what keyring writes, so we write the same.
fn credential(service: &str, account: &str) -> Result<SsCredential, VaultError> {
    SsCredential::new_with_target(None, service, account).map_err(|e| {
        VaultError::Platform(format!(
            "cannot name a keychain entry for this account: {e}"
        ))
    })
}

fn attributes(credential: &SsCredential) -> HashMap<&str, &str> {
    credential
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// keyring's `map_matching_items`: the items with our target, service and username in any
/// collection, locked ones unlocked first; none there, keyring v1's items (no `target`) in the
/// default collection.
fn matching_items<'a>(
    ss: &'a SecretService,
    credential: &SsCredential,
) -> Result<Vec<Item<'a>>, VaultError> {
    let attrs = &credential.attributes;
    let wanted = |keys: &[&'static str]| -> HashMap<&str, &str> {
        keys.iter()
            .filter_map(|k| attrs.get(*k).map(|v| (*k, v.as_str())))
            .collect()
    };
    let found = ss
        .search_items(wanted(&["target", "service", "username"]))
        .map_err(map)?;
    if found.unlocked.is_empty() && found.locked.is_empty() {
        let collection = ss.get_default_collection().map_err(map)?;
        let legacy = collection
            .search_items(wanted(&["service", "username"]))
            .map_err(map)?;
        // Rebound to the service: the collection's items borrow the collection.
        return Ok(legacy
            .into_iter()
            .map(|item| Item::new(ss, item.path))
            .collect());
    }
    // More than one: report before unlocking anything, as keyring does.
    if found.unlocked.len() + found.locked.len() > 1 {
        return Err(ambiguous(found.unlocked.len() + found.locked.len()));
    }
    for item in &found.locked {
        item.unlock().map_err(map)?;
    }
    Ok(found.unlocked.into_iter().chain(found.locked).collect())
}

fn ambiguous(count: usize) -> VaultError {
    VaultError::Platform(format!("{count} keychain entries match one account"))
}

/// A new session may help when ours is gone: the daemon restarted (our session object path
/// is unknown to it: `org.freedesktop.Secret.Error.NoSession`, `UnknownObject`) or the bus
/// connection dropped. Not for a slow, locked or refusing keychain, nor for our own findings
/// (several items for one account, a value that is not text), which carry no D-Bus error name.
fn worth_a_new_session(err: &VaultError) -> bool {
    match err {
        VaultError::Unavailable(_) => true,
        VaultError::Platform(text) => text.contains("(org.freedesktop."),
        _ => false,
    }
}

/// The message plus the D-Bus error name (`org.freedesktop.DBus.Error.FileNotFound`,
/// `org.freedesktop.Secret.Error.IsLocked`, …), which `Display` leaves out.
pub fn describe(err: &dbus_secret_service::Error) -> String {
    match err {
        dbus_secret_service::Error::Dbus(e) => format!(
            "{} ({})",
            e.message().unwrap_or("no message"),
            e.name().unwrap_or("unnamed D-Bus error")
        ),
        other => other.to_string(),
    }
}

/// As keyring maps them (then Keyward's `map_error`): locked, no result and a dismissed
/// prompt are "locked"; D-Bus failures are classified by their error name.
fn map(err: dbus_secret_service::Error) -> VaultError {
    match err {
        dbus_secret_service::Error::Locked
        | dbus_secret_service::Error::NoResult
        | dbus_secret_service::Error::Prompt => VaultError::Locked(err.to_string()),
        dbus_secret_service::Error::Unavailable => VaultError::Unavailable(err.to_string()),
        // Never formats a payload: crypto errors carry no secret bytes, but say only what.
        dbus_secret_service::Error::Crypto(_) => {
            VaultError::Platform("the keychain session's encryption failed".into())
        }
        other => classify_platform(&describe(&other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_keyrings_attributes_and_label() {
        let c = credential("dev.keyward.app", "acct").unwrap();
        let attrs = attributes(&c);
        assert_eq!(attrs.get("target"), Some(&"default"));
        assert_eq!(attrs.get("service"), Some(&"dev.keyward.app"));
        assert_eq!(attrs.get("username"), Some(&"acct"));
        assert_eq!(attrs.get("application"), Some(&"rust-keyring"));
        assert!(
            c.label
                .starts_with("acct@dev.keyward.app:default (keyring v"),
            "{}",
            c.label
        );
    }

    #[test]
    fn only_a_lost_session_is_replaced() {
        assert!(worth_a_new_session(&classify_platform(
            "The session does not exist (org.freedesktop.Secret.Error.NoSession)"
        )));
        assert!(worth_a_new_session(&classify_platform(
            "Connection is closed (org.freedesktop.DBus.Error.Disconnected)"
        )));
        assert!(!worth_a_new_session(&ambiguous(2)));
        assert!(!worth_a_new_session(&VaultError::Timeout("slow".into())));
        assert!(!worth_a_new_session(&VaultError::Locked("locked".into())));
        assert!(!worth_a_new_session(&VaultError::Denied("no".into())));
    }

    #[test]
    fn crypto_errors_name_no_bytes() {
        let err = map(dbus_secret_service::Error::Crypto(
            "canary-secret-bytes".into(),
        ));
        assert!(!format!("{err} {err:?}").contains("canary"));
    }
}
