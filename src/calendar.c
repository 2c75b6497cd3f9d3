/*-------------------------------------------------------------------------
 *
 * calendar.c
 *	  Calendar periods and time zones of the cohort analysis (definitions
 *	  in calendar.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"

#include "clv.h"
#include "calendar.h"

/* Seconds from the Unix epoch to PostgreSQL's (2000-01-01) */
#define UNIX_TO_PG_SECS \
	((pg_time_t) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)

static const char *const period_names[] = {
	NULL, "day", "week", "month", "quarter", "year"
};

/* ----------------------------------------------------------------
 * Periods
 * ----------------------------------------------------------------
 */

/* floor(a / b) for b > 0 */
static inline int64
FloorDiv(int64 a, int64 b)
{
	int64		q = a / b;

	if ((a % b) != 0 && a < 0)
		q--;
	return q;
}

ClvPeriod
clv_period_parse(const char *name)
{
	int			i;

	for (i = CLV_PERIOD_FIRST; i <= CLV_PERIOD_LAST; i++)
		if (pg_strcasecmp(name, period_names[i]) == 0)
			return (ClvPeriod) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid cohort period \"%s\"", name),
			 errhint("Valid periods are day, week, month, quarter and year.")));
	return CLV_PERIOD_MONTH;	/* keep compiler quiet */
}

bool
clv_period_is(ClvPeriod period, const char *name, int len)
{
	const char *p = period_names[period];

	return len == (int) strlen(p) && pg_strncasecmp(name, p, len) == 0;
}

const char *
clv_period_name(ClvPeriod period)
{
	Assert(period >= CLV_PERIOD_FIRST && period <= CLV_PERIOD_LAST);
	return period_names[period];
}

