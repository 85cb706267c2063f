//! Rendering for terminals: grouped tables, CSV, JSON. Everything user-supplied passes
//! through [`clean`], so a hostile name cannot inject terminal escape sequences.

use chrono::{DateTime, Utc};
use keyward::KeyRecord;
use std::borrow::Borrow;
use std::fmt::Write as _;

/// Control characters become visible escapes; long text is cut with an ellipsis.
pub fn clean(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count >= max {
            out.push('…');
            break;
        }
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// "just now", "5 min", "3 h", "12 d", "4 mo", "2 y".
pub fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - since).num_seconds().max(0);
    match secs {
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3600),
        s if s < 86_400 * 60 => format!("{} d", s / 86_400),
        s if s < 86_400 * 730 => format!("{} mo", s / (86_400 * 30)),
        s => format!("{} y", s / (86_400 * 365)),
    }
}

fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len >= width {
        text.to_owned()
    } else {
        format!("{text}{}", " ".repeat(width - len))
    }
}

/// Keys grouped by environment (already in display order) then purpose.
/// `keys`: owned records or the inventory's shared ones.
pub fn key_table<K: Borrow<KeyRecord>>(keys: &[K], now: DateTime<Utc>) -> String {
    if keys.is_empty() {
        return "No keys yet. Add one with `keyward add --name NAME --env ENV` (value on stdin) or `keyward import .env`.\n".into();
    }
    let keys: Vec<&KeyRecord> = keys.iter().map(Borrow::borrow).collect();
    let rows: Vec<[String; 7]> = keys
        .iter()
        .map(|k| {
            [
                clean(&k.name, 48),
                format!("{}/{}", clean(&k.provider, 24), clean(&k.kind, 24)),
                clean(&k.masked_hint, 24),
                age(k.last_rotated_at.unwrap_or(k.created_at), now),
                k.state(now).as_str().to_owned(),
                k.role.label().to_owned(),
                k.id.to_string()[..8].to_owned(),
            ]
        })
        .collect();
    let headers = [
        "NAME",
        "PROVIDER/KIND",
        "HINT",
        "AGE",
        "STATUS",
        "ROLE",
        "ID",
    ];
    let mut widths = headers.map(str::len);
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut current_env: Option<&str> = None;
    let mut current_purpose: Option<&str> = None;
    for (k, r) in keys.iter().zip(&rows) {
        if current_env != Some(k.environment.as_str()) {
            let count = keys
                .iter()
                .filter(|o| o.environment == k.environment)
                .count();
            let _ = writeln!(
                out,
                "{}{} ({count})",
                if current_env.is_some() { "\n" } else { "" },
                clean(&k.environment, 64)
            );
            current_env = Some(&k.environment);
            current_purpose = None;
        }
        if current_purpose != Some(k.purpose.as_str()) {
            let label = if k.purpose.is_empty() {
                "(no purpose)".to_owned()
            } else {
                clean(&k.purpose, 80)
            };
            let _ = writeln!(out, "  {label}");
            let header: Vec<String> = headers.iter().zip(widths).map(|(h, w)| pad(h, w)).collect();
            let _ = writeln!(out, "    {}", header.join("  ").trim_end());
            current_purpose = Some(&k.purpose);
        }
        let line: Vec<String> = r.iter().zip(widths).map(|(c, w)| pad(c, w)).collect();
        let _ = writeln!(out, "    {}", line.join("  ").trim_end());
    }
    let _ = writeln!(
        out,
        "\n{} key{}",
        keys.len(),
        if keys.len() == 1 { "" } else { "s" }
    );
    out
}

pub const CSV_COLUMNS: [&str; 21] = [
    "id",
    "provider",
    "kind",
    "name",
    "environment",
    "purpose",
    "owner",
    "tags",
    "scopes",
    "remote_id",
    "env_var",
    "created_at",
    "last_rotated_at",
    "last_used_at",
    "last_verified_at",
    "expires_at",
    "status",
    // The one state shown (the provider's answer and the expiry over `status`).
    "state",
    "fingerprint",
    "masked_hint",
    "role",
];

