/*
 * Holdout evaluation: "can I trust the prediction?"
 *
 *   clv_holdout_summary(orders_query, calibration_end, holdout_end [, time_unit])
 *       one row per customer first seen up to calibration_end: the BTYD
 *       summary of the calibration period and what the customer did in the
 *       holdout period (lifetimes' calibration_and_holdout_data)
 *   clv_holdout_predictions(model, orders_query, calibration_end, holdout_end
 *                           [, spend_model [, time_unit]])
 *       the same rows with the model's predicted holdout purchases (and,
 *       with a Gamma-Gamma model, spend and revenue) next to the actual ones
 *   clv_holdout_metrics(...)   one row: totals, MAE, RMSE, correlation
 *   clv_holdout_deciles(...)   ten rows: customers ranked by predicted value
 *   clv_holdout_tracking(model, orders_query, calibration_end, holdout_end
 *                        [, period [, time_unit]])
 *       expected against actual repeat purchases per period over the
 *       calibration and holdout periods (the tracking plot)
 *
 * The model is a bgnbd_model, mbgnbd_model or pareto_nbd_model fitted on the
 * calibration columns (frequency_cal, recency_cal, t_cal).  Like
 * clv_referral_value (40_growth.sql), the functions run the caller's orders
 * query (customer_id, ordered_at, amount) with the caller's privileges
 * (PL/pgSQL, never SECURITY DEFINER), check it without running it
 * (clv_check_query), qualify every name of their dynamic SQL and call clv's
 * own functions through the extension's schema, looked up in pg_extension.
 *
 * Definitions (docs/readme/models.md, "Can I trust the prediction?", has
 * them with examples).  Rows with a NULL customer, time or amount are
 * ignored.  A row with amount >= 0 is an order, amount < 0 a refund.  The
 * calendar day of an order is its date in the session TimeZone (a
 * timestamp: its date; a date: itself), and so are C and H, the days of
 * calibration_end and holdout_end.  A purchase day of a customer is a day
 * with at least one order; its value is the sum of all the customer's
 * amounts that day (refunds included).  A customer is first seen on D_0,
 * their first purchase day; the rows are the customers with D_0 <= C.
 * With D_0 < D_1 < ... < D_k the purchase days up to C and u the days per
 * time unit (1 for 'day', 7 for 'week'):
 *   frequency_cal = k, recency_cal = (D_k - D_0) / u, t_cal = (C - D_0) / u,
 *   monetary_value_cal = (sum of the amounts of the days D_0 < d <= C) / k,
 *                        0 when k = 0,
 *   frequency_holdout = the number of purchase days d with C < d <= H,
 *   monetary_value_holdout = (sum of all the amounts of the days
 *                            C < d <= H, refunds included) / n, with n the
 *                            number of orders (rows with amount >= 0) of
 *                            those days; 0 when n = 0 (that is, when
 *                            frequency_holdout = 0),
 *   duration_holdout = (H - C) / u.
 * Without refunds this is lifetimes' calibration_and_holdout_data(...,
 * freq='D', freq_multiplier=u), monetary_value_holdout included: lifetimes
 * averages the holdout spend over the rows (order lines) of the holdout
 * period, its calibration spend over the repeat purchase days, and so does
 * clv, for comparability.  Hence frequency_holdout * monetary_value_holdout
 * is not the holdout revenue when a holdout day has two orders (lifetimes'
 * users reported the inconsistency: lifetimes issues #167, #371, #431);
 * the evaluation's actual_revenue is the exact sum of the amounts instead.
 * Refunds: lifetimes counts a refund as a purchase (and as a row of the
 * holdout mean); here it is neither, and it lowers the spend of the period
 * it falls in.
 *
 * Every function here that runs a query has SET jit = off: the estimates
 * of the function scans made PostgreSQL JIT-compile their statements, which
 * took 3 of the 4 seconds of the CDNOW tracking curve (as for
 * clv_referral_table in 40_growth.sql).  Sums of floating values run in a
 * fixed order (customer, first purchase day), so that results do not
 * depend on the plan.
 */

-- the order days of every customer -------------------------------------------------

/*
 * clv_order_days(orders_query, last_day, caller): one row per customer and
 * calendar day up to last_day with an order or a refund: the sum of the
 * amounts (exact numeric) and the number of orders (rows with amount >= 0;
 * a purchase day has at least one).
 * Checks the query (clv_check_query) and its rows: amounts must be finite
 * (22023), order times too (22008), whatever their day.  The query runs
 * twice, to check the rows and to group them (cheaper than collecting the
 * groups to check them first: 0.1 s against 0.45 s for 71,000 orders).
 */
