--
-- referral: clv_referral_value() and clv_referral_table().  Expected values
-- come from the seed example of the field (320 and 640), hand computation
-- (see the comments) and an independent plain-SQL computation that walks
-- the other way: from every customer UP to their referrers (recursive CTE
-- with the standard CYCLE clause), crediting each ancestor within the depth.
--
-- own schema: other test files use the same table names
CREATE SCHEMA referral_test;
SET search_path = referral_test, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- The reference over ref_orders(customer_id, ordered_at, amount) and
-- ref_links(customer_id, referred_by): customers are keys with an order;
-- self-referrals are dropped; a cycle ends the chain.
CREATE TABLE ref_orders (customer_id text, ordered_at timestamptz, amount numeric);
CREATE TABLE ref_links (customer_id text, referred_by text);
CREATE FUNCTION ref_referral(d int)
RETURNS TABLE(customer_id text, own_revenue numeric, referred_customers bigint,
			  referred_revenue numeric, referral_inclusive_value numeric)
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE own AS (
		SELECT o.customer_id AS c, sum(o.amount) AS revenue
		FROM ref_orders o
		WHERE o.customer_id IS NOT NULL AND o.ordered_at IS NOT NULL AND o.amount IS NOT NULL
		GROUP BY o.customer_id
		HAVING count(*) FILTER (WHERE o.amount >= 0) > 0
	), up AS (
		SELECT DISTINCT l.customer_id AS child, l.referred_by AS parent
		FROM ref_links l
		WHERE l.customer_id <> l.referred_by
	), anc(c, a, dist) AS (
		SELECT own.c, up.parent, 1 FROM own JOIN up ON up.child = own.c
	  UNION ALL
		SELECT anc.c, up.parent, anc.dist + 1
		FROM anc JOIN up ON up.child = anc.a
		WHERE (d IS NULL OR anc.dist < d) AND up.parent <> anc.c
	) CYCLE a SET looped USING trail
	SELECT own.c, own.revenue, count(x.c), coalesce(sum(x.revenue), 0), own.revenue + coalesce(sum(x.revenue), 0)
	FROM own
	LEFT JOIN (SELECT DISTINCT anc.a, anc.c, o2.revenue
			   FROM anc JOIN own o2 ON o2.c = anc.c
			   WHERE NOT anc.looped) x ON x.a = own.c
	GROUP BY own.c, own.revenue
$$;

-- true when clv_referral_value over ref_orders and ref_links equals the reference
CREATE FUNCTION referral_matches(d int) RETURNS boolean
LANGUAGE sql AS $$
	WITH a AS MATERIALIZED (SELECT * FROM clv_referral_value('SELECT * FROM ref_orders', 'SELECT * FROM ref_links', d)),
		 b AS MATERIALIZED (SELECT * FROM ref_referral(d))
	SELECT count(*) = 0 FROM (
		(SELECT * FROM a EXCEPT ALL SELECT * FROM b)
		UNION ALL
		(SELECT * FROM b EXCEPT ALL SELECT * FROM a)
	) x
$$;

--
-- The seed example (docs/readme/growth.md): 100 for a first order, then 20
-- every month for eleven months: 100 + 11 * 20 = 320 alone, 640 with one
-- referred customer who buys the same
--
CREATE TABLE seed_orders AS
SELECT c.customer_id, timestamptz '2024-01-15 10:00+00' + k * interval '1 month' AS ordered_at,
       CASE WHEN k = 0 THEN 100 ELSE 20 END AS amount
FROM (VALUES ('alice'), ('bob')) AS c(customer_id), generate_series(0, 11) AS k;
CREATE TABLE seed_referrals (customer_id text, referred_by text);

SELECT * FROM clv_referral_value('SELECT * FROM seed_orders WHERE customer_id = ''alice''',
                                 'SELECT * FROM seed_referrals');

INSERT INTO seed_referrals VALUES ('bob', 'alice');
SELECT * FROM clv_referral_value('SELECT * FROM seed_orders', 'SELECT * FROM seed_referrals')
ORDER BY customer_id;
-- plain SQL: alice's orders and bob's
SELECT sum(amount) FILTER (WHERE customer_id = 'alice') AS alice_alone,
	   sum(amount) AS alice_with_bob
FROM seed_orders;

