//! "Verify all" against `provider-sim`, reported not asserted:
//! `cargo bench -p keyward --features test-support --bench verify_all`.
//!
//! N Postman keys (`GET /me`, one request per key) in an `Inventory` on an in-memory store and
//! the in-memory vault (so the numbers are the HTTP path and the bookkeeping around it, not the
//! keychain), every key linked to a connection to the simulator. The simulator adds 50 ms to
//! every `GET /postman/me`. Wall time is compared with the floor
//! `ceil(keys / concurrency) × 50 ms`. Concurrency 1 runs on 100 keys (500 would take 25 s
//! of pure latency); the others on 500.
//!
//! A last run turns the simulator's Postman rate limiter on (100 requests per 2 s window,
//! answered with `X-RateLimit-RetryAfter`), to show that the client waits as told instead of
//! failing: its floor is the rate limit's, `(ceil(keys / 100) − 1) × 2 s`.
//!
//! `KEYWARD_BENCH_VERIFY_KEYS` changes the 500.
//!
//! Then one key's verify (issue 14) in an inventory of 1k / 10k / 100k keys
//! (`KEYWARD_BENCH_SIZES`), no injected latency: the verify plus its answer (the key's
//! findings) against the provider's round trip alone, measured in the same run (the same
//! `GET /me` sent with reqwest on a kept connection). The difference is Keyward's own time.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use keyward::connection::ConnectionOptions;
use keyward::inventory::FindingQuery;
use keyward::inventory::{NewConnection, VerifyResultOutcome};
use keyward::store::Store;
use keyward::vault::MemoryVault;
use keyward::{Config, Inventory, KeyFilter, KeyRecord, NewKey, Secret};
use provider_sim::seed::PostmanKey;
use provider_sim::{Fault, RateLimitConfig, RunningSim, Seed, Simulator};
use uuid::Uuid;

const LATENCY_MS: u64 = 50;
const ROUTE: &str = "GET /postman/me";

struct Row {
    label: &'static str,
    keys: usize,
    concurrency: usize,
    wall: Duration,
    floor: Duration,
    requests: usize,
    rate_limited: usize,
    errors: usize,
}

fn hex(n: usize) -> String {
    let mut s = String::new();
    while s.len() < n {
        s.push_str(&Uuid::new_v4().simple().to_string());
    }
    s.truncate(n);
    s
}

/// `keys` Postman values, all live for the simulator's user.
fn seed(values: &[String]) -> Seed {
    let mut seed = Seed::demo();
    for (i, v) in values.iter().enumerate() {
        seed.postman.keys.push(PostmanKey {
            id: format!("bench-{i}"),
            name: format!("bench {i}"),
            value: v.clone(),
            user_id: 12_345_678,
            ..PostmanKey::default()
        });
    }
    seed
}

async fn inventory(sim: &RunningSim, values: &[String]) -> (Inventory, Vec<Uuid>) {
    let store = Store::open_in_memory().await.expect("in-memory store");
    let config = Config::at(std::env::temp_dir().join("keyward-bench-verify-never-written"));
    let inv = Inventory::with_store(store, Arc::new(MemoryVault::new()), config).await;
    let conn = inv
        .connect(
            NewConnection {
                provider: "postman".into(),
                name: "sim".into(),
                base_url: Some(sim.base_url("postman")),
                region: None,
                options: ConnectionOptions::default(),
                environment: "prod".into(),
                test: false,
            },
            None,
        )
        .await
        .expect("connect to the simulator");
    let mut ids = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let key = inv
            .add(
                NewKey {
                    provider: Some("postman".into()),
                    kind: Some("api_key".into()),
                    name: format!("bench key {i:04}"),
                    environment: "prod".into(),
                    purpose: "run API tests".into(),
                    connection_id: Some(conn.id),
                    ..NewKey::default()
                },
                Secret::new(v.clone()),
            )
            .await
            .expect("add a key");
        ids.push(key.id);
    }
    (inv, ids)
}

async fn run(
    label: &'static str,
    sim: &RunningSim,
    inv: &Inventory,
    ids: &[Uuid],
    concurrency: usize,
    floor: Duration,
) -> Row {
    sim.state().clear_requests();
    let started = Instant::now();
    let results = inv
        .verify_many(ids.to_vec(), concurrency, |_, _, _| {})
        .await
        .expect("verify_many");
    let wall = started.elapsed();
    let log = sim.state().request_log();
    let requests = log.iter().filter(|r| r.path == "/postman/me").count();
    let rate_limited = log.iter().filter(|r| r.status == Some(429)).count();
    let errors = results
        .iter()
        .filter(|r| r.outcome != VerifyResultOutcome::Valid)
        .count();
    if let Some(bad) = results
        .iter()
        .find(|r| r.outcome != VerifyResultOutcome::Valid)
    {
        eprintln!(
            "  first non-valid result: {} {:?} {}",
            bad.outcome, bad.code, bad.detail
        );
    }
    Row {
        label,
        keys: ids.len(),
        concurrency,
        wall,
        floor,
        requests,
        rate_limited,
        errors,
    }
}

fn latency_floor(keys: usize, concurrency: usize) -> Duration {
    Duration::from_millis(keys.div_ceil(concurrency) as u64 * LATENCY_MS)
}

