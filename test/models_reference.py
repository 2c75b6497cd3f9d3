#!/usr/bin/env python3
# test/models_reference.py: how the reference values in sql/bgnbd.sql, sql/pareto_nbd.sql and
# sql/predict.sql were derived (run once with python3-mpmath; the tests do not need it).
# Reference values for the clv model tests, computed independently with
# mpmath (50 significant digits) from the published formulas.
from mpmath import mp, mpf, hyp2f1, log, exp, gamma
mp.dps = 50

def bg_exp(p, t, x, tx, T):
    r, al, a, b = map(mpf, p); t, x, tx, T = map(mpf, (t, x, tx, T))
    z = t/(al+T+t)
    h = hyp2f1(r+x, b+x, a+b+x-1, z)
    num = (a+b+x-1)/(a-1) * (1 - ((al+T)/(al+T+t))**(r+x) * h)
    den = 1 + (a/(b+x-1))*((al+T)/(al+tx))**(r+x) if x > 0 else 1
    return num/den

def pn_alive(p, x, tx, T):
    r, al, s, be = map(mpf, p); x, tx, T = map(mpf, (x, tx, T))
    if al >= be:
        f = lambda y: hyp2f1(r+s+x, s+1, r+s+x+1, (al-be)/(al+y))/(al+y)**(r+s+x)
    else:
        f = lambda y: hyp2f1(r+s+x, r+x, r+s+x+1, (be-al)/(be+y))/(be+y)**(r+s+x)
    A0 = f(tx) - f(T)
    return 1/(1 + s/(r+s+x)*(al+T)**(r+x)*(be+T)**s*A0)

def pn_exp(p, t, x, tx, T):
    r, al, s, be = map(mpf, p); t, x, tx, T = map(mpf, (t, x, tx, T))
    return (r+x)*(be+T)/((al+T)*(s-1))*(1-((be+T)/(be+T+t))**(s-1))*pn_alive(p, x, tx, T)

def pn_new(p, t):
    r, al, s, be = map(mpf, p); t = mpf(t)
    return r*be/(al*(s-1))*(1-(be/(be+t))**(s-1))

def gg(p, x, m):
    P, q, v = map(mpf, p)
    return P*(v+x*mpf(m))/(P*x+q-1)

def clv(bg, g, x, tx, T, m, months, rate, L, margin=1):
    s = mpf(0)
    for i in range(1, months+1):
        s += (bg_exp(bg, i*L, x, tx, T) - bg_exp(bg, (i-1)*L, x, tx, T)) / (1+mpf(rate))**i if i > 1 else bg_exp(bg, L, x, tx, T)/(1+mpf(rate))
    return margin*gg(g, x, m)*s

M1 = (0.243, 4.414, 0.793, 2.426)
M2 = (2, 10, 3, 5)
M3 = (0.5, 5, 1.00001, 2)
print("BG/NBD M1", M1)
for c in [(39, 2, 30.43, 38.86), (39, 0, 0, 38.86), (10, 10, 35, 38.86), (1, 1, 1.71, 38.86),
          (1000, 3000, 20000, 30000), (100000, 2, 30.43, 38.86), (39, 0, 0, 0), (78, 0, 0, 0)]:
    print(c, mp.nstr(bg_exp(M1, *c), 15))
print("BG/NBD M2", M2)
for c in [(20, 3, 15, 30), (0.5, 0, 0, 30)]:
    print(c, mp.nstr(bg_exp(M2, *c), 15))
print("BG/NBD M3", M3)
for c in [(39, 2, 30.43, 38.86), (39, 0, 0, 0)]:
    print(c, mp.nstr(bg_exp(M3, *c), 15))
P1 = (0.553, 10.578, 0.606, 11.669)
P2 = (0.5, 5, 0.8, 20)
for P in (P1, P2):
    print("Pareto", P)
    for c in [(2, 30.43, 38.86), (0, 0, 38.86), (10, 35, 38.86), (3000, 20000, 30000), (1, 38.86, 38.86)]:
        print(c, "alive", mp.nstr(pn_alive(P, *c), 15), "E39", mp.nstr(pn_exp(P, 39, *c), 15))
    print("new 39", mp.nstr(pn_new(P, 39), 15))
G = (6.25, 3.74, 15.44)
print("clv week", mp.nstr(clv(M1, G, 2, 30.43, 38.86, 22.35, 12, 0.01, mpf('4.345')), 15))
print("clv day", mp.nstr(clv(M1, G, 5, 200, 272, 40, 24, 0.02, 30, mpf('0.3')), 15))
print("extra new 1e7", mp.nstr(bg_exp(M1, 1e7, 0, 0, 0), 15))
print("extra busy 1e6", mp.nstr(bg_exp(M1, 1e6, 3000, 29990, 30000), 15))
print("extra 1e5 x=50", mp.nstr(bg_exp(M1, 1e5, 50, 30, 38.86), 15))
print("extra M2 1e7 x=0", mp.nstr(bg_exp(M2, 1e7, 0, 0, 10), 15))
print("pareto extreme P (0.5, 0.001, 0.8, 50) ", mp.nstr(pn_alive((0.5, 0.001, 0.8, 50), 2, 0.01, 38.86), 15))
