//! Benchmarks, reported not asserted: `cargo bench -p keyward`.
//!
//! 1. Inventory queries (`list` and filtered) at 1k, 10k and 100k keys on a real SQLite file:
//!    p50/p95 per query.
//!
//! Keychain latency moved to its own bench: `--bench keychain`.
//!
//! 2. The in-memory inventory (issue 14) at the same sizes, on the same kind of file but with
//!    an in-memory vault (the metadata is what is measured; no keychain needed): first load
//!    against raw SQLite rows and against sqlx's row-by-row decoding, lists, filters and search
//!    from memory, findings over all, and one action on one key with its answer (the key
//!    with its findings) against what every such answer cost before (re-list + evaluate all).

mod support;

use chrono::Utc;
use keyward::findings::{self, FindingKind};
use keyward::inventory::{AcknowledgeRequest, FindingQuery};
use keyward::store::Store;
use keyward::vault::{Vault, VaultError};
use keyward::{Config, Inventory, KeyFilter, KeyPatch, KeyRecord, NewKey, Secret};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

async fn bench_queries() {
    println!("## Inventory queries (SQLite file, WAL)\n");
    println!("| keys | query | rows | p50 ms | p95 ms |");
    println!("|---:|---|---:|---:|---:|");
    for n in sizes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("bench.db"))
            .await
            .expect("open store");
        let records: Vec<KeyRecord> = (0..n).map(support::synthetic).collect();
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
        let (p50, p95) = support::percentiles(samples);
        println!("| {n} | baseline: raw rows, no decoding | {n} | {p50:.2} | {p95:.2} |");
        for (label, filter) in queries {
            let mut samples = Vec::with_capacity(runs);
            let mut rows = 0;
            for _ in 0..runs {
                let t = Instant::now();
                rows = store.list_keys(&filter).await.expect("list").len();
                samples.push(t.elapsed());
            }
            let (p50, p95) = support::percentiles(samples);
            println!("| {n} | {label} | {rows} | {p50:.2} | {p95:.2} |");
        }
        store.close().await;
    }
    println!();
}

fn sizes() -> Vec<usize> {
    // KEYWARD_BENCH_SIZES=1000,10000 limits the sizes (quick runs).
    std::env::var("KEYWARD_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000])
}

/// A vault in a map: the in-memory inventory's rows measure Keyward's own work, not the
/// keychain's (the real keychain's cost per call is `--bench keychain`).
#[derive(Default)]
struct MapVault(Mutex<HashMap<String, Secret>>);

impl Vault for MapVault {
    fn set(&self, account: &str, secret: &Secret) -> Result<(), VaultError> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(account.to_owned(), secret.clone());
        Ok(())
    }
    fn get(&self, account: &str) -> Result<Option<Secret>, VaultError> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(account)
            .cloned())
    }
    fn delete(&self, account: &str) -> Result<(), VaultError> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(account);
        Ok(())
    }
    fn accounts(&self) -> Result<Option<Vec<String>>, VaultError> {
        Ok(Some(
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .keys()
                .cloned()
                .collect(),
        ))
    }
    fn describe(&self) -> String {
        "in-memory (bench)".into()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn timed<T, F: std::future::Future<Output = T>>(f: F) -> (Duration, T) {
    let t = Instant::now();
    let v = f.await;
    (t.elapsed(), v)
}

/// Milliseconds with three significant digits below 1 ms (answers from memory take µs).
fn ms_text(v: f64) -> String {
    if v < 1.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.2}")
    }
}

fn row(n: usize, what: &str, result: &str, p50: f64, p95: Option<f64>, before: Option<f64>) {
    let p95 = p95.map_or(String::new(), ms_text);
    let (before, ratio) = match before {
        Some(b) => {
            let r = p50 / b.max(1e-9);
            // Two significant digits however small (0.000× said nothing).
            let digits = (-r.max(1e-9).log10()).ceil().max(0.0) as usize + 1;
            (ms_text(b), format!("{r:.digits$}×"))
        }
        None => (String::new(), String::new()),
    };
    println!(
        "| {n} | {what} | {result} | {} | {p95} | {before} | {ratio} |",
        ms_text(p50)
    );
}

