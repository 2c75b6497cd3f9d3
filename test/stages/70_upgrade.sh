#!/usr/bin/env bash
# test/stages/70_upgrade.sh: the update script from the previous release.
# Installs clv $PREVVERSION (the frozen sql/clv--$PREVVERSION.sql) with data
# in tables and a materialized view, runs ALTER EXTENSION clv UPDATE, and
# compares the extension's catalog with a fresh install of $EXTVERSION:
# pg_dump --schema-only --binary-upgrade (which, unlike a plain dump, lists
# every member object of the extension with its definition, comment and
# owner; OID assignments and dump-session lines removed) and the list of
# member objects must be identical; the data stays readable with the same
# results.  Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

prev=$(clv_make -s --no-print-directory -f Makefile -f - <<<'p: ; @echo $(PREVVERSION)' p)
old=${PGDATABASE}_old
new=${PGDATABASE}_new
clv_check "update script sql/clv--$prev--$EXTVERSION.sql exists" test -s "sql/clv--$prev--$EXTVERSION.sql"
clv_check "update script sql/clv--$prev--$EXTVERSION.sql is installed" \
	test -f "$CLV_TREE/usr/share/postgresql/$CLV_PGVER/extension/clv--$prev--$EXTVERSION.sql"

clv_psql -d postgres -c "CREATE DATABASE \"$old\"" -c "CREATE DATABASE \"$new\"" >/dev/null

data="SELECT customer_id % 5 AS g, clv_summary(customer_id, ordered_at, amount) AS s,
		clv_cohort_state(customer_id, ordered_at, amount, 'month', 'UTC') AS c
	FROM (SELECT (i * 7919) % 97 AS customer_id, timestamptz '2024-01-01' + (i % 200) * interval '1 day' AS ordered_at,
		  (i % 23) * 1.5 - 3 AS amount FROM generate_series(1, 3000) i) o GROUP BY 1"
# (cohort states are compared through their tables: their text form
# changed in 0.3.0, see same_cohort_text below)
q="SET search_path = upgrade_data, public;
   SELECT g, s::text, customers(s), revenue(s), lifespan(s),
	(SELECT string_agg(x::text, ';' ORDER BY cohort, period_offset) FROM clv_cohort_table(c) x) FROM t ORDER BY g;
   SELECT * FROM mv ORDER BY 1"

install_old() {
	clv_psql -d "$old" -c "CREATE EXTENSION clv VERSION '$prev'" \
		-c "SET TimeZone = 'UTC'" -c "CREATE SCHEMA upgrade_data" -c "SET search_path = upgrade_data, public" \
		-c "CREATE TABLE t AS $data" \
		-c "CREATE MATERIALIZED VIEW mv AS SELECT g, clv(rollup(s)), repeat_rate(rollup(s)) FROM t GROUP BY g" || return 1
	v=$(clv_psql -At -d "$old" -c "SELECT extversion FROM pg_extension WHERE extname = 'clv'")
	[ "$v" = "$prev" ] || { echo "installed version $v"; return 1; }
	clv_psql -At -d "$old" -c "SET TimeZone = 'UTC'" -c "$q" >"$CLV_TMP/before.txt"
}
clv_check "CREATE EXTENSION clv VERSION '$prev', with a table and a materialized view" install_old

update() {
	clv_psql -d "$old" -c "ALTER EXTENSION clv UPDATE TO '$EXTVERSION'" || return 1
	v=$(clv_psql -At -d "$old" -c "SELECT extversion FROM pg_extension WHERE extname = 'clv'")
	[ "$v" = "$EXTVERSION" ] || { echo "version after update $v"; return 1; }
}
clv_check "ALTER EXTENSION clv UPDATE TO '$EXTVERSION'" update
clv_check "CREATE EXTENSION clv (fresh $EXTVERSION)" clv_psql -d "$new" -c "CREATE EXTENSION clv"

schema_dump() {
	"$CLV_BINDIR/pg_dump" --schema-only --binary-upgrade --exclude-schema=upgrade_data -d "$1" |
		grep -v -E 'binary_upgrade_set_next|^--|^$|^\\(un)?restrict|^SET |set_config'
}
same_catalog() {
	schema_dump "$old" >"$CLV_TMP/updated.sql" && schema_dump "$new" >"$CLV_TMP/fresh.sql" || return 1
	grep -q 'ALTER EXTENSION clv ADD' "$CLV_TMP/fresh.sql" || { echo "no extension members in the dump"; return 1; }
	echo "$(grep -c 'ALTER EXTENSION clv ADD' "$CLV_TMP/fresh.sql") member objects compared"
	diff -u "$CLV_TMP/fresh.sql" "$CLV_TMP/updated.sql" | head -n 80
	cmp -s "$CLV_TMP/fresh.sql" "$CLV_TMP/updated.sql"
}
clv_check "pg_dump --schema-only --binary-upgrade: updated = fresh install" same_catalog

members() {
	clv_psql -At -d "$1" -c "SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend
		WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
		AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv') ORDER BY 1"
}
same_members() {
	diff <(members "$new") <(members "$old")
}
clv_check "same member objects (pg_describe_object)" same_members

same_data() {
	clv_psql -d "$old" -c "REFRESH MATERIALIZED VIEW upgrade_data.mv" || return 1
	clv_psql -At -d "$old" -c "SET TimeZone = 'UTC'" -c "$q" >"$CLV_TMP/after.txt" || return 1
	[ -s "$CLV_TMP/before.txt" ] && diff "$CLV_TMP/before.txt" "$CLV_TMP/after.txt"
}
clv_check "data of $prev reads the same after the update (table, refreshed materialized view)" same_data

# clv_cohort_state values stored by 0.2.0 (binary form version 1, in arrival
# order) print in the canonical form of 0.3.0: the text of the state built
# again from the same rows
same_cohort_text() {
	local n
	n=$(clv_psql -At -d "$old" -c "SET TimeZone = 'UTC'" -c "SELECT count(*) FROM upgrade_data.t o
		JOIN ($data) n USING (g) WHERE o.c::text = n.c::text AND o.c::text LIKE 'clv_cohort_state:AAAAAg%'") || return 1
	[ "$n" = 5 ] || { echo "$n of 5 states"; return 1; }
}
clv_check "cohort states of $prev print as the same states built in $EXTVERSION" same_cohort_text

clv_psql -d postgres -c "DROP DATABASE \"$old\"" -c "DROP DATABASE \"$new\"" >/dev/null
clv_stage_done
