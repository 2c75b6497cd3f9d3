#!/usr/bin/env bash
# test/dev.sh: developer loop.  Build, install into a private tree, start a
# throwaway cluster and run the given pg_regress tests (default: all), or
# with --psql, open psql / run SQL (-c ...) against it.
#   bash test/dev.sh                 # all REGRESS tests
#   bash test/dev.sh agg rates       # some tests
#   bash test/dev.sh --psql -c 'select 1'
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib/pgenv.sh
name=$(basename "$PWD")
work=${CLV_DEV_DIR:-/tmp/clvdev-$name}
clv_clean_env
clv_make -s -j"$CLV_JOBS" PG_CFLAGS="$CLV_WARN_CFLAGS" >/dev/null
clv_stop_all "$work/data"
clv_tree_create "$work/tree"
clv_tree_install "$work/tree"
rm -rf "$work/data"
port=$(clv_free_port $((50000 + RANDOM % 5000)))
trap 'clv_cluster_stop "$work/tree" "$work/data"' EXIT
clv_cluster_start "$work/tree" "$work/data" "$port"
if [ "${1:-}" = "--psql" ]; then
	shift
	psql -X -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION clv' >/dev/null
	psql -X "$@"
	exit $?
fi
if [ $# -gt 0 ]; then tests="$*"; else tests=$(clv_regress_list); fi
rc=0
# each test in a fresh database (like test/run.sh); outputs in ./results/
clv_regress "$work/regress" $tests || rc=$?
[ $rc -ne 0 ] && [ -f regression.diffs ] && head -200 regression.diffs
exit $rc
