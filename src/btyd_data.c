/*-------------------------------------------------------------------------
 *
 * btyd_data.c
 *	  The btyd_data type: the transition state of the model fits
 *	  (bgnbd_fit, pareto_nbd_fit, gamma_gamma_fit), holding distinct
 *	  (frequency, recency, T) triples or (frequency, monetary value) pairs
 *	  with customer counts.
 *
 * Customers with identical inputs collapse into one weighted entry, so a
 * state grows with the number of distinct triples, not with customers.
 * The layout is described in models.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/htup_details.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "clv.h"
#include "models.h"

#define BTYD_INITIAL_CAPACITY 16

/* Bytes of a state with the given capacity, without its origin trailer */
static Size
BtydBaseSize(uint32 capacity)
{
	return MAXALIGN(sizeof(BtydData)) + (Size) capacity * sizeof(BtydEntry)
		+ (Size) capacity * 2 * sizeof(uint32);
}

/* Bytes of a state with the given capacity and flags */
static Size
BtydSize(uint32 capacity, uint16 flags)
{
	return BtydBaseSize(capacity) + ((flags & BTYD_FLAG_END) ? sizeof(int64) : 0);
}

/* The observation end of a value with BTYD_FLAG_END */
static int64
BtydEnd(const BtydData *d)
{
	int64		end;

	if (!(d->flags & BTYD_FLAG_END))
		return 0;
	memcpy(&end, (const char *) d + BtydBaseSize(d->capacity), sizeof(end));
	return end;
}

/*
 * A new empty state in the current memory context with the origin given
 * by flags and end
 */
static BtydData *
BtydAllocOrigin(uint32 capacity, int kind, double penalizer, uint16 flags, int64 end,
				const char *what)
{
	Size		size = BtydSize(capacity, flags);
	BtydData   *d;

	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s state would exceed 1 GB", what),
				 errhint("Fit on a sample, or round recency and T to fewer distinct values.")));
	clv_check_state_memory(size, what);
	d = palloc0(size);
	SET_VARSIZE(d, size);
	d->version = BTYD_DATA_VERSION;
	d->kind = kind;
	d->capacity = capacity;
	d->nslots = capacity * 2;
	d->penalizer = penalizer;
	d->flags = flags;
	if (flags & BTYD_FLAG_END)
		memcpy((char *) d + BtydBaseSize(capacity), &end, sizeof(end));
	return d;
}

/* A new empty state with the origin of "like" (NULL: none) */
static BtydData *
BtydAllocLike(uint32 capacity, int kind, double penalizer, const BtydData *like,
			  const char *what)
{
	return BtydAllocOrigin(capacity, kind, penalizer, like ? like->flags : 0,
						   like ? BtydEnd(like) : 0, what);
}

/* A new empty state without an origin */
static BtydData *
BtydAlloc(uint32 capacity, int kind, double penalizer, const char *what)
{
	return BtydAllocLike(capacity, kind, penalizer, NULL, what);
}

/* The part of a BTYD_KIND_ORDERS value holding entries of "kind" */
static BtydData *
BtydPart(const BtydData *d, int kind)
{
	BtydData   *rfm = (BtydData *) ((char *) d + MAXALIGN(BtydSize(0, d->flags)));

	Assert(d->kind == BTYD_KIND_ORDERS);
	if (kind == BTYD_KIND_RFM)
		return rfm;
	return (BtydData *) ((char *) rfm + MAXALIGN(VARSIZE(rfm)));
}

/* Whether two values have the same origin */
static bool
BtydSameOrigin(const BtydData *a, const BtydData *b)
{
	return a->flags == b->flags && BtydEnd(a) == BtydEnd(b);
}

/* Hash of an entry key (the three doubles, -0 already normalised) */
static inline uint32
BtydHash(const double *v)
{
	return hash_bytes((const unsigned char *) v, 3 * sizeof(double));
}

static BtydData *BtydRebuilt(const BtydData *d, uint32 capacity, const char *what);

/*
 * Add weight w to key v (3 doubles, -0 normalised; hash = BtydHash(v)),
 * growing if needed.
 * Modifies d in place when it has room; otherwise returns a grown copy
 * (allocated in the current memory context; d is left unchanged).
 */
