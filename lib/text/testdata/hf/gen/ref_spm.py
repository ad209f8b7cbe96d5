"""SentencePiece references for the XLM-R-style fixture: a module for
golden.py and a command for the live cross-check (lib/text/live_test.go):

    python3 ref_spm.py MODEL_FILE SENTENCES_JSON > out.json

prints, for every sentence of SENTENCES_JSON ({"cases": [{"name", "text"}]}),

  "spm": what transformers' XLMRobertaTokenizer makes of sentencepiece.bpe.model
      with Debian's python3-sentencepiece: special-token literals split out,
      SentencePiece on each chunk, ids moved to the fairseq dictionary
      (<s>=0 <pad>=1 </s>=2 <unk>=3, piece i at i+1, <mask> last);
  "hf": the tokenizer.json pipeline of HuggingFace tokenizers
      (XLMRobertaConverter: Precompiled + Replace(" {2,}", " "), Metaspace,
      Unigram, <s> $A </s>) composed from SentencePiece's own parts: the
      Precompiled normaliser is SentencePiece's charsmap (a copy of the model
      without its white-space handling), Replace and Metaspace follow
      tokenizers' definitions, and each word is segmented by SentencePiece's
      Viterbi (a copy of the model with identity normalisation);
  "hf_normalized": the normaliser output of that pipeline for the whole text.
"""
import json
import re
import sys

import sentencepiece as spm

import proto

# White_Space (Unicode PropList), which Rust's regex \s means.
WHITE_SPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | \
    {chr(c) for c in range(0x2000, 0x200B)}


class Refs:
    def __init__(self, model):
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
                for p, i in zip(self.sp_viterbi.encode(w, out_type=str), self.sp_viterbi.encode(w)):
                    ids.append(self.fairseq(i))
                    toks.append(p)
        return ids + [2], toks + ["</s>"]


def main():
    refs = Refs(open(sys.argv[1], "rb").read())
    cases = json.load(open(sys.argv[2], encoding="utf-8"))["cases"]
    out = {"reference": "python3-sentencepiece " + spm.__version__, "spm": [], "hf": [], "hf_normalized": []}
    for c in cases:
        ids, toks = refs.encode_spm(c["text"])
        out["spm"].append({"name": c["name"], "ids": ids, "tokens": toks})
        ids, toks = refs.encode_hf(c["text"])
        out["hf"].append({"name": c["name"], "ids": ids, "tokens": toks})
        out["hf_normalized"].append(refs.hf_normalize(c["text"]))
    json.dump(out, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
