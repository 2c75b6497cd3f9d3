--
-- engine: the per-customer state engine under clv_summary and the horizon
-- state (src/custtab.c), where its paths differ: short text keys packed
-- into the entry and longer ones in the arena, uuid keys, domains over key
-- types, states that cross from small (flat) to large (expanded) and from
-- single-row updates to batches (4,096 customers), the in-place growth,
-- and the horizon's window ends in a zone with daylight saving time.
-- Every figure is checked against plain SQL over the same rows.
--
CREATE SCHEMA test_engine;
SET search_path = test_engine, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

-- 30,000 orders of 9,000 customers in random time order, with keys of every
-- length: c-<n> (3 to 6 bytes, packed), customer-number-<n> (19 to 22
-- bytes, arena) and uuids; 7 % refunds
CREATE TABLE e AS
SELECT g AS id,
	   (g * 7919) % 9000 AS n,
	   '2023-01-01'::timestamptz + ((g * 104729) % 525600) * interval '1 minute'
		 + ((g * 31) % 60) * interval '1 second' AS ordered_at,
	   CASE WHEN g % 14 = 0 THEN -((g % 40) + 0.5) ELSE (g % 997) / 4.0 END::numeric(10,2) AS amount
FROM generate_series(1::bigint, 30000) g;
ALTER TABLE e ADD COLUMN k text, ADD COLUMN u uuid;
UPDATE e SET k = CASE WHEN n % 2 = 0 THEN 'c-' || n ELSE 'customer-number-' || n END,
			 u = md5('u' || n)::uuid;

