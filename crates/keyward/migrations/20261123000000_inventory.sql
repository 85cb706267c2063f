-- Keyward inventory, schema 1. Metadata only: no column ever holds a key's value.

CREATE TABLE environments (
    name     TEXT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL
);
INSERT INTO environments (name, position) VALUES ('dev', 0), ('staging', 1), ('prod', 2);

CREATE TABLE keys (
    id               TEXT PRIMARY KEY NOT NULL,          -- UUID; also the keychain account
    provider         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    environment      TEXT NOT NULL REFERENCES environments(name) ON UPDATE CASCADE,
    purpose          TEXT NOT NULL DEFAULT '',
    owner            TEXT,
    tags             TEXT NOT NULL DEFAULT '[]',          -- JSON array of strings
    scopes           TEXT NOT NULL DEFAULT '[]',          -- JSON array of strings
    remote_id        TEXT,
    env_var          TEXT NOT NULL,
    created_at       TEXT NOT NULL,                       -- RFC 3339 UTC, fixed width: sorts as time
    last_rotated_at  TEXT,
    last_used_at     TEXT,
    last_verified_at TEXT,
    expires_at       TEXT,
    status           TEXT NOT NULL CHECK (status IN ('active', 'pending', 'grace', 'revoked', 'invalid')),
    fingerprint      TEXT,                                -- HMAC-SHA256 under the per-install key
    masked_hint      TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (environment, name)
);
CREATE INDEX keys_by_group ON keys (environment, purpose COLLATE NOCASE, name COLLATE NOCASE);
CREATE INDEX keys_by_provider ON keys (provider);
CREATE INDEX keys_by_fingerprint ON keys (fingerprint);

-- Append-only: the triggers refuse updates and deletes.
CREATE TABLE audit_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    key_id   TEXT,
    key_name TEXT,
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_key ON audit_events (key_id, id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

CREATE TABLE settings (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- Providers the user described (header scheme, verify URL); JSON of CustomProviderSpec.
CREATE TABLE custom_providers (
    id         TEXT PRIMARY KEY NOT NULL,
    spec       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
