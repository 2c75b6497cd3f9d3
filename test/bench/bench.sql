-- test/bench/bench.sql: time the clv aggregates against plain SQL over the
-- table "orders" of data.sql (run by run.sh, which sets the psql variables
-- reps, workers, leader, memory, label).
--
-- Every query is run :reps times in this one session and its median time
-- kept (plpgsql EXECUTE, wall clock from clock_timestamp(); the result
-- must be the same every time).  The scan floor is timed again right before
-- each query, in the same modes, so that every ratio to the floor compares
-- runs made under the same load (the machine may be shared).  Modes: serial (max_parallel_workers_per_gather
-- = 0) and parallel (exactly :workers workers: the table's parallel_workers
-- and max_parallel_workers_per_gather, zero parallel costs, so that every
-- aggregate that can run in parallel does).  The state memory of the
-- clv_summary, horizon and cohort aggregates is the smallest
-- clv.max_state_memory (in kB) under which the serial query succeeds,
-- found by bisection to 0.4 %: exactly the bytes the state holds at its
-- peak (dictionary slots, entries and key bytes), as the limit counts them.
-- The state of clv_rfm (one per customer, inside a HashAggregate) is the
-- HashAggregate's "Peak Memory Usage" from EXPLAIN ANALYZE.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET extra_float_digits = 3;
SET work_mem = '4GB';
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
SET client_min_messages = notice;

CREATE TABLE bench.settings AS
SELECT :reps::int AS reps, :workers::int AS workers, :'leader'::bool AS leader,
	   :'memory'::bool AS memory, :'label'::text AS label,
	   (SELECT count(*) FROM orders) AS nrows,
	   (SELECT count(DISTINCT customer_id) FROM orders) AS ncustomers;

-- serial or parallel settings for the next queries
CREATE FUNCTION bench.mode(parallel boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	s bench.settings;
BEGIN
	SELECT * INTO s FROM bench.settings;
	PERFORM set_config('max_parallel_workers_per_gather',
					   CASE WHEN parallel THEN s.workers ELSE 0 END::text, false);
	PERFORM set_config('parallel_setup_cost', '0', false);
	PERFORM set_config('parallel_tuple_cost', '0', false);
	PERFORM set_config('min_parallel_table_scan_size', '0', false);
	PERFORM set_config('parallel_leader_participation', s.leader::text, false);
END $$;

-- median time (ms) of reps runs of q, and its result
CREATE FUNCTION bench.time(q text, parallel boolean, OUT ms float8, OUT result text)
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	times float8[] := '{}';
	r text;
	n int := (SELECT reps FROM bench.settings);
BEGIN
	IF q IS NULL THEN
		RETURN;
	END IF;
	PERFORM bench.mode(parallel);
	FOR i IN 1..n LOOP
		t0 := clock_timestamp();
		EXECUTE q INTO r;
		times := times || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
		IF i > 1 AND r IS DISTINCT FROM result THEN
			RAISE EXCEPTION 'result changed between runs: % / % (%)', result, r, q;
		END IF;
		result := r;
	END LOOP;
	SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) INTO ms FROM unnest(times) x;
END $$;