CREATE FUNCTION clv_order_days(orders_query text, last_day date, caller text)
	RETURNS TABLE(customer_id text, day date, amount numeric, orders bigint)
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL RESTRICTED ROWS 10000
	SET jit = off
AS $$
DECLARE
	ext text;
	orders_sub text;
	bad_amount numeric;
	bad_time boolean;
BEGIN
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	EXECUTE pg_catalog.format('SELECT %I.clv_check_query($1, $2, $3, $4)', ext)
		INTO orders_sub
		USING orders_query, caller, 'orders query', ARRAY['customer_id:key', 'ordered_at:time', 'amount:amount'];

	-- the rows first (a cheaper pass than collecting the result to check it)
	EXECUTE pg_catalog.format($q$
		SELECT pg_catalog.min(o.amount::pg_catalog.numeric)
				   FILTER (WHERE o.amount::pg_catalog.numeric OPERATOR(pg_catalog.=) ANY ('{NaN,Infinity,-Infinity}'::pg_catalog.numeric[])),
			   pg_catalog.bool_or(NOT pg_catalog.isfinite(o.ordered_at))
		FROM %1$s AS o(customer_id, ordered_at, amount)
		WHERE o.customer_id IS NOT NULL AND o.ordered_at IS NOT NULL AND o.amount IS NOT NULL
		$q$, orders_sub)
		INTO bad_amount, bad_time;
	IF bad_amount IS NOT NULL THEN
		RAISE EXCEPTION 'amount must be a finite number'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('The amount was %s.', bad_amount);
	END IF;
	IF bad_time THEN
		RAISE EXCEPTION 'order time must be finite'
			USING ERRCODE = 'datetime_field_overflow',
				  DETAIL = 'clv measures durations between order times, and an infinite time has none.';
	END IF;
	RETURN QUERY EXECUTE pg_catalog.format($q$
		SELECT o.customer_id::pg_catalog.text, o.ordered_at::pg_catalog.date,
			   pg_catalog.sum(o.amount::pg_catalog.numeric),
			   pg_catalog.count(*) FILTER (WHERE o.amount OPERATOR(pg_catalog.>=) 0)
		FROM %1$s AS o(customer_id, ordered_at, amount)
		WHERE o.customer_id IS NOT NULL AND o.ordered_at IS NOT NULL AND o.amount IS NOT NULL
		  AND o.ordered_at::pg_catalog.date OPERATOR(pg_catalog.<=) %2$L::pg_catalog.date
		GROUP BY 1, 2
		$q$, orders_sub, last_day);
END
$$;
COMMENT ON FUNCTION clv_order_days(text, date, text) IS 'per customer and calendar day up to last_day: the sum of the amounts and the number of orders (rows with amount >= 0), from an orders query (customer_id, ordered_at, amount); used by the holdout evaluation';

/*
 * clv_holdout_days(calibration_end, holdout_end, time_unit): the days C and
 * H and the days per unit u, checked: finite times (22008), H >= C and a
 * unit 'day' or 'week' (22023).
 */
CREATE FUNCTION clv_holdout_days(calibration_end timestamptz, holdout_end timestamptz, time_unit text,
								 OUT calibration_day date, OUT holdout_day date, OUT unit_days integer)
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
AS $$
BEGIN
	IF NOT pg_catalog.isfinite(calibration_end) OR NOT pg_catalog.isfinite(holdout_end) THEN
		RAISE EXCEPTION 'calibration_end and holdout_end must be finite'
			USING ERRCODE = 'datetime_field_overflow';
	END IF;
	calibration_day := calibration_end::pg_catalog.date;
	holdout_day := holdout_end::pg_catalog.date;
	IF holdout_day OPERATOR(pg_catalog.<) calibration_day THEN
		RAISE EXCEPTION 'holdout_end must not be before calibration_end'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('The calibration period ends on %s, the holdout period on %s.',
											 calibration_day, holdout_day);
	END IF;
	unit_days := CASE time_unit WHEN 'day' THEN 1 WHEN 'week' THEN 7 END;
	IF unit_days IS NULL THEN
		RAISE EXCEPTION 'unrecognized time unit "%"', time_unit
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use ''day'' or ''week''.';
	END IF;
END
$$;
COMMENT ON FUNCTION clv_holdout_days(timestamptz, timestamptz, text) IS 'calendar days of calibration_end and holdout_end and days per time unit, checked; used by the holdout evaluation';

-- the holdout summary --------------------------------------------------------

