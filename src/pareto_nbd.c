/*-------------------------------------------------------------------------
 *
 * pareto_nbd.c
 *	  The Pareto/NBD model of Schmittlein, Morrison & Colombo (1987),
 *	  "Counting Your Customers: Who Are They and What Will They Do Next?",
 *	  Management Science 33(1): maximum-likelihood fit over a btyd_data
 *	  state, P(alive) and the conditional expectation, in the formulation of
 *	  Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and
 *	  Related Expressions" (http://brucehardie.com/notes/009/).
 *
 * Parameters r, alpha (gamma heterogeneity of the purchase rate lambda) and
 * s, beta (gamma heterogeneity of the dropout rate mu).  A customer has x
 * repeat purchases, the last at t_x, and was observed for T.
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

#define PARETO_LOG_BOUND 20.0

static const char *const pareto_param_names[] = {"r", "alpha", "s", "beta"};

/*
 * log 2F1(1, B; C; z) for 0 <= z < 1 (w = 1 - z) and 0 < B <= C.  Every
 * term is positive and the term ratio (B+k)/(C+k) z never exceeds z, so
 * the tail after a term is below term * z/(1-z).  When that needs more
 * than 100000 terms (z very close to 1) the general routine (with its
 * 1 - z transformation) takes over.
 */
static bool
LogHyp2F1OneBC(double B, double C, double z, double w, double *result)
{
	double		term = 1.0,
				sum = 1.0;
	long		k;
	int			sign;

	if (z == 0.0)
	{
		*result = 0.0;
		return true;
	}
	for (k = 0; k < 100000L; k++)
	{
		term *= (B + k) / (C + k) * z;
		sum += term;
		if (term <= 1e-17 * sum * w)
		{
			*result = log(sum);
			return isfinite(*result);
		}
	}
	return clv_log_hyp2f1(1.0, B, C, z, w, result, &sign) && sign > 0;
}

/*
 * log F(y) for the A0 term of the Pareto/NBD likelihood (Fader & Hardie's
 * note): with m = max(alpha, beta), c = r + s + x, and bb = s + 1 if
 * alpha >= beta else r + x,
 *	 F(y) = 2F1(c, bb; c + 1; |alpha - beta|/(m + y)) / (m + y)^c
 * 2F1(c, bb; c+1; z) is evaluated as (1-z)^(1-bb) 2F1(1, c+1-bb; c+1; z)
 * (Euler's transformation), a series of positive terms decreasing at least
 * like z^k, in log space.  Returns false when it cannot be evaluated.
 */
static bool
ParetoLogF(double r, double alpha, double s, double beta, double x, double y,
		   double *logF)
{
	double		m = Max(alpha, beta);
	double		c = r + s + x;
	double		bb = (alpha >= beta) ? s + 1.0 : r + x;
	double		my = m + y;
	double		z = fabs(alpha - beta) / my;
	double		w = (Min(alpha, beta) + y) / my;	/* 1 - z, accurately */
	double		l;

	if (!LogHyp2F1OneBC(c + 1.0 - bb, c + 1.0, z, w, &l))
		return false;
	*logF = (1.0 - bb) * log(w) + l - c * log(my);
	return true;
}

/* log(F(t_x) - F(T)) = log A0, -Infinity when t_x = T */
static double
ParetoLogA0FromF(double logFtx, double logFT)
{
	if (!(logFtx > logFT))
		return -INFINITY;
	return logFtx + log1p(-exp(logFT - logFtx));
}

/* log A0 for one customer; false if the series cannot be evaluated */
static bool
ParetoLogA0(double r, double alpha, double s, double beta,
			double x, double tx, double T, double *logA0)
{
	double		lftx,
				lfT;

	if (!ParetoLogF(r, alpha, s, beta, x, tx, &lftx) ||
		!ParetoLogF(r, alpha, s, beta, x, T, &lfT))
		return false;
	*logA0 = ParetoLogA0FromF(lftx, lfT);
	return true;
}

/* A distinct (x, y) pair whose F(y) the entries share */
typedef struct ParetoPair
{
	double		x;
	double		y;
} ParetoPair;

/*
 * The data of one fit.  F(y) depends on (x, y) only, and many customers
 * share x and t_x or T, so the distinct pairs are evaluated once per
 * objective call: entry i uses pairs txpair[i] and Tpair[i].
 */
typedef struct ParetoFit
{
	const BtydEntry *e;
	uint32		n;
	double		total;
	double		penalizer;
	double		loglik;
	uint32		npairs;
	ParetoPair *pairs;
	uint32	   *txpair;
	uint32	   *Tpair;
	double	   *logF;			/* per pair, scratch */
} ParetoFit;

/* qsort comparator of pair references: by x, then y */
typedef struct PairRef
{
	double		x;
	double		y;
	uint32		entry;
	bool		isT;
} PairRef;

static int
PairRefCmp(const void *a, const void *b)
{
	const PairRef *pa = (const PairRef *) a;
	const PairRef *pb = (const PairRef *) b;

	if (pa->x != pb->x)
		return (pa->x < pb->x) ? -1 : 1;
	if (pa->y != pb->y)
		return (pa->y < pb->y) ? -1 : 1;
	return 0;
}

