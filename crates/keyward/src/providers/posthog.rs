//! PostHog (seed 003). A personal key (`phx_`) may only read itself (`@current`); with
//! `project:read`/`project:write` it lists, creates, rolls and deletes a project's secret keys
//! (`phs_`), which are listed without their values. US and EU clouds are separate hosts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::api::{error_for, ClientError, Verification, VerifyOutcome};
use super::http::{ApiPath, Auth, Http};
use super::profile::{
    ops, purpose, KeyKindProfile,
    OpMode::{Api, Manual, Unsupported},
    Presentation, Privilege, ProviderProfile, PurposeProfile, Region,
};
use super::{
    path_segment, unauthorized, Admin, Endpoint, Excess, ExcessSeverity, ListedKey, NewKeySpec,
    NewRemoteValue, Provider,
};
use crate::secret::Secret;

pub(super) struct PostHog;

/// `GET /api/personal_api_keys/@current/` (PostHog `posthog/api/personal_api_key.py`,
/// `PersonalAPIKeySerializer`): empty `scopes` means `*`.
#[derive(Debug, Deserialize)]
pub struct PersonalKey {
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    #[serde(default)]
    pub scoped_teams: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub scoped_organizations: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_rolled_at: Option<DateTime<Utc>>,
}

/// One project secret key as listed (`ProjectSecretAPIKeySerializer`): no value.
#[derive(Debug, Clone, Deserialize)]
pub struct ProjectSecretKey {
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default, deserialize_with = "super::api::null_as_empty")]
    pub mask_value: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_rolled_at: Option<DateTime<Utc>>,
}

/// The create and roll answers: the key plus its `value`, shown this once.
#[derive(Deserialize)]
struct ProjectSecretKeyWithValue {
    id: String,
    value: Secret,
    #[serde(default)]
    scopes: Vec<String>,
}

/// A list answer: DRF's `LimitOffsetPagination` envelope (PostHog's default pagination; its
/// generated client types it `PaginatedProjectSecretAPIKeyListApi`), or a bare array from
/// older self-hosted versions.
#[derive(Deserialize)]
#[serde(untagged)]
enum Page<T> {
    Paginated {
        #[serde(default)]
        count: Option<usize>,
        next: Option<String>,
        results: Vec<T>,
    },
    Bare(Vec<T>),
}

/// Page size asked for; DRF's default for PostHog is 100 too.
const PAGE: usize = 100;

fn project<'a>(at: &Endpoint<'a>) -> Result<&'a str, ClientError> {
    let p = at.options.project_id.as_deref().ok_or_else(|| {
        ClientError::Unsupported(
            "a PostHog connection needs a project id for project secret keys (--project)".into(),
        )
    })?;
    path_segment(p).map_err(|_| {
        ClientError::InvalidUrl("a PostHog project id is letters, digits, '-' or '_'".into())
    })
}

fn keys_path(at: &Endpoint<'_>) -> Result<ApiPath, ClientError> {
    Ok(ApiPath::new("/api/projects")
        .seg(project(at)?)?
        .lit("project_secret_api_keys/"))
}

pub async fn verify_personal(at: &Endpoint<'_>, key: &Secret) -> Result<Verification, ClientError> {
    let reply = at
        .http
        .send(
            Method::GET,
            at.base_url,
            &ApiPath::new("/api/personal_api_keys/@current/"),
            Auth::Bearer(key),
            None,
        )
        .await?;
    match reply.status.as_u16() {
        200 => {
            let k: PersonalKey = reply.json()?;
            let mut scopes = k.scopes.unwrap_or_default();
            if scopes.is_empty() {
                scopes.push("*".into()); // PostHog: empty scopes = full access
            }
            let label = |v: &serde_json::Value| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            };
            let teams: Vec<String> = k.scoped_teams.iter().flatten().map(label).collect();
            let orgs: Vec<String> = k.scoped_organizations.iter().flatten().map(label).collect();
            // Unscoped teams and organizations widen the key; keep that visible as scopes.
            scopes.extend(teams.iter().map(|t| format!("team:{t}")));
            scopes.extend(orgs.iter().map(|o| format!("organization:{o}")));
            let mut out = Verification::valid(format!(
                "personal key '{}'{}",
                k.label.chars().take(80).collect::<String>(),
                if teams.is_empty() && orgs.is_empty() {
                    ", not limited to teams or organizations"
                } else {
                    ""
                }
            ));
            out.kind = Some("personal".into());
            out.remote_id = Some(k.id);
            out.scopes = Some(scopes);
            out.last_used_at = k.last_used_at;
            out.last_rotated_at = k.last_rolled_at;
            Ok(out)
        }
        401 => unauthorized(at, "PostHog answered 401 to this personal key"),
        _ => Err(error_for(&reply)),
    }
}

