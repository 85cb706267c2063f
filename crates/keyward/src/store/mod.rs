//! The inventory store: one SQLite file (WAL, foreign keys, embedded migrations).
//! Holds metadata, environments, settings and the audit trail — never a secret.

use crate::connection::Connection;
use crate::model::{
    AuditEvent, Environment, KeyFilter, KeyRecord, KeyRole, KeyStatus, KeyUsage, VerifyOutcome,
};
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqlitePool};
use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("inventory database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("inventory migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("a key named '{name}' already exists in environment '{environment}'")]
    DuplicateName { environment: String, name: String },
    #[error("environment '{0}' still holds keys; move or remove them first")]
    EnvironmentInUse(String),
    #[error("a connection named '{0}' already exists")]
    DuplicateConnection(String),
    #[error("corrupt inventory row: {0}")]
    Corrupt(String),
    #[error("an in-memory inventory cannot be watched for changes")]
    NotWatchable,
}

/// An audit entry to append together with a change.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub actor: String,
    pub action: &'static str,
    pub key_id: Option<Uuid>,
    pub key_name: Option<String>,
    pub detail: String,
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// The database file (`None` in memory), for [`Store::watch`]'s own connection.
    path: Option<std::path::PathBuf>,
    /// Transactions this process committed, counted by a commit hook on every pool
    /// connection: [`watch::ChangeWatch`] tells them from other processes' changes.
    own_commits: Arc<AtomicU64>,
    /// Keys (and environments) this process's committed writes changed since the in-memory
    /// catalog last looked (`crate::inventory::catalog`): it re-reads just those rows.
    written: Arc<Mutex<Written>>,
}

/// What this process changed since [`Store::take_written`] was last called.
#[derive(Debug, Default)]
pub(crate) struct Written {
    pub keys: HashSet<Uuid>,
    /// The environments' order changed (keys sort by it).
    pub environments: bool,
}

pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp '{s}': {e}")))
}

fn parse_opt_ts(s: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    s.as_deref().map(parse_ts).transpose()
}

fn map_unique(err: sqlx::Error, rec: &KeyRecord) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::DuplicateName {
            environment: rec.environment.clone(),
            name: rec.name.clone(),
        },
        _ => StoreError::Database(err),
    }
}

const KEY_COLUMNS: &str = "k.id, k.provider, k.kind, k.name, k.environment, k.purpose, k.owner, \
    k.tags, k.scopes, k.remote_id, k.env_var, k.created_at, k.last_rotated_at, k.last_used_at, \
    k.last_verified_at, k.expires_at, k.status, k.fingerprint, k.masked_hint, k.updated_at, k.connection_id, k.verify_outcome, k.verify_detail, k.usage, k.region, k.role";

/// Every column but `id` and `role`, in the order [`bind_record`] binds them. `role` is written
/// on insert and by connection changes only, so no metadata update can turn an admin key into
/// an ordinary one.
const RECORD_FIELDS: &str = "provider, kind, name, environment, purpose, owner, tags, scopes, remote_id, \
    env_var, created_at, last_rotated_at, last_used_at, last_verified_at, expires_at, status, fingerprint, \
    masked_hint, updated_at, connection_id, verify_outcome, verify_detail, usage, region";
const RECORD_FIELD_COUNT: usize = 24;

type SqliteQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

