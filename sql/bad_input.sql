--
-- bad_input: every public function of clv fed NULLs, empty groups and bad
-- values.  Each case has a documented outcome, a result or an error with a
-- specific SQLSTATE; never XX000 (internal error), never a crash.
--
-- Table-driven: cases(query, expect) lists one query per case returning
-- one value; run_case() executes it in a subtransaction and records either
-- '=' || the result as text, 'NULL', or the SQLSTATE of the error.  The
-- listing below is the documentation: every case with its outcome.
-- expect, when given, is checked too: a SQLSTATE, 'NULL', '=text' (exact
-- result) or '*' (any result, no error).
--
-- Sections: 1. NULL in every argument of every function and aggregate and
-- empty groups (generated from the catalog, so new functions are covered
-- automatically), 2. order times, 3. amounts, 4. counts, 5. horizons,
-- periods, time zones and other parameters, 6. malformed text for every
-- custom type, 7. models (BTYD functions).
--
CREATE SCHEMA bad_input_test;
SET search_path = bad_input_test, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';

CREATE TABLE cases (id int GENERATED ALWAYS AS IDENTITY, section text, query text, expect text, setup text);

-- "setup" (e.g. a SET LOCAL) runs first, in the same subtransaction.
-- Every case is rolled back (the raise of CLV00), so that settings and
-- changes made by one case never reach the next.
CREATE FUNCTION run_case(q text, setup text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v text;
	res text;
	st text;
BEGIN
	IF setup IS NOT NULL THEN
		EXECUTE setup;
	END IF;
	EXECUTE q INTO v;
	res := CASE WHEN v IS NULL THEN 'NULL' ELSE '=' || v END;
	RAISE EXCEPTION USING ERRCODE = 'CLV00';
EXCEPTION
	WHEN SQLSTATE 'CLV00' THEN
		RETURN res;
	WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
		RETURN st;
END $$;

-- How an outcome is listed.  A fitted model (a bgnbd_model,
-- pareto_nbd_model, gamma_gamma_model, mbgnbd_model or bgbb_model:
-- parameters, log-likelihood, converged, iterations, then time unit,
-- observation end and covariance) is listed by how many of its numbers are
-- finite.  Its digits, whether it converged and the iterations it took
-- depend on the C library's lgamma and exp, which differ between platforms
-- (glibc 2.41 and 2.43 disagree in the last digits of fits that stop
-- without converging, and on whether some converge at all).  For the same
-- reason a number with ten or more significant digits (a floating result)
-- is listed to 6 significant digits (float8 output with extra_float_digits
-- = -9): the models' scores differ between those platforms from the 11th
-- digit on.  Any other outcome is listed as it is.
CREATE FUNCTION shown(outcome text) RETURNS text LANGUAGE sql IMMUTABLE
SET extra_float_digits = -9 AS $$
	SELECT CASE
		WHEN m IS NOT NULL THEN
			format('=fit: %s of %s numbers finite',
				   (SELECT count(*) FROM unnest(string_to_array(m[1], ',')) v
					WHERE v::float8 NOT IN ('NaN', 'Infinity', '-Infinity')),
				   cardinality(string_to_array(m[1], ',')))
		WHEN outcome ~ '^=-?[0-9]+\.[0-9]+(e[-+][0-9]+)?$'
			 AND length(ltrim(replace(split_part(ltrim(substr(outcome, 2), '-'), 'e', 1), '.', ''), '0')) >= 10
			THEN '~' || (substr(outcome, 2)::float8)::text
		ELSE outcome
	END
	FROM regexp_match(outcome, '^=\(([^(),]+(?:,[^(),]+)+),([tf]),[0-9]+(?:,.*)?\)$') m
$$;

-- base64 of a bytea without line breaks, and a value's binary form
CREATE FUNCTION b64(bytea) RETURNS text LANGUAGE sql IMMUTABLE
	AS $$ SELECT translate(encode($1, 'base64'), E'\n', '') $$;
CREATE FUNCTION bin(text) RETURNS bytea LANGUAGE sql IMMUTABLE
	AS $$ SELECT decode(substr($1, strpos($1, ':') + 1), 'base64') $$;

-- ---------------------------------------------------------------------------
-- 1. NULL in each argument, and empty groups
--
-- One valid sample value per argument (by name, else by type); each case
-- replaces one argument with a NULL of its type.  Aggregates run over one
-- row, and over no rows (empty group).  Set-returning functions are
-- counted.  Functions taking internal (receive functions, aggregate
-- support functions with internal states) cannot be called from SQL.
-- ---------------------------------------------------------------------------
-- the state of clv_agg with a horizon, as a value
CREATE AGGREGATE horizon_state(bigint, timestamptz, numeric, interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state);
-- func: a sample for that function only (where one argument name means
-- different queries)
CREATE TABLE samples (typ regtype, argname text, expr text, func name);
INSERT INTO samples VALUES
	-- customer keys and amounts of the overloads (numeric, double precision
	-- and integer samples below)
	('bigint', NULL, '42::bigint'),
	('text', 'customer_id', $$'c42'$$),
	('text', '$2', $$'c42'$$),
	('uuid', NULL, $$'00000000-0000-0000-0000-000000000042'::uuid$$),
	('real', NULL, '12.5::real'),
	('smallint', NULL, '12::smallint'),
	('timestamptz', NULL, $$'2024-03-01 10:00+00'::timestamptz$$),
	('timestamp', NULL, $$'2024-03-01 10:00'::timestamp$$),
	('date', NULL, $$'2024-03-01'::date$$),
	('timestamptz', 'cutoff', $$'2024-02-01 00:00+00'::timestamptz$$),
	('interval', NULL, $$'30 days'::interval$$),
	('numeric', NULL, '0.3'),
	('text', 'period', $$'month'$$),
	('text', 'time_zone', $$'UTC'$$),
	('text', 'orders_query', $$'SELECT 1, timestamptz ''2024-01-01'', 10.0'$$),
	-- unnamed arguments by position ($5 and $6 of clv_cohort_state_accum)
	('text', '$5', $$'month'$$),
	('text', '$6', $$'UTC'$$),
	('cstring', NULL, $$'x'::cstring$$),
	('clv_summary', NULL, $$(SELECT clv_summary(c, t, a) FROM (VALUES (1, timestamptz '2024-01-01', 10.00), (1, '2024-03-01', 5), (2, '2024-02-01', 7.5)) v(c, t, a))$$),
	('clv_horizon_state', NULL, $$(SELECT horizon_state(c, t, a, '30 days') FROM (VALUES (1, timestamptz '2024-01-01', 10.00), (1, '2024-01-20', 5), (2, '2024-03-01', 1)) v(c, t, a))$$),
	('clv_cohort_state', NULL, $$(SELECT clv_cohort_state(c, t, a, 'month', 'UTC') FROM (VALUES (1, timestamptz '2024-01-01', 10.00), (1, '2024-03-01', 5)) v(c, t, a))$$),
	-- models (20_models.sql): published CDNOW parameters (Fader, Hardie & Lee
	-- 2005) as sample models, a small fit input
	('timestamptz', 'observation_end', $$'2024-06-01 00:00+00'::timestamptz$$),
	('double precision', NULL, '1.5::float8'),
	('double precision', 'frequency', '2::float8'),
	('double precision', 'recency', '30::float8'),
	('double precision', 't', '40::float8'),
	('double precision', 'horizon', '30::float8'),
	('double precision', 'monetary_value', '25.5::float8'),
	('double precision', 'penalizer', '0.1::float8'),
	('double precision', 'monthly_discount_rate', '0.01::float8'),
	('double precision', 'margin', '1::float8'),
	('integer', NULL, '12'),
	('text', 'time_unit', $$'days'$$),
	('bgnbd_model', NULL, $$ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model$$),
	('pareto_nbd_model', NULL, $$ROW(0.553, 10.578, 0.606, 11.669, 0, true, 1, NULL, NULL, NULL)::pareto_nbd_model$$),
	('gamma_gamma_model', NULL, $$ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model$$),
	('btyd_data', NULL, $$(SELECT btyd_data(f, r, t) FROM (VALUES (2, 30, 40), (0, 0, 40), (5, 35, 40), (1, 10, 40)) v(f, r, t))$$),
	-- 30_models_more.sql: MBG/NBD (lifetimes' CDNOW estimates), BG/BB (the
	-- published donations estimates of Fader, Hardie & Shang 2010)
	('mbgnbd_model', NULL, $$ROW(0.525, 6.183, 0.891, 1.614, 0, true, 1, NULL, NULL, NULL)::mbgnbd_model$$),
	('bgbb_model', NULL, $$ROW(1.204, 0.750, 0.657, 2.783, 0, true, 1, NULL, NULL, NULL)::bgbb_model$$),
	('double precision', 'n_periods', '40::float8'),
	-- growth (40_growth.sql): queries, and the arrays of the support functions
	('text', 'referrals_query', $$'SELECT 2, 1'$$),
	('text', 'spend_query', $$'SELECT date ''2024-01-01'', ''search'', 90.0'$$),
	('text', 'query', $$'SELECT 1, 2.5'$$),
	('text', 'caller', $$'f'$$),
	('text', 'what', $$'query'$$),
	('text[]', 'columns', $$ARRAY['customer_id:key', 'amount:amount']$$),
	('text[]', 'customer_ids', $$ARRAY['1', '2']$$),
	('numeric[]', 'revenues', $$ARRAY[10.5, 3]$$),
	('text[]', 'referred_ids', $$ARRAY['2']$$),
	('text[]', 'referrer_ids', $$ARRAY['1']$$),
	('text[]', 'cohort_channels', $$ARRAY['search', 'search']$$),
	('date[]', 'cohorts', $$ARRAY[date '2024-01-01', '2024-01-01']$$),
	('integer[]', 'offsets', $$ARRAY[0, 1]$$),
	('bigint[]', 'cohort_sizes', $$ARRAY[2, 2]::bigint[]$$),
	('bigint[]', 'actives', $$ARRAY[2, 1]::bigint[]$$),
	('text[]', 'spend_channels', $$ARRAY['search']$$),
	('timestamp[]', 'spend_starts', $$ARRAY[timestamp '2024-01-01']$$),
	('numeric[]', 'spend_amounts', $$ARRAY[90.0]$$),
	-- predictions (45_predictions.sql)
	('text', 'model', $$'bgnbd'$$),
	('text', 'result', $$'customers'$$),
	('bytea', 'summaries', $$(SELECT btyd_summaries(c, t, a, '2024-06-01 00:00+00'::timestamptz, 'day') FROM (VALUES ('1', timestamptz '2024-01-01', 10.00), ('1', '2024-03-01', 5.5), ('2', '2024-02-01', 7.5)) v(c, t, a))$$);
INSERT INTO samples VALUES
	('text', 'orders_query', $$'SELECT 1, timestamptz ''2024-01-01'', 10.0, ''search'''$$, 'clv_acquisition');
-- evaluation (45_evaluation.sql): a purchase model (any of three types:
-- anyelement; its NULL is a NULL bgnbd_model), the summary's units, the
-- tracking period, a calibration end before the holdout end
INSERT INTO samples
SELECT v.typ::regtype, v.argname, v.expr, f.name
FROM (VALUES ('anyelement', 'model', $$ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model$$),
			 ('text', 'time_unit', $$'week'$$),
			 ('text', 'period', $$'week'$$),
			 ('timestamptz', 'calibration_end', $$'2024-01-31 00:00+00'::timestamptz$$)) AS v(typ, argname, expr)
CROSS JOIN (VALUES ('clv_holdout_summary'), ('clv_holdout_customers'), ('clv_holdout_days'), ('clv_holdout_model'),
				   ('clv_holdout_predictions'), ('clv_holdout_scores'), ('clv_holdout_metrics'),
				   ('clv_holdout_deciles'), ('clv_holdout_tracking')) AS f(name);

-- the sample state values are valid
SELECT customers(s), revenue(s) FROM (SELECT expr FROM samples WHERE typ = 'clv_summary'::regtype) x,
	LATERAL (SELECT run_case('SELECT ' || expr || '::text') r) y, LATERAL (SELECT substr(r, 2)::clv_summary s) z;
SELECT run_case('SELECT clv_horizon_final(' || expr || ')') AS horizon_sample FROM samples WHERE typ = 'clv_horizon_state'::regtype;

-- The aggregates that read orders (and their transition functions) have
-- one overload per customer key type and amount type; the listing shows the
-- one with bigint keys and numeric amounts ("listed"), and the others are
-- checked below to behave the same.
CREATE VIEW ext_functions AS
SELECT p.oid, p.proname, p.prokind, p.proretset, p.pronargs,
	   ARRAY(SELECT unnest(p.proargtypes::regtype[])) AS argtypes, p.proargnames AS argnames,
	   coalesce((SELECT t[k] = 'bigint'::regtype
					AND coalesce(t[k + 2] NOT IN ('double precision', 'real', 'bigint', 'integer', 'smallint'), true)
				 FROM (SELECT ARRAY(SELECT unnest(p.proargtypes::regtype[])) AS t,
							  CASE WHEN p.proargnames[1] = 'customer_id' THEN 1
								   WHEN p.proargtypes[0]::regtype IN ('clv_summary', 'clv_horizon_state', 'clv_cohort_state')
										AND p.proargtypes[2] = 'timestamptz'::regtype THEN 2 END AS k) x
				 WHERE k IS NOT NULL), true) AS listed
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv')
  AND NOT 'internal'::regtype = ANY (p.proargtypes::regtype[])
  AND p.pronargs > 0;

-- the argument list of a call, argument "nullarg" (0: none) being NULL
CREATE FUNCTION call_args(f ext_functions, nullarg int) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(CASE WHEN i = nullarg THEN 'NULL::' || CASE WHEN f.argtypes[i] = 'anyelement'::regtype
																   THEN 'bgnbd_model' ELSE f.argtypes[i]::text END
		ELSE (SELECT s.expr FROM samples s WHERE s.typ = f.argtypes[i]
				AND (s.argname IS NULL OR s.argname = coalesce(nullif(f.argnames[i], ''), '$' || i))
				AND (s.func IS NULL OR s.func = f.proname)
			  ORDER BY s.func IS NULL, s.argname IS NULL LIMIT 1) END, ', ' ORDER BY i)
	FROM generate_series(1, f.pronargs) i
$$;

CREATE FUNCTION null_cases(listed boolean) RETURNS TABLE(fn regprocedure, nullarg int, q text) LANGUAGE plpgsql AS $$
DECLARE
	f ext_functions;
	i int;
	args text;
	call text;
BEGIN
	FOR f IN SELECT * FROM ext_functions e WHERE e.listed = null_cases.listed ORDER BY proname, oid::regprocedure::text LOOP
		fn := f.oid;
		FOR i IN 0 .. f.pronargs LOOP
			nullarg := i;
			args := call_args(f, i);
			IF args IS NULL OR array_length(string_to_array(args, ', '), 1) < f.pronargs THEN
				RAISE EXCEPTION 'no sample value for an argument of %', f.oid::regprocedure;
			END IF;
			call := quote_ident(f.proname) || '(' || args || ')';
			IF f.prokind = 'a' THEN
				q := 'SELECT ' || call || '::text';
				RETURN NEXT;
				IF i = 0 THEN
					nullarg := -1;
					q := 'SELECT ' || call || '::text WHERE false';
					RETURN NEXT;
				END IF;
			ELSIF f.proretset THEN
				q := 'SELECT count(*) FROM ' || call;
				RETURN NEXT;
			ELSE
				q := 'SELECT ' || call || '::text';
				RETURN NEXT;
			END IF;
		END LOOP;
	END LOOP;
END $$;
INSERT INTO cases (section, query) SELECT '1 nulls', q FROM null_cases(true);

-- every other overload of a listed function gives the same kind of outcome
-- (a value, NULL, or the same SQLSTATE) for the same NULL argument
WITH other AS (
	SELECT fn, nullarg, run_case(q) AS r FROM null_cases(false)),
listed AS (
	SELECT fn, nullarg, run_case(q) AS r FROM null_cases(true))
SELECT count(DISTINCT o.fn) AS other_overloads, count(*) AS calls,
	   count(*) FILTER (WHERE l.fn IS NULL) AS without_listed_twin,
	   count(*) FILTER (WHERE CASE WHEN o.r LIKE '=%' THEN '=' ELSE o.r END
						   IS DISTINCT FROM CASE WHEN l.r LIKE '=%' THEN '=' ELSE l.r END) AS different_outcome
FROM other o
LEFT JOIN ext_functions fo ON fo.oid = o.fn
LEFT JOIN listed l ON l.nullarg = o.nullarg
	AND l.fn = (SELECT e.oid FROM ext_functions e WHERE e.listed AND e.proname = fo.proname
				AND e.pronargs = fo.pronargs AND e.prokind = fo.prokind
				AND e.argnames IS NOT DISTINCT FROM fo.argnames);

-- ---------------------------------------------------------------------------
-- 2. order times: infinite, the ends of the timestamp range (4714-11-24 BC
-- and 294276-12-31 AD), dates beyond it, timestamps that overflow when
-- read in the session time zone
-- ---------------------------------------------------------------------------
INSERT INTO cases (section, query, expect) VALUES
	('2 times', $$SELECT clv_agg(1, 'infinity'::timestamptz, 1)$$, '22008'),
	('2 times', $$SELECT clv_agg(1, '-infinity'::timestamp, 1)$$, '22008'),
	('2 times', $$SELECT clv_agg(1, 'infinity'::date, 1)$$, '22008'),
	('2 times', $$SELECT clv_agg(1, '4714-11-24 00:00:00+00 BC'::timestamptz, 1)$$, '=1'),
	('2 times', $$SELECT clv_agg(1, '294276-12-31 23:59:59.999999+00'::timestamptz, 1)$$, '=1'),
	('2 times', $$SELECT lifespan(clv_summary(1, t, 1)) FROM (VALUES ('4713-01-01 00:00+00 BC'::timestamptz), ('294276-12-31 00:00+00')) v(t)$$, NULL),
	-- (last - first) * n / (n - 1) in years of 365.25 days, computed in plain
	-- SQL (with dates: timestamptz subtraction itself overflows over this span)
	('2 times', $$SELECT abs(lifespan(clv_summary(1, t, 1)) - ('294276-12-31'::date - '4713-01-01 BC'::date) * 2 / 365.25) < 1e-6 FROM (VALUES ('4713-01-01 00:00+00 BC'::timestamptz), ('294276-12-31 00:00+00')) v(t)$$, '=true'),
	('2 times', $$SELECT first_order(s) || ' / ' || last_order(s) FROM (SELECT clv_summary(1, t, 1) s FROM (VALUES ('4713-01-01 00:00+00 BC'::timestamptz), ('294276-12-31 00:00+00')) v(t)) x$$, NULL),
	('2 times', $$SELECT purchase_frequency(clv_summary(c, t, 1)) FROM (VALUES (1, '4713-01-01 00:00+00 BC'::timestamptz), (1, '294276-12-31 00:00+00'), (2, '2000-01-01')) v(c, t)$$, NULL),
	('2 times', $$SELECT clv_agg(1, '5874897-12-31'::date, 1)$$, '22008'),
	('2 times', $$SELECT clv_agg(1, '4713-01-01 BC'::date, 1)$$, '=1'),
	('2 times', $$SELECT clv_agg(1, '294276-12-31 23:00'::timestamp, 1)$$, '=1'),
	('2 times', $$SELECT repeat_rate(c, t) FROM (VALUES (1, '4714-11-24 00:00:00+00 BC'::timestamptz), (1, '294276-12-31 23:59:59+00')) v(c, t)$$, '=1'),
	('2 times', $$SELECT retention_rate(c, t, '294276-12-31 23:59:59+00') FROM (VALUES (1, '4714-11-24 00:00:00+00 BC'::timestamptz)) v(c, t)$$, NULL),
	('2 times', $$SELECT retention_rate(c, t, '-infinity') FROM (VALUES (1, '2024-01-01'::timestamptz)) v(c, t)$$, '22008'),
	('2 times', $$SELECT retention_rate(clv_summary(1, '2024-01-01'::date, 1), 'infinity')$$, '22008'),
	('2 times', $$SELECT retention_rate(clv_summary(1, '2024-01-01'::date, 1), '4714-11-24 00:00:00+00 BC')$$, NULL),
	-- the end of the horizon after the last timestamp: out of range
	('2 times', $$SELECT clv_agg(1, '294276-12-31 00:00+00'::timestamptz, 1, '1 year')$$, '22008'),
	('2 times', $$SELECT clv_agg(c, t, 1, '1 day') FROM (VALUES (1, '4714-11-24 00:00:00+00 BC'::timestamptz), (2, '294276-12-31 00:00+00')) v(c, t)$$, '22008'),
	('2 times', $$SELECT clv_agg(c, t, 1, '1 day') FROM (VALUES (1, '4714-11-24 00:00:00+00 BC'::timestamptz), (2, '294276-12-30 00:00+00')) v(c, t)$$, '=1'),
	-- cohorts at both ends of time, in zones west and east of UTC
	('2 times', $$SELECT count(*) || ' ' || min(cohort) || ' ' || max(period_offset) FROM clv_cohort_table((SELECT clv_cohort_state(c, t, 1, 'year', 'America/New_York') FROM (VALUES (1, '4714-11-24 00:00:00+00 BC'::timestamptz), (1, '294276-12-31 23:59:59+00')) v(c, t)))$$, NULL),
	('2 times', $$SELECT count(*) || ' ' || min(cohort) || ' ' || max(period_offset) FROM clv_cohort_table((SELECT clv_cohort_state(c, t, 1, 'quarter', 'Pacific/Kiritimati') FROM (VALUES (1, '294276-12-31 23:59:59+00'::timestamptz), (2, '294276-06-30 23:00+00')) v(c, t)))$$, NULL),
	('2 times', $$SELECT count(*) || ' ' || min(cohort) FROM clv_cohort_table((SELECT clv_cohort_state(c, t, 1, 'day', '-12:00') FROM (VALUES (1, '4714-11-24 00:00:00+00 BC'::timestamptz)) v(c, t)))$$, NULL),
	('2 times', $$SELECT count(*) || ' ' || min(cohort) FROM clv_cohort_table((SELECT clv_cohort_state(c, t, 1, 'week', '+14:00') FROM (VALUES (1, '294276-12-31 23:59:59+00'::timestamptz)) v(c, t)))$$, NULL),
	('2 times', $$SELECT count(*) FROM clv_cohorts('SELECT 1, ''infinity''::timestamptz, 1', 'month', 'UTC')$$, '22008'),
	('2 times', $$SELECT (clv_cohort_state(1, now(), 1, 'month', 'UTC') IS NOT NULL)::text FROM generate_series(1, 2) WHERE false$$, '=false');

-- ---------------------------------------------------------------------------
-- 3. amounts: NaN, infinities, numeric's limits, the limits of the exact
-- 38-digit sum, float extremes, integer limits
-- ---------------------------------------------------------------------------
INSERT INTO cases (section, query, expect) VALUES
	('3 amounts', $$SELECT clv_agg(1, now(), 'NaN'::numeric)$$, '22023'),
	('3 amounts', $$SELECT clv_agg(1, now(), 'Infinity'::numeric)$$, '22023'),
	('3 amounts', $$SELECT clv_agg(1, now(), '-Infinity'::numeric)$$, '22023'),
	('3 amounts', $$SELECT clv_agg(1, now(), 'NaN'::float8)$$, '22023'),
	('3 amounts', $$SELECT clv_agg(1, now(), 'Infinity'::float8)$$, '22023'),
	('3 amounts', $$SELECT clv_agg(1, now(), '-Infinity'::float4)$$, '22023'),
	('3 amounts', $$SELECT clv_agg(1, now(), 'NaN'::float4)$$, '22023'),
	('3 amounts', $$SELECT clv_agg(1, now(), 'NaN'::numeric, '1 day')$$, '22023'),
	('3 amounts', $$SELECT clv_cohort_state(1, now(), '-Infinity'::numeric, 'month', 'UTC')::text$$, '22023'),
	('3 amounts', $$SELECT clv_agg(1, now(), 99999999999999999999999999999999999999)$$, '=99999999999999999999999999999999999999'),
	-- a refund only: no customer, so NULL (the revenue is kept exactly)
	('3 amounts', $$SELECT clv_agg(1, now(), -99999999999999999999999999999999999999)$$, 'NULL'),
	('3 amounts', $$SELECT revenue(clv_summary(1, now(), -99999999999999999999999999999999999999))$$, '=-99999999999999999999999999999999999999'),
	-- sums are exact 128-bit integers: up to about 1.7e38 fits
	('3 amounts', $$SELECT clv_agg(1, now(), 1e38)$$, '=100000000000000000000000000000000000000'),
	('3 amounts', $$SELECT clv_agg(1, now(), 1.8e38)$$, '22003'),
	-- the same limits in a large state (over 32 customers: money.c adds its amounts in place)
	('3 amounts', $$SELECT revenue(clv_summary(c, now(), CASE c WHEN 41 THEN 99999999999999999999999999999999999999 WHEN 42 THEN 70141183460469231731687303715884105728 ELSE 0 END)) FROM generate_series(1, 42) c$$, '=170141183460469231731687303715884105727'),
	('3 amounts', $$SELECT revenue(clv_summary(c, now(), CASE c WHEN 41 THEN 99999999999999999999999999999999999999 WHEN 42 THEN 70141183460469231731687303715884105728 WHEN 43 THEN 1 ELSE 0 END)) FROM generate_series(1, 43) c$$, '22003'),
	('3 amounts', $$SELECT revenue(clv_summary(c, now(), CASE c WHEN 41 THEN -99999999999999999999999999999999999999 WHEN 42 THEN -70141183460469231731687303715884105729 ELSE 0 END)) FROM generate_series(1, 42) c$$, '=-170141183460469231731687303715884105728'),
	('3 amounts', $$SELECT revenue(clv_summary(c, now(), CASE c WHEN 41 THEN -99999999999999999999999999999999999999 WHEN 42 THEN -70141183460469231731687303715884105729 WHEN 43 THEN -1 ELSE 0 END)) FROM generate_series(1, 43) c$$, '22003'),
	('3 amounts', $$SELECT revenue(clv_summary(c, now(), CASE c WHEN 100 THEN 'NaN' ELSE 1.5 END)) FROM generate_series(1, 200) c$$, '22023'),
	('3 amounts', $$SELECT revenue(clv_summary(c, now(), CASE c WHEN 100 THEN '-Infinity' ELSE 1.5 END)) FROM generate_series(1, 200) c$$, '22023'),
	('3 amounts', $$SELECT clv_agg(c, now(), 99999999999999999999999999999999999999) FROM generate_series(1, 2) c$$, '22003'),
	('3 amounts', $$SELECT clv_agg(1, now(), 0.00000000000000000000000000000000000001)$$, '=0.00000000000000000000000000000000000001'),
	('3 amounts', $$SELECT clv_agg(1, now(), 1e-39)$$, '22003'),
	('3 amounts', $$SELECT clv_agg(1, now(), 1e-16383)$$, '22003'),
	('3 amounts', $$SELECT clv_agg(1, now(), ('9' || repeat('0', 131071))::numeric)$$, '22003'),
	('3 amounts', $$SELECT clv_agg(1, now(), 0.0000000000000000000000000000000000000)$$, '=0.0000000000000000000000000000000000000'),
	('3 amounts', $$SELECT clv_agg(1, now(), 1.7976931348623157e308::float8)$$, '22003'),
	('3 amounts', $$SELECT clv_agg(1, now(), 4.9e-324::float8)$$, NULL),
	('3 amounts', $$SELECT clv_agg(1, now(), 3.4e38::float4)$$, '22003'),
	('3 amounts', $$SELECT clv_agg(1, now(), 1.4e-45::float4)$$, NULL),
	('3 amounts', $$SELECT clv_agg(1, now(), -0.0::float8)$$, '=0'),
	('3 amounts', $$SELECT clv_agg(1, now(), 9223372036854775807::int8)$$, '=9223372036854775807'),
	('3 amounts', $$SELECT revenue(clv_summary(c, now(), 9223372036854775807::int8)) FROM generate_series(1, 3) c$$, '=27670116110564327421'),
	('3 amounts', $$SELECT revenue(clv_summary(c, now(), (-9223372036854775807 - 1)::int8)) FROM generate_series(1, 2) c$$, '=-18446744073709551616'),
	('3 amounts', $$SELECT revenue(clv_summary(1, now(), (-32768)::int2))$$, '=-32768'),
	-- mixing the largest integer and the smallest decimal needs 19 + 38 digits
	('3 amounts', $$SELECT clv_agg(1, now(), a) FROM (VALUES (9223372036854775807::numeric), (0.00000000000000000000000000000000000001)) v(a)$$, '22003'),
	('3 amounts', $$SELECT clv(clv_summary(1, now(), 10), 'Infinity')$$, '22023'),
	('3 amounts', $$SELECT clv(clv_summary(1, now(), 10), -1.5)$$, '=-15.0'),
	('3 amounts', $$SELECT clv(clv_summary(1, now(), 99999999999999999999999999999999999999), 1e1000)$$, '=' || (99999999999999999999999999999999999999 * 1e1000)::text),
	('3 amounts', $$SELECT aov(clv_summary(c, now(), a)) FROM (VALUES (1, -5.00)) v(c, a)$$, 'NULL'),
	('3 amounts', $$SELECT clv_horizon_final(NULL)$$, 'NULL');

-- ---------------------------------------------------------------------------
-- 4. counts: order counts at the int64 limit (through a crafted state: no
-- table that large fits in a test), many customers, states merged many times
-- Layout of a clv_summary with one integer-keyed customer: version (1),
-- key kind (1), flags (2), cutoff (8), revenue (24), customer count (4);
-- then key (8), first (8), last (8), order count (8) at byte 65.
-- ---------------------------------------------------------------------------
INSERT INTO cases (section, query, expect) VALUES
	('4 counts', $$SELECT orders(('clv_summary:' || b64(overlay(bin(clv_summary(c, t, 1)::text) PLACING '\x7fffffffffffffff'::bytea FROM 65 FOR 8)))::clv_summary) FROM (VALUES (1, timestamptz '2024-01-01'), (1, '2024-02-01')) v(c, t)$$, '=9223372036854775807'),
	('4 counts', $$SELECT orders(rollup(s)) FROM (SELECT ('clv_summary:' || b64(overlay(bin(clv_summary(c, t, 1)::text) PLACING '\x7fffffffffffffff'::bytea FROM 65 FOR 8)))::clv_summary FROM (VALUES (1, timestamptz '2024-01-01'), (1, '2024-02-01')) v(c, t)) x(s), generate_series(1, 2)$$, '22003'),
	('4 counts', $$SELECT purchase_frequency(('clv_summary:' || b64(overlay(bin(clv_summary(c, t, 1)::text) PLACING '\x7fffffffffffffff'::bytea FROM 65 FOR 8)))::clv_summary) FROM (VALUES (1, timestamptz '2024-01-01'), (1, '2024-02-01')) v(c, t)$$, NULL),
	('4 counts', $$SELECT orders(('clv_summary:' || b64(overlay(bin(clv_summary(c, t, 1)::text) PLACING '\x8000000000000000'::bytea FROM 65 FOR 8)))::clv_summary) FROM (VALUES (1, timestamptz '2024-01-01'), (1, '2024-02-01')) v(c, t)$$, '22P03'),
	('4 counts', $$SELECT customers(clv_summary(g, '2024-01-01'::date + g % 1000, g % 97)) || ' ' || orders(clv_summary(g % 1000, '2024-01-01'::date + g % 1000, 1)) FROM generate_series(1, 200000) g$$, '=200000 200000'),
	('4 counts', $$SELECT count(*) FROM clv_cohort_table((SELECT clv_cohort_state(g, '2024-01-01'::date + g % 3650, 1, 'day', 'UTC') FROM generate_series(1, 50000) g))$$, NULL),
	('4 counts', $$SELECT orders(rollup(s)) FROM (SELECT clv_summary(1, '2024-01-01'::date, 1) FROM generate_series(1, 1)) x(s), generate_series(1, 100000)$$, '=100000'),
	('4 counts', $$SELECT set_config('clv.max_state_memory', '-1', true)$$, '22023'),
	('4 counts', $$SELECT set_config('clv.max_state_memory', '100TB', true)$$, '22023');
-- the state-memory limit (clv.max_state_memory, here 64 kB), and times
-- read in another session time zone
INSERT INTO cases (section, setup, query, expect) VALUES
	('4 counts', 'SET LOCAL clv.max_state_memory = 64', $$SELECT clv_agg(g, now(), 1) FROM generate_series(1, 100000) g$$, '54000'),
	('4 counts', 'SET LOCAL clv.max_state_memory = 64', $$SELECT count(*) FROM clv_cohorts('SELECT g, timestamptz ''2024-01-01'' + g * interval ''1 day'', 1 FROM generate_series(1, 100000) g', 'day', 'UTC')$$, '54000'),
	('4 counts', 'SET LOCAL clv.max_state_memory = 64', $$SELECT clv_agg(g, now(), 1, '1 day') FROM generate_series(1, 100000) g$$, '54000'),
	('4 counts', 'SET LOCAL clv.max_state_memory = 64', $$SELECT orders(rollup(s)) FROM (SELECT clv_summary(g, now(), 1) FROM generate_series(1, 100000) g GROUP BY g % 2) x(s)$$, '54000'),
	('2 times', $$SET LOCAL TimeZone = 'Pacific/Kiritimati'$$, $$SELECT clv_agg(1, '4714-11-24 01:00 BC'::timestamp, 1)$$, NULL),
	('2 times', $$SET LOCAL TimeZone = 'America/Anchorage'$$, $$SELECT clv_agg(1, '294276-12-31 23:00'::timestamp, 1)$$, NULL),
	('2 times', $$SET LOCAL TimeZone = 'America/Anchorage'$$, $$SELECT clv_agg(1, '294276-12-31'::date, 1)$$, NULL);

-- ---------------------------------------------------------------------------
-- 5. horizons, periods, time zones, queries, other parameters
-- ---------------------------------------------------------------------------
INSERT INTO cases (section, query, expect) VALUES
	('5 parameters', $$SELECT clv_agg(1, now(), 1, '0'::interval)$$, '22023'),
	('5 parameters', $$SELECT clv_agg(1, now(), 1, '-1 microsecond'::interval)$$, '22023'),
	('5 parameters', $$SELECT clv_agg(1, now(), 1, '1 mon -31 days'::interval)$$, '22023'),
	('5 parameters', $$SELECT clv_agg(1, now(), 1, '1 microsecond'::interval)$$, NULL),
	('5 parameters', $$SELECT clv_agg(1, '2024-01-01'::date, 1, '178000000 years'::interval)$$, NULL),
	('5 parameters', $$SELECT clv_agg(1, '2024-01-01'::date, 1, '2147483647 days 2147483647 mons 9223372036854775807 microseconds'::interval)$$, NULL),
	('5 parameters', $$SELECT clv_agg(1, '2024-01-01'::date, 1, '-2147483648 days 2147483647 mons'::interval)$$, NULL),
	('5 parameters', $$SELECT clv_agg(1, '2024-01-01'::date, 1, NULL::interval)$$, '22004'),
	('5 parameters', $$SELECT clv_cohort_state(1, now(), 1, 'fortnight', 'UTC')::text$$, '22023'),
	('5 parameters', $$SELECT clv_cohort_state(1, now(), 1, '', 'UTC')::text$$, '22023'),
	('5 parameters', $$SELECT clv_cohort_state(1, now(), 1, 'month ', 'UTC')::text$$, '22023'),
	('5 parameters', $$SELECT clv_cohort_state(1, now(), 1, NULL, 'UTC')::text$$, '22004'),
	('5 parameters', $$SELECT clv_cohort_state(1, now(), 1, 'MONTH', 'UTC') IS NOT NULL$$, '=true'),
	('5 parameters', $$SELECT clv_cohort_state(1, now(), 1, 'month', '')::text$$, '22023'),
	('5 parameters', $$SELECT clv_cohort_state(1, now(), 1, 'month', 'Mars/Olympus_Mons')::text$$, '22023'),
	('5 parameters', $$SELECT clv_cohort_state(1, now(), 1, 'month', repeat('x', 10000))::text$$, '22023'),
	-- POSIX-style offsets are accepted as by AT TIME ZONE
	('5 parameters', $$SELECT clv_cohort_state(1, now(), 1, 'month', '+99:00') IS NOT NULL$$, '=true'),
	('5 parameters', $$SELECT clv_cohort_state(1, now(), 1, 'month', 'UTC+12') IS NOT NULL$$, '=true'),
	('5 parameters', $$SELECT clv_cohort_state(1, now(), 1, 'month', E'UTC\n')::text$$, '22023'),
	('5 parameters', $$SELECT clv_cohort_state(1, now(), 1, 'month', 'localtime')::text$$, NULL),
	('5 parameters', $$SELECT count(*) FROM clv_cohorts('SELECT 1, now(), 1', 'fortnight', 'UTC')$$, '22023'),
	('5 parameters', $$SELECT count(*) FROM clv_cohorts('SELECT 1, now(), 1', 'month', 'Nowhere/Nothing')$$, '22023'),
	('5 parameters', $$SELECT count(*) FROM clv_cohorts('', 'month', 'UTC')$$, NULL),
	('5 parameters', $$SELECT count(*) FROM clv_cohorts('SELECT 1, now(), 1 WHERE false', 'month', 'UTC')$$, '=0'),
	('5 parameters', $$SELECT count(*) FROM clv_cohorts('SELECT NULL::int, NULL::timestamptz, NULL::numeric', 'month', 'UTC')$$, '=0'),
	('5 parameters', $$SELECT count(*) FROM clv_cohorts('SELECT $1, now(), 1', 'month', 'UTC')$$, '42P02'),
	('5 parameters', $$SELECT count(*) FROM clv_cohorts('DROP TABLE cases', 'month', 'UTC')$$, NULL),
	('5 parameters', $$SELECT count(*) FROM clv_cohorts('SELECT 1, now(), 1; DROP TABLE cases', 'month', 'UTC')$$, NULL),
	('5 parameters', $$SELECT count(*) FROM clv_cohorts('SELECT 1/0, now(), 1', 'month', 'UTC')$$, '22012'),
	('5 parameters', $$SELECT count(*) FROM clv_cohorts(repeat(' ', 100000) || 'SELECT 1, now(), 1', 'month', 'UTC')$$, '=1'),
	('5 parameters', $$SELECT clv(clv_summary(1, now(), 1), NULL)$$, 'NULL'),
	('5 parameters', $$SELECT clv(clv_summary(1, now(), 1), 'NaN')$$, '22023'),
	('5 parameters', $$SELECT retention_rate(c, now(), now() - c * interval '1 day') FROM generate_series(1, 2) c$$, '22023'),
	('5 parameters', $$SELECT clv_agg(c, now(), 1, c * interval '1 day') FROM generate_series(1, 2) c$$, '22023');

-- ---------------------------------------------------------------------------
-- 6. malformed text for every custom type: empty, garbage, wrong prefix,
-- bad base64, truncated at every length, extra bytes, wrong version,
-- unknown flags, huge counts and lengths, another type's value
-- ---------------------------------------------------------------------------
CREATE TABLE valid (typ text, val text);
INSERT INTO valid SELECT 'clv_summary', clv_summary(c, t, a)::text
	FROM (VALUES (1, timestamptz '2024-01-01', 10.5), (1, '2024-02-01', 2), (2, '2024-01-15', -1)) v(c, t, a);
INSERT INTO valid SELECT 'clv_summary', clv_summary(c, t, a)::text
	FROM (VALUES ('a', timestamptz '2024-01-01', 10.5), ('bb', '2024-02-01', 2)) v(c, t, a);
INSERT INTO valid SELECT 'clv_horizon_state', expr FROM samples WHERE typ = 'clv_horizon_state'::regtype;
UPDATE valid SET val = run_case('SELECT ' || val || '::text') WHERE typ = 'clv_horizon_state';
UPDATE valid SET val = substr(val, 2) WHERE typ = 'clv_horizon_state';
INSERT INTO valid SELECT 'clv_cohort_state', clv_cohort_state(c, t, a, 'week', 'Europe/Berlin')::text
	FROM (VALUES (1, timestamptz '2024-01-01', 10.5), (1, '2024-02-01', 2), (2, '2024-01-15', -1)) v(c, t, a);
-- models: btyd_data (frequency, recency, T) and (frequency, monetary value)
INSERT INTO valid SELECT 'btyd_data', btyd_data(f, r, t)::text
	FROM (VALUES (2, 30, 40), (0, 0, 40), (5, 35, 40), (2, 30, 40)) v(f, r, t);
INSERT INTO valid SELECT 'btyd_data', btyd_data(f, m)::text
	FROM (VALUES (2, 30.5), (1, 12), (3, 7.25)) v(f, m);
-- btyd_data built from orders: both inputs, unit and observation end (send version 2)
INSERT INTO valid SELECT 'btyd_data', btyd_data(c, t, a, '2024-06-01 00:00+00', 'week')::text
	FROM (VALUES (1, timestamptz '2024-01-01', 10.5), (1, '2024-02-01', 2), (2, '2024-01-15', 7)) v(c, t, a);

INSERT INTO cases (section, query, expect)
SELECT '6 text ' || typ, q, e FROM (SELECT DISTINCT typ FROM valid) t, LATERAL (VALUES
	(format($$SELECT ''::%s::text$$, typ), '22P02'),
	(format($$SELECT 'garbage'::%s::text$$, typ), '22P02'),
	(format($$SELECT '%s'::%s::text$$, typ, typ), '22P02'),
	(format($$SELECT '%s:'::%s::text$$, typ, typ), '22P03'),
	(format($$SELECT ' %s:AQ=='::%s::text$$, typ, typ), '22P02'),
	(format($$SELECT '%s:!!!!'::%s::text$$, typ, typ), '22P02'),
	(format($$SELECT '%s:AQ'::%s::text$$, typ, typ), '22P02'),
	(format($$SELECT ('%s:' || repeat('A', 1000000))::%s::text$$, typ, typ), '22P03'),
	(format($$SELECT ('%s:' || repeat('/', 4000000))::%s::text$$, typ, typ), '22P03'),
	(format($$SELECT (upper('%s') || ':AQ==')::%s::text$$, typ, typ), '22P02'),
	(format($$SELECT 'clv_other:AQ=='::%s::text$$, typ), '22P02')
) v(q, e);

-- another type's valid value
INSERT INTO cases (section, query, expect)
SELECT '6 text ' || a.typ, format('SELECT %L::%s::text', b.val, a.typ), '22P02'
FROM (SELECT DISTINCT ON (typ) * FROM valid ORDER BY typ, val) a, (SELECT DISTINCT ON (typ) * FROM valid ORDER BY typ, val) b
WHERE a.typ <> b.typ;

-- every valid value survives text and binary round trips; truncated at
-- every length, and with bytes appended, it is rejected with 22P03
INSERT INTO cases (section, query, expect)
SELECT '6 text ' || typ, format('SELECT %L::%s::text = %L', val, typ, val), '=true' FROM valid;
-- clv_horizon_state: also compare the values
INSERT INTO cases (section, query, expect)
SELECT '6 text ' || typ, format('SELECT clv_horizon_final(%L::%s::text::%s) = clv_horizon_final(%L) AND length(%L::%s::text) = length(%L)',
	val, typ, typ, val, val, typ, val), '=true' FROM valid
WHERE typ = 'clv_horizon_state';
INSERT INTO cases (section, query, expect)
SELECT '6 text ' || typ, format($$SELECT count(*) FILTER (WHERE r <> '22P03') || ' of ' || count(*) FROM (
	SELECT run_case(format('SELECT %%L::%s::text', %L || b64(substr(bin(%L), 1, n)))) r
	FROM generate_series(0, length(bin(%L)) - 1) n) x$$, typ, typ || ':', val, val), NULL
FROM valid;
INSERT INTO cases (section, query, expect)
SELECT '6 text ' || typ, format($$SELECT (%L || b64(bin(%L) || '\x00'::bytea))::%s::text$$, typ || ':', val, typ), '22P03'
FROM valid;
INSERT INTO cases (section, query, expect)
SELECT '6 text ' || typ, format($$SELECT (%L || b64(bin(%L) || bin(%L)))::%s::text$$, typ || ':', val, val, typ), '22P03'
FROM valid;
-- every byte set to 0xff, and to 0x7f, one at a time: never XX000 (counted)
INSERT INTO cases (section, query, expect)
SELECT '6 text ' || typ, format($$SELECT string_agg(DISTINCT r, ',' ORDER BY r) FROM (
	SELECT CASE WHEN r LIKE '=%%' THEN 'ok' ELSE r END r FROM (
	SELECT run_case(format('SELECT %%L::%s::text', %L || b64(overlay(bin(%L) PLACING b FROM n FOR 1)))) r
	FROM generate_series(1, length(bin(%L))) n, (VALUES ('\xff'::bytea), ('\x7f'), ('\x00'), ('\x80')) v(b)) x) y$$,
	typ, typ || ':', val, val), NULL
FROM valid;

-- wrong versions and flags, huge counts and lengths
INSERT INTO cases (section, query, expect) VALUES
	-- btyd_summary_rows: a value written by hand (E = day 10, unit 1; customer
	-- 'a', frequency 1, purchase days 2 and 5, repeat spend 10.50 at scale 2:
	-- recency 3, t 8, monetary value 10.50), then damaged ones
	('6 bytea btyd_summaries', $$SELECT concat_ws(' ', customer_id, frequency, recency, t, monetary_value) FROM btyd_summary_rows('\x0000000a00000001000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea)$$, '=a 1 3 8 10.50'),
	('6 bytea btyd_summaries', $$SELECT count(*) FROM btyd_summary_rows('\x00'::bytea)$$, '22P03'),
	('6 bytea btyd_summaries', $$SELECT count(*) FROM btyd_summary_rows('\x0000000a00000003'::bytea)$$, '22P03'),
	('6 bytea btyd_summaries', $$SELECT count(*) FROM btyd_summary_rows('\x0000000a00000001ffffffff61'::bytea)$$, '22P03'),
	('6 bytea btyd_summaries', $$SELECT count(*) FROM btyd_summary_rows(substr('\x0000000a00000001000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea, 1, 40))$$, '22P03'),
	('6 bytea btyd_summaries', $$SELECT count(*) FROM btyd_summary_rows(overlay('\x0000000a00000001000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea PLACING '\x00000009'::bytea FROM 18 FOR 4))$$, '22P03'),
	('6 bytea btyd_summaries', $$SELECT count(*) FROM btyd_summary_rows(overlay('\x0000000a00000001000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea PLACING '\x000000ff'::bytea FROM 26 FOR 4))$$, '22P03'),
	('6 bytea btyd_summaries', $$SELECT count(*) FROM btyd_summary_rows(overlay('\x0000000a00000001000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea PLACING '\xff'::bytea FROM 13 FOR 1))$$, '22021'),
	-- the same customer in the form with the observation end (unit word 0x101,
	-- then the end as int64: 0 = 2000-01-01 00:00 UTC); btyd_summary_data:
	-- one customer (1, 3, 8) and one spend entry (1, 10.5), with the end
	-- when the value has one; damaged values as above
	('6 bytea btyd_summaries', $$SELECT concat_ws(' ', customer_id, frequency, recency, t, monetary_value) FROM btyd_summary_rows('\x0000000a000001010000000000000000000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea)$$, '=a 1 3 8 10.50'),
	('6 bytea btyd_summaries', $$SELECT bgnbd_fit(btyd_summary_data('\x0000000a00000001000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea))::text = bgnbd_fit(btyd_data(1, 3, 8), 'day')::text$$, '=true'),
	('6 bytea btyd_summaries', $$SELECT concat_ws(' ', btyd_data_customers(d), btyd_data_distinct(d), (bgnbd_fit(d)).time_unit, (gamma_gamma_fit(d)).observation_end) FROM btyd_summary_data('\x0000000a00000001000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea) d$$, '=1 1 day'),
	('6 bytea btyd_summaries', $$SELECT concat_ws(' ', btyd_data_customers(d), btyd_data_distinct(d), (bgnbd_fit(d)).time_unit, (gamma_gamma_fit(d)).observation_end AT TIME ZONE 'UTC') FROM btyd_summary_data('\x0000000a000001010000000000000000000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea) d$$, '=1 1 day 2000-01-01 00:00:00'),
	('6 bytea btyd_summaries', $$SELECT gamma_gamma_fit(btyd_summary_data('\x0000000a000001010000000000000000000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea))::text = gamma_gamma_fit(btyd_data(1, 10.5), 'day', '2000-01-01 00:00+00')::text$$, '=true'),
	('6 bytea btyd_summaries', $$SELECT count(*) FROM btyd_summary_rows('\x0000000a00000201'::bytea)$$, '22P03'),
	('6 bytea btyd_summaries', $$SELECT count(*) FROM btyd_summary_rows('\x0000000a0000010100000000'::bytea)$$, '22P03'),
	('6 bytea btyd_summaries', $$SELECT btyd_summary_data('\x00'::bytea)::text$$, '22P03'),
	('6 bytea btyd_summaries', $$SELECT btyd_summary_data('\x0000000a00000003'::bytea)::text$$, '22P03'),
	('6 bytea btyd_summaries', $$SELECT btyd_summary_data(substr('\x0000000a00000001000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea, 1, 40))::text$$, '22P03'),
	('6 bytea btyd_summaries', $$SELECT btyd_summary_data(overlay('\x0000000a00000001000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea PLACING '\x000000ff'::bytea FROM 26 FOR 4))::text$$, '22P03'),
	-- frequency 0 with purchase days 2 and 5, and frequency 2^31 - 1: no fit
	-- accepts them
	('6 bytea btyd_summaries', $$SELECT btyd_summary_data(overlay('\x0000000a00000001000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea PLACING '\x00000000'::bytea FROM 14 FOR 4))::text$$, '22P03'),
	('6 bytea btyd_summaries', $$SELECT count(*) FROM btyd_summary_rows(overlay('\x0000000a00000001000000016100000001000000020000000500000002000000020000000000000000000000000000041a'::bytea PLACING '\x7fffffff'::bytea FROM 14 FOR 4))$$, '22P03'),
	('6 text clv_summary', $$SELECT ('clv_summary:' || b64('\x00'::bytea || substr(bin(val), 2)))::clv_summary::text FROM valid WHERE typ = 'clv_summary' LIMIT 1$$, '22P03'),
	('6 text clv_summary', $$SELECT ('clv_summary:' || b64('\x02'::bytea || substr(bin(val), 2)))::clv_summary::text FROM valid WHERE typ = 'clv_summary' LIMIT 1$$, '22P03'),
	('6 text clv_summary', $$SELECT ('clv_summary:' || b64(overlay(bin(val) PLACING '\xffff'::bytea FROM 3 FOR 2)))::clv_summary::text FROM valid WHERE typ = 'clv_summary' LIMIT 1$$, '22P03'),
	('6 text clv_summary', $$SELECT ('clv_summary:' || b64(overlay(bin(val) PLACING '\xffffffff'::bytea FROM 37 FOR 4)))::clv_summary::text FROM valid WHERE typ = 'clv_summary' LIMIT 1$$, '22P03'),
	('6 text clv_summary', $$SELECT ('clv_summary:' || b64(overlay(bin(val) PLACING '\x7fffffff'::bytea FROM 41 FOR 4)))::clv_summary::text FROM valid WHERE val = (SELECT clv_summary(c, t, a)::text FROM (VALUES ('a', timestamptz '2024-01-01', 10.5), ('bb', '2024-02-01', 2)) v(c, t, a))$$, '22P03'),
	('6 text clv_summary', $$SELECT ('clv_summary:' || b64(overlay(bin(val) PLACING '\x000000ff'::bytea FROM 13 FOR 4)))::clv_summary::text FROM valid WHERE typ = 'clv_summary' LIMIT 1$$, '22P03'),
	('6 text clv_horizon_state', $$SELECT ('clv_horizon_state:' || b64('\x09'::bytea || substr(bin(val), 2)))::clv_horizon_state::text FROM valid WHERE typ = 'clv_horizon_state'$$, '22P03'),
	('6 text clv_horizon_state', $$SELECT ('clv_horizon_state:' || b64(overlay(bin(val) PLACING '\xffffffff'::bytea FROM 48 FOR 4)))::clv_horizon_state::text FROM valid WHERE typ = 'clv_horizon_state'$$, '22P03'),
	('6 text clv_cohort_state', $$SELECT ('clv_cohort_state:' || b64('\x00000009'::bytea || substr(bin(val), 5)))::clv_cohort_state::text FROM valid WHERE typ = 'clv_cohort_state'$$, '22P03'),
	('6 text clv_cohort_state', $$SELECT ('clv_cohort_state:' || b64(overlay(bin(val) PLACING '\x7fffffff'::bytea FROM 13 FOR 4)))::clv_cohort_state::text FROM valid WHERE typ = 'clv_cohort_state'$$, '22P03'),
	('6 text clv_cohort_state', $$SELECT ('clv_cohort_state:' || b64(overlay(bin(val) PLACING '\x00000009'::bytea FROM 9 FOR 4)))::clv_cohort_state::text FROM valid WHERE typ = 'clv_cohort_state'$$, '22P03'),
	-- found by the fuzzer (test/fuzz): a truncated header gave 08P01 (pq_getmsgint)
	('6 text clv_cohort_state', $$SELECT 'clv_cohort_state:AAAAAQ=='::clv_cohort_state::text$$, '22P03'),
	('6 text clv_cohort_state', $$SELECT 'clv_cohort_state:AAAAAQAAAAAAAAABAAAAA1VUQwAAAAE='::clv_cohort_state::text$$, '22P03'),
	-- found by the fuzzer: a last period far above the first order's made
	-- clv_cohort_table loop forever without checking for interrupts (int32
	-- overflow of the period offset).  Layout (version 2) with time zone
	-- 'UTC': the last period at byte 36, the first customer-period's period
	-- (an int64) at 52, its low half at 56.
	('6 text clv_cohort_state', $$SELECT count(*) FROM clv_cohort_table((SELECT ('clv_cohort_state:' || b64(overlay(bin(s::text) PLACING '\x7fffffff'::bytea FROM 36 FOR 4)))::clv_cohort_state FROM (SELECT clv_cohort_state(1, '2024-01-01'::date, 1, 'day', 'UTC')) x(s)))$$, '22P03'),
	('6 text clv_cohort_state', $$SELECT count(*) FROM clv_cohort_table((SELECT ('clv_cohort_state:' || b64(overlay(overlay(bin(s::text) PLACING '\x7fffffff'::bytea FROM 36 FOR 4) PLACING '\x80000000'::bytea FROM 56 FOR 4)))::clv_cohort_state FROM (SELECT clv_cohort_state(1, '2024-01-01'::date, 1, 'day', 'UTC')) x(s)))$$, '22P03'),
	-- periods are accepted up to the day after the last local date of a
	-- timestamp (294277-01-01 is day 106751983 after 2000-01-01)
	('6 text clv_cohort_state', $$SELECT count(*) || ' ' || max(cohort) FROM clv_cohort_table((SELECT ('clv_cohort_state:' || b64(overlay(overlay(bin(s::text) PLACING int4send(106751984) FROM 36 FOR 4) PLACING int4send(106751982) FROM 56 FOR 4)))::clv_cohort_state FROM (SELECT clv_cohort_state(1, '2024-01-01'::date, 1, 'day', 'UTC')) x(s)))$$, '=3 294276-12-31'),
	('6 text clv_cohort_state', $$SELECT count(*) || ' ' || max(cohort) FROM clv_cohort_table((SELECT ('clv_cohort_state:' || b64(overlay(overlay(bin(s::text) PLACING int4send(106751985) FROM 36 FOR 4) PLACING int4send(106751982) FROM 56 FOR 4)))::clv_cohort_state FROM (SELECT clv_cohort_state(1, '2024-01-01'::date, 1, 'day', 'UTC')) x(s)))$$, '22P03'),
	-- a crafted state with two customers of 2^63 - 1 orders each
	('4 counts', $$SELECT orders(('clv_summary:' || b64(overlay(overlay(bin(s::text) PLACING '\x7fffffffffffffff'::bytea FROM 65 FOR 8) PLACING '\x7fffffffffffffff'::bytea FROM 97 FOR 8)))::clv_summary) FROM (SELECT clv_summary(c, t, 1) FROM (VALUES (1, timestamptz '2024-01-01'), (1, '2024-02-01'), (2, '2024-01-01'), (2, '2024-02-01')) v(c, t)) x(s)$$, '22003');

-- ---------------------------------------------------------------------------
-- 7. models (BTYD functions of sql/install/20_models.sql): penalizers < 0,
-- discount rates <= -1, unknown time units, zero, negative and infinite
-- horizons, impossible customer summaries, degenerate fit inputs, models
-- with impossible parameters.  (Malformed btyd_data text: section 6.)
-- ---------------------------------------------------------------------------
CREATE TABLE fit_input (f float8, r float8, t float8, m float8);
INSERT INTO fit_input VALUES (2, 30, 40, 25.5), (0, 0, 40, 0), (5, 35, 40, 12), (1, 10, 40, 30), (3, 38, 40, 8);
INSERT INTO cases (section, query, expect) VALUES
	('7 models', $$SELECT bgnbd_fit(f, r, t, -1) FROM fit_input$$, '22023'),
	('7 models', $$SELECT bgnbd_fit(f, r, t, 'NaN') FROM fit_input$$, '22023'),
	('7 models', $$SELECT bgnbd_fit(f, r, t, 'Infinity') FROM fit_input$$, NULL),
	('7 models', $$SELECT pareto_nbd_fit(f, r, t, -0.001) FROM fit_input$$, '22023'),
	('7 models', $$SELECT gamma_gamma_fit(f, m, -5) FROM fit_input WHERE f > 0$$, '22023'),
	('7 models', $$SELECT bgnbd_fit(f, r, t) FROM fit_input WHERE false$$, NULL),
	('7 models', $$SELECT pareto_nbd_fit(f, r, t) FROM fit_input WHERE false$$, NULL),
	('7 models', $$SELECT gamma_gamma_fit(f, m) FROM fit_input WHERE false$$, NULL),
	('7 models', $$SELECT bgnbd_fit(0, 0, t) FROM fit_input$$, NULL),
	('7 models', $$SELECT gamma_gamma_fit(f, m) FROM fit_input WHERE f = 1$$, NULL),
	('7 models', $$SELECT bgnbd_fit(f, r, t) FROM fit_input WHERE f = 2$$, NULL),
	('7 models', $$SELECT bgnbd_fit(-1, 0, 10)$$, '22023'),
	('7 models', $$SELECT bgnbd_fit(1, 20, 10)$$, '22023'),
	('7 models', $$SELECT bgnbd_fit(1, -1, 10)$$, '22023'),
	('7 models', $$SELECT bgnbd_fit(1.5, 5, 10)$$, NULL),
	('7 models', $$SELECT bgnbd_fit('NaN', 5, 10)$$, '22023'),
	('7 models', $$SELECT bgnbd_fit(1, 5, 'Infinity')$$, '22023'),
	('7 models', $$SELECT pareto_nbd_fit(1e308, 5, 10)$$, NULL),
	('7 models', $$SELECT bgnbd_fit(f * 1e6, r, t) FROM fit_input$$, NULL),
	-- rows with a spend <= 0 are left out of the Gamma-Gamma fit
	('7 models', $$SELECT gamma_gamma_fit(f, -m) FROM fit_input WHERE f > 0$$, 'NULL'),
	('7 models', $$SELECT gamma_gamma_fit(f, 'Infinity') FROM fit_input WHERE f > 0$$, '22023'),
	('7 models', $$SELECT btyd_data(f, r, t)::text FROM fit_input WHERE false$$, NULL),
	('7 models', $$SELECT bgnbd_fit(btyd_data(f, m)) FROM fit_input$$, NULL),
	('7 models', $$SELECT gamma_gamma_fit(btyd_data(f, r, t)) FROM fit_input$$, NULL),
	('7 models', $$SELECT rollup(d)::text FROM (SELECT btyd_data(f, r, t) FROM fit_input UNION ALL SELECT btyd_data(f, m) FROM fit_input) x(d)$$, NULL),
	('7 models', $$SELECT bgnbd_expected_purchases(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, 0, 2, 30, 40)$$, NULL),
	('7 models', $$SELECT bgnbd_expected_purchases(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, -1, 2, 30, 40)$$, '22023'),
	('7 models', $$SELECT bgnbd_expected_purchases(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, 'Infinity', 2, 30, 40)$$, NULL),
	('7 models', $$SELECT bgnbd_expected_purchases(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, 'NaN', 2, 30, 40)$$, '22023'),
	('7 models', $$SELECT bgnbd_expected_purchases(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, 1e300, 2, 30, 40)$$, NULL),
	('7 models', $$SELECT bgnbd_expected_purchases_new(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, -30)$$, '22023'),
	('7 models', $$SELECT pareto_nbd_expected_purchases(ROW(0.553, 10.578, 0.606, 11.669, 0, true, 1, NULL, NULL, NULL)::pareto_nbd_model, -1, 2, 30, 40)$$, '22023'),
	('7 models', $$SELECT pareto_nbd_expected_purchases_new(ROW(0.553, 10.578, 0.606, 11.669, 0, true, 1, NULL, NULL, NULL)::pareto_nbd_model, 0)$$, NULL),
	('7 models', $$SELECT bgnbd_p_alive(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, 2, 50, 40)$$, '22023'),
	('7 models', $$SELECT bgnbd_p_alive(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, 1e9, 40, 40)$$, NULL),
	('7 models', $$SELECT pareto_nbd_p_alive(ROW(0.553, 10.578, 0.606, 11.669, 0, true, 1, NULL, NULL, NULL)::pareto_nbd_model, 1e9, 40, 40)$$, NULL),
	('7 models', $$SELECT pareto_nbd_p_alive(ROW(0.553, 10.578, 0.606, 11.669, 0, true, 1, NULL, NULL, NULL)::pareto_nbd_model, 2, 30, 1e300)$$, NULL),
	('7 models', $$SELECT bgnbd_p_alive(ROW(-1, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, 2, 30, 40)$$, '22023'),
	('7 models', $$SELECT bgnbd_p_alive(ROW('NaN', 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, 2, 30, 40)$$, '22023'),
	('7 models', $$SELECT bgnbd_p_alive(ROW(NULL, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, 2, 30, 40)$$, NULL),
	('7 models', $$SELECT pareto_nbd_p_alive(ROW(0.553, 0, 0.606, 11.669, 0, true, 1, NULL, NULL, NULL)::pareto_nbd_model, 2, 30, 40)$$, '22023'),
	('7 models', $$SELECT gamma_gamma_expected_spend(ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 0, 25)$$, NULL),
	('7 models', $$SELECT gamma_gamma_expected_spend(ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, -25)$$, '22023'),
	('7 models', $$SELECT gamma_gamma_expected_spend(ROW(6.25, 1, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 0, 25)$$, NULL),
	('7 models', $$SELECT gamma_gamma_expected_spend(ROW(6.25, 3.74, 'Infinity', 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 25)$$, '22023'),
	-- clv_predict(bgnbd, gamma_gamma, frequency, recency, t, monetary_value,
	-- months, monthly_discount_rate, time_unit, margin)
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 12, -1, 'days', 1)$$, '22023'),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 12, -2, 'days', 1)$$, '22023'),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 12, -0.5, 'days', 1)$$, NULL),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 12, 'NaN', 'days', 1)$$, '22023'),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 12, 'Infinity', 'days', 1)$$, NULL),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 0, 0.01, 'days', 1)$$, NULL),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, -12, 0.01, 'days', 1)$$, '22023'),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 2147483647, 0.01, 'days', 1)$$, NULL),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 12, 0.01, 'fortnights', 1)$$, '22023'),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 12, 0.01, '', 1)$$, '22023'),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 12, 0.01, 'days', 'NaN')$$, '22023'),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 50, 40, 25, 12, 0.01, 'days', 1)$$, '22023'),
	('7 models', $$SELECT (clv_rfm(t, a, '2024-06-01')).frequency FROM (VALUES (timestamptz '2024-01-01', 10.0), ('2024-02-01', 20.0)) v(t, a)$$, '=1'),
	('7 models', $$SELECT clv_rfm(t, a, '2024-06-01', 'fortnights')::text FROM (VALUES (timestamptz '2024-01-01', 10.0)) v(t, a)$$, '22023'),
	('7 models', $$SELECT clv_rfm(t, a, '2024-06-01', '')::text FROM (VALUES (timestamptz '2024-01-01', 10.0)) v(t, a)$$, '22023'),
	('7 models', $$SELECT clv_rfm(t, a, '2024-06-01', NULL)::text FROM (VALUES (timestamptz '2024-01-01', 10.0)) v(t, a)$$, NULL),
	('7 models', $$SELECT clv_rfm(t, a, 'infinity')::text FROM (VALUES (timestamptz '2024-01-01', 10.0)) v(t, a)$$, '22008'),
	('7 models', $$SELECT clv_rfm(t, a, '2023-06-01')::text FROM (VALUES (timestamptz '2024-01-01', 10.0)) v(t, a)$$, NULL),
	('7 models', $$SELECT clv_rfm(t, a, '2024-06-01')::text FROM (VALUES (timestamptz 'infinity', 10.0)) v(t, a)$$, '22008'),
	('7 models', $$SELECT clv_rfm(t, a, '2024-06-01')::text FROM (VALUES (timestamptz '2024-01-01', 'NaN'::numeric)) v(t, a)$$, '22023'),
	('7 models', $$SELECT clv_rfm(t, a, '294276-12-31 00:00+00')::text FROM (VALUES (timestamptz '4713-01-01 00:00+00 BC', 10.0), ('4713-01-02 00:00+00 BC', 10.0)) v(t, a)$$, NULL),
	('7 models', $$SELECT clv_rfm(t, a, '2024-06-01')::text FROM (VALUES (timestamptz '2024-01-01', 99999999999999999999999999999999999999.0), ('2024-01-02', 99999999999999999999999999999999999999.0)) v(t, a)$$, NULL),
	('7 models', $$SELECT clv_rfm(t, a, '2024-06-01', 'seconds')::text FROM (VALUES (timestamptz '2024-01-01', 1.0), ('2024-01-02', 1.0)) v(t, a)$$, NULL),
	('7 models', $$SELECT clv_rfm(t, a, '2024-06-01')::text FROM (VALUES (timestamptz '2024-01-01', 1.0)) v(t, a) WHERE false$$, NULL),
	-- time units: the model's unit decides, a contradicting argument is an error
	('7 models', $$SELECT (bgnbd_fit(btyd_data(f, r, t), 'Week')).time_unit FROM fit_input$$, '=week'),
	('7 models', $$SELECT bgnbd_fit(btyd_data(f, r, t), 'fortnight') FROM fit_input$$, '22023'),
	('7 models', $$SELECT bgnbd_fit(btyd_data(f, r, t), 'week', 'infinity') FROM fit_input$$, '22008'),
	('7 models', $$SELECT bgnbd_fit(NULL::btyd_data, 'week')$$, 'NULL'),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, 'week', NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 12, 0.01, 'day')$$, '22023'),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, 'fortnight', NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 12, 0.01)$$, '22023'),
	('7 models', $$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, 'week', NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 40, 25, 12, 0.01, NULL, NULL)$$, 'NULL'),
	-- probabilities of the number of purchases
	('7 models', $$SELECT bgnbd_probability_purchases(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, 30, -1, 2, 30, 40)$$, '22023'),
	('7 models', $$SELECT bgnbd_probability_purchases_new(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, 0, 0)$$, '=1'),
	('7 models', $$SELECT bgnbd_probability_purchases_new(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model, 'Infinity', 3)$$, NULL),
	('7 models', $$SELECT mbgnbd_probability_purchases(ROW(0.525, 6.183, 0.891, 1.614, 0, true, 1, NULL, NULL, NULL)::mbgnbd_model, 1e6, 100000, 2, 30, 40)$$, NULL),
	('7 models', $$SELECT pareto_nbd_probability_purchases(ROW(0.553, 10.578, 0.606, 11.669, 0, true, 1, NULL, NULL, NULL)::pareto_nbd_model, 39, -2, 2, 30, 40)$$, '22023'),
	('7 models', $$SELECT pareto_nbd_probability_purchases_new(ROW(0.553, 10.578, 0.606, 11.669, 0, true, 1, NULL, NULL, NULL)::pareto_nbd_model, 1e300, 2)$$, NULL),
	('7 models', $$SELECT pareto_nbd_probability_any_purchase(ROW(0.553, 10.578, 0.606, 11.669, 0, true, 1, NULL, NULL, NULL)::pareto_nbd_model, 'NaN', 2, 30, 40)$$, '22023'),
	('7 models', $$SELECT pareto_nbd_p_alive(ROW(0.553, 10.578, 0.606, 11.669, 0, true, 1, NULL, NULL, NULL)::pareto_nbd_model, 2, 30, 40, -1)$$, '22023'),
	-- BG/BB: whole numbers 0 <= frequency <= recency <= n_periods
	('7 models', $$SELECT bgbb_fit(2, 1, 6)$$, '22023'),
	('7 models', $$SELECT bgbb_fit(1.5, 2, 6)$$, '22023'),
	('7 models', $$SELECT bgbb_fit(1, 2, 6.5)$$, '22023'),
	('7 models', $$SELECT bgbb_fit(1, 2, 2000000)$$, '22023'),
	('7 models', $$SELECT bgbb_fit(1, 2, 6, -1)$$, '22023'),
	('7 models', $$SELECT bgbb_fit(1, 2, 6, 0)$$, 'NULL'),
	('7 models', $$SELECT bgbb_p_alive(ROW(1.204, 0.750, 0.657, 2.783, 0, true, 1, NULL, NULL, NULL)::bgbb_model, 2, 7, 6)$$, '22023'),
	('7 models', $$SELECT bgbb_expected_purchases(ROW(1.204, 0.750, 0.657, 2.783, 0, true, 1, NULL, NULL, NULL)::bgbb_model, -1, 2, 4, 6)$$, '22023'),
	('7 models', $$SELECT bgbb_probability_purchases_new(ROW(1.204, 0.750, 0.657, 2.783, 0, true, 1, NULL, NULL, NULL)::bgbb_model, 6, 7)$$, '=0'),
	-- model covariance: a malformed one is rejected
	('7 models', $$SELECT count(*) FROM clv_model_parameters(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, '{1,2}')::bgnbd_model)$$, '22023'),
	('7 models', $$SELECT count(std_error) FROM clv_model_parameters(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model)$$, '=0');


-- ---------------------------------------------------------------------------
-- run every case
-- ---------------------------------------------------------------------------
CREATE TABLE outcomes AS
SELECT id, section, query, expect, setup, run_case(query, setup) AS outcome FROM cases ORDER BY id;
RESET TimeZone;
SET TimeZone = 'UTC';

\pset format unaligned
\pset tuples_only on
SELECT id || ' | ' || section || ' | ' || coalesce(setup || '; ', '') || query || E'\n    -> ' ||
	CASE WHEN length(shown(outcome)) > 120 THEN left(shown(outcome), 117) || '...' ELSE shown(outcome) END
FROM outcomes ORDER BY id;
\pset tuples_only off
\pset format aligned

-- no internal errors, no protocol errors, no corruption errors
SELECT count(*) AS internal_errors FROM outcomes
WHERE outcome ~ '^(XX|08)' OR outcome ~ '^=.*(XX000|08P01)';
-- every documented expectation holds
SELECT id, expect, outcome FROM outcomes
WHERE expect IS NOT NULL AND NOT (outcome = expect OR (expect = '*' AND outcome LIKE '=%'))
ORDER BY id;
-- degenerate fits, by properties: every number finite, not converged, and
-- a log-likelihood not worse than a reference.  References:
--  * customers without a repeat purchase (x = 0): the BG/NBD probability of
--    no purchase in (0, T] tends to 1 as r / alpha -> 0, so the supremum of
--    the log-likelihood is 0; a fit must come within 1e-3 of it;
--  * the one customer x = 2, t_x = 30, T = 40: the log-likelihood at
--    r = alpha = a = b = 1 (BG/NBD) and r = alpha = s = beta = 1
--    (Pareto/NBD), which a maximum cannot be below.  With these parameters
--    the likelihoods of Fader, Hardie & Lee 2005 (BG/NBD) and of Fader &
--    Hardie, "A Note on Deriving the Pareto/NBD Model" (2005; its A_0 with
--    alpha = beta, where the hypergeometric terms are 1) have closed forms:
--      BG/NBD:     x! / (x + 1) * ((1 + T)^-(x+1) + (1 + t_x)^-(x+1) / x)
--      Pareto/NBD: x! * ((1 + T)^-(x+2) + ((1 + t_x)^-(x+2) - (1 + T)^-(x+2)) / (x + 2))
--    = -10.78 and -13.75 (plain SQL below).
SELECT m.label, (m.f).converged,
	   (m.f).log_likelihood > m.ref AS ll_not_worse,
	   m.ref::numeric(7, 3) AS reference,
	   (SELECT bool_and(v NOT IN ('NaN', 'Infinity', '-Infinity'))
		FROM unnest(ARRAY[(m.f).r, (m.f).alpha, (m.f).a, (m.f).b, (m.f).log_likelihood]) v) AS finite
FROM (SELECT 'bgnbd, x = 0' AS label, bgnbd_fit(0, 0, t) AS f, -1e-3::float8 AS ref FROM fit_input
	  UNION ALL
	  SELECT 'bgnbd, x = 2', bgnbd_fit(f, r, t),
			 ln(2.0 / 3 * (41 ^ -3.0 + 31 ^ -3.0 / 2))::float8
	  FROM fit_input WHERE f = 2) m;
SELECT (f).converged, (f).log_likelihood > ln(2 * (41 ^ -4.0 + (31 ^ -4.0 - 41 ^ -4.0) / 4))::float8 AS ll_not_worse,
	   ln(2 * (41 ^ -4.0 + (31 ^ -4.0 - 41 ^ -4.0) / 4))::numeric(7, 3) AS reference,
	   (SELECT bool_and(v NOT IN ('NaN', 'Infinity', '-Infinity'))
		FROM unnest(ARRAY[(f).r, (f).alpha, (f).s, (f).beta, (f).log_likelihood]) v) AS finite
FROM (SELECT pareto_nbd_fit(2, 30, 40) AS f) m;
-- fits that diverge (all spends of the one customer equal: p, q -> infinity;
-- frequencies of millions) end finite and not converged
SELECT (f).converged, (SELECT bool_and(v NOT IN ('NaN', 'Infinity', '-Infinity'))
		FROM unnest(ARRAY[(f).p, (f).q, (f).v, (f).log_likelihood]) v) AS finite
FROM (SELECT gamma_gamma_fit(f, m) AS f FROM fit_input WHERE f = 1) g;
SELECT (f).converged, (SELECT bool_and(v NOT IN ('NaN', 'Infinity', '-Infinity'))
		FROM unnest(ARRAY[(f).r, (f).alpha, (f).a, (f).b, (f).log_likelihood]) v) AS finite
FROM (SELECT bgnbd_fit(f * 1e6, r, t) AS f FROM fit_input) g;
-- the server is still up, the session still works
SELECT 1 AS alive;
SELECT clv_agg(c, t, a) FROM (VALUES (1, '2024-01-01'::date, 10), (2, '2024-01-02', 20)) v(c, t, a);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA bad_input_test CASCADE;
RESET client_min_messages;
