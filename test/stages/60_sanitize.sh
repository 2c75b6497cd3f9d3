#!/usr/bin/env bash
# test/stages/60_sanitize.sh: memory safety.
# 1. The whole pg_regress suite (the Makefile's REGRESS) and a run of the
#    input fuzzer against clv built with UndefinedBehaviorSanitizer
#    (-fsanitize=undefined -fno-sanitize-recover=all: signed overflow,
#    shifts, misaligned or null accesses, bounds of fixed arrays, ...).
#    AddressSanitizer is not used: Debian's postgres binary hangs at startup
#    (deadlock in bindtextdomain) when libasan is preloaded.
# 2. Instead, valgrind memcheck: the server of the regular build runs under
#    valgrind; some pg_regress suites (CLV_VALGRIND_TESTS) and the fuzzer
#    run against it; any valgrind error whose stack reaches clv's code fails.
# Fails on any sanitizer/valgrind report, a test failing under them, or a
# crash.  CLV_SANITIZE_FUZZ_SECONDS / CLV_VALGRIND_FUZZ_SECONDS (default 60)
# bound the fuzzing.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

san="-fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
clv_check "build clv with $san" \
	clv_stage_build ubsan PG_CFLAGS="$CLV_WARN_CFLAGS $san" PG_LDFLAGS="-fsanitize=undefined" || clv_stage_done
clv_check "clv.so is instrumented" sh -c "nm -D '$CLV_STAGE_TREE/usr/lib/postgresql/$CLV_PGVER/lib/clv.so' | grep -q __ubsan_handle"

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
clv_check "start a server with the UBSan build" \
	clv_stage_cluster ubsan-data "$CLV_STAGE_TREE" "restart_after_crash = on" "max_parallel_workers_per_gather = 2" || clv_stage_done
log=$CLV_TMP/ubsan-data/server.log

