//! Bulk rotation against `provider-sim`, reported not asserted:
//! `cargo bench -p keyward --features test-support --bench rotate_many`.
//!
//! 200 keys in an `Inventory` on an in-memory store and the in-memory vault (the numbers are
//! the HTTP path, the journal and the bookkeeping, not the keychain), every key linked to a
//! connection to the simulator, which adds 50 ms to every request of the provider.
//!
//! - Cloudflare user tokens, native roll: 3 requests per key (roll, verify new, verify old),
//!   under Cloudflare's documented limit (1200 requests / 5 min, window reset per run).
//! - SendGrid keys, create + revoke: 4 requests per key (create, verify new, delete old, verify
//!   old), without a limit, then with a tight one (100 requests / 2 s, `Retry-After`) to show
//!   that the write path waits as told (shared across the run) instead of failing.
//!
//! Floor: ceil(keys / concurrency) × requests per key × 50 ms; under the tight limit, the larger
//! of that and (ceil(keys × 4 / 100) − 1) × 2 s. `KEYWARD_BENCH_ROTATE_KEYS` changes the 200.
//!
//! Then one key's rotation (issue 14) in an inventory of 1k / 10k / 100k keys
//! (`KEYWARD_BENCH_SIZES`), no injected latency: a Cloudflare roll plus its answer (the key's
//! findings) against its provider requests alone, each timed as one `GET …/tokens/verify` on
//! a kept reqwest connection in the same run. The difference is Keyward's own time.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use keyward::connection::ConnectionOptions;
use keyward::inventory::FindingQuery;
use keyward::inventory::NewConnection;
use keyward::rotation::{RateGate, RotateOptions, RotationEvent};
use keyward::store::Store;
use keyward::vault::MemoryVault;
use keyward::{Config, Inventory, KeyFilter, KeyRecord, NewKey, Secret};
use provider_sim::seed::{CloudflareToken, SendGridKey};
use provider_sim::{util, Fault, RateLimitConfig, RunningSim, Seed, Simulator};
use uuid::Uuid;

const LATENCY_MS: u64 = 50;

struct Row {
    label: String,
    keys: usize,
    concurrency: usize,
    wall: Duration,
    floor: Duration,
    requests: usize,
    rate_limited: usize,
    write_waits: usize,
    failed: usize,
}

/// (remote id, value) of each bench key.
type Keys = Vec<(String, String)>;

fn seed(keys: usize) -> (Seed, Keys, Keys) {
    let mut seed = Seed::demo();
    let template = seed
        .cloudflare
        .tokens
        .iter()
        .find(|t| t.name == "DNS edit - prod")
        .cloned()
        .expect("demo DNS token");
    let mut cf = Vec::new();
    let mut sg = Vec::new();
    for i in 0..keys {
        let t = CloudflareToken {
            id: util::cloudflare_id(),
            name: format!("bench {i}"),
            value: util::cloudflare_token(false),
            expires_on: None,
            ..template.clone()
        };
        cf.push((t.id.clone(), t.value.clone()));
        seed.cloudflare.tokens.push(t);
        let id = util::sendgrid_key_id();
        let k = SendGridKey {
            value: util::sendgrid_key(&id),
            api_key_id: id,
            name: format!("bench {i}"),
            scopes: vec!["mail.send".into()],
            user: "acme".into(),
            ..SendGridKey::default()
        };
        sg.push((k.api_key_id.clone(), k.value.clone()));
        seed.sendgrid.keys.push(k);
    }
    seed.sendgrid.max_keys = keys * 4 + 10;
    (seed, cf, sg)
}

