//! Cloudflare API tokens: the most complete key-management API. User tokens live under
//! `/user/tokens`, account-owned tokens under `/accounts/{account_id}/tokens`, with the same
//! shapes: list (paginated by `page`/`per_page`; `result_info` has no `total_pages`), create,
//! get, roll (`PUT …/{id}/value`), delete, verify (`GET …/tokens/verify`). Every answer is
//! wrapped in `{success, errors, messages, result}`.
//!
//! Policies: each permission group applies to one kind of resource, given by its `scopes`
//! in `GET …/tokens/permission_groups` (zone, account or user); a group put on the wrong kind
//! of resource does not grant what it says (docs: fundamentals/api/how-to/create-via-api,
//! reference/permissions). So policies are built per group from the API's own answer.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::api::{error_for, ClientError, Verification, VerifyOutcome};
use super::http::{ApiPath, Auth, Http, Reply};
use super::profile::{
    ops, purpose, KeyKindProfile,
    OpMode::{Api, Manual, Unsupported},
    Presentation, Privilege, ProviderProfile, PurposeProfile,
};
use super::{
    path_segment, Admin, Endpoint, Excess, ExcessSeverity, ListedKey, NewKeySpec, NewRemoteValue,
    Provider,
};
use crate::secret::Secret;

pub(super) struct Cloudflare;

/// `{success, errors, messages, result, result_info}` (Cloudflare API schemas: the common
/// response envelope).
#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    errors: Vec<ApiError>,
    result: Option<T>,
    #[serde(default)]
    result_info: Option<ResultInfo>,
}

#[derive(Debug, Deserialize)]
struct ApiError {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    error_chain: Vec<ApiError>,
}

/// Pagination as documented: `page`, `per_page`, `count`, `total_count` — no `total_pages`.
#[derive(Deserialize)]
struct ResultInfo {
    #[serde(default)]
    count: Option<usize>,
    #[serde(default)]
    total_count: Option<usize>,
}

