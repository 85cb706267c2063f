//! `KeychainVault` against a real (throwaway) gnome-keyring: entries written by the `keyring`
//! crate (every existing install) are read, replaced and deleted by the vault and the other
//! way round; one session is kept for many calls; a restarted daemon is reconnected to once;
//! the accounts snapshot follows the vault's own writes.
#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

use dbus_secret_service::{EncryptionType, SecretService};
use keyward::secret::Secret;
use keyward::vault::{KeychainVault, Vault};
use test_keychain::TestKeychain;

/// libdbus reads `DBUS_SESSION_BUS_ADDRESS` once per process, so every test in this binary
/// shares one throwaway keychain (under `cargo test`; nextest gives each test its own process
/// anyway), one test at a time, each under a service of its own.
static KEYCHAIN: OnceLock<Mutex<TestKeychain>> = OnceLock::new();

fn keychain() -> MutexGuard<'static, TestKeychain> {
    let shared = KEYCHAIN.get_or_init(|| {
        assert!(
            test_keychain::available(),
            "missing tools: {:?} (run scripts/setup-system.sh)",
            test_keychain::missing_tools()
        );
        let kc = TestKeychain::start().expect("start a throwaway keychain");
        for (k, v) in kc.env() {
            std::env::set_var(k, v);
        }
        Mutex::new(kc)
    });
    let mut kc = shared.lock().unwrap_or_else(|p| p.into_inner());
    // A test that failed half-way may have left it stopped or locked.
    if !kc.has_secret_service().unwrap_or(false) || kc.is_locked().unwrap_or(true) {
        kc.restart_daemon().expect("start the keyring again");
    }
    kc
}

fn service() -> String {
    format!("keyward-test-{}", uuid::Uuid::new_v4().simple())
}

/// Label and attributes of the one item with `service`/`username`, read over D-Bus.
fn item_of(service: &str, account: &str) -> (String, HashMap<String, String>) {
    let ss = SecretService::connect(EncryptionType::Dh).expect("connect");
    let found = ss
        .search_items(HashMap::from([("service", service), ("username", account)]))
        .expect("search");
    let items: Vec<_> = found.unlocked.iter().chain(found.locked.iter()).collect();
    assert_eq!(items.len(), 1, "exactly one item for {account}");
    (
        items[0].get_label().expect("label"),
        items[0].get_attributes().expect("attributes"),
    )
}

#[test]
fn entries_written_by_keyring_and_by_the_vault_are_the_same_items() {
    let kc = keychain();
    let service = service();
    let vault = KeychainVault::new(service.clone());

    // keyring → vault.
    let old = keyring::Entry::new(&service, "written-by-keyring").unwrap();
    old.set_password("value-from-keyring").unwrap();
    let got = vault.get("written-by-keyring").unwrap().expect("found");
    assert_eq!(got.expose(), "value-from-keyring");
    // Replacing keeps one item (no duplicate next to keyring's).
    vault
        .set("written-by-keyring", &Secret::new("replaced".into()))
        .unwrap();
    assert_eq!(old.get_password().unwrap(), "replaced");
    let (keyring_label, keyring_attrs) = item_of(&service, "written-by-keyring");

    // vault → keyring, with the same attributes and label keyring would have written.
    vault
        .set("written-by-vault", &Secret::new("value-from-vault".into()))
        .unwrap();
    let new = keyring::Entry::new(&service, "written-by-vault").unwrap();
    assert_eq!(new.get_password().unwrap(), "value-from-vault");
    assert_eq!(
        kc.lookup(&service, "written-by-vault").unwrap().as_deref(),
        Some("value-from-vault"),
        "libsecret (secret-tool) finds it too"
    );
    let (label, attrs) = item_of(&service, "written-by-vault");
    assert_eq!(
        label,
        keyring_label.replace("written-by-keyring", "written-by-vault")
    );
    // gnome-keyring may add `xdg:schema` to any item once it has reloaded its file; that is
    // the daemon's, not the writer's.
    let ours = |mut a: HashMap<String, String>| {
        a.remove("xdg:schema");
        a
    };
    let mut expected = ours(keyring_attrs);
    expected.insert("username".into(), "written-by-vault".into());
    assert_eq!(ours(attrs), expected, "the same attributes keyring writes");

    // A keyring v1 item (no `target` attribute) in the default collection is still found.
    {
        let ss = SecretService::connect(EncryptionType::Dh).unwrap();
        let v1 = keyring::secret_service::SsCredential::new_with_no_target(&service, "v1").unwrap();
        let attrs = v1
            .attributes
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        ss.get_default_collection()
            .unwrap()
            .create_item(&v1.label, attrs, b"value-from-v1", true, "text/plain")
            .unwrap();
    }
    assert_eq!(vault.get("v1").unwrap().unwrap().expose(), "value-from-v1");

    // Deletes in both directions; a missing entry is not an error.
    vault.delete("written-by-keyring").unwrap();
    assert!(matches!(old.get_password(), Err(keyring::Error::NoEntry)));
    new.delete_credential().unwrap();
    assert!(vault.get("written-by-vault").unwrap().is_none());
    vault.delete("never-there").unwrap();
    assert_eq!(vault.accounts().unwrap().unwrap(), vec!["v1".to_owned()]);
}

