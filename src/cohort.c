/*-------------------------------------------------------------------------
 *
 * cohort.c
 *	  Cohort analysis: the clv_cohort_state type and aggregate, its rollup,
 *	  the set-returning clv_cohort_table() that expands a state into the
 *	  cohort table, and clv_cohorts(), which runs an orders query through
 *	  SPI and returns the same rows.
 *
 * Definitions (see docs/readme/cohort.md):
 *
 *	- Periods are calendar periods (day, ISO week starting Monday, month,
 *	  quarter, year) of the local time of each order in a given time zone.
 *	- A row is an order when its amount is >= 0, and a refund when its
 *	  amount is < 0.  Rows with a NULL customer, time or amount are ignored.
 *	- A customer's cohort is the period of their first order.  Customers
 *	  with refunds only belong to no cohort, and their rows are left out of
 *	  revenue (they still count for the end of observation).
 *	- The offset of a row is its period minus the cohort's period; a refund
 *	  dated before the customer's first order counts at offset 0, so that
 *	  the revenue of a cohort is the sum of all its customers' amounts.
 *	- The last period observed is the period of the latest row (order or
 *	  refund); every cohort gets every offset from 0 to (last - cohort).
 *
 * The state keeps, for every (customer, period) pair, the number of orders
 * and the net revenue, because merging two states can move a customer's
 * cohort earlier.  It is an expanded object while an aggregate updates it,
 * and its flat form is its binary send form (text form: base64 of it).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/expandeddatum.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "clv.h"

#define COHORT_TYPNAME		"clv_cohort_state"
#define COHORT_WHAT			"cohort"	/* for memory-limit messages */
#define COHORT_VERSION		1
#define COHORT_FETCH_BATCH	1000
#define COHORT_NO_PERIOD	PG_INT32_MAX

/* Calendar periods; the numbers are part of the binary format */
typedef enum CohortPeriod
{
	COHORT_DAY = 1,
	COHORT_WEEK = 2,
	COHORT_MONTH = 3,
	COHORT_QUARTER = 4,
	COHORT_YEAR = 5
} CohortPeriod;

static const char *const cohort_period_names[] = {
	NULL, "day", "week", "month", "quarter", "year"
};

/* How a time zone name was resolved (as timestamptz_zone resolves it) */
typedef enum CohortZoneKind
{
	ZONE_UNRESOLVED = 0,
	ZONE_FIXED,					/* fixed-offset abbreviation */
	ZONE_DYNAMIC,				/* dynamic abbreviation: ask timezone() */
	ZONE_TZ						/* full zone name (pg_tz) */
} CohortZoneKind;

/*
 * One (customer, period) pair: the orders (rows with amount >= 0) and the
 * net revenue (sum of all amounts, at the state's scale) of one customer in
 * one period.  32 bytes.
 */
typedef struct CohortPair
{
	int128		revenue;
	int64		orders;
	uint32		cust;			/* id in the key dictionary */
	int32		period;			/* period index, see PeriodOfDate */
} CohortPair;

/*
 * The cohort state, as an expanded object.
 *
 * Period indexes are calendar ordinals, so that an offset is a difference:
 * day = days since 2000-01-01, week = weeks since Monday 2000-01-03,
 * month = 12 * year + month - 1, quarter = 4 * year + quarter - 1,
 * year = year.
 *
 * The pairs live in a dense array; "slots" is an open-addressing hash table
 * over them (hash << 32 | index + 1, 0 = empty, at most 3/4 full).  The
 * revenue of every pair is an int128 scaled by 10^scale; "dscale" is the
 * display scale of the amounts (numeric's dscale).  All memory belongs to
 * hdr.eoh_context.
 */
