#![allow(clippy::unwrap_used)]
//! Every provider client call against an in-process `provider-sim` (real HTTP on 127.0.0.1):
//! the happy path, each fault the simulator can inject, and the rules of the shared HTTP layer
//! (timeouts, retries for reads only, `Retry-After` / `X-RateLimit-RetryAfter`, HTTPS only).
//! Every error produced with a canary key is checked: neither its `Display` nor its `Debug`
//! may carry the key.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use keyward::connection::ConnectionOptions;
use keyward::providers::cloudflare::CloudflareClient;
use keyward::providers::http::{check_base_url, ApiPath, Auth, Http};
use keyward::providers::posthog::PostHogClient;
use keyward::providers::postman::PostmanClient;
use keyward::providers::postmark::PostmarkClient;
use keyward::providers::probe::Probe;
use keyward::providers::sendgrid::SendGridClient;
use keyward::providers::{self, ClientError, VerifyOutcome, VerifyTarget};
use keyward::providers::{CustomProviderSpec, Presentation};
use keyward::Secret;

static NO_OPTIONS: ConnectionOptions = ConnectionOptions {
    project_id: None,
    account_id: None,
    probe_path: None,
};
use provider_sim::seed::{
    CloudflarePermissionGroup, CloudflarePolicy, CloudflareToken, PostmanKey, PostmarkAccountToken,
    PostmarkServer,
};
use provider_sim::{Fault, RunningSim, Seed, Simulator};
use reqwest::Method;
use serde_json::json;

// ---------------------------------------------------------------- helpers

fn demo() -> RunningSim {
    Simulator::start(Seed::demo()).unwrap()
}

/// The default policy (3 attempts, 30 s max wait) with a short backoff so tests stay quick.
fn http() -> Http {
    let mut h = Http::new().unwrap();
    h.retry.base_backoff = Duration::from_millis(20);
    h
}

/// The value of the simulator key `name` of `provider`.
fn value(sim: &RunningSim, provider: &str, name: &str) -> String {
    sim.state()
        .keys(Some(provider))
        .into_iter()
        .find(|k| k.name == name)
        .unwrap_or_else(|| panic!("no {provider} key named {name:?} in the simulator"))
        .value
}

fn secret(v: &str) -> Secret {
    Secret::new(v.to_owned())
}

fn hex(n: usize) -> String {
    let mut s = String::new();
    while s.len() < n {
        s.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    s.truncate(n);
    s
}

fn alnum(n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| char::from(A[usize::from(rand::random::<u8>()) % A.len()]))
        .collect()
}

/// Canary key values in each provider's shape (all unique per run).
fn canary_postman() -> String {
    format!("PMAK-{}-{}", hex(24), hex(34))
}
fn canary_uuid() -> String {
    let h = hex(32);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}
fn canary_phx() -> String {
    format!("phx_canary{}", alnum(38))
}

/// Neither the message nor the debug form of `e` may contain any canary.
fn assert_clean(e: &ClientError, canaries: &[&str]) {
    let shown = format!("{e}");
    let debug = format!("{e:?}");
    for c in canaries {
        assert!(
            !shown.contains(c) && !debug.contains(c),
            "an error carries a key value: {shown} / {debug}"
        );
        // Also no large piece of it (a cut-off value is still a leak).
        let tail = &c[c.len() - 16..];
        assert!(
            !shown.contains(tail) && !debug.contains(tail),
            "an error carries part of a key value: {shown} / {debug}"
        );
    }
}

/// Statuses the simulator logged for `path` (None = the connection was dropped).
fn statuses(sim: &RunningSim, method: &str, path: &str) -> Vec<Option<u16>> {
    sim.state()
        .request_log()
        .into_iter()
        .filter(|r| r.method == method && r.path == path)
        .map(|r| r.status)
        .collect()
}

fn count(sim: &RunningSim, route: &str) -> u64 {
    sim.state().request_count(route)
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn target<'a>(provider: &'a str, kind: &'a str, base: &'a str) -> VerifyTarget<'a> {
    VerifyTarget {
        provider,
        kind,
        base_url: Some(base),
        base_url_chosen: true,
        options: &NO_OPTIONS,
        custom: None,
    }
}

const ME: &str = "/postman/me";
const CURRENT: &str = "/posthog/api/personal_api_keys/@current/";

/// A live Postman key whose value is a canary (so a request that succeeds after a fault
/// still carries a canary).
fn postman_canary_key(sim: &RunningSim) -> String {
    let v = canary_postman();
    let val = v.clone();
    sim.state().with_data(move |d| {
        d.postman.keys.push(PostmanKey {
            id: "canary".into(),
            name: "canary".into(),
            value: val,
            user_id: 12_345_678,
            ..PostmanKey::default()
        })
    });
    v
}

// ---------------------------------------------------------------- Postmark

#[tokio::test]
async fn postmark_verifies_server_and_account_tokens_and_tells_them_apart() {
    let sim = demo();
    let http = http();
    let base = sim.base_url("postmark");
    let pm = PostmarkClient {
        http: &http,
        base_url: &base,
    };
    let server = secret(&value(&sim, "postmark", "Acme Staging"));
    let account = secret(&value(&sim, "postmark", "Account admin"));
    let unknown = canary_uuid();

    let v = pm.verify_server_token(&server).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    assert_eq!(v.kind.as_deref(), Some("server_token"));
    // One remote-id scheme for verify and sync: `server-<ID>-<place in ApiTokens>`.
    assert_eq!(v.remote_id.as_deref(), Some("server-11002-1"));
    assert!(v.detail.contains("Acme Staging"), "{}", v.detail);

    // The wrong kind on each route is a definite 401: Invalid, not an error.
    let v = pm.verify_server_token(&account).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Invalid);
    let v = pm.verify_account_token(&server).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Invalid);

    let v = pm.verify_account_token(&account).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    assert_eq!(v.kind.as_deref(), Some("account_token"));

    // verify_any: a server token is answered by /server alone …
    sim.state().clear_requests();
    let v = pm.verify_any(&server, "server_token").await.unwrap();
    assert_eq!(
        (v.outcome, v.kind.as_deref()),
        (VerifyOutcome::Valid, Some("server_token"))
    );
    assert_eq!(count(&sim, "GET /postmark/server"), 1);
    assert_eq!(count(&sim, "GET /postmark/servers"), 0);

    // … a UUID that is an account token is reported as one …
    sim.state().clear_requests();
    let v = pm.verify_any(&account, "server_token").await.unwrap();
    assert_eq!(
        (v.outcome, v.kind.as_deref()),
        (VerifyOutcome::Valid, Some("account_token"))
    );
    assert_eq!(count(&sim, "GET /postmark/server"), 1);
    assert_eq!(count(&sim, "GET /postmark/servers"), 1);

    // The kind on record is tried first: a known account token costs one call …
    sim.state().clear_requests();
    let v = pm.verify_any(&account, "account_token").await.unwrap();
    assert_eq!(v.kind.as_deref(), Some("account_token"));
    assert_eq!(count(&sim, "GET /postmark/server"), 0);
    assert_eq!(count(&sim, "GET /postmark/servers"), 1);
    // … and a record that says "account" for a server token still finds the truth.
    sim.state().clear_requests();
    let v = pm.verify_any(&server, "account_token").await.unwrap();
    assert_eq!(v.kind.as_deref(), Some("server_token"));
    assert_eq!(count(&sim, "GET /postmark/servers"), 1);
    assert_eq!(count(&sim, "GET /postmark/server"), 1);

    // An unknown UUID is Invalid after both probes.
    sim.state().clear_requests();
    let v = pm
        .verify_any(&secret(&unknown), "server_token")
        .await
        .unwrap();
    assert_eq!(sim.state().total_requests(), 2);
    assert_eq!(v.outcome, VerifyOutcome::Invalid);
    assert_eq!(v.kind, None);
    assert!(!v.detail.contains(&unknown));

    // Through the dispatcher (what the inventory calls), whatever kind is on record.
    let v = providers::verify(&http, &target("postmark", "server_token", &base), &account)
        .await
        .unwrap();
    assert_eq!(v.kind.as_deref(), Some("account_token"));
    sim.state().clear_requests();
    let v = providers::verify(&http, &target("postmark", "account_token", &base), &account)
        .await
        .unwrap();
    assert_eq!(v.kind.as_deref(), Some("account_token"));
    assert_eq!(
        sim.state().total_requests(),
        1,
        "the recorded kind goes first"
    );

    // A server token listing servers: an error (Unauthorized), not a silent empty list.
    let e = pm.list_servers(&server).await.err().unwrap();
    assert!(matches!(e, ClientError::Unauthorized(_)), "{e:?}");
    assert_eq!(e.code(), "provider_unauthorized");
    let e = pm.list_servers(&secret(&unknown)).await.err().unwrap();
    assert!(matches!(e, ClientError::Unauthorized(_)), "{e:?}");
    assert_clean(&e, &[&unknown]);
}

