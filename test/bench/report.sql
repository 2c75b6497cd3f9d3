-- test/bench/report.sql: print the results of bench.sql as Markdown tables
-- (run by run.sh with psql -At).
CREATE OR REPLACE FUNCTION bench.same(a text, b text) RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN a IS NULL OR b IS NULL THEN '-'
				WHEN a = b THEN 'yes'
				WHEN a ~ '^-?[0-9.]+(e[-+]?[0-9]+)?$' AND b ~ '^-?[0-9.]+(e[-+]?[0-9]+)?$'
					 AND a::numeric = b::numeric THEN 'yes'
				ELSE 'NO' END
$$;
CREATE OR REPLACE FUNCTION bench.f(x float8, digits int DEFAULT 0) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(round(x::numeric, digits)::text, '-')
$$;
CREATE OR REPLACE FUNCTION bench.ok(cond boolean) RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN cond IS NULL THEN '-' WHEN cond THEN 'met' ELSE 'NOT met' END
$$;

CREATE TEMP VIEW r AS
SELECT q.name, q.one_step, q.mem, s.nrows, s.ncustomers, s.workers,
	   x.*, fl.clv_ser AS floor_ser, fl.clv_par AS floor_par,
	   least(x.gb_ser, x.di_ser) AS plain_ser,
	   least(x.gb_par, x.di_ser) AS plain_par
FROM bench.queries q
JOIN bench.results x USING (ord)
CROSS JOIN bench.settings s
CROSS JOIN (SELECT clv_ser, clv_par FROM bench.results WHERE ord = 0) fl;

SELECT '| query | serial ms | ns/row | ' || workers || ' workers ms | speedup | same result | '
	   || 'plain GROUP BY ms (serial / parallel) | plain count(DISTINCT) ms | best plain / clv (serial / parallel) | '
	   || 'clv / scan floor (serial / parallel) | state bytes / customer | clv = plain |'
FROM bench.settings;
SELECT '|---|---:|---:|---:|---:|:---:|---:|---:|---:|---:|---:|:---:|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |',
			  name,
			  bench.f(clv_ser), bench.f(clv_ser * 1e6 / nrows), bench.f(clv_par),
			  bench.f(clv_ser / clv_par, 2),
			  CASE WHEN res_par IS NULL THEN '-' WHEN res_par = res_ser THEN 'yes' ELSE 'NO' END,
			  CASE WHEN gb_ser IS NULL THEN '-' ELSE bench.f(gb_ser) || ' / ' || bench.f(gb_par) END,
			  bench.f(di_ser),
			  CASE WHEN ord = 0 OR plain_ser IS NULL THEN '-'
				   ELSE bench.f(plain_ser / clv_ser, 2) || ' / ' || bench.f(plain_par / clv_par, 2) END,
			  CASE WHEN ord = 0 THEN '1' ELSE bench.f(clv_ser / floor_ser, 2) || ' / ' || bench.f(clv_par / floor_par, 2) END,
			  CASE WHEN state_bytes IS NULL THEN '-'
				   ELSE bench.f(state_bytes / ncustomers, 1) || CASE WHEN mem = 'hashagg' THEN ' (HashAggregate)' ELSE '' END END,
			  CASE WHEN res_gb IS NULL AND res_di IS NULL THEN '-'
				   ELSE concat_ws(' / ', CASE WHEN res_gb IS NOT NULL THEN bench.same(res_ser, res_gb) END,
								  CASE WHEN res_di IS NOT NULL THEN bench.same(res_ser, res_di) END) END)
FROM r ORDER BY ord;

SELECT '';
SELECT '| target (one-step aggregates) | ' || string_agg(name, ' | ' ORDER BY ord) || ' |'
FROM r WHERE one_step;
SELECT '|---|' || string_agg(':---:|', '' ORDER BY ord) FROM r WHERE one_step;
SELECT '| >= 3x faster than the best plain SQL (serial) | '
	   || string_agg(bench.ok(plain_ser / clv_ser >= 3) || ' (' || bench.f(plain_ser / clv_ser, 2) || 'x)', ' | ' ORDER BY ord) || ' |'
FROM r WHERE one_step;
SELECT '| within 2x of the scan floor (serial) | '
	   || string_agg(bench.ok(clv_ser / floor_ser <= 2) || ' (' || bench.f(clv_ser / floor_ser, 2) || 'x)', ' | ' ORDER BY ord) || ' |'
FROM r WHERE one_step;
SELECT '| ' || workers || ' workers >= 1.6x faster than serial, same result | '
	   || string_agg(bench.ok(clv_ser / clv_par >= 1.6 AND res_par = res_ser) || ' (' || bench.f(clv_ser / clv_par, 2) || 'x)', ' | ' ORDER BY ord) || ' |'
FROM r WHERE one_step GROUP BY workers;
SELECT '| <= 64 bytes of state per customer | '
	   || string_agg(bench.ok(state_bytes / ncustomers <= 64) || ' (' || bench.f(state_bytes / ncustomers, 1) || ' B)', ' | ' ORDER BY ord) || ' |'
FROM r WHERE one_step;
