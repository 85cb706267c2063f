//! Unit tests of the journal state machine (in-memory store and vault).
