//! SendGrid (`https://api.sendgrid.com/v3`, EU subusers `https://api.eu.sendgrid.com/v3`):
//! `Authorization: Bearer SG.…`; scopes via `GET /scopes`; keys via `/api_keys` (no roll).
//! Errors `{"errors":[{field, message}]}`. Shapes per SendGrid's OpenAPI:
//! twilio/sendgrid-oai spec/json/tsg_api_keys_v3.json (list `{result:[{api_key_id, name}]}`,
//! create 201 `{api_key, api_key_id, name, scopes}`, delete 204).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use serde_json::{json, Value};

use super::{bearer, empty, in_region, json_response, parse_json, query_param, request_region};
use crate::seed::{KeyStatus, Seed, SendGridGetKeyShape, SendGridKey};
use crate::state::SimHandle;
use crate::util;

pub(crate) fn router() -> Router<SimHandle> {
    Router::new()
        .route("/scopes", get(scopes))
        .route("/api_keys", get(list).post(create))
        .route(
            "/api_keys/{id}",
            get(retrieve).put(replace).patch(rename).delete(delete),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not found") })
}

/// `{"errors":[{"field":null,"message":…}]}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    field_error(status, None, message)
}

fn field_error(status: StatusCode, field: Option<&str>, message: &str) -> Response {
    json_response(
        status,
        json!({"errors": [{"field": field, "message": message}]}),
    )
}

pub(crate) fn error_for_status(status: StatusCode) -> Response {
    match status.as_u16() {
        401 => error(status, "authorization required"),
        403 => error(status, "access forbidden"),
        404 => error(status, "not found"),
        429 => error(status, "too many requests"),
        s if s >= 500 => error(status, "internal server error"),
        _ => error(status, status.canonical_reason().unwrap_or("error")),
    }
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "authorization required")
}

fn forbidden() -> Response {
    error(StatusCode::FORBIDDEN, "access forbidden")
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "unable to find API Key")
}

/// Whether a key authenticates now: active, or deleted less than the propagation delay
/// ago ("Authentications using this API Key will fail after this request is made, with
/// some small propagation delay" — SendGrid, Delete API keys).
fn authenticates(k: &SendGridKey, delay_ms: u64, now: chrono::DateTime<Utc>) -> bool {
    match (k.status, k.deleted_at) {
        (KeyStatus::Active, _) => true,
        (KeyStatus::Revoked, Some(at)) => {
            (now - at).num_milliseconds() < i64::try_from(delay_ms).unwrap_or(i64::MAX)
        }
        _ => false,
    }
}

/// The caller's key index, if it authenticates on this region's host and holds `scope`
/// (when given). A key of the other region gets the plain 401 ("EU regional subusers" use
/// api.eu.sendgrid.com).
fn authorize(d: &mut Seed, headers: &HeaderMap, scope: Option<&str>) -> Result<usize, Response> {
    let token = bearer(headers).ok_or_else(unauthorized)?;
    let region = request_region(headers);
    let now = Utc::now();
    let delay = d.sendgrid.delete_propagation_ms;
    let i = d
        .sendgrid
        .keys
        .iter()
        .position(|k| {
            k.value == token && authenticates(k, delay, now) && in_region(&k.region, region)
        })
        .ok_or_else(unauthorized)?;
    d.sendgrid.keys[i].last_used = Some(Utc::now());
    if let Some(s) = scope {
        if !d.sendgrid.keys[i].scopes.iter().any(|have| have == s) {
            return Err(forbidden());
        }
    }
    Ok(i)
}

fn find(d: &Seed, user: &str, id: &str) -> Result<usize, Response> {
    d.sendgrid
        .keys
        .iter()
        .position(|k| k.user == user && k.api_key_id == id && k.status != KeyStatus::Revoked)
        .ok_or_else(not_found)
}

fn parse_object(body: &Bytes) -> Result<serde_json::Map<String, Value>, Response> {
    match parse_json::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(field_error(StatusCode::BAD_REQUEST, None, "invalid JSON")),
    }
}

fn name_of(body: &serde_json::Map<String, Value>) -> Result<String, Response> {
    match body.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() => Ok(n.clone()),
        _ => Err(field_error(
            StatusCode::BAD_REQUEST,
            Some("name"),
            "missing required argument",
        )),
    }
}

fn scopes_of(body: &serde_json::Map<String, Value>) -> Result<Option<Vec<String>>, Response> {
    match body.get("scopes") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value::<Vec<String>>(v.clone())
            .map(Some)
            .map_err(|_| field_error(StatusCode::BAD_REQUEST, Some("scopes"), "invalid scopes")),
    }
}

async fn scopes(State(sim): State<SimHandle>, headers: HeaderMap) -> Response {
    sim.with_data(|d| match authorize(d, &headers, None) {
        Ok(i) => json_response(StatusCode::OK, json!({"scopes": d.sendgrid.keys[i].scopes})),
        Err(r) => r,
    })
}

