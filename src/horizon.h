/*-------------------------------------------------------------------------
 *
 * horizon.h
 *	  clv_horizon_state, the state of clv_agg with a horizon (the
 *	  definition of the aggregate is in horizon.c).
 *
 * State: per customer (table "custs" of HorizonCust) the first order
 * time f and up to two of the rows that fall before its window end
 * w = f + horizon; further rows are summed per (customer, order time) in
 * a second table ("rows" of HorizonRow, sub-key = time).  Rows arrive in
 * any order and an earlier first order moves the window, so the rows
 * inside the current window are kept; rows at or after w are never needed
 * again (w only moves earlier).  When an earlier first order moves w, the
 * customer's inline rows past it are dropped at once; those in the row
 * table are dropped when that table would grow (if enough windows moved
 * since its last pass), and always before the state is flattened or its
 * result computed.
 *
 * Window ends.  Computing w exactly costs a call of timestamptz_pl_interval
 * (a calendar computation in the session TimeZone); most rows are decided
 * by bounds instead: w - f lies in [lo, hi], where for a horizon of m
 * months, d days and t microseconds lo = (28 m + d - 2) days + t and
 * hi = (31 m + d + 2) days + t (a month adds 28 to 31 days, a day 24 hours
 * give or take a change of UTC offset, which is less than 2 days); in a
 * zone with a fixed UTC offset and without months, lo = hi = w - f
 * exactly.  Only rows between f + lo and f + hi need the exact w, which is
 * then kept in the customer's entry.
 *
 * Flat form (version 2): header, the customers sorted by key, the rows
 * sorted by (key, time) with key references into the same arena, the
 * arena.  Version 1 (clv 0.2.0) had the rows of each customer after one
 * another in entry order, unsorted; it is read, never written.  States of
 * at most HORIZON_SMALL_CUSTOMERS customers and HORIZON_SMALL_ROWS rows
 * stay flat while an aggregate updates them (no memory context per group).
 *
 * Files: horizon_state.c (entries, windows, the expanded state, its flat
 * form), horizon_flat.c (flat values: small states, sorted merges, the
 * result of a flat value), horizon.c (the SQL functions).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_HORIZON_H
#define CLV_HORIZON_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "pgtime.h"
#include "utils/expandeddatum.h"

#include "clv.h"

#define HORIZON_TYPNAME		"clv_horizon_state"
#define HORIZON_USE			"clv_agg(customer_id, ordered_at, amount, horizon)"
#define HORIZON_FLAT_V1		1	/* clv 0.2.0 */
#define HORIZON_FLAT_V2		2
#define HORIZON_SEND_VERSION 1
#define HORIZON_SET			0x0001	/* flags: the horizon is known */
#define HORIZON_SMALL_CUSTOMERS 16
#define HORIZON_SMALL_ROWS	64
#define NO_TIME				PG_INT64_MAX

/* A customer (32 bytes; the same in memory and in both flat versions) */
typedef struct HorizonEntry
{
	int64		keyref;
	TimestampTz first;			/* first order, NO_TIME if none yet */
	TimestampTz wend;			/* first + horizon if computed, else NO_TIME */
	uint32		head;			/* v1: number of rows; else scratch (0) */
	uint32		unused;
} HorizonEntry;

/*
 * A customer in memory (64 bytes, one cache line): the first order, the
 * cached window end, and up to two kept rows inline (time and amount at
 * the state's scale, when it fits in 64 bits); further rows, and amounts
 * that do not fit, go to the row table.  Inline rows are always inside the
 * current window: they are dropped as soon as an earlier first order moves
 * the window end before them.
 */
#define INLINE_ROWS 2

typedef struct HorizonCust
{
	int64		keyref;
	TimestampTz first;			/* first order, NO_TIME if none yet */
	TimestampTz wend;			/* first + horizon if computed, else NO_TIME */
	uint32		nin;			/* inline rows */
	uint32		nover;			/* rows put into the row table (not all
								 * need still be there) */
	TimestampTz int_t[INLINE_ROWS];
	int64		int_amount[INLINE_ROWS];
	/* final(): whether the customer qualifies, in nin's high bit */
} HorizonCust;

