//! The store side of rotations: the `rotations` table. Every write is a compare-and-set on
//! the step the caller last saw (and on its lease), so two processes can never both advance
//! one rotation, and a step is committed before the side effect that follows it.

use super::{RotationError, RotationFilter, RotationFlavour, RotationRecord, RotationStep};
use crate::model::KeyRecord;
use crate::store::{insert_audit, parse_ts, ts, NewAuditEvent, Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

const COLUMNS: &str = "id, key_id, key_name, provider, flavour, step, token, remote_name, \
    old_remote_id, new_remote_id, old_fingerprint, new_fingerprint, scopes, grace_secs, revoke_after, \
    attempts, error_code, error_message, note, lease_owner, lease_until, created_at, updated_at, finished_at, \
    next_attempt_at";

const OPEN: &str = "step NOT IN ('done', 'failed', 'rolled_back')";

/// Why a journal write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Rotation(#[from] RotationError),
}

impl From<sqlx::Error> for JournalError {
    fn from(e: sqlx::Error) -> JournalError {
        JournalError::Store(StoreError::Database(e))
    }
}

impl From<JournalError> for crate::Error {
    fn from(e: JournalError) -> crate::Error {
        match e {
            JournalError::Store(s) => s.into(),
            JournalError::Rotation(r) => crate::Error::Rotation(r),
        }
    }
}

/// The rotation journal (one SQLite table next to the keys).
#[derive(Clone)]
pub struct RotationJournal {
    pool: SqlitePool,
    /// Told which key a step rewrote, after the commit (the in-memory catalog re-reads it).
    store: Store,
}

fn opt_ts(s: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    s.as_deref().map(parse_ts).transpose()
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("rotation {what} '{v}'"))
}

fn from_row(row: &SqliteRow) -> Result<RotationRecord, StoreError> {
    let id: String = row.try_get("id")?;
    let key_id: String = row.try_get("key_id")?;
    let flavour: String = row.try_get("flavour")?;
    let step: String = row.try_get("step")?;
    let scopes: String = row.try_get("scopes")?;
    Ok(RotationRecord {
        id: Uuid::parse_str(&id).map_err(|_| corrupt("id", &id))?,
        key_id: Uuid::parse_str(&key_id).map_err(|_| corrupt("key id", &key_id))?,
        key_name: row.try_get("key_name")?,
        provider: row.try_get("provider")?,
        flavour: RotationFlavour::parse(&flavour).ok_or_else(|| corrupt("flavour", &flavour))?,
        step: RotationStep::parse(&step).ok_or_else(|| corrupt("step", &step))?,
        token: row.try_get("token")?,
        remote_name: row.try_get("remote_name")?,
        old_remote_id: row.try_get("old_remote_id")?,
        new_remote_id: row.try_get("new_remote_id")?,
        old_fingerprint: row.try_get("old_fingerprint")?,
        new_fingerprint: row.try_get("new_fingerprint")?,
        scopes: serde_json::from_str(&scopes).map_err(|_| corrupt("scopes", &scopes))?,
        grace_secs: row.try_get("grace_secs")?,
        revoke_after: opt_ts(row.try_get("revoke_after")?)?,
        attempts: row.try_get("attempts")?,
        error_code: row.try_get("error_code")?,
        error_message: row.try_get("error_message")?,
        note: row.try_get("note")?,
        lease_owner: row.try_get("lease_owner")?,
        lease_until: opt_ts(row.try_get("lease_until")?)?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
        updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?)?,
        finished_at: opt_ts(row.try_get("finished_at")?)?,
        next_attempt_at: opt_ts(row.try_get("next_attempt_at")?)?,
    })
}

impl RotationJournal {
    pub fn new(store: &Store) -> RotationJournal {
        RotationJournal {
            pool: store.pool().clone(),
            store: store.clone(),
        }
    }

