/*-------------------------------------------------------------------------
 *
 * predictions.c
 *	  C support of clv_predictions (sql/install/45_predictions.sql): the
 *	  length of clv_predict's month in a time unit, so that the SQL
 *	  functions state the prediction horizon with the same constant as
 *	  clv_predict (clv_time_unit_month).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "clv.h"
#include "models.h"

/*
 * clv_month_length(time_unit text): 30 for 'day', 4.345 for 'week', 1 for
 * 'month', 1/12 for 'year' (22023 for other names)
 */
PG_FUNCTION_INFO_V1(clv_month_length);
Datum
clv_month_length(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_FLOAT8(clv_time_unit_month(clv_time_unit_parse(name)));
}
