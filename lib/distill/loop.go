package distill

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/ui/commandline"

	"github.com/otclir/otclir/lib/encoder"
)

// Options control a training run's side channels (not its hyperparameters,
// which live in the context).
type Options struct {
	// OnStep, if set, is called every ParamLogEvery steps with the batch loss.
	OnStep StepFunc
	// Progress receives one progress line per ~10% of the steps; nil = os.Stderr.
	// When it is a terminal, GoMLX's progress bar is used instead.
	Progress io.Writer
	// Name labels progress lines ("teacher", "student swh").
	Name string
	// CheckpointDir, if set, holds checkpoints of the training state
	// (variables, optimizer moments, global step): one is written every
	// CheckpointEvery steps and at the end, and a run that finds one there
	// resumes from its step (the batch order is fast-forwarded to match).
	// Each checkpoint is a folder written atomically with a manifest of its
	// files' SHA-256; the previous one is removed only once the new one is
	// in place, so a kill or a full disk during a save loses no more than
	// the steps since the last checkpoint. A run resumes from the newest
	// whole checkpoint, skipping (and naming) any that is not, and starts
	// from step 0, saying so, when none is whole. The folder is locked while
	// a run trains into it: a second process waits for the first to finish.
	CheckpointDir string
	// CheckpointEvery is the checkpoint period in steps (default 50).
	CheckpointEvery int
	// Fresh: discard any checkpoints in CheckpointDir and train from step 0.
	Fresh bool
	// OnCheckpoint, if set, is called with the files of each checkpoint written.
	OnCheckpoint func(step int64, files []string) error
	// OnResume, if set, is called once when training resumes from a checkpoint.
	OnResume func(step int64) error
	// Stop, if set, is called before training and after every step; a
	// non-nil error ends training with that error (the caller's
	// cancellation: a checkpoint taken so far is kept for resuming).
	Stop func() error
	// Select, if set, scores the model on a dev set every Select.Every
	// steps (and at the last step) and the trainer returns the weights of
	// the best-scoring step instead of the last; Select.Patience can end
	// training early. The returned model's context holds ParamSelectedStep,
	// ParamSelectedScore and ParamStoppedStep; its ParamSteps is left as
	// configured. With CheckpointDir the best weights are kept in
	// CheckpointDir/best (written atomically, before the step checkpoint of
	// the same step), so a resumed run knows its best so far; without it
	// they are kept in memory. Only the model's weights (variables under
	// /encoder, /bert and /mlm_head) are selected: the optimizer state and
	// global step are the last step's.
	Select *Selection
}

// errStopEarly ends the training loop when Select.Patience runs out.
var errStopEarly = errors.New("distill: no better dev score within Select.Patience")

// batcher yields shuffled batches of example indices forever.
type batcher struct {
	n, size int
	rng     *rand.Rand
	perm    []int
	pos     int
}

func newBatcher(n, size int, seed int64) *batcher {
	b := &batcher{n: n, size: size, rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
	b.reshuffle()
	return b
}

func (b *batcher) reshuffle() { b.perm = b.rng.Perm(b.n); b.pos = 0 }

func (b *batcher) next() []int {
	out := make([]int, b.size)
	for i := range out {
		if b.pos == b.n {
			b.reshuffle()
		}
		out[i] = b.perm[b.pos]
		b.pos++
	}
	return out
}

// skip advances the batch order by n batches (used when resuming).
func (b *batcher) skip(n int64) {
	for i := int64(0); i < n; i++ {
		b.next()
	}
}

// dataset adapts a batch-making function to GoMLX's train.Dataset.
type dataset struct {
	name string
	make func() []*tensors.Tensor
	skip func(n int64) // advance the batch order (resume); may be nil
}

func (d *dataset) Name() string { return d.name }
func (d *dataset) Reset()       {}
func (d *dataset) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	return nil, d.make(), nil, nil
}

