//! The order the window lists keys in, so that its first page holds the rows it shows first:
//! environments as configured (other names after them, alphabetically), then purpose
//! (alphabetically, no purpose last), then name. Mirrors `groupKeys` and `indexKeys` in
//! ui/src/lib/inventory.ts, whose collator compares case-insensitively with digit runs as
//! numbers; accents are compared as they are here, so a name with accents may sort a little
//! differently in the first page than once the window has the whole list.

use crate::model::{Environment, KeyRecord};
use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::HashMap;

/// `records` sorted in the window's display order.
pub fn display_order<R: Borrow<KeyRecord>>(
    mut records: Vec<R>,
    configured: &[Environment],
) -> Vec<R> {
    let mut positions: Vec<&Environment> = configured.iter().collect();
    positions.sort_by_key(|e| e.position);
    let rank: HashMap<&str, usize> = positions
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.as_str(), i))
        .collect();
    records.sort_by(|a, b| {
        let (a, b) = (a.borrow(), b.borrow());
        let env = match (
            rank.get(a.environment.as_str()),
            rank.get(b.environment.as_str()),
        ) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => compare_text(&a.environment, &b.environment),
        };
        env.then_with(|| compare_purpose(&a.purpose, &b.purpose))
            .then_with(|| compare_text(&a.name, &b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    records
}

/// At most `limit` items from `offset` on.
pub fn page<T>(items: Vec<T>, offset: usize, limit: usize) -> Vec<T> {
    items.into_iter().skip(offset).take(limit).collect()
}

/// Purposes alphabetically, the empty purpose last.
fn compare_purpose(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => compare_text(a, b),
    }
}

/// Case-insensitive, digit runs compared as numbers ("key 9" before "key 10"); ties broken
/// by the plain strings, like the window's `compareText`.
pub fn compare_text(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let m = digits(&mut x);
                let n = digits(&mut y);
                let (m, n) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                let order = m.len().cmp(&n.len()).then_with(|| m.cmp(n));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(c), Some(d)) => {
                let order = c.to_lowercase().cmp(d.to_lowercase());
                if order != Ordering::Equal {
                    return order;
                }
                x.next();
                y.next();
            }
        }
    }
}

fn digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut run = String::new();
    while let Some(c) = chars.next_if(char::is_ascii_digit) {
        run.push(c);
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{KeyRole, KeyStatus};
    use chrono::Utc;
    use uuid::Uuid;

    fn record(name: &str, environment: &str, purpose: &str) -> KeyRecord {
        KeyRecord {
            id: Uuid::new_v4(),
            provider: "postmark".into(),
            kind: "server_token".into(),
            name: name.into(),
            environment: environment.into(),
            purpose: purpose.into(),
            owner: None,
            tags: vec![],
            scopes: vec![],
            remote_id: None,
            env_var: String::new(),
            created_at: Utc::now(),
            last_rotated_at: None,
            last_used_at: None,
            last_verified_at: None,
            expires_at: None,
            status: KeyStatus::Active,
            fingerprint: None,
            masked_hint: String::new(),
            updated_at: Utc::now(),
            connection_id: None,
            verify_outcome: None,
            verify_detail: None,
            usage: None,
            region: None,
            role: KeyRole::Service,
        }
    }

    fn env(name: &str, position: i64) -> Environment {
        Environment {
            name: name.into(),
            position,
        }
    }

    #[test]
    fn configured_environments_first_then_purpose_then_name() {
        let records = vec![
            record("b", "qa", "x"),
            record("a", "dev", ""),
            record("Key 10", "prod", "mail"),
            record("key 9", "prod", "mail"),
            record("z", "prod", "Audit"),
            record("a", "dev", "cache"),
            record("c", "alpha", "x"),
        ];
        let order = display_order(records, &[env("dev", 2), env("prod", 1)]);
        let got: Vec<_> = order
            .iter()
            .map(|r| format!("{}/{}/{}", r.environment, r.purpose, r.name))
            .collect();
        assert_eq!(
            got,
            [
                "prod/Audit/z",
                "prod/mail/key 9",
                "prod/mail/Key 10",
                "dev/cache/a",
                "dev//a",
                "alpha/x/c",
                "qa/x/b",
            ]
        );
    }

    #[test]
    fn compare_text_ignores_case_and_reads_numbers() {
        assert_eq!(compare_text("Alpha", "beta"), Ordering::Less);
        assert_eq!(compare_text("key 2", "key 10"), Ordering::Less);
        assert_eq!(
            compare_text("key 007", "key 7"),
            Ordering::Less,
            "tie: plain strings"
        );
        assert_eq!(compare_text("abc", "ab"), Ordering::Greater);
    }

    #[test]
    fn page_takes_a_window() {
        assert_eq!(page((0..10).collect(), 8, 5), vec![8, 9]);
        assert_eq!(page((0..10).collect(), 0, 3), vec![0, 1, 2]);
        assert!(page((0..3).collect::<Vec<_>>(), 5, 3).is_empty());
    }
}
