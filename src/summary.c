/*-------------------------------------------------------------------------
 *
 * summary.c
 *	  The clv_summary type and the aggregates built on it: clv_agg,
 *	  repeat_rate, retention_rate, clv_summary and rollup, plus the
 *	  accessor functions on stored summaries.
 *
 * Definitions (README "Definitions"):
 *	- An order is a row whose amount is >= 0; a row with a negative amount
 *	  is a refund: it lowers revenue and is not an order.  Rows with a NULL
 *	  customer, time or amount are ignored.
 *	- customers = distinct keys with at least one order; revenue = sum of
 *	  all amounts (orders and refunds), exactly.
 *	- lifespan of a customer with n orders from first to last:
 *	  (last - first) * n / (n - 1) for n >= 2 (the observed span plus one
 *	  mean inter-order gap), 0 for n = 1; in years of 365.25 days.
 *	- purchase frequency = orders / customers / mean lifespan (per year).
 *	- AOV = revenue / orders; CLV = AOV * frequency * lifespan
 *	  = revenue / customers.
 *	- repeat rate = customers with >= 2 orders / customers.
 *	- retention rate at cutoff c: S = customers with an order < c,
 *	  E = customers with an order >= c, N = those of E with none < c;
 *	  CRR = (E - N) / S.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "port.h"

#include "clv.h"
#include "summary.h"

#define USECS_PER_YEAR (365.25 * 86400.0 * 1000000.0)

/* Argument types of an accumulating call site, resolved once */
typedef struct ClvArgTypes
{
	Oid			keytype;
	ClvKeyKind	keykind;
	Oid			timetype;
	ClvAmountKind amountkind;
} ClvArgTypes;

static Size SummaryGetFlatSize(ExpandedObjectHeader *eohptr);
static Datum SummaryEmpty(void);
static ClvSummaryFlat *SummaryFlatCheck(Datum d);
static void SummaryFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods summary_methods =
{
	SummaryGetFlatSize,
	SummaryFlattenInto
};

/* Order of two entries by key, for the canonical form */
static int
EntryCmp(const void *a, const void *b, void *arg)
{
	const ClvCustEntry *ea = (const ClvCustEntry *) a;
	const ClvCustEntry *eb = (const ClvCustEntry *) b;
	const ClvSummaryFlat *f = (const ClvSummaryFlat *) arg;
	const char *arena;
	uint32		la,
				lb;
	int			c;

	if (f->keykind == CLV_KEY_INT8)
		return (ea->keyref > eb->keyref) - (ea->keyref < eb->keyref);
	arena = (const char *) CLV_SUMMARY_ENTRIES(f) + (Size) f->nentries * sizeof(ClvCustEntry);
	memcpy(&la, arena + ea->keyref, sizeof(uint32));
	memcpy(&lb, arena + eb->keyref, sizeof(uint32));
	c = memcmp(arena + ea->keyref + sizeof(uint32), arena + eb->keyref + sizeof(uint32), Min(la, lb));
	if (c != 0)
		return c;
	return (la > lb) - (la < lb);
}

/*
 * Put a flat summary in canonical form: entries sorted by key, so that a
 * summary's text and binary forms depend only on its content, not on the
 * order rows or states arrived in (deterministic materialized views).
 */
static void
SummarySortFlat(ClvSummaryFlat *f)
{
	if (f->nentries > 1)
		qsort_arg(CLV_SUMMARY_ENTRIES(f), f->nentries, sizeof(ClvCustEntry), EntryCmp, f);
}

/*
 * Sort the n integer-keyed entries of "src" by key into "dst" (src is left
 * as it is): an LSD radix sort on the key's 8 bytes (sign bit flipped), in
 * one counting pass and one scatter pass per byte, skipping the bytes where
 * all keys agree (with a million customer ids below 2^24, three passes).
 * Much faster than a comparison sort of 32-byte entries; needs a scratch
 * array of n entries when more than one pass is needed.
 */
