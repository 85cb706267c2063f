//! Keyward teams (issue 15): each member publishes the metadata of their keys (never a value,
//! a fingerprint or, unless they allow it, a masked hint) to one PostgreSQL database the team
//! already runs, and reads everyone's. Members connect as their own database roles; row-level
//! security decides who writes what. Publishing goes through a local outbox (filled by
//! triggers in the member's SQLite, see `keyward::store::team`), so a member offline for a
//! week loses nothing. Reads (`keys`, `review`, `events`) use the pulled copy: no network.

mod address;
mod error;
mod publish;
mod review;
mod server;
mod types;

pub use address::{is_loopback, SslMode, TeamAddress};
pub use error::{Result, TeamError};
pub use keyward::findings::report::ReportFormat;
pub use review::{has_open, CSV_COLUMNS};
pub use server::CONNECT_TIMEOUT;
pub use types::*;

use chrono::{DateTime, Utc};
use keyward::store::team::{PulledTeamEvent as PulledEvent, TeamMembership};
use keyward::{Inventory, Secret};
use serde::{Deserialize, Serialize};
use sqlx::Connection;
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

/// The team schema this Keyward speaks (`keyward.meta.schema_version` on the server).
pub const SCHEMA_VERSION: i64 = 1;

/// Creates or migrates the team schema and the group roles `keyward_member` and
/// `keyward_admin`, connecting as an administrator (`admin_url` holds no password).
pub async fn init(admin_url: &str, admin_password: Option<Secret>) -> Result<InitReport> {
    let address = TeamAddress::parse(admin_url)?;
    let mut conn = server::connect(&address, admin_password.as_ref(), CONNECT_TIMEOUT).await?;
    drop(admin_password);
    let report = server::init(&mut conn, &address.user).await?;
    let _ = conn.close().await;
    Ok(report)
}

/// Joins the team at `url` (no password in it) as the role it names: checks the password,
/// the schema version and the role's membership of `keyward_member`; then keeps the password
/// in the OS keychain, the URL without it in the settings, and publishes the inventory.
pub async fn join(inv: &Inventory, url: &str, password: Secret) -> Result<TeamStatus> {
    let address = TeamAddress::parse(url)?;
    let mut conn = server::connect(&address, Some(&password), CONNECT_TIMEOUT).await?;
    let schema_version = server::check_schema(&mut conn, &address.user).await?;
    let (member, in_group) = server::whoami(&mut conn, &address.user).await?;
    let _ = conn.close().await;
    if !in_group {
        return Err(TeamError::PermissionDenied(format!(
            "role '{member}' is not in keyward_member; a DBA grants it with \
             GRANT keyward_member TO \"{member}\""
        )));
    }
    inv.team_password_set(password).await?;
    let membership = TeamMembership {
        url: address.display_url(),
        member,
        schema_version,
        sharing_environments: None,
        sharing_hints: false,
        joined_at: Utc::now(),
        last_sync_at: None,
        last_error: None,
        as_of: None,
    };
    inv.store().team_join(&membership).await?;
    // Joined either way; a failed first sync is in the status and the queue keeps it all.
    let _ = sync(inv).await;
    status(inv).await?.ok_or(TeamError::NotJoined)
}

/// The local view of the membership; `None` when not in a team. No network.
pub async fn status(inv: &Inventory) -> Result<Option<TeamStatus>> {
    let Some(m) = inv.store().team_membership().await? else {
        return Ok(None);
    };
    let queued = inv.store().team_queued().await?;
    Ok(Some(TeamStatus {
        url: m.url,
        member: m.member,
        schema_version: m.schema_version,
        queued,
        last_sync_at: m.last_sync_at,
        last_error: m.last_error,
        sharing: Sharing {
            environments: m.sharing_environments,
            hints: m.sharing_hints,
        },
    }))
}

async fn membership(inv: &Inventory) -> Result<TeamMembership> {
    inv.store()
        .team_membership()
        .await?
        .ok_or(TeamError::NotJoined)
}

/// Connects as the member (password from the keychain) and checks the schema.
async fn member_connection(
    inv: &Inventory,
    m: &TeamMembership,
    timeout: Duration,
) -> Result<(TeamAddress, sqlx::PgConnection)> {
    let address = TeamAddress::parse(&m.url)?;
    let password = inv
        .team_password()
        .await?
        .ok_or(TeamError::PasswordMissing)?;
    let mut conn = server::connect(&address, Some(&password), timeout).await?;
    server::check_schema(&mut conn, &address.user).await?;
    Ok((address, conn))
}

/// Records the outcome of a sync or publish in the membership (for `status`).
async fn record<T>(inv: &Inventory, outcome: &Result<T>) {
    let error = outcome.as_ref().err().map(ToString::to_string);
    let _ = inv
        .store()
        .team_record_sync(Utc::now(), error.as_deref())
        .await;
}

