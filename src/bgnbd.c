/*-------------------------------------------------------------------------
 *
 * bgnbd.c
 *	  The BG/NBD model of Fader, Hardie & Lee (2005), "Counting Your
 *	  Customers the Easy Way: An Alternative to the Pareto/NBD Model",
 *	  Marketing Science 24(2), and its modification MBG/NBD of Batislam,
 *	  Denizel & Filiztekin (2007), "Empirical validation and comparison of
 *	  models for customer base analysis", International Journal of Research
 *	  in Marketing 24(3) (with the erratum of Wagner & Hoppe 2008, IJRM
 *	  25(3)): maximum-likelihood fits over a btyd_data state, P(alive), the
 *	  expected number of purchases and the probability distribution of the
 *	  number of purchases.
 *
 * Notation of the paper: a customer bought x repeat times, the last at t_x,
 * and has been observed for T.  Parameters r, alpha (gamma heterogeneity of
 * the purchase rate lambda) and a, b (beta heterogeneity of the dropout
 * probability p).  While alive a customer buys at rate lambda; BG/NBD
 * customers drop out with probability p right after each repeat purchase,
 * MBG/NBD customers also right after their first purchase (time 0), so a
 * customer without repeat purchase may be gone.  Given alive at T, the
 * posterior of lambda is gamma(r + x, alpha + T) and that of p beta(a, b +
 * x + m), m = 0 for BG/NBD and 1 for MBG/NBD; both continue as BG/NBD
 * customers (the dropout chance of the first purchase is behind them).
 * That is why every MBG/NBD expression below is the BG/NBD one with b + 1
 * in place of b, apart from P(alive), which has its x > 0 term for every x.
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

/* a log-parameter beyond this is a boundary solution, not a maximum */
#define BGNBD_LOG_BOUND 20.0

/* The customers sharing one frequency x: entries start .. end - 1 */
typedef struct BgnbdGroup
{
	double		x;
	double		weight;			/* sum of weights */
	uint32		start;
	uint32		end;
} BgnbdGroup;

/*
 * The data of one fit.  The entries (sorted by x, t_x, T) are held as
 * parallel arrays of weights and of indexes into "times", the distinct
 * values of t_x and T, so that log(alpha + t) and 1/(alpha + t) are
 * computed once per distinct time and evaluation (into lt and it).
 */
typedef struct BgnbdFit
{
	const double *w;
	const uint32 *itx;
	const uint32 *iT;
	const BgnbdGroup *groups;
	uint32		ngroups;
	const double *times;
	uint32		ntimes;
	double	   *lt;				/* scratch: log(alpha + times[k]) */
	double	   *it;				/* scratch: 1 / (alpha + times[k]) */
	double		total;			/* number of customers */
	double		penalizer;
	double		m;				/* 0: BG/NBD, 1: MBG/NBD */
	double		loglik;			/* unpenalised log-likelihood of the last call */
	bool		anyrepeat;		/* some customer has x > 0 */
} BgnbdFit;

/*
 * Objective: minus the mean log-likelihood plus penalizer * sum(params^2)
 * (the convention of lifetimes' BetaGeoFitter and ModifiedBetaGeoFitter),
 * over theta = log(r, alpha, a, b), with its analytic gradient.
 *
 * Per customer (FHL 2005 eq. 6; Batislam et al. 2007 eq. 4 with the
 * erratum), in log form, m = 0 (BG/NBD) or 1 (MBG/NBD):
 *	 LL = A1 + A2 + log(exp(A3) + [x > 0 or m = 1] exp(A4))
 *	 A1 = lgamma(r + x) - lgamma(r) + r log(alpha)
 *	 A2 = lgamma(a + b) + lgamma(b + x + m) - lgamma(b) - lgamma(a + b + x + m)
 *	 A3 = -(r + x) log(alpha + T)
 *	 A4 = log(a) - log(b + x + m - 1) - (r + x) log(alpha + t_x)
 * The terms depending on x alone are computed once per distinct x and
 * applied to the group's total weight; per customer entry only the
 * log-sum-exp of A3 and A4 remains (one exp and one log1p).  The sums run
 * in the fixed (sorted) order of the entries.
 */