typedef struct CohortState
{
	ExpandedObjectHeader hdr;

	CohortPeriod period;
	char	   *tzname;			/* as given; compared case-insensitively */

	/* zone resolution: per process, not part of the flat form */
	CohortZoneKind zonekind;
	int			zoneoffset;		/* ZONE_FIXED: seconds east of UTC */
	pg_tz	   *zonetz;			/* ZONE_TZ */
	text	   *zonetext;		/* ZONE_DYNAMIC: argument of timezone() */

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

	/* flat form, cached between get_flat_size and flatten_into */
	char	   *flat;
	Size		flatlen;
} CohortState;

/* Resolved argument types of one call site (fn_extra) */
typedef struct CohortArgTypes
{
	Oid			keytype;
	ClvKeyKind	keykind;
	Oid			timetype;
	Oid			amounttype;
	ClvAmountKind amountkind;
} CohortArgTypes;

static Size CohortGetFlatSize(ExpandedObjectHeader *eohptr);
static void CohortFlattenInto(ExpandedObjectHeader *eohptr,
							  void *result, Size allocated_size);

static const ExpandedObjectMethods cohort_methods = {
	CohortGetFlatSize,
	CohortFlattenInto
};

/* ----------------------------------------------------------------
 * Periods and time zones
 * ----------------------------------------------------------------
 */

/* floor(a / b) for b > 0 */
static inline int32
FloorDiv(int32 a, int32 b)
{
	int32		q = a / b;

	if ((a % b) != 0 && a < 0)
		q--;
	return q;
}

/* Parse a period name, or raise 22023 */
static CohortPeriod
ParsePeriod(const char *name)
{
	int			i;

	for (i = COHORT_DAY; i <= COHORT_YEAR; i++)
		if (pg_strcasecmp(name, cohort_period_names[i]) == 0)
			return (CohortPeriod) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid cohort period \"%s\"", name),
			 errhint("Valid periods are day, week, month, quarter and year.")));
	return COHORT_MONTH;		/* keep compiler quiet */
}

/*
 * Resolve the state's time zone name the way timezone(text, timestamptz)
 * does: a fixed or dynamic abbreviation first, then a full zone name.
 * Unknown names raise PostgreSQL's own error (22023).
 */