// run trains ctx's variables up to global step ParamSteps of the loss that
// modelFn adds with train.AddLoss, over ds, reporting to opt. It returns the
// last batch loss. newModel wraps ctx as the trainer's model (what
// opt.Select scores; nil: the trainer does not support Select); with
// opt.Select, ctx's weights hold the selected step's on return.
func run(backend backends.Backend, ctx *context.Context, ds *dataset,
	modelFn train.ModelFn, newModel func() *encoder.Model, opt Options) (lastLoss float64, err error) {
	steps := context.GetParamOr(ctx, ParamSteps, 0)
	if steps <= 0 {
		return 0, fmt.Errorf("distill: %s must be > 0, got %d", ParamSteps, steps)
	}
	logEvery := max(1, context.GetParamOr(ctx, ParamLogEvery, 10))
	optimizer, err := newOptimizer(ctx)
	if err != nil {
		return 0, err
	}
	progress := opt.Progress
	if progress == nil {
		progress = os.Stderr
	}
	var sel *selector
	if opt.Select != nil {
		if sel, err = newSelector(opt.Select, opt.Name, opt.CheckpointDir, newModel); err != nil {
			return 0, err
		}
	}
	var store *checkpointStore
	if opt.CheckpointDir != "" {
		if store, err = openCheckpoints(opt.CheckpointDir, opt.Fresh, progress, opt.Name); err != nil {
			return 0, err
		}
		defer store.close() // the lock is held until training ends
		if sel != nil && opt.Fresh {
			if err = sel.discard(); err != nil {
				return 0, err
			}
		}
	}
	var loopErr error
	err = tryCatch(func() {
		if store != nil {
			// Parameters come from the caller's configuration, never from the checkpoint.
			if _, loopErr = store.restore(ctx); loopErr != nil {
				return
			}
		}
		trainer := train.NewTrainer(backend, ctx, modelFn, nil, optimizer, nil, nil)
		loop := train.NewLoop(trainer)
		start0 := trainer.GlobalStep()
		if opt.Fresh && start0 != 0 {
			loopErr = fmt.Errorf("distill: %s: Fresh, but the context given is already at step %d", opt.Name, start0)
			return
		}
		if start0 > 0 {
			if start0 > int64(steps) {
				loopErr = fmt.Errorf("distill: checkpoint in %s is at step %d, past %s=%d", opt.CheckpointDir, start0, ParamSteps, steps)
				return
			}
			if ds.skip != nil {
				ds.skip(start0)
			}
			if opt.OnResume != nil {
				if loopErr = opt.OnResume(start0); loopErr != nil {
					return
				}
			}
		}
		if start0 > 0 {
			fmt.Fprintf(progress, "  %s: resuming from the checkpoint at step %d\n", opt.Name, start0)
		}
		stopped := int64(steps) // the step training ends at
		if sel != nil {
			if loopErr = sel.resume(start0); loopErr != nil {
				return
			}
			if sel.bestStep >= 0 {
				fmt.Fprintf(progress, "  %s: best dev score so far %.6g at step %d\n", opt.Name, sel.bestScore, sel.bestStep)
			} else if start0 > 0 {
				// Resumed from a run without selection: its weights are the first candidate.
				if _, loopErr = sel.evaluate(ctx, start0); loopErr != nil {
					return
				}
			}
			if sel.exhausted() { // an earlier run stopped early here
				stopped = start0
			}
		}
		start := time.Now()
		if isTerminal(progress) {
			commandline.AttachProgressBar(loop)
		}
		every := opt.CheckpointEvery
		if every <= 0 {
			every = 50
		}
		saveCheckpoint := func(step int64) error {
			files, err := store.save(ctx, step)
			if err != nil {
				return err
			}
			if opt.OnCheckpoint == nil {
				return nil
			}
			return opt.OnCheckpoint(step, files)
		}
		if opt.Stop != nil {
			if loopErr = opt.Stop(); loopErr != nil {
				return
			}
		}
		loop.OnStep("otclir", 0, func(loop *train.Loop, metrics []*tensors.Tensor) error {
			if opt.Stop != nil {
				if err := opt.Stop(); err != nil {
					return err
				}
			}
			loss := tensorScalar(metrics[0])
			lastLoss = loss
			step := int64(loop.LoopStep) + 1
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return fmt.Errorf("distill: %s loss is %v at step %d (lower %s or check the data)",
					opt.Name, loss, step, ParamLearningRate)
			}
			if step%int64(logEvery) == 0 || step == int64(steps) {
				if opt.OnStep != nil {
					if err := opt.OnStep(step, loss); err != nil {
						return err
					}
				}
			}
			stop := false
			if sel != nil && (step%sel.sel.Every == 0 || step == int64(steps)) {
				var err error
				if stop, err = sel.evaluate(ctx, step); err != nil {
					return err
				}
			}
			if store != nil && (step%int64(every) == 0 || step == int64(steps) || stop) {
				if err := saveCheckpoint(step); err != nil {
					return err
				}
			}
			if !isTerminal(progress) && (step%int64(max(1, steps/10)) == 0 || step == int64(steps)) {
				el := time.Since(start)
				fmt.Fprintf(progress, "  %s: step %d/%d  loss %.4f  %.2f steps/s\n",
					opt.Name, step, steps, loss, float64(step-start0)/el.Seconds())
			}
			if stop {
				stopped = step
				fmt.Fprintf(progress, "  %s: stopping at step %d: no better dev score in %d evaluations (Select.Patience)\n",
					opt.Name, step, sel.bad)
				return errStopEarly
			}
			return nil
		})
		if start0 < stopped {
			_, loopErr = loop.RunToGlobalStep(ds, steps)
			if errors.Is(loopErr, errStopEarly) {
				loopErr = nil
			}
		}
		if loopErr == nil && sel != nil {
			loopErr = sel.apply(ctx, stopped, progress)
		}
	})
	if err == nil {
		err = loopErr
	}
	return lastLoss, err
}

func tensorScalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	default:
		return math.NaN()
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// tryCatch turns GoMLX's graph-building panics into errors at this boundary.
func tryCatch(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("distill: %w", e)
			} else {
				err = fmt.Errorf("distill: %v", r)
			}
		}
	}()
	fn()
	return nil
}

// meanMaxSimScores returns s[a,b] = mean_i max_j q[a,i]·d[b,j] over real
// tokens: q [B,Lq,D], d [B,Ld,D], masks Bool.
func meanMaxSimScores(q, qMask, d, dMask *Node) *Node {
	sim := Einsum("aid,bjd->abij", q, d) // [B,B,Lq,Ld]
	big := ConstAs(sim, -1e4)
	dm := BroadcastToShape(InsertAxes(InsertAxes(dMask, 0), 2), sim.Shape()) // [1,B,1,Ld] -> all
	sim = Where(dm, sim, BroadcastToShape(big, sim.Shape()))
	best := ReduceMax(sim, -1)                             // [B,B,Lq]
	qm := ConvertDType(InsertAxes(qMask, 1), best.DType()) // [B,1,Lq]
	total := ReduceSum(Mul(best, qm), -1)                  // [B,B]
	count := ReduceSum(qm, -1)                             // [B,1]
	return Div(total, Max(count, OnesLike(count)))
}

// inBatchCrossEntropy is mean_a −log softmax_b(scores[a,b]/τ) at b = a.
func inBatchCrossEntropy(scores *Node, temperature float64) *Node {
	logits := DivScalar(scores, temperature)
	logp := LogSoftmax(logits, -1)
	n := scores.Shape().Dimensions[0]
	eye := OneHot(Iota(scores.Graph(), shapes.Make(dtypes.Int32, n), 0), n, logp.DType())
	return Neg(ReduceAllMean(ReduceSum(Mul(logp, eye), -1)))
}