static double
BgnbdObjective(const double *theta, double *grad, void *arg)
{
	BgnbdFit   *fit = (BgnbdFit *) arg;
	double		r = exp(theta[0]),
				alpha = exp(theta[1]),
				a = exp(theta[2]),
				b = exp(theta[3]);
	double		m = fit->m;
	double		ll = 0.0;
	double		g[4] = {0, 0, 0, 0};
	double		logalpha = log(alpha);
	double		lgr = lgamma(r),
				psir = 0,
				lgab = lgamma(a + b),
				lgb = lgamma(b),
				psiab = 0,
				psib = 0;
	const double *lt = fit->lt;
	const double *it = fit->it;
	uint32		k;
	double		pen;

	if (!(r > 0 && alpha > 0 && a > 0 && b > 0) ||
		!isfinite(r) || !isfinite(alpha) || !isfinite(a) || !isfinite(b))
		return INFINITY;
	if (grad)
	{
		psir = clv_digamma(r);
		psiab = clv_digamma(a + b);
		psib = clv_digamma(b);
	}
	for (k = 0; k < fit->ntimes; k++)
	{
		fit->lt[k] = log(alpha + fit->times[k]);
		fit->it[k] = 1.0 / (alpha + fit->times[k]);
	}

	for (k = 0; k < fit->ngroups; k++)
	{
		const BgnbdGroup *gr = &fit->groups[k];
		double		x = gr->x,
					W = gr->weight,
					c = r + x;
		uint32		i;

		CHECK_FOR_INTERRUPTS();
		if (x == 0 && m == 0)
		{
			/* BG/NBD, x = 0: LL = r log(alpha) - r log(alpha + T) */
			double		slt = 0.0,
						sit = 0.0;

			for (i = gr->start; i < gr->end; i++)
			{
				slt += fit->w[i] * lt[fit->iT[i]];
				sit += fit->w[i] * it[fit->iT[i]];
			}
			ll += W * r * logalpha - r * slt;
			if (grad)
			{
				g[0] += W * logalpha - slt;
				g[1] += W * r / alpha - r * sit;
			}
		}
		else
		{
			double		A12 = lgamma(c) - lgr
				+ lgab + lgamma(b + x + m) - lgb - lgamma(a + b + x + m);
			double		logab = log(a) - log(b + x + m - 1.0);
			double		sL = 0.0,
						sg0 = 0.0,
						sg1 = 0.0,
						sw4 = 0.0;

			for (i = gr->start; i < gr->end; i++)
			{
				double		w = fit->w[i];
				double		lT = lt[fit->iT[i]],
							ltx = lt[fit->itx[i]];
				double		A3 = -c * lT,
							A4 = logab - c * ltx;
				double		d = A3 - A4;
				double		e = exp(-fabs(d));
				double		w3,
							w4;

				sL += w * (Max(A3, A4) + log1p(e));
				if (grad)
				{
					double		s = 1.0 / (1.0 + e);

					/* w3 = exp(A3 - L), w4 = exp(A4 - L) */
					if (d >= 0)
					{
						w3 = s;
						w4 = e * s;
					}
					else
					{
						w3 = e * s;
						w4 = s;
					}
					sg0 += w * (w3 * lT + w4 * ltx);
					sg1 += w * (w3 * it[fit->iT[i]] + w4 * it[fit->itx[i]]);
					sw4 += w * w4;
				}
			}
			ll += W * (A12 + r * logalpha) + sL;
			if (grad)
			{
				double		psiabx = clv_digamma(a + b + x + m);

				g[0] += W * (clv_digamma(c) - psir + logalpha) - sg0;
				g[1] += W * r / alpha - c * sg1;
				g[2] += W * (psiab - psiabx) + sw4 / a;
				g[3] += W * (psiab + clv_digamma(b + x + m) - psib - psiabx)
					- sw4 / (b + x + m - 1.0);
			}
		}
	}

	fit->loglik = ll;
	pen = fit->penalizer * (r * r + alpha * alpha + a * a + b * b);
	if (grad)
	{
		double		p[4] = {r, alpha, a, b};

		for (k = 0; k < 4; k++)
			grad[k] = -g[k] * p[k] / fit->total + 2.0 * fit->penalizer * p[k] * p[k];
	}
	return -ll / fit->total + pen;
}

/* qsort comparator for doubles */
static int
DoubleCmp(const void *a, const void *b)
{
	double		da = *(const double *) a;
	double		db = *(const double *) b;

	return (da > db) - (da < db);
}

