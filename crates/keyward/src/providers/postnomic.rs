//! Postnomic (seed 004): a read-only blog content API. Keys are made and revoked in the
//! dashboard; verification is a probe (`X-Api-Key`, 401 = bad key) against a path the
//! connection may configure.

use async_trait::async_trait;
use reqwest::Method;

use super::api::{ClientError, Verification};
use super::probe;
use super::profile::{
    purpose, KeyKindProfile, Presentation, Privilege, ProviderProfile, PurposeProfile, ALL_MANUAL,
};
use super::{Endpoint, Provider};
use crate::secret::Secret;

pub(super) struct Postnomic;

#[async_trait]
impl Provider for Postnomic {
    fn profile(&self) -> &'static ProviderProfile {
        &PROFILE
    }

    async fn verify(
        &self,
        at: &Endpoint<'_>,
        _kind: &'static KeyKindProfile,
        key: &Secret,
    ) -> Result<Verification, ClientError> {
        probe::verify_at(
            at,
            Method::GET,
            "/api/v1/posts",
            Presentation::Header,
            "X-Api-Key",
            key,
        )
        .await
    }
}

pub(super) const PROFILE: ProviderProfile = ProviderProfile {
    id: "postnomic",
    display_name: "Postnomic",
    // Not documented: the verify/probe URL is configured by the user.
    default_base_url: None,
    dashboard_url: POSTNOMIC_DASHBOARD,
    docs_url: POSTNOMIC_DASHBOARD,
    kinds: POSTNOMIC_KINDS,
    purposes: POSTNOMIC_PURPOSES,
    env_prefix: "POSTNOMIC",
    admin_kind: None,
    created_kind: None,
    regions: &[],
};
const POSTNOMIC_DASHBOARD: &str = "https://postnomic.com";

const POSTNOMIC_KINDS: &[KeyKindProfile] = &[KeyKindProfile {
    id: "blog_key",
    display_name: "Blog API key",
    presentation: Presentation::Header,
    presentation_name: "X-Api-Key",
    prefix: Some("pk_"),
    // Documented only as "pk_ + unique identifier", e.g. pk_myblog_production_a1b2c3d4e5.
    pattern: Some(r"^pk_[A-Za-z0-9_-]{4,256}$"),
    shape: "starts with pk_ followed by an identifier of letters, digits, underscores or hyphens",
    privilege: Privilege::ReadOnly,
    client_safe: false,
    operations: ALL_MANUAL,
    reports_last_use: false,
    dashboard_url: POSTNOMIC_DASHBOARD,
    notes: "Read-only access to one blog's published content. Created and revoked in the \
            dashboard (Settings → API Keys), shown once in full; revocation is immediate. \
            Management uses a JWT (Auth0), not an API key. No verify endpoint is documented: \
            verification is a probe against a URL you configure (401 = bad key), so it is \
            marked manual. The docs say to keep it server-side. The public site and API base \
            URL are not documented; the dashboard link is a best guess.",
}];

const POSTNOMIC_PURPOSES: &[PurposeProfile] = &[purpose(
    "read_blog_content",
    "Read published blog content",
    "blog_key",
    &[],
)];
