//! What the window's commands share: the core inventory, the clipboard holder, the files
//! picked in dialogs, and when the process started (for the start-up benchmark's "interactive" signal).

use keyward::clipboard::ClipboardHold;
use keyward::{Inventory, Secret};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// If set, `app_ready` writes the Unix time in ms to this file (scripts/bench-desktop.sh).
pub const READY_FILE_ENV: &str = "KEYWARD_READY_FILE";

pub struct AppState {
    pub inventory: Inventory,
    /// One-time "Show once" permissions for keys just created or rotated in the window.
    pub reveal: crate::reveal::RevealTokens,
    /// The native file dialogs and the import files picked through them.
    pub files: crate::files::FileDialogs,
    /// Changes other processes make, passed to the page (issue 16).
    pub live: crate::live::LiveUpdates,
    /// Team changes passed to the page, and the team loop's wake-up call (issue 15).
    pub team: crate::team::TeamUpdates,
    started: Instant,
}

impl AppState {
    /// State whose start-up clock starts now (the app passes its real start to `started_at`).
    pub fn new(inventory: Inventory) -> AppState {
        AppState {
            inventory,
            reveal: Default::default(),
            files: Default::default(),
            live: Default::default(),
            team: Default::default(),
            started: Instant::now(),
        }
    }

    pub fn started_at(self, started: Instant) -> AppState {
        AppState { started, ..self }
    }

    /// The window shows the inventory: logs the time since start-up and, for benchmarks,
    /// writes the Unix time in ms to `$KEYWARD_READY_FILE`. Never fails the window.
    pub fn mark_ready(&self) {
        let elapsed = self.started.elapsed().as_millis();
        tracing::info!("window interactive after {elapsed} ms");
        if let Some(path) = std::env::var_os(READY_FILE_ENV).filter(|p| !p.is_empty()) {
            if let Err(e) = write_unix_ms(Path::new(&path)) {
                tracing::warn!("cannot write {READY_FILE_ENV}: {e}");
            }
        }
    }

    /// Puts the secret on the clipboard and clears it after `timeout` on a background thread
    /// (the app process owns the X11 selection for as long as it holds it).
    pub fn hold_on_clipboard(
        &self,
        secret: Secret,
        timeout: Duration,
    ) -> Result<(), keyward::Error> {
        let hold = ClipboardHold::copy(secret, timeout)?;
        std::thread::Builder::new()
            .name("clipboard-clear".into())
            .spawn(move || {
                let outcome = hold.wait_and_clear();
                tracing::debug!(?outcome, "clipboard hold ended");
            })
            .map_err(|e| {
                keyward::Error::Internal(format!("cannot start the clipboard timer: {e}"))
            })?;
        Ok(())
    }
}

/// Writes the current Unix time in milliseconds (decimal, no newline) to `path`.
pub fn write_unix_ms(path: &Path) -> std::io::Result<()> {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(std::io::Error::other)?
        .as_millis();
    std::fs::write(path, ms.to_string())
}
