#!/usr/bin/env bash
# test/stages/75_dump_restore.sh: a database whose tables, views and
# materialized views use every clv type and aggregate (test/fuzz/orders.sql:
# stored clv_summary, clv_cohort_state and clv_horizon_state values, a
# user-defined aggregate over clv's support functions, views and
# materialized views of clv aggregates) survives pg_dump / pg_restore into a
# fresh cluster with identical query results: custom format, and directory
# format dumped and restored with two parallel jobs; the materialized views
# are refreshed after the restore and compared again.  (10_install_check
# covers a plain-format dump and binary COPY of one table in the same
# cluster.)  Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

src_host=$PGHOST src_port=$PGPORT src_db=$PGDATABASE

clv_check "load the order database (test/fuzz/orders.sql)" \
	clv_psql -c 'CREATE EXTENSION clv' -f test/fuzz/orders.sql -o /dev/null || clv_stage_done

queries="SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SELECT day, s::text, customers(s), orders(s), revenue(s), lifespan(s) FROM daily_summaries ORDER BY day;
SELECT month, s::text, (SELECT sum(revenue) FROM clv_cohort_table(s)) FROM monthly_cohorts ORDER BY month;
SELECT shard, clv_horizon_final(s), length(s::text) FROM horizon_states ORDER BY shard;
SELECT customer_id, s::text, clv, rr FROM customer_stats ORDER BY customer_id;
SELECT month, clv, clv_f, clv_30d, repeat_rate, retention, s::text FROM monthly_kpis ORDER BY month;
SELECT * FROM cohort_table ORDER BY cohort, period_offset;
SELECT rollup(s)::text, clv(rollup(s)) FROM daily_summaries;
SELECT count(*) FROM clv_cohort_table((SELECT rollup(s) FROM monthly_cohorts));
SELECT clv_horizon_final(horizon_state(customer_code, ordered_at, amount, '90 days')) FROM orders;
SELECT * FROM clv_cohorts('SELECT customer_id, ordered_at, amount FROM orders', 'quarter', 'Europe/Berlin') ORDER BY 1, 2;"
refresh="REFRESH MATERIALIZED VIEW monthly_kpis; REFRESH MATERIALIZED VIEW cohort_table;"

clv_psql -At -c "$queries" >"$CLV_TMP/source.txt"
clv_check "queries on the source database give results" test -s "$CLV_TMP/source.txt"

clv_check "pg_dump -Fc" "$CLV_BINDIR/pg_dump" -Fc -f "$CLV_TMP/db.dump" -d "$src_db"
clv_check "pg_dump -Fd -j 2" "$CLV_BINDIR/pg_dump" -Fd -j 2 -f "$CLV_TMP/db.dir" -d "$src_db"
chmod -R a+rX "$CLV_TMP/db.dump" "$CLV_TMP/db.dir"

clv_check "start a fresh cluster" clv_stage_cluster restore || clv_stage_done

restore_and_compare() {
	local db=$1
	shift
	clv_psql -d postgres -c "CREATE DATABASE $db" || return 1
	"$CLV_BINDIR/pg_restore" --exit-on-error -d "$db" "$@" || return 1
	clv_psql -At -d "$db" -c "$queries" >"$CLV_TMP/$db.txt" || return 1
	diff "$CLV_TMP/source.txt" "$CLV_TMP/$db.txt" | head -n 40
	cmp -s "$CLV_TMP/source.txt" "$CLV_TMP/$db.txt" || return 1
	clv_psql -d "$db" -c "$refresh" || return 1
	clv_psql -At -d "$db" -c "$queries" >"$CLV_TMP/$db.refreshed.txt" || return 1
	diff "$CLV_TMP/source.txt" "$CLV_TMP/$db.refreshed.txt" | head -n 40
	cmp -s "$CLV_TMP/source.txt" "$CLV_TMP/$db.refreshed.txt"
}
clv_check "pg_restore (custom format) into the fresh cluster: identical results, also after REFRESH" \
	restore_and_compare restored_fc "$CLV_TMP/db.dump"
clv_check "pg_restore -j 2 (directory format): identical results, also after REFRESH" \
	restore_and_compare restored_fd -j 2 "$CLV_TMP/db.dir"

clv_stage_done
