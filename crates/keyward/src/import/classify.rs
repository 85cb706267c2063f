//! Which `.env` lines are keys and which are configuration. A `.env` file mixes both
//! (`PORT=3000` beside `STRIPE_KEY=sk_…`); importing `DEBUG=true` as an API key is noise the
//! user then has to remove. Each line gets a suggestion and a reason the window shows; the user
//! decides. Reads only the value's shape; reasons never quote it.

use crate::providers::{self, Confidence, CustomProviderSpec};
use serde::Serialize;

/// What to do with one line, and why (a phrase for the window; never the value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// Ticked in the preview, imported by the CLI without `--include-config`.
    pub import: bool,
    pub reason: String,
}

impl Suggestion {
    /// A row of a CSV key list: the file says it is a key.
    pub fn listed() -> Suggestion {
        Suggestion::key("a row of a key list")
    }

    fn key(reason: impl Into<String>) -> Suggestion {
        Suggestion {
            import: true,
            reason: reason.into(),
        }
    }

    fn config(reason: impl Into<String>) -> Suggestion {
        Suggestion {
            import: false,
            reason: reason.into(),
        }
    }
}

/// Shorter values say too little about their randomness.
const RANDOM_MIN_LEN: usize = 16;
/// Letter/digit alternations (`q8Zr2Lx`) of a generated value; written words and settings
/// have few (`ec2`, `token-0001`, a timestamp's `01T00` and `00Z` make three).
const RANDOM_MIN_ALTERNATIONS: usize = 4;
/// Entropy (bits per character) that, with those alternations, rules out `a1a1a1a1…`.
const RANDOM_MIN_BITS_MIXED: f64 = 3.0;
/// Entropy of a long value without digits that still looks generated: words score lower
/// (`production-database` 3.7), 20 random letters about 4.2 or more.
const RANDOM_MIN_BITS_LETTERS: f64 = 4.2;
const RANDOM_LETTERS_MIN_LEN: usize = 20;
/// A word or two (an app name, `production`, `us-east-1`), not a generated value.
const PLAIN_WORDS_MAX_LEN: usize = 32;

const LOG_LEVELS: &[&str] = &[
    "trace",
    "debug",
    "info",
    "information",
    "notice",
    "warn",
    "warning",
    "error",
    "fatal",
    "critical",
    "crit",
    "alert",
    "emerg",
    "panic",
    "verbose",
    "silly",
    "silent",
];
const BOOLEANS: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none", "null",
];
/// Words of a variable name that say it holds a credential.
const SECRET_NAME_WORDS: &[&str] = &[
    "KEY",
    "APIKEY",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "AUTH",
    "CREDENTIAL",
    "CREDENTIALS",
    "PRIVATE",
    "SIGNING",
    "WEBHOOK",
];
/// Query parameters that carry a credential (`?api_key=…`, `?sig=…`).
const SECRET_QUERY_WORDS: &[&str] = &[
    "key",
    "apikey",
    "api_key",
    "token",
    "access_token",
    "secret",
    "password",
    "sig",
    "signature",
    "auth",
    "code",
];

/// Suggests whether `NAME=value` from a `.env` file is a key to import. Order matters: a known
/// key format wins, then what is plainly configuration, then the name and the value's
/// randomness; anything else is imported (unticking is the user's call).
pub fn classify(name: &str, value: &str, custom: &[CustomProviderSpec]) -> Suggestion {
    let v = value.trim();
    let detected = providers::detect(v, custom);
    if detected.provider != "custom" || detected.confidence != Confidence::Low {
        let provider = providers::profile(&detected.provider)
            .map(|p| p.display_name.to_owned())
            .or_else(|| {
                custom
                    .iter()
                    .find(|c| c.id == detected.provider)
                    .map(|c| c.display_name.clone())
            })
            .unwrap_or_else(|| detected.provider.clone());
        return Suggestion::key(format!("has the format of a {provider} key"));
    }
    if v.contains("://") {
        return classify_url(v);
    }
    let lower = v.to_ascii_lowercase();
    if BOOLEANS.contains(&lower.as_str()) {
        return Suggestion::config("a yes/no setting, not a key");
    }
    if is_number(&lower) {
        return Suggestion::config("a number (a port, size or duration), not a key");
    }
    if LOG_LEVELS.contains(&lower.as_str()) {
        return Suggestion::config("a log level, not a key");
    }
    if is_address(v) {
        return Suggestion::config("a host or network address, not a key");
    }
    if v.starts_with('/') || v.starts_with("./") || v.starts_with("~/") {
        return Suggestion::config("a file path, not a key");
    }
    if is_email(v) {
        return Suggestion::config("an email address, not a key");
    }
    if secret_name(name) {
        return Suggestion::key("its name says it holds a secret");
    }
    if looks_random(v) {
        return Suggestion::key("looks randomly generated, like a key");
    }
    if plain_words(v) {
        return Suggestion::config("a plain word or name, not a key");
    }
    Suggestion::key("no known key format; imported as a custom key")
}

