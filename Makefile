# clv: customer lifetime value for PostgreSQL (PGXS build)
#
# The version lives here and in clv.control (default_version); `make check-version`
# verifies they agree.  The install script sql/clv--$(EXTVERSION).sql is generated
# from the ordered fragments in sql/install/.

EXTENSION    = clv
EXTVERSION   = 0.1.0
MODULE_big   = clv
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA_built   = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA         = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))
PGFILEDESC   = "clv - customer lifetime value"

# pg_regress suites, one per feature (each file runs on its own: --load-extension)
REGRESS_CORE   = agg rates summary semantics parallel cdnow_core
REGRESS_COHORT = cohort cohort_errors
REGRESS_MODELS = rfm bgnbd pareto_nbd gamma_gamma predict
REGRESS_EXTRA  =
REGRESS      = $(REGRESS_CORE) $(REGRESS_COHORT) $(REGRESS_MODELS) $(REGRESS_EXTRA)
REGRESS_OPTS = --load-extension=$(EXTENSION)

PG_CONFIG   ?= pg_config
PGXS        := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

INSTALL_FRAGMENTS = $(sort $(wildcard sql/install/*.sql))

sql/$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_FRAGMENTS)
	( printf -- '-- %s--%s.sql: generated from the fragments in sql/install, do not edit\n\n' $(EXTENSION) $(EXTVERSION); \
	  printf '%s\n' '-- complain if script is sourced in psql, rather than via CREATE EXTENSION'; \
	  printf '%s\n\n' '\echo Use "CREATE EXTENSION $(EXTENSION)" to load this file. \quit'; \
	  for f in $^; do printf -- '\n-- ---- %s ----\n' "$$f"; cat "$$f"; done ) > $@

.PHONY: test demo bench check-version
# The two commands of the README: each sets up what it needs, runs on a
# throwaway cluster and cleans up after itself.
test:
	bash test/run.sh

demo:
	bash test/demo.sh

bench:
	bash test/bench/run.sh $(BENCH_ARGS)

check-version:
	@grep -q "default_version = '$(EXTVERSION)'" $(EXTENSION).control || { echo "clv.control default_version differs from EXTVERSION $(EXTVERSION)"; exit 1; }
