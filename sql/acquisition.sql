--
-- acquisition: clv_acquisition() and clv_acquisition_table().  Expected
-- values come from an independent plain-SQL computation of the definitions
-- of docs/readme/growth.md over the raw rows (DISTINCT ON for the first
-- order, date_trunc periods, a generate_series spine, count(DISTINCT)), and
-- for the hand-built cases from hand computation (see the comments).
--
-- own schema: other test files use the same table names
CREATE SCHEMA acquisition_test;
SET search_path = acquisition_test, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET extra_float_digits = 0;
-- JIT would compile the plain-SQL reference for longer than it runs
SET jit = off;

-- The reference: the definitions in plain SQL over src(c, t, a, ch) and
-- spend_src(start, ch, s), start being the spend's local period start.
-- Channel of a customer = that of their first order (ties: the smallest
-- channel); cohort = period of that order; a refund before it counts at
-- offset 0; every (channel, cohort) with customers or spend runs to the
-- period of the latest row; spend after it is left out.
CREATE TABLE src (c text, t timestamptz, a numeric, ch text);
CREATE TABLE spend_src (start timestamp, ch text, s numeric);
CREATE FUNCTION ref_acquisition(p text, z text, m numeric)
RETURNS TABLE(channel text, cohort date, period_offset int, new_customers bigint, spend numeric,
			  cac numeric, active_customers bigint, revenue numeric,
			  cumulative_revenue_per_customer numeric, cumulative_margin_per_customer numeric,
			  clv_to_cac numeric, payback_offset int)
LANGUAGE sql STABLE AS $$
	WITH r AS (
		SELECT c, t, a, ch, date_trunc(p, t AT TIME ZONE z)::date AS per
		FROM src WHERE c IS NOT NULL AND t IS NOT NULL AND a IS NOT NULL
	), firsts AS (
		SELECT DISTINCT ON (c) c, ch, per AS cohort
		FROM r WHERE a >= 0 ORDER BY c, t, ch
	), last AS (
		SELECT max(per) AS per FROM r
	), step AS (
		SELECT CASE p WHEN 'quarter' THEN interval '3 months' WHEN 'week' THEN interval '7 days'
					  ELSE ('1 ' || p)::interval END AS i
	), sizes AS (
		SELECT ch, cohort, count(*) AS n FROM firsts GROUP BY ch, cohort
	), spent AS (
		SELECT ch, date_trunc(p, start)::date AS cohort, sum(s) AS spend
		FROM spend_src WHERE start IS NOT NULL AND s IS NOT NULL
		GROUP BY 1, 2
	), keys AS (
		SELECT ch, cohort FROM sizes
		UNION
		SELECT ch, cohort FROM spent WHERE cohort <= (SELECT per FROM last)
	), spine AS (
		SELECT k.ch, k.cohort, (g.n - 1)::int AS k, g.start::date AS per
		FROM keys k, last, step,
			 generate_series(k.cohort::timestamp, last.per::timestamp, step.i) WITH ORDINALITY AS g(start, n)
	), agg AS (
		SELECT f.ch, f.cohort, greatest(r.per, f.cohort) AS per,
			   count(DISTINCT r.c) FILTER (WHERE r.a >= 0) AS active, sum(r.a) AS revenue
		FROM r JOIN firsts f USING (c)
		GROUP BY 1, 2, 3
	), rows AS (
		SELECT sp.ch, sp.cohort, sp.k, coalesce(sz.n, 0) AS n, x.spend,
			   coalesce(ag.active, 0) AS active, coalesce(ag.revenue, 0) AS revenue,
			   sum(coalesce(ag.revenue, 0)) OVER (PARTITION BY sp.ch, sp.cohort ORDER BY sp.k) AS cum
		FROM spine sp
		LEFT JOIN sizes sz ON sz.ch IS NOT DISTINCT FROM sp.ch AND sz.cohort = sp.cohort
		LEFT JOIN spent x ON x.ch IS NOT DISTINCT FROM sp.ch AND x.cohort = sp.cohort
		LEFT JOIN agg ag ON ag.ch IS NOT DISTINCT FROM sp.ch AND ag.cohort = sp.cohort AND ag.per = sp.per
	), payback AS (
		SELECT ch, cohort, min(k) FILTER (WHERE n > 0 AND m * cum >= spend) AS first
		FROM rows GROUP BY ch, cohort
	)
	SELECT rows.ch, rows.cohort, rows.k, rows.n, rows.spend,
		   rows.spend / nullif(rows.n, 0),
		   rows.active, rows.revenue,
		   rows.cum / nullif(rows.n, 0),
		   m * rows.cum / nullif(rows.n, 0),
		   CASE WHEN rows.n > 0 AND rows.spend > 0 THEN m * rows.cum / rows.spend END,
		   CASE WHEN pb.first <= rows.k THEN pb.first END
	FROM rows
	JOIN payback pb ON pb.ch IS NOT DISTINCT FROM rows.ch AND pb.cohort = rows.cohort
