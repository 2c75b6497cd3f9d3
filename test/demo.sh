#!/usr/bin/env bash
# test/demo.sh: `make demo`.
#
# Installs what is missing (postgresql-server-dev-15, gcc, make), builds clv,
# installs it into a private PostgreSQL tree in a temporary directory (the
# system installation is never modified), starts a throwaway cluster there
# (owned by 'postgres' when run as root), creates the database clv_demo with
# the extension and runs the report sections test/demo/NN_*.sql in file name
# order in ONE psql session (00_data.sql loads the CDNOW sample into the
# table orders and sets the display options; later sections build on it).
# The report goes to stdout and to test/out/demo_report.txt; sections may
# write files (charts) into the directory in the psql variable :outdir
# (test/out, absolute path).  Stops the cluster and removes the temporary
# directory at the end, also on failure or Ctrl-C.
# Environment: CLV_KEEP=1 keeps the temporary directory, TMPDIR.

set -euo pipefail
cd "$(dirname "$0")/.."
CLV_ROOT=$PWD
. test/lib/pgenv.sh
clv_clean_env

# the traps print to the original stdout/stderr even when the signal arrives
# while a redirected command runs
exec 3>&1 4>&2
tmp=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$tmp" ]; then
		clv_stop_all "$tmp"
		if [ "${CLV_KEEP:-0}" = 1 ]; then
			echo "clv: kept $tmp (CLV_KEEP=1)" >&2
		else
			rm -rf "$tmp"
		fi
	fi
	[ $rc -ne 0 ] && echo "clv: demo failed (exit $rc)" >&2
	exit $rc
} >&3 2>&4
trap cleanup EXIT
trap '{ echo; echo "clv: interrupted"; } >&4; exit 130' INT TERM HUP

clv_pg_prereqs
tmp=$(clv_tmpdir clv-demo)

echo "clv demo: building and starting a throwaway PostgreSQL $CLV_PGVER cluster ..." >&2
if ! clv_make -s -j"$CLV_JOBS" >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log" >&2
	exit 1
fi
{ clv_tree_create "$tmp/tree" && clv_tree_install "$tmp/tree"; } >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; exit 1; }
clv_cluster_start "$tmp/tree" "$tmp/cluster" "$(clv_free_port $((50000 + RANDOM % 10000)))"

psql=("$CLV_BINDIR/psql" -X -q -v ON_ERROR_STOP=1)
"${psql[@]}" -d postgres -c 'CREATE DATABASE clv_demo'
"${psql[@]}" -d clv_demo -c 'CREATE EXTENSION clv'

outdir=$CLV_ROOT/test/out
mkdir -p "$outdir"
args=()
for f in test/demo/[0-9][0-9]_*.sql; do
	args+=(-f "$f")
done
echo >&2
"${psql[@]}" -d clv_demo -v outdir="$outdir" "${args[@]}" </dev/null | tee "$outdir/demo_report.txt"
PGDATABASE=clv_demo bash test/demo/charts.sh "$outdir" >&2
echo >&2
echo "clv demo: report saved to test/out/demo_report.txt" >&2
