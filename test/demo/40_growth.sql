-- test/demo/40_growth.sql: acquisition economics per channel
-- (clv_acquisition) and referral value (clv_referral_value) of the shop.
-- Its chart: test/demo/40_growth.sh.  A column headed "plain SQL ..." must
-- equal the column before it (stage 90_demo checks every such pair).

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' Acquisition economics: CAC, CLV:CAC and payback per channel'
\echo '----------------------------------------------------------------------'
\echo 'clv_acquisition(orders query, spend query, period, time zone, margin)'
\echo 'puts shop.marketing_spend next to the monthly cohorts of each channel:'
\echo 'per channel, cohort month and month offset the new customers, the'
\echo 'spend, CAC = spend / new customers, the cumulative gross margin per new'
\echo 'customer (30 % of net revenue), CLV:CAC and the payback month (the'
\echo 'first offset where the margin per customer reaches the CAC).  Below,'
\echo 'the cohorts of 2021-2022 (all observed for 12 months or more) pooled'
\echo 'per channel: spend-weighted, so CAC = total spend / total new customers'
\echo 'and CLV:CAC = total margin / total spend.  Organic costs nothing (CAC 0,'
\echo 'CLV:CAC undefined).  "paid back" counts the cohorts whose payback month'
\echo 'is within the first 12 months (offsets 0 .. 11):'
\echo ''
CREATE TEMP TABLE demo_acquisition AS
SELECT * FROM clv_acquisition(
	'SELECT o.customer_id, o.ordered_at, o.amount, c.channel
	 FROM shop.orders AS o JOIN shop.customers AS c USING (customer_id)',
	'SELECT month, channel, spend FROM shop.marketing_spend',
	'month', 'UTC', 0.30);

WITH pooled AS (
	SELECT channel,
		   sum(new_customers) FILTER (WHERE period_offset = 0) AS customers,
		   sum(spend) FILTER (WHERE period_offset = 0) AS spend,
		   sum(revenue) FILTER (WHERE period_offset <= 2) AS rev_3m,
		   sum(revenue) FILTER (WHERE period_offset <= 5) AS rev_6m,
		   sum(revenue) FILTER (WHERE period_offset <= 11) AS rev_12m,
		   count(*) FILTER (WHERE period_offset = 11 AND payback_offset IS NOT NULL) AS paid_back,
		   count(*) FILTER (WHERE period_offset = 0 AND new_customers > 0) AS cohorts
	FROM demo_acquisition
	WHERE cohort < '2023-01-01'
	GROUP BY channel
), plain AS (
	-- plain SQL: each customer's first order month and the revenue of
	-- their first 12 calendar months, from the raw tables
	SELECT c.channel, count(*) AS customers, sum(r.rev_12m) AS rev_12m,
		   (SELECT sum(s.spend) FROM shop.marketing_spend AS s
			WHERE s.channel = c.channel AND s.month < '2023-01-01') AS spend
	FROM shop.customers AS c
	JOIN (SELECT o.customer_id,
				 sum(o.amount) FILTER (WHERE o.ordered_at < f.first_month + interval '12 months') AS rev_12m,
				 min(f.first_month) AS first_month
		  FROM shop.orders AS o
		  JOIN (SELECT customer_id, date_trunc('month', min(ordered_at) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS first_month
				FROM shop.orders WHERE amount >= 0 AND customer_id IS NOT NULL GROUP BY customer_id) AS f USING (customer_id)
		  GROUP BY o.customer_id) AS r USING (customer_id)
	WHERE r.first_month < '2023-01-01'
	GROUP BY c.channel
)
SELECT p.channel AS "channel",
	   p.customers AS "new customers",
	   p.spend AS "spend ($)",
	   round(p.spend / p.customers, 2) AS "CAC ($)",
	   round(q.spend / q.customers, 2) AS "plain SQL ($)",
	   round(0.30 * p.rev_3m / p.customers, 2) AS "margin 3 m ($)",
	   round(0.30 * p.rev_6m / p.customers, 2) AS "6 m ($)",
	   round(0.30 * p.rev_12m / p.customers, 2) AS "12 m ($)",
	   round(0.30 * q.rev_12m / q.customers, 2) AS "plain SQL ($)",
	   round(0.30 * p.rev_12m / nullif(p.spend, 0), 2) AS "CLV:CAC 12 m",
	   p.paid_back || ' of ' || p.cohorts AS "paid back"
FROM pooled AS p
JOIN plain AS q USING (channel)
JOIN shop.channels AS ch USING (channel)
ORDER BY ch.ord;

\echo 'Per cohort, for one channel: search, the cohorts of 2022 (CLV:CAC and'
\echo 'margin per customer at 30 %; payback = month offset, - = not yet):'
\echo ''
SELECT to_char(cohort, 'YYYY-MM') AS "cohort",
	   max(new_customers) AS "new customers",
	   max(round(cac, 2)) AS "CAC ($)",
	   max(round(cumulative_margin_per_customer, 2)) FILTER (WHERE period_offset = 2) AS "margin 3 m ($)",
	   max(round(cumulative_margin_per_customer, 2)) FILTER (WHERE period_offset = 11) AS "12 m ($)",
	   max(round(clv_to_cac, 2)) FILTER (WHERE period_offset = 2) AS "CLV:CAC 3 m",
	   max(round(clv_to_cac, 2)) FILTER (WHERE period_offset = 11) AS "12 m",
	   max(round(clv_to_cac, 2)) FILTER (WHERE period_offset = 23) AS "24 m",
	   max(payback_offset) AS "payback"
FROM demo_acquisition
WHERE channel = 'search' AND cohort >= '2022-01-01' AND cohort < '2023-01-01'
GROUP BY cohort
ORDER BY cohort;

\echo ''
\echo '----------------------------------------------------------------------'
\echo ' Referral value: what customers are worth with the customers they bring'
\echo '----------------------------------------------------------------------'
\echo 'clv_referral_value(orders query, referrals query, depth) gives each'
\echo 'customer their own net revenue, the customers they referred and those'
\echo 'customers'' revenue; referral-inclusive value = own + referred.  Per'
\echo 'channel: CLV = mean own revenue; referral-inclusive CLV = mean'
\echo 'referral-inclusive value, counting direct referrals (depth 1) or the'
\echo 'whole chain (depth NULL: the customers they referred, those referred by'
\echo 'these, and so on).  Checked against plain SQL (own revenue plus the'
\echo 'revenue of the customers whose referred_by is the customer):'
\echo ''
CREATE TEMP TABLE demo_referral AS
SELECT d.customer_id, d.own_revenue, d.referred_customers, d.referral_inclusive_value,
	   w.referred_customers AS chain_customers, w.referral_inclusive_value AS chain_value
FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM shop.orders',
						'SELECT customer_id, referred_by FROM shop.customers') AS d