$$;

-- true when clv_acquisition over the queries equals the reference over
-- src and spend_src, row for row
CREATE FUNCTION acquisition_matches(orders_q text, spend_q text, p text, z text, m numeric) RETURNS boolean
LANGUAGE sql AS $$
	WITH a AS MATERIALIZED (SELECT * FROM clv_acquisition(orders_q, spend_q, p, z, m)),
		 b AS MATERIALIZED (SELECT * FROM ref_acquisition(p, z, m))
	SELECT count(*) = 0 FROM (
		(SELECT * FROM a EXCEPT ALL SELECT * FROM b)
		UNION ALL
		(SELECT * FROM b EXCEPT ALL SELECT * FROM a)
	) d
$$;

-- true when the rows come ordered by channel (NULL last), cohort, offset
CREATE FUNCTION acquisition_ordered(orders_q text, spend_q text, p text, z text, m numeric) RETURNS boolean
LANGUAGE sql AS $$
	SELECT coalesce(bool_and(o = rn), true) FROM (
		SELECT o, row_number() OVER (ORDER BY channel NULLS LAST, cohort, period_offset) AS rn
		FROM clv_acquisition(orders_q, spend_q, p, z, m) WITH ORDINALITY AS x(channel, cohort, period_offset,
			n, s, cac, act, rev, crc, cmc, ratio, pb, o)
	) y
$$;

--
-- The README example (docs/readme/growth.md)
--
CREATE TABLE acq_orders (customer_id int, ordered_at timestamptz, amount numeric, channel text);
INSERT INTO acq_orders VALUES
  (1, '2024-01-10 12:00+00', 50, 'search'), (1, '2024-02-05 12:00+00', 30, 'search'),
  (1, '2024-03-20 12:00+00', -10, 'search'),   -- a refund
  (2, '2024-01-25 12:00+00', 40, 'search'),
  (3, '2024-01-15 12:00+00', 20, 'email'), (3, '2024-03-01 12:00+00', 25, 'email'),
  (4, '2024-02-10 12:00+00', 60, 'email'),
  (4, '2024-03-10 12:00+00', 10, 'search');     -- customer 4 stays an email customer
CREATE TABLE acq_spend (month date, channel text, spend numeric);
INSERT INTO acq_spend VALUES
  ('2024-01-01', 'search', 90), ('2024-02-01', 'search', 60),   -- February acquired nobody
  ('2024-01-01', 'email', 0), ('2024-02-01', 'email', 12);

-- by hand (margin 0.5): search January: customers 1 and 2, CAC 90 / 2 = 45;
-- cumulative revenue 90, 120, 110 (the refund) -> per customer 45, 60, 55,
-- margin 22.5, 30, 27.5 < 45: no payback; CLV:CAC 45 / 90 = 0.5, 60 / 90,
-- 55 / 90.  search February: spend 60, nobody acquired (customer 4's
-- March order counts for email): CAC NULL.  email January: customer 3,
-- spend 0, CAC 0, payback at offset 0, CLV:CAC NULL; email February:
-- customer 4, 60 then 10: margin 30, 35 >= 12 at offset 0, CLV:CAC 2.5,
-- 35 / 12 = 2.917.
SELECT channel, cohort, period_offset AS k, new_customers AS n, spend, round(cac, 2) AS cac,
       revenue, round(cumulative_revenue_per_customer, 2) AS cum_rev,
       round(cumulative_margin_per_customer, 2) AS cum_margin,
       round(clv_to_cac, 3) AS clv_to_cac, payback_offset AS payback
