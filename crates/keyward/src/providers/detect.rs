//! Guessing provider and kind from a pasted value, masking values for display, and format
//! checks. Nothing here keeps, logs or quotes the value: reasons and errors describe it.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::{
    profile, profiles, CustomProviderSpec, KeyKindProfile, ProviderError, ProviderProfile,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// A suggestion for what a pasted value is. Holds no part of the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detection {
    pub provider: String,
    pub kind: String,
    pub confidence: Confidence,
    /// The UI should ask the user to confirm (or pick among `alternatives`).
    pub needs_confirmation: bool,
    /// Other kinds of the same provider the value may be.
    pub alternatives: Vec<String>,
    /// A sentence for the user; never contains the value.
    pub reason: String,
}

/// Compiled kind patterns, keyed by pattern text (kinds may share one).
static PATTERNS: LazyLock<HashMap<&'static str, Regex>> = LazyLock::new(|| {
    profiles()
        .flat_map(|p| p.kinds.iter())
        .filter_map(|k| k.pattern)
        .filter_map(|pat| Regex::new(pat).ok().map(|re| (pat, re)))
        .collect()
});

pub(super) fn kind_regex(kind: &KeyKindProfile) -> Option<&'static Regex> {
    kind.pattern.and_then(|p| PATTERNS.get(p))
}

/// Built-in kinds with a prefix, longest prefix first so the most specific one wins.
static PREFIXED: LazyLock<Vec<(&'static ProviderProfile, &'static KeyKindProfile)>> =
    LazyLock::new(|| {
        let mut v: Vec<_> = profiles()
            .flat_map(|p| p.kinds.iter().map(move |k| (p, k)))
            .filter(|(_, k)| k.prefix.is_some_and(|pre| !pre.is_empty()))
            .collect();
        // Stable sort: equal lengths keep table order.
        v.sort_by_key(|(_, k)| Reverse(k.prefix.map_or(0, str::len)));
        v
    });

fn known_prefix_of(value: &str) -> Option<&'static str> {
    PREFIXED
        .iter()
        .filter_map(|(_, k)| k.prefix)
        .find(|pre| value.starts_with(pre))
}

/// Every built-in kind prefix (for [`super::shape`]).
pub(super) fn known_prefixes() -> impl Iterator<Item = &'static str> {
    PREFIXED.iter().filter_map(|(_, k)| k.prefix)
}

pub(super) fn starts_with_known_prefix(value: &str) -> bool {
    known_prefix_of(value).is_some()
}

/// Built-in prefixes that other services use too, so a match is only a good guess.
const SHARED_PREFIXES: &[&str] = &["pk_"];

/// Stripe publishable keys, which also start with `pk_`.
pub(super) const STRIPE_LIKE: &[&str] = &["pk_live_", "pk_test_"];

/// Suggest provider + kind from a pasted value. Never errors: unknown formats → provider
/// `custom`, kind `api_key`, Low.
pub fn detect(value: &str, custom: &[CustomProviderSpec]) -> Detection {
    let v = value.trim();
    if v.is_empty() {
        return fallback("The value is empty.".into());
    }
    if let Some((p, k)) = PREFIXED
        .iter()
        .find(|(_, k)| k.prefix.is_some_and(|pre| v.starts_with(pre)))
    {
        return prefixed(p, k, v);
    }
    if let Some(d) = detect_custom(v, custom) {
        return d;
    }
    if let Some(d) = detect_postmark(v) {
        return d;
    }
    let n = v.chars().count();
    let mut reason = format!(
        "No known key format matches this {n}-character value; describe the service as a custom provider."
    );
    if v.chars().any(|c| c.is_control() || c.is_whitespace()) {
        reason.push_str(
            " It contains whitespace or control characters, which API keys normally do not: \
             check what was pasted.",
        );
    }
    fallback(reason)
}

fn fallback(reason: String) -> Detection {
    Detection {
        provider: "custom".into(),
        kind: "api_key".into(),
        confidence: Confidence::Low,
        needs_confirmation: true,
        alternatives: Vec::new(),
        reason,
    }
}

fn detection(
    provider: &str,
    kind: &str,
    confidence: Confidence,
    alternatives: Vec<String>,
    reason: String,
) -> Detection {
    Detection {
        provider: provider.into(),
        kind: kind.into(),
        confidence,
        // Anything short of certain, or ambiguous, goes past the user.
        needs_confirmation: confidence != Confidence::High || !alternatives.is_empty(),
        alternatives,
        reason,
    }
}

