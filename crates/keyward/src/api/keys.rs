//! Keys as the front ends show them: each with its findings (acknowledged ones marked) and its
//! one state, and the per-key verbs that answer such a view.

use super::findings::FindingView;
use crate::findings::Finding;
use crate::ids::KeyId;
use crate::inventory::{FindingQuery, Inventory, KeyPatch, LinkCandidate, VerifyResult};
use crate::model::{AuditEvent, KeyRecord, KeyState};
use crate::{NewKey, Result, Secret, SecretUse};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

mod columns;

/// A key with its findings and the one state to show.
#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    /// Shared with the in-memory inventory: a list's views copy no record.
    #[serde(flatten)]
    pub key: Arc<KeyRecord>,
    pub findings: Vec<FindingView>,
    /// The one state the window shows (the provider's answer and the expiry date over the
    /// stored lifecycle status).
    pub state: KeyState,
}

impl From<KeyRecord> for KeyView {
    fn from(key: KeyRecord) -> KeyView {
        KeyView::with_findings(key, Vec::new())
    }
}

impl KeyView {
    pub fn with_findings(key: impl Into<Arc<KeyRecord>>, findings: Vec<FindingView>) -> KeyView {
        let key = key.into();
        KeyView {
            state: key.state(chrono::Utc::now()),
            key,
            findings,
        }
    }
}

/// A key's detail: the key, its audit trail, and whether the keychain holds its value.
#[derive(Debug, Clone, Serialize)]
pub struct KeyDetailView {
    pub key: KeyView,
    pub audit: Vec<AuditEvent>,
    /// `null` when the keychain cannot be asked (locked or unavailable).
    pub secret_present: Option<bool>,
}

/// A key as the window's list shows it (issue 14: ~1/3 of a [`KeyView`]'s JSON at 10,000
/// keys): what the list renders, sorts, filters, searches and groups by. The detail panel and
/// the wizards fetch the whole key (`key_get`, `key_show`) when they open.
#[derive(Debug, Clone)]
pub struct KeyRowView {
    /// Shared with the in-memory inventory: serialized from it, never copied.
    pub key: Arc<KeyRecord>,
    pub findings: Vec<FindingRowView>,
    pub state: KeyState,
}

/// A finding on a list row: its kind and how loud it is; its text comes with the full key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct FindingRowView {
    pub code: &'static str,
    pub severity: &'static str,
    pub attention: &'static str,
    pub action: &'static str,
    /// Whether an acknowledgement is in force (its reason and dates: with the full key).
    pub acknowledged: bool,
}

impl FindingRowView {
    fn of(f: &Finding) -> FindingRowView {
        FindingRowView {
            code: f.kind.as_str(),
            severity: f.severity.as_str(),
            attention: f.attention.as_str(),
            action: f.action.as_str(),
            acknowledged: f.acknowledgement.is_some(),
        }
    }
}

/// The row's fields, borrowed from the record.
#[derive(Serialize)]
struct RowFields<'a> {
    id: &'a Uuid,
    provider: &'a str,
    kind: &'a str,
    name: &'a str,
    environment: &'a str,
    purpose: &'a str,
    owner: &'a Option<String>,
    tags: &'a [String],
    created_at: &'a chrono::DateTime<chrono::Utc>,
    last_rotated_at: &'a Option<chrono::DateTime<chrono::Utc>>,
    last_verified_at: &'a Option<chrono::DateTime<chrono::Utc>>,
    expires_at: &'a Option<chrono::DateTime<chrono::Utc>>,
    status: crate::model::KeyStatus,
    masked_hint: &'a str,
    verify_outcome: &'a Option<crate::providers::api::VerifyOutcome>,
    verify_detail: &'a Option<String>,
    role: crate::model::KeyRole,
    findings: &'a [FindingRowView],
    state: KeyState,
}

impl Serialize for KeyRowView {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let k = &*self.key;
        RowFields {
            id: &k.id,
            provider: &k.provider,
            kind: &k.kind,
            name: &k.name,
            environment: &k.environment,
            purpose: &k.purpose,
            owner: &k.owner,
            tags: &k.tags,
            created_at: &k.created_at,
            last_rotated_at: &k.last_rotated_at,
            last_verified_at: &k.last_verified_at,
            expires_at: &k.expires_at,
            status: k.status,
            masked_hint: &k.masked_hint,
            verify_outcome: &k.verify_outcome,
            verify_detail: &k.verify_detail,
            role: k.role,
            findings: &self.findings,
            state: self.state,
        }
        .serialize(s)
    }
}

