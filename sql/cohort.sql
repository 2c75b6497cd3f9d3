\i test/lib/data.psql
\if :clv_no_data
\quit
\endif
--
-- cohort: clv_cohorts(), the clv_cohort_state aggregate, rollup and
-- clv_cohort_table().  Expected values come from an independent plain-SQL
-- computation (date_trunc + generate_series spine + count(DISTINCT)) and,
-- for the hand-built cases, from hand computation (see the comments).
--
-- own schema: other test files use the same table names
CREATE SCHEMA cohort_test;
SET search_path = cohort_test, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET extra_float_digits = 0;

-- The reference: the same definitions in plain SQL over table src(c, t, a).
-- cohort = period of the first order (a >= 0); customers with refunds only
-- have no cohort; a refund before the first order counts at offset 0; every
-- cohort runs to the period of the latest row in src.
CREATE TABLE src (c text, t timestamptz, a numeric);
CREATE FUNCTION ref_cohorts(p text, z text)
RETURNS TABLE(cohort date, period_offset int, cohort_customers bigint,
			  active_customers bigint, retention float8, orders bigint,
			  revenue numeric, cumulative_revenue_per_customer numeric)
LANGUAGE sql STABLE AS $$
	WITH r AS (
		SELECT c, a, date_trunc(p, t AT TIME ZONE z)::date AS per
		FROM src WHERE c IS NOT NULL AND t IS NOT NULL AND a IS NOT NULL
	), firsts AS (
		SELECT c, min(per) AS cohort FROM r WHERE a >= 0 GROUP BY c
	), sizes AS (
		SELECT cohort, count(*) AS n FROM firsts GROUP BY cohort
	), spine AS (
		SELECT s.cohort, s.n, g::date AS per
		FROM sizes s,
			 generate_series(s.cohort::timestamp, (SELECT max(per) FROM r)::timestamp,
							 CASE p WHEN 'quarter' THEN interval '3 months'
									ELSE ('1 ' || p)::interval END) g
	), agg AS (
		SELECT f.cohort, greatest(r.per, f.cohort) AS per,
			   count(DISTINCT r.c) FILTER (WHERE r.a >= 0) AS active,
			   count(*) FILTER (WHERE r.a >= 0) AS orders,
			   sum(r.a) AS revenue
		FROM r JOIN firsts f USING (c)
		GROUP BY 1, 2
	)
	SELECT sp.cohort,
		   (row_number() OVER w - 1)::int,
		   sp.n,
		   coalesce(ag.active, 0),
		   coalesce(ag.active, 0)::float8 / sp.n,
		   coalesce(ag.orders, 0),
		   coalesce(ag.revenue, 0),
		   sum(coalesce(ag.revenue, 0)) OVER w / sp.n
	FROM spine sp LEFT JOIN agg ag USING (cohort, per)
	WINDOW w AS (PARTITION BY sp.cohort ORDER BY sp.per)
$$;

-- true when clv_cohorts over src equals the reference, row for row
CREATE FUNCTION cohorts_match(p text, z text) RETURNS boolean
LANGUAGE sql AS $$
	SELECT count(*) = 0 FROM (
		(SELECT * FROM clv_cohorts('SELECT c, t, a FROM src', p, z)
		 EXCEPT ALL SELECT * FROM ref_cohorts(p, z))
		UNION ALL
		(SELECT * FROM ref_cohorts(p, z)
		 EXCEPT ALL SELECT * FROM clv_cohorts('SELECT c, t, a FROM src', p, z))
	) d
$$;

-- true when the aggregate path over src equals the reference
CREATE FUNCTION agg_match(p text, z text) RETURNS boolean
LANGUAGE sql AS $$
	SELECT count(*) = 0 FROM (
		(SELECT * FROM clv_cohort_table((SELECT clv_cohort_state(c, t, a, p, z) FROM src))
		 EXCEPT ALL SELECT * FROM ref_cohorts(p, z))
		UNION ALL
		(SELECT * FROM ref_cohorts(p, z)
		 EXCEPT ALL SELECT * FROM clv_cohort_table((SELECT clv_cohort_state(c, t, a, p, z) FROM src)))
	) d
$$;

