#!/usr/bin/env bash
# test/demo/20_cohorts.sh: the charts of the cohort table (section 20_cohorts).
#
#   bash test/demo/20_cohorts.sh OUTDIR
#
# Connects with the libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE) to
# a database with the extension clv and the demo data (test/demo/00_shop.sql),
# computes the cohort table with clv_cohorts (calendar periods in UTC) and
# draws with gnuplot (test/demo/plot.sh):
#   OUTDIR/cohort_retention.png    heatmap of retention, cohort x periods since
#                                  the first purchase, each cell labelled in %
#   OUTDIR/cumulative_revenue.png  cumulative revenue per customer by periods
#                                  since the first purchase, one line per cohort
# and prints a summary line and the two paths.  Environment:
# CLV_CHARTS_QUERY, the orders query given to clv_cohorts (default: SELECT
# customer_id, ordered_at, amount FROM shop.orders); CLV_CHARTS_PERIOD
# (default quarter); CLV_CHARTS_LABEL, the data's name in the titles
# (default: synthetic shop); CLV_CHARTS_DEBUG=1 keeps the data and the
# gnuplot script (the temporary directory is left in $TMPDIR).

. "$(dirname "$0")/plot.sh"

plot_start "$@"
outdir=$PLOT_OUTDIR
work=$PLOT_WORK

query=${CLV_CHARTS_QUERY:-SELECT customer_id, ordered_at, amount FROM shop.orders}
period=${CLV_CHARTS_PERIOD:-quarter}
label=${CLV_CHARTS_LABEL:-synthetic shop (test/shop/shop.sql)}
case "$period" in
day) fmt='YYYY-MM-DD' adj=daily ;;
week) fmt='IYYY-"W"IW' adj=weekly ;;
month) fmt='YYYY-MM' adj=monthly ;;
quarter) fmt='YYYY-"Q"Q' adj=quarterly ;;
year) fmt='YYYY' adj=yearly ;;
*) echo "charts: CLV_CHARTS_PERIOD must be day, week, month, quarter or year" >&2; exit 2 ;;
esac

# the cohort table, one line per cohort and period offset: cohort index,
# cohort label, offset, cohort customers, retention, cumulative revenue per customer
plot_psql -v q="$query" -v p="$period" -v fmt="$fmt" >"$work/cohorts.tsv" <<'SQL'
SELECT dense_rank() OVER (ORDER BY cohort) - 1, to_char(cohort, :'fmt'), period_offset,
       cohort_customers, retention, cumulative_revenue_per_customer
FROM clv_cohorts(:'q', :'p', 'UTC')
ORDER BY cohort, period_offset;
SQL
rows=$(wc -l <"$work/cohorts.tsv")
[ "$rows" -gt 0 ] || { echo "charts: clv_cohorts returned no rows" >&2; exit 1; }
ncohorts=$(cut -f1 "$work/cohorts.tsv" | sort -u | wc -l)
maxoff=$(cut -f3 "$work/cohorts.tsv" | sort -n | tail -n 1)
first=$(head -n 1 "$work/cohorts.tsv" | cut -f2)
last=$(tail -n 1 "$work/cohorts.tsv" | cut -f2)
# colour scale of the heatmap: up to the highest retention after offset 0
# (offset 0 is 100 % by definition), rounded up to 5 %
cap=$(awk -F'\t' '$3 > 0 && $5 > m { m = $5 } END { c = int(m * 20 + 0.999999) / 20; if (c <= 0) c = 1; print c }' "$work/cohorts.tsv")

# one block per cohort (two blank lines between blocks: gnuplot's "index")
awk -F'\t' 'NR > 1 && $1 != prev { printf "\n\n" } { print; prev = $1 }' "$work/cohorts.tsv" >"$work/blocks.tsv"

ytics=$(awk -F'\t' '!seen[$1]++ { printf "%s\"%s (%d)\" %d", (n++ ? ", " : ""), $2, $4, $1 }' "$work/cohorts.tsv")
titles=$(awk -F'\t' '!seen[$1]++ { printf "%s\"%s (%d customers)\"", (n++ ? " " : ""), $2, $4 }' "$work/cohorts.tsv")
height=$((220 + 45 * ncohorts))
[ $height -lt 420 ] && height=420

cat >"$work/charts.gp" <<GP
set datafile separator "\t"
$(plot_term 1200 $height)
set output '$outdir/cohort_retention.png'
set title "Cohort retention: share of each cohort buying again k ${period}s after its first purchase\n$label, cohorts $first to $last, clv_cohorts(..., '$period', 'UTC')" noenhanced
set xlabel "${period}s since the first purchase (period_offset)" noenhanced
set ylabel "cohort: $period of the first purchase (customers)"
set xrange [-0.5:$maxoff + 0.5]
set yrange [$ncohorts - 0.5:-0.5]
set xtics 1 out nomirror
set ytics ($ytics) out nomirror
set cbrange [0:$cap]
set cblabel "retention (offset 0 = 100 %)" noenhanced
set cbtics ($(awk -v c="$cap" 'BEGIN { s = ""; for (i = 0; i <= 4; i++) { v = c * i / 4; s = s (i ? ", " : "") sprintf("\"%.0f%%%%\" %g", v * 100, v) } print s }'))
set palette defined (0 "#f7fbff", 0.25 "#c6dbef", 0.5 "#6baed6", 0.75 "#2171b5", 1 "#08306b")
set tics font ",10"
set key off
plot '$work/cohorts.tsv' using 3:1:(0.5):(0.5):5 with boxxyerror fs solid 1.0 noborder lc palette, \\
     '' using 3:1:(sprintf("%.0f", \$5 * 100)."%"):(\$5 > 0.6 * $cap ? 0xffffff : 0x000000) with labels tc rgb variable font ",9"

set output '$outdir/cumulative_revenue.png'
$(plot_term 1200 650)
unset ytics
unset cbtics
set ytics out nomirror
set title "Cumulative net revenue per customer by cohort (the observed CLV curve)\n$label, clv_cohorts(..., '$period', 'UTC'): cumulative_revenue_per_customer" noenhanced
set xlabel "${period}s since the first purchase (period_offset)" noenhanced
set ylabel "cumulative revenue per customer (\$)"
set autoscale
set xrange [0:$maxoff]
set yrange [0:*]
set format y "\$%.0f"
set grid xtics ytics lc rgb "#dddddd"
set key top left box opaque
# one colour per cohort, from the oldest (dark blue) to the newest (orange)
set palette defined (0 "#08306b", 0.5 "#6a51a3", 1 "#fd8d3c")
unset colorbox
array T[$ncohorts] = [$(echo "$titles" | sed 's/" "/", "/g')]
plot for [i=0:$((ncohorts - 1))] '$work/blocks.tsv' index i using 3:6 with linespoints lw 2 pt 7 ps 0.8 \\
     lc palette frac ($ncohorts > 1 ? i / ($ncohorts - 1.0) : 0) title T[i + 1]
GP
gnuplot "$work/charts.gp"

echo "charts: cohort table of $ncohorts $adj cohorts ($first to $last), offsets 0 to $maxoff, $rows rows"
echo "$outdir/cohort_retention.png"
echo "$outdir/cumulative_revenue.png"
