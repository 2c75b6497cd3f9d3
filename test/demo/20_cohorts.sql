-- test/demo/20_cohorts.sql: the quarterly cohort table (clv_cohorts).
-- Its charts: test/demo/20_cohorts.sh.

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' Cohort table: retention and revenue by quarters since the first order'
\echo '----------------------------------------------------------------------'
\echo 'clv_cohorts(orders query, period, time zone) returns one row per cohort'
\echo 'and period offset, with every period filled in (zeros where nobody'
\echo 'bought).  retention = active / cohort customers; the cumulative revenue'
\echo 'per customer is the observed CLV curve.  Retention (%) by quarter offset:'
\echo ''
CREATE TEMP TABLE demo_cohorts AS
SELECT * FROM clv_cohorts('SELECT customer_id, ordered_at, amount FROM shop.orders', 'quarter', 'UTC');

SELECT to_char(cohort, 'YYYY-"Q"Q') AS "cohort",
	   max(cohort_customers) AS "customers",
	   max(round(100 * retention)) FILTER (WHERE period_offset = 0) AS "+0",
	   max(round(100 * retention)) FILTER (WHERE period_offset = 1) AS "+1",
	   max(round(100 * retention)) FILTER (WHERE period_offset = 2) AS "+2",
	   max(round(100 * retention)) FILTER (WHERE period_offset = 3) AS "+3",
	   max(round(100 * retention)) FILTER (WHERE period_offset = 4) AS "+4",
	   max(round(100 * retention)) FILTER (WHERE period_offset = 5) AS "+5",
	   max(round(100 * retention)) FILTER (WHERE period_offset = 6) AS "+6",
	   max(round(100 * retention)) FILTER (WHERE period_offset = 7) AS "+7",
	   max(round(100 * retention)) FILTER (WHERE period_offset = 8) AS "+8",
	   max(round(100 * retention)) FILTER (WHERE period_offset = 9) AS "+9",
	   max(round(100 * retention)) FILTER (WHERE period_offset = 10) AS "+10",
	   max(round(100 * retention)) FILTER (WHERE period_offset = 11) AS "+11"
FROM demo_cohorts
GROUP BY cohort
ORDER BY cohort;

\echo 'Cumulative net revenue per customer ($) after 0, 1, 3, 7 and 11 quarters:'
\echo ''
SELECT to_char(cohort, 'YYYY-"Q"Q') AS "cohort",
	   max(round(cumulative_revenue_per_customer, 2)) FILTER (WHERE period_offset = 0) AS "+0",
	   max(round(cumulative_revenue_per_customer, 2)) FILTER (WHERE period_offset = 1) AS "+1",
	   max(round(cumulative_revenue_per_customer, 2)) FILTER (WHERE period_offset = 3) AS "+3",
	   max(round(cumulative_revenue_per_customer, 2)) FILTER (WHERE period_offset = 7) AS "+7",
	   max(round(cumulative_revenue_per_customer, 2)) FILTER (WHERE period_offset = 11) AS "+11"
FROM demo_cohorts
GROUP BY cohort
ORDER BY cohort;

\echo 'Cross-check: the cohort table''s revenue adds up to sum(amount) over the'
\echo 'rows of customers (guest rows have none):'
\echo ''
SELECT sum(revenue) AS "cohort table revenue ($)",
	   (SELECT sum(amount) FROM shop.orders WHERE customer_id IS NOT NULL) AS "plain SQL ($)"
FROM demo_cohorts;
