/*
 * Cohort analysis: the clv_cohort_state type, its aggregate and rollup,
 * clv_cohort_table() that expands a state into the cohort table, and
 * clv_cohorts() that runs an orders query (like crosstab's source query)
 * and returns the same table.
 *
 * Periods are calendar periods (day, ISO week starting Monday, month,
 * quarter, year) of each order's local time in a time zone.  A customer's
 * cohort is the period of their first order (amount >= 0); refunds
 * (amount < 0) lower revenue and are not orders.
 */

-- the cohort state type -------------------------------------------------------

CREATE TYPE clv_cohort_state;

CREATE FUNCTION clv_cohort_state_in(cstring) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_cohort_state_out(clv_cohort_state) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_cohort_state_recv(internal) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_cohort_state_send(clv_cohort_state) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clv_cohort_state (
	INPUT = clv_cohort_state_in,
	OUTPUT = clv_cohort_state_out,
	RECEIVE = clv_cohort_state_recv,
	SEND = clv_cohort_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE clv_cohort_state IS 'mergeable cohort state: period, time zone, and orders and exact net revenue per customer and calendar period';

COMMENT ON FUNCTION clv_cohort_state_in(cstring) IS 'text input of clv_cohort_state ("clv_cohort_state:" and base64)';
COMMENT ON FUNCTION clv_cohort_state_out(clv_cohort_state) IS 'text output of clv_cohort_state ("clv_cohort_state:" and base64)';
COMMENT ON FUNCTION clv_cohort_state_recv(internal) IS 'binary input of clv_cohort_state';
COMMENT ON FUNCTION clv_cohort_state_send(clv_cohort_state) IS 'binary output of clv_cohort_state';

-- transition and combine functions ------------------------------------------

-- @foreach key bigint text uuid
-- @foreach amount numeric float8 float4 int8 int4 int2
CREATE FUNCTION clv_cohort_state_accum(clv_cohort_state, {key}, timestamptz, {amount}, text, text) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_accum(clv_cohort_state, {key}, timestamptz, {amount}, text, text) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0) to its customer and calendar period';
-- @end

CREATE FUNCTION clv_cohort_state_combine(clv_cohort_state, clv_cohort_state) RETURNS clv_cohort_state
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_cohort_state_combine(clv_cohort_state, clv_cohort_state) IS 'aggregate combine function: merge two cohort states exactly';

-- aggregates ------------------------------------------------------------------

-- @foreach key bigint text uuid
-- @foreach amount numeric float8 float4 int8 int4 int2
CREATE AGGREGATE clv_cohort_state(customer_id {key}, ordered_at timestamptz, amount {amount}, period text, time_zone text) (
	SFUNC = clv_cohort_state_accum, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_cohort_state({key}, timestamptz, {amount}, text, text) IS 'build a mergeable cohort state of orders by calendar period (day, week, month, quarter, year) in a time zone';
-- @end

CREATE AGGREGATE rollup(clv_cohort_state) (
	SFUNC = clv_cohort_state_combine, STYPE = clv_cohort_state,
	COMBINEFUNC = clv_cohort_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE rollup(clv_cohort_state) IS 'merge cohort states exactly (e.g. per-shard or per-day states into one)';

-- the cohort table ----------------------------------------------------------------

CREATE FUNCTION clv_cohort_table(state clv_cohort_state)
	RETURNS TABLE(cohort date, period_offset integer, cohort_customers bigint,
				  active_customers bigint, retention double precision, orders bigint,
				  revenue numeric, cumulative_revenue_per_customer numeric)
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION clv_cohort_table(clv_cohort_state) IS 'cohort table of a cohort state: one row per cohort and period offset, gaps filled up to the last period observed';

/*
 * clv_cohorts runs a caller-supplied query (with the caller's privileges),
 * so it is VOLATILE, and PARALLEL RESTRICTED: it opens a cursor, which
 * parallel workers cannot do for arbitrary queries.
 */
CREATE FUNCTION clv_cohorts(orders_query text, period text, time_zone text)
	RETURNS TABLE(cohort date, period_offset integer, cohort_customers bigint,
				  active_customers bigint, retention double precision, orders bigint,
				  revenue numeric, cumulative_revenue_per_customer numeric)
	AS 'MODULE_PATHNAME', 'clv_cohorts' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED ROWS 100;
CREATE FUNCTION clv_cohorts(orders_query text, period text)
	RETURNS TABLE(cohort date, period_offset integer, cohort_customers bigint,
				  active_customers bigint, retention double precision, orders bigint,
				  revenue numeric, cumulative_revenue_per_customer numeric)
	AS 'MODULE_PATHNAME', 'clv_cohorts' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED ROWS 100;
CREATE FUNCTION clv_cohorts(orders_query text)
	RETURNS TABLE(cohort date, period_offset integer, cohort_customers bigint,
				  active_customers bigint, retention double precision, orders bigint,
				  revenue numeric, cumulative_revenue_per_customer numeric)
	AS 'MODULE_PATHNAME', 'clv_cohorts' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION clv_cohorts(text, text, text) IS 'cohort table of an orders query returning (customer_id, ordered_at, amount), by calendar period in a time zone';
COMMENT ON FUNCTION clv_cohorts(text, text) IS 'cohort table of an orders query returning (customer_id, ordered_at, amount), by calendar period in the session TimeZone';
COMMENT ON FUNCTION clv_cohorts(text) IS 'cohort table of an orders query returning (customer_id, ordered_at, amount), by calendar month in the session TimeZone';