/*
 * clv_holdout_customers(orders_query, calibration_end, holdout_end,
 * time_unit, caller): the rows of clv_holdout_summary and the exact holdout
 * revenue of each customer, revenue_holdout = the sum of the amounts of the
 * days C < d <= H when frequency_holdout > 0, else 0 (n *
 * monetary_value_holdout without the rounding of the mean, n the holdout
 * orders; not frequency_holdout * monetary_value_holdout, see above).
 */
CREATE FUNCTION clv_holdout_customers(orders_query text, calibration_end timestamptz, holdout_end timestamptz,
									  time_unit text, caller text)
	RETURNS TABLE(customer_id text, frequency_cal integer, recency_cal double precision, t_cal double precision,
				  monetary_value_cal numeric, frequency_holdout integer, monetary_value_holdout numeric,
				  duration_holdout double precision, revenue_holdout numeric)
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL RESTRICTED ROWS 1000
	SET jit = off
AS $$
DECLARE
	ext text;
	cal date;
	hold date;
	u integer;
BEGIN
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	EXECUTE pg_catalog.format('SELECT * FROM %I.clv_holdout_days($1, $2, $3)', ext)
		INTO cal, hold, u
		USING calibration_end, holdout_end, time_unit;
	RETURN QUERY EXECUTE pg_catalog.format($q$
		SELECT s.id, s.k::pg_catalog.int4,
			   (s.last_day OPERATOR(pg_catalog.-) s.first_day)::pg_catalog.float8 OPERATOR(pg_catalog./) $3,
			   ($1 OPERATOR(pg_catalog.-) s.first_day)::pg_catalog.float8 OPERATOR(pg_catalog./) $3,
			   pg_catalog.round(v.cal, GREATEST(pg_catalog.scale(pg_catalog.trim_scale(v.cal)), s.cal_scale)),
			   s.h::pg_catalog.int4,
			   pg_catalog.round(v.hold, GREATEST(pg_catalog.scale(pg_catalog.trim_scale(v.hold)), s.hold_scale)),
			   ($2 OPERATOR(pg_catalog.-) $1)::pg_catalog.float8 OPERATOR(pg_catalog./) $3,
			   CASE WHEN s.h OPERATOR(pg_catalog.>) 0 THEN s.holdout_sum ELSE pg_catalog.round(0, s.hold_scale) END
		FROM (SELECT d.customer_id AS id, d.first_day,
					 pg_catalog.max(d.day) FILTER (WHERE d.orders OPERATOR(pg_catalog.>) 0 AND d.day OPERATOR(pg_catalog.<=) $1) AS last_day,
					 pg_catalog.count(*) FILTER (WHERE d.orders OPERATOR(pg_catalog.>) 0 AND d.day OPERATOR(pg_catalog.>) d.first_day
												 AND d.day OPERATOR(pg_catalog.<=) $1) AS k,
					 pg_catalog.sum(d.amount) FILTER (WHERE d.day OPERATOR(pg_catalog.>) d.first_day
													  AND d.day OPERATOR(pg_catalog.<=) $1) AS repeat_sum,
					 pg_catalog.max(pg_catalog.scale(d.amount)) FILTER (WHERE d.day OPERATOR(pg_catalog.<=) $1) AS cal_scale,
					 pg_catalog.count(*) FILTER (WHERE d.orders OPERATOR(pg_catalog.>) 0 AND d.day OPERATOR(pg_catalog.>) $1) AS h,
					 pg_catalog.sum(d.amount) FILTER (WHERE d.day OPERATOR(pg_catalog.>) $1) AS holdout_sum,
					 pg_catalog.sum(d.orders) FILTER (WHERE d.day OPERATOR(pg_catalog.>) $1) AS holdout_orders,
					 pg_catalog.max(pg_catalog.scale(d.amount)) AS hold_scale
			  FROM (SELECT o.customer_id, o.day, o.amount, o.orders,
						   pg_catalog.min(o.day) FILTER (WHERE o.orders OPERATOR(pg_catalog.>) 0) OVER (PARTITION BY o.customer_id) AS first_day
					FROM %1$I.clv_order_days($4, $2, $5) AS o) AS d
			  WHERE d.first_day OPERATOR(pg_catalog.<=) $1
			  GROUP BY d.customer_id, d.first_day) AS s
		-- the mean values (of a repeat purchase day; of a holdout order), exact,
		-- at least at the scale of the amounts and without trailing zeros
		-- beyond it (as clv_rfm)
		CROSS JOIN LATERAL (SELECT CASE WHEN s.k OPERATOR(pg_catalog.>) 0
										THEN s.repeat_sum OPERATOR(pg_catalog./) s.k::pg_catalog.numeric ELSE 0 END AS cal,
								   CASE WHEN s.holdout_orders OPERATOR(pg_catalog.>) 0
										THEN s.holdout_sum OPERATOR(pg_catalog./) s.holdout_orders ELSE 0 END AS hold) AS v
		ORDER BY s.id
		$q$, ext)
		USING cal, hold, u, orders_query, caller;
