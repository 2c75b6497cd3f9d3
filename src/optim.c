/*-------------------------------------------------------------------------
 *
 * optim.c
 *	  Numerical machinery of the model fits: a BFGS minimiser with a
 *	  Nelder-Mead fallback, the digamma function, log-sum-exp and the Gauss
 *	  hypergeometric series evaluated in scaled (log) arithmetic.
 *
 * The fits maximise a log-likelihood over log-parameters, so the problems
 * handed to clv_optim_minimize are unconstrained and smooth.  BFGS
 * (Nocedal & Wright, "Numerical Optimization", 2nd ed., algorithm 6.1) with
 * a backtracking Armijo line search does the work; when it stalls away from
 * a stationary point, Nelder-Mead (Lagarias et al. 1998 coefficients) is
 * run from the best point and BFGS polishes its result.  Nothing here
 * errors on non-convergence: the caller gets converged = false.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

#include "models.h"

/* gradient max-norm that counts as converged outright */
#define OPTIM_GTOL			1e-9
/* gradient max-norm accepted when the line search can no longer descend */
#define OPTIM_GTOL_STALL	1e-6
#define OPTIM_BFGS_MAXIT	1000
#define OPTIM_NM_MAXIT		4000

/*
 * Stall detection, to cap the work on a flat ridge (a supremum at infinity,
 * such as BG/NBD's a, b -> infinity on data with homogeneous dropout): BFGS
 * stops when f improved by less than OPTIM_STALL_FTOL * (|f| + 1) over the
 * last OPTIM_BFGS_STALL_WINDOW iterations, Nelder-Mead when its best vertex
 * did over the last OPTIM_NM_STALL_WINDOW iterations.  At a proper minimum
 * BFGS converges superlinearly, well before such a window passes.
 */
#define OPTIM_STALL_FTOL		1e-11
#define OPTIM_BFGS_STALL_WINDOW	30
#define OPTIM_NM_STALL_WINDOW	200

/*
 * Nelder-Mead is run only when BFGS stopped where the gradient is still
 * this large (or f is not finite).  A BFGS stall with a smaller gradient
 * (analytic or central differences, accurate to about 1e-10) is a flat
 * ridge, which Nelder-Mead would only crawl along at great cost.
 */
#define OPTIM_NM_GRAD			1e-4
/* longest step (max-norm, in log-parameter units) per line search */
#define OPTIM_MAX_STEP		4.0

/* A point with its objective and gradient */
typedef struct OptimPoint
{
	double		x[CLV_OPTIM_MAX_PARAMS];
	double		g[CLV_OPTIM_MAX_PARAMS];
	double		f;
} OptimPoint;

typedef struct OptimProblem
{
	ClvObjectiveFn fn;
	void	   *arg;
	int			n;
	bool		analytic;
	int			evals;
} OptimProblem;

/* Objective value, with NaN mapped to +Infinity */
static double
EvalF(OptimProblem *p, const double *x)
{
	double		f = p->fn(x, NULL, p->arg);

	p->evals++;
	if (isnan(f))
		f = INFINITY;
	return f;
}

/*
 * Objective and gradient at x.  Numeric gradients are central differences
 * with step 1e-5 * (1 + |x_i|) (error about 1e-10 for O(1) objectives), or
 * one-sided where one neighbour is outside the domain.
 */
static double
EvalFG(OptimProblem *p, const double *x, double *g)
{
	double		f;
	double		xx[CLV_OPTIM_MAX_PARAMS];
	int			i;

	if (p->analytic)
	{
		f = p->fn(x, g, p->arg);
		p->evals++;
		if (isnan(f))
			f = INFINITY;
		for (i = 0; i < p->n; i++)
			if (!isfinite(g[i]))
				f = INFINITY;
		return f;
	}

	f = EvalF(p, x);
	if (!isfinite(f))
		return f;
	memcpy(xx, x, sizeof(double) * p->n);
	for (i = 0; i < p->n; i++)
	{
		double		h = 1e-5 * (1.0 + fabs(x[i]));
		double		fp,
					fm;

		xx[i] = x[i] + h;
		fp = EvalF(p, xx);
		xx[i] = x[i] - h;
		fm = EvalF(p, xx);
		xx[i] = x[i];
		if (isfinite(fp) && isfinite(fm))
			g[i] = (fp - fm) / (2.0 * h);
		else if (isfinite(fp))
			g[i] = (fp - f) / h;
		else if (isfinite(fm))
			g[i] = (f - fm) / h;
		else
			return INFINITY;
	}
	return f;
}

