#!/usr/bin/env bash
# test/stages/90_demo.sh: `make demo` (test/demo.sh) works end to end, in
# this checkout (with the CDNOW data where ../shared/data or $CLV_DATA_DIR
# has it) and in a copy of the repository's files as a clone has them, where
# no ../shared exists: its own build, private tree and cluster (under this
# stage's scratch directory), every report section runs without error,
# every "plain SQL" cross-check of the report holds, the charts are
# written, and the two reports are the same apart from the CDNOW section.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

# run_demo DIR NAME: bash DIR/test/demo.sh, output in $CLV_TMP/NAME.out/.err
run_demo() {
	(cd "$1" && TMPDIR=$CLV_TMP bash test/demo.sh >"$CLV_TMP/$2.out" 2>"$CLV_TMP/$2.err") ||
		{ cat "$CLV_TMP/$2.err"; tail -n 40 "$CLV_TMP/$2.out"; return 1; }
}

# report_ok DIR NAME: title, no error, saved copy equal to stdout, charts
report_ok() {
	local n
	grep -q 'clv demo: customer lifetime value' "$CLV_TMP/$2.out" || { echo "no report title"; return 1; }
	if grep -n -E '^(ERROR|WARNING|psql:)' "$CLV_TMP/$2.out" "$CLV_TMP/$2.err"; then return 1; fi
	n=$(ls "$1"/test/demo/[0-9][0-9]_*.sql | wc -l)
	echo "$n report sections"
	cmp -s "$CLV_TMP/$2.out" "$1/test/out/demo_report.txt" || { echo "test/out/demo_report.txt differs from stdout"; return 1; }
	[ -s "$1/test/out/cohort_retention.png" ] && [ -s "$1/test/out/cumulative_revenue.png" ] &&
		[ -s "$1/test/out/tracking.png" ] ||
		{ echo "charts missing in $1/test/out"; return 1; }
}

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
		END { print n + 0 " rows checked"; if (n < 10) bad = 1; exit bad }' "$CLV_TMP/$1.out"
}

clv_check "make demo (bash test/demo.sh) exits 0 in this checkout" run_demo "$CLV_ROOT" here
clv_check "report printed without errors, saved to test/out/demo_report.txt, charts written" report_ok "$CLV_ROOT" here
clv_check "report: every plain-SQL cross-check equals the clv function's value" crosschecks here

data_dir=${CLV_DATA_DIR:-$CLV_ROOT/../shared/data}
cdnow_section() {
	if [ -r "$data_dir/cdnow_sample_orders.csv" ]; then
		grep -A 6 '^ estimates ' "$CLV_TMP/here.out" | grep -E '^ (clv|published) ' | tee "$CLV_TMP/cdnow.rows"
		# clv's estimates equal the published ones as printed (3 decimals, 2 for p, q, v)
		[ "$(sed -n 1p "$CLV_TMP/cdnow.rows" | cut -d'|' -f2-)" = "$(sed -n 2p "$CLV_TMP/cdnow.rows" | cut -d'|' -f2-)" ]
	else
		grep -x "skipped: CDNOW data not found .*" "$CLV_TMP/here.out"
	fi
}
clv_check "CDNOW section: the published estimates (or one line saying it was skipped)" cdnow_section

# the holdout evaluation: the shop's section prints its decile table; the
# CDNOW section its decile table and the CDNOW tracking chart is drawn
evaluation_sections() {
	local n
	n=$(sed -n '/^ Can I trust the prediction? Holdout evaluation/,/^ The CDNOW sample: /p' "$CLV_TMP/here.out" |
		grep -c -E '^ +([1-9]|10) \| +[0-9]+ \|') || true
	echo "shop decile table: $n rows"
	[ "$n" = 10 ] || return 1
	if [ -r "$data_dir/cdnow_sample_orders.csv" ]; then
		n=$(sed -n '/^ The CDNOW sample: /,$p' "$CLV_TMP/here.out" | grep -c -E '^ +([1-9]|10) \| +2[0-9][0-9] \|') || true
		echo "CDNOW decile table: $n rows"
		[ "$n" = 10 ] && [ -s "$CLV_ROOT/test/out/tracking_cdnow.png" ]
	fi
}
clv_check "holdout evaluation: decile tables of the shop and CDNOW, CDNOW tracking chart" evaluation_sections

# a copy of what a clone holds (tracked and new, not ignored files), in a
# directory without ../shared next to it
clone_copy() {
	local dst=$CLV_TMP/clone/clv
	mkdir -p "$dst"
	(cd "$CLV_ROOT" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			if [ -f "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done | tar --null --no-recursion -T - -cf -) | tar -xf - -C "$dst" || return 1
	[ ! -e "$CLV_TMP/clone/shared" ] && [ -f "$dst/test/demo.sh" ] && [ ! -e "$dst/test/out" ]
}
if command -v git >/dev/null 2>&1 && git -C "$CLV_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	if clv_check "a copy of the repository's files, without ../shared" clone_copy; then
		clone_demo() { (unset CLV_DATA_DIR; run_demo "$CLV_TMP/clone/clv" clone); }
		clv_check "make demo exits 0 in the copy" clone_demo
		clv_check "copy: report without errors, charts written" report_ok "$CLV_TMP/clone/clv" clone
		clv_check "copy: CDNOW section skipped with one line" grep -x "skipped: CDNOW data not found .*" "$CLV_TMP/clone.out"
		same_report() {
			diff <(sed '/^ The CDNOW sample: /,$d' "$CLV_TMP/here.out") <(sed '/^ The CDNOW sample: /,$d' "$CLV_TMP/clone.out")
		}
		clv_check "the two reports are the same up to the CDNOW section" same_report
	fi
else
	echo "skipped: the demo in a copy of the repository (not a git checkout)"
fi

clv_stage_done
