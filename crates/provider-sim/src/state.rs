//! The running simulator's state, shared by the HTTP handlers and by in-process tests.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::faults::{self, Fault, FaultPlan};
use crate::ratelimit::{Decision, Limiter, RateLimitConfig};
use crate::seed::Seed;

/// How many requests `GET /_control/requests` remembers in order.
const LOG_CAPACITY: usize = 2000;

/// One request as the simulator saw it (never its headers or body).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// `None` when the connection was dropped without a response.
    pub status: Option<u16>,
    /// Which fault shaped the answer, if any (`latency`, `status`, `rate_limit`,
    /// `malformed_body`, `drop_connection`, or `rate_limiter` for the real limiter).
    pub fault: Option<String>,
}

/// A key as a test sees it: provider, kind, id, name, value, status. The value is here
/// because this is a test double's inspection API (loopback only, never logged).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct KeySummary {
    pub provider: String,
    pub kind: String,
    pub id: String,
    pub name: String,
    pub value: String,
    pub status: String,
    pub last_used: Option<DateTime<Utc>>,
}

pub(crate) struct Inner {
    pub data: Seed,
    initial: Seed,
    limiter: Limiter,
    counts: BTreeMap<String, u64>,
    log: VecDeque<RequestRecord>,
}

/// A handle on the running simulator's state: inspect and change it from a test.
#[derive(Clone)]
pub struct SimHandle {
    inner: Arc<Mutex<Inner>>,
}

impl SimHandle {
    pub(crate) fn new(seed: Seed) -> SimHandle {
        SimHandle {
            inner: Arc::new(Mutex::new(Inner {
                data: seed.clone(),
                initial: seed,
                limiter: Limiter::default(),
                counts: BTreeMap::new(),
                log: VecDeque::new(),
            })),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads or changes the provider data (keys, servers, projects, …) directly.
    pub fn with_data<R>(&self, f: impl FnOnce(&mut Seed) -> R) -> R {
        f(&mut self.lock().data)
    }

    /// A copy of the whole current state, in the seed format.
    pub fn snapshot(&self) -> Seed {
        self.lock().data.clone()
    }

    /// Back to the seed: data, faults and rate limits as first loaded; counts, log and
    /// limiter windows emptied.
    pub fn reset(&self) {
        let mut g = self.lock();
        g.data = g.initial.clone();
        g.limiter.clear();
        g.counts.clear();
        g.log.clear();
    }

    /// Requests seen per route, `"METHOD /path"` → count (control endpoints excluded).
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.lock().counts.clone()
    }

    /// Requests seen for one route, e.g. `"GET /postman/me"`.
    pub fn request_count(&self, route: &str) -> u64 {
        self.lock().counts.get(route).copied().unwrap_or(0)
    }

    /// All requests seen (control endpoints excluded).
    pub fn total_requests(&self) -> u64 {
        self.lock().counts.values().sum()
    }

    /// The last requests, oldest first.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.lock().log.iter().cloned().collect()
    }

    /// Forgets counts and log (keeps data and faults).
    pub fn clear_requests(&self) {
        let mut g = self.lock();
        g.counts.clear();
        g.log.clear();
    }

    pub fn faults(&self) -> Vec<Fault> {
        self.lock().data.faults.clone()
    }

    pub fn set_faults(&self, faults: Vec<Fault>) {
        self.lock().data.faults = faults;
    }

    pub fn add_fault(&self, fault: Fault) {
        self.lock().data.faults.push(fault);
    }

    pub fn clear_faults(&self) {
        self.lock().data.faults.clear();
    }

    /// Sets one provider's rate limit (and restarts its windows).
    pub fn set_rate_limit(&self, provider: &str, cfg: RateLimitConfig) {
        let mut g = self.lock();
        g.data.rate_limits.insert(provider.to_owned(), cfg);
        g.limiter.clear();
    }

