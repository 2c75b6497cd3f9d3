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

/*
 * Fit Pareto/NBD to a btyd_data state: the final function of
 * pareto_nbd_fit and the function form pareto_nbd_fit(data [, time_unit,
 * observation_end]).
 */
PG_FUNCTION_INFO_V1(clv_pareto_nbd_fit_final);
Datum
clv_pareto_nbd_fit_final(PG_FUNCTION_ARGS)
{
	BtydData   *d;
	ParetoFit	fit;
	ClvModelFit model;
	double		theta[4];
	double		meanT = 0.0;
	uint32		i;

	d = clv_model_fit_input(fcinfo, CLV_PARETO_NBD, BTYD_KIND_RFM,
							"pareto_nbd_fit", &model);
	if (d == NULL)
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
	clv_model_estimate(&model, ParetoObjective, &fit, theta, false, NULL,
					   PARETO_LOG_BOUND, fit.total);

	fit.loglik = NAN;
	(void) ParetoObjective(theta, NULL, &fit);
	model.loglik = fit.loglik;
	/* with no repeat purchase at all the likelihood has no maximum */
	if (fit.e[fit.n - 1].v[0] == 0)
		model.converged = model.has_covariance = false;
	return clv_model_result(fcinfo, &model);
}

/* ----------------------------------------------------------------
 * Scorers
 * ----------------------------------------------------------------
 */

/* Read a pareto_nbd_model argument */
static void
ParetoModelArg(FunctionCallInfo fcinfo, int argno, double *p)
{
	clv_model_params_arg(fcinfo, argno, CLV_PARETO_NBD, p);
}

pg_noreturn static void
SeriesError(const double *p, double x, double tx, double T)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("could not evaluate the Pareto/NBD hypergeometric function"),
			 errdetail("The series did not converge for r %g, alpha %g, s %g, beta %g, frequency %g, recency %g, T %g.",
					   p[0], p[1], p[2], p[3], x, tx, T)));
}

/* log F(y) of the A0 term (see ParetoLogF) */
bool
clv_pareto_log_f(const double *p, double x, double y, double *logF)
{
	return ParetoLogF(p[0], p[1], p[2], p[3], x, y, logF);
}

/*
 * P(alive | x, t_x, T) from log F(t_x) and log F(T) (Fader & Hardie's
 * note, eq. 18; Schmittlein et al. 1987 eq. 11):
 *	 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0),  A0 = F(t_x) - F(T)
 */
double
clv_pareto_p_alive_f(const double *p, double x, double T, double logFtx,
					 double logFT)
{
	double		logA0 = ParetoLogA0FromF(logFtx, logFT);
	double		dlog;

	if (logA0 == -INFINITY)
		return 1.0;
	dlog = log(p[2]) - log(p[0] + p[2] + x) + (p[0] + x) * log(p[1] + T)
		+ p[2] * log(p[3] + T) + logA0;
	if (dlog > 0)
		return exp(-dlog) / (1.0 + exp(-dlog));
	return 1.0 / (1.0 + exp(dlog));
}

/* P(alive | x, t_x, T) */
static double
ParetoPAlive(const double *p, double x, double tx, double T)
{
	double		lftx,
				lfT;

	if (!clv_pareto_log_f(p, x, tx, &lftx) || !clv_pareto_log_f(p, x, T, &lfT))
		SeriesError(p, x, tx, T);
	return clv_pareto_p_alive_f(p, x, T, lftx, lfT);
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

/*
 * Q(t; x, T) = (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)],
 * so that E[Y(t) | x, t_x, T] = Q P(alive) (Fader & Hardie's note, eq. 22;
 * Schmittlein et al. 1987 eq. 22)
 */
double
clv_pareto_path(const double *p, double x, double T, double t)
{
	if (t == 0.0)
		return 0.0;
	return (p[0] + x) * (p[3] + T) / (p[1] + T) * ParetoHorizonFactor(p[2], p[3] + T, t);
}

/* pareto_nbd_p_alive(model, frequency, recency, t [, horizon]) */
PG_FUNCTION_INFO_V1(clv_pareto_nbd_p_alive);
Datum
clv_pareto_nbd_p_alive(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		x,
				tx,
				T;
	double		result;

	ParetoModelArg(fcinfo, 0, p);
	clv_rfm_args(fcinfo, 1, &x, &tx, &T);
	result = ParetoPAlive(p, x, tx, T);

	/*
	 * P(alive at T + t | x, t_x, T): alive at T and still alive t later.
	 * Given alive at T, mu ~ gamma(s, beta + T), so the exponential
	 * lifetime lasts another t with probability E[exp(-mu t)] =
	 * ((beta+T)/(beta+T+t))^s (Fader & Hardie, "Additional Results for the
	 * Pareto/NBD Model", 2014, note 015; pymc-marketing's
	 * conditional_probability_of_being_alive_up_to_time).
	 */
	if (PG_NARGS() > 4)
	{
		double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(4), "horizon");

		result *= exp(p[2] * (log(p[3] + T) - log(p[3] + T + t)));
	}
	PG_RETURN_FLOAT8(result);
}