static void
ResolveZone(CohortState *s)
{
	int			val;
	pg_tz	   *tzp = NULL;

	if (s->zonekind != ZONE_UNRESOLVED)
		return;
	if (strlen(s->tzname) >= TZ_STRLEN_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", s->tzname)));
	switch (clv_decode_timezone(s->tzname, &val, &tzp))
	{
		case CLV_TZNAME_FIXED_OFFSET:
			s->zoneoffset = val;
			s->zonekind = ZONE_FIXED;
			break;
		case CLV_TZNAME_DYNTZ:
			s->zonetext = (text *) MemoryContextAlloc(s->hdr.eoh_context,
													  VARHDRSZ + strlen(s->tzname));
			SET_VARSIZE(s->zonetext, VARHDRSZ + strlen(s->tzname));
			memcpy(VARDATA(s->zonetext), s->tzname, strlen(s->tzname));
			s->zonekind = ZONE_DYNAMIC;
			break;
		default:
			s->zonetz = tzp;
			s->zonekind = ZONE_TZ;
			break;
	}
}

/*
 * clv_decode_timezone (compat.h): DecodeTimezoneName of PostgreSQL 16 and
 * later; on 15, the same steps as 15's timezone(text, timestamptz).
 */
int
clv_decode_timezone(const char *tzname, int *offset, pg_tz **tz)
{
#if PG_VERSION_NUM >= 160000
	return DecodeTimezoneName(tzname, offset, tz);
#else
	char	   *lowzone;
	int			type;

	/* DecodeTimezoneAbbrev requires lowercase input */
	lowzone = downcase_truncate_identifier(tzname, strlen(tzname), false);
	type = DecodeTimezoneAbbrev(0, lowzone, offset, tz);
	pfree(lowzone);
	if (type == TZ || type == DTZ)
		return CLV_TZNAME_FIXED_OFFSET;
	if (type == DYNTZ)
		return CLV_TZNAME_DYNTZ;
	*tz = pg_tzset(tzname);
	if (*tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", tzname)));
	return CLV_TZNAME_ZONE;
#endif
}

/* The local date (days since 2000-01-01) of a finite time in the zone */
static int32
LocalDate(CohortState *s, TimestampTz t)
{
	Timestamp	local;

	switch (s->zonekind)
	{
		case ZONE_FIXED:
			local = t + (int64) s->zoneoffset * USECS_PER_SEC;
			break;
		case ZONE_DYNAMIC:
			local = DatumGetTimestamp(DirectFunctionCall2(timestamptz_zone,
														  PointerGetDatum(s->zonetext),
														  TimestampTzGetDatum(t)));
			break;
		case ZONE_TZ:
			{
				struct pg_tm tm;
				fsec_t		fsec;
				int			tz;

				if (timestamp2tm(t, &tz, &tm, &fsec, NULL, s->zonetz) != 0)
					ereport(ERROR,
							(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
							 errmsg("timestamp out of range")));
				return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
			}
		default:
			elog(ERROR, "cohort time zone not resolved");
			local = 0;			/* keep compiler quiet */
	}
	/* floor division: local times before 2000 are negative */
	if (local >= 0)
		return (int32) (local / USECS_PER_DAY);
	return (int32) -((-local + USECS_PER_DAY - 1) / USECS_PER_DAY);
}

/* The period index of a local date */
static int32
PeriodOfDate(CohortPeriod period, int32 date)
{
	int			y,
				m,
				d;

	switch (period)
	{
		case COHORT_DAY:
			return date;
		case COHORT_WEEK:
			/* 2000-01-03 (date 2) is a Monday */
			return FloorDiv(date - 2, 7);
		default:
			break;
	}
	j2date(date + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	switch (period)
	{
		case COHORT_MONTH:
			return y * 12 + (m - 1);
		case COHORT_QUARTER:
			return y * 4 + (m - 1) / 3;
		case COHORT_YEAR:
			return y;
		default:
			elog(ERROR, "unexpected cohort period %d", (int) period);
	}
	return 0;					/* keep compiler quiet */
}

/* The first day (days since 2000-01-01) of a period index */
static DateADT
PeriodStart(CohortPeriod period, int32 idx)
{
	int32		y;

	switch (period)
	{
		case COHORT_DAY:
			return idx;
		case COHORT_WEEK:
			return idx * 7 + 2;
		case COHORT_MONTH:
			y = FloorDiv(idx, 12);
			return date2j(y, idx - y * 12 + 1, 1) - POSTGRES_EPOCH_JDATE;
		case COHORT_QUARTER:
			y = FloorDiv(idx, 4);
			return date2j(y, (idx - y * 4) * 3 + 1, 1) - POSTGRES_EPOCH_JDATE;
		case COHORT_YEAR:
			return date2j(idx, 1, 1) - POSTGRES_EPOCH_JDATE;
	}
	elog(ERROR, "unexpected cohort period %d", (int) period);
	return 0;					/* keep compiler quiet */
}

/*
 * Whether a period index can be the period of an order: between the periods
 * of the first and the last local date of a finite timestamp, with one
 * period of slack on either side for time zone offsets.  Checked on binary
 * input, so that "last period - cohort" cannot overflow (a crafted value made
 * clv_cohort_table loop forever) and PeriodStart() stays near the range of
 * date.
 */
static bool
PeriodInRange(CohortPeriod period, int32 idx)
{
	int32		lo = PeriodOfDate(period, DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE) - 1;
	int32		hi = PeriodOfDate(period, TIMESTAMP_END_JULIAN - POSTGRES_EPOCH_JDATE) + 1;

	return idx >= lo && idx <= hi;
}

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
 * Create an empty state in a new memory context under "parent".  The time
 * zone is resolved here, so that a bad name fails at once.
 */
static CohortState *
CohortStateCreate(MemoryContext parent, CohortPeriod period, const char *tzname)
{
	MemoryContext cxt;
	CohortState *s;

	cxt = AllocSetContextCreate(parent, COHORT_TYPNAME, ALLOCSET_DEFAULT_SIZES);
	s = (CohortState *) MemoryContextAllocZero(cxt, sizeof(CohortState));
	EOH_init_header(&s->hdr, &cohort_methods, cxt);
	s->period = period;
	s->tzname = MemoryContextStrdup(cxt, tzname);
	s->zonekind = ZONE_UNRESOLVED;
	ResolveZone(s);
	return s;
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
static void
CohortAddRow(CohortState *s, const ClvKey *key, TimestampTz t, const ClvMoney *amount)
{
	int32		period = PeriodOfDate(s->period, LocalDate(s, t));
	bool		found;
	uint32		cust;
	CohortPair *p;

	InvalidateFlat(s);
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
CheckSameParameters(const CohortState *a, CohortPeriod period, const char *tzname)
{
	if (a->period != period)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine cohort states with periods %s and %s",
						cohort_period_names[a->period], cohort_period_names[period]),
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
 *	int32	period (CohortPeriod)
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
	CohortState *s;
	int32		version,
				period,
				tzlen,
				kind,
				scale,
				dscale,
				hasrows,
				lastperiod,
				ncust,
				npairs,
				i;
	char	   *tzname;
	uint32	   *map;

	clv_recv_need(buf, 4, COHORT_TYPNAME);
	version = pq_getmsgint(buf, 4);
	if (version != COHORT_VERSION)
		BadBinary("Unsupported format version.");
	clv_recv_need(buf, 12, COHORT_TYPNAME);
	if (pq_getmsgint(buf, 4) != 0)
		BadBinary("Unknown flags are set.");
	period = pq_getmsgint(buf, 4);
	if (period < COHORT_DAY || period > COHORT_YEAR)
		BadBinary("The period is invalid.");
	tzlen = pq_getmsgint(buf, 4);
	if (tzlen <= 0 || tzlen >= TZ_STRLEN_MAX || tzlen > buf->len - buf->cursor)
		BadBinary("The time zone name is invalid.");
	tzname = palloc(tzlen + 1);
	memcpy(tzname, pq_getmsgbytes(buf, tzlen), tzlen);
	tzname[tzlen] = '\0';
	if (strlen(tzname) != (size_t) tzlen)
		BadBinary("The time zone name is invalid.");

	if (into == NULL)
		s = CohortStateCreate(parent, (CohortPeriod) period, tzname);
	else
	{
		s = into;
		CheckSameParameters(s, (CohortPeriod) period, tzname);
		InvalidateFlat(s);
	}
	pfree(tzname);

	clv_recv_need(buf, 24, COHORT_TYPNAME);
	kind = pq_getmsgint(buf, 4);
	scale = pq_getmsgint(buf, 4);
	dscale = pq_getmsgint(buf, 4);
	hasrows = pq_getmsgint(buf, 4);
	lastperiod = pq_getmsgint(buf, 4);
	ncust = pq_getmsgint(buf, 4);
	if (hasrows && !PeriodInRange((CohortPeriod) period, lastperiod))
		BadBinary("The last period is out of range.");
	if (kind < CLV_KEY_NONE || kind > CLV_KEY_TEXT ||
		(kind == CLV_KEY_NONE && ncust != 0))
		BadBinary("The customer key kind is invalid.");
	if (scale < 0 || scale > CLV_MAX_SCALE || dscale < scale || dscale > 0x3FFF)
		BadBinary("The revenue scale is invalid.");
	if ((hasrows != 0 && hasrows != 1) || ncust < 0 || (ncust > 0 && !hasrows) ||
		ncust > (buf->len - buf->cursor) / 4)
		BadBinary("The row counts are invalid.");
	if (kind != CLV_KEY_NONE)
		SetKeyKind(s, (ClvKeyKind) kind);
	if (scale > s->scale)
		RaiseScale(s, scale);
	if (dscale > s->dscale)
		s->dscale = dscale;

	/* customers: their ids in s */
	map = palloc_extended(sizeof(uint32) * Max(ncust, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < ncust; i++)
	{
		ClvKey		k;
		bool		found;

		clv_key_recv(buf, (ClvKeyKind) kind, &k);
		map[i] = clv_keydict_lookup(&s->dict, &k, &found);
		if (found && into == NULL)
			BadBinary("A customer appears twice.");
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}

	clv_recv_need(buf, 4, COHORT_TYPNAME);
	npairs = pq_getmsgint(buf, 4);
	if (npairs < 0 || (npairs > 0 && ncust == 0) || npairs > (buf->len - buf->cursor) / 32)
		BadBinary("The number of customer-periods is invalid.");
	for (i = 0; i < npairs; i++)
	{
		int32		cust = pq_getmsgint(buf, 4);
		int32		p = pq_getmsgint(buf, 4);
		int64		orders = pq_getmsgint64(buf);
		int64		hi = pq_getmsgint64(buf);
		int64		lo = pq_getmsgint64(buf);
		ClvMoney	m;
		CohortPair *pair;
		bool		found;

		if (cust < 0 || cust >= ncust || orders < 0 || p > lastperiod ||
			!PeriodInRange((CohortPeriod) period, p))
			BadBinary("A customer-period is invalid.");
		pair = PairLookup(s, map[cust], p, &found);
		if (found && into == NULL)
			BadBinary("A customer-period appears twice.");
		m.value = (int128) (((uint128) (uint64) hi << 64) | (uint128) (uint64) lo);
		m.scale = scale;
		m.dscale = 0;
		AddRevenue(s, pair, &m);
		if (__builtin_add_overflow(pair->orders, orders, &pair->orders))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("order count out of range")));
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (hasrows)
		SeePeriod(s, lastperiod);
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

/* Argument types of a call site, resolved once (fn_extra) */
static CohortArgTypes *
GetArgTypes(FunctionCallInfo fcinfo)
{
	CohortArgTypes *t = (CohortArgTypes *) fcinfo->flinfo->fn_extra;

	if (t == NULL)
	{
		t = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(CohortArgTypes));
		t->keytype = getBaseType(clv_fn_arg_type(fcinfo->flinfo, 1));
		t->keykind = clv_key_kind(t->keytype);
		t->timetype = getBaseType(clv_fn_arg_type(fcinfo->flinfo, 2));
		t->amounttype = getBaseType(clv_fn_arg_type(fcinfo->flinfo, 3));
		t->amountkind = clv_amount_kind(t->amounttype);
		fcinfo->flinfo->fn_extra = t;
	}
	return t;
}

/* A text argument as a C string, or an error if it is NULL */
static char *
TextArgNotNull(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("cohort %s must not be null", what)));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
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
	CohortArgTypes *types;
	CohortState *s;
	ClvKey		key;
	TimestampTz t;
	ClvMoney	amount;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called by an aggregate", "clv_cohort_state_accum"),
				 errhint("Use the aggregate clv_cohort_state.")));

	types = GetArgTypes(fcinfo);
	if (PG_ARGISNULL(0))
	{
		char	   *period = TextArgNotNull(fcinfo, 4, "period");
		char	   *tzname = TextArgNotNull(fcinfo, 5, "time zone");

		s = CohortStateCreate(aggcontext, ParsePeriod(period), tzname);
	}
	else
	{
		bool		isnew;

		s = CohortFromDatum(PG_GETARG_DATUM(0), aggcontext, &isnew);
		if (!isnew && !VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
		{
			/* a read-only state: work on a copy */
			CohortState *copy = CohortStateCreate(aggcontext, s->period, s->tzname);

			CohortMerge(copy, s);
			s = copy;
		}
		/* the parameters must not change within a group */
		if (!PG_ARGISNULL(4) && !PG_ARGISNULL(5))
		{
			text	   *ptext = PG_GETARG_TEXT_PP(4);
			text	   *ztext = PG_GETARG_TEXT_PP(5);
			const char *pname = cohort_period_names[s->period];
			int			plen = VARSIZE_ANY_EXHDR(ptext);
			int			zlen = VARSIZE_ANY_EXHDR(ztext);

			if (plen != (int) strlen(pname) ||
				pg_strncasecmp(VARDATA_ANY(ptext), pname, plen) != 0 ||
				zlen != (int) strlen(s->tzname) ||
				pg_strncasecmp(VARDATA_ANY(ztext), s->tzname, zlen) != 0)
				CheckSameParameters(s, ParsePeriod(text_to_cstring(ptext)),
									text_to_cstring(ztext));
		}
		else
			(void) TextArgNotNull(fcinfo, PG_ARGISNULL(4) ? 4 : 5,
								  PG_ARGISNULL(4) ? "period" : "time zone");
	}

	/* rows with a NULL customer, time or amount are ignored */
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) && !PG_ARGISNULL(3))
	{
		t = clv_time_from_datum(PG_GETARG_DATUM(2), types->timetype);
		clv_money_from_datum(PG_GETARG_DATUM(3), types->amountkind, &amount);
		SetKeyKind(s, types->keykind);
		clv_key_from_datum(PG_GETARG_DATUM(1), types->keytype, types->keykind, &key);
		CohortAddRow(s, &key, t, &amount);
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
		dst = CohortStateCreate(aggcontext, src->period, src->tzname);
		CohortMerge(dst, src);
		PG_RETURN_DATUM(EOHPGetRWDatum(&dst->hdr));
	}

	dst = CohortFromDatum(PG_GETARG_DATUM(0), aggcontext, &dstnew);
	if (!dstnew && !VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		CohortState *copy = CohortStateCreate(aggcontext, dst->period, dst->tzname);

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

/* ----------------------------------------------------------------
 * The cohort table
 * ----------------------------------------------------------------
 */

/* One pair placed in its cohort: what the table sums */
typedef struct CohortCell
{
	int128		revenue;
	int64		orders;
	int32		cohort;
	int32		offset;
} CohortCell;

static int
CompareCells(const void *a, const void *b)
{
	const CohortCell *x = (const CohortCell *) a;
	const CohortCell *y = (const CohortCell *) b;

	if (x->cohort != y->cohort)
		return x->cohort < y->cohort ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

/*
 * Write the cohort table of a state into the materialized SRF result of
 * fcinfo (set up by InitMaterializedSRF): one row per cohort and offset
 * 0 .. (last period - cohort), ordered by cohort and offset.
 */
static void
CohortEmitTable(FunctionCallInfo fcinfo, CohortState *s)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint32		ncust = s->haskeys ? s->dict.nentries : 0;
	int32	   *cohortof;
	CohortCell *cells;
	uint32		ncells = 0;
	uint32		i;
	uint32		c;
	MemoryContext rowcxt;
	MemoryContext oldcxt;

	elog(DEBUG1, "%s: %u customers, %u customer-periods, %zu bytes in memory",
		 COHORT_TYPNAME, ncust, s->npairs,
		 MemoryContextMemAllocated(s->hdr.eoh_context, true));

	if (!s->hasrows || s->npairs == 0)
		return;

	/* each customer's cohort: the first period with an order */
	cohortof = palloc_extended(sizeof(int32) * Max(ncust, 1), MCXT_ALLOC_HUGE);
	for (c = 0; c < ncust; c++)
		cohortof[c] = COHORT_NO_PERIOD;
	for (i = 0; i < s->npairs; i++)
	{
		const CohortPair *p = &s->pairs[i];

		if (p->orders > 0 && p->period < cohortof[p->cust])
			cohortof[p->cust] = p->period;
	}

	/* place every pair of a customer with a cohort at its offset */
	cells = palloc_extended(sizeof(CohortCell) * Max(s->npairs, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < s->npairs; i++)
	{
		const CohortPair *p = &s->pairs[i];
		int32		cohort = cohortof[p->cust];
		CohortCell *cell;

		if (cohort == COHORT_NO_PERIOD)
			continue;			/* refunds only: no cohort */
		cell = &cells[ncells++];
		cell->cohort = cohort;
		/* a refund before the first order counts in the cohort's own period */
		cell->offset = Max(p->period - cohort, 0);
		cell->orders = p->orders;
		cell->revenue = p->revenue;
	}
	pfree(cohortof);
	qsort(cells, ncells, sizeof(CohortCell), CompareCells);

	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "clv_cohort_table row",
								   ALLOCSET_DEFAULT_SIZES);
	i = 0;
	while (i < ncells)
	{
		int32		cohort = cells[i].cohort;
		int64		customers = 0;
		int32		offset;
		int32		last = s->lastperiod - cohort;
		ClvMoney	cumulative = {0, s->scale, s->dscale};
		uint32		j;

		/* the customers of the cohort are its active customers at offset 0 */
		for (j = i; j < ncells && cells[j].cohort == cohort && cells[j].offset == 0; j++)
			if (cells[j].orders > 0)
				customers++;
		Assert(customers > 0);

		for (offset = 0; offset <= last; offset++)
		{
			int64		active = 0;
			int64		orders = 0;
			ClvMoney	revenue = {0, s->scale, s->dscale};
			Datum		values[8];
			bool		nulls[8] = {false};

			CHECK_FOR_INTERRUPTS();
			while (i < ncells && cells[i].cohort == cohort && cells[i].offset == offset)
			{
				ClvMoney	m = {cells[i].revenue, s->scale, 0};

				if (cells[i].orders > 0)
					active++;
				orders += cells[i].orders;
				clv_money_add(&revenue, &m);
				i++;
			}
			clv_money_add(&cumulative, &revenue);

			oldcxt = MemoryContextSwitchTo(rowcxt);
			values[0] = DateADTGetDatum(PeriodStart(s->period, cohort));
			values[1] = Int32GetDatum(offset);
			values[2] = Int64GetDatum(customers);
			values[3] = Int64GetDatum(active);
			values[4] = Float8GetDatum((double) active / (double) customers);
			values[5] = Int64GetDatum(orders);
			values[6] = clv_money_to_numeric(&revenue);
			values[7] = clv_money_div_count(&cumulative, customers);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(rowcxt);
		}
		/* cells past the last period cannot exist: lastperiod is a maximum */
		Assert(i >= ncells || cells[i].cohort != cohort);
	}
	MemoryContextDelete(rowcxt);
	pfree(cells);
}

/* clv_cohort_table(clv_cohort_state): the cohort table of a state */
PG_FUNCTION_INFO_V1(clv_cohort_table);
Datum
clv_cohort_table(PG_FUNCTION_ARGS)
{
	CohortState *s;
	bool		isnew;

	InitMaterializedSRF(fcinfo, 0);
	s = CohortFromDatum(PG_GETARG_DATUM(0), CurrentMemoryContext, &isnew);
	CohortEmitTable(fcinfo, s);
	if (isnew)
		MemoryContextDelete(s->hdr.eoh_context);
	return (Datum) 0;
}

/* ----------------------------------------------------------------
 * clv_cohorts(orders_query text [, period text [, time_zone text]])
 * ----------------------------------------------------------------
 */

/* Raise the error for a bad orders query result */
pg_noreturn static void
BadOrdersQuery(int errcode_, const char *detail)
{
	ereport(ERROR,
			(errcode(errcode_),
			 errmsg("invalid orders query for clv_cohorts"),
			 errdetail("%s", detail),
			 errhint("The provided SQL must return 3 columns: customer_id, ordered_at, and amount.")));
}

/* Check the result columns of the orders query and resolve their types */
static void
CheckOrdersQuery(TupleDesc desc, CohortArgTypes *types)
{
	Oid			t;

	if (desc == NULL)
		BadOrdersQuery(ERRCODE_SYNTAX_ERROR, "The provided SQL does not return rows.");
	if (desc->natts != 3)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("invalid orders query for clv_cohorts"),
				 errdetail("The provided SQL must return 3 columns: customer_id, ordered_at, and amount."),
				 errhint("The query returns %d column%s.", desc->natts, desc->natts == 1 ? "" : "s")));

	t = getBaseType(TupleDescAttr(desc, 0)->atttypid);
	switch (t)
	{
		case INT8OID:
		case INT4OID:
		case INT2OID:
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
		case UUIDOID:
			break;
		default:
			BadOrdersQuery(ERRCODE_DATATYPE_MISMATCH,
						   psprintf("Column 1 (customer_id) must be bigint, integer, smallint, text, varchar, char or uuid, not %s.",
									format_type_be(t)));
	}
	types->keytype = t;
	types->keykind = clv_key_kind(t);

	t = getBaseType(TupleDescAttr(desc, 1)->atttypid);
	if (t != TIMESTAMPTZOID && t != TIMESTAMPOID && t != DATEOID)
		BadOrdersQuery(ERRCODE_DATATYPE_MISMATCH,
					   psprintf("Column 2 (ordered_at) must be timestamptz, timestamp or date, not %s.",
								format_type_be(t)));
	types->timetype = t;

	t = getBaseType(TupleDescAttr(desc, 2)->atttypid);
	switch (t)
	{
		case NUMERICOID:
		case FLOAT8OID:
		case FLOAT4OID:
		case INT8OID:
		case INT4OID:
		case INT2OID:
			break;
		default:
			BadOrdersQuery(ERRCODE_DATATYPE_MISMATCH,
						   psprintf("Column 3 (amount) must be numeric, double precision, real or an integer, not %s.",
									format_type_be(t)));
	}
	types->amounttype = t;
	types->amountkind = clv_amount_kind(t);
}

