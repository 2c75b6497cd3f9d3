-- test/demo/10_core.sql: descriptive CLV with the core aggregates.
-- Runs after 00_shop.sql (tables shop.*, TimeZone UTC, display settings).
-- A column headed "plain SQL ..." must equal the column before it (stage
-- 90_demo checks every such pair).

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' Historical CLV and its parts, all customers'
\echo '----------------------------------------------------------------------'
\echo 'The aggregate clv_summary(customer_id, ordered_at, amount) reads every'
\echo 'row once; accessors take the summary apart:'
\echo '  AOV (average order value)  = net revenue / orders'
\echo '  purchase frequency         = orders per customer per year of lifespan'
\echo '  lifespan                   = mean customer lifespan in years'
\echo '  CLV = AOV x purchase frequency x lifespan = net revenue / customers'
\echo 'A negative amount is a refund: it lowers revenue and is not an order.'
\echo ''
\x on
SELECT customers(s) AS "customers",
	   orders(s) AS "orders",
	   revenue(s) AS "net revenue ($)",
	   round(aov(s), 2) AS "AOV ($)",
	   round(purchase_frequency(s)::numeric, 3) AS "purchase frequency (orders/customer/year)",
	   round(lifespan(s)::numeric, 3) AS "lifespan (years)",
	   round(clv(s), 2) AS "CLV ($)",
	   round(clv(s, 0.30), 2) AS "CLV at a 30 % gross margin ($)"
FROM (SELECT clv_summary(customer_id, ordered_at, amount) AS s FROM shop.orders) AS t;
\x off

\echo 'The same in one aggregate, clv_agg(customer_id, ordered_at, amount),'
\echo 'checked against plain SQL (net revenue / customers; guest rows, with'
\echo 'no customer, count in neither):'
\echo ''
SELECT round(clv_agg(customer_id, ordered_at, amount), 2) AS "clv_agg ($)",
	   round(sum(amount) FILTER (WHERE customer_id IS NOT NULL) / count(DISTINCT customer_id), 2)
		 AS "plain SQL ($)"
FROM shop.orders;

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' By acquisition channel'
\echo '----------------------------------------------------------------------'
\echo 'GROUP BY works as with any aggregate.  Channels differ in how often'
\echo 'their customers come back and how much they spend:'
\echo ''
SELECT c.channel AS "channel",
	   customers(s) AS "customers",
	   orders(s) AS "orders",
	   round(aov(s), 2) AS "AOV ($)",
	   round(purchase_frequency(s)::numeric, 2) AS "freq/year",
	   round(lifespan(s)::numeric, 3) AS "lifespan (y)",
	   round(100 * repeat_rate(s)::numeric, 1) AS "repeat rate (%)",
	   round(clv(s), 2) AS "CLV ($)",
	   round(plain_clv, 2) AS "plain SQL ($)"
FROM (SELECT c.channel, clv_summary(o.customer_id, o.ordered_at, o.amount) AS s,
			 sum(o.amount) / count(DISTINCT o.customer_id) AS plain_clv
	  FROM shop.orders AS o JOIN shop.customers AS c USING (customer_id)
	  GROUP BY c.channel) AS c
JOIN shop.channels AS ch USING (channel)
ORDER BY ch.ord;

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' By cohort: quarterly summaries rolled up into years'
\echo '----------------------------------------------------------------------'
\echo 'One clv_summary per quarter of the first order; the year rows merge'
\echo 'those summaries exactly with the aggregate rollup(clv_summary) instead'
\echo 'of reading the orders again.  Recent cohorts have had less time to buy:'
\echo ''
WITH quarters AS (
	SELECT date_trunc('quarter', c.first_order_at)::date AS cohort_quarter,
		   clv_summary(o.customer_id, o.ordered_at, o.amount) AS s
	FROM shop.orders AS o
	JOIN shop.customers AS c USING (customer_id)
	GROUP BY 1
), cohorts AS (
	SELECT extract(year FROM cohort_quarter)::int AS cohort_year, cohort_quarter, s
	FROM quarters
	UNION ALL
	SELECT extract(year FROM cohort_quarter)::int, NULL, rollup(s)
	FROM quarters
	GROUP BY 1
)
SELECT cohort_year AS "cohort",
	   coalesce('Q' || extract(quarter FROM cohort_quarter), 'all') AS "quarter",
	   customers(s) AS "customers",
	   orders(s) AS "orders",
	   revenue(s) AS "net revenue ($)",
	   round(aov(s), 2) AS "AOV ($)",
	   round(clv(s), 2) AS "CLV ($)",
	   round(100 * repeat_rate(s)::numeric, 1) AS "repeat rate (%)"
