--
-- bgbb: the BG/BB model of discrete transaction opportunities (Fader,
-- Hardie & Shang 2010, "Customer-Base Analysis in a Discrete-Time
-- Noncontractual Setting", Marketing Science 29(6)): bgbb_fit and its
-- scorers, on the donations data of the paper (11,104 first-time donors of
-- 1995, 6 yearly opportunities 1996-2001).
--
-- Reference values:
--  * the published estimates alpha 1.204, beta 0.750, gamma 0.657, delta
--    2.783, log-likelihood -33225.6 (the paper; the data set's README);
--  * the paper's table 6, P(alive in 2002) 0.11 (x = 0), 0.59 (x = 2, t_x =
--    4), 0.93 (x = t_x = 6), to 2 decimals (lifetimes'
--    test_prob_alive_is_close_to_Hardie_paper_table_6);
--  * Hardie's spreadsheet (brucehardie.com note 010, as cited by lifetimes'
--    tests): 12884.2 expected donations in 2002-2006 over all donors, and
--    3454.9 (x = 0) and 1253.1 (x = 6) donors expected at each repeat count
--    in 1996-2001;
--  * standard errors and the scorers at the published parameters from
--    test/models_reference_more.py (an independent maximum-likelihood fit;
--    integrals over the transaction and dropout probabilities p and theta,
--    scipy dblquad).
--
-- The data: ../shared/data (from the repository root) or $CLV_DATA_DIR;
-- the test is skipped (one line) without it.
\if `test -r "${CLV_DATA_DIR:-../shared/data}/donations.csv" && echo true || echo false`
\else
\echo skipped: donations.csv is in neither ../shared/data nor $CLV_DATA_DIR
\quit
\endif
-- every regress file shares one database: keep this file's tables in its own schema
CREATE SCHEMA test_bgbb;
SET search_path = test_bgbb, public;
SET extra_float_digits = 0;
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE donations (frequency int, recency int, periods int, weights int);
\copy donations FROM PROGRAM 'cat "${CLV_DATA_DIR:-../shared/data}/donations.csv"' CSV HEADER
SELECT count(*) AS patterns, sum(weights) AS donors FROM donations;

-- the published estimates
CREATE TABLE bb AS SELECT bgbb_fit(frequency, recency, periods, weights) AS m FROM donations;
SELECT abs((m).alpha - 1.204) < 0.0005 AS alpha_ok, abs((m).beta - 0.750) < 0.0005 AS beta_ok,
	   abs((m).gamma - 0.657) < 0.0005 AS gamma_ok, abs((m).delta - 2.783) < 0.0005 AS delta_ok,
	   abs((m).log_likelihood - (-33225.6)) < 0.05 AS ll_ok,
	   (m).converged, (m).iterations BETWEEN 1 AND 1000 AS iterations_ok
FROM bb;
-- standard errors: the reference's 0.0693911, 0.0294476, 0.0510094, 0.320816, to 3 significant digits
SELECT parameter, abs(std_error / (ARRAY[0.0693911, 0.0294476, 0.0510094, 0.320816])[ordinality] - 1) < 1e-3 AS se_ok
FROM bb, clv_model_parameters(m) WITH ORDINALITY;
-- one row per donor, the two-step form with a unit, and rollup give the same model
SELECT bgbb_fit(frequency, recency, periods) = (SELECT m FROM bb) AS one_row_per_donor
FROM donations, generate_series(1, weights);
SELECT bgbb_fit(btyd_data(frequency, recency, periods, weights)) = (SELECT m FROM bb) AS two_step_same,
	   (bgbb_fit(btyd_data(frequency, recency, periods, weights), 'year', '2001-12-31')).time_unit
FROM donations;
SELECT bgbb_fit(rollup(d)) = (SELECT m FROM bb) AS rollup_same_model
FROM (SELECT btyd_data(frequency, recency, periods, weights) AS d FROM donations GROUP BY frequency % 3) x;

