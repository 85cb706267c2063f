//! Test-only pause points for crash tests: with the `test-hooks` feature (enabled only through
//! the CLI's dev-dependency) and `KEYWARD_TEST_PAUSE_AFTER=<point>` in the environment, the
//! process prints `KEYWARD_TEST_PAUSED <point>` to stderr right after that point and sleeps,
//! so a test can SIGKILL it there. Points: every step name (after its journal commit) and
//! `remote_created` (the provider returned a new value, nothing stored yet), `pending_stored`
//! (the new value is in the keychain, the journal not yet at `created`), `remote_revoked`
//! (the old key was revoked at the provider, the journal not yet at `old_revoked`).
//! Without the feature this is a no-op the compiler removes.

/// Pauses forever if the test asked to stop at `point`.
#[allow(unused_variables)]
pub fn pause_after(point: &str) {
    #[cfg(feature = "test-hooks")]
    {
        if std::env::var("KEYWARD_TEST_PAUSE_AFTER").ok().as_deref() == Some(point) {
            use std::io::Write;
            let mut err = std::io::stderr();
            let _ = writeln!(err, "KEYWARD_TEST_PAUSED {point}");
            let _ = err.flush();
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
    }
}
