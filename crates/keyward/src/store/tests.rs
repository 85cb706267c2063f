use super::*;
use chrono::Duration;

pub(super) fn record(name: &str, env: &str, purpose: &str) -> KeyRecord {
    let now = Utc::now();
    KeyRecord {
        id: Uuid::new_v4(),
        provider: "postmark".into(),
        kind: "server_token".into(),
        name: name.into(),
        environment: env.into(),
        purpose: purpose.into(),
        owner: Some("alice".into()),
        tags: vec!["email".into()],
        scopes: vec![],
        remote_id: None,
        env_var: "POSTMARK_TOKEN".into(),
        created_at: now - Duration::days(3),
        last_rotated_at: None,
        last_used_at: None,
        last_verified_at: None,
        expires_at: Some(now + Duration::days(30)),
        status: KeyStatus::Active,
        fingerprint: Some("ab".repeat(32)),
        masked_hint: "…89ab".into(),
        updated_at: now,
        connection_id: None,
        verify_outcome: None,
        verify_detail: None,
        usage: None,
        region: None,
        role: crate::model::KeyRole::Service,
    }
}

pub(super) fn event(action: &'static str) -> NewAuditEvent {
    NewAuditEvent {
        actor: "tester".into(),
        action,
        key_id: None,
        key_name: None,
        detail: String::new(),
    }
}

#[tokio::test]
async fn migrations_create_default_environments() {
    let store = Store::open_in_memory().await.unwrap();
    let envs: Vec<String> = store
        .environments()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(envs, ["dev", "staging", "prod"]);
    assert!(store.schema_version().await.unwrap() >= 20261123000000);
}

#[tokio::test]
async fn round_trips_every_field() {
    let store = Store::open_in_memory().await.unwrap();
    let rec = record("transactional", "prod", "send email");
    store
        .insert_keys(std::slice::from_ref(&rec), &[event("created")])
        .await
        .unwrap();
    let back = store.get_key(rec.id).await.unwrap().expect("inserted key");
    // Timestamps are stored with microsecond precision.
    let trunc = |d: DateTime<Utc>| d.timestamp_micros();
    assert_eq!(trunc(back.created_at), trunc(rec.created_at));
    assert_eq!(back.expires_at.map(trunc), rec.expires_at.map(trunc));
    assert_eq!(back.name, rec.name);
    assert_eq!(back.tags, rec.tags);
    assert_eq!(back.owner, rec.owner);
    assert_eq!(back.status, KeyStatus::Active);
}