/// A URL is configuration unless it carries a credential: a password (`postgres://user:pass@…`),
/// a credential-named query parameter, or a random-looking path segment (webhook URLs such as
/// Slack's carry their secret in the path). Such a URL is imported whole: it is what the app
/// reads from the variable, and the keychain keeps it like any key.
fn classify_url(v: &str) -> Suggestion {
    let Ok(url) = url::Url::parse(v) else {
        return Suggestion::key("no known key format; imported as a custom key");
    };
    if url.password().is_some_and(|p| !p.is_empty()) {
        return Suggestion::key("a URL with a password in it; kept whole, as the app reads it");
    }
    if url.query_pairs().any(|(k, value)| {
        SECRET_QUERY_WORDS.contains(&k.to_ascii_lowercase().as_str()) || looks_random(&value)
    }) {
        return Suggestion::key("a URL with a credential in its query; kept whole");
    }
    if url
        .path_segments()
        .is_some_and(|mut segments| segments.any(looks_random))
    {
        return Suggestion::key("a URL with a secret-looking path (a webhook?); kept whole");
    }
    if !url.username().is_empty() {
        return Suggestion::config("a URL with a user name but no password, not a key");
    }
    Suggestion::config("a URL without credentials, not a key")
}

/// `3000`, `-1`, `0.5`, `30s`, `512mb`, `100%`.
fn is_number(lower: &str) -> bool {
    let digits_end = lower
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+'))))
        .map_or(lower.len(), |(i, _)| i);
    let (number, unit) = lower.split_at(digits_end);
    let has_digit = number.chars().any(|c| c.is_ascii_digit());
    let one_dot = number.matches('.').count() <= 1;
    const UNITS: &[&str] = &[
        "", "ms", "s", "sec", "m", "min", "h", "d", "w", "k", "kb", "m", "mb", "g", "gb", "%",
    ];
    has_digit && one_dot && UNITS.contains(&unit.trim())
}

/// `127.0.0.1`, `localhost:6379`, `[::1]:8080`, `db.internal:5432`.
fn is_address(v: &str) -> bool {
    if v.parse::<std::net::IpAddr>().is_ok() || v.parse::<std::net::SocketAddr>().is_ok() {
        return true;
    }
    if v.eq_ignore_ascii_case("localhost") {
        return true;
    }
    // host:port, where host is a DNS name.
    match v.rsplit_once(':') {
        Some((host, port)) => port.parse::<u16>().is_ok() && is_host_name(host),
        None => false,
    }
}

fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn is_email(v: &str) -> bool {
    match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !local.contains(char::is_whitespace)
                && domain.contains('.')
                && is_host_name(domain)
        }
        None => false,
    }
}

/// `STRIPE_SECRET_KEY`, `apiKey`, `DB_PASSWORD`: a word of the name is a credential word.
fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| SECRET_NAME_WORDS.contains(&word))
        || upper.ends_with("KEY")
        || upper.ends_with("TOKEN")
        || upper.ends_with("SECRET")
}

/// Shannon entropy of the characters, in bits per character.
fn bits_per_char(v: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut total = 0usize;
    for c in v.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / total as f64;
            -p * p.log2()
        })
        .sum()
}

/// Generated, not written: long, no spaces, and either letters and digits mixed all through
/// (hex, base62, base64) or a very even spread of characters. Entropy alone does not tell:
/// `production-database` scores as high as random hex.
fn looks_random(v: &str) -> bool {
    let n = v.chars().count();
    if n < RANDOM_MIN_LEN || v.contains(char::is_whitespace) {
        return false;
    }
    let alternations = v
        .chars()
        .zip(v.chars().skip(1))
        .filter(|(a, b)| {
            (a.is_ascii_digit() && b.is_ascii_alphabetic())
                || (a.is_ascii_alphabetic() && b.is_ascii_digit())
        })
        .count();
    let bits = bits_per_char(v);
    (alternations >= RANDOM_MIN_ALTERNATIONS && bits >= RANDOM_MIN_BITS_MIXED)
        || (n >= RANDOM_LETTERS_MIN_LEN && bits >= RANDOM_MIN_BITS_LETTERS)
}

