#!/usr/bin/env bash
# test/stages/85_charts.sh: the demo's charts from the demo data: the cohort
# charts (test/demo/20_cohorts.sh), the CLV:CAC chart
# (test/demo/40_growth.sh) and the tracking charts of the holdout evaluation
# (test/demo/50_evaluation.sh; CDNOW's where the data is) are written, are valid PNG images of the expected
# size, and the data they are drawn from agree with plain SQL.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

charts_dir=$CLV_TMP/charts

load_demo_data() {
	clv_psql -c 'CREATE EXTENSION clv' -v customers=5000 -v seed=1 -f test/demo/00_shop.sql >/dev/null
}
clv_check "demo data loaded (test/demo/00_shop.sql, 5,000 customers)" load_demo_data

run_charts() {
	bash test/demo/20_cohorts.sh "$charts_dir" >"$CLV_TMP/charts.out" 2>&1 || { cat "$CLV_TMP/charts.out"; return 1; }
	cat "$CLV_TMP/charts.out"
	grep -qx "$charts_dir/cohort_retention.png" "$CLV_TMP/charts.out" &&
		grep -qx "$charts_dir/cumulative_revenue.png" "$CLV_TMP/charts.out" || { echo "paths not printed"; return 1; }
}
clv_check "bash test/demo/20_cohorts.sh OUTDIR exits 0 and prints both paths" run_charts

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

# the charts' summary line against plain SQL over the same rows: number of
# quarterly cohorts, last offset and rows (one per cohort and quarter up to
# the quarter of the latest row of a customer, order or refund)
charts_data() {
	local want
	want=$(clv_psql -At -F ' ' <<-'EOF'
		SET TimeZone = 'UTC';
		WITH o AS (SELECT customer_id, ordered_at, amount FROM shop.orders
		           WHERE customer_id IS NOT NULL AND amount IS NOT NULL),
		q AS (SELECT customer_id, extract(year FROM min(ordered_at)) * 4 + extract(quarter FROM min(ordered_at)) - 1 AS cohort
		      FROM o WHERE amount >= 0 GROUP BY customer_id),
		k AS (SELECT DISTINCT cohort FROM q),
		last AS (SELECT extract(year FROM max(ordered_at)) * 4 + extract(quarter FROM max(ordered_at)) - 1 AS q FROM o)
		SELECT count(*), max(last.q - cohort)::int, sum(last.q - cohort + 1)::int
		FROM k CROSS JOIN last
	EOF
	) || return 1
	local n off rows
	read -r n off rows <<<"$want"
	grep -q "^charts: cohort table of $n quarterly cohorts (.*), offsets 0 to $off, $rows rows\$" "$CLV_TMP/charts.out" ||
		{ echo "plain SQL: $n cohorts, offsets 0 to $off, $rows rows; 20_cohorts.sh said:"; grep '^charts:' "$CLV_TMP/charts.out"; return 1; }
	echo "$n cohorts, offsets 0 to $off, $rows rows"
}
clv_check "the charts are drawn from the full cohort table (cohorts, offsets, rows as in plain SQL)" charts_data

# the growth chart (test/demo/40_growth.sh): CLV:CAC of the paid channels
run_growth_chart() {
	bash test/demo/40_growth.sh "$charts_dir" >"$CLV_TMP/growth.out" 2>&1 || { cat "$CLV_TMP/growth.out"; return 1; }
	cat "$CLV_TMP/growth.out"
	grep -qx "$charts_dir/clv_to_cac.png" "$CLV_TMP/growth.out" || { echo "path not printed"; return 1; }
}
clv_check "bash test/demo/40_growth.sh OUTDIR exits 0 and prints the path" run_growth_chart
clv_check "clv_to_cac.png is a valid PNG image of at least 1000x400" png_ok "$charts_dir/clv_to_cac.png" 1000 400

# one line per channel with spend and customers in some month (plain SQL)
growth_data() {
	local n
	n=$(clv_psql -At -c "SELECT count(DISTINCT s.channel) FROM shop.marketing_spend AS s
		WHERE s.spend > 0 AND EXISTS (SELECT FROM shop.customers AS c
			WHERE c.channel = s.channel AND date_trunc('month', c.first_order_at AT TIME ZONE 'UTC') = s.month)") || return 1
	grep -q "^charts: CLV:CAC of $n paid channels, offsets 0 to 24, " "$CLV_TMP/growth.out" ||
		{ echo "plain SQL: $n paid channels; 40_growth.sh said:"; grep '^charts:' "$CLV_TMP/growth.out"; return 1; }
	echo "$n paid channels"
}
clv_check "the growth chart has one line per paid channel (as in plain SQL)" growth_data

# the tracking charts (test/demo/50_evaluation.sh)
run_tracking_charts() {
	bash test/demo/50_evaluation.sh "$charts_dir" >"$CLV_TMP/tracking.out" 2>&1 || { cat "$CLV_TMP/tracking.out"; return 1; }
	cat "$CLV_TMP/tracking.out"
	grep -qx "$charts_dir/tracking.png" "$CLV_TMP/tracking.out" || { echo "path not printed"; return 1; }
	if clv_have_data; then
		grep -qx "$charts_dir/tracking_cdnow.png" "$CLV_TMP/tracking.out" || { echo "CDNOW path not printed"; return 1; }
	fi
}
clv_check "bash test/demo/50_evaluation.sh OUTDIR exits 0 and prints the paths" run_tracking_charts
clv_check "tracking.png is a valid PNG image of at least 1000x800" png_ok "$charts_dir/tracking.png" 1000 800
if clv_have_data; then
	clv_check "tracking_cdnow.png is a valid PNG image of at least 1000x800" png_ok "$charts_dir/tracking_cdnow.png" 1000 800
fi

# the shop's chart covers the weeks from the first purchase to 2023-12-31
# and ends at the repeat purchase days of the customers first seen by 2022
# (plain SQL)
tracking_data() {
	local line
	line=$(clv_psql -At -F ' ' <<-'EOF'
		SET TimeZone = 'UTC';
		WITH d AS (SELECT DISTINCT customer_id, ordered_at::date AS day FROM shop.orders
				   WHERE amount >= 0 AND customer_id IS NOT NULL AND ordered_at < '2024-01-01'),
			 f AS (SELECT customer_id, min(day) AS first_day FROM d GROUP BY customer_id HAVING min(day) <= '2022-12-31'),
			 s AS (SELECT min(first_day) AS start FROM f)
		SELECT ('2024-01-01'::date - s.start) / 7, s.start + ('2024-01-01'::date - s.start) / 7 * 7 - 1,
			   (SELECT count(*) FROM d JOIN f USING (customer_id)
				WHERE d.day > f.first_day AND d.day < s.start + ('2024-01-01'::date - s.start) / 7 * 7)
		FROM s;
	EOF
	) || return 1
	set -- $line
	grep -q "^charts: tracking curve (shop), $1 weeks to $2, cumulative repeat purchases actual $3, " "$CLV_TMP/tracking.out" ||
		{ echo "plain SQL: $1 weeks to $2, actual $3; 50_evaluation.sh said:"; grep '^charts:' "$CLV_TMP/tracking.out"; return 1; }
	echo "$1 weeks to $2, $3 repeat purchases"
}
clv_check "the shop's tracking chart covers the whole weeks and its actual curve ends as in plain SQL" tracking_data

clv_stage_done
