#!/usr/bin/env bash
# test/stages/80_docs.sh: documentation and packaging.
#   - the function reference generated from the catalog of the installed
#     extension (test/tools/gen_reference.sh) equals docs/readme/reference.md,
#     so every function, aggregate and type is documented, with its version;
#   - META.json is valid JSON (PGXN Meta Spec 1.0.0) with the Makefile's
#     version, and `make check-version` agrees;
#   - `make dist` builds a tarball of the sources that unpacks into
#     clv-VERSION/, builds with PGXS (-Werror) in a temporary directory,
#     installs, and whose extension installs and updates from 0.1.0;
#   - the repository carries none of the public datasets (no git-tracked
#     file equals a file of clv_data_dir, no test/data);
#   - README.md (written by hand) is at most 45 KB, names every user-facing
#     function of the reference in its own reference table (and no function
#     that does not exist), and every relative link of README.md and
#     docs/**/*.md names an existing file and, after #, a heading of it.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"
. "$CLV_ROOT/test/lib/docs.sh"

# ---------------------------------------------------------------- reference
reference_current() {
	bash test/tools/gen_reference.sh --cluster >"$CLV_TMP/reference.md" || return 1
	grep -q '^| `' "$CLV_TMP/reference.md" || { echo "no table rows generated"; return 1; }
	if ! cmp -s "$CLV_TMP/reference.md" docs/readme/reference.md; then
		echo "docs/readme/reference.md is out of date; regenerate it with"
		echo "  bash test/tools/gen_reference.sh > docs/readme/reference.md"
		diff -u docs/readme/reference.md "$CLV_TMP/reference.md" | head -n 60
		return 1
	fi
}
clv_check "docs/readme/reference.md equals the reference generated from the catalog" reference_current

