/*-------------------------------------------------------------------------
 *
 * cohort.h
 *	  The cohort state (cohort_state.c) as the cohort table (cohort_table.c)
 *	  sees it: build a state row by row, and read its customer-periods in
 *	  canonical order.
 *
 * Definitions (see docs/readme/cohort.md):
 *
 *	- A row is an order when its amount is >= 0, and a refund when its
 *	  amount is < 0.  Rows with a NULL customer, time or amount are ignored.
 *	- The period of a row is the calendar period of its local time in the
 *	  state's time zone (calendar.h).
 *	- A customer-period is one customer in one period with at least one
 *	  row; the state keeps, for each, the number of orders and the net
 *	  revenue (the sum of all amounts, exactly), because merging two states
 *	  can move a customer's cohort earlier.
 *	- The last period observed is the period of the latest row (order or
 *	  refund) of any customer.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_COHORT_H
#define CLV_COHORT_H

#include "clv.h"
#include "calendar.h"

#define COHORT_TYPNAME		"clv_cohort_state"

/*
 * One customer-period: an entry of the state engine keyed by (customer,
 * period).  40 bytes.
 */
typedef struct CohortEntry
{
	int64		keyref;			/* CLV_ENTRY_KEYREF (custtab.h) */
	int64		period;			/* CLV_ENTRY_SUBKEY: period index */
	int64		orders;			/* rows with amount >= 0 */
	int128		revenue;		/* sum of the amounts, times 10^scale */
} CohortEntry;

/* The part of a state that is not per customer-period */
typedef struct CohortHead
{
	ClvPeriod	period;
	const char *tzname;			/* as given; compared case-insensitively */
	ClvKeyKind	keykind;
	int32		scale;			/* revenues are scaled by 10^scale */
	int32		dscale;			/* display scale of the amounts */
	bool		hasrows;		/* any row was added */
	int32		lastperiod;		/* if hasrows */
} CohortHead;

/* A read-only view of a state: its head and its entries, canonical order */
typedef struct CohortView
{
	CohortHead	head;
	ClvFlatTab	flat;
} CohortView;

typedef struct CohortState CohortState;

/*
 * A new expanded state in its own memory context under "parent"; the zone
 * name must have been checked (a calendar resolved it)
 */
extern CohortState *clv_cohort_create(MemoryContext parent, ClvPeriod period,
									  const char *tzname);

/*
 * Add one row (non-NULL, validated) whose period index is "period" (found
 * with a calendar of the state's period and zone)
 */
extern void clv_cohort_add(CohortState *s, const ClvKey *key, ClvKeyKind kind,
						   int32 period, const ClvMoney *amount);

/* Free a state made by clv_cohort_create */
extern void clv_cohort_free(CohortState *s);

/* A read-only datum of an expanded state */
extern Datum clv_cohort_datum(CohortState *s);

/* Bytes an expanded state holds (its memory context and children) */
extern Size clv_cohort_memory(CohortState *s);

/*
 * The view of a state datum: a flat value of this version, a value stored
 * by clv 0.2.0 (converted), or an expanded state (flattened into the
 * current memory context)
 */
extern void clv_cohort_view(Datum d, CohortView *v);

/* Write the cohort table of a view into fcinfo's materialized result */
extern void clv_cohort_emit_table(FunctionCallInfo fcinfo, const CohortView *v);

#endif							/* CLV_COHORT_H */