-- does q succeed with clv.max_state_memory = kb?
CREATE FUNCTION bench.fits(q text, kb bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('clv.max_state_memory', kb::text, false);
	BEGIN
		EXECUTE q;
		RETURN true;
	EXCEPTION WHEN program_limit_exceeded THEN
		RETURN false;
	END;
END $$;

-- peak state bytes of q (serial): the smallest clv.max_state_memory that works
CREATE FUNCTION bench.state_bytes(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	lo bigint := 64;
	hi bigint := greatest(64, (SELECT ncustomers * 128 / 1024 FROM bench.settings));
	mid bigint;
BEGIN
	IF q IS NULL OR NOT (SELECT memory FROM bench.settings) THEN
		RETURN NULL;
	END IF;
	PERFORM bench.mode(false);
	IF bench.fits(q, lo) THEN
		hi := lo;
	ELSE
		WHILE NOT bench.fits(q, hi) LOOP
			lo := hi;
			hi := hi * 2;
		END LOOP;
		WHILE hi - lo > greatest(1, hi / 256) LOOP
			mid := (lo + hi) / 2;
			IF bench.fits(q, mid) THEN
				hi := mid;
			ELSE
				lo := mid;
			END IF;
		END LOOP;
	END IF;
	RESET clv.max_state_memory;
	RETURN hi * 1024.0;
END $$;

-- peak memory of the HashAggregate nodes of q (serial), in bytes
CREATE FUNCTION bench.hashagg_bytes(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	plan jsonb;
BEGIN
	IF q IS NULL OR NOT (SELECT memory FROM bench.settings) THEN
		RETURN NULL;
	END IF;
	PERFORM bench.mode(false);
	EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || q INTO plan;
	RETURN (SELECT max(x::text::float8) * 1024
			FROM jsonb_path_query(plan, 'strict $.**."Peak Memory Usage"') x);
END $$;

-- the queries: the clv form, the plain-SQL forms (GROUP BY customer first,
-- then aggregate; a single-level count(DISTINCT) form where one exists),
-- how the state memory is measured, and whether the row is a one-step
-- aggregate of the summary family (the targets are in report.sql)
CREATE TABLE bench.queries (
	ord int PRIMARY KEY,
	name text NOT NULL,
	clv_q text,
	groupby_q text,
	distinct_q text,
	mem text,					-- 'state', 'hashagg' or NULL
	one_step boolean NOT NULL DEFAULT false,
	parallel_too boolean NOT NULL DEFAULT true,
	floor_q text				-- its scan floor, if not row 0's
);

INSERT INTO bench.queries VALUES
(0, 'scan floor: sum(amount)',
 $q$SELECT sum(amount)::text FROM orders$q$, NULL, NULL, NULL, false),

(10, 'clv_agg',
 $q$SELECT clv_agg(customer_id, ordered_at, amount)::text FROM orders$q$,
 $q$SELECT (sum(r) / count(*) FILTER (WHERE n > 0))::text
	FROM (SELECT sum(amount) AS r, count(*) FILTER (WHERE amount >= 0) AS n
		  FROM orders GROUP BY customer_id) c$q$,
 $q$SELECT (sum(amount) / count(DISTINCT customer_id) FILTER (WHERE amount >= 0))::text FROM orders$q$,
 'state', true),

(20, 'repeat_rate',
 $q$SELECT repeat_rate(customer_id, ordered_at)::text FROM orders$q$,
 $q$SELECT (count(*) FILTER (WHERE n >= 2)::float8 / count(*))::text
	FROM (SELECT count(*) AS n FROM orders GROUP BY customer_id) c$q$,
 NULL,
 'state', true),

(30, 'retention_rate',
 $q$SELECT retention_rate(customer_id, ordered_at, '2021-07-01 00:00:00+00')::text FROM orders$q$,
 $q$SELECT (count(*) FILTER (WHERE f < c AND l >= c)::float8 / count(*) FILTER (WHERE f < c))::text
	FROM (SELECT min(ordered_at) AS f, max(ordered_at) AS l FROM orders GROUP BY customer_id) x,
		 (SELECT '2021-07-01 00:00:00+00'::timestamptz AS c) p$q$,
 $q$SELECT ((b + a - t)::float8 / b)::text
	FROM (SELECT count(DISTINCT customer_id) FILTER (WHERE ordered_at < c) AS b,
				 count(DISTINCT customer_id) FILTER (WHERE ordered_at >= c) AS a,
				 count(DISTINCT customer_id) AS t
		  FROM orders, (SELECT '2021-07-01 00:00:00+00'::timestamptz AS c) p) x$q$,
 'state', true),

(40, 'clv_summary (+ accessors)',
 $q$SELECT concat_ws(' ', customers(s), orders(s), revenue(s), repeat_customers(s),
					  round(lifespan(s)::numeric, 9))
	FROM (SELECT clv_summary(customer_id, ordered_at, amount) AS s FROM orders) x$q$,
 $q$SELECT concat_ws(' ', count(*) FILTER (WHERE n > 0), sum(n), sum(r), count(*) FILTER (WHERE n >= 2),
					  round((sum(trunc(extract(epoch FROM l - f) * 1000000 * n / (n - 1))) FILTER (WHERE n >= 2)
							 / count(*) FILTER (WHERE n > 0) / (365.25 * 86400 * 1000000))::float8::numeric, 9))
	FROM (SELECT sum(amount) AS r, count(*) FILTER (WHERE amount >= 0) AS n,
				 min(ordered_at) FILTER (WHERE amount >= 0) AS f,
				 max(ordered_at) FILTER (WHERE amount >= 0) AS l
		  FROM orders GROUP BY customer_id) c$q$,
 NULL,
 'state', true),

(45, 'clv_summary per month + rollup',
 $q$SELECT concat_ws(' ', customers(s), orders(s), revenue(s), repeat_customers(s),
					  round(lifespan(s)::numeric, 9))
	FROM (SELECT rollup(m) AS s
		  FROM (SELECT clv_summary(customer_id, ordered_at, amount) AS m
				FROM orders GROUP BY date_trunc('month', ordered_at)) d) x$q$,
 NULL, NULL, NULL, false),

(46, 'rollup of 36 stored monthly summaries',
 $q$SELECT concat_ws(' ', customers(s), orders(s), revenue(s), repeat_customers(s),
					  round(lifespan(s)::numeric, 9))
	FROM (SELECT rollup(m) AS s FROM bench.monthly) x$q$,
 NULL, NULL, NULL, false),

(50, 'clv_agg with horizon (90 days)',
 $q$SELECT clv_agg(customer_id, ordered_at, amount, interval '90 days')::text FROM orders$q$,
 NULL, NULL, 'state', false),

(60, 'cohorts: clv_cohort_table(clv_cohort_state(..., ''month''))',
 $q$SELECT md5(string_agg(concat_ws(',', cohort, period_offset, active_customers, orders, revenue),
						 ';' ORDER BY cohort, period_offset))
	FROM clv_cohort_table((SELECT clv_cohort_state(customer_id, ordered_at, amount, 'month', 'UTC') FROM orders))
	WHERE active_customers > 0 OR orders <> 0 OR revenue <> 0$q$,
 $q$SELECT md5(string_agg(concat_ws(',', make_date(cp / 12, cp % 12 + 1, 1), off, a, o, r),
						 ';' ORDER BY cp, off))
	FROM (SELECT cp, greatest(p - cp, 0) AS off, count(*) FILTER (WHERE o > 0) AS a, sum(o) AS o, sum(r) AS r
		  FROM (SELECT p, o, r, min(p) FILTER (WHERE o > 0) OVER (PARTITION BY customer_id) AS cp
				FROM (SELECT customer_id,
							 (extract(year FROM ordered_at) * 12 + extract(month FROM ordered_at) - 1)::int AS p,
							 count(*) FILTER (WHERE amount >= 0) AS o, sum(amount) AS r
					  FROM orders GROUP BY 1, 2) cm) c
		  WHERE cp IS NOT NULL
		  GROUP BY 1, 2
		  HAVING count(*) FILTER (WHERE o > 0) > 0 OR sum(o) <> 0 OR sum(r) <> 0) t$q$,
 $q$SELECT md5(string_agg(concat_ws(',', make_date(cp / 12, cp % 12 + 1, 1), off, a, o, r),
						 ';' ORDER BY cp, off))
	FROM (SELECT f.cp, greatest(p - f.cp, 0) AS off,
				 count(DISTINCT customer_id) FILTER (WHERE amount >= 0) AS a,
				 count(*) FILTER (WHERE amount >= 0) AS o, sum(amount) AS r
		  FROM (SELECT customer_id, amount,
					   (extract(year FROM ordered_at) * 12 + extract(month FROM ordered_at) - 1)::int AS p
				FROM orders) x
		  JOIN (SELECT customer_id,
					   (extract(year FROM min(ordered_at) FILTER (WHERE amount >= 0)) * 12
						+ extract(month FROM min(ordered_at) FILTER (WHERE amount >= 0)) - 1)::int AS cp
				FROM orders GROUP BY 1) f USING (customer_id)
		  WHERE f.cp IS NOT NULL
		  GROUP BY 1, 2
		  HAVING count(*) FILTER (WHERE amount >= 0) > 0 OR sum(amount) <> 0) t$q$,
 'state', false);

-- text keys: the same orders with the key stored as text (bench.orders_text),
-- each timed against that table's own scan floor
INSERT INTO bench.queries (ord, name, clv_q, groupby_q, distinct_q, mem, one_step, parallel_too, floor_q) VALUES
(11, 'clv_agg, text keys (a text column)',
 $q$SELECT clv_agg(customer_id, ordered_at, amount)::text FROM bench.orders_text$q$,
 $q$SELECT (sum(r) / count(*) FILTER (WHERE n > 0))::text
	FROM (SELECT sum(amount) AS r, count(*) FILTER (WHERE amount >= 0) AS n
		  FROM bench.orders_text GROUP BY customer_id) c$q$,
 $q$SELECT (sum(amount) / count(DISTINCT customer_id) FILTER (WHERE amount >= 0))::text FROM bench.orders_text$q$,
 'state', false, true, $q$SELECT sum(amount)::text FROM bench.orders_text$q$),

(21, 'repeat_rate, text keys (a text column)',
 $q$SELECT repeat_rate(customer_id, ordered_at)::text FROM bench.orders_text$q$,
 NULL, NULL, NULL, false, true, $q$SELECT sum(amount)::text FROM bench.orders_text$q$),

(31, 'retention_rate, text keys (a text column)',
 $q$SELECT retention_rate(customer_id, ordered_at, '2021-07-01 00:00:00+00')::text FROM bench.orders_text$q$,
 NULL, NULL, NULL, false, true, $q$SELECT sum(amount)::text FROM bench.orders_text$q$),

(41, 'clv_summary (+ accessors), text keys (a text column)',
 $q$SELECT concat_ws(' ', customers(s), orders(s), revenue(s), repeat_customers(s),
					  round(lifespan(s)::numeric, 9))
	FROM (SELECT clv_summary(customer_id, ordered_at, amount) AS s FROM bench.orders_text) x$q$,
 NULL, NULL, NULL, false, true, $q$SELECT sum(amount)::text FROM bench.orders_text$q$),

-- the key cast to text in the query, over the integer table (the cast is timed too)
(12, 'clv_agg, text keys made per row (customer_id::text)',
 $q$SELECT clv_agg(customer_id::text, ordered_at, amount)::text FROM orders$q$,
 NULL, NULL, NULL, false, false, NULL);

-- a GROUP BY with one small group per customer: each state type against
-- count(DISTINCT), the plain-SQL aggregate that keeps a set per group
INSERT INTO bench.queries VALUES
(80, 'GROUP BY customer: count(DISTINCT ordered_at)',
 $q$SELECT count(n)::text FROM (SELECT count(DISTINCT ordered_at) AS n FROM orders GROUP BY customer_id) x$q$,
 NULL, NULL, NULL, false, false),
(81, 'GROUP BY customer: clv_summary',
 $q$SELECT count(s)::text FROM (SELECT clv_summary(customer_id, ordered_at, amount) AS s FROM orders GROUP BY customer_id) x$q$,
 NULL, NULL, NULL, false, false),
(82, 'GROUP BY customer: clv_agg with horizon (90 days)',
 $q$SELECT count(v)::text FROM (SELECT clv_agg(customer_id, ordered_at, amount, interval '90 days') AS v FROM orders GROUP BY customer_id) x$q$,
 NULL, NULL, NULL, false, false),
(83, 'GROUP BY customer: clv_cohort_state',
 $q$SELECT count(s)::text FROM (SELECT clv_cohort_state(customer_id, ordered_at, amount, 'month', 'UTC') AS s FROM orders GROUP BY customer_id) x$q$,
 NULL, NULL, NULL, false, false);

-- the models (clv_rfm, bgnbd_fit, gamma_gamma_fit), when installed
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'bgnbd_fit') THEN
		RAISE NOTICE 'clv_rfm / bgnbd_fit not installed: model rows skipped';
		RETURN;
	END IF;
	INSERT INTO bench.queries VALUES
	(70, 'clv_rfm (GROUP BY customer)',
	 $q$SELECT concat_ws(' ', count(*), sum((r).frequency), round(sum((r).recency)::numeric, 3),
						  round(sum((r).t)::numeric, 3), round(sum((r).monetary_value), 2))
		FROM (SELECT clv_rfm(ordered_at, amount, '2023-01-01 00:00:00+00') AS r
			  FROM orders GROUP BY customer_id) x$q$,
	 $q$SELECT concat_ws(' ', count(*), sum(k), round(sum(rec)::numeric, 3), round(sum(t)::numeric, 3),
						  round(sum(mv), 2))
		FROM (SELECT nullif(count(*) FILTER (WHERE p), 0) - 1 AS k,
					 (max(d) FILTER (WHERE p) - min(d) FILTER (WHERE p))::float8 AS rec,
					 ('2023-01-01'::date - min(d) FILTER (WHERE p))::float8 AS t,
					 CASE WHEN count(*) FILTER (WHERE p) > 1
						  THEN greatest(sum(v) FILTER (WHERE d >= d1), 0) / (count(*) FILTER (WHERE p) - 1)
						  ELSE 0 END AS mv
			  FROM (SELECT customer_id, d, v, p,
						   min(d) FILTER (WHERE p AND d > d0) OVER (PARTITION BY customer_id) AS d1
					FROM (SELECT customer_id, d, v, p,
								 min(d) FILTER (WHERE p) OVER (PARTITION BY customer_id) AS d0
						  FROM (SELECT customer_id, ordered_at::date AS d, sum(amount) AS v,
									   bool_or(amount >= 0) AS p
								FROM orders WHERE ordered_at::date <= '2023-01-01' GROUP BY 1, 2) o) o0) o1
			  GROUP BY customer_id) x$q$,
	 NULL, 'hashagg', false, true),
	(71, 'clv_rfm + bgnbd_fit',
	 $q$SELECT bgnbd_fit((r).frequency, (r).recency, (r).t)::text
		FROM (SELECT clv_rfm(ordered_at, amount, '2023-01-01 00:00:00+00') AS r
			  FROM orders GROUP BY customer_id) x$q$,
	 NULL, NULL, NULL, false, true),
	(72, 'bgnbd_fit over stored clv_rfm rows',
	 $q$SELECT bgnbd_fit(frequency, recency, t)::text FROM bench.rfm$q$,
	 NULL, NULL, NULL, false, false),
	(73, 'gamma_gamma_fit over stored clv_rfm rows',
	 $q$SELECT gamma_gamma_fit(frequency, monetary_value::float8)::text FROM bench.rfm WHERE frequency > 0$q$,
	 NULL, NULL, NULL, false, false);
	IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'clv_predictions') THEN
		RAISE NOTICE 'clv_predictions not installed: prediction rows skipped';
		RETURN;
	END IF;
	-- issue 13: from raw orders to predicted CLV (daily summaries, 12 months,
	-- 1 % a month, as of 2023-01-01), and each step alone
	INSERT INTO bench.queries VALUES
	(74, 'btyd_data over orders (one pass, both fit inputs)',
	 $q$SELECT concat_ws(' ', btyd_data_customers(d), btyd_data_distinct(d))
		FROM (SELECT btyd_data(customer_id, ordered_at, amount, '2023-01-01 00:00:00+00') AS d FROM orders) x$q$,
	 NULL, NULL, NULL, false, true),
	(75, 'orders -> BG/NBD + Gamma-Gamma -> 12-month CLV, every customer (clv_rfm path, one statement)',
	 $q$WITH s AS MATERIALIZED (
			SELECT (r).* FROM (SELECT clv_rfm(ordered_at, amount, '2023-01-01 00:00:00+00') AS r
							   FROM orders GROUP BY customer_id) x WHERE (r).frequency IS NOT NULL),
		m AS MATERIALIZED (
			SELECT bgnbd_fit(btyd_data(frequency, recency, t), 'day', '2023-01-01 00:00:00+00') AS pm,
				   gamma_gamma_fit(btyd_data(frequency, monetary_value), 'day', '2023-01-01 00:00:00+00') AS gm
			FROM s)
		SELECT concat_ws(' ', count(*), round(sum(clv_predict(pm, gm, frequency, recency, t, monetary_value, 12, 0.01))::numeric, 4))
		FROM s, m$q$,
	 NULL, NULL, NULL, false, false),
	(76, 'the same, fits from the one-pass btyd_data',
	 $q$WITH s AS MATERIALIZED (
			SELECT (r).* FROM (SELECT clv_rfm(ordered_at, amount, '2023-01-01 00:00:00+00') AS r
							   FROM orders GROUP BY customer_id) x WHERE (r).frequency IS NOT NULL),
		m AS MATERIALIZED (
			SELECT bgnbd_fit(d) AS pm, gamma_gamma_fit(d) AS gm
			FROM (SELECT btyd_data(customer_id, ordered_at, amount, '2023-01-01 00:00:00+00') AS d FROM orders) o)
		SELECT concat_ws(' ', count(*), round(sum(clv_predict(pm, gm, frequency, recency, t, monetary_value, 12, 0.01))::numeric, 4))
		FROM s, m$q$,
	 NULL, NULL, NULL, false, false),
	(77, 'clv_predictions (one query, the same CLVs)',
	 $q$SELECT concat_ws(' ', count(*), round(sum(clv)::numeric, 4))
		FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM orders', '2023-01-01 00:00:00+00')$q$,
	 NULL, NULL, NULL, false, true),
	(79, 'the same, summaries and fit inputs from one btyd_summaries value (clv_predictions'' path)',
	 $q$WITH a AS MATERIALIZED (
			SELECT btyd_summaries(customer_id, ordered_at, amount, '2023-01-01 00:00:00+00', 'day') AS v FROM orders),
		s AS (SELECT r.* FROM a, btyd_summary_rows(a.v) AS r),
		d AS MATERIALIZED (SELECT btyd_summary_data(a.v) AS d FROM a),
		m AS MATERIALIZED (
			SELECT bgnbd_fit(d, 'day', '2023-01-01 00:00:00+00') AS pm,
				   gamma_gamma_fit(d, 'day', '2023-01-01 00:00:00+00') AS gm
			FROM d)
		SELECT concat_ws(' ', count(*), round(sum(clv_predict(pm, gm, frequency, recency, t, monetary_value, 12, 0.01))::numeric, 4))
		FROM s, m$q$,
	 NULL, NULL, NULL, false, false),
	(78, 'clv_predict over stored clv_rfm rows (12 months)',
	 $q$SELECT round(sum(clv_predict(pm, gm, frequency, recency, t, monetary_value::float8, 12, 0.01))::numeric, 4)::text
		FROM bench.rfm, bench.models WHERE frequency IS NOT NULL$q$,
	 NULL, NULL, NULL, false, false);
END $$;

-- inputs of the rollup and fit rows
SELECT bench.mode(false);
CREATE TABLE bench.monthly AS
SELECT date_trunc('month', ordered_at) AS month, clv_summary(customer_id, ordered_at, amount) AS m
FROM orders GROUP BY 1;
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'bgnbd_fit') THEN
		CREATE TABLE bench.rfm AS
		SELECT (r).frequency::float8 AS frequency, (r).recency, (r).t, (r).monetary_value
		FROM (SELECT clv_rfm(ordered_at, amount, '2023-01-01 00:00:00+00') AS r
			  FROM orders GROUP BY customer_id) x;
		CREATE TABLE bench.models AS
		SELECT bgnbd_fit(btyd_data(frequency, recency, t), 'day', '2023-01-01 00:00:00+00') AS pm,
			   gamma_gamma_fit(btyd_data(frequency, monetary_value::float8), 'day', '2023-01-01 00:00:00+00') AS gm
		FROM bench.rfm;
	END IF;
