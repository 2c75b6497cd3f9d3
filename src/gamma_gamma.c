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
#include "miscadmin.h"
#include "utils/builtins.h"

#include "clv.h"
#include "models.h"

#define GG_LOG_BOUND 20.0

/* The customers sharing one frequency x: entries start .. end - 1 */
typedef struct GammaGammaGroup
{
	double		x;
	double		weight;			/* sum of weights */
	double		wlogm;			/* sum of weight * log(m) */
	double		wlogxm;			/* sum of weight * log(x m) */
	uint32		start;
	uint32		end;
} GammaGammaGroup;

/*
 * The data of one fit: the entries sorted by (x, m) as parallel arrays of
 * 1 / (x m) and weights, grouped by x.
 */
typedef struct GammaGammaFit
{
	const double *ixm;
	const double *w;
	const GammaGammaGroup *groups;
	uint32		ngroups;
	double		total;
	double		penalizer;
	double		loglik;
} GammaGammaFit;

/* z above which the differences below use Stirling's series */
#define GG_STIRLING_Z 1e5

/*
 * lgamma(z + q) - lgamma(z) for z, q > 0, without the cancellation of the
 * two lgamma values when z is large (Stirling's series, truncation error
 * below 1e-17 for z > GG_STIRLING_Z).
 */
static double
LogGammaRatio(double z, double q)
{
	if (z < GG_STIRLING_Z)
		return lgamma(z + q) - lgamma(z);
	return (z - 0.5) * log1p(q / z) + q * log(z + q) - q
		- q / (12.0 * z * (z + q));
}

/* digamma(z + q) - digamma(z) for z, q > 0, likewise */
static double
DigammaDiff(double z, double q)
{
	if (z < GG_STIRLING_Z)
		return clv_digamma(z + q) - clv_digamma(z);
	return log1p(q / z) + q / (2.0 * z * (z + q))
		+ (1.0 / (z * z) - 1.0 / ((z + q) * (z + q))) / 12.0;
}

/*
 * Objective: minus the mean log-likelihood plus penalizer * sum(params^2)
 * over theta = log(p, q, v), with its analytic gradient.  The density of
 * the mean m of x transactions:
 *	 LL = lgamma(px+q) - lgamma(px) - lgamma(q) + q log v
 *		  + (px-1) log m + px log x - (px+q) log(xm + v)
 *		= lgamma(px+q) - lgamma(px) - lgamma(q) + q log v - log m
 *		  - q (log(xm) + l) - px l,		l = log1p(v / (xm))
 * Everything but l depends on x alone or is a constant sum over the
 * group (sum w log m, sum w log(xm)), so per entry only l (and 1/(xm + v)
 * for the gradient) is computed; the sums run in the fixed (sorted) order
 * of the entries.  The second form also avoids the cancellation of the
 * large terms px log m, px log x and px log(xm + v) when p is large.
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
	uint32		k;

	if (!(p > 0 && q > 0 && v > 0) || !isfinite(p) || !isfinite(q) || !isfinite(v))
		return INFINITY;
	if (grad)
		psiq = clv_digamma(q);

	for (k = 0; k < fit->ngroups; k++)
	{
		const GammaGammaGroup *gr = &fit->groups[k];
		double		x = gr->x,
					W = gr->weight,
					px = p * x;
		double		sl = 0.0,
					sr = 0.0;
		uint32		i;

		CHECK_FOR_INTERRUPTS();
		if (grad)
		{
			for (i = gr->start; i < gr->end; i++)
			{
				double		t = v * fit->ixm[i];

				sl += fit->w[i] * log1p(t);
				/* 1 / (xm + v) = (1 / xm) / (1 + v / xm) */
				sr += fit->w[i] * fit->ixm[i] / (1.0 + t);
			}
		}
		else
		{
			for (i = gr->start; i < gr->end; i++)
				sl += fit->w[i] * log1p(v * fit->ixm[i]);
		}

		ll += W * (LogGammaRatio(px, q) - lgq + q * logv)
			- gr->wlogm - q * (gr->wlogxm + sl) - px * sl;
		if (grad)
		{
			double		dpsi = DigammaDiff(px, q);

			g[0] += x * (W * dpsi - sl);
			g[1] += W * (dpsi + clv_digamma(px) - psiq + logv) - gr->wlogxm - sl;
			g[2] += W * q / v - (px + q) * sr;
		}
	}
	fit->loglik = ll;
	if (grad)
	{
		double		pp[3] = {p, q, v};

		for (k = 0; k < 3; k++)
			grad[k] = -g[k] * pp[k] / fit->total + 2.0 * fit->penalizer * pp[k] * pp[k];
	}
	return -ll / fit->total + fit->penalizer * (p * p + q * q + v * v);
}

