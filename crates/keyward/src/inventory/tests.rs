use super::*;
use crate::connection::Connection;

const CANARY: &str = "canaryQ7w2Ex9Rt4Yu1Io3Pa";

use crate::test_fixtures::inventory;

fn new_key(name: &str, env: &str) -> NewKey {
    NewKey {
        name: name.into(),
        environment: env.into(),
        purpose: "send transactional email".into(),
        ..NewKey::default()
    }
}

fn postman_value() -> String {
    format!("PMAK-{}-{}", "a1".repeat(12), "b2".repeat(17))
}

#[tokio::test]
async fn add_writes_keychain_and_record_without_the_secret() {
    let (inv, vault) = inventory().await;
    let key = inv
        .add(new_key("pm", "dev"), Secret::new(postman_value()))
        .await
        .unwrap();
    assert_eq!(
        (key.provider.as_str(), key.kind.as_str()),
        ("postman", "api_key"),
        "detected from PMAK-"
    );
    assert_eq!(
        vault.get(&key.id.to_string()).unwrap().unwrap().expose(),
        postman_value()
    );
    let json = serde_json::to_string(&inv.list(&KeyFilter::default()).await.unwrap()).unwrap();
    assert!(
        !json.contains(&postman_value()),
        "the record must not hold the value"
    );
    assert!(key.masked_hint.starts_with("PMAK-…"), "{}", key.masked_hint);
    assert_eq!(key.fingerprint.as_ref().map(String::len), Some(64));
    let trail = inv.audit_trail(Some(key.id), 10).await.unwrap();
    assert_eq!(trail[0].action, "created");
}

