#!/usr/bin/env bash
# test/stages/95_versions.sh: the version matrix.  For each PostgreSQL major
# version of CLV_VERSIONS (default "17 18"), on the Debian release that ships
# it (17: Debian 13 "trixie"; 18: Debian "forky", the testing release):
#   - builds a minimal root filesystem with debootstrap (--variant=minbase,
#     Debian packages only, from CLV_DEBIAN_MIRROR, default
#     http://deb.debian.org/debian) and installs postgresql-N,
#     postgresql-server-dev-N, make and gcc in it with apt-get;
#   - copies the sources in (the files git tracks plus new files it does not
#     ignore, as in the working tree) and the public datasets
#     (clv_data_dir, when present) beside them as ../shared/data;
#   - builds clv there with $CLV_WARN_CFLAGS (-Wall -Wextra -Werror) against
#     that version's pg_config, and installs it (make install);
#   - starts a throwaway cluster (as postgres, Unix socket only) and runs
#     make installcheck three times in the same database: twice in the
#     Makefile's order, then in reverse order; afterwards no role named
#     regress_* and no object outside the extension may be left;
#   - on a failure prints regression.diffs.
# The versions run in parallel (downloads dominate); each reports one result
# line into the summary of test/run.sh (PASS/FAIL pgN).  /proc, /sys and a
# private /dev (tmpfs with the few device nodes needed) are mounted while a
# root filesystem is in use; on every exit (success, failure, timeout,
# Ctrl-C) every process running inside it is killed, everything mounted
# under it unmounted, and the directory removed.  Nothing is cached between
# runs.  Needs root (debootstrap, chroot, mount): as another user it reruns
# itself through passwordless sudo, else it is skipped with one line.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

CLV_VERSIONS=${CLV_VERSIONS:-17 18}
CLV_DEBIAN_MIRROR=${CLV_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# the Debian release that ships each PostgreSQL major version
suite_of() {
	case "$1" in
	17) echo trixie ;;
	18) echo forky ;;
	*) return 1 ;;
	esac
}

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		exec sudo -n env PATH="$PATH" CLV_ROOT="$CLV_ROOT" CLV_STAGE="$CLV_STAGE" CLV_TMP="$CLV_TMP" \
			CLV_RESULTS="${CLV_RESULTS:-}" CLV_DATA_DIR="$(clv_data_dir)" CLV_WARN_CFLAGS="$CLV_WARN_CFLAGS" \
			CLV_VERSIONS="$CLV_VERSIONS" CLV_DEBIAN_MIRROR="$CLV_DEBIAN_MIRROR" CLV_BINDIR="$CLV_BINDIR" \
			CLV_TREE="$CLV_TREE" bash "$0"
	fi
	clv_skip_stage "needs root or passwordless sudo (debootstrap, chroot, mount)"
fi

# result STATUS VERSION SECONDS DETAIL: one line of the summary of test/run.sh
result() {
	echo "$1 $2 $3 $4"
	[ -n "${CLV_RESULTS:-}" ] && printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$CLV_RESULTS"
	return 0
}

# ---------------------------------------------------------------- cleanup
# the mount points under DIR
mounts_under() {
	awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts
}

# kill a process and all its descendants
kill_tree() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$c"; done
	kill -KILL "$1" 2>/dev/null
	return 0
}

# release_rootfs DIR: no process running in it, nothing mounted under it
release_rootfs() {
	local i
	for i in 1 2 3; do
		clv_release_dir "$1"
		[ -z "$(mounts_under "$1")" ] && return 0
		sleep 1
	done
	echo "still mounted under $1: $(mounts_under "$1" | tr '\n' ' ')"
	return 1
}

# remove_rootfs DIR: released, then removed (never into a mount: --one-file-system)
remove_rootfs() {
	[ -d "$1" ] || return 0
	release_rootfs "$1" && rm -rf --one-file-system "$1"
}

# on every exit: stop the jobs, release every root filesystem (quick), then
# remove them (slow: test/run.sh's timeout may kill the stage meanwhile, and
# its own clean-up removes what is left)
ROOTFS=()
JOBS=()
cleanup_all() {
	local p d
	for p in "${JOBS[@]}"; do kill_tree "$p"; done
	for d in "${ROOTFS[@]}"; do [ -d "$d" ] && release_rootfs "$d"; done
	for d in "${ROOTFS[@]}"; do remove_rootfs "$d"; done
}
clv_on_exit cleanup_all

# ---------------------------------------------------------------- one version
# mount_fs R: /proc, /sys and a private /dev for the chroot R
mount_fs() {
	local r=$1
	mount -t proc clv-proc "$r/proc" &&
		mount -t sysfs clv-sys "$r/sys" &&
		mount -t tmpfs -o mode=755,size=16m clv-dev "$r/dev" || return 1
	mknod -m 666 "$r/dev/null" c 1 3 && mknod -m 666 "$r/dev/zero" c 1 5 &&
		mknod -m 666 "$r/dev/full" c 1 7 && mknod -m 666 "$r/dev/random" c 1 8 &&
		mknod -m 666 "$r/dev/urandom" c 1 9 && mknod -m 666 "$r/dev/tty" c 5 0 || return 1
	mkdir -m 1777 "$r/dev/shm" && mkdir -m 755 "$r/dev/pts" &&
		ln -s /proc/self/fd "$r/dev/fd" && ln -s /proc/self/fd/0 "$r/dev/stdin" &&
		ln -s /proc/self/fd/1 "$r/dev/stdout" && ln -s /proc/self/fd/2 "$r/dev/stderr"
}

