--
-- readme: the examples of README.md, run exactly as printed there.  Stage
-- 81_doc_examples checks that every ```sql block of the README followed by
-- an output block appears in expected/readme.out, statement and output line
-- for line, so the README shows what a default psql session prints (no
-- extra_float_digits here; the settings below are the defaults of a fresh
-- Debian cluster that pg_regress changes).  Every figure of the expected
-- output was computed by hand from the eight rows of the table (the
-- computation is written next to each query below, after the README's
-- text), never copied from clv.
--
-- every regress file shares one database (make installcheck): keep this
-- file's objects in its own schema
CREATE SCHEMA test_readme;
SET search_path = test_readme, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = postgres;

-- the first example: three customers, 210.00 of revenue
-- clv = 210.00 / 3 = 70; repeat rate = 2 of 3 customers ordered twice or more
SELECT clv_agg(customer_id, ordered_at, amount) AS clv,
       repeat_rate(customer_id, ordered_at) AS repeat_rate
FROM (VALUES (1, date '2024-01-05', 40.00), (1, '2024-02-05', 25.00),
             (1, '2024-04-05', 35.00), (2, '2024-01-20', 60.00),
             (3, '2024-02-14', 20.00), (3, '2024-03-14', 30.00))
     AS orders(customer_id, ordered_at, amount);

-- Getting started
CREATE TABLE orders (
  customer_id int,
  ordered_at  date,
  amount      numeric(10,2)   -- a negative amount is a refund
);
INSERT INTO orders VALUES
  (1, '2024-01-05', 40.00), (1, '2024-02-05', 25.00), (1, '2024-04-05', 35.00),
  (2, '2024-01-20', 60.00), (2, '2024-01-25', -10.00),
  (3, '2024-02-14', 20.00), (3, '2024-03-14', 30.00),
  (4, '2024-03-01', 80.00);

SELECT customers(s), orders(s), revenue(s), round(aov(s), 2) AS aov,
       round(purchase_frequency(s)::numeric, 2) AS frequency,
       round(lifespan(s)::numeric, 4) AS lifespan,
       round(clv(s), 2) AS clv, repeat_rate(s)
FROM (SELECT clv_summary(customer_id, ordered_at, amount) AS s FROM orders) AS t;
-- by hand: 4 customers; 7 orders (the refund is not an order); revenue
-- 100 + 50 + 50 + 80 = 280.00; aov 280 / 7 = 40.00; lifespans in days:
-- customer 1 91 * 3/2 = 136.5 (2024-01-05 .. 2024-04-05), customer 3
-- 29 * 2/1 = 58 (2024-02-14 .. 2024-03-14), 0 and 0: mean 48.625 days
-- = 0.13313 years; frequency 7 / 4 / 0.13313 = 13.145; clv 280 / 4 = 70.00
-- (= 40 * 13.145 * 0.13313); repeat rate 2 / 4 = 0.5

-- Descriptive CLV: over a horizon, retention rate
SELECT clv_agg(customer_id, ordered_at, amount, interval '30 days') AS clv_30d,
       clv_agg(customer_id, ordered_at, amount, interval '60 days') AS clv_60d
FROM orders;
-- by hand: 30 days, all four are observed that long (first + 30 days <=
-- 2024-04-05): 40 (customer 1: 2024-02-05 is past 2024-02-04), 60 - 10 = 50,
-- 20 + 30 = 50, 80: 220 / 4 = 55; 60 days, customers 3 and 4 are not
-- observed that long: 40 + 25 = 65 and 50: 115 / 2 = 57.50
SELECT retention_rate(s, '2024-03-01') AS retention
FROM (SELECT clv_summary(customer_id, ordered_at, amount) AS s FROM orders) AS t;
-- by hand: S = customers ordering before March = {1, 2, 3}, E = those ordering
-- in March or later = {1, 3, 4}, N = new ones of E = {4}: (3 - 1) / 3

-- Stored summaries that roll up
CREATE TABLE daily AS
  SELECT ordered_at AS day, clv_summary(customer_id, ordered_at, amount) AS s
  FROM orders GROUP BY ordered_at;
SELECT date_trunc('month', day)::date AS month,
       customers(rollup(s)), orders(rollup(s)), revenue(rollup(s))
FROM daily GROUP BY 1 ORDER BY 1;
SELECT customers(rollup(s)), orders(rollup(s)), revenue(rollup(s)) FROM daily;
-- by hand: January customers 1 and 2, orders 40.00 and 60.00, refund -10.00;
-- February 1 and 3 (25.00, 20.00); March 3 and 4 (30.00, 80.00); April 1
-- (35.00); all months: 4 customers (not 2 + 2 + 2 + 1), 7 orders, 280.00

-- Cohort analysis
SELECT cohort, period_offset, cohort_customers, active_customers, orders, revenue,
       round(cumulative_revenue_per_customer, 2) AS cumulative_per_customer
FROM clv_cohorts('SELECT customer_id, ordered_at, amount FROM orders', 'month', 'UTC');
-- by hand: cohorts by the month of the first order: January {1, 2},
-- February {3}, March {4}; the last month observed is April.  January:
-- 90.00 (40 + 60 - 10), then 25.00, nothing, 35.00: 45.00, 57.50, 57.50,
-- 75.00 per customer; February: 20.00, 30.00, nothing; March: 80.00, nothing

-- Growth: referral value
SELECT customer_id, own_revenue, referred_customers, referred_revenue,
       referral_inclusive_value
FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM orders',
                        'SELECT 3, 1 UNION ALL SELECT 4, 3', NULL)
ORDER BY customer_id;
-- by hand: 1 referred 3, who referred 4: customer 1 reaches 3 and 4
-- (50.00 + 80.00 = 130.00), 3 reaches 4 (80.00)

RESET search_path;
RESET IntervalStyle;
RESET DateStyle;
RESET TimeZone;
SET client_min_messages = warning;
DROP SCHEMA test_readme CASCADE;
RESET client_min_messages;
