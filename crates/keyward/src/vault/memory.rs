//! An in-memory vault for unit tests only (never compiled into the product: it is behind
//! `cfg(test)` / the `test-support` feature).

use super::{Accounts, Vault, VaultError};
use crate::secret::Secret;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct MemoryVault {
    entries: Mutex<BTreeMap<String, Secret>>,
    /// When set, every call fails with this error code (to test keychain failures).
    failure: Mutex<Option<&'static str>>,
}

impl MemoryVault {
    pub fn new() -> MemoryVault {
        MemoryVault::default()
    }

    /// Make every following call fail: `"unavailable"`, `"locked"`, `"denied"` or
    /// `"timeout"`; `"timeout_after_write"` makes `set` store the value and then report a
    /// timeout (the reply lost, the write landed), other calls work; `None` heals.
    pub fn fail_with(&self, kind: Option<&'static str>) {
        if let Ok(mut f) = self.failure.lock() {
            *f = kind;
        }
    }

    fn check(&self) -> Result<(), VaultError> {
        let failure = self.failure.lock().map(|f| *f).unwrap_or(None);
        match failure {
            None => Ok(()),
            Some("locked") => Err(VaultError::Locked("test: collection locked".into())),
            Some("denied") => Err(VaultError::Denied("test: access denied".into())),
            Some("timeout") => Err(VaultError::Timeout("test: no reply in time".into())),
            Some("timeout_after_write") => Ok(()),
            Some(_) => Err(VaultError::Unavailable("test: no keychain".into())),
        }
    }

    fn entries(&self) -> Result<std::sync::MutexGuard<'_, BTreeMap<String, Secret>>, VaultError> {
        self.entries
            .lock()
            .map_err(|_| VaultError::Platform("memory vault poisoned".into()))
    }
}

impl Vault for MemoryVault {
    fn set(&self, account: &str, secret: &Secret) -> Result<(), VaultError> {
        self.check()?;
        self.entries()?.insert(account.to_owned(), secret.clone());
        if self.failure.lock().map(|f| *f).unwrap_or(None) == Some("timeout_after_write") {
            return Err(VaultError::Timeout(
                "test: the write landed, the reply did not".into(),
            ));
        }
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<Secret>, VaultError> {
        self.check()?;
        Ok(self.entries()?.get(account).cloned())
    }

    fn delete(&self, account: &str) -> Result<(), VaultError> {
        self.check()?;
        self.entries()?.remove(account);
        Ok(())
    }

    fn accounts(&self) -> Result<Option<Vec<String>>, VaultError> {
        self.check()?;
        Ok(Some(self.entries()?.keys().cloned().collect()))
    }

    /// Its entries are the whole keychain, so the snapshot is always current; `None` while
    /// failing, as a keychain that cannot be listed.
    fn accounts_snapshot(&self) -> Option<Accounts> {
        self.check().ok()?;
        Some(Arc::new(self.entries().ok()?.keys().cloned().collect()))
    }

    fn describe(&self) -> String {
        "in-memory test vault".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snapshot_is_its_entries_and_none_while_failing() {
        let vault = MemoryVault::new();
        assert_eq!(vault.accounts_snapshot().map(|s| s.len()), Some(0));
        vault.set("a", &Secret::new("v".into())).unwrap();
        vault.set("b", &Secret::new("v".into())).unwrap();
        vault.delete("a").unwrap();
        let kept = vault.accounts_snapshot().unwrap();
        assert_eq!(kept.iter().collect::<Vec<_>>(), ["b"]);
        let refreshed = vault.refresh_accounts_snapshot().unwrap().unwrap();
        assert_eq!(refreshed, kept);
        vault.fail_with(Some("locked"));
        assert!(vault.accounts_snapshot().is_none());
        assert_eq!(
            vault.refresh_accounts_snapshot().unwrap_err().code(),
            "keychain_locked"
        );
    }
}
