#!/usr/bin/env bash
# test/bench/predict.sh: clv_predict of this tree against clv_predict of the
# 0.2.0 release, side by side in one run (not part of the test suite).
#
#   bash test/bench/predict.sh [--reps N] [--months M] [--callgrind] [CUSTOMERS]
#
# Builds clv (this tree) and the C library of the 0.2.0 release (the parent
# of the commit that set default_version to 0.3.0 in clv.control, taken with
# git archive and built as clv020.so; override with CLV_BASE_REV), installs
# both into a private PostgreSQL tree, starts a throwaway cluster, simulates
# CUSTOMERS (default 100000) daily customer summaries from the BG/NBD and
# Gamma-Gamma models with the CDNOW estimates (test/bench/predict_data.sql),
# fits a BG/NBD, Pareto/NBD and Gamma-Gamma model to them, and
# times serial sums of clv_predict over every customer (M months, default
# 12, 1 % a month): the 0.2.0 function (declared as v020.clv_predict over
# clv020.so) and this tree's, for each model family this tree supports, plus
# the scan floor (the same query without clv_predict).  Each query runs N
# times (default 5) in alternation, each run in its own psql session after a
# warm-up call (so that the two libraries never share a backend), with
# jit = off (the plan's cost would start a JIT compilation of about 150 ms
# per query, the same for both, which has nothing to do with clv); the
# medians are printed, with the speedup against 0.2.0 and the largest
# relative difference between the two results.  --callgrind also counts
# the instructions of one run of each query (valgrind --tool=callgrind on a
# single-user backend; independent of the machine's load).  Progress goes
# to stderr.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/pgenv.sh
clv_clean_env

reps=5
months=12
callgrind=0
size=100000
while [ $# -gt 0 ]; do
	case "$1" in
	--reps) reps=$2; shift 2 ;;
	--months) months=$2; shift 2 ;;
	--callgrind) callgrind=1; shift ;;
	-h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	[0-9]*) size=$1; shift ;;
	*) echo "predict bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
for n in "$reps" "$months" "$size"; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "predict bench: --reps and --months and CUSTOMERS take a positive integer" >&2; exit 2; }
done

base=${CLV_BASE_REV:-$(git log --format=%H -1 -S"default_version = '0.3.0'" -- clv.control)^}
base=$(git rev-parse --short "$base")

tmp=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$tmp" ]; then
		clv_stop_all "$tmp"
		if [ "${CLV_KEEP:-0}" = 1 ]; then echo "predict bench: kept $tmp" >&2; else rm -rf "$tmp"; fi
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

