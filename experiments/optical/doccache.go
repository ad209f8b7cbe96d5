package optical

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"sync"

	"github.com/otclir/otclir/lib/encoder"
)

// docCache keeps the token vectors of the document sets a lab's models
// encoded, so the cells that share a document encoder (the teacher encodes
// the English documents for teacher, zero-shot, ot, 1best-teacher and mse, in
// every language of a seed and collection) encode them once per process.
// A model's Encode is deterministic in its texts and length, so a hit gives
// the bytes a fresh encoding would: cached and uncached runs score alike.
//
// Entries are keyed by the model's pointer and its weights' SHA-256
// (encoder.Model WeightsSHA256), the document length and a SHA-256 of the
// documents' ids and texts. The weights are part of the key because a model
// under training changes in place between two calls: keyed by its pointer
// alone, a model-selection step would score its queries against the
// documents of an earlier step. (An entry holds its model's pointer, so the
// pointer cannot be reused for another model while the entry lives.) Model
// selection encodes the training model's documents afresh (selectionRanker):
// they would never be hit again. The least recently used entries are dropped
// once the vectors held pass maxFloats; a set larger than that is not kept.
type docCache struct {
	mu        sync.Mutex
	maxFloats int
	floats    int
	entries   map[docKey]*list.Element // of *docEntry
	lru       *list.List               // front: most recently used
	hits      int
	misses    int
}

type docKey struct {
	model   *encoder.Model
	weights string // model's WeightsSHA256
	docLen  int
	docs    [sha256.Size]byte
}

type docEntry struct {
	key    docKey
	done   chan struct{} // closed when vecs and err are set
	vecs   [][]float32
	err    error
	floats int
}

// docCacheFloats bounds the cache at 1 GiB of float32s.
const docCacheFloats = 1 << 28

func newDocCache(maxFloats int) *docCache {
	return &docCache{maxFloats: maxFloats, entries: map[docKey]*list.Element{}, lru: list.New()}
}

// docsHash identifies a document set by its ids and texts, in order.
func docsHash(ids, texts []string) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for i := range ids {
		for _, s := range []string{ids[i], texts[i]} {
			binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
			h.Write(n[:])
			h.Write([]byte(s))
		}
	}
	var sum [sha256.Size]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// get returns the vectors of key, computing them with encode on a miss;
// concurrent callers of one key wait for a single encode. Errors are not
// kept. The vectors returned are shared: callers must not modify them.
func (c *docCache) get(key docKey, encode func() ([][]float32, error)) ([][]float32, error) {
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.lru.MoveToFront(el)
		c.hits++
		e := el.Value.(*docEntry)
		c.mu.Unlock()
		<-e.done
		return e.vecs, e.err
	}
	c.misses++
	e := &docEntry{key: key, done: make(chan struct{})}
	el := c.lru.PushFront(e)
	c.entries[key] = el
	c.mu.Unlock()

	e.vecs, e.err = encode()
	for _, v := range e.vecs {
		e.floats += len(v)
	}
	close(e.done)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[key] != el { // dropped while encoding
		return e.vecs, e.err
	}
	if e.err != nil || e.floats > c.maxFloats {
		c.lru.Remove(el)
		delete(c.entries, key)
		return e.vecs, e.err
	}
	c.floats += e.floats
	for c.floats > c.maxFloats {
		old := c.lru.Back().Value.(*docEntry)
		c.lru.Remove(c.lru.Back())
		delete(c.entries, old.key)
		c.floats -= old.floats
	}
	return e.vecs, e.err
}

// stats returns the hits and misses so far.
func (c *docCache) stats() (hits, misses int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// encodeDocs is m.Encode(texts, l.cfg.DocLen) through the lab's document
// cache.
func (l *Lab) encodeDocs(m *encoder.Model, ids, texts []string) ([][]float32, error) {
	w, err := m.WeightsSHA256()
	if err != nil {
		return nil, err
	}
	key := docKey{model: m, weights: w, docLen: l.cfg.DocLen, docs: docsHash(ids, texts)}
	return l.shared.docs.get(key, func() ([][]float32, error) { return m.Encode(texts, l.cfg.DocLen) })
}

// encodeDocsFresh is m.Encode(texts, l.cfg.DocLen), bypassing the cache.
func (l *Lab) encodeDocsFresh(m *encoder.Model, _, texts []string) ([][]float32, error) {
	return m.Encode(texts, l.cfg.DocLen)
}
