--
-- parallel: every core aggregate runs as a parallel partial aggregate and
-- gives exactly the serial result
--
-- every regress file shares one database (make installcheck): keep this
-- file's objects in its own schema
CREATE SCHEMA test_parallel;
SET search_path = test_parallel, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 3;

CREATE TABLE big AS
  SELECT (g::bigint * 7919) % 5003 AS customer_id,
         'c-' || ((g::bigint * 7919) % 5003) AS customer_text,
         '2023-01-01'::timestamptz + ((g::bigint * 104729) % 500000) * interval '1 minute' AS ordered_at,
         CASE WHEN g % 17 = 0 THEN -((g % 900) / 100.0) ELSE (g % 9973) / 100.0 END::numeric(12,2) AS amount,
         (g % 9973) / 7.0 AS famount
  FROM generate_series(1, 200000) g;
ANALYZE big;

-- a helper that says whether a query's plan has a partial aggregate under a Gather
CREATE FUNCTION plan_is_parallel(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  line text;
  partial boolean := false;
  gather boolean := false;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    partial := partial OR line LIKE '%Partial %Aggregate%';
    gather := gather OR line LIKE '%Gather%';
  END LOOP;
  RETURN partial AND gather;
END $$;

CREATE TABLE queries (name text, q text);
INSERT INTO queries VALUES
  ('clv_agg', 'SELECT clv_agg(customer_id, ordered_at, amount)::text FROM big'),
  ('clv_agg text keys', 'SELECT clv_agg(customer_text, ordered_at, amount)::text FROM big'),
  ('clv_agg float', 'SELECT clv_agg(customer_id, ordered_at, famount)::text FROM big'),
  ('clv_agg horizon', 'SELECT clv_agg(customer_id, ordered_at, amount, ''90 days'')::text FROM big'),
  ('repeat_rate', 'SELECT repeat_rate(customer_id, ordered_at)::text FROM big'),
  ('retention_rate', 'SELECT retention_rate(customer_id, ordered_at, ''2023-06-01'')::text FROM big'),
  ('clv_summary', 'SELECT clv_summary(customer_id, ordered_at, amount)::text FROM big'),
  ('accessors', 'SELECT concat_ws('' '', customers(s), orders(s), revenue(s), aov(s), clv(s), lifespan(s), purchase_frequency(s), repeat_rate(s), retention_rate(s, ''2023-06-01'')) FROM (SELECT clv_summary(customer_id, ordered_at, amount) s FROM big) x'),
  ('grouped', 'SELECT string_agg(x, '','' ORDER BY x) FROM (SELECT (customer_id % 3)::text || '':'' || clv_agg(customer_id, ordered_at, amount)::text || '':'' || repeat_rate(customer_id, ordered_at)::text AS x FROM big GROUP BY customer_id % 3) y');

-- serial results
SET max_parallel_workers_per_gather = 0;
CREATE FUNCTION run(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN EXECUTE q INTO r; RETURN r; END $$;
CREATE TABLE serial AS SELECT name, run(q) AS result, plan_is_parallel(q) AS parallel FROM queries;

-- forced parallel plans with two workers
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE TABLE par AS SELECT name, run(q) AS result, plan_is_parallel(q) AS parallel FROM queries;

SELECT s.name, NOT s.parallel AS serial_plan, p.parallel AS parallel_plan,
       s.result = p.result AS identical
FROM serial s JOIN par p USING (name) ORDER BY s.name;

-- and the serial values agree with plain SQL
SELECT (SELECT result FROM serial WHERE name = 'clv_agg')::numeric
       = (SELECT sum(amount) / count(DISTINCT customer_id) FILTER (WHERE amount >= 0) FROM big) AS clv_plain;
SELECT (SELECT result FROM serial WHERE name = 'repeat_rate')::float8
       = (SELECT count(*) FILTER (WHERE n >= 2)::float8 / count(*)
          FROM (SELECT customer_id, count(*) n FROM big GROUP BY 1) c) AS repeat_plain;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_parallel CASCADE;
RESET client_min_messages;
