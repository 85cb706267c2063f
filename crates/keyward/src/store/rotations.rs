//! The `rotations` table (the rotation journal's rows) and the rotation history read from the
//! audit trail. Only SQL and row decoding live here; what a lost compare-and-set means (a
//! rotation in progress, a wrong step, a taken lease) is decided in `rotation::journal`.

use super::{insert_audit, parse_ts, ts, NewAuditEvent, Store, StoreError};
use crate::ids::{KeyId, RotationId};
use crate::model::KeyRecord;
use crate::rotation::{RotationFilter, RotationFlavour, RotationRecord, RotationStep};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use uuid::Uuid;

const COLUMNS: &str = "id, key_id, key_name, provider, flavour, step, token, remote_name, \
    old_remote_id, new_remote_id, old_fingerprint, new_fingerprint, scopes, grace_secs, revoke_after, \
    attempts, error_code, error_message, note, lease_owner, lease_until, created_at, updated_at, finished_at, \
    next_attempt_at";

const OPEN: &str = "step NOT IN ('done', 'failed', 'rolled_back')";

/// What [`Store::insert_rotation`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationInsert {
    Inserted,
    /// The key already has an unfinished rotation, at this step (`None`: it finished meanwhile).
    KeyBusy {
        step: Option<String>,
    },
}

/// What [`Store::save_rotation`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationSave {
    Saved,
    /// No such rotation.
    Missing,
    /// The row is not at the expected step (or its lease is someone else's); it is at this one.
    Moved {
        step: String,
    },
}

fn opt_ts(s: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    s.as_deref().map(parse_ts).transpose()
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("rotation {what} '{v}'"))
}

fn from_row(row: &SqliteRow) -> Result<RotationRecord, StoreError> {
    let flavour: String = row.try_get("flavour")?;
    let step: String = row.try_get("step")?;
    let scopes: String = row.try_get("scopes")?;
    Ok(RotationRecord {
        id: row.try_get::<RotationId, _>("id")?.into(),
        key_id: row.try_get::<KeyId, _>("key_id")?.into(),
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

impl Store {
    /// Records a new rotation with its audit event; at most one unfinished rotation per key
    /// (a unique index), else `KeyBusy` and nothing is written.
    pub async fn insert_rotation(
        &self,
        rec: &RotationRecord,
        event: Option<&NewAuditEvent>,
    ) -> Result<RotationInsert, StoreError> {
        let mut tx = self.pool.begin().await?;
        let scopes =
            serde_json::to_string(&rec.scopes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let done = sqlx::query(&format!(
            "INSERT INTO rotations ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(RotationId::from(rec.id))
        .bind(KeyId::from(rec.key_id))
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
                    .bind(KeyId::from(rec.key_id))
                    .fetch_optional(&mut *tx)
                    .await?;
                    return Ok(RotationInsert::KeyBusy { step });
                }
            }
            return Err(e.into());
        }
        if let Some(ev) = event {
            insert_audit(&mut *tx, ev, Utc::now()).await?;
        }
        tx.commit().await?;
        Ok(RotationInsert::Inserted)
    }

    /// Writes `rec` (every mutable field) if the stored row is still at `expected` and its
    /// lease is ours (or free); with it, optionally, the key record and audit events, all in
    /// one transaction. Nothing is written unless it returns `Saved`.
    pub async fn save_rotation(
        &self,
        rec: &RotationRecord,
        expected: RotationStep,
        key: Option<&KeyRecord>,
        events: &[NewAuditEvent],
    ) -> Result<RotationSave, StoreError> {
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
        .bind(RotationId::from(rec.id))
        .bind(expected.as_str())
        .bind(rec.lease_owner.as_deref().unwrap_or(""))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let now: Option<String> = sqlx::query_scalar("SELECT step FROM rotations WHERE id = ?")
                .bind(RotationId::from(rec.id))
                .fetch_optional(&mut *tx)
                .await?;
            return Ok(match now {
                None => RotationSave::Missing,
                Some(step) => RotationSave::Moved { step },
            });
        }
        if let Some(k) = key {
            Store::update_key_in(&mut tx, k).await?;
        }
        for ev in events {
            insert_audit(&mut *tx, ev, Utc::now()).await?;
        }
        tx.commit().await?;
        // The in-memory catalog re-reads the key this step rewrote.
        self.note_keys_written(key.map(|k| k.id));
        Ok(RotationSave::Saved)
    }

    pub async fn rotation(&self, id: Uuid) -> Result<Option<RotationRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM rotations WHERE id = ?"))
            .bind(RotationId::from(id))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The unfinished rotation of a key, if any.
    pub async fn open_rotation_for_key(
        &self,
        key_id: Uuid,
    ) -> Result<Option<RotationRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rotations WHERE key_id = ? AND {OPEN}"
        ))
        .bind(KeyId::from(key_id))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every unfinished rotation, oldest first (one indexed query).
    pub async fn open_rotations(&self) -> Result<Vec<RotationRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rotations WHERE {OPEN} ORDER BY created_at"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Newest first.
    pub async fn list_rotations(
        &self,
        filter: &RotationFilter,
    ) -> Result<Vec<RotationRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rotations WHERE (?1 IS NULL OR key_id = ?1) \
             AND (NOT ?2 OR {OPEN}) ORDER BY created_at DESC, id LIMIT ?3"
        ))
        .bind(filter.key_id.map(KeyId::from))
        .bind(filter.open_only)
        .bind(filter.limit.unwrap_or(1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Sets the lease if its holder is still the one the caller saw (`seen_owner`,
    /// `seen_until`), so two processes racing for it cannot both win. False when it moved.
    pub async fn swap_rotation_lease(
        &self,
        id: Uuid,
        seen_owner: Option<&str>,
        seen_until: Option<DateTime<Utc>>,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE rotations SET lease_owner = ?, lease_until = ? WHERE id = ? \
             AND COALESCE(lease_owner, '') = ? AND COALESCE(lease_until, '') = ?",
        )
        .bind(owner)
        .bind(ts(until))
        .bind(RotationId::from(id))
        .bind(seen_owner.unwrap_or_default())
        .bind(seen_until.map(ts).unwrap_or_default())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Extends the lease if `owner` holds it. False when it does not.
    pub async fn renew_rotation_lease(
        &self,
        id: Uuid,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE rotations SET lease_until = ? WHERE id = ? AND lease_owner = ?")
                .bind(ts(until))
                .bind(RotationId::from(id))
                .bind(owner)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn set_rotation_next_attempt(
        &self,
        id: Uuid,
        at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE rotations SET next_attempt_at = ? WHERE id = ?")
            .bind(at.map(ts))
            .bind(RotationId::from(id))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn release_rotation_lease(&self, id: Uuid, owner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE rotations SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
        )
        .bind(RotationId::from(id))
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// When keys were rotated, from the audit trail (action `rotated`).
    pub async fn rotation_history(
        &self,
    ) -> Result<Vec<crate::findings::RotationEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT key_id, at FROM audit_events WHERE action = 'rotated' AND key_id IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let id: String = r.try_get("key_id").ok()?;
                let at: String = r.try_get("at").ok()?;
                Some(crate::findings::RotationEvent {
                    key_id: Uuid::parse_str(&id).ok()?,
                    at: parse_ts(&at).ok()?,
                })
            })
            .collect())
    }
}
