#!/usr/bin/env bash
# test/stages/10_install_check.sh: cheap sanity checks of the build, the
# generated install script, the installed files and the extension's catalog
# entries (the project's conventions: plain CREATE FUNCTION, PARALLEL SAFE,
# a COMMENT ON every object), plus a dump/restore round trip.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

# Functions that may legitimately be other than PARALLEL SAFE / lack a
# combine function: list them here as regprocedure text, with a reason.
PARALLEL_EXCEPTIONS=(
	# run the caller's query (a cursor, or PL/pgSQL EXECUTE), which may read
	# temporary tables that parallel workers cannot see: PARALLEL RESTRICTED
	'clv_cohorts(text)' 'clv_cohorts(text,text)' 'clv_cohorts(text,text,text)'
	'clv_check_query(text,text,text,text[])'
	'clv_referral_value(text,text,integer)'
	'clv_acquisition(text,text,text,text,numeric)'
	'clv_order_days(text,date,text)'
	'clv_holdout_customers(text,timestamp with time zone,timestamp with time zone,text,text)'
	'clv_holdout_scores(anyelement,text,timestamp with time zone,timestamp with time zone,gamma_gamma_model,text,text)'
	'clv_holdout_summary(text,timestamp with time zone,timestamp with time zone,text)'
	'clv_holdout_predictions(anyelement,text,timestamp with time zone,timestamp with time zone,gamma_gamma_model,text)'
	'clv_holdout_metrics(anyelement,text,timestamp with time zone,timestamp with time zone,gamma_gamma_model,text)'
	'clv_holdout_deciles(anyelement,text,timestamp with time zone,timestamp with time zone,gamma_gamma_model,text)'
	'clv_holdout_tracking(anyelement,text,timestamp with time zone,timestamp with time zone,text,text)'
	'clv_predictions(text,timestamp with time zone,integer,double precision,double precision,text,text,double precision)'
	'clv_prediction_models(text,timestamp with time zone,text,text)'
	'clv_predictions_sql(text,text,text,text)'
)
NO_COMBINE_EXCEPTIONS=()

script=sql/clv--$EXTVERSION.sql
ext=$CLV_TREE/usr/share/postgresql/$CLV_PGVER/extension
lib=$CLV_TREE/usr/lib/postgresql/$CLV_PGVER/lib

# ---------------------------------------------------------------- files
clv_check "make check-version (clv.control default_version = EXTVERSION $EXTVERSION)" \
	clv_make -s --no-print-directory check-version

clv_check "generated $script exists and is not empty" test -s "$script"

# the scripts `make install` installs (DATA and DATA_built of the Makefile)
read -r -a scripts <<<"$(clv_make -s --no-print-directory -f Makefile -f - <<<'clv-print-data: ; @echo $(DATA) $(DATA_built)' clv-print-data)"
no_pattern() { local p=$1; shift; ! grep -n -i -E "$p" "$@"; }
# An update script may CREATE OR REPLACE only a function it has just renamed
# with ALTER FUNCTION ... RENAME TO (the extension's own object: the way to
# point a renamed function at its renamed C symbol); anything else could
# take over an object the extension does not own (CVE-2022-2625).
replace_only_renamed() {
	local f rc=0
	for f in "$@"; do
		awk -v f="$f" '
			{ l = tolower($0) }
			l ~ /alter[[:space:]]+function[[:space:]].*rename[[:space:]]+to[[:space:]]/ {
				n = l; sub(/.*rename[[:space:]]+to[[:space:]]+/, "", n); sub(/[[:space:];].*/, "", n); renamed[n] = 1 }
			l ~ /create[[:space:]]+or[[:space:]]+replace/ {
				n = l; sub(/.*create[[:space:]]+or[[:space:]]+replace[[:space:]]+function[[:space:]]+/, "", n); sub(/[[:space:](].*/, "", n)
				if (!(n in renamed) || f !~ /--.*--/) { print f ":" NR ":" $0; bad = 1 } }
			END { exit bad }' "$f" || rc=1
	done
	return $rc
}
clv_check "no CREATE OR REPLACE in the install/update scripts, but of functions an update script renamed (${scripts[*]})" \
	replace_only_renamed "${scripts[@]}"
clv_check "no @extschema@ in the scripts (clv is relocatable)" no_pattern '@extschema@' "${scripts[@]}"
clv_check "no BEGIN/COMMIT in the scripts (CREATE/ALTER EXTENSION run them in one transaction)" \
	no_pattern '^[[:space:]]*(begin|commit|start transaction)[[:space:]]*;' "${scripts[@]}"

installed_same() {
	local f dst
	for f in clv.control "${scripts[@]}" clv.so; do
		case "$f" in
		*.so) dst=$lib/$f ;;
		*) dst=$ext/${f#sql/} ;;
		esac
		[ -f "$dst" ] && [ ! -L "$dst" ] || { echo "$dst: missing or a symlink"; return 1; }
		cmp -s "$dst" "$f" || { echo "$dst differs from $f"; return 1; }
	done
}
clv_check "installed clv.control, scripts and clv.so are regular files identical to the build" installed_same

