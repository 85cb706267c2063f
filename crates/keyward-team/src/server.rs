//! Everything said to the team's PostgreSQL: connecting (with the policy of
//! [`TeamAddress`]), `init`'s roles and migrations, the schema check, publishing and pulling.

use crate::address::TeamAddress;
use crate::error::{Result, TeamError};
use crate::{InitReport, PulledEvent, TeamKeyRow, SCHEMA_VERSION};
use chrono::{DateTime, Utc};
use keyward::Secret;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions, PgRow};
use sqlx::{Connection, Row};
use std::time::Duration;
use uuid::Uuid;

/// How long connecting may take before the server counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The LISTEN/NOTIFY channel the schema's triggers notify.
pub const CHANNEL: &str = "keyward_team";
const GROUP_ROLES: [&str; 2] = ["keyward_member", "keyward_admin"];

fn with_password(options: PgConnectOptions, password: Option<&Secret>) -> PgConnectOptions {
    match password {
        // EXPOSE: the role's password goes to the PostgreSQL client (scram), nowhere else.
        Some(p) => options.password(p.expose()),
        None => options,
    }
}

pub async fn connect(
    address: &TeamAddress,
    password: Option<&Secret>,
    timeout: Duration,
) -> Result<PgConnection> {
    let options = with_password(address.options(), password);
    match tokio::time::timeout(timeout, PgConnection::connect_with(&options)).await {
        Ok(conn) => conn.map_err(|e| TeamError::from_sqlx(e, &address.user)),
        Err(_) => Err(TeamError::Unreachable(format!(
            "{}:{} did not answer within {} s",
            address.host,
            address.port,
            timeout.as_secs()
        ))),
    }
}

/// A one-connection pool (what `PgListener` is built on).
pub async fn pool(address: &TeamAddress, password: &Secret) -> Result<sqlx::PgPool> {
    let options = with_password(address.options(), Some(password));
    PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|e| TeamError::from_sqlx(e, &address.user))
}

fn db(role: &str) -> impl Fn(sqlx::Error) -> TeamError + '_ {
    move |e| TeamError::from_sqlx(e, role)
}

/// Creates the group roles if missing, the schema, and runs the migrations.
pub async fn init(conn: &mut PgConnection, role: &str) -> Result<InitReport> {
    let mut roles_created = Vec::new();
    for group in GROUP_ROLES {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
                .bind(group)
                .fetch_one(&mut *conn)
                .await
                .map_err(db(role))?;
        if !exists {
            // A group role: nobody logs in as it; members are granted it.
            sqlx::query(&format!("CREATE ROLE {group} NOLOGIN"))
                .execute(&mut *conn)
                .await
                .map_err(db(role))?;
            roles_created.push(group.to_string());
        }
    }
    sqlx::query("CREATE SCHEMA IF NOT EXISTS keyward")
        .execute(&mut *conn)
        .await
        .map_err(db(role))?;
    // The migrations' own table lives in the team's schema too.
    sqlx::query("SET search_path TO keyward")
        .execute(&mut *conn)
        .await
        .map_err(db(role))?;
    let migrator = sqlx::migrate!("./migrations");
    let before = applied_versions(conn, role).await?;
    migrator.run(&mut *conn).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::Execute(e) => TeamError::from_sqlx(e, role),
        other => TeamError::Database(other.to_string()),
    })?;
    let after = applied_versions(conn, role).await?;
    let schema_version = schema_version(conn, role).await?;
    Ok(InitReport {
        schema_version,
        applied: after.into_iter().filter(|v| !before.contains(v)).collect(),
        roles_created,
    })
}

