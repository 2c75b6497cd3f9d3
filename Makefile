# clv: customer lifetime value for PostgreSQL (PGXS build)
#
# Versions.  EXTVERSION is the one place the current version is written;
# clv.control's default_version, META.json and CHANGELOG.md's first heading
# must match (`make check-version`).  The install script
# sql/clv--$(EXTVERSION).sql is generated from the ordered fragments in
# sql/install/ (the living source of the SQL objects).  Released scripts are
# frozen files: sql/clv--0.1.0.sql (the install script of 0.1.0) and the
# update scripts sql/clv--A--B.sql, one per release, written by hand.  To
# release a new version X after $(EXTVERSION): add sql/clv--$(EXTVERSION)--X.sql
# to UPDATE_SCRIPTS (it must turn an updated database into exactly what a
# fresh install gives: stage 70 compares the catalogs), set PREVVERSION to
# $(EXTVERSION) and bump EXTVERSION here, in clv.control, META.json and
# CHANGELOG.md.

EXTENSION    = clv
EXTVERSION   = 0.3.0
PREVVERSION  = 0.2.0
MODULE_big   = clv
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
UPDATE_SCRIPTS = sql/$(EXTENSION)--0.1.0--0.2.0.sql sql/$(EXTENSION)--0.2.0--0.3.0.sql
DATA_built   = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA         = sql/$(EXTENSION)--0.1.0.sql $(UPDATE_SCRIPTS)
PG_CPPFLAGS  = -DCLV_VERSION=\"$(EXTVERSION)\"
PGFILEDESC   = "clv - customer lifetime value"

# pg_regress suites, one per feature.  `make test` runs each in a fresh
# database; `make installcheck` runs them all in one database on the server
# PGHOST names (PGUSER a superuser), so every file keeps its objects in a
# schema of its own and drops the roles it creates.
REGRESS_CORE   = agg rates summary semantics signatures parallel engine cdnow_core readme readme_cdnow
REGRESS_COHORT = cohort cohort_errors
REGRESS_MODELS = rfm bgnbd mbgnbd pareto_nbd gamma_gamma bgbb predict probabilities model_parameters model_units predictions refunds btyd_orders
REGRESS_GROWTH = referral acquisition growth_errors
REGRESS_EVAL   = evaluation evaluation_cdnow
REGRESS_EXTRA  = state_io bad_input privileges cancel
REGRESS      = $(REGRESS_CORE) $(REGRESS_COHORT) $(REGRESS_MODELS) $(REGRESS_GROWTH) $(REGRESS_EVAL) $(REGRESS_EXTRA)
REGRESS_OPTS = --load-extension=$(EXTENSION)

