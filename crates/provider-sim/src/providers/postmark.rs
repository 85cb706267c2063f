//! Postmark (`https://api.postmarkapp.com`): server tokens (`X-Postmark-Server-Token`) and
//! account tokens (`X-Postmark-Account-Token`); the account token manages servers, and
//! every server object carries its server tokens in `ApiTokens`, in plain text
//! (https://postmarkapp.com/developer/api/servers-api: `GET /servers?count=&offset=` →
//! `{TotalCount, Servers: [{ID, Name, ApiTokens, …}]}`; server token `GET /server`,
//! https://postmarkapp.com/developer/api/server-api).
//!
//! Remote ids: Postmark gives a server an `ID` but gives a server *token* no id at all (it
//! is only a string in `ApiTokens`). The one scheme, used by [`crate::SimHandle::keys`] and
//! to be used by clients: a server token's remote id is `server:<ID>:<index in ApiTokens>`,
//! and the server itself is `<ID>`. Account tokens have no API at all (no id published);
//! the seed's `id` is the simulator's own.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use serde_json::{json, Value};

use super::{header, json_response, parse_json, query_param, unknown_route};
use crate::seed::{PostmarkServer, Seed};
use crate::state::SimHandle;
use crate::util;

const SERVER_HEADER: &str = "X-Postmark-Server-Token";
const ACCOUNT_HEADER: &str = "X-Postmark-Account-Token";

/// Documented: 10 = bad or missing API token.
const BAD_TOKEN: i64 = 10;
/// Documented: 402 = invalid JSON, 403 = incompatible JSON.
const INVALID_JSON: i64 = 402;
const INCOMPATIBLE_JSON: i64 = 403;
/// Server API errors (600 name required, 601 invalid color, 602 name exists).
const NAME_REQUIRED: i64 = 600;
const INVALID_COLOR: i64 = 601;
const NAME_EXISTS: i64 = 602;
/// Not documented (bad query parameters, unknown server id): 422 with this code.
const UNDOCUMENTED: i64 = 0;

const MISSING_TOKEN: &str = "No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token.";
const BAD_SERVER_TOKEN: &str = "The Server API token you provided in the X-Postmark-Server-Token header was invalid. Please verify that you are using a valid token.";
const BAD_ACCOUNT_TOKEN: &str = "The Account API token you provided in the X-Postmark-Account-Token header was invalid. Please verify that you are using a valid token.";
const NEEDS_ACCOUNT_TOKEN: &str =
    "This endpoint requires an Account API token in the X-Postmark-Account-Token header.";
const NEEDS_SERVER_TOKEN: &str =
    "This endpoint requires a Server API token in the X-Postmark-Server-Token header.";

const COLORS: [&str; 8] = [
    "Purple",
    "Blue",
    "Turquoise",
    "Green",
    "Red",
    "Yellow",
    "Grey",
    "Orange",
];

pub(crate) fn router() -> Router<SimHandle> {
    Router::new()
        .route("/server", get(get_own_server))
        .route("/servers", get(list_servers).post(create_server))
        .route(
            "/servers/{id}",
            get(get_server).put(edit_server).delete(delete_server),
        )
        .fallback(|| async { unknown_route() })
}

/// `{"ErrorCode": code, "Message": message}` with an HTTP status.
pub(crate) fn error(status: StatusCode, code: i64, message: &str) -> Response {
    json_response(status, json!({"ErrorCode": code, "Message": message}))
}

pub(crate) fn error_for_status(status: StatusCode) -> Response {
    match status.as_u16() {
        401 => error(status, BAD_TOKEN, MISSING_TOKEN),
        429 => error(status, 429, "Rate limit exceeded."),
        503 => error(status, 100, "Maintenance"),
        _ => error(
            status,
            UNDOCUMENTED,
            status.canonical_reason().unwrap_or("Error"),
        ),
    }
}

