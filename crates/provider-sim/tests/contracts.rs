//! Holds the simulator to the providers' published behaviour: every fixture of
//! `contracts/<provider>.json` is sent over real HTTP to a fresh demo simulator, and the
//! answer must have the documented status, headers and body shape.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use provider_sim::contracts::{self, shape_mismatches, Fixture};
use provider_sim::{RunningSim, Seed, Simulator};
use serde_json::{json, Value};

use common::client;

/// A well-formed value no seed holds, per provider.
fn unknown(provider: &str) -> String {
    match provider {
        "posthog" => format!("phx_{}", "Q".repeat(48)),
        "cloudflare" => format!("cfut_{}{}", "Z".repeat(40), "0123abcd"),
        "sendgrid" => format!("SG.{}.{}", "U".repeat(22), "u".repeat(43)),
        "postman" => format!("PMAK-{}-{}", "0".repeat(24), "f".repeat(34)),
        _ => "00000000-0000-4000-8000-000000000000".to_owned(),
    }
}

fn key_named(sim: &RunningSim, provider: &str, name: &str) -> String {
    common::key(sim, provider, name)
}

/// The credential a role stands for (`None` = send none).
async fn credential(sim: &RunningSim, provider: &str, role: &str) -> Option<String> {
    let snap = sim.state().snapshot();
    Some(match (provider, role) {
        (_, "none") => return None,
        (_, "unknown") => unknown(provider),
        ("posthog", "personal") => key_named(sim, "posthog", "Keyward admin"),
        ("posthog", "eu_personal") => key_named(sim, "posthog", "EU cloud key"),
        ("posthog", "secret") => key_named(sim, "posthog", "Backend flag evaluation"),
        ("posthog", "legacy_secure") => snap.posthog.projects[0].secret_api_token.clone()?,
        ("posthog", "unknown_secret") => format!("phs_{}", "Q".repeat(43)),
        ("cloudflare", "admin_token") => key_named(sim, "cloudflare", "Keyward admin"),
        ("cloudflare", "account_admin") => key_named(sim, "cloudflare", "Account token admin"),
        ("cloudflare", "legacy") => key_named(sim, "cloudflare", "Legacy deploy token"),
        ("cloudflare", "disabled") => key_named(sim, "cloudflare", "Paused integration"),
        // Truncated: what a bad paste looks like.
        ("cloudflare", "bad_format") => {
            key_named(sim, "cloudflare", "Keyward admin")[..30].to_owned()
        }
        ("sendgrid", "admin") => key_named(sim, "sendgrid", "Keyward admin"),
        ("sendgrid", "eu_key") => key_named(sim, "sendgrid", "EU subuser mail"),
        ("sendgrid", "deleted_within_delay") => {
            let admin = key_named(sim, "sendgrid", "Keyward admin");
            let id = common::key_id(sim, "sendgrid", "Marketing (read)");
            let resp = client()
                .delete(format!("{}/api_keys/{id}", sim.base_url("sendgrid")))
                .bearer_auth(admin)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 204);
            key_named(sim, "sendgrid", "Marketing (read)")
        }
        ("postman", "api_key") => key_named(sim, "postman", "CI collection runs"),
        ("postman", "eu_key") => key_named(sim, "postman", "EU workspace runs"),
        ("postmark", "account_token") => snap.postmark.account_tokens[0].value.clone(),
        ("postmark", "server_token") => snap.postmark.servers[0].api_tokens[0].clone(),
        (p, r) => panic!("{p}: no such auth role {r}"),
    })
}

fn placeholders(sim: &RunningSim, provider: &str) -> Vec<(&'static str, String)> {
    let snap = sim.state().snapshot();
    match provider {
        "posthog" => vec![
            ("{project_id}", snap.posthog.projects[0].id.to_string()),
            (
                "{project_token}",
                snap.posthog.projects[0].api_token.clone(),
            ),
            (
                "{secret_key_id}",
                common::key_id(sim, "posthog", "Backend flag evaluation"),
            ),
        ],
        "cloudflare" => vec![
            ("{account_id}", snap.cloudflare.accounts[0].id.clone()),
            (
                "{token_id}",
                common::key_id(sim, "cloudflare", "DNS edit - prod"),
            ),
        ],
        "sendgrid" => vec![(
            "{api_key_id}",
            common::key_id(sim, "sendgrid", "Transactional mail"),
        )],
        "postmark" => vec![("{server_id}", snap.postmark.servers[0].id.to_string())],
        _ => Vec::new(),
    }
}