regress() {
	local t failed=()
	(cd "$CLV_STAGE_SRC" && clv_regress "$CLV_TMP/regress" $CLV_REGRESS) >"$CLV_TMP/regress.out" 2>&1
	cat "$CLV_TMP/regress.out"
	for t in $CLV_REGRESS; do grep -qx "ok $t" "$CLV_TMP/regress/status" || failed+=("$t"); done
	if [ ${#failed[@]} -gt 0 ]; then
		echo "failed under the sanitizers: ${failed[*]}"
		head -n 200 "$CLV_STAGE_SRC/regression.diffs" 2>/dev/null
		return 1
	fi
}
clv_check "pg_regress: all REGRESS tests pass under UBSan" regress

fuzz() {
	gcc -O2 -I"$("$CLV_PGCONFIG" --includedir)" -o "$CLV_TMP/clv_fuzz" test/fuzz/clv_fuzz.c \
		-L"$("$CLV_PGCONFIG" --libdir)" -lpq || return 1
	clv_psql -c 'CREATE DATABASE fuzz' && clv_psql -d fuzz -c 'CREATE EXTENSION clv' -f test/fuzz/seeds.sql >/dev/null || return 1
	"$CLV_TMP/clv_fuzz" -d "host=$PGHOST port=$PGPORT user=postgres dbname=fuzz" \
		-s "SELECT typname, probe, val FROM fuzz_seeds ORDER BY typname, val" \
		-t "${CLV_SANITIZE_FUZZ_SECONDS:-60}" -r "$(date +%s)" >"$CLV_TMP/fuzz.out" 2>&1
	local rc=$?
	grep -E '^(FAIL|clv_fuzz)' "$CLV_TMP/fuzz.out" | cut -c1-2000 | head -n 30
	return $rc
}
clv_check "fuzz the input functions for ${CLV_SANITIZE_FUZZ_SECONDS:-60}s under UBSan" fuzz
grep '^clv_fuzz:' "$CLV_TMP/fuzz.out" 2>/dev/null | head -n 1 | sed 's/^/      /'

no_reports() {
	if grep -n -E -A30 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|terminated by signal|PANIC' "$log" | head -n 120; then
		return 1
	fi
}
clv_check "server log: no sanitizer report, no crash" no_reports

# ---------------------------------------------------------------- valgrind
# Memory errors (invalid reads and writes, use of uninitialised values) in
# clv's code, under valgrind memcheck: the server of the regular build runs
# under valgrind (--trace-children: every backend), some pg_regress suites
# and the fuzzer run against it.  Only reports whose stack contains clv's
# code count (PostgreSQL itself is not built for valgrind here).
VG_TESTS=${CLV_VALGRIND_TESTS:-"agg rates summary semantics cohort_errors privileges"}
vg_start() {
	clv_apt_install valgrind || return 1
	clv_stage_cluster valgrind "$CLV_TREE" || return 1
	vgdata=$CLV_TMP/valgrind
	clv_cluster_stop "$CLV_TREE" "$vgdata"
	clv_run_as_owner valgrind --quiet --trace-children=yes --num-callers=30 --error-limit=no \
		--log-file="$vgdata/vg.%p.log" "$CLV_BINDIR/postgres" -D "$vgdata/pgdata" >"$vgdata/server.log" 2>&1 &
	for _ in $(seq 120); do clv_psql -c 'SELECT 1' >/dev/null 2>&1 && return 0; sleep 1; done
	cat "$vgdata/server.log"
	return 1
}
vg_run() {
	local t failed=()
	(cd "$CLV_STAGE_SRC" && clv_regress "$CLV_TMP/vgregress" $VG_TESTS) >"$CLV_TMP/vgregress.out" 2>&1
	cat "$CLV_TMP/vgregress.out"
	for t in $VG_TESTS; do grep -qx "ok $t" "$CLV_TMP/vgregress/status" || failed+=("$t"); done
	clv_psql -c 'CREATE DATABASE fuzz' && clv_psql -d fuzz -c 'CREATE EXTENSION clv' -f test/fuzz/seeds.sql >/dev/null || return 1
	"$CLV_TMP/clv_fuzz" -d "host=$PGHOST port=$PGPORT user=postgres dbname=fuzz" \
		-s "SELECT typname, probe, val FROM fuzz_seeds ORDER BY typname, val" \
		-t "${CLV_VALGRIND_FUZZ_SECONDS:-60}" -r "$(date +%s)" >"$CLV_TMP/vgfuzz.out" 2>&1 || failed+=(fuzzer)
	grep -E '^(FAIL|clv_fuzz:)' "$CLV_TMP/vgfuzz.out" | cut -c1-2000 | head -n 10
	[ ${#failed[@]} -eq 0 ] || { echo "failed under valgrind: ${failed[*]}"; return 1; }
}
vg_reports() {
	# print each valgrind error block whose stack reaches clv's code (a
	# frame in clv.so, or in one of the files of src/)
	local files
	files=$(cd src && ls *.c | sed 's/\.c$//' | paste -sd'|')
	CLV_VG_RE="clv\\.so|\\((${files})\\.c:" \
	awk '/^==[0-9]+== [A-Z]/ { if (blk ~ ENVIRON["CLV_VG_RE"]) { print blk; bad = 1 } blk = "" }
		{ blk = blk $0 "\n" }
		END { if (blk ~ ENVIRON["CLV_VG_RE"]) { print blk; bad = 1 } exit bad }' \
		"$CLV_TMP"/valgrind/vg.*.log | head -n 200
}
if clv_check "start the server under valgrind memcheck" vg_start; then
	clv_check "pg_regress ($VG_TESTS) and ${CLV_VALGRIND_FUZZ_SECONDS:-60}s of fuzzing under valgrind" vg_run
	grep '^clv_fuzz:' "$CLV_TMP/vgfuzz.out" 2>/dev/null | head -n 1 | sed 's/^/      /'
	echo "      $(ls "$CLV_TMP"/valgrind/vg.*.log 2>/dev/null | wc -l) processes ran under valgrind"
	clv_check "valgrind: no memory error in clv's code" vg_reports
fi

clv_stage_done
