//! Which findings need action, and which facts belong to a provider rather than to each key.
//!
//! A warning on every key that the user cannot act on trains them to ignore the badges
//! (issue 16: half of 250 keys carried one). So each finding gets an [`Attention`] from its
//! kind and context, and a provider whose keys cannot be narrowed at all (every kind has full
//! access, no scopes: Postman, Postmon) is described once as a [`ProviderFact`].

use super::{Attention, Finding, FindingKind, Severity};
use crate::model::{KeyRecord, KeyStatus};
use crate::providers::{self, KeyKindProfile, Privilege, ProviderProfile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a finding asks of the user, from its kind and context:
/// - broken, expired, due or exposed keys (invalid, expired, expiring, stale, client-exposed),
///   a value reused across environments, a record whose value the keychain lost: action;
/// - over-privilege: action when high (a full-access kind or a write/wildcard grant for a
///   narrower purpose), otherwise a warning; unused keys, reuse within one environment and a
///   keychain entry without a record: warning;
/// - a missing owner or purpose: info (a gentle prompt, never a badge).
pub fn attention_of(f: &Finding) -> Attention {
    match f.kind {
        FindingKind::Invalid
        | FindingKind::Expired
        | FindingKind::Expiring
        | FindingKind::Stale
        | FindingKind::ClientExposed => Attention::Action,
        FindingKind::OverPrivileged | FindingKind::Reused => {
            if f.severity >= Severity::High {
                Attention::Action
            } else {
                Attention::Warning
            }
        }
        FindingKind::Orphaned => {
            if f.key_id.is_some() {
                Attention::Action
            } else {
                Attention::Warning
            }
        }
        FindingKind::Unused => Attention::Warning,
        FindingKind::Incomplete => Attention::Info,
    }
}

/// Whether `kind`'s privilege is a fact of the provider the user cannot change on a key:
/// it has full access and the provider offers no kind with less (no scopes anywhere).
pub fn unscoped_provider_kind(provider: &ProviderProfile, kind: &KeyKindProfile) -> bool {
    kind.privilege == Privilege::Full
        && provider
            .kinds
            .iter()
            .all(|k| k.privilege == Privilege::Full)
}

/// A fact about a provider's keys that holds for every key of the kind, said once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderFact {
    pub provider: String,
    pub provider_name: String,
    pub key_kind: String,
    pub key_kind_name: String,
    /// Keys of this kind in the inventory (revoked ones left out).
    pub keys: usize,
    /// The fact, in one sentence.
    pub fact: String,
    /// What the user can do about it, if anything.
    pub advice: String,
}

/// The fact for one provider kind whose keys always carry full access, from the provider's
/// own over-privilege rule where it has one (its words), else from the profile.
pub fn unscoped_fact(provider: &ProviderProfile, kind: &KeyKindProfile) -> ProviderFact {
    let own = providers::get(provider.id).and_then(|port| {
        let kind = port.profile().kind(kind.id)?;
        port.over_privilege(kind, &[], None)
    });
    let (fact, advice) = match own {
        Some(e) => (e.reason, e.fix),
        None => (
            format!(
                "A {} {} carries full access; {} keys have no scopes and no narrower kind.",
                provider.display_name, kind.display_name, provider.display_name
            ),
            "Keep such keys out of places that need less, and rotate them on schedule.".into(),
        ),
    };
    ProviderFact {
        provider: provider.id.to_owned(),
        provider_name: provider.display_name.to_owned(),
        key_kind: kind.id.to_owned(),
        key_kind_name: kind.display_name.to_owned(),
        keys: 0,
        fact,
        advice,
    }
}

/// The facts of one provider (its kinds whose keys always carry full access), key counts 0.
pub fn facts_of(provider: &ProviderProfile) -> Vec<ProviderFact> {
    provider
        .kinds
        .iter()
        .filter(|k| unscoped_provider_kind(provider, k))
        .map(|k| unscoped_fact(provider, k))
        .collect()
}

/// The provider facts that apply to `records` (one per provider kind, with its key count),
/// in provider then kind order.
pub fn provider_facts(records: &[KeyRecord]) -> Vec<ProviderFact> {
    let mut facts: BTreeMap<(&str, &str), ProviderFact> = BTreeMap::new();
    for r in records.iter().filter(|r| r.status != KeyStatus::Revoked) {
        let Some(p) = providers::profile(&r.provider) else {
            continue;
        };
        let Some(k) = p.kind(&r.kind).filter(|k| unscoped_provider_kind(p, k)) else {
            continue;
        };
        facts
            .entry((p.id, k.id))
            .or_insert_with(|| unscoped_fact(p, k))
            .keys += 1;
    }
    facts.into_values().collect()
}
