//! Small helpers: random key values in each provider's format, timestamps, glob and CIDR
//! matching.

use std::net::IpAddr;

use chrono::{DateTime, SecondsFormat, Utc};
use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;

/// `n` random ASCII letters and digits.
pub fn alnum(n: usize) -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), n)
}

/// `n` random lowercase hex digits.
pub fn hex(n: usize) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(HEX[rng.gen_range(0..HEX.len())]))
        .collect()
}

/// `n` random characters of the URL-safe base64 alphabet (what SendGrid's key parts use).
pub fn base64url(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// A Postmark token: a UUID (server and account tokens look the same).
pub fn postmark_token() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `PMAK-` + 24 hex + `-` + 34 hex.
pub fn postman_key() -> String {
    format!("PMAK-{}-{}", hex(24), hex(34))
}

/// The base57 alphabet of PostHog's tokens: base62 minus `0 1 O I l`
/// (PostHog source, posthog/models/utils.py `generate_random_token`).
pub const BASE57: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// A PostHog token body as `generate_random_token(nbytes)` makes it today: `nbytes` random
/// bytes with the top bit forced on, written in base57. For 35 bytes that is 48 characters,
/// 49 for the ~2.9 % of values at or above 57^48; for 32 bytes always 44. Length and
/// alphabet are drawn to that distribution (the value itself need not be a real integer's
/// digits for a test double).
fn posthog_token(nbytes: usize) -> String {
    let mut rng = rand::thread_rng();
    let len = match nbytes {
        // 57^48 ≈ 2^279.979: P(49 digits) = 2 - 2^0.979 ≈ 0.029.
        35 if rng.gen_ratio(29, 1000) => 49,
        35 => 48,
        _ => 44,
    };
    (0..len)
        .map(|_| char::from(BASE57[rng.gen_range(0..BASE57.len())]))
        .collect()
}

/// `phx_` personal key: 35 bytes in base57, 48 characters after the prefix, ~3 % 49
/// (`generate_random_token_personal`; providers.md). Older base62 keys have 43, sometimes
/// 42, and seeds may hold those.
pub fn posthog_personal_key() -> String {
    format!("phx_{}", posthog_token(35))
}

/// `phs_` project secret key: same generator as personal keys
/// (`generate_random_token_secret`).
pub fn posthog_secret_key() -> String {
    format!("phs_{}", posthog_token(35))
}

/// `phc_` project (ingestion) key: 32 bytes in base57, 44 characters
/// (`generate_random_token_project`).
pub fn posthog_project_key() -> String {
    format!("phc_{}", posthog_token(32))
}

/// PostHog's `mask_value`: the first four and last four characters (`phx_...abcd`).
pub fn posthog_mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < 8 {
        return "****".to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}...{tail}")
}

/// A PostHog object id as PostHog's `generate_random_token` makes them.
pub fn posthog_id() -> String {
    alnum(32)
}

/// Cloudflare token value: `cfut_`/`cfat_` + 40 alphanumerics + 8 hex. The 8 hex are a
/// CRC-32 of what precedes them (the documented regex only needs 8 hex; the checksum
/// algorithm is not public, CRC-32 is this simulator's choice).
pub fn cloudflare_token(account_owned: bool) -> String {
    let prefix = if account_owned { "cfat_" } else { "cfut_" };
    let body = format!("{prefix}{}", alnum(40));
    let sum = crc32(body.as_bytes());
    format!("{body}{sum:08x}")
}

