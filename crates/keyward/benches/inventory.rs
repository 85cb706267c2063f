//! Benchmarks, reported not asserted: `cargo bench -p keyward`.
//!
//! 1. Inventory queries (`list` and filtered) at 1k, 10k and 100k keys on a real SQLite file:
//!    p50/p95 per query.
//! 2. Keychain latency per operation through `KeychainVault` (keyring: a new D-Bus connection
//!    and Secret Service session per call) against a baseline measured in the same run: one
//!    long-lived `dbus-secret-service` connection. Uses a throwaway gnome-keyring.

use chrono::Utc;
use keyward::store::Store;
use keyward::vault::{KeychainVault, Vault};
use keyward::{KeyFilter, KeyRecord, KeyStatus, Secret};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |p: f64| {
        let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples[i].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.95))
}

const PROVIDERS: [(&str, &str); 5] = [
    ("postmark", "server_token"),
    ("posthog", "personal"),
    ("postman", "api_key"),
    ("postnomic", "blog_key"),
    ("cloudflare", "user_token"),
];
const ENVS: [&str; 3] = ["dev", "staging", "prod"];
const PURPOSES: [&str; 6] = [
    "send transactional email",
    "ingest events",
    "evaluate feature flags",
    "read published blog content",
    "purge cache",
    "run API tests",
];

fn record(i: usize) -> KeyRecord {
    let (provider, kind) = PROVIDERS[i % PROVIDERS.len()];
    let now = Utc::now();
    KeyRecord {
        id: Uuid::new_v4(),
        provider: provider.into(),
        kind: kind.into(),
        name: format!("key {i:06}"),
        environment: ENVS[i % ENVS.len()].into(),
        purpose: PURPOSES[(i / 3) % PURPOSES.len()].into(),
        owner: Some(format!("owner{}", i % 40)),
        tags: vec![format!("team{}", i % 12)],
        scopes: vec![],
        remote_id: None,
        env_var: format!("KEY_{i}"),
        created_at: now,
        last_rotated_at: None,
        last_used_at: None,
        last_verified_at: None,
        expires_at: None,
        status: KeyStatus::Active,
        fingerprint: Some(format!("{i:064x}")),
        masked_hint: "…abcd".into(),
        updated_at: now,
        connection_id: None,
        verify_outcome: None,
        verify_detail: None,
        usage: None,
        region: None,
        role: keyward::KeyRole::Service,
    }
}

async fn bench_queries() {
    println!("## Inventory queries (SQLite file, WAL)\n");
    println!("| keys | query | rows | p50 ms | p95 ms |");
    println!("|---:|---|---:|---:|---:|");
    // KEYWARD_BENCH_SIZES=1000,10000 limits the sizes (quick runs).
    let sizes: Vec<usize> = std::env::var("KEYWARD_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    for &n in &sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("bench.db"))
            .await
            .expect("open store");
        let records: Vec<KeyRecord> = (0..n).map(record).collect();
        for chunk in records.chunks(5_000) {
            store.insert_keys(chunk, &[]).await.expect("insert");
        }
        let queries: [(&str, KeyFilter); 5] = [
            ("list all", KeyFilter::default()),
            (
                "--env prod",
                KeyFilter {
                    environment: Some("prod".into()),
                    ..Default::default()
                },
            ),
            (
                "--provider posthog",
                KeyFilter {
                    provider: Some("posthog".into()),
                    ..Default::default()
                },
            ),
            (
                "--purpose email",
                KeyFilter {
                    purpose: Some("email".into()),
                    ..Default::default()
                },
            ),
            (
                "--search owner7 (text)",
                KeyFilter {
                    text: Some("owner7".into()),
                    ..Default::default()
                },
            ),
        ];
        let runs = if n >= 100_000 { 15 } else { 40 };
        // Baseline in the same run: SQLite handing over the same rows, nothing decoded.
        let mut samples = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            let rows = store.raw_row_count_for_bench().await.expect("raw");
            assert_eq!(rows, n, "baseline reads every row");
            samples.push(t.elapsed());
        }
        let (p50, p95) = percentiles(samples);
        println!("| {n} | baseline: raw rows, no decoding | {n} | {p50:.2} | {p95:.2} |");
        for (label, filter) in queries {
            let mut samples = Vec::with_capacity(runs);
            let mut rows = 0;
            for _ in 0..runs {
                let t = Instant::now();
                rows = store.list_keys(&filter).await.expect("list").len();
                samples.push(t.elapsed());
            }
            let (p50, p95) = percentiles(samples);
            println!("| {n} | {label} | {rows} | {p50:.2} | {p95:.2} |");
        }
        store.close().await;
    }
    println!();
}

