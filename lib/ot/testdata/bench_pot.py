#!/usr/bin/python3
"""Times POT's ot.bregman.sinkhorn_log on the shapes of BenchmarkSinkhorn (lib/ot).

Run with Debian's python3 (apt-get install python3-pot):

    /usr/bin/python3 lib/ot/testdata/bench_pot.py

For each case it solves `batch` independent n x n problems (uniform
marginals, costs uniform in [0, 2], reg = epsilon = 0.05, exactly `iters`
iterations: stopThr=0 disables early stopping) one after another, as POT has
no batched log-domain solver, and prints problems/s in the format of
`go test -bench` so both can be read side by side.
"""
import sys
import time

import numpy as np
import ot
import ot.bregman  # POT 0.8 exports sinkhorn_log only from ot.bregman

CASES = [(32, 32, 20), (32, 64, 20), (32, 32, 100)]  # (batch, n, iters), as in bench_test.go
EPSILON = 0.05  # ot.DefaultEpsilon
MIN_SECONDS = 1.0


def run(batch, n, iters, rng):
    costs = (2 * rng.random((batch, n, n))).astype(np.float32)
    a = np.full(n, 1.0 / n, dtype=np.float32)
    b = np.full(n, 1.0 / n, dtype=np.float32)

    def once():
        for k in range(batch):
            ot.bregman.sinkhorn_log(a, b, costs[k], EPSILON, numItermax=iters, stopThr=0.0)

    once()  # warm-up
    rounds, start = 0, time.perf_counter()
    while True:
        once()
        rounds += 1
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS:
            break
    ns_per_op = elapsed / rounds * 1e9
    print(f"POT/sinkhorn_log/b={batch}/n={n}/iters={iters}\t{rounds}\t{ns_per_op:.0f} ns/op\t"
          f"{batch * rounds / elapsed:.1f} problems/s")


def main():
    print(f"# POT {ot.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")
    rng = np.random.default_rng(1)
    for batch, n, iters in CASES:
        run(batch, n, iters, rng)


if __name__ == "__main__":
    main()