impl KeyRowView {
    pub fn with_findings(
        key: impl Into<Arc<KeyRecord>>,
        findings: Vec<FindingRowView>,
    ) -> KeyRowView {
        let key = key.into();
        KeyRowView {
            state: key.state(chrono::Utc::now()),
            key,
            findings,
        }
    }
}

impl From<KeyView> for KeyRowView {
    fn from(v: KeyView) -> KeyRowView {
        let findings = v
            .findings
            .iter()
            .map(|f| FindingRowView {
                code: f.code,
                severity: f.severity,
                attention: f.attention,
                action: f.action,
                acknowledged: f.acknowledged.is_some(),
            })
            .collect();
        KeyRowView {
            key: v.key,
            findings,
            state: v.state,
        }
    }
}

/// Row findings by key: only their codes are kept.
fn rows_by_key<F: std::borrow::Borrow<Finding>>(
    found: Result<Vec<F>>,
) -> HashMap<Uuid, Vec<FindingRowView>> {
    let mut by_key: HashMap<Uuid, Vec<FindingRowView>> = HashMap::new();
    match found {
        Ok(list) => {
            for f in &list {
                let f = f.borrow();
                if let Some(id) = f.key_id {
                    by_key.entry(id).or_default().push(FindingRowView::of(f));
                }
            }
        }
        Err(e) => tracing::warn!(code = e.code(), "findings not evaluated: {e}"),
    }
    by_key
}

fn rows_with_findings<R: Into<Arc<KeyRecord>> + std::borrow::Borrow<KeyRecord>>(
    records: Vec<R>,
    mut by_key: HashMap<Uuid, Vec<FindingRowView>>,
) -> Vec<KeyRowView> {
    records
        .into_iter()
        .map(|r| {
            let findings = by_key.remove(&r.borrow().id).unwrap_or_default();
            KeyRowView::with_findings(r, findings)
        })
        .collect()
}

/// Findings by key (acknowledged ones included, marked), for every key or just `only`.
async fn findings_by_key(inv: &Inventory, only: Option<Uuid>) -> HashMap<Uuid, Vec<FindingView>> {
    let query = FindingQuery {
        key_id: only,
        include_acknowledged: true,
        ..FindingQuery::default()
    };
    group_by_key(inv.findings(&query).await.map(|list| list.findings))
}

/// A failed evaluation is logged and gives none: the key list itself must still show.
fn group_by_key<F: std::borrow::Borrow<Finding> + Into<FindingView>>(
    found: Result<Vec<F>>,
) -> HashMap<Uuid, Vec<FindingView>> {
    let mut by_key: HashMap<Uuid, Vec<FindingView>> = HashMap::new();
    match found {
        Ok(list) => {
            for f in list {
                if let Some(id) = f.borrow().key_id {
                    by_key.entry(id).or_default().push(f.into());
                }
            }
        }
        Err(e) => tracing::warn!(code = e.code(), "findings not evaluated: {e}"),
    }
    by_key
}

fn with_findings<R: Into<Arc<KeyRecord>> + std::borrow::Borrow<KeyRecord>>(
    records: Vec<R>,
    mut by_key: HashMap<Uuid, Vec<FindingView>>,
) -> Vec<KeyView> {
    records
        .into_iter()
        .map(|r| {
            let findings = by_key.remove(&r.borrow().id).unwrap_or_default();
            KeyView::with_findings(r, findings)
        })
        .collect()
}

/// The whole inventory, as just listed, with findings evaluated over these records instead of
/// listing every key a second time.
pub async fn all_views(inv: &Inventory, records: Vec<Arc<KeyRecord>>) -> Vec<KeyView> {
    let by_key = group_by_key(inv.findings_over(&records).await);
    with_findings(records, by_key)
}

/// One page of the list in the window's display order, with the total count: the first paint
/// needs only the rows it shows.
#[derive(Debug, Clone, Serialize)]
pub struct KeysPage {
    pub total: usize,
    pub offset: usize,
    pub keys: Vec<KeyRowView>,
}

/// Keys `offset..offset + limit` in display order, with their findings: a `LIMIT/OFFSET`
/// query and those keys' findings (reuse from their fingerprint groups), so the first paint
/// never waits for the whole inventory (issue 14).
pub async fn page(inv: &Inventory, offset: usize, limit: usize) -> Result<KeysPage> {
    let (total, records, found) = inv.page(offset, limit).await?;
    let keys = rows_with_findings(records, rows_by_key(Ok(found)));
    Ok(KeysPage {
        total,
        offset,
        keys,
    })
}