#[tokio::test]
async fn list_orders_by_environment_position_then_purpose_and_filters() {
    let store = Store::open_in_memory().await.unwrap();
    let keys = [
        record("b", "prod", "send email"),
        record("a", "prod", "ingest events"),
        record("c", "dev", "send email"),
        record("z", "zeta", "x"),
    ];
    store.insert_keys(&keys, &[]).await.unwrap();
    let names: Vec<String> = store
        .list_keys(&KeyFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert_eq!(
        names,
        ["c", "a", "b", "z"],
        "dev before prod (configured order), unknown env last"
    );

    let prod = store
        .list_keys(&KeyFilter {
            environment: Some("prod".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(prod.len(), 2);
    let email = store
        .list_keys(&KeyFilter {
            purpose: Some("EMAIL".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        email.len(),
        2,
        "purpose filter is a case-insensitive substring"
    );
    let text = store
        .list_keys(&KeyFilter {
            text: Some("ALICE".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(text.len(), 4, "text search covers the owner");
    let none = store
        .list_keys(&KeyFilter {
            status: Some(KeyStatus::Revoked),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn duplicate_name_in_one_environment_is_refused_and_nothing_is_half_written() {
    let store = Store::open_in_memory().await.unwrap();
    let first = record("same", "prod", "");
    let other = record("other", "prod", "");
    let dup = record("same", "prod", "");
    store.insert_keys(&[first], &[]).await.unwrap();
    let err = store
        .insert_keys(&[other, dup], &[event("imported")])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::DuplicateName { .. }), "{err:?}");
    assert_eq!(
        store.count_keys().await.unwrap(),
        1,
        "the batch must roll back whole"
    );
    assert!(
        store.list_audit(None, 10).await.unwrap().is_empty(),
        "no audit event for a rolled-back batch"
    );
    // The same name in another environment is fine.
    store
        .insert_keys(&[record("same", "dev", "")], &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn audit_is_append_only() {
    let store = Store::open_in_memory().await.unwrap();
    store.append_audit(&event("created")).await.unwrap();
    let update = sqlx::query("UPDATE audit_events SET action = 'x'")
        .execute(&store.pool)
        .await;
    assert!(update.is_err(), "updating an audit event must fail");
    let delete = sqlx::query("DELETE FROM audit_events")
        .execute(&store.pool)
        .await;
    assert!(delete.is_err(), "deleting an audit event must fail");
    assert_eq!(store.list_audit(None, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn find_keys_by_id_prefix_and_name() {
    let store = Store::open_in_memory().await.unwrap();
    let rec = record("Blog reader", "prod", "");
    store
        .insert_keys(std::slice::from_ref(&rec), &[])
        .await
        .unwrap();
    let id = rec.id.to_string();
    assert_eq!(store.find_keys(&id).await.unwrap().len(), 1);
    assert_eq!(store.find_keys(&id[..8]).await.unwrap().len(), 1);
    assert_eq!(
        store
            .find_keys(&id[..8].to_uppercase())
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.find_keys("Blog reader").await.unwrap().len(), 1);
    assert!(
        store.find_keys("%").await.unwrap().is_empty(),
        "LIKE wildcards are not prefixes"
    );
    assert!(
        store.find_keys(&id[..3]).await.unwrap().is_empty(),
        "prefixes need 4 characters"
    );
}

#[tokio::test]
async fn environments_in_use_cannot_be_dropped() {
    let store = Store::open_in_memory().await.unwrap();
    store
        .insert_keys(&[record("k", "prod", "")], &[])
        .await
        .unwrap();
    let err = store
        .set_environments(&["dev".into()], &event("settings_changed"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::EnvironmentInUse(ref e) if e == "prod"),
        "{err:?}"
    );
    store
        .set_environments(
            &["prod".into(), "qa".into(), "dev".into()],
            &event("settings_changed"),
        )
        .await
        .unwrap();
    let envs: Vec<String> = store
        .environments()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(envs, ["prod", "qa", "dev"]);
}

#[tokio::test]
async fn file_store_uses_wal_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    {
        let store = Store::open(&path).await.unwrap();
        store
            .insert_keys(&[record("persisted", "prod", "")], &[])
            .await
            .unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        store.close().await;
    }
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.count_keys().await.unwrap(), 1);
}

#[tokio::test]
async fn role_migration_backfills_existing_connection_admin_keys() {
    // An inventory written before the role existed: two keys, one a connection's admin key.
    let options = SqliteConnectOptions::from_str("sqlite::memory:")
        .unwrap()
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await
        .unwrap();
    let mut before = sqlx::migrate!("./migrations");
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version < 20261207000000)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&pool).await.unwrap();
    let (service, admin) = (Uuid::new_v4(), Uuid::new_v4());
    for (id, name) in [(service, "mail"), (admin, "pm (admin)")] {
        sqlx::query(
            "INSERT INTO keys (id, provider, kind, name, environment, env_var, created_at, status, \
             masked_hint, updated_at) VALUES (?, 'postmark', 'server_token', ?, 'prod', 'X', \
             '2026-01-01T00:00:00.000000Z', 'active', '…', '2026-01-01T00:00:00.000000Z')",
        )
        .bind(id.to_string())
        .bind(name)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO connections (id, name, provider, base_url, admin_key_id, created_at) \
         VALUES (?, 'pm', 'postmark', 'https://api.postmarkapp.com', ?, '2026-01-01T00:00:00.000000Z')",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(admin.to_string())
    .execute(&pool)
    .await
    .unwrap();

    let store = Store::migrate(pool).await.unwrap();
    assert_eq!(
        store.get_key(admin).await.unwrap().unwrap().role,
        KeyRole::ConnectionAdmin,
        "the migration marks the admin key it finds in connections"
    );
    assert_eq!(
        store.get_key(service).await.unwrap().unwrap().role,
        KeyRole::Service
    );
}

#[tokio::test]
async fn role_is_set_by_connections_not_by_metadata_updates() {
    let store = Store::open_in_memory().await.unwrap();
    let admin = record("pm (admin)", "prod", "manage");
    store
        .insert_keys(std::slice::from_ref(&admin), &[])
        .await
        .unwrap();
    let c = Connection {
        id: Uuid::new_v4(),
        name: "pm".into(),
        provider: "postmark".into(),
        base_url: "https://api.postmarkapp.com".into(),
        admin_key_id: Some(admin.id),
        options: Default::default(),
        created_at: Utc::now(),
    };
    store
        .insert_connection(&c, &event("provider_added"))
        .await
        .unwrap();
    let linked = store.get_key(admin.id).await.unwrap().unwrap();
    assert_eq!(
        linked.role,
        KeyRole::ConnectionAdmin,
        "linking sets the role"
    );
    // A stale copy written back (role Service) does not demote it.
    store.update_key(&admin, &event("updated")).await.unwrap();
    assert_eq!(
        store.get_key(admin.id).await.unwrap().unwrap().role,
        KeyRole::ConnectionAdmin
    );
    store
        .delete_connection(c.id, &event("settings_changed"))
        .await
        .unwrap();
    assert_eq!(
        store.get_key(admin.id).await.unwrap().unwrap().role,
        KeyRole::ConnectionAdmin,
        "the token keeps its power after the connection goes"
    );
}
