-- test/demo/30_predict.sql: predicted CLV with BG/NBD and Gamma-Gamma.

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' 7. Predicted CLV: BG/NBD + Gamma-Gamma, fitted inside PostgreSQL'
\echo '----------------------------------------------------------------------'
\echo 'Calibration period 1997-01-01 .. 1997-09-30, weekly units, as in'
\echo 'Fader, Hardie & Lee (2005).  1. per-customer BTYD summary (clv_rfm):'
\echo ''
CREATE TEMP TABLE customer_summary AS
SELECT customer_id, (clv_rfm(order_date, amount, '1997-09-30', 'week')).*
FROM orders
GROUP BY customer_id;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE frequency > 0) AS "repeat buyers",
       round(avg(frequency), 3) AS "mean frequency",
       round(avg(t)::numeric, 2) AS "mean T (weeks)"
FROM customer_summary;

\echo '2. fit both models once (published: r 0.243, alpha 4.414, a 0.793, b 2.426;'
\echo '   p 6.25, q 3.74, v 15.44):'
\echo ''
CREATE TEMP TABLE clv_models AS
SELECT bgnbd_fit(frequency, recency, t) AS purchases,
       gamma_gamma_fit(frequency, monetary_value) AS spend
FROM customer_summary;
SELECT round((purchases).r::numeric, 3) AS r, round((purchases).alpha::numeric, 3) AS alpha,
       round((purchases).a::numeric, 3) AS a, round((purchases).b::numeric, 3) AS b,
       round((purchases).log_likelihood::numeric, 1) AS "log-lik",
       round((spend).p::numeric, 2) AS p, round((spend).q::numeric, 2) AS q,
       round((spend).v::numeric, 2) AS v,
       (purchases).converged AND (spend).converged AS converged
FROM clv_models;

\echo '3. score every customer: P(alive), expected purchases in the next 39 weeks,'
\echo '   12-month CLV at 1 % monthly discount; the five most valuable:'
\echo ''
SELECT s.customer_id AS customer, s.frequency, round(s.recency::numeric, 1) AS "recency (w)",
       round(bgnbd_p_alive(m.purchases, s.frequency, s.recency, s.t)::numeric, 3) AS "P(alive)",
       round(bgnbd_expected_purchases(m.purchases, 39, s.frequency, s.recency, s.t)::numeric, 2) AS "purchases next 39 w",
       round(clv_predict(m.purchases, m.spend, s.frequency, s.recency, s.t, s.monetary_value,
                         12, 0.01, 'week')::numeric, 2) AS "12-month CLV ($)"
FROM customer_summary s CROSS JOIN clv_models m
ORDER BY 6 DESC, 1
LIMIT 5;

\echo 'Holdout check: predicted vs actual purchases of 1997-10-01 .. 1998-06-30 (39 weeks):'
\echo ''
SELECT round(sum(bgnbd_expected_purchases(m.purchases, 39, s.frequency, s.recency, s.t))::numeric, 0)
         AS "predicted repeat purchases",
       (SELECT count(DISTINCT (customer_id, order_date)) FROM orders WHERE order_date > '1997-09-30')
         AS "actual purchase days"
FROM customer_summary s CROSS JOIN clv_models m;
