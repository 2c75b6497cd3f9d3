--
-- predictions: clv_predictions and clv_prediction_models, the one-query
-- prediction from raw orders (sql/install/45_predictions.sql).
--
-- What is checked:
--  * every row and column of clv_predictions equals, exactly (IS NOT
--    DISTINCT FROM on the float8 values), the step-by-step path of the
--    README written out here: clv_rfm GROUP BY customer, the fits over
--    btyd_data, the scorers and clv_predict; for BG/NBD (the default),
--    MBG/NBD and Pareto/NBD, daily and weekly units, and non-default
--    months, discount rate and margin; on the synthetic shop
--    (test/shop/shop.sql, refunds and guest orders included) and on CDNOW;
--  * clv_prediction_models equals the fields of the step-by-step models;
--  * on CDNOW, the weekly summaries equal lifetimes' published summary
--    (cdnow_customers_summary_with_transactions.csv, independent of clv)
--    and the weekly BG/NBD and Gamma-Gamma parameters the published ones
--    (Fader, Hardie & Lee 2005: r = 0.243, alpha = 4.414, a = 0.793,
--    b = 2.426; p = 6.25, q = 3.74, v = 15.44);
--  * a weekly model needs no unit to be scored right (clv_predict takes
--    the model's unit);
--  * NULL arguments, bad model names and bad queries.
--
-- every regress file shares one database: keep this file's tables in its own schema
CREATE SCHEMA test_predictions;
SET search_path = test_predictions, public;
SET extra_float_digits = 0;
SET TimeZone = 'UTC';
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- the step-by-step path of the README, three statements, for a table of
-- orders (customer_id, ordered_at, amount), a purchase model family, a
-- unit and the scoring arguments: the rows clv_predictions must return.
-- The horizon of expected_purchases is months * 30 days or months * 4.345
-- weeks (clv_predict's month, as lifetimes').
CREATE FUNCTION step_by_step(orders text, obs timestamptz, months int, rate float8,
							 margin float8, unit text, family text)
	RETURNS TABLE(customer_id text, frequency integer, recency float8, t float8,
				  monetary_value numeric, p_alive float8, expected_purchases float8,
				  expected_spend float8, clv float8)
	LANGUAGE plpgsql AS $$
DECLARE
	month_length float8 := CASE unit WHEN 'day' THEN 30 WHEN 'week' THEN 4.345 END;
BEGIN
	DROP TABLE IF EXISTS sbs_summary, sbs_models;
	-- 1. per-customer summary
	EXECUTE format('CREATE TEMP TABLE sbs_summary AS
		SELECT customer_id::text AS customer_id, (clv_rfm(ordered_at, amount, %L, %L)).*
		FROM %s WHERE customer_id IS NOT NULL GROUP BY customer_id', obs, unit, orders);
	DELETE FROM sbs_summary s WHERE s.frequency IS NULL;
	-- 2. the two models
	EXECUTE format('CREATE TEMP TABLE sbs_models AS
		SELECT %s_fit(btyd_data(frequency, recency, t), %L, %L) AS purchases,
			   gamma_gamma_fit(btyd_data(frequency, monetary_value), %L, %L) AS spend
		FROM sbs_summary', family, unit, obs, unit, obs);
	-- 3. scores
	RETURN QUERY EXECUTE format('
		SELECT s.customer_id, s.frequency, s.recency, s.t, s.monetary_value,
			   %1$s_p_alive(m.purchases, s.frequency, s.recency, s.t),
			   %1$s_expected_purchases(m.purchases, $1 * $2, s.frequency, s.recency, s.t),
			   gamma_gamma_expected_spend(m.spend, s.frequency, s.monetary_value),
			   clv_predict(m.purchases, m.spend, s.frequency, s.recency, s.t, s.monetary_value,
						   $1, $3, margin => $4)
		FROM sbs_summary s CROSS JOIN sbs_models m', family)
		USING months, month_length, rate, margin;
END $$;

-- rows of clv_predictions that differ from the step-by-step path (none)
-- and the number of customers
CREATE FUNCTION differences(orders text, obs timestamptz, months int, rate float8,
							margin float8, unit text, family text)
	RETURNS TABLE(customers bigint, different bigint) LANGUAGE sql AS $$
	SELECT count(*) FILTER (WHERE a.customer_id IS NOT NULL AND b.customer_id IS NOT NULL),
		   count(*) FILTER (WHERE a IS DISTINCT FROM b)
	FROM step_by_step(orders, obs, months, rate, margin, unit, family) AS a
	FULL JOIN clv_predictions('SELECT customer_id, ordered_at, amount FROM ' || orders, obs,
							  months, rate, margin, unit, family) AS b
	  ON a.customer_id = b.customer_id
$$;

-- the synthetic shop: 3,000 customers, refunds and guest orders included
\set ECHO none
\i test/shop/shop.sql
\set ECHO all
SELECT count(*) AS shop_tables FROM shop.generate(3000, seed => 5);
SELECT d.*, d.customers = (SELECT count(DISTINCT customer_id) FROM shop.orders
						   WHERE customer_id IS NOT NULL AND ordered_at::date <= '2023-06-30') AS all_customers
FROM (VALUES ('bgnbd', 'day'), ('bgnbd', 'week'), ('mbgnbd', 'day'), ('pareto_nbd', 'week')) AS c(family, unit),
	 differences('shop.orders', '2023-06-30', 12, 0.01, 1, c.unit, c.family) AS d;
-- other months, rate and margin
SELECT * FROM differences('shop.orders', '2023-06-30', 24, 0.02, 0.3, 'week', 'pareto_nbd');
-- the defaults are lifetimes' customer_lifetime_value: 12 months, 1 %, daily summaries, margin 1, BG/NBD
SELECT count(*) AS customers,
	   count(*) FILTER (WHERE a IS DISTINCT FROM b) AS different
FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM shop.orders', '2023-06-30') AS a
JOIN step_by_step('shop.orders', '2023-06-30', 12, 0.01, 1, 'day', 'bgnbd') AS b USING (customer_id);
-- the model report equals the step-by-step models, field by field
SELECT count(*) AS customers FROM step_by_step('shop.orders', '2023-06-30', 12, 0.01, 1, 'week', 'pareto_nbd');
SELECT r.purchase_model, r.unit, r.observed_until,
	   r.customers = (SELECT count(*) FROM sbs_summary) AS customers_ok,
	   r.spend_customers = (SELECT count(*) FROM sbs_summary s WHERE s.frequency > 0 AND s.monetary_value > 0) AS spend_customers_ok,
	   (r.r, r.alpha, r.s, r.beta, r.log_likelihood, r.converged, r.iterations)
		 IS NOT DISTINCT FROM ((m.purchases).r, (m.purchases).alpha, (m.purchases).s, (m.purchases).beta,
							   (m.purchases).log_likelihood, (m.purchases).converged, (m.purchases).iterations) AS purchase_model_ok,
	   r.a IS NULL AND r.b IS NULL AS no_a_b,
	   (r.p, r.q, r.v, r.spend_log_likelihood, r.spend_converged, r.spend_iterations)
		 IS NOT DISTINCT FROM ((m.spend).p, (m.spend).q, (m.spend).v, (m.spend).log_likelihood,
							   (m.spend).converged, (m.spend).iterations) AS spend_model_ok
FROM clv_prediction_models('SELECT customer_id, ordered_at, amount FROM shop.orders', '2023-06-30',
						   'week', 'pareto_nbd') AS r, sbs_models AS m;
SELECT count(*) AS customers FROM step_by_step('shop.orders', '2023-06-30', 12, 0.01, 1, 'day', 'bgnbd');
SELECT r.purchase_model, r.unit,
	   (r.r, r.alpha, r.a, r.b, r.log_likelihood) IS NOT DISTINCT FROM
		 ((m.purchases).r, (m.purchases).alpha, (m.purchases).a, (m.purchases).b, (m.purchases).log_likelihood)
	   AND r.s IS NULL AND r.beta IS NULL AS bgnbd_params_ok
FROM clv_prediction_models('SELECT customer_id, ordered_at, amount FROM shop.orders', '2023-06-30') AS r,
	 sbs_models AS m;

-- a weekly model needs no unit: clv_predict takes the model's, and the
-- weekly and daily CLVs of a customer are close (a month is 30 days =
-- 4.2857 weeks vs 4.345 weeks)
SELECT count(*) AS customers FROM step_by_step('shop.orders', '2023-06-30', 12, 0.01, 1, 'week', 'bgnbd');
SELECT count(*) AS customers,
	   bool_and(abs(w.clv - clv_predict(m.purchases, m.spend, w.frequency, w.recency, w.t,
										 w.monetary_value, 12, 0.01, 'week'))
				<= 1e-12 * greatest(w.clv, 1e-300)) AS weekly_without_unit_ok,
	   pg_temp.sqlstate_of($q$SELECT clv_predict(purchases, spend, 1, 1, 2, 10, 12, 0.01, 'day')
							 FROM sbs_models$q$) AS conflicting_unit
FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM shop.orders', '2023-06-30',
					 time_unit => 'week') AS w,
	 sbs_models AS m;
SELECT round(sum(w.clv)::numeric / sum(d.clv)::numeric, 2) AS week_over_day_total
FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM shop.orders', '2023-06-30', time_unit => 'week') w
JOIN clv_predictions('SELECT customer_id, ordered_at, amount FROM shop.orders', '2023-06-30') d USING (customer_id);

-- a horizon in time units (a holdout period that is not whole months):
-- expected_purchases over it, the rest unchanged
CREATE TEMP TABLE sbs_rows AS SELECT * FROM step_by_step('shop.orders', '2023-06-30', 12, 0.01, 1, 'week', 'bgnbd');
SELECT count(*) AS customers,
	   count(*) FILTER (WHERE h.expected_purchases IS NOT DISTINCT FROM
							  bgnbd_expected_purchases(m.purchases, 26, h.frequency, h.recency, h.t)) AS over_26_weeks,
	   count(*) FILTER (WHERE (h.p_alive, h.expected_spend, h.clv) IS NOT DISTINCT FROM (r.p_alive, r.expected_spend, r.clv)) AS rest_unchanged
FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM shop.orders', '2023-06-30',
					 time_unit => 'week', horizon => 26) AS h
JOIN sbs_rows r USING (customer_id), sbs_models m;
SELECT count(*) AS null_horizon_rows
FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM shop.orders', '2023-06-30', horizon => NULL);

-- NULLs, guest rows, customers after observation_end
CREATE TABLE tiny (customer_id text, ordered_at date, amount numeric);
INSERT INTO tiny VALUES ('a', '2024-01-01', 10), ('a', '2024-01-05', 20), ('b', '2024-01-02', 5),
	(NULL, '2024-01-03', 7), ('c', NULL, 3), ('c', '2024-01-04', NULL), ('d', '2024-03-01', 9);
SELECT customer_id, frequency, recency, t, monetary_value
FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM tiny', '2024-01-31') ORDER BY customer_id;
SELECT count(*) AS null_rows FROM clv_predictions(NULL, '2024-01-31');
SELECT count(*) AS null_rows FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM tiny', NULL);
SELECT count(*) AS no_customers FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM tiny', '2023-01-01');
SELECT count(*) AS no_model_row FROM clv_prediction_models('SELECT customer_id, ordered_at, amount FROM tiny', '2023-01-01');
-- errors
SELECT pg_temp.sqlstate_of($$SELECT * FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM tiny', '2024-01-31', model => 'pnbd')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM clv_prediction_models('SELECT customer_id, ordered_at, amount FROM tiny', '2024-01-31', model => 'gamma_gamma')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM clv_predictions('SELECT customer_id, ordered_at FROM tiny', '2024-01-31')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM tiny', '2024-01-31', time_unit => 'fortnight')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM tiny', '2024-01-31', months => -1)$$);
-- the caller's search_path cannot redirect the functions it calls
CREATE FUNCTION test_predictions.clv_rfm(date, numeric, timestamptz, text) RETURNS rfm_summary
	LANGUAGE sql AS $$ SELECT NULL::rfm_summary $$;
SELECT count(*) AS customers_despite_decoy
FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM tiny', '2024-01-31');
DROP FUNCTION test_predictions.clv_rfm(date, numeric, timestamptz, text);

-- CDNOW (../shared/data, skipped without it)
\i test/lib/data.psql
\if :clv_no_data
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_predictions CASCADE;
DROP SCHEMA shop CASCADE;
RESET client_min_messages;
\quit
\endif
CREATE TABLE orders (customer_id int, ordered_at date, quantity int, amount numeric);
\copy orders FROM 'cdnow_sample_orders.csv' CSV HEADER
CREATE TABLE cdnow_monetary_raw (id int, x int, t_x float8, t float8, zbar text);
\copy cdnow_monetary_raw FROM 'cdnow_customers_summary_with_transactions.csv' CSV HEADER
\cd :clv_root
-- the issue's done-when query equals the step-by-step path
SELECT count(*) AS customers, count(*) FILTER (WHERE a IS DISTINCT FROM b) AS different
FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM orders', '1997-09-30') AS a
FULL JOIN step_by_step('orders', '1997-09-30', 12, 0.01, 1, 'day', 'bgnbd') AS b USING (customer_id);
SELECT d.* FROM (VALUES ('bgnbd', 'week'), ('mbgnbd', 'week'), ('pareto_nbd', 'day')) AS c(family, unit),
	 differences('orders', '1997-09-30', 12, 0.01, 1, c.unit, c.family) AS d;
-- weekly summaries equal lifetimes' (to the file's 2 decimals) and the fits the published ones
SELECT count(*) AS customers,
	   count(*) FILTER (WHERE p.frequency = m.x AND abs(p.recency - m.t_x) < 0.005 AND abs(p.t - m.t) < 0.005
						AND abs(p.monetary_value - rtrim(m.zbar, E'\r')::numeric) <= 0.005) AS same_as_lifetimes
FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM orders', '1997-09-30', time_unit => 'week') AS p
FULL JOIN cdnow_monetary_raw m ON m.id::text = p.customer_id;
SELECT purchase_model, unit, observed_until, customers, spend_customers,
	   abs(r - 0.243) < 0.0005 AND abs(alpha - 4.414) < 0.0005 AND abs(a - 0.793) < 0.0005
	   AND abs(b - 2.426) < 0.0005 AS bgnbd_published,
	   abs(p - 6.25) < 0.01 AND abs(q - 3.74) < 0.01 AND abs(v - 15.44) < 0.01 AS gamma_gamma_published,
	   converged AND spend_converged AS converged
FROM clv_prediction_models('SELECT customer_id, ordered_at, amount FROM orders', '1997-09-30', 'week');
-- the one-pass fit inputs (btyd_data over orders) give the same fits as text
SELECT bgnbd_fit(o.d)::text = bgnbd_fit(p.purchases, 'week', '1997-09-30')::text AS bgnbd_same,
	   pareto_nbd_fit(o.d)::text = pareto_nbd_fit(p.purchases, 'week', '1997-09-30')::text AS pareto_nbd_same,
	   gamma_gamma_fit(o.d)::text = gamma_gamma_fit(p.spend, 'week', '1997-09-30')::text AS gamma_gamma_same
FROM (SELECT btyd_data(customer_id, ordered_at, amount, '1997-09-30', 'week') AS d FROM orders) o,
	 (SELECT btyd_data(frequency, recency, t) AS purchases, btyd_data(frequency, monetary_value) AS spend
	  FROM (SELECT (clv_rfm(ordered_at, amount, '1997-09-30', 'week')).* FROM orders GROUP BY customer_id) s) p;
SELECT (bgnbd_fit(d)).time_unit, round((bgnbd_fit(d)).r::numeric, 3) AS r,
       round((gamma_gamma_fit(d)).p::numeric, 2) AS p, btyd_data_customers(d) AS customers
FROM (SELECT btyd_data(customer_id, ordered_at, amount, '1997-09-30', 'week') AS d FROM orders) o;
-- the README examples: the top customers, the models as one flat row, Pareto/NBD
SELECT customer_id, frequency, round(p_alive::numeric, 3) AS p_alive,
       round(expected_purchases::numeric, 2) AS expected_purchases,
       round(expected_spend::numeric, 2) AS expected_spend, round(clv::numeric, 2) AS clv
FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM orders', '1997-09-30')
ORDER BY clv DESC, customer_id LIMIT 5;
SELECT purchase_model, unit, customers, spend_customers,
       round(r::numeric, 3) AS r, round(alpha::numeric, 2) AS alpha,
       round(a::numeric, 3) AS a, round(b::numeric, 3) AS b,
       round(p::numeric, 2) AS p, round(q::numeric, 2) AS q, round(v::numeric, 2) AS v,
       converged AND spend_converged AS converged
FROM clv_prediction_models('SELECT customer_id, ordered_at, amount FROM orders', '1997-09-30');
SELECT customer_id, round(p_alive::numeric, 3) AS p_alive, round(clv::numeric, 2) AS clv
FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM orders', '1997-09-30',
                     months => 24, monthly_discount_rate => 0.02, margin => 0.3,
                     model => 'pareto_nbd')
ORDER BY clv DESC, customer_id LIMIT 3;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_predictions CASCADE;
DROP SCHEMA shop CASCADE;
RESET client_min_messages;