/// A token as get and list return it.
#[derive(Debug, Clone, Deserialize)]
pub struct Token {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub issued_on: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_used_on: Option<DateTime<Utc>>,
    #[serde(default)]
    pub not_before: Option<DateTime<Utc>>,
    #[serde(default)]
    pub expires_on: Option<DateTime<Utc>>,
    #[serde(default)]
    pub policies: Vec<Policy>,
    #[serde(default)]
    pub condition: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Policy {
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    pub effect: String,
    /// `{"com.cloudflare.api.account.<id>": "*"}`, or nested for zones of one account.
    pub resources: Map<String, Value>,
    pub permission_groups: Vec<GroupRef>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupRef {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `GET …/tokens/permission_groups`: `scopes` names the resource kind each group takes.
#[derive(Debug, Clone, Deserialize)]
pub struct PermissionGroup {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `GET …/tokens/verify`.
#[derive(Deserialize)]
struct Verified {
    #[serde(default)]
    id: Option<String>,
    status: String,
    #[serde(default)]
    expires_on: Option<DateTime<Utc>>,
}

/// The create answer: the token plus its `value`, shown this once.
#[derive(Deserialize)]
struct Created {
    id: String,
    value: Secret,
}

const ZONE_SCOPE: &str = "com.cloudflare.api.account.zone";
const ACCOUNT_SCOPE: &str = "com.cloudflare.api.account";
const USER_SCOPE: &str = "com.cloudflare.api.user";

/// Where a kind of token lives: user tokens under `/user`, account-owned ones under their
/// account.
fn tokens_base(at: &Endpoint<'_>, kind: &str) -> Result<ApiPath, ClientError> {
    if kind == "account_token" {
        let account = at.options.account_id.as_deref().ok_or_else(|| {
            ClientError::Unsupported(
                "account-owned Cloudflare tokens live under their account: give the connection's account id (--account)".into(),
            )
        })?;
        Ok(ApiPath::new("/accounts")
            .seg(account_segment(account)?)?
            .lit("tokens"))
    } else {
        Ok(ApiPath::new("/user/tokens"))
    }
}

fn account_segment(a: &str) -> Result<&str, ClientError> {
    if !a.is_empty() && a.len() <= 64 && a.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(a)
    } else {
        Err(ClientError::InvalidUrl(
            "a Cloudflare account id is letters and digits".into(),
        ))
    }
}

/// 400 with code 6003 (chain 6111, "Invalid format for Authorization header"): the value is
/// malformed or truncated — it cannot work, whatever is asked.
fn unusable_value(reply: &Reply) -> bool {
    if reply.status.as_u16() != 400 {
        return false;
    }
    // `IgnoredAny`: an error body's `result` is skipped, never held as a tree.
    let Ok(env) = serde_json::from_slice::<Envelope<IgnoredAny>>(&reply.body) else {
        return false;
    };
    env.errors.iter().any(|e| {
        matches!(e.code, 6003 | 6111) || e.error_chain.iter().any(|c| matches!(c.code, 6003 | 6111))
    })
}

/// The `result` of a successful answer; any other answer as the error it is.
fn result<T: serde::de::DeserializeOwned>(
    reply: &Reply,
) -> Result<(T, Option<ResultInfo>), ClientError> {
    if unusable_value(reply) {
        return Err(ClientError::UnusableValue(
            "Cloudflare answered 400 (6003: invalid format for the Authorization header)".into(),
        ));
    }
    if !reply.status.is_success() {
        return Err(error_for(reply));
    }
    let env: Envelope<T> = reply.json()?;
    if !env.success {
        let msg = env
            .errors
            .first()
            .map(|e| reply.excerpt(&e.message))
            .unwrap_or_default();
        return Err(ClientError::Malformed(format!(
            "success is not true: {msg}"
        )));
    }
    let r = env
        .result
        .ok_or_else(|| ClientError::Malformed("no result".into()))?;
    Ok((r, env.result_info))
}

async fn call(
    at: &Endpoint<'_>,
    key: &Secret,
    method: Method,
    path: &ApiPath,
    body: Option<Value>,
) -> Result<Reply, ClientError> {
    at.http
        .send(method, at.base_url, path, Auth::Bearer(key), body)
        .await
}

/// `GET …/tokens/verify` for a token of `kind`.
pub async fn verify_token(
    at: &Endpoint<'_>,
    kind: &str,
    token: &Secret,
) -> Result<Verification, ClientError> {
    let path = tokens_base(at, kind)?.lit("verify");
    let reply = call(at, token, Method::GET, &path, None).await?;
    if unusable_value(&reply) {
        return Ok(Verification::invalid(
            "Cloudflare answered 400 (6003): this value is not a well-formed token, so it cannot work",
        ));
    }
    match reply.status.as_u16() {
        200 => {
            let (v, _): (Verified, _) = result(&reply)?;
            let outcome = match v.status.as_str() {
                "active" => VerifyOutcome::Valid,
                "expired" => VerifyOutcome::Expired,
                "disabled" => VerifyOutcome::Disabled,
                other => {
                    return Err(ClientError::Malformed(format!(
                        "unknown token status '{}'",
                        super::redact::excerpt(&reply.excerpt(other), 20)
                    )))
                }
            };
            let mut out = Verification::valid(format!("token status: {}", v.status));
            out.outcome = outcome;
            out.remote_id = v.id;
            out.expires_at = v.expires_on;
            Ok(out)
        }
        401 => Ok(Verification::invalid(
            "Cloudflare answered 401: invalid API token",
        )),
        // Code 1000 "Invalid API Token" has been seen with 400 and 403 too.
        400..=499 if has_code(&reply, 1000) => Ok(Verification::invalid(format!(
            "Cloudflare answered {} (1000): invalid API token",
            reply.status.as_u16()
        ))),
        _ => Err(error_for(&reply)),
    }
}

fn has_code(reply: &Reply, code: i64) -> bool {
    serde_json::from_slice::<Envelope<IgnoredAny>>(&reply.body)
        .is_ok_and(|env| env.errors.iter().any(|e| e.code == code))
}

/// Every token under `base` (`/user/tokens` or an account's), page by page until a page is
/// short or `total_count` is reached.
async fn list_under(admin: &Admin<'_>, base: &ApiPath) -> Result<Vec<Token>, ClientError> {
    const PER_PAGE: usize = 50;
    let mut tokens = Vec::new();
    for page in 1..=1000u32 {
        let path = base.clone().query("page", page).query("per_page", PER_PAGE);
        let reply = call(&admin.at, admin.key, Method::GET, &path, None).await?;
        let (items, info): (Vec<Token>, _) = result(&reply)?;
        let n = items.len();
        tokens.extend(items);
        let total = info.as_ref().and_then(|i| i.total_count);
        let count = info.as_ref().and_then(|i| i.count).unwrap_or(n);
        if n == 0 || count < PER_PAGE || total.is_some_and(|t| tokens.len() >= t) {
            break;
        }
    }
    Ok(tokens)
}

/// Every user token, plus the account's own tokens where the connection names an account.
/// The admin token may be a user token without "Account API Tokens Read", or an account
/// token, which `/user/tokens` does not know: a refusal on one side leaves the other's list.
pub async fn list_tokens(admin: &Admin<'_>) -> Result<Vec<(Token, &'static str)>, ClientError> {
    let refused = |e: &ClientError| {
        matches!(
            e,
            ClientError::Unauthorized(_)
                | ClientError::Forbidden(_)
                | ClientError::MissingScope { .. }
                | ClientError::NotFound
        )
    };
    let users = list_under(admin, &ApiPath::new("/user/tokens")).await;
    let accounts = match admin.at.options.account_id {
        // Without `include_expired` the account list leaves expired tokens out.
        Some(_) => {
            let base = tokens_base(&admin.at, "account_token")?.query("include_expired", "true");
            Some(list_under(admin, &base).await)
        }
        None => None,
    };
    let tag = |list: Vec<Token>, kind: &'static str| list.into_iter().map(move |t| (t, kind));
    match (users, accounts) {
        (Ok(u), None) => Ok(tag(u, "user_token").collect()),
        (Ok(u), Some(Ok(a))) => Ok(tag(u, "user_token")
            .chain(tag(a, "account_token"))
            .collect()),
        (Ok(u), Some(Err(e))) if refused(&e) => {
            tracing::debug!("the admin token may not list the account's own tokens");
            Ok(tag(u, "user_token").collect())
        }
        (Err(e), Some(Ok(a))) if refused(&e) => Ok(tag(a, "account_token").collect()),
        (Err(e), _) | (Ok(_), Some(Err(e))) => Err(e),
    }
}

pub async fn get_token(admin: &Admin<'_>, kind: &str, id: &str) -> Result<Token, ClientError> {
    let path = tokens_base(&admin.at, kind)?.seg(path_segment(id)?)?;
    let reply = call(&admin.at, admin.key, Method::GET, &path, None).await?;
    Ok(result::<Token>(&reply)?.0)
}

/// The permission groups a token of `kind` may be given (an account token's come from its
/// account, which is also where an account admin token may ask).
pub async fn permission_groups(
    admin: &Admin<'_>,
    kind: &str,
) -> Result<Vec<PermissionGroup>, ClientError> {
    let path = tokens_base(&admin.at, kind)?.lit("permission_groups");
    let reply = call(&admin.at, admin.key, Method::GET, &path, None).await?;
    Ok(result::<Vec<PermissionGroup>>(&reply)?.0)
}

/// The user id, read from the admin token's own policies (its "API Tokens Write" sits on
/// `com.cloudflare.api.user.<id>`), so a user-level group can be granted on that user.
async fn user_id(admin: &Admin<'_>) -> Result<String, ClientError> {
    let me = verify_token(&admin.at, "user_token", admin.key).await?;
    let id = me.remote_id.ok_or_else(|| {
        ClientError::Malformed("Cloudflare's verify answer names no token id".into())
    })?;
    let token = get_token(admin, "user_token", &id).await?;
    token
        .policies
        .iter()
        .flat_map(|p| p.resources.keys())
        .find_map(|r| r.strip_prefix("com.cloudflare.api.user."))
        .filter(|u| account_segment(u).is_ok())
        .map(str::to_owned)
        .ok_or_else(|| {
            ClientError::Unsupported(
                "a user-level permission (e.g. API Tokens Write) is granted on the user, and the \
                 connection's token does not show which user it belongs to"
                    .into(),
            )
        })
}

/// Policies for permission group names: each group on the kind of resource its `scopes`
/// say, one policy per kind — zones (of the connection's account, else every zone), the
/// account (the connection's, else every account), or the user.
pub async fn policies_for(
    admin: &Admin<'_>,
    kind: &str,
    scopes: &[String],
) -> Result<Vec<Policy>, ClientError> {
    let groups = permission_groups(admin, kind).await?;
    let mut by_resource: Vec<(&'static str, Vec<GroupRef>)> = Vec::new();
    for s in scopes {
        let g = groups
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(s))
            .ok_or_else(|| ClientError::Rejected {
                status: 400,
                message: format!(
                    "Cloudflare has no permission group named '{}'",
                    s.chars().take(64).collect::<String>()
                ),
            })?;
        let kind = if g.scopes.iter().any(|x| x == ZONE_SCOPE) {
            ZONE_SCOPE
        } else if g.scopes.iter().any(|x| x == USER_SCOPE) {
            USER_SCOPE
        } else if g.scopes.iter().any(|x| x == ACCOUNT_SCOPE) {
            ACCOUNT_SCOPE
        } else {
            return Err(ClientError::Malformed(format!(
                "permission group '{}' names no resource kind Keyward knows",
                super::redact::excerpt(&g.name, 64)
            )));
        };
        let r = GroupRef {
            id: g.id.clone(),
            name: None,
        };
        match by_resource.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, list)) => list.push(r),
            None => by_resource.push((kind, vec![r])),
        }
    }
    if by_resource.is_empty() {
        return Err(ClientError::Rejected {
            status: 400,
            message: "a Cloudflare token needs at least one permission group".into(),
        });
    }
    let account = admin
        .at
        .options
        .account_id
        .as_deref()
        .map(account_segment)
        .transpose()?;
    let mut policies = Vec::new();
    for (kind, groups) in by_resource {
        let mut resources = Map::new();
        match (kind, account) {
            (ZONE_SCOPE, Some(a)) => {
                resources.insert(
                    format!("{ACCOUNT_SCOPE}.{a}"),
                    json!({ format!("{ZONE_SCOPE}.*"): "*" }),
                );
            }
            (ZONE_SCOPE, None) => {
                resources.insert(format!("{ZONE_SCOPE}.*"), json!("*"));
            }
            (USER_SCOPE, _) => {
                resources.insert(
                    format!("{USER_SCOPE}.{}", user_id(admin).await?),
                    json!("*"),
                );
            }
            (_, Some(a)) => {
                resources.insert(format!("{ACCOUNT_SCOPE}.{a}"), json!("*"));
            }
            (_, None) => {
                resources.insert(format!("{ACCOUNT_SCOPE}.*"), json!("*"));
            }
        }
        policies.push(Policy {
            id: None,
            effect: "allow".into(),
            resources,
            permission_groups: groups,
        });
    }
    Ok(policies)
}

