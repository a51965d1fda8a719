-- 0013: the TCP ports a session was given ([workspace] ports, orchestrator/workspace/). A port is
-- held while its session is live (queued, starting, running, waiting): allocate_ports reads the
-- held ports and inserts a new block in one BEGIN IMMEDIATE transaction, so no two live sessions
-- share a port; an ended session's rows stay (teardown at prune gets the same ports) and hold
-- nothing.
CREATE TABLE session_ports (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  port INTEGER NOT NULL,
  PRIMARY KEY (session_id, port)
);
CREATE INDEX session_ports_by_port ON session_ports(port);