/// A word or a few (`my-app`, `Keyward Demo`, `production`, `us-east-1`): letters-only and
/// digits-only words between spaces, `-`, `_` or `.`.
fn plain_words(v: &str) -> bool {
    v.chars().count() <= PLAIN_WORDS_MAX_LEN
        && v.chars().any(|c| c.is_alphabetic())
        && v.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
        && v.split([' ', '-', '_', '.'])
            .filter(|w| !w.is_empty())
            .all(|w| w.chars().all(char::is_alphabetic) || w.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(name: &str, value: &str) -> (bool, String) {
        let s = classify(name, value, &[]);
        (s.import, s.reason)
    }

    #[test]
    fn configuration_comes_unticked_with_its_reason() {
        for (name, value, why) in [
            ("APP_NAME", "keyward-demo", "plain word"),
            ("APP_NAME", "My Shop", "plain word"),
            ("NODE_ENV", "production", "plain word"),
            ("AWS_REGION", "us-east-1", "plain word"),
            ("DEBUG", "true", "yes/no"),
            ("DEBUG", "FALSE", "yes/no"),
            ("FEATURE_X", "off", "yes/no"),
            ("PORT", "3000", "number"),
            ("RATIO", "0.25", "number"),
            ("TIMEOUT", "30s", "number"),
            ("MAX_UPLOAD", "512mb", "number"),
            ("TOKEN_TTL", "3600", "number"),
            ("LOG_LEVEL", "info", "log level"),
            ("LOG_LEVEL", "WARN", "log level"),
            (
                "DATABASE_URL",
                "postgres://db.internal:5432/app",
                "URL without",
            ),
            ("API_BASE", "https://api.example.com/v1", "URL without"),
            ("REDIS_URL", "redis://localhost:6379/0", "URL without"),
            ("HOST", "0.0.0.0", "address"),
            ("REDIS", "localhost:6379", "address"),
            ("UPLOAD_DIR", "/var/lib/app/uploads", "file path"),
            ("MAIL_FROM", "noreply@example.com", "email"),
        ] {
            let (import, reason) = class(name, value);
            assert!(!import, "{name}={value} is configuration ({reason})");
            assert!(
                reason.contains(why),
                "{name}={value}: reason '{reason}' should say {why}"
            );
            assert!(!reason.contains(value), "a reason never quotes the value");
        }
    }

    #[test]
    fn keys_come_ticked() {
        let phx = format!("phx_{}", "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kL9nP2");
        for (name, value, why) in [
            ("POSTHOG_KEY", phx.as_str(), "PostHog"),
            (
                "SERVICE_A",
                "PMAK-0123456789abcdef01234567-0123456789abcdef0123456789abcdef01",
                "Postman",
            ),
            // Unknown format, but random.
            ("SOME_VALUE", "q8Zr2LxW0vTn5Kb7Yc3Hd9Fs", "random"),
            ("SESSION", "9f86d081884c7d659a2feaa0c55ad015", "random"),
            // Unknown short format with a credential name.
            ("DB_PASSWORD", "hunter2", "name"),
            ("ACME_TOKEN", "acme-fixture-token-0001", "name"),
            ("BLOG_CONTENT_KEY", "pk_fixture_blog_0001", "Postnomic"),
            // URLs that carry a credential are secrets, whole.
            (
                "DATABASE_URL",
                "postgres://app:s3cr3t-pass@db.internal:5432/app",
                "password",
            ),
            (
                "SLACK_HOOK",
                "https://hooks.slack.com/services/T0000/B0000/xoX7rT2kLq9Vw3Zs8Yn4Pm1a",
                "path",
            ),
            ("FEED", "https://example.com/feed?api_key=abc", "query"),
        ] {
            let (import, reason) = class(name, value);
            assert!(import, "{name}={value} is a key ({reason})");
            assert!(
                reason.contains(why),
                "{name}={value}: reason '{reason}' should say {why}"
            );
        }
    }

    #[test]
    fn a_boolean_named_like_a_key_is_still_configuration() {
        assert!(!class("API_KEY_ENABLED", "true").0);
        assert!(!class("REQUIRE_AUTH", "yes").0);
    }

    #[test]
    fn a_url_with_a_user_and_no_password_is_configuration() {
        let (import, reason) = class("SMTP_URL", "smtp://mailer@mail.example.com:587");
        assert!(!import, "{reason}");
    }

    #[test]
    fn randomness_separates_words_from_generated_values() {
        for generated in [
            "q8Zr2LxW0vTn5Kb7Yc3Hd9Fs",
            "9f86d081884c7d659a2feaa0c55ad015",
            "kqzvjxwmhtrplbnfgdcyseuoai",
        ] {
            assert!(looks_random(generated), "{generated}");
        }
        for written in [
            "production-database",
            "ip-10-0-1-23.ec2.internal",
            "2024-01-01T00:00:00Z",
            "acme-fixture-token-0001",
            "short9Xq",
        ] {
            assert!(!looks_random(written), "{written}");
        }
    }
}
