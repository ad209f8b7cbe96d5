#!/usr/bin/python3
"""PyTorch peer of BenchmarkBERTBaseOTStep (lib/distill/bertbase_test.go).

Run with Debian's python3 (make setup-torch; libopenblas0-pthread for a fast
BLAS), from the repository root or anywhere:

    /usr/bin/python3 lib/distill/testdata/bertbase_step.py bench [--threads N] [--steps N]
    /usr/bin/python3 lib/distill/testdata/bertbase_step.py parity MODEL_DIR IN.json OUT.json STEPS

bench: one OT-distillation training step of a BERT-base-size student
(12 layers, hidden 768, 12 heads, FFN 3072, mBERT's vocabulary of 119,547,
512 positions, ColBERT's 128-d projection without bias, L2-normalised;
random weights as transformers initialises them: N(0, 0.02), zero biases,
unit LayerNorm gains) on 16 x 64 token ids (row r has 32 + 7r mod 33 real
tokens) against 16 x 64 precomputed teacher vectors (row r: 32 + (11r + 5)
mod 33 real ones, random unit vectors). The forward pass is lib/bert's
PyTorch reference (lib/bert/testdata/hfref.py: transformers' eager BertModel,
dropout off). Loss: mean over the batch of <P, C>, C = 1 - s t^T, P = the
log-domain Sinkhorn plan of lib/ot.Sinkhorn (eps 0.05, 20 iterations, one
Exp pass per iteration) under no_grad. Adam: lr 1e-4, betas (0.9, 0.999),
eps 1e-8. --threads N (default 2) sizes torch's intra-op pool and
OpenBLAS's. Prints steps/s, CPU seconds per step (all threads) and the peak
RSS of the process (ru_maxrss) in the format of `go test -bench`.

parity: loads MODEL_DIR (written by lib/bert's Model.Save) and the batch of
IN.json (written by TestBERTOTStepMatchesPyTorch), trains STEPS steps as
above and writes {"Losses": [...]}: each step's loss before its update.
"""
import importlib.util
import json
import math
import os
import resource
import sys
import time

