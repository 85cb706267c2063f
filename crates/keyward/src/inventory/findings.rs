//! Findings, acknowledgements, the findings policy and the team review: the inventory's
//! side (reads records, the keychain listing and settings; the rules are pure, in
//! `crate::findings`).

use super::{on_vault, validate_environment, validate_text, Inventory};
use crate::error::{Error, Result};
use crate::findings::{
    self, Acknowledgement, Finding, FindingKind, FindingPolicy, KeychainSnapshot, ReportFormat,
    Review,
};
use crate::model::{AuditAction, KeyRecord};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration as StdDuration;
use uuid::Uuid;

const SETTING_FINDINGS_POLICY: &str = "findings_policy";
/// The findings list and the review list the keychain again when its listing is older: the
/// orphan rule sees entries other programs made without listing it on every answer.
const KEYCHAIN_LISTING_MAX_AGE: StdDuration = StdDuration::from_secs(30);
/// An acknowledgement without an explicit end lapses after this many days.
pub const DEFAULT_ACK_DAYS: i64 = 90;
/// No acknowledgement lasts longer: findings come back for a fresh look at least yearly.
pub const MAX_ACK_DAYS: i64 = 366;
pub const MAX_ACK_REASON_LEN: usize = 1000;

/// Which findings to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingQuery {
    /// Only this environment's keys (keychain entries without a record have none, so they
    /// are listed only without this filter).
    pub environment: Option<String>,
    /// Only these kinds; empty = all.
    pub kinds: Vec<FindingKind>,
    /// Only this key's findings.
    pub key_id: Option<Uuid>,
    /// Include findings covered by a live acknowledgement (marked as such).
    pub include_acknowledged: bool,
}

/// Findings at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct FindingList {
    pub evaluated_at: DateTime<Utc>,
    /// Worst first; acknowledged ones only with `include_acknowledged`. Shared with the
    /// in-memory inventory's cache (serialized as the findings themselves).
    pub findings: Vec<Arc<Finding>>,
    /// Findings left out because a live acknowledgement covers them.
    pub acknowledged_hidden: usize,
    /// Whether the keychain could be listed (orphan checks need it).
    pub keychain_checked: bool,
}

/// "We know about this finding": a reason, and until when (default 90 days, at most a year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcknowledgeRequest {
    /// Key id, or the keychain account of an entry without a record ([`Finding::subject`]).
    pub subject: String,
    pub kind: FindingKind,
    pub reason: String,
    pub until: Option<DateTime<Utc>>,
}

/// "We know about these": every open finding of one kind on the keys of a provider and/or
/// an environment, acknowledged at once with one reason and end date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkAcknowledgeRequest {
    pub kind: FindingKind,
    /// Only keys of this provider (id, e.g. `postman`); `None` = every provider.
    pub provider: Option<String>,
    /// Only keys in this environment; `None` = every environment.
    pub environment: Option<String>,
    pub reason: String,
    pub until: Option<DateTime<Utc>>,
}

/// Which review to build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewQuery {
    pub environment: Option<String>,
}

/// A validated acknowledgement reason and end date (default 90 days, at most a year).
fn ack_terms(
    reason: &str,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>)> {
    let reason = validate_text("reason", reason, MAX_ACK_REASON_LEN, true)?;
    let until = until.unwrap_or(now + Duration::days(DEFAULT_ACK_DAYS));
    if until <= now {
        return Err(Error::invalid(
            "until",
            "lies in the past; give a future date",
        ));
    }
    if until > now + Duration::days(MAX_ACK_DAYS) {
        return Err(Error::invalid(
            "until",
            format!("is more than {MAX_ACK_DAYS} days away; acknowledge for at most a year"),
        ));
    }
    Ok((reason, until))
}

impl Inventory {
    // ---- policy ----

    /// The findings policy (defaults until the user changes it).
    pub async fn finding_policy(&self) -> Result<FindingPolicy> {
        match self.store.setting(SETTING_FINDINGS_POLICY).await? {
            None => Ok(FindingPolicy::default()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| Error::Internal(format!("stored findings policy: {e}"))),
        }
    }

