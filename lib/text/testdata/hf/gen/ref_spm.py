"""SentencePiece references for the XLM-R-style fixture: a module for
golden.py and a command for the live cross-check (lib/text/live_test.go):

    python3 ref_spm.py FIXTURE_DIR SENTENCES_JSON > out.json

prints, for every sentence of SENTENCES_JSON ({"cases": [{"name", "text"}]})
and the sentencepiece.bpe.model and tokenizer.json of FIXTURE_DIR,

  "spm": what transformers' XLMRobertaTokenizer makes of sentencepiece.bpe.model
      with Debian's python3-sentencepiece: special-token literals split out,
      SentencePiece on each chunk, ids moved to the fairseq dictionary
      (<s>=0 <pad>=1 </s>=2 <unk>=3, piece i at i+1, <mask> last);
  "hf": the tokenizer.json pipeline of HuggingFace tokenizers
      (XLMRobertaConverter: Precompiled + Replace(" {2,}", " "), Metaspace,
      Unigram, <s> $A </s>): the Precompiled normaliser is SentencePiece's own
      charsmap (a copy of the model without its white-space handling), Replace
      and Metaspace follow tokenizers' definitions, and each word is segmented
      over tokenizer.json's vocabulary by HFUnigram below, tokenizers'
      Unigram::encode_optimized in double precision. (SentencePiece's own
      Viterbi keeps path scores in single precision and so breaks some exact
      ties the other way, e.g. "zzz" as zz+z where tokenizers gives z+zz;
      "viterbi_differs" counts the words where it does.);
  "hf_normalized": the normaliser output of that pipeline for the whole text.
"""
import json
import os
import re
import sys

import sentencepiece as spm

import proto

# White_Space (Unicode PropList), which Rust's regex \s means.
WHITE_SPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | \
    {chr(c) for c in range(0x2000, 0x200B)}


class HFUnigram:
    """tokenizers' Unigram (models/unigram/model.rs, encode_optimized): the
    best path over byte offsets, pieces tried shortest first, a later
    candidate wins only if strictly better, an unknown character scores
    min(score) - 10, consecutive unknowns fuse into one token."""

    def __init__(self, vocab, unk_id):
        self.pieces = [p for p, _ in vocab]
        self.scores = [float(s) for _, s in vocab]
        self.ids = {}
        for i, p in enumerate(self.pieces):
            self.ids[p.encode()] = i  # a repeated piece keeps its last id
        self.unk_id = unk_id
        self.unk_score = min(self.scores) - 10.0
        self.maxlen = max(len(k) for k in self.ids)

    def encode(self, s):
        b = s.encode()
        n = len(b)
        best = [None] * (n + 1)  # (score, start, id)
        best[0] = (0.0, 0, -1)
        pos = 0
        while pos < n:
            mblen = len(b[pos:].decode("utf-8", "ignore")[:1].encode()) or 1
            here = best[pos][0]
            single = False
            for l in range(1, min(self.maxlen, n - pos) + 1):
                i = self.ids.get(b[pos:pos + l])
                if i is None:
                    continue
                cand = here + self.scores[i]
                t = best[pos + l]
                if t is None or cand > t[0]:
                    best[pos + l] = (cand, pos, i)
                if l == mblen:
                    single = True
            if not single:
                cand = here + self.unk_score
                t = best[pos + mblen]
                if t is None or cand > t[0]:
                    best[pos + mblen] = (cand, pos, self.unk_id)
            pos += mblen
        out = []  # (token, id), backwards
        end = n
        while end > 0:
            _, start, i = best[end]
            tok = b[start:end].decode()
            if i == self.unk_id and out and out[-1][1] == self.unk_id:
                out[-1] = (tok + out[-1][0], i)
            else:
                out.append((tok, i))
            end = start
        return out[::-1]


