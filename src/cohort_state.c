/*-------------------------------------------------------------------------
 *
 * cohort_state.c
 *	  The clv_cohort_state type: its aggregate, combine function and rollup,
 *	  its binary and text forms, and the reader the cohort table uses
 *	  (cohort.h).
 *
 * The state keeps, for every customer-period (cohort.h), the number of
 * orders and the net revenue.  It is an expanded object while an aggregate
 * updates it, and its flat form is its binary send form (text form:
 * "clv_cohort_state:" and base64 of it).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "cohort.h"

#define COHORT_WHAT			"cohort"	/* for memory-limit messages */
#define COHORT_VERSION		1

/*
 * One customer-period: the orders (rows with amount >= 0) and the net
 * revenue (sum of all amounts, at the state's scale) of one customer in one
 * period.  32 bytes.
 */
typedef struct CohortPair
{
	int128		revenue;
	int64		orders;
	uint32		cust;			/* id in the key dictionary */
	int32		period;			/* period index (calendar.h) */
} CohortPair;

/*
 * The cohort state, as an expanded object.
 *
 * The pairs live in a dense array; "slots" is an open-addressing hash table
 * over them (hash << 32 | index + 1, 0 = empty, at most 3/4 full).  The
 * revenue of every pair is an int128 scaled by 10^scale; "dscale" is the
 * display scale of the amounts (numeric's dscale).  All memory belongs to
 * hdr.eoh_context.
 */
struct CohortState
{
	ExpandedObjectHeader hdr;

	ClvPeriod	period;
	char	   *tzname;			/* as given; compared case-insensitively */

	bool		haskeys;		/* dict initialized (key kind known) */
	ClvKeyDict	dict;			/* customers; entry = key reference only */

	int32		scale;
	int32		dscale;
	bool		hasrows;		/* any non-ignored row seen */
	int32		lastperiod;		/* period of the latest row */

	uint32		npairs;
	uint32		pairscap;
	CohortPair *pairs;
	uint32		nslots;
	uint64	   *slots;

	/* the call site (and its calendar) this state was last checked against */
	const void *checkedby;
	uint64		checkedgeneration;

	/* flat form, cached between get_flat_size and flatten_into */
	char	   *flat;
	Size		flatlen;
};

/*
 * What a call site of the transition function resolves once (fn_extra):
 * the argument types, and the calendar of the period and zone arguments
 * last seen.
 */
typedef struct CohortCallSite
{
	Oid			keytype;
	ClvKeyKind	keykind;
	Oid			timetype;
	ClvAmountKind amountkind;
	bool		stableparams;	/* period and zone are constants */
	uint64		generation;		/* of cal; 0 = none yet */
	uint64		lastgeneration;
	char		tzname[TZ_STRLEN_MAX + 1];	/* as given, for cal */
	ClvCalendar cal;
} CohortCallSite;

static Size CohortGetFlatSize(ExpandedObjectHeader *eohptr);
static void CohortFlattenInto(ExpandedObjectHeader *eohptr,
							  void *result, Size allocated_size);

static const ExpandedObjectMethods cohort_methods = {
	CohortGetFlatSize,
	CohortFlattenInto
};

/* ----------------------------------------------------------------
 * The state
 * ----------------------------------------------------------------
 */

/* Memory of the state, for clv.max_state_memory */
static Size
StateBytes(const CohortState *s, uint64 pairscap, uint64 nslots)
{
	return sizeof(CohortState) +
		(s->haskeys ? clv_keydict_memory(&s->dict) : 0) +
		(Size) (pairscap * sizeof(CohortPair) + nslots * sizeof(uint64));
}

/*
 * Create an empty state in a new memory context under "parent".  The zone
 * name must have been checked (a calendar resolved it, or clv_zone_check).
 */
CohortState *
clv_cohort_create(MemoryContext parent, ClvPeriod period, const char *tzname)
{
	MemoryContext cxt;
	CohortState *s;

	cxt = AllocSetContextCreate(parent, COHORT_TYPNAME, ALLOCSET_DEFAULT_SIZES);
	s = (CohortState *) MemoryContextAllocZero(cxt, sizeof(CohortState));
	EOH_init_header(&s->hdr, &cohort_methods, cxt);
	s->period = period;
	s->tzname = MemoryContextStrdup(cxt, tzname);
	return s;
}

void
clv_cohort_free(CohortState *s)
{
	MemoryContextDelete(s->hdr.eoh_context);
}