FROM clv_acquisition('SELECT customer_id, ordered_at, amount, channel FROM acq_orders',
                     'SELECT month, channel, spend FROM acq_spend', 'month', 'UTC', 0.5);

SELECT channel, cohort, new_customers, spend, round(cac, 2) AS cac,
       round(max(cumulative_margin_per_customer) FILTER (WHERE period_offset = 0), 2) AS margin_1m,
       round(max(cumulative_margin_per_customer) FILTER (WHERE period_offset = 2), 2) AS margin_3m,
       round(max(clv_to_cac) FILTER (WHERE period_offset = 2), 2) AS clv_to_cac_3m,
       max(payback_offset) AS payback
FROM clv_acquisition('SELECT customer_id, ordered_at, amount, channel FROM acq_orders',
                     'SELECT month, channel, spend FROM acq_spend', 'month', 'UTC', 0.5)
GROUP BY channel, cohort, new_customers, spend, cac
ORDER BY channel, cohort;

-- the same against the reference, unrounded
INSERT INTO src SELECT customer_id::text, ordered_at, amount, channel FROM acq_orders;
INSERT INTO spend_src SELECT month, channel, spend FROM acq_spend;
SELECT acquisition_matches('SELECT customer_id, ordered_at, amount, channel FROM acq_orders',
						   'SELECT month, channel, spend FROM acq_spend', 'month', 'UTC', 0.5) AS readme_matches;
-- the defaults: monthly, session TimeZone, margin 1
SELECT count(*) = 10 AS ten_rows, bool_and(cumulative_margin_per_customer IS NOT DISTINCT FROM cumulative_revenue_per_customer) AS margin_1
FROM clv_acquisition('SELECT customer_id, ordered_at, amount, channel FROM acq_orders',
					 'SELECT month, channel, spend FROM acq_spend');

--
-- Hand-built: local months in America/New_York, margin 0.5.
--   c1 search  Jan 50, Feb 30, Mar refund -10
--   c2 search  2024-01-31 23:30 New York (February in UTC): January, 40
--   c3 email   Jan 20; 2024-03-01 00:30 New York (offset 2), 25
--   c4 email   first order Feb 60 (email); Mar 10 on a row saying search
--   c5 affiliate  Feb 80 (no spend rows for affiliate)
--   c6 search  refunds only: no cohort, left out
--   c7 search  refund on Feb 2 (-5) before the first order on Feb 3 (45),
--              Mar 80: the refund counts at offset 0
--   c8 (NULL channel) Mar 10
--   c9 two orders at the same instant, email 5 and search 7: email
--   a guest row (NULL customer) and rows with a NULL time or amount
-- spend: search Jan 90, Feb 60, Mar 30 (nobody acquired), Apr 50 (after
-- the last period, left out); email Jan 0, Feb 12; tv Jan 100 (a channel
-- without customers); NULL channel Mar 5; a row with a NULL spend.
--
TRUNCATE src, spend_src;
CREATE TABLE hand_orders (customer_id text, ordered_at timestamptz, amount numeric, channel text);
INSERT INTO hand_orders VALUES
	('c1', '2024-01-10 12:00-05', 50, 'search'), ('c1', '2024-02-05 12:00-05', 30, 'search'),
	('c1', '2024-03-20 12:00-04', -10, 'search'),
	('c2', '2024-01-31 23:30-05', 40, 'search'),
	('c3', '2024-01-15 12:00-05', 20, 'email'), ('c3', '2024-03-01 00:30-05', 25, 'email'),
	('c4', '2024-02-10 12:00-05', 60, 'email'), ('c4', '2024-03-10 12:00-04', 10, 'search'),
	('c5', '2024-02-20 12:00-05', 80, 'affiliate'),
	('c6', '2024-02-01 12:00-05', -15, 'search'),
	('c7', '2024-02-02 12:00-05', -5, 'search'), ('c7', '2024-02-03 12:00-05', 45, 'search'),
	('c7', '2024-03-15 12:00-04', 80, 'search'),
	('c8', '2024-03-05 12:00-05', 10, NULL),
	('c9', '2024-01-20 10:00-05', 5, 'email'), ('c9', '2024-01-20 10:00-05', 7, 'search'),
	(NULL, '2024-04-30 12:00-04', 99, 'search'),
	('c1', NULL, 1000, 'search'), ('c2', '2024-05-01 12:00-04', NULL, 'search');