/* max |v_i| */
static double
MaxAbs(const double *v, int n)
{
	double		m = 0.0;
	int			i;

	for (i = 0; i < n; i++)
		m = Max(m, fabs(v[i]));
	return m;
}

/*
 * BFGS from *cur (f and g already evaluated).  Updates *cur to the best
 * point.  Returns true when converged; adds iterations to *iters.
 */
static bool
RunBfgs(OptimProblem *p, OptimPoint *cur, int *iters)
{
	int			n = p->n;
	double		H[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS];
	bool		identity = true;
	double		fhist[OPTIM_BFGS_STALL_WINDOW];
	int			it;
	int			i,
				j;

	memset(H, 0, sizeof(H));
	for (i = 0; i < n; i++)
		H[i][i] = 1.0;

	for (it = 0; it < OPTIM_BFGS_MAXIT; it++)
	{
		double		d[CLV_OPTIM_MAX_PARAMS];
		double		slope = 0.0;
		double		step = 1.0;
		double		dmax;
		OptimPoint	next;
		bool		found = false;
		int			ls;

		CHECK_FOR_INTERRUPTS();

		if (!isfinite(cur->f))
			return false;
		if (MaxAbs(cur->g, n) < OPTIM_GTOL)
			return true;
		/* crawling along a flat ridge: give up as at a stall */
		if (it >= OPTIM_BFGS_STALL_WINDOW &&
			fhist[it % OPTIM_BFGS_STALL_WINDOW] - cur->f <=
			OPTIM_STALL_FTOL * (fabs(cur->f) + 1.0))
			return MaxAbs(cur->g, n) < OPTIM_GTOL_STALL;
		fhist[it % OPTIM_BFGS_STALL_WINDOW] = cur->f;

		/* search direction d = -H g */
		for (i = 0; i < n; i++)
		{
			d[i] = 0.0;
			for (j = 0; j < n; j++)
				d[i] -= H[i][j] * cur->g[j];
			slope += d[i] * cur->g[i];
		}
		if (!(slope < 0.0))
		{
			/* not a descent direction: restart from steepest descent */
			memset(H, 0, sizeof(H));
			for (i = 0; i < n; i++)
				H[i][i] = 1.0;
			identity = true;
			slope = 0.0;
			for (i = 0; i < n; i++)
			{
				d[i] = -cur->g[i];
				slope -= cur->g[i] * cur->g[i];
			}
		}
		dmax = MaxAbs(d, n);
		if (dmax > OPTIM_MAX_STEP)
			step = OPTIM_MAX_STEP / dmax;

		/* backtracking Armijo line search */
		for (ls = 0; ls < 60; ls++)
		{
			for (i = 0; i < n; i++)
				next.x[i] = cur->x[i] + step * d[i];
			/*
			 * With an analytic gradient, evaluate f and g together (one
			 * pass over the data); otherwise f alone first, as the
			 * finite-difference gradient costs 2n more evaluations.
			 */
			if (p->analytic)
			{
				next.f = EvalFG(p, next.x, next.g);
				if (isfinite(next.f) && next.f <= cur->f + 1e-4 * step * slope)
				{
					found = true;
					break;
				}
			}
			else
			{
				next.f = EvalF(p, next.x);
				if (isfinite(next.f) && next.f <= cur->f + 1e-4 * step * slope)
				{
					next.f = EvalFG(p, next.x, next.g);
					if (isfinite(next.f))
					{
						found = true;
						break;
					}
				}
			}
			step *= 0.5;

			/*
			 * Once the predicted decrease is below the rounding noise of f
			 * (sums over many customers), the Armijo test can no longer
			 * tell a descent: stop halving.
			 */
			if (-step * slope < 1e-12 * (fabs(cur->f) + 1.0))
				break;
		}
		(*iters)++;

		if (!found || cur->f - next.f <= 1e-15 * (fabs(cur->f) + 1e-300))
		{
			if (found && next.f < cur->f)
				*cur = next;
			if (!identity)
			{
				/* retry once along the steepest descent */
				memset(H, 0, sizeof(H));
				for (i = 0; i < n; i++)
					H[i][i] = 1.0;
				identity = true;
				continue;
			}
			/* cannot descend further: accept a near-stationary point */
			return MaxAbs(cur->g, n) < OPTIM_GTOL_STALL;
		}

		/* BFGS update of the inverse Hessian */
		{
			double		s[CLV_OPTIM_MAX_PARAMS],
						y[CLV_OPTIM_MAX_PARAMS],
						Hy[CLV_OPTIM_MAX_PARAMS];
			double		sy = 0.0,
						yy = 0.0,
						yHy = 0.0,
						ss = 0.0;

			for (i = 0; i < n; i++)
			{
				s[i] = next.x[i] - cur->x[i];
				y[i] = next.g[i] - cur->g[i];
				sy += s[i] * y[i];
				yy += y[i] * y[i];
				ss += s[i] * s[i];
			}
			if (sy > 1e-12 * sqrt(ss * yy))
			{
				if (identity)
				{
					/* scale the initial matrix (Nocedal & Wright 6.20) */
					for (i = 0; i < n; i++)
						H[i][i] = sy / yy;
					identity = false;
				}
				for (i = 0; i < n; i++)
				{
					Hy[i] = 0.0;
					for (j = 0; j < n; j++)
						Hy[i] += H[i][j] * y[j];
					yHy += y[i] * Hy[i];
				}
				for (i = 0; i < n; i++)
					for (j = 0; j < n; j++)
						H[i][j] += ((sy + yHy) * s[i] * s[j]) / (sy * sy)
							- (Hy[i] * s[j] + s[i] * Hy[j]) / sy;
			}
		}
		*cur = next;
	}
	return MaxAbs(cur->g, n) < OPTIM_GTOL;
}

