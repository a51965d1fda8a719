-- 0016: budgets that stop the spending. A convoy may have a budget (orch convoy create|run
-- --budget USD): the sum of sessions.cost_usd over every session of its units, as the agents
-- report it while they run. The supervisor that sees the sum cross it marks the convoy over
-- budget (over_budget_at, over_budget_note: why, e.g. "budget: convoy c spent $5.50 over its
-- budget of $5.00") and, in the same transaction, stopped (stopped_at, so it gets no slot and no
-- retry) and cancels its queued sessions; the convoy's other supervisors see the mark and stop
-- their sessions. A unit's own limits (--max-cost, --max-tokens, --max-duration) live in
-- sessions.options. All timestamps are UTC milliseconds since the Unix epoch.
ALTER TABLE convoys ADD COLUMN budget_usd REAL;           -- NULL: no budget
ALTER TABLE convoys ADD COLUMN over_budget_at INTEGER;    -- NULL: not over its budget
ALTER TABLE convoys ADD COLUMN over_budget_note TEXT;
