/*-------------------------------------------------------------------------
 *
 * horizon.c
 *	  clv_agg(customer_id, ordered_at, amount, horizon): average revenue per
 *	  customer in the first `horizon` after their first order, over the
 *	  customers observed for at least `horizon`; and its state type
 *	  clv_horizon_state.
 *
 * Definition: for customer i with first order at f_i, the window revenue
 * is the sum of the customer's amounts (orders and refunds) with
 * ordered_at < f_i + horizon (interval arithmetic, as timestamptz + interval
 * in the session TimeZone).  Observation ends at E, the latest order in the
 * group.  Customer i qualifies when f_i + horizon <= E.  The result is the
 * mean window revenue over qualifying customers, NULL when none qualifies.
 *
 * State: per customer the first order time f (table "custs" of
 * HorizonEntry) and the rows that may fall before its window end
 * w = f + horizon, summed per (customer, order time) (table "rows" of
 * HorizonRow, sub-key = time).  Rows arrive in any order and an earlier
 * first order moves the window, so rows inside the current window are
 * kept; rows at or after w are never needed again (w only moves earlier).
 * Rows that an earlier first order put out of the window are dropped when
 * the row table would grow, and always before the state is flattened or
 * its result computed.
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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

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
typedef struct Window
{
	Interval	horizon;
	int64		lo;
	int64		hi;
} Window;

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
	Window		win;			/* when head.flags & HORIZON_SET */
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

static Size HorizonGetFlatSize(ExpandedObjectHeader *eohptr);
static void HorizonFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods horizon_methods =
{
	HorizonGetFlatSize,
	HorizonFlattenInto
};

/* ----------------------------------------------------------------
 * Entries
 * ----------------------------------------------------------------
 */

pg_noreturn static void
AmountOverflow(void)
{
	clv_money_overflow();
}

static void
CustInit(void *entry)
{
	HorizonEntry *e = (HorizonEntry *) entry;

	e->first = NO_TIME;
	e->wend = NO_TIME;
}

static void
MemCustInit(void *entry)
{
	HorizonCust *e = (HorizonCust *) entry;

	e->first = NO_TIME;
	e->wend = NO_TIME;
}

/* The earlier first order of two entries of a customer (flat entries) */
static void
CustMerge(void *dstp, const void *srcp)
{
	HorizonEntry *dst = (HorizonEntry *) dstp;
	const HorizonEntry *src = (const HorizonEntry *) srcp;

	if (src->first != NO_TIME && (dst->first == NO_TIME || src->first < dst->first))
	{
		dst->first = src->first;
		dst->wend = src->wend;
	}
}

/* Merges of tables of customers go through rows (StateMergeFlat), never here */
static void
MemCustMerge(void *dstp, const void *srcp)
{
	elog(ERROR, "horizon customers are not merged entry by entry");
}

/* The sum of two entries of a (customer, time), at one scale */
static void
RowMerge(void *dstp, const void *srcp)
{
	HorizonRow *dst = (HorizonRow *) dstp;
	const HorizonRow *src = (const HorizonRow *) srcp;
	int128		v;

	if (__builtin_add_overflow(clv_int128_join(dst->hi, dst->lo),
							   clv_int128_join(src->hi, src->lo), &v))
		AmountOverflow();
	dst->hi = clv_int128_hi(v);
	dst->lo = clv_int128_lo(v);
}

static const ClvEntrySpec cust_spec = {
	.typname = HORIZON_TYPNAME,
	.memname = "clv_agg",
	.entrysize = sizeof(HorizonEntry),
	.subkeyed = false,
	.init = CustInit,
	.merge = CustMerge
};

/* The customers of an expanded state */
static const ClvEntrySpec memcust_spec = {
	.typname = HORIZON_TYPNAME,
	.memname = "clv_agg",
	.entrysize = sizeof(HorizonCust),
	.subkeyed = false,
	.init = MemCustInit,
	.merge = MemCustMerge
};

static const ClvEntrySpec row_spec = {
	.typname = HORIZON_TYPNAME,
	.memname = "clv_agg",
	.entrysize = sizeof(HorizonRow),
	.subkeyed = true,
	.init = NULL,
	.merge = RowMerge
};

/* ----------------------------------------------------------------
 * Windows
 * ----------------------------------------------------------------
 */

static int64
ClampUsec(int128 v)
{
	return v < 0 ? 0 : v > PG_INT64_MAX ? PG_INT64_MAX : (int64) v;
}

/* The bounds of w - f for a horizon (see the file header) */
static void
WindowInit(Window *w, const Interval *h)
{
	long		gmtoff;

	w->horizon = *h;
	if (h->month == 0 && pg_get_timezone_offset(session_timezone, &gmtoff))
		w->lo = w->hi = ClampUsec((int128) h->day * USECS_PER_DAY + h->time);
	else
	{
		w->lo = ClampUsec(((int128) h->month * 28 + h->day - 2) * USECS_PER_DAY + h->time);
		w->hi = ClampUsec(((int128) h->month * 31 + h->day + 2) * USECS_PER_DAY + h->time);
	}
}

/* The exact window end of a first order */
static TimestampTz
WindowEnd(const Window *w, TimestampTz first)
{
	TimestampTz r;

	if (w->lo == w->hi && !pg_add_s64_overflow(first, w->lo, &r) && IS_VALID_TIMESTAMP(r))
		return r;
	r = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												TimestampTzGetDatum(first),
												PointerGetDatum(&w->horizon)));
	if (TIMESTAMP_NOT_FINITE(r))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("first order plus horizon is out of range")));
	return r;
}

/*
 * Whether time t lies before the window end of a customer with first order
 * "first"; *wend is the exact end when known (NO_TIME: not yet), and is
 * set when computed
 */
static inline bool
InWindow(const Window *w, TimestampTz first, TimestampTz *wend, TimestampTz t)
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
		*wend = WindowEnd(w, first);
	}
	return t < *wend;
}

/* Whether a customer with first order "first" qualifies: w <= maxorder */
static inline bool
Qualifies(const Window *w, TimestampTz first, TimestampTz *wend, TimestampTz maxorder)
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
		*wend = WindowEnd(w, first);
	}
	return *wend <= maxorder;
}

