//! Wiping freed memory outside Rust's allocator (Linux).
//!
//! The Rust heap is wiped on free by the global allocator (`main.rs`). A value shown with
//! "Show once" also passes through C and C++ heaps in this process: WebKit's own allocator
//! (bmalloc) and glibc's `malloc` (GLib). The memory test found two copies of a revealed key
//! there after the wizard closed. Both allocators take their settings only when the process
//! starts, from its environment:
//! - `Malloc=1` makes WebKit use the system `malloc` instead of bmalloc;
//! - `GLIBC_TUNABLES=glibc.malloc.perturb=…` makes glibc fill every freed block, and
//!   `glibc.malloc.tcache_count=0` turns off the per-thread cache whose frees skip that fill.
//!
//! The desktop entry starts the app with them set (`src-tauri/keyward.desktop`, issue 14: no
//! second start). Started any other way without them, the app starts itself once more with them
//! (`exec`: same PID, same arguments), which costs loading the binary and its libraries again.
//! WebKit's helper processes inherit them either way. `KEYWARD_WIPE_FREED=0` turns the restart
//! off; the cost is in docs/security.md.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;

/// Set by the restart only: the log says which way the settings came (the package test checks
/// that the desktop entry's way needs no restart).
const RESTARTED: &str = "KEYWARD_WIPING_RESTART";

/// WebKit's switch to the system allocator, and its value.
const MALLOC: (&str, &str) = ("Malloc", "1");

/// glibc's settings, name and value. The byte freed blocks are filled with (any non-zero value
/// turns the fill on); no per-thread cache; then a fixed mmap threshold (issue 14: memory at
/// 10,000 keys): blocks of 128 KiB and more (the list's chunks, their JSON, the catalog's load)
/// get their own mapping, given back when freed; glibc's default raises the threshold after such
/// a free, and the heap then keeps them — wiped by the fill, so resident. A fixed value also
/// keeps the trim threshold where it is.
const TUNABLES: [(&str, &str); 3] = [
    ("glibc.malloc.perturb", "165"),
    ("glibc.malloc.tcache_count", "0"),
    ("glibc.malloc.mmap_threshold", "131072"),
];

/// Restarts the process with the wiping allocators, unless it already runs with them, is the
/// restart already (a `GLIBC_TUNABLES` this check cannot read, say not UTF-8, must not restart it
/// forever) or the user turned them off. Returns only if no restart happened; the error, if
/// `exec` failed.
pub fn restart_with_them() -> Option<std::io::Error> {
    if active() || restarted() || std::env::var_os("KEYWARD_WIPE_FREED").is_some_and(|v| v == "0") {
        return None;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return Some(e),
    };
    let tunables = with_ours(std::env::var_os("GLIBC_TUNABLES"));
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("GLIBC_TUNABLES", tunables)
        .env(MALLOC.0, MALLOC.1)
        .env(RESTARTED, "1")
        .exec();
    Some(error)
}

/// Whether this process started with the wiping allocators: its environment (what glibc and
/// WebKit read at start) holds `Malloc=1` and every setting in `GLIBC_TUNABLES`.
pub fn active() -> bool {
    let malloc = std::env::var_os(MALLOC.0);
    let tunables = std::env::var_os("GLIBC_TUNABLES");
    set_in(
        malloc.as_ref().and_then(|v| v.to_str()),
        tunables.as_ref().and_then(|v| v.to_str()),
    )
}

/// Whether this process is the restart (rather than started with the settings by its launcher).
pub fn restarted() -> bool {
    std::env::var_os(RESTARTED).is_some()
}

/// `Malloc` and `GLIBC_TUNABLES` turn the wiping on. glibc applies the tunables in order, so
/// a later value for the same name wins over ours.
fn set_in(malloc: Option<&str>, tunables: Option<&str>) -> bool {
    if malloc != Some(MALLOC.1) {
        return false;
    }
    let Some(tunables) = tunables else {
        return false;
    };
    TUNABLES.iter().all(|(name, value)| {
        tunables
            .rsplit(':')
            .filter_map(|setting| setting.split_once('='))
            .find(|(n, _)| n == name)
            .is_some_and(|(_, v)| v == *value)
    })
}

/// The user's tunables (if any) followed by ours.
fn with_ours(existing: Option<OsString>) -> OsString {
    let ours = TUNABLES
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(":");
    match existing {
        Some(mut all) if !all.is_empty() => {
            all.push(":");
            all.push(ours);
            all
        }
        _ => OsString::from(ours),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `VAR=value` words of the desktop entry's `Exec` line, before the binary.
    fn desktop_entry_env() -> Vec<(String, String)> {
        let entry = include_str!("../keyward.desktop");
        let exec = entry
            .lines()
            .find_map(|l| l.strip_prefix("Exec="))
            .expect("the desktop entry has an Exec line");
        let mut words = exec.split_whitespace();
        assert_eq!(words.next(), Some("env"), "Exec starts with env: {exec}");
        words
            .map_while(|w| w.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn the_desktop_entry_starts_the_app_with_every_setting() {
        let env = desktop_entry_env();
        let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert!(set_in(get("Malloc"), get("GLIBC_TUNABLES")), "{env:?}");
        // The restart sets the same, so the restarted process does not restart again.
        let restarted = with_ours(None);
        assert_eq!(get("GLIBC_TUNABLES"), restarted.to_str());
    }

    #[test]
    fn every_setting_must_be_in_effect() {
        let ours = with_ours(None).into_string().expect("ASCII");
        assert!(set_in(Some("1"), Some(&ours)));
        assert!(!set_in(None, Some(&ours)), "WebKit's bmalloc still on");
        assert!(!set_in(Some("0"), Some(&ours)));
        assert!(!set_in(Some("1"), None));
        // One setting missing.
        assert!(!set_in(
            Some("1"),
            Some("glibc.malloc.perturb=165:glibc.malloc.mmap_threshold=131072")
        ));
        // The user's own tunables before ours are kept; one after ours overrides it.
        let user_first = with_ours(Some(OsString::from("glibc.malloc.arena_max=2")))
            .into_string()
            .expect("ASCII");
        assert!(user_first.starts_with("glibc.malloc.arena_max=2:"));
        assert!(set_in(Some("1"), Some(&user_first)));
        assert!(!set_in(
            Some("1"),
            Some(&format!("{ours}:glibc.malloc.tcache_count=7"))
        ));
    }
}
