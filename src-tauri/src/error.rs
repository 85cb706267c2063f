//! The one error the window sees: `{code, message}`. The UI switches on `code`; `message` is
//! for people. Built from the core's error, which never carries a secret.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppError {
    pub code: &'static str,
    pub message: String,
}

impl From<keyward::Error> for AppError {
    fn from(err: keyward::Error) -> AppError {
        let message = match &err {
            keyward::Error::Vault(v) => format!("{err} {}", v.fix()),
            _ => err.to_string(),
        };
        AppError {
            code: err.code(),
            message,
        }
    }
}

/// Team errors keep their stable codes (`team_unreachable`, `team_auth_failed`, …); core
/// errors inside them keep the core's.
impl From<keyward_team::TeamError> for AppError {
    fn from(err: keyward_team::TeamError) -> AppError {
        match err {
            keyward_team::TeamError::Core(core) => AppError::from(core),
            other => AppError {
                code: other.code(),
                message: other.to_string(),
            },
        }
    }
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError {
            code: "invalid_input",
            message: message.into(),
        }
    }

    /// The name typed to confirm a revocation is not the key's name.
    pub fn confirm_mismatch() -> AppError {
        AppError {
            code: "confirm_mismatch",
            message: "the name typed does not match the key's name".into(),
        }
    }

    /// "Show once" without a valid one-time token (spent, expired, or never issued).
    pub fn reveal_expired() -> AppError {
        AppError {
            code: "reveal_expired",
            message: "the value can be shown only once, right after it was made".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_to_code_and_message() {
        let err = AppError::from(keyward::Error::NotFound("k".into()));
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            serde_json::json!({"code": "not_found", "message": "no key matches 'k'"})
        );
        let locked = AppError::from(keyward::Error::Vault(keyward::vault::VaultError::Locked(
            "x".into(),
        )));
        assert_eq!(locked.code, "keychain_locked");
        assert!(
            locked.message.contains("Unlock"),
            "carries the fix: {}",
            locked.message
        );
    }
}
