//! `/_control/…`: faults, request counts, reset, key inspection, rate limits. Reachable on
//! loopback only, because the simulator binds 127.0.0.1 and nothing else.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::Fault;
use crate::providers::{json_response, Provider};
use crate::ratelimit::RateLimitConfig;
use crate::state::SimHandle;

pub(crate) fn router() -> Router<SimHandle> {
    Router::new()
        .route("/health", get(health))
        .route(
            "/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/requests", get(requests).delete(clear_requests))
        .route("/reset", post(reset))
        .route("/keys", get(keys))
        .route("/state", get(state))
        .route("/rate_limits", get(get_rate_limits).put(set_rate_limits))
        .fallback(|| async { bad(StatusCode::NOT_FOUND, "no such control endpoint") })
}

fn bad(status: StatusCode, message: &str) -> Response {
    json_response(status, json!({"error": message}))
}

async fn health() -> Response {
    let providers: BTreeMap<&str, &str> = Provider::ALL
        .iter()
        .map(|p| (p.name(), p.prefix()))
        .collect();
    json_response(
        StatusCode::OK,
        json!({"status": "ok", "providers": providers}),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FaultQuery {
    append: bool,
}

/// A JSON list of faults (or one fault object): replaces the active faults, or is
/// appended to them with `?append=true`.
async fn set_faults(
    State(sim): State<SimHandle>,
    Query(q): Query<FaultQuery>,
    body: Bytes,
) -> Response {
    let parsed: Result<Vec<Fault>, _> = match serde_json::from_slice::<Value>(&body) {
        Ok(v @ Value::Array(_)) => serde_json::from_value(v),
        Ok(v) => serde_json::from_value::<Fault>(v).map(|f| vec![f]),
        Err(e) => Err(e),
    };
    let faults = match parsed {
        Ok(f) => f,
        Err(e) => return bad(StatusCode::BAD_REQUEST, &format!("invalid faults: {e}")),
    };
    if q.append {
        for f in faults {
            sim.add_fault(f);
        }
    } else {
        sim.set_faults(faults);
    }
    json_response(StatusCode::OK, json!({"faults": sim.faults()}))
}

async fn get_faults(State(sim): State<SimHandle>) -> Response {
    json_response(StatusCode::OK, json!({"faults": sim.faults()}))
}

async fn clear_faults(State(sim): State<SimHandle>) -> Response {
    sim.clear_faults();
    json_response(StatusCode::OK, json!({"faults": []}))
}

async fn requests(State(sim): State<SimHandle>) -> Response {
    json_response(
        StatusCode::OK,
        json!({"total": sim.total_requests(), "routes": sim.request_counts(), "log": sim.request_log()}),
    )
}

async fn clear_requests(State(sim): State<SimHandle>) -> Response {
    sim.clear_requests();
    json_response(StatusCode::OK, json!({"total": 0, "routes": {}, "log": []}))
}

async fn reset(State(sim): State<SimHandle>) -> Response {
    sim.reset();
    json_response(StatusCode::OK, json!({"reset": true}))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KeysQuery {
    provider: Option<String>,
}

async fn keys(State(sim): State<SimHandle>, Query(q): Query<KeysQuery>) -> Response {
    let provider = q.provider;
    json_response(
        StatusCode::OK,
        json!({"keys": sim.keys(provider.as_deref())}),
    )
}

async fn state(State(sim): State<SimHandle>) -> Response {
    json_response(
        StatusCode::OK,
        serde_json::to_value(sim.snapshot()).unwrap_or(Value::Null),
    )
}

async fn get_rate_limits(State(sim): State<SimHandle>) -> Response {
    let all: BTreeMap<&str, RateLimitConfig> = Provider::ALL
        .iter()
        .map(|p| (p.name(), sim.rate_limit(p.name())))
        .collect();
    json_response(StatusCode::OK, json!({"rate_limits": all}))
}

/// `{"postman": {"requests": 5, "window_secs": 1}, …}`: sets those providers' limits.
async fn set_rate_limits(State(sim): State<SimHandle>, body: Bytes) -> Response {
    let limits: BTreeMap<String, RateLimitConfig> = match serde_json::from_slice(&body) {
        Ok(l) => l,
        Err(e) => {
            return bad(
                StatusCode::BAD_REQUEST,
                &format!("invalid rate limits: {e}"),
            )
        }
    };
    for (provider, cfg) in limits {
        if Provider::from_name(&provider).is_none() {
            return bad(
                StatusCode::BAD_REQUEST,
                &format!("unknown provider {provider}"),
            );
        }
        sim.set_rate_limit(&provider, cfg);
    }
    get_rate_limits(State(sim)).await
}
