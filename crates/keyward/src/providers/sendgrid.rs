//! SendGrid (Twilio): `GET /v3/scopes` verifies a key and tells its scopes; `/v3/api_keys`
//! lists, creates and deletes keys (no roll). A deleted key keeps authenticating for "some
//! small propagation delay" (SendGrid docs, API Keys: delete), so revocation is confirmed by
//! polling. 429s carry `X-RateLimit-Reset` (a Unix time) and no `Retry-After`. EU regional
//! subusers live on `api.eu.sendgrid.com`.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::api::{error_for, ClientError, Verification};
use super::http::{ApiPath, Auth, Http};
use super::profile::{
    ops, purpose, KeyKindProfile,
    OpMode::{Api, Unsupported},
    Presentation, Privilege, ProviderProfile, PurposeProfile, Region,
};
use super::{
    path_segment, unauthorized, Admin, Endpoint, Excess, ExcessSeverity, ListedKey, NewKeySpec,
    NewRemoteValue, Provider,
};
use crate::secret::Secret;

pub(super) struct SendGrid;

/// How long a deleted key may go on working before Keyward calls it alive: SendGrid gives
/// no number ("some small propagation delay"), so a bounded two minutes.
pub const PROPAGATION_BOUND: Duration = Duration::from_secs(120);

/// `GET /v3/scopes`: `{scopes: [...]}`.
#[derive(Deserialize)]
struct Scopes {
    scopes: Vec<String>,
}

/// `GET /v3/api_keys`: `{result: [{api_key_id, name}]}`.
#[derive(Deserialize)]
struct KeyList {
    result: Vec<KeyInfo>,
}

/// One key as listed, and `GET /v3/api_keys/{id}` (which adds `scopes`).
#[derive(Debug, Deserialize)]
pub struct KeyInfo {
    pub api_key_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `POST /v3/api_keys` → 201 `{api_key, api_key_id, name, scopes}`; `api_key` shown once.
#[derive(Deserialize)]
struct Created {
    api_key: Secret,
    api_key_id: String,
    #[serde(default)]
    scopes: Vec<String>,
}

pub async fn verify_key(at: &Endpoint<'_>, key: &Secret) -> Result<Verification, ClientError> {
    let reply = at
        .http
        .send(
            Method::GET,
            at.base_url,
            &ApiPath::new("/scopes"),
            Auth::Bearer(key),
            None,
        )
        .await?;
    match reply.status.as_u16() {
        200 => {
            let s: Scopes = reply.json()?;
            let mut out = Verification::valid(format!("{} scopes", s.scopes.len()));
            out.scopes = Some(s.scopes);
            // `SG.<id>.<secret>`: the docs' examples show the key's id as the middle part. A
            // hint for finding it in the list only; a delete checks the id with
            // `GET /api_keys/{id}` first.
            // EXPOSE: reading the id part of the value, not the secret part.
            out.remote_id = key
                .expose()
                .strip_prefix("SG.")
                .and_then(|rest| rest.split('.').next())
                .filter(|id| path_segment(id).is_ok())
                .map(str::to_owned);
            Ok(out)
        }
        401 => unauthorized(at, "SendGrid answered 401 to this key"),
        _ => Err(error_for(&reply)),
    }
}

pub async fn list_keys(admin: &Admin<'_>) -> Result<Vec<KeyInfo>, ClientError> {
    let reply = admin
        .bearer(Method::GET, &ApiPath::new("/api_keys"), None)
        .await?;
    if reply.status.as_u16() != 200 {
        return Err(error_for(&reply));
    }
    Ok(reply.json::<KeyList>()?.result)
}

/// `GET /v3/api_keys/{id}`; `None` when SendGrid knows no such key.
/// `GET /v3/api_keys/{id}`: the OpenAPI document (`tsg_api_keys_v3.yaml`) types the body as
/// `{result: [key]}`; the docs' example shows the key itself. Both are read.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneKey {
    Wrapped { result: Vec<KeyInfo> },
    Plain(KeyInfo),
}

