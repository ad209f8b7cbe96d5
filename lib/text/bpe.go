package text

import (
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/otclir/otclir/lib/atomicfile"
)

// Reserved token ids.
const (
	PadID = 0 // padding
	UnkID = 1 // unknown character
)

// Reserved token strings and the continuation prefix.
const (
	PadToken           = "[PAD]"
	UnkToken           = "[UNK]"
	ContinuationPrefix = "##"
)

// formatName identifies the JSON layout written by Save.
const formatName = "otclir-bpe-v1"

// maxCacheEntries bounds the per-tokenizer cache of encoded words.
const maxCacheEntries = 1 << 17

var (
	// ErrVocabSize is returned when vocabSize cannot hold the specials and
	// the alphabet.
	ErrVocabSize = errors.New("text: vocabulary size too small")
	// ErrEmptyCorpus is returned when the corpus has no words.
	ErrEmptyCorpus = errors.New("text: empty corpus")
	// ErrBadParam is returned for an invalid training parameter.
	ErrBadParam = errors.New("text: invalid parameter")
	// ErrBadModel is returned by Load for a malformed tokenizer file.
	ErrBadModel = errors.New("text: malformed tokenizer file")
)

// Tokenizer is a trained BPE subword tokenizer. It is safe for concurrent
// use.
type Tokenizer struct {
	vocab    []string
	ids      map[string]int32
	merges   [][2]int32
	ranks    map[uint64]int32 // packed pair -> merge rank
	mergedID []int32          // merge rank -> id of the merged token

	mu    sync.RWMutex
	cache map[string][]int32
}