-- per group: carol, brought by bob, buys once for 50; the whole chain
-- counts for alice: alice 320 + bob 320 + carol 50 = 690; bob 320 + 50 =
-- 370; referral group (bob, carol): clv (320 + 50) / 2 = 185,
-- referral-inclusive (370 + 50) / 2 = 210
INSERT INTO seed_orders VALUES ('carol', '2024-03-01 12:00+00', 50);
INSERT INTO seed_referrals VALUES ('carol', 'bob');
CREATE TABLE seed_customers (customer_id text, channel text);
INSERT INTO seed_customers VALUES ('alice', 'search'), ('bob', 'referral'), ('carol', 'referral');

SELECT c.channel, count(*) AS customers,
       sum(v.own_revenue) / count(*) AS clv,
       sum(v.referral_inclusive_value) / count(*) AS referral_inclusive_clv
FROM clv_referral_value('SELECT * FROM seed_orders', 'SELECT * FROM seed_referrals', NULL) AS v
JOIN seed_customers AS c USING (customer_id)
GROUP BY c.channel ORDER BY c.channel;
INSERT INTO ref_orders SELECT * FROM seed_orders;
INSERT INTO ref_links SELECT * FROM seed_referrals;
SELECT referral_matches(1) AS seed_direct, referral_matches(NULL) AS seed_chain;

--
-- Hand-built: a chain A -> B -> C -> D -> E (A referred B, ...), a cycle
-- X <-> Y, a self-referral S, a person N who never ordered (a refund only)
-- between A and F, a duplicated link, NULL keys, refunds.
--   own revenue: A 100, B 50, C 30 - 10 = 20, D 40, E 10, F 15, X 5, Y 7, S 3
--
TRUNCATE ref_orders, ref_links;
INSERT INTO ref_orders VALUES
	('A', '2024-01-01', 100), ('B', '2024-01-02', 50), ('C', '2024-01-03', 30), ('C', '2024-01-20', -10),
	('D', '2024-01-04', 40), ('E', '2024-01-05', 10), ('F', '2024-01-06', 15),
	('X', '2024-01-07', 5), ('Y', '2024-01-08', 7), ('S', '2024-01-09', 3),
	('N', '2024-01-10', -5),
	(NULL, '2024-01-11', 1000), ('A', NULL, 1000), ('A', '2024-01-12', NULL);
INSERT INTO ref_links VALUES
	('B', 'A'), ('C', 'B'), ('D', 'C'), ('E', 'D'), ('B', 'A'),
	('X', 'Y'), ('Y', 'X'), ('S', 'S'), ('N', 'A'), ('F', 'N'),
	(NULL, 'A'), ('G', NULL);
-- direct: A: B (N is no customer) 1, 50 -> 150; B: C 1, 20 -> 70; C: D 1,
-- 40 -> 60; D: E 1, 10 -> 50; X: Y 1, 7 -> 12; Y: X 1, 5 -> 12; S, E, F: 0
SELECT * FROM clv_referral_value('SELECT * FROM ref_orders', 'SELECT * FROM ref_links') ORDER BY customer_id;
-- two levels: A: B, C, F (through N) 3, 85 -> 185; B: C, D 2, 60 -> 110;
-- C: D, E 2, 50 -> 70; D: E; X and Y: each other only
SELECT * FROM clv_referral_value('SELECT * FROM ref_orders', 'SELECT * FROM ref_links', 2) ORDER BY customer_id;
-- the whole chain: A: B, C, D, E, F 5, 135 -> 235; B: C, D, E 3, 70 -> 120;
-- C: D, E 2, 50 -> 70; the cycle ends: X counts Y once and never itself
SELECT * FROM clv_referral_value('SELECT * FROM ref_orders', 'SELECT * FROM ref_links', NULL) ORDER BY customer_id;
SELECT d, referral_matches(d) AS matches FROM (VALUES (1), (2), (3), (10), (NULL)) AS v(d);
-- a deep limit equals no limit
SELECT count(*) AS differences FROM (
	SELECT * FROM clv_referral_value('SELECT * FROM ref_orders', 'SELECT * FROM ref_links', 1000000)
	EXCEPT ALL SELECT * FROM clv_referral_value('SELECT * FROM ref_orders', 'SELECT * FROM ref_links', NULL)) AS x;

