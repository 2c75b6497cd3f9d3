\i test/lib/data.psql
\if :clv_no_data
\quit
\endif
--
-- predict: clv_predict, discounted expected CLV from a BG/NBD and a
-- Gamma-Gamma model (lifetimes' customer_lifetime_value convention), and
-- the three-statement workflow of the README (docs/readme/models.md).
--
-- Reference values: computed independently with mpmath (Python, 50
-- significant digits, mpmath.hyp2f1 for the BG/NBD expectation) as
--   margin * E[M] * sum_{i=1..months} (E[Y(i L)] - E[Y((i-1) L)]) / (1 + d)^i
-- with L = 4.345 weeks or 30 days; and recomputed in plain SQL from the
-- scorers below.
--
-- every regress file shares one database: keep this file's tables in its own schema
CREATE SCHEMA test_predict;
SET search_path = test_predict, public;
SET extra_float_digits = 0;
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

\set BG 'ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model'
\set GG 'ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model'
-- weekly summary, 12 months at 1 % a month; daily summary, 24 months at 2 %, 30 % margin
SELECT abs(clv_predict(:BG, :GG, 2, 30.43, 38.86, 22.35, 12, 0.01, 'week') - 36.2892111255992) < 1e-9 AS weekly_ok,
	   abs(clv_predict(:BG, :GG, 5, 200, 272, 40, 24, 0.02, 'day', 0.3) - 51.3903078886748) < 1e-9 AS daily_margin_ok;
SELECT round(clv_predict(:BG, :GG, 2, 30.43, 38.86, 22.35, 12, 0.01, 'week')::numeric, 4) AS clv;
-- the same sum in plain SQL from the scorers
SELECT abs(clv_predict(:BG, :GG, 2, 30.43, 38.86, 22.35, 36, 0.015, 'week')
		   - gamma_gamma_expected_spend(:GG, 2, 22.35)
			 * sum((bgnbd_expected_purchases(:BG, i * 4.345, 2, 30.43, 38.86)
					- bgnbd_expected_purchases(:BG, (i - 1) * 4.345, 2, 30.43, 38.86)) / 1.015 ^ i)) < 1e-9 AS plain_sql_ok
FROM generate_series(1, 36) i;
-- no discounting: spend times the expected purchases over the whole horizon
SELECT abs(clv_predict(:BG, :GG, 0, 0, 38.86, 0, 12, 0, 'week')
		   - gamma_gamma_expected_spend(:GG, 0, 0) * bgnbd_expected_purchases(:BG, 12 * 4.345, 0, 0, 38.86)) < 1e-9 AS undiscounted_ok,
	   clv_predict(:BG, :GG, 2, 30.43, 38.86, 22.35, 0, 0.01, 'week') AS zero_months,
	   abs(clv_predict(:BG, :GG, 2, 30.43, 38.86, 22.35, 12, 0.01, 'week', 0.25)
		   - 0.25 * clv_predict(:BG, :GG, 2, 30.43, 38.86, 22.35, 12, 0.01, 'week')) < 1e-12 AS margin_scales;
-- day and week summaries of the same customer give nearly the same CLV
-- (a month is 30 days = 4.2857 weeks vs 4.345 weeks, as in lifetimes)
SELECT round(clv_predict(ROW(0.243, 4.414 * 7, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, :GG, 2, 213, 272, 22.35, 12, 0.01, 'day')::numeric, 2) AS per_day,
	   round(clv_predict(:BG, :GG, 2, 213 / 7.0, 272 / 7.0, 22.35, 12, 0.01, 'week')::numeric, 2) AS per_week;

-- from orders to predicted CLV in three statements (the README example)
CREATE TABLE orders (customer_id int, ordered_at date, quantity int, amount numeric);
\copy orders FROM 'cdnow_sample_orders.csv' CSV HEADER
-- 1. per-customer summary, in weeks, as of the end of the calibration period
CREATE TABLE customer_summary AS
SELECT customer_id, (clv_rfm(ordered_at, amount, '1997-09-30', 'week')).*
FROM orders
GROUP BY customer_id;
-- 2. fit both models once and keep them; they record the unit and the observation end
CREATE TABLE clv_models AS
SELECT bgnbd_fit(btyd_data(frequency, recency, t), 'week', '1997-09-30') AS purchases,
	   gamma_gamma_fit(btyd_data(frequency, monetary_value), 'week', '1997-09-30') AS spend
FROM customer_summary;
-- 3. score every customer: 12 months, 1 % monthly discount rate (in the model's unit)
CREATE TABLE customer_clv AS
SELECT s.customer_id,
	   bgnbd_p_alive(m.purchases, s.frequency, s.recency, s.t) AS p_alive,
	   bgnbd_expected_purchases(m.purchases, 52, s.frequency, s.recency, s.t) AS purchases_next_year,
	   clv_predict(m.purchases, m.spend, s.frequency, s.recency, s.t, s.monetary_value,
				   12, 0.01) AS clv
FROM customer_summary s CROSS JOIN clv_models m;
SELECT (purchases).converged AND (spend).converged AS both_converged,
	   abs((purchases).r - 0.243) < 0.0005 AND abs((spend).p - 6.25) < 0.01 AS published,
	   (purchases).time_unit, (spend).observation_end = '1997-09-30' AS end_ok
FROM clv_models;
-- the same CLVs as the one-step fits scored with time_unit 'week' (as in 0.2.0)
SELECT bool_and(abs(c.clv - clv_predict(bgnbd_fit, gamma_gamma_fit, s.frequency, s.recency, s.t, s.monetary_value,
										12, 0.01, 'week')) <= 1e-12 * c.clv) AS same_as_explicit_week
FROM customer_clv c JOIN customer_summary s USING (customer_id),
	 (SELECT bgnbd_fit(frequency, recency, t), gamma_gamma_fit(frequency, monetary_value) FROM customer_summary) f;
SELECT count(*) AS customers, round(sum(clv)::numeric, 0) AS total_clv,
	   bool_and(clv >= 0) AS non_negative, round(avg(p_alive)::numeric, 3) AS mean_p_alive
FROM customer_clv;
SELECT customer_id, round(p_alive::numeric, 3) AS p_alive,
	   round(purchases_next_year::numeric, 2) AS purchases_next_year, round(clv::numeric, 2) AS clv
FROM customer_clv ORDER BY clv DESC, customer_id LIMIT 5;

-- NULLs and errors
SELECT clv_predict(:BG, NULL, 2, 30.43, 38.86, 22.35, 12, 0.01) IS NULL AS strict_null;
SELECT pg_temp.sqlstate_of($$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 38, 22, -1, 0.01)$$);
SELECT pg_temp.sqlstate_of($$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 38, 22, 12, -0.01)$$);
SELECT pg_temp.sqlstate_of($$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 38, 22, 12, 0.01, 'fortnight')$$);
SELECT pg_temp.sqlstate_of($$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 38, 22, 12, 0.01, 'week', 'NaN')$$);
SELECT pg_temp.sqlstate_of($$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 1, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 38, 22, 12, 0.01)$$);
SELECT pg_temp.sqlstate_of($$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model, 2, 40, 38, 22, 12, 0.01)$$);
-- extreme inputs
SELECT clv_predict(:BG, :GG, 3000, 29990, 30000, 1e6, 120, 0.01, 'day') BETWEEN 1 AND 1e15 AS busy_finite,
	   clv_predict(:BG, :GG, 3000, 20000, 30000, 1e6, 120, 0.01, 'day') BETWEEN 0 AND 1e-200 AS dead_zero;