/* Index of t in the sorted distinct array times[0..n-1] (t is present) */
static uint32
TimeIndex(const double *times, uint32 n, double t)
{
	uint32		lo = 0,
				hi = n;

	while (hi - lo > 1)
	{
		uint32		mid = lo + (hi - lo) / 2;

		if (times[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Set up the fit data from the sorted entries e[0..n-1]: weights, time
 * indexes, the distinct times and the groups of equal x.
 */
static void
BgnbdPrepare(BgnbdFit *fit, const BtydEntry *e, uint32 n)
{
	double	   *w = palloc(sizeof(double) * n);
	uint32	   *itx = palloc(sizeof(uint32) * n);
	uint32	   *iT = palloc(sizeof(uint32) * n);
	BgnbdGroup *groups = palloc(sizeof(BgnbdGroup) * n);
	double	   *times = palloc(sizeof(double) * 2 * (Size) n);
	uint32		ngroups = 0,
				ntimes = 0;
	uint32		i;

	for (i = 0; i < n; i++)
	{
		times[2 * i] = e[i].v[1];
		times[2 * i + 1] = e[i].v[2];
	}
	qsort(times, 2 * (Size) n, sizeof(double), DoubleCmp);
	for (i = 0; i < 2 * n; i++)
		if (ntimes == 0 || times[i] != times[ntimes - 1])
			times[ntimes++] = times[i];

	fit->anyrepeat = false;
	for (i = 0; i < n; i++)
	{
		BgnbdGroup *gr;

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (i == 0 || e[i].v[0] != e[i - 1].v[0])
		{
			gr = &groups[ngroups++];
			gr->x = e[i].v[0];
			gr->weight = 0.0;
			gr->start = i;
		}
		gr = &groups[ngroups - 1];
		w[i] = (double) e[i].weight;
		itx[i] = TimeIndex(times, ntimes, e[i].v[1]);
		iT[i] = TimeIndex(times, ntimes, e[i].v[2]);
		gr->weight += w[i];
		gr->end = i + 1;
		if (e[i].v[0] > 0)
			fit->anyrepeat = true;
	}
	fit->w = w;
	fit->itx = itx;
	fit->iT = iT;
	fit->groups = groups;
	fit->ngroups = ngroups;
	fit->times = times;
	fit->ntimes = ntimes;
	fit->lt = palloc(sizeof(double) * ntimes);
	fit->it = palloc(sizeof(double) * ntimes);
}

/*
 * Fit BG/NBD or MBG/NBD to a btyd_data state: the final function of the
 * fit aggregates and the function form fit(data [, time_unit,
 * observation_end]).
 */
static Datum
BgnbdFitFinal(FunctionCallInfo fcinfo, bool modified)
{
	BtydData   *d;
	BgnbdFit	fit;
	ClvModelFit model;
	BtydEntry  *e;
	double		theta[4];
	double		meanT = 0.0;
	uint32		i;

	d = clv_model_fit_input(fcinfo, modified ? CLV_MBGNBD : CLV_BGNBD, BTYD_KIND_RFM,
							modified ? "mbgnbd_fit" : "bgnbd_fit", &model);
	if (d == NULL)
		PG_RETURN_NULL();

	e = clv_btyd_sorted_entries(d);
	BgnbdPrepare(&fit, e, d->n);
	fit.total = (double) d->total;
	fit.penalizer = d->penalizer;
	fit.m = modified ? 1.0 : 0.0;
	fit.loglik = 0.0;
	for (i = 0; i < d->n; i++)
		meanT += e[i].v[2] * (double) e[i].weight;
	meanT /= fit.total;
	pfree(e);

	/* start at r = a = b = 1 and alpha on the time scale of the data */
	theta[0] = 0.0;
	theta[1] = (meanT > 0) ? log(meanT) : 0.0;
	theta[2] = 0.0;
	theta[3] = 0.0;
	clv_model_estimate(&model, BgnbdObjective, &fit, theta, true, NULL,
					   BGNBD_LOG_BOUND, fit.total);

	/* the log-likelihood at the returned point */
	(void) BgnbdObjective(theta, NULL, &fit);
	model.loglik = fit.loglik;
	/* with no repeat purchase at all the likelihood has no maximum */
	if (!fit.anyrepeat)
		model.converged = model.has_covariance = false;
	return clv_model_result(fcinfo, &model);
}

PG_FUNCTION_INFO_V1(clv_bgnbd_fit_final);
Datum
clv_bgnbd_fit_final(PG_FUNCTION_ARGS)
{
	return BgnbdFitFinal(fcinfo, false);
}

PG_FUNCTION_INFO_V1(clv_mbgnbd_fit_final);
Datum
clv_mbgnbd_fit_final(PG_FUNCTION_ARGS)
{
	return BgnbdFitFinal(fcinfo, true);
}

/* ----------------------------------------------------------------
 * Expected purchases
 * ----------------------------------------------------------------
 */

/*
 * log G and its sign, G = ((alpha+T)/(alpha+T+t))^(r+x) *
 * 2F1(r+x, b+x; a+b+x-1; z), z = t/(alpha+T+t): the hypergeometric part of
 * the conditional expectation (FHL 2005 eq. 10; MBG/NBD: called with b +
 * 1).  Two equivalent forms are available (Euler's transformation
 * 2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A,C-B;C;z)):
 *	 direct: (r+x) log(1-z) + log 2F1(r+x, b+x; a+b+x-1; z), all terms
 *			 positive when a+b+x > 1, but slow near z = 1 for large x;
 *	 Euler:	 (a-1) log(1-z) + log 2F1(a+b-1-r, a-1; a+b+x-1; z), fast.
 * EulerFirst says which to try first (Euler when its terms are all positive
 * or the direct series would be long); the other is the fallback.
 */
static bool
EulerFirst(double r, double alpha, double a, double b, double t, double x,
		   double T)
{
	double		z = t / (alpha + T + t);
	double		w = (alpha + T) / (alpha + T + t);

	/*
	 * Where the terms of each series stop growing, roughly: the direct
	 * series' grow like k^(r+x-a) z^k, the Euler series' first terms by
	 * about (a-1) z per term (which matters when a is huge: a fit whose a
	 * and b ran off to infinity).
	 */
	double		peak = (r + x - a + 1.0) * z / w;
	double		euler_peak = (a - 1.0) * z / w;

	if (a >= 1.0 && a + b - 1.0 - r >= 0.0)
		return euler_peak <= Max(peak, 1e5);	/* both all positive */
	return peak > 1e5;
}

static bool
BgnbdLogG(double r, double alpha, double a, double b, double t,
		  double x, double T, double *logG, int *sign)
{
	double		z = t / (alpha + T + t);
	double		w = (alpha + T) / (alpha + T + t);	/* 1 - z, accurately */
	double		l1z = log(alpha + T) - log(alpha + T + t);
	double		C = a + b + x - 1.0;
	bool		euler_first = EulerFirst(r, alpha, a, b, t, x, T);
	int			attempt;

	if (z >= 1.0)
		z = nextafter(1.0, 0.0);
	for (attempt = 0; attempt < 2; attempt++)
	{
		bool		euler = (attempt == 0) == euler_first;
		double		l;

		if (euler)
		{
			if (clv_log_hyp2f1(a + b - 1.0 - r, a - 1.0, C, z, w, &l, sign))
			{
				*logG = (a - 1.0) * l1z + l;
				return true;
			}
		}
		else
		{
			if (clv_log_hyp2f1(r + x, b + x, C, z, w, &l, sign))
			{
				*logG = (r + x) * l1z + l;
				return true;
			}
		}
	}
	return false;
}

pg_noreturn static void
ExpectationError(double r, double alpha, double a, double b, double t,
				 double x, double T)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("could not evaluate the BG/NBD expectation"),
			 errdetail("The hypergeometric series did not converge for r %g, alpha %g, a %g, b %g, horizon %g, frequency %g, T %g.",
					   r, alpha, a, b, t, x, T)));
}

/* 1 - G at one horizon and one value of a (a != 1) */
static double
OneMinusG(double r, double alpha, double a, double b, double t, double x,
		  double T)
{
	double		logG;
	int			sign;

	if (!BgnbdLogG(r, alpha, a, b, t, x, T, &logG, &sign))
		ExpectationError(r, alpha, a, b, t, x, T);
	return (sign > 0) ? -expm1(logG) : 1.0 + exp(logG);
}

/*
 * Q(t_j) = (a+b+x-1)/(a-1) (1 - G(t_j)) at one value of a (a != 1) for the
 * horizons t[0..n-1] (increasing).  The power series of the form EulerFirst
 * picks for the longest horizon is summed at all horizons at once
 * (clv_hyp2f1_tails); where that is not possible, each horizon is
 * evaluated on its own as bgnbd_expected_purchases does.  The two agree to
 * rounding (the same series, summed in another order): the regression test
 * predict checks 1e-10.
 */
static void
PathAt(double r, double alpha, double a, double b, double x, double T,
	   int n, const double *t, double *q)
{
	double		z[CLV_MAX_PATH];
	double		l1z[CLV_MAX_PATH];
	double		tails[CLV_MAX_PATH];
	double		K = (a + b + x - 1.0) / (a - 1.0);
	double		C = a + b + x - 1.0;
	bool		euler;
	bool		ok = false;
	int			j;

	if (n == 0)
		return;
	euler = EulerFirst(r, alpha, a, b, t[n - 1], x, T);
	for (j = 0; j < n; j++)
	{
		z[j] = t[j] / (alpha + T + t[j]);
		l1z[j] = log(alpha + T) - log(alpha + T + t[j]);
	}
	if (t[n - 1] / (alpha + T + t[n - 1]) < 1.0)
		ok = euler ? clv_hyp2f1_tails(a + b - 1.0 - r, a - 1.0, C, n, z, tails)
			: clv_hyp2f1_tails(r + x, b + x, C, n, z, tails);
	for (j = 0; j < n; j++)
	{
		double		second;

		if (t[j] == 0.0)
			second = 0.0;
		else if (ok && tails[j] > -1.0)
			second = -expm1((euler ? a - 1.0 : r + x) * l1z[j] + log1p(tails[j]));
		else
			second = OneMinusG(r, alpha, a, b, t[j], x, T);
		q[j] = K * second;
	}
}

/*
 * The path Q(t_j; x, T) of BG/NBD (b) or MBG/NBD (b + 1; see the file
 * header).  The expression is 0/0 at a = 1; within 1e-4 of it the value is
 * interpolated linearly between a = 1 -/+ 1e-4 (the function is smooth in
 * a, and the error is O(1e-8) relative).
 */
void
clv_bgnbd_path(const double *p, bool modified, double x, double T, int n,
			   const double *t, double *q)
{
	double		r = p[0],
				alpha = p[1],
				a = p[2],
				b = p[3] + (modified ? 1.0 : 0.0);

	Assert(n <= CLV_MAX_PATH);
	if (fabs(a - 1.0) < 1e-4)
	{
		double		hi[CLV_MAX_PATH];
		double		f = (a - (1.0 - 1e-4)) / 2e-4;
		int			j;

		PathAt(r, alpha, 1.0 - 1e-4, b, x, T, n, t, q);
		PathAt(r, alpha, 1.0 + 1e-4, b, x, T, n, t, hi);
		for (j = 0; j < n; j++)
			q[j] += (hi[j] - q[j]) * f;
	}
	else
		PathAt(r, alpha, a, b, x, T, n, t, q);
}

/*
 * P(alive | x, t_x, T) (FHL 2005 eq. 13; Batislam et al. 2007 eq. 5):
 *	 BG/NBD:  1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
 *	 MBG/NBD: 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))
 */
double
clv_bgnbd_alive(const double *p, bool modified, double x, double tx, double T)
{
	double		dlog;

	if (x == 0 && !modified)
		return 1.0;
	dlog = log(p[2]) - log(p[3] + x + (modified ? 0.0 : -1.0))
		+ (p[0] + x) * (log(p[1] + T) - log(p[1] + tx));
	/* 1 / (1 + e^d), stable for either sign of d */
	if (dlog > 0)
		return exp(-dlog) / (1.0 + exp(-dlog));
	return 1.0 / (1.0 + exp(dlog));
}

/*
 * E[Y(t) | x, t_x, T] = Q(t; x, T) P(alive | x, t_x, T), with
 * Q(t) = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
 *						   2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
 * (FHL 2005 eq. 10; MBG/NBD: b + 1 in Q, Batislam et al. 2007 eq. 6).
 */
double
clv_bgnbd_expected(const double *p, bool modified, double t, double x,
				   double tx, double T)
{
	double		r = p[0],
				alpha = p[1],
				a = p[2],
				b = p[3] + (modified ? 1.0 : 0.0);
	double		Q;
	double		result;

	if (t == 0.0)
		return 0.0;
	if (fabs(a - 1.0) < 1e-4)
	{
		/* as clv_bgnbd_path: Q interpolated between a = 1 -/+ 1e-4 */
		double		lo = (b + x - 1e-4) / -1e-4 *
			OneMinusG(r, alpha, 1.0 - 1e-4, b, t, x, T);
		double		hi = (b + x + 1e-4) / 1e-4 *
			OneMinusG(r, alpha, 1.0 + 1e-4, b, t, x, T);

		Q = lo + (hi - lo) * (a - (1.0 - 1e-4)) / 2e-4;
	}
	else
		Q = (a + b + x - 1.0) / (a - 1.0) * OneMinusG(r, alpha, a, b, t, x, T);
	result = Q * clv_bgnbd_alive(p, modified, x, tx, T);
	if (!isfinite(result))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("BG/NBD expectation is out of range"),
				 errdetail("The horizon was %g, frequency %g, recency %g, T %g.", t, x, tx, T)));
	return Max(result, 0.0);
}

