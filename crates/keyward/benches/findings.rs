//! Findings benchmark, reported not asserted: `cargo bench -p keyward --bench findings`.
//!
//! At 10k and 100k keys (`KEYWARD_BENCH_SIZES=…` to change), p50/p95 of:
//! 1. pure evaluation (`findings::evaluate` + acknowledgements) against a baseline measured
//!    in the same run: one pass over the same records computing only the rotation due date;
//! 2. the review (`build_review`) and each export format;
//! 3. findings with the query from SQLite (list every key + acknowledgements + evaluate)
//!    against the plain `list` query alone as the baseline;
//! 4. the same findings from the in-memory inventory (issue 14: `Inventory::findings`, first
//!    call loading the catalog and evaluating every key, then warm with each key's findings
//!    cached), on the same file, the keychain listing served by a vault that only lists.

mod support;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use keyward::findings::{
    self, Acknowledgement, FindingKind, FindingPolicy, KeychainSnapshot, ReportFormat,
};
use keyward::inventory::FindingQuery;
use keyward::store::{NewAuditEvent, Store};
use keyward::vault::{Vault, VaultError};
use keyward::{Config, Inventory, KeyFilter, KeyRecord, KeyStatus, KeyUsage, Secret};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

/// A keychain that only lists (the accounts of the bench's snapshot): findings read no values.
struct ListingVault(Vec<String>);

impl Vault for ListingVault {
    fn set(&self, _: &str, _: &Secret) -> Result<(), VaultError> {
        Ok(())
    }
    fn get(&self, _: &str) -> Result<Option<Secret>, VaultError> {
        Ok(None)
    }
    fn delete(&self, _: &str) -> Result<(), VaultError> {
        Ok(())
    }
    fn accounts(&self) -> Result<Option<Vec<String>>, VaultError> {
        Ok(Some(self.0.clone()))
    }
    fn describe(&self) -> String {
        "listing only (bench)".into()
    }
    fn health_check(&self) -> Result<(), VaultError> {
        Ok(())
    }
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut samples = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        samples.push(t.elapsed());
    }
    let (p50, p95) = support::percentiles(samples);
    match last {
        Some(v) => (p50, p95, v),
        None => panic!("at least one run"),
    }
}

/// (provider, kind, purpose, scopes): a mix that triggers every provider rule.
const SHAPES: [(&str, &str, &str, &[&str]); 8] = [
    ("postmark", "server_token", "send transactional email", &[]),
    ("postmark", "account_token", "send transactional email", &[]),
    ("posthog", "personal", "evaluate feature flags", &["*"]),
    ("posthog", "project_key", "ingest events", &[]),
    ("postman", "api_key", "run collections in CI", &[]),
    (
        "cloudflare",
        "account_token",
        "read analytics",
        &[
            "Analytics Read",
            "DNS Write",
            "resource:com.cloudflare.api.account.zone.*",
        ],
    ),
    (
        "sendgrid",
        "api_key",
        "send email",
        &["mail.send", "api_keys.create"],
    ),
    ("postnomic", "blog_key", "read published blog content", &[]),
];
const ENVS: [&str; 3] = ["dev", "staging", "prod"];

fn record(i: usize, now: DateTime<Utc>) -> KeyRecord {
    let (provider, kind, purpose, scopes) = SHAPES[i % SHAPES.len()];
    let age = (i * 7 % 500) as i64;
    KeyRecord {
        id: Uuid::new_v4(),
        provider: provider.into(),
        kind: kind.into(),
        name: format!("key {i:06}"),
        environment: ENVS[i % ENVS.len()].into(),
        purpose: if i.is_multiple_of(17) {
            String::new()
        } else {
            purpose.into()
        },
        owner: (!i.is_multiple_of(11)).then(|| format!("owner{}", i % 40)),
        tags: vec![format!("team{}", i % 12)],
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        remote_id: None,
        env_var: format!("KEY_{i}"),
        created_at: now - ChronoDuration::days(age + 30),
        last_rotated_at: (i.is_multiple_of(3)).then(|| now - ChronoDuration::days(age)),
        last_used_at: (i.is_multiple_of(5)).then(|| now - ChronoDuration::days((i % 60) as i64)),
        last_verified_at: (i.is_multiple_of(4)).then_some(now),
        expires_at: (i.is_multiple_of(9)).then(|| now + ChronoDuration::days((i % 40) as i64 - 10)),
        status: match i % 50 {
            0 => KeyStatus::Invalid,
            1 => KeyStatus::Revoked,
            _ => KeyStatus::Active,
        },
        // Every 97th key shares a value with the one before it.
        fingerprint: Some(format!(
            "{:064x}",
            if i.is_multiple_of(97) {
                i.saturating_sub(1)
            } else {
                i
            }
        )),
        masked_hint: "…abcd".into(),
        updated_at: now,
        connection_id: None,
        verify_outcome: None,
        verify_detail: None,
        usage: (i.is_multiple_of(13)).then_some(KeyUsage::Web),
        region: None,
        role: keyward::KeyRole::Service,
    }
}

