//! The simulator's data, as loaded from a seed file and as held in memory while it runs.
//!
//! One type serves both: the seed is the initial state, `POST /_control/reset` returns to
//! it. Key values in a seed are test fixtures for a test double; they live only in this
//! process's memory and are never logged.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::faults::Fault;
use crate::ratelimit::RateLimitConfig;
use crate::util;

/// The whole initial state of a simulator.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Seed {
    pub postmark: PostmarkData,
    pub postman: PostmanData,
    pub posthog: PostHogData,
    pub cloudflare: CloudflareData,
    pub sendgrid: SendGridData,
    pub postmon: PostmonData,
    pub postnomic: PostnomicData,
    /// Faults active from the start (same shape as `POST /_control/faults`).
    pub faults: Vec<Fault>,
    /// Per-provider rate limits; a provider missing here gets its documented default
    /// (see [`RateLimitConfig::default_for`]). `requests: 0` turns a limit off.
    pub rate_limits: BTreeMap<String, RateLimitConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("seed file {path} is not a valid seed: {source}")]
    Parse {
        path: String,
        source: serde_json::Error,
    },
}

impl Seed {
    /// Reads a seed from a JSON file.
    pub fn from_file(path: &Path) -> Result<Seed, SeedError> {
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Seed::from_json(&text).map_err(|source| SeedError::Parse {
            path: path.display().to_string(),
            source,
        })
    }

    /// Parses a seed from JSON text and fills in derived fields (ids, masks).
    pub fn from_json(text: &str) -> Result<Seed, serde_json::Error> {
        let mut seed: Seed = serde_json::from_str(text)?;
        seed.normalize();
        Ok(seed)
    }

    /// Fills what a seed may leave out: missing ids, SendGrid ids taken from the value,
    /// timestamps. Idempotent.
    pub fn normalize(&mut self) {
        let now = Utc::now();
        for t in &mut self.postmark.account_tokens {
            fill_id(&mut t.id, util::postmark_token);
        }
        for k in &mut self.postman.keys {
            fill_id(&mut k.id, || util::hex(32));
        }
        for k in &mut self.posthog.personal_keys {
            fill_id(&mut k.id, util::posthog_id);
            k.created.get_or_insert(now);
        }
        for k in &mut self.posthog.project_secret_keys {
            fill_id(&mut k.id, util::posthog_id);
            k.created.get_or_insert(now);
        }
        for p in &mut self.posthog.projects {
            fill_id(&mut p.uuid, || uuid::Uuid::new_v4().to_string());
        }
        for u in &mut self.posthog.users {
            fill_id(&mut u.uuid, || uuid::Uuid::new_v4().to_string());
            fill_id(&mut u.distinct_id, util::posthog_id);
        }
        for t in &mut self.cloudflare.tokens {
            fill_id(&mut t.id, util::cloudflare_id);
            t.issued_on.get_or_insert(now);
            let issued = t.issued_on;
            if t.modified_on.is_none() {
                t.modified_on = issued;
            }
            for p in &mut t.policies {
                fill_id(&mut p.id, util::cloudflare_id);
                for g in &mut p.permission_groups {
                    if g.id.is_empty() {
                        if let Some(known) = self
                            .cloudflare
                            .permission_groups
                            .iter()
                            .find(|k| k.name == g.name)
                        {
                            g.id.clone_from(&known.id);
                        }
                    }
                    if g.name.is_empty() {
                        if let Some(known) = self
                            .cloudflare
                            .permission_groups
                            .iter()
                            .find(|k| k.id == g.id)
                        {
                            g.name.clone_from(&known.name);
                        }
                    }
                }
            }
        }
        for k in &mut self.sendgrid.keys {
            if k.api_key_id.is_empty() {
                k.api_key_id = util::sendgrid_id_of(&k.value).unwrap_or_else(util::sendgrid_key_id);
            }
        }
        for k in &mut self.postmon.keys {
            fill_id(&mut k.id, || uuid::Uuid::new_v4().to_string());
        }
        for k in &mut self.postnomic.keys {
            fill_id(&mut k.id, || uuid::Uuid::new_v4().to_string());
        }
    }

    /// A small, believable data set for every provider: a demo, a manual test, or a test
    /// that needs "some keys". Values are deterministic (so a demo script can use them);
    /// timestamps are relative to now (so "stale" and "expired" stay true).
    pub fn demo() -> Seed {
        demo::build()
    }
}

fn fill_id(id: &mut String, make: impl FnOnce() -> String) {
    if id.is_empty() {
        *id = make();
    }
}

/// Status of a key that the provider does not model itself (revoked = deleted upstream,
/// kept here so a test can show the value no longer works).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    #[default]
    Active,
    Disabled,
    Revoked,
}

impl KeyStatus {
    pub fn is_active(self) -> bool {
        self == KeyStatus::Active
    }
}

fn is_live(status: KeyStatus, expires: Option<DateTime<Utc>>) -> bool {
    status.is_active() && expires.is_none_or(|e| e > Utc::now())
}

// ---------------------------------------------------------------- Postmark

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostmarkData {
    /// Account API tokens (`X-Postmark-Account-Token`): account-wide.
    pub account_tokens: Vec<PostmarkAccountToken>,
    /// Servers; each holds its server tokens in `ApiTokens`, in plain text, as Postmark
    /// returns them.
    pub servers: Vec<PostmarkServer>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostmarkAccountToken {
    pub id: String,
    pub name: String,
    pub value: String,
    pub status: KeyStatus,
    pub created: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
    pub owner: Option<String>,
}

impl PostmarkAccountToken {
    pub fn is_live(&self) -> bool {
        self.status.is_active()
    }
}

/// A Postmark server, field for field as `GET /servers/{id}` returns it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct PostmarkServer {
    #[serde(rename = "ID")]
    pub id: u64,
    pub name: String,
    pub api_tokens: Vec<String>,
    pub color: String,
    pub smtp_api_activated: bool,
    pub raw_email_enabled: bool,
    pub delivery_type: String,
    pub server_link: String,
    pub inbound_address: String,
    pub inbound_hook_url: String,
    pub bounce_hook_url: String,
    pub open_hook_url: String,
    pub delivery_hook_url: String,
    pub post_first_open_only: bool,
    pub inbound_domain: String,
    pub inbound_hash: String,
    pub inbound_spam_threshold: u32,
    pub track_opens: bool,
    pub track_links: String,
    pub include_bounce_content_in_hook: bool,
    pub click_hook_url: String,
    pub enable_smtp_api_error_hooks: bool,
}

