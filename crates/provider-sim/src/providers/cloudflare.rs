//! Cloudflare API tokens (`https://api.cloudflare.com/client/v4`): verify, list, create,
//! update, delete, roll (`PUT …/value`, old value dies at once), for user tokens under
//! `/user/tokens` and account-owned tokens under `/accounts/{account_id}/tokens` (same
//! shapes: https://developers.cloudflare.com/api/resources/accounts/subresources/tokens/).
//!
//! Authorization follows *effective* permissions: a policy's permission group grants only on
//! resources of the group's scope (zone groups on zones, account groups on accounts, user
//! groups on the user). Create accepts a mismatched policy, as Cloudflare does, but it grants
//! nothing (https://developers.cloudflare.com/fundamentals/api/how-to/create-via-api/,
//! https://developers.cloudflare.com/fundamentals/api/reference/permissions/).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, put};
use axum::{Extension, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{header, json_response, parse_json, peer_ip, PeerAddr};
use crate::seed::{
    CloudflareCondition, CloudflarePermissionGroup, CloudflarePolicy, CloudflareStatus,
    CloudflareToken, Seed,
};

pub use crate::seed::CloudflareQuotaError;
use crate::state::SimHandle;
use crate::util;

const INVALID_TOKEN: (i64, &str) = (1000, "Invalid API Token");
/// A malformed or truncated bearer value: 400 with this code and the chained 6111, verify
/// included. Text as Cloudflare answers it:
/// `{"code":6003,"message":"Invalid request headers","error_chain":[{"code":6111,
/// "message":"Invalid format for Authorization header"}]}`
/// (https://community.cloudflare.com/t/api-authentication-failing/110430; providers.md).
const BAD_HEADERS: (i64, &str) = (6003, "Invalid request headers");
const BAD_AUTH_FORMAT: (i64, &str) = (6111, "Invalid format for Authorization header");
const MISSING_AUTH: (i64, &str) = (
    9106,
    "Missing X-Auth-Key, X-Auth-Email or Authorization headers",
);
const UNAUTHORIZED: (i64, &str) = (9109, "Unauthorized to access requested resource");
const MALFORMED_JSON: (i64, &str) = (6007, "Malformed JSON in request body");
const NO_ROUTE: (i64, &str) = (7000, "No route for that URI");
const RATE_LIMITED: (i64, &str) = (
    971,
    "Please wait and consider throttling your request speed",
);
/// Request validation failures: Cloudflare's code for these is not documented.
const INVALID_REQUEST: i64 = 1001;

pub(crate) fn router() -> Router<SimHandle> {
    Router::new()
        .route("/user/tokens/verify", get(verify_user))
        .route(
            "/user/tokens/permission_groups",
            get(permission_groups_user),
        )
        .route("/user/tokens", get(list_user).post(create_user))
        .route(
            "/user/tokens/{id}",
            get(get_user).put(update_user).delete(delete_user),
        )
        .route("/user/tokens/{id}/value", put(roll_user))
        .route("/accounts/{account_id}/tokens/verify", get(verify_account))
        .route(
            "/accounts/{account_id}/tokens/permission_groups",
            get(permission_groups_account),
        )
        .route(
            "/accounts/{account_id}/tokens",
            get(list_account).post(create_account),
        )
        .route(
            "/accounts/{account_id}/tokens/{id}",
            get(get_account).put(update_account).delete(delete_account),
        )
        .route(
            "/accounts/{account_id}/tokens/{id}/value",
            put(roll_account),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, NO_ROUTE.0, NO_ROUTE.1) })
}

/// `{"success":false,"errors":[{code,message}],"messages":[],"result":null}`.
pub(crate) fn error(status: StatusCode, code: i64, message: &str) -> Response {
    json_response(
        status,
        json!({"success": false, "errors": [{"code": code, "message": message}], "messages": [], "result": null}),
    )
}

fn err(status: StatusCode, (code, message): (i64, &str)) -> Response {
    error(status, code, message)
}