END $$;
ANALYZE bench.monthly;
ALTER TABLE orders SET (parallel_workers = :workers);
-- the same orders with the customer key stored as text, as a table keyed by
-- text has it (the text-key rows and their own scan floor read it)
CREATE UNLOGGED TABLE bench.orders_text AS
SELECT customer_id::text AS customer_id, ordered_at, amount FROM orders;
VACUUM (FREEZE, ANALYZE) bench.orders_text;
ALTER TABLE bench.orders_text SET (parallel_workers = :workers);

CREATE TABLE bench.results (
	ord int PRIMARY KEY,
	clv_ser float8, clv_par float8, res_ser text, res_par text,
	lfloor_ser float8, lfloor_par float8,	-- the scan floor, timed right before
	gb_ser float8, gb_par float8, res_gb text,
	di_ser float8, res_di text,
	state_bytes float8
);

-- warm the cache, then run everything
SELECT bench.time('SELECT count(*)::text FROM orders', false) IS NOT NULL AS warm;
SELECT bench.time('SELECT count(*)::text FROM bench.orders_text', false) IS NOT NULL AS warm_text;
DO $$
DECLARE
	q bench.queries;
	r bench.results;
	t record;
BEGIN
	FOR q IN SELECT * FROM bench.queries ORDER BY ord LOOP
		r := NULL;
		r.ord := q.ord;
		IF q.ord > 0 THEN
			t := bench.time(coalesce(q.floor_q, (SELECT clv_q FROM bench.queries WHERE ord = 0)), false);
			r.lfloor_ser := t.ms;
			IF q.parallel_too THEN
				t := bench.time(coalesce(q.floor_q, (SELECT clv_q FROM bench.queries WHERE ord = 0)), true);
				r.lfloor_par := t.ms;
			END IF;
		END IF;
		t := bench.time(q.clv_q, false);
		r.clv_ser := t.ms;
		r.res_ser := t.result;
		IF q.parallel_too THEN
			t := bench.time(q.clv_q, true);
			r.clv_par := t.ms;
			r.res_par := t.result;
		END IF;
		t := bench.time(q.groupby_q, false);
		r.gb_ser := t.ms;
		r.res_gb := t.result;
		t := bench.time(q.groupby_q, true);
		r.gb_par := t.ms;
		t := bench.time(q.distinct_q, false);
		r.di_ser := t.ms;
		r.res_di := t.result;
		-- the GROUP BY rows: count(DISTINCT) per group timed again right
		-- after, as the scan floor is, so that their ratio compares runs
		-- made under the same load
		IF q.ord > 80 AND q.ord < 90 THEN
			t := bench.time((SELECT clv_q FROM bench.queries WHERE ord = 80), false);
			r.di_ser := t.ms;
		END IF;
		IF q.mem = 'state' THEN
			r.state_bytes := bench.state_bytes(q.clv_q);
		ELSIF q.mem = 'hashagg' THEN
			r.state_bytes := bench.hashagg_bytes(q.clv_q);
		END IF;
		INSERT INTO bench.results SELECT r.*;
		RAISE NOTICE '% done: serial % ms, parallel % ms, GROUP BY % / % ms, count(DISTINCT) % ms',
			q.name, round(r.clv_ser::numeric), round(r.clv_par::numeric), round(r.gb_ser::numeric),
			round(r.gb_par::numeric), round(r.di_ser::numeric);
	END LOOP;
END $$;
