-- clv--0.2.0--0.3.0.sql: update script from 0.2.0 to 0.3.0 (written by hand;
-- stage 70 checks that an updated database equals a fresh install)

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION clv UPDATE TO '0.3.0'" to load this file. \quit

-- ---- concrete aggregate signatures (Citus) ------------------------------------
--
-- The aggregates that read orders take concrete types instead of
-- anycompatible/anyelement (see sql/install/00_core.sql): the polymorphic
-- aggregates and their transition functions are dropped and the overloads
-- created as in a fresh install (generated from the templates of
-- sql/install/ by sql/overloads.awk).  Views, functions or other objects of
-- the user that use the old aggregates would block the DROP: stop before
-- changing anything and name them.

DO $clv$
DECLARE
	old regprocedure[] := ARRAY[
		'clv_agg(anycompatible, timestamptz, anyelement)',
		'clv_agg(anycompatible, timestamp, anyelement)',
		'clv_agg(anycompatible, date, anyelement)',
		'clv_summary(anycompatible, timestamptz, anyelement)',
		'clv_summary(anycompatible, timestamp, anyelement)',
		'clv_summary(anycompatible, date, anyelement)',
		'repeat_rate(anycompatible, timestamptz)',
		'repeat_rate(anycompatible, timestamp)',
		'repeat_rate(anycompatible, date)',
		'retention_rate(anycompatible, timestamptz, timestamptz)',
		'retention_rate(anycompatible, timestamp, timestamptz)',
		'retention_rate(anycompatible, date, timestamptz)',
		'clv_agg(anycompatible, timestamptz, anyelement, interval)',
		'clv_agg(anycompatible, timestamp, anyelement, interval)',
		'clv_agg(anycompatible, date, anyelement, interval)',
		'clv_cohort_state(anycompatible, timestamptz, anyelement, text, text)',
		'clv_cohort_state(anycompatible, timestamp, anyelement, text, text)',
		'clv_cohort_state(anycompatible, date, anyelement, text, text)',
		'clv_summary_accum(clv_summary, anycompatible, timestamptz, anyelement)',
		'clv_summary_accum(clv_summary, anycompatible, timestamp, anyelement)',
		'clv_summary_accum(clv_summary, anycompatible, date, anyelement)',
		'clv_summary_accum_orders(clv_summary, anycompatible, timestamptz)',
		'clv_summary_accum_orders(clv_summary, anycompatible, timestamp)',
		'clv_summary_accum_orders(clv_summary, anycompatible, date)',
		'clv_summary_accum_cutoff(clv_summary, anycompatible, timestamptz, timestamptz)',
		'clv_summary_accum_cutoff(clv_summary, anycompatible, timestamp, timestamptz)',
		'clv_summary_accum_cutoff(clv_summary, anycompatible, date, timestamptz)',
		'clv_horizon_accum(clv_horizon_state, anycompatible, timestamptz, anyelement, interval)',
		'clv_horizon_accum(clv_horizon_state, anycompatible, timestamp, anyelement, interval)',
		'clv_horizon_accum(clv_horizon_state, anycompatible, date, anyelement, interval)',
		'clv_cohort_state_accum(clv_cohort_state, anycompatible, timestamptz, anyelement, text, text)',
		'clv_cohort_state_accum(clv_cohort_state, anycompatible, timestamp, anyelement, text, text)',
		'clv_cohort_state_accum(clv_cohort_state, anycompatible, date, anyelement, text, text)'
	]::regprocedure[];
	users text;
