#!/usr/bin/env bash
# test/stages/20_clients.sh: clv from the client libraries people use
# (docs/readme/clients.md).  Installs each client from its ordinary
# registry when missing (Python: Debian python3-psycopg, psycopg 3; Java:
# Debian libpostgresql-jdbc-java and, without javac, default-jdk-headless;
# Node.js: `pg` from npm with the committed package-lock.json, Debian
# nodejs/npm when node is missing) and runs test/clients/*/, which run the
# README's headline queries (clv_agg, repeat_rate, retention_rate, the
# two-step clv_summary and its accessors, clv_cohorts, and clv_rfm's
# composite flattened with (r).* when the installed clv has it), with
# prepared statements and parameters, and check the values (against plain
# SQL or hand-derived figures) and the types the driver delivers.
#
# The stage starts its own cluster from the main private tree: like a
# server that BI tools reach, it listens on TCP (127.0.0.1, a free port,
# password authentication with SCRAM) as well as on its Unix socket.
# Python and Node.js connect over the socket (PGHOST), Java over TCP (JDBC
# has no Unix socket support without an extra socket factory).
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"
# the examples run on the CDNOW sample (public data, not in the repository)
clv_need_data

CLIENT_TIMEOUT=${CLV_CLIENT_TIMEOUT:-180}

# ---------------------------------------------------------------- clients
install_python() {
	clv_apt_install python3-psycopg &&
		/usr/bin/python3 -c 'import psycopg; print("psycopg", psycopg.__version__)'
}
install_java() {
	clv_apt_install libpostgresql-jdbc-java || return 1
	if ! command -v javac >/dev/null 2>&1; then
		clv_apt_install default-jdk-headless || return 1
	fi
	test -r /usr/share/java/postgresql.jar && javac -version
}
install_node() {
	if ! command -v node >/dev/null 2>&1; then
		clv_apt_install nodejs || return 1
	fi
	if ! command -v npm >/dev/null 2>&1; then
		clv_apt_install npm || return 1
	fi
	mkdir -p "$CLV_TMP/node"
	cp test/clients/node/package.json test/clients/node/package-lock.json test/clients/node/clv_client_test.js "$CLV_TMP/node/"
	# exactly the versions of package-lock.json
	(cd "$CLV_TMP/node" && npm_config_update_notifier=false timeout 240 npm ci --no-audit --no-fund --loglevel=error) &&
		echo "node $(node --version), pg $(cd "$CLV_TMP/node" && node -p 'require("pg/package.json").version')"
}
clv_check "python: python3-psycopg installed" install_python && have_python=1 || have_python=0
clv_check "java: JDBC driver and javac installed" install_java && have_java=1 || have_java=0
clv_check "node: npm ci of test/clients/node (pg)" install_node && have_node=1 || have_node=0
[ $have_python = 1 ] && echo "client: $(/usr/bin/python3 -c 'import psycopg; print("psycopg", psycopg.__version__)')"
[ $have_java = 1 ] && echo "client: libpostgresql-jdbc-java $(dpkg-query -W -f='${Version}' libpostgresql-jdbc-java 2>/dev/null)," \
	"$(javac -version 2>&1)"
[ $have_node = 1 ] && echo "client: node $(node --version), pg $(node -p 'require(process.argv[1] + "/node_modules/pg/package.json").version' "$CLV_TMP/node")"

# ---------------------------------------------------------------- cluster
tcp_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_cluster() {
	local try port
	for try in 1 2 3; do
		port=$((40000 + RANDOM % 10000))
		[ -e "/tmp/.s.PGSQL.$port" ] && continue
		tcp_port_free "$port" || continue
		rm -rf "$CLV_TMP/pg"
		if clv_cluster_start "$CLV_TREE" "$CLV_TMP/pg" "$port" "listen_addresses = '127.0.0.1'" \
			"password_encryption = 'scram-sha-256'"; then
			return 0
		fi
	done
	return 1
}
clv_on_exit "clv_cluster_stop '$CLV_TREE' '$CLV_TMP/pg'"
if ! clv_check "cluster listening on its socket and on 127.0.0.1" start_cluster; then
	clv_stage_done
fi

# TCP connections need the password (SCRAM); the socket stays trust
PGPASSWORD_CLIENTS=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
secure_tcp() {
	clv_psql -c "ALTER ROLE postgres PASSWORD '$PGPASSWORD_CLIENTS'" || return 1
	sed -i -E 's/^(host[[:space:]].*[[:space:]])trust[[:space:]]*$/\1scram-sha-256/' "$CLV_TMP/pg/pgdata/pg_hba.conf" || return 1
	clv_psql -c 'SELECT pg_reload_conf()' >/dev/null || return 1
	sleep 1
	local rules
	rules=$(clv_psql -At -c "SELECT DISTINCT type || ' ' || auth_method FROM pg_hba_file_rules ORDER BY 1") || return 1
	echo "$rules"
	[ "$rules" = "$(printf 'host scram-sha-256\nlocal trust')" ] || return 1
	# without the password a TCP connection is refused
	if PGPASSFILE=/dev/null clv_psql -h 127.0.0.1 -w -c 'SELECT 1' >/dev/null 2>&1; then
		echo "TCP connection without a password accepted"
		return 1
	fi
}
clv_check "TCP connections authenticate with SCRAM (pg_hba.conf host lines)" secure_tcp

# The README section (docs/readme/clients.md, or README.md once merged):
# its first sql block sets up the database; each python, js and java block
# is run as printed and its output compared with the text block after it.
doc=docs/readme/clients.md
[ -f "$doc" ] || doc=README.md

