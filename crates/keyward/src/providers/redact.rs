//! Finding a key in what a provider sends back, in whatever encoding it echoes it: raw,
//! JSON-escaped (`\/`, `\u002b`), percent-encoded (either case), or inside base64 (Basic auth
//! `user:KEY`, at any byte alignment). [`encodings_of`] names each encoding, for tests that
//! search memory or output for a key; [`Redactor`] removes them from a reply.

use base64::Engine;
use zeroize::Zeroizing;

use crate::secret::Secret;

/// What a redaction leaves where a key was.
pub const REDACTED: &str = "[REDACTED]";

/// The longest excerpt of a provider's free text that travels further (errors, logs).
pub const EXCERPT_CHARS: usize = 200;

/// Shorter needles would redact ordinary words; no real key is this short.
const MIN_NEEDLE: usize = 4;

/// Every named encoding of `secret` that a provider (or a proxy) might echo: the forms a
/// redaction must remove and a memory search must count. Base64 forms are the "stable middle"
/// of base64(prefix + key) for prefix lengths 0, 1 and 2 (mod 3): the characters that depend
/// on the key's bytes only, so they appear whatever precedes the key (`user:KEY` in Basic
/// auth) and whether or not the encoder pads. Duplicates (a key with nothing to escape) are
/// listed once, under the first name. Each buffer is wiped when dropped.
pub fn encodings_of(secret: &Secret) -> Vec<(&'static str, Zeroizing<Vec<u8>>)> {
    // EXPOSE: deriving the encoded forms to search for; each is zeroizing.
    let key = secret.expose().as_bytes();
    let mut out: Vec<(&'static str, Zeroizing<Vec<u8>>)> = Vec::new();
    let mut push = |name: &'static str, bytes: Zeroizing<Vec<u8>>| {
        if !bytes.is_empty() && !out.iter().any(|(_, b)| **b == *bytes) {
            out.push((name, bytes));
        }
    };
    push("raw", Zeroizing::new(key.to_vec()));
    push("json", json_escaped(key, Escape::Minimal));
    push("json-slash", json_escaped(key, Escape::Slash));
    push(
        "json-unicode-lower",
        json_escaped(key, Escape::Unicode(false)),
    );
    push(
        "json-unicode-upper",
        json_escaped(key, Escape::Unicode(true)),
    );
    push("percent-upper", percent_encoded(key, true));
    push("percent-lower", percent_encoded(key, false));
    for (name, middle) in base64_middles(key) {
        push(name, middle);
    }
    out
}

#[derive(Clone, Copy)]
enum Escape {
    /// What a JSON encoder must escape (`"`, `\`, controls).
    Minimal,
    /// Also `/` as `\/` (PHP's default).
    Slash,
    /// Every byte that is not a letter or digit as `\u00XX`, in lower or upper case hex.
    Unicode(bool),
}

fn json_escaped(key: &[u8], how: Escape) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(key.len() * 6));
    for &b in key {
        let unicode = match how {
            Escape::Unicode(upper) if !b.is_ascii_alphanumeric() && b.is_ascii() => Some(upper),
            _ if b < 0x20 => Some(false),
            _ => None,
        };
        match (unicode, b) {
            (Some(upper), _) => {
                let hex = if upper {
                    format!("\\u{b:04X}")
                } else {
                    format!("\\u{b:04x}")
                };
                out.extend_from_slice(hex.as_bytes());
            }
            (None, b'"') => out.extend_from_slice(b"\\\""),
            (None, b'\\') => out.extend_from_slice(b"\\\\"),
            (None, b'/') if matches!(how, Escape::Slash) => out.extend_from_slice(b"\\/"),
            (None, b) => out.push(b),
        }
    }
    out
}

fn percent_encoded(key: &[u8], upper: bool) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(key.len() * 3));
    for &b in key {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b);
        } else {
            let hex = if upper {
                format!("%{b:02X}")
            } else {
                format!("%{b:02x}")
            };
            out.extend_from_slice(hex.as_bytes());
        }
    }
    out
}