BEGIN
	SELECT string_agg(DISTINCT CASE WHEN d.classid = 'pg_rewrite'::regclass
			THEN pg_describe_object('pg_class'::regclass, r.ev_class, 0)
			ELSE pg_describe_object(d.classid, d.objid, d.objsubid) END, ', ')
		INTO users
		FROM pg_depend d
		LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
		WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = ANY (old)
		AND d.deptype IN ('n', 'a')
		AND NOT EXISTS (SELECT FROM pg_depend e
			WHERE e.classid = d.classid AND e.objid = d.objid AND e.deptype = 'e'
			AND e.refclassid = 'pg_extension'::regclass
			AND e.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv'));
	IF users IS NOT NULL THEN
		RAISE EXCEPTION 'cannot update clv to 0.3.0: objects depend on the aggregates it replaces'
			USING ERRCODE = 'dependent_objects_still_exist',
			DETAIL = 'clv 0.3.0 replaces the polymorphic aggregates clv_agg, clv_summary, repeat_rate, retention_rate and clv_cohort_state by overloads with concrete types. These objects use the old ones: ' || users || '.',
			HINT = 'Drop these objects, run ALTER EXTENSION clv UPDATE, and create them again (their definitions are unchanged).';
	END IF;
END
$clv$;

DROP AGGREGATE clv_agg(anycompatible, timestamptz, anyelement);
DROP AGGREGATE clv_agg(anycompatible, timestamp, anyelement);
DROP AGGREGATE clv_agg(anycompatible, date, anyelement);
DROP AGGREGATE clv_summary(anycompatible, timestamptz, anyelement);
DROP AGGREGATE clv_summary(anycompatible, timestamp, anyelement);
DROP AGGREGATE clv_summary(anycompatible, date, anyelement);
DROP AGGREGATE repeat_rate(anycompatible, timestamptz);
DROP AGGREGATE repeat_rate(anycompatible, timestamp);
DROP AGGREGATE repeat_rate(anycompatible, date);
DROP AGGREGATE retention_rate(anycompatible, timestamptz, timestamptz);
DROP AGGREGATE retention_rate(anycompatible, timestamp, timestamptz);
DROP AGGREGATE retention_rate(anycompatible, date, timestamptz);
DROP AGGREGATE clv_agg(anycompatible, timestamptz, anyelement, interval);
DROP AGGREGATE clv_agg(anycompatible, timestamp, anyelement, interval);
DROP AGGREGATE clv_agg(anycompatible, date, anyelement, interval);
DROP AGGREGATE clv_cohort_state(anycompatible, timestamptz, anyelement, text, text);
DROP AGGREGATE clv_cohort_state(anycompatible, timestamp, anyelement, text, text);
DROP AGGREGATE clv_cohort_state(anycompatible, date, anyelement, text, text);
DROP FUNCTION clv_summary_accum(clv_summary, anycompatible, timestamptz, anyelement);
DROP FUNCTION clv_summary_accum(clv_summary, anycompatible, timestamp, anyelement);
DROP FUNCTION clv_summary_accum(clv_summary, anycompatible, date, anyelement);
DROP FUNCTION clv_summary_accum_orders(clv_summary, anycompatible, timestamptz);
DROP FUNCTION clv_summary_accum_orders(clv_summary, anycompatible, timestamp);
DROP FUNCTION clv_summary_accum_orders(clv_summary, anycompatible, date);
DROP FUNCTION clv_summary_accum_cutoff(clv_summary, anycompatible, timestamptz, timestamptz);
DROP FUNCTION clv_summary_accum_cutoff(clv_summary, anycompatible, timestamp, timestamptz);
DROP FUNCTION clv_summary_accum_cutoff(clv_summary, anycompatible, date, timestamptz);
DROP FUNCTION clv_horizon_accum(clv_horizon_state, anycompatible, timestamptz, anyelement, interval);
DROP FUNCTION clv_horizon_accum(clv_horizon_state, anycompatible, timestamp, anyelement, interval);
DROP FUNCTION clv_horizon_accum(clv_horizon_state, anycompatible, date, anyelement, interval);
DROP FUNCTION clv_cohort_state_accum(clv_cohort_state, anycompatible, timestamptz, anyelement, text, text);
DROP FUNCTION clv_cohort_state_accum(clv_cohort_state, anycompatible, timestamp, anyelement, text, text);
DROP FUNCTION clv_cohort_state_accum(clv_cohort_state, anycompatible, date, anyelement, text, text);

CREATE FUNCTION clv_summary_accum(clv_summary, bigint, timestamptz, numeric) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, bigint, timestamptz, numeric) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, bigint, timestamptz, float8) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, bigint, timestamptz, float8) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, bigint, timestamptz, float4) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, bigint, timestamptz, float4) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, bigint, timestamptz, int8) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, bigint, timestamptz, int8) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, bigint, timestamptz, int4) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, bigint, timestamptz, int4) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, bigint, timestamptz, int2) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, bigint, timestamptz, int2) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, text, timestamptz, numeric) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, text, timestamptz, numeric) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, text, timestamptz, float8) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, text, timestamptz, float8) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, text, timestamptz, float4) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, text, timestamptz, float4) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, text, timestamptz, int8) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, text, timestamptz, int8) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, text, timestamptz, int4) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, text, timestamptz, int4) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, text, timestamptz, int2) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, text, timestamptz, int2) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, uuid, timestamptz, numeric) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, uuid, timestamptz, numeric) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, uuid, timestamptz, float8) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, uuid, timestamptz, float8) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, uuid, timestamptz, float4) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, uuid, timestamptz, float4) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, uuid, timestamptz, int8) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, uuid, timestamptz, int8) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, uuid, timestamptz, int4) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, uuid, timestamptz, int4) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum(clv_summary, uuid, timestamptz, int2) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, uuid, timestamptz, int2) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
CREATE FUNCTION clv_summary_accum_orders(clv_summary, bigint, timestamptz) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum_orders(clv_summary, bigint, timestamptz) IS 'aggregate transition function: add an order';
CREATE FUNCTION clv_summary_accum_cutoff(clv_summary, bigint, timestamptz, timestamptz) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum_cutoff(clv_summary, bigint, timestamptz, timestamptz) IS 'aggregate transition function: add an order, remembering the retention cutoff';
CREATE FUNCTION clv_summary_accum_orders(clv_summary, text, timestamptz) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum_orders(clv_summary, text, timestamptz) IS 'aggregate transition function: add an order';
CREATE FUNCTION clv_summary_accum_cutoff(clv_summary, text, timestamptz, timestamptz) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum_cutoff(clv_summary, text, timestamptz, timestamptz) IS 'aggregate transition function: add an order, remembering the retention cutoff';
CREATE FUNCTION clv_summary_accum_orders(clv_summary, uuid, timestamptz) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum_orders(clv_summary, uuid, timestamptz) IS 'aggregate transition function: add an order';
CREATE FUNCTION clv_summary_accum_cutoff(clv_summary, uuid, timestamptz, timestamptz) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum_cutoff(clv_summary, uuid, timestamptz, timestamptz) IS 'aggregate transition function: add an order, remembering the retention cutoff';
CREATE AGGREGATE clv_agg(customer_id bigint, ordered_at timestamptz, amount numeric) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(bigint, timestamptz, numeric) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id bigint, ordered_at timestamptz, amount numeric) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(bigint, timestamptz, numeric) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id bigint, ordered_at timestamptz, amount float8) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(bigint, timestamptz, float8) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id bigint, ordered_at timestamptz, amount float8) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(bigint, timestamptz, float8) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id bigint, ordered_at timestamptz, amount float4) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(bigint, timestamptz, float4) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id bigint, ordered_at timestamptz, amount float4) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(bigint, timestamptz, float4) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id bigint, ordered_at timestamptz, amount int8) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(bigint, timestamptz, int8) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id bigint, ordered_at timestamptz, amount int8) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(bigint, timestamptz, int8) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id bigint, ordered_at timestamptz, amount int4) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(bigint, timestamptz, int4) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id bigint, ordered_at timestamptz, amount int4) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(bigint, timestamptz, int4) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id bigint, ordered_at timestamptz, amount int2) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(bigint, timestamptz, int2) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id bigint, ordered_at timestamptz, amount int2) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(bigint, timestamptz, int2) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id text, ordered_at timestamptz, amount numeric) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(text, timestamptz, numeric) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id text, ordered_at timestamptz, amount numeric) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(text, timestamptz, numeric) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id text, ordered_at timestamptz, amount float8) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(text, timestamptz, float8) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id text, ordered_at timestamptz, amount float8) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(text, timestamptz, float8) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id text, ordered_at timestamptz, amount float4) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(text, timestamptz, float4) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id text, ordered_at timestamptz, amount float4) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(text, timestamptz, float4) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id text, ordered_at timestamptz, amount int8) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(text, timestamptz, int8) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id text, ordered_at timestamptz, amount int8) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(text, timestamptz, int8) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id text, ordered_at timestamptz, amount int4) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(text, timestamptz, int4) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id text, ordered_at timestamptz, amount int4) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(text, timestamptz, int4) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id text, ordered_at timestamptz, amount int2) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(text, timestamptz, int2) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id text, ordered_at timestamptz, amount int2) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(text, timestamptz, int2) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id uuid, ordered_at timestamptz, amount numeric) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(uuid, timestamptz, numeric) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id uuid, ordered_at timestamptz, amount numeric) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(uuid, timestamptz, numeric) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id uuid, ordered_at timestamptz, amount float8) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(uuid, timestamptz, float8) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id uuid, ordered_at timestamptz, amount float8) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(uuid, timestamptz, float8) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id uuid, ordered_at timestamptz, amount float4) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(uuid, timestamptz, float4) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id uuid, ordered_at timestamptz, amount float4) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(uuid, timestamptz, float4) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id uuid, ordered_at timestamptz, amount int8) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(uuid, timestamptz, int8) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id uuid, ordered_at timestamptz, amount int8) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(uuid, timestamptz, int8) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id uuid, ordered_at timestamptz, amount int4) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(uuid, timestamptz, int4) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id uuid, ordered_at timestamptz, amount int4) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(uuid, timestamptz, int4) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE clv_agg(customer_id uuid, ordered_at timestamptz, amount int2) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(uuid, timestamptz, int2) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id uuid, ordered_at timestamptz, amount int2) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(uuid, timestamptz, int2) IS 'build a mergeable clv_summary of orders';
CREATE AGGREGATE repeat_rate(customer_id bigint, ordered_at timestamptz) (
	SFUNC = clv_summary_accum_orders, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_repeat_rate_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE repeat_rate(bigint, timestamptz) IS 'share of customers with two or more orders';
CREATE AGGREGATE retention_rate(customer_id bigint, ordered_at timestamptz, cutoff timestamptz) (
	SFUNC = clv_summary_accum_cutoff, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_retention_rate_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE retention_rate(bigint, timestamptz, timestamptz) IS 'customer retention rate CRR = (E - N) / S at a cutoff';
CREATE AGGREGATE repeat_rate(customer_id text, ordered_at timestamptz) (
	SFUNC = clv_summary_accum_orders, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_repeat_rate_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE repeat_rate(text, timestamptz) IS 'share of customers with two or more orders';
CREATE AGGREGATE retention_rate(customer_id text, ordered_at timestamptz, cutoff timestamptz) (
	SFUNC = clv_summary_accum_cutoff, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_retention_rate_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE retention_rate(text, timestamptz, timestamptz) IS 'customer retention rate CRR = (E - N) / S at a cutoff';
CREATE AGGREGATE repeat_rate(customer_id uuid, ordered_at timestamptz) (
	SFUNC = clv_summary_accum_orders, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_repeat_rate_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE repeat_rate(uuid, timestamptz) IS 'share of customers with two or more orders';
CREATE AGGREGATE retention_rate(customer_id uuid, ordered_at timestamptz, cutoff timestamptz) (
	SFUNC = clv_summary_accum_cutoff, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_merge, FINALFUNC = clv_retention_rate_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE retention_rate(uuid, timestamptz, timestamptz) IS 'customer retention rate CRR = (E - N) / S at a cutoff';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, bigint, timestamptz, numeric, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, bigint, timestamptz, numeric, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, bigint, timestamptz, float8, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, bigint, timestamptz, float8, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, bigint, timestamptz, float4, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, bigint, timestamptz, float4, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, bigint, timestamptz, int8, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, bigint, timestamptz, int8, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, bigint, timestamptz, int4, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, bigint, timestamptz, int4, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, bigint, timestamptz, int2, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, bigint, timestamptz, int2, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, text, timestamptz, numeric, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, text, timestamptz, numeric, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, text, timestamptz, float8, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, text, timestamptz, float8, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, text, timestamptz, float4, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, text, timestamptz, float4, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, text, timestamptz, int8, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, text, timestamptz, int8, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, text, timestamptz, int4, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, text, timestamptz, int4, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, text, timestamptz, int2, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, text, timestamptz, int2, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, uuid, timestamptz, numeric, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, uuid, timestamptz, numeric, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, uuid, timestamptz, float8, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, uuid, timestamptz, float8, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, uuid, timestamptz, float4, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, uuid, timestamptz, float4, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, uuid, timestamptz, int8, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, uuid, timestamptz, int8, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, uuid, timestamptz, int4, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, uuid, timestamptz, int4, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, uuid, timestamptz, int2, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, uuid, timestamptz, int2, interval) IS 'aggregate transition function of clv_agg with a horizon';
CREATE AGGREGATE clv_agg(customer_id bigint, ordered_at timestamptz, amount numeric, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(bigint, timestamptz, numeric, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id bigint, ordered_at timestamptz, amount float8, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(bigint, timestamptz, float8, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id bigint, ordered_at timestamptz, amount float4, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(bigint, timestamptz, float4, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id bigint, ordered_at timestamptz, amount int8, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(bigint, timestamptz, int8, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id bigint, ordered_at timestamptz, amount int4, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(bigint, timestamptz, int4, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id bigint, ordered_at timestamptz, amount int2, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(bigint, timestamptz, int2, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id text, ordered_at timestamptz, amount numeric, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(text, timestamptz, numeric, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id text, ordered_at timestamptz, amount float8, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(text, timestamptz, float8, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id text, ordered_at timestamptz, amount float4, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(text, timestamptz, float4, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id text, ordered_at timestamptz, amount int8, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(text, timestamptz, int8, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id text, ordered_at timestamptz, amount int4, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(text, timestamptz, int4, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id text, ordered_at timestamptz, amount int2, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(text, timestamptz, int2, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id uuid, ordered_at timestamptz, amount numeric, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(uuid, timestamptz, numeric, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id uuid, ordered_at timestamptz, amount float8, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(uuid, timestamptz, float8, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id uuid, ordered_at timestamptz, amount float4, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(uuid, timestamptz, float4, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id uuid, ordered_at timestamptz, amount int8, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(uuid, timestamptz, int8, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id uuid, ordered_at timestamptz, amount int4, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(uuid, timestamptz, int4, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE AGGREGATE clv_agg(customer_id uuid, ordered_at timestamptz, amount int2, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_merge, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(uuid, timestamptz, int2, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, bigint, timestamptz, numeric, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, bigint, timestamptz, numeric, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, bigint, timestamptz, float8, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, bigint, timestamptz, float8, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, bigint, timestamptz, float4, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, bigint, timestamptz, float4, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, bigint, timestamptz, int8, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, bigint, timestamptz, int8, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, bigint, timestamptz, int4, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, bigint, timestamptz, int4, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, bigint, timestamptz, int2, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, bigint, timestamptz, int2, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, text, timestamptz, numeric, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, text, timestamptz, numeric, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, text, timestamptz, float8, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, text, timestamptz, float8, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, text, timestamptz, float4, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, text, timestamptz, float4, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, text, timestamptz, int8, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, text, timestamptz, int8, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, text, timestamptz, int4, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, text, timestamptz, int4, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, text, timestamptz, int2, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, text, timestamptz, int2, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, uuid, timestamptz, numeric, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, uuid, timestamptz, numeric, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, uuid, timestamptz, float8, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, uuid, timestamptz, float8, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, uuid, timestamptz, float4, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, uuid, timestamptz, float4, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, uuid, timestamptz, int8, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, uuid, timestamptz, int8, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, uuid, timestamptz, int4, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, uuid, timestamptz, int4, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, uuid, timestamptz, int2, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, uuid, timestamptz, int2, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
CREATE AGGREGATE clv_cohort_state(customer_id bigint, ordered_at timestamptz, amount numeric, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(bigint, timestamptz, numeric, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id bigint, ordered_at timestamptz, amount float8, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(bigint, timestamptz, float8, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id bigint, ordered_at timestamptz, amount float4, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(bigint, timestamptz, float4, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id bigint, ordered_at timestamptz, amount int8, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(bigint, timestamptz, int8, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id bigint, ordered_at timestamptz, amount int4, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(bigint, timestamptz, int4, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id bigint, ordered_at timestamptz, amount int2, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(bigint, timestamptz, int2, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id text, ordered_at timestamptz, amount numeric, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(text, timestamptz, numeric, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id text, ordered_at timestamptz, amount float8, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(text, timestamptz, float8, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id text, ordered_at timestamptz, amount float4, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(text, timestamptz, float4, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id text, ordered_at timestamptz, amount int8, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(text, timestamptz, int8, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id text, ordered_at timestamptz, amount int4, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(text, timestamptz, int4, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id text, ordered_at timestamptz, amount int2, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(text, timestamptz, int2, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id uuid, ordered_at timestamptz, amount numeric, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(uuid, timestamptz, numeric, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id uuid, ordered_at timestamptz, amount float8, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(uuid, timestamptz, float8, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id uuid, ordered_at timestamptz, amount float4, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(uuid, timestamptz, float4, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id uuid, ordered_at timestamptz, amount int8, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(uuid, timestamptz, int8, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id uuid, ordered_at timestamptz, amount int4, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(uuid, timestamptz, int4, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
CREATE AGGREGATE clv_cohort_state(customer_id uuid, ordered_at timestamptz, amount int2, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state(uuid, timestamptz, int2, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
