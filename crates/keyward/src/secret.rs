//! The one type that holds a key's value in memory.

use secrecy::{ExposeSecret, SecretBox};
use zeroize::{Zeroize, Zeroizing};

/// A key's value: zeroized on drop, `Debug` prints `[REDACTED]`, no `Serialize`, no `Display`.
/// The plain text is reachable only through [`Secret::expose`]; each call site says why
/// with an `// EXPOSE:` comment.
pub struct Secret(SecretBox<String>);

impl Secret {
    /// Takes ownership without copying the heap buffer; leading and trailing whitespace
    /// (a pasted newline) is removed in place, and the bytes left behind beyond the new
    /// length are zeroed (the allocation is the same, so nothing of the value stays in it
    /// outside the live string).
    pub fn new(value: String) -> Secret {
        let end = value.trim_end().len();
        let start = end - value[..end].trim_start().len();
        if start == 0 && end == value.len() {
            return Secret::locked(value);
        }
        let mut bytes = value.into_bytes();
        let len = shift_and_wipe(&mut bytes, start, end);
        bytes.truncate(len);
        // Cut at the char boundaries `trim` found, so still UTF-8; the error arm cannot
        // happen, and wipes the bytes rather than trusting that.
        let value = String::from_utf8(bytes).unwrap_or_else(|e| {
            let mut bytes = e.into_bytes();
            bytes.zeroize();
            String::new()
        });
        Secret::locked(value)
    }

    /// Wraps the final buffer, its pages locked in RAM (see `memory_lock`).
    fn locked(value: String) -> Secret {
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

/// Moves `buf[start..end]` to the front and zeroes every byte after it, within the slice:
/// returns the new length. Working on the initialized slice (before any truncation) is what
/// lets it wipe the stale tail without `unsafe`, and lets a test look at every byte.
fn shift_and_wipe(buf: &mut [u8], start: usize, end: usize) -> usize {
    let len = end.saturating_sub(start);
    if start > 0 {
        buf.copy_within(start..end, 0);
    }
    buf[len..].zeroize();
    len
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
    fn trimming_leaves_no_stale_bytes_of_the_value_behind() {
        // `drain(..n)` shifts the value left and leaves its last `n` bytes where they were,
        // past the new length; `shift_and_wipe` must zero them.
        let pasted = b"   kw-canary-tail-XYZ\n";
        let mut buf = pasted.to_vec();
        let len = shift_and_wipe(&mut buf, 3, pasted.len() - 1);
        assert_eq!(&buf[..len], b"kw-canary-tail-XYZ");
        assert_eq!(
            buf.len(),
            pasted.len(),
            "the whole buffer is still visible to the test"
        );
        assert!(
            buf[len..].iter().all(|b| *b == 0),
            "bytes past the new length must be zero: {:?}",
            String::from_utf8_lossy(&buf[len..])
        );
        // Nothing to trim at the front: only the tail.
        let mut buf = b"abc \n".to_vec();
        assert_eq!(shift_and_wipe(&mut buf, 0, 3), 3);
        assert_eq!(buf, b"abc\0\0");
        // Multi-byte characters survive (cut at char boundaries).
        assert_eq!(Secret::new(" \u{a0}kw-é-ü \t".into()).expose(), "kw-é-ü");
    }

    #[test]
    fn equality_is_by_value() {
        assert_eq!(Secret::new("a".into()), Secret::new("a".into()));
        assert_ne!(Secret::new("a".into()), Secret::new("b".into()));
        assert_ne!(Secret::new("a".into()), Secret::new("ab".into()));
    }
}
