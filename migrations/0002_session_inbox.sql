-- 0002: the inbox of a session: messages from orch commands to the session's supervisor
-- (`orch nudge`). The command posts a row and wakes the supervisor with SIGUSR2; the supervisor
-- takes the row (result 'taken'), hands it to the agent and records how that went.
-- All timestamps are UTC milliseconds since the Unix epoch.
CREATE TABLE session_inbox (
  id           INTEGER PRIMARY KEY,
  session_id   TEXT    NOT NULL REFERENCES sessions(id),
  at           INTEGER NOT NULL,   -- when it was posted
  kind         TEXT    NOT NULL,   -- nudge
  text         TEXT    NOT NULL,
  delivered_at INTEGER,            -- when it was settled (delivered, refused or withdrawn)
  result       TEXT                -- NULL: waiting; 'taken': being delivered; then 'delivered' or
                                   -- why not ("not delivered: ...", "withdrawn: ...")
);
-- The waiting messages of a session, in order.
CREATE INDEX session_inbox_waiting ON session_inbox(session_id, id) WHERE delivered_at IS NULL;
