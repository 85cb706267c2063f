//! The ids the page sends, parsed once through the core's id types (`FromStr`): a malformed
//! one is `invalid_input` naming what it should have been, never a panic or a core error.

use crate::error::AppError;
use keyward::{ConnectionId, KeyId, MalformedId, RotationId};
use uuid::Uuid;

impl From<MalformedId> for AppError {
    fn from(e: MalformedId) -> AppError {
        AppError::from(keyward::Error::from(e))
    }
}

pub(crate) fn key_id(id: &str) -> Result<Uuid, AppError> {
    Ok(id.parse::<KeyId>()?.into())
}

pub(crate) fn rotation_id(id: &str) -> Result<Uuid, AppError> {
    Ok(id.parse::<RotationId>()?.into())
}

pub(crate) fn connection_id(id: &str) -> Result<Uuid, AppError> {
    Ok(id.parse::<ConnectionId>()?.into())
}