func pack(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

func unpack(p uint64) (int32, int32) { return int32(uint32(p >> 32)), int32(uint32(p)) }

// joinPieces returns the token formed by merging a with b, where b is a
// continuation piece.
func joinPieces(a, b string) string { return a + strings.TrimPrefix(b, ContinuationPrefix) }

// spell returns the initial symbols of a word: the first rune, then "##"
// plus each following rune.
func spell(w string) []string {
	syms := make([]string, 0, len(w))
	first := true
	for _, r := range w {
		if first {
			syms = append(syms, string(r))
			first = false
		} else {
			syms = append(syms, ContinuationPrefix+string(r))
		}
	}
	return syms
}

// pairEntry is a heap entry: a pair and its count when pushed.
type pairEntry struct {
	count int
	pair  uint64
}

type pairHeap []pairEntry

func (h pairHeap) Len() int { return len(h) }
func (h pairHeap) Less(i, j int) bool {
	if h[i].count != h[j].count {
		return h[i].count > h[j].count
	}
	return h[i].pair < h[j].pair
}
func (h pairHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pairHeap) Push(x any)   { *h = append(*h, x.(pairEntry)) }
func (h *pairHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// TrainBPE learns a tokenizer with at most vocabSize tokens (specials
// included) from corpus. Characters seen fewer than minFreq times are left
// out of the alphabet (they encode as UnkID), and merging stops when the most
// frequent pair occurs fewer than minFreq times.
func TrainBPE(corpus []string, vocabSize int, minFreq int) (*Tokenizer, error) {
	if minFreq < 1 {
		return nil, fmt.Errorf("%w: minFreq=%d, want >= 1", ErrBadParam, minFreq)
	}
	if vocabSize < 3 {
		return nil, fmt.Errorf("%w: vocabSize=%d, want >= 3", ErrVocabSize, vocabSize)
	}
	wordFreq := make(map[string]int)
	for _, line := range corpus {
		for _, w := range PreTokenize(Normalize(line)) {
			wordFreq[w]++
		}
	}
	if len(wordFreq) == 0 {
		return nil, ErrEmptyCorpus
	}
	words := make([]string, 0, len(wordFreq))
	for w := range wordFreq {
		words = append(words, w)
	}
	sort.Strings(words)

	// Alphabet.
	spelled := make([][]string, len(words))
	symCount := make(map[string]int)
	for i, w := range words {
		spelled[i] = spell(w)
		for _, s := range spelled[i] {
			symCount[s] += wordFreq[w]
		}
	}
	alphabet := make([]string, 0, len(symCount))
	for s, c := range symCount {
		if c >= minFreq {
			alphabet = append(alphabet, s)
		}
	}
	sort.Strings(alphabet)
	if 2+len(alphabet) > vocabSize {
		return nil, fmt.Errorf("%w: vocabSize=%d < %d (2 specials + %d symbols seen >= minFreq=%d times)",
			ErrVocabSize, vocabSize, 2+len(alphabet), len(alphabet), minFreq)
	}
	t := &Tokenizer{ids: make(map[string]int32), ranks: make(map[uint64]int32)}
	t.addToken(PadToken)
	t.addToken(UnkToken)
	for _, s := range alphabet {
		t.addToken(s)
	}

	// Words as id sequences, pair counts and pair -> words index.
	seqs := make([][]int32, len(words))
	freqs := make([]int, len(words))
	counts := make(map[uint64]int)
	where := make(map[uint64][]int32)
	for i, syms := range spelled {
		seq := make([]int32, len(syms))
		for j, s := range syms {
			if id, ok := t.ids[s]; ok {
				seq[j] = id
			} else {
				seq[j] = UnkID
			}
		}
		seqs[i] = seq
		freqs[i] = wordFreq[words[i]]
		for j := 0; j+1 < len(seq); j++ {
			if seq[j] == UnkID || seq[j+1] == UnkID {
				continue
			}
			p := pack(seq[j], seq[j+1])
			counts[p] += freqs[i]
			if ws := where[p]; len(ws) == 0 || ws[len(ws)-1] != int32(i) {
				where[p] = append(ws, int32(i))
			}
		}
	}
	h := make(pairHeap, 0, len(counts))
	for p, c := range counts {
		h = append(h, pairEntry{c, p})
	}
	heap.Init(&h)

	stamp := make([]int32, len(words))
	changed := make(map[uint64]struct{})
	for iter := int32(1); len(t.vocab) < vocabSize && h.Len() > 0; {
		e := heap.Pop(&h).(pairEntry)
		if counts[e.pair] != e.count {
			continue // stale entry
		}
		if e.count < minFreq {
			break
		}
		a, b := unpack(e.pair)
		merged := t.addToken(joinPieces(t.vocab[a], t.vocab[b]))
		t.ranks[e.pair] = int32(len(t.merges))
		t.merges = append(t.merges, [2]int32{a, b})
		t.mergedID = append(t.mergedID, merged)

		clear(changed)
		for _, wi := range where[e.pair] {
			if stamp[wi] == iter {
				continue
			}
			stamp[wi] = iter
			seq := seqs[wi]
			if !containsPair(seq, a, b) {
				continue
			}
			f := freqs[wi]
			forEachPair(seq, func(q uint64) {
				counts[q] -= f
				changed[q] = struct{}{}
			})
			seq = mergeSeq(seq, a, b, merged)
			seqs[wi] = seq
			forEachPair(seq, func(q uint64) {
				counts[q] += f
				changed[q] = struct{}{}
				if ws := where[q]; len(ws) == 0 || ws[len(ws)-1] != wi {
					where[q] = append(ws, wi)
				}
			})
		}
		delete(where, e.pair)
		for q := range changed {
			if c := counts[q]; c > 0 {
				heap.Push(&h, pairEntry{c, q})
			} else {
				delete(counts, q)
				delete(where, q)
			}
		}
		iter++
	}
	return t, nil
}

// addToken returns the id of tok, appending it to the vocabulary if new.
func (t *Tokenizer) addToken(tok string) int32 {
	if id, ok := t.ids[tok]; ok {
		return id
	}
	id := int32(len(t.vocab))
	t.vocab = append(t.vocab, tok)
	t.ids[tok] = id
	return id
}

func containsPair(seq []int32, a, b int32) bool {
	for j := 0; j+1 < len(seq); j++ {
		if seq[j] == a && seq[j+1] == b {
			return true
		}
	}
	return false
}

func forEachPair(seq []int32, fn func(uint64)) {
	for j := 0; j+1 < len(seq); j++ {
		if seq[j] != UnkID && seq[j+1] != UnkID {
			fn(pack(seq[j], seq[j+1]))
		}
	}
}

// mergeSeq replaces the non-overlapping occurrences of (a, b), left to
// right, with m, in place.
func mergeSeq(seq []int32, a, b, m int32) []int32 {
	out := seq[:0]
	for j := 0; j < len(seq); j++ {
		if j+1 < len(seq) && seq[j] == a && seq[j+1] == b {
			out = append(out, m)
			j++
		} else {
			out = append(out, seq[j])
		}
	}
	return out
}

// VocabSize returns the number of tokens, specials included.
func (t *Tokenizer) VocabSize() int { return len(t.vocab) }

// Token returns the string of token id, or UnkToken if id is out of range.
func (t *Tokenizer) Token(id int32) string {
	if id < 0 || int(id) >= len(t.vocab) {
		return UnkToken
	}
	return t.vocab[id]
}

// encodeWord returns the ids of one pre-token.
func (t *Tokenizer) encodeWord(w string) []int32 {
	t.mu.RLock()
	ids, ok := t.cache[w]
	t.mu.RUnlock()
	if ok {
		return ids
	}
	syms := spell(w)
	seq := make([]int32, len(syms))
	for i, s := range syms {
		if id, ok := t.ids[s]; ok {
			seq[i] = id
		} else {
			seq[i] = UnkID
		}
	}
	for len(seq) > 1 {
		best, bestRank := -1, int32(len(t.merges))
		for j := 0; j+1 < len(seq); j++ {
			if r, ok := t.ranks[pack(seq[j], seq[j+1])]; ok && r < bestRank {
				best, bestRank = j, r
			}
		}
		if best < 0 {
			break
		}
		seq[best] = t.mergedID[bestRank]
		seq = append(seq[:best+1], seq[best+2:]...)
	}
	t.mu.Lock()
	if t.cache == nil {
		t.cache = make(map[string][]int32)
	}
	if len(t.cache) < maxCacheEntries {
		t.cache[w] = seq
	}
	t.mu.Unlock()
	return seq
}

// Encode normalizes and tokenizes s and returns at most maxLen token ids
// (maxLen <= 0: no limit). Characters outside the vocabulary become UnkID.
func (t *Tokenizer) Encode(s string, maxLen int) []int32 {
	var out []int32
	for _, w := range PreTokenize(Normalize(s)) {
		out = append(out, t.encodeWord(w)...)
		if maxLen > 0 && len(out) >= maxLen {
			return out[:maxLen:maxLen]
		}
	}
	return out
}

// Tokens is Encode returning the token strings, e.g. for plot labels.
func (t *Tokenizer) Tokens(s string, maxLen int) []string {
	ids := t.Encode(s, maxLen)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.Token(id)
	}
	return out
}

// fileFormat is the JSON layout of a saved tokenizer.
type fileFormat struct {
	Format string      `json:"format"`
	Vocab  []string    `json:"vocab"`
	Merges [][2]string `json:"merges"`
}

// Save writes the tokenizer as JSON to path, atomically (lib/atomicfile):
// a crash or a full disk leaves the previous file or none, never a torn one.
func (t *Tokenizer) Save(path string) error {
	f := fileFormat{Format: formatName, Vocab: t.vocab, Merges: make([][2]string, len(t.merges))}
	for i, m := range t.merges {
		f.Merges[i] = [2]string{t.vocab[m[0]], t.vocab[m[1]]}
	}
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("text: save %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("text: save: %w", err)
	}
	return nil
}

// Load reads a tokenizer written by Save.
func Load(path string) (*Tokenizer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("text: load: %w", err)
	}
	return Parse(b, path)
}

