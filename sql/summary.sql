--
-- summary: the two-step form (clv_summary, rollup, accessors) and its I/O
--
-- every regress file shares one database (make installcheck): keep this
-- file's objects in its own schema
CREATE SCHEMA test_summary;
SET search_path = test_summary, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

-- 60 customers over 90 days; customer c orders on days where (day + c) % 7 = 0,
-- amounts vary and every 11th row is a refund.
CREATE TABLE orders AS
  SELECT c AS customer_id,
         '2024-01-01'::timestamptz + d * interval '1 day' + c * interval '1 minute' AS ordered_at,
         CASE WHEN (c + d) % 11 = 0 THEN -(c % 5 + 1.25) ELSE (c * 3 + d) / 4.0 END::numeric(10,2) AS amount
  FROM generate_series(1, 60) c, generate_series(0, 89) d
  WHERE (d + c) % 7 = 0 OR c % 13 = 0 AND d = 50;

-- daily summaries, stored, then rolled up
CREATE TABLE daily AS
  SELECT date_trunc('day', ordered_at) AS day, clv_summary(customer_id, ordered_at, amount) AS s
  FROM orders GROUP BY 1;
SELECT count(*) AS days FROM daily;

-- the one-step figures, by plain SQL
CREATE VIEW plain AS
  WITH c AS (
    SELECT customer_id, count(*) FILTER (WHERE amount >= 0) AS n,
           min(ordered_at) FILTER (WHERE amount >= 0) AS first,
           max(ordered_at) FILTER (WHERE amount >= 0) AS last
    FROM orders GROUP BY customer_id)
  SELECT (SELECT count(*) FROM c WHERE n > 0) AS customers,
         (SELECT sum(n) FROM c) AS orders,
         (SELECT sum(amount) FROM orders) AS revenue,
         (SELECT count(*) FROM c WHERE n >= 2) AS repeat_customers,
         (SELECT sum(CASE WHEN n >= 2 THEN extract(epoch FROM last - first) * n / (n - 1) ELSE 0 END)
                 / count(*) / (365.25 * 86400) FROM c WHERE n > 0) AS lifespan;
SELECT * FROM plain;

-- rollup of the daily summaries equals the one-step summary, accessor by accessor
WITH r AS (SELECT rollup(s) AS s FROM daily),
     o AS (SELECT clv_summary(customer_id, ordered_at, amount) AS s FROM orders)
SELECT customers(r.s) = customers(o.s) AS customers,
       orders(r.s) = orders(o.s) AS orders,
       revenue(r.s) = revenue(o.s) AS revenue,
       revenue(r.s)::text = revenue(o.s)::text AS revenue_text,
       aov(r.s) = aov(o.s) AS aov,
       lifespan(r.s) = lifespan(o.s) AS lifespan,
       purchase_frequency(r.s) = purchase_frequency(o.s) AS frequency,
       clv(r.s) = clv(o.s) AS clv,
       repeat_rate(r.s) = repeat_rate(o.s) AS repeat_rate,
       retention_rate(r.s, '2024-02-15') = retention_rate(o.s, '2024-02-15') AS retention,
       r.s::text = o.s::text AS same_text
FROM r, o;

-- and both equal plain SQL
SELECT customers(s) = p.customers AS customers,
       orders(s) = p.orders AS orders,
       revenue(s) = p.revenue AS revenue,
       repeat_customers(s) = p.repeat_customers AS repeat_customers,
       abs(lifespan(s) - p.lifespan) < 1e-12 AS lifespan,
       aov(s) = round(p.revenue / p.orders, 16) AS aov,
       clv(s) = round(p.revenue / p.customers, 16) AS clv,
       abs(purchase_frequency(s) - p.orders::float8 / p.customers / p.lifespan) < 1e-9 AS frequency,
       clv(s) = clv_agg AS one_step_clv
FROM (SELECT rollup(s) AS s FROM daily) r, plain p,
     (SELECT clv_agg(customer_id, ordered_at, amount) FROM orders) a;