/// For a prefix of length p (mod 3), the key's bytes from (3 − p) mod 3 on, in whole groups
/// of three, encode to exactly the characters that base64(prefix + key) holds for them.
fn base64_middles(key: &[u8]) -> Vec<(&'static str, Zeroizing<Vec<u8>>)> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    const NAMES: [[&str; 3]; 2] = [
        ["base64-std-0", "base64-std-1", "base64-std-2"],
        ["base64-url-0", "base64-url-1", "base64-url-2"],
    ];
    let mut out = Vec::new();
    for (names, engine) in NAMES.iter().zip([STANDARD_NO_PAD, URL_SAFE_NO_PAD]) {
        for (prefix, name) in names.iter().enumerate() {
            let skip = (3 - prefix) % 3;
            let Some(rest) = key.get(skip..) else {
                continue;
            };
            let whole = &rest[..rest.len() / 3 * 3];
            let mut buf = Zeroizing::new(vec![0u8; whole.len() / 3 * 4]);
            if engine.encode_slice(whole, &mut buf[..]).is_ok() {
                out.push((*name, buf));
            }
        }
    }
    out
}

/// The forms of the secrets in flight that a reply is searched for. The raw form is matched
/// through JSON escapes and percent-encoding byte by byte, in any mixture and either hex case
/// (and case-insensitively, as Postmark compares tokens); base64 forms exactly, also through
/// JSON escapes (`\/`). Needles are wiped when the redactor drops.
#[derive(Default)]
pub struct Redactor {
    needles: Vec<(Zeroizing<Vec<u8>>, bool)>,
}

impl Redactor {
    /// A redactor for every value in flight (the auth secret, and any other sent secret).
    pub fn new(secrets: &[&Secret]) -> Redactor {
        let mut needles: Vec<(Zeroizing<Vec<u8>>, bool)> = Vec::new();
        for s in secrets {
            // EXPOSE: the raw form to search for, held zeroizing.
            let raw = Zeroizing::new(s.expose().as_bytes().to_vec());
            let middles = base64_middles(&raw);
            needles.push((raw, true));
            needles.extend(middles.into_iter().map(|(_, m)| (m, false)));
        }
        needles.retain(|(n, _)| n.len() >= MIN_NEEDLE);
        Redactor { needles }
    }

    /// `body` with every echo replaced by [`REDACTED`]; the input is wiped when dropped.
    pub fn scrub(&self, body: Zeroizing<Vec<u8>>) -> Zeroizing<Vec<u8>> {
        // Bytes a match can start with: a needle's first byte (either case), or an escape.
        let mut starts = [false; 256];
        for (n, _) in &self.needles {
            if let Some(&f) = n.first() {
                starts[usize::from(f.to_ascii_lowercase())] = true;
                starts[usize::from(f.to_ascii_uppercase())] = true;
            }
        }
        for e in [b'%', b'\\', b'+'] {
            starts[usize::from(e)] = !self.needles.is_empty();
        }
        let mut hits: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < body.len() {
            if !starts[usize::from(body[i])] {
                i += 1;
                continue;
            }
            let end = self
                .needles
                .iter()
                .filter_map(|(n, fold)| match_at(&body, i, n, *fold))
                .max();
            match end {
                Some(end) => {
                    hits.push((i, end));
                    i = end;
                }
                None => i += 1,
            }
        }
        if hits.is_empty() {
            return body;
        }
        let removed: usize = hits.iter().map(|(a, b)| b - a).sum();
        let mut out = Zeroizing::new(Vec::with_capacity(
            body.len() - removed + hits.len() * REDACTED.len(),
        ));
        let mut from = 0;
        for (a, b) in hits {
            out.extend_from_slice(&body[from..a]);
            out.extend_from_slice(REDACTED.as_bytes());
            from = b;
        }
        out.extend_from_slice(&body[from..]);
        out
    }

    /// A provider's free text as it may travel further: echoes redacted (again: decoding the
    /// JSON may have undone an escape), control characters dropped, at most `max` characters.
    pub fn excerpt(&self, text: &str, max: usize) -> String {
        let scrubbed = self.scrub(Zeroizing::new(text.as_bytes().to_vec()));
        String::from_utf8_lossy(&scrubbed)
            .chars()
            .filter(|c| !c.is_control())
            .take(max)
            .collect()
    }
}

