package optical

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/text"
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

// TestDocCacheSeesTraining: a model that changes in place (as one under
// training does between model-selection steps) misses the cache and gets
// fresh vectors; the unchanged model hits.
func TestDocCacheSeesTraining(t *testing.T) {
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := text.TrainBPE([]string{"everyone has the right to life", "kila mtu ana haki ya kuishi"}, 80, 1)
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]any{encoder.ParamDim: 16, encoder.ParamHeads: 2, encoder.ParamFFNDim: 32,
		encoder.ParamOutputDim: 8, encoder.ParamLayers: 1, encoder.ParamMaxPositions: 16}
	m := encoder.NewModel(backend, encoder.NewContext(tok, params, 1), tok)
	l := &Lab{cfg: &Config{DocLen: 12}, shared: &shared{docs: newDocCache(1 << 20)}}
	ids, texts := []string{"d1", "d2"}, []string{"everyone has the right", "kila mtu ana haki"}
	// A fresh context creates its variables at the first encoding: make them
	// (models that the lab loads or trains have theirs).
	if _, err := m.Encode(texts[:1], 12); err != nil {
		t.Fatal(err)
	}
	before, err := l.encodeDocs(m, ids, texts)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := l.encodeDocs(m, ids, texts); err != nil || &again[0][0] != &before[0][0] {
		t.Fatalf("the unchanged model missed the cache (err %v)", err)
	}
	// One training step's worth of change: shift every weight of the
	// encoder's first float variable.
	changed := false
	for v := range m.Ctx.IterVariables() {
		if !strings.HasPrefix(v.Scope(), context.RootScope+encoder.Scope) {
			continue
		}
		val, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		if val.DType() != dtypes.Float32 {
			continue
		}
		w := tensors.MustCopyFlatData[float32](val)
		for i := range w {
			w[i] += 0.5
		}
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(w, val.Shape().Dimensions...)); err != nil {
			t.Fatal(err)
		}
		changed = true
		break
	}
	if !changed {
		t.Fatal("no float variable under the encoder's scope")
	}
	after, err := l.encodeDocs(m, ids, texts)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := m.Encode(texts, 12)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(after[0], fresh[0]) || !slices.Equal(after[1], fresh[1]) {
		t.Fatal("after a change the cache gave other vectors than a fresh encoding")
	}
	if slices.Equal(after[0], before[0]) {
		t.Fatal("the change left the vectors unchanged: the test changes nothing")
	}
	if hits, misses := l.shared.docs.stats(); hits != 1 || misses != 2 {
		t.Fatalf("%d hits, %d misses; want 1, 2", hits, misses)
	}
}