-- the figures themselves
SELECT customers(s), orders(s), repeat_customers(s), revenue(s), aov(s), clv(s),
       clv(s, 0.25) AS clv_25pct_margin, round(lifespan(s)::numeric, 6) AS lifespan,
       round(purchase_frequency(s)::numeric, 6) AS frequency, repeat_rate(s),
       round(retention_rate(s, '2024-02-15')::numeric, 6) AS crr,
       first_order(s), last_order(s)
FROM (SELECT rollup(s) AS s FROM daily) r;

-- monthly rollups equal one-step monthly aggregates
SELECT bool_and(customers(m.s) = customers(o.s) AND revenue(m.s) = revenue(o.s)
                AND clv(m.s) = o.clv AND lifespan(m.s) = lifespan(o.s)) AS months_equal,
       count(*) AS months
FROM (SELECT date_trunc('month', day) AS month, rollup(s) AS s FROM daily GROUP BY 1) m
JOIN (SELECT date_trunc('month', ordered_at) AS month,
             clv_summary(customer_id, ordered_at, amount) AS s,
             clv_agg(customer_id, ordered_at, amount) AS clv
      FROM orders GROUP BY 1) o USING (month);

-- rolling up in any order and any grouping gives the same summary
SELECT count(DISTINCT t) AS distinct_results FROM (
  SELECT rollup(s ORDER BY day)::text AS t FROM daily
  UNION ALL SELECT rollup(s ORDER BY day DESC)::text FROM daily
  UNION ALL SELECT rollup(s ORDER BY md5(day::text))::text FROM daily
  UNION ALL SELECT rollup(w)::text FROM (SELECT rollup(s) AS w FROM daily GROUP BY extract(dow FROM day)) x
) z;

-- text and binary I/O round-trip exactly
SELECT rollup(s)::text::clv_summary::text = rollup(s)::text AS text_roundtrip FROM daily;
SELECT clv_summary_recv_check FROM (
  SELECT clv_summary_send(rollup(s)) = clv_summary_send(rollup(s)::text::clv_summary) AS clv_summary_recv_check
  FROM daily) x;
CREATE TABLE copy_test (s clv_summary);
INSERT INTO copy_test SELECT rollup(s) FROM daily;
COPY copy_test TO '/dev/null' WITH (FORMAT binary);
SELECT length(s::text) > 100 AS has_text FROM copy_test;
-- text keys and uuid keys round-trip too
SELECT s::text::clv_summary::text = s::text AS text_keys
FROM (SELECT clv_summary('customer-' || g, '2024-01-01'::date + g, g) s FROM generate_series(1, 300) g) x;
SELECT s::text::clv_summary::text = s::text AS uuid_keys, customers(s)
FROM (SELECT clv_summary(md5(g::text)::uuid, '2024-01-01'::date + g, g) s FROM generate_series(1, 300) g) x;

-- an empty aggregate gives an empty summary: counts 0, the rest NULL
SELECT customers(s), orders(s), revenue(s), aov(s), clv(s), lifespan(s), purchase_frequency(s),
       repeat_rate(s), retention_rate(s, now()), first_order(s)
FROM (SELECT clv_summary(customer_id, ordered_at, amount) s FROM orders WHERE false) x;
SELECT customers(rollup(s)) FROM daily WHERE false;
-- rollup ignores NULL summaries
SELECT customers(rollup(s)) FROM (SELECT NULL::clv_summary UNION ALL SELECT s FROM daily) x(s);

-- one-time buyers only: lifespan 0, frequency undefined (NULL), CLV still revenue / customers
SELECT lifespan(s), purchase_frequency(s), clv(s), aov(s)
FROM (SELECT clv_summary(g, '2024-01-01'::date, 10 * g) s FROM generate_series(1, 4) g) x;

-- a stored summary in a materialized view, refreshed
CREATE MATERIALIZED VIEW mv AS
  SELECT date_trunc('week', ordered_at) AS week, clv_summary(customer_id, ordered_at, amount) AS s
  FROM orders GROUP BY 1;
SELECT clv(rollup(s)) = (SELECT clv_agg(customer_id, ordered_at, amount) FROM orders) AS mv_equal FROM mv;
INSERT INTO orders VALUES (1000, '2024-03-01', 99.99);
REFRESH MATERIALIZED VIEW mv;
SELECT clv(rollup(s)) = (SELECT clv_agg(customer_id, ordered_at, amount) FROM orders) AS mv_equal_after,
       customers(rollup(s)) FROM mv;

