//! Postnomic (no public management API): `X-Api-Key: pk_…` validated on every request;
//! the probe lists the key's blog's published posts. The path (default
//! `GET /api/v1/posts`) and the 401 body (default empty, as an ASP.NET Core
//! authentication challenge) are configurable in the seed.

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::Utc;
use serde_json::{json, Value};

use super::{header, json_response, unknown_route};
use crate::state::SimHandle;

pub(crate) fn router() -> Router<SimHandle> {
    Router::new().fallback(probe)
}

/// 401 with no body; other statuses as RFC 7807 problem details (ASP.NET Core's default).
pub(crate) fn error_for_status(status: StatusCode) -> Response {
    if status == StatusCode::UNAUTHORIZED {
        return status.into_response();
    }
    json_response(
        status,
        json!({
            "type": "https://tools.ietf.org/html/rfc9110",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
        }),
    )
}

async fn probe(
    State(sim): State<SimHandle>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    sim.with_data(|d| {
        let p = d.postnomic.probe.clone();
        if !p.method.eq_ignore_ascii_case(method.as_str()) || uri.path() != p.path {
            return unknown_route();
        }
        let given = header(&headers, &p.header);
        let key = given.and_then(|g| {
            d.postnomic
                .keys
                .iter_mut()
                .find(|k| k.is_live() && k.value == g)
        });
        match key {
            Some(k) => {
                k.last_used = Some(Utc::now());
                let blog = k.scope.clone();
                let posts: Vec<Value> = d
                    .postnomic
                    .posts
                    .iter()
                    .filter(|post| post.get("blog").and_then(Value::as_str) == Some(blog.as_str()))
                    .cloned()
                    .collect();
                json_response(StatusCode::OK, Value::Array(posts))
            }
            None => match p.unauthorized_body {
                Some(body) => json_response(StatusCode::UNAUTHORIZED, body),
                None => StatusCode::UNAUTHORIZED.into_response(),
            },
        }
    })
}
