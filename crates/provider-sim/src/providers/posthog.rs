//! PostHog (`https://us.posthog.com`, EU `https://eu.posthog.com`): personal keys (`phx_`,
//! Bearer) may only read themselves (`@current`); project secret keys (`phs_`) are managed
//! with a personal key holding `project:read`/`project:write` by a project admin; `phs_`
//! keys — API-managed ones and the older per-project feature-flags secure key — authenticate
//! on the feature-flag read endpoints; errors are `{type, code, detail, attr}`.
//!
//! Lists use DRF `LimitOffsetPagination` (PostHog's REST_FRAMEWORK default in
//! posthog/settings/web.py: `DEFAULT_PAGINATION_CLASS` LimitOffsetPagination, `PAGE_SIZE`
//! 100; errors through `exceptions_hog`): `{count, next, previous, results}`,
//! `?limit=&offset=`, `next`/`previous` absolute URLs or null (PostHog's generated client
//! types the key list `PaginatedProjectSecretAPIKeyListApi`; providers.md). The personal-key
//! list is the exception: `PersonalAPIKeyViewSet.list` returns a bare array
//! (posthog/api/personal_api_key.py) — moot here, as it answers a personal key with 403.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, patch, post};
use axum::Router;
use chrono::Utc;
use serde_json::{json, Value};

use super::{
    bearer, empty, header, in_region, json_response, parse_json, query_param, request_region,
};
use crate::seed::{PostHogPersonalKey, PostHogProject, PostHogSecretKey, Seed};
use crate::state::SimHandle;
use crate::util;

const NOT_PROVIDED: &str = "Authentication credentials were not provided.";
const BAD_PERSONAL_KEY: &str = "Personal API key found in request Authorization header is invalid.";
const BAD_SECRET_KEY: &str =
    "Project secret API key found in request Authorization header is invalid.";
const PERSONAL_KEY_NOT_SUPPORTED: &str = "This action does not support Personal API Key access";
const BAD_PROJECT_TOKEN: &str =
    "Project API key invalid. You can find your project API key in PostHog project settings.";
const NO_PROJECT_ACCESS: &str = "You don't have access to the project.";
const NOT_PROJECT_ADMIN: &str = "You don't have sufficient permissions in the project.";

/// Scope objects PostHog knows (a `phs_` scope naming anything else is "Invalid scope").
const SCOPE_OBJECTS: &[&str] = &[
    "action",
    "activity_log",
    "annotation",
    "batch_export",
    "cohort",
    "dashboard",
    "dashboard_template",
    "early_access_feature",
    "endpoint",
    "error_tracking",
    "event_definition",
    "experiment",
    "export",
    "feature_flag",
    "group",
    "hog_function",
    "insight",
    "notebook",
    "organization",
    "organization_member",
    "person",
    "plugin",
    "project",
    "property_definition",
    "query",
    "session_recording",
    "session_recording_playlist",
    "sharing_configuration",
    "subscription",
    "survey",
    "user",
    "webhook",
    "account",
    "loop",
];

