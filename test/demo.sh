#!/usr/bin/env bash
# test/demo.sh: `make demo`.
#
# Installs what is missing (postgresql-15, postgresql-server-dev-15, gcc,
# make), builds clv, installs it into a private PostgreSQL tree in a
# temporary directory (the system installation is never modified), starts a
# throwaway cluster there (owned by 'postgres' when run as root), creates
# the database clv_demo with the extension and prints a report:
#
#   test/demo/NN_topic.sql  the report sections, run in file name order in
#                           ONE psql session.  00_shop.sql generates the
#                           synthetic shop (test/shop/shop.sql) and sets the
#                           display options; later sections build on it.
#   test/demo/NN_topic.sh   the charts of a section (optional), run after all
#                           sections: `bash NN_topic.sh OUTDIR` with the libpq
#                           variables set to the demo database; see
#                           test/demo/plot.sh.
#
# A new section is one file test/demo/NN_topic.sql (plus NN_topic.sh if it
# draws); headings carry no numbers, so nothing else changes.  A column
# headed "plain SQL ..." must equal the column before it (stage 90_demo
# checks every such pair).  psql variables of the sections: customers, seed (the shop's size
# and seed), outdir (test/out, absolute: files for the reader), tmpdir
# (scratch, removed at the end), cdnow (on/off) and cdnow_csv (the CDNOW
# orders file, used by 90_cdnow.sql where it exists).
#
# The report goes to stdout and to test/out/demo_report.txt, the charts to
# test/out/*.png.  Stops the cluster and removes the temporary directory at
# the end, also on failure or Ctrl-C.
# Environment: CLV_DEMO_CUSTOMERS (default 25000), CLV_DEMO_SEED (default 1),
# CLV_DATA_DIR (the public data sets; default ../shared/data next to the
# repository), CLV_KEEP=1 keeps the temporary directory, TMPDIR.

set -euo pipefail
cd "$(dirname "$0")/.."
CLV_ROOT=$PWD
. test/lib/pgenv.sh
clv_clean_env

customers=${CLV_DEMO_CUSTOMERS:-25000}
seed=${CLV_DEMO_SEED:-1}
[[ "$customers" =~ ^[1-9][0-9]*$ ]] || { echo "clv demo: CLV_DEMO_CUSTOMERS must be a positive integer" >&2; exit 2; }
[[ "$seed" =~ ^-?[0-9]+$ ]] || { echo "clv demo: CLV_DEMO_SEED must be an integer" >&2; exit 2; }
data_dir=$(realpath -m "${CLV_DATA_DIR:-$CLV_ROOT/../shared/data}")
cdnow_csv=$data_dir/cdnow_sample_orders.csv
if [ -r "$cdnow_csv" ]; then cdnow=on; else cdnow=off; fi

# the traps print to the original stdout/stderr even when the signal arrives
# while a redirected command runs
exec 3>&1 4>&2
tmp=
step="setting up"
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$tmp" ]; then
		clv_stop_all "$tmp"
		if [ "${CLV_KEEP:-0}" = 1 ]; then
			echo "clv demo: kept $tmp (CLV_KEEP=1): build.log, install.log, cluster/server.log" >&2
		else
			rm -rf "$tmp"
		fi
	fi
	if [ $rc -ne 0 ] && [ $rc -ne 130 ]; then
		echo "clv demo: FAILED while $step (exit $rc); the messages above say why." >&2
		echo "clv demo: rerun with CLV_KEEP=1 to keep the logs and the cluster's data directory." >&2
	fi
	exit $rc
} >&3 2>&4
trap cleanup EXIT
trap '{ echo; echo "clv demo: interrupted"; } >&4; exit 130' INT TERM HUP

step="installing the prerequisites (apt-get)"
clv_pg_prereqs >&2
tmp=$(clv_tmpdir clv-demo)

echo "clv demo: building clv and starting a throwaway PostgreSQL $CLV_PGVER cluster ..." >&2
step="building clv (make)"
if ! clv_make -s -j"$CLV_JOBS" >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log" >&2
	exit 1
fi
step="installing clv into the private tree $tmp/tree"
{ clv_tree_create "$tmp/tree" && clv_tree_install "$tmp/tree"; } >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; exit 1; }
step="starting the throwaway cluster"
clv_cluster_start "$tmp/tree" "$tmp/cluster" "$(clv_free_port $((50000 + RANDOM % 10000)))"

psql=("$CLV_BINDIR/psql" -X -q -v ON_ERROR_STOP=1)
step="creating the database clv_demo"
"${psql[@]}" -d postgres -c 'CREATE DATABASE clv_demo'
"${psql[@]}" -d clv_demo -c 'CREATE EXTENSION clv'

outdir=$CLV_ROOT/test/out
mkdir -p "$outdir" "$tmp/scratch"
args=()
sections=0
for f in test/demo/[0-9][0-9]_*.sql; do
	args+=(-f "$f")
	sections=$((sections + 1))
done
echo "clv demo: generating the shop ($customers customers, seed $seed) and running $sections report sections" >&2
echo >&2
step="running the report sections test/demo/NN_*.sql (the psql error above names the file and line)"
"${psql[@]}" -d clv_demo -v outdir="$outdir" -v tmpdir="$tmp/scratch" -v customers="$customers" -v seed="$seed" \
	-v cdnow="$cdnow" -v cdnow_csv="$cdnow_csv" "${args[@]}" </dev/null | tee "$outdir/demo_report.txt"
echo >&2
for f in test/demo/[0-9][0-9]_*.sh; do
	[ -f "$f" ] || continue
	step="drawing the charts of $f"
	PGDATABASE=clv_demo TMPDIR=$tmp/scratch bash "$f" "$outdir" >&2
done
step="finishing"
echo >&2
echo "clv demo: report saved to test/out/demo_report.txt" >&2
