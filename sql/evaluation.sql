--
-- evaluation: the holdout evaluation (sql/install/45_evaluation.sql) on
-- small hand-computed cases: clv_holdout_summary (refunds, same-day orders,
-- NULL rows, one-time buyers, customers first seen after calibration_end,
-- orders after holdout_end), the predictions, metrics and deciles against
-- plain SQL over the scorers, the tracking curve by hand, and the errors.
-- The CDNOW comparison with lifetimes is test/stages/87_evaluation.sh.
--
CREATE SCHEMA evaluation_test;
SET search_path = evaluation_test, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET extra_float_digits = 0;
\set SHOW_CONTEXT never
CREATE TABLE orders (customer_id text, ordered_at timestamptz, amount numeric);
INSERT INTO orders VALUES
	-- a: days 01-01 (10 + 5 = 15, the first purchase), 01-03 (20 - 5 = 15),
	--    01-05 a refund alone (not a purchase; -10 lowers the calibration
	--    spend); holdout: 01-12 (30 + 10 = 40), 01-15 (20), 01-16 a refund (-6)
	('a', '2024-01-01 09:00', 10), ('a', '2024-01-01 18:00', 5),
	('a', '2024-01-03 12:00', 20), ('a', '2024-01-03 13:00', -5),
	('a', '2024-01-05 12:00', -10),
	('a', '2024-01-12 08:00', 30), ('a', '2024-01-12 20:00', 10),
	('a', '2024-01-15 12:00', 20), ('a', '2024-01-16 12:00', -6),
	-- b: a one-time buyer on the day before calibration_end
	('b', '2024-01-09 12:00', 12.5),
	-- c: first seen after calibration_end: not a row
	('c', '2024-01-11 12:00', 10),
	-- d: a refund before the first order is ignored; an order late on the
	--    calibration_end day counts; an order after holdout_end does not
	('d', '2024-01-02 12:00', -3), ('d', '2024-01-04 12:00', 8),
	('d', '2024-01-10 23:00', 4), ('d', '2024-01-21 00:00', 100),
	-- e: refunds only: not a customer
	('e', '2024-01-02 12:00', -3),
	-- f: a holdout refund alone is no purchase
	('f', '2024-01-06 12:00', 7), ('f', '2024-01-13 12:00', -7),
	-- rows with a NULL are ignored
	(NULL, '2024-01-02 12:00', 5), ('b', NULL, 5), ('b', '2024-01-02 12:00', NULL);

-- calibration end 2024-01-10, holdout end 2024-01-20, days:
--   a: 1 repeat day (01-03), recency 2, T 9, monetary (15 - 10) / 1 = 5
--      (per repeat purchase day), holdout 2 days, monetary per holdout
--      order (lifetimes' row mean; the refund lowers the sum and is no
--      order): (30 + 10 + 20 - 6) / 3 = 18, duration 10
--   b: 0, 0, 1, 0; d: 1 (01-10), 6, 6, 4; f: 0, 0, 4, 0, holdout 0
SELECT * FROM clv_holdout_summary('SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20');
-- weeks: recency, T and duration over 7
SELECT customer_id, recency_cal = 2 / 7.0::float8 AND t_cal = 9 / 7.0::float8 AND duration_holdout = 10 / 7.0::float8 AS a_ok
FROM clv_holdout_summary('SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20', 'week')
WHERE customer_id = 'a';
-- in another time zone the days move: 'd' ordered on 2024-01-11 in Tokyo
-- (after calibration_end, in the holdout period)
SET TimeZone = 'Asia/Tokyo';
SELECT customer_id, frequency_cal, recency_cal, t_cal, frequency_holdout
FROM clv_holdout_summary('SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20')
WHERE customer_id = 'd';
SET TimeZone = 'UTC';
-- date and timestamp order times, double precision and integer amounts, integer keys
SELECT * FROM clv_holdout_summary('SELECT 7, d::date, 2.5::float8 FROM unnest(''{2024-01-01,2024-01-04,2024-01-04,2024-01-12}''::date[]) AS d',
								  '2024-01-10', '2024-01-20');
SELECT customer_id, monetary_value_cal FROM clv_holdout_summary('SELECT 7::bigint, d::timestamp, 3 FROM unnest(''{2024-01-01,2024-01-04}''::date[]) AS d',
								  '2024-01-10', '2024-01-20');
