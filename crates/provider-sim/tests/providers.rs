//! Each provider's routes against an in-process simulator: happy paths, and auth failures
//! with the documented error bodies.
#![allow(clippy::unwrap_used)]

mod common;

use common::{client, demo, json, key, key_id, text};
use serde_json::{json, Value};

// ---------------------------------------------------------------- Postmark

#[tokio::test]
async fn postmark_server_token_reads_its_server() {
    let sim = demo();
    let token = "0f1e2d3c-4b5a-4697-8877-665544332211";
    let resp = client()
        .get(format!("{}/server", sim.base_url("postmark")))
        .header("Accept", "application/json")
        .header("X-Postmark-Server-Token", token)
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(body["ID"], 11001);
    assert_eq!(body["Name"], "Acme Production");
    assert!(body["ApiTokens"]
        .as_array()
        .unwrap()
        .contains(&json!(token)));
    for field in [
        "Color",
        "DeliveryType",
        "ServerLink",
        "InboundHash",
        "TrackLinks",
        "SmtpApiActivated",
    ] {
        assert!(body.get(field).is_some(), "missing {field}");
    }
    // Token values are case-insensitive at Postmark.
    let resp = client()
        .get(format!("{}/server", sim.base_url("postmark")))
        .header("X-Postmark-Server-Token", token.to_uppercase())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn postmark_account_token_lists_servers_with_their_tokens() {
    let sim = demo();
    let account = key(&sim, "postmark", "Account admin");
    let get = |query: &'static str| {
        client()
            .get(format!("{}/servers?{query}", sim.base_url("postmark")))
            .header("Accept", "application/json")
            .header("X-Postmark-Account-Token", account.clone())
            .send()
    };
    let (status, body) = json(get("count=1&offset=0").await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["TotalCount"], 2);
    assert_eq!(body["Servers"].as_array().unwrap().len(), 1);
    assert_eq!(body["Servers"][0]["ApiTokens"].as_array().unwrap().len(), 2);

    let (_, body) = json(get("count=500&offset=0").await.unwrap()).await;
    assert_eq!(body["Servers"].as_array().unwrap().len(), 2);
    let (_, body) = json(get("count=500&offset=1").await.unwrap()).await;
    assert_eq!(body["Servers"][0]["Name"], "Acme Staging");
    let (_, body) = json(get("count=10&offset=0&name=staging").await.unwrap()).await;
    assert_eq!(body["TotalCount"], 1);
    assert_eq!(
        body["Servers"][0]["ApiTokens"][0],
        "2b3c4d5e-6f70-4819-9a2b-3c4d5e6f7081"
    );

    let (status, body) = json(get("offset=0").await.unwrap()).await;
    assert_eq!(status, 422);
    assert!(body["ErrorCode"].is_i64() && body["Message"].is_string());
    assert!(sim
        .state()
        .keys(Some("postmark"))
        .iter()
        .any(|k| k.name == "Account admin" && k.last_used.is_some()));
}

#[tokio::test]
async fn postmark_auth_failures_are_401_error_code_10() {
    let sim = demo();
    let base = sim.base_url("postmark");
    let account = key(&sim, "postmark", "Account admin");
    let server = "0f1e2d3c-4b5a-4697-8877-665544332211";
    let cases = [
        ("/server", None),
        (
            "/server",
            Some((
                "X-Postmark-Server-Token",
                "00000000-0000-4000-8000-000000000000",
            )),
        ),
        // An account token where a server token is needed …
        (
            "/server",
            Some(("X-Postmark-Account-Token", account.as_str())),
        ),
        // … and a server token on an account endpoint: 401 as well, as Postmark does.
        (
            "/servers?count=1&offset=0",
            Some(("X-Postmark-Server-Token", server)),
        ),
        (
            "/servers?count=1&offset=0",
            Some((
                "X-Postmark-Account-Token",
                "00000000-0000-4000-8000-000000000000",
            )),
        ),
        ("/servers?count=1&offset=0", None),
    ];
    for (path, hdr) in cases {
        let mut req = client()
            .get(format!("{base}{path}"))
            .header("Accept", "application/json");
        if let Some((name, value)) = hdr {
            req = req.header(name, value);
        }
        let (status, body) = json(req.send().await.unwrap()).await;
        assert_eq!(status, 401, "{path} {hdr:?}");
        assert_eq!(body["ErrorCode"], 10, "{path} {hdr:?}");
        assert!(body["Message"].as_str().unwrap().len() > 10);
    }
}

