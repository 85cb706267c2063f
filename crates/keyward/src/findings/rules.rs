//! Provider rules for over-privileged and client-exposed keys, on top of the provider
//! profiles' purpose catalogue (least-privilege kind and scopes per purpose).

use super::Severity;
use crate::model::KeyRecord;
use crate::providers::{
    self, ExcessSeverity, KeyKindProfile, Privilege, ProviderProfile, PurposeProfile,
};

/// What an over-privileged key grants beyond its purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Excess {
    pub severity: Severity,
    pub excess: Vec<String>,
    pub needed: Vec<String>,
    pub suggested_kind: Option<String>,
    pub reason: String,
    pub fix: String,
}

const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "and",
    "or",
    "of",
    "to",
    "for",
    "from",
    "into",
    "in",
    "with",
    "keyward",
    "connection",
];

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

fn normalized(s: &str) -> String {
    words(s).join("_")
}

/// The catalogue purpose a record's free-text purpose means, if any: its id or label
/// ("send_transactional_email", "Send transactional email"), a scope it names
/// ("mail.send"), or the purpose whose id or label words all appear in the text (the one
/// with most words wins; a tie means no match).
pub fn match_purpose(
    provider: &'static ProviderProfile,
    text: &str,
) -> Option<&'static PurposeProfile> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let norm = normalized(text);
    if let Some(p) = provider
        .purposes
        .iter()
        .find(|p| normalized(p.id) == norm || normalized(p.label) == norm)
    {
        return Some(p);
    }
    let lower = text.to_lowercase();
    let by_scope: Vec<&PurposeProfile> = provider
        .purposes
        .iter()
        .filter(|p| p.scopes.iter().any(|s| lower.contains(&s.to_lowercase())))
        .collect();
    if by_scope.len() == 1 {
        return by_scope.first().copied();
    }
    let text_words = words(text);
    let mut best: Option<(usize, &PurposeProfile)> = None;
    let mut tie = false;
    for p in provider.purposes {
        let score = [words(p.id), words(p.label)]
            .into_iter()
            .filter(|w| !w.is_empty() && w.iter().all(|w| text_words.contains(w)))
            .map(|w| w.len())
            .max();
        if let Some(score) = score {
            match best {
                Some((b, _)) if b > score => {}
                Some((b, _)) if b == score => tie = true,
                _ => {
                    best = Some((score, p));
                    tie = false;
                }
            }
        }
    }
    if tie {
        return None;
    }
    best.map(|(_, p)| p)
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// Over-privilege of one record, per the provider's rules; `None` when it is within its
/// purpose or the purpose is not one Keyward can judge.
/// `purpose` is [`match_purpose`] of the record's purpose (the caller caches it: inventories
/// repeat a handful of purposes across thousands of keys).
pub(super) fn over_privilege(
    record: &KeyRecord,
    provider: &'static ProviderProfile,
    kind: &'static KeyKindProfile,
    purpose: Option<&'static PurposeProfile>,
) -> Option<Excess> {
    let granted: Vec<&str> = record.scopes.iter().map(String::as_str).collect();
    let port = providers::get(provider.id);
    // The provider's own rule first (Postman keys always carry the user's full access;
    // a Cloudflare global key has no scopes at all; scope rules per provider).
    if let Some(e) = port.and_then(|p| p.over_privilege(kind, &granted, purpose)) {
        return Some(Excess {
            severity: match e.severity {
                ExcessSeverity::Low => Severity::Low,
                ExcessSeverity::Medium => Severity::Medium,
                ExcessSeverity::High => Severity::High,
            },
            excess: e.excess,
            needed: e.needed,
            suggested_kind: e.suggested_kind,
            reason: e.reason,
            fix: e.fix,
        });
    }
    let purpose = purpose?;
    let needed = strs(purpose.scopes);

    // A more privileged kind than the purpose's least privileged one.
    if let Some(minimal) = provider.kind(purpose.minimal_kind) {
        if minimal.id != kind.id && kind.privilege > minimal.privilege {
            let excess = if let Some(words) = port.and_then(|p| p.broader_kind_excess(kind)) {
                words
            } else {
                let grants: Vec<String> = granted
                    .iter()
                    .filter(|g| !is_restriction_marker(g) && !needed.iter().any(|n| n == *g))
                    .map(|g| (*g).to_owned())
                    .collect();
                if grants.is_empty() {
                    vec![format!(
                        "{}: {}",
                        kind.display_name,
                        privilege_words(kind.privilege)
                    )]
                } else {
                    grants
                }
            };
            return Some(Excess {
                severity: if kind.privilege == Privilege::Full {
                    Severity::High
                } else {
                    Severity::Medium
                },
                excess,
                needed: needed.clone(),
                suggested_kind: Some(minimal.id.to_owned()),
                reason: format!(
                    "A {} ({}) is used to {}; a {} ({}) is enough.",
                    kind.display_name,
                    privilege_words(kind.privilege),
                    purpose.label.to_lowercase(),
                    minimal.display_name,
                    privilege_words(minimal.privilege)
                ),
                fix: format!(
                    "Create a {}{} for this purpose, deploy it, then revoke this key.",
                    minimal.display_name,
                    scopes_clause(&needed)
                ),
            });
        }
    }
    None
}

/// PostHog's `team:…`/`organization:…` entries limit a key; they grant nothing.
fn is_restriction_marker(scope: &str) -> bool {
    scope.starts_with("team:") || scope.starts_with("organization:")
}

/// Client-exposed: a secret-grade kind whose usage puts it on users' devices.
pub(super) fn client_exposure(
    record: &KeyRecord,
    provider: Option<&'static ProviderProfile>,
    kind: Option<&'static KeyKindProfile>,
) -> Option<Excess> {
    let usage = record.usage.filter(|u| u.is_client_side())?;
    if kind.is_some_and(|k| k.client_safe) {
        return None;
    }
    let public = provider.and_then(|p| {
        p.kinds
            .iter()
            .find(|k| k.client_safe && k.id != record.kind)
    });
    let privilege = kind.map_or(Privilege::Scoped, |k| k.privilege);
    let granted: Vec<String> = record
        .scopes
        .iter()
        .filter(|s| !is_restriction_marker(s))
        .cloned()
        .collect();
    Some(Excess {
        severity: if privilege == Privilege::Full {
            Severity::Critical
        } else {
            Severity::High
        },
        excess: if granted.is_empty() {
            vec![format!("{} in {} code", privilege_words(privilege), usage.as_str())]
        } else {
            granted
        },
        needed: Vec::new(),
        suggested_kind: public.map(|k| k.id.to_owned()),
        reason: format!(
            "A {} is marked as used in {} code, where anyone with the app can read it; {}.",
            kind.map_or("secret key", |k| k.display_name),
            usage.as_str(),
            match public {
                Some(k) => format!("only a {} belongs there", k.display_name),
                None => "this provider has no kind that belongs there".to_owned(),
            }
        ),
        fix: match public {
            Some(k) => format!(
                "Use a {} in the client, move this key's calls to your backend, then rotate this key (treat it as leaked).",
                k.display_name
            ),
            None => "Move the calls that need this key to your backend, then rotate it (treat it as leaked).".into(),
        },
    })
}

fn privilege_words(p: Privilege) -> &'static str {
    match p {
        Privilege::Public => "public, ingestion only",
        Privilege::ReadOnly => "read-only",
        Privilege::Scoped => "scoped",
        Privilege::Full => "full access",
    }
}

fn scopes_clause(needed: &[String]) -> String {
    if needed.is_empty() {
        String::new()
    } else {
        format!(" with {} only", needed.join(", "))
    }
}
