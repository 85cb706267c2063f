//! What the window's commands share: the core inventory and the clipboard holder.

use keyward::clipboard::ClipboardHold;
use keyward::{Inventory, Secret};
use std::time::Duration;

pub struct AppState {
    pub inventory: Inventory,
}

impl AppState {
    pub fn new(inventory: Inventory) -> AppState {
        AppState { inventory }
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
