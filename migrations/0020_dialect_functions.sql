-- 0020: nothing on SQLite. On PostgreSQL (0020_dialect_functions.pg.sql) it defines the SQLite
-- functions the registry's queries use (instr, two-argument max, json_valid, json_extract), so
-- one text of each query runs on both (docs/registry-postgresql.md).
SELECT 1;
