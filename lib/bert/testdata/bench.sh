#!/usr/bin/env bash
# BERT-base forward pass, batch 32 x 128: otclir (BenchmarkForward) and
# PyTorch (bench_torch.py, 2 threads then 1), interleaved, ROUNDS times, in one
# session. Run from the repository root:
#
#   bash lib/bert/testdata/bench.sh [ROUNDS]
#
# Needs Debian's python3-torch and, for PyTorch's best case, an optimised BLAS
# (apt-get install -y python3-torch libopenblas0-pthread).
set -euo pipefail
cd "$(dirname "$0")/../../.."
rounds=${1:-2}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go test -c -o "$bin/bert.test" ./lib/bert
for r in $(seq "$rounds"); do
	printf '# round %d (%s UTC, load %s)\n' "$r" "$(date -u +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg)"
	(cd lib/bert && "$bin/bert.test" -test.run '^$' -test.bench 'Forward' -test.benchtime 3x | grep -E '^Benchmark')
	/usr/bin/python3 lib/bert/testdata/bench_torch.py --threads 2 --runs 3
	/usr/bin/python3 lib/bert/testdata/bench_torch.py --threads 1 --runs 3
done
