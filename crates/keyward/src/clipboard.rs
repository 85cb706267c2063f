//! Copying a secret to the system clipboard: marked to be left out of clipboard history where
//! the platform allows, and cleared after a timeout only if the clipboard still holds it.

use crate::secret::Secret;
use std::time::{Duration, Instant};

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum ClipboardError {
    #[error("no clipboard is available: {0}")]
    Unavailable(String),
    #[error("the clipboard refused the value: {0}")]
    Failed(String),
}

impl ClipboardError {
    /// The reason without the error's own prefix (to pass across a process boundary).
    pub fn reason(&self) -> &str {
        match self {
            ClipboardError::Unavailable(r) | ClipboardError::Failed(r) => r,
        }
    }
}

/// How a hold ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldOutcome {
    /// The timeout passed with our value still there; it was cleared.
    Cleared,
    /// Something else was copied meanwhile; left untouched.
    Replaced,
}

/// A clipboard holding one secret. On X11 the owner must stay alive to serve the value, so
/// the holder lives until [`ClipboardHold::wait_and_clear`] returns.
pub struct ClipboardHold {
    clipboard: arboard::Clipboard,
    secret: Secret,
    deadline: Instant,
}

fn unavailable(err: arboard::Error) -> ClipboardError {
    let hint = if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        " (neither $DISPLAY nor $WAYLAND_DISPLAY is set: run inside a graphical session)"
    } else {
        ""
    };
    ClipboardError::Unavailable(format!("{err}{hint}"))
}

impl ClipboardHold {
    /// Puts the secret on the clipboard now.
    pub fn copy(secret: Secret, timeout: Duration) -> Result<ClipboardHold, ClipboardError> {
        let mut clipboard = arboard::Clipboard::new().map_err(unavailable)?;
        set_excluded_from_history(&mut clipboard, &secret)?;
        Ok(ClipboardHold {
            clipboard,
            secret,
            deadline: Instant::now() + timeout,
        })
    }

    /// Blocks until the timeout, then clears the clipboard if it still holds our value.
    pub fn wait_and_clear(mut self) -> HoldOutcome {
        let now = Instant::now();
        if self.deadline > now {
            std::thread::sleep(self.deadline - now);
        }
        let still_ours = match self.clipboard.get_text() {
            Ok(text) => Secret::new(text) == self.secret,
            Err(_) => false,
        };
        if still_ours {
            // Clearing cannot leak anything; if it fails the value stays only until we exit
            // (X11 drops a selection whose owner is gone).
            let _ = self.clipboard.clear();
            HoldOutcome::Cleared
        } else {
            HoldOutcome::Replaced
        }
    }
}

#[cfg(target_os = "linux")]
fn set_excluded_from_history(
    clipboard: &mut arboard::Clipboard,
    secret: &Secret,
) -> Result<(), ClipboardError> {
    use arboard::SetExtLinux;
    clipboard
        .set()
        .exclude_from_history()
        // EXPOSE: the user asked for this value on the clipboard.
        .text(secret.expose())
        .map_err(|e| ClipboardError::Failed(e.to_string()))
}

#[cfg(any(target_os = "windows", target_os = "macos"))]
fn set_excluded_from_history(
    clipboard: &mut arboard::Clipboard,
    secret: &Secret,
) -> Result<(), ClipboardError> {
    #[cfg(target_os = "macos")]
    use arboard::SetExtApple as _;
    #[cfg(target_os = "windows")]
    use arboard::SetExtWindows as _;
    clipboard
        .set()
        .exclude_from_history()
        // EXPOSE: the user asked for this value on the clipboard.
        .text(secret.expose())
        .map_err(|e| ClipboardError::Failed(e.to_string()))
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn set_excluded_from_history(
    clipboard: &mut arboard::Clipboard,
    secret: &Secret,
) -> Result<(), ClipboardError> {
    // EXPOSE: the user asked for this value on the clipboard.
    clipboard
        .set_text(secret.expose())
        .map_err(|e| ClipboardError::Failed(e.to_string()))
}