END
$$;
COMMENT ON FUNCTION clv_holdout_customers(text, timestamptz, timestamptz, text, text) IS 'the rows of clv_holdout_summary with the exact holdout revenue of each customer; used by the holdout evaluation';

CREATE FUNCTION clv_holdout_summary(orders_query text, calibration_end timestamptz, holdout_end timestamptz,
									time_unit text DEFAULT 'day')
	RETURNS TABLE(customer_id text, frequency_cal integer, recency_cal double precision, t_cal double precision,
				  monetary_value_cal numeric, frequency_holdout integer, monetary_value_holdout numeric,
				  duration_holdout double precision)
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL RESTRICTED ROWS 1000
	SET jit = off
AS $$
DECLARE
	ext text;
BEGIN
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	RETURN QUERY EXECUTE pg_catalog.format(
		'SELECT c.customer_id, c.frequency_cal, c.recency_cal, c.t_cal, c.monetary_value_cal, c.frequency_holdout,'
		' c.monetary_value_holdout, c.duration_holdout FROM %I.clv_holdout_customers($1, $2, $3, $4, $5) AS c', ext)
		USING orders_query, calibration_end, holdout_end, time_unit, 'clv_holdout_summary';
END
$$;
COMMENT ON FUNCTION clv_holdout_summary(text, timestamptz, timestamptz, text) IS 'per customer first seen up to calibration_end: frequency, recency, T and monetary value of the calibration period and purchases, mean order value and duration of the holdout period (lifetimes'' calibration_and_holdout_data), from an orders query (customer_id, ordered_at, amount)';

-- evaluating a model on the holdout period ----------------------------------------

/*
 * clv_holdout_model(model, calibration_end, time_unit, caller): the prefix
 * of the model's scorers ('bgnbd', 'mbgnbd' or 'pareto_nbd') and the time
 * unit to build the holdout summary in: the model's (its time_unit must be
 * 'day' or 'week', the units of the summary), else the time_unit argument,
 * else 'day'.  A time_unit argument that contradicts the model's, or a
 * recorded observation_end on another day than calibration_end, is an
 * error (22023): the model would be scored on another time axis than the
 * one it was fitted on.  Another model type is an error (42804).
 */
CREATE FUNCTION clv_holdout_model(model anyelement, calibration_end timestamptz, time_unit text, caller text,
								  OUT prefix text, OUT unit text)
	LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
	ext oid;
	model_unit text;
	model_end timestamptz;
BEGIN
	SELECT e.extnamespace INTO ext FROM pg_catalog.pg_extension AS e WHERE e.extname = 'clv';
	SELECT pg_catalog.left(t.typname::pg_catalog.text, -6) INTO prefix
	  FROM pg_catalog.pg_type AS t
	 WHERE t.oid = pg_catalog.pg_typeof(model) AND t.typnamespace = ext
	   AND t.typname = ANY ('{bgnbd_model,mbgnbd_model,pareto_nbd_model}'::pg_catalog.name[]);
	IF prefix IS NULL THEN
		RAISE EXCEPTION '% needs a purchase model', caller
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = pg_catalog.format('The model is of type %s.', pg_catalog.pg_typeof(model)),
				  HINT = 'Pass a bgnbd_model, mbgnbd_model or pareto_nbd_model fitted on the calibration period.';
	END IF;
	IF model IS NULL THEN
		RETURN;
	END IF;
	EXECUTE 'SELECT ($1).time_unit, ($1).observation_end' INTO model_unit, model_end USING model;
	IF model_unit IS NOT NULL AND NOT model_unit = ANY ('{day,week}'::text[]) THEN
		RAISE EXCEPTION 'the model''s time unit must be day or week for %', caller
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('The model was fitted on summaries in %ss; the holdout summary is in days or weeks.', model_unit);
	END IF;
	IF model_unit IS NOT NULL AND time_unit IS NOT NULL AND time_unit OPERATOR(pg_catalog.<>) model_unit THEN
		RAISE EXCEPTION 'time unit "%" contradicts the model''s time unit "%"', time_unit, model_unit
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Leave time_unit NULL to use the model''s.';
	END IF;
	IF model_end IS NOT NULL AND model_end::pg_catalog.date OPERATOR(pg_catalog.<>) calibration_end::pg_catalog.date THEN
		RAISE EXCEPTION 'calibration_end % is not the model''s observation end %',
			calibration_end::pg_catalog.date, model_end::pg_catalog.date
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Fit the model on the calibration summary of the same calibration_end.';
	END IF;
	unit := COALESCE(model_unit, time_unit, 'day');
