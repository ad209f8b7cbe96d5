#!/usr/bin/python3
"""PyTorch peer of BenchmarkForward (lib/bert/bench_test.go).

Run with Debian's python3 (apt-get install -y python3-torch; PyTorch's
Debian build uses the system BLAS: install libopenblas0-pthread, or it runs
the reference BLAS at a few GFLOP/s):

    /usr/bin/python3 lib/bert/testdata/bench_torch.py [--threads N] [--runs N]

--threads N (default 2) sizes both torch's intra-op pool and OpenBLAS's.

A BERT-base-size encoder (12 layers, hidden 768, 12 heads, FFN 3072, random
weights initialised as BertPreTrainedModel: N(0, 0.02), zero biases, unit
LayerNorm gains), the forward pass of hfref.forward (transformers' eager
BertModel, dropout off) under torch.inference_mode(), on a batch of 32 x 128
random token ids without padding. It prints tokens/s and CPU seconds per
pass (all threads) in the format of `go test -bench`, the peak RSS of the
process (ru_maxrss) and the BLAS library torch loaded.
"""
import os
import resource
import sys
import time


def flag(name, default):
    args = sys.argv[1:]
    return int(args[args.index(name) + 1]) if name in args else default


THREADS, RUNS = flag("--threads", 2), flag("--runs", 3)
# OpenBLAS keeps a pool of its own (one thread per core) that
# torch.set_num_threads does not size: fix both before torch loads it.
os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(THREADS)

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hfref  # noqa: E402

BATCH, LENGTH = 32, 128
CFG = {"model_type": "bert", "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12,
       "num_attention_heads": 12, "intermediate_size": 3072, "max_position_embeddings": 512,
       "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0}


def weights(cfg, seed):
    g = torch.Generator().manual_seed(seed)
    d, f = cfg["hidden_size"], cfg["intermediate_size"]
    n = lambda *s: torch.randn(*s, generator=g) * 0.02
    w = {"embeddings.word_embeddings.weight": n(cfg["vocab_size"], d),
         "embeddings.position_embeddings.weight": n(cfg["max_position_embeddings"], d),
         "embeddings.token_type_embeddings.weight": n(cfg["type_vocab_size"], d),
         "embeddings.LayerNorm.weight": torch.ones(d), "embeddings.LayerNorm.bias": torch.zeros(d)}
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        for name, (o, k) in [("attention.self.query", (d, d)), ("attention.self.key", (d, d)),
                             ("attention.self.value", (d, d)), ("attention.output.dense", (d, d)),
                             ("intermediate.dense", (f, d)), ("output.dense", (d, f))]:
            w[p + name + ".weight"] = n(o, k)
            w[p + name + ".bias"] = torch.zeros(o)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"] = torch.ones(d)
            w[p + ln + ".bias"] = torch.zeros(d)
    return w


def cpu_seconds():
    """User + system CPU time of the process, all threads (BLAS's included)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def blas():
    with open("/proc/self/maps") as f:
        libs = {os.path.basename(l.split()[-1]) for l in f if "blas" in l.lower()}
    return ",".join(sorted(libs)) or "none"


def main():
    threads, runs = THREADS, RUNS
    torch.set_num_threads(threads)
    w = weights(CFG, 1)
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(1, CFG["vocab_size"], (BATCH, LENGTH), generator=g)
    mask = torch.ones(BATCH, LENGTH, dtype=torch.int64)
    with torch.inference_mode():
        hfref.forward(CFG, w, ids, mask)  # warm-up
        t, cpu = time.perf_counter(), cpu_seconds()
        for _ in range(runs):
            hfref.forward(CFG, w, ids, mask)
        el, cpu = time.perf_counter() - t, cpu_seconds() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("torch %s, threads %d (process: %d), BLAS %s" % (torch.__version__, threads,
                                                         len(os.listdir("/proc/self/task")), blas()))
    print("BenchmarkTorchForward/base/batch=%d/len=%d\t%d\t%.0f ns/op\t%.1f tokens/s\t%.2f cpu-s/op\t%.0f peakRSS-MiB"
          % (BATCH, LENGTH, runs, el / runs * 1e9, BATCH * LENGTH * runs / el, cpu / runs, peak), flush=True)


if __name__ == "__main__":
    main()
