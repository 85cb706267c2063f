//! Provider rules for over-privileged and client-exposed keys, on top of the provider
//! profiles' purpose catalogue (least-privilege kind and scopes per purpose).

use super::Severity;
use crate::model::KeyRecord;
use crate::provider::{KeyKindProfile, Privilege, ProviderProfile, PurposeProfile};

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

/// SendGrid adds these to every key; they grant nothing.
const SENDGRID_IMPLICIT: &[&str] = &[
    "2fa_exempt",
    "2fa_required",
    "sender_verification_eligible",
    "sender_verification_exempt",
    "sender_verification_legacy",
];

/// Scopes only a full-access SendGrid key holds.
const SENDGRID_ADMIN_PREFIXES: &[&str] = &["api_keys.", "user.", "subusers.", "teammates."];

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
    // Postman keys carry their user's full access whatever the purpose.
    if provider.id == "postman" {
        return Some(Excess {
            severity: Severity::Low,
            excess: vec!["full access of the user".into()],
            needed: Vec::new(),
            suggested_kind: None,
            reason:
                "A Postman API key carries its user's full access; Postman keys have no scopes."
                    .into(),
            fix:
                "Prefer a narrower credential: a key of a dedicated Postman user who sees only the \
                  workspaces this task needs. Acknowledge this finding if this key already is one."
                    .into(),
        });
    }
    if provider.id == "cloudflare" && kind.id == "global_api_key" {
        let suggested = purpose.map_or("account_token", |p| p.minimal_kind);
        return Some(Excess {
            severity: Severity::High,
            excess: vec!["global API key: everything the user can do".into()],
            needed: purpose.map(|p| strs(p.scopes)).unwrap_or_default(),
            suggested_kind: Some(suggested.to_owned()),
            reason: "A Cloudflare global API key has full access, with no scopes, IP conditions or expiry."
                .into(),
            fix: "Create a scoped API token with only the permissions this task needs, deploy it, \
                  then change the global key."
                .into(),
        });
    }
    let purpose = purpose?;
    let needed = strs(purpose.scopes);
    let granted: Vec<&str> = record.scopes.iter().map(String::as_str).collect();

    // A more privileged kind than the purpose's least privileged one.
    if let Some(minimal) = provider.kind(purpose.minimal_kind) {
        if minimal.id != kind.id && kind.privilege > minimal.privilege {
            let excess = if provider.id == "postmark" && kind.id == "account_token" {
                strs(&[
                    "account-wide: every server",
                    "domains",
                    "sender signatures",
                    "every server token",
                ])
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
    match provider.id {
        "posthog" if kind.id == "personal" => posthog_personal(&granted, purpose, &needed),
        "cloudflare" => cloudflare(&granted, purpose, &needed),
        "sendgrid" => sendgrid(&granted, purpose, &needed),
        _ => None,
    }
}

/// PostHog's `team:…`/`organization:…` entries limit a key; they grant nothing.
fn is_restriction_marker(scope: &str) -> bool {
    scope.starts_with("team:") || scope.starts_with("organization:")
}

fn posthog_personal(
    granted: &[&str],
    purpose: &PurposeProfile,
    needed: &[String],
) -> Option<Excess> {
    // Empty = never verified: nothing known, nothing claimed.
    if granted.is_empty() || needed.is_empty() {
        return None;
    }
    let mut excess: Vec<String> = granted
        .iter()
        .filter(|g| !is_restriction_marker(g) && !needed.iter().any(|n| n == *g))
        .map(|g| (*g).to_owned())
        .collect();
    let limited = granted.iter().any(|g| is_restriction_marker(g));
    if !limited {
        excess.push("all projects and organizations (no scoped teams or organizations)".into());
    }
    if excess.is_empty() {
        return None;
    }
    let wildcard = granted.contains(&"*");
    Some(Excess {
        severity: if wildcard {
            Severity::High
        } else {
            Severity::Medium
        },
        excess,
        needed: needed.to_vec(),
        suggested_kind: (purpose.minimal_kind != "personal")
            .then(|| purpose.minimal_kind.to_owned()),
        reason: format!(
            "This personal key grants {} to {}, which needs only {}.",
            if wildcard {
                "full access (`*`)".to_owned()
            } else {
                "more than its purpose".to_owned()
            },
            purpose.label.to_lowercase(),
            needed.join(", ")
        ),
        fix: if purpose.minimal_kind == "project_secret" {
            format!(
                "Create a project secret key (phs_) with {} only, deploy it, then revoke this personal key.",
                needed.join(", ")
            )
        } else {
            format!(
                "Create a personal key limited to {} and to this project, deploy it, then revoke this one.",
                needed.join(", ")
            )
        },
    })
}

fn is_edit_permission(scope: &str) -> bool {
    let s = scope.to_ascii_lowercase();
    s.ends_with(" write") || s.ends_with(" edit") || s == "cache purge"
}

fn cloudflare(granted: &[&str], purpose: &PurposeProfile, needed: &[String]) -> Option<Excess> {
    if granted.is_empty() || needed.is_empty() {
        return None;
    }
    let read_purpose = needed
        .iter()
        .all(|n| n.to_ascii_lowercase().ends_with(" read"));
    let wildcards: Vec<String> = granted
        .iter()
        .filter(|g| g.starts_with("resource:"))
        .map(|g| (*g).to_owned())
        .collect();
    let extra: Vec<String> = granted
        .iter()
        .filter(|g| {
            !g.starts_with("resource:") && !needed.iter().any(|n| n.eq_ignore_ascii_case(g))
        })
        .map(|g| (*g).to_owned())
        .collect();
    let edits: Vec<String> = extra
        .iter()
        .filter(|g| is_edit_permission(g))
        .cloned()
        .collect();
    if extra.is_empty() {
        return None;
    }
    let mut excess = extra.clone();
    // Wildcard resources matter when the token can also change things it does not need to.
    if !edits.is_empty() {
        excess.extend(wildcards.iter().cloned());
    }
    let severity = if read_purpose && !edits.is_empty() && !wildcards.is_empty() {
        Severity::High
    } else {
        Severity::Medium
    };
    Some(Excess {
        severity,
        excess,
        needed: needed.to_vec(),
        suggested_kind: None,
        reason: if read_purpose && !edits.is_empty() {
            format!(
                "This token can change things ({}){} but is used to {}, which only reads.",
                edits.join(", "),
                if wildcards.is_empty() {
                    ""
                } else {
                    " on every resource of its kind"
                },
                purpose.label.to_lowercase()
            )
        } else {
            format!(
                "This token holds permissions that {} does not need: {}.",
                purpose.label.to_lowercase(),
                extra.join(", ")
            )
        },
        fix: format!(
            "Create a token with {} only, limited to the zones or accounts it serves; deploy it, then revoke this one.",
            needed.join(", ")
        ),
    })
}

fn sendgrid(granted: &[&str], purpose: &PurposeProfile, needed: &[String]) -> Option<Excess> {
    if granted.is_empty() || needed.is_empty() {
        return None;
    }
    let excess: Vec<String> = granted
        .iter()
        .filter(|g| !SENDGRID_IMPLICIT.contains(g) && !needed.iter().any(|n| n == *g))
        .map(|g| (*g).to_owned())
        .collect();
    if excess.is_empty() {
        return None;
    }
    let full = excess
        .iter()
        .any(|g| SENDGRID_ADMIN_PREFIXES.iter().any(|p| g.starts_with(p)));
    Some(Excess {
        severity: if full {
            Severity::High
        } else {
            Severity::Medium
        },
        excess,
        needed: needed.to_vec(),
        suggested_kind: None,
        reason: format!(
            "This {}key is used to {}, which needs only {}.",
            if full { "full-access " } else { "" },
            purpose.label.to_lowercase(),
            needed.join(", ")
        ),
        fix: format!(
            "Create a restricted key with {} only, deploy it, then delete this one.",
            needed.join(", ")
        ),
    })
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