/* ----------------------------------------------------------------
 * Probabilities of the number of purchases
 * ----------------------------------------------------------------
 */

/*
 * P(X(t) = n) of a customer alive at time 0 (no purchase yet counted),
 * with a beta(a, b) dropout probability and m dropout chances before the
 * first purchase of the period (0: BG/NBD, 1: MBG/NBD):
 *	 P(X(t) = n | lambda, p) = (1-p)^(n+m) NBD... given lambda:
 *	   (1-p)^(n+m) P(N(t) = n) + [n+m > 0] p (1-p)^(n+m-1) P(N(t) >= n)
 * (the customer is alive after the n-th purchase and makes no other in
 * the period, or drops out at the n-th dropout chance after making at
 * least n purchases), averaged over lambda ~ gamma(r, alpha) and p:
 *	 P(X(t) = n) = B(a, b+n+m)/B(a, b) NBD(n)
 *				   + [n+m > 0] B(a+1, b+n+m-1)/B(a, b) P(NBD >= n)
 * FHL 2005 eq. 8 (m = 0) and lifetimes' ModifiedBetaGeoFitter.
 * probability_of_n_purchases_up_to_time (m = 1).
 */
static double
BgnbdPmf(double r, double alpha, double a, double b, double m, double t,
		 double n)
{
	double		z = t / (alpha + t);
	double		w = alpha / (alpha + t);
	double		lbab = clv_lbeta(a, b);
	double		result;

	result = exp(clv_lbeta(a, b + n + m) - lbab + clv_nbd_log_pmf(r, z, w, n));
	if (n + m > 0)
		result += exp(clv_lbeta(a + 1.0, b + n + m - 1.0) - lbab) *
			clv_nbd_sf(r, z, w, n);
	return Min(Max(result, 0.0), 1.0);
}

