"""Hand-written PyTorch reference for lib/bert's parity tests.

No transformers or safetensors package exists on Debian, so this module
re-implements, after HuggingFace transformers 4.x:

  * the safetensors format (8-byte little-endian header length, JSON header,
    raw little-endian data), read and write;
  * the eager forward pass of modeling_bert.BertModel and
    modeling_xlm_roberta.XLMRobertaModel (post-LN encoder, learned absolute
    positions, XLM-R's starting at padding_idx + 1 and computed by
    create_position_ids_from_input_ids, token-type embeddings, exact-erf GELU,
    additive attention mask at torch.finfo(float32).min), plus ColBERT's
    linear projection (colbert/modeling/hf_colbert.py: linear.weight, no
    bias) followed by F.normalize(p=2, dim=2);
  * the slow tokenizers BertTokenizer (BasicTokenizer + WordpieceTokenizer)
    and XLMRobertaTokenizer (sentencepiece + fairseq id offset).

Used by generate.py (fixtures) and, as a command, by lib/bert's save test:

  python3 hfref.py forward MODEL_DIR INPUT.safetensors OUTPUT.safetensors [MODEL_DIR INPUT OUTPUT ...]

reads ids / attention_mask / token_type_ids from INPUT and writes hidden.0 ..
hidden.N (and projected when the model has linear.weight) to OUTPUT.
"""

import json
import math
import os
import struct
import sys
import unicodedata

import torch
import torch.nn.functional as F

# ---------------------------------------------------------------- safetensors

_DTYPES = {
    "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "F64": torch.float64, "I64": torch.int64, "I32": torch.int32,
}
_NAMES = {v: k for k, v in _DTYPES.items()}
# torch 1.13 cannot build bf16 from a numpy array: move bits through int16.
_BITS = {torch.float16: torch.int16, torch.bfloat16: torch.int16}


def tensor_bytes(t):
    t = t.contiguous().cpu()
    if t.dtype in _BITS:
        t = t.view(_BITS[t.dtype])
    return t.numpy().tobytes()