#[tokio::test]
async fn postmark_lists_every_server_across_pages_with_tokens_as_secrets() {
    let mut seed = Seed::default();
    let account = canary_uuid();
    seed.postmark.account_tokens.push(PostmarkAccountToken {
        name: "admin".into(),
        value: account.clone(),
        ..PostmarkAccountToken::default()
    });
    let mut expected = Vec::new();
    for i in 0..230u64 {
        let tokens: Vec<String> = (0..if i % 3 == 0 { 2 } else { 1 })
            .map(|_| canary_uuid())
            .collect();
        expected.push((5000 + i, format!("server {i:03}"), tokens.clone()));
        seed.postmark.servers.push(PostmarkServer {
            id: 5000 + i,
            name: format!("server {i:03}"),
            api_tokens: tokens,
            ..PostmarkServer::default()
        });
    }
    let sim = Simulator::start(seed).unwrap();
    let http = http();
    let base = sim.base_url("postmark");
    let pm = PostmarkClient {
        http: &http,
        base_url: &base,
    };
    let servers = pm.list_servers(&secret(&account)).await.unwrap();
    assert_eq!(servers.len(), 230);
    for (got, (id, name, tokens)) in servers.iter().zip(&expected) {
        assert_eq!(got.id, i64::try_from(*id).unwrap());
        assert_eq!(&got.name, name);
        let values: Vec<&str> = got.tokens.iter().map(Secret::expose).collect();
        assert_eq!(&values, tokens);
        // Secret's Debug is redacted: listing output cannot leak through {:?}.
        for t in &got.tokens {
            assert!(!format!("{t:?}").contains(t.expose()));
        }
    }
    // Pages of 100: 100 + 100 + 30.
    assert_eq!(count(&sim, "GET /postmark/servers"), 3);
}

// ---------------------------------------------------------------- Postman

#[tokio::test]
async fn postman_verify_reads_me_and_treats_the_documented_401_as_invalid() {
    let sim = demo();
    let http = http();
    let base = sim.base_url("postman");
    let pc = PostmanClient {
        http: &http,
        base_url: &base,
    };
    let v = pc
        .verify(&secret(&value(&sim, "postman", "CI collection runs")))
        .await
        .unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    assert_eq!(v.remote_id.as_deref(), Some("12345678"));
    assert!(v.detail.contains("ada-acme"), "{}", v.detail);

    // Revoked upstream, and never known: the documented 401 body → Invalid.
    for key in [value(&sim, "postman", "Old laptop"), canary_postman()] {
        let v = pc.verify(&secret(&key)).await.unwrap();
        assert_eq!(v.outcome, VerifyOutcome::Invalid);
        assert!(!v.detail.contains(&key));
    }
    // One request per call: a 401 is a definite answer, not retried.
    assert_eq!(count(&sim, "GET /postman/me"), 3);
}

