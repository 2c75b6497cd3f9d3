/*
 * Predictions in one query: from raw orders to one row per customer with
 * the BTYD summary, P(alive), expected purchases, expected spend and CLV,
 * and a one-row report of the fitted models.  See docs/readme/models.md.
 *
 *   clv_predictions(orders_query, observation_end [, months [,
 *       monthly_discount_rate [, margin [, time_unit [, model]]]]])
 *   clv_prediction_models(orders_query, observation_end [, time_unit [, model]])
 *
 * Both run the step-by-step path of the README as one statement, so their
 * values are exactly those of the path (sql/predictions.sql checks it):
 *   1. per customer (rows with a NULL customer_id ignored): s =
 *      clv_rfm(ordered_at, amount, observation_end, time_unit) ... GROUP BY
 *      customer_id; customers without an order up to observation_end are
 *      left out.  The statement computes these rows in one pass over the
 *      orders, without the GROUP BY (btyd_summaries, btyd_summary_rows:
 *      the same values);
 *   2. the purchase model <model>_fit(btyd_data(frequency, recency, t),
 *      time_unit, observation_end) (model: 'bgnbd' by default, 'mbgnbd' or
 *      'pareto_nbd') and gamma_gamma_fit(btyd_data(frequency,
 *      monetary_value), time_unit, observation_end) over all customers;
 *      the statement fits them on btyd_summary_data of the summaries, the
 *      same inputs (entries and weights) without a pass over the rows;
 *   3. per customer, with L = clv_month_length(time_unit) (30 days or
 *      4.345 weeks, clv_predict's month) and H = months * L:
 *        p_alive            = <model>_p_alive(purchase model, x, t_x, T)
 *        expected_purchases = <model>_expected_purchases(purchase model, H, x, t_x, T)
 *                             (H = horizon when that argument is given)
 *        expected_spend     = gamma_gamma_expected_spend(spend model, x, m_x)
 *        clv                = clv_predict(purchase model, spend model, x, t_x, T, m_x,
 *                                         months, monthly_discount_rate, NULL, margin)
 * The defaults are those of lifetimes' customer_lifetime_value: daily
 * summaries, 12 months, 1 % monthly discount rate, margin 1.
 *
 * The orders query (customer_id, ordered_at, amount), like clv_cohorts',
 * runs with the caller's privileges (PL/pgSQL, never SECURITY DEFINER); it
 * is checked without being run (clv_check_query) and embedded as a
 * subquery.  Every name in the generated statement is qualified (the
 * extension's schema, pg_catalog), so no search_path can redirect it.
 */

/*
 * clv_month_length(time_unit): the length of clv_predict's month in a time
 * unit (30 days, 4.345 weeks, 1 month, 1/12 year).
 */
CREATE FUNCTION clv_month_length(time_unit text) RETURNS double precision
	AS 'MODULE_PATHNAME', 'clv_month_length' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_month_length(text) IS 'length of clv_predict''s month in a time unit: 30 days, 4.345 weeks, 1 month, 1/12 year; used by clv_predictions';

/*
 * btyd_summaries(customer_id, ordered_at, amount, observation_end,
 * time_unit) and btyd_summary_rows(value): clv_rfm's per-customer summaries
 * (same definitions, refund rule and unit) from btyd_data's one pass over
 * the orders (its state, src/btyd_orders.c), without a GROUP BY: the
 * aggregate returns the summaries as one bytea value, and the set-returning
 * function reads it back as one row per customer with an order up to
 * observation_end (customer_id text, frequency, recency, t,
 * monetary_value), equal to clv_rfm's row of that customer; customer_id
 * is the key as text (key::text).  Like clv_rfm, the aggregate takes
 * numeric and double precision amounts only, so that other amount types
 * resolve through the same implicit casts as clv_rfm's.
 */
