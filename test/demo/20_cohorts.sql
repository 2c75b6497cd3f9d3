-- test/demo/20_cohorts.sql: the monthly cohort table (clv_cohorts).

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' 6. Cohort table: retention and revenue by months since the first order'
\echo '----------------------------------------------------------------------'
\echo 'clv_cohorts(orders query, period, time zone) returns one row per cohort'
\echo 'and month offset, with every month filled in (zeros where nobody bought).'
\echo 'retention = active / cohort customers; cumulative revenue per customer'
\echo 'is the observed CLV curve.  First and every third month shown:'
\echo ''
SELECT to_char(cohort, 'YYYY-MM') AS cohort,
       period_offset AS "month",
       cohort_customers AS "cohort",
       active_customers AS active,
       round(100 * retention)::int AS "retention (%)",
       orders,
       revenue AS "revenue ($)",
       round(cumulative_revenue_per_customer, 2) AS "cum. revenue/customer ($)"
FROM clv_cohorts('SELECT customer_id, order_date, amount FROM orders', 'month', 'UTC')
WHERE period_offset IN (0, 1, 3, 6, 9, 12, 15)
ORDER BY 1, 2;

\echo 'Cross-check: the cohorts revenue adds up to sum(amount) of the table:'
SELECT sum(revenue) AS "cohort table revenue ($)",
       (SELECT sum(amount) FROM orders) AS "sum(amount) ($)"
FROM clv_cohorts('SELECT customer_id, order_date, amount FROM orders', 'month', 'UTC');
