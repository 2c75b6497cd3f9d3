-- 20_models.sql: "buy till you die" models: the clv_rfm per-customer
-- summary, BG/NBD, Pareto/NBD and Gamma-Gamma fits over a btyd_data state,
-- their scorers and clv_predict.  See docs/readme/models.md.
--
-- Every model composite ends in time_unit, observation_end and covariance
-- (added in 0.3.0: the update script adds them with ALTER TYPE ... ADD
-- ATTRIBUTE, so they come last here too).

/* ---- composite result types ---- */

CREATE TYPE rfm_summary AS (
	frequency integer,
	recency double precision,
	t double precision,
	monetary_value numeric
);
COMMENT ON TYPE rfm_summary IS 'BTYD customer summary: repeat purchase days, first to last purchase, first purchase to observation end, mean repeat purchase value';

CREATE TYPE bgnbd_model AS (
	r double precision,
	alpha double precision,
	a double precision,
	b double precision,
	log_likelihood double precision,
	converged boolean,
	iterations integer,
	time_unit text,
	observation_end timestamptz,
	covariance double precision[]
);
COMMENT ON TYPE bgnbd_model IS 'fitted BG/NBD model (Fader, Hardie & Lee 2005): parameters, fit, time unit, observation end, covariance of the parameters';

CREATE TYPE pareto_nbd_model AS (
	r double precision,
	alpha double precision,
	s double precision,
	beta double precision,
	log_likelihood double precision,
	converged boolean,
	iterations integer,
	time_unit text,
	observation_end timestamptz,
	covariance double precision[]
);
COMMENT ON TYPE pareto_nbd_model IS 'fitted Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): parameters, fit, time unit, observation end, covariance of the parameters';

CREATE TYPE gamma_gamma_model AS (
	p double precision,
	q double precision,
	v double precision,
	log_likelihood double precision,
	converged boolean,
	iterations integer,
	time_unit text,
	observation_end timestamptz,
	covariance double precision[]
);
COMMENT ON TYPE gamma_gamma_model IS 'fitted Gamma-Gamma spend model (Fader, Hardie & Lee 2005): parameters, fit, time unit, observation end, covariance of the parameters';

/* ---- btyd_data: the fit state ---- */

CREATE TYPE btyd_data;

CREATE FUNCTION btyd_data_in(cstring) RETURNS btyd_data
	AS 'MODULE_PATHNAME', 'clv_btyd_data_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_in(cstring) IS 'text input of btyd_data';
CREATE FUNCTION btyd_data_out(btyd_data) RETURNS cstring
	AS 'MODULE_PATHNAME', 'clv_btyd_data_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_out(btyd_data) IS 'text output of btyd_data';
CREATE FUNCTION btyd_data_recv(internal) RETURNS btyd_data
	AS 'MODULE_PATHNAME', 'clv_btyd_data_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_recv(internal) IS 'binary input of btyd_data';
CREATE FUNCTION btyd_data_send(btyd_data) RETURNS bytea
	AS 'MODULE_PATHNAME', 'clv_btyd_data_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_send(btyd_data) IS 'binary output of btyd_data';

