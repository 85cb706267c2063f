//! Postman (seed 002): `GET /me` with `X-Api-Key` verifies a key; there is no key-management
//! API (generate, regenerate and delete are dashboard only). US and EU hosts are separate: a
//! key checked on the other one gets 401. Rate limits come as `X-RateLimit-RetryAfter`,
//! `RetryAfter` or `RateLimit` depending on the endpoint (see `http::retry_after_at`).

use async_trait::async_trait;
use reqwest::Method;
use serde::Deserialize;

use super::api::{error_for, ClientError, Verification};
use super::http::{ApiPath, Auth, Http};
use super::profile::{
    ops, purpose, KeyKindProfile,
    OpMode::{Api, Manual},
    Presentation, Privilege, ProviderProfile, PurposeProfile, Region,
};
use super::{unauthorized, Endpoint, Excess, ExcessSeverity, Provider};
use crate::secret::Secret;

pub(super) struct Postman;

/// `GET /me` (Postman API reference, "Get authenticated user"): `{user: {id, username, …},
/// operations: [...]}`.
#[derive(Debug, Deserialize)]
pub struct Me {
    pub user: MeUser,
}

#[derive(Debug, Deserialize)]
pub struct MeUser {
    pub id: serde_json::Number,
    #[serde(default)]
    pub username: Option<String>,
}

/// `GET /me` with `X-Api-Key` (so tests can call it without the registry).
pub async fn verify_me(at: &Endpoint<'_>, key: &Secret) -> Result<Verification, ClientError> {
    let reply = at
        .http
        .send(
            Method::GET,
            at.base_url,
            &ApiPath::new("/me"),
            Auth::Header("X-Api-Key", key),
            None,
        )
        .await?;
    match reply.status.as_u16() {
        200 => {
            let me: Me = reply.json()?;
            let user = me.user.username.as_deref().unwrap_or("(no username)");
            let mut out = Verification::valid(format!(
                "API key of Postman user '{}' (the user's full access)",
                user.chars().take(64).collect::<String>()
            ));
            out.remote_id = Some(me.user.id.to_string());
            Ok(out)
        }
        401 => unauthorized(at, "Postman answered 401: invalid API key"),
        _ => Err(error_for(&reply)),
    }
}

/// Postman's API at one base URL.
pub struct PostmanClient<'a> {
    pub http: &'a Http,
    pub base_url: &'a str,
}

impl PostmanClient<'_> {
    pub async fn verify(&self, key: &Secret) -> Result<Verification, ClientError> {
        verify_me(&Endpoint::plain(self.http, self.base_url), key).await
    }
}

#[async_trait]
impl Provider for Postman {
    fn profile(&self) -> &'static ProviderProfile {
        &PROFILE
    }

    async fn verify(
        &self,
        at: &Endpoint<'_>,
        _kind: &'static KeyKindProfile,
        key: &Secret,
    ) -> Result<Verification, ClientError> {
        verify_me(at, key).await
    }

    fn over_privilege(
        &self,
        _kind: &'static KeyKindProfile,
        _granted: &[&str],
        _purpose: Option<&'static PurposeProfile>,
    ) -> Option<Excess> {
        // Postman keys carry their user's full access whatever the purpose.
        Some(Excess {
            severity: ExcessSeverity::Low,
            excess: vec!["full access of the user".into()],
            needed: Vec::new(),
            suggested_kind: None,
            reason:
                "A Postman API key carries its user's full access; Postman keys have no scopes."
                    .into(),
            fix:
                "Prefer a narrower credential: a key of a dedicated Postman user who sees only the \
                  workspaces this task needs. Acknowledge this finding if this key already is one."
                    .into(),
        })
    }
}

pub(super) const PROFILE: ProviderProfile = ProviderProfile {
    id: "postman",
    display_name: "Postman",
    default_base_url: Some("https://api.getpostman.com"),
    dashboard_url: POSTMAN_DASHBOARD,
    docs_url: "https://learning.postman.com/docs/developer/postman-api/intro-api/",
    kinds: POSTMAN_KINDS,
    purposes: POSTMAN_PURPOSES,
    env_prefix: "POSTMAN",
    admin_kind: None,
    created_kind: None,
    regions: &[
        Region {
            id: "us",
            label: "US",
            base_url: "https://api.getpostman.com",
        },
        Region {
            id: "eu",
            label: "EU data residency",
            base_url: "https://api.eu.postman.com",
        },
    ],
};
const POSTMAN_DASHBOARD: &str = "https://www.postman.com";

const POSTMAN_KINDS: &[KeyKindProfile] = &[KeyKindProfile {
    id: "api_key",
    display_name: "API key",
    presentation: Presentation::Header,
    presentation_name: "X-Api-Key",
    prefix: Some("PMAK-"),
    // gitleaks: PMAK-(?i)[a-f0-9]{24}\-[a-f0-9]{34}
    pattern: Some(r"^PMAK-(?i:[a-f0-9]{24}-[a-f0-9]{34})$"),
    shape:
        "starts with PMAK- followed by 24 hexadecimal digits, a hyphen and 34 hexadecimal digits",
    privilege: Privilege::Full,
    client_safe: false,
    operations: ops(Manual, Manual, Manual, Manual, Api),
    reports_last_use: false,
    dashboard_url: POSTMAN_DASHBOARD,
    notes: "Carries the user's full access (no scopes). No key-management API: generate, \
            regenerate, rename, delete and expiry are dashboard only (API Keys page). Verify: \
            `GET /me` (401 = invalid). Rate limit 300 requests/min per user, reported in \
            `X-RateLimit-RetryAfter` rather than `Retry-After`. OAuth 2.0 access tokens \
            (`Authorization: Bearer`) are not API keys and have no recognisable format.",
}];

const POSTMAN_PURPOSES: &[PurposeProfile] = &[
    purpose(
        "manage_collections",
        "Manage collections and environments",
        "api_key",
        &[],
    ),
    purpose(
        "run_in_ci",
        "Run collections and monitors from CI",
        "api_key",
        &[],
    ),
    purpose("read_workspaces", "Read workspace data", "api_key", &[]),
];