impl Default for PostmarkServer {
    fn default() -> Self {
        PostmarkServer {
            id: 0,
            name: String::new(),
            api_tokens: Vec::new(),
            color: "Blue".to_owned(),
            smtp_api_activated: true,
            raw_email_enabled: false,
            delivery_type: "Live".to_owned(),
            server_link: String::new(),
            inbound_address: String::new(),
            inbound_hook_url: String::new(),
            bounce_hook_url: String::new(),
            open_hook_url: String::new(),
            delivery_hook_url: String::new(),
            post_first_open_only: false,
            inbound_domain: String::new(),
            inbound_hash: String::new(),
            inbound_spam_threshold: 0,
            track_opens: false,
            track_links: "None".to_owned(),
            include_bounce_content_in_hook: true,
            click_hook_url: String::new(),
            enable_smtp_api_error_hooks: false,
        }
    }
}

// ---------------------------------------------------------------- Postman

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostmanData {
    pub users: Vec<PostmanUser>,
    pub keys: Vec<PostmanKey>,
    /// Which rate-limit headers the API sends. Postman: "The response headers vary,
    /// depending on the API called" (X-RateLimit-* with X-RateLimit-RetryAfter, or
    /// RetryAfter, or RateLimit/RateLimit-Policy) —
    /// https://learning.postman.com/docs/developer/postman-api/postman-api-rate-limits/
    pub rate_limit_headers: PostmanRateLimitHeaders,
}

/// The rate-limit header families Postman documents (see [`PostmanData::rate_limit_headers`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostmanRateLimitHeaders {
    /// `X-RateLimit-Limit/Remaining/Reset`, and `X-RateLimit-RetryAfter` on a 429.
    #[default]
    #[serde(rename = "x_ratelimit")]
    XRateLimit,
    /// `X-RateLimit-Limit/Remaining/Reset`, and `RetryAfter` (no `X-`) on a 429.
    RetryAfter,
    /// `RateLimit: limit=N, remaining=N, reset=S` and `RateLimit-Policy: N;w=S`, and
    /// `RetryAfter` on a 429.
    #[serde(rename = "ratelimit")]
    RateLimit,
}

/// The `user` object of `GET /me`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct PostmanUser {
    pub id: u64,
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub avatar: Option<String>,
    pub is_public: bool,
    pub team_id: Option<u64>,
    pub team_name: Option<String>,
    pub team_domain: Option<String>,
    pub roles: Vec<String>,
    /// `operations[]` of `GET /me`; empty = a default free-plan usage list.
    pub operations: Vec<Value>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostmanKey {
    pub id: String,
    pub name: String,
    pub value: String,
    pub user_id: u64,
    pub status: KeyStatus,
    pub created: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
    pub expires: Option<DateTime<Utc>>,
    pub owner: Option<String>,
    /// `us` (default, `api.getpostman.com`) or `eu` (`api.eu.postman.com`): a key answers
    /// only on its own region's prefix (providers.md: "a key checked on the wrong host
    /// gets 401").
    pub region: String,
}

impl PostmanKey {
    pub fn is_live(&self) -> bool {
        is_live(self.status, self.expires)
    }
}

// ---------------------------------------------------------------- PostHog

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostHogData {
    pub organizations: Vec<PostHogOrganization>,
    pub projects: Vec<PostHogProject>,
    pub users: Vec<PostHogUser>,
    /// Personal API keys (`phx_`).
    pub personal_keys: Vec<PostHogPersonalKey>,
    /// Project secret API keys (`phs_`).
    pub project_secret_keys: Vec<PostHogSecretKey>,
    pub feature_flags: Vec<PostHogFeatureFlag>,
    /// The read scopes a `phs_` key may be given (the list grows between PostHog
    /// versions, so it is configurable).
    pub secret_key_allowed_scopes: Vec<String>,
    /// At most this many `phs_` keys per project. PostHog source:
    /// `MAX_PROJECT_SECRET_API_KEYS_PER_TEAM = 50` in posthog/api/project_secret_api_key.py
    /// (older versions: 10).
    pub max_secret_keys_per_project: usize,
    /// Answer the `phs_` key list with a bare JSON array (older self-hosted PostHog)
    /// instead of the paginated `{count, next, previous, results}` envelope of today's
    /// DRF `LimitOffsetPagination`.
    pub legacy_list: bool,
}