/// Publishes the queue, then pulls the team's rows and events.
pub async fn sync(inv: &Inventory) -> Result<SyncReport> {
    let m = membership(inv).await?;
    let outcome = sync_with(inv, &m).await;
    record(inv, &outcome).await;
    outcome
}

async fn sync_with(inv: &Inventory, m: &TeamMembership) -> Result<SyncReport> {
    let (address, mut conn) = member_connection(inv, m, CONNECT_TIMEOUT).await?;
    let published = publish_over(inv, m, &mut conn, &address.user).await?;
    let (rows, events) = server::pull(&mut conn, &address.user).await?;
    let _ = conn.close().await;
    let as_of = Utc::now();
    let pulled = rows.len() as u64;
    let stored = rows
        .into_iter()
        .map(|(row, published_at)| {
            let (member, key_id) = (row.member.clone(), row.key_id);
            let json = serde_json::to_string(&StoredRow { row, published_at })
                .map_err(|e| TeamError::Database(format!("pulled row: {e}")))?;
            Ok((member, key_id, json))
        })
        .collect::<Result<Vec<_>>>()?;
    inv.store()
        .team_replace_pulled(&stored, &events, as_of)
        .await?;
    Ok(SyncReport {
        published,
        pulled,
        as_of,
    })
}

/// Publishes what is queued (no pull), within `timeout` for connecting: what the CLI does
/// after each change. `Ok(None)` when not in a team.
pub async fn publish(inv: &Inventory, timeout: Duration) -> Result<Option<u64>> {
    let Some(m) = inv.store().team_membership().await? else {
        return Ok(None);
    };
    let outcome = async {
        let (address, mut conn) = member_connection(inv, &m, timeout).await?;
        let n = publish_over(inv, &m, &mut conn, &address.user).await?;
        let _ = conn.close().await;
        Ok(n)
    }
    .await;
    record(inv, &outcome).await;
    outcome.map(Some)
}

/// One publish over an open connection; the outbox rows are dropped only after the server
/// committed, so an interruption anywhere loses and duplicates nothing.
async fn publish_over(
    inv: &Inventory,
    m: &TeamMembership,
    conn: &mut sqlx::PgConnection,
    role: &str,
) -> Result<u64> {
    let store = inv.store();
    let outbox = store.team_outbox().await?;
    let published = store.team_published().await?;
    let sharing = Sharing {
        environments: m.sharing_environments.clone(),
        hints: m.sharing_hints,
    };
    let rows = publish::current_rows(inv, &m.member, &sharing).await?;
    let queued: HashSet<&str> = outbox.key_ids.iter().map(String::as_str).collect();
    let mut upserts = Vec::new();
    let mut digests = Vec::new();
    for (id, row) in &rows {
        let key = id.to_string();
        let digest = publish::digest(row);
        if queued.contains(key.as_str()) || published.get(&key) != Some(&digest) {
            upserts.push(row);
            digests.push((key, digest));
        }
    }
    // Published before but no longer shared (or removed): withdrawn from the server.
    let mut withdrawn: Vec<String> = published
        .keys()
        .chain(outbox.key_ids.iter())
        .filter(|k| Uuid::parse_str(k).is_ok_and(|id| !rows.contains_key(&id)))
        .cloned()
        .collect();
    withdrawn.sort();
    withdrawn.dedup();
    let withdrawn_ids: Vec<Uuid> = withdrawn
        .iter()
        .filter_map(|k| Uuid::parse_str(k).ok())
        .collect();
    // An event is seen only for a key that is (or was) shared: nothing of an unshared
    // environment reaches the team, not even a key's name.
    let events: Vec<PulledEvent> = outbox
        .events
        .iter()
        .filter(|e| rows.contains_key(&e.key_id) || published.contains_key(&e.key_id.to_string()))
        .map(|e| PulledEvent {
            member: m.member.clone(),
            local_id: e.local_id,
            key_id: e.key_id,
            key_name: e.key_name.clone(),
            action: e.action.clone(),
            at: e.at,
        })
        .collect();
    if upserts.is_empty() && withdrawn_ids.is_empty() && events.is_empty() && outbox.up_to_seq == 0
    {
        return Ok(0);
    }
    server::publish(conn, role, &upserts, &withdrawn_ids, &events).await?;
    store
        .team_publish_done(outbox.up_to_seq, &digests, &withdrawn)
        .await?;
    Ok((upserts.len() + withdrawn_ids.len() + events.len()) as u64)
}

/// Leaves the team: withdraws this member's rows when the server answers (else an admin
/// deletes them later), and forgets the URL, the password and the pulled copy.
pub async fn leave(inv: &Inventory) -> Result<()> {
    let m = membership(inv).await?;
    if let Ok((address, mut conn)) = member_connection(inv, &m, Duration::from_secs(3)).await {
        let _ = sqlx::query("DELETE FROM keyward.keys WHERE member = current_user")
            .execute(&mut conn)
            .await
            .map_err(|e| TeamError::from_sqlx(e, &address.user));
        let _ = conn.close().await;
    }
    inv.store().team_leave().await?;
    inv.team_password_delete().await?;
    Ok(())
}