    pub async fn set_finding_policy(&self, policy: FindingPolicy) -> Result<FindingPolicy> {
        let mut policy = policy;
        policy.environments = policy
            .environments
            .into_iter()
            .map(|(env, p)| Ok((validate_environment(&env)?, p)))
            .collect::<Result<_>>()?;
        policy.validate()?;
        let json = serde_json::to_string(&policy).map_err(|e| Error::Internal(e.to_string()))?;
        let summary = policy
            .environments
            .iter()
            .map(|(env, p)| {
                format!(
                    "{env}: {}/{}/{}",
                    p.max_age_days, p.unused_days, p.expiring_days
                )
            })
            .chain(std::iter::once(format!(
                "other: {}/{}/{}",
                policy.default.max_age_days,
                policy.default.unused_days,
                policy.default.expiring_days
            )))
            .collect::<Vec<_>>()
            .join(", ");
        let event = self.audit(
            AuditAction::SettingsChanged,
            None,
            format!("findings policy (max age/unused/expiring days): {summary}"),
        );
        self.store
            .set_setting(SETTING_FINDINGS_POLICY, &json, &event)
            .await?;
        Ok(policy)
    }

    // ---- findings ----

    /// The keychain's account names, when it can be listed; `None` (and no orphan checks)
    /// when it is locked, unreachable or cannot list. Listed once, then kept current by our
    /// own keychain writes (`keychain_accounts`); a foreign change drops it. `max_age`: list
    /// again when the listing is older (answers over every key and entry do, so entries
    /// other programs left show up; a single key's answer never does).
    pub(super) async fn keychain_snapshot(
        &self,
        max_age: Option<StdDuration>,
    ) -> Option<Arc<KeychainSnapshot>> {
        // Not probed yet (the window's first page): the listing waits for the probe.
        if !self.keychain_checked() || !self.keychain_status().is_ok() {
            return None;
        }
        if self.foreign_keychain_change.swap(false, Ordering::SeqCst) {
            self.keychain_accounts.replace(None);
        }
        if let Some(listing) = self.keychain_accounts.current(max_age) {
            return listing;
        }
        match on_vault(&self.vault, |v| v.accounts()).await {
            Ok(listed) => {
                let listing = listed.map(|a| Arc::new(KeychainSnapshot::new(a)));
                self.keychain_accounts.replace(Some(listing.clone()));
                listing
            }
            Err(e) => {
                tracing::warn!(error = %e, "keychain listing failed; orphan checks skipped");
                None
            }
        }
    }

