//! The core's surface for front ends (the desktop shell, the CLI), one module per concern, in
//! the manner of GitButler's `but-api`: free functions `verb(inventory, one argument)` that
//! return the views the front ends send on. Shaping that is logic (a key with its findings and
//! its one state) lives here, not in each front end.

pub mod connections;
pub mod doctor;
pub mod findings;
pub mod import;
pub mod keys;
pub mod lifecycle;
pub mod providers;
pub mod settings;