/// Keys the window's whole list receives at a time (issue 14): one `Channel` message per
/// 1,000 keys instead of one answer of megabytes; in columns, a chunk is about a third of the
/// same rows' JSON as objects (~0.5 MB at 1,000 keys).
pub const CHUNK: usize = 1000;

/// Part of the whole list: keys `offset..offset + keys.len()` of `total`. Its JSON is in
/// columns, not one object per key (`keys/columns.rs`).
#[derive(Debug, Clone)]
pub struct KeysChunk {
    pub total: usize,
    pub offset: usize,
    pub keys: Vec<KeyRowView>,
}

/// Every key as a list row, handed to `send` `size` keys at a time as they are shaped
/// (at least one chunk, empty for an empty inventory): neither the whole list's views nor its
/// JSON exist at once. Answers how many keys were sent.
pub async fn chunks(
    inv: &Inventory,
    size: usize,
    mut send: impl FnMut(KeysChunk) -> Result<()>,
) -> Result<usize> {
    let started = std::time::Instant::now();
    let records = inv.list(&crate::KeyFilter::default()).await?;
    let total = records.len();
    let mut rest = records.into_iter();
    let mut offset = 0;
    let mut sent_chunks = 0;
    loop {
        let part: Vec<Arc<KeyRecord>> = rest.by_ref().take(size.max(1)).collect();
        let sent = part.len();
        let keys = if part.is_empty() {
            Vec::new()
        } else {
            let by_key = rows_by_key(inv.shared_findings_over(&part).await);
            rows_with_findings(part, by_key)
        };
        send(KeysChunk {
            total,
            offset,
            keys,
        })?;
        offset += sent;
        sent_chunks += 1;
        if offset >= total {
            // For scripts/bench-desktop.sh and the e2e start-up test.
            tracing::info!(
                "whole list: {total} keys in {sent_chunks} chunks, {} ms",
                started.elapsed().as_millis()
            );
            return Ok(total);
        }
    }
}

/// Each record with its findings.
pub async fn views(inv: &Inventory, records: Vec<KeyRecord>) -> Vec<KeyView> {
    if records.is_empty() {
        return Vec::new();
    }
    with_findings(records, findings_by_key(inv, None).await)
}

/// One record with its findings.
pub async fn view(inv: &Inventory, record: KeyRecord) -> KeyView {
    let findings = findings_by_key(inv, Some(record.id))
        .await
        .remove(&record.id)
        .unwrap_or_default();
    KeyView::with_findings(record, findings)
}

/// One key with its findings, from the inventory alone (no audit trail, no keychain): what
/// the detail panel and the wizards read when they open a key the list shows as a row.
pub async fn get(inv: &Inventory, id: KeyId) -> Result<KeyView> {
    let record = inv.get(id.into()).await?;
    Ok(view(inv, record).await)
}

pub async fn show(inv: &Inventory, id: KeyId) -> Result<KeyDetailView> {
    let d = inv.show(id.into()).await?;
    Ok(KeyDetailView {
        key: view(inv, d.key).await,
        audit: d.audit,
        secret_present: d.secret_present,
    })
}

/// A change to one key's metadata.
#[derive(Debug, Clone)]
pub struct KeyUpdate {
    pub id: KeyId,
    pub patch: KeyPatch,
}

pub async fn update(inv: &Inventory, change: KeyUpdate) -> Result<KeyView> {
    let key = inv.update(change.id.into(), change.patch).await?;
    Ok(view(inv, key).await)
}

pub async fn remove(inv: &Inventory, id: KeyId) -> Result<()> {
    inv.remove(id.into()).await?;
    Ok(())
}

/// Asks the provider whether the key works; answers the key as it is after.
pub async fn verify(inv: &Inventory, id: KeyId) -> Result<KeyView> {
    let (key, _) = inv.verify(id.into()).await?;
    Ok(view(inv, key).await)
}

/// A key and the connection to link it to (as the listed key `remote_id`; `None`: the one
/// that matches).
#[derive(Debug, Clone)]
pub struct KeyLink {
    pub id: KeyId,
    pub connection: String,
    pub remote_id: Option<String>,
}