fn bind_record<'q>(
    query: SqliteQuery<'q>,
    rec: &'q KeyRecord,
) -> Result<SqliteQuery<'q>, StoreError> {
    let json =
        |v: &Vec<String>| serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()));
    Ok(query
        .bind(&rec.provider)
        .bind(&rec.kind)
        .bind(&rec.name)
        .bind(&rec.environment)
        .bind(&rec.purpose)
        .bind(&rec.owner)
        .bind(json(&rec.tags)?)
        .bind(json(&rec.scopes)?)
        .bind(&rec.remote_id)
        .bind(&rec.env_var)
        .bind(ts(rec.created_at))
        .bind(rec.last_rotated_at.map(ts))
        .bind(rec.last_used_at.map(ts))
        .bind(rec.last_verified_at.map(ts))
        .bind(rec.expires_at.map(ts))
        .bind(rec.status.as_str())
        .bind(&rec.fingerprint)
        .bind(&rec.masked_hint)
        .bind(ts(rec.updated_at))
        .bind(rec.connection_id.map(|c| c.to_string()))
        .bind(rec.verify_outcome.map(|o| o.as_str()))
        .bind(&rec.verify_detail)
        .bind(rec.usage.map(|u| u.as_str()))
        .bind(&rec.region))
}

/// Environments named by a key exist (appended after the configured ones).
async fn ensure_environment(tx: &mut sqlx::SqliteConnection, name: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT OR IGNORE INTO environments (name, position) \
         VALUES (?, (SELECT COALESCE(MAX(position), -1) + 1 FROM environments))",
    )
    .bind(name)
    .execute(tx)
    .await?;
    Ok(())
}

fn key_from_row(row: &SqliteRow) -> Result<KeyRecord, StoreError> {
    let id: String = row.try_get("id")?;
    let status: String = row.try_get("status")?;
    let tags: String = row.try_get("tags")?;
    let scopes: String = row.try_get("scopes")?;
    let json = |what: &str, s: &str| -> Result<Vec<String>, StoreError> {
        serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what} of {id}: {e}")))
    };
    Ok(KeyRecord {
        id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(format!("id '{id}': {e}")))?,
        provider: row.try_get("provider")?,
        kind: row.try_get("kind")?,
        name: row.try_get("name")?,
        environment: row.try_get("environment")?,
        purpose: row.try_get("purpose")?,
        owner: row.try_get("owner")?,
        tags: json("tags", &tags)?,
        scopes: json("scopes", &scopes)?,
        remote_id: row.try_get("remote_id")?,
        env_var: row.try_get("env_var")?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
        last_rotated_at: parse_opt_ts(row.try_get("last_rotated_at")?)?,
        last_used_at: parse_opt_ts(row.try_get("last_used_at")?)?,
        last_verified_at: parse_opt_ts(row.try_get("last_verified_at")?)?,
        expires_at: parse_opt_ts(row.try_get("expires_at")?)?,
        status: KeyStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status '{status}' of {id}")))?,
        fingerprint: row.try_get("fingerprint")?,
        masked_hint: row.try_get("masked_hint")?,
        updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?)?,
        connection_id: row
            .try_get::<Option<String>, _>("connection_id")?
            .map(|c| {
                Uuid::parse_str(&c)
                    .map_err(|e| StoreError::Corrupt(format!("connection of {id}: {e}")))
            })
            .transpose()?,
        verify_outcome: match row.try_get::<Option<String>, _>("verify_outcome")? {
            None => None,
            Some(o) => Some(
                VerifyOutcome::parse(&o)
                    .ok_or_else(|| StoreError::Corrupt(format!("verify outcome of {id}: '{o}'")))?,
            ),
        },
        verify_detail: row.try_get("verify_detail")?,
        usage: match row.try_get::<Option<String>, _>("usage")? {
            None => None,
            Some(u) => Some(
                KeyUsage::parse(&u)
                    .ok_or_else(|| StoreError::Corrupt(format!("usage '{u}' of {id}")))?,
            ),
        },
        region: row.try_get("region")?,
        role: {
            let role: String = row.try_get("role")?;
            KeyRole::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("role '{role}' of {id}")))?
        },
    })
}

