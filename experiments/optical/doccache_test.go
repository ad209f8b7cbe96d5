package optical

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestDocCache(t *testing.T) {
	key := func(docLen int, ids ...string) docKey {
		return docKey{docLen: docLen, docs: docsHash(ids, ids)}
	}
	var calls atomic.Int32
	enc := func(n int) func() ([][]float32, error) {
		return func() ([][]float32, error) {
			calls.Add(1)
			return [][]float32{make([]float32, n)}, nil
		}
	}
	c := newDocCache(10)

	// Concurrent callers of one key share one encoding.
	var wg sync.WaitGroup
	got := make([][][]float32, 8)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], _ = c.get(key(4, "a"), enc(4)) }()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("%d encodings of one key, want 1", calls.Load())
	}
	for _, g := range got {
		if &g[0][0] != &got[0][0][0] {
			t.Fatal("callers of one key got different vectors")
		}
	}
	// Another length, other ids, or ids and texts split differently miss.
	c.get(key(5, "a"), enc(4))
	c.get(key(4, "b"), enc(1))
	if docsHash([]string{"ab"}, []string{"c"}) == docsHash([]string{"a"}, []string{"bc"}) {
		t.Fatal("docsHash ignores where ids end")
	}
	if calls.Load() != 3 {
		t.Fatalf("%d encodings, want 3", calls.Load())
	}
	// 4+4+1 floats held; another 4 drops the least recently used (a at 4,
	// unless used since: use it, so a at 5 goes).
	c.get(key(4, "a"), enc(4))
	c.get(key(6, "a"), enc(4))
	if c.floats != 9 {
		t.Fatalf("%d floats held, want 9", c.floats)
	}
	calls.Store(0)
	c.get(key(4, "a"), enc(4))
	c.get(key(4, "b"), enc(1))
	if calls.Load() != 0 {
		t.Fatal("a recently used entry was dropped")
	}
	c.get(key(5, "a"), enc(4))
	if calls.Load() != 1 {
		t.Fatal("the least recently used entry was kept")
	}
	// A set larger than the bound is encoded every time, errors are not kept.
	calls.Store(0)
	c.get(key(4, "big"), enc(11))
	c.get(key(4, "big"), enc(11))
	boom := errors.New("boom")
	fail := func() ([][]float32, error) { calls.Add(1); return nil, boom }
	if _, err := c.get(key(4, "x"), fail); !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	if _, err := c.get(key(4, "x"), enc(1)); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 4 || c.floats > 10 {
		t.Fatalf("%d encodings (want 4), %d floats held (bound 10)", calls.Load(), c.floats)
	}
}
