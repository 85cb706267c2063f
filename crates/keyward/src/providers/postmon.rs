//! Postmon (seed 000): analytics. No management API beyond the seed: one project key, sent
//! as the JSON body field `api_key`; verification is a probe against a path the connection
//! may configure (401 = bad key).

use async_trait::async_trait;
use reqwest::Method;

use super::api::{ClientError, Verification};
use super::probe;
use super::profile::{
    purpose, KeyKindProfile, Presentation, Privilege, ProviderProfile, PurposeProfile, ALL_MANUAL,
};
use super::{Endpoint, Provider};
use crate::secret::Secret;

pub(super) struct Postmon;

#[async_trait]
impl Provider for Postmon {
    fn profile(&self) -> &'static ProviderProfile {
        &PROFILE
    }

    async fn verify(
        &self,
        at: &Endpoint<'_>,
        _kind: &'static KeyKindProfile,
        key: &Secret,
    ) -> Result<Verification, ClientError> {
        // The seed's ingestion endpoint; a connection may name another.
        probe::verify_at(
            at,
            Method::POST,
            "/v1/event",
            Presentation::BodyField,
            "api_key",
            key,
        )
        .await
    }
}

pub(super) const PROFILE: ProviderProfile = ProviderProfile {
    id: "postmon",
    display_name: "Postmon",
    default_base_url: Some("https://api.postmon.io"),
    dashboard_url: POSTMON_DASHBOARD,
    docs_url: POSTMON_DASHBOARD,
    kinds: POSTMON_KINDS,
    purposes: POSTMON_PURPOSES,
    env_prefix: "POSTMON",
    admin_kind: None,
    created_kind: None,
    regions: &[],
};
const POSTMON_DASHBOARD: &str = "https://postmon.io";

const POSTMON_KINDS: &[KeyKindProfile] = &[KeyKindProfile {
    id: "project_key",
    display_name: "Project API key",
    presentation: Presentation::BodyField,
    presentation_name: "api_key",
    prefix: None,
    pattern: Some(r"^[A-Za-z0-9]{8,512}$"),
    shape: "is a long string of letters and digits (the exact length is not documented)",
    // The seed has one key for ingestion, data retrieval and management of the project.
    privilege: Privilege::Full,
    client_safe: true,
    operations: ALL_MANUAL,
    reports_last_use: false,
    dashboard_url: POSTMON_DASHBOARD,
    notes:
        "One key per project for everything (ingestion, data retrieval, management); no prefix, \
            no scopes. It may sit in client-side code only for tracking (the JavaScript SDK needs \
            it); proxy anything else through your backend. Sent as the JSON body field `api_key` \
            on `POST /v1/event`; other endpoints take it in a header or query parameter. All \
            management is in the dashboard (Project Settings → API Keys). There is no documented \
            verify endpoint: verification is a probe against a URL you configure (401 = bad key), \
            so it is marked manual.",
}];

const POSTMON_PURPOSES: &[PurposeProfile] = &[
    purpose(
        "ingest_events",
        "Ingest events from a backend",
        "project_key",
        &[],
    ),
    purpose(
        "track_web_app",
        "Track from a web or mobile app",
        "project_key",
        &[],
    ),
    purpose(
        "read_analytics",
        "Retrieve analytics data",
        "project_key",
        &[],
    ),
];
