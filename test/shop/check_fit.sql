-- test/shop/check_fit.sql: clv's model fits recover the shop's true parameters.
--
--   \i test/shop/shop.sql
--   SELECT * FROM shop.generate(25000);
--   \i test/shop/check_fit.sql          -- needs CREATE EXTENSION clv
--
-- For each acquisition channel, fits BG/NBD (bgnbd_fit) and Gamma-Gamma
-- (gamma_gamma_fit) on the channel's customers and compares them with the
-- parameters that generated the data (shop.channels) by a likelihood-ratio
-- test: LR = 2 (LL at the fit - LL at the true parameters) is >= 0 (the fit
-- is the maximum) and, the data coming from the model, approximately
-- chi-square with 4 (BG/NBD) or 3 (Gamma-Gamma) degrees of freedom: it must
-- stay below the 99.99 % points, 23.51 and 21.11.  The log-likelihoods are
-- computed here in plain SQL from the formulas of the papers, over a
-- per-customer summary also made here in plain SQL (not with clv_rfm), and
-- must equal clv's log_likelihood at the fitted parameters to 1e-6.
--
-- Summary (Fader, Hardie & Lee 2005; lifetimes' daily summary in weeks):
-- purchase days = the distinct UTC dates of a customer's orders (amount >= 0;
-- same-day orders are one purchase, their amounts summed); x = purchase
-- days - 1, t_x = (last - first purchase day) / 7, T = (last day of the
-- period - first purchase day) / 7, m = mean amount of the purchase days
-- after the first (customers with x > 0 only, for Gamma-Gamma).
-- BG/NBD (FHL 2005, eq. 6):
--   LL = ln[Gamma(r + x) / Gamma(r)] + r ln alpha + ln[B(a, b + x) / B(a, b)]
--		  + ln[(alpha + T)^-(r + x) + [x > 0] a / (b + x - 1) (alpha + t_x)^-(r + x)]
--   with Gamma(r + x) / Gamma(r) = prod_{j < x} (r + j) and
--   B(a, b + x) / B(a, b) = prod_{j < x} (b + j) / (a + b + j).
-- Gamma-Gamma (Fader, Hardie & Lee 2005, JMR, the density of the mean of x
-- transactions):
--   LL = lnGamma(p x + q) - lnGamma(p x) - lnGamma(q) + q ln gamma
--		  + (p x - 1) ln m + p x ln x - (p x + q) ln(gamma + m x)
--   with lnGamma from Stirling's series after shifting the argument to >= 10
--   (error below 1e-12).

SET TimeZone = 'UTC';
SET client_min_messages = warning;

CREATE TEMP TABLE shop_fit_days AS
SELECT c.channel, o.customer_id, o.ordered_at::date AS day, sum(o.amount) AS amount,
	   row_number() OVER (PARTITION BY o.customer_id ORDER BY o.ordered_at::date) AS nth
FROM shop.orders AS o JOIN shop.customers AS c USING (customer_id)
WHERE o.amount >= 0
GROUP BY c.channel, o.customer_id, o.ordered_at::date;

CREATE TEMP TABLE shop_fit_summary AS
SELECT d.channel, d.customer_id, (count(*) - 1)::int AS x,
	   (max(d.day) - min(d.day)) / 7.0::double precision AS t_x,
	   (s.last_day - min(d.day)) / 7.0::double precision AS t_cal,
	   (sum(d.amount) FILTER (WHERE d.nth > 1) / nullif(count(*) - 1, 0))::double precision AS m
FROM shop_fit_days AS d CROSS JOIN shop.settings AS s
GROUP BY d.channel, d.customer_id, s.last_day;

CREATE FUNCTION pg_temp.bgnbd_ll(r float8, alpha float8, a float8, b float8, x int, t_x float8, t_cal float8)
RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$
SELECT coalesce((SELECT sum(ln(r + j) + ln((b + j) / (a + b + j))) FROM generate_series(0, x - 1) AS j), 0)
	   + r * ln(alpha) - (r + x) * ln(alpha + t_x)
	   + ln(((alpha + t_x) / (alpha + t_cal)) ^ (r + x) + CASE WHEN x > 0 THEN a / (b + x - 1) ELSE 0 END)
$$;

CREATE FUNCTION pg_temp.lgamma(z float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$
SELECT (w - 0.5) * ln(w) - w + 0.5 * ln(2 * pi())
	   + 1 / (12 * w) - 1 / (360 * w ^ 3) + 1 / (1260 * w ^ 5) - 1 / (1680 * w ^ 7)
	   - (SELECT sum(ln(z + j)) FROM generate_series(0, 9) AS j)
FROM (SELECT z + 10 AS w) AS s
$$;

CREATE FUNCTION pg_temp.gg_ll(p float8, q float8, g float8, x int, m float8)
RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$
SELECT pg_temp.lgamma(p * x + q) - pg_temp.lgamma(p * x) - pg_temp.lgamma(q) + q * ln(g)
	   + (p * x - 1) * ln(m) + p * x * ln(x) - (p * x + q) * ln(g + m * x)
$$;

WITH fit AS (
	SELECT channel, bgnbd_fit(x, t_x, t_cal) AS bg,
		   gamma_gamma_fit(x, m::numeric) FILTER (WHERE x > 0) AS gg
	FROM shop_fit_summary
	GROUP BY channel
), ll AS (
	SELECT s.channel, ch.ord, min((f.bg).log_likelihood) AS bg_clv, min((f.gg).log_likelihood) AS gg_clv,
		   bool_and((f.bg).converged AND (f.gg).converged) AS converged,
		   sum(pg_temp.bgnbd_ll(ch.r, ch.alpha, ch.a, ch.b, s.x, s.t_x, s.t_cal)) AS bg_true,
		   sum(pg_temp.bgnbd_ll((f.bg).r, (f.bg).alpha, (f.bg).a, (f.bg).b, s.x, s.t_x, s.t_cal)) AS bg_fit,
		   sum(pg_temp.gg_ll(ch.p, ch.q, ch.gamma, s.x, s.m)) FILTER (WHERE s.x > 0) AS gg_true,
		   sum(pg_temp.gg_ll((f.gg).p, (f.gg).q, (f.gg).v, s.x, s.m)) FILTER (WHERE s.x > 0) AS gg_fit
	FROM shop_fit_summary AS s
	JOIN shop.channels AS ch USING (channel)
	JOIN fit AS f USING (channel)
	GROUP BY s.channel, ch.ord
)
SELECT channel, converged,
	   round((2 * (bg_clv - bg_true))::numeric, 2) AS "BG/NBD LR",
	   2 * (bg_clv - bg_true) BETWEEN -1e-6 AND 23.51 AS bg_ok,
	   abs(bg_fit - bg_clv) < 1e-6 AS bg_ll_same,
	   round((2 * (gg_clv - gg_true))::numeric, 2) AS "Gamma-Gamma LR",
	   2 * (gg_clv - gg_true) BETWEEN -1e-6 AND 21.11 AS gg_ok,
	   abs(gg_fit - gg_clv) < 1e-6 AS gg_ll_same
FROM ll
ORDER BY ord;

DROP TABLE shop_fit_days, shop_fit_summary;
