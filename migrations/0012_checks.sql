-- 0012: checks that decide `done`. A session whose agent ended its turn runs its checks (commands
-- run with `sh -c` in its worktree) in the new live state `checking`, which holds its pool slot
-- like `running`; every run of a check is recorded in `check_runs`. All timestamps are UTC
-- milliseconds since the Unix epoch.

-- `checking` joins the states sessions.state may hold. SQLite cannot change a CHECK constraint
-- with ALTER TABLE; the schema text is edited in place (https://sqlite.org/lang_altertable.html,
-- section 7: changes that leave the stored data as it is), then the connection re-reads it.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, '''waiting'',''done''', '''waiting'',''checking'',''done''')
 WHERE type = 'table' AND name = 'sessions';
PRAGMA writable_schema = RESET;
-- At most one live session per unit: `checking` is live. (Rebuilding the index also changes the
-- schema cookie, so other connections re-read the schema.)
DROP INDEX one_live_session_per_unit;
CREATE UNIQUE INDEX one_live_session_per_unit ON sessions(unit_id)
  WHERE state IN ('queued','starting','running','waiting','checking');

-- One run of one check of a session: the checks run after each turn of the agent (attempt 1 after
-- the work, attempt N after the agent's (N-1)-th fix).
CREATE TABLE check_runs (
  id          INTEGER PRIMARY KEY,
  session_id  TEXT    NOT NULL REFERENCES sessions(id),
  attempt     INTEGER NOT NULL,  -- 1, 2, ...: the round of checks this run belongs to
  name        TEXT    NOT NULL,  -- the check's name ([[checks]] name, or the command of a --check)
  command     TEXT    NOT NULL,  -- what ran with `sh -c` in the worktree
  exit_code   INTEGER,           -- its exit code; 128+signal when killed; NULL while it runs
  timed_out   INTEGER NOT NULL DEFAULT 0,  -- 1 when it ran past its timeout and was killed
  duration_ms INTEGER,
  output_path TEXT    NOT NULL,  -- its stdout and stderr: $ORCH_HOME/sessions/<id>/checks/...
  started_at  INTEGER NOT NULL,
  ended_at    INTEGER
);
CREATE INDEX check_runs_by_session ON check_runs(session_id, id);
