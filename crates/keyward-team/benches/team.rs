//! Team benchmark (issue 15), reported not asserted: `cargo bench -p keyward-team --bench team`.
//!
//! A real PostgreSQL (crates/test-postgres) with the team schema and 50 members, each a real
//! role in keyward_member: 49 seeded with 200 rows each through their own role (so defaults
//! and row-level security apply), the 50th a real inventory of 200 keys publishing through
//! keyward-team — 10,000 rows. Measured: the first publish (200 rows), the publish latency of
//! one change, the team review (pull of 10,000 rows + review over them, and the review alone
//! over the pulled copy), against the baseline measured in the same run: the local review over
//! a SQLite inventory (a file, WAL) of 10,000 keys.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is the bench's failure report

#[path = "../../keyward/benches/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use keyward::inventory::ReviewQuery;
use keyward::store::{NewAuditEvent, Store};
use keyward::vault::{MemoryVault, Vault};
use keyward::{Config, Inventory, KeyPatch, KeyRecord, Secret};
use keyward_team::TeamReviewQuery;
use test_postgres::TestPostgres;

const MEMBERS: usize = 50;
const KEYS_PER_MEMBER: usize = 200;
const DB: &str = "postgres";

const PURPOSES: [&str; 4] = [
    "send transactional email",
    "ingest events",
    "read published blog content",
    "purge cache",
];

/// The core benches' synthetic key, aged up to 200 days, with the team's purposes.
fn record(i: usize) -> KeyRecord {
    KeyRecord {
        purpose: PURPOSES[(i / 3) % PURPOSES.len()].into(),
        created_at: Utc::now() - chrono::Duration::days((i % 200) as i64),
        ..support::synthetic(i)
    }
}

