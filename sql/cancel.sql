--
-- cancel: long clv operations stop promptly on statement_timeout (within a
-- second of it), the state-memory limit gives its error, and the backend
-- keeps working afterwards without holding on to memory.
--
-- Each case builds its input first (no timeout), then runs the long part
-- with statement_timeout = 500 ms and checks that the error came less
-- than 1.5 s after the statement started.
--
-- every regress file shares one database (make installcheck): keep this
-- file's objects in its own schema
CREATE SCHEMA test_cancel;
SET search_path = test_cancel, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
\set VERBOSITY terse

-- inputs: a state whose cohort table has 109 million rows (orders in
-- 4713 BC and 294276 AD), a summary of 300000 customers, its text form
CREATE TABLE wide AS
SELECT clv_cohort_state(c, t, 1, 'day', 'UTC') AS s
FROM (VALUES (1, '4713-01-01 00:00+00 BC'::timestamptz), (1, '294276-12-31 00:00+00')) v(c, t);
CREATE TABLE big AS
SELECT clv_summary(g, '2024-01-01'::date + g % 1000, g % 97) AS s FROM generate_series(1, 300000) g;
CREATE TABLE big_text AS SELECT s::text AS t FROM big;
CREATE AGGREGATE horizon_state(bigint, timestamptz, integer, interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state);
CREATE TABLE big_horizon AS
SELECT horizon_state(g, '2024-01-01'::timestamptz + (g % 1000) * interval '1 hour', g % 97, '30 days') AS s
FROM generate_series(1, 300000) g;
SELECT customers(s), length(t) > 1000000 AS big_text FROM big, big_text;

SET statement_timeout = '500ms';

-- clv_cohort_table expanding the wide state
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FROM wide, clv_cohort_table(s);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.5 s' AS cancelled_within_a_second;

-- clv_cohorts over an endless orders query
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FROM clv_cohorts('SELECT g % 1000, timestamptz ''2024-01-01'' + g * interval ''1 minute'', 1 FROM generate_series(1, 1000000000) g', 'day', 'UTC');
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.5 s' AS cancelled_within_a_second;

-- an aggregate over many rows
SELECT clock_timestamp() AS t0 \gset
SELECT clv_agg(g % 100000, '2024-01-01'::date, 1) FROM generate_series(1, 1000000000) g;
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.5 s' AS cancelled_within_a_second;

-- merging large states again and again
SELECT clock_timestamp() AS t0 \gset
SELECT customers(rollup(s)) FROM big, generate_series(1, 100000);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.5 s' AS cancelled_within_a_second;

-- reading a large text value again and again
SELECT clock_timestamp() AS t0 \gset
SELECT sum(customers(t::clv_summary)) FROM big_text, generate_series(1, 100000);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.5 s' AS cancelled_within_a_second;

-- the final function of clv_agg with a horizon over a large state
SELECT clock_timestamp() AS t0 \gset
SELECT sum(clv_horizon_final(s)) FROM big_horizon, generate_series(1, 100000);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.5 s' AS cancelled_within_a_second;

-- models: fits over 300000 distinct customer summaries, each fit repeated
-- in one statement so that it runs longer than the timeout however fast
-- one fit is (a fit checks for interrupts in its optimizer loops)
RESET statement_timeout;
CREATE TABLE fit_rft AS
SELECT btyd_data(f::float8, CASE WHEN f = 0 THEN 0 ELSE f * 7.0 + (i % 997) * 0.001 END, 400.0 + (i % 1000) * 0.1) AS d
FROM (SELECT i, i % 40 AS f FROM generate_series(1, 300000) i) x;
CREATE TABLE fit_spend AS
SELECT btyd_data((1 + i % 40)::float8, 10 + (i % 99991) * 0.01) AS d FROM generate_series(1, 300000) i;
SELECT btyd_data_distinct(d) > 100000 AS many_distinct FROM fit_rft;
SET statement_timeout = '500ms';

SELECT clock_timestamp() AS t0 \gset
SELECT (bgnbd_fit(d)).converged FROM fit_rft, generate_series(1, 1000);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.5 s' AS cancelled_within_a_second;

SELECT clock_timestamp() AS t0 \gset
SELECT (pareto_nbd_fit(d)).converged FROM fit_rft, generate_series(1, 1000);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.5 s' AS cancelled_within_a_second;

SELECT clock_timestamp() AS t0 \gset
SELECT (gamma_gamma_fit(d)).converged FROM fit_spend, generate_series(1, 1000);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.5 s' AS cancelled_within_a_second;

-- the aggregate form: building the input and fitting
SELECT clock_timestamp() AS t0 \gset
SELECT (bgnbd_fit(f::float8, CASE WHEN f = 0 THEN 0 ELSE f * 7.0 + (i % 997) * 0.001 END, 400.0 + (i % 1000) * 0.1)).converged
FROM (SELECT i, i % 40 AS f FROM generate_series(1, 100000000) i) x;
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.5 s' AS cancelled_within_a_second;

RESET statement_timeout;

-- the backend still works
SELECT customers(s) FROM big;

-- the state-memory limit: its error (54000), then the backend works and
-- the memory of the failed aggregates is released
SELECT sum(total_bytes) AS before_bytes FROM pg_backend_memory_contexts \gset
SET clv.max_state_memory = '1MB';
SELECT clv_agg(g, now(), 1) FROM generate_series(1, 1000000) g;
SELECT count(*) FROM clv_cohorts('SELECT g, now(), 1 FROM generate_series(1, 1000000) g', 'month', 'UTC');
SELECT clv_agg(g, now(), 1, '1 day') FROM generate_series(1, 1000000) g;
DO $$
BEGIN
	FOR i IN 1 .. 20 LOOP
		BEGIN
			PERFORM clv_summary(g, now(), 1) FROM generate_series(1, 1000000) g;
		EXCEPTION WHEN program_limit_exceeded THEN
			NULL;
		END;
	END LOOP;
END $$;
RESET clv.max_state_memory;
SELECT (sum(total_bytes) - :before_bytes) < 4 * 1024 * 1024 AS memory_released FROM pg_backend_memory_contexts;
SELECT clv_agg(g % 1000, now(), 1) FROM generate_series(1, 100000) g;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_cancel CASCADE;
RESET client_min_messages;