END
$$;
COMMENT ON FUNCTION clv_holdout_model(anyelement, timestamptz, text, text) IS 'scorer prefix and time unit of a purchase model for the holdout evaluation, checked against calibration_end and time_unit; used by the holdout evaluation';

/*
 * clv_holdout_scores (the body of clv_holdout_predictions; caller: the
 * name in error messages) and clv_holdout_predictions: the holdout summary
 * with, per customer,
 *   predicted_purchases = E[Y(duration_holdout) | frequency_cal,
 *                         recency_cal, t_cal], the model's conditional
 *                         expectation (<prefix>_expected_purchases);
 *   predicted_spend     = gamma_gamma_expected_spend(spend_model,
 *                         frequency_cal, monetary_value_cal), the expected
 *                         value of a purchase (NULL without spend_model, or
 *                         when monetary_value_cal < 0 after refunds);
 *   predicted_revenue   = predicted_purchases * predicted_spend;
 *   actual_revenue      = the customer's holdout revenue, exact: the sum of
 *                         the amounts of the days C < d <= H when
 *                         frequency_holdout > 0, else 0 (revenue_holdout of
 *                         clv_holdout_customers; not frequency_holdout *
 *                         monetary_value_holdout, a mean per order).
 */
CREATE FUNCTION clv_holdout_scores(model anyelement, orders_query text, calibration_end timestamptz,
								   holdout_end timestamptz, spend_model gamma_gamma_model, time_unit text, caller text)
	RETURNS TABLE(customer_id text, frequency_cal integer, recency_cal double precision, t_cal double precision,
				  monetary_value_cal numeric, frequency_holdout integer, monetary_value_holdout numeric,
				  duration_holdout double precision, predicted_purchases double precision,
				  predicted_spend double precision, predicted_revenue double precision, actual_revenue numeric)
	LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED ROWS 1000
	SET jit = off
AS $$
DECLARE
	ext text;
	m record;
BEGIN
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	EXECUTE pg_catalog.format('SELECT * FROM %I.clv_holdout_model($1, $2, $3, $4)', ext)
		INTO m USING model, calibration_end, time_unit, caller;
	IF model IS NULL OR orders_query IS NULL OR calibration_end IS NULL OR holdout_end IS NULL THEN
		RETURN;
	END IF;
	RETURN QUERY EXECUTE pg_catalog.format($q$
		SELECT h.customer_id, h.frequency_cal, h.recency_cal, h.t_cal, h.monetary_value_cal, h.frequency_holdout,
			   h.monetary_value_holdout, h.duration_holdout, p.purchases, s.spend, p.purchases OPERATOR(pg_catalog.*) s.spend,
			   h.revenue_holdout
		FROM %1$I.clv_holdout_customers($1, $2, $3, $4, $7) AS h
		CROSS JOIN LATERAL (SELECT %1$I.%2$I($5, h.duration_holdout, h.frequency_cal, h.recency_cal, h.t_cal) AS purchases) AS p
		CROSS JOIN LATERAL (SELECT CASE WHEN h.monetary_value_cal OPERATOR(pg_catalog.>=) 0
										THEN %1$I.gamma_gamma_expected_spend($6, h.frequency_cal, h.monetary_value_cal::pg_catalog.float8)
								   END AS spend) AS s
		ORDER BY h.customer_id
		$q$, ext, m.prefix || '_expected_purchases')
		USING orders_query, calibration_end, holdout_end, m.unit, model, spend_model, caller;
END
$$;
COMMENT ON FUNCTION clv_holdout_scores(anyelement, text, timestamptz, timestamptz, gamma_gamma_model, text, text) IS 'the rows of clv_holdout_predictions, with the caller''s name for error messages; used by the holdout evaluation';

