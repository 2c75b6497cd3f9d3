-- test/demo/10_core.sql: descriptive CLV with the core aggregates.
-- Runs after 00_data.sql (table orders, TimeZone UTC, display settings).

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' 1. Historical CLV and its parts, all customers'
\echo '----------------------------------------------------------------------'
\echo 'The aggregate clv_summary(customer_id, order_date, amount) reads every'
\echo 'order once; accessors take the summary apart:'
\echo '  AOV (average order value)  = revenue / orders'
\echo '  purchase frequency         = orders per customer per year of lifespan'
\echo '  lifespan                   = mean customer lifespan in years'
\echo '  CLV = AOV x purchase frequency x lifespan = revenue / customers'
\echo ''
\x on
SELECT customers(s) AS "customers",
       orders(s) AS "orders",
       revenue(s) AS "revenue ($)",
       round(aov(s), 2) AS "AOV ($)",
       round(purchase_frequency(s)::numeric, 3) AS "purchase frequency (orders/customer/year)",
       round(lifespan(s)::numeric, 3) AS "lifespan (years)",
       round(clv(s), 2) AS "CLV ($)",
       round(clv(s, 0.30), 2) AS "CLV at a 30 % gross margin ($)"
FROM (SELECT clv_summary(customer_id, order_date, amount) AS s FROM orders) AS t;
\x off

\echo 'The same in one aggregate, clv_agg(customer_id, order_date, amount),'
\echo 'checked against plain SQL (sum of amounts / number of customers):'
\echo ''
SELECT round(clv_agg(customer_id, order_date, amount), 2) AS "clv_agg ($)",
       round(sum(amount) / count(DISTINCT customer_id), 2) AS "plain SQL ($)"
FROM orders;

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' 2. By cohort (year and month of the first order)'
\echo '----------------------------------------------------------------------'
\echo 'One clv_summary per first-order month; the year rows merge those'
\echo 'summaries exactly with the aggregate rollup(clv_summary) instead of'
\echo 'reading the orders again.  (All CDNOW customers started in 1997 Q1.)'
\echo ''
WITH firsts AS (
	SELECT customer_id, min(order_date) AS first_order
	FROM orders
	GROUP BY customer_id
), months AS (
	SELECT date_trunc('month', f.first_order)::date AS cohort_month,
	       clv_summary(o.customer_id, o.order_date, o.amount) AS s
	FROM orders AS o
	JOIN firsts AS f USING (customer_id)
	GROUP BY 1
), cohorts AS (
	SELECT extract(year FROM cohort_month)::int AS cohort_year, cohort_month, s
	FROM months
	UNION ALL
	SELECT extract(year FROM cohort_month)::int, NULL, rollup(s)
	FROM months
	GROUP BY 1
)
SELECT cohort_year AS "cohort",
       coalesce(to_char(cohort_month, 'Mon'), 'all') AS "month",
       customers(s) AS "customers",
       orders(s) AS "orders",
       revenue(s) AS "revenue ($)",
       round(aov(s), 2) AS "AOV ($)",
       round(purchase_frequency(s)::numeric, 3) AS "freq/year",
       round(lifespan(s)::numeric, 3) AS "lifespan (y)",
       round(clv(s), 2) AS "CLV ($)",
       round(100 * repeat_rate(s)::numeric, 1) AS "repeat rate (%)"
FROM cohorts
ORDER BY cohort_year, cohort_month NULLS LAST;

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' 3. Repeat rate'
\echo '----------------------------------------------------------------------'
\echo 'repeat_rate(customer_id, order_date): share of customers with two or'
\echo 'more orders, checked against plain SQL:'
\echo ''
SELECT count(*) FILTER (WHERE n >= 2) AS "repeat customers",
       count(*) AS "customers",
       round(100 * (SELECT repeat_rate(customer_id, order_date) FROM orders)::numeric, 2)
         AS "repeat_rate (%)",
       round(100.0 * count(*) FILTER (WHERE n >= 2) / count(*), 2) AS "plain SQL (%)"
FROM (SELECT count(*) AS n FROM orders GROUP BY customer_id) AS per_customer;

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' 4. Retention rate at a cutoff'
\echo '----------------------------------------------------------------------'
\echo 'retention_rate(customer_id, order_date, cutoff) over the orders of'
\echo '1997-07-01 .. 1998-06-30 with cutoff 1998-01-01: CRR = (E - N) / S with'
\echo 'S = customers buying before the cutoff, E = customers buying from the'
\echo 'cutoff on, N = those of E who had not bought before it (new).'
\echo ''
WITH w AS (
	SELECT * FROM orders WHERE order_date BETWEEN '1997-07-01' AND '1998-06-30'
), c AS (
	SELECT customer_id,
	       bool_or(order_date < '1998-01-01') AS before_cutoff,
	       bool_or(order_date >= '1998-01-01') AS from_cutoff
	FROM w
	GROUP BY customer_id
)
SELECT count(*) FILTER (WHERE before_cutoff) AS "S",
       count(*) FILTER (WHERE from_cutoff) AS "E",
       count(*) FILTER (WHERE from_cutoff AND NOT before_cutoff) AS "N",
       round(100 * (SELECT retention_rate(customer_id, order_date, '1998-01-01') FROM w)::numeric, 2)
         AS "retention_rate (%)",
       round(100.0 * count(*) FILTER (WHERE from_cutoff AND before_cutoff)
             / count(*) FILTER (WHERE before_cutoff), 2) AS "plain SQL (%)"
FROM c;

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' 5. CLV over a fixed horizon after the first order'
\echo '----------------------------------------------------------------------'
\echo 'clv_agg(customer_id, order_date, amount, horizon): average revenue of a'
\echo 'customer in the first `horizon` after their first order, over the'
\echo 'customers observed at least that long (first order + horizon <= the'
\echo 'last order in the data, 1998-06-30), checked against plain SQL:'
\echo ''
WITH h(horizon) AS (
	VALUES (interval '90 days'), (interval '365 days')
), firsts AS (
	SELECT customer_id, min(order_date)::timestamptz AS first_order
	FROM orders
	GROUP BY customer_id
), window_revenue AS (
	SELECT h.horizon, f.customer_id,
	       sum(o.amount) FILTER (WHERE o.order_date < f.first_order + h.horizon) AS revenue
	FROM h
	CROSS JOIN firsts AS f
	JOIN orders AS o USING (customer_id)
	WHERE f.first_order + h.horizon <= (SELECT max(order_date) FROM orders)
	GROUP BY h.horizon, f.customer_id
)
SELECT h.horizon AS "horizon",
       (SELECT count(*) FROM window_revenue AS r WHERE r.horizon = h.horizon) AS "customers observed",
       (SELECT round(clv_agg(customer_id, order_date, amount, h.horizon), 2) FROM orders)
         AS "clv_agg ($)",
       (SELECT round(avg(coalesce(r.revenue, 0)), 2) FROM window_revenue AS r WHERE r.horizon = h.horizon)
         AS "plain SQL ($)"
FROM h
ORDER BY h.horizon;