/// An inventory of `n` keys on a SQLite file, their values in an in-memory vault (so the
/// review sees no orphans).
async fn inventory(dir: &std::path::Path, n: usize) -> Inventory {
    let store = Store::open(&dir.join("keyward.db")).await.unwrap();
    let vault = Arc::new(MemoryVault::new());
    let records: Vec<KeyRecord> = (0..n).map(record).collect();
    for chunk in records.chunks(1000) {
        let events: Vec<NewAuditEvent> = chunk
            .iter()
            .map(|r| NewAuditEvent {
                actor: "bench".into(),
                action: "created",
                key_id: Some(r.id),
                key_name: Some(r.name.clone()),
                detail: String::new(),
            })
            .collect();
        store.insert_keys(chunk, &events).await.unwrap();
    }
    for r in &records {
        vault
            .set(&r.id.to_string(), &Secret::new(format!("value-{}", r.id)))
            .unwrap();
    }
    Inventory::with_store(store, vault, Config::at(dir.to_path_buf())).await
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn timed<T, F: std::future::Future<Output = T>>(f: F) -> (T, Duration) {
    let start = Instant::now();
    let out = f.await;
    (out, start.elapsed())
}

#[tokio::main]
async fn main() {
    let samples: usize = std::env::var("KEYWARD_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let pg = TestPostgres::start().expect("postgres");
    let admin = Some(Secret::new(pg.admin_password().into()));
    keyward_team::init(&pg.url(pg.admin_user(), DB), admin)
        .await
        .expect("init");
    let mut sql = String::new();
    for m in 0..MEMBERS {
        sql.push_str(&format!(
            "CREATE ROLE member{m:02} LOGIN PASSWORD 'member{m:02}-pw' IN ROLE keyward_member;"
        ));
    }
    pg.psql(DB, &sql).unwrap();
    // 49 members seeded through their own roles (RLS and `member` default apply).
    let seed_start = Instant::now();
    for m in 1..MEMBERS {
        pg.psql(
            DB,
            &format!(
                "SET ROLE member{m:02}; \
                 INSERT INTO keyward.keys (key_id, provider, kind, name, environment, purpose, \
                 owner, tags, status, state, created_at, updated_at, next_rotation_due, findings) \
                 SELECT gen_random_uuid(), (ARRAY['postmark','posthog','postman','cloudflare'])[1 + i % 4], \
                 'api_key', 'key ' || i, (ARRAY['dev','staging','prod'])[1 + i % 3], \
                 'purpose ' || (i % 5), 'owner' || (i % 40), ARRAY['team' || (i % 12)], 'active', \
                 CASE WHEN i % 10 = 0 THEN 'overdue' ELSE 'ok' END, now() - make_interval(days => i % 200), now(), \
                 now() + make_interval(days => 90 - i % 200), \
                 CASE WHEN i % 10 = 0 THEN '[{{\"kind\":\"stale\",\"attention\":\"action\",\"severity\":\"high\",\"reason\":\"older than its policy\"}}]'::jsonb ELSE '[]'::jsonb END \
                 FROM generate_series(1, {KEYS_PER_MEMBER}) AS i;"
            ),
        )
        .unwrap();
    }
    let seeded = seed_start.elapsed();

    // The 50th member: a real inventory that joins and publishes.
    let dir = tempfile::tempdir().unwrap();
    let member_dir = dir.path().join("member00");
    std::fs::create_dir_all(&member_dir).unwrap();
    let inv = inventory(&member_dir, KEYS_PER_MEMBER).await;
    let (joined, first_publish) = timed(keyward_team::join(
        &inv,
        &pg.url("member00", DB),
        Secret::new("member00-pw".into()),
    ))
    .await;
    let status = joined.expect("join");
    assert_eq!(status.queued, 0, "{status:?}");
    let rows: i64 = pg
        .psql(DB, "SELECT count(*) FROM keyward.keys")
        .unwrap()
        .trim()
        .parse()
        .unwrap();

    // Publish latency of one change: edit one key, publish.
    let keys = inv.list(&keyward::KeyFilter::default()).await.unwrap();
    let mut publish = Vec::new();
    for i in 0..samples {
        inv.update(
            keys[i % keys.len()].id,
            KeyPatch {
                purpose: Some(format!("changed {i}")),
                ..KeyPatch::default()
            },
        )
        .await
        .unwrap();
        let (n, took) = timed(keyward_team::publish(&inv, Duration::from_secs(5))).await;
        assert!(n.unwrap().unwrap_or(0) >= 1);
        publish.push(took);
    }

    // Team review: a fresh pull of the 10,000 rows, then the review over them.
    let mut pull_and_review = Vec::new();
    let mut review_only = Vec::new();
    let mut reviewed = 0;
    for _ in 0..samples {
        let start = Instant::now();
        keyward_team::sync(&inv).await.unwrap();
        let (review, took) = timed(keyward_team::review(&inv, &TeamReviewQuery::default())).await;
        pull_and_review.push(start.elapsed());
        review_only.push(took);
        reviewed = review.unwrap().keys.len();
    }

    // Baseline, same run: the local review over a SQLite inventory of 10,000 keys.
    let local_dir = dir.path().join("local");
    std::fs::create_dir_all(&local_dir).unwrap();
    let local = inventory(&local_dir, MEMBERS * KEYS_PER_MEMBER).await;
    let mut local_review = Vec::new();
    let mut local_keys = 0;
    for _ in 0..samples {
        let (review, took) = timed(local.review(&ReviewQuery::default())).await;
        local_review.push(took);
        local_keys = review.unwrap().key_count;
    }

    let (pub50, pub95) = support::percentiles(publish);
    let (team50, team95) = support::percentiles(pull_and_review);
    let (only50, only95) = support::percentiles(review_only);
    let (local50, local95) = support::percentiles(local_review);
    println!("## Teams: {MEMBERS} members × {KEYS_PER_MEMBER} keys ({rows} rows on PostgreSQL)\n");
    println!(
        "Seeding 49 members through their roles: {:.0} ms; first publish of one member's \
         {KEYS_PER_MEMBER} keys (join): {:.0} ms. {samples} samples each.\n",
        ms(seeded),
        ms(first_publish)
    );
    println!("| measure | rows | p50 ms | p95 ms | × local review (p50) |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| local review, SQLite, baseline | {local_keys} | {local50:.1} | {local95:.1} | 1.00 |"
    );
    println!(
        "| team review: pull + review | {reviewed} | {team50:.1} | {team95:.1} | {:.2} |",
        team50 / local50
    );
    println!(
        "| team review over the pulled copy | {reviewed} | {only50:.1} | {only95:.1} | {:.2} |",
        only50 / local50
    );
    println!(
        "| publish one change | 1 | {pub50:.1} | {pub95:.1} | {:.2} |",
        pub50 / local50
    );
}