/// 400 / 6003 with `error_chain` 6111: the Authorization header cannot be a token.
fn bad_authorization_format() -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        json!({
            "success": false,
            "errors": [{
                "code": BAD_HEADERS.0, "message": BAD_HEADERS.1,
                "error_chain": [{"code": BAD_AUTH_FORMAT.0, "message": BAD_AUTH_FORMAT.1}],
            }],
            "messages": [],
            "result": null,
        }),
    )
}

fn ok(result: Value) -> Response {
    json_response(
        StatusCode::OK,
        json!({"success": true, "errors": [], "messages": [], "result": result}),
    )
}

pub(crate) fn rate_limited() -> Response {
    err(StatusCode::TOO_MANY_REQUESTS, RATE_LIMITED)
}

pub(crate) fn error_for_status(status: StatusCode) -> Response {
    match status.as_u16() {
        400 => error(status, INVALID_REQUEST, "Bad Request"),
        401 => err(status, INVALID_TOKEN),
        403 => err(status, UNAUTHORIZED),
        404 => err(status, NO_ROUTE),
        429 => rate_limited(),
        s => error(
            status,
            i64::from(s),
            status.canonical_reason().unwrap_or("Error"),
        ),
    }
}

/// Which tokens a route manages.
#[derive(Clone, Debug)]
enum Owner {
    User,
    Account(String),
}

impl Owner {
    fn owns(&self, t: &CloudflareToken, caller_user: Option<&str>) -> bool {
        match self {
            Owner::User => {
                t.account_id.is_none()
                    && t.user_id.as_deref() == caller_user
                    && caller_user.is_some()
            }
            Owner::Account(a) => t.account_id.as_deref() == Some(a.as_str()),
        }
    }

    fn read_write_groups(&self) -> (&'static str, &'static str) {
        match self {
            Owner::User => ("API Tokens Read", "API Tokens Write"),
            Owner::Account(_) => ("Account API Tokens Read", "Account API Tokens Write"),
        }
    }

    fn resource(&self) -> Option<String> {
        match self {
            Owner::User => None,
            Owner::Account(a) => Some(format!("com.cloudflare.api.account.{a}")),
        }
    }
}

fn check_condition(t: &CloudflareToken, ip: std::net::IpAddr) -> Result<(), Response> {
    let Some(CloudflareCondition {
        request_ip: Some(r),
    }) = &t.condition
    else {
        return Ok(());
    };
    let allowed = r.in_.is_empty() || r.in_.iter().any(|c| util::cidr_contains(c, ip));
    let denied = r.not_in.iter().any(|c| util::cidr_contains(c, ip));
    if allowed && !denied {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            UNAUTHORIZED.0,
            &format!("Cannot use the access token from location: {ip}"),
        ))
    }
}

/// Finds the presented token among the ones this route verifies (verify answers for any
/// status; other calls only for usable tokens). No Authorization header: 400 / 9106. A
/// header that is not `Bearer <token shape>`: 400 / 6003 (a value the seed holds always
/// has a usable shape). A well-formed unknown token: 401 / 1000.
fn lookup(d: &Seed, headers: &HeaderMap, owner: Option<&Owner>) -> Result<usize, Response> {
    let Some(auth) = header(headers, "authorization") else {
        return Err(err(StatusCode::BAD_REQUEST, MISSING_AUTH));
    };
    let value = match auth.split_once(' ') {
        Some((scheme, v)) if scheme.eq_ignore_ascii_case("bearer") => v.trim(),
        _ => return Err(bad_authorization_format()),
    };
    let known = d.cloudflare.tokens.iter().any(|t| t.value == value);
    if !known && !util::cloudflare_token_well_formed(value) {
        return Err(bad_authorization_format());
    }
    d.cloudflare
        .tokens
        .iter()
        .position(|t| {
            t.value == value
                && match owner {
                    Some(Owner::User) => t.account_id.is_none(),
                    Some(o @ Owner::Account(_)) => o.owns(t, None),
                    None => true,
                }
        })
        .ok_or_else(|| err(StatusCode::UNAUTHORIZED, INVALID_TOKEN))
}

