//! Fault injection, the real rate limiter, and the control endpoints.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::{client, demo, json, key};
use provider_sim::{Fault, LimitScope, RateLimitConfig, Seed, Simulator};
use serde_json::json;

const CURRENT: &str = "/posthog/api/personal_api_keys/@current/";

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn latency_is_measurable_and_composes_with_other_faults() {
    let sim = demo();
    let url = format!("{}/me", sim.base_url("postman"));
    let api_key = key(&sim, "postman", "CI collection runs");
    let c = client();
    // Warm the connection so the measurement is the fault's, not the handshake's.
    c.get(&url)
        .header("X-Api-Key", &api_key)
        .send()
        .await
        .unwrap();

    sim.state()
        .add_fault(Fault::on("GET /postman/me").latency_ms(300));
    let started = Instant::now();
    let resp = c
        .get(&url)
        .header("X-Api-Key", &api_key)
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(resp.status(), 200);
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");

    // Latency on everything plus a one-off 503: both apply to the first request.
    sim.state().set_faults(vec![
        Fault::on("*").latency_ms(100),
        Fault::on("GET /postman/me").status(503).times(1),
    ]);
    let started = Instant::now();
    let resp = c
        .get(&url)
        .header("X-Api-Key", &api_key)
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(resp.status(), 503);
    assert_eq!(
        c.get(&url)
            .header("X-Api-Key", &api_key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn status_faults_use_each_providers_own_error_body() {
    let sim = demo();
    let c = client();
    sim.state().set_faults(vec![Fault::on("*").status(503)]);

    let (status, body) = json(
        c.get(format!("{}{CURRENT}", sim.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(body["type"], "server_error");
    assert!(body.get("attr").is_some());

    let (status, body) = json(
        c.get(format!("{}/user/tokens/verify", sim.base_url("cloudflare")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["success"].as_bool()), (503, Some(false)));
    assert!(body["errors"][0]["code"].is_i64());

    let (status, body) = json(
        c.get(format!("{}/server", sim.base_url("postmark")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["ErrorCode"].as_i64()), (503, Some(100)));

    let (status, body) = json(
        c.get(format!("{}/scopes", sim.base_url("sendgrid")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 503);
    assert!(body["errors"][0]["message"].is_string());

    let (status, body) = json(
        c.get(format!("{}/me", sim.base_url("postman")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["name"].as_str()),
        (503, Some("serverError"))
    );

    // A 401 fault on a valid key gives the provider's exact 401.
    sim.state()
        .set_faults(vec![Fault::on("GET /postman/me").status(401)]);
    let resp = c
        .get(format!("{}/me", sim.base_url("postman")))
        .header("X-Api-Key", key(&sim, "postman", "CI collection runs"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.text().await.unwrap(),
        r#"{"error":{"name":"AuthenticationError","message":"Invalid API Key. Every request requires a valid API Key to be sent."}}"#
    );

    // A custom body overrides the provider's.
    sim.state().set_faults(vec![Fault {
        body: Some(json!({"custom": true})),
        ..Fault::on("*").status(418)
    }]);
    let (status, body) = json(
        c.get(format!("{}/me", sim.base_url("postman")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body), (418, json!({"custom": true})));
}

#[tokio::test]
async fn rate_limit_faults_carry_each_providers_retry_header() {
    let sim = demo();
    let c = client();
    sim.state().set_faults(vec![Fault::on("*").rate_limit(7)]);

    let resp = c
        .get(format!("{}/me", sim.base_url("postman")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["x-ratelimit-retryafter"], "7");
    assert!(
        resp.headers().get("retry-after").is_none(),
        "Postman's is not the standard header"
    );
    assert_eq!(resp.headers()["x-ratelimit-remaining"], "0");
    let (_, body) = json(resp).await;
    assert_eq!(body["error"], "rateLimited");

    let resp = c
        .get(format!("{}{CURRENT}", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            resp.status().as_u16(),
            resp.headers()["retry-after"].to_str().unwrap()
        ),
        (429, "7")
    );
    let (_, body) = json(resp).await;
    assert_eq!(body["type"], "throttled_error");
    assert_eq!(
        body["detail"],
        "Request was throttled. Expected available in 7 seconds."
    );

    let resp = c
        .get(format!("{}/user/tokens/verify", sim.base_url("cloudflare")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            resp.status().as_u16(),
            resp.headers()["retry-after"].to_str().unwrap()
        ),
        (429, "7")
    );
    let (_, body) = json(resp).await;
    assert_eq!(body["success"], false);
    assert_eq!(body["errors"][0]["code"], 971);

    let resp = c
        .get(format!("{}/server", sim.base_url("postmark")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let (_, body) = json(resp).await;
    assert_eq!(body["ErrorCode"], 429);
}

#[tokio::test]
async fn malformed_body_is_200_and_not_json() {
    let sim = demo();
    let c = client();
    sim.state()
        .add_fault(Fault::on(&format!("GET {CURRENT}")).malformed_body());
    let resp = c
        .get(format!("{}{CURRENT}", sim.url()))
        .header(
            "Authorization",
            bearer(&key(&sim, "posthog", "Keyward admin")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.json::<serde_json::Value>().await.is_err());
}

#[tokio::test]
async fn dropped_connection_is_a_transport_error_not_a_status() {
    let sim = demo();
    let c = client();
    let url = format!("{}/me", sim.base_url("postman"));
    sim.state()
        .add_fault(Fault::on("GET /postman/me").drop_connection().times(1));
    let started = Instant::now();
    let err = c.get(&url).send().await.unwrap_err();
    assert!(err.status().is_none(), "{err:?}");
    assert!(
        err.is_request() || err.is_connect() || err.is_body(),
        "{err:?}"
    );
    assert!(
        !err.is_timeout(),
        "closed at once, not left hanging: {err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        sim.state().request_count("GET /postman/me"),
        1,
        "no hidden retry"
    );
    // The server is fine afterwards.
    let resp = c
        .get(&url)
        .header("X-Api-Key", key(&sim, "postman", "CI collection runs"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let log = sim.state().request_log();
    assert_eq!(log[0].status, None);
    assert_eq!(log[0].fault.as_deref(), Some("drop_connection"));
}

#[tokio::test]
async fn times_limits_a_fault_to_the_next_n_requests() {
    let sim = demo();
    let c = client();
    let url = format!("{}/me", sim.base_url("postman"));
    let api_key = key(&sim, "postman", "CI collection runs");
    sim.state()
        .add_fault(Fault::on("GET /postman/me").status(500).times(2));
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            c.get(&url)
                .header("X-Api-Key", &api_key)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [500, 500, 200, 200]);
    assert!(sim.state().faults().is_empty(), "a spent fault is removed");
    assert_eq!(sim.state().request_count("GET /postman/me"), 4);
}

#[tokio::test]
async fn a_fault_after_the_handler_loses_the_answer_but_keeps_the_change() {
    // The interrupted roll: PostHog rolled the key, the client never saw the new value.
    let sim = demo();
    let c = client();
    let base = sim.base_url("posthog");
    let id = common::key_id(&sim, "posthog", "Backend flag evaluation");
    let old = key(&sim, "posthog", "Backend flag evaluation");
    sim.state().add_fault(
        Fault::on("POST /posthog/api/projects/1/project_secret_api_keys/*/roll/")
            .drop_connection()
            .after_handler(),
    );
    let err = c
        .post(format!(
            "{base}/api/projects/1/project_secret_api_keys/{id}/roll/"
        ))
        .header(
            "Authorization",
            bearer(&key(&sim, "posthog", "Keyward admin")),
        )
        .send()
        .await
        .unwrap_err();
    assert!(err.status().is_none());
    assert_ne!(
        key(&sim, "posthog", "Backend flag evaluation"),
        old,
        "the roll happened"
    );
    let resp = c
        .get(format!(
            "{base}/api/projects/1/feature_flags/local_evaluation/"
        ))
        .header("Authorization", bearer(&old))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "and the old value is dead");
}

#[tokio::test]
async fn real_rate_limiter_answers_with_the_providers_429() {
    let sim = demo();
    let c = client();
    let api_key = key(&sim, "postman", "CI collection runs");
    sim.state()
        .set_rate_limit("postman", RateLimitConfig::new(2, 60));
    let url = format!("{}/me", sim.base_url("postman"));
    let first = c
        .get(&url)
        .header("X-Api-Key", &api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(first.headers()["x-ratelimit-limit"], "2");
    assert_eq!(first.headers()["x-ratelimit-remaining"], "1");
    let reset: i64 = first.headers()["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        reset > chrono::Utc::now().timestamp(),
        "epoch seconds in the future"
    );
    assert_eq!(
        c.get(&url)
            .header("X-Api-Key", &api_key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let limited = c
        .get(&url)
        .header("X-Api-Key", &api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["x-ratelimit-retryafter"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert!(limited.headers().get("retry-after").is_none());

    // Cloudflare: Retry-After; a short window really reopens.
    sim.state()
        .set_rate_limit("cloudflare", RateLimitConfig::new(1, 1));
    let verify = format!("{}/user/tokens/verify", sim.base_url("cloudflare"));
    let token = bearer(&key(&sim, "cloudflare", "Keyward admin"));
    assert_eq!(
        c.get(&verify)
            .header("Authorization", &token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let limited = c
        .get(&verify)
        .header("Authorization", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            limited.status().as_u16(),
            limited.headers()["retry-after"].to_str().unwrap()
        ),
        (429, "1")
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        c.get(&verify)
            .header("Authorization", &token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let log = sim.state().request_log();
    assert_eq!(
        log.iter()
            .filter(|r| r.fault.as_deref() == Some("rate_limiter"))
            .count(),
        2
    );

    // Per credential: another token has its own window.
    sim.state().set_rate_limit(
        "cloudflare",
        RateLimitConfig {
            per: LimitScope::Credential,
            ..RateLimitConfig::new(1, 60)
        },
    );
    assert_eq!(
        c.get(&verify)
            .header("Authorization", &token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.get(&verify)
            .header("Authorization", &token)
            .send()
            .await
            .unwrap()
            .status(),
        429
    );
    let other = bearer(&key(&sim, "cloudflare", "Token auditor (read)"));
    assert_eq!(
        c.get(&verify)
            .header("Authorization", &other)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn control_endpoints_over_http() {
    let sim = demo();
    let c = client();
    let control = format!("{}/_control", sim.url());

    let (status, body) = json(c.get(format!("{control}/health")).send().await.unwrap()).await;
    assert_eq!(
        (status, body["providers"]["cloudflare"].as_str()),
        (200, Some("/cloudflare/client/v4"))
    );

    let (status, body) = json(
        c.post(format!("{control}/faults"))
            .json(&json!([{"route": "GET /postman/me", "status": 502, "times": 1}, {"route": "*", "provider": "sendgrid", "latency_ms": 1}]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["faults"].as_array().unwrap().len()), (200, 2));
    let (_, body) = json(
        c.post(format!("{control}/faults?append=true"))
            .json(&json!({"route": "/postmon/*", "status": 500}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["faults"].as_array().unwrap().len(), 3);
    assert_eq!(
        c.get(format!("{}/me", sim.base_url("postman")))
            .send()
            .await
            .unwrap()
            .status(),
        502
    );
    let (_, body) = json(c.get(format!("{control}/faults")).send().await.unwrap()).await;
    assert_eq!(body["faults"].as_array().unwrap().len(), 2);
    let (status, _) = json(c.delete(format!("{control}/faults")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(sim.state().faults().is_empty());
    let (status, _) = json(
        c.post(format!("{control}/faults"))
            .body("not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);

    let (_, reqs) = json(c.get(format!("{control}/requests")).send().await.unwrap()).await;
    assert_eq!(reqs["total"], 1, "control calls are not counted");
    assert_eq!(reqs["routes"]["GET /postman/me"], 1);
    assert_eq!(reqs["log"][0]["status"], 502);

    // Reset brings deleted keys back and clears counts.
    let sg = key(&sim, "sendgrid", "Transactional mail");
    sim.state().with_data(|d| d.sendgrid.keys.clear());
    assert!(sim.state().keys(Some("sendgrid")).is_empty());
    let (status, _) = json(c.post(format!("{control}/reset")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(key(&sim, "sendgrid", "Transactional mail"), sg);
    assert_eq!(sim.state().total_requests(), 0);

    let (_, keys) = json(
        c.get(format!("{control}/keys?provider=postnomic"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(keys["keys"].as_array().unwrap().len(), 2);

    let (status, limits) = json(
        c.put(format!("{control}/rate_limits"))
            .json(&json!({"posthog": {"requests": 5, "window_secs": 10}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(limits["rate_limits"]["posthog"]["requests"], 5);
    assert_eq!(limits["rate_limits"]["postman"]["requests"], 300);
    let (status, _) = json(
        c.put(format!("{control}/rate_limits"))
            .json(&json!({"nope": {"requests": 1}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn faults_and_limits_from_the_seed_file() {
    let mut seed = Seed::demo();
    let text = serde_json::to_string(&seed).unwrap();
    seed = Seed::from_json(&text).unwrap();
    seed.faults =
        serde_json::from_value(json!([{"route": "GET /postman/me", "status": 500, "times": 1}]))
            .unwrap();
    seed.rate_limits
        .insert("sendgrid".into(), RateLimitConfig::new(1, 60));
    let sim = Simulator::start(seed).unwrap();
    let c = client();
    assert_eq!(
        c.get(format!("{}/me", sim.base_url("postman")))
            .send()
            .await
            .unwrap()
            .status(),
        500
    );
    let scopes = format!("{}/scopes", sim.base_url("sendgrid"));
    let auth = bearer(&key(&sim, "sendgrid", "Keyward admin"));
    assert_eq!(
        c.get(&scopes)
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let limited = c
        .get(&scopes)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    // SendGrid's 429 carries X-RateLimit-* and no Retry-After (its rate-limits page).
    assert!(
        !limited.headers().contains_key("retry-after")
            && limited.headers().contains_key("x-ratelimit-reset")
    );
    // Reset restores the seed's faults too.
    sim.state().reset();
    assert_eq!(sim.state().faults().len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn shutdown_is_graceful_and_frees_the_port() {
    let sim = demo();
    let addr = sim.addr();
    sim.state()
        .add_fault(Fault::on("GET /postman/me").latency_ms(300));
    let url = format!("{}/me", sim.base_url("postman"));
    let in_flight =
        tokio::spawn(async move { client().get(url).send().await.map(|r| r.status().as_u16()) });
    // Shut down once the request has arrived (it then sits in its 300 ms of latency).
    let arrived = Instant::now();
    while sim.state().request_count("GET /postman/me") == 0 {
        assert!(
            arrived.elapsed() < Duration::from_secs(10),
            "the request never arrived"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    sim.shutdown().await;
    assert_eq!(
        in_flight.await.unwrap().unwrap(),
        401,
        "the request in flight got its answer"
    );
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "nothing listens any more"
    );
}

#[test]
fn starts_outside_a_tokio_runtime_too() {
    let sim = Simulator::start(Seed::default()).unwrap();
    let mut stream = std::net::TcpStream::connect(sim.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"GET /_control/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(sim.base_url("sendgrid").ends_with("/sendgrid/v3"));
    drop(sim);
}
