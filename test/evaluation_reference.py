#!/usr/bin/env python3
# test/evaluation_reference.py: an independent reference for clv's holdout
# evaluation (sql/install/45_evaluation.sql), run by
# test/stages/87_evaluation.sh.  Standard library only.
#
# It reads the CDNOW sample in lifetimes' own format (CDNOW_sample.txt,
# whitespace separated: master id, sample id, yyyymmdd, CDs, dollars; the
# SQL side reads our re-encoding cdnow_sample_orders.csv), computes what
# lifetimes computes, and compares it with clv's rows read from stdin (CSV
# with a header).  Exit status 0 when every row agrees, 1 otherwise.
#
#   evaluation_reference.py summary CAL HOLD UNIT < rows
#       lifetimes.utils.calibration_and_holdout_data(transactions, 'id',
#       'date', CAL, HOLD, freq='D', freq_multiplier=u,
#       monetary_value_col='value') (lifetimes 0.11.3), u = 1 ('day') or 7
#       ('week'), rewritten here from its definition: calibration = rows on
#       or before CAL summarised as summary_data_from_transaction_data does
#       (same-day rows are one purchase whose value is their sum; the first
#       purchase day is not counted; T and recency in units of u days);
#       holdout = rows in (CAL, HOLD], frequency_holdout = their distinct
#       days, monetary_value_holdout the mean over these *rows* (not over
#       the days: holdout_transactions.groupby(id)[value].mean());
#       duration_holdout = (HOLD - CAL) / u.  Every column must agree for
#       every customer: counts and float columns exactly, monetary values
#       (exact fractions here) to the last digit clv prints (clv's numeric
#       is the exact mean rounded to its scale).  The customers whose row
#       mean is not their mean per holdout purchase day (two rows on one
#       holdout day) are counted, to show that the case is exercised.
#   evaluation_reference.py tracking CAL HOLD UNIT PERIOD MODEL P1 P2 P3 P4 < rows
#       (MODEL bgnbd, mbgnbd or pareto_nbd with its four parameters r alpha
#       a b, or r alpha s beta) the tracking curve as lifetimes.utils.
#       expected_cumulative_transactions(model, transactions, 'date', 'id',
#       t, freq='D', freq_multiplier=m) computes it (m = 1 or 7 days per
#       period), restricted to the customers first seen on or before CAL:
#       with S the earliest first purchase day and c_j = S + j m, the actual
#       cumulative repeat purchases at point j are the repeat purchase days
#       before c_j, the expected ones sum_i E[X((c_j - D0_i) / u)] over the
#       customers with D0_i < c_j, E[X(t)] the closed form of a new
#       customer (BG/NBD: Fader, Hardie & Lee 2005, eq. 9; MBG/NBD: Batislam,
#       Denizel & Filiztekin 2007; Pareto/NBD: Fader & Hardie 2005, note
#       009, eq. 9) with 2F1 summed as its
#       plain power series (math.fsum) -- clv sums it in scaled arithmetic
#       with transformations near z = 1.  Points j = 1 .. floor((HOLD + 1 -
#       S) / m).  Expected values must agree to 1e-9 relative.
import csv
import datetime
import math
import os
import sys
from fractions import Fraction

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
datadir = os.environ.get('CLV_DATA_DIR', os.path.join(root, '..', 'shared', 'data'))


def read_cdnow():
    """rows (customer, date, value as Fraction) of CDNOW_sample.txt"""
    rows = []
    with open(os.path.join(datadir, 'CDNOW_sample.txt')) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            d = parts[2]
            rows.append((int(parts[1]),
                         datetime.date(int(d[:4]), int(d[4:6]), int(d[6:8])),
                         Fraction(parts[4])))
    return rows


def day(s):
    return datetime.date.fromisoformat(s)


def unit_days(u):
    return {'day': 1, 'week': 7}[u]


def summary(cal, hold, u):
    """lifetimes' calibration_and_holdout_data, per customer"""
    rows = read_cdnow()
    # calibration: summary_data_from_transaction_data over rows <= cal
    per_day = {}
    for c, d, v in rows:
        if d <= cal:
            per_day.setdefault(c, {}).setdefault(d, Fraction(0))
            per_day[c][d] += v
    out = {}
    for c, days in per_day.items():
        ds = sorted(days)
        k = len(ds) - 1
        rec = (ds[-1] - ds[0]).days / u
        t = (cal - ds[0]).days / u
        mv = sum(days[d] for d in ds[1:]) / k if k > 0 else Fraction(0)
        out[c] = dict(frequency_cal=k, recency_cal=rec, t_cal=t, monetary_value_cal=mv,
                      frequency_holdout=0, monetary_value_holdout=Fraction(0),
                      duration_holdout=(hold - cal).days / u)
    # holdout: rows in (cal, hold] of the calibration customers (a left join)
    hold_rows = {}
    for c, d, v in rows:
        if cal < d <= hold and c in out:
            hold_rows.setdefault(c, []).append((d, v))
    for c, hr in hold_rows.items():
        days = {}
        for d, v in hr:
            days[d] = days.get(d, Fraction(0)) + v
        o = out[c]
        o['frequency_holdout'] = len(days)
        o['monetary_value_holdout'] = sum(v for _, v in hr) / len(hr)
        o['mean_per_day_differs'] = o['monetary_value_holdout'] != sum(days.values()) / len(days)
    return out


def same_to_last_digit(text, exact):
    """a decimal as clv prints it equals the exact value rounded to its last digit"""
    scale = len(text.split('.')[1]) if '.' in text else 0
    return abs(Fraction(text) - exact) <= Fraction(1, 2 * 10 ** scale)


