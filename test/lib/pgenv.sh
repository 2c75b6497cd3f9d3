# test/lib/pgenv.sh: a private PostgreSQL installation and throwaway clusters.
#
# Sourced by the test, demo and benchmark scripts.  The system PostgreSQL 15
# (Debian's postgresql-15) is never modified: clv is installed with DESTDIR
# into a private tree holding a copy of the server binaries and symlinks to
# the rest of the installation.  PostgreSQL finds its share and lib
# directories relative to the binary's location, so a server started from
# the private tree loads the clv built here and nothing else changes.
# Clusters live in temporary directories, listen only on a Unix socket in
# that directory (no TCP), and are owned by the unprivileged 'postgres'
# account when the scripts run as root.
#
# Functions:
#   clv_pg_prereqs                 install postgresql-server-dev-15, gcc, make if missing
#   clv_apt_install PKG...         install Debian packages if missing (root or sudo)
#   clv_make [ARGS...]             make with PG_CONFIG of PostgreSQL $CLV_PGVER
#   clv_build [ARGS...]            clean build with the warning flags ($CLV_WARN_CFLAGS, -Werror)
#   clv_tmpdir PREFIX              create a temporary directory the cluster owner can enter
#   clv_tree_create TREE           build the private tree under TREE
#   clv_tree_install TREE [MAKEARGS...]   make install DESTDIR=TREE
#   clv_cluster_start TREE DATA PORT [extra postgresql.conf lines...]
#                                  initdb DATA/pgdata and start; exports PGHOST PGPORT PGUSER PGDATABASE
#   clv_cluster_stop TREE DATA
#   clv_stop_all DIR               stop every cluster found under DIR (cleanup safety net)
#   clv_release_dir DIR            kill processes chrooted under DIR, unmount all under DIR
#   clv_run_as_owner CMD...        run CMD as the cluster owner (as root: from /)
#   clv_free_port [START]          a port number (only used to name the socket)
#   clv_regress_list               the REGRESS tests of the Makefile
#   clv_regress OUTDIR TEST...     pg_regress, each test in a fresh database (see below)
#   clv_clean_env                  unset PG* connection variables inherited from the caller
#   clv_data_dir                   the directory of the public datasets (see below)
#   clv_have_data                  true when the CDNOW files are readable there
# Variables: CLV_PGVER, CLV_SYS_BINDIR, CLV_PGCONFIG, CLV_WARN_CFLAGS, CLV_JOBS;
# after clv_tree_create also CLV_TREE, CLV_BINDIR, CLV_OWNER.

CLV_PGVER=${CLV_PGVER:-15}
CLV_SYS_BINDIR=/usr/lib/postgresql/$CLV_PGVER/bin
# the pg_config of this major version (/usr/bin/pg_config picks the newest
# server-dev package installed, which need not be 15)
CLV_PGCONFIG=${CLV_PGCONFIG:-$CLV_SYS_BINDIR/pg_config}
# -Wextra without the two warnings PostgreSQL's own headers and macros
# trigger (unused fcinfo of PG_FUNCTION_ARGS, partial struct initializers)
CLV_WARN_CFLAGS=${CLV_WARN_CFLAGS:-"-Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers"}
CLV_JOBS=${CLV_JOBS:-$(nproc 2>/dev/null || echo 2)}
export CLV_PGVER CLV_SYS_BINDIR CLV_PGCONFIG CLV_WARN_CFLAGS CLV_JOBS

clv_sudo() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "clv: need root or sudo to run: $*" >&2
		return 1
	fi
}

# Install the Debian packages given (by package name) when missing.
clv_apt_install() {
	local missing=() p log
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "clv: installing ${missing[*]} (apt-get)"
	log=$(mktemp "${TMPDIR:-/tmp}/clv-apt.XXXXXX")
	if ! clv_sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
		# package lists missing or stale (fresh containers have none)
		if ! { clv_sudo apt-get -o DPkg::Lock::Timeout=300 update -q &&
			clv_sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
			tail -n 30 "$log" >&2
			echo "clv: could not install ${missing[*]}; install them with apt-get and retry" >&2
			rm -f "$log"
			return 1
		fi
	fi
	rm -f "$log"
}

clv_pg_prereqs() {
	[ -x "$CLV_SYS_BINDIR/postgres" ] || clv_apt_install postgresql-$CLV_PGVER
	clv_apt_install postgresql-server-dev-$CLV_PGVER make gcc
}

clv_make() {
	make PG_CONFIG="$CLV_PGCONFIG" "$@"
}

# clv_build [ARGS...]: clean build with warnings as errors (output: warnings and errors only)
clv_build() {
	clv_make -s clean >/dev/null &&
		clv_make -s -j"$CLV_JOBS" PG_CFLAGS="$CLV_WARN_CFLAGS" "$@"
}

# clv_tmpdir PREFIX: a new temporary directory (mode 755: the cluster owner must enter it)
clv_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || return 1
	chmod 755 "$d"
	echo "$d"
}

