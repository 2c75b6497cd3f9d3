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
 * One order: its day and exact amount (the ClvMoney's int128 in two
 * halves, so that an order takes 24 bytes, not 48: the per-customer lists
 * of a GROUP BY are read and written at random)
 */
typedef struct RfmOrder
{
	int64		hi;
	uint64		lo;
	int16		scale;			/* <= CLV_MAX_SCALE */
	int16		dscale;			/* <= NUMERIC_MAX_DISPLAY_SCALE */
	int32		day;			/* DateADT */
} RfmOrder;

/* The amount of an order */
static inline void
RfmOrderAmount(const RfmOrder *o, ClvMoney *m)
{
	m->value = clv_int128_join(o->hi, o->lo);
	m->scale = o->scale;
	m->dscale = o->dscale;
}

/*
 * Per-customer state: the orders on or before the observation_end day,
 * unsorted.  obs_day and unit are fixed by the first row; later rows (and
 * combined states) must agree.
 */
typedef struct RfmState
{
	int32		obs_day;		/* DateADT of observation_end */
	int32		unit;			/* days per time unit: 1 or 7 */
	int32		norders;
	int32		capacity;
	RfmOrder   *orders;
} RfmState;

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

/* A new state in the aggregate context */
static RfmState *
RfmNew(MemoryContext cxt, int32 obs_day, int32 unit)
{
	RfmState   *st = MemoryContextAllocZero(cxt, sizeof(RfmState));

	st->obs_day = obs_day;
	st->unit = unit;
	st->capacity = 4;
	st->orders = MemoryContextAlloc(cxt, sizeof(RfmOrder) * st->capacity);
	return st;
}

/* Append one order, growing the array geometrically (in its own context) */
static void
RfmAppend(RfmState *st, int32 day, const ClvMoney *amount)
{
	if (st->norders == st->capacity)
	{
		Size		newcap = (Size) st->capacity * 2;

		if (newcap > MaxAllocSize / sizeof(RfmOrder))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many orders for one customer in clv_rfm")));
		clv_check_state_memory(newcap * sizeof(RfmOrder), "clv_rfm");
		st->orders = repalloc(st->orders, newcap * sizeof(RfmOrder));
		st->capacity = newcap;
	}
	st->orders[st->norders].day = day;
	st->orders[st->norders].hi = clv_int128_hi(amount->value);
	st->orders[st->norders].lo = clv_int128_lo(amount->value);
	st->orders[st->norders].scale = (int16) amount->scale;
	st->orders[st->norders].dscale = (int16) amount->dscale;
	st->norders++;
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
		RfmAppend(st, day, &amount);
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
		ClvMoney	m;

		RfmOrderAmount(&b->orders[i], &m);
		RfmAppend(a, b->orders[i].day, &m);
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
		ClvMoney	m;

		RfmOrderAmount(&st->orders[i], &m);
		pq_sendint32(&buf, st->orders[i].day);
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
		RfmAppend(st, day, &m);
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(st);
}

/* qsort comparator on day */
static int
RfmOrderCmp(const void *a, const void *b)
{
	int32		da = ((const RfmOrder *) a)->day;
	int32		db = ((const RfmOrder *) b)->day;

	return (da > db) - (da < db);
}

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
	RfmOrder   *o;
	int32		i,
				n,
				first = 0,
				second = 0,
				last = 0;
	bool		found = false;
	int64		frequency = 0;
	int32		dscale = 0;
	ClvMoney	repeat = {0};
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	double		recency,
				t;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (RfmState *) PG_GETARG_POINTER(0);
	n = st->norders;

	/*
	 * Sort the orders by day in place: the state only ever appends to its
	 * list, so a state finalized more than once sorts the same rows again
	 * and gives the same result.  Most customers have few orders: insertion
	 * sort for those, without a comparator call per comparison.
	 */
	o = st->orders;
	if (n > 32)
		qsort(o, n, sizeof(RfmOrder), RfmOrderCmp);
	else
	{
		for (i = 1; i < n; i++)
		{
			RfmOrder	x = o[i];
			int32		j = i;

			while (j > 0 && o[j - 1].day > x.day)
			{
				o[j] = o[j - 1];
				j--;
			}
			o[j] = x;
		}
	}

	/* the purchase days: the days with an order (amount >= 0) */
	for (i = 0; i < n; i++)
	{
		if (o[i].dscale > dscale)
			dscale = o[i].dscale;
		if (o[i].hi < 0)
			continue;			/* a refund: not a purchase */
		if (!found)
		{
			first = last = o[i].day;
			found = true;
		}
		else if (o[i].day != last)
		{
			if (frequency == 0)
				second = o[i].day;
			frequency++;
			last = o[i].day;
		}
	}
	/* refunds only, or nothing, up to observation_end: not a customer yet */
	if (!found)
		PG_RETURN_NULL();

	/* repeat spend: every amount from the first repeat purchase day on */
	if (frequency > 0)
		for (i = 0; i < n; i++)
			if (o[i].day >= second)
			{
				ClvMoney	m;

				RfmOrderAmount(&o[i], &m);
				clv_money_add(&repeat, &m);
			}

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Int32GetDatum((int32) frequency);
	clv_rfm_times(first, last, st->obs_day, st->unit, &recency, &t);
	values[1] = Float8GetDatum(recency);
	values[2] = Float8GetDatum(t);
	values[3] = clv_rfm_monetary_value(&repeat, frequency, dscale);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
