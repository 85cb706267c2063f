// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// Every freed heap block is wiped before it is reused (see docs/security.md): copies of a key
/// made inside libraries (WebKit's IPC answer as Rust builds it, serde_json, hyper) do not
/// outlive their use.
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);

fn main() {
    keyward_desktop::run();
}
