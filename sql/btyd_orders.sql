--
-- btyd_orders: btyd_data(customer_id, ordered_at, amount, observation_end
-- [, time_unit]), the inputs of every fit from raw orders in one pass
-- (src/btyd_orders.c).
--
-- What is checked: every fit of the one-pass value equals, as text (all
-- digits of every parameter, the log-likelihood, the iterations, the unit
-- and the observation end), the same fit of the clv_rfm path (clv_rfm
-- GROUP BY customer, then btyd_data(frequency, recency, t) and
-- btyd_data(frequency, monetary_value) with the unit and observation end),
-- on the synthetic shop (refunds and guest orders included), in days and
-- weeks, serial and parallel; the value's text form is canonical (the same
-- whatever order the rows come in) and round-trips; the value does not
-- combine; errors.  btyd_summaries + btyd_summary_rows (the per-customer
-- rows of clv_predictions from the same pass) give every customer exactly
-- clv_rfm's row.
--
CREATE SCHEMA test_btyd_orders;
SET search_path = test_btyd_orders, public;
SET extra_float_digits = 0;
SET TimeZone = 'UTC';
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

\set ECHO none
\i test/shop/shop.sql
\set ECHO all
SELECT count(*) AS shop_tables FROM shop.generate(3000, seed => 11);
CREATE TABLE o AS SELECT customer_id, ordered_at, amount FROM shop.orders;

-- the clv_rfm path and the one-pass values, in days and weeks
CREATE TABLE path AS
SELECT u AS unit, btyd_data(s.frequency, s.recency, s.t) AS purchases,
	   btyd_data(s.frequency, s.monetary_value) AS spend
FROM unnest(ARRAY['day', 'week']) u,
	 LATERAL (SELECT (clv_rfm(ordered_at, amount, '2023-06-30', u)).* FROM o
			  WHERE customer_id IS NOT NULL GROUP BY customer_id) s
GROUP BY u;
CREATE TABLE one_pass AS
SELECT u AS unit, (SELECT btyd_data(customer_id, ordered_at, amount, '2023-06-30', u) FROM o) AS d
FROM unnest(ARRAY['day', 'week']) u;
SELECT p.unit,
	   btyd_data_customers(q.d) = btyd_data_customers(p.purchases) AS customers_same,
	   btyd_data_distinct(q.d) = btyd_data_distinct(p.purchases) AS distinct_same,
	   bgnbd_fit(q.d)::text = bgnbd_fit(p.purchases, p.unit, '2023-06-30')::text AS bgnbd_same,
	   mbgnbd_fit(q.d)::text = mbgnbd_fit(p.purchases, p.unit, '2023-06-30')::text AS mbgnbd_same,
	   pareto_nbd_fit(q.d)::text = pareto_nbd_fit(p.purchases, p.unit, '2023-06-30')::text AS pareto_nbd_same,
	   gamma_gamma_fit(q.d)::text = gamma_gamma_fit(p.spend, p.unit, '2023-06-30')::text AS gamma_gamma_same,
	   (bgnbd_fit(q.d)).time_unit, (gamma_gamma_fit(q.d)).observation_end
FROM path p JOIN one_pass q USING (unit) ORDER BY p.unit;
-- btyd_summaries + btyd_summary_rows (clv_predictions' per-customer rows
-- from the same one pass): every customer's row equals clv_rfm's, every
-- column (monetary_value as text, so its scale too), in days and weeks,
-- with numeric and double precision amounts, and no customer is missing or
-- extra
SELECT u AS unit, a AS amount_type, count(*) AS customers,
	   count(*) FILTER (WHERE x.frequency IS NULL OR y.frequency IS NULL) AS missing,
	   count(*) FILTER (WHERE x.frequency = y.frequency AND x.recency = y.recency AND x.t = y.t
						AND x.monetary_value::text = y.monetary_value::text) AS same
FROM unnest(ARRAY['day', 'week']) u, unnest(ARRAY['numeric', 'float8']) a,
	 LATERAL (SELECT customer_id::text AS customer_id, (r).* FROM
				(SELECT customer_id, CASE a WHEN 'numeric' THEN clv_rfm(ordered_at, amount, '2023-06-30', u)
											ELSE clv_rfm(ordered_at, amount::float8, '2023-06-30', u) END AS r
				 FROM o WHERE customer_id IS NOT NULL GROUP BY customer_id) g
			  WHERE (r).frequency IS NOT NULL) x
	 FULL JOIN LATERAL (SELECT r.* FROM
				(SELECT CASE a WHEN 'numeric' THEN btyd_summaries(customer_id, ordered_at, amount, '2023-06-30', u)
							   ELSE btyd_summaries(customer_id, ordered_at, amount::float8, '2023-06-30', u) END AS v
				 FROM o) s, btyd_summary_rows(s.v) r) y USING (customer_id)
