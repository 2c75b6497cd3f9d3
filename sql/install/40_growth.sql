/*
 * Growth: referral value and acquisition economics.
 *
 *   clv_referral_value(orders_query, referrals_query [, max_depth])
 *       one row per customer: own revenue, the customers they referred
 *       (directly, or down the chain up to max_depth levels) and their
 *       revenue, and the referral-inclusive value
 *   clv_acquisition(orders_query, spend_query [, period [, time_zone [, gross_margin]]])
 *       one row per acquisition channel, cohort period and period offset:
 *       new customers, spend, CAC, cumulative revenue and gross margin per
 *       new customer, CLV:CAC and the payback period
 *
 * Both run the caller's queries with the caller's privileges (PL/pgSQL,
 * never SECURITY DEFINER) and hand the gathered figures to a SQL function
 * with a standard body (BEGIN ATOMIC): clv_referral_table and
 * clv_acquisition_table, whose names are bound when the extension is
 * created, so no search_path can redirect them.  The PL/pgSQL functions
 * qualify every name they use in dynamic SQL: pg_catalog's objects with
 * pg_catalog, clv's own with the extension's schema (looked up in
 * pg_extension, since clv is relocatable), and operators whose operand
 * types vary with OPERATOR(pg_catalog.op).  The caller's queries are
 * checked without being run (clv_check_query) and then embedded as
 * subqueries; no parameter ($1) is passed to a statement that holds them.
 *
 * Definitions (docs/readme/growth.md has them with examples):
 *   - rows, orders, refunds, customers and revenue as in the core: a row
 *     with a NULL customer, time or amount is ignored; amount >= 0 is an
 *     order, amount < 0 a refund; a customer is a key with at least one
 *     order; revenue = sum(amount), refunds included, exact (numeric).
 *   - referral value: own_revenue_i = revenue of customer i;
 *     R_d(i) = the customers reached from i by following "referred by"
 *     links downwards 1 .. d times (d = max_depth, NULL = no limit), never
 *     coming back to a customer already on the path (so a cycle ends the
 *     chain and i never counts as their own referral);
 *     referred_customers_i = |R_d(i)|,
 *     referred_revenue_i = sum over R_d(i) of own_revenue,
 *     referral_inclusive_value_i = own_revenue_i + referred_revenue_i.
 *     Self-referrals (customer = referred_by) are ignored; a customer with
 *     two different referrers is an error.
 *   - acquisition: a customer's channel is the channel of their first
 *     order (the acquisition; ties at the same instant: the smallest
 *     channel text); cohort and offsets as clv_cohorts defines them, in
 *     the calendar periods of the time zone; spend of a channel counts for
 *     the period that contains its period start (a date or timestamp is a
 *     local calendar time, a timestamptz is converted to the time zone).
 *     For a channel and cohort period with N new customers and spend S
 *     (NULL without a spend row), at offset k with cumulative revenue
 *     C_k = revenue of periods 0 .. k and margin m:
 *       cac = S / N, cumulative_revenue_per_customer = C_k / N,
 *       cumulative_margin_per_customer = m C_k / N (all NULL when N = 0),
 *       clv_to_cac = m C_k / S (NULL when N = 0 or S is NULL or <= 0),
 *       payback_offset = the first j <= k with m C_j >= S (NULL while not
 *       reached, when N = 0 or S is NULL).
 */

-- checking a query without running it ----------------------------------------------

/*
 * clv_check_query(query, caller, what, columns): check that query returns
 * the columns named in columns ('name:kind', kind = key, time, amount or
 * any) with types of those kinds (domains count as their base type), by
 * planning it with LIMIT 0 (nothing is executed), and return it as a
 * parenthesized subquery: trailing semicolons and white space removed, a
 * newline before the closing parenthesis (a trailing -- comment stays
 * closed).  Errors (42804) mirror clv_cohorts': "invalid <what> for
 * <caller>", the expected columns, and what was found.
 */
CREATE FUNCTION clv_check_query(query text, caller text, what text, columns text[])
	RETURNS text
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL RESTRICTED
AS $$
DECLARE
	sub constant text := '(' || pg_catalog.rtrim(query, E' \t\r\n;') || E'\n)';
	expected constant integer := pg_catalog.cardinality(columns);
	names text[];
	kinds text[];
	spec text;
	n integer;
	i integer;
	types oid[];
	t oid;
	base oid;
	accepted oid[];
	accepted_text text;
