#!/usr/bin/env bash
# test/bench/run.sh: `make bench`, the benchmark (not part of the test suite).
#
#   bash test/bench/run.sh [OPTIONS] [ORDERS[:CUSTOMERS]...]
#   make bench BENCH_ARGS="--reps 5 2000000:200000"
#
# Builds clv, installs it into a private PostgreSQL tree in a temporary
# directory, starts a throwaway cluster there (as test/run.sh does; owned by
# 'postgres' when run as root), and for each size generates a synthetic
# orders table reproducibly (fixed seed; skewed order counts per customer,
# 5 % refunds; test/bench/data.sql) and times every clv aggregate against
# the scan floor (SELECT sum(amount)), the fastest plain-SQL formulations
# of the same result, serial and with parallel workers
# (test/bench/bench.sql).  Prints Markdown tables (test/bench/report.sql),
# the last listing every performance target with met / NOT met; progress
# goes to stderr.  Stops the cluster and removes the temporary
# directory on exit, also on failure or Ctrl-C.
#
# Sizes: ORDERS[:CUSTOMERS], default "1000000:100000 10000000:1000000"
# (CUSTOMERS defaults to ORDERS / 10).
# Options:
#   --reps N        runs of each query; the median is kept (default 3)
#   --workers N     parallel workers of the parallel runs (default 2)
#   --leader on|off parallel_leader_participation in the parallel runs
#                   (default on: the leader scans too, as by default)
#   --seed X        setseed() value for the data, -1 .. 1 (default 0.42)
#   --no-memory     skip the state memory measurements (faster)
#   --shared-buffers SIZE   shared_buffers of the cluster, e.g. 128MB (default:
#                   a quarter of the RAM, at most 4GB, so that the table is
#                   read from shared buffers)
# Environment: TMPDIR, CLV_KEEP=1 keeps the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/pgenv.sh
clv_clean_env

reps=3
workers=2
leader=on
seed=0.42
memory=on
sbuf=
sizes=()
while [ $# -gt 0 ]; do
	case "$1" in
	--reps) reps=$2; shift 2 ;;
	--workers) workers=$2; shift 2 ;;
	--leader) leader=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--no-memory) memory=off; shift ;;
	--shared-buffers) sbuf=$2; shift 2 ;;
	-h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	[0-9]*) sizes+=("$1"); shift ;;
	*) echo "bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000:100000 10000000:1000000)
case "$leader" in on|off) ;; *) echo "bench: --leader takes on or off" >&2; exit 2 ;; esac
for n in "$reps" "$workers"; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench: --reps and --workers take a positive integer" >&2; exit 2; }
done
[[ "$seed" =~ ^-?(0(\.[0-9]+)?|1(\.0*)?|\.[0-9]+)$ ]] || { echo "bench: --seed takes a number from -1 to 1" >&2; exit 2; }
for s in "${sizes[@]}"; do
	[[ "$s" =~ ^[1-9][0-9]*(:[1-9][0-9]*)?$ ]] || { echo "bench: bad size '$s' (ORDERS[:CUSTOMERS])" >&2; exit 2; }
done

tmp=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$tmp" ]; then
		clv_stop_all "$tmp"
		if [ "${CLV_KEEP:-0}" = 1 ]; then echo "bench: kept $tmp" >&2; else rm -rf "$tmp"; fi
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

clv_pg_prereqs >&2
echo "bench: building clv" >&2
clv_make -s -j"$CLV_JOBS" PG_CFLAGS="$CLV_WARN_CFLAGS" >&2
tmp=$(clv_tmpdir clv-bench)
clv_tree_create "$tmp/tree"
clv_tree_install "$tmp/tree"
# the table and its copies in shared buffers: a quarter of the RAM, at most 4 GB
mem_mb=$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
sb_mb=$((mem_mb / 4))
[ $sb_mb -gt 4096 ] && sb_mb=4096
sbuf=${sbuf:-${sb_mb}MB}
[[ "$sbuf" =~ ^[1-9][0-9]*(kB|MB|GB)$ ]] || { echo "bench: --shared-buffers takes a size like 128MB" >&2; exit 2; }
port=$(clv_free_port $((50000 + RANDOM % 10000)))
clv_cluster_start "$tmp/tree" "$tmp/cluster" "$port" \
	"shared_buffers = $sbuf" "max_parallel_workers = $((workers > 4 ? workers : 4))" \
	"max_worker_processes = $((workers + 8))" "autovacuum = off" >&2
psql() { "$CLV_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
# long runs in the background, so that Ctrl-C or a TERM stops the cluster at once
bg() { "$@" & wait $!; }
psql -c 'CREATE EXTENSION clv'

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "# clv benchmark"
echo
echo "- command: \`make bench${*:+ BENCH_ARGS=\"$*\"}\` (test/bench/run.sh $reps reps, $workers workers, leader participation $leader, seed $seed)"
echo "- machine: $(nproc) cores ($cpu), $((mem_mb / 1024)) GB RAM, $(uname -sr), $("$CLV_BINDIR/postgres" --version), shared_buffers $sbuf, work_mem 4GB"
echo "- clv $(sed -n "s/^default_version = '\(.*\)'/\1/p" clv.control), $(git rev-parse --short HEAD 2>/dev/null || echo 'no git') $(git diff --quiet 2>/dev/null || echo '(with uncommitted changes)')"
echo "- started $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

for s in "${sizes[@]}"; do
	orders=${s%%:*}
	if [ "$s" = "$orders" ]; then customers=$((orders / 10)); else customers=${s#*:}; fi
	[ "$customers" -ge 1 ] || customers=1
	echo "bench: generating $orders orders of up to $customers customers" >&2
	t0=$(date +%s)
	bg psql -v orders="$orders" -v customers="$customers" -v seed="$seed" -f test/bench/data.sql >/dev/null
	t1=$(date +%s)
	echo "bench: data ready in $((t1 - t0)) s; timing (about 40 queries x $reps runs)" >&2
	bg psql -v reps="$reps" -v workers="$workers" -v leader="$leader" -v memory="$memory" \
		-v label="$s" -f test/bench/bench.sql >/dev/null
	echo
	psql -At -c "SELECT format('## %s orders, %s distinct customers (table %s), load average at the end: %s',
					to_char(nrows, 'FM999,999,999,999'), to_char(ncustomers, 'FM999,999,999,999'),
					pg_size_pretty(pg_table_size('orders')), '$(cut -d' ' -f1-3 /proc/loadavg)')
				 FROM bench.settings"
	echo
	psql -At -f test/bench/report.sql
	echo "bench: $s done in $(($(date +%s) - t0)) s" >&2
done
