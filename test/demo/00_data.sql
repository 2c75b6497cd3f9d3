-- test/demo/00_data.sql: display settings and the demo data.
--
-- test/demo.sh runs every test/demo/NN_*.sql in file name order in one psql
-- session on a fresh database with the extension created, so the settings
-- and the table orders made here are available to every later section.

\pset footer off
\pset null '-'
SET TimeZone = 'UTC';
SET client_min_messages = warning;

CREATE TABLE orders (
	customer_id int NOT NULL,
	order_date date NOT NULL,
	quantity int NOT NULL,
	amount numeric(10,2) NOT NULL
);
\copy orders FROM 'test/data/cdnow_sample_orders.csv' WITH (FORMAT csv, HEADER)
CREATE INDEX ON orders (customer_id, order_date);
ANALYZE orders;

\echo '======================================================================'
\echo ' clv demo: customer lifetime value inside PostgreSQL'
\echo '======================================================================'
\echo 'Data: the CDNOW sample (Fader, Hardie & Lee 2005), the standard public'
\echo 'data set of the CLV literature: all purchases of 2,357 customers of the'
\echo 'online CD store CDNOW who made their first purchase in January-March'
\echo '1997, up to 1998-06-30 (test/data/README.md).'
\echo ''
\echo 'Table: orders(customer_id int, order_date date, quantity int, amount numeric(10,2))'
\echo ''
SELECT count(*) AS "order rows",
       count(DISTINCT customer_id) AS customers,
       min(order_date) AS "first order",
       max(order_date) AS "last order",
       sum(amount) AS "total amount ($)"
FROM orders;
