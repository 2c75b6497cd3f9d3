-- test/fuzz/orders.sql: a small database using clv's types, aggregates and
-- functions everywhere (tables, a view, a materialized view), for sqlsmith
-- (test/stages/50_sqlsmith.sh) and the dump/restore stage
-- (test/stages/75_dump_restore.sh).  Deterministic.
SET TimeZone = 'UTC';

CREATE TABLE orders (
	order_id bigint PRIMARY KEY,
	customer_id int NOT NULL,
	customer_code text NOT NULL,
	ordered_at timestamptz NOT NULL,
	ordered_on date NOT NULL,
	amount numeric(12, 2) NOT NULL,
	amount_f float8 NOT NULL
);
INSERT INTO orders
SELECT i, c, 'C' || c, t, (t AT TIME ZONE 'UTC')::date, a, a::float8
FROM (SELECT i, (i * 7919) % 250 + 1 AS c,
			 timestamptz '2023-01-01' + ((i * 104729) % 700) * interval '1 day' + (i % 24) * interval '1 hour' AS t,
			 CASE WHEN i % 17 = 0 THEN -((i % 5) + 0.25) ELSE ((i * 31) % 200) + 0.99 END AS a
	  FROM generate_series(1, 5000) i) x;

-- stored states
CREATE TABLE daily_summaries AS
SELECT ordered_on AS day, clv_summary(customer_id, ordered_at, amount) AS s
FROM orders GROUP BY ordered_on;
CREATE TABLE monthly_cohorts AS
SELECT date_trunc('month', ordered_at)::date AS month,
	   clv_cohort_state(customer_id, ordered_at, amount, 'month', 'UTC') AS s
FROM orders GROUP BY 1;
CREATE AGGREGATE horizon_state(text, timestamptz, numeric, interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state, COMBINEFUNC = clv_horizon_combine,
	PARALLEL = SAFE);
CREATE TABLE horizon_states AS
SELECT customer_id % 10 AS shard, horizon_state(customer_code, ordered_at, amount, interval '90 days') AS s
FROM orders GROUP BY 1;

-- views
CREATE VIEW customer_stats AS
SELECT customer_id, clv_summary(customer_id, ordered_at, amount) AS s,
	   clv_agg(customer_id, ordered_at, amount) AS clv, repeat_rate(customer_id, ordered_at) AS rr
FROM orders GROUP BY customer_id;
CREATE MATERIALIZED VIEW monthly_kpis AS
SELECT date_trunc('month', ordered_at) AS month,
	   clv_agg(customer_id, ordered_at, amount) AS clv,
	   clv_agg(customer_code, ordered_on, amount_f) AS clv_f,
	   clv_agg(customer_id, ordered_at, amount, interval '30 days') AS clv_30d,
	   repeat_rate(customer_id, ordered_at) AS repeat_rate,
	   retention_rate(customer_id, ordered_at, date_trunc('month', ordered_at) + interval '15 days') AS retention,
	   clv_summary(customer_id, ordered_at, amount) AS s
FROM orders GROUP BY 1;
CREATE MATERIALIZED VIEW cohort_table AS
SELECT c.* FROM (SELECT rollup(s) AS s FROM monthly_cohorts) r, clv_cohort_table(r.s) c;
CREATE INDEX ON monthly_kpis (month);
ANALYZE;