clv_pg_prereqs >&2
tmp=$(clv_tmpdir clv-predict)
echo "predict bench: building clv and the 0.2.0 library ($base)" >&2
clv_make -s -j"$CLV_JOBS" PG_CFLAGS="$CLV_WARN_CFLAGS" >&2
clv_tree_create "$tmp/tree"
clv_tree_install "$tmp/tree"
mkdir "$tmp/old"
git archive "$base" Makefile src | tar -x -C "$tmp/old"
clv_make -s -C "$tmp/old" -j"$CLV_JOBS" MODULE_big=clv020 clv020.so >&2
install -m 755 "$tmp/old/clv020.so" "$CLV_TREE/usr/lib/postgresql/$CLV_PGVER/lib/"
port=$(clv_free_port $((50000 + RANDOM % 10000)))
clv_cluster_start "$tmp/tree" "$tmp/cluster" "$port" "autovacuum = off" >&2
psql() { "$CLV_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

echo "predict bench: $size simulated customers and their models" >&2
psql -c 'CREATE EXTENSION clv'
psql -v customers="$size" -v seed=0.42 -f test/bench/predict_data.sql >/dev/null
psql <<'EOF' >&2
\timing on
CREATE TABLE rfm AS SELECT * FROM sim;
CREATE TABLE models AS
SELECT bgnbd_fit(frequency, recency, t) AS bg, pareto_nbd_fit(frequency, recency, t) AS pn,
	   gamma_gamma_fit(frequency, monetary_value) AS gg
FROM rfm;
SELECT * FROM models;
EOF
# in a session of its own: CREATE FUNCTION loads the library, and the two
# libraries must never share a backend (both define clv.max_state_memory)
psql <<'EOF' >&2
CREATE SCHEMA v020;
CREATE FUNCTION v020.clv_predict(bgnbd bgnbd_model, gamma_gamma gamma_gamma_model,
		frequency double precision, recency double precision, t double precision,
		monetary_value double precision, months integer, monthly_discount_rate double precision,
		time_unit text DEFAULT 'day', margin double precision DEFAULT 1.0) RETURNS double precision
	AS '$libdir/clv020', 'clv_predict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
EOF

# name|query: every query returns one number
queries=(
	"scan floor|SELECT sum(frequency + recency + t + monetary_value) FROM rfm, models"
	"0.2.0 clv_predict, BG/NBD|SELECT sum(v020.clv_predict(bg, gg, frequency, recency, t, monetary_value, $months, 0.01, 'day')) FROM rfm, models"
	"clv_predict, BG/NBD|SELECT sum(clv_predict(bg, gg, frequency, recency, t, monetary_value, $months, 0.01, 'day')) FROM rfm, models"
)
if [ "$(psql -At -c "SELECT count(*) FROM pg_proc WHERE proname = 'clv_predict' AND proargtypes[0] = 'pareto_nbd_model'::regtype")" != 0 ]; then
	queries+=("clv_predict, Pareto/NBD|SELECT sum(clv_predict(pn, gg, frequency, recency, t, monetary_value, $months, 0.01, 'day')) FROM rfm, models")
fi

# run QUERY: milliseconds of one execution after a warm-up execution, and its result
run() {
	psql -At -v q="$1" <<'EOF'
SET max_parallel_workers_per_gather = 0;
SET jit = off;
:q;
\o /dev/null
\timing on
:q;
EOF
}

declare -A times result
for ((i = 1; i <= reps; i++)); do
	echo "predict bench: round $i of $reps" >&2
	for entry in "${queries[@]}"; do
		name=${entry%%|*}
		out=$(run "${entry#*|}" 2>&1) || { echo "$out" >&2; exit 1; }
		result[$name]=$(printf '%s\n' "$out" | head -n 1)
		ms=$(printf '%s\n' "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
		times[$name]="${times[$name]:-} $ms"
	done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ncust=$(psql -At -c "SELECT count(*) FROM rfm")
floor=$(median <<<"${times[scan floor]}")
old=$(median <<<"${times[0.2.0 clv_predict, BG/NBD]}")
echo "# clv_predict: this tree against 0.2.0 ($base)"
echo
echo "- command: \`bash test/bench/predict.sh --reps $reps --months $months$([ $callgrind = 1 ] && echo ' --callgrind') $size\`; $ncust customers, $months months, serial, jit off"
echo "- clv $(git rev-parse --short HEAD) $(git diff --quiet && echo '' || echo '(with uncommitted changes)'), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| query | runs (ms) | median (ms) | minus scan floor (ms) | speedup vs 0.2.0 (net of scan) | result |"
echo "| --- | --- | ---: | ---: | ---: | --- |"
for entry in "${queries[@]}"; do
	name=${entry%%|*}
	m=$(median <<<"${times[$name]}")
	net=$(awk -v m="$m" -v f="$floor" 'BEGIN { printf "%.1f", m - f }')
	sp=-
	case "$name" in
	"scan floor") net=- ;;
	*) sp=$(awk -v m="$m" -v o="$old" -v f="$floor" 'BEGIN { printf "%.1fx (%.1fx)", o / m, (o - f) / (m - f) }') ;;
	esac
	echo "| $name |${times[$name]} | $m | $net | $sp | ${result[$name]} |"
done
echo
# per-customer results of both, each in its own session, then compared
for v in old new; do
	f=clv_predict
	[ $v = old ] && f=v020.clv_predict
	psql -c "CREATE TABLE res_$v AS SELECT row_number() OVER () AS i,
		$f(bg, gg, frequency, recency, t, monetary_value, $months, 0.01, 'day') AS v FROM (SELECT * FROM rfm ORDER BY frequency, recency, t, monetary_value) r, models"
done
psql -At -c "SELECT 'largest relative difference per customer, 0.2.0 vs this tree (BG/NBD): ' ||
	coalesce(max(abs(o.v - n.v) / greatest(abs(o.v), 1e-300))::text, 'none') FROM res_old o JOIN res_new n USING (i)"

[ "$callgrind" = 1 ] || exit 0
# instruction counts: each query once in a single-user backend under callgrind
command -v valgrind >/dev/null || { echo "predict bench: valgrind not installed, no instruction counts" >&2; exit 0; }
clv_cluster_stop "$tmp/tree" "$tmp/cluster"
echo
echo "| query (callgrind, one run, single-user backend) | instructions | minus scan floor | speedup vs 0.2.0 (net of scan) |"
echo "| --- | ---: | ---: | ---: |"
declare -A ir
for entry in "${queries[@]}"; do
	name=${entry%%|*}
	echo "predict bench: callgrind: $name" >&2
	printf 'SET jit = off;\nSET max_parallel_workers_per_gather = 0;\n%s;\n' "${entry#*|}" >"$tmp/q.sql"
	chmod 644 "$tmp/q.sql"
	clv_run_as_owner valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$CLV_BINDIR/postgres" --single -D "$tmp/cluster/pgdata" postgres <"$tmp/q.sql" >"$tmp/cg.log" 2>&1
	ir[$name]=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/cg.log" | tail -n 1)
done
for entry in "${queries[@]}"; do
	name=${entry%%|*}
	awk -v n="$name" -v i="${ir[$name]}" -v f="${ir[scan floor]}" -v o="${ir[0.2.0 clv_predict, BG/NBD]}" 'BEGIN {
		if (n == "scan floor") printf "| %s | %.0f | - | - |\n", n, i;
		else printf "| %s | %.0f | %.0f | %.1fx (%.1fx) |\n", n, i, i - f, o / i, (o - f) / (i - f) }'
done
