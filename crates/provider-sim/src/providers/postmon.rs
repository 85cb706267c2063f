//! Postmon (no public management API): a configurable probe, by default the ingestion
//! endpoint `POST /v1/event` with the key as `api_key` in the JSON body, or in the
//! `X-Api-Key` header, or the `api_key` query parameter. 200 on a good key, 401 on a bad
//! one; bodies configurable in the seed.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use chrono::Utc;
use serde_json::{json, Value};

use super::{header, json_response, parse_json, query_param, unknown_route};
use crate::state::SimHandle;

pub(crate) fn router() -> Router<SimHandle> {
    Router::new().fallback(probe)
}

pub(crate) fn error_for_status(status: StatusCode) -> Response {
    match status.as_u16() {
        401 => json_response(status, json!({"error": "Invalid API key"})),
        _ => json_response(
            status,
            json!({"error": status.canonical_reason().unwrap_or("Error")}),
        ),
    }
}

async fn probe(
    State(sim): State<SimHandle>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    sim.with_data(|d| {
        let p = d.postmon.probe.clone();
        if !p.method.eq_ignore_ascii_case(method.as_str()) || uri.path() != p.path {
            return unknown_route();
        }
        let from_body = p.body_field.as_ref().and_then(|f| {
            parse_json::<Value>(&body)
                .ok()
                .and_then(|v| v.get(f).and_then(Value::as_str).map(str::to_owned))
        });
        let from_header = p
            .header
            .as_ref()
            .and_then(|h| header(&headers, h).map(str::to_owned));
        let from_query = p.query.as_ref().and_then(|n| query_param(q.as_deref(), n));
        let given = from_body.or(from_header).or(from_query);
        let status = |s: u16| StatusCode::from_u16(s).unwrap_or(StatusCode::OK);
        let key = given.and_then(|g| {
            d.postmon
                .keys
                .iter_mut()
                .find(|k| k.is_live() && k.value == g)
        });
        match key {
            Some(k) => {
                k.last_used = Some(Utc::now());
                json_response(status(p.success_status), p.success_body)
            }
            None => json_response(status(p.unauthorized_status), p.unauthorized_body),
        }
    })
}
