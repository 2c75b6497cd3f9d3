#!/usr/bin/env bash
# test/stages/30_pgcron.sh: the scheduled refresh of
# docs/readme/scheduled_refresh.md works with pg_cron.  Installs Debian's
# postgresql-15-cron when missing, builds a private tree that has both
# pg_cron (linked from the system installation) and the clv just built,
# starts a cluster with shared_preload_libraries = 'pg_cron', loads the
# CDNOW orders of 1997 into a database `shop`, runs
# test/examples/scheduled_refresh.sql as it stands, adds the orders of 1998,
# moves the job to every minute (the smallest step of pg_cron 1.4) and waits,
# boundedly, until cron.job_run_details shows a successful run.  Then the
# materialized view holds the 1998 days too, and the monthly report (daily
# summaries rolled up) equals the one-step aggregates and plain SQL over the
# same orders.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"
# the example runs on the CDNOW sample (public data, not in the repository)
clv_need_data

CRON_WAIT=${CLV_CRON_WAIT:-150}
pkg=postgresql-$CLV_PGVER-cron

clv_check "$pkg installed" clv_apt_install "$pkg"
cron_version=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null)
echo "pg_cron: $pkg $cron_version"

# ---------------------------------------------------------------- tree
# The main private tree was made before pg_cron may have been installed: make
# one now (it links every file of the system installation, pg_cron's
# included) and copy clv's installed files into it from the main tree.
main_tree=$CLV_TREE
make_tree() {
	local t_lib t_ext m_lib m_ext f
	clv_tree_create "$CLV_TMP/tree" || return 1
	t_lib=$CLV_TMP/tree/usr/lib/postgresql/$CLV_PGVER/lib
	t_ext=$CLV_TMP/tree/usr/share/postgresql/$CLV_PGVER/extension
	m_lib=$main_tree/usr/lib/postgresql/$CLV_PGVER/lib
	m_ext=$main_tree/usr/share/postgresql/$CLV_PGVER/extension
	cp "$m_lib/clv.so" "$t_lib/" || return 1
	for f in "$m_ext"/clv.control "$m_ext"/clv--*.sql; do
		cp "$f" "$t_ext/" || return 1
	done
	chmod -R a+rX "$CLV_TMP/tree"
	test -e "$t_lib/pg_cron.so" && test -e "$t_ext/pg_cron.control" || { echo "pg_cron files missing from the tree"; return 1; }
}
clv_check "private tree with pg_cron and clv" make_tree || clv_stage_done

# ---------------------------------------------------------------- cluster
# jobs run in background workers (no libpq connection, so no password or
# host setting needed) in the database shop
clv_check "cluster with shared_preload_libraries = 'pg_cron'" \
	clv_stage_cluster cron "$CLV_TMP/tree" "shared_preload_libraries = 'pg_cron'" \
	"cron.database_name = 'shop'" "cron.use_background_workers = on" || clv_stage_done
export PGDATABASE=shop

load_1997() {
	clv_psql -d postgres -c 'CREATE DATABASE shop' || return 1
	(cd "$(clv_data_dir)" && clv_psql) <<-'EOF'
		SET TimeZone = 'UTC';
		CREATE TABLE orders (customer_id integer, order_date date, quantity integer, amount numeric(10,2));
		CREATE TABLE all_orders (LIKE orders);
		\copy all_orders FROM 'cdnow_sample_orders.csv' WITH (FORMAT csv, HEADER)
		INSERT INTO orders SELECT * FROM all_orders WHERE order_date < '1998-01-01';
	EOF
}
clv_check "database shop with the CDNOW orders of 1997" load_1997

run_example() {
	clv_psql -f test/examples/scheduled_refresh.sql || return 1
	# the example as it stands: nightly at 02:15
	local j
	j=$(clv_psql -At -c "SELECT schedule || ' | ' || command FROM cron.job WHERE jobname = 'clv-daily-refresh'") || return 1
	echo "$j"
	[ "$j" = "15 2 * * * | REFRESH MATERIALIZED VIEW CONCURRENTLY clv_daily" ]
}
# the README shows the example file unchanged (docs/readme/scheduled_refresh.md,
# or README.md once merged: the first sql block after the section heading)
doc_shows_example() {
	local doc=docs/readme/scheduled_refresh.md
	[ -f "$doc" ] || doc=README.md
	awk '/^#+ Scheduled refresh with pg_cron/ { s = 1 } s && /^```sql$/ { b = 1; next } b && /^```$/ { exit } b { print }' \
		"$doc" | diff - test/examples/scheduled_refresh.sql
}
clv_check "the README section shows test/examples/scheduled_refresh.sql as it is" doc_shows_example