#[tokio::test]
async fn postman_429_with_x_ratelimit_retryafter_is_waited_out_then_retried_once() {
    let sim = demo();
    let key = postman_canary_key(&sim);
    let http = http();
    let base = sim.base_url("postman");
    let pc = PostmanClient {
        http: &http,
        base_url: &base,
    };
    sim.state()
        .add_fault(Fault::on("GET /postman/me").rate_limit(1).times(1));
    let started = Instant::now();
    let v = pc.verify(&secret(&key)).await.unwrap();
    let took = started.elapsed();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    assert_eq!(
        statuses(&sim, "GET", ME),
        vec![Some(429), Some(200)],
        "exactly one 429 then one success"
    );
    assert!(
        took >= Duration::from_millis(950),
        "the client must wait the 1 s Postman asked for (X-RateLimit-RetryAfter), took {took:?}"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn postman_real_rate_limiter_is_honoured() {
    // The simulator's own fixed-window limiter (not a fault): 2 requests per 1 s window.
    let sim = demo();
    let key = postman_canary_key(&sim);
    sim.state()
        .set_rate_limit("postman", provider_sim::RateLimitConfig::new(2, 1));
    let http = http();
    let base = sim.base_url("postman");
    let pc = PostmanClient {
        http: &http,
        base_url: &base,
    };
    for _ in 0..4 {
        let v = pc.verify(&secret(&key)).await.unwrap();
        assert_eq!(v.outcome, VerifyOutcome::Valid);
    }
    let log = statuses(&sim, "GET", ME);
    assert_eq!(
        log.iter().filter(|s| **s == Some(200)).count(),
        4,
        "{log:?}"
    );
    assert!(
        log.contains(&Some(429)),
        "the limiter should have answered 429: {log:?}"
    );
}

// ---------------------------------------------------------------- PostHog

#[tokio::test]
async fn posthog_personal_key_verify_reads_scopes_teams_and_times() {
    let sim = demo();
    let http = http();
    let base = sim.base_url("posthog");
    let ph = PostHogClient {
        http: &http,
        base_url: &base,
    };
    let admin = value(&sim, "posthog", "Keyward admin");
    let rolled = at(2025, 5, 1, 9, 30);
    sim.state().with_data(|d| {
        let k = d
            .posthog
            .personal_keys
            .iter_mut()
            .find(|k| k.label == "Keyward admin")
            .unwrap();
        k.last_rolled = Some(rolled);
    });
    // PostHog stamps last_used_at on every authenticated call (the simulator too), so the
    // answer to @current carries the time of this very call.
    let before = Utc::now() - chrono::Duration::seconds(1);
    let v = ph.verify_personal(&secret(&admin)).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    assert_eq!(v.kind.as_deref(), Some("personal"));
    assert_eq!(v.scopes, Some(vec!["project:write".to_owned()]));
    let used = v.last_used_at.unwrap();
    assert!(used >= before && used <= Utc::now(), "{used}");
    assert_eq!(v.last_rotated_at, Some(rolled));
    assert!(v.remote_id.as_deref().is_some_and(|id| id.len() == 32));
    assert!(
        v.detail.contains("Keyward admin") && v.detail.contains("not limited"),
        "{}",
        v.detail
    );

    // Scoped to one team: shown as team:N next to the scopes.
    let staging = value(&sim, "posthog", "Staging only");
    let v = ph.verify_personal(&secret(&staging)).await.unwrap();
    assert_eq!(
        v.scopes,
        Some(vec!["project:write".to_owned(), "team:2".to_owned()])
    );
    assert!(!v.detail.contains("not limited"));

    // Full access as PostHog returns it (`["*"]`) …
    let full = value(&sim, "posthog", "Full access (old script)");
    let v = ph.verify_personal(&secret(&full)).await.unwrap();
    assert_eq!(v.scopes, Some(vec!["*".to_owned()]));
    assert_eq!(v.last_rotated_at, None);

    // … and as an empty list (documented: empty = `*`), with a scoped organization.
    sim.state().add_fault(
        Fault {
            status: Some(200),
            body: Some(json!({
                "id": "k1", "label": "raw", "mask_value": "phx_...abcd",
                "created_at": "2025-01-01T00:00:00Z", "last_used_at": null, "last_rolled_at": null,
                "user_id": 1, "scopes": [], "scoped_teams": [], "scoped_organizations": ["org-9"]
            })),
            ..Fault::on(&format!("GET {CURRENT}"))
        }
        .times(1),
    );
    let v = ph.verify_personal(&secret(&full)).await.unwrap();
    assert_eq!(
        v.scopes,
        Some(vec!["*".to_owned(), "organization:org-9".to_owned()])
    );
    assert_eq!(v.last_used_at, None);

    // Unknown key: 401 → Invalid.
    let c = canary_phx();
    let v = ph.verify_personal(&secret(&c)).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Invalid);
}

#[tokio::test]
async fn posthog_lists_project_secret_keys_without_values_and_maps_403s() {
    let sim = demo();
    let http = http();
    let base = sim.base_url("posthog");
    let ph = PostHogClient {
        http: &http,
        base_url: &base,
    };
    let admin = secret(&value(&sim, "posthog", "Keyward admin"));
    let keys = ph.list_project_secret_keys(&admin, "1").await.unwrap();
    let mut labels: Vec<&str> = keys.iter().map(|k| k.label.as_str()).collect();
    labels.sort_unstable();
    assert_eq!(labels, ["Backend flag evaluation", "Endpoint reader"]);
    let sim_values: Vec<String> = sim
        .state()
        .keys(Some("posthog"))
        .into_iter()
        .filter(|k| k.kind == "project_secret")
        .map(|k| k.value)
        .collect();
    for k in &keys {
        assert!(k.mask_value.starts_with("phs_"), "{}", k.mask_value);
        assert!(!sim_values.contains(&k.mask_value));
        assert!(k.created_at.is_some());
        let shown = format!("{k:?}");
        for v in &sim_values {
            assert!(!shown.contains(v.as_str()), "a listed key carries a value");
        }
    }
    let flags = keys
        .iter()
        .find(|k| k.label == "Backend flag evaluation")
        .unwrap();
    assert_eq!(flags.scopes, ["feature_flag:read"]);
    assert!(flags.last_used_at.is_some());
    let endpoints = keys.iter().find(|k| k.label == "Endpoint reader").unwrap();
    assert!(endpoints.last_rolled_at.is_some() && endpoints.last_used_at.is_none());

    // A key without project:read: PostHog's 403 names the scope.
    let narrow_value = value(&sim, "posthog", "Dashboards read-only");
    let e = ph
        .list_project_secret_keys(&secret(&narrow_value), "1")
        .await
        .err()
        .unwrap();
    assert_eq!(
        e,
        ClientError::MissingScope {
            scope: "project:read".into()
        }
    );
    assert_eq!(e.code(), "provider_missing_scope");
    assert_clean(&e, &[&narrow_value]);

    // project:read but only a member of the project: a plain 403 → Forbidden.
    let bob = value(&sim, "posthog", "Bob's flags");
    let e = ph
        .list_project_secret_keys(&secret(&bob), "1")
        .await
        .err()
        .unwrap();
    assert!(
        matches!(&e, ClientError::Forbidden(m) if m.contains("permissions")),
        "{e:?}"
    );
    assert_eq!(e.code(), "provider_forbidden");

    // A project id that would change the path is refused before any request.
    sim.state().clear_requests();
    for bad in ["", "1/../2", "1?x=1", "a b"] {
        let e = ph
            .list_project_secret_keys(&admin, bad)
            .await
            .err()
            .unwrap();
        assert!(matches!(e, ClientError::InvalidUrl(_)), "{bad:?}: {e:?}");
    }
    assert_eq!(sim.state().total_requests(), 0);
}

#[tokio::test]
async fn posthog_personal_key_access_refused_is_forbidden() {
    let sim = demo();
    let http = http();
    let base = sim.base_url("posthog");
    let ph = PostHogClient {
        http: &http,
        base_url: &base,
    };
    let c = canary_phx();
    // PostHog's answer to a personal key on a session-only route, as a fault on the route
    // the client calls (the client itself never calls such a route).
    sim.state().add_fault(Fault {
        status: Some(403),
        body: Some(
            json!({"type": "authentication_error", "code": "permission_denied",
            "detail": "This action does not support Personal API Key access", "attr": null}),
        ),
        ..Fault::on(&format!("GET {CURRENT}"))
    });
    let e = ph.verify_personal(&secret(&c)).await.err().unwrap();
    assert_eq!(
        e,
        ClientError::Forbidden("This action does not support Personal API Key access".into())
    );
    assert_eq!(e.code(), "provider_forbidden");
    assert_clean(&e, &[&c]);
    // 403 is definite: not retried.
    assert_eq!(count(&sim, &format!("GET {CURRENT}")), 1);
}

// ---------------------------------------------------------------- Cloudflare

fn policy(group: &str, resources: serde_json::Value) -> CloudflarePolicy {
    CloudflarePolicy {
        id: String::new(),
        effect: "allow".into(),
        resources: resources.as_object().cloned().unwrap(),
        permission_groups: vec![CloudflarePermissionGroup {
            id: String::new(),
            name: group.into(),
        }],
    }
}

#[tokio::test]
async fn cloudflare_verify_reports_active_expired_disabled_and_invalid() {
    let sim = demo();
    let http = http();
    let base = sim.base_url("cloudflare");
    let cf = CloudflareClient {
        http: &http,
        base_url: &base,
    };
    let check = |name: &str| (value(&sim, "cloudflare", name), name.to_owned());

    let (admin, _) = check("Keyward admin");
    let v = cf.verify(&secret(&admin), None).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    assert_eq!(
        v.remote_id.as_deref(),
        Some("000000000000000000000000c0ffee00")
    );
    assert_eq!(v.expires_at, None);

    let (dns, _) = check("DNS edit - prod");
    let v = cf.verify(&secret(&dns), None).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    let exp = v.expires_at.unwrap();
    assert!(exp > Utc::now() + chrono::Duration::days(19));

    let (old, _) = check("Old CI deploy");
    let v = cf.verify(&secret(&old), None).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Expired);
    assert!(v.expires_at.unwrap() < Utc::now());

    let (off, _) = check("Paused integration");
    let v = cf.verify(&secret(&off), None).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Disabled);

    let unknown = format!("cfut_{}{}", alnum(40), hex(8));
    let v = cf.verify(&secret(&unknown), None).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Invalid);

    // Account-owned token: valid under its account, unknown on the user route.
    let (acct, _) = check("Account token admin");
    let account = "023e105f4ecef8ad9ca31a8372d0c353";
    let v = cf.verify(&secret(&acct), Some(account)).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    let v = cf.verify(&secret(&acct), None).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Invalid);
    // The dispatcher: account tokens go through the connection's account id …
    let mut t = target("cloudflare", "account_token", &base);
    let with_account = ConnectionOptions {
        account_id: Some(account.to_owned()),
        ..ConnectionOptions::default()
    };
    t.options = &with_account;
    let v = providers::verify(&http, &t, &secret(&acct)).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    assert_eq!(
        count(
            &sim,
            &format!("GET /cloudflare/client/v4/accounts/{account}/tokens/verify")
        ),
        2
    );
    // … and without one they are not guessed at.
    let e = providers::verify(
        &http,
        &target("cloudflare", "account_token", &base),
        &secret(&acct),
    )
    .await
    .err()
    .unwrap();
    assert!(matches!(e, ClientError::Unsupported(_)), "{e:?}");
    assert_eq!(e.code(), "manual_only");
    // An account id that would change the path is refused.
    sim.state().clear_requests();
    let e = cf
        .verify(&secret(&acct), Some("../user"))
        .await
        .err()
        .unwrap();
    assert!(matches!(e, ClientError::InvalidUrl(_)), "{e:?}");
    assert_eq!(sim.state().total_requests(), 0);

    // An unknown status is Malformed, not "valid".
    sim.state().add_fault(
        Fault {
            status: Some(200),
            body: Some(json!({"success": true, "errors": [], "messages": [],
                "result": {"id": "x", "status": "suspended"}})),
            ..Fault::on("GET /cloudflare/client/v4/user/tokens/verify")
        }
        .times(1),
    );
    let e = cf.verify(&secret(&admin), None).await.err().unwrap();
    assert!(matches!(e, ClientError::Malformed(_)), "{e:?}");
    assert_clean(&e, &[&admin]);
}

