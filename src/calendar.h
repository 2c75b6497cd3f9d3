/*-------------------------------------------------------------------------
 *
 * calendar.h
 *	  Calendar periods in a time zone: which day, ISO week, month, quarter
 *	  or year an order time falls in, as date_trunc(period, t AT TIME ZONE
 *	  zone) says, computed without time zone library work per row.
 *
 * Definitions (see docs/readme/cohort.md):
 *
 *	- The local date of a time t in a zone is the date of timezone(zone, t):
 *	  the zone name is resolved as timezone(text, timestamptz) resolves it,
 *	  a fixed-offset abbreviation first, then a dynamic abbreviation, then a
 *	  zone of the time zone database.
 *	- A period index is a calendar ordinal of the local date, so that the
 *	  offset between two periods is a difference of indexes:
 *		day		days since 2000-01-01
 *		week	weeks since Monday 2000-01-03 (ISO weeks start on Monday)
 *		month	12 * year + month - 1
 *		quarter 4 * year + (month - 1) / 3
 *		year	year
 *
 * How the period is found fast: the calendar remembers, for every period it
 * has seen, the times (UTC) whose local date falls in it, as spans of
 * times, and finds the span of a time by binary search (or, for an hour it
 * has seen, from a per-hour cache: ClvHourSlot below).  A period's spans
 * are computed once: with a fixed offset, local midnights minus the
 * offset; in a zone of the time zone database, the same for each stretch
 * of constant UTC offset between two transitions (pg_next_dst_boundary,
 * checked against pg_localtime, which reads the same transition table).
 * Zones with leap seconds (the "right/" zones, whose local time is not UTC
 * plus an offset) and dynamic abbreviations take PostgreSQL's own path for
 * every row.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_CALENDAR_H
#define CLV_CALENDAR_H

#include "postgres.h"

#include "pgtime.h"
#include "utils/date.h"
#include "utils/timestamp.h"

/* Calendar periods; the numbers are part of the cohort state's binary form */
typedef enum ClvPeriod
{
	CLV_PERIOD_DAY = 1,
	CLV_PERIOD_WEEK = 2,
	CLV_PERIOD_MONTH = 3,
	CLV_PERIOD_QUARTER = 4,
	CLV_PERIOD_YEAR = 5
} ClvPeriod;

#define CLV_PERIOD_FIRST	CLV_PERIOD_DAY
#define CLV_PERIOD_LAST		CLV_PERIOD_YEAR

/* Parse a period name (any letter case), or raise 22023 */
extern ClvPeriod clv_period_parse(const char *name);

/* Does the text (len bytes, not terminated) name the period? */
extern bool clv_period_is(ClvPeriod period, const char *name, int len);

extern const char *clv_period_name(ClvPeriod period);

/* The period index of a local date (days since 2000-01-01) */
extern int32 clv_period_of_date(ClvPeriod period, int32 date);

/* The first local date (days since 2000-01-01) of a period index */
extern DateADT clv_period_start(ClvPeriod period, int32 idx);

/*
 * The period indexes a finite timestamp can have in some zone (those of the
 * first and the last local date of a timestamp, with one period of slack
 * on either side for zone offsets): what binary input accepts, so that
 * offsets never overflow.
 */
extern void clv_period_bounds(ClvPeriod period, int32 *lo, int32 *hi);

/* How a zone name was resolved */
typedef enum ClvZoneKind
{
	CLV_ZONE_FIXED = 1,			/* fixed-offset abbreviation */
	CLV_ZONE_DYNAMIC,			/* dynamic abbreviation: timezone() per row */
	CLV_ZONE_TZ					/* zone of the time zone database */
} ClvZoneKind;

/* A span of times [start, end) that all fall in one period */
typedef struct ClvPeriodSpan
{
	TimestampTz start;
	TimestampTz end;
	int32		period;
} ClvPeriodSpan;