--
-- CDNOW sample: 6,919 rows, 2,357 customers, 1997-01 .. 1998-06
--
CREATE TABLE cdnow (customer_id int, order_date date, quantity int, amount numeric);
\copy cdnow FROM 'cdnow_sample_orders.csv' CSV HEADER
-- back from the data directory (test/lib/data.psql) to the repository root
\cd :clv_root

-- monthly: 3 cohorts (all customers joined in Jan-Mar 1997), 18 months observed
SELECT * FROM clv_cohorts(
	'SELECT customer_id, order_date, amount FROM cdnow', 'month', 'UTC')
WHERE period_offset IN (0, 1, 2, 17) OR cohort = '1997-03-01'
ORDER BY cohort, period_offset;

INSERT INTO src SELECT customer_id::text, order_date, amount FROM cdnow;
SELECT count(*) AS rows, sum(revenue) = (SELECT sum(amount) FROM cdnow) AS revenue_total_ok
FROM clv_cohorts('SELECT customer_id, order_date, amount FROM cdnow', 'month', 'UTC');
SELECT p, cohorts_match(p, 'UTC') AS sql_match, agg_match(p, 'UTC') AS agg_match
FROM unnest(ARRAY['month', 'week']) p;
-- the dates are read in the session TimeZone, as the core aggregates do
SET TimeZone = 'America/New_York';
SELECT cohorts_match('month', 'America/New_York') AS ny_month,
	   cohorts_match('week', 'Asia/Kolkata') AS kolkata_week,
	   cohorts_match('quarter', 'UTC') AS utc_quarter;
SET TimeZone = 'UTC';
SELECT count(*) AS weekly_rows, count(DISTINCT cohort) AS weekly_cohorts,
	   min(cohort) AS first_monday, max(period_offset) AS last_offset
FROM clv_cohorts('SELECT customer_id, order_date, amount FROM cdnow', 'week', 'UTC');

--
-- Hand-built: a DST change and a year boundary (ISO week 2020-W53) in
-- America/New_York, refunds, a zero-amount order, NULLs.
--
TRUNCATE src;
INSERT INTO src VALUES
	('c1', '2020-12-28 05:00+00', 10),	-- Mon 2020-12-28 00:00 EST (W53)
	('c1', '2021-01-04 04:30+00', 5),	-- Sun 2021-01-03 23:30 EST (W53, January)
	('c2', '2021-01-04 05:00+00', 20),	-- Mon 2021-01-04 00:00 EST (2021-W01)
	('c2', '2021-02-10 15:00+00', -4),	-- refund in February
	('c2', '2021-03-15 04:30+00', 1),	-- Mon 2021-03-15 00:30 EDT (after the DST change)
	('c3', '2021-01-10 12:00+00', -3),	-- refunds only: no cohort
	('c4', '2021-01-01 03:00+00', 7),	-- Thu 2020-12-31 22:00 EST (December)
	('c5', '2021-02-10 12:00+00', -2),	-- refund before the first order: offset 0
	('c5', '2021-03-01 17:00+00', 8),
	('c7', '2021-02-20 12:00+00', 0),	-- a zero amount is an order
	(NULL, '2021-05-01 12:00+00', 1),	-- ignored rows: they do not extend
	('c6', NULL, 1),					-- the observation past March
	('c6', '2021-05-01 12:00+00', NULL);

-- By hand (months in New York, last period March 2021):
--   Dec 2020: c1, c4 (2): Dec 10+7 = 17, Jan c1 5, Feb 0, Mar 0
--   Jan 2021: c2 (1): Jan 20, Feb -4 (refund: not active), Mar 1
--   Feb 2021: c7 (1): Feb 0 (one order), Mar 0
--   Mar 2021: c5 (1): Mar 8 - 2 = 6
--   total 45 = sum of all amounts but c3's refund
SELECT * FROM clv_cohorts('SELECT c, t, a FROM src', 'month', 'America/New_York');
-- In UTC c4's order falls in January: Dec 2020 has c1 only, Jan 2021 c2 and c4
SELECT cohort, period_offset, cohort_customers, active_customers, orders, revenue
FROM clv_cohorts('SELECT c, t, a FROM src', 'month', 'UTC') WHERE period_offset = 0;
-- Weeks in New York: c1's second order is in 2020-W53 (Monday 2020-12-28);
-- c2's March order is 10 weeks after 2021-01-04
SELECT cohort, period_offset, cohort_customers, active_customers, orders, revenue,
	   cumulative_revenue_per_customer
