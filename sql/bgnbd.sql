\i test/lib/data.psql
\if :clv_no_data
\quit
\endif
--
-- bgnbd: the BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your
-- Customers the Easy Way"): bgnbd_fit, the btyd_data state, and the
-- scorers bgnbd_expected_purchases, bgnbd_expected_purchases_new and
-- bgnbd_p_alive.
--
-- Reference values:
--  * fit on the CDNOW summary: the paper's r = 0.243, alpha = 4.414,
--    a = 0.793, b = 2.426, LL = -9582.4;
--  * E[Y(39) | x = 2, t_x = 30.43, T = 38.86] = 1.226, the paper's worked
--    example;
--  * the other expectations were computed independently with mpmath
--    (Python, 50 significant digits, mpmath.hyp2f1) from the conditional expectation of the
--    paper at the parameters shown; P(alive) and the closed form
--    at r = a + b - 1, where 2F1(r+x, b+x; r+x; z) = (1 - z)^-(b+x), are
--    recomputed in plain SQL below.
--
-- every regress file shares one database: keep this file's tables in its own schema
CREATE SCHEMA test_bgnbd;
SET search_path = test_bgnbd, public;
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

CREATE TABLE cdnow_summary (id int, frequency int, recency float8, t float8);
\copy cdnow_summary FROM 'cdnow_customers_summary.csv' CSV HEADER

-- the published estimates, to 3 decimals
CREATE TABLE bg AS SELECT bgnbd_fit(frequency, recency, t) AS m FROM cdnow_summary;
SELECT abs((m).r - 0.243) < 0.0005 AS r_ok,
	   abs((m).alpha - 4.414) < 0.0005 AS alpha_ok,
	   abs((m).a - 0.793) < 0.0005 AS a_ok,
	   abs((m).b - 2.426) < 0.0005 AS b_ok,
	   abs((m).log_likelihood - (-9582.4)) < 0.05 AS ll_ok,
	   (m).converged, (m).iterations BETWEEN 1 AND 1000 AS iterations_ok
FROM bg;
SELECT round((m).r::numeric, 4) AS r, round((m).alpha::numeric, 4) AS alpha,
	   round((m).a::numeric, 4) AS a, round((m).b::numeric, 4) AS b,
	   round((m).log_likelihood::numeric, 2) AS log_likelihood
FROM bg;

-- the state collapses identical customers: it grows with distinct triples
CREATE TABLE bg_data AS SELECT btyd_data(frequency, recency, t) AS d FROM cdnow_summary;
SELECT btyd_data_customers(d) AS customers,
	   btyd_data_distinct(d) = (SELECT count(DISTINCT (frequency, recency, t)) FROM cdnow_summary) AS distinct_ok
FROM bg_data;
-- two-step use: fitting a stored state gives the same model
SELECT bgnbd_fit(d) = (SELECT m FROM bg) AS same_model FROM bg_data;
-- text form round trip, and merging partial states (rollup) is exact
SELECT d::text LIKE 'btyd_data:%' AS prefixed, d::text::btyd_data::text = d::text AS text_round_trip,
	   length(btyd_data_send(d)) = 14 + 32 * btyd_data_distinct(d) AS send_length_ok
FROM bg_data;
SELECT bgnbd_fit(rollup(d)) = (SELECT m FROM bg) AS rollup_same_model,
	   btyd_data_customers(rollup(d)) AS customers
FROM (SELECT btyd_data(frequency, recency, t) AS d FROM cdnow_summary GROUP BY id % 5) x;
-- duplicating every customer 3 times leaves the maximum likelihood estimates unchanged
SELECT abs((m).r - (SELECT (m).r FROM bg)) < 1e-6 AS r_same,
	   abs((m).b - (SELECT (m).b FROM bg)) < 1e-5 AS b_same,
	   abs((m).log_likelihood - 3 * (SELECT (m).log_likelihood FROM bg)) < 1e-6 AS ll_tripled
FROM (SELECT bgnbd_fit(frequency, recency, t) AS m FROM cdnow_summary, generate_series(1, 3)) x;

-- malformed text/binary forms are rejected (22P02 base64 / 22P03 content)
SELECT pg_temp.sqlstate_of($$SELECT 'nonsense'::btyd_data$$);
SELECT pg_temp.sqlstate_of($$SELECT 'btyd_data:***'::btyd_data$$);
SELECT pg_temp.sqlstate_of($$SELECT ('btyd_data:' || encode('\x0201000000000000000000000000'::bytea, 'base64'))::btyd_data$$);
SELECT pg_temp.sqlstate_of($$SELECT ('btyd_data:' || encode('\x010100000000000000000000000001'::bytea, 'base64'))::btyd_data$$);
-- one entry (x = 1, t_x = 2 > T = 1): invalid summary
SELECT pg_temp.sqlstate_of($$SELECT ('btyd_data:' || encode('\x01010000000000000000000000013ff000000000000040000000000000003ff00000000000000000000000000001'::bytea, 'base64'))::btyd_data$$);
-- the same with t_x = 0.5: valid
SELECT btyd_data_customers(('btyd_data:' || encode('\x01010000000000000000000000013ff00000000000003fe00000000000003ff00000000000000000000000000001'::bytea, 'base64'))::btyd_data);