async fn inventory(
    sim: &RunningSim,
    cf: &[(String, String)],
    sg: &[(String, String)],
) -> (Inventory, Vec<Uuid>, Vec<Uuid>) {
    let store = Store::open_in_memory().await.expect("in-memory store");
    let config = Config::at(std::env::temp_dir().join("keyward-bench-rotate-never-written"));
    let inv = Inventory::with_store(store, Arc::new(MemoryVault::new()), config).await;
    let demo = Seed::demo();
    let admin = |provider: &str| -> String {
        match provider {
            "cloudflare" => demo
                .cloudflare
                .tokens
                .iter()
                .find(|t| t.name == "Keyward admin")
                .map(|t| t.value.clone()),
            _ => demo
                .sendgrid
                .keys
                .iter()
                .find(|k| k.name == "Keyward admin")
                .map(|k| k.value.clone()),
        }
        .expect("demo admin key")
    };
    let mut out = Vec::new();
    for (provider, kind, list, scopes) in [
        ("cloudflare", "user_token", cf, vec!["DNS Write".to_owned()]),
        ("sendgrid", "api_key", sg, vec!["mail.send".to_owned()]),
    ] {
        let conn = inv
            .connect(
                NewConnection {
                    provider: provider.into(),
                    name: provider.into(),
                    base_url: Some(sim.base_url(provider)),
                    region: None,
                    options: ConnectionOptions::default(),
                    environment: "prod".into(),
                    test: false,
                },
                Some(Secret::new(admin(provider))),
            )
            .await
            .expect("connect to the simulator");
        let mut ids = Vec::new();
        for (i, (remote, value)) in list.iter().enumerate() {
            let key = inv
                .add(
                    NewKey {
                        provider: Some(provider.into()),
                        kind: Some(kind.into()),
                        name: format!("{provider} bench {i:04}"),
                        environment: "prod".into(),
                        purpose: "bench".into(),
                        scopes: scopes.clone(),
                        remote_id: Some(remote.clone()),
                        connection_id: Some(conn.id),
                        ..NewKey::default()
                    },
                    Secret::new(value.clone()),
                )
                .await
                .expect("add a key");
            ids.push(key.id);
        }
        out.push(ids);
    }
    let sg_ids = out.pop().unwrap_or_default();
    let cf_ids = out.pop().unwrap_or_default();
    (inv, cf_ids, sg_ids)
}

fn quiet(_: &RotationEvent) {}

#[allow(clippy::too_many_arguments)]
async fn run(
    label: String,
    sim: &RunningSim,
    inv: &Inventory,
    provider: &str,
    ids: &[Uuid],
    concurrency: usize,
    floor: Duration,
) -> Row {
    sim.state().clear_requests();
    let gate = RateGate::default();
    let started = Instant::now();
    let outcomes = inv
        .rotate_many_gated(
            ids.to_vec(),
            // Revoke at once, as before prod got a default grace period: the bench measures
            // rolls and create + revoke runs to the end.
            &RotateOptions {
                grace: Some(Duration::ZERO),
                ..RotateOptions::default()
            },
            concurrency,
            &quiet,
            &gate,
        )
        .await
        .expect("rotate_many");
    let wall = started.elapsed();
    let prefix = format!("/{provider}");
    let log = sim.state().request_log();
    let requests = log.iter().filter(|r| r.path.starts_with(&prefix)).count();
    let rate_limited = log.iter().filter(|r| r.status == Some(429)).count();
    let failed = outcomes.iter().filter(|o| !o.is_ok()).count();
    if let Some(bad) = outcomes.iter().find(|o| !o.is_ok()) {
        eprintln!("  first failure: {:?} {}", bad.error_code, bad.message);
    }
    Row {
        label,
        keys: ids.len(),
        concurrency,
        wall,
        floor,
        requests,
        rate_limited,
        write_waits: gate.limited_count(),
        failed,
    }
}

fn floor(keys: usize, concurrency: usize, steps: u64) -> Duration {
    Duration::from_millis(keys.div_ceil(concurrency) as u64 * steps * LATENCY_MS)
}

