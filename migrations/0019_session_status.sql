-- 0019: what orch's tools inside an agent (`orch mcp`, docs/agents/mcp.md) record on the calling
-- session. `status`: the one-line status the agent set with the `status` tool (`orch agents`
-- STATUS, `status` in --json). `handoff_request`: the `handoff` tool's request, a JSON object
-- {to_agent, note}, carried out by the session's supervisor once the agent's turn ended.
ALTER TABLE sessions ADD COLUMN status TEXT;
ALTER TABLE sessions ADD COLUMN handoff_request TEXT;
