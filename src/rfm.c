/*-------------------------------------------------------------------------
 *
 * rfm.c
 *	  clv_rfm: the per-customer "buy till you die" summary (frequency,
 *	  recency, T, monetary value) of the BTYD literature, as built by
 *	  lifetimes' summary_data_from_transaction_data with freq = 'D'.
 *
 * The aggregate is used with GROUP BY customer_id, so its state is an
 * internal per-customer list of order rows (with serialize/deserialize for
 * parallel plans).  Definitions, with E the observation_end day and
 * D_0 < D_1 < ... < D_k the distinct calendar days with an order (a row
 * with amount >= 0) on or before E:
 *	 frequency		= k (repeat purchase days)
 *	 recency		= (D_k - D_0) / unit
 *	 t				= (E - D_0) / unit
 *	 monetary_value = max(0, sum of the amounts of the rows dated D_1 .. E,
 *					  refunds included) / k, 0 if k = 0
 * where unit is 1 ('day') or 7 ('week').  Several orders on one day are
 * one purchase whose value is their sum.
 *
 * Refunds (the core rule, docs/readme/core.md): a row with amount < 0 is a
 * refund, not an order.  It makes no purchase day (so it changes neither
 * frequency, recency nor t, and a customer with refunds only has no
 * summary: NULL) and lowers the spend of the purchase day it follows: the
 * latest purchase day on or before its day.  Refunds of the first purchase
 * day (dated before D_1) therefore leave monetary_value alone, as the first
 * purchase is not in it, and the others lower it, down to 0 at the least
 * (a customer cannot spend less than nothing; Gamma-Gamma's fit leaves
 * such customers out, as it does every customer with monetary_value 0).
 * Without refunds this is lifetimes' summary_data_from_transaction_data.
 *
 * The calendar day of a timestamptz (order or observation_end) is its date
 * in the session TimeZone; of a timestamp, its date; a date is itself.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "calendar.h"
#include "clv.h"
#include "models.h"
#include "stateio.h"

/*
 * Per-customer state, one palloc chunk: the orders on or before the
 * observation_end day, unsorted, as two arrays after the header: first
 * their amounts, every one at the state's scale (the largest scale of the
 * customer's amounts so far), as one int64 word each, or as two (the high
 * and low halves of an int128) once one amount does not fit 64 bits; then
 * their days (DateADT).  An order takes 12 bytes in the common case: a
 * GROUP BY customer holds a million of these states, read and written at
 * random, so their size is the aggregate's speed.  obs_day and unit are
 * fixed by the first row; later rows (and combined states) must agree.
 */
typedef struct RfmState
{
	int32		obs_day;		/* DateADT of observation_end */
	int32		unit;			/* days per time unit: 1 or 7 */
	int32		norders;
	int32		capacity;
	int16		scale;			/* of every stored amount */
	int16		dscale;			/* the largest display scale of the amounts */
	int16		words;			/* int64 words per amount: 1 or 2 */
	int16		pad;
	int64		amounts[FLEXIBLE_ARRAY_MEMBER];	/* then int32 days[capacity] */
} RfmState;

#define RFM_HEADER_SIZE offsetof(RfmState, amounts)
#define RFM_FIRST_CHUNK 64		/* bytes: room for 3 orders */

/* The bytes of a state with room for capacity orders */
static inline Size
RfmSize(Size capacity, int words)
{
	return RFM_HEADER_SIZE + capacity * (words * sizeof(int64) + sizeof(int32));
}

/* The days array of a state */
static inline int32 *
RfmDays(const RfmState *st)
{
	return (int32 *) (st->amounts + (Size) st->capacity * st->words);
}

/* Order i's amount at the state's scale */
static inline int128
RfmAmount(const RfmState *st, int32 i)
{
	if (st->words == 1)
		return st->amounts[i];
	return clv_int128_join(st->amounts[2 * i], (uint64) st->amounts[2 * i + 1]);
}

/* Is order i a refund (amount < 0)? */
static inline bool
RfmIsRefund(const RfmState *st, int32 i)
{
	return st->amounts[st->words == 1 ? i : 2 * i] < 0;
}

/* Store v as order i's amount; false if it does not fit the state's words */
static inline bool
RfmSetAmount(RfmState *st, int32 i, int128 v)
{
	if (st->words == 1)
	{
		if (v != (int128) (int64) v)
			return false;
		st->amounts[i] = (int64) v;
	}
	else
	{
		st->amounts[2 * i] = clv_int128_hi(v);
		st->amounts[2 * i + 1] = (int64) clv_int128_lo(v);
	}
	return true;
}

