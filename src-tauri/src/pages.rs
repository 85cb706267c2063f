//! Provider pages opened in the system browser: the window names a provider and a page, never
//! a URL, and the backend opens the address the provider's profile (or the user's description
//! of a custom provider) gives. The window's capability grants no opener permission, so a
//! script in the page cannot send the browser anywhere else (an exfiltration channel).

use crate::error::AppError;
use crate::state::AppState;
use keyward::api::providers::{self, ProviderPage};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

/// Opens a provider's dashboard or docs in the system browser.
#[tauri::command]
pub async fn provider_page_open<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    provider: String,
    kind: Option<String>,
    page: ProviderPage,
) -> Result<(), AppError> {
    let url = providers::page(&state.inventory, &provider, kind.as_deref(), page).await?;
    tracing::info!(provider, ?page, %url, "opening a provider page");
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| AppError {
            code: "open_failed",
            message: format!("cannot open {url} in the browser: {e}"),
        })
}