BEGIN
	SELECT pg_catalog.array_agg(pg_catalog.split_part(c, ':', 1) ORDER BY o),
		   pg_catalog.array_agg(pg_catalog.split_part(c, ':', 2) ORDER BY o)
	  INTO names, kinds
	  FROM pg_catalog.unnest(columns) WITH ORDINALITY AS u(c, o);
	IF expected = 1 THEN
		spec := names[1];
	ELSIF expected = 2 THEN
		spec := names[1] || ' and ' || names[2];
	ELSE
		spec := pg_catalog.array_to_string(names[1:expected - 1], ', ') || ', and ' || names[expected];
	END IF;
	spec := pg_catalog.format('The provided SQL must return %s column%s: %s.', expected,
							  CASE WHEN expected = 1 THEN '' ELSE 's' END, spec);

	-- the number of result columns: a row of NULLs has one key per column
	EXECUTE 'SELECT pg_catalog.count(*)::integer FROM (SELECT) AS one'
		|| ' LEFT JOIN LATERAL (SELECT * FROM ' || sub || ' AS s LIMIT 0) AS q ON true'
		|| ' CROSS JOIN LATERAL pg_catalog.json_object_keys(pg_catalog.to_json(ROW(q.*))) AS k'
		INTO n;
	IF n <> expected THEN
		RAISE EXCEPTION 'invalid % for %', what, caller
			USING ERRCODE = 'datatype_mismatch', DETAIL = spec,
				  HINT = pg_catalog.format('The query returns %s column%s.', n, CASE WHEN n = 1 THEN '' ELSE 's' END);
	END IF;

	-- their types
	EXECUTE 'SELECT ARRAY[' || (SELECT pg_catalog.string_agg(pg_catalog.format('pg_catalog.pg_typeof(q.c%s)::pg_catalog.oid', g), ', ')
								FROM pg_catalog.generate_series(1, n) AS g)
		|| '] FROM (SELECT) AS one LEFT JOIN LATERAL (SELECT * FROM ' || sub || ' AS s LIMIT 0) AS q('
		|| (SELECT pg_catalog.string_agg('c' || g, ', ') FROM pg_catalog.generate_series(1, n) AS g)
		|| ') ON true'
		INTO types;

	FOR i IN 1 .. n LOOP
		CASE kinds[i]
			WHEN 'key' THEN
				accepted := '{pg_catalog.int8,pg_catalog.int4,pg_catalog.int2,pg_catalog.text,pg_catalog.varchar,pg_catalog.bpchar,pg_catalog.name,pg_catalog.uuid}'::pg_catalog.regtype[]::oid[];
				accepted_text := 'bigint, integer, smallint, text, varchar, char or uuid';
			WHEN 'time' THEN
				accepted := '{pg_catalog.timestamptz,pg_catalog.timestamp,pg_catalog.date}'::pg_catalog.regtype[]::oid[];
				accepted_text := 'timestamptz, timestamp or date';
			WHEN 'amount' THEN
				accepted := '{pg_catalog.numeric,pg_catalog.float8,pg_catalog.float4,pg_catalog.int8,pg_catalog.int4,pg_catalog.int2}'::pg_catalog.regtype[]::oid[];
				accepted_text := 'numeric, double precision, real or an integer';
			ELSE
				CONTINUE;
		END CASE;
		-- a domain counts as its base type
		t := types[i];
		LOOP
			SELECT y.typbasetype INTO base FROM pg_catalog.pg_type AS y WHERE y.oid = t AND y.typtype = 'd';
			EXIT WHEN NOT FOUND;
			t := base;
		END LOOP;
		IF NOT t = ANY (accepted) THEN
			RAISE EXCEPTION 'invalid % for %', what, caller
				USING ERRCODE = 'datatype_mismatch',
					  DETAIL = pg_catalog.format('Column %s (%s) must be %s, not %s.', i, names[i], accepted_text,
												 pg_catalog.format_type(t, NULL)),
					  HINT = spec;
		END IF;
	END LOOP;
	RETURN sub;
END
$$;
COMMENT ON FUNCTION clv_check_query(text, text, text, text[]) IS 'check the result columns of a query without running it (kinds key, time, amount, any) and return it as a subquery; used by clv_referral_value and clv_acquisition';

