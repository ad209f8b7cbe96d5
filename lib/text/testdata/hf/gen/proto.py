"""Just enough protobuf wire format to read and edit a SentencePiece
ModelProto's normalizer_spec (field 3) without the protobuf package, which
Debian's python3-sentencepiece does not pull in."""


def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def put_varint(v):
    out = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        if v:
            out.append(c | 0x80)
        else:
            out.append(c)
            return bytes(out)


def fields(b):
    """Yields (field, wire, value, raw) for each field of message b."""
    i = 0
    while i < len(b):
        start = i
        key, i = varint(b, i)
        f, w = key >> 3, key & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 1:
            v, i = b[i:i + 8], i + 8
        elif w == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif w == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % w)
        yield f, w, v, b[start:i]


def normalizer_field(model, num):
    for f, w, v, _ in fields(model):
        if f == 3 and w == 2:
            for g, _, u, _ in fields(v):
                if g == num:
                    return u
    return None


def with_normalizer(model, name=None, charsmap=None, add_dummy_prefix=None,
                    remove_extra_whitespaces=None, escape_whitespaces=None):
    """Returns model with normalizer_spec fields replaced (None: keep)."""
    repl = {1: name, 2: charsmap, 3: add_dummy_prefix, 4: remove_extra_whitespaces, 5: escape_whitespaces}
    out = bytearray()
    for f, w, v, raw in fields(model):
        if not (f == 3 and w == 2):
            out += raw
            continue
        spec = bytearray()
        for g, x, u, graw in fields(v):
            if repl.get(g) is None:
                spec += graw
        for g in sorted(repl):
            r = repl[g]
            if r is None:
                continue
            if isinstance(r, bool):
                spec += put_varint(g << 3) + put_varint(int(r))
            else:
                r = r.encode() if isinstance(r, str) else r
                spec += put_varint(g << 3 | 2) + put_varint(len(r)) + r
        out += put_varint(3 << 3 | 2) + put_varint(len(spec)) + bytes(spec)
    return bytes(out)
