-- What a key is for Keyward: `service` (an ordinary key an application uses) or
-- `connection_admin` (the admin credential of a provider's management API, stored by
-- `keyward connect`). `keyward run` never exports a connection admin key unless it is named
-- (`--with`), and lists and reviews show the role.
ALTER TABLE keys ADD COLUMN role TEXT NOT NULL DEFAULT 'service'
    CHECK (role IN ('service', 'connection_admin'));

-- Admin keys stored before this migration: every key a connection names as its admin key.
UPDATE keys SET role = 'connection_admin'
    WHERE id IN (SELECT admin_key_id FROM connections WHERE admin_key_id IS NOT NULL);