/* Build the distinct (x, y) pairs of a fit */
static void
ParetoBuildPairs(ParetoFit *fit)
{
	PairRef    *refs = palloc(sizeof(PairRef) * 2 * (Size) fit->n);
	uint32		i;

	for (i = 0; i < fit->n; i++)
	{
		refs[2 * i].x = fit->e[i].v[0];
		refs[2 * i].y = fit->e[i].v[1];
		refs[2 * i].entry = i;
		refs[2 * i].isT = false;
		refs[2 * i + 1].x = fit->e[i].v[0];
		refs[2 * i + 1].y = fit->e[i].v[2];
		refs[2 * i + 1].entry = i;
		refs[2 * i + 1].isT = true;
	}
	qsort(refs, 2 * (Size) fit->n, sizeof(PairRef), PairRefCmp);
	fit->pairs = palloc(sizeof(ParetoPair) * 2 * (Size) fit->n);
	fit->txpair = palloc(sizeof(uint32) * fit->n);
	fit->Tpair = palloc(sizeof(uint32) * fit->n);
	fit->npairs = 0;
	for (i = 0; i < 2 * fit->n; i++)
	{
		if (i == 0 || PairRefCmp(&refs[i], &refs[i - 1]) != 0)
		{
			fit->pairs[fit->npairs].x = refs[i].x;
			fit->pairs[fit->npairs].y = refs[i].y;
			fit->npairs++;
		}
		if (refs[i].isT)
			fit->Tpair[refs[i].entry] = fit->npairs - 1;
		else
			fit->txpair[refs[i].entry] = fit->npairs - 1;
	}
	fit->logF = palloc(sizeof(double) * fit->npairs);
	pfree(refs);
}

/*
 * Objective: minus the mean log-likelihood plus penalizer * sum(params^2),
 * over theta = log(r, alpha, s, beta).  Per customer:
 *	 LL = lgamma(r+x) - lgamma(r) + r log(alpha) + s log(beta)
 *		  + log( (alpha+T)^-(r+x) (beta+T)^-s + s/(r+s+x) A0 )
 */
static double
ParetoObjective(const double *theta, double *grad, void *arg)
{
	ParetoFit  *fit = (ParetoFit *) arg;
	double		r = exp(theta[0]),
				alpha = exp(theta[1]),
				s = exp(theta[2]),
				beta = exp(theta[3]);
	double		ll = 0.0;
	double		lgr = lgamma(r);
	double		base = r * log(alpha) + s * log(beta);
	double		logs = log(s);
	double		curx = -1.0,
				lgx = 0.0;
	uint32		i;

	if (!(r > 0 && alpha > 0 && s > 0 && beta > 0) ||
		!isfinite(r) || !isfinite(alpha) || !isfinite(s) || !isfinite(beta))
		return INFINITY;

	for (i = 0; i < fit->npairs; i++)
	{
		if (!ParetoLogF(r, alpha, s, beta, fit->pairs[i].x, fit->pairs[i].y, &fit->logF[i]))
			return INFINITY;
		if ((i & 0x3FF) == 0x3FF)
			CHECK_FOR_INTERRUPTS();
	}

	for (i = 0; i < fit->n; i++)
	{
		const BtydEntry *e = &fit->e[i];
		double		x = e->v[0],
					T = e->v[2];
		double		logA0,
					B1,
					B2;

		if (x != curx)
		{
			curx = x;
			lgx = lgamma(r + x) - lgr;
		}
		logA0 = ParetoLogA0FromF(fit->logF[fit->txpair[i]], fit->logF[fit->Tpair[i]]);
		B1 = -(r + x) * log(alpha + T) - s * log(beta + T);
		B2 = logs - log(r + s + x) + logA0;
		ll += (double) e->weight * (lgx + base + clv_logaddexp(B1, B2));
	}
	fit->loglik = ll;
	return -ll / fit->total
		+ fit->penalizer * (r * r + alpha * alpha + s * s + beta * beta);
}