pub(crate) fn router() -> Router<SimHandle> {
    let mut r = Router::new()
        .route(
            "/api/personal_api_keys/@current/",
            get(current_personal_key),
        )
        .route(
            "/api/personal_api_keys/",
            get(personal_key_unsupported).post(personal_key_unsupported),
        )
        .route(
            "/api/personal_api_keys/{id}/",
            get(retrieve_personal_key)
                .patch(personal_key_unsupported)
                .put(personal_key_unsupported)
                .delete(personal_key_unsupported),
        )
        .route(
            "/api/personal_api_keys/{id}/roll/",
            post(personal_key_unsupported),
        )
        // What the server SDKs poll for local evaluation (posthog-python `_load_feature_flags`:
        // `GET /api/feature_flag/local_evaluation/?token=<phc_ project key>&send_cohorts`
        // with `Authorization: Bearer <personal key or phs_ key>`).
        .route(
            "/api/feature_flag/local_evaluation/",
            get(local_evaluation_by_token),
        )
        .route(
            "/api/feature_flag/local_evaluation",
            get(local_evaluation_by_token),
        )
        .route("/api/projects/{project_id}/", get(get_project))
        .route(
            "/api/projects/{project_id}/reset_token/",
            patch(reset_project_token),
        );
    for kind in ["environments", "projects"] {
        r = r
            .route(
                &format!("/api/{kind}/{{project_id}}/project_secret_api_keys/"),
                get(list_secret_keys).post(create_secret_key),
            )
            .route(
                &format!("/api/{kind}/{{project_id}}/project_secret_api_keys/{{id}}/"),
                get(get_secret_key)
                    .patch(update_secret_key)
                    .delete(delete_secret_key),
            )
            .route(
                &format!("/api/{kind}/{{project_id}}/project_secret_api_keys/{{id}}/roll/"),
                post(roll_secret_key),
            )
            .route(
                &format!("/api/{kind}/{{project_id}}/feature_flags/"),
                get(list_feature_flags),
            )
            .route(
                &format!("/api/{kind}/{{project_id}}/feature_flags/local_evaluation/"),
                get(local_evaluation),
            );
    }
    r.fallback(|| async {
        error(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "not_found",
            "Not found.",
            None,
        )
    })
}

/// `{"type", "code", "detail", "attr"}` with an HTTP status.
pub(crate) fn error(
    status: StatusCode,
    kind: &str,
    code: &str,
    detail: &str,
    attr: Option<&str>,
) -> Response {
    json_response(
        status,
        json!({"type": kind, "code": code, "detail": detail, "attr": attr}),
    )
}

fn unauthenticated(code: &str, detail: &str) -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "authentication_error",
        code,
        detail,
        None,
    )
}

fn forbidden(detail: &str) -> Response {
    error(
        StatusCode::FORBIDDEN,
        "authentication_error",
        "permission_denied",
        detail,
        None,
    )
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "invalid_request",
        "not_found",
        "Not found.",
        None,
    )
}

fn invalid(code: &str, detail: &str, attr: Option<&str>) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "validation_error",
        code,
        detail,
        attr,
    )
}

/// DRF's throttled answer (the middleware adds `Retry-After`).
pub(crate) fn throttled(retry_after_secs: u64) -> Response {
    let unit = if retry_after_secs == 1 {
        "second"
    } else {
        "seconds"
    };
    error(
        StatusCode::TOO_MANY_REQUESTS,
        "throttled_error",
        "throttled",
        &format!("Request was throttled. Expected available in {retry_after_secs} {unit}."),
        None,
    )
}

pub(crate) fn error_for_status(status: StatusCode) -> Response {
    match status.as_u16() {
        400 => invalid("invalid_input", "Bad request.", None),
        401 => unauthenticated("authentication_failed", BAD_PERSONAL_KEY),
        403 => forbidden("You do not have permission to perform this action."),
        404 => not_found(),
        429 => throttled(1),
        s if s >= 500 => error(
            status,
            "server_error",
            "error",
            "A server error occurred.",
            None,
        ),
        _ => error(
            status,
            "invalid_request",
            "error",
            status.canonical_reason().unwrap_or("Error"),
            None,
        ),
    }
}

// ---------------------------------------------------------------- authentication

enum Caller {
    Personal(usize),
    Secret(usize),
    /// The older per-project feature-flags secure key (`Team.secret_api_token`): the
    /// project's index.
    LegacySecure(usize),
}

fn project_region(d: &Seed, project_id: i64) -> &str {
    d.posthog
        .projects
        .iter()
        .find(|p| p.id == project_id)
        .map_or("", |p| p.region.as_str())
}

