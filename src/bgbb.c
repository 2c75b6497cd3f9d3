/*-------------------------------------------------------------------------
 *
 * bgbb.c
 *	  The BG/BB model of Fader, Hardie & Shang (2010), "Customer-Base
 *	  Analysis in a Discrete-Time Noncontractual Setting", Marketing
 *	  Science 29(6): discrete transaction opportunities (a yearly
 *	  fund-raising campaign, a weekly show).  Maximum-likelihood fit over a
 *	  btyd_data state, P(alive), expected transactions and the distribution
 *	  of the number of transactions.
 *
 * A customer makes the first transaction at opportunity 0 and is then
 * observed for n more opportunities.  While alive, the customer transacts
 * at each opportunity with probability p ~ beta(alpha, beta); at the start
 * of each opportunity an alive customer dies with probability theta ~
 * beta(gamma, delta).  The summary is (x, t_x, n): x repeat transactions,
 * the last at opportunity t_x (0 when x = 0), out of n; x <= t_x <= n, all
 * whole numbers.  Equation numbers are the paper's.
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
#define BGBB_LOG_BOUND 20.0
/* the largest n accepted (the likelihood sums up to n terms) */
#define BGBB_MAX_PERIODS 1000000.0

/* Why (x, t_x, n) is not a BG/BB summary, or NULL */
static const char *
BgbbProblem(double x, double tx, double n)
{
	if (!isfinite(x) || !isfinite(tx) || !isfinite(n) ||
		x != floor(x) || tx != floor(tx) || n != floor(n))
		return "frequency, recency and n_periods must be whole numbers";
	if (x < 0 || x > tx || tx > n)
		return "0 <= frequency <= recency <= n_periods must hold";
	if (x == 0 && tx != 0)
		return "recency must be 0 when frequency is 0";
	if (n > BGBB_MAX_PERIODS)
		return "n_periods must be at most 1000000";
	return NULL;
}

static void
BgbbCheck(double x, double tx, double n)
{
	const char *problem = BgbbProblem(x, tx, n);

	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid BG/BB summary: %s", problem),
				 errdetail("The values were frequency %g, recency %g, n_periods %g.", x, tx, n)));
}

/*
 * log L(alpha, beta, gamma, delta | x, t_x, n), eq. 5:
 *	 L = B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n)/B(gamma,delta)
 *	   + sum_{i=0..n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha,beta)
 *						   B(gamma+1, delta+t_x+i)/B(gamma,delta)
 * (alive through n; or died at the start of opportunity t_x + i + 1).
 * Consecutive terms of the sum differ by the factor
 * (beta+t_x-x+i)/(alpha+beta+t_x+i) (delta+t_x+i)/(gamma+delta+t_x+i+1),
 * so it is summed relative to its first term.  lbab = ln B(alpha, beta),
 * lbgd = ln B(gamma, delta).
 */
static double
BgbbLogLik(const double *p, double lbab, double lbgd, double x, double tx,
		   double n)
{
	double		alpha = p[0],
				beta = p[1],
				gamma = p[2],
				delta = p[3];
	double		A = clv_lbeta(alpha + x, beta + n - x) - lbab
		+ clv_lbeta(gamma, delta + n) - lbgd;
	double		first,
				sum = 1.0,
				term = 1.0,
				i;

	if (tx >= n)
		return A;
	first = clv_lbeta(alpha + x, beta + tx - x) + clv_lbeta(gamma + 1.0, delta + tx)
		- lbab - lbgd;
	for (i = 0.0; i < n - tx - 1.0; i += 1.0)
	{
		term *= (beta + tx - x + i) / (alpha + beta + tx + i)
			* (delta + tx + i) / (gamma + delta + tx + i + 1.0);
		sum += term;
	}
	return clv_logaddexp(A, first + log(sum));
}

/* The data of one fit: the distinct (x, t_x, n) with their weights */
typedef struct BgbbFit
{
	const BtydEntry *e;
	uint32		n;
	double		total;
	double		penalizer;
	double		loglik;
} BgbbFit;

/*
 * Objective: minus the mean log-likelihood plus penalizer * sum(params^2)
 * (lifetimes' BetaGeoBetaBinomFitter convention), over theta = log(alpha,
 * beta, gamma, delta); numeric gradient.
 */
