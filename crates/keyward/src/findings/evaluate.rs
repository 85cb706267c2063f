//! The rules: records + policy + now (+ keychain listing) → findings.

use super::attention::{attention_of, unscoped_provider_kind};
use super::rules::{client_exposure, match_purpose, over_privilege, Excess};
use super::{
    Acknowledgement, Attention, Finding, FindingKind, FindingPolicy, FixAction, KeychainSnapshot,
    Severity,
};
use crate::model::VerifyOutcome;
use crate::model::{KeyRecord, KeyStatus};
use crate::providers::{self, PurposeProfile};
use crate::vault::is_reserved_account;
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};

fn days(n: u32) -> Duration {
    Duration::days(i64::from(n))
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// When the key is due for rotation: last rotation (else creation) + the environment's max age.
pub fn rotation_due_at(record: &KeyRecord, policy: &FindingPolicy) -> DateTime<Utc> {
    let base = record.last_rotated_at.unwrap_or(record.created_at);
    base + days(policy.for_environment(&record.environment).max_age_days)
}

fn finding(
    record: &KeyRecord,
    kind: FindingKind,
    severity: Severity,
    action: FixAction,
) -> Finding {
    Finding {
        key_id: Some(record.id),
        keychain_account: None,
        key_name: record.name.clone(),
        environment: record.environment.clone(),
        provider: record.provider.clone(),
        key_kind: record.kind.clone(),
        owner: record.owner.clone(),
        kind,
        severity,
        attention: Attention::Action,
        reason: String::new(),
        fix: String::new(),
        action,
        excess_scopes: Vec::new(),
        needed_scopes: Vec::new(),
        suggested_kind: None,
        due_at: None,
        related_keys: Vec::new(),
        acknowledgement: None,
    }
}

fn from_excess(mut f: Finding, e: Excess) -> Finding {
    f.severity = e.severity;
    f.reason = e.reason;
    f.fix = e.fix;
    f.excess_scopes = e.excess;
    f.needed_scopes = e.needed;
    f.suggested_kind = e.suggested_kind;
    f
}

/// Every finding for `records` under `policy` at `now`. With `keychain` (the accounts
/// under Keyward's service), orphans in both directions are found too; without it (keychain
/// locked or unreachable) they are not guessed. Revoked keys are history: no findings.
/// Keys in the middle of a rotation (pending, grace) are not flagged stale, unused,
/// over-privileged or incomplete — the rotation is already the fix.
pub fn evaluate(
    records: &[KeyRecord],
    policy: &FindingPolicy,
    now: DateTime<Utc>,
    keychain: Option<&KeychainSnapshot>,
) -> Vec<Finding> {
    let mut by_fingerprint: HashMap<&str, Vec<&KeyRecord>> = HashMap::new();
    for r in records.iter().filter(|r| r.status != KeyStatus::Revoked) {
        if let Some(fp) = r.fingerprint.as_deref() {
            by_fingerprint.entry(fp).or_default().push(r);
        }
    }
    let mut purposes = Purposes::new();
    let mut out = Vec::new();
    for r in records.iter().filter(|r| r.status != KeyStatus::Revoked) {
        let same_value = r
            .fingerprint
            .as_deref()
            .and_then(|fp| by_fingerprint.get(fp))
            .map_or(&[][..], Vec::as_slice);
        out.extend(evaluate_key(
            r,
            same_value,
            policy,
            now,
            keychain,
            &mut purposes,
        ));
    }
    if let Some(snapshot) = keychain {
        let ids: HashSet<String> = records.iter().map(|r| r.id.to_string()).collect();
        out.extend(orphaned_entries(snapshot, |account| ids.contains(account)));
    }
    out
}

/// Purpose matches already made, by (provider, purpose): many keys share a purpose.
pub type Purposes<'r> = HashMap<(&'static str, &'r str), Option<&'static PurposeProfile>>;

/// One key's findings (none for a revoked key). `same_value`: the unrevoked records with the
/// key's fingerprint, itself included (the reuse rule); `keychain` as for [`evaluate`]. This
/// is all a key's findings depend on besides the policy and `now`: the in-memory catalog
/// evaluates one key at a time from its fingerprint index.
pub fn evaluate_key<'r>(
    r: &'r KeyRecord,
    same_value: &[&KeyRecord],
    policy: &FindingPolicy,
    now: DateTime<Utc>,
    keychain: Option<&KeychainSnapshot>,
    purposes: &mut Purposes<'r>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if r.status == KeyStatus::Revoked {
        return out;
    }
    {
        let settled = matches!(r.status, KeyStatus::Active | KeyStatus::Invalid);
        let env = policy.for_environment(&r.environment);
        let profile = providers::profile(&r.provider);
        let kind = profile.and_then(|p| p.kind(&r.kind));
        let outcome = r.verify_outcome;

        // stale
        let due = rotation_due_at(r, policy);
        if settled && now >= due {
            let base = r.last_rotated_at.unwrap_or(r.created_at);
            let age = (now - base).num_days();
            let mut f = finding(
                r,
                FindingKind::Stale,
                if now >= due + days(env.max_age_days) {
                    Severity::High
                } else {
                    Severity::Medium
                },
                FixAction::Rotate,
            );
            f.reason = format!(
                "{} {} ({age} days ago); keys in {} are rotated every {} days, so it was due on {}.",
                if r.last_rotated_at.is_some() {
                    "Last rotated on"
                } else {
                    "Never rotated since it was created on"
                },
                day(base),
                r.environment,
                env.max_age_days,
                day(due)
            );
            f.fix = "Rotate it.".into();
            f.due_at = Some(due);
            out.push(f);
        }

        // unused
        if settled {
            let reports_use = providers::profile(&r.provider)
                .and_then(|p| p.kind(&r.kind))
                .is_some_and(|k| k.reports_last_use);
            let checked = r.last_verified_at.is_some() || r.remote_id.is_some();
            let unused = match r.last_used_at {
                Some(used) => (now - used >= days(env.unused_days)).then(|| {
                    format!(
                        "Last used on {} ({} days ago)",
                        day(used),
                        (now - used).num_days()
                    )
                }),
                None if reports_use && checked && now - r.created_at >= days(env.unused_days) => {
                    Some(format!(
                        "The provider reports no use since it was created on {} ({} days ago)",
                        day(r.created_at),
                        (now - r.created_at).num_days()
                    ))
                }
                None => None,
            };
            if let Some(why) = unused {
                let mut f = finding(r, FindingKind::Unused, Severity::Low, FixAction::Revoke);
                f.reason = format!(
                    "{why}; the policy for {} is {} days.",
                    r.environment, env.unused_days
                );
                f.fix = "If nothing needs it any more, revoke it; otherwise acknowledge this finding with the reason."
                    .into();
                out.push(f);
            }
        }

        // expired / expiring
        let expired_by_date = r.expires_at.is_some_and(|e| e <= now);
        if expired_by_date || outcome == Some(VerifyOutcome::Expired) {
            let mut f = finding(r, FindingKind::Expired, Severity::High, FixAction::Rotate);
            f.reason = match r.expires_at.filter(|_| expired_by_date) {
                Some(e) => format!("It expired on {}.", day(e)),
                None => "The provider says it has expired.".into(),
            };
            f.fix = "Rotate it (or create a replacement) and deploy the new value.".into();
            f.due_at = r.expires_at;
            out.push(f);
        } else if let Some(e) = r.expires_at.filter(|e| *e - now <= days(env.expiring_days)) {
            let left = (e - now).num_days();
            let mut f = finding(
                r,
                FindingKind::Expiring,
                Severity::Medium,
                FixAction::Rotate,
            );
            f.reason = format!(
                "It expires on {} (in {left} day{}); the warning window for {} is {} days.",
                day(e),
                if left == 1 { "" } else { "s" },
                r.environment,
                env.expiring_days
            );
            f.fix = "Rotate it before it expires and deploy the new value.".into();
            f.due_at = Some(e);
            out.push(f);
        }

        // invalid
        if r.status == KeyStatus::Invalid
            || matches!(
                outcome,
                Some(VerifyOutcome::Invalid | VerifyOutcome::Disabled)
            )
        {
            let mut f = finding(r, FindingKind::Invalid, Severity::High, FixAction::Rotate);
            f.reason = format!(
                "The last verification{} said the provider no longer accepts it{}.",
                r.last_verified_at
                    .map(|at| format!(" ({})", day(at)))
                    .unwrap_or_default(),
                match outcome {
                    Some(VerifyOutcome::Disabled) => " (disabled or revoked at the provider)",
                    _ => " (401: invalid or revoked)",
                }
            );
            f.fix = "If it was revoked on purpose, remove it; otherwise rotate it to get a working key, then verify again."
                .into();
            out.push(f);
        }

        // over-privileged; a provider without a narrower kind (Postman) is a fact about the
        // provider, said once by `provider_facts`, not a finding on every key.
        if settled {
            let judged = match (profile, kind) {
                (Some(p), Some(k)) if !unscoped_provider_kind(p, k) => Some((p, k)),
                _ => None,
            };
            if let Some((p, k)) = judged {
                let purpose = *purposes
                    .entry((p.id, r.purpose.as_str()))
                    .or_insert_with(|| match_purpose(p, &r.purpose));
                if let Some(e) = over_privilege(r, p, k, purpose) {
                    let action = FixAction::Narrow;
                    out.push(from_excess(
                        finding(r, FindingKind::OverPrivileged, Severity::Medium, action),
                        e,
                    ));
                }
            }
        }

        // client-exposed
        if let Some(e) = client_exposure(r, profile, kind) {
            out.push(from_excess(
                finding(
                    r,
                    FindingKind::ClientExposed,
                    Severity::High,
                    FixAction::Narrow,
                ),
                e,
            ));
        }

        // reused
        let others: Vec<&KeyRecord> = same_value
            .iter()
            .copied()
            .filter(|o| o.id != r.id)
            .collect();
        if r.fingerprint.is_some() && !others.is_empty() {
            let across = others.iter().any(|o| o.environment != r.environment);
            let mut f = finding(
                r,
                FindingKind::Reused,
                if across {
                    Severity::High
                } else {
                    Severity::Medium
                },
                FixAction::Rotate,
            );
            f.reason = format!(
                "The same value is stored in {} other record{}{}: {}.",
                others.len(),
                if others.len() == 1 { "" } else { "s" },
                if across { ", across environments" } else { "" },
                others
                    .iter()
                    .take(5)
                    .map(|o| format!("{} ({})", o.name, o.environment))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            f.fix =
                "Give each environment and use its own key: rotate this one so the values differ, \
                     or remove the duplicate record."
                    .into();
            f.related_keys = others.iter().map(|o| o.id).collect();
            out.push(f);
        }

        // orphaned: a record whose value the keychain does not hold (keys tracked without
        // a value have no fingerprint and are not expected there).
        if let Some(snapshot) = keychain {
            if r.fingerprint.is_some() && !snapshot.accounts.contains(&r.id.to_string()) {
                let mut f = finding(
                    r,
                    FindingKind::Orphaned,
                    Severity::Medium,
                    FixAction::Rotate,
                );
                f.reason = "The keychain holds no value for this key.".into();
                f.fix = "Rotate it to take custody of a fresh value, or remove the record if the key is gone."
                    .into();
                out.push(f);
            }
        }

        // incomplete
        if settled {
            let no_owner = r.owner.as_deref().is_none_or(|o| o.trim().is_empty());
            let no_purpose = r.purpose.trim().is_empty();
            if no_owner || no_purpose {
                let missing = match (no_owner, no_purpose) {
                    (true, true) => "an owner and a purpose",
                    (true, false) => "an owner",
                    _ => "a purpose",
                };
                let mut f = finding(r, FindingKind::Incomplete, Severity::Low, FixAction::Edit);
                f.reason = format!(
                    "Nobody can tell who answers for it or why it exists: it lacks {missing}."
                );
                f.fix = format!("Add {missing}.");
                out.push(f);
            }
        }
    }

    for f in &mut out {
        f.attention = attention_of(f);
    }
    out
}

