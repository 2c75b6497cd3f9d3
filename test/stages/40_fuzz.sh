#!/usr/bin/env bash
# test/stages/40_fuzz.sh: bounded mutation fuzzing of the text and binary
# input functions of every custom type of clv (test/fuzz/clv_fuzz.c, a
# libpq client: the input functions need a backend).  Runs against a
# cluster of its own (a crash must not disturb the other stages) for
# CLV_FUZZ_SECONDS (default 120).  Fails on a backend crash, an error with
# SQLSTATE XX000/XX001/XX002/08P01, or a statement that ignores
# statement_timeout; the failing inputs are printed (hex) and kept in
# $CLV_TMP/crashes.txt.  Turn a failure into a case of sql/bad_input.sql.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

secs=${CLV_FUZZ_SECONDS:-120}
fuzz=$CLV_TMP/clv_fuzz

clv_check "build the fuzzer (gcc, libpq)" \
	gcc -O2 -Wall -Wextra -Werror -I"$("$CLV_PGCONFIG" --includedir)" \
	-o "$fuzz" test/fuzz/clv_fuzz.c -L"$("$CLV_PGCONFIG" --libdir)" -lpq || clv_stage_done

clv_check "start a cluster for fuzzing" clv_stage_cluster fuzz "$CLV_TREE" "restart_after_crash = on" || clv_stage_done
log=$CLV_TMP/fuzz/server.log

clv_check "load the seeds (test/fuzz/seeds.sql)" \
	clv_psql -c 'CREATE EXTENSION clv' -f test/fuzz/seeds.sql || clv_stage_done

# every base type of the extension has seeds
seeded() {
	local missing
	missing=$(clv_psql -At -c "SELECT t.typname FROM pg_type t JOIN pg_depend d ON d.objid = t.oid
		AND d.classid = 'pg_type'::regclass AND d.deptype = 'e'
		WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv') AND t.typtype = 'b'
		AND t.typname NOT IN (SELECT typname FROM fuzz_seeds) ORDER BY 1") || return 1
	[ -z "$missing" ] || { echo "custom types without seeds in test/fuzz/seeds.sql: $missing"; return 1; }
}
clv_check "every custom type has seeds" seeded

run_fuzz() {
	"$fuzz" -d "host=$PGHOST port=$PGPORT user=postgres dbname=$PGDATABASE" \
		-s "SELECT typname, probe, val FROM fuzz_seeds ORDER BY typname, val" \
		-t "$secs" -r "${CLV_FUZZ_SEED:-$(date +%s)}" -o "$CLV_TMP/crashes.txt" >"$CLV_TMP/fuzz.out" 2>&1
	local rc=$?
	grep -m 20 '^FAIL' "$CLV_TMP/fuzz.out" | cut -c1-2000
	grep '^clv_fuzz' "$CLV_TMP/fuzz.out"
	return $rc
}
echo "fuzzing for ${secs}s"
clv_check "fuzz the input functions for ${secs}s: no crash, no XX000/08P01, no hang" run_fuzz
grep "^clv_fuzz" "$CLV_TMP/fuzz.out" | sed "s/^/      /"

no_crash() {
	! grep -E 'terminated by signal|PANIC|server process .* was terminated' "$log"
}
clv_check "server log: no backend terminated by a signal" no_crash
clv_check "the server still answers" clv_psql -c 'SELECT 1' -o /dev/null

clv_stage_done
