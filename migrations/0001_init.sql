-- 0001: work units, sessions, their state history and events.
-- All timestamps are UTC milliseconds since the Unix epoch.

-- A work unit: one piece of work on one repository, done on the branch orch/<name>.
CREATE TABLE units (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,             -- the unit id the user gave, e.g. issue-123
  repo        TEXT    NOT NULL,             -- absolute path of the repository's working directory
  branch      TEXT    NOT NULL,             -- orch/<name>
  base_ref    TEXT    NOT NULL,             -- what --base said (or HEAD)
  base_commit TEXT    NOT NULL,             -- the commit the branch was created from
  prompt      TEXT    NOT NULL,             -- the work, as given to the first session
  priority    INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  UNIQUE (repo, name)
);

-- A session: one agent working on one unit in one worktree.
CREATE TABLE sessions (
  id                    TEXT    PRIMARY KEY,  -- orch's own session id (8 hex digits)
  unit_id               INTEGER NOT NULL REFERENCES units(id),
  agent                 TEXT    NOT NULL,     -- preset name, e.g. opencode
  backend               TEXT    NOT NULL,     -- backend name, e.g. opencode
  model                 TEXT,                 -- provider/model override, if any
  prompt                TEXT    NOT NULL,     -- the brief this session was given
  state                 TEXT    NOT NULL CHECK (state IN
                          ('queued','starting','running','waiting','done','failed','stopped','lost','handed_off')),
  worktree              TEXT    NOT NULL,
  agent_session_id      TEXT,                 -- the agent's own id (OpenCode ses_..., Claude UUID)
  supervisor_pid        INTEGER,
  supervisor_start_time INTEGER,              -- /proc/<pid>/stat start time (clock ticks since boot)
  agent_pid             INTEGER,
  parent_session        TEXT REFERENCES sessions(id),
  started_at            INTEGER NOT NULL,
  ended_at              INTEGER,
  last_event_at         INTEGER,
  tokens_in             INTEGER NOT NULL DEFAULT 0,
  tokens_out            INTEGER NOT NULL DEFAULT 0,
  tokens_cache_read     INTEGER NOT NULL DEFAULT 0,
  tokens_cache_write    INTEGER NOT NULL DEFAULT 0,
  cost_usd              REAL    NOT NULL DEFAULT 0,
  tool_calls            INTEGER NOT NULL DEFAULT 0,
  denials               INTEGER NOT NULL DEFAULT 0,
  summary               TEXT,                 -- the agent's final text
  error                 TEXT,                 -- why it failed, stopped or was lost
  commit_id             TEXT,                 -- head of the branch when the session ended
  diffstat              TEXT,                 -- e.g. "1 file changed, 1 insertion(+)"
  no_commit             INTEGER NOT NULL DEFAULT 0,
  options               TEXT    NOT NULL DEFAULT '{}'  -- JSON: timeouts, policy, preset settings
);
CREATE INDEX sessions_by_state ON sessions(state);
CREATE INDEX sessions_by_unit ON sessions(unit_id);
CREATE INDEX sessions_by_started ON sessions(started_at);
-- At most one live session per unit, enforced by SQLite itself.
CREATE UNIQUE INDEX one_live_session_per_unit ON sessions(unit_id)
  WHERE state IN ('queued','starting','running','waiting');

-- Every state change, with its time and what decided it (an event, a check, a command).
CREATE TABLE session_states (
  id         INTEGER PRIMARY KEY,
  session_id TEXT    NOT NULL REFERENCES sessions(id),
  state      TEXT    NOT NULL,
  at         INTEGER NOT NULL,
  source     TEXT    NOT NULL,   -- e.g. "opencode:session.idle", "supervisor:pid-check", "cli:stop"
  detail     TEXT
);
CREATE INDEX session_states_by_session ON session_states(session_id, id);

-- Normalized events of a session: text, tool calls, permission answers, errors, nudges.
CREATE TABLE session_events (
  id         INTEGER PRIMARY KEY,
  session_id TEXT    NOT NULL REFERENCES sessions(id),
  at         INTEGER NOT NULL,
  kind       TEXT    NOT NULL,   -- text | tool | permission | error | state | nudge | retry | info
  data       TEXT    NOT NULL    -- JSON object
);
CREATE INDEX session_events_by_session ON session_events(session_id, id);