static BtydData *
BtydAddHashed(BtydData *d, const double *v, uint32 hash, int64 w, const char *what)
{
	uint32		mask;
	uint32		idx;
	uint32	   *slots;
	BtydEntry  *entries;
	BtydEntry  *e;

	entries = BTYD_ENTRIES(d);
	slots = BTYD_SLOTS(d);
	mask = d->nslots - 1;
	idx = hash & mask;
	while (slots[idx] != 0)
	{
		e = &entries[slots[idx] - 1];
		if (memcmp(e->v, v, sizeof(e->v)) == 0)
		{
			if (pg_add_s64_overflow(e->weight, w, &e->weight) ||
				pg_add_s64_overflow(d->total, w, &d->total))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("too many customers in %s", what)));
			return d;
		}
		idx = (idx + 1) & mask;
	}

	if (d->n == d->capacity)
	{
		/* grow: a copy with twice the capacity */
		if (d->capacity >= (PG_UINT32_MAX / 4))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many distinct inputs in %s", what)));
		return BtydAddHashed(BtydRebuilt(d, d->capacity * 2, what), v, hash, w, what);
	}

	e = &entries[d->n];
	memcpy(e->v, v, sizeof(e->v));
	e->weight = w;
	d->n++;
	slots[idx] = d->n;
	if (pg_add_s64_overflow(d->total, w, &d->total))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("too many customers in %s", what)));
	return d;
}

/* BtydAddHashed with the key's hash computed here */
static BtydData *
BtydAdd(BtydData *d, const double *v, int64 w, const char *what)
{
	return BtydAddHashed(d, v, BtydHash(v), w, what);
}

/*
 * How many entries ahead BtydAddEntries prefetches an entry's hash slot;
 * the entry that slot points to is prefetched half as far ahead, once the
 * slot is in the cache
 */
#define BTYD_AHEAD 16

/* The largest capacity BtydAddEntries sets aside in advance (80 MB) */
#define BTYD_PRESIZE_MAX (1U << 21)

/*
 * Add n entries (keys -0 normalised, weights > 0) in order: the same value
 * as n calls of BtydAdd, but faster for a large value (a million distinct
 * keys: 40 MB, far beyond the caches).  The capacity for n more keys is
 * set aside first (up to BTYD_PRESIZE_MAX and within clv.max_state_memory;
 * beyond that the value grows as BtydAdd grows it), so that the keys are
 * not inserted again at each doubling, and the two dependent cache misses
 * of each lookup, its hash slot and the entry the slot points to, are taken
 * a few entries ahead with prefetches instead of one entry after another.
 * Frees d when it returns another value (d must be the caller's).
 */
