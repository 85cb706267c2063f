//! The in-memory catalog answers exactly as the store's SQL and the full findings evaluation
//! did, on random inventories with random writes in between (issue 14).

use super::catalog::KeyCatalog;
use super::*;
use crate::findings::{self, Acknowledgement, Finding, FindingKind, FindingPolicy};
use crate::store::NewAuditEvent;
use crate::vault::MemoryVault;
use findings::KeychainSnapshot;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

const PROVIDERS: [(&str, &str); 4] = [
    ("postmark", "server_token"),
    ("posthog", "personal"),
    ("postman", "api_key"),
    ("cloudflare", "user_token"),
];
const ENVS: [&str; 4] = ["dev", "staging", "prod", "eu-Test"];
const PURPOSES: [&str; 6] = [
    "send transactional email",
    "Ingest Events",
    "evaluate feature flags",
    "",
    "purge cache",
    "run API tests",
];

fn event() -> NewAuditEvent {
    NewAuditEvent {
        actor: "tester".into(),
        action: "updated",
        key_id: None,
        key_name: None,
        detail: String::new(),
    }
}

fn random_record(rng: &mut StdRng, serial: usize) -> KeyRecord {
    let now = Utc::now();
    let (provider, kind) = *PROVIDERS.choose(rng).unwrap();
    let created = now - ChronoDuration::days(rng.gen_range(0..400));
    let mut r = KeyRecord {
        id: Uuid::new_v4(),
        provider: provider.into(),
        kind: kind.into(),
        name: String::new(),
        environment: ENVS.choose(rng).unwrap().to_string(),
        purpose: PURPOSES.choose(rng).unwrap().to_string(),
        owner: None,
        tags: Vec::new(),
        scopes: Vec::new(),
        remote_id: None,
        env_var: format!("KEY_{serial}"),
        created_at: created,
        last_rotated_at: None,
        last_used_at: None,
        last_verified_at: None,
        expires_at: None,
        status: KeyStatus::Active,
        fingerprint: None,
        masked_hint: "…abcd".into(),
        updated_at: now,
        connection_id: None,
        verify_outcome: None,
        verify_detail: None,
        usage: None,
        region: None,
        role: crate::model::KeyRole::Service,
    };
    reshape(rng, &mut r, serial);
    r
}

/// Random metadata; names unique even ignoring case (SQLite orders names equal but for case
/// arbitrarily, the catalog by id).
fn reshape(rng: &mut StdRng, r: &mut KeyRecord, serial: usize) {
    let now = Utc::now();
    let names = ["Mail", "mail-b", "Ingest", "flags", "ZETA", "alpha"];
    r.name = format!("{} {serial:04}", names.choose(rng).unwrap());
    r.environment = ENVS.choose(rng).unwrap().to_string();
    r.purpose = PURPOSES.choose(rng).unwrap().to_string();
    r.owner = [None, Some("alice"), Some("Bob")]
        .choose(rng)
        .unwrap()
        .map(str::to_owned);
    r.tags = match rng.gen_range(0..3) {
        0 => Vec::new(),
        1 => vec!["email".into()],
        _ => vec!["Team-A".into(), "x\"y".into()],
    };
    r.status = *[
        KeyStatus::Active,
        KeyStatus::Active,
        KeyStatus::Invalid,
        KeyStatus::Revoked,
    ]
    .choose(rng)
    .unwrap();
    // Few distinct values, so reuse groups form and change.
    r.fingerprint = match rng.gen_range(0..5) {
        0 => None,
        n => Some(format!("{n:064x}")),
    };
    r.last_rotated_at = rng.gen_bool(0.3).then(|| {
        r.created_at
            .max(now - ChronoDuration::days(rng.gen_range(0..200)))
    });
    r.last_used_at = rng
        .gen_bool(0.3)
        .then(|| now - ChronoDuration::days(rng.gen_range(0..120)));
    r.expires_at = rng
        .gen_bool(0.3)
        .then(|| now + ChronoDuration::days(rng.gen_range(-20..60)));
    r.verify_outcome = *[
        None,
        Some(crate::providers::VerifyOutcome::Invalid),
        Some(crate::providers::VerifyOutcome::Expired),
    ]
    .choose(rng)
    .unwrap();
}