/* Days per unit for a time_unit text: 1 ('day') or 7 ('week'), 22023 otherwise */
int32
clv_rfm_unit_days(text *t)
{
	char	   *s = text_to_cstring(t);

	if (strcmp(s, "day") == 0)
		return 1;
	if (strcmp(s, "week") == 0)
		return 7;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unrecognized time unit \"%s\"", s),
			 errhint("Use 'day' or 'week'.")));
	return 0;					/* keep compiler quiet */
}

/* Calendar day of an order time of type typid (22008 if infinite) */
int32
clv_rfm_day(Datum value, Oid typid)
{
	/* validates finiteness and range */
	TimestampTz ts = clv_time_from_datum(value, typid);

	switch (typid)
	{
		case DATEOID:
			return DatumGetDateADT(value);
		case TIMESTAMPOID:
			return DatumGetDateADT(DirectFunctionCall1(timestamp_date, value));
		default:
			return DatumGetDateADT(DirectFunctionCall1(timestamptz_date,
													   TimestampTzGetDatum(ts)));
	}
}

/* The calendar day of observation_end (22008 if infinite) */
int32
clv_rfm_obs_day(TimestampTz end)
{
	return DatumGetDateADT(DirectFunctionCall1(timestamptz_date,
											   TimestampTzGetDatum(clv_finite_timestamptz(end, "observation_end"))));
}

/*
 * Per-call-site cache of the conversions every row needs (in fn_extra or
 * another per-call-site slot, allocated in the function's memory context):
 * the calendar of the session TimeZone (the calendar day of a timestamptz
 * by binary search over cached spans of UTC times, as calendar.h explains,
 * instead of a timestamp2tm call per row), the last observation_end and
 * its day, the last time_unit text and its days.
 */
typedef struct ClvDayCache
{
	MemoryContext cxt;
	pg_tz	   *tz;				/* the zone of "cal", NULL before the first row */
	ClvCalendar cal;
	pg_tz	   *end_tz;			/* the zone end_day is for, NULL: none */
	TimestampTz end;
	int32		end_day;
	int32		unitlen;		/* -1: none cached */
	char		unittext[8];
	int32		unit_days;
	Oid			timetype;		/* clv_rfm's argument types, InvalidOid */
	ClvAmountKind amountkind;	/* until resolved */
	Oid			amounttype;
} ClvDayCache;

static ClvDayCache *
DayCache(void **slot, MemoryContext cxt)
{
	ClvDayCache *c = (ClvDayCache *) *slot;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(cxt, sizeof(ClvDayCache));
		c->cxt = cxt;
		c->unitlen = -1;
		*slot = c;
	}
	return c;
}

/* clv_rfm_day with the cache in *slot */
int32
clv_rfm_day_cached(void **slot, MemoryContext cxt, Datum value, Oid typid)
{
	ClvDayCache *c;
	TimestampTz ts;

	if (typid != TIMESTAMPTZOID)
		return clv_rfm_day(value, typid);
	ts = DatumGetTimestampTz(value);
	if (TIMESTAMP_NOT_FINITE(ts))
		return clv_rfm_day(value, typid);	/* raises the error */
	c = DayCache(slot, cxt);
	if (unlikely(c->tz != session_timezone))
	{
		if (c->tz != NULL)
			clv_calendar_release(&c->cal);
		clv_calendar_init_tz(&c->cal, CLV_PERIOD_DAY, session_timezone, c->cxt);
		c->tz = session_timezone;
	}
	return clv_calendar_period(&c->cal, ts);
}

/* clv_rfm_obs_day with the cache in *slot */
int32
clv_rfm_obs_day_cached(void **slot, MemoryContext cxt, TimestampTz end)
{
	ClvDayCache *c = DayCache(slot, cxt);

	if (c->end_tz == session_timezone && c->end == end)
		return c->end_day;
	c->end_day = clv_rfm_obs_day(end);
	c->end = end;
	c->end_tz = session_timezone;
	return c->end_day;
}

/* clv_rfm_unit_days with the cache in *slot */
int32
clv_rfm_unit_days_cached(void **slot, MemoryContext cxt, text *t)
{
	ClvDayCache *c = DayCache(slot, cxt);
	int32		len = VARSIZE_ANY_EXHDR(t);

	if (len == c->unitlen && memcmp(VARDATA_ANY(t), c->unittext, len) == 0)
		return c->unit_days;
	c->unit_days = clv_rfm_unit_days(t);
	if (len <= (int32) sizeof(c->unittext))
	{
		memcpy(c->unittext, VARDATA_ANY(t), len);
		c->unitlen = len;
	}
	return c->unit_days;
}