CREATE FUNCTION clv_holdout_predictions(model anyelement, orders_query text, calibration_end timestamptz,
										holdout_end timestamptz, spend_model gamma_gamma_model DEFAULT NULL,
										time_unit text DEFAULT NULL)
	RETURNS TABLE(customer_id text, frequency_cal integer, recency_cal double precision, t_cal double precision,
				  monetary_value_cal numeric, frequency_holdout integer, monetary_value_holdout numeric,
				  duration_holdout double precision, predicted_purchases double precision,
				  predicted_spend double precision, predicted_revenue double precision, actual_revenue numeric)
	LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED ROWS 1000
	SET jit = off
AS $$
DECLARE
	ext text;
BEGIN
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	RETURN QUERY EXECUTE pg_catalog.format('SELECT * FROM %I.clv_holdout_scores($1, $2, $3, $4, $5, $6, $7)', ext)
		USING model, orders_query, calibration_end, holdout_end, spend_model, time_unit, 'clv_holdout_predictions';
END
$$;
COMMENT ON FUNCTION clv_holdout_predictions(anyelement, text, timestamptz, timestamptz, gamma_gamma_model, text) IS 'per customer of the holdout summary: purchases predicted for the holdout period by a BG/NBD, MBG/NBD or Pareto/NBD model fitted on the calibration period, and with a Gamma-Gamma model spend and revenue, next to the actual ones';

/*
 * clv_holdout_metrics: one row over the customers of clv_holdout_predictions
 * (n of them; p_i predicted, a_i actual holdout purchases):
 *   predicted_purchases = sum p_i, actual_purchases = sum a_i,
 *   purchases_mae = sum |p_i - a_i| / n,
 *   purchases_rmse = sqrt(sum (p_i - a_i)^2 / n),
 *   purchases_correlation = Pearson's correlation of p and a (NULL when
 *   either is constant);
 * and the same for the revenue (predicted_revenue, actual_revenue) over
 * the customers with a predicted revenue (NULL without spend_model).
 * Sums run in customer order, so the result does not depend on the plan.
 */
CREATE FUNCTION clv_holdout_metrics(model anyelement, orders_query text, calibration_end timestamptz,
									holdout_end timestamptz, spend_model gamma_gamma_model DEFAULT NULL,
									time_unit text DEFAULT NULL)
	RETURNS TABLE(customers bigint, predicted_purchases double precision, actual_purchases bigint,
				  purchases_mae double precision, purchases_rmse double precision,
				  purchases_correlation double precision, predicted_revenue double precision,
				  actual_revenue numeric, revenue_mae double precision, revenue_rmse double precision,
				  revenue_correlation double precision)
	LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED ROWS 1
	SET jit = off
AS $$
DECLARE
	ext text;
BEGIN
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	RETURN QUERY EXECUTE pg_catalog.format($q$
		SELECT pg_catalog.count(*),
			   pg_catalog.sum(p.predicted_purchases ORDER BY p.customer_id),
			   pg_catalog.sum(p.frequency_holdout)::pg_catalog.int8,
			   pg_catalog.avg(pg_catalog.abs(p.predicted_purchases OPERATOR(pg_catalog.-) p.frequency_holdout) ORDER BY p.customer_id),
			   pg_catalog.sqrt(pg_catalog.avg((p.predicted_purchases OPERATOR(pg_catalog.-) p.frequency_holdout)
											  OPERATOR(pg_catalog.^) 2 ORDER BY p.customer_id)),
			   pg_catalog.corr(p.predicted_purchases, p.frequency_holdout ORDER BY p.customer_id),
			   pg_catalog.sum(p.predicted_revenue ORDER BY p.customer_id),
			   pg_catalog.sum(p.actual_revenue) FILTER (WHERE p.predicted_revenue IS NOT NULL),
			   pg_catalog.avg(pg_catalog.abs(p.predicted_revenue OPERATOR(pg_catalog.-) p.actual_revenue::pg_catalog.float8)
							  ORDER BY p.customer_id),
			   pg_catalog.sqrt(pg_catalog.avg((p.predicted_revenue OPERATOR(pg_catalog.-) p.actual_revenue::pg_catalog.float8)
											  OPERATOR(pg_catalog.^) 2 ORDER BY p.customer_id)),
			   pg_catalog.corr(p.predicted_revenue, p.actual_revenue::pg_catalog.float8 ORDER BY p.customer_id)
		FROM %I.clv_holdout_scores($1, $2, $3, $4, $5, $6, 'clv_holdout_metrics') AS p
		$q$, ext)
		USING model, orders_query, calibration_end, holdout_end, spend_model, time_unit;
END
$$;
COMMENT ON FUNCTION clv_holdout_metrics(anyelement, text, timestamptz, timestamptz, gamma_gamma_model, text) IS 'how well a purchase model (and a Gamma-Gamma model) predicted the holdout period: total predicted and actual purchases and revenue, mean absolute error, root mean squared error and correlation over the customers';