CREATE TYPE btyd_data (
	INPUT = btyd_data_in,
	OUTPUT = btyd_data_out,
	RECEIVE = btyd_data_recv,
	SEND = btyd_data_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE btyd_data IS 'model fit input: distinct (frequency, recency, T) triples or (frequency, monetary value) pairs with customer counts';

CREATE FUNCTION btyd_data_accum(btyd_data, double precision, double precision, double precision) RETURNS btyd_data
	AS 'MODULE_PATHNAME', 'clv_btyd_data_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_accum(btyd_data, double precision, double precision, double precision) IS 'aggregate transition function: add (frequency, recency, T)';
CREATE FUNCTION btyd_data_accum(btyd_data, double precision, double precision, double precision, double precision) RETURNS btyd_data
	AS 'MODULE_PATHNAME', 'clv_btyd_data_accum_pen' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_accum(btyd_data, double precision, double precision, double precision, double precision) IS 'aggregate transition function: add (frequency, recency, T) with a penalizer';
CREATE FUNCTION btyd_data_accum_spend(btyd_data, double precision, double precision) RETURNS btyd_data
	AS 'MODULE_PATHNAME', 'clv_btyd_data_accum_spend' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_accum_spend(btyd_data, double precision, double precision) IS 'aggregate transition function: add (frequency, monetary value)';
CREATE FUNCTION btyd_data_accum_spend(btyd_data, double precision, double precision, double precision) RETURNS btyd_data
	AS 'MODULE_PATHNAME', 'clv_btyd_data_accum_spend_pen' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_accum_spend(btyd_data, double precision, double precision, double precision) IS 'aggregate transition function: add (frequency, monetary value) with a penalizer';
CREATE FUNCTION btyd_data_combine(btyd_data, btyd_data) RETURNS btyd_data
	AS 'MODULE_PATHNAME', 'clv_btyd_data_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_combine(btyd_data, btyd_data) IS 'merge two btyd_data values exactly';
CREATE FUNCTION btyd_data_final(btyd_data) RETURNS btyd_data
	AS 'MODULE_PATHNAME', 'clv_btyd_data_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_final(btyd_data) IS 'aggregate final function: compact copy of the state';
CREATE FUNCTION btyd_data_customers(btyd_data) RETURNS bigint
	AS 'MODULE_PATHNAME', 'clv_btyd_data_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_customers(btyd_data) IS 'number of customers in a btyd_data value';
CREATE FUNCTION btyd_data_distinct(btyd_data) RETURNS integer
	AS 'MODULE_PATHNAME', 'clv_btyd_data_distinct' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_distinct(btyd_data) IS 'number of distinct entries (inputs) in a btyd_data value';

CREATE AGGREGATE btyd_data(frequency double precision, recency double precision, t double precision) (
	SFUNC = btyd_data_accum, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = btyd_data_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE btyd_data(double precision, double precision, double precision) IS 'collect (frequency, recency, T) for bgnbd_fit / pareto_nbd_fit';
CREATE AGGREGATE btyd_data(frequency double precision, monetary_value double precision) (
	SFUNC = btyd_data_accum_spend, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = btyd_data_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE btyd_data(double precision, double precision) IS 'collect (frequency, monetary value) of repeat buyers for gamma_gamma_fit';
CREATE AGGREGATE rollup(btyd_data) (
	SFUNC = btyd_data_combine, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = btyd_data_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(btyd_data) IS 'merge btyd_data values';

CREATE FUNCTION btyd_data_accum_weighted(btyd_data, double precision, double precision, double precision, bigint) RETURNS btyd_data
	AS 'MODULE_PATHNAME', 'clv_btyd_data_accum_weighted' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_accum_weighted(btyd_data, double precision, double precision, double precision, bigint) IS 'aggregate transition function: add weight customers with (frequency, recency, T)';
CREATE AGGREGATE btyd_data(frequency double precision, recency double precision, t double precision, weight bigint) (
	SFUNC = btyd_data_accum_weighted, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = btyd_data_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE btyd_data(double precision, double precision, double precision, bigint) IS 'collect (frequency, recency, T) with customer counts (rows of summarised data) for the fits';

/* ---- btyd_data from orders: both fit inputs in one pass ---- */

CREATE FUNCTION btyd_data_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_btyd_data_combine_orders' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_combine(internal, internal) IS 'combine function of btyd_data over orders';
CREATE FUNCTION btyd_data_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'clv_btyd_data_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_serialize(internal) IS 'serialize function of btyd_data over orders';
CREATE FUNCTION btyd_data_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_btyd_data_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_deserialize(bytea, internal) IS 'deserialize function of btyd_data over orders';
CREATE FUNCTION btyd_data_final(internal) RETURNS btyd_data
	AS 'MODULE_PATHNAME', 'clv_btyd_data_final_orders' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_final(internal) IS 'final function of btyd_data over orders: the customers'' summaries as both fit inputs';

-- @foreach key bigint text uuid
-- @foreach amount numeric float8 float4 int8 int4 int2
CREATE FUNCTION btyd_data_accum(internal, {key}, timestamptz, {amount}, timestamptz) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_btyd_data_accum_orders' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_accum(internal, {key}, timestamptz, {amount}, timestamptz) IS 'transition function of btyd_data over orders';
CREATE AGGREGATE btyd_data(customer_id {key}, ordered_at timestamptz, amount {amount}, observation_end timestamptz) (
	SFUNC = btyd_data_accum, STYPE = internal,
	COMBINEFUNC = btyd_data_combine, SERIALFUNC = btyd_data_serialize,
	DESERIALFUNC = btyd_data_deserialize, FINALFUNC = btyd_data_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE btyd_data({key}, timestamptz, {amount}, timestamptz) IS 'the inputs of every fit from raw orders up to observation_end, in one pass over all customers (daily summaries, as clv_rfm)';
CREATE FUNCTION btyd_data_accum(internal, {key}, timestamptz, {amount}, timestamptz, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_btyd_data_accum_orders' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION btyd_data_accum(internal, {key}, timestamptz, {amount}, timestamptz, text) IS 'transition function of btyd_data over orders';
CREATE AGGREGATE btyd_data(customer_id {key}, ordered_at timestamptz, amount {amount}, observation_end timestamptz, time_unit text) (
	SFUNC = btyd_data_accum, STYPE = internal,
	COMBINEFUNC = btyd_data_combine, SERIALFUNC = btyd_data_serialize,
	DESERIALFUNC = btyd_data_deserialize, FINALFUNC = btyd_data_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE btyd_data({key}, timestamptz, {amount}, timestamptz, text) IS 'the inputs of every fit from raw orders up to observation_end, in one pass over all customers, summaries in time_unit (day or week, as clv_rfm)';
-- @end

/* ---- bgnbd_fit ---- */

CREATE FUNCTION bgnbd_fit(data btyd_data) RETURNS bgnbd_model
	AS 'MODULE_PATHNAME', 'clv_bgnbd_fit_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit(btyd_data) IS 'fit BG/NBD to a btyd_data value (also the final function of the bgnbd_fit aggregate)';
CREATE FUNCTION bgnbd_fit(data btyd_data, time_unit text, observation_end timestamptz DEFAULT NULL) RETURNS bgnbd_model
	AS 'MODULE_PATHNAME', 'clv_bgnbd_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_fit(btyd_data, text, timestamptz) IS 'fit BG/NBD to a btyd_data value whose summaries are in time_unit (day, week, month or year) as of observation_end; the model records both';

CREATE AGGREGATE bgnbd_fit(frequency double precision, recency double precision, t double precision) (
	SFUNC = btyd_data_accum, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = bgnbd_fit,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE bgnbd_fit(double precision, double precision, double precision) IS 'maximum-likelihood BG/NBD fit over (frequency, recency, T)';

CREATE AGGREGATE bgnbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision) (
	SFUNC = btyd_data_accum, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = bgnbd_fit,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE bgnbd_fit(double precision, double precision, double precision, double precision) IS 'maximum-likelihood BG/NBD fit over (frequency, recency, T) with an L2 penalizer';

CREATE FUNCTION bgnbd_expected_purchases(model bgnbd_model, horizon double precision, frequency double precision, recency double precision, t double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_bgnbd_expected_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_expected_purchases(bgnbd_model, double precision, double precision, double precision, double precision) IS 'BG/NBD expected purchases of a customer in the next horizon time units';
CREATE FUNCTION bgnbd_expected_purchases_new(model bgnbd_model, horizon double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_bgnbd_expected_purchases_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_expected_purchases_new(bgnbd_model, double precision) IS 'BG/NBD expected repeat purchases of a new customer within horizon time units';
CREATE FUNCTION bgnbd_p_alive(model bgnbd_model, frequency double precision, recency double precision, t double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_bgnbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_p_alive(bgnbd_model, double precision, double precision, double precision) IS 'BG/NBD probability that a customer is still alive';
CREATE FUNCTION bgnbd_probability_purchases(model bgnbd_model, horizon double precision, purchases integer, frequency double precision, recency double precision, t double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_bgnbd_probability_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_probability_purchases(bgnbd_model, double precision, integer, double precision, double precision, double precision) IS 'BG/NBD probability that a customer makes exactly purchases purchases in the next horizon time units';
CREATE FUNCTION bgnbd_probability_purchases_new(model bgnbd_model, horizon double precision, purchases integer) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_bgnbd_probability_purchases_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_probability_purchases_new(bgnbd_model, double precision, integer) IS 'BG/NBD probability P(X(t) = n) that a new customer makes exactly purchases repeat purchases within horizon time units';
CREATE FUNCTION bgnbd_probability_any_purchase(model bgnbd_model, horizon double precision, frequency double precision, recency double precision, t double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_bgnbd_probability_any_purchase' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgnbd_probability_any_purchase(bgnbd_model, double precision, double precision, double precision, double precision) IS 'BG/NBD probability that a customer makes at least one purchase in the next horizon time units';

/* ---- pareto_nbd_fit ---- */

CREATE FUNCTION pareto_nbd_fit(data btyd_data) RETURNS pareto_nbd_model
	AS 'MODULE_PATHNAME', 'clv_pareto_nbd_fit_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_fit(btyd_data) IS 'fit Pareto/NBD to a btyd_data value (also the final function of the pareto_nbd_fit aggregate)';
CREATE FUNCTION pareto_nbd_fit(data btyd_data, time_unit text, observation_end timestamptz DEFAULT NULL) RETURNS pareto_nbd_model
	AS 'MODULE_PATHNAME', 'clv_pareto_nbd_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_fit(btyd_data, text, timestamptz) IS 'fit Pareto/NBD to a btyd_data value whose summaries are in time_unit (day, week, month or year) as of observation_end; the model records both';

CREATE AGGREGATE pareto_nbd_fit(frequency double precision, recency double precision, t double precision) (
	SFUNC = btyd_data_accum, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = pareto_nbd_fit,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pareto_nbd_fit(double precision, double precision, double precision) IS 'maximum-likelihood Pareto/NBD fit over (frequency, recency, T)';

CREATE AGGREGATE pareto_nbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision) (
	SFUNC = btyd_data_accum, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = pareto_nbd_fit,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pareto_nbd_fit(double precision, double precision, double precision, double precision) IS 'maximum-likelihood Pareto/NBD fit over (frequency, recency, T) with an L2 penalizer';

CREATE FUNCTION pareto_nbd_expected_purchases(model pareto_nbd_model, horizon double precision, frequency double precision, recency double precision, t double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_pareto_nbd_expected_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_expected_purchases(pareto_nbd_model, double precision, double precision, double precision, double precision) IS 'Pareto/NBD expected purchases of a customer in the next horizon time units';
CREATE FUNCTION pareto_nbd_expected_purchases_new(model pareto_nbd_model, horizon double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_pareto_nbd_expected_purchases_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_expected_purchases_new(pareto_nbd_model, double precision) IS 'Pareto/NBD expected repeat purchases of a new customer within horizon time units';
CREATE FUNCTION pareto_nbd_p_alive(model pareto_nbd_model, frequency double precision, recency double precision, t double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_pareto_nbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_p_alive(pareto_nbd_model, double precision, double precision, double precision) IS 'Pareto/NBD probability that a customer is still alive';
CREATE FUNCTION pareto_nbd_p_alive(model pareto_nbd_model, frequency double precision, recency double precision, t double precision, horizon double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_pareto_nbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_p_alive(pareto_nbd_model, double precision, double precision, double precision, double precision) IS 'Pareto/NBD probability that a customer is still alive horizon time units after the observation end';
CREATE FUNCTION pareto_nbd_probability_purchases(model pareto_nbd_model, horizon double precision, purchases integer, frequency double precision, recency double precision, t double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_pareto_nbd_probability_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_probability_purchases(pareto_nbd_model, double precision, integer, double precision, double precision, double precision) IS 'Pareto/NBD probability that a customer makes exactly purchases purchases in the next horizon time units';
CREATE FUNCTION pareto_nbd_probability_purchases_new(model pareto_nbd_model, horizon double precision, purchases integer) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_pareto_nbd_probability_purchases_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_probability_purchases_new(pareto_nbd_model, double precision, integer) IS 'Pareto/NBD probability P(X(t) = n) that a new customer makes exactly purchases repeat purchases within horizon time units';
CREATE FUNCTION pareto_nbd_probability_any_purchase(model pareto_nbd_model, horizon double precision, frequency double precision, recency double precision, t double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_pareto_nbd_probability_any_purchase' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pareto_nbd_probability_any_purchase(pareto_nbd_model, double precision, double precision, double precision, double precision) IS 'Pareto/NBD probability that a customer makes at least one purchase in the next horizon time units';

/* ---- gamma_gamma_fit ---- */

CREATE FUNCTION gamma_gamma_fit(data btyd_data) RETURNS gamma_gamma_model
	AS 'MODULE_PATHNAME', 'clv_gamma_gamma_fit_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_fit(btyd_data) IS 'fit Gamma-Gamma to a btyd_data value (also the final function of the gamma_gamma_fit aggregate)';
CREATE FUNCTION gamma_gamma_fit(data btyd_data, time_unit text, observation_end timestamptz DEFAULT NULL) RETURNS gamma_gamma_model
	AS 'MODULE_PATHNAME', 'clv_gamma_gamma_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_fit(btyd_data, text, timestamptz) IS 'fit Gamma-Gamma to a btyd_data value of summaries in time_unit as of observation_end; the model records both';

CREATE AGGREGATE gamma_gamma_fit(frequency double precision, monetary_value double precision) (
	SFUNC = btyd_data_accum_spend, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = gamma_gamma_fit,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE gamma_gamma_fit(double precision, double precision) IS 'maximum-likelihood Gamma-Gamma fit over (frequency, monetary value) of repeat buyers';

CREATE AGGREGATE gamma_gamma_fit(frequency double precision, monetary_value double precision, penalizer double precision) (
	SFUNC = btyd_data_accum_spend, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = gamma_gamma_fit,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE gamma_gamma_fit(double precision, double precision, double precision) IS 'maximum-likelihood Gamma-Gamma fit over (frequency, monetary value) of repeat buyers with an L2 penalizer';

CREATE FUNCTION gamma_gamma_expected_spend(model gamma_gamma_model, frequency double precision, monetary_value double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_gamma_gamma_expected_spend' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gamma_gamma_expected_spend(gamma_gamma_model, double precision, double precision) IS 'Gamma-Gamma expected value of a customer''s future transactions';

/* ---- clv_predict ---- */

-- not STRICT: time_unit may be NULL (the model's unit); NULL in another argument gives NULL
CREATE FUNCTION clv_predict(bgnbd bgnbd_model, gamma_gamma gamma_gamma_model,
		frequency double precision, recency double precision, t double precision,
		monetary_value double precision, months integer, monthly_discount_rate double precision,
		time_unit text DEFAULT NULL, margin double precision DEFAULT 1.0) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_predict' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_predict(bgnbd_model, gamma_gamma_model, double precision, double precision, double precision, double precision, integer, double precision, text, double precision) IS 'discounted expected customer lifetime value over months (BG/NBD purchases times Gamma-Gamma spend times margin), in the time unit of the model';
CREATE FUNCTION clv_predict(pareto_nbd pareto_nbd_model, gamma_gamma gamma_gamma_model,
		frequency double precision, recency double precision, t double precision,
		monetary_value double precision, months integer, monthly_discount_rate double precision,
		time_unit text DEFAULT NULL, margin double precision DEFAULT 1.0) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_predict_pareto_nbd' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_predict(pareto_nbd_model, gamma_gamma_model, double precision, double precision, double precision, double precision, integer, double precision, text, double precision) IS 'discounted expected customer lifetime value over months (Pareto/NBD purchases times Gamma-Gamma spend times margin), in the time unit of the model';

/* ---- clv_rfm ---- */

CREATE FUNCTION clv_rfm_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_combine(internal, internal) IS 'clv_rfm combine function';
CREATE FUNCTION clv_rfm_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'clv_rfm_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_serialize(internal) IS 'clv_rfm serialize function';
CREATE FUNCTION clv_rfm_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_deserialize(bytea, internal) IS 'clv_rfm deserialize function';
CREATE FUNCTION clv_rfm_final(internal) RETURNS rfm_summary
	AS 'MODULE_PATHNAME', 'clv_rfm_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_final(internal) IS 'clv_rfm final function';

CREATE FUNCTION clv_rfm_accum(internal, timestamptz, numeric, timestamptz) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_accum(internal, timestamptz, numeric, timestamptz) IS 'clv_rfm transition function';
CREATE AGGREGATE clv_rfm(ordered_at timestamptz, amount numeric, observation_end timestamptz) (
	SFUNC = clv_rfm_accum, STYPE = internal,
	COMBINEFUNC = clv_rfm_combine, SERIALFUNC = clv_rfm_serialize, DESERIALFUNC = clv_rfm_deserialize,
	FINALFUNC = clv_rfm_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_rfm(timestamptz, numeric, timestamptz) IS 'per-customer BTYD summary (frequency, recency, T, monetary value) of orders up to observation_end, in days';

CREATE FUNCTION clv_rfm_accum(internal, timestamptz, numeric, timestamptz, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_accum(internal, timestamptz, numeric, timestamptz, text) IS 'clv_rfm transition function';
CREATE AGGREGATE clv_rfm(ordered_at timestamptz, amount numeric, observation_end timestamptz, time_unit text) (
	SFUNC = clv_rfm_accum, STYPE = internal,
	COMBINEFUNC = clv_rfm_combine, SERIALFUNC = clv_rfm_serialize, DESERIALFUNC = clv_rfm_deserialize,
	FINALFUNC = clv_rfm_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_rfm(timestamptz, numeric, timestamptz, text) IS 'per-customer BTYD summary (frequency, recency, T, monetary value) of orders up to observation_end, in time_unit units';

CREATE FUNCTION clv_rfm_accum(internal, timestamptz, double precision, timestamptz) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_accum(internal, timestamptz, double precision, timestamptz) IS 'clv_rfm transition function';
CREATE AGGREGATE clv_rfm(ordered_at timestamptz, amount double precision, observation_end timestamptz) (
	SFUNC = clv_rfm_accum, STYPE = internal,
	COMBINEFUNC = clv_rfm_combine, SERIALFUNC = clv_rfm_serialize, DESERIALFUNC = clv_rfm_deserialize,
	FINALFUNC = clv_rfm_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_rfm(timestamptz, double precision, timestamptz) IS 'per-customer BTYD summary (frequency, recency, T, monetary value) of orders up to observation_end, in days';

CREATE FUNCTION clv_rfm_accum(internal, timestamptz, double precision, timestamptz, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_accum(internal, timestamptz, double precision, timestamptz, text) IS 'clv_rfm transition function';
CREATE AGGREGATE clv_rfm(ordered_at timestamptz, amount double precision, observation_end timestamptz, time_unit text) (
	SFUNC = clv_rfm_accum, STYPE = internal,
	COMBINEFUNC = clv_rfm_combine, SERIALFUNC = clv_rfm_serialize, DESERIALFUNC = clv_rfm_deserialize,
	FINALFUNC = clv_rfm_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_rfm(timestamptz, double precision, timestamptz, text) IS 'per-customer BTYD summary (frequency, recency, T, monetary value) of orders up to observation_end, in time_unit units';

CREATE FUNCTION clv_rfm_accum(internal, timestamp, numeric, timestamptz) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_accum(internal, timestamp, numeric, timestamptz) IS 'clv_rfm transition function';
CREATE AGGREGATE clv_rfm(ordered_at timestamp, amount numeric, observation_end timestamptz) (
	SFUNC = clv_rfm_accum, STYPE = internal,
	COMBINEFUNC = clv_rfm_combine, SERIALFUNC = clv_rfm_serialize, DESERIALFUNC = clv_rfm_deserialize,
	FINALFUNC = clv_rfm_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_rfm(timestamp, numeric, timestamptz) IS 'per-customer BTYD summary (frequency, recency, T, monetary value) of orders up to observation_end, in days';

CREATE FUNCTION clv_rfm_accum(internal, timestamp, numeric, timestamptz, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_accum(internal, timestamp, numeric, timestamptz, text) IS 'clv_rfm transition function';
CREATE AGGREGATE clv_rfm(ordered_at timestamp, amount numeric, observation_end timestamptz, time_unit text) (
	SFUNC = clv_rfm_accum, STYPE = internal,
	COMBINEFUNC = clv_rfm_combine, SERIALFUNC = clv_rfm_serialize, DESERIALFUNC = clv_rfm_deserialize,
	FINALFUNC = clv_rfm_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_rfm(timestamp, numeric, timestamptz, text) IS 'per-customer BTYD summary (frequency, recency, T, monetary value) of orders up to observation_end, in time_unit units';

CREATE FUNCTION clv_rfm_accum(internal, timestamp, double precision, timestamptz) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_accum(internal, timestamp, double precision, timestamptz) IS 'clv_rfm transition function';
CREATE AGGREGATE clv_rfm(ordered_at timestamp, amount double precision, observation_end timestamptz) (
	SFUNC = clv_rfm_accum, STYPE = internal,
	COMBINEFUNC = clv_rfm_combine, SERIALFUNC = clv_rfm_serialize, DESERIALFUNC = clv_rfm_deserialize,
	FINALFUNC = clv_rfm_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_rfm(timestamp, double precision, timestamptz) IS 'per-customer BTYD summary (frequency, recency, T, monetary value) of orders up to observation_end, in days';

CREATE FUNCTION clv_rfm_accum(internal, timestamp, double precision, timestamptz, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_accum(internal, timestamp, double precision, timestamptz, text) IS 'clv_rfm transition function';
CREATE AGGREGATE clv_rfm(ordered_at timestamp, amount double precision, observation_end timestamptz, time_unit text) (
	SFUNC = clv_rfm_accum, STYPE = internal,
	COMBINEFUNC = clv_rfm_combine, SERIALFUNC = clv_rfm_serialize, DESERIALFUNC = clv_rfm_deserialize,
	FINALFUNC = clv_rfm_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_rfm(timestamp, double precision, timestamptz, text) IS 'per-customer BTYD summary (frequency, recency, T, monetary value) of orders up to observation_end, in time_unit units';

CREATE FUNCTION clv_rfm_accum(internal, date, numeric, timestamptz) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_accum(internal, date, numeric, timestamptz) IS 'clv_rfm transition function';
CREATE AGGREGATE clv_rfm(ordered_at date, amount numeric, observation_end timestamptz) (
	SFUNC = clv_rfm_accum, STYPE = internal,
	COMBINEFUNC = clv_rfm_combine, SERIALFUNC = clv_rfm_serialize, DESERIALFUNC = clv_rfm_deserialize,
	FINALFUNC = clv_rfm_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_rfm(date, numeric, timestamptz) IS 'per-customer BTYD summary (frequency, recency, T, monetary value) of orders up to observation_end, in days';

CREATE FUNCTION clv_rfm_accum(internal, date, numeric, timestamptz, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_accum(internal, date, numeric, timestamptz, text) IS 'clv_rfm transition function';
CREATE AGGREGATE clv_rfm(ordered_at date, amount numeric, observation_end timestamptz, time_unit text) (
	SFUNC = clv_rfm_accum, STYPE = internal,
	COMBINEFUNC = clv_rfm_combine, SERIALFUNC = clv_rfm_serialize, DESERIALFUNC = clv_rfm_deserialize,
	FINALFUNC = clv_rfm_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_rfm(date, numeric, timestamptz, text) IS 'per-customer BTYD summary (frequency, recency, T, monetary value) of orders up to observation_end, in time_unit units';

CREATE FUNCTION clv_rfm_accum(internal, date, double precision, timestamptz) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_accum(internal, date, double precision, timestamptz) IS 'clv_rfm transition function';
CREATE AGGREGATE clv_rfm(ordered_at date, amount double precision, observation_end timestamptz) (
	SFUNC = clv_rfm_accum, STYPE = internal,
	COMBINEFUNC = clv_rfm_combine, SERIALFUNC = clv_rfm_serialize, DESERIALFUNC = clv_rfm_deserialize,
	FINALFUNC = clv_rfm_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_rfm(date, double precision, timestamptz) IS 'per-customer BTYD summary (frequency, recency, T, monetary value) of orders up to observation_end, in days';

CREATE FUNCTION clv_rfm_accum(internal, date, double precision, timestamptz, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'clv_rfm_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_rfm_accum(internal, date, double precision, timestamptz, text) IS 'clv_rfm transition function';
CREATE AGGREGATE clv_rfm(ordered_at date, amount double precision, observation_end timestamptz, time_unit text) (
	SFUNC = clv_rfm_accum, STYPE = internal,
	COMBINEFUNC = clv_rfm_combine, SERIALFUNC = clv_rfm_serialize, DESERIALFUNC = clv_rfm_deserialize,
	FINALFUNC = clv_rfm_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_rfm(date, double precision, timestamptz, text) IS 'per-customer BTYD summary (frequency, recency, T, monetary value) of orders up to observation_end, in time_unit units';
