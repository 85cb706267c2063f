//! The window's start-up opens the inventory without touching the keychain (issue 14): the
//! list is metadata only, and the keychain is probed by the first status check or write.
#![allow(clippy::unwrap_used)] // a panic is the failure report

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use keyward::model::KeyFilter;
use keyward::store::Store;
use keyward::vault::{MemoryVault, Vault, VaultError};
use keyward::{Config, Inventory, NewKey, Secret};

/// A memory vault that counts every call made to it.
#[derive(Default)]
struct CountingVault {
    inner: MemoryVault,
    calls: AtomicUsize,
}

impl CountingVault {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

impl Vault for CountingVault {
    fn set(&self, account: &str, secret: &Secret) -> Result<(), VaultError> {
        self.count();
        self.inner.set(account, secret)
    }
    fn get(&self, account: &str) -> Result<Option<Secret>, VaultError> {
        self.count();
        self.inner.get(account)
    }
    fn delete(&self, account: &str) -> Result<(), VaultError> {
        self.count();
        self.inner.delete(account)
    }
    fn accounts(&self) -> Result<Option<Vec<String>>, VaultError> {
        self.count();
        self.inner.accounts()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

async fn unchecked(vault: Arc<CountingVault>) -> Inventory {
    let store = Store::open_in_memory().await.unwrap();
    let config = Config::at(std::env::temp_dir().join("keyward-unchecked-never-written"));
    Inventory::with_store_unchecked(store, vault, config)
}

fn new_key(name: &str) -> NewKey {
    NewKey {
        name: name.into(),
        environment: "dev".into(),
        purpose: "send transactional email".into(),
        ..NewKey::default()
    }
}

fn postman_value(n: u8) -> Secret {
    Secret::new(format!(
        "PMAK-{}-{}",
        "a1".repeat(12),
        format!("{n:02}").repeat(17)
    ))
}

#[tokio::test]
async fn opening_and_listing_with_findings_never_touch_the_keychain() {
    let vault = Arc::new(CountingVault::default());
    // Seed through a checked inventory on the same store, then open it unchecked.
    let store = Store::open_in_memory().await.unwrap();
    let config = Config::at(std::env::temp_dir().join("keyward-unchecked-never-written"));
    let seeded = Inventory::with_store(store.clone(), vault.clone(), config.clone()).await;
    seeded.add(new_key("one"), postman_value(1)).await.unwrap();
    let before = vault.calls();

    let inv = Inventory::with_store_unchecked(store, vault.clone(), config);
    assert!(!inv.keychain_checked());
    let records = inv.list(&KeyFilter::default()).await.unwrap();
    assert_eq!(records.len(), 1);
    inv.findings_over(&records).await.unwrap();
    assert_eq!(
        vault.calls(),
        before,
        "opening, listing and evaluating findings must not call the keychain"
    );

    // The window's keychain_status: one probe, then findings may use the keychain.
    assert!(inv.refresh_keychain_status().await.is_ok());
    assert!(inv.keychain_checked());
    assert!(
        vault.calls() > before,
        "the status check probes the keychain"
    );
}

#[tokio::test]
async fn a_write_before_any_probe_checks_the_keychain_first() {
    let vault = Arc::new(CountingVault::default());
    vault.inner.fail_with(Some("locked"));
    let inv = unchecked(vault.clone()).await;
    let refused = inv.add(new_key("one"), postman_value(1)).await;
    assert!(refused.is_err(), "a locked keychain refuses the write");
    assert!(inv.keychain_checked());
    assert!(!inv.keychain_status().is_ok());
    assert!(inv.list(&KeyFilter::default()).await.unwrap().is_empty());

    vault.inner.fail_with(None);
    let inv = unchecked(vault.clone()).await;
    inv.add(new_key("two"), postman_value(2)).await.unwrap();
    assert!(inv.keychain_checked() && inv.keychain_status().is_ok());
}