async fn list(State(sim): State<SimHandle>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    sim.with_data(|d| {
        let i = match authorize(d, &headers, Some("api_keys.read")) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let user = d.sendgrid.keys[i].user.clone();
        let limit = query_param(q.as_deref(), "limit").and_then(|l| l.parse::<usize>().ok());
        let result: Vec<Value> = d
            .sendgrid
            .keys
            .iter()
            .filter(|k| k.user == user && k.status != KeyStatus::Revoked)
            .take(limit.unwrap_or(usize::MAX))
            .map(|k| json!({"api_key_id": k.api_key_id, "name": k.name}))
            .collect();
        json_response(StatusCode::OK, json!({"result": result}))
    })
}

async fn create(State(sim): State<SimHandle>, headers: HeaderMap, body: Bytes) -> Response {
    sim.with_data(|d| {
        let i = match authorize(d, &headers, Some("api_keys.create")) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let body = match parse_object(&body) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let name = match name_of(&body) {
            Ok(n) => n,
            Err(r) => return r,
        };
        let scopes = match scopes_of(&body) {
            Ok(s) => s.unwrap_or_else(|| d.sendgrid.full_access_scopes.clone()),
            Err(r) => return r,
        };
        let user = d.sendgrid.keys[i].user.clone();
        let live = d
            .sendgrid
            .keys
            .iter()
            .filter(|k| k.user == user && k.status != KeyStatus::Revoked)
            .count();
        if live >= d.sendgrid.max_keys {
            return forbidden();
        }
        let id = util::sendgrid_key_id();
        let key = SendGridKey {
            value: util::sendgrid_key(&id),
            api_key_id: id,
            name,
            scopes,
            user,
            status: KeyStatus::Active,
            created: Some(Utc::now()),
            last_used: None,
            deleted_at: None,
            region: d.sendgrid.keys[i].region.clone(),
        };
        let out = json!({
            "api_key": key.value,
            "api_key_id": key.api_key_id,
            "name": key.name,
            "scopes": key.scopes,
        });
        d.sendgrid.keys.push(key);
        json_response(StatusCode::CREATED, out)
    })
}

async fn retrieve(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.with_data(|d| {
        let i = match authorize(d, &headers, Some("api_keys.read")) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let user = d.sendgrid.keys[i].user.clone();
        match find(d, &user, &id) {
            Ok(k) => {
                let k = &d.sendgrid.keys[k];
                let key = json!({"api_key_id": k.api_key_id, "name": k.name, "scopes": k.scopes});
                // SendGrid's OpenAPI types this answer `{result: [ApiKeyScopesResponse]}`;
                // the bare object is the other shape seen in older docs (configurable).
                let body = match d.sendgrid.get_key_shape {
                    SendGridGetKeyShape::ResultArray => json!({ "result": [key] }),
                    SendGridGetKeyShape::Object => key,
                };
                json_response(StatusCode::OK, body)
            }
            Err(r) => r,
        }
    })
}

async fn replace(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    sim.with_data(|d| {
        let i = match authorize(d, &headers, Some("api_keys.update")) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let user = d.sendgrid.keys[i].user.clone();
        let k = match find(d, &user, &id) {
            Ok(k) => k,
            Err(r) => return r,
        };
        let body = match parse_object(&body) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let name = match name_of(&body) {
            Ok(n) => n,
            Err(r) => return r,
        };
        let scopes = match scopes_of(&body) {
            Ok(s) => s,
            Err(r) => return r,
        };
        let key = &mut d.sendgrid.keys[k];
        key.name = name;
        if let Some(s) = scopes {
            key.scopes = s;
        }
        json_response(
            StatusCode::OK,
            json!({"api_key_id": key.api_key_id, "name": key.name, "scopes": key.scopes}),
        )
    })
}

async fn rename(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    sim.with_data(|d| {
        let i = match authorize(d, &headers, Some("api_keys.update")) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let user = d.sendgrid.keys[i].user.clone();
        let k = match find(d, &user, &id) {
            Ok(k) => k,
            Err(r) => return r,
        };
        let name = match parse_object(&body).and_then(|b| name_of(&b)) {
            Ok(n) => n,
            Err(r) => return r,
        };
        let key = &mut d.sendgrid.keys[k];
        key.name = name;
        json_response(
            StatusCode::OK,
            json!({"api_key_id": key.api_key_id, "name": key.name}),
        )
    })
}

async fn delete(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.with_data(|d| {
        let i = match authorize(d, &headers, Some("api_keys.delete")) {
            Ok(i) => i,
            Err(r) => return r,
        };
        let user = d.sendgrid.keys[i].user.clone();
        match find(d, &user, &id) {
            Ok(k) => {
                // Kept (revoked) so it can go on authenticating for the propagation delay;
                // list, get and the 100-key limit no longer see it.
                let key = &mut d.sendgrid.keys[k];
                key.status = KeyStatus::Revoked;
                key.deleted_at = Some(Utc::now());
                empty(StatusCode::NO_CONTENT)
            }
            Err(r) => r,
        }
    })
}