pub fn key_csv<K: Borrow<KeyRecord>>(keys: &[K], now: DateTime<Utc>) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_COLUMNS)?;
    let ts = |d: Option<DateTime<Utc>>| d.map(|d| d.to_rfc3339()).unwrap_or_default();
    for k in keys {
        let k = k.borrow();
        w.write_record([
            k.id.to_string(),
            k.provider.clone(),
            k.kind.clone(),
            k.name.clone(),
            k.environment.clone(),
            k.purpose.clone(),
            k.owner.clone().unwrap_or_default(),
            k.tags.join(";"),
            k.scopes.join(";"),
            k.remote_id.clone().unwrap_or_default(),
            k.env_var.clone(),
            k.created_at.to_rfc3339(),
            ts(k.last_rotated_at),
            ts(k.last_used_at),
            ts(k.last_verified_at),
            ts(k.expires_at),
            k.status.as_str().to_owned(),
            k.state(now).as_str().to_owned(),
            k.fingerprint.clone().unwrap_or_default(),
            k.masked_hint.clone(),
            k.role.as_str().to_owned(),
        ])?;
    }
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?)
}

pub fn key_details(k: &KeyRecord, secret_present: Option<bool>) -> String {
    let opt = |d: Option<DateTime<Utc>>| d.map(|d| d.to_rfc3339()).unwrap_or_else(|| "—".into());
    let mut out = String::new();
    let fields: Vec<(&str, String)> = vec![
        ("name", clean(&k.name, 300)),
        ("id", k.id.to_string()),
        ("provider", clean(&k.provider, 64)),
        ("kind", clean(&k.kind, 64)),
        ("environment", clean(&k.environment, 64)),
        ("purpose", clean(&k.purpose, 1000)),
        (
            "owner",
            k.owner
                .as_deref()
                .map(|o| clean(o, 300))
                .unwrap_or_else(|| "—".into()),
        ),
        ("tags", clean(&k.tags.join(", "), 1000)),
        ("scopes", clean(&k.scopes.join(", "), 1000)),
        (
            "remote id",
            k.remote_id
                .as_deref()
                .map(|o| clean(o, 300))
                .unwrap_or_else(|| "—".into()),
        ),
        ("env var", clean(&k.env_var, 128)),
        ("hint", clean(&k.masked_hint, 64)),
        ("status", k.state(Utc::now()).as_str().to_owned()),
        ("role", k.role.label().to_owned()),
        ("created", k.created_at.to_rfc3339()),
        ("last rotated", opt(k.last_rotated_at)),
        ("last used", opt(k.last_used_at)),
        ("last verified", opt(k.last_verified_at)),
        ("expires", opt(k.expires_at)),
        (
            "fingerprint",
            k.fingerprint
                .clone()
                .unwrap_or_else(|| "— (tracked without its value)".into()),
        ),
        (
            "in keychain",
            match secret_present {
                _ if k.fingerprint.is_none() => {
                    "no — tracked without its value (the provider shows it only once)".into()
                }
                Some(true) => "yes".into(),
                Some(false) => "NO — run `keyward doctor`".into(),
                None => "unknown (the keychain cannot be asked: see `keyward doctor`)".into(),
            },
        ),
    ];
    for (label, value) in fields {
        let _ = writeln!(out, "{:>14}  {value}", label);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_escapes_terminal_control_sequences() {
        assert_eq!(clean("a\u{1b}[31mred", 100), "a\\u{1b}[31mred");
        assert_eq!(clean("x\ny", 100), "x\\u{a}y");
        assert_eq!(clean("abcdef", 3), "abc…");
    }

    #[test]
    fn ages() {
        let now = Utc::now();
        assert_eq!(age(now, now), "just now");
        assert_eq!(age(now - chrono::Duration::days(3), now), "3 d");
        assert_eq!(age(now - chrono::Duration::days(150), now), "5 mo");
        assert_eq!(age(now - chrono::Duration::days(800), now), "2 y");
    }
}