#[cfg(target_os = "linux")]
fn bench_keychain() {
    use dbus_secret_service::{EncryptionType, SecretService};
    use std::collections::HashMap;

    let keychain = match test_keychain::TestKeychain::start() {
        Ok(k) => k,
        Err(e) => {
            println!("## Keychain latency\n\nskipped: no throwaway gnome-keyring could be started ({e})\n");
            return;
        }
    };
    // The bench process talks only to the throwaway keyring.
    for (k, v) in keychain.env() {
        std::env::set_var(k, v);
    }
    const N: usize = 200;
    let service = format!("keyward-bench-{}", Uuid::new_v4());
    let accounts: Vec<String> = (0..N).map(|i| format!("acct-{i}")).collect();
    let value = Secret::new("phx_".to_owned() + &"a".repeat(44));

    let vault = KeychainVault::new(service.clone());
    let time = |f: &mut dyn FnMut(&str)| -> (f64, f64) {
        let samples = accounts
            .iter()
            .map(|a| {
                let t = Instant::now();
                f(a);
                t.elapsed()
            })
            .collect();
        percentiles(samples)
    };
    let set_new = time(&mut |a| vault.set(a, &value).expect("set"));
    let get = time(&mut |a| {
        vault.get(a).expect("get").expect("present");
    });
    let t = Instant::now();
    let listed = vault
        .accounts()
        .expect("accounts")
        .map(|a| a.len())
        .unwrap_or(0);
    let list_ms = t.elapsed().as_secs_f64() * 1000.0;
    let delete = time(&mut |a| vault.delete(a).expect("delete"));

    // Baseline: one connection and one encrypted session for the whole run.
    let base_service = format!("{service}-baseline");
    let ss = SecretService::connect(EncryptionType::Dh).expect("connect");
    let collection = ss.get_default_collection().expect("default collection");
    let b_set = time(&mut |a| {
        let attrs = HashMap::from([("service", base_service.as_str()), ("username", a)]);
        // EXPOSE: benchmark value written to the throwaway keyring.
        collection
            .create_item(a, attrs, value.expose().as_bytes(), true, "text/plain")
            .expect("create");
    });
    let b_get = time(&mut |a| {
        let found = ss
            .search_items(HashMap::from([
                ("service", base_service.as_str()),
                ("username", a),
            ]))
            .expect("search");
        let item = found.unlocked.first().expect("item");
        let _secret = zeroize::Zeroizing::new(item.get_secret().expect("secret"));
    });
    let b_delete = time(&mut |a| {
        let found = ss
            .search_items(HashMap::from([
                ("service", base_service.as_str()),
                ("username", a),
            ]))
            .expect("search");
        for item in found.unlocked {
            item.delete().expect("delete");
        }
    });
    drop(collection);
    drop(ss);

    println!("## Keychain latency ({N} entries, throwaway gnome-keyring, crypto-rust)\n");
    println!("| operation | KeychainVault p50 ms | p95 ms | long-lived connection p50 ms | p95 ms | ratio (p50) |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (op, ours, base) in [
        ("set (new)", set_new, b_set),
        ("get", get, b_get),
        ("delete", delete, b_delete),
    ] {
        println!(
            "| {op} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1}× |",
            ours.0,
            ours.1,
            base.0,
            base.1,
            ours.0 / base.0.max(1e-9)
        );
    }
    println!("| list accounts ({listed}) | {list_ms:.1} (one call) | | | | |\n");
}

#[cfg(not(target_os = "linux"))]
fn bench_keychain() {
    println!("## Keychain latency\n\nskipped: the baseline needs the Linux Secret Service\n");
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing we need.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "# Keyward core benchmarks ({})\n",
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    runtime.block_on(bench_queries());
    bench_keychain();
}
