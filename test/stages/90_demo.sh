#!/usr/bin/env bash
# test/stages/90_demo.sh: `make demo` (test/demo.sh) works end to end: its
# own build, private tree and cluster (under this stage's scratch directory),
# every report section in test/demo/ runs without error.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

run_demo() {
	TMPDIR=$CLV_TMP bash test/demo.sh >"$CLV_TMP/demo.out" 2>"$CLV_TMP/demo.err" ||
		{ cat "$CLV_TMP/demo.err"; tail -n 40 "$CLV_TMP/demo.out"; return 1; }
}
clv_check "bash test/demo.sh exits 0" run_demo

report_ok() {
	local f n
	grep -q 'clv demo: customer lifetime value' "$CLV_TMP/demo.out" || { echo "no report title"; return 1; }
	if grep -n -E '^(ERROR|WARNING|psql:)' "$CLV_TMP/demo.out" "$CLV_TMP/demo.err"; then return 1; fi
	n=$(ls test/demo/[0-9][0-9]_*.sql | wc -l)
	echo "$n report sections"
	cmp -s "$CLV_TMP/demo.out" test/out/demo_report.txt || { echo "test/out/demo_report.txt differs from stdout"; return 1; }
}
clv_check "report printed without errors, saved to test/out/demo_report.txt" report_ok

# every "plain SQL" cross-check column of the report equals the column
# before it (the value of the clv function)
crosschecks() {
	awk -F'|' '
		/plain SQL/ { for (i = 1; i <= NF; i++) if ($i ~ /plain SQL/) col = i; hdr = 1; next }
		hdr && /^-/ { next }
		hdr && NF > 1 { v = $col; gsub(/ /, "", v)
			w = $(col - 1); gsub(/ /, "", w)
			if (v != w) { print "mismatch: " $0; bad = 1 }
			n++; next }
		{ hdr = 0 }
		END { print n + 0 " rows checked"; if (n == 0) bad = 1; exit bad }' "$CLV_TMP/demo.out"
}
clv_check "report: every plain-SQL cross-check equals the clv function's value" crosschecks

charts_ok() { [ -s test/out/cohort_retention.png ] && [ -s test/out/cumulative_revenue.png ]; }
clv_check "make demo wrote both charts to test/out/" charts_ok

clv_stage_done
