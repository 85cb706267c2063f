-- Start-up recovery backs off per rotation: after a failed attempt it leaves the rotation
-- alone until `next_attempt_at` (30 s, doubling with `attempts`, at most 6 h), so a loop of
-- short CLI calls does not retry a stuck rotation on every call. An explicit resume ignores it.
ALTER TABLE rotations ADD COLUMN next_attempt_at TEXT;
