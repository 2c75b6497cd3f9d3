/*-------------------------------------------------------------------------
 *
 * summary.c
 *	  The clv_summary type (see summary.h): its entries on the state
 *	  engine, flat and expanded forms, merges, derived figures and I/O.
 *	  The aggregates and accessors built on it are in summary_agg.c.
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
 *	- repeat customers = customers with >= 2 orders.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "summary.h"

#define USECS_PER_YEAR (365.25 * 86400.0 * 1000000.0)

/* ----------------------------------------------------------------
 * Entries
 * ----------------------------------------------------------------
 */

/* Apply one order time to a customer entry */
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

/* Fold the entry of a customer into another entry of the same customer */
static void
EntryMerge(void *dstp, const void *srcp)
{
	ClvCustEntry *dst = (ClvCustEntry *) dstp;
	const ClvCustEntry *src = (const ClvCustEntry *) srcp;

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

const ClvEntrySpec clv_summary_spec = {
	.typname = "clv_summary",
	.memname = "clv_summary",
	.entrysize = sizeof(ClvCustEntry),
	.subkeyed = false,
	.init = NULL,				/* zero: no orders yet */
	.merge = EntryMerge
};

/* Apply a buffered row (ClvSummaryPayload) to its entry */
static void
ApplyRow(void *arg, void *entry, bool isnew, const void *payload)
{
	const ClvSummaryPayload *p = (const ClvSummaryPayload *) payload;

	if (p->is_order)
		EntryAddOrder((ClvCustEntry *) entry, p->ts);
}

/* ----------------------------------------------------------------
 * Headers
 * ----------------------------------------------------------------
 */

static void
HeaderFromFlat(const ClvSummaryFlat *f, ClvSummaryHeader *h)
{
	h->keykind = (ClvKeyKind) f->keykind;
	h->flags = f->flags;
	h->cutoff = f->cutoff;
	h->revenue.value = clv_int128_join(f->rev_hi, f->rev_lo);
	h->revenue.scale = f->rev_scale;
	h->revenue.dscale = f->rev_dscale;
}

/* Write a flat header for n entries and arenalen key bytes */
static void
HeaderToFlat(const ClvSummaryHeader *h, uint32 n, uint64 arenalen, ClvSummaryFlat *f, Size sz)
{
	memset(f, 0, sizeof(ClvSummaryFlat));
	SET_VARSIZE(f, sz);
	f->version = CLV_SUMMARY_VERSION;
	f->keykind = (uint8) h->keykind;
	f->flags = h->flags;
	f->nentries = n;
	f->rev_scale = h->revenue.scale;
	f->rev_dscale = h->revenue.dscale;
	f->rev_hi = clv_int128_hi(h->revenue.value);
	f->rev_lo = clv_int128_lo(h->revenue.value);
	f->cutoff = h->cutoff;
	f->arenalen = arenalen;
}

/*
 * Merge header b into header a (retention cutoff, revenue; the key kinds
 * are the tables' business), with the checks every merge makes
 */
static void
HeaderMerge(ClvSummaryHeader *a, const ClvSummaryHeader *b)
{
	if (b->flags & CLV_SUMMARY_HAS_CUTOFF)
	{
		if ((a->flags & CLV_SUMMARY_HAS_CUTOFF) && a->cutoff != b->cutoff)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot merge retention states with different cutoffs")));
		a->flags |= CLV_SUMMARY_HAS_CUTOFF;
		a->cutoff = b->cutoff;
	}
	if (b->flags & CLV_SUMMARY_HAS_REVENUE)
	{
		clv_money_add(&a->revenue, &b->revenue);
		a->flags |= CLV_SUMMARY_HAS_REVENUE;
	}
}

void
clv_summary_cutoff_mismatch(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("retention cutoff must be the same for all rows of a group")));
}

/* ----------------------------------------------------------------
 * Flat form
 * ----------------------------------------------------------------
 */

/* Fail when a flat value would exceed the size of one datum */
static inline void
CheckFlatSize(Size sz, uint64 n)
{
	if (unlikely(sz > MaxAllocSize))
		clv_flat_too_large(psprintf("clv_summary of " UINT64_FORMAT " customers", n),
						   "Store summaries per day or per segment and roll them up when reading.");
}

static inline Size
FlatSize(uint64 n, uint64 arenalen)
{
	return sizeof(ClvSummaryFlat) + n * sizeof(ClvCustEntry) + arenalen;
}

