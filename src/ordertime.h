/*-------------------------------------------------------------------------
 *
 * ordertime.h
 *	  Order times: what clv accepts as the time of an order.
 *
 * An order time is a timestamptz, timestamp or date.  timestamp and date
 * are converted to timestamptz with the session TimeZone, exactly as
 * PostgreSQL's implicit casts do, so comparisons with a timestamptz cutoff
 * agree with plain SQL.  Infinite times are rejected (22008).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLV_ORDERTIME_H
#define CLV_ORDERTIME_H

#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "utils/timestamp.h"

/* clv_time_from_datum for every type but a finite timestamptz */
extern TimestampTz clv_time_from_datum_any(Datum value, Oid typid);

/*
 * Convert a timestamptz/timestamp/date datum of (base) type "typid" to
 * TimestampTz.  Errors (22008) on infinite or out-of-range values, and
 * (42804) on other types.
 */
static inline TimestampTz
clv_time_from_datum(Datum value, Oid typid)
{
	if (likely(typid == TIMESTAMPTZOID) && !TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(value)))
		return DatumGetTimestampTz(value);
	return clv_time_from_datum_any(value, typid);
}

/* Same, for a timestamptz argument that is a parameter (e.g. a cutoff) */
extern TimestampTz clv_finite_timestamptz(TimestampTz t, const char *what);

/* Check that a type is an order time type, or error (42804) */
extern void clv_check_time_type(Oid typid);

#endif							/* CLV_ORDERTIME_H */
