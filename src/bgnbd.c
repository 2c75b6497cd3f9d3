/*-------------------------------------------------------------------------
 *
 * bgnbd.c
 *	  The BG/NBD model of Fader, Hardie & Lee (2005), "Counting Your
 *	  Customers the Easy Way: An Alternative to the Pareto/NBD Model",
 *	  Marketing Science 24(2): maximum-likelihood fit over a btyd_data
 *	  state and the conditional expectations.
 *
 * Notation of the paper: a customer bought x repeat times, the last at t_x,
 * and has been observed for T.  Parameters r, alpha (gamma heterogeneity of
 * the purchase rate) and a, b (beta heterogeneity of the dropout
 * probability).  
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

static const char *const bgnbd_param_names[] = {"r", "alpha", "a", "b"};

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
	double		loglik;			/* unpenalised log-likelihood of the last call */
	bool		anyrepeat;		/* some customer has x > 0 */
} BgnbdFit;

/*
 * Objective: minus the mean log-likelihood plus penalizer * sum(params^2)
 * (the convention of lifetimes' BetaGeoFitter), over theta = log(r, alpha,
 * a, b), with its analytic gradient.
 *
 * Per customer (the paper's likelihood, in log form):
 *	 LL = A1 + A2 + log(exp(A3) + [x > 0] exp(A4))
 *	 A1 = lgamma(r + x) - lgamma(r) + r log(alpha)
 *	 A2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x)
 *	 A3 = -(r + x) log(alpha + T)
 *	 A4 = log(a) - log(b + x - 1) - (r + x) log(alpha + t_x)
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
		if (x == 0)
		{
			/* LL = r log(alpha) - r log(alpha + T) */
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
				+ lgab + lgamma(b + x) - lgb - lgamma(a + b + x);
			double		logab = log(a) - log(b + x - 1.0);
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
				double		psiabx = clv_digamma(a + b + x);

				g[0] += W * (clv_digamma(c) - psir + logalpha) - sg0;
				g[1] += W * r / alpha - c * sg1;
				g[2] += W * (psiab - psiabx) + sw4 / a;
				g[3] += W * (psiab + clv_digamma(b + x) - psib - psiabx)
					- sw4 / (b + x - 1.0);
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

/* Fit BG/NBD to a btyd_data state (final function of bgnbd_fit) */
PG_FUNCTION_INFO_V1(clv_bgnbd_fit_final);
Datum
clv_bgnbd_fit_final(PG_FUNCTION_ARGS)
{
	BtydData   *d = clv_btyd_data_arg(fcinfo, 0, BTYD_KIND_RFM, "bgnbd_fit");
	BgnbdFit	fit;
	BtydEntry  *e;
	double		theta[4];
	double		params[4];
	double		meanT = 0.0;
	ClvOptimResult res;
	bool		converged;
	uint32		i;

	/* no customers: no model (as aggregates of no rows are NULL) */
	if (d->n == 0)
		PG_RETURN_NULL();

	e = clv_btyd_sorted_entries(d);
	BgnbdPrepare(&fit, e, d->n);
	fit.total = (double) d->total;
	fit.penalizer = d->penalizer;
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
	clv_optim_minimize(BgnbdObjective, &fit, 4, theta, true, &res);

	/* the log-likelihood at the returned point */
	(void) BgnbdObjective(theta, NULL, &fit);
	converged = res.converged;
	/* with no repeat purchase at all the likelihood has no maximum */
	if (!fit.anyrepeat)
		converged = false;
	if (!clv_model_params_from_log(theta, NULL, 4, BGNBD_LOG_BOUND, params))
		converged = false;
	return clv_model_result(fcinfo, 4, params, fit.loglik, converged, res.iterations);
}

/*
 * log G and its sign, G = ((alpha+T)/(alpha+T+t))^(r+x) *
 * 2F1(r+x, b+x; a+b+x-1; z), z = t/(alpha+T+t): the hypergeometric part of
 * the conditional expectation.  Two equivalent forms are available (Euler's transformation
 * 2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A,C-B;C;z)):
 *	 direct: (r+x) log(1-z) + log 2F1(r+x, b+x; a+b+x-1; z), all terms
 *			 positive when a+b+x > 1, but slow near z = 1 for large x;
 *	 Euler:	 (a-1) log(1-z) + log 2F1(a+b-1-r, a-1; a+b+x-1; z), fast.
 * Use Euler when its terms are all positive or the direct series would be
 * long, and the other form when the first fails.
 */
