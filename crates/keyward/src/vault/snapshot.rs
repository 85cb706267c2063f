//! The set of accounts in the keychain under Keyward's service, kept by the vault so the
//! findings' orphan rule and `doctor` never list the keychain per call: taken by a listing,
//! kept current by the vault's own writes, refreshed on demand or in the background.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use super::{Vault, VaultError};

/// A listing younger than this answers [`Vault::accounts`] without asking the keychain. Other
/// processes (the CLI next to the window) may write meanwhile; this bounds how long their
/// entries go unseen.
pub const SNAPSHOT_FRESH_FOR: Duration = Duration::from_secs(10);

pub type Accounts = Arc<BTreeSet<String>>;

struct Taken {
    accounts: Accounts,
    at: Instant,
}

/// `None` until the first listing, and again after a write whose outcome is unknown.
#[derive(Default)]
pub struct AccountsSnapshot {
    taken: Mutex<Option<Taken>>,
}

impl AccountsSnapshot {
    fn lock(&self) -> MutexGuard<'_, Option<Taken>> {
        // Plain data: a panic elsewhere cannot leave it half-written.
        self.taken.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The kept set, however old (never asks the keychain).
    pub fn get(&self) -> Option<Accounts> {
        self.lock().as_ref().map(|t| Arc::clone(&t.accounts))
    }

    /// The kept set if it was listed within [`SNAPSHOT_FRESH_FOR`].
    pub fn fresh(&self) -> Option<Accounts> {
        self.lock()
            .as_ref()
            .filter(|t| t.at.elapsed() < SNAPSHOT_FRESH_FOR)
            .map(|t| Arc::clone(&t.accounts))
    }

    /// Replaces the set with a listing just made.
    pub fn replace(&self, accounts: impl IntoIterator<Item = String>) -> Accounts {
        let accounts: Accounts = Arc::new(accounts.into_iter().collect());
        *self.lock() = Some(Taken {
            accounts: Arc::clone(&accounts),
            at: Instant::now(),
        });
        accounts
    }

    /// Our own write landed: the account is there (its age stays that of the listing).
    pub fn inserted(&self, account: &str) {
        self.edit(|set| {
            set.insert(account.to_owned());
        });
    }

    /// Our own delete landed: the account is gone.
    pub fn removed(&self, account: &str) {
        self.edit(|set| {
            set.remove(account);
        });
    }

    /// A write failed (it may still land later): the set can no longer be trusted.
    pub fn invalidate(&self) {
        *self.lock() = None;
    }

    fn edit(&self, f: impl FnOnce(&mut BTreeSet<String>)) {
        if let Some(taken) = self.lock().as_mut() {
            // Readers hold their own Arc; they keep the set they were given.
            f(Arc::make_mut(&mut taken.accounts));
        }
    }
}

/// Refreshes `vault`'s accounts snapshot every `every` on a thread of its own, until the
/// vault is dropped (the thread holds only a weak reference). Failures are logged and tried
/// again next time; the snapshot is then whatever the vault kept.
pub fn refresh_accounts_snapshot_every(
    vault: &Arc<dyn Vault>,
    every: Duration,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let vault: Weak<dyn Vault> = Arc::downgrade(vault);
    std::thread::Builder::new()
        .name("keyward-keychain-snapshot".into())
        .spawn(move || loop {
            let Some(vault) = vault.upgrade() else { return };
            if let Err(e) = vault.refresh_accounts_snapshot() {
                tracing::warn!(error = %e, "keychain snapshot refresh failed; kept the last one");
            }
            drop(vault);
            std::thread::sleep(every);
        })
}

/// A listing as the snapshot's type (the default of [`Vault::refresh_accounts_snapshot`]).
pub(super) fn listed(accounts: Option<Vec<String>>) -> Option<Accounts> {
    accounts.map(|a| Arc::new(a.into_iter().collect()))
}

/// `Result` helper for the vaults: record what a write did to the snapshot.
pub(super) fn record<T>(
    snapshot: &AccountsSnapshot,
    result: Result<T, VaultError>,
    on_ok: impl FnOnce(&AccountsSnapshot),
) -> Result<T, VaultError> {
    match &result {
        Ok(_) => on_ok(snapshot),
        Err(_) => snapshot.invalidate(),
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_writes_keep_it_current_and_a_failed_write_drops_it() {
        let s = AccountsSnapshot::default();
        assert!(s.get().is_none(), "nothing before the first listing");
        s.inserted("a");
        assert!(s.get().is_none(), "a write alone is not a listing");
        let first = s.replace(["a".to_owned(), "b".to_owned()]);
        s.inserted("c");
        s.removed("a");
        let now = s.fresh().expect("fresh right after a listing");
        assert_eq!(now.iter().collect::<Vec<_>>(), ["b", "c"]);
        assert_eq!(first.len(), 2, "a reader's set does not change under it");
        let _: Result<(), VaultError> = record(&s, Err(VaultError::Timeout("slow".into())), |_| {});
        assert!(s.get().is_none(), "a write that may land later invalidates");
    }
}
