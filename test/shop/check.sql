-- test/shop/check.sql: checks the synthetic shop against its definition.
--
--   \i test/shop/shop.sql
--   SELECT * FROM shop.generate(25000);
--   \i test/shop/check.sql
--
-- Plain SQL, no extension: every figure is recomputed from the tables and
-- compared with what the generating process documented in
-- test/shop/shop.sql implies.  Prints one row per check (observed,
-- expected, allowed deviation, ok) and leaves them in the temporary table
-- shop_check.  Statistical checks allow 4 standard errors (the standard
-- error of the mean of the per-customer or per-order residuals, or the
-- binomial one), so a correct generator fails one of the ~40 checks
-- with a probability of about 0.3 %; with a fixed seed the outcome is
-- fixed.  Exact checks (structure, sums) allow 0.

SET TimeZone = 'UTC';
SET client_min_messages = warning;
DROP TABLE IF EXISTS pg_temp.shop_check;
CREATE TEMP TABLE shop_check (
	n serial,
	what text NOT NULL,
	observed double precision,
	expected double precision,
	allowed double precision,
	ok boolean GENERATED ALWAYS AS (coalesce(abs(observed - expected) <= allowed, false)) STORED
);

-- the per-customer view of the process: latent draws, the weeks observed
-- (T), repeat purchases made (x) and whether the customer dropped out
CREATE TEMP TABLE shop_check_c AS
SELECT c.customer_id, c.channel, c.first_order_at, l.lambda, l.dropout_p AS p, l.nu, l.max_repeats,
	   l.dropped_at IS NOT NULL AS dropped,
	   extract(epoch FROM s.period_end - c.first_order_at) / (7 * 86400) AS t_weeks,
	   coalesce(n.orders, 0) - 1 AS x,
	   ch.r, ch.alpha, ch.a, ch.b, ch.p AS spend_p, ch.q, ch.gamma
FROM shop.customers AS c
JOIN shop.latent AS l USING (customer_id)
JOIN shop.channels AS ch USING (channel)
LEFT JOIN (SELECT customer_id, count(*) AS orders FROM shop.orders
		   WHERE amount >= 0 GROUP BY customer_id) AS n USING (customer_id)
CROSS JOIN shop.settings AS s;

-- ---- structure (exact) ----
INSERT INTO shop_check (what, observed, expected, allowed)
SELECT 'customer ids are 1..customers', count(*) FILTER (WHERE customer_id BETWEEN 1 AND s.customers), s.customers, 0
FROM shop.customers CROSS JOIN shop.settings AS s GROUP BY s.customers
UNION ALL
SELECT 'customer_id order is first-order time order',
	   count(*) FILTER (WHERE first_order_at < prev), 0, 0
FROM (SELECT first_order_at, lag(first_order_at) OVER (ORDER BY customer_id) AS prev FROM shop.customers) AS t
UNION ALL
SELECT 'every customer''s first order is at first_order_at',
	   count(*) FILTER (WHERE o.first_at IS DISTINCT FROM c.first_order_at), 0, 0
FROM shop.customers AS c
LEFT JOIN (SELECT customer_id, min(ordered_at) AS first_at FROM shop.orders
		   WHERE amount >= 0 GROUP BY customer_id) AS o USING (customer_id)
UNION ALL
SELECT 'all rows inside the observation period',
	   count(*) FILTER (WHERE o.ordered_at < s.period_start OR o.ordered_at >= s.period_end), 0, 0
FROM shop.orders AS o CROSS JOIN shop.settings AS s
UNION ALL
SELECT 'order_id order is time order',
	   count(*) FILTER (WHERE ordered_at < prev), 0, 0
FROM (SELECT ordered_at, lag(ordered_at) OVER (ORDER BY order_id) AS prev FROM shop.orders) AS t
UNION ALL
SELECT 'order lines add up to the order amount (orders with lines)',
	   count(*) FILTER (WHERE l.total IS DISTINCT FROM o.amount), 0, 0
FROM shop.orders AS o
LEFT JOIN (SELECT order_id, sum(amount) AS total FROM shop.order_lines GROUP BY order_id) AS l USING (order_id)
WHERE o.amount >= 0
UNION ALL
SELECT 'refunds and NULL amounts have no lines',
	   count(*), 0, 0
FROM shop.order_lines AS l JOIN shop.orders AS o USING (order_id)
WHERE o.amount < 0 OR o.amount IS NULL
UNION ALL
SELECT 'lines per order within 1..6',
	   count(*) FILTER (WHERE nl NOT BETWEEN 1 AND 6 OR max_no <> nl), 0, 0
