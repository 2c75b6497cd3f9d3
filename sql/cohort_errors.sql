--
-- cohort_errors: every error of the cohort functions, with its SQLSTATE
--
-- own schema: other test files use the same table names
CREATE SCHEMA cohort_errors_test;
SET search_path = cohort_errors_test, public;
SET TimeZone = 'UTC';
\set VERBOSITY default
CREATE TABLE orders (customer_id int, ordered_at timestamptz, amount numeric);
INSERT INTO orders VALUES (1, '2024-01-01', 10), (2, '2024-02-01', 5);

-- the orders query must return (customer_id, ordered_at, amount)
SELECT * FROM clv_cohorts('SELECT customer_id, ordered_at FROM orders', 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_cohorts('SELECT customer_id, ordered_at, amount, 1 FROM orders', 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_cohorts('SELECT customer_id::float8, ordered_at, amount FROM orders', 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_cohorts('SELECT customer_id, ordered_at::text, amount FROM orders', 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_cohorts('SELECT customer_id, ordered_at, amount::text FROM orders', 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_cohorts('SELECT customer_id, ordered_at, amount FROM orders; SELECT 1', 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_cohorts('SELEC customer_id FROM orders', 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_cohorts('CREATE TABLE nope ()', 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- period and time zone
SELECT * FROM clv_cohorts('SELECT * FROM orders', 'fortnight', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_cohorts('SELECT * FROM orders', 'month', 'Mars/Olympus_Mons');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT clv_cohort_state(customer_id, ordered_at, amount, 'month', NULL) FROM orders;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- period and time zone are constant within a group, and across merged states
SELECT clv_cohort_state(customer_id, ordered_at, amount,
						CASE WHEN customer_id = 1 THEN 'month' ELSE 'week' END, 'UTC') FROM orders;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT clv_cohort_state(customer_id, ordered_at, amount, 'month',
						CASE WHEN customer_id = 1 THEN 'UTC' ELSE 'Europe/Paris' END) FROM orders;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the same zone in another letter case is the same zone
SELECT count(*) FROM clv_cohort_table((SELECT clv_cohort_state(customer_id, ordered_at, amount, 'Month',
						CASE WHEN customer_id = 1 THEN 'europe/paris' ELSE 'Europe/Paris' END) FROM orders));
SELECT rollup(s) FROM (
	SELECT clv_cohort_state(customer_id, ordered_at, amount, 'month', 'UTC') s FROM orders
	UNION ALL
	SELECT clv_cohort_state(customer_id, ordered_at, amount, 'quarter', 'UTC') FROM orders) x;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- customer keys of different kinds cannot be merged
SELECT rollup(s) FROM (
	SELECT clv_cohort_state(customer_id, ordered_at, amount, 'month', 'UTC') s FROM orders
	UNION ALL
	SELECT clv_cohort_state(customer_id::text, ordered_at, amount, 'month', 'UTC') FROM orders) x;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- bad values: class 22, as in the core aggregates
SELECT * FROM clv_cohorts($$VALUES (1, now(), 'NaN'::numeric)$$, 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_cohorts($$VALUES (1, now(), 'Infinity'::float8)$$, 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_cohorts($$VALUES (1, 'infinity'::timestamptz, 1)$$, 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT clv_cohort_state(1, '-infinity'::date, 1, 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT clv_cohort_state(1, now(), 'NaN'::float8, 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT clv_cohort_state(1.5, now(), 1, 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- malformed text input
SELECT 'clv_summary:AAAA'::clv_cohort_state;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT 'clv_cohort_state:***'::clv_cohort_state;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT 'clv_cohort_state:AAAAAQ=='::clv_cohort_state;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT 'clv_cohort_state:AAAAAwAAAAA='::clv_cohort_state;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- roles of this file left by a failed earlier run (make installcheck)
\set clv_roles '^regress_clv_cohort_reader$'
\i test/lib/drop_roles.psql
-- the orders query runs with the caller's privileges
CREATE ROLE regress_clv_cohort_reader;
GRANT USAGE ON SCHEMA cohort_errors_test TO regress_clv_cohort_reader;
SET ROLE regress_clv_cohort_reader;
SELECT * FROM clv_cohorts('SELECT customer_id, ordered_at, amount FROM orders', 'month', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET ROLE;
GRANT SELECT ON orders TO regress_clv_cohort_reader;
SET ROLE regress_clv_cohort_reader;
SELECT count(*) FROM clv_cohorts('SELECT customer_id, ordered_at, amount FROM orders', 'month', 'UTC');
RESET ROLE;
REVOKE SELECT ON orders FROM regress_clv_cohort_reader;
REVOKE USAGE ON SCHEMA cohort_errors_test FROM regress_clv_cohort_reader;
DROP ROLE regress_clv_cohort_reader;

-- clv.max_state_memory bounds the state
SET clv.max_state_memory = 64;
SELECT count(*) FROM clv_cohorts(
	'SELECT g, timestamptz ''2024-01-01'' + g * interval ''1 day'', 1 FROM generate_series(1, 100000) g',
	'day', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET clv.max_state_memory;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA cohort_errors_test CASCADE;
RESET client_min_messages;
