//! Acknowledged findings: one row per (subject, kind), replaced when acknowledged again.

use super::{insert_audit, parse_ts, ts, NewAuditEvent, Store, StoreError};
use crate::findings::{Acknowledgement, FindingKind};
use chrono::Utc;
use sqlx::Row;

impl Store {
    /// Every acknowledgement, lapsed ones included (the caller decides what is live).
    pub async fn acknowledgements(&self) -> Result<Vec<Acknowledgement>, StoreError> {
        let rows = sqlx::query(
            "SELECT subject, kind, reason, acknowledged_by, acknowledged_at, until \
             FROM finding_acknowledgements ORDER BY subject, kind",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(Acknowledgement {
                    subject: r.try_get("subject")?,
                    kind: FindingKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("finding kind '{kind}'")))?,
                    reason: r.try_get("reason")?,
                    acknowledged_by: r.try_get("acknowledged_by")?,
                    acknowledged_at: parse_ts(&r.try_get::<String, _>("acknowledged_at")?)?,
                    until: parse_ts(&r.try_get::<String, _>("until")?)?,
                })
            })
            .collect()
    }

    /// Records (or replaces) many acknowledgements, each with its audit event, in one
    /// transaction: a bulk acknowledgement is all or nothing.
    pub async fn upsert_acknowledgements(
        &self,
        acks: &[(Acknowledgement, NewAuditEvent)],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for (ack, event) in acks {
            sqlx::query(
                "INSERT INTO finding_acknowledgements (subject, kind, reason, acknowledged_by, acknowledged_at, until) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT(subject, kind) DO UPDATE SET reason = ?3, acknowledged_by = ?4, acknowledged_at = ?5, until = ?6",
            )
            .bind(&ack.subject)
            .bind(ack.kind.as_str())
            .bind(&ack.reason)
            .bind(&ack.acknowledged_by)
            .bind(ts(ack.acknowledged_at))
            .bind(ts(ack.until))
            .execute(&mut *tx)
            .await?;
            insert_audit(&mut *tx, event, Utc::now()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes an acknowledgement; `false` if there was none.
    pub async fn delete_acknowledgement(
        &self,
        subject: &str,
        kind: FindingKind,
        event: &NewAuditEvent,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done =
            sqlx::query("DELETE FROM finding_acknowledgements WHERE subject = ? AND kind = ?")
                .bind(subject)
                .bind(kind.as_str())
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        insert_audit(&mut *tx, event, Utc::now()).await?;
        tx.commit().await?;
        Ok(true)
    }
}
