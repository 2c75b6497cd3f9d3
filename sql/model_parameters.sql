--
-- model_parameters: standard errors and 95 % intervals of the parameters of
-- every model type (clv_model_parameters), from the covariance matrix the
-- fits store (the observed information at the maximum).
--
-- Reference values:
--  * BG/NBD on the CDNOW summary: lifetimes' documented summary
--    (docs/Quickstart.md, "bgf.summary"): se(coef) r 0.012557, alpha
--    0.378221, a 0.185719, b 0.705345;
--  * Pareto/NBD and Gamma-Gamma on CDNOW: test/models_reference_more.py, an
--    independent maximum-likelihood fit (scipy) with the Hessian of the
--    total log-likelihood taken by central differences in the natural
--    parameters (clv takes it over the log-parameters and transforms):
--    Pareto/NBD 0.0476285, 0.842723, 0.187274, 6.21083; Gamma-Gamma
--    1.18967, 0.290164, 4.15995.  (MBG/NBD and BG/BB: sql/mbgnbd.sql,
--    sql/bgbb.sql.)
--  * Pareto/NBD on CDNOW also against CLVTools' published standard errors
--    (tests/testthat/test_correctness_pnbd.R, correct.se: r 0.0476264,
--    alpha 0.8427222, s 0.1872594, beta 6.2105448);
--  * the intervals are checked against their definition, estimate *
--    exp(-/+ 1.959964 * std_error / estimate), in plain SQL.
--
-- The data: ../shared/data (from the repository root) or $CLV_DATA_DIR;
-- the test is skipped (one line) without it.
\if `test -r "${CLV_DATA_DIR:-../shared/data}/cdnow_customers_summary_with_transactions.csv" && echo true || echo false`
\else
\echo skipped: cdnow_customers_summary_with_transactions.csv is in neither ../shared/data nor $CLV_DATA_DIR
\quit
\endif
-- every regress file shares one database: keep this file's tables in its own schema
CREATE SCHEMA test_model_parameters;
SET search_path = test_model_parameters, public;
SET extra_float_digits = 0;

-- CRLF line ends and no final newline: read the last column as text and trim the CR
CREATE TABLE cdnow_raw (id int, x int, t_x float8, t float8, zbar text);
\copy cdnow_raw FROM PROGRAM 'cat "${CLV_DATA_DIR:-../shared/data}/cdnow_customers_summary_with_transactions.csv"' CSV HEADER
CREATE TABLE cdnow AS SELECT id, x, t_x, t, rtrim(zbar, E'\r')::float8 AS zbar FROM cdnow_raw;
CREATE TABLE models AS
SELECT bgnbd_fit(x, t_x, t) AS bg, pareto_nbd_fit(x, t_x, t) AS pn, gamma_gamma_fit(x, zbar) AS gg FROM cdnow;

-- standard errors to 3 significant digits (BG/NBD: lifetimes; the others: the reference fit)
SELECT 'bgnbd' AS model, parameter, abs(std_error / (ARRAY[0.012557, 0.378221, 0.185719, 0.705345])[ordinality] - 1) < 1e-3 AS se_ok
FROM models, clv_model_parameters(bg) WITH ORDINALITY
UNION ALL
SELECT 'pareto_nbd', parameter, abs(std_error / (ARRAY[0.0476285, 0.842723, 0.187274, 6.21083])[ordinality] - 1) < 1e-3
FROM models, clv_model_parameters(pn) WITH ORDINALITY
UNION ALL
SELECT 'pareto_nbd (CLVTools)', parameter, abs(std_error / (ARRAY[0.0476264, 0.8427222, 0.1872594, 6.2105448])[ordinality] - 1) < 1e-3
FROM models, clv_model_parameters(pn) WITH ORDINALITY
UNION ALL
SELECT 'gamma_gamma', parameter, abs(std_error / (ARRAY[1.18967, 0.290164, 4.15995])[ordinality] - 1) < 1e-3
FROM models, clv_model_parameters(gg) WITH ORDINALITY;
-- BG/NBD to 4 decimals (lifetimes prints r 0.242593, alpha 4.413532, a 0.792886, b 2.425752)
SELECT parameter, round(estimate::numeric, 4) AS estimate, round(std_error::numeric, 4) AS std_error
FROM models, clv_model_parameters(bg);