/* Fit Pareto/NBD to a btyd_data state (final function of pareto_nbd_fit) */
PG_FUNCTION_INFO_V1(clv_pareto_nbd_fit_final);
Datum
clv_pareto_nbd_fit_final(PG_FUNCTION_ARGS)
{
	BtydData   *d = clv_btyd_data_arg(fcinfo, 0, BTYD_KIND_RFM, "pareto_nbd_fit");
	ParetoFit	fit;
	double		theta[4];
	double		params[4];
	double		meanT = 0.0;
	ClvOptimResult res;
	bool		converged;
	uint32		i;

	/* no customers: no model */
	if (d->n == 0)
		PG_RETURN_NULL();

	fit.e = clv_btyd_sorted_entries(d);
	fit.n = d->n;
	fit.total = (double) d->total;
	fit.penalizer = d->penalizer;
	fit.loglik = 0.0;
	ParetoBuildPairs(&fit);
	for (i = 0; i < fit.n; i++)
		meanT += fit.e[i].v[2] * (double) fit.e[i].weight;
	meanT /= fit.total;

	/* start at r = s = 1 and alpha, beta on the time scale of the data */
	theta[0] = 0.0;
	theta[1] = (meanT > 0) ? log(meanT) : 0.0;
	theta[2] = 0.0;
	theta[3] = theta[1];
	clv_optim_minimize(ParetoObjective, &fit, 4, theta, false, &res);

	fit.loglik = NAN;
	(void) ParetoObjective(theta, NULL, &fit);
	converged = res.converged;
	/* with no repeat purchase at all the likelihood has no maximum */
	if (fit.e[fit.n - 1].v[0] == 0)
		converged = false;
	if (!clv_model_params_from_log(theta, NULL, 4, PARETO_LOG_BOUND, params))
		converged = false;
	return clv_model_result(fcinfo, 4, params, fit.loglik, converged, res.iterations);
}

/* Read a pareto_nbd_model argument */
static void
ParetoModelArg(FunctionCallInfo fcinfo, int argno, double *p)
{
	clv_model_params(PG_GETARG_HEAPTUPLEHEADER(argno), 4, pareto_param_names,
					 "pareto_nbd_model", p);
}

/*
 * P(alive | x, t_x, T):
 *	 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0)
 */
static double
ParetoPAlive(const double *p, double x, double tx, double T)
{
	double		r = p[0],
				alpha = p[1],
				s = p[2],
				beta = p[3];
	double		logA0,
				dlog;

	if (!ParetoLogA0(r, alpha, s, beta, x, tx, T, &logA0))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("could not evaluate the Pareto/NBD hypergeometric function"),
				 errdetail("The series did not converge for r %g, alpha %g, s %g, beta %g, frequency %g, recency %g, T %g.",
						   r, alpha, s, beta, x, tx, T)));
	if (logA0 == -INFINITY)
		return 1.0;
	dlog = log(s) - log(r + s + x) + (r + x) * log(alpha + T) + s * log(beta + T) + logA0;
	if (dlog > 0)
		return exp(-dlog) / (1.0 + exp(-dlog));
	return 1.0 / (1.0 + exp(dlog));
}

/*
 * [1 - ((beta+T)/(beta+T+t))^(s-1)] / (s-1), with its limit
 * log((beta+T+t)/(beta+T)) at s = 1.
 */
static double
ParetoHorizonFactor(double s, double bT, double t)
{
	double		logu = log(bT) - log(bT + t);	/* < 0 */

	if (fabs(s - 1.0) * fabs(logu) < 1e-12)
		return -logu * (1.0 + 0.5 * (s - 1.0) * logu);
	return -expm1((s - 1.0) * logu) / (s - 1.0);
}

/* pareto_nbd_p_alive(model, frequency, recency, t) */
PG_FUNCTION_INFO_V1(clv_pareto_nbd_p_alive);
Datum
clv_pareto_nbd_p_alive(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		x = PG_GETARG_FLOAT8(1),
				tx = PG_GETARG_FLOAT8(2),
				T = PG_GETARG_FLOAT8(3);

	ParetoModelArg(fcinfo, 0, p);
	clv_check_rfm(x, tx, T);
	PG_RETURN_FLOAT8(ParetoPAlive(p, x, tx, T));
}

/*
 * pareto_nbd_expected_purchases(model, horizon, frequency, recency, t)
 *:
 *	 (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]
 *	 * P(alive | x, t_x, T)
 */
PG_FUNCTION_INFO_V1(clv_pareto_nbd_expected_purchases);
Datum
clv_pareto_nbd_expected_purchases(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");
	double		x = PG_GETARG_FLOAT8(2),
				tx = PG_GETARG_FLOAT8(3),
				T = PG_GETARG_FLOAT8(4);
	double		result;

	ParetoModelArg(fcinfo, 0, p);
	clv_check_rfm(x, tx, T);
	if (t == 0.0)
		PG_RETURN_FLOAT8(0.0);
	result = (p[0] + x) * (p[3] + T) / (p[1] + T)
		* ParetoHorizonFactor(p[2], p[3] + T, t)
		* ParetoPAlive(p, x, tx, T);
	if (!isfinite(result))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("Pareto/NBD expectation is out of range")));
	PG_RETURN_FLOAT8(result);
}

/*
 * pareto_nbd_expected_purchases_new(model, horizon):
 *	 r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]
 */
PG_FUNCTION_INFO_V1(clv_pareto_nbd_expected_purchases_new);
Datum
clv_pareto_nbd_expected_purchases_new(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");
	double		result;

	ParetoModelArg(fcinfo, 0, p);
	if (t == 0.0)
		PG_RETURN_FLOAT8(0.0);
	result = p[0] * p[3] / p[1] * ParetoHorizonFactor(p[2], p[3], t);
	if (!isfinite(result))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("Pareto/NBD expectation is out of range")));
	PG_RETURN_FLOAT8(result);
}