fn random_filter(rng: &mut StdRng) -> KeyFilter {
    let pick = |rng: &mut StdRng, p: f64| rng.gen_bool(p);
    KeyFilter {
        environment: pick(rng, 0.3).then(|| ENVS.choose(rng).unwrap().to_string()),
        provider: pick(rng, 0.3).then(|| PROVIDERS.choose(rng).unwrap().0.to_string()),
        purpose: pick(rng, 0.3)
            .then(|| ["EVENT", "e", "cache", ""].choose(rng).unwrap().to_string()),
        status: pick(rng, 0.2).then(|| {
            *[KeyStatus::Active, KeyStatus::Revoked, KeyStatus::Invalid]
                .choose(rng)
                .unwrap()
        }),
        text: pick(rng, 0.4).then(|| {
            [
                "MAIL", "bob", "team-a", "\"y", "posth", "00", "\u{1f}", "zz",
            ]
            .choose(rng)
            .unwrap()
            .to_string()
        }),
    }
}

/// A memory vault that counts how often it is listed.
struct CountingVault {
    inner: MemoryVault,
    listings: std::sync::atomic::AtomicUsize,
}

impl CountingVault {
    fn new() -> CountingVault {
        CountingVault {
            inner: MemoryVault::new(),
            listings: Default::default(),
        }
    }

    fn listings(&self) -> usize {
        self.listings.load(Ordering::SeqCst)
    }
}

impl Vault for CountingVault {
    fn set(&self, account: &str, secret: &Secret) -> std::result::Result<(), VaultError> {
        self.inner.set(account, secret)
    }
    fn get(&self, account: &str) -> std::result::Result<Option<Secret>, VaultError> {
        self.inner.get(account)
    }
    fn delete(&self, account: &str) -> std::result::Result<(), VaultError> {
        self.inner.delete(account)
    }
    fn accounts(&self) -> std::result::Result<Option<Vec<String>>, VaultError> {
        self.listings.fetch_add(1, Ordering::SeqCst);
        self.inner.accounts()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

async fn inventory() -> (Inventory, Arc<MemoryVault>) {
    let vault = Arc::new(MemoryVault::new());
    let store = Store::open_in_memory().await.unwrap();
    let config = Config::at(std::env::temp_dir().join("keyward-unit-never-written"));
    let inv = Inventory::with_store(store, vault.clone(), config).await;
    (inv, vault)
}

/// Today's evaluation: every row from SQL, the pure rules over all of them.
async fn full_evaluation(
    inv: &Inventory,
    now: DateTime<Utc>,
    snapshot: Option<&KeychainSnapshot>,
) -> Vec<Finding> {
    let records = inv.store().list_keys(&KeyFilter::default()).await.unwrap();
    let policy = inv.finding_policy().await.unwrap();
    let acks = inv.store().acknowledgements().await.unwrap();
    findings::apply_acknowledgements(
        findings::evaluate(&records, &policy, now, snapshot),
        &acks,
        now,
    )
}

/// Equal, or a panic naming the first difference (whole lists are too long to read).
#[track_caller]
fn assert_same<T: PartialEq + std::fmt::Debug>(left: &[T], right: &[T], context: &str) {
    for (i, (l, r)) in left.iter().zip(right).enumerate() {
        assert!(
            l == r,
            "{context}: first difference at {i}:\n{l:#?}\n!=\n{r:#?}"
        );
    }
    assert_eq!(left.len(), right.len(), "{context}: lengths");
}

/// The inventory's shared answers as owned values, to compare with the store's.
fn owned<T: Clone>(shared: &[Arc<T>]) -> Vec<T> {
    shared.iter().map(|t| T::clone(t)).collect()
}

fn sorted(mut found: Vec<Finding>) -> Vec<Finding> {
    found.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.environment.cmp(&b.environment))
            .then_with(|| a.key_name.cmp(&b.key_name))
    });
    found
}