/// Every project secret key, page by page. Pages are asked for by offset (the envelope's
/// `next` says whether there is one): a `next` URL from a proxy may name another scheme or
/// host, and the admin key is never sent anywhere but the connection's base URL.
pub async fn list_project_secret_keys(
    admin: &Admin<'_>,
) -> Result<Vec<ProjectSecretKey>, ClientError> {
    let path = keys_path(&admin.at)?;
    let mut out: Vec<ProjectSecretKey> = Vec::new();
    // Bounded: 1,000 pages of 100 is far past PostHog's per-project quota.
    for _ in 0..1000 {
        let reply = admin
            .bearer(
                Method::GET,
                &path.clone().query("limit", PAGE).query("offset", out.len()),
                None,
            )
            .await?;
        if reply.status.as_u16() != 200 {
            return Err(error_for(&reply));
        }
        match reply.json::<Page<ProjectSecretKey>>()? {
            Page::Bare(all) => return Ok(all),
            Page::Paginated {
                count,
                next,
                results,
            } => {
                let n = results.len();
                out.extend(results);
                let more = next.is_some() && n > 0 && count.is_none_or(|c| out.len() < c);
                if !more {
                    return Ok(out);
                }
            }
        }
    }
    Err(ClientError::Malformed(
        "PostHog's key list did not end after 1,000 pages".into(),
    ))
}

/// `GET /api/projects/{id}/`: the project's public `api_token` (`phc_`), which local
/// evaluation takes as `token`. Public by design, but a key kind Keyward tracks: a `Secret`.
#[derive(Deserialize)]
struct Project {
    api_token: Secret,
}

/// Verifies a `phs_` value read-only through feature-flag local evaluation
/// (`GET /api/feature_flag/local_evaluation/?token=<phc_>`, the call PostHog's server SDKs
/// make with a secure key or project secret key; `posthog/auth.py`
/// `TeamSecretTokenAuthentication`, `ProjectSecretAPIKeyAuthentication`). 200: it works;
/// 401: it does not.
async fn verify_by_local_evaluation(
    admin: &Admin<'_>,
    key: &Secret,
) -> Result<Verification, ClientError> {
    let project = project(&admin.at)?;
    let reply = admin
        .bearer(
            Method::GET,
            &ApiPath::new("/api/projects").seg(project)?.slash(),
            None,
        )
        .await?;
    if reply.status.as_u16() != 200 {
        return Err(error_for(&reply));
    }
    let p: Project = reply.json()?;
    let reply = admin
        .at
        .http
        .send(
            Method::GET,
            admin.at.base_url,
            // EXPOSE: local evaluation names the project by its public token.
            &ApiPath::new("/api/feature_flag/local_evaluation/")
                .query("token", p.api_token.expose()),
            Auth::Bearer(key),
            None,
        )
        .await?;
    match reply.status.as_u16() {
        200 => {
            let mut v =
                Verification::valid("works for feature-flag local evaluation (read-only check)");
            v.kind = Some("flags_secure_key".into());
            Ok(v)
        }
        401 | 403 => Ok(Verification::invalid(
            "PostHog refused this key for feature-flag local evaluation",
        )),
        _ => Err(error_for(&reply)),
    }
}

fn tail4(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// PostHog's API at one base URL.
pub struct PostHogClient<'a> {
    pub http: &'a Http,
    pub base_url: &'a str,
}

impl PostHogClient<'_> {
    pub async fn verify_personal(&self, key: &Secret) -> Result<Verification, ClientError> {
        verify_personal(&Endpoint::plain(self.http, self.base_url), key).await
    }

    /// A project's secret keys (needs `project:read`).
    pub async fn list_project_secret_keys(
        &self,
        personal: &Secret,
        project: &str,
    ) -> Result<Vec<ProjectSecretKey>, ClientError> {
        let options = crate::connection::ConnectionOptions {
            project_id: Some(project.to_owned()),
            ..Default::default()
        };
        let admin = Admin {
            at: Endpoint {
                http: self.http,
                base_url: self.base_url,
                options: &options,
                region_guessed: false,
            },
            key: personal,
        };
        list_project_secret_keys(&admin).await
    }
}

