//! The keychain's account names, listed once and kept current by the core's own keychain
//! writes, for the orphan rule (issue 14): a single-key answer must not list the keychain.
//!
//! Every keychain write of the core goes through the `Vault` the inventory holds, so wrapping
//! it is enough to see them all. Changes made by others (another `keyward` process, Seahorse)
//! are not seen: [`crate::Inventory::note_foreign_change`] drops the listing and the next
//! findings take a fresh one. Account names only, never values.

use crate::findings::KeychainSnapshot;
use crate::secret::Secret;
use crate::vault::{Vault, VaultError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A listing and when it was taken (`None` when the platform cannot list).
type Listing = (Instant, Option<Arc<KeychainSnapshot>>);

/// The listing, if taken.
#[derive(Debug, Default)]
pub(crate) struct KeychainAccounts {
    listing: Mutex<Option<Listing>>,
}

impl KeychainAccounts {
    /// The current listing if one was taken no longer than `max_age` ago (`Some(None)`: the
    /// keychain cannot list).
    pub(crate) fn current(
        &self,
        max_age: Option<Duration>,
    ) -> Option<Option<Arc<KeychainSnapshot>>> {
        let listing = self.listing.lock().unwrap_or_else(|p| p.into_inner());
        listing
            .as_ref()
            .filter(|(at, _)| max_age.is_none_or(|max| at.elapsed() <= max))
            .map(|(_, snapshot)| snapshot.clone())
    }

    /// A new listing (`Some`), or none (`None`: the next use lists again).
    pub(crate) fn replace(&self, listing: Option<Option<Arc<KeychainSnapshot>>>) {
        *self.listing.lock().unwrap_or_else(|p| p.into_inner()) =
            listing.map(|l| (Instant::now(), l));
    }

    fn edit(&self, change: impl FnOnce(&mut KeychainSnapshot)) {
        let mut listing = self.listing.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, Some(snapshot))) = listing.as_mut() {
            // Copies only while a reader still holds the previous listing.
            change(Arc::make_mut(snapshot));
        }
    }
}

/// A vault that keeps [`KeychainAccounts`] current on its writes.
pub(crate) struct SnapshotVault {
    inner: Arc<dyn Vault>,
    accounts: Arc<KeychainAccounts>,
}

impl SnapshotVault {
    pub(crate) fn new(inner: Arc<dyn Vault>, accounts: Arc<KeychainAccounts>) -> SnapshotVault {
        SnapshotVault { inner, accounts }
    }
}

impl Vault for SnapshotVault {
    fn set(&self, account: &str, secret: &Secret) -> Result<(), VaultError> {
        let outcome = self.inner.set(account, secret);
        // A failed write may still have landed (a timed-out D-Bus call): claiming the account
        // is there costs at most a missed orphan until the next listing; claiming it is not
        // could flag a key whose value is safely stored.
        self.accounts.edit(|s| {
            s.accounts.insert(account.to_owned());
        });
        outcome
    }

    fn get(&self, account: &str) -> Result<Option<Secret>, VaultError> {
        self.inner.get(account)
    }

    fn delete(&self, account: &str) -> Result<(), VaultError> {
        self.inner.delete(account)?;
        self.accounts.edit(|s| {
            s.accounts.remove(account);
        });
        Ok(())
    }

    fn accounts(&self) -> Result<Option<Vec<String>>, VaultError> {
        self.inner.accounts()
    }

    fn accounts_snapshot(&self) -> Option<crate::vault::Accounts> {
        self.inner.accounts_snapshot()
    }

    fn refresh_accounts_snapshot(&self) -> Result<Option<crate::vault::Accounts>, VaultError> {
        self.inner.refresh_accounts_snapshot()
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn health_check(&self) -> Result<(), VaultError> {
        // The inner vault's own check: its probe entries are no key's and not listed here.
        self.inner.health_check()
    }
}