-- the fast path (all months' series at once, one path per distinct (x, T),
-- models read once per query) equals the month-by-month sum of the scorers
-- to 1e-10 relative: BG/NBD, MBG/NBD and Pareto/NBD, over a grid of
-- customers sharing (x, T) with different t_x, days and weeks, short and
-- long horizons, z = t/(alpha+T+t) near 1, and more months than one path
-- holds (1200).  Within 1e-4 of a = 1 both interpolate between a = 1 -/+
-- 1e-4, which amplifies rounding by about 1e4 (the interpolation's own
-- accuracy is 1e-8, docs/readme/models.md): there 1e-8.
CREATE TABLE grid AS SELECT DISTINCT * FROM (
SELECT x::float8 AS x, (CASE WHEN x = 0 THEN 0 ELSE tt * f END)::float8 AS tx, tt::float8 AS t
FROM unnest(ARRAY[0, 1, 2, 7, 30, 200]) x, unnest(ARRAY[0.5, 3, 38.86, 272, 2000]) tt, unnest(ARRAY[0.2, 0.9, 1]) f) g;
CREATE TABLE purchase_models (name text, unit float8, bg bgnbd_model, mbg mbgnbd_model, pn pareto_nbd_model);
INSERT INTO purchase_models VALUES
	('weeks', 4.345, ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, 'week', NULL, NULL),
	 ROW(0.525, 6.183, 0.891, 1.614, NULL, NULL, NULL, 'week', NULL, NULL),
	 ROW(0.553, 10.578, 0.606, 11.669, NULL, NULL, NULL, 'week', NULL, NULL)),
	('days', 30, ROW(0.243, 30.898, 0.793, 2.426, NULL, NULL, NULL, 'day', NULL, NULL),
	 ROW(0.525, 43.281, 0.891, 1.614, NULL, NULL, NULL, 'day', NULL, NULL),
	 ROW(0.553, 74.046, 0.606, 81.683, NULL, NULL, NULL, 'day', NULL, NULL)),
	('a near 1, s near 1', 4.345, ROW(2, 10, 1.00003, 5, NULL, NULL, NULL, 'week', NULL, NULL),
	 ROW(2, 10, 0.99998, 5, NULL, NULL, NULL, 'week', NULL, NULL),
	 ROW(2, 10, 1.000000001, 8, NULL, NULL, NULL, 'week', NULL, NULL)),
	('a >= 1, alpha > beta', 4.345, ROW(2, 10, 3, 5, NULL, NULL, NULL, 'week', NULL, NULL),
	 ROW(2, 10, 3, 5, NULL, NULL, NULL, 'week', NULL, NULL),
	 ROW(0.5, 20, 0.8, 5, NULL, NULL, NULL, 'week', NULL, NULL));
