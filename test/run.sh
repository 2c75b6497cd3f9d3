#!/usr/bin/env bash
# test/run.sh: `make test`, the whole test suite.
#
#   bash test/run.sh [NAME...]          (or: make test [TESTS="NAME..."])
#
# Installs what is missing (postgresql-server-dev-15, gcc, make; apt-get as
# root or through sudo), builds clv with -Wall -Wextra -Werror, installs it
# into a private PostgreSQL tree in a temporary directory (the system
# installation is never modified), starts a throwaway cluster there (owned
# by 'postgres' when run as root), runs pg_regress over the Makefile's
# REGRESS tests and then every stage script test/stages/NN_*.sh in order,
# stops the cluster, removes the temporary directory (also on failure or
# Ctrl-C) and prints a summary ending in "N passed, N failed".  Exit status
# is 0 only when everything passed.
#
# NAME selects a subset: a pg_regress test (agg), a stage (10_install_check,
# install_check or 10), or "regress" / "stages" for all of either kind.
# Environment: TESTS (same as NAME...), CLV_SKIP (stages to leave out, named
# as above; `make test-core` skips the optional heavy ones), CLV_KEEP=1
# keeps the temporary directory (cluster logs, stage logs), CLV_VERBOSE=1
# shows stage output as it runs, CLV_STAGE_TIMEOUT (seconds per stage,
# default 1800), TMPDIR, CLV_DATA_DIR (the public datasets; default
# ../shared/data beside the repository), CLV_VERSIONS and CLV_DEBIAN_MIRROR
# (stage 95_versions).

set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
CLV_ROOT=$PWD
export CLV_ROOT
. test/lib/pgenv.sh
clv_clean_env

t_start=$(date +%s)
# the traps print to the original stdout/stderr even when the signal arrives
# while a redirected command runs
exec 3>&1 4>&2
npass=0
nfail=0
summary=()
tmp=

# record STATUS NAME SECONDS DETAIL COUNT_OK COUNT_FAIL
record() {
	summary+=("$(printf '%-5s %-28s %5ss  %s' "$1" "$2" "$3" "$4")")
	npass=$((npass + $5))
	nfail=$((nfail + $6))
}

print_summary() {
	local s
	echo
	echo "==================== clv test summary ===================="
	for s in "${summary[@]}"; do echo "$s"; done
	echo "total time $(($(date +%s) - t_start))s${tmp:+, temporary directory $tmp$([ "${CLV_KEEP:-0}" = 1 ] || echo ' (removed)')}"
	if [ $nfail -gt 0 ]; then
		echo "rerun a failed item alone: bash test/run.sh NAME (CLV_KEEP=1 keeps its logs, CLV_VERBOSE=1 shows a stage's output)"
	fi
	echo "$npass passed, $nfail failed"
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$tmp" ]; then
		clv_release_dir "$tmp"
		clv_stop_all "$tmp"
		if [ "${CLV_KEEP:-0}" = 1 ]; then
			echo "clv: kept $tmp (CLV_KEEP=1)"
		else
			rm -rf --one-file-system "$tmp"
		fi
	fi
	exit $rc
} >&3 2>&4
trap cleanup EXIT
stage_pid=
interrupted() {
	echo
	echo "clv: interrupted"
	if [ -n "$stage_pid" ]; then
		kill -TERM "$stage_pid" 2>/dev/null
		wait "$stage_pid"
	fi
	record FAIL interrupted 0 "" 0 1
	print_summary
	exit 130
} >&3 2>&4
trap interrupted INT TERM HUP

# fail_setup STEP SECONDS DETAIL: a step every later one depends on failed
fail_setup() {
	record FAIL "$1" "$2" "$3" 0 1
	print_summary
	exit 1
}

# ---------------------------------------------------------------- selection
sel=()
read -r -a sel <<<"${TESTS:-}"
sel+=("$@")
for a in "${sel[@]}"; do
	case "$a" in -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
done

step_start=$(date +%s)
if ! clv_pg_prereqs; then
	fail_setup prerequisites $(($(date +%s) - step_start)) "could not install postgresql-server-dev-$CLV_PGVER/gcc/make"
fi

all_regress=()
read -r -a all_regress <<<"$(clv_regress_list)"
all_stages=()
for f in test/stages/[0-9][0-9]_*.sh; do
	[ -f "$f" ] && all_stages+=("$(basename "$f" .sh)")
done