async fn bench() {
    let keys: usize = std::env::var("KEYWARD_BENCH_VERIFY_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let values: Vec<String> = (0..keys)
        .map(|_| format!("PMAK-{}-{}", hex(24), hex(34)))
        .collect();
    let sim = Simulator::start(seed(&values)).expect("start provider-sim");
    // Latency runs: no rate limit (Postman's default 300/min would dominate).
    sim.state()
        .set_rate_limit("postman", RateLimitConfig::new(0, 60));
    sim.state()
        .set_faults(vec![Fault::on(ROUTE).latency_ms(LATENCY_MS)]);
    let (inv, ids) = inventory(&sim, &values).await;

    let mut rows = Vec::new();
    // Warm-up (not reported): first connections, statement caches.
    run(
        "warm-up",
        &sim,
        &inv,
        &ids[..ids.len().min(32)],
        8,
        Duration::ZERO,
    )
    .await;

    let small = &ids[..ids.len().min(100)];
    rows.push(
        run(
            "latency",
            &sim,
            &inv,
            small,
            1,
            latency_floor(small.len(), 1),
        )
        .await,
    );
    for c in [8, 16, 32] {
        rows.push(run("latency", &sim, &inv, &ids, c, latency_floor(ids.len(), c)).await);
    }

    // Rate-limited: 100 requests per 2 s window, Postman's own retry header.
    let (limit, window) = (100u32, 2u64);
    sim.state()
        .set_rate_limit("postman", RateLimitConfig::new(limit, window));
    let rate_floor =
        Duration::from_secs((ids.len().div_ceil(limit as usize) as u64).saturating_sub(1) * window);
    for c in [8, 32] {
        // A fresh window for each run.
        sim.state()
            .set_rate_limit("postman", RateLimitConfig::new(limit, window));
        let floor = rate_floor.max(latency_floor(ids.len(), c));
        rows.push(run("rate limit 100/2 s", &sim, &inv, &ids, c, floor).await);
    }

    println!(
        "## Verify all against provider-sim (Postman `GET /me`, +{LATENCY_MS} ms per request)\n"
    );
    println!("In-memory store and vault; one request per key when not rate limited.\n");
    println!(
        "| run | keys | concurrency | wall ms | floor ms | ratio | requests | 429s | errors |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let ratio = r.wall.as_secs_f64() / r.floor.as_secs_f64().max(f64::EPSILON);
        println!(
            "| {} | {} | {} | {} | {} | {:.2} | {} | {} | {} |",
            r.label,
            r.keys,
            r.concurrency,
            r.wall.as_millis(),
            r.floor.as_millis(),
            ratio,
            r.requests,
            r.rate_limited,
            r.errors
        );
    }
    println!(
        "\nFloor: ceil(keys / concurrency) × {LATENCY_MS} ms; with the rate limit, the larger of \
         that and (ceil(keys / {limit}) − 1) × {window} s."
    );
    inv.close().await;
    sim.shutdown().await;
}

async fn bench_one_key() {
    let sizes: Vec<usize> = std::env::var("KEYWARD_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    println!("\n## One key's verify in a large inventory (issue 14; provider-sim, no injected latency)\n");
    println!("| keys | verify + the key's findings p50 ms | provider round trip p50 ms | Keyward's own ms |");
    println!("|---:|---:|---:|---:|");
    const RUNS: usize = 30;
    for n in sizes {
        let values: Vec<String> = (0..1)
            .map(|_| format!("PMAK-{}-{}", hex(24), hex(34)))
            .collect();
        let sim = Simulator::start(seed(&values)).expect("start provider-sim");
        sim.state()
            .set_rate_limit("postman", RateLimitConfig::new(0, 60));
        let (inv, ids) = inventory(&sim, &values).await;
        let fillers: Vec<KeyRecord> = (0..n).map(support::filler).collect();
        for chunk in fillers.chunks(5_000) {
            inv.store().insert_keys(chunk, &[]).await.expect("fillers");
        }
        // The window has its inventory loaded: so does the bench.
        inv.list(&KeyFilter::default()).await.expect("list");
        let id = ids[0];
        let one = FindingQuery {
            key_id: Some(id),
            include_acknowledged: true,
            ..FindingQuery::default()
        };
        inv.verify(id).await.expect("warm-up verify");
        let mut ours = Vec::new();
        for _ in 0..RUNS {
            let t = Instant::now();
            inv.verify(id).await.expect("verify");
            inv.findings(&one).await.expect("findings");
            ours.push(t.elapsed());
        }
        let client = reqwest::Client::new();
        let url = format!("{}/me", sim.base_url("postman"));
        let mut trips = Vec::new();
        for i in 0..=RUNS {
            let t = Instant::now();
            let answer = client
                .get(&url)
                .header("X-Api-Key", values[0].as_str())
                .send()
                .await
                .expect("round trip");
            let _ = answer.bytes().await;
            if i > 0 {
                trips.push(t.elapsed());
            }
        }
        let (ours, trip) = (support::p50_ms(ours), support::p50_ms(trips));
        println!("| {n} | {ours:.2} | {trip:.2} | {:.2} |", ours - trip);
        inv.close().await;
        sim.shutdown().await;
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run either way.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    // KEYWARD_BENCH_ONLY=memory: only the one-key rows (issue 14).
    if std::env::var("KEYWARD_BENCH_ONLY")
        .unwrap_or_default()
        .is_empty()
    {
        runtime.block_on(bench());
    }
    runtime.block_on(bench_one_key());
}
