-- 0006: a session's worktree is created when the session gets a pool slot (by its supervisor,
-- before the agent), not when it is launched; the session row is written first (intent), so a
-- crash never leaves a worktree or branch without a row.
-- worktree_pending: 1 while sessions.worktree is only planned, or was left half made by a crash
-- (sling and prune reclaim those: no agent ever ran in it); NULL once created (and for rows
-- written before this migration, whose worktrees were created before the row).
ALTER TABLE sessions ADD COLUMN worktree_pending INTEGER;
-- Finding the sessions that use a worktree (reclaiming, prune).
CREATE INDEX sessions_by_worktree ON sessions(worktree);
-- The largest and smallest cap among queued sessions, so a pool claim stops walking the queue
-- once no queued session can fit (claim_queued).
CREATE INDEX sessions_queued_cap ON sessions(max_sessions) WHERE state = 'queued';
