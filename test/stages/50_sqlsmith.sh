#!/usr/bin/env bash
# test/stages/50_sqlsmith.sh: random SQL from sqlsmith (Debian package
# sqlsmith) against a database with clv and order data in tables, views and
# materialized views using every clv type and aggregate (test/fuzz/orders.sql),
# for CLV_SQLSMITH_SECONDS (default 150).  Runs on a cluster of its own as an
# unprivileged role (statement_timeout 2 s), in rounds of a few thousand
# queries with different seeds.  Fails on any backend crash (server log:
# "terminated by signal", PANIC) and on an internal error (XX000) in a
# statement that uses clv.  About one query in ten calls a clv function.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

secs=${CLV_SQLSMITH_SECONDS:-150}

clv_check "sqlsmith is installed (apt-get install sqlsmith)" clv_apt_install sqlsmith || clv_stage_done
clv_check "start a cluster for sqlsmith" clv_stage_cluster smith "$CLV_TREE" \
	"restart_after_crash = on" "log_line_prefix = '%e '" "log_min_error_statement = panic" \
	"max_parallel_workers_per_gather = 2" "parallel_setup_cost = 0" "parallel_tuple_cost = 0" || clv_stage_done
log=$CLV_TMP/smith/server.log

setup() {
	clv_psql -c 'CREATE EXTENSION clv' -f test/fuzz/orders.sql -c "
		CREATE ROLE regress_smith LOGIN;
		GRANT SELECT ON ALL TABLES IN SCHEMA public TO regress_smith;
		ALTER ROLE regress_smith SET statement_timeout = '2s';
		ALTER ROLE regress_smith SET clv.max_state_memory = '64MB';
		ALTER ROLE regress_smith SET work_mem = '16MB';" >/dev/null
}
clv_check "load clv and the order data (test/fuzz/orders.sql)" setup || clv_stage_done

rounds() {
	local end=$(($(date +%s) + secs)) seed=${CLV_SQLSMITH_SEED:-$(date +%s)} n=0 left
	while :; do
		left=$((end - $(date +%s)))
		[ $left -le 0 ] && break
		timeout -k 5 "$left" sqlsmith --target="host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=regress_smith" \
			--exclude-catalog --seed=$((seed + n)) --max-queries=5000 --verbose >"$CLV_TMP/sqlsmith.$n.out" 2>&1
		n=$((n + 1))
		# a crash ends the round early; stop at the first one
		grep -q -E 'terminated by signal|PANIC' "$log" && break
		# wait until the server accepts connections again
		for _ in $(seq 30); do clv_psql -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 1; done
	done
	echo "$n rounds of sqlsmith (seeds $seed..$((seed + n - 1))), $(grep -c '^[0-9A-Z]\{5\} ' "$log") errors logged"
	return 0
}
echo "running sqlsmith for ${secs}s"
clv_check "sqlsmith for ${secs}s" rounds
sed 's/^/      /' "$CLV_TMP/.check.out"

no_crash() {
	if grep -n -E -B2 -A8 'terminated by signal|PANIC' "$log"; then
		echo "(the statement that crashed the backend is in the lines above)"
		return 1
	fi
}
clv_check "server log: no backend terminated by a signal, no PANIC" no_crash

# internal errors raised by clv (other XX000 are PostgreSQL's own: shown, not failed)
no_internal() {
	grep '^XX000 ' "$log" | sort | uniq -c | head -n 20
	! grep -E '^XX000 .*(clv|cohort|summary|horizon|numeric datum|argument types|encode state|expanded object)' "$log"
}
clv_check "server log: no internal error (XX000) in a statement using clv" no_internal
clv_check "the server still answers" clv_psql -c 'SELECT clv_agg(customer_id, ordered_at, amount) FROM orders' -o /dev/null

clv_stage_done