class Refs:
    def __init__(self, model, tokenizer_json=None):
        self.sp = spm.SentencePieceProcessor(model_proto=model)
        # The charsmap rules alone: no dummy prefix, no white-space removal
        # or escaping. The concatenated pieces of an encoding are the
        # normalised text (unknown stretches come back as their own text).
        self.sp_chars = spm.SentencePieceProcessor(model_proto=proto.with_normalizer(
            model, add_dummy_prefix=False, remove_extra_whitespaces=False, escape_whitespaces=False))
        # The Viterbi alone: identity normalisation.
        self.sp_viterbi = spm.SentencePieceProcessor(model_proto=proto.with_normalizer(
            model, name="identity", charsmap=b"", add_dummy_prefix=False, remove_extra_whitespaces=False,
            escape_whitespaces=False))
        self.special = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": self.sp.get_piece_size() + 1}
        if tokenizer_json is not None:
            m = tokenizer_json["model"]
            self.hf_unigram = HFUnigram(m["vocab"], m["unk_id"])
        self.viterbi_differs = 0

    @staticmethod
    def fairseq(spm_id):
        """XLMRobertaTokenizer._convert_token_to_id: spm id + 1, <unk> -> 3."""
        return spm_id + 1 if spm_id else 3

    def split_special(self, text):
        """Leftmost-longest split on the special tokens; <mask> strips the
        white space on its left (lstrip). Returns [(text, special_id or None)]."""
        out, start, i = [], 0, 0
        order = sorted(self.special, key=len, reverse=True)
        while i < len(text):
            match = next((t for t in order if text.startswith(t, i)), None)
            if not match:
                i += 1
                continue
            left = text[start:i]
            if match == "<mask>":
                while left and left[-1] in WHITE_SPACE:
                    left = left[:-1]
            if left:
                out.append((left, None))
            out.append((match, self.special[match]))
            i += len(match)
            start = i
        if start < len(text):
            out.append((text[start:], None))
        return out

    def encode_spm(self, text):
        ids, toks = [0], ["<s>"]
        for chunk, sid in self.split_special(text):
            if sid is not None:
                ids.append(sid)
                toks.append(chunk)
                continue
            for p, i in zip(self.sp.encode(chunk, out_type=str), self.sp.encode(chunk)):
                ids.append(self.fairseq(i))
                toks.append(p)
        return ids + [2], toks + ["</s>"]

    def hf_normalize(self, chunk):
        """Sequence[Precompiled(charsmap), Replace(" {2,}", " ")]."""
        return re.sub(" {2,}", " ", "".join(self.sp_chars.encode(chunk, out_type=str)))

    @staticmethod
    def metaspace(s):
        """Metaspace(replacement "▁", prepend_scheme always, split true)."""
        if not s:
            return []
        s = s.replace(" ", "\u2581")
        if not s.startswith("\u2581"):
            s = "\u2581" + s
        return [w for w in re.split("(?=\u2581)", s) if w]

    def encode_hf(self, text):
        ids, toks = [0], ["<s>"]
        for chunk, sid in self.split_special(text):
            if sid is not None:
                ids.append(sid)
                toks.append(chunk)
                continue
            for w in self.metaspace(self.hf_normalize(chunk)):
                got = self.hf_unigram.encode(w)
                sp = [(p, self.fairseq(i)) for p, i in zip(self.sp_viterbi.encode(w, out_type=str), self.sp_viterbi.encode(w))]
                self.viterbi_differs += got != sp
                for p, i in got:
                    ids.append(i)
                    toks.append(p)
        return ids + [2], toks + ["</s>"]


def load(fixture):
    model = open(os.path.join(fixture, "sentencepiece.bpe.model"), "rb").read()
    tok = json.load(open(os.path.join(fixture, "tokenizer.json"), encoding="utf-8"))
    return Refs(model, tok)


def main():
    refs = load(sys.argv[1])
    cases = json.load(open(sys.argv[2], encoding="utf-8"))["cases"]
    out = {"reference": "python3-sentencepiece " + spm.__version__, "spm": [], "hf": [], "hf_normalized": []}
    for c in cases:
        ids, toks = refs.encode_spm(c["text"])
        out["spm"].append({"name": c["name"], "ids": ids, "tokens": toks})
        ids, toks = refs.encode_hf(c["text"])
        out["hf"].append({"name": c["name"], "ids": ids, "tokens": toks})
        out["hf_normalized"].append(refs.hf_normalize(c["text"]))
    out["viterbi_differs"] = refs.viterbi_differs
    json.dump(out, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