/// Authenticates the Bearer token: a personal key, or (where `allow_secret`) a `phs_` key —
/// an API-managed project secret key or, failing that, a project's legacy secure key (PostHog
/// tries `ProjectSecretAPIKeyAuthentication` and `TeamSecretTokenAuthentication`, both on
/// `phs_` bearer values; posthog/auth.py). Keys answer only on their region's prefix.
fn authenticate(d: &mut Seed, headers: &HeaderMap, allow_secret: bool) -> Result<Caller, Response> {
    let Some(token) = bearer(headers) else {
        return Err(unauthenticated("not_authenticated", NOT_PROVIDED));
    };
    let region = request_region(headers).to_owned();
    let now = Utc::now();
    if allow_secret && token.starts_with("phs_") {
        let psak =
            d.posthog.project_secret_keys.iter().position(|k| {
                k.value == token && in_region(project_region(d, k.project_id), &region)
            });
        if let Some(i) = psak {
            d.posthog.project_secret_keys[i].last_used = Some(now);
            return Ok(Caller::Secret(i));
        }
        return d
            .posthog
            .projects
            .iter()
            .position(|p| {
                p.secret_api_token.as_deref() == Some(token) && in_region(&p.region, &region)
            })
            .map(Caller::LegacySecure)
            .ok_or_else(|| unauthenticated("authentication_failed", BAD_SECRET_KEY));
    }
    let i = d
        .posthog
        .personal_keys
        .iter()
        .position(|k| k.status.is_active() && k.value == token && in_region(&k.region, &region))
        .filter(|&i| {
            let uid = d.posthog.personal_keys[i].user_id;
            d.posthog.users.iter().any(|u| u.id == uid)
        })
        .ok_or_else(|| unauthenticated("authentication_failed", BAD_PERSONAL_KEY))?;
    d.posthog.personal_keys[i].last_used = Some(now);
    Ok(Caller::Personal(i))
}

/// `write` implies `read`; `*` (or no scopes at all) is everything.
fn has_scope(scopes: &[String], required: &str) -> bool {
    if scopes.is_empty() || scopes.iter().any(|s| s == "*") {
        return true;
    }
    if scopes.iter().any(|s| s == required) {
        return true;
    }
    match required.split_once(':') {
        Some((object, "read")) => scopes.iter().any(|s| *s == format!("{object}:write")),
        _ => false,
    }
}

fn require_scope(scopes: &[String], required: &str) -> Result<(), Response> {
    if has_scope(scopes, required) {
        Ok(())
    } else {
        Err(forbidden(&format!(
            "API key missing required scope '{required}'"
        )))
    }
}

fn project_index(d: &Seed, project_id: &str) -> Result<usize, Response> {
    let id: i64 = project_id.parse().map_err(|_| not_found())?;
    d.posthog
        .projects
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(not_found)
}

fn check_key_reaches(key: &PostHogPersonalKey, project: &PostHogProject) -> Result<(), Response> {
    if !key.scoped_teams.is_empty() && !key.scoped_teams.contains(&project.id) {
        return Err(forbidden(&format!(
            "API key does not have access to the requested project: ID {}.",
            project.id
        )));
    }
    if !key.scoped_organizations.is_empty()
        && !key.scoped_organizations.contains(&project.organization)
    {
        return Err(forbidden(&format!(
            "API key does not have access to the requested organization: ID {}.",
            project.organization
        )));
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Member,
    Admin,
}

fn check_membership(project: &PostHogProject, user_id: i64, need: Level) -> Result<(), Response> {
    let open = project.admins.is_empty() && project.members.is_empty();
    let admin = open || project.admins.contains(&user_id);
    let member = admin || project.members.contains(&user_id);
    if !member {
        return Err(forbidden(NO_PROJECT_ACCESS));
    }
    if need == Level::Admin && !admin {
        return Err(forbidden(NOT_PROJECT_ADMIN));
    }
    Ok(())
}

/// A personal key with `scope` on `project_id`, held by a user at `level`: the project's
/// index. Order of checks: authentication, scope, project, key's team/org scoping, role.
fn personal_on_project(
    d: &mut Seed,
    headers: &HeaderMap,
    project_id: &str,
    scope: &str,
    level: Level,
) -> Result<usize, Response> {
    let Caller::Personal(k) = authenticate(d, headers, false)? else {
        return Err(unauthenticated("authentication_failed", BAD_PERSONAL_KEY));
    };
    let key = d.posthog.personal_keys[k].clone();
    require_scope(&key.scopes, scope)?;
    let p = project_index(d, project_id)?;
    // A project lives in one cloud: the other region's host does not know it.
    if !in_region(&d.posthog.projects[p].region, request_region(headers)) {
        return Err(not_found());
    }
    check_key_reaches(&key, &d.posthog.projects[p])?;
    check_membership(&d.posthog.projects[p], key.user_id, level)?;
    Ok(p)
}

// ---------------------------------------------------------------- JSON shapes

fn time(t: Option<chrono::DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| Value::String(util::drf_time(&t)))
}

