# test/lib/stage.sh: helpers for the stage scripts test/stages/NN_*.sh.
#
# test/run.sh runs each stage (after the pg_regress tests) with bash, from the
# repository root, stdin from /dev/null, stdout+stderr into a log printed when
# the stage fails.  Exit status 0 = passed, anything else = failed.  The
# environment holds:
#   CLV_ROOT          repository root (also the working directory)
#   CLV_STAGE         the stage's name, e.g. 10_install_check
#   CLV_TMP           scratch directory of this stage (mode 755, removed afterwards)
#   CLV_TREE          private PostgreSQL tree with the clv just built installed
#   CLV_BINDIR        its bin directory (initdb, pg_ctl, psql, pg_dump, ...)
#   CLV_OWNER         account that owns clusters (postgres when run as root)
#   PGHOST PGPORT PGUSER       the main test cluster (superuser postgres)
#   PGDATABASE        a fresh database created for this stage (no extension in it yet)
#   CLV_MAIN_PGHOST CLV_MAIN_PGPORT   the main cluster again (PGHOST/PGPORT change
#                     when the stage starts its own cluster)
#   CLV_PGVER CLV_SYS_BINDIR CLV_PGCONFIG CLV_WARN_CFLAGS CLV_JOBS EXTVERSION
#   CLV_REGRESS       the Makefile's REGRESS list
#   CLV_RESULTS       a file where the stage may report results of its parts, one
#                     line each, STATUS<TAB>NAME<TAB>SECONDS<TAB>DETAIL with STATUS
#                     PASS, FAIL or SKIP: each becomes a line of the summary and
#                     counts as passed or failed (test/stages/95_versions.sh)
# A stage sources this file:  . "$CLV_ROOT/test/lib/stage.sh"
#
# Functions:
#   clv_psql ARGS...                  psql without psqlrc, stop on error, quiet
#   clv_check DESC CMD...             run CMD, print "ok DESC" or "FAIL DESC" (+ its output)
#   clv_fail DESC                     count a failure with a message
#   clv_stage_done                    print the tally; exit 1 if anything failed
#   clv_on_exit CMD                   run CMD (a string) when the stage exits
#   clv_skip_stage REASON             print "skipped: REASON" and end the stage as passed
#   clv_need_data                     skip the stage unless the CDNOW files are there
#                                     (clv_data_dir, test/lib/pgenv.sh)
#   clv_stage_build NAME [MAKEARGS...]
#                                     copy the sources to $CLV_TMP/NAME/src, clean build there
#                                     with MAKEARGS (e.g. PG_CFLAGS=-fsanitize=...), install into
#                                     its own tree $CLV_TMP/NAME/tree; sets CLV_STAGE_SRC,
#                                     CLV_STAGE_TREE, CLV_STAGE_BINDIR
#   clv_stage_cluster NAME [TREE [CONF...]]
#                                     start a cluster in $CLV_TMP/NAME from TREE (default
#                                     CLV_TREE), exporting PGHOST/PGPORT/PGDATABASE=postgres
#                                     for it; stopped when the stage exits.  The caller's
#                                     environment reaches initdb and the server.
# Sourcing it sets `set -uo pipefail` (no -e: clv_check collects failures).

set -uo pipefail
. "$CLV_ROOT/test/lib/pgenv.sh"

CLV_CHECKS_OK=0
CLV_CHECKS_FAILED=0
CLV_EXIT_CMDS=()

clv_psql() {
	"$CLV_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

clv_check() {
	local desc=$1 out rc
	shift
	# run in this shell (functions may set variables), output to a file
	"$@" >"$CLV_TMP/.check.out" 2>&1
	rc=$?
	out=$(cat "$CLV_TMP/.check.out")
	if [ $rc -eq 0 ]; then
		CLV_CHECKS_OK=$((CLV_CHECKS_OK + 1))
		echo "ok    $desc"
	else
		CLV_CHECKS_FAILED=$((CLV_CHECKS_FAILED + 1))
		echo "FAIL  $desc"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/      /'
	fi
	return $rc
}

clv_fail() {
	CLV_CHECKS_FAILED=$((CLV_CHECKS_FAILED + 1))
	echo "FAIL  $*"
}

clv_stage_done() {
	echo "$CLV_STAGE: $CLV_CHECKS_OK checks ok, $CLV_CHECKS_FAILED failed"
	[ "$CLV_CHECKS_FAILED" -eq 0 ] && exit 0
	exit 1
}

clv_skip_stage() {
	echo "$CLV_STAGE: skipped: $*"
	exit 0
}

clv_need_data() {
	clv_have_data || clv_skip_stage "CDNOW data not found in $(clv_data_dir) (set CLV_DATA_DIR)"
}

clv_on_exit() {
	CLV_EXIT_CMDS+=("$1")
}

clv__stage_exit() {
	local i
	for ((i = ${#CLV_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${CLV_EXIT_CMDS[$i]}" || true
	done
	clv_stop_all "$CLV_TMP"
}
trap clv__stage_exit EXIT
trap 'exit 130' INT TERM HUP

clv_stage_build() {
	local name=$1 dir
	shift
	dir=$CLV_TMP/$name
	mkdir -p "$dir/src"
	(cd "$CLV_ROOT" && tar --exclude=./.git --exclude=./results --exclude=./log --exclude=./tmp_check \
		--exclude=./test/out -cf - .) | tar -xf - -C "$dir/src" || return 1
	(cd "$dir/src" && clv_make -s clean >/dev/null && clv_make -s -j"$CLV_JOBS" "$@") || return 1
	local owner_before=${CLV_OWNER:-} tree_before=$CLV_TREE bindir_before=$CLV_BINDIR
	clv_tree_create "$dir/tree"
	(cd "$dir/src" && clv_tree_install "$dir/tree" "$@") || return 1
	CLV_STAGE_SRC=$dir/src
	CLV_STAGE_TREE=$dir/tree
	CLV_STAGE_BINDIR=$CLV_BINDIR
	# keep pointing at the main tree unless the stage says otherwise
	CLV_TREE=$tree_before CLV_BINDIR=$bindir_before CLV_OWNER=${owner_before:-$CLV_OWNER}
	export CLV_STAGE_SRC CLV_STAGE_TREE CLV_STAGE_BINDIR CLV_TREE CLV_BINDIR
}

clv_stage_cluster() {
	local name=$1 tree=${2:-$CLV_TREE}
	shift
	[ $# -gt 0 ] && shift
	local data=$CLV_TMP/$name
	clv_on_exit "clv_cluster_stop '$tree' '$data'"
	clv_cluster_start "$tree" "$data" "$(clv_free_port $((40000 + RANDOM % 10000)))" "$@"
}
