#!/usr/bin/env bash
# test/stages/81_doc_examples.sh: every SQL example of the documentation is
# run by a test, and the README shows the output its test pins.
#   - Each statement of each ```sql block in README.md and docs/readme/*.md
#     (and each psql meta-command line such as \copy), compared after
#     removing -- comments, collapsing white space and lowercasing, must be a
#     statement of a pg_regress test sql/*.sql (whose output expected/*.out
#     pins), or appear in a stage script test/stages/*.sh, or be a statement
#     of a worked example that a stage runs as a file (test/examples/*.sql).
#     Sections whose SQL blocks a stage executes as printed
#     (EXECUTED_BY_STAGE below) are covered by that stage.  "CREATE
#     EXTENSION clv" is exempt (pg_regress creates the extension).  So an
#     example changed in the documentation and not in its test, or the other
#     way round, fails here.
#   - Each ```sql block of README.md followed by an output block (a plain
#     ``` block) appears in expected/readme.out exactly, the statements and
#     then that output, line for line (trailing blanks and empty lines
#     aside): sql/readme.sql runs the README's examples as printed, in the
#     settings of a default psql session, so the README shows what psql
#     prints.
#   - Each output block after a ```sql block of docs/readme/*.md appears in
#     some expected/*.out, line for line (the statements before it may be
#     spread over the test with its setup).
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"
. "$CLV_ROOT/test/lib/docs.sh"

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
	for md in README.md docs/readme/*.md; do
		case " ${EXECUTED_BY_STAGE[*]} " in *" $md "*) continue ;; esac
		while IFS= read -r st; do
			case "$st" in "create extension clv"|"create extension if not exists clv") continue ;; esac
			n=$((n + 1))
			if ! grep -Fxq -- "$st" "$tests" && ! grep -Fq -- "$st" "$stages"; then
				echo "$md: not in any test: $st"
				bad=1
			fi
		done < <(clv_md_sql "$md" | norm_stmts)
	done
	echo "$n example statements checked"
	[ $n -gt 0 ] || { echo "no SQL examples found in README.md and docs/readme/*.md"; return 1; }
	return $bad
}
clv_check "every SQL example of README.md and docs/readme/*.md is a statement of a test (sql/*.sql or a stage)" examples_covered

readme_outputs() {
	local d=$CLV_TMP/readme_examples n f hay needle bad=0
	mkdir -p "$d"
	n=$(clv_md_examples README.md "$d")
	[ "$n" -gt 0 ] || { echo "README.md has no \`\`\`sql block followed by its output"; return 1; }
	hay=$'\n'$(clv_normalize <expected/readme.out)$'\n'
	for f in "$d"/*.sql; do
		needle=$'\n'$(cat "$f" "${f%.sql}.out" | clv_normalize)$'\n'
		if [[ "$hay" != *"$needle"* ]]; then
			echo "README.md: this example and output are not in expected/readme.out as printed:"
			cat "$f" "${f%.sql}.out" | sed 's/^/    /'
			bad=1
		fi
	done
	echo "$n examples of README.md with their output compared with expected/readme.out"
	[ $bad = 0 ] || echo "put the README's example into sql/readme.sql as printed (or the other way round), check every figure by hand, and copy the output of a default psql session into both"
	return $bad
}
clv_check "every example of README.md shows the output that sql/readme.sql pins (expected/readme.out)" readme_outputs

docs_outputs() {
	local d md n=0 f hay needle bad=0
	hay=$'\n'$(for f in expected/*.out; do clv_normalize <"$f"; done)$'\n'
	for md in docs/readme/*.md; do
		d=$CLV_TMP/doc_outputs/$(basename "$md" .md)
		mkdir -p "$d"
		n=$((n + $(clv_md_examples "$md" "$d")))
		for f in "$d"/*.out; do
			[ -f "$f" ] || continue
			needle=$'\n'$(clv_normalize <"$f")$'\n'
			if [[ "$hay" != *"$needle"* ]]; then
				echo "$md: this output is not in any expected/*.out as printed:"
				sed 's/^/    /' "$f"
				bad=1
			fi
		done
	done
	echo "$n outputs of docs/readme/*.md compared with expected/*.out"
	return $bad
}
clv_check "every output shown after an example in docs/readme/*.md is pinned by a test (expected/*.out)" docs_outputs

clv_stage_done
