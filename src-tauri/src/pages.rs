//! Provider pages opened in the system browser: the window names a provider and a page, never
//! a URL, and the backend opens the address the provider's profile (or the user's description
//! of a custom provider) gives. The window's capability grants no opener permission, so a
//! script in the page cannot send the browser anywhere else (an exfiltration channel).

use crate::error::AppError;
use crate::state::AppState;
use keyward::providers::CustomProviderSpec;
use serde::Deserialize;
use tauri::{AppHandle, Runtime, State, Url};
use tauri_plugin_opener::OpenerExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderPage {
    /// Where keys are made, rolled and revoked (the kind's own page when it has one).
    Dashboard,
    /// The provider's API documentation.
    Docs,
}

/// The https address of `page`, as the profile names it; `None` if it names none.
pub fn page_url(
    provider: &str,
    kind: Option<&str>,
    page: ProviderPage,
    custom: &[CustomProviderSpec],
) -> Option<Url> {
    let url = match keyward::providers::profile(provider) {
        Some(p) => match page {
            ProviderPage::Dashboard => kind
                .and_then(|k| p.kind(k))
                .map(|k| k.dashboard_url)
                .filter(|u| !u.is_empty())
                .unwrap_or(p.dashboard_url)
                .to_owned(),
            ProviderPage::Docs => p.docs_url.to_owned(),
        },
        None => {
            let spec = custom.iter().find(|c| c.id == provider)?;
            match page {
                ProviderPage::Dashboard => spec.dashboard_url.clone()?,
                ProviderPage::Docs => return None,
            }
        }
    };
    Url::parse(&url).ok().filter(|u| u.scheme() == "https")
}

/// Opens a provider's dashboard or docs in the system browser.
#[tauri::command]
pub async fn provider_page_open<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    provider: String,
    kind: Option<String>,
    page: ProviderPage,
) -> Result<(), AppError> {
    let custom = state.inventory.custom_providers().await?;
    let url = page_url(&provider, kind.as_deref(), page, &custom)
        .ok_or_else(|| AppError::invalid("this provider names no such page"))?;
    tracing::info!(provider, ?page, %url, "opening a provider page");
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| AppError {
            code: "open_failed",
            message: format!("cannot open {url} in the browser: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_profile_pages_have_an_address() {
        let url = page_url("postman", None, ProviderPage::Dashboard, &[]).unwrap();
        let named = keyward::providers::profile("postman")
            .unwrap()
            .dashboard_url;
        assert_eq!(url, Url::parse(named).unwrap());
        assert!(page_url("posthog", None, ProviderPage::Docs, &[]).is_some());
        assert_eq!(
            page_url("https://evil.example", None, ProviderPage::Dashboard, &[]),
            None
        );
        assert_eq!(page_url("acme", None, ProviderPage::Dashboard, &[]), None);
    }

    #[test]
    fn every_profile_page_is_https() {
        // The built-in "custom" profile names no page: the user's description does.
        for p in keyward::providers::profiles().filter(|p| !p.dashboard_url.is_empty()) {
            for page in [ProviderPage::Dashboard, ProviderPage::Docs] {
                assert!(
                    page_url(p.id, None, page, &[]).is_some(),
                    "{} {page:?} has no https address",
                    p.id
                );
            }
        }
    }
}