CREATE FUNCTION btyd_summaries_final(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'clv_btyd_summaries_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION btyd_summaries_final(internal) IS 'final function of btyd_summaries: the customers'' summaries as a value for btyd_summary_rows; used by clv_predictions';
-- @foreach key bigint text uuid
-- @foreach amount numeric float8
CREATE AGGREGATE btyd_summaries(customer_id {key}, ordered_at timestamptz, amount {amount}, observation_end timestamptz, time_unit text) (
	SFUNC = btyd_data_accum, STYPE = internal,
	COMBINEFUNC = btyd_data_combine, SERIALFUNC = btyd_data_serialize,
	DESERIALFUNC = btyd_data_deserialize, FINALFUNC = btyd_summaries_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE btyd_summaries({key}, timestamptz, {amount}, timestamptz, text) IS 'clv_rfm''s summaries of every customer from raw orders in one pass (btyd_data''s state), as a value for btyd_summary_rows; used by clv_predictions';
-- @end
CREATE FUNCTION btyd_summary_rows(summaries bytea)
	RETURNS TABLE(customer_id text, frequency integer, recency double precision, t double precision,
				  monetary_value numeric)
	AS 'MODULE_PATHNAME', 'clv_btyd_summary_rows' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION btyd_summary_rows(bytea) IS 'one row per customer of a btyd_summaries value: clv_rfm''s frequency, recency, t and monetary_value; used by clv_predictions';
/*
 * btyd_summary_data(summaries): the fit inputs of a btyd_summaries value,
 * the btyd_data that btyd_data(customer_id, ordered_at, amount,
 * observation_end, time_unit) gives for the same orders (the same entries
 * and weights, so the same fits), from the summaries, without summarising
 * the customers again.
 */
CREATE FUNCTION btyd_summary_data(summaries bytea) RETURNS btyd_data
	AS 'MODULE_PATHNAME', 'clv_btyd_summary_data' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION btyd_summary_data(bytea) IS 'the fit inputs (a btyd_data pair, with unit and observation end) of a btyd_summaries value: those btyd_data gives for the same orders; used by clv_predictions';

/*
 * clv_predictions_sql(orders_query, model, caller, result): the statement
 * behind clv_predictions (result 'customers') and clv_prediction_models
 * (result 'models'), with the parameters $1 observation_end, $2 time_unit,
 * $3 months, $4 monthly_discount_rate, $5 margin, $6 horizon (NULL: months
 * of clv_predict).  Checks the orders query
 * (42804) and the model name (22023).
 */
CREATE FUNCTION clv_predictions_sql(orders_query text, model text, caller text, result text)
	RETURNS text
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL RESTRICTED
AS $$
DECLARE
	ext text;
	sub text;
	family constant text := pg_catalog.lower(model);
	params text;
	fitted text;
BEGIN
	IF family OPERATOR(pg_catalog.=) ANY ('{bgnbd,mbgnbd}'::text[]) THEN
		params := '(m.pm).r, (m.pm).alpha, (m.pm).a, (m.pm).b, NULL::pg_catalog.float8, NULL::pg_catalog.float8';
	ELSIF family OPERATOR(pg_catalog.=) 'pareto_nbd' THEN
		params := '(m.pm).r, (m.pm).alpha, NULL::pg_catalog.float8, NULL::pg_catalog.float8, (m.pm).s, (m.pm).beta';
	ELSE
		RAISE EXCEPTION 'unrecognized purchase model "%"', model
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use ''bgnbd'' (BG/NBD), ''mbgnbd'' (MBG/NBD) or ''pareto_nbd'' (Pareto/NBD).';
	END IF;
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	EXECUTE pg_catalog.format('SELECT %I.clv_check_query($1, $2, $3, $4)', ext)
		INTO sub
		USING orders_query, caller, 'orders query', ARRAY['customer_id:key', 'ordered_at:time', 'amount:amount'];

	-- steps 1 and 2: the summaries (one value, read twice: as rows, and as
	-- the fits' inputs, btyd_summary_data, equal to btyd_data(frequency,
	-- ...) over those rows) and the fits.  The rows are not materialized
	-- (the customers' statement reads them once, as they are returned):
	-- copying a million rows into a CTE took 11 % of clv_predictions.
	fitted := pg_catalog.format($q$
		WITH a AS MATERIALIZED (
			SELECT %1$I.btyd_summaries(o.customer_id, o.ordered_at, o.amount, $1, $2) AS v
			FROM %2$s AS o(customer_id, ordered_at, amount)
		), s AS (
			SELECT r.customer_id, r.frequency, r.recency, r.t, r.monetary_value
			FROM a CROSS JOIN LATERAL %1$I.btyd_summary_rows(a.v) AS r
		), d AS MATERIALIZED (
			SELECT %1$I.btyd_summary_data(a.v) AS inputs FROM a
		), m AS MATERIALIZED (
			SELECT %1$I.%3$I(d.inputs, $2, $1) AS pm,
				   %1$I.gamma_gamma_fit(d.inputs, $2, $1) AS gm, d.inputs
			FROM d
		)
		$q$, ext, sub, family || '_fit');

	IF result OPERATOR(pg_catalog.=) 'customers' THEN
		RETURN fitted || pg_catalog.format($q$
		SELECT s.customer_id, s.frequency, s.recency, s.t, s.monetary_value,
			   %1$I.%2$I(m.pm, s.frequency, s.recency, s.t),
			   %1$I.%3$I(m.pm, COALESCE($6, $3::pg_catalog.float8 OPERATOR(pg_catalog.*) %1$I.clv_month_length($2)),
						 s.frequency, s.recency, s.t),
			   %1$I.gamma_gamma_expected_spend(m.gm, s.frequency, s.monetary_value),
			   %1$I.clv_predict(m.pm, m.gm, s.frequency, s.recency, s.t, s.monetary_value,
								$3, $4, NULL, $5)
		FROM s CROSS JOIN m
		$q$, ext, family || '_p_alive', family || '_expected_purchases');
	END IF;
	RETURN fitted || pg_catalog.format($q$
		SELECT %2$L::pg_catalog.text, (m.pm).time_unit, (m.pm).observation_end,
			   (SELECT pg_catalog.count(*) FROM s),
			   (SELECT pg_catalog.count(*) FROM s
				 WHERE s.frequency OPERATOR(pg_catalog.>) 0
				   AND s.monetary_value OPERATOR(pg_catalog.>) 0),
			   %3$s, (m.pm).log_likelihood, (m.pm).converged, (m.pm).iterations,
			   (m.gm).p, (m.gm).q, (m.gm).v, (m.gm).log_likelihood, (m.gm).converged, (m.gm).iterations
		FROM m
		$q$, ext, family, params);
END
$$;
COMMENT ON FUNCTION clv_predictions_sql(text, text, text, text) IS 'the statement behind clv_predictions (result ''customers'') and clv_prediction_models (result ''models'') for an orders query and a purchase model; used by clv_predictions and clv_prediction_models';

/*
 * clv_predictions(orders_query, observation_end, months,
 * monthly_discount_rate, margin, time_unit, model, horizon): one row per
 * customer with an order up to observation_end (see the header), with
 * expected_purchases over horizon time units when horizon is given (for
 * holdout periods that are not whole months).  customer_id is the orders
 * query's key as text.  A NULL argument but horizon gives no rows.
 */
CREATE FUNCTION clv_predictions(orders_query text, observation_end timestamptz,
		months integer DEFAULT 12, monthly_discount_rate double precision DEFAULT 0.01,
		margin double precision DEFAULT 1.0, time_unit text DEFAULT 'day', model text DEFAULT 'bgnbd',
		horizon double precision DEFAULT NULL)
	RETURNS TABLE(customer_id text, frequency integer, recency double precision, t double precision,
				  monetary_value numeric, p_alive double precision, expected_purchases double precision,
				  expected_spend double precision, clv double precision)
	LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED ROWS 1000
AS $$
DECLARE
	ext text;
	stmt text;
BEGIN
	IF orders_query IS NULL OR observation_end IS NULL OR months IS NULL OR monthly_discount_rate IS NULL
	   OR margin IS NULL OR time_unit IS NULL OR model IS NULL THEN
		RETURN;
	END IF;
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	EXECUTE pg_catalog.format('SELECT %I.clv_predictions_sql($1, $2, $3, $4)', ext)
		INTO stmt USING orders_query, model, 'clv_predictions', 'customers';
	IF months < 0 THEN
		RAISE EXCEPTION 'months must not be negative'
			USING ERRCODE = 'invalid_parameter_value', DETAIL = pg_catalog.format('The value was %s.', months);
	END IF;
	RETURN QUERY EXECUTE stmt USING observation_end, time_unit, months, monthly_discount_rate, margin, horizon;
END
$$;
COMMENT ON FUNCTION clv_predictions(text, timestamptz, integer, double precision, double precision, text, text, double precision) IS 'one row per customer of an orders query (customer_id, ordered_at, amount): BTYD summary, P(alive), expected purchases (over months, or horizon time units) and spend and discounted CLV over months, from a purchase model (bgnbd, mbgnbd or pareto_nbd) and Gamma-Gamma fitted on the orders up to observation_end';

/*
 * clv_prediction_models(orders_query, observation_end, time_unit, model):
 * the models clv_predictions fits, as one flat row: the purchase model
 * (its name), the unit and the observation end the models record (named
 * unit and observed_until, as the arguments take the names time_unit and
 * observation_end), the purchase model's
 * parameters (r, alpha and a, b for BG/NBD and MBG/NBD, s, beta for
 * Pareto/NBD; the others NULL), its log-likelihood, converged flag and
 * iterations, Gamma-Gamma's p, q, v and the same, and the customers each
 * was fitted on (spend_customers: those with frequency >= 1 and a positive
 * monetary value).  No row when no customer has an order up to
 * observation_end.
 */
CREATE FUNCTION clv_prediction_models(orders_query text, observation_end timestamptz,
		time_unit text DEFAULT 'day', model text DEFAULT 'bgnbd')
	RETURNS TABLE(purchase_model text, unit text, observed_until timestamptz,
				  customers bigint, spend_customers bigint,
				  r double precision, alpha double precision, a double precision, b double precision,
				  s double precision, beta double precision,
				  log_likelihood double precision, converged boolean, iterations integer,
				  p double precision, q double precision, v double precision,
				  spend_log_likelihood double precision, spend_converged boolean, spend_iterations integer)
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL RESTRICTED ROWS 1
AS $$
DECLARE
	ext text;
	stmt text;
BEGIN
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	EXECUTE pg_catalog.format('SELECT %I.clv_predictions_sql($1, $2, $3, $4)', ext)
		INTO stmt USING orders_query, model, 'clv_prediction_models', 'models';
	-- no row without customers (no orders up to observation_end: no summary
	-- value, or one without customers)
	RETURN QUERY EXECUTE stmt || pg_catalog.format(' WHERE %I.btyd_data_customers(m.inputs) OPERATOR(pg_catalog.>) 0', ext)
		USING observation_end, time_unit;
END
$$;
COMMENT ON FUNCTION clv_prediction_models(text, timestamptz, text, text) IS 'the purchase and Gamma-Gamma models clv_predictions fits, as one flat row: parameters, log-likelihood, converged, iterations, customers';