-- keys of other types, compared as text: integer orders, bigint links
SELECT * FROM clv_referral_value(
	'SELECT k, d, a FROM (VALUES (1, date ''2024-01-01'', 10.5), (2, date ''2024-01-02'', 4), (2, date ''2024-02-01'', -1)) AS v(k, d, a)',
	'SELECT 2::bigint, 1::bigint') ORDER BY customer_id;
-- a double precision amount goes through the numeric cast (15 digits), as in the core
SELECT own_revenue FROM clv_referral_value('SELECT 1, now(), 0.1::float8 + 0.2::float8', 'SELECT 1, 1');
-- no customers, no links, NULL queries
SELECT count(*) AS no_rows FROM clv_referral_value('SELECT * FROM ref_orders WHERE false', 'SELECT * FROM ref_links');
SELECT count(*) AS customers, sum(referred_customers) AS referred
FROM clv_referral_value('SELECT * FROM ref_orders', 'SELECT * FROM ref_links WHERE false');
SELECT count(*) AS null_query FROM clv_referral_value(NULL, 'SELECT * FROM ref_links');

-- the support function on any input: several referrers, a cycle below the
-- root (B -> C -> D -> C): every walk ends, each customer counts once
SELECT * FROM clv_referral_table(ARRAY['A', 'B', 'C', 'D'], ARRAY[1, 2, 4, 8]::numeric[],
								 ARRAY['B', 'C', 'D', 'C', 'D'], ARRAY['A', 'B', 'C', 'D', 'A'], NULL)
ORDER BY customer_id;

--
-- The synthetic shop (test/shop/shop.sql), 5,000 customers: referral
-- chains among referral customers
--
\set ECHO none
\i test/shop/shop.sql
\set ECHO all
SELECT count(*) AS shop_tables FROM shop.generate(5000, seed => 3);
TRUNCATE ref_orders, ref_links;
INSERT INTO ref_orders SELECT customer_id::text, ordered_at, amount FROM shop.orders;
INSERT INTO ref_links SELECT customer_id::text, referred_by::text FROM shop.customers;
SELECT count(*) FILTER (WHERE referred_by IS NOT NULL) > 100 AS referred,
	   count(*) FILTER (WHERE referred_by IN (SELECT customer_id FROM shop.customers WHERE referred_by IS NOT NULL)) > 50 AS second_level
FROM shop.customers;
SELECT d, referral_matches(d) AS matches FROM (VALUES (1), (2), (NULL)) AS v(d);
-- chains are longer than one level, so depths differ
SELECT count(*) FILTER (WHERE a.referred_customers < c.referred_customers) > 0 AS more_with_chain
FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM shop.orders', 'SELECT customer_id, referred_by FROM shop.customers') AS a
JOIN clv_referral_value('SELECT customer_id, ordered_at, amount FROM shop.orders', 'SELECT customer_id, referred_by FROM shop.customers', NULL) AS c
USING (customer_id);
-- per channel: referral-inclusive CLV (direct referrals) against plain SQL:
-- (revenue of the channel's customers + revenue of the customers they
-- referred) / customers
SELECT v.channel, v.referral_inclusive_clv = p.plain AS matches
FROM (SELECT c.channel, sum(r.referral_inclusive_value) / count(*) AS referral_inclusive_clv
	  FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM shop.orders',
							  'SELECT customer_id, referred_by FROM shop.customers') AS r
	  JOIN shop.customers AS c ON c.customer_id::text = r.customer_id
	  GROUP BY c.channel) AS v
JOIN (SELECT c.channel,
			 (sum(own.revenue) + coalesce(sum(kids.revenue), 0)) / count(*) AS plain
	  FROM shop.customers AS c
	  JOIN (SELECT customer_id, sum(amount) AS revenue FROM shop.orders GROUP BY customer_id) AS own USING (customer_id)
	  LEFT JOIN (SELECT k.referred_by, sum(o.amount) AS revenue
				 FROM shop.customers AS k JOIN shop.orders AS o USING (customer_id)
				 GROUP BY k.referred_by) AS kids ON kids.referred_by = c.customer_id
	  GROUP BY c.channel) AS p USING (channel)
ORDER BY v.channel;

SET client_min_messages = warning;
DROP SCHEMA shop CASCADE;
DROP SCHEMA referral_test CASCADE;
