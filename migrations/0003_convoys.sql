-- 0003: the session pool (a cap on sessions running at once, a queue, retries) and convoys
-- (named groups of work units dispatched and waited on together).
-- All timestamps are UTC milliseconds since the Unix epoch.

-- A convoy: a named set of work units on one repository.
CREATE TABLE convoys (
  id           INTEGER PRIMARY KEY,
  name         TEXT    NOT NULL UNIQUE,
  repo         TEXT    NOT NULL,            -- absolute path of the repository's working directory
  agent        TEXT,                        -- preset for units that name none; NULL = the default
  max_sessions INTEGER NOT NULL,            -- the pool cap its units are launched under
  retries      INTEGER NOT NULL DEFAULT 0,  -- re-runs of a failed unit
  created_at   INTEGER NOT NULL,
  stopped_at   INTEGER                      -- set by `orch convoy stop`: nothing of it starts again
);

-- The convoy a unit belongs to (at most one).
ALTER TABLE units ADD COLUMN convoy_id INTEGER REFERENCES convoys(id);
CREATE INDEX units_by_convoy ON units(convoy_id) WHERE convoy_id IS NOT NULL;

-- Pool columns of a session. A session is created `queued`; it takes a slot (queued -> starting)
-- in a BEGIN IMMEDIATE transaction that counts the sessions holding one (starting, running,
-- waiting) against its own max_sessions, so concurrent claimers never exceed the cap and never
-- start a session twice.
ALTER TABLE sessions ADD COLUMN attempt      INTEGER NOT NULL DEFAULT 1;  -- 1 + retries before it
ALTER TABLE sessions ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 1;  -- 1 + --retries
ALTER TABLE sessions ADD COLUMN priority     INTEGER NOT NULL DEFAULT 0;  -- higher starts first
ALTER TABLE sessions ADD COLUMN max_sessions INTEGER;  -- the cap it was launched under; NULL = none
ALTER TABLE sessions ADD COLUMN queued_at    INTEGER;  -- when it joined the queue (its age)
ALTER TABLE sessions ADD COLUMN not_before   INTEGER;  -- a retry's earliest start (backoff)

-- The queue, in the order slots are handed out.
CREATE INDEX sessions_queue ON sessions(priority DESC, queued_at, id) WHERE state = 'queued';