BATCH, LENGTH, T_LENGTH, PROJ = 16, 64, 64, 128  # bbBatch, bbLength, bbTeacher, bbProj
EPSILON, ITERS = 0.05, 20                         # lib/ot.DefaultEpsilon, DefaultIterations
LR, ADAM_EPS = 1e-4, 1e-8                         # bbLR, bbAdamEps
CFG = {"model_type": "bert", "vocab_size": 119547, "hidden_size": 768, "num_hidden_layers": 12,
       "num_attention_heads": 12, "intermediate_size": 3072, "max_position_embeddings": 512,
       "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0}


def flag(args, name, default):
    return int(args[args.index(name) + 1]) if name in args else default


if len(sys.argv) > 1 and sys.argv[1] == "bench":
    # OpenBLAS keeps a pool of its own that torch.set_num_threads does not
    # size: fix both before torch loads it (as lib/bert/testdata/bench_torch.py).
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(flag(sys.argv, "--threads", 2))

import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bert", "testdata"))
import hfref  # noqa: E402


# lib/ot.Sinkhorn as the reference step's peer writes it (bench_torch.py, in
# this folder, with the same EPSILON and ITERS).
# Loaded by path: lib/bert/testdata, first on sys.path for hfref, has a
# bench_torch.py of its own.
_spec = importlib.util.spec_from_file_location(
    "distill_bench_torch", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_torch.py"))
_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ref)
assert (_ref.EPSILON, _ref.ITERS) == (EPSILON, ITERS), "bench_torch.py's Sinkhorn settings differ"
sinkhorn = _ref.sinkhorn


def ot_loss(cfg, w, ids, mask, t, tmask):
    """distill.StudentLoss(LossOT): mean_b <P_b, C_b>, C = 1 - s t^T, P under no_grad."""
    s = hfref.project(w, hfref.forward(cfg, w, ids, mask)[-1])
    cost = 1 - torch.bmm(s, t.transpose(1, 2))
    with torch.no_grad():
        plan = sinkhorn(cost.detach(), mask.bool(), tmask.bool())
    return (cost * plan).sum((1, 2)).mean()


def trainer(cfg, w):
    params = [p.requires_grad_() for p in w.values()]
    opt = torch.optim.Adam(params, lr=LR, betas=(0.9, 0.999), eps=ADAM_EPS)

    def step(ids, mask, t, tmask):
        opt.zero_grad(set_to_none=True)
        loss = ot_loss(cfg, w, ids, mask, t, tmask)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def init_weights(cfg, seed):
    """BertPreTrainedModel._init_weights, plus ColBERT's linear.weight."""
    g = torch.Generator().manual_seed(seed)
    d, f = cfg["hidden_size"], cfg["intermediate_size"]
    n = lambda *s: torch.randn(*s, generator=g) * 0.02  # noqa: E731
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
    w["linear.weight"] = n(PROJ, d)
    return w


def bench_inputs(seed):
    """The batch of newBERTStepInputs: same masks, other random values."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.zeros(BATCH, LENGTH, dtype=torch.int64)
    mask = torch.zeros(BATCH, LENGTH, dtype=torch.int64)
    t = torch.zeros(BATCH, T_LENGTH, PROJ)
    tmask = torch.zeros(BATCH, T_LENGTH, dtype=torch.int64)
    for r in range(BATCH):
        ns = LENGTH // 2 + (7 * r) % (LENGTH // 2 + 1)       # bbStudentLen
        nt = T_LENGTH // 2 + (11 * r + 5) % (T_LENGTH // 2 + 1)  # bbTeacherLen
        ids[r, :ns] = torch.randint(1, CFG["vocab_size"], (ns,), generator=g)
        mask[r, :ns] = 1
        t[r, :nt] = torch.nn.functional.normalize(torch.randn(nt, PROJ, generator=g), dim=-1)
        tmask[r, :nt] = 1
    return ids, mask, t, tmask


def cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def bench(args):
    threads, steps = flag(args, "--threads", 2), flag(args, "--steps", 3)
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    step = trainer(CFG, init_weights(CFG, 1))
    inputs = bench_inputs(2)
    loss = step(*inputs)  # warm-up
    t0, c0 = time.perf_counter(), cpu_seconds()
    for _ in range(steps):
        loss = step(*inputs)
    el, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    if not math.isfinite(loss):
        sys.exit("bertbase_step.py: loss %r" % loss)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("torch %s, threads %d (process: %d)" % (torch.__version__, threads, len(os.listdir("/proc/self/task"))))
    print("BenchmarkTorchBERTBaseOTStep/mbert/batch=%d/len=%d/threads=%d\t%d\t%.0f ns/op\t%.4f steps/s\t%.2f cpu-s/op\t%.0f peakRSS-MiB"
          % (BATCH, LENGTH, threads, steps, el / steps * 1e9, steps / el, cpu / steps, peak), flush=True)


def parity(model_dir, in_path, out_path, steps):
    torch.set_num_threads(1)
    cfg, w = hfref.load_model(model_dir)
    with open(in_path) as f:
        j = json.load(f)
    b, n, m, d = j["Batch"], j["Length"], j["TLength"], j["Dim"]
    ids = torch.tensor(j["IDs"], dtype=torch.int64).view(b, n)
    mask = torch.tensor(j["Mask"], dtype=torch.int64).view(b, n)
    t = torch.tensor(j["TVecs"], dtype=torch.float32).view(b, m, d)
    tmask = torch.tensor(j["TMask"], dtype=torch.int64).view(b, m)
    step = trainer(cfg, w)
    losses = [step(ids, mask, t, tmask) for _ in range(steps)]
    with open(out_path, "w") as f:
        json.dump({"Losses": losses}, f)


def main(argv):
    if len(argv) > 1 and argv[1] == "bench":
        bench(argv[2:])
    elif len(argv) == 6 and argv[1] == "parity":
        parity(argv[2], argv[3], argv[4], int(argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