CREATE TABLE hand_spend (month date, channel text, spend numeric);
INSERT INTO hand_spend VALUES
	('2024-01-01', 'search', 90.00), ('2024-02-01', 'search', 60.00), ('2024-03-01', 'search', 30.00),
	('2024-04-01', 'search', 50.00),
	('2024-01-01', 'email', 0.00), ('2024-02-01', 'email', 12.00),
	('2024-01-01', 'tv', 100.00),
	('2024-03-01', NULL, 5.00),
	('2024-02-01', 'email', NULL);
-- by hand:
--   affiliate Feb: n 1, spend NULL: CAC, CLV:CAC, payback NULL; 80, 80 per customer
--   email Jan: c3, c9: n 2, spend 0, CAC 0; revenue 32, 0, 25; cumulative
--     per customer 16, 16, 28.5; margin 8, 8, 14.25; payback 0; CLV:CAC NULL
--   email Feb: c4: spend 12; revenue 60, 10; margin 30, 35; CLV:CAC 2.5,
--     2.9166...; payback 0
--   search Jan: c1, c2: spend 90, CAC 45; revenue 90, 30, -10; per customer
--     45, 60, 55; margin 22.5, 30, 27.5; CLV:CAC 0.5, 0.666..., 0.611...; no payback
--   search Feb: c7: spend 60, CAC 60; revenue 40 (45 - 5), 80; margin 20,
--     60 >= 60: payback at offset 1; CLV:CAC 0.333..., 1
--   search Mar: spend 30, n 0: one row (March is the last period), NULLs
--   tv Jan: spend 100, n 0: offsets 0, 1, 2 with NULLs
--   NULL Mar: c8, spend 5: revenue 10, margin 5 >= 5: payback 0, CLV:CAC 1
SELECT * FROM clv_acquisition('SELECT * FROM hand_orders', 'SELECT * FROM hand_spend',
							  'month', 'America/New_York', 0.5);
INSERT INTO src SELECT * FROM hand_orders;
INSERT INTO spend_src SELECT * FROM hand_spend;
SELECT acquisition_matches('SELECT * FROM hand_orders', 'SELECT * FROM hand_spend', 'month', 'America/New_York', 0.5) AS hand_ny,
	   acquisition_matches('SELECT * FROM hand_orders', 'SELECT * FROM hand_spend', 'week', 'UTC', 1) AS hand_week_utc,
	   acquisition_matches('SELECT * FROM hand_orders', 'SELECT * FROM hand_spend', 'day', 'Asia/Kolkata', 0.3) AS hand_day_kolkata,
	   acquisition_ordered('SELECT * FROM hand_orders', 'SELECT * FROM hand_spend', 'month', 'America/New_York', 0.5) AS ordered;

-- spend as timestamptz: converted to the time zone (a campaign starting
-- 2024-02-01 03:00 UTC is January in New York); the reference reads the
-- local time
TRUNCATE spend_src;
CREATE TABLE hand_spend_tz (starts timestamptz, channel text, spend numeric);
INSERT INTO hand_spend_tz VALUES ('2024-02-01 03:00+00', 'search', 20), ('2024-02-01 06:00+00', 'search', 7),
	('2024-01-01 00:00+00', 'email', 3);
INSERT INTO spend_src SELECT starts AT TIME ZONE 'America/New_York', channel, spend FROM hand_spend_tz;
SELECT channel, cohort, spend FROM clv_acquisition('SELECT * FROM hand_orders', 'SELECT * FROM hand_spend_tz',
												   'month', 'America/New_York', 0.5)
WHERE period_offset = 0;
SELECT acquisition_matches('SELECT * FROM hand_orders', 'SELECT * FROM hand_spend_tz', 'month', 'America/New_York', 0.5) AS tz_spend;

-- a spend timestamp without time zone is a local time too; spend queries
-- with no rows, orders queries with no rows
SELECT count(*) AS rows, sum(spend) AS spend
FROM clv_acquisition('SELECT * FROM hand_orders', 'SELECT month::timestamp, channel, spend FROM hand_spend',
					 'month', 'America/New_York', 0.5)