/// Keychain entries without a record (`is_key`: whether an account is a key's id), sorted.
/// A pending value of a known key, named `<id>…`, belongs to that key's rotation and is not
/// an orphan.
pub fn orphaned_entries(
    snapshot: &KeychainSnapshot,
    is_key: impl Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut accounts: Vec<&String> = snapshot
        .accounts
        .iter()
        .filter(|a| !is_reserved_account(a))
        .filter(|a| !is_key(a.get(..36).unwrap_or(a)))
        .collect();
    accounts.sort();
    accounts
        .into_iter()
        .map(|account| {
            let mut f = Finding {
                key_id: None,
                keychain_account: Some(account.clone()),
                key_name: String::new(),
                environment: String::new(),
                provider: String::new(),
                key_kind: String::new(),
                owner: None,
                kind: FindingKind::Orphaned,
                severity: Severity::Low,
                attention: Attention::Action,
                reason: "The keychain holds a Keyward entry that no key record refers to.".into(),
                fix: "If you know which key it is, add it again; otherwise delete the entry (Seahorse, or \
                      `secret-tool clear service dev.keyward.app username <account>`)."
                    .into(),
                action: FixAction::Remove,
                excess_scopes: Vec::new(),
                needed_scopes: Vec::new(),
                suggested_kind: None,
                due_at: None,
                related_keys: Vec::new(),
                acknowledgement: None,
            };
            f.attention = attention_of(&f);
            f
        })
        .collect()
}