clv_tree_create() {
	local tree=$1 sys_lib=/usr/lib/postgresql/$CLV_PGVER/lib sys_share=/usr/share/postgresql/$CLV_PGVER
	local t_lib=$tree/usr/lib/postgresql/$CLV_PGVER/lib t_share=$tree/usr/share/postgresql/$CLV_PGVER
	rm -rf "$tree"
	mkdir -p "$t_lib" "$t_share/extension"
	cp -a "$CLV_SYS_BINDIR" "$tree/usr/lib/postgresql/$CLV_PGVER/bin"
	# symlinks to everything else, except clv's own files (installed later)
	local f links=()
	for f in "$sys_lib"/*; do
		case "${f##*/}" in clv.so|clv|bitcode) ;; *) links+=("$f") ;; esac
	done
	ln -s "${links[@]}" "$t_lib/"
	# bitcode/ must be a real directory: `make install DESTDIR=tree` writes
	# bitcode/clv/ and bitcode/clv.index.bc there (never through a symlink
	# into the system installation)
	if [ -d "$sys_lib/bitcode" ]; then
		mkdir -p "$t_lib/bitcode"
		links=()
		for f in "$sys_lib"/bitcode/*; do
			case "${f##*/}" in clv|clv.index.bc) ;; *) links+=("$f") ;; esac
		done
		[ ${#links[@]} -gt 0 ] && ln -s "${links[@]}" "$t_lib/bitcode/"
	fi
	links=()
	for f in "$sys_share"/*; do
		[ "${f##*/}" = extension ] || links+=("$f")
	done
	ln -s "${links[@]}" "$t_share/"
	links=()
	for f in "$sys_share"/extension/*; do
		case "${f##*/}" in clv.control|clv--*) ;; *) links+=("$f") ;; esac
	done
	[ ${#links[@]} -gt 0 ] && ln -s "${links[@]}" "$t_share/extension/"
	CLV_TREE=$tree
	CLV_BINDIR="$tree/usr/lib/postgresql/$CLV_PGVER/bin"
	chmod -R a+rX "$tree"
	# the server may not run as root: use the unprivileged 'postgres' account
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
		CLV_OWNER=postgres
	else
		CLV_OWNER=$(id -un)
	fi
	export CLV_TREE CLV_BINDIR CLV_OWNER
}

clv_tree_install() {
	local tree=$1; shift
	clv_make -s install DESTDIR="$tree" "$@" >/dev/null || return 1
	chmod -R a+rX "$tree"
}

# As root, CMD runs from / : the owner may not enter the caller's directory
# (a clone under /root), and initdb and pg_ctl would print "could not
# change directory".  Give CMD absolute paths.
clv_run_as_owner() {
	if [ "$(id -u)" = 0 ]; then
		(cd / && runuser -u "${CLV_OWNER:-postgres}" -- "$@")
	else
		"$@"
	fi
}

# clv_cluster_start TREE DATA PORT [conf lines...]: initdb + start; sets PGHOST PGPORT PGUSER PGDATABASE
clv_cluster_start() {
	local tree=$1 data=$2 port=$3; shift 3
	local bindir="$tree/usr/lib/postgresql/$CLV_PGVER/bin"
	if [ ${#data} -gt 80 ]; then
		echo "clv: cluster directory path too long for a Unix socket: $data (set TMPDIR to a shorter directory)" >&2
		return 1
	fi
	mkdir -p "$data"
	if [ "$(id -u)" = 0 ]; then chown "$CLV_OWNER" "$data"; fi
	chmod 700 "$data"
	clv_run_as_owner "$bindir/initdb" --no-sync -D "$data/pgdata" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$data/initdb.log" 2>&1 ||
		{ cat "$data/initdb.log" >&2; return 1; }
	{
		echo "listen_addresses = ''"
		echo "port = $port"
		echo "unix_socket_directories = '$data'"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		echo "max_worker_processes = 8"
		echo "max_parallel_workers = 4"
		local l
		for l in "$@"; do echo "$l"; done
	} >>"$data/pgdata/postgresql.conf"
	clv_run_as_owner "$bindir/pg_ctl" -D "$data/pgdata" -l "$data/server.log" -w -t 60 start >/dev/null ||
		{ cat "$data/server.log" >&2; return 1; }
	PGHOST="$data" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
	export PGHOST PGPORT PGUSER PGDATABASE
}

clv_cluster_stop() {
	local tree=$1 data=$2
	local bindir="$tree/usr/lib/postgresql/$CLV_PGVER/bin"
	if [ -f "$data/pgdata/postmaster.pid" ]; then
		clv_run_as_owner "$bindir/pg_ctl" -D "$data/pgdata" -m fast -w -t 30 stop >/dev/null 2>&1 ||
			clv_run_as_owner "$bindir/pg_ctl" -D "$data/pgdata" -m immediate -w stop >/dev/null 2>&1
	fi
	return 0
}

# clv_stop_all DIR: stop any server whose data directory lies under DIR
# (with the system pg_ctl, which stops any cluster of this major version)
clv_stop_all() {
	local pid
	[ -d "$1" ] || return 0
	find "$1" -xdev -name postmaster.pid -type f 2>/dev/null | while read -r pid; do
		clv_run_as_owner "$CLV_SYS_BINDIR/pg_ctl" -D "$(dirname "$pid")" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
	done
	return 0
}

# clv_release_dir DIR: before DIR is removed, kill every process whose root
# directory lies under DIR (a process in a chroot there) and unmount
# everything mounted under DIR, deepest first.  Stage 95_versions cleans up
# its root filesystems itself; this is the safety net for when it was killed.
# Only root can have made such mounts: for others it does nothing.
clv_release_dir() {
	local d p r m
	[ "$(id -u)" = 0 ] && [ -d "$1" ] || return 0
	d=$(cd "$1" && pwd -P) || return 0
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		case "$r" in "$d"/*) kill -KILL "${p#/proc/}" 2>/dev/null ;; esac
	done
	for m in $(awk -v d="$d/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "clv: cannot unmount $m" >&2
	done
	return 0
}

# A port number.  Servers listen on a socket in their own directory only,
# so the number just has to be valid; this avoids the default socket's.
clv_free_port() {
	local p
	for p in $(seq ${1:-55432} 65000); do
		[ -e "/tmp/.s.PGSQL.$p" ] && continue
		echo "$p"; return 0
	done
}

# The REGRESS variable of the Makefile (run from the repository root)
clv_regress_list() {
	make -s --no-print-directory PG_CONFIG="$CLV_PGCONFIG" -f Makefile -f - <<<'clv-print-regress: ; @echo $(REGRESS)' clv-print-regress
}

# clv_regress OUTDIR TEST...: run the pg_regress tests against the running
# cluster (PGHOST/PGPORT), each in a fresh database with the extension
# created (a test never sees another test's tables), in the order given.
# Prints pg_regress's line for each test; collects every test's output into
# ./results/ and all differences into ./regression.diffs as pg_regress
# does; writes OUTDIR/status with one "ok NAME" or "FAILED NAME" line per
# test.  Status 0 when all passed.  Run from the repository root (tests load
# data with paths relative to it).
clv_regress() {
	local out=$1 t rc=0 line
	shift
	rm -rf results regression.diffs regression.out
	mkdir -p results "$out"
	: >"$out/status"
	for t in "$@"; do
		rm -rf "${out:?}/$t"
		mkdir -p "$out/$t"
		"/usr/lib/postgresql/$CLV_PGVER/lib/pgxs/src/test/regress/pg_regress" --inputdir=. --outputdir="$out/$t" \
			--bindir="$CLV_BINDIR" --load-extension=clv --dbname=contrib_regression "$t" </dev/null >"$out/$t/log" 2>&1
		# "test NAME ... ok   12 ms" (PostgreSQL 15) or TAP "ok 1 - NAME   12 ms" (16+)
		line=$(grep -E "^((test|    ) +|(not )?ok +[0-9]+ +[-+] +)$t( |\$)" "$out/$t/log" | head -n 1)
		if [ -n "$line" ] && printf '%s\n' "$line" | grep -Eq "^(test +$t +\.\.\. +ok|ok +[0-9]+ +[-+] +$t( |\$))"; then
			echo "ok $t" >>"$out/status"
		else
			echo "FAILED $t" >>"$out/status"
			rc=1
		fi
		if [ -n "$line" ]; then echo "$line"; else echo "test $t: pg_regress did not run it:"; cat "$out/$t/log"; fi
		cp -r "$out/$t/results/." results/ 2>/dev/null
		[ -f "$out/$t/regression.diffs" ] && cat "$out/$t/regression.diffs" >>regression.diffs
		[ -f "$out/$t/regression.out" ] && cat "$out/$t/regression.out" >>regression.out
	done
	return $rc
}

# Unset libpq variables that would point the scripts at another server
clv_clean_env() {
	local v
	for v in $(compgen -e); do
		case "$v" in
		PGHOST|PGHOSTADDR|PGPORT|PGUSER|PGDATABASE|PGPASSWORD|PGPASSFILE|PGSERVICE|PGSERVICEFILE|PGOPTIONS|PGSSLMODE|PGREQUIRESSL|PGTARGETSESSIONATTRS|PGCONNECT_TIMEOUT|PGAPPNAME|PGDATA)
			unset "$v" ;;
		esac
	done
}

# The public datasets (the CDNOW sample and summaries, donations, and
# external/; see their README.md) are third-party files and never in the
# repository: $CLV_DATA_DIR when set, else ../shared/data beside the
# repository root.  The pg_regress tests find them the same way
# (test/lib/data.psql); tests and stages that need them skip with one line
# where they are missing.
clv_data_dir() {
	echo "${CLV_DATA_DIR:-${CLV_ROOT:-$PWD}/../shared/data}"
}

clv_have_data() {
	[ -r "$(clv_data_dir)/cdnow_sample_orders.csv" ]
}