-- the paper's table 6 and Hardie's spreadsheet at the fitted model
SELECT frequency, recency, abs(bgbb_p_alive(m, frequency, recency, periods) - published) < 0.005 AS table_6_ok
FROM donations, bb, (VALUES (0, 0, 0.11), (2, 4, 0.59), (6, 6, 0.93)) v(f, r, published)
WHERE frequency = f AND recency = r ORDER BY 1;
SELECT abs(sum(weights * bgbb_expected_purchases(m, 5, frequency, recency, periods)) - 12884.2) < 0.1 AS expected_2002_2006_ok
FROM donations, bb;
SELECT x, abs(11104 * bgbb_probability_purchases_new(m, 6, x) - published) < 0.1 AS in_sample_ok
FROM bb, (VALUES (0, 3454.9), (6, 1253.1)) v(x, published) ORDER BY 1;

-- scorers at the published parameters against the integrals of test/models_reference_more.py
\set BB 'ROW(1.204, 0.750, 0.657, 2.783, NULL, NULL, NULL, NULL, NULL, NULL)::bgbb_model'
SELECT frequency, recency,
	   abs(bgbb_p_alive(:BB, frequency, recency, 6) - a1) < 1e-9 AS p_alive_next,
	   abs(bgbb_p_alive(:BB, frequency, recency, 6, 3) - a3) < 1e-9 AS p_alive_3_ahead,
	   abs(bgbb_expected_purchases(:BB, 5, frequency, recency, 6) - e5) < 1e-9 AS expected_5
FROM (VALUES (0, 0, 0.108016584168674, 0.0954059751814349, 0.072802877475043),
			 (2, 4, 0.5895141164337, 0.520690129154171, 1.05734894190969),
			 (6, 6, 0.930402542372881, 0.821780864017677, 3.75211560759981),
			 (3, 3, 0.0949727893812489, 0.0838850039218967, 0.223508230048603),
			 (1, 1, 0.0694080932065497, 0.0613049085825029, 0.0856353983378703)) v(frequency, recency, a1, a3, e5)
ORDER BY 1, 2;
SELECT n, x, abs(bgbb_probability_purchases_new(:BB, n, x) - p) < 1e-9 AS pmf_ok,
	   abs(bgbb_expected_purchases_new(:BB, n) - e) < 1e-9 AS expected_ok
FROM (VALUES (6, 0, 0.31121774326385, 2.2196313934873), (6, 6, 0.112787648207747, 2.2196313934873),
			 (6, 2, 0.121480513766871, 2.2196313934873), (10, 3, 0.0759739378920654, 3.17885432649229)) v(n, x, p, e)
ORDER BY 1, 2;
-- properties: probabilities over x add up to 1, and their mean is E[X(n)];
-- P(alive) decreases with the horizon
SELECT abs(sum(bgbb_probability_purchases_new(:BB, 10, x)) - 1) < 1e-12 AS sums_to_one,
	   abs(sum(x * bgbb_probability_purchases_new(:BB, 10, x)) - bgbb_expected_purchases_new(:BB, 10)) < 1e-12 AS mean_ok
FROM generate_series(0, 10) x;
SELECT bool_and(bgbb_p_alive(:BB, 2, 4, 6, h) > bgbb_p_alive(:BB, 2, 4, 6, h + 1)) AS decreasing
FROM generate_series(0, 20) h;

-- errors and NULLs
SELECT pg_temp.sqlstate_of($$SELECT bgbb_fit(3, 2, 6)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgbb_fit(0, 1, 6)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgbb_fit(1, 1.5, 6)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgbb_fit(1, 1, 6, -2)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgbb_fit(btyd_data(1::float8, 2::float8))$$);
SELECT pg_temp.sqlstate_of($$SELECT bgbb_expected_purchases(ROW(1.204, 0.750, 0.657, 2.783, NULL, NULL, NULL, NULL, NULL, NULL)::bgbb_model, 5, 2, 7, 6)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgbb_expected_purchases_new(ROW(1.204, 0.750, 0.657, 2.783, NULL, NULL, NULL, NULL, NULL, NULL)::bgbb_model, -1)$$);
SELECT bgbb_fit(frequency, recency, periods) IS NULL AS empty_is_null FROM donations WHERE false;
SELECT (bgbb_fit(0, 0, periods, weights)).converged AS no_repeat_converged FROM donations;
SELECT bgbb_p_alive(NULL, 2, 4, 6) IS NULL AS strict_null;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_bgbb CASCADE;
RESET client_min_messages;