Datum
clv_cohort_datum(CohortState *s)
{
	return EOHPGetRODatum(&s->hdr);
}

/* Forget the cached flat form (the state is about to change) */
static inline void
InvalidateFlat(CohortState *s)
{
	if (s->flat)
	{
		pfree(s->flat);
		s->flat = NULL;
		s->flatlen = 0;
	}
}

/* Initialize the customer dictionary for a key kind, or check the kind */
static void
SetKeyKind(CohortState *s, ClvKeyKind kind)
{
	if (!s->haskeys)
	{
		clv_keydict_init(&s->dict, s->hdr.eoh_context, kind, sizeof(int64), 64,
						 COHORT_WHAT);
		s->haskeys = true;
	}
	else if (s->dict.kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cannot combine cohort states with %s and %s customer keys",
						clv_key_kind_name(s->dict.kind), clv_key_kind_name(kind)),
				 errdetail("Customer keys of one cohort state must all be integers, all text or all uuid.")));
}

static inline uint32
PairHash(uint32 cust, int32 period)
{
	return hash_combine(murmurhash32(cust), murmurhash32((uint32) period));
}

/* Rebuild the pair hash table with "nslots" slots */
static void
PairRehash(CohortState *s, uint32 nslots)
{
	uint32		i;
	uint32		mask = nslots - 1;

	clv_check_state_memory(StateBytes(s, s->pairscap, nslots), COHORT_WHAT);
	if (s->slots)
		pfree(s->slots);
	s->slots = MemoryContextAllocHuge(s->hdr.eoh_context, (Size) nslots * sizeof(uint64));
	memset(s->slots, 0, (Size) nslots * sizeof(uint64));
	s->nslots = nslots;
	for (i = 0; i < s->npairs; i++)
	{
		uint32		h = PairHash(s->pairs[i].cust, s->pairs[i].period);
		uint32		j = h & mask;

		while (s->slots[j] != 0)
			j = (j + 1) & mask;
		s->slots[j] = ((uint64) h << 32) | (uint64) (i + 1);
	}
}

/* Find the pair (cust, period), inserting a zeroed one if absent */
static CohortPair *
PairLookup(CohortState *s, uint32 cust, int32 period, bool *found)
{
	uint32		h = PairHash(cust, period);
	uint32		mask;
	uint32		j;
	CohortPair *p;

	if (s->nslots == 0)
		PairRehash(s, 64);
	mask = s->nslots - 1;
	j = h & mask;
	for (;;)
	{
		uint64		slot = s->slots[j];

		if (slot == 0)
			break;
		if ((uint32) (slot >> 32) == h)
		{
			p = &s->pairs[(uint32) slot - 1];
			if (p->cust == cust && p->period == period)
			{
				*found = true;
				return p;
			}
		}
		j = (j + 1) & mask;
	}

	*found = false;
	if (s->npairs >= s->pairscap)
	{
		uint64		newcap = Max((uint64) s->pairscap * 2, 64);

		if (newcap > PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many customer-periods in one %s state", COHORT_WHAT)));
		clv_check_state_memory(StateBytes(s, newcap, s->nslots), COHORT_WHAT);
		if (s->pairs)
			s->pairs = repalloc_huge(s->pairs, (Size) newcap * sizeof(CohortPair));
		else
			s->pairs = MemoryContextAllocHuge(s->hdr.eoh_context,
											  (Size) newcap * sizeof(CohortPair));
		s->pairscap = (uint32) newcap;
	}
	p = &s->pairs[s->npairs];
	memset(p, 0, sizeof(CohortPair));
	p->cust = cust;
	p->period = period;
	s->slots[j] = ((uint64) h << 32) | (uint64) (s->npairs + 1);
	s->npairs++;
	if ((uint64) s->npairs * 4 > (uint64) s->nslots * 3)
	{
		PairRehash(s, s->nslots * 2);
		p = &s->pairs[s->npairs - 1];
	}
	return p;
}

/* Raise the scale of every revenue to "scale" */
static void
RaiseScale(CohortState *s, int32 scale)
{
	uint32		i;

	if (scale <= s->scale)
		return;
	for (i = 0; i < s->npairs; i++)
	{
		ClvMoney	m = {s->pairs[i].revenue, s->scale, 0};

		clv_money_rescale(&m, scale);
		s->pairs[i].revenue = m.value;
	}
	s->scale = scale;
}

/* pair->revenue += amount (at most the state's scale), with overflow check */
static inline void
AddRevenue(CohortState *s, CohortPair *p, const ClvMoney *amount)
{
	ClvMoney	acc = {p->revenue, s->scale, 0};

	Assert(amount->scale <= s->scale);
	clv_money_add(&acc, amount);
	p->revenue = acc.value;
}

/* Note that a row of period "period" was seen */
static inline void
SeePeriod(CohortState *s, int32 period)
{
	if (!s->hasrows || period > s->lastperiod)
		s->lastperiod = period;
	s->hasrows = true;
}

/* Add one (non-NULL, validated) row to the state */
void
clv_cohort_add(CohortState *s, const ClvKey *key, ClvKeyKind kind, int32 period,
			   const ClvMoney *amount)
{
	bool		found;
	uint32		cust;
	CohortPair *p;

	InvalidateFlat(s);
	SetKeyKind(s, kind);
	if (amount->scale > s->scale)
		RaiseScale(s, amount->scale);
	if (amount->dscale > s->dscale)
		s->dscale = amount->dscale;
	cust = clv_keydict_lookup(&s->dict, key, &found);
	p = PairLookup(s, cust, period, &found);
	AddRevenue(s, p, amount);
	if (clv_money_sign(amount) >= 0)
		p->orders++;
	SeePeriod(s, period);
}

/* Check that two states were built with the same period and time zone */
static void
CheckSameParameters(const CohortState *a, ClvPeriod period, const char *tzname)
{
	if (a->period != period)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine cohort states with periods %s and %s",
						clv_period_name(a->period), clv_period_name(period)),
				 errdetail("The period must be the same for every row and every state that is combined.")));
	if (pg_strcasecmp(a->tzname, tzname) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine cohort states with time zones \"%s\" and \"%s\"",
						a->tzname, tzname),
				 errdetail("The time zone must be the same for every row and every state that is combined.")));
}

