# test/demo/plot.sh: helpers for the demo's chart scripts test/demo/NN_*.sh.
#
# A chart script is run by test/demo.sh after all report sections, as
#   bash test/demo/NN_topic.sh OUTDIR
# with the libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE) pointing at
# the demo database (the tables of the report sections are there) and
# CLV_BINDIR set; it writes its PNG files into OUTDIR and prints their
# paths, one per line, after one summary line.  It sources this file:
#   . "$(dirname "$0")/plot.sh"
# which sets `set -euo pipefail` and provides
#   plot_psql ARGS...      psql (no psqlrc, stop on error, quiet, unaligned,
#                          tab-separated): $CLV_BINDIR/psql when set, else
#                          the one on PATH, else PostgreSQL $CLV_PGVER's
#   plot_require_gnuplot   install gnuplot-nox with apt-get when gnuplot is
#                          missing; fail with a message if that fails
#   plot_term W H          the gnuplot terminal line for a W x H PNG
#                          (pngcairo when available)
#   plot_workdir           set PLOT_WORK to a new scratch directory, removed
#                          on exit unless CLV_CHARTS_DEBUG=1
#   plot_start "$@"        the common start of a chart script: with other
#                          than one argument (or -h, --help) print the
#                          script's header comment and exit 2; else create
#                          the output directory, set PLOT_OUTDIR to its
#                          absolute path, require gnuplot, plot_workdir

set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../lib/pgenv.sh"

plot_psql() {
	local bin
	if [ -n "${CLV_BINDIR:-}" ] && [ -x "$CLV_BINDIR/psql" ]; then
		bin=$CLV_BINDIR/psql
	elif command -v psql >/dev/null 2>&1; then
		bin=$(command -v psql)
	else
		bin=$CLV_SYS_BINDIR/psql
	fi
	"$bin" -X -q -v ON_ERROR_STOP=1 -At -F $'\t' "$@"
}

plot_require_gnuplot() {
	command -v gnuplot >/dev/null 2>&1 && return 0
	clv_apt_install gnuplot-nox >&2 || true
	command -v gnuplot >/dev/null 2>&1 && return 0
	echo "charts: gnuplot is missing and could not be installed; install it (apt-get install gnuplot-nox) and rerun" >&2
	return 1
}

plot_term() {
	if gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo; then
		echo "set terminal pngcairo enhanced font 'DejaVu Sans,11' size $1,$2"
	else
		echo "set terminal png enhanced size $1,$2"
	fi
}

plot_workdir() {
	PLOT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/clv-charts.XXXXXX")
	trap '[ "${CLV_CHARTS_DEBUG:-0}" = 1 ] || rm -rf "$PLOT_WORK"' EXIT
}

plot_start() {
	if [ $# -ne 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
		awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0" >&2
		exit 2
	fi
	mkdir -p "$1"
	PLOT_OUTDIR=$(cd "$1" && pwd)
	plot_require_gnuplot
	plot_workdir
}
