#!/usr/bin/env bash
# test/stages/85_charts.sh: the demo's pictures (test/demo/charts.sh) from the
# demo data: both PNG files are written, are valid PNG images of the expected
# size, and the cohort table they are drawn from is the one of plain SQL.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

charts_dir=$CLV_TMP/charts

load_demo_data() {
	clv_psql -c 'CREATE EXTENSION clv' -f test/demo/00_data.sql >/dev/null
}
clv_check "demo data loaded (test/demo/00_data.sql)" load_demo_data

run_charts() {
	bash test/demo/charts.sh "$charts_dir" >"$CLV_TMP/charts.out" 2>&1 || { cat "$CLV_TMP/charts.out"; return 1; }
	cat "$CLV_TMP/charts.out"
	grep -qx "$charts_dir/cohort_retention.png" "$CLV_TMP/charts.out" &&
		grep -qx "$charts_dir/cumulative_revenue.png" "$CLV_TMP/charts.out" || { echo "paths not printed"; return 1; }
}
clv_check "bash test/demo/charts.sh OUTDIR exits 0 and prints both paths" run_charts

# png_ok FILE MIN_WIDTH MIN_HEIGHT: PNG signature, IHDR chunk, size, IEND at the end
png_ok() {
	local f=$1 sig w h size
	[ -f "$f" ] || { echo "$f: missing"; return 1; }
	sig=$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')
	[ "$sig" = 89504e470d0a1a0a ] || { echo "$f: not a PNG file (signature $sig)"; return 1; }
	[ "$(dd if="$f" bs=1 skip=12 count=4 2>/dev/null)" = IHDR ] || { echo "$f: no IHDR chunk"; return 1; }
	w=$((16#$(dd if="$f" bs=1 skip=16 count=4 2>/dev/null | od -An -tx1 | tr -d ' \n')))
	h=$((16#$(dd if="$f" bs=1 skip=20 count=4 2>/dev/null | od -An -tx1 | tr -d ' \n')))
	size=$(stat -c %s "$f")
	echo "$f: ${w}x${h}, $size bytes"
	[ "$w" -ge "$2" ] && [ "$h" -ge "$3" ] || { echo "$f: smaller than $2x$3"; return 1; }
	[ "$size" -ge 20000 ] && [ "$size" -le 2000000 ] || { echo "$f: unexpected file size"; return 1; }
	[ "$(tail -c 8 "$f" | head -c 4)" = IEND ] || { echo "$f: truncated (no IEND chunk at the end)"; return 1; }
}
clv_check "cohort_retention.png is a valid PNG image of at least 1000x400" png_ok "$charts_dir/cohort_retention.png" 1000 400
clv_check "cumulative_revenue.png is a valid PNG image of at least 1000x400" png_ok "$charts_dir/cumulative_revenue.png" 1000 400

# the charts' summary line against plain SQL over the same orders: number of
# monthly cohorts, last offset and rows (one per cohort and month up to the
# last month with an order)
charts_data() {
	local want
	want=$(clv_psql -At -F ' ' <<-'EOF'
		WITH o AS (SELECT customer_id, date_trunc('month', order_date)::date AS m FROM orders WHERE amount >= 0),
		c AS (SELECT customer_id, min(m) AS cohort FROM o GROUP BY 1),
		k AS (SELECT DISTINCT cohort FROM c),
		last AS (SELECT max(date_trunc('month', order_date))::date AS m FROM orders)
		SELECT count(*),
		       (SELECT (extract(year FROM age(last.m, min(cohort))) * 12 + extract(month FROM age(last.m, min(cohort))))::int FROM k, last GROUP BY last.m),
		       (SELECT sum((extract(year FROM age(last.m, cohort)) * 12 + extract(month FROM age(last.m, cohort)))::int + 1) FROM k, last)
		FROM k
	EOF
	) || return 1
	local n off rows
	read -r n off rows <<<"$want"
	grep -q "^charts: cohort table of $n monthly cohorts (.*), offsets 0 to $off, $rows rows\$" "$CLV_TMP/charts.out" ||
		{ echo "plain SQL: $n cohorts, offsets 0 to $off, $rows rows; charts.sh said:"; grep '^charts:' "$CLV_TMP/charts.out"; return 1; }
	echo "$n cohorts, offsets 0 to $off, $rows rows"
}
clv_check "the charts are drawn from the full cohort table (cohorts, offsets, rows as in plain SQL)" charts_data

clv_stage_done