impl Default for PostHogData {
    fn default() -> Self {
        PostHogData {
            organizations: Vec::new(),
            projects: Vec::new(),
            users: Vec::new(),
            personal_keys: Vec::new(),
            project_secret_keys: Vec::new(),
            feature_flags: Vec::new(),
            secret_key_allowed_scopes: vec![
                "endpoint:read".to_owned(),
                "feature_flag:read".to_owned(),
            ],
            max_secret_keys_per_project: 50,
            legacy_list: false,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostHogOrganization {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostHogProject {
    /// Project (team) id; the environment id of its `/api/environments/{id}/` routes too.
    pub id: i64,
    pub uuid: String,
    pub name: String,
    /// Organization id.
    pub organization: String,
    /// The public `phc_` project key.
    pub api_token: String,
    /// Users who are project admins (may manage `phs_` keys, reset the project key).
    /// When both `admins` and `members` are empty, every user is an admin.
    pub admins: Vec<i64>,
    /// Users who are plain members.
    pub members: Vec<i64>,
    /// The older per-project "feature flags secure API key" (`Team.secret_api_token`),
    /// also `phs_…`: it authenticates local evaluation and remote config only (PostHog
    /// source: `TeamSecretTokenAuthentication` in posthog/auth.py).
    pub secret_api_token: Option<String>,
    /// `us` (default, us.posthog.com) or `eu` (eu.posthog.com): the project's keys (`phs_`,
    /// the secure key) answer only on that region's prefix.
    pub region: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostHogUser {
    pub id: i64,
    pub uuid: String,
    pub distinct_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostHogPersonalKey {
    pub id: String,
    pub label: String,
    pub value: String,
    pub user_id: i64,
    /// Empty = full access (`["*"]`).
    pub scopes: Vec<String>,
    pub scoped_teams: Vec<i64>,
    pub scoped_organizations: Vec<String>,
    pub created: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
    pub last_rolled: Option<DateTime<Utc>>,
    pub status: KeyStatus,
    /// `us` (default) or `eu`: PostHog's US and EU clouds are separate hosts and a key
    /// belongs to one of them (providers.md).
    pub region: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostHogSecretKey {
    pub id: String,
    pub project_id: i64,
    pub label: String,
    pub value: String,
    pub scopes: Vec<String>,
    /// User id of the creator.
    pub created_by: Option<i64>,
    pub created: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
    pub last_rolled: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostHogFeatureFlag {
    pub id: i64,
    pub project_id: i64,
    pub key: String,
    pub name: String,
    pub active: bool,
    pub filters: Value,
}

// ---------------------------------------------------------------- Cloudflare

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudflareData {
    pub users: Vec<CloudflareUser>,
    pub accounts: Vec<CloudflareAccount>,
    /// Known permission groups (id → name). Authorization is decided by name:
    /// "API Tokens Read"/"API Tokens Write" for `/user/tokens`, "Account API Tokens
    /// Read"/"Account API Tokens Write" for `/accounts/{id}/tokens`.
    pub permission_groups: Vec<CloudflarePermissionGroup>,
    /// Each permission group's `scopes` (by group id), as `GET /user/tokens/permission_groups`
    /// returns them: `com.cloudflare.api.account.zone`, `com.cloudflare.api.account` or
    /// `com.cloudflare.api.user`. A group grants only on resources of its scope
    /// (https://developers.cloudflare.com/fundamentals/api/reference/permissions/).
    pub permission_group_scopes: BTreeMap<String, Vec<String>>,
    pub tokens: Vec<CloudflareToken>,
    /// Cloudflare's token quotas: "User API token quota 50", "Account API token quota 500"
    /// (https://developers.cloudflare.com/fundamentals/api/reference/limits/).
    pub max_user_tokens: usize,
    pub max_account_tokens: usize,
    /// The error a create over quota gets. Cloudflare's code and message for it are not
    /// published (not found), so they are configurable.
    pub quota_error: CloudflareQuotaError,
}

/// See [`CloudflareData::quota_error`].
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct CloudflareQuotaError {
    pub status: u16,
    pub code: i64,
    pub message: String,
}

impl Default for CloudflareQuotaError {
    fn default() -> Self {
        CloudflareQuotaError {
            status: 400,
            code: 1001,
            message: "Maximum number of API tokens reached".to_owned(),
        }
    }
}

impl Default for CloudflareData {
    fn default() -> Self {
        CloudflareData {
            users: Vec::new(),
            accounts: Vec::new(),
            permission_groups: default_cf_permission_groups()
                .into_iter()
                .map(|(id, name, _)| CloudflarePermissionGroup {
                    id: id.to_owned(),
                    name: name.to_owned(),
                })
                .collect(),
            permission_group_scopes: default_cf_permission_groups()
                .into_iter()
                .map(|(id, _, scope)| (id.to_owned(), vec![scope.to_owned()]))
                .collect(),
            tokens: Vec::new(),
            max_user_tokens: 50,
            max_account_tokens: 500,
            quota_error: CloudflareQuotaError::default(),
        }
    }
}

impl CloudflareData {
    /// The scopes of a group referenced by a policy: by id, else by name through the
    /// catalogue. Empty for a group the catalogue does not know.
    pub fn group_scopes(&self, group: &CloudflarePermissionGroup) -> Vec<String> {
        let id = if group.id.is_empty() {
            self.permission_groups
                .iter()
                .find(|g| g.name == group.name)
                .map(|g| g.id.as_str())
                .unwrap_or_default()
        } else {
            group.id.as_str()
        };
        self.permission_group_scopes
            .get(id)
            .cloned()
            .unwrap_or_default()
    }
}

const CF_ZONE: &str = "com.cloudflare.api.account.zone";
const CF_ACCOUNT: &str = "com.cloudflare.api.account";
const CF_USER: &str = "com.cloudflare.api.user";

/// Permission groups with Cloudflare's published ids and scopes, from the list Cloudflare
/// published with its API token docs ("API Tokens Permissions": the
/// `GET /user/tokens/permission_groups` answer, id/name/scopes; current names and scopes:
/// https://developers.cloudflare.com/fundamentals/api/reference/permissions/). The two
/// "Account API Tokens" ids are NOT published anywhere we found: placeholders (authorization
/// goes by name and scope, never by these ids).
fn default_cf_permission_groups() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            "0cc3a61731504c89b99ec1be78b77aa0",
            "API Tokens Read",
            CF_USER,
        ),
        (
            "686d18d5ac6c441c867cbf6771e58a0a",
            "API Tokens Write",
            CF_USER,
        ),
        (
            "3518d0f75557482e952c6762d3e64903",
            "Memberships Read",
            CF_USER,
        ),
        (
            "8acbe5bb0d54464ab867149d7f7cf8ac",
            "User Details Read",
            CF_USER,
        ),
        ("c8fed203ed3043cba015a93ad1616f1f", "Zone Read", CF_ZONE),
        ("e6d2666161e84845a636613608cee8d5", "Zone Write", CF_ZONE),
        ("82e64a83756745bbbb1c9c2701bf816b", "DNS Read", CF_ZONE),
        ("4755a26eedb94da69e1066d98aa820be", "DNS Write", CF_ZONE),
        ("e17beae8b8cb423a99b1730f21238bed", "Cache Purge", CF_ZONE),
        (
            "9c88f9c5bce24ce7af9a958ba9c504db",
            "Analytics Read",
            CF_ZONE,
        ),
        (
            "c1fde68c7bcc44588cbb6ddbc16d6480",
            "Account Settings Read",
            CF_ACCOUNT,
        ),
        (
            "1a71c399035b4950a1bd1466bbe4f420",
            "Workers Scripts Read",
            CF_ACCOUNT,
        ),
        (
            "e086da7e2179491d91ee5f35b3ca210a",
            "Workers Scripts Write",
            CF_ACCOUNT,
        ),
        // Placeholder id (see above).
        (
            "5bc3f8b21c554832afc660159ab75fa4",
            "Account API Tokens Read",
            CF_ACCOUNT,
        ),
        (
            "a1c0fec57cf94af79479a6d827fa518c",
            "Account API Tokens Write",
            CF_ACCOUNT,
        ),
    ]
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudflareUser {
    pub id: String,
    pub email: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudflareAccount {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct CloudflarePermissionGroup {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CloudflareStatus {
    #[default]
    Active,
    Disabled,
    Expired,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudflareToken {
    pub id: String,
    pub name: String,
    pub value: String,
    pub status: CloudflareStatus,
    pub issued_on: Option<DateTime<Utc>>,
    pub modified_on: Option<DateTime<Utc>>,
    pub last_used_on: Option<DateTime<Utc>>,
    pub not_before: Option<DateTime<Utc>>,
    pub expires_on: Option<DateTime<Utc>>,
    pub condition: Option<CloudflareCondition>,
    pub policies: Vec<CloudflarePolicy>,
    /// Owner: a user (user token, `cfut_`) …
    pub user_id: Option<String>,
    /// … or an account (account-owned token, `cfat_`).
    pub account_id: Option<String>,
}

impl CloudflareToken {
    /// The status Cloudflare reports: `expired` once `expires_on` has passed.
    pub fn effective_status(&self) -> CloudflareStatus {
        match self.status {
            CloudflareStatus::Active if self.expires_on.is_some_and(|e| e <= Utc::now()) => {
                CloudflareStatus::Expired
            }
            s => s,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudflareCondition {
    pub request_ip: Option<CloudflareRequestIp>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudflareRequestIp {
    #[serde(rename = "in")]
    pub in_: Vec<String>,
    pub not_in: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudflarePolicy {
    pub id: String,
    /// `allow` or `deny`.
    pub effect: String,
    pub resources: serde_json::Map<String, Value>,
    pub permission_groups: Vec<CloudflarePermissionGroup>,
}

// ---------------------------------------------------------------- SendGrid

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SendGridData {
    pub keys: Vec<SendGridKey>,
    /// What "Full Access" means (a key created without `scopes` gets these).
    pub full_access_scopes: Vec<String>,
    /// SendGrid's documented limit: 100 keys, then 403.
    pub max_keys: usize,
    /// How long a deleted key keeps authenticating. SendGrid: "Authentications using this
    /// API Key will fail after this request is made, with some small propagation delay"
    /// (Delete API keys, https://www.twilio.com/docs/sendgrid/api-reference/api-keys/delete-api-keys;
    /// the sentence as published in sendgrid/sendgrid-csharp USAGE.md). The length is not
    /// published: 3 s by default, 0 allowed.
    pub delete_propagation_ms: u64,
    /// The body of `GET /api_keys/{id}`: `result_array` = `{"result":[{api_key_id, name,
    /// scopes}]}` as SendGrid's OpenAPI types it (twilio/sendgrid-oai
    /// spec/json/tsg_api_keys_v3.json, GetApiKey); `object` = the bare `{api_key_id, name,
    /// scopes}` object.
    pub get_key_shape: SendGridGetKeyShape,
}

/// See [`SendGridData::get_key_shape`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendGridGetKeyShape {
    #[default]
    ResultArray,
    Object,
}

impl Default for SendGridData {
    fn default() -> Self {
        SendGridData {
            keys: Vec::new(),
            full_access_scopes: default_sendgrid_scopes(),
            max_keys: 100,
            delete_propagation_ms: 3000,
            get_key_shape: SendGridGetKeyShape::default(),
        }
    }
}

fn default_sendgrid_scopes() -> Vec<String> {
    [
        "alerts.create",
        "alerts.delete",
        "alerts.read",
        "alerts.update",
        "api_keys.create",
        "api_keys.delete",
        "api_keys.read",
        "api_keys.update",
        "mail.batch.read",
        "mail.send",
        "marketing.read",
        "marketing.send",
        "stats.global.read",
        "stats.read",
        "suppression.read",
        "templates.create",
        "templates.delete",
        "templates.read",
        "templates.update",
        "user.profile.read",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SendGridKey {
    /// Defaults to the middle part of `value` (`SG.<id>.<secret>`).
    pub api_key_id: String,
    pub name: String,
    pub value: String,
    pub scopes: Vec<String>,
    /// The user (account) the key belongs to; keys list and manage within one user.
    pub user: String,
    pub status: KeyStatus,
    pub created: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
    /// When `DELETE /api_keys/{id}` revoked it (the key still authenticates for
    /// [`SendGridData::delete_propagation_ms`] after this).
    pub deleted_at: Option<DateTime<Utc>>,
    /// `us` (default, api.sendgrid.com) or `eu` (api.eu.sendgrid.com, "for EU regional
    /// subusers" — servers of twilio/sendgrid-oai spec/json/tsg_api_keys_v3.json).
    pub region: String,
}

// ---------------------------------------------------------------- Postmon / Postnomic

/// A key of a provider without a management API (Postmon, Postnomic).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProbeKey {
    pub id: String,
    pub name: String,
    pub value: String,
    /// Postmon: the project; Postnomic: the blog.
    pub scope: String,
    pub status: KeyStatus,
    pub created: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
    pub expires: Option<DateTime<Utc>>,
    pub owner: Option<String>,
}

impl ProbeKey {
    pub fn is_live(&self) -> bool {
        is_live(self.status, self.expires)
    }
}

/// Where the Postmon probe accepts a key, and what it answers. Postmon publishes no API
/// beyond its seed document, so everything here is configurable.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostmonProbe {
    pub method: String,
    /// Path under `/postmon`.
    pub path: String,
    /// JSON body field holding the key (`api_key` per the seed), if accepted.
    pub body_field: Option<String>,
    /// Header holding the key, if accepted.
    pub header: Option<String>,
    /// Query parameter holding the key, if accepted.
    pub query: Option<String>,
    pub success_status: u16,
    pub success_body: Value,
    pub unauthorized_status: u16,
    pub unauthorized_body: Value,
}

impl Default for PostmonProbe {
    fn default() -> Self {
        PostmonProbe {
            method: "POST".to_owned(),
            path: "/v1/event".to_owned(),
            body_field: Some("api_key".to_owned()),
            header: Some("X-Api-Key".to_owned()),
            query: Some("api_key".to_owned()),
            success_status: 200,
            success_body: json!({"status": "ok"}),
            unauthorized_status: 401,
            unauthorized_body: json!({"error": "Invalid API key"}),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostmonData {
    pub keys: Vec<ProbeKey>,
    pub probe: PostmonProbe,
}

/// Where the Postnomic probe listens. The seed names only the header (`X-Api-Key`) and
/// "401 when missing or invalid"; the path and the 401 body are configurable.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostnomicProbe {
    pub method: String,
    /// Path under `/postnomic`.
    pub path: String,
    pub header: String,
    /// `None` = empty body (what an ASP.NET Core authentication challenge sends).
    pub unauthorized_body: Option<Value>,
}

impl Default for PostnomicProbe {
    fn default() -> Self {
        PostnomicProbe {
            method: "GET".to_owned(),
            path: "/api/v1/posts".to_owned(),
            header: "X-Api-Key".to_owned(),
            unauthorized_body: None,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostnomicData {
    pub keys: Vec<ProbeKey>,
    /// Published posts; each has a `blog` field matched against the key's `scope`.
    pub posts: Vec<Value>,
    pub probe: PostnomicProbe,
}

// ---------------------------------------------------------------- demo data

mod demo {
    use super::*;

    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const HEX: &[u8] = b"0123456789abcdef";
    const BASE57: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    const LEGACY_CF: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

    /// `prefix` + `tag` + deterministic filler from `alphabet` (seeded by the tag, so every
    /// demo key has its own tail and masked hint) up to `len` characters after the prefix.
    fn fixed(prefix: &str, tag: &str, alphabet: &[u8], len: usize) -> String {
        let mut body: String = tag.chars().take(len).collect();
        let mut state: u64 = tag.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        while body.chars().count() < len {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let i = usize::try_from(state >> 33).unwrap_or(0) % alphabet.len();
            body.push(char::from(alphabet[i]));
        }
        format!("{prefix}{body}")
    }

    fn cf_value(tag: &str, account: bool) -> String {
        let prefix = if account { "cfat_" } else { "cfut_" };
        let body = fixed(prefix, tag, ALNUM, 40);
        // Deterministic 8-hex tail (any 8 hex satisfy the documented format).
        let sum: u32 = body.bytes().fold(0x811c_9dc5u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        format!("{body}{sum:08x}")
    }

    fn sg_value(id: &str, tag: &str) -> String {
        format!("SG.{id}.{}", fixed("", tag, ALNUM, 43))
    }

    fn policy(group: (&str, &str), resources: Value) -> CloudflarePolicy {
        CloudflarePolicy {
            id: String::new(),
            effect: "allow".to_owned(),
            resources: resources.as_object().cloned().unwrap_or_default(),
            permission_groups: vec![CloudflarePermissionGroup {
                id: group.0.to_owned(),
                name: group.1.to_owned(),
            }],
        }
    }

    pub(super) fn build() -> Seed {
        let now = Utc::now();
        let days = Duration::days;
        let mut seed = Seed::default();

        // Postmark: one account token, two servers with their server tokens.
        seed.postmark.account_tokens.push(PostmarkAccountToken {
            id: "8a1f3c52-0d2e-4b7a-9c61-5e4d3b2a1f00".to_owned(),
            name: "Account admin".to_owned(),
            value: "b7a1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d".to_owned(),
            created: Some(now - days(420)),
            last_used: Some(now - days(3)),
            owner: Some("ada@acme.test".to_owned()),
            ..Default::default()
        });
        seed.postmark.servers.push(PostmarkServer {
            id: 11001,
            name: "Acme Production".to_owned(),
            api_tokens: vec![
                "0f1e2d3c-4b5a-4697-8877-665544332211".to_owned(),
                "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d".to_owned(),
            ],
            color: "Purple".to_owned(),
            server_link: "https://account.postmarkapp.com/servers/11001/streams".to_owned(),
            inbound_hash: "a1b2c3d4e5f6".to_owned(),
            inbound_address: "a1b2c3d4e5f6@inbound.postmarkapp.com".to_owned(),
            ..Default::default()
        });
        seed.postmark.servers.push(PostmarkServer {
            id: 11002,
            name: "Acme Staging".to_owned(),
            api_tokens: vec!["2b3c4d5e-6f70-4819-9a2b-3c4d5e6f7081".to_owned()],
            color: "Yellow".to_owned(),
            delivery_type: "Sandbox".to_owned(),
            server_link: "https://account.postmarkapp.com/servers/11002/streams".to_owned(),
            ..Default::default()
        });

        // Postman: one user, a live key and a revoked one.
        seed.postman.users.push(PostmanUser {
            id: 12_345_678,
            username: "ada-acme".to_owned(),
            email: "ada@acme.test".to_owned(),
            full_name: "Ada Lovelace".to_owned(),
            avatar: None,
            is_public: false,
            team_id: Some(4321),
            team_name: Some("Acme".to_owned()),
            team_domain: Some("acme".to_owned()),
            roles: vec!["user".to_owned()],
            operations: Vec::new(),
        });
        seed.postman.keys.push(PostmanKey {
            id: "pm-ci".to_owned(),
            name: "CI collection runs".to_owned(),
            value: fixed("PMAK-", "0a1b2c3d4e5f", HEX, 24) + "-" + &fixed("", "a1", HEX, 34),
            user_id: 12_345_678,
            created: Some(now - days(200)),
            last_used: Some(now - days(1)),
            owner: Some("ada@acme.test".to_owned()),
            ..Default::default()
        });
        seed.postman.keys.push(PostmanKey {
            id: "pm-eu".to_owned(),
            name: "EU workspace runs".to_owned(),
            value: fixed("PMAK-", "e0e0", HEX, 24) + "-" + &fixed("", "e1e1", HEX, 34),
            user_id: 12_345_678,
            created: Some(now - days(50)),
            region: "eu".to_owned(),
            ..Default::default()
        });
        seed.postman.keys.push(PostmanKey {
            id: "pm-old".to_owned(),
            name: "Old laptop".to_owned(),
            value: fixed("PMAK-", "dead", HEX, 24) + "-" + &fixed("", "beef", HEX, 34),
            user_id: 12_345_678,
            status: KeyStatus::Revoked,
            created: Some(now - days(800)),
            last_used: Some(now - days(500)),
            ..Default::default()
        });

        // PostHog: one organization, prod + staging projects, an admin and a member.
        let org = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".to_owned();
        seed.posthog.organizations.push(PostHogOrganization {
            id: org.clone(),
            name: "Acme".to_owned(),
        });
        for (id, name, tag) in [
            (1, "Acme Web (prod)", "demoProd"),
            (2, "Acme Web (staging)", "demoStaging"),
        ] {
            seed.posthog.projects.push(PostHogProject {
                id,
                uuid: String::new(),
                name: name.to_owned(),
                organization: org.clone(),
                api_token: fixed("phc_", tag, ALNUM, 43),
                admins: vec![1],
                members: vec![2],
                // The older feature-flags secure key: also `phs_`, not an API-managed key.
                secret_api_token: (id == 1).then(|| fixed("phs_", "legacySecure", ALNUM, 43)),
                region: String::new(),
            });
        }
        seed.posthog.users.push(PostHogUser {
            id: 1,
            first_name: "Ada".to_owned(),
            last_name: "Lovelace".to_owned(),
            email: "ada@acme.test".to_owned(),
            ..Default::default()
        });
        seed.posthog.users.push(PostHogUser {
            id: 2,
            first_name: "Bob".to_owned(),
            last_name: "Builder".to_owned(),
            email: "bob@acme.test".to_owned(),
            ..Default::default()
        });
        let personal = [
            (
                "phxAdmin",
                "Keyward admin",
                1,
                vec!["project:write"],
                vec![],
                Some(2),
            ),
            (
                "phxDashboards",
                "Dashboards read-only",
                1,
                vec!["dashboard:read", "insight:read"],
                vec![],
                Some(30),
            ),
            (
                "phxFull",
                "Full access (old script)",
                1,
                vec![],
                vec![],
                Some(400),
            ),
            (
                "phxStaging",
                "Staging only",
                1,
                vec!["project:write"],
                vec![2],
                None,
            ),
            (
                "phxBob",
                "Bob's flags",
                2,
                vec!["project:read", "feature_flag:read"],
                vec![],
                Some(10),
            ),
        ];
        for (tag, label, user, scopes, teams, used) in personal {
            seed.posthog.personal_keys.push(PostHogPersonalKey {
                id: fixed("", &format!("id{tag}"), ALNUM, 32),
                label: label.to_owned(),
                value: fixed("phx_", tag, ALNUM, 47),
                user_id: user,
                scopes: scopes.into_iter().map(str::to_owned).collect(),
                scoped_teams: teams,
                created: Some(now - days(365)),
                last_used: used.map(|d| now - days(d)),
                ..Default::default()
            });
        }
        // A key of PostHog's EU cloud: 401 on the US prefix.
        seed.posthog.personal_keys.push(PostHogPersonalKey {
            id: fixed("", "idphxEu", ALNUM, 32),
            label: "EU cloud key".to_owned(),
            value: fixed("phx_", "phxEuCloud", BASE57, 48),
            user_id: 1,
            scopes: vec!["project:read".to_owned()],
            created: Some(now - days(20)),
            region: "eu".to_owned(),
            ..Default::default()
        });
        seed.posthog.project_secret_keys.push(PostHogSecretKey {
            id: fixed("", "idPhsFlags", ALNUM, 32),
            project_id: 1,
            label: "Backend flag evaluation".to_owned(),
            value: fixed("phs_", "phsFlags", ALNUM, 43),
            scopes: vec!["feature_flag:read".to_owned()],
            created_by: Some(1),
            created: Some(now - days(120)),
            last_used: Some(now - days(1)),
            last_rolled: None,
        });
        seed.posthog.project_secret_keys.push(PostHogSecretKey {
            id: fixed("", "idPhsEndpoints", ALNUM, 32),
            project_id: 1,
            label: "Endpoint reader".to_owned(),
            value: fixed("phs_", "phsEndpoints", ALNUM, 43),
            scopes: vec!["endpoint:read".to_owned()],
            created_by: Some(1),
            created: Some(now - days(300)),
            last_used: None,
            last_rolled: Some(now - days(200)),
        });
        for (id, project, key) in [
            (101, 1, "new-checkout"),
            (102, 1, "dark-mode"),
            (201, 2, "new-checkout"),
        ] {
            seed.posthog.feature_flags.push(PostHogFeatureFlag {
                id,
                project_id: project,
                key: key.to_owned(),
                name: key.replace('-', " "),
                active: true,
                filters: json!({"groups": [{"properties": [], "rollout_percentage": 50}]}),
            });
        }

        // Cloudflare: a user, an account, tokens in every state.
        let user = "7c5dae5552338874e5053f2534d2767a".to_owned();
        let account = "023e105f4ecef8ad9ca31a8372d0c353".to_owned();
        seed.cloudflare.users.push(CloudflareUser {
            id: user.clone(),
            email: "ada@acme.test".to_owned(),
        });
        seed.cloudflare.accounts.push(CloudflareAccount {
            id: account.clone(),
            name: "Acme".to_owned(),
        });
        let user_res = json!({ format!("com.cloudflare.api.user.{user}"): "*" });
        let acct_res = json!({ format!("com.cloudflare.api.account.{account}"): "*" });
        let zone_res =
            json!({"com.cloudflare.api.account.zone.023e105f4ecef8ad9ca31a8372d0c353": "*"});
        let write = ("686d18d5ac6c441c867cbf6771e58a0a", "API Tokens Write");
        let read = ("0cc3a61731504c89b99ec1be78b77aa0", "API Tokens Read");
        let dns = ("4755a26eedb94da69e1066d98aa820be", "DNS Write");
        let acct_write = (
            "a1c0fec57cf94af79479a6d827fa518c",
            "Account API Tokens Write",
        );
        let tokens = [
            (
                "cfAdmin",
                "Keyward admin",
                CloudflareStatus::Active,
                vec![policy(write, user_res.clone())],
                None,
                Some(1),
                false,
            ),
            (
                "cfRead",
                "Token auditor (read)",
                CloudflareStatus::Active,
                vec![policy(read, user_res.clone())],
                None,
                Some(20),
                false,
            ),
            (
                "cfDns",
                "DNS edit - prod",
                CloudflareStatus::Active,
                vec![policy(dns, zone_res.clone())],
                Some(now + days(20)),
                Some(2),
                false,
            ),
            (
                "cfOldCi",
                "Old CI deploy",
                CloudflareStatus::Active,
                vec![policy(dns, zone_res.clone())],
                Some(now - days(10)),
                Some(40),
                false,
            ),
            (
                "cfOff",
                "Paused integration",
                CloudflareStatus::Disabled,
                vec![policy(dns, zone_res)],
                None,
                None,
                false,
            ),
            (
                "cfAcct",
                "Account token admin",
                CloudflareStatus::Active,
                vec![policy(acct_write, acct_res)],
                None,
                Some(5),
                true,
            ),
        ];
        for (tag, name, status, policies, expires, used, account_owned) in tokens {
            seed.cloudflare.tokens.push(CloudflareToken {
                id: String::new(),
                name: name.to_owned(),
                value: cf_value(tag, account_owned),
                status,
                issued_on: Some(now - days(300)),
                modified_on: Some(now - days(100)),
                last_used_on: used.map(|d| now - days(d)),
                not_before: None,
                expires_on: expires,
                condition: None,
                policies,
                user_id: (!account_owned).then(|| user.clone()),
                account_id: account_owned.then(|| account.clone()),
            });
        }
        // Tokens made before the `cfut_`/`cfat_` formats: 40 characters of [A-Za-z0-9_-],
        // no prefix, still working (Cloudflare docs, fundamentals/api/get-started/token-formats).
        seed.cloudflare.tokens.push(CloudflareToken {
            name: "Legacy deploy token".to_owned(),
            value: fixed("", "legacyCfTok", LEGACY_CF, 40),
            issued_on: Some(now - days(900)),
            modified_on: Some(now - days(900)),
            last_used_on: Some(now - days(3)),
            policies: vec![policy(
                dns,
                json!({"com.cloudflare.api.account.zone.023e105f4ecef8ad9ca31a8372d0c353": "*"}),
            )],
            user_id: Some(user.clone()),
            ..Default::default()
        });
        // Accepted by create as Cloudflare does, but grants nothing: DNS Write is a zone
        // group put on an account resource (fundamentals/api/how-to/create-via-api).
        seed.cloudflare.tokens.push(CloudflareToken {
            name: "Mis-scoped DNS token".to_owned(),
            value: cf_value("cfMisScoped", false),
            issued_on: Some(now - days(30)),
            modified_on: Some(now - days(30)),
            policies: vec![policy(
                dns,
                json!({ format!("com.cloudflare.api.account.{account}"): "*" }),
            )],
            user_id: Some(user.clone()),
            ..Default::default()
        });
        // Fixed ids, so a demo script can address them.
        for (i, t) in seed.cloudflare.tokens.iter_mut().enumerate() {
            t.id = format!("{:0>32x}", 0xc0ffee00_u64 + i as u64);
        }

        // SendGrid: a full-access admin key and two narrow ones.
        let full = default_sendgrid_scopes();
        let sg = [
            ("KeywardAdminKey0000001", "Keyward admin", full),
            (
                "TransactionalMail00001",
                "Transactional mail",
                vec!["mail.send".to_owned()],
            ),
            (
                "MarketingReadOnly00001",
                "Marketing (read)",
                vec!["marketing.read".to_owned()],
            ),
        ];
        for (id, name, scopes) in sg {
            seed.sendgrid.keys.push(SendGridKey {
                api_key_id: id.to_owned(),
                name: name.to_owned(),
                value: sg_value(id, "demoSecret"),
                scopes,
                user: "acme".to_owned(),
                created: Some(now - days(90)),
                ..Default::default()
            });
        }

        // An EU regional subuser's key: answers on the EU prefix only.
        seed.sendgrid.keys.push(SendGridKey {
            api_key_id: "EuSubuserMailKey000001".to_owned(),
            name: "EU subuser mail".to_owned(),
            value: sg_value("EuSubuserMailKey000001", "demoEuSecret"),
            scopes: vec!["mail.send".to_owned(), "api_keys.read".to_owned()],
            user: "acme-eu".to_owned(),
            created: Some(now - days(45)),
            region: "eu".to_owned(),
            ..Default::default()
        });

        // Postmon: a live project key and a deactivated one.
        seed.postmon.keys.push(ProbeKey {
            id: "pmon-web".to_owned(),
            name: "Web tracking (prod)".to_owned(),
            value: fixed("", "pmonDemoLive", ALNUM, 40),
            scope: "acme-web".to_owned(),
            created: Some(now - days(150)),
            ..Default::default()
        });
        seed.postmon.keys.push(ProbeKey {
            id: "pmon-old".to_owned(),
            name: "Old web key".to_owned(),
            value: fixed("", "pmonDemoOld", ALNUM, 40),
            scope: "acme-web".to_owned(),
            status: KeyStatus::Revoked,
            created: Some(now - days(700)),
            ..Default::default()
        });

        // Postnomic: one blog key live, one revoked, two published posts.
        seed.postnomic.keys.push(ProbeKey {
            id: "pn-prod".to_owned(),
            name: "Company website production".to_owned(),
            value: "pk_acmeblog_production_a1b2c3d4e5".to_owned(),
            scope: "acmeblog".to_owned(),
            created: Some(now - days(60)),
            ..Default::default()
        });
        seed.postnomic.keys.push(ProbeKey {
            id: "pn-staging".to_owned(),
            name: "Staging app".to_owned(),
            value: "pk_acmeblog_staging_f6e5d4c3b2".to_owned(),
            scope: "acmeblog".to_owned(),
            status: KeyStatus::Revoked,
            created: Some(now - days(400)),
            ..Default::default()
        });
        seed.postnomic.posts = vec![
            json!({"id": 1, "blog": "acmeblog", "title": "Hello, world", "slug": "hello-world", "publishedAt": "2025-01-15T09:00:00Z"}),
            json!({"id": 2, "blog": "acmeblog", "title": "Rotating keys without downtime", "slug": "rotating-keys", "publishedAt": "2025-03-02T09:00:00Z"}),
        ];

        seed.normalize();
        seed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_round_trips_through_json() {
        let demo = Seed::demo();
        let text = serde_json::to_string(&demo).unwrap();
        let back = Seed::from_json(&text).unwrap();
        assert_eq!(back.cloudflare.tokens.len(), demo.cloudflare.tokens.len());
        assert_eq!(back.sendgrid.keys[0].api_key_id, "KeywardAdminKey0000001");
    }

    #[test]
    fn demo_values_have_documented_formats() {
        let demo = Seed::demo();
        for k in &demo.postman.keys {
            let (a, b) = k
                .value
                .strip_prefix("PMAK-")
                .unwrap()
                .split_once('-')
                .unwrap();
            assert_eq!((a.len(), b.len()), (24, 34));
            assert!(a.chars().chain(b.chars()).all(|c| c.is_ascii_hexdigit()));
        }
        for k in &demo.posthog.personal_keys {
            assert!(k.value.starts_with("phx_") && (42..=49).contains(&(k.value.len() - 4)));
        }
        for t in &demo.cloudflare.tokens {
            // Prefixed (`cf[ua]t_` + 40 + 8 hex) or legacy (40 of [A-Za-z0-9_-]).
            assert!(util::cloudflare_token_well_formed(&t.value), "{}", t.name);
        }
        assert!(demo.cloudflare.tokens.iter().any(|t| t.value.len() == 40));
        let ids: std::collections::HashSet<_> =
            demo.cloudflare.tokens.iter().map(|t| &t.id).collect();
        assert_eq!(ids.len(), demo.cloudflare.tokens.len());
        for k in &demo.sendgrid.keys {
            assert_eq!(k.value.len(), 69);
        }
    }

    #[test]
    fn demo_ids_and_masks_do_not_give_values_away() {
        let demo = Seed::demo();
        let pairs = demo
            .posthog
            .personal_keys
            .iter()
            .map(|k| (&k.id, &k.value))
            .chain(
                demo.posthog
                    .project_secret_keys
                    .iter()
                    .map(|k| (&k.id, &k.value)),
            );
        let mut masks = std::collections::HashSet::new();
        for (id, value) in pairs {
            assert!(!value.contains(&id[..8]), "{id} is a piece of its value");
            assert!(
                masks.insert(util::posthog_mask(value)),
                "masks differ between keys"
            );
        }
    }

    #[test]
    fn unknown_seed_fields_are_rejected() {
        assert!(Seed::from_json(r#"{"postmark": {"servrs": []}}"#).is_err());
        assert!(Seed::from_json("{}").is_ok());
    }
}