PG_CONFIG   ?= pg_config
# The harness goals install PostgreSQL themselves and pass their own
# PG_CONFIG: given alone, they need no pg_config here.
HARNESS_GOALS = test test-core demo bench check-version dist
ifneq ($(MAKECMDGOALS),)
ifeq ($(filter-out $(HARNESS_GOALS),$(MAKECMDGOALS)),)
CLV_NO_PGXS = 1
endif
endif
ifndef CLV_NO_PGXS
PGXS        := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifeq ($(PGXS),)
$(error $(PG_CONFIG) not found: install the server development package of your PostgreSQL (Debian/Ubuntu: apt-get install postgresql-server-dev-NN gcc make, NN = the server's major version) or pass PG_CONFIG=/path/to/pg_config. make demo and make test need neither)
endif
include $(PGXS)
endif

# PGXS tracks header dependencies only where PostgreSQL was configured with
# --enable-depend (Debian's packages are not): make every object (and its
# JIT bitcode) depend on every header of src/, so that editing a header
# rebuilds what includes it.
$(OBJS) $(OBJS:.o=.bc): $(wildcard src/*.h)

INSTALL_FRAGMENTS = $(sort $(wildcard sql/install/*.sql))

# Each fragment goes through sql/overloads.awk, which expands its overload
# templates ("-- @foreach" ... "-- @end"; see the script).
sql/$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_FRAGMENTS) sql/overloads.awk
	( printf -- '-- %s--%s.sql: generated from the fragments in sql/install, do not edit\n\n' $(EXTENSION) $(EXTVERSION); \
	  printf '%s\n' '-- complain if script is sourced in psql, rather than via CREATE EXTENSION'; \
	  printf '%s\n\n' '\echo Use "CREATE EXTENSION $(EXTENSION)" to load this file. \quit'; \
	  for f in $(INSTALL_FRAGMENTS); do printf -- '\n-- ---- %s ----\n' "$$f"; awk -f sql/overloads.awk "$$f" || exit 1; done ) > $@.tmp
	mv $@.tmp $@

.PHONY: test test-core demo bench check-version
# The two commands of the README: each sets up what it needs, runs on a
# throwaway cluster and cleans up after itself.
test:
	bash test/run.sh

# the suite without the optional stages that install large packages or run
# long: client drivers (JDK, Node.js, psycopg), pg_cron, fuzzing, sqlsmith,
# sanitizers and valgrind, the PostgreSQL version matrix
CORE_SKIP = clients pgcron fuzz sqlsmith sanitize versions
test-core:
	CLV_SKIP="$(CORE_SKIP)" bash test/run.sh

demo:
	bash test/demo.sh

bench:
	bash test/bench/run.sh $(BENCH_ARGS)

check-version:
	@grep -q "default_version = '$(EXTVERSION)'" $(EXTENSION).control || { echo "clv.control default_version differs from EXTVERSION $(EXTVERSION)"; exit 1; }
	@test "$$(grep -m1 '^## ' CHANGELOG.md | cut -d' ' -f2)" = "$(EXTVERSION)" || { echo "CHANGELOG.md's first heading is not $(EXTVERSION)"; exit 1; }

# ---- release tarball ----
# `make dist` writes $(DIST_ARCHIVE) (default clv-$(EXTVERSION).tar.gz): the
# source distribution for PGXN or a plain PGXS build (tar xzf it, cd into
# clv-$(EXTVERSION)/, make, make install).  It holds every file git tracks
# plus new files git does not ignore, as they are in the working tree (on a
# clean clone: exactly the commit), under the prefix clv-$(EXTVERSION)/, with
# owner, permissions and times normalized (same files, same tarball).  Build
# products and the generated install and update scripts are not in it: the
# Makefile builds them from sql/install/.  `make check-version` also checks
# META.json (its version and provides.clv.version must be EXTVERSION).
DIST_NAME     = $(EXTENSION)-$(EXTVERSION)
DIST_ARCHIVE ?= $(DIST_NAME).tar.gz

.PHONY: dist check-meta-version
check-version: check-meta-version

check-meta-version:
	@m=$$(tr -d ' \t\r\n' <META.json | sed 's/"meta-spec":{[^}]*}//' | grep -o '"version":"[^"]*"'); \
	test "$$(printf '%s\n' "$$m" | sort -u)" = '"version":"$(EXTVERSION)"' && test "$$(printf '%s\n' "$$m" | wc -l)" -ge 2 || \
	{ echo "META.json: version and provides.clv.version must be EXTVERSION $(EXTVERSION), found:" $$m; exit 1; }

dist: SHELL = /bin/bash
dist: check-version
	@git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "make dist: needs a git checkout"; exit 1; }
	@set -eo pipefail; list=$$(mktemp); trap 'rm -f "$$list"' EXIT; \
	git ls-files -z --cached --others --exclude-standard | \
	  while IFS= read -r -d '' f; do \
	    case "$$f" in $(EXTENSION)-*.tar.gz|$(EXTENSION)-*.zip) continue ;; esac; \
	    if [ -f "$$f" ] || [ -L "$$f" ]; then printf '%s\0' "$$f"; fi; \
	  done | LC_ALL=C sort -z -u >"$$list"; \
	mkdir -p "$$(dirname '$(DIST_ARCHIVE)')"; \
	tar --null --no-recursion -T "$$list" --owner=0 --group=0 --numeric-owner --mode='u+rw,go+r,go-w' \
	  --mtime="@$$(git log -1 --format=%ct 2>/dev/null || echo 0)" --transform='flags=r;s,^,$(DIST_NAME)/,' \
	  -cf - | gzip -n -9 >'$(DIST_ARCHIVE).tmp'; \
	mv '$(DIST_ARCHIVE).tmp' '$(DIST_ARCHIVE)'; \
	echo "$(DIST_ARCHIVE): $$(tr -cd '\0' <"$$list" | wc -c) files of $(DIST_NAME)"; \
	if ! git diff-index --quiet HEAD -- 2>/dev/null || [ -n "$$(git ls-files --others --exclude-standard | head -n 1)" ]; then \
	  echo "make dist: note: the tarball holds uncommitted changes or new files of the working tree"; fi