/// Permission group names across policies, plus `resource:*` markers for wildcards.
fn scopes_of(t: &Token) -> Vec<String> {
    let mut scopes = Vec::new();
    for p in &t.policies {
        scopes.extend(p.permission_groups.iter().filter_map(|g| g.name.clone()));
        for (k, v) in &p.resources {
            if v.as_str() == Some("*") || k.ends_with(".*") || is_nested_wildcard(v) {
                scopes.push(format!("resource:{k}"));
            }
        }
    }
    scopes
}

fn is_nested_wildcard(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.iter()
            .any(|(k, v)| k.ends_with(".*") && v.as_str() == Some("*"))
    })
}

fn outcome_of(status: Option<&str>) -> Option<VerifyOutcome> {
    match status? {
        "active" => Some(VerifyOutcome::Valid),
        "disabled" => Some(VerifyOutcome::Disabled),
        "expired" => Some(VerifyOutcome::Expired),
        _ => None,
    }
}

/// Cloudflare's API at one base URL.
pub struct CloudflareClient<'a> {
    pub http: &'a Http,
    pub base_url: &'a str,
}

/// A token as listed, with its permission groups as scopes.
#[derive(Debug, Clone)]
pub struct CloudflareToken {
    pub id: String,
    pub name: String,
    pub status: String,
    /// Permission group names across policies, plus `resource:*` markers for wildcards.
    pub scopes: Vec<String>,
    pub issued_on: Option<DateTime<Utc>>,
    pub last_used_on: Option<DateTime<Utc>>,
    pub expires_on: Option<DateTime<Utc>>,
}

