-- Schema 2: connections to providers' management APIs, and what the last verification said.

-- A connection: provider + base URL (+ the admin key, itself a key in the inventory).
CREATE TABLE connections (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL UNIQUE,
    provider     TEXT NOT NULL,
    base_url     TEXT NOT NULL,
    admin_key_id TEXT REFERENCES keys(id) ON DELETE SET NULL,
    options      TEXT NOT NULL DEFAULT '{}',   -- JSON: e.g. {"project_id": "…"} for PostHog
    created_at   TEXT NOT NULL
);

ALTER TABLE keys ADD COLUMN connection_id TEXT REFERENCES connections(id) ON DELETE SET NULL;
-- valid | invalid | expired | disabled, from the last definite answer; NULL = never verified.
ALTER TABLE keys ADD COLUMN verify_outcome TEXT;
ALTER TABLE keys ADD COLUMN verify_detail TEXT;
CREATE INDEX keys_by_connection ON keys (connection_id);
