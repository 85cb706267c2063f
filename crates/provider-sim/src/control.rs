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
        .route("/options", get(get_options).patch(set_options))
        .route(
            "/cloudflare/effective_permissions",
            get(cloudflare_effective_permissions),
        )
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

/// The behaviour switches that are not data (see the crate docs).
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Options {
    posthog_legacy_list: Option<bool>,
    sendgrid_delete_propagation_ms: Option<u64>,
    sendgrid_get_key_shape: Option<crate::seed::SendGridGetKeyShape>,
    postman_rate_limit_headers: Option<crate::seed::PostmanRateLimitHeaders>,
    cloudflare_max_user_tokens: Option<usize>,
    cloudflare_max_account_tokens: Option<usize>,
}

async fn get_options(State(sim): State<SimHandle>) -> Response {
    let body = sim.with_data(|d| {
        json!({
            "posthog_legacy_list": d.posthog.legacy_list,
            "sendgrid_delete_propagation_ms": d.sendgrid.delete_propagation_ms,
            "sendgrid_get_key_shape": d.sendgrid.get_key_shape,
            "postman_rate_limit_headers": d.postman.rate_limit_headers,
            "cloudflare_max_user_tokens": d.cloudflare.max_user_tokens,
            "cloudflare_max_account_tokens": d.cloudflare.max_account_tokens,
        })
    });
    json_response(StatusCode::OK, body)
}

/// `{"posthog_legacy_list": true, "sendgrid_delete_propagation_ms": 0, …}`: sets those.
async fn set_options(State(sim): State<SimHandle>, body: Bytes) -> Response {
    let o: Options = match serde_json::from_slice(&body) {
        Ok(o) => o,
        Err(e) => return bad(StatusCode::BAD_REQUEST, &format!("invalid options: {e}")),
    };
    sim.with_data(|d| {
        if let Some(v) = o.posthog_legacy_list {
            d.posthog.legacy_list = v;
        }
        if let Some(v) = o.sendgrid_delete_propagation_ms {
            d.sendgrid.delete_propagation_ms = v;
        }
        if let Some(v) = o.sendgrid_get_key_shape {
            d.sendgrid.get_key_shape = v;
        }
        if let Some(v) = o.postman_rate_limit_headers {
            d.postman.rate_limit_headers = v;
        }
        if let Some(v) = o.cloudflare_max_user_tokens {
            d.cloudflare.max_user_tokens = v;
        }
        if let Some(v) = o.cloudflare_max_account_tokens {
            d.cloudflare.max_account_tokens = v;
        }
    });
    get_options(State(sim)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenQuery {
    token_id: String,
}

async fn cloudflare_effective_permissions(
    State(sim): State<SimHandle>,
    Query(q): Query<TokenQuery>,
) -> Response {
    match sim.cloudflare_effective_permissions(&q.token_id) {
        Some(p) => json_response(StatusCode::OK, json!({"effective_permissions": p})),
        None => bad(StatusCode::NOT_FOUND, "no such token"),
    }
}