static double
BgbbObjective(const double *theta, double *grad, void *arg)
{
	BgbbFit    *fit = (BgbbFit *) arg;
	double		p[4];
	double		lbab,
				lbgd;
	double		ll = 0.0;
	uint32		i;

	for (i = 0; i < 4; i++)
	{
		p[i] = exp(theta[i]);
		if (!(p[i] > 0) || !isfinite(p[i]))
			return INFINITY;
	}
	lbab = clv_lbeta(p[0], p[1]);
	lbgd = clv_lbeta(p[2], p[3]);
	for (i = 0; i < fit->n; i++)
	{
		const BtydEntry *e = &fit->e[i];

		ll += (double) e->weight * BgbbLogLik(p, lbab, lbgd, e->v[0], e->v[1], e->v[2]);
		if ((i & 0x3FF) == 0x3FF)
			CHECK_FOR_INTERRUPTS();
	}
	fit->loglik = ll;
	return -ll / fit->total
		+ fit->penalizer * (p[0] * p[0] + p[1] * p[1] + p[2] * p[2] + p[3] * p[3]);
}

/*
 * Fit BG/BB to a btyd_data state of (x, t_x, n) triples: the final function
 * of the bgbb_fit aggregates and the function form bgbb_fit(data [,
 * time_unit, observation_end]).
 */
PG_FUNCTION_INFO_V1(clv_bgbb_fit_final);
Datum
clv_bgbb_fit_final(PG_FUNCTION_ARGS)
{
	BtydData   *d;
	BgbbFit		fit;
	ClvModelFit model;
	double		theta[4] = {0.0, 0.0, 0.0, 0.0};
	bool		anyrepeat = false;
	uint32		i;

	d = clv_model_fit_input(fcinfo, CLV_BGBB, BTYD_KIND_RFM, "bgbb_fit", &model);
	if (d == NULL)
		PG_RETURN_NULL();

	fit.e = clv_btyd_sorted_entries(d);
	fit.n = d->n;
	fit.total = (double) d->total;
	fit.penalizer = d->penalizer;
	fit.loglik = 0.0;
	for (i = 0; i < fit.n; i++)
	{
		BgbbCheck(fit.e[i].v[0], fit.e[i].v[1], fit.e[i].v[2]);
		if (fit.e[i].v[0] > 0)
			anyrepeat = true;
	}

	/* start at alpha = beta = gamma = delta = 1 */
	clv_model_estimate(&model, BgbbObjective, &fit, theta, false, NULL,
					   BGBB_LOG_BOUND, fit.total);
	(void) BgbbObjective(theta, NULL, &fit);
	model.loglik = fit.loglik;
	/* with no repeat transaction at all the likelihood has no maximum */
	if (!anyrepeat)
		model.converged = model.has_covariance = false;
	return clv_model_result(fcinfo, &model);
}

/* ----------------------------------------------------------------
 * Scorers
 * ----------------------------------------------------------------
 */

/* The model argument 0 of a scorer */
static void
ModelArg(FunctionCallInfo fcinfo, double *p)
{
	clv_model_params_arg(fcinfo, 0, CLV_BGBB, p);
}

/*
 * sum_{i=from..to} B(gamma, delta+i) / B(gamma, delta): the probability
 * of being alive at opportunity i, summed (consecutive terms differ by
 * (delta+i)/(gamma+delta+i)).
 */
static double
AliveSum(double gamma, double delta, double from, double to)
{
	double		term,
				sum = 0.0,
				i;

	if (to < from)
		return 0.0;
	term = exp(clv_lbeta(gamma, delta + from) - clv_lbeta(gamma, delta));
	for (i = from; i <= to; i += 1.0)
	{
		sum += term;
		term *= (delta + i) / (gamma + delta + i);
		if (fmod(i, 65536.0) == 65535.0)
			CHECK_FOR_INTERRUPTS();
	}
	return sum;
}

/*
 * bgbb_p_alive(model, frequency, recency, n_periods [, horizon]): P(alive
 * at opportunity n + horizon | x, t_x, n), horizon 1 by default (eq. 11,
 * "alive in period n + 1"; lifetimes' conditional_probability_alive with
 * m_periods_in_future = horizon):
 *	 B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n+horizon)/B(gamma,delta) / L
 */
PG_FUNCTION_INFO_V1(clv_bgbb_p_alive);
Datum
clv_bgbb_p_alive(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		x = PG_GETARG_FLOAT8(1),
				tx = PG_GETARG_FLOAT8(2),
				n = PG_GETARG_FLOAT8(3);
	double		h = (PG_NARGS() > 4) ? clv_count_arg(fcinfo, 4, "horizon") : 1.0;
	double		lbab,
				lbgd;

	ModelArg(fcinfo, p);
	BgbbCheck(x, tx, n);
	lbab = clv_lbeta(p[0], p[1]);
	lbgd = clv_lbeta(p[2], p[3]);
	PG_RETURN_FLOAT8(Min(1.0, exp(clv_lbeta(p[0] + x, p[1] + n - x) - lbab
								  + clv_lbeta(p[2], p[3] + n + h) - lbgd
								  - BgbbLogLik(p, lbab, lbgd, x, tx, n))));
}