/// [`KEY_COLUMNS`] as JSON values for [`Store::load_all_keys`]. Tags and scopes stay text
/// (parsed per row like `key_from_row` does): SQLite's `json()` on them cost more than that.
const JSON_COLUMNS: &str = "k.id, k.provider, k.kind, k.name, k.environment, k.purpose, k.owner, \
    k.tags, k.scopes, k.remote_id, k.env_var, k.created_at, k.last_rotated_at, k.last_used_at, \
    k.last_verified_at, k.expires_at, k.status, k.fingerprint, k.masked_hint, k.updated_at, k.connection_id, \
    k.verify_outcome, k.verify_detail, k.usage, k.region, k.role";

/// One key as [`JSON_COLUMNS`] produce it (a JSON array, in that order).
#[derive(serde::Deserialize)]
struct JsonKeyRow<'a>(
    #[serde(borrow)] std::borrow::Cow<'a, str>,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    #[serde(borrow)] std::borrow::Cow<'a, str>,
    #[serde(borrow)] std::borrow::Cow<'a, str>,
    Option<String>,
    String,
    #[serde(borrow)] std::borrow::Cow<'a, str>,
    #[serde(borrow)] Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)] Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)] Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)] Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)] std::borrow::Cow<'a, str>,
    Option<String>,
    String,
    #[serde(borrow)] std::borrow::Cow<'a, str>,
    #[serde(borrow)] Option<std::borrow::Cow<'a, str>>,
    Option<String>,
    Option<String>,
    #[serde(borrow)] Option<std::borrow::Cow<'a, str>>,
    Option<String>,
    #[serde(borrow)] std::borrow::Cow<'a, str>,
);

impl JsonKeyRow<'_> {
    fn into_record(self) -> Result<KeyRecord, StoreError> {
        let JsonKeyRow(
            id,
            provider,
            kind,
            name,
            environment,
            purpose,
            owner,
            tags,
            scopes,
            remote_id,
            env_var,
            created_at,
            last_rotated_at,
            last_used_at,
            last_verified_at,
            expires_at,
            status,
            fingerprint,
            masked_hint,
            updated_at,
            connection_id,
            verify_outcome,
            verify_detail,
            usage,
            region,
            role,
        ) = self;
        let opt = |s: Option<std::borrow::Cow<'_, str>>| s.as_deref().map(parse_ts).transpose();
        let json = |what: &str, s: &str| -> Result<Vec<String>, StoreError> {
            serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what} of {id}: {e}")))
        };
        let tags = json("tags", &tags)?;
        let scopes = json("scopes", &scopes)?;
        Ok(KeyRecord {
            id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(format!("id '{id}': {e}")))?,
            provider,
            kind,
            name,
            environment,
            purpose,
            owner,
            tags,
            scopes,
            remote_id,
            env_var,
            created_at: parse_ts(&created_at)?,
            last_rotated_at: opt(last_rotated_at)?,
            last_used_at: opt(last_used_at)?,
            last_verified_at: opt(last_verified_at)?,
            expires_at: opt(expires_at)?,
            status: KeyStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("status '{status}' of {id}")))?,
            fingerprint,
            masked_hint,
            updated_at: parse_ts(&updated_at)?,
            connection_id: connection_id
                .map(|c| {
                    Uuid::parse_str(&c)
                        .map_err(|e| StoreError::Corrupt(format!("connection of {id}: {e}")))
                })
                .transpose()?,
            verify_outcome: match verify_outcome {
                None => None,
                Some(o) => Some(VerifyOutcome::parse(&o).ok_or_else(|| {
                    StoreError::Corrupt(format!("verify outcome of {id}: '{o}'"))
                })?),
            },
            verify_detail,
            usage: match usage {
                None => None,
                Some(u) => Some(
                    KeyUsage::parse(&u)
                        .ok_or_else(|| StoreError::Corrupt(format!("usage '{u}' of {id}")))?,
                ),
            },
            region,
            role: KeyRole::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("role '{role}' of {id}")))?,
        })
    }
}

