/*-------------------------------------------------------------------------
 *
 * summary_agg.c
 *	  The aggregates whose state is a clv_summary (clv_agg, repeat_rate,
 *	  retention_rate, clv_summary, rollup) and the accessors on summaries.
 *
 * Definitions (README "Definitions"; orders, refunds, customers, revenue
 * and lifespan are defined in summary.c):
 *	- purchase frequency = orders / customers / mean lifespan (per year).
 *	- AOV = revenue / orders; CLV = AOV * frequency * lifespan
 *	  = revenue / customers.
 *	- repeat rate = customers with >= 2 orders / customers.
 *	- retention rate at cutoff c: S = customers with an order < c,
 *	  E = customers with an order >= c, N = those of E with none < c;
 *	  CRR = (E - N) / S.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "summary.h"

#define ACCUM_USE "clv_summary, clv_agg, repeat_rate or retention_rate"

/* ----------------------------------------------------------------
 * Transition and combine functions
 * ----------------------------------------------------------------
 */

/*
 * Common body of the transition functions: arguments (state, customer_id,
 * ordered_at [, amount | cutoff]).  A state stays a small flat value up to
 * CLV_SUMMARY_SMALL customers, then becomes an expanded object updated in
 * place.
 */
static Datum
SummaryAccum(FunctionCallInfo fcinfo, const char *fname, bool has_amount, bool has_cutoff)
{
	MemoryContext aggcontext = clv_agg_context(fcinfo, fname, ACCUM_USE);
	ClvArgTypes *t = clv_arg_types(fcinfo, 1, 2, has_amount ? 3 : -1);
	ClvSummaryRow row;
	ClvSummaryState *s;

	/* a NULL customer, time or amount: ignore the row, as sum() does */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || (has_amount && PG_ARGISNULL(3)))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}

	/* a large state: expanded, updated in place */
	s = NULL;
	if (!PG_ARGISNULL(0) &&
		clv_state_is_mutable(PG_GETARG_DATUM(0), &clv_summary_methods, aggcontext))
	{
		s = (ClvSummaryState *) clv_state_eohp(PG_GETARG_DATUM(0));
		if (unlikely(s->flat != NULL))
			clv_summary_unflatten(s);
	}

	/* convert the row */
	row.ts = clv_time_from_datum(PG_GETARG_DATUM(2), t->timetype);
	row.is_order = true;
	row.has_amount = has_amount;
	if (has_amount && s != NULL && t->amountkind == CLV_AMOUNT_NUMERIC)
	{
		/* numeric amounts go straight into the revenue (money.c) */
		row.is_order = clv_money_add_numeric(&s->head.revenue, PG_GETARG_DATUM(3)) >= 0;
		s->head.flags |= CLV_SUMMARY_HAS_REVENUE;
		row.has_amount = false;
	}
	else if (has_amount)
	{
		clv_money_from_datum(PG_GETARG_DATUM(3), t->amountkind, &row.amount);
		row.is_order = clv_money_sign(&row.amount) >= 0;
	}
	row.has_cutoff = has_cutoff;
	if (has_cutoff)
	{
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("retention cutoff must not be null")));
		row.cutoff = clv_finite_timestamptz(PG_GETARG_TIMESTAMPTZ(3), "retention cutoff");
	}
	clv_key_from_datum(PG_GETARG_DATUM(1), t->keytype, t->keykind, &row.key);

	if (s != NULL)
	{
		if (unlikely(s->tab.kind != t->keykind))
			clv_tab_set_kind(&s->tab, t->keykind, false);
		clv_summary_add_row(s, &row);
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (!PG_ARGISNULL(0) && VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		/* an expanded state the aggregate does not own: work on a copy */
		s = clv_summary_mutable(PG_GETARG_DATUM(0), false, aggcontext);
		clv_tab_set_kind(&s->tab, t->keykind, false);
		clv_summary_add_row(s, &row);
		PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr.eoh));
	}

	/* a small flat state (or none yet) */
	{
		ClvSummaryFlat *f;
		Datum		result;

		if (PG_ARGISNULL(0))
			f = (ClvSummaryFlat *) DatumGetPointer(clv_summary_empty());
		else
			f = clv_summary_flat_check(PG_GETARG_DATUM(0));	/* detoasts if needed */
		result = clv_summary_flat_add_row(f, t->keykind, &row);
		if (result != (Datum) 0)
			PG_RETURN_DATUM(result);

		/* too many customers for a flat state: expand it */
		s = clv_summary_mutable(PointerGetDatum(f), false, aggcontext);
		clv_tab_set_kind(&s->tab, t->keykind, false);
		clv_summary_add_row(s, &row);
		PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr.eoh));
	}
}

/* clv_summary_accum(state, customer_id, ordered_at, amount) */
PG_FUNCTION_INFO_V1(clv_summary_accum);
Datum
clv_summary_accum(PG_FUNCTION_ARGS)
{
	return SummaryAccum(fcinfo, "clv_summary_accum", true, false);
}

