/*-------------------------------------------------------------------------
 *
 * cohort_state.c
 *	  The clv_cohort_state type on the state engine's flat tables
 *	  (custtab.h): entries keyed by (customer, period), the flat and
 *	  expanded forms, merges, and what the aggregates do to a state.  Its
 *	  binary and text forms are in cohort_io.c, its aggregates in
 *	  cohort_agg.c (the interface between them in cohort_state.h).
 *
 * Flat form (a varlena, the stored form since clv 0.3.0):
 *		CohortFlat header
 *		char tzname[MAXALIGN(tzlen + 1)]	(the zone name as given, padded)
 *		CohortEntry entries[nentries]		(canonical order: by customer,
 *											 then period; keys unique)
 *		char arena[arenalen]				(text/uuid key bytes, custtab.h)
 * Every flat value is in canonical order (flattening sorts, receiving
 * sorts and checks), so the text and binary forms depend only on the
 * content, whatever the order of the rows and of the merges.  Values
 * stored by clv 0.2.0 hold the binary form of version 1 instead (their
 * first byte is 0, a flat value's is its version, 2); every function that
 * reads a state converts them.
 *
 * While an aggregate updates it, a state is either a small flat value (at
 * most COHORT_SMALL customer-periods, updated in place: no memory context
 * per group) or an expanded object: a flat value of the entries sorted so
 * far and a buffer of rows sorted in by batches.  Why not the engine's hash
 * table (ClvCustTab): a cohort state has nearly as many entries as rows
 * (customer-periods, not customers), so nearly every row would insert into
 * a table of millions of entries at a random place, and the table would
 * then be sorted to be flattened; sorting the rows directly costs a third
 * less (10M rows, 8M customer-periods: 3.0 s instead of 4.9 s of CPU) and
 * leaves the state in its canonical, flat order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "cohort_state.h"

/* A state of at most this many customer-periods stays flat */
#define COHORT_SMALL		64

#define COHORT_HAS_ROWS		0x01

struct CohortFlat
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	uint8		version;		/* COHORT_VERSION */
	uint8		period;			/* ClvPeriod */
	uint8		keykind;		/* ClvKeyKind */
	uint8		flags;			/* COHORT_HAS_ROWS */
	int32		lastperiod;		/* if COHORT_HAS_ROWS, else 0 */
	int16		scale;
	int16		dscale;
	uint32		nentries;
	uint32		tzlen;
	uint64		arenalen;
	/* the zone name, entries and arena follow */
};

#define COHORT_TZNAME(f)	((char *) (f) + sizeof(CohortFlat))
#define COHORT_ENTRIES(f)	((CohortEntry *) (COHORT_TZNAME(f) + MAXALIGN((f)->tzlen + 1)))
#define COHORT_ARENA(f) \
	((char *) COHORT_ENTRIES(f) + (Size) (f)->nentries * sizeof(CohortEntry))

/*
 * The expanded form: the entries sorted so far (a flat value), and the
 * rows added since, not sorted yet (entries with repeated keys, in any
 * order, and the bytes of their text/uuid keys).  Rows are sorted in by
 * batches (StateSortRows): that is cheaper than looking each row up in a
 * hash table of millions of customer-periods, and the sorted part is the
 * canonical flat value, ready to be stored or merged.  The aggregate keeps
 * an expanded state as it is (while it copies every new flat value it gets
 * into its memory context), so a large state is written once per merge.
 * The zone name, the flat value and the buffers belong to the state's
 * memory context; "checkedby" and "checkedgen" remember the call site (and
 * its calendar) whose period and zone were found equal to the state's.
 */
struct CohortState
{
	ClvStateHeader hdr;
	CohortHead	head;			/* of the whole state (flat's kept in step) */
	CohortFlat *flat;			/* the sorted entries, or NULL */
	CohortEntry *rows;			/* rows not sorted in yet */
	uint32		nrows;
	uint32		maxrows;
	CohortEntry *scratch;		/* room to sort them (integer keys) */
	uint32		maxscratch;
	char	   *rowkeys;		/* arena of their keys (text/uuid keys) */
	uint64		rowkeyslen;
	uint64		rowkeyscap;
	int64		lastkeyref;		/* the last key put into rowkeys */
	uint32		lastkeylen;
	const void *checkedby;
	uint64		checkedgen;
};

/* A merged state of at least this many entries stays expanded */
#define COHORT_KEEP_EXPANDED	4096

/* ----------------------------------------------------------------
 * Entries
 * ----------------------------------------------------------------
 */

/* e->orders += n, or 22003 */
static inline void
AddOrders(CohortEntry *e, int64 n)
{
	if (unlikely(__builtin_add_overflow(e->orders, n, &e->orders)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("order count out of range")));
}

/* e->revenue += amount * 10^(scale - amountscale), or 22003 */
static inline void
AddRevenue(CohortEntry *e, int128 amount, int32 amountscale, int32 scale)
{
	ClvMoney	acc = {e->revenue, scale, 0};
	ClvMoney	m = {amount, amountscale, 0};

	clv_money_add(&acc, &m);
	e->revenue = acc.value;
}

/*
 * Fold an entry into another of the same customer and period; both
 * revenues are at the same scale (merges align the scales first)
 */
static void
EntryMerge(void *dstp, const void *srcp)
{
	CohortEntry *dst = (CohortEntry *) dstp;
	const CohortEntry *src = (const CohortEntry *) srcp;

	AddOrders(dst, src->orders);
	if (unlikely(__builtin_add_overflow(dst->revenue, src->revenue, &dst->revenue)))
		clv_money_overflow();
}

const ClvEntrySpec clv_cohort_spec = {
	.typname = COHORT_TYPNAME,
	.memname = "cohort",
	.entrysize = sizeof(CohortEntry),
	.subkeyed = true,
	.init = NULL,				/* zero: no orders, no revenue */
	.merge = EntryMerge
};

