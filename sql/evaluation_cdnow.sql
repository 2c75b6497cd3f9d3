\i test/lib/data.psql
\if :clv_no_data
\quit
\endif
--
-- evaluation_cdnow: the holdout evaluation on the CDNOW sample, the
-- examples of "Can I trust the prediction?" (docs/readme/models.md).
--
-- Reference values:
--  * customers, purchase days, revenue and mean order value of the holdout
--    period: plain SQL over the orders below (clv_holdout_summary equals
--    lifetimes' calibration_and_holdout_data for every customer: stage 87);
--  * predicted purchases: plain SQL over clv_rfm's calibration summary and
--    bgnbd_expected_purchases (another route to the same customers);
--  * the tracking curve at weeks 39 and 78: test/evaluation_reference.py
--    (the closed form of E[X(t)] summed over the customers' first purchase
--    days, at the fitted parameters; stage 87 compares all 78 weeks to
--    1e-9): 2501.526189 and 4165.663758; actual 2457 and 4339 repeat
--    purchase days (Fader, Hardie & Lee 2005: 2,457 calibration repeat
--    transactions).
--
CREATE SCHEMA test_evaluation_cdnow;
SET search_path = test_evaluation_cdnow, public;
SET extra_float_digits = 0;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
CREATE TABLE orders (customer_id int, order_date date, quantity int, amount numeric);
\copy orders FROM 'cdnow_sample_orders.csv' CSV HEADER

-- 1. the calibration and holdout summary, in weeks
CREATE TABLE holdout AS
SELECT * FROM clv_holdout_summary('SELECT customer_id, order_date, amount FROM orders',
                                  '1997-09-30', '1998-06-30', 'week');
SELECT count(*) AS customers, sum(frequency_cal) AS repeat_purchases_cal,
       sum(frequency_holdout) AS purchases_holdout, max(duration_holdout) AS weeks_holdout
FROM holdout;
SELECT count(DISTINCT customer_id) AS customers,
	   count(DISTINCT (customer_id, order_date)) FILTER (WHERE order_date > '1997-09-30') AS purchases_holdout,
	   sum(amount) FILTER (WHERE order_date > '1997-09-30') AS revenue_holdout
FROM orders;
-- the holdout mean value is lifetimes' mean over the holdout rows (plain
-- SQL avg); for the customers with two rows on one holdout day it is not
-- the mean per holdout purchase day
SELECT count(*) FILTER (WHERE abs(h.monetary_value_holdout - coalesce(a.row_mean, 0)) > 1e-12) AS row_mean_differs,
	   count(*) FILTER (WHERE abs(a.row_mean - a.day_mean) > 1e-12) AS day_mean_is_another
FROM holdout AS h
LEFT JOIN (SELECT customer_id::text, avg(amount) AS row_mean, sum(amount) / count(DISTINCT order_date) AS day_mean
		   FROM orders WHERE order_date > '1997-09-30' GROUP BY customer_id) AS a USING (customer_id);

-- 2. fit on the calibration columns
CREATE TABLE models AS
SELECT bgnbd_fit(btyd_data(frequency_cal, recency_cal, t_cal), 'week', '1997-09-30') AS purchases,
       gamma_gamma_fit(btyd_data(frequency_cal, monetary_value_cal::float8), 'week', '1997-09-30') AS spend
FROM holdout;
SELECT abs((purchases).r - 0.2426) < 5e-5 AND abs((purchases).alpha - 4.4136) < 5e-4 AS published_bgnbd FROM models;

-- 3. how good: totals, errors, correlation
SELECT customers, round(predicted_purchases::numeric) AS predicted_purchases, actual_purchases,
       round(purchases_mae::numeric, 3) AS mae, round(purchases_rmse::numeric, 3) AS rmse,
       round(purchases_correlation::numeric, 3) AS correlation,
       round(predicted_revenue::numeric) AS predicted_revenue, round(actual_revenue) AS actual_revenue
FROM models AS m,
     clv_holdout_metrics(m.purchases, 'SELECT customer_id, order_date, amount FROM orders',
                         '1997-09-30', '1998-06-30', m.spend);
-- plain SQL: the predicted total over clv_rfm's summary
SELECT round(sum(bgnbd_expected_purchases(m.purchases, 39, s.frequency, s.recency, s.t))::numeric) AS predicted_purchases
FROM (SELECT (clv_rfm(order_date, amount, '1997-09-30', 'week')).* FROM orders GROUP BY customer_id) AS s, models AS m;

