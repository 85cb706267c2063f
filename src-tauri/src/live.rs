//! The window follows the inventory live (issue 16): a key that `keyward add` or `import` in a
//! terminal stores shows up without a click. The core watches the database
//! (`keyward::store::watch`, which ignores this process's own writes); this module passes each
//! change to the page over the Channel the page handed to `inventory_watch`. A Channel rather
//! than a global Tauri event: the page's capability stays "exactly Keyward's own commands"
//! (listening to events would need `core:event:allow-listen`), as for the other streams.

use crate::dto::InventoryChangedDto;
use crate::error::AppError;
use crate::state::AppState;
use keyward::store::watch::POLL_EVERY;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};

/// After a failed look (database busy or gone), wait this long before the next.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// Where changes go: the Channel of the page that asked last (a reloaded page asks again).
#[derive(Default)]
pub struct LiveUpdates {
    page: Mutex<Option<Channel<InventoryChangedDto>>>,
    changes: AtomicU64,
}

impl LiveUpdates {
    fn subscribe(&self, channel: Channel<InventoryChangedDto>) {
        *self.page.lock().unwrap_or_else(|p| p.into_inner()) = Some(channel);
    }

    /// Tells the page that the inventory changed elsewhere. A page that went away is not an
    /// error: the next page subscribes again.
    pub fn changed(&self) {
        let change = self.changes.fetch_add(1, Ordering::SeqCst) + 1;
        let page = self.page.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(channel) = page.as_ref() {
            if let Err(e) = channel.send(InventoryChangedDto { change }) {
                tracing::debug!("the page missed an inventory change: {e}");
            }
        }
    }
}

/// The page asks to be told when the inventory changes outside the window.
#[tauri::command]
pub fn inventory_watch(
    state: State<'_, AppState>,
    on_change: Channel<InventoryChangedDto>,
) -> Result<(), AppError> {
    state.live.subscribe(on_change);
    Ok(())
}

/// Starts watching the inventory for as long as the app runs.
pub fn spawn_watch<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let mut watch = match keyward::api::keys::watch(&state.inventory).await {
            Ok(watch) => watch,
            Err(e) => {
                tracing::warn!("changes made outside the window will not show until Refresh: {e}");
                return;
            }
        };
        loop {
            match watch.changed(POLL_EVERY).await {
                Ok(()) => {
                    // The core's in-memory inventory reloads before the page asks again.
                    keyward::api::keys::changed_elsewhere(&state.inventory);
                    state.live.changed();
                }
                Err(e) => {
                    tracing::warn!("watching the inventory for changes: {e}");
                    tokio::time::sleep(RETRY_AFTER).await;
                }
            }
        }
    });
}