fn personal_key_json(k: &PostHogPersonalKey) -> Value {
    let scopes = if k.scopes.is_empty() {
        vec!["*".to_owned()]
    } else {
        k.scopes.clone()
    };
    json!({
        "id": k.id,
        "label": k.label,
        "mask_value": util::posthog_mask(&k.value),
        "created_at": time(k.created),
        "last_used_at": time(k.last_used),
        "last_rolled_at": time(k.last_rolled),
        "user_id": k.user_id,
        "scopes": scopes,
        "scoped_teams": k.scoped_teams,
        "scoped_organizations": k.scoped_organizations,
    })
}

fn user_basic(d: &Seed, id: Option<i64>) -> Value {
    let Some(u) = id.and_then(|id| d.posthog.users.iter().find(|u| u.id == id)) else {
        return Value::Null;
    };
    json!({
        "id": u.id,
        "uuid": u.uuid,
        "distinct_id": u.distinct_id,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "email": u.email,
        "is_email_verified": true,
    })
}

/// A `phs_` key without its value (list, retrieve, update).
fn secret_key_json(d: &Seed, k: &PostHogSecretKey) -> Value {
    json!({
        "id": k.id,
        "label": k.label,
        "mask_value": util::posthog_mask(&k.value),
        "created_at": time(k.created),
        "created_by": user_basic(d, k.created_by),
        "last_used_at": time(k.last_used),
        "last_rolled_at": time(k.last_rolled),
        "scopes": k.scopes,
    })
}

/// The same with `value` (create and roll: the only time it is shown).
fn secret_key_json_with_value(d: &Seed, k: &PostHogSecretKey) -> Value {
    let mut v = secret_key_json(d, k);
    if let Some(o) = v.as_object_mut() {
        o.insert("value".to_owned(), Value::String(k.value.clone()));
    }
    v
}

fn project_json(d: &Seed, p: &PostHogProject) -> Value {
    let org = d
        .posthog
        .organizations
        .iter()
        .find(|o| o.id == p.organization);
    json!({
        "id": p.id,
        "uuid": p.uuid,
        "organization": p.organization,
        "organization_name": org.map(|o| o.name.clone()),
        "api_token": p.api_token,
        "name": p.name,
    })
}

// ---------------------------------------------------------------- personal keys

async fn current_personal_key(State(sim): State<SimHandle>, headers: HeaderMap) -> Response {
    sim.with_data(|d| match authenticate(d, &headers, false) {
        Ok(Caller::Personal(k)) => json_response(
            StatusCode::OK,
            personal_key_json(&d.posthog.personal_keys[k]),
        ),
        Ok(Caller::Secret(_) | Caller::LegacySecure(_)) => {
            unauthenticated("authentication_failed", BAD_PERSONAL_KEY)
        }
        Err(r) => r,
    })
}

/// Retrieving its own key by id is the one other thing a personal key may do.
async fn retrieve_personal_key(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.with_data(|d| {
        let k = match authenticate(d, &headers, false) {
            Ok(Caller::Personal(k)) => k,
            Ok(Caller::Secret(_) | Caller::LegacySecure(_)) => {
                return unauthenticated("authentication_failed", BAD_PERSONAL_KEY)
            }
            Err(r) => return r,
        };
        let me = &d.posthog.personal_keys[k];
        if me.id == id {
            return json_response(StatusCode::OK, personal_key_json(me));
        }
        let same_user = d
            .posthog
            .personal_keys
            .iter()
            .any(|o| o.id == id && o.user_id == me.user_id);
        if same_user {
            forbidden(PERSONAL_KEY_NOT_SUPPORTED)
        } else {
            not_found()
        }
    })
}