static void
SortIntEntries(const ClvCustEntry *src, ClvCustEntry *dst, uint32 n)
{
	uint32	   *counts;
	int			passes[8];
	int			npasses = 0;
	int			b;
	uint32		i;
	uint64		first;
	ClvCustEntry *tmp = NULL;
	const ClvCustEntry *in = src;

	if (n == 0)
		return;
	counts = palloc0(8 * 256 * sizeof(uint32));
	for (i = 0; i < n; i++)
	{
		uint64		k = (uint64) src[i].keyref ^ (UINT64CONST(1) << 63);

		for (b = 0; b < 8; b++)
			counts[b * 256 + ((k >> (8 * b)) & 0xFF)]++;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	first = (uint64) src[0].keyref ^ (UINT64CONST(1) << 63);
	for (b = 0; b < 8; b++)
		if (counts[b * 256 + ((first >> (8 * b)) & 0xFF)] != n)
			passes[npasses++] = b;
	if (npasses == 0)
	{
		memcpy(dst, src, (Size) n * sizeof(ClvCustEntry));
		pfree(counts);
		return;
	}
	if (npasses > 1)
	{
		tmp = palloc_extended((Size) n * sizeof(ClvCustEntry), MCXT_ALLOC_HUGE);
		clv_advise_huge_pages(tmp, (Size) n * sizeof(ClvCustEntry));
	}
	for (b = 0; b < npasses; b++)
	{
		int			shift = 8 * passes[b];
		uint32	   *c = counts + passes[b] * 256;
		uint32		off = 0;
		int			v;
		/* the last pass writes into dst */
		ClvCustEntry *out = ((npasses - 1 - b) % 2 == 0) ? dst : tmp;

		for (v = 0; v < 256; v++)
		{
			uint32		cnt = c[v];

			c[v] = off;
			off += cnt;
		}
		for (i = 0; i < n; i++)
		{
			uint64		k = (uint64) in[i].keyref ^ (UINT64CONST(1) << 63);

			out[c[(k >> shift) & 0xFF]++] = in[i];
		}
		in = out;
		CHECK_FOR_INTERRUPTS();
	}
	if (tmp)
		pfree(tmp);
	pfree(counts);
}

/* ----------------------------------------------------------------
 * Expanded object
 * ----------------------------------------------------------------
 */

/* Create an empty expanded summary under "parent" */
static ClvSummaryState *
SummaryCreate(MemoryContext parent, ClvKeyKind kind, uint32 capacity)
{
	MemoryContext cxt;
	ClvSummaryState *s;

	cxt = AllocSetContextCreate(parent, "clv_summary", ALLOCSET_SMALL_SIZES);
	s = MemoryContextAllocZero(cxt, sizeof(ClvSummaryState));
	EOH_init_header(&s->hdr, &summary_methods, cxt);
	s->magic = CLV_SUMMARY_MAGIC;
	clv_keydict_init(&s->dict, cxt, kind, sizeof(ClvCustEntry), capacity, "clv_summary");
	return s;
}

/* Apply one row to its customer entry */
static inline void
EntryAddOrder(ClvCustEntry *e, TimestampTz ts)
{
	if (e->norders == 0)
	{
		e->first = ts;
		e->last = ts;
	}
	else
	{
		if (ts < e->first)
			e->first = ts;
		if (ts > e->last)
			e->last = ts;
	}
	e->norders++;
}

/*
 * Apply the pending rows in three passes over the batch, so that the cache
 * misses of the whole batch overlap instead of being paid one row after
 * another: prefetch every row's first hash slot; probe the slots (now in
 * cache) for the first slot with the row's hash, which is the row's
 * customer unless two keys share a 32-bit hash, and prefetch that entry;
 * then check the key and update the entry.  Rows whose probe found no
 * candidate or a different key (new customers, hash collisions) take the
 * ordinary lookup, which inserts.  The probe reads the slot layout of
 * ClvKeyDict (clv.h): hash << 32 | id + 1, 0 = empty, linear probing.
 * Inserting moves no existing id, so the candidates stay valid.
 */
static void
SummaryFlush(ClvSummaryState *s)
{
	uint32		cand[CLV_BATCH_ROWS];
	ClvKeyDict *d = &s->dict;
	const ClvPendingRow *p = s->pending;
	int			n = s->npending;
	int			i;

	if (n == 0)
		return;
	if (d->nslots > 0)
	{
		uint32		mask = d->nslots - 1;

		for (i = 0; i < n; i++)
			__builtin_prefetch(&d->slots[p[i].hash & mask], 0, 3);
		for (i = 0; i < n; i++)
		{
			uint32		j = p[i].hash & mask;
			uint64		slot;

			cand[i] = PG_UINT32_MAX;
			while ((slot = d->slots[j]) != 0)
			{
				if ((uint32) (slot >> 32) == p[i].hash)
				{
					cand[i] = (uint32) slot - 1;
					__builtin_prefetch(CLV_KEYDICT_ENTRY(d, cand[i]), 1, 3);
					break;
				}
				j = (j + 1) & mask;
			}
		}
	}
	else
	{
		for (i = 0; i < n; i++)
			cand[i] = PG_UINT32_MAX;
	}
	for (i = 0; i < n; i++)
	{
		ClvCustEntry *e = NULL;

		if (cand[i] != PG_UINT32_MAX)
		{
			e = (ClvCustEntry *) CLV_KEYDICT_ENTRY(d, cand[i]);
			if (e->keyref != p[i].key)
				e = NULL;
		}
		if (e == NULL)
		{
			ClvKey		key;
			bool		found;
			uint32		id;

			key.ival = p[i].key;
			key.bytes = NULL;
			key.len = 0;
			key.hash = p[i].hash;
			/* the lookup may move the entries: get the id first */
			id = clv_keydict_lookup(d, &key, &found);
			e = (ClvCustEntry *) CLV_KEYDICT_ENTRY(d, id);
		}
		if (p[i].is_order)
			EntryAddOrder(e, p[i].t);
	}
	s->npending = 0;
}

/* Size of the flat form */
static Size
SummaryGetFlatSize(ExpandedObjectHeader *eohptr)
{
	ClvSummaryState *s = (ClvSummaryState *) eohptr;
	Size		sz;

	Assert(s->magic == CLV_SUMMARY_MAGIC);
	SummaryFlush(s);
	sz = sizeof(ClvSummaryFlat) + (Size) s->dict.nentries * sizeof(ClvCustEntry) +
		s->dict.arenalen;
	if (sz > MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("clv_summary is too large to store")));
	if (sz > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("clv_summary of %u customers is too large to store as one value",
						s->dict.nentries),
				 errdetail("A stored value is limited to 1 GB."),
				 errhint("Store summaries per day or per segment and roll them up when reading.")));
	return sz;
}

/* Write the flat form */
static void
SummaryFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	ClvSummaryState *s = (ClvSummaryState *) eohptr;
	ClvSummaryFlat *f = (ClvSummaryFlat *) result;
	Size		esz = (Size) s->dict.nentries * sizeof(ClvCustEntry);

	memset(f, 0, sizeof(ClvSummaryFlat));
	SET_VARSIZE(f, allocated_size);
	f->version = CLV_SUMMARY_VERSION;
	f->keykind = (uint8) s->dict.kind;
	f->flags = s->flags;
	f->nentries = s->dict.nentries;
	f->rev_scale = s->revenue.scale;
	f->rev_dscale = s->revenue.dscale;
	f->rev_hi = (int64) (s->revenue.value >> 64);
	f->rev_lo = (uint64) s->revenue.value;
	f->cutoff = s->cutoff;
	f->arenalen = s->dict.arenalen;
	if (s->dict.kind == CLV_KEY_INT8)
		SortIntEntries((const ClvCustEntry *) s->dict.entries, CLV_SUMMARY_ENTRIES(f),
					   s->dict.nentries);
	else
	{
		if (esz > 0)
			memcpy(CLV_SUMMARY_ENTRIES(f), s->dict.entries, esz);
		if (s->dict.arenalen > 0)
			memcpy((char *) CLV_SUMMARY_ENTRIES(f) + esz, s->dict.arena, s->dict.arenalen);
		SummarySortFlat(f);
	}
}

/* Flat copy of an expanded summary in the current memory context */
static Datum
SummaryFlatten(ClvSummaryState *s)
{
	Size		sz = SummaryGetFlatSize(&s->hdr);
	void	   *flat = palloc(sz);

	SummaryFlattenInto(&s->hdr, flat, sz);
	return PointerGetDatum(flat);
}

/* Is this datum one of our expanded objects? */
static inline ClvSummaryState *
SummaryExpanded(Datum d)
{
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		ClvSummaryState *s = (ClvSummaryState *) DatumGetEOHP(d);

		if (s->magic != CLV_SUMMARY_MAGIC)
			elog(ERROR, "expanded object is not a clv_summary");
		return s;
	}
	return NULL;
}