-- L2 penalizer (lifetimes' convention: penalizer * sum(params^2) added to the mean negative LL)
SELECT (m).converged, (m).r < (SELECT (m).r FROM bg) AND (m).alpha < (SELECT (m).alpha FROM bg) AS shrunk,
	   (m).log_likelihood < (SELECT (m).log_likelihood FROM bg) AS lower_ll
FROM (SELECT bgnbd_fit(frequency, recency, t, 0.01) AS m FROM cdnow_summary) x;
SELECT bgnbd_fit(frequency, recency, t, 0) = (SELECT m FROM bg) AS zero_penalizer_same FROM cdnow_summary;

-- parallel plan: partial aggregation gives exactly the serial model
CREATE TABLE cdnow_big AS SELECT s.* FROM cdnow_summary s, generate_series(1, 10);
ANALYZE cdnow_big;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE bg_serial AS SELECT bgnbd_fit(frequency, recency, t) AS m FROM cdnow_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT pg_temp.plan_has('SELECT bgnbd_fit(frequency, recency, t) FROM cdnow_big', 'Partial Aggregate') AS partial_aggregate;
SELECT bgnbd_fit(frequency, recency, t) = (SELECT m FROM bg_serial) AS parallel_equals_serial FROM cdnow_big;
SELECT btyd_data_customers(btyd_data(frequency, recency, t)) AS customers FROM cdnow_big;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- empty input and NULLs: NULL model; rows with a NULL are skipped
SELECT bgnbd_fit(frequency, recency, t) IS NULL AS empty_is_null FROM cdnow_summary WHERE false;
SELECT bgnbd_fit(f, r, t) IS NULL AS all_null_is_null FROM (VALUES (NULL::float8, 1::float8, 2::float8)) v(f, r, t);
SELECT bgnbd_fit(frequency, CASE WHEN id % 2 = 0 THEN recency END, t) = bgnbd_fit(frequency, recency, t) FILTER (WHERE id % 2 = 0) AS nulls_skipped
FROM cdnow_summary;

-- scorers against the paper and mpmath (see banner)
\set M1 'ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model'
SELECT round(bgnbd_expected_purchases(:M1, 39, 2, 30.43, 38.86)::numeric, 3) AS paper_example;
SELECT abs(bgnbd_expected_purchases(:M1, 39, 2, 30.43, 38.86) - 1.22602817476714) < 1e-10 AS e1,
	   abs(bgnbd_expected_purchases(:M1, 39, 0, 0, 38.86) - 0.195098052011263) < 1e-10 AS e2,
	   abs(bgnbd_expected_purchases(:M1, 10, 10, 35, 38.86) - 1.86480817471331) < 1e-10 AS e3,
	   abs(bgnbd_expected_purchases(:M1, 1, 1, 1.71, 38.86) - 0.00606295179828289) < 1e-12 AS e4,
	   abs(bgnbd_expected_purchases(:M1, 100000, 2, 30.43, 38.86) - 48.6168440735887) < 1e-8 AS e_long_horizon,
	   abs(bgnbd_expected_purchases_new(:M1, 39) - 1.19672319332082) < 1e-10 AS new39,
	   abs(bgnbd_expected_purchases_new(:M1, 78) - 1.86051905794277) < 1e-10 AS new78;
-- a >= 1 (the other hypergeometric form), and a = 1.00001 (next to the 0/0 point a = 1)
SELECT abs(bgnbd_expected_purchases(ROW(2, 10, 3, 5, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, 20, 3, 15, 30) - 0.321182497188537) < 1e-10 AS e5,
	   abs(bgnbd_expected_purchases(ROW(2, 10, 3, 5, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, 0.5, 0, 0, 30) - 0.0248255107433352) < 1e-12 AS e6,
	   abs(bgnbd_expected_purchases(ROW(0.5, 5, 1.00001, 2, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, 39, 2, 30.43, 38.86) - 1.10662672779949) < 1e-7 AS e7,
	   abs(bgnbd_expected_purchases_new(ROW(0.5, 5, 1.00001, 2, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, 39) - 1.74736909981874) < 1e-7 AS new_a1;
-- closed form at r = a + b - 1 (here a = 0.5, b = 1.5, r = 1, alpha = 3):
--   E = (a+b+x-1)/(a-1) (1 - ((alpha+T)/(alpha+T+t))^(a-1)) / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
SELECT bool_and(abs(bgnbd_expected_purchases(ROW(1, 3, 0.5, 1.5, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, h, x, tx, tt)
		- (0.5 + 1.5 + x - 1) / (0.5 - 1) * (1 - ((3 + tt) / (3 + tt + h)) ^ (0.5 - 1))
		  / (1 + CASE WHEN x > 0 THEN 0.5 / (1.5 + x - 1) * ((3 + tt) / (3 + tx)) ^ (1 + x) ELSE 0 END))
		< 1e-9 * (1 + abs((0.5 + 1.5 + x - 1) / (0.5 - 1) * (1 - ((3 + tt) / (3 + tt + h)) ^ (0.5 - 1))))) AS closed_form_ok
FROM (VALUES (10::float8, 0::float8, 0::float8, 20::float8), (10, 3, 12, 20), (50, 20, 19, 20), (1000, 300, 500, 600), (1e6, 5000, 29000, 30000)) v(h, x, tx, tt);
-- P(alive) in plain SQL over the CDNOW customers
SELECT bool_and(abs(bgnbd_p_alive(:M1, frequency, recency, t)
		- CASE WHEN frequency = 0 THEN 1
			   ELSE 1 / (1 + 0.793 / (2.426 + frequency - 1) * ((4.414 + t) / (4.414 + recency)) ^ (0.243 + frequency)) END) < 1e-12) AS p_alive_ok,
	   min(bgnbd_p_alive(:M1, frequency, recency, t)) > 0 AS positive
FROM cdnow_summary;
-- scoring the fitted model: expected purchases in the 39-week holdout, summed over customers
SELECT round(sum(bgnbd_expected_purchases(m, 39, frequency, recency, t))::numeric, 1) AS expected_holdout_purchases
FROM cdnow_summary, bg;
-- horizon 0, and consistency: expectations grow with the horizon
SELECT bgnbd_expected_purchases(:M1, 0, 2, 30.43, 38.86) AS zero_horizon,
	   bgnbd_expected_purchases(:M1, 40, 2, 30.43, 38.86) > bgnbd_expected_purchases(:M1, 39, 2, 30.43, 38.86) AS increasing;

-- extreme inputs: no NaN, infinity or crash
SELECT bgnbd_expected_purchases(:M1, 1000, 3000, 20000, 30000) BETWEEN 0 AND 1e-300 AS dead_customer,
	   bgnbd_p_alive(:M1, 3000, 20000, 30000) BETWEEN 0 AND 1e-300 AS dead_p_alive,
	   bgnbd_expected_purchases(:M1, 1e6, 3000, 29990, 30000) BETWEEN 1 AND 1e9 AS busy_customer,
	   bgnbd_expected_purchases_new(:M1, 1e7) BETWEEN 1 AND 1e9 AS long_new;
-- z = t/(alpha+T+t) near 1: the 1 - z transformation of 2F1 (mpmath references)
SELECT abs(bgnbd_expected_purchases_new(:M1, 1e7) - 92.3839806569152) < 1e-8 AS new_1e7,
	   abs(bgnbd_expected_purchases(:M1, 1e6, 3000, 29990, 30000) - 15635.823570953) < 1e-6 AS busy_1e6,
	   abs(bgnbd_expected_purchases(:M1, 1e5, 50, 30, 38.86) - 0.644327643029556) < 1e-10 AS x50_1e5,
	   abs(bgnbd_expected_purchases(ROW(2, 10, 3, 5, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, 1e7, 0, 0, 10) - 3.49999999578353) < 1e-9 AS m2_1e7;
SELECT (m).converged, (m).r::text NOT IN ('NaN', 'Infinity') AND (m).alpha::text NOT IN ('NaN', 'Infinity')
	   AND (m).a::text NOT IN ('NaN', 'Infinity') AND (m).b::text NOT IN ('NaN', 'Infinity')
	   AND (m).log_likelihood::text NOT IN ('NaN', '-Infinity') AS finite
FROM (SELECT bgnbd_fit(f, r, t) AS m
	  FROM (VALUES (5000, 29000, 30000), (3000, 10000, 30000), (0, 0, 25000), (10, 100, 20000), (1, 5, 10)) v(f, r, t)) x;
-- all frequencies 0: the likelihood has no maximum (r -> 0); reported as not converged
SELECT (m).converged, (m).log_likelihood::text NOT IN ('NaN', '-Infinity') AS finite_ll
FROM (SELECT bgnbd_fit(0, 0, t) AS m FROM cdnow_summary) x;
-- a single customer
SELECT (m).converged, (m).r > 0 AND (m).alpha > 0 AND (m).a > 0 AND (m).b > 0 AS positive,
	   (m).r::text NOT IN ('NaN', 'Infinity') AND (m).b::text NOT IN ('NaN', 'Infinity') AS finite
FROM (SELECT bgnbd_fit(2, 30.43, 38.86) AS m) x;

-- errors
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_fit(-1, 0, 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_fit(1.5, 0.5, 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_fit(1, 2, 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_fit(0, 1, 2)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_fit('NaN', 0, 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_fit(1, 1, 'Infinity')$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_fit(1, 1, 2, -0.1)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_fit(frequency, recency, t, id) FROM cdnow_summary$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_fit(btyd_data(1::float8, 2::float8))$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_expected_purchases(ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, -1, 2, 30, 38)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_expected_purchases(ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, 'NaN', 2, 30, 38)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_p_alive(ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, 2, 40, 38)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_p_alive(ROW(-0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, 2, 30, 38)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_p_alive(ROW(NULL, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, 2, 30, 38)$$);
SELECT bgnbd_p_alive(NULL, 2, 30, 38) IS NULL AS strict_null;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_bgnbd CASCADE;
RESET client_min_messages;
