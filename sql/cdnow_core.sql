\i test/lib/data.psql
\if :clv_no_data
\quit
\endif
--
-- cdnow_core: the core aggregates on the CDNOW sample (2,357 customers,
-- 6,919 orders, 1997-01 .. 1998-06; ../shared/data/README.md) against plain SQL
-- formulations of the same definitions
--
-- every regress file shares one database (make installcheck): keep this
-- file's objects in its own schema
CREATE SCHEMA test_cdnow_core;
SET search_path = test_cdnow_core, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

CREATE TABLE cdnow (customer_id int, order_date date, quantity int, amount numeric(10,2));
\copy cdnow FROM 'cdnow_sample_orders.csv' WITH (FORMAT csv, HEADER)
SELECT count(*) AS orders, count(DISTINCT customer_id) AS customers, sum(amount) AS revenue FROM cdnow;

-- per-customer facts by plain SQL
CREATE VIEW per_customer AS
  SELECT customer_id, count(*) AS n, min(order_date) AS first, max(order_date) AS last, sum(amount) AS revenue
  FROM cdnow GROUP BY customer_id;

-- historical CLV = revenue / customers
SELECT clv_agg(customer_id, order_date, amount) AS clv,
       clv_agg(customer_id, order_date, amount) = (SELECT sum(amount) / count(DISTINCT customer_id) FROM cdnow) AS equals_plain_sql
FROM cdnow;

-- the parts: AOV, frequency, lifespan (plain SQL: (last - first) * n / (n - 1) days, 0 for one order)
WITH s AS (SELECT clv_summary(customer_id, order_date, amount) AS s FROM cdnow),
     p AS (SELECT count(*) AS customers, sum(n) AS orders, sum(revenue) AS revenue,
                  avg(CASE WHEN n > 1 THEN (last - first) * n / (n - 1.0) ELSE 0 END) / 365.25 AS lifespan
           FROM per_customer)
SELECT customers(s) = p.customers AS customers, orders(s) = p.orders AS orders,
       revenue(s) = p.revenue AS revenue,
       aov(s) = round(p.revenue / p.orders, 16) AS aov,
       abs(lifespan(s) - p.lifespan) < 1e-12 AS lifespan,
       abs(purchase_frequency(s) - p.orders / p.customers / p.lifespan) < 1e-9 AS frequency,
       round(aov(s), 2) AS aov_value, round(lifespan(s)::numeric, 4) AS lifespan_years,
       round(purchase_frequency(s)::numeric, 4) AS orders_per_year
FROM s, p;

-- by cohort (month of the first order; every CDNOW customer first bought in 1997-Q1)
SELECT date_trunc('month', f.first)::date AS cohort,
       clv_agg(c.customer_id, c.order_date, c.amount) = sum(c.amount) / count(DISTINCT c.customer_id) AS equal,
       round(clv_agg(c.customer_id, c.order_date, c.amount), 2) AS clv
FROM cdnow c JOIN per_customer f USING (customer_id)
GROUP BY 1 ORDER BY 1;

-- repeat rate
SELECT repeat_rate(customer_id, order_date) = (SELECT count(*) FILTER (WHERE n >= 2)::float8 / count(*) FROM per_customer) AS equal,
       round(repeat_rate(customer_id, order_date)::numeric, 6) AS repeat_rate
FROM cdnow;

-- retention rate at 1998-01-01 over the orders of 1997-07-01 .. 1998-06-30
WITH w AS (SELECT * FROM cdnow WHERE order_date >= '1997-07-01' AND order_date < '1998-07-01'),
     c AS (SELECT customer_id, bool_or(order_date < '1998-01-01') AS s, bool_or(order_date >= '1998-01-01') AS e
           FROM w GROUP BY 1)
SELECT (SELECT retention_rate(customer_id, order_date, '1998-01-01') FROM w)
       = (count(*) FILTER (WHERE e) - count(*) FILTER (WHERE e AND NOT s))::float8 / count(*) FILTER (WHERE s) AS equal,
       round((SELECT retention_rate(customer_id, order_date, '1998-01-01') FROM w)::numeric, 6) AS crr
FROM c;

-- CLV with horizons of 90 and 365 days, against plain SQL
CREATE FUNCTION plain_horizon(h interval) RETURNS numeric LANGUAGE sql AS $$
  WITH e AS (SELECT max(order_date) AS e FROM cdnow),
       q AS (SELECT customer_id, first FROM per_customer, e WHERE first + h <= e.e)
  SELECT sum(c.amount) FILTER (WHERE c.order_date < q.first + h) / count(DISTINCT q.customer_id)
  FROM q JOIN cdnow c USING (customer_id)
$$;
SELECT h, clv_agg(customer_id, order_date, amount, h) = plain_horizon(h) AS equal,
       round(clv_agg(customer_id, order_date, amount, h), 4) AS clv
FROM cdnow, (VALUES (interval '90 days'), (interval '365 days'), (interval '1 month')) v(h)
GROUP BY h ORDER BY h;

-- daily summaries rolled up into months equal the one-step monthly figures
CREATE TABLE daily AS
  SELECT order_date AS day, clv_summary(customer_id, order_date, amount) AS s FROM cdnow GROUP BY 1;
SELECT bool_and(m.s::text = o.s::text) AS rollup_equals_one_step, count(*) AS months
FROM (SELECT date_trunc('month', day) AS month, rollup(s) AS s FROM daily GROUP BY 1) m
JOIN (SELECT date_trunc('month', order_date) AS month, clv_summary(customer_id, order_date, amount) AS s
      FROM cdnow GROUP BY 1) o USING (month);
SELECT rollup(s)::text = (SELECT clv_summary(customer_id, order_date, amount)::text FROM cdnow) AS all_days
FROM daily;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_cdnow_core CASCADE;
RESET client_min_messages;