/* Validate the header of a flat summary (from disk or a datum) */
static ClvSummaryFlat *
SummaryFlatCheck(Datum d)
{
	ClvSummaryFlat *f = (ClvSummaryFlat *) PG_DETOAST_DATUM(d);
	Size		len = VARSIZE(f);

	if (len < sizeof(ClvSummaryFlat) || f->version != CLV_SUMMARY_VERSION ||
		f->keykind > CLV_KEY_TEXT ||
		len != sizeof(ClvSummaryFlat) + (Size) f->nentries * sizeof(ClvCustEntry) + f->arenalen)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid clv_summary value")));
	return f;
}

/* Fill a read-only view from a datum in either form */
void
clv_summary_view(Datum d, ClvSummaryView *v)
{
	ClvSummaryState *s = SummaryExpanded(d);

	if (s)
	{
		SummaryFlush(s);
		v->keykind = s->dict.kind;
		v->flags = s->flags;
		v->cutoff = s->cutoff;
		v->revenue = s->revenue;
		v->nentries = s->dict.nentries;
		v->entries = (const ClvCustEntry *) s->dict.entries;
		v->arena = s->dict.arena;
	}
	else
	{
		ClvSummaryFlat *f = SummaryFlatCheck(d);

		v->keykind = (ClvKeyKind) f->keykind;
		v->flags = f->flags;
		v->cutoff = f->cutoff;
		v->revenue.scale = f->rev_scale;
		v->revenue.dscale = f->rev_dscale;
		v->revenue.value = (int128) (((uint128) (uint64) f->rev_hi << 64) | (uint128) f->rev_lo);
		v->nentries = f->nentries;
		v->entries = CLV_SUMMARY_ENTRIES(f);
		v->arena = (const char *) CLV_SUMMARY_ENTRIES(f) + (Size) f->nentries * sizeof(ClvCustEntry);
	}
}

/* The key of entry i of a view */
static inline void
ViewGetKey(const ClvSummaryView *v, uint32 i, ClvKey *key)
{
	clv_key_from_ref(v->keykind, v->entries[i].keyref, v->arena, key);
}

/*
 * Derived figures.  The lifespan sum is kept as an exact 128-bit integer of
 * microseconds (each customer's term rounded down to the microsecond), so
 * the result does not depend on the order of the customers: serial and
 * parallel plans, one-step aggregates and rollups agree to the last bit.
 */
void
clv_summary_stats(const ClvSummaryView *v, ClvSummaryStats *st)
{
	uint32		i;
	int128		lifespan_sum = 0;

	memset(st, 0, sizeof(ClvSummaryStats));
	st->first_order = DT_NOEND;
	st->last_order = DT_NOBEGIN;
	for (i = 0; i < v->nentries; i++)
	{
		const ClvCustEntry *e = &v->entries[i];

		if (e->norders <= 0)
			continue;
		st->customers++;
		if (pg_add_s64_overflow(st->orders, e->norders, &st->orders))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("clv_summary order count out of range")));
		if (e->norders >= 2)
		{
			st->repeat_customers++;
			/* in 128 bits: the span of the timestamp range exceeds int64 */
			lifespan_sum += ((int128) e->last - (int128) e->first) * e->norders / (e->norders - 1);
		}
		if (e->first < st->first_order)
			st->first_order = e->first;
		if (e->last > st->last_order)
			st->last_order = e->last;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (st->customers > 0)
		st->lifespan_years = (double) lifespan_sum / (double) st->customers / USECS_PER_YEAR;
}

/* Combine two entries of the same customer into *dst */
static inline void
EntryMerge(ClvCustEntry *dst, const ClvCustEntry *src)
{
	if (src->norders <= 0)
		return;
	if (dst->norders == 0)
	{
		dst->first = src->first;
		dst->last = src->last;
	}
	else
	{
		if (src->first < dst->first)
			dst->first = src->first;
		if (src->last > dst->last)
			dst->last = src->last;
	}
	if (__builtin_add_overflow(dst->norders, src->norders, &dst->norders))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("order count out of range")));
}

/*
 * Merge the header of view v (key kind, retention cutoff, revenue) into the
 * given fields, with the checks every merge makes
 */
static void
MergeHeader(ClvKeyKind *kind, uint16 *flags, TimestampTz *cutoff, ClvMoney *revenue,
			const ClvSummaryView *v)
{
	if (v->keykind != CLV_KEY_NONE)
	{
		/* a state of no key kind has no customers yet */
		if (*kind == CLV_KEY_NONE)
			*kind = v->keykind;
		else if (*kind != v->keykind)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("cannot merge clv_summary values with %s and %s customer keys",
							clv_key_kind_name(*kind), clv_key_kind_name(v->keykind))));
	}
	if (v->flags & CLV_SUMMARY_HAS_CUTOFF)
	{
		if ((*flags & CLV_SUMMARY_HAS_CUTOFF) && *cutoff != v->cutoff)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot merge retention states with different cutoffs")));
		*flags |= CLV_SUMMARY_HAS_CUTOFF;
		*cutoff = v->cutoff;
	}
	if (v->flags & CLV_SUMMARY_HAS_REVENUE)
	{
		clv_money_add(revenue, &v->revenue);
		*flags |= CLV_SUMMARY_HAS_REVENUE;
	}
}

/* Merge the content of view "v" into the mutable state "s" */
static void
SummaryMerge(ClvSummaryState *s, const ClvSummaryView *v)
{
	uint32		i;

	MergeHeader(&s->dict.kind, &s->flags, &s->cutoff, &s->revenue, v);
	for (i = 0; i < v->nentries; i++)
	{
		ClvKey		key;
		bool		found;
		uint32		id;

		ViewGetKey(v, i, &key);
		id = clv_keydict_lookup(&s->dict, &key, &found);
		EntryMerge((ClvCustEntry *) CLV_KEYDICT_ENTRY(&s->dict, id), &v->entries[i]);
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Get the aggregate's state as a mutable expanded object in aggcontext:
 * the read-write object we returned last time, or an expanded copy of a
 * flat value nodeAgg gave us (a copied input of a strict combine), or a new
 * empty one.
 */
static ClvSummaryState *
SummaryGetMutable(FunctionCallInfo fcinfo, MemoryContext aggcontext, ClvKeyKind kind)
{
	ClvSummaryState *s;
	ClvSummaryView v;

	if (PG_ARGISNULL(0))
		return SummaryCreate(aggcontext, kind, 16);

	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		s = SummaryExpanded(PG_GETARG_DATUM(0));
		if (MemoryContextGetParent(s->hdr.eoh_context) == aggcontext)
			return s;
	}
	clv_summary_view(PG_GETARG_DATUM(0), &v);
	s = SummaryCreate(aggcontext, v.keykind, Max(v.nentries, 16));
	SummaryMerge(s, &v);
	return s;
}

/* Resolve the argument types of an accumulating call site once */
static ClvArgTypes *
GetArgTypes(FunctionCallInfo fcinfo, bool has_amount)
{
	ClvArgTypes *t = (ClvArgTypes *) fcinfo->flinfo->fn_extra;

	if (t == NULL)
	{
		t = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ClvArgTypes));
		t->keytype = clv_fn_arg_type(fcinfo->flinfo, 1);
		t->timetype = clv_fn_arg_type(fcinfo->flinfo, 2);
		if (!OidIsValid(t->keytype) || !OidIsValid(t->timetype))
			elog(ERROR, "could not determine argument types");
		t->keykind = clv_key_kind(t->keytype);
		if (has_amount)
		{
			Oid			amounttype = clv_fn_arg_type(fcinfo->flinfo, 3);

			if (!OidIsValid(amounttype))
				elog(ERROR, "could not determine argument types");
			t->amountkind = clv_amount_kind(amounttype);
		}
		fcinfo->flinfo->fn_extra = t;
	}
	return t;
}