/* Check that two states agree on observation_end and unit */
static void
RfmCheckSame(int32 obs1, int32 unit1, int32 obs2, int32 unit2)
{
	if (obs1 != obs2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("observation_end must be the same for all orders of a customer")));
	if (unit1 != unit2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time_unit must be the same for all orders of a customer")));
}

/*
 * A copy of st (NULL: an empty state for obs_day and unit) in the
 * aggregate context, with room for capacity orders and the amounts at the
 * given scale (>= st's), in the given number of words per amount, or in two
 * if a rescaled amount does not fit one.  The old chunk is freed.
 */
static RfmState *
RfmReshape(MemoryContext cxt, RfmState *st, int32 obs_day, int32 unit,
		   Size capacity, int words, int scale)
{
	RfmState   *r;
	int32		n = st ? st->norders : 0;
	int32		i;
	Size		size;

	for (;;)
	{
		if (capacity > (MaxAllocSize - RFM_HEADER_SIZE) / (words * sizeof(int64) + sizeof(int32)))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many orders for one customer in clv_rfm")));
		size = RfmSize(capacity, words);
		clv_check_state_memory(size, "clv_rfm");
		r = MemoryContextAlloc(cxt, size);
		r->obs_day = st ? st->obs_day : obs_day;
		r->unit = st ? st->unit : unit;
		r->norders = n;
		r->capacity = (int32) capacity;
		r->scale = (int16) scale;
		r->dscale = st ? st->dscale : 0;
		r->words = (int16) words;
		r->pad = 0;
		if (n > 0 && words == st->words && scale == st->scale)
		{
			/* growing only: the amounts as they are */
			memcpy(r->amounts, st->amounts, (Size) n * words * sizeof(int64));
			break;
		}
		for (i = 0; i < n; i++)
		{
			ClvMoney	m = {RfmAmount(st, i), st->scale, st->scale};

			clv_money_rescale(&m, scale);
			if (!RfmSetAmount(r, i, m.value))
				break;
		}
		if (i == n)
			break;
		pfree(r);				/* a rescaled amount needs 128 bits */
		words = 2;
	}
	if (n > 0)
		memcpy(RfmDays(r), RfmDays(st), n * sizeof(int32));
	if (st)
		pfree(st);
	return r;
}

/* A new, empty state */
static RfmState *
RfmNew(MemoryContext cxt, int32 obs_day, int32 unit)
{
	return RfmReshape(cxt, NULL, obs_day, unit,
					  (RFM_FIRST_CHUNK - RFM_HEADER_SIZE) / (sizeof(int64) + sizeof(int32)),
					  1, 0);
}

/*
 * Append one order; returns the state, which moves when it grows (to twice
 * its bytes: palloc's chunk sizes) or changes scale or width
 */
static RfmState *
RfmAppend(MemoryContext cxt, RfmState *st, int32 day, const ClvMoney *amount)
{
	ClvMoney	m = *amount;

	if (m.scale > st->scale || st->norders == st->capacity)
	{
		int			scale = Max(st->scale, m.scale);
		Size		capacity = st->capacity;

		if ((Size) st->norders == capacity)
			capacity = (RfmSize(capacity, st->words) * 2 - RFM_HEADER_SIZE) /
				(st->words * sizeof(int64) + sizeof(int32));
		st = RfmReshape(cxt, st, 0, 0, capacity, st->words, scale);
	}
	clv_money_rescale(&m, st->scale);
	if (!RfmSetAmount(st, st->norders, m.value))
	{
		st = RfmReshape(cxt, st, 0, 0, st->capacity, 2, st->scale);
		RfmSetAmount(st, st->norders, m.value);
	}
	RfmDays(st)[st->norders] = day;
	if (m.dscale > st->dscale)
		st->dscale = (int16) m.dscale;
	st->norders++;
	return st;
}

/*
 * Transition: clv_rfm_accum(state, ordered_at, amount, observation_end
 * [, time_unit]).  Rows with a NULL argument are skipped; orders after the
 * observation_end day are not kept.
 */
