#!/usr/bin/env bash
# test/demo/50_evaluation.sh: the tracking charts of the holdout evaluation
# (section 50_evaluation).
#
#   bash test/demo/50_evaluation.sh OUTDIR
#
# Connects with the libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE) to
# a database with the extension clv and the demo data (test/demo/00_shop.sql),
# builds the calibration summary of 2021-2022 in weeks (clv_holdout_summary),
# fits BG/NBD on it and draws with gnuplot (test/demo/plot.sh) the tracking
# curve of clv_holdout_tracking over 2021-2023, as in Fader, Hardie & Lee
# (2005), figure 2:
#   OUTDIR/tracking.png        weekly repeat purchases (top) and cumulative
#                              repeat purchases (bottom), actual against
#                              expected by the model, the calibration end
#                              marked
#   OUTDIR/tracking_cdnow.png  the same for the CDNOW sample (calibration to
#                              1997-09-30, holdout to 1998-06-30) when
#                              cdnow_sample_orders.csv is in $CLV_DATA_DIR
#                              (default ../shared/data next to the repository)
# and prints a summary line per chart and the paths.  CLV_CHARTS_DEBUG=1
# keeps the data and the gnuplot script (the temporary directory is left in
# $TMPDIR).

. "$(dirname "$0")/plot.sh"

plot_start "$@"
outdir=$PLOT_OUTDIR
work=$PLOT_WORK

# tracking TSV: week, period end, holdout (t/f), weekly actual, weekly
# expected, cumulative actual, cumulative expected
plot_psql >"$work/shop.tsv" <<'SQL'
SET TimeZone = 'UTC';
CREATE TEMP TABLE m AS
SELECT bgnbd_fit(btyd_data(frequency_cal, recency_cal, t_cal), 'week', '2022-12-31') AS purchases
FROM clv_holdout_summary('SELECT customer_id, ordered_at, amount FROM shop.orders', '2022-12-31', '2023-12-31', 'week');
SELECT t.* FROM m, clv_holdout_tracking(m.purchases, 'SELECT customer_id, ordered_at, amount FROM shop.orders',
										'2022-12-31', '2023-12-31') AS t;
SQL

data_dir=$(realpath -m "$(clv_data_dir)")
cdnow=off
if [ -r "$data_dir/cdnow_sample_orders.csv" ]; then
	cdnow=on
	plot_psql >"$work/cdnow.tsv" <<SQL
CREATE TEMP TABLE cdnow (customer_id int, order_date date, quantity int, amount numeric);
\\copy cdnow FROM '$data_dir/cdnow_sample_orders.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE m AS
SELECT bgnbd_fit(btyd_data(frequency_cal, recency_cal, t_cal), 'week', '1997-09-30') AS purchases
FROM clv_holdout_summary('SELECT customer_id, order_date, amount FROM cdnow', '1997-09-30', '1998-06-30', 'week');
SELECT t.* FROM m, clv_holdout_tracking(m.purchases, 'SELECT customer_id, order_date, amount FROM cdnow',
										'1997-09-30', '1998-06-30') AS t;
SQL
fi

# draw NAME TITLE: OUTDIR/NAME.png from $work/NAME.tsv (or tracking.png for shop)
draw() {
	local tsv=$work/$1.tsv png=$2 title=$3 n cal last
	n=$(wc -l <"$tsv")
	[ "$n" -gt 0 ] || { echo "charts: clv_holdout_tracking returned no rows for $1" >&2; exit 1; }
	# the last calibration week (x of the marker line)
	cal=$(awk -F'\t' '$3 == "f" { w = $1 } END { print w + 0.5 }' "$tsv")
	last=$(tail -n 1 "$tsv")
	cat >"$work/$1.gp" <<GP
set datafile separator "\t"
$(plot_term 1200 900)
set output '$png'
set multiplot layout 2,1 title "$title" noenhanced
set grid xtics ytics lc rgb "#dddddd"
set key top right box opaque
set xrange [0:$n + 1]
set arrow 1 from $cal, graph 0 to $cal, graph 1 nohead dt 2 lc rgb "#555555"
set label 1 "calibration | holdout" at $cal, graph 0.95 center front
set xlabel "week"
set ylabel "repeat purchases in the week"
set yrange [0:*]
plot '$tsv' using 1:4 with lines lw 2 lc rgb "#08306b" title "actual", \\
     '' using 1:5 with lines lw 2 dt 4 lc rgb "#fd8d3c" title "expected (BG/NBD)"
set ylabel "cumulative repeat purchases"
set key top left box opaque
plot '$tsv' using 1:6 with lines lw 2 lc rgb "#08306b" title "actual", \\
     '' using 1:7 with lines lw 2 dt 4 lc rgb "#fd8d3c" title "expected (BG/NBD)"
unset multiplot
GP
	gnuplot "$work/$1.gp"
	echo "$last" | awk -F'\t' -v name="$1" '{ printf "charts: tracking curve (%s), %d weeks to %s, cumulative repeat purchases actual %d, expected %.1f\n", name, $1, $2, $6, $7 }'
}

draw shop "$outdir/tracking.png" "Tracking: repeat purchases of the customers first seen in 2021-2022, actual and expected\nsynthetic shop (test/shop/shop.sql), BG/NBD fitted on 2021-2022 in weeks, clv_holdout_tracking(...)"
paths=("$outdir/tracking.png")
if [ $cdnow = on ]; then
	draw cdnow "$outdir/tracking_cdnow.png" "Tracking: CDNOW sample (2,357 customers), BG/NBD fitted on 1997-01-01 .. 1997-09-30\nweekly repeat purchases and their cumulative sum, actual and expected (Fader, Hardie & Lee 2005, figure 2)"
	paths+=("$outdir/tracking_cdnow.png")
else
	echo "charts: CDNOW tracking skipped: cdnow_sample_orders.csv not found in $data_dir"
fi
printf '%s\n' "${paths[@]}"
