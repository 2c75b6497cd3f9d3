/*-------------------------------------------------------------------------
 *
 * summary.h
 *	  The clv_summary type: a mergeable per-customer summary of orders.
 *
 * One clv_summary holds, for every distinct customer key of a group, the
 * time of the customer's first and last order and their number of orders,
 * and for the whole group the exact net revenue (orders plus refunds).  It
 * is the state of clv_agg, repeat_rate and retention_rate and the result of
 * the clv_summary aggregate; rollup merges summaries exactly.
 *
 * Flat form (a varlena; also the on-disk form, unchanged since 0.1.0):
 *		ClvSummaryFlat header
 *		ClvCustEntry entries[nentries]		(sorted by key, keys unique)
 *		char arena[arenalen]				(text/uuid key bytes, custtab.h)
 * Every flat value is sorted by key: flattening sorts, receiving validates
 * and sorts.  That makes the text form canonical (it depends only on the
 * content) and lets combine merge two large flat states in one sequential
 * pass instead of hashing.
 *
 * While an aggregate updates it, a summary is either a small flat value
 * (at most CLV_SUMMARY_SMALL customers, updated in place: no memory
 * context per group) or an expanded object holding a ClvCustTab of the
 * same entries, flattened only when the state leaves the process or is
 * stored.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_SUMMARY_H
#define CLV_SUMMARY_H

#include "clv.h"
#include "utils/expandeddatum.h"

#define CLV_SUMMARY_VERSION		1

/* flags */
#define CLV_SUMMARY_HAS_CUTOFF	0x0001	/* state of retention_rate(.., cutoff) */
#define CLV_SUMMARY_HAS_REVENUE 0x0002	/* at least one amount was added */
#define CLV_SUMMARY_FLAGS_ALL	0x0003

/* A state of at most this many customers stays flat */
#define CLV_SUMMARY_SMALL		32

/*
 * Per-customer entry (32 bytes).  A customer with only refunds has
 * norders = 0 and first = last = 0; otherwise first <= last are the times of
 * their earliest and latest order.
 */
typedef struct ClvCustEntry
{
	int64		keyref;			/* key reference (custtab.h) */
	TimestampTz first;
	TimestampTz last;
	int64		norders;
} ClvCustEntry;

extern const ClvEntrySpec clv_summary_spec;

typedef struct ClvSummaryFlat
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	uint8		version;		/* CLV_SUMMARY_VERSION */
	uint8		keykind;		/* ClvKeyKind */
	uint16		flags;
	uint32		nentries;
	int32		rev_scale;		/* revenue: ClvMoney split in fields */
	int32		rev_dscale;
	int64		rev_hi;
	uint64		rev_lo;
	TimestampTz cutoff;			/* if CLV_SUMMARY_HAS_CUTOFF */
	uint64		arenalen;
	/* ClvCustEntry entries[FLEXIBLE_ARRAY_MEMBER], then the arena */
} ClvSummaryFlat;

#define CLV_SUMMARY_ENTRIES(f) ((ClvCustEntry *) ((char *) (f) + sizeof(ClvSummaryFlat)))
#define CLV_SUMMARY_ARENA(f) \
	((char *) CLV_SUMMARY_ENTRIES(f) + (Size) (f)->nentries * sizeof(ClvCustEntry))

/* The part of a summary that is not per customer */
typedef struct ClvSummaryHeader
{
	ClvKeyKind	keykind;
	uint16		flags;
	TimestampTz cutoff;
	ClvMoney	revenue;
} ClvSummaryHeader;

/* Expanded (in-memory, mutable) form */
typedef struct ClvSummaryState
{
	ClvStateHeader hdr;
	ClvSummaryHeader head;		/* head.keykind unused: see tab.kind */
	ClvCustTab	tab;			/* entries are ClvCustEntry */

	/*
	 * Or, when not NULL, the state is this flat value (in the state's
	 * memory context; head and tab unused): the result of a sorted merge,
	 * handed to nodeAgg as an expanded object so that it is not copied
	 */
	ClvSummaryFlat *flat;
} ClvSummaryState;

/*
 * A read-only view of a summary in either form: the flat entries, or the
 * table of an expanded state (read with clv_summary_next)
 */
typedef struct ClvSummaryView
{
	ClvSummaryHeader head;
	ClvFlatTab	flat;			/* flat form */
	ClvSummaryState *state;		/* expanded form, or NULL */
} ClvSummaryView;