# copy_sources DEST: the files of the source tree (git's view when it has one)
copy_sources() {
	mkdir -p "$1"
	if git -C "$CLV_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$CLV_ROOT" && git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
			tar --null -T - -cf -) | tar -xf - -C "$1"
	else
		(cd "$CLV_ROOT" && tar --exclude=./results --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
			--exclude=./regression.diffs --exclude=./regression.out -cf - .) | tar -xf - -C "$1"
	fi
}

# write_chroot_script FILE: the script run inside the chroot as root
# (arguments: version, CFLAGS)
write_chroot_script() {
	cat >"$1" <<-'EOF'
	set -u
	v=$1
	pgc=/usr/lib/postgresql/$v/bin/pg_config
	bindir=/usr/lib/postgresql/$v/bin
	cd /build/clv || exit 1
	echo "-- $(. /etc/os-release && echo "$PRETTY_NAME"), $($pgc --version), $(gcc --version | head -n 1)"
	echo "-- build: make PG_CFLAGS=\"$2\""
	make -s PG_CONFIG=$pgc PG_CFLAGS="$2" || { echo "BUILD FAILED"; exit 1; }
	make -s PG_CONFIG=$pgc install >/dev/null || { echo "MAKE INSTALL FAILED"; exit 1; }
	chown -R postgres /build
	mkdir -p /run/clv && chown postgres /run/clv
	as_pg() { runuser -u postgres -- env PGHOST=/run/clv PGUSER=postgres "$@"; }
	as_pg $bindir/initdb --no-sync -D /run/clv/data -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/run/clv/initdb.log 2>&1 ||
		{ cat /run/clv/initdb.log; echo "INITDB FAILED"; exit 1; }
	as_pg $bindir/pg_ctl -D /run/clv/data -o "-c listen_addresses= -c unix_socket_directories=/run/clv -c fsync=off" \
		-l /run/clv/server.log -w -t 60 start >/dev/null || { cat /run/clv/server.log; echo "SERVER START FAILED"; exit 1; }
	rc=0
	regress=$(make -s --no-print-directory PG_CONFIG=$pgc -f Makefile -f - <<<'clv-print-regress: ; @echo $(REGRESS)' clv-print-regress)
	reversed=$(printf '%s\n' $regress | tac | tr '\n' ' ')
	for run in 1 2 3; do
		order="the Makefile's order"
		list=$regress
		[ $run = 3 ] && { order="reverse order"; list=$reversed; }
		if as_pg make -s --no-print-directory PG_CONFIG=$pgc installcheck REGRESS="$list" >/run/clv/ic$run.log 2>&1; then
			echo "-- make installcheck, run $run ($order): $(grep -E 'tests passed|All [0-9]+ tests' /run/clv/ic$run.log | sed 's/^[# ]*//; s/ *$//')"
		else
			echo "-- make installcheck, run $run ($order): INSTALLCHECK FAILED"
			cat /run/clv/ic$run.log
			[ -f regression.diffs ] && { echo "-- regression.diffs (first 400 lines)"; head -n 400 regression.diffs; }
			rc=1
			break
		fi
	done
	# nothing left: no role regress*, no schema but public, no relation,
	# function or type in public that is not the extension's
	if [ $rc = 0 ]; then
		left=$(as_pg $bindir/psql -X -At -v ON_ERROR_STOP=1 -d contrib_regression <<-'SQL' 2>&1
			SELECT string_agg(x, ', ') FROM (
				SELECT 'role ' || rolname AS x FROM pg_roles WHERE rolname LIKE 'regress%'
				UNION ALL
				SELECT 'schema ' || nspname FROM pg_namespace
				WHERE nspname NOT IN ('public', 'information_schema') AND nspname NOT LIKE 'pg\_%'
				UNION ALL
				SELECT pg_describe_object(classid, objid, 0) FROM (
					SELECT 'pg_class'::regclass, oid, relnamespace FROM pg_class
					UNION ALL SELECT 'pg_proc'::regclass, oid, pronamespace FROM pg_proc
					UNION ALL SELECT 'pg_type'::regclass, oid, typnamespace FROM pg_type
						WHERE typrelid = 0 AND typelem = 0) o(classid, objid, nsp)
				WHERE nsp = 'public'::regnamespace
				  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = o.classid AND d.objid = o.objid
								  AND d.deptype IN ('e', 'i', 'a'))) l
		SQL
		)
		if [ $? != 0 ] || [ -n "$left" ]; then
			echo "-- LEFT BEHIND after make installcheck: $left"
			rc=1
		else
			echo "-- nothing left behind (roles, schemas, relations, functions, types)"
		fi
	fi
	as_pg $bindir/pg_ctl -D /run/clv/data -m fast -w -t 30 stop >/dev/null 2>&1 ||
		as_pg $bindir/pg_ctl -D /run/clv/data -m immediate stop >/dev/null 2>&1
	exit $rc
	EOF
}