/// The keys the connection lists that this key could be linked to, matching ones marked.
pub async fn link_candidates(inv: &Inventory, link: KeyLink) -> Result<Vec<LinkCandidate>> {
    inv.link_candidates(link.id.into(), &link.connection).await
}

pub async fn link(inv: &Inventory, link: KeyLink) -> Result<KeyView> {
    let key = inv
        .link(link.id.into(), &link.connection, link.remote_id.as_deref())
        .await?;
    Ok(view(inv, key).await)
}

pub async fn unlink(inv: &Inventory, id: KeyId) -> Result<KeyView> {
    let key = inv.unlink(id.into()).await?;
    Ok(view(inv, key).await)
}

/// Keys "verify all" asks at once (the rate gates share each provider's limits among them).
pub const VERIFY_CONCURRENCY: usize = 8;

/// One key of a running "verify all", handed on as it finishes.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyProgress {
    pub done: usize,
    pub total: usize,
    pub result: VerifyResult,
}

/// Verifies every key that is not revoked, `concurrency` at a time; one failure never stops
/// the others. Each result goes to `on_progress` as it comes.
pub async fn verify_all(
    inv: &Inventory,
    concurrency: usize,
    on_progress: impl Fn(VerifyProgress),
) -> Result<Vec<VerifyResult>> {
    let ids = inv.verifiable_ids().await?;
    inv.verify_many(ids, concurrency, |done, total, result| {
        on_progress(VerifyProgress {
            done,
            total,
            result: result.clone(),
        })
    })
    .await
}

/// What adding a key answers: the key, and a warning when its value does not look like the
/// provider's keys (stored anyway: the provider decides validity; never the value).
#[derive(Debug, Clone, Serialize)]
pub struct KeyAdded {
    pub key: KeyView,
    pub warning: Option<String>,
}

/// Adds a key: its value to the keychain, its record to the inventory.
pub async fn add(inv: &Inventory, new: NewKey, value: Secret) -> Result<KeyAdded> {
    let key = inv.add(new, value.clone()).await?;
    let warning = crate::providers::format_warning(&key.provider, &key.kind, &value);
    Ok(KeyAdded {
        key: view(inv, key).await,
        warning,
    })
}

/// A key's value on the clipboard for `timeout` (`None`: the setting).
#[derive(Debug, Clone)]
pub struct Copied {
    pub name: String,
    pub timeout: Duration,
}

/// Hands a key's value to `hold` (the front end's clipboard, which clears it after the
/// timeout) and audits the copy once the clipboard holds it.
pub async fn copy<E: From<crate::Error>>(
    inv: &Inventory,
    id: KeyId,
    timeout: Option<Duration>,
    hold: impl FnOnce(Secret, Duration) -> std::result::Result<(), E>,
) -> std::result::Result<Copied, E> {
    let timeout = match timeout {
        Some(t) => t,
        None => inv.clipboard_timeout().await?,
    };
    let (key, value) = inv.secret(id.uuid()).await?;
    hold(value, timeout)?;
    inv.record_use(&key, SecretUse::Copy).await?;
    Ok(Copied {
        name: key.name,
        timeout,
    })
}

/// A key's value to show once (the front end decides when it may), the showing audited.
pub async fn reveal(inv: &Inventory, id: KeyId) -> Result<Secret> {
    let (key, value) = inv.secret(id.uuid()).await?;
    inv.record_use(&key, SecretUse::Reveal).await?;
    Ok(value)
}

/// Loads the in-memory inventory now (a front end starts this in the background at launch, so
/// that the whole list and every later answer find it loaded).
pub async fn preload(inv: &Inventory) -> Result<()> {
    inv.warm_catalog().await
}

/// Watches the inventory's store for changes other processes make (a `keyward` CLI next to the
/// window); after each, call [`changed_elsewhere`].
pub async fn watch(inv: &Inventory) -> Result<crate::store::watch::ChangeWatch> {
    inv.watch_changes().await
}

/// Another process changed the inventory: the next read reloads it and lists the keychain again.
pub fn changed_elsewhere(inv: &Inventory) {
    inv.note_foreign_change();
}

/// Every key with its findings, in one answer (the window streams [`chunks`] instead; scripts
/// and the e2e harness read the whole list at once).
pub async fn list_all(inv: &Inventory) -> Result<Vec<KeyView>> {
    let records = inv.list(&crate::KeyFilter::default()).await?;
    Ok(all_views(inv, records).await)
}
