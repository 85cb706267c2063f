//! This member's side of a team inventory (issue 15): the membership, the outbox the
//! triggers of `20261209000000_team.sql` fill, what was last published, and the pulled copy of
//! the team's keys and events. Metadata only; the team's password is in the OS keychain.

use super::{parse_ts, ts, Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::collections::HashMap;
use uuid::Uuid;

/// Audit actions the team sees (the outbox trigger's list).
pub const TEAM_EVENT_ACTIONS: &str = "'created', 'imported', 'removed', 'rotated', 'revoked', \
    'finding_acknowledged', 'finding_unacknowledged'";

/// The membership row (one while joined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMembership {
    /// Never with a password.
    pub url: String,
    pub member: String,
    pub schema_version: i64,
    /// `None` = every environment.
    pub sharing_environments: Option<Vec<String>>,
    pub sharing_hints: bool,
    pub joined_at: DateTime<Utc>,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// When the pulled copy was taken.
    pub as_of: Option<DateTime<Utc>>,
}

/// An audit event waiting to be published (no detail text: the team sees the action only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamOutboxEvent {
    pub local_id: i64,
    pub key_id: Uuid,
    pub key_name: String,
    pub action: String,
    pub at: DateTime<Utc>,
}

/// What the outbox held when a publish began; [`Store::team_publish_done`] removes exactly
/// these rows (those queued meanwhile stay).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamOutbox {
    pub up_to_seq: i64,
    /// Keys whose metadata changed (removed keys included).
    pub key_ids: Vec<String>,
    pub events: Vec<TeamOutboxEvent>,
}

/// A pulled team event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledTeamEvent {
    pub member: String,
    pub local_id: i64,
    pub key_id: Uuid,
    pub key_name: String,
    pub action: String,
    pub at: DateTime<Utc>,
}

fn envs_json(envs: &Option<Vec<String>>) -> Result<Option<String>, StoreError> {
    envs.as_ref()
        .map(|e| serde_json::to_string(e).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

fn uuid_of(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("team key id '{s}': {e}")))
}

