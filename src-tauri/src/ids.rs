//! The ids the page sends, parsed once here: a malformed one is `invalid_input` naming what it
//! should have been, never a panic or a core error.

use crate::error::AppError;
use uuid::Uuid;

fn parse(id: &str, what: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id.trim()).map_err(|_| AppError::invalid(format!("not a {what} id")))
}

pub(crate) fn key_id(id: &str) -> Result<Uuid, AppError> {
    parse(id, "key")
}

pub(crate) fn rotation_id(id: &str) -> Result<Uuid, AppError> {
    parse(id, "rotation")
}

pub(crate) fn connection_id(id: &str) -> Result<Uuid, AppError> {
    parse(id, "connection")
}
