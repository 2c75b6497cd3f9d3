--
-- privileges: clv is a trusted extension (clv.control: trusted = true).
-- A non-superuser with CREATE on the database can install it; its objects
-- are owned by the bootstrap superuser, so the installing role cannot
-- replace or alter them; every function runs with the caller's rights
-- (no SECURITY DEFINER) and clv_cohorts runs its query as the caller; the
-- install script cannot be hijacked through search_path.
--
SET client_min_messages = warning;
SET TimeZone = 'UTC';
-- pg_regress created the extension as superuser: start without it
DROP EXTENSION clv;
SELECT current_database() AS db \gset

SELECT name, superuser, trusted, relocatable
FROM pg_available_extension_versions WHERE name = 'clv' AND version = (
	SELECT default_version FROM pg_available_extensions WHERE name = 'clv');

-- roles of this file left by a failed earlier run (make installcheck)
\set clv_roles '^regress_clv_(owner|user|attacker)$'
\i test/lib/drop_roles.psql
CREATE ROLE regress_clv_owner;
CREATE ROLE regress_clv_user;
CREATE ROLE regress_clv_attacker;

-- a role without CREATE on the database cannot install it
SET ROLE regress_clv_user;
CREATE EXTENSION clv;
RESET ROLE;

-- a role with CREATE on the database can
GRANT CREATE ON DATABASE :"db" TO regress_clv_owner;
SET ROLE regress_clv_owner;
CREATE SCHEMA clv_s;
-- a temporary object named like one of clv's types must not be picked up
-- by the install script (CREATE EXTENSION puts pg_temp last in search_path)
CREATE TEMP TABLE clv_summary (x int);
CREATE EXTENSION clv SCHEMA clv_s;
DROP TABLE pg_temp.clv_summary;
GRANT USAGE ON SCHEMA clv_s TO PUBLIC;
RESET ROLE;

-- the extension belongs to the role that installed it, its objects to a superuser
SELECT e.extname, pg_get_userbyid(e.extowner) AS extension_owner, n.nspname AS schema
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'clv';
CREATE VIEW clv_members AS
SELECT d.classid, d.objid FROM pg_depend d
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv');
-- no function changes a setting for its statements, except that the report
-- steps of the growth functions (40_growth.sql) turn JIT off for theirs
SELECT count(*) > 0 AS has_functions,
	   bool_and(r.rolsuper) AS all_functions_owned_by_superuser,
	   bool_and(NOT p.prosecdef) AS no_security_definer,
	   bool_and(p.proconfig IS NULL OR p.proconfig = '{jit=off}') AS no_proconfig_but_jit_off
FROM clv_members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
JOIN pg_roles r ON r.oid = p.proowner;
SELECT bool_and(r.rolsuper) AS all_types_owned_by_superuser
FROM clv_members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
JOIN pg_roles r ON r.oid = t.typowner;
-- no argument or result type of a clv function lives in pg_temp or
-- outside the extension's schema and pg_catalog
SELECT p.oid::regprocedure AS function_with_foreign_type
FROM clv_members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid,
	 LATERAL unnest(p.proargtypes::oid[] || p.prorettype) AS a(typ)
JOIN pg_type t ON t.oid = a.typ JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname NOT IN ('clv_s', 'pg_catalog');
-- SQL and PL/pgSQL functions (if any) must pin search_path or qualify
-- everything; list those that do neither
SELECT p.oid::regprocedure AS unpinned_sql_function
FROM clv_members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
JOIN pg_language l ON l.oid = p.prolang
WHERE l.lanname IN ('sql', 'plpgsql')
  AND NOT coalesce(p.proconfig::text LIKE '%search_path=%', false)
  AND p.prosrc ~ '(^|[^.[:alnum:]_])(length|lower|upper|coalesce|sum|count|array_agg|string_agg|format|exp|ln|sqrt|power|abs)\s*\(';

-- the installing role cannot change or replace clv's functions, nor
-- create C functions of its own
SET ROLE regress_clv_owner;
ALTER FUNCTION clv_s.customers(clv_s.clv_summary) RENAME TO customers2;
CREATE OR REPLACE FUNCTION clv_s.customers(clv_s.clv_summary) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint';
ALTER FUNCTION clv_s.customers(clv_s.clv_summary) SECURITY DEFINER;
CREATE FUNCTION clv_s.evil(clv_s.clv_summary) RETURNS bigint AS '$libdir/clv', 'clv_summary_customers' LANGUAGE c;
ALTER TYPE clv_s.clv_summary OWNER TO regress_clv_owner;
RESET ROLE;

