-- test/fuzz/seeds.sql: seeds and probes of the input-function fuzzer
-- (test/fuzz/clv_fuzz.c, run by test/stages/40_fuzz.sh).
--
-- fuzz_seeds(typname, probe, val): one row per seed value.  "probe" is a
-- query with one parameter $1 of the type; the fuzzer sends every mutated
-- value through it (binary or text), so an accepted value also goes through
-- the output and send functions, the accessors and the combine function.
-- Seeds cover every key kind (integer, text, uuid), empty states, refunds,
-- cutoffs, many customers and many decimals.  Every custom type of the
-- extension must have seeds here (the stage checks it).
SET TimeZone = 'UTC';

CREATE TABLE fuzz_orders AS
SELECT i % 37 AS cust, (i % 37)::text || '-k' AS tcust,
       ('00000000-0000-0000-0000-' || lpad((i % 37)::text, 12, '0'))::uuid AS ucust,
       timestamptz '2023-01-01' + (i * 7919 % 500) * interval '1 day' + i * interval '13 minutes' AS t,
       CASE WHEN i % 11 = 0 THEN -(i % 7) - 0.5 ELSE (i % 23) * 1.75 END AS amount
FROM generate_series(1, 400) i;

CREATE TABLE fuzz_seeds (typname text, probe text, val text);

-- the aggregates' states as values (no final function)
CREATE AGGREGATE fuzz_cutoff_state(text, timestamptz, timestamptz) (
	SFUNC = clv_summary_accum_cutoff, STYPE = clv_summary);
CREATE AGGREGATE fuzz_orders_state(bigint, timestamptz) (
	SFUNC = clv_summary_accum_orders, STYPE = clv_summary);
CREATE AGGREGATE fuzz_horizon_state(bigint, timestamptz, numeric, interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state);
CREATE AGGREGATE fuzz_horizon_state(text, timestamptz, float8, interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state);
CREATE AGGREGATE fuzz_horizon_state(uuid, timestamptz, integer, interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state);
CREATE AGGREGATE fuzz_horizon_state(bigint, timestamptz, integer, interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state);
CREATE AGGREGATE fuzz_horizon_rollup(clv_horizon_state) (
	SFUNC = clv_horizon_combine, STYPE = clv_horizon_state);

-- clv_summary --------------------------------------------------------------
INSERT INTO fuzz_seeds (typname, val)
SELECT 'clv_summary', v::text FROM (
	SELECT clv_summary(cust, t, amount) FROM fuzz_orders
	UNION ALL SELECT clv_summary(tcust, t, amount) FROM fuzz_orders WHERE cust < 5
	UNION ALL SELECT clv_summary(ucust, t, amount::float8) FROM fuzz_orders WHERE cust < 3
	UNION ALL SELECT clv_summary(NULL::int, NULL::date, NULL::int)
	UNION ALL SELECT clv_summary(1, date '2024-01-01', 123456789.123456789)
	UNION ALL SELECT clv_summary(1, date '2024-01-01', -5)
	UNION ALL SELECT fuzz_orders_state(cust, t) FROM fuzz_orders WHERE cust < 9
	UNION ALL SELECT fuzz_cutoff_state(tcust, t, timestamptz '2023-09-01') FROM fuzz_orders WHERE cust < 6
) v(v) WHERE v IS NOT NULL;
UPDATE fuzz_seeds SET probe = $$
SELECT $1::text, clv_summary_send($1), customers($1), orders($1), repeat_customers($1), revenue($1), aov($1),
       purchase_frequency($1), lifespan($1), clv($1), clv($1, 0.3), repeat_rate($1),
       retention_rate($1, '2024-01-15'), first_order($1), last_order($1),
       (SELECT rollup(x)::text FROM (VALUES ($1), ($1)) v(x))
$$ WHERE typname = 'clv_summary';

