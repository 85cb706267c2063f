//! A real fixed-window rate limiter per provider, answering with the provider's own 429.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Whose requests share one window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitScope {
    /// Every request to the provider (what a benchmark of one client wants).
    #[default]
    Provider,
    /// Each credential separately (what the providers document: per user / per key).
    Credential,
}

/// A provider's limit: `requests` per `window_secs`. `requests: 0` = no limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    pub requests: u32,
    pub window_secs: u64,
    pub per: LimitScope,
    /// Header that carries the retry-after seconds on a 429; `None` = the provider's own
    /// (Postman `X-RateLimit-RetryAfter`, others `Retry-After`); `""` = send none.
    pub retry_header: Option<String>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            requests: 0,
            window_secs: 60,
            per: LimitScope::Provider,
            retry_header: None,
        }
    }
}

impl RateLimitConfig {
    pub fn new(requests: u32, window_secs: u64) -> RateLimitConfig {
        RateLimitConfig {
            requests,
            window_secs,
            ..RateLimitConfig::default()
        }
    }

    /// The documented limits: Postman 300/min, Cloudflare 1200/5 min. SendGrid: "Each
    /// Web API response includes rate-limit headers" but the number is per endpoint and not
    /// published for the key endpoints, so a generous 10 000/min per key keeps the headers
    /// coming without getting in a test's way
    /// (https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits).
    /// Other providers document no number, so they start unlimited (set one in the seed or
    /// at run time).
    pub fn default_for(provider: &str) -> RateLimitConfig {
        match provider {
            "postman" => RateLimitConfig::new(300, 60),
            "cloudflare" => RateLimitConfig::new(1200, 300),
            "sendgrid" => RateLimitConfig {
                per: LimitScope::Credential,
                ..RateLimitConfig::new(10_000, 60)
            },
            _ => RateLimitConfig::default(),
        }
    }
}

/// The limiter's answer for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// No limit configured.
    Unlimited,
    Allowed {
        limit: u32,
        remaining: u32,
        reset_in: Duration,
    },
    Limited {
        limit: u32,
        retry_after_secs: u64,
        reset_in: Duration,
    },
}

#[derive(Debug)]
struct Window {
    start: Instant,
    count: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Limiter {
    windows: HashMap<(String, u64), Window>,
}

impl Limiter {
    pub fn clear(&mut self) {
        self.windows.clear();
    }

    pub fn check(
        &mut self,
        provider: &str,
        bucket: u64,
        cfg: &RateLimitConfig,
        now: Instant,
    ) -> Decision {
        if cfg.requests == 0 {
            return Decision::Unlimited;
        }
        let window = Duration::from_secs(cfg.window_secs.max(1));
        let bucket = match cfg.per {
            LimitScope::Provider => 0,
            LimitScope::Credential => bucket,
        };
        let w = self
            .windows
            .entry((provider.to_owned(), bucket))
            .or_insert(Window {
                start: now,
                count: 0,
            });
        if now.duration_since(w.start) >= window {
            w.start = now;
            w.count = 0;
        }
        let reset_in = window.saturating_sub(now.duration_since(w.start));
        if w.count >= cfg.requests {
            let secs = reset_in.as_secs() + u64::from(reset_in.subsec_nanos() > 0);
            return Decision::Limited {
                limit: cfg.requests,
                retry_after_secs: secs.max(1),
                reset_in,
            };
        }
        w.count += 1;
        Decision::Allowed {
            limit: cfg.requests,
            remaining: cfg.requests - w.count,
            reset_in,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_fills_then_resets() {
        let mut l = Limiter::default();
        let cfg = RateLimitConfig::new(2, 10);
        let t0 = Instant::now();
        assert!(matches!(
            l.check("p", 1, &cfg, t0),
            Decision::Allowed { remaining: 1, .. }
        ));
        assert!(matches!(
            l.check("p", 2, &cfg, t0),
            Decision::Allowed { remaining: 0, .. }
        ));
        match l.check("p", 3, &cfg, t0 + Duration::from_millis(2500)) {
            Decision::Limited {
                retry_after_secs, ..
            } => assert_eq!(retry_after_secs, 8),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            l.check("p", 1, &cfg, t0 + Duration::from_secs(10)),
            Decision::Allowed { remaining: 1, .. }
        ));
    }

    #[test]
    fn per_credential_buckets() {
        let mut l = Limiter::default();
        let cfg = RateLimitConfig {
            per: LimitScope::Credential,
            ..RateLimitConfig::new(1, 60)
        };
        let t0 = Instant::now();
        assert!(matches!(
            l.check("p", 1, &cfg, t0),
            Decision::Allowed { .. }
        ));
        assert!(matches!(
            l.check("p", 2, &cfg, t0),
            Decision::Allowed { .. }
        ));
        assert!(matches!(
            l.check("p", 1, &cfg, t0),
            Decision::Limited { .. }
        ));
        assert_eq!(
            l.check("p", 1, &RateLimitConfig::default(), t0),
            Decision::Unlimited
        );
    }
}
