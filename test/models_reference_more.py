#!/usr/bin/env python3
# test/models_reference_more.py: how the reference values of sql/mbgnbd.sql,
# sql/bgbb.sql, sql/model_parameters.sql, sql/probabilities.sql and the
# Pareto/NBD and MBG/NBD parts of sql/predict.sql were derived.  Run once
# (/usr/bin/python3 test/models_reference_more.py: Debian's python3-scipy,
# python3-numpy and python3-mpmath); the tests do not need it.
#
# Written from the papers' model definitions, independently of clv's C code
# and, where possible, by another route than clv takes:
#  * maximum likelihood with scipy.optimize over the natural parameters
#    (clv: BFGS over log-parameters), standard errors from a central
#    difference Hessian of the total log-likelihood in the natural
#    parameters (clv: the delta method from its log-parameter Hessian);
#  * P(alive), expectations and probabilities of purchase counts by
#    numerical integration (mpmath.quad) over the individual-level
#    quantities (lambda, p, mu, theta) and their posterior given the
#    customer's history, instead of the closed forms with 2F1;
#  * BG/BB by summing over the latent death opportunity.
# Data: ../shared/data (relative to the repository root) or $CLV_DATA_DIR.
import csv
import math
import os
import sys

import numpy as np
from scipy.optimize import minimize
from scipy.integrate import dblquad
from scipy.special import gammaln, betaln, gammainc, hyp2f1

sys.stdout.reconfigure(line_buffering=True)
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
datadir = os.environ.get('CLV_DATA_DIR', os.path.join(root, '..', 'shared', 'data'))


def read_csv(name):
    with open(os.path.join(datadir, name), newline='') as f:
        return list(csv.DictReader(f))


def hessian_se(ll, p, rel=1e-4):
    """SEs sqrt(diag(inv(-H))) of the total log-likelihood ll at p (natural parameters)."""
    p = np.asarray(p, float)
    n = len(p)
    h = rel * p
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            def f(di, dj):
                q = p.copy()
                q[i] += di * h[i]
                q[j] += dj * h[j]
                return ll(q)
            H[i, j] = H[j, i] = (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * h[i] * h[j])
    return np.sqrt(np.diag(np.linalg.inv(-H)))


def fit(ll, start):
    """Maximise ll over positive parameters (Nelder-Mead, then BFGS, in the natural scale)."""
    neg = lambda q: -ll(q) if np.all(q > 0) else np.inf
    r = minimize(neg, start, method='Nelder-Mead', options={'xatol': 1e-10, 'fatol': 1e-10, 'maxiter': 40000, 'maxfev': 40000})
    r = minimize(neg, r.x, method='Nelder-Mead', options={'xatol': 1e-12, 'fatol': 1e-12, 'maxiter': 40000, 'maxfev': 40000})
    return r.x, -r.fun


def show(name, p, llv, se):
    print(name, 'params', ' '.join('%.6g' % v for v in p), 'LL %.4f' % llv)
    print(name, 'se    ', ' '.join('%.6g' % v for v in se))


# ---------------------------------------------------------------- data
cd = read_csv('cdnow_customers_summary.csv')
x = np.array([float(r['frequency']) for r in cd])
tx = np.array([float(r['recency']) for r in cd])
T = np.array([float(r['T']) for r in cd])
mon = read_csv('cdnow_customers_summary_with_transactions.csv')
mx = np.array([float(r['x']) for r in mon])
mz = np.array([float(r['zbar']) for r in mon])
keep = mx > 0
mx, mz = mx[keep], mz[keep]
don = read_csv('donations.csv')
dx = np.array([float(r['frequency']) for r in don])
dtx = np.array([float(r['recency']) for r in don])
dn = np.array([float(r['periods']) for r in don])
dw = np.array([float(r['weights']) for r in don])


# ---------------------------------------------------------------- BG/NBD (FHL 2005 eq. 6)
def bg_ll(q):
    r, a_, a, b = q
    l1 = gammaln(r + x) - gammaln(r) + r * np.log(a_) - (r + x) * np.log(a_ + T) \
        + betaln(a, b + x) - betaln(a, b)
    l2 = gammaln(r + x) - gammaln(r) + r * np.log(a_) - (r + x) * np.log(a_ + tx) \
        + betaln(a + 1, b + x - 1) - betaln(a, b)
    return np.sum(np.where(x > 0, np.logaddexp(l1, np.where(x > 0, l2, -np.inf)), l1))