JOIN clv_referral_value('SELECT customer_id, ordered_at, amount FROM shop.orders',
						'SELECT customer_id, referred_by FROM shop.customers', NULL) AS w USING (customer_id);

SELECT c.channel AS "channel",
	   count(*) AS "customers",
	   count(*) FILTER (WHERE r.referred_customers > 0) AS "referrers",
	   round(avg(r.own_revenue), 2) AS "CLV ($)",
	   round(avg(r.referral_inclusive_value), 2) AS "referral-incl. CLV ($)",
	   round(avg(p.plain), 2) AS "plain SQL ($)",
	   round(avg(r.chain_value), 2) AS "whole chain ($)"
FROM demo_referral AS r
JOIN shop.customers AS c ON c.customer_id::text = r.customer_id
JOIN (SELECT own.customer_id, own.revenue + coalesce(kids.revenue, 0) AS plain
	  FROM (SELECT customer_id, sum(amount) AS revenue FROM shop.orders
			WHERE customer_id IS NOT NULL GROUP BY customer_id) AS own
	  LEFT JOIN (SELECT k.referred_by, sum(o.amount) AS revenue
				 FROM shop.customers AS k JOIN shop.orders AS o USING (customer_id)
				 GROUP BY k.referred_by) AS kids ON kids.referred_by = own.customer_id) AS p
  ON p.customer_id = c.customer_id
JOIN shop.channels AS ch ON ch.channel = c.channel
GROUP BY c.channel, ch.ord
ORDER BY ch.ord;

\echo 'The five customers who brought the most revenue down their referral'
\echo 'chains:'
\echo ''
SELECT r.customer_id AS "customer", c.channel AS "channel",
	   r.own_revenue AS "own revenue ($)",
	   r.referred_customers AS "referred directly",
	   r.chain_customers AS "in the whole chain",
	   r.chain_value - r.own_revenue AS "their revenue ($)",
	   r.chain_value AS "referral-incl. value ($)"
FROM demo_referral AS r
JOIN shop.customers AS c ON c.customer_id::text = r.customer_id
ORDER BY r.chain_value - r.own_revenue DESC, r.customer_id
LIMIT 5;