-- 4. the decile table
SELECT decile, customers, round(predicted_purchases::numeric) AS predicted_purchases, actual_purchases,
       round(predicted_revenue::numeric) AS predicted_revenue, round(actual_revenue) AS actual_revenue
FROM models AS m,
     clv_holdout_deciles(m.purchases, 'SELECT customer_id, order_date, amount FROM orders',
                         '1997-09-30', '1998-06-30', m.spend);
-- plain SQL: the deciles hold every customer once and add up to the totals
SELECT sum(customers) AS customers, sum(actual_purchases) AS actual_purchases, sum(actual_revenue) AS actual_revenue
FROM models AS m,
     clv_holdout_deciles(m.purchases, 'SELECT customer_id, order_date, amount FROM orders',
                         '1997-09-30', '1998-06-30', m.spend);

-- 5. the tracking curve, weekly
SELECT period_number AS week, period_end, holdout, cumulative_actual_purchases,
       round(cumulative_expected_purchases::numeric, 2) AS cumulative_expected_purchases
FROM models AS m,
     clv_holdout_tracking(m.purchases, 'SELECT customer_id, order_date, amount FROM orders',
                          '1997-09-30', '1998-06-30')
WHERE period_number IN (39, 78);
SELECT period_number, abs(cumulative_expected_purchases / CASE period_number WHEN 39 THEN 2501.526189 ELSE 4165.663758 END - 1) < 1e-9 AS reference_ok
FROM models AS m,
     clv_holdout_tracking(m.purchases, 'SELECT customer_id, order_date, amount FROM orders',
                          '1997-09-30', '1998-06-30')
WHERE period_number IN (39, 78);

-- 6. per customer, and the calibration-versus-holdout table of lifetimes'
-- plot_calibration_purchases_vs_holdout_purchases (Fader, Hardie & Lee
-- 2005, figure 4): mean predicted and actual holdout purchases by number
-- of repeat purchases in the calibration period
SELECT customer_id, frequency_cal, frequency_holdout, round(predicted_purchases::numeric, 3) AS predicted_purchases,
       round(predicted_revenue::numeric, 2) AS predicted_revenue, actual_revenue
FROM models AS m,
     clv_holdout_predictions(m.purchases, 'SELECT customer_id, order_date, amount FROM orders',
                             '1997-09-30', '1998-06-30', m.spend)
ORDER BY predicted_purchases DESC, customer_id
LIMIT 3;
SELECT least(frequency_cal, 7) AS frequency_cal, count(*) AS customers,
       round(avg(predicted_purchases)::numeric, 3) AS predicted, round(avg(frequency_holdout), 3) AS actual
FROM models AS m,
     clv_holdout_predictions(m.purchases, 'SELECT customer_id, order_date, amount FROM orders',
                             '1997-09-30', '1998-06-30')
GROUP BY 1
ORDER BY 1;
-- plain SQL: the same customers, predictions from clv_rfm's summary and the
-- scorers, actual purchase days and revenue from the orders
SELECT count(*) AS customers,
	   count(*) FILTER (WHERE abs(p.predicted_purchases - bgnbd_expected_purchases(m.purchases, 39, r.frequency, r.recency, r.t)) > 1e-12) AS predicted_differ,
	   count(*) FILTER (WHERE abs(p.predicted_spend - gamma_gamma_expected_spend(m.spend, r.frequency, r.monetary_value::float8)) > 1e-9) AS spend_differ,
	   count(*) FILTER (WHERE p.frequency_holdout <> a.days OR p.actual_revenue <> a.revenue) AS actual_differ
FROM models AS m,
	 clv_holdout_predictions(m.purchases, 'SELECT customer_id, order_date, amount FROM orders', '1997-09-30', '1998-06-30', m.spend) AS p
JOIN (SELECT customer_id::text, (clv_rfm(order_date, amount, '1997-09-30', 'week')).* FROM orders GROUP BY customer_id) AS r USING (customer_id)
JOIN (SELECT customer_id::text, count(DISTINCT order_date) FILTER (WHERE order_date > '1997-09-30') AS days,
			 coalesce(sum(amount) FILTER (WHERE order_date > '1997-09-30'), 0) AS revenue
	  FROM orders GROUP BY customer_id) AS a USING (customer_id);

DROP SCHEMA test_evaluation_cdnow CASCADE;
