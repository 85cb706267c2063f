//! The rate gate of one rotation run: a 429 on a write pauses every write to that provider
//! for its `Retry-After`, shared by the rotations of the run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Shared by every rotation of one bulk run: when a provider answers 429, every task waits
/// out its `Retry-After` before the next write to that provider, instead of each one
/// collecting its own 429.
#[derive(Default)]
pub struct RateGate {
    until: Mutex<HashMap<String, tokio::time::Instant>>,
    limited: AtomicUsize,
}

impl RateGate {
    pub(super) async fn wait(&self, provider: &str) {
        let at = self
            .until
            .lock()
            .ok()
            .and_then(|m| m.get(provider).copied());
        if let Some(at) = at {
            tokio::time::sleep_until(at).await;
        }
    }

    pub(super) fn hold(&self, provider: &str, wait: Duration) {
        self.limited.fetch_add(1, Ordering::Relaxed);
        let at = tokio::time::Instant::now() + wait;
        if let Ok(mut m) = self.until.lock() {
            let slot = m.entry(provider.to_owned()).or_insert(at);
            if *slot < at {
                *slot = at;
            }
        }
    }

    /// Rate-limit answers (429) received on the write path so far.
    pub fn limited_count(&self) -> usize {
        self.limited.load(Ordering::Relaxed)
    }
}