/* Raise the scale of n entries' revenues from "from" to "to" */
static void
RescaleEntries(CohortEntry *entries, uint32 n, int32 from, int32 to)
{
	uint32		i;

	if (to <= from)
		return;
	for (i = 0; i < n; i++)
	{
		ClvMoney	m = {entries[i].revenue, from, 0};

		clv_money_rescale(&m, to);
		entries[i].revenue = m.value;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/* ----------------------------------------------------------------
 * Heads
 * ----------------------------------------------------------------
 */

/* Check that a state's period and zone are the given ones (22023) */
static void
CheckSameParameters(const CohortHead *h, ClvPeriod period, const char *tzname)
{
	if (h->period != period)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine cohort states with periods %s and %s",
						clv_period_name(h->period), clv_period_name(period)),
				 errdetail("The period must be the same for every row and every state that is combined.")));
	if (pg_strcasecmp(h->tzname, tzname) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine cohort states with time zones \"%s\" and \"%s\"",
						h->tzname, tzname),
				 errdetail("The time zone must be the same for every row and every state that is combined.")));
}

/* Merge the rows part of head b into head a (scales: see AlignScales) */
static void
HeadMergeRows(CohortHead *a, const CohortHead *b)
{
	if (b->hasrows && (!a->hasrows || b->lastperiod > a->lastperiod))
		a->lastperiod = b->lastperiod;
	a->hasrows |= b->hasrows;
	if (b->dscale > a->dscale)
		a->dscale = b->dscale;
}

/* Note a row of period p with amount m (the scale is raised by the caller) */
static inline void
HeadAddRow(CohortHead *h, int32 p, const ClvMoney *m)
{
	if (!h->hasrows || p > h->lastperiod)
		h->lastperiod = p;
	h->hasrows = true;
	if (m->dscale > h->dscale)
		h->dscale = m->dscale;
}

/* ----------------------------------------------------------------
 * Flat form
 * ----------------------------------------------------------------
 */

static inline Size
FlatSize(uint32 tzlen, uint64 n, uint64 arenalen)
{
	return sizeof(CohortFlat) + MAXALIGN(tzlen + 1) + n * sizeof(CohortEntry) + arenalen;
}

/* Fail when a flat value would exceed the size of one datum */
static inline void
CheckFlatSize(Size sz, uint64 n)
{
	if (unlikely(sz > MaxAllocSize))
		clv_flat_too_large(psprintf("clv_cohort_state of " UINT64_FORMAT " customer-periods", n),
						   "Build cohort states per segment of customers and read their tables separately.");
}

/*
 * Write the header and zone name of a flat value of n entries and arenalen
 * key bytes (size sz); the caller writes the entries and the arena
 */
static void
FlatWriteHead(CohortFlat *f, Size sz, const CohortHead *h, uint32 n, uint64 arenalen)
{
	uint32		tzlen = strlen(h->tzname);

	memset(f, 0, sizeof(CohortFlat) + MAXALIGN(tzlen + 1));
	SET_VARSIZE(f, sz);
	f->version = COHORT_VERSION;
	f->period = (uint8) h->period;
	f->keykind = (uint8) h->keykind;
	f->flags = h->hasrows ? COHORT_HAS_ROWS : 0;
	f->lastperiod = h->hasrows ? h->lastperiod : 0;
	f->scale = (int16) h->scale;
	f->dscale = (int16) h->dscale;
	f->nentries = n;
	f->tzlen = tzlen;
	f->arenalen = arenalen;
	memcpy(COHORT_TZNAME(f), h->tzname, tzlen);
}

/* A new flat value with the given head and entries (copied) */
static CohortFlat *
FlatBuild(const CohortHead *h, const ClvFlatTab *t)
{
	Size		sz = FlatSize(strlen(h->tzname), t->nentries, t->arenalen);
	CohortFlat *f;

	CheckFlatSize(sz, t->nentries);
	f = palloc_extended(sz, MCXT_ALLOC_HUGE);
	FlatWriteHead(f, sz, h, t->nentries, t->arenalen);
	if (t->nentries > 0)
		memcpy(COHORT_ENTRIES(f), t->entries, (Size) t->nentries * sizeof(CohortEntry));
	if (t->arenalen > 0)
		memcpy(COHORT_ARENA(f), t->arena, t->arenalen);
	return f;
}

/* The head and flat table of a flat value (checked by FlatCheck) */
static void
FlatView(CohortFlat *f, CohortView *v)
{
	v->head.period = (ClvPeriod) f->period;
	v->head.tzname = COHORT_TZNAME(f);
	v->head.keykind = (ClvKeyKind) f->keykind;
	v->head.scale = f->scale;
	v->head.dscale = f->dscale;
	v->head.hasrows = (f->flags & COHORT_HAS_ROWS) != 0;
	v->head.lastperiod = f->lastperiod;
	clv_flat_init(&v->flat, &clv_cohort_spec, v->head.keykind, f->nentries,
				  (char *) COHORT_ENTRIES(f), COHORT_ARENA(f), f->arenalen);
}

/* Is a detoasted state value a flat value of this version (else 0.2.0's)? */
static inline bool
IsFlat(const struct varlena *v)
{
	return VARSIZE(v) > VARHDRSZ && ((const CohortFlat *) v)->version == COHORT_VERSION;
}