/* clv_summary_accum_orders(state, customer_id, ordered_at): rows are orders */
PG_FUNCTION_INFO_V1(clv_summary_accum_orders);
Datum
clv_summary_accum_orders(PG_FUNCTION_ARGS)
{
	return SummaryAccum(fcinfo, "clv_summary_accum_orders", false, false);
}

/* clv_summary_accum_cutoff(state, customer_id, ordered_at, cutoff) */
PG_FUNCTION_INFO_V1(clv_summary_accum_cutoff);
Datum
clv_summary_accum_cutoff(PG_FUNCTION_ARGS)
{
	return SummaryAccum(fcinfo, "clv_summary_accum_cutoff", false, true);
}

/*
 * clv_summary_combine(state, clv_summary): combine function of every
 * clv_summary-state aggregate and transition function of rollup.
 *
 * The first input becomes the state as it is (nodeAgg copies it).  A flat
 * state merged with an input of comparable size (the partial states of
 * parallel workers) is merged in one sequential pass over the two sorted
 * entry arrays; many small inputs (daily summaries rolled up into a month)
 * go into an expanded state instead.
 */
static Datum
SummaryCombine(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext = clv_agg_context(fcinfo, fname, "rollup(clv_summary)");

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	PG_RETURN_DATUM(clv_summary_combine_datums(PG_GETARG_DATUM(0), PG_ARGISNULL(0),
											   PG_GETARG_DATUM(1), aggcontext));
}

PG_FUNCTION_INFO_V1(clv_summary_combine);
Datum
clv_summary_combine(PG_FUNCTION_ARGS)
{
	return SummaryCombine(fcinfo, "clv_summary_combine");
}

/* The C name of clv_summary_combine in clv 0.2.0, for its catalog entries */
PG_FUNCTION_INFO_V1(clv_summary_merge);
Datum
clv_summary_merge(PG_FUNCTION_ARGS)
{
	return SummaryCombine(fcinfo, "clv_summary_combine");
}

/*
 * clv_summary_final(state): the summary, flattened into the output memory
 * context.  With no usable rows, an empty summary (customers = 0).
 */
PG_FUNCTION_INFO_V1(clv_summary_final);
Datum
clv_summary_final(PG_FUNCTION_ARGS)
{
	ClvSummaryState *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(clv_summary_empty());
	s = clv_summary_expanded(PG_GETARG_DATUM(0));
	if (s == NULL)
		PG_RETURN_DATUM(PointerGetDatum(PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0))));
	PG_RETURN_DATUM(clv_summary_flatten(s));
}

/* ----------------------------------------------------------------
 * Results (final functions of the one-step aggregates and accessors)
 * ----------------------------------------------------------------
 */

/* The view and the derived figures of the summary in argument 0 */
static void
ArgStats(FunctionCallInfo fcinfo, ClvSummaryView *v, ClvSummaryStats *st)
{
	clv_summary_view(PG_GETARG_DATUM(0), v);
	clv_summary_stats(v, st);
}

/* Historical CLV = revenue / customers (NULL without customers) */
static Datum
ResultClv(ClvSummaryView *v, bool *isnull)
{
	ClvSummaryStats st;

	clv_summary_stats(v, &st);
	if (st.customers == 0 || !(v->head.flags & CLV_SUMMARY_HAS_REVENUE))
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;
	return clv_money_div_count(&v->head.revenue, st.customers);
}

/* Repeat rate = customers with 2+ orders / customers */
static bool
ResultRepeatRate(ClvSummaryView *v, double *result)
{
	ClvSummaryStats st;

	clv_summary_stats(v, &st);
	if (st.customers == 0)
		return false;
	*result = (double) st.repeat_customers / (double) st.customers;
	return true;
}

/* CRR = (E - N) / S at cutoff */
static bool
ResultRetention(ClvSummaryView *v, TimestampTz cutoff, double *result)
{
	int64		S = 0;
	int64		retained = 0;	/* E - N: ordered before and at/after cutoff */
	uint32		pos = 0;
	const ClvCustEntry *e;

	while ((e = clv_summary_next(v, &pos)) != NULL)
	{
		if (e->norders <= 0 || e->first >= cutoff)
			continue;
		S++;
		if (e->last >= cutoff)
			retained++;
	}
	if (S == 0)
		return false;
	*result = (double) retained / (double) S;
	return true;
}