fn fill(text: &str, subs: &[(&str, String)]) -> String {
    subs.iter()
        .fold(text.to_owned(), |t, (k, v)| t.replace(k, v))
}

fn with_auth(
    req: reqwest::RequestBuilder,
    provider: &str,
    role: &str,
    value: Option<String>,
) -> reqwest::RequestBuilder {
    let Some(v) = value else { return req };
    match provider {
        "postman" => req.header("X-Api-Key", v),
        "postmark" if role == "server_token" => req.header("X-Postmark-Server-Token", v),
        "postmark" => req.header("X-Postmark-Account-Token", v),
        _ => req.header("Authorization", format!("Bearer {v}")),
    }
}

/// Runs one fixture on a fresh demo simulator: the disagreements, if any.
async fn check(provider: &str, f: &Fixture) -> Vec<String> {
    let sim = Simulator::start(Seed::demo()).unwrap();
    let http = client();
    if let Some(options) = &f.request.options {
        let resp = http
            .patch(format!("{}/_control/options", sim.url()))
            .json(options)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{}: options refused", f.name);
    }
    let value = credential(&sim, provider, &f.request.auth).await;
    if let Some(fault) = &f.request.fault {
        sim.state().add_fault(fault.clone());
    }
    let subs = placeholders(&sim, provider);
    let region = f.request.region.as_deref().unwrap_or("us");
    let url = format!(
        "{}{}",
        sim.base_url_region(provider, region),
        fill(&f.request.path, &subs)
    );
    let method = reqwest::Method::from_bytes(f.request.method.as_bytes()).unwrap();
    let mut req = with_auth(http.request(method, &url), provider, &f.request.auth, value);
    if let Some(body) = &f.request.body {
        let text = fill(&body.to_string(), &subs);
        req = req.header("content-type", "application/json").body(text);
    }
    let resp = req.send().await.unwrap();
    let mut problems = Vec::new();
    let status = resp.status().as_u16();
    if status != f.response.status {
        problems.push(format!("status {status}, documented {}", f.response.status));
    }
    for name in f.response.headers.keys() {
        if !resp.headers().contains_key(name.as_str()) {
            problems.push(format!("header {name} missing"));
        }
    }
    for name in &f.response.absent_headers {
        if resp.headers().contains_key(name.as_str()) {
            problems.push(format!("header {name} present, documented absent"));
        }
    }
    let text = resp.text().await.unwrap();
    if let Some(expected) = &f.response.body {
        match serde_json::from_str::<Value>(&text) {
            Ok(actual) => problems.extend(shape_mismatches(expected, &actual)),
            Err(e) => problems.push(format!("body is not JSON ({e}): {text:?}")),
        }
    }
    sim.shutdown().await;
    problems
        .into_iter()
        .map(|p| format!("{provider}: {}: {p}", f.name))
        .collect()
}