#[async_trait]
impl Provider for PostHog {
    fn profile(&self) -> &'static ProviderProfile {
        &PROFILE
    }

    fn missing_option(&self, options: &crate::connection::ConnectionOptions) -> Option<String> {
        options.project_id.is_none().then(|| {
            "a PostHog connection needs a project id to list its secret keys (--project)".into()
        })
    }

    async fn verify(
        &self,
        at: &Endpoint<'_>,
        kind: &'static KeyKindProfile,
        key: &Secret,
    ) -> Result<Verification, ClientError> {
        match kind.id {
            "personal" => verify_personal(at, key).await,
            "project_secret" => Err(ClientError::Unsupported(
                "PostHog has no call that verifies a project secret key on its own: connect the \
                 project (`keyward connect posthog --project ID`) and Keyward checks it against \
                 the project's key list"
                    .into(),
            )),
            _ => Err(super::no_verify(&PROFILE, kind)),
        }
    }

    fn verifies_through_connection(&self, kind: &'static KeyKindProfile) -> bool {
        matches!(kind.id, "project_secret" | "flags_secure_key")
    }

    /// Project secret keys have no verify call: the project's list must show the key with
    /// this value's mask (`phs_...abcd`).
    async fn verify_managed(
        &self,
        admin: &Admin<'_>,
        kind: &'static KeyKindProfile,
        remote_id: Option<&str>,
        key: &Secret,
    ) -> Option<Result<Verification, ClientError>> {
        match kind.id {
            "project_secret" => {}
            "flags_secure_key" => return Some(verify_by_local_evaluation(admin, key).await),
            _ => return None,
        }
        let listed = match list_project_secret_keys(admin).await {
            Ok(l) => l,
            Err(e) => return Some(Err(e)),
        };
        // EXPOSE: the last four characters, compared with the provider's mask.
        let tail = tail4(key.expose());
        let mask = |k: &ProjectSecretKey| k.mask_value.clone();
        // Without a remote id (a key added by value), the mask finds it.
        let found = match remote_id {
            Some(id) => listed.iter().find(|k| k.id == id),
            None => listed.iter().find(|k| mask(k).ends_with(&tail)),
        };
        Some(Ok(match found {
            // Not a listed project secret key: maybe the project's older secure key, which
            // shares the prefix.
            None if remote_id.is_none() => match verify_by_local_evaluation(admin, key).await {
                Ok(v) => v,
                Err(e) => return Some(Err(e)),
            },
            None => Verification::invalid("PostHog no longer lists this key"),
            Some(k) if mask(k).ends_with(&tail) => {
                let mut v = Verification::valid("PostHog lists this key with this value");
                v.remote_id = Some(k.id.clone());
                v.scopes = Some(k.scopes.clone());
                v.last_used_at = k.last_used_at;
                v.last_rotated_at = k.last_rolled_at;
                v
            }
            Some(_) => {
                Verification::invalid("PostHog lists this key with another value (it was rolled)")
            }
        }))
    }

    async fn list(&self, admin: &Admin<'_>) -> Result<Vec<ListedKey>, ClientError> {
        Ok(list_project_secret_keys(admin)
            .await?
            .into_iter()
            .map(|k| ListedKey {
                id: k.id,
                name: if k.label.is_empty() {
                    "project secret key".into()
                } else {
                    k.label
                },
                kind: "project_secret".into(),
                scopes: k.scopes,
                mask: k.mask_value,
                status: Some(VerifyOutcome::Valid),
                created_at: k.created_at,
                last_used_at: k.last_used_at,
                last_rolled_at: k.last_rolled_at,
                ..ListedKey::default()
            })
            .collect())
    }

    /// `POST …/project_secret_api_keys/ {label, scopes}` → 201 with `value`, shown once.
    async fn create(
        &self,
        admin: &Admin<'_>,
        spec: &NewKeySpec<'_>,
    ) -> Result<NewRemoteValue, ClientError> {
        let scopes: Vec<String> = if spec.scopes.is_empty() {
            Vec::new()
        } else {
            spec.scopes.to_vec()
        };
        let reply = admin
            .bearer(
                Method::POST,
                &keys_path(&admin.at)?,
                Some(json!({"label": spec.name, "scopes": scopes})),
            )
            .await?;
        if !matches!(reply.status.as_u16(), 200 | 201) {
            return Err(error_for(&reply));
        }
        let k: ProjectSecretKeyWithValue = reply.json()?;
        Ok(NewRemoteValue {
            remote_id: k.id,
            value: k.value,
            scopes: k.scopes,
        })
    }

    /// `POST …/{id}/roll/` → 200 with the new `value`; the old one stops working at once.
    async fn roll(
        &self,
        admin: &Admin<'_>,
        _kind: &str,
        remote_id: &str,
    ) -> Result<NewRemoteValue, ClientError> {
        let id = path_segment(remote_id)?;
        let reply = admin
            .bearer(
                Method::POST,
                &keys_path(&admin.at)?.seg(id)?.lit("roll/"),
                None,
            )
            .await?;
        if reply.status.as_u16() != 200 {
            return Err(error_for(&reply));
        }
        let k: ProjectSecretKeyWithValue = reply.json()?;
        Ok(NewRemoteValue {
            remote_id: id.to_owned(),
            value: k.value,
            scopes: k.scopes,
        })
    }

    async fn delete(
        &self,
        admin: &Admin<'_>,
        _kind: &str,
        remote_id: &str,
    ) -> Result<(), ClientError> {
        let id = path_segment(remote_id)?;
        let reply = admin
            .bearer(
                Method::DELETE,
                &keys_path(&admin.at)?.seg(id)?.slash(),
                None,
            )
            .await?;
        match reply.status.as_u16() {
            200 | 202 | 204 | 404 => Ok(()),
            _ => Err(error_for(&reply)),
        }
    }

    /// The list tells a roll without the old value: a later `last_rolled_at`, or a mask that
    /// no longer ends like the old value.
    async fn rolled_since(
        &self,
        admin: &Admin<'_>,
        remote_id: &str,
        since: DateTime<Utc>,
        old_tail: &str,
    ) -> Option<Result<bool, ClientError>> {
        let listed = match list_project_secret_keys(admin).await {
            Ok(l) => l,
            Err(e) => return Some(Err(e)),
        };
        let Some(k) = listed.iter().find(|k| k.id == remote_id) else {
            return Some(Err(ClientError::NotFound));
        };
        if k.last_rolled_at.is_some_and(|t| t >= since) {
            return Some(Ok(true));
        }
        Some(Ok(!k.mask_value.ends_with(old_tail)))
    }

    fn over_privilege(
        &self,
        kind: &'static KeyKindProfile,
        granted: &[&str],
        purpose: Option<&'static PurposeProfile>,
    ) -> Option<Excess> {
        if kind.id != "personal" {
            return None;
        }
        personal_excess(granted, purpose?)
    }
}