/* Final function of clv_agg(customer_id, ordered_at, amount) */
PG_FUNCTION_INFO_V1(clv_agg_final);
Datum
clv_agg_final(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	bool		isnull;
	Datum		result;

	/* SQL defines aggregates over no rows to be NULL, as sum() */
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	clv_summary_view(PG_GETARG_DATUM(0), &v);
	result = ResultClv(&v, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/* Final function of repeat_rate(customer_id, ordered_at) */
PG_FUNCTION_INFO_V1(clv_repeat_rate_final);
Datum
clv_repeat_rate_final(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	double		r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	clv_summary_view(PG_GETARG_DATUM(0), &v);
	if (!ResultRepeatRate(&v, &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/* Final function of retention_rate(customer_id, ordered_at, cutoff) */
PG_FUNCTION_INFO_V1(clv_retention_rate_final);
Datum
clv_retention_rate_final(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	double		r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	clv_summary_view(PG_GETARG_DATUM(0), &v);
	if (!(v.head.flags & CLV_SUMMARY_HAS_CUTOFF) || !ResultRetention(&v, v.head.cutoff, &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/* customers(clv_summary) */
PG_FUNCTION_INFO_V1(clv_summary_customers);
Datum
clv_summary_customers(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	PG_RETURN_INT64(st.customers);
}

/* orders(clv_summary) */
PG_FUNCTION_INFO_V1(clv_summary_orders);
Datum
clv_summary_orders(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	PG_RETURN_INT64(st.orders);
}

/* repeat_customers(clv_summary) */
PG_FUNCTION_INFO_V1(clv_summary_repeat_customers);
Datum
clv_summary_repeat_customers(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	PG_RETURN_INT64(st.repeat_customers);
}

/* revenue(clv_summary): exact net revenue, NULL when no amount was added */
PG_FUNCTION_INFO_V1(clv_summary_revenue);
Datum
clv_summary_revenue(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;

	clv_summary_view(PG_GETARG_DATUM(0), &v);
	if (!(v.head.flags & CLV_SUMMARY_HAS_REVENUE))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(clv_money_to_numeric(&v.head.revenue));
}

/* aov(clv_summary) = revenue / orders */
PG_FUNCTION_INFO_V1(clv_summary_aov);
Datum
clv_summary_aov(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	if (st.orders == 0 || !(v.head.flags & CLV_SUMMARY_HAS_REVENUE))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(clv_money_div_count(&v.head.revenue, st.orders));
}

/* lifespan(clv_summary): mean customer lifespan in years */
PG_FUNCTION_INFO_V1(clv_summary_lifespan);
Datum
clv_summary_lifespan(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	if (st.customers == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(st.lifespan_years);
}

/* purchase_frequency(clv_summary): orders per customer per year of lifespan */
PG_FUNCTION_INFO_V1(clv_summary_purchase_frequency);
Datum
clv_summary_purchase_frequency(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	/* undefined when no customer has a lifespan (all one-time buyers) */
	if (st.customers == 0 || st.lifespan_years <= 0.0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) st.orders / (double) st.customers / st.lifespan_years);
}

/* clv(clv_summary) = revenue / customers */
PG_FUNCTION_INFO_V1(clv_summary_clv);
Datum
clv_summary_clv(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	bool		isnull;
	Datum		result;

	clv_summary_view(PG_GETARG_DATUM(0), &v);
	result = ResultClv(&v, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/* clv(clv_summary, gross_margin) = revenue / customers * gross_margin */
PG_FUNCTION_INFO_V1(clv_summary_clv_margin);
Datum
clv_summary_clv_margin(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	bool		isnull;
	Datum		result;
	Numeric		margin = PG_GETARG_NUMERIC(1);

	if (numeric_is_nan(margin) || numeric_is_inf(margin))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gross margin must be a finite number")));
	clv_summary_view(PG_GETARG_DATUM(0), &v);
	result = ResultClv(&v, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_mul, result, NumericGetDatum(margin)));
}

/* repeat_rate(clv_summary) */
PG_FUNCTION_INFO_V1(clv_summary_repeat_rate);
Datum
clv_summary_repeat_rate(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	double		r;

	clv_summary_view(PG_GETARG_DATUM(0), &v);
	if (!ResultRepeatRate(&v, &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/* retention_rate(clv_summary, cutoff) */
PG_FUNCTION_INFO_V1(clv_summary_retention_rate);
Datum
clv_summary_retention_rate(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	double		r;
	TimestampTz cutoff = clv_finite_timestamptz(PG_GETARG_TIMESTAMPTZ(1), "retention cutoff");

	clv_summary_view(PG_GETARG_DATUM(0), &v);
	if (!ResultRetention(&v, cutoff, &r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/* first_order(clv_summary) / last_order(clv_summary) */
PG_FUNCTION_INFO_V1(clv_summary_first_order);
Datum
clv_summary_first_order(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	if (st.customers == 0)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(st.first_order);
}

PG_FUNCTION_INFO_V1(clv_summary_last_order);
Datum
clv_summary_last_order(PG_FUNCTION_ARGS)
{
	ClvSummaryView v;
	ClvSummaryStats st;

	ArgStats(fcinfo, &v, &st);
	if (st.customers == 0)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(st.last_order);
}
