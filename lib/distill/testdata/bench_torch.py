#!/usr/bin/python3
"""PyTorch peer of BenchmarkReferenceStep (lib/distill/bench_test.go).

Run with Debian's python3 (apt-get install -y python3-torch):

    /usr/bin/python3 lib/distill/testdata/bench_torch.py

Reference workload of the issue "Train at the CPU's speed": teacher and
student are token embedding (vocabulary 1,000) + learned positions (length
32), LayerNorm, 2 post-LN transformer layers (d=128, 4 heads, FFN 256, GELU),
a bias-free projection to 128 and L2 normalisation (padding zeroed), as
lib/encoder.Encode. Loss: log-domain Sinkhorn OT (uniform marginals over
real tokens, cost 1 - cos, eps=0.05, 20 iterations of lib/ot's one-exp
update, plan under no_grad) + in-batch MaxSim cross-entropy (temperature
0.5, weight 1). Adam, lr 1e-3. torch.set_num_threads(2).

Two variants per batch size:
  teacher-in-step: the frozen teacher encodes its tokens under no_grad inside
                   every step (what the issue asks the PyTorch peer to do);
  targets-input:   the teacher's vectors are computed once and fed to every
                   step, as lib/distill.TrainStudent and the Go benchmark do.
It prints steps/s in the format of `go test -bench` and the peak RSS of the
process (ru_maxrss, so it covers every case run before it). With --matmul it
prints instead the float32 1024x1024x1024 matrix-product rate (GFLOP/s);
--threads N sets torch's thread count (default 2).
"""
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F

VOCAB, LENGTH, MIN_LEN = 1000, 32, 8  # as refVocab, refLen, refMinLen in bench_test.go
DIM, LAYERS, HEADS, FFN, OUT = 128, 2, 4, 256, 128
EPSILON, ITERS, TAU, W_MAXSIM, LR = 0.05, 20, 0.5, 1.0, 1e-3
PAD, UNK = 0, 1  # lib/text.PadID, UnkID
MIN_SECONDS, MIN_STEPS = 3.0, 5