/// `team:…`/`organization:…` entries limit a personal key; they grant nothing.
fn is_restriction_marker(scope: &str) -> bool {
    scope.starts_with("team:") || scope.starts_with("organization:")
}

fn personal_excess(granted: &[&str], purpose: &'static PurposeProfile) -> Option<Excess> {
    let needed: Vec<String> = purpose.scopes.iter().map(|s| (*s).to_owned()).collect();
    // Empty = never verified: nothing known, nothing claimed.
    if granted.is_empty() || needed.is_empty() {
        return None;
    }
    let mut excess: Vec<String> = granted
        .iter()
        .filter(|g| !is_restriction_marker(g) && !needed.iter().any(|n| n == *g))
        .map(|g| (*g).to_owned())
        .collect();
    let limited = granted.iter().any(|g| is_restriction_marker(g));
    if !limited {
        excess.push("all projects and organizations (no scoped teams or organizations)".into());
    }
    if excess.is_empty() {
        return None;
    }
    let wildcard = granted.contains(&"*");
    Some(Excess {
        severity: if wildcard {
            ExcessSeverity::High
        } else {
            ExcessSeverity::Medium
        },
        excess,
        needed: needed.clone(),
        suggested_kind: (purpose.minimal_kind != "personal")
            .then(|| purpose.minimal_kind.to_owned()),
        reason: format!(
            "This personal key grants {} to {}, which needs only {}.",
            if wildcard {
                "full access (`*`)".to_owned()
            } else {
                "more than its purpose".to_owned()
            },
            purpose.label.to_lowercase(),
            needed.join(", ")
        ),
        fix: if purpose.minimal_kind == "project_secret" {
            format!(
                "Create a project secret key (phs_) with {} only, deploy it, then revoke this personal key.",
                needed.join(", ")
            )
        } else {
            format!(
                "Create a personal key limited to {} and to this project, deploy it, then revoke this one.",
                needed.join(", ")
            )
        },
    })
}