int32
clv_period_of_date(ClvPeriod period, int32 date)
{
	int			y,
				m,
				d;

	switch (period)
	{
		case CLV_PERIOD_DAY:
			return date;
		case CLV_PERIOD_WEEK:
			/* 2000-01-03 (date 2) is a Monday */
			return (int32) FloorDiv((int64) date - 2, 7);
		default:
			break;
	}
	j2date(date + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	switch (period)
	{
		case CLV_PERIOD_MONTH:
			return y * 12 + (m - 1);
		case CLV_PERIOD_QUARTER:
			return y * 4 + (m - 1) / 3;
		case CLV_PERIOD_YEAR:
			return y;
		default:
			elog(ERROR, "unexpected cohort period %d", (int) period);
	}
	return 0;					/* keep compiler quiet */
}

DateADT
clv_period_start(ClvPeriod period, int32 idx)
{
	int32		y;

	switch (period)
	{
		case CLV_PERIOD_DAY:
			return idx;
		case CLV_PERIOD_WEEK:
			return idx * 7 + 2;
		case CLV_PERIOD_MONTH:
			y = (int32) FloorDiv(idx, 12);
			return date2j(y, idx - y * 12 + 1, 1) - POSTGRES_EPOCH_JDATE;
		case CLV_PERIOD_QUARTER:
			y = (int32) FloorDiv(idx, 4);
			return date2j(y, (idx - y * 4) * 3 + 1, 1) - POSTGRES_EPOCH_JDATE;
		case CLV_PERIOD_YEAR:
			return date2j(idx, 1, 1) - POSTGRES_EPOCH_JDATE;
	}
	elog(ERROR, "unexpected cohort period %d", (int) period);
	return 0;					/* keep compiler quiet */
}

void
clv_period_bounds(ClvPeriod period, int32 *lo, int32 *hi)
{
	*lo = clv_period_of_date(period, DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE) - 1;
	*hi = clv_period_of_date(period, TIMESTAMP_END_JULIAN - POSTGRES_EPOCH_JDATE) + 1;
}

/* ----------------------------------------------------------------
 * Time zones
 * ----------------------------------------------------------------
 */

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

/* Resolve a zone name into "cal" (zonetext allocated in cxt if needed) */
static void
ResolveZone(ClvCalendar *cal, const char *tzname, MemoryContext cxt)
{
	int			val = 0;
	pg_tz	   *tzp = NULL;
	Size		len = strlen(tzname);

	if (len >= TZ_STRLEN_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", tzname)));
	switch (clv_decode_timezone(tzname, &val, &tzp))
	{
		case CLV_TZNAME_FIXED_OFFSET:
			/* seconds east of UTC, as timestamptz_zone adds them */
			cal->zonekind = CLV_ZONE_FIXED;
			cal->gmtoff = val;
			break;
		case CLV_TZNAME_DYNTZ:
			cal->zonekind = CLV_ZONE_DYNAMIC;
			if (cxt != NULL)
			{
				cal->zonetext = (text *) MemoryContextAlloc(cxt, VARHDRSZ + len);
				SET_VARSIZE(cal->zonetext, VARHDRSZ + len);
				memcpy(VARDATA(cal->zonetext), tzname, len);
			}
			break;
		default:
			cal->zonekind = CLV_ZONE_TZ;
			cal->tz = tzp;
			/* pg_tz_acceptable is false for zones with leap seconds */
			cal->usespans = pg_tz_acceptable(tzp);
			break;
	}
}

void
clv_calendar_init(ClvCalendar *cal, ClvPeriod period, const char *tzname,
				  MemoryContext cxt)
{
	memset(cal, 0, sizeof(ClvCalendar));
	cal->period = period;
	cal->lastdate = PG_INT32_MIN;	/* no date seen */
	ResolveZone(cal, tzname, cxt);
}

void
clv_zone_check(const char *tzname)
{
	ClvCalendar cal;

	ResolveZone(&cal, tzname, NULL);
}

/* The local date of Unix time u at UTC offset gmtoff */
static inline int32
DateAtOffset(pg_time_t u, int64 gmtoff)
{
	return (int32) (FloorDiv(u + gmtoff, SECS_PER_DAY) -
					(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE));
}

/* The local date of t in a database zone, as timestamp2tm finds it */
static int32
LocalDateSlow(pg_tz *tz, TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;

	if (timestamp2tm(t, &tzoff, &tm, &fsec, NULL, tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
}

/*
 * Remember that Unix times [u, end) have UTC offset gmtoff.  Spans are
 * disjoint: a span starting inside [u, end) ends at "end" too (the next
 * transition after any time of the span), so it is widened instead.  When
 * the array is full it starts over.
 */
static void
AddSpan(ClvCalendar *cal, pg_time_t u, pg_time_t end, int64 gmtoff)
{
	int			i;
	int			pos;

	for (i = 0; i < cal->nspans; i++)
	{
		ClvZoneSpan *sp = &cal->spans[i];

		if (sp->start >= u && sp->start < end)
		{
			if (sp->end != end || sp->gmtoff != gmtoff)
				return;			/* inconsistent: cache nothing */
			sp->start = u;
			return;
		}
	}
	if (cal->nspans == CLV_CALENDAR_SPANS)
		cal->nspans = 0;
	for (pos = 0; pos < cal->nspans && cal->spans[pos].start < u; pos++)
		;
	memmove(&cal->spans[pos + 1], &cal->spans[pos],
			(cal->nspans - pos) * sizeof(ClvZoneSpan));
	cal->spans[pos].start = u;
	cal->spans[pos].end = end;
	cal->spans[pos].gmtoff = gmtoff;
	cal->nspans++;
}

/*
 * The local date of t in a database zone without leap seconds: the UTC
 * offset of the span that holds t, else PostgreSQL's own computation, whose
 * offset and next transition then start a new span.  pg_localtime and
 * pg_next_dst_boundary read the same transition table, so the offset is
 * constant from t to the next transition; the two are compared anyway, and
 * nothing is cached where they disagree.
 */
static int32
LocalDateTz(ClvCalendar *cal, TimestampTz t)
{
	pg_time_t	u = (pg_time_t) FloorDiv(t, USECS_PER_SEC) + UNIX_TO_PG_SECS;
	int			lo = 0;
	int			hi = cal->nspans;
	struct pg_tm *tx;
	long int	before_gmtoff;
	long int	after_gmtoff;
	int			before_isdst;
	int			after_isdst;
	pg_time_t	boundary;
	int			res;

	/* the last span starting at or before u */
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (cal->spans[mid].start <= u)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && u < cal->spans[lo - 1].end)
		return DateAtOffset(u, cal->spans[lo - 1].gmtoff);

	tx = pg_localtime(&u, cal->tz);
	res = pg_next_dst_boundary(&u, &before_gmtoff, &before_isdst, &boundary,
							   &after_gmtoff, &after_isdst, cal->tz);
	if (tx == NULL || res < 0 || before_gmtoff != tx->tm_gmtoff ||
		(res == 1 && boundary <= u))
		return LocalDateSlow(cal->tz, t);
	AddSpan(cal, u, res == 1 ? boundary : PG_INT64_MAX, tx->tm_gmtoff);
	return DateAtOffset(u, tx->tm_gmtoff);
}

int32
clv_calendar_local_date(ClvCalendar *cal, TimestampTz t)
{
	Timestamp	local;

	switch (cal->zonekind)
	{
		case CLV_ZONE_FIXED:
			local = t + cal->gmtoff * USECS_PER_SEC;
			break;
		case CLV_ZONE_TZ:
			if (cal->usespans)
				return LocalDateTz(cal, t);
			return LocalDateSlow(cal->tz, t);
		case CLV_ZONE_DYNAMIC:
			local = DatumGetTimestamp(DirectFunctionCall2(timestamptz_zone,
														  PointerGetDatum(cal->zonetext),
														  TimestampTzGetDatum(t)));
			break;
		default:
			elog(ERROR, "cohort time zone not resolved");
			local = 0;			/* keep compiler quiet */
	}
	/* floor division: local times before 2000 are negative */
	return (int32) FloorDiv(local, USECS_PER_DAY);
}