-- referral value ----------------------------------------------------------------

/*
 * clv_referral_table: the referral value of every customer from their
 * revenue and the referral links, each given as parallel arrays (keys as
 * text).  The walk follows the links downwards from every customer, at
 * most max_depth levels (NULL: no limit), and never enters a customer
 * already on its path, so it ends on any input; a customer reached along
 * two paths counts once; walks from people who are not customers are
 * dropped at the end.  clv_referral_value gathers the arrays.
 *
 * SET jit = off (here and in clv_acquisition_table): these statements
 * handle every customer or every report row with many expressions, so with
 * PostgreSQL's default JIT thresholds they were compiled on every call:
 * 0.7 s of 2.9 s for 360,000 customers, 2 s of 2.6 s for a weekly
 * acquisition report of 60,000 rows.  A function's SET applies to its own
 * statements only, and unlike SET LOCAL it is allowed when the calling
 * query runs in parallel mode.
 */
CREATE FUNCTION clv_referral_table(customer_ids text[], revenues numeric[],
								   referred_ids text[], referrer_ids text[], max_depth integer)
	RETURNS TABLE(customer_id text, own_revenue numeric, referred_customers bigint,
				  referred_revenue numeric, referral_inclusive_value numeric)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET jit = off
BEGIN ATOMIC
	WITH RECURSIVE cust AS (
		SELECT c.id, c.revenue
		FROM unnest(customer_ids, revenues) AS c(id, revenue)
		WHERE c.id IS NOT NULL
	), link AS (
		SELECT DISTINCT l.child, l.parent
		FROM unnest(referred_ids, referrer_ids) AS l(child, parent)
		WHERE l.child IS NOT NULL AND l.parent IS NOT NULL AND l.child <> l.parent
	), walk(root, node, depth, path) AS (
		SELECT l.parent, l.child, 1, ARRAY[l.parent, l.child]
		FROM link AS l
	  UNION ALL
		SELECT w.root, l.child, w.depth + 1, w.path || l.child
		FROM walk AS w
		JOIN link AS l ON l.parent = w.node
		WHERE (max_depth IS NULL OR w.depth < max_depth) AND l.child <> ALL (w.path)
	), referred AS (
		SELECT r.root, count(*) AS customers, sum(c.revenue) AS revenue
		FROM (SELECT DISTINCT w.root, w.node FROM walk AS w) AS r
		JOIN cust AS c ON c.id = r.node
		GROUP BY r.root
	)
	SELECT c.id, c.revenue, coalesce(r.customers, 0), coalesce(r.revenue, 0),
		   c.revenue + coalesce(r.revenue, 0)
	FROM cust AS c
	LEFT JOIN referred AS r ON r.root = c.id;
END;
COMMENT ON FUNCTION clv_referral_table(text[], numeric[], text[], text[], integer) IS 'referral value per customer from arrays of customers and revenues and of referral links (referred, referrer), down max_depth levels (NULL: the whole chain); used by clv_referral_value';

/*
 * clv_referral_value(orders_query, referrals_query, max_depth): runs the
 * orders query (customer_id, ordered_at, amount) and the referrals query
 * (customer_id, referred_by) and returns one row per customer.  Keys are
 * compared and returned as text.  max_depth: 1 (the default) counts the
 * customers a customer referred directly, 2 also those these referred, and
 * so on; NULL follows the whole chain.  A NULL query gives no rows.
 */
CREATE FUNCTION clv_referral_value(orders_query text, referrals_query text, max_depth integer DEFAULT 1)
	RETURNS TABLE(customer_id text, own_revenue numeric, referred_customers bigint,
				  referred_revenue numeric, referral_inclusive_value numeric)
	LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED ROWS 1000
AS $$
DECLARE
	ext text;
	orders_sub text;
	referrals_sub text;
	ids text[];
	revenues numeric[];
	children text[];
	parents text[];
	bad_amount numeric;
	bad_time boolean;
	twice text;
	first_referrer text;
	second_referrer text;