/// List, create, update, delete and roll of personal keys need a browser session.
async fn personal_key_unsupported(State(sim): State<SimHandle>, headers: HeaderMap) -> Response {
    sim.with_data(|d| match authenticate(d, &headers, false) {
        Ok(_) => forbidden(PERSONAL_KEY_NOT_SUPPORTED),
        Err(r) => r,
    })
}

// ---------------------------------------------------------------- projects

async fn get_project(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
) -> Response {
    sim.with_data(|d| {
        match personal_on_project(d, &headers, &project_id, "project:read", Level::Member) {
            Ok(p) => json_response(StatusCode::OK, project_json(d, &d.posthog.projects[p])),
            Err(r) => r,
        }
    })
}

async fn reset_project_token(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
) -> Response {
    sim.with_data(|d| {
        match personal_on_project(d, &headers, &project_id, "project:write", Level::Admin) {
            Ok(p) => {
                d.posthog.projects[p].api_token = util::posthog_project_key();
                json_response(StatusCode::OK, project_json(d, &d.posthog.projects[p]))
            }
            Err(r) => r,
        }
    })
}

// ---------------------------------------------------------------- project secret keys

fn find_secret(d: &Seed, project: i64, id: &str) -> Result<usize, Response> {
    d.posthog
        .project_secret_keys
        .iter()
        .position(|k| k.project_id == project && k.id == id)
        .ok_or_else(not_found)
}

/// DRF `LimitOffsetPagination`: `?limit=` (default 100) and `?offset=`; `next` and
/// `previous` are absolute URLs (built from the `Host` header and the original path) or
/// null.
fn drf_page(items: Vec<Value>, uri: &Uri, headers: &HeaderMap) -> Value {
    let q = uri.query();
    let num = |name: &str| query_param(q, name).and_then(|v| v.parse::<usize>().ok());
    let limit = num("limit").filter(|l| *l > 0).unwrap_or(100);
    let offset = num("offset").unwrap_or(0);
    let count = items.len();
    let host = header(headers, "host").unwrap_or("127.0.0.1");
    let base = format!("http://{host}{}", uri.path());
    let next =
        (offset + limit < count).then(|| format!("{base}?limit={limit}&offset={}", offset + limit));
    let previous = (offset > 0).then(|| {
        if offset <= limit {
            format!("{base}?limit={limit}")
        } else {
            format!("{base}?limit={limit}&offset={}", offset - limit)
        }
    });
    let results: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    json!({"count": count, "next": next, "previous": previous, "results": results})
}

async fn list_secret_keys(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Path(project_id): Path<String>,
) -> Response {
    sim.with_data(|d| {
        let p = match personal_on_project(d, &headers, &project_id, "project:read", Level::Admin) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let pid = d.posthog.projects[p].id;
        let mut keys: Vec<&PostHogSecretKey> = d
            .posthog
            .project_secret_keys
            .iter()
            .filter(|k| k.project_id == pid)
            .collect();
        keys.sort_by_key(|k| std::cmp::Reverse(k.created));
        let list: Vec<Value> = keys.into_iter().map(|k| secret_key_json(d, k)).collect();
        if d.posthog.legacy_list {
            // Older self-hosted versions answer with a bare array.
            return json_response(StatusCode::OK, Value::Array(list));
        }
        json_response(StatusCode::OK, drf_page(list, &uri, &headers))
    })
}

async fn get_secret_key(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path((project_id, id)): Path<(String, String)>,
) -> Response {
    sim.with_data(|d| {
        let p = match personal_on_project(d, &headers, &project_id, "project:read", Level::Admin) {
            Ok(p) => p,
            Err(r) => return r,
        };
        match find_secret(d, d.posthog.projects[p].id, &id) {
            Ok(i) => json_response(
                StatusCode::OK,
                secret_key_json(d, &d.posthog.project_secret_keys[i]),
            ),
            Err(r) => r,
        }
    })
}