/// A usable token: active, not expired, past `not_before`, from an allowed address.
fn authenticate(
    d: &mut Seed,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
) -> Result<usize, Response> {
    let i = lookup(d, headers, None)?;
    let t = &d.cloudflare.tokens[i];
    let now = Utc::now();
    if t.effective_status() != CloudflareStatus::Active || t.not_before.is_some_and(|nb| nb > now) {
        return Err(err(StatusCode::UNAUTHORIZED, INVALID_TOKEN));
    }
    check_condition(t, ip)?;
    d.cloudflare.tokens[i].last_used_on = Some(now);
    Ok(i)
}

/// Which of Cloudflare's three resource kinds a resource key names.
fn resource_scope(key: &str) -> Option<&'static str> {
    if key.starts_with("com.cloudflare.api.account.zone.") {
        Some("com.cloudflare.api.account.zone")
    } else if key.starts_with("com.cloudflare.api.account.") {
        Some("com.cloudflare.api.account")
    } else if key.starts_with("com.cloudflare.api.user.") {
        Some("com.cloudflare.api.user")
    } else {
        None
    }
}

/// One permission a token really has: a group on a resource of the group's scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EffectivePermission {
    pub policy_id: String,
    /// `allow` or `deny`.
    pub effect: String,
    pub group_id: String,
    pub group_name: String,
    /// The resource key, e.g. `com.cloudflare.api.account.zone.<id>` (a `*` glob allowed).
    pub resource: String,
    /// The group's (and resource's) scope.
    pub scope: String,
}

/// The permissions `t`'s policies really grant. A group is effective only on resources of
/// its own scope: top-level keys, and for the nested form
/// `{"com.cloudflare.api.account.<id>": {"com.cloudflare.api.account.zone.*": "*"}}` the
/// inner zone keys. DNS Write on `com.cloudflare.api.account.<id>` grants nothing.
pub fn effective_permissions(d: &Seed, t: &CloudflareToken) -> Vec<EffectivePermission> {
    let mut out = Vec::new();
    for p in &t.policies {
        let mut resources: Vec<&str> = Vec::new();
        for (k, v) in &p.resources {
            match v {
                Value::Object(inner) => resources.extend(inner.keys().map(String::as_str)),
                _ => resources.push(k),
            }
        }
        for g in &p.permission_groups {
            let scopes = d.cloudflare.group_scopes(g);
            for r in &resources {
                let Some(scope) = resource_scope(r) else {
                    continue;
                };
                if scopes.iter().any(|s| s == scope) {
                    out.push(EffectivePermission {
                        policy_id: p.id.clone(),
                        effect: if p.effect.is_empty() {
                            "allow".to_owned()
                        } else {
                            p.effect.clone()
                        },
                        group_id: g.id.clone(),
                        group_name: g.name.clone(),
                        resource: (*r).to_owned(),
                        scope: scope.to_owned(),
                    });
                }
            }
        }
    }
    out
}

/// Whether `t` effectively holds one of `groups` on `resource` (any resource of the
/// groups' scope when `None`).
fn has_permission(d: &Seed, t: &CloudflareToken, groups: &[&str], resource: Option<&str>) -> bool {
    let eff = effective_permissions(d, t);
    let hits = |effect_deny: bool| {
        eff.iter().any(|e| {
            (e.effect == "deny") == effect_deny
                && groups.contains(&e.group_name.as_str())
                && resource.is_none_or(|r| e.resource == r || util::glob_match(&e.resource, r))
        })
    };
    hits(false) && !hits(true)
}

/// Authenticates the caller and checks it may read (or write) the tokens of `owner`:
/// the caller's index.
fn authorize(
    d: &mut Seed,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    owner: &Owner,
    write: bool,
) -> Result<usize, Response> {
    let i = authenticate(d, headers, ip)?;
    if let Owner::Account(a) = owner {
        if !d.cloudflare.accounts.iter().any(|acc| &acc.id == a) {
            return Err(err(StatusCode::FORBIDDEN, UNAUTHORIZED));
        }
    }
    let (read, write_group) = owner.read_write_groups();
    let groups: &[&str] = if write {
        &[write_group]
    } else {
        &[read, write_group]
    };
    let t = &d.cloudflare.tokens[i];
    let user_ok = match owner {
        Owner::User => t.account_id.is_none(),
        Owner::Account(_) => true,
    };
    if !user_ok || !has_permission(d, t, groups, owner.resource().as_deref()) {
        return Err(err(StatusCode::FORBIDDEN, UNAUTHORIZED));
    }
    Ok(i)
}