#[tokio::test]
async fn lists_and_findings_equal_the_stores_sql_and_the_full_evaluation_after_writes() {
    for seed in 0..6u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let (inv, vault) = inventory().await;
        let mut serial = 0;
        let mut batch = Vec::new();
        for _ in 0..rng.gen_range(0..120) {
            serial += 1;
            batch.push(random_record(&mut rng, serial));
        }
        inv.store().insert_keys(&batch, &[]).await.unwrap();
        // Values in the keychain for most keys, plus an entry no key refers to.
        for r in &batch {
            if rng.gen_bool(0.8) {
                vault
                    .set(&r.id.to_string(), &Secret::new("v".into()))
                    .unwrap();
            }
        }
        vault
            .set(
                "0badc0de-0000-4000-8000-000000000000",
                &Secret::new("v".into()),
            )
            .unwrap();
        let snapshot = KeychainSnapshot::new(vault.accounts().unwrap().unwrap());

        for step in 0..25 {
            let all = inv.store().list_keys(&KeyFilter::default()).await.unwrap();
            match rng.gen_range(0..7) {
                0 | 1 if !all.is_empty() => {
                    let mut r = all.choose(&mut rng).unwrap().clone();
                    reshape(&mut rng, &mut r, serial + 1000 + step);
                    inv.store().update_key(&r, &event()).await.unwrap();
                }
                2 if !all.is_empty() => {
                    let r = all.choose(&mut rng).unwrap();
                    inv.store().delete_key(r.id, &event()).await.unwrap();
                }
                3 => {
                    serial += 1;
                    let r = random_record(&mut rng, serial);
                    inv.store().insert_keys(&[r], &[]).await.unwrap();
                }
                4 => {
                    let mut envs: Vec<String> = inv
                        .store()
                        .environments()
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|e| e.name)
                        .collect();
                    envs.shuffle(&mut rng);
                    inv.store().set_environments(&envs, &event()).await.unwrap();
                }
                5 if !all.is_empty() => {
                    let r = all.choose(&mut rng).unwrap();
                    let kind = *[
                        FindingKind::Stale,
                        FindingKind::Reused,
                        FindingKind::Orphaned,
                    ]
                    .choose(&mut rng)
                    .unwrap();
                    let ack = Acknowledgement {
                        subject: r.id.to_string(),
                        kind,
                        reason: "known".into(),
                        acknowledged_by: "tester".into(),
                        acknowledged_at: Utc::now(),
                        until: Utc::now() + ChronoDuration::days(3),
                    };
                    inv.store()
                        .upsert_acknowledgements(&[(ack, event())])
                        .await
                        .unwrap();
                }
                _ => {
                    let mut policy = FindingPolicy::default();
                    policy.default.max_age_days = rng.gen_range(30..200);
                    inv.set_finding_policy(policy).await.unwrap();
                }
            }
            for _ in 0..8 {
                let filter = random_filter(&mut rng);
                assert_same(
                    &owned(&inv.list(&filter).await.unwrap()),
                    &inv.store().list_keys(&filter).await.unwrap(),
                    &format!("seed {seed} step {step}: {filter:?}"),
                );
            }
            let listed = inv
                .findings(&FindingQuery {
                    include_acknowledged: true,
                    ..FindingQuery::default()
                })
                .await
                .unwrap();
            let expected = full_evaluation(&inv, listed.evaluated_at, Some(&snapshot)).await;
            assert_same(
                &owned(&listed.findings),
                &sorted(expected.clone()),
                &format!("seed {seed} step {step}"),
            );
            let records = inv.list(&KeyFilter::default()).await.unwrap();
            let over = inv.findings_over(&records).await.unwrap();
            assert_same(
                &sorted(over),
                &sorted(full_evaluation(&inv, Utc::now(), Some(&snapshot)).await),
                &format!("seed {seed} step {step}: findings_over"),
            );
            if let Some(r) = records.choose(&mut rng) {
                let one = inv
                    .findings(&FindingQuery {
                        key_id: Some(r.id),
                        include_acknowledged: true,
                        ..FindingQuery::default()
                    })
                    .await
                    .unwrap();
                let expected: Vec<Finding> = expected
                    .into_iter()
                    .filter(|f| f.key_id == Some(r.id))
                    .collect();
                assert_same(
                    &owned(&one.findings),
                    &sorted(expected),
                    &format!("seed {seed} step {step}: one key"),
                );
            }
        }
    }
}