bg, bgll = fit(bg_ll, [0.25, 4.4, 0.8, 2.4])
show('BG/NBD', bg, bgll, hessian_se(bg_ll, bg))


# ---------------------------------------------------------------- MBG/NBD
# Batislam et al. 2007: dropout chance also right after the first purchase,
#   L = B(a, b+x+1)/B(a,b) NBD-part (alpha+T)^-(r+x) + B(a+1, b+x)/B(a,b) (alpha+t_x)^-(r+x)
def mbg_ll(q):
    r, a_, a, b = q
    c = gammaln(r + x) - gammaln(r) + r * np.log(a_)
    l1 = c - (r + x) * np.log(a_ + T) + betaln(a, b + x + 1) - betaln(a, b)
    l2 = c - (r + x) * np.log(a_ + tx) + betaln(a + 1, b + x) - betaln(a, b)
    return np.sum(np.logaddexp(l1, l2))


mbg, mbgll = fit(mbg_ll, [0.5, 6.0, 0.9, 1.6])
show('MBG/NBD', mbg, mbgll, hessian_se(mbg_ll, mbg))


# ---------------------------------------------------------------- Pareto/NBD
# Fader & Hardie (2005) note 009, eq. 18 (A0 with 2F1; scipy's hyp2f1 at the
# small arguments |alpha-beta|/(max+y) of CDNOW)
def pn_ll(q):
    r, a_, s, b_ = q
    m = max(a_, b_)
    bb = s + 1 if a_ >= b_ else r + x
    z = lambda y: abs(a_ - b_) / (m + y)
    F = lambda y: hyp2f1(r + s + x, bb, r + s + x + 1, z(y)) / (m + y) ** (r + s + x)
    A0 = F(tx) - F(T)
    l = gammaln(r + x) - gammaln(r) + r * np.log(a_) + s * np.log(b_) \
        + np.log((a_ + T) ** -(r + x) * (b_ + T) ** -s + s / (r + s + x) * A0)
    return np.sum(l)


pn, pnll = fit(pn_ll, [0.55, 10.6, 0.6, 11.7])
show('Pareto/NBD', pn, pnll, hessian_se(pn_ll, pn))


# ---------------------------------------------------------------- Gamma-Gamma
# Fader, Hardie & Lee 2005 (JMR), the density of the mean of x transactions
def gg_ll(q):
    p, qq, v = q
    return np.sum(gammaln(p * mx + qq) - gammaln(p * mx) - gammaln(qq) + qq * np.log(v)
                  + (p * mx - 1) * np.log(mz) + p * mx * np.log(mx) - (p * mx + qq) * np.log(mx * mz + v))


gg, ggll = fit(gg_ll, [6.25, 3.74, 15.44])
show('Gamma-Gamma', gg, ggll, hessian_se(gg_ll, gg))


# ---------------------------------------------------------------- BG/BB
# Fader, Hardie & Shang 2010, eq. 5, written as a sum over the opportunity
# at which the customer died (after t_x) or survival through n
def bgbb_ll(q):
    al, be, ga, de = q
    tot = 0.0
    for xi, ti, ni, wi in zip(dx, dtx, dn, dw):
        terms = [betaln(al + xi, be + ni - xi) - betaln(al, be) + betaln(ga, de + ni) - betaln(ga, de)]
        for i in range(int(ni - ti)):
            terms.append(betaln(al + xi, be + ti - xi + i) - betaln(al, be)
                         + betaln(ga + 1, de + ti + i) - betaln(ga, de))
        tot += wi * np.logaddexp.reduce(terms)
    return tot


bb, bbll = fit(bgbb_ll, [1.2, 0.75, 0.66, 2.8])
show('BG/BB', bb, bbll, hessian_se(bgbb_ll, bb))

# ---------------------------------------------------------------- scorers by integration
# Expectations over the mixing distributions by adaptive quadrature
# (scipy.integrate.dblquad, QUADPACK), with substitutions that take away
# the integrable singularities of the densities at the ends (lambda^(r-1)
# with r < 1 and the like), so that the integrands are smooth:
#   lambda ~ gamma(r, rate a):  lambda = w^(1/r), w in [0, inf),
#	   dP = a^r / Gamma(r) exp(-a w^(1/r)) / r dw
#   p ~ beta(a, b): p = v^(1/a) for p < 1/2, 1 - p = v^(1/b) for p > 1/2