-- one summary per key type: the figures agree with plain SQL
CREATE FUNCTION plain_figures(keycol text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	EXECUTE format($q$
		SELECT concat_ws(' ', count(*) FILTER (WHERE o > 0), sum(o), sum(r), count(*) FILTER (WHERE o >= 2),
						 min(f), max(l))
		FROM (SELECT %I, count(*) FILTER (WHERE amount >= 0) AS o, sum(amount) AS r,
					 min(ordered_at) FILTER (WHERE amount >= 0) AS f, max(ordered_at) FILTER (WHERE amount >= 0) AS l
			  FROM e GROUP BY 1) c$q$, keycol) INTO r;
	RETURN r;
END $$;
CREATE FUNCTION clv_figures(s clv_summary) RETURNS text LANGUAGE sql AS $$
	SELECT concat_ws(' ', customers(s), orders(s), revenue(s), repeat_customers(s), first_order(s), last_order(s))
$$;
SELECT clv_figures(clv_summary(n, ordered_at, amount)) = plain_figures('n') AS int_keys,
	   clv_figures(clv_summary(k, ordered_at, amount)) = plain_figures('k') AS text_keys,
	   clv_figures(clv_summary(u, ordered_at, amount)) = plain_figures('u') AS uuid_keys
FROM e;

-- the same summaries built in 7 parts (small and large states, flat and
-- expanded) and rolled up in any order are the same values, byte for byte
CREATE TABLE e_parts AS
SELECT id % 7 AS part, clv_summary(n, ordered_at, amount) AS si, clv_summary(k, ordered_at, amount) AS st,
	   clv_summary(u, ordered_at, amount) AS su
FROM e GROUP BY 1;
SELECT bool_and(si::text = (SELECT clv_summary(n, ordered_at, amount)::text FROM e)) AS int_equal,
	   bool_and(st::text = (SELECT clv_summary(k, ordered_at, amount)::text FROM e)) AS text_equal,
	   bool_and(su::text = (SELECT clv_summary(u, ordered_at, amount)::text FROM e)) AS uuid_equal
FROM (SELECT k, rollup(si ORDER BY (part * k) % 7) AS si, rollup(st ORDER BY (part + k) % 7) AS st,
			 rollup(su ORDER BY (part * 3 + k) % 7) AS su
	  FROM e_parts, generate_series(1, 3) k GROUP BY k) x;

-- text keys in canonical (byte) order, whatever their length: the first key
-- of the binary form (after 40 bytes of header and its 4-byte length) is
-- the least key in byte order
SELECT min(k COLLATE "C") AS least_key FROM e;
SELECT get_byte(b, 43) AS first_key_length, convert_from(substr(b, 45, 3), 'UTF8') AS first_key
FROM (SELECT clv_summary_send(clv_summary(k, ordered_at, amount)) AS b FROM e) x;

-- domains over the key types are keys of their base type
CREATE DOMAIN cust_code AS text CHECK (VALUE <> '');
CREATE DOMAIN cust_no AS bigint CHECK (VALUE >= 0);
SELECT clv_agg(k::cust_code, ordered_at, amount) = clv_agg(k, ordered_at, amount) AS text_domain,
	   clv_agg(n::cust_no, ordered_at, amount) = clv_agg(n, ordered_at, amount) AS bigint_domain
FROM e;

-- clv_agg with a horizon against the definition in plain SQL, over rows in
-- random order, for horizons decided by bounds and exactly, in UTC and in
-- a zone with daylight saving time (the window end is timestamptz +
-- interval in the session TimeZone)
CREATE FUNCTION plain_horizon(keycol text, h interval) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE r numeric;
BEGIN
	EXECUTE format($q$
		WITH f AS (SELECT %1$I AS c, min(ordered_at) FILTER (WHERE amount >= 0) AS first FROM e GROUP BY 1),
			 q AS (SELECT c, first FROM f WHERE first + $1 <= (SELECT max(ordered_at) FILTER (WHERE amount >= 0) FROM e))
		SELECT sum(e.amount) / (SELECT count(*) FROM q)
		FROM e JOIN q ON e.%1$I = q.c WHERE e.ordered_at < q.first + $1$q$, keycol) INTO r USING h;
	RETURN r;
END $$;
CREATE TABLE horizons (tz text, h interval);
INSERT INTO horizons VALUES ('UTC', '90 days'), ('UTC', '1 mon'), ('UTC', '36 hours'),
	('Europe/Paris', '90 days'), ('Europe/Paris', '1 mon 3 days'), ('America/Santiago', '120 days');
CREATE FUNCTION check_horizon(tz text, h interval) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a numeric; b numeric; c numeric; p numeric;
BEGIN
	PERFORM set_config('TimeZone', tz, true);
	SELECT clv_agg(n, ordered_at, amount, h), clv_agg(k, ordered_at, amount, h),
		   clv_agg(u, ordered_at, amount, h) INTO a, b, c FROM e;
	p := plain_horizon('n', h);
	RETURN concat_ws(' ', round(a, 10) = round(p, 10), round(b, 10) = round(plain_horizon('k', h), 10),
					 round(c, 10) = round(plain_horizon('u', h), 10));
END $$;
SELECT tz, h, check_horizon(tz, h) AS int_text_uuid_equal FROM horizons;

-- the horizon state of parts, merged in any order, is the one-step state
CREATE AGGREGATE horizon_state(bigint, timestamptz, numeric, interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state);
CREATE AGGREGATE horizon_state(text, timestamptz, numeric, interval) (
	SFUNC = clv_horizon_accum, STYPE = clv_horizon_state);
CREATE AGGREGATE horizon_rollup(clv_horizon_state) (
	SFUNC = clv_horizon_combine, STYPE = clv_horizon_state);
CREATE TABLE h_parts AS
SELECT id % 5 AS part, horizon_state(n, ordered_at, amount, interval '90 days') AS hi,
	   horizon_state(k, ordered_at, amount, interval '90 days') AS ht
FROM e GROUP BY 1;
SELECT bool_and(hi::text = (SELECT horizon_state(n, ordered_at, amount, interval '90 days')::text FROM e)) AS int_equal,
	   bool_and(ht::text = (SELECT horizon_state(k, ordered_at, amount, interval '90 days')::text FROM e)) AS text_equal
FROM (SELECT k, horizon_rollup(hi ORDER BY (part * k) % 5) AS hi, horizon_rollup(ht ORDER BY (part + k) % 5) AS ht
	  FROM h_parts, generate_series(1, 3) k GROUP BY k) x;

-- the canonical order of large states of integer keys (flattened without
-- sort records: src/custsort.c), over keys spread unevenly: both ends of
-- bigint, negatives, a dense run, a cluster of 997 keys near 2^62 with
-- about 10 orders each, a sparse spread, and 8 keys with 2,000 to 3,333
-- orders each.  The keys of the binary form (40 bytes of header, then 32
-- bytes per customer: key, first, last, orders) are the distinct keys in
-- ascending order, as ORDER BY puts them; and reading a text form back,
-- which sorts what is out of order with the general sort, gives the same
-- value, for the summary and for the horizon state, whose (customer, order
-- time) rows are ordered by the time within each customer.
CREATE TABLE skew AS
SELECT k, '2024-01-01'::timestamptz + ((g * 7919) % 100000) * interval '1 minute' AS ordered_at,
	   (g % 50)::numeric AS amount
FROM (SELECT g, CASE g % 6 WHEN 0 THEN g
						   WHEN 1 THEN -g
						   WHEN 2 THEN 4611686018427387904 + g % 997
						   WHEN 3 THEN (g * 104729) % 1000000007 * 1000003
						   WHEN 4 THEN 9223372036854775807 - g % 5
						   ELSE -9223372036854775808 + g % 3 END AS k
	  FROM generate_series(1::bigint, 60000) g) x;
SELECT length(b) = 40 + 32 * (SELECT count(DISTINCT k) FROM skew) AS binary_length,
	   (SELECT bool_and(('x' || encode(substr(b, 41 + 32 * (d.i - 1)::int, 8), 'hex'))::bit(64)::bigint = d.k)
		FROM (SELECT k, row_number() OVER (ORDER BY k) AS i FROM (SELECT DISTINCT k FROM skew) u) d) AS keys_ascending
FROM (SELECT clv_summary_send(clv_summary(k, ordered_at, amount)) AS b FROM skew) x;
-- the binary form of a horizon state with integer keys, walked: after 40
-- bytes of header, per customer its key, first order, number of rows n
-- (int4) and n rows of (time, amount as two int8); true if the keys and
-- each customer's row times are strictly ascending (n rows in all)
CREATE FUNCTION horizon_in_order(b bytea, OUT ordered boolean, OUT customers int, OUT rows int)
LANGUAGE plpgsql AS $$
DECLARE
	pos int := 41;
	n int;
	key bigint;
	prevkey bigint;
	t bigint;
	prevt bigint;
BEGIN
	ordered := true;
	customers := 0;
	rows := 0;
	WHILE pos <= length(b) LOOP
		key := ('x' || encode(substr(b, pos, 8), 'hex'))::bit(64)::bigint;
		n := ('x' || encode(substr(b, pos + 16, 4), 'hex'))::bit(32)::int;
		ordered := ordered AND (prevkey IS NULL OR key > prevkey);
		prevkey := key;
		pos := pos + 20;
		prevt := NULL;
		FOR i IN 1..n LOOP
			t := ('x' || encode(substr(b, pos, 8), 'hex'))::bit(64)::bigint;
			ordered := ordered AND (prevt IS NULL OR t > prevt);
			prevt := t;
			pos := pos + 24;
		END LOOP;
		customers := customers + 1;
		rows := rows + n;
	END LOOP;
END $$;
SELECT customers(s) = (SELECT count(DISTINCT k) FROM skew) AS customers,
	   s::text::clv_summary::text = s::text AS summary_read_back,
	   h::text::clv_horizon_state::text = h::text AS horizon_read_back,
	   (horizon_in_order(clv_horizon_state_send(h))).ordered AS horizon_ordered,
	   (horizon_in_order(clv_horizon_state_send(h))).customers = (SELECT count(DISTINCT k) FROM skew) AS horizon_customers,
	   (horizon_in_order(clv_horizon_state_send(h))).rows > 10000 AS horizon_rows
FROM (SELECT clv_summary(k, ordered_at, amount) AS s, horizon_state(k, ordered_at, amount, interval '1 mon') AS h
	  FROM skew) x;

-- the same for text keys, whose canonical order is byte order: keys of 2
-- to 6 bytes that share a first byte (packed in the entry), keys of 20 to
-- 30 bytes that share 16 and tie on the next 8 (in the arena), and both
-- kinds mixed with uuids' text.  The binary form holds per customer a
-- 4-byte length, the key, first, last and orders (24 bytes); its keys are
-- strictly ascending in "C" order, and read back equal.
CREATE FUNCTION text_keys_in_order(b bytea, OUT ordered boolean, OUT customers int)
LANGUAGE plpgsql AS $$
DECLARE
	pos int := 41;
	len int;
	key bytea;
	prev bytea;
BEGIN
	ordered := true;
	customers := 0;
	WHILE pos <= length(b) LOOP
		len := ('x' || encode(substr(b, pos, 4), 'hex'))::bit(32)::int;
		key := substr(b, pos + 4, len);
		ordered := ordered AND (prev IS NULL OR convert_from(prev, 'UTF8') COLLATE "C" < convert_from(key, 'UTF8') COLLATE "C");
		prev := key;
		pos := pos + 4 + len + 24;
		customers := customers + 1;
	END LOOP;
END $$;
CREATE TABLE tkeys AS
SELECT g, 'k' || (g * 7919) % 99991 AS short_k,
	   'customer-number-' || lpad(((g * 104729) % 9973)::text, 8, '0') || repeat('x', (g % 7)::int) AS long_k,
	   CASE g % 3 WHEN 0 THEN 'k' || g % 5003 WHEN 1 THEN 'customer-number-' || g % 4001
				  ELSE md5((g % 3001)::text)::uuid::text END AS mixed_k,
	   '2024-01-01'::timestamptz + (g % 1000) * interval '1 hour' AS ordered_at, (g % 50)::numeric AS amount
FROM generate_series(1::bigint, 60000) g;
SELECT c.col,
	   (text_keys_in_order(clv_summary_send(c.s))).ordered AS keys_ascending,
	   (text_keys_in_order(clv_summary_send(c.s))).customers = c.n AS customers,
	   c.s::text::clv_summary::text = c.s::text AS read_back
FROM (SELECT 'short_k' AS col, clv_summary(short_k, ordered_at, amount) AS s, count(DISTINCT short_k) AS n FROM tkeys
	  UNION ALL
	  SELECT 'long_k', clv_summary(long_k, ordered_at, amount), count(DISTINCT long_k) FROM tkeys
	  UNION ALL
	  SELECT 'mixed_k', clv_summary(mixed_k, ordered_at, amount), count(DISTINCT mixed_k) FROM tkeys) c
ORDER BY 1;

-- a parallel plan (the workers' flat states merged in one pass) gives the
-- serial results
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE e SET (parallel_workers = 2);
-- (these settings give a parallel plan: parallel.sql asserts that)
CREATE TABLE par AS
SELECT clv_summary(n, ordered_at, amount)::text AS si, clv_summary(k, ordered_at, amount)::text AS st,
	   clv_agg(n, ordered_at, amount, interval '90 days') AS hi, clv_agg(k, ordered_at, amount, interval '90 days') AS ht
FROM e;
RESET max_parallel_workers_per_gather;
SELECT p.si = s.si AS summary_int, p.st = s.st AS summary_text, p.hi = s.hi AS horizon_int, p.ht = s.ht AS horizon_text
FROM par p,
	 (SELECT clv_summary(n, ordered_at, amount)::text AS si, clv_summary(k, ordered_at, amount)::text AS st,
			 clv_agg(n, ordered_at, amount, interval '90 days') AS hi, clv_agg(k, ordered_at, amount, interval '90 days') AS ht
	  FROM e) s;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_engine CASCADE;
RESET client_min_messages;
