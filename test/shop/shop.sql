-- test/shop/shop.sql: a deterministic synthetic shop, generated in SQL.
--
--   \i test/shop/shop.sql                   -- the schema shop and its functions
--   SELECT * FROM shop.generate();          -- 25,000 customers, seed 1 (the demo's shop)
--   SELECT * FROM shop.generate(1000000, seed => 7);
--   DROP SCHEMA shop CASCADE;               -- removes everything again
--
-- shop.generate(customers, seed, start_date, months) (re)creates the tables
-- below in the schema shop and returns one row per table with its row
-- count.  Defaults: 25,000 customers, seed 1, 36 months from 2021-01-01.
-- Size: about 2.8 orders and 4.9 order lines per customer; 25,000
-- customers take about 1 s of CPU, 1,000,000 about 35 s (one backend).
-- It needs no extension (plain SQL and PL/pgSQL) and changes no session
-- setting.
--
-- Deterministic: the same arguments give the same rows, whatever the plan,
-- the session settings (TimeZone included) or the PostgreSQL version
-- (15 .. 18).  Every random number is a hash of (seed, customer, purpose,
-- index) with hashint8extended, which PostgreSQL keeps stable because hash
-- partitioning depends on it; random() is never used.  Only the C
-- library's ln/exp/cos/sqrt enter the floating-point arithmetic: a
-- platform whose libm rounds differently could move an amount by a cent in
-- rare cases, so tests compare figures computed from the data, never
-- pinned digits.
--
-- Time: the observation period is [start_date, start_date + months), in
-- UTC (default 2021-01-01 .. 2023-12-31).  Customers are acquired over the
-- whole period: month m gets the share w_m / sum(w) of them, with
-- w_m = 1.03^m (1 + 0.35 cos(2 pi (calendar month - 11.5) / 12)) (3 %
-- growth a month, a November-December peak); customer i sits at quantile
-- (i - 1 + u_i) / customers of the cumulative weight, so customer_id order
-- is time order.  Its channel is drawn by share among the channels
-- launched by then.
--
-- Tables
--   shop.settings (customers, seed, start_date, months, period_start,
--       period_end, last_day)  the arguments; period_end is exclusive,
--       last_day the period's last date.
--   shop.channels (channel, ord, share, launch_month, r, alpha, a, b, p, q,
--       gamma, refund_rate, cac, spend_noise, monthly_fee)  the five
--       acquisition channels (organic, search, social, referral, email) and
--       the TRUE parameters of their customers' process (below): r, alpha
--       (purchase rate, per WEEK), a, b (dropout), p, q, gamma (spend).
--       organic has the published CDNOW estimates.  launch_month: the first
--       month (0-based) with new customers; social starts in month 3.
--   shop.customers (customer_id, first_order_at, channel, referred_by)
--       first_order_at = the first order = the acquisition.  referred_by:
--       for referral customers from customer 2 on, an earlier customer
--       (NULL otherwise); 40 % of them are referred by an earlier referral
--       customer, so the referral tree has chains (A refers B refers C).
--   shop.orders (order_id, customer_id, ordered_at, amount, refund_of)
--       one row per order or refund; order_id 1, 2, ... in time order.
--       amount numeric(12,2): an order's total (the sum of its lines), or
--       a refund's negative amount.  Refunds: each order is refunded with
--       its channel's refund_rate, 0.5 + Exp(mean 6) days later (only
--       within the period): half of the orders with several lines lose
--       their last line, the others the whole amount; refund_of = the
--       order's order_id.  Guest orders: 4 per 100 customers, uniform in
--       time, customer_id NULL, a tenth of them with amount NULL (payment
--       never completed): the NULLs every clv aggregate ignores.  Guest
--       orders are outside the purchase process.
--   shop.order_lines (order_id, line_no, category, quantity, amount)
--       the lines of each order with an amount (1 to 6, P(another line) =
--       0.45); their amounts add up to the order's exactly; category is
--       books, music, games, home or garden, NULL on about 1 % of lines.
--   shop.marketing_spend (month, channel, spend)  every month x channel:
--       0 for organic; cac x new customers of the month x (1 +- spend_noise)
--       + monthly_fee from the launch month on; in the month before the
--       launch half the launch month's cac x new customers (a test campaign
--       that brings nobody: social spends in month 2, acquires from month 3).
--   shop.latent (customer_id, lambda, dropout_p, nu, max_repeats, dropped_at)
--       the hidden truth of each customer, which no real shop knows, for
--       checks.  dropped_at: the time of the purchase after which the
--       customer became inactive, NULL when still active at the end.
--
-- The purchase process of a customer, with the parameters of its channel:
-- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way",
-- Marketing Science 24(2)) for the purchases, Gamma-Gamma (Fader, Hardie &
-- Lee 2005, "RFM and CLV: using iso-value curves", JMR 42(4)) for the spend:
--   lambda    ~ Gamma(shape r, rate alpha)   purchases per week while active
--   dropout_p ~ Beta(a, b)                   dropout probability
--   nu        ~ Gamma(shape q, rate gamma)
--   The first order is at first_order_at.  Repeat purchases follow a
--   Poisson process of rate lambda; right after each repeat purchase the
--   customer becomes inactive with probability dropout_p: the number of
--   repeat purchases until then, max_repeats, is geometric,
--   P(J = j) = p (1 - p)^(j - 1), j >= 1.  Each order's amount (the first
--   one's too) is z ~ Gamma(shape p, rate nu), E[z | nu] = p / nu, rounded
--   to cents.
-- Consequences the checks use (test/shop/check.sql): given lambda and p,
--   P(still active after t weeks) = exp(-lambda p t),
--   E[repeat purchases in t weeks] = (1 - exp(-lambda p t)) / p,
--   E[lambda] = r / alpha, E[p] = a / (a + b), E[nu] = q / gamma.
-- A BG/NBD fit over one channel's customers (weekly summaries of purchase
-- days) and a Gamma-Gamma fit over their mean spend find that channel's
-- parameters within sampling error (test/shop/check_fit.sql); same-day
-- purchases, rare, collapse into one purchase day.
--
-- Random numbers: shop.uniform(key, stream) = (the low 32 bits of
-- hashint8extended(stream, key) + 0.5) / 2^32, a uniform on (0, 1) (the
-- high 32 bits of that hash are less well mixed and are not used); keys
-- chain with shop.subkey: seed -> customer -> purchase.  Gamma variates:
-- Marsaglia & Tsang (2000); Beta(a, b) = X / (X + Y) with X ~ Gamma(a),
-- Y ~ Gamma(b); normals by Box-Muller.