async fn applied_versions(conn: &mut PgConnection, role: &str) -> Result<Vec<i64>> {
    let exists: bool =
        sqlx::query_scalar("SELECT to_regclass('keyward._sqlx_migrations') IS NOT NULL")
            .fetch_one(&mut *conn)
            .await
            .map_err(db(role))?;
    if !exists {
        return Ok(Vec::new());
    }
    sqlx::query_scalar(
        "SELECT version FROM keyward._sqlx_migrations WHERE success ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(db(role))
}

/// The server's schema version (0 when `init` never ran there).
pub async fn schema_version(conn: &mut PgConnection, role: &str) -> Result<i64> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('keyward.meta') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await
        .map_err(db(role))?;
    if !exists {
        return Ok(0);
    }
    sqlx::query_scalar("SELECT schema_version FROM keyward.meta WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(db(role))
        .map(|v| v.unwrap_or(0))
}

/// Refuses a server whose schema is not the one this Keyward speaks.
pub async fn check_schema(conn: &mut PgConnection, role: &str) -> Result<i64> {
    let server = schema_version(conn, role).await?;
    if server < SCHEMA_VERSION {
        return Err(TeamError::SchemaOutdated {
            server,
            needed: SCHEMA_VERSION,
        });
    }
    if server > SCHEMA_VERSION {
        return Err(TeamError::SchemaNewer {
            server,
            needed: SCHEMA_VERSION,
        });
    }
    Ok(server)
}

/// The role connected, and whether it is in `keyward_member`.
pub async fn whoami(conn: &mut PgConnection, role: &str) -> Result<(String, bool)> {
    let row = sqlx::query(
        "SELECT current_user::text AS me, \
         pg_has_role(current_user, 'keyward_member', 'MEMBER') AS member",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(db(role))?;
    Ok((
        row.try_get("me").map_err(db(role))?,
        row.try_get("member").map_err(db(role))?,
    ))
}

/// One publish: upserts `rows`, deletes `withdrawn`, inserts `events`, in one transaction.
pub async fn publish(
    conn: &mut PgConnection,
    role: &str,
    rows: &[&TeamKeyRow],
    withdrawn: &[Uuid],
    events: &[PulledEvent],
) -> Result<()> {
    let mut tx = conn.begin().await.map_err(db(role))?;
    for r in rows {
        let findings = serde_json::to_value(&r.findings)
            .map_err(|e| TeamError::Database(format!("findings: {e}")))?;
        // `member` takes its default (current_user); row-level security checks it anyway.
        sqlx::query(
            "INSERT INTO keyward.keys (key_id, provider, kind, name, environment, purpose, owner, \
             tags, scopes, status, state, created_at, updated_at, last_rotated_at, \
             next_rotation_due, expires_at, rotation, findings, hint, published_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, now()) \
             ON CONFLICT (member, key_id) DO UPDATE SET provider = excluded.provider, \
             kind = excluded.kind, name = excluded.name, environment = excluded.environment, \
             purpose = excluded.purpose, owner = excluded.owner, tags = excluded.tags, \
             scopes = excluded.scopes, status = excluded.status, state = excluded.state, \
             created_at = excluded.created_at, updated_at = excluded.updated_at, \
             last_rotated_at = excluded.last_rotated_at, \
             next_rotation_due = excluded.next_rotation_due, expires_at = excluded.expires_at, \
             rotation = excluded.rotation, findings = excluded.findings, hint = excluded.hint, \
             published_at = now()",
        )
        .bind(r.key_id)
        .bind(&r.provider)
        .bind(&r.kind)
        .bind(&r.name)
        .bind(&r.environment)
        .bind(&r.purpose)
        .bind(&r.owner)
        .bind(&r.tags)
        .bind(&r.scopes)
        .bind(&r.status)
        .bind(&r.state)
        .bind(r.created_at)
        .bind(r.updated_at)
        .bind(r.last_rotated_at)
        .bind(r.next_rotation_due)
        .bind(r.expires_at)
        .bind(&r.rotation)
        .bind(findings)
        .bind(&r.hint)
        .execute(&mut *tx)
        .await
        .map_err(db(role))?;
    }
    if !withdrawn.is_empty() {
        sqlx::query("DELETE FROM keyward.keys WHERE member = current_user AND key_id = ANY($1)")
            .bind(withdrawn)
            .execute(&mut *tx)
            .await
            .map_err(db(role))?;
    }
    for e in events {
        sqlx::query(
            "INSERT INTO keyward.events (local_id, key_id, key_name, action, at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (member, local_id) DO NOTHING",
        )
        .bind(e.local_id)
        .bind(e.key_id)
        .bind(&e.key_name)
        .bind(&e.action)
        .bind(e.at)
        .execute(&mut *tx)
        .await
        .map_err(db(role))?;
    }
    tx.commit().await.map_err(db(role))
}

const KEY_SELECT: &str = "SELECT member, key_id, provider, kind, name, environment, purpose, \
    owner, tags, scopes, status, state, created_at, updated_at, last_rotated_at, \
    next_rotation_due, expires_at, rotation, findings, hint, published_at FROM keyward.keys";

/// How far back the pulled audit reaches.
pub const EVENTS_DAYS: i64 = 120;

/// Every key row of the team (with when it was published), and the recent events.
pub async fn pull(
    conn: &mut PgConnection,
    role: &str,
) -> Result<(Vec<(TeamKeyRow, DateTime<Utc>)>, Vec<PulledEvent>)> {
    // One snapshot for both reads.
    let mut tx = conn.begin().await.map_err(db(role))?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(db(role))?;
    let rows = sqlx::query(&format!("{KEY_SELECT} ORDER BY member, key_id"))
        .fetch_all(&mut *tx)
        .await
        .map_err(db(role))?;
    let keys = rows
        .iter()
        .map(|r| key_row(r).map_err(db(role)))
        .collect::<Result<Vec<_>>>()?;
    let rows = sqlx::query(
        "SELECT member, local_id, key_id, key_name, action, at FROM keyward.events \
         WHERE at > now() - make_interval(days => $1) ORDER BY at DESC",
    )
    .bind(i32::try_from(EVENTS_DAYS).unwrap_or(i32::MAX))
    .fetch_all(&mut *tx)
    .await
    .map_err(db(role))?;
    let events = rows
        .iter()
        .map(|r| {
            Ok(PulledEvent {
                member: r.try_get("member")?,
                local_id: r.try_get("local_id")?,
                key_id: r.try_get("key_id")?,
                key_name: r.try_get("key_name")?,
                action: r.try_get("action")?,
                at: r.try_get("at")?,
            })
        })
        .collect::<std::result::Result<Vec<_>, sqlx::Error>>()
        .map_err(db(role))?;
    tx.commit().await.map_err(db(role))?;
    Ok((keys, events))
}

fn key_row(r: &PgRow) -> std::result::Result<(TeamKeyRow, DateTime<Utc>), sqlx::Error> {
    let findings: serde_json::Value = r.try_get("findings")?;
    let row = TeamKeyRow {
        member: r.try_get("member")?,
        key_id: r.try_get("key_id")?,
        provider: r.try_get("provider")?,
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
        environment: r.try_get("environment")?,
        purpose: r.try_get("purpose")?,
        owner: r.try_get("owner")?,
        tags: r.try_get("tags")?,
        scopes: r.try_get("scopes")?,
        status: r.try_get("status")?,
        state: r.try_get("state")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        last_rotated_at: r.try_get("last_rotated_at")?,
        next_rotation_due: r.try_get("next_rotation_due")?,
        expires_at: r.try_get("expires_at")?,
        rotation: r.try_get("rotation")?,
        findings: serde_json::from_value(findings).map_err(|e| sqlx::Error::ColumnDecode {
            index: "findings".into(),
            source: Box::new(e),
        })?,
        hint: r.try_get("hint")?,
    };
    Ok((row, r.try_get("published_at")?))
}
