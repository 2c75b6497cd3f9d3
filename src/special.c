/*-------------------------------------------------------------------------
 *
 * special.c
 *	  Special functions of the models: the digamma function, log-sum-exp and
 *	  the Gauss hypergeometric function 2F1, summed as a power series in
 *	  scaled (log) arithmetic with the 1 - z transformation near z = 1.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

#include "models.h"

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
 * For a, b, c > 0 (a series of positive terms), a bound of the ratio of
 * consecutive terms from term k on: sup_{j >= k} (a+j)(b+j) z / ((c+j)(j+1)).
 * Each of (a+j)/(c+j), (b+j)/(1+j) (and the other pairing) is monotone in
 * j and tends to 1, so its supremum over j >= k is max(its value at k, 1);
 * the better of the two pairings is taken.  Unlike the "settled" test
 * below it does not wait for k to pass the parameters, which matters when
 * one of them is huge (BG/NBD models with a, b -> infinity).
 */
static inline double
PositiveRatioBound(double a, double b, double c, double z, double k)
{
	double		p1 = Max((a + k) / (c + k), 1.0) * Max((b + k) / (1.0 + k), 1.0);
	double		p2 = Max((b + k) / (c + k), 1.0) * Max((a + k) / (1.0 + k), 1.0);

	return z * Min(p1, p2);
}

/*
 * Is the series summed, after a term "term" (the k-th, from its ratio
 * "ratio") and a sum "sum": are the remaining terms below 1e-17 of the
 * sum?  Either the terms have settled (k past the parameters, so that the
 * ratios decrease towards z from here on: the tail is below term * rmax /
 * (1 - rmax), rmax = max(|ratio|, z)), or, for a series of positive terms,
 * the ratios from here on are below PositiveRatioBound < 1.
 */
static inline bool
SeriesDone(double a, double b, double c, double z, long k, double ratio,
		   double term, double sum)
{
	if (term == 0.0)
		return true;
	if (k > fabs(a) + fabs(b) + fabs(c) + 2.0 && fabs(ratio) < 1.0)
		return fabs(term) <= 1e-17 * fabs(sum) * (1.0 - Max(fabs(ratio), z));
	if (a > 0 && b > 0 && c > 0)
	{
		double		R = PositiveRatioBound(a, b, c, z, k + 1.0);

		return R < 1.0 && term <= 1e-17 * sum * (1.0 - R);
	}
	return false;
}

/*
 * Sum the series 2F1(a, b; c; z) = sum_k (a)_k (b)_k / ((c)_k k!) z^k,
 * 0 <= z < 1, with at most maxterms terms.
 *
 * The running sum is kept as sum * 2^(scale) so that series whose value
 * overflows a double (2F1 grows like (1 - z)^(c - a - b) near z = 1) still
 * give their logarithm.  Summation stops once the bound of the remaining
 * terms is below 1e-17 of the sum (SeriesDone).
 */