fn audit_from_row(row: &SqliteRow) -> Result<AuditEvent, StoreError> {
    let key_id: Option<String> = row.try_get("key_id")?;
    Ok(AuditEvent {
        id: row.try_get("id")?,
        at: parse_ts(&row.try_get::<String, _>("at")?)?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        key_id: key_id.as_deref().and_then(|s| Uuid::parse_str(s).ok()),
        key_name: row.try_get("key_name")?,
        detail: row.try_get("detail")?,
    })
}

pub(crate) async fn insert_audit<'e, E>(
    exec: E,
    event: &NewAuditEvent,
    at: DateTime<Utc>,
) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    sqlx::query(
        "INSERT INTO audit_events (at, actor, action, key_id, key_name, detail) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(ts(at))
    .bind(&event.actor)
    .bind(event.action)
    .bind(event.key_id.map(|id| id.to_string()))
    .bind(&event.key_name)
    .bind(&event.detail)
    .execute(exec)
    .await?;
    Ok(())
}

/// The collation `key_page` orders by: the window's text order (`list_order::compare_text`).
const DISPLAY_COLLATION: &str = "keyward_display";

impl Store {
    /// Opens (creating if missing) the inventory file and runs pending migrations.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // 512 KiB of page cache per pooled connection instead of SQLite's 2 MB: the
            // inventory is read whole once into memory (issue 14), then queried by key, so the
            // default only held the load's pages (5 MB at 10,000 keys, measured with heaptrack).
            .pragma("cache_size", "-512")
            .collation(DISPLAY_COLLATION, crate::list_order::compare_text);
        let own_commits = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&own_commits);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                let counter = Arc::clone(&counter);
                Box::pin(async move {
                    conn.lock_handle().await?.set_commit_hook(move || {
                        counter.fetch_add(1, Ordering::SeqCst);
                        true // go ahead with the commit
                    });
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let mut store = Store::migrate(pool).await?;
        store.path = Some(path.to_owned());
        store.own_commits = own_commits;
        Ok(store)
    }

    /// Watches for changes other processes commit (`keyward add` in a terminal); see
    /// [`watch::ChangeWatch`]. Not for an in-memory store, which no other process can reach.
    pub async fn watch(&self) -> Result<watch::ChangeWatch, StoreError> {
        let path = self.path.as_deref().ok_or(StoreError::NotWatchable)?;
        watch::ChangeWatch::open(path, Arc::clone(&self.own_commits)).await
    }

    /// A private in-memory inventory (tests, benchmarks).
    pub async fn open_in_memory() -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?
            .foreign_keys(true)
            .collation(DISPLAY_COLLATION, crate::list_order::compare_text);
        // One connection that never closes: each new `:memory:` connection is a new database.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Store::migrate(pool).await
    }

    async fn migrate(pool: SqlitePool) -> Result<Store, StoreError> {
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store {
            pool,
            path: None,
            own_commits: Arc::default(),
            written: Arc::default(),
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Records keys a committed write changed (call after the commit: the catalog re-reads
    /// them, and must see the new rows). For writes in a caller's transaction
    /// ([`Store::update_key_in`]) the caller calls this after its commit.
    pub(crate) fn note_keys_written(&self, ids: impl IntoIterator<Item = Uuid>) {
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        written.keys.extend(ids);
    }

    fn note_environments_written(&self) {
        self.written
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .environments = true;
    }

    /// What this process changed since the last call (and forgets it).
    pub(crate) fn take_written(&self) -> Written {
        std::mem::take(&mut *self.written.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Replaces a key's metadata inside a caller's transaction (no audit event: the caller
    /// appends its own). Missing → RowNotFound.
    pub(crate) async fn update_key_in(
        tx: &mut sqlx::SqliteConnection,
        rec: &KeyRecord,
    ) -> Result<(), StoreError> {
        ensure_environment(tx, &rec.environment).await?;
        let sql = format!(
            "UPDATE keys SET ({RECORD_FIELDS}) = ({}) WHERE id = ?",
            vec!["?"; RECORD_FIELD_COUNT].join(", ")
        );
        let done = bind_record(sqlx::query(&sql), rec)?
            .bind(rec.id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(|e| map_unique(e, rec))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Database(sqlx::Error::RowNotFound));
        }
        Ok(())
    }

    /// Latest applied migration version (the schema version).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(v.unwrap_or(0))
    }

    pub async fn sqlite_version(&self) -> Result<String, StoreError> {
        Ok(sqlx::query_scalar("SELECT sqlite_version()")
            .fetch_one(&self.pool)
            .await?)
    }

    // ---- keys ----

    /// Inserts keys and their audit events in one transaction: all or nothing.
    pub async fn insert_keys(
        &self,
        records: &[KeyRecord],
        events: &[NewAuditEvent],
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        let mut tx = self.pool.begin().await?;
        for rec in records {
            ensure_environment(&mut tx, &rec.environment).await?;
            let sql = format!(
                "INSERT INTO keys ({RECORD_FIELDS}, id, role) VALUES ({}?, ?)",
                "?, ".repeat(RECORD_FIELD_COUNT)
            );
            bind_record(sqlx::query(&sql), rec)?
                .bind(rec.id.to_string())
                .bind(rec.role.as_str())
                .execute(&mut *tx)
                .await
                .map_err(|e| map_unique(e, rec))?;
        }
        for event in events {
            insert_audit(&mut *tx, event, now).await?;
        }
        tx.commit().await?;
        self.note_keys_written(records.iter().map(|r| r.id));
        Ok(())
    }

    /// Replaces a key's metadata (by id) and appends the audit event, atomically.
    pub async fn update_key(
        &self,
        rec: &KeyRecord,
        event: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        ensure_environment(&mut tx, &rec.environment).await?;
        let sql = format!(
            "UPDATE keys SET ({RECORD_FIELDS}) = ({}) WHERE id = ?",
            vec!["?"; RECORD_FIELD_COUNT].join(", ")
        );
        let done = bind_record(sqlx::query(&sql), rec)?
            .bind(rec.id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(|e| map_unique(e, rec))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Database(sqlx::Error::RowNotFound));
        }
        insert_audit(&mut *tx, event, Utc::now()).await?;
        tx.commit().await?;
        self.note_keys_written([rec.id]);
        Ok(())
    }

    /// Deletes a key record and appends the audit event, atomically. Missing → RowNotFound.
    pub async fn delete_key(&self, id: Uuid, event: &NewAuditEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM keys WHERE id = ?")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Database(sqlx::Error::RowNotFound));
        }
        insert_audit(&mut *tx, event, Utc::now()).await?;
        tx.commit().await?;
        self.note_keys_written([id]);
        Ok(())
    }

    pub async fn get_key(&self, id: Uuid) -> Result<Option<KeyRecord>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM keys k WHERE k.id = ?");
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(key_from_row).transpose()
    }

    /// Keys a user's reference may mean: exact id, id prefix (≥ 4 hex chars), or exact name.
    pub async fn find_keys(&self, reference: &str) -> Result<Vec<KeyRecord>, StoreError> {
        let lowered = reference.to_ascii_lowercase();
        let prefix_ok =
            lowered.len() >= 4 && lowered.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM keys k WHERE k.id = ?1 OR (?2 AND k.id LIKE ?3 ESCAPE '\\') OR k.name = ?4 \
             ORDER BY k.environment, k.name"
        );
        let rows = sqlx::query(&sql)
            .bind(&lowered)
            .bind(prefix_ok)
            .bind(format!("{lowered}%"))
            .bind(reference)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Keys matching the filter, in display order: environment position, purpose, name.
    pub async fn list_keys(&self, filter: &KeyFilter) -> Result<Vec<KeyRecord>, StoreError> {
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM keys k LEFT JOIN environments e ON e.name = k.environment \
             WHERE (?1 IS NULL OR k.environment = ?1) \
               AND (?2 IS NULL OR k.provider = ?2) \
               AND (?3 IS NULL OR instr(lower(k.purpose), lower(?3)) > 0) \
               AND (?4 IS NULL OR k.status = ?4) \
               AND (?5 IS NULL OR instr(lower(k.name || char(31) || k.purpose || char(31) || COALESCE(k.owner, '') \
                    || char(31) || k.provider || char(31) || k.tags), lower(?5)) > 0) \
             ORDER BY COALESCE(e.position, 1000000), k.environment, k.purpose COLLATE NOCASE, k.name COLLATE NOCASE"
        );
        let rows = sqlx::query(&sql)
            .bind(&filter.environment)
            .bind(&filter.provider)
            .bind(&filter.purpose)
            .bind(filter.status.map(|s| s.as_str()))
            .bind(&filter.text)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Keys `offset..offset + limit` in the window's display order
    /// ([`crate::list_order::display_order`]): the first page without reading every row
    /// (issue 14). Same order: configured environments by position (ties by name), other
    /// environments, purposes (the empty one last) and names by `compare_text` (a collation
    /// registered on every connection), then id (stored as lower-case text: byte order).
    pub async fn key_page(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<KeyRecord>, StoreError> {
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM keys k LEFT JOIN environments e ON e.name = k.environment \
             ORDER BY e.position IS NULL, e.position, e.name, \
               k.environment COLLATE {DISPLAY_COLLATION}, k.purpose = '', \
               k.purpose COLLATE {DISPLAY_COLLATION}, k.name COLLATE {DISPLAY_COLLATION}, k.id \
             LIMIT ?1 OFFSET ?2"
        );
        let rows = sqlx::query(&sql)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Keys holding any of these value fingerprints (the reuse rule for a page of keys).
    pub async fn keys_by_fingerprints(
        &self,
        fingerprints: &[&str],
    ) -> Result<Vec<KeyRecord>, StoreError> {
        let mut out = Vec::new();
        for chunk in fingerprints.chunks(500) {
            let sql = format!(
                "SELECT {KEY_COLUMNS} FROM keys k WHERE k.fingerprint IN ({})",
                vec!["?"; chunk.len()].join(", ")
            );
            let mut query = sqlx::query(&sql);
            for fingerprint in chunk {
                query = query.bind(*fingerprint);
            }
            for row in &query.fetch_all(&self.pool).await? {
                out.push(key_from_row(row)?);
            }
        }
        Ok(out)
    }

    /// Every key, for the in-memory catalog: one JSON text per 16k rows (a rowid range, so
    /// the text stays bounded) parsed by serde_json, instead of one sqlx row per key —
    /// sqlx-sqlite costs 13–40 µs a row (see docs/BENCHMARKS.md, "In-memory inventory").
    /// Unordered: the catalog sorts.
    pub async fn load_all_keys(&self) -> Result<Vec<KeyRecord>, StoreError> {
        const CHUNK: i64 = 1 << 14;
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(rowid) FROM keys")
            .fetch_one(&self.pool)
            .await?;
        let sql = format!(
            "SELECT json_group_array(json_array({JSON_COLUMNS})) FROM keys k \
             WHERE k.rowid >= ?1 AND k.rowid < ?2"
        );
        let mut out = Vec::new();
        let mut from = 0;
        while from <= last.unwrap_or(-1) {
            let chunk: String = sqlx::query_scalar(&sql)
                .bind(from)
                .bind(from + CHUNK)
                .fetch_one(&self.pool)
                .await?;
            let rows: Vec<JsonKeyRow<'_>> = serde_json::from_str(&chunk)
                .map_err(|e| StoreError::Corrupt(format!("bulk key rows: {e}")))?;
            out.reserve(rows.len());
            for row in rows {
                out.push(row.into_record()?);
            }
            from += CHUNK;
        }
        Ok(out)
    }

    /// The keys with these ids that exist (the catalog's re-read after a write).
    pub async fn keys_by_ids(&self, ids: &[Uuid]) -> Result<Vec<KeyRecord>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        // SQLite's default limit is 32,766 host parameters; stay well below it.
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT {KEY_COLUMNS} FROM keys k WHERE k.id IN ({})",
                vec!["?"; chunk.len()].join(", ")
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.to_string());
            }
            let rows = query.fetch_all(&self.pool).await?;
            for row in &rows {
                out.push(key_from_row(row)?);
            }
        }
        Ok(out)
    }

    /// Keys holding this value fingerprint (the reuse rule for one key).
    pub async fn keys_by_fingerprint(
        &self,
        fingerprint: &str,
    ) -> Result<Vec<KeyRecord>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM keys k WHERE k.fingerprint = ?");
        let rows = sqlx::query(&sql)
            .bind(fingerprint)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// One subject's acknowledgements, lapsed ones included (one key's findings).
    pub async fn acknowledgements_of(
        &self,
        subject: &str,
    ) -> Result<Vec<crate::findings::Acknowledgement>, StoreError> {
        let rows = sqlx::query(
            "SELECT subject, kind, reason, acknowledged_by, acknowledged_at, until \
             FROM finding_acknowledgements WHERE subject = ? ORDER BY kind",
        )
        .bind(subject)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(crate::findings::Acknowledgement {
                    subject: r.try_get("subject")?,
                    kind: crate::findings::FindingKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("finding kind '{kind}'")))?,
                    reason: r.try_get("reason")?,
                    acknowledged_by: r.try_get("acknowledged_by")?,
                    acknowledged_at: parse_ts(&r.try_get::<String, _>("acknowledged_at")?)?,
                    until: parse_ts(&r.try_get::<String, _>("until")?)?,
                })
            })
            .collect()
    }

    /// Benchmark baseline: fetches every key row with all columns, without decoding them.
    #[doc(hidden)]
    pub async fn raw_row_count_for_bench(&self) -> Result<usize, StoreError> {
        let sql =
            format!("SELECT {KEY_COLUMNS} FROM keys k ORDER BY k.environment, k.purpose, k.name");
        Ok(sqlx::query(&sql).fetch_all(&self.pool).await?.len())
    }

    pub async fn count_keys(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM keys")
            .fetch_one(&self.pool)
            .await?)
    }

    // ---- audit ----

    pub async fn append_audit(&self, event: &NewAuditEvent) -> Result<(), StoreError> {
        insert_audit(&self.pool, event, Utc::now()).await
    }

    /// Newest first; one key's trail or everything.
    pub async fn list_audit(
        &self,
        key_id: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, key_id, key_name, detail FROM audit_events \
             WHERE (?1 IS NULL OR key_id = ?1) ORDER BY id DESC LIMIT ?2",
        )
        .bind(key_id.map(|id| id.to_string()))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    // ---- environments ----

    pub async fn environments(&self) -> Result<Vec<Environment>, StoreError> {
        let rows = sqlx::query("SELECT name, position FROM environments ORDER BY position, name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Environment {
                    name: r.try_get("name")?,
                    position: r.try_get("position")?,
                })
            })
            .collect()
    }

    /// Sets the environments and their order; an environment that still holds keys cannot
    /// be dropped.
    pub async fn set_environments(
        &self,
        names: &[String],
        event: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let in_use: Vec<String> = sqlx::query_scalar("SELECT DISTINCT environment FROM keys")
            .fetch_all(&mut *tx)
            .await?;
        if let Some(missing) = in_use.iter().find(|e| !names.contains(e)) {
            return Err(StoreError::EnvironmentInUse(missing.clone()));
        }
        // Park positions out of the way, then upsert the new order and drop the rest.
        sqlx::query("UPDATE environments SET position = position + 1000000")
            .execute(&mut *tx)
            .await?;
        for (position, name) in names.iter().enumerate() {
            sqlx::query("INSERT INTO environments (name, position) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET position = ?2")
                .bind(name)
                .bind(position as i64)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM environments WHERE position >= 1000000")
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut *tx, event, Utc::now()).await?;
        tx.commit().await?;
        self.note_environments_written();
        Ok(())
    }

    // ---- settings ----

    pub async fn setting(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn set_setting(
        &self,
        name: &str,
        value: &str,
        event: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = ?2")
            .bind(name)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut *tx, event, Utc::now()).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- connections ----

    pub async fn insert_connection(
        &self,
        c: &Connection,
        event: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO connections (id, name, provider, base_url, admin_key_id, options, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(c.id.to_string())
        .bind(&c.name)
        .bind(&c.provider)
        .bind(&c.base_url)
        .bind(c.admin_key_id.map(|k| k.to_string()))
        .bind(serde_json::to_string(&c.options).map_err(|e| StoreError::Corrupt(e.to_string()))?)
        .bind(ts(c.created_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::DuplicateConnection(c.name.clone()),
            _ => StoreError::Database(e),
        })?;
        if let Some(admin) = c.admin_key_id {
            sqlx::query("UPDATE keys SET connection_id = ?, role = ? WHERE id = ?")
                .bind(c.id.to_string())
                .bind(KeyRole::ConnectionAdmin.as_str())
                .bind(admin.to_string())
                .execute(&mut *tx)
                .await?;
        }
        insert_audit(&mut *tx, event, Utc::now()).await?;
        tx.commit().await?;
        self.note_keys_written(c.admin_key_id);
        Ok(())
    }

    pub async fn connections(&self) -> Result<Vec<Connection>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, provider, base_url, admin_key_id, options, created_at FROM connections ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let admin: Option<String> = r.try_get("admin_key_id")?;
                let options: String = r.try_get("options")?;
                Ok(Connection {
                    id: Uuid::parse_str(&id)
                        .map_err(|e| StoreError::Corrupt(format!("connection id: {e}")))?,
                    name: r.try_get("name")?,
                    provider: r.try_get("provider")?,
                    base_url: r.try_get("base_url")?,
                    admin_key_id: admin.as_deref().and_then(|a| Uuid::parse_str(a).ok()),
                    options: serde_json::from_str(&options)
                        .map_err(|e| StoreError::Corrupt(format!("connection options: {e}")))?,
                    created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
                })
            })
            .collect()
    }

    /// Removes a connection; its keys stay (their `connection_id` becomes NULL). Its admin key
    /// keeps the `connection_admin` role: the token can still manage keys at the provider.
    pub async fn delete_connection(
        &self,
        id: Uuid,
        event: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // Its keys lose their `connection_id` (ON DELETE SET NULL): the catalog re-reads them.
        let served: Vec<String> = sqlx::query_scalar("SELECT id FROM keys WHERE connection_id = ?")
            .bind(id.to_string())
            .fetch_all(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM connections WHERE id = ?")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Database(sqlx::Error::RowNotFound));
        }
        insert_audit(&mut *tx, event, Utc::now()).await?;
        tx.commit().await?;
        self.note_keys_written(served.iter().filter_map(|s| Uuid::parse_str(s).ok()));
        Ok(())
    }

    // ---- custom providers ----

    pub async fn custom_provider_specs(&self) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT spec FROM custom_providers ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn insert_custom_provider(
        &self,
        id: &str,
        spec_json: &str,
        event: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO custom_providers (id, spec, created_at) VALUES (?, ?, ?)")
            .bind(id)
            .bind(spec_json)
            .bind(ts(Utc::now()))
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut *tx, event, Utc::now()).await?;
        tx.commit().await?;
        Ok(())
    }
}

mod acknowledgements;
mod ids;
mod rotations;
pub use rotations::{RotationInsert, RotationSave};
pub mod team;
pub mod watch;

#[cfg(test)]
mod tests;
