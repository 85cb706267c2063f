-- The hosted region a key belongs to where its provider has several (PostHog, Postman,
-- SendGrid: `us`, `eu`); NULL = not chosen (a key of a connection uses the connection's).
ALTER TABLE keys ADD COLUMN region TEXT;