/* Check the sizes of a flat value of this version (data corrupted: XX001) */
static CohortFlat *
FlatCheck(struct varlena *v)
{
	CohortFlat *f = (CohortFlat *) v;
	Size		len = VARSIZE(v);

	if (len < sizeof(CohortFlat) || f->period < CLV_PERIOD_FIRST || f->period > CLV_PERIOD_LAST ||
		f->keykind > CLV_KEY_TEXT || f->tzlen == 0 || f->tzlen >= TZ_STRLEN_MAX ||
		len != FlatSize(f->tzlen, f->nentries, f->arenalen) ||
		COHORT_TZNAME(f)[f->tzlen] != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid clv_cohort_state value")));
	return f;
}


/*
 * The flat value of this version behind a datum that is not an expanded
 * state: the value itself, or a value stored by clv 0.2.0 converted
 */
static CohortFlat *
FlatFromDatum(Datum d)
{
	struct varlena *v = PG_DETOAST_DATUM(d);
	StringInfoData buf;
	Datum		result;

	if (IsFlat(v))
		return FlatCheck(v);
	buf.data = VARDATA(v);
	buf.len = VARSIZE(v) - VARHDRSZ;
	buf.maxlen = buf.len;
	buf.cursor = 0;
	result = clv_state_recv(COHORT_TYPNAME, &buf, clv_cohort_recv);
	return (CohortFlat *) DatumGetPointer(result);
}

/* An empty flat value */
static CohortFlat *
FlatEmpty(ClvPeriod period, const char *tzname)
{
	CohortHead	h;
	Size		sz = FlatSize(strlen(tzname), 0, 0);
	CohortFlat *f = palloc(sz);

	memset(&h, 0, sizeof(h));
	h.period = period;
	h.tzname = tzname;
	FlatWriteHead(f, sz, &h, 0, 0);
	return f;
}

/*
 * A copy of the entries of a flat table with their revenues raised from
 * scale "from" to "to" (the arena is shared)
 */
static void
RescaledCopy(const ClvFlatTab *in, int32 from, int32 to, ClvFlatTab *out)
{
	Size		bytes = (Size) in->nentries * sizeof(CohortEntry);
	char	   *entries = palloc_extended(Max(bytes, 1), MCXT_ALLOC_HUGE);

	if (bytes > 0)
		memcpy(entries, in->entries, bytes);
	RescaleEntries((CohortEntry *) entries, in->nentries, from, to);
	clv_flat_init(out, &clv_cohort_spec, in->kind, in->nentries, entries, in->arena, in->arenalen);
}

/* ----------------------------------------------------------------
 * Expanded form
 * ----------------------------------------------------------------
 */

static Size CohortGetFlatSize(ExpandedObjectHeader *eohptr);
static void CohortFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods cohort_methods = {
	CohortGetFlatSize,
	CohortFlattenInto
};

/* Bytes an expanded state holds, for clv.max_state_memory */
static Size
StateBytes(const CohortState *s, uint64 maxrows, uint64 rowkeyscap, Size flatsize)
{
	return sizeof(CohortState) + (maxrows + s->maxscratch) * sizeof(CohortEntry) +
		rowkeyscap + flatsize;
}

/* An empty expanded state under "parent" with the given head */
static CohortState *
StateCreate(MemoryContext parent, const CohortHead *h)
{
	CohortState *s = clv_state_create(sizeof(CohortState), &cohort_methods, parent,
									  COHORT_TYPNAME);

	s->head = *h;
	s->head.tzname = MemoryContextStrdup(s->hdr.eoh.eoh_context, h->tzname);
	return s;
}

CohortState *
clv_cohort_create(MemoryContext parent, ClvPeriod period, const char *tzname)
{
	CohortHead	h;

	memset(&h, 0, sizeof(h));
	h.period = period;
	h.tzname = tzname;
	h.keykind = CLV_KEY_NONE;
	return StateCreate(parent, &h);
}

void
clv_cohort_free(CohortState *s)
{
	MemoryContextDelete(s->hdr.eoh.eoh_context);
}

Datum
clv_cohort_datum(CohortState *s)
{
	return EOHPGetRODatum(&s->hdr.eoh);
}

Size
clv_cohort_memory(CohortState *s)
{
	return MemoryContextMemAllocated(s->hdr.eoh.eoh_context, true);
}

/*
 * Make flat value f (allocated in the state's memory context, with the
 * state's head) the sorted part of the state, in place of the old one
 */
static void
StateSetFlat(CohortState *s, CohortFlat *f)
{
	if (s->flat)
		pfree(s->flat);
	s->flat = f;
}

/* The sorted part of the state as a flat table */
static void
StateFlatTab(const CohortState *s, ClvFlatTab *t)
{
	if (s->flat)
		clv_flat_init(t, &clv_cohort_spec, s->head.keykind, s->flat->nentries,
					  (char *) COHORT_ENTRIES(s->flat), COHORT_ARENA(s->flat), s->flat->arenalen);
	else
		clv_flat_init(t, &clv_cohort_spec, s->head.keykind, 0, NULL, NULL, 0);
}

/*
 * A new flat value in memory context cxt with head h: the merge of flat
 * tables a and b (of h's key kind and scale), in one pass into room for
 * both (the pages a large allocation does not use are never touched).  The
 * arena is written after the room for the entries and moved down to follow
 * the entries written.
 */
static CohortFlat *
MergeTabs(const ClvFlatTab *a, const ClvFlatTab *b, const CohortHead *h, MemoryContext cxt)
{
	uint64		nmax = (uint64) a->nentries + b->nentries;
	uint64		amax = a->arenalen + b->arenalen;
	uint32		tzlen = strlen(h->tzname);
	uint32		n;
	uint64		arenalen;
	char	   *entries;
	CohortFlat *f;
	Size		sz;

	f = MemoryContextAllocExtended(cxt, FlatSize(tzlen, nmax, amax), MCXT_ALLOC_HUGE);
	entries = (char *) f + sizeof(CohortFlat) + MAXALIGN(tzlen + 1);
	clv_flat_merge_bounded(a, b, &clv_cohort_spec, entries, entries + nmax * sizeof(CohortEntry),
						   &n, &arenalen);
	if (arenalen > 0)
		memmove(entries + (Size) n * sizeof(CohortEntry), entries + nmax * sizeof(CohortEntry),
				arenalen);
	sz = FlatSize(tzlen, n, arenalen);
	CheckFlatSize(sz, n);
	/* give back the room not used (a large allocation shrinks in place) */
	if (sz < FlatSize(tzlen, nmax, amax))
		f = repalloc_huge(f, sz);
	FlatWriteHead(f, sz, h, n, arenalen);
	return f;
}

/* Merge flat table t (at the state's scale) into the state's sorted part */
static void
StateMergeFlat(CohortState *s, const ClvFlatTab *t)
{
	ClvFlatTab	mine;
	CohortFlat *f;

	StateFlatTab(s, &mine);
	mine.kind = s->head.keykind;
	f = MergeTabs(&mine, t, &s->head, s->hdr.eoh.eoh_context);
	clv_check_state_memory(StateBytes(s, s->maxrows, s->rowkeyscap, VARSIZE(f)), "cohort");
	StateSetFlat(s, f);
}

/* Do rows i and j of a flat table of text/uuid keys have the same key? */
static bool
RowsSameKey(const ClvFlatTab *t, uint32 i, uint32 j)
{
	ClvKey		a;
	ClvKey		b;

	clv_flat_key(t, i, &a);
	clv_flat_key(t, j, &b);
	return clv_key_cmp(t->kind, &a, &b) == 0;
}

/*
 * Sort n rows with integer keys by (customer, period): an LSD radix sort on
 * the bytes in which the rows differ (customer ids below 2^24 and months
 * of a few years take four passes), moving the 40-byte rows between
 * "rows" and "scratch" (both n long); returns the one that holds the
 * result.
 */
static CohortEntry *
SortIntRows(CohortEntry *rows, CohortEntry *scratch, uint32 n)
{
	uint32	   *counts = palloc0(16 * 256 * sizeof(uint32));
	int			passes[16];
	int			npasses = 0;
	CohortEntry *in = rows;
	CohortEntry *out = scratch;
	uint64		first[2];
	uint32		i;
	int			b;

#define ROWBITS(e, k) ((k) == 0 ? (uint64) (e)->period ^ (UINT64CONST(1) << 63) : \
					   (uint64) (e)->keyref ^ (UINT64CONST(1) << 63))

	for (i = 0; i < n; i++)
	{
		uint64		lo = ROWBITS(&rows[i], 0);
		uint64		hi = ROWBITS(&rows[i], 1);

		for (b = 0; b < 8; b++)
		{
			counts[b * 256 + ((lo >> (8 * b)) & 0xFF)]++;
			counts[(8 + b) * 256 + ((hi >> (8 * b)) & 0xFF)]++;
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	first[0] = ROWBITS(&rows[0], 0);
	first[1] = ROWBITS(&rows[0], 1);
	for (b = 0; b < 16; b++)
		if (counts[b * 256 + ((first[b / 8] >> (8 * (b % 8))) & 0xFF)] != n)
			passes[npasses++] = b;
	for (b = 0; b < npasses; b++)
	{
		uint32	   *c = counts + passes[b] * 256;
		int			shift = 8 * (passes[b] % 8);
		int			word = passes[b] / 8;
		uint32		off = 0;
		int			v;
		CohortEntry *tmp;

		for (v = 0; v < 256; v++)
		{
			uint32		cnt = c[v];

			c[v] = off;
			off += cnt;
		}
		for (i = 0; i < n; i++)
			out[c[(ROWBITS(&in[i], word) >> shift) & 0xFF]++] = in[i];
		tmp = in;
		in = out;
		out = tmp;
		CHECK_FOR_INTERRUPTS();
	}
#undef ROWBITS
	pfree(counts);
	return in;
}

/*
 * Sort the buffered rows into the state: sort them by (customer, period),
 * sum the rows of each customer-period (in place), and merge the sums with
 * the sorted part in one sequential pass.  The row buffers stay for the
 * next rows.
 */
static void
StateSortRows(CohortState *s)
{
	ClvFlatTab	rows;
	ClvFlatTab	sums;
	CohortEntry *r;
	uint32		n = 0;
	uint32		i;
	bool		intkeys = s->head.keykind == CLV_KEY_INT8;

	if (s->nrows == 0)
		return;
	if (intkeys)
	{
		if (s->scratch == NULL || s->maxscratch < s->maxrows)
		{
			if (s->scratch)
				pfree(s->scratch);
			s->scratch = NULL;
			s->maxscratch = 0;
			clv_check_state_memory(StateBytes(s, 2 * (uint64) s->maxrows, s->rowkeyscap,
											  s->flat ? VARSIZE(s->flat) : 0), "cohort");
			s->scratch = MemoryContextAllocHuge(s->hdr.eoh.eoh_context,
												(Size) s->maxrows * sizeof(CohortEntry));
			s->maxscratch = s->maxrows;
		}
		r = SortIntRows(s->rows, s->scratch, s->nrows);
		if (r != s->rows)
		{
			/* the sorted rows are in the scratch buffer: swap the two */
			uint32		maxr = s->maxrows;

			s->scratch = s->rows;
			s->rows = r;
			s->maxrows = s->maxscratch;
			s->maxscratch = maxr;
		}
	}
	clv_flat_init(&rows, &clv_cohort_spec, s->head.keykind, s->nrows, (char *) s->rows,
				  s->rowkeys, s->rowkeyslen);
	if (!intkeys)
		clv_flat_sort(&rows);

	/* the sums, in place (their keys stay in the rows' arena) */
	r = s->rows;
	for (i = 0; i < s->nrows; i++)
	{
		if (i > 0 && r[i].period == r[n - 1].period &&
			(r[i].keyref == r[n - 1].keyref ||
			 (!intkeys && RowsSameKey(&rows, i - 1, i))))
			EntryMerge(&r[n - 1], &r[i]);	/* the same customer-period */
		else
			r[n++] = r[i];
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	clv_flat_init(&sums, &clv_cohort_spec, s->head.keykind, n, (char *) r,
				  s->rowkeys, s->rowkeyslen);
	StateMergeFlat(s, &sums);
	s->nrows = 0;
	s->rowkeyslen = 0;
}

/*
 * Sort the buffered rows in, and bring the head of the sorted part up to
 * date (rows and merges change the state's head first).  The state is
 * about to be read (or to leave the process): the buffers are freed.
 */
static void
StateSortAll(CohortState *s)
{
	StateSortRows(s);
	if (s->rows)
		pfree(s->rows);
	if (s->scratch)
		pfree(s->scratch);
	if (s->rowkeys)
		pfree(s->rowkeys);
	s->rows = s->scratch = NULL;
	s->rowkeys = NULL;
	s->maxrows = s->maxscratch = 0;
	s->rowkeyscap = 0;
	if (s->flat)
		FlatWriteHead(s->flat, VARSIZE(s->flat), &s->head, s->flat->nentries,
					  s->flat->arenalen);
}

static Size
CohortGetFlatSize(ExpandedObjectHeader *eohptr)
{
	CohortState *s = (CohortState *) eohptr;

	StateSortAll(s);
	if (s->flat)
		return VARSIZE(s->flat);
	return FlatSize(strlen(s->head.tzname), 0, 0);
}

static void
CohortFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	CohortState *s = (CohortState *) eohptr;

	StateSortAll(s);
	if (s->flat)
	{
		Assert(allocated_size == VARSIZE(s->flat));
		memcpy(result, s->flat, allocated_size);
	}
	else
		FlatWriteHead((CohortFlat *) result, allocated_size, &s->head, 0, 0);
}

void
clv_cohort_view(Datum d, CohortView *v)
{
	CohortState *s = (CohortState *) clv_state_expanded(d, &cohort_methods, COHORT_TYPNAME);

	if (s == NULL)
		FlatView(FlatFromDatum(d), v);
	else
	{
		StateSortAll(s);
		if (s->flat == NULL)
		{
			/* an empty state: give it an empty flat value */
			Size		sz = FlatSize(strlen(s->head.tzname), 0, 0);
			CohortFlat *f = MemoryContextAlloc(s->hdr.eoh.eoh_context, sz);

			FlatWriteHead(f, sz, &s->head, 0, 0);
			StateSetFlat(s, f);
		}
		FlatView(s->flat, v);
	}
}

/* Raise the scale of an expanded state (its sorted part and its rows) */
static void
StateRaiseScale(CohortState *s, int32 scale)
{
	if (scale <= s->head.scale)
		return;
	if (s->flat)
	{
		RescaleEntries(COHORT_ENTRIES(s->flat), s->flat->nentries, s->head.scale, scale);
		s->flat->scale = (int16) scale;
	}
	RescaleEntries(s->rows, s->nrows, s->head.scale, scale);
	s->head.scale = scale;
}

/* Sort the buffered rows in, when there are many compared with the state */
#define COHORT_MIN_ROWS		(64 * 1024)

/*
 * Make room for one more buffered row: sort the buffer in when it holds as
 * many rows as the sorted part has entries (at least COHORT_MIN_ROWS), so
 * that every row is sorted once and the merges cost about twice the final
 * state, or when growing it would exceed clv.max_state_memory (rows of
 * the same customer-period take one entry once sorted); otherwise grow it.
 */
static inline void
StateRoomForRow(CohortState *s, uint32 keylen)
{
	if (unlikely(s->nrows == s->maxrows))
	{
		uint64		nflat = s->flat ? s->flat->nentries : 0;
		uint64		newmax = Min(Max((uint64) s->maxrows * 2, 1024),
								 Max(COHORT_MIN_ROWS, nflat));
		Size		flatsize = s->flat ? VARSIZE(s->flat) : 0;
		Size		newbytes = StateBytes(s, newmax, s->rowkeyscap, flatsize);

		if (s->nrows > 0 &&
			(s->nrows >= Max(COHORT_MIN_ROWS, nflat) ||
			 newbytes / 1024 > (Size) clv_max_state_memory_kb))
			StateSortRows(s);
		else
		{
			clv_check_state_memory(newbytes, "cohort");
			s->rows = s->rows ?
				repalloc_huge(s->rows, newmax * sizeof(CohortEntry)) :
				MemoryContextAllocHuge(s->hdr.eoh.eoh_context, newmax * sizeof(CohortEntry));
			s->maxrows = (uint32) newmax;
		}
	}
	if (keylen > 0 && unlikely(s->rowkeyslen + keylen > s->rowkeyscap))
	{
		uint64		newcap = Max(Max(s->rowkeyscap * 2, 1024), s->rowkeyslen + keylen);
		Size		flatsize = s->flat ? VARSIZE(s->flat) : 0;
		Size		newbytes = StateBytes(s, s->maxrows, newcap, flatsize);

		if (s->nrows > 0 && newbytes / 1024 > (Size) clv_max_state_memory_kb)
		{
			/* the sorted rows keep each key once */
			StateSortRows(s);
			if (keylen <= s->rowkeyscap)
				return;
		}
		clv_check_state_memory(newbytes, "cohort");
		s->rowkeys = s->rowkeys ? repalloc_huge(s->rowkeys, newcap) :
			MemoryContextAllocHuge(s->hdr.eoh.eoh_context, newcap);
		s->rowkeyscap = newcap;
	}
}

/* Buffer one entry (at the state's scale) with key "key" */
static inline CohortEntry *
StatePushEntry(CohortState *s, const ClvKey *key, int64 period)
{
	CohortEntry *e;

	if (s->head.keykind == CLV_KEY_INT8)
	{
		StateRoomForRow(s, 0);
		e = &s->rows[s->nrows++];
		e->keyref = key->ival;
	}
	else
	{
		StateRoomForRow(s, clv_key_arena_bytes(s->head.keykind, key->len));
		e = &s->rows[s->nrows++];
		/* a key like the last row's is stored once */
		if (s->nrows > 1 && s->lastkeylen == key->len &&
			memcmp(s->rowkeys + s->lastkeyref + sizeof(uint32), key->bytes, key->len) == 0)
			e->keyref = s->lastkeyref;
		else
		{
			e->keyref = clv_key_arena_put(s->rowkeys, &s->rowkeyslen, key);
			s->lastkeyref = e->keyref;
			s->lastkeylen = key->len;
		}
	}
	e->period = period;
	return e;
}

/* Add a row to an expanded state (its key kind already checked) */
static void
StateAddRow(CohortState *s, const ClvKey *key, int32 p, const ClvMoney *m)
{
	CohortEntry *e;

	if (m->scale > s->head.scale)
		StateRaiseScale(s, m->scale);
	HeadAddRow(&s->head, p, m);
	e = StatePushEntry(s, key, p);
	e->orders = clv_money_sign(m) >= 0 ? 1 : 0;
	e->revenue = 0;
	AddRevenue(e, m->value, m->scale, s->head.scale);
}

/* Set the key kind of a state for a row, or check it (42804) */
static inline void
StateRowKind(CohortState *s, ClvKeyKind kind)
{
	if (unlikely(s->head.keykind != kind))
		s->head.keykind = clv_row_kind(&clv_cohort_spec, s->head.keykind,
									   (s->flat ? s->flat->nentries : 0) + s->nrows, kind);
}

void
clv_cohort_add(CohortState *s, const ClvKey *key, ClvKeyKind kind, int32 period,
			   const ClvMoney *amount)
{
	StateRowKind(s, kind);
	StateAddRow(s, key, period, amount);
}

/*
 * Merge a view into an expanded state: in one pass into the sorted part
 * when the view is large compared with it, else (many small states rolled
 * up) as buffered rows
 */
static void
StateMerge(CohortState *s, const CohortView *v)
{
	ClvFlatTab	src = v->flat;
	uint64		nflat = s->flat ? s->flat->nentries : 0;
	uint32		i;

	CheckSameParameters(&s->head, v->head.period, v->head.tzname);
	s->head.keykind = clv_merge_kinds(&clv_cohort_spec, s->head.keykind, v->head.keykind);
	src.kind = s->head.keykind;
	if (v->head.scale > s->head.scale)
		StateRaiseScale(s, v->head.scale);
	else if (v->head.scale < s->head.scale)
		RescaledCopy(&v->flat, v->head.scale, s->head.scale, &src);
	HeadMergeRows(&s->head, &v->head);
	if ((uint64) src.nentries * 8 >= nflat)
		StateMergeFlat(s, &src);
	else
	{
		for (i = 0; i < src.nentries; i++)
		{
			const CohortEntry *e = (const CohortEntry *) CLV_FLAT_ENTRY(&src, i);
			ClvKey		key;
			CohortEntry *r;

			clv_flat_key(&src, i, &key);
			r = StatePushEntry(s, &key, e->period);
			r->orders = e->orders;
			r->revenue = e->revenue;
		}
	}
	if (src.entries != v->flat.entries)
		pfree(src.entries);
}

/* An expanded state with the content of a view, under aggcontext */
static CohortState *
StateFromView(const CohortView *v, MemoryContext aggcontext)
{
	CohortState *s = StateCreate(aggcontext, &v->head);

	if (v->flat.nentries > 0)
	{
		/* a copy of the view's entries and keys */
		uint32		tzlen = strlen(s->head.tzname);
		Size		ebytes = (Size) v->flat.nentries * sizeof(CohortEntry);
		Size		sz = FlatSize(tzlen, v->flat.nentries, v->flat.arenalen);
		CohortFlat *f;

		clv_check_state_memory(StateBytes(s, 0, 0, sz), "cohort");
		f = MemoryContextAllocExtended(s->hdr.eoh.eoh_context, sz, MCXT_ALLOC_HUGE);
		FlatWriteHead(f, sz, &s->head, v->flat.nentries, v->flat.arenalen);
		memcpy(COHORT_ENTRIES(f), v->flat.entries, ebytes);
		if (v->flat.arenalen > 0)
			memcpy(COHORT_ARENA(f), v->flat.arena, v->flat.arenalen);
		StateSetFlat(s, f);
	}
	return s;
}

/* ----------------------------------------------------------------
 * Small flat states
 * ----------------------------------------------------------------
 */

/*
 * Grow a flat value in place to "size" bytes, if its memory chunk already
 * has the room.  An aset.c chunk is a power of two, and repalloc within it
 * returns the same pointer: then the aggregate keeps its transition value
 * as it is, instead of copying a new one into its memory context (a write
 * to cold memory for every new customer-period of every group, the main
 * cost of a GROUP BY with many small groups).  GetMemoryChunkSpace counts
 * the chunk header too, at most CHUNK_HEADER_MAX bytes on the supported
 * versions; only small chunks of an AllocSet context qualify (large ones
 * are separate blocks, which realloc may move).
 */
#define CHUNK_HEADER_MAX	32
#define SMALL_CHUNK_MAX		4096

static bool
GrowInPlace(CohortFlat *f, Size size)
{
	if (size > SMALL_CHUNK_MAX || !IsA(GetMemoryChunkContext(f), AllocSetContext) ||
		GetMemoryChunkSpace(f) < size + CHUNK_HEADER_MAX)
		return false;
	if (repalloc(f, size) != (void *) f)
		elog(ERROR, "clv_cohort_state value moved while growing in place");
	return true;
}

/*
 * The key reference of the customer of a new entry at position pos: the
 * key itself for integer keys, else that of an adjacent entry of the same
 * customer (so that a small value keeps each key once), if any
 */
static bool
AdjacentKeyRef(const ClvFlatTab *t, uint32 pos, const ClvKey *key, int64 *keyref)
{
	uint32		i;

	if (t->kind == CLV_KEY_INT8)
	{
		*keyref = key->ival;
		return true;
	}
	for (i = (pos > 0 ? pos - 1 : pos); i <= pos && i < t->nentries; i++)
	{
		ClvKey		k;

		clv_flat_key(t, i, &k);
		if (clv_key_cmp(t->kind, &k, key) == 0)
		{
			*keyref = CLV_ENTRY_KEYREF(CLV_FLAT_ENTRY(t, i));
			return true;
		}
	}
	return false;
}

/*
 * The position of (key, period) in n entries with integer keys, sorted:
 * of its entry (*found) or where it belongs (clv_flat_search, inline)
 */
static inline uint32
SearchIntEntries(const CohortEntry *e, uint32 n, int64 key, int64 period, bool *found)
{
	uint32		lo = 0;
	uint32		hi = n;

	while (lo < hi)
	{
		uint32		mid = lo + (hi - lo) / 2;

		if (e[mid].keyref < key || (e[mid].keyref == key && e[mid].period < period))
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < n && e[lo].keyref == key && e[lo].period == period;
	return lo;
}

/*
 * Add a row to a small flat state: in place when its customer-period is
 * there (or, with "mine", when the value's memory has room for a new one),
 * else a new value with it inserted; (Datum) 0 when the state would grow
 * past COHORT_SMALL (the caller expands it).  "mine": f is the transition
 * value itself, which the aggregate lets us change.
 */
static Datum
FlatAddRow(CohortFlat *f, bool mine, ClvKeyKind rowkind, const ClvKey *key, int32 p,
		   const ClvMoney *m)
{
	ClvKeyKind	kind = (ClvKeyKind) f->keykind;
	ClvFlatTab	t;
	CohortEntry *e;
	uint32		pos;
	bool		found;

	if (unlikely(kind != rowkind))
		kind = clv_row_kind(&clv_cohort_spec, kind, f->nentries, rowkind);
	clv_flat_init(&t, &clv_cohort_spec, kind, f->nentries, (char *) COHORT_ENTRIES(f),
				  COHORT_ARENA(f), f->arenalen);
	if (kind == CLV_KEY_INT8)
		pos = SearchIntEntries(COHORT_ENTRIES(f), f->nentries, key->ival, p, &found);
	else
		pos = clv_flat_search(&t, key, p, &found);
	if (!found && f->nentries >= COHORT_SMALL)
		return (Datum) 0;

	/* the head, in place (see HeadAddRow) */
	if (m->scale > f->scale)
	{
		RescaleEntries(COHORT_ENTRIES(f), f->nentries, f->scale, m->scale);
		f->scale = (int16) m->scale;
	}
	if (m->dscale > f->dscale)
		f->dscale = (int16) m->dscale;
	if (!(f->flags & COHORT_HAS_ROWS) || p > f->lastperiod)
		f->lastperiod = p;
	f->flags |= COHORT_HAS_ROWS;
	f->keykind = (uint8) kind;

	if (found)
		e = &COHORT_ENTRIES(f)[pos];
	else
	{
		/* a new customer-period, at pos */
		int64		keyref = 0;
		bool		haveref = AdjacentKeyRef(&t, pos, key, &keyref);
		uint64		keybytes = haveref ? 0 : clv_key_arena_bytes(kind, key->len);
		uint32		n = f->nentries;
		Size		sz = FlatSize(f->tzlen, n + 1, f->arenalen + keybytes);

		if (mine && GrowInPlace(f, sz))
		{
			/* make room: the arena moves up by one entry, then the entries */
			char	   *arena = COHORT_ARENA(f);
			uint64		arenalen = f->arenalen;

			memmove(arena + sizeof(CohortEntry), arena, arenalen);
			e = &COHORT_ENTRIES(f)[pos];
			memmove(e + 1, e, (Size) (n - pos) * sizeof(CohortEntry));
			f->nentries = n + 1;
			SET_VARSIZE(f, sz);
			memset(e, 0, sizeof(CohortEntry));
			e->period = p;
			if (!haveref)
				keyref = clv_key_arena_put(COHORT_ARENA(f), &arenalen, key);
			e->keyref = keyref;
			f->arenalen = arenalen;
		}
		else
		{
			/* a new value: the same head and zone name, one more entry */
			CohortFlat *g = palloc(sz);

			memcpy(g, f, sizeof(CohortFlat) + MAXALIGN(f->tzlen + 1));
			SET_VARSIZE(g, sz);
			g->nentries = n + 1;
			g->arenalen = f->arenalen + keybytes;
			if (haveref)
			{
				e = (CohortEntry *) clv_flat_insert_ref(&t, &clv_cohort_spec, pos, keyref, p,
														(char *) COHORT_ENTRIES(g));
				if (f->arenalen > 0)
					memcpy(COHORT_ARENA(g), COHORT_ARENA(f), f->arenalen);
			}
			else
				e = (CohortEntry *) clv_flat_insert(&t, &clv_cohort_spec, pos, key, p,
													(char *) COHORT_ENTRIES(g), COHORT_ARENA(g));
			f = g;
		}
	}
	AddRevenue(e, m->value, m->scale, f->scale);
	if (clv_money_sign(m) >= 0)
		AddOrders(e, 1);
	return PointerGetDatum(f);
}

/* ----------------------------------------------------------------
 * Merges of flat values
 * ----------------------------------------------------------------
 */

/* Merge two (small) views into a new flat value in one sequential pass */
static CohortFlat *
FlatMerge(const CohortView *a, const CohortView *b)
{
	CohortHead	h = a->head;
	ClvFlatTab	ta = a->flat;
	ClvFlatTab	tb = b->flat;
	CohortFlat *f;

	CheckSameParameters(&a->head, b->head.period, b->head.tzname);
	h.keykind = clv_merge_kinds(&clv_cohort_spec, a->head.keykind, b->head.keykind);
	ta.kind = tb.kind = h.keykind;
	if (a->head.scale < b->head.scale)
		RescaledCopy(&a->flat, a->head.scale, b->head.scale, &ta);
	else if (b->head.scale < a->head.scale)
		RescaledCopy(&b->flat, b->head.scale, a->head.scale, &tb);
	h.scale = Max(a->head.scale, b->head.scale);
	HeadMergeRows(&h, &b->head);
	f = MergeTabs(&ta, &tb, &h, CurrentMemoryContext);
	clv_check_state_memory(VARSIZE(f), "cohort");
	if (ta.entries != a->flat.entries)
		pfree(ta.entries);
	if (tb.entries != b->flat.entries)
		pfree(tb.entries);
	return f;
}

Datum
clv_cohort_flat_build(const CohortHead *h, const ClvFlatTab *t)
{
	return PointerGetDatum(FlatBuild(h, t));
}

/* ----------------------------------------------------------------
 * What the aggregates do to a state (cohort_agg.c)
 * ----------------------------------------------------------------
 */

/* The state behind a datum as an expanded state the aggregate may change */
static CohortState *
StateMutable(Datum d, MemoryContext aggcontext)
{
	CohortView	v;

	if (clv_state_is_mutable(d, &cohort_methods, aggcontext))
		return (CohortState *) clv_state_eohp(d);
	clv_cohort_view(d, &v);
	return StateFromView(&v, aggcontext);
}

void
clv_cohort_target(Datum state, bool isnull, const CohortParams *prm, MemoryContext aggcontext,
				  CohortTarget *t)
{
	CohortView	v;

	t->aggcontext = aggcontext;
	t->state = NULL;
	t->flat = NULL;
	t->mine = false;

	/* a large state: expanded, updated in place */
	if (!isnull && VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(state)))
	{
		CohortState *s = StateMutable(state, aggcontext);

		if (s->checkedby != prm->site || s->checkedgen != prm->generation)
		{
			CheckSameParameters(&s->head, prm->period, prm->tzname);
			s->checkedby = prm->site;
			s->checkedgen = prm->generation;
		}
		t->state = s;
		return;
	}

	/* a small flat state, or none yet */
	if (isnull)
	{
		t->flat = FlatEmpty(prm->period, prm->tzname);
		return;
	}
	t->flat = FlatFromDatum(state);
	t->mine = t->flat == (CohortFlat *) DatumGetPointer(state);
	if (t->flat->period != prm->period || t->flat->tzlen != prm->tzlen ||
		(memcmp(COHORT_TZNAME(t->flat), prm->tzname, prm->tzlen) != 0 &&
		 pg_strncasecmp(COHORT_TZNAME(t->flat), prm->tzname, prm->tzlen) != 0))
	{
		FlatView(t->flat, &v);
		CheckSameParameters(&v.head, prm->period, prm->tzname);
	}
}

Datum
clv_cohort_target_add(CohortTarget *t, const CohortRow *row)
{
	Datum		result;
	CohortView	v;
	CohortState *s = t->state;

	if (s == NULL)
	{
		if (row == NULL)
			return PointerGetDatum(t->flat);
		result = FlatAddRow(t->flat, t->mine, row->kind, &row->key, row->period, &row->amount);
		if (result != (Datum) 0)
			return result;
		/* too many customer-periods for a flat state: expand it */
		FlatView(t->flat, &v);
		s = StateFromView(&v, t->aggcontext);
	}
	if (row != NULL)
	{
		StateRowKind(s, row->kind);
		StateAddRow(s, &row->key, row->period, &row->amount);
	}
	return EOHPGetRWDatum(&s->hdr.eoh);
}

/*
 * The first input becomes the state as it is (a small one is copied by the
 * aggregate, a large one into an expanded state; a value stored by clv
 * 0.2.0 is converted first).  Two small flat states merge into a flat
 * value; anything larger merges into an expanded state: in one sequential
 * pass over the two sorted entry arrays when the input is large compared
 * with the state (the partial states of parallel workers), as buffered
 * rows otherwise (many small states rolled up).
 */
Datum
clv_cohort_merge(Datum a, bool anull, Datum b, MemoryContext aggcontext)
{
	CohortView	va;
	CohortView	vb;
	CohortState *s;
	CohortFlat *f;

	if (anull)
	{
		if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(b)))
			return b;
		f = FlatFromDatum(b);
		if (f->nentries < COHORT_KEEP_EXPANDED)
			return PointerGetDatum(f);
		/* a large state: copied once, into an expanded state */
		FlatView(f, &vb);
		s = StateFromView(&vb, aggcontext);
		return EOHPGetRWDatum(&s->hdr.eoh);
	}

	clv_cohort_view(b, &vb);
	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(a)))
	{
		FlatView(FlatFromDatum(a), &va);
		if ((uint64) va.flat.nentries + vb.flat.nentries < COHORT_KEEP_EXPANDED)
			return PointerGetDatum(FlatMerge(&va, &vb));
	}
	s = StateMutable(a, aggcontext);
	StateMerge(s, &vb);
	return EOHPGetRWDatum(&s->hdr.eoh);
}