/// Whether a bearer value has one of Cloudflare's token shapes: `cf[ua]t_` + 40
/// alphanumerics + 8 hex, or the unprefixed legacy 40 characters of `[A-Za-z0-9_-]`
/// (https://developers.cloudflare.com/fundamentals/api/get-started/token-formats/).
/// Anything else is what Cloudflare answers with 400 / 6003 / 6111.
pub fn cloudflare_token_well_formed(value: &str) -> bool {
    let prefixed = (value.starts_with("cfut_") || value.starts_with("cfat_"))
        && value.len() == 53
        && value[5..45].bytes().all(|b| b.is_ascii_alphanumeric())
        && value[45..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let legacy = value.len() == 40
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    prefixed || legacy
}

/// A Cloudflare object id: 32 hex.
pub fn cloudflare_id() -> String {
    hex(32)
}

/// SendGrid key id: 22 URL-safe base64 characters.
pub fn sendgrid_key_id() -> String {
    base64url(22)
}

/// SendGrid key value: `SG.` + id (22) + `.` + 43 (69 characters in all).
pub fn sendgrid_key(id: &str) -> String {
    format!("SG.{id}.{}", base64url(43))
}

/// The id part of a SendGrid key value, if it has the documented shape.
pub fn sendgrid_id_of(value: &str) -> Option<String> {
    let rest = value.strip_prefix("SG.")?;
    let (id, secret) = rest.split_once('.')?;
    (!id.is_empty() && !secret.is_empty()).then(|| id.to_owned())
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// `2024-01-02T03:04:05.000000Z`, as Django REST framework renders datetimes (PostHog).
pub fn drf_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// `2024-01-02T03:04:05Z` (Cloudflare).
pub fn cf_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Whether `text` matches `pattern`, where `*` stands for any run of characters
/// (including `/`) and everything else is literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<usize> = None;
    let mut mark = 0usize;
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Whether `ip` is inside `cidr` (`10.0.0.0/8`, `::1/128`, or a bare address).
pub fn cidr_contains(cidr: &str, ip: IpAddr) -> bool {
    let (addr, len) = match cidr.split_once('/') {
        Some((a, l)) => match l.parse::<u32>() {
            Ok(l) => (a, Some(l)),
            Err(_) => return false,
        },
        None => (cidr, None),
    };
    let Ok(net) = addr.trim().parse::<IpAddr>() else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let len = len.unwrap_or(32).min(32);
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            (u32::from(n) & mask) == (u32::from(i) & mask)
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let len = len.unwrap_or(128).min(128);
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            (u128::from(n) & mask) == (u128::from(i) & mask)
        }
        (IpAddr::V4(n), IpAddr::V6(i)) => i
            .to_ipv4_mapped()
            .is_some_and(|i| cidr_contains(&format!("{n}/{}", len.unwrap_or(32)), IpAddr::V4(i))),
        (IpAddr::V6(_), IpAddr::V4(_)) => false,
    }
}

/// A stable, non-reversible label for a credential (rate-limit buckets), so the limiter
/// never keeps a second copy of a key value.
pub fn credential_bucket(value: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_match("*", "GET /x"));
        assert!(glob_match(
            "GET /posthog/api/personal_api_keys/@current/",
            "GET /posthog/api/personal_api_keys/@current/"
        ));
        assert!(glob_match("GET /posthog/*", "GET /posthog/api/x/"));
        assert!(glob_match("* /postman/me", "GET /postman/me"));
        assert!(glob_match(
            "*/tokens/*/value",
            "PUT /cf/user/tokens/abc/value"
        ));
        assert!(!glob_match("GET /posthog/*", "POST /posthog/api/x/"));
        assert!(!glob_match("GET /a", "GET /ab"));
    }

    #[test]
    fn cidr() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(cidr_contains("127.0.0.0/8", lo));
        assert!(cidr_contains("127.0.0.1", lo));
        assert!(!cidr_contains("10.0.0.0/8", lo));
        assert!(cidr_contains("0.0.0.0/0", lo));
        assert!(cidr_contains("::1/128", "::1".parse().unwrap()));
        assert!(!cidr_contains("garbage", lo));
    }

    #[test]
    fn formats() {
        let cf = cloudflare_token(false);
        assert!(cf.starts_with("cfut_"));
        assert_eq!(cf.len(), 5 + 40 + 8);
        assert!(cf[45..].chars().all(|c| c.is_ascii_hexdigit()));
        let id = sendgrid_key_id();
        let sg = sendgrid_key(&id);
        assert_eq!(sg.len(), 69);
        assert_eq!(sendgrid_id_of(&sg).as_deref(), Some(id.as_str()));
        let pm = postman_key();
        assert_eq!(pm.len(), 5 + 24 + 1 + 34);
        assert_eq!(posthog_mask("phx_abcdefgh1234"), "phx_...1234");
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert!(cloudflare_token_well_formed(&cf));
        assert!(cloudflare_token_well_formed(
            "8M7wS6hCpXVc-DoRnPPY_UCWPgy8aea4Wy6kCe5T"
        ));
        assert!(!cloudflare_token_well_formed("8M7wS6hCpXVc-DoRnPPY"));
        assert!(!cloudflare_token_well_formed(&cf[..50]));
        for _ in 0..200 {
            for k in [posthog_personal_key(), posthog_secret_key()] {
                let body = &k[4..];
                assert!(body.len() == 48 || body.len() == 49, "{k}");
                assert!(body.bytes().all(|b| BASE57.contains(&b)));
            }
            assert_eq!(posthog_project_key().len(), 4 + 44);
        }
        assert_eq!(BASE57.len(), 57);
    }
}
