#!/usr/bin/env bash
# test/tools/gen_reference.sh: print the function reference
# (docs/readme/reference.md) generated from the catalog of the installed
# extension.
#
#   bash test/tools/gen_reference.sh > docs/readme/reference.md
#   bash test/tools/gen_reference.sh --cluster   (use the running cluster of
#                                                 PGHOST/PGPORT/PGUSER, e.g. in a stage)
#
# Without --cluster it builds clv, installs it into a private PostgreSQL tree
# in a temporary directory and starts a throwaway cluster there (like
# test/dev.sh; the system installation is never modified), removed at the
# end.  Progress and errors go to stderr, the Markdown to stdout.
#
# Every function, aggregate and type that belongs to the extension
# (pg_depend, deptype 'e') is listed with its signature and its COMMENT ON
# text (obj_description), grouped by family: the install fragment
# sql/install/NN_*.sql whose COMMENT ON names the object.  "Added" is the
# oldest version whose CREATE EXTENSION clv VERSION '...' has the object
# (every version with an install script sql/clv--X.sql is installed once).
# Overloads that share their description and whose argument lists are all
# the combinations of alternatives at some positions (e.g. the order time as
# timestamptz, timestamp or date) are merged into one row ("ordered_at
# timestamptz | timestamp | date").  Functions that PostgreSQL calls for a
# type or an aggregate (input/output, transition, combine, final functions)
# are listed last, under "Support functions".

set -euo pipefail
cd "$(dirname "$0")/../.."
CLV_ROOT=$PWD
. test/lib/pgenv.sh

# family titles of the install fragments (others: the file name)
family_title() {
	case "$1" in
	00_core) echo "Core: descriptive CLV" ;;
	10_cohort) echo "Cohort analysis" ;;
	20_models) echo "Predictive models (buy till you die)" ;;
	30_models_more) echo "More predictive models (MBG/NBD, BG/BB) and standard errors" ;;
	40_growth) echo "Growth: referral value and acquisition economics" ;;
	45_evaluation) echo "Holdout evaluation" ;;
	*) echo "${1#[0-9][0-9]_}" ;;
	esac
}

use_cluster=0
case "${1:-}" in
--cluster) use_cluster=1 ;;
"") ;;
-h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "usage: $0 [--cluster]" >&2; exit 2 ;;
esac

tmp=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$tmp" ]; then
		clv_stop_all "$tmp"
		rm -rf "$tmp"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ $use_cluster = 0 ]; then
	clv_clean_env
	clv_pg_prereqs >&2
	tmp=$(clv_tmpdir clv-ref)
	echo "gen_reference: building clv and starting a throwaway cluster in $tmp ..." >&2
	if ! clv_make -s -j"$CLV_JOBS" >"$tmp/build.log" 2>&1; then
		cat "$tmp/build.log" >&2
		exit 1
	fi
	{ clv_tree_create "$tmp/tree" && clv_tree_install "$tmp/tree"; } >"$tmp/install.log" 2>&1 ||
		{ cat "$tmp/install.log" >&2; exit 1; }
	clv_cluster_start "$tmp/tree" "$tmp/cluster" "$(clv_free_port $((50000 + RANDOM % 10000)))"
	psql_bin=$CLV_BINDIR/psql
else
	psql_bin=${CLV_BINDIR:+$CLV_BINDIR/psql}
	psql_bin=${psql_bin:-$CLV_SYS_BINDIR/psql}
fi

psql() { "$psql_bin" -X -q -v ON_ERROR_STOP=1 "$@"; }
db=clv_reference_$$
dbs=()
newdb() {
	psql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$1\"" -c "CREATE DATABASE \"$1\"" >&2
	dbs+=("$1")
}
dropdbs() {
	local d
	for d in "${dbs[@]}"; do psql -d postgres -c "DROP DATABASE IF EXISTS \"$d\"" >&2 || true; done
}
[ $use_cluster = 1 ] && trap 'rc=$?; trap - EXIT; dropdbs; exit $rc' EXIT

