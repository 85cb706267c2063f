//! Detection without the value: what a window sends while the user types a key, instead of
//! the key. Detection compares a few literal prefixes and otherwise only asks which
//! *character classes* sit where (every kind pattern is built from `[A-Za-z0-9]`, `[a-f0-9]`,
//! `_`, `-`, `.` and lengths), so a [`KeyShape`] carries the literal prefix, one class symbol
//! per remaining character, and the few last characters the masked hint shows anyway.
//! Detecting on `prefix + classes` gives the same answer as detecting on the value.

use super::detect::{detect, known_prefixes, masked_hint, Detection, STRIPE_LIKE};
use super::CustomProviderSpec;

/// One symbol per character class; `shape_symbol` maps a character to its class.
pub const SHAPE_SYMBOLS: &str = "0aAxX_-.+ \u{1}\u{a4}";

/// The class of one character, as the window computes it too (`ui/src/lib/shape.ts`).
pub fn shape_symbol(c: char) -> char {
    match c {
        '0'..='9' => '0',
        'a'..='f' => 'a',
        'g'..='z' => 'x',
        'A'..='F' => 'A',
        'G'..='Z' => 'X',
        '_' | '-' | '.' => c,
        c if c.is_ascii_punctuation() => '+',
        c if c.is_control() => '\u{1}',
        c if c.is_whitespace() => ' ',
        _ => '\u{a4}',
    }
}

/// What detection needs of a value, and nothing more.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct KeyShape {
    /// The longest of [`literal_prefixes`] the value starts with, or empty.
    #[serde(default)]
    pub prefix: String,
    /// One [`shape_symbol`] per character after the prefix.
    pub classes: String,
    /// The last characters, as many as the masked hint shows (see [`masked_hint`]): 4 of a
    /// value of 12 characters or more, else at most 2 and never half of it.
    #[serde(default)]
    pub tail: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShapeError {
    #[error("the prefix is not one detection knows")]
    UnknownPrefix,
    #[error("the shape holds characters other than class symbols")]
    NotAShape,
    #[error("the tail is not the part a masked hint shows")]
    WrongTail,
}

/// Prefixes detection compares literally: every kind's and custom provider's prefix, and the
/// longer look-alikes it warns about. The window sends the longest one a value starts with.
pub fn literal_prefixes(custom: &[CustomProviderSpec]) -> Vec<String> {
    let mut all: Vec<String> = known_prefixes()
        .chain(STRIPE_LIKE.iter().copied())
        .map(str::to_owned)
        .chain(custom.iter().filter_map(|c| c.prefix.clone()))
        .filter(|p| !p.is_empty())
        .collect();
    all.sort();
    all.dedup();
    all
}

impl KeyShape {
    /// The shape of `value` (what the window computes; here for tests and the CLI's parity).
    pub fn of(value: &str, custom: &[CustomProviderSpec]) -> KeyShape {
        let v = value.trim();
        let prefix = literal_prefixes(custom)
            .into_iter()
            .filter(|p| v.starts_with(p.as_str()))
            .max_by_key(String::len)
            .unwrap_or_default();
        let n = v.chars().count();
        let tail_len = if n >= 12 { 4 } else { (n / 2).min(2) };
        KeyShape {
            classes: v[prefix.len()..].chars().map(shape_symbol).collect(),
            tail: v.chars().skip(n - tail_len).collect(),
            prefix,
        }
    }

    /// Detects provider and kind, and the masked hint, from the shape alone.
    pub fn detect(&self, custom: &[CustomProviderSpec]) -> Result<(Detection, String), ShapeError> {
        if !self.prefix.is_empty() && !literal_prefixes(custom).contains(&self.prefix) {
            return Err(ShapeError::UnknownPrefix);
        }
        if !self.classes.chars().all(|c| SHAPE_SYMBOLS.contains(c)) {
            return Err(ShapeError::NotAShape);
        }
        if self.tail.chars().count() > 4 {
            return Err(ShapeError::WrongTail);
        }
        let probe = format!("{}{}", self.prefix, self.classes);
        let n = probe.trim().chars().count();
        let tail_len = if n >= 12 { 4 } else { (n / 2).min(2) };
        if self.tail.chars().count() != tail_len {
            return Err(ShapeError::WrongTail);
        }
        let detection = detect(&probe, custom);
        // The hint of a value of this length and prefix, with the real tail instead of classes.
        let masked = masked_hint(&probe);
        let head = masked.rsplit_once('…').map_or("", |(head, _)| head);
        let tail: String = self
            .tail
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        Ok((detection, format!("{head}…{tail}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &[&str] = &[
        "phx_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH",
        "phc_abcdefgh1234",
        "phs_abcdefgh1234",
        "SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "PMAK-0123456789abcdef01234567-0123456789abcdef0123456789abcdefca",
        "PMAK-0123456789abcdef01234567-short",
        "pk_live_abcdef123456",
        "pk_abcdef123456",
        "cfut_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN0123abcd",
        "0123abcd-0123-4567-89ab-0123456789ab",
        "0123abcd-0123-4567-89ab-0123456789aZ",
        "acme_0123456789",
        "short",
        "has space inside",
        "Zyx987",
        "ünïcode-key-value",
        "",
    ];

    fn custom() -> Vec<CustomProviderSpec> {
        vec![CustomProviderSpec {
            id: "acme".into(),
            display_name: "Acme".into(),
            presentation: crate::providers::Presentation::Header,
            presentation_name: "X-Acme-Key".into(),
            prefix: Some("acme_".into()),
            verify_url: None,
            dashboard_url: None,
        }]
    }

    #[test]
    fn the_shape_detects_exactly_what_the_value_does() {
        let custom = custom();
        for value in SAMPLES {
            let shape = KeyShape::of(value, &custom);
            let (d, hint) = shape.detect(&custom).unwrap();
            assert_eq!(d, detect(value, &custom), "detection differs for {value:?}");
            assert_eq!(hint, masked_hint(value), "hint differs for {value:?}");
        }
    }

    #[test]
    fn the_shape_holds_no_more_of_the_value_than_the_hint() {
        let value = "phx_kwcanarysecretvalue0123456789ZZZZZZZZZZZZZZZZ";
        let shape = KeyShape::of(value, &[]);
        let sent = format!("{}{}{}", shape.prefix, shape.classes, shape.tail);
        assert!(!sent.contains("kwcanary"), "{sent}");
        assert!(!sent.contains("secret"), "{sent}");
    }

    #[test]
    fn a_value_sent_as_a_shape_is_refused() {
        let shape = KeyShape {
            prefix: String::new(),
            classes: "kw-canary-secret".into(),
            tail: String::new(),
        };
        assert_eq!(shape.detect(&[]), Err(ShapeError::NotAShape));
        let shape = KeyShape {
            prefix: "kw-canary-secret".into(),
            classes: String::new(),
            tail: String::new(),
        };
        assert_eq!(shape.detect(&[]), Err(ShapeError::UnknownPrefix));
        let shape = KeyShape {
            prefix: String::new(),
            classes: "xxxx".into(),
            tail: "kw-canary".into(),
        };
        assert_eq!(shape.detect(&[]), Err(ShapeError::WrongTail));
    }
}
