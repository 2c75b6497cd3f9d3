/*
 * Core: the clv_summary type and the descriptive CLV aggregates.
 *
 * Every aggregate that reads orders has one overload per customer key type
 * (bigint, text, uuid) and amount type (numeric, double precision, real,
 * bigint, integer, smallint), with the order time as timestamptz.  Other
 * inputs reach them through PostgreSQL's implicit casts, which are exact:
 * smallint and integer keys become bigint, varchar and name keys text,
 * char(n) keys text without trailing blanks; timestamp and date order times
 * become timestamptz in the session TimeZone (a date at midnight).  Every
 * amount type has its own overload because an integer amount would
 * otherwise resolve to double precision (the preferred numeric type) and a
 * real one would be widened before its exact conversion.  A quoted literal
 * key resolves to text, a quoted literal amount to double precision.
 * The signatures are concrete (not polymorphic) so that Citus can split the
 * aggregates between workers and coordinator: its worker_partial_agg checks
 * the declared argument types against the actual ones.
 *
 * The repetitive overloads are written once as templates ("-- @foreach"
 * ... "-- @end"), expanded by sql/overloads.awk when the Makefile builds
 * the install script.
 */

-- the summary type -----------------------------------------------------------

CREATE TYPE clv_summary;

CREATE FUNCTION clv_summary_in(cstring) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_summary_out(clv_summary) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_summary_recv(internal) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_summary_send(clv_summary) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clv_summary (
	INPUT = clv_summary_in,
	OUTPUT = clv_summary_out,
	RECEIVE = clv_summary_recv,
	SEND = clv_summary_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE clv_summary IS 'mergeable per-customer summary of orders: first and last order time and order count per customer, exact net revenue';

COMMENT ON FUNCTION clv_summary_in(cstring) IS 'text input of clv_summary ("clv_summary:" and base64)';
COMMENT ON FUNCTION clv_summary_out(clv_summary) IS 'text output of clv_summary ("clv_summary:" and base64)';
COMMENT ON FUNCTION clv_summary_recv(internal) IS 'binary input of clv_summary';
COMMENT ON FUNCTION clv_summary_send(clv_summary) IS 'binary output of clv_summary';

-- transition, combine and final functions ------------------------------------

-- @foreach key bigint text uuid
-- @foreach amount numeric float8 float4 int8 int4 int2
CREATE FUNCTION clv_summary_accum(clv_summary, {key}, timestamptz, {amount}) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, {key}, timestamptz, {amount}) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
-- @end

-- @foreach key bigint text uuid
CREATE FUNCTION clv_summary_accum_orders(clv_summary, {key}, timestamptz) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum_orders(clv_summary, {key}, timestamptz) IS 'aggregate transition function: add an order';
CREATE FUNCTION clv_summary_accum_cutoff(clv_summary, {key}, timestamptz, timestamptz) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum_cutoff(clv_summary, {key}, timestamptz, timestamptz) IS 'aggregate transition function: add an order, remembering the retention cutoff';
-- @end

CREATE FUNCTION clv_summary_combine(clv_summary, clv_summary) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_combine(clv_summary, clv_summary) IS 'aggregate combine function: merge two summaries exactly';

CREATE FUNCTION clv_summary_final(clv_summary) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_final(clv_summary) IS 'aggregate final function: the summary (empty when there were no rows)';

CREATE FUNCTION clv_agg_final(clv_summary) RETURNS numeric
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_agg_final(clv_summary) IS 'aggregate final function of clv_agg: net revenue / customers';

CREATE FUNCTION clv_repeat_rate_final(clv_summary) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_repeat_rate_final(clv_summary) IS 'aggregate final function of repeat_rate';

CREATE FUNCTION clv_retention_rate_final(clv_summary) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_retention_rate_final(clv_summary) IS 'aggregate final function of retention_rate';

-- the aggregates ------------------------------------------------------------

-- @foreach key bigint text uuid
-- @foreach amount numeric float8 float4 int8 int4 int2
CREATE AGGREGATE clv_agg(customer_id {key}, ordered_at timestamptz, amount {amount}) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg({key}, timestamptz, {amount}) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
CREATE AGGREGATE clv_summary(customer_id {key}, ordered_at timestamptz, amount {amount}) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary({key}, timestamptz, {amount}) IS 'build a mergeable clv_summary of orders';
-- @end

