-- 0010: why a session ended when that is no error. A stop (`stopped by orch stop`, `stopped by
-- SIGTERM`, ...) and a handoff (`handed off to session ID`) are recorded in `note`; `error` is
-- kept for failures. Sessions recorded before this step move their note out of `error`.
ALTER TABLE sessions ADD COLUMN note TEXT;
UPDATE sessions SET note = error, error = NULL
 WHERE state IN ('stopped', 'handed_off')
   AND (error LIKE 'stopped by %' OR error LIKE 'handed off to session %');