#define QUALIFIES_BIT 0x80000000
#define NIN(e)		((e)->nin & ~QUALIFIES_BIT)

/* The rows of a customer at one time, summed (32 bytes) */
typedef struct HorizonRow
{
	int64		keyref;
	TimestampTz t;				/* sub-key */
	int64		hi;				/* amount at the state's scale */
	uint64		lo;
} HorizonRow;

/* A row of a version 1 flat value */
typedef struct HorizonNode
{
	TimestampTz t;
	uint32		next;
	uint32		unused;
	int64		hi;
	uint64		lo;
} HorizonNode;

typedef struct HorizonFlat
{
	int32		vl_len_;
	uint8		version;		/* HORIZON_FLAT_V1 or _V2 */
	uint8		keykind;
	uint16		flags;
	uint32		nentries;		/* customers */
	int32		scale;
	int32		dscale;
	Interval	horizon;
	TimestampTz maxorder;		/* latest order; DT_NOBEGIN if none */
	uint64		nnodes;			/* rows */
	uint64		arenalen;
	/* HorizonEntry entries[nentries]; rows[nnodes]; arena */
} HorizonFlat;

#define FLAT_CUSTS(f)	((HorizonEntry *) ((char *) (f) + sizeof(HorizonFlat)))
#define FLAT_ROWS(f)	((HorizonRow *) (FLAT_CUSTS(f) + (f)->nentries))
#define FLAT_NODES(f)	((HorizonNode *) (FLAT_CUSTS(f) + (f)->nentries))
#define FLAT_ARENA(f)	((char *) (FLAT_ROWS(f) + (f)->nnodes))

/* The window of a horizon: w - f lies in [lo, hi] */
typedef struct HorizonWindow
{
	Interval	horizon;
	int64		lo;
	int64		hi;
} HorizonWindow;

/* The part of a state that is not per customer */
typedef struct HorizonHead
{
	uint16		flags;
	int32		scale;
	int32		dscale;
	Interval	horizon;
	TimestampTz maxorder;
} HorizonHead;

typedef struct HorizonState
{
	ClvStateHeader hdr;
	HorizonHead head;
	HorizonWindow		win;			/* when head.flags & HORIZON_SET */
	Size		memory;			/* bytes of both tables */
	ClvCustTab	custs;			/* HorizonCust */
	ClvCustTab	rows;			/* HorizonRow */
	ClvTabCompactor compactor;	/* of rows */
	HorizonFlat *flat;			/* between get_flat_size and flatten_into */
	HorizonFlat *flatval;		/* when not NULL, the state is this version 2
								 * flat value (head and tables unused): the
								 * result of a sorted merge, handed to nodeAgg
								 * as an expanded object so that it is not
								 * copied */
	uint64		moves;			/* first orders moved earlier since the last
								 * compaction of rows */
	int128		total;			/* final: window revenue of qualifying customers */
} HorizonState;

/* What a customer's row carries (clv_tab_push on custs) */
#define OP_ORDER	1			/* a row with amount >= 0 */
#define OP_REFUND	2			/* a row with amount < 0 */
#define OP_ROW		3			/* a row of a merged state (first set apart) */
#define OP_FIRST	4			/* a first order time of a merged state */

typedef struct CustPayload
{
	TimestampTz t;
	int64		hi;
	uint64		lo;
	int32		scale;
	int32		op;
} CustPayload;

/* What a row carries to its (customer, time) entry */
typedef struct RowPayload
{
	int64		hi;
	uint64		lo;
	int32		scale;
} RowPayload;

extern const ExpandedObjectMethods clv_horizon_methods;
extern const ClvEntrySpec clv_horizon_flatcust_spec;
extern const ClvEntrySpec clv_horizon_cust_spec;
extern const ClvEntrySpec clv_horizon_row_spec;