pub async fn get_key(admin: &Admin<'_>, id: &str) -> Result<Option<KeyInfo>, ClientError> {
    let reply = admin
        .bearer(
            Method::GET,
            &ApiPath::new("/api_keys").seg(path_segment(id)?)?,
            None,
        )
        .await?;
    match reply.status.as_u16() {
        200 => Ok(match reply.json::<OneKey>()? {
            OneKey::Plain(k) => Some(k),
            OneKey::Wrapped { result } => result.into_iter().next(),
        }),
        404 => Ok(None),
        _ => Err(error_for(&reply)),
    }
}

/// SendGrid's API at one base URL.
pub struct SendGridClient<'a> {
    pub http: &'a Http,
    pub base_url: &'a str,
}

/// A key as listed: its id and name.
#[derive(Debug, Clone)]
pub struct SendGridKey {
    pub id: String,
    pub name: String,
}

impl SendGridClient<'_> {
    pub async fn verify(&self, key: &Secret) -> Result<Verification, ClientError> {
        verify_key(&Endpoint::plain(self.http, self.base_url), key).await
    }

    pub async fn list_keys(&self, admin: &Secret) -> Result<Vec<SendGridKey>, ClientError> {
        let admin = Admin {
            at: Endpoint::plain(self.http, self.base_url),
            key: admin,
        };
        Ok(list_keys(&admin)
            .await?
            .into_iter()
            .map(|k| SendGridKey {
                id: k.api_key_id,
                name: k.name,
            })
            .collect())
    }
}

#[async_trait]
impl Provider for SendGrid {
    fn profile(&self) -> &'static ProviderProfile {
        &PROFILE
    }

    async fn verify(
        &self,
        at: &Endpoint<'_>,
        _kind: &'static KeyKindProfile,
        key: &Secret,
    ) -> Result<Verification, ClientError> {
        verify_key(at, key).await
    }

    async fn list(&self, admin: &Admin<'_>) -> Result<Vec<ListedKey>, ClientError> {
        Ok(list_keys(admin)
            .await?
            .into_iter()
            .map(|k| ListedKey {
                id: k.api_key_id,
                name: if k.name.is_empty() {
                    "API key".into()
                } else {
                    k.name
                },
                kind: "api_key".into(),
                ..ListedKey::default()
            })
            .collect())
    }

    async fn create(
        &self,
        admin: &Admin<'_>,
        spec: &NewKeySpec<'_>,
    ) -> Result<NewRemoteValue, ClientError> {
        // Without `scopes` SendGrid makes a Full Access key (API Keys: create): never ask
        // for one by accident.
        if spec.scopes.is_empty() {
            return Err(ClientError::Rejected {
                status: 400,
                message: "a SendGrid key needs its scopes named; without them SendGrid grants full access".into(),
            });
        }
        let reply = admin
            .bearer(
                Method::POST,
                &ApiPath::new("/api_keys"),
                Some(json!({"name": spec.name, "scopes": spec.scopes})),
            )
            .await?;
        if !matches!(reply.status.as_u16(), 200 | 201) {
            return Err(error_for(&reply));
        }
        let c: Created = reply.json()?;
        Ok(NewRemoteValue {
            remote_id: c.api_key_id,
            value: c.api_key,
            scopes: c.scopes,
        })
    }

    /// Looks the id up first (`GET /api_keys/{id}`): an id that names no key is already
    /// gone, and nothing is deleted on the strength of an id guessed from a value.
    async fn delete(
        &self,
        admin: &Admin<'_>,
        _kind: &str,
        remote_id: &str,
    ) -> Result<(), ClientError> {
        let id = path_segment(remote_id)?;
        if get_key(admin, id).await?.is_none() {
            return Ok(());
        }
        let reply = admin
            .bearer(Method::DELETE, &ApiPath::new("/api_keys").seg(id)?, None)
            .await?;
        match reply.status.as_u16() {
            200 | 202 | 204 | 404 => Ok(()),
            _ => Err(error_for(&reply)),
        }
    }

    fn revocation_propagation(&self) -> Duration {
        PROPAGATION_BOUND
    }

    fn over_privilege(
        &self,
        _kind: &'static KeyKindProfile,
        granted: &[&str],
        purpose: Option<&'static PurposeProfile>,
    ) -> Option<Excess> {
        key_excess(granted, purpose?)
    }
}