FROM clv_cohorts('SELECT c, t, a FROM src', 'week', 'America/New_York')
WHERE orders > 0 OR revenue <> 0;
-- ... and in UTC it is in 2021-W01, offset 1
SELECT cohort, period_offset, active_customers, orders, revenue
FROM clv_cohorts('SELECT c, t, a FROM src', 'week', 'UTC')
WHERE cohort = '2020-12-28' AND orders > 0;
-- Days: 2021-03-15 04:30 UTC is 00:30 EDT on the 15th in New York, but
-- 23:30 on the 14th at the fixed offset of the 'EST' abbreviation
SELECT z, cohort, period_offset, orders
FROM unnest(ARRAY['America/New_York', 'EST']) z,
	 clv_cohorts('SELECT c, t, a FROM src', 'day', z)
WHERE cohort = '2021-01-04' AND orders > 0
ORDER BY z, period_offset;
-- every period and several zones against the plain-SQL reference
SELECT p, z, cohorts_match(p, z) AS sql_match, agg_match(p, z) AS agg_match
FROM unnest(ARRAY['day', 'week', 'month', 'quarter', 'year']) p,
	 unnest(ARRAY['America/New_York', 'UTC', 'EST', 'Asia/Kathmandu']) z
WHERE NOT (cohorts_match(p, z) AND agg_match(p, z));
SELECT count(*) AS checked
FROM unnest(ARRAY['day', 'week', 'month', 'quarter', 'year']) p,
	 unnest(ARRAY['America/New_York', 'UTC', 'EST', 'Asia/Kathmandu']) z;

