//! Ids as types: a key's id cannot be passed where a rotation's is expected, and text from a
//! page or a command line is parsed once, with an error naming which id was malformed. On the
//! wire (`#[serde(transparent)]`) and in the database (`store::ids`) each is its uuid's text.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// Text that is not an id of the kind expected; says which kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a {what} id")]
pub struct MalformedId {
    /// "key", "rotation", "connection".
    pub what: &'static str,
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// What the id names, for messages ("not a key id").
            pub const WHAT: &'static str = $what;

            pub fn new_random() -> $name {
                $name(Uuid::new_v4())
            }

            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = MalformedId;
            fn from_str(s: &str) -> Result<$name, MalformedId> {
                Uuid::parse_str(s.trim())
                    .map($name)
                    .map_err(|_| MalformedId { what: $what })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> $name {
                $name(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

uuid_id!(
    /// A key's id (also its keychain account).
    KeyId,
    "key"
);
uuid_id!(
    /// A rotation's id (a row of the rotation journal).
    RotationId,
    "rotation"
);
uuid_id!(
    /// A connection's id (a provider admin key with its own keychain entry).
    ConnectionId,
    "connection"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_uuid_text() {
        let u = Uuid::new_v4();
        let id: KeyId = format!(" {u} ").parse().unwrap();
        assert_eq!(Uuid::from(id), u);
        assert_eq!(id.to_string(), u.to_string());
    }

    #[test]
    fn a_malformed_id_says_which_id() {
        assert_eq!(
            "../etc".parse::<KeyId>().unwrap_err().to_string(),
            "not a key id"
        );
        assert_eq!(
            "zz".parse::<RotationId>().unwrap_err().to_string(),
            "not a rotation id"
        );
        assert_eq!(
            "".parse::<ConnectionId>().unwrap_err().to_string(),
            "not a connection id"
        );
    }

    #[test]
    fn serializes_as_the_bare_uuid() {
        let u = Uuid::new_v4();
        let json = serde_json::to_value(RotationId::from(u)).unwrap();
        assert_eq!(json, serde_json::json!(u.to_string()));
        let back: RotationId = serde_json::from_value(json).unwrap();
        assert_eq!(Uuid::from(back), u);
        assert!(serde_json::from_value::<KeyId>(serde_json::json!("nope")).is_err());
    }
}
