#!/usr/bin/env bash
# test/demo/40_growth.sh: the chart of the acquisition report (section 40_growth).
#
#   bash test/demo/40_growth.sh OUTDIR
#
# Connects with the libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE) to
# a database with the extension clv and the demo data (test/demo/00_shop.sql),
# computes the monthly acquisition report with clv_acquisition (UTC, gross
# margin 30 %) and draws with gnuplot (test/demo/plot.sh):
#   OUTDIR/clv_to_cac.png   CLV:CAC by months since acquisition, one line per
#                           paid channel: at offset k, over the monthly
#                           cohorts observed at k with customers and spend,
#                           sum(clv_to_cac * spend) / sum(spend) = 30 % of
#                           their cumulative revenue / their spend; with the
#                           break-even line 1 (payback) and the 3:1 target
# and prints a summary line and the path.  Environment: CLV_CHARTS_MAX_OFFSET
# (default 24), CLV_CHARTS_DEBUG=1 keeps the data and the gnuplot script (the
# temporary directory is left in $TMPDIR).

. "$(dirname "$0")/plot.sh"

plot_start "$@"
outdir=$PLOT_OUTDIR
work=$PLOT_WORK
maxoff=${CLV_CHARTS_MAX_OFFSET:-24}
[[ "$maxoff" =~ ^[1-9][0-9]*$ ]] || { echo "charts: CLV_CHARTS_MAX_OFFSET must be a positive integer" >&2; exit 2; }

# one line per paid channel and offset: channel index, channel, offset,
# pooled CLV:CAC, number of cohorts pooled
plot_psql -v maxoff="$maxoff" >"$work/ratio.tsv" <<'SQL'
WITH report AS (
	SELECT * FROM clv_acquisition(
		'SELECT o.customer_id, o.ordered_at, o.amount, c.channel
		 FROM shop.orders AS o JOIN shop.customers AS c USING (customer_id)',
		'SELECT month, channel, spend FROM shop.marketing_spend',
		'month', 'UTC', 0.30)
), pooled AS (
	SELECT channel, period_offset,
		   sum(clv_to_cac * spend) / sum(spend) AS ratio, count(*) AS cohorts
	FROM report
	WHERE clv_to_cac IS NOT NULL AND period_offset <= :maxoff
	GROUP BY channel, period_offset
)
SELECT dense_rank() OVER (ORDER BY ch.ord) - 1, p.channel, p.period_offset, round(p.ratio, 4), p.cohorts
FROM pooled AS p JOIN shop.channels AS ch USING (channel)
ORDER BY ch.ord, p.period_offset;
SQL
rows=$(wc -l <"$work/ratio.tsv")
[ "$rows" -gt 0 ] || { echo "charts: clv_acquisition returned no paid cohorts" >&2; exit 1; }
nchannels=$(cut -f1 "$work/ratio.tsv" | sort -u | wc -l)
awk -F'\t' 'NR > 1 && $1 != prev { printf "\n\n" } { print; prev = $1 }' "$work/ratio.tsv" >"$work/blocks.tsv"
titles=$(awk -F'\t' '!seen[$1]++ { printf "%s\"%s\"", (n++ ? ", " : ""), $2 }' "$work/ratio.tsv")
ymax=$(awk -F'\t' '$4 > m { m = $4 } END { y = int(m + 1); if (y < 4) y = 4; print y }' "$work/ratio.tsv")

cat >"$work/chart.gp" <<GP
set datafile separator "\t"
$(plot_term 1200 650)
set output '$outdir/clv_to_cac.png'
set title "CLV:CAC by months since acquisition (gross margin 30 %), monthly cohorts pooled by spend\nsynthetic shop (test/shop/shop.sql), clv_acquisition(..., 'month', 'UTC', 0.30): sum(clv_to_cac * spend) / sum(spend) over the cohorts observed at each offset" noenhanced
set xlabel "months since acquisition (period_offset; 0 = the month of the first order)" noenhanced
set ylabel "CLV:CAC (cumulative gross margin per customer / CAC)"
set xrange [0:$maxoff]
set yrange [0:$ymax]
set xtics 0, 3 out nomirror
set ytics out nomirror
set grid xtics ytics lc rgb "#dddddd"
set key top left box opaque
set arrow from 0, 1 to $maxoff, 1 nohead lw 2 dt 2 lc rgb "#b2182b"
set label "1:1 payback" at $maxoff - 0.3, 1 right offset 0, 0.7 tc rgb "#b2182b"
set arrow from 0, 3 to $maxoff, 3 nohead lw 1 dt 3 lc rgb "#555555"
set label "3:1 target" at $maxoff - 0.3, 3 right offset 0, 0.7 tc rgb "#555555"
# one colour per channel (ColorBrewer Dark2), repeated beyond eight
colors = "#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666"
array T[$nchannels] = [$titles]
plot for [i=0:$((nchannels - 1))] '$work/blocks.tsv' index i using 3:4 with linespoints lw 2 pt 7 ps 0.8 \\
     lc rgb word(colors, i % 8 + 1) title T[i + 1]
GP
gnuplot "$work/chart.gp"

echo "charts: CLV:CAC of $nchannels paid channels, offsets 0 to $(cut -f3 "$work/ratio.tsv" | sort -n | tail -n 1), $rows points"
echo "$outdir/clv_to_cac.png"