fn unauthorized(message: &str) -> Response {
    error(StatusCode::UNAUTHORIZED, BAD_TOKEN, message)
}

fn unprocessable(code: i64, message: &str) -> Response {
    error(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// Token values are compared case-insensitively ("the header name and value are case
/// insensitive").
fn same_token(a: &str, b: &str) -> bool {
    !a.is_empty() && a.eq_ignore_ascii_case(b)
}

/// A server-token endpoint: the index of the token's server.
fn auth_server(data: &Seed, headers: &HeaderMap) -> Result<usize, Response> {
    match header(headers, SERVER_HEADER) {
        Some(token) => data
            .postmark
            .servers
            .iter()
            .position(|s| s.api_tokens.iter().any(|t| same_token(t, token)))
            .ok_or_else(|| unauthorized(BAD_SERVER_TOKEN)),
        None if header(headers, ACCOUNT_HEADER).is_some() => Err(unauthorized(NEEDS_SERVER_TOKEN)),
        None => Err(unauthorized(MISSING_TOKEN)),
    }
}

/// An account-token endpoint: a server token here is refused with 401, as Postmark does.
fn auth_account(data: &mut Seed, headers: &HeaderMap) -> Result<(), Response> {
    match header(headers, ACCOUNT_HEADER) {
        Some(token) => {
            let t = data
                .postmark
                .account_tokens
                .iter_mut()
                .find(|t| t.is_live() && same_token(&t.value, token))
                .ok_or_else(|| unauthorized(BAD_ACCOUNT_TOKEN))?;
            t.last_used = Some(Utc::now());
            Ok(())
        }
        None if header(headers, SERVER_HEADER).is_some() => Err(unauthorized(NEEDS_ACCOUNT_TOKEN)),
        None => Err(unauthorized(MISSING_TOKEN)),
    }
}

fn server_json(s: &PostmarkServer) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

fn not_found() -> Response {
    unprocessable(UNDOCUMENTED, "The server was not found.")
}

async fn get_own_server(State(sim): State<SimHandle>, headers: HeaderMap) -> Response {
    sim.with_data(|d| match auth_server(d, &headers) {
        Ok(i) => json_response(StatusCode::OK, server_json(&d.postmark.servers[i])),
        Err(r) => r,
    })
}

async fn list_servers(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    sim.with_data(|d| {
        if let Err(r) = auth_account(d, &headers) {
            return r;
        }
        let num =
            |name: &str| query_param(q.as_deref(), name).and_then(|v| v.parse::<usize>().ok());
        let Some(count) = num("count").filter(|c| (1..=500).contains(c)) else {
            return unprocessable(
                UNDOCUMENTED,
                "The 'count' parameter is required and must be between 1 and 500.",
            );
        };
        let Some(offset) = num("offset") else {
            return unprocessable(UNDOCUMENTED, "The 'offset' parameter is required.");
        };
        let name = query_param(q.as_deref(), "name").map(|n| n.to_lowercase());
        let mut matching: Vec<&PostmarkServer> = d
            .postmark
            .servers
            .iter()
            .filter(|s| {
                name.as_ref()
                    .is_none_or(|n| s.name.to_lowercase().contains(n))
            })
            .collect();
        matching.sort_by_key(|s| s.id);
        let total = matching.len();
        let page: Vec<Value> = matching
            .into_iter()
            .skip(offset)
            .take(count)
            .map(server_json)
            .collect();
        json_response(
            StatusCode::OK,
            json!({"TotalCount": total, "Servers": page}),
        )
    })
}

async fn get_server(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.with_data(|d| {
        if let Err(r) = auth_account(d, &headers) {
            return r;
        }
        match find(d, &id) {
            Some(i) => json_response(StatusCode::OK, server_json(&d.postmark.servers[i])),
            None => not_found(),
        }
    })
}

fn find(d: &Seed, id: &str) -> Option<usize> {
    let id: u64 = id.parse().ok()?;
    d.postmark.servers.iter().position(|s| s.id == id)
}

/// Applies the writable fields of a request body to a server.
fn apply_fields(base: &PostmarkServer, body: &Value) -> Result<PostmarkServer, Response> {
    let Some(fields) = body.as_object() else {
        return Err(unprocessable(INCOMPATIBLE_JSON, "Incompatible JSON"));
    };
    let mut merged = server_json(base);
    if let Some(obj) = merged.as_object_mut() {
        for (k, v) in fields {
            let read_only = matches!(
                k.as_str(),
                "ID" | "ApiTokens" | "ServerLink" | "InboundAddress" | "InboundHash"
            );
            if obj.contains_key(k) && !read_only {
                obj.insert(k.clone(), v.clone());
            }
        }
    }
    let server: PostmarkServer = serde_json::from_value(merged)
        .map_err(|_| unprocessable(INCOMPATIBLE_JSON, "Incompatible JSON"))?;
    if !COLORS.iter().any(|c| c.eq_ignore_ascii_case(&server.color)) {
        return Err(unprocessable(INVALID_COLOR, "Invalid server color."));
    }
    Ok(server)
}

fn check_name(d: &Seed, server: &PostmarkServer) -> Result<(), Response> {
    if server.name.trim().is_empty() {
        return Err(unprocessable(
            NAME_REQUIRED,
            "Server name field is required.",
        ));
    }
    let taken = d
        .postmark
        .servers
        .iter()
        .any(|s| s.id != server.id && s.name.eq_ignore_ascii_case(&server.name));
    if taken {
        return Err(unprocessable(NAME_EXISTS, "Server name already exists."));
    }
    Ok(())
}

async fn create_server(State(sim): State<SimHandle>, headers: HeaderMap, body: Bytes) -> Response {
    sim.with_data(|d| {
        if let Err(r) = auth_account(d, &headers) {
            return r;
        }
        let Ok(body) = parse_json::<Value>(&body) else {
            return unprocessable(INVALID_JSON, "Invalid JSON");
        };
        let id = d
            .postmark
            .servers
            .iter()
            .map(|s| s.id)
            .max()
            .unwrap_or(10_000)
            + 1;
        let hash = util::hex(32);
        let base = PostmarkServer {
            id,
            api_tokens: vec![util::postmark_token()],
            server_link: format!("https://account.postmarkapp.com/servers/{id}/streams"),
            inbound_address: format!("{hash}@inbound.postmarkapp.com"),
            inbound_hash: hash,
            ..PostmarkServer::default()
        };
        let server = match apply_fields(&base, &body).and_then(|s| check_name(d, &s).map(|()| s)) {
            Ok(s) => s,
            Err(r) => return r,
        };
        let out = server_json(&server);
        d.postmark.servers.push(server);
        json_response(StatusCode::OK, out)
    })
}

async fn edit_server(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    sim.with_data(|d| {
        if let Err(r) = auth_account(d, &headers) {
            return r;
        }
        let Some(i) = find(d, &id) else {
            return not_found();
        };
        let Ok(body) = parse_json::<Value>(&body) else {
            return unprocessable(INVALID_JSON, "Invalid JSON");
        };
        let server = match apply_fields(&d.postmark.servers[i], &body)
            .and_then(|s| check_name(d, &s).map(|()| s))
        {
            Ok(s) => s,
            Err(r) => return r,
        };
        let out = server_json(&server);
        d.postmark.servers[i] = server;
        json_response(StatusCode::OK, out)
    })
}

async fn delete_server(
    State(sim): State<SimHandle>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.with_data(|d| {
        if let Err(r) = auth_account(d, &headers) {
            return r;
        }
        let Some(i) = find(d, &id) else {
            return not_found();
        };
        let removed = d.postmark.servers.remove(i);
        json_response(
            StatusCode::OK,
            json!({"ErrorCode": 0, "Message": format!("Server {} removed.", removed.name)}),
        )
    })
}
