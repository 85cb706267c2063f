// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// Every freed heap block is wiped before it is reused (see docs/security.md): copies of a key
/// made inside libraries (the IPC answer as Rust builds it, serde_json, hyper) do not
/// outlive their use.
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);

fn main() {
    // Before anything else: the C and WebKit allocators read their settings at start.
    #[cfg(target_os = "linux")]
    if let Some(e) = keyward_desktop::wiping_allocators::restart_with_them() {
        eprintln!("keyward: warning: freed C and WebKit memory is not wiped (restart failed: {e})");
    }
    keyward_desktop::run();
}