impl Store {
    pub async fn team_membership(&self) -> Result<Option<TeamMembership>, StoreError> {
        let Some(r) = sqlx::query(
            "SELECT url, member, schema_version, sharing_environments, sharing_hints, joined_at, \
             last_sync_at, last_error, as_of FROM team_membership WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let envs: Option<String> = r.try_get("sharing_environments")?;
        let opt_ts = |name: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
            r.try_get::<Option<String>, _>(name)?
                .as_deref()
                .map(parse_ts)
                .transpose()
        };
        Ok(Some(TeamMembership {
            url: r.try_get("url")?,
            member: r.try_get("member")?,
            schema_version: r.try_get("schema_version")?,
            sharing_environments: envs
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("team sharing: {e}")))?,
            sharing_hints: r.try_get::<i64, _>("sharing_hints")? != 0,
            joined_at: parse_ts(&r.try_get::<String, _>("joined_at")?)?,
            last_sync_at: opt_ts("last_sync_at")?,
            last_error: r.try_get("last_error")?,
            as_of: opt_ts("as_of")?,
        }))
    }

    /// Joins (replacing any earlier membership and its local state) and queues every key and
    /// every past event the team sees, so the first sync publishes the whole inventory.
    pub async fn team_join(&self, m: &TeamMembership) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for table in [
            "team_membership",
            "team_outbox",
            "team_published",
            "team_keys",
            "team_events",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO team_membership (id, url, member, schema_version, sharing_environments, \
             sharing_hints, joined_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&m.url)
        .bind(&m.member)
        .bind(m.schema_version)
        .bind(envs_json(&m.sharing_environments)?)
        .bind(i64::from(m.sharing_hints))
        .bind(ts(m.joined_at))
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO team_outbox (key_id) SELECT id FROM keys ORDER BY id")
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO team_outbox (event_id) SELECT id FROM audit_events \
             WHERE key_id IS NOT NULL AND action IN ({TEAM_EVENT_ACTIONS}) ORDER BY id"
        ))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the membership and every bit of local team state.
    pub async fn team_leave(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // The membership first: the outbox triggers stop firing at once.
        for table in [
            "team_membership",
            "team_outbox",
            "team_published",
            "team_keys",
            "team_events",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Changes what is shared. The next publish compares every key with what was published,
    /// so newly hidden keys are deleted from the server and newly shared ones published.
    pub async fn team_set_sharing(
        &self,
        environments: &Option<Vec<String>>,
        hints: bool,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE team_membership SET sharing_environments = ?, sharing_hints = ? WHERE id = 1",
        )
        .bind(envs_json(environments)?)
        .bind(i64::from(hints))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records the outcome of a sync (`error` already value-free).
    pub async fn team_record_sync(
        &self,
        at: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let query = match error {
            // A failure keeps the last successful sync's time.
            Some(e) => {
                sqlx::query("UPDATE team_membership SET last_error = ? WHERE id = 1").bind(e)
            }
            None => sqlx::query(
                "UPDATE team_membership SET last_error = NULL, last_sync_at = ? WHERE id = 1",
            )
            .bind(ts(at)),
        };
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// Rows waiting in the outbox.
    pub async fn team_queued(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM team_outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// What the outbox holds now (keys deduplicated; events with what the team sees of them).
    pub async fn team_outbox(&self) -> Result<TeamOutbox, StoreError> {
        let mut tx = self.pool.begin().await?;
        let up_to_seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM team_outbox")
            .fetch_one(&mut *tx)
            .await?;
        let Some(up_to_seq) = up_to_seq else {
            return Ok(TeamOutbox::default());
        };
        let key_ids: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT key_id FROM team_outbox WHERE key_id IS NOT NULL AND seq <= ? \
             ORDER BY key_id",
        )
        .bind(up_to_seq)
        .fetch_all(&mut *tx)
        .await?;
        let rows = sqlx::query(
            "SELECT a.id, a.key_id, COALESCE(a.key_name, '') AS key_name, a.action, a.at \
             FROM team_outbox o JOIN audit_events a ON a.id = o.event_id \
             WHERE o.seq <= ? ORDER BY a.id",
        )
        .bind(up_to_seq)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let events = rows
            .iter()
            .map(|r| {
                Ok(TeamOutboxEvent {
                    local_id: r.try_get("id")?,
                    key_id: uuid_of(&r.try_get::<String, _>("key_id")?)?,
                    key_name: r.try_get("key_name")?,
                    action: r.try_get("action")?,
                    at: parse_ts(&r.try_get::<String, _>("at")?)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(TeamOutbox {
            up_to_seq,
            key_ids,
            events,
        })
    }

    /// Digest of what was last published, by key id.
    pub async fn team_published(&self) -> Result<HashMap<String, String>, StoreError> {
        let rows = sqlx::query("SELECT key_id, digest FROM team_published")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("key_id")?, r.try_get("digest")?)))
            .collect()
    }

    /// After the server committed: drops the outbox rows up to `up_to_seq` and records what
    /// is now published (`published`: key id → digest; `withdrawn`: deleted from the server).
    pub async fn team_publish_done(
        &self,
        up_to_seq: i64,
        published: &[(String, String)],
        withdrawn: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM team_outbox WHERE seq <= ?")
            .bind(up_to_seq)
            .execute(&mut *tx)
            .await?;
        for (key_id, digest) in published {
            sqlx::query(
                "INSERT INTO team_published (key_id, digest) VALUES (?, ?) \
                 ON CONFLICT (key_id) DO UPDATE SET digest = excluded.digest",
            )
            .bind(key_id)
            .bind(digest)
            .execute(&mut *tx)
            .await?;
        }
        for key_id in withdrawn {
            sqlx::query("DELETE FROM team_published WHERE key_id = ?")
                .bind(key_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the pulled copy (rows as JSON, keyed by member and key id) in one transaction.
    pub async fn team_replace_pulled(
        &self,
        keys: &[(String, Uuid, String)],
        events: &[PulledTeamEvent],
        as_of: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM team_keys")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM team_events")
            .execute(&mut *tx)
            .await?;
        for (member, key_id, row) in keys {
            sqlx::query("INSERT INTO team_keys (member, key_id, row) VALUES (?, ?, ?)")
                .bind(member)
                .bind(key_id.to_string())
                .bind(row)
                .execute(&mut *tx)
                .await?;
        }
        for e in events {
            sqlx::query(
                "INSERT INTO team_events (member, local_id, key_id, key_name, action, at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(&e.member)
            .bind(e.local_id)
            .bind(e.key_id.to_string())
            .bind(&e.key_name)
            .bind(&e.action)
            .bind(ts(e.at))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE team_membership SET as_of = ? WHERE id = 1")
            .bind(ts(as_of))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The pulled rows (JSON), by member then key id.
    pub async fn team_pulled_keys(&self) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT row FROM team_keys ORDER BY member, key_id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The pulled events, newest first (`limit` < 0: all).
    pub async fn team_pulled_events(&self, limit: i64) -> Result<Vec<PulledTeamEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT member, local_id, key_id, key_name, action, at FROM team_events \
             ORDER BY at DESC, member, local_id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PulledTeamEvent {
                    member: r.try_get("member")?,
                    local_id: r.try_get("local_id")?,
                    key_id: uuid_of(&r.try_get::<String, _>("key_id")?)?,
                    key_name: r.try_get("key_name")?,
                    action: r.try_get("action")?,
                    at: parse_ts(&r.try_get::<String, _>("at")?)?,
                })
            })
            .collect()
    }

    /// The step of each key's unfinished rotation.
    pub async fn open_rotation_steps(&self) -> Result<HashMap<Uuid, String>, StoreError> {
        let rows = sqlx::query(
            "SELECT key_id, step FROM rotations \
             WHERE step NOT IN ('done', 'failed', 'rolled_back')",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    uuid_of(&r.try_get::<String, _>("key_id")?)?,
                    r.try_get("step")?,
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::{event, record};

    fn membership() -> TeamMembership {
        TeamMembership {
            url: "postgres://alice@127.0.0.1:5432/team".into(),
            member: "alice".into(),
            schema_version: 1,
            sharing_environments: None,
            sharing_hints: false,
            joined_at: Utc::now(),
            last_sync_at: None,
            last_error: None,
            as_of: None,
        }
    }

    #[tokio::test]
    async fn the_outbox_fills_only_while_joined() {
        let store = Store::open_in_memory().await.expect("store");
        let before = record("before", "dev", "mail");
        store
            .insert_keys(std::slice::from_ref(&before), &[event("created")])
            .await
            .expect("insert");
        assert_eq!(store.team_queued().await.expect("queued"), 0);

        store.team_join(&membership()).await.expect("join");
        // The existing key is queued by the join itself.
        let outbox = store.team_outbox().await.expect("outbox");
        assert_eq!(outbox.key_ids, vec![before.id.to_string()]);

        let after = record("after", "dev", "mail");
        let mut created = event("created");
        created.key_id = Some(after.id);
        created.key_name = Some("after".into());
        store
            .insert_keys(std::slice::from_ref(&after), &[created])
            .await
            .expect("insert");
        let outbox = store.team_outbox().await.expect("outbox");
        assert!(outbox.key_ids.contains(&after.id.to_string()));
        assert!(outbox
            .events
            .iter()
            .any(|e| e.key_id == after.id && e.action == "created"));

        // Publishing done up to the snapshot empties it; a change after the snapshot stays.
        let copied = {
            let mut e = event("copied");
            e.key_id = Some(after.id);
            e
        };
        store.append_audit(&copied).await.expect("audit");
        store
            .team_publish_done(outbox.up_to_seq, &[(after.id.to_string(), "d".into())], &[])
            .await
            .expect("done");
        assert_eq!(
            store.team_queued().await.expect("queued"),
            0,
            "copies are not team events"
        );
        store
            .delete_key(after.id, &event("removed"))
            .await
            .expect("delete");
        assert_eq!(
            store.team_outbox().await.expect("outbox").key_ids,
            vec![after.id.to_string()]
        );

        store.team_leave().await.expect("leave");
        assert_eq!(store.team_queued().await.expect("queued"), 0);
        assert!(store.team_membership().await.expect("m").is_none());
        store
            .insert_keys(&[record("later", "dev", "mail")], &[event("created")])
            .await
            .expect("insert");
        assert_eq!(store.team_queued().await.expect("queued"), 0);
    }

    #[tokio::test]
    async fn sharing_and_sync_outcome_are_kept() {
        let store = Store::open_in_memory().await.expect("store");
        store.team_join(&membership()).await.expect("join");
        store
            .team_set_sharing(&Some(vec!["prod".into()]), true)
            .await
            .expect("sharing");
        let at = Utc::now();
        store.team_record_sync(at, None).await.expect("sync");
        store
            .team_record_sync(at, Some("cannot reach the team's server"))
            .await
            .expect("sync");
        let m = store.team_membership().await.expect("m").expect("joined");
        assert_eq!(m.sharing_environments, Some(vec!["prod".to_string()]));
        assert!(m.sharing_hints);
        assert_eq!(m.last_sync_at.map(ts), Some(ts(at)));
        assert_eq!(
            m.last_error.as_deref(),
            Some("cannot reach the team's server")
        );
    }
}