#[tokio::test]
async fn unavailable_or_locked_keychain_refuses_and_writes_nothing() {
    for failure in ["unavailable", "locked", "denied"] {
        let (inv, vault) = inventory().await;
        vault.fail_with(Some(failure));
        inv.refresh_keychain_status().await;
        assert_eq!(inv.keychain_status().state.as_str(), failure);
        let err = inv
            .add(new_key("k", "dev"), Secret::new(CANARY.into()))
            .await
            .unwrap_err();
        assert_eq!(err.code(), format!("keychain_{failure}"), "{err}");
        assert!(!err.to_string().contains(CANARY));
        vault.fail_with(None);
        assert!(
            inv.list(&KeyFilter::default()).await.unwrap().is_empty(),
            "nothing written on {failure}"
        );
        assert_eq!(vault.accounts().unwrap().unwrap().len(), 0);
        // Healing the keychain is enough: no restart needed.
        inv.add(new_key("k", "dev"), Secret::new(CANARY.into()))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn remove_deletes_both_and_a_locked_keychain_changes_nothing() {
    let (inv, vault) = inventory().await;
    let key = inv
        .add(new_key("k", "prod"), Secret::new(CANARY.into()))
        .await
        .unwrap();
    vault.fail_with(Some("locked"));
    inv.refresh_keychain_status().await;
    assert_eq!(
        inv.remove(key.id).await.unwrap_err().code(),
        "keychain_locked"
    );
    vault.fail_with(None);
    assert!(
        vault.get(&key.id.to_string()).unwrap().is_some(),
        "secret kept"
    );
    assert_eq!(
        inv.list(&KeyFilter::default()).await.unwrap().len(),
        1,
        "record kept"
    );
    inv.remove(key.id).await.unwrap();
    assert!(vault.get(&key.id.to_string()).unwrap().is_none());
    assert!(inv.list(&KeyFilter::default()).await.unwrap().is_empty());
    let trail = inv.audit_trail(Some(key.id), 10).await.unwrap();
    assert_eq!(trail[0].action, "removed");
    assert_eq!(
        trail[0].key_name.as_deref(),
        Some("k"),
        "the trail keeps the name after removal"
    );
}

#[tokio::test]
async fn duplicate_names_leave_no_stray_keychain_entry() {
    let (inv, vault) = inventory().await;
    inv.add(new_key("same", "prod"), Secret::new("one-value".into()))
        .await
        .unwrap();
    let err = inv
        .add(new_key("same", "prod"), Secret::new(CANARY.into()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "duplicate");
    let report = inv.doctor().await.unwrap();
    assert!(
        report.orphaned_entries.is_empty(),
        "{:?}",
        report.orphaned_entries
    );
    assert_eq!(
        vault
            .accounts()
            .unwrap()
            .unwrap()
            .iter()
            .filter(|a| !is_reserved_account(a))
            .count(),
        1
    );
}

#[tokio::test]
async fn hostile_input_is_rejected_clearly_or_kept_verbatim() {
    let (inv, _) = inventory().await;
    let html = "<img src=x onerror=alert(1)>";
    let key = inv
        .add(new_key(html, "dev"), Secret::new("v1".into()))
        .await
        .unwrap();
    assert_eq!(key.name, html, "HTML is just text to the core");
    let cases: [(&str, String, &str); 4] = [
        ("control", "bad\u{1b}[31mname".into(), "control characters"),
        ("newline", "bad\nname".into(), "control characters"),
        ("huge", "x".repeat(10 * 1024), "at most 256"),
        ("empty", "   ".into(), "must not be empty"),
    ];
    for (label, name, expected) in cases {
        let err = inv
            .add(new_key(&name, "dev"), Secret::new(CANARY.into()))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{label}");
        assert!(err.to_string().contains(expected), "{label}: {err}");
    }
    let err = inv
        .add(new_key("e", "prod env"), Secret::new("v".into()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    let err = inv
        .add(
            NewKey {
                provider: Some("nosuch".into()),
                ..new_key("p", "dev")
            },
            Secret::new(CANARY.into()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_provider");
    // A value of the wrong shape is stored (the provider decides validity) …
    let odd = inv
        .add(
            NewKey {
                provider: Some("postman".into()),
                ..new_key("p", "dev")
            },
            Secret::new(format!("PMAK-{CANARY}")),
        )
        .await
        .unwrap();
    let warning = keyward_warning(&odd, &format!("PMAK-{CANARY}"));
    assert!(
        warning.contains("stored anyway") && !warning.contains(CANARY),
        "{warning}"
    );
    inv.remove(odd.id).await.unwrap();
    // … while a value with a line break or control characters cannot be a key.
    let err = inv
        .add(
            new_key("two lines", "dev"),
            Secret::new(format!("{CANARY}\n{CANARY}")),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("line break"), "{err}");
    assert!(!err.to_string().contains(CANARY), "{err}");
    let err = inv
        .add(new_key("blank", "dev"), Secret::new("\n".into()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    assert_eq!(inv.list(&KeyFilter::default()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn resolve_by_id_prefix_name_and_ambiguity() {
    let (inv, _) = inventory().await;
    let a = inv
        .add(new_key("shared", "dev"), Secret::new("v1".into()))
        .await
        .unwrap();
    inv.add(new_key("shared", "prod"), Secret::new("v2".into()))
        .await
        .unwrap();
    assert_eq!(inv.resolve(&a.id.to_string()).await.unwrap().id, a.id);
    assert_eq!(inv.resolve(&a.id.to_string()[..8]).await.unwrap().id, a.id);
    let err = inv.resolve("shared").await.unwrap_err();
    assert_eq!(err.code(), "ambiguous");
    assert!(
        err.to_string().contains("dev") && err.to_string().contains("prod"),
        "{err}"
    );
    assert_eq!(inv.resolve("nope").await.unwrap_err().code(), "not_found");
}

#[tokio::test]
async fn update_validates_and_audits() {
    let (inv, _) = inventory().await;
    let k = inv
        .add(new_key("k", "dev"), Secret::new("v1".into()))
        .await
        .unwrap();
    let patch = KeyPatch {
        name: Some("renamed".into()),
        environment: Some("qa".into()),
        tags: Some(vec!["a".into(), "a".into()]),
        ..KeyPatch::default()
    };
    let k2 = inv.update(k.id, patch).await.unwrap();
    assert_eq!(
        (k2.name.as_str(), k2.environment.as_str()),
        ("renamed", "qa")
    );
    assert_eq!(k2.tags, ["a"]);
    assert!(
        inv.environments()
            .await
            .unwrap()
            .iter()
            .any(|e| e.name == "qa"),
        "new environments are created"
    );
    let bad = inv
        .update(
            k.id,
            KeyPatch {
                env_var: Some("1X".into()),
                ..KeyPatch::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code(), "invalid_input");
    assert_eq!(
        inv.audit_trail(Some(k.id), 10).await.unwrap()[0].action,
        "updated"
    );
}

#[tokio::test]
async fn env_vars_for_run() {
    let (inv, _) = inventory().await;
    inv.add(
        NewKey {
            env_var: Some("PM".into()),
            ..new_key("a", "dev")
        },
        Secret::new(postman_value()),
    )
    .await
    .unwrap();
    inv.add(
        new_key("Blog reader", "dev"),
        Secret::new("pk_blog_dev_123456".into()),
    )
    .await
    .unwrap();
    let run = inv.env_vars("dev", &[]).await.unwrap();
    let names: Vec<&str> = run.vars.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["PM", "POSTNOMIC_BLOG_READER"]);
    assert!(run.withheld.is_empty());
    assert_eq!(
        inv.env_vars("prod", &[]).await.unwrap_err().code(),
        "not_found"
    );
    inv.add(
        NewKey {
            env_var: Some("PM".into()),
            ..new_key("b", "dev")
        },
        Secret::new("x1".into()),
    )
    .await
    .unwrap();
    assert_eq!(
        inv.env_vars("dev", &[]).await.unwrap_err().code(),
        "invalid_input",
        "two keys on one variable"
    );
}

/// A connection with an admin key (value `admin`) filed under `environment`, not tested.
async fn connect_with_admin(inv: &Inventory, environment: &str, admin: &str) -> Connection {
    inv.connect(
        NewConnection {
            provider: "postmark".into(),
            name: "pm".into(),
            base_url: Some("http://127.0.0.1:9".into()),
            region: None,
            options: Default::default(),
            environment: environment.into(),
            test: false,
        },
        Some(Secret::new(admin.into())),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn run_withholds_connection_admin_keys_unless_named() {
    let (inv, vault) = inventory().await;
    let service = inv
        .add(new_key("mail", "prod"), Secret::new(postman_value()))
        .await
        .unwrap();
    let admin_value = format!("kw-canary-admin-{CANARY}");
    let c = connect_with_admin(&inv, "prod", &admin_value).await;
    let admin_id = c.admin_key_id.unwrap();
    let admin = inv.get(admin_id).await.unwrap();
    assert_eq!(
        admin.role,
        KeyRole::ConnectionAdmin,
        "connect sets the role"
    );
    assert_eq!(inv.get(service.id).await.unwrap().role, KeyRole::Service);

    let run = inv.env_vars("prod", &[]).await.unwrap();
    assert_eq!(
        run.vars.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        [service.env_var.as_str()]
    );
    assert!(
        run.vars.iter().all(|(_, v)| v.expose() != admin_value),
        "the admin value must not be passed"
    );
    assert_eq!(
        run.withheld.iter().map(|k| k.id).collect::<Vec<_>>(),
        [admin_id]
    );
    assert!(
        inv.audit_trail(Some(admin_id), 50)
            .await
            .unwrap()
            .iter()
            .all(|e| !e.detail.contains("keyward run")),
        "a withheld key is not used"
    );
    drop(run);
    assert!(vault.get(&admin_id.to_string()).unwrap().is_some());

    for reference in [admin.name.clone(), admin_id.to_string()[..6].to_owned()] {
        let run = inv.env_vars("prod", &[reference]).await.unwrap();
        assert!(run.withheld.is_empty());
        assert!(
            run.vars
                .iter()
                .any(|(n, v)| *n == admin.env_var && v.expose() == admin_value),
            "named, it is passed"
        );
    }
    let err = inv.env_vars("prod", &["nothing".into()]).await.unwrap_err();
    assert_eq!(err.code(), "invalid_input");

    // A metadata edit cannot turn it into an ordinary key; removing the connection neither.
    inv.update(
        admin_id,
        KeyPatch {
            purpose: Some("edited".into()),
            ..KeyPatch::default()
        },
    )
    .await
    .unwrap();
    inv.remove_connection("pm").await.unwrap();
    assert_eq!(
        inv.get(admin_id).await.unwrap().role,
        KeyRole::ConnectionAdmin
    );
    assert_eq!(inv.env_vars("prod", &[]).await.unwrap().withheld.len(), 1);
}

#[test]
fn default_env_var_names() {
    assert_eq!(
        default_env_var("POSTMARK", "POSTMARK_SERVER_TOKEN"),
        "POSTMARK_SERVER_TOKEN"
    );
    assert_eq!(
        default_env_var("POSTMARK", "transactional email"),
        "POSTMARK_TRANSACTIONAL_EMAIL"
    );
    assert_eq!(default_env_var("POSTHOG", "PostHog flags"), "POSTHOG_FLAGS");
    assert_eq!(default_env_var("CUSTOM", "<img src=x>"), "CUSTOM_IMG_SRC_X");
    assert_eq!(default_env_var("X", "!!!"), "X_KEY");
}

/// A long name's env var is cut at a word boundary, never mid-word (issue 16).
#[test]
fn default_env_var_cuts_long_names_between_words() {
    let name = "Production analytics export for the quarterly board report, warehouse sync of \
                the EU region, read only, owned by data platform";
    let var = default_env_var("POSTNOMIC", name);
    assert!(var.len() <= 128, "{var} is longer than 128");
    assert!(!var.ends_with('_'), "{var} ends with '_'");
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    for part in var.split('_').skip(1) {
        assert!(
            words.contains(&part.to_owned()),
            "{var}: '{part}' is a cut word"
        );
    }
    assert_eq!(
        var,
        "POSTNOMIC_PRODUCTION_ANALYTICS_EXPORT_FOR_THE_QUARTERLY_BOARD_REPORT_WAREHOUSE_SYNC_OF_THE_EU_REGION_READ_ONLY_OWNED_BY_DATA"
    );
    // One word longer than the limit can only be cut inside it.
    let long_word = "x".repeat(200);
    assert_eq!(default_env_var("P", &long_word).len(), 128);
}

#[tokio::test]
async fn doctor_reports_missing_secrets_and_stray_entries() {
    let (inv, vault) = inventory().await;
    let k = inv
        .add(new_key("k", "dev"), Secret::new("v1".into()))
        .await
        .unwrap();
    vault.delete(&k.id.to_string()).unwrap();
    vault
        .set(
            "0f0f0f0f-0000-4000-8000-000000000000",
            &Secret::new("stray".into()),
        )
        .unwrap();
    let r = inv.doctor().await.unwrap();
    assert!(r.consistency_checked);
    assert_eq!(
        r.missing_secrets.iter().map(|m| m.id).collect::<Vec<_>>(),
        [k.id]
    );
    assert_eq!(r.orphaned_entries, ["0f0f0f0f-0000-4000-8000-000000000000"]);
    assert_eq!(inv.secret(k.id).await.unwrap_err().code(), "secret_missing");
}

#[tokio::test]
async fn import_is_all_or_nothing() {
    let (inv, vault) = inventory().await;
    inv.add(new_key("EXISTING", "prod"), Secret::new("v1".into()))
        .await
        .unwrap();
    let text = format!("NEW_ONE=phc_{}\nEXISTING={CANARY}\n", "a".repeat(40));
    let plan = inv
        .import_plan(".env.production", &text, &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(
        plan.errors.len(),
        1,
        "name clash with the inventory is a line error"
    );
    assert_eq!(plan.errors[0].line, 2);
    let err = inv
        .import_commit(plan, ".env.production")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "import_invalid");
    assert!(!err.to_string().contains(CANARY));
    assert_eq!(inv.list(&KeyFilter::default()).await.unwrap().len(), 1);
    assert_eq!(
        vault
            .accounts()
            .unwrap()
            .unwrap()
            .iter()
            .filter(|a| !is_reserved_account(a))
            .count(),
        1
    );

    // Keychain fails mid-import: everything written so far is rolled back.
    let plan = inv
        .import_plan(
            ".env.production",
            "A1=x1\nA2=x2\n",
            &ImportOptions::default(),
        )
        .await
        .unwrap();
    vault.fail_with(Some("locked"));
    assert_eq!(
        inv.import_commit(plan, "f").await.unwrap_err().code(),
        "keychain_locked"
    );
    vault.fail_with(None);
    assert_eq!(inv.list(&KeyFilter::default()).await.unwrap().len(), 1);

    let plan = inv
        .import_plan(
            ".env.production",
            "A1=x1\nA2=x2\n",
            &ImportOptions::default(),
        )
        .await
        .unwrap();
    let keys = inv.import_commit(plan, ".env.production").await.unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.fingerprint.is_some()));
    assert_eq!(
        inv.audit_trail(Some(keys[0].id), 5).await.unwrap()[0].action,
        "imported"
    );
}

#[tokio::test]
async fn settings_round_trip() {
    let (inv, _) = inventory().await;
    assert_eq!(inv.clipboard_timeout().await.unwrap().as_secs(), 30);
    inv.set_clipboard_timeout(12).await.unwrap();
    assert_eq!(inv.clipboard_timeout().await.unwrap().as_secs(), 12);
    assert_eq!(
        inv.set_clipboard_timeout(1).await.unwrap_err().code(),
        "invalid_input"
    );
    let envs = inv
        .set_environments(vec!["prod".into(), "dev".into()])
        .await
        .unwrap();
    assert_eq!(
        envs.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["prod", "dev"]
    );
    assert_eq!(
        inv.set_environments(vec!["a".into(), "a".into()])
            .await
            .unwrap_err()
            .code(),
        "invalid_input"
    );
}

#[tokio::test]
async fn custom_providers_are_detected_and_usable() {
    let (inv, _) = inventory().await;
    let spec = CustomProviderSpec {
        id: "acme".into(),
        display_name: "Acme".into(),
        presentation: crate::providers::Presentation::Header,
        presentation_name: "X-Acme-Key".into(),
        prefix: Some("acme_".into()),
        verify_url: Some("https://api.acme.example/v1/me".into()),
        dashboard_url: None,
    };
    inv.add_custom_provider(spec.clone()).await.unwrap();
    assert_eq!(
        inv.add_custom_provider(spec).await.unwrap_err().code(),
        "invalid_input"
    );
    let d = inv
        .detect(&Secret::new("acme_0123456789abcdef".into()))
        .await
        .unwrap();
    assert_eq!(d.provider, "acme");
    let k = inv
        .add(
            new_key("acme key", "dev"),
            Secret::new("acme_0123456789abcdef".into()),
        )
        .await
        .unwrap();
    assert_eq!(
        (k.provider.as_str(), k.env_var.as_str()),
        ("acme", "ACME_KEY")
    );
    let k = inv
        .add(
            NewKey {
                provider: Some("acme".into()),
                ..new_key("explicit", "dev")
            },
            Secret::new("zzzz".into()),
        )
        .await
        .unwrap();
    assert_eq!(k.provider, "acme");
}

fn keyward_warning(record: &KeyRecord, value: &str) -> String {
    crate::providers::format_warning(&record.provider, &record.kind, &Secret::new(value.into()))
        .unwrap_or_default()
}

/// The first connect's keychain write timed out after the entry had landed: the window said
/// "no keychain", and `doctor` then found a stray entry. Now: a truthful code, and nothing
/// left behind (no keychain entry, no key record, no connection).
#[tokio::test]
async fn a_connect_whose_keychain_write_times_out_leaves_nothing_behind() {
    let (inv, vault) = inventory().await;
    // Load the fingerprint key first, as a running app has.
    inv.add(new_key("warm", "dev"), Secret::new(postman_value()))
        .await
        .unwrap();
    let before = vault.accounts().unwrap().unwrap();
    vault.fail_with(Some("timeout_after_write"));
    let err = inv
        .connect(
            NewConnection {
                provider: "postmark".into(),
                name: "pm".into(),
                base_url: Some("http://127.0.0.1:9".into()),
                region: None,
                options: Default::default(),
                environment: "prod".into(),
                test: false,
            },
            Some(Secret::new("a1b2c3d4-e5f6-4711-8899-aabbccddeeff".into())),
        )
        .await
        .unwrap_err();
    vault.fail_with(None);
    assert_eq!(err.code(), "keychain_timeout", "{err}");
    assert_eq!(
        vault.accounts().unwrap().unwrap(),
        before,
        "no stray keychain entry"
    );
    assert!(inv.connections().await.unwrap().is_empty());
    let keys = inv.list(&KeyFilter::default()).await.unwrap();
    assert_eq!(keys.len(), 1, "only the key added before");
    let report = inv.doctor().await.unwrap();
    assert!(
        report.orphaned_entries.is_empty(),
        "{:?}",
        report.orphaned_entries
    );
}