static BtydData *
BtydAddEntries(BtydData *d, const BtydEntry *add, uint32 n, const char *what)
{
	uint32	   *hashes;
	uint32		i;
	uint64		need = (uint64) d->n + n;

	if (n == 0)
		return d;
	if (need > d->capacity && d->capacity < BTYD_PRESIZE_MAX)
	{
		uint32		cap = d->capacity;
		BtydData   *g;

		/* never past clv.max_state_memory: growing later gives its error */
		while (cap < need && cap < BTYD_PRESIZE_MAX &&
			   BtydSize(cap * 2, d->flags) / 1024 <= (Size) clv_max_state_memory_kb)
			cap *= 2;
		if (cap > d->capacity)
		{
			g = BtydRebuilt(d, cap, what);
			pfree(d);
			d = g;
		}
	}

	hashes = palloc_extended((Size) n * sizeof(uint32), MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
		hashes[i] = BtydHash(add[i].v);
	for (i = 0; i < n; i++)
	{
		uint32		mask = d->nslots - 1;
		uint32	   *slots = BTYD_SLOTS(d);
		BtydData   *g;

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (i + BTYD_AHEAD < n)
			__builtin_prefetch(&slots[hashes[i + BTYD_AHEAD] & mask], 1, 3);
		if (i + BTYD_AHEAD / 2 < n)
		{
			uint32		slot = slots[hashes[i + BTYD_AHEAD / 2] & mask];

			if (slot != 0)
				__builtin_prefetch(&BTYD_ENTRIES(d)[slot - 1], 0, 3);
		}
		g = BtydAddHashed(d, add[i].v, hashes[i], add[i].weight, what);
		if (g != d)
		{
			pfree(d);
			d = g;
		}
	}
	pfree(hashes);
	return d;
}

/*
 * A copy of d with the given capacity (>= d->n): the same entries in the
 * same order, the hash slots built again (growing, setting room aside,
 * compacting)
 */
static BtydData *
BtydRebuilt(const BtydData *d, uint32 capacity, const char *what)
{
	BtydData   *c = BtydAllocLike(capacity, d->kind, d->penalizer, d, what);

	Assert(capacity >= d->n);
	return BtydAddEntries(c, BTYD_ENTRIES(d), d->n, what);
}

/* A compact copy (capacity = n rounded up to a power of two) */
static BtydData *
BtydCompactCopy(const BtydData *d, const char *what)
{
	uint32		cap = BTYD_INITIAL_CAPACITY;
	BtydData   *c;

	if (d->kind == BTYD_KIND_ORDERS)
	{
		/* a pair: copied as it is (its parts are compact) */
		c = palloc(VARSIZE(d));
		memcpy(c, d, VARSIZE(d));
		return c;
	}
	while (cap < d->n)
		cap *= 2;
	return BtydRebuilt(d, cap, what);
}

/* Why (x, t_x, T) is not a valid customer summary, or NULL */
static const char *
RfmProblem(double x, double tx, double T)
{
	if (!isfinite(x) || !isfinite(tx) || !isfinite(T))
		return "frequency, recency and T must be finite";
	if (x < 0 || tx < 0 || T < 0)
		return "frequency, recency and T must not be negative";
	if (x != floor(x))
		return "frequency must be a whole number";
	if (x > BTYD_MAX_FREQUENCY)
		return "frequency is out of range";
	if (tx > T)
		return "recency must not exceed T";
	if (x == 0 && tx != 0)
		return "recency must be 0 when frequency is 0";
	return NULL;
}

/* Why (x, m) is not a valid Gamma-Gamma input, or NULL */
static const char *
SpendProblem(double x, double m)
{
	if (!isfinite(x) || !isfinite(m))
		return "frequency and monetary value must be finite";
	if (x < 1 || x != floor(x) || x > BTYD_MAX_FREQUENCY)
		return "frequency must be a whole number >= 1";
	if (m <= 0)
		return "monetary value must be positive";
	return NULL;
}

/* Check one customer's summary (22023) */
void
clv_check_rfm(double x, double tx, double T)
{
	const char *problem = RfmProblem(x, tx, T);

	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid customer summary: %s", problem),
				 errdetail("The values were frequency %g, recency %g, T %g.", x, tx, T)));
}

/* Check a non-negative finite argument (22023) */
double
clv_nonneg_arg(double v, const char *what)
{
	if (!isfinite(v) || v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite non-negative number", what),
				 errdetail("The value was %g.", v)));
	return v;
}

/* Check a penalizer argument */
static double
PenalizerArg(FunctionCallInfo fcinfo, int argno)
{
	if (argno < 0)
		return 0.0;
	return clv_nonneg_arg(PG_GETARG_FLOAT8(argno), "penalizer");
}

/*
 * Common body of the transition functions: add w customers with key v to
 * the state in argument 0, in place when called as an aggregate.
 */