/* Merge "src" into "dst" */
static void
CohortMerge(CohortState *dst, const CohortState *src)
{
	uint32	   *map;
	uint32		i;

	CheckSameParameters(dst, src->period, src->tzname);
	InvalidateFlat(dst);
	if (!src->hasrows && !src->haskeys)
		return;
	if (src->haskeys)
		SetKeyKind(dst, src->dict.kind);
	if (src->scale > dst->scale)
		RaiseScale(dst, src->scale);
	if (src->dscale > dst->dscale)
		dst->dscale = src->dscale;

	map = palloc(sizeof(uint32) * Max(src->haskeys ? src->dict.nentries : 0, 1));
	for (i = 0; src->haskeys && i < src->dict.nentries; i++)
	{
		ClvKey		k;
		bool		found;

		clv_keydict_get_key(&src->dict, i, &k);
		map[i] = clv_keydict_lookup(&dst->dict, &k, &found);
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	for (i = 0; i < src->npairs; i++)
	{
		const CohortPair *sp = &src->pairs[i];
		ClvMoney	m = {sp->revenue, src->scale, 0};
		CohortPair *dp;
		bool		found;

		dp = PairLookup(dst, map[sp->cust], sp->period, &found);
		AddRevenue(dst, dp, &m);
		if (__builtin_add_overflow(dp->orders, sp->orders, &dp->orders))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("order count out of range")));
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (src->hasrows)
		SeePeriod(dst, src->lastperiod);
	pfree(map);
}

/* ----------------------------------------------------------------
 * Binary form (also the flat form of the expanded object)
 *
 *	int32	version (1)
 *	int32	flags (0)
 *	int32	period (ClvPeriod)
 *	int32	length of the time zone name, then its bytes
 *	int32	key kind (ClvKeyKind; 0 = no customer yet)
 *	int32	scale, int32 dscale
 *	int32	hasrows (0/1), int32 last period
 *	int32	number of customers, then each key (clv_key_send)
 *	int32	number of pairs, then each pair:
 *			int32 customer (0-based, in the order above), int32 period,
 *			int64 orders, int64 revenue high half, int64 revenue low half
 * ----------------------------------------------------------------
 */