/*
 * P(Y(t) = n | x, t_x, T): a customer who is gone buys nothing; one alive
 * at T is a new BG/NBD customer with lambda ~ gamma(r + x, alpha + T) and
 * p ~ beta(a, b + x + m) (see the file header):
 *	 P(alive) BgnbdPmf(n; r+x, alpha+T, a, b+x+m, m = 0)
 *	 + [n = 0] (1 - P(alive))
 */
static double
BgnbdConditionalPmf(const double *p, bool modified, double t, double n,
					double x, double tx, double T)
{
	double		alive = clv_bgnbd_alive(p, modified, x, tx, T);
	double		m = modified ? 1.0 : 0.0;
	double		result;

	result = alive * BgnbdPmf(p[0] + x, p[1] + T, p[2], p[3] + x + m, 0.0, t, n);
	if (n == 0)
		result += 1.0 - alive;
	return Min(Max(result, 0.0), 1.0);
}

/* ----------------------------------------------------------------
 * SQL functions (BG/NBD and MBG/NBD)
 * ----------------------------------------------------------------
 */

/* The model argument 0 of a scorer */
static void
ModelArg(FunctionCallInfo fcinfo, bool modified, double *p)
{
	clv_model_params_arg(fcinfo, 0, modified ? CLV_MBGNBD : CLV_BGNBD, p);
}

