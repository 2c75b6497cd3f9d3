--
-- semantics: NULLs, empty groups, refunds and bad input for the core aggregates
--
-- every regress file shares one database (make installcheck): keep this
-- file's objects in its own schema
CREATE SCHEMA test_semantics;
SET search_path = test_semantics, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

CREATE TABLE o (customer_id int, ordered_at timestamptz, amount numeric);
INSERT INTO o VALUES
  (1, '2024-01-01', 10), (1, '2024-02-01', 20),
  (2, '2024-01-15', 5),
  (NULL, '2024-01-01', 1000),       -- NULL customer: ignored
  (3, NULL, 1000),                  -- NULL time: ignored
  (4, '2024-01-01', NULL),          -- NULL amount: ignored
  (5, '2024-03-01', -7.5),          -- refund of a key with no order: revenue, not a customer
  (2, '2024-02-01', -2);            -- refund: lowers revenue, not an order
-- revenue = sum(amount) over rows with all three values = 10 + 20 + 5 - 7.5 - 2 = 25.5
-- customers 2 (1 and 2), orders 3, CLV 25.5 / 2 = 12.75, AOV 25.5 / 3 = 8.5
SELECT revenue(s), customers(s), orders(s), clv(s), aov(s), repeat_rate(s)
FROM (SELECT clv_summary(customer_id, ordered_at, amount) s FROM o) x;
SELECT sum(amount) FILTER (WHERE customer_id IS NOT NULL AND ordered_at IS NOT NULL) AS plain_revenue FROM o;
SELECT clv_agg(customer_id, ordered_at, amount) FROM o;
-- repeat_rate and retention_rate have no amount: every row with a key and a time is an order
SELECT repeat_rate(customer_id, ordered_at) FROM o;       -- 1 and 2 of {1, 2, 4, 5}: 2/4
SELECT retention_rate(customer_id, ordered_at, '2024-01-20') FROM o;  -- S = {1, 2, 4}; retained {1, 2}: 2/3

-- a group of only refunds: no customers, so CLV is NULL; revenue is still exact
SELECT clv_agg(c, t, a), revenue(clv_summary(c, t, a)), customers(clv_summary(c, t, a))
FROM (VALUES (1, '2024-01-01'::date, -5.00)) v(c, t, a);
-- a zero amount is an order (a free order)
SELECT orders(clv_summary(c, t, a)), clv_agg(c, t, a)
FROM (VALUES (1, '2024-01-01'::date, 0), (1, '2024-01-02', 10)) v(c, t, a);

-- a group whose rows are all NULL: NULL for the one-step aggregates, an empty summary
SELECT clv_agg(NULL::int, NULL::timestamptz, NULL::numeric), repeat_rate(NULL::int, NULL::date),
       retention_rate(NULL::text, NULL::date, now()), clv_agg(NULL::int, NULL::date, NULL::int, '1 day'),
       customers(clv_summary(NULL::int, NULL::date, NULL::int));

-- NaN and infinite amounts are rejected (22023), infinite times too (22008)
SELECT clv_agg(1, now(), 'NaN'::numeric);
SELECT clv_agg(1, now(), 'Infinity'::numeric);
SELECT clv_agg(1, now(), '-Infinity'::float8);
SELECT clv_agg(1, now(), 'NaN'::float8);
SELECT clv_agg(1, 'infinity'::timestamptz, 1);
SELECT clv_agg(1, '-infinity'::date, 1);
SELECT repeat_rate(1, 'infinity'::timestamp);
SELECT retention_rate(1, now(), 'infinity');
SELECT retention_rate(1, now(), NULL);
SELECT clv_agg(1, now(), 1, NULL);
-- an amount too large to sum exactly in 38 digits (22003)
SELECT clv_agg(1, now(), 1e40);
SELECT clv_agg(1, now(), 0.000000000000000000000000000000000000001);
SELECT clv_agg(c, now(), 9e37) FROM generate_series(1, 2) c;
-- the largest amounts that fit sum exactly
SELECT clv_agg(c, now(), 4e37) = 4e37, revenue(clv_summary(c, now(), 4e37)) = 8e37
FROM generate_series(1, 2) c;
-- unsupported argument types: no such overload (42883)
SELECT clv_agg(1.5, now(), 1);
SELECT clv_agg(1, now(), '1'::text);
SELECT clv_agg(ARRAY[1], now(), 1);
-- the cutoff and the horizon must be constant within a group (22023)
SELECT retention_rate(c, now(), now() - c * interval '1 day') FROM generate_series(1, 2) c;
SELECT clv_agg(c, now(), 1, c * interval '1 day') FROM generate_series(1, 2) c;
-- zero and negative horizons (22023)
SELECT clv_agg(1, now(), 1, '0 days');
SELECT clv_agg(1, now(), 1, '-1 day');
SELECT clv_agg(1, now(), 1, '1 month -40 days');
-- gross margin must be finite
SELECT clv(clv_summary(1, now(), 1), 'NaN');
-- summaries with different key kinds do not merge (42804)
SELECT rollup(s) FROM (SELECT clv_summary(1, now(), 1) UNION ALL SELECT clv_summary('a', now(), 1)) x(s);

-- transition functions cannot be called outside an aggregate
SELECT clv_summary_accum(NULL, 1, now(), 1);
SELECT clv_summary_combine(NULL, NULL);

-- malformed text for the custom types (22P02, 22P03), never a crash
SELECT ''::clv_summary;
SELECT 'garbage'::clv_summary;
SELECT 'clv_summary:'::clv_summary;
SELECT 'clv_summary:!!!!'::clv_summary;
SELECT 'clv_summary:AQ=='::clv_summary;                      -- truncated after the version
SELECT 'clv_summary:Ag=='::clv_summary;                      -- version 2
SELECT 'clv_horizon_state:AQ=='::clv_horizon_state;
-- a valid value with a byte appended, with a huge customer count, with a bad key kind
CREATE FUNCTION b64(bytea) RETURNS text LANGUAGE sql AS $$ SELECT translate(encode($1, 'base64'), E'\n', '') $$;
CREATE TABLE one AS SELECT decode(substr(clv_summary(1, '2024-01-01', 1)::text, 13), 'base64') AS b;
SELECT ('clv_summary:' || b64(b))::clv_summary IS NOT NULL AS unchanged_is_valid FROM one;
SELECT ('clv_summary:' || b64(b || '\x00'::bytea))::clv_summary FROM one;
SELECT ('clv_summary:' || b64(overlay(b PLACING '\xffffffff'::bytea FROM 37 FOR 4)))::clv_summary FROM one;
SELECT ('clv_summary:' || b64(overlay(b PLACING '\x07'::bytea FROM 2 FOR 1)))::clv_summary FROM one;
SELECT ('clv_summary:' || b64(substr(b, 1, length(b) - 3)))::clv_summary FROM one;
-- an entry whose first order is infinite
SELECT ('clv_summary:' || b64(overlay(b PLACING '\x7fffffffffffffff'::bytea FROM 49 FOR 8)))::clv_summary FROM one;
-- the server is still up
SELECT 1 AS alive;

-- the state-memory limit: a clear error, and the backend keeps working
SET clv.max_state_memory = '64kB';
SELECT clv_agg(g, now(), 1) FROM generate_series(1, 100000) g;
RESET clv.max_state_memory;
SELECT clv_agg(g, now(), 1) FROM generate_series(1, 100000) g;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_semantics CASCADE;
RESET client_min_messages;
