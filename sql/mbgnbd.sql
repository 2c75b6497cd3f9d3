--
-- mbgnbd: the MBG/NBD model (Batislam, Denizel & Filiztekin 2007, with the
-- erratum of Wagner & Hoppe 2008; lifetimes' ModifiedBetaGeoFitter):
-- mbgnbd_fit and its scorers, clv_predict with an mbgnbd_model.
--
-- Reference values:
--  * fit on the CDNOW summary: lifetimes' test
--    (tests/test_estimation.py, test_params_out_is_close_to_BTYDplus) pins
--    r = 0.525, alpha = 6.183, a = 0.891, b = 1.614 to 3 decimals, the
--    values of the R package BTYDplus; log-likelihood -9582.1327 and the
--    standard errors from an independent maximum-likelihood fit in
--    test/models_reference_more.py (scipy, natural parameters, central
--    difference Hessian);
--  * the scorers at lifetimes' parameters: test/models_reference_more.py
--    integrates numerically over the purchase rate lambda and the dropout
--    probability p of a customer and their posterior given the history
--    (scipy dblquad), instead of the closed forms with 2F1 used here; the
--    integrals are accurate to about 1e-9, hence the tolerance 1e-8.
--
-- The data: ../shared/data (from the repository root) or $CLV_DATA_DIR;
-- the test is skipped (one line) without it.
\if `test -r "${CLV_DATA_DIR:-../shared/data}/cdnow_customers_summary.csv" && echo true || echo false`
\else
\echo skipped: cdnow_customers_summary.csv is in neither ../shared/data nor $CLV_DATA_DIR
\quit
\endif
-- every regress file shares one database: keep this file's tables in its own schema
CREATE SCHEMA test_mbgnbd;
SET search_path = test_mbgnbd, public;
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
\copy cdnow_summary FROM PROGRAM 'cat "${CLV_DATA_DIR:-../shared/data}/cdnow_customers_summary.csv"' CSV HEADER

-- lifetimes' / BTYDplus' estimates to 3 decimals, the reference log-likelihood
CREATE TABLE mbg AS SELECT mbgnbd_fit(frequency, recency, t) AS m FROM cdnow_summary;
SELECT abs((m).r - 0.525) < 0.0005 AS r_ok, abs((m).alpha - 6.183) < 0.0005 AS alpha_ok,
	   abs((m).a - 0.891) < 0.0005 AS a_ok, abs((m).b - 1.614) < 0.0005 AS b_ok,
	   abs((m).log_likelihood - (-9582.1327)) < 0.001 AS ll_ok,
	   (m).converged, (m).iterations BETWEEN 1 AND 1000 AS iterations_ok,
	   (m).time_unit IS NULL AND (m).observation_end IS NULL AS no_unit
FROM mbg;
-- standard errors: the reference's 0.0832639, 0.695597, 0.154785, 0.537471, to 3 significant digits
SELECT parameter, abs(std_error / (ARRAY[0.0832639, 0.695597, 0.154785, 0.537471])[ordinality] - 1) < 1e-3 AS se_ok
FROM mbg, clv_model_parameters(m) WITH ORDINALITY;

-- two-step use with a unit, penalizer, rollup
SELECT mbgnbd_fit(btyd_data(frequency, recency, t)) = (SELECT m FROM mbg) AS two_step_same,
	   (mbgnbd_fit(btyd_data(frequency, recency, t), 'week', '1997-09-30')).time_unit,
	   (mbgnbd_fit(btyd_data(frequency, recency, t), 'week', '1997-09-30')).observation_end = '1997-09-30' AS end_ok
FROM cdnow_summary;
SELECT mbgnbd_fit(rollup(d)) = (SELECT m FROM mbg) AS rollup_same_model
FROM (SELECT btyd_data(frequency, recency, t) AS d FROM cdnow_summary GROUP BY id % 5) x;
SELECT (m).r + (m).alpha + (m).a + (m).b < (SELECT (m).r + (m).alpha + (m).a + (m).b FROM mbg) AS shrunk
FROM (SELECT mbgnbd_fit(frequency, recency, t, 0.01) AS m FROM cdnow_summary) x;

-- parallel plan: partial aggregation gives exactly the serial model
CREATE TABLE cdnow_big AS SELECT s.* FROM cdnow_summary s, generate_series(1, 10);
ANALYZE cdnow_big;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE mbg_serial AS SELECT mbgnbd_fit(frequency, recency, t) AS m FROM cdnow_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT pg_temp.plan_has('SELECT mbgnbd_fit(frequency, recency, t) FROM cdnow_big', 'Partial Aggregate') AS partial_aggregate;
SELECT mbgnbd_fit(frequency, recency, t) = (SELECT m FROM mbg_serial) AS parallel_equals_serial FROM cdnow_big;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- P(alive) in plain SQL, 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)): below 1 for
-- every customer, also the 1411 without a repeat purchase
\set MB 'ROW(0.525, 6.183, 0.891, 1.614, NULL, NULL, NULL, NULL, NULL, NULL)::mbgnbd_model'
SELECT bool_and(abs(mbgnbd_p_alive(:MB, frequency, recency, t)
		- 1 / (1 + 0.891 / (1.614 + frequency) * ((6.183 + t) / (6.183 + recency)) ^ (0.525 + frequency))) < 1e-12) AS p_alive_ok,
	   count(*) FILTER (WHERE frequency = 0) AS one_time_buyers,
	   count(*) FILTER (WHERE frequency = 0 AND mbgnbd_p_alive(:MB, frequency, recency, t) < 1) AS below_one
FROM cdnow_summary;

