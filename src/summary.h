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
 * Flat form (a varlena; also the on-disk form):
 *		ClvSummaryFlat header
 *		ClvCustEntry entries[nentries]		(sorted by key, keys unique)
 *		char arena[arenalen]				(text/uuid key bytes, see clv.h)
 *
 * Every flat value is sorted by key: flattening sorts, receiving validates
 * and sorts.  That makes the text form canonical (it depends only on the
 * content) and lets combine merge two large flat states in one sequential
 * pass instead of hashing.
 *
 * In memory during aggregation the same arrays live in a ClvKeyDict inside
 * an expanded object (utils/expandeddatum.h), updated in place per row and
 * flattened only when the state leaves the process or is stored.
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

/*
 * Per-customer entry (32 bytes).  A customer with only refunds has
 * norders = 0 and first = last = 0; otherwise first <= last are the times of
 * their earliest and latest order.
 */
typedef struct ClvCustEntry
{
	int64		keyref;			/* key, or arena offset (ClvKeyDict) */
	TimestampTz first;
	TimestampTz last;
	int64		norders;
} ClvCustEntry;

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

/* Expanded (in-memory, mutable) form */
/*
 * Rows of integer-keyed customers waiting to be applied to the dictionary.
 * Large states apply rows in batches, prefetching the hash slots and then
 * the entries of a whole batch before touching them, so that the cache
 * misses of many rows overlap instead of being paid one after another.
 * Applying rows commutes (min, max, count), so the order does not matter.
 */
#define CLV_BATCH_ROWS 256
#define CLV_BATCH_MIN_CUSTOMERS 4096	/* batch only states this large */

typedef struct ClvPendingRow
{
	int64		key;
	TimestampTz t;
	uint32		hash;
	uint32		is_order;
} ClvPendingRow;

typedef struct ClvSummaryState
{
	ExpandedObjectHeader hdr;
	int			magic;			/* CLV_SUMMARY_MAGIC */
	uint16		flags;
	TimestampTz cutoff;
	ClvMoney	revenue;
	ClvKeyDict	dict;			/* entries are ClvCustEntry */
	ClvPendingRow *pending;		/* CLV_BATCH_ROWS, allocated when needed */
	int			npending;
} ClvSummaryState;

#define CLV_SUMMARY_MAGIC 0x434c5653	/* "CLVS" */

/*
 * A read-only view of a summary in either form; the arrays have the same
 * layout in both.
 */
typedef struct ClvSummaryView
{
	ClvKeyKind	keykind;
	uint16		flags;
	TimestampTz cutoff;
	ClvMoney	revenue;
	uint32		nentries;
	const ClvCustEntry *entries;
	const char *arena;
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

extern void clv_summary_view(Datum d, ClvSummaryView *v);
extern void clv_summary_stats(const ClvSummaryView *v, ClvSummaryStats *st);

#endif							/* CLV_SUMMARY_H */
