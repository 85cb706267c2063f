//! Contract fixtures: requests and the responses each provider documents for them
//! (`contracts/<provider>.json`, written from the providers' published docs, OpenAPI
//! documents and SDKs, never from this simulator's output), and a shape checker, so the
//! simulator's tests and the product's client tests hold both to the same documents.
//!
//! A fixture's `request.auth` names a role the harness fills from the seed (`personal`,
//! `admin_token`, `bad_format`, `unknown`, …); `{placeholders}` in `request.path` are filled
//! the same way. The shape rule ([`shape_mismatches`]): every object key of the expected
//! body must be in the actual body with the same JSON type, recursively; arrays compare each
//! actual element against the expected array's first element; `null` expected matches
//! anything.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::faults::Fault;

/// One provider's fixture file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ContractFile {
    pub provider: String,
    pub fixtures: Vec<Fixture>,
}

/// One documented request and its documented response.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fixture {
    pub name: String,
    /// Where the behaviour is published (URL, OpenAPI path, SDK file).
    pub source: String,
    pub request: FixtureRequest,
    pub response: FixtureResponse,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FixtureRequest {
    pub method: String,
    /// Path under the provider's base URL, with `{placeholders}` and maybe a query.
    pub path: String,
    /// The credential role (see the module docs); `none` = no credential.
    pub auth: String,
    /// `us` (default) or `eu`: which regional base URL the request goes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A fault the harness installs for this request only (e.g. a 429).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    /// Behaviour switches the harness sets first (`PATCH /_control/options` body, e.g.
    /// `{"postman_rate_limit_headers": "ratelimit"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FixtureResponse {
    pub status: u16,
    /// Headers that must be present (names; values are documentation).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Headers that must NOT be present (e.g. SendGrid's 429 has no `Retry-After`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent_headers: Vec<String>,
    /// The documented body; `None` = no body (204) or not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// The providers that have a fixture file.
pub const PROVIDERS: [&str; 5] = ["cloudflare", "posthog", "sendgrid", "postman", "postmark"];

fn text(provider: &str) -> Option<&'static str> {
    Some(match provider {
        "cloudflare" => include_str!("../contracts/cloudflare.json"),
        "posthog" => include_str!("../contracts/posthog.json"),
        "sendgrid" => include_str!("../contracts/sendgrid.json"),
        "postman" => include_str!("../contracts/postman.json"),
        "postmark" => include_str!("../contracts/postmark.json"),
        _ => return None,
    })
}

/// The fixtures of `provider`, or the parse error of its file (an unknown provider has
/// none).
pub fn try_load(provider: &str) -> Result<Vec<Fixture>, serde_json::Error> {
    match text(provider) {
        Some(t) => serde_json::from_str::<ContractFile>(t).map(|f| f.fixtures),
        None => Ok(Vec::new()),
    }
}

/// The fixtures of `provider` (empty for a provider without a file; the files are
/// compiled in and checked by this crate's tests, so a parse error cannot ship).
pub fn load(provider: &str) -> Vec<Fixture> {
    try_load(provider).unwrap_or_default()
}

/// Where `actual` does not have the shape of `expected`, one line per difference
/// (`$.result[0].id: expected string, got number`). Empty = same shape.
pub fn shape_mismatches(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(expected, actual, "$", &mut out);
    out
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn walk(expected: &Value, actual: &Value, at: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Null, _) => {}
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => walk(ev, av, &format!("{at}.{k}"), out),
                    None => out.push(format!("{at}.{k}: missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let Some(first) = e.first() {
                for (i, av) in a.iter().enumerate() {
                    walk(first, av, &format!("{at}[{i}]"), out);
                }
            }
        }
        (e, a) if kind(e) == kind(a) => {}
        (e, a) => out.push(format!("{at}: expected {}, got {}", kind(e), kind(a))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes() {
        let e = json!({"a": 1, "b": [{"c": "x"}], "d": null});
        assert!(shape_mismatches(&e, &json!({"a": 2, "b": [], "d": 5, "z": 1})).is_empty());
        let m = shape_mismatches(&e, &json!({"a": "1", "b": [{"c": 1}, {}]}));
        assert_eq!(
            m,
            vec![
                "$.a: expected number, got string",
                "$.b[0].c: expected string, got number",
                "$.b[1].c: missing",
                "$.d: missing",
            ]
        );
        assert_eq!(
            shape_mismatches(&json!([1]), &json!({"x": 1})),
            vec!["$: expected array, got object"]
        );
    }

    #[test]
    fn every_file_parses_and_names_its_sources() {
        for p in PROVIDERS {
            let fixtures = try_load(p).unwrap_or_else(|e| panic!("{p}: {e}"));
            assert!(!fixtures.is_empty(), "{p} has no fixtures");
            for f in fixtures {
                assert!(!f.source.trim().is_empty(), "{p}: {} has no source", f.name);
            }
        }
        assert!(load("nobody").is_empty());
    }
}
