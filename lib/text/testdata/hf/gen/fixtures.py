"""Builds the three fixture tokenizers of lib/text/testdata/hf from real text.

    python3 fixtures.py CORPUS_DIR HF_DIR

CORPUS_DIR is corpus.go's output (UDHR of every language of lib/data's table
plus Chinese, Japanese, Korean; CLDR English emoji annotations). Writes

  bert-uncased/  vocab.txt, tokenizer.json, tokenizer_config.json,
                 special_tokens_map.json: a BERT-style uncased WordPiece
                 (BertNormalizer lowercase + strip accents, BertPreTokenizer,
                 WordPiece "##", TemplateProcessing [CLS] $A [SEP]).
  mbert-cased/   the same files for a cased multilingual WordPiece
                 (do_lower_case false, tokenize_chinese_chars, BertProcessing).
  xlmr-unigram/  sentencepiece.bpe.model trained by SentencePiece (Unigram,
                 nmt_nfkc, no byte fallback, fixed seed, one thread) and the
                 tokenizer.json that transformers' XLMRobertaConverter makes
                 of it, written here by hand.

The WordPiece vocabularies are not trained by a WordPiece trainer (none
installs here): they are the specials, every character seen at least twice
(word-initial and "##" forms), then the word prefixes and word-internal
substrings with the largest count x (length - 1), ties by string. Only the
vocabulary is built this way; the golden encodings come from the reference
tokenizers (see golden.py).
"""
import base64
import collections
import glob
import io
import json
import os
import sys
import unicodedata

import sentencepiece as spm

import proto


def is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Co")


def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B920 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def bert_words(text, lower, strip):
    """BERT basic tokenisation, for counting words only."""
    text = "".join(" " if ch.isspace() else ch for ch in text
                   if not (ord(ch) == 0 or ord(ch) == 0xFFFD or is_control(ch)))
    text = "".join(" %s " % c if is_cjk(ord(c)) else c for c in text)
    if strip:
        text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    if lower:
        text = text.lower()
    words = []
    for w in text.split():
        cur = ""
        for c in w:
            if is_punct(c):
                if cur:
                    words.append(cur)
                    cur = ""
                words.append(c)
            else:
                cur += c
        if cur:
            words.append(cur)
    return words


SPECIALS = ["[PAD]"] + ["[unused%d]" % i for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def wordpiece_vocab(lines, lower, strip, size):
    counts = collections.Counter()
    for line in lines:
        counts.update(bert_words(line, lower, strip))
    chars = collections.Counter()
    inner = collections.Counter()
    cand = collections.Counter()
    for w, c in counts.items():
        chars[w[0]] += c
        for ch in w[1:]:
            inner[ch] += c
        for k in range(2, min(len(w), 14) + 1):
            cand[w[:k]] += c * (k - 1)
        for i in range(1, len(w)):
            for j in range(i + 2, min(len(w), i + 8) + 1):
                cand["##" + w[i:j]] += c * (j - i - 1)
    vocab = list(SPECIALS)
    seen = set(vocab)
    for ch in sorted(chars):
        if chars[ch] >= 2 and ch not in seen:
            vocab.append(ch)
            seen.add(ch)
    for ch in sorted(inner):
        if inner[ch] >= 2 and "##" + ch not in seen:
            vocab.append("##" + ch)
            seen.add("##" + ch)
    for tok, _ in sorted(cand.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(vocab) >= size:
            break
        if tok not in seen:
            vocab.append(tok)
            seen.add(tok)
    return vocab


def dump(path, obj, compact=False):
    with open(path, "w", encoding="utf-8") as f:
        if compact:  # the big tokenizer.json files: one line, as small as it gets
            json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        else:
            json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def added(i, content, lstrip=False, normalized=False):
    return {"id": i, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False,
            "normalized": normalized, "special": True}


def write_bert(out, vocab, lower, post):
    """tokenizer.json as transformers' BertConverter writes it."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "vocab.txt"), "w", encoding="utf-8") as f:
        for t in vocab:
            f.write(t + "\n")
    ids = {t: i for i, t in enumerate(vocab)}
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    if post == "template":
        post_processor = {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        }
    else:
        post_processor = {"type": "BertProcessing", "sep": ["[SEP]", ids["[SEP]"]], "cls": ["[CLS]", ids["[CLS]"]]}
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(ids[t], t) for t in sorted(special, key=ids.get)],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": lower},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": post_processor,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }
    dump(os.path.join(out, "tokenizer.json"), tok, compact=True)
    dump(os.path.join(out, "tokenizer_config.json"), {
        "do_lower_case": lower, "tokenize_chinese_chars": True, "strip_accents": None,
        "model_max_length": 512, "tokenizer_class": "BertTokenizer",
        "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
        "mask_token": "[MASK]"})
    dump(os.path.join(out, "special_tokens_map.json"), {
        "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
        "mask_token": "[MASK]"})


def train_spm(lines, out):
    spm.set_random_generator_seed(20240917)
    m = io.BytesIO()
    # Sentences are passed in, not file names, so that no temporary path
    # ends up in the model's trainer_spec.
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=m, model_type="unigram", vocab_size=4000,
        normalization_rule_name="nmt_nfkc", byte_fallback=False, num_threads=1,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, character_coverage=0.9995,
        input_sentence_size=0, shuffle_input_sentence=False, minloglevel=2)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "sentencepiece.bpe.model"), "wb") as f:
        f.write(m.getvalue())
    return m.getvalue()


def write_xlmr(out, model):
    """tokenizer.json as transformers' XLMRobertaConverter writes it: the
    fairseq vocabulary (<s> <pad> </s> <unk>, pieces 3.. shifted by one,
    <mask> last), Precompiled + Replace(" {2,}", " "), Metaspace, <s> $A </s>."""
    sp = spm.SentencePieceProcessor(model_proto=model)
    charsmap = proto.normalizer_field(model, 2)
    assert charsmap, "nmt_nfkc model without precompiled_charsmap"
    vocab = [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
    vocab += [[sp.id_to_piece(i), sp.get_score(i)] for i in range(3, sp.get_piece_size())]
    vocab += [["<mask>", 0.0]]
    mask = len(vocab) - 1
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(0, "<s>"), added(1, "<pad>"), added(2, "</s>"), added(3, "<unk>"),
                         added(mask, "<mask>", lstrip=True)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode()},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": True, "add_prefix_space": True},
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": False},
    }
    dump(os.path.join(out, "tokenizer.json"), tok, compact=True)
    mask_tok = {"content": "<mask>", "lstrip": True, "normalized": False, "rstrip": False, "single_word": False}
    cfg = {"bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
           "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": mask_tok}
    dump(os.path.join(out, "tokenizer_config.json"),
         dict(cfg, model_max_length=512, tokenizer_class="XLMRobertaTokenizer"))
    dump(os.path.join(out, "special_tokens_map.json"), cfg)


def main():
    corpus, hf = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(corpus, "*.txt")))
    lines = []
    for p in files:
        with open(p, encoding="utf-8") as f:
            lines += f.read().splitlines()
    # uncased: the English-centred BERT; cased: the multilingual one.
    write_bert(os.path.join(hf, "bert-uncased"), wordpiece_vocab(lines, True, True, 3000), True, "template")
    write_bert(os.path.join(hf, "mbert-cased"), wordpiece_vocab(lines, False, False, 6000), False, "bert")
    model = train_spm(lines, os.path.join(hf, "xlmr-unigram"))
    write_xlmr(os.path.join(hf, "xlmr-unigram"), model)


if __name__ == "__main__":
    main()