/*
 * Nelder-Mead from *best (adaptive coefficients of Gao & Han 2012 for
 * n > 2 are unnecessary at n <= 4; the standard 1, 2, 0.5, 0.5 are used).
 * Updates *best (x and f only).
 */
static void
RunNelderMead(OptimProblem *p, OptimPoint *best, int *iters)
{
	int			n = p->n;
	double		xs[CLV_OPTIM_MAX_PARAMS + 1][CLV_OPTIM_MAX_PARAMS];
	double		fs[CLV_OPTIM_MAX_PARAMS + 1];
	double		fhist[OPTIM_NM_STALL_WINDOW];
	int			i,
				j,
				it;

	for (i = 0; i <= n; i++)
	{
		memcpy(xs[i], best->x, sizeof(double) * n);
		if (i > 0)
			xs[i][i - 1] += 0.5;
		fs[i] = (i == 0) ? best->f : EvalF(p, xs[i]);
	}

	for (it = 0; it < OPTIM_NM_MAXIT; it++)
	{
		int			hi = 0,
					lo = 0,
					nh = 0;
		double		c[CLV_OPTIM_MAX_PARAMS],
					xr[CLV_OPTIM_MAX_PARAMS],
					xe[CLV_OPTIM_MAX_PARAMS];
		double		fr,
					fe,
					size = 0.0;

		CHECK_FOR_INTERRUPTS();
		(*iters)++;

		for (i = 0; i <= n; i++)
		{
			if (fs[i] < fs[lo])
				lo = i;
			if (fs[i] > fs[hi])
				hi = i;
		}
		nh = (hi == 0) ? 1 : 0;
		for (i = 0; i <= n; i++)
			if (i != hi && fs[i] > fs[nh])
				nh = i;
		for (i = 0; i <= n; i++)
			for (j = 0; j < n; j++)
				size = Max(size, fabs(xs[i][j] - xs[lo][j]));
		if (isfinite(fs[hi]) &&
			fs[hi] - fs[lo] <= 1e-14 * (fabs(fs[lo]) + 1e-300) && size < 1e-9)
			break;
		/* the best vertex no longer improves: stop (BFGS polishes) */
		if (it >= OPTIM_NM_STALL_WINDOW && isfinite(fs[lo]) &&
			fhist[it % OPTIM_NM_STALL_WINDOW] - fs[lo] <=
			OPTIM_STALL_FTOL * (fabs(fs[lo]) + 1.0))
			break;
		fhist[it % OPTIM_NM_STALL_WINDOW] = fs[lo];

		for (j = 0; j < n; j++)
		{
			c[j] = 0.0;
			for (i = 0; i <= n; i++)
				if (i != hi)
					c[j] += xs[i][j];
			c[j] /= n;
			xr[j] = c[j] + (c[j] - xs[hi][j]);
		}
		fr = EvalF(p, xr);
		if (fr < fs[lo])
		{
			for (j = 0; j < n; j++)
				xe[j] = c[j] + 2.0 * (c[j] - xs[hi][j]);
			fe = EvalF(p, xe);
			if (fe < fr)
			{
				memcpy(xs[hi], xe, sizeof(double) * n);
				fs[hi] = fe;
			}
			else
			{
				memcpy(xs[hi], xr, sizeof(double) * n);
				fs[hi] = fr;
			}
		}
		else if (fr < fs[nh])
		{
			memcpy(xs[hi], xr, sizeof(double) * n);
			fs[hi] = fr;
		}
		else
		{
			/* contraction (outside if the reflection helped, else inside) */
			double		xc[CLV_OPTIM_MAX_PARAMS];
			double		fc;
			bool		outside = fr < fs[hi];

			for (j = 0; j < n; j++)
				xc[j] = outside ? c[j] + 0.5 * (xr[j] - c[j])
					: c[j] + 0.5 * (xs[hi][j] - c[j]);
			fc = EvalF(p, xc);
			if (fc < (outside ? fr : fs[hi]))
			{
				memcpy(xs[hi], xc, sizeof(double) * n);
				fs[hi] = fc;
			}
			else
			{
				/* shrink towards the best vertex */
				for (i = 0; i <= n; i++)
				{
					if (i == lo)
						continue;
					for (j = 0; j < n; j++)
						xs[i][j] = xs[lo][j] + 0.5 * (xs[i][j] - xs[lo][j]);
					fs[i] = EvalF(p, xs[i]);
				}
			}
		}
	}

	j = 0;
	for (i = 1; i <= n; i++)
		if (fs[i] < fs[j])
			j = i;
	if (fs[j] < best->f)
	{
		memcpy(best->x, xs[j], sizeof(double) * n);
		best->f = fs[j];
	}
}