#[tokio::test]
async fn postmark_server_management() {
    let sim = demo();
    let base = sim.base_url("postmark");
    let account = key(&sim, "postmark", "Account admin");
    let c = client();
    let (status, created) = json(
        c.post(format!("{base}/servers"))
            .header("X-Postmark-Account-Token", &account)
            .json(&json!({"Name": "Acme Preview", "Color": "red"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let id = created["ID"].as_u64().unwrap();
    let token = created["ApiTokens"][0].as_str().unwrap().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&token).unwrap().to_string(), token);

    // The new server's token works on /server.
    let (status, own) = json(
        c.get(format!("{base}/server"))
            .header("X-Postmark-Server-Token", &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, own["ID"].as_u64()), (200, Some(id)));

    let (status, body) = json(
        c.post(format!("{base}/servers"))
            .header("X-Postmark-Account-Token", &account)
            .json(&json!({"Name": "Acme Production"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["ErrorCode"].as_i64()), (422, Some(602)));

    let (status, edited) = json(
        c.put(format!("{base}/servers/{id}"))
            .header("X-Postmark-Account-Token", &account)
            .json(&json!({"Name": "Acme Preview 2", "TrackOpens": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(edited["Name"], "Acme Preview 2");
    assert_eq!(edited["TrackOpens"], true);
    assert_eq!(edited["ApiTokens"][0], token.as_str());

    let (status, body) = json(
        c.get(format!("{base}/servers/{id}"))
            .header("X-Postmark-Account-Token", &account)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["Name"].as_str()),
        (200, Some("Acme Preview 2"))
    );

    let (status, body) = json(
        c.delete(format!("{base}/servers/{id}"))
            .header("X-Postmark-Account-Token", &account)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["ErrorCode"], 0);
    assert_eq!(body["Message"], "Server Acme Preview 2 removed.");

    let resp = c
        .get(format!("{base}/servers/{id}"))
        .header("X-Postmark-Account-Token", &account)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let resp = c
        .get(format!("{base}/server"))
        .header("X-Postmark-Server-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "a deleted server's token is dead");
}

// ---------------------------------------------------------------- Postman

#[tokio::test]
async fn postman_me_returns_user_and_operations() {
    let sim = demo();
    let resp = client()
        .get(format!("{}/me", sim.base_url("postman")))
        .header("X-Api-Key", key(&sim, "postman", "CI collection runs"))
        .send()
        .await
        .unwrap();
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        assert!(resp.headers().contains_key(h), "missing {h}");
    }
    assert_eq!(resp.headers()["x-ratelimit-limit"], "300");
    let (status, body) = json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(body["user"]["id"], 12_345_678);
    assert_eq!(body["user"]["username"], "ada-acme");
    assert_eq!(body["user"]["fullName"], "Ada Lovelace");
    assert!(!body["operations"].as_array().unwrap().is_empty());
    assert!(body["operations"][0]["limit"].is_number());
}

#[tokio::test]
async fn postman_401_body_is_exactly_documented() {
    let sim = demo();
    let documented = r#"{"error":{"name":"AuthenticationError","message":"Invalid API Key. Every request requires a valid API Key to be sent."}}"#;
    let url = format!("{}/me", sim.base_url("postman"));
    let revoked = key(&sim, "postman", "Old laptop");
    for api_key in [
        Some("PMAK-000000000000000000000000-0000000000000000000000000000000000"),
        Some(revoked.as_str()),
        None,
    ] {
        let mut req = client().get(&url);
        if let Some(k) = api_key {
            req = req.header("X-Api-Key", k);
        }
        let resp = req.send().await.unwrap();
        assert!(resp.headers().contains_key("x-ratelimit-remaining"));
        let (status, body) = text(resp).await;
        assert_eq!(status, 401);
        assert_eq!(body, documented);
    }
}

// ---------------------------------------------------------------- PostHog

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn posthog_current_personal_key_describes_itself_without_its_value() {
    let sim = demo();
    let value = key(&sim, "posthog", "Keyward admin");
    let (status, body) = json(
        client()
            .get(format!(
                "{}/api/personal_api_keys/@current/",
                sim.base_url("posthog")
            ))
            .header("Authorization", bearer(&value))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    for field in [
        "id",
        "label",
        "mask_value",
        "created_at",
        "last_used_at",
        "last_rolled_at",
        "user_id",
        "scopes",
        "scoped_teams",
        "scoped_organizations",
    ] {
        assert!(body.get(field).is_some(), "missing {field}");
    }
    assert!(body.get("value").is_none(), "the value is never returned");
    assert!(!body.to_string().contains(&value));
    assert_eq!(body["label"], "Keyward admin");
    assert_eq!(body["scopes"], json!(["project:write"]));
    assert_eq!(
        body["mask_value"],
        format!("phx_...{}", &value[value.len() - 4..])
    );
    assert!(body["last_used_at"].as_str().unwrap().ends_with('Z'));

    // A key with no scopes is full access and says so.
    let (_, full) = json(
        client()
            .get(format!(
                "{}/api/personal_api_keys/@current/",
                sim.base_url("posthog")
            ))
            .header(
                "Authorization",
                bearer(&key(&sim, "posthog", "Full access (old script)")),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(full["scopes"], json!(["*"]));
}

#[tokio::test]
async fn posthog_personal_keys_may_only_read_themselves() {
    let sim = demo();
    let base = sim.base_url("posthog");
    let admin = key(&sim, "posthog", "Keyward admin");
    let own_id = key_id(&sim, "posthog", "Keyward admin");
    let sibling_id = key_id(&sim, "posthog", "Full access (old script)");
    let unsupported = json!({
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "This action does not support Personal API Key access",
        "attr": null
    });
    let c = client();
    let auth = bearer(&admin);
    let attempts = [
        c.get(format!("{base}/api/personal_api_keys/")),
        c.post(format!("{base}/api/personal_api_keys/"))
            .json(&json!({"label": "x", "scopes": ["*"]})),
        c.patch(format!("{base}/api/personal_api_keys/{own_id}/"))
            .json(&json!({"label": "y"})),
        c.delete(format!("{base}/api/personal_api_keys/{own_id}/")),
        c.post(format!("{base}/api/personal_api_keys/{own_id}/roll/")),
        c.get(format!("{base}/api/personal_api_keys/{sibling_id}/")),
    ];
    for req in attempts {
        let (status, body) = json(req.header("Authorization", &auth).send().await.unwrap()).await;
        assert_eq!(status, 403);
        assert_eq!(body, unsupported);
    }
    // Retrieving itself by id is allowed.
    let (status, body) = json(
        c.get(format!("{base}/api/personal_api_keys/{own_id}/"))
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["id"].as_str()), (200, Some(own_id.as_str())));

    // Bad and missing credentials: 401 with PostHog's bodies.
    let (status, body) = json(
        c.get(format!("{base}/api/personal_api_keys/@current/"))
            .header(
                "Authorization",
                bearer("phx_doesnotexist000000000000000000000000000000000"),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"type": "authentication_error", "code": "authentication_failed",
               "detail": "Personal API key found in request Authorization header is invalid.", "attr": null})
    );
    let (status, body) = json(
        c.get(format!("{base}/api/personal_api_keys/@current/"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("not_authenticated"))
    );
    // A project key (phc_) is no personal key.
    let phc = key(&sim, "posthog", "Acme Web (prod)");
    let resp = c
        .get(format!("{base}/api/personal_api_keys/@current/"))
        .header("Authorization", bearer(&phc))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn posthog_missing_scope_team_scoping_and_roles() {
    let sim = demo();
    let base = sim.base_url("posthog");
    let c = client();
    let call = |method: reqwest::Method, path: &str, token: &str| {
        c.request(method, format!("{base}{path}"))
            .header("Authorization", bearer(token))
            .json(&json!({"label": "from test", "scopes": ["feature_flag:read"]}))
            .send()
    };
    // No project scope at all.
    let dashboards = key(&sim, "posthog", "Dashboards read-only");
    let (status, body) = json(
        call(
            reqwest::Method::GET,
            "/api/projects/1/project_secret_api_keys/",
            &dashboards,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"type": "authentication_error", "code": "permission_denied",
               "detail": "API key missing required scope 'project:read'", "attr": null})
    );
    // Read scope only: creating needs write.
    let bob = key(&sim, "posthog", "Bob's flags");
    let (status, body) = json(
        call(
            reqwest::Method::POST,
            "/api/environments/1/project_secret_api_keys/",
            &bob,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body["detail"],
        "API key missing required scope 'project:write'"
    );
    // Read scope, but Bob is no project admin.
    let (status, body) = json(
        call(
            reqwest::Method::GET,
            "/api/projects/1/project_secret_api_keys/",
            &bob,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body["detail"],
        "You don't have sufficient permissions in the project."
    );
    // A key scoped to staging cannot reach prod, but can reach staging.
    let staging = key(&sim, "posthog", "Staging only");
    let (status, body) = json(
        call(
            reqwest::Method::GET,
            "/api/projects/1/project_secret_api_keys/",
            &staging,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body["detail"],
        "API key does not have access to the requested project: ID 1."
    );
    let (status, body) = json(
        call(
            reqwest::Method::GET,
            "/api/projects/2/project_secret_api_keys/",
            &staging,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"count": 0, "next": null, "previous": null, "results": []})
        )
    );
    // Unknown project.
    let admin = key(&sim, "posthog", "Keyward admin");
    let (status, body) = json(
        call(
            reqwest::Method::GET,
            "/api/projects/99/project_secret_api_keys/",
            &admin,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn posthog_project_secret_key_create_list_roll_delete() {
    let sim = demo();
    let base = sim.base_url("posthog");
    let c = client();
    let auth = bearer(&key(&sim, "posthog", "Keyward admin"));
    let keys_url = format!("{base}/api/environments/1/project_secret_api_keys/");

    let (status, created) = json(
        c.post(&keys_url)
            .header("Authorization", &auth)
            .json(&json!({"label": "Flags for the API", "scopes": ["feature_flag:read"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap().to_owned();
    let first_value = created["value"].as_str().unwrap().to_owned();
    assert!(first_value.starts_with("phs_"));
    assert_eq!(created["label"], "Flags for the API");
    assert_eq!(created["scopes"], json!(["feature_flag:read"]));
    assert!(created["created_at"].is_string());

    // The list: a plain array, newest first, no values.
    for list_url in [
        keys_url.clone(),
        format!("{base}/api/projects/1/project_secret_api_keys/"),
    ] {
        let (status, list) = json(
            c.get(&list_url)
                .header("Authorization", &auth)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        // DRF LimitOffsetPagination envelope.
        assert_eq!(list["count"], 3);
        let items = list["results"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["id"], id.as_str());
        for item in items {
            assert!(item.get("value").is_none());
            for field in [
                "id",
                "label",
                "mask_value",
                "last_rolled_at",
                "last_used_at",
                "scopes",
                "created_at",
                "created_by",
            ] {
                assert!(item.get(field).is_some(), "missing {field}");
            }
        }
        assert!(!list.to_string().contains(&first_value));
    }

    // The new key authenticates on its read endpoint (verify by use).
    let flags = format!("{base}/api/projects/1/feature_flags/local_evaluation/");
    let (status, body) = json(
        c.get(&flags)
            .header("Authorization", bearer(&first_value))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["flags"].as_array().unwrap().len(), 2);
    let (status, _) = json(
        c.get(format!("{base}/api/projects/1/feature_flags/"))
            .header("Authorization", bearer(&first_value))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    // … but only on its own project.
    let resp = c
        .get(format!(
            "{base}/api/projects/2/feature_flags/local_evaluation/"
        ))
        .header("Authorization", bearer(&first_value))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    // Roll: new value once, the old one dies at once.
    let (status, rolled) = json(
        c.post(format!("{keys_url}{id}/roll/"))
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let second_value = rolled["value"].as_str().unwrap().to_owned();
    assert_ne!(second_value, first_value);
    assert!(rolled["last_rolled_at"].is_string());
    let (status, body) = json(
        c.get(&flags)
            .header("Authorization", bearer(&first_value))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["type"].as_str()),
        (401, Some("authentication_error"))
    );
    let resp = c
        .get(&flags)
        .header("Authorization", bearer(&second_value))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // Retrieve and update.
    let (status, one) = json(
        c.get(format!("{keys_url}{id}/"))
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(one.get("value").is_none());
    assert!(one["last_used_at"].is_string(), "use is recorded");
    let (status, patched) = json(
        c.patch(format!("{keys_url}{id}/"))
            .header("Authorization", &auth)
            .json(&json!({"label": "Flags (renamed)"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, patched["label"].as_str()),
        (200, Some("Flags (renamed)"))
    );

    // Delete: 204, no body; the key stops working.
    let resp = c
        .delete(format!("{keys_url}{id}/"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(resp.bytes().await.unwrap().is_empty());
    let resp = c
        .get(&flags)
        .header("Authorization", bearer(&second_value))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = c
        .get(format!("{keys_url}{id}/"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn posthog_project_secret_key_validation() {
    let sim = demo();
    let url = format!(
        "{}/api/projects/1/project_secret_api_keys/",
        sim.base_url("posthog")
    );
    let auth = bearer(&key(&sim, "posthog", "Keyward admin"));
    let c = client();
    let create = |body: Value| {
        c.post(&url)
            .header("Authorization", &auth)
            .json(&body)
            .send()
    };

    let (status, body) = json(
        create(json!({"scopes": ["feature_flag:read"]}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"type": "validation_error", "code": "required", "detail": "This field is required.", "attr": "label"})
    );
    let (_, body) = json(create(json!({"label": "a"})).await.unwrap()).await;
    assert_eq!(
        (body["attr"].as_str(), body["code"].as_str()),
        (Some("scopes"), Some("required"))
    );
    let (_, body) = json(create(json!({"label": "a", "scopes": []})).await.unwrap()).await;
    assert_eq!(body["code"], "empty");
    let (status, body) = json(
        create(json!({"label": "a", "scopes": ["*"]}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["attr"], "scopes");
    assert_eq!(
        body["detail"],
        "Wildcard scope '*' is not allowed for project API keys. Please specify explicit scopes."
    );
    let (_, body) = json(
        create(json!({"label": "a", "scopes": ["project:write"]}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        body["detail"],
        "Scope 'project:write' can not be assigned to a project secret API key. Allowed scopes: endpoint:read, feature_flag:read"
    );
    let (_, body) = json(
        create(json!({"label": "a", "scopes": ["bogus:read"]}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["detail"], "Invalid scope: bogus:read");
    let (status, body) = json(
        create(json!({"label": "Backend flag evaluation", "scopes": ["feature_flag:read"]}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["detail"],
        "Project secret API key with label 'Backend flag evaluation' already exists."
    );

    // At most 50 per project (MAX_PROJECT_SECRET_API_KEYS_PER_TEAM; the demo project has
    // 2 already).
    for i in 0..48 {
        let resp = create(json!({"label": format!("k{i}"), "scopes": ["endpoint:read"]}))
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    let (status, body) = json(
        create(json!({"label": "one too many", "scopes": ["endpoint:read"]}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["detail"],
        "You can only have 50 project secret API keys. Remove an existing key before creating a new one."
    );
}

#[tokio::test]
async fn posthog_secret_key_scope_and_project_key_reset() {
    let sim = demo();
    let base = sim.base_url("posthog");
    let c = client();
    // A phs_ key without feature_flag:read.
    let endpoint_reader = key(&sim, "posthog", "Endpoint reader");
    let (status, body) = json(
        c.get(format!(
            "{base}/api/projects/1/feature_flags/local_evaluation/"
        ))
        .header("Authorization", bearer(&endpoint_reader))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (
            403,
            Some("API key missing required scope 'feature_flag:read'")
        )
    );
    // A phs_ key cannot manage keys.
    let resp = c
        .get(format!("{base}/api/projects/1/project_secret_api_keys/"))
        .header("Authorization", bearer(&endpoint_reader))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // Project key reset.
    let old = key(&sim, "posthog", "Acme Web (prod)");
    let (status, project) = json(
        c.patch(format!("{base}/api/projects/1/reset_token/"))
            .header(
                "Authorization",
                bearer(&key(&sim, "posthog", "Keyward admin")),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let new = project["api_token"].as_str().unwrap();
    assert!(new.starts_with("phc_"));
    assert_ne!(new, old);
    assert_eq!(key(&sim, "posthog", "Acme Web (prod)"), new);
}

// ---------------------------------------------------------------- Cloudflare

fn cf_format(value: &str, prefix: &str) -> bool {
    value.len() == 53
        && value.starts_with(prefix)
        && value[5..45].chars().all(|c| c.is_ascii_alphanumeric())
        && value[45..]
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

#[tokio::test]
async fn cloudflare_verify_reports_status_and_rejects_bad_tokens() {
    let sim = demo();
    let base = sim.base_url("cloudflare");
    let c = client();
    let verify = |token: Option<String>| {
        let mut req = c.get(format!("{base}/user/tokens/verify"));
        if let Some(t) = token {
            req = req.header("Authorization", bearer(&t));
        }
        req.send()
    };
    let (status, body) = json(
        verify(Some(key(&sim, "cloudflare", "Keyward admin")))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["success"], true);
    assert_eq!(body["errors"], json!([]));
    assert_eq!(body["result"]["status"], "active");
    assert_eq!(
        body["result"]["id"],
        key_id(&sim, "cloudflare", "Keyward admin")
    );

    let (status, body) = json(
        verify(Some(key(&sim, "cloudflare", "DNS edit - prod")))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["result"]["expires_on"]
        .as_str()
        .unwrap()
        .ends_with('Z'));

    let (status, body) = json(
        verify(Some(key(&sim, "cloudflare", "Old CI deploy")))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["result"]["status"].as_str()),
        (200, Some("expired"))
    );
    let (status, body) = json(
        verify(Some(key(&sim, "cloudflare", "Paused integration")))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["result"]["status"].as_str()),
        (200, Some("disabled"))
    );

    let (status, body) = json(
        verify(Some(format!("cfut_{}", "a".repeat(48))))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"success": false, "errors": [{"code": 1000, "message": "Invalid API Token"}], "messages": [], "result": null})
    );
    let (status, body) = json(verify(None).await.unwrap()).await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_i64()),
        (400, Some(9106))
    );
}

#[tokio::test]
async fn cloudflare_list_needs_the_api_tokens_permission() {
    let sim = demo();
    let base = sim.base_url("cloudflare");
    let c = client();
    let list = |token: String| {
        c.get(format!("{base}/user/tokens"))
            .header("Authorization", bearer(&token))
            .send()
    };

    let (status, body) = json(
        list(key(&sim, "cloudflare", "Keyward admin"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let tokens = body["result"].as_array().unwrap();
    assert_eq!(
        tokens.len(),
        7,
        "the user's tokens (legacy and mis-scoped ones too), not the account-owned one"
    );
    assert_eq!(body["result_info"]["total_count"], 7);
    for t in tokens {
        for field in [
            "id",
            "name",
            "status",
            "issued_on",
            "modified_on",
            "policies",
        ] {
            assert!(t.get(field).is_some(), "missing {field}");
        }
        assert!(t.get("value").is_none());
        let policy = &t["policies"][0];
        assert!(
            policy["id"].is_string()
                && policy["effect"].is_string()
                && policy["resources"].is_object()
        );
        assert!(policy["permission_groups"][0]["name"].is_string());
    }
    let dns = tokens
        .iter()
        .find(|t| t["name"] == "DNS edit - prod")
        .unwrap();
    assert!(dns["expires_on"].is_string() && dns["last_used_on"].is_string());
    let old = tokens
        .iter()
        .find(|t| t["name"] == "Old CI deploy")
        .unwrap();
    assert_eq!(old["status"], "expired");

    let (status, _) = json(
        list(key(&sim, "cloudflare", "Token auditor (read)"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = json(
        list(key(&sim, "cloudflare", "DNS edit - prod"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"success": false, "errors": [{"code": 9109, "message": "Unauthorized to access requested resource"}], "messages": [], "result": null})
    );
    // Expired and disabled tokens cannot call anything.
    for name in ["Old CI deploy", "Paused integration"] {
        let (status, body) = json(list(key(&sim, "cloudflare", name)).await.unwrap()).await;
        assert_eq!(
            (status, body["errors"][0]["code"].as_i64()),
            (401, Some(1000))
        );
    }
}

#[tokio::test]
async fn cloudflare_create_roll_update_delete() {
    let sim = demo();
    let base = sim.base_url("cloudflare");
    let c = client();
    let admin = bearer(&key(&sim, "cloudflare", "Keyward admin"));
    let body = json!({
        "name": "Zone reader (test)",
        "policies": [{
            "effect": "allow",
            "resources": {"com.cloudflare.api.account.zone.*": "*"},
            "permission_groups": [{"id": "c8fed203ed3043cba015a93ad1616f1f"}]
        }],
        "expires_on": "2099-01-01T00:00:00Z",
        "condition": {"request_ip": {"in": ["127.0.0.0/8"], "not_in": []}}
    });
    let resp = c
        .post(format!("{base}/user/tokens"))
        .header(
            "Authorization",
            bearer(&key(&sim, "cloudflare", "Token auditor (read)")),
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "read permission cannot create");

    let (status, created) = json(
        c.post(format!("{base}/user/tokens"))
            .header("Authorization", &admin)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let result = &created["result"];
    let id = result["id"].as_str().unwrap().to_owned();
    let first = result["value"].as_str().unwrap().to_owned();
    assert!(cf_format(&first, "cfut_"), "{first}");
    assert_eq!(
        result["policies"][0]["permission_groups"][0]["name"],
        "Zone Read"
    );
    assert_eq!(result["expires_on"], "2099-01-01T00:00:00Z");
    assert_eq!(
        result["condition"]["request_ip"]["in"],
        json!(["127.0.0.0/8"])
    );

    let verify = |token: String| {
        c.get(format!("{base}/user/tokens/verify"))
            .header("Authorization", bearer(&token))
            .send()
    };
    let (status, v) = json(verify(first.clone()).await.unwrap()).await;
    assert_eq!(
        (status, v["result"]["id"].as_str()),
        (200, Some(id.as_str()))
    );

    // Roll: the result is the new value; the old one dies at once.
    let (status, rolled) = json(
        c.put(format!("{base}/user/tokens/{id}/value"))
            .header("Authorization", &admin)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let second = rolled["result"].as_str().unwrap().to_owned();
    assert!(cf_format(&second, "cfut_"));
    assert_ne!(first, second);
    assert_eq!(verify(first.clone()).await.unwrap().status(), 401);
    assert_eq!(verify(second.clone()).await.unwrap().status(), 200);

    // Update: disable it.
    let (status, updated) = json(
        c.put(format!("{base}/user/tokens/{id}"))
            .header("Authorization", &admin)
            .json(&json!({"name": "Zone reader (paused)", "status": "disabled"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["result"]["name"], "Zone reader (paused)");
    let (_, v) = json(verify(second.clone()).await.unwrap()).await;
    assert_eq!(v["result"]["status"], "disabled");

    let (status, one) = json(
        c.get(format!("{base}/user/tokens/{id}"))
            .header("Authorization", &admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, one["result"]["status"].as_str()),
        (200, Some("disabled"))
    );

    let (status, deleted) = json(
        c.delete(format!("{base}/user/tokens/{id}"))
            .header("Authorization", &admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, deleted["result"]["id"].as_str()),
        (200, Some(id.as_str()))
    );
    assert_eq!(verify(second).await.unwrap().status(), 401);
    let (status, body) = json(
        c.get(format!("{base}/user/tokens/{id}"))
            .header("Authorization", &admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["success"].as_bool()), (404, Some(false)));

    // Validation: no name.
    let (status, body) = json(
        c.post(format!("{base}/user/tokens"))
            .header("Authorization", &admin)
            .json(&json!({"policies": body["policies"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["success"].as_bool()), (400, Some(false)));
}

#[tokio::test]
async fn cloudflare_account_owned_tokens_and_ip_conditions() {
    let sim = demo();
    let base = sim.base_url("cloudflare");
    let account = "023e105f4ecef8ad9ca31a8372d0c353";
    let c = client();
    let acct_admin = key(&sim, "cloudflare", "Account token admin");

    let (status, body) = json(
        c.get(format!("{base}/accounts/{account}/tokens/verify"))
            .header("Authorization", bearer(&acct_admin))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["result"]["status"].as_str()),
        (200, Some("active"))
    );
    // An account-owned token is not verified on the user endpoint.
    let resp = c
        .get(format!("{base}/user/tokens/verify"))
        .header("Authorization", bearer(&acct_admin))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    let (status, list) = json(
        c.get(format!("{base}/accounts/{account}/tokens"))
            .header("Authorization", bearer(&acct_admin))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["result"].as_array().unwrap().len(), 1);

    let (status, created) = json(
        c.post(format!("{base}/accounts/{account}/tokens"))
            .header("Authorization", bearer(&acct_admin))
            .json(
                &json!({"name": "Workers deploy", "policies": [{"effect": "allow",
                "resources": {format!("com.cloudflare.api.account.{account}"): "*"},
                "permission_groups": [{"id": "e086da7e2179491d91ee5f35b3ca210a"}]}]}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let value = created["result"]["value"].as_str().unwrap();
    assert!(cf_format(value, "cfat_"), "{value}");

    // The user admin token has no Account API Tokens permission.
    let resp = c
        .get(format!("{base}/accounts/{account}/tokens"))
        .header(
            "Authorization",
            bearer(&key(&sim, "cloudflare", "Keyward admin")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    // A token limited to 10.0.0.0/8 cannot be used from 127.0.0.1.
    let admin_id = key_id(&sim, "cloudflare", "Keyward admin");
    sim.state().with_data(|d| {
        let t = d
            .cloudflare
            .tokens
            .iter_mut()
            .find(|t| t.id == admin_id)
            .unwrap();
        t.condition = Some(provider_sim::seed::CloudflareCondition {
            request_ip: Some(provider_sim::seed::CloudflareRequestIp {
                in_: vec!["10.0.0.0/8".into()],
                not_in: vec![],
            }),
        });
    });
    let (status, body) = json(
        c.get(format!("{base}/user/tokens"))
            .header(
                "Authorization",
                bearer(&key(&sim, "cloudflare", "Keyward admin")),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body["errors"][0]["message"],
        "Cannot use the access token from location: 127.0.0.1"
    );
}

// ---------------------------------------------------------------- SendGrid

#[tokio::test]
async fn sendgrid_scopes_list_and_auth_errors() {
    let sim = demo();
    let base = sim.base_url("sendgrid");
    let c = client();
    let admin = key(&sim, "sendgrid", "Keyward admin");
    let mail = key(&sim, "sendgrid", "Transactional mail");

    let (status, body) = json(
        c.get(format!("{base}/scopes"))
            .header("Authorization", bearer(&mail))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body), (200, json!({"scopes": ["mail.send"]})));
    let (_, body) = json(
        c.get(format!("{base}/scopes"))
            .header("Authorization", bearer(&admin))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(body["scopes"]
        .as_array()
        .unwrap()
        .contains(&json!("api_keys.create")));

    let (status, body) = json(
        c.get(format!("{base}/api_keys"))
            .header("Authorization", bearer(&admin))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let result = body["result"].as_array().unwrap();
    assert_eq!(result.len(), 3);
    for k in result {
        assert_eq!(
            k.as_object().unwrap().len(),
            2,
            "only api_key_id and name: {k}"
        );
        assert!(k["api_key_id"].is_string() && k["name"].is_string());
    }

    let (status, body) = json(
        c.get(format!("{base}/api_keys"))
            .header("Authorization", bearer(&mail))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({"errors": [{"field": null, "message": "access forbidden"}]})
        )
    );
    let bogus = format!("SG.{}.{}", "a".repeat(22), "b".repeat(43));
    for auth in [Some(bearer(&bogus)), None] {
        let mut req = c.get(format!("{base}/scopes"));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let (status, body) = json(req.send().await.unwrap()).await;
        assert_eq!(
            (status, body),
            (
                401,
                json!({"errors": [{"field": null, "message": "authorization required"}]})
            )
        );
    }
}

#[tokio::test]
async fn sendgrid_create_read_update_delete() {
    let sim = demo();
    // No propagation delay here (tests/contracts.rs covers the delay).
    sim.state()
        .set_sendgrid_delete_propagation(std::time::Duration::ZERO);
    let base = sim.base_url("sendgrid");
    let c = client();
    let admin = bearer(&key(&sim, "sendgrid", "Keyward admin"));

    let (status, created) = json(
        c.post(format!("{base}/api_keys"))
            .header("Authorization", &admin)
            .json(&json!({"name": "Receipts", "scopes": ["mail.send"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201);
    let value = created["api_key"].as_str().unwrap().to_owned();
    let id = created["api_key_id"].as_str().unwrap().to_owned();
    assert_eq!(value.len(), 69);
    let parts: Vec<&str> = value.split('.').collect();
    assert_eq!((parts[0], parts[1].len(), parts[2].len()), ("SG", 22, 43));
    assert_eq!(parts[1], id);
    assert_eq!(created["name"], "Receipts");
    assert_eq!(created["scopes"], json!(["mail.send"]));

    let (_, scopes) = json(
        c.get(format!("{base}/scopes"))
            .header("Authorization", bearer(&value))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(scopes["scopes"], json!(["mail.send"]));

    let (status, one) = json(
        c.get(format!("{base}/api_keys/{id}"))
            .header("Authorization", &admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(one["result"][0]["scopes"], json!(["mail.send"]));
    assert_eq!(one["result"][0]["name"], "Receipts");

    let (status, renamed) = json(
        c.patch(format!("{base}/api_keys/{id}"))
            .header("Authorization", &admin)
            .json(&json!({"name": "Receipts v2"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, renamed),
        (200, json!({"api_key_id": id, "name": "Receipts v2"}))
    );
    let (status, replaced) = json(
        c.put(format!("{base}/api_keys/{id}"))
            .header("Authorization", &admin)
            .json(&json!({"name": "Receipts v3", "scopes": ["mail.send", "templates.read"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(replaced["scopes"], json!(["mail.send", "templates.read"]));

    let resp = c
        .delete(format!("{base}/api_keys/{id}"))
        .header("Authorization", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(
        c.get(format!("{base}/scopes"))
            .header("Authorization", bearer(&value))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let (status, _) = json(
        c.get(format!("{base}/api_keys/{id}"))
            .header("Authorization", &admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);

    let (status, body) = json(
        c.post(format!("{base}/api_keys"))
            .header("Authorization", &admin)
            .json(&json!({"scopes": ["mail.send"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (400, Some("name"))
    );
}

// ---------------------------------------------------------------- Postmon, Postnomic

#[tokio::test]
async fn postmon_probe_accepts_the_key_in_body_header_or_query() {
    let sim = demo();
    let url = format!("{}/v1/event", sim.base_url("postmon"));
    let live = key(&sim, "postmon", "Web tracking (prod)");
    let c = client();
    let event =
        |k: &str| json!({"api_key": k, "event": "UserSignedUp", "properties": {"plan": "premium"}});

    assert_eq!(
        c.post(&url)
            .json(&event(&live))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.post(&url)
            .header("X-Api-Key", &live)
            .json(&json!({"event": "x"}))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.post(format!("{url}?api_key={live}"))
            .json(&json!({"event": "x"}))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let (status, body) = json(c.post(&url).json(&event("wrong")).send().await.unwrap()).await;
    assert_eq!((status, body), (401, json!({"error": "Invalid API key"})));
    let old = key(&sim, "postmon", "Old web key");
    assert_eq!(
        c.post(&url)
            .json(&event(&old))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        c.post(&url)
            .json(&json!({"event": "x"}))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(c.get(&url).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn postnomic_probe_lists_posts_or_answers_401() {
    let sim = demo();
    let url = format!("{}/api/v1/posts", sim.base_url("postnomic"));
    let c = client();
    let (status, posts) = json(
        c.get(&url)
            .header(
                "X-Api-Key",
                key(&sim, "postnomic", "Company website production"),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(posts.as_array().unwrap().len(), 2);

    for k in [
        Some("pk_otherblog_production_0000000000".to_owned()),
        Some(key(&sim, "postnomic", "Staging app")),
        None,
    ] {
        let mut req = c.get(&url);
        if let Some(k) = k {
            req = req.header("X-Api-Key", k);
        }
        let (status, body) = text(req.send().await.unwrap()).await;
        assert_eq!((status, body.as_str()), (401, ""));
    }
}

// ---------------------------------------------------------------- state handle

#[tokio::test]
async fn state_handle_lists_keys_and_marks_them_used() {
    let sim = demo();
    let state = sim.state();
    let providers: std::collections::BTreeSet<String> =
        state.keys(None).into_iter().map(|k| k.provider).collect();
    assert_eq!(providers.len(), 7);
    let id = key_id(&sim, "sendgrid", "Marketing (read)");
    let when = chrono::Utc::now() - chrono::Duration::days(3);
    assert!(state.mark_used("sendgrid", &id, when));
    let k = state
        .keys(Some("sendgrid"))
        .into_iter()
        .find(|k| k.id == id)
        .unwrap();
    assert_eq!(k.last_used, Some(when));
    assert!(!state.mark_used("sendgrid", "nope", when));
    assert_eq!(
        state.key_by_value(&k.value).unwrap().name,
        "Marketing (read)"
    );
}