#[tokio::test]
async fn cloudflare_lists_tokens_with_permission_groups_and_resource_markers() {
    let mut seed = Seed::demo();
    // A wildcard resource, the form Cloudflare uses for "all zones of every account".
    seed.cloudflare.tokens.push(CloudflareToken {
        id: "f".repeat(32),
        name: "All zones DNS".into(),
        value: format!("cfut_{}{}", alnum(40), hex(8)),
        user_id: Some("7c5dae5552338874e5053f2534d2767a".into()),
        policies: vec![
            policy(
                "DNS Write",
                json!({"com.cloudflare.api.account.zone.*": "*"}),
            ),
            policy(
                "Zone Read",
                json!({"com.cloudflare.api.account.zone.*": "*"}),
            ),
        ],
        ..CloudflareToken::default()
    });
    let sim = Simulator::start(seed).unwrap();
    let http = http();
    let base = sim.base_url("cloudflare");
    let cf = CloudflareClient {
        http: &http,
        base_url: &base,
    };
    let admin = secret(&value(&sim, "cloudflare", "Keyward admin"));
    let tokens = cf.list_tokens(&admin).await.unwrap();
    // Account-owned tokens are not listed under /user/tokens.
    let mut names: Vec<&str> = tokens.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "All zones DNS",
            "DNS edit - prod",
            "Keyward admin",
            "Legacy deploy token",
            "Mis-scoped DNS token",
            "Old CI deploy",
            "Paused integration",
            "Token auditor (read)"
        ]
    );
    let by = |n: &str| tokens.iter().find(|t| t.name == n).unwrap();
    let wild = by("All zones DNS");
    assert_eq!(
        wild.scopes,
        [
            "DNS Write",
            "resource:com.cloudflare.api.account.zone.*",
            "Zone Read",
            "resource:com.cloudflare.api.account.zone.*"
        ]
    );
    let adm = by("Keyward admin");
    assert_eq!(
        adm.scopes,
        [
            "API Tokens Write",
            "resource:com.cloudflare.api.user.7c5dae5552338874e5053f2534d2767a"
        ]
    );
    assert_eq!(adm.status, "active");
    assert!(adm.last_used_on.is_some() && adm.issued_on.is_some());
    assert_eq!(by("Old CI deploy").status, "expired");
    assert!(by("Old CI deploy").expires_on.is_some());
    assert_eq!(by("Paused integration").status, "disabled");
    assert!(by("Paused integration").last_used_on.is_none());

    // A token with "API Tokens Read" may list; one without gets a 403 (Forbidden).
    let reader = secret(&value(&sim, "cloudflare", "Token auditor (read)"));
    assert_eq!(cf.list_tokens(&reader).await.unwrap().len(), 8);
    let dns_value = value(&sim, "cloudflare", "DNS edit - prod");
    let e = cf.list_tokens(&secret(&dns_value)).await.err().unwrap();
    assert!(matches!(e, ClientError::Forbidden(_)), "{e:?}");
    assert_clean(&e, &[&dns_value]);
    // An expired token: 401 on everything but verify.
    let e = cf
        .list_tokens(&secret(&value(&sim, "cloudflare", "Old CI deploy")))
        .await
        .err()
        .unwrap();
    assert!(matches!(e, ClientError::Unauthorized(_)), "{e:?}");
}

#[tokio::test]
async fn cloudflare_list_tokens_reads_every_page() {
    // Regression (fixed): client/cloudflare.rs `list_tokens` asks for `?per_page=50` once and ignores
    // `result_info.total_pages`: an account with more than 50 tokens is listed short (and
    // `sync` silently imports only the first 50). Expected 59 user tokens, seen 50.
    let mut seed = Seed::demo();
    for i in 0..54 {
        seed.cloudflare.tokens.push(CloudflareToken {
            name: format!("bulk {i:02}"),
            value: format!("cfut_{}{}", alnum(40), hex(8)),
            user_id: Some("7c5dae5552338874e5053f2534d2767a".into()),
            policies: vec![policy(
                "Zone Read",
                json!({"com.cloudflare.api.account.zone.*": "*"}),
            )],
            ..CloudflareToken::default()
        });
    }
    let sim = Simulator::start(seed).unwrap();
    let http = http();
    let base = sim.base_url("cloudflare");
    let cf = CloudflareClient {
        http: &http,
        base_url: &base,
    };
    let admin = secret(&value(&sim, "cloudflare", "Keyward admin"));
    let tokens = cf.list_tokens(&admin).await.unwrap();
    // The demo's 7 user tokens and 54 more: pages of 50 without `total_pages`.
    assert_eq!(tokens.len(), 7 + 54, "every user token, across pages");
}

// ---------------------------------------------------------------- SendGrid

#[tokio::test]
async fn sendgrid_verify_reads_scopes_and_lists_keys() {
    let sim = demo();
    let http = http();
    let base = sim.base_url("sendgrid");
    let sg = SendGridClient {
        http: &http,
        base_url: &base,
    };
    let admin = secret(&value(&sim, "sendgrid", "Keyward admin"));
    let v = sg.verify(&admin).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    let scopes = v.scopes.unwrap();
    assert_eq!(scopes.len(), 20);
    assert!(
        scopes.contains(&"api_keys.read".to_owned()) && scopes.contains(&"mail.send".to_owned())
    );
    assert_eq!(v.detail, "20 scopes");

    let mail = value(&sim, "sendgrid", "Transactional mail");
    let v = sg.verify(&secret(&mail)).await.unwrap();
    assert_eq!(v.scopes, Some(vec!["mail.send".to_owned()]));

    let unknown = format!("SG.{}.{}", alnum(22), alnum(43));
    let v = sg.verify(&secret(&unknown)).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Invalid);

    let keys = sg.list_keys(&admin).await.unwrap();
    let got: Vec<(&str, &str)> = keys
        .iter()
        .map(|k| (k.id.as_str(), k.name.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("KeywardAdminKey0000001", "Keyward admin"),
            ("TransactionalMail00001", "Transactional mail"),
            ("MarketingReadOnly00001", "Marketing (read)")
        ]
    );
    // Without api_keys.read: SendGrid's 403.
    let e = sg.list_keys(&secret(&mail)).await.err().unwrap();
    assert_eq!(e, ClientError::Forbidden("access forbidden".into()));
    assert_clean(&e, &[&mail]);
    let e = sg.list_keys(&secret(&unknown)).await.err().unwrap();
    assert!(matches!(e, ClientError::Unauthorized(_)), "{e:?}");
    assert_clean(&e, &[&unknown]);
}

// ---------------------------------------------------------------- probes and custom providers

#[tokio::test]
async fn postmon_and_postnomic_probes_tell_valid_from_invalid() {
    let sim = demo();
    let http = http();
    let postmon = sim.base_url("postmon");
    let postnomic = sim.base_url("postnomic");

    let live = value(&sim, "postmon", "Web tracking (prod)");
    let old = value(&sim, "postmon", "Old web key");
    let t = target("postmon", "project_key", &postmon);
    assert_eq!(
        providers::verify(&http, &t, &secret(&live))
            .await
            .unwrap()
            .outcome,
        VerifyOutcome::Valid
    );
    assert_eq!(
        providers::verify(&http, &t, &secret(&old))
            .await
            .unwrap()
            .outcome,
        VerifyOutcome::Invalid
    );
    // POST with the key as `api_key` in the JSON body.
    assert_eq!(count(&sim, "POST /postmon/v1/event"), 2);
    assert_eq!(sim.state().total_requests(), 2);

    let t = target("postnomic", "blog_key", &postnomic);
    let v = providers::verify(
        &http,
        &t,
        &secret(&value(&sim, "postnomic", "Company website production")),
    )
    .await
    .unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    assert_eq!(v.detail, "the probe answered 200");
    for bad in [
        value(&sim, "postnomic", "Staging app"),
        format!("pk_canary_{}", alnum(20)),
    ] {
        let v = providers::verify(&http, &t, &secret(&bad)).await.unwrap();
        assert_eq!(v.outcome, VerifyOutcome::Invalid);
    }
    assert_eq!(count(&sim, "GET /postnomic/api/v1/posts"), 3);

    // A configured probe path is used instead of the default.
    let mut t = target("postnomic", "blog_key", &postnomic);
    let with_probe = ConnectionOptions {
        probe_path: Some("/api/v2/posts".to_owned()),
        ..ConnectionOptions::default()
    };
    t.options = &with_probe;
    let e = providers::verify(&http, &t, &secret(&bad_value()))
        .await
        .err()
        .unwrap();
    assert!(matches!(e, ClientError::NotFound), "{e:?}");
    assert_eq!(count(&sim, "GET /postnomic/api/v2/posts"), 1);
}