async fn bench_catalog(n: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    let store = Store::open(&path).await.expect("open store");
    let records: Vec<KeyRecord> = (0..n).map(support::synthetic).collect();
    for chunk in records.chunks(5_000) {
        store.insert_keys(chunk, &[]).await.expect("insert");
    }
    let vault = Arc::new(MapVault::default());
    for r in &records {
        vault
            .set(&r.id.to_string(), &Secret::new("x".into()))
            .expect("vault");
    }
    let few = if n >= 100_000 { 3 } else { 10 };
    let runs = if n >= 100_000 { 15 } else { 40 };

    // Load: raw rows (floor), sqlx row by row (before), one JSON text per 8k rows (now).
    let mut raw = Vec::new();
    let mut sqlx_rows = Vec::new();
    let mut json = Vec::new();
    for _ in 0..few {
        raw.push(timed(store.raw_row_count_for_bench()).await.0);
        sqlx_rows.push(timed(store.list_keys(&KeyFilter::default())).await.0);
        let (t, loaded) = timed(store.load_all_keys()).await;
        assert_eq!(loaded.expect("bulk load").len(), n);
        json.push(t);
    }
    let (raw50, _) = support::percentiles(raw);
    let (sqlx50, _) = support::percentiles(sqlx_rows);
    let (json50, json95) = support::percentiles(json);
    row(
        n,
        "baseline: raw SQLite rows, nothing decoded",
        &format!("{n} rows"),
        raw50,
        None,
        None,
    );
    row(
        n,
        "before: `list` (sqlx, row by row)",
        &format!("{n} rows"),
        sqlx50,
        None,
        Some(raw50),
    );
    row(
        n,
        "bulk load: JSON chunks → records",
        &format!("{n} rows"),
        json50,
        Some(json95),
        Some(raw50),
    );

    let config = Config::at(dir.path().join("data"));
    let inv = Inventory::with_store(store.clone(), vault.clone(), config).await;
    let (first, listed) = timed(inv.list(&KeyFilter::default())).await;
    let listed = listed.expect("list");
    row(
        n,
        "first `list` (load + indexes + list)",
        &format!("{} keys", listed.len()),
        ms(first),
        None,
        Some(sqlx50),
    );

    let mut samples = Vec::new();
    for _ in 0..runs {
        samples.push(timed(inv.list(&KeyFilter::default())).await.0);
    }
    let (p50, p95) = support::percentiles(samples);
    row(
        n,
        "list all, from memory",
        &format!("{n} keys"),
        p50,
        Some(p95),
        Some(sqlx50),
    );

    let filters: [(&str, KeyFilter); 3] = [
        (
            "`--env prod`",
            KeyFilter {
                environment: Some("prod".into()),
                ..Default::default()
            },
        ),
        (
            "`--provider posthog`",
            KeyFilter {
                provider: Some("posthog".into()),
                ..Default::default()
            },
        ),
        (
            "`--purpose email`",
            KeyFilter {
                purpose: Some("email".into()),
                ..Default::default()
            },
        ),
    ];
    for (label, filter) in filters {
        let mut before = Vec::new();
        for _ in 0..few {
            before.push(timed(store.list_keys(&filter)).await.0);
        }
        let (b50, _) = support::percentiles(before);
        let mut samples = Vec::new();
        let mut rows = 0;
        for _ in 0..runs {
            let (t, found) = timed(inv.list(&filter)).await;
            rows = found.expect("filter").len();
            samples.push(t);
        }
        let (p50, p95) = support::percentiles(samples);
        row(
            n,
            &format!("{label}, from memory"),
            &format!("{rows} keys"),
            p50,
            Some(p95),
            Some(b50),
        );
    }

    // Search: the first builds the index; then needles that hit many, few and none.
    let search = |text: &str| KeyFilter {
        text: Some(text.into()),
        ..Default::default()
    };
    let mut before = Vec::new();
    for _ in 0..few {
        before.push(timed(store.list_keys(&search("owner7"))).await.0);
    }
    let (b50, _) = support::percentiles(before);
    let (first, found) = timed(inv.list(&search("owner7"))).await;
    row(
        n,
        "first search (builds the index)",
        &format!("{} keys", found.expect("search").len()),
        ms(first),
        None,
        Some(b50),
    );
    let needles = ["owner7", "TEAM1", "key 0042", "feature", "nothing-matches"];
    let mut samples = Vec::new();
    for i in 0..runs * 2 {
        samples.push(timed(inv.list(&search(needles[i % needles.len()]))).await.0);
    }
    let (p50, p95) = support::percentiles(samples);
    row(n, "search, warm (5 needles)", "", p50, Some(p95), Some(b50));

    // Right after a write to one key: the list rebuilds its display-order rows, the search
    // its buffer (the window lists again after each action). The write itself is not timed.
    let edited = records[n / 2].id;
    let mut after_write = Vec::new();
    let mut search_after_write = Vec::new();
    for i in 0..runs {
        let patch = |purpose: String| KeyPatch {
            purpose: Some(purpose),
            ..KeyPatch::default()
        };
        inv.update(edited, patch(format!("purge cache {i}")))
            .await
            .expect("update");
        after_write.push(timed(inv.list(&KeyFilter::default())).await.0);
        inv.update(edited, patch(format!("ingest events {i}")))
            .await
            .expect("update");
        search_after_write.push(timed(inv.list(&search("owner7"))).await.0);
    }
    let (p50, p95) = support::percentiles(after_write);
    row(
        n,
        "list all right after a one-key edit",
        &format!("{n} keys"),
        p50,
        Some(p95),
        Some(sqlx50),
    );
    let (p50, p95) = support::percentiles(search_after_write);
    row(
        n,
        "search right after a one-key edit",
        "",
        p50,
        Some(p95),
        Some(b50),
    );

    // Findings over every key: before = list + evaluate over everything, as each answer did.
    let policy = inv.finding_policy().await.expect("policy");
    let snapshot =
        findings::KeychainSnapshot::new(vault.accounts().expect("accounts").unwrap_or_default());
    let mut before = Vec::new();
    for _ in 0..few {
        before.push(
            timed(async {
                let all = store.list_keys(&KeyFilter::default()).await.expect("list");
                let acks = store.acknowledgements().await.expect("acks");
                let found = findings::evaluate(&all, &policy, Utc::now(), Some(&snapshot));
                findings::apply_acknowledgements(found, &acks, Utc::now()).len()
            })
            .await
            .0,
        );
    }
    let (before50, _) = support::percentiles(before);
    let all = FindingQuery {
        include_acknowledged: true,
        ..FindingQuery::default()
    };
    let (first, found) = timed(inv.findings(&all)).await;
    let count = found.expect("findings").findings.len();
    row(
        n,
        "findings over all, first (evaluates every key)",
        &format!("{count} findings"),
        ms(first),
        None,
        Some(before50),
    );
    let mut samples = Vec::new();
    for _ in 0..runs {
        samples.push(timed(inv.findings(&all)).await.0);
    }
    let (p50, p95) = support::percentiles(samples);
    row(
        n,
        "findings over all, warm (cached per key)",
        &format!("{count} findings"),
        p50,
        Some(p95),
        Some(before50),
    );
    // Right after a write to one key: that key is evaluated again, the sorted list rebuilt.
    let mut samples = Vec::new();
    for i in 0..runs {
        inv.update(
            edited,
            KeyPatch {
                purpose: Some(format!("purge cache again {i}")),
                ..KeyPatch::default()
            },
        )
        .await
        .expect("update");
        samples.push(timed(inv.findings(&all)).await.0);
    }
    let (p50, p95) = support::percentiles(samples);
    row(
        n,
        "findings over all right after a one-key edit",
        &format!("{count} findings"),
        p50,
        Some(p95),
        Some(before50),
    );

    // One action on one key, with its answer (the key and its findings).
    let one = |id| FindingQuery {
        key_id: Some(id),
        include_acknowledged: true,
        ..FindingQuery::default()
    };
    let actions = 30;
    let mut adds = Vec::new();
    let mut added = Vec::new();
    for i in 0..actions {
        let value = Secret::new(format!("phc_{}", Uuid::new_v4().simple()));
        let (t, id) = timed(async {
            let key = inv
                .add(
                    NewKey {
                        provider: Some("posthog".into()),
                        kind: Some("project_key".into()),
                        name: format!("bench add {i}"),
                        environment: "dev".into(),
                        purpose: "ingest events".into(),
                        ..NewKey::default()
                    },
                    value,
                )
                .await
                .expect("add");
            inv.findings(&one(key.id)).await.expect("findings");
            key.id
        })
        .await;
        adds.push(t);
        added.push(id);
    }
    let (p50, p95) = support::percentiles(adds);
    row(
        n,
        "one action: add + the key's findings",
        &format!("{actions} actions"),
        p50,
        Some(p95),
        Some(before50),
    );
    let mut updates = Vec::new();
    for (i, id) in added.iter().enumerate() {
        let (t, _) = timed(async {
            inv.update(
                *id,
                KeyPatch {
                    purpose: Some(format!("send email {i}")),
                    ..KeyPatch::default()
                },
            )
            .await
            .expect("update");
            inv.findings(&one(*id)).await.expect("findings");
        })
        .await;
        updates.push(t);
    }
    let (p50, p95) = support::percentiles(updates);
    row(
        n,
        "one action: edit + the key's findings",
        &format!("{actions} actions"),
        p50,
        Some(p95),
        Some(before50),
    );
    let mut acks = Vec::new();
    for id in &added {
        let (t, _) = timed(async {
            inv.acknowledge_finding(AcknowledgeRequest {
                subject: id.to_string(),
                kind: FindingKind::Incomplete,
                reason: "bench".into(),
                until: None,
            })
            .await
            .expect("acknowledge");
            inv.get(*id).await.expect("get");
            inv.findings(&one(*id)).await.expect("findings");
        })
        .await;
        acks.push(t);
    }
    let (p50, p95) = support::percentiles(acks);
    row(
        n,
        "one action: acknowledge + the key's findings",
        &format!("{actions} actions"),
        p50,
        Some(p95),
        Some(before50),
    );
    inv.close().await;
}

async fn bench_catalogs() {
    println!("## In-memory inventory (issue 14; SQLite file, in-memory vault)\n");
    println!("Ratio: p50 against the `before` column, measured in the same run.\n");
    println!("| keys | measure | result | p50 ms | p95 ms | before ms | ratio |");
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for n in sizes() {
        bench_catalog(n).await;
    }
    println!();
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
    // KEYWARD_BENCH_ONLY=memory runs only the in-memory inventory (section 2).
    let only = std::env::var("KEYWARD_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() {
        runtime.block_on(bench_queries());
    }
    runtime.block_on(bench_catalogs());
}