/*
 * bgbb_expected_purchases(model, horizon, frequency, recency, n_periods):
 * E[X(n, n + n*) | x, t_x, n], the expected transactions in the next n* =
 * horizon opportunities (eq. 13):
 *	 B(alpha+x+1, beta+n-x)/B(alpha,beta) / L
 *	 * sum_{i=1..n*} B(gamma, delta+n+i)/B(gamma,delta)
 * (the sum is eq. 13's delta/(gamma-1) Gamma(gamma+delta)/Gamma(1+delta)
 * [Gamma(1+delta+n)/Gamma(gamma+delta+n) - Gamma(1+delta+n+n*)/
 * Gamma(gamma+delta+n+n*)], without its 0/0 at gamma = 1)
 */
PG_FUNCTION_INFO_V1(clv_bgbb_expected_purchases);
Datum
clv_bgbb_expected_purchases(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		h = clv_count_arg(fcinfo, 1, "horizon");
	double		x = PG_GETARG_FLOAT8(2),
				tx = PG_GETARG_FLOAT8(3),
				n = PG_GETARG_FLOAT8(4);
	double		lbab,
				lbgd;

	ModelArg(fcinfo, p);
	BgbbCheck(x, tx, n);
	if (h == 0.0)
		PG_RETURN_FLOAT8(0.0);
	lbab = clv_lbeta(p[0], p[1]);
	lbgd = clv_lbeta(p[2], p[3]);
	PG_RETURN_FLOAT8(exp(clv_lbeta(p[0] + x + 1.0, p[1] + n - x) - lbab
						 - BgbbLogLik(p, lbab, lbgd, x, tx, n))
					 * AliveSum(p[2], p[3], n + 1.0, n + h));
}

/*
 * bgbb_expected_purchases_new(model, n_periods): E[X(n)], the expected
 * repeat transactions of a new customer in its first n opportunities
 * (eq. 9): alpha/(alpha+beta) sum_{i=1..n} B(gamma, delta+i)/B(gamma,delta)
 */
PG_FUNCTION_INFO_V1(clv_bgbb_expected_purchases_new);
Datum
clv_bgbb_expected_purchases_new(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		n = clv_count_arg(fcinfo, 1, "n_periods");

	ModelArg(fcinfo, p);
	PG_RETURN_FLOAT8(p[0] / (p[0] + p[1]) * AliveSum(p[2], p[3], 1.0, n));
}

/*
 * bgbb_probability_purchases_new(model, n_periods, purchases): P(X(n) = x),
 * the probability that a new customer makes x repeat transactions in its
 * first n opportunities (eq. 8):
 *	 C(n, x) B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n)/B(gamma,delta)
 *	 + sum_{i=x..n-1} C(i, x) B(alpha+x, beta+i-x)/B(alpha,beta)
 *						  B(gamma+1, delta+i)/B(gamma,delta)
 */
PG_FUNCTION_INFO_V1(clv_bgbb_probability_purchases_new);
Datum
clv_bgbb_probability_purchases_new(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		n = clv_count_arg(fcinfo, 1, "n_periods");
	double		x = clv_count_arg(fcinfo, 2, "purchases");
	double		lbab,
				lbgd,
				lchoose,
				result,
				i;

	ModelArg(fcinfo, p);
	if (n > BGBB_MAX_PERIODS)
		BgbbCheck(0, 0, n);
	if (x > n)
		PG_RETURN_FLOAT8(0.0);
	lbab = clv_lbeta(p[0], p[1]);
	lbgd = clv_lbeta(p[2], p[3]);
	lchoose = lgamma(n + 1.0) - lgamma(x + 1.0) - lgamma(n - x + 1.0);
	result = exp(lchoose + clv_lbeta(p[0] + x, p[1] + n - x) - lbab
				 + clv_lbeta(p[2], p[3] + n) - lbgd);
	for (i = x; i < n; i += 1.0)
	{
		result += exp(lgamma(i + 1.0) - lgamma(x + 1.0) - lgamma(i - x + 1.0)
					  + clv_lbeta(p[0] + x, p[1] + i - x) - lbab
					  + clv_lbeta(p[2] + 1.0, p[3] + i) - lbgd);
		if (fmod(i, 65536.0) == 65535.0)
			CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_FLOAT8(Min(Max(result, 0.0), 1.0));
}