/* expected_purchases(model, horizon, frequency, recency, t) */
static Datum
ExpectedPurchases(FunctionCallInfo fcinfo, bool modified)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");
	double		x,
				tx,
				T;

	ModelArg(fcinfo, modified, p);
	clv_rfm_args(fcinfo, 2, &x, &tx, &T);
	PG_RETURN_FLOAT8(clv_bgnbd_expected(p, modified, t, x, tx, T));
}

/*
 * expected_purchases_new(model, horizon): E[X(t)] of a new customer, the
 * conditional expectation at x = t_x = T = 0 (for MBG/NBD that includes
 * P(alive) = b/(a+b) after the first purchase: lifetimes' b/(a-1) [1 -
 * 2F1(r, b+1; a+b; t/(alpha+t)) (alpha/(alpha+t))^r])
 */
static Datum
ExpectedPurchasesNew(FunctionCallInfo fcinfo, bool modified)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");

	ModelArg(fcinfo, modified, p);
	PG_RETURN_FLOAT8(clv_bgnbd_expected(p, modified, t, 0.0, 0.0, 0.0));
}

/* p_alive(model, frequency, recency, t) */
static Datum
PAlive(FunctionCallInfo fcinfo, bool modified)
{
	double		p[4];
	double		x,
				tx,
				T;

	ModelArg(fcinfo, modified, p);
	clv_rfm_args(fcinfo, 1, &x, &tx, &T);
	PG_RETURN_FLOAT8(clv_bgnbd_alive(p, modified, x, tx, T));
}

