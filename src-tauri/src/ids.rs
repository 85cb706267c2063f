//! The ids the page sends, parsed once through the core's id types (`FromStr`): a malformed
//! one is `invalid_input` naming what it should have been, never a panic or a core error.

use crate::error::AppError;
use keyward::{KeyId, MalformedId};
use uuid::Uuid;

impl From<MalformedId> for AppError {
    fn from(e: MalformedId) -> AppError {
        AppError::from(keyward::Error::from(e))
    }
}

pub(crate) fn key_id(id: &str) -> Result<Uuid, AppError> {
    Ok(id.parse::<KeyId>()?.into())
}