FROM (SELECT order_id, count(*) AS nl, max(line_no) AS max_no FROM shop.order_lines GROUP BY order_id) AS t
UNION ALL
SELECT 'refunds: later than, same customer as, and at most the refunded order',
	   count(*) FILTER (WHERE o.order_id IS NULL OR o.customer_id IS DISTINCT FROM r.customer_id
							OR o.ordered_at >= r.ordered_at OR o.amount < 0 OR -r.amount > o.amount
							OR r.amount >= 0), 0, 0
FROM shop.orders AS r
LEFT JOIN shop.orders AS o ON o.order_id = r.refund_of
WHERE r.refund_of IS NOT NULL OR r.amount < 0
UNION ALL
SELECT 'at most one refund per order', count(*) - count(DISTINCT refund_of), 0, 0
FROM shop.orders WHERE refund_of IS NOT NULL
UNION ALL
SELECT 'guest orders (customer_id NULL): 4 per 100 customers',
	   count(*) FILTER (WHERE customer_id IS NULL), ceil(s.customers * 0.04), 0
FROM shop.orders CROSS JOIN shop.settings AS s GROUP BY s.customers
UNION ALL
SELECT 'NULL amounts only on guest orders', count(*), 0, 0
FROM shop.orders WHERE amount IS NULL AND customer_id IS NOT NULL
UNION ALL
SELECT 'referred_by exactly on referral customers (from customer 2 on)',
	   count(*) FILTER (WHERE (referred_by IS NOT NULL) <> (channel = 'referral' AND customer_id >= 2)), 0, 0
FROM shop.customers
UNION ALL
SELECT 'referrers are earlier customers', count(*) FILTER (WHERE referred_by >= customer_id), 0, 0
FROM shop.customers
UNION ALL
SELECT 'marketing_spend has every month x channel',
	   count(*), (SELECT months * (SELECT count(*) FROM shop.channels) FROM shop.settings), 0
FROM shop.marketing_spend
UNION ALL
SELECT 'organic spend is 0', count(*) FILTER (WHERE spend <> 0), 0, 0
FROM shop.marketing_spend WHERE channel = 'organic';

-- social: nothing before its launch month, a test campaign the month
-- before it (spend, no new customer), spend and customers from then on
INSERT INTO shop_check (what, observed, expected, allowed)
WITH m AS (
	SELECT ms.month, ms.spend,
		   (extract(year FROM age(ms.month, s.start_date)) * 12 + extract(month FROM age(ms.month, s.start_date)))::int AS m,
		   coalesce(c.new_customers, 0) AS new_customers
	FROM shop.marketing_spend AS ms
	CROSS JOIN shop.settings AS s
	LEFT JOIN (SELECT date_trunc('month', first_order_at) AS month, count(*) AS new_customers
			   FROM shop.customers WHERE channel = 'social' GROUP BY 1) AS c ON c.month = ms.month
	WHERE ms.channel = 'social'
)
SELECT 'social: months with spend but no new customer', count(*) FILTER (WHERE spend > 0 AND new_customers = 0), 1, 0
FROM m
UNION ALL
SELECT 'social: no spend and no customer before the test month',
	   count(*) FILTER (WHERE m < ch.launch_month - 1 AND (spend <> 0 OR new_customers <> 0)), 0, 0
FROM m CROSS JOIN shop.channels AS ch WHERE ch.channel = 'social'
UNION ALL
SELECT 'social: spend and new customers in every month from the launch',
	   count(*) FILTER (WHERE m >= ch.launch_month AND (spend <= 0 OR new_customers = 0)), 0, 0
FROM m CROSS JOIN shop.channels AS ch WHERE ch.channel = 'social';

-- the referral tree has chains: its depth (1 = referred by a customer who
-- was not referred)
INSERT INTO shop_check (what, observed, expected, allowed)
WITH RECURSIVE chain AS (
	SELECT customer_id, 1 AS depth FROM shop.customers
	WHERE referred_by IS NOT NULL
	  AND referred_by IN (SELECT customer_id FROM shop.customers WHERE referred_by IS NULL)
  UNION ALL
	SELECT c.customer_id, chain.depth + 1
	FROM shop.customers AS c JOIN chain ON c.referred_by = chain.customer_id
)
SELECT 'referral chains of length >= 3 exist (A refers B refers C)',
	   least(max(depth), 3), 3, 0
FROM chain;

-- ---- acquisition ----
-- customer i sits at quantile (i - 1 + u) / n of the monthly weights
-- w_m = 1.03^m (1 + 0.35 cos(2 pi (month of year - 11.5) / 12)), so each
-- month gets its share of customers to within 2 (the customers whose
-- strata [(i - 1) / n, i / n) lie inside the month's share, plus or minus
-- the two strata cut by its boundaries)
INSERT INTO shop_check (what, observed, expected, allowed)
WITH w AS (
	SELECT g AS m, (s.start_date + make_interval(months => g))::date AS m_start,
		   power(1.03, g) * (1 + 0.35 * cos(2 * pi() * (extract(month FROM s.start_date + make_interval(months => g)) - 11.5) / 12)) AS w,
		   s.customers
	FROM shop.settings AS s, generate_series(0, s.months - 1) AS g
), got AS (
	SELECT w.m, w.customers * w.w / sum(w.w) OVER () AS expected,
		   coalesce(c.observed, 0) AS observed
	FROM w
	LEFT JOIN (SELECT date_trunc('month', first_order_at)::date AS m_start, count(*) AS observed
			   FROM shop.customers GROUP BY 1) AS c USING (m_start)
)
SELECT 'customers per month: largest deviation from n x weight share',
	   max(abs(observed - expected)), 0, 2
