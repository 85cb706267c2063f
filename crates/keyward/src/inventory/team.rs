//! The team's database password (issue 15): kept in the OS keychain next to the keys, under
//! a reserved account, so it is never a key record, an orphan finding or a settings value.

use super::{on_vault, Inventory};
use crate::vault::TEAM_PASSWORD_ACCOUNT;
use crate::{Result, Secret};

impl Inventory {
    /// Stores the password the member joins the team with (replacing an earlier one).
    pub async fn team_password_set(&self, password: Secret) -> Result<()> {
        self.require_keychain().await?;
        on_vault(&self.vault, move |v| {
            v.set(TEAM_PASSWORD_ACCOUNT, &password)
        })
        .await
    }

    /// The stored password, if any.
    pub async fn team_password(&self) -> Result<Option<Secret>> {
        on_vault(&self.vault, |v| v.get(TEAM_PASSWORD_ACCOUNT)).await
    }

    /// Forgets the password (leaving a team).
    pub async fn team_password_delete(&self) -> Result<()> {
        on_vault(&self.vault, |v| v.delete(TEAM_PASSWORD_ACCOUNT)).await
    }
}

#[cfg(test)]
mod tests {
    use crate::vault::{is_reserved_account, TEAM_PASSWORD_ACCOUNT};

    #[test]
    fn the_team_password_is_a_reserved_account() {
        assert!(is_reserved_account(TEAM_PASSWORD_ACCOUNT));
    }
}
