-- Keyward team schema, version 1 (issue 15). Metadata only: no column can hold a key's value,
-- a fingerprint, or (unless that member shares hints) a masked hint.
-- Runs as the administrator `keyward team init` connects as; the group roles keyward_member
-- and keyward_admin exist already (init creates them first). search_path is `keyward`.

CREATE TABLE keyward.meta (
    id             integer PRIMARY KEY CHECK (id = 1),
    schema_version bigint NOT NULL
);
INSERT INTO keyward.meta (id, schema_version) VALUES (1, 1);

-- One row per key of each member. `member` is the database role that published it.
CREATE TABLE keyward.keys (
    member            text NOT NULL DEFAULT current_user,
    key_id            uuid NOT NULL,
    provider          text NOT NULL,
    kind              text NOT NULL,
    name              text NOT NULL,
    environment       text NOT NULL,
    purpose           text NOT NULL DEFAULT '',
    owner             text,
    tags              text[] NOT NULL DEFAULT '{}',
    scopes            text[] NOT NULL DEFAULT '{}',
    status            text NOT NULL,
    state             text NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    last_rotated_at   timestamptz,
    next_rotation_due timestamptz,
    expires_at        timestamptz,
    rotation          text,           -- an unfinished rotation's step
    findings          jsonb NOT NULL DEFAULT '[]',
    hint              text,           -- only when the member shares hints
    published_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member, key_id)
);
CREATE INDEX keys_by_group ON keyward.keys (environment, purpose, name);

-- The team's audit: who created, rotated, revoked, removed which key, and when.
-- `local_id` is the event's id in the member's own audit trail: publishing twice is a no-op.
CREATE TABLE keyward.events (
    member       text NOT NULL DEFAULT current_user,
    local_id     bigint NOT NULL,
    key_id       uuid NOT NULL,
    key_name     text NOT NULL,
    action       text NOT NULL,
    at           timestamptz NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member, local_id)
);
CREATE INDEX events_by_time ON keyward.events (at);

-- Access lives here, not in Keyward's code. FORCE: the tables' owner is held to it too.
ALTER TABLE keyward.keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE keyward.keys FORCE ROW LEVEL SECURITY;
ALTER TABLE keyward.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE keyward.events FORCE ROW LEVEL SECURITY;

-- A departed member: a role that no longer exists or is no longer in keyward_member.
CREATE FUNCTION keyward.departed(member text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY INVOKER SET search_path = pg_catalog AS $$
    SELECT NOT EXISTS (
        SELECT 1 FROM pg_roles r
        WHERE r.rolname = member AND pg_has_role(r.oid, 'keyward_member', 'MEMBER')
    )
$$;

-- Members read the whole team and write only their own rows.
CREATE POLICY keys_read ON keyward.keys FOR SELECT TO keyward_member, keyward_admin USING (true);
CREATE POLICY keys_insert ON keyward.keys FOR INSERT TO keyward_member
    WITH CHECK (member = current_user);
CREATE POLICY keys_update ON keyward.keys FOR UPDATE TO keyward_member
    USING (member = current_user) WITH CHECK (member = current_user);
CREATE POLICY keys_delete ON keyward.keys FOR DELETE TO keyward_member
    USING (member = current_user);
-- Admins may delete the rows of a member who left.
CREATE POLICY keys_delete_departed ON keyward.keys FOR DELETE TO keyward_admin
    USING (keyward.departed(member));

CREATE POLICY events_read ON keyward.events FOR SELECT TO keyward_member, keyward_admin USING (true);
CREATE POLICY events_insert ON keyward.events FOR INSERT TO keyward_member
    WITH CHECK (member = current_user);
CREATE POLICY events_delete_departed ON keyward.events FOR DELETE TO keyward_admin
    USING (keyward.departed(member));

GRANT USAGE ON SCHEMA keyward TO keyward_member, keyward_admin;
GRANT SELECT ON keyward.meta TO keyward_member, keyward_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON keyward.keys TO keyward_member;
GRANT SELECT, INSERT ON keyward.events TO keyward_member;
GRANT SELECT, DELETE ON keyward.keys, keyward.events TO keyward_admin;
GRANT EXECUTE ON FUNCTION keyward.departed(text) TO keyward_member, keyward_admin;

-- LISTEN/NOTIFY: one notification per statement that changed the team's data.
CREATE FUNCTION keyward.notify_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    PERFORM pg_notify('keyward_team', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
CREATE TRIGGER keys_changed AFTER INSERT OR UPDATE OR DELETE ON keyward.keys
    FOR EACH STATEMENT EXECUTE FUNCTION keyward.notify_change();
CREATE TRIGGER events_changed AFTER INSERT OR UPDATE OR DELETE ON keyward.events
    FOR EACH STATEMENT EXECUTE FUNCTION keyward.notify_change();
