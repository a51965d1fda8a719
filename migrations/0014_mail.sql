-- 0014: mail between sessions (`orch mail`): a message to a work unit, from a session or from the
-- command line, delivered to the unit's live session as a new message in its conversation, else
-- held and appended to the prompt of the unit's next session. A supervisor claims a mail
-- (claimed_session) before it hands it on and marks it delivered, in one transaction with the
-- session's `mail` event, once the agent took it; a claim by a session that is no longer live is
-- void, so a mail whose supervisor died before that transaction goes to the unit's next session.
-- All timestamps are UTC milliseconds since the Unix epoch.
CREATE TABLE mail (
  id                INTEGER PRIMARY KEY,
  from_session      TEXT    REFERENCES sessions(id),        -- the sender; NULL = the command line
  to_unit_id        INTEGER NOT NULL REFERENCES units(id),  -- the recipient
  text              TEXT    NOT NULL,
  sent_at           INTEGER NOT NULL,
  claimed_session   TEXT    REFERENCES sessions(id),        -- the session handing it on, if any
  claimed_at        INTEGER,
  delivered_at      INTEGER,                                -- NULL: not delivered yet
  delivered_session TEXT    REFERENCES sessions(id)         -- the session whose agent got it
);
-- The undelivered mail of a unit, in order (what a supervisor claims).
CREATE INDEX mail_held ON mail(to_unit_id, id) WHERE delivered_at IS NULL;
-- What a unit's sessions sent (orch mail list UNIT).
CREATE INDEX mail_by_sender ON mail(from_session) WHERE from_session IS NOT NULL;
