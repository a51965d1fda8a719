-- 0015: the hook outbox (orchestrator/hooks/). Every state change of a session that has hooks
-- (sessions.options holds "hooks":true, written at launch) is copied here by a trigger, in the
-- same transaction that records it, whoever records it (the supervisor, `orch stop`, the pool,
-- lost detection); `budget` events are inserted directly. The session's hook courier delivers the
-- rows in id order and deletes each once it was handed to every hook: a courier killed at any
-- point leaves the row, and the next courier delivers it again (at least once, in order).
CREATE TABLE hook_outbox (
  id             INTEGER PRIMARY KEY,
  session_id     TEXT    NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  event          TEXT    NOT NULL,  -- the new state's name, or "budget"
  state          TEXT    NOT NULL,  -- the session's state with the event
  previous_state TEXT,              -- the state before (NULL for the first)
  at             INTEGER NOT NULL,  -- ms since the epoch
  detail         TEXT               -- the state change's detail (an error, a note), a budget's text
);
CREATE INDEX hook_outbox_by_session ON hook_outbox(session_id, id);

-- instr rather than json_extract: options that are not valid JSON must never fail a state change.
CREATE TRIGGER hook_outbox_states AFTER INSERT ON session_states
WHEN (SELECT instr(options, '"hooks":true') FROM sessions WHERE id = NEW.session_id) > 0
BEGIN
  INSERT INTO hook_outbox (session_id, event, state, previous_state, at, detail)
  VALUES (NEW.session_id, NEW.state, NEW.state,
          (SELECT state FROM session_states
            WHERE session_id = NEW.session_id AND id < NEW.id ORDER BY id DESC LIMIT 1),
          NEW.at, NEW.detail);
END;