CREATE SCHEMA IF NOT EXISTS shop;

-- a uniform on (0, 1) from the low 32 bits of a hash
CREATE OR REPLACE FUNCTION shop.uniform(key bigint, stream bigint)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ((hashint8extended(stream, key) & 4294967295)::double precision + 0.5) * 2.3283064365386963e-10::double precision $$;

-- the key of a purpose below a key (hashes chain: seed -> customer -> purchase)
CREATE OR REPLACE FUNCTION shop.subkey(key bigint, stream bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT hashint8extended(stream, key) $$;

-- Gamma(shape, rate 1) from the uniforms of key: Marsaglia & Tsang (2000),
-- "A simple method for generating gamma variables", ACM TOMS 26(3).  For a
-- shape s >= 1, with d = s - 1/3 and c = 1 / sqrt(9 d): attempt k draws a
-- standard normal z (Box-Muller from the uniforms 3k and 3k + 1 of key)
-- and a uniform u (uniform 3k + 2), and returns d w^3, w = 1 + c z, when
-- w > 0 and ln u < z^2 / 2 + d (1 - w^3 + ln w^3); else attempt k + 1.
-- For s < 1: Gamma(s + 1) * U^(1/s), U = uniform 0 of key.  Attempt 1
-- succeeds for about 95 % (s near 1) to 99 % (s >= 5) of the keys.
--
-- shop.gamma(shape, key) is the definition; it is a slow call (a SQL
-- function the planner cannot inline).  The generator calls
-- shop.gamma_z(shape, key, z) with z = shop.normal(key, 3) computed once in
-- a column of an inner query: that form is inlined, attempt 1 is one
-- expression, and only the rare rejections call the PL/pgSQL loop
-- shop.gamma_rest (attempts 2, 3, ...).  Both give the same numbers.
CREATE OR REPLACE FUNCTION shop.normal(key bigint, stream bigint)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT sqrt(-2 * ln(shop.uniform(key, stream))) * cos(2 * pi() * shop.uniform(key, stream + 1)) $$;

-- d of Marsaglia & Tsang for a shape (below 1: of shape + 1)
CREATE OR REPLACE FUNCTION shop.gamma_d(shape double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN shape < 1 THEN shape + 1 ELSE shape END - 1.0::double precision / 3 $$;

-- the factor U^(1/s) for shapes below 1, else 1
CREATE OR REPLACE FUNCTION shop.gamma_boost(shape double precision, key bigint)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN shape < 1 THEN shop.uniform(key, 0) ^ (1 / shape) ELSE 1 END $$;

-- attempts 2, 3, ... (after attempt 1 was rejected)
CREATE OR REPLACE FUNCTION shop.gamma_rest(shape double precision, key bigint)
RETURNS double precision LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS
$$
DECLARE
	d double precision;
	c double precision;
	z double precision;
	w double precision;
	k int := 1;
BEGIN
	IF NOT shape > 0 THEN
		RAISE EXCEPTION 'gamma shape must be positive, not %', shape;
	END IF;
	d := shop.gamma_d(shape);
	c := 1 / sqrt(9 * d);
	LOOP
		k := k + 1;
		z := shop.normal(key, 3 * k);
		w := 1 + c * z;
		IF w > 0 AND ln(shop.uniform(key, 3 * k + 2)) < 0.5 * z * z + d * (1 - w ^ 3 + 3 * ln(w)) THEN
			RETURN d * w ^ 3 * shop.gamma_boost(shape, key);
		END IF;
	END LOOP;
END
$$;

-- Gamma(shape, rate 1) given z = shop.normal(key, 3)
CREATE OR REPLACE FUNCTION shop.gamma_z(shape double precision, key bigint, z double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$
SELECT coalesce(
	CASE WHEN 1 + z / sqrt(9 * shop.gamma_d(shape)) > 0
		  AND ln(shop.uniform(key, 5)) < 0.5 * z * z
			  + shop.gamma_d(shape) * (1 - (1 + z / sqrt(9 * shop.gamma_d(shape))) ^ 3
									   + 3 * ln(1 + z / sqrt(9 * shop.gamma_d(shape))))
		 THEN shop.gamma_d(shape) * (1 + z / sqrt(9 * shop.gamma_d(shape))) ^ 3 * shop.gamma_boost(shape, key)
	END,
	shop.gamma_rest(shape, key))
$$;

CREATE OR REPLACE FUNCTION shop.gamma(shape double precision, key bigint)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT shop.gamma_z(shape, key, shop.normal(key, 3)) $$;

-- the number of lines of an order (1 .. 6, P(n >= k + 1 | n >= k) = 0.45)
CREATE OR REPLACE FUNCTION shop.line_count(okey bigint)
RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT least(6, 1 + floor(ln(shop.uniform(okey, 40)) / ln(0.45)))::int $$;

-- the cents of an order's lines 1 .. l together: the order total cut at
-- points that stay within 0.45 / n of l / n (0 for l = 0, all for l = n)
CREATE OR REPLACE FUNCTION shop.line_cents_upto(okey bigint, n int, l int, total_cents bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN l <= 0 THEN 0 WHEN l >= n THEN total_cents
			   ELSE round(total_cents * (l + 0.9 * (shop.uniform(okey, 50 + l) - 0.5)) / n)::bigint END $$;

CREATE OR REPLACE FUNCTION shop.generate(customers int DEFAULT 25000, seed int DEFAULT 1,
										 start_date date DEFAULT '2021-01-01', months int DEFAULT 36)
RETURNS TABLE (table_name text, row_count bigint) LANGUAGE plpgsql
SET jit = off SET client_min_messages = warning AS
$$
DECLARE
	n constant int := customers;
	root constant bigint := shop.subkey(8317, seed);
	t0 constant timestamptz := start_date::timestamp AT TIME ZONE 'UTC';
	t_end constant double precision :=
		((start_date + make_interval(months => months))::date - start_date)::double precision;
	month_from double precision[];
BEGIN
	IF n IS NULL OR n < 1 OR months IS NULL OR months < 4 OR start_date IS NULL OR seed IS NULL THEN
		RAISE EXCEPTION 'shop.generate needs at least 1 customer, 4 months, a start date and a seed';
	END IF;

	DROP TABLE IF EXISTS shop.settings, shop.channels, shop.customers, shop.latent, shop.orders,
		shop.order_lines, shop.marketing_spend;

	CREATE TABLE shop.settings AS
	SELECT customers, seed, start_date, months, t0 AS period_start,
		   (start_date + make_interval(months => months))::timestamp AT TIME ZONE 'UTC' AS period_end,
		   (start_date + t_end::int - 1) AS last_day;

	CREATE TABLE shop.channels (
		channel text PRIMARY KEY,
		ord int NOT NULL,
		share double precision NOT NULL,
		launch_month int NOT NULL,
		r double precision NOT NULL,
		alpha double precision NOT NULL,
		a double precision NOT NULL,
		b double precision NOT NULL,
		p double precision NOT NULL,
		q double precision NOT NULL,
		gamma double precision NOT NULL,
		refund_rate double precision NOT NULL,
		cac numeric(8,2) NOT NULL,
		spend_noise double precision NOT NULL,
		monthly_fee numeric(10,2) NOT NULL);
	INSERT INTO shop.channels VALUES
		-- organic buyers follow the published CDNOW estimates (BG/NBD and Gamma-Gamma)
		('organic',  1, 0.35, 0, 0.243, 4.414, 0.793, 2.426, 6.25, 3.74, 15.44, 0.04,  0.00, 0,     0.00),
		('search',   2, 0.30, 0, 0.30,  5.0,   0.90,  2.20,  6.0,  4.0,  17.0,  0.05, 42.00, 0.20,  0.00),
		('social',   3, 0.15, 3, 0.20,  5.0,   1.20,  1.80,  5.0,  3.5,  14.0,  0.08, 28.00, 0.25,  0.00),
		('referral', 4, 0.10, 0, 0.50,  5.5,   0.60,  3.50,  6.5,  4.5,  22.0,  0.03, 15.00, 0,     0.00),
		('email',    5, 0.10, 0, 0.40,  4.0,   0.70,  2.80,  6.0,  4.0,  15.0,  0.05,  4.00, 0.10, 600.00);

	-- months: acquisition weight (3 % growth a month, a peak in November
	-- and December), the cumulative share of the weight before the month,
	-- and the lower bounds of the channels' cumulative shares among the
	-- channels launched by then
	CREATE TEMP TABLE shop_months AS
	WITH m AS (
		SELECT g AS m, (start_date + make_interval(months => g))::date AS m_start,
			   (start_date + make_interval(months => g + 1))::date AS m_next,
			   power(1.03, g) * (1 + 0.35 * cos(2 * pi() * (extract(month FROM start_date + make_interval(months => g)) - 11.5) / 12)) AS w
		FROM generate_series(0, months - 1) AS g
	)
	SELECT m.m, m.m_start, (m.m_start - start_date)::double precision AS day_from,
		   (m.m_next - m.m_start)::double precision AS days,
		   (sum(w) OVER (ORDER BY m.m) - w) / sum(w) OVER () AS cum_from,
		   w / sum(w) OVER () AS width,
		   (SELECT array_agg(c.lower ORDER BY c.ord) FROM (
				SELECT ord, coalesce(sum(share) OVER (ORDER BY ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
							/ sum(share) OVER () AS lower
				FROM shop.channels WHERE launch_month <= m.m) AS c) AS chan_lower,
		   (SELECT array_agg(channel ORDER BY ord) FROM shop.channels WHERE launch_month <= m.m) AS chan_name
	FROM m;
	SELECT array_agg(cum_from ORDER BY m) INTO month_from FROM shop_months;

	-- customers and their latent draws.  Customer i sits at quantile
	-- (i - 1 + u) / n of the cumulative acquisition weight, so that
	-- customer_id order is time order.
	CREATE TEMP TABLE shop_c AS
	WITH pos AS MATERIALIZED (
		SELECT i::bigint AS customer_id, shop.subkey(root, i) AS key
		FROM generate_series(1, n) AS i
	), placed AS MATERIALIZED (
		SELECT pos.customer_id, pos.key, m.m, m.day_from + (x.x - m.cum_from) / m.width * m.days AS t,
			   m.chan_name[width_bucket(shop.uniform(pos.key, 2), m.chan_lower)] AS channel,
			   shop.normal(shop.subkey(pos.key, 3), 3) AS z_lambda,
			   shop.normal(shop.subkey(pos.key, 4), 3) AS z_beta_x,
			   shop.normal(shop.subkey(pos.key, 5), 3) AS z_beta_y,
			   shop.normal(shop.subkey(pos.key, 6), 3) AS z_nu
		FROM pos
		CROSS JOIN LATERAL (SELECT (pos.customer_id - 1 + shop.uniform(pos.key, 1)) / n AS x) AS x
		JOIN shop_months AS m ON m.m = width_bucket(x.x, month_from) - 1
	), drawn AS MATERIALIZED (
		SELECT placed.customer_id, placed.key, placed.m, placed.t, placed.channel,
			   ch.p AS spend_shape, ch.refund_rate,
			   shop.gamma_z(ch.r, shop.subkey(placed.key, 3), z_lambda) / ch.alpha AS lambda,
			   shop.gamma_z(ch.a, shop.subkey(placed.key, 4), z_beta_x) AS beta_x,
			   shop.gamma_z(ch.b, shop.subkey(placed.key, 5), z_beta_y) AS beta_y,
			   shop.gamma_z(ch.q, shop.subkey(placed.key, 6), z_nu) / ch.gamma AS nu
		FROM placed JOIN shop.channels AS ch USING (channel)
	)
	SELECT customer_id, key, m, least(t, t_end) AS t, channel, spend_shape, refund_rate,
		   lambda, dropout_p, nu,
		   -- the number of repeat purchases after which the customer drops
		   -- out: geometric on 1, 2, ...
		   CASE WHEN dropout_p < 1e-12 THEN 2147483647
				ELSE least(ceil(ln(shop.uniform(key, 7)) / ln(1 - dropout_p)), 2147483647)
		   END::int AS max_repeats
	FROM (SELECT drawn.*, beta_x / (beta_x + beta_y) AS dropout_p FROM drawn) AS d;
	ANALYZE shop_c;

	-- purchases (k = 0 the first order at t, k >= 1 the repeat purchases):
	-- Poisson with rate lambda per week until max_repeats repeat purchases
	-- or the end of the period.  Purchase k has the key okey = subkey(key,
	-- 1000 + k): the gap before it is Exp(lambda) from uniform(okey, 1), its
	-- amount Gamma(spend_shape, nu) from subkey(okey, 2), its lines and its
	-- refund use the uniforms 30 .. 99 of okey.
	CREATE TEMP TABLE shop_purchases AS
	WITH RECURSIVE pur AS (
		SELECT customer_id, key, 0 AS k, t, max_repeats, lambda, nu, spend_shape, refund_rate,
			   t - 7 * ln(shop.uniform(shop.subkey(key, 1001), 1)) / lambda AS t_next
		FROM shop_c
	  UNION ALL
		SELECT customer_id, key, k + 1, t_next, max_repeats, lambda, nu, spend_shape, refund_rate,
			   t_next - 7 * ln(shop.uniform(shop.subkey(key, 1002 + k), 1)) / lambda
		FROM pur
		WHERE k < max_repeats AND t_next < t_end
	)
	SELECT customer_id, k, t, okey, refund_rate,
		   round((shop.gamma_z(spend_shape, shop.subkey(okey, 2), z_spend) / nu)::numeric, 2) AS amount
	FROM (SELECT pur.*, o.okey, shop.normal(shop.subkey(o.okey, 2), 3) AS z_spend
		  FROM pur CROSS JOIN LATERAL (SELECT shop.subkey(pur.key, 1000 + pur.k) AS okey) AS o
		  OFFSET 0) AS p;
	ANALYZE shop_purchases;

	-- every row of shop.orders: orders (kind 1), guest orders (kind 2),
	-- refunds (kind 3, k = the refunded purchase); order_id in time order
	-- (ties: orders before guest orders before refunds, then by customer
	-- and purchase)
	CREATE TEMP TABLE shop_numbered AS
	SELECT row_number() OVER (ORDER BY ordered_at, kind, customer_id, k) AS order_id, *
	FROM (
		SELECT customer_id, kind, k, okey, amount, t0 + make_interval(secs => floor(t * 86400)) AS ordered_at
		FROM (
			SELECT customer_id, 1 AS kind, k, t, okey, amount
			FROM shop_purchases
		  UNION ALL
			SELECT NULL, 2, g, t_end * shop.uniform(gk, 1), gk,
				   CASE WHEN shop.uniform(gk, 2) >= 0.1
						THEN round((20 * shop.gamma_z(2, shop.subkey(gk, 3), z))::numeric, 2) END
			FROM (SELECT g, gk, shop.normal(shop.subkey(gk, 3), 3) AS z
				  FROM generate_series(1, ceil(n * 0.04)::int) AS g,
					   LATERAL (SELECT shop.subkey(shop.subkey(root, 0), g) AS gk) AS k
				  OFFSET 0) AS guests
		  UNION ALL
			-- a refund: of the last line (half the orders with several
			-- lines) or of the whole order, 0.5 + Exp(mean 6) days later
			SELECT customer_id, 3, k, t_ref, okey,
				   -CASE WHEN nl >= 2 AND shop.uniform(okey, 31) < 0.5
						 THEN (cents - shop.line_cents_upto(okey, nl, nl - 1, cents)) / 100.0
						 ELSE amount END
			FROM (SELECT customer_id, k, okey, amount, round(amount * 100)::bigint AS cents,
						 t + 0.5 - 6 * ln(shop.uniform(okey, 30)) AS t_ref, shop.line_count(okey) AS nl
				  FROM shop_purchases
				  WHERE shop.uniform(okey, 32) < refund_rate AND amount > 0
				  OFFSET 0) AS r
			WHERE t_ref < t_end
		) AS tx
	) AS tx;
	ANALYZE shop_numbered;

	-- refund_of: the refunds (few) are matched to their orders by hash
	CREATE TABLE shop.orders AS
	SELECT o.order_id, o.customer_id, o.ordered_at, o.amount::numeric(12,2) AS amount, m.refund_of
	FROM shop_numbered AS o
	LEFT JOIN (SELECT r.order_id AS refund_id, p.order_id AS refund_of
			   FROM shop_numbered AS r
			   JOIN shop_numbered AS p ON p.customer_id = r.customer_id AND p.k = r.k AND p.kind = 1
			   WHERE r.kind = 3) AS m
	  ON m.refund_id = o.order_id;
	ALTER TABLE shop.orders ADD PRIMARY KEY (order_id);

	CREATE TABLE shop.order_lines AS
	SELECT o.order_id, l AS line_no,
		   CASE WHEN shop.uniform(o.okey, 90 + l) >= 0.01 THEN
				(ARRAY['books', 'music', 'games', 'home', 'garden'])[
					width_bucket(shop.uniform(o.okey, 70 + l), ARRAY[0, 0.30, 0.55, 0.70, 0.90]::double precision[])]
		   END AS category,
		   least(10, 1 + floor(ln(shop.uniform(o.okey, 80 + l)) / ln(0.3)))::int AS quantity,
		   ((shop.line_cents_upto(o.okey, o.nl, l, o.cents)
			 - shop.line_cents_upto(o.okey, o.nl, l - 1, o.cents)) / 100.0)::numeric(12,2) AS amount
	FROM (SELECT order_id, okey, shop.line_count(okey) AS nl, round(amount * 100)::bigint AS cents
		  FROM shop_numbered
		  WHERE kind <> 3 AND amount IS NOT NULL
		  OFFSET 0) AS o
	CROSS JOIN LATERAL generate_series(1, o.nl) AS l;
	ALTER TABLE shop.order_lines ADD PRIMARY KEY (order_id, line_no);

	-- referrals: 40 % of the referral customers (from the second on) were
	-- referred by an earlier referral customer, the others by any earlier
	-- customer
	CREATE TABLE shop.customers AS
	WITH ref AS MATERIALIZED (
		SELECT customer_id, key, row_number() OVER (ORDER BY customer_id) AS rrank
		FROM shop_c
		WHERE channel = 'referral'
	), pick AS (
		SELECT customer_id, rrank,
			   CASE WHEN rrank >= 2 AND shop.uniform(key, 8) < 0.4
					THEN 1 + floor(shop.uniform(key, 9) * (rrank - 1))::bigint END AS referrer_rank,
			   CASE WHEN customer_id >= 2
					THEN 1 + floor(shop.uniform(key, 9) * (customer_id - 1))::bigint END AS referrer_any
		FROM ref
	)
	SELECT c.customer_id, t0 + make_interval(secs => floor(c.t * 86400)) AS first_order_at, c.channel,
		   coalesce(r.customer_id, pick.referrer_any) AS referred_by
	FROM shop_c AS c
	LEFT JOIN pick USING (customer_id)
	LEFT JOIN ref AS r ON r.rrank = pick.referrer_rank;
	ALTER TABLE shop.customers ADD PRIMARY KEY (customer_id);

	CREATE TABLE shop.latent AS
	SELECT c.customer_id, c.lambda, c.dropout_p, c.nu, c.max_repeats,
		   t0 + make_interval(secs => floor(p.t * 86400)) AS dropped_at
	FROM shop_c AS c
	LEFT JOIN shop_purchases AS p ON p.customer_id = c.customer_id AND p.k = c.max_repeats;
	ALTER TABLE shop.latent ADD PRIMARY KEY (customer_id);

	-- marketing spend: cac x new customers x (1 +- spend_noise) + monthly_fee
	-- from the launch month on; half the launch month's variable spend in
	-- the month before it (a test campaign that brings nobody); organic 0
	CREATE TABLE shop.marketing_spend AS
	WITH counts AS (
		SELECT m, channel, count(*) AS new_customers FROM shop_c GROUP BY m, channel
	), acquired AS (
		SELECT m.m, m.m_start, ch.channel, ch.ord, ch.launch_month, ch.cac, ch.spend_noise, ch.monthly_fee,
			   coalesce(n.new_customers, 0) AS new_customers,
			   coalesce(l.new_customers, 0) AS launch_customers
		FROM shop_months AS m
		CROSS JOIN shop.channels AS ch
		LEFT JOIN counts AS n ON n.m = m.m AND n.channel = ch.channel
		LEFT JOIN counts AS l ON l.m = ch.launch_month AND l.channel = ch.channel
	)
	SELECT m_start AS month, channel,
		   CASE WHEN m < launch_month - 1 THEN 0
				WHEN m = launch_month - 1 THEN round(0.5 * cac * launch_customers, 2)
				ELSE round(cac * new_customers
						   * (1 + spend_noise * (2 * shop.uniform(shop.subkey(root, -1 - m), ord) - 1))::numeric
						   + monthly_fee, 2)
		   END::numeric(12,2) AS spend
	FROM acquired
	ORDER BY month, ord;
	ALTER TABLE shop.marketing_spend ADD PRIMARY KEY (month, channel);

	ANALYZE shop.settings, shop.channels, shop.customers, shop.latent, shop.orders, shop.order_lines, shop.marketing_spend;
	DROP TABLE shop_months, shop_c, shop_purchases, shop_numbered;

	RETURN QUERY
		SELECT 'shop.settings', count(*) FROM shop.settings UNION ALL
		SELECT 'shop.channels', count(*) FROM shop.channels UNION ALL
		SELECT 'shop.customers', count(*) FROM shop.customers UNION ALL
		SELECT 'shop.latent', count(*) FROM shop.latent UNION ALL
		SELECT 'shop.orders', count(*) FROM shop.orders UNION ALL
		SELECT 'shop.order_lines', count(*) FROM shop.order_lines UNION ALL
		SELECT 'shop.marketing_spend', count(*) FROM shop.marketing_spend;
END
$$;