/*
 * Is the minimum at x proper: is the Hessian of f (central second
 * differences, step 1e-3, noise about 1e-9) positive definite, with every
 * Cholesky pivot above 1e-7 * (1 + max |H_ii|)?  A flat direction (an
 * unidentified parameter, a supremum at the boundary of the parameter
 * space) fails the test.
 */
static bool
HessianOk(OptimProblem *p, const OptimPoint *pt)
{
	int			n = p->n;
	double		H[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS];
	double		x[CLV_OPTIM_MAX_PARAMS];
	double		h = 1e-3;
	double		scale = 0.0;
	int			i,
				j,
				k;

	memcpy(x, pt->x, sizeof(double) * n);
	for (i = 0; i < n; i++)
	{
		double		fp,
					fm;

		x[i] = pt->x[i] + h;
		fp = EvalF(p, x);
		x[i] = pt->x[i] - h;
		fm = EvalF(p, x);
		x[i] = pt->x[i];
		H[i][i] = (fp - 2.0 * pt->f + fm) / (h * h);
		if (!isfinite(H[i][i]))
			return false;
		scale = Max(scale, fabs(H[i][i]));
		for (j = 0; j < i; j++)
		{
			double		fpp,
						fpm,
						fmp,
						fmm;

			x[i] = pt->x[i] + h;
			x[j] = pt->x[j] + h;
			fpp = EvalF(p, x);
			x[j] = pt->x[j] - h;
			fpm = EvalF(p, x);
			x[i] = pt->x[i] - h;
			fmm = EvalF(p, x);
			x[j] = pt->x[j] + h;
			fmp = EvalF(p, x);
			x[i] = pt->x[i];
			x[j] = pt->x[j];
			H[i][j] = H[j][i] = (fpp - fpm - fmp + fmm) / (4.0 * h * h);
			if (!isfinite(H[i][j]))
				return false;
		}
	}
	/* Cholesky factorisation in place */
	for (j = 0; j < n; j++)
	{
		double		d = H[j][j];

		for (k = 0; k < j; k++)
			d -= H[j][k] * H[j][k];
		if (!(d > 1e-7 * (1.0 + scale)))
			return false;
		H[j][j] = sqrt(d);
		for (i = j + 1; i < n; i++)
		{
			double		v = H[i][j];

			for (k = 0; k < j; k++)
				v -= H[i][k] * H[j][k];
			H[i][j] = v / H[j][j];
		}
	}
	return true;
}

