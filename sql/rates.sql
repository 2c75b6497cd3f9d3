--
-- rates: repeat_rate and retention_rate on hand-computed cases
--
-- every regress file shares one database (make installcheck): keep this
-- file's objects in its own schema
CREATE SCHEMA test_rates;
SET search_path = test_rates, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

-- Five customers around the cutoff 2024-02-01:
--   a: 2024-01-05, 2024-02-10   ordered before and after  -> in S, in E
--   b: 2024-01-20               only before                -> in S (lost)
--   c: 2024-02-15               only after: new            -> in E and N
--   d: 2024-01-01, 2024-01-31   only before                -> in S (lost)
--   e: 2024-01-31 23:59, 2024-02-01 00:00 (exactly the cutoff counts as after) -> in S, in E
-- S = 4 (a, b, d, e), E = 3 (a, c, e), N = 1 (c): CRR = (3 - 1) / 4 = 0.5
-- Repeat rate: a, d, e have two orders of 5 customers: 3 / 5 = 0.6
CREATE TABLE o (customer_id text, ordered_at timestamptz);
INSERT INTO o VALUES
  ('a', '2024-01-05'), ('a', '2024-02-10'),
  ('b', '2024-01-20'),
  ('c', '2024-02-15'),
  ('d', '2024-01-01'), ('d', '2024-01-31'),
  ('e', '2024-01-31 23:59'), ('e', '2024-02-01 00:00');
SELECT retention_rate(customer_id, ordered_at, '2024-02-01') AS crr,
       repeat_rate(customer_id, ordered_at) AS repeat_rate
FROM o;

-- the same by plain SQL
WITH c AS (
  SELECT customer_id,
         bool_or(ordered_at < '2024-02-01') AS before,
         bool_or(ordered_at >= '2024-02-01') AS after,
         count(*) AS n
  FROM o GROUP BY customer_id)
SELECT (count(*) FILTER (WHERE after) - count(*) FILTER (WHERE after AND NOT before))::float8
         / count(*) FILTER (WHERE before) AS crr,
       count(*) FILTER (WHERE n >= 2)::float8 / count(*) AS repeat_rate
FROM c;

-- users bound the two windows with WHERE: only January and February 2024
SELECT retention_rate(customer_id, ordered_at, '2024-02-01')
FROM o WHERE ordered_at >= '2024-01-10' AND ordered_at < '2024-03-01';
-- rows kept: a 02-10, b 01-20, c 02-15, d 01-31, e both (a's 01-05 order is outside)
-- S = {b, d, e} = 3, E = {a, c, e} = 3, N = {a, c} = 2: (3 - 2) / 3 = 0.333...

-- per group
SELECT left(customer_id, 0) || (customer_id IN ('a', 'b')) AS grp,
       retention_rate(customer_id, ordered_at, '2024-02-01'),
       repeat_rate(customer_id, ordered_at)
FROM o GROUP BY 1 ORDER BY 1;
-- true group {a, b}: S = 2, E - N = 1 (a): 0.5; repeat 1/2
-- false group {c, d, e}: S = 2 (d, e), E - N = 1 (e): 0.5; repeat 2/3

-- no customer before the cutoff: S = 0, the rate is undefined: NULL
SELECT retention_rate(customer_id, ordered_at, '2000-01-01') FROM o;
-- empty input: NULL
SELECT retention_rate(customer_id, ordered_at, '2024-02-01'), repeat_rate(customer_id, ordered_at)
FROM o WHERE false;
-- everybody retained: 1; nobody retained: 0
SELECT retention_rate(c, t, '2024-01-15') FROM (VALUES (1, '2024-01-01'::date), (1, '2024-02-01')) v(c, t);
SELECT retention_rate(c, t, '2024-06-01') FROM (VALUES (1, '2024-01-01'::date), (1, '2024-02-01')) v(c, t);

-- date and timestamp times are read in the session TimeZone, as the casts do:
-- 2024-02-01 (a date) is midnight in the session zone
SET TimeZone = 'America/New_York';
SELECT retention_rate(c, t, '2024-02-01 00:00-05') AS at_ny_midnight,
       retention_rate(c, t, '2024-02-01 00:00+00') AS at_utc_midnight
FROM (VALUES (1, '2024-01-20'::date), (1, '2024-02-01')) v(c, t);
-- ny: the 02-01 order (05:00 UTC) is at the cutoff: retained (1);
-- utc cutoff is 2024-01-31 19:00 in New York: the 02-01 order is after it too: 1
SELECT retention_rate(c, t, '2024-02-01 06:00+00') AS after_ny_midnight
FROM (VALUES (1, '2024-01-20'::date), (1, '2024-02-01')) v(c, t);
-- 06:00 UTC is after the 02-01 order (05:00 UTC): not retained: 0
RESET TimeZone;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_rates CASCADE;
RESET client_min_messages;