-- estimates are the model's, std_error the square root of the covariance's
-- diagonal, the interval its definition (log scale)
SELECT bool_and(estimate = (ARRAY[(bg).r, (bg).alpha, (bg).a, (bg).b])[ordinality]
			   AND std_error = sqrt((bg).covariance[ordinality][ordinality])
			   AND abs(ci_lower - estimate * exp(-1.959963984540054 * std_error / estimate)) < 1e-12 * estimate
			   AND abs(ci_upper - estimate * exp(1.959963984540054 * std_error / estimate)) < 1e-12 * estimate
			   AND ci_lower > 0 AND ci_lower < estimate AND estimate < ci_upper) AS definition_ok
FROM models, clv_model_parameters(bg) WITH ORDINALITY;
-- the covariance matrix is symmetric and positive definite (positive
-- 2x2 minors of each pair, positive variances)
SELECT bool_and((bg).covariance[i][j] = (bg).covariance[j][i]
			   AND (bg).covariance[i][i] > 0
			   AND (bg).covariance[i][i] * (bg).covariance[j][j] > (bg).covariance[i][j] ^ 2 OR i = j) AS spd_ok,
	   array_dims((bg).covariance) AS dims, array_dims((gg).covariance) AS gg_dims
FROM models, generate_series(1, 4) i, generate_series(1, 4) j GROUP BY bg, gg;
-- three copies of every customer: the same estimates, standard errors / sqrt(3)
SELECT bool_and(abs(b.std_error * sqrt(3) / a.std_error - 1) < 1e-4) AS scales_with_n
FROM models, clv_model_parameters(bg) WITH ORDINALITY a,
	 (SELECT bgnbd_fit(x, t_x, t) AS m FROM cdnow, generate_series(1, 3)) t3,
	 clv_model_parameters(t3.m) WITH ORDINALITY b
WHERE a.ordinality = b.ordinality;

-- no covariance, no standard error: a fit that did not converge, a model
-- without one (as stored by clv 0.2.0), a model built by hand
SELECT count(*) AS rows, count(std_error) AS std_errors
FROM (SELECT bgnbd_fit(0, 0, t) AS m FROM cdnow) x, clv_model_parameters(m);
SELECT (bgnbd_fit(0, 0, t)).covariance IS NULL AS no_covariance FROM cdnow;
SELECT parameter, estimate, std_error, ci_lower, ci_upper
FROM clv_model_parameters(ROW(0.243, 4.414, 0.793, 2.426, -9582.4, true, 22, NULL, NULL, NULL)::bgnbd_model);
-- a penalised fit has standard errors too (of the penalised objective, as lifetimes)
SELECT count(std_error) AS penalised_std_errors
FROM (SELECT bgnbd_fit(x, t_x, t, 0.001) AS m FROM cdnow) x, clv_model_parameters(m);
-- every model type
SELECT 'mbgnbd' AS model, count(*) FROM clv_model_parameters(ROW(0.525, 6.183, 0.891, 1.614, NULL, NULL, NULL, NULL, NULL, NULL)::mbgnbd_model)
UNION ALL SELECT 'bgbb', count(*) FROM clv_model_parameters(ROW(1.204, 0.750, 0.657, 2.783, NULL, NULL, NULL, NULL, NULL, NULL)::bgbb_model)
UNION ALL SELECT 'pareto_nbd', count(*) FROM models, clv_model_parameters(pn)
UNION ALL SELECT 'gamma_gamma', count(*) FROM models, clv_model_parameters(gg);
SELECT parameter FROM clv_model_parameters(ROW(1.204, 0.750, 0.657, 2.783, NULL, NULL, NULL, NULL, NULL, NULL)::bgbb_model);
SELECT count(*) AS null_model_rows FROM clv_model_parameters(NULL::bgnbd_model);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_model_parameters CASCADE;
RESET client_min_messages;