impl CloudflareClient<'_> {
    /// `account`: verify an account-owned token under `/accounts/{account}/tokens/verify`.
    pub async fn verify(
        &self,
        token: &Secret,
        account: Option<&str>,
    ) -> Result<Verification, ClientError> {
        let options = crate::connection::ConnectionOptions {
            account_id: account.map(str::to_owned),
            ..Default::default()
        };
        let at = Endpoint {
            http: self.http,
            base_url: self.base_url,
            options: &options,
            region_guessed: false,
        };
        let kind = if account.is_some() {
            "account_token"
        } else {
            "user_token"
        };
        verify_token(&at, kind, token).await
    }

    /// Every user token, page by page.
    pub async fn list_tokens(&self, admin: &Secret) -> Result<Vec<CloudflareToken>, ClientError> {
        let admin = Admin {
            at: Endpoint::plain(self.http, self.base_url),
            key: admin,
        };
        Ok(list_under(&admin, &ApiPath::new("/user/tokens"))
            .await?
            .into_iter()
            .map(|t| CloudflareToken {
                scopes: scopes_of(&t),
                status: t.status.clone().unwrap_or_default(),
                id: t.id,
                name: t.name,
                issued_on: t.issued_on,
                last_used_on: t.last_used_on,
                expires_on: t.expires_on,
            })
            .collect())
    }
}

