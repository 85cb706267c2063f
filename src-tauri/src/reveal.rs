//! One-time permission to show a new key's value in the window ("Show once").
//!
//! Creating or rotating a key through the window issues a token for that key; `key_reveal`
//! redeems it once, within [`REVEAL_TTL`], and only then reads the value from the keychain and
//! sends it over IPC. Without a token (any stored key, or a second click) nothing crosses.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long after creation "Show once" still works.
pub const REVEAL_TTL: Duration = Duration::from_secs(10 * 60);

#[derive(Default)]
pub struct RevealTokens {
    issued: Mutex<HashMap<String, (Uuid, Instant)>>,
}

impl RevealTokens {
    /// A fresh random token allowing one reveal of `key`'s current value.
    pub fn issue(&self, key: Uuid) -> String {
        let token = Uuid::new_v4().simple().to_string();
        let mut issued = self.lock();
        let now = Instant::now();
        issued.retain(|_, (_, at)| now.duration_since(*at) < REVEAL_TTL);
        issued.insert(token.clone(), (key, now));
        token
    }

    /// Spends the token: true only for the key it was issued for, once, before it expires.
    pub fn redeem(&self, key: Uuid, token: &str) -> bool {
        match self.lock().remove(token) {
            Some((for_key, at)) => for_key == key && at.elapsed() < REVEAL_TTL,
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Uuid, Instant)>> {
        // A panic while holding this lock cannot leave the map inconsistent: keep using it.
        self.issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_works_once_and_only_for_its_key() {
        let tokens = RevealTokens::default();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let t = tokens.issue(a);
        assert!(!tokens.redeem(b, &t), "another key's token must not reveal");
        // The failed attempt spent it too: a guessed pairing gets one try.
        assert!(!tokens.redeem(a, &t), "a token is spent by any attempt");
        let t = tokens.issue(a);
        assert!(tokens.redeem(a, &t));
        assert!(!tokens.redeem(a, &t), "second reveal must fail");
        assert!(!tokens.redeem(a, "made-up"));
    }
}
