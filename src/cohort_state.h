/*-------------------------------------------------------------------------
 *
 * cohort_state.h
 *	  The clv_cohort_state type as its own files see it: the state
 *	  (cohort_state.c), its binary and text forms (cohort_io.c) and its
 *	  aggregates (cohort_agg.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_COHORT_STATE_H
#define CLV_COHORT_STATE_H

#include "cohort.h"

/* Binary form versions: 1 (clv 0.2.0, read only) and 2 */
#define COHORT_VERSION_V1	1
#define COHORT_VERSION		2

/* The entries of a cohort state (keyed by customer and period) */
extern const ClvEntrySpec clv_cohort_spec;

/* A flat value of this version (layout in cohort_state.c) */
typedef struct CohortFlat CohortFlat;

/*
 * A new flat value in the current memory context with head h and the
 * entries of t (in canonical order, each (customer, period) once)
 */
extern Datum clv_cohort_flat_build(const CohortHead *h, const ClvFlatTab *t);

/*
 * Read and check a binary form of either version: a new flat value in the
 * current memory context (cohort_io.c)
 */
extern Datum clv_cohort_recv(StringInfo buf);

/*
 * The period and zone every row and state of one aggregate call must have,
 * and the call site (with its generation) that resolved them: a state is
 * compared with them once per call site and generation
 */
typedef struct CohortParams
{
	ClvPeriod	period;
	const char *tzname;
	uint32		tzlen;
	const void *site;
	uint64		generation;
} CohortParams;

/* One row, converted (CohortRow.period: see calendar.h) */
typedef struct CohortRow
{
	ClvKey		key;
	ClvKeyKind	kind;
	int32		period;
	ClvMoney	amount;
} CohortRow;

/* The state a transition function updates (see clv_cohort_target) */
typedef struct CohortTarget
{
	CohortState *state;			/* expanded, or NULL */
	CohortFlat *flat;			/* small and flat, if not expanded */
	bool		mine;			/* flat is the transition value itself */
	MemoryContext aggcontext;
} CohortTarget;

/*
 * The state of a transition (NULL for none yet) checked against the
 * parameters of the call (22023), ready for a row; then
 * clv_cohort_target_add adds the row (or none: row NULL) and returns the
 * new transition value.  Small states stay flat values (updated in place
 * when possible), larger ones become expanded objects.
 */
extern void clv_cohort_target(Datum state, bool isnull, const CohortParams *prm,
							  MemoryContext aggcontext, CohortTarget *t);
extern Datum clv_cohort_target_add(CohortTarget *t, const CohortRow *row);

/* Merge state b into state a (anull: none yet): the new transition value */
extern Datum clv_cohort_merge(Datum a, bool anull, Datum b, MemoryContext aggcontext);

#endif							/* CLV_COHORT_STATE_H */