#[async_trait]
impl Provider for Cloudflare {
    fn profile(&self) -> &'static ProviderProfile {
        &PROFILE
    }

    async fn verify(
        &self,
        at: &Endpoint<'_>,
        kind: &'static KeyKindProfile,
        key: &Secret,
    ) -> Result<Verification, ClientError> {
        match kind.id {
            "user_token" => {
                let v = verify_token(at, kind.id, key).await?;
                // An unprefixed (pre-2026) token may be account-owned, and account tokens
                // are unknown to `/user/tokens/verify`: ask the account before "invalid".
                // EXPOSE: the prefix tells whether the owner is known from the value.
                let prefixed = key.expose().starts_with("cfut_");
                if v.outcome == VerifyOutcome::Invalid
                    && !prefixed
                    && at.options.account_id.is_some()
                {
                    let mut as_account = verify_token(at, "account_token", key).await?;
                    if as_account.outcome != VerifyOutcome::Invalid {
                        as_account.kind = Some("account_token".into());
                        return Ok(as_account);
                    }
                }
                Ok(v)
            }
            "account_token" => verify_token(at, kind.id, key).await,
            _ => Err(super::no_verify(&PROFILE, kind)),
        }
    }

    async fn list(&self, admin: &Admin<'_>) -> Result<Vec<ListedKey>, ClientError> {
        Ok(list_tokens(admin)
            .await?
            .into_iter()
            .map(|(t, kind)| ListedKey {
                scopes: scopes_of(&t),
                status: outcome_of(t.status.as_deref()),
                id: t.id,
                name: if t.name.is_empty() {
                    "API token".into()
                } else {
                    t.name
                },
                kind: kind.into(),
                mask: String::new(),
                value: None,
                created_at: t.issued_on,
                last_used_at: t.last_used_on,
                last_rolled_at: None,
                expires_at: t.expires_on,
            })
            .collect())
    }

    /// `POST …/tokens` (the user's, or the account's for an account token). A replacement carries the old token's IP conditions, `not_before`
    /// and `expires_on` over (and its policies when no scopes are given), so a rotation never
    /// widens a key.
    async fn create(
        &self,
        admin: &Admin<'_>,
        spec: &NewKeySpec<'_>,
    ) -> Result<NewRemoteValue, ClientError> {
        let old = match spec.replaces {
            Some(id) => Some(get_token(admin, spec.kind, id).await?),
            None => None,
        };
        let policies = match (&old, spec.scopes.is_empty()) {
            (Some(old), true) => old.policies.clone(),
            _ => policies_for(admin, spec.kind, spec.scopes).await?,
        };
        let mut body = json!({"name": spec.name, "policies": policies});
        if let (Some(old), Some(obj)) = (&old, body.as_object_mut()) {
            if let Some(c) = &old.condition {
                obj.insert("condition".into(), c.clone());
            }
            if let Some(t) = old.not_before {
                obj.insert("not_before".into(), json!(t.to_rfc3339()));
            }
            if let Some(t) = old.expires_on {
                obj.insert("expires_on".into(), json!(t.to_rfc3339()));
            }
        }
        let base = tokens_base(&admin.at, spec.kind)?;
        let reply = call(&admin.at, admin.key, Method::POST, &base, Some(body)).await?;
        let (created, _): (Created, _) = result(&reply)?;
        Ok(NewRemoteValue {
            remote_id: created.id,
            value: created.value,
            scopes: spec.scopes.to_vec(),
        })
    }

    /// `PUT …/tokens/{id}/value` with `{}`: the new value; the old one dies at once.
    async fn roll(
        &self,
        admin: &Admin<'_>,
        kind: &str,
        remote_id: &str,
    ) -> Result<NewRemoteValue, ClientError> {
        let id = path_segment(remote_id)?;
        let path = tokens_base(&admin.at, kind)?.seg(id)?.lit("value");
        let reply = call(&admin.at, admin.key, Method::PUT, &path, Some(json!({}))).await?;
        let (value, _): (Secret, _) = result(&reply)?;
        Ok(NewRemoteValue {
            remote_id: id.to_owned(),
            value,
            scopes: Vec::new(),
        })
    }

    async fn delete(
        &self,
        admin: &Admin<'_>,
        kind: &str,
        remote_id: &str,
    ) -> Result<(), ClientError> {
        let id = path_segment(remote_id)?;
        let path = tokens_base(&admin.at, kind)?.seg(id)?;
        let reply = call(&admin.at, admin.key, Method::DELETE, &path, None).await?;
        match reply.status.as_u16() {
            200 | 202 | 204 | 404 => Ok(()),
            _ if unusable_value(&reply) => Err(ClientError::UnusableValue(
                "Cloudflare answered 400 (6003) to the connection's token".into(),
            )),
            _ => Err(error_for(&reply)),
        }
    }

    fn replacement_keeps_permissions(&self) -> bool {
        true
    }

    fn over_privilege(
        &self,
        kind: &'static KeyKindProfile,
        granted: &[&str],
        purpose: Option<&'static PurposeProfile>,
    ) -> Option<Excess> {
        if kind.id == "global_api_key" {
            let suggested = purpose.map_or("account_token", |p| p.minimal_kind);
            return Some(Excess {
                severity: ExcessSeverity::High,
                excess: vec!["global API key: everything the user can do".into()],
                needed: purpose
                    .map(|p| p.scopes.iter().map(|s| (*s).to_owned()).collect())
                    .unwrap_or_default(),
                suggested_kind: Some(suggested.to_owned()),
                reason: "A Cloudflare global API key has full access, with no scopes, IP conditions or expiry."
                    .into(),
                fix: "Create a scoped API token with only the permissions this task needs, deploy it, \
                      then change the global key."
                    .into(),
            });
        }
        token_excess(granted, purpose?)
    }
}