ClvSummaryFlat *
clv_summary_flat_check(Datum d)
{
	ClvSummaryFlat *f = (ClvSummaryFlat *) PG_DETOAST_DATUM(d);
	Size		len = VARSIZE(f);

	if (len < sizeof(ClvSummaryFlat) || f->version != CLV_SUMMARY_VERSION ||
		f->keykind > CLV_KEY_TEXT ||
		len != FlatSize(f->nentries, f->arenalen))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid clv_summary value")));
	return f;
}

Datum
clv_summary_empty(void)
{
	ClvSummaryHeader h;
	ClvSummaryFlat *f = palloc(sizeof(ClvSummaryFlat));

	memset(&h, 0, sizeof(h));
	HeaderToFlat(&h, 0, 0, f, sizeof(ClvSummaryFlat));
	return PointerGetDatum(f);
}

/* The flat table of a flat value */
static void
FlatTab(ClvSummaryFlat *f, ClvFlatTab *t)
{
	clv_flat_init(t, &clv_summary_spec, (ClvKeyKind) f->keykind, f->nentries,
				  (char *) CLV_SUMMARY_ENTRIES(f), CLV_SUMMARY_ARENA(f), f->arenalen);
}

/* ----------------------------------------------------------------
 * Expanded form
 * ----------------------------------------------------------------
 */

static Size SummaryGetFlatSize(ExpandedObjectHeader *eohptr);
static void SummaryFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

const ExpandedObjectMethods clv_summary_methods =
{
	SummaryGetFlatSize,
	SummaryFlattenInto
};

/* An empty expanded summary under "parent" sized for "expected" customers */
static ClvSummaryState *
SummaryCreate(MemoryContext parent, ClvKeyKind kind, uint32 expected)
{
	ClvSummaryState *s = clv_state_create(sizeof(ClvSummaryState), &clv_summary_methods, parent,
										  "clv_summary");

	clv_tab_init(&s->tab, &clv_summary_spec, s->hdr.eoh.eoh_context, kind, expected, NULL);
	clv_tab_batch_init(&s->tab, sizeof(ClvSummaryPayload), ApplyRow, NULL);
	return s;
}

static Size
SummaryGetFlatSize(ExpandedObjectHeader *eohptr)
{
	ClvSummaryState *s = (ClvSummaryState *) eohptr;
	uint32		n;
	uint64		arenalen;
	Size		sz;

	if (s->flat)
		return VARSIZE(s->flat);
	clv_tab_flat_sizes(&s->tab, &n, &arenalen);
	sz = FlatSize(n, arenalen);
	CheckFlatSize(sz, n);
	return sz;
}

static void
SummaryFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	ClvSummaryState *s = (ClvSummaryState *) eohptr;
	ClvSummaryFlat *f = (ClvSummaryFlat *) result;
	uint32		n;
	uint64		arenalen;

	if (s->flat)
	{
		Assert(allocated_size == VARSIZE(s->flat));
		memcpy(result, s->flat, allocated_size);
		return;
	}
	clv_tab_flat_sizes(&s->tab, &n, &arenalen);
	s->head.keykind = s->tab.kind;
	HeaderToFlat(&s->head, n, arenalen, f, allocated_size);
	clv_tab_flatten(&s->tab, (char *) CLV_SUMMARY_ENTRIES(f), CLV_SUMMARY_ARENA(f));
}

Datum
clv_summary_flatten(ClvSummaryState *s)
{
	Size		sz = SummaryGetFlatSize(&s->hdr.eoh);
	void	   *flat = palloc_extended(sz, MCXT_ALLOC_HUGE);

	clv_advise_huge_pages(flat, sz);
	SummaryFlattenInto(&s->hdr.eoh, flat, sz);
	return PointerGetDatum(flat);
}

ClvSummaryState *
clv_summary_expanded(Datum d)
{
	return (ClvSummaryState *) clv_state_expanded(d, &clv_summary_methods, "clv_summary");
}

void
clv_summary_view(Datum d, ClvSummaryView *v)
{
	ClvSummaryState *s = clv_summary_expanded(d);

	if (s && s->flat == NULL)
	{
		clv_tab_flush(&s->tab);
		v->head = s->head;
		v->head.keykind = s->tab.kind;
		v->state = s;
		memset(&v->flat, 0, sizeof(v->flat));
	}
	else
	{
		/* a flat value, or an expanded state holding one */
		ClvSummaryFlat *f = s ? s->flat : clv_summary_flat_check(d);

		HeaderFromFlat(f, &v->head);
		FlatTab(f, &v->flat);
		v->state = NULL;
	}
}

