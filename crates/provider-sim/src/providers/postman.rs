//! Postman (`https://api.getpostman.com`, EU `https://api.eu.postman.com`):
//! `X-Api-Key: PMAK-…`, verify with `GET /me` (`{user: {id, username, email, fullName,
//! avatar, isPublic, teamId, teamName, teamDomain, roles}, operations: [{name, limit, usage,
//! overage}]}` — https://learning.postman.com/api-docs/api-reference/users/get-authenticated-user,
//! "Get authenticated user"). No key-management API. Rate-limit headers on every response
//! (added by the middleware; family per `PostmanData::rate_limit_headers`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use serde_json::{json, Value};

use super::{header, in_region, json_response, request_region};
use crate::state::SimHandle;

/// The documented 401 body, byte for byte.
pub const UNAUTHORIZED_BODY: &str = r#"{"error":{"name":"AuthenticationError","message":"Invalid API Key. Every request requires a valid API Key to be sent."}}"#;

pub(crate) fn router() -> Router<SimHandle> {
    Router::new().route("/me", get(me)).fallback(|| async {
        error(
            StatusCode::NOT_FOUND,
            "notFound",
            "Requested resource not found",
        )
    })
}

fn error(status: StatusCode, name: &str, message: &str) -> Response {
    json_response(status, json!({"error": {"name": name, "message": message}}))
}

pub(crate) fn unauthorized() -> Response {
    axum::response::IntoResponse::into_response((
        StatusCode::UNAUTHORIZED,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )],
        UNAUTHORIZED_BODY,
    ))
}

/// Postman's 429 body.
pub(crate) fn rate_limited(reset_epoch: i64) -> Response {
    json_response(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"error": "rateLimited", "message": format!("Rate limit exceeded. Please retry after {reset_epoch}")}),
    )
}

pub(crate) fn error_for_status(status: StatusCode) -> Response {
    match status.as_u16() {
        401 => unauthorized(),
        403 => error(
            status,
            "forbiddenError",
            "You are not permitted to perform the action on the requested resource.",
        ),
        404 => error(
            status,
            "instanceNotFoundError",
            "The specified item does not exist.",
        ),
        429 => rate_limited(Utc::now().timestamp() + 60),
        s if s >= 500 => error(
            status,
            "serverError",
            "An error has occurred on the server.",
        ),
        _ => error(
            status,
            "badRequest",
            status.canonical_reason().unwrap_or("Bad Request"),
        ),
    }
}

fn default_operations() -> Value {
    json!([
        {"name": "api_object_usage", "limit": 3, "usage": 0, "overage": 0},
        {"name": "collection_run_limit", "limit": 25, "usage": 2, "overage": 0},
        {"name": "file_storage_limit", "limit": 20, "usage": 0.1, "overage": 0},
        {"name": "flow_count", "limit": 5, "usage": 0, "overage": 0},
        {"name": "flow_requests", "limit": 5000, "usage": 0, "overage": 0},
        {"name": "performance_test_limit", "limit": 25, "usage": 0, "overage": 0},
        {"name": "reusable_packages", "limit": 3, "usage": 0, "overage": 0},
        {"name": "test_data_retrieval", "limit": 1000, "usage": 0, "overage": 0},
        {"name": "test_data_storage", "limit": 10, "usage": 0, "overage": 0},
        {"name": "mock_usage", "limit": 1000, "usage": 12, "overage": 0},
        {"name": "monitor_request_runs", "limit": 1000, "usage": 40, "overage": 0},
        {"name": "api_usage", "limit": 1000, "usage": 87, "overage": 0}
    ])
}

async fn me(State(sim): State<SimHandle>, headers: HeaderMap) -> Response {
    let Some(given) = header(&headers, "X-Api-Key") else {
        return unauthorized();
    };
    let region = request_region(&headers).to_owned();
    sim.with_data(|d| {
        // A key of the other region's host is unknown here: the same 401.
        let Some(key) = d
            .postman
            .keys
            .iter_mut()
            .find(|k| k.is_live() && k.value == given && in_region(&k.region, &region))
        else {
            return unauthorized();
        };
        key.last_used = Some(Utc::now());
        let user_id = key.user_id;
        let Some(user) = d.postman.users.iter().find(|u| u.id == user_id) else {
            return unauthorized();
        };
        let mut user_json = serde_json::to_value(user).unwrap_or(Value::Null);
        let operations = match user_json
            .as_object_mut()
            .and_then(|o| o.remove("operations"))
        {
            Some(Value::Array(ops)) if !ops.is_empty() => Value::Array(ops),
            _ => default_operations(),
        };
        json_response(
            StatusCode::OK,
            json!({"user": user_json, "operations": operations}),
        )
    })
}