/// SendGrid adds these to every key; they grant nothing.
const SENDGRID_IMPLICIT: &[&str] = &[
    "2fa_exempt",
    "2fa_required",
    "sender_verification_eligible",
    "sender_verification_exempt",
    "sender_verification_legacy",
];

/// Scopes only a full-access SendGrid key holds.
const SENDGRID_ADMIN_PREFIXES: &[&str] = &["api_keys.", "user.", "subusers.", "teammates."];

fn key_excess(granted: &[&str], purpose: &'static PurposeProfile) -> Option<Excess> {
    let needed: Vec<String> = purpose.scopes.iter().map(|s| (*s).to_owned()).collect();
    let needed = needed.as_slice();
    if granted.is_empty() || needed.is_empty() {
        return None;
    }
    let excess: Vec<String> = granted
        .iter()
        .filter(|g| !SENDGRID_IMPLICIT.contains(g) && !needed.iter().any(|n| n == *g))
        .map(|g| (*g).to_owned())
        .collect();
    if excess.is_empty() {
        return None;
    }
    let full = excess
        .iter()
        .any(|g| SENDGRID_ADMIN_PREFIXES.iter().any(|p| g.starts_with(p)));
    Some(Excess {
        severity: if full {
            ExcessSeverity::High
        } else {
            ExcessSeverity::Medium
        },
        excess,
        needed: needed.to_vec(),
        suggested_kind: None,
        reason: format!(
            "This {}key is used to {}, which needs only {}.",
            if full { "full-access " } else { "" },
            purpose.label.to_lowercase(),
            needed.join(", ")
        ),
        fix: format!(
            "Create a restricted key with {} only, deploy it, then delete this one.",
            needed.join(", ")
        ),
    })
}

pub(super) const PROFILE: ProviderProfile = ProviderProfile {
    id: "sendgrid",
    display_name: "SendGrid",
    default_base_url: Some("https://api.sendgrid.com/v3"),
    dashboard_url: SENDGRID_DASHBOARD,
    docs_url: "https://www.twilio.com/docs/sendgrid/api-reference",
    kinds: SENDGRID_KINDS,
    purposes: SENDGRID_PURPOSES,
    env_prefix: "SENDGRID",
    admin_kind: Some("api_key"),
    created_kind: Some("api_key"),
    regions: &[
        Region {
            id: "us",
            label: "Global (US)",
            base_url: "https://api.sendgrid.com/v3",
        },
        Region {
            id: "eu",
            label: "EU (regional subusers)",
            base_url: "https://api.eu.sendgrid.com/v3",
        },
    ],
};
const SENDGRID_DASHBOARD: &str = "https://sendgrid.com";

const SENDGRID_KINDS: &[KeyKindProfile] = &[KeyKindProfile {
    id: "api_key",
    display_name: "API key",
    presentation: Presentation::Bearer,
    presentation_name: "Authorization",
    prefix: Some("SG."),
    pattern: Some(r"^SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$"),
    shape: "starts with SG. followed by 22 characters, a dot and 43 characters (letters, digits, \
            underscores or hyphens)",
    privilege: Privilege::Scoped,
    client_safe: false,
    operations: ops(Api, Api, Unsupported, Api, Api),
    reports_last_use: false,
    dashboard_url: SENDGRID_DASHBOARD,
    notes: "Scoped (`scopes[]`). List/create/update/delete through `/api_keys`; the value is \
            shown once at creation. There is no roll: rotate by creating a new key, deploying it \
            and deleting the old one. Verify and read the granted scopes with `GET /v3/scopes`. \
            No last-used information was found.",
}];

const SENDGRID_PURPOSES: &[PurposeProfile] = &[
    purpose("send_email", "Send email", "api_key", &["mail.send"]),
    purpose(
        "read_stats",
        "Read email statistics",
        "api_key",
        &["stats.read"],
    ),
    purpose(
        "manage_templates",
        "Manage templates",
        "api_key",
        &[
            "templates.create",
            "templates.read",
            "templates.update",
            "templates.delete",
        ],
    ),
    purpose(
        "manage_api_keys",
        "Manage API keys (Keyward connection)",
        "api_key",
        &[
            "api_keys.create",
            "api_keys.read",
            "api_keys.update",
            "api_keys.delete",
        ],
    ),
];
