#!/usr/bin/env python3
"""Reference values for experiments/report's sign-flip and Holm tests.

Python 3 standard library only, exact rational arithmetic (fractions), so
ties are decided exactly rather than up to a floating-point tolerance. It
is an implementation independent of the Go code: it enumerates every
assignment of signs to the clusters and recomputes the mean over the
queries from scratch. Run: python3 testdata/signflip_reference.py; the
printed values are copied into significance_test.go.
"""
from fractions import Fraction as F
from itertools import product

# name -> (per-query differences as decimal strings, cluster key per query)
CASES = {
    # lib/eval's hand-worked example: p = 4/16.
    "eval example": (["0.1", "0", "0.2", "0.3"], ["q1", "q2", "q3", "q4"]),
    "six queries, four articles": (["0.3", "0.1", "-0.2", "0.05", "0.4", "-0.1"], ["a1", "a1", "a2", "a3", "a3", "a4"]),
    "six queries, unclustered": (["0.3", "0.1", "-0.2", "0.05", "0.4", "-0.1"], ["q1", "q2", "q3", "q4", "q5", "q6"]),
    "twelve queries, seven articles": (
        ["0.25", "-0.5", "0.125", "0.3", "0", "0.2", "-0.05", "0.6", "0.1", "-0.15", "0.4", "0.35"],
        ["a01", "a01", "a03", "a03", "a03", "a06", "a07", "a07", "a09", "a10", "a11", "a11"]),
    "twelve queries, unclustered": (
        ["0.25", "-0.5", "0.125", "0.3", "0", "0.2", "-0.05", "0.6", "0.1", "-0.15", "0.4", "0.35"],
        [str(i) for i in range(12)]),
}


def exact_p(diffs, keys):
    d = [F(x) for x in diffs]
    clusters = sorted(set(keys))
    observed = abs(sum(d) / len(d))
    extreme = 0
    for signs in product([1, -1], repeat=len(clusters)):
        sign = dict(zip(clusters, signs))
        m = sum(sign[k] * x for k, x in zip(keys, d)) / len(d)
        if abs(m) >= observed:
            extreme += 1
    return F(extreme, 2 ** len(clusters))


# The average over languages: language -> per-query differences (query ids
# shared by the languages: one text translated), as in significance_test.go's
# TestTableSignificanceAverages.
AVERAGE = {
    "swh": {"udhr-a01-p1": "0.3", "udhr-a01-p2": "0.1", "udhr-a02-p1": "-0.1", "udhr-a03-p1": "0.2"},
    "yor": {"udhr-a01-p1": "0.2", "udhr-a01-p2": "0.2", "udhr-a02-p1": "0.1", "udhr-a03-p1": "-0.3"},
    "hau": {"udhr-a01-p1": "0.05", "udhr-a02-p1": "0.25", "udhr-a03-p1": "0.15"},
}


def average_p(langs, key):
    """Statistic: mean over languages of the per-language mean difference;
    units: key(lang, qid); every (lang, qid) of one unit flips together."""
    terms = []  # (unit, weighted difference)
    for lang, qs in langs.items():
        for q, x in qs.items():
            terms.append((key(lang, q), F(x) / len(qs) / len(langs)))
    units = sorted(set(u for u, _ in terms))
    observed = abs(sum(x for _, x in terms))
    extreme = 0
    for signs in product([1, -1], repeat=len(units)):
        sign = dict(zip(units, signs))
        if abs(sum(sign[u] * x for u, x in terms)) >= observed:
            extreme += 1
    return observed, F(extreme, 2 ** len(units))


def holm_reject(p, alpha):
    """Holm (1979) step-down: order p ascending; reject H_(i) while
    p_(i) <= alpha / (m - i + 1) (1-based i); stop at the first failure."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    reject = [False] * len(p)
    for rank, i in enumerate(order):
        if p[i] <= alpha / (len(p) - rank):
            reject[i] = True
        else:
            break
    return reject


if __name__ == "__main__":
    for name, (diffs, keys) in CASES.items():
        p = exact_p(diffs, keys)
        print(f"{name}: p = {p.numerator}/{p.denominator} = {float(p)!r}")
    for name, key in [("language", lambda l, q: l), ("query", lambda l, q: q), ("article", lambda l, q: q.split("-")[1])]:
        d, p = average_p(AVERAGE, key)
        print(f"average by {name}: diff = {d} = {float(d)!r}, p = {p.numerator}/{p.denominator} = {float(p)!r}")
    fam = [F(1, 64), F(1, 16), F(1, 128), F(1, 8)]
    print("holm family", [str(x) for x in fam], "reject at 0.05:", holm_reject(fam, F(1, 20)))
    print("bonferroni family reject at 0.05:", [x * len(fam) < F(1, 20) for x in fam])
