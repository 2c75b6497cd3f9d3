\i test/lib/data.psql
\if :clv_no_data
\quit
\endif
--
-- pareto_nbd: the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987)
-- in Fader & Hardie's formulation ("A Note on Deriving the Pareto/NBD Model
-- and Related Expressions", 2005): pareto_nbd_fit and the scorers
-- pareto_nbd_p_alive, pareto_nbd_expected_purchases,
-- pareto_nbd_expected_purchases_new.
--
-- Reference values:
--  * fit on the CDNOW summary: published r = 0.553, alpha = 10.578,
--    s = 0.606, beta = 11.669, LL = -9595.0 (Fader, Hardie & Lee 2005).  The
--    likelihood surface is flat along a ridge, so optimizers agree on the
--    parameters only to about 1e-3 relative: the test compares the LL to
--    0.05 and the parameters to 0.2 % relative.
--  * P(alive) and expectations computed independently with mpmath (Python,
--    50 significant digits, mpmath.hyp2f1) from the note's expressions at
--    the parameters shown; at alpha = beta the hypergeometric function is
--    1 and P(alive) has a closed form, recomputed in plain SQL below.
--
-- every regress file shares one database: keep this file's tables in its own schema
CREATE SCHEMA test_pareto_nbd;
SET search_path = test_pareto_nbd, public;
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

CREATE TABLE pn AS SELECT pareto_nbd_fit(frequency, recency, t) AS m FROM cdnow_summary;
SELECT abs((m).log_likelihood - (-9595.0)) < 0.05 AS ll_ok,
	   abs((m).r / 0.553 - 1) < 0.002 AS r_ok,
	   abs((m).alpha / 10.578 - 1) < 0.002 AS alpha_ok,
	   abs((m).s / 0.606 - 1) < 0.002 AS s_ok,
	   abs((m).beta / 11.669 - 1) < 0.002 AS beta_ok,
	   (m).converged, (m).iterations BETWEEN 1 AND 1000 AS iterations_ok
FROM pn;
SELECT round((m).r::numeric, 3) AS r, round((m).alpha::numeric, 2) AS alpha,
	   round((m).s::numeric, 3) AS s, round((m).beta::numeric, 2) AS beta,
	   round((m).log_likelihood::numeric, 1) AS log_likelihood
FROM pn;
-- the fit does not depend on how the input was split or ordered
SELECT pareto_nbd_fit(rollup(d)) = (SELECT m FROM pn) AS rollup_same_model
FROM (SELECT btyd_data(frequency, recency, t) AS d FROM cdnow_summary GROUP BY id % 7) x;
-- a penalizer shrinks the parameters
SELECT (m).r < (SELECT (m).r FROM pn) AND (m).beta < (SELECT (m).beta FROM pn) AS shrunk
FROM (SELECT pareto_nbd_fit(frequency, recency, t, 0.01) AS m FROM cdnow_summary) x;

-- parallel plan: partial aggregation gives exactly the serial model
CREATE TABLE cdnow_big AS SELECT s.* FROM cdnow_summary s, generate_series(1, 10);
ANALYZE cdnow_big;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE pn_serial AS SELECT pareto_nbd_fit(frequency, recency, t) AS m FROM cdnow_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT pg_temp.plan_has('SELECT pareto_nbd_fit(frequency, recency, t) FROM cdnow_big', 'Partial Aggregate') AS partial_aggregate;
SELECT pareto_nbd_fit(frequency, recency, t) = (SELECT m FROM pn_serial) AS parallel_equals_serial FROM cdnow_big;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- empty input, NULLs
SELECT pareto_nbd_fit(frequency, recency, t) IS NULL AS empty_is_null FROM cdnow_summary WHERE false;
SELECT pareto_nbd_fit(f, r, t) IS NULL AS all_null_is_null FROM (VALUES (1::float8, NULL::float8, 2::float8)) v(f, r, t);
SELECT pareto_nbd_p_alive(NULL, 1, 1, 2) IS NULL AS strict_null;

-- scorers against mpmath (see banner): alpha < beta and alpha > beta
\set P1 'ROW(0.553, 10.578, 0.606, 11.669, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model'
\set P2 'ROW(0.5, 5, 0.8, 20, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model'
\set P3 'ROW(0.5, 0.001, 0.8, 50, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model'
SELECT abs(pareto_nbd_p_alive(:P1, 2, 30.43, 38.86) - 0.869167559153011) < 1e-10 AS a1,
	   abs(pareto_nbd_p_alive(:P1, 0, 0, 38.86) - 0.295286604616894) < 1e-10 AS a2,
	   abs(pareto_nbd_p_alive(:P1, 10, 35, 38.86) - 0.92733208833942) < 1e-10 AS a3,
	   pareto_nbd_p_alive(:P1, 1, 38.86, 38.86) = 1 AS a4,
	   abs(pareto_nbd_expected_purchases(:P1, 39, 2, 30.43, 38.86) - 1.4551231932576) < 1e-10 AS e1,
	   abs(pareto_nbd_expected_purchases(:P1, 39, 0, 0, 38.86) - 0.107081468215309) < 1e-10 AS e2,
	   abs(pareto_nbd_expected_purchases(:P1, 39, 10, 35, 38.86) - 6.41736388522039) < 1e-9 AS e3,
	   abs(pareto_nbd_expected_purchases(:P1, 39, 1, 38.86, 38.86) - 1.01839649420159) < 1e-10 AS e4,
	   abs(pareto_nbd_expected_purchases_new(:P1, 39) - 1.21300284428102) < 1e-10 AS new39;