fn custom_target(spec: &CustomProviderSpec) -> VerifyTarget<'_> {
    VerifyTarget {
        provider: &spec.id,
        kind: "api_key",
        base_url: None,
        base_url_chosen: true,
        options: &NO_OPTIONS,
        custom: Some(spec),
    }
}

fn bad_value() -> String {
    format!("pk_canary_{}", alnum(24))
}

#[tokio::test]
async fn custom_providers_verify_at_their_url_with_their_presentation() {
    // A second simulator whose Postmon probe is a GET taking the key as a query parameter.
    let mut seed = Seed::demo();
    seed.postmon.probe.method = "GET".into();
    seed.postmon.probe.body_field = None;
    seed.postmon.probe.header = None;
    let sim = Simulator::start(seed).unwrap();
    let http = http();
    let header_spec = CustomProviderSpec {
        id: "acme-blog".into(),
        display_name: "Acme blog".into(),
        presentation: Presentation::Header,
        presentation_name: "X-Api-Key".into(),
        prefix: Some("pk_".into()),
        verify_url: Some(format!("{}/api/v1/posts", sim.base_url("postnomic"))),
        dashboard_url: None,
    };
    let query_spec = CustomProviderSpec {
        id: "acme-events".into(),
        display_name: "Acme events".into(),
        presentation: Presentation::Query,
        presentation_name: "api_key".into(),
        prefix: None,
        verify_url: Some(format!("{}/v1/event", sim.base_url("postmon"))),
        dashboard_url: None,
    };
    let custom = custom_target;
    let header_spec = &header_spec;
    let query_spec = &query_spec;

    let good = value(&sim, "postnomic", "Company website production");
    let v = providers::verify(&http, &custom(header_spec), &secret(&good))
        .await
        .unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    let v = providers::verify(&http, &custom(header_spec), &secret(&bad_value()))
        .await
        .unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Invalid);

    let live = value(&sim, "postmon", "Web tracking (prod)");
    let v = providers::verify(&http, &custom(query_spec), &secret(&live))
        .await
        .unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    let canary = format!("canaryQuery{}", alnum(30));
    let v = providers::verify(&http, &custom(query_spec), &secret(&canary))
        .await
        .unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Invalid);
    assert_eq!(count(&sim, "GET /postmon/v1/event"), 2);

    // A key in the query string, and the connection dropped every time: Transport after 3
    // attempts, and the error never shows the URL (which holds the key).
    sim.state()
        .add_fault(Fault::on("GET /postmon/v1/event").drop_connection());
    let e = providers::verify(&http, &custom(query_spec), &secret(&canary))
        .await
        .err()
        .unwrap();
    assert!(matches!(e, ClientError::Transport(_)), "{e:?}");
    assert_clean(&e, &[&canary]);
    assert!(!format!("{e:?}").contains("api_key="), "{e:?}");
    assert_eq!(count(&sim, "GET /postmon/v1/event"), 2 + 3);

    // Query key and a refused connection (nothing listening).
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let spec = CustomProviderSpec {
        verify_url: Some(format!("http://127.0.0.1:{closed}/v1/event")),
        ..query_spec.clone()
    };
    let e = providers::verify(&http, &custom(&spec), &secret(&canary))
        .await
        .err()
        .unwrap();
    assert!(matches!(e, ClientError::Transport(_)), "{e:?}");
    assert_eq!(e.code(), "provider_unavailable");
    assert_clean(&e, &[&canary]);

    // Query key and a timeout.
    sim.state()
        .set_faults(vec![Fault::on("GET /postmon/v1/event").latency_ms(2000)]);
    let mut short =
        Http::with_timeouts(Duration::from_secs(2), Duration::from_millis(300)).unwrap();
    short.retry.attempts = 1;
    let e = providers::verify(&short, &custom(query_spec), &secret(&canary))
        .await
        .err()
        .unwrap();
    assert_eq!(e, ClientError::Timeout);
    assert_clean(&e, &[&canary]);

    // A custom provider without a verify URL: manual, no request.
    let spec = CustomProviderSpec {
        verify_url: None,
        ..query_spec.clone()
    };
    sim.state().clear_requests();
    let e = providers::verify(&http, &custom(&spec), &secret(&canary))
        .await
        .err()
        .unwrap();
    assert!(matches!(e, ClientError::Unsupported(_)), "{e:?}");
    assert_eq!(sim.state().total_requests(), 0);
}

#[tokio::test]
async fn kinds_without_an_api_are_unsupported_not_guessed() {
    let sim = demo();
    let http = http();
    let base = sim.base_url("posthog");
    let phc = secret(&format!("phc_{}", alnum(43)));
    for (provider, kind) in [
        ("posthog", "project_key"),
        ("posthog", "project_secret"),
        ("cloudflare", "global_api_key"),
    ] {
        let e = providers::verify(&http, &target(provider, kind, &base), &phc)
            .await
            .err()
            .unwrap();
        assert!(
            matches!(e, ClientError::Unsupported(_)),
            "{provider}/{kind}: {e:?}"
        );
        assert_eq!(e.code(), "manual_only");
    }
    // No base URL known at all.
    let mut t = target("postnomic", "blog_key", &base);
    t.base_url = None;
    let e = providers::verify(&http, &t, &phc).await.err().unwrap();
    assert!(matches!(e, ClientError::Unsupported(_)), "{e:?}");
    assert_eq!(sim.state().total_requests(), 0);
}

// ---------------------------------------------------------------- faults on reads

#[tokio::test]
async fn a_500_once_on_a_read_is_retried_and_succeeds() {
    // Regression (fixed): client/http.rs `Http::send` retries 429 and 502..=504 only (`retryable`); a 500
    // on an idempotent read is returned at once as ClientError::Server{500}. The brief (and
    // DESIGN "retries with backoff only where safe (reads)") expect a transient 500 on a GET
    // to be retried. Expected: Valid after 2 requests; seen: Err(Server { status: 500 }) after 1.
    let sim = demo();
    let key = postman_canary_key(&sim);
    let http = http();
    let base = sim.base_url("postman");
    sim.state()
        .add_fault(Fault::on("GET /postman/me").status(500).times(1));
    let r = PostmanClient {
        http: &http,
        base_url: &base,
    }
    .verify(&secret(&key))
    .await;
    if let Err(e) = &r {
        assert_clean(e, &[&key]);
    }
    assert_eq!(statuses(&sim, "GET", ME), vec![Some(500), Some(200)]);
    assert_eq!(r.unwrap().outcome, VerifyOutcome::Valid);
}

#[tokio::test]
async fn gateway_errors_once_are_retried_and_succeed() {
    let sim = demo();
    let key = postman_canary_key(&sim);
    let http = http();
    let base = sim.base_url("postman");
    let pc = PostmanClient {
        http: &http,
        base_url: &base,
    };
    for status in [502, 503, 504] {
        sim.state().clear_requests();
        sim.state()
            .add_fault(Fault::on("GET /postman/me").status(status).times(1));
        let v = pc.verify(&secret(&key)).await.unwrap();
        assert_eq!(v.outcome, VerifyOutcome::Valid);
        assert_eq!(statuses(&sim, "GET", ME), vec![Some(status), Some(200)]);
    }
}

#[tokio::test]
async fn a_503_always_gives_server_after_three_attempts() {
    let sim = demo();
    let key = postman_canary_key(&sim);
    let http = http();
    let base = sim.base_url("postman");
    sim.state()
        .add_fault(Fault::on("GET /postman/me").status(503));
    let e = PostmanClient {
        http: &http,
        base_url: &base,
    }
    .verify(&secret(&key))
    .await
    .err()
    .unwrap();
    assert_eq!(e, ClientError::Server { status: 503 });
    assert_eq!(e.code(), "provider_unavailable");
    assert_eq!(count(&sim, "GET /postman/me"), 3);
    assert_clean(&e, &[&key]);

    // The same for every client's read.
    let checks: Vec<(&str, &str)> = vec![
        ("postmark", "GET /postmark/server"),
        ("posthog", "GET /posthog/api/personal_api_keys/@current/"),
        ("cloudflare", "GET /cloudflare/client/v4/user/tokens/verify"),
        ("sendgrid", "GET /sendgrid/v3/scopes"),
        ("postnomic", "GET /postnomic/api/v1/posts"),
    ];
    for (provider, route) in checks {
        sim.state().clear_requests();
        sim.state().set_faults(vec![Fault::on(route).status(503)]);
        let base = sim.base_url(provider);
        let kind = match provider {
            "posthog" => "personal",
            "cloudflare" => "user_token",
            "postmark" => "server_token",
            "postmon" => "project_key",
            "postnomic" => "blog_key",
            _ => "api_key",
        };
        let e = providers::verify(&http, &target(provider, kind, &base), &secret(&key))
            .await
            .err()
            .unwrap();
        assert_eq!(e, ClientError::Server { status: 503 }, "{provider}");
        assert_eq!(count(&sim, route), 3, "{provider}");
        assert_clean(&e, &[&key]);
    }
}