BEGIN
	IF orders_query IS NULL OR referrals_query IS NULL THEN
		RETURN;
	END IF;
	IF max_depth < 1 THEN
		RAISE EXCEPTION 'referral depth must be at least 1'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('The depth was %s.', max_depth),
				  HINT = 'Use 1 for direct referrals, a larger depth or NULL to follow the chain.';
	END IF;
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	EXECUTE pg_catalog.format('SELECT %I.clv_check_query($1, $2, $3, $4)', ext)
		INTO orders_sub
		USING orders_query, 'clv_referral_value', 'orders query', ARRAY['customer_id:key', 'ordered_at:time', 'amount:amount'];
	EXECUTE pg_catalog.format('SELECT %I.clv_check_query($1, $2, $3, $4)', ext)
		INTO referrals_sub
		USING referrals_query, 'clv_referral_value', 'referrals query', ARRAY['customer_id:key', 'referred_by:key'];

	-- revenue per key; customers are the keys with an order.  A sum is not
	-- finite exactly when one of its amounts is not.
	EXECUTE pg_catalog.format($q$
		SELECT pg_catalog.array_agg(k.id) FILTER (WHERE k.orders OPERATOR(pg_catalog.>) 0),
			   pg_catalog.array_agg(k.revenue) FILTER (WHERE k.orders OPERATOR(pg_catalog.>) 0),
			   pg_catalog.min(k.revenue) FILTER (WHERE k.revenue OPERATOR(pg_catalog.=) ANY ('{NaN,Infinity,-Infinity}'::pg_catalog.numeric[])),
			   pg_catalog.bool_or(k.infinite_time)
		FROM (SELECT o.customer_id::pg_catalog.text AS id,
					 pg_catalog.sum(o.amount::pg_catalog.numeric) AS revenue,
					 pg_catalog.count(*) FILTER (WHERE o.amount OPERATOR(pg_catalog.>=) 0) AS orders,
					 pg_catalog.bool_or(NOT pg_catalog.isfinite(o.ordered_at)) AS infinite_time
			  FROM %s AS o(customer_id, ordered_at, amount)
			  WHERE o.customer_id IS NOT NULL AND o.ordered_at IS NOT NULL AND o.amount IS NOT NULL
			  GROUP BY o.customer_id) AS k
		$q$, orders_sub)
		INTO ids, revenues, bad_amount, bad_time;
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

	-- the links, without self-referrals; one referrer per customer
	EXECUTE pg_catalog.format($q$
		WITH link AS (
			SELECT DISTINCT r.customer_id::pg_catalog.text AS child, r.referred_by::pg_catalog.text AS parent
			FROM %s AS r(customer_id, referred_by)
			WHERE r.customer_id IS NOT NULL AND r.referred_by IS NOT NULL
		), kept AS (
			SELECT l.child, l.parent FROM link AS l WHERE l.child OPERATOR(pg_catalog.<>) l.parent
		)
		SELECT a.children, a.parents, d.child, d.parents[1], d.parents[2]
		FROM (SELECT pg_catalog.array_agg(k.child) AS children, pg_catalog.array_agg(k.parent) AS parents
			  FROM kept AS k) AS a
		LEFT JOIN (SELECT k.child, pg_catalog.array_agg(k.parent ORDER BY k.parent) AS parents
				   FROM kept AS k GROUP BY k.child HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1
				   ORDER BY k.child LIMIT 1) AS d ON true
		$q$, referrals_sub)
		INTO children, parents, twice, first_referrer, second_referrer;
	IF twice IS NOT NULL THEN
		RAISE EXCEPTION 'customer % has more than one referrer', twice
			USING ERRCODE = 'cardinality_violation',
				  DETAIL = pg_catalog.format('The referrals query names %s and %s as referrers of %s.',
											 first_referrer, second_referrer, twice),
				  HINT = 'Keep one referrer per customer, for example the one of the earliest referral.';
	END IF;

	RETURN QUERY EXECUTE pg_catalog.format('SELECT * FROM %I.clv_referral_table($1, $2, $3, $4, $5)', ext)
		USING ids, revenues, children, parents, max_depth;
END
$$;
COMMENT ON FUNCTION clv_referral_value(text, text, integer) IS 'per customer: own revenue, customers referred (directly, or down max_depth levels; NULL: the whole chain), their revenue, and the referral-inclusive value, from an orders query (customer_id, ordered_at, amount) and a referrals query (customer_id, referred_by)';

-- acquisition economics ---------------------------------------------------------

