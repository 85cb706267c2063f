//! Benchmarks, reported not asserted: `cargo bench -p keyward`.
//!
//! 1. Inventory queries (`list` and filtered) at 1k, 10k and 100k keys on a real SQLite file:
//!    p50/p95 per query.
//!
//! Keychain latency moved to its own bench: `--bench keychain`.

use chrono::Utc;
use keyward::store::Store;
use keyward::{KeyFilter, KeyRecord, KeyStatus};
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
}
