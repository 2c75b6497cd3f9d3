-- test/demo/50_evaluation.sql: can the prediction be trusted?  Fit on the
-- first two years, predict the third, compare with what happened
-- (clv_holdout_summary, clv_holdout_metrics, clv_holdout_deciles,
-- clv_holdout_tracking; the tracking chart is test/demo/50_evaluation.sh).

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' Can I trust the prediction? Holdout evaluation'
\echo '----------------------------------------------------------------------'
\echo '1. one call turns the orders into a calibration summary (2021-2022) and'
\echo '   what each customer did in the holdout year 2023 (clv_holdout_summary,'
\echo '   lifetimes'' calibration_and_holdout_data; refunds are no purchases):'
\echo ''
CREATE TEMP TABLE holdout AS
SELECT * FROM clv_holdout_summary('SELECT customer_id, ordered_at, amount FROM shop.orders',
								  '2022-12-31', '2023-12-31', 'week');
SELECT count(*) AS "customers (first seen by 2022)",
	   (SELECT count(DISTINCT customer_id) FROM shop.orders
		WHERE amount >= 0 AND ordered_at < '2023-01-01') AS "plain SQL: customers",
	   sum(frequency_holdout) AS "purchase days in 2023",
	   (SELECT count(DISTINCT (o.customer_id, o.ordered_at::date)) FROM shop.orders AS o
		WHERE o.amount >= 0 AND o.ordered_at >= '2023-01-01' AND o.ordered_at < '2024-01-01'
		  AND o.customer_id IN (SELECT customer_id FROM shop.orders WHERE amount >= 0 AND ordered_at < '2023-01-01'))
		 AS "plain SQL: purchase days"
FROM holdout;

\echo '2. fit BG/NBD and Gamma-Gamma on the calibration columns only, then ask'
\echo '   how well they predicted 2023 (clv_holdout_metrics): totals, mean'
\echo '   absolute error, root mean squared error, correlation per customer:'
\echo ''
CREATE TEMP TABLE holdout_models AS
SELECT bgnbd_fit(btyd_data(frequency_cal, recency_cal, t_cal), 'week', '2022-12-31') AS purchases,
	   gamma_gamma_fit(btyd_data(frequency_cal, monetary_value_cal::float8), 'week', '2022-12-31') AS spend
FROM holdout;
SELECT v.what AS "2023", v.predicted AS "predicted", v.actual AS "actual",
	   v.mae AS "MAE per customer", v.rmse AS "RMSE", v.corr AS "correlation"
FROM holdout_models AS m,
	 clv_holdout_metrics(m.purchases, 'SELECT customer_id, ordered_at, amount FROM shop.orders',
						 '2022-12-31', '2023-12-31', m.spend) AS x
CROSS JOIN LATERAL (VALUES
	(1, 'purchases', round(x.predicted_purchases::numeric), x.actual_purchases::numeric,
	 round(x.purchases_mae::numeric, 3), round(x.purchases_rmse::numeric, 3), round(x.purchases_correlation::numeric, 3)),
	(2, 'revenue ($)', round(x.predicted_revenue::numeric), round(x.actual_revenue),
	 round(x.revenue_mae::numeric, 2), round(x.revenue_rmse::numeric, 2), round(x.revenue_correlation::numeric, 3))
) AS v(n, what, predicted, actual, mae, rmse, corr)
ORDER BY v.n;

\echo '3. the decile table (clv_holdout_deciles): customers ranked by the revenue'
\echo '   predicted for 2023, in ten equal groups; a useful model puts the'
\echo '   customers who really spent most in the top deciles:'
\echo ''
SELECT d.decile AS "decile", d.customers AS "customers",
	   round(d.predicted_purchases::numeric) AS "predicted purchases", d.actual_purchases AS "actual purchases",
	   round(d.predicted_revenue::numeric) AS "predicted revenue ($)", round(d.actual_revenue) AS "actual revenue ($)"
FROM holdout_models AS m,
	 clv_holdout_deciles(m.purchases, 'SELECT customer_id, ordered_at, amount FROM shop.orders',
						 '2022-12-31', '2023-12-31', m.spend) AS d;

\echo '4. the tracking curve (clv_holdout_tracking): cumulative repeat purchases'
\echo '   of these customers, expected by the model against actual, every 13'
\echo '   weeks (all weeks in the chart test/out/tracking.png):'
\echo ''
SELECT t.period_number AS "week", t.period_end AS "ending", CASE WHEN t.holdout THEN 'holdout' ELSE 'calibration' END AS "period",
	   t.cumulative_actual_purchases AS "actual (cumulative)",
	   round(t.cumulative_expected_purchases::numeric) AS "expected (cumulative)"
FROM holdout_models AS m,
	 clv_holdout_tracking(m.purchases, 'SELECT customer_id, ordered_at, amount FROM shop.orders',
						  '2022-12-31', '2023-12-31') AS t
WHERE t.period_number % 13 = 0;
