#!/usr/bin/env bash
# test/demo/charts.sh: the demo's pictures.
#
#   bash test/demo/charts.sh OUTDIR
#
# Connects with the usual libpq variables (PGHOST, PGPORT, PGUSER,
# PGDATABASE) to a database with the extension clv and the demo table
# orders(customer_id, order_date, quantity, amount) loaded as in
# test/demo/00_data.sql, computes the monthly cohort table with clv_cohorts
# (calendar months in UTC) and draws with gnuplot (gnuplot-nox is installed
# with apt-get when missing):
#   OUTDIR/cohort_retention.png    heatmap of retention, cohort x months since
#                                  the first purchase, each cell labelled in %
#   OUTDIR/cumulative_revenue.png  cumulative revenue per customer by months
#                                  since the first purchase, one line per cohort
# and prints the paths.  psql is $CLV_BINDIR/psql when set, else the one on
# PATH, else PostgreSQL 15's.  Environment: CLV_CHARTS_QUERY, the orders query
# given to clv_cohorts (default: SELECT customer_id, order_date, amount FROM
# orders); CLV_CHARTS_LABEL, the data's name in the titles (default: CDNOW
# sample); CLV_CHARTS_DEBUG=1 keeps the data and the gnuplot script (the
# temporary directory is left in $TMPDIR).

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/pgenv.sh"

if [ $# -ne 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
	sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
fi
outdir=$1
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

if [ -n "${CLV_BINDIR:-}" ] && [ -x "$CLV_BINDIR/psql" ]; then
	psql_bin=$CLV_BINDIR/psql
elif command -v psql >/dev/null 2>&1; then
	psql_bin=$(command -v psql)
else
	psql_bin=$CLV_SYS_BINDIR/psql
fi
command -v gnuplot >/dev/null 2>&1 || clv_apt_install gnuplot-nox >&2
command -v gnuplot >/dev/null 2>&1 || { echo "charts: gnuplot not found" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/clv-charts.XXXXXX")
trap '[ "${CLV_CHARTS_DEBUG:-0}" = 1 ] || rm -rf "$work"' EXIT

query=${CLV_CHARTS_QUERY:-SELECT customer_id, order_date, amount FROM orders}
label=${CLV_CHARTS_LABEL:-CDNOW sample}

# the cohort table, one line per cohort and month offset:
# cohort index, cohort (YYYY-MM), offset, cohort customers, retention, cumulative revenue per customer
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -At -F $'\t' -v q="$query" >"$work/cohorts.tsv" <<'EOF'
SELECT dense_rank() OVER (ORDER BY cohort) - 1, to_char(cohort, 'YYYY-MM'), period_offset,
       cohort_customers, retention, cumulative_revenue_per_customer
FROM clv_cohorts(:'q', 'month', 'UTC')
ORDER BY cohort, period_offset;
EOF
rows=$(wc -l <"$work/cohorts.tsv")
[ "$rows" -gt 0 ] || { echo "charts: clv_cohorts returned no rows" >&2; exit 1; }
ncohorts=$(cut -f1 "$work/cohorts.tsv" | sort -u | wc -l)
maxoff=$(cut -f3 "$work/cohorts.tsv" | sort -n | tail -n 1)
first=$(head -n 1 "$work/cohorts.tsv" | cut -f2)
last=$(tail -n 1 "$work/cohorts.tsv" | cut -f2)
# colour scale of the heatmap: up to the highest retention after month 0
# (month 0 is 100 % by definition), rounded up to 5 %
cap=$(awk -F'\t' '$3 > 0 && $5 > m { m = $5 } END { c = int(m * 20 + 0.999999) / 20; if (c <= 0) c = 1; print c }' "$work/cohorts.tsv")

# one block per cohort (two blank lines between blocks: gnuplot's "index")
awk -F'\t' 'NR > 1 && $1 != prev { printf "\n\n" } { print; prev = $1 }' "$work/cohorts.tsv" >"$work/blocks.tsv"

ytics=$(awk -F'\t' '!seen[$1]++ { printf "%s\"%s (%d)\" %d", (n++ ? ", " : ""), $2, $4, $1 }' "$work/cohorts.tsv")
titles=$(awk -F'\t' '!seen[$1]++ { printf "%s\"cohort %s (%d customers)\"", (n++ ? " " : ""), $2, $4 }' "$work/cohorts.tsv")

if gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo; then
	term="pngcairo enhanced font 'DejaVu Sans,11'"
else
	term="png enhanced"
fi
height=$((220 + 45 * ncohorts))
[ $height -lt 420 ] && height=420

cat >"$work/charts.gp" <<EOF
set datafile separator "\t"
set terminal $term size 1200,$height
set output '$outdir/cohort_retention.png'
set title "Cohort retention: share of each monthly cohort buying again k months after its first purchase\n$label, cohorts $first to $last, clv_cohorts(..., 'month', 'UTC')" noenhanced
set xlabel "months since the first purchase (period_offset)" noenhanced
set ylabel "cohort: month of the first purchase (customers)"
set xrange [-0.5:$maxoff + 0.5]
set yrange [$ncohorts - 0.5:-0.5]
set xtics 1 out nomirror
set ytics ($ytics) out nomirror
set cbrange [0:$cap]
set cblabel "retention (month 0 = 100 %)" noenhanced
set cbtics ($(awk -v c="$cap" 'BEGIN { s = ""; for (i = 0; i <= 4; i++) { v = c * i / 4; s = s (i ? ", " : "") sprintf("\"%.0f%%%%\" %g", v * 100, v) } print s }'))
set palette defined (0 "#f7fbff", 0.25 "#c6dbef", 0.5 "#6baed6", 0.75 "#2171b5", 1 "#08306b")
set tics font ",10"
set key off
plot '$work/cohorts.tsv' using 3:1:(0.5):(0.5):5 with boxxyerror fs solid 1.0 noborder lc palette, \\
     '' using 3:1:(sprintf("%.0f", \$5 * 100)."%"):(\$5 > 0.6 * $cap ? 0xffffff : 0x000000) with labels tc rgb variable font ",9"

set output '$outdir/cumulative_revenue.png'
set terminal $term size 1200,650
unset ytics
unset cbtics
set ytics out nomirror
set title "Cumulative revenue per customer by cohort (the observed CLV curve)\n$label, clv_cohorts(..., 'month', 'UTC'): cumulative_revenue_per_customer" noenhanced
set xlabel "months since the first purchase (period_offset)" noenhanced
set ylabel "cumulative revenue per customer (\$)"
set autoscale
set xrange [0:$maxoff]
set yrange [0:*]
set format y "\$%.0f"
set grid xtics ytics lc rgb "#dddddd"
set key top left box opaque
array T[$ncohorts] = [$(echo "$titles" | sed 's/" "/", "/g')]
plot for [i=0:$((ncohorts - 1))] '$work/blocks.tsv' index i using 3:6 with linespoints lw 2 pt 7 ps 0.8 title T[i + 1]
EOF
gnuplot "$work/charts.gp"

echo "charts: cohort table of $ncohorts monthly cohorts ($first to $last), offsets 0 to $maxoff, $rows rows"
echo "$outdir/cohort_retention.png"
echo "$outdir/cumulative_revenue.png"