-- @foreach key bigint text uuid
CREATE AGGREGATE repeat_rate(customer_id {key}, ordered_at timestamptz) (
	SFUNC = clv_summary_accum_orders, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_repeat_rate_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE repeat_rate({key}, timestamptz) IS 'share of customers with two or more orders';
CREATE AGGREGATE retention_rate(customer_id {key}, ordered_at timestamptz, cutoff timestamptz) (
	SFUNC = clv_summary_accum_cutoff, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_retention_rate_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE retention_rate({key}, timestamptz, timestamptz) IS 'customer retention rate CRR = (E - N) / S at a cutoff';
-- @end

-- @foreach key bigint text uuid
-- @foreach amount numeric float8 float4 int8 int4 int2
CREATE AGGREGATE repeat_rate(customer_id {key}, ordered_at timestamptz, amount {amount}) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_repeat_rate_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE repeat_rate({key}, timestamptz, {amount}) IS 'share of customers with two or more orders; a row with amount < 0 is a refund, not an order';
-- @end

CREATE AGGREGATE rollup(clv_summary) (
	SFUNC = clv_summary_combine, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE rollup(clv_summary) IS 'merge clv_summary values exactly (e.g. daily summaries into a month)';

-- accessors -------------------------------------------------------------------

CREATE FUNCTION customers(clv_summary) RETURNS bigint
	AS 'MODULE_PATHNAME', 'clv_summary_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION customers(clv_summary) IS 'number of customers with at least one order';

CREATE FUNCTION orders(clv_summary) RETURNS bigint
	AS 'MODULE_PATHNAME', 'clv_summary_orders' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION orders(clv_summary) IS 'number of orders (rows with amount >= 0)';

CREATE FUNCTION repeat_customers(clv_summary) RETURNS bigint
	AS 'MODULE_PATHNAME', 'clv_summary_repeat_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION repeat_customers(clv_summary) IS 'number of customers with two or more orders';

CREATE FUNCTION revenue(clv_summary) RETURNS numeric
	AS 'MODULE_PATHNAME', 'clv_summary_revenue' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION revenue(clv_summary) IS 'exact net revenue: sum of all amounts, refunds included';

CREATE FUNCTION aov(clv_summary) RETURNS numeric
	AS 'MODULE_PATHNAME', 'clv_summary_aov' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION aov(clv_summary) IS 'average order value: net revenue / orders';

CREATE FUNCTION purchase_frequency(clv_summary) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_summary_purchase_frequency' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION purchase_frequency(clv_summary) IS 'orders per customer per year of lifespan: orders / customers / lifespan';

CREATE FUNCTION lifespan(clv_summary) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_summary_lifespan' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lifespan(clv_summary) IS 'mean customer lifespan in years of 365.25 days: (last - first) * n / (n - 1) per customer, 0 for one order';

CREATE FUNCTION clv(clv_summary) RETURNS numeric
	AS 'MODULE_PATHNAME', 'clv_summary_clv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv(clv_summary) IS 'historical CLV: aov * purchase_frequency * lifespan = net revenue / customers';

CREATE FUNCTION clv(clv_summary, gross_margin numeric) RETURNS numeric
	AS 'MODULE_PATHNAME', 'clv_summary_clv_margin' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv(clv_summary, numeric) IS 'historical CLV times a gross margin (e.g. 0.3 for 30 %)';

CREATE FUNCTION repeat_rate(clv_summary) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_summary_repeat_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION repeat_rate(clv_summary) IS 'share of customers with two or more orders';

CREATE FUNCTION retention_rate(clv_summary, cutoff timestamptz) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_summary_retention_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION retention_rate(clv_summary, timestamptz) IS 'customer retention rate CRR = (E - N) / S at a cutoff';

CREATE FUNCTION first_order(clv_summary) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'clv_summary_first_order' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION first_order(clv_summary) IS 'time of the earliest order';

CREATE FUNCTION last_order(clv_summary) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'clv_summary_last_order' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION last_order(clv_summary) IS 'time of the latest order';

-- clv_agg with a horizon ------------------------------------------------------

CREATE TYPE clv_horizon_state;

CREATE FUNCTION clv_horizon_state_in(cstring) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_horizon_state_out(clv_horizon_state) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_horizon_state_recv(internal) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_horizon_state_send(clv_horizon_state) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clv_horizon_state (
	INPUT = clv_horizon_state_in,
	OUTPUT = clv_horizon_state_out,
	RECEIVE = clv_horizon_state_recv,
	SEND = clv_horizon_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE clv_horizon_state IS 'state of clv_agg with a horizon: per customer the first order and the rows inside the horizon';
COMMENT ON FUNCTION clv_horizon_state_in(cstring) IS 'text input of clv_horizon_state';
COMMENT ON FUNCTION clv_horizon_state_out(clv_horizon_state) IS 'text output of clv_horizon_state';
COMMENT ON FUNCTION clv_horizon_state_recv(internal) IS 'binary input of clv_horizon_state';
COMMENT ON FUNCTION clv_horizon_state_send(clv_horizon_state) IS 'binary output of clv_horizon_state';

-- @foreach key bigint text uuid
-- @foreach amount numeric float8 float4 int8 int4 int2
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, {key}, timestamptz, {amount}, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, {key}, timestamptz, {amount}, interval) IS 'aggregate transition function of clv_agg with a horizon';
-- @end

CREATE FUNCTION clv_horizon_combine(clv_horizon_state, clv_horizon_state) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_combine(clv_horizon_state, clv_horizon_state) IS 'aggregate combine function of clv_agg with a horizon';

CREATE FUNCTION clv_horizon_final(clv_horizon_state) RETURNS numeric
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_final(clv_horizon_state) IS 'aggregate final function of clv_agg with a horizon';

-- @foreach key bigint text uuid
-- @foreach amount numeric float8 float4 int8 int4 int2
CREATE AGGREGATE clv_agg(customer_id {key}, ordered_at timestamptz, amount {amount}, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_combine, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg({key}, timestamptz, {amount}, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
-- @end