-- the holdout mean value: a zero amount is an order, a refund on another
-- holdout day lowers the sum: 1 purchase day (01-12), 2 orders (9 and 0),
-- (9 + 0 - 3) / 2 = 3
SELECT customer_id, frequency_holdout, monetary_value_holdout
FROM clv_holdout_summary('SELECT 7, d, a FROM (VALUES (date ''2024-01-01'', 5), (''2024-01-12'', 9), (''2024-01-12'', 0), (''2024-01-13'', -3)) AS o(d, a)',
						 '2024-01-10', '2024-01-20');
-- holdout_end = calibration_end: an empty holdout period
SELECT customer_id, frequency_holdout, duration_holdout
FROM clv_holdout_summary('SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-10');
-- no orders: no rows; a NULL argument: no rows
SELECT count(*) FROM clv_holdout_summary('SELECT customer_id, ordered_at, amount FROM orders WHERE false', '2024-01-10', '2024-01-20');
SELECT count(*) FROM clv_holdout_summary(NULL, '2024-01-10', '2024-01-20');

-- a BG/NBD model fitted in days on 2024-01-10 (parameters given here), and a Gamma-Gamma model
CREATE TABLE models AS
SELECT ROW(0.25, 4.0, 0.8, 2.5, NULL, true, 0, 'day', '2024-01-10', NULL)::bgnbd_model AS purchases,
	   ROW(6.0, 4.0, 15.0, NULL, true, 0, 'day', '2024-01-10', NULL)::gamma_gamma_model AS spend,
	   ROW(0.5, 6.0, 0.9, 1.6, NULL, true, 0, NULL, NULL, NULL)::mbgnbd_model AS modified,
	   ROW(0.55, 10.6, 0.61, 11.7, NULL, true, 0, 'day', NULL, NULL)::pareto_nbd_model AS pareto;
-- per customer: the scorers on the summary's columns; actual_revenue is the
-- holdout revenue (a: 30 + 10 + 20 - 6 = 54), not frequency_holdout *
-- monetary_value_holdout (2 * 18 = 36)
SELECT p.customer_id, p.frequency_holdout, p.actual_revenue,
	   abs(p.predicted_purchases - bgnbd_expected_purchases(m.purchases, 10, p.frequency_cal, p.recency_cal, p.t_cal)) < 1e-12 AS purchases_ok,
	   abs(p.predicted_spend - gamma_gamma_expected_spend(m.spend, p.frequency_cal, p.monetary_value_cal::float8)) < 1e-12 AS spend_ok,
	   abs(p.predicted_revenue - p.predicted_purchases * p.predicted_spend) < 1e-12 AS revenue_ok