    /// The rate limit in force for a provider.
    pub fn rate_limit(&self, provider: &str) -> RateLimitConfig {
        effective_limit(&self.lock().data, provider)
    }

    /// Every key the simulator knows, for one provider or all (`None`).
    pub fn keys(&self, provider: Option<&str>) -> Vec<KeySummary> {
        let g = self.lock();
        let mut out = all_keys(&g.data);
        if let Some(p) = provider {
            out.retain(|k| k.provider == p);
        }
        out
    }

    /// The key with this value, if any.
    pub fn key_by_value(&self, value: &str) -> Option<KeySummary> {
        all_keys(&self.lock().data)
            .into_iter()
            .find(|k| k.value == value)
    }

    /// Sets a key's last-used time (by provider and id, as in [`SimHandle::keys`]).
    /// Returns false when no such key exists.
    pub fn mark_used(&self, provider: &str, id: &str, when: DateTime<Utc>) -> bool {
        let mut g = self.lock();
        let d = &mut g.data;
        let hit = match provider {
            "postmark" => d
                .postmark
                .account_tokens
                .iter_mut()
                .find(|k| k.id == id)
                .map(|k| k.last_used = Some(when)),
            "postman" => d
                .postman
                .keys
                .iter_mut()
                .find(|k| k.id == id)
                .map(|k| k.last_used = Some(when)),
            "posthog" => d
                .posthog
                .personal_keys
                .iter_mut()
                .find(|k| k.id == id)
                .map(|k| k.last_used = Some(when))
                .or_else(|| {
                    d.posthog
                        .project_secret_keys
                        .iter_mut()
                        .find(|k| k.id == id)
                        .map(|k| k.last_used = Some(when))
                }),
            "cloudflare" => d
                .cloudflare
                .tokens
                .iter_mut()
                .find(|k| k.id == id)
                .map(|k| k.last_used_on = Some(when)),
            "sendgrid" => d
                .sendgrid
                .keys
                .iter_mut()
                .find(|k| k.api_key_id == id)
                .map(|k| k.last_used = Some(when)),
            "postmon" => d
                .postmon
                .keys
                .iter_mut()
                .find(|k| k.id == id)
                .map(|k| k.last_used = Some(when)),
            "postnomic" => d
                .postnomic
                .keys
                .iter_mut()
                .find(|k| k.id == id)
                .map(|k| k.last_used = Some(when)),
            _ => None,
        };
        hit.is_some()
    }

    // ---- behaviour switches (also `PATCH /_control/options`)

    /// PostHog `phs_` key list as a bare array (older self-hosted) instead of the paginated
    /// envelope.
    pub fn set_posthog_legacy_list(&self, legacy: bool) {
        self.lock().data.posthog.legacy_list = legacy;
    }

    /// How long a deleted SendGrid key keeps authenticating (0 = dies at once).
    pub fn set_sendgrid_delete_propagation(&self, delay: std::time::Duration) {
        self.lock().data.sendgrid.delete_propagation_ms =
            u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    }

    /// Which documented rate-limit header family Postman answers with.
    pub fn set_postman_rate_limit_headers(&self, style: crate::seed::PostmanRateLimitHeaders) {
        self.lock().data.postman.rate_limit_headers = style;
    }

    /// The permissions a Cloudflare token really has (groups on resources of their own
    /// scope), by token id; `None` when no such token exists.
    pub fn cloudflare_effective_permissions(
        &self,
        token_id: &str,
    ) -> Option<Vec<crate::providers::cloudflare::EffectivePermission>> {
        let g = self.lock();
        let t = g.data.cloudflare.tokens.iter().find(|t| t.id == token_id)?;
        Some(crate::providers::cloudflare::effective_permissions(
            &g.data, t,
        ))
    }

    // ---- used by the middleware

    pub(crate) fn count(&self, method: &str, path: &str) {
        let mut g = self.lock();
        *g.counts.entry(format!("{method} {path}")).or_insert(0) += 1;
    }