static Datum
BtydAccum(FunctionCallInfo fcinfo, int kind, double *v, int64 w, int penarg,
		  const char *what)
{
	BtydData   *d;
	MemoryContext aggcontext;
	double		penalizer = PenalizerArg(fcinfo, penarg);
	bool		inagg = AggCheckCallContext(fcinfo, &aggcontext) != 0;
	int			i;

	for (i = 0; i < 3; i++)
		if (v[i] == 0.0)
			v[i] = 0.0;			/* normalise -0 */

	if (PG_ARGISNULL(0))
		d = BtydAlloc(BTYD_INITIAL_CAPACITY, kind, penalizer, what);
	else
	{
		d = PG_GETARG_BTYD_DATA(0);
		if (d->kind != kind)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("btyd_data holds a different kind of input")));
		if (d->penalizer != penalizer)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("penalizer must be the same for all rows of %s", what),
					 errdetail("Values %g and %g were given.", d->penalizer, penalizer)));
		/* never scribble on a value that does not belong to the aggregate */
		if (!inagg)
			d = BtydCompactCopy(d, what);
	}

	/*
	 * BtydAdd returns either d itself (updated in place: nodeAgg keeps it)
	 * or a grown copy in the per-call context, which nodeAgg copies into
	 * the aggregate context before freeing the old state.
	 */
	d = BtydAdd(d, v, w, what);
	PG_RETURN_POINTER(d);
}

/* Arguments 1..3 as a valid (x, t_x, T) triple, or false if any is NULL */
static bool
RfmArgs(FunctionCallInfo fcinfo, int nargs, double *v)
{
	int			i;
	const char *problem;

	for (i = 1; i <= nargs; i++)
		if (PG_ARGISNULL(i))
			return false;
	v[0] = PG_GETARG_FLOAT8(1);
	v[1] = PG_GETARG_FLOAT8(2);
	v[2] = PG_GETARG_FLOAT8(3);
	problem = RfmProblem(v[0], v[1], v[2]);
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid customer summary: %s", problem),
				 errdetail("The values were frequency %g, recency %g, T %g.",
						   v[0], v[1], v[2])));
	return true;
}

/*
 * Arguments 1..2 as a Gamma-Gamma input.  Returns false for NULLs and for
 * customers the model excludes (frequency 0, monetary value <= 0).
 */
static bool
SpendArgs(FunctionCallInfo fcinfo, int nargs, double *v)
{
	int			i;
	double		x,
				m;

	for (i = 1; i <= nargs; i++)
		if (PG_ARGISNULL(i))
			return false;
	x = PG_GETARG_FLOAT8(1);
	m = PG_GETARG_FLOAT8(2);
	if (isnan(x) || isnan(m) || isinf(x) || isinf(m) || x < 0 || x != floor(x) || x > BTYD_MAX_FREQUENCY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid Gamma-Gamma input: frequency must be a whole number >= 0 and monetary value finite"),
				 errdetail("The values were frequency %g, monetary value %g.", x, m)));
	if (x == 0 || m <= 0)
		return false;
	v[0] = x;
	v[1] = m;
	v[2] = 0.0;
	return true;
}

/* Transition: add (frequency, recency, T) */
PG_FUNCTION_INFO_V1(clv_btyd_data_accum);
Datum
clv_btyd_data_accum(PG_FUNCTION_ARGS)
{
	double		v[3];

	if (!RfmArgs(fcinfo, 3, v))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	return BtydAccum(fcinfo, BTYD_KIND_RFM, v, 1, -1, "btyd_data");
}

/* Transition: add (frequency, recency, T) with a penalizer */
PG_FUNCTION_INFO_V1(clv_btyd_data_accum_pen);
Datum
clv_btyd_data_accum_pen(PG_FUNCTION_ARGS)
{
	double		v[3];

	if (!RfmArgs(fcinfo, 4, v))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	return BtydAccum(fcinfo, BTYD_KIND_RFM, v, 1, 4, "btyd_data");
}

/*
 * Transition: add "weight" customers with (frequency, recency, T) (for data
 * that comes with counts, such as bgbb_fit's); a weight of 0 adds nothing
 */
PG_FUNCTION_INFO_V1(clv_btyd_data_accum_weighted);
Datum
clv_btyd_data_accum_weighted(PG_FUNCTION_ARGS)
{
	double		v[3];
	int64		w;

	if (!RfmArgs(fcinfo, 4, v) || (w = PG_GETARG_INT64(4)) == 0)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (w < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight must not be negative"),
				 errdetail("The value was " INT64_FORMAT ".", w)));
	return BtydAccum(fcinfo, BTYD_KIND_RFM, v, w, -1, "btyd_data");
}

