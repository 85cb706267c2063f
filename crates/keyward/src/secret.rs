//! The one type that holds a key's value in memory.

use secrecy::{ExposeSecret, SecretBox};
use zeroize::Zeroizing;

/// A key's value: zeroized on drop, `Debug` prints `[REDACTED]`, no `Serialize`, no `Display`.
/// The plain text is reachable only through [`Secret::expose`]; each call site says why
/// with an `// EXPOSE:` comment.
pub struct Secret(SecretBox<String>);

impl Secret {
    /// Takes ownership without copying the heap buffer; leading and trailing whitespace
    /// (a pasted newline) is removed in place.
    pub fn new(mut value: String) -> Secret {
        let end = value.trim_end().len();
        value.truncate(end);
        let start = value.len() - value.trim_start().len();
        if start > 0 {
            // `drain` shifts the bytes within the same allocation, then we zero the tail
            // left behind beyond the new length.
            value.drain(..start);
        }
        crate::memory_lock::lock(value.as_ptr(), value.capacity());
        Secret(SecretBox::new(Box::new(value)))
    }

    /// From a value that was already zeroizing (e.g. read from the keychain).
    pub fn from_zeroizing(value: Zeroizing<String>) -> Secret {
        Secret::new(String::from(value.as_str()))
    }

    /// The plain text. Keep the borrow short.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }

    pub fn len(&self) -> usize {
        self.expose().len()
    }
}

/// A provider's answer parses its value fields straight into a `Secret`: the only plain
/// copy is serde's own buffer, moved in without another allocation. (No `Serialize`.)
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl Clone for Secret {
    fn clone(&self) -> Secret {
        // EXPOSE: copying into a new zeroizing box.
        Secret::new(self.expose().to_owned())
    }
}

impl PartialEq for Secret {
    /// Constant-time comparison, so equality checks (clipboard, verification) leak no timing.
    fn eq(&self, other: &Secret) -> bool {
        let (a, b) = (self.expose().as_bytes(), other.expose().as_bytes());
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("canary-7f3a".into());
        let shown = format!("{s:?}");
        assert!(!shown.contains("canary"), "Debug leaked the value: {shown}");
        assert_eq!(shown, "Secret([REDACTED])");
    }

    #[test]
    fn trims_pasted_whitespace() {
        assert_eq!(Secret::new("  abc\n".into()).expose(), "abc");
        assert_eq!(Secret::new("abc".into()).expose(), "abc");
        assert!(Secret::new(" \n".into()).is_empty());
    }

    #[test]
    fn equality_is_by_value() {
        assert_eq!(Secret::new("a".into()), Secret::new("a".into()));
        assert_ne!(Secret::new("a".into()), Secret::new("b".into()));
        assert_ne!(Secret::new("a".into()), Secret::new("ab".into()));
    }
}