    /// Records a new rotation (step `planned`) with its audit event. Refuses a second
    /// unfinished rotation of the same key.
    pub async fn insert(
        &self,
        rec: &RotationRecord,
        event: Option<&NewAuditEvent>,
    ) -> Result<(), JournalError> {
        let mut tx = self.pool.begin().await?;
        let scopes =
            serde_json::to_string(&rec.scopes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let done = sqlx::query(&format!(
            "INSERT INTO rotations ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(rec.id.to_string())
        .bind(rec.key_id.to_string())
        .bind(&rec.key_name)
        .bind(&rec.provider)
        .bind(rec.flavour.as_str())
        .bind(rec.step.as_str())
        .bind(&rec.token)
        .bind(&rec.remote_name)
        .bind(&rec.old_remote_id)
        .bind(&rec.new_remote_id)
        .bind(&rec.old_fingerprint)
        .bind(&rec.new_fingerprint)
        .bind(scopes)
        .bind(rec.grace_secs)
        .bind(rec.revoke_after.map(ts))
        .bind(rec.attempts)
        .bind(&rec.error_code)
        .bind(&rec.error_message)
        .bind(&rec.note)
        .bind(&rec.lease_owner)
        .bind(rec.lease_until.map(ts))
        .bind(ts(rec.created_at))
        .bind(ts(rec.updated_at))
        .bind(rec.finished_at.map(ts))
        .bind(rec.next_attempt_at.map(ts))
        .execute(&mut *tx)
        .await;
        if let Err(e) = done {
            if let sqlx::Error::Database(db) = &e {
                if db.is_unique_violation() {
                    let step: Option<String> = sqlx::query_scalar(&format!(
                        "SELECT step FROM rotations WHERE key_id = ? AND {OPEN}"
                    ))
                    .bind(rec.key_id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
                    return Err(RotationError::InProgress {
                        key: rec.key_name.clone(),
                        step: step.unwrap_or_else(|| "unknown".into()),
                    }
                    .into());
                }
            }
            return Err(e.into());
        }
        if let Some(ev) = event {
            insert_audit(&mut *tx, ev, Utc::now()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Writes `rec` (every mutable field) if the stored row is still at `expected` and its
    /// lease is ours (or free); optionally updates the key record and appends audit events in
    /// the same transaction. Returns `WrongStep` when someone else moved it.
    pub async fn save(
        &self,
        rec: &RotationRecord,
        expected: RotationStep,
        key: Option<&KeyRecord>,
        events: &[NewAuditEvent],
    ) -> Result<(), JournalError> {
        let mut tx = self.pool.begin().await?;
        let scopes =
            serde_json::to_string(&rec.scopes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let done = sqlx::query(
            "UPDATE rotations SET step = ?, remote_name = ?, old_remote_id = ?, new_remote_id = ?, \
             old_fingerprint = ?, new_fingerprint = ?, scopes = ?, grace_secs = ?, revoke_after = ?, \
             attempts = ?, error_code = ?, error_message = ?, note = ?, key_name = ?, updated_at = ?, \
             finished_at = ?, next_attempt_at = ? \
             WHERE id = ? AND step = ? AND (lease_owner IS NULL OR lease_owner = ?)",
        )
        .bind(rec.step.as_str())
        .bind(&rec.remote_name)
        .bind(&rec.old_remote_id)
        .bind(&rec.new_remote_id)
        .bind(&rec.old_fingerprint)
        .bind(&rec.new_fingerprint)
        .bind(scopes)
        .bind(rec.grace_secs)
        .bind(rec.revoke_after.map(ts))
        .bind(rec.attempts)
        .bind(&rec.error_code)
        .bind(&rec.error_message)
        .bind(&rec.note)
        .bind(&rec.key_name)
        .bind(ts(rec.updated_at))
        .bind(rec.finished_at.map(ts))
        .bind(rec.next_attempt_at.map(ts))
        .bind(rec.id.to_string())
        .bind(expected.as_str())
        .bind(rec.lease_owner.as_deref().unwrap_or(""))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let now: Option<String> = sqlx::query_scalar("SELECT step FROM rotations WHERE id = ?")
                .bind(rec.id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            return Err(match now {
                None => RotationError::NotFound(rec.id.to_string()),
                Some(step) => RotationError::WrongStep {
                    step,
                    wanted: format!("move from {} to {}", expected.as_str(), rec.step.as_str()),
                },
            }
            .into());
        }
        if let Some(k) = key {
            Store::update_key_in(&mut tx, k).await?;
        }
        for ev in events {
            insert_audit(&mut *tx, ev, Utc::now()).await?;
        }
        tx.commit().await?;
        // The in-memory catalog re-reads the key this step rewrote.
        self.store.note_keys_written(key.map(|k| k.id));
        Ok(())
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<RotationRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM rotations WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The unfinished rotation of a key, if any.
    pub async fn open_for_key(&self, key_id: Uuid) -> Result<Option<RotationRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rotations WHERE key_id = ? AND {OPEN}"
        ))
        .bind(key_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every unfinished rotation (one indexed query; empty when there is nothing to recover).
    pub async fn open(&self) -> Result<Vec<RotationRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rotations WHERE {OPEN} ORDER BY created_at"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Newest first.
    pub async fn list(&self, filter: &RotationFilter) -> Result<Vec<RotationRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rotations WHERE (?1 IS NULL OR key_id = ?1) \
             AND (NOT ?2 OR {OPEN}) ORDER BY created_at DESC, id LIMIT ?3"
        ))
        .bind(filter.key_id.map(|k| k.to_string()))
        .bind(filter.open_only)
        .bind(filter.limit.unwrap_or(1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Takes the lease if it is free, expired, held by a dead process (`owner_dead`), or ours.
    /// Returns the row as it is now (lease ours), or `Leased` with the holder.
    pub async fn acquire_lease(
        &self,
        id: Uuid,
        owner: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
        owner_dead: impl Fn(&str) -> bool,
    ) -> Result<RotationRecord, JournalError> {
        let current = self
            .get(id)
            .await?
            .ok_or_else(|| RotationError::NotFound(id.to_string()))?;
        let taken_by_other = match (&current.lease_owner, current.lease_until) {
            (Some(o), Some(t)) => o != owner && t > now && !owner_dead(o),
            _ => false,
        };
        if taken_by_other {
            return Err(RotationError::Leased {
                owner: current
                    .lease_owner
                    .as_deref()
                    .and_then(|o| o.split(':').nth(1))
                    .unwrap_or("?")
                    .to_owned(),
            }
            .into());
        }
        // Compare-and-set on the holder we saw, so two processes racing for it cannot both win.
        let done = sqlx::query(
            "UPDATE rotations SET lease_owner = ?, lease_until = ? WHERE id = ? \
             AND COALESCE(lease_owner, '') = ? AND COALESCE(lease_until, '') = ?",
        )
        .bind(owner)
        .bind(ts(until))
        .bind(id.to_string())
        .bind(current.lease_owner.clone().unwrap_or_default())
        .bind(current.lease_until.map(ts).unwrap_or_default())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(RotationError::Leased {
                owner: "another process".into(),
            }
            .into());
        }
        let mut rec = current;
        rec.lease_owner = Some(owner.to_owned());
        rec.lease_until = Some(until);
        Ok(rec)
    }

    /// Extends our lease (heartbeat). False when it is no longer ours.
    pub async fn renew_lease(
        &self,
        id: Uuid,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE rotations SET lease_until = ? WHERE id = ? AND lease_owner = ?")
                .bind(ts(until))
                .bind(id.to_string())
                .bind(owner)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// When start-up recovery may try this rotation again (`None`: at once). A scheduling
    /// hint only, so no compare-and-set on the step.
    pub async fn set_next_attempt(
        &self,
        id: Uuid,
        at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE rotations SET next_attempt_at = ? WHERE id = ?")
            .bind(at.map(ts))
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn release_lease(&self, id: Uuid, owner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE rotations SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
        )
        .bind(id.to_string())
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