/* One input row, converted */
typedef struct ClvRow
{
	ClvKey		key;
	TimestampTz ts;
	bool		has_amount;
	ClvMoney	amount;
	bool		is_order;
	bool		has_cutoff;
	TimestampTz cutoff;
} ClvRow;

/* Check (and set) the key kind of a state for a row */
static void
CheckKeyKind(ClvKeyKind *statekind, uint32 nentries, ClvKeyKind rowkind)
{
	if (*statekind == CLV_KEY_NONE && nentries == 0)
		*statekind = rowkind;
	else if (*statekind != rowkind)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cannot add a %s customer key to a clv_summary of %s keys",
						clv_key_kind_name(rowkind), clv_key_kind_name(*statekind))));
}

/* Check (and set) the retention cutoff of a state for a row */
static void
CheckCutoff(uint16 *flags, TimestampTz *cutoff, const ClvRow *row)
{
	if (!row->has_cutoff)
		return;
	if ((*flags & CLV_SUMMARY_HAS_CUTOFF) && *cutoff != row->cutoff)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("retention cutoff must be the same for all rows of a group")));
	*cutoff = row->cutoff;
	*flags |= CLV_SUMMARY_HAS_CUTOFF;
}

/* Add one order or refund to an expanded state */
static void
SummaryAddRow(ClvSummaryState *s, const ClvRow *row)
{
	bool		found;
	uint32		id;

	CheckCutoff(&s->flags, &s->cutoff, row);
	if (row->has_amount)
	{
		clv_money_add(&s->revenue, &row->amount);
		s->flags |= CLV_SUMMARY_HAS_REVENUE;
	}
	if (s->dict.kind == CLV_KEY_INT8 && s->dict.nentries >= CLV_BATCH_MIN_CUSTOMERS)
	{
		ClvPendingRow *p;

		if (s->pending == NULL)
			s->pending = MemoryContextAlloc(s->hdr.eoh_context,
											CLV_BATCH_ROWS * sizeof(ClvPendingRow));
		p = &s->pending[s->npending++];
		p->key = row->key.ival;
		p->t = row->ts;
		p->hash = row->key.hash;
		p->is_order = row->is_order;
		if (s->npending == CLV_BATCH_ROWS)
			SummaryFlush(s);
		return;
	}
	id = clv_keydict_lookup(&s->dict, &row->key, &found);
	if (row->is_order)
		EntryAddOrder((ClvCustEntry *) CLV_KEYDICT_ENTRY(&s->dict, id), row->ts);
}

/* ----------------------------------------------------------------
 * Small states
 *
 * A state of at most CLV_SMALL_CUSTOMERS customers stays a flat value (no
 * expanded object, no memory context of its own): a GROUP BY with millions
 * of groups of a few customers each (e.g. GROUP BY customer_id) would
 * otherwise create millions of memory contexts.  An order of a known
 * customer updates the flat value in place; a new customer makes a new,
 * slightly larger value (nodeAgg copies it into the aggregate context and
 * frees the old one); past CLV_SMALL_CUSTOMERS the state is expanded.
 * ----------------------------------------------------------------
 */
#define CLV_SMALL_CUSTOMERS 32

/* Compare a lookup key with entry i of a flat value */
static inline int
FlatKeyCmp(const ClvSummaryFlat *f, uint32 i, const ClvKey *key)
{
	const ClvCustEntry *e = &CLV_SUMMARY_ENTRIES(f)[i];
	const char *arena;
	uint32		len;
	int			c;

	if (f->keykind == CLV_KEY_INT8)
		return (e->keyref > key->ival) - (e->keyref < key->ival);
	arena = (const char *) CLV_SUMMARY_ENTRIES(f) + (Size) f->nentries * sizeof(ClvCustEntry);
	memcpy(&len, arena + e->keyref, sizeof(uint32));
	c = memcmp(arena + e->keyref + sizeof(uint32), key->bytes, Min(len, key->len));
	if (c != 0)
		return c;
	return (len > key->len) - (len < key->len);
}

/* Apply the header part of a row (cutoff, revenue) to a flat value */
static void
FlatAddHeader(ClvSummaryFlat *f, const ClvRow *row)
{
	ClvKeyKind	kind = (ClvKeyKind) f->keykind;

	CheckCutoff(&f->flags, &f->cutoff, row);
	if (row->has_amount)
	{
		ClvMoney	rev;

		rev.value = (int128) (((uint128) (uint64) f->rev_hi << 64) | (uint128) f->rev_lo);
		rev.scale = f->rev_scale;
		rev.dscale = f->rev_dscale;
		clv_money_add(&rev, &row->amount);
		f->rev_hi = (int64) (rev.value >> 64);
		f->rev_lo = (uint64) rev.value;
		f->rev_scale = rev.scale;
		f->rev_dscale = rev.dscale;
		f->flags |= CLV_SUMMARY_HAS_REVENUE;
	}
	f->keykind = (uint8) kind;
}

/*
 * Add a row to a small flat state: in place when the customer is known,
 * else into a new flat value with the customer inserted at its sorted
 * position.  Returns the resulting datum, or (Datum) 0 when the state is too
 * large and must be expanded (nothing changed then).
 */