clv_check "test/examples/scheduled_refresh.sql runs (extensions, materialized view, index, view, job)" run_example

# q SQL: one value
q() { clv_psql -At -c "$1"; }

clv_check "clv_daily holds the days of 1997 only" \
	test "$(q "SELECT max(day) < '1998-01-01' AND count(*) > 0 FROM clv_daily")" = t

# new orders arrive; the job is moved to every minute (pg_cron 1.5 and
# later: every 5 seconds) to see it run now
every='* * * * *'
dpkg --compare-versions "$cron_version" ge 1.5 && every='5 seconds'
started=$(q "SELECT now()")
more_orders() {
	clv_psql -c "INSERT INTO orders SELECT * FROM all_orders WHERE order_date >= '1998-01-01'" &&
		clv_psql -c "SELECT cron.alter_job(jobid, schedule => '$every') FROM cron.job WHERE jobname = 'clv-daily-refresh'" >/dev/null
}
clv_check "orders of 1998 added, job rescheduled to '$every' (cron.alter_job)" more_orders

wait_for_run() {
	local deadline=$((SECONDS + CRON_WAIT)) st
	while [ $SECONDS -lt $deadline ]; do
		st=$(q "SELECT d.status || ' | ' || coalesce(d.return_message, '') FROM cron.job_run_details d
			JOIN cron.job j USING (jobid) WHERE j.jobname = 'clv-daily-refresh' AND d.start_time >= '$started'
			AND d.status IN ('succeeded', 'failed') ORDER BY d.start_time LIMIT 1")
		if [ -n "$st" ]; then
			echo "$st after $((SECONDS + CRON_WAIT - deadline))s"
			[ "${st%% |*}" = succeeded ]
			return
		fi
		sleep 2
	done
	echo "no run of the job within ${CRON_WAIT}s; cron.job_run_details:"
	q "SELECT * FROM cron.job_run_details"
	return 1
}
# show what a passed check printed
show() { sed 's/^/      /' "$CLV_TMP/.check.out"; }

clv_check "pg_cron ran REFRESH MATERIALIZED VIEW CONCURRENTLY clv_daily (cron.job_run_details: succeeded)" wait_for_run && show

clv_check "after the refresh clv_daily holds every day of the orders" \
	test "$(q "SELECT (SELECT count(*) FROM clv_daily) = (SELECT count(DISTINCT order_date) FROM orders)
		AND (SELECT max(day) FROM clv_daily) = '1998-06-30'")" = t

# the monthly report against the one-step aggregate and plain SQL over the same orders
monthly_equal() {
	local out
	out=$(clv_psql -At <<-'EOF'
		SET TimeZone = 'UTC';
		WITH one_step AS (
		  SELECT date_trunc('month', order_date)::date AS month,
		         clv_summary(customer_id, order_date, amount) AS s,
		         count(DISTINCT customer_id) AS p_customers, count(*) AS p_orders, sum(amount) AS p_revenue,
		         sum(amount) / count(DISTINCT customer_id) AS p_clv
		  FROM orders GROUP BY 1),
		repeaters AS (
		  SELECT month, count(*) FILTER (WHERE n >= 2)::float8 / count(*) AS p_repeat_rate
		  FROM (SELECT date_trunc('month', order_date)::date AS month, customer_id, count(*) AS n
		        FROM orders GROUP BY 1, 2) c GROUP BY 1)
		SELECT count(*) AS months,
		       count(*) FILTER (WHERE m.customers = customers(o.s) AND m.orders = orders(o.s)
		                          AND m.revenue = revenue(o.s) AND m.aov = aov(o.s) AND m.clv = clv(o.s)
		                          AND m.repeat_rate = repeat_rate(o.s)) AS equal_one_step,
		       count(*) FILTER (WHERE m.customers = o.p_customers AND m.orders = o.p_orders
		                          AND m.revenue = o.p_revenue AND m.clv = o.p_clv
		                          AND m.repeat_rate = r.p_repeat_rate) AS equal_plain_sql,
		       sum(m.revenue) AS revenue
		FROM clv_monthly m FULL JOIN one_step o USING (month) FULL JOIN repeaters r USING (month);
	EOF
	) || return 1
	echo "months | equal to one-step clv_summary | equal to plain SQL | revenue: $out"
	[ "$out" = "18|18|18|244091.94" ]
}
clv_check "clv_monthly (rolled-up daily summaries) equals the one-step aggregate and plain SQL for all 18 months" monthly_equal && show

all_time() {
	local v
	v=$(q "SELECT clv(rollup(summary)) FROM clv_daily") || return 1
	echo "clv over all days: $v"
	[ "$v" = "$(q "SELECT clv_agg(customer_id, order_date, amount) FROM orders")" ] && [ "$v" = 103.5604327535002121 ]
}
clv_check "all days rolled up: clv = clv_agg over the orders = 103.5604327535002121" all_time

clv_check "monthly report columns are flat BI types (date, bigint, bigint, numeric, numeric, numeric, float8)" \
	test "$(q "SELECT string_agg(format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute
		WHERE attrelid = 'clv_monthly'::regclass AND attnum > 0")" = \
	"date, bigint, bigint, numeric, numeric, numeric, double precision"

# every sql block of the section "Use from BI tools" (docs/readme/bi.md, or
# README.md once merged) runs in this database, with the tools' variables
# replaced by sample values, returns rows, and only columns of flat BI types
bi_queries() {
	local doc=docs/readme/bi.md f out bad=0 has_rfm n=0
	[ -f "$doc" ] || doc=README.md
	rm -rf "$CLV_TMP/bi"
	mkdir -p "$CLV_TMP/bi"
	# from the heading to the next heading of the same or a higher level
	awk -v dir="$CLV_TMP/bi" '/^#+ Use from BI tools/ { s = 1; match($0, /^#+/); lvl = RLENGTH; next }
		s && /^#+ / { match($0, /^#+/); if (RLENGTH <= lvl) exit }
		s && /^```sql$/ { b = 1; n++; next } b && /^```$/ { b = 0; next }
		b { print > (dir "/" sprintf("%02d", n) ".sql") }' "$doc"
	has_rfm=$(q "SELECT EXISTS (SELECT FROM pg_proc WHERE proname = 'clv_rfm')")
	for f in "$CLV_TMP"/bi/*.sql; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		if grep -q 'clv_rfm' "$f" && [ "$has_rfm" != t ]; then
			echo "query $(basename "$f" .sql): uses clv_rfm, not in this clv: skipped"
			continue
		fi
		# Grafana's macro and a Metabase variable, as the tools expand them
		sed -i -e "s/\$__timeFilter(\([a-z_]*\))/\1 BETWEEN '1997-01-01T00:00:00Z' AND '1998-12-31T23:59:59Z'/g" \
			-e "s/{{start}}/'1997-04-01'/g" "$f"
		{
			echo "SET TimeZone = 'UTC';"
			echo "CREATE TEMP VIEW bi_query AS"
			cat "$f"
			echo ";"
			echo "SELECT (SELECT count(*) FROM bi_query) || ' rows; ' || string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)"
			echo "  || CASE WHEN bool_and(atttypid IN ('date'::regtype, 'timestamptz'::regtype, 'int4'::regtype, 'int8'::regtype,"
			echo "     'numeric'::regtype, 'float8'::regtype)) THEN '' ELSE ' NOT FLAT' END"
			echo "FROM pg_attribute WHERE attrelid = 'bi_query'::regclass AND attnum > 0;"
		} >"$CLV_TMP/bi/run.sql"
		out=$(clv_psql -At -f "$CLV_TMP/bi/run.sql" 2>&1) || { echo "query $(basename "$f" .sql) failed: $out"; bad=1; continue; }
		echo "query $(basename "$f" .sql): $out"
		case "$out" in 0\ rows*|*NOT\ FLAT) bad=1 ;; esac
	done
	[ $n -ge 7 ] || { echo "only $n sql blocks found in $doc"; bad=1; }
	return $bad
}
clv_check "every query of the README section \"Use from BI tools\" runs and returns flat BI types" bi_queries && show

# the other sql blocks of the section (the report and the monitoring
# queries, rescheduling and setting back) run as printed
doc_blocks_run() {
	local doc=docs/readme/scheduled_refresh.md
	[ -f "$doc" ] || doc=README.md
	awk '/^#+ Scheduled refresh with pg_cron/ { s = 1 } s && /^```sql$/ { b = 1; n++; next } b && /^```$/ { b = 0; next }
		b && n > 1 { print } s && n > 1 && /^## / && !/Scheduled refresh/ { exit }' "$doc" >"$CLV_TMP/doc_blocks.sql"
	[ -s "$CLV_TMP/doc_blocks.sql" ] || { echo "no further sql blocks in $doc"; return 1; }
	clv_psql -f "$CLV_TMP/doc_blocks.sql" >"$CLV_TMP/doc_blocks.out" || { cat "$CLV_TMP/doc_blocks.out"; return 1; }
	[ "$(q "SELECT schedule FROM cron.job WHERE jobname = 'clv-daily-refresh'")" = "15 2 * * *" ]
}
clv_check "the report and monitoring queries of the section run as printed" doc_blocks_run

clv_stage_done