/// Cached findings are recomputed when time crosses a rule's threshold or moves a reason's
/// "N days" figure: the catalog at later instants equals the full evaluation then.
#[tokio::test]
async fn cached_findings_follow_time() {
    for seed in 10..14u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let store = Store::open_in_memory().await.unwrap();
        let batch: Vec<KeyRecord> = (0..150).map(|i| random_record(&mut rng, i)).collect();
        store.insert_keys(&batch, &[]).await.unwrap();
        let records = store.list_keys(&KeyFilter::default()).await.unwrap();
        let snapshot = KeychainSnapshot::new(
            records
                .iter()
                .filter(|_| rng.gen_bool(0.7))
                .map(|r| r.id.to_string()),
        );
        let mut catalog = KeyCatalog::load(&store).await.unwrap();
        let shared_snapshot = Arc::new(snapshot.clone());
        let policy = FindingPolicy::default();
        let mut now = Utc::now();
        for _ in 0..40 {
            now += ChronoDuration::minutes(rng.gen_range(1..(60 * 24 * 9)));
            let keychain = rng.gen_bool(0.8).then_some(&snapshot);
            assert_same(
                &catalog.all_findings(&policy, "", now, keychain),
                &findings::evaluate(&records, &policy, now, keychain),
                &format!("seed {seed} at {now}"),
            );
            // The whole sorted list, cached until time crosses a key's threshold.
            let shared = keychain.map(|_| &shared_snapshot);
            assert_same(
                &owned(&catalog.sorted_findings(&policy, "", now, shared)),
                &sorted(findings::evaluate(&records, &policy, now, keychain)),
                &format!("seed {seed} at {now}: sorted"),
            );
        }
    }
}

/// A key's answers (add, acknowledge, one key's findings) neither list the keychain again
/// nor depend on it being listable per call: the listing is taken once and kept current by
/// the core's own keychain writes.
#[tokio::test]
async fn single_key_answers_do_not_list_the_keychain_again() {
    let vault = Arc::new(CountingVault::new());
    let store = Store::open_in_memory().await.unwrap();
    let config = Config::at(std::env::temp_dir().join("keyward-unit-never-written"));
    let inv = Inventory::with_store(store, vault.clone(), config).await;
    let value = || Secret::new(format!("PMAK-{}-{}", "a1".repeat(12), "b2".repeat(17)));
    let first = inv
        .add(
            NewKey {
                name: "first".into(),
                environment: "dev".into(),
                ..NewKey::default()
            },
            value(),
        )
        .await
        .unwrap();
    inv.findings(&FindingQuery::default()).await.unwrap();
    let listed = vault.listings();
    let second = inv
        .add(
            NewKey {
                name: "second".into(),
                environment: "prod".into(),
                ..NewKey::default()
            },
            value(),
        )
        .await
        .unwrap();
    let one = inv
        .findings(&FindingQuery {
            key_id: Some(second.id),
            ..FindingQuery::default()
        })
        .await
        .unwrap();
    assert!(
        one.findings
            .iter()
            .any(|f| f.kind == FindingKind::Reused && f.related_keys == vec![first.id]),
        "reuse across the two keys is found from the fingerprint index"
    );
    assert!(
        !one.findings.iter().any(|f| f.kind == FindingKind::Orphaned),
        "the new key's value is known to be in the keychain without listing it"
    );
    inv.findings(&FindingQuery::default()).await.unwrap();
    assert_eq!(vault.listings(), listed, "no further keychain listing");
    // Another program changes the keychain: the window's watch says so, the next findings
    // list it afresh.
    vault.inner.delete(&first.id.to_string()).unwrap();
    inv.note_foreign_change();
    let all = inv.findings(&FindingQuery::default()).await.unwrap();
    assert!(all
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::Orphaned && f.key_id == Some(first.id)));
    assert_eq!(vault.listings(), listed + 1);
}