static Datum
SummaryFlatAddRow(ClvSummaryFlat *f, ClvKeyKind rowkind, const ClvRow *row)
{
	uint32		n = f->nentries;
	uint32		pos;
	int			c = 1;
	ClvSummaryFlat *g;
	Size		keybytes;
	Size		sz;
	ClvCustEntry *ge;
	ClvCustEntry *fe = CLV_SUMMARY_ENTRIES(f);
	char	   *garena;
	const char *farena;

	{
		ClvKeyKind	kind = (ClvKeyKind) f->keykind;

		CheckKeyKind(&kind, n, rowkind);
		f->keykind = (uint8) kind;
	}
	/* position of the key: first entry >= key */
	for (pos = 0; pos < n; pos++)
	{
		c = FlatKeyCmp(f, pos, &row->key);
		if (c >= 0)
			break;
	}
	if (pos < n && c == 0)
	{
		/* a known customer: update in place */
		FlatAddHeader(f, row);
		if (row->is_order)
			EntryAddOrder(&fe[pos], row->ts);
		return PointerGetDatum(f);
	}
	if (n >= CLV_SMALL_CUSTOMERS)
		return (Datum) 0;

	/* a new customer: a new value with the entry inserted at pos */
	keybytes = (rowkind == CLV_KEY_INT8) ? 0 : MAXALIGN(sizeof(uint32) + row->key.len);
	sz = VARSIZE(f) + sizeof(ClvCustEntry) + keybytes;
	g = palloc(sz);
	memcpy(g, f, sizeof(ClvSummaryFlat));
	SET_VARSIZE(g, sz);
	g->nentries = n + 1;
	g->arenalen = f->arenalen + keybytes;
	ge = CLV_SUMMARY_ENTRIES(g);
	memcpy(ge, fe, pos * sizeof(ClvCustEntry));
	memcpy(ge + pos + 1, fe + pos, (n - pos) * sizeof(ClvCustEntry));
	memset(&ge[pos], 0, sizeof(ClvCustEntry));
	farena = (const char *) (fe + n);
	garena = (char *) (ge + n + 1);
	if (f->arenalen > 0)
		memcpy(garena, farena, f->arenalen);
	if (rowkind == CLV_KEY_INT8)
		ge[pos].keyref = row->key.ival;
	else
	{
		ge[pos].keyref = (int64) f->arenalen;
		memcpy(garena + f->arenalen, &row->key.len, sizeof(uint32));
		memcpy(garena + f->arenalen + sizeof(uint32), row->key.bytes, row->key.len);
	}
	FlatAddHeader(g, row);
	if (row->is_order)
		EntryAddOrder(&ge[pos], row->ts);
	return PointerGetDatum(g);
}

/* Common body of the accumulating transition functions */
static Datum
SummaryAccum(FunctionCallInfo fcinfo, bool has_amount, bool has_cutoff)
{
	MemoryContext aggcontext;
	ClvSummaryState *s;
	ClvArgTypes *t;
	ClvRow		row;
	Datum		state;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the clv_summary transition functions can only be called by an aggregate"),
				 errhint("Use the aggregate clv_summary, clv_agg, repeat_rate or retention_rate.")));

	t = GetArgTypes(fcinfo, has_amount);

	/* a NULL customer, time or amount: ignore the row, as sum() does */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || (has_amount && PG_ARGISNULL(3)))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}

	/* convert the row */
	memset(&row, 0, sizeof(row));
	row.ts = clv_time_from_datum(PG_GETARG_DATUM(2), t->timetype);
	row.is_order = true;
	if (has_amount)
	{
		row.has_amount = true;
		clv_money_from_datum(PG_GETARG_DATUM(3), t->amountkind, &row.amount);
		row.is_order = clv_money_sign(&row.amount) >= 0;
	}
	if (has_cutoff)
	{
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("retention cutoff must not be null")));
		row.has_cutoff = true;
		row.cutoff = clv_finite_timestamptz(PG_GETARG_TIMESTAMPTZ(3), "retention cutoff");
	}
	clv_key_from_datum(PG_GETARG_DATUM(1), t->keytype, t->keykind, &row.key);

	/* a small flat state (or none yet) */
	if (PG_ARGISNULL(0) ||
		!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		ClvSummaryFlat *f;
		Datum		result;

		if (PG_ARGISNULL(0))
			f = (ClvSummaryFlat *) DatumGetPointer(SummaryEmpty());
		else
			f = SummaryFlatCheck(PG_GETARG_DATUM(0));	/* detoasts if needed */
		result = SummaryFlatAddRow(f, t->keykind, &row);
		if (result != (Datum) 0)
			PG_RETURN_DATUM(result);
	}

	/* a large state: expanded, updated in place */
	s = SummaryGetMutable(fcinfo, aggcontext, t->keykind);
	state = EOHPGetRWDatum(&s->hdr);
	CheckKeyKind(&s->dict.kind, s->dict.nentries, t->keykind);
	SummaryAddRow(s, &row);
	PG_RETURN_DATUM(state);
}

/* clv_summary_accum(state, customer_id, ordered_at, amount) */
PG_FUNCTION_INFO_V1(clv_summary_accum);
Datum
clv_summary_accum(PG_FUNCTION_ARGS)
{
	return SummaryAccum(fcinfo, true, false);
}

/* clv_summary_accum_orders(state, customer_id, ordered_at): rows are orders */
PG_FUNCTION_INFO_V1(clv_summary_accum_orders);
Datum
clv_summary_accum_orders(PG_FUNCTION_ARGS)
{
	return SummaryAccum(fcinfo, false, false);
}

/* clv_summary_accum_cutoff(state, customer_id, ordered_at, cutoff) */
PG_FUNCTION_INFO_V1(clv_summary_accum_cutoff);
Datum
clv_summary_accum_cutoff(PG_FUNCTION_ARGS)
{
	return SummaryAccum(fcinfo, false, true);
}

/* Compare the keys of entry i of view a and entry j of view b */
static inline int
ViewKeyCmp(const ClvSummaryView *a, uint32 i, const ClvSummaryView *b, uint32 j)
{
	uint32		la,
				lb;
	const char *pa,
			   *pb;
	int			c;

	if (a->keykind == CLV_KEY_INT8)
	{
		int64		ka = a->entries[i].keyref;
		int64		kb = b->entries[j].keyref;

		return (ka > kb) - (ka < kb);
	}
	pa = a->arena + a->entries[i].keyref;
	pb = b->arena + b->entries[j].keyref;
	memcpy(&la, pa, sizeof(uint32));
	memcpy(&lb, pb, sizeof(uint32));
	c = memcmp(pa + sizeof(uint32), pb + sizeof(uint32), Min(la, lb));
	if (c != 0)
		return c;
	return (la > lb) - (la < lb);
}

