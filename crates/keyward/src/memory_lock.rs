//! Keeps the pages that hold secrets out of swap (`mlock`; `VirtualLock` on Windows).
//!
//! A page stays locked for the life of the process: `mlock` does not count, so unlocking
//! when one secret is dropped would unlock another secret on the same page. The allocator
//! hands the same few pages out again, so the locked set stays small, and the zeroizing
//! global allocator of both binaries wipes a secret's bytes when it is freed.
//!
//! `RLIMIT_MEMLOCK` bounds what an unprivileged process may lock (often 8 MiB, sometimes
//! 64 KiB). Past it, Keyward says so once in its log and carries on: an unlocked secret is
//! no worse than before, and refusing to work would lock the user out of their keys.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set once locking has failed: later secrets are not tried (nor logged) again.
static GAVE_UP: AtomicBool = AtomicBool::new(false);

/// Locks the pages under `bytes` (a secret's whole heap buffer, capacity included).
pub(crate) fn lock(bytes: *const u8, len: usize) {
    if len == 0 || GAVE_UP.load(Ordering::Relaxed) {
        return;
    }
    match region::lock(bytes, len) {
        // Never unlocked: see the module's comment.
        Ok(guard) => std::mem::forget(guard),
        Err(e) => {
            if !GAVE_UP.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "cannot lock secrets in memory ({e}); they may be written to swap. \
                     The limit on locked memory is {}: raise it (ulimit -l, or LimitMEMLOCK= \
                     in a systemd unit) to keep them in RAM",
                    limit_text()
                );
            }
        }
    }
}

fn limit_text() -> String {
    #[cfg(target_os = "linux")]
    {
        use nix::sys::resource::{getrlimit, Resource};
        if let Ok((soft, _)) = getrlimit(Resource::RLIMIT_MEMLOCK) {
            return format!("{} KiB", soft / 1024);
        }
    }
    "unknown".to_owned()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    fn locked_kib() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmLck:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    #[test]
    fn a_secret_s_pages_are_locked() {
        // Over 128 KiB: malloc maps fresh pages for it, never ones an earlier test locked.
        let before = locked_kib();
        let secret = crate::Secret::new("kw-locked-canary-1234567890".repeat(8000));
        assert!(
            locked_kib() > before,
            "VmLck did not grow after a secret was created ({before} kB)"
        );
        drop(secret);
    }
}