/// Writes of this process show at once; another process's, after `note_foreign_change`.
#[tokio::test]
async fn foreign_writes_show_after_note_foreign_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.db");
    let window = Store::open(&path).await.unwrap();
    let terminal = Store::open(&path).await.unwrap();
    let config = Config::at(dir.path().join("data"));
    let inv = Inventory::with_store(window, Arc::new(MemoryVault::new()), config).await;
    assert!(inv.list(&KeyFilter::default()).await.unwrap().is_empty());
    let mut rng = StdRng::seed_from_u64(1);
    let r = random_record(&mut rng, 1);
    terminal
        .insert_keys(std::slice::from_ref(&r), &[])
        .await
        .unwrap();
    assert!(
        inv.list(&KeyFilter::default()).await.unwrap().is_empty(),
        "not seen before the watch reports it"
    );
    inv.note_foreign_change();
    let listed = inv.list(&KeyFilter::default()).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, r.id);
}

/// Lists hand out the catalog's records, not copies: two answers share every record, and a
/// write replaces just the written one.
#[tokio::test]
async fn lists_share_the_catalogs_records() {
    let (inv, _) = inventory().await;
    let mut rng = StdRng::seed_from_u64(7);
    let batch: Vec<KeyRecord> = (0..50).map(|i| random_record(&mut rng, i)).collect();
    inv.store().insert_keys(&batch, &[]).await.unwrap();
    let first = inv.list(&KeyFilter::default()).await.unwrap();
    let second = inv.list(&KeyFilter::default()).await.unwrap();
    assert_eq!(first.len(), 50);
    assert!(first.iter().zip(&second).all(|(a, b)| Arc::ptr_eq(a, b)));
    let prod = KeyFilter {
        environment: Some("prod".into()),
        ..KeyFilter::default()
    };
    for key in inv.list(&prod).await.unwrap() {
        let same = first.iter().find(|k| k.id == key.id).unwrap();
        assert!(Arc::ptr_eq(same, &key), "a filter shares the records too");
    }
    let edited = first[3].id;
    inv.update(
        edited,
        KeyPatch {
            purpose: Some("edited".into()),
            ..KeyPatch::default()
        },
    )
    .await
    .unwrap();
    let third = inv.list(&KeyFilter::default()).await.unwrap();
    for key in &third {
        let before = first.iter().find(|k| k.id == key.id).unwrap();
        assert_eq!(Arc::ptr_eq(before, key), key.id != edited, "{}", key.name);
    }
    assert_eq!(
        third.iter().find(|k| k.id == edited).unwrap().purpose,
        "edited"
    );
}

