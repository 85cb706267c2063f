#![allow(clippy::unwrap_used)]
//! The shipped desktop binary hardens itself first thing (issue 13): not dumpable, zero core
//! limit. Read from the running binary, not from a call inside the test process: the release
//! build when `KEYWARD_MEMORY_APP` names it (scripts/test.sh does), else this build's.
//!
//! The app is given a display that does not exist, so it stops right after hardening and
//! logging; `memory_scan::hardening_at_exit` reads its state at that exit, as `nobody`.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn the_shipped_app_is_not_dumpable_and_has_no_core_limit() {
    let binary = match std::env::var_os("KEYWARD_MEMORY_APP") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_keyward-desktop")),
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let mut command = Command::new(&binary);
    command
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.path())
        .env("KEYWARD_DATA_DIR", dir.path().join("data"))
        .env("DISPLAY", ":65000")
        .env("GDK_BACKEND", "x11")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .current_dir(dir.path());
    let hardening = memory_scan::hardening_at_exit(&command).unwrap_or_else(|e| {
        panic!(
            "{} as nobody: {e} (reading another user's process needs root; make test runs as root)",
            binary.display()
        )
    });
    assert_eq!(
        hardening.core_limit,
        ("0".to_owned(), "0".to_owned()),
        "RLIMIT_CORE of the running app must be 0 0 ({hardening:?})"
    );
    assert!(
        !hardening.dumpable,
        "the running app did not mark itself non-dumpable ({hardening:?})"
    );
}