fn time(t: &DateTime<Utc>) -> Value {
    Value::String(util::cf_time(t))
}

fn token_json(t: &CloudflareToken) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(t.id));
    o.insert("name".into(), json!(t.name));
    o.insert(
        "status".into(),
        serde_json::to_value(t.effective_status()).unwrap_or(Value::Null),
    );
    // Every documented field, null when unset (the OpenAPI marks the timestamps optional;
    // a client must not depend on their absence either way).
    for (k, v) in [
        ("issued_on", &t.issued_on),
        ("modified_on", &t.modified_on),
        ("last_used_on", &t.last_used_on),
        ("not_before", &t.not_before),
        ("expires_on", &t.expires_on),
    ] {
        o.insert(k.into(), v.as_ref().map_or(Value::Null, time));
    }
    let condition = match &t.condition {
        Some(c) => serde_json::to_value(c).unwrap_or(Value::Null),
        None => json!({}),
    };
    o.insert("condition".into(), condition);
    o.insert(
        "policies".into(),
        serde_json::to_value(&t.policies).unwrap_or(Value::Null),
    );
    Value::Object(o)
}

fn target(d: &Seed, owner: &Owner, caller: usize, id: &str, path: &str) -> Result<usize, Response> {
    let caller_user = d.cloudflare.tokens[caller].user_id.clone();
    d.cloudflare
        .tokens
        .iter()
        .position(|t| t.id == id && owner.owns(t, caller_user.as_deref()))
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                7003,
                &format!("Could not route to {path}, perhaps your object identifier is invalid?"),
            )
        })
}

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, INVALID_REQUEST, message)
}

fn parse_body(body: &Bytes) -> Result<Map<String, Value>, Response> {
    match parse_json::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(err(StatusCode::BAD_REQUEST, MALFORMED_JSON)),
    }
}

fn parse_time(v: Option<&Value>, field: &str) -> Result<Option<Option<DateTime<Utc>>>, Response> {
    match v {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(Some(t.with_timezone(&Utc))))
            .map_err(|_| invalid(&format!("{field}: invalid date-time"))),
        Some(_) => Err(invalid(&format!("{field}: invalid date-time"))),
    }
}

fn parse_policies(d: &Seed, v: &Value) -> Result<Vec<CloudflarePolicy>, Response> {
    let mut policies: Vec<CloudflarePolicy> =
        serde_json::from_value(v.clone()).map_err(|e| invalid(&format!("policies: {e}")))?;
    if policies.is_empty() {
        return Err(invalid("policies: at least one policy is required"));
    }
    for p in &mut policies {
        if p.id.is_empty() {
            p.id = util::cloudflare_id();
        }
        if p.effect.is_empty() {
            p.effect = "allow".to_owned();
        }
        if !matches!(p.effect.as_str(), "allow" | "deny") {
            return Err(invalid("policies: effect must be allow or deny"));
        }
        if p.permission_groups.is_empty() {
            return Err(invalid("policies: permission_groups is required"));
        }
        for g in &mut p.permission_groups {
            if let Some(known) = d.cloudflare.permission_groups.iter().find(|k| k.id == g.id) {
                g.name.clone_from(&known.name);
            }
        }
    }
    Ok(policies)
}

fn parse_condition(v: &Value) -> Result<Option<CloudflareCondition>, Response> {
    if v.is_null() {
        return Ok(None);
    }
    serde_json::from_value(v.clone())
        .map(Some)
        .map_err(|e| invalid(&format!("condition: {e}")))
}