/*
 * clv_acquisition_table: the acquisition report from the cohort tables of
 * the channels (parallel arrays: channel, cohort, period offset, cohort
 * customers, active customers, revenue, as clv_cohort_table returns them),
 * the local time of the latest row of the orders (the end of
 * observation), the spend rows (channel, local period start, spend), the
 * period and the gross margin.  Every (channel, cohort) with new customers
 * or spend gets one row per offset up to the last period; cohort tables
 * that end earlier are filled with zeros.  Spend after the last period is
 * left out.  Channels are matched NULL to NULL.  clv_acquisition gathers
 * the arrays.  The zero rows past the end of a cohort table are generated
 * for the missing offsets only and the table rows are never joined to a
 * full grid of offsets (whose size the planner cannot estimate).
 */
CREATE FUNCTION clv_acquisition_table(cohort_channels text[], cohorts date[], offsets integer[],
									  cohort_sizes bigint[], actives bigint[], revenues numeric[],
									  last_local timestamp, spend_channels text[],
									  spend_starts timestamp[], spend_amounts numeric[],
									  period text, gross_margin numeric)
	RETURNS TABLE(channel text, cohort date, period_offset integer, new_customers bigint,
				  spend numeric, cac numeric, active_customers bigint, revenue numeric,
				  cumulative_revenue_per_customer numeric, cumulative_margin_per_customer numeric,
				  clv_to_cac numeric, payback_offset integer)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET jit = off
BEGIN ATOMIC
	WITH cal AS (
		SELECT lower(period) AS unit, date_trunc(lower(period), last_local)::date AS last_period
	), tab AS (
		-- a channel as (is NULL, text): NULL matches NULL in hash joins
		SELECT t.ch IS NULL AS nul, coalesce(t.ch, '') AS ch, t.cohort, t.k, t.n, t.active, t.revenue
		FROM unnest(cohort_channels, cohorts, offsets, cohort_sizes, actives, revenues)
			 AS t(ch, cohort, k, n, active, revenue)
	), sizes AS (
		-- per cohort: its customers and the last offset of its table
		SELECT t.nul, t.ch, t.cohort, max(t.n) AS n, max(t.k) AS last_k
		FROM tab AS t
		GROUP BY t.nul, t.ch, t.cohort
	), spent AS (
		SELECT s.ch IS NULL AS nul, coalesce(s.ch, '') AS ch,
			   date_trunc(lower(period), s.start)::date AS cohort, sum(s.amount) AS spend
		FROM unnest(spend_channels, spend_starts, spend_amounts) AS s(ch, start, amount)
		WHERE s.start IS NOT NULL AND s.amount IS NOT NULL
		GROUP BY 1, 2, 3
	), keys AS (
		-- every (channel, cohort) with customers or spend, with the offset of
		-- the last period (both are period starts); id numbers the channels
		-- in output order (NULL last), for cheaper sorts
		SELECT nul, ch, cohort, coalesce(z.n, 0) AS n, coalesce(z.last_k, -1) AS last_k, p.spend,
			   dense_rank() OVER (ORDER BY nul, ch) AS id,
			   CASE cal.unit
				   WHEN 'day' THEN cal.last_period - cohort
				   WHEN 'week' THEN (cal.last_period - cohort) / 7
				   ELSE ((extract(year FROM cal.last_period) - extract(year FROM cohort)) * 12
						 + extract(month FROM cal.last_period) - extract(month FROM cohort))::integer
						/ CASE cal.unit WHEN 'month' THEN 1 WHEN 'quarter' THEN 3 WHEN 'year' THEN 12 END
			   END AS end_k
		FROM sizes AS z
		FULL JOIN (SELECT * FROM spent WHERE spent.cohort <= (SELECT cal.last_period FROM cal)) AS p
			USING (nul, ch, cohort)
		CROSS JOIN cal
	), offs AS (
		SELECT generate_series(0, (SELECT max(keys.end_k) FROM keys)) AS k
	), grid AS (
		-- the rows of the tables, and zero rows after their last offset (or
		-- from offset 0 for spend without customers) up to the last period
		SELECT t.nul, t.ch, t.cohort, t.k, t.active, t.revenue
		FROM tab AS t
	  UNION ALL
		SELECT k.nul, k.ch, k.cohort, o.k, 0, 0
		FROM keys AS k
		JOIN offs AS o ON o.k > k.last_k AND o.k <= k.end_k
	), cum AS (
		SELECT k.id, k.nul, k.ch, g.cohort, g.k, k.n, k.spend, g.active, g.revenue,
			   sum(g.revenue) OVER w AS cum_revenue
		FROM grid AS g
		JOIN keys AS k USING (nul, ch, cohort)
		WINDOW w AS (PARTITION BY k.id, g.cohort ORDER BY g.k)
	)
	SELECT CASE WHEN c.nul THEN NULL ELSE c.ch END, c.cohort, c.k, c.n, c.spend,
		   CASE WHEN c.n > 0 THEN c.spend / c.n END,
		   c.active, c.revenue,
		   CASE WHEN c.n > 0 THEN c.cum_revenue / c.n END,
		   CASE WHEN c.n > 0 THEN gross_margin * c.cum_revenue / c.n END,
		   CASE WHEN c.n > 0 AND c.spend > 0 THEN gross_margin * c.cum_revenue / c.spend END,
		   min(c.k) FILTER (WHERE c.n > 0 AND gross_margin * c.cum_revenue >= c.spend)
			   OVER (PARTITION BY c.id, c.cohort ORDER BY c.k)
	FROM cum AS c
	ORDER BY c.id, c.cohort, c.k;