regress=()
stages=()
if [ ${#sel[@]} -eq 0 ]; then
	regress=("${all_regress[@]}")
	stages=("${all_stages[@]}")
else
	in_list() { local x=$1 y; shift; for y in "$@"; do [ "$x" = "$y" ] && return 0; done; return 1; }
	for a in "${sel[@]}"; do
		found=0
		case "$a" in
		regress) regress=("${all_regress[@]}"); found=1 ;;
		stages) stages=("${all_stages[@]}"); found=1 ;;
		esac
		for t in "${all_regress[@]}"; do
			if [ "$a" = "$t" ]; then in_list "$t" "${regress[@]}" || regress+=("$t"); found=1; fi
		done
		for s in "${all_stages[@]}"; do
			if [ "$a" = "$s" ] || [ "$a" = "${s#[0-9][0-9]_}" ] || [ "$a" = "${s%%_*}" ]; then
				in_list "$s" "${stages[@]}" || stages+=("$s")
				found=1
			fi
		done
		if [ $found = 0 ]; then
			echo "clv: unknown test or stage '$a'" >&2
			echo "  pg_regress tests: ${all_regress[*]:-none}" >&2
			echo "  stages: ${all_stages[*]:-none}" >&2
			exit 2
		fi
	done
	# keep the Makefile's / directory order
	sorted=()
	for t in "${all_regress[@]}"; do in_list "$t" "${regress[@]}" && sorted+=("$t"); done
	regress=("${sorted[@]}")
	sorted=()
	for s in "${all_stages[@]}"; do in_list "$s" "${stages[@]}" && sorted+=("$s"); done
	stages=("${sorted[@]}")
fi

# CLV_SKIP: stages left out (same names as above; `make test-core`)
skipped=()
if [ -n "${CLV_SKIP:-}" ]; then
	kept=()
	for s in "${stages[@]}"; do
		skip=0
		for a in $CLV_SKIP; do
			if [ "$a" = "$s" ] || [ "$a" = "${s#[0-9][0-9]_}" ] || [ "$a" = "${s%%_*}" ]; then skip=1; fi
		done
		if [ $skip = 1 ]; then skipped+=("$s"); else kept+=("$s"); fi
	done
	stages=("${kept[@]}")
fi

# ---------------------------------------------------------------- build
tmp=$(clv_tmpdir clv-test) || fail_setup tmpdir 0 "cannot create a temporary directory"
echo "== build (PG_CFLAGS=$CLV_WARN_CFLAGS)"
step_start=$(date +%s)
if ! clv_build >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log"
	fail_setup build $(($(date +%s) - step_start)) "compilation failed (-Werror), output above"
fi
# with -s, make prints only what the compiler says: nothing when clean
[ -s "$tmp/build.log" ] && cat "$tmp/build.log"
EXTVERSION=$(make -s --no-print-directory PG_CONFIG="$CLV_PGCONFIG" -f Makefile -f - <<<'clv-print-v: ; @echo $(EXTVERSION)' clv-print-v)
export EXTVERSION
record PASS build $(($(date +%s) - step_start)) "clv $EXTVERSION, -Werror" 1 0

# ---------------------------------------------------------------- install + cluster
echo "== install into private tree, start cluster"
step_start=$(date +%s)
if ! { clv_tree_create "$tmp/tree" && clv_tree_install "$tmp/tree"; } >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	fail_setup install $(($(date +%s) - step_start)) "make install into the private tree failed"
fi
port=$(clv_free_port $((50000 + RANDOM % 10000)))
if ! clv_cluster_start "$tmp/tree" "$tmp/cluster" "$port"; then
	fail_setup cluster $(($(date +%s) - step_start)) "initdb or server start failed, log above"
fi
export CLV_MAIN_PGHOST=$PGHOST CLV_MAIN_PGPORT=$PGPORT
record PASS cluster $(($(date +%s) - step_start)) "$($CLV_BINDIR/postgres --version), owner $CLV_OWNER" 1 0