/* Write the binary form of a state */
static void
CohortSend(const CohortState *s, StringInfo buf)
{
	uint32		i;
	int			tzlen = strlen(s->tzname);
	uint32		ncust = s->haskeys ? s->dict.nentries : 0;

	pq_sendint32(buf, COHORT_VERSION);
	pq_sendint32(buf, 0);
	pq_sendint32(buf, (int32) s->period);
	pq_sendint32(buf, tzlen);
	pq_sendbytes(buf, s->tzname, tzlen);
	pq_sendint32(buf, s->haskeys ? (int32) s->dict.kind : (int32) CLV_KEY_NONE);
	pq_sendint32(buf, s->scale);
	pq_sendint32(buf, s->dscale);
	pq_sendint32(buf, s->hasrows ? 1 : 0);
	pq_sendint32(buf, s->hasrows ? s->lastperiod : 0);
	pq_sendint32(buf, (int32) ncust);
	for (i = 0; i < ncust; i++)
	{
		ClvKey		k;

		clv_keydict_get_key(&s->dict, i, &k);
		clv_key_send(buf, s->dict.kind, &k);
	}
	pq_sendint32(buf, (int32) s->npairs);
	for (i = 0; i < s->npairs; i++)
	{
		const CohortPair *p = &s->pairs[i];

		pq_sendint32(buf, (int32) p->cust);
		pq_sendint32(buf, p->period);
		pq_sendint64(buf, p->orders);
		pq_sendint64(buf, (int64) (p->revenue >> 64));
		pq_sendint64(buf, (int64) (uint64) p->revenue);
	}
}

/* Report a malformed binary value */
pg_noreturn static void
BadBinary(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid external %s value", COHORT_TYPNAME),
			 errdetail("%s", detail)));
}

/* The header of a binary form, validated */
typedef struct CohortHeader
{
	ClvPeriod	period;
	char		tzname[TZ_STRLEN_MAX];
	ClvKeyKind	kind;
	int32		scale;
	int32		dscale;
	bool		hasrows;
	int32		lastperiod;
	int32		ncust;
	int32		minperiod;		/* bounds of a valid period index */
	int32		maxperiod;
} CohortHeader;

/* Read and check the header of a binary form, up to the customer count */
static void
ReadHeader(StringInfo buf, CohortHeader *h)
{
	int32		period,
				tzlen,
				kind,
				hasrows;

	clv_recv_need(buf, 4, COHORT_TYPNAME);
	if (pq_getmsgint(buf, 4) != COHORT_VERSION)
		BadBinary("Unsupported format version.");
	clv_recv_need(buf, 12, COHORT_TYPNAME);
	if (pq_getmsgint(buf, 4) != 0)
		BadBinary("Unknown flags are set.");
	period = pq_getmsgint(buf, 4);
	if (period < CLV_PERIOD_FIRST || period > CLV_PERIOD_LAST)
		BadBinary("The period is invalid.");
	h->period = (ClvPeriod) period;
	tzlen = pq_getmsgint(buf, 4);
	if (tzlen <= 0 || tzlen >= TZ_STRLEN_MAX || tzlen > buf->len - buf->cursor)
		BadBinary("The time zone name is invalid.");
	memcpy(h->tzname, pq_getmsgbytes(buf, tzlen), tzlen);
	h->tzname[tzlen] = '\0';
	if (strlen(h->tzname) != (size_t) tzlen)
		BadBinary("The time zone name is invalid.");

	clv_recv_need(buf, 24, COHORT_TYPNAME);
	kind = pq_getmsgint(buf, 4);
	h->scale = pq_getmsgint(buf, 4);
	h->dscale = pq_getmsgint(buf, 4);
	hasrows = pq_getmsgint(buf, 4);
	h->lastperiod = pq_getmsgint(buf, 4);
	h->ncust = pq_getmsgint(buf, 4);
	clv_period_bounds(h->period, &h->minperiod, &h->maxperiod);
	if (hasrows && (h->lastperiod < h->minperiod || h->lastperiod > h->maxperiod))
		BadBinary("The last period is out of range.");
	if (kind < CLV_KEY_NONE || kind > CLV_KEY_TEXT ||
		(kind == CLV_KEY_NONE && h->ncust != 0))
		BadBinary("The customer key kind is invalid.");
	h->kind = (ClvKeyKind) kind;
	if (h->scale < 0 || h->scale > CLV_MAX_SCALE || h->dscale < h->scale || h->dscale > 0x3FFF)
		BadBinary("The revenue scale is invalid.");
	if ((hasrows != 0 && hasrows != 1) || h->ncust < 0 || (h->ncust > 0 && !hasrows) ||
		h->ncust > (buf->len - buf->cursor) / 4)
		BadBinary("The row counts are invalid.");
	h->hasrows = hasrows;
}

