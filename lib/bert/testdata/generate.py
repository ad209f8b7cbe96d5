"""Deterministic generator of the checkpoint fixtures of lib/bert, lib/pretrained and lib/safetensors.

Run from the repository root with Debian's Python (no network, no pip):

    apt-get install -y python3-torch python3-sentencepiece
    /usr/bin/python3 lib/bert/testdata/generate.py

It rewrites, byte for byte the same on every run (fixed seeds; legacy.bin, whose format
embeds memory addresses, is only written when absent):

  lib/bert/testdata/tiny-bert/               BERT, F32 model.safetensors, "bert." prefix,
                                             plus MLM-head and position_ids tensors the encoder ignores
  lib/bert/testdata/tiny-bert-bin/           the same weights as pytorch_model.bin (torch 1.13 zip),
                                             unprefixed, LayerNorm gamma/beta (the original BERT names)
  lib/bert/testdata/tiny-bert-sharded-bf16/  the same weights rounded to BF16, three shards + index
  lib/bert/testdata/tiny-bert-f16/           the same weights rounded to F16, unprefixed
  lib/bert/testdata/tiny-xlmr/               XLM-RoBERTa, F32, "roberta." prefix, sentencepiece tokenizer
  lib/bert/testdata/tiny-colbert/            BERT + ColBERT linear.weight (16 -> 8, no bias)
  lib/pretrained/testdata/torch-dtypes/      pytorch_model.bin with F32/F16/BF16/F64/I64, strided and
                                             offset views, shared storage; legacy (pre-zip) copy; expected.json
  lib/pretrained/testdata/torch-sharded/     a pytorch_model.bin.index.json with two shards
  lib/pretrained/testdata/not-state-dict.bin a torch.save of a list (error path)
  lib/safetensors/testdata/                  dtypes.safetensors + dtypes.json (torch's F16/BF16 rounding)

Each model directory holds config.json, the weights, the tokenizer files (vocab.txt or
sentencepiece.bpe.model, tokenizer_config.json, special_tokens_map.json), reference.json
(texts, their tokens and ids by the slow HF tokenizers re-implemented in hfref.py) and
reference.safetensors: for an id batch with padding (ids, attention_mask, token_type_ids),
every hidden state hidden.0 (embeddings) .. hidden.N and, for ColBERT, projected; for each
text, text.K.hidden (last hidden state of the text run alone) and text.K.projected.
All references come from hfref.forward in float32; the generator checks them against a
float64 run of the same forward.
"""

import io
import json
import os
import shutil
import struct

import sentencepiece as spm
import torch

import hfref

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.dirname(os.path.dirname(HERE))

# Universal Declaration of Human Rights, articles 1-3 (public domain), for vocabularies and texts.
EN = [
    "All human beings are born free and equal in dignity and rights.",
    "They are endowed with reason and conscience and should act towards one another in a spirit of brotherhood.",
    "Everyone is entitled to all the rights and freedoms set forth in this Declaration, without distinction of any kind.",
    "Everyone has the right to life, liberty and security of person.",
]
MULTI = EN + [
    "Alle Menschen sind frei und gleich an Würde und Rechten geboren.",
    "Sie sind mit Vernunft und Gewissen begabt und sollen einander im Geist der Brüderlichkeit begegnen.",
    "Tous les êtres humains naissent libres et égaux en dignité et en droits.",
    "Ils sont doués de raison et de conscience et doivent agir les uns envers les autres dans un esprit de fraternité.",
    "Todos los seres humanos nacen libres e iguales en dignidad y derechos.",
    "Watu wote wamezaliwa huru, hadhi na haki zao ni sawa.",
    "Wote wamejaliwa akili na dhamiri, hivyo yapasa watendeane kindugu.",
]
TEXTS_BERT = [
    "All human beings are born free and equal in dignity and rights.",
    "Everyone has the right to life, liberty and security of person!",
    "Brotherhood: a café for everyone (unknown €).",
    "",
    "freedoms",
]
TEXTS_XLMR = [
    "All human beings are born free and equal in dignity and rights.",
    "Alle Menschen sind frei und gleich an Würde und Rechten geboren.",
    "Watu wote wamezaliwa huru, hadhi na haki zao ni sawa.",
    "",
    "Ｆｕｌｌｗｉｄｔｈ  spaces\tand ﬁ ligatures",
]


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False, sort_keys=True)
        f.write("\n")


