//! The rotation journal: the `rotations` table (its SQL is in `store/rotations.rs`) seen as
//! the rotation engine needs it. Every write is a compare-and-set on the step the caller last
//! saw (and on its lease), so two processes can never both advance one rotation, and a step is
//! committed before the side effect that follows it; here a lost compare-and-set becomes the
//! rotation error it means.

use super::{RotationError, RotationFilter, RotationRecord, RotationStep};
use crate::model::KeyRecord;
use crate::store::{NewAuditEvent, RotationInsert, RotationSave, Store, StoreError};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Why a journal write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Rotation(#[from] RotationError),
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
    store: Store,
}

impl RotationJournal {
    pub fn new(store: &Store) -> RotationJournal {
        RotationJournal {
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
        match self.store.insert_rotation(rec, event).await? {
            RotationInsert::Inserted => Ok(()),
            RotationInsert::KeyBusy { step } => Err(RotationError::InProgress {
                key: rec.key_name.clone(),
                step: step.unwrap_or_else(|| "unknown".into()),
            }
            .into()),
        }
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
        match self.store.save_rotation(rec, expected, key, events).await? {
            RotationSave::Saved => Ok(()),
            RotationSave::Missing => Err(RotationError::NotFound(rec.id.to_string()).into()),
            RotationSave::Moved { step } => Err(RotationError::WrongStep {
                step,
                wanted: format!("move from {} to {}", expected.as_str(), rec.step.as_str()),
            }
            .into()),
        }
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<RotationRecord>, StoreError> {
        self.store.rotation(id).await
    }

    /// The unfinished rotation of a key, if any.
    pub async fn open_for_key(&self, key_id: Uuid) -> Result<Option<RotationRecord>, StoreError> {
        self.store.open_rotation_for_key(key_id).await
    }

    /// Every unfinished rotation (one indexed query; empty when there is nothing to recover).
    pub async fn open(&self) -> Result<Vec<RotationRecord>, StoreError> {
        self.store.open_rotations().await
    }

    /// Newest first.
    pub async fn list(&self, filter: &RotationFilter) -> Result<Vec<RotationRecord>, StoreError> {
        self.store.list_rotations(filter).await
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
        let swapped = self
            .store
            .swap_rotation_lease(
                id,
                current.lease_owner.as_deref(),
                current.lease_until,
                owner,
                until,
            )
            .await?;
        if !swapped {
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
        self.store.renew_rotation_lease(id, owner, until).await
    }

    /// When start-up recovery may try this rotation again (`None`: at once). A scheduling
    /// hint only, so no compare-and-set on the step.
    pub async fn set_next_attempt(
        &self,
        id: Uuid,
        at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.store.set_rotation_next_attempt(id, at).await
    }

    pub async fn release_lease(&self, id: Uuid, owner: &str) -> Result<(), StoreError> {
        self.store.release_rotation_lease(id, owner).await
    }
}
