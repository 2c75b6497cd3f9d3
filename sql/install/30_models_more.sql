-- 30_models_more.sql: more "buy till you die" models (MBG/NBD, BG/BB) and the
-- standard errors of every model's parameters (clv_model_parameters).  See
-- docs/readme/models.md.

/* ---- MBG/NBD ---- */

CREATE TYPE mbgnbd_model AS (
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
COMMENT ON TYPE mbgnbd_model IS 'fitted MBG/NBD model (Batislam, Denizel & Filiztekin 2007): parameters, fit, time unit, observation end, covariance of the parameters';

CREATE FUNCTION mbgnbd_fit(data btyd_data) RETURNS mbgnbd_model
	AS 'MODULE_PATHNAME', 'clv_mbgnbd_fit_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_fit(btyd_data) IS 'fit MBG/NBD to a btyd_data value (also the final function of the mbgnbd_fit aggregate)';
CREATE FUNCTION mbgnbd_fit(data btyd_data, time_unit text, observation_end timestamptz DEFAULT NULL) RETURNS mbgnbd_model
	AS 'MODULE_PATHNAME', 'clv_mbgnbd_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_fit(btyd_data, text, timestamptz) IS 'fit MBG/NBD to a btyd_data value whose summaries are in time_unit (day, week, month or year) as of observation_end; the model records both';

CREATE AGGREGATE mbgnbd_fit(frequency double precision, recency double precision, t double precision) (
	SFUNC = btyd_data_accum, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = mbgnbd_fit,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mbgnbd_fit(double precision, double precision, double precision) IS 'maximum-likelihood MBG/NBD fit over (frequency, recency, T)';

CREATE AGGREGATE mbgnbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision) (
	SFUNC = btyd_data_accum, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = mbgnbd_fit,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mbgnbd_fit(double precision, double precision, double precision, double precision) IS 'maximum-likelihood MBG/NBD fit over (frequency, recency, T) with an L2 penalizer';

CREATE FUNCTION mbgnbd_expected_purchases(model mbgnbd_model, horizon double precision, frequency double precision, recency double precision, t double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_mbgnbd_expected_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_expected_purchases(mbgnbd_model, double precision, double precision, double precision, double precision) IS 'MBG/NBD expected purchases of a customer in the next horizon time units';
CREATE FUNCTION mbgnbd_expected_purchases_new(model mbgnbd_model, horizon double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_mbgnbd_expected_purchases_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_expected_purchases_new(mbgnbd_model, double precision) IS 'MBG/NBD expected repeat purchases of a new customer within horizon time units';
CREATE FUNCTION mbgnbd_p_alive(model mbgnbd_model, frequency double precision, recency double precision, t double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_mbgnbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_p_alive(mbgnbd_model, double precision, double precision, double precision) IS 'MBG/NBD probability that a customer is still alive (below 1 also without repeat purchases)';
CREATE FUNCTION mbgnbd_probability_purchases(model mbgnbd_model, horizon double precision, purchases integer, frequency double precision, recency double precision, t double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_mbgnbd_probability_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_probability_purchases(mbgnbd_model, double precision, integer, double precision, double precision, double precision) IS 'MBG/NBD probability that a customer makes exactly purchases purchases in the next horizon time units';
CREATE FUNCTION mbgnbd_probability_purchases_new(model mbgnbd_model, horizon double precision, purchases integer) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_mbgnbd_probability_purchases_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_probability_purchases_new(mbgnbd_model, double precision, integer) IS 'MBG/NBD probability P(X(t) = n) that a new customer makes exactly purchases repeat purchases within horizon time units';
CREATE FUNCTION mbgnbd_probability_any_purchase(model mbgnbd_model, horizon double precision, frequency double precision, recency double precision, t double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_mbgnbd_probability_any_purchase' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mbgnbd_probability_any_purchase(mbgnbd_model, double precision, double precision, double precision, double precision) IS 'MBG/NBD probability that a customer makes at least one purchase in the next horizon time units';

-- not STRICT: time_unit may be NULL (the model's unit); NULL in another argument gives NULL
CREATE FUNCTION clv_predict(mbgnbd mbgnbd_model, gamma_gamma gamma_gamma_model,
		frequency double precision, recency double precision, t double precision,
		monetary_value double precision, months integer, monthly_discount_rate double precision,
		time_unit text DEFAULT NULL, margin double precision DEFAULT 1.0) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_predict_mbgnbd' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_predict(mbgnbd_model, gamma_gamma_model, double precision, double precision, double precision, double precision, integer, double precision, text, double precision) IS 'discounted expected customer lifetime value over months (MBG/NBD purchases times Gamma-Gamma spend times margin), in the time unit of the model';

/* ---- BG/BB ---- */

CREATE TYPE bgbb_model AS (
	alpha double precision,
	beta double precision,
	gamma double precision,
	delta double precision,
	log_likelihood double precision,
	converged boolean,
	iterations integer,
	time_unit text,
	observation_end timestamptz,
	covariance double precision[]
);
COMMENT ON TYPE bgbb_model IS 'fitted BG/BB model of discrete transaction opportunities (Fader, Hardie & Shang 2010): parameters, fit, time unit, observation end, covariance of the parameters';

CREATE FUNCTION bgbb_fit(data btyd_data) RETURNS bgbb_model
	AS 'MODULE_PATHNAME', 'clv_bgbb_fit_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgbb_fit(btyd_data) IS 'fit BG/BB to a btyd_data value of (frequency, recency, n_periods) (also the final function of the bgbb_fit aggregates)';
CREATE FUNCTION bgbb_fit(data btyd_data, time_unit text, observation_end timestamptz DEFAULT NULL) RETURNS bgbb_model
	AS 'MODULE_PATHNAME', 'clv_bgbb_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bgbb_fit(btyd_data, text, timestamptz) IS 'fit BG/BB to a btyd_data value of (frequency, recency, n_periods) whose periods are time_unit long, as of observation_end; the model records both';

CREATE AGGREGATE bgbb_fit(frequency double precision, recency double precision, n_periods double precision) (
	SFUNC = btyd_data_accum, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = bgbb_fit,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE bgbb_fit(double precision, double precision, double precision) IS 'maximum-likelihood BG/BB fit over (frequency, recency, n_periods) of discrete transaction opportunities';

CREATE AGGREGATE bgbb_fit(frequency double precision, recency double precision, n_periods double precision, weight bigint) (
	SFUNC = btyd_data_accum_weighted, STYPE = btyd_data,
	COMBINEFUNC = btyd_data_combine, FINALFUNC = bgbb_fit,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE bgbb_fit(double precision, double precision, double precision, bigint) IS 'maximum-likelihood BG/BB fit over (frequency, recency, n_periods) rows with customer counts';

CREATE FUNCTION bgbb_p_alive(model bgbb_model, frequency double precision, recency double precision, n_periods double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_bgbb_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgbb_p_alive(bgbb_model, double precision, double precision, double precision) IS 'BG/BB probability that a customer is alive at the next transaction opportunity';
CREATE FUNCTION bgbb_p_alive(model bgbb_model, frequency double precision, recency double precision, n_periods double precision, horizon integer) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_bgbb_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgbb_p_alive(bgbb_model, double precision, double precision, double precision, integer) IS 'BG/BB probability that a customer is alive horizon transaction opportunities after the last observed one';
CREATE FUNCTION bgbb_expected_purchases(model bgbb_model, horizon integer, frequency double precision, recency double precision, n_periods double precision) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_bgbb_expected_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgbb_expected_purchases(bgbb_model, integer, double precision, double precision, double precision) IS 'BG/BB expected transactions of a customer in the next horizon transaction opportunities';
CREATE FUNCTION bgbb_expected_purchases_new(model bgbb_model, n_periods integer) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_bgbb_expected_purchases_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgbb_expected_purchases_new(bgbb_model, integer) IS 'BG/BB expected repeat transactions of a new customer in its first n_periods transaction opportunities';
CREATE FUNCTION bgbb_probability_purchases_new(model bgbb_model, n_periods integer, purchases integer) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_bgbb_probability_purchases_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bgbb_probability_purchases_new(bgbb_model, integer, integer) IS 'BG/BB probability that a new customer makes exactly purchases repeat transactions in its first n_periods transaction opportunities';

/* ---- standard errors ---- */

CREATE FUNCTION clv_model_parameters(model bgnbd_model)
	RETURNS TABLE (parameter text, estimate double precision, std_error double precision,
				   ci_lower double precision, ci_upper double precision)
	AS 'MODULE_PATHNAME', 'clv_model_parameters' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION clv_model_parameters(bgnbd_model) IS 'parameters of a BG/NBD model with standard errors (observed information) and 95 % Wald intervals on the log scale';
CREATE FUNCTION clv_model_parameters(model mbgnbd_model)
	RETURNS TABLE (parameter text, estimate double precision, std_error double precision,
				   ci_lower double precision, ci_upper double precision)
	AS 'MODULE_PATHNAME', 'clv_model_parameters' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION clv_model_parameters(mbgnbd_model) IS 'parameters of an MBG/NBD model with standard errors (observed information) and 95 % Wald intervals on the log scale';
CREATE FUNCTION clv_model_parameters(model pareto_nbd_model)
	RETURNS TABLE (parameter text, estimate double precision, std_error double precision,
				   ci_lower double precision, ci_upper double precision)
	AS 'MODULE_PATHNAME', 'clv_model_parameters' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION clv_model_parameters(pareto_nbd_model) IS 'parameters of a Pareto/NBD model with standard errors (observed information) and 95 % Wald intervals on the log scale';
CREATE FUNCTION clv_model_parameters(model gamma_gamma_model)
	RETURNS TABLE (parameter text, estimate double precision, std_error double precision,
				   ci_lower double precision, ci_upper double precision)
	AS 'MODULE_PATHNAME', 'clv_model_parameters' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 3;
COMMENT ON FUNCTION clv_model_parameters(gamma_gamma_model) IS 'parameters of a Gamma-Gamma model with standard errors (observed information) and 95 % Wald intervals on the log scale';
CREATE FUNCTION clv_model_parameters(model bgbb_model)
	RETURNS TABLE (parameter text, estimate double precision, std_error double precision,
				   ci_lower double precision, ci_upper double precision)
	AS 'MODULE_PATHNAME', 'clv_model_parameters' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION clv_model_parameters(bgbb_model) IS 'parameters of a BG/BB model with standard errors (observed information) and 95 % Wald intervals on the log scale';
