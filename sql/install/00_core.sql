/*
 * Core: the clv_summary type and the descriptive CLV aggregates.
 *
 * Every aggregate takes the customer key as anycompatible (bigint, integer,
 * smallint, text, varchar, char or uuid; a quoted literal resolves to text),
 * the order time as timestamptz, timestamp or date (one overload each) and
 * the amount as anyelement (numeric, double precision, real or an integer),
 * so integer amounts stay exact and no call is ambiguous.  The types are
 * checked at run time.
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

CREATE FUNCTION clv_summary_accum(clv_summary, anycompatible, timestamptz, anyelement) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clv_summary_accum(clv_summary, anycompatible, timestamp, anyelement) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clv_summary_accum(clv_summary, anycompatible, date, anyelement) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum(clv_summary, anycompatible, timestamptz, anyelement) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0)';
COMMENT ON FUNCTION clv_summary_accum(clv_summary, anycompatible, timestamp, anyelement) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0); timestamp read in the session TimeZone';
COMMENT ON FUNCTION clv_summary_accum(clv_summary, anycompatible, date, anyelement) IS 'aggregate transition function: add an order (amount >= 0) or refund (amount < 0); date read as midnight in the session TimeZone';

CREATE FUNCTION clv_summary_accum_orders(clv_summary, anycompatible, timestamptz) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clv_summary_accum_orders(clv_summary, anycompatible, timestamp) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clv_summary_accum_orders(clv_summary, anycompatible, date) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum_orders(clv_summary, anycompatible, timestamptz) IS 'aggregate transition function: add an order';
COMMENT ON FUNCTION clv_summary_accum_orders(clv_summary, anycompatible, timestamp) IS 'aggregate transition function: add an order';
COMMENT ON FUNCTION clv_summary_accum_orders(clv_summary, anycompatible, date) IS 'aggregate transition function: add an order';

CREATE FUNCTION clv_summary_accum_cutoff(clv_summary, anycompatible, timestamptz, timestamptz) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clv_summary_accum_cutoff(clv_summary, anycompatible, timestamp, timestamptz) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clv_summary_accum_cutoff(clv_summary, anycompatible, date, timestamptz) RETURNS clv_summary
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_summary_accum_cutoff(clv_summary, anycompatible, timestamptz, timestamptz) IS 'aggregate transition function: add an order, remembering the retention cutoff';
COMMENT ON FUNCTION clv_summary_accum_cutoff(clv_summary, anycompatible, timestamp, timestamptz) IS 'aggregate transition function: add an order, remembering the retention cutoff';
COMMENT ON FUNCTION clv_summary_accum_cutoff(clv_summary, anycompatible, date, timestamptz) IS 'aggregate transition function: add an order, remembering the retention cutoff';

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

CREATE AGGREGATE clv_agg(customer_id anycompatible, ordered_at timestamptz, amount anyelement) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
CREATE AGGREGATE clv_agg(customer_id anycompatible, ordered_at timestamp, amount anyelement) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
CREATE AGGREGATE clv_agg(customer_id anycompatible, ordered_at date, amount anyelement) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(anycompatible, timestamptz, anyelement) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
COMMENT ON AGGREGATE clv_agg(anycompatible, timestamp, anyelement) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';
COMMENT ON AGGREGATE clv_agg(anycompatible, date, anyelement) IS 'historical CLV: average order value * purchase frequency * lifespan = net revenue / customers';

CREATE AGGREGATE repeat_rate(customer_id anycompatible, ordered_at timestamptz) (
	SFUNC = clv_summary_accum_orders, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_repeat_rate_final, PARALLEL = SAFE);
CREATE AGGREGATE repeat_rate(customer_id anycompatible, ordered_at timestamp) (
	SFUNC = clv_summary_accum_orders, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_repeat_rate_final, PARALLEL = SAFE);
CREATE AGGREGATE repeat_rate(customer_id anycompatible, ordered_at date) (
	SFUNC = clv_summary_accum_orders, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_repeat_rate_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE repeat_rate(anycompatible, timestamptz) IS 'share of customers with two or more orders';
COMMENT ON AGGREGATE repeat_rate(anycompatible, timestamp) IS 'share of customers with two or more orders';
COMMENT ON AGGREGATE repeat_rate(anycompatible, date) IS 'share of customers with two or more orders';

CREATE AGGREGATE retention_rate(customer_id anycompatible, ordered_at timestamptz, cutoff timestamptz) (
	SFUNC = clv_summary_accum_cutoff, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_retention_rate_final, PARALLEL = SAFE);
CREATE AGGREGATE retention_rate(customer_id anycompatible, ordered_at timestamp, cutoff timestamptz) (
	SFUNC = clv_summary_accum_cutoff, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_retention_rate_final, PARALLEL = SAFE);
CREATE AGGREGATE retention_rate(customer_id anycompatible, ordered_at date, cutoff timestamptz) (
	SFUNC = clv_summary_accum_cutoff, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_retention_rate_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE retention_rate(anycompatible, timestamptz, timestamptz) IS 'customer retention rate CRR = (E - N) / S at a cutoff';
COMMENT ON AGGREGATE retention_rate(anycompatible, timestamp, timestamptz) IS 'customer retention rate CRR = (E - N) / S at a cutoff';
COMMENT ON AGGREGATE retention_rate(anycompatible, date, timestamptz) IS 'customer retention rate CRR = (E - N) / S at a cutoff';

CREATE AGGREGATE clv_summary(customer_id anycompatible, ordered_at timestamptz, amount anyelement) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
CREATE AGGREGATE clv_summary(customer_id anycompatible, ordered_at timestamp, amount anyelement) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
CREATE AGGREGATE clv_summary(customer_id anycompatible, ordered_at date, amount anyelement) (
	SFUNC = clv_summary_accum, STYPE = clv_summary,
	COMBINEFUNC = clv_summary_combine, FINALFUNC = clv_summary_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_summary(anycompatible, timestamptz, anyelement) IS 'build a mergeable clv_summary of orders';
COMMENT ON AGGREGATE clv_summary(anycompatible, timestamp, anyelement) IS 'build a mergeable clv_summary of orders';
COMMENT ON AGGREGATE clv_summary(anycompatible, date, anyelement) IS 'build a mergeable clv_summary of orders';

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

CREATE FUNCTION clv_horizon_accum(clv_horizon_state, anycompatible, timestamptz, anyelement, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, anycompatible, timestamp, anyelement, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clv_horizon_accum(clv_horizon_state, anycompatible, date, anyelement, interval) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, anycompatible, timestamptz, anyelement, interval) IS 'aggregate transition function of clv_agg with a horizon';
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, anycompatible, timestamp, anyelement, interval) IS 'aggregate transition function of clv_agg with a horizon';
COMMENT ON FUNCTION clv_horizon_accum(clv_horizon_state, anycompatible, date, anyelement, interval) IS 'aggregate transition function of clv_agg with a horizon';

CREATE FUNCTION clv_horizon_combine(clv_horizon_state, clv_horizon_state) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_combine(clv_horizon_state, clv_horizon_state) IS 'aggregate combine function of clv_agg with a horizon';

CREATE FUNCTION clv_horizon_final(clv_horizon_state) RETURNS numeric
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_horizon_final(clv_horizon_state) IS 'aggregate final function of clv_agg with a horizon';

CREATE AGGREGATE clv_agg(customer_id anycompatible, ordered_at timestamptz, amount anyelement, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_combine, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
CREATE AGGREGATE clv_agg(customer_id anycompatible, ordered_at timestamp, amount anyelement, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_combine, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
CREATE AGGREGATE clv_agg(customer_id anycompatible, ordered_at date, amount anyelement, horizon interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state,
	COMBINEFUNC = clv_horizon_combine, FINALFUNC = clv_horizon_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE clv_agg(anycompatible, timestamptz, anyelement, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
COMMENT ON AGGREGATE clv_agg(anycompatible, timestamp, anyelement, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
COMMENT ON AGGREGATE clv_agg(anycompatible, date, anyelement, interval) IS 'average revenue per customer in the first horizon after the first order, over customers observed at least that long';