static bool
BgnbdLogG(double r, double alpha, double a, double b, double t,
		  double x, double T, double *logG, int *sign)
{
	double		z = t / (alpha + T + t);
	double		w = (alpha + T) / (alpha + T + t);	/* 1 - z, accurately */
	double		l1z = log(alpha + T) - log(alpha + T + t);
	double		C = a + b + x - 1.0;
	double		peak = (r + x - a + 1.0) * z / w;
	bool		euler_first = (a >= 1.0 && a + b - 1.0 - r >= 0.0) || peak > 1e5;
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

/* The conditional expectation at one value of a (a != 1) */
static double
BgnbdExpectedAt(double r, double alpha, double a, double b, double t,
				double x, double tx, double T)
{
	double		logG;
	int			sign;
	double		second;
	double		denom = 1.0;

	if (!BgnbdLogG(r, alpha, a, b, t, x, T, &logG, &sign))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("could not evaluate the BG/NBD expectation"),
				 errdetail("The hypergeometric series did not converge for r %g, alpha %g, a %g, b %g, horizon %g, frequency %g, T %g.",
						   r, alpha, a, b, t, x, T)));
	second = (sign > 0) ? -expm1(logG) : 1.0 + exp(logG);
	if (x > 0)
		denom = 1.0 + exp(log(a) - log(b + x - 1.0)
						  + (r + x) * (log(alpha + T) - log(alpha + tx)));
	return (a + b + x - 1.0) / (a - 1.0) * second / denom;
}

/*
 * E[Y(t) | x, t_x, T].  The expression is 0/0 at a = 1; near it
 * the value is interpolated linearly between a = 1 -/+ 1e-4 (the function
 * is smooth in a, and the error is O(1e-8) relative).
 */
static double
BgnbdExpected(const double *p, double t, double x, double tx, double T)
{
	double		r = p[0],
				alpha = p[1],
				a = p[2],
				b = p[3];
	double		result;

	if (t == 0.0)
		return 0.0;
	if (fabs(a - 1.0) < 1e-4)
	{
		double		lo = BgnbdExpectedAt(r, alpha, 1.0 - 1e-4, b, t, x, tx, T);
		double		hi = BgnbdExpectedAt(r, alpha, 1.0 + 1e-4, b, t, x, tx, T);

		result = lo + (hi - lo) * (a - (1.0 - 1e-4)) / 2e-4;
	}
	else
		result = BgnbdExpectedAt(r, alpha, a, b, t, x, tx, T);
	if (!isfinite(result))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("BG/NBD expectation is out of range"),
				 errdetail("The horizon was %g, frequency %g, recency %g, T %g.", t, x, tx, T)));
	return Max(result, 0.0);
}

/* Read a bgnbd_model argument */
static void
BgnbdModelArg(FunctionCallInfo fcinfo, int argno, double *p)
{
	clv_model_params(PG_GETARG_HEAPTUPLEHEADER(argno), 4, bgnbd_param_names,
					 "bgnbd_model", p);
}

/* Expected purchases in the next t units of an existing customer */
double
clv_bgnbd_expected(const double *p, double t, double x, double tx, double T)
{
	return BgnbdExpected(p, t, x, tx, T);
}

/* Read a bgnbd_model composite (for clv_predict) */
void
clv_bgnbd_model(HeapTupleHeader tup, double *p)
{
	clv_model_params(tup, 4, bgnbd_param_names, "bgnbd_model", p);
}

/* bgnbd_expected_purchases(model, horizon, frequency, recency, t) */
PG_FUNCTION_INFO_V1(clv_bgnbd_expected_purchases);
Datum
clv_bgnbd_expected_purchases(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");
	double		x = PG_GETARG_FLOAT8(2),
				tx = PG_GETARG_FLOAT8(3),
				T = PG_GETARG_FLOAT8(4);

	BgnbdModelArg(fcinfo, 0, p);
	clv_check_rfm(x, tx, T);
	PG_RETURN_FLOAT8(BgnbdExpected(p, t, x, tx, T));
}

/* bgnbd_expected_purchases_new(model, horizon): E[X(t)] of a new customer */
PG_FUNCTION_INFO_V1(clv_bgnbd_expected_purchases_new);
Datum
clv_bgnbd_expected_purchases_new(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");

	BgnbdModelArg(fcinfo, 0, p);
	/* E[X(t)] is the conditional expectation at x = t_x = T = 0 */
	PG_RETURN_FLOAT8(BgnbdExpected(p, t, 0.0, 0.0, 0.0));
}

/*
 * bgnbd_p_alive(model, frequency, recency, t):
 *	 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
 */
PG_FUNCTION_INFO_V1(clv_bgnbd_p_alive);
Datum
clv_bgnbd_p_alive(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		x = PG_GETARG_FLOAT8(1),
				tx = PG_GETARG_FLOAT8(2),
				T = PG_GETARG_FLOAT8(3);
	double		dlog;

	BgnbdModelArg(fcinfo, 0, p);
	clv_check_rfm(x, tx, T);
	if (x == 0)
		PG_RETURN_FLOAT8(1.0);
	dlog = log(p[2]) - log(p[3] + x - 1.0)
		+ (p[0] + x) * (log(p[1] + T) - log(p[1] + tx));
	/* 1 / (1 + e^d), stable for either sign of d */
	if (dlog > 0)
		PG_RETURN_FLOAT8(exp(-dlog) / (1.0 + exp(-dlog)));
	PG_RETURN_FLOAT8(1.0 / (1.0 + exp(dlog)));
}