/* Set the horizon of a state, or check that it is the same */
static bool
HeadSetHorizon(HorizonHead *h, const Interval *iv)
{
	if (h->flags & HORIZON_SET)
	{
		if (h->horizon.month != iv->month || h->horizon.day != iv->day ||
			h->horizon.time != iv->time)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("horizon must be the same for all rows of a group")));
		return false;
	}
	if (iv->month < 0 || iv->day < 0 || iv->time < 0 ||
		(iv->month == 0 && iv->day == 0 && iv->time == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be positive"),
				 errdetail("The horizon was %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out, PointerGetDatum(iv))))));
	h->horizon = *iv;
	h->flags |= HORIZON_SET;
	return true;
}

/* An amount at a given scale, rescaled to a larger one */
static inline int128
Rescale(int64 hi, uint64 lo, int32 from, int32 to)
{
	ClvMoney	m;

	m.value = clv_int128_join(hi, lo);
	m.scale = from;
	m.dscale = from;
	if (to > from)
		clv_money_rescale(&m, to);
	return m.value;
}

/* ----------------------------------------------------------------
 * The expanded state
 * ----------------------------------------------------------------
 */

static void ApplyCust(void *arg, void *entry, bool isnew, const void *payload);
static void ApplyRow(void *arg, void *entry, bool isnew, const void *payload);
static bool RowKeep(void *arg, const void *entry);
static void RowPrefetch(void *arg, const void *entry);
static bool RowCompactWorth(void *arg, const ClvCustTab *t);

static void
HeadInit(HorizonHead *h)
{
	memset(h, 0, sizeof(HorizonHead));
	h->maxorder = DT_NOBEGIN;
}

/* An empty state under "parent" */
static HorizonState *
HorizonCreate(MemoryContext parent, ClvKeyKind kind, uint32 expected)
{
	HorizonState *s = clv_state_create(sizeof(HorizonState), &horizon_methods, parent,
									   HORIZON_TYPNAME);
	MemoryContext cxt = s->hdr.eoh.eoh_context;

	HeadInit(&s->head);
	clv_tab_init(&s->custs, &memcust_spec, cxt, kind, expected, &s->memory);
	clv_tab_init(&s->rows, &row_spec, cxt, kind, 0, &s->memory);
	clv_tab_batch_init(&s->custs, sizeof(CustPayload), ApplyCust, s);
	clv_tab_batch_init(&s->rows, sizeof(RowPayload), ApplyRow, s);
	s->compactor.worth = RowCompactWorth;
	s->compactor.prefetch = RowPrefetch;
	s->compactor.keep = RowKeep;
	s->compactor.arg = s;
	clv_tab_set_compactor(&s->rows, &s->compactor);
	return s;
}

static void
StateSetHorizon(HorizonState *s, const Interval *iv)
{
	if (HeadSetHorizon(&s->head, iv))
		WindowInit(&s->win, &s->head.horizon);
}

static void
StateSetKind(HorizonState *s, ClvKeyKind kind, bool merging)
{
	clv_tab_set_kind(&s->custs, kind, merging);
	s->rows.kind = s->custs.kind;
}

/* Push a row into the row table of a state */
static void
PushOverflowRow(HorizonState *s, HorizonCust *e, const ClvKey *key, TimestampTz t, int128 v)
{
	RowPayload *rp = clv_tab_push(&s->rows, key, t);

	rp->hi = clv_int128_hi(v);
	rp->lo = clv_int128_lo(v);
	rp->scale = s->head.scale;
	clv_tab_pushed(&s->rows);
	e->nover++;
}

/* Raise the state's scale, rescaling every row (inline or not) */
static void
RaiseScale(HorizonState *s, int32 scale)
{
	uint32		pos = 0;
	HorizonRow *r;
	HorizonCust *e;
	int32		from = s->head.scale;

	if (scale <= from)
		return;
	clv_tab_flush(&s->custs);
	clv_tab_flush(&s->rows);
	while ((r = clv_tab_next(&s->rows, &pos)) != NULL)
	{
		int128		v = Rescale(r->hi, r->lo, from, scale);

		r->hi = clv_int128_hi(v);
		r->lo = clv_int128_lo(v);
		if ((pos & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	s->head.scale = scale;
	pos = 0;
	while ((e = clv_tab_next(&s->custs, &pos)) != NULL)
	{
		uint32		i = 0;

		while (i < NIN(e))
		{
			int128		v = Rescale(e->int_amount[i] >> 63, (uint64) e->int_amount[i], from, scale);

			if (v == (int128) (int64) v)
			{
				e->int_amount[i++] = (int64) v;
				continue;
			}
			/* no longer fits inline: to the row table */
			{
				ClvKey		key;

				clv_tab_entry_key(&s->custs, e, &key);
				key.hash = clv_key_hash(s->custs.kind, &key);
				PushOverflowRow(s, e, &key, e->int_t[i], v);
			}
			e->nin--;
			e->int_t[i] = e->int_t[NIN(e)];
			e->int_amount[i] = e->int_amount[NIN(e)];
		}
		if ((pos & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/* Merge the header of a flat value or row into the state's */
static void
StateMergeHead(HorizonState *s, const HorizonHead *h)
{
	if (h->flags & HORIZON_SET)
		StateSetHorizon(s, &h->horizon);
	if (h->maxorder != DT_NOBEGIN && h->maxorder > s->head.maxorder)
		s->head.maxorder = h->maxorder;
	RaiseScale(s, h->scale);
	if (h->dscale > s->head.dscale)
		s->head.dscale = h->dscale;
}

/* The key of a customer entry, hashed */
static inline void
CustKey(HorizonState *s, const HorizonCust *e, ClvKey *key)
{
	clv_tab_entry_key(&s->custs, e, key);
	key->hash = clv_key_hash(s->custs.kind, key);
}

/*
 * Keep a row inside the window of customer e: with an inline row of the
 * same time, or in a free inline slot, or in the row table
 */
static void
AddKeptRow(HorizonState *s, HorizonCust *e, TimestampTz t, int128 v)
{
	uint32		i;
	ClvKey		key;

	for (i = 0; i < NIN(e); i++)
		if (e->int_t[i] == t)
		{
			int128		sum = (int128) e->int_amount[i] + v;

			if (sum == (int128) (int64) sum)
			{
				e->int_amount[i] = (int64) sum;
				return;
			}
			break;
		}
	if (i == NIN(e) && i < INLINE_ROWS && v == (int128) (int64) v)
	{
		e->int_t[i] = t;
		e->int_amount[i] = (int64) v;
		e->nin++;
		return;
	}
	CustKey(s, e, &key);
	PushOverflowRow(s, e, &key, t, v);
}

/* A new first order: drop the inline rows now past the window */
static void
SetFirst(HorizonState *s, HorizonCust *e, TimestampTz first)
{
	uint32		i = 0;

	if (e->first != NO_TIME && e->nover > 0)
		s->moves++;				/* rows in the row table may have left it */
	e->first = first;
	e->wend = NO_TIME;
	while (i < NIN(e))
	{
		if (InWindow(&s->win, first, &e->wend, e->int_t[i]))
		{
			i++;
			continue;
		}
		e->nin--;
		e->int_t[i] = e->int_t[NIN(e)];
		e->int_amount[i] = e->int_amount[NIN(e)];
	}
}

/* Apply a row to its customer: first order, and keep the row if inside */
static void
ApplyCust(void *arg, void *entry, bool isnew, const void *payload)
{
	HorizonState *s = (HorizonState *) arg;
	HorizonCust *e = (HorizonCust *) entry;
	const CustPayload *p = (const CustPayload *) payload;

	if ((p->op == OP_ORDER || p->op == OP_FIRST) && p->t != NO_TIME &&
		(e->first == NO_TIME || p->t < e->first))
		SetFirst(s, e, p->t);
	if (p->op == OP_FIRST)
		return;
	if (e->first != NO_TIME && !InWindow(&s->win, e->first, &e->wend, p->t))
		return;
	AddKeptRow(s, e, p->t, Rescale(p->hi, p->lo, p->scale, s->head.scale));
}

/* Add a kept row to its (customer, time) */
static void
ApplyRow(void *arg, void *entry, bool isnew, const void *payload)
{
	HorizonState *s = (HorizonState *) arg;
	HorizonRow *r = (HorizonRow *) entry;
	const RowPayload *p = (const RowPayload *) payload;
	int128		v;

	if (__builtin_add_overflow(clv_int128_join(r->hi, r->lo),
							   Rescale(p->hi, p->lo, p->scale, s->head.scale), &v))
		AmountOverflow();
	r->hi = clv_int128_hi(v);
	r->lo = clv_int128_lo(v);
}

/* The customer entry of a row (no buffered rows applied) */
static inline HorizonCust *
RowCust(HorizonState *s, const HorizonRow *r)
{
	ClvKey		key;

	clv_tab_entry_key(&s->rows, r, &key);
	key.hash = clv_key_hash(s->rows.kind, &key);
	return (HorizonCust *) clv_tab_find_noflush(&s->custs, &key, 0);
}

/*
 * Before the row table grows: a pass over it is worth it when first orders
 * moved earlier for an eighth as many customers as there are rows (only
 * then can rows have left their window)
 */
static bool
RowCompactWorth(void *arg, const ClvCustTab *t)
{
	HorizonState *s = (HorizonState *) arg;

	if (s->moves * 8 < t->nentries)
		return false;
	s->moves = 0;
	return true;
}

/* Prefetch the customer of a row (for RowKeep) */
static void
RowPrefetch(void *arg, const void *entry)
{
	HorizonState *s = (HorizonState *) arg;
	ClvKey		key;

	clv_tab_entry_key(&s->rows, entry, &key);
	key.hash = clv_key_hash(s->rows.kind, &key);
	clv_tab_prefetch(&s->custs, &key, 0);
}

/* Before the row table grows: drop the rows certainly past their window */
static bool
RowKeep(void *arg, const void *entry)
{
	HorizonState *s = (HorizonState *) arg;
	const HorizonRow *r = (const HorizonRow *) entry;
	HorizonCust *e = RowCust(s, r);
	TimestampTz b;

	if (e == NULL || e->first == NO_TIME)
		return true;
	if (e->wend != NO_TIME)
		return r->t < e->wend;
	return pg_add_s64_overflow(e->first, s->win.hi, &b) || r->t < b;
}

/* Exactly: the rows inside their window (the window ends may be computed) */
static bool
RowKeepExact(void *arg, const void *entry)
{
	HorizonState *s = (HorizonState *) arg;
	const HorizonRow *r = (const HorizonRow *) entry;
	HorizonCust *e = RowCust(s, r);

	if (e == NULL || e->first == NO_TIME)
		return true;
	return InWindow(&s->win, e->first, &e->wend, r->t);
}

/* Add one order or refund to an expanded state */
static void
StateAddRow(HorizonState *s, const ClvKey *key, TimestampTz t, const ClvMoney *m)
{
	CustPayload *p;
	bool		is_order = clv_money_sign(m) >= 0;

	if (unlikely(m->scale > s->head.scale))
		RaiseScale(s, m->scale);
	if (m->dscale > s->head.dscale)
		s->head.dscale = m->dscale;
	if (is_order && t > s->head.maxorder)
		s->head.maxorder = t;
	p = clv_tab_push(&s->custs, key, 0);
	p->t = t;
	p->hi = clv_int128_hi(m->value);
	p->lo = clv_int128_lo(m->value);
	p->scale = m->scale;
	p->op = is_order ? OP_ORDER : OP_REFUND;
	clv_tab_pushed(&s->custs);
}

/* ----------------------------------------------------------------
 * Flat values
 * ----------------------------------------------------------------
 */

static inline Size
FlatSize(uint64 ncusts, uint64 nrows, uint64 arenalen)
{
	return sizeof(HorizonFlat) + ncusts * sizeof(HorizonEntry) + nrows * sizeof(HorizonRow) +
		arenalen;
}

static void
CheckFlatSize(Size sz)
{
	if (sz > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("clv_horizon_state is too large to store as one value"),
				 errhint("Use a shorter horizon or group the input.")));
}

/* Validate a flat value of either version */
static HorizonFlat *
HorizonFlatCheck(Datum d)
{
	HorizonFlat *f = (HorizonFlat *) PG_DETOAST_DATUM(d);

	if (VARSIZE(f) < sizeof(HorizonFlat) ||
		(f->version != HORIZON_FLAT_V1 && f->version != HORIZON_FLAT_V2) ||
		f->keykind > CLV_KEY_TEXT ||
		VARSIZE(f) != FlatSize(f->nentries, f->nnodes, f->arenalen))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid clv_horizon_state value")));
	return f;
}

static void
FlatHead(const HorizonFlat *f, HorizonHead *h)
{
	h->flags = f->flags;
	h->scale = f->scale;
	h->dscale = f->dscale;
	h->horizon = f->horizon;
	h->maxorder = f->maxorder;
}

static void
FlatSetHead(HorizonFlat *f, const HorizonHead *h, ClvKeyKind kind)
{
	f->keykind = (uint8) kind;
	f->flags = h->flags;
	f->scale = h->scale;
	f->dscale = h->dscale;
	f->horizon = h->horizon;
	f->maxorder = h->maxorder;
}

/* A new version 2 flat value of the given sizes, header filled in */
static HorizonFlat *
FlatAlloc(const HorizonHead *h, ClvKeyKind kind, uint64 ncusts, uint64 nrows, uint64 arenalen)
{
	Size		sz = FlatSize(ncusts, nrows, arenalen);
	HorizonFlat *f;

	CheckFlatSize(sz);
	f = palloc_extended(sz, MCXT_ALLOC_HUGE);
	memset(f, 0, sizeof(HorizonFlat));
	SET_VARSIZE(f, sz);
	f->version = HORIZON_FLAT_V2;
	f->nentries = (uint32) ncusts;
	f->nnodes = nrows;
	f->arenalen = arenalen;
	FlatSetHead(f, h, kind);
	return f;
}

static Datum
FlatEmpty(void)
{
	HorizonHead h;

	HeadInit(&h);
	return PointerGetDatum(FlatAlloc(&h, CLV_KEY_NONE, 0, 0, 0));
}

/* The customers and rows of a version 2 flat value as flat tables */
static void
FlatTabs(HorizonFlat *f, ClvFlatTab *ct, ClvFlatTab *rt)
{
	clv_flat_init(ct, &cust_spec, (ClvKeyKind) f->keykind, f->nentries,
				  (char *) FLAT_CUSTS(f), FLAT_ARENA(f), f->arenalen);
	clv_flat_init(rt, &row_spec, (ClvKeyKind) f->keykind, (uint32) f->nnodes,
				  (char *) FLAT_ROWS(f), FLAT_ARENA(f), f->arenalen);
}

/* Push one row of a merged flat value into a state */
static inline void
PushFlatRow(HorizonState *s, const ClvKey *key, int op, TimestampTz t, int64 hi, uint64 lo,
			int32 scale)
{
	CustPayload *p = clv_tab_push(&s->custs, key, 0);

	p->t = t;
	p->hi = hi;
	p->lo = lo;
	p->scale = scale;
	p->op = op;
	clv_tab_pushed(&s->custs);
}

/*
 * Merge a flat value (either version) into an expanded state: per
 * customer its first order (which creates the customer), then its rows
 */
static void
StateMergeFlat(HorizonState *s, HorizonFlat *f)
{
	HorizonHead h;
	const char *arena = FLAT_ARENA(f);
	uint64		k = 0;
	uint32		i;

	FlatHead(f, &h);
	StateMergeHead(s, &h);
	if (f->nentries == 0)
		return;
	StateSetKind(s, (ClvKeyKind) f->keykind, true);
	for (i = 0; i < f->nentries; i++)
	{
		const HorizonEntry *fe = &FLAT_CUSTS(f)[i];
		ClvKey		key;

		clv_key_from_ref((ClvKeyKind) f->keykind, fe->keyref, arena, &key);
		PushFlatRow(s, &key, OP_FIRST, fe->first, 0, 0, 0);
		if (f->version == HORIZON_FLAT_V1)
		{
			/* its rows are the next fe->head nodes */
			uint32		c;

			for (c = 0; c < fe->head && k < f->nnodes; c++, k++)
			{
				const HorizonNode *n = &FLAT_NODES(f)[k];

				PushFlatRow(s, &key, OP_ROW, n->t, n->hi, n->lo, f->scale);
			}
		}
		else
		{
			/* its rows are the next rows of its key reference */
			for (; k < f->nnodes && FLAT_ROWS(f)[k].keyref == fe->keyref; k++)
			{
				const HorizonRow *r = &FLAT_ROWS(f)[k];

				PushFlatRow(s, &key, OP_ROW, r->t, r->hi, r->lo, f->scale);
			}
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/* The state behind a datum: expanded, or a flat value expanded under parent */
static HorizonState *
StateFromDatum(Datum d, MemoryContext parent)
{
	HorizonState *s = (HorizonState *) clv_state_expanded(d, &horizon_methods, HORIZON_TYPNAME);
	HorizonFlat *f;

	if (s && s->flatval == NULL)
		return s;
	f = s ? s->flatval : HorizonFlatCheck(d);
	s = HorizonCreate(parent, (ClvKeyKind) f->keykind, f->nentries);
	StateMergeFlat(s, f);
	return s;
}

/* Make a state that holds a flat value an ordinary one */
static void
StateUnflatten(HorizonState *s)
{
	HorizonFlat *f = s->flatval;

	s->flatval = NULL;
	StateSetKind(s, (ClvKeyKind) f->keykind, true);
	StateMergeFlat(s, f);
	pfree(f);
}

/*
 * The aggregate's state as a mutable expanded object in aggcontext: the
 * state itself when the aggregate owns it, else a new one holding a copy
 */
static HorizonState *
StateMutable(Datum state, bool isnull, MemoryContext aggcontext)
{
	HorizonState *s;

	if (isnull)
		return HorizonCreate(aggcontext, CLV_KEY_NONE, 0);
	if (clv_state_is_mutable(state, &horizon_methods, aggcontext))
	{
		s = (HorizonState *) clv_state_eohp(state);
		if (s->flatval)
			StateUnflatten(s);
		return s;
	}
	/* detoasting flattens any other expanded value */
	s = HorizonCreate(aggcontext, CLV_KEY_NONE, 0);
	StateMergeFlat(s, HorizonFlatCheck(state));
	return s;
}

/* ----------------------------------------------------------------
 * Flattening
 *
 * The customers and the rows inside their windows, each table in
 * canonical order; the rows' key references point into the customers'
 * arena.  A customer's window end is written when it was computed (else
 * NO_TIME): it is a cache, not part of the value.
 * ----------------------------------------------------------------
 */

/* The rows of the customers, in order: inline rows and the row table's */
typedef struct RowWalk
{
	HorizonState *s;
	char	   *custs;			/* customers, flattened (HorizonCust) */
	uint32		ncusts;
	char	   *arena;			/* their keys */
	HorizonRow *over;			/* the row table, flattened */
	uint32		nover;
	char	   *overarena;
} RowWalk;

/* Inline rows of a customer, by time */
static void
SortedInline(const HorizonCust *e, int *order)
{
	order[0] = 0;
	order[1] = 1;
	if (NIN(e) == 2 && e->int_t[1] < e->int_t[0])
	{
		order[0] = 1;
		order[1] = 0;
	}
}

/*
 * Count (out == NULL) or write the rows of every customer, merging its
 * inline rows with its rows of the row table (rows at one time summed)
 */
static uint64
WalkRows(RowWalk *w, HorizonRow *out)
{
	ClvKeyKind	kind = w->s->custs.kind;
	uint64		n = 0;
	uint32		k = 0;
	uint32		i;

	for (i = 0; i < w->ncusts; i++)
	{
		const HorizonCust *e = (const HorizonCust *) (w->custs + (Size) i * sizeof(HorizonCust));
		ClvKey		ck;
		int			order[INLINE_ROWS];
		uint32		j = 0;
		uint32		end;

		clv_key_from_ref(kind, e->keyref, w->arena, &ck);
		/* this customer's run of the row table */
		for (end = k; end < w->nover; end++)
		{
			ClvKey		rk;

			clv_key_from_ref(kind, w->over[end].keyref, w->overarena, &rk);
			if (clv_key_cmp(kind, &ck, &rk) != 0)
				break;
		}
		SortedInline(e, order);
		while (j < NIN(e) || k < end)
		{
			TimestampTz t;
			int128		v = 0;

			if (j < NIN(e) && (k >= end || e->int_t[order[j]] <= w->over[k].t))
				t = e->int_t[order[j]];
			else
				t = w->over[k].t;
			if (j < NIN(e) && e->int_t[order[j]] == t)
				v += e->int_amount[order[j++]];
			if (k < end && w->over[k].t == t)
			{
				if (__builtin_add_overflow(v, clv_int128_join(w->over[k].hi, w->over[k].lo), &v))
					AmountOverflow();
				k++;
			}
			if (out)
			{
				out[n].keyref = e->keyref;
				out[n].t = t;
				out[n].hi = clv_int128_hi(v);
				out[n].lo = clv_int128_lo(v);
			}
			n++;
		}
		k = end;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return n;
}

/*
 * Build the flat form (cached until HorizonFlattenInto copies it): the
 * customers and the rows inside their windows, each table in canonical
 * order; the rows' key references point into the customers' arena.  A
 * customer's window end is written when it was computed (else NO_TIME):
 * it is a cache, not part of the value.
 */
static HorizonFlat *
BuildFlat(HorizonState *s)
{
	RowWalk		w;
	uint32		n;
	uint64		arenalen,
				overarena,
				nrows;
	uint32		i;
	HorizonFlat *f;

	clv_tab_flush(&s->custs);
	clv_tab_flush(&s->rows);
	clv_tab_filter(&s->rows, RowKeepExact, s);
	memset(&w, 0, sizeof(w));
	w.s = s;
	clv_tab_flat_sizes(&s->custs, &n, &arenalen);
	w.ncusts = n;
	w.custs = palloc_extended((Size) Max(n, 1) * sizeof(HorizonCust), MCXT_ALLOC_HUGE);
	w.arena = arenalen > 0 ? palloc_extended(arenalen, MCXT_ALLOC_HUGE) : NULL;
	clv_tab_flatten(&s->custs, w.custs, w.arena);
	clv_tab_flat_sizes(&s->rows, &w.nover, &overarena);
	w.over = palloc_extended((Size) Max(w.nover, 1) * sizeof(HorizonRow), MCXT_ALLOC_HUGE);
	w.overarena = overarena > 0 ? palloc_extended(overarena, MCXT_ALLOC_HUGE) : NULL;
	clv_tab_flatten(&s->rows, (char *) w.over, w.overarena);

	nrows = WalkRows(&w, NULL);
	f = FlatAlloc(&s->head, s->custs.kind, n, nrows, arenalen);
	for (i = 0; i < n; i++)
	{
		const HorizonCust *e = (const HorizonCust *) (w.custs + (Size) i * sizeof(HorizonCust));
		HorizonEntry *fe = &FLAT_CUSTS(f)[i];

		fe->keyref = e->keyref;
		fe->first = e->first;
		fe->wend = e->wend;
		fe->head = 0;
		fe->unused = 0;
	}
	(void) WalkRows(&w, FLAT_ROWS(f));
	if (arenalen > 0)
		memcpy(FLAT_ARENA(f), w.arena, arenalen);
	pfree(w.custs);
	pfree(w.over);
	if (w.arena)
		pfree(w.arena);
	if (w.overarena)
		pfree(w.overarena);
	return f;
}

static Size
HorizonGetFlatSize(ExpandedObjectHeader *eohptr)
{
	HorizonState *s = (HorizonState *) eohptr;
	MemoryContext old;

	if (s->flatval)
		return VARSIZE(s->flatval);
	old = MemoryContextSwitchTo(s->hdr.eoh.eoh_context);
	if (s->flat)
		pfree(s->flat);
	s->flat = BuildFlat(s);
	MemoryContextSwitchTo(old);
	return VARSIZE(s->flat);
}

static void
HorizonFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	HorizonState *s = (HorizonState *) eohptr;

	if (s->flatval)
	{
		Assert(allocated_size == VARSIZE(s->flatval));
		memcpy(result, s->flatval, allocated_size);
		return;
	}
	if (s->flat == NULL)
		(void) HorizonGetFlatSize(eohptr);
	Assert(allocated_size == VARSIZE(s->flat));
	memcpy(result, s->flat, allocated_size);
	pfree(s->flat);
	s->flat = NULL;
}

/* The flat form of a state, in the current memory context */
static HorizonFlat *
StateFlatten(HorizonState *s)
{
	Size		sz = HorizonGetFlatSize(&s->hdr.eoh);
	void	   *flat = palloc_extended(sz, MCXT_ALLOC_HUGE);

	HorizonFlattenInto(&s->hdr.eoh, flat, sz);
	return (HorizonFlat *) flat;
}

/* A datum as a version 2 flat value (sorted): flattened, or itself */
static HorizonFlat *
FlatSorted(Datum d)
{
	HorizonState *s = (HorizonState *) clv_state_expanded(d, &horizon_methods, HORIZON_TYPNAME);
	HorizonFlat *f;
	MemoryContext tmp;
	MemoryContext old;

	if (s && s->flatval)
		return s->flatval;
	if (s)
		return StateFlatten(s);
	f = HorizonFlatCheck(d);
	if (f->version == HORIZON_FLAT_V2)
		return f;
	/* a version 1 value: put it in order through a scratch state */
	tmp = AllocSetContextCreate(CurrentMemoryContext, "clv_horizon_state sort",
								ALLOCSET_DEFAULT_SIZES);
	s = StateFromDatum(PointerGetDatum(f), tmp);
	old = MemoryContextSwitchTo(MemoryContextGetParent(tmp));
	f = StateFlatten(s);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	return f;
}

/* ----------------------------------------------------------------
 * Small states: flat values updated in place
 * ----------------------------------------------------------------
 */

/* The run of rows of customer entry c in a version 2 flat value: [*lo, *hi) */
static void
CustRows(HorizonFlat *f, const HorizonEntry *c, uint32 *lo, uint32 *hi)
{
	ClvFlatTab ct,
				rt;
	ClvKey		key;
	bool		found;

	FlatTabs(f, &ct, &rt);
	clv_key_from_ref(ct.kind, c->keyref, ct.arena, &key);
	*lo = clv_flat_search(&rt, &key, PG_INT64_MIN, &found);
	*hi = *lo;
	while (*hi < rt.nentries && FLAT_ROWS(f)[*hi].keyref == c->keyref)
		(*hi)++;
}

/*
 * Add a row to a small version 2 flat state.  Returns the resulting datum
 * (f, changed in place, or a new value), or (Datum) 0 when the state must
 * be expanded: it is too large for the row, or of version 1.  Whatever was
 * changed in f then is also what adding the row to the expanded state
 * does, so that adding it again there is right.
 */
static Datum
FlatAddRow(HorizonFlat *f, ClvKeyKind rowkind, const Interval *iv, const ClvKey *key,
		   TimestampTz t, const ClvMoney *m)
{
	HorizonHead h;
	ClvKeyKind	kind;
	Window		w;
	ClvFlatTab	ct,
				rt;
	HorizonEntry *c;
	uint32		pos,
				rpos;
	bool		found;
	bool		is_order = clv_money_sign(m) >= 0;
	int128		amount;
	HorizonFlat *g;
	HorizonRow *r;

	if (f->version != HORIZON_FLAT_V2)
		return (Datum) 0;
	FlatHead(f, &h);
	HeadSetHorizon(&h, iv);
	kind = clv_row_kind(&cust_spec, (ClvKeyKind) f->keykind, f->nentries, rowkind);
	WindowInit(&w, &h.horizon);
	if (m->scale > h.scale)
	{
		uint64		i;

		for (i = 0; i < f->nnodes; i++)
		{
			HorizonRow *ri = &FLAT_ROWS(f)[i];
			int128		v = Rescale(ri->hi, ri->lo, h.scale, m->scale);

			ri->hi = clv_int128_hi(v);
			ri->lo = clv_int128_lo(v);
		}
		h.scale = m->scale;
	}
	if (m->dscale > h.dscale)
		h.dscale = m->dscale;
	if (is_order && t > h.maxorder)
		h.maxorder = t;
	FlatSetHead(f, &h, kind);
	amount = Rescale(clv_int128_hi(m->value), clv_int128_lo(m->value), m->scale, h.scale);

	FlatTabs(f, &ct, &rt);
	pos = clv_flat_search(&ct, key, 0, &found);
	if (!found)
	{
		TimestampTz wend = NO_TIME;
		uint64		keybytes = clv_key_arena_bytes(kind, key->len);
		HorizonEntry *nc;

		/* a new customer: its row is kept (the window starts at it) */
		if (f->nentries >= HORIZON_SMALL_CUSTOMERS || f->nnodes >= HORIZON_SMALL_ROWS)
			return (Datum) 0;
		if (is_order)
			(void) InWindow(&w, t, &wend, t);	/* the errors of an out-of-range end */
		rpos = clv_flat_search(&rt, key, t, &found);
		g = FlatAlloc(&h, kind, f->nentries + 1, f->nnodes + 1, f->arenalen + keybytes);
		nc = clv_flat_insert(&ct, &cust_spec, pos, key, 0, (char *) FLAT_CUSTS(g), FLAT_ARENA(g));
		if (is_order)
		{
			nc->first = t;
			nc->wend = wend;
		}
		/* the rows' references into the arena are the same in g */
		r = clv_flat_insert_ref(&rt, &row_spec, rpos, nc->keyref, t, (char *) FLAT_ROWS(g));
		r->hi = clv_int128_hi(amount);
		r->lo = clv_int128_lo(amount);
		return PointerGetDatum(g);
	}

	c = &FLAT_CUSTS(f)[pos];
	if (is_order && (c->first == NO_TIME || t < c->first))
	{
		uint32		lo,
					hi,
					cut;

		/* an earlier first order: drop the rows now past the window */
		c->first = t;
		c->wend = NO_TIME;
		CustRows(f, c, &lo, &hi);
		for (cut = lo; cut < hi; cut++)
			if (!InWindow(&w, c->first, &c->wend, FLAT_ROWS(f)[cut].t))
				break;
		if (cut < hi)
		{
			memmove(&FLAT_ROWS(f)[cut], &FLAT_ROWS(f)[hi],
					(f->nnodes - hi) * sizeof(HorizonRow) + f->arenalen);
			f->nnodes -= hi - cut;
			SET_VARSIZE(f, FlatSize(f->nentries, f->nnodes, f->arenalen));
			FlatTabs(f, &ct, &rt);
		}
	}
	if (c->first != NO_TIME && !InWindow(&w, c->first, &c->wend, t))
		return PointerGetDatum(f);	/* past the window: not kept */
	rpos = clv_flat_search(&rt, key, t, &found);
	if (found)
	{
		int128		v;

		r = &FLAT_ROWS(f)[rpos];
		if (__builtin_add_overflow(clv_int128_join(r->hi, r->lo), amount, &v))
			AmountOverflow();
		r->hi = clv_int128_hi(v);
		r->lo = clv_int128_lo(v);
		return PointerGetDatum(f);
	}
	if (f->nnodes >= HORIZON_SMALL_ROWS)
		return (Datum) 0;
	g = FlatAlloc(&h, kind, f->nentries, f->nnodes + 1, f->arenalen);
	memcpy(FLAT_CUSTS(g), FLAT_CUSTS(f), f->nentries * sizeof(HorizonEntry));
	if (f->arenalen > 0)
		memcpy(FLAT_ARENA(g), FLAT_ARENA(f), f->arenalen);
	r = clv_flat_insert_ref(&rt, &row_spec, rpos, c->keyref, t, (char *) FLAT_ROWS(g));
	r->hi = clv_int128_hi(amount);
	r->lo = clv_int128_lo(amount);
	return PointerGetDatum(g);
}

/* ----------------------------------------------------------------
 * Aggregate support functions
 * ----------------------------------------------------------------
 */

/*
 * clv_horizon_accum(state, customer_id, ordered_at, amount, horizon)
 */
PG_FUNCTION_INFO_V1(clv_horizon_accum);
Datum
clv_horizon_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = clv_agg_context(fcinfo, "clv_horizon_accum", HORIZON_USE);
	ClvArgTypes *types = clv_arg_types(fcinfo, 1, 2, 3);
	Interval   *iv;
	ClvKey		key;
	TimestampTz t;
	ClvMoney	m;
	HorizonState *s;
	Datum		result;

	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("horizon must not be null")));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	iv = PG_GETARG_INTERVAL_P(4);

	/* a large state: expanded, updated in place */
	if (!PG_ARGISNULL(0) && clv_state_is_mutable(PG_GETARG_DATUM(0), &horizon_methods, aggcontext))
	{
		s = (HorizonState *) clv_state_eohp(PG_GETARG_DATUM(0));
		if (unlikely(s->flatval != NULL))
			StateUnflatten(s);
		StateSetHorizon(s, iv);
		t = clv_time_from_datum(PG_GETARG_DATUM(2), types->timetype);
		clv_money_from_datum(PG_GETARG_DATUM(3), types->amountkind, &m);
		if (unlikely(s->custs.kind != types->keykind))
			StateSetKind(s, types->keykind, false);
		clv_key_from_datum(PG_GETARG_DATUM(1), types->keytype, types->keykind, &key);
		StateAddRow(s, &key, t, &m);
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}

	if (PG_ARGISNULL(0) || !VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		/* a small flat state (or none yet) */
		HorizonFlat *f = PG_ARGISNULL(0) ? (HorizonFlat *) DatumGetPointer(FlatEmpty()) :
			HorizonFlatCheck(PG_GETARG_DATUM(0));
		HorizonHead h;

		/* the checks of the expanded path, in its order */
		FlatHead(f, &h);
		HeadSetHorizon(&h, iv);
		t = clv_time_from_datum(PG_GETARG_DATUM(2), types->timetype);
		clv_money_from_datum(PG_GETARG_DATUM(3), types->amountkind, &m);
		clv_key_from_datum(PG_GETARG_DATUM(1), types->keytype, types->keykind, &key);
		result = FlatAddRow(f, types->keykind, iv, &key, t, &m);
		if (result != (Datum) 0)
			PG_RETURN_DATUM(result);
		s = StateMutable(PointerGetDatum(f), false, aggcontext);
	}
	else
	{
		s = StateMutable(PG_GETARG_DATUM(0), false, aggcontext);
		StateSetHorizon(s, iv);
		t = clv_time_from_datum(PG_GETARG_DATUM(2), types->timetype);
		clv_money_from_datum(PG_GETARG_DATUM(3), types->amountkind, &m);
		clv_key_from_datum(PG_GETARG_DATUM(1), types->keytype, types->keykind, &key);
	}
	StateSetHorizon(s, iv);
	StateSetKind(s, types->keykind, false);
	StateAddRow(s, &key, t, &m);
	PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr.eoh));
}

/*
 * Merge two version 2 flat values in one sequential pass: count (out NULL)
 * or write the customers (each key once, the earlier first order), and per
 * customer its rows of both (rows at one time summed, amounts at the larger
 * scale) that lie inside its merged window.  Returns the number of rows;
 * *ncusts and *arenalen get the other sizes.
 */
static uint64
MergeFlats(HorizonFlat *a, HorizonFlat *b, const Window *w, int32 scale, HorizonFlat *out,
		   uint32 *ncusts, uint64 *arenalen)
{
	ClvFlatTab	ca,
				ra,
				cb,
				rb;
	uint32		i = 0,
				j = 0;
	uint64		ka = 0,
				kb = 0;
	uint64		nrows = 0;
	uint32		nc = 0;
	uint64		alen = 0;
	ClvKeyKind	kind = a->keykind != CLV_KEY_NONE ? (ClvKeyKind) a->keykind : (ClvKeyKind) b->keykind;

	FlatTabs(a, &ca, &ra);
	FlatTabs(b, &cb, &rb);
	ca.kind = ra.kind = cb.kind = rb.kind = kind;
	while (i < a->nentries || j < b->nentries)
	{
		int			c;
		HorizonEntry m;
		uint64		enda = ka,
					endb = kb;
		ClvKey		key;

		if (i >= a->nentries)
			c = 1;
		else if (j >= b->nentries)
			c = -1;
		else
			c = clv_flat_cmp(&ca, i, &cb, j);
		m = c <= 0 ? FLAT_CUSTS(a)[i] : FLAT_CUSTS(b)[j];
		if (c == 0)
			CustMerge(&m, &FLAT_CUSTS(b)[j]);
		if (c <= 0)
		{
			clv_flat_key(&ca, i, &key);
			while (enda < a->nnodes && FLAT_ROWS(a)[enda].keyref == FLAT_CUSTS(a)[i].keyref)
				enda++;
		}
		else
			clv_flat_key(&cb, j, &key);
		if (c >= 0)
			while (endb < b->nnodes && FLAT_ROWS(b)[endb].keyref == FLAT_CUSTS(b)[j].keyref)
				endb++;
		m.head = 0;
		m.unused = 0;
		if (out)
		{
			m.keyref = kind == CLV_KEY_INT8 ? key.ival :
				clv_key_arena_put(FLAT_ARENA(out), &alen, &key);
			FLAT_CUSTS(out)[nc] = m;
		}
		else if (kind != CLV_KEY_INT8)
			alen += clv_key_arena_bytes(kind, key.len);
		nc++;

		/* the rows of both runs by time, summed, inside the window */
		while (ka < enda || kb < endb)
		{
			TimestampTz t;
			int128		v = 0;

			if (ka < enda && (kb >= endb || FLAT_ROWS(a)[ka].t <= FLAT_ROWS(b)[kb].t))
				t = FLAT_ROWS(a)[ka].t;
			else
				t = FLAT_ROWS(b)[kb].t;
			if (ka < enda && FLAT_ROWS(a)[ka].t == t)
			{
				v = Rescale(FLAT_ROWS(a)[ka].hi, FLAT_ROWS(a)[ka].lo, a->scale, scale);
				ka++;
			}
			if (kb < endb && FLAT_ROWS(b)[kb].t == t)
			{
				if (__builtin_add_overflow(v, Rescale(FLAT_ROWS(b)[kb].hi, FLAT_ROWS(b)[kb].lo,
													  b->scale, scale), &v))
					AmountOverflow();
				kb++;
			}
			if (m.first != NO_TIME && !InWindow(w, m.first, &m.wend, t))
				continue;
			if (out)
			{
				HorizonRow *r = &FLAT_ROWS(out)[nrows];

				r->keyref = m.keyref;
				r->t = t;
				r->hi = clv_int128_hi(v);
				r->lo = clv_int128_lo(v);
			}
			nrows++;
		}
		ka = enda;
		kb = endb;
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		if ((nc & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	*ncusts = nc;
	*arenalen = alen;
	return nrows;
}

/* The merge of two version 2 flat values, in the current memory context */
static HorizonFlat *
FlatMerge(HorizonFlat *a, HorizonFlat *b)
{
	HorizonHead h,
				hb;
	Window		w;
	uint32		n;
	uint64		arenalen,
				nrows;
	HorizonFlat *f;
	ClvKeyKind	kind;

	FlatHead(a, &h);
	FlatHead(b, &hb);
	kind = clv_merge_kinds(&cust_spec, (ClvKeyKind) a->keykind, (ClvKeyKind) b->keykind);
	if (hb.flags & HORIZON_SET)
		HeadSetHorizon(&h, &hb.horizon);
	if (hb.maxorder != DT_NOBEGIN && hb.maxorder > h.maxorder)
		h.maxorder = hb.maxorder;
	h.scale = Max(h.scale, hb.scale);
	h.dscale = Max(h.dscale, hb.dscale);
	if (h.flags & HORIZON_SET)
		WindowInit(&w, &h.horizon);
	else
		memset(&w, 0, sizeof(w));
	nrows = MergeFlats(a, b, &w, h.scale, NULL, &n, &arenalen);
	f = FlatAlloc(&h, kind, n, nrows, arenalen);
	(void) MergeFlats(a, b, &w, h.scale, f, &n, &arenalen);
	return f;
}

/*
 * clv_horizon_combine(state, state): combine function.  Two flat states
 * of comparable size (the partial states of parallel workers) are merged
 * in one sequential pass into a flat value that nodeAgg gets as an
 * expanded object; else the input goes into the state's tables.
 */
static Datum
HorizonCombine(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext = clv_agg_context(fcinfo, "clv_horizon_combine", HORIZON_USE);
	HorizonState *s = NULL;
	HorizonFlat *in;
	HorizonFlat *a = NULL;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));	/* nodeAgg copies it */
	/* detoasting flattens an expanded input */
	in = HorizonFlatCheck(PG_GETARG_DATUM(1));
	if (clv_state_is_mutable(PG_GETARG_DATUM(0), &horizon_methods, aggcontext))
	{
		s = (HorizonState *) clv_state_eohp(PG_GETARG_DATUM(0));
		a = s->flatval;
	}
	else if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(PG_GETARG_DATUM(0))))
		a = HorizonFlatCheck(PG_GETARG_DATUM(0));
	if (a && a->version == HORIZON_FLAT_V2 && in->version == HORIZON_FLAT_V2 &&
		(uint64) in->nentries * 8 >= a->nentries)
	{
		MemoryContext old;
		HorizonFlat *prev = s ? s->flatval : NULL;

		if (s == NULL)
			s = HorizonCreate(aggcontext, CLV_KEY_NONE, 0);
		old = MemoryContextSwitchTo(s->hdr.eoh.eoh_context);
		s->flatval = FlatMerge(a, in);
		MemoryContextSwitchTo(old);
		if (prev)
			pfree(prev);
		PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr.eoh));
	}
	s = StateMutable(PG_GETARG_DATUM(0), false, aggcontext);
	StateMergeFlat(s, in);
	PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr.eoh));
}

PG_FUNCTION_INFO_V1(clv_horizon_combine);
Datum
clv_horizon_combine(PG_FUNCTION_ARGS)
{
	return HorizonCombine(fcinfo);
}

/* The C name of clv_horizon_combine in clv 0.2.0, for its catalog entries */
PG_FUNCTION_INFO_V1(clv_horizon_merge);
Datum
clv_horizon_merge(PG_FUNCTION_ARGS)
{
	return HorizonCombine(fcinfo);
}

/* Add a row's amount to the total if its customer qualifies and it is inside */
static void
ApplyFinal(void *arg, void *entry, bool isnew, const void *payload)
{
	HorizonState *s = (HorizonState *) arg;
	HorizonCust *e = (HorizonCust *) entry;
	const CustPayload *p = (const CustPayload *) payload;

	if ((e->nin & QUALIFIES_BIT) && InWindow(&s->win, e->first, &e->wend, p->t) &&
		__builtin_add_overflow(s->total, clv_int128_join(p->hi, p->lo), &s->total))
		AmountOverflow();
}

/* The result of a version 2 flat value, in one pass */
static Datum
FlatFinal(HorizonFlat *f, bool *isnull)
{
	Window		w;
	ClvMoney	total;
	int64		qualifying = 0;
	uint64		k = 0;
	uint32		i;

	if (f->flags & HORIZON_SET)
		WindowInit(&w, &f->horizon);
	total.value = 0;
	total.scale = f->scale;
	total.dscale = f->dscale;
	for (i = 0; i < f->nentries; i++)
	{
		HorizonEntry e = FLAT_CUSTS(f)[i];
		bool		q = e.first != NO_TIME && Qualifies(&w, e.first, &e.wend, f->maxorder);

		qualifying += q;
		for (; k < f->nnodes && FLAT_ROWS(f)[k].keyref == e.keyref; k++)
			if (q && InWindow(&w, e.first, &e.wend, FLAT_ROWS(f)[k].t) &&
				__builtin_add_overflow(total.value,
									   clv_int128_join(FLAT_ROWS(f)[k].hi, FLAT_ROWS(f)[k].lo),
									   &total.value))
				AmountOverflow();
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	*isnull = qualifying == 0;
	if (qualifying == 0)
		return (Datum) 0;
	return clv_money_div_count(&total, qualifying);
}

/* clv_horizon_final(state): mean window revenue of qualifying customers */
PG_FUNCTION_INFO_V1(clv_horizon_final);
Datum
clv_horizon_final(PG_FUNCTION_ARGS)
{
	HorizonState *s;
	HorizonCust *e;
	HorizonRow *r;
	ClvMoney	total;
	int64		qualifying = 0;
	uint32		pos = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (HorizonState *) clv_state_expanded(PG_GETARG_DATUM(0), &horizon_methods, HORIZON_TYPNAME);
	if (s == NULL || s->flatval)
	{
		HorizonFlat *f = s ? s->flatval : HorizonFlatCheck(PG_GETARG_DATUM(0));

		if (f->version == HORIZON_FLAT_V2)
		{
			bool		isnull;
			Datum		result = FlatFinal(f, &isnull);

			if (isnull)
				PG_RETURN_NULL();
			PG_RETURN_DATUM(result);
		}
	}
	s = StateFromDatum(PG_GETARG_DATUM(0), CurrentMemoryContext);
	clv_tab_flush(&s->custs);
	clv_tab_flush(&s->rows);

	/* the qualifying customers, marked, and their inline rows summed */
	s->total = 0;
	while ((e = clv_tab_next(&s->custs, &pos)) != NULL)
	{
		e->nin &= ~QUALIFIES_BIT;
		if (e->first != NO_TIME &&
			Qualifies(&s->win, e->first, &e->wend, s->head.maxorder))
		{
			uint32		i;

			e->nin |= QUALIFIES_BIT;
			qualifying++;
			for (i = 0; i < NIN(e); i++)
				if (__builtin_add_overflow(s->total, (int128) e->int_amount[i], &s->total))
					AmountOverflow();
		}
		if ((pos & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}

	/* and their rows of the row table inside the window */
	if (qualifying > 0 && s->rows.nentries > 0)
	{
		clv_tab_batch_init(&s->custs, sizeof(CustPayload), ApplyFinal, s);
		pos = 0;
		while ((r = clv_tab_next(&s->rows, &pos)) != NULL)
		{
			ClvKey		key;
			CustPayload *p;

			clv_tab_entry_key(&s->rows, r, &key);
			key.hash = clv_key_hash(s->rows.kind, &key);
			p = clv_tab_push(&s->custs, &key, 0);
			p->t = r->t;
			p->hi = r->hi;
			p->lo = r->lo;
			clv_tab_pushed(&s->custs);
			if ((pos & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		clv_tab_flush(&s->custs);
		clv_tab_batch_init(&s->custs, sizeof(CustPayload), ApplyCust, s);
	}
	pos = 0;
	while ((e = clv_tab_next(&s->custs, &pos)) != NULL)
		e->nin &= ~QUALIFIES_BIT;

	/* no customer observed for the whole horizon: NULL, like avg() of nothing */
	if (qualifying == 0)
		PG_RETURN_NULL();
	total.value = s->total;
	total.scale = s->head.scale;
	total.dscale = s->head.dscale;
	PG_RETURN_DATUM(clv_money_div_count(&total, qualifying));
}

/* ----------------------------------------------------------------
 * I/O
 *
 * Binary form (version 1, as in clv 0.2.0): version, key kind (bytes),
 * flags (int16), horizon (time int64, day int32, month int32), scale,
 * dscale (int32), maxorder (int64), number of customers (uint32), then per
 * customer in key order: key, first (int64), number of rows (uint32), and
 * per row in time order: time (int64), amount (int64 high, int64 low).
 * Rows of one customer at one time are one row (their sum).  The text form
 * is "clv_horizon_state:" + base64 of it.
 * ----------------------------------------------------------------
 */

static bytea *
HorizonSend(Datum d)
{
	HorizonFlat *f = FlatSorted(d);
	StringInfoData buf;
	uint64		k = 0;
	uint32		i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, HORIZON_SEND_VERSION);
	pq_sendbyte(&buf, f->keykind);
	pq_sendint16(&buf, f->flags);
	pq_sendint64(&buf, f->horizon.time);
	pq_sendint32(&buf, f->horizon.day);
	pq_sendint32(&buf, f->horizon.month);
	pq_sendint32(&buf, f->scale);
	pq_sendint32(&buf, f->dscale);
	pq_sendint64(&buf, f->maxorder);
	pq_sendint32(&buf, f->nentries);
	for (i = 0; i < f->nentries; i++)
	{
		const HorizonEntry *c = &FLAT_CUSTS(f)[i];
		ClvKey		key;
		uint64		end = k;

		while (end < f->nnodes && FLAT_ROWS(f)[end].keyref == c->keyref)
			end++;
		clv_key_from_ref((ClvKeyKind) f->keykind, c->keyref, FLAT_ARENA(f), &key);
		clv_key_send(&buf, (ClvKeyKind) f->keykind, &key);
		pq_sendint64(&buf, c->first);
		pq_sendint32(&buf, (uint32) (end - k));
		for (; k < end; k++)
		{
			const HorizonRow *r = &FLAT_ROWS(f)[k];

			pq_sendint64(&buf, r->t);
			pq_sendint64(&buf, r->hi);
			pq_sendint64(&buf, (int64) r->lo);
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return pq_endtypsend(&buf);
}

static Datum
HorizonRecv(StringInfo buf)
{
	int			version;
	int			kind;
	HorizonHead h;
	uint32		n,
				i;
	MemoryContext tmp,
				old;
	HorizonState *s;
	HorizonFlat *result;
	TimestampTz seen_max = DT_NOBEGIN;

	clv_recv_need(buf, 1, HORIZON_TYPNAME);
	version = pq_getmsgbyte(buf);
	if (version != HORIZON_SEND_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported clv_horizon_state version %d", version)));
	clv_recv_need(buf, 1 + 2 + 16 + 8 + 8 + 4, HORIZON_TYPNAME);
	kind = pq_getmsgbyte(buf);
	if (kind > CLV_KEY_TEXT)
		clv_bad_external(HORIZON_TYPNAME, "Unknown customer key kind.");
	HeadInit(&h);
	h.flags = (uint16) pq_getmsgint(buf, 2);
	if (h.flags & ~HORIZON_SET)
		clv_bad_external(HORIZON_TYPNAME, "Unknown flags.");
	h.horizon.time = pq_getmsgint64(buf);
	h.horizon.day = pq_getmsgint(buf, 4);
	h.horizon.month = pq_getmsgint(buf, 4);
	h.scale = pq_getmsgint(buf, 4);
	h.dscale = pq_getmsgint(buf, 4);
	if (h.scale < 0 || h.scale > CLV_MAX_SCALE || h.dscale < h.scale || h.dscale > 0x3FFF)
		clv_bad_external(HORIZON_TYPNAME, "Invalid scale.");
	h.maxorder = pq_getmsgint64(buf);
	n = pq_getmsgint(buf, 4);
	if ((kind == CLV_KEY_NONE && n != 0) || (!(h.flags & HORIZON_SET) && n != 0))
		clv_bad_external(HORIZON_TYPNAME, "Customers without a key kind or horizon.");
	if ((uint64) n * 20 > (uint64) (buf->len - buf->cursor))
		clv_bad_external(HORIZON_TYPNAME, "The number of customers does not match the data.");

	tmp = AllocSetContextCreate(CurrentMemoryContext, "clv_horizon_state recv", ALLOCSET_DEFAULT_SIZES);
	s = HorizonCreate(tmp, (ClvKeyKind) kind, n);
	if (h.flags & HORIZON_SET)
		StateSetHorizon(s, &h.horizon);
	s->head.scale = h.scale;
	s->head.dscale = h.dscale;
	for (i = 0; i < n; i++)
	{
		ClvKey		key;
		bool		found;
		uint32		cnt,
					c;
		TimestampTz first;
		TimestampTz wend = NO_TIME;
		HorizonCust *e;

		clv_key_recv(buf, (ClvKeyKind) kind, &key);
		clv_recv_need(buf, 12, HORIZON_TYPNAME);
		first = pq_getmsgint64(buf);
		cnt = pq_getmsgint(buf, 4);
		if (first != NO_TIME && TIMESTAMP_NOT_FINITE(first))
			clv_bad_external(HORIZON_TYPNAME, "Invalid first order time.");
		if ((uint64) cnt * 24 > (uint64) (buf->len - buf->cursor))
			clv_bad_external(HORIZON_TYPNAME, "The number of rows does not match the data.");
		e = clv_tab_lookup(&s->custs, &key, 0, &found);
		if (found)
			clv_bad_external(HORIZON_TYPNAME, "Duplicate customer key.");
		if (first != NO_TIME)
		{
			e->first = first;
			seen_max = Max(seen_max, first);
		}
		for (c = 0; c < cnt; c++)
		{
			TimestampTz t = pq_getmsgint64(buf);
			int64		hi = pq_getmsgint64(buf);
			int64		lo = pq_getmsgint64(buf);

			if (TIMESTAMP_NOT_FINITE(t) ||
				(first != NO_TIME && !InWindow(&s->win, first, &wend, t)))
				clv_bad_external(HORIZON_TYPNAME, "A row lies outside its customer's window.");
			/* the customer's entry may have moved: look it up again */
			e = clv_tab_find(&s->custs, &key, 0);
			AddKeptRow(s, e, t, clv_int128_join(hi, (uint64) lo));
		}
		CHECK_FOR_INTERRUPTS();
	}
	if (n > 0 && (TIMESTAMP_NOT_FINITE(h.maxorder) ? seen_max != DT_NOBEGIN : h.maxorder < seen_max))
		clv_bad_external(HORIZON_TYPNAME, "Invalid end of observation.");
	s->head.maxorder = h.maxorder;
	old = MemoryContextSwitchTo(MemoryContextGetParent(tmp));
	result = StateFlatten(s);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	return PointerGetDatum(result);
}

PG_FUNCTION_INFO_V1(clv_horizon_state_send);
Datum
clv_horizon_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(HorizonSend(PG_GETARG_DATUM(0)));
}

PG_FUNCTION_INFO_V1(clv_horizon_state_recv);
Datum
clv_horizon_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Datum		result = HorizonRecv(buf);

	clv_recv_finish(buf, HORIZON_TYPNAME);
	PG_RETURN_DATUM(result);
}

PG_FUNCTION_INFO_V1(clv_horizon_state_out);
Datum
clv_horizon_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(clv_text_encode(HORIZON_TYPNAME, HorizonSend(PG_GETARG_DATUM(0))));
}

PG_FUNCTION_INFO_V1(clv_horizon_state_in);
Datum
clv_horizon_state_in(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	Datum		result;

	clv_text_decode(HORIZON_TYPNAME, PG_GETARG_CSTRING(0), &buf);
	result = HorizonRecv(&buf);
	clv_recv_finish(&buf, HORIZON_TYPNAME);
	PG_RETURN_DATUM(result);
}
