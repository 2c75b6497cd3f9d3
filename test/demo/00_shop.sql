-- test/demo/00_shop.sql: display settings and the demo data, the synthetic shop.
--
-- test/demo.sh runs every test/demo/NN_*.sql in file name order in one psql
-- session on a fresh database with the extension created, with the psql
-- variables customers and seed (the size and seed of the shop), cdnow_csv
-- (the CDNOW orders file, empty when absent) and outdir (where files may
-- go).  The settings and the tables made here are there for every later
-- section.

\pset footer off
\pset null '-'
SET TimeZone = 'UTC';
SET client_min_messages = warning;

\i test/shop/shop.sql
SELECT count(*) AS shop_tables FROM shop.generate(:customers, :seed) \gset

\echo '======================================================================'
\echo ' clv demo: customer lifetime value inside PostgreSQL'
\echo '======================================================================'
\echo 'Data: a synthetic online shop generated in SQL by test/shop/shop.sql'
\echo '(deterministic: the same size and seed give the same rows).  Customers'
\echo 'arrive over three years through five acquisition channels; each buys'
\echo 'by the BG/NBD process (purchases at a personal rate, dropping out after'
\echo 'a purchase with a personal probability) and spends by the Gamma-Gamma'
\echo 'model, with parameters per channel that the data does not show but'
\echo 'shop.channels keeps, so the model fits below can be compared with the'
\echo 'truth.  Refunds are rows with a negative amount; guest orders have no'
\echo 'customer (customer_id NULL), and every clv aggregate ignores them.'
\echo ''
\echo 'Table: shop.orders(order_id, customer_id, ordered_at timestamptz, amount numeric(12,2), refund_of)'
\echo '       shop.customers(customer_id, first_order_at, channel, referred_by)'
\echo ''
SELECT count(*) FILTER (WHERE amount >= 0 AND customer_id IS NOT NULL) AS "orders",
	   count(*) FILTER (WHERE amount < 0) AS "refunds",
	   count(*) FILTER (WHERE customer_id IS NULL) AS "guest orders",
	   count(DISTINCT customer_id) AS "customers",
	   min(ordered_at)::date AS "first order",
	   max(ordered_at)::date AS "last order",
	   sum(amount) FILTER (WHERE customer_id IS NOT NULL) AS "net revenue ($)"
FROM shop.orders;

\echo 'Customers by acquisition channel (first order = acquisition):'
\echo ''
SELECT c.channel AS "channel", count(*) AS "customers",
	   round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "share (%)",
	   min(c.first_order_at)::date AS "first customer",
	   count(*) FILTER (WHERE c.referred_by IS NOT NULL) AS "referred by a customer"
FROM shop.customers AS c
JOIN shop.channels AS ch USING (channel)
GROUP BY c.channel, ch.ord
ORDER BY ch.ord;