FROM cohorts
ORDER BY cohort_year, cohort_quarter NULLS LAST;

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' Repeat rate'
\echo '----------------------------------------------------------------------'
\echo 'repeat_rate(customer_id, ordered_at): share of customers with two or'
\echo 'more orders.  It takes no amount, so every row it reads is an order:'
\echo 'leave refunds out with WHERE amount >= 0.  Checked against plain SQL:'
\echo ''
SELECT count(*) FILTER (WHERE n >= 2) AS "repeat customers",
	   count(*) AS "customers",
	   round(100 * (SELECT repeat_rate(customer_id, ordered_at) FROM shop.orders WHERE amount >= 0)::numeric, 2)
		 AS "repeat_rate (%)",
	   round(100.0 * count(*) FILTER (WHERE n >= 2) / count(*), 2) AS "plain SQL (%)"
FROM (SELECT count(*) AS n FROM shop.orders
	  WHERE amount >= 0 AND customer_id IS NOT NULL GROUP BY customer_id) AS per_customer;

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' Retention rate at a cutoff'
\echo '----------------------------------------------------------------------'
\echo 'retention_rate(customer_id, ordered_at, cutoff) over the orders of'
\echo '2022-07-01 .. 2023-06-30 with cutoff 2023-01-01: CRR = (E - N) / S with'
\echo 'S = customers buying before the cutoff, E = customers buying from the'
\echo 'cutoff on, N = those of E who had not bought before it (new).'
\echo ''
WITH w AS (
	SELECT * FROM shop.orders
	WHERE amount >= 0 AND ordered_at >= '2022-07-01' AND ordered_at < '2023-07-01'
), c AS (
	SELECT customer_id,
		   bool_or(ordered_at < '2023-01-01') AS before_cutoff,
		   bool_or(ordered_at >= '2023-01-01') AS from_cutoff
	FROM w
	WHERE customer_id IS NOT NULL
	GROUP BY customer_id
)
SELECT count(*) FILTER (WHERE before_cutoff) AS "S",
	   count(*) FILTER (WHERE from_cutoff) AS "E",
	   count(*) FILTER (WHERE from_cutoff AND NOT before_cutoff) AS "N",
	   round(100 * (SELECT retention_rate(customer_id, ordered_at, '2023-01-01') FROM w)::numeric, 2)
		 AS "retention_rate (%)",
	   round(100.0 * count(*) FILTER (WHERE from_cutoff AND before_cutoff)
			 / count(*) FILTER (WHERE before_cutoff), 2) AS "plain SQL (%)"
FROM c;

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' CLV over a fixed horizon after the first order'
\echo '----------------------------------------------------------------------'
\echo 'clv_agg(customer_id, ordered_at, amount, horizon): average net revenue'
\echo 'of a customer in the first `horizon` after their first order, over the'
\echo 'customers observed at least that long (first order + horizon <= the'
\echo 'latest order in the data), checked against plain SQL:'
\echo ''
WITH h(horizon) AS (
	VALUES (interval '90 days'), (interval '1 year'), (interval '2 years')
), firsts AS (
	SELECT customer_id, min(ordered_at) AS first_order
	FROM shop.orders
	WHERE amount >= 0 AND customer_id IS NOT NULL
	GROUP BY customer_id
), window_revenue AS (
	SELECT h.horizon, f.customer_id,
		   sum(o.amount) FILTER (WHERE o.ordered_at < f.first_order + h.horizon) AS revenue
	FROM h
	CROSS JOIN firsts AS f
	JOIN shop.orders AS o USING (customer_id)
	WHERE f.first_order + h.horizon <= (SELECT max(ordered_at) FROM shop.orders
										WHERE amount >= 0 AND customer_id IS NOT NULL)
	GROUP BY h.horizon, f.customer_id
)
SELECT h.horizon AS "horizon",
	   (SELECT count(*) FROM window_revenue AS r WHERE r.horizon = h.horizon) AS "customers observed",
	   (SELECT round(clv_agg(customer_id, ordered_at, amount, h.horizon), 2) FROM shop.orders)
		 AS "clv_agg ($)",
	   (SELECT round(avg(coalesce(r.revenue, 0)), 2) FROM window_revenue AS r WHERE r.horizon = h.horizon)
		 AS "plain SQL ($)"
FROM h
ORDER BY h.horizon;