/* Transition: add (frequency, monetary value) */
PG_FUNCTION_INFO_V1(clv_btyd_data_accum_spend);
Datum
clv_btyd_data_accum_spend(PG_FUNCTION_ARGS)
{
	double		v[3];

	if (!SpendArgs(fcinfo, 2, v))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	return BtydAccum(fcinfo, BTYD_KIND_SPEND, v, 1, -1, "btyd_data");
}

/* Transition: add (frequency, monetary value) with a penalizer */
PG_FUNCTION_INFO_V1(clv_btyd_data_accum_spend_pen);
Datum
clv_btyd_data_accum_spend_pen(PG_FUNCTION_ARGS)
{
	double		v[3];

	if (!SpendArgs(fcinfo, 3, v))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	return BtydAccum(fcinfo, BTYD_KIND_SPEND, v, 1, 3, "btyd_data");
}

/* Combine two states exactly (weights of equal entries add up) */
PG_FUNCTION_INFO_V1(clv_btyd_data_combine);
Datum
clv_btyd_data_combine(PG_FUNCTION_ARGS)
{
	BtydData   *d0;
	BtydData   *d1;
	BtydEntry  *e1;
	MemoryContext aggcontext;
	uint32		i;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	d1 = PG_GETARG_BTYD_DATA(1);
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(BtydCompactCopy(d1, "btyd_data"));

	d0 = PG_GETARG_BTYD_DATA(0);
	if (d0->kind == BTYD_KIND_ORDERS || d1->kind == BTYD_KIND_ORDERS)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("btyd_data values built from orders cannot be combined"),
				 errdetail("A customer's summary needs all of the customer's orders, which such a value no longer holds."),
				 errhint("Aggregate the orders of all periods at once with btyd_data(customer_id, ordered_at, amount, observation_end).")));
	if (!BtydSameOrigin(d0, d1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine btyd_data values of different time units or observation ends")));
	if (d0->kind != d1->kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine btyd_data values of different kinds"),
				 errdetail("One holds (frequency, recency, T) triples and the other (frequency, monetary value) pairs.")));
	if (d0->penalizer != d1->penalizer)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine btyd_data values with different penalizers"),
				 errdetail("The penalizers are %g and %g.", d0->penalizer, d1->penalizer)));
	if (!AggCheckCallContext(fcinfo, &aggcontext))
		d0 = BtydCompactCopy(d0, "btyd_data");

	e1 = BTYD_ENTRIES(d1);
	for (i = 0; i < d1->n; i++)
		d0 = BtydAdd(d0, e1[i].v, e1[i].weight, "btyd_data");
	PG_RETURN_POINTER(d0);
}

/* Final function of the btyd_data aggregates: a compact copy */
PG_FUNCTION_INFO_V1(clv_btyd_data_final);
Datum
clv_btyd_data_final(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(BtydCompactCopy(PG_GETARG_BTYD_DATA(0), "btyd_data"));
}

/* Number of customers in a state */
PG_FUNCTION_INFO_V1(clv_btyd_data_customers);
Datum
clv_btyd_data_customers(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_BTYD_DATA(0)->total);	/* a pair's: its customers */
}

/* Number of distinct entries in a state */
PG_FUNCTION_INFO_V1(clv_btyd_data_distinct);
Datum
clv_btyd_data_distinct(PG_FUNCTION_ARGS)
{
	BtydData   *d = PG_GETARG_BTYD_DATA(0);

	/* a pair: the distinct (frequency, recency, T) */
	if (d->kind == BTYD_KIND_ORDERS)
		d = BtydPart(d, BTYD_KIND_RFM);
	PG_RETURN_INT32((int32) d->n);
}

/* ----------------------------------------------------------------
 * I/O
 *
 * Send form, version 1 (values without an origin, as in 0.2.0): uint8
 * version 1, uint8 kind, float8 penalizer, int32 n, then n entries of
 * float8 values (3 for kind 1, 2 for kind 2) and int64 weight.
 * Version 2 (values with an origin, and pairs): uint8 version 2, uint8
 * kind, uint16 flags, int64 observation end (if BTYD_FLAG_END), then for
 * kinds 1 and 2 penalizer, n and the entries as in version 1, and for kind
 * 3 the send forms of its two parts, each after its int32 length.
 * Entries are written in canonical order (sorted by their values), so
 * equal values have equal forms whatever order the rows came in.
 * ----------------------------------------------------------------
 */