    async fn key_if_any(&self, id: Uuid) -> Result<Option<KeyRecord>> {
        match self.get(id).await {
            Ok(key) => Ok(Some(key)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The policy and its stored form (which names it for the catalog's findings cache).
    pub(super) async fn policy_with_json(&self) -> Result<(FindingPolicy, String)> {
        let json = self.store.setting(SETTING_FINDINGS_POLICY).await?;
        let policy = match &json {
            None => FindingPolicy::default(),
            Some(json) => serde_json::from_str(json)
                .map_err(|e| Error::Internal(format!("stored findings policy: {e}")))?,
        };
        Ok((policy, json.unwrap_or_default()))
    }

    /// Every finding with acknowledgements applied, for all keys (reuse spans environments),
    /// from the catalog.
    /// `with_records`: also every record in display order (the review needs them; the
    /// findings list does not, and copying them all would be most of its time).
    async fn all_findings(
        &self,
        now: DateTime<Utc>,
        with_records: bool,
    ) -> Result<(Vec<KeyRecord>, Vec<Finding>, FindingPolicy, bool)> {
        let (policy, policy_json) = self.policy_with_json().await?;
        let snapshot = self.keychain_snapshot(Some(KEYCHAIN_LISTING_MAX_AGE)).await;
        let acks = self.store.acknowledgements().await?;
        let mut catalog = self.catalog().await?;
        let found = catalog.all_findings(&policy, &policy_json, now, snapshot.as_deref());
        let records = if with_records {
            catalog.all().cloned().collect()
        } else {
            Vec::new()
        };
        drop(catalog);
        let found = findings::apply_acknowledgements(found, &acks, now);
        Ok((records, found, policy, snapshot.is_some()))
    }

    /// One key's findings with its acknowledgements applied, from the catalog when it is
    /// loaded, else from the key's row and the rows sharing its fingerprint: never the
    /// whole inventory nor a fresh keychain listing.
    async fn key_findings(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(Vec<Arc<Finding>>, bool)> {
        let (policy, policy_json) = self.policy_with_json().await?;
        let snapshot = self.keychain_snapshot(None).await;
        let acks = self.store.acknowledgements_of(&id.to_string()).await?;
        let mut found: Vec<Arc<Finding>> = match self.loaded_catalog().await? {
            Some(mut catalog) => {
                catalog.findings_of(&[id], &policy, &policy_json, now, snapshot.as_deref())
            }
            None => match self.store.get_key(id).await? {
                None => Vec::new(),
                Some(record) => {
                    let same_value = match record.fingerprint.as_deref() {
                        Some(fp) => self.store.keys_by_fingerprint(fp).await?,
                        None => Vec::new(),
                    };
                    let same_value: Vec<&KeyRecord> = same_value
                        .iter()
                        .filter(|r| r.status != crate::model::KeyStatus::Revoked)
                        .collect();
                    findings::evaluate_key(
                        &record,
                        &same_value,
                        &policy,
                        now,
                        snapshot.as_deref(),
                        &mut findings::Purposes::new(),
                    )
                    .into_iter()
                    .map(Arc::new)
                    .collect()
                }
            },
        };
        findings::acknowledge_shared(&mut found, &acks, now);
        Ok((found, snapshot.is_some()))
    }

    /// Every finding in the list's order with acknowledgements applied, from the catalog's
    /// cache of the whole sorted list (patched after a write; rebuilt after a policy change,
    /// another keychain listing or when time crosses a key's threshold).
    async fn sorted_findings(&self, now: DateTime<Utc>) -> Result<(Vec<Arc<Finding>>, bool)> {
        let (policy, policy_json) = self.policy_with_json().await?;
        let snapshot = self.keychain_snapshot(Some(KEYCHAIN_LISTING_MAX_AGE)).await;
        let acks = self.store.acknowledgements().await?;
        let mut found =
            self.catalog()
                .await?
                .sorted_findings(&policy, &policy_json, now, snapshot.as_ref());
        findings::acknowledge_shared(&mut found, &acks, now);
        Ok((found, snapshot.is_some()))
    }

    /// Every finding (acknowledged ones included, marked) of `records` and of the keychain
    /// entries without a record. Reuse is judged across the whole inventory (the catalog),
    /// so any records may be given; the window passes the list it just showed.
    pub async fn findings_over<R: std::borrow::Borrow<KeyRecord>>(
        &self,
        records: &[R],
    ) -> Result<Vec<Finding>> {
        let now = Utc::now();
        let (policy, policy_json) = self.policy_with_json().await?;
        let snapshot = self.keychain_snapshot(None).await;
        let acks = self.store.acknowledgements().await?;
        let mut catalog = self.catalog().await?;
        let ids: Vec<Uuid> = records.iter().map(|r| r.borrow().id).collect();
        let mut found: Vec<Finding> = catalog
            .findings_of(&ids, &policy, &policy_json, now, snapshot.as_deref())
            .into_iter()
            .map(Arc::unwrap_or_clone)
            .collect();
        if let Some(snapshot) = snapshot.as_deref() {
            found.extend(findings::orphaned_entries(snapshot, |account| {
                catalog.contains_account(account)
            }));
        }
        drop(catalog);
        Ok(findings::apply_acknowledgements(found, &acks, now))
    }

    /// [`Self::findings_over`] for the list's rows (issue 14): the catalog's cached findings
    /// shared, not copied (only acknowledged ones are), so a chunk of 1,000 rows allocates no
    /// finding text. The keychain's own orphans are left out: no record holds them.
    pub async fn shared_findings_over<R: std::borrow::Borrow<KeyRecord>>(
        &self,
        records: &[R],
    ) -> Result<Vec<Arc<Finding>>> {
        let now = Utc::now();
        let (policy, policy_json) = self.policy_with_json().await?;
        let snapshot = self.keychain_snapshot(None).await;
        let acks = self.store.acknowledgements().await?;
        let ids: Vec<Uuid> = records.iter().map(|r| r.borrow().id).collect();
        let mut found = self.catalog().await?.findings_of(
            &ids,
            &policy,
            &policy_json,
            now,
            snapshot.as_deref(),
        );
        findings::acknowledge_shared(&mut found, &acks, now);
        Ok(found)
    }

    pub async fn findings(&self, query: &FindingQuery) -> Result<FindingList> {
        let now = Utc::now();
        let (all, keychain_checked) = match query.key_id {
            Some(id) => {
                let (mut found, checked) = self.key_findings(id, now).await?;
                found.sort_by(|a, b| findings::list_order(a, b));
                (found, checked)
            }
            // Already in the list's order: filtering keeps it.
            None => self.sorted_findings(now).await?,
        };
        let mut acknowledged_hidden = 0;
        let out: Vec<Arc<Finding>> = all
            .into_iter()
            .filter(|f| {
                query
                    .environment
                    .as_deref()
                    .is_none_or(|e| f.key_id.is_some() && f.environment == e)
            })
            .filter(|f| query.kinds.is_empty() || query.kinds.contains(&f.kind))
            .filter(|f| query.key_id.is_none_or(|id| f.key_id == Some(id)))
            .filter(|f| {
                if f.is_acknowledged() && !query.include_acknowledged {
                    acknowledged_hidden += 1;
                    false
                } else {
                    true
                }
            })
            .collect();
        Ok(FindingList {
            evaluated_at: now,
            findings: out,
            acknowledged_hidden,
            keychain_checked,
        })
    }

    // ---- acknowledgements ----

    pub async fn acknowledgements(&self) -> Result<Vec<Acknowledgement>> {
        Ok(self.store.acknowledgements().await?)
    }

    /// Acknowledges one finding kind on one key (or keychain entry); replaces an earlier
    /// acknowledgement of the same. Audited with the reason and the end date.
    pub async fn acknowledge_finding(&self, req: AcknowledgeRequest) -> Result<Acknowledgement> {
        let now = Utc::now();
        let (reason, until) = ack_terms(&req.reason, req.until, now)?;
        let subject = req.subject.trim().to_ascii_lowercase();
        let key = match Uuid::parse_str(&subject) {
            Ok(id) => self.key_if_any(id).await?,
            Err(_) => None,
        };
        if key.is_none() {
            // Not a key: only a keychain entry without a record can be acknowledged. Listed
            // afresh: another program may have left it since the last listing.
            let listed = self.keychain_snapshot(Some(StdDuration::ZERO)).await;
            if !listed.is_some_and(|s| s.accounts.contains(req.subject.trim())) {
                return Err(Error::NotFound(
                    "that key or keychain entry (give a key id or an orphaned entry's account)"
                        .into(),
                ));
            }
        }
        let ack = Acknowledgement {
            subject: key
                .as_ref()
                .map_or_else(|| req.subject.trim().to_owned(), |k| k.id.to_string()),
            kind: req.kind,
            reason,
            acknowledged_by: self.actor.clone(),
            acknowledged_at: now,
            until,
        };
        let event = self.audit(
            AuditAction::FindingAcknowledged,
            key.as_ref(),
            format!(
                "acknowledged {} finding until {}: {}",
                ack.kind.label(),
                until.format("%Y-%m-%d"),
                ack.reason
            ),
        );
        let acks = [(ack, event)];
        self.store.upsert_acknowledgements(&acks).await?;
        let [(ack, _)] = acks;
        tracing::info!(subject = %ack.subject, kind = ack.kind.as_str(), "finding acknowledged");
        Ok(ack)
    }

    /// Acknowledges every open (unacknowledged) finding of `req.kind` on the keys of
    /// `req.provider` and/or `req.environment`, in one transaction, one audit event per key.
    /// Only findings open now: a key added later is judged afresh. Returns what was
    /// acknowledged (empty when nothing matched).
    pub async fn acknowledge_findings(
        &self,
        req: BulkAcknowledgeRequest,
    ) -> Result<Vec<Acknowledgement>> {
        let now = Utc::now();
        let (reason, until) = ack_terms(&req.reason, req.until, now)?;
        let provider = req
            .provider
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let environment = req
            .environment
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        let (records, found, _, _) = self.all_findings(now, true).await?;
        let by_id: std::collections::HashMap<Uuid, &KeyRecord> =
            records.iter().map(|r| (r.id, r)).collect();
        let mut acks = Vec::new();
        for f in found.iter().filter(|f| {
            f.kind == req.kind
                && !f.is_acknowledged()
                && provider.is_none_or(|p| f.provider.eq_ignore_ascii_case(p))
                && environment.is_none_or(|e| f.environment == e)
        }) {
            // Keychain entries without a record belong to no provider or environment.
            let Some(key) = f.key_id.and_then(|id| by_id.get(&id)) else {
                continue;
            };
            let ack = Acknowledgement {
                subject: key.id.to_string(),
                kind: req.kind,
                reason: reason.clone(),
                acknowledged_by: self.actor.clone(),
                acknowledged_at: now,
                until,
            };
            let event = self.audit(
                AuditAction::FindingAcknowledged,
                Some(key),
                format!(
                    "acknowledged {} finding until {} (in bulk): {}",
                    ack.kind.label(),
                    until.format("%Y-%m-%d"),
                    ack.reason
                ),
            );
            acks.push((ack, event));
        }
        self.store.upsert_acknowledgements(&acks).await?;
        tracing::info!(
            kind = req.kind.as_str(),
            count = acks.len(),
            "findings acknowledged in bulk"
        );
        Ok(acks.into_iter().map(|(a, _)| a).collect())
    }

    /// Withdraws an acknowledgement; `false` if there was none.
    pub async fn unacknowledge_finding(&self, subject: &str, kind: FindingKind) -> Result<bool> {
        let subject = subject.trim();
        let key = match Uuid::parse_str(subject) {
            Ok(id) => self.key_if_any(id).await?,
            Err(_) => None,
        };
        let subject = key
            .as_ref()
            .map_or_else(|| subject.to_owned(), |k| k.id.to_string());
        let event = self.audit(
            AuditAction::FindingUnacknowledged,
            key.as_ref(),
            format!(
                "withdrew the acknowledgement of the {} finding",
                kind.label()
            ),
        );
        Ok(self
            .store
            .delete_acknowledgement(&subject, kind, &event)
            .await?)
    }

    // ---- review ----

    pub async fn review(&self, query: &ReviewQuery) -> Result<Review> {
        let now = Utc::now();
        let (records, all, policy, keychain_checked) = self.all_findings(now, true).await?;
        let in_scope = |env: &str| query.environment.as_deref().is_none_or(|e| e == env);
        let records: Vec<KeyRecord> = records
            .into_iter()
            .filter(|r| in_scope(&r.environment))
            .collect();
        let found: Vec<Finding> = all
            .into_iter()
            .filter(|f| match &query.environment {
                Some(e) => f.key_id.is_some() && &f.environment == e,
                None => true,
            })
            .collect();
        let rotations = self.store.rotation_history().await?;
        let mut review = findings::build_review(&records, &found, &policy, now, &rotations);
        review.environment = query.environment.clone();
        review.keychain_checked = keychain_checked;
        Ok(review)
    }

    /// The review rendered for export (the caller writes it where the user chose).
    pub async fn review_report(&self, query: &ReviewQuery, format: ReportFormat) -> Result<String> {
        let review = self.review(query).await?;
        Ok(findings::render(&review, format)?)
    }
}