/* Read and check the number of customer-periods */
static int32
ReadPairCount(StringInfo buf, const CohortHeader *h)
{
	int32		npairs;

	clv_recv_need(buf, 4, COHORT_TYPNAME);
	npairs = pq_getmsgint(buf, 4);
	if (npairs < 0 || (npairs > 0 && h->ncust == 0) || npairs > (buf->len - buf->cursor) / 32)
		BadBinary("The number of customer-periods is invalid.");
	return npairs;
}

/* Read and check one customer-period (the count said it is there) */
static inline void
ReadPair(StringInfo buf, const CohortHeader *h, CohortPairValue *p)
{
	int32		cust = pq_getmsgint(buf, 4);
	int64		hi;
	int64		lo;

	p->period = pq_getmsgint(buf, 4);
	p->orders = pq_getmsgint64(buf);
	hi = pq_getmsgint64(buf);
	lo = pq_getmsgint64(buf);
	if (cust < 0 || cust >= h->ncust || p->orders < 0 || p->period > h->lastperiod ||
		p->period < h->minperiod || p->period > h->maxperiod)
		BadBinary("A customer-period is invalid.");
	p->customer = (uint32) cust;
	p->revenue = (int128) (((uint128) (uint64) hi << 64) | (uint128) (uint64) lo);
}

/*
 * Read a binary form.  With "into" NULL, build and return a new state under
 * "parent", validating everything (recv, text input, expansion of a flat
 * datum).  Otherwise merge the value straight into "into" and return it:
 * that is how the combine function reads the states of parallel workers,
 * without building a hash table for each.
 */
static CohortState *
CohortRecv(StringInfo buf, MemoryContext parent, CohortState *into)
{
	CohortHeader h;
	CohortState *s;
	int32		npairs,
				i;
	uint32	   *map;

	ReadHeader(buf, &h);
	if (into == NULL)
	{
		clv_zone_check(h.tzname);
		s = clv_cohort_create(parent, h.period, h.tzname);
	}
	else
	{
		s = into;
		CheckSameParameters(s, h.period, h.tzname);
		InvalidateFlat(s);
	}
	if (h.kind != CLV_KEY_NONE)
		SetKeyKind(s, h.kind);
	if (h.scale > s->scale)
		RaiseScale(s, h.scale);
	if (h.dscale > s->dscale)
		s->dscale = h.dscale;

	/* customers: their ids in s */
	map = palloc_extended(sizeof(uint32) * Max(h.ncust, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < h.ncust; i++)
	{
		ClvKey		k;
		bool		found;

		clv_key_recv(buf, h.kind, &k);
		map[i] = clv_keydict_lookup(&s->dict, &k, &found);
		if (found && into == NULL)
			BadBinary("A customer appears twice.");
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}

	npairs = ReadPairCount(buf, &h);
	for (i = 0; i < npairs; i++)
	{
		CohortPairValue v;
		ClvMoney	m;
		CohortPair *pair;
		bool		found;

		ReadPair(buf, &h, &v);
		pair = PairLookup(s, map[v.customer], v.period, &found);
		if (found && into == NULL)
			BadBinary("A customer-period appears twice.");
		m.value = v.revenue;
		m.scale = h.scale;
		m.dscale = 0;
		AddRevenue(s, pair, &m);
		if (__builtin_add_overflow(pair->orders, v.orders, &pair->orders))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("order count out of range")));
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (h.hasrows)
		SeePeriod(s, h.lastperiod);
	pfree(map);
	return s;
}

/* Expanded-object method: size of the flat form */
static Size
CohortGetFlatSize(ExpandedObjectHeader *eohptr)
{
	CohortState *s = (CohortState *) eohptr;

	if (s->flat == NULL)
	{
		StringInfoData buf;
		MemoryContext old = MemoryContextSwitchTo(s->hdr.eoh_context);

		initStringInfo(&buf);
		CohortSend(s, &buf);
		MemoryContextSwitchTo(old);
		s->flat = buf.data;
		s->flatlen = buf.len;
	}
	return VARHDRSZ + s->flatlen;
}

/* Expanded-object method: write the flat form */
static void
CohortFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	CohortState *s = (CohortState *) eohptr;

	(void) CohortGetFlatSize(eohptr);
	Assert(allocated_size == VARHDRSZ + s->flatlen);
	SET_VARSIZE(result, allocated_size);
	memcpy(VARDATA(result), s->flat, s->flatlen);
}

/*
 * The state behind a datum: the expanded object itself when the datum points
 * to one, else a new state expanded from the flat form under "parent".
 */