/// Applies name/policies/status/not_before/expires_on/condition from a body.
fn apply(
    d: &Seed,
    t: &mut CloudflareToken,
    body: &Map<String, Value>,
    creating: bool,
) -> Result<(), Response> {
    match body.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() => t.name = n.clone(),
        None if !creating => {}
        _ => return Err(invalid("name: a name is required")),
    }
    match body.get("policies") {
        Some(p) => t.policies = parse_policies(d, p)?,
        None if !creating => {}
        None => return Err(invalid("policies: at least one policy is required")),
    }
    // Update Token (PUT /user/tokens/{token_id}, PUT /accounts/{account_id}/tokens/{token_id})
    // takes the token's `status`, one of "active", "disabled", "expired": a disabled token
    // keeps existing but stops working (developers.cloudflare.com/api/resources/user/
    // subresources/tokens/methods/update). The e2e tests disable a token this way.
    if let Some(s) = body.get("status") {
        t.status = serde_json::from_value(s.clone())
            .map_err(|_| invalid("status: must be one of active, disabled, expired"))?;
    }
    if let Some(nb) = parse_time(body.get("not_before"), "not_before")? {
        t.not_before = nb;
    }
    if let Some(e) = parse_time(body.get("expires_on"), "expires_on")? {
        t.expires_on = e;
    }
    if let Some(c) = body.get("condition") {
        t.condition = parse_condition(c)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- handlers, shared

fn do_verify(sim: &SimHandle, headers: &HeaderMap, ip: std::net::IpAddr, owner: Owner) -> Response {
    sim.with_data(|d| {
        if let Owner::Account(a) = &owner {
            if !d.cloudflare.accounts.iter().any(|acc| &acc.id == a) {
                return err(StatusCode::UNAUTHORIZED, INVALID_TOKEN);
            }
        }
        let i = match lookup(d, headers, Some(&owner)) {
            Ok(i) => i,
            Err(r) => return r,
        };
        if let Err(r) = check_condition(&d.cloudflare.tokens[i], ip) {
            return r;
        }
        let t = &mut d.cloudflare.tokens[i];
        let status = t.effective_status();
        if status == CloudflareStatus::Active {
            t.last_used_on = Some(Utc::now());
        }
        let mut result = Map::new();
        result.insert("id".into(), json!(t.id));
        result.insert("status".into(), serde_json::to_value(status).unwrap_or(Value::Null));
        // `{id, status, not_before, expires_on}` (Verify Token; the troubleshooting page's
        // example carries all four). Unset times are null. A disabled or expired token still
        // gets 200 with that `status` (the documented enum active|disabled|expired); what
        // Cloudflare really answers for those is not stated beyond the schema.
        result.insert(
            "not_before".into(),
            t.not_before.as_ref().map_or(Value::Null, time),
        );
        result.insert(
            "expires_on".into(),
            t.expires_on.as_ref().map_or(Value::Null, time),
        );
        let messages = if status == CloudflareStatus::Active {
            json!([{"code": 10000, "message": "This API Token is valid and active", "type": null}])
        } else {
            json!([])
        };
        json_response(
            StatusCode::OK,
            json!({"success": true, "errors": [], "messages": messages, "result": Value::Object(result)}),
        )
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Page {
    page: Option<usize>,
    per_page: Option<usize>,
}

fn do_list(
    sim: &SimHandle,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    owner: Owner,
    page: Page,
) -> Response {
    sim.with_data(|d| {
        let caller = match authorize(d, headers, ip, &owner, false) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let caller_user = d.cloudflare.tokens[caller].user_id.clone();
        let all: Vec<Value> = d
            .cloudflare
            .tokens
            .iter()
            .filter(|t| owner.owns(t, caller_user.as_deref()))
            .map(token_json)
            .collect();
        let per_page = page.per_page.unwrap_or(20).clamp(5, 50);
        let page_no = page.page.unwrap_or(1).max(1);
        let total = all.len();
        let items: Vec<Value> = all
            .into_iter()
            .skip((page_no - 1) * per_page)
            .take(per_page)
            .collect();
        json_response(
            StatusCode::OK,
            json!({
                "success": true, "errors": [], "messages": [], "result": items.clone(),
                // Documented `result_info`: page, per_page, count, total_count — no
                // total_pages (providers.md; Cloudflare API reference, List Tokens).
                "result_info": {
                    "page": page_no, "per_page": per_page, "count": items.len(),
                    "total_count": total,
                }
            }),
        )
    })
}

fn do_get(
    sim: &SimHandle,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    owner: Owner,
    id: &str,
    path: &str,
) -> Response {
    sim.with_data(|d| {
        let caller = match authorize(d, headers, ip, &owner, false) {
            Ok(c) => c,
            Err(r) => return r,
        };
        match target(d, &owner, caller, id, path) {
            Ok(i) => ok(token_json(&d.cloudflare.tokens[i])),
            Err(r) => r,
        }
    })
}

fn do_create(
    sim: &SimHandle,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    owner: Owner,
    body: &Bytes,
) -> Response {
    sim.with_data(|d| {
        let caller = match authorize(d, headers, ip, &owner, true) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let body = match parse_body(body) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let now = Utc::now();
        let account = match &owner {
            Owner::Account(a) => Some(a.clone()),
            Owner::User => None,
        };
        // Quotas: "User API token quota 50, Account API token quota 500"
        // (https://developers.cloudflare.com/fundamentals/api/reference/limits/); the error
        // Cloudflare sends is not published, so it is the seed's `quota_error`.
        let caller_user = d.cloudflare.tokens[caller].user_id.clone();
        let (held, max) = match &owner {
            Owner::Account(a) => (
                d.cloudflare
                    .tokens
                    .iter()
                    .filter(|t| t.account_id.as_deref() == Some(a.as_str()))
                    .count(),
                d.cloudflare.max_account_tokens,
            ),
            Owner::User => (
                d.cloudflare
                    .tokens
                    .iter()
                    .filter(|t| owner.owns(t, caller_user.as_deref()))
                    .count(),
                d.cloudflare.max_user_tokens,
            ),
        };
        if held >= max {
            let q = &d.cloudflare.quota_error;
            return error(
                StatusCode::from_u16(q.status).unwrap_or(StatusCode::BAD_REQUEST),
                q.code,
                &q.message,
            );
        }
        let mut t = CloudflareToken {
            id: util::cloudflare_id(),
            value: util::cloudflare_token(account.is_some()),
            issued_on: Some(now),
            modified_on: Some(now),
            user_id: if account.is_some() {
                None
            } else {
                d.cloudflare.tokens[caller].user_id.clone()
            },
            account_id: account,
            ..CloudflareToken::default()
        };
        if let Err(r) = apply(d, &mut t, &body, true) {
            return r;
        }
        let mut out = token_json(&t);
        if let Some(o) = out.as_object_mut() {
            o.insert("value".into(), json!(t.value));
        }
        d.cloudflare.tokens.push(t);
        ok(out)
    })
}

fn do_update(
    sim: &SimHandle,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    owner: Owner,
    id: &str,
    path: &str,
    body: &Bytes,
) -> Response {
    sim.with_data(|d| {
        let caller = match authorize(d, headers, ip, &owner, true) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let i = match target(d, &owner, caller, id, path) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let body = match parse_body(body) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let mut t = d.cloudflare.tokens[i].clone();
        if let Err(r) = apply(d, &mut t, &body, false) {
            return r;
        }
        t.modified_on = Some(Utc::now());
        let out = token_json(&t);
        d.cloudflare.tokens[i] = t;
        ok(out)
    })
}

fn do_delete(
    sim: &SimHandle,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    owner: Owner,
    id: &str,
    path: &str,
) -> Response {
    sim.with_data(|d| {
        let caller = match authorize(d, headers, ip, &owner, true) {
            Ok(c) => c,
            Err(r) => return r,
        };
        match target(d, &owner, caller, id, path) {
            Ok(i) => {
                let t = d.cloudflare.tokens.remove(i);
                ok(json!({"id": t.id}))
            }
            Err(r) => r,
        }
    })
}

fn do_roll(
    sim: &SimHandle,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    owner: Owner,
    id: &str,
    path: &str,
    body: &Bytes,
) -> Response {
    sim.with_data(|d| {
        let caller = match authorize(d, headers, ip, &owner, true) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let i = match target(d, &owner, caller, id, path) {
            Ok(i) => i,
            Err(r) => return r,
        };
        if let Err(r) = parse_body(body) {
            return r;
        }
        let t = &mut d.cloudflare.tokens[i];
        t.value = util::cloudflare_token(t.account_id.is_some());
        t.modified_on = Some(Utc::now());
        ok(json!(t.value))
    })
}

fn do_permission_groups(
    sim: &SimHandle,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    owner: Owner,
) -> Response {
    sim.with_data(|d| {
        if let Err(r) = authorize(d, headers, ip, &owner, false) {
            return r;
        }
        // `{id, name, scopes}` per group (List Token Permission Groups,
        // https://developers.cloudflare.com/api/resources/user/subresources/tokens/subresources/permission_groups/).
        let groups: Vec<Value> = d
            .cloudflare
            .permission_groups
            .iter()
            .map(|g: &CloudflarePermissionGroup| {
                json!({"id": g.id, "name": g.name, "scopes": d.cloudflare.group_scopes(g)})
            })
            .collect();
        ok(Value::Array(groups))
    })
}

type Peer = Option<Extension<PeerAddr>>;

fn ip_of(peer: &Peer) -> std::net::IpAddr {
    peer_ip(peer.as_ref().map(|e| &e.0))
}

// ---------------------------------------------------------------- /user/tokens

async fn verify_user(State(sim): State<SimHandle>, peer: Peer, headers: HeaderMap) -> Response {
    do_verify(&sim, &headers, ip_of(&peer), Owner::User)
}

async fn permission_groups_user(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
) -> Response {
    do_permission_groups(&sim, &headers, ip_of(&peer), Owner::User)
}

async fn list_user(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Response {
    do_list(&sim, &headers, ip_of(&peer), Owner::User, page)
}

async fn create_user(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    do_create(&sim, &headers, ip_of(&peer), Owner::User, &body)
}

async fn get_user(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/user/tokens/{id}");
    do_get(&sim, &headers, ip_of(&peer), Owner::User, &id, &path)
}

async fn update_user(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let path = format!("/user/tokens/{id}");
    do_update(&sim, &headers, ip_of(&peer), Owner::User, &id, &path, &body)
}

async fn delete_user(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/user/tokens/{id}");
    do_delete(&sim, &headers, ip_of(&peer), Owner::User, &id, &path)
}

async fn roll_user(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let path = format!("/user/tokens/{id}/value");
    do_roll(&sim, &headers, ip_of(&peer), Owner::User, &id, &path, &body)
}

// ---------------------------------------------------------------- /accounts/{id}/tokens

async fn verify_account(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Path(account): Path<String>,
) -> Response {
    do_verify(&sim, &headers, ip_of(&peer), Owner::Account(account))
}

async fn permission_groups_account(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Path(account): Path<String>,
) -> Response {
    do_permission_groups(&sim, &headers, ip_of(&peer), Owner::Account(account))
}

async fn list_account(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Path(account): Path<String>,
    Query(page): Query<Page>,
) -> Response {
    do_list(&sim, &headers, ip_of(&peer), Owner::Account(account), page)
}

async fn create_account(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Path(account): Path<String>,
    body: Bytes,
) -> Response {
    do_create(&sim, &headers, ip_of(&peer), Owner::Account(account), &body)
}

async fn get_account(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
) -> Response {
    let path = format!("/accounts/{account}/tokens/{id}");
    do_get(
        &sim,
        &headers,
        ip_of(&peer),
        Owner::Account(account),
        &id,
        &path,
    )
}

async fn update_account(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let path = format!("/accounts/{account}/tokens/{id}");
    do_update(
        &sim,
        &headers,
        ip_of(&peer),
        Owner::Account(account),
        &id,
        &path,
        &body,
    )
}

async fn delete_account(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
) -> Response {
    let path = format!("/accounts/{account}/tokens/{id}");
    do_delete(
        &sim,
        &headers,
        ip_of(&peer),
        Owner::Account(account),
        &id,
        &path,
    )
}

async fn roll_account(
    State(sim): State<SimHandle>,
    peer: Peer,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let path = format!("/accounts/{account}/tokens/{id}/value");
    do_roll(
        &sim,
        &headers,
        ip_of(&peer),
        Owner::Account(account),
        &id,
        &path,
        &body,
    )
}
