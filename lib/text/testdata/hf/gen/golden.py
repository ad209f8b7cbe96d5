"""Writes the golden encodings (lib/text/testdata/hf/golden/*.json).

    python3 golden.py HF_DIR TOKJS_JSON

TOKJS_JSON is ref_tokjs.mjs's output. Four golden files, one per fixture and
source file, every sentence of sentences.json with ids and tokens:

  bert-uncased.json, mbert-cased.json  tokenizers.js on tokenizer.json (the
      same encodings are expected from vocab.txt alone). Where tokenizers.js
      is known to differ from the HuggingFace tokenizers library it mirrors
      (KNOWN_TOKJS_BUGS), the golden is derived by hand from tokenizers'
      Rust source instead, and the generator checks that tokenizers.js still
      differs in the way described.
  xlmr-unigram-spm.json  Debian python3-sentencepiece on sentencepiece.bpe.model,
      ids moved to the fairseq dictionary the way transformers'
      XLMRobertaTokenizer does, special-token literals split out first.
  xlmr-unigram.json  the tokenizer.json pipeline of HuggingFace tokenizers
      composed from SentencePiece's own parts: the Precompiled normaliser is
      SentencePiece's charsmap (a copy of the model without white-space
      handling), Replace(" {2,}", " ") and Metaspace follow tokenizers'
      definitions, and each word is segmented by SentencePiece's Viterbi (a
      copy of the model with identity normalisation). tokenizers.js's
      encoding is recorded beside it; its Precompiled normaliser only
      approximates the charsmap (NFKC plus fixed replacements), so it must
      agree exactly on every sentence where its normaliser output is the
      charsmap's, and the file says where it does not.
"""
import json
import os
import re
import sys

import sentencepiece as spm

import proto

hf, tokjs_path = sys.argv[1], sys.argv[2]
sentences = json.load(open(os.path.join(hf, "sentences.json"), encoding="utf-8"))["cases"]
tokjs = json.load(open(tokjs_path, encoding="utf-8"))
failures = []