static void
BtydSendTo(StringInfo buf, const BtydData *d)
{
	bool		v2 = d->flags != 0 || d->kind == BTYD_KIND_ORDERS;

	pq_sendbyte(buf, v2 ? 2 : 1);
	pq_sendbyte(buf, d->kind);
	if (v2)
	{
		pq_sendint16(buf, d->flags);
		if (d->flags & BTYD_FLAG_END)
			pq_sendint64(buf, BtydEnd(d));
	}
	if (d->kind == BTYD_KIND_ORDERS)
	{
		int			k;

		for (k = BTYD_KIND_RFM; k <= BTYD_KIND_SPEND; k++)
		{
			StringInfoData part;

			initStringInfo(&part);
			BtydSendTo(&part, BtydPart(d, k));
			pq_sendint32(buf, part.len);
			pq_sendbytes(buf, part.data, part.len);
			pfree(part.data);
		}
	}
	else
	{
		int			nv = (d->kind == BTYD_KIND_RFM) ? 3 : 2;
		BtydEntry  *e = clv_btyd_sorted_entries(d);
		uint32		i;
		int			j;

		pq_sendfloat8(buf, d->penalizer);
		pq_sendint32(buf, d->n);
		for (i = 0; i < d->n; i++)
		{
			for (j = 0; j < nv; j++)
				pq_sendfloat8(buf, e[i].v[j]);
			pq_sendint64(buf, e[i].weight);
		}
		pfree(e);
	}
}

/* Binary output */
PG_FUNCTION_INFO_V1(clv_btyd_data_send);
Datum
clv_btyd_data_send(PG_FUNCTION_ARGS)
{
	BtydData   *d = PG_GETARG_BTYD_DATA(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	BtydSendTo(&buf, d);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Raise 22P03 for a malformed external value */
pg_noreturn static void
BadBtydData(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid external btyd_data value"),
			 errdetail("%s", detail)));
}

