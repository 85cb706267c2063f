//! Process hardening shared by the desktop app and the CLI: the memory of a Keyward process
//! holds secrets, so it must not end up in a core dump or a crash reporter's file, and other
//! processes of the same user must not read it (ptrace, `/proc/PID/mem`). KeePassXC does the
//! same at start-up.

/// Why hardening could not be applied. Callers log it and carry on: an unhardened process is
/// no worse than before, and refusing to start would lock the user out of their keys.
#[derive(Debug, thiserror::Error)]
pub enum HardeningError {
    #[error("could not disable core dumps: {0}")]
    CoreLimit(String),
    #[error("could not mark the process as not dumpable: {0}")]
    Dumpable(String),
}

/// Disables core dumps and marks the process not dumpable (Linux). Call first thing in `main`,
/// before any secret is read. A no-op elsewhere for now (macOS/Windows: untried).
///
/// `exec` resets the dumpable flag, so every Keyward process (the CLI's clipboard holder too)
/// calls this itself.
pub fn deny_memory_access() -> Result<(), HardeningError> {
    #[cfg(target_os = "linux")]
    {
        use nix::sys::resource::{setrlimit, Resource};
        setrlimit(Resource::RLIMIT_CORE, 0, 0)
            .map_err(|e| HardeningError::CoreLimit(e.to_string()))?;
        nix::sys::prctl::set_dumpable(false)
            .map_err(|e| HardeningError::Dumpable(e.to_string()))?;
    }
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn leaves_the_process_without_core_dumps_and_not_dumpable() {
        // Runs in its own process under nextest; harmless under `cargo test` too.
        deny_memory_access().unwrap();
        let (soft, hard) =
            nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_CORE).unwrap();
        assert_eq!((soft, hard), (0, 0));
        assert!(!nix::sys::prctl::get_dumpable().unwrap());
    }
}
