\i test/lib/data.psql
\if :clv_no_data
\quit
\endif
--
-- rfm: clv_rfm, the per-customer BTYD summary (frequency, recency, T,
-- monetary value).  Reference: the two CDNOW summary files shipped with
-- lifetimes (../shared/data/README.md), which lifetimes'
-- summary_data_from_transaction_data(freq='D', freq_multiplier=7,
-- observation_period_end='1997-09-30') reproduces from the orders.
--
-- every regress file shares one database: keep this file's tables in its own schema
CREATE SCHEMA test_rfm;
SET search_path = test_rfm, public;
SET TimeZone = 'UTC';
CREATE FUNCTION pg_temp.plan_has(q text, pat text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
	FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		IF l LIKE '%' || pat || '%' THEN RETURN true; END IF;
	END LOOP;
	RETURN false;
END $$;
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE cdnow_orders (customer_id int, order_date date, quantity int, amount numeric);
\copy cdnow_orders FROM 'cdnow_sample_orders.csv' CSV HEADER
CREATE TABLE cdnow_summary (id int, frequency int, recency float8, t float8);
\copy cdnow_summary FROM 'cdnow_customers_summary.csv' CSV HEADER
-- CRLF line ends and no final newline: read the last column as text and trim the CR
CREATE TABLE cdnow_monetary_raw (id int, x int, t_x float8, t float8, zbar text);
\copy cdnow_monetary_raw FROM 'cdnow_customers_summary_with_transactions.csv' CSV HEADER
CREATE TABLE cdnow_monetary AS
	SELECT id, x, t_x, t, rtrim(zbar, E'\r')::numeric AS zbar FROM cdnow_monetary_raw;
SELECT count(*) AS customers, count(*) FILTER (WHERE x > 0) AS repeat_buyers FROM cdnow_monetary;

-- weekly summary as of 1997-09-30
CREATE TABLE rfm_week AS
	SELECT customer_id, (clv_rfm(order_date, amount, '1997-09-30', 'week')).*
	FROM cdnow_orders GROUP BY customer_id;
-- cdnow_customers_summary.csv: every customer, to the file's 2-decimal rounding
SELECT count(*) AS customers,
	   count(*) FILTER (WHERE r.frequency = s.frequency) AS frequency_equal,
	   count(*) FILTER (WHERE abs(r.recency - s.recency) < 0.005) AS recency_equal,
	   count(*) FILTER (WHERE abs(r.t - s.t) < 0.005) AS t_equal,
	   count(*) FILTER (WHERE round(r.recency::numeric, 2) = s.recency::numeric
						AND round(r.t::numeric, 2) = s.t::numeric) AS rounded_equal
FROM rfm_week r FULL JOIN cdnow_summary s ON s.id = r.customer_id;
-- cdnow_customers_summary_with_transactions.csv (monetary value: mean repeat purchase day value)
SELECT count(*) AS customers,
	   count(*) FILTER (WHERE r.frequency = m.x AND abs(r.recency - m.t_x) < 0.005
						AND abs(r.t - m.t) < 0.005) AS rfm_equal,
	   count(*) FILTER (WHERE abs(r.monetary_value - m.zbar) <= 0.005) AS monetary_equal,
	   count(*) FILTER (WHERE r.frequency = 0 AND r.monetary_value = 0) AS zero_monetary
FROM rfm_week r FULL JOIN cdnow_monetary m ON m.id = r.customer_id;
SELECT * FROM rfm_week WHERE customer_id IN (1, 2, 3) ORDER BY customer_id;

-- daily units (the default): durations are whole days
SELECT (clv_rfm(order_date, amount, '1997-09-30')).* FROM cdnow_orders WHERE customer_id = 1;
SELECT bool_and(abs(r.t * 7 - d.t) < 1e-9 AND abs(r.recency * 7 - d.recency) < 1e-9
				AND d.t = floor(d.t) AND d.recency = floor(d.recency)) AS day_is_week_times_7
FROM rfm_week r JOIN (SELECT customer_id, (clv_rfm(order_date, amount, '1997-09-30', 'day')).*
					  FROM cdnow_orders GROUP BY customer_id) d USING (customer_id);

-- ordered_at as timestamptz, timestamp or date; amount as numeric, float8 or integer
SELECT bool_and(a = b AND a = c AND a = d) AS same_for_all_input_types
FROM (SELECT customer_id,
			 clv_rfm(order_date, amount, '1997-09-30', 'week') AS a,
			 clv_rfm(order_date::timestamptz + interval '13 hours', amount, '1997-09-30', 'week') AS b,
			 clv_rfm(order_date::timestamp + interval '23 hours 59 minutes', amount, '1997-09-30', 'week') AS c,
			 clv_rfm(order_date, amount::float8, '1997-09-30', 'week') AS d
	  FROM cdnow_orders GROUP BY customer_id) x;
-- an integer amount resolves to the double precision overload
SELECT (clv_rfm(d, 10, '2024-01-31')).*
FROM (VALUES ('2024-01-01'::date), ('2024-01-11'), ('2024-01-21')) v(d);

-- hand example: same-day orders merge (amounts summed), the first day's
-- amounts are not in the monetary value, exact decimal arithmetic
SELECT (clv_rfm(ts, amt, '2024-03-10')).*
FROM (VALUES ('2024-03-01 09:00'::timestamptz, 5.00::numeric),
			 ('2024-03-01 18:00', 7.00),
			 ('2024-03-03 10:00', 0.10),
			 ('2024-03-03 11:00', 0.20),
			 ('2024-03-08 12:00', 1.005)) v(ts, amt);
-- frequency 2 (3 and 8 March), recency 7, T 9, monetary (0.30 + 1.005) / 2 = 0.6525

-- observation_end: an order later on the observation_end day counts, the next day does not
SELECT (clv_rfm(ts, 1, '2024-03-10 00:00')).*
FROM (VALUES ('2024-03-01 09:00'::timestamptz), ('2024-03-10 23:59:59'), ('2024-03-11 00:00')) v(ts);
-- calendar days are taken in the session TimeZone
SET TimeZone = 'America/New_York';
SELECT (clv_rfm(ts, 1, '2024-03-10 12:00-05')).*
FROM (VALUES ('2024-03-01 12:00+00'::timestamptz), ('2024-03-11 03:00+00')) v(ts);
SET TimeZone = 'UTC';
SELECT (clv_rfm(ts, 1, '2024-03-10 12:00-05')).*
FROM (VALUES ('2024-03-01 12:00+00'::timestamptz), ('2024-03-11 03:00+00')) v(ts);
-- no order up to observation_end: NULL (not a customer yet)
SELECT clv_rfm(d, 1, '2024-01-01') IS NULL AS is_null FROM (VALUES ('2024-02-01'::date)) v(d);

-- empty input, NULL arguments (rows with a NULL are skipped)
SELECT clv_rfm(order_date, amount, '1997-09-30') IS NULL AS empty_is_null FROM cdnow_orders WHERE false;
SELECT (clv_rfm(d, a, o, u)).*
FROM (VALUES ('2024-01-01'::date, 1::numeric, '2024-01-31'::timestamptz, 'day'),
			 (NULL, 2, '2024-01-31', 'day'),
			 ('2024-01-05', NULL, '2024-01-31', 'day'),
			 ('2024-01-06', 4, NULL, 'day'),
			 ('2024-01-07', 8, '2024-01-31', NULL),
			 ('2024-01-08', 16, '2024-01-31', 'day')) v(d, a, o, u);
SELECT clv_rfm(d, a, o) IS NULL AS all_null_is_null
FROM (VALUES (NULL::date, 1::numeric, '2024-01-31'::timestamptz)) v(d, a, o);

-- errors
SELECT pg_temp.sqlstate_of($$SELECT clv_rfm(order_date, amount, '1997-09-30', 'month') FROM cdnow_orders$$);
SELECT pg_temp.sqlstate_of($$SELECT clv_rfm('infinity'::timestamptz, 1, '1997-09-30')$$);
SELECT pg_temp.sqlstate_of($$SELECT clv_rfm(now(), 1, 'infinity')$$);
SELECT pg_temp.sqlstate_of($$SELECT clv_rfm(now(), 'NaN'::numeric, now())$$);
SELECT pg_temp.sqlstate_of($$SELECT clv_rfm(order_date, amount, order_date) FROM cdnow_orders WHERE customer_id = 1$$);

-- the state keeps every amount at the customer's largest scale, in 64 bits
-- or, once one does not fit, in 128: amounts of mixed scales, amounts that
-- need more than 64 bits at once or only once rescaled, refunds, orders
-- after observation_end, customers with hundreds of orders; against plain
-- SQL (dividend shown at the display scale of all the customer's amounts,
-- as clv_rfm shows it)
CREATE TABLE rfm_mixed AS
SELECT c AS customer_id, date '2024-01-01' + ((i * 7919 + c * 31) % 200) AS d,
	   CASE WHEN (i + c) % 11 = 0 THEN -1 ELSE 1 END
	   * CASE (i + c) % 5 WHEN 0 THEN 12 WHEN 1 THEN 12.5 WHEN 2 THEN 0.125 WHEN 3 THEN 1234.5678 ELSE 7.01 END
	   * CASE WHEN c % 4 = 0 AND i = 3 THEN 100000000000000000 ELSE 1 END AS amount
FROM generate_series(1, 40) c,
	 generate_series(1, CASE WHEN c % 10 = 0 THEN 300 ELSE 1 + c % 13 END) i;
CREATE TABLE rfm_mixed_plain AS
WITH days AS (
	SELECT customer_id, d, row_number() OVER (PARTITION BY customer_id ORDER BY d) AS rn
	FROM (SELECT DISTINCT customer_id, d FROM rfm_mixed WHERE amount >= 0 AND d <= '2024-06-01') x),
s AS (
	SELECT customer_id, count(*) - 1 AS k, min(d) AS d0, max(d) AS dk,
		   min(d) FILTER (WHERE rn = 2) AS d1
	FROM days GROUP BY customer_id)
SELECT s.customer_id, s.k::int AS frequency, (s.dk - s.d0)::float8 AS recency,
	   (date '2024-06-01' - s.d0)::float8 AS t,
	   CASE WHEN s.k = 0 THEN 0
			ELSE greatest(0, coalesce(sum(o.amount) FILTER (WHERE o.d >= s.d1), 0) + 0 * sum(o.amount)) / s.k
	   END AS monetary_value
FROM s JOIN rfm_mixed o USING (customer_id)
WHERE o.d <= '2024-06-01'
GROUP BY s.customer_id, s.k, s.d0, s.dk, s.d1;
SELECT count(*) AS customers,
	   count(*) FILTER (WHERE p.frequency > 20) AS many_days,
	   count(*) FILTER (WHERE p.monetary_value > 1e15) AS beyond_64_bits,
	   count(*) FILTER (WHERE (r.s).frequency = p.frequency AND (r.s).recency = p.recency
						AND (r.s).t = p.t AND (r.s).monetary_value = p.monetary_value) AS equal
FROM (SELECT customer_id, clv_rfm(d, amount, '2024-06-01') AS s FROM rfm_mixed GROUP BY customer_id) r
FULL JOIN rfm_mixed_plain p USING (customer_id);
-- a window finalizes one state once per row: every row gets the same summary
SELECT count(*) AS rows, count(*) FILTER (WHERE w.s = r.s) AS equal
FROM (SELECT customer_id, clv_rfm(d, amount, '2024-06-01')
		OVER (PARTITION BY customer_id ORDER BY d, amount
			  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS s
	  FROM rfm_mixed) w
JOIN (SELECT customer_id, clv_rfm(d, amount, '2024-06-01') AS s FROM rfm_mixed GROUP BY customer_id) r
USING (customer_id);

-- parallel plan: partial aggregation gives the same summaries
CREATE TABLE rfm_serial AS
	SELECT customer_id, clv_rfm(order_date, amount, '1997-09-30', 'week') AS s
	FROM cdnow_orders GROUP BY customer_id;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
SELECT pg_temp.plan_has($$SELECT customer_id, clv_rfm(order_date, amount, '1997-09-30', 'week') FROM cdnow_orders GROUP BY customer_id$$,
						'Partial GroupAggregate') AS partial_aggregate;
SELECT count(*) AS customers, count(*) FILTER (WHERE p.s = r.s) AS equal
FROM (SELECT customer_id, clv_rfm(order_date, amount, '1997-09-30', 'week') AS s
	  FROM cdnow_orders GROUP BY customer_id) p
JOIN rfm_serial r USING (customer_id);
-- and on the mixed amounts (states serialized, combined, finalized)
SELECT pg_temp.plan_has($$SELECT customer_id, clv_rfm(d, amount, '2024-06-01') FROM rfm_mixed GROUP BY customer_id$$,
						'Partial GroupAggregate') AS partial_aggregate;
SELECT count(*) AS customers,
	   count(*) FILTER (WHERE (r.s).frequency = p.frequency AND (r.s).recency = p.recency
						AND (r.s).t = p.t AND (r.s).monetary_value = p.monetary_value) AS equal
FROM (SELECT customer_id, clv_rfm(d, amount, '2024-06-01') AS s FROM rfm_mixed GROUP BY customer_id) r
FULL JOIN rfm_mixed_plain p USING (customer_id);
RESET enable_hashagg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_rfm CASCADE;
RESET client_min_messages;
