//! Shared helpers for the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use provider_sim::{RunningSim, Seed, Simulator};
use serde_json::Value;

/// A client with a timeout, so a hang fails the test instead of blocking it.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

pub fn demo() -> RunningSim {
    Simulator::start(Seed::demo()).unwrap()
}

/// The value of the demo key with this name (or label).
pub fn key(sim: &RunningSim, provider: &str, name: &str) -> String {
    sim.state()
        .keys(Some(provider))
        .into_iter()
        .find(|k| k.name == name)
        .unwrap_or_else(|| panic!("no {provider} key named {name}"))
        .value
}

/// The id of the demo key with this name (or label).
pub fn key_id(sim: &RunningSim, provider: &str, name: &str) -> String {
    sim.state()
        .keys(Some(provider))
        .into_iter()
        .find(|k| k.name == name)
        .unwrap_or_else(|| panic!("no {provider} key named {name}"))
        .id
}

/// Status and JSON body of a response (panics if the body is not JSON).
pub async fn json(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"));
    (status, body)
}

/// Status and raw text of a response.
pub async fn text(resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}