WHERE period_offset = 0;
SELECT count(*) AS rows, count(spend) AS with_spend
FROM clv_acquisition('SELECT * FROM hand_orders', 'SELECT * FROM hand_spend WHERE false', 'month', 'UTC');
SELECT count(*) AS no_orders_no_rows
FROM clv_acquisition('SELECT * FROM hand_orders WHERE false', 'SELECT * FROM hand_spend', 'month', 'UTC');
-- integer customers and amounts, a date order time, an enum channel (as text)
CREATE TYPE chan AS ENUM ('search', 'email');
SELECT channel, cohort, period_offset, new_customers, revenue, cumulative_revenue_per_customer
FROM clv_acquisition($$SELECT k, d, a, c::chan FROM (VALUES (1, date '2024-01-03', 10, 'email'), (2, date '2024-01-04', 4, 'search'),
						(1, date '2024-02-01', 5, 'email')) AS v(k, d, a, c)$$,
					 'SELECT month, channel, spend FROM acq_spend', 'month', 'UTC', 1);
-- a STRICT function: NULL arguments give no rows
SELECT count(*) AS null_margin FROM clv_acquisition('SELECT * FROM hand_orders', 'SELECT * FROM hand_spend', 'month', 'UTC', NULL);

--
-- The synthetic shop (test/shop/shop.sql), 5,000 customers: the report
-- equals the reference for several periods, time zones and margins, and
-- does not depend on the plan
--
\set ECHO none
\i test/shop/shop.sql
\set ECHO all
SELECT count(*) AS shop_tables FROM shop.generate(5000, seed => 3);
TRUNCATE src, spend_src;
INSERT INTO src SELECT o.customer_id::text, o.ordered_at, o.amount, c.channel
FROM shop.orders o LEFT JOIN shop.customers c USING (customer_id);
INSERT INTO spend_src SELECT month, channel, spend FROM shop.marketing_spend;
\set shop_orders 'SELECT o.customer_id, o.ordered_at, o.amount, c.channel FROM shop.orders o LEFT JOIN shop.customers c USING (customer_id)'
\set shop_spend 'SELECT month, channel, spend FROM shop.marketing_spend'
SELECT acquisition_matches(:'shop_orders', :'shop_spend', 'month', 'UTC', 0.3) AS shop_month,
	   acquisition_matches(:'shop_orders', :'shop_spend', 'quarter', 'America/New_York', 1) AS shop_quarter_ny,
	   acquisition_matches(:'shop_orders', :'shop_spend', 'week', 'UTC', 0.25) AS shop_week,
	   acquisition_matches(:'shop_orders', :'shop_spend', 'year', 'Asia/Tokyo', 0.5) AS shop_year_tokyo;
-- the figures add up: new customers = customers with an order, spend up to
-- the last month = all spend (the shop's spend ends with its orders),
-- revenue = the customers' net revenue
SELECT sum(new_customers) FILTER (WHERE period_offset = 0)
		 = (SELECT count(DISTINCT customer_id) FROM shop.orders WHERE amount >= 0) AS customers_ok,
	   sum(spend) FILTER (WHERE period_offset = 0) = (SELECT sum(spend) FROM shop.marketing_spend) AS spend_ok,
	   sum(revenue) = (SELECT sum(amount) FROM shop.orders WHERE customer_id IS NOT NULL) AS revenue_ok,
	   count(*) FILTER (WHERE new_customers = 0) > 0 AS spend_without_customers
FROM clv_acquisition(:'shop_orders', :'shop_spend', 'month', 'UTC', 0.3);
-- the same rows whatever the plan: sorts and hashes spilling to disk, no
-- hash aggregation, parallel plans encouraged
CREATE TABLE shop_report AS SELECT * FROM clv_acquisition(:'shop_orders', :'shop_spend', 'month', 'UTC', 0.3);
SET work_mem = '64kB';
SET enable_hashagg = off;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT count(*) AS differences FROM (
	(SELECT * FROM shop_report EXCEPT ALL SELECT * FROM clv_acquisition(:'shop_orders', :'shop_spend', 'month', 'UTC', 0.3))
	UNION ALL
	(SELECT * FROM clv_acquisition(:'shop_orders', :'shop_spend', 'month', 'UTC', 0.3) EXCEPT ALL SELECT * FROM shop_report)
) d;
RESET work_mem;
RESET enable_hashagg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

SET client_min_messages = warning;
DROP SCHEMA shop CASCADE;
DROP SCHEMA acquisition_test CASCADE;