reference_complete() {
	local bad=0
	# every row has a description and a version
	if grep -n -E ' \|  \| |\| \? \|$' docs/readme/reference.md; then
		echo "rows above lack a COMMENT ON text or a version"
		bad=1
	fi
	# every user-facing function name of the catalog appears in the reference
	local n
	for n in $(clv_psql -At -d "$PGDATABASE" -c "CREATE EXTENSION IF NOT EXISTS clv" -c \
		"SELECT DISTINCT p.proname FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
		 WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
		   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv') ORDER BY 1"); do
		grep -q "\`$n(" docs/readme/reference.md || { echo "function $n is not in docs/readme/reference.md"; bad=1; }
	done
	return $bad
}
clv_check "every function has a row with a description and the version that added it" reference_complete

# ---------------------------------------------------------------- README and links
# README.md is written by hand; the details live in docs/readme/*.md
README_MAX_BYTES=46080
readme_size() {
	local n
	n=$(wc -c <README.md)
	echo "README.md: $n bytes"
	[ "$n" -le $README_MAX_BYTES ] ||
		{ echo "README.md is larger than 45 KB ($README_MAX_BYTES bytes): move details to docs/readme/*.md and link them"; return 1; }
}
clv_check "README.md is at most 45 KB" readme_size

links_resolve() {
	local md t path anchor dir target bad=0 n=0
	while IFS= read -r md; do
		dir=$(dirname "$md")
		while IFS= read -r t; do
			case "$t" in http://*|https://*|mailto:*) continue ;; esac
			n=$((n + 1))
			path=${t%%#*}
			anchor=
			case "$t" in *'#'*) anchor=${t#*#} ;; esac
			if [ -z "$path" ]; then target=$md; else target=$dir/$path; fi
			if [ ! -e "$target" ]; then
				echo "$md: link to $t: no file $target"
				bad=1
			elif [ -n "$anchor" ] && ! clv_md_anchors "$target" | grep -qxF -- "$anchor"; then
				echo "$md: link to $t: no heading with the anchor #$anchor in $target"
				bad=1
			fi
		done < <(clv_md_links "$md")
	done < <(clv_doc_files)
	echo "$n relative links checked"
	return $bad
}
clv_check "every relative link of README.md and docs/ names an existing file and heading" links_resolve

readme_reference() {
	# every user-facing function (the generated reference without its support
	# functions and the helpers whose description says "used by") is named in
	# the README; every name of the README's reference table exists
	local bad=0 n names
	names=$(awk '/^### Support functions/ { exit } /^\| `[a-z_0-9]+\(/ && !/ used by / { sub(/^\| `/, ""); sub(/\(.*/, ""); print }' \
		docs/readme/reference.md | sort -u)
	[ -n "$names" ] || { echo "no function names in docs/readme/reference.md"; return 1; }
	for n in $names; do
		grep -q "\`$n[\`(]" README.md || { echo "$n is not in README.md (add it to the table of its section under ## Reference)"; bad=1; }
	done
	for n in $(sed -n '/^## Reference/,/^## /p' README.md | grep -o '`[a-z][a-z_0-9]*[`(]' | tr -d '`(' | sort -u); do
		grep -q "\`$n(" docs/readme/reference.md || grep -q "^| type \`$n\`" docs/readme/reference.md ||
			{ echo "README.md's reference names $n, which clv does not have"; bad=1; }
	done
	return $bad
}
clv_check "the README's reference names every user-facing function, and nothing else" readme_reference

# ---------------------------------------------------------------- META.json
meta_valid() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -m json.tool META.json >/dev/null || return 1
	else
		echo "(python3 not installed: JSON checked by PostgreSQL only)"
	fi
	# PostgreSQL's JSON parser is strict (RFC 8259); check the fields PGXN requires
	local out
	out=$(clv_psql -At -d "$PGDATABASE" -v meta="$(cat META.json)" -v v="$EXTVERSION" <<-'EOF'
		WITH m(j) AS (SELECT :'meta'::jsonb)
		SELECT concat_ws(E'\n',
			CASE WHEN j ->> 'name' IS DISTINCT FROM 'clv' THEN 'name is not clv' END,
			CASE WHEN j ->> 'version' IS DISTINCT FROM :'v' THEN 'version ' || coalesce(j ->> 'version', 'missing') || ' is not ' || :'v' END,
			CASE WHEN j #>> '{provides,clv,version}' IS DISTINCT FROM :'v' THEN 'provides.clv.version is not ' || :'v' END,
			CASE WHEN j #>> '{meta-spec,version}' IS DISTINCT FROM '1.0.0' THEN 'meta-spec.version is not 1.0.0' END,
			CASE WHEN j ->> 'license' IS DISTINCT FROM 'postgresql' THEN 'license is not postgresql' END,
			CASE WHEN coalesce(j ->> 'abstract', '') = '' THEN 'no abstract' END,
			CASE WHEN coalesce(j #>> '{provides,clv,abstract}', '') = '' THEN 'no provides.clv.abstract' END,
			CASE WHEN jsonb_typeof(j -> 'maintainer') NOT IN ('string', 'array') THEN 'no maintainer' END,
			CASE WHEN j #>> '{prereqs,runtime,requires,PostgreSQL}' IS NULL THEN 'no prereqs.runtime.requires.PostgreSQL' END)
		FROM m
	EOF
	) || return 1
	[ -z "$out" ] || { echo "$out"; return 1; }
	local f
	for f in $(clv_psql -At -d "$PGDATABASE" -v meta="$(cat META.json)" \
		<<<"SELECT v FROM jsonb_each_text((:'meta'::jsonb) -> 'provides' -> 'clv') AS e(k, v) WHERE k IN ('file', 'docfile')"); do
		[ -f "$f" ] || { echo "META.json names $f, which does not exist"; return 1; }
	done
	# the PostgreSQL versions: those src/compat.h accepts (PGXN version range)
	local lo hi
	read -r lo hi < <(sed -n 's/^#if PG_VERSION_NUM < \([0-9]*\)0000 || PG_VERSION_NUM >= \([0-9]*\)0000$/\1 \2/p' src/compat.h)
	[ -n "$lo" ] || { echo "src/compat.h: no '#if PG_VERSION_NUM < N0000 || PG_VERSION_NUM >= M0000' line"; return 1; }
	grep -q '"PostgreSQL": ">= '"$lo"'.0.0, < '"$hi"'.0.0"' META.json ||
		{ echo "META.json: prereqs.runtime.requires.PostgreSQL is not \">= $lo.0.0, < $hi.0.0\" (src/compat.h)"; return 1; }
	[ -f LICENSE ] || { echo "no LICENSE file"; return 1; }
}
clv_check "META.json is valid JSON with name, version $EXTVERSION (also provides.clv), license, prereqs" meta_valid

clv_check "make check-version (clv.control, CHANGELOG.md and META.json agree with EXTVERSION $EXTVERSION)" \
	clv_make -s --no-print-directory check-version

meta_version_caught() {
	# a META.json with another version must fail check-version
	local d=$CLV_TMP/cv
	mkdir -p "$d"
	cp Makefile clv.control CHANGELOG.md "$d/"
	sed 's/"version": "'"$EXTVERSION"'"/"version": "0.0.0-other"/' META.json >"$d/META.json"
	if (cd "$d" && clv_make -s --no-print-directory check-version) >"$d/out" 2>&1; then
		echo "check-version passed with a wrong META.json version"
		return 1
	fi
	grep -q META.json "$d/out" || { cat "$d/out"; return 1; }
}
clv_check "make check-version fails when META.json's version differs" meta_version_caught

# ---------------------------------------------------------------- make dist
tarball=$CLV_TMP/dist/clv-$EXTVERSION.tar.gz
dist_builds() {
	clv_make -s --no-print-directory dist DIST_ARCHIVE="$tarball" || return 1
	[ -s "$tarball" ] || { echo "no tarball"; return 1; }
	gzip -t "$tarball" || return 1
}
clv_check "make dist writes a gzip tarball" dist_builds

dist_contents() {
	local list=$CLV_TMP/dist/list bad=0 f
	tar -tzf "$tarball" >"$list" || return 1
	if grep -v "^clv-$EXTVERSION/" "$list"; then echo "entries above are outside clv-$EXTVERSION/"; bad=1; fi
	for f in Makefile clv.control META.json LICENSE CHANGELOG.md README.md src/clv.h \
		sql/clv--0.1.0.sql sql/install/00_core.sql test/run.sh test/lib/data.psql; do
		grep -qx "clv-$EXTVERSION/$f" "$list" || { echo "missing: $f"; bad=1; }
	done
	for f in $(git ls-files 'src/*.c' 'sql/install/*.sql' 'sql/*.sql' 'expected/*.out' 2>/dev/null); do
		grep -qx "clv-$EXTVERSION/$f" "$list" || { echo "missing: $f (tracked by git)"; bad=1; }
	done
	if grep -E '\.(o|so|bc)$|/results/|/regression\.(diffs|out)$|\.tar\.gz$' "$list"; then
		echo "build products above are in the tarball"; bad=1
	fi
	if grep -E "/sql/clv--$EXTVERSION\.sql$" "$list"; then
		echo "the generated install script is in the tarball"; bad=1
	fi
	echo "$(wc -l <"$list") files"
	return $bad
}
clv_check "the tarball holds the sources under clv-$EXTVERSION/, no build products or generated scripts" dist_contents

dist_pgxs_build() {
	local d=$CLV_TMP/dist/build
	rm -rf "$d"
	mkdir -p "$d"
	tar -xzf "$tarball" -C "$d" || return 1
	(cd "$d/clv-$EXTVERSION" && clv_make -s -j"$CLV_JOBS" PG_CFLAGS="$CLV_WARN_CFLAGS") || return 1
	[ -f "$d/clv-$EXTVERSION/clv.so" ] || { echo "no clv.so"; return 1; }
	# the generated install script is the one of the working tree
	cmp "$d/clv-$EXTVERSION/sql/clv--$EXTVERSION.sql" "sql/clv--$EXTVERSION.sql" || return 1
}
clv_check "the unpacked tarball builds with PGXS (make, $CLV_WARN_CFLAGS) in a temporary directory" dist_pgxs_build

dist_install() {
	local d=$CLV_TMP/dist/build/clv-$EXTVERSION tree=$CLV_TMP/dist/tree
	local tree_before=$CLV_TREE bindir_before=$CLV_BINDIR
	clv_tree_create "$tree"
	CLV_TREE=$tree_before CLV_BINDIR=$bindir_before
	export CLV_TREE CLV_BINDIR
	(cd "$d" && clv_tree_install "$tree") || return 1
	local ext=$tree/usr/share/postgresql/$CLV_PGVER/extension f
	for f in clv.control "clv--$EXTVERSION.sql" clv--0.1.0.sql; do
		[ -f "$ext/$f" ] || { echo "not installed: $f"; return 1; }
	done
	# in a subshell: PGHOST/PGPORT of the main cluster stay for the rest of the stage
	(
		clv_stage_cluster distcluster "$tree" || exit 1
		rc=0
		v=$(clv_psql -At -c 'CREATE EXTENSION clv' -c "SELECT extversion FROM pg_extension WHERE extname = 'clv'") || rc=1
		[ $rc = 0 ] && [ "$v" != "$EXTVERSION" ] && { echo "CREATE EXTENSION clv: version $v"; rc=1; }
		v=$(clv_psql -At -c "SELECT clv_agg(c, t, a) FROM (VALUES (1, date '2024-01-01', 10), (2, date '2024-01-02', 20)) v(c, t, a)") || rc=1
		[ $rc = 0 ] && [ "$v" != 15.0000000000000000 ] && [ "$v" != 15 ] && { echo "clv_agg: $v, expected 15"; rc=1; }
		v=$(clv_psql -At -c 'DROP EXTENSION clv' -c "CREATE EXTENSION clv VERSION '0.1.0'" -c 'ALTER EXTENSION clv UPDATE' \
			-c "SELECT extversion FROM pg_extension WHERE extname = 'clv'") || rc=1
		[ $rc = 0 ] && [ "$v" != "$EXTVERSION" ] && { echo "after ALTER EXTENSION clv UPDATE: version $v"; rc=1; }
		clv_cluster_stop "$tree" "$CLV_TMP/distcluster"
		exit $rc
	)
}
clv_check "make install of the tarball's build: CREATE EXTENSION, and 0.1.0 updates to $EXTVERSION" dist_install

# ---------------------------------------------------------------- no third-party data
no_public_data() {
	local d sums bad=0 s f
	d=$(clv_data_dir)
	if [ -n "$(git ls-files test/data)" ]; then echo "test/data is tracked"; bad=1; fi
	if [ -d "$d" ]; then
		sums=$(find "$d" -type f -exec sha256sum {} + | awk '{ print $1 }' | sort -u)
		while read -r s f; do
			if grep -qx "$s" <<<"$sums"; then echo "a copy of a public dataset file ($d): $f"; bad=1; fi
		done < <(git ls-files -z | xargs -0 sha256sum)
	else
		echo "no $d: compared names only"
	fi
	return $bad
}
clv_check "the repository carries none of the public datasets" no_public_data

clv_stage_done