fn validate_label(label: Option<&Value>, required: bool) -> Result<Option<String>, Response> {
    match label {
        None if required => Err(invalid(
            "required",
            "This field is required.",
            Some("label"),
        )),
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Err(invalid(
            "blank",
            "This field may not be blank.",
            Some("label"),
        )),
        Some(Value::String(s)) if s.chars().count() > 40 => Err(invalid(
            "max_length",
            "Ensure this field has no more than 40 characters.",
            Some("label"),
        )),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(invalid("invalid", "Not a valid string.", Some("label"))),
    }
}

fn validate_scopes(
    d: &Seed,
    scopes: Option<&Value>,
    required: bool,
) -> Result<Option<Vec<String>>, Response> {
    let list = match scopes {
        None if required => {
            return Err(invalid(
                "required",
                "This field is required.",
                Some("scopes"),
            ))
        }
        None => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(other) => {
            let kind = match other {
                Value::String(_) => "str",
                Value::Number(_) => "int",
                Value::Bool(_) => "bool",
                Value::Object(_) => "dict",
                _ => "NoneType",
            };
            return Err(invalid(
                "not_a_list",
                &format!("Expected a list of items but got type \"{kind}\"."),
                Some("scopes"),
            ));
        }
    };
    if list.is_empty() {
        return Err(invalid(
            "empty",
            "This list may not be empty.",
            Some("scopes"),
        ));
    }
    let mut out = Vec::new();
    for item in list {
        let Some(scope) = item.as_str() else {
            return Err(invalid("invalid", "Not a valid string.", Some("scopes")));
        };
        if scope == "*" {
            return Err(invalid(
                "invalid",
                "Wildcard scope '*' is not allowed for project API keys. Please specify explicit scopes.",
                Some("scopes"),
            ));
        }
        let well_formed = match scope.split(':').collect::<Vec<_>>().as_slice() {
            [object, action] => {
                SCOPE_OBJECTS.contains(object) && matches!(*action, "read" | "write")
            }
            _ => false,
        };
        if !well_formed {
            return Err(invalid(
                "invalid",
                &format!("Invalid scope: {scope}"),
                Some("scopes"),
            ));
        }
        let allowed = &d.posthog.secret_key_allowed_scopes;
        if !allowed.iter().any(|a| a == scope) {
            let mut sorted = allowed.clone();
            sorted.sort();
            return Err(invalid(
                "invalid",
                &format!(
                    "Scope '{scope}' can not be assigned to a project secret API key. Allowed scopes: {}",
                    sorted.join(", ")
                ),
                Some("scopes"),
            ));
        }
        out.push(scope.to_owned());
    }
    Ok(Some(out))
}

fn label_taken(d: &Seed, project: i64, label: &str, except: Option<&str>) -> Option<Response> {
    let taken = d
        .posthog
        .project_secret_keys
        .iter()
        .any(|k| k.project_id == project && k.label == label && Some(k.id.as_str()) != except);
    taken.then(|| {
        invalid(
            "invalid",
            &format!("Project secret API key with label '{label}' already exists."),
            None,
        )
    })
}

fn parse_object(body: &Bytes) -> Result<serde_json::Map<String, Value>, Response> {
    match parse_json::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(invalid(
            "invalid",
            "Invalid data. Expected a dictionary, but got list.",
            Some("non_field_errors"),
        )),
        Err(e) => Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "parse_error",
            &format!("JSON parse error - {e}"),
            None,
        )),
    }
}