def gamma_nodes(r, a, peak=None):
    """[(transform, weight, interval)] for lambda ~ gamma(r, rate a); with
    peak (where the integrand's mass lies, in lambda) the range is cut
    around it, so that the quadrature resolves a sharp posterior"""
    c = math.exp(r * math.log(a) - math.lgamma(r)) / r
    tr = lambda w: w ** (1 / r)
    wt = lambda w: c * math.exp(-a * w ** (1 / r))
    if peak is None:
        return [(tr, wt, (0, math.inf))]
    cuts = [0.0] + [(peak * f) ** r for f in (0.05, 0.3, 0.7, 1.0, 1.5, 3.0, 10.0)] + [math.inf]
    return [(tr, wt, (lo, hi)) for lo, hi in zip(cuts[:-1], cuts[1:])]


def beta_nodes_lo(a, b):
    c = 1 / math.exp(betaln(a, b)) / a
    return (lambda v: v ** (1 / a), lambda v: c * (1 - v ** (1 / a)) ** (b - 1), (0, 0.5 ** a))


def beta_nodes_hi(a, b):
    c = 1 / math.exp(betaln(a, b)) / b
    return (lambda v: 1 - v ** (1 / b), lambda v: c * (1 - v ** (1 / b)) ** (a - 1), (0, 0.5 ** b))


def expect2(f, d1, d2):
    """E[f(u1, u2)] for independent u1 ~ d1, u2 ~ d2 (each a list of (transform, weight, interval))"""
    tot = 0.0
    for t1, w1, i1 in d1:
        for t2, w2, i2 in d2:
            v, err = dblquad(lambda s2, s1: w1(s1) * w2(s2) * f(t1(s1), t2(s2)),
                             i1[0], i1[1], i2[0], i2[1], epsabs=1e-14, epsrel=1e-12)
            tot += v
    return tot


def G(r, a, peak=None):
    return gamma_nodes(r, a, peak)


def B(a, b, fine=False):
    """p ~ beta(a, b); fine: each half cut into 16 pieces (for posteriors
    sharpened by (1-p)^x)"""
    out = []
    for tr, wt, (lo, hi) in (beta_nodes_lo(a, b), beta_nodes_hi(a, b)):
        k = 16 if fine else 1
        cuts = [lo + (hi - lo) * i / k for i in range(k + 1)]
        out += [(tr, wt, (c0, c1)) for c0, c1 in zip(cuts[:-1], cuts[1:])]
    return out


def pe(l, k, t):
    """l^k exp(-l t) without overflow (0 at l = 0 for k > 0)"""
    if l == 0:
        return 1.0 if k == 0 else 0.0
    return math.exp(k * math.log(l) - l * t)


def pois(n, m):
    return math.exp(n * math.log(m) - m - math.lgamma(n + 1)) if m > 0 else (1.0 if n == 0 else 0.0)


def pois_sf(n, m):
    """P(Poisson(m) >= n)"""
    return 1.0 if n == 0 else gammainc(n, m)


def bg_kernel(n, l, p, t):
    """BG/NBD: P(n purchases in t | lambda, p, alive at the start)"""
    v = (1 - p) ** n * pois(n, l * t)
    if n > 0:
        v += p * (1 - p) ** (n - 1) * pois_sf(n, l * t)
    return v


def bgnbd_cond(params, modified, t, n, xx, txx, TT):
    """P(Y(t) = n | x, t_x, T), P(alive), by integration over the posterior of (lambda, p)"""
    r, al, a, b = params
    m = 1 if modified else 0
    alive = lambda l, p: (1 - p) ** (xx + m) * pe(l, xx, TT)
    dead = lambda l, p: 0.0 if (xx == 0 and not modified) else p * (1 - p) ** (xx + m - 1) * pe(l, xx, txx)
    g = G(r, al, (r + xx) / (al + TT))
    bb = B(a, b, xx > 0)
    Z = expect2(lambda l, p: alive(l, p) + dead(l, p), g, bb)
    A = expect2(alive, g, bb)
    P = expect2(lambda l, p: alive(l, p) * bg_kernel(n, l, p, t), g, bb)
    if n == 0:
        P += Z - A
    return P / Z, A / Z


