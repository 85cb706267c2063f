//! The OS keychain through the `keyring` crate: Secret Service on Linux (with `crypto-rust`,
//! so values never cross D-Bus in clear), Keychain on macOS, Credential Manager on Windows.

use super::{Vault, VaultError};
use crate::secret::Secret;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// gnome-keyring 42 can crash when clients open and close sessions rapidly in parallel
/// (see reference/keychain.md); keyring opens a session per call, so calls are serialized.
static KEYCHAIN_LOCK: Mutex<()> = Mutex::new(());

pub struct KeychainVault {
    service: String,
}

impl KeychainVault {
    /// `service` is the app identifier; every entry's account is a key's UUID.
    pub fn new(service: impl Into<String>) -> KeychainVault {
        KeychainVault {
            service: service.into(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(&self.service, account).map_err(map_error)
    }
}

fn serialized<T>(f: impl FnOnce() -> Result<T, VaultError>) -> Result<T, VaultError> {
    // A poisoned lock only means another call panicked; the keychain itself is fine.
    let _guard = KEYCHAIN_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    f()
}

/// Attempts per call when the keychain is slow. dbus-secret-service gives each D-Bus call
/// 2 s; a busy gnome-keyring (a loaded machine, its first unlock, creating the collection)
/// can take longer, and that used to surface as "no keychain". Every call here is safe to
/// repeat: `set` writes the same value under the same account, `get`/`delete` change nothing
/// a second time.
const ATTEMPTS: u32 = 3;

fn patiently<T>(mut f: impl FnMut() -> Result<T, VaultError>) -> Result<T, VaultError> {
    let mut attempt = 1;
    loop {
        match f() {
            Err(e) if e.is_transient() && attempt < ATTEMPTS => {
                tracing::warn!(attempt, error = %e, "keychain slow to answer; asking again");
                std::thread::sleep(std::time::Duration::from_millis(250 * u64::from(attempt)));
                attempt += 1;
            }
            other => return other,
        }
    }
}

impl Vault for KeychainVault {
    fn set(&self, account: &str, secret: &Secret) -> Result<(), VaultError> {
        serialized(|| {
            patiently(|| {
                // EXPOSE: handing the value to the OS keychain is the point of this call.
                self.entry(account)?
                    .set_password(secret.expose())
                    .map_err(map_error)
            })
        })
    }

    fn get(&self, account: &str) -> Result<Option<Secret>, VaultError> {
        serialized(|| {
            patiently(|| match self.entry(account)?.get_password() {
                Ok(value) => Ok(Some(Secret::from_zeroizing(Zeroizing::new(value)))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(map_error(e)),
            })
        })
    }

    fn delete(&self, account: &str) -> Result<(), VaultError> {
        serialized(|| {
            patiently(|| match self.entry(account)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(map_error(e)),
            })
        })
    }

    fn accounts(&self) -> Result<Option<Vec<String>>, VaultError> {
        serialized(|| patiently(|| platform::accounts(&self.service)))
    }

    fn describe(&self) -> String {
        format!("{} (service {})", platform::NAME, self.service)
    }
}

/// Maps keyring's errors to ours. Never formats `BadEncoding`'s payload: those are secret bytes.
fn map_error(err: keyring::Error) -> VaultError {
    match err {
        keyring::Error::PlatformFailure(inner) => {
            classify_platform(&platform::describe(inner.as_ref()))
        }
        keyring::Error::NoStorageAccess(inner) => {
            let text = platform::describe(inner.as_ref());
            let lower = text.to_ascii_lowercase();
            if lower.contains("prompt") || lower.contains("locked") || lower.contains("no result") {
                VaultError::Locked(text)
            } else {
                VaultError::Denied(text)
            }
        }
        keyring::Error::NoEntry => VaultError::Platform("entry not found".into()),
        keyring::Error::BadEncoding(_) => {
            VaultError::Platform("a stored value is not valid UTF-8 text".into())
        }
        keyring::Error::TooLong(attr, max) => VaultError::Platform(format!(
            "the {attr} is longer than the keychain allows ({max})"
        )),
        keyring::Error::Invalid(attr, reason) => {
            VaultError::Platform(format!("invalid {attr}: {reason}"))
        }
        keyring::Error::Ambiguous(items) => VaultError::Platform(format!(
            "{} keychain entries match one account",
            items.len()
        )),
        other => VaultError::Platform(other.to_string()),
    }
}

/// Tells "no keychain" from "slow" from "locked" from other failures by the D-Bus error
/// name inside. `NoReply` covers both a daemon that died mid-call ("Message recipient
/// disconnected") and one that was merely slower than the call's timeout ("Did not receive a
/// reply"); only the first means there is no keychain.
pub(crate) fn classify_platform(text: &str) -> VaultError {
    const TIMEOUT: [&str; 4] = [
        "Did not receive a reply",
        "reply timeout",
        "org.freedesktop.DBus.Error.Timeout",
        "org.freedesktop.DBus.Error.TimedOut",
    ];
    const UNAVAILABLE: [&str; 8] = [
        "ServiceUnknown",
        "FileNotFound",
        "autolaunch",
        "NoServer",
        "NoReply",
        "Disconnected",
        "not provided by any .service files",
        "Unavailable",
    ];
    if text.contains("IsLocked") || text.contains("object locked") {
        VaultError::Locked(text.to_owned())
    } else if TIMEOUT.iter().any(|needle| text.contains(needle)) {
        VaultError::Timeout(text.to_owned())
    } else if UNAVAILABLE.iter().any(|needle| text.contains(needle)) {
        VaultError::Unavailable(text.to_owned())
    } else {
        VaultError::Platform(text.to_owned())
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use super::{classify_platform, VaultError};
    use dbus_secret_service::{EncryptionType, SecretService};
    use std::collections::HashMap;

    pub const NAME: &str = "Secret Service";

    /// The message plus the D-Bus error name (`org.freedesktop.DBus.Error.FileNotFound`,
    /// `org.freedesktop.Secret.Error.IsLocked`, …), which `Display` leaves out.
    pub fn describe(err: &(dyn std::error::Error + Send + Sync + 'static)) -> String {
        match err.downcast_ref::<dbus_secret_service::Error>() {
            Some(dbus_secret_service::Error::Dbus(e)) => {
                format!(
                    "{} ({})",
                    e.message().unwrap_or("no message"),
                    e.name().unwrap_or("unnamed D-Bus error")
                )
            }
            Some(other) => other.to_string(),
            None => err.to_string(),
        }
    }

    /// keyring 3 has no search; ask the Secret Service directly for items with our
    /// `service` attribute (attributes only, no secret is read).
    pub fn accounts(service: &str) -> Result<Option<Vec<String>>, VaultError> {
        let ss = SecretService::connect(EncryptionType::Dh).map_err(map)?;
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
    }

    fn map(err: dbus_secret_service::Error) -> VaultError {
        match err {
            dbus_secret_service::Error::Locked | dbus_secret_service::Error::Prompt => {
                VaultError::Locked(err.to_string())
            }
            dbus_secret_service::Error::Unavailable => VaultError::Unavailable(err.to_string()),
            other => classify_platform(&describe(&other)),
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use super::VaultError;

    #[cfg(target_os = "macos")]
    pub const NAME: &str = "macOS Keychain";
    #[cfg(target_os = "windows")]
    pub const NAME: &str = "Windows Credential Manager";
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    pub const NAME: &str = "platform keychain";

    pub fn describe(err: &(dyn std::error::Error + Send + Sync + 'static)) -> String {
        err.to_string()
    }

    /// Not enumerable through keyring 3 here; consistency checks look up each key instead.
    pub fn accounts(_service: &str) -> Result<Option<Vec<String>>, VaultError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbus_errors_are_classified() {
        let cases = [
            ("org.freedesktop.DBus.Error.ServiceUnknown: The name is not activatable", "keychain_unavailable"),
            ("org.freedesktop.DBus.Error.FileNotFound: Failed to connect to socket", "keychain_unavailable"),
            ("Unable to autolaunch a dbus-daemon without a $DISPLAY for X11", "keychain_unavailable"),
            ("org.freedesktop.DBus.Error.NoReply: Message recipient disconnected", "keychain_unavailable"),
            // What a gnome-keyring slower than dbus-secret-service's 2 s call timeout gives.
            ("Did not receive a reply. Possible causes include: the remote application did not send a reply, the message bus security policy blocked the reply, the reply timeout expired, or the network connection was broken. (org.freedesktop.DBus.Error.NoReply)", "keychain_timeout"),
            ("Connection timed out (org.freedesktop.DBus.Error.Timeout)", "keychain_timeout"),
            ("org.freedesktop.Secret.Error.IsLocked: Cannot create an item in a locked collection", "keychain_locked"),
            ("something odd", "keychain_error"),
        ];
        for (text, code) in cases {
            assert_eq!(classify_platform(text).code(), code, "{text}");
        }
    }

    #[test]
    fn only_a_slow_keychain_is_asked_again() {
        let mut calls = 0;
        let out: Result<(), VaultError> = patiently(|| {
            calls += 1;
            Err(VaultError::Timeout("slow".into()))
        });
        assert_eq!(out.unwrap_err().code(), "keychain_timeout");
        assert_eq!(calls, ATTEMPTS);
        let mut calls = 0;
        let out = patiently(|| {
            calls += 1;
            if calls == 1 {
                Err(VaultError::Timeout("slow".into()))
            } else {
                Ok(7)
            }
        });
        assert_eq!(out.unwrap(), 7);
        let mut calls = 0;
        let out: Result<(), VaultError> = patiently(|| {
            calls += 1;
            Err(VaultError::Unavailable("gone".into()))
        });
        assert!(out.is_err());
        assert_eq!(calls, 1, "no keychain: asking again changes nothing");
    }

    #[test]
    fn bad_encoding_never_shows_its_bytes() {
        let err = map_error(keyring::Error::BadEncoding(b"canary-secret-bytes".to_vec()));
        assert!(!err.to_string().contains("canary"), "{err}");
        assert!(!format!("{err:?}").contains("canary"));
    }
}