-- large stored summaries are TOASTed (compressed, out of line) and still merge exactly
CREATE TABLE stored AS
  SELECT g % 4 AS part, clv_summary(g, '2024-01-01'::timestamptz + g * interval '1 hour', g % 100) AS s
  FROM generate_series(1, 20000) g GROUP BY 1;
SELECT pg_column_size(s) < length(s::text) * 3 / 4 AS toasted_smaller, customers(s) FROM stored ORDER BY part;
SELECT customers(rollup(s)), revenue(rollup(s)) = (SELECT sum(g % 100) FROM generate_series(1, 20000) g) AS revenue_exact,
       rollup(s)::text = (SELECT clv_summary(g, '2024-01-01'::timestamptz + g * interval '1 hour', g % 100)::text
                          FROM generate_series(1, 20000) g) AS same_as_one_step
FROM stored;

-- many small groups (GROUP BY customer): per-customer figures equal plain SQL
SELECT bool_and(c = p) AS per_customer_equal, count(*) AS customers
FROM (SELECT customer_id,
             ROW(customers(s), orders(s), revenue(s), clv(s), first_order(s), last_order(s)) AS c
      FROM (SELECT customer_id, clv_summary(customer_id, ordered_at, amount) AS s
            FROM orders GROUP BY customer_id) x) a
JOIN (SELECT customer_id,
             ROW(1::bigint, count(*) FILTER (WHERE amount >= 0), sum(amount), sum(amount),
                 min(ordered_at) FILTER (WHERE amount >= 0), max(ordered_at) FILTER (WHERE amount >= 0)) AS p
      FROM orders GROUP BY customer_id) b USING (customer_id);

-- clv(s) = revenue / customers (and every other exact mean: aov, the cohort
-- table, clv_agg with a horizon, clv_rfm's monetary_value) is computed in
-- int128 where it fits; it must be numeric's own division, with its
-- trailing zeros dropped and at least the amounts' display scale, as plain
-- SQL computes it: 600 values of 1 to 35 digits with 0 to 14 decimals
-- (some with extra trailing zeros), of both signs and 0, each divided by a
-- count of 1 to 1001 (every customer orders 0, and customer 1 also spends
-- or refunds the value)
SELECT setseed(0.25);
CREATE TABLE divs AS
SELECT i, v, n
FROM (SELECT i, n, round((CASE WHEN i % 7 = 0 THEN '0' ELSE digits END || 'e-' || s)::numeric
							   * CASE WHEN i % 3 = 0 THEN -1 ELSE 1 END, s + (i % 4) % 3) AS v
	  FROM (SELECT i, (ARRAY[1, 2, 3, 4, 6, 7, 9, 12, 17, 33, 64, 99, 100, 101, 333, 999, 1000, 1001])[1 + (i * 7) % 18] AS n,
				   (1 + i % 9)::text || substr(translate(md5(i::text), 'abcdef', '024689') || translate(md5(i::text || 'x'), 'abcdef', '135791'),
											  1, floor(random() * 34)::int) AS digits,
				   floor(random() * 15)::int AS s
			FROM generate_series(1, 600) i) g) x;
SELECT count(*) AS divisions, count(*) FILTER (WHERE got::text = expected::text) AS same,
	   count(DISTINCT n) AS counts, min(length(abs(v)::text)) AS shortest, max(length(abs(v)::text)) AS longest
FROM (SELECT i, clv(clv_summary(c, timestamptz '2024-01-01', amount)) AS got
	  FROM divs, generate_series(1, n) c, LATERAL (VALUES (0), (CASE WHEN c = 1 THEN v END)) o(amount)
	  WHERE amount IS NOT NULL GROUP BY i) a
JOIN (SELECT i, n, v, CASE WHEN scale(trim_scale(v / n)) < scale(v) THEN round(trim_scale(v / n), scale(v))
						   ELSE trim_scale(v / n) END AS expected
	  FROM divs) b USING (i);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_summary CASCADE;
RESET client_min_messages;