/*
 * clv_holdout_deciles: the customers of clv_holdout_predictions ranked by
 * predicted value (predicted_revenue with spend_model, else
 * predicted_purchases; highest first, NULL last, ties by customer_id) and cut into
 * ten groups of sizes differing by at most one (ntile(10): decile 1 the
 * highest); per decile the number of customers and the sums of predicted
 * and actual purchases and revenue (predicted_revenue NULL without
 * spend_model).  Fewer than ten customers give fewer rows.
 */
CREATE FUNCTION clv_holdout_deciles(model anyelement, orders_query text, calibration_end timestamptz,
									holdout_end timestamptz, spend_model gamma_gamma_model DEFAULT NULL,
									time_unit text DEFAULT NULL)
	RETURNS TABLE(decile integer, customers bigint, predicted_purchases double precision, actual_purchases bigint,
				  predicted_revenue double precision, actual_revenue numeric)
	LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED ROWS 10
	SET jit = off
AS $$
DECLARE
	ext text;
BEGIN
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	RETURN QUERY EXECUTE pg_catalog.format($q$
		SELECT r.decile, pg_catalog.count(*),
			   pg_catalog.sum(r.predicted_purchases ORDER BY r.customer_id),
			   pg_catalog.sum(r.frequency_holdout)::pg_catalog.int8,
			   pg_catalog.sum(r.predicted_revenue ORDER BY r.customer_id),
			   pg_catalog.sum(r.actual_revenue)
		FROM (SELECT p.customer_id, p.predicted_purchases, p.frequency_holdout, p.predicted_revenue, p.actual_revenue,
					 (pg_catalog.ntile(10) OVER (ORDER BY CASE WHEN $5 IS NULL THEN p.predicted_purchases ELSE p.predicted_revenue END
														 DESC NULLS LAST, p.customer_id))::pg_catalog.int4 AS decile
			  FROM %I.clv_holdout_scores($1, $2, $3, $4, $5, $6, 'clv_holdout_deciles') AS p) AS r
		GROUP BY r.decile
		ORDER BY r.decile
		$q$, ext)
		USING model, orders_query, calibration_end, holdout_end, spend_model, time_unit;
END
$$;
COMMENT ON FUNCTION clv_holdout_deciles(anyelement, text, timestamptz, timestamptz, gamma_gamma_model, text) IS 'customers ranked by the value a purchase model (and a Gamma-Gamma model) predicted for the holdout period, in ten groups: predicted and actual purchases and revenue per decile';

/*
 * clv_holdout_tracking: the tracking curve of Fader, Hardie & Lee (2005,
 * figure 2) and lifetimes' expected_cumulative_transactions, over the
 * customers first seen up to calibration_end.  With S their earliest first
 * purchase day, m the days per period (1 for 'day', 7 for 'week'), u the
 * days per time unit of the model and c_j = S + j m, point j = 1 .. J,
 * J = floor((H + 1 - S) / m), covers the days before c_j:
 *   cumulative_actual_purchases_j = the customers' repeat purchase days
 *       (purchase days after D_0) before c_j;
 *   cumulative_expected_purchases_j = sum over the customers with D_0 < c_j
 *       of E[X((c_j - D_0) / u)], the expected repeat purchases of a new
 *       customer (<prefix>_expected_purchases_new) over the time since their
 *       first purchase;
 *   actual_purchases, expected_purchases: the same for period j alone
 *       (differences of consecutive cumulative values);
 *   period_end = c_j - 1, the last day of the period; holdout: it ends
 *       after the calibration day C.
 * Customers first seen after calibration_end are left out of both curves
 * (lifetimes counts every customer); days after the last whole period are
 * not shown.  The expected sums run in first-purchase-day order.
 */
CREATE FUNCTION clv_holdout_tracking(model anyelement, orders_query text, calibration_end timestamptz,
									 holdout_end timestamptz, period text DEFAULT 'week', time_unit text DEFAULT NULL)
	RETURNS TABLE(period_number integer, period_end date, holdout boolean, actual_purchases bigint,
				  expected_purchases double precision, cumulative_actual_purchases bigint,
				  cumulative_expected_purchases double precision)
	LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED ROWS 100
	SET jit = off
AS $$
DECLARE
	ext text;
	m record;
	cal date;
	hold date;
	u integer;
	step integer;