# Objects of a database: one line per function (regprocedure) and type (regtype)
members_sql="SELECT 'f ' || d.objid::regprocedure::text FROM pg_depend d
	WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
	  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv')
	UNION ALL
	SELECT 't ' || d.objid::regtype::text FROM pg_depend d
	WHERE d.classid = 'pg_type'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
	  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv')"

# ---------------------------------------------------------------- versions
newdb "$db"
current=$(psql -At -d "$db" -c "SELECT default_version FROM pg_available_extensions WHERE name = 'clv'")
[ -n "$current" ] || { echo "gen_reference: extension clv is not installed in this cluster" >&2; exit 1; }
# released versions (every version an install or update script leads to), oldest first
versions=$(for f in sql/clv--*.sql; do
	v=${f#sql/clv--}; v=${v%.sql}
	echo "${v#*--}"
done | sort -V -u)
versions=$(printf '%s\n' $versions "$current" | sort -V -u)
# rows "rank<TAB>version<TAB>kind key" for every version, for the "Added" column
added_rows=
rank=0
for v in $versions; do
	rank=$((rank + 1))
	[ "$v" = "$current" ] && { cur_rank=$rank; continue; }
	newdb "${db}_v"
	psql -d "${db}_v" -c "CREATE EXTENSION clv VERSION '$v'" >&2
	added_rows+=$(psql -At -d "${db}_v" -c "$members_sql" | sed "s/^/$rank	$v	/")$'\n'
	psql -d postgres -c "DROP DATABASE \"${db}_v\"" >&2
done
psql -d "$db" -c "CREATE EXTENSION clv" >&2
added_rows+=$(psql -At -d "$db" -c "$members_sql" | sed "s/^/$cur_rank	$current	/")$'\n'

# ---------------------------------------------------------------- families
# "fragment<TAB>FUNCTION|AGGREGATE|TYPE<TAB>signature" for every COMMENT ON of
# the install fragments, their overload templates expanded (a comment names
# its object on one line)
fam_rows=
for f in sql/install/[0-9][0-9]_*.sql; do
	n=$(basename "$f" .sql)
	fam_rows+=$(awk -f sql/overloads.awk "$f" | tr '\n\t' '  ' | grep -oE 'COMMENT ON +(FUNCTION|AGGREGATE|TYPE) +[^ (]+( *\([^)]*\))? +IS' |
		sed -E "s/^COMMENT ON +(FUNCTION|AGGREGATE|TYPE) +(.*[^ ]) +IS\$/$n	$(family_title "$n" | sed 's/[\/&]/\\&/g')	\\1	\\2/")$'\n'
done

# ---------------------------------------------------------------- the table
psql -At -d "$db" -v added="$added_rows" -v fams="$fam_rows" -v version="$current" <<'EOF'
SET client_min_messages = warning;
CREATE TEMP TABLE added AS
	SELECT split_part(l, E'\t', 1)::int AS rank, split_part(l, E'\t', 2) AS version, split_part(l, E'\t', 3) AS key
	FROM regexp_split_to_table(:'added', E'\n') AS l WHERE l <> '';
CREATE TEMP TABLE fam AS
	SELECT DISTINCT ON (oid) fragment, title, oid
	FROM (SELECT split_part(l, E'\t', 1) AS fragment, split_part(l, E'\t', 2) AS title,
	             CASE split_part(l, E'\t', 3) WHEN 'TYPE' THEN to_regtype(split_part(l, E'\t', 4))::oid
	                  ELSE to_regprocedure(split_part(l, E'\t', 4))::oid END AS oid
	      FROM regexp_split_to_table(:'fams', E'\n') AS l WHERE l <> '') AS s
	WHERE oid IS NOT NULL
	ORDER BY oid, fragment;

CREATE TEMP TABLE members AS
	SELECT d.classid, d.objid AS oid
	FROM pg_depend d
	WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
	  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv')
	  AND d.classid IN ('pg_proc'::regclass, 'pg_type'::regclass);

-- functions PostgreSQL calls for the extension's types and aggregates; a
-- final function named like its aggregate (e.g. bgnbd_fit(btyd_data) of the
-- aggregate bgnbd_fit) is meant to be called directly too
CREATE TEMP TABLE support AS
	SELECT DISTINCT f AS oid FROM (
		SELECT unnest(ARRAY[t.typinput, t.typoutput, t.typreceive, t.typsend,
		                    t.typmodin, t.typmodout, t.typanalyze]::oid[]) AS f
		FROM pg_type t JOIN members m ON m.classid = 'pg_type'::regclass AND m.oid = t.oid
		UNION ALL
		SELECT unnest(ARRAY[a.aggtransfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
		                    a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn]::oid[])
		FROM pg_aggregate a JOIN members m ON m.classid = 'pg_proc'::regclass AND m.oid = a.aggfnoid
		UNION ALL
		SELECT a.aggfinalfn::oid
		FROM pg_aggregate a JOIN members m ON m.classid = 'pg_proc'::regclass AND m.oid = a.aggfnoid
		JOIN pg_proc ap ON ap.oid = a.aggfnoid JOIN pg_proc fp ON fp.oid = a.aggfinalfn
		WHERE ap.proname <> fp.proname) AS s
	WHERE f <> 0;

CREATE FUNCTION pg_temp.short_types(s text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT replace(replace(s, 'timestamp with time zone', 'timestamptz'), 'timestamp without time zone', 'timestamp') $$;
CREATE FUNCTION pg_temp.cell(s text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT replace(regexp_replace(s, '\s+', ' ', 'g'), '|', '\|') $$;

-- one row per function
CREATE TEMP TABLE funcs AS
	SELECT p.oid, p.proname::text AS name, p.prokind,
	       s.oid IS NOT NULL AS is_support,
	       coalesce(f.fragment, '99') AS fragment, coalesce(f.title, 'Other') AS title,
	       CASE WHEN pg_get_function_arguments(p.oid) = '' THEN ARRAY['']
	            ELSE string_to_array(pg_temp.short_types(pg_get_function_arguments(p.oid)), ', ') END AS args,
	       pg_temp.short_types(pg_get_function_result(p.oid)) AS result,
	       coalesce(obj_description(p.oid, 'pg_proc'), '') AS descr,
	       (SELECT a.version FROM added a WHERE a.key = 'f ' || p.oid::regprocedure::text ORDER BY a.rank LIMIT 1) AS added
	FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.oid
	LEFT JOIN support s ON s.oid = p.oid
	LEFT JOIN fam f ON f.oid = p.oid;

-- overloads with the same description, result and version whose argument
-- lists are all combinations of alternatives at some positions (e.g. the
-- order time as timestamptz, timestamp or date) become one row
CREATE FUNCTION pg_temp.alts(a text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	-- the distinct alternatives in order, with their common prefix up to a
	-- space (the argument's name) written once
	WITH d AS (SELECT x, min(o) AS o FROM unnest(a) WITH ORDINALITY AS u(x, o) GROUP BY x),
	p AS (SELECT coalesce(max(k), 0) AS k FROM generate_series(1, length(a[1])) AS k
	      WHERE substr(a[1], k, 1) = ' '
	        AND NOT EXISTS (SELECT 1 FROM unnest(a) AS y WHERE left(y, k) <> left(a[1], k)))
	SELECT left(a[1], p.k) || string_agg(substr(d.x, p.k + 1), ' | ' ORDER BY d.o) FROM d, p GROUP BY p.k
$$;
CREATE TEMP TABLE groups AS
	SELECT name, prokind, is_support, fragment, title, result, descr, added, cardinality(args) AS nargs,
	       array_agg(oid ORDER BY oid) AS oids, array_agg(args ORDER BY oid) AS argsets
	FROM funcs
	GROUP BY name, prokind, is_support, fragment, title, result, descr, added, cardinality(args);
CREATE TEMP TABLE rows AS
	WITH pos AS (
		SELECT g.name, g.oids, i,
		       array_agg(g.argsets[j][i] ORDER BY j) AS alts,
		       count(DISTINCT g.argsets[j][i]) AS nalts
		FROM groups g, generate_series(1, g.nargs) AS i, generate_series(1, cardinality(g.oids)) AS j
		WHERE cardinality(g.oids) > 1
		GROUP BY g.name, g.oids, i
	), merged AS (
		SELECT g.*,
		       (SELECT string_agg(CASE WHEN p.nalts > 1 THEN pg_temp.alts(p.alts) ELSE p.alts[1] END, ', ' ORDER BY p.i)
		        FROM pos p WHERE p.oids = g.oids) AS args
		FROM groups g
		WHERE cardinality(g.oids) > 1
		  AND (SELECT round(exp(sum(ln(p.nalts))))::int FROM pos p WHERE p.oids = g.oids) = cardinality(g.oids)
	)
	SELECT m.name, m.prokind, m.is_support, m.fragment, m.title, m.descr, m.added, m.oids[1] AS first_oid,
	       m.args, m.result
	FROM merged m
	UNION ALL
	SELECT f.name, f.prokind, f.is_support, f.fragment, f.title, f.descr, f.added, f.oid,
	       array_to_string(f.args, ', '), f.result
	FROM funcs f
	WHERE NOT EXISTS (SELECT 1 FROM merged m WHERE f.oid = ANY (m.oids));

CREATE TEMP TABLE types AS
	SELECT t.oid, t.typname::text AS name, t.typtype,
	       coalesce(f.fragment, '99') AS fragment, coalesce(f.title, 'Other') AS title,
	       CASE WHEN t.typtype = 'c' THEN
	            (SELECT string_agg(a.attname || ' ' || pg_temp.short_types(format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
	             FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END AS fields,
	       coalesce(obj_description(t.oid, 'pg_type'), '') AS descr,
	       (SELECT a.version FROM added a WHERE a.key = 't ' || t.oid::regtype::text ORDER BY a.rank LIMIT 1) AS added
	FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.oid
	LEFT JOIN fam f ON f.oid = t.oid;

CREATE TEMP TABLE lines AS
	SELECT NOT r.is_support AS main, r.fragment, r.title, 0 AS sect, r.name AS sortname, r.first_oid AS sortoid,
	       '| ' || pg_temp.cell('`' || r.name || '(' || r.args || ')` → `' || r.result || '`')
	       || ' | ' || pg_temp.cell(CASE r.prokind WHEN 'a' THEN 'Aggregate: ' WHEN 'w' THEN 'Window function: ' ELSE '' END
	                                 || r.descr)
	       || ' | ' || coalesce(r.added, '?') || ' |' AS line
	FROM rows r
	UNION ALL
	SELECT true, t.fragment, t.title, 1, t.name, t.oid,
	       '| ' || pg_temp.cell(CASE WHEN t.typtype = 'c' THEN 'composite type `' || t.name || '(' || t.fields || ')`'
	                                 ELSE 'type `' || t.name || '`' END)
	       || ' | ' || pg_temp.cell(t.descr) || ' | ' || coalesce(t.added, '?') || ' |'
	FROM types t;

\pset tuples_only on
\pset format unaligned
SELECT '<!-- generated by test/tools/gen_reference.sh from the catalog of clv ' || :'version' || '; do not edit -->' || E'\n'
	|| E'# clv function reference\n\n'
	|| 'Every function, aggregate and type of clv ' || :'version' || ', generated from the catalog (the '
	|| E'`COMMENT ON` text\nof each object). Added: the version of clv that introduced it. '
	|| E'Arguments written `timestamptz | timestamp | date`\nare overloads, one for each type.'
	|| (SELECT string_agg(E'\n\n### ' || title || E'\n\n| Function | Description | Added |\n| --- | --- | --- |\n' || body, '' ORDER BY fragment)
	    FROM (SELECT fragment, title, string_agg(line, E'\n' ORDER BY sect, sortname, sortoid) AS body
	          FROM lines WHERE main GROUP BY fragment, title) AS f)
	|| coalesce(E'\n\n### Support functions\n\n'
	   || E'Called by PostgreSQL for the types and aggregates above (input and output, aggregate transition,\n'
	   || E'combine and final functions), not meant to be called directly.\n\n'
	   || E'| Function | Description | Added |\n| --- | --- | --- |\n'
	   || (SELECT string_agg(line, E'\n' ORDER BY fragment, sortname, sortoid) FROM lines WHERE NOT main), '');
EOF
