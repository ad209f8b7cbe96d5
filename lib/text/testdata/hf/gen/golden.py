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
  xlmr-unigram-spm.json  Debian python3-sentencepiece on sentencepiece.bpe.model
      as transformers' XLMRobertaTokenizer uses it (ref_spm.py).
  xlmr-unigram.json  the tokenizer.json pipeline of HuggingFace tokenizers
      composed from SentencePiece's own parts (ref_spm.py). tokenizers.js's
      encoding is recorded beside it; its Precompiled normaliser only
      approximates the charsmap (NFKC plus fixed replacements), so it must
      agree exactly on every sentence where its normaliser output is the
      charsmap's, and the file says where it does not.
"""
import json
import os
import sys

import sentencepiece as spm

import ref_spm

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

refs = ref_spm.Refs(open(os.path.join(hf, "xlmr-unigram", "sentencepiece.bpe.model"), "rb").read())
spm_ref = "python3-sentencepiece %s (Debian), ids as transformers' XLMRobertaTokenizer maps them" % spm.__version__
hf_ref = ("HuggingFace tokenizers' pipeline composed from python3-sentencepiece %s: charsmap, Replace, "
          "Metaspace, Viterbi" % spm.__version__)
spm_cases, hf_cases = [], []
agree = disagree = 0
for s, js in zip(sentences, tokjs["tokenizers"]["xlmr-unigram"]):
    assert s["name"] == js["name"]
    ids, toks = refs.encode_spm(s["text"])
    spm_cases.append({"name": s["name"], "text": s["text"], "ids": ids, "tokens": toks, "reference": spm_ref})
    ids, toks = refs.encode_hf(s["text"])
    exact = js["normalized"] == refs.hf_normalize(s["text"])
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