#[tokio::test]
async fn malformed_bodies_are_errors_never_panics() {
    let sim = demo();
    let http = http();
    let cases: Vec<(&str, &str, &str, String)> = vec![
        (
            "postman",
            "api_key",
            "GET /postman/me",
            value(&sim, "postman", "CI collection runs"),
        ),
        (
            "postmark",
            "server_token",
            "GET /postmark/server",
            value(&sim, "postmark", "Acme Staging"),
        ),
        (
            "posthog",
            "personal",
            "GET /posthog/api/personal_api_keys/@current/",
            value(&sim, "posthog", "Keyward admin"),
        ),
        (
            "cloudflare",
            "user_token",
            "GET /cloudflare/client/v4/user/tokens/verify",
            value(&sim, "cloudflare", "Keyward admin"),
        ),
        (
            "sendgrid",
            "api_key",
            "GET /sendgrid/v3/scopes",
            value(&sim, "sendgrid", "Keyward admin"),
        ),
    ];
    for (provider, kind, route, key) in &cases {
        sim.state().clear_requests();
        sim.state()
            .set_faults(vec![Fault::on(route).malformed_body()]);
        let base = sim.base_url(provider);
        let e = providers::verify(&http, &target(provider, kind, &base), &secret(key))
            .await
            .err()
            .unwrap();
        assert!(matches!(e, ClientError::Malformed(_)), "{provider}: {e:?}");
        assert_eq!(e.code(), "provider_malformed");
        // A 200 with a bad body is an answer: not retried.
        assert_eq!(count(&sim, route), 1, "{provider}");
        assert_clean(&e, &[key]);
    }

    // The list calls too.
    let admin_pm = secret(&value(&sim, "postmark", "Account admin"));
    let admin_ph = secret(&value(&sim, "posthog", "Keyward admin"));
    let admin_cf = secret(&value(&sim, "cloudflare", "Keyward admin"));
    let admin_sg = secret(&value(&sim, "sendgrid", "Keyward admin"));
    sim.state()
        .set_faults(vec![Fault::on("*").malformed_body()]);
    let (pm, ph, cf, sg) = (
        sim.base_url("postmark"),
        sim.base_url("posthog"),
        sim.base_url("cloudflare"),
        sim.base_url("sendgrid"),
    );
    let errors = vec![
        PostmarkClient {
            http: &http,
            base_url: &pm,
        }
        .list_servers(&admin_pm)
        .await
        .err(),
        PostHogClient {
            http: &http,
            base_url: &ph,
        }
        .list_project_secret_keys(&admin_ph, "1")
        .await
        .err(),
        CloudflareClient {
            http: &http,
            base_url: &cf,
        }
        .list_tokens(&admin_cf)
        .await
        .err(),
        SendGridClient {
            http: &http,
            base_url: &sg,
        }
        .list_keys(&admin_sg)
        .await
        .err(),
    ];
    for e in errors {
        let e = e.unwrap();
        assert!(matches!(e, ClientError::Malformed(_)), "{e:?}");
        assert_clean(
            &e,
            &[
                admin_pm.expose(),
                admin_ph.expose(),
                admin_cf.expose(),
                admin_sg.expose(),
            ],
        );
    }

    // Valid JSON of the wrong shape is Malformed as well (every field of Postman's `user`
    // is optional, but the object and its id are not).
    sim.state().set_faults(vec![Fault {
        status: Some(200),
        body: Some(json!({"users": [{"id": 1}]})),
        ..Fault::on("GET /postman/me")
    }]);
    let base = sim.base_url("postman");
    let e = PostmanClient {
        http: &http,
        base_url: &base,
    }
    .verify(&secret(&cases[0].3))
    .await
    .err()
    .unwrap();
    assert!(matches!(e, ClientError::Malformed(_)), "{e:?}");
    sim.state().set_faults(vec![Fault {
        status: Some(200),
        body: Some(json!([1, 2])),
        ..Fault::on("GET /sendgrid/v3/api_keys")
    }]);
    let e = SendGridClient {
        http: &http,
        base_url: &sg,
    }
    .list_keys(&admin_sg)
    .await
    .err()
    .unwrap();
    assert!(matches!(e, ClientError::Malformed(_)), "{e:?}");
}

#[tokio::test]
async fn dropped_connections_are_retried_then_reported_as_transport() {
    let sim = demo();
    let key = postman_canary_key(&sim);
    let http = http();
    let base = sim.base_url("postman");
    let pc = PostmanClient {
        http: &http,
        base_url: &base,
    };
    sim.state()
        .add_fault(Fault::on("GET /postman/me").drop_connection().times(1));
    let v = pc.verify(&secret(&key)).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    assert_eq!(statuses(&sim, "GET", ME), vec![None, Some(200)]);

    sim.state().clear_requests();
    sim.state()
        .add_fault(Fault::on("GET /postman/me").drop_connection());
    let e = pc.verify(&secret(&key)).await.err().unwrap();
    assert!(matches!(e, ClientError::Transport(_)), "{e:?}");
    assert_eq!(e.code(), "provider_unavailable");
    assert_eq!(count(&sim, "GET /postman/me"), 3);
    assert_clean(&e, &[&key]);
}

#[tokio::test]
async fn latency_beyond_the_timeout_is_a_timeout() {
    let sim = demo();
    let key = postman_canary_key(&sim);
    let mut http = Http::with_timeouts(Duration::from_secs(2), Duration::from_millis(300)).unwrap();
    http.retry.base_backoff = Duration::from_millis(20);
    let base = sim.base_url("postman");
    let pc = PostmanClient {
        http: &http,
        base_url: &base,
    };
    // Under the timeout: fine.
    sim.state()
        .set_faults(vec![Fault::on("GET /postman/me").latency_ms(100)]);
    assert_eq!(
        pc.verify(&secret(&key)).await.unwrap().outcome,
        VerifyOutcome::Valid
    );
    // Beyond it, every time: Timeout after 3 attempts, each cut at ~300 ms.
    sim.state().clear_requests();
    sim.state()
        .set_faults(vec![Fault::on("GET /postman/me").latency_ms(1500)]);
    let started = Instant::now();
    let e = pc.verify(&secret(&key)).await.err().unwrap();
    let took = started.elapsed();
    assert_eq!(e, ClientError::Timeout);
    assert_eq!(e.code(), "provider_unavailable");
    assert_eq!(count(&sim, "GET /postman/me"), 3);
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
        "3 × 300 ms plus short backoffs, took {took:?}"
    );
    assert_clean(&e, &[&key]);
    // Beyond it once: retried, and the second attempt succeeds.
    sim.state().clear_requests();
    sim.state()
        .set_faults(vec![Fault::on("GET /postman/me").latency_ms(1500).times(1)]);
    assert_eq!(
        pc.verify(&secret(&key)).await.unwrap().outcome,
        VerifyOutcome::Valid
    );
    assert_eq!(count(&sim, "GET /postman/me"), 2);
}

