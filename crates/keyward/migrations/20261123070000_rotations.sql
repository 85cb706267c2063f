-- Schema 3: the rotation journal. One row per rotation of one key; each step is committed here
-- before the next side effect (provider call, keychain write). Never holds a secret: only
-- fingerprints (HMAC under the per-install key), remote ids and the idempotency token.

CREATE TABLE rotations (
    id               TEXT PRIMARY KEY NOT NULL,     -- UUID
    key_id           TEXT NOT NULL,                 -- the key being rotated (kept as history)
    key_name         TEXT NOT NULL,                 -- name at the time, readable after removal
    provider         TEXT NOT NULL,
    flavour          TEXT NOT NULL CHECK (flavour IN ('native_roll', 'create_revoke', 'guided')),
    step             TEXT NOT NULL CHECK (step IN ('planned', 'created', 'verified', 'promoted',
                                                   'old_revoked', 'done', 'failed', 'rolled_back')),
    token            TEXT NOT NULL UNIQUE,          -- idempotency token, also in the remote name
    remote_name      TEXT,                          -- name/label given to the new remote key
    old_remote_id    TEXT,
    new_remote_id    TEXT,
    old_fingerprint  TEXT,
    new_fingerprint  TEXT,
    scopes           TEXT NOT NULL DEFAULT '[]',    -- JSON: scopes asked for the new key
    grace_secs       INTEGER NOT NULL DEFAULT 0,
    revoke_after     TEXT,                          -- when the old key is due for revocation
    attempts         INTEGER NOT NULL DEFAULT 0,
    error_code       TEXT,                          -- last failure (the rotation stays resumable)
    error_message    TEXT,
    note             TEXT,                          -- what recovery did, for the user
    lease_owner      TEXT,                          -- host:pid:nonce of the process driving it
    lease_until      TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    finished_at      TEXT
);
CREATE INDEX rotations_open ON rotations (step) WHERE step NOT IN ('done', 'failed', 'rolled_back');
CREATE INDEX rotations_by_key ON rotations (key_id, created_at);
-- At most one unfinished rotation per key.
CREATE UNIQUE INDEX rotations_one_open_per_key ON rotations (key_id)
    WHERE step NOT IN ('done', 'failed', 'rolled_back');
