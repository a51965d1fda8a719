-- 0022: sessions in insertion order without SQLite's rowid (PostgreSQL has none): seq, given by
-- insert_session as MAX(seq) + 1 inside the registry's write transaction (one writer at a time,
-- so it follows commit order). Existing rows keep their rowid order.
-- On PostgreSQL (0022_session_order_wakeups.pg.sql) the same column, plus the NOTIFY triggers of
-- the wake-ups (Registry::listen); SQLite's waiters watch PRAGMA data_version instead.
ALTER TABLE sessions ADD COLUMN seq INTEGER;
UPDATE sessions SET seq = rowid;
CREATE INDEX sessions_by_seq ON sessions(seq);