/* Copy the key bytes of a view entry into an output arena; returns offset */
static inline int64
ArenaCopy(char *arena, uint64 *arenalen, const ClvSummaryView *v, uint32 i)
{
	const char *p = v->arena + v->entries[i].keyref;
	uint32		len;
	uint64		off = *arenalen;

	memcpy(&len, p, sizeof(uint32));
	memcpy(arena + off, p, sizeof(uint32) + len);
	/* zero the alignment padding: the output buffer is not cleared */
	memset(arena + off + sizeof(uint32) + len, 0,
		   MAXALIGN(sizeof(uint32) + len) - (sizeof(uint32) + len));
	*arenalen += MAXALIGN(sizeof(uint32) + len);
	return (int64) off;
}

/*
 * Merge two flat (sorted) summaries in one sequential pass, producing a new
 * flat summary in the current memory context.
 */
static Datum
SummaryMergeSorted(const ClvSummaryView *a, const ClvSummaryView *b)
{
	uint32		i = 0,
				j = 0;
	uint64		n = 0;
	uint64		arenalen = 0;
	ClvKeyKind	kind = a->keykind != CLV_KEY_NONE ? a->keykind : b->keykind;
	Size		sz;
	ClvSummaryFlat *f;
	ClvCustEntry *out;
	char	   *arena;
	ClvSummaryState hdr;		/* header fields only, merged as SummaryMerge does */

	/* header: key kind, cutoff and revenue */
	memset(&hdr, 0, sizeof(hdr));
	hdr.dict.kind = a->keykind;
	hdr.flags = a->flags;
	hdr.cutoff = a->cutoff;
	hdr.revenue = a->revenue;
	MergeHeader(&hdr.dict.kind, &hdr.flags, &hdr.cutoff, &hdr.revenue, b);

	/* pass 1: size of the result */
	while (i < a->nentries || j < b->nentries)
	{
		int			c;
		const ClvSummaryView *v;
		uint32		k;

		if (i >= a->nentries)
			c = 1;
		else if (j >= b->nentries)
			c = -1;
		else
			c = ViewKeyCmp(a, i, b, j);
		v = c <= 0 ? a : b;
		k = c <= 0 ? i : j;
		if (kind != CLV_KEY_INT8)
		{
			uint32		len;

			memcpy(&len, v->arena + v->entries[k].keyref, sizeof(uint32));
			arenalen += MAXALIGN(sizeof(uint32) + len);
		}
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		n++;
		if ((n & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}

	sz = sizeof(ClvSummaryFlat) + n * sizeof(ClvCustEntry) + arenalen;
	clv_check_state_memory(sz, "clv_summary");
	if (sz > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("clv_summary of " UINT64_FORMAT " customers is too large to store as one value", n),
				 errhint("Store summaries per day or per segment and roll them up when reading.")));
	/* every entry and arena byte is written below: clear the header only */
	f = palloc(sz);
	clv_advise_huge_pages(f, sz);
	memset(f, 0, sizeof(ClvSummaryFlat));
	SET_VARSIZE(f, sz);
	f->version = CLV_SUMMARY_VERSION;
	f->keykind = kind;
	f->flags = hdr.flags;
	f->nentries = (uint32) n;
	f->rev_scale = hdr.revenue.scale;
	f->rev_dscale = hdr.revenue.dscale;
	f->rev_hi = (int64) (hdr.revenue.value >> 64);
	f->rev_lo = (uint64) hdr.revenue.value;
	f->cutoff = hdr.cutoff;
	f->arenalen = arenalen;
	out = CLV_SUMMARY_ENTRIES(f);
	arena = (char *) (out + n);

	/* pass 2: fill */
	arenalen = 0;
	i = j = 0;
	n = 0;
	while (i < a->nentries || j < b->nentries)
	{
		int			c;
		ClvCustEntry *e = &out[n++];

		if (i >= a->nentries)
			c = 1;
		else if (j >= b->nentries)
			c = -1;
		else
			c = ViewKeyCmp(a, i, b, j);
		if (c <= 0)
		{
			*e = a->entries[i];
			if (kind != CLV_KEY_INT8)
				e->keyref = ArenaCopy(arena, &arenalen, a, i);
			if (c == 0)
				EntryMerge(e, &b->entries[j]);
		}
		else
		{
			*e = b->entries[j];
			if (kind != CLV_KEY_INT8)
				e->keyref = ArenaCopy(arena, &arenalen, b, j);
		}
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		if ((n & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return PointerGetDatum(f);
}

/*
 * clv_summary_merge(state, clv_summary): combine function of every
 * clv_summary-state aggregate and transition function of rollup.
 *
 * The first input becomes the state as it is (nodeAgg copies it).  A flat
 * state merged with an input of comparable size (the partial states of
 * parallel workers) is merged in one sequential pass over the two sorted
 * entry arrays; many small inputs (daily summaries rolled up into a month)
 * go into an expanded hash state instead.
 */
PG_FUNCTION_INFO_V1(clv_summary_merge);
Datum
clv_summary_merge(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ClvSummaryState *s;
	ClvSummaryView v;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called by an aggregate", "clv_summary_merge"),
				 errhint("Use the aggregate rollup(clv_summary).")));

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));	/* nodeAgg copies it */

	clv_summary_view(PG_GETARG_DATUM(1), &v);
	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		ClvSummaryView a;

		clv_summary_view(PG_GETARG_DATUM(0), &a);
		if ((uint64) v.nentries * 8 >= a.nentries)
			PG_RETURN_DATUM(SummaryMergeSorted(&a, &v));
	}
	s = SummaryGetMutable(fcinfo, aggcontext, v.keykind);
	SummaryMerge(s, &v);
	PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr));
}

/* An empty flat summary */
static Datum
SummaryEmpty(void)
{
	ClvSummaryFlat *f = palloc0(sizeof(ClvSummaryFlat));

	SET_VARSIZE(f, sizeof(ClvSummaryFlat));
	f->version = CLV_SUMMARY_VERSION;
	f->keykind = CLV_KEY_NONE;
	return PointerGetDatum(f);
}

/*
 * clv_summary_final(state): the summary, flattened into the output memory
 * context.  With no usable rows, an empty summary (customers = 0).
 */
PG_FUNCTION_INFO_V1(clv_summary_final);
Datum
clv_summary_final(PG_FUNCTION_ARGS)
{
	ClvSummaryState *s;
	Datum		result;

	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(SummaryEmpty());
	s = SummaryExpanded(PG_GETARG_DATUM(0));
	if (s == NULL)
		result = PointerGetDatum(PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0)));
	else
		result = SummaryFlatten(s);
	SummarySortFlat((ClvSummaryFlat *) DatumGetPointer(result));
	PG_RETURN_DATUM(result);
}

