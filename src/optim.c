/*-------------------------------------------------------------------------
 *
 * optim.c
 *	  The optimizer of the model fits: a BFGS minimiser with a Nelder-Mead
 *	  fallback, and the Hessian at the optimum (the convergence check and
 *	  the observed information of the standard errors).  The special
 *	  functions are in special.c.
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
 * Cholesky factorisation a = L L' of a symmetric n x n matrix; false when
 * a pivot is not above minpivot (a is not positive definite, or nearly
 * singular).
 */
static bool
Cholesky(int n, const double a[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS],
		 double L[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS], double minpivot)
{
	int			i,
				j,
				k;

	memset(L, 0, sizeof(double) * CLV_OPTIM_MAX_PARAMS * CLV_OPTIM_MAX_PARAMS);
	for (j = 0; j < n; j++)
	{
		double		d = a[j][j];

		for (k = 0; k < j; k++)
			d -= L[j][k] * L[j][k];
		if (!(d > minpivot) || !isfinite(d))
			return false;
		L[j][j] = sqrt(d);
		for (i = j + 1; i < n; i++)
		{
			double		v = a[i][j];

			for (k = 0; k < j; k++)
				v -= L[i][k] * L[j][k];
			L[i][j] = v / L[j][j];
		}
	}
	return true;
}

/*
 * Is the minimum at x proper: is the Hessian of f (central second
 * differences, step 1e-3, noise about 1e-9) positive definite, with every
 * Cholesky pivot above 1e-7 * (1 + max |H_ii|)?  A flat direction (an
 * unidentified parameter, a supremum at the boundary of the parameter
 * space) fails the test.  The Hessian is copied to "hessian" (the observed
 * information of the fits' standard errors; the truncation error of the
 * differences is about 1e-7 relative).
 */
static bool
HessianOk(OptimProblem *p, const OptimPoint *pt,
		  double hessian[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS])
{
	int			n = p->n;
	double		H[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS];
	double		L[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS];
	double		x[CLV_OPTIM_MAX_PARAMS];
	double		h = 1e-3;
	double		scale = 0.0;
	int			i,
				j;

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
	memcpy(hessian, H, sizeof(H));
	return Cholesky(n, H, L, 1e-7 * (1.0 + scale));
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
		conv = HessianOk(&p, &cur, result->hessian);

	memcpy(theta, cur.x, sizeof(double) * n);
	result->f = cur.f;
	result->gradmax = isfinite(cur.f) ? MaxAbs(cur.g, n) : INFINITY;
	result->iterations = iters;
	result->converged = conv && isfinite(cur.f);
}

/*
 * Inverse of the symmetric positive definite n x n matrix a (Cholesky
 * factorisation, then the inverse of the factor); false when a is not
 * positive definite.
 */
bool
clv_spd_inverse(int n, const double a[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS],
				double inv[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS])
{
	double		L[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS];
	double		Li[CLV_OPTIM_MAX_PARAMS][CLV_OPTIM_MAX_PARAMS];
	int			i,
				j,
				k;

	memset(Li, 0, sizeof(Li));
	if (!Cholesky(n, a, L, 0.0))
		return false;
	/* Li = L^-1 (lower triangular), then inv = Li' Li */
	for (j = 0; j < n; j++)
	{
		Li[j][j] = 1.0 / L[j][j];
		for (i = j + 1; i < n; i++)
		{
			double		v = 0.0;

			for (k = j; k < i; k++)
				v -= L[i][k] * Li[k][j];
			Li[i][j] = v / L[i][i];
		}
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
		{
			double		v = 0.0;

			for (k = Max(i, j); k < n; k++)
				v += Li[k][i] * Li[k][j];
			inv[i][j] = v;
		}
	return true;
}