/* pareto_nbd_expected_purchases(model, horizon, frequency, recency, t) */
PG_FUNCTION_INFO_V1(clv_pareto_nbd_expected_purchases);
Datum
clv_pareto_nbd_expected_purchases(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");
	double		x,
				tx,
				T;
	double		result;

	ParetoModelArg(fcinfo, 0, p);
	clv_rfm_args(fcinfo, 2, &x, &tx, &T);
	if (t == 0.0)
		PG_RETURN_FLOAT8(0.0);
	result = clv_pareto_path(p, x, T, t) * ParetoPAlive(p, x, tx, T);
	if (!isfinite(result))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("Pareto/NBD expectation is out of range")));
	PG_RETURN_FLOAT8(result);
}

/*
 * pareto_nbd_expected_purchases_new(model, horizon):
 *	 r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]
 * (Fader & Hardie's note, eq. 9; the path at x = T = 0)
 */
PG_FUNCTION_INFO_V1(clv_pareto_nbd_expected_purchases_new);
Datum
clv_pareto_nbd_expected_purchases_new(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");
	double		result;

	ParetoModelArg(fcinfo, 0, p);
	result = clv_pareto_path(p, 0.0, 0.0, t);
	if (!isfinite(result))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("Pareto/NBD expectation is out of range")));
	PG_RETURN_FLOAT8(result);
}

/*
 * P(X(t) = n) of a customer alive at time 0, parameters r, alpha, s,
 * beta (Fader & Hardie, "Deriving an Expression for P(X(t) = x) Under the
 * Pareto/NBD Model", 2006, rev. 2020, note 012, eq. 16).  Given lambda and
 * mu the customer is still alive at t (probability exp(-mu t)) and made n
 * Poisson purchases, or died at tau < t after n purchases:
 *	 P(X(t) = n | lambda, mu) = exp(-mu t) (lambda t)^n exp(-lambda t) / n!
 *		 + mu lambda^n / (lambda+mu)^(n+1)
 *		   [1 - exp(-(lambda+mu) t) sum_{i=0..n} ((lambda+mu) t)^i / i!]
 * Over lambda ~ gamma(r, alpha), mu ~ gamma(s, beta):
 *	 P(X(t) = n) = NBD(n; r, alpha, t) (beta/(beta+t))^s
 *		 + alpha^r beta^s B(r+n, s+1) / B(r, s)
 *		   [B(0) - sum_{i=0..n} Gamma(r+s+i) / (Gamma(r+s) i!) t^i B(t)_i]
 *	 B(t)_i = 2F1(r+s+i, s+1; r+s+n+1; (alpha-beta)/(alpha+t)) / (alpha+t)^(r+s+i)
 *			  if alpha >= beta, else
 *			  2F1(r+s+i, r+n; r+s+n+1; (beta-alpha)/(beta+t)) / (beta+t)^(r+s+i)
 * and B(0) = B(0)_0.  Summed in log space relative to the B(0) term.
 */