/* probability_purchases(model, horizon, purchases, frequency, recency, t) */
static Datum
ProbabilityPurchases(FunctionCallInfo fcinfo, bool modified)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");
	double		n = clv_count_arg(fcinfo, 2, "purchases");
	double		x,
				tx,
				T;

	ModelArg(fcinfo, modified, p);
	clv_rfm_args(fcinfo, 3, &x, &tx, &T);
	PG_RETURN_FLOAT8(BgnbdConditionalPmf(p, modified, t, n, x, tx, T));
}

/* probability_purchases_new(model, horizon, purchases) */
static Datum
ProbabilityPurchasesNew(FunctionCallInfo fcinfo, bool modified)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");
	double		n = clv_count_arg(fcinfo, 2, "purchases");

	ModelArg(fcinfo, modified, p);
	PG_RETURN_FLOAT8(BgnbdPmf(p[0], p[1], p[2], p[3], modified ? 1.0 : 0.0, t, n));
}

/*
 * probability_any_purchase(model, horizon, frequency, recency, t):
 * P(Y(t) >= 1 | x, t_x, T) = P(alive) [1 - ((alpha+T)/(alpha+T+t))^(r+x)],
 * one minus the conditional probability of no purchase (the alive
 * customer's posterior NBD has no purchase in t with probability
 * ((alpha+T)/(alpha+T+t))^(r+x), whatever p).
 */
static Datum
ProbabilityAnyPurchase(FunctionCallInfo fcinfo, bool modified)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");
	double		x,
				tx,
				T;

	ModelArg(fcinfo, modified, p);
	clv_rfm_args(fcinfo, 2, &x, &tx, &T);
	PG_RETURN_FLOAT8(clv_bgnbd_alive(p, modified, x, tx, T) *
					 -expm1((p[0] + x) * (log(p[1] + T) - log(p[1] + T + t))));
}

#define BGNBD_SQL_FUNCTION(name, body) \
PG_FUNCTION_INFO_V1(clv_bgnbd_##name); \
Datum clv_bgnbd_##name(PG_FUNCTION_ARGS) { return body(fcinfo, false); } \
PG_FUNCTION_INFO_V1(clv_mbgnbd_##name); \
Datum clv_mbgnbd_##name(PG_FUNCTION_ARGS) { return body(fcinfo, true); }

BGNBD_SQL_FUNCTION(expected_purchases, ExpectedPurchases)
BGNBD_SQL_FUNCTION(expected_purchases_new, ExpectedPurchasesNew)
BGNBD_SQL_FUNCTION(p_alive, PAlive)
BGNBD_SQL_FUNCTION(probability_purchases, ProbabilityPurchases)
BGNBD_SQL_FUNCTION(probability_purchases_new, ProbabilityPurchasesNew)
BGNBD_SQL_FUNCTION(probability_any_purchase, ProbabilityAnyPurchase)