// Parse decodes a tokenizer file's content (as Save writes it); path only
// names it in errors.
func Parse(b []byte, path string) (*Tokenizer, error) {
	var f fileFormat
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadModel, path, err)
	}
	if f.Format != formatName {
		return nil, fmt.Errorf("%w: %s: format %q, want %q", ErrBadModel, path, f.Format, formatName)
	}
	if len(f.Vocab) < 2 || f.Vocab[PadID] != PadToken || f.Vocab[UnkID] != UnkToken {
		return nil, fmt.Errorf("%w: %s: vocab must start with %q, %q", ErrBadModel, path, PadToken, UnkToken)
	}
	t := &Tokenizer{ids: make(map[string]int32, len(f.Vocab)), ranks: make(map[uint64]int32, len(f.Merges))}
	for i, tok := range f.Vocab {
		if _, dup := t.ids[tok]; dup {
			return nil, fmt.Errorf("%w: %s: vocab entry %d %q is a duplicate", ErrBadModel, path, i, tok)
		}
		t.addToken(tok)
	}
	for i, m := range f.Merges {
		a, okA := t.ids[m[0]]
		b, okB := t.ids[m[1]]
		merged, okM := t.ids[joinPieces(m[0], m[1])]
		if !okA || !okB || !okM || !strings.HasPrefix(m[1], ContinuationPrefix) {
			return nil, fmt.Errorf("%w: %s: merge %d %q+%q does not match the vocabulary", ErrBadModel, path, i, m[0], m[1])
		}
		p := pack(a, b)
		if _, dup := t.ranks[p]; dup {
			return nil, fmt.Errorf("%w: %s: merge %d %q+%q is a duplicate", ErrBadModel, path, i, m[0], m[1])
		}
		t.ranks[p] = int32(i)
		t.merges = append(t.merges, [2]int32{a, b})
		t.mergedID = append(t.mergedID, merged)
	}
	return t, nil
}