static CohortState *
CohortFromDatum(Datum d, MemoryContext parent, bool *isnew)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	StringInfoData buf;
	CohortState *s;

	if (VARATT_IS_EXTERNAL_EXPANDED(v))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);

		if (eoh->eoh_methods != &cohort_methods)
			elog(ERROR, "expanded object is not a %s", COHORT_TYPNAME);
		*isnew = false;
		return (CohortState *) eoh;
	}
	v = PG_DETOAST_DATUM_PACKED(d);
	buf.data = VARDATA_ANY(v);
	buf.len = VARSIZE_ANY_EXHDR(v);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	s = CohortRecv(&buf, parent, NULL);
	clv_recv_finish(&buf, COHORT_TYPNAME);
	*isnew = true;
	return s;
}

/* ----------------------------------------------------------------
 * Reading the customer-periods (cohort.h)
 * ----------------------------------------------------------------
 */

void
clv_cohort_reader_init(CohortReader *r, Datum d)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	StringInfoData buf;
	CohortHeader h;
	int32		i;

	memset(r, 0, sizeof(CohortReader));
	if (VARATT_IS_EXTERNAL_EXPANDED(v))
	{
		bool		isnew;
		CohortState *s = CohortFromDatum(d, CurrentMemoryContext, &isnew);

		Assert(!isnew);
		r->period = s->period;
		r->scale = s->scale;
		r->dscale = s->dscale;
		r->hasrows = s->hasrows;
		r->lastperiod = s->lastperiod;
		r->ncustomers = s->haskeys ? s->dict.nentries : 0;
		r->npairs = s->npairs;
		r->pairs = s->pairs;
		return;
	}

	/* a flat state: read it where it lies (it was checked on input) */
	v = PG_DETOAST_DATUM_PACKED(d);
	buf.data = VARDATA_ANY(v);
	buf.len = VARSIZE_ANY_EXHDR(v);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	ReadHeader(&buf, &h);
	for (i = 0; i < h.ncust; i++)
	{
		ClvKey		k;

		clv_key_recv(&buf, h.kind, &k);
	}
	r->npairs = ReadPairCount(&buf, &h);
	r->period = h.period;
	r->scale = h.scale;
	r->dscale = h.dscale;
	r->hasrows = h.hasrows;
	r->lastperiod = h.lastperiod;
	r->ncustomers = h.ncust;
	r->data = buf.data;
	r->len = buf.len;
	r->pairstart = buf.cursor;
	r->cursor = buf.cursor;
	r->header = palloc(sizeof(CohortHeader));
	memcpy(r->header, &h, sizeof(CohortHeader));
}

bool
clv_cohort_reader_next(CohortReader *r, CohortPairValue *p)
{
	if (r->next >= r->npairs)
		return false;
	if (r->pairs != NULL)
	{
		const CohortPair *e = &((const CohortPair *) r->pairs)[r->next];

		p->revenue = e->revenue;
		p->orders = e->orders;
		p->customer = e->cust;
		p->period = e->period;
	}
	else
	{
		StringInfoData buf;

		buf.data = (char *) r->data;
		buf.len = r->len;
		buf.maxlen = r->len;
		buf.cursor = r->cursor;
		ReadPair(&buf, (const CohortHeader *) r->header, p);
		r->cursor = buf.cursor;
	}
	r->next++;
	return true;
}

void
clv_cohort_reader_rewind(CohortReader *r)
{
	r->next = 0;
	r->cursor = r->pairstart;
}

/* ----------------------------------------------------------------
 * Type I/O
 * ----------------------------------------------------------------
 */

/* Binary form of a state datum as bytea */
static bytea *
CohortToBytea(Datum d)
{
	bool		isnew;
	CohortState *s = CohortFromDatum(d, CurrentMemoryContext, &isnew);
	StringInfoData buf;

	pq_begintypsend(&buf);
	CohortSend(s, &buf);
	if (isnew)
		MemoryContextDelete(s->hdr.eoh_context);
	return pq_endtypsend(&buf);
}

/*
 * Validate a binary form (by expanding it into a scratch state) and return
 * it as a flat datum.  Input functions return flat values, so that no
 * constant is ever a read-write expanded object.
 */
static Datum
CohortFlatFromBinary(StringInfo buf)
{
	int			start = buf->cursor;
	CohortState *s;
	struct varlena *result;

	s = CohortRecv(buf, CurrentMemoryContext, NULL);
	MemoryContextDelete(s->hdr.eoh_context);
	result = (struct varlena *) palloc(VARHDRSZ + buf->cursor - start);
	SET_VARSIZE(result, VARHDRSZ + buf->cursor - start);
	memcpy(VARDATA(result), buf->data + start, buf->cursor - start);
	return PointerGetDatum(result);
}