def cmp_summary(cal, hold, u):
    ref = summary(cal, hold, u)
    got = list(csv.DictReader(sys.stdin))
    bad = 0
    per_day_differs = []
    seen = set()
    for g in got:
        c = int(g['customer_id'])
        seen.add(c)
        r = ref.get(c)
        if r is None:
            print('customer %d: not in lifetimes\' output' % c)
            bad += 1
            continue
        errs = []
        for col in ('frequency_cal', 'frequency_holdout'):
            if int(g[col]) != r[col]:
                errs.append('%s %s != %s' % (col, g[col], r[col]))
        for col in ('recency_cal', 't_cal', 'duration_holdout'):
            if float(g[col]) != r[col]:
                errs.append('%s %s != %r' % (col, g[col], r[col]))
        for col in ('monetary_value_cal', 'monetary_value_holdout'):
            if not same_to_last_digit(g[col], r[col]):
                errs.append('%s %s != %s' % (col, g[col], r[col]))
        if r.get('mean_per_day_differs'):
            per_day_differs.append(c)
        if errs:
            bad += 1
            if bad <= 20:
                print('customer %d: %s' % (c, '; '.join(errs)))
    for c in sorted(set(ref) - seen):
        print('customer %d: missing' % c)
        bad += 1
    print('%d customers, %d differ from lifetimes\' calibration_and_holdout_data (%s units)'
          % (len(got), bad, 'day' if u == 1 else 'week'))
    print('monetary_value_holdout (mean per holdout row) is not the mean per holdout purchase day '
          'for %d customers with two rows on one holdout day: %s'
          % (len(per_day_differs), ' '.join(map(str, sorted(per_day_differs)[:10]))
             + (' ...' if len(per_day_differs) > 10 else '')))
    return bad == 0 and len(ref) == len(got)


def hyp2f1(a, b, c, z):
    """Gauss 2F1 by its power series, 0 <= z < 1"""
    terms = [1.0]
    term = 1.0
    total = 1.0
    n = 0
    while True:
        term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
        n += 1
        terms.append(term)
        total += term
        if abs(term) < 1e-18 * abs(total) and n > 10:
            break
        if n > 200000:
            raise RuntimeError('2F1 series did not converge')
    return math.fsum(terms)


def bgnbd_expected_new(r, alpha, a, b, t):
    """E[X(t)] of a new BG/NBD customer (FHL 2005 eq. 9)"""
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def mbgnbd_expected_new(r, alpha, a, b, t):
    """E[X(t)] of a new MBG/NBD customer (Batislam, Denizel & Filiztekin 2007)"""
    z = t / (alpha + t)
    return b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, z))


def pareto_nbd_expected_new(r, alpha, s, beta, t):
    """E[X(t)] of a new Pareto/NBD customer (Fader & Hardie 2005, eq. 9)"""
    return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))


EXPECTED_NEW = {'bgnbd': bgnbd_expected_new, 'mbgnbd': mbgnbd_expected_new,
                'pareto_nbd': pareto_nbd_expected_new}


def cmp_tracking(cal, hold, u, m, model, params):
    rows = read_cdnow()
    days = {}
    for c, d, v in rows:
        if d <= hold:
            days.setdefault(c, set()).add(d)
    first = {c: min(ds) for c, ds in days.items() if min(ds) <= cal}
    start = min(first.values())
    repeat_days = sorted(d for c in first for d in days[c] if d > first[c])
    npoints = ((hold - start).days + 1) // m
    expected_cache = {}
    ref = []
    for j in range(1, npoints + 1):
        cut = start + datetime.timedelta(days=j * m)
        actual = sum(1 for d in repeat_days if d < cut)
        terms = []
        for c, d0 in first.items():
            if d0 < cut:
                t = (cut - d0).days / u
                if t not in expected_cache:
                    expected_cache[t] = EXPECTED_NEW[model](*params, t)
                terms.append(expected_cache[t])
        ref.append((j, cut - datetime.timedelta(days=1), actual, math.fsum(terms)))
    got = list(csv.DictReader(sys.stdin))
    bad = 0
    worst = 0.0
    if len(got) != len(ref):
        print('%d points, expected %d' % (len(got), len(ref)))
        bad += 1
    for g, (j, end, actual, expected) in zip(got, ref):
        e = float(g['cumulative_expected_purchases'])
        rel = abs(e - expected) / max(abs(expected), 1e-300)
        worst = max(worst, rel)
        if (int(g['period_number']) != j or day(g['period_end']) != end
                or int(g['cumulative_actual_purchases']) != actual or rel > 1e-9):
            bad += 1
            if bad <= 20:
                print('point %s (%s): actual %s, expected %s; reference %d (%s): %d, %r'
                      % (g['period_number'], g['period_end'], g['cumulative_actual_purchases'],
                         g['cumulative_expected_purchases'], j, end, actual, expected))
    print('%d tracking points, %d differ; largest relative difference of the expected '
          'cumulative repeat purchases %.2g; at the last point (%s) actual %d, expected %.4f'
          % (len(got), bad, worst, ref[-1][1], ref[-1][2], ref[-1][3]))
    return bad == 0


def main():
    mode = sys.argv[1]
    cal, hold, u = day(sys.argv[2]), day(sys.argv[3]), unit_days(sys.argv[4])
    if mode == 'summary':
        ok = cmp_summary(cal, hold, u)
    elif mode == 'tracking':
        m = unit_days(sys.argv[5])
        params = [float(x) for x in sys.argv[7:11]]
        ok = cmp_tracking(cal, hold, u, m, sys.argv[6], params)
    else:
        raise SystemExit('usage: see the header of %s' % sys.argv[0])
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
