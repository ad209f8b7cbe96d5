package text

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// charsMap is SentencePiece's precompiled normalisation rule set
// (NormalizerSpec.precompiled_charsmap): a Darts-clone double-array trie over
// UTF-8 input bytes whose values are offsets into a blob of NUL-terminated
// replacement strings. The layout is
//
//	uint32 little-endian: size in bytes of the trie
//	trie units: uint32 little-endian each
//	replacement strings, each ended by a NUL byte
//
// (sentencepiece normalizer.cc, DecodePrecompiledCharsMap).
type charsMap struct {
	units  []uint32
	normed string
	raw    []byte
}

var errCharsMap = errors.New("malformed precompiled_charsmap")

func parseCharsMap(b []byte) (*charsMap, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: %d bytes", errCharsMap, len(b))
	}
	size := binary.LittleEndian.Uint32(b)
	if size%4 != 0 || uint64(size) > uint64(len(b)-4) || size == 0 {
		return nil, fmt.Errorf("%w: trie size %d of %d bytes", errCharsMap, size, len(b))
	}
	units := make([]uint32, size/4)
	for i := range units {
		units[i] = binary.LittleEndian.Uint32(b[4+4*i:])
	}
	normed := b[4+size:]
	if !utf8.Valid(normed) {
		return nil, fmt.Errorf("%w: replacement strings are not UTF-8", errCharsMap)
	}
	return &charsMap{units: units, normed: string(normed), raw: append([]byte(nil), b...)}, nil
}

// Darts-clone unit accessors (darts.h: DoubleArrayUnit).
func unitHasLeaf(u uint32) bool  { return (u>>8)&1 == 1 }
func unitValue(u uint32) uint32  { return u & (1<<31 - 1) }
func unitLabel(u uint32) uint32  { return u & (1<<31 | 0xFF) }
func unitOffset(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }

// longestPrefix returns the byte length of the longest rule matching a
// prefix of s and its replacement, or 0 when none matches
// (normalizer.cc, Normalizer::NormalizePrefix: it takes the longest of the
// common-prefix-search results).
func (c *charsMap) longestPrefix(s string) (int, string) {
	n := uint32(len(c.units))
	pos := unitOffset(c.units[0])
	best, bestVal := 0, uint32(0)
	for i := 0; i < len(s); i++ {
		ch := uint32(s[i])
		if ch == 0 {
			break
		}
		pos ^= ch
		if pos >= n {
			break
		}
		u := c.units[pos]
		if unitLabel(u) != ch {
			break
		}
		pos ^= unitOffset(u)
		if pos >= n {
			break
		}
		if unitHasLeaf(u) {
			best, bestVal = i+1, unitValue(c.units[pos])
		}
	}
	if best == 0 || bestVal >= uint32(len(c.normed)) {
		return 0, ""
	}
	rest := c.normed[bestVal:]
	if j := strings.IndexByte(rest, 0); j >= 0 {
		rest = rest[:j]
	}
	return best, rest
}

// normalizePrefix returns the normalised form of the start of s and how many
// bytes of s it consumed: the longest rule, else one UTF-8 character copied,
// else (a malformed byte) U+FFFD for one byte.
func (c *charsMap) normalizePrefix(s string) (string, int) {
	if c != nil {
		if n, r := c.longestPrefix(s); n > 0 {
			return r, n
		}
	}
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && n <= 1 {
		return "\uFFFD", 1
	}
	return s[:n], n
}

// apply normalises s rule by rule, the way the HuggingFace Precompiled
// normaliser and SentencePiece do (without SentencePiece's white-space
// handling).
func (c *charsMap) apply(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		r, n := c.normalizePrefix(s)
		b.WriteString(r)
		s = s[n:]
	}
	return b.String()
}

// spaceSymbol is U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible
// white space.
const spaceSymbol = "\u2581"

// spmNormalizer is SentencePiece's Normalizer::Normalize: the charsmap rules,
// plus the white-space conventions of the NormalizerSpec.
type spmNormalizer struct {
	cm                     *charsMap // nil: identity rules
	addDummyPrefix         bool
	removeExtraWhitespaces bool
	escapeWhitespaces      bool
}

func (n *spmNormalizer) prefix(s string) (string, int) { return n.cm.normalizePrefix(s) }

// normalize follows normalizer.cc (sentencepiece 0.1.97): leading white space
// is dropped, a dummy "▁" is prepended, runs of white space collapse to one,
// trailing white space is dropped, and ' ' becomes "▁".
func (n *spmNormalizer) normalize(s string) string {
	if n.removeExtraWhitespaces {
		for len(s) > 0 {
			r, l := n.prefix(s)
			if r != " " {
				break
			}
			s = s[l:]
		}
	}
	if len(s) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	space := " "
	if n.escapeWhitespaces {
		space = spaceSymbol
	}
	if n.addDummyPrefix {
		b.WriteString(space)
	}
	prevSpace := n.removeExtraWhitespaces
	for len(s) > 0 {
		r, l := n.prefix(s)
		if prevSpace {
			r = strings.TrimLeft(r, " ")
		}
		if len(r) > 0 {
			if n.escapeWhitespaces {
				b.WriteString(strings.ReplaceAll(r, " ", spaceSymbol))
			} else {
				b.WriteString(r)
			}
			prevSpace = strings.HasSuffix(r, " ")
		}
		s = s[l:]
		if !n.removeExtraWhitespaces {
			prevSpace = false
		}
	}
	out := b.String()
	if n.removeExtraWhitespaces {
		for strings.HasSuffix(out, space) {
			out = out[:len(out)-len(space)]
		}
	}
	return out
}