/// Until when a key's findings stay as they are at `now` if nothing but time changes: the
/// next instant a time rule crosses a threshold or a "N days" figure in a reason moves.
/// `None`: never (by time alone). Conservative: an earlier instant only costs a recompute.
pub fn findings_valid_until(
    r: &KeyRecord,
    policy: &FindingPolicy,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if r.status == KeyStatus::Revoked {
        return None;
    }
    let env = policy.for_environment(&r.environment);
    let mut next: Option<DateTime<Utc>> = None;
    let mut at = |t: DateTime<Utc>| {
        if t > now && next.is_none_or(|n| t < n) {
            next = Some(t);
        }
    };
    // The next whole-day step of `now - since` (a reason's "N days ago").
    let day_step = |since: DateTime<Utc>| {
        let elapsed = (now - since).num_days();
        since + Duration::days(elapsed.max(0) + 1)
    };
    let due = rotation_due_at(r, policy);
    at(due);
    at(due + days(env.max_age_days));
    let base = r.last_rotated_at.unwrap_or(r.created_at);
    if now >= due {
        at(day_step(base));
    }
    let unused_since = r.last_used_at.unwrap_or(r.created_at);
    at(unused_since + days(env.unused_days));
    if now - unused_since >= days(env.unused_days) {
        at(day_step(unused_since));
    }
    if let Some(e) = r.expires_at {
        at(e);
        at(e - days(env.expiring_days));
        if e > now {
            // "in N days": (e - now).num_days() drops just after e - N days.
            let left = (e - now).num_days();
            at(e - Duration::days(left) + Duration::microseconds(1));
        }
    }
    next
}