-- clv_horizon_state ----------------------------------------------------------
INSERT INTO fuzz_seeds (typname, val)
SELECT 'clv_horizon_state', v::text FROM (
	SELECT fuzz_horizon_state(cust, t, amount, interval '90 days') FROM fuzz_orders WHERE cust < 6
	UNION ALL SELECT fuzz_horizon_state(tcust, t, amount::float8, interval '1 mon 2 days') FROM fuzz_orders WHERE cust = 1
	UNION ALL SELECT fuzz_horizon_state(ucust, t, (amount * 100)::int, interval '1 year') FROM fuzz_orders WHERE cust < 3
	UNION ALL SELECT fuzz_horizon_state(NULL::int, NULL::date, NULL::int, interval '1 day')
) v(v) WHERE v IS NOT NULL;
UPDATE fuzz_seeds SET probe = $$
SELECT $1::text, clv_horizon_state_send($1), clv_horizon_final($1),
       (SELECT fuzz_horizon_rollup(x)::text || ' ' || clv_horizon_final(fuzz_horizon_rollup(x))
        FROM (VALUES ($1), ($1)) v(x))
$$ WHERE typname = 'clv_horizon_state';

-- clv_cohort_state -------------------------------------------------------------
INSERT INTO fuzz_seeds (typname, val)
SELECT 'clv_cohort_state', v::text FROM (
	SELECT clv_cohort_state(cust, t, amount, 'month', 'UTC') FROM fuzz_orders
	UNION ALL SELECT clv_cohort_state(tcust, t, amount, 'week', 'Europe/Berlin') FROM fuzz_orders WHERE cust < 4
	UNION ALL SELECT clv_cohort_state(ucust, t, amount, 'quarter', 'America/New_York') FROM fuzz_orders WHERE cust < 2
	UNION ALL SELECT clv_cohort_state(cust, t, amount, 'day', 'UTC') FROM fuzz_orders WHERE cust = 3
	UNION ALL SELECT clv_cohort_state(cust, t, amount, 'year', '+05:30') FROM fuzz_orders WHERE cust = 3
) v(v) WHERE v IS NOT NULL;
UPDATE fuzz_seeds SET probe = $$
SELECT $1::text, clv_cohort_state_send($1),
       (SELECT count(*) || ' ' || sum(revenue) || ' ' || max(retention) FROM (SELECT * FROM clv_cohort_table($1) LIMIT 5000) c),
       (SELECT rollup(x)::text FROM (VALUES ($1), ($1)) v(x))
$$ WHERE typname = 'clv_cohort_state';

-- btyd_data (models, 20_models.sql) --------------------------------------------
INSERT INTO fuzz_seeds (typname, val)
SELECT 'btyd_data', v::text FROM (
	SELECT btyd_data((i % 7)::float8, (i % 7) * 3.5, 40::float8) FROM generate_series(1, 50) i
	UNION ALL SELECT btyd_data((i % 5)::float8, 10 + i % 13 * 1.25) FROM generate_series(1, 40) i WHERE i % 5 > 0
	UNION ALL SELECT btyd_data(2::float8, 30::float8, 40::float8)
	-- built from orders: a pair of both inputs with unit and observation end (send version 2)
	UNION ALL SELECT btyd_data(i % 30, timestamptz '2024-01-01' + (i * 7 % 90) * interval '1 day',
							   (i % 11) * 2.5 - 3, '2024-06-01 00:00+00', 'week')
	FROM generate_series(1, 200) i
) v(v) WHERE v IS NOT NULL;
UPDATE fuzz_seeds SET probe = $$
SELECT $1::text, btyd_data_send($1), btyd_data_customers($1), btyd_data_distinct($1),
       CASE WHEN $1::text NOT LIKE 'btyd_data:AgM%' THEN (SELECT rollup(x)::text FROM (VALUES ($1), ($1)) v(x)) END,
       CASE WHEN $1::text LIKE 'btyd_data:AQE%' THEN (bgnbd_fit($1)).log_likelihood END,
       CASE WHEN $1::text LIKE 'btyd_data:AQI%' THEN (gamma_gamma_fit($1)).log_likelihood END,
       CASE WHEN $1::text LIKE 'btyd_data:AgM%' THEN (bgnbd_fit($1)).log_likelihood + (gamma_gamma_fit($1)).log_likelihood END
$$ WHERE typname = 'btyd_data';

SELECT typname, count(*) AS seeds FROM fuzz_seeds GROUP BY 1 ORDER BY 1;
