--
-- state_io: every aggregate state type
--   (1) round-trips exactly through its text form and its binary form
--       (COPY BINARY, which calls the type's send and receive functions),
--       and its text form is "<type>:" followed by base64 of its binary form;
--   (2) merged from states built on parts of the input -- split by customer,
--       by time and by row number, with parts of equal and of very unequal
--       sizes -- in every order, and as a tree, gives exactly the state built
--       in one step.
-- This is what partial aggregation on other nodes (parallel workers, Citus
-- workers) relies on.
--
-- every regress file shares one database (make installcheck): keep this
-- file's objects in its own schema
CREATE SCHEMA test_state_io;
SET search_path = test_state_io, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 3;

-- 3,000 rows of 401 integer customers (and the same as text keys) over
-- 2023, with refunds (every 13th row), a customer with refunds only
-- (customer 400) and rows with NULLs (ignored by every aggregate)
CREATE TABLE o AS
SELECT g AS id,
	   CASE WHEN g % 97 = 0 THEN NULL ELSE (g * 7919) % 400 END AS customer_id,
	   '2023-01-01'::timestamptz + ((g * 104729) % 525600) * interval '1 minute' AS ordered_at,
	   CASE WHEN g % 13 = 0 THEN -((g % 50) + 0.25) ELSE (g % 997) / 4.0 END::numeric(10,2) AS amount
FROM generate_series(1, 3000) g
UNION ALL
SELECT 3000 + g, 400, '2023-03-01'::timestamptz + g * interval '1 day', -10.50
FROM generate_series(1, 3) g
UNION ALL
SELECT 3004, 5, NULL, 1.00
UNION ALL
SELECT 3005, 6, '2023-02-01', NULL;
ALTER TABLE o ADD COLUMN customer_text text;
UPDATE o SET customer_text = 'cust-' || customer_id;

SELECT count(*) AS rows, count(DISTINCT customer_id) AS customers,
	   count(*) FILTER (WHERE amount < 0) AS refunds
FROM o;

-- the states to test: a test-local aggregate returns the horizon state
-- itself (clv_agg with a horizon only returns its final value)
CREATE AGGREGATE horizon_state(bigint, timestamptz, numeric, interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state);
CREATE AGGREGATE horizon_state(text, timestamptz, numeric, interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state);
CREATE AGGREGATE horizon_rollup(clv_horizon_state) (
	SFUNC = clv_horizon_combine, STYPE = clv_horizon_state);

-- ---------------------------------------------------------------------------
-- (1) text and binary round trips
-- ---------------------------------------------------------------------------

CREATE TABLE states AS
SELECT 'summary int' AS what, clv_summary(customer_id, ordered_at, amount)::text AS t FROM o
UNION ALL
SELECT 'summary text', clv_summary(customer_text, ordered_at, amount)::text FROM o
UNION ALL
SELECT 'summary empty', clv_summary(customer_id, ordered_at, amount)::text FROM o WHERE false
UNION ALL
SELECT 'horizon int', horizon_state(customer_id, ordered_at, amount, interval '30 days')::text FROM o
UNION ALL
SELECT 'horizon text', horizon_state(customer_text, ordered_at, amount, interval '1 mon')::text FROM o
UNION ALL
SELECT 'cohort int', clv_cohort_state(customer_id, ordered_at, amount, 'month', 'UTC')::text FROM o
UNION ALL
SELECT 'cohort text', clv_cohort_state(customer_text, ordered_at, amount, 'week', 'Europe/Paris')::text FROM o;

-- text: out(in(out(s))) = out(s), and the text is the base64 of send()
CREATE FUNCTION text_round_trip(what text, t text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	typ text := split_part(t, ':', 1);
	again text;
	bin bytea;
BEGIN
	EXECUTE format('SELECT ($1::%s)::text, %I($1::%s)', typ, typ || '_send', typ)
		INTO again, bin USING t;
	RETURN again = t AND decode(substr(t, length(typ) + 2), 'base64') = bin;
END $$;
SELECT what, split_part(t, ':', 1) AS type, text_round_trip(what, t) AS text_round_trip
FROM states ORDER BY what;

-- binary: COPY BINARY out and in again calls send and receive
CREATE TABLE bin_summary (what text, s clv_summary);
CREATE TABLE bin_horizon (what text, s clv_horizon_state);
CREATE TABLE bin_cohort (what text, s clv_cohort_state);
INSERT INTO bin_summary SELECT what, t::clv_summary FROM states WHERE what LIKE 'summary%';
INSERT INTO bin_horizon SELECT what, t::clv_horizon_state FROM states WHERE what LIKE 'horizon%';
INSERT INTO bin_cohort SELECT what, t::clv_cohort_state FROM states WHERE what LIKE 'cohort%';
\copy bin_summary TO 'results/state_io_summary.bin' WITH (FORMAT binary)
\copy bin_horizon TO 'results/state_io_horizon.bin' WITH (FORMAT binary)
\copy bin_cohort TO 'results/state_io_cohort.bin' WITH (FORMAT binary)
CREATE TABLE bin_back (what text, t text);
CREATE TEMP TABLE rs (LIKE bin_summary);
CREATE TEMP TABLE rh (LIKE bin_horizon);
CREATE TEMP TABLE rc (LIKE bin_cohort);
\copy rs FROM 'results/state_io_summary.bin' WITH (FORMAT binary)
\copy rh FROM 'results/state_io_horizon.bin' WITH (FORMAT binary)
\copy rc FROM 'results/state_io_cohort.bin' WITH (FORMAT binary)
INSERT INTO bin_back SELECT what, s::text FROM rs UNION ALL SELECT what, s::text FROM rh
UNION ALL SELECT what, s::text FROM rc;
SELECT s.what, b.t = s.t AS binary_round_trip
FROM states s LEFT JOIN bin_back b USING (what) ORDER BY s.what;

-- ---------------------------------------------------------------------------
-- (2) states of parts, merged in every order, equal the one-step state
-- ---------------------------------------------------------------------------

-- three ways to split the rows into parts 1, 2, 3
CREATE TABLE splits AS
SELECT 'by customer' AS split, id, 1 + customer_id % 3 AS part FROM o WHERE customer_id IS NOT NULL
UNION ALL
SELECT 'by customer', id, 1 FROM o WHERE customer_id IS NULL
UNION ALL
SELECT 'by time', id,
	   CASE WHEN ordered_at < '2023-04-15' THEN 1 WHEN ordered_at < '2023-09-01' THEN 2 ELSE 3 END
FROM o
UNION ALL
SELECT 'by row number', id, 1 + id % 3 FROM o
UNION ALL
-- very unequal parts (5 %, 10 %, 85 %): small states merged into a large one
SELECT 'by row number, unequal', id, CASE WHEN id % 20 = 0 THEN 1 WHEN id % 20 < 3 THEN 2 ELSE 3 END FROM o;

-- every order of the three parts
CREATE TABLE perms AS
SELECT ARRAY[a, b, c] AS perm
FROM generate_series(1, 3) a, generate_series(1, 3) b, generate_series(1, 3) c
WHERE a <> b AND b <> c AND a <> c;

-- clv_summary (integer and text keys): the merged summary is the same
-- value, byte for byte (its text form is canonical)
CREATE TABLE summary_parts AS
SELECT s.split, s.part, clv_summary(o.customer_id, o.ordered_at, o.amount) AS si,
	   clv_summary(o.customer_text, o.ordered_at, o.amount) AS st
FROM splits s JOIN o USING (id) GROUP BY 1, 2;
SELECT p.split, count(*) AS orders,
	   bool_and(p.si::text = (SELECT clv_summary(customer_id, ordered_at, amount)::text FROM o)) AS int_keys_equal,
	   bool_and(p.st::text = (SELECT clv_summary(customer_text, ordered_at, amount)::text FROM o)) AS text_keys_equal
FROM (SELECT sp.split, pm.perm,
			 rollup(sp.si ORDER BY array_position(pm.perm, sp.part)) AS si,
			 rollup(sp.st ORDER BY array_position(pm.perm, sp.part)) AS st
	  FROM summary_parts sp CROSS JOIN perms pm GROUP BY 1, 2) p
GROUP BY 1 ORDER BY 1;
-- as a tree: (1 + 2) + 3 and 1 + (2 + 3), each subtotal stored first
SELECT split,
	   (SELECT rollup(x)::text FROM (SELECT rollup(si) AS x FROM summary_parts sp WHERE sp.split = s.split AND part < 3
									UNION ALL SELECT si FROM summary_parts sp WHERE sp.split = s.split AND part = 3) t)
	   = (SELECT clv_summary(customer_id, ordered_at, amount)::text FROM o) AS left_tree_equal,
	   (SELECT rollup(x)::text FROM (SELECT si AS x FROM summary_parts sp WHERE sp.split = s.split AND part = 1
									UNION ALL SELECT rollup(si) FROM summary_parts sp WHERE sp.split = s.split AND part > 1) t)
	   = (SELECT clv_summary(customer_id, ordered_at, amount)::text FROM o) AS right_tree_equal
FROM (SELECT DISTINCT split FROM splits) s ORDER BY 1;
-- merging an empty summary changes nothing, in either position
SELECT rollup(s ORDER BY k)::text = (SELECT clv_summary(customer_id, ordered_at, amount)::text FROM o) AS empty_first,
	   rollup(s ORDER BY -k)::text = (SELECT clv_summary(customer_id, ordered_at, amount)::text FROM o) AS empty_last
FROM (SELECT 1 AS k, clv_summary(customer_id, ordered_at, amount) AS s FROM o WHERE false
	  UNION ALL SELECT 2, clv_summary(customer_id, ordered_at, amount) FROM o) x;

-- clv_horizon_state: the same CLV over the horizon, and the same value,
-- byte for byte (its text form is canonical: customers sorted by key, the
-- kept rows by key and time, rows past a window end dropped)
CREATE TABLE horizon_parts AS
SELECT s.split, s.part, horizon_state(o.customer_id, o.ordered_at, o.amount, interval '30 days') AS hi,
	   horizon_state(o.customer_text, o.ordered_at, o.amount, interval '1 mon') AS ht
FROM splits s JOIN o USING (id) GROUP BY 1, 2;
CREATE TABLE horizon_whole AS
SELECT horizon_state(customer_id, ordered_at, amount, interval '30 days') AS hi,
	   horizon_state(customer_text, ordered_at, amount, interval '1 mon') AS ht
FROM o;
SELECT p.split, count(*) AS orders,
	   bool_and(clv_horizon_final(p.hi) = (SELECT clv_agg(customer_id, ordered_at, amount, interval '30 days') FROM o)) AS int_keys_equal,
	   bool_and(clv_horizon_final(p.ht) = (SELECT clv_agg(customer_text, ordered_at, amount, interval '1 mon') FROM o)) AS text_keys_equal,
	   bool_and(clv_horizon_final(p.hi) IS NOT NULL) AS not_null,
	   bool_and(p.hi::text = w.hi::text) AS int_keys_same_text,
	   bool_and(p.ht::text = w.ht::text) AS text_keys_same_text
FROM (SELECT hp.split, pm.perm,
			 horizon_rollup(hp.hi ORDER BY array_position(pm.perm, hp.part)) AS hi,
			 horizon_rollup(hp.ht ORDER BY array_position(pm.perm, hp.part)) AS ht
	  FROM horizon_parts hp CROSS JOIN perms pm GROUP BY 1, 2) p, horizon_whole w
GROUP BY 1 ORDER BY 1;
-- as a tree: (1 + 2) + 3 and 1 + (2 + 3), each subtotal stored first; and
-- merging an empty state changes nothing, in either position
SELECT split,
	   (SELECT horizon_rollup(x)::text FROM (SELECT horizon_rollup(hi) AS x FROM horizon_parts hp WHERE hp.split = s.split AND part < 3
											UNION ALL SELECT hi FROM horizon_parts hp WHERE hp.split = s.split AND part = 3) t)
	   = (SELECT hi::text FROM horizon_whole) AS left_tree_equal,
	   (SELECT horizon_rollup(x)::text FROM (SELECT ht AS x FROM horizon_parts hp WHERE hp.split = s.split AND part = 1
											UNION ALL SELECT horizon_rollup(ht) FROM horizon_parts hp WHERE hp.split = s.split AND part > 1) t)
	   = (SELECT ht::text FROM horizon_whole) AS right_tree_equal
FROM (SELECT DISTINCT split FROM splits) s ORDER BY 1;
SELECT horizon_rollup(s ORDER BY k)::text = (SELECT hi::text FROM horizon_whole) AS empty_first,
	   horizon_rollup(s ORDER BY -k)::text = (SELECT hi::text FROM horizon_whole) AS empty_last
FROM (SELECT 1 AS k, horizon_state(customer_id, ordered_at, amount, interval '30 days') AS s FROM o WHERE amount IS NULL
	  UNION ALL SELECT 2, hi FROM horizon_whole) x;

-- clv_cohort_state: the same cohort table, and the same value, byte for
-- byte (its text form is canonical, whatever the merge order)
CREATE TABLE cohort_parts AS
SELECT s.split, s.part, clv_cohort_state(o.customer_id, o.ordered_at, o.amount, 'month', 'UTC') AS ci,
	   clv_cohort_state(o.customer_text, o.ordered_at, o.amount, 'week', 'Europe/Paris') AS ct
FROM splits s JOIN o USING (id) GROUP BY 1, 2;
CREATE TABLE cohort_whole AS
SELECT clv_cohort_state(customer_id, ordered_at, amount, 'month', 'UTC') AS ci,
	   clv_cohort_state(customer_text, ordered_at, amount, 'week', 'Europe/Paris') AS ct
FROM o;
CREATE FUNCTION cohort_text(s clv_cohort_state) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(t::text, ';' ORDER BY t.cohort, t.period_offset) FROM clv_cohort_table(s) t
$$;
SELECT p.split, count(*) AS orders,
	   bool_and(cohort_text(p.ci) = cohort_text(w.ci)) AS int_keys_equal,
	   bool_and(cohort_text(p.ct) = cohort_text(w.ct)) AS text_keys_equal,
	   bool_and(p.ci::text = w.ci::text) AS int_keys_same_text,
	   bool_and(p.ct::text = w.ct::text) AS text_keys_same_text
FROM (SELECT cp.split, pm.perm,
			 rollup(cp.ci ORDER BY array_position(pm.perm, cp.part)) AS ci,
			 rollup(cp.ct ORDER BY array_position(pm.perm, cp.part)) AS ct
	  FROM cohort_parts cp CROSS JOIN perms pm GROUP BY 1, 2) p, cohort_whole w
GROUP BY 1 ORDER BY 1;
-- as a tree: (1 + 2) + 3 and 1 + (2 + 3), each subtotal stored first; and
-- merging an empty state changes nothing, in either position
SELECT split,
	   (SELECT rollup(x)::text FROM (SELECT rollup(ci) AS x FROM cohort_parts cp WHERE cp.split = s.split AND part < 3
									UNION ALL SELECT ci FROM cohort_parts cp WHERE cp.split = s.split AND part = 3) t)
	   = (SELECT ci::text FROM cohort_whole) AS left_tree_equal,
	   (SELECT rollup(x)::text FROM (SELECT ct AS x FROM cohort_parts cp WHERE cp.split = s.split AND part = 1
									UNION ALL SELECT rollup(ct) FROM cohort_parts cp WHERE cp.split = s.split AND part > 1) t)
	   = (SELECT ct::text FROM cohort_whole) AS right_tree_equal
FROM (SELECT DISTINCT split FROM splits) s ORDER BY 1;
SELECT rollup(s ORDER BY k)::text = (SELECT ci::text FROM cohort_whole) AS empty_first,
	   rollup(s ORDER BY -k)::text = (SELECT ci::text FROM cohort_whole) AS empty_last
FROM (SELECT 1 AS k, clv_cohort_state(customer_id, ordered_at, amount, 'month', 'UTC') AS s FROM o WHERE amount IS NULL
	  UNION ALL SELECT 2, ci FROM cohort_whole) x;

-- the same rows fed in different orders (by id, reversed, shuffled by a
-- hash, by time descending) give the same value, byte for byte, for every
-- state type
SELECT ord,
	   clv_summary(customer_id, ordered_at, amount ORDER BY k)::text
	   = (SELECT clv_summary(customer_id, ordered_at, amount)::text FROM o) AS summary_same_text,
	   clv_summary(customer_text, ordered_at, amount ORDER BY k)::text
	   = (SELECT clv_summary(customer_text, ordered_at, amount)::text FROM o) AS summary_text_keys_same_text,
	   horizon_state(customer_id, ordered_at, amount, interval '30 days' ORDER BY k)::text
	   = (SELECT hi::text FROM horizon_whole) AS horizon_same_text,
	   horizon_state(customer_text, ordered_at, amount, interval '1 mon' ORDER BY k)::text
	   = (SELECT ht::text FROM horizon_whole) AS horizon_text_keys_same_text,
	   clv_cohort_state(customer_id, ordered_at, amount, 'month', 'UTC' ORDER BY k)::text
	   = (SELECT ci::text FROM cohort_whole) AS cohort_same_text,
	   clv_cohort_state(customer_text, ordered_at, amount, 'week', 'Europe/Paris' ORDER BY k)::text
	   = (SELECT ct::text FROM cohort_whole) AS cohort_text_keys_same_text
FROM (SELECT 'by id' AS ord, to_char(id, 'FM000000') AS k, o.* FROM o
	  UNION ALL SELECT 'reversed', to_char(100000 - id, 'FM000000'), o.* FROM o
	  UNION ALL SELECT 'shuffled', md5(id::text), o.* FROM o
	  UNION ALL SELECT 'by time descending', coalesce(to_char(extract(epoch FROM '2030-01-01'::timestamptz - ordered_at), 'FM0000000000'), ''), o.* FROM o) x
GROUP BY 1 ORDER BY 1;
-- likewise for small states (7 customers, about 50 rows: the states stay
-- flat values while the aggregate updates them)
SELECT ord, count(*) AS rows,
	   clv_summary(customer_id, ordered_at, amount ORDER BY k)::text
	   = (SELECT clv_summary(customer_id, ordered_at, amount)::text FROM o WHERE customer_id < 7) AS summary_same_text,
	   horizon_state(customer_text, ordered_at, amount, interval '1 mon' ORDER BY k)::text
	   = (SELECT horizon_state(customer_text, ordered_at, amount, interval '1 mon')::text FROM o WHERE customer_id < 7) AS horizon_same_text,
	   clv_cohort_state(customer_id, ordered_at, amount, 'month', 'UTC' ORDER BY k)::text
	   = (SELECT clv_cohort_state(customer_id, ordered_at, amount, 'month', 'UTC')::text FROM o WHERE customer_id < 7) AS cohort_same_text
FROM (SELECT 'by id' AS ord, to_char(id, 'FM000000') AS k, o.* FROM o
	  UNION ALL SELECT 'reversed', to_char(100000 - id, 'FM000000'), o.* FROM o
	  UNION ALL SELECT 'shuffled', md5(id::text), o.* FROM o) x
WHERE customer_id < 7
GROUP BY 1 ORDER BY 1;

-- the merged states round-trip as well
SELECT split, text_round_trip('', si::text) AS summary, text_round_trip('', st::text) AS summary_text_keys,
	   text_round_trip('', hi::text) AS horizon, text_round_trip('', ci::text) AS cohort
FROM (SELECT split, rollup(si) AS si, rollup(st) AS st FROM summary_parts GROUP BY 1) s
JOIN (SELECT split, horizon_rollup(hi) AS hi FROM horizon_parts GROUP BY 1) h USING (split)
JOIN (SELECT split, rollup(ci) AS ci FROM cohort_parts GROUP BY 1) c USING (split)
ORDER BY split;

-- large states (more than 4,096 customers: batched updates), with negative
-- and 64-bit customer ids: the merged parts equal the one-step summary,
-- whose figures agree with plain SQL
CREATE TABLE big AS
SELECT g AS id,
	   CASE g % 3 WHEN 0 THEN -((g * 7919) % 6007) WHEN 1 THEN (g * 7919) % 6007
				  ELSE (g % 6007) * 4294967296 + 17 END::bigint AS customer_id,
	   '2023-01-01'::timestamptz + ((g * 104729) % 525600) * interval '1 minute' AS ordered_at,
	   CASE WHEN g % 11 = 0 THEN -1.5 ELSE (g % 500) / 4.0 END::numeric(10,2) AS amount
FROM generate_series(1::bigint, 40000) g;
CREATE TABLE big_parts AS
SELECT id % 4 AS part, clv_summary(customer_id, ordered_at, amount) AS s FROM big GROUP BY 1;
SELECT bool_and(m::text = (SELECT clv_summary(customer_id, ordered_at, amount)::text FROM big)) AS merged_equal,
	   count(*) AS orders_tried
FROM (SELECT rollup(s ORDER BY (part + k) % 4) AS m FROM big_parts, generate_series(0, 3) k GROUP BY k) x;
SELECT customers(s) = (SELECT count(DISTINCT customer_id) FILTER (WHERE amount >= 0) FROM big) AS customers_ok,
	   orders(s) = (SELECT count(*) FILTER (WHERE amount >= 0) FROM big) AS orders_ok,
	   repeat_customers(s) = (SELECT count(*) FROM (SELECT customer_id FROM big WHERE amount >= 0
													GROUP BY 1 HAVING count(*) >= 2) r) AS repeat_ok,
	   text_round_trip('', s::text) AS round_trip
FROM (SELECT clv_summary(customer_id, ordered_at, amount) AS s FROM big) x;

-- btyd_data (the state of the model fits), built from clv_rfm rows: the
-- merged states hold the same customers and distinct inputs and give the
-- same fits, to the last bit
CREATE TABLE rfm AS
SELECT customer_id, (r).frequency::float8 AS frequency, (r).recency, (r).t, (r).monetary_value::float8 AS monetary_value
FROM (SELECT customer_id, clv_rfm(ordered_at, amount, '2024-01-01 00:00:00+00') AS r
	  FROM o WHERE customer_id IS NOT NULL AND ordered_at IS NOT NULL AND amount IS NOT NULL
	  GROUP BY 1) x
WHERE (r).frequency IS NOT NULL;	-- refunds only: no summary (sql/refunds.sql)
CREATE TABLE rfm_splits AS
SELECT 'by customer' AS split, customer_id, 1 + customer_id % 3 AS part FROM rfm
UNION ALL
SELECT 'by time', customer_id, CASE WHEN t < 200 THEN 1 WHEN t < 300 THEN 2 ELSE 3 END FROM rfm
UNION ALL
SELECT 'by row number', customer_id, 1 + (row_number() OVER (ORDER BY recency, customer_id)) % 3 FROM rfm;
CREATE TABLE btyd_parts AS
SELECT s.split, s.part, btyd_data(r.frequency, r.recency, r.t) AS d3,
	   btyd_data(r.frequency, r.monetary_value) FILTER (WHERE r.frequency > 0) AS d2
FROM rfm_splits s JOIN rfm r USING (customer_id) GROUP BY 1, 2;
-- the whole, and the parts merged in every order of every split
CREATE TABLE btyd_whole AS
SELECT btyd_data(frequency, recency, t) AS d3,
	   btyd_data(frequency, monetary_value) FILTER (WHERE frequency > 0) AS d2 FROM rfm;
CREATE TABLE btyd_merged AS
SELECT bp.split, pm.perm,
	   rollup(bp.d3 ORDER BY array_position(pm.perm, bp.part)) AS d3,
	   rollup(bp.d2 ORDER BY array_position(pm.perm, bp.part)) AS d2
FROM btyd_parts bp CROSS JOIN perms pm GROUP BY 1, 2;
SELECT btyd_data_customers(d3) AS customers, btyd_data_customers(d3) = (SELECT count(*) FROM rfm) AS counted,
	   text_round_trip('', d3::text) AS rfm_round_trip, text_round_trip('', d2::text) AS spend_round_trip
FROM btyd_whole;
SELECT p.split, count(*) AS orders,
	   bool_and(btyd_data_customers(p.d3) = btyd_data_customers(w.d3)
				AND btyd_data_distinct(p.d3) = btyd_data_distinct(w.d3)) AS rfm_same_inputs,
	   bool_and(bgnbd_fit(p.d3)::text = bgnbd_fit(w.d3)::text) AS bgnbd_fit_equal,
	   bool_and(btyd_data_customers(p.d2) = btyd_data_customers(w.d2)
				AND btyd_data_distinct(p.d2) = btyd_data_distinct(w.d2)) AS spend_same_inputs,
	   bool_and(gamma_gamma_fit(p.d2)::text = gamma_gamma_fit(w.d2)::text) AS gamma_gamma_fit_equal
FROM btyd_merged p, btyd_whole w
GROUP BY 1 ORDER BY 1;
-- and equal as text (the text form lists entries in canonical order)
SELECT p.split, bool_and(p.d3::text = w.d3::text) AS rfm_equal_text,
	   bool_and(p.d2::text = w.d2::text) AS spend_equal_text
FROM btyd_merged p, btyd_whole w
GROUP BY 1 ORDER BY 1;
-- binary round trip
CREATE TABLE bin_btyd (what text, s btyd_data);
INSERT INTO bin_btyd
SELECT 'rfm', btyd_data(frequency, recency, t) FROM rfm
UNION ALL
SELECT 'spend', btyd_data(frequency, monetary_value) FROM rfm WHERE frequency > 0;
\copy bin_btyd TO 'results/state_io_btyd.bin' WITH (FORMAT binary)
CREATE TEMP TABLE rb (LIKE bin_btyd);
\copy rb FROM 'results/state_io_btyd.bin' WITH (FORMAT binary)
SELECT b.what, r.s::text = b.s::text AS binary_round_trip
FROM bin_btyd b JOIN rb r USING (what) ORDER BY 1;

-- the rollup of stored daily summaries shown in the README ("Scaling out
-- with Citus"), equal to the one-step figures over the same orders
CREATE TABLE daily_summaries AS
SELECT ordered_at::date AS day, clv_summary(customer_id, ordered_at, amount) AS summary
FROM o WHERE ordered_at IS NOT NULL GROUP BY 1;
SELECT clv(rollup(summary)), repeat_rate(rollup(summary))
FROM daily_summaries WHERE day >= '2023-07-01';
SELECT sum(r) / count(*) FILTER (WHERE n > 0) AS clv_plain,
	   count(*) FILTER (WHERE n >= 2)::float8 / count(*) FILTER (WHERE n > 0) AS repeat_rate_plain
FROM (SELECT sum(amount) AS r, count(*) FILTER (WHERE amount >= 0) AS n
	  FROM o WHERE ordered_at >= '2023-07-01' AND customer_id IS NOT NULL AND amount IS NOT NULL
	  GROUP BY customer_id) c;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_state_io CASCADE;
RESET client_min_messages;