async fn bench() {
    let keys: usize = std::env::var("KEYWARD_BENCH_ROTATE_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let (seed, cf, sg) = seed(keys);
    let sim = Simulator::start(seed).expect("start provider-sim");
    let (inv, cf_ids, sg_ids) = inventory(&sim, &cf, &sg).await;
    sim.state().set_faults(vec![
        Fault::on("*")
            .for_provider("cloudflare")
            .latency_ms(LATENCY_MS),
        Fault::on("*")
            .for_provider("sendgrid")
            .latency_ms(LATENCY_MS),
    ]);
    let mut rows = Vec::new();
    // Warm-up (not reported).
    run(
        "warm-up".into(),
        &sim,
        &inv,
        "cloudflare",
        &cf_ids[..keys.min(8)],
        8,
        Duration::ZERO,
    )
    .await;

    for c in [8, 16, 32] {
        // Cloudflare's documented limit, a fresh window per run.
        sim.state()
            .set_rate_limit("cloudflare", RateLimitConfig::new(1200, 300));
        rows.push(
            run(
                "Cloudflare native roll, limit 1200/5 min".into(),
                &sim,
                &inv,
                "cloudflare",
                &cf_ids,
                c,
                floor(keys, c, 3),
            )
            .await,
        );
    }
    sim.state()
        .set_rate_limit("sendgrid", RateLimitConfig::new(0, 60));
    for c in [8, 32] {
        rows.push(
            run(
                "SendGrid create + revoke, no limit".into(),
                &sim,
                &inv,
                "sendgrid",
                &sg_ids,
                c,
                floor(keys, c, 4),
            )
            .await,
        );
    }
    let (limit, window) = (100u32, 2u64);
    let rate_floor = Duration::from_secs(
        ((keys * 4).div_ceil(limit as usize) as u64).saturating_sub(1) * window,
    );
    for c in [8, 32] {
        sim.state()
            .set_rate_limit("sendgrid", RateLimitConfig::new(limit, window));
        rows.push(
            run(
                format!("SendGrid create + revoke, limit {limit}/{window} s"),
                &sim,
                &inv,
                "sendgrid",
                &sg_ids,
                c,
                rate_floor.max(floor(keys, c, 4)),
            )
            .await,
        );
    }

    println!("## Bulk rotation against provider-sim (+{LATENCY_MS} ms per request)\n");
    println!("In-memory store and vault; every rotation journaled step by step.\n");
    println!("| run | keys | concurrency | wall ms | floor ms | ratio | requests | 429s | write waits | failed |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let ratio = r.wall.as_secs_f64() / r.floor.as_secs_f64().max(f64::EPSILON);
        println!(
            "| {} | {} | {} | {} | {} | {:.2} | {} | {} | {} | {} |",
            r.label,
            r.keys,
            r.concurrency,
            r.wall.as_millis(),
            r.floor.as_millis(),
            ratio,
            r.requests,
            r.rate_limited,
            r.write_waits,
            r.failed
        );
    }
    println!(
        "\nFloor: ceil(keys / concurrency) × requests per key (roll 3, create + revoke 4) × \
         {LATENCY_MS} ms; under the {limit}/{window} s limit, the larger of that and \
         (ceil(keys × 4 / {limit}) − 1) × {window} s. 429s: rate-limit answers the simulator \
         sent (reads and writes); write waits: 429s on the write path, each waited out for the \
         whole run before checking and retrying."
    );
    inv.close().await;
    sim.shutdown().await;
}

async fn bench_one_key() {
    let sizes: Vec<usize> = std::env::var("KEYWARD_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    println!("\n## One key's rotation in a large inventory (issue 14; provider-sim, no injected latency)\n");
    println!("| keys | rotate + the key's findings p50 ms | requests | provider round trips ms | Keyward's own ms |");
    println!("|---:|---:|---:|---:|---:|");
    const RUNS: usize = 12;
    for n in sizes {
        let (seed, cf, _) = seed(RUNS);
        let sim = Simulator::start(seed).expect("start provider-sim");
        let (inv, cf_ids, _) = inventory(&sim, &cf, &[]).await;
        let fillers: Vec<KeyRecord> = (0..n).map(support::filler).collect();
        for chunk in fillers.chunks(5_000) {
            inv.store().insert_keys(chunk, &[]).await.expect("fillers");
        }
        // The window has its inventory loaded: so does the bench.
        inv.list(&KeyFilter::default()).await.expect("list");
        let mut ours = Vec::new();
        let mut requests = 0;
        for (i, id) in cf_ids.iter().enumerate() {
            sim.state().clear_requests();
            let t = Instant::now();
            let outcomes = inv
                .rotate_many_gated(
                    vec![*id],
                    &RotateOptions {
                        grace: Some(Duration::ZERO),
                        ..RotateOptions::default()
                    },
                    1,
                    &quiet,
                    &RateGate::default(),
                )
                .await
                .expect("rotate");
            inv.findings(&FindingQuery {
                key_id: Some(*id),
                include_acknowledged: true,
                ..FindingQuery::default()
            })
            .await
            .expect("findings");
            let took = t.elapsed();
            if let Some(bad) = outcomes.iter().find(|o| !o.is_ok()) {
                eprintln!("  rotation failed: {:?} {}", bad.error_code, bad.message);
            }
            // The first is a warm-up (connections, statement caches).
            if i > 0 {
                ours.push(took);
                requests = sim
                    .state()
                    .request_log()
                    .iter()
                    .filter(|r| r.path.starts_with("/cloudflare"))
                    .count();
            }
        }
        let client = reqwest::Client::new();
        let url = format!("{}/user/tokens/verify", sim.base_url("cloudflare"));
        let mut trips = Vec::new();
        for i in 0..=RUNS {
            let t = Instant::now();
            let answer = client
                .get(&url)
                .bearer_auth(cf[0].1.as_str())
                .send()
                .await
                .expect("round trip");
            let _ = answer.bytes().await;
            if i > 0 {
                trips.push(t.elapsed());
            }
        }
        let (ours, trip) = (
            support::p50_ms(ours),
            support::p50_ms(trips) * requests as f64,
        );
        println!(
            "| {n} | {ours:.2} | {requests} | {trip:.2} | {:.2} |",
            ours - trip
        );
        inv.close().await;
        sim.shutdown().await;
    }
}

fn main() {
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