#[tokio::test]
async fn a_retry_after_longer_than_max_wait_is_returned_at_once() {
    let sim = demo();
    let key = postman_canary_key(&sim);
    let mut http = http();
    http.retry.max_wait = Duration::from_secs(5);
    let base = sim.base_url("postman");
    let pc = PostmanClient {
        http: &http,
        base_url: &base,
    };
    // Postman's header.
    sim.state()
        .add_fault(Fault::on("GET /postman/me").rate_limit(120));
    let started = Instant::now();
    let e = pc.verify(&secret(&key)).await.err().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "must not wait 120 s"
    );
    assert_eq!(
        e,
        ClientError::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert_eq!(e.code(), "provider_rate_limited");
    assert!(format!("{e}").contains("retry after 120 s"), "{e}");
    assert_eq!(count(&sim, "GET /postman/me"), 1);
    assert_clean(&e, &[&key]);

    // The standard Retry-After (PostHog).
    let phx = value(&sim, "posthog", "Keyward admin");
    sim.state()
        .add_fault(Fault::on(&format!("GET {CURRENT}")).rate_limit(60));
    let ph_base = sim.base_url("posthog");
    let e = PostHogClient {
        http: &http,
        base_url: &ph_base,
    }
    .verify_personal(&secret(&phx))
    .await
    .err()
    .unwrap();
    assert_eq!(
        e,
        ClientError::RateLimited {
            retry_after: Some(Duration::from_secs(60))
        }
    );
    assert_eq!(count(&sim, &format!("GET {CURRENT}")), 1);

    // A short wait every time: honoured twice, then RateLimited (3 requests, ~2 s).
    sim.state().clear_requests();
    sim.state()
        .set_faults(vec![Fault::on("GET /postman/me").rate_limit(1)]);
    let started = Instant::now();
    let e = pc.verify(&secret(&key)).await.err().unwrap();
    let took = started.elapsed();
    assert_eq!(
        e,
        ClientError::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        }
    );
    assert_eq!(count(&sim, "GET /postman/me"), 3);
    assert!(took >= Duration::from_millis(1900), "{took:?}");
}

#[tokio::test]
async fn writes_are_never_retried() {
    // The Postmon probe is a POST (the ingestion endpoint): one request whatever happens.
    let sim = demo();
    let http = http();
    let base = sim.base_url("postmon");
    let live = value(&sim, "postmon", "Web tracking (prod)");
    let probe = Probe {
        http: &http,
        base_url: &base,
        method: Method::POST,
        path: "/v1/event",
        presentation: Presentation::BodyField,
        name: "api_key",
    };
    let route = "POST /postmon/v1/event";
    for fault in [
        Fault::on(route).status(503),
        Fault::on(route).status(502),
        Fault::on(route).rate_limit(1),
        Fault::on(route).drop_connection(),
    ] {
        sim.state().clear_requests();
        sim.state().set_faults(vec![fault.clone()]);
        let e = probe.verify(&secret(&live)).await.err().unwrap();
        assert_eq!(count(&sim, route), 1, "{fault:?} → {e:?}");
        match (fault.status, fault.rate_limit) {
            (Some(s), _) => assert_eq!(e, ClientError::Server { status: s }),
            (_, Some(_)) => assert!(matches!(e, ClientError::RateLimited { .. }), "{e:?}"),
            _ => assert!(matches!(e, ClientError::Transport(_)), "{e:?}"),
        }
        assert_clean(&e, &[&live]);
    }
    // Also at the HTTP layer directly, with a PUT.
    sim.state().clear_requests();
    sim.state()
        .set_faults(vec![Fault::on("PUT /postmon/v1/event").status(503)]);
    let reply = http
        .send(
            Method::PUT,
            &base,
            &ApiPath::new("/v1/event"),
            Auth::Header("X-Api-Key", &secret(&live)),
            Some(json!({})),
        )
        .await
        .unwrap();
    assert_eq!(reply.status.as_u16(), 503);
    assert_eq!(count(&sim, "PUT /postmon/v1/event"), 1);
}

// ---------------------------------------------------------------- HTTPS only

#[tokio::test]
async fn plain_http_to_a_non_loopback_host_is_refused_before_any_request() {
    let http = http();
    let canary = canary_uuid();
    for base in [
        "http://example.com",
        "http://10.0.0.1:8080",
        "http://[fe80::1]",
    ] {
        let e = PostmarkClient {
            http: &http,
            base_url: base,
        }
        .verify_server_token(&secret(&canary))
        .await
        .err()
        .unwrap();
        assert!(matches!(e, ClientError::InsecureUrl(_)), "{base}: {e:?}");
        assert_eq!(e.code(), "insecure_url");
        assert!(format!("{e}").contains("https"), "{e}");
        assert_clean(&e, &[&canary]);
    }
    assert!(matches!(
        check_base_url("ftp://127.0.0.1"),
        Err(ClientError::InvalidUrl(_))
    ));

    // "No request is made", checked on every machine: a listener on 127.0.0.1, addressed
    // as `0.0.0.0` — an address the rule does not call loopback, which Linux (and macOS)
    // nevertheless connect to this host. A positive control first proves that a request to
    // that URL would reach the listener, so the check cannot pass by looking elsewhere.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = |l: &TcpListener| {
        std::thread::sleep(Duration::from_millis(100));
        l.accept().is_ok()
    };
    let control = std::net::TcpStream::connect(("0.0.0.0", port));
    assert!(
        control.is_ok() && accepted(&listener),
        "positive control: a connection to 0.0.0.0:{port} must reach the listener"
    );
    let base = format!("http://0.0.0.0:{port}");
    let e = PostmanClient {
        http: &http,
        base_url: &base,
    }
    .verify(&secret(&canary_postman()))
    .await
    .err()
    .unwrap();
    assert!(matches!(e, ClientError::InsecureUrl(_)), "{e:?}");
    assert!(
        !accepted(&listener),
        "the client connected to {base} although it refused the URL"
    );
    // And a TEST-NET address (RFC 5737, never routed): refused at once, not after a
    // connection attempt times out.
    let slow = Http::with_timeouts(Duration::from_secs(10), Duration::from_secs(10)).unwrap();
    let started = Instant::now();
    let e = PostmanClient {
        http: &slow,
        base_url: "http://192.0.2.1:9",
    }
    .verify(&secret(&canary_postman()))
    .await
    .err()
    .unwrap();
    assert!(matches!(e, ClientError::InsecureUrl(_)), "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "a connection was attempted"
    );
}

// ---------------------------------------------------------------- secrets in errors, overall

#[tokio::test]
async fn no_error_carries_the_key_whatever_the_provider_answers() {
    // Every fault kind on every auth placement (header, bearer, body, query) with canary
    // keys; provider bodies that echo the key back are the worst case.
    let sim = demo();
    let mut http = Http::with_timeouts(Duration::from_secs(2), Duration::from_millis(300)).unwrap();
    http.retry.base_backoff = Duration::from_millis(10);
    http.retry.max_wait = Duration::from_millis(100);
    let base = sim.base_url("postmon");
    let key = format!("canaryKey{}", alnum(40));
    let faults = |route: &str| {
        vec![
            Fault::on(route).status(401),
            Fault::on(route).status(403),
            Fault::on(route).status(404),
            Fault::on(route).status(422),
            Fault::on(route).status(500),
            Fault::on(route).status(503),
            Fault::on(route).rate_limit(5),
            Fault::on(route).malformed_body(),
            Fault::on(route).drop_connection(),
            Fault::on(route).latency_ms(1000),
        ]
    };
    let mut seen = 0;
    for presentation in [
        Presentation::Header,
        Presentation::Bearer,
        Presentation::BodyField,
        Presentation::Query,
    ] {
        for fault in faults("* /postmon/check") {
            sim.state().set_faults(vec![fault.clone()]);
            let probe = Probe {
                http: &http,
                base_url: &base,
                method: Method::GET,
                path: "/check",
                presentation,
                name: "api_key",
            };
            match probe.verify(&secret(&key)).await {
                Ok(v) => assert!(!v.detail.contains(&key)),
                Err(e) => {
                    seen += 1;
                    assert_clean(&e, &[&key]);
                }
            }
        }
    }
    // 4 placements × 10 faults − (401, 403 → Invalid; a malformed 200 → Valid: a probe reads
    // only the status) = 28 errors.
    assert_eq!(seen, 28);
}