FROM models AS m,
	 clv_holdout_predictions(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20', m.spend) AS p;
-- without a spend model: no spend, the revenue is still the actual one
SELECT p.customer_id, p.predicted_spend, p.predicted_revenue, p.actual_revenue
FROM models AS m,
	 clv_holdout_predictions(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20') AS p;
-- MBG/NBD (no unit recorded: days) and Pareto/NBD use their own scorers
SELECT p.customer_id,
	   abs(p.predicted_purchases - mbgnbd_expected_purchases(m.modified, 10, p.frequency_cal, p.recency_cal, p.t_cal)) < 1e-12 AS mbgnbd_ok,
	   abs(q.predicted_purchases - pareto_nbd_expected_purchases(m.pareto, 10, q.frequency_cal, q.recency_cal, q.t_cal)) < 1e-12 AS pareto_ok
FROM models AS m,
	 clv_holdout_predictions(m.modified, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20') AS p
	 JOIN clv_holdout_predictions(m.pareto, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20') AS q
	 USING (customer_id);
-- a negative calibration spend after refunds has no Gamma-Gamma prediction
SELECT p.customer_id, p.monetary_value_cal, p.predicted_spend, p.predicted_revenue
FROM models AS m,
	 clv_holdout_predictions(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders UNION ALL SELECT ''a'', ''2024-01-07'', -100',
							 '2024-01-10', '2024-01-20', m.spend) AS p
WHERE p.customer_id = 'a';

-- metrics: the same figures in plain SQL over the predictions
CREATE TABLE preds AS
SELECT p.* FROM models AS m,
	 clv_holdout_predictions(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20', m.spend) AS p;
SELECT x.customers, x.actual_purchases, x.actual_revenue,
	   abs(x.predicted_purchases - (SELECT sum(predicted_purchases) FROM preds)) < 1e-12 AS total_ok,
	   abs(x.purchases_mae - (SELECT sum(abs(predicted_purchases - frequency_holdout)) / 4 FROM preds)) < 1e-12 AS mae_ok,
	   abs(x.purchases_rmse - (SELECT sqrt(sum((predicted_purchases - frequency_holdout) ^ 2) / 4) FROM preds)) < 1e-12 AS rmse_ok,
	   abs(x.purchases_correlation - (SELECT corr(predicted_purchases, frequency_holdout) FROM preds)) < 1e-12 AS corr_ok,
	   abs(x.predicted_revenue - (SELECT sum(predicted_revenue) FROM preds)) < 1e-9 AS revenue_ok,
	   abs(x.revenue_mae - (SELECT sum(abs(predicted_revenue - actual_revenue::float8)) / 4 FROM preds)) < 1e-9 AS revenue_mae_ok,
	   abs(x.revenue_rmse - (SELECT sqrt(sum((predicted_revenue - actual_revenue::float8) ^ 2) / 4) FROM preds)) < 1e-9 AS revenue_rmse_ok,
	   abs(x.revenue_correlation - (SELECT corr(predicted_revenue, actual_revenue::float8) FROM preds)) < 1e-12 AS revenue_corr_ok
FROM models AS m,
	 clv_holdout_metrics(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20', m.spend) AS x;
-- without a spend model the revenue metrics are NULL
SELECT x.customers, x.predicted_revenue, x.actual_revenue, x.revenue_mae, x.revenue_rmse, x.revenue_correlation
FROM models AS m,
	 clv_holdout_metrics(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20') AS x;

-- deciles: 4 customers, one per group, ranked by predicted revenue (with
-- spend) or purchases (without)
SELECT d.decile, d.customers, d.actual_purchases, d.actual_revenue,
	   (SELECT customer_id FROM preds ORDER BY predicted_revenue DESC, customer_id OFFSET d.decile - 1 LIMIT 1) AS by_revenue,
	   abs(d.predicted_revenue - (SELECT predicted_revenue FROM preds ORDER BY predicted_revenue DESC, customer_id OFFSET d.decile - 1 LIMIT 1)) < 1e-12 AS ok
FROM models AS m,
	 clv_holdout_deciles(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20', m.spend) AS d;
SELECT d.decile, d.customers, d.actual_purchases, d.predicted_revenue,
	   abs(d.predicted_purchases - (SELECT predicted_purchases FROM preds ORDER BY predicted_purchases DESC, customer_id OFFSET d.decile - 1 LIMIT 1)) < 1e-12 AS ok
FROM models AS m,
	 clv_holdout_deciles(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20') AS d;
-- 25 customers: groups of 3, 3, 3, 3, 3, 2, 2, 2, 2, 2
SELECT d.decile, d.customers
FROM models AS m,
	 clv_holdout_deciles(m.purchases, 'SELECT g, ''2024-01-01''::date + g % 9, 1 FROM generate_series(1, 25) AS g', '2024-01-10', '2024-01-20') AS d;

-- tracking, weekly: S = 01-01, points c_1 = 01-08 and c_2 = 01-15 (days
-- 01-15 .. 01-20 are no whole week).  Repeat purchase days: a 01-03, 01-12,
-- 01-15; d 01-10.  Before 01-08: 1; before 01-15: 3.  Expected: the new
-- customer expectation at the days since each first purchase (a 01-01,
-- d 01-04, f 01-06, b 01-09)
SELECT t.period_number, t.period_end, t.holdout, t.actual_purchases, t.cumulative_actual_purchases,
	   abs(t.cumulative_expected_purchases - CASE t.period_number
		   WHEN 1 THEN bgnbd_expected_purchases_new(m.purchases, 7) + bgnbd_expected_purchases_new(m.purchases, 4)
					   + bgnbd_expected_purchases_new(m.purchases, 2)
		   WHEN 2 THEN bgnbd_expected_purchases_new(m.purchases, 14) + bgnbd_expected_purchases_new(m.purchases, 11)
					   + bgnbd_expected_purchases_new(m.purchases, 9) + bgnbd_expected_purchases_new(m.purchases, 6)
		   END) < 1e-12 AS expected_ok,
	   abs(t.expected_purchases - (t.cumulative_expected_purchases - COALESCE(lag(t.cumulative_expected_purchases) OVER (ORDER BY t.period_number), 0))) < 1e-12 AS step_ok
FROM models AS m,
	 clv_holdout_tracking(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20') AS t;
-- daily: 20 points; the repeat purchases on 01-03, 01-10, 01-12, 01-15
SELECT t.period_number, t.period_end, t.holdout, t.actual_purchases, t.cumulative_actual_purchases,
	   abs(t.cumulative_expected_purchases - (SELECT sum(bgnbd_expected_purchases_new(m.purchases, (t.period_end + 1 - f)::float8))
											  FROM unnest('{2024-01-01,2024-01-04,2024-01-06,2024-01-09}'::date[]) AS f
											  WHERE f <= t.period_end)) < 1e-12 AS expected_ok
FROM models AS m,
	 clv_holdout_tracking(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20', 'day') AS t
WHERE t.period_number IN (1, 2, 3, 9, 10, 11, 12, 15, 20);
-- a weekly model: the times since the first purchases are in weeks
SELECT t.period_number,
	   abs(t.cumulative_expected_purchases - (bgnbd_expected_purchases_new(w, 1) + bgnbd_expected_purchases_new(w, 4 / 7.0)
											  + bgnbd_expected_purchases_new(w, 2 / 7.0))) < 1e-12 AS expected_ok
FROM (SELECT ROW(0.25, 0.6, 0.8, 2.5, NULL, true, 0, 'week', '2024-01-10', NULL)::bgnbd_model AS w) AS m,
	 clv_holdout_tracking(m.w, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20') AS t
WHERE t.period_number = 1;

-- errors
\set VERBOSITY default
-- not a purchase model
SELECT * FROM models AS m, clv_holdout_predictions(m.spend, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_holdout_tracking(1, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a time unit that contradicts the model's; calibration_end on another day than the model's observation end
SELECT * FROM models AS m, clv_holdout_metrics(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20', NULL, 'week');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM models AS m, clv_holdout_deciles(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-11', '2024-01-20');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a model in months
SELECT * FROM clv_holdout_predictions(ROW(0.25, 4.0, 0.8, 2.5, NULL, true, 0, 'month', NULL, NULL)::bgnbd_model,
									  'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- holdout_end before calibration_end; an unknown unit or period; infinite ends
SELECT * FROM clv_holdout_summary('SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-09');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_holdout_summary('SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20', 'month');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM models AS m, clv_holdout_tracking(m.purchases, 'SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', '2024-01-20', 'month');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_holdout_summary('SELECT customer_id, ordered_at, amount FROM orders', '2024-01-10', 'infinity');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the orders query: columns, types; NaN amounts; infinite times
SELECT * FROM clv_holdout_summary('SELECT customer_id, ordered_at FROM orders', '2024-01-10', '2024-01-20');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_holdout_summary('SELECT customer_id, ordered_at::text, amount FROM orders', '2024-01-10', '2024-01-20');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_holdout_summary('SELECT customer_id, ordered_at, ''NaN''::float8 FROM orders', '2024-01-10', '2024-01-20');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_holdout_summary('SELECT ''z'', ''infinity''::timestamptz, 1', '2024-01-10', '2024-01-20');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY terse

-- with an empty search_path every name is resolved (the caller's query qualifies its own)
SET search_path = '';
SELECT customer_id, frequency_cal, frequency_holdout
FROM public.clv_holdout_summary('SELECT customer_id, ordered_at, amount FROM evaluation_test.orders', '2024-01-10', '2024-01-20');
SELECT t.period_number, t.cumulative_actual_purchases
FROM evaluation_test.models AS m,
	 public.clv_holdout_tracking(m.purchases, 'SELECT customer_id, ordered_at, amount FROM evaluation_test.orders', '2024-01-10', '2024-01-20') AS t;
RESET search_path;

DROP SCHEMA evaluation_test CASCADE;
