"""Throughput of python3-sentencepiece on the texts of BenchmarkPretrainedEncode
(the UDHR article 1 paragraphs of sentences.json), for comparison with the Go
benchmark in the same session:

    python3 bench_ref.py HF_DIR [SECONDS]

Prints tokens per second of SentencePieceProcessor.encode (ids, C++) on
xlmr-unigram/sentencepiece.bpe.model, best of five runs.
"""
import json
import os
import sys
import time

import sentencepiece as spm

hf = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
texts = [c["text"] for c in json.load(open(os.path.join(hf, "sentences.json"), encoding="utf-8"))["cases"]
         if c["name"].startswith("udhr_art1_")]
sp = spm.SentencePieceProcessor(model_file=os.path.join(hf, "xlmr-unigram", "sentencepiece.bpe.model"))
best = 0.0
for _ in range(5):
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds / 5:
        for s in texts:
            n += len(sp.encode(s)) + 2  # <s> and </s>, as the Go benchmark counts them
    best = max(best, n / (time.perf_counter() - t0))
print("python3-sentencepiece %s sentencepiece.bpe.model: %.0f tokens/s" % (spm.__version__, best))