fn is_edit_permission(scope: &str) -> bool {
    let s = scope.to_ascii_lowercase();
    s.ends_with(" write") || s.ends_with(" edit") || s == "cache purge"
}

fn token_excess(granted: &[&str], purpose: &'static PurposeProfile) -> Option<Excess> {
    let needed: Vec<String> = purpose.scopes.iter().map(|s| (*s).to_owned()).collect();
    let needed = needed.as_slice();
    if granted.is_empty() || needed.is_empty() {
        return None;
    }
    let read_purpose = needed
        .iter()
        .all(|n| n.to_ascii_lowercase().ends_with(" read"));
    let wildcards: Vec<String> = granted
        .iter()
        .filter(|g| g.starts_with("resource:"))
        .map(|g| (*g).to_owned())
        .collect();
    let extra: Vec<String> = granted
        .iter()
        .filter(|g| {
            !g.starts_with("resource:") && !needed.iter().any(|n| n.eq_ignore_ascii_case(g))
        })
        .map(|g| (*g).to_owned())
        .collect();
    let edits: Vec<String> = extra
        .iter()
        .filter(|g| is_edit_permission(g))
        .cloned()
        .collect();
    if extra.is_empty() {
        return None;
    }
    let mut excess = extra.clone();
    // Wildcard resources matter when the token can also change things it does not need to.
    if !edits.is_empty() {
        excess.extend(wildcards.iter().cloned());
    }
    let severity = if read_purpose && !edits.is_empty() && !wildcards.is_empty() {
        ExcessSeverity::High
    } else {
        ExcessSeverity::Medium
    };
    Some(Excess {
        severity,
        excess,
        needed: needed.to_vec(),
        suggested_kind: None,
        reason: if read_purpose && !edits.is_empty() {
            format!(
                "This token can change things ({}){} but is used to {}, which only reads.",
                edits.join(", "),
                if wildcards.is_empty() {
                    ""
                } else {
                    " on every resource of its kind"
                },
                purpose.label.to_lowercase()
            )
        } else {
            format!(
                "This token holds permissions that {} does not need: {}.",
                purpose.label.to_lowercase(),
                extra.join(", ")
            )
        },
        fix: format!(
            "Create a token with {} only, limited to the zones or accounts it serves; deploy it, then revoke this one.",
            needed.join(", ")
        ),
    })
}