END;
COMMENT ON FUNCTION clv_acquisition_table(text[], date[], integer[], bigint[], bigint[], numeric[], timestamp, text[], timestamp[], numeric[], text, numeric) IS 'acquisition report from the cohort tables of the channels and the spend rows, given as arrays; used by clv_acquisition';

/*
 * clv_acquisition(orders_query, spend_query, period, time_zone,
 * gross_margin): runs the orders query (customer_id, ordered_at, amount,
 * channel) and the spend query (period_start, channel, spend), builds one
 * clv_cohort_state per channel (each customer in the channel of their first
 * order) and returns the acquisition report of clv_acquisition_table.
 * Channels are compared and returned as text.
 */
CREATE FUNCTION clv_acquisition(orders_query text, spend_query text, period text DEFAULT 'month',
								time_zone text DEFAULT current_setting('TimeZone'),
								gross_margin numeric DEFAULT 1)
	RETURNS TABLE(channel text, cohort date, period_offset integer, new_customers bigint,
				  spend numeric, cac numeric, active_customers bigint, revenue numeric,
				  cumulative_revenue_per_customer numeric, cumulative_margin_per_customer numeric,
				  clv_to_cac numeric, payback_offset integer)
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL RESTRICTED ROWS 1000
AS $$
DECLARE
	ext text;
	orders_sub text;
	spend_sub text;
	start_type oid;
	start_local text;
	t_channels text[];
	t_cohorts date[];
	t_offsets integer[];
	t_sizes bigint[];
	t_actives bigint[];
	t_revenues numeric[];
	last_local timestamp;
	s_channels text[];
	s_starts timestamp[];
	s_amounts numeric[];
	bad_spend numeric;
	bad_start boolean;