/// Free text from a provider with no secret to look for: control characters dropped, capped.
pub fn excerpt(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// Where the needle's match starting at `i` ends, each needle byte taken raw or as an escape.
fn match_at(hay: &[u8], mut i: usize, needle: &[u8], fold: bool) -> Option<usize> {
    for &want in needle {
        let &got = hay.get(i)?;
        let same = if fold {
            got.eq_ignore_ascii_case(&want)
        } else {
            got == want
        };
        i += if same {
            1
        } else if got == b'%' && hex_byte(hay.get(i + 1..i + 3)?) == Some(want) {
            3
        } else if got == b'\\' {
            match *hay.get(i + 1)? {
                b'u' if hay.get(i + 2..i + 4)? == b"00"
                    && hex_byte(hay.get(i + 4..i + 6)?) == Some(want) =>
                {
                    6
                }
                c @ (b'/' | b'"' | b'\\') if c == want => 2,
                _ => return None,
            }
        } else if got == b'+' && want == b' ' {
            1
        } else {
            return None;
        };
    }
    Some(i)
}

fn hex_byte(two: &[u8]) -> Option<u8> {
    let s = std::str::from_utf8(two).ok()?;
    u8::from_str_radix(s, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Secret {
        Secret::new("kw-canary/ab+cd==ef/GH+ij0".into())
    }

    #[test]
    fn every_named_encoding_is_scrubbed_inside_text() {
        let r = Redactor::new(&[&key()]);
        let all = encodings_of(&key());
        let names: Vec<_> = all.iter().map(|(n, _)| *n).collect();
        for expected in ["raw", "json-slash", "json-unicode-upper", "percent-lower"] {
            assert!(names.contains(&expected), "{names:?}");
        }
        for (name, enc) in &all {
            let mut body = b"{\"m\":\"x ".to_vec();
            body.extend_from_slice(enc);
            body.extend_from_slice(b" y\"}");
            let out = r.scrub(Zeroizing::new(body));
            for (other, e) in &all {
                assert!(
                    !out.windows(e.len()).any(|w| w == &e[..]),
                    "{name}: {other} left in {}",
                    String::from_utf8_lossy(&out)
                );
            }
            assert!(out
                .windows(REDACTED.len())
                .any(|w| w == REDACTED.as_bytes()));
        }
    }

    #[test]
    fn base64_in_basic_auth_at_each_alignment() {
        let k = key();
        let r = Redactor::new(&[&k]);
        for user in ["", "u", "us", "user", "user:"] {
            for engine in [
                base64::engine::general_purpose::STANDARD,
                base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ] {
                // EXPOSE: test.
                let enc = engine.encode(format!("{user}{}", k.expose()));
                let out = r.scrub(Zeroizing::new(format!("Basic {enc}").into_bytes()));
                let text = String::from_utf8_lossy(&out).into_owned();
                assert!(text.contains(REDACTED), "{user:?}: {text}");
                assert!(text.len() < 30, "{user:?}: too much left: {text}");
            }
        }
    }

    /// Reported, not asserted: `cargo test -p keyward --lib redact::tests::scrub_cost -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn scrub_cost() {
        let r = Redactor::new(&[&key()]);
        // A JSON list of 1 MiB with `%`, `\\` and the key's first letter everywhere (the slow path).
        let chunk = br#"{"id":"k%41w\\u0041","name":"kw-cana","scopes":["a/b"]},"#;
        let body: Vec<u8> = chunk.iter().copied().cycle().take(1 << 20).collect();
        let started = std::time::Instant::now();
        for _ in 0..10 {
            let _ = r.scrub(Zeroizing::new(body.clone()));
        }
        println!(
            "scrub of 1 MiB, one key: {:?} per reply",
            started.elapsed() / 10
        );
    }

    #[test]
    fn mixed_escapes_and_case_and_nothing_else() {
        let r = Redactor::new(&[&Secret::new("ab/cd+ef".into())]);
        let out = r.scrub(Zeroizing::new(br#"a AB\/cd%2bEF b ab/cd"#.to_vec()));
        assert_eq!(&out[..], b"a [REDACTED] b ab/cd");
        assert_eq!(r.excerpt("x\nab/cd+ef", 200), "x[REDACTED]");
        assert_eq!(
            excerpt(&"y".repeat(500), EXCERPT_CHARS).len(),
            EXCERPT_CHARS
        );
        // No secret, nothing changes.
        let none = Redactor::default();
        assert_eq!(
            &none.scrub(Zeroizing::new(b"ab/cd+ef".to_vec()))[..],
            b"ab/cd+ef"
        );
    }
}