regress_files() {
	local t bad=0 f n
	for t in $CLV_REGRESS; do
		[ -f "sql/$t.sql" ] || { echo "REGRESS test $t: sql/$t.sql missing"; bad=1; }
		compgen -G "expected/${t}.out" >/dev/null || compgen -G "expected/${t}_[0-9].out" >/dev/null ||
			{ echo "REGRESS test $t: expected/$t.out missing"; bad=1; }
	done
	for f in sql/*.sql; do
		n=$(basename "$f" .sql)
		case "$n" in clv--*) continue ;; esac
		[[ " $CLV_REGRESS " == *" $n "* ]] || { echo "sql/$n.sql is not listed in REGRESS of the Makefile"; bad=1; }
	done
	for f in expected/*.out; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .out)
		n=${n%_[0-9]}
		[ -f "sql/$n.sql" ] || { echo "$f has no sql/$n.sql"; bad=1; }
	done
	return $bad
}
clv_check "every REGRESS test has sql/ and expected/ files, and every test file is in REGRESS" regress_files

# GCC once dropped the slot prefetches of the state engine's batched
# lookups without a word (it marked a function holding nothing but
# __builtin_prefetch calls const, and removed its calls): the engine was
# no faster than unbatched lookups until the object code was read.  Check
# the object code: clv_tab_flush (batched rows) and clv_tab_merge_flat
# (merges) must prefetch the control byte and the slot of each key.
engine_prefetches() {
	local fn n bad=0
	command -v objdump >/dev/null || { echo "objdump not found (binutils)"; return 1; }
	for fn in clv_tab_flush clv_tab_merge_flat; do
		n=$(objdump -d --no-show-raw-insn src/custtab.o | awk -v f="<$fn>:" '$2 == f, /^$/' |
			grep -c -E '[[:space:]](prefetch[a-z0-9]*|prfm)[[:space:]]')
		echo "$fn: $n prefetch instructions"
		[ "$n" -ge 2 ] || bad=1
	done
	return $bad
}
clv_check "the state engine's batched lookups and merges prefetch (object code of src/custtab.o)" engine_prefetches

# ---------------------------------------------------------------- catalog
clv_check "CREATE EXTENSION clv" clv_psql -c 'CREATE EXTENSION clv'

version_is() {
	local v
	v=$(clv_psql -At -c "SELECT extversion FROM pg_extension WHERE extname = 'clv'") || return 1
	[ "$v" = "$EXTVERSION" ] || { echo "extversion $v"; return 1; }
}
clv_check "extension version is $EXTVERSION" version_is

# query_empty DESC SQL: SQL must return no rows (it lists the offenders)
query_empty() {
	local out
	out=$(clv_psql -At -F ' | ' -c "$1") || return 1
	[ -z "$out" ] && return 0
	printf '%s\n' "$out"
	return 1
}
members="SELECT p.oid, p.oid::regprocedure::text AS sig, p.proparallel, p.prosecdef, p.prolang, p.probin
	FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
	WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
	AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv')"
# a quoted SQL list of the arguments; with none, a list that matches nothing
# (NOT IN (NULL) would be NULL for every row and hide every offender)
sql_list() { local s=""; local x; for x in "$@"; do s+="${s:+,}'${x//\'/\'\'}'"; done; echo "${s:-''}"; }

clv_check "the extension has functions" test "$(clv_psql -At -c "SELECT count(*) FROM ($members) m")" -gt 0
clv_check "every function and aggregate is PARALLEL SAFE" query_empty \
	"SELECT sig, proparallel FROM ($members) m WHERE proparallel <> 's'
	 AND sig NOT IN ($(sql_list "${PARALLEL_EXCEPTIONS[@]}")) ORDER BY 1"
clv_check "every function, aggregate and type has a comment" query_empty \
	"SELECT sig FROM ($members) m WHERE obj_description(m.oid, 'pg_proc') IS NULL
	 UNION ALL
	 SELECT t.oid::regtype::text FROM pg_depend d JOIN pg_type t ON t.oid = d.objid
	 WHERE d.classid = 'pg_type'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
	 AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv')
	 AND obj_description(t.oid, 'pg_type') IS NULL ORDER BY 1"
clv_check "no SECURITY DEFINER function" query_empty \
	"SELECT sig FROM ($members) m WHERE prosecdef ORDER BY 1"
clv_check "C functions load from \$libdir/clv (MODULE_PATHNAME)" query_empty \
	"SELECT sig, probin FROM ($members) m WHERE prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
	 AND probin IS DISTINCT FROM '\$libdir/clv' ORDER BY 1"
clv_check "every aggregate has a combine function (parallel aggregation)" query_empty \
	"SELECT sig FROM ($members) m JOIN pg_aggregate a ON a.aggfnoid = m.oid WHERE a.aggcombinefn = 0
	 AND sig NOT IN ($(sql_list "${NO_COMBINE_EXCEPTIONS[@]}")) ORDER BY 1"

# ---------------------------------------------------------------- lifecycle
clv_check "DROP EXTENSION, CREATE EXTENSION again" clv_psql -c 'DROP EXTENSION clv' -c 'CREATE EXTENSION clv'

relocate() {
	clv_psql <<-'EOF'
		DROP EXTENSION clv;
		CREATE SCHEMA clv_a;
		CREATE SCHEMA clv_b;
		CREATE EXTENSION clv SCHEMA clv_a;
		ALTER EXTENSION clv SET SCHEMA clv_b;
		-- calls with an empty search_path: nothing may depend on it
		SET search_path = '';
		SELECT clv_b.clv_agg(c, t, a) = 15 AS ok
		FROM (VALUES (1, date '2024-01-01', 10), (2, date '2024-01-02', 20)) v(c, t, a) \gset
		\if :ok
		\else
			\echo 'clv_b.clv_agg gave a wrong result'
			SELECT 1/0;
		\endif
		SELECT clv_b.clv(clv_b.clv_summary(c, t, a)) = 15 AS ok
		FROM (VALUES (1, date '2024-01-01', 10), (2, date '2024-01-02', 20)) v(c, t, a) \gset
		\if :ok
		\else
			\echo 'clv_b.clv(clv_b.clv_summary(...)) gave a wrong result'
			SELECT 1/0;
		\endif
		RESET search_path;
		DROP EXTENSION clv;
		DROP SCHEMA clv_a;
		DROP SCHEMA clv_b;
		CREATE EXTENSION clv;
	EOF
}
clv_check "relocatable: CREATE EXTENSION ... SCHEMA, ALTER EXTENSION SET SCHEMA, calls with empty search_path" relocate

# ---------------------------------------------------------------- dump/restore
# a table holding clv_summary values survives pg_dump | psql (text I/O of the
# type, dump order of the extension's objects) and binary COPY (send/recv)
dump_restore() {
	local src=$PGDATABASE dst=${PGDATABASE}_restored
	clv_psql -c "CREATE TABLE s AS SELECT customer_id % 7 AS g, clv_summary(customer_id, order_date, amount) AS s
		FROM (SELECT (i % 50) AS customer_id, date '2024-01-01' + (i % 90) AS order_date, (i % 13) * 1.25 AS amount
		      FROM generate_series(1, 2000) i) o GROUP BY 1" || return 1
	clv_psql -d postgres -c "DROP DATABASE IF EXISTS \"$dst\"" -c "CREATE DATABASE \"$dst\"" || return 1
	"$CLV_BINDIR/pg_dump" -d "$src" >"$CLV_TMP/dump.sql" || return 1
	clv_psql -d "$dst" -f "$CLV_TMP/dump.sql" >/dev/null || return 1
	local q="SELECT g, customers(s), orders(s), revenue(s), s::text FROM s ORDER BY g"
	local a b
	a=$(clv_psql -At -d "$src" -c "$q") && b=$(clv_psql -At -d "$dst" -c "$q") || return 1
	[ -n "$a" ] && [ "$a" = "$b" ] || { echo "restored table differs"; diff <(echo "$a") <(echo "$b") | head; return 1; }
	clv_psql -d "$dst" -c "\\copy s TO '$CLV_TMP/s.bin' WITH (FORMAT binary)" \
		-c "CREATE TABLE s2 (LIKE s)" -c "\\copy s2 FROM '$CLV_TMP/s.bin' WITH (FORMAT binary)" || return 1
	b=$(clv_psql -At -d "$dst" -c "${q/FROM s /FROM s2 }") || return 1
	[ "$a" = "$b" ] || { echo "binary COPY round trip differs"; diff <(echo "$a") <(echo "$b") | head; return 1; }
	clv_psql -d postgres -c "DROP DATABASE \"$dst\""
}
clv_check "pg_dump/restore and binary COPY of a table with clv_summary values" dump_restore

clv_stage_done