PG_FUNCTION_INFO_V1(clv_rfm_accum);
Datum
clv_rfm_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	RfmState   *st = PG_ARGISNULL(0) ? NULL : (RfmState *) PG_GETARG_POINTER(0);
	int			nargs = PG_NARGS();
	int32		unit = 1;
	int32		obs_day;
	int32		day;
	ClvMoney	amount;
	ClvDayCache *cache;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clv_rfm_accum called in non-aggregate context");

	for (i = 1; i < nargs; i++)
		if (PG_ARGISNULL(i))
		{
			if (st == NULL)
				PG_RETURN_NULL();
			PG_RETURN_POINTER(st);
		}

	/* argument types, observation_end's day and the unit: once per call site */
	cache = DayCache(&fcinfo->flinfo->fn_extra, fcinfo->flinfo->fn_mcxt);
	if (unlikely(cache->timetype == InvalidOid))
	{
		cache->amounttype = clv_arg_base_type(fcinfo, 2);
		cache->amountkind = clv_amount_kind(cache->amounttype);
		cache->timetype = clv_arg_base_type(fcinfo, 1);
	}
	if (nargs > 4)
		unit = clv_rfm_unit_days_cached(&fcinfo->flinfo->fn_extra, fcinfo->flinfo->fn_mcxt,
										PG_GETARG_TEXT_PP(4));
	obs_day = clv_rfm_obs_day_cached(&fcinfo->flinfo->fn_extra, fcinfo->flinfo->fn_mcxt,
									 PG_GETARG_TIMESTAMPTZ(3));
	day = clv_rfm_day_cached(&fcinfo->flinfo->fn_extra, fcinfo->flinfo->fn_mcxt,
							 PG_GETARG_DATUM(1), cache->timetype);
	clv_money_from_datum(PG_GETARG_DATUM(2), cache->amountkind, &amount);

	if (st == NULL)
		st = RfmNew(aggcontext, obs_day, unit);
	else
		RfmCheckSame(st->obs_day, st->unit, obs_day, unit);

	if (day <= obs_day)
		st = RfmAppend(aggcontext, st, day, &amount);
	PG_RETURN_POINTER(st);
}

/* Combine: concatenate the order lists */
PG_FUNCTION_INFO_V1(clv_rfm_combine);
Datum
clv_rfm_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	RfmState   *a = PG_ARGISNULL(0) ? NULL : (RfmState *) PG_GETARG_POINTER(0);
	RfmState   *b = PG_ARGISNULL(1) ? NULL : (RfmState *) PG_GETARG_POINTER(1);
	int32		i;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clv_rfm_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = RfmNew(aggcontext, b->obs_day, b->unit);
	else
		RfmCheckSame(a->obs_day, a->unit, b->obs_day, b->unit);
	for (i = 0; i < b->norders; i++)
	{
		ClvMoney	m = {RfmAmount(b, i), b->scale, b->dscale};

		a = RfmAppend(aggcontext, a, RfmDays(b)[i], &m);
	}
	PG_RETURN_POINTER(a);
}

/*
 * Serialize: int32 obs_day, int32 unit, int32 n, then n times (int32 day,
 * money).
 */