# ---------------------------------------------------------------- pg_regress
if [ ${#regress[@]} -gt 0 ]; then
	echo "== pg_regress (${#regress[@]} tests, each in a fresh database)"
	step_start=$(date +%s)
	clv_regress "$tmp/regress" "${regress[@]}"
	r_ok=0
	r_fail=0
	failed=()
	for t in "${regress[@]}"; do
		if grep -qx "ok $t" "$tmp/regress/status"; then
			r_ok=$((r_ok + 1))
		else
			r_fail=$((r_fail + 1))
			failed+=("$t")
		fi
	done
	secs=$(($(date +%s) - step_start))
	if [ $r_fail -gt 0 ]; then
		if [ -s regression.diffs ]; then
			n=$(wc -l <regression.diffs)
			echo "== regression.diffs ($n lines$([ "$n" -gt 3000 ] && echo ', first 3000 shown'))"
			head -n 3000 regression.diffs
		fi
		record FAIL pg_regress "$secs" "$r_ok/${#regress[@]} ok; failed: ${failed[*]} (see regression.diffs)" "$r_ok" "$r_fail"
	else
		record PASS pg_regress "$secs" "$r_ok/${#regress[@]} tests ok" "$r_ok" 0
	fi
fi

# ---------------------------------------------------------------- stages
mkdir -p "$tmp/stages"
export CLV_REGRESS="${all_regress[*]}"
for s in "${stages[@]}"; do
	echo "== stage $s"
	step_start=$(date +%s)
	db=stage_$s
	log=$tmp/stages/$s.log
	stage_tmp=$tmp/stages/$s
	mkdir -p "$stage_tmp"
	chmod 755 "$stage_tmp"
	rm -f "$stage_tmp.results"
	[ "$(id -u)" = 0 ] && chown "$CLV_OWNER" "$stage_tmp"
	srcrc=0
	PGHOST=$CLV_MAIN_PGHOST PGPORT=$CLV_MAIN_PGPORT "$CLV_BINDIR/psql" -X -q -d postgres \
		-c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\"" >"$log" 2>&1 || srcrc=$?
	if [ $srcrc -eq 0 ]; then
		# in the background with `wait`, so that Ctrl-C is handled at once;
		# timeout runs the stage in its own process group and on a timeout
		# or a TERM from interrupted() signals that whole group
		if [ "${CLV_VERBOSE:-0}" = 1 ]; then
			env CLV_STAGE="$s" CLV_TMP="$stage_tmp" CLV_RESULTS="$stage_tmp.results" PGDATABASE="$db" \
				timeout -k 10 "${CLV_STAGE_TIMEOUT:-1800}" bash "test/stages/$s.sh" </dev/null > >(tee -a "$log") 2>&1 &
		else
			env CLV_STAGE="$s" CLV_TMP="$stage_tmp" CLV_RESULTS="$stage_tmp.results" PGDATABASE="$db" \
				timeout -k 10 "${CLV_STAGE_TIMEOUT:-1800}" bash "test/stages/$s.sh" </dev/null >>"$log" 2>&1 &
		fi
		stage_pid=$!
		wait $stage_pid
		srcrc=$?
		stage_pid=
	fi
	clv_release_dir "$stage_tmp"
	clv_stop_all "$stage_tmp"
	secs=$(($(date +%s) - step_start))
	last=$(grep -v '^\s*$' "$log" | tail -n 1 | cut -c1-60)
	if [ $srcrc -eq 0 ]; then
		record PASS "$s" "$secs" "$last" 1 0
	else
		if [ "${CLV_VERBOSE:-0}" != 1 ]; then
			n=$(wc -l <"$log")
			echo "-- $s failed (exit $srcrc); log ($n lines$([ "$n" -gt 500 ] && echo ', last 500 shown')):"
			tail -n 500 "$log"
		fi
		[ $srcrc -eq 124 ] && last="timed out after ${CLV_STAGE_TIMEOUT:-1800}s"
		record FAIL "$s" "$secs" "exit $srcrc: $last" 0 1
	fi
	# results a stage reported for its parts (STATUS<TAB>NAME<TAB>SECONDS<TAB>DETAIL
	# lines in $CLV_RESULTS, e.g. one per PostgreSQL version): summary lines of their own
	if [ -f "$stage_tmp.results" ]; then
		while IFS=$'\t' read -r r_status r_name r_secs r_detail; do
			case "$r_status" in
			PASS) record PASS "  $r_name" "$r_secs" "$r_detail" 1 0 ;;
			FAIL) record FAIL "  $r_name" "$r_secs" "$r_detail" 0 1 ;;
			*) record SKIP "  $r_name" "$r_secs" "$r_detail" 0 0 ;;
			esac
		done <"$stage_tmp.results"
		rm -f "$stage_tmp.results"
	fi
	# --one-file-system: never into anything a stage left mounted
	[ "${CLV_KEEP:-0}" = 1 ] || rm -rf --one-file-system "$stage_tmp"
done

clv_cluster_stop "$tmp/tree" "$tmp/cluster"
for s in "${skipped[@]}"; do
	summary+=("$(printf '%-5s %-28s %5s   %s' SKIP "$s" - "CLV_SKIP")")
done
print_summary
[ $nfail -eq 0 ] && [ $npass -gt 0 ]