pub(super) const PROFILE: ProviderProfile = ProviderProfile {
    id: "posthog",
    display_name: "PostHog",
    default_base_url: Some("https://us.posthog.com"),
    dashboard_url: POSTHOG_DASHBOARD,
    docs_url: "https://posthog.com/docs/api",
    kinds: POSTHOG_KINDS,
    purposes: POSTHOG_PURPOSES,
    env_prefix: "POSTHOG",
    admin_kind: Some("personal"),
    created_kind: Some("project_secret"),
    regions: &[
        Region {
            id: "us",
            label: "US Cloud",
            base_url: "https://us.posthog.com",
        },
        Region {
            id: "eu",
            label: "EU Cloud",
            base_url: "https://eu.posthog.com",
        },
    ],
};
const POSTHOG_DASHBOARD: &str = "https://us.posthog.com";

const POSTHOG_KINDS: &[KeyKindProfile] = &[
    KeyKindProfile {
        id: "project_key",
        display_name: "Project API key",
        presentation: Presentation::BodyField,
        presentation_name: "api_key",
        prefix: Some("phc_"),
        pattern: Some(r"^phc_[A-Za-z0-9_-]{8,128}$"),
        shape: "starts with phc_ followed by letters, digits, underscores or hyphens",
        privilege: Privilege::Public,
        client_safe: true,
        // One per project, always present: nothing to list, create or revoke.
        operations: ops(Unsupported, Unsupported, Api, Unsupported, Unsupported),
        reports_last_use: false,
        dashboard_url: POSTHOG_DASHBOARD,
        notes: "Public by design, ingestion only; SDKs send it with each captured event. One per \
                project: it can only be reset (`PATCH /api/projects/{id}/reset_token/`, project \
                admin), which replaces it at once. No verify endpoint was found. The body length \
                is not documented, so the format check is loose.",
    },
    KeyKindProfile {
        id: "personal",
        display_name: "Personal API key",
        presentation: Presentation::Bearer,
        presentation_name: "Authorization",
        prefix: Some("phx_"),
        // Today's keys: 35 random bytes in base57, 48 characters (about 3 % have 49); older
        // base62 keys have 43, sometimes 42 (PostHog's `generate_random_token_personal`;
        // trufflehog's {43,48} misses some). A mismatch only warns: PostHog decides.
        pattern: Some(r"^phx_[A-Za-z0-9_]{42,49}$"),
        shape: "starts with phx_ and has 42–49 more letters, digits or underscores",
        privilege: Privilege::Scoped,
        client_safe: false,
        operations: ops(Manual, Manual, Manual, Manual, Api),
        reports_last_use: true,
        dashboard_url: POSTHOG_DASHBOARD,
        notes: "Scopes `<object>:<read|write>`; empty scopes mean `*` (full access of the user). \
                Only `GET /api/personal_api_keys/@current/` accepts a personal key (verify, and it \
                reports `last_used_at` and `scopes`); listing, creating, rolling and deleting \
                need a browser login (403 to a personal key), so they are manual. At most 10 per \
                user, no expiry. Never in client-side code.",
    },
    KeyKindProfile {
        id: "project_secret",
        display_name: "Project secret API key",
        presentation: Presentation::Bearer,
        presentation_name: "Authorization",
        prefix: Some("phs_"),
        pattern: Some(r"^phs_[A-Za-z0-9_-]{8,128}$"),
        shape: "starts with phs_ followed by letters, digits, underscores or hyphens",
        privilege: Privilege::Scoped,
        client_safe: false,
        operations: ops(Api, Api, Api, Api, Unsupported),
        reports_last_use: true,
        dashboard_url: POSTHOG_DASHBOARD,
        notes: "Managed with a personal key holding `project:read`/`project:write` (caller must \
                be a project admin) under `/api/environments/{env_id}/project_secret_api_keys/`. \
                Only an allow-list of read scopes (e.g. `feature_flag:read`); `*` is rejected. \
                The value is shown once (create, roll); roll kills the old value at once. At most \
                50 per project (10 on older versions). No verify call of its own: Keyward checks \
                it against the project's list (its mask) through the connection; `last_used_at` \
                comes from the list. Shares the phs_ prefix with the older feature-flags secure \
                key.",
    },
    KeyKindProfile {
        id: "flags_secure_key",
        display_name: "Feature flags secure API key (older)",
        presentation: Presentation::Bearer,
        presentation_name: "Authorization",
        prefix: Some("phs_"),
        pattern: Some(r"^phs_[A-Za-z0-9_-]{8,128}$"),
        shape: "starts with phs_ followed by letters, digits, underscores or hyphens",
        privilege: Privilege::ReadOnly,
        client_safe: false,
        // One per project (`Team.secret_api_token`), reset in Project settings; not listed or
        // managed by the project secret keys API.
        operations: ops(Unsupported, Unsupported, Manual, Unsupported, Api),
        reports_last_use: false,
        dashboard_url: POSTHOG_DASHBOARD,
        notes: "The project's older feature-flags secure key: it shares the phs_ prefix with \
                project secret keys but is one per project and reset (not rolled) in Project \
                settings. It authenticates local evaluation of feature flags only, which is how \
                Keyward verifies it (read-only, needs the project's connection).",
    },
    KeyKindProfile {
        id: "oauth_access",
        display_name: "OAuth access token",
        presentation: Presentation::Bearer,
        presentation_name: "Authorization",
        prefix: Some("pha_"),
        pattern: Some(r"^pha_[A-Za-z0-9_-]{8,256}$"),
        shape: "starts with pha_ followed by letters, digits, underscores or hyphens",
        privilege: Privilege::Scoped,
        client_safe: false,
        operations: ops(
            Unsupported,
            Unsupported,
            Unsupported,
            Unsupported,
            Unsupported,
        ),
        reports_last_use: false,
        dashboard_url: POSTHOG_DASHBOARD,
        notes: "Issued to an OAuth app by PostHog's OAuth flow, not managed as an API key; \
                Keyward can track it but no management or verify call was found.",
    },
    KeyKindProfile {
        id: "oauth_refresh",
        display_name: "OAuth refresh token",
        presentation: Presentation::BodyField,
        presentation_name: "refresh_token",
        prefix: Some("phr_"),
        pattern: Some(r"^phr_[A-Za-z0-9_-]{8,256}$"),
        shape: "starts with phr_ followed by letters, digits, underscores or hyphens",
        privilege: Privilege::Scoped,
        client_safe: false,
        operations: ops(
            Unsupported,
            Unsupported,
            Unsupported,
            Unsupported,
            Unsupported,
        ),
        reports_last_use: false,
        dashboard_url: POSTHOG_DASHBOARD,
        notes: "Exchanged at the OAuth token endpoint for new access tokens; Keyward can track \
                it but no management or verify call was found.",
    },
];

