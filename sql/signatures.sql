--
-- signatures: which overload each kind of input resolves to, and that the
-- implicit casts on the way keep today's exact semantics.
--
-- The aggregates that read orders have concrete overloads (customer key
-- bigint, text or uuid; order time timestamptz; amount numeric, double
-- precision, real, bigint, integer or smallint; sql/install/00_core.sql).
-- resolved() creates a view over a query and reads from pg_depend which
-- aggregates the parser chose, so the test shows PostgreSQL's own choice.
-- The expected values are computed with plain SQL next to each query.
--
CREATE SCHEMA test_signatures;
SET search_path = test_signatures, public;
SET TimeZone = 'America/New_York';
SET extra_float_digits = 0;

CREATE FUNCTION resolved(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	EXECUTE 'CREATE TEMP VIEW resolved_v AS ' || q;
	SELECT string_agg(p.oid::regprocedure::text, ' ; ' ORDER BY p.oid::regprocedure::text) INTO r
	FROM pg_rewrite rw
	JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
	JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND d.refobjid = p.oid
	WHERE rw.ev_class = 'resolved_v'::regclass AND p.prokind = 'a';
	DROP VIEW resolved_v;
	RETURN r;
END $$;

CREATE TABLE o (
	k2 smallint, k4 integer, k8 bigint, kt text, kv varchar(10), kc char(6), kn name, ku uuid,
	t timestamptz, ts timestamp, d date,
	a_num numeric(12, 2), a_f8 double precision, a_f4 real, a_i8 bigint, a_i4 integer, a_i2 smallint);
CREATE DOMAIN money_d AS numeric(12, 2);
CREATE DOMAIN key_d AS text;

-- customer key types
SELECT k, resolved(format('SELECT clv_agg(%s, t, a_num) FROM o', k)) AS resolves_to
FROM unnest(ARRAY['k2', 'k4', 'k8', 'kt', 'kv', 'kc', 'kn', 'ku', 'kt::key_d',
				  $$'abc'$$, '42', 'NULL']) k;
-- order time types
SELECT t, resolved(format('SELECT clv_summary(k8, %s, a_num), repeat_rate(k8, %s) FROM o', t, t)) AS resolves_to
FROM unnest(ARRAY['t', 'ts', 'd', $$'2024-01-01'$$, 'now()']) t;
-- amount types: each has its own overload (an integer amount must not
-- become double precision, a real must not be widened first)
SELECT a, resolved(format('SELECT clv_agg(k8, t, %s) FROM o', a)) AS resolves_to
FROM unnest(ARRAY['a_num', 'a_f8', 'a_f4', 'a_i8', 'a_i4', 'a_i2', 'a_num::money_d',
				  '10', '10.5', $$'10.5'$$, '1e3', '10::smallint']) a;
-- the other aggregates
SELECT resolved($$SELECT retention_rate(kc, d, '2024-06-01') FROM o$$) AS retention_rate,
	   resolved($$SELECT clv_agg(k4, ts, a_i4, '90 days') FROM o$$) AS clv_agg_horizon,
	   resolved($$SELECT clv_cohort_state(kv, d, a_f4, 'month', 'UTC') FROM o$$) AS clv_cohort_state;
-- no overload for other types (42883)
SELECT clv_agg(1.5, now(), 1);
SELECT clv_agg(1, now(), true);
SELECT clv_agg(1, now()::text, 1);

-- ---------------------------------------------------------------------------
-- exactness through the casts, against plain SQL
-- ---------------------------------------------------------------------------
INSERT INTO o
SELECT i % 7, i % 7, i % 7, 'c' || i % 7, 'c' || i % 7,
	   -- char(6): 'c3' and 'c3  ' are one key, as for bpchar equality
	   CASE WHEN i % 2 = 0 THEN 'c' || i % 7 ELSE 'c' || i % 7 || '  ' END,
	   'c' || i % 7, ('00000000-0000-0000-0000-' || lpad((i % 7)::text, 12, '0'))::uuid,
	   timestamptz '2024-03-09 12:00-05' + i * interval '7 hours',
	   timestamp '2024-03-09 12:00' + i * interval '7 hours',
	   date '2024-03-01' + i,
	   i * 1.25 - 20, i * 0.1, (i * 0.1)::real,
	   -- beyond 2^53 (not exact as double precision)
	   9007199254740993 + i, i * 1000, i
FROM generate_series(1, 60) i;

-- integer keys of every width are one kind; text-like keys are text; char(n)
-- ignores trailing blanks
SELECT customers(clv_summary(k2, t, a_num)) = (SELECT count(DISTINCT k2) FROM o) AS smallint_keys,
	   clv_summary(k2, t, a_num)::text = clv_summary(k8, t, a_num)::text AS smallint_eq_bigint,
	   clv_summary(kt, t, a_num)::text = clv_summary(kv, t, a_num)::text AS varchar_eq_text,
	   clv_summary(kt, t, a_num)::text = clv_summary(kn, t, a_num)::text AS name_eq_text,
	   customers(clv_summary(kc, t, a_num)) = (SELECT count(DISTINCT rtrim(kc)) FROM o) AS char_trailing_blanks,
	   clv_summary(kc, t, a_num)::text = clv_summary(kt, t, a_num)::text AS char_eq_text
FROM o;

-- amounts stay exact: revenue equals the numeric sum of the values as
-- PostgreSQL casts them to numeric (real: 6 digits, double precision: 15)
SELECT revenue(clv_summary(k8, t, a_num)) = sum(a_num) AS numeric_exact,
	   revenue(clv_summary(k8, t, a_i8)) = sum(a_i8::numeric) AS bigint_exact_beyond_2_53,
	   revenue(clv_summary(k8, t, a_i8)) AS bigint_revenue,
	   revenue(clv_summary(k8, t, a_i4)) = sum(a_i4) AS integer_exact,
	   revenue(clv_summary(k8, t, a_i2)) = sum(a_i2) AS smallint_exact,
	   revenue(clv_summary(k8, t, a_f8)) = sum(a_f8::numeric) AS float8_as_cast,
	   revenue(clv_summary(k8, t, a_f4)) = sum(a_f4::numeric) AS real_as_cast,
	   revenue(clv_summary(k8, t, a_num::money_d)) = sum(a_num) AS domain_exact
FROM o;
SELECT clv_agg(1, now(), '0.1') AS literal_amount, revenue(clv_summary(1, now(), 9007199254740993)) AS bigint_literal;

-- timestamp and date order times are read in the session TimeZone, exactly
-- as PostgreSQL's casts read them (America/New_York crosses a DST change
-- on 2024-03-10 in this data)
-- (first and last order: amount >= 0)
SELECT first_order(clv_summary(k8, ts, a_num)) = min(ts::timestamptz) FILTER (WHERE a_num >= 0) AS ts_first,
	   last_order(clv_summary(k8, ts, a_num)) = max(ts::timestamptz) FILTER (WHERE a_num >= 0) AS ts_last,
	   first_order(clv_summary(k8, d, a_num)) = min(d::timestamptz) FILTER (WHERE a_num >= 0) AS date_first,
	   last_order(clv_summary(k8, d, a_num)) = max(d::timestamptz) FILTER (WHERE a_num >= 0) AS date_last,
	   lifespan(clv_summary(k8, ts, a_num)) = lifespan(clv_summary(k8, ts::timestamptz, a_num)) AS ts_lifespan
FROM o;
-- retention at a cutoff: orders at or before the cutoff in the session zone
SELECT retention_rate(k8, ts, '2024-03-15 00:00-04') = retention_rate(k8, ts::timestamptz, '2024-03-15 00:00-04') AS retention_ts
FROM o;
-- cohorts: timestamp orders read in the session zone, then bucketed in the
-- cohort's zone
SELECT clv_cohort_state(k4, ts, a_num, 'day', 'UTC')::text
	 = clv_cohort_state(k4, ts AT TIME ZONE 'America/New_York', a_num, 'day', 'UTC')::text AS cohort_ts
FROM o;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_signatures CASCADE;
RESET client_min_messages;