-- any role can use clv (EXECUTE is granted to PUBLIC, as for built-ins)
CREATE TABLE orders (customer_id int, ordered_at timestamptz, amount numeric);
INSERT INTO orders VALUES (1, '2024-01-01', 10), (1, '2024-02-01', 20), (2, '2024-01-15', 5);
GRANT SELECT ON orders TO regress_clv_user;
SET ROLE regress_clv_user;
SELECT clv_s.clv_agg(customer_id, ordered_at, amount), clv_s.repeat_rate(customer_id, ordered_at),
	   clv_s.customers(clv_s.clv_summary(customer_id, ordered_at, amount))
FROM orders;
SELECT cohort, period_offset, cohort_customers, revenue
FROM clv_s.clv_cohorts('SELECT customer_id, ordered_at, amount FROM orders', 'month', 'UTC')
ORDER BY 1, 2 LIMIT 3;
-- clv.max_state_memory is a user setting, like work_mem
SET clv.max_state_memory = '64kB';
SELECT clv_s.clv_agg(g, now(), 1) FROM generate_series(1, 100000) g;
RESET clv.max_state_memory;
-- not the owner: cannot drop the extension
DROP EXTENSION clv;
RESET ROLE;

-- clv_cohorts runs its query with the caller's rights: no SELECT on the
-- table, a permission error (42501), not the data
CREATE TABLE secret (customer_id int, ordered_at timestamptz, amount numeric);
INSERT INTO secret VALUES (1, '2024-01-01', 1000000);
\set VERBOSITY terse
SET ROLE regress_clv_user;
SELECT * FROM clv_s.clv_cohorts('SELECT customer_id, ordered_at, amount FROM secret', 'month', 'UTC');
SELECT clv_s.clv_agg(customer_id, ordered_at, amount) FROM secret;
SELECT * FROM clv_s.clv_predictions('SELECT customer_id, ordered_at, amount FROM secret', '2024-06-01');
SELECT * FROM clv_s.clv_prediction_models('SELECT customer_id, ordered_at, amount FROM secret', '2024-06-01');
-- nor through a view on it the role may not read, nor by writing through the query
SELECT * FROM clv_s.clv_cohorts('WITH d AS (DELETE FROM orders RETURNING *) SELECT customer_id, ordered_at, amount FROM d', 'month', 'UTC');
SELECT * FROM clv_s.clv_cohorts('SELECT customer_id, ordered_at, amount FROM orders FOR UPDATE', 'month', 'UTC');
RESET ROLE;
SELECT count(*) AS orders_left FROM orders;
-- row level security applies to the query too
ALTER TABLE secret ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON secret FOR SELECT USING (customer_id = 2);
GRANT SELECT ON secret TO regress_clv_user;
INSERT INTO secret VALUES (2, '2024-03-01', 7);
SET ROLE regress_clv_user;
SELECT cohort, cohort_customers, revenue
FROM clv_s.clv_cohorts('SELECT customer_id, ordered_at, amount FROM secret', 'month', 'UTC');
SELECT customer_id, frequency, t
FROM clv_s.clv_predictions('SELECT customer_id, ordered_at, amount FROM secret', '2024-06-01');
RESET ROLE;
\set VERBOSITY default

-- search_path attack on installation: an object planted in the target
-- schema under a name the script creates makes CREATE EXTENSION fail
-- instead of using it (no CREATE OR REPLACE, no IF NOT EXISTS)
SET ROLE regress_clv_owner;
DROP EXTENSION clv;
CREATE SCHEMA shared;
GRANT CREATE, USAGE ON SCHEMA shared TO regress_clv_attacker;
SET ROLE regress_clv_attacker;
CREATE FUNCTION shared.customers(anyelement) RETURNS bigint LANGUAGE sql AS 'SELECT 42::bigint';
CREATE TABLE shared.clv_summary (x int);
SET ROLE regress_clv_owner;
\set VERBOSITY terse
CREATE EXTENSION clv SCHEMA shared;
\set VERBOSITY default
SELECT count(*) AS clv_installed FROM pg_extension WHERE extname = 'clv';
RESET ROLE;

-- the owner can drop it; clean up
SET ROLE regress_clv_owner;
CREATE EXTENSION clv SCHEMA clv_s;
DROP EXTENSION clv;
RESET ROLE;
DROP SCHEMA shared CASCADE;
DROP SCHEMA clv_s CASCADE;
DROP TABLE orders, secret;
DROP VIEW clv_members;
REVOKE CREATE ON DATABASE :"db" FROM regress_clv_owner;
DROP ROLE regress_clv_owner;
DROP ROLE regress_clv_user;
DROP ROLE regress_clv_attacker;
CREATE EXTENSION clv;
