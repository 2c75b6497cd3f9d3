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
			cal->usespans = true;
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
	cal->cxt = cxt;
	ResolveZone(cal, tzname, cxt);
}

void
clv_calendar_init_tz(ClvCalendar *cal, ClvPeriod period, pg_tz *tz, MemoryContext cxt)
{
	memset(cal, 0, sizeof(ClvCalendar));
	cal->period = period;
	cal->cxt = cxt;
	cal->zonekind = CLV_ZONE_TZ;
	cal->tz = tz;
	/* pg_tz_acceptable is false for zones with leap seconds */
	cal->usespans = pg_tz_acceptable(tz);
}

void
clv_calendar_release(ClvCalendar *cal)
{
	if (cal->spans != NULL)
		pfree(cal->spans);
	if (cal->zonetext != NULL)
		pfree(cal->zonetext);
	if (cal->hours != NULL)
		pfree(cal->hours);
	cal->spans = NULL;
	cal->zonetext = NULL;
	cal->hours = NULL;
	cal->nspans = 0;
	cal->maxspans = 0;
}

void
clv_zone_check(const char *tzname)
{
	ClvCalendar cal;

	memset(&cal, 0, sizeof(ClvCalendar));
	ResolveZone(&cal, tzname, NULL);
}

/* The local date of t, as timezone(zone, t) gives it */
static int32
LocalDate(ClvCalendar *cal, TimestampTz t)
{
	Timestamp	local;

	switch (cal->zonekind)
	{
		case CLV_ZONE_FIXED:
			local = t + cal->gmtoff * USECS_PER_SEC;
			break;
		case CLV_ZONE_TZ:
			{
				struct pg_tm tm;
				fsec_t		fsec;
				int			tzoff;

				if (timestamp2tm(t, &tzoff, &tm, &fsec, NULL, cal->tz) != 0)
					ereport(ERROR,
							(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
							 errmsg("timestamp out of range")));
				return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
			}
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

/*
 * A time in seconds since the Unix epoch as a TimestampTz, saturated at
 * the ends of int64 (a span may reach past the range of timestamps)
 */
static TimestampTz
UnixToTimestamp(pg_time_t u)
{
	if (u >= PG_INT64_MAX / USECS_PER_SEC + UNIX_TO_PG_SECS)
		return PG_INT64_MAX;
	if (u <= PG_INT64_MIN / USECS_PER_SEC + UNIX_TO_PG_SECS)
		return PG_INT64_MIN;
	return (u - UNIX_TO_PG_SECS) * USECS_PER_SEC;
}

/* Insert the span [start, end) of period p (disjoint from every span) */
static void
InsertSpan(ClvCalendar *cal, TimestampTz start, TimestampTz end, int32 p)
{
	int			lo = 0;
	int			hi = cal->nspans;

	if (start >= end)
		return;
	if (cal->nspans == cal->maxspans)
	{
		if (cal->maxspans == CLV_CALENDAR_MAX_SPANS)
			cal->nspans = 0;	/* full: start over */
		else
		{
			int			newmax = Max(cal->maxspans * 2, 64);

			if (cal->spans == NULL)
				cal->spans = MemoryContextAlloc(cal->cxt, newmax * sizeof(ClvPeriodSpan));
			else
				cal->spans = repalloc(cal->spans, newmax * sizeof(ClvPeriodSpan));
			cal->maxspans = newmax;
		}
	}
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (cal->spans[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&cal->spans[lo + 1], &cal->spans[lo],
			(cal->nspans - lo) * sizeof(ClvPeriodSpan));
	cal->spans[lo].start = start;
	cal->spans[lo].end = end;
	cal->spans[lo].period = p;
	cal->nspans++;

	/* span indexes moved: forget the hours (calendar.h) */
	if (cal->hours == NULL && cal->nspans > CLV_CALENDAR_HOURS_FROM && cal->cxt != NULL)
	{
		cal->hours = MemoryContextAllocZero(cal->cxt, CLV_CALENDAR_HOURS * sizeof(ClvHourSlot));
		cal->gen = 0;
	}
	if (++cal->gen == 0)
	{
		if (cal->hours != NULL)
			memset(cal->hours, 0, CLV_CALENDAR_HOURS * sizeof(ClvHourSlot));
		cal->gen = 1;
	}
}

/* At most this many stretches of constant offset in one period's window */
#define MAX_STRETCHES 64
/* Time zone offsets are smaller than this (seconds), with room to spare */
#define OFFSET_SLACK (7 * SECS_PER_DAY)

/*
 * Remember the times of period p: the local dates d0 <= d < d1 are the
 * local times [d0 * day, d1 * day), and at UTC offset g the times
 * [d0 * day - g, d1 * day - g).  In a database zone the offset changes at
 * transitions: each stretch of constant offset between them over the
 * period (and the largest offset on either side) contributes its part.
 * Nothing is remembered if pg_localtime and pg_next_dst_boundary disagree
 * about an offset.
 */
static void
AddPeriodSpans(ClvCalendar *cal, int32 p)
{
	TimestampTz l0 = (TimestampTz) clv_period_start(cal->period, p) * USECS_PER_DAY;
	TimestampTz l1 = (TimestampTz) clv_period_start(cal->period, p + 1) * USECS_PER_DAY;
	TimestampTz starts[MAX_STRETCHES];
	TimestampTz ends[MAX_STRETCHES];
	int			n = 0;
	int			i;
	pg_time_t	x;
	pg_time_t	wend;

	if (cal->zonekind == CLV_ZONE_FIXED)
	{
		InsertSpan(cal, l0 - cal->gmtoff * USECS_PER_SEC, l1 - cal->gmtoff * USECS_PER_SEC, p);
		return;
	}

	Assert(cal->zonekind == CLV_ZONE_TZ);
	x = FloorDiv(l0, USECS_PER_SEC) + UNIX_TO_PG_SECS - OFFSET_SLACK;
	wend = FloorDiv(l1, USECS_PER_SEC) + UNIX_TO_PG_SECS + OFFSET_SLACK;
	for (;;)
	{
		long int	before_gmtoff;
		long int	after_gmtoff;
		int			before_isdst;
		int			after_isdst;
		pg_time_t	boundary = 0;
		pg_time_t	stretchend;
		struct pg_tm *tx;
		int			res;
		TimestampTz s0;
		TimestampTz s1;

		res = pg_next_dst_boundary(&x, &before_gmtoff, &before_isdst, &boundary,
								   &after_gmtoff, &after_isdst, cal->tz);
		tx = pg_localtime(&x, cal->tz);
		if (res < 0 || tx == NULL || tx->tm_gmtoff != before_gmtoff ||
			before_gmtoff >= OFFSET_SLACK || before_gmtoff <= -OFFSET_SLACK ||
			(res == 1 && boundary <= x) || n == MAX_STRETCHES)
			return;
		stretchend = res == 1 ? boundary : PG_INT64_MAX;
		/* the part of the stretch [x, stretchend) in the period */
		s0 = Max(UnixToTimestamp(x), l0 - (TimestampTz) before_gmtoff * USECS_PER_SEC);
		s1 = Min(UnixToTimestamp(stretchend), l1 - (TimestampTz) before_gmtoff * USECS_PER_SEC);
		if (s0 < s1)
		{
			starts[n] = s0;
			ends[n] = s1;
			n++;
		}
		if (res == 0 || stretchend >= wend)
			break;
		x = stretchend;
	}
	for (i = 0; i < n; i++)
	{
		/* join parts that touch */
		if (i + 1 < n && ends[i] == starts[i + 1])
		{
			starts[i + 1] = starts[i];
			continue;
		}
		InsertSpan(cal, starts[i], ends[i], p);
	}
}

int32
clv_calendar_period_miss(ClvCalendar *cal, TimestampTz t)
{
	int32		p = clv_period_of_date(cal->period, LocalDate(cal, t));

	if (cal->usespans)
		AddPeriodSpans(cal, p);
	return p;
}