/* Text input: "clv_cohort_state:<base64 of the binary form>" */
PG_FUNCTION_INFO_V1(clv_cohort_state_in);
Datum
clv_cohort_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	StringInfoData buf;
	Datum		result;

	clv_text_decode(COHORT_TYPNAME, str, &buf);
	result = CohortFlatFromBinary(&buf);
	clv_recv_finish(&buf, COHORT_TYPNAME);
	PG_RETURN_DATUM(result);
}

/* Text output */
PG_FUNCTION_INFO_V1(clv_cohort_state_out);
Datum
clv_cohort_state_out(PG_FUNCTION_ARGS)
{
	bytea	   *b = CohortToBytea(PG_GETARG_DATUM(0));

	PG_RETURN_CSTRING(clv_text_encode(COHORT_TYPNAME, b));
}

/* Binary input */
PG_FUNCTION_INFO_V1(clv_cohort_state_recv);
Datum
clv_cohort_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);

	PG_RETURN_DATUM(CohortFlatFromBinary(buf));
}

/* Binary output */
PG_FUNCTION_INFO_V1(clv_cohort_state_send);
Datum
clv_cohort_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(CohortToBytea(PG_GETARG_DATUM(0)));
}

/* ----------------------------------------------------------------
 * Aggregates
 * ----------------------------------------------------------------
 */

/*
 * Is argument "argno" of the transition function the same for every row of
 * the aggregate call (a constant or a query parameter)?  The transition
 * function's own expression has placeholders for the aggregate's
 * arguments, so the aggregate call is asked.
 */
static bool
ArgIsStable(FunctionCallInfo fcinfo, int argno)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	Expr	   *expr;

	if (aggref == NULL || argno < 1 || argno > list_length(aggref->args))
		return false;
	expr = list_nth_node(TargetEntry, aggref->args, argno - 1)->expr;
	return IsA(expr, Const) ||
		(IsA(expr, Param) && ((Param *) expr)->paramkind == PARAM_EXTERN);
}

/* The call site of the transition function, set up on its first call */
static CohortCallSite *
GetCallSite(FunctionCallInfo fcinfo)
{
	CohortCallSite *cs = (CohortCallSite *) fcinfo->flinfo->fn_extra;

	if (cs == NULL)
	{
		cs = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CohortCallSite));
		cs->keytype = getBaseType(get_fn_expr_argtype(fcinfo->flinfo, 1));
		cs->keykind = clv_key_kind(cs->keytype);
		cs->timetype = getBaseType(get_fn_expr_argtype(fcinfo->flinfo, 2));
		cs->amountkind = clv_amount_kind(getBaseType(get_fn_expr_argtype(fcinfo->flinfo, 3)));
		cs->stableparams = ArgIsStable(fcinfo, 4) && ArgIsStable(fcinfo, 5);
		fcinfo->flinfo->fn_extra = cs;
	}
	return cs;
}

/*
 * The calendar of this row's period and time zone arguments (22004 if one
 * is NULL): the call site's, resolved again when the arguments change.
 * Constant arguments are compared once.
 */
static ClvCalendar *
RowCalendar(FunctionCallInfo fcinfo, CohortCallSite *cs)
{
	text	   *ptext;
	text	   *ztext;
	int			zlen;

	if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("cohort %s must not be null",
						PG_ARGISNULL(4) ? "period" : "time zone")));
	if (cs->generation > 0 && cs->stableparams)
		return &cs->cal;

	ptext = PG_GETARG_TEXT_PP(4);
	ztext = PG_GETARG_TEXT_PP(5);
	zlen = VARSIZE_ANY_EXHDR(ztext);
	if (cs->generation == 0 ||
		!clv_period_is(cs->cal.period, VARDATA_ANY(ptext), VARSIZE_ANY_EXHDR(ptext)) ||
		zlen != (int) strlen(cs->tzname) ||
		pg_strncasecmp(VARDATA_ANY(ztext), cs->tzname, zlen) != 0)
	{
		ClvPeriod	period = clv_period_parse(text_to_cstring(ptext));
		char	   *tzname = text_to_cstring(ztext);

		if (cs->generation > 0)
			clv_calendar_release(&cs->cal);
		cs->generation = 0;
		clv_calendar_init(&cs->cal, period, tzname, fcinfo->flinfo->fn_mcxt);
		/* resolved, so shorter than TZ_STRLEN_MAX */
		strlcpy(cs->tzname, tzname, sizeof(cs->tzname));
		cs->generation = ++cs->lastgeneration;
	}
	return &cs->cal;
}

