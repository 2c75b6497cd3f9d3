/*-------------------------------------------------------------------------
 *
 * gamma_gamma.c
 *	  The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee
 *	  2005, "RFM and CLV: Using Iso-Value Curves for Customer Base
 *	  Analysis", Journal of Marketing Research 42(4); Fader & Hardie, "The
 *	  Gamma-Gamma Model of Monetary Value", http://brucehardie.com/notes/025/).
 *
 * A customer's transaction values z are gamma(p, nu) with nu ~ gamma(q,
 * gamma) across customers (gamma is called v here, as in lifetimes).  The
 * model is fitted on customers with x >= 1 repeat transactions of mean
 * value m_x > 0.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "funcapi.h"
#include "utils/builtins.h"

#include "clv.h"
#include "models.h"

#define GG_LOG_BOUND 20.0

static const char *const gg_param_names[] = {"p", "q", "v"};

typedef struct GammaGammaFit
{
	const BtydEntry *e;
	uint32		n;
	double		total;
	double		penalizer;
	double		loglik;
} GammaGammaFit;

/*
 * Objective: minus the mean log-likelihood plus penalizer * sum(params^2)
 * over theta = log(p, q, v), with its analytic gradient.  The density of
 * the mean m of x transactions:
 *	 LL = lgamma(px+q) - lgamma(px) - lgamma(q) + q log v
 *		  + (px-1) log m + px log x - (px+q) log(xm + v)
 */
static double
GammaGammaObjective(const double *theta, double *grad, void *arg)
{
	GammaGammaFit *fit = (GammaGammaFit *) arg;
	double		p = exp(theta[0]),
				q = exp(theta[1]),
				v = exp(theta[2]);
	double		ll = 0.0;
	double		g[3] = {0, 0, 0};
	double		lgq = lgamma(q),
				logv = log(v),
				psiq = 0.0;
	uint32		i;

	if (!(p > 0 && q > 0 && v > 0) || !isfinite(p) || !isfinite(q) || !isfinite(v))
		return INFINITY;
	if (grad)
		psiq = clv_digamma(q);

	for (i = 0; i < fit->n; i++)
	{
		const BtydEntry *e = &fit->e[i];
		double		x = e->v[0],
					m = e->v[1],
					w = (double) e->weight;
		double		px = p * x;
		double		logxmv = log(x * m + v);

		ll += w * (lgamma(px + q) - lgamma(px) - lgq + q * logv
				   + (px - 1.0) * log(m) + px * log(x) - (px + q) * logxmv);
		if (grad)
		{
			double		psipxq = clv_digamma(px + q);

			g[0] += w * x * (psipxq - clv_digamma(px) + log(m) + log(x) - logxmv);
			g[1] += w * (psipxq - psiq + logv - logxmv);
			g[2] += w * (q / v - (px + q) / (x * m + v));
		}
	}
	fit->loglik = ll;
	if (grad)
	{
		double		pp[3] = {p, q, v};
		int			k;

		for (k = 0; k < 3; k++)
			grad[k] = -g[k] * pp[k] / fit->total + 2.0 * fit->penalizer * pp[k] * pp[k];
	}
	return -ll / fit->total + fit->penalizer * (p * p + q * q + v * v);
}

/* Fit Gamma-Gamma to a btyd_data state (final function of gamma_gamma_fit) */
PG_FUNCTION_INFO_V1(clv_gamma_gamma_fit_final);
Datum
clv_gamma_gamma_fit_final(PG_FUNCTION_ARGS)
{
	BtydData   *d = clv_btyd_data_arg(fcinfo, 0, BTYD_KIND_SPEND, "gamma_gamma_fit");
	GammaGammaFit fit;
	double		theta[3];
	double		params[3];
	double		meanm = 0.0;
	ClvOptimResult res;
	bool		converged;
	uint32		i;
	int			k;

	/* no repeat buyers: no model */
	if (d->n == 0)
		PG_RETURN_NULL();

	fit.e = clv_btyd_sorted_entries(d);
	fit.n = d->n;
	fit.total = (double) d->total;
	fit.penalizer = d->penalizer;
	fit.loglik = 0.0;
	for (i = 0; i < fit.n; i++)
		meanm += fit.e[i].v[1] * (double) fit.e[i].weight;
	meanm /= fit.total;

	/* start at p = q = 1 and v on the money scale of the data */
	theta[0] = 0.0;
	theta[1] = 0.0;
	theta[2] = log(meanm);
	clv_optim_minimize(GammaGammaObjective, &fit, 3, theta, true, &res);

	(void) GammaGammaObjective(theta, NULL, &fit);
	converged = res.converged;
	for (k = 0; k < 3; k++)
	{
		params[k] = exp(theta[k]);
		if (fabs(theta[k] - (k == 2 ? log(meanm) : 0.0)) > GG_LOG_BOUND ||
			!isfinite(params[k]) || params[k] <= 0)
			converged = false;	/* the supremum lies on the boundary */
		if (!isfinite(params[k]))
			params[k] = DBL_MAX;
		if (params[k] <= 0)
			params[k] = DBL_MIN;
	}
	return clv_model_result(fcinfo, 3, params, fit.loglik, converged, res.iterations);
}

/* Read a gamma_gamma_model composite */
void
clv_gamma_gamma_model(HeapTupleHeader tup, double *p)
{
	clv_model_params(tup, 3, gg_param_names, "gamma_gamma_model", p);
}

/*
 * E[M | x, m_x] = p (v + x m_x) / (p x + q - 1): a
 * weighted mean of the population mean p v/(q - 1) and the customer's
 * mean m_x.  Needs q > 1 (otherwise the mean spend is infinite).
 */
double
clv_gamma_gamma_spend(const double *p, double x, double m)
{
	if (!(p[1] > 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gamma_gamma_model has no finite expected spend"),
				 errdetail("The model's q is %g; the mean spend is finite only for q > 1.", p[1])));
	if (!isfinite(x) || x < 0 || x != floor(x) || !isfinite(m) || m < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid Gamma-Gamma input: frequency must be a whole number >= 0 and monetary value finite and >= 0"),
				 errdetail("The values were frequency %g, monetary value %g.", x, m)));
	if (x == 0)
		return p[0] * p[2] / (p[1] - 1.0);
	return p[0] * (p[2] + x * m) / (p[0] * x + p[1] - 1.0);
}

/* gamma_gamma_expected_spend(model, frequency, monetary_value) */
PG_FUNCTION_INFO_V1(clv_gamma_gamma_expected_spend);
Datum
clv_gamma_gamma_expected_spend(PG_FUNCTION_ARGS)
{
	double		p[3];

	clv_gamma_gamma_model(PG_GETARG_HEAPTUPLEHEADER(0), p);
	PG_RETURN_FLOAT8(clv_gamma_gamma_spend(p, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2)));
}