/* Minimise fn from theta; see models.h */
void
clv_optim_minimize(ClvObjectiveFn fn, void *arg, int n, double *theta,
				   bool analytic, ClvOptimResult *result)
{
	OptimProblem p;
	OptimPoint	cur;
	int			iters = 0;
	bool		conv;

	Assert(n > 0 && n <= CLV_OPTIM_MAX_PARAMS);
	p.fn = fn;
	p.arg = arg;
	p.n = n;
	p.analytic = analytic;
	p.evals = 0;

	memset(&cur, 0, sizeof(cur));
	memcpy(cur.x, theta, sizeof(double) * n);
	cur.f = EvalFG(&p, cur.x, cur.g);

	conv = isfinite(cur.f) && RunBfgs(&p, &cur, &iters);
	if (!conv && (!isfinite(cur.f) || MaxAbs(cur.g, n) >= OPTIM_NM_GRAD))
	{
		OptimPoint	nm = cur;

		/* Nelder-Mead from the best point, then polish with BFGS */
		if (!isfinite(nm.f))
			nm.f = EvalF(&p, nm.x);
		RunNelderMead(&p, &nm, &iters);
		if (isfinite(nm.f) && (!isfinite(cur.f) || nm.f <= cur.f))
		{
			nm.f = EvalFG(&p, nm.x, nm.g);
			if (isfinite(nm.f))
			{
				cur = nm;
				conv = RunBfgs(&p, &cur, &iters);
			}
		}
	}

	if (conv && isfinite(cur.f))
		conv = HessianOk(&p, &cur);

	memcpy(theta, cur.x, sizeof(double) * n);
	result->f = cur.f;
	result->gradmax = isfinite(cur.f) ? MaxAbs(cur.g, n) : INFINITY;
	result->iterations = iters;
	result->converged = conv && isfinite(cur.f);
}

/* ----------------------------------------------------------------
 * Special functions
 * ----------------------------------------------------------------
 */

/*
 * Digamma psi(x) for x > 0: recurrence up to x >= 10, then the asymptotic
 * series (Abramowitz & Stegun 6.3.18), accurate to about 1e-14.
 */
double
clv_digamma(double x)
{
	double		r = 0.0;
	double		f;

	if (!(x > 0.0))
		return NAN;
	while (x < 10.0)
	{
		r -= 1.0 / x;
		x += 1.0;
	}
	f = 1.0 / (x * x);
	return r + log(x) - 0.5 / x
		- f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))));
}

/* log(exp(a) + exp(b)) without overflow */
double
clv_logaddexp(double a, double b)
{
	double		m = Max(a, b);

	if (m == -INFINITY)
		return -INFINITY;
	return m + log1p(exp(-fabs(a - b)));
}

/*
 * Sum the series 2F1(a, b; c; z) = sum_k (a)_k (b)_k / ((c)_k k!) z^k,
 * 0 <= z < 1, with at most maxterms terms.
 *
 * The running sum is kept as sum * 2^(scale) so that series whose value
 * overflows a double (2F1 grows like (1 - z)^(c - a - b) near z = 1) still
 * give their logarithm.  Summation stops once the terms have settled into
 * a decreasing tail whose bound is below 1e-17 of the sum.
 */
