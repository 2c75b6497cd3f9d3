\i test/lib/data.psql
\if :clv_no_data
\quit
\endif
--
-- gamma_gamma: the Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM
-- and CLV: Using Iso-Value Curves for Customer Base Analysis"; Fader &
-- Hardie, "The Gamma-Gamma Model of Monetary Value", 2013):
-- gamma_gamma_fit and gamma_gamma_expected_spend.
--
-- Reference values: on the 946 CDNOW repeat buyers the published estimates
-- are p = 6.25, q = 3.74, gamma (v) = 15.44 (2 decimals; the maximum found
-- here, v = 15.4477, lies within 0.01 of it, as lifetimes' does); the expected
-- spend p (v + x m) / (p x + q - 1) is recomputed in plain SQL.
--
-- every regress file shares one database: keep this file's tables in its own schema
CREATE SCHEMA test_gamma_gamma;
SET search_path = test_gamma_gamma, public;
SET extra_float_digits = 0;
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

-- CRLF line ends and no final newline: read the last column as text and trim the CR
CREATE TABLE cdnow_monetary_raw (id int, x int, t_x float8, t float8, zbar text);
\copy cdnow_monetary_raw FROM 'cdnow_customers_summary_with_transactions.csv' CSV HEADER
CREATE TABLE cdnow_monetary AS
	SELECT id, x, t_x, t, rtrim(zbar, E'\r')::numeric AS zbar FROM cdnow_monetary_raw;

-- customers with frequency 0 (and non-positive values) are left out, as the model requires
SELECT btyd_data_customers(btyd_data(x, zbar)) AS repeat_buyers FROM cdnow_monetary;
CREATE TABLE gg AS SELECT gamma_gamma_fit(x, zbar) AS m FROM cdnow_monetary;
SELECT abs((m).p - 6.25) < 0.01 AS p_ok, abs((m).q - 3.74) < 0.01 AS q_ok, abs((m).v - 15.44) < 0.01 AS v_ok,
	   (m).converged, (m).iterations BETWEEN 1 AND 1000 AS iterations_ok
FROM gg;
SELECT round((m).p::numeric, 2) AS p, round((m).q::numeric, 2) AS q, round((m).v::numeric, 2) AS v,
	   round((m).log_likelihood::numeric, 1) AS log_likelihood
FROM gg;
-- the same from the exact summary clv_rfm builds from the orders
CREATE TABLE cdnow_orders (customer_id int, order_date date, quantity int, amount numeric);
\copy cdnow_orders FROM 'cdnow_sample_orders.csv' CSV HEADER
SELECT abs((m).p - 6.25) < 0.01 AS p_ok, abs((m).q - 3.74) < 0.01 AS q_ok, abs((m).v - 15.44) < 0.01 AS v_ok, (m).converged
FROM (SELECT gamma_gamma_fit((s).frequency, (s).monetary_value) AS m
	  FROM (SELECT clv_rfm(order_date, amount, '1997-09-30', 'week') AS s
			FROM cdnow_orders GROUP BY customer_id) r) x;

-- expected spend: p (v + x m) / (p x + q - 1); population mean p v / (q - 1) for x = 0
SELECT bool_and(abs(gamma_gamma_expected_spend(m, x, zbar)
				   - (m).p * ((m).v + x * zbar::float8) / ((m).p * x + (m).q - 1)) < 1e-9) AS spend_ok,
	   bool_and(gamma_gamma_expected_spend(m, 0, zbar) = (m).p * (m).v / ((m).q - 1)) AS population_mean_ok
FROM cdnow_monetary, gg;
SELECT round(gamma_gamma_expected_spend(ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model, 2, 22.35)::numeric, 4) AS customer_1,
	   round((6.25 * (15.44 + 2 * 22.35) / (6.25 * 2 + 3.74 - 1))::numeric, 4) AS by_hand;

-- two-step use, rollup and a penalizer
SELECT gamma_gamma_fit(rollup(d)) = (SELECT m FROM gg) AS rollup_same_model
FROM (SELECT btyd_data(x, zbar) AS d FROM cdnow_monetary GROUP BY id % 4) x;
SELECT (m).converged, (m).p ^ 2 + (m).q ^ 2 + (m).v ^ 2 < (SELECT (m).p ^ 2 + (m).q ^ 2 + (m).v ^ 2 FROM gg) AS shrunk
FROM (SELECT gamma_gamma_fit(x, zbar, 0.001) AS m FROM cdnow_monetary) x;

-- parallel plan: partial aggregation gives exactly the serial model
CREATE TABLE cdnow_big AS SELECT m.* FROM cdnow_monetary m, generate_series(1, 10);
ANALYZE cdnow_big;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE gg_serial AS SELECT gamma_gamma_fit(x, zbar) AS m FROM cdnow_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT pg_temp.plan_has('SELECT gamma_gamma_fit(x, zbar) FROM cdnow_big', 'Partial Aggregate') AS partial_aggregate;
SELECT gamma_gamma_fit(x, zbar) = (SELECT m FROM gg_serial) AS parallel_equals_serial FROM cdnow_big;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- empty input, only excluded customers, NULLs
SELECT gamma_gamma_fit(x, zbar) IS NULL AS empty_is_null FROM cdnow_monetary WHERE false;
SELECT gamma_gamma_fit(x, zbar) IS NULL AS no_repeat_buyer_is_null FROM cdnow_monetary WHERE x = 0;
SELECT gamma_gamma_fit(f, m) IS NULL AS non_positive_is_null FROM (VALUES (2, 0), (3, -5)) v(f, m);
SELECT gamma_gamma_fit(f, m) IS NULL AS all_null_is_null FROM (VALUES (2, NULL::float8)) v(f, m);
SELECT gamma_gamma_expected_spend(NULL, 1, 2) IS NULL AS strict_null;

-- extreme inputs
SELECT (m).p::text NOT IN ('NaN', 'Infinity') AND (m).q::text NOT IN ('NaN', 'Infinity')
	   AND (m).v::text NOT IN ('NaN', 'Infinity') AND (m).log_likelihood::text NOT IN ('NaN', '-Infinity') AS finite
FROM (SELECT gamma_gamma_fit(f, m) AS m
	  FROM (VALUES (5000, 1e6), (3000, 0.01), (1, 1e-6), (10, 50)) v(f, m)) x;
SELECT (m).p::text NOT IN ('NaN', 'Infinity') AND (m).v::text NOT IN ('NaN', 'Infinity') AS finite
FROM (SELECT gamma_gamma_fit(2, 22.35) AS m) x;
SELECT gamma_gamma_expected_spend(ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model, 1e6, 1e9) BETWEEN 9.99e8 AND 1e9 AS big_spender;

-- errors
SELECT pg_temp.sqlstate_of($$SELECT gamma_gamma_fit(-1, 10)$$);
SELECT pg_temp.sqlstate_of($$SELECT gamma_gamma_fit(1.5, 10)$$);
SELECT pg_temp.sqlstate_of($$SELECT gamma_gamma_fit(1, 'NaN')$$);
SELECT pg_temp.sqlstate_of($$SELECT gamma_gamma_fit(btyd_data(1::float8, 1::float8, 2::float8))$$);
SELECT pg_temp.sqlstate_of($$SELECT gamma_gamma_expected_spend(ROW(6.25, 0.9, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model, 2, 10)$$);
SELECT pg_temp.sqlstate_of($$SELECT gamma_gamma_expected_spend(ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model, 2, -10)$$);
SELECT pg_temp.sqlstate_of($$SELECT gamma_gamma_expected_spend(ROW(6.25, 3.74, 'NaN', NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model, 2, 10)$$);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_gamma_gamma CASCADE;
RESET client_min_messages;