/* horizon_state.c */
extern void clv_horizon_cust_merge(void *dstp, const void *srcp);
extern void clv_horizon_window_init(HorizonWindow *w, const Interval *h);
extern TimestampTz clv_horizon_window_end(const HorizonWindow *w, TimestampTz first);
extern bool clv_horizon_head_set(HorizonHead *h, const Interval *iv);
extern void clv_horizon_head_init(HorizonHead *h);
extern HorizonState *clv_horizon_create(MemoryContext parent, ClvKeyKind kind, uint32 expected);
extern void clv_horizon_set_horizon(HorizonState *s, const Interval *iv);
extern void clv_horizon_set_kind(HorizonState *s, ClvKeyKind kind, bool merging);
extern void clv_horizon_add_kept_row(HorizonState *s, HorizonCust *e, TimestampTz t, int128 v);
extern void clv_horizon_apply_cust(void *arg, void *entry, bool isnew, const void *payload);
extern void clv_horizon_add_row(HorizonState *s, const ClvKey *key, TimestampTz t, const ClvMoney *m);
extern void clv_horizon_merge_flat(HorizonState *s, HorizonFlat *f);
extern HorizonState *clv_horizon_from_datum(Datum d, MemoryContext parent);
extern void clv_horizon_unflatten(HorizonState *s);
extern HorizonState *clv_horizon_mutable(Datum state, bool isnull, MemoryContext aggcontext);
extern HorizonFlat *clv_horizon_flatten(HorizonState *s);

/* horizon_flat.c */
extern void clv_horizon_check_flat_size(Size sz);
extern HorizonFlat *clv_horizon_flat_check(Datum d);
extern void clv_horizon_flat_head(const HorizonFlat *f, HorizonHead *h);
extern void clv_horizon_flat_set_head(HorizonFlat *f, const HorizonHead *h, ClvKeyKind kind);
extern HorizonFlat *clv_horizon_flat_alloc(const HorizonHead *h, ClvKeyKind kind, uint64 ncusts, uint64 nrows, uint64 arenalen);
extern Datum clv_horizon_flat_empty(void);
extern void clv_horizon_flat_tabs(HorizonFlat *f, ClvFlatTab *ct, ClvFlatTab *rt);
extern HorizonFlat *clv_horizon_flat_sorted(Datum d);
extern Datum clv_horizon_flat_add_row(HorizonFlat *f, ClvKeyKind rowkind, const Interval *iv, const ClvKey *key, TimestampTz t, const ClvMoney *m);
extern HorizonFlat *clv_horizon_flat_merge(HorizonFlat *a, HorizonFlat *b);
extern Datum clv_horizon_flat_final(HorizonFlat *f, bool *isnull);

/* Bytes of a flat value */
static inline Size
clv_horizon_flat_size(uint64 ncusts, uint64 nrows, uint64 arenalen)
{
	return sizeof(HorizonFlat) + ncusts * sizeof(HorizonEntry) + nrows * sizeof(HorizonRow) +
		arenalen;
}

/*
 * Whether time t lies before the window end of a customer with first order
 * "first"; *wend is the exact end when known (NO_TIME: not yet), and is
 * set when computed
 */
static inline bool
clv_horizon_in_window(const HorizonWindow *w, TimestampTz first, TimestampTz *wend, TimestampTz t)
{
	TimestampTz b;

	if (*wend == NO_TIME)
	{
		if (!pg_add_s64_overflow(first, w->hi, &b) && b < END_TIMESTAMP)
		{
			if (t >= b)
				return false;
			if (t < first + w->lo)
				return true;
		}
		*wend = clv_horizon_window_end(w, first);
	}
	return t < *wend;
}

/* Whether a customer with first order "first" qualifies: w <= maxorder */
static inline bool
clv_horizon_qualifies(const HorizonWindow *w, TimestampTz first, TimestampTz *wend, TimestampTz maxorder)
{
	TimestampTz b;

	if (*wend == NO_TIME)
	{
		if (!pg_add_s64_overflow(first, w->hi, &b) && b < END_TIMESTAMP)
		{
			if (b <= maxorder)
				return true;
			if (first + w->lo > maxorder)
				return false;
		}
		*wend = clv_horizon_window_end(w, first);
	}
	return *wend <= maxorder;
}

/* An amount at a given scale, rescaled to a larger one */
static inline int128
clv_horizon_rescale(int64 hi, uint64 lo, int32 from, int32 to)
{
	ClvMoney	m;

	m.value = clv_int128_join(hi, lo);
	m.scale = from;
	m.dscale = from;
	if (to > from)
		clv_money_rescale(&m, to);
	return m.value;
}


#endif							/* CLV_HORIZON_H */