/* Decode and validate a send form (nested: a part of a pair) */
static BtydData *
BtydFromBuf(StringInfo buf, bool nested)
{
	int			version,
				kind,
				nv;
	uint16		flags = 0;
	int64		end = 0;
	double		penalizer;
	int64		n;
	int64		i;
	BtydData   *d;
	uint32		cap = BTYD_INITIAL_CAPACITY;

	if (buf->len - buf->cursor < 2)
		BadBtydData("The value is too short.");
	version = pq_getmsgbyte(buf);
	if (version != 1 && version != 2)
		BadBtydData("Unsupported format version.");
	kind = pq_getmsgbyte(buf);
	if (kind != BTYD_KIND_RFM && kind != BTYD_KIND_SPEND &&
		(kind != BTYD_KIND_ORDERS || version != 2 || nested))
		BadBtydData("Unknown kind of entries.");
	if (version == 2)
	{
		if (buf->len - buf->cursor < 2)
			BadBtydData("The value is too short.");
		flags = (uint16) pq_getmsgint(buf, 2);
		if ((flags & ~(BTYD_FLAG_UNIT_MASK | BTYD_FLAG_END)) != 0 ||
			(flags & BTYD_FLAG_UNIT_MASK) > CLV_UNIT_YEAR)
			BadBtydData("Unknown flags.");
		if (flags & BTYD_FLAG_END)
		{
			if (buf->len - buf->cursor < 8)
				BadBtydData("The value is too short.");
			end = pq_getmsgint64(buf);
			if (TIMESTAMP_NOT_FINITE(end) || !IS_VALID_TIMESTAMP(end))
				BadBtydData("The observation end must be a finite timestamp.");
		}
	}

	if (kind == BTYD_KIND_ORDERS)
	{
		BtydData   *part[2];
		int			k;

		for (k = 0; k < 2; k++)
		{
			StringInfoData sub;
			int			len;

			if (buf->len - buf->cursor < 4)
				BadBtydData("The value is too short.");
			len = pq_getmsgint(buf, 4);
			if (len < 0 || len > buf->len - buf->cursor)
				BadBtydData("A part's length does not match the value.");
			sub.data = (char *) pq_getmsgbytes(buf, len);
			sub.len = sub.maxlen = len;
			sub.cursor = 0;
			part[k] = BtydFromBuf(&sub, true);
			if (part[k]->kind != BTYD_KIND_RFM + k)
				BadBtydData("The parts must be the (frequency, recency, T) and the (frequency, monetary value) inputs, in this order.");
			if (part[k]->flags != flags || BtydEnd(part[k]) != end)
				BadBtydData("The parts must have the time unit and observation end of the value.");
			if (part[k]->penalizer != 0)
				BadBtydData("The parts must have no penalizer.");
		}
		if (part[1]->total > part[0]->total)
			BadBtydData("There are more spend than purchase customers.");
		clv_recv_finish(buf, "btyd_data");
		return clv_btyd_data_pair(part[0], part[1]);
	}

	nv = (kind == BTYD_KIND_RFM) ? 3 : 2;
	if (buf->len - buf->cursor < 12)
		BadBtydData("The value is too short.");
	penalizer = pq_getmsgfloat8(buf);
	if (!isfinite(penalizer) || penalizer < 0)
		BadBtydData("The penalizer must be finite and non-negative.");
	n = (int64) (uint32) pq_getmsgint(buf, 4);
	if (n > (buf->len - buf->cursor) / (int64) (nv * 8 + 8) ||
		n * (int64) (nv * 8 + 8) != buf->len - buf->cursor)
		BadBtydData("The entry count does not match the length.");
	while (cap < n)
		cap *= 2;
	d = BtydAllocOrigin(cap, kind, penalizer, flags, end, "btyd_data");
	for (i = 0; i < n; i++)
	{
		double		v[3] = {0, 0, 0};
		int64		w;
		int			j;
		uint32		before;

		for (j = 0; j < nv; j++)
		{
			v[j] = pq_getmsgfloat8(buf);
			if (v[j] == 0.0)
				v[j] = 0.0;
		}
		w = pq_getmsgint64(buf);
		if (w <= 0)
			BadBtydData("Every weight must be positive.");
		if ((kind == BTYD_KIND_RFM ? RfmProblem(v[0], v[1], v[2]) : SpendProblem(v[0], v[1])) != NULL)
			BadBtydData(kind == BTYD_KIND_RFM ? RfmProblem(v[0], v[1], v[2]) : SpendProblem(v[0], v[1]));
		before = d->n;
		d = BtydAdd(d, v, w, "btyd_data");
		if (d->n == before)
			BadBtydData("The entries are not distinct.");
	}
	clv_recv_finish(buf, "btyd_data");
	return d;
}

/* Binary input */
PG_FUNCTION_INFO_V1(clv_btyd_data_recv);
Datum
clv_btyd_data_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);

	PG_RETURN_POINTER(BtydFromBuf(buf, false));
}

/* Text output: "btyd_data:<base64 of the send form>" */
PG_FUNCTION_INFO_V1(clv_btyd_data_out);
Datum
clv_btyd_data_out(PG_FUNCTION_ARGS)
{
	bytea	   *bin = DatumGetByteaPP(DirectFunctionCall1(clv_btyd_data_send,
														  PG_GETARG_DATUM(0)));

	PG_RETURN_CSTRING(clv_text_encode("btyd_data", bin));
}

/* Text input */
PG_FUNCTION_INFO_V1(clv_btyd_data_in);
Datum
clv_btyd_data_in(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	clv_text_decode("btyd_data", PG_GETARG_CSTRING(0), &buf);
	PG_RETURN_POINTER(BtydFromBuf(&buf, false));
}

/* ----------------------------------------------------------------
 * Helpers for the fits and scorers
 * ----------------------------------------------------------------
 */

