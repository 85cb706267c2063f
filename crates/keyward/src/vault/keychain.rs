//! The OS keychain: on Linux the Secret Service over one kept D-Bus connection and encrypted
//! session (`secret_service.rs`, DH with `crypto-rust`, so values never cross D-Bus in clear);
//! the `keyring` crate for Keychain on macOS and Credential Manager on Windows.

use super::snapshot::{self, AccountsSnapshot};
use super::{Accounts, Vault, VaultError};
use crate::secret::Secret;

pub struct KeychainVault {
    service: String,
    backend: platform::Backend,
    snapshot: AccountsSnapshot,
}

impl KeychainVault {
    /// `service` is the app identifier; every entry's account is a key's UUID. Connects on
    /// the first call, not here.
    pub fn new(service: impl Into<String>) -> KeychainVault {
        KeychainVault {
            service: service.into(),
            backend: platform::Backend::new(),
            snapshot: AccountsSnapshot::default(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// How many Secret Service sessions this vault has opened (one for its whole life unless
    /// the daemon went away). Tests check the session is kept.
    #[cfg(all(target_os = "linux", any(test, feature = "test-support")))]
    pub fn sessions_opened(&self) -> u64 {
        self.backend.sessions_opened()
    }

    /// One plain D-Bus round trip on the kept session (the default collection's alias): the
    /// keychain benchmark's baseline.
    #[cfg(all(target_os = "linux", any(test, feature = "test-support")))]
    pub fn round_trip(&self) -> Result<(), VaultError> {
        self.backend.round_trip()
    }
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
        let result = patiently(|| self.backend.set(&self.service, account, secret));
        snapshot::record(&self.snapshot, result, |s| s.inserted(account))
    }

    fn get(&self, account: &str) -> Result<Option<Secret>, VaultError> {
        patiently(|| self.backend.get(&self.service, account))
    }

    fn delete(&self, account: &str) -> Result<(), VaultError> {
        let result = patiently(|| self.backend.delete(&self.service, account));
        snapshot::record(&self.snapshot, result, |s| s.removed(account))
    }

    fn accounts(&self) -> Result<Option<Vec<String>>, VaultError> {
        if let Some(fresh) = self.snapshot.fresh() {
            return Ok(Some(fresh.iter().cloned().collect()));
        }
        Ok(self
            .refresh_accounts_snapshot()?
            .map(|a| a.iter().cloned().collect()))
    }

    fn accounts_snapshot(&self) -> Option<Accounts> {
        self.snapshot.get()
    }

    fn refresh_accounts_snapshot(&self) -> Result<Option<Accounts>, VaultError> {
        let listed = patiently(|| self.backend.accounts(&self.service))?;
        Ok(listed.map(|a| self.snapshot.replace(a)))
    }

    fn describe(&self) -> String {
        format!("{} (service {})", platform::NAME, self.service)
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
    pub use super::super::secret_service::{SessionBackend as Backend, NAME};
}

/// macOS / Windows: the `keyring` crate, one call per operation (its platform APIs keep no
/// session worth keeping).
#[cfg(not(target_os = "linux"))]
mod platform {
    use super::{classify_platform, VaultError};
    use crate::secret::Secret;
    use std::sync::Mutex;
    use zeroize::Zeroizing;

    #[cfg(target_os = "macos")]
    pub const NAME: &str = "macOS Keychain";
    #[cfg(target_os = "windows")]
    pub const NAME: &str = "Windows Credential Manager";
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    pub const NAME: &str = "platform keychain";

    /// Calls are serialized, as they always were.
    #[derive(Default)]
    pub struct Backend {
        lock: Mutex<()>,
    }

    impl Backend {
        pub fn new() -> Backend {
            Backend::default()
        }

        fn serialized<T>(
            &self,
            f: impl FnOnce() -> Result<T, VaultError>,
        ) -> Result<T, VaultError> {
            // A poisoned lock only means another call panicked; the keychain itself is fine.
            let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
            f()
        }

        pub fn set(&self, service: &str, account: &str, secret: &Secret) -> Result<(), VaultError> {
            self.serialized(|| {
                // EXPOSE: handing the value to the OS keychain is the point of this call.
                entry(service, account)?
                    .set_password(secret.expose())
                    .map_err(map_error)
            })
        }

        pub fn get(&self, service: &str, account: &str) -> Result<Option<Secret>, VaultError> {
            self.serialized(|| match entry(service, account)?.get_password() {
                Ok(value) => Ok(Some(Secret::from_zeroizing(Zeroizing::new(value)))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(map_error(e)),
            })
        }

        pub fn delete(&self, service: &str, account: &str) -> Result<(), VaultError> {
            self.serialized(|| match entry(service, account)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(map_error(e)),
            })
        }

        /// Not enumerable through keyring 3 here; consistency checks look up each key instead.
        pub fn accounts(&self, _service: &str) -> Result<Option<Vec<String>>, VaultError> {
            Ok(None)
        }
    }

    fn entry(service: &str, account: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(service, account).map_err(map_error)
    }

    /// Maps keyring's errors to ours. Never formats `BadEncoding`'s payload: those are secret
    /// bytes.
    pub(super) fn map_error(err: keyring::Error) -> VaultError {
        match err {
            keyring::Error::PlatformFailure(inner) => classify_platform(&inner.to_string()),
            keyring::Error::NoStorageAccess(inner) => {
                let text = inner.to_string();
                let lower = text.to_ascii_lowercase();
                if lower.contains("prompt")
                    || lower.contains("locked")
                    || lower.contains("no result")
                {
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

    #[cfg(not(target_os = "linux"))]
    #[test]
    fn bad_encoding_never_shows_its_bytes() {
        let err = platform::map_error(keyring::Error::BadEncoding(b"canary-secret-bytes".to_vec()));
        assert!(!err.to_string().contains("canary"), "{err}");
        assert!(!format!("{err:?}").contains("canary"));
    }
}
