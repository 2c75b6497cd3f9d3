--
-- agg: clv_agg, the historical CLV, on the seed examples and hand-computed cases
--
-- CLV = AOV x purchase frequency x lifespan = net revenue / customers.
-- The parts come from the summary accessors (see summary.sql for those alone).
-- every regress file shares one database (make installcheck): keep this
-- file's objects in its own schema
CREATE SCHEMA test_agg;
SET search_path = test_agg, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

-- Seed 1: 9 orders of 200, one every 4 months for 3 years, one customer.
-- AOV 200, 3 orders a year, lifespan 3 years, CLV 200 * 3 * 3 = 1800.
-- lifespan = (last - first) * n/(n-1) = 974 days * 9/8 = 1095.75 days = 3 * 365.25 days.
CREATE TABLE seed1 AS
  SELECT 1 AS customer_id, t AS ordered_at, 200.00::numeric AS amount
  FROM generate_series('2020-01-01'::timestamptz, '2022-09-01', '4 months') t;
SELECT count(*) AS orders, sum(amount) FROM seed1;
SELECT clv_agg(customer_id, ordered_at, amount) FROM seed1;
SELECT clv(s) = 1800 AS clv_is_1800,
       aov(s) = 200 AS aov_is_200,
       purchase_frequency(s) AS frequency,
       lifespan(s) AS lifespan_years,
       aov(s) * purchase_frequency(s)::numeric * lifespan(s)::numeric AS product
FROM (SELECT clv_summary(customer_id, ordered_at, amount) s FROM seed1) x;

-- Seed 2: a first order of 100, then 11 monthly orders of 20: CLV 100 + 11 * 20 = 320.
CREATE TABLE seed2 AS
  SELECT 'alice'::text AS customer_id, '2021-01-01'::date AS ordered_at, 100 AS amount
  UNION ALL
  SELECT 'alice', ('2021-01-01'::date + (m || ' months')::interval)::date, 20
  FROM generate_series(1, 11) m;
SELECT clv_agg(customer_id, ordered_at, amount) FROM seed2;
-- parts: 12 orders, AOV 320/12, lifespan 334 days * 12/11 = 364.3636 days
SELECT orders(s), round(aov(s), 4) AS aov,
       round(lifespan(s)::numeric * 365.25, 4) AS lifespan_days,
       round(purchase_frequency(s)::numeric, 4) AS per_year,
       round(aov(s) * purchase_frequency(s)::numeric * lifespan(s)::numeric, 6) AS product
FROM (SELECT clv_summary(customer_id, ordered_at, amount) s FROM seed2) x;
-- hand: 364.3636 days = 0.997573 years; 12 / 0.997573 = 12.0292 orders a year
SELECT round(334 * 12 / 11.0, 4) AS hand_lifespan_days,
       round(12 / (334 * 12 / 11.0 / 365.25), 4) AS hand_per_year;

-- Seed 3: 10 purchases totalling 600 over two years: CLV 600.
CREATE TABLE seed3 (customer_id bigint, ordered_at timestamp, amount double precision);
INSERT INTO seed3 VALUES
  (7, '2019-01-01', 30), (7, '2019-03-15', 45.5), (7, '2019-06-01', 80),
  (7, '2019-08-20', 44.5), (7, '2019-12-24', 100), (7, '2020-02-02', 60),
  (7, '2020-05-05', 70), (7, '2020-07-07', 50), (7, '2020-10-10', 60),
  (7, '2021-01-01', 60);
SELECT sum(amount) AS total, count(*) AS purchases FROM seed3;
SELECT clv_agg(customer_id, ordered_at, amount) FROM seed3;

-- Several customers: the average of their CLVs = net revenue / customers.
-- a: 100 + 50 = 150; b: 30; c: 10 + 10 + 10 = 30, refund -5 => 25; (150 + 30 + 25) / 3 = 68.333...
CREATE TABLE orders (customer_id text, ordered_at timestamptz, amount numeric);
INSERT INTO orders VALUES
  ('a', '2024-01-01', 100), ('a', '2024-03-01', 50),
  ('b', '2024-02-01', 30),
  ('c', '2024-01-10', 10), ('c', '2024-01-20', 10), ('c', '2024-02-20', 10),
  ('c', '2024-03-01', -5);
