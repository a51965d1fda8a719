-- 0005: per-backend pool caps and shared agent servers (`opencode serve` processes that serve
-- many sessions, each through its own `?directory=`).
-- All timestamps are UTC milliseconds since the Unix epoch.

-- The cap on live sessions of the same backend that a session was launched under
-- ([backends.<name>] max_sessions); NULL = none. Checked with max_sessions when slots are handed.
ALTER TABLE sessions ADD COLUMN backend_max_sessions INTEGER;

-- A server process shared by sessions of one backend. It outlives any single supervisor (started
-- detached, in its own session); the live sessions whose server_id names it are its users, and
-- the supervisor of the last one stops it. Its password is in $ORCH_HOME/servers/<id>/password
-- (mode 0600), never here.
CREATE TABLE servers (
  id          TEXT    PRIMARY KEY,         -- random hex
  backend     TEXT    NOT NULL,            -- 'opencode'
  key         TEXT    NOT NULL,            -- hash of binary, arguments and environment: only
                                           -- sessions with the same key share a server
  state       TEXT    NOT NULL,            -- starting | ready | stopped | dead
  capacity    INTEGER NOT NULL,            -- at most this many users at once
  generation  INTEGER NOT NULL DEFAULT 1,  -- 1 + restarts after the process died
  served      INTEGER NOT NULL DEFAULT 0,  -- sessions it has taken so far
  serve_limit INTEGER NOT NULL DEFAULT 0,  -- it takes no more once it served this many, which
                                           -- bounds its memory (every directory it served costs
                                           -- some); 0 = no limit
  pid         INTEGER,                     -- the server process (NULL while starting)
  start_time  INTEGER,                     -- its /proc start time, so a reused pid is not it
  port        INTEGER,                     -- on 127.0.0.1
  owner_pid   INTEGER,                     -- while starting: the supervisor starting it
  owner_start INTEGER,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  detail      TEXT                         -- why it stopped or died
);
CREATE INDEX servers_open ON servers(backend, key) WHERE state IN ('starting', 'ready');

-- The shared server a live session uses (NULL: none, or its own per-session server).
ALTER TABLE sessions ADD COLUMN server_id TEXT REFERENCES servers(id);
CREATE INDEX sessions_by_server ON sessions(server_id) WHERE server_id IS NOT NULL;
