--
-- growth_errors: every error of clv_referral_value and clv_acquisition,
-- with its SQLSTATE; the caller's privileges; names that a search_path
-- could capture; a relocated extension called with an empty search_path
--
-- own schema: other test files use the same table names
CREATE SCHEMA growth_errors_test;
SET search_path = growth_errors_test, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\set VERBOSITY default
-- the context of an error names the extension's schema and the internal statements
\set SHOW_CONTEXT never
CREATE TABLE orders (customer_id int, ordered_at timestamptz, amount numeric, channel text);
INSERT INTO orders VALUES (1, '2024-01-01', 10, 'search'), (2, '2024-02-01', 5, 'email');
CREATE TABLE referrals (customer_id int, referred_by int);
INSERT INTO referrals VALUES (2, 1);
CREATE TABLE spend (month date, channel text, spend numeric);
INSERT INTO spend VALUES ('2024-01-01', 'search', 100);

--
-- clv_referral_value
--
-- the orders query must return (customer_id, ordered_at, amount)
SELECT * FROM clv_referral_value('SELECT customer_id, ordered_at FROM orders', 'SELECT * FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_referral_value('SELECT * FROM orders', 'SELECT * FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_referral_value('SELECT customer_id::float8, ordered_at, amount FROM orders', 'SELECT * FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_referral_value('SELECT customer_id, ordered_at::text, amount FROM orders', 'SELECT * FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_referral_value('SELECT customer_id, ordered_at, amount::text FROM orders', 'SELECT * FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the referrals query must return (customer_id, referred_by), both keys
SELECT * FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM orders', 'SELECT customer_id FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM orders', 'SELECT customer_id, now() FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a domain counts as its base type
CREATE DOMAIN money_amount AS numeric CHECK (VALUE > -1000);
SELECT own_revenue FROM clv_referral_value('SELECT customer_id, ordered_at, amount::money_amount FROM orders', 'SELECT * FROM referrals')
ORDER BY customer_id;
-- not a query, or not one query
SELECT * FROM clv_referral_value('DELETE FROM orders', 'SELECT * FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM orders; SELECT 1, 2, 3', 'SELECT * FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a parameter of the caller's query is not one of the function's
SELECT * FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM orders WHERE customer_id = $1', 'SELECT * FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- depth below 1
SELECT * FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM orders', 'SELECT * FROM referrals', 0);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- two referrers of one customer
SELECT * FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM orders', 'SELECT * FROM referrals UNION ALL SELECT 2, 3');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- NaN and infinite amounts, infinite times
SELECT * FROM clv_referral_value('SELECT customer_id, ordered_at, ''NaN''::numeric FROM orders', 'SELECT * FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_referral_value('SELECT 1, now(), ''-Infinity''::float8', 'SELECT * FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_referral_value('SELECT 1, ''infinity''::date, 5', 'SELECT * FROM referrals');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

--
-- clv_acquisition
--
SELECT * FROM clv_acquisition('SELECT customer_id, ordered_at, amount FROM orders', 'SELECT * FROM spend');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_acquisition('SELECT customer_id, amount, ordered_at, channel FROM orders', 'SELECT * FROM spend');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_acquisition('SELECT * FROM orders', 'SELECT channel, month, spend FROM spend');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_acquisition('SELECT * FROM orders', 'SELECT month, channel, spend::text FROM spend');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_acquisition('SELECT * FROM orders', 'SELECT month, channel FROM spend');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- period, time zone, margin
SELECT * FROM clv_acquisition('SELECT * FROM orders', 'SELECT * FROM spend', 'fortnight', 'UTC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_acquisition('SELECT * FROM orders', 'SELECT * FROM spend', 'month', 'Mars/Olympus_Mons');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_acquisition('SELECT * FROM orders', 'SELECT * FROM spend', 'month', 'UTC', 'NaN');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- periods are case-insensitive, as in clv_cohorts
SELECT count(*) AS rows FROM clv_acquisition('SELECT * FROM orders', 'SELECT * FROM spend', 'MONTH', 'UTC');
-- NaN or infinite spend, infinite spend start, amounts and times of the orders
SELECT * FROM clv_acquisition('SELECT * FROM orders', 'SELECT month, channel, ''Infinity''::numeric FROM spend');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_acquisition('SELECT * FROM orders', 'SELECT ''infinity''::date, channel, spend FROM spend');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_acquisition('SELECT customer_id, ordered_at, ''NaN''::numeric, channel FROM orders', 'SELECT * FROM spend');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM clv_acquisition('SELECT customer_id, ''infinity''::timestamptz, amount, channel FROM orders', 'SELECT * FROM spend');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

--
-- the caller's privileges: the queries run as the caller
--
CREATE ROLE growth_errors_reader;
GRANT USAGE ON SCHEMA growth_errors_test TO growth_errors_reader;
GRANT SELECT ON orders, referrals TO growth_errors_reader;
SET ROLE growth_errors_reader;
SELECT customer_id, referral_inclusive_value FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM orders', 'SELECT * FROM referrals')
ORDER BY customer_id;
SELECT * FROM clv_acquisition('SELECT * FROM orders', 'SELECT * FROM spend');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET ROLE;
REVOKE ALL ON orders, referrals FROM growth_errors_reader;
REVOKE ALL ON SCHEMA growth_errors_test FROM growth_errors_reader;
DROP ROLE growth_errors_reader;

--
-- names a search_path could capture: a schema ahead of clv's with
-- functions, an aggregate and operators that would win over pg_catalog's
-- or clv's for unqualified calls (each raises); the results stay the same
--
CREATE SCHEMA growth_trap;
CREATE FUNCTION growth_trap.trap() RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'captured by growth_trap'; END $$;
CREATE FUNCTION growth_trap.lt(numeric, integer) RETURNS boolean LANGUAGE sql AS 'SELECT growth_trap.trap()';
CREATE OPERATOR growth_trap.< (LEFTARG = numeric, RIGHTARG = integer, FUNCTION = growth_trap.lt);
CREATE OPERATOR growth_trap.>= (LEFTARG = numeric, RIGHTARG = integer, FUNCTION = growth_trap.lt);
CREATE FUNCTION growth_trap.gt(bigint, integer) RETURNS boolean LANGUAGE sql AS 'SELECT growth_trap.trap()';
CREATE OPERATOR growth_trap.> (LEFTARG = bigint, RIGHTARG = integer, FUNCTION = growth_trap.gt);
CREATE FUNCTION growth_trap.clv_check_query(text, text, text, text[]) RETURNS text LANGUAGE sql AS 'SELECT growth_trap.trap()::text';
CREATE FUNCTION growth_trap.clv_cohort_table(clv_cohort_state) RETURNS TABLE(cohort date) LANGUAGE sql AS 'SELECT NULL::date WHERE growth_trap.trap()';
CREATE FUNCTION growth_trap.clv_referral_table(text[], numeric[], text[], text[], integer) RETURNS TABLE(customer_id text) LANGUAGE sql AS 'SELECT NULL::text WHERE growth_trap.trap()';
CREATE FUNCTION growth_trap.date_trunc(text, date) RETURNS timestamp LANGUAGE sql AS 'SELECT NULL::timestamp WHERE growth_trap.trap()';
CREATE FUNCTION growth_trap.isfinite(timestamptz) RETURNS boolean LANGUAGE sql AS 'SELECT growth_trap.trap()';
SET search_path = growth_trap, growth_errors_test, public;
SELECT customer_id, referral_inclusive_value FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM orders', 'SELECT * FROM referrals')
ORDER BY customer_id;
SELECT channel, cohort, period_offset, new_customers, spend, cac FROM clv_acquisition('SELECT * FROM orders', 'SELECT * FROM spend', 'month', 'UTC', 0.5);
SET search_path = growth_errors_test, public;
SET client_min_messages = warning;
DROP SCHEMA growth_trap CASCADE;
RESET client_min_messages;

--
-- the caller's settings are as they were after a call (the report step
-- runs without JIT), also inside a transaction
--
SET jit = on;
SELECT count(*) AS rows FROM clv_acquisition('SELECT * FROM orders', 'SELECT * FROM spend');
SELECT count(*) AS rows FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM orders', 'SELECT * FROM referrals');
SHOW jit;
BEGIN;
SET LOCAL jit = off;
SELECT count(*) AS rows FROM clv_acquisition('SELECT * FROM orders', 'SELECT * FROM spend');
SHOW jit;
SET LOCAL jit = on;
SELECT count(*) AS rows FROM clv_referral_value('SELECT customer_id, ordered_at, amount FROM orders', 'SELECT * FROM referrals');
SHOW jit;
COMMIT;
SHOW jit;
RESET jit;

--
-- relocated, and called with an empty search_path: nothing depends on it
--
CREATE SCHEMA growth_moved;
ALTER EXTENSION clv SET SCHEMA growth_moved;
SET search_path = '';
SELECT customer_id, referral_inclusive_value
FROM growth_moved.clv_referral_value('SELECT customer_id, ordered_at, amount FROM growth_errors_test.orders',
									 'SELECT * FROM growth_errors_test.referrals')
ORDER BY customer_id;
SELECT channel, cohort, period_offset, new_customers, cac, revenue
FROM growth_moved.clv_acquisition('SELECT * FROM growth_errors_test.orders', 'SELECT * FROM growth_errors_test.spend', 'month', 'UTC');
RESET search_path;
ALTER EXTENSION clv SET SCHEMA public;
DROP SCHEMA growth_moved;

SET client_min_messages = warning;
DROP SCHEMA growth_errors_test CASCADE;
