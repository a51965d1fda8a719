-- 0017: pauses of a backend and provider after the provider refused for rate or usage limits
-- (orchestrator/pool/rate_limit.*, docs/agents/rate-limits.md). claim_queued holds back the queued
-- sessions a pause covers until `until_ms`; `strikes` counts the hits in a row, for the backoff
-- when the provider named no reset time. A row outlives its pause (the next hit's strikes); a
-- session of the backend and provider that ends done removes it.
CREATE TABLE rate_limit_pauses (
  backend TEXT NOT NULL,
  provider TEXT NOT NULL,          -- '' when the agent did not say which provider refused
  until_ms INTEGER NOT NULL,       -- epoch ms: no new session of it starts before
  reason TEXT NOT NULL,            -- e.g. "rate limit: HTTP 429 ..." (one line)
  strikes INTEGER NOT NULL DEFAULT 1,
  session_id TEXT,                 -- the session whose failure set the pause
  at INTEGER NOT NULL,             -- when it was set, epoch ms
  PRIMARY KEY (backend, provider)
);
