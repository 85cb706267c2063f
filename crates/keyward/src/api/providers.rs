//! The provider catalogue as the front ends show it: every built-in profile and the user's own
//! descriptions, with what Keyward can do for each kind of key; detection from a key's shape;
//! and the provider pages a front end may open (only the https addresses the profiles name).

use crate::inventory::Inventory;
use crate::providers::shape::KeyShape;
use crate::providers::{
    CustomProviderSpec, Detection, KeyKindProfile, OpMode, Operations, Presentation, Privilege,
    PurposeProfile,
};
use crate::Result;
use serde::{Deserialize, Serialize};
use url::Url;

/// What a key of some shape is, with the masked hint it would get.
#[derive(Debug, Clone, Serialize)]
pub struct DetectionView {
    #[serde(flatten)]
    pub detection: Detection,
    pub masked_hint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindView {
    pub id: String,
    pub display_name: String,
    pub presentation: Presentation,
    pub presentation_name: String,
    pub prefix: Option<String>,
    pub privilege: Privilege,
    pub client_safe: bool,
    pub dashboard_url: String,
    pub notes: String,
    /// What Keyward can do with this kind through the API, guided, or not at all.
    pub operations: Operations,
}

impl From<&KeyKindProfile> for KindView {
    fn from(k: &KeyKindProfile) -> KindView {
        KindView {
            id: k.id.into(),
            display_name: k.display_name.into(),
            presentation: k.presentation,
            presentation_name: k.presentation_name.into(),
            prefix: k.prefix.map(Into::into),
            privilege: k.privilege,
            client_safe: k.client_safe,
            dashboard_url: k.dashboard_url.into(),
            notes: k.notes.into(),
            operations: k.operations,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PurposeView {
    pub id: String,
    pub label: String,
    pub minimal_kind: String,
    pub scopes: Vec<String>,
}

impl From<&PurposeProfile> for PurposeView {
    fn from(p: &PurposeProfile) -> PurposeView {
        PurposeView {
            id: p.id.into(),
            label: p.label.into(),
            minimal_kind: p.minimal_kind.into(),
            scopes: p.scopes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderView {
    pub id: String,
    pub display_name: String,
    pub dashboard_url: String,
    pub kinds: Vec<KindView>,
    pub purposes: Vec<PurposeView>,
    /// Hosted regions (a key belongs to one); empty: one global API.
    pub regions: Vec<RegionView>,
    pub custom: bool,
    /// True of every key of a kind and not changeable per key (Postman keys' full access):
    /// shown once on the provider instead of as a finding on each key.
    pub facts: Vec<ProviderFactView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderFactView {
    pub kind: String,
    pub kind_name: String,
    pub fact: String,
    pub advice: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionView {
    pub id: String,
    pub label: String,
    pub base_url: String,
}

impl ProviderView {
    pub fn built_in(p: &crate::providers::ProviderProfile) -> ProviderView {
        ProviderView {
            id: p.id.into(),
            display_name: p.display_name.into(),
            dashboard_url: p.dashboard_url.into(),
            kinds: p.kinds.iter().map(KindView::from).collect(),
            purposes: p.purposes.iter().map(PurposeView::from).collect(),
            regions: p
                .regions
                .iter()
                .map(|r| RegionView {
                    id: r.id.into(),
                    label: r.label.into(),
                    base_url: r.base_url.into(),
                })
                .collect(),
            custom: false,
            facts: crate::findings::facts_of(p)
                .into_iter()
                .map(|f| ProviderFactView {
                    kind: f.key_kind,
                    kind_name: f.key_kind_name,
                    fact: f.fact,
                    advice: f.advice,
                })
                .collect(),
        }
    }

    pub fn custom(c: &crate::providers::CustomProviderSpec) -> ProviderView {
        ProviderView {
            id: c.id.clone(),
            display_name: c.display_name.clone(),
            dashboard_url: c.dashboard_url.clone().unwrap_or_default(),
            kinds: vec![KindView {
                id: "api_key".into(),
                display_name: "API key".into(),
                presentation: c.presentation,
                presentation_name: c.presentation_name.clone(),
                prefix: c.prefix.clone(),
                privilege: Privilege::Scoped,
                client_safe: false,
                dashboard_url: c.dashboard_url.clone().unwrap_or_default(),
                notes: "Described by you.".into(),
                // Nothing of a custom provider is automated, but a verify URL can be probed.
                operations: Operations {
                    list: OpMode::Manual,
                    create: OpMode::Manual,
                    roll: OpMode::Manual,
                    revoke: OpMode::Manual,
                    verify: if c.verify_url.is_some() {
                        OpMode::Api
                    } else {
                        OpMode::Manual
                    },
                },
            }],
            purposes: Vec::new(),
            regions: Vec::new(),
            custom: true,
            facts: Vec::new(),
        }
    }
}

/// Every built-in provider, then the user's own.
pub async fn list(inv: &Inventory) -> Result<Vec<ProviderView>> {
    let custom = inv.custom_providers().await?;
    let built_in = crate::providers::profiles().map(ProviderView::built_in);
    Ok(built_in
        .chain(custom.iter().map(ProviderView::custom))
        .collect())
}

/// What a key of this shape is (the window sends the shape while the user types, never the
/// value), with the masked hint it would get.
pub async fn detect(inv: &Inventory, shape: KeyShape) -> Result<DetectionView> {
    let custom = inv.custom_providers().await?;
    let (detection, masked_hint) = shape
        .detect(&custom)
        .map_err(|e| crate::Error::invalid("key", e.to_string()))?;
    Ok(DetectionView {
        detection,
        masked_hint,
    })
}

/// Which page of a provider to open.
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
    let url = match crate::providers::profile(provider) {
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

/// The https address of a provider's page, as its profile (or the user's description) names it.
pub async fn page(
    inv: &Inventory,
    provider: &str,
    kind: Option<&str>,
    page: ProviderPage,
) -> Result<Url> {
    let custom = inv.custom_providers().await?;
    page_url(provider, kind, page, &custom)
        .ok_or_else(|| crate::Error::invalid("page", "this provider names no such page"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_profile_pages_have_an_address() {
        let url = page_url("postman", None, ProviderPage::Dashboard, &[]).unwrap();
        let named = crate::providers::profile("postman").unwrap().dashboard_url;
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
        for p in crate::providers::profiles().filter(|p| !p.dashboard_url.is_empty()) {
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