def bgnbd_new_pmf(params, modified, t, n):
    r, al, a, b = params
    if modified:
        # dropout chance at time 0 too
        k = lambda l, p: p * (1 if n == 0 else 0) + (1 - p) * bg_kernel(n, l, p, t)
    else:
        k = lambda l, p: bg_kernel(n, l, p, t)
    return expect2(k, G(r, al), B(a, b))


def mbg_expected_cond(params, t, xx, txx, TT):
    """MBG/NBD E[Y(t) | x, t_x, T]: (1 - e^(-lambda p t))/p for an alive customer"""
    r, al, a, b = params
    alive = lambda l, p: (1 - p) ** (xx + 1) * pe(l, xx, TT)
    dead = lambda l, p: p * (1 - p) ** xx * pe(l, xx, txx)
    g = G(r, al, (r + xx) / (al + TT))
    bb = B(a, b, xx > 0)
    Z = expect2(lambda l, p: alive(l, p) + dead(l, p), g, bb)
    E = expect2(lambda l, p: alive(l, p) * -math.expm1(-l * p * t) / p, g, bb)
    return E / Z


def mbg_expected_new(params, t):
    r, al, a, b = params
    return expect2(lambda l, p: (1 - p) * -math.expm1(-l * p * t) / p, G(r, al), B(a, b))


def pn_kernel(n, l, mu, t):
    """Pareto/NBD: P(n purchases in t | lambda, mu, alive at the start)"""
    # alive through t, or dead at tau < t: int_0^t mu e^(-mu tau) Pois(n; l tau) dtau
    if l + mu == 0:
        return 1.0 if n == 0 else 0.0
    dead = mu / (l + mu) * (l / (l + mu)) ** n * gammainc(n + 1, (l + mu) * t)
    return math.exp(-mu * t) * pois(n, l * t) + dead


def pn_cond(params, t, n, xx, txx, TT, ahead=None):
    """P(Y(t) = n | history), P(alive), P(alive at T + ahead), by integration over (lambda, mu)"""
    r, al, s_, be = params
    alive = lambda l, mu: pe(l, xx, TT) * math.exp(-mu * TT)
    dead = lambda l, mu: 0.0 if l + mu == 0 else pe(l, xx, txx) * mu / (l + mu) * math.exp(-mu * txx) * -math.expm1(-(l + mu) * (TT - txx))
    g = G(r, al, (r + xx) / (al + TT))
    h = G(s_, be, (s_ + 1) / (be + TT))
    Z = expect2(lambda l, mu: alive(l, mu) + dead(l, mu), g, h)
    A = expect2(alive, g, h)
    P = expect2(lambda l, mu: alive(l, mu) * pn_kernel(n, l, mu, t), g, h)
    if n == 0:
        P += Z - A
    out = [P / Z, A / Z]
    if ahead is not None:
        out.append(expect2(lambda l, mu: alive(l, mu) * math.exp(-mu * ahead), g, h) / Z)
    return out


def pn_new_pmf(params, t, n):
    r, al, s_, be = params
    return expect2(lambda l, mu: pn_kernel(n, l, mu, t), G(r, al), G(s_, be))


def bgbb_latent(params, xx, txx, nn, ahead, horizon):
    """BG/BB P(alive at n + ahead), E[X(n, n + horizon)] by integration over (p, theta)"""
    al, be, ga, de = params

    def lik(p, th):
        v = p ** xx * (1 - p) ** (nn - xx) * (1 - th) ** nn
        for i in range(int(nn - txx)):
            # alive for t_x + i opportunities, died at the start of the next one
            v += p ** xx * (1 - p) ** (txx - xx + i) * th * (1 - th) ** (txx + i)
        return v
    alive_n = lambda p, th: p ** xx * (1 - p) ** (nn - xx) * (1 - th) ** nn
    Z = expect2(lik, B(al, be), B(ga, de))
    A = expect2(lambda p, th: alive_n(p, th) * (1 - th) ** ahead, B(al, be), B(ga, de))
    E = expect2(lambda p, th: alive_n(p, th) * sum(p * (1 - th) ** i for i in range(1, horizon + 1)),
                B(al, be), B(ga, de))
    return A / Z, E / Z