# doc_block LANG code|output: the first block fenced ```LANG of the section
# "Use from Python, Node.js and Java", or the ```text block that follows it
doc_block() {
	awk -v fence='```'"$1" -v want="$2" '
		/^#+ Use from Python, Node\.js and Java/ { started = 1; match($0, /^#+/); lvl = RLENGTH; next }
		!started { next }
		/^#+ / { match($0, /^#+/); if (RLENGTH <= lvl) exit }
		state == 0 && $0 == fence { state = 1; next }
		state == 1 && $0 == "```" { state = 2; next }
		state == 1 { if (want == "code") print; next }
		state == 2 && $0 == "```text" { state = 3; next }
		state == 2 && /^```/ { exit }
		state == 3 && $0 == "```" { exit }
		state == 3 { if (want == "output") print }' "$doc"
}

setup_db() {
	clv_psql -c 'CREATE DATABASE shop' || return 1
	doc_block sql code >"$CLV_TMP/setup.sql"
	grep -q 'CREATE TABLE orders' "$CLV_TMP/setup.sql" || { echo "$doc: no sql block creating orders"; return 1; }
	# the block's \copy names the file alone: run it in the data directory
	(cd "$(clv_data_dir)" && clv_psql -d shop -f "$CLV_TMP/setup.sql") || return 1
	test "$(clv_psql -d shop -At -c 'SELECT count(*) FROM orders')" = 6919
}
clv_check "database shop with clv and the CDNOW orders ($doc, first sql block)" setup_db

rfm=$(clv_psql -d shop -At -c "SELECT EXISTS (SELECT FROM pg_proc WHERE proname = 'clv_rfm')")
[ "$rfm" = t ] && echo "clv_rfm present: composite flattening is tested" ||
	echo "clv_rfm not in this clv: composite flattening is not tested"

# run_client NAME CMD...: run a client test program, show its output, and
# check that it passed and (when clv has clv_rfm) did not skip the composite
run_client() {
	local name=$1 rc
	shift
	timeout -k 5 "$CLIENT_TIMEOUT" "$@" >"$CLV_TMP/$name.out" 2>&1
	rc=$?
	sed "s/^/  $name: /" "$CLV_TMP/$name.out"
	clv_check "$name client: $(tail -n 1 "$CLV_TMP/$name.out")" test $rc -eq 0
	if [ $rc -eq 0 ] && [ "$rfm" = t ]; then
		clv_check "$name: clv_rfm composite flattened and checked" grep -q '^ok .*(clv_rfm(...)).\* flattens' "$CLV_TMP/$name.out"
	fi
}

# doc_example NAME LANG CMD...: write the LANG example of $doc to the file
# that CMD's last argument names, run CMD, compare its output with the doc's
# (for Java the last argument is the source file, passed on to main and unused)
doc_example() {
	local name=$1 lang=$2 file
	shift 2
	file=${!#}
	doc_block "$lang" code >"$file"
	doc_block "$lang" output >"$CLV_TMP/$name.expected"
	[ -s "$file" ] && [ -s "$CLV_TMP/$name.expected" ] || { echo "$doc: no $lang example with its output"; return 1; }
	timeout -k 5 "$CLIENT_TIMEOUT" "$@" >"$CLV_TMP/$name.actual" 2>&1 || { cat "$CLV_TMP/$name.actual"; return 1; }
	diff "$CLV_TMP/$name.expected" "$CLV_TMP/$name.actual"
}

# ---------------------------------------------------------------- python
if [ $have_python = 1 ]; then
	PGDATABASE=shop run_client python /usr/bin/python3 test/clients/python/clv_client_test.py
	clv_check "python: the example of $doc prints its output" doc_example python python /usr/bin/python3 "$CLV_TMP/example.py"
fi

# ---------------------------------------------------------------- node
if [ $have_node = 1 ]; then
	# require('pg') resolves from the script's directory (node_modules of npm ci)
	PGDATABASE=shop run_client node node "$CLV_TMP/node/clv_client_test.js"
	clv_check "node: the example of $doc prints its output" doc_example node js node "$CLV_TMP/node/example.js"
fi

# ---------------------------------------------------------------- java
compile_java() {
	mkdir -p "$CLV_TMP/java" &&
		javac -d "$CLV_TMP/java" -cp /usr/share/java/postgresql.jar test/clients/java/ClvClientTest.java
}
if [ $have_java = 1 ] && clv_check "java: javac ClvClientTest.java" compile_java; then
	CLV_JDBC_URL="jdbc:postgresql://127.0.0.1:$PGPORT/shop" PGPASSWORD=$PGPASSWORD_CLIENTS \
		run_client java java -cp "/usr/share/java/postgresql.jar:$CLV_TMP/java" ClvClientTest
	java_example() {
		doc_block java code >"$CLV_TMP/java/ClvExample.java" &&
			javac -d "$CLV_TMP/java" -cp /usr/share/java/postgresql.jar "$CLV_TMP/java/ClvExample.java" &&
			JDBC_URL="jdbc:postgresql://127.0.0.1:$PGPORT/shop" PGPASSWORD=$PGPASSWORD_CLIENTS \
				doc_example java java java -cp "/usr/share/java/postgresql.jar:$CLV_TMP/java" ClvExample "$CLV_TMP/java/ClvExample.java"
	}
	clv_check "java: the example of $doc compiles and prints its output" java_example
fi

clv_stage_done
