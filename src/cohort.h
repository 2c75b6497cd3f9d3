/*-------------------------------------------------------------------------
 *
 * cohort.h
 *	  The cohort state (cohort_state.c) as the cohort table (cohort_table.c)
 *	  sees it: build a state row by row, and read its customer-periods.
 *
 * Definitions (see docs/readme/cohort.md and calendar.h):
 *
 *	- A row is an order when its amount is >= 0, and a refund when its
 *	  amount is < 0.  Rows with a NULL customer, time or amount are ignored.
 *	- A customer-period is one customer in one calendar period (calendar.h)
 *	  with at least one row; the state keeps, for each, the number of orders
 *	  and the net revenue (the sum of all amounts, exactly), because merging
 *	  two states can move a customer's cohort earlier.
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

typedef struct CohortState CohortState;

/* Create an empty state in a new memory context under "parent" */
extern CohortState *clv_cohort_create(MemoryContext parent, ClvPeriod period,
									  const char *tzname);

/* Free a state made by clv_cohort_create */
extern void clv_cohort_free(CohortState *s);

/* A read-only datum of the state (for clv_cohort_reader_init) */
extern Datum clv_cohort_datum(CohortState *s);

/*
 * Add one row (non-NULL, validated) whose period index is "period" (found
 * with a calendar of the state's period and zone).
 */
extern void clv_cohort_add(CohortState *s, const ClvKey *key, ClvKeyKind kind,
						   int32 period, const ClvMoney *amount);

/*
 * The customer-periods of a state datum (expanded or flat), read once or
 * several times in storage order without building a state.  Customers are
 * numbered 0 .. ncustomers - 1.
 */
typedef struct CohortReader
{
	ClvPeriod	period;
	int32		scale;			/* revenues are scaled by 10^scale */
	int32		dscale;			/* display scale of the amounts */
	bool		hasrows;
	int32		lastperiod;		/* if hasrows */
	uint32		ncustomers;
	uint64		npairs;
	/* private */
	const void *pairs;			/* expanded: the pair array */
	const char *data;			/* flat: the binary form */
	int			len;
	int			pairstart;		/* flat: offset of the first pair */
	void	   *header;			/* flat: its header */
	uint64		next;
	int			cursor;
} CohortReader;

/* One customer-period */
typedef struct CohortPairValue
{
	int128		revenue;
	int64		orders;
	uint32		customer;
	int32		period;
} CohortPairValue;

extern void clv_cohort_reader_init(CohortReader *r, Datum state);
extern bool clv_cohort_reader_next(CohortReader *r, CohortPairValue *p);
extern void clv_cohort_reader_rewind(CohortReader *r);

/* Write the cohort table of a reader into fcinfo's materialized result */
extern void clv_cohort_emit_table(FunctionCallInfo fcinfo, CohortReader *r);

#endif							/* CLV_COHORT_H */
