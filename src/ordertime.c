/*-------------------------------------------------------------------------
 *
 * ordertime.c
 *	  Order times (see ordertime.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/date.h"

#include "clv.h"

/* Reject an infinite timestamp */
TimestampTz
clv_finite_timestamptz(TimestampTz t, const char *what)
{
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be finite", what),
				 errdetail("clv measures durations between order times, and an infinite time has none.")));
	return t;
}

/* Check that a type is timestamptz, timestamp or date */
void
clv_check_time_type(Oid typid)
{
	if (typid != TIMESTAMPTZOID && typid != TIMESTAMPOID && typid != DATEOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("order time must be timestamptz, timestamp or date, not %s",
						format_type_be(typid))));
}

/* Convert a timestamptz, timestamp or date datum to a finite TimestampTz */
TimestampTz
clv_time_from_datum_any(Datum value, Oid typid)
{
	TimestampTz result;
	int			overflow = 0;

	switch (typid)
	{
		case TIMESTAMPTZOID:
			result = DatumGetTimestampTz(value);
			break;
		case TIMESTAMPOID:
			if (TIMESTAMP_NOT_FINITE(DatumGetTimestamp(value)))
				result = DatumGetTimestamp(value);
			else
				result = timestamp2timestamptz_opt_overflow(DatumGetTimestamp(value), &overflow);
			break;
		case DATEOID:
			if (DATE_NOT_FINITE(DatumGetDateADT(value)))
				result = DT_NOBEGIN;
			else
				result = date2timestamptz_opt_overflow(DatumGetDateADT(value), &overflow);
			break;
		default:
			clv_check_time_type(typid);
			result = 0;			/* keep compiler quiet */
	}
	if (overflow != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("order time out of range for timestamp with time zone")));
	return clv_finite_timestamptz(result, "order time");
}
