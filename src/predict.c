/*-------------------------------------------------------------------------
 *
 * predict.c
 *	  clv_predict: discounted expected customer lifetime value from a
 *	  BG/NBD model (how many purchases) and a Gamma-Gamma model (how much
 *	  per purchase), in the convention of lifetimes'
 *	  GammaGammaFitter.customer_lifetime_value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"

#include "clv.h"
#include "models.h"

/* Length of a month in summary time units: 30 days or 4.345 weeks */
static double
MonthLength(text *unit)
{
	char	   *s = text_to_cstring(unit);

	if (strcmp(s, "day") == 0)
		return 30.0;
	if (strcmp(s, "week") == 0)
		return 4.345;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unrecognized time unit \"%s\"", s),
			 errhint("Use 'day' or 'week': the unit the summary was made in.")));
	return 0.0;					/* keep compiler quiet */
}

/*
 * clv_predict(bgnbd_model, gamma_gamma_model, frequency, recency, t,
 *			   monetary_value, months, monthly_discount_rate, time_unit,
 *			   margin)
 *
 *	 CLV = margin * E[M | x, m_x]
 *		   * sum_{i=1..months} (E[Y(i L)] - E[Y((i-1) L)]) / (1 + d)^i
 *
 * where E[Y(t)] is BG/NBD's conditional expected number of purchases in
 * the next t time units, E[M] Gamma-Gamma's expected spend, L the length of
 * a month in the summary's unit and d the monthly discount rate.
 */
PG_FUNCTION_INFO_V1(clv_predict);
Datum
clv_predict(PG_FUNCTION_ARGS)
{
	double		bg[4],
				gg[3];
	double		x = PG_GETARG_FLOAT8(2),
				tx = PG_GETARG_FLOAT8(3),
				T = PG_GETARG_FLOAT8(4),
				m = PG_GETARG_FLOAT8(5);
	int32		months = PG_GETARG_INT32(6);
	double		rate = PG_GETARG_FLOAT8(7);
	double		L = MonthLength(PG_GETARG_TEXT_PP(8));
	double		margin = PG_GETARG_FLOAT8(9);
	double		spend,
				prev = 0.0,
				sum = 0.0;
	int32		i;

	clv_bgnbd_model(PG_GETARG_HEAPTUPLEHEADER(0), bg);
	clv_gamma_gamma_model(PG_GETARG_HEAPTUPLEHEADER(1), gg);
	clv_check_rfm(x, tx, T);
	if (months < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("months must not be negative"),
				 errdetail("The value was %d.", months)));
	clv_nonneg_arg(rate, "monthly discount rate");
	clv_nonneg_arg(margin, "margin");
	spend = clv_gamma_gamma_spend(gg, x, m);

	for (i = 1; i <= months; i++)
	{
		double		cur = clv_bgnbd_expected(bg, i * L, x, tx, T);

		CHECK_FOR_INTERRUPTS();
		sum += (cur - prev) / pow(1.0 + rate, i);
		prev = cur;
	}
	sum *= margin * spend;
	if (!isfinite(sum))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("predicted CLV is out of range")));
	PG_RETURN_FLOAT8(sum);
}