# run_version V LOG: the whole matrix entry for PostgreSQL V, output into LOG
run_version() {
	local v=$1 suite r script apt_opts=() t0 t
	suite=$(suite_of "$v") || { echo "no Debian release known for PostgreSQL $v"; return 1; }
	r=$CLV_TMP/rootfs-$v
	t0=$(date +%s)
	# debootstrap knows the releases of its own time; a newer one uses sid's script
	script=/usr/share/debootstrap/scripts/$suite
	[ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
	echo "-- debootstrap --variant=minbase $suite ($CLV_DEBIAN_MIRROR)"
	debootstrap --variant=minbase "$suite" "$r" "$CLV_DEBIAN_MIRROR" "$script" >"$CLV_TMP/debootstrap-$v.log" 2>&1 ||
		{ tail -n 30 "$CLV_TMP/debootstrap-$v.log"; echo "DEBOOTSTRAP FAILED"; return 1; }
	echo "   $(($(date +%s) - t0))s"
	printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$r/etc/hosts"
	cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null
	# no service starts, no cluster created by the packages
	printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d" && chmod 755 "$r/usr/sbin/policy-rc.d"
	mkdir -p "$r/etc/postgresql-common"
	echo 'create_main_cluster = false' >"$r/etc/postgresql-common/createcluster.conf"
	# the testing release's Release file may be past its Valid-Until
	[ "$suite" = forky ] && echo 'Acquire::Check-Valid-Until "false";' >"$r/etc/apt/apt.conf.d/99clv-valid-until"
	mount_fs "$r" || { echo "MOUNT FAILED"; return 1; }
	echo "-- apt-get install postgresql-$v postgresql-server-dev-$v make gcc"
	t=$(date +%s)
	chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
		sh -c "apt-get -q update && apt-get -q -y install --no-install-recommends postgresql-$v postgresql-server-dev-$v make gcc" \
		>"$CLV_TMP/apt-$v.log" 2>&1 </dev/null ||
		{ tail -n 30 "$CLV_TMP/apt-$v.log"; echo "APT-GET FAILED"; return 1; }
	echo "   $(($(date +%s) - t))s, $(grep -c '^Setting up' "$CLV_TMP/apt-$v.log") packages"
	copy_sources "$r/build/clv" || { echo "COPY FAILED"; return 1; }
	if clv_have_data; then
		mkdir -p "$r/build/shared" && cp -r "$(clv_data_dir)/." "$r/build/shared/data/"
	else
		echo "-- no public datasets in $(clv_data_dir): the tests that need them are skipped"
	fi
	write_chroot_script "$r/build/run.sh"
	# builds and tests one version at a time: the timing tests (cancel) want
	# the cores; the downloads before overlap
	echo "-- build and test"
	t=$(date +%s)
	flock "$CLV_TMP/.build.lock" chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root \
		bash /build/run.sh "$v" "$CLV_WARN_CFLAGS" </dev/null || return 1
	echo "   build and tests $(($(date +%s) - t))s (with any wait for the other version)"
}

# ---------------------------------------------------------------- run
clv_check "debootstrap installed" clv_apt_install debootstrap || clv_stage_done
echo "versions: PostgreSQL $CLV_VERSIONS (in parallel); mirror $CLV_DEBIAN_MIRROR"
declare -A pid start
for v in $CLV_VERSIONS; do
	ROOTFS+=("$CLV_TMP/rootfs-$v")
	start[$v]=$(date +%s)
	run_version "$v" >"$CLV_TMP/pg$v.log" 2>&1 &
	pid[$v]=$!
	JOBS+=("${pid[$v]}")
done
for v in $CLV_VERSIONS; do
	wait "${pid[$v]}"
	rc=$?
	secs=$(($(date +%s) - ${start[$v]}))
	echo "================ PostgreSQL $v ($(suite_of "$v"))"
	cat "$CLV_TMP/pg$v.log"
	remove_rootfs "$CLV_TMP/rootfs-$v"
	if [ $rc = 0 ]; then
		CLV_CHECKS_OK=$((CLV_CHECKS_OK + 1))
		result PASS "pg$v" "$secs" "$(sed -n 's/^-- \(Debian[^,]*\), \(PostgreSQL [0-9.]*\).*/\2 on \1/p' "$CLV_TMP/pg$v.log" | head -n 1): -Werror, installcheck x3"
	else
		CLV_CHECKS_FAILED=$((CLV_CHECKS_FAILED + 1))
		result FAIL "pg$v" "$secs" "$(grep -E 'FAILED|LEFT BEHIND' "$CLV_TMP/pg$v.log" | head -n 1 | sed 's/^-- //' | cut -c1-70)"
	fi
done
clv_stage_done
