-- test/bench/data.sql: synthetic orders for the benchmark (run by run.sh).
--
-- psql variables: orders, customers, seed.  The same variables always give
-- the same table: random() is seeded and the INSERT runs in one backend
-- with a serial plan.
--
--   customer_id  bigint: 1 + floor(customers * u^2), u uniform in [0, 1):
--                skewed order counts (customer k gets about
--                orders / (2 * sqrt(customers * k)) orders, from one or two
--                for the last ids to hundreds for the first)
--   ordered_at   timestamptz, uniform over 2020-01-01 .. 2022-12-31 (UTC)
--   amount       numeric(10,2): 5 % refunds (-0.01 .. -100.00), the rest
--                orders of 5.00 .. 200.00
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET max_parallel_workers_per_gather = 0;
DROP TABLE IF EXISTS orders;
CREATE UNLOGGED TABLE orders (
	customer_id bigint NOT NULL,
	ordered_at timestamptz NOT NULL,
	amount numeric(10,2) NOT NULL
);
SELECT setseed(:seed);
INSERT INTO orders
SELECT 1 + floor(:customers * power(random(), 2))::bigint,
	   '2020-01-01 00:00:00+00'::timestamptz + random() * interval '1096 days',
	   CASE WHEN random() < 0.05
			THEN -round((0.01 + random() * 99.99)::numeric, 2)
			ELSE round((5 + random() * 195)::numeric, 2) END
FROM generate_series(1, :orders);
VACUUM (FREEZE, ANALYZE) orders;