/*
 * Transition function of clv_cohort_state(customer_id, ordered_at, amount,
 * period, time_zone): add one row to the state, updated in place.
 *
 * XXX As a window function the state is flattened by nodeWindowAgg after
 * every row and expanded again here, so each row costs the size of the
 * state; the aggregate is meant for GROUP BY and parallel plans.
 */
PG_FUNCTION_INFO_V1(clv_cohort_state_accum);
Datum
clv_cohort_state_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	CohortCallSite *cs;
	ClvCalendar *cal;
	CohortState *s;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called by an aggregate", "clv_cohort_state_accum"),
				 errhint("Use the aggregate clv_cohort_state.")));

	cs = GetCallSite(fcinfo);
	cal = RowCalendar(fcinfo, cs);
	if (PG_ARGISNULL(0))
		s = clv_cohort_create(aggcontext, cal->period, cs->tzname);
	else
	{
		bool		isnew;

		s = CohortFromDatum(PG_GETARG_DATUM(0), aggcontext, &isnew);
		if (!isnew && !VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
		{
			/* a read-only state: work on a copy */
			CohortState *copy = clv_cohort_create(aggcontext, s->period, s->tzname);

			CohortMerge(copy, s);
			s = copy;
		}
	}
	/* the parameters must not change within a group */
	if (s->checkedby != cs || s->checkedgeneration != cs->generation)
	{
		CheckSameParameters(s, cal->period, cs->tzname);
		s->checkedby = cs;
		s->checkedgeneration = cs->generation;
	}

	/* rows with a NULL customer, time or amount are ignored */
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) && !PG_ARGISNULL(3))
	{
		TimestampTz t = clv_time_from_datum(PG_GETARG_DATUM(2), cs->timetype);
		ClvMoney	amount;
		ClvKey		key;

		clv_money_from_datum(PG_GETARG_DATUM(3), cs->amountkind, &amount);
		clv_key_from_datum(PG_GETARG_DATUM(1), cs->keytype, cs->keykind, &key);
		clv_cohort_add(s, &key, cs->keykind, clv_calendar_period(cal, t), &amount);
	}

	PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr));
}

/*
 * Combine function of clv_cohort_state, and transition function of
 * rollup(clv_cohort_state): merge the second state into the first, in place.
 */
PG_FUNCTION_INFO_V1(clv_cohort_state_combine);
Datum
clv_cohort_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	CohortState *dst;
	CohortState *src;
	bool		dstnew;
	bool		srcnew;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called by an aggregate", "clv_cohort_state_combine"),
				 errhint("Use the aggregate rollup(clv_cohort_state).")));

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}

	if (PG_ARGISNULL(0))
	{
		/* copy the second state into the aggregate context */
		src = CohortFromDatum(PG_GETARG_DATUM(1), aggcontext, &srcnew);
		if (srcnew)
			PG_RETURN_DATUM(EOHPGetRWDatum(&src->hdr));
		dst = clv_cohort_create(aggcontext, src->period, src->tzname);
		CohortMerge(dst, src);
		PG_RETURN_DATUM(EOHPGetRWDatum(&dst->hdr));
	}

	dst = CohortFromDatum(PG_GETARG_DATUM(0), aggcontext, &dstnew);
	if (!dstnew && !VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		CohortState *copy = clv_cohort_create(aggcontext, dst->period, dst->tzname);

		CohortMerge(copy, dst);
		dst = copy;
	}
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(PG_GETARG_DATUM(1))))
	{
		src = CohortFromDatum(PG_GETARG_DATUM(1), CurrentMemoryContext, &srcnew);
		CohortMerge(dst, src);
	}
	else
	{
		/* a flat state (from a worker or a table): merge it as it is read */
		struct varlena *v = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(1));
		StringInfoData buf;

		buf.data = VARDATA_ANY(v);
		buf.len = VARSIZE_ANY_EXHDR(v);
		buf.maxlen = buf.len;
		buf.cursor = 0;
		(void) CohortRecv(&buf, NULL, dst);
		clv_recv_finish(&buf, COHORT_TYPNAME);
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&dst->hdr));
}

