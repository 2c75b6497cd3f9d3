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
\copy orders FROM 'test/data/cdnow_sample_orders.csv' CSV HEADER
-- 1. per-customer summary, in weeks, as of the end of the calibration period
CREATE TABLE customer_summary AS
SELECT customer_id, (clv_rfm(ordered_at, amount, '1997-09-30', 'week')).*
FROM orders
GROUP BY customer_id;
-- 2. fit both models once and keep them
CREATE TABLE clv_models AS
SELECT bgnbd_fit(frequency, recency, t) AS purchases,
	   gamma_gamma_fit(frequency, monetary_value) AS spend
FROM customer_summary;
-- 3. score every customer: 12 months, 1 % monthly discount rate
CREATE TABLE customer_clv AS
SELECT s.customer_id,
	   bgnbd_p_alive(m.purchases, s.frequency, s.recency, s.t) AS p_alive,
	   bgnbd_expected_purchases(m.purchases, 52, s.frequency, s.recency, s.t) AS purchases_next_year,
	   clv_predict(m.purchases, m.spend, s.frequency, s.recency, s.t, s.monetary_value,
				   12, 0.01, 'week') AS clv
FROM customer_summary s CROSS JOIN clv_models m;
SELECT (purchases).converged AND (spend).converged AS both_converged,
	   abs((purchases).r - 0.243) < 0.0005 AND abs((spend).p - 6.25) < 0.01 AS published
FROM clv_models;
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

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_predict CASCADE;
RESET client_min_messages;
