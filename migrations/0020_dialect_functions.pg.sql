-- 0020 on PostgreSQL: SQLite's functions that the registry's queries use, with SQLite's meaning.
-- instr(haystack, needle): 1-based position of needle, 0 when absent.
CREATE FUNCTION instr(text, text) RETURNS integer LANGUAGE sql IMMUTABLE STRICT
  AS 'SELECT strpos($1, $2)';
-- max(a, b) with two arguments: the larger (SQLite's scalar max; NULL when either is NULL).
CREATE FUNCTION max(bigint, bigint) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT
  AS 'SELECT GREATEST($1, $2)';
CREATE FUNCTION max(double precision, double precision) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT AS 'SELECT GREATEST($1, $2)';
-- json_valid(text): true when text parses as JSON (never raises).
CREATE FUNCTION json_valid(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  PERFORM t::json;
  RETURN t IS NOT NULL;
EXCEPTION WHEN others THEN
  RETURN false;
END $$;
-- json_extract(text, '$.a.b'): the value at a simple path, as text (NULL when absent).
CREATE FUNCTION json_extract(t text, path text) RETURNS text LANGUAGE sql IMMUTABLE STRICT
  AS $$ SELECT (t::json) #>> string_to_array(substr(path, 3), '.') $$;
