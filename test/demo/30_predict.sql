-- test/demo/30_predict.sql: predicted CLV with BG/NBD and Gamma-Gamma, one
-- model per acquisition channel, compared with the shop's hidden truth.

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' Predicted CLV: BG/NBD + Gamma-Gamma per channel, fitted in SQL'
\echo '----------------------------------------------------------------------'
\echo '1. the per-customer BTYD summary (clv_rfm) as of the last day, in weeks.'
\echo '   clv_rfm counts every row as a purchase: refunds are left out.'
\echo ''
CREATE TEMP TABLE customer_summary AS
SELECT c.channel, o.customer_id, (clv_rfm(o.ordered_at, o.amount, '2023-12-31', 'week')).*
FROM shop.orders AS o
JOIN shop.customers AS c USING (customer_id)
WHERE o.amount >= 0
GROUP BY c.channel, o.customer_id;
SELECT count(*) AS "customers",
	   count(*) FILTER (WHERE frequency > 0) AS "repeat buyers",
	   round(avg(frequency), 3) AS "mean frequency",
	   round(avg(t)::numeric, 1) AS "mean T (weeks)"
FROM customer_summary;

\echo '2. fit both models per channel: the fit functions are aggregates, so'
\echo '   GROUP BY channel gives one model per channel.  The rows "true" are'
\echo '   the parameters the shop was generated with (shop.channels):'
\echo ''
CREATE TEMP TABLE channel_models AS
SELECT channel,
	   bgnbd_fit(frequency, recency, t) AS purchases,
	   gamma_gamma_fit(frequency, monetary_value) AS spend
FROM customer_summary
GROUP BY channel;
SELECT ch.channel AS "channel", v.source AS "parameters",
	   round(v.r::numeric, 3) AS "r", round(v.alpha::numeric, 2) AS "alpha",
	   round(v.a::numeric, 3) AS "a", round(v.b::numeric, 3) AS "b",
	   round(v.p::numeric, 2) AS "p", round(v.q::numeric, 2) AS "q", round(v.v::numeric, 2) AS "v",
	   v.converged AS "converged"
FROM shop.channels AS ch
JOIN channel_models AS m USING (channel)
CROSS JOIN LATERAL (VALUES
	(1, 'fitted', (m.purchases).r, (m.purchases).alpha, (m.purchases).a, (m.purchases).b,
	 (m.spend).p, (m.spend).q, (m.spend).v, (m.purchases).converged AND (m.spend).converged),
	(2, 'true', ch.r, ch.alpha, ch.a, ch.b, ch.p, ch.q, ch.gamma, NULL)
) AS v(n, source, r, alpha, a, b, p, q, v, converged)
ORDER BY ch.ord, v.n;

\echo '3. P(alive) against the truth: customers grouped by the probability'
\echo '   that they are still active; shop.latent knows who really is (no'
\echo '   real shop does).  A calibrated model has the two columns close:'
\echo ''
CREATE TEMP TABLE customer_scores AS
SELECT s.customer_id, s.channel, s.frequency, s.recency, s.t, s.monetary_value,
	   bgnbd_p_alive(m.purchases, s.frequency, s.recency, s.t) AS p_alive,
	   clv_predict(m.purchases, m.spend, s.frequency, s.recency, s.t, s.monetary_value,
				   12, 0.01, 'week') AS clv_12m
FROM customer_summary AS s
JOIN channel_models AS m USING (channel);
SELECT (0.2 * k) || ' - ' || (0.2 * (k + 1)) AS "P(alive)",
	   count(*) AS "customers",
	   round(100 * avg(p_alive)::numeric, 1) AS "mean P(alive) (%)",
	   round(100 * avg((l.dropped_at IS NULL)::int), 1) AS "really active (%)"
FROM customer_scores AS s
JOIN shop.latent AS l USING (customer_id)
CROSS JOIN LATERAL (SELECT least(floor(s.p_alive * 5), 4)::int AS k) AS b
GROUP BY k
ORDER BY k;

\echo '4. predicted 12-month CLV (1 % monthly discount) per channel, against'
\echo '   its expectation given each customer''s hidden purchase rate, dropout'
\echo '   probability, spend and state (the process of test/shop/shop.sql):'
\echo '   true = [active] x p_spend / nu x sum over months i = 1..12 of'
\echo '          (exp(-lambda p (i-1) L) - exp(-lambda p i L)) / p / 1.01^i,'
\echo '   L = 4.345 weeks.'
\echo ''
SELECT ch.channel AS "channel", count(*) AS "customers",
	   round(avg(s.clv_12m)::numeric, 2) AS "predicted ($/customer)",
	   round(avg(CASE WHEN l.dropped_at IS NULL THEN
					 ch.p / l.nu * (SELECT sum((exp(-l.lambda * l.dropout_p * (i - 1) * 4.345)
												- exp(-l.lambda * l.dropout_p * i * 4.345))
											   / l.dropout_p / 1.01 ^ i)
									FROM generate_series(1, 12) AS i)
				 ELSE 0 END)::numeric, 2) AS "true expectation ($/customer)"
FROM customer_scores AS s
JOIN shop.latent AS l USING (customer_id)
JOIN shop.channels AS ch USING (channel)
GROUP BY ch.channel, ch.ord
ORDER BY ch.ord;

\echo '5. the five most valuable customers over the next 12 months:'
\echo ''
SELECT customer_id AS "customer", channel AS "channel", frequency AS "repeat purchases",
	   round(recency::numeric, 1) AS "recency (w)", round(t::numeric, 1) AS "T (w)",
	   round(monetary_value, 2) AS "mean spend ($)",
	   round(p_alive::numeric, 3) AS "P(alive)",
	   round(clv_12m::numeric, 2) AS "12-month CLV ($)"
FROM customer_scores
ORDER BY clv_12m DESC, customer_id
LIMIT 5;
