-- 0004: handoff. `orch handoff` names the session that takes over before it asks the running
-- session's supervisor to stop; the supervisor then records `handed_off` instead of `stopped`,
-- and followers (`orch wait`, `sling --wait`) go on with the named session.
ALTER TABLE sessions ADD COLUMN handoff_to TEXT;  -- id of the session that takes over, if any
