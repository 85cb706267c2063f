-- Teams (issue 15): this member's side of a team inventory on PostgreSQL. Metadata only.

-- The membership: one row while joined. The URL never holds a password (that is in the OS
-- keychain); `as_of` is when the pulled copy below was taken.
CREATE TABLE team_membership (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    url                  TEXT NOT NULL,
    member               TEXT NOT NULL,
    schema_version       INTEGER NOT NULL,
    sharing_environments TEXT,                 -- JSON array of names; NULL = every environment
    sharing_hints        INTEGER NOT NULL DEFAULT 0,
    joined_at            TEXT NOT NULL,
    last_sync_at         TEXT,
    last_error           TEXT,
    as_of                TEXT
);

-- The outbox: what changed since the last publish. Filled by triggers on every table a
-- published fact comes from, so no write path can forget to publish, and only while joined.
-- A row is deleted only after the server committed what it stands for.
CREATE TABLE team_outbox (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id    TEXT,      -- a key whose metadata (or findings, or rotation) changed
    event_id  INTEGER,   -- an audit event the team sees (rotations, revocations, …)
    queued_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TRIGGER team_outbox_key_insert AFTER INSERT ON keys
    WHEN EXISTS (SELECT 1 FROM team_membership)
BEGIN INSERT INTO team_outbox (key_id) VALUES (NEW.id); END;
CREATE TRIGGER team_outbox_key_update AFTER UPDATE ON keys
    WHEN EXISTS (SELECT 1 FROM team_membership)
BEGIN
    INSERT INTO team_outbox (key_id) VALUES (NEW.id);
    INSERT INTO team_outbox (key_id) SELECT OLD.id WHERE OLD.id <> NEW.id;
END;
CREATE TRIGGER team_outbox_key_delete AFTER DELETE ON keys
    WHEN EXISTS (SELECT 1 FROM team_membership)
BEGIN INSERT INTO team_outbox (key_id) VALUES (OLD.id); END;

CREATE TRIGGER team_outbox_ack_insert AFTER INSERT ON finding_acknowledgements
    WHEN EXISTS (SELECT 1 FROM team_membership)
BEGIN INSERT INTO team_outbox (key_id) VALUES (NEW.subject); END;
CREATE TRIGGER team_outbox_ack_update AFTER UPDATE ON finding_acknowledgements
    WHEN EXISTS (SELECT 1 FROM team_membership)
BEGIN INSERT INTO team_outbox (key_id) VALUES (NEW.subject); END;
CREATE TRIGGER team_outbox_ack_delete AFTER DELETE ON finding_acknowledgements
    WHEN EXISTS (SELECT 1 FROM team_membership)
BEGIN INSERT INTO team_outbox (key_id) VALUES (OLD.subject); END;

CREATE TRIGGER team_outbox_rotation_insert AFTER INSERT ON rotations
    WHEN EXISTS (SELECT 1 FROM team_membership)
BEGIN INSERT INTO team_outbox (key_id) VALUES (NEW.key_id); END;
CREATE TRIGGER team_outbox_rotation_update AFTER UPDATE OF step ON rotations
    WHEN EXISTS (SELECT 1 FROM team_membership)
BEGIN INSERT INTO team_outbox (key_id) VALUES (NEW.key_id); END;

-- The team sees who created, rotated, revoked or removed which key and when; never a copy,
-- a reveal or the event's free-text detail.
CREATE TRIGGER team_outbox_audit AFTER INSERT ON audit_events
    WHEN EXISTS (SELECT 1 FROM team_membership)
     AND NEW.key_id IS NOT NULL
     AND NEW.action IN ('created', 'imported', 'removed', 'rotated', 'revoked',
                        'finding_acknowledged', 'finding_unacknowledged')
BEGIN INSERT INTO team_outbox (event_id) VALUES (NEW.id); END;

-- What this member last published of each key (a digest of the row), so findings that
-- change with time alone (a key turning stale) are republished, and a key no longer shared
-- or removed is deleted from the server.
CREATE TABLE team_published (
    key_id TEXT PRIMARY KEY NOT NULL,
    digest TEXT NOT NULL
);

-- The pulled copy of the team's keys (every member's, this one's included) and events.
CREATE TABLE team_keys (
    member TEXT NOT NULL,
    key_id TEXT NOT NULL,
    row    TEXT NOT NULL,   -- JSON of keyward_team::TeamKeyRow
    PRIMARY KEY (member, key_id)
);
CREATE TABLE team_events (
    member   TEXT NOT NULL,
    local_id INTEGER NOT NULL,
    key_id   TEXT NOT NULL,
    key_name TEXT NOT NULL,
    action   TEXT NOT NULL,
    at       TEXT NOT NULL,
    PRIMARY KEY (member, local_id)
);
CREATE INDEX team_events_by_time ON team_events (at);