/* A btyd_data argument of the wanted kind */
BtydData *
clv_btyd_data_arg(FunctionCallInfo fcinfo, int argno, int kind, const char *fitname)
{
	BtydData   *d = PG_GETARG_BTYD_DATA(argno);

	if (d->kind == BTYD_KIND_ORDERS)
		return BtydPart(d, kind);
	if (d->kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs %s", fitname,
						kind == BTYD_KIND_RFM ? "(frequency, recency, T) data"
						: "(frequency, monetary value) data")));
	return d;
}

/* Order of entries: by frequency, then the other values */
static inline int
EntryCmp(const BtydEntry *ea, const BtydEntry *eb)
{
	int			i;

	for (i = 0; i < 3; i++)
	{
		if (ea->v[i] < eb->v[i])
			return -1;
		if (ea->v[i] > eb->v[i])
			return 1;
	}
	return 0;
}

/*
 * SortEntries(BtydEntry *, size_t): a sort specialised for entries, with
 * the comparison inlined (PostgreSQL's lib/sort_template.h); qsort with a
 * comparator function took 4 % of clv_predictions at a million customers.
 * The keys of a value are distinct, so every sort gives the same order.
 */
#define ST_SORT SortEntries
#define ST_ELEMENT_TYPE BtydEntry
#define ST_COMPARE(a, b) EntryCmp(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/* Entries sorted by frequency (a deterministic order for the sums) */
BtydEntry *
clv_btyd_sorted_entries(const BtydData *d)
{
	BtydEntry  *e = palloc(sizeof(BtydEntry) * Max(d->n, 1));

	memcpy(e, BTYD_ENTRIES(d), sizeof(BtydEntry) * d->n);
	SortEntries(e, d->n);
	return e;
}

/* The unit and observation end a value records (models.h) */
void
clv_btyd_data_origin(const BtydData *d, ClvModelOrigin *origin)
{
	origin->unit = (ClvTimeUnit) (d->flags & BTYD_FLAG_UNIT_MASK);
	origin->has_end = (d->flags & BTYD_FLAG_END) != 0;
	origin->observation_end = BtydEnd(d);
}

/* ----------------------------------------------------------------
 * Building values from orders (btyd_orders.c)
 * ----------------------------------------------------------------
 */

/* A new empty value of kind 1 or 2 with an origin */
BtydData *
clv_btyd_data_new(int kind, int unit, bool has_end, int64 end)
{
	uint16		flags = (uint16) (unit & BTYD_FLAG_UNIT_MASK) | (has_end ? BTYD_FLAG_END : 0);

	return BtydAllocOrigin(BTYD_INITIAL_CAPACITY, kind, 0.0, flags, end, "btyd_data");
}

/*
 * Add n entries (keys normalised here, weights > 0) in order; frees d when
 * it returns another value
 */
BtydData *
clv_btyd_data_add_entries(BtydData *d, BtydEntry *add, uint32 n)
{
	uint32		i;
	int			j;

	for (i = 0; i < n; i++)
		for (j = 0; j < 3; j++)
			if (add[i].v[j] == 0.0)
				add[i].v[j] = 0.0;
	return BtydAddEntries(d, add, n, "btyd_data");
}

/* The pair (kind 3) of an (x, t_x, T) value and an (x, m) value, compacted */
BtydData *
clv_btyd_data_pair(const BtydData *rfm, const BtydData *spend)
{
	BtydData   *r = BtydCompactCopy(rfm, "btyd_data");
	BtydData   *m = BtydCompactCopy(spend, "btyd_data");
	Size		head = MAXALIGN(BtydSize(0, rfm->flags));
	Size		size = head + MAXALIGN(VARSIZE(r)) + VARSIZE(m);
	BtydData   *d;

	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("btyd_data value would exceed 1 GB")));
	d = BtydAllocLike(0, BTYD_KIND_ORDERS, 0.0, rfm, "btyd_data");
	d = repalloc(d, size);
	memset((char *) d + BtydSize(0, d->flags), 0, size - BtydSize(0, d->flags));
	SET_VARSIZE(d, size);
	d->total = r->total;
	memcpy((char *) d + head, r, VARSIZE(r));
	memcpy((char *) d + head + MAXALIGN(VARSIZE(r)), m, VARSIZE(m));
	pfree(r);
	pfree(m);
	return d;
}