PG_FUNCTION_INFO_V1(clv_rfm_serialize);
Datum
clv_rfm_serialize(PG_FUNCTION_ARGS)
{
	RfmState   *st = (RfmState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int32		i;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "clv_rfm_serialize called in non-aggregate context");
	pq_begintypsend(&buf);
	pq_sendint32(&buf, st->obs_day);
	pq_sendint32(&buf, st->unit);
	pq_sendint32(&buf, st->norders);
	for (i = 0; i < st->norders; i++)
	{
		ClvMoney	m = {RfmAmount(st, i), st->scale, st->dscale};

		pq_sendint32(&buf, RfmDays(st)[i]);
		clv_money_send(&buf, &m);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Deserialize (see clv_rfm_serialize) */
PG_FUNCTION_INFO_V1(clv_rfm_deserialize);
Datum
clv_rfm_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcontext;
	StringInfoData buf;
	RfmState   *st;
	int32		obs_day,
				unit,
				n,
				i;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clv_rfm_deserialize called in non-aggregate context");
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	obs_day = pq_getmsgint(&buf, 4);
	unit = pq_getmsgint(&buf, 4);
	n = pq_getmsgint(&buf, 4);
	if ((unit != 1 && unit != 7) || n < 0)
		elog(ERROR, "invalid clv_rfm state");
	st = RfmNew(aggcontext, obs_day, unit);
	for (i = 0; i < n; i++)
	{
		int32		day = pq_getmsgint(&buf, 4);
		ClvMoney	m;

		clv_money_recv(&buf, &m);
		st = RfmAppend(aggcontext, st, day, &m);
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(st);
}

/*
 * SortDays(int32 *, size_t): days in ascending order, the comparison
 * inlined (PostgreSQL's lib/sort_template.h, as btyd_data.c sorts its
 * entries; insertion sort below 7 elements)
 */
#define ST_SORT SortDays
#define ST_ELEMENT_TYPE int32
#define ST_COMPARE(a, b) ((*(a) > *(b)) - (*(a) < *(b)))
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * Recency and T of a customer in time units of unit_days days, from the
 * first and last purchase days and the observation_end day (DateADT):
 *	 recency = (last - first) / unit, T = (E - first) / unit.
 * Shared by clv_rfm and btyd_orders.c's one-pass summaries.
 */
void
clv_rfm_times(int32 first, int32 last, int32 obs_day, int32 unit_days,
			  double *recency, double *t)
{
	*recency = (double) ((int64) last - first) / unit_days;
	*t = (double) ((int64) obs_day - first) / unit_days;
}

/* The repeat spend as the monetary value divides it: max(0, repeat), dscale */
static inline void
RepeatSpendShown(ClvMoney *repeat, int32 dscale)
{
	if (clv_money_sign(repeat) < 0)
		repeat->value = 0;		/* refunds beyond the repeat purchases */
	repeat->dscale = dscale;
}

/*
 * The monetary value from the repeat spend (the sum of the amounts dated
 * from the first repeat purchase day on, changed in place), the frequency
 * and the largest display scale of the customer's amounts: max(0, repeat)
 * / frequency as numeric, shown with at least dscale decimals; 0 when
 * frequency is 0.  Shared by clv_rfm and btyd_orders.c's one-pass
 * summaries, so that both give the same numeric.
 */
Datum
clv_rfm_monetary_value(ClvMoney *repeat, int64 frequency, int32 dscale)
{
	RepeatSpendShown(repeat, dscale);
	if (frequency > 0)
		return clv_money_div_count(repeat, frequency);
	return clv_money_to_numeric(repeat);	/* 0, at the amounts' scale */
}

/*
 * The same monetary value read as double precision (numeric_float8 of
 * clv_rfm_monetary_value: the double nearest to that decimal), without
 * building the numeric when the quotient fits an exact decimal
 */
double
clv_rfm_monetary_double(ClvMoney *repeat, int64 frequency, int32 dscale)
{
	ClvMoney	q;

	RepeatSpendShown(repeat, dscale);
	if (frequency > 0 && clv_money_div_count_exact(repeat, frequency, &q))
		return clv_money_to_double(&q);
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8,
											  clv_rfm_monetary_value(repeat, frequency, dscale)));
}

/* Final: the rfm_summary composite, NULL if no order up to observation_end */
PG_FUNCTION_INFO_V1(clv_rfm_final);
Datum
clv_rfm_final(PG_FUNCTION_ARGS)
{
	RfmState   *st;
	const int32 *days;
	int32		buf[64];
	int32	   *p;
	int32		i,
				n,
				np = 0,
				first,
				second = 0,
				last;
	int64		frequency = 0;
	ClvMoney	repeat = {0};
	TupleDesc	tupdesc = (TupleDesc) fcinfo->flinfo->fn_extra;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	double		recency,
				t;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (RfmState *) PG_GETARG_POINTER(0);
	n = st->norders;
	days = RfmDays(st);

	/*
	 * The purchase days (of the orders with amount >= 0), sorted, in a copy:
	 * the state is left as it is, so a state finalized more than once gives
	 * the same result
	 */
	p = n <= (int32) lengthof(buf) ? buf : palloc(n * sizeof(int32));
	for (i = 0; i < n; i++)
		if (!RfmIsRefund(st, i))
			p[np++] = days[i];
	/* refunds only, or nothing, up to observation_end: not a customer yet */
	if (np == 0)
		PG_RETURN_NULL();
	SortDays(p, np);
	first = last = p[0];
	for (i = 1; i < np; i++)
		if (p[i] != last)
		{
			if (frequency == 0)
				second = p[i];
			frequency++;
			last = p[i];
		}

	/* repeat spend: every amount from the first repeat purchase day on */
	if (frequency > 0)
	{
		repeat.scale = st->scale;
		if (st->words == 1)
		{
			/* at most 2^31 int64 terms: no int128 overflow */
			for (i = 0; i < n; i++)
				if (days[i] >= second)
					repeat.value += st->amounts[i];
		}
		else
			for (i = 0; i < n; i++)
				if (days[i] >= second &&
					__builtin_add_overflow(repeat.value, RfmAmount(st, i), &repeat.value))
					clv_money_overflow();
	}

	/* the result's row type, once per call site */
	if (tupdesc == NULL)
	{
		MemoryContext old;

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		tupdesc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = tupdesc;
	}
	values[0] = Int32GetDatum((int32) frequency);
	clv_rfm_times(first, last, st->obs_day, st->unit, &recency, &t);
	values[1] = Float8GetDatum(recency);
	values[2] = Float8GetDatum(t);
	values[3] = clv_rfm_monetary_value(&repeat, frequency, st->dscale);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
