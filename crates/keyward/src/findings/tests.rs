//! Table-driven tests of every finding kind and provider rule at its boundaries.
