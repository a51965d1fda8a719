-- 0021: `orch worker` and hosts (docs/workers.md). Every $ORCH_HOME is a host, named by its
-- host id ($ORCH_HOME/host-id). A worker is one `orch worker` process: it claims the queued
-- sessions of remote units (units.repo a URL) and runs their supervisors on its host.
CREATE TABLE workers (
  id           TEXT    PRIMARY KEY,   -- random, one per run of `orch worker`
  name         TEXT    NOT NULL,      -- --name (default: the host id)
  host         TEXT    NOT NULL,      -- the host id of its $ORCH_HOME
  pid          INTEGER NOT NULL,      -- its process on its host
  started_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,      -- written every 2 s; silent 10 s = lost
  state        TEXT    NOT NULL CHECK (state IN ('running','draining','stopped','lost')),
  ended_at     INTEGER,
  options      TEXT    NOT NULL DEFAULT '{}'  -- JSON: max_sessions, backends, convoy, drain
);
-- Two live workers never share a name.
CREATE UNIQUE INDEX one_live_worker_per_name ON workers(name) WHERE state IN ('running','draining');
CREATE INDEX workers_by_state ON workers(state);

-- The host a session runs on: a local sling records its own host; a session of a remote unit
-- has none until a worker claims it. NULL in rows older than 0021 (local sessions).
ALTER TABLE sessions ADD COLUMN host TEXT;
-- The worker that claimed it (workers.id): its heartbeat tells whether the session still runs.
ALTER TABLE sessions ADD COLUMN worker TEXT;
-- A request from another host for the session's worker (JSON {kind: stop|handoff, ...}),
-- carried out on the session's host within a second, then cleared.
ALTER TABLE sessions ADD COLUMN remote_request TEXT;
CREATE INDEX sessions_by_worker ON sessions(worker);

-- The host a shared agent server runs on: its pid is checked only there.
ALTER TABLE servers ADD COLUMN host TEXT;