static bool
Hyp2F1Series(double a, double b, double c, double z, long maxterms,
			 double *logabs, int *sign)
{
	double		term = 1.0;
	double		sum = 1.0;
	double		logscale = 0.0;
	long		k;

	for (k = 0; k < maxterms; k++)
	{
		double		ratio;

		if (fabs(c + k) < 1e-13)
			return false;		/* pole of 2F1 at c = 0, -1, ... */
		ratio = (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
		term *= ratio;
		sum += term;
		if (fabs(sum) > 1e280 || fabs(term) > 1e280)
		{
			sum = ldexp(sum, -900);
			term = ldexp(term, -900);
			logscale += 900.0 * M_LN2;
		}
		if (SeriesDone(a, b, c, z, k, ratio, term, sum))
			break;
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

/* ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b), a, b > 0 */
double
clv_lbeta(double a, double b)
{
	return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/*
 * The power series of 2F1(a, b; c; z_j) at n points 0 <= z_0 <= ... <=
 * z_{n-1} < 1 at once: tails[j] = 2F1(a, b; c; z_j) - 1 = sum_{k >= 1}
 * (a)_k (b)_k / ((c)_k k!) z_j^k.  The coefficients are computed once for
 * all points (one division per term instead of one per term and point),
 * which is what makes a path of horizons cheap.  The k-th term at z_j is
 * at most the one at z_{n-1} in absolute value, so the points leave the
 * loop in order, each once its own series is summed as in Hyp2F1Series
 * (SeriesDone).  Plain double arithmetic: returns false, and the caller
 * evaluates each point with clv_log_hyp2f1, when a term exceeds 1e280, c +
 * k is a pole or the series needs more than 100000 terms.
 */
bool
clv_hyp2f1_tails(double a, double b, double c, int n, const double *z,
				 double *tails)
{
	double		term[CLV_MAX_PATH];
	int			lo = 0;
	int			j;
	long		k;

	Assert(n >= 0 && n <= CLV_MAX_PATH);
	for (j = 0; j < n; j++)
	{
		if (!(z[j] >= 0.0 && z[j] < 1.0) || (j > 0 && z[j] < z[j - 1]))
			return false;
		term[j] = 1.0;
		tails[j] = 0.0;
	}
	while (lo < n && z[lo] == 0.0)
		lo++;
	for (k = 0; lo < n; k++)
	{
		double		coef;

		if (k >= 100000L || fabs(c + k) < 1e-13)
			return false;
		coef = (a + k) * (b + k) / ((c + k) * (k + 1));
		for (j = lo; j < n; j++)
		{
			term[j] *= coef * z[j];
			tails[j] += term[j];
		}
		if (!(fabs(term[n - 1]) <= 1e280))
			return false;
		/* drop the summed points with the smallest z */
		while (lo < n && SeriesDone(a, b, c, z[lo], k, coef * z[lo], term[lo], 1.0 + tails[lo]))
			lo++;
	}
	return true;
}

/*
 * The negative binomial distribution of the number of purchases N(t) in
 * (0, t] of the NBD model (a Poisson rate lambda ~ gamma(r, alpha)):
 *	 P(N(t) = n) = Gamma(r+n) / (Gamma(r) n!) w^r z^n,
 *	 z = t / (alpha + t), w = alpha / (alpha + t) = 1 - z
 * (Fader, Hardie & Lee 2005, eq. 3, and their note 004).  Logarithm; w and
 * z are given separately so that neither loses precision.
 */
double
clv_nbd_log_pmf(double r, double z, double w, double n)
{
	if (z == 0.0)
		return (n == 0.0) ? 0.0 : -INFINITY;
	return lgamma(r + n) - lgamma(r) - lgamma(n + 1.0) + r * log(w) + n * log(z);
}

/*
 * P(N(t) >= n) of the same distribution: 1 - sum_{j < n} P(N(t) = j) when
 * that sum is at most 1/2, else the upper tail sum_{j >= n} P(N(t) = j)
 * directly (positive terms, so that a small probability keeps its
 * relative precision).  The terms follow from P(j+1) = P(j) (r+j)/(j+1) z.
 */
double
clv_nbd_sf(double r, double z, double w, double n)
{
	double		lp;
	double		head = 0.0;
	double		j;

	if (n <= 0.0)
		return 1.0;
	if (z == 0.0)
		return 0.0;
	lp = r * log(w);			/* log P(N = 0) */
	for (j = 0.0; j < n; j += 1.0)
	{
		head += exp(lp);
		lp += log((r + j) / (j + 1.0) * z);
		if (fmod(j, 65536.0) == 65535.0)
			CHECK_FOR_INTERRUPTS();
	}
	if (head <= 0.5)
		return 1.0 - head;

	/* lp is log P(N = n) now: sum the tail */
	{
		double		tail = 0.0;
		double		term = exp(lp);
		double		mode = Max(0.0, (r - 1.0) * z / w);

		for (j = n; j < n + 1e8; j += 1.0)
		{
			tail += term;
			if (term == 0.0 ||
				(j > mode && term <= 1e-17 * tail * w))
				return Min(tail, 1.0);
			term *= (r + j) / (j + 1.0) * z;
			if (fmod(j, 65536.0) == 65535.0)
				CHECK_FOR_INTERRUPTS();
		}
	}
	return Max(1.0 - head, 0.0);
}