/* ----------------------------------------------------------------
 * Results (final functions of the one-step aggregates and accessors)
 * ----------------------------------------------------------------
 */

/* The view and the derived figures of the summary in argument 0 */
static void
ArgStats(FunctionCallInfo fcinfo, ClvSummaryView *v, ClvSummaryStats *st)
{
	clv_summary_view(PG_GETARG_DATUM(0), v);
	clv_summary_stats(v, st);
}

/* Historical CLV = revenue / customers (NULL without customers) */
static Datum
ResultClv(const ClvSummaryView *v, bool *isnull)
{
	ClvSummaryStats st;

	clv_summary_stats(v, &st);
	if (st.customers == 0 || !(v->flags & CLV_SUMMARY_HAS_REVENUE))
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;
	return clv_money_div_count(&v->revenue, st.customers);
}

/* Repeat rate = customers with 2+ orders / customers */
static bool
ResultRepeatRate(const ClvSummaryView *v, double *result)
{
	ClvSummaryStats st;

	clv_summary_stats(v, &st);
	if (st.customers == 0)
		return false;
	*result = (double) st.repeat_customers / (double) st.customers;
	return true;
}

/* CRR = (E - N) / S at cutoff */
static bool
ResultRetention(const ClvSummaryView *v, TimestampTz cutoff, double *result)
{
	int64		S = 0;
	int64		retained = 0;	/* E - N: ordered before and at/after cutoff */
	uint32		i;

	for (i = 0; i < v->nentries; i++)
	{
		const ClvCustEntry *e = &v->entries[i];

		if (e->norders <= 0 || e->first >= cutoff)
			continue;
		S++;
		if (e->last >= cutoff)
			retained++;
	}
	if (S == 0)
		return false;
	*result = (double) retained / (double) S;
	return true;
}