async fn check_all(provider: &str) {
    let fixtures = contracts::load(provider);
    assert!(!fixtures.is_empty(), "{provider}: no fixtures");
    let mut problems = Vec::new();
    for f in &fixtures {
        problems.extend(check(provider, f).await);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn posthog_matches_its_contract() {
    check_all("posthog").await;
}

#[tokio::test]
async fn cloudflare_matches_its_contract() {
    check_all("cloudflare").await;
}

#[tokio::test]
async fn sendgrid_matches_its_contract() {
    check_all("sendgrid").await;
}

#[tokio::test]
async fn postman_matches_its_contract() {
    check_all("postman").await;
}

#[tokio::test]
async fn postmark_matches_its_contract() {
    check_all("postmark").await;
}

/// The checker itself must catch a disagreement (a contract test that cannot fail proves
/// nothing).
#[tokio::test]
async fn a_disagreeing_fixture_fails() {
    let mut f = contracts::load("sendgrid")
        .into_iter()
        .find(|f| f.name.starts_with("list API keys"))
        .unwrap();
    f.response.body = Some(json!({"result": [{"api_key_id": 1, "created": "x"}]}));
    f.response.absent_headers = vec!["X-RateLimit-Limit".to_owned()];
    let problems = check("sendgrid", &f).await;
    for wanted in [
        "header X-RateLimit-Limit present, documented absent",
        "$.result[0].api_key_id: expected number, got string",
        "$.result[0].created: missing",
    ] {
        assert!(
            problems.iter().any(|p| p.ends_with(wanted)),
            "{wanted} not reported: {problems:#?}"
        );
    }
    let mut f2 = f.clone();
    f2.response.status = 201;
    f2.response.body = None;
    f2.response.absent_headers.clear();
    assert_eq!(check("sendgrid", &f2).await.len(), 1);
}

// ---------------------------------------------------------------- behaviours beyond shape

#[tokio::test]
async fn posthog_pages_follow_next_and_legacy_list_is_an_array() {
    let sim = common::demo();
    let http = client();
    let key = key_named(&sim, "posthog", "Keyward admin");
    let mut url = format!(
        "{}/api/projects/1/project_secret_api_keys/?limit=1",
        sim.base_url("posthog")
    );
    let mut seen = Vec::new();
    loop {
        let (status, body) =
            common::json(http.get(&url).bearer_auth(&key).send().await.unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(body["count"], 2);
        seen.extend(
            body["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["id"].clone()),
        );
        match body["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 2);
    sim.state().set_posthog_legacy_list(true);
    let (_, body) = common::json(
        http.get(format!(
            "{}/api/environments/1/project_secret_api_keys/",
            sim.base_url("posthog")
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(body.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn cloudflare_mis_scoped_policy_grants_nothing() {
    let sim = common::demo();
    let state = sim.state();
    let id = common::key_id(&sim, "cloudflare", "Mis-scoped DNS token");
    assert_eq!(
        state.cloudflare_effective_permissions(&id),
        Some(Vec::new())
    );
    let dns = common::key_id(&sim, "cloudflare", "DNS edit - prod");
    let eff = state.cloudflare_effective_permissions(&dns).unwrap();
    assert_eq!(eff.len(), 1);
    assert_eq!(eff[0].group_name, "DNS Write");
    assert_eq!(eff[0].scope, "com.cloudflare.api.account.zone");

    // API Tokens Write (a user group) put on an account resource: created fine, but the new
    // token cannot list tokens.
    let http = client();
    let base = sim.base_url("cloudflare");
    let admin = key_named(&sim, "cloudflare", "Keyward admin");
    let (status, body) = common::json(
        http.post(format!("{base}/user/tokens"))
            .bearer_auth(&admin)
            .json(
                &json!({"name": "wrong scope", "policies": [{"effect": "allow",
                "resources": {"com.cloudflare.api.account.023e105f4ecef8ad9ca31a8372d0c353": "*"},
                "permission_groups": [{"id": "686d18d5ac6c441c867cbf6771e58a0a"}]}]}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let value = body["result"]["value"].as_str().unwrap().to_owned();
    let resp = http
        .get(format!("{base}/user/tokens"))
        .bearer_auth(&value)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    // Verify still says active: the token exists, it just grants nothing.
    let (status, body) = common::json(
        http.get(format!("{base}/user/tokens/verify"))
            .bearer_auth(&value)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["result"]["status"].as_str()),
        (200, Some("active"))
    );
}

#[tokio::test]
async fn cloudflare_list_has_no_total_pages_and_quota_is_enforced() {
    let sim = common::demo();
    let http = client();
    let base = sim.base_url("cloudflare");
    let admin = key_named(&sim, "cloudflare", "Keyward admin");
    let (_, body) = common::json(
        http.get(format!("{base}/user/tokens?per_page=5"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(body["result_info"].get("total_pages").is_none(), "{body}");
    let held = body["result_info"]["total_count"].as_u64().unwrap() as usize;
    sim.state()
        .with_data(|d| d.cloudflare.max_user_tokens = held);
    let (status, body) = common::json(
        http.post(format!("{base}/user/tokens"))
            .bearer_auth(&admin)
            .json(&json!({"name": "one too many", "policies": [{"effect": "allow",
                "resources": {"com.cloudflare.api.account.zone.023e105f4ecef8ad9ca31a8372d0c353": "*"},
                "permission_groups": [{"id": "c8fed203ed3043cba015a93ad1616f1f"}]}]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["success"], false);
}

#[tokio::test]
async fn sendgrid_deleted_key_dies_after_the_propagation_delay() {
    let sim = common::demo();
    sim.state()
        .set_sendgrid_delete_propagation(Duration::from_millis(300));
    let http = client();
    let base = sim.base_url("sendgrid");
    let admin = key_named(&sim, "sendgrid", "Keyward admin");
    let victim = key_named(&sim, "sendgrid", "Transactional mail");
    let id = common::key_id(&sim, "sendgrid", "Transactional mail");
    let resp = http
        .delete(format!("{base}/api_keys/{id}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let scopes = |v: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.get(format!("{base}/scopes"))
                .bearer_auth(v)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(scopes(victim.clone()).await, 200);
    // Gone from the list and from get at once.
    let resp = http
        .get(format!("{base}/api_keys/{id}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(scopes(victim).await, 401);
}