-- The local date of a time, in every kind of zone (fixed offsets, zones of
-- the time zone database with DST changes at and around midnight, 30- and
-- 45-minute offsets, a skipped day, times before the first transition and
-- far past the last one, dynamic abbreviations, and a zone with leap
-- seconds where the system has it), equals (t AT TIME ZONE z)::date, and
-- its period that of date_trunc:
-- every time is its own group of one aggregate call, so the call's
-- calendar sees them one after the other, in no particular order
CREATE FUNCTION zone_known(z text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM now() AT TIME ZONE z;
	RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
	RETURN false;
END $$;
CREATE TABLE zones AS
SELECT z FROM unnest(ARRAY['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu',
						   'Pacific/Apia', 'America/Sao_Paulo', 'Pacific/Chatham', 'Africa/Casablanca',
						   'EST', 'UTC', 'MSK', '+05:30', 'right/America/New_York']) z
WHERE zone_known(z);
CREATE TABLE times AS
SELECT timestamptz '1850-01-01 00:00+00' + ((g::bigint * 7919 * 104729) % (450::bigint * 365 * 86400)) * interval '1 second' AS t
FROM generate_series(1, 1500) g
UNION ALL
SELECT timestamptz '2021-03-12 00:00+00' + g * interval '15 minutes' FROM generate_series(0, 384) g
UNION ALL
SELECT timestamptz '2021-11-05 00:00+00' + g * interval '15 minutes' FROM generate_series(0, 384) g
UNION ALL
SELECT timestamptz '2011-12-29 00:00+00' + g * interval '30 minutes' FROM generate_series(0, 144) g;
SELECT p, count(*) >= 12 * 2415 AS enough_times,
	   count(*) FILTER (WHERE (SELECT cohort FROM clv_cohort_table(s))
						IS DISTINCT FROM date_trunc(p, t AT TIME ZONE z)::date) AS wrong_periods
FROM (SELECT p, z, t, clv_cohort_state(1, t, 1, p, z) AS s
	  FROM (SELECT * FROM unnest(ARRAY['day', 'week', 'month', 'year']) p, zones, times
			ORDER BY p, z, md5(t::text)) o
	  GROUP BY p, z, t) x
GROUP BY p ORDER BY p;

-- 2026-W53: Friday 2027-01-01 belongs to the week of Monday 2026-12-28;
-- a single customer with a single order
SELECT p, cohort, period_offset, cohort_customers, active_customers, retention,
	   orders, revenue, cumulative_revenue_per_customer
FROM unnest(ARRAY['day', 'week', 'month', 'quarter', 'year']) p,
	 clv_cohorts($$SELECT 42, timestamp '2027-01-01 10:00', 19.99$$, p, 'Europe/Berlin');
-- a cohort with no later activity, from a later customer extending the observation
SELECT * FROM clv_cohorts(
	$$VALUES (1, date '2024-01-15', 5.00), (2, date '2024-04-02', 3.50)$$, 'quarter', 'UTC');

-- the overloads default to month and the session TimeZone
SET TimeZone = 'America/New_York';
SELECT count(*) AS rows, min(cohort) AS first_cohort
FROM clv_cohorts('SELECT c, t, a FROM src');
SELECT count(*) AS rows, min(cohort) AS first_cohort
FROM clv_cohorts('SELECT c, t, a FROM src', 'month');
SET TimeZone = 'UTC';

-- empty input, and input of NULL rows only
SELECT count(*) FROM clv_cohorts('SELECT c, t, a FROM src WHERE false', 'month', 'UTC');
SELECT count(*) FROM clv_cohorts(
	$$SELECT NULL::int, now(), 1.0 UNION ALL SELECT 1, NULL, 1.0$$, 'month', 'UTC');
SELECT clv_cohort_state(c, t, a, 'month', 'UTC') IS NULL AS null_state FROM src WHERE false;
SELECT count(*) FROM clv_cohort_table((SELECT clv_cohort_state(c, t, a, 'month', 'UTC') FROM src WHERE false));
SELECT count(*) FROM clv_cohort_table((SELECT clv_cohort_state(c, t, a, 'month', 'UTC') FROM src WHERE a IS NULL));
SELECT count(*) FROM clv_cohorts(NULL, 'month', 'UTC');

-- customer keys of other types, amounts of other types
SELECT cohort, period_offset, cohort_customers, revenue FROM clv_cohorts(
	$$VALUES ('a'::varchar, date '2024-01-01', 1::bigint), ('b', '2024-02-01', 2)$$, 'month', 'UTC');
SELECT cohort, period_offset, cohort_customers, orders, revenue FROM clv_cohorts(
	$$VALUES ('6f1c5a4e-0000-4000-8000-000000000001'::uuid, timestamptz '2025-06-30 23:00-07', 1.5::float8),
			 ('6f1c5a4e-0000-4000-8000-000000000001', '2025-07-01 06:00+00', 2.25)$$, 'quarter', 'America/Los_Angeles');

--
-- The aggregate path: parallel plans, text and binary I/O, rollup
--
CREATE TABLE big AS
SELECT customer_id + 10000 * k AS customer_id, order_date, amount
FROM cdnow, generate_series(0, 29) k;
ANALYZE big;
CREATE FUNCTION plan_has(q text, pat text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	l text;
BEGIN
	FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		IF l LIKE '%' || pat || '%' THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END
$$;

SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial_state AS
SELECT clv_cohort_state(customer_id, order_date, amount, 'month', 'UTC') AS s FROM big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT plan_has('SELECT clv_cohort_state(customer_id, order_date, amount, ''month'', ''UTC'') FROM big',
				'Partial Aggregate') AS partial_aggregate;
-- the statement that builds parallel_state has the parallel plan too
SELECT plan_has('CREATE TABLE parallel_state AS SELECT clv_cohort_state(customer_id, order_date, amount, ''month'', ''UTC'') AS s FROM big',
				'Partial Aggregate') AS partial_aggregate_ctas;
CREATE TABLE parallel_state AS
SELECT clv_cohort_state(customer_id, order_date, amount, 'month', 'UTC') AS s FROM big;
-- one state per group, merged below with rollup
CREATE TABLE grouped_states AS
SELECT customer_id % 7 AS g, clv_cohort_state(customer_id, order_date, amount, 'month', 'UTC') AS s
FROM big GROUP BY 1;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

CREATE FUNCTION tables_equal(a clv_cohort_state, b clv_cohort_state) RETURNS boolean
LANGUAGE sql AS $$
	SELECT count(*) = 0 FROM (
		(SELECT * FROM clv_cohort_table(a) EXCEPT ALL SELECT * FROM clv_cohort_table(b))
		UNION ALL
		(SELECT * FROM clv_cohort_table(b) EXCEPT ALL SELECT * FROM clv_cohort_table(a))
	) d
$$;
SELECT tables_equal(s.s, p.s) AS serial_equals_parallel,
	   tables_equal(s.s, (SELECT rollup(g.s) FROM grouped_states g)) AS serial_equals_grouped,
	   (SELECT count(*) FROM clv_cohort_table(s.s)) AS rows
FROM serial_state s, parallel_state p;
-- 30 copies of CDNOW: 30 times the customers and revenue in every cell
SELECT bool_and(b.cohort_customers = 30 * c.cohort_customers AND b.revenue = 30 * c.revenue
				AND b.cumulative_revenue_per_customer = c.cumulative_revenue_per_customer
				AND b.retention = c.retention) AS scaled_copies
FROM clv_cohort_table((SELECT s FROM serial_state)) b
JOIN clv_cohorts('SELECT customer_id, order_date, amount FROM cdnow', 'month', 'UTC') c
USING (cohort, period_offset);

-- text I/O round trip
SELECT s::text::clv_cohort_state::text = s::text AS text_roundtrip,
	   tables_equal(s, s::text::clv_cohort_state) AS same_table,
	   left(s::text, 17) AS prefix
FROM serial_state;
-- binary I/O round trip (COPY BINARY uses send/recv)
CREATE TABLE state_copy (s clv_cohort_state);
\copy (SELECT s FROM serial_state) TO 'results/cohort_state.bin' WITH (FORMAT binary)
\copy state_copy FROM 'results/cohort_state.bin' WITH (FORMAT binary)
SELECT c.s::text = s.s::text AS binary_roundtrip FROM state_copy c, serial_state s;

-- Values stored by clv 0.2.0 (binary form version 1, customers and
-- customer-periods in arrival order; the literals below are 0.2.0's text
-- output) still read, and now print in the canonical form of this
-- version: the same text as the state built from the same rows today.
CREATE TABLE v1_states (k int, s clv_cohort_state);
INSERT INTO v1_states VALUES
	(1, 'clv_cohort_state:AAAAAQAAAAAAAAADAAAADEV1cm9wZS9QYXJpcwAAAAEAAAACAAAAAgAAAAEAAF7iAAAAAwAAAAAAAAACAAAAAAAAAAEAAAAAAAAAAwAAAAUAAAAAAABe4QAAAAAAAAABAAAAAAAAAAAAAAAAAAAEGgAAAAEAAF7hAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAEsAAAAAAAAXuIAAAAAAAAAAP///////////////////4MAAAABAABe4AAAAAAAAAAA////////////////////OAAAAAIAAF7iAAAAAAAAAAD///////////////////5w'),
	(2, 'clv_cohort_state:AAAAAQAAAAAAAAACAAAAA1VUQwAAAAMAAAABAAAAAQAAAAEAAATlAAAAAgAAAANib2IAAAAFYWxpY2UAAAADAAAAAAAABOQAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAA8AAAABAAAE5QAAAAAAAAABAAAAAAAAAAAAAAAAAAAAFAAAAAAAAATlAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAA'),
	(3, 'clv_cohort_state:AAAAAQAAAAAAAAABAAAAA1VUQwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
CREATE TABLE v1_rows AS
SELECT 1 AS k, clv_cohort_state(c, t, a, 'month', 'Europe/Paris') AS s
FROM (VALUES (2, timestamptz '2024-01-31 23:30+00', 10.50), (1, '2024-02-10', 3), (2, '2024-03-05', -1.25),
			 (1, '2024-01-15', -2), (3, '2024-03-01', -4)) v(c, t, a)
UNION ALL
SELECT 2, clv_cohort_state(c, t, a, 'week', 'UTC')
FROM (VALUES ('bob', timestamptz '2024-01-01', 1.5::float8), ('alice', '2024-01-08', 2), ('bob', '2024-01-09', 0)) v(c, t, a)
UNION ALL
SELECT 3, clv_cohort_state(c, t, a, 'day', 'UTC')
FROM (VALUES (1, timestamptz '2024-01-01', NULL::numeric)) v(c, t, a);
SELECT k, o.s::text = n.s::text AS same_text, tables_equal(o.s, n.s) AS same_table,
	   left(o.s::text, 23) AS version_2
FROM v1_states o JOIN v1_rows n USING (k) ORDER BY k;
-- By hand (months in Paris, last period March 2024): c2's first order
-- (Jan 31 23:30 UTC) is on Feb 1 in Paris, c1's on Feb 10, so the February
-- cohort has 2 customers; its revenue at offset 0 is 10.50 + 3 and c1's
-- January refund of -2 (before the first order); c2's March refund is at
-- offset 1; c3 has refunds only.
SELECT * FROM clv_cohort_table((SELECT s FROM v1_states WHERE k = 1));

-- splitting the input and merging the states in different orders: by time
-- (a customer's cohort moves earlier when an earlier part is merged in), by
-- customer and by row
CREATE TABLE parts AS
SELECT 'time' AS split, date_part('month', order_date)::int % 4 AS part,
	   clv_cohort_state(customer_id, order_date, amount, 'month', 'UTC') AS s
FROM cdnow GROUP BY 1, 2
UNION ALL
SELECT 'customer', customer_id % 5,
	   clv_cohort_state(customer_id, order_date, amount, 'month', 'UTC')
FROM cdnow GROUP BY 1, 2
UNION ALL
SELECT 'row', (hashtext(customer_id || order_date::text || amount::text) & 3),
	   clv_cohort_state(customer_id, order_date, amount, 'month', 'UTC')
FROM cdnow GROUP BY 1, 2;
CREATE TABLE whole AS
SELECT clv_cohort_state(customer_id, order_date, amount, 'month', 'UTC') AS s FROM cdnow;
SELECT split, count(*) AS parts,
	   tables_equal((SELECT s FROM whole), rollup(s ORDER BY part)) AS ascending,
	   tables_equal((SELECT s FROM whole), rollup(s ORDER BY part DESC)) AS descending,
	   tables_equal((SELECT s FROM whole), rollup(s ORDER BY md5(part::text))) AS shuffled
FROM parts GROUP BY split ORDER BY split;
-- rollup of rollups, and of one state
SELECT tables_equal((SELECT s FROM whole),
		(SELECT rollup(r) FROM (SELECT rollup(s) AS r FROM parts WHERE split = 'time' GROUP BY part % 2) x))
	   AS nested,
	   tables_equal((SELECT s FROM whole), (SELECT rollup(s) FROM whole)) AS single;
-- a merged state equals the one-step function
SELECT count(*) = 0 AS agg_equals_function FROM (
	(SELECT * FROM clv_cohort_table((SELECT rollup(s) FROM parts WHERE split = 'time'))
	 EXCEPT ALL SELECT * FROM clv_cohorts('SELECT customer_id, order_date, amount FROM cdnow', 'month', 'UTC'))
	UNION ALL
	(SELECT * FROM clv_cohorts('SELECT customer_id, order_date, amount FROM cdnow', 'month', 'UTC')
	 EXCEPT ALL SELECT * FROM clv_cohort_table((SELECT rollup(s) FROM parts WHERE split = 'time')))
) d;
-- states are stored in tables and grouped per key
SELECT g, (SELECT count(*) FROM clv_cohort_table(s)) AS rows,
	   (SELECT sum(cohort_customers) FILTER (WHERE period_offset = 0) FROM clv_cohort_table(s)) AS customers
FROM grouped_states ORDER BY g;

--
-- README examples (docs/readme/cohort.md)
--
SELECT cohort, period_offset, cohort_customers, active_customers,
	   round(retention::numeric, 3) AS retention, orders, revenue,
	   round(cumulative_revenue_per_customer, 2) AS cumulative_rev_per_customer
FROM clv_cohorts('SELECT customer_id, order_date, amount FROM cdnow', 'month', 'UTC')
WHERE period_offset <= 2;

-- two-step: one state per load month, merged at read time
CREATE TABLE cohort_states AS
SELECT date_trunc('month', order_date)::date AS load_month,
	   clv_cohort_state(customer_id, order_date, amount, 'quarter', 'UTC') AS s
FROM cdnow GROUP BY 1;
SELECT cohort, period_offset, cohort_customers, active_customers, orders, revenue,
	   cumulative_revenue_per_customer
FROM clv_cohort_table((SELECT rollup(s) FROM cohort_states));

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA cohort_test CASCADE;
RESET client_min_messages;