class Layer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = torch.nn.Linear(DIM, 3 * DIM)
        self.out = torch.nn.Linear(DIM, DIM)
        self.norm1 = torch.nn.LayerNorm(DIM)
        self.ffn_in = torch.nn.Linear(DIM, FFN)
        self.ffn_out = torch.nn.Linear(FFN, DIM)
        self.norm2 = torch.nn.LayerNorm(DIM)

    def forward(self, x, mask):
        b, l, _ = x.shape
        q, k, v = self.qkv(x).view(b, l, 3, HEADS, DIM // HEADS).permute(2, 0, 3, 1, 4)
        logits = q @ k.transpose(-1, -2) / math.sqrt(DIM // HEADS)  # [b,h,l,l]
        logits = logits.masked_fill(~mask[:, None, None, :], -1e9)
        att = (logits.softmax(-1) @ v).transpose(1, 2).reshape(b, l, DIM)
        x = self.norm1(x + self.out(att))
        return self.norm2(x + self.ffn_out(F.gelu(self.ffn_in(x))))


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = torch.nn.Embedding(VOCAB, DIM)
        self.positions = torch.nn.Embedding(LENGTH, DIM)
        self.norm = torch.nn.LayerNorm(DIM)
        self.layers = torch.nn.ModuleList([Layer() for _ in range(LAYERS)])
        self.proj = torch.nn.Linear(DIM, OUT, bias=False)
        for p in self.parameters():  # lib/encoder: N(0, 0.02) weights
            if p.dim() > 1:
                torch.nn.init.normal_(p, std=0.02)

    def forward(self, ids):
        mask = ids != PAD
        pos = torch.arange(ids.shape[1]).expand_as(ids)
        x = self.norm(self.tokens(ids) + self.positions(pos))
        for layer in self.layers:
            x = layer(x, mask)
        y = F.normalize(self.proj(x), dim=-1, eps=1e-6)
        return y * mask[..., None], mask


def sinkhorn(cost, xm, ym):
    """lib/ot.Sinkhorn: log-domain, one Exp pass per iteration."""
    pairs = xm[:, :, None] & ym[:, None, :]
    k = torch.where(pairs, -cost / EPSILON, torch.full_like(cost, -1e9))
    nx = xm.sum(1, keepdim=True).clamp(min=1).to(cost.dtype)
    ny = ym.sum(1, keepdim=True).clamp(min=1).to(cost.dtype)
    log_a = torch.where(xm, -nx.log().expand_as(xm), torch.zeros_like(nx).expand_as(xm))
    log_b = torch.where(ym, -ny.log().expand_as(ym), torch.zeros_like(ny).expand_as(ym))
    a = xm.to(cost.dtype) / nx
    v = torch.zeros_like(log_b)
    for _ in range(ITERS):
        y = k + v[:, None, :]
        mm = y.amax(2)
        p_hat = (y - mm[:, :, None]).exp()
        r_hat = p_hat.sum(2)
        u = torch.where(xm, log_a - mm - r_hat.log(), torch.zeros_like(mm))
        s = torch.einsum("bnm,bn->bm", p_hat, a / r_hat)
        v = torch.where(ym, v + log_b - s.clamp(min=2.0 ** -126).log(), torch.zeros_like(v))
    logits = k + u[:, :, None] + v[:, None, :]
    return torch.where(pairs, logits, torch.full_like(logits, -1e9)).exp()


def student_loss(s, sm, t, tm):
    cost = 1 - s @ t.transpose(1, 2)  # [b,n,m]
    with torch.no_grad():
        plan = sinkhorn(cost.detach(), sm, tm)
    ot_loss = (cost * plan).sum((1, 2)).mean()
    sim = torch.einsum("aid,bjd->abij", s, t)
    sim = sim.masked_fill(~tm[None, :, None, :], -1e4)
    best = sim.amax(-1)  # [B,B,Lq]
    qm = sm[:, None, :].to(best.dtype)
    scores = (best * qm).sum(-1) / qm.sum(-1).clamp(min=1)
    ce = F.cross_entropy(scores / TAU, torch.arange(s.shape[0]))
    return ot_loss + W_MAXSIM * ce


def random_tokens(gen, batch):
    ids = torch.zeros(batch, LENGTH, dtype=torch.long)
    for r in range(batch):
        n = int(torch.randint(MIN_LEN, LENGTH + 1, (1,), generator=gen))
        ids[r, :n] = torch.randint(UNK + 1, VOCAB, (n,), generator=gen)
    return ids


def bench(batch, teacher_in_step):
    gen = torch.Generator().manual_seed(batch)
    student, teacher = Encoder(), Encoder()
    teacher.requires_grad_(False)
    s_ids, t_ids = random_tokens(gen, batch), random_tokens(gen, batch)
    with torch.no_grad():
        targets = teacher(t_ids)
    opt = torch.optim.Adam(student.parameters(), lr=LR)

    def step():
        if teacher_in_step:
            with torch.no_grad():
                t, tm = teacher(t_ids)
        else:
            t, tm = targets
        s, sm = student(s_ids)
        loss = student_loss(s, sm, t, tm)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return float(loss)

    for _ in range(2):  # warm-up
        step()
    n, start = 0, time.perf_counter()
    while n < MIN_STEPS or time.perf_counter() - start < MIN_SECONDS:
        loss = step()
        n += 1
    el = time.perf_counter() - start
    if not math.isfinite(loss):
        sys.exit(f"bench_torch.py: non-finite loss {loss} at batch {batch}")
    name = "teacher-in-step" if teacher_in_step else "targets-input"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"BenchmarkTorchReferenceStep/{name}/batch={batch}\t{n}\t{el / n * 1e9:.0f} ns/op"
          f"\t{n / el:.3f} steps/s\t{peak:.1f} peakRSS-MiB", flush=True)


def matmul_rate(n=1024):
    """float32 n x n x n matrix product in GFLOP/s (2 n^3 flops): the
    machine's rate through PyTorch's BLAS, to compare with
    lib/retrieval.BenchmarkSgemm1024 and lib/fastgrad.BenchmarkMatmulRate."""
    x, y = torch.randn(n, n), torch.randn(n, n)
    x @ y
    reps, start = 0, time.perf_counter()
    while reps < 5 or time.perf_counter() - start < 1.0:
        x @ y
        reps += 1
    el = time.perf_counter() - start
    print(f"BenchmarkTorchMatmul{n}\t{reps}\t{el / reps * 1e9:.0f} ns/op\t{2 * n ** 3 * reps / el / 1e9:.2f} GFLOP/s",
          flush=True)


def main():
    # --threads N overrides the 2 threads of the issue: with other processes
    # on the 2 cores, 2 OpenMP threads can run many times slower than 1.
    threads = 2
    if "--threads" in sys.argv[1:]:
        threads = int(sys.argv[sys.argv.index("--threads") + 1])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}", flush=True)
    if "--matmul" in sys.argv[1:]:
        matmul_rate()
        return
    for batch in (16, 32):
        for teacher_in_step in (False, True):
            bench(batch, teacher_in_step)


if __name__ == "__main__":
    main()