BEGIN
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	EXECUTE pg_catalog.format('SELECT * FROM %I.clv_holdout_model($1, $2, $3, $4)', ext)
		INTO m USING model, calibration_end, time_unit, 'clv_holdout_tracking';
	step := CASE period WHEN 'day' THEN 1 WHEN 'week' THEN 7 END;
	IF step IS NULL AND period IS NOT NULL THEN
		RAISE EXCEPTION 'unrecognized tracking period "%"', period
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use ''day'' or ''week''.';
	END IF;
	IF model IS NULL OR orders_query IS NULL OR calibration_end IS NULL OR holdout_end IS NULL OR period IS NULL THEN
		RETURN;
	END IF;
	EXECUTE pg_catalog.format('SELECT * FROM %I.clv_holdout_days($1, $2, $3)', ext)
		INTO cal, hold, u
		USING calibration_end, holdout_end, m.unit;
	RETURN QUERY EXECUTE pg_catalog.format($q$
		WITH d AS (
			SELECT o.customer_id, o.day
			FROM %1$I.clv_order_days($1, $3, 'clv_holdout_tracking') AS o
			WHERE o.orders OPERATOR(pg_catalog.>) 0
		), c AS (
			SELECT d.customer_id, pg_catalog.min(d.day) AS first_day
			FROM d GROUP BY d.customer_id
			HAVING pg_catalog.min(d.day) OPERATOR(pg_catalog.<=) $2
		), firsts AS (
			SELECT c.first_day, pg_catalog.count(*) AS n FROM c GROUP BY c.first_day
		), repeats AS MATERIALIZED (
			SELECT d.day, pg_catalog.count(*) AS n
			FROM d JOIN c ON c.customer_id OPERATOR(pg_catalog.=) d.customer_id
			WHERE d.day OPERATOR(pg_catalog.>) c.first_day
			GROUP BY d.day
		), points AS (
			SELECT j, s.start OPERATOR(pg_catalog.+) (j OPERATOR(pg_catalog.*) $5) AS cut
			FROM (SELECT pg_catalog.min(c.first_day) AS start FROM c) AS s
			CROSS JOIN pg_catalog.generate_series(1, ($3 OPERATOR(pg_catalog.+) 1 OPERATOR(pg_catalog.-) s.start)
												   OPERATOR(pg_catalog./) $5) AS j
		), expectations AS MATERIALIZED (
			-- E[X(t)] once per distinct time since a first purchase
			SELECT e.delta,
				   %1$I.%2$I($4, e.delta::pg_catalog.float8 OPERATOR(pg_catalog./) $6) AS x
			FROM (SELECT DISTINCT p.cut OPERATOR(pg_catalog.-) f.first_day AS delta
				  FROM points AS p JOIN firsts AS f ON f.first_day OPERATOR(pg_catalog.<) p.cut) AS e
		), cum AS MATERIALIZED (
			SELECT p.j, p.cut,
				   (SELECT COALESCE(pg_catalog.sum(r.n), 0)::pg_catalog.int8
					FROM repeats AS r WHERE r.day OPERATOR(pg_catalog.<) p.cut) AS actual,
				   (SELECT COALESCE(pg_catalog.sum(f.n::pg_catalog.float8 OPERATOR(pg_catalog.*) e.x ORDER BY f.first_day), 0)
					FROM firsts AS f
					JOIN expectations AS e ON e.delta OPERATOR(pg_catalog.=) (p.cut OPERATOR(pg_catalog.-) f.first_day)
					WHERE f.first_day OPERATOR(pg_catalog.<) p.cut) AS expected
			FROM points AS p
		)
		SELECT c.j, c.cut OPERATOR(pg_catalog.-) 1, c.cut OPERATOR(pg_catalog.-) 1 OPERATOR(pg_catalog.>) $2,
			   c.actual OPERATOR(pg_catalog.-) pg_catalog.lag(c.actual, 1, 0::pg_catalog.int8) OVER w,
			   c.expected OPERATOR(pg_catalog.-) pg_catalog.lag(c.expected, 1, 0::pg_catalog.float8) OVER w,
			   c.actual, c.expected
		FROM cum AS c
		WINDOW w AS (ORDER BY c.j)
		ORDER BY c.j
		$q$, ext, m.prefix || '_expected_purchases_new')
		USING orders_query, cal, hold, model, step, u;
END
$$;
COMMENT ON FUNCTION clv_holdout_tracking(anyelement, text, timestamptz, timestamptz, text, text) IS 'tracking curve: actual and expected repeat purchases per period and cumulated, over the calibration and holdout periods, of the customers first seen up to calibration_end, for a BG/NBD, MBG/NBD or Pareto/NBD model';
