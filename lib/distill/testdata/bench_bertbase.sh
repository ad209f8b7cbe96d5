#!/usr/bin/env bash
# One OT-distillation training step of a BERT-base-size student (batch
# 16 x 64, teacher vectors as input, Adam): otclir (BenchmarkBERTBaseOTStep)
# and PyTorch (bertbase_step.py, 2 threads then 1), interleaved, ROUNDS times,
# in one session, STEPS timed steps each after one warm-up step. Run from the
# repository root (make bench-bertbase):
#
#   bash lib/distill/testdata/bench_bertbase.sh [ROUNDS] [STEPS]
#
# Needs Debian's python3-torch (make setup-torch) and, for PyTorch's best
# case, an optimised BLAS (libopenblas0-pthread). Each side needs ~5 GB.
set -euo pipefail
cd "$(dirname "$0")/../../.."
rounds=${1:-2}
steps=${2:-1}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go test -c -o "$bin/distill.test" ./lib/distill
for r in $(seq "$rounds"); do
	printf '# round %d (%s UTC, load %s)\n' "$r" "$(date -u +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg)"
	(cd lib/distill && "$bin/distill.test" -test.run '^$' -test.bench 'BERTBaseOTStep' -test.benchtime "${steps}x" | grep -E '^Benchmark')
	/usr/bin/python3 lib/distill/testdata/bertbase_step.py bench --threads 2 --steps "$steps"
	/usr/bin/python3 lib/distill/testdata/bertbase_step.py bench --threads 1 --steps "$steps"
done