def fresh_dir(path):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)
    return path


# ---------------------------------------------------------------- tokenizers

def bert_vocab():
    """Specials, single characters (and their ## forms), then the corpus words and a few suffixes."""
    tok = hfref.BertTokenizer.__new__(hfref.BertTokenizer)
    tok.vocab, tok.lower = {}, True
    words = []
    for s in EN:
        for w in tok.basic(s):
            if w not in words:
                words.append(w)
    chars = sorted({c for w in words for c in w} | set("abcdefghijklmnopqrstuvwxyz0123456789"))
    vocab = ["[PAD]", "[unused0]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += chars + ["##" + c for c in chars if c.isalnum()]
    vocab += [w for w in words if len(w) > 1 and w not in ("freedoms", "brotherhood")]
    vocab += ["free", "##dom", "##doms", "brother", "##hood", "##s", "##ed", "##ing"]
    return vocab


def write_bert_tokenizer(d, vocab):
    with open(os.path.join(d, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("".join(v + "\n" for v in vocab))
    write_json(os.path.join(d, "tokenizer_config.json"), {
        "do_lower_case": True, "model_max_length": 40, "tokenizer_class": "BertTokenizer",
        "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
        "mask_token": "[MASK]", "strip_accents": None, "tokenize_chinese_chars": True})
    write_json(os.path.join(d, "special_tokens_map.json"), {
        "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
        "mask_token": "[MASK]"})
    return hfref.BertTokenizer(os.path.join(d, "vocab.txt"))


def sentencepiece_model():
    """A unigram sentencepiece model like XLM-R's (nmt_nfkc normalisation), trained on MULTI."""
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(MULTI), model_writer=out, vocab_size=180, model_type="unigram",
        normalization_rule_name="nmt_nfkc", character_coverage=1.0, hard_vocab_limit=False,
        num_threads=1, seed_sentencepiece_size=10000, minloglevel=2)
    return out.getvalue()


def write_xlmr_tokenizer(d, model):
    path = os.path.join(d, "sentencepiece.bpe.model")
    with open(path, "wb") as f:
        f.write(model)
    specials = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"}
    write_json(os.path.join(d, "tokenizer_config.json"), dict(
        specials, model_max_length=40, tokenizer_class="XLMRobertaTokenizer"))
    write_json(os.path.join(d, "special_tokens_map.json"), specials)
    return hfref.XLMRobertaTokenizer(path)


# ---------------------------------------------------------------- models

def bert_config(model_type, vocab, **kw):
    cfg = {
        "architectures": ["BertModel"], "model_type": model_type, "vocab_size": vocab,
        "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 32,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": 40, "type_vocab_size": 2, "initializer_range": 0.02,
        "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute",
        "torch_dtype": "float32", "transformers_version": "4.30.2", "use_cache": True,
    }
    cfg.update(kw)
    return cfg


def random_weights(cfg, seed, projection=0):
    """Canonical (unprefixed) BertModel tensors with the magnitudes of a trained model's activations."""
    g = torch.Generator().manual_seed(seed)

    def rn(*shape, std=1.0, mean=0.0):
        return torch.randn(*shape, generator=g) * std + mean

    d, f = cfg["hidden_size"], cfg["intermediate_size"]
    w = {
        "embeddings.word_embeddings.weight": rn(cfg["vocab_size"], d, std=0.5),
        "embeddings.position_embeddings.weight": rn(cfg["max_position_embeddings"], d, std=0.5),
        "embeddings.token_type_embeddings.weight": rn(cfg["type_vocab_size"], d, std=0.5),
        "embeddings.LayerNorm.weight": rn(d, std=0.1, mean=1.0),
        "embeddings.LayerNorm.bias": rn(d, std=0.1),
    }
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        for name, (o, n) in [("attention.self.query", (d, d)), ("attention.self.key", (d, d)),
                             ("attention.self.value", (d, d)), ("attention.output.dense", (d, d)),
                             ("intermediate.dense", (f, d)), ("output.dense", (d, f))]:
            w[p + name + ".weight"] = rn(o, n, std=n ** -0.5 * 1.2)
            w[p + name + ".bias"] = rn(o, std=0.1)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"] = rn(d, std=0.1, mean=1.0)
            w[p + ln + ".bias"] = rn(d, std=0.1)
    w["pooler.dense.weight"] = rn(d, d, std=d ** -0.5)
    w["pooler.dense.bias"] = rn(d, std=0.1)
    if projection:
        w["linear.weight"] = rn(projection, d, std=d ** -0.5)
    return w


def id_batch(cfg, seed, first_id):
    """4 rows of length 12 with 12, 7, 3 and 1 real tokens, right-padded with pad_token_id."""
    g = torch.Generator().manual_seed(seed)
    pad = cfg["pad_token_id"]
    lengths = [12, 7, 3, 1]
    ids = torch.full((4, 12), pad, dtype=torch.int32)
    mask = torch.zeros((4, 12), dtype=torch.int32)
    types = torch.zeros((4, 12), dtype=torch.int32)
    for r, n in enumerate(lengths):
        row = torch.randint(first_id, cfg["vocab_size"], (n,), generator=g, dtype=torch.int32)
        row[row == pad] = first_id
        ids[r, :n] = row
        mask[r, :n] = 1
        if cfg["type_vocab_size"] > 1:
            types[r, n // 2:n] = 1
    return ids, mask, types


def check_f64(cfg, w, ids, mask, types, hidden32):
    hidden64 = hfref.forward(cfg, w, ids, mask, types, dtype=torch.float64)
    for a, b in zip(hidden32, hidden64):
        diff = (a.double() - b).abs().max().item()
        assert diff < 1e-5, "float32 reference drifts %g from float64" % diff


def references(cfg, w, tok, texts, seed, first_id):
    out = {}
    ids, mask, types = id_batch(cfg, seed, first_id)
    out.update(ids=ids, attention_mask=mask, token_type_ids=types)
    hidden = hfref.forward(cfg, w, ids, mask, types)
    check_f64(cfg, w, ids, mask, types, hidden)
    for i, h in enumerate(hidden):
        out["hidden.%d" % i] = h
    if "linear.weight" in w:
        out["projected"] = hfref.project(w, hidden[-1])
    cases = []
    for k, s in enumerate(texts):
        toks, tids = tok.encode(s, cfg["max_position_embeddings"] - 2)
        t = torch.tensor([tids], dtype=torch.int32)
        m = torch.ones_like(t)
        h = hfref.forward(cfg, w, t, m)[-1]
        out["text.%d.hidden" % k] = h[0]
        if "linear.weight" in w:
            out["text.%d.projected" % k] = hfref.project(w, h)[0]
        cases.append({"text": s, "tokens": toks, "ids": tids})
    return out, cases


def prefixed(w, prefix):
    return {(k if k.startswith("linear.") else prefix + k): v for k, v in w.items()}


def write_model(d, cfg, tensors, refs, cases, fmt="safetensors", dtype=torch.float32, shards=1):
    cfg = dict(cfg, torch_dtype={torch.float32: "float32", torch.bfloat16: "bfloat16",
                                 torch.float16: "float16"}[dtype])
    write_json(os.path.join(d, "config.json"), cfg)
    tensors = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in tensors.items()}
    if fmt == "bin":
        torch.save(tensors, os.path.join(d, "pytorch_model.bin"))
    elif shards == 1:
        hfref.save_safetensors(os.path.join(d, "model.safetensors"), tensors, {"format": "pt"})
    else:
        names = sorted(tensors)
        weight_map, total = {}, 0
        for s in range(shards):
            part = names[s::shards]
            fname = "model-%05d-of-%05d.safetensors" % (s + 1, shards)
            hfref.save_safetensors(os.path.join(d, fname), {k: tensors[k] for k in part}, {"format": "pt"})
            for k in part:
                weight_map[k] = fname
                total += tensors[k].numel() * tensors[k].element_size()
        write_json(os.path.join(d, "model.safetensors.index.json"),
                   {"metadata": {"total_size": total}, "weight_map": weight_map})
    hfref.save_safetensors(os.path.join(d, "reference.safetensors"),
                           {k: v.contiguous() for k, v in refs.items()})
    write_json(os.path.join(d, "reference.json"), {"texts": cases})


def bert_fixtures():
    root = HERE
    vocab = bert_vocab()
    cfg = bert_config("bert", len(vocab))
    w = random_weights(cfg, seed=1)
    mlm = {  # BertForMaskedLM's head: present in bert-base-uncased, ignored by the encoder
        "cls.predictions.bias": torch.zeros(len(vocab)),
        "cls.predictions.transform.dense.weight": torch.randn(16, 16, generator=torch.Generator().manual_seed(9)),
        "cls.predictions.transform.dense.bias": torch.zeros(16),
        "cls.predictions.transform.LayerNorm.weight": torch.ones(16),
        "cls.predictions.transform.LayerNorm.bias": torch.zeros(16),
    }
    position_ids = {"embeddings.position_ids": torch.arange(cfg["max_position_embeddings"]).unsqueeze(0)}

    d = fresh_dir(os.path.join(root, "tiny-bert"))
    tok = write_bert_tokenizer(d, vocab)
    refs, cases = references(cfg, w, tok, TEXTS_BERT, seed=2, first_id=6)
    write_model(d, dict(cfg, architectures=["BertForMaskedLM"]),
                dict(prefixed(dict(w, **position_ids), "bert."), **mlm), refs, cases)

    d = fresh_dir(os.path.join(root, "tiny-bert-bin"))
    write_bert_tokenizer(d, vocab)
    old = {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): v
           for k, v in w.items()}
    write_model(d, cfg, old, refs, cases, fmt="bin")

    for name, dt, shards, prefix in [("tiny-bert-sharded-bf16", torch.bfloat16, 3, "bert."),
                                     ("tiny-bert-f16", torch.float16, 1, "")]:
        d = fresh_dir(os.path.join(root, name))
        write_bert_tokenizer(d, vocab)
        rounded = {k: v.to(dt).float() for k, v in w.items()}
        r, c = references(cfg, rounded, tok, TEXTS_BERT, seed=2, first_id=6)
        write_model(d, cfg, prefixed(rounded, prefix), r, c, dtype=dt, shards=shards)

    d = fresh_dir(os.path.join(root, "tiny-colbert"))
    tok = write_bert_tokenizer(d, vocab)
    ccfg = dict(cfg, architectures=["HF_ColBERT"])
    cw = random_weights(ccfg, seed=3, projection=8)
    del cw["pooler.dense.weight"], cw["pooler.dense.bias"]  # ColBERT checkpoints have no pooler
    refs, cases = references(ccfg, cw, tok, TEXTS_BERT, seed=4, first_id=6)
    write_model(d, ccfg, prefixed(cw, "bert."), refs, cases)


def xlmr_fixture():
    d = fresh_dir(os.path.join(HERE, "tiny-xlmr"))
    tok = write_xlmr_tokenizer(d, sentencepiece_model())
    cfg = bert_config("xlm-roberta", tok.vocab_size(), architectures=["XLMRobertaModel"],
                      max_position_embeddings=42, type_vocab_size=1, layer_norm_eps=1e-5,
                      pad_token_id=1, bos_token_id=0, eos_token_id=2)
    w = random_weights(cfg, seed=5)
    refs, cases = references(cfg, w, tok, TEXTS_XLMR, seed=6, first_id=4)
    write_model(d, cfg, prefixed(w, "roberta."), refs, cases)


# ---------------------------------------------------------------- lib/pretrained, lib/safetensors

def torch_fixtures():
    d = os.path.join(LIB, "pretrained", "testdata", "torch-dtypes")
    os.makedirs(d, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    base = torch.randn(4, 3, generator=g)
    shared = torch.randn(5, generator=g)
    t = {
        "f32": torch.randn(2, 3, generator=g),
        "f16": torch.randn(3, generator=g).half(),
        "bf16": torch.randn(3, generator=g).bfloat16(),
        "f64": torch.randn(2, generator=g).double(),
        "i64": torch.arange(4),
        "transposed": base.t(),          # strides (1, 3) over base's storage
        "offset": base[1:3],             # storage offset 3
        "tied_a": shared, "tied_b": shared,
        "scalar": torch.tensor(2.5),
    }
    torch.save(t, os.path.join(d, "pytorch_model.bin"))
    # The legacy format keys storages by memory address: written once, kept.
    if not os.path.exists(os.path.join(d, "legacy.bin")):
        torch.save(t, os.path.join(d, "legacy.bin"), _use_new_zipfile_serialization=False)
    expected = {}
    for k, v in t.items():
        expected[k] = {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", ""),
                       "values": [float(x) for x in v.double().flatten()]}
    write_json(os.path.join(d, "expected.json"), expected)

    # A torch.save of something other than a state dict, for the error path.
    torch.save([1, 2], os.path.join(LIB, "pretrained", "testdata", "not-state-dict.bin"))

    d = fresh_dir(os.path.join(LIB, "pretrained", "testdata", "torch-sharded"))
    a = {"a.weight": torch.randn(2, 2, generator=g)}
    b = {"b.weight": torch.randn(3, generator=g), "b.bias": torch.randn(1, generator=g)}
    torch.save(a, os.path.join(d, "pytorch_model-00001-of-00002.bin"))
    torch.save(b, os.path.join(d, "pytorch_model-00002-of-00002.bin"))
    write_json(os.path.join(d, "pytorch_model.bin.index.json"), {
        "metadata": {"total_size": 4 * 8},
        "weight_map": {"a.weight": "pytorch_model-00001-of-00002.bin",
                       "b.weight": "pytorch_model-00002-of-00002.bin",
                       "b.bias": "pytorch_model-00002-of-00002.bin"}})
    write_json(os.path.join(d, "expected.json"), {k: [float(x) for x in v.flatten()]
                                                  for k, v in dict(a, **b).items()})


def safetensors_fixture():
    d = os.path.join(LIB, "safetensors", "testdata")
    os.makedirs(d, exist_ok=True)
    inf, nan = float("inf"), float("nan")
    # Rounding cases: ties to even, overflow to inf, F16 subnormals and underflow, signed zero.
    vals = [0.0, -0.0, 1.0, -2.5, 1 / 3, 65504.0, 65520.0, 1e5, 6.1e-5, 5.96e-8, 2.9e-8, 1e-9,
            1.00390625, 1.01171875, 1.0009765625, 3.0e38, -3.4e38, 1.17549435e-38, 1e-40, inf, -inf,
            0.1, 123.456, -7.0e-3]
    g = torch.Generator().manual_seed(8)
    vals += [float(x) for x in torch.randn(40, generator=g) * 10]
    f32 = torch.tensor(vals, dtype=torch.float32)
    tensors = {
        "f32": f32, "f16": f32.half(), "bf16": f32.bfloat16(),
        "f64": f32.double()[:4], "i64": torch.arange(-2, 3), "i32": torch.arange(3, dtype=torch.int32),
        "matrix": torch.arange(6, dtype=torch.float32).reshape(2, 3),
        "scalar": torch.tensor(4.0), "empty": torch.zeros(0, 3),
        "nan": torch.tensor([nan], dtype=torch.float32),
    }
    hfref.save_safetensors(os.path.join(d, "dtypes.safetensors"), tensors, {"format": "pt", "note": "golden"})
    bits = lambda t, it: [int(x) & 0xFFFF for x in t.view(it).tolist()]
    write_json(os.path.join(d, "dtypes.json"), {
        "f32_bits": [struct.unpack("<I", struct.pack("<f", v))[0] for v in f32.tolist()],
        "f16_bits": bits(tensors["f16"], torch.int16),
        "bf16_bits": bits(tensors["bf16"], torch.int16),
    })


if __name__ == "__main__":
    torch.manual_seed(0)
    torch.set_num_threads(1)
    bert_fixtures()
    xlmr_fixture()
    torch_fixtures()
    safetensors_fixture()