pub(super) const PROFILE: ProviderProfile = ProviderProfile {
    id: "cloudflare",
    display_name: "Cloudflare",
    default_base_url: Some("https://api.cloudflare.com/client/v4"),
    dashboard_url: CLOUDFLARE_DASHBOARD,
    docs_url: "https://developers.cloudflare.com/api/",
    kinds: CLOUDFLARE_KINDS,
    purposes: CLOUDFLARE_PURPOSES,
    env_prefix: "CLOUDFLARE",
    admin_kind: Some("user_token"),
    created_kind: Some("user_token"),
    regions: &[],
};
const CLOUDFLARE_DASHBOARD: &str = "https://www.cloudflare.com";
const CF_TOKEN_NOTES: &str = "Policies of permission groups on resources, optional IP \
    conditions and `expires_on`. Full API: list/create `…/tokens`, roll `PUT …/tokens/{id}/value` \
    (the old value dies at once), delete, verify `GET …/tokens/verify` (status active, disabled \
    or expired). The value is shown only on create and roll; `last_used_on` comes from the list. \
    Managing tokens needs a token holding \"API Tokens Write\". 429 carries `Retry-After`.";

const CLOUDFLARE_KINDS: &[KeyKindProfile] = &[
    KeyKindProfile {
        id: "user_token",
        display_name: "User API token",
        presentation: Presentation::Bearer,
        presentation_name: "Authorization",
        prefix: Some("cfut_"),
        // Since 2026: cfut_ + 40 alphanumerics + an 8-hex checksum. Tokens created before
        // have no prefix (40 of [A-Za-z0-9_-]) and keep working (Cloudflare docs:
        // fundamentals/api/get-started/token-formats).
        pattern: Some(r"^(?:cfut_[a-zA-Z0-9]{40}[a-f0-9]{8}|[A-Za-z0-9_-]{40})$"),
        shape: "starts with cfut_ followed by 40 letters or digits and an 8-hex-digit checksum, \
                or (tokens made before 2026) is 40 letters, digits, '_' or '-'",
        privilege: Privilege::Scoped,
        client_safe: false,
        operations: ops(Api, Api, Api, Api, Api),
        reports_last_use: true,
        dashboard_url: CLOUDFLARE_DASHBOARD,
        notes: CF_TOKEN_NOTES,
    },
    KeyKindProfile {
        id: "account_token",
        display_name: "Account API token",
        presentation: Presentation::Bearer,
        presentation_name: "Authorization",
        prefix: Some("cfat_"),
        pattern: Some(r"^(?:cfat_[a-zA-Z0-9]{40}[a-f0-9]{8}|[A-Za-z0-9_-]{40})$"),
        shape: "starts with cfat_ followed by 40 letters or digits and an 8-hex-digit checksum, \
                or (tokens made before 2026) is 40 letters, digits, '_' or '-'",
        privilege: Privilege::Scoped,
        client_safe: false,
        operations: ops(Api, Api, Api, Api, Api),
        reports_last_use: true,
        dashboard_url: CLOUDFLARE_DASHBOARD,
        notes: CF_TOKEN_NOTES,
    },
    KeyKindProfile {
        id: "global_api_key",
        display_name: "Global API key",
        presentation: Presentation::Header,
        presentation_name: "X-Auth-Key",
        prefix: Some("cfk_"),
        // cfk_ since 2026; legacy Global API Keys are 37–45 lowercase hex (token-formats).
        pattern: Some(r"^(?:cfk_[A-Za-z0-9_-]{8,128}|[a-f0-9]{37,45})$"),
        shape: "starts with cfk_ followed by letters, digits, underscores or hyphens, or (legacy) \
                is 37–45 lowercase hexadecimal digits",
        privilege: Privilege::Full,
        client_safe: false,
        // One per user: nothing to list, create or revoke; changing it is a dashboard action.
        operations: ops(Unsupported, Unsupported, Manual, Unsupported, Manual),
        reports_last_use: false,
        dashboard_url: CLOUDFLARE_DASHBOARD,
        notes: "Warning: full access to everything the user can do, with no scopes, IP \
                conditions or expiry. Replace it with scoped API tokens wherever possible. \
                Sent with the account e-mail (`X-Auth-Email`). No management or verify API was \
                found for it; its exact length is not documented, so the format check is loose.",
    },
];

const CLOUDFLARE_PURPOSES: &[PurposeProfile] = &[
    purpose(
        "purge_cache",
        "Purge cache",
        "account_token",
        &["Cache Purge"],
    ),
    purpose(
        "edit_dns",
        "Edit DNS records",
        "account_token",
        &["DNS Write"],
    ),
    purpose(
        "read_analytics",
        "Read analytics",
        "account_token",
        &["Analytics Read"],
    ),
    purpose(
        "deploy_workers",
        "Deploy Workers",
        "account_token",
        &["Workers Scripts Write"],
    ),
    purpose(
        "manage_api_tokens",
        "Manage API tokens (Keyward connection)",
        "user_token",
        &["API Tokens Write"],
    ),
];