/* Figures derived from a summary */
typedef struct ClvSummaryStats
{
	int64		customers;		/* customers with at least one order */
	int64		orders;
	int64		repeat_customers;	/* customers with two or more orders */
	double		lifespan_years; /* mean per-customer lifespan */
	TimestampTz first_order;
	TimestampTz last_order;
} ClvSummaryStats;

/* One order or refund, converted */
typedef struct ClvSummaryRow
{
	ClvKey		key;
	TimestampTz ts;
	bool		is_order;		/* amount >= 0 (or no amount) */
	bool		has_amount;
	ClvMoney	amount;
	bool		has_cutoff;
	TimestampTz cutoff;
} ClvSummaryRow;

/* Fill a view from a datum in either form */
extern void clv_summary_view(Datum d, ClvSummaryView *v);

/* The entries of a view, in no particular order: start with *pos = 0 */
extern const ClvCustEntry *clv_summary_next(ClvSummaryView *v, uint32 *pos);

/* Figures of a view */
extern void clv_summary_stats(ClvSummaryView *v, ClvSummaryStats *st);

/* An empty flat summary */
extern Datum clv_summary_empty(void);

/* The expanded state behind a datum, or NULL for a flat datum */
extern ClvSummaryState *clv_summary_expanded(Datum d);

/*
 * The state of an aggregate as a mutable expanded object in aggcontext:
 * "state" itself when the aggregate owns it, else a new one holding a
 * copy of it (or an empty one for a NULL state)
 */
extern ClvSummaryState *clv_summary_mutable(Datum state, bool isnull, MemoryContext aggcontext);

/* What a row buffered in the table carries to its customer's entry */
typedef struct ClvSummaryPayload
{
	TimestampTz ts;
	bool		is_order;
} ClvSummaryPayload;

extern const ExpandedObjectMethods clv_summary_methods;

pg_noreturn extern void clv_summary_cutoff_mismatch(void);

/* Apply the header part of a row (cutoff, revenue) */
static inline void
clv_summary_header_add_row(ClvSummaryHeader *h, const ClvSummaryRow *row)
{
	if (row->has_cutoff)
	{
		if ((h->flags & CLV_SUMMARY_HAS_CUTOFF) && h->cutoff != row->cutoff)
			clv_summary_cutoff_mismatch();
		h->cutoff = row->cutoff;
		h->flags |= CLV_SUMMARY_HAS_CUTOFF;
	}
	if (row->has_amount)
	{
		clv_money_add(&h->revenue, &row->amount);
		h->flags |= CLV_SUMMARY_HAS_REVENUE;
	}
}

/* Add one row to an expanded state */
static inline void
clv_summary_add_row(ClvSummaryState *s, const ClvSummaryRow *row)
{
	ClvSummaryPayload *p;

	clv_summary_header_add_row(&s->head, row);
	p = clv_tab_push(&s->tab, &row->key, 0);
	p->ts = row->ts;
	p->is_order = row->is_order;
	clv_tab_pushed(&s->tab);
}

/*
 * Add one row to a small flat state: in place when the customer is known,
 * else into a new value (in the current memory context) with the customer
 * inserted.  Returns the resulting datum, or (Datum) 0 when the state has
 * CLV_SUMMARY_SMALL customers already (nothing changed then).
 */
extern Datum clv_summary_flat_add_row(ClvSummaryFlat *f, ClvKeyKind rowkind,
									  const ClvSummaryRow *row);

/* Validate a flat datum (detoasted) */
extern ClvSummaryFlat *clv_summary_flat_check(Datum d);

/* Merge the view v into the mutable state s */
extern void clv_summary_merge_into(ClvSummaryState *s, ClvSummaryView *v);

/* Merge two flat views in one sequential pass into a new flat summary */
extern Datum clv_summary_merge_flat(ClvSummaryView *a, ClvSummaryView *b);

/*
 * Combine the summary "state" (owned by the aggregate, or NULL) with the
 * summary "in" (not NULL): the combine step of every summary aggregate
 */
extern Datum clv_summary_combine_datums(Datum state, bool isnull, Datum in,
										MemoryContext aggcontext);

/* Make an expanded state that holds a flat value an ordinary one */
extern void clv_summary_unflatten(ClvSummaryState *s);

/* The flat form of an expanded state, in the current memory context */
extern Datum clv_summary_flatten(ClvSummaryState *s);

#endif							/* CLV_SUMMARY_H */