/*
 * A period and a resolved time zone, with a cache of the period spans seen
 * (sorted by start, disjoint, at most CLV_CALENDAR_MAX_SPANS).  Lives as
 * long as the caller wants (a call site's fn_extra, or a local variable);
 * the spans and zonetext are allocated in "cxt".
 */
/*
 * Which span an hour of UTC time was last found in: the calendar keeps one
 * slot per hour (direct-mapped, CLV_CALENDAR_HOURS slots: three years and
 * nine months of hours without two sharing a slot) once it has more than
 * CLV_CALENDAR_HOURS_FROM spans, so that a time whose hour was seen before
 * costs one check instead of a binary search with unpredictable branches.
 * A slot holds a span index, valid while "gen" equals the calendar's
 * (inserting a span moves indexes and bumps the calendar's gen); the span
 * is checked to contain the time before it is used, so a slot shared by
 * two hours, or an hour that straddles two periods, only costs the search.
 */
typedef struct ClvHourSlot
{
	int32		span;
	uint32		gen;
} ClvHourSlot;

#define CLV_CALENDAR_HOURS		32768
#define CLV_CALENDAR_HOURS_FROM	16

typedef struct ClvCalendar
{
	ClvPeriod	period;
	ClvZoneKind zonekind;
	int64		gmtoff;			/* CLV_ZONE_FIXED: seconds east of UTC */
	pg_tz	   *tz;				/* CLV_ZONE_TZ */
	text	   *zonetext;		/* CLV_ZONE_DYNAMIC: argument of timezone() */
	bool		usespans;		/* fixed offset, or database zone without
								 * leap seconds */
	MemoryContext cxt;
	ClvPeriodSpan *spans;
	int			nspans;
	int			maxspans;
	ClvHourSlot *hours;			/* or NULL (few spans, or no cxt) */
	uint32		gen;
} ClvCalendar;

#define CLV_CALENDAR_MAX_SPANS	16384

/*
 * Resolve "tzname" as timezone(text, timestamptz) does, for "period";
 * unknown names raise 22023.  Memory for the caches comes from "cxt".
 */
extern void clv_calendar_init(ClvCalendar *cal, ClvPeriod period,
							  const char *tzname, MemoryContext cxt);

/*
 * The same for a zone already resolved (e.g. session_timezone): the local
 * date of t is that of timestamp2tm(t, ..., tz), so with tz the session's,
 * the period of t::date
 */
extern void clv_calendar_init_tz(ClvCalendar *cal, ClvPeriod period, pg_tz *tz,
								 MemoryContext cxt);

/* Free the memory of a calendar (it may be initialized again) */
extern void clv_calendar_release(ClvCalendar *cal);

/* Check a zone name without keeping anything (22023 if unknown) */
extern void clv_zone_check(const char *tzname);

/* Slow path of clv_calendar_period: the period of t, cached if possible */
extern int32 clv_calendar_period_miss(ClvCalendar *cal, TimestampTz t);

/* The period index of a finite time */
static inline int32
clv_calendar_period(ClvCalendar *cal, TimestampTz t)
{
	int			lo = 0;
	int			hi = cal->nspans;
	ClvHourSlot *h = NULL;

	if (cal->hours != NULL)
	{
		h = &cal->hours[((uint64) t / USECS_PER_HOUR) & (CLV_CALENDAR_HOURS - 1)];
		if (h->gen == cal->gen)
		{
			const ClvPeriodSpan *s = &cal->spans[h->span];

			if (s->start <= t && t < s->end)
				return s->period;
		}
	}

	/* the last span starting at or before t */
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (cal->spans[mid].start <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && t < cal->spans[lo - 1].end)
	{
		if (h != NULL)
		{
			h->span = lo - 1;
			h->gen = cal->gen;
		}
		return cal->spans[lo - 1].period;
	}
	return clv_calendar_period_miss(cal, t);
}

#endif							/* CLV_CALENDAR_H */