async fn create_secret_key(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    body: Bytes,
) -> Response {
    sim.with_data(|d| {
        let p = match personal_on_project(d, &headers, &project_id, "project:write", Level::Admin) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let pid = d.posthog.projects[p].id;
        let body = match parse_object(&body) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let label = match validate_label(body.get("label"), true) {
            Ok(l) => l.unwrap_or_default(),
            Err(r) => return r,
        };
        let scopes = match validate_scopes(d, body.get("scopes"), true) {
            Ok(s) => s.unwrap_or_default(),
            Err(r) => return r,
        };
        let count = d.posthog.project_secret_keys.iter().filter(|k| k.project_id == pid).count();
        let max = d.posthog.max_secret_keys_per_project;
        if count >= max {
            return invalid(
                "invalid",
                &format!("You can only have {max} project secret API keys. Remove an existing key before creating a new one."),
                None,
            );
        }
        if let Some(r) = label_taken(d, pid, &label, None) {
            return r;
        }
        let creator = authenticate_user(d, &headers);
        let key = PostHogSecretKey {
            id: util::posthog_id(),
            project_id: pid,
            label,
            value: util::posthog_secret_key(),
            scopes,
            created_by: creator,
            created: Some(Utc::now()),
            last_used: None,
            last_rolled: None,
        };
        let out = secret_key_json_with_value(d, &key);
        d.posthog.project_secret_keys.push(key);
        json_response(StatusCode::CREATED, out)
    })
}

/// The user behind an already-authenticated personal key.
fn authenticate_user(d: &Seed, headers: &HeaderMap) -> Option<i64> {
    let token = bearer(headers)?;
    d.posthog
        .personal_keys
        .iter()
        .find(|k| k.value == token)
        .map(|k| k.user_id)
}