GROUP BY u, a ORDER BY u, a;
-- btyd_summary_data (clv_predictions' fit inputs): the pair of a
-- btyd_summaries value equals btyd_data's pair for the same orders, as text
-- (entries, weights, unit and observation end), in days and weeks, with
-- numeric and double precision amounts, and its fits equal the clv_rfm
-- path's (numeric amounts; path above)
SELECT u AS unit, a AS amount_type, x.d::text = y.d::text AS same_inputs,
	   CASE a WHEN 'numeric' THEN bgnbd_fit(x.d)::text = bgnbd_fit(p.purchases, p.unit, '2023-06-30')::text
			  AND gamma_gamma_fit(x.d)::text = gamma_gamma_fit(p.spend, p.unit, '2023-06-30')::text END AS fits_as_path
FROM unnest(ARRAY['day', 'week']) u, unnest(ARRAY['numeric', 'float8']) a,
	 LATERAL (SELECT btyd_summary_data(CASE a WHEN 'numeric' THEN btyd_summaries(customer_id, ordered_at, amount, '2023-06-30', u)
										   ELSE btyd_summaries(customer_id, ordered_at, amount::float8, '2023-06-30', u) END) AS d
			  FROM o) x,
	 LATERAL (SELECT CASE a WHEN 'numeric' THEN btyd_data(customer_id, ordered_at, amount, '2023-06-30', u)
							ELSE btyd_data(customer_id, ordered_at, amount::float8, '2023-06-30', u) END AS d
			  FROM o) y,
	 path p
WHERE p.unit = u ORDER BY u, a;
-- with uuid keys, and with orders after observation_end only (no customer:
-- an empty pair, as btyd_data's)
SELECT (SELECT btyd_summary_data(btyd_summaries(md5(customer_id::text)::uuid, ordered_at, amount, '2023-06-30', 'day')) FROM o)::text
	   = (SELECT btyd_data(md5(customer_id::text)::uuid, ordered_at, amount, '2023-06-30', 'day') FROM o)::text AS uuid_same,
	   (SELECT btyd_summary_data(btyd_summaries(customer_id, ordered_at, amount, '2020-01-01', 'day')) FROM o)::text
	   = (SELECT btyd_data(customer_id, ordered_at, amount, '2020-01-01', 'day') FROM o)::text AS empty_same,
	   (SELECT btyd_data_customers(btyd_summary_data(btyd_summaries(customer_id, ordered_at, amount, '2020-01-01', 'day'))) FROM o) AS empty_customers;
-- btyd_summary_data sets room aside for its customers' keys in advance, but
-- never past clv.max_state_memory: 5000 customers with the same two orders
-- make one entry of each kind, so the value needs a few kB, while room for
-- 5000 keys would need about 320 kB (the limit is 100 kB here)
CREATE TABLE same_orders AS
SELECT c AS customer_id, t AS ordered_at, 12.50 AS amount
FROM generate_series(1, 5000) c, (VALUES (timestamptz '2023-01-10 12:00+00'), ('2023-03-01 12:00+00')) v(t);
CREATE TABLE same_summaries AS
SELECT btyd_summaries(customer_id, ordered_at, amount, '2023-06-30', 'day') AS v,
	   btyd_data(customer_id, ordered_at, amount, '2023-06-30', 'day') AS d
FROM same_orders;
SET clv.max_state_memory = 100;
SELECT btyd_summary_data(v)::text = d::text AS same_within_limit,
	   btyd_data_customers(btyd_summary_data(v)) AS customers, btyd_data_distinct(btyd_summary_data(v)) AS distinct_inputs
FROM same_summaries;
RESET clv.max_state_memory;
-- uuid and text keys: customer_id is the key's text (key::text)
SELECT k AS key_type, count(*) AS customers,
	   count(*) FILTER (WHERE x.frequency = y.frequency AND x.recency = y.recency AND x.t = y.t
						AND x.monetary_value::text = y.monetary_value::text) AS same
FROM unnest(ARRAY['uuid', 'text']) k,
	 LATERAL (SELECT c::text AS customer_id, (r).* FROM
				(SELECT c, clv_rfm(ordered_at, amount, '2023-06-30') AS r
				 FROM (SELECT md5(customer_id::text)::uuid AS c, ordered_at, amount FROM o) u
				 WHERE c IS NOT NULL GROUP BY c) g
			  WHERE (r).frequency IS NOT NULL) x
	 JOIN LATERAL (SELECT r.* FROM
				(SELECT CASE k WHEN 'uuid' THEN btyd_summaries(md5(customer_id::text)::uuid, ordered_at, amount, '2023-06-30', 'day')
							   ELSE btyd_summaries(md5(customer_id::text)::uuid::text, ordered_at, amount, '2023-06-30', 'day') END AS v
				 FROM o) s, btyd_summary_rows(s.v) r) y USING (customer_id)
GROUP BY k ORDER BY k;
-- the daily form is the default; the unit and end agree with a fit's arguments
SELECT (SELECT btyd_data(customer_id, ordered_at, amount, '2023-06-30') FROM o)::text = d::text AS day_default,
	   bgnbd_fit(d, 'day', '2023-06-30')::text = bgnbd_fit(d)::text AS same_arguments_ok,
	   pg_temp.sqlstate_of(format('SELECT bgnbd_fit(%L::btyd_data, %L)', d, 'week')) AS other_unit,
	   pg_temp.sqlstate_of(format('SELECT bgnbd_fit(%L::btyd_data, NULL, %L)', d, '2023-07-01')) AS other_end
FROM one_pass WHERE unit = 'day';

-- canonical: rows in another order give the same value, as text
SELECT (SELECT btyd_data(customer_id, ordered_at, amount, '2023-06-30', 'week' ORDER BY ordered_at DESC, amount) FROM o)::text
	   = d::text AS order_independent
FROM one_pass WHERE unit = 'week';
-- the text form round-trips, and its fits are the same
SELECT d::text::btyd_data::text = d::text AS round_trip,
	   bgnbd_fit(d::text::btyd_data)::text = bgnbd_fit(d)::text AS fit_after_round_trip
FROM one_pass;
-- a parallel plan gives the same value
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT (SELECT btyd_data(customer_id, ordered_at, amount, '2023-06-30', 'week') FROM o)::text = d::text AS parallel_same
FROM one_pass WHERE unit = 'week';
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- parallel plans merge the workers' partial states as sorted runs: every
-- worker's share of the rows (no leader), a (customer, day) in several
-- shares (each row twice, the copies 100,000 rows apart), integer, text
-- and uuid keys, 2 workers and 4 (more partial states than the 3 runs a
-- state keeps: its two smallest runs are merged on the way); each value
-- equals the serial one, as text (btyd_summaries as its md5)
CREATE TABLE par AS
SELECT 1 + (i * 7919) % 20000 AS customer_id,
	   '2022-01-01 00:00:00+00'::timestamptz + (i % 499) * interval '1 day' + (i % 7) * interval '1 hour' AS ordered_at,
	   CASE WHEN i % 13 = 0 THEN -(i % 47) - 0.5 ELSE (i % 197) + 0.25 * (i % 3) END::numeric(10,2) AS amount
FROM generate_series(1, 100000) i;
INSERT INTO par SELECT * FROM par;
CREATE VIEW par_values AS
SELECT btyd_data(customer_id, ordered_at, amount, '2023-06-30', 'day')::text AS d_int,
	   md5(btyd_summaries(customer_id, ordered_at, amount, '2023-06-30', 'week')::text) AS s_int,
	   btyd_data('c' || customer_id, ordered_at, amount, '2023-06-30', 'day')::text AS d_text,
	   md5(btyd_summaries('c' || customer_id, ordered_at, amount, '2023-06-30', 'week')::text) AS s_text,
	   btyd_data(md5(customer_id::text)::uuid, ordered_at, amount, '2023-06-30', 'day')::text AS d_uuid,
	   md5(btyd_summaries(md5(customer_id::text)::uuid, ordered_at, amount, '2023-06-30', 'week')::text) AS s_uuid
FROM par;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE par_serial AS SELECT * FROM par_values;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE par SET (parallel_workers = 2);
CREATE TABLE par_2 AS SELECT * FROM par_values;
SET max_parallel_workers_per_gather = 4;
ALTER TABLE par SET (parallel_workers = 4);
CREATE TABLE par_4 AS SELECT * FROM par_values;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
SELECT k, d2 = d0 AND d4 = d0 AS btyd_data_same, s2 = s0 AND s4 = s0 AS summaries_same,
	   btyd_data_customers(d0::btyd_data) = (SELECT count(DISTINCT customer_id) FROM par WHERE amount >= 0)
		AS customers_as_sql
FROM par_serial a, par_2 b, par_4 c,
	 LATERAL (VALUES ('int', a.d_int, b.d_int, c.d_int, a.s_int, b.s_int, c.s_int),
					 ('text', a.d_text, b.d_text, c.d_text, a.s_text, b.s_text, c.s_text),
					 ('uuid', a.d_uuid, b.d_uuid, c.d_uuid, a.s_uuid, b.s_uuid, c.s_uuid)) v(k, d0, d2, d4, s0, s2, s4)
ORDER BY k;

-- a small case by hand (the refund rule of sql/refunds.sql): customers
-- a (x 2, t_x 9, T 30, m 22.5), b (x 0, T 29), c refunds only (none),
-- d after observation_end (none): 2 customers, 1 spend customer
CREATE TABLE small (customer_id text, ordered_at timestamptz, amount numeric);
INSERT INTO small VALUES ('a', '2024-01-01', 10), ('a', '2024-01-05', 20), ('a', '2024-01-06', -5),
	('a', '2024-01-10', 30), ('b', '2024-01-02', 5), ('c', '2024-01-03', -5), ('d', '2024-02-05', 9),
	(NULL, '2024-01-03', 7), ('e', NULL, 3), ('e', '2024-01-04', NULL);
SELECT btyd_data_customers(d) AS customers, btyd_data_distinct(d) AS distinct_inputs,
	   d::text = (SELECT btyd_data(s.frequency, s.recency, s.t)::text FROM (VALUES (2, 9, 30), (0, 0, 29)) s(frequency, recency, t)) AS plain_form_differs
FROM (SELECT btyd_data(customer_id, ordered_at, amount, '2024-01-31') AS d FROM small) x;
-- no rows: NULL; rows after observation_end only: no customers, no model
SELECT btyd_data(customer_id, ordered_at, amount, '2024-01-31') IS NULL AS no_rows FROM small WHERE false;
SELECT btyd_data_customers(btyd_data(customer_id, ordered_at, amount, '2023-01-31')) AS customers,
	   bgnbd_fit(btyd_data(customer_id, ordered_at, amount, '2023-01-31')) IS NULL AS no_model
FROM small;

-- calendar days in the session TimeZone (clv_rfm and btyd_data find them
-- from cached spans of UTC times): across midnights and the changes to and
-- from daylight saving time, the same as plain SQL's ordered_at::date
SET TimeZone = 'America/New_York';
CREATE TABLE tz_orders AS
SELECT g % 50 AS customer_id, timestamptz '2023-03-01 00:00+00' + g * interval '37 minutes 13 seconds' AS ordered_at,
	   10.0 AS amount
FROM generate_series(1, 20000) g;
SELECT count(*) AS customers,
	   count(*) FILTER (WHERE (c.r).frequency = p.x AND (c.r).recency = p.rec AND (c.r).t = p.t) AS same_as_plain_sql
FROM (SELECT customer_id, clv_rfm(ordered_at, amount, '2023-12-31') AS r FROM tz_orders GROUP BY customer_id) c
JOIN (SELECT customer_id, count(DISTINCT ordered_at::date) - 1 AS x,
			 (max(ordered_at::date) - min(ordered_at::date))::float8 AS rec,
			 ('2023-12-31'::timestamptz::date - min(ordered_at::date))::float8 AS t
	  FROM tz_orders WHERE ordered_at::date <= '2023-12-31'::timestamptz::date GROUP BY customer_id) p
  USING (customer_id);
SELECT bgnbd_fit(o.d)::text = bgnbd_fit(p.d, 'day', '2023-12-31')::text AS same_fit
FROM (SELECT btyd_data(customer_id, ordered_at, amount, '2023-12-31') AS d FROM tz_orders) o,
	 (SELECT btyd_data((r).frequency, (r).recency, (r).t) AS d
	  FROM (SELECT clv_rfm(ordered_at, amount, '2023-12-31') AS r FROM tz_orders GROUP BY customer_id) x) p;
SELECT count(*) AS customers,
	   count(*) FILTER (WHERE (c.r).frequency = y.frequency AND (c.r).recency = y.recency AND (c.r).t = y.t
						AND (c.r).monetary_value::text = y.monetary_value::text) AS summaries_same
FROM (SELECT customer_id::text AS customer_id, clv_rfm(ordered_at, amount, '2023-12-31') AS r
	  FROM tz_orders GROUP BY customer_id) c
JOIN (SELECT r.* FROM (SELECT btyd_summaries(customer_id, ordered_at, amount, '2023-12-31', 'day') AS v
					   FROM tz_orders) s, btyd_summary_rows(s.v) r) y USING (customer_id);
SET TimeZone = 'UTC';

-- errors
SELECT pg_temp.sqlstate_of($$SELECT btyd_data(customer_id, ordered_at, amount, '2024-01-31', 'month') FROM small$$);
SELECT pg_temp.sqlstate_of($$SELECT btyd_data(customer_id, ordered_at, amount, ordered_at) FROM small$$);
SELECT pg_temp.sqlstate_of($$SELECT btyd_data(customer_id, ordered_at, amount, '2024-01-31', CASE WHEN amount > 9 THEN 'day' ELSE 'week' END) FROM small$$);
SELECT pg_temp.sqlstate_of($$SELECT btyd_data(customer_id, ordered_at, amount, 'infinity') FROM small$$);
SELECT pg_temp.sqlstate_of($$SELECT rollup(d) FROM one_pass$$);
SELECT pg_temp.sqlstate_of($$SELECT btyd_data_combine(d, d) FROM one_pass$$);

-- Scales and refund days in every place (the summaries come from two
-- passes over the (customer, day) entries, btyd_orders.c): a first purchase
-- day with more decimals than the others (1), refund-only days before the
-- first, between the first and second and after the second purchase day,
-- and a refund on a purchase day (2), one purchase day (3), refunds only
-- (4, no row), repeat spend refunded to 0 (5), rows out of order (6).
-- By hand: 1: repeat 5.5 + 7 = 12.5 over 2 repeat days, 6.250 (3 decimals
-- as its amounts); 2: purchase days 01-03 and 01-06, repeat 30.10 - 5 -
-- 0.001 = 25.099; 5: 2.22 - 2.22 = 0.00; 6: first day 03-01, repeat
-- 0.25 + 100.00 over 2 days = 50.125.  Every row equals clv_rfm's.
CREATE TABLE scales(customer_id bigint, ordered_at timestamptz, amount numeric);
INSERT INTO scales VALUES
	(1, '2023-01-05 10:00', 10.125), (1, '2023-01-09 10:00', 5.5), (1, '2023-01-20 10:00', 7),
	(2, '2023-01-01 10:00', -1.05), (2, '2023-01-03 10:00', 20), (2, '2023-01-04 10:00', -2.5),
	(2, '2023-01-06 10:00', 30.10), (2, '2023-01-06 11:00', -5), (2, '2023-01-08 10:00', -0.001),
	(3, '2023-02-01 10:00', 12.34),
	(4, '2023-02-01 10:00', -3), (4, '2023-02-02 10:00', -4),
	(5, '2023-03-01 10:00', 1.1), (5, '2023-03-02 10:00', 2.22), (5, '2023-03-03 10:00', -2.22),
	(6, '2023-03-05 10:00', 100.00), (6, '2023-03-01 10:00', 0.5), (6, '2023-03-03 10:00', 0.25);
SELECT y.customer_id, y.frequency, y.recency, y.t, y.monetary_value,
	   x.frequency = y.frequency AND x.recency = y.recency AND x.t = y.t
	   AND x.monetary_value::text = y.monetary_value::text AS same_as_clv_rfm
FROM (SELECT r.* FROM (SELECT btyd_summaries(customer_id, ordered_at, amount, '2023-06-30', 'day') AS v
					   FROM scales) s, btyd_summary_rows(s.v) r) y
	 FULL JOIN (SELECT customer_id::text AS customer_id, (r).*
				FROM (SELECT customer_id, clv_rfm(ordered_at, amount, '2023-06-30') AS r
					  FROM scales GROUP BY customer_id) g
				WHERE (r).frequency IS NOT NULL) x USING (customer_id)
ORDER BY y.customer_id;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_btyd_orders CASCADE;
DROP SCHEMA shop CASCADE;
RESET client_min_messages;