async fn bench(n: usize) {
    let now = Utc::now();
    let policy = FindingPolicy::default();
    let records: Vec<KeyRecord> = (0..n).map(|i| record(i, now)).collect();
    // Keychain listing: every key present but one in a thousand, plus a few strays.
    let snapshot = KeychainSnapshot::new(
        records
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 1000 != 5)
            .map(|(_, r)| r.id.to_string())
            .chain((0..10).map(|_| Uuid::new_v4().to_string())),
    );
    let acks: Vec<Acknowledgement> = records
        .iter()
        .step_by(100)
        .map(|r| Acknowledgement {
            subject: r.id.to_string(),
            kind: FindingKind::Stale,
            reason: "bench".into(),
            acknowledged_by: "bench".into(),
            acknowledged_at: now,
            until: now + ChronoDuration::days(30),
        })
        .collect();
    let runs = if n >= 100_000 { 15 } else { 40 };

    let (b50, b95, due) = time(runs, || {
        records
            .iter()
            .filter(|r| findings::rotation_due_at(r, &policy) <= now)
            .count()
    });
    println!(
        "| {n} | baseline: one pass, rotation due date only | {due} due | {b50:.2} | {b95:.2} |"
    );
    let (p50, p95, found) = time(runs, || {
        let found = findings::evaluate(&records, &policy, now, Some(&snapshot));
        findings::apply_acknowledgements(found, &acks, now)
    });
    println!(
        "| {n} | evaluate + acknowledgements (pure) | {} findings | {p50:.2} | {p95:.2} |",
        found.len()
    );
    let (p50, p95, review) = time(runs, || {
        findings::build_review(&records, &found, &policy, now, &[])
    });
    println!(
        "| {n} | build_review | {} keys | {p50:.2} | {p95:.2} |",
        review.key_count
    );
    for format in ReportFormat::ALL {
        let (p50, p95, text) = time(runs.min(10), || {
            findings::render(&review, format)
                .map(|t| t.len())
                .unwrap_or(0)
        });
        println!(
            "| {n} | render {} | {:.1} MB | {p50:.2} | {p95:.2} |",
            format.extension(),
            text as f64 / 1e6
        );
    }

    // With the query: a real SQLite file holding the same records and acknowledgements.
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("bench.db"))
        .await
        .expect("open store");
    for chunk in records.chunks(5_000) {
        store.insert_keys(chunk, &[]).await.expect("insert");
    }
    let event = NewAuditEvent {
        actor: "bench".into(),
        action: "finding_acknowledged",
        key_id: None,
        key_name: None,
        detail: String::new(),
    };
    let acks: Vec<_> = acks.into_iter().map(|a| (a, event.clone())).collect();
    store
        .upsert_acknowledgements(&acks)
        .await
        .expect("acknowledge");
    let mut samples = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs {
        let t = Instant::now();
        rows = store
            .list_keys(&KeyFilter::default())
            .await
            .expect("list")
            .len();
        samples.push(t.elapsed());
    }
    let (b50, b95) = support::percentiles(samples);
    println!("| {n} | baseline: `list` query only (SQLite) | {rows} rows | {b50:.2} | {b95:.2} |");
    let mut samples = Vec::with_capacity(runs);
    let mut count = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let listed = store.list_keys(&KeyFilter::default()).await.expect("list");
        let acks = store.acknowledgements().await.expect("acks");
        let found = findings::evaluate(&listed, &policy, now, Some(&snapshot));
        count = findings::apply_acknowledgements(found, &acks, now).len();
        samples.push(t.elapsed());
    }
    let (p50, p95) = support::percentiles(samples);
    println!(
        "| {n} | query + evaluate (SQLite → findings) | {count} findings | {p50:.2} | {p95:.2} |"
    );
    let before = p50;

    // The in-memory inventory on the same file.
    let vault = Arc::new(ListingVault(snapshot.accounts.iter().cloned().collect()));
    let config = Config::at(dir.path().join("data"));
    let inv = Inventory::with_store(store.clone(), vault, config).await;
    let all = FindingQuery {
        include_acknowledged: true,
        ..FindingQuery::default()
    };
    let t = Instant::now();
    let first = inv.findings(&all).await.expect("findings").findings.len();
    let first_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "| {n} | in-memory inventory, first (load + evaluate every key) | {first} findings | {first_ms:.2} | | {:.2}× query + evaluate |",
        first_ms / before.max(1e-9)
    );
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        count = inv.findings(&all).await.expect("findings").findings.len();
        samples.push(t.elapsed());
    }
    let (p50, p95) = support::percentiles(samples);
    println!(
        "| {n} | in-memory inventory, warm (each key's findings cached) | {count} findings | {p50:.2} | {p95:.2} | {:.3}× query + evaluate |",
        p50 / before.max(1e-9)
    );
    inv.close().await;
}

pub fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sizes: Vec<usize> = std::env::var("KEYWARD_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000]);
    println!(
        "# Findings benchmark ({})\n",
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!("| keys | step | result | p50 ms | p95 ms | ratio |");
    println!("|---:|---|---:|---:|---:|---|");
    for n in sizes {
        runtime.block_on(bench(n));
    }
}
