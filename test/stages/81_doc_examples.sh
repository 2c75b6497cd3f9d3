#!/usr/bin/env bash
# test/stages/81_doc_examples.sh: every SQL example of the README is covered
# by a test.  Each statement of each ```sql block in docs/readme/*.md (and
# each psql meta-command line such as \copy), compared after removing --
# comments, collapsing white space and lowercasing, must be a statement of a
# pg_regress test sql/*.sql (whose output expected/*.out pins), or appear in
# a stage script test/stages/*.sh, or be a statement of a worked example
# that a stage runs as a file (test/examples/*.sql).  Sections whose SQL
# blocks a stage executes as printed (EXECUTED_BY_STAGE below) are covered
# by that stage.  "CREATE EXTENSION clv" is exempt (pg_regress creates the
# extension).  So an example changed in the README and not in its test, or
# the other way round, fails here.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

# sections whose ```sql blocks a stage runs exactly as printed
#   bi.md:      every block, by 30_pgcron.sh (placeholders replaced by values)
#   clients.md: the setup block, by 20_clients.sh, and the client programs
#               printed there, whose output the stage compares with the doc
#   scheduled_refresh.md: the example file (test/examples/) and every further
#               block, by 30_pgcron.sh
EXECUTED_BY_STAGE=(docs/readme/bi.md docs/readme/clients.md docs/readme/scheduled_refresh.md)

# stdin: SQL text; stdout: one normalized statement or meta-command per line
norm_stmts() {
	awk '
		{ sub(/--.*/, "") }
		/^[ \t]*\\/ { line = $0; gsub(/[ \t]+/, " ", line); sub(/^ /, "", line); sub(/ $/, "", line); print tolower(line); next }
		{ buf = buf " " $0 }
		END {
			n = split(buf, parts, ";")
			for (i = 1; i <= n; i++) {
				s = parts[i]; gsub(/[ \t\r\n]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s)
				if (s != "") print tolower(s)
			}
		}'
}

examples_covered() {
	local tests=$CLV_TMP/test_statements stages=$CLV_TMP/stage_text md st n=0 bad=0
	for f in sql/*.sql test/examples/*.sql; do
		case "$f" in sql/clv--*) continue ;; esac
		norm_stmts <"$f"
	done >"$tests"
	cat test/stages/*.sh | tr '\t\n' '  ' | tr -s ' ' | tr '[:upper:]' '[:lower:]' >"$stages"
	for md in docs/readme/*.md; do
		case " ${EXECUTED_BY_STAGE[*]} " in *" $md "*) continue ;; esac
		while IFS= read -r st; do
			case "$st" in "create extension clv"|"create extension if not exists clv") continue ;; esac
			n=$((n + 1))
			if ! grep -Fxq -- "$st" "$tests" && ! grep -Fq -- "$st" "$stages"; then
				echo "$md: not in any test: $st"
				bad=1
			fi
		done < <(awk '/^```sql/ { on = 1; next } /^```/ { if (on) print ";"; on = 0; next } on' "$md" | norm_stmts)
	done
	echo "$n example statements checked"
	[ $n -gt 0 ] || { echo "no SQL examples found in docs/readme/*.md"; return 1; }
	return $bad
}
clv_check "every SQL example of docs/readme/*.md is a statement of a test (sql/*.sql or a stage)" examples_covered

clv_stage_done