FROM got;

-- channel shares among the customers of the months when all are launched
-- (binomial standard error)
INSERT INTO shop_check (what, observed, expected, allowed)
WITH late AS (
	SELECT c.channel FROM shop.customers AS c CROSS JOIN shop.settings AS s
	WHERE c.first_order_at >= s.start_date + make_interval(months => (SELECT max(launch_month) FROM shop.channels))
), tot AS (SELECT count(*) AS n FROM late)
SELECT 'share of ' || ch.channel || ' among new customers once all channels run',
	   (SELECT count(*) FROM late WHERE late.channel = ch.channel)::double precision / tot.n,
	   ch.share / sum(ch.share) OVER (),
	   4 * sqrt(ch.share / sum(ch.share) OVER () * (1 - ch.share / sum(ch.share) OVER ()) / tot.n)
FROM shop.channels AS ch CROSS JOIN tot
ORDER BY ch.ord;

-- ---- the latent draws, per channel ----
-- lambda ~ Gamma(r, alpha): mean r / alpha, variance r / alpha^2, whose
-- sample variance has the standard error sigma^2 sqrt((2 + 6 / r) / n)
-- (excess kurtosis of a gamma: 6 / shape); p ~ Beta(a, b): mean a / (a + b),
-- variance a b / ((a + b)^2 (a + b + 1)); nu ~ Gamma(q, gamma): mean q / gamma
INSERT INTO shop_check (what, observed, expected, allowed)
SELECT what, observed, expected, allowed
FROM (
	SELECT ch.ord, 1 AS k, ch.channel || ': mean lambda = r / alpha' AS what,
		   avg(c.lambda) AS observed, ch.r / ch.alpha AS expected,
		   4 * sqrt(ch.r / ch.alpha ^ 2 / count(*)) AS allowed
	FROM shop_check_c AS c JOIN shop.channels AS ch USING (channel) GROUP BY ch.channel, ch.ord, ch.r, ch.alpha
	UNION ALL
	SELECT ch.ord, 2, ch.channel || ': variance of lambda = r / alpha^2',
		   var_samp(c.lambda), ch.r / ch.alpha ^ 2, 4 * ch.r / ch.alpha ^ 2 * sqrt((2 + 6 / ch.r) / count(*))
	FROM shop_check_c AS c JOIN shop.channels AS ch USING (channel) GROUP BY ch.channel, ch.ord, ch.r, ch.alpha
	UNION ALL
	SELECT ch.ord, 3, ch.channel || ': mean dropout p = a / (a + b)',
		   avg(c.p), ch.a / (ch.a + ch.b),
		   4 * sqrt(ch.a * ch.b / ((ch.a + ch.b) ^ 2 * (ch.a + ch.b + 1)) / count(*))
	FROM shop_check_c AS c JOIN shop.channels AS ch USING (channel) GROUP BY ch.channel, ch.ord, ch.a, ch.b
	UNION ALL
	SELECT ch.ord, 4, ch.channel || ': mean nu = q / gamma',
		   avg(c.nu), ch.q / ch.gamma, 4 * sqrt(ch.q / ch.gamma ^ 2 / count(*))
	FROM shop_check_c AS c JOIN shop.channels AS ch USING (channel) GROUP BY ch.channel, ch.ord, ch.q, ch.gamma
) AS t
ORDER BY k, ord;

-- ---- the realized behaviour, all customers ----
-- Given lambda and p, dropouts come at rate lambda p, so
-- P(dropped out within T weeks) = 1 - exp(-lambda p T), and
-- E[repeat purchases in T weeks] = (1 - exp(-lambda p T)) / p
-- (Fader, Hardie & Lee 2005, section 2); the number of repeat purchases
-- after which a customer drops out is geometric: P(J = 1) = p.
INSERT INTO shop_check (what, observed, expected, allowed)
SELECT 'dropouts: observed - expected share (given lambda, p, T)',
	   avg(dropped::int - (1 - exp(-lambda * p * t_weeks))), 0,
	   4 * sqrt(sum((1 - exp(-lambda * p * t_weeks)) * exp(-lambda * p * t_weeks))) / count(*)
