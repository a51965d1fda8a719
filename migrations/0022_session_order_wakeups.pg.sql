-- 0022 on PostgreSQL (see 0022_session_order_wakeups.sql): the insertion-order column seq
-- (existing rows numbered by start time, then id), and the wake-ups of Registry::listen: in the
-- transaction that queues a session or ends one (a pool slot may be free), NOTIFY orch_queue;
-- in the one that posts to a session's inbox, NOTIFY orch_inbox. The payload is the session id;
-- PostgreSQL delivers them when (and only if) the transaction commits.
ALTER TABLE sessions ADD COLUMN seq BIGINT;
UPDATE sessions SET seq = o.n
  FROM (SELECT id, row_number() OVER (ORDER BY started_at, id) AS n FROM sessions) AS o
 WHERE sessions.id = o.id;
CREATE INDEX sessions_by_seq ON sessions(seq);

CREATE FUNCTION orch_notify_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state IN ('queued','done','failed','stopped','lost','handed_off') THEN
    PERFORM pg_notify('orch_queue', NEW.session_id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER session_states_notify AFTER INSERT ON session_states
  FOR EACH ROW EXECUTE FUNCTION orch_notify_queue();

CREATE FUNCTION orch_notify_inbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('orch_inbox', NEW.session_id);
  RETURN NULL;
END $$;
CREATE TRIGGER session_inbox_notify AFTER INSERT ON session_inbox
  FOR EACH ROW EXECUTE FUNCTION orch_notify_inbox();
