# test/lib/docs.sh: reading the Markdown documentation (README.md and
# docs/**/*.md), for stages 80_docs and 81_doc_examples.  Sourced; plain awk
# (mawk or gawk), no other tool.
#
#   clv_doc_files                 the documentation files, one per line
#   clv_md_links FILE             the targets of its links [text](target),
#                                 outside code, one per line
#   clv_md_anchors FILE           the anchors of its headings, GitHub's way
#                                 (lowercase, punctuation but - and _ removed,
#                                 spaces to -), one per line
#   clv_md_sql FILE               the text of its ```sql blocks, each ended
#                                 by a line ";"
#   clv_md_examples FILE DIR      each ```sql block followed (after blank
#                                 lines) by a plain ``` block, its output:
#                                 the SQL as DIR/N.sql, the output as
#                                 DIR/N.out; prints the number of pairs
#   clv_normalize                 stdin to stdout without trailing blanks
#                                 and without empty lines (psql -a does not
#                                 echo empty lines; editors strip trailing
#                                 blanks that psql prints)

clv_doc_files() {
	{ echo README.md; find docs -name '*.md'; } | LC_ALL=C sort
}

clv_md_links() {
	awk '
		/^[ \t]*```/ { code = !code; next }
		code { next }
		{
			line = $0
			gsub(/`[^`]*`/, "", line)
			while (match(line, /\]\([^) \t]+\)/)) {
				print substr(line, RSTART + 2, RLENGTH - 3)
				line = substr(line, RSTART + RLENGTH)
			}
		}' "$1"
}

clv_md_anchors() {
	awk '
		/^[ \t]*```/ { code = !code; next }
		code || !/^#+ / { next }
		{
			h = $0
			sub(/^#+ +/, "", h)
			h = tolower(h)
			gsub(/[][`!"#$%&'\''()*+,.\/:;<=>?@\\^{|}~]/, "", h)
			gsub(/ /, "-", h)
			print h
		}' "$1"
}

clv_md_sql() {
	awk '/^```sql/ { on = 1; next } /^```/ { if (on) print ";"; on = 0; next } on' "$1"
}

clv_md_examples() {
	awk -v dir="$2" '
		state == 0 && /^```sql[ \t]*$/ { state = 1; buf = ""; next }
		state == 1 && /^```[ \t]*$/ { state = 2; next }
		state == 1 { buf = buf $0 "\n"; next }
		state == 2 && /^[ \t]*$/ { next }
		state == 2 && /^```[ \t]*$/ { state = 3; n++; f = dir "/" n ".sql"; printf "%s", buf > f; close(f); f = dir "/" n ".out"; printf "" > f; next }
		state == 2 && /^```sql[ \t]*$/ { state = 1; buf = ""; next }
		state == 2 { state = 0 }
		state == 3 && /^```[ \t]*$/ { close(f); state = 0; next }
		state == 3 { print > f; next }
		END { print n + 0 }' "$1"
}

clv_normalize() {
	sed 's/[ \t]*$//' | grep -v '^$'
}