FROM shop_check_c
UNION ALL
SELECT 'repeat purchases: mean of observed - expected (given lambda, p, T)',
	   avg(x - (1 - exp(-lambda * p * t_weeks)) / p), 0,
	   4 * stddev_samp(x - (1 - exp(-lambda * p * t_weeks)) / p) / sqrt(count(*))
FROM shop_check_c
UNION ALL
SELECT 'dropout after the first repeat purchase: share - p',
	   avg((max_repeats = 1)::int - p), 0, 4 * sqrt(sum(p * (1 - p))) / count(*)
FROM shop_check_c;

-- spend: z ~ Gamma(p, nu) per order, so s = (z nu - p) / sqrt(p) has mean 0
-- and variance 1 (the sample variance's standard error: sqrt((2 + 6 / p) / n))
INSERT INTO shop_check (what, observed, expected, allowed)
WITH s AS (
	SELECT (o.amount * c.nu - c.spend_p) / sqrt(c.spend_p) AS s, c.spend_p
	FROM shop.orders AS o JOIN shop_check_c AS c USING (customer_id)
	WHERE o.amount >= 0
)
SELECT 'order amounts: mean of (z nu - p) / sqrt(p)', avg(s), 0, 4 / sqrt(count(*)) FROM s
UNION ALL
SELECT 'order amounts: variance of (z nu - p) / sqrt(p)', var_samp(s), 1,
	   4 * sqrt((2 + 6 / min(spend_p)) / count(*)) FROM s;

-- refunds: each order is refunded with its channel's refund_rate (orders
-- of the last 60 days are left out: their refund may fall after the end)
INSERT INTO shop_check (what, observed, expected, allowed)
WITH o AS (
	SELECT c.channel, o.order_id, r.refund_of IS NOT NULL AS refunded
	FROM shop.orders AS o
	JOIN shop.customers AS c USING (customer_id)
	LEFT JOIN (SELECT DISTINCT refund_of FROM shop.orders WHERE refund_of IS NOT NULL) AS r
	  ON r.refund_of = o.order_id
	CROSS JOIN shop.settings AS s
	WHERE o.amount > 0 AND o.ordered_at < s.period_end - interval '60 days'
)
SELECT 'refunded share of orders, all channels: observed - expected',
	   avg(refunded::int - ch.refund_rate), 0, 4 * sqrt(sum(ch.refund_rate * (1 - ch.refund_rate))) / count(*)
FROM o JOIN shop.channels AS ch USING (channel);

-- lines: P(more than one line) = 0.45
INSERT INTO shop_check (what, observed, expected, allowed)
SELECT 'orders with more than one line', avg((nl > 1)::int), 0.45, 4 * sqrt(0.45 * 0.55 / count(*))
FROM (SELECT count(*) AS nl FROM shop.order_lines GROUP BY order_id) AS t;

-- ---- the random numbers themselves ----
-- uniforms: mean 1/2, variance 1/12, consecutive streams uncorrelated;
-- gamma variates: mean = variance = shape
INSERT INTO shop_check (what, observed, expected, allowed)
WITH u AS (
	SELECT shop.uniform(hashint8extended(i, 99), 1) AS u1, shop.uniform(hashint8extended(i, 99), 2) AS u2
	FROM generate_series(1, 200000) AS i
)
SELECT 'uniform: mean', avg(u1), 0.5, 4 * sqrt(1.0 / 12 / count(*)) FROM u
UNION ALL
SELECT 'uniform: variance', var_samp(u1), 1.0 / 12, 4 * sqrt(1.0 / 180 / count(*)) FROM u
UNION ALL
SELECT 'uniform: correlation of streams 1 and 2', corr(u1, u2), 0, 4 / sqrt(count(*)) FROM u;

INSERT INTO shop_check (what, observed, expected, allowed)
SELECT what, observed, expected, allowed
FROM (VALUES (0.243), (1.0), (6.25)) AS s(shape),
LATERAL (
	SELECT 'gamma(' || s.shape || '): mean' AS what, avg(g) AS observed, s.shape::double precision AS expected,
		   4 * sqrt(s.shape / count(*)) AS allowed
	FROM (SELECT shop.gamma(s.shape, hashint8extended(i, 77)) AS g FROM generate_series(1, 40000) AS i) AS g
	UNION ALL
	SELECT 'gamma(' || s.shape || '): variance', var_samp(g), s.shape,
		   4 * s.shape * sqrt((2 + 6 / s.shape) / count(*))
	FROM (SELECT shop.gamma(s.shape, hashint8extended(i, 77)) AS g FROM generate_series(1, 40000) AS i) AS g
) AS t;

SELECT n, what, round(observed::numeric, 6) AS observed, round(expected::numeric, 6) AS expected,
	   round(allowed::numeric, 6) AS allowed, ok
FROM shop_check
ORDER BY n;
DROP TABLE shop_check_c;