#[test]
fn one_session_serves_many_calls_and_a_restarted_daemon_is_reconnected_once() {
    let mut kc = keychain();
    let vault = KeychainVault::new(service());
    vault.set("a", &Secret::new("value-a".into())).unwrap();
    let before = kc.connections_accepted().unwrap();
    for _ in 0..50 {
        assert_eq!(vault.get("a").unwrap().unwrap().expose(), "value-a");
    }
    vault.health_check().unwrap();
    let after = kc.connections_accepted().unwrap();
    assert_eq!(vault.sessions_opened(), 1, "one encrypted session");
    assert_eq!(
        after - before - 1,
        0,
        "no new D-Bus connection: the unique name stays the same"
    );

    // The daemon goes away and comes back: our session object is gone with it.
    kc.restart_daemon().unwrap();
    assert_eq!(vault.get("a").unwrap().unwrap().expose(), "value-a");
    assert_eq!(vault.sessions_opened(), 2, "reconnected once");
    vault.set("b", &Secret::new("value-b".into())).unwrap();
    assert_eq!(vault.sessions_opened(), 2, "and kept again");

    // No daemon at all: unavailable, not a hang, and it comes back with the daemon.
    kc.stop_daemon().unwrap();
    assert_eq!(vault.get("a").unwrap_err().code(), "keychain_unavailable");
    kc.restart_daemon().unwrap();
    assert_eq!(vault.get("b").unwrap().unwrap().expose(), "value-b");
}

#[test]
fn a_locked_collection_is_reported_locked_and_listing_still_works() {
    let kc = keychain();
    let vault = KeychainVault::new(service());
    vault.set("a", &Secret::new("value-a".into())).unwrap();
    kc.lock().unwrap();
    assert_eq!(
        vault
            .set("b", &Secret::new("value-b".into()))
            .unwrap_err()
            .code(),
        "keychain_locked"
    );
    assert_eq!(vault.get("a").unwrap_err().code(), "keychain_locked");
    assert_eq!(
        vault.refresh_accounts_snapshot().unwrap().unwrap().len(),
        1,
        "attributes are readable while locked"
    );
    // gnome-keyring started with --unlock: the next test finds it open again.
    let mut kc = kc;
    kc.restart_daemon().unwrap();
}

#[test]
fn the_accounts_snapshot_follows_own_writes_and_refreshes_on_demand() {
    let _kc = keychain();
    let service = service();
    let vault = KeychainVault::new(service.clone());
    assert!(vault.accounts_snapshot().is_none(), "nothing listed yet");
    vault.set("a", &Secret::new("value-a".into())).unwrap();
    let listed = vault.refresh_accounts_snapshot().unwrap().unwrap();
    assert_eq!(listed.iter().collect::<Vec<_>>(), ["a"]);

    vault.set("b", &Secret::new("value-b".into())).unwrap();
    vault.delete("a").unwrap();
    let kept = vault.accounts_snapshot().unwrap();
    assert_eq!(kept.iter().collect::<Vec<_>>(), ["b"], "own writes applied");
    assert_eq!(listed.len(), 1, "an earlier reader's set never changes");

    // Another process's write is seen on the next refresh, not before.
    keyring::Entry::new(&service, "c")
        .unwrap()
        .set_password("value-c")
        .unwrap();
    assert_eq!(vault.accounts_snapshot().unwrap().len(), 1);
    let refreshed = vault.refresh_accounts_snapshot().unwrap().unwrap();
    assert_eq!(refreshed.iter().collect::<Vec<_>>(), ["b", "c"]);
    // A fresh snapshot answers `accounts()` without listing the keychain.
    assert_eq!(vault.accounts().unwrap().unwrap(), ["b", "c"]);
}
