//! Transport types of the team (issue 15). The team's own types (`keyward_team::TeamStatus`,
//! `TeamKeys`, `TeamReview`, …) are metadata by construction and go to the page as they are;
//! these are the few the window adds: the join form and the change signal.

use crate::error::AppError;
use keyward::Secret;
use serde::{Deserialize, Serialize};

/// The Team settings' join form. `password` is the password field's value, deserialized
/// straight into a `Secret` (never a `String`); the URL must not carry one.
#[derive(Debug, Deserialize)]
pub struct TeamJoinInput {
    pub url: String,
    pub password: Secret,
}

impl TeamJoinInput {
    pub fn into_parts(self) -> Result<(String, Secret), AppError> {
        if self.password.is_empty() {
            return Err(AppError {
                code: "team_auth_failed",
                message: "enter the password of your team database role".into(),
            });
        }
        Ok((self.url.trim().to_owned(), self.password))
    }
}

/// The team data or the membership changed, streamed over the Channel given to `team_watch`:
/// the page reloads its Team view and status. Says nothing about what changed.
#[derive(Debug, Clone, Serialize)]
pub struct TeamChangedDto {
    /// Counts the changes seen since the app started.
    pub change: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_a_secret_and_never_debug_printed() {
        let input: TeamJoinInput = serde_json::from_value(serde_json::json!({
            "url": " postgres://alice@127.0.0.1:5432/team ",
            "password": "canary-pw-5d1f",
        }))
        .unwrap();
        assert!(!format!("{input:?}").contains("canary-pw-5d1f"));
        let (url, password) = input.into_parts().unwrap();
        assert_eq!(url, "postgres://alice@127.0.0.1:5432/team");
        assert!(!password.is_empty());
    }

    #[test]
    fn an_empty_password_is_refused_before_any_network() {
        let input: TeamJoinInput =
            serde_json::from_value(serde_json::json!({"url": "postgres://a@h/db", "password": ""}))
                .unwrap();
        assert_eq!(input.into_parts().unwrap_err().code, "team_auth_failed");
    }
}
