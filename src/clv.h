/*-------------------------------------------------------------------------
 *
 * clv.h
 *	  The header every C file of clv includes: the shared modules (customer
 *	  keys, exact money, order times, the state plumbing and the state
 *	  engine) and the state-memory limit.
 *
 * The layers (docs/design.md):
 *	SQL objects (the fragments in sql/install)
 *	  -> aggregates, accessors and table functions (summary_agg.c,
 *		 horizon.c, cohort*.c, the model files)
 *	  -> state types (summary.c, ...), each a ClvEntrySpec and a flat form
 *	  -> the state engine: custtab.c (per-customer tables), stateio.c
 *		 (text and binary forms, argument types, expanded states)
 *	  -> keys.c, money.c, ordertime.c
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_H
#define CLV_H

#include "postgres.h"

#include "compat.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/timestamp.h"

#include "keys.h"
#include "money.h"
#include "ordertime.h"
#include "stateio.h"
#include "custtab.h"

/* ----------------------------------------------------------------
 * GUCs (registered in clv.c)
 * ----------------------------------------------------------------
 */

/* clv.max_state_memory, in kilobytes: upper bound of one aggregate state */
extern int	clv_max_state_memory_kb;

/*
 * Check that an aggregate state of "newsize" bytes stays under
 * clv.max_state_memory; raise 54000 (program_limit_exceeded) with a hint
 * otherwise.  "what" names the aggregate for the message.
 */
extern void clv_check_state_memory(Size newsize, const char *what);

#endif							/* CLV_H */