/*
 * clv_cohorts: run the orders query with the caller's privileges, fetching
 * it through a cursor in batches, and return its cohort table.
 */
PG_FUNCTION_INFO_V1(clv_cohorts);
Datum
clv_cohorts(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	CohortPeriod period = COHORT_MONTH;
	const char *tzname;
	CohortState *s;
	CohortArgTypes types;
	SPIPlanPtr	plan;
	Portal		portal;
	MemoryContext callercxt = CurrentMemoryContext;
	int			ret;

	if (PG_NARGS() >= 2)
		period = ParsePeriod(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (PG_NARGS() >= 3)
		tzname = text_to_cstring(PG_GETARG_TEXT_PP(2));
	else
		tzname = pg_get_timezone_name(session_timezone);

	InitMaterializedSRF(fcinfo, 0);
	s = CohortStateCreate(callercxt, period, tzname);

	if ((ret = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(ret));
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (!SPI_is_cursor_plan(plan))
		BadOrdersQuery(ERRCODE_SYNTAX_ERROR,
					   "The provided SQL must be a single query that returns rows.");
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, false);
	CheckOrdersQuery(portal->tupDesc, &types);

	for (;;)
	{
		uint64		n;
		uint64		r;

		SPI_cursor_fetch(portal, true, COHORT_FETCH_BATCH);
		n = SPI_processed;
		if (n == 0)
			break;
		for (r = 0; r < n; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			Datum		kd,
						td,
						ad;
			bool		kn,
						tn,
						an;
			ClvKey		key;
			TimestampTz t;
			ClvMoney	amount;

			kd = SPI_getbinval(tup, desc, 1, &kn);
			td = SPI_getbinval(tup, desc, 2, &tn);
			ad = SPI_getbinval(tup, desc, 3, &an);
			/* rows with a NULL customer, time or amount are ignored */
			if (kn || tn || an)
				continue;
			t = clv_time_from_datum(td, types.timetype);
			clv_money_from_datum(ad, types.amountkind, &amount);
			SetKeyKind(s, types.keykind);
			clv_key_from_datum(kd, types.keytype, types.keykind, &key);
			CohortAddRow(s, &key, t, &amount);
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	SPI_finish();

	CohortEmitTable(fcinfo, s);
	MemoryContextDelete(s->hdr.eoh_context);
	return (Datum) 0;
}
