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
 * How the local date is found fast: a fixed offset is an addition.  A zone
 * of the time zone database has a constant UTC offset between two
 * transitions; the calendar remembers a few such spans (found with
 * pg_next_dst_boundary, checked against pg_localtime) and computes the
 * local date of a time inside one with an addition too.  Zones with leap
 * seconds (the "right/" zones, whose local time is not UTC plus an offset)
 * and dynamic abbreviations take PostgreSQL's own path for every row.
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

/* A span of Unix times [start, end) with one UTC offset (seconds east) */
typedef struct ClvZoneSpan
{
	pg_time_t	start;
	pg_time_t	end;
	int64		gmtoff;
} ClvZoneSpan;

#define CLV_CALENDAR_SPANS	64

/*
 * A period and a resolved time zone, with the caches that make the period
 * of a time cheap.  Lives as long as the caller wants (a call site's
 * fn_extra, or a local variable); holds no pointers into other memory but
 * the pg_tz (which lives for the process) and zonetext.
 */
typedef struct ClvCalendar
{
	ClvPeriod	period;
	ClvZoneKind zonekind;
	int64		gmtoff;			/* CLV_ZONE_FIXED: seconds east of UTC */
	pg_tz	   *tz;				/* CLV_ZONE_TZ */
	bool		usespans;		/* CLV_ZONE_TZ without leap seconds */
	text	   *zonetext;		/* CLV_ZONE_DYNAMIC: argument of timezone() */
	int			nspans;			/* sorted by start, disjoint */
	ClvZoneSpan spans[CLV_CALENDAR_SPANS];
	/* the last local date seen and its period */
	int32		lastdate;
	int32		lastperiod;
} ClvCalendar;

/*
 * Resolve "tzname" as timezone(text, timestamptz) does, for "period";
 * unknown names raise 22023.  zonetext is allocated in "cxt".
 */
extern void clv_calendar_init(ClvCalendar *cal, ClvPeriod period,
							  const char *tzname, MemoryContext cxt);

/* Check a zone name without keeping anything (22023 if unknown) */
extern void clv_zone_check(const char *tzname);

/* The local date (days since 2000-01-01) of a finite time */
extern int32 clv_calendar_local_date(ClvCalendar *cal, TimestampTz t);

/* The period index of a finite time */
static inline int32
clv_calendar_period(ClvCalendar *cal, TimestampTz t)
{
	int32		date = clv_calendar_local_date(cal, t);

	if (date != cal->lastdate)
	{
		cal->lastperiod = clv_period_of_date(cal->period, date);
		cal->lastdate = date;
	}
	return cal->lastperiod;
}

#endif							/* CLV_CALENDAR_H */