/*
 * Set up the fit data from the sorted entries e[0..n-1]: the 1 / (x m) and
 * weight arrays and the groups of equal x.
 */
static void
GammaGammaPrepare(GammaGammaFit *fit, const BtydEntry *e, uint32 n)
{
	double	   *ixm = palloc(sizeof(double) * n);
	double	   *w = palloc(sizeof(double) * n);
	GammaGammaGroup *groups = palloc(sizeof(GammaGammaGroup) * n);
	uint32		ngroups = 0;
	uint32		i;

	for (i = 0; i < n; i++)
	{
		GammaGammaGroup *gr;
		double		xm = e[i].v[0] * e[i].v[1];

		if (i == 0 || e[i].v[0] != e[i - 1].v[0])
		{
			gr = &groups[ngroups++];
			gr->x = e[i].v[0];
			gr->weight = 0.0;
			gr->wlogm = 0.0;
			gr->wlogxm = 0.0;
			gr->start = i;
		}
		gr = &groups[ngroups - 1];
		ixm[i] = 1.0 / xm;
		w[i] = (double) e[i].weight;
		gr->weight += w[i];
		gr->wlogm += w[i] * log(e[i].v[1]);
		gr->wlogxm += w[i] * log(xm);
		gr->end = i + 1;
	}
	fit->ixm = ixm;
	fit->w = w;
	fit->groups = groups;
	fit->ngroups = ngroups;
}

/*
 * Fit Gamma-Gamma to a btyd_data state: the final function of
 * gamma_gamma_fit and the function form gamma_gamma_fit(data [, time_unit,
 * observation_end]).
 */
PG_FUNCTION_INFO_V1(clv_gamma_gamma_fit_final);
Datum
clv_gamma_gamma_fit_final(PG_FUNCTION_ARGS)
{
	BtydData   *d;
	GammaGammaFit fit;
	ClvModelFit model;
	BtydEntry  *e;
	double		theta[3];
	double		center[3];
	double		meanm = 0.0;
	uint32		i;

	d = clv_model_fit_input(fcinfo, CLV_GAMMA_GAMMA, BTYD_KIND_SPEND,
							"gamma_gamma_fit", &model);
	if (d == NULL)
		PG_RETURN_NULL();

	e = clv_btyd_sorted_entries(d);
	GammaGammaPrepare(&fit, e, d->n);
	fit.total = (double) d->total;
	fit.penalizer = d->penalizer;
	fit.loglik = 0.0;
	for (i = 0; i < d->n; i++)
		meanm += e[i].v[1] * (double) e[i].weight;
	meanm /= fit.total;

	/* start at p = q = 1 and v on the money scale of the data */
	theta[0] = 0.0;
	theta[1] = 0.0;
	theta[2] = log(meanm);
	/* v is searched around the mean spend */
	center[0] = 0.0;
	center[1] = 0.0;
	center[2] = log(meanm);
	clv_model_estimate(&model, GammaGammaObjective, &fit, theta, true, center,
					   GG_LOG_BOUND, fit.total);

	(void) GammaGammaObjective(theta, NULL, &fit);
	model.loglik = fit.loglik;
	return clv_model_result(fcinfo, &model);
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

	clv_model_params_arg(fcinfo, 0, CLV_GAMMA_GAMMA, p);
	PG_RETURN_FLOAT8(clv_gamma_gamma_spend(p, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2)));
}