SELECT abs(pareto_nbd_p_alive(:P2, 2, 30.43, 38.86) - 0.851479179222455) < 1e-10 AS a1,
	   abs(pareto_nbd_p_alive(:P2, 0, 0, 38.86) - 0.292101823828816) < 1e-10 AS a2,
	   abs(pareto_nbd_p_alive(:P2, 10, 35, 38.86) - 0.913879767473037) < 1e-10 AS a3,
	   abs(pareto_nbd_expected_purchases(:P2, 39, 2, 30.43, 38.86) - 1.52867929288775) < 1e-10 AS e1,
	   abs(pareto_nbd_expected_purchases(:P2, 39, 0, 0, 38.86) - 0.104883365418193) < 1e-10 AS e2,
	   abs(pareto_nbd_expected_purchases(:P2, 39, 10, 35, 38.86) - 6.89097545239272) < 1e-9 AS e3,
	   abs(pareto_nbd_expected_purchases_new(:P2, 39) - 2.4155054014013) < 1e-10 AS new39,
	   abs(pareto_nbd_p_alive(:P3, 2, 0.01, 38.86) - 7.26055665268843e-6) < 1e-15 AS z_near_1;
-- alpha = beta: A0 = (alpha+t_x)^-(r+s+x) - (alpha+T)^-(r+s+x), P(alive) in plain SQL
SELECT bool_and(abs(pareto_nbd_p_alive(ROW(0.7, 9, 1.3, 9, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model, frequency, recency, t)
		- 1 / (1 + 1.3 / (0.7 + 1.3 + frequency) * (9 + t) ^ (0.7 + frequency) * (9 + t) ^ 1.3
				   * ((9 + recency) ^ (-(0.7 + 1.3 + frequency)) - (9 + t) ^ (-(0.7 + 1.3 + frequency))))) < 1e-9) AS closed_form_ok
FROM cdnow_summary;
-- s = 1: the limit log((beta+T+t)/(beta+T)) of the horizon factor, times (r+x)(beta+T)/(alpha+T) P(alive)
SELECT abs(pareto_nbd_expected_purchases(ROW(0.7, 9, 1, 9, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model, 39, 0, 0, 38.86)
		   - 0.7 * (9 + 38.86) / (9 + 38.86) * ln((9 + 38.86 + 39) / (9 + 38.86))
			 * pareto_nbd_p_alive(ROW(0.7, 9, 1, 9, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model, 0, 0, 38.86)) < 1e-12 AS s_one_ok,
	   abs(pareto_nbd_expected_purchases_new(ROW(0.7, 9, 1, 9, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model, 39)
		   - 0.7 * 9 / 9 * ln((9 + 39) / 9.0)) < 1e-12 AS s_one_new_ok;
-- scoring the fitted model over the CDNOW customers
SELECT round(sum(pareto_nbd_expected_purchases(m, 39, frequency, recency, t))::numeric, 0) AS expected_holdout_purchases,
	   bool_and(pareto_nbd_p_alive(m, frequency, recency, t) BETWEEN 0 AND 1) AS p_alive_in_range
FROM cdnow_summary, pn;

-- extreme inputs: no NaN, infinity or crash
SELECT pareto_nbd_p_alive(:P1, 3000, 20000, 30000) BETWEEN 0 AND 1e-300 AS dead_p_alive,
	   pareto_nbd_expected_purchases(:P1, 39, 3000, 20000, 30000) BETWEEN 0 AND 1e-300 AS dead_expected,
	   pareto_nbd_expected_purchases(:P1, 1e6, 3000, 29990, 30000) BETWEEN 1 AND 1e9 AS busy,
	   pareto_nbd_expected_purchases_new(:P1, 1e7) BETWEEN 1 AND 1e9 AS long_new;
SELECT (m).r::text NOT IN ('NaN', 'Infinity') AND (m).alpha::text NOT IN ('NaN', 'Infinity')
	   AND (m).s::text NOT IN ('NaN', 'Infinity') AND (m).beta::text NOT IN ('NaN', 'Infinity')
	   AND (m).log_likelihood::text NOT IN ('NaN', '-Infinity') AS finite
FROM (SELECT pareto_nbd_fit(f, r, t) AS m
	  FROM (VALUES (5000, 29000, 30000), (3000, 10000, 30000), (0, 0, 25000), (10, 100, 20000), (1, 5, 10)) v(f, r, t)) x;
SELECT (m).converged, (m).log_likelihood::text NOT IN ('NaN', '-Infinity') AS finite_ll
FROM (SELECT pareto_nbd_fit(0, 0, t) AS m FROM cdnow_summary) x;
SELECT (m).converged, (m).r::text NOT IN ('NaN', 'Infinity') AND (m).beta::text NOT IN ('NaN', 'Infinity') AS finite
FROM (SELECT pareto_nbd_fit(2, 30.43, 38.86) AS m) x;

-- errors
SELECT pg_temp.sqlstate_of($$SELECT pareto_nbd_fit(-1, 0, 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT pareto_nbd_fit(btyd_data(1::float8, 2::float8))$$);
SELECT pg_temp.sqlstate_of($$SELECT pareto_nbd_p_alive(ROW(0.553, 10.578, 0.606, 11.669, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model, 'NaN', 0, 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT pareto_nbd_expected_purchases(ROW(0.553, 10.578, 0.606, 11.669, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model, -39, 1, 1, 2)$$);
SELECT pg_temp.sqlstate_of($$SELECT pareto_nbd_expected_purchases_new(ROW(0.553, 0, 0.606, 11.669, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model, 39)$$);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_pareto_nbd CASCADE;
RESET client_min_messages;