CREATE TABLE by_month AS
SELECT name, x, tx, t, months,
	   sum((bgnbd_expected_purchases(bg, i * unit, x, tx, t) - bgnbd_expected_purchases(bg, (i - 1) * unit, x, tx, t)) / 1.01 ^ i) AS bg_sum,
	   sum((mbgnbd_expected_purchases(mbg, i * unit, x, tx, t) - mbgnbd_expected_purchases(mbg, (i - 1) * unit, x, tx, t)) / 1.01 ^ i) AS mbg_sum,
	   sum((pareto_nbd_expected_purchases(pn, i * unit, x, tx, t) - pareto_nbd_expected_purchases(pn, (i - 1) * unit, x, tx, t)) / 1.01 ^ i) AS pn_sum
FROM purchase_models, grid, unnest(ARRAY[1, 12, 120]) months, generate_series(1, months) i
GROUP BY name, x, tx, t, months;
SELECT name, count(*) AS customers,
	   max(abs(clv_predict(bg, :GG, x, tx, t, 20, months, 0.01) / gamma_gamma_expected_spend(:GG, x, 20) - bg_sum)
		   / greatest(abs(bg_sum), 1e-300)) < CASE WHEN name LIKE 'a near 1%' THEN 1e-8 ELSE 1e-10 END AS bg_same,
	   max(abs(clv_predict(mbg, :GG, x, tx, t, 20, months, 0.01) / gamma_gamma_expected_spend(:GG, x, 20) - mbg_sum)
		   / greatest(abs(mbg_sum), 1e-300)) < CASE WHEN name LIKE 'a near 1%' THEN 1e-8 ELSE 1e-10 END AS mbg_same,
	   max(abs(clv_predict(pn, :GG, x, tx, t, 20, months, 0.01) / gamma_gamma_expected_spend(:GG, x, 20) - pn_sum)
		   / greatest(abs(pn_sum), 1e-300)) < 1e-10 AS pn_same
FROM by_month JOIN purchase_models USING (name) GROUP BY name ORDER BY name;
-- 1500 months (two paths of months), undiscounted: E[Y(1500 L)] itself
SELECT abs(clv_predict(:BG, :GG, 2, 30.43, 38.86, 22.35, 1500, 0, 'week')
		   - gamma_gamma_expected_spend(:GG, 2, 22.35) * bgnbd_expected_purchases(:BG, 1500 * 4.345, 2, 30.43, 38.86))
	   < 1e-10 * clv_predict(:BG, :GG, 2, 30.43, 38.86, 22.35, 1500, 0, 'week') AS many_months;
-- models that change from row to row (the per-query state is rebuilt)
SELECT bool_and(abs(clv_predict(bg, :GG, 2, tx, t, 22.35, 12, 0.01)
					- gamma_gamma_expected_spend(:GG, 2, 22.35) * bg_sum)
				<= 1e-10 * gamma_gamma_expected_spend(:GG, 2, 22.35) * bg_sum) AS changing_models
FROM generate_series(1, 8) i,
	 LATERAL (SELECT bg, tx, t, bg_sum FROM purchase_models JOIN by_month USING (name)
			  WHERE name = CASE WHEN i % 2 = 0 THEN 'weeks' ELSE 'days' END
				AND x = 2 AND t = 38.86 AND months = 12) y;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_predict CASCADE;
RESET client_min_messages;