BEGIN
	IF NOT pg_catalog.lower(period) = ANY ('{day,week,month,quarter,year}'::text[]) THEN
		RAISE EXCEPTION 'invalid cohort period "%"', period
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Valid periods are day, week, month, quarter and year.';
	END IF;
	PERFORM pg_catalog.timezone(time_zone, pg_catalog.now());	-- 22023 for an unknown zone
	IF gross_margin = ANY ('{NaN,Infinity,-Infinity}'::numeric[]) THEN
		RAISE EXCEPTION 'gross margin must be a finite number'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT n.nspname INTO ext
	  FROM pg_catalog.pg_extension AS e JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
	 WHERE e.extname = 'clv';
	EXECUTE pg_catalog.format('SELECT %I.clv_check_query($1, $2, $3, $4)', ext)
		INTO orders_sub
		USING orders_query, 'clv_acquisition', 'orders query',
			  ARRAY['customer_id:key', 'ordered_at:time', 'amount:amount', 'channel:any'];
	EXECUTE pg_catalog.format('SELECT %I.clv_check_query($1, $2, $3, $4)', ext)
		INTO spend_sub
		USING spend_query, 'clv_acquisition', 'spend query',
			  ARRAY['period_start:time', 'channel:any', 'spend:amount'];

	-- one cohort state per channel, each customer in the channel of their
	-- first order (the window), expanded into its cohort table; and the
	-- local time of the latest row the states read (the end of observation)
	EXECUTE pg_catalog.format($q$
		SELECT pg_catalog.array_agg(g.channel) FILTER (WHERE t.cohort IS NOT NULL),
			   pg_catalog.array_agg(t.cohort) FILTER (WHERE t.cohort IS NOT NULL),
			   pg_catalog.array_agg(t.period_offset) FILTER (WHERE t.cohort IS NOT NULL),
			   pg_catalog.array_agg(t.cohort_customers) FILTER (WHERE t.cohort IS NOT NULL),
			   pg_catalog.array_agg(t.active_customers) FILTER (WHERE t.cohort IS NOT NULL),
			   pg_catalog.array_agg(t.revenue) FILTER (WHERE t.cohort IS NOT NULL),
			   pg_catalog.max(g.last_local)
		FROM (
			SELECT r.channel,
				   %1$I.clv_cohort_state(r.customer_id, r.ordered_at, r.amount, %2$L, %3$L) AS state,
				   pg_catalog.timezone(%3$L, (pg_catalog.max(r.ordered_at)
						FILTER (WHERE r.customer_id IS NOT NULL AND r.amount IS NOT NULL))::pg_catalog.timestamptz) AS last_local
			FROM (
				SELECT q.customer_id, q.ordered_at, q.amount,
					   pg_catalog.first_value(q.channel::pg_catalog.text) OVER (
						   PARTITION BY q.customer_id
						   ORDER BY q.amount OPERATOR(pg_catalog.<) 0, q.ordered_at, q.channel::pg_catalog.text) AS channel
				FROM %4$s AS q(customer_id, ordered_at, amount, channel)
			) AS r
			GROUP BY r.channel
		) AS g
		LEFT JOIN LATERAL %1$I.clv_cohort_table(g.state) AS t ON true
		$q$, ext, period, time_zone, orders_sub)
		INTO t_channels, t_cohorts, t_offsets, t_sizes, t_actives, t_revenues, last_local;

	-- the spend rows; a date or timestamp start is a local calendar time
	EXECUTE 'SELECT pg_catalog.pg_typeof(s.period_start)::pg_catalog.oid FROM (SELECT) AS one'
		|| ' LEFT JOIN LATERAL (SELECT * FROM ' || spend_sub || ' AS x LIMIT 0) AS s(period_start, channel, spend) ON true'
		INTO start_type;
	IF start_type = 'pg_catalog.timestamptz'::pg_catalog.regtype THEN
		start_local := pg_catalog.format('pg_catalog.timezone(%L, s.period_start)', time_zone);
	ELSE
		start_local := 's.period_start::pg_catalog.timestamp';
	END IF;
	EXECUTE pg_catalog.format($q$
		SELECT pg_catalog.array_agg(s.channel::pg_catalog.text),
			   pg_catalog.array_agg(%2$s),
			   pg_catalog.array_agg(s.spend::pg_catalog.numeric),
			   pg_catalog.min(s.spend::pg_catalog.numeric)
				   FILTER (WHERE s.spend::pg_catalog.numeric OPERATOR(pg_catalog.=) ANY ('{NaN,Infinity,-Infinity}'::pg_catalog.numeric[])),
			   pg_catalog.bool_or(NOT pg_catalog.isfinite(s.period_start))
		FROM %1$s AS s(period_start, channel, spend)
		WHERE s.period_start IS NOT NULL AND s.spend IS NOT NULL
		$q$, spend_sub, start_local)
		INTO s_channels, s_starts, s_amounts, bad_spend, bad_start;
	IF bad_spend IS NOT NULL THEN
		RAISE EXCEPTION 'spend must be a finite number'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('The spend was %s.', bad_spend);
	END IF;
	IF bad_start THEN
		RAISE EXCEPTION 'spend period start must be finite'
			USING ERRCODE = 'datetime_field_overflow';
	END IF;

	RETURN QUERY EXECUTE pg_catalog.format(
		'SELECT * FROM %I.clv_acquisition_table($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)', ext)
		USING t_channels, t_cohorts, t_offsets, t_sizes, t_actives, t_revenues, last_local,
			  s_channels, s_starts, s_amounts, period, gross_margin;
END
$$;
COMMENT ON FUNCTION clv_acquisition(text, text, text, text, numeric) IS 'acquisition report per channel, cohort period and offset: new customers, spend, CAC, cumulative revenue and gross margin per new customer, CLV:CAC and payback period, from an orders query (customer_id, ordered_at, amount, channel) and a spend query (period_start, channel, spend)';