/// Marks findings covered by a live acknowledgement (same subject and kind, not lapsed).
pub fn apply_acknowledgements(
    mut findings: Vec<Finding>,
    acknowledgements: &[Acknowledgement],
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let live: HashMap<(&str, FindingKind), &Acknowledgement> = acknowledgements
        .iter()
        .filter(|a| a.is_live(now))
        .map(|a| ((a.subject.as_str(), a.kind), a))
        .collect();
    for f in &mut findings {
        let subject = f.subject();
        f.acknowledgement = live
            .get(&(subject.as_str(), f.kind))
            .map(|a| Box::new((*a).clone()));
    }
    findings
}

/// [`apply_acknowledgements`] on shared findings (the in-memory inventory's cached list):
/// only the findings a live acknowledgement covers are copied, and matching a key's finding
/// allocates nothing (its id is compared, not its text).
pub fn acknowledge_shared(
    findings: &mut [std::sync::Arc<Finding>],
    acknowledgements: &[Acknowledgement],
    now: DateTime<Utc>,
) {
    let mut by_account: HashMap<(&str, FindingKind), &Acknowledgement> = HashMap::new();
    let mut by_key: HashMap<(uuid::Uuid, FindingKind), &Acknowledgement> = HashMap::new();
    for a in acknowledgements.iter().filter(|a| a.is_live(now)) {
        by_account.insert((a.subject.as_str(), a.kind), a);
        // A key's finding names its key by the id's canonical text.
        if let Ok(id) = uuid::Uuid::parse_str(&a.subject) {
            let mut text = uuid::Uuid::encode_buffer();
            if *id.hyphenated().encode_lower(&mut text) == *a.subject {
                by_key.insert((id, a.kind), a);
            }
        }
    }
    for f in findings.iter_mut() {
        let live = match (f.key_id, &f.keychain_account) {
            (Some(id), _) => by_key.get(&(id, f.kind)),
            (None, Some(account)) => by_account.get(&(account.as_str(), f.kind)),
            (None, None) => by_account.get(&("", f.kind)),
        };
        if live.is_some() || f.acknowledgement.is_some() {
            std::sync::Arc::make_mut(f).acknowledgement = live.map(|a| Box::new((*a).clone()));
        }
    }
}

/// The findings list's order: worst first, then kind, environment and key name (a stable
/// sort keeps the keys' display order among equals).
pub fn list_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.kind.cmp(&b.kind))
        .then_with(|| a.environment.cmp(&b.environment))
        .then_with(|| a.key_name.cmp(&b.key_name))
}
