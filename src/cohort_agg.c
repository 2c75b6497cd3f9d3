/*-------------------------------------------------------------------------
 *
 * cohort_agg.c
 *	  The aggregates of clv_cohort_state: its transition function (the
 *	  row's arguments, converted; the period and time zone resolved once per
 *	  call site) and the combine function, also the transition of rollup.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/primnodes.h"
#include "utils/builtins.h"

#include "cohort_state.h"

/*
 * What a call site of the transition function keeps (ClvArgTypes.extra):
 * the calendar of the period and zone arguments last seen.  Each time the
 * calendar changes its generation does, so that a state checked against
 * it once is not compared again.
 */
typedef struct CohortCallSite
{
	bool		stableparams;	/* period and zone are the same every row */
	uint64		generation;		/* of cal; 0 = none yet */
	uint64		lastgeneration;
	char		tzname[TZ_STRLEN_MAX + 1];	/* as given, for cal */
	uint32		tzlen;
	ClvCalendar cal;
} CohortCallSite;

/*
 * Is argument "argno" of the transition function the same for every row of
 * the aggregate call (a constant or a query parameter)?  The transition
 * function's own expression has placeholders for the aggregate's
 * arguments, so the aggregate call is asked.
 */
static bool
ArgIsStable(FunctionCallInfo fcinfo, int argno)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	Expr	   *expr;

	if (aggref == NULL || argno < 1 || argno > list_length(aggref->args))
		return false;
	expr = list_nth_node(TargetEntry, aggref->args, argno - 1)->expr;
	return IsA(expr, Const) ||
		(IsA(expr, Param) && ((Param *) expr)->paramkind == PARAM_EXTERN);
}

/*
 * The calendar of this row's period and time zone arguments (22004 if one
 * is NULL): the call site's, resolved again when the arguments change.
 * Constant arguments are compared once.
 */
static ClvCalendar *
RowCalendar(FunctionCallInfo fcinfo, ClvArgTypes *types)
{
	CohortCallSite *cs = (CohortCallSite *) types->extra;
	text	   *ptext;
	text	   *ztext;
	int			zlen;

	if (cs == NULL)
	{
		cs = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CohortCallSite));
		cs->stableparams = ArgIsStable(fcinfo, 4) && ArgIsStable(fcinfo, 5);
		types->extra = cs;
	}
	if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("cohort %s must not be null",
						PG_ARGISNULL(4) ? "period" : "time zone")));
	if (cs->generation > 0 && cs->stableparams)
		return &cs->cal;

	ptext = PG_GETARG_TEXT_PP(4);
	ztext = PG_GETARG_TEXT_PP(5);
	zlen = VARSIZE_ANY_EXHDR(ztext);
	if (cs->generation == 0 ||
		!clv_period_is(cs->cal.period, VARDATA_ANY(ptext), VARSIZE_ANY_EXHDR(ptext)) ||
		zlen != (int) cs->tzlen ||
		pg_strncasecmp(VARDATA_ANY(ztext), cs->tzname, zlen) != 0)
	{
		ClvPeriod	period = clv_period_parse(text_to_cstring(ptext));
		char	   *tzname = text_to_cstring(ztext);

		if (cs->generation > 0)
			clv_calendar_release(&cs->cal);
		cs->generation = 0;
		clv_calendar_init(&cs->cal, period, tzname, fcinfo->flinfo->fn_mcxt);
		/* resolved, so shorter than TZ_STRLEN_MAX */
		strlcpy(cs->tzname, tzname, sizeof(cs->tzname));
		cs->tzlen = strlen(cs->tzname);
		cs->generation = ++cs->lastgeneration;
	}
	return &cs->cal;
}

/*
 * Transition function of clv_cohort_state(customer_id, ordered_at, amount,
 * period, time_zone): add one row.  The period and zone must not change
 * within a group (22023).
 *
 * XXX As a window function the state is flattened by nodeWindowAgg after
 * every row and read again here, so each row costs the size of the state;
 * the aggregate is meant for GROUP BY and parallel plans.
 */
PG_FUNCTION_INFO_V1(clv_cohort_state_accum);
Datum
clv_cohort_state_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = clv_agg_context(fcinfo, "clv_cohort_state_accum",
											   "clv_cohort_state");
	ClvArgTypes *types = clv_arg_types(fcinfo, 1, 2, 3);
	ClvCalendar *cal = RowCalendar(fcinfo, types);
	CohortCallSite *cs = (CohortCallSite *) types->extra;
	CohortParams prm;
	CohortTarget t;
	CohortRow	row;
	TimestampTz ts;

	prm.period = cal->period;
	prm.tzname = cs->tzname;
	prm.tzlen = cs->tzlen;
	prm.site = cs;
	prm.generation = cs->generation;
	clv_cohort_target(PG_GETARG_DATUM(0), PG_ARGISNULL(0), &prm, aggcontext, &t);

	/* rows with a NULL customer, time or amount are ignored */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_DATUM(clv_cohort_target_add(&t, NULL));

	ts = clv_time_from_datum(PG_GETARG_DATUM(2), types->timetype);
	clv_money_from_datum(PG_GETARG_DATUM(3), types->amountkind, &row.amount);
	clv_key_from_datum(PG_GETARG_DATUM(1), types->keytype, types->keykind, &row.key);
	row.kind = types->keykind;
	row.period = clv_calendar_period(cal, ts);
	PG_RETURN_DATUM(clv_cohort_target_add(&t, &row));
}

/*
 * Combine function of clv_cohort_state, and transition function of
 * rollup(clv_cohort_state): merge the second state into the first
 * (clv_cohort_merge).
 */
PG_FUNCTION_INFO_V1(clv_cohort_state_combine);
Datum
clv_cohort_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = clv_agg_context(fcinfo, "clv_cohort_state_combine",
											   "rollup(clv_cohort_state)");

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	PG_RETURN_DATUM(clv_cohort_merge(PG_GETARG_DATUM(0), PG_ARGISNULL(0), PG_GETARG_DATUM(1),
									 aggcontext));
}
