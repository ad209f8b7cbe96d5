#!/usr/bin/python3
"""Reference plans and losses of POT's unbalanced Sinkhorn for lib/ot's tests.

Run with Debian's python3 and python3-pot 0.8.2 (make setup-pot):

    /usr/bin/python3 lib/ot/testdata/gen_unbalanced.py > lib/ot/testdata/unbalanced_pot.json

(`go test ./lib/ot -run UnbalancedPOT -update` does the same.) The test
TestUnbalancedMatchesPOTLive runs this script again and compares the Go graph
with its live output.

The problems are one padded batch [b, n, m] of costs in [0, 2] with boolean
masks, as lib/distill builds them: real tokens first, then padding. POT has no
masks, so each problem is solved on its real block only (uniform weights
a = 1/|I|, b = 1/|J| over the real tokens, as lib/ot uses) and the plan is
padded back with zeros. Padded cost entries hold large values (7) that must be
ignored.

For each (reg, reg_m, iterations) case:
  plan = ot.sinkhorn_unbalanced(a, b, M, reg, reg_m, method='sinkhorn',
                                numItermax=iterations, stopThr=0)
  loss = ot.sinkhorn_unbalanced2(...) with the same arguments (<plan, M>_F,
         computed by POT's own einsum)
stopThr=0 disables early stopping (POT stops when err < stopThr), so both
run exactly `iterations` iterations of POT 0.8.2's update
  u = (a / K v) ** (reg_m / (reg_m + reg)),  v = (b / K^T u) ** (same),
from v = 1/|J|, K = exp(-M / reg).
"""
import json
import sys
import warnings

import numpy as np
import ot

B, N, M = 4, 6, 5
# Real lengths (|I|, |J|) per problem: full, both padded, one document token,
# one query token.
LENGTHS = [(6, 5), (4, 3), (5, 1), (1, 4)]
PAD_COST = 7.0
# (reg, reg_m, iterations): entropic epsilon, marginal relaxation tau.
CASES = [
    (0.05, 0.1, 30),
    (0.05, 1.0, 30),
    (0.1, 0.5, 100),
    (0.1, 10.0, 100),
    (0.5, 0.05, 10),
    (0.2, 1.0, 1000),  # converged
    (0.1, 1e6, 500),   # reg_m -> large: the balanced plan
]


def problems():
    rng = np.random.default_rng(16)
    cost = np.full((B, N, M), PAD_COST)
    xm = np.zeros((B, N), dtype=bool)
    ym = np.zeros((B, M), dtype=bool)
    for k, (nx, ny) in enumerate(LENGTHS):
        cost[k, :nx, :ny] = 2 * rng.random((nx, ny))
        xm[k, :nx] = True
        ym[k, :ny] = True
    return cost, xm, ym


def main():
    cost, xm, ym = problems()
    out = {
        "generator": "lib/ot/testdata/gen_unbalanced.py",
        "pot_version": ot.__version__,
        "numpy_version": np.__version__,
        "b": B, "n": N, "m": M,
        "cost": cost.ravel().tolist(),
        "x_mask": xm.ravel().tolist(),
        "y_mask": ym.ravel().tolist(),
        "cases": [],
    }
    for reg, reg_m, iters in CASES:
        plan = np.zeros((B, N, M))
        loss = np.zeros(B)
        for k, (nx, ny) in enumerate(LENGTHS):
            a = np.full(nx, 1.0 / nx)
            b = np.full(ny, 1.0 / ny)
            mk = np.ascontiguousarray(cost[k, :nx, :ny])
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a numerical-error warning would mean POT stopped early
                p = ot.sinkhorn_unbalanced(a, b, mk, reg, reg_m, method="sinkhorn",
                                           numItermax=iters, stopThr=0.0)
                l2 = ot.sinkhorn_unbalanced2(a, b, mk, reg, reg_m, method="sinkhorn",
                                             numItermax=iters, stopThr=0.0)
            plan[k, :nx, :ny] = p
            loss[k] = float(np.asarray(l2).ravel()[0])
        out["cases"].append({"reg": reg, "reg_m": reg_m, "iterations": iters,
                             "plan": plan.ravel().tolist(), "loss": loss.tolist()})
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
