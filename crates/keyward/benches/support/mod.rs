//! What the benchmarks share: synthetic key records and percentiles. Included as `mod support;`
//! by the core's benches and by path from keyward-team's; each uses part of it.
#![allow(dead_code)]

use chrono::Utc;
use keyward::{KeyRecord, KeyStatus};
use std::time::Duration;
use uuid::Uuid;

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

/// Key `i` of a synthetic inventory: providers, environments and purposes in turn, 40 owners,
/// 12 team tags, a distinct fingerprint each; no value, no connection. Benches change fields
/// with `KeyRecord { …, ..synthetic(i) }`.
pub fn synthetic(i: usize) -> KeyRecord {
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

/// A filler key of one kind (Postmark server tokens, no value, no connection): around the keys a
/// bench works on, only the inventory's size is what is measured.
pub fn filler(i: usize) -> KeyRecord {
    KeyRecord {
        provider: "postmark".into(),
        kind: "server_token".into(),
        name: format!("filler {i:06}"),
        environment: ENVS[i % ENVS.len()].into(),
        purpose: "send transactional email".into(),
        ..synthetic(i)
    }
}

/// p50 and p95 of `samples`, in ms.
pub fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |p: f64| {
        let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples[i].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.95))
}

/// p50 of `samples`, in ms.
pub fn p50_ms(samples: Vec<Duration>) -> f64 {
    percentiles(samples).0
}
