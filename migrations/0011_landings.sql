-- 0011: what `orch land` did with a unit's work. One row per unit: its latest landing attempt
-- (a later attempt replaces it). All timestamps are UTC milliseconds since the Unix epoch.
CREATE TABLE landings (
  unit_id     INTEGER PRIMARY KEY REFERENCES units(id),
  session_id  TEXT    NOT NULL REFERENCES sessions(id),  -- whose work it was
  outcome     TEXT    NOT NULL,  -- landed | pr | skipped
  into_branch TEXT    NOT NULL,  -- the branch it was landed on (or the pull request's base)
  strategy    TEXT    NOT NULL,  -- merge | squash | rebase
  commit_id   TEXT,              -- landed: the commit that made its work part of into_branch
  pr_url      TEXT,              -- pr: the pull request `gh pr create` opened
  reason      TEXT,              -- skipped: why, in one line
  at          INTEGER NOT NULL
);