#[tokio::test]
async fn a_provider_message_echoing_the_key_does_not_reach_the_error() {
    // Regression (fixed): client/mod.rs `error_message` copies the provider's error text verbatim into
    // ClientError::{Unauthorized, Forbidden, Rejected} (up to 300 chars). A provider (or a
    // proxy in front of it) that echoes the presented key in its message puts the key into
    // the error — which the CLI prints to stderr and `report()` writes to the log
    // (DESIGN rule 2: never in an error message or a log). Expected: the key's value
    // redacted from provider messages; seen: `the provider rejected the request (HTTP 400):
    // bad key <the key>`.
    let sim = demo();
    let http = http();
    let key = canary_uuid();
    let base = sim.base_url("postmark");
    sim.state().add_fault(Fault {
        status: Some(400),
        body: Some(json!({"ErrorCode": 10, "Message": format!("Bad or missing API token {key}")})),
        ..Fault::on("GET /postmark/servers")
    });
    let e = PostmarkClient {
        http: &http,
        base_url: &base,
    }
    .list_servers(&secret(&key))
    .await
    .err()
    .unwrap();
    assert!(
        matches!(e, ClientError::Rejected { status: 400, .. }),
        "{e:?}"
    );
    assert_clean(&e, &[&key]);
}

// ---------------------------------------------------------------- holes: URL and echoes

/// A loopback server that answers every request with `status` and `body`, byte for byte
/// (so a test controls the exact encoding of an echo).
fn raw_server(status: u16, body: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 {status} Answer\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    format!("http://127.0.0.1:{}", addr.port())
}

/// A listener that counts connections: a request that reaches it is a request that left.
struct Counter(TcpListener);

impl Counter {
    fn new() -> Counter {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        Counter(l)
    }
    fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }
    fn saw_a_connection(&self) -> bool {
        std::thread::sleep(Duration::from_millis(100));
        self.0.accept().is_ok()
    }
}

#[tokio::test]
async fn a_probe_path_can_never_move_the_request_to_another_host() {
    // Regression (hole 1): `send` joined `format!("{base}{path}")` and never checked the
    // result, so a connection's probe path could rewrite the authority: `@host…` turned the
    // base host into userinfo (the key went to `host`), `.evil.example/` extended it
    // (`http://localhost.evil.example/`, plain http to a stranger).
    let http = Http::with_timeouts(Duration::from_secs(1), Duration::from_secs(1)).unwrap();
    let elsewhere = Counter::new();
    let key = format!("kw-canary-{}", alnum(32));
    let attacks = [
        format!("@127.0.0.1:{}/x", elsewhere.port()),
        ".evil.example/".to_owned(),
        format!(":{}@127.0.0.1:{}/", 1, elsewhere.port()),
        "x/../../".to_owned(),
    ];
    for path in &attacks {
        // Through a connection's options, as `keyward verify` reaches it.
        let options = ConnectionOptions {
            probe_path: Some(path.clone()),
            ..ConnectionOptions::default()
        };
        let t = VerifyTarget {
            provider: "postnomic",
            kind: "blog_key",
            base_url: Some("http://localhost:9"),
            base_url_chosen: true,
            options: &options,
            custom: None,
        };
        let e = providers::verify(&http, &t, &secret(&format!("pk_{}", alnum(20))))
            .await
            .err()
            .unwrap_or_else(|| panic!("{path}: verified through a hostile probe path"));
        assert_eq!(e.code(), "invalid_url", "{path}: {e:?}");
        // And through the probe itself, with each presentation.
        for presentation in [Presentation::Header, Presentation::Query] {
            let e = Probe {
                http: &http,
                base_url: "http://localhost:9",
                method: Method::GET,
                path,
                presentation,
                name: "api_key",
            }
            .verify(&secret(&key))
            .await
            .err()
            .unwrap_or_else(|| panic!("{path}: a request was made"));
            assert_eq!(e.code(), "invalid_url", "{path}: {e:?}");
            assert_clean(&e, &[&key]);
        }
    }
    assert!(
        !elsewhere.saw_a_connection(),
        "a probe path sent the key to another host"
    );
}

/// Every encoding of `key` a provider might echo, computed here independently of the
/// client's own list: JSON escapes, percent-encoding in both cases, base64 (standard and
/// URL-safe, padded or not) behind prefixes of each length modulo 3 (`user:KEY`).
fn echoes_of(key: &str) -> Vec<(String, String)> {
    use base64::Engine;
    let mut out = vec![("raw".to_owned(), key.to_owned())];
    out.push(("json \\/".into(), key.replace('/', "\\/")));
    let uni = |upper: bool| {
        key.chars()
            .map(|c| match (c.is_ascii_alphanumeric(), upper) {
                (true, _) => c.to_string(),
                (false, false) => format!("\\u{:04x}", u32::from(c)),
                (false, true) => format!("\\u{:04X}", u32::from(c)),
            })
            .collect::<String>()
    };
    out.push(("json \\u lower".into(), uni(false)));
    out.push(("json \\u upper".into(), uni(true)));
    let pct = |upper: bool| {
        key.bytes()
            .map(|b| match (b.is_ascii_alphanumeric(), upper) {
                (true, _) => char::from(b).to_string(),
                (false, false) => format!("%{b:02x}"),
                (false, true) => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    out.push(("percent lower".into(), pct(false)));
    out.push(("percent upper".into(), pct(true)));
    let engines = [
        ("std", base64::engine::general_purpose::STANDARD),
        (
            "std nopad",
            base64::engine::general_purpose::STANDARD_NO_PAD,
        ),
        ("url", base64::engine::general_purpose::URL_SAFE),
        (
            "url nopad",
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ),
    ];
    for (name, engine) in engines {
        for prefix in ["", "u", "us", "user:"] {
            out.push((
                format!("base64 {name} after {prefix:?}"),
                engine.encode(format!("{prefix}{key}")),
            ));
        }
    }
    out
}

/// No 12-character piece of any encoding of `key` in `text`.
fn assert_no_echo(text: &str, key: &str, why: &str) {
    for (name, enc) in echoes_of(key) {
        let bytes = enc.as_bytes();
        for w in bytes.windows(12) {
            let piece = std::str::from_utf8(w).unwrap();
            assert!(
                !text.contains(piece),
                "{why}: the {name} encoding of the key reached the error: {text}"
            );
        }
    }
}

#[tokio::test]
async fn encoded_echoes_of_the_key_never_reach_an_error() {
    // Regression (hole 3): `scrub` matched only the key's raw bytes, so a provider echoing it
    // JSON-escaped, percent-encoded or base64-encoded (Basic auth) put it into the error.
    let http = http();
    // `/`, `+` and `=` are the characters each encoding changes.
    let key = format!("kw-canary/{}+{}=={}", alnum(12), alnum(12), alnum(6));
    for (name, echo) in echoes_of(&key) {
        // As JSON text, the echo's own backslashes must survive: written into the body as is.
        let body = format!(r#"{{"Message":"bad token {echo} (Basic {echo})"}}"#);
        for presentation in [
            Presentation::Header,
            Presentation::Bearer,
            Presentation::Query,
            Presentation::BodyField,
        ] {
            let base = raw_server(400, body.clone().into_bytes());
            let e = Probe {
                http: &http,
                base_url: &base,
                method: Method::POST,
                path: "/check",
                presentation,
                name: "api_key",
            }
            .verify(&secret(&key))
            .await
            .err()
            .unwrap();
            assert_eq!(e.code(), "provider_rejected", "{name}: {e:?}");
            assert_no_echo(&format!("{e} {e:?}"), &key, &name);
        }
    }
}

#[tokio::test]
async fn a_provider_text_reaches_an_error_only_as_a_short_excerpt() {
    // A provider's free text is capped (and never a serde message quoting a value).
    let http = http();
    let key = canary_uuid();
    let long = "x".repeat(5000);
    let base = raw_server(
        400,
        format!(r#"{{"ErrorCode":10,"Message":"{long}"}}"#).into_bytes(),
    );
    let e = PostmarkClient {
        http: &http,
        base_url: &base,
    }
    .verify_server_token(&secret(&key))
    .await
    .err()
    .unwrap();
    assert!(format!("{e}").len() < 400, "{e}");
    // A list answer of the wrong shape must not quote what it holds: another server's
    // token is a secret too (not the one in flight, so no scrub can know it).
    let other = format!("kw-canary-{}", canary_uuid());
    let base = raw_server(
        200,
        format!(r#"{{"TotalCount":1,"Servers":[{{"ID":1,"Name":"a","ApiTokens":"{other}"}}]}}"#)
            .into_bytes(),
    );
    let e = PostmarkClient {
        http: &http,
        base_url: &base,
    }
    .list_servers(&secret(&key))
    .await
    .err()
    .unwrap();
    assert_eq!(e.code(), "provider_malformed", "{e:?}");
    assert_clean(&e, &[&other]);
}