def save_safetensors(path, tensors, metadata=None):
    """Write {name: tensor} in name order, header padded with spaces to 8 bytes."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        b = tensor_bytes(t)
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        dt = _DTYPES[info["dtype"]]
        buf = bytearray(data[a:b])
        if dt in _BITS:
            t = torch.frombuffer(buf, dtype=_BITS[dt]).view(dt) if buf else torch.empty(0, dtype=dt)
        else:
            t = torch.frombuffer(buf, dtype=dt) if buf else torch.empty(0, dtype=dt)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def load_weights(model_dir):
    """All tensors of a HF checkpoint directory (safetensors, sharded or not, or pytorch_model.bin)."""
    p = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(p):
        return load_safetensors(p)
    p = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(p):
        with open(p) as f:
            index = json.load(f)
        out = {}
        for shard in sorted(set(index["weight_map"].values())):
            out.update(load_safetensors(os.path.join(model_dir, shard)))
        return out
    return torch.load(os.path.join(model_dir, "pytorch_model.bin"), map_location="cpu")


# ---------------------------------------------------------------- model

def canonical(weights, model_type):
    """Strip the bert./roberta. prefix and rename LayerNorm gamma/beta (HF's _fix_key)."""
    prefix = "roberta." if model_type in ("xlm-roberta", "roberta") else "bert."
    out = {}
    for k, v in weights.items():
        if k.startswith(prefix):
            k = k[len(prefix):]
        k = k.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
        out[k] = v
    return out


def create_position_ids_from_input_ids(input_ids, padding_idx):
    # modeling_xlm_roberta.create_position_ids_from_input_ids (past length 0).
    mask = input_ids.ne(padding_idx).int()
    incremental = torch.cumsum(mask, dim=1).type_as(mask) * mask
    return incremental.long() + padding_idx


def forward(cfg, w, input_ids, attention_mask, token_type_ids=None, dtype=torch.float32):
    """Eager BertModel / XLMRobertaModel forward: returns all hidden states (embeddings first)."""
    w = {k: v.to(dtype) if v.is_floating_point() else v for k, v in w.items()}
    input_ids = input_ids.long()
    bsz, length = input_ids.shape
    eps = cfg["layer_norm_eps"]
    d = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    dh = d // heads
    if cfg["model_type"] in ("xlm-roberta", "roberta"):
        pos = create_position_ids_from_input_ids(input_ids, cfg["pad_token_id"])
    else:
        pos = torch.arange(length).unsqueeze(0).expand(bsz, length)
    if token_type_ids is None:
        token_type_ids = torch.zeros_like(input_ids)
    x = (F.embedding(input_ids, w["embeddings.word_embeddings.weight"])
         + F.embedding(token_type_ids.long(), w["embeddings.token_type_embeddings.weight"])
         + F.embedding(pos, w["embeddings.position_embeddings.weight"]))
    x = F.layer_norm(x, (d,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    hidden = [x]
    ext = (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i

        def lin(name, t):
            return F.linear(t, w[p + name + ".weight"], w[p + name + ".bias"])

        def split(t):
            return t.view(bsz, length, heads, dh).permute(0, 2, 1, 3)

        q = split(lin("attention.self.query", x))
        k = split(lin("attention.self.key", x))
        v = split(lin("attention.self.value", x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh) + ext
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous().view(bsz, length, d)
        a = F.layer_norm(lin("attention.output.dense", ctx) + x, (d,),
                         w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        h = F.gelu(lin("intermediate.dense", a))
        x = F.layer_norm(lin("output.dense", h) + a, (d,),
                         w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
        hidden.append(x)
    return hidden


def project(w, last, dtype=torch.float32):
    """ColBERT: linear (no bias unless linear.bias is present), then L2 normalisation per token."""
    y = F.linear(last, w["linear.weight"].to(dtype), w["linear.bias"].to(dtype) if "linear.bias" in w else None)
    return F.normalize(y, p=2, dim=2)


def load_model(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    return cfg, canonical(load_weights(model_dir), cfg["model_type"])


# ---------------------------------------------------------------- tokenizers

def _is_whitespace(c):
    if c in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(c) == "Zs"


def _is_control(c):
    if c in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(c).startswith("C")


def _is_punctuation(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def _is_chinese(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class BertTokenizer:
    """transformers.BertTokenizer (slow): BasicTokenizer then WordpieceTokenizer."""

    def __init__(self, vocab_file, do_lower_case=True):
        with open(vocab_file, encoding="utf-8") as f:
            self.vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
        self.lower = do_lower_case

    def basic(self, text):
        text = "".join(" " if _is_whitespace(c) else c for c in text
                       if not (ord(c) == 0 or ord(c) == 0xFFFD or _is_control(c)))
        text = "".join(" %s " % c if _is_chinese(ord(c)) else c for c in text)
        text = unicodedata.normalize("NFC", text)
        out = []
        for tok in text.split():
            if self.lower:
                tok = tok.lower()
                tok = "".join(c for c in unicodedata.normalize("NFD", tok) if unicodedata.category(c) != "Mn")
            cur = ""
            for c in tok:
                if _is_punctuation(c):
                    if cur:
                        out.append(cur)
                    out.append(c)
                    cur = ""
                else:
                    cur += c
            if cur:
                out.append(cur)
        return out

    def wordpiece(self, word):
        if len(word) > 100:
            return ["[UNK]"]
        pieces, start = [], 0
        while start < len(word):
            end, cur = len(word), None
            while start < end:
                sub = word[start:end]
                if start > 0:
                    sub = "##" + sub
                if sub in self.vocab:
                    cur = sub
                    break
                end -= 1
            if cur is None:
                return ["[UNK]"]
            pieces.append(cur)
            start = end
        return pieces

    def encode(self, text, max_len=None):
        toks = [p for w in self.basic(text) for p in self.wordpiece(w)]
        if max_len is not None:
            toks = toks[:max_len - 2]
        toks = ["[CLS]"] + toks + ["[SEP]"]
        return toks, [self.vocab[t] for t in toks]


class XLMRobertaTokenizer:
    """transformers.XLMRobertaTokenizer (slow): sentencepiece pieces, fairseq ids."""

    def __init__(self, model_file):
        import sentencepiece as spm
        self.sp = spm.SentencePieceProcessor(model_file=model_file)
        self.special = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
        self.offset = 1

    def vocab_size(self):
        return len(self.sp) + self.offset + 1  # + <mask>

    def piece_id(self, piece):
        if piece in self.special:
            return self.special[piece]
        i = self.sp.piece_to_id(piece)
        return i + self.offset if i else self.special["<unk>"]

    def encode(self, text, max_len=None):
        toks = self.sp.encode(text, out_type=str)
        if max_len is not None:
            toks = toks[:max_len - 2]
        toks = ["<s>"] + toks + ["</s>"]
        return toks, [self.piece_id(t) for t in toks]


# ---------------------------------------------------------------- command

def main(argv):
    args = argv[2:]
    if len(argv) < 5 or argv[1] != "forward" or len(args) % 3:
        sys.exit("usage: hfref.py forward MODEL_DIR INPUT.safetensors OUTPUT.safetensors [MODEL_DIR INPUT OUTPUT ...]")
    for model_dir, inp_path, out_path in zip(args[0::3], args[1::3], args[2::3]):
        cfg, w = load_model(model_dir)
        inp = load_safetensors(inp_path)
        hidden = forward(cfg, w, inp["ids"], inp["attention_mask"], inp.get("token_type_ids"))
        out = {"hidden.%d" % i: h for i, h in enumerate(hidden)}
        if "linear.weight" in w:
            out["projected"] = project(w, hidden[-1])
        save_safetensors(out_path, out)


if __name__ == "__main__":
    main(sys.argv)