const ClvCustEntry *
clv_summary_next(ClvSummaryView *v, uint32 *pos)
{
	if (v->state)
		return (const ClvCustEntry *) clv_tab_next(&v->state->tab, pos);
	if (*pos >= v->flat.nentries)
		return NULL;
	return (const ClvCustEntry *) CLV_FLAT_ENTRY(&v->flat, (*pos)++);
}

/*
 * Derived figures.  The lifespan sum is kept as an exact 128-bit integer of
 * microseconds (each customer's term rounded down to the microsecond), so
 * the result does not depend on the order of the customers: serial and
 * parallel plans, one-step aggregates and rollups agree to the last bit.
 */
void
clv_summary_stats(ClvSummaryView *v, ClvSummaryStats *st)
{
	uint32		pos = 0;
	uint32		i = 0;
	int128		lifespan_sum = 0;
	const ClvCustEntry *e;

	memset(st, 0, sizeof(ClvSummaryStats));
	st->first_order = DT_NOEND;
	st->last_order = DT_NOBEGIN;
	while ((e = clv_summary_next(v, &pos)) != NULL)
	{
		if ((++i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
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
	}
	if (st->customers > 0)
		st->lifespan_years = (double) lifespan_sum / (double) st->customers / USECS_PER_YEAR;
}

/* ----------------------------------------------------------------
 * Updates and merges
 * ----------------------------------------------------------------
 */

void
clv_summary_unflatten(ClvSummaryState *s)
{
	ClvSummaryFlat *f = s->flat;
	ClvFlatTab	t;

	s->flat = NULL;
	HeaderFromFlat(f, &s->head);
	FlatTab(f, &t);
	clv_tab_merge_flat(&s->tab, &t);
	pfree(f);
}

void
clv_summary_merge_into(ClvSummaryState *s, ClvSummaryView *v)
{
	clv_tab_set_kind(&s->tab, v->head.keykind, true);
	HeaderMerge(&s->head, &v->head);
	if (v->state)
	{
		/* an expanded input: entry by entry */
		uint32		pos = 0;
		const ClvCustEntry *e;

		while ((e = clv_summary_next(v, &pos)) != NULL)
		{
			ClvKey		key;
			bool		found;

			clv_tab_entry_key(&v->state->tab, e, &key);
			key.hash = clv_key_hash(v->head.keykind, &key);
			EntryMerge(clv_tab_lookup(&s->tab, &key, 0, &found), e);
			if ((pos & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
	}
	else
		clv_tab_merge_flat(&s->tab, &v->flat);
}

ClvSummaryState *
clv_summary_mutable(Datum state, bool isnull, MemoryContext aggcontext)
{
	ClvSummaryState *s;
	ClvSummaryView v;

	if (isnull)
		return SummaryCreate(aggcontext, CLV_KEY_NONE, 0);
	if (clv_state_is_mutable(state, &clv_summary_methods, aggcontext))
	{
		s = (ClvSummaryState *) clv_state_eohp(state);
		if (s->flat)
			clv_summary_unflatten(s);
		return s;
	}
	clv_summary_view(state, &v);
	s = SummaryCreate(aggcontext, v.head.keykind,
					  v.state ? v.state->tab.nentries : v.flat.nentries);
	clv_summary_merge_into(s, &v);
	return s;
}

Datum
clv_summary_flat_add_row(ClvSummaryFlat *f, ClvKeyKind rowkind, const ClvSummaryRow *row)
{
	ClvFlatTab	t;
	ClvSummaryHeader h;
	ClvSummaryFlat *g;
	ClvCustEntry *e;
	uint32		pos;
	bool		found;
	Size		sz;
	uint64		keybytes;

	HeaderFromFlat(f, &h);
	h.keykind = clv_row_kind(&clv_summary_spec, h.keykind, f->nentries, rowkind);
	FlatTab(f, &t);
	t.kind = h.keykind;
	pos = clv_flat_search(&t, &row->key, 0, &found);
	if (found)
	{
		/* a known customer: update in place */
		clv_summary_header_add_row(&h, row);
		HeaderToFlat(&h, f->nentries, f->arenalen, f, VARSIZE(f));
		if (row->is_order)
			EntryAddOrder(&CLV_SUMMARY_ENTRIES(f)[pos], row->ts);
		return PointerGetDatum(f);
	}
	if (f->nentries >= CLV_SUMMARY_SMALL)
		return (Datum) 0;

	/* a new customer: a new value with the entry inserted at pos */
	keybytes = clv_key_arena_bytes(h.keykind, row->key.len);
	sz = FlatSize(f->nentries + 1, f->arenalen + keybytes);
	g = palloc(sz);
	clv_summary_header_add_row(&h, row);
	HeaderToFlat(&h, f->nentries + 1, f->arenalen + keybytes, g, sz);
	e = clv_flat_insert(&t, &clv_summary_spec, pos, &row->key, 0,
						(char *) CLV_SUMMARY_ENTRIES(g), CLV_SUMMARY_ARENA(g));
	if (row->is_order)
		EntryAddOrder(e, row->ts);
	return PointerGetDatum(g);
}

Datum
clv_summary_combine_datums(Datum state, bool isnull, Datum in, MemoryContext aggcontext)
{
	ClvSummaryState *s;
	ClvSummaryView v;
	ClvSummaryView a;

	if (isnull)
		return in;				/* nodeAgg copies it */
	clv_summary_view(in, &v);
	if (v.state == NULL)
	{
		s = NULL;
		if (clv_state_is_mutable(state, &clv_summary_methods, aggcontext))
		{
			s = (ClvSummaryState *) clv_state_eohp(state);
			if (s->flat == NULL)
				goto hashed;
		}
		else if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(state)))
			goto hashed;
		clv_summary_view(state, &a);
		if ((uint64) v.flat.nentries * 8 >= a.flat.nentries)
		{
			/*
			 * Comparable sizes (the partial states of parallel workers): one
			 * sequential pass over both, into a flat value that nodeAgg gets
			 * as an expanded object, so that it is not copied again
			 */
			MemoryContext old;
			ClvSummaryFlat *prev = s ? s->flat : NULL;

			if (s == NULL)
				s = SummaryCreate(aggcontext, CLV_KEY_NONE, 0);
			old = MemoryContextSwitchTo(s->hdr.eoh.eoh_context);
			s->flat = (ClvSummaryFlat *) DatumGetPointer(clv_summary_merge_flat(&a, &v));
			MemoryContextSwitchTo(old);
			if (prev)
				pfree(prev);
			return EOHPGetRWDatum(&s->hdr.eoh);
		}
	}
hashed:
	/* many small inputs (daily summaries rolled up): into the table */
	s = clv_summary_mutable(state, false, aggcontext);
	clv_summary_merge_into(s, &v);
	return EOHPGetRWDatum(&s->hdr.eoh);
}

Datum
clv_summary_merge_flat(ClvSummaryView *a, ClvSummaryView *b)
{
	ClvSummaryHeader h = a->head;
	uint32		n;
	uint64		arenalen;
	Size		sz;
	ClvSummaryFlat *f;

	Assert(a->state == NULL && b->state == NULL);
	h.keykind = clv_merge_kinds(&clv_summary_spec, a->head.keykind, b->head.keykind);
	a->flat.kind = b->flat.kind = h.keykind;
	HeaderMerge(&h, &b->head);
	clv_flat_merge_sizes(&a->flat, &b->flat, &clv_summary_spec, &n, &arenalen);
	sz = FlatSize(n, arenalen);
	clv_check_state_memory(sz, "clv_summary");
	CheckFlatSize(sz, n);
	/* every entry and arena byte is written: only the header is cleared */
	f = palloc_extended(sz, MCXT_ALLOC_HUGE);
	clv_advise_huge_pages(f, sz);
	HeaderToFlat(&h, n, arenalen, f, sz);
	clv_flat_merge(&a->flat, &b->flat, &clv_summary_spec,
				   (char *) CLV_SUMMARY_ENTRIES(f), CLV_SUMMARY_ARENA(f));
	return PointerGetDatum(f);
}

/* ----------------------------------------------------------------
 * I/O
 *
 * Binary form (network byte order): version (1 byte), key kind (1 byte),
 * flags (2 bytes), cutoff (int64), revenue (see clv_money_send), number of
 * entries (uint32), then per entry in canonical order: key
 * (clv_key_send), first, last (int64), norders (int64).  The text form is
 * "clv_summary:" + base64 of it.
 * ----------------------------------------------------------------
 */

static void
SendFields(StringInfo buf, const void *entry, void *arg)
{
	const ClvCustEntry *e = (const ClvCustEntry *) entry;

	pq_sendint64(buf, e->first);
	pq_sendint64(buf, e->last);
	pq_sendint64(buf, e->norders);
}

static void
RecvFields(StringInfo buf, void *entry, void *arg)
{
	ClvCustEntry *e = (ClvCustEntry *) entry;

	clv_recv_need(buf, 24, "clv_summary");
	e->first = pq_getmsgint64(buf);
	e->last = pq_getmsgint64(buf);
	e->norders = pq_getmsgint64(buf);
	if (e->norders < 0)
		clv_bad_external("clv_summary", "Negative order count.");
	if (e->norders == 0 ? (e->first != 0 || e->last != 0) :
		(TIMESTAMP_NOT_FINITE(e->first) || TIMESTAMP_NOT_FINITE(e->last) ||
		 e->first > e->last || (e->norders == 1 && e->first != e->last)))
		clv_bad_external("clv_summary", "Invalid order times.");
}

/* The binary form of a summary datum */
static bytea *
SummarySend(Datum d)
{
	StringInfoData buf;
	ClvSummaryView v;

	clv_summary_view(d, &v);
	if (v.state)
	{
		/* canonical order: from the flat form */
		d = clv_summary_flatten(v.state);
		clv_summary_view(d, &v);
	}
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CLV_SUMMARY_VERSION);
	pq_sendbyte(&buf, (uint8) v.head.keykind);
	pq_sendint16(&buf, v.head.flags);
	pq_sendint64(&buf, v.head.cutoff);
	clv_money_send(&buf, &v.head.revenue);
	pq_sendint32(&buf, v.flat.nentries);
	clv_flat_send(&buf, &v.flat, SendFields, NULL);
	return pq_endtypsend(&buf);
}

/* Parse and validate the binary form; returns a flat summary */
static Datum
SummaryRecv(StringInfo buf)
{
	int			version;
	int			kind;
	ClvSummaryHeader h;
	uint32		n;
	ClvFlatTab	t;
	Size		sz;
	ClvSummaryFlat *f;

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
		clv_bad_external("clv_summary", "Unknown customer key kind.");
	h.keykind = (ClvKeyKind) kind;
	h.flags = (uint16) pq_getmsgint(buf, 2);
	if (h.flags & ~CLV_SUMMARY_FLAGS_ALL)
		clv_bad_external("clv_summary", "Unknown flags.");
	h.cutoff = pq_getmsgint64(buf);
	if ((h.flags & CLV_SUMMARY_HAS_CUTOFF) ? TIMESTAMP_NOT_FINITE(h.cutoff) : h.cutoff != 0)
		clv_bad_external("clv_summary", "Invalid cutoff.");
	clv_money_recv(buf, &h.revenue);
	if (!(h.flags & CLV_SUMMARY_HAS_REVENUE) && h.revenue.value != 0)
		clv_bad_external("clv_summary", "Revenue without the revenue flag.");
	n = pq_getmsgint(buf, 4);
	if (kind == CLV_KEY_NONE && n != 0)
		clv_bad_external("clv_summary", "Customers without a key kind.");
	/* each entry takes at least 28 bytes: reject absurd counts early */
	if ((uint64) n * 28 > (uint64) (buf->len - buf->cursor))
		clv_bad_external("clv_summary", "The number of customers does not match the data.");

	clv_flat_recv(buf, &clv_summary_spec, h.keykind, n, RecvFields, NULL, &t);
	sz = FlatSize(n, t.arenalen);
	CheckFlatSize(sz, n);
	f = palloc_extended(sz, MCXT_ALLOC_HUGE);
	HeaderToFlat(&h, n, t.arenalen, f, sz);
	if (n > 0)
		memcpy(CLV_SUMMARY_ENTRIES(f), t.entries, (Size) n * sizeof(ClvCustEntry));
	if (t.arenalen > 0)
		memcpy(CLV_SUMMARY_ARENA(f), t.arena, t.arenalen);
	pfree(t.entries);
	if (t.arena)
		pfree(t.arena);
	return PointerGetDatum(f);
}

PG_FUNCTION_INFO_V1(clv_summary_send);
Datum
clv_summary_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(SummarySend(PG_GETARG_DATUM(0)));
}

PG_FUNCTION_INFO_V1(clv_summary_recv);
Datum
clv_summary_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(clv_state_recv("clv_summary", (StringInfo) PG_GETARG_POINTER(0), SummaryRecv));
}

PG_FUNCTION_INFO_V1(clv_summary_out);
Datum
clv_summary_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(clv_state_out("clv_summary", PG_GETARG_DATUM(0), SummarySend));
}

PG_FUNCTION_INFO_V1(clv_summary_in);
Datum
clv_summary_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(clv_state_in("clv_summary", PG_GETARG_CSTRING(0), SummaryRecv));
}
