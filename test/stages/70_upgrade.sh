#!/usr/bin/env bash
# test/stages/70_upgrade.sh: the update script from the previous release.
# Installs clv $PREVVERSION (the frozen sql/clv--$PREVVERSION.sql) with data
# in tables (summaries, cohort states, fitted models) and a materialized
# view, runs ALTER EXTENSION clv UPDATE, and
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
# models stored by the old version (the model composites gain attributes)
models="SELECT bgnbd_fit(f, r, 40) AS bg, pareto_nbd_fit(f, r, 40) AS pn, gamma_gamma_fit(f, 10 + i % 17) AS gg
	FROM (SELECT i, x AS f, CASE WHEN x = 0 THEN 0 ELSE least(40, x * 3 + i % 11) END AS r
		  FROM generate_series(1, 500) i, LATERAL (SELECT (i * i) % 7 % 4 AS x) v) s"
# (cohort states are compared through their tables: their text form
# changed in 0.3.0, see same_cohort_text below)
q="SET search_path = upgrade_data, public;
   SELECT g, s::text, customers(s), revenue(s), lifespan(s),
	(SELECT string_agg(x::text, ';' ORDER BY cohort, period_offset) FROM clv_cohort_table(c) x) FROM t ORDER BY g;
   SELECT * FROM mv ORDER BY 1;
   SELECT (bg).r, (pn).beta, (gg).q, round(bgnbd_p_alive(bg, 2, 30, 40)::numeric, 10),
	round(pareto_nbd_expected_purchases(pn, 10, 2, 30, 40)::numeric, 10),
	round(clv_predict(bg, gg, 2, 30, 40, 25, 12, 0.01, 'week')::numeric, 6) FROM models"

install_old() {
	clv_psql -d "$old" -c "CREATE EXTENSION clv VERSION '$prev'" \
		-c "SET TimeZone = 'UTC'" -c "CREATE SCHEMA upgrade_data" -c "SET search_path = upgrade_data, public" \
		-c "CREATE TABLE t AS $data" \
		-c "CREATE MATERIALIZED VIEW mv AS SELECT g, clv(rollup(s)), repeat_rate(rollup(s)) FROM t GROUP BY g" \
		-c "CREATE TABLE models AS $models" || return 1
	v=$(clv_psql -At -d "$old" -c "SELECT extversion FROM pg_extension WHERE extname = 'clv'")
	[ "$v" = "$prev" ] || { echo "installed version $v"; return 1; }
	clv_psql -At -d "$old" -c "SET TimeZone = 'UTC'" -c "$q" >"$CLV_TMP/before.txt"
}
clv_check "CREATE EXTENSION clv VERSION '$prev', with tables (summaries, models) and a materialized view" install_old

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

# models stored by the old version: no unit, no covariance, scored as before
old_models() {
	local r
	r=$(clv_psql -At -d "$old" -c "SELECT (bg).time_unit IS NULL AND (bg).observation_end IS NULL AND (bg).covariance IS NULL
		AND (SELECT count(*) = 4 AND count(std_error) = 0 FROM clv_model_parameters(bg))
		AND clv_predict(bg, gg, 2, 30, 40, 25, 12, 0.01) = clv_predict(bg, gg, 2, 30, 40, 25, 12, 0.01, 'day')
		AND clv_predict(pn, gg, 2, 30, 40, 25, 12, 0.01, 'week') > 0
		FROM upgrade_data.models") || return 1
	[ "$r" = t ] || { echo "got '$r'"; return 1; }
}
clv_check "models stored by $prev: NULL unit and covariance, scored with time_unit (default 'day')" old_models

# A view of the user on an aggregate that the update replaces (the
# polymorphic signatures of 0.2.0) stops the update before any change, with
# a message naming the view; without it the update goes through.
blocked=${PGDATABASE}_blocked
blocked_update() {
	local out
	clv_psql -d postgres -c "CREATE DATABASE \"$blocked\"" >/dev/null || return 1
	clv_psql -d "$blocked" -c "CREATE EXTENSION clv VERSION '$prev'" \
		-c "CREATE VIEW user_clv AS SELECT clv_agg(c, t, a) FROM (VALUES (1, now(), 1.0)) v(c, t, a)" || return 1
	out=$(clv_psql -d "$blocked" -c "ALTER EXTENSION clv UPDATE TO '$EXTVERSION'" 2>&1) &&
		{ echo "the update went through: $out"; return 1; }
	echo "$out"
	grep -q "ERROR:  cannot update clv to $EXTVERSION: objects depend on the aggregates it replaces" <<<"$out" &&
		grep -q "view user_clv" <<<"$out" || return 1
	[ "$(clv_psql -At -d "$blocked" -c "SELECT extversion FROM pg_extension WHERE extname = 'clv'")" = "$prev" ] || return 1
	clv_psql -d "$blocked" -c "DROP VIEW user_clv" -c "ALTER EXTENSION clv UPDATE TO '$EXTVERSION'" \
		-c "CREATE VIEW user_clv AS SELECT clv_agg(c, t, a) FROM (VALUES (1, now(), 1.0)) v(c, t, a)" || return 1
}
clv_check "a view on a replaced aggregate stops the update with a message naming it" blocked_update

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

clv_psql -d postgres -c "DROP DATABASE \"$old\"" -c "DROP DATABASE \"$new\"" -c "DROP DATABASE IF EXISTS \"$blocked\"" >/dev/null
clv_stage_done