static double
ParetoPmf(double r, double alpha, double s, double beta, double t, double n)
{
	double		m = Max(alpha, beta);
	double		bb = (alpha >= beta) ? s + 1.0 : r + n;
	double		c = r + s + n + 1.0;
	double		lead = r * log(alpha) + s * log(beta) + clv_lbeta(r + n, s + 1.0)
		- clv_lbeta(r, s);
	double		first;
	double		l0;
	double		rel = 1.0;
	double		i;
	int			sign;

	if (t == 0.0)
		return (n == 0.0) ? 1.0 : 0.0;
	first = exp(clv_nbd_log_pmf(r, t / (alpha + t), alpha / (alpha + t), n)
				+ s * (log(beta) - log(beta + t)));
	if (!clv_log_hyp2f1(r + s, bb, c, fabs(alpha - beta) / m, Min(alpha, beta) / m, &l0, &sign) ||
		sign < 0)
		return NAN;
	l0 += lead - (r + s) * log(m);
	for (i = 0.0; i <= n; i += 1.0)
	{
		double		li;

		if (!clv_log_hyp2f1(r + s + i, bb, c, fabs(alpha - beta) / (m + t),
							(Min(alpha, beta) + t) / (m + t), &li, &sign) ||
			sign < 0)
			return NAN;
		li += lead - (r + s + i) * log(m + t) + lgamma(r + s + i) - lgamma(r + s)
			- lgamma(i + 1.0) + i * log(t);
		rel -= exp(li - l0);
		CHECK_FOR_INTERRUPTS();
	}
	return Min(Max(first + exp(l0) * Max(rel, 0.0), 0.0), 1.0);
}

/*
 * P(Y(t) = n | x, t_x, T): a customer alive at T is a new Pareto/NBD
 * customer with lambda ~ gamma(r + x, alpha + T) and mu ~ gamma(s, beta + T)
 * (Fader & Hardie, "Deriving the Conditional PMF of the Pareto/NBD Model",
 * 2006, note 028), one who is gone buys nothing:
 *	 P(alive) ParetoPmf(n; r+x, alpha+T, s, beta+T) + [n = 0] (1 - P(alive))
 */
static double
ParetoConditionalPmf(const double *p, double t, double n, double x, double tx,
					 double T)
{
	double		alive = ParetoPAlive(p, x, tx, T);
	double		pmf = ParetoPmf(p[0] + x, p[1] + T, p[2], p[3] + T, t, n);
	double		result;

	if (isnan(pmf))
		SeriesError(p, x, tx, T);
	result = alive * pmf;
	if (n == 0)
		result += 1.0 - alive;
	return Min(Max(result, 0.0), 1.0);
}

/* pareto_nbd_probability_purchases(model, horizon, purchases, frequency, recency, t) */
PG_FUNCTION_INFO_V1(clv_pareto_nbd_probability_purchases);
Datum
clv_pareto_nbd_probability_purchases(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");
	double		n = clv_count_arg(fcinfo, 2, "purchases");
	double		x,
				tx,
				T;

	ParetoModelArg(fcinfo, 0, p);
	clv_rfm_args(fcinfo, 3, &x, &tx, &T);
	PG_RETURN_FLOAT8(ParetoConditionalPmf(p, t, n, x, tx, T));
}

/* pareto_nbd_probability_purchases_new(model, horizon, purchases) */
PG_FUNCTION_INFO_V1(clv_pareto_nbd_probability_purchases_new);
Datum
clv_pareto_nbd_probability_purchases_new(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");
	double		n = clv_count_arg(fcinfo, 2, "purchases");
	double		result;

	ParetoModelArg(fcinfo, 0, p);
	result = ParetoPmf(p[0], p[1], p[2], p[3], t, n);
	if (isnan(result))
		SeriesError(p, 0, 0, 0);
	PG_RETURN_FLOAT8(result);
}

/*
 * pareto_nbd_probability_any_purchase(model, horizon, frequency, recency, t):
 * P(Y(t) >= 1 | x, t_x, T) = P(alive) (1 - ParetoPmf(0; r+x, alpha+T, s, beta+T))
 */
PG_FUNCTION_INFO_V1(clv_pareto_nbd_probability_any_purchase);
Datum
clv_pareto_nbd_probability_any_purchase(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		t = clv_nonneg_arg(PG_GETARG_FLOAT8(1), "horizon");
	double		x,
				tx,
				T;
	double		none;

	ParetoModelArg(fcinfo, 0, p);
	clv_rfm_args(fcinfo, 2, &x, &tx, &T);
	none = ParetoPmf(p[0] + x, p[1] + T, p[2], p[3] + T, t, 0.0);
	if (isnan(none))
		SeriesError(p, x, tx, T);
	PG_RETURN_FLOAT8(ParetoPAlive(p, x, tx, T) * (1.0 - none));
}
