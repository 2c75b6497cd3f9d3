\i test/lib/data.psql
\if :clv_no_data
\quit
\endif
--
-- readme_cdnow: the examples of docs/readme/core.md (descriptive CLV on the
-- CDNOW sample), run as written, each
-- beside a plain-SQL check of the same figure
--
-- every regress file shares one database (make installcheck): keep this
-- file's objects in its own schema
CREATE SCHEMA test_readme_cdnow;
SET search_path = test_readme_cdnow, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
CREATE TABLE orders (customer_id int, order_date date, quantity int, amount numeric(10,2));
\copy orders FROM 'cdnow_sample_orders.csv' WITH (FORMAT csv, HEADER)

-- Getting started
SELECT clv_agg(customer_id, order_date, amount) AS clv,
       repeat_rate(customer_id, order_date) AS repeat_rate
FROM orders;
SELECT sum(amount) / count(DISTINCT customer_id) AS plain_clv FROM orders;

-- CLV and its parts
SELECT customers(s), orders(s), revenue(s),
       round(aov(s), 2) AS aov,
       round(purchase_frequency(s)::numeric, 3) AS orders_per_year,
       round(lifespan(s)::numeric, 3) AS lifespan_years,
       round(clv(s), 2) AS clv,
       round(clv(s, 0.30), 2) AS clv_at_30pct_margin
FROM (SELECT clv_summary(customer_id, order_date, amount) AS s FROM orders) AS t;

-- CLV over a horizon
SELECT round(clv_agg(customer_id, order_date, amount, interval '90 days'), 2) AS clv_90d,
       round(clv_agg(customer_id, order_date, amount, interval '1 year'), 2) AS clv_1y
FROM orders;

-- retention rate over a window bounded with WHERE
SELECT round(retention_rate(customer_id, order_date, '1998-01-01')::numeric, 4) AS crr
FROM orders
WHERE order_date >= '1997-07-01' AND order_date < '1998-07-01';

-- by segment: GROUP BY anything (here: the size of the first order)
WITH first AS (
  SELECT DISTINCT ON (customer_id) customer_id, amount >= 30 AS big_first_order
  FROM orders ORDER BY customer_id, order_date, amount DESC)
SELECT big_first_order, round(clv_agg(o.customer_id, o.order_date, o.amount), 2) AS clv,
       round(repeat_rate(o.customer_id, o.order_date)::numeric, 3) AS repeat_rate,
       round(sum(o.amount) / count(DISTINCT o.customer_id), 2) AS plain_clv
FROM orders o JOIN first USING (customer_id)
GROUP BY big_first_order ORDER BY big_first_order;

-- The two-step form: daily summaries in a materialized view, rolled up by month
CREATE MATERIALIZED VIEW daily_clv AS
  SELECT order_date AS day, clv_summary(customer_id, order_date, amount) AS s
  FROM orders GROUP BY order_date;
CREATE UNIQUE INDEX ON daily_clv (day);

SELECT month, customers(m) AS customers, orders(m) AS orders, revenue(m) AS revenue,
       round(clv(m), 2) AS clv, round(repeat_rate(m)::numeric, 3) AS repeat_rate
FROM (SELECT date_trunc('month', day)::date AS month, rollup(s) AS m
      FROM daily_clv GROUP BY 1) AS monthly
WHERE month < '1997-05-01'
ORDER BY month;
-- the same months by plain SQL
SELECT date_trunc('month', order_date)::date AS month, count(DISTINCT customer_id) AS customers,
       count(*) AS orders, sum(amount) AS revenue,
       round(sum(amount) / count(DISTINCT customer_id), 2) AS clv
FROM orders WHERE order_date < '1997-05-01' GROUP BY 1 ORDER BY 1;

-- the whole period from the stored days equals the one-step aggregate
SELECT clv(rollup(s)) = (SELECT clv_agg(customer_id, order_date, amount) FROM orders) AS same
FROM daily_clv;
REFRESH MATERIALIZED VIEW CONCURRENTLY daily_clv;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_readme_cdnow CASCADE;
RESET client_min_messages;