def write(name, obj):
    os.makedirs(os.path.join(hf, "golden"), exist_ok=True)
    with open(os.path.join(hf, "golden", name), "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=True, indent=1)
        f.write("\n")


# ---------------------------------------------------------------- WordPiece

# tokenizers.js 0.2.0 walks BertNormalizer's handle_chinese_chars over UTF-16
# code units, so ideographs outside the BMP (extension B, U+20000..) get no
# spaces; tokenizers (normalizers/bert.rs, is_chinese_char) pads
# 0x20000..0x2A6DF like the BMP blocks. Derivation for "\U00020000\U00020001
# \U0002a6a5": each ideograph becomes its own word; none is in either
# vocabulary, so each is one [UNK].
KNOWN_TOKJS_BUGS = {
    ("bert-uncased", "astral_cjk"): (["[CLS]", "[UNK]", "[UNK]", "[UNK]", "[SEP]"],
                                     "tokenizers.js does not pad astral CJK ideographs"),
    ("mbert-cased", "astral_cjk"): (["[CLS]", "[UNK]", "[UNK]", "[UNK]", "[SEP]"],
                                    "tokenizers.js does not pad astral CJK ideographs"),
}

for name in ["bert-uncased", "mbert-cased"]:
    vocab = [l.rstrip("\n") for l in open(os.path.join(hf, name, "vocab.txt"), encoding="utf-8")]
    ids = {t: i for i, t in enumerate(vocab)}
    cases = []
    for s, js in zip(sentences, tokjs["tokenizers"][name]):
        assert s["name"] == js["name"]
        c = {"name": s["name"], "text": s["text"], "ids": js["ids"], "tokens": js["tokens"],
             "reference": tokjs["reference"]}
        bug = KNOWN_TOKJS_BUGS.get((name, s["name"]))
        if bug:
            want, why = bug
            if js["tokens"] == want:
                failures.append("%s %s: tokenizers.js no longer differs (%s)" % (name, s["name"], why))
            c.update(ids=[ids[t] for t in want], tokens=want,
                     reference="derived by hand from tokenizers' Rust source: " + why,
                     tokenizers_js={"ids": js["ids"], "tokens": js["tokens"]})
        cases.append(c)
    write(name + ".json", {"tokenizer": name, "cases": cases})

# ---------------------------------------------------------------- Unigram

model = open(os.path.join(hf, "xlmr-unigram", "sentencepiece.bpe.model"), "rb").read()
sp = spm.SentencePieceProcessor(model_proto=model)
# SentencePiece's charsmap rules alone: no dummy prefix, no white-space
# removal or escaping. The concatenated pieces of an encoding are the
# normalised text (unknown stretches come back as their own text).
sp_chars = spm.SentencePieceProcessor(model_proto=proto.with_normalizer(
    model, add_dummy_prefix=False, remove_extra_whitespaces=False, escape_whitespaces=False))
# SentencePiece's Viterbi alone: identity normalisation.
sp_viterbi = spm.SentencePieceProcessor(model_proto=proto.with_normalizer(
    model, name="identity", charsmap=b"", add_dummy_prefix=False, remove_extra_whitespaces=False,
    escape_whitespaces=False))
n_spm = sp.get_piece_size()
SPECIAL = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": n_spm + 1}
# White_Space (Unicode PropList), which Rust's regex \s means.
WHITE_SPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | \
    {chr(c) for c in range(0x2000, 0x200B)}


def fairseq(spm_id):
    """XLMRobertaTokenizer._convert_token_to_id: spm id + 1, <unk> -> 3."""
    return spm_id + 1 if spm_id else 3


def split_special(text):
    """Leftmost-longest split on the special tokens; <mask> strips the white
    space on its left (lstrip). Returns [(text, special_id or None)]."""
    out, start, i = [], 0, 0
    while i < len(text):
        match = None
        for tok in sorted(SPECIAL, key=len, reverse=True):
            if text.startswith(tok, i):
                match = tok
                break
        if not match:
            i += 1
            continue
        left = text[start:i]
        if match == "<mask>":
            while left and left[-1] in WHITE_SPACE:
                left = left[:-1]
        if left:
            out.append((left, None))
        out.append((match, SPECIAL[match]))
        i += len(match)
        start = i
    if start < len(text):
        out.append((text[start:], None))
    return out


def encode_spm(text):
    """XLMRobertaTokenizer (slow): SentencePiece per chunk between specials."""
    ids, toks = [0], ["<s>"]
    for chunk, sid in split_special(text):
        if sid is not None:
            ids.append(sid)
            toks.append(chunk)
            continue
        for p, i in zip(sp.encode(chunk, out_type=str), sp.encode(chunk)):
            ids.append(fairseq(i))
            toks.append(p)
    return ids + [2], toks + ["</s>"]


def hf_normalize(chunk):
    """Sequence[Precompiled(charsmap), Replace(" {2,}", " ")]."""
    return re.sub(" {2,}", " ", "".join(sp_chars.encode(chunk, out_type=str)))


def metaspace(s):
    """Metaspace(replacement "▁", prepend_scheme always, split true)."""
    if not s:
        return []
    s = s.replace(" ", "\u2581")
    if not s.startswith("\u2581"):
        s = "\u2581" + s
    return [w for w in re.split("(?=\u2581)", s) if w]


def encode_hf(text):
    ids, toks = [0], ["<s>"]
    for chunk, sid in split_special(text):
        if sid is not None:
            ids.append(sid)
            toks.append(chunk)
            continue
        for w in metaspace(hf_normalize(chunk)):
            for p, i in zip(sp_viterbi.encode(w, out_type=str), sp_viterbi.encode(w)):
                ids.append(fairseq(i))
                toks.append(p)
    return ids + [2], toks + ["</s>"]


spm_ref = "python3-sentencepiece %s (Debian), ids as transformers' XLMRobertaTokenizer maps them" % spm.__version__
hf_ref = ("HuggingFace tokenizers' pipeline composed from python3-sentencepiece %s: charsmap, Replace, "
          "Metaspace, Viterbi" % spm.__version__)
spm_cases, hf_cases = [], []
agree = disagree = 0
for s, js in zip(sentences, tokjs["tokenizers"]["xlmr-unigram"]):
    assert s["name"] == js["name"]
    ids, toks = encode_spm(s["text"])
    spm_cases.append({"name": s["name"], "text": s["text"], "ids": ids, "tokens": toks, "reference": spm_ref})
    ids, toks = encode_hf(s["text"])
    exact = js["normalized"] == hf_normalize(s["text"])
    c = {"name": s["name"], "text": s["text"], "ids": ids, "tokens": toks, "reference": hf_ref,
         "tokenizers_js": {"ids": js["ids"], "tokens": js["tokens"], "normalizer_exact": exact}}
    same = js["ids"] == ids and js["tokens"] == toks
    if exact and not same:
        failures.append("xlmr-unigram %s: tokenizers.js normalises alike but encodes %s, want %s"
                        % (s["name"], js["tokens"], toks))
    agree += same
    disagree += not same
    hf_cases.append(c)
write("xlmr-unigram-spm.json", {"tokenizer": "xlmr-unigram", "source": "sentencepiece.bpe.model",
                                "cases": spm_cases})
write("xlmr-unigram.json", {"tokenizer": "xlmr-unigram", "source": "tokenizer.json",
                            "tokenizers_js_agrees": agree, "tokenizers_js_differs": disagree,
                            "cases": hf_cases})
print("xlmr-unigram tokenizer.json: tokenizers.js agrees on %d of %d sentences" % (agree, agree + disagree))
if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