SELECT clv_agg(customer_id, ordered_at, amount),
       sum(amount) / count(DISTINCT customer_id) FILTER (WHERE amount >= 0) AS plain_sql
FROM orders;
-- per customer, clv_agg is the customer's net revenue
SELECT customer_id, clv_agg(customer_id, ordered_at, amount), sum(amount)
FROM orders GROUP BY customer_id ORDER BY customer_id;
-- an empty group and a group of only NULLs give NULL
SELECT clv_agg(customer_id, ordered_at, amount) FROM orders WHERE false;
SELECT clv_agg(NULL::int, now(), 1);

-- Every argument type: keys bigint, integer, smallint, text, varchar, char, uuid;
-- times timestamptz, timestamp, date; amounts numeric, double, real, integers.
SELECT clv_agg(1::bigint, '2024-01-01'::timestamptz, 10.5::numeric) AS k_bigint,
       clv_agg(1::int, '2024-01-01'::timestamp, 10.5::float8) AS k_int,
       clv_agg(1::smallint, '2024-01-01'::date, 10::int) AS k_smallint,
       clv_agg('x'::text, '2024-01-01'::date, 10::bigint) AS k_text,
       clv_agg('x'::varchar, '2024-01-01'::date, 10::smallint) AS k_varchar,
       clv_agg('x'::char(3), '2024-01-01'::date, 10.25::real) AS k_char,
       clv_agg('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '2024-01-01'::date, 10.5) AS k_uuid,
       clv_agg('literal', '2024-01-01', 1.5) AS k_unknown_literals;
-- char(n) keys ignore trailing blanks, as char equality does
SELECT clv_agg(k, '2024-01-01'::date, 1) FROM (VALUES ('ab'::char(5)), ('ab '::char(5))) v(k);

-- Revenue is exact: amounts with many decimals sum to exactly sum(amount).
CREATE TABLE cents AS
  SELECT (g % 50) AS customer_id, '2024-01-01'::date + g % 300 AS ordered_at,
         (g * 0.01 + 0.001)::numeric(12,3) AS amount
  FROM generate_series(1, 10000) g;
SELECT revenue(clv_summary(customer_id, ordered_at, amount)) = sum(amount) AS exact,
       revenue(clv_summary(customer_id, ordered_at, amount)) AS revenue, sum(amount)
FROM cents;
SELECT clv_agg(customer_id, ordered_at, amount) = sum(amount) / 50 AS clv_exact FROM cents;
-- A large state (over 32 customers: updated in place) adds most numeric
-- amounts to its revenue without converting them (money.c); every form of
-- numeric, in random order so that the scale rises mid-stream, against
-- sum(amount): cents, integers, large and tiny values, over 16 digits,
-- numeric's long header (display scale over 63), zeros with a display
-- scale, refunds
CREATE TABLE forms AS
  SELECT g % 400 AS customer_id, '2024-01-01'::date + g % 300 AS ordered_at,
         CASE g % 11
           WHEN 0 THEN (g % 9973) / 100.0
           WHEN 1 THEN (g % 777)::numeric
           WHEN 2 THEN (g % 97) * 1e9
           WHEN 3 THEN (g % 89) * 0.0005
           WHEN 4 THEN g / 7.0
           WHEN 5 THEN 0.5::numeric(100, 70)
           WHEN 6 THEN 0.000
           WHEN 7 THEN -((g % 313) / 100.0)
           WHEN 8 THEN (g % 1000) * 1e-18
           WHEN 9 THEN 12345678.9012
           ELSE -(g % 50)::numeric
         END AS amount
  FROM generate_series(1, 20000) g ORDER BY md5(g::text);
SELECT revenue(s) = r AS exact, revenue(s)::text = r::text AS same_text,
       orders(s) = o AS orders, customers(s) = c AS customers, clv_agg = r / c AS clv
FROM (SELECT clv_summary(customer_id, ordered_at, amount) AS s,
             clv_agg(customer_id, ordered_at, amount), sum(amount) AS r,
             count(*) FILTER (WHERE amount >= 0) AS o,
             count(DISTINCT customer_id) FILTER (WHERE amount >= 0) AS c
      FROM forms) x;
-- and in the regime of one scale per state (0 to 4 decimals), where the
-- amounts take the in-place path: amounts of 1 to 4 base-10000 digits
-- with up to that many decimals, integers, zeros with a display scale,
-- refunds
CREATE TABLE scales AS
  SELECT s, g % 500 AS customer_id, '2024-01-01'::date + g % 300 AS ordered_at,
         CASE WHEN g % 7 = 0 THEN -round((g % 1009) / 37.0, s)
              WHEN g % 13 = 0 THEN round(0, s)
              WHEN g % 11 = 0 THEN round(g * 1234.567, s)
              WHEN g % 17 = 0 THEN round(g * 123456789.0123, s)
              WHEN g % 5 = 0 THEN (g % 1000)::numeric
              ELSE round((g % 100003) / 37.0, s) END AS amount
  FROM generate_series(0, 4) s, generate_series(1, 5000) g;
SELECT s, revenue(x) = r AS exact, revenue(x)::text = r::text AS same_text,
       orders(x) = o AS orders, customers(x) = c AS customers
FROM (SELECT s, clv_summary(customer_id, ordered_at, amount) AS x, sum(amount) AS r,
             count(*) FILTER (WHERE amount >= 0) AS o,
             count(DISTINCT customer_id) FILTER (WHERE amount >= 0) AS c
      FROM scales GROUP BY s) y
ORDER BY s;
-- a display scale first seen once the state is large: 40 * 1 + 10 * 2.000
SELECT revenue(clv_summary(c, '2024-01-01'::date, CASE WHEN c > 40 THEN 2.000 ELSE 1 END)) AS revenue
FROM generate_series(1, 50) c;
-- double precision amounts go through the float8 -> numeric cast, so the sum is that of the cast values
SELECT clv_agg(1, now(), x) = sum(x::numeric) AS float_sum_exact
FROM (VALUES (0.1::float8), (0.2::float8), (0.3::float8)) v(x);

-- clv_agg with a horizon: average revenue in the first `horizon` after the
-- first order, over the customers observed for at least `horizon`.
-- Observation ends at the latest order, 2021-06-01.
--   1: first 2020-01-01, window < 2021-01-01: 100 + 50 = 150 (the 2021-01-01 order is outside)
--   2: first 2020-03-01, window < 2021-03-01: 10 (the 2021-06-01 order is outside)
--   3: first 2021-05-01 + 1 year > 2021-06-01: not observed long enough
--   => (150 + 10) / 2 = 80
CREATE TABLE h (customer_id int, ordered_at date, amount numeric);
INSERT INTO h VALUES (1, '2020-01-01', 100), (1, '2020-06-01', 50), (1, '2021-01-01', 30),
  (2, '2020-03-01', 10), (2, '2021-06-01', 5), (3, '2021-05-01', 1000);
SELECT clv_agg(customer_id, ordered_at, amount, '1 year') FROM h;
-- the same rows in reverse order (the first order arrives last)
SELECT clv_agg(customer_id, ordered_at, amount, '1 year' ORDER BY ordered_at DESC) FROM h;
-- a refund inside the window lowers it: customer 1 gets -20 in 2020-07
INSERT INTO h VALUES (1, '2020-07-01', -20);
SELECT clv_agg(customer_id, ordered_at, amount, '1 year') FROM h;  -- (130 + 10) / 2 = 70
-- a horizon no customer completes gives NULL
SELECT clv_agg(customer_id, ordered_at, amount, '10 years') FROM h;
-- calendar arithmetic: '1 month' from 2024-01-31 ends 2024-02-29 (leap year)
SELECT clv_agg(c, t, a, '1 month') FROM (VALUES
  (1, '2024-01-31'::date, 10), (1, '2024-02-28', 5), (1, '2024-02-29', 7), (2, '2024-03-31', 1)) v(c, t, a);
-- => customer 1 qualifies (2024-02-29 <= 2024-03-31), window < 2024-02-29: 10 + 5 = 15;
--    customer 2 does not: 15

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_agg CASCADE;
RESET client_min_messages;