const POSTHOG_PURPOSES: &[PurposeProfile] = &[
    purpose("ingest_events", "Ingest events", "project_key", &[]),
    purpose(
        "track_web_app",
        "Track from a web or mobile app",
        "project_key",
        &[],
    ),
    purpose(
        "evaluate_feature_flags",
        "Evaluate feature flags server-side",
        "project_secret",
        &["feature_flag:read"],
    ),
    purpose(
        "read_insights",
        "Read insights and dashboards",
        "personal",
        &["insight:read", "dashboard:read"],
    ),
    purpose(
        "query_data",
        "Query and export event data",
        "personal",
        &["query:read"],
    ),
    purpose(
        "manage_batch_exports",
        "Manage batch exports",
        "personal",
        &["batch_export:write"],
    ),
    purpose(
        "manage_feature_flags",
        "Create and edit feature flags",
        "personal",
        &["feature_flag:write"],
    ),
    purpose(
        "read_persons",
        "Read persons and cohorts",
        "personal",
        &["person:read", "cohort:read"],
    ),
    purpose(
        "read_session_recordings",
        "Read session recordings",
        "personal",
        &["session_recording:read"],
    ),
    purpose(
        "manage_project_secret_keys",
        "Manage project secret keys (Keyward connection)",
        "personal",
        &["project:write"],
    ),
];