def bgbb_new(params, nn, xx):
    """BG/BB P(X(n) = x) and E[X(n)] for a new customer by integration over (p, theta)"""
    al, be, ga, de = params

    def pmf(p, th):
        v = math.comb(nn, xx) * p ** xx * (1 - p) ** (nn - xx) * (1 - th) ** nn
        for i in range(xx, nn):
            v += math.comb(i, xx) * p ** xx * (1 - p) ** (i - xx) * th * (1 - th) ** i
        return v
    P = expect2(pmf, B(al, be), B(ga, de))
    E = expect2(lambda p, th: sum(p * (1 - th) ** i for i in range(1, nn + 1)), B(al, be), B(ga, de))
    return P, E


def s(v):
    return '%.15g' % v


M1 = (0.243, 4.414, 0.793, 2.426)
MB = (0.525, 6.183, 0.891, 1.614)
P1 = (0.553, 10.578, 0.606, 11.669)
P2 = (0.5, 5, 0.8, 20)
BB = (1.204, 0.750, 0.657, 2.783)

print('BG/NBD pmf new (t, n):')
for t, n in [(39, 0), (2, 10), (30, 11), (30, 20), (78, 3)]:
    print(' ', t, n, s(bgnbd_new_pmf(M1, False, t, n)))
print('BG/NBD conditional pmf, P(alive) (t, n, x, t_x, T):')
for c in [(39, 0, 2, 30.43, 38.86), (39, 1, 2, 30.43, 38.86), (39, 3, 10, 35, 38.86), (39, 0, 0, 0, 38.86), (10, 2, 0, 0, 38.86)]:
    print(' ', c, ' '.join(s(v) for v in bgnbd_cond(M1, False, *c)))
print('MBG/NBD pmf new (t, n):')
for t, n in [(39, 0), (39, 2), (10, 1)]:
    print(' ', t, n, s(bgnbd_new_pmf(MB, True, t, n)))
print('MBG/NBD conditional pmf, P(alive) (t, n, x, t_x, T):')
for c in [(39, 0, 2, 30.43, 38.86), (39, 2, 2, 30.43, 38.86), (39, 0, 0, 0, 38.86), (39, 1, 0, 0, 20)]:
    print(' ', c, ' '.join(s(v) for v in bgnbd_cond(MB, True, *c)))
print('MBG/NBD E[Y(t)] (t, x, t_x, T):')
for c in [(39, 2, 30.43, 38.86), (39, 0, 0, 38.86), (10, 10, 35, 38.86)]:
    print(' ', c, s(mbg_expected_cond(MB, *c)))
print('MBG/NBD E[X(t)] new:', s(mbg_expected_new(MB, 39)), s(mbg_expected_new(MB, 78)))
for P in (P1, P2):
    print('Pareto/NBD', P, 'pmf new (t, n):')
    for t, n in [(39, 0), (39, 1), (39, 3), (78, 2)]:
        print(' ', t, n, s(pn_new_pmf(P, t, n)))
    print('Pareto/NBD', P, 'conditional pmf, P(alive), P(alive at T + 39) (t, n, x, t_x, T):')
    for c in [(39, 0, 2, 30.43, 38.86), (39, 2, 2, 30.43, 38.86), (39, 0, 0, 0, 38.86), (52, 5, 10, 35, 38.86)]:
        print(' ', c, ' '.join(s(v) for v in pn_cond(P, *c, ahead=39)))
print('BG/BB P(alive at n + 1), P(alive at n + 3), E[X(n, n + 5)] (x, t_x, n):')
for c in [(0, 0, 6), (2, 4, 6), (6, 6, 6), (3, 3, 6), (1, 1, 6)]:
    a1, e5 = bgbb_latent(BB, *c, 1, 5)
    a3, _ = bgbb_latent(BB, *c, 3, 1)
    print(' ', c, s(a1), s(a3), s(e5))
print('BG/BB new P(X(n) = x), E[X(n)] (n, x):')
for c in [(6, 0), (6, 6), (6, 2), (10, 3)]:
    print(' ', c, ' '.join(s(v) for v in bgbb_new(BB, *c)))