async fn update_secret_key(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path((project_id, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    sim.with_data(|d| {
        let p = match personal_on_project(d, &headers, &project_id, "project:write", Level::Admin) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let pid = d.posthog.projects[p].id;
        let i = match find_secret(d, pid, &id) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let body = match parse_object(&body) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let label = match validate_label(body.get("label"), false) {
            Ok(l) => l,
            Err(r) => return r,
        };
        let scopes = match validate_scopes(d, body.get("scopes"), false) {
            Ok(s) => s,
            Err(r) => return r,
        };
        if let Some(l) = &label {
            if let Some(r) = label_taken(d, pid, l, Some(&id)) {
                return r;
            }
        }
        let key = &mut d.posthog.project_secret_keys[i];
        if let Some(l) = label {
            key.label = l;
        }
        if let Some(s) = scopes {
            key.scopes = s;
        }
        let key = key.clone();
        json_response(StatusCode::OK, secret_key_json(d, &key))
    })
}

async fn delete_secret_key(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path((project_id, id)): Path<(String, String)>,
) -> Response {
    sim.with_data(|d| {
        let p = match personal_on_project(d, &headers, &project_id, "project:write", Level::Admin) {
            Ok(p) => p,
            Err(r) => return r,
        };
        match find_secret(d, d.posthog.projects[p].id, &id) {
            Ok(i) => {
                d.posthog.project_secret_keys.remove(i);
                empty(StatusCode::NO_CONTENT)
            }
            Err(r) => r,
        }
    })
}

/// A new value; the old one stops working at once.
async fn roll_secret_key(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path((project_id, id)): Path<(String, String)>,
) -> Response {
    sim.with_data(|d| {
        let p = match personal_on_project(d, &headers, &project_id, "project:write", Level::Admin) {
            Ok(p) => p,
            Err(r) => return r,
        };
        match find_secret(d, d.posthog.projects[p].id, &id) {
            Ok(i) => {
                let key = &mut d.posthog.project_secret_keys[i];
                key.value = util::posthog_secret_key();
                key.last_rolled = Some(Utc::now());
                let key = key.clone();
                json_response(StatusCode::OK, secret_key_json_with_value(d, &key))
            }
            Err(r) => r,
        }
    })
}

// ---------------------------------------------------------------- feature flags

/// `feature_flag:read` by a personal key (member of the project) or a `phs_` key of
/// that project: the project's index.
fn flag_reader(d: &mut Seed, headers: &HeaderMap, project_id: &str) -> Result<usize, Response> {
    match authenticate(d, headers, true)? {
        Caller::Personal(_) => {
            personal_on_project(d, headers, project_id, "feature_flag:read", Level::Member)
        }
        Caller::Secret(k) => {
            let key = d.posthog.project_secret_keys[k].clone();
            require_scope(&key.scopes, "feature_flag:read")?;
            let p = project_index(d, project_id)?;
            if d.posthog.projects[p].id != key.project_id {
                return Err(forbidden(&format!(
                    "API key does not have access to the requested project: ID {}.",
                    d.posthog.projects[p].id
                )));
            }
            Ok(p)
        }
        Caller::LegacySecure(p) => {
            let own = d.posthog.projects[p].id;
            let asked = project_index(d, project_id)?;
            if d.posthog.projects[asked].id != own {
                return Err(forbidden(&format!(
                    "API key does not have access to the requested project: ID {}.",
                    d.posthog.projects[asked].id
                )));
            }
            Ok(asked)
        }
    }
}

fn flag_json(f: &crate::seed::PostHogFeatureFlag) -> Value {
    json!({
        "id": f.id,
        "team_id": f.project_id,
        "name": f.name,
        "key": f.key,
        "filters": f.filters,
        "deleted": false,
        "active": f.active,
        "ensure_experience_continuity": false,
    })
}

async fn list_feature_flags(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Path(project_id): Path<String>,
) -> Response {
    sim.with_data(|d| {
        let p = match flag_reader(d, &headers, &project_id) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let pid = d.posthog.projects[p].id;
        let results: Vec<Value> = d
            .posthog
            .feature_flags
            .iter()
            .filter(|f| f.project_id == pid)
            .map(flag_json)
            .collect();
        json_response(StatusCode::OK, drf_page(results, &uri, &headers))
    })
}

fn local_evaluation_body(d: &Seed, p: usize) -> Response {
    let pid = d.posthog.projects[p].id;
    let flags: Vec<Value> = d
        .posthog
        .feature_flags
        .iter()
        .filter(|f| f.project_id == pid)
        .map(flag_json)
        .collect();
    json_response(
        StatusCode::OK,
        json!({"flags": flags, "group_type_mapping": {}, "cohorts": {}}),
    )
}

/// `GET /api/feature_flag/local_evaluation/?token=<phc_…>`: a `phs_` key (API-managed with
/// `feature_flag:read`, or the legacy secure key) reads its own project's flags; a personal
/// key with `feature_flag:read` reads the project the `token` names. A read-only probe for
/// any `phs_` value. (A personal key without a valid `token` gets a 401 here: PostHog's
/// exact answer to that is not documented.)
async fn local_evaluation_by_token(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let token = query_param(uri.query(), "token");
    sim.with_data(|d| {
        let p = match authenticate(d, &headers, true) {
            Ok(Caller::Secret(k)) => {
                let key = d.posthog.project_secret_keys[k].clone();
                if let Err(r) = require_scope(&key.scopes, "feature_flag:read") {
                    return r;
                }
                match d
                    .posthog
                    .projects
                    .iter()
                    .position(|p| p.id == key.project_id)
                {
                    Some(p) => p,
                    None => return not_found(),
                }
            }
            Ok(Caller::LegacySecure(p)) => p,
            Ok(Caller::Personal(_)) => {
                let Some(p) = token
                    .as_deref()
                    .and_then(|t| d.posthog.projects.iter().position(|p| p.api_token == t))
                else {
                    return unauthenticated("authentication_failed", BAD_PROJECT_TOKEN);
                };
                let id = d.posthog.projects[p].id.to_string();
                match personal_on_project(d, &headers, &id, "feature_flag:read", Level::Member) {
                    Ok(p) => p,
                    Err(r) => return r,
                }
            }
            Err(r) => return r,
        };
        local_evaluation_body(d, p)
    })
}

async fn local_evaluation(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
) -> Response {
    sim.with_data(|d| {
        let p = match flag_reader(d, &headers, &project_id) {
            Ok(p) => p,
            Err(r) => return r,
        };
        local_evaluation_body(d, p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(has_scope(&s(&["project:write"]), "project:read"));
        assert!(has_scope(&s(&["project:write"]), "project:write"));
        assert!(!has_scope(&s(&["project:read"]), "project:write"));
        assert!(has_scope(&s(&["*"]), "project:write"));
        assert!(has_scope(&[], "anything:write"));
        assert!(!has_scope(&s(&["dashboard:read"]), "project:read"));
    }
}
