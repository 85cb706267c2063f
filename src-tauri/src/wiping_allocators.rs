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
//! So the app starts itself once more with them set (`exec`: same PID, same arguments). WebKit's
//! helper processes inherit them too. `KEYWARD_WIPE_FREED=0` turns this off; the cost is in
//! docs/security.md.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;

/// Set in the restarted process, so it does not restart again.
const MARKER: &str = "KEYWARD_WIPING_ALLOCATORS";
/// The byte glibc fills freed blocks with (any non-zero value turns the fill on). Then a fixed
/// mmap threshold (issue 14: memory at 10,000 keys): blocks of 128 KiB and more (the list's
/// chunks, their JSON, the catalog's load) get their own mapping, given back when freed;
/// glibc's default raises the threshold after such a free, and the heap then keeps them — wiped
/// by the fill, so resident. A fixed value also keeps the trim threshold where it is.
const PERTURB: &str =
    "glibc.malloc.perturb=165:glibc.malloc.tcache_count=0:glibc.malloc.mmap_threshold=131072";

/// Restarts the process with the wiping allocators, unless it already runs with them or the
/// user turned them off. Returns only if no restart happened; the error, if `exec` failed.
pub fn restart_with_them() -> Option<std::io::Error> {
    if std::env::var_os(MARKER).is_some()
        || std::env::var_os("KEYWARD_WIPE_FREED").is_some_and(|v| v == "0")
    {
        return None;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return Some(e),
    };
    let tunables = match std::env::var_os("GLIBC_TUNABLES") {
        Some(existing) if !existing.is_empty() => {
            let mut all = existing;
            all.push(":");
            all.push(PERTURB);
            all
        }
        _ => OsString::from(PERTURB),
    };
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("GLIBC_TUNABLES", tunables)
        .env("Malloc", "1")
        .env(MARKER, "1")
        .exec();
    Some(error)
}

/// Whether this process runs with the wiping allocators (for the log and the About box).
pub fn active() -> bool {
    std::env::var_os(MARKER).is_some()
}