/// The search scans all keys' texts back to back: a match running from one key's text into
/// the next one's is no match, and a real match later in that next key still counts.
#[tokio::test]
async fn search_never_matches_across_two_keys() {
    let (inv, _) = inventory().await;
    let mut rng = StdRng::seed_from_u64(8);
    let mut batch = Vec::new();
    for (i, name) in ["alpha", "zz]zz", "zzz"].into_iter().enumerate() {
        let mut r = random_record(&mut rng, i);
        r.name = name.into();
        r.environment = "dev".into();
        r.purpose = "same".into();
        r.owner = None;
        r.tags = Vec::new();
        batch.push(r);
    }
    inv.store().insert_keys(&batch, &[]).await.unwrap();
    // Texts end with the tags as stored (`[]`), and the next key's text starts with its name.
    for needle in ["]zz", "]z", "[]zzz", "]alpha", "a", "\u{1f}"] {
        let filter = KeyFilter {
            text: Some(needle.into()),
            ..KeyFilter::default()
        };
        assert_same(
            &owned(&inv.list(&filter).await.unwrap()),
            &inv.store().list_keys(&filter).await.unwrap(),
            needle,
        );
    }
    let named = |needle: &str| {
        let filter = KeyFilter {
            text: Some(needle.into()),
            ..KeyFilter::default()
        };
        let inv = &inv;
        async move {
            inv.list(&filter)
                .await
                .unwrap()
                .iter()
                .map(|k| k.name.clone())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(named("]zz").await, vec!["zz]zz"]);
    assert!(named("[]zzz").await.is_empty());
}

/// The findings list is kept whole between writes: a warm answer shares every finding with
/// the previous one; an acknowledgement copies only the finding it covers; a write, a policy
/// change and a changed keychain listing rebuild it (equal to the full evaluation again).
#[tokio::test]
async fn the_findings_list_is_shared_until_something_changes() {
    let (inv, vault) = inventory().await;
    let mut rng = StdRng::seed_from_u64(9);
    let batch: Vec<KeyRecord> = (0..80).map(|i| random_record(&mut rng, i)).collect();
    inv.store().insert_keys(&batch, &[]).await.unwrap();
    for r in batch.iter().filter(|_| rng.gen_bool(0.8)) {
        vault
            .set(&r.id.to_string(), &Secret::new("x".into()))
            .unwrap();
    }
    let all = FindingQuery {
        include_acknowledged: true,
        ..FindingQuery::default()
    };
    let check = |listed: &FindingList, context: &str| {
        let listed = owned(&listed.findings);
        let inv = &inv;
        let vault = &vault;
        let context = context.to_owned();
        async move {
            let snapshot = KeychainSnapshot::new(vault.accounts().unwrap().unwrap_or_default());
            let expected = full_evaluation(inv, Utc::now(), Some(&snapshot)).await;
            assert_same(&listed, &sorted(expected), &context);
        }
    };
    let first = inv.findings(&all).await.unwrap();
    assert!(!first.findings.is_empty());
    check(&first, "first").await;
    let warm = inv.findings(&all).await.unwrap();
    assert!(first
        .findings
        .iter()
        .zip(&warm.findings)
        .all(|(a, b)| Arc::ptr_eq(a, b)));

    let target = first.findings[0].clone();
    let ack = Acknowledgement {
        subject: target.subject(),
        kind: target.kind,
        reason: "known".into(),
        acknowledged_by: "tester".into(),
        acknowledged_at: Utc::now(),
        until: Utc::now() + ChronoDuration::days(3),
    };
    inv.store()
        .upsert_acknowledgements(&[(ack, event())])
        .await
        .unwrap();
    let acked = inv.findings(&all).await.unwrap();
    check(&acked, "acknowledged").await;
    let copied = first
        .findings
        .iter()
        .zip(&acked.findings)
        .filter(|(a, b)| !Arc::ptr_eq(a, b))
        .count();
    assert_eq!(copied, 1, "only the acknowledged finding is copied");
    assert!(acked.findings[0].is_acknowledged());

    let edited = batch[0].id;
    inv.update(
        edited,
        KeyPatch {
            owner: Some(Some("someone".into())),
            purpose: Some("purge cache".into()),
            ..KeyPatch::default()
        },
    )
    .await
    .unwrap();
    check(&inv.findings(&all).await.unwrap(), "after a write").await;

    let mut policy = FindingPolicy::default();
    policy.default.max_age_days = 20;
    inv.set_finding_policy(policy).await.unwrap();
    check(&inv.findings(&all).await.unwrap(), "after a policy change").await;

    // Another program removes a value: the next listing shows it.
    vault.delete(&batch[1].id.to_string()).unwrap();
    vault.delete(&batch[2].id.to_string()).unwrap();
    inv.note_foreign_change();
    check(
        &inv.findings(&all).await.unwrap(),
        "after a keychain change",
    )
    .await;
}

/// A keychain listing edited in place (the core's own keychain write, `Arc::make_mut`)
/// is a different listing for the cached findings list.
#[tokio::test]
async fn the_sorted_findings_follow_a_listing_edited_in_place() {
    let store = Store::open_in_memory().await.unwrap();
    let mut rng = StdRng::seed_from_u64(11);
    let batch: Vec<KeyRecord> = (0..20).map(|i| random_record(&mut rng, i)).collect();
    store.insert_keys(&batch, &[]).await.unwrap();
    let records = store.list_keys(&KeyFilter::default()).await.unwrap();
    let mut snapshot = Arc::new(KeychainSnapshot::new(
        records.iter().map(|r| r.id.to_string()),
    ));
    let mut catalog = KeyCatalog::load(&store).await.unwrap();
    let policy = FindingPolicy::default();
    let now = Utc::now();
    let before = catalog.sorted_findings(&policy, "", now, Some(&snapshot));
    assert_same(
        &owned(&before),
        &sorted(findings::evaluate(&records, &policy, now, Some(&snapshot))),
        "before",
    );
    Arc::make_mut(&mut snapshot)
        .accounts
        .remove(&records[0].id.to_string());
    let after = catalog.sorted_findings(&policy, "", now, Some(&snapshot));
    assert_same(
        &owned(&after),
        &sorted(findings::evaluate(&records, &policy, now, Some(&snapshot))),
        "after the edit",
    );
    assert!(after
        .iter()
        .any(|f| f.kind == FindingKind::Orphaned && f.key_id == Some(records[0].id)));
}

/// The patched findings list finds keychain entries without a record again when keys come
/// and go: a key deleted with its value left behind shows as an orphaned entry, and the
/// same key written back hides it again; each answer equals the full evaluation.
#[tokio::test]
async fn the_patched_findings_list_follows_keys_that_come_and_go() {
    let (inv, vault) = inventory().await;
    let mut rng = StdRng::seed_from_u64(12);
    let batch: Vec<KeyRecord> = (0..30).map(|i| random_record(&mut rng, i)).collect();
    inv.store().insert_keys(&batch, &[]).await.unwrap();
    for r in &batch {
        vault
            .set(&r.id.to_string(), &Secret::new("x".into()))
            .unwrap();
    }
    let all = FindingQuery {
        include_acknowledged: true,
        ..FindingQuery::default()
    };
    let snapshot = KeychainSnapshot::new(vault.accounts().unwrap().unwrap_or_default());
    let answer = |context: &'static str| {
        let inv = &inv;
        let snapshot = &snapshot;
        let all = &all;
        async move {
            let listed = inv.findings(all).await.unwrap();
            let expected = full_evaluation(inv, listed.evaluated_at, Some(snapshot)).await;
            assert_same(&owned(&listed.findings), &sorted(expected), context);
            listed
        }
    };
    answer("first").await;
    let gone = batch[4].clone();
    inv.store().delete_key(gone.id, &event()).await.unwrap();
    let listed = answer("after a delete").await;
    assert!(listed
        .findings
        .iter()
        .any(|f| f.key_id.is_none() && f.keychain_account == Some(gone.id.to_string())));
    inv.store()
        .insert_keys(std::slice::from_ref(&gone), &[])
        .await
        .unwrap();
    let listed = answer("after it came back").await;
    assert!(!listed.findings.iter().any(|f| f.key_id.is_none()));
}
