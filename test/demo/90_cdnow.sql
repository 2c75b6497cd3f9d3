-- test/demo/90_cdnow.sql: the CDNOW sample, the public data set of the CLV
-- literature, where it is available.  test/demo.sh sets the psql variables
-- cdnow (on when the file exists) and cdnow_csv (its path:
-- $CLV_DATA_DIR/cdnow_sample_orders.csv, by default ../shared/data/ next to
-- the repository; the file is not part of the repository) and tmpdir (a
-- scratch directory).

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' The CDNOW sample: the published BG/NBD and Gamma-Gamma estimates'
\echo '----------------------------------------------------------------------'
\if :cdnow
\echo 'All purchases of 2,357 customers of the online CD store CDNOW who made'
\echo 'their first purchase in January-March 1997, up to 1998-06-30 (Fader,'
\echo 'Hardie & Lee 2005).  Calibration period 1997-01-01 .. 1997-09-30, weeks:'
\echo ''
CREATE TEMP TABLE cdnow (customer_id int, order_date date, quantity int, amount numeric(10,2));
-- \copy takes no psql variables: write the command with the path into a file
\set cdnow_load :tmpdir '/cdnow_load.sql'
\o :cdnow_load
\qecho '\\copy cdnow FROM ' :'cdnow_csv' ' WITH (FORMAT csv, HEADER)'
\o
\i :cdnow_load
CREATE TEMP TABLE cdnow_summary AS
SELECT customer_id, (clv_rfm(order_date, amount, '1997-09-30', 'week')).*
FROM cdnow
GROUP BY customer_id;
CREATE TEMP TABLE cdnow_models AS
SELECT bgnbd_fit(frequency, recency, t) AS purchases,
	   gamma_gamma_fit(frequency, monetary_value) AS spend
FROM cdnow_summary;
SELECT v.source AS "estimates",
	   round(v.r::numeric, 3) AS "r", round(v.alpha::numeric, 3) AS "alpha",
	   round(v.a::numeric, 3) AS "a", round(v.b::numeric, 3) AS "b",
	   round(v.p::numeric, 2) AS "p", round(v.q::numeric, 2) AS "q", round(v.v::numeric, 2) AS "v"
FROM cdnow_models AS m
CROSS JOIN LATERAL (VALUES
	(1, 'clv', (m.purchases).r, (m.purchases).alpha, (m.purchases).a, (m.purchases).b,
	 (m.spend).p, (m.spend).q, (m.spend).v),
	(2, 'published', 0.243, 4.414, 0.793, 2.426, 6.25, 3.74, 15.44)
) AS v(n, source, r, alpha, a, b, p, q, v)
ORDER BY v.n;

\echo 'Holdout: predicted repeat purchases of 1997-10-01 .. 1998-06-30 (39 weeks)'
\echo 'against the purchase days the customers really had then:'
\echo ''
SELECT round(sum(bgnbd_expected_purchases(m.purchases, 39, s.frequency, s.recency, s.t))::numeric, 0)
		 AS "predicted",
	   (SELECT count(DISTINCT (customer_id, order_date)) FROM cdnow WHERE order_date > '1997-09-30')
		 AS "actual"
FROM cdnow_summary AS s CROSS JOIN cdnow_models AS m;

\echo 'The holdout evaluation in one call each (clv_holdout_metrics,'
\echo 'clv_holdout_deciles): the same models, predicted against actual'
\echo 'purchases and revenue of 1997-10-01 .. 1998-06-30 per customer, and the'
\echo 'customers in ten groups by predicted revenue (the tracking curve is the'
\echo 'chart test/out/tracking_cdnow.png):'
\echo ''
CREATE TEMP TABLE cdnow_holdout_models AS
SELECT bgnbd_fit(btyd_data(frequency, recency, t), 'week', '1997-09-30') AS purchases,
	   gamma_gamma_fit(btyd_data(frequency, monetary_value::float8), 'week', '1997-09-30') AS spend
FROM cdnow_summary;
SELECT x.customers AS "customers", round(x.predicted_purchases::numeric) AS "predicted purchases",
	   x.actual_purchases AS "actual purchases", round(x.purchases_mae::numeric, 3) AS "MAE",
	   round(x.purchases_correlation::numeric, 3) AS "correlation",
	   round(x.predicted_revenue::numeric) AS "predicted revenue ($)", round(x.actual_revenue) AS "actual revenue ($)"
FROM cdnow_holdout_models AS m,
	 clv_holdout_metrics(m.purchases, 'SELECT customer_id, order_date, amount FROM cdnow',
						 '1997-09-30', '1998-06-30', m.spend) AS x;
SELECT d.decile AS "decile", d.customers AS "customers",
	   round(d.predicted_purchases::numeric) AS "predicted purchases", d.actual_purchases AS "actual purchases",
	   round(d.predicted_revenue::numeric) AS "predicted revenue ($)", round(d.actual_revenue) AS "actual revenue ($)"
FROM cdnow_holdout_models AS m,
	 clv_holdout_deciles(m.purchases, 'SELECT customer_id, order_date, amount FROM cdnow',
						 '1997-09-30', '1998-06-30', m.spend) AS d;
\else
\echo 'skipped: CDNOW data not found (':cdnow_csv'); set CLV_DATA_DIR to the directory holding cdnow_sample_orders.csv'
\endif