/// Changes what this member shares; the next publish adds and withdraws rows accordingly.
pub async fn sharing_update(inv: &Inventory, sharing: Sharing) -> Result<TeamStatus> {
    membership(inv).await?;
    if let Some(envs) = &sharing.environments {
        let known: Vec<String> = inv
            .environments()
            .await?
            .into_iter()
            .map(|e| e.name)
            .collect();
        if let Some(unknown) = envs.iter().find(|e| !known.contains(e)) {
            return Err(TeamError::Core(keyward::Error::invalid(
                "environment",
                format!("'{unknown}' is not one of {}", known.join(", ")),
            )));
        }
    }
    inv.store()
        .team_set_sharing(&sharing.environments, sharing.hints)
        .await?;
    status(inv).await?.ok_or(TeamError::NotJoined)
}

/// A pulled row as kept locally: the row and when its member published it.
#[derive(Serialize, Deserialize)]
struct StoredRow {
    #[serde(flatten)]
    row: TeamKeyRow,
    published_at: DateTime<Utc>,
}

async fn pulled(
    inv: &Inventory,
) -> Result<(Option<DateTime<Utc>>, Vec<(TeamKeyRow, DateTime<Utc>)>)> {
    let m = membership(inv).await?;
    let rows = inv
        .store()
        .team_pulled_keys()
        .await?
        .iter()
        .map(|json| {
            serde_json::from_str::<StoredRow>(json)
                .map(|s| (s.row, s.published_at))
                .map_err(|e| TeamError::Database(format!("pulled row: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((m.as_of, rows))
}

/// The pulled copy of the team's keys, filtered. No network.
pub async fn keys(inv: &Inventory, filter: &TeamFilter) -> Result<TeamKeys> {
    let (as_of, rows) = pulled(inv).await?;
    let mut rows: Vec<TeamKeyRow> = rows
        .into_iter()
        .map(|(r, _)| r)
        .filter(|r| review::matches(r, filter))
        .collect();
    rows.sort_by(|a, b| {
        (&a.environment, &a.purpose, &a.member, &a.name).cmp(&(
            &b.environment,
            &b.purpose,
            &b.member,
            &b.name,
        ))
    });
    Ok(TeamKeys { as_of, rows })
}

/// The review over the pulled copy of the team's keys. No network.
pub async fn review(inv: &Inventory, query: &TeamReviewQuery) -> Result<TeamReview> {
    let (as_of, rows) = pulled(inv).await?;
    let events = events(inv, u32::MAX).await?;
    Ok(review::build(rows, &events, query, as_of, Utc::now()))
}

/// Renders a team review as Markdown, JSON, CSV or HTML; each key carries its member.
pub fn review_render(review: &TeamReview, format: ReportFormat) -> Result<String> {
    review::render(review, format)
}

/// The team's audit (rotations, revocations, …), newest first, from the pulled copy.
pub async fn events(inv: &Inventory, limit: u32) -> Result<Vec<TeamEvent>> {
    membership(inv).await?;
    Ok(inv
        .store()
        .team_pulled_events(i64::from(limit))
        .await?
        .into_iter()
        .map(|e| TeamEvent {
            member: e.member,
            key_id: e.key_id,
            key_name: e.key_name,
            action: e.action,
            at: e.at,
        })
        .collect())
}

/// A LISTEN on the team's change channel, as the member.
pub async fn listen(inv: &Inventory) -> Result<TeamListener> {
    let m = membership(inv).await?;
    let address = TeamAddress::parse(&m.url)?;
    let password = inv
        .team_password()
        .await?
        .ok_or(TeamError::PasswordMissing)?;
    let pool = server::pool(&address, &password).await?;
    let mut listener = sqlx::postgres::PgListener::connect_with(&pool)
        .await
        .map_err(|e| TeamError::from_sqlx(e, &address.user))?;
    listener
        .listen(server::CHANNEL)
        .await
        .map_err(|e| TeamError::from_sqlx(e, &address.user))?;
    Ok(TeamListener {
        listener,
        role: address.user,
    })
}

/// Live updates: [`TeamListener::changed`] returns on each change any member publishes.
pub struct TeamListener {
    listener: sqlx::postgres::PgListener,
    role: String,
}

impl TeamListener {
    /// Waits for the next team change. After a lost connection (reconnected on the next
    /// call) it returns too: changes may have been missed, so the caller syncs.
    pub async fn changed(&mut self) -> Result<()> {
        self.listener
            .try_recv()
            .await
            .map(drop)
            .map_err(|e| TeamError::from_sqlx(e, &self.role))
    }
}