fn prefixed(p: &ProviderProfile, k: &KeyKindProfile, v: &str) -> Detection {
    let prefix = k.prefix.unwrap_or_default();
    let what = format!("{} {}", p.display_name, k.display_name);
    // A missing regex would be a bug caught by the tests; don't hold detection hostage to it.
    let shape_ok = kind_regex(k).is_none_or(|re| re.is_match(v));
    if !shape_ok {
        return detection(
            p.id,
            k.id,
            Confidence::Low,
            Vec::new(),
            format!(
                "Starts with {prefix} like a {what}, but the rest does not have the expected \
                 shape (a {what} {}); check that the whole key was copied.",
                k.shape
            ),
        );
    }
    if let Some(other) = STRIPE_LIKE.iter().find(|s| v.starts_with(**s)) {
        return detection(
            p.id,
            k.id,
            Confidence::Low,
            Vec::new(),
            format!(
                "Starts with {other}, which is how Stripe publishable keys look; {} keys also \
                 start with {prefix}, so please confirm.",
                p.display_name
            ),
        );
    }
    // Kinds of the same provider with the same prefix (PostHog's `phs_`: project secret key or
    // the older feature-flags secure key) cannot be told apart by the value.
    let siblings: Vec<&KeyKindProfile> = p
        .kinds
        .iter()
        .filter(|o| o.id != k.id && o.prefix == k.prefix)
        .collect();
    let confidence = if SHARED_PREFIXES.contains(&prefix) || !siblings.is_empty() {
        Confidence::Medium
    } else {
        Confidence::High
    };
    let mut reason = format!("Starts with {prefix} and has the shape of a {what}.");
    if SHARED_PREFIXES.contains(&prefix) {
        reason.push_str(&format!(
            " Other services also use {prefix}, so please confirm."
        ));
    }
    if !siblings.is_empty() {
        let names: Vec<&str> = siblings.iter().map(|o| o.display_name).collect();
        reason.push_str(&format!(
            " A {} {} starts with {prefix} too: please confirm (verifying through a connection tells them apart).",
            p.display_name,
            names.join(" or ")
        ));
    }
    detection(
        p.id,
        k.id,
        confidence,
        siblings.iter().map(|o| o.id.to_owned()).collect(),
        reason,
    )
}

fn detect_custom(v: &str, custom: &[CustomProviderSpec]) -> Option<Detection> {
    let mut matches: Vec<(&CustomProviderSpec, &str)> = custom
        .iter()
        .filter_map(|s| {
            s.prefix
                .as_deref()
                .filter(|pre| !pre.is_empty() && v.len() > pre.len() && v.starts_with(pre))
                .map(|pre| (s, pre))
        })
        .collect();
    matches.sort_by_key(|(_, pre)| Reverse(pre.len()));
    let (best, prefix) = *matches.first()?;
    let rivals: Vec<&str> = matches
        .iter()
        .skip(1)
        .filter(|(_, pre)| pre.len() == prefix.len())
        .map(|(s, _)| s.display_name.as_str())
        .collect();
    let mut reason = format!(
        "Starts with {prefix}, the prefix you set for {}.",
        best.display_name
    );
    // One- or two-character prefixes match too much to be sure.
    let mut confidence = if prefix.len() >= 3 {
        Confidence::High
    } else {
        Confidence::Medium
    };
    if !rivals.is_empty() {
        confidence = Confidence::Medium;
        reason.push_str(&format!(
            " It also matches the prefix of {}, so please confirm.",
            rivals.join(", ")
        ));
    }
    Some(detection(
        &best.id,
        "api_key",
        confidence,
        Vec::new(),
        reason,
    ))
}

fn detect_postmark(v: &str) -> Option<Detection> {
    let p = profile("postmark")?;
    let server = p.kind("server_token")?;
    if !kind_regex(server).is_some_and(|re| re.is_match(v)) {
        return None;
    }
    Some(detection(
        p.id,
        server.id,
        Confidence::Medium,
        vec!["account_token".into()],
        "A UUID, which is how Postmark tokens look. A server token and an account token have \
         the same format, so choose which one this is (Keyward can check by trying both)."
            .into(),
    ))
}

