-- Schema: findings. Where a key is used (client-side usage of a secret kind is a finding),
-- and acknowledged findings (each with a reason and an expiry; recorded in the audit log).

-- server | web | mobile | desktop | ci | local; NULL = not stated. Checked in Rust.
ALTER TABLE keys ADD COLUMN usage TEXT;

CREATE TABLE finding_acknowledgements (
    -- The key's id, or the keychain account of an entry without a record.
    subject         TEXT NOT NULL,
    kind            TEXT NOT NULL,            -- FindingKind: stale, unused, …
    reason          TEXT NOT NULL,
    acknowledged_by TEXT NOT NULL,
    acknowledged_at TEXT NOT NULL,            -- RFC 3339 UTC, fixed width
    until           TEXT NOT NULL,            -- the acknowledgement lapses then
    PRIMARY KEY (subject, kind)
);