    pub(crate) fn record(&self, record: RequestRecord) {
        let mut g = self.lock();
        if g.log.len() >= LOG_CAPACITY {
            g.log.pop_front();
        }
        g.log.push_back(record);
    }

    pub(crate) fn plan_faults(
        &self,
        provider: Option<&str>,
        method: &str,
        path: &str,
    ) -> FaultPlan {
        let mut g = self.lock();
        faults::plan(&mut g.data.faults, provider, method, path)
    }

    pub(crate) fn rate_check(&self, provider: &str, bucket: u64) -> (Decision, RateLimitConfig) {
        let mut g = self.lock();
        let cfg = effective_limit(&g.data, provider);
        let d = g.limiter.check(provider, bucket, &cfg, Instant::now());
        (d, cfg)
    }
}

fn effective_limit(data: &Seed, provider: &str) -> RateLimitConfig {
    data.rate_limits
        .get(provider)
        .cloned()
        .unwrap_or_else(|| RateLimitConfig::default_for(provider))
}

fn status_word(active: bool) -> String {
    if active { "active" } else { "inactive" }.to_owned()
}

fn lower<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn all_keys(d: &Seed) -> Vec<KeySummary> {
    let mut out = Vec::new();
    let mut push = |provider: &str,
                    kind: &str,
                    id: &str,
                    name: &str,
                    value: &str,
                    status: String,
                    last_used| {
        out.push(KeySummary {
            provider: provider.to_owned(),
            kind: kind.to_owned(),
            id: id.to_owned(),
            name: name.to_owned(),
            value: value.to_owned(),
            status,
            last_used,
        })
    };
    for t in &d.postmark.account_tokens {
        push(
            "postmark",
            "account_token",
            &t.id,
            &t.name,
            &t.value,
            lower(&t.status),
            t.last_used,
        );
    }
    for s in &d.postmark.servers {
        for (i, v) in s.api_tokens.iter().enumerate() {
            let id = format!("server:{}:{i}", s.id);
            push(
                "postmark",
                "server_token",
                &id,
                &s.name,
                v,
                status_word(true),
                None,
            );
        }
    }
    for k in &d.postman.keys {
        push(
            "postman",
            "api_key",
            &k.id,
            &k.name,
            &k.value,
            lower(&k.status),
            k.last_used,
        );
    }
    for k in &d.posthog.personal_keys {
        push(
            "posthog",
            "personal",
            &k.id,
            &k.label,
            &k.value,
            lower(&k.status),
            k.last_used,
        );
    }
    for k in &d.posthog.project_secret_keys {
        push(
            "posthog",
            "project_secret",
            &k.id,
            &k.label,
            &k.value,
            status_word(true),
            k.last_used,
        );
    }
    for p in &d.posthog.projects {
        push(
            "posthog",
            "project",
            &p.id.to_string(),
            &p.name,
            &p.api_token,
            status_word(true),
            None,
        );
    }
    for t in &d.cloudflare.tokens {
        let kind = if t.account_id.is_some() {
            "account_token"
        } else {
            "user_token"
        };
        push(
            "cloudflare",
            kind,
            &t.id,
            &t.name,
            &t.value,
            lower(&t.effective_status()),
            t.last_used_on,
        );
    }
    for k in &d.sendgrid.keys {
        // A deleted key stays listed here as `revoked` (it may still authenticate during
        // the propagation delay).
        push(
            "sendgrid",
            "api_key",
            &k.api_key_id,
            &k.name,
            &k.value,
            lower(&k.status),
            k.last_used,
        );
    }
    for k in &d.postmon.keys {
        push(
            "postmon",
            "project_key",
            &k.id,
            &k.name,
            &k.value,
            lower(&k.status),
            k.last_used,
        );
    }
    for k in &d.postnomic.keys {
        push(
            "postnomic",
            "blog_key",
            &k.id,
            &k.name,
            &k.value,
            lower(&k.status),
            k.last_used,
        );
    }
    out
}