/* Final function of clv_agg(customer_id, ordered_at, amount) */
PG_FUNCTION_INFO_V1(clv_agg_final);
Datum
clv_agg_final(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	bool		isnull;
	Datum		result;

	/* SQL defines aggregates over no rows to be NULL, as sum() */
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	clv_summary_view(PG_GETARG_DATUM(0), &v);
	result = ResultClv(&v, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/* Final function of repeat_rate(customer_id, ordered_at) */
PG_FUNCTION_INFO_V1(clv_repeat_rate_final);
Datum
clv_repeat_rate_final(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	double		r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	clv_summary_view(PG_GETARG_DATUM(0), &v);
	if (!ResultRepeatRate(&v, &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/* Final function of retention_rate(customer_id, ordered_at, cutoff) */
PG_FUNCTION_INFO_V1(clv_retention_rate_final);
Datum
clv_retention_rate_final(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	double		r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	clv_summary_view(PG_GETARG_DATUM(0), &v);
	if (!(v.flags & CLV_SUMMARY_HAS_CUTOFF) || !ResultRetention(&v, v.cutoff, &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/* customers(clv_summary) */
PG_FUNCTION_INFO_V1(clv_summary_customers);
Datum
clv_summary_customers(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	PG_RETURN_INT64(st.customers);
}

/* orders(clv_summary) */
PG_FUNCTION_INFO_V1(clv_summary_orders);
Datum
clv_summary_orders(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	PG_RETURN_INT64(st.orders);
}

/* repeat_customers(clv_summary) */
PG_FUNCTION_INFO_V1(clv_summary_repeat_customers);
Datum
clv_summary_repeat_customers(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	PG_RETURN_INT64(st.repeat_customers);
}

/* revenue(clv_summary): exact net revenue, NULL when no amount was added */
PG_FUNCTION_INFO_V1(clv_summary_revenue);
Datum
clv_summary_revenue(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;

	clv_summary_view(PG_GETARG_DATUM(0), &v);
	if (!(v.flags & CLV_SUMMARY_HAS_REVENUE))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(clv_money_to_numeric(&v.revenue));
}

/* aov(clv_summary) = revenue / orders */
PG_FUNCTION_INFO_V1(clv_summary_aov);
Datum
clv_summary_aov(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	if (st.orders == 0 || !(v.flags & CLV_SUMMARY_HAS_REVENUE))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(clv_money_div_count(&v.revenue, st.orders));
}

/* lifespan(clv_summary): mean customer lifespan in years */
PG_FUNCTION_INFO_V1(clv_summary_lifespan);
Datum
clv_summary_lifespan(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	if (st.customers == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(st.lifespan_years);
}

/* purchase_frequency(clv_summary): orders per customer per year of lifespan */
PG_FUNCTION_INFO_V1(clv_summary_purchase_frequency);
Datum
clv_summary_purchase_frequency(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	/* undefined when no customer has a lifespan (all one-time buyers) */
	if (st.customers == 0 || st.lifespan_years <= 0.0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) st.orders / (double) st.customers / st.lifespan_years);
}

/* clv(clv_summary) = revenue / customers */
PG_FUNCTION_INFO_V1(clv_summary_clv);
Datum
clv_summary_clv(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	bool		isnull;
	Datum		result;

	clv_summary_view(PG_GETARG_DATUM(0), &v);
	result = ResultClv(&v, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/* clv(clv_summary, gross_margin) = revenue / customers * gross_margin */
PG_FUNCTION_INFO_V1(clv_summary_clv_margin);
Datum
clv_summary_clv_margin(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	bool		isnull;
	Datum		result;
	Numeric		margin = PG_GETARG_NUMERIC(1);

	if (numeric_is_nan(margin) || numeric_is_inf(margin))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gross margin must be a finite number")));
	clv_summary_view(PG_GETARG_DATUM(0), &v);
	result = ResultClv(&v, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_mul, result, NumericGetDatum(margin)));
}

/* repeat_rate(clv_summary) */
PG_FUNCTION_INFO_V1(clv_summary_repeat_rate);
Datum
clv_summary_repeat_rate(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	double		r;

	clv_summary_view(PG_GETARG_DATUM(0), &v);
	if (!ResultRepeatRate(&v, &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/* retention_rate(clv_summary, cutoff) */
PG_FUNCTION_INFO_V1(clv_summary_retention_rate);
Datum
clv_summary_retention_rate(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	double		r;
	TimestampTz cutoff = clv_finite_timestamptz(PG_GETARG_TIMESTAMPTZ(1), "retention cutoff");

	clv_summary_view(PG_GETARG_DATUM(0), &v);
	if (!ResultRetention(&v, cutoff, &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/* first_order(clv_summary) / last_order(clv_summary) */
PG_FUNCTION_INFO_V1(clv_summary_first_order);
Datum
clv_summary_first_order(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	if (st.customers == 0)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(st.first_order);
}

PG_FUNCTION_INFO_V1(clv_summary_last_order);
Datum
clv_summary_last_order(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	if (st.customers == 0)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(st.last_order);
}

/* ----------------------------------------------------------------
 * I/O
 *
 * Binary form (network byte order): version (1 byte), key kind (1 byte),
 * flags (2 bytes), cutoff (int64), revenue (see clv_money_send), number of
 * entries (uint32), then per entry: key (clv_key_send), first, last (int64),
 * norders (int64).  The text form is "clv_summary:" + base64 of it.
 * ----------------------------------------------------------------
 */

/* Serialize a view to the binary form */
static bytea *
SummarySend(const ClvSummaryView *v)
{
	StringInfoData buf;
	uint32		i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CLV_SUMMARY_VERSION);
	pq_sendbyte(&buf, (uint8) v->keykind);
	pq_sendint16(&buf, v->flags);
	pq_sendint64(&buf, v->cutoff);
	clv_money_send(&buf, &v->revenue);
	pq_sendint32(&buf, v->nentries);
	for (i = 0; i < v->nentries; i++)
	{
		ClvKey		key;

		ViewGetKey(v, i, &key);
		clv_key_send(&buf, v->keykind, &key);
		pq_sendint64(&buf, v->entries[i].first);
		pq_sendint64(&buf, v->entries[i].last);
		pq_sendint64(&buf, v->entries[i].norders);
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return pq_endtypsend(&buf);
}

/* Report a malformed external value */
pg_noreturn static void
BadExternal(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid external clv_summary value"),
			 errdetail("%s", detail)));
}

/* Parse and validate the binary form; returns a flat summary */
static Datum
SummaryRecv(StringInfo buf)
{
	int			version;
	int			kind;
	uint16		flags;
	TimestampTz cutoff;
	ClvMoney	revenue;
	uint32		n;
	uint32		i;
	ClvSummaryState *s;
	Datum		result;
	MemoryContext tmp;

	clv_recv_need(buf, 1, "clv_summary");
	version = pq_getmsgbyte(buf);
	if (version != CLV_SUMMARY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported clv_summary version %d", version),
				 errdetail("This version of clv reads version %d.", CLV_SUMMARY_VERSION)));
	clv_recv_need(buf, 1 + 2 + 8 + 24 + 4, "clv_summary");
	kind = pq_getmsgbyte(buf);
	if (kind < CLV_KEY_NONE || kind > CLV_KEY_TEXT)
		BadExternal("Unknown customer key kind.");
	flags = (uint16) pq_getmsgint(buf, 2);
	if (flags & ~CLV_SUMMARY_FLAGS_ALL)
		BadExternal("Unknown flags.");
	cutoff = pq_getmsgint64(buf);
	if ((flags & CLV_SUMMARY_HAS_CUTOFF) ? TIMESTAMP_NOT_FINITE(cutoff) : cutoff != 0)
		BadExternal("Invalid cutoff.");
	clv_money_recv(buf, &revenue);
	if (!(flags & CLV_SUMMARY_HAS_REVENUE) && revenue.value != 0)
		BadExternal("Revenue without the revenue flag.");
	n = pq_getmsgint(buf, 4);
	if (kind == CLV_KEY_NONE && n != 0)
		BadExternal("Customers without a key kind.");
	/* each entry takes at least 28 bytes: reject absurd counts early */
	if ((uint64) n * 28 > (uint64) (buf->len - buf->cursor))
		BadExternal("The number of customers does not match the data.");

	tmp = AllocSetContextCreate(CurrentMemoryContext, "clv_summary recv", ALLOCSET_DEFAULT_SIZES);
	s = SummaryCreate(tmp, (ClvKeyKind) kind, Max(n, 16));
	s->flags = flags;
	s->cutoff = cutoff;
	s->revenue = revenue;
	for (i = 0; i < n; i++)
	{
		ClvKey		key;
		bool		found;
		uint32		id;
		ClvCustEntry *e;
		TimestampTz first,
					last;
		int64		norders;

		clv_key_recv(buf, (ClvKeyKind) kind, &key);
		clv_recv_need(buf, 24, "clv_summary");
		first = pq_getmsgint64(buf);
		last = pq_getmsgint64(buf);
		norders = pq_getmsgint64(buf);
		if (norders < 0)
			BadExternal("Negative order count.");
		if (norders == 0 ? (first != 0 || last != 0) :
			(TIMESTAMP_NOT_FINITE(first) || TIMESTAMP_NOT_FINITE(last) || first > last ||
			 (norders == 1 && first != last)))
			BadExternal("Invalid order times.");
		id = clv_keydict_lookup(&s->dict, &key, &found);
		if (found)
			BadExternal("Duplicate customer key.");
		e = (ClvCustEntry *) CLV_KEYDICT_ENTRY(&s->dict, id);
		e->first = first;
		e->last = last;
		e->norders = norders;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	{
		MemoryContext old = MemoryContextSwitchTo(MemoryContextGetParent(tmp));

		result = SummaryFlatten(s);
		SummarySortFlat((ClvSummaryFlat *) DatumGetPointer(result));
		MemoryContextSwitchTo(old);
	}
	MemoryContextDelete(tmp);
	return result;
}

PG_FUNCTION_INFO_V1(clv_summary_send);
Datum
clv_summary_send(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;

	clv_summary_view(PG_GETARG_DATUM(0), &v);
	PG_RETURN_BYTEA_P(SummarySend(&v));
}

PG_FUNCTION_INFO_V1(clv_summary_recv);
Datum
clv_summary_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Datum		result = SummaryRecv(buf);

	clv_recv_finish(buf, "clv_summary");
	PG_RETURN_DATUM(result);
}

PG_FUNCTION_INFO_V1(clv_summary_out);
Datum
clv_summary_out(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;

	clv_summary_view(PG_GETARG_DATUM(0), &v);
	PG_RETURN_CSTRING(clv_text_encode("clv_summary", SummarySend(&v)));
}

PG_FUNCTION_INFO_V1(clv_summary_in);
Datum
clv_summary_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	StringInfoData buf;
	Datum		result;

	clv_text_decode("clv_summary", str, &buf);
	result = SummaryRecv(&buf);
	clv_recv_finish(&buf, "clv_summary");
	PG_RETURN_DATUM(result);
}