static bool
Hyp2F1Series(double a, double b, double c, double z, long maxterms,
			 double *logabs, int *sign)
{
	double		term = 1.0;
	double		sum = 1.0;
	double		logscale = 0.0;
	double		settle = fabs(a) + fabs(b) + fabs(c) + 2.0;
	long		k;

	for (k = 0; k < maxterms; k++)
	{
		double		ratio;

		if (fabs(c + k) < 1e-13)
			return false;		/* pole of 2F1 at c = 0, -1, ... */
		ratio = (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
		term *= ratio;
		sum += term;
		if (term == 0.0)
			break;
		if (fabs(sum) > 1e280 || fabs(term) > 1e280)
		{
			sum = ldexp(sum, -900);
			term = ldexp(term, -900);
			logscale += 900.0 * M_LN2;
		}
		if (k > settle && fabs(ratio) < 1.0)
		{
			/* remaining terms shrink at least geometrically at max(|ratio|, z) */
			double		rmax = Max(fabs(ratio), z);

			if (fabs(term) <= 1e-17 * fabs(sum) * (1.0 - rmax))
				break;
		}
		if ((k & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	if (k >= maxterms || sum == 0.0 || !isfinite(sum))
		return false;
	*sign = (sum > 0.0) ? 1 : -1;
	*logabs = log(fabs(sum)) + logscale;
	return true;
}

/* log|Gamma(x)| and the sign of Gamma(x); false at the poles */
static bool
LogAbsGamma(double x, double *l, int *sign)
{
	if (x <= 0 && x == floor(x))
		return false;
	*l = lgamma(x);
	*sign = 1;
	if (x < 0 && ((long) ceil(-x)) % 2 == 1)
		*sign = -1;
	return isfinite(*l);
}

/*
 * The linear transformation z -> 1 - z (Abramowitz & Stegun 15.3.6), for
 * z near 1 where the series is slow, with w = 1 - z given accurately:
 *	 2F1(a,b;c;z) = G(c)G(d)/(G(c-a)G(c-b)) 2F1(a,b;1-d;w)
 *				  + w^d G(c)G(-d)/(G(a)G(b)) 2F1(c-a,c-b;1+d;w),  d = c-a-b
 * d must not be an integer (the caller perturbs c).
 */
static bool
Hyp2F1Reflect(double a, double b, double c, double w, double *logabs, int *sign)
{
	double		d = c - a - b;
	double		lt[2];
	int			st[2];
	bool		present[2] = {true, true};
	int			i;

	for (i = 0; i < 2; i++)
	{
		double		g1,
					g2,
					g3,
					g4,
					ls;
		int			s1,
					s2,
					s3,
					s4,
					ss;
		double		pa = (i == 0) ? c - a : a;
		double		pb = (i == 0) ? c - b : b;

		/* 1/Gamma at a pole is 0: the term vanishes */
		if ((pa <= 0 && pa == floor(pa)) || (pb <= 0 && pb == floor(pb)))
		{
			present[i] = false;
			continue;
		}
		if (!LogAbsGamma(c, &g1, &s1) || !LogAbsGamma(i == 0 ? d : -d, &g2, &s2) ||
			!LogAbsGamma(pa, &g3, &s3) || !LogAbsGamma(pb, &g4, &s4))
			return false;
		if (i == 0)
		{
			if (!Hyp2F1Series(a, b, 1.0 - d, w, 1000000L, &ls, &ss))
				return false;
			lt[0] = g1 + g2 - g3 - g4 + ls;
		}
		else
		{
			if (!Hyp2F1Series(c - a, c - b, 1.0 + d, w, 1000000L, &ls, &ss))
				return false;
			lt[1] = d * log(w) + g1 + g2 - g3 - g4 + ls;
		}
		st[i] = s1 * s2 * s3 * s4 * ss;
	}
	if (!present[0] && !present[1])
		return false;
	if (!present[0] || !present[1])
	{
		i = present[0] ? 0 : 1;
		*logabs = lt[i];
		*sign = st[i];
		return isfinite(*logabs);
	}
	/* s0 e^l0 + s1 e^l1 in log space */
	{
		int			big = (lt[0] >= lt[1]) ? 0 : 1;
		int			small = 1 - big;
		double		ratio = exp(lt[small] - lt[big]) * st[small] * st[big];

		if (ratio == -1.0)
			return false;
		*logabs = lt[big] + log1p(ratio);
		*sign = st[big];
		if (1.0 + ratio < 1e-8)
			return false;		/* catastrophic cancellation */
	}
	return isfinite(*logabs);
}

/*
 * 2F1(a, b; c; z) for 0 <= z < 1 with w = 1 - z (given separately so that
 * it keeps its precision when z rounds to 1): *logabs = log|2F1|, *sign =
 * its sign.  The power series is used up to z = 0.75 and as long as it
 * converges in 100000 terms; beyond, the 1 - z transformation (with c
 * perturbed by -/+1e-7 and the results averaged when c - a - b is within
 * 1e-7 of an integer); the long series as a last resort.
 */
bool
clv_log_hyp2f1(double a, double b, double c, double z, double w,
			   double *logabs, int *sign)
{
	double		d;

	if (!(z >= 0.0 && z < 1.0) || !(w > 0.0 && w <= 1.0) ||
		!isfinite(a) || !isfinite(b) || !isfinite(c))
		return false;
	if (z <= 0.75)
		return Hyp2F1Series(a, b, c, z, 10000000L, logabs, sign);
	if (Hyp2F1Series(a, b, c, z, 100000L, logabs, sign))
		return true;
	d = c - a - b;
	if (fabs(d - rint(d)) > 1e-7)
	{
		if (Hyp2F1Reflect(a, b, c, w, logabs, sign))
			return true;
	}
	else
	{
		double		l1,
					l2;
		int			s1,
					s2;

		if (Hyp2F1Reflect(a, b, c - 1e-7, w, &l1, &s1) &&
			Hyp2F1Reflect(a, b, c + 1e-7, w, &l2, &s2) && s1 == s2)
		{
			*logabs = (l1 + l2) / 2.0;
			*sign = s1;
			return true;
		}
	}
	return Hyp2F1Series(a, b, c, z, 10000000L, logabs, sign);
}