/// `prefix + "…" + last 4` (e.g. `phx_…abcd`); no known prefix → `…abcd`. Values under 12
/// characters show at most their last 2; the hint never reveals half the value or more.
pub fn masked_hint(value: &str) -> String {
    let v = value.trim();
    let n = v.chars().count();
    let tail_len = if n >= 12 { 4 } else { (n / 2).min(2) };
    // Show the prefix only while at least half the value stays hidden.
    let prefix = known_prefix_of(v)
        .filter(|pre| (pre.chars().count() + tail_len) * 2 <= n)
        .unwrap_or("");
    let tail: String = v
        .chars()
        .skip(n - tail_len)
        // The hint is displayed and stored; keep it one printable line.
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("{prefix}…{tail}")
}

/// Values longer than this are not keys (a whole file was pasted, say).
const MAX_KEY_BYTES: usize = 8192;

/// What a format check says of a value that can be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatCheck {
    /// Fits one of the kind's known formats (or the kind has none).
    Fits,
    /// Does not look like this kind; stored anyway, since only the provider can tell
    /// whether a value works. The message does not quote the value.
    Unusual(String),
}

impl FormatCheck {
    pub fn warning(&self) -> Option<&str> {
        match self {
            FormatCheck::Fits => None,
            FormatCheck::Unusual(w) => Some(w),
        }
    }
}

/// Checks a value against a kind's known formats. Detection suggests, it never blocks: only
/// values that cannot be a key at all (empty, with line breaks or control characters, or
/// larger than any key) are refused; anything else that does not fit is a warning, and the
/// provider decides validity. Messages explain without quoting the value.
pub fn check_format(
    provider: &ProviderProfile,
    kind: &KeyKindProfile,
    value: &str,
) -> Result<FormatCheck, ProviderError> {
    if provider.kind(kind.id).is_none() {
        return Err(ProviderError::UnknownKind {
            provider: provider.id.into(),
            kind: kind.id.into(),
        });
    }
    if let Some(problem) = unusable(value) {
        return Err(ProviderError::MalformedKey {
            provider: provider.id.into(),
            kind: kind.id.into(),
            reason: format!("this value {problem}"),
        });
    }
    let Some(re) = kind_regex(kind) else {
        // No known format (custom): anything storable fits.
        return Ok(FormatCheck::Fits);
    };
    if re.is_match(value) {
        return Ok(FormatCheck::Fits);
    }
    let observed = basic_problem(value)
        .or_else(|| {
            kind.prefix
                .filter(|pre| !value.starts_with(pre))
                .map(|pre| format!("does not start with {pre}"))
        })
        .unwrap_or_else(|| {
            let prefix = kind.prefix.unwrap_or_default();
            let body = value.get(prefix.len()..).unwrap_or(value);
            let n = body.chars().count();
            let punct = body
                .chars()
                .any(|c| c.is_ascii_punctuation() && !matches!(c, '_' | '-' | '.'));
            if punct {
                "contains punctuation this format does not allow".into()
            } else if prefix.is_empty() {
                format!("has {n} characters and does not fit that shape")
            } else {
                format!("has {n} characters after {prefix} and does not fit that shape")
            }
        });
    Ok(FormatCheck::Unusual(format!(
        "this does not look like a {} {} (expected a value that {}; this value {observed}); \
         stored anyway — {} decides whether it works",
        provider.display_name, kind.display_name, kind.shape, provider.display_name
    )))
}

/// What makes a value impossible as a key, whatever the provider: nothing, line breaks or
/// control characters (a pasted block of text), or a size no key has.
fn unusable(value: &str) -> Option<String> {
    if value.is_empty() {
        Some("is empty".into())
    } else if value.len() > MAX_KEY_BYTES {
        Some(format!(
            "is {} bytes long, longer than any API key",
            value.len()
        ))
    } else if value.chars().any(|c| c == '\n' || c == '\r') {
        Some("contains a line break (more than one line was pasted?)".into())
    } else if value.chars().any(char::is_control) {
        Some("contains control characters".into())
    } else {
        None
    }
}

/// Problems any key value can have, described without quoting it.
fn basic_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        Some("is empty".into())
    } else if value.trim() != value {
        Some("has leading or trailing whitespace".into())
    } else if value.len() > MAX_KEY_BYTES {
        Some(format!(
            "is {} bytes long, longer than any API key",
            value.len()
        ))
    } else if value.chars().any(char::is_control) {
        Some("contains control characters".into())
    } else if value.chars().any(char::is_whitespace) {
        Some("contains whitespace".into())
    } else if !value.is_ascii() {
        Some("contains non-ASCII characters".into())
    } else {
        None
    }
}