-- scorers against the numerical integrals of test/models_reference_more.py
SELECT abs(mbgnbd_p_alive(:MB, 2, 30.43, 38.86) - 0.706202265118578) < 1e-8 AS a1,
	   abs(mbgnbd_p_alive(:MB, 0, 0, 38.86) - 0.389735080918763) < 1e-8 AS a2,
	   abs(mbgnbd_expected_purchases(:MB, 39, 2, 30.43, 38.86) - 1.26296062326748) < 1e-8 AS e1,
	   abs(mbgnbd_expected_purchases(:MB, 39, 0, 0, 38.86) - 0.154012746675147) < 1e-8 AS e2,
	   abs(mbgnbd_expected_purchases(:MB, 10, 10, 35, 38.86) - 1.80485028510771) < 1e-8 AS e3,
	   abs(mbgnbd_expected_purchases_new(:MB, 39) - 1.18295366559717) < 1e-8 AS new39,
	   abs(mbgnbd_expected_purchases_new(:MB, 78) - 1.80475757755314) < 1e-8 AS new78;
SELECT abs(mbgnbd_probability_purchases_new(:MB, 39, 0) - 0.582473189493289) < 1e-8 AS pn0,
	   abs(mbgnbd_probability_purchases_new(:MB, 39, 2) - 0.0868948256734905) < 1e-8 AS pn2,
	   abs(mbgnbd_probability_purchases_new(:MB, 10, 1) - 0.159021652626701) < 1e-8 AS pn1,
	   abs(mbgnbd_probability_purchases(:MB, 39, 0, 2, 30.43, 38.86) - 0.440005909177674) < 1e-8 AS pc0,
	   abs(mbgnbd_probability_purchases(:MB, 39, 2, 2, 30.43, 38.86) - 0.145973541294845) < 1e-8 AS pc2,
	   abs(mbgnbd_probability_purchases(:MB, 39, 0, 0, 0, 38.86) - 0.891170601222532) < 1e-8 AS pc0_new,
	   abs(mbgnbd_probability_purchases(:MB, 39, 1, 0, 0, 20) - 0.111056307388995) < 1e-8 AS pc1_new;
-- properties: the probabilities add up to 1 and their mean is the expectation;
-- at least one purchase = 1 - none = P(alive) (1 - ((alpha+T)/(alpha+T+t))^(r+x))
SELECT abs(sum(mbgnbd_probability_purchases(:MB, 39, n, 2, 30.43, 38.86)) - 1) < 1e-12 AS sums_to_one,
	   abs(sum(n * mbgnbd_probability_purchases(:MB, 39, n, 2, 30.43, 38.86))
		   - mbgnbd_expected_purchases(:MB, 39, 2, 30.43, 38.86)) < 1e-10 AS mean_is_expectation,
	   abs(sum(mbgnbd_probability_purchases_new(:MB, 39, n)) - 1) < 1e-12 AS new_sums_to_one,
	   abs(sum(n * mbgnbd_probability_purchases_new(:MB, 39, n)) - mbgnbd_expected_purchases_new(:MB, 39)) < 1e-10 AS new_mean
FROM generate_series(0, 400) n;
SELECT bool_and(abs(mbgnbd_probability_any_purchase(:MB, 30, frequency, recency, t)
		   - (1 - mbgnbd_probability_purchases(:MB, 30, 0, frequency, recency, t))) < 1e-12
	   AND abs(mbgnbd_probability_any_purchase(:MB, 30, frequency, recency, t)
		   - mbgnbd_p_alive(:MB, frequency, recency, t) * (1 - ((6.183 + t) / (6.183 + t + 30)) ^ (0.525 + frequency))) < 1e-12) AS any_purchase_ok
FROM cdnow_summary WHERE id % 10 = 0;

-- clv_predict with an MBG/NBD model: the month-by-month sum of the scorers in plain SQL
\set GG 'ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model'
SELECT bool_and(abs(clv_predict(:MB, :GG, frequency, recency, t, 20, 12, 0.01, 'week') - v) <= 1e-10 * abs(v)) AS predict_ok
FROM (SELECT id, frequency, recency, t,
			 gamma_gamma_expected_spend(:GG, frequency, 20)
			 * sum((mbgnbd_expected_purchases(:MB, i * 4.345, frequency, recency, t)
					- mbgnbd_expected_purchases(:MB, (i - 1) * 4.345, frequency, recency, t)) / 1.01 ^ i) AS v
	  FROM cdnow_summary, generate_series(1, 12) i WHERE id % 20 = 0 GROUP BY 1, 2, 3, 4) x;

-- errors and NULLs
SELECT pg_temp.sqlstate_of($$SELECT mbgnbd_fit(btyd_data(1::float8, 2::float8))$$);
SELECT pg_temp.sqlstate_of($$SELECT mbgnbd_fit(1, 2, 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT mbgnbd_probability_purchases(ROW(0.525, 6.183, 0.891, 1.614, NULL, NULL, NULL, NULL, NULL, NULL)::mbgnbd_model, 10, -1, 2, 30, 38)$$);
SELECT pg_temp.sqlstate_of($$SELECT mbgnbd_p_alive(ROW(0.525, 6.183, -0.891, 1.614, NULL, NULL, NULL, NULL, NULL, NULL)::mbgnbd_model, 2, 30, 38)$$);
SELECT mbgnbd_fit(frequency, recency, t) IS NULL AS empty_is_null FROM cdnow_summary WHERE false;
SELECT mbgnbd_p_alive(NULL, 2, 30, 38) IS NULL AS strict_null;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_mbgnbd CASCADE;
RESET client_min_messages;
