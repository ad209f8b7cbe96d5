//go:build unix

package distill

// Tests with processes: the test binary re-executes itself with childEnv
// set (see TestMain) to train a tiny teacher into a checkpoint folder, and
// is killed during checkpoint saves or runs beside other trainers.

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/otclir/otclir/lib/atomicfile"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/text"
)

const (
	childEnv      = "OTCLIR_DISTILL_CHILD"       // checkpoint folder to train into
	childStepsEnv = "OTCLIR_DISTILL_CHILD_STEPS" // train_steps
	childKillEnv  = "OTCLIR_DISTILL_CHILD_KILL"  // "SIGNAL:SAVE:STAGE": signal itself at that stage of its SAVE-th save
	childHoldEnv  = "OTCLIR_DISTILL_CHILD_HOLD"  // "1": after its first save, wait for a line on stdin
	// KillAttemptsEnv sets how many kills TestKillDuringCheckpointSave makes
	// (.ci/kill-during-save sets it).
	KillAttemptsEnv = "OTCLIR_KILL_ATTEMPTS"
	childEvery      = 2 // checkpoint period of the children
)

// A child process of these tests is this test binary with childEnv set;
// TestMain (patches_test.go) runs it after installing the GoMLX patches.
func init() {
	testChild = func() (int, bool) {
		if dir := os.Getenv(childEnv); dir != "" {
			return runTrainChild(dir), true
		}
		return 0, false
	}
}

// runTrainChild trains the tiny teacher into dir and reports on stdout:
// "resumed S" (OnResume), "first S" (first step trained), "save S STAGE"
// (each stage of each checkpoint save), "done FINGERPRINT".
func runTrainChild(dir string) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "child:", err); return 3 }
	steps, err := strconv.Atoi(os.Getenv(childStepsEnv))
	if err != nil {
		return fail(err)
	}
	var killSig syscall.Signal
	killSave, killStage := 0, ""
	if k := os.Getenv(childKillEnv); k != "" {
		f := strings.Split(k, ":")
		n, _ := strconv.Atoi(f[0])
		killSig = syscall.Signal(n)
		killSave, _ = strconv.Atoi(f[1])
		killStage = f[2]
	}
	saves := 0
	hold := os.Getenv(childHoldEnv) == "1"
	saveHook = func(step int64, stage string) {
		if stage == "begin" {
			saves++
		}
		fmt.Printf("save %d %s\n", step, stage)
		if hold && saves == 1 && stage == "cleaned" {
			fmt.Println("holding")
			bufio.NewScanner(os.Stdin).Scan() // the folder stays locked meanwhile
		}
		if saves == killSave && stage == killStage {
			syscall.Kill(os.Getpid(), killSig)
			time.Sleep(time.Minute) // the signal ends the process
		}
	}
	backend, err := encoder.NewBackend()
	if err != nil {
		return fail(err)
	}
	tp, bitext := synthetic()
	var corpus []string
	for _, ps := range [][]data.Pair{tp, bitext} {
		for _, p := range ps {
			corpus = append(corpus, p.Src, p.Tgt)
		}
	}
	tok, err := text.TrainBPE(corpus, 200, 1)
	if err != nil {
		return fail(err)
	}
	s := &ckptSetup{backend: backend, tok: tok, pairs: tp}
	first := true
	m, err := TrainTeacher(backend, s.ctx(steps), tok, tp, Options{
		Progress: os.Stdout, CheckpointDir: dir, CheckpointEvery: childEvery,
		OnResume: func(step int64) error { fmt.Printf("resumed %d\n", step); return nil },
		OnStep: func(step int64, _ float64) error {
			if first {
				fmt.Printf("first %d\n", step)
				first = false
			}
			return nil
		},
	})
	if err != nil {
		return fail(err)
	}
	fmt.Printf("done %v\n", modelFingerprint(m))
	return 0
}

// modelFingerprint sums a model's float32 encoder variables.
func modelFingerprint(m *encoder.Model) float64 {
	s := 0.0
	for v := range m.Ctx.IterVariables() {
		if !strings.HasPrefix(v.Scope(), "/"+encoder.Scope) || v.Shape().DType != dtypes.Float32 {
			continue
		}
		for _, x := range tensors.MustCopyFlatData[float32](v.MustValue()) {
			s += float64(x)
		}
	}
	return s
}

// trainChild is a running child and the lines it printed.
type trainChild struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	lines []string
	seen  chan string // every line, as it arrives
	done  chan struct{}
}

func startTrainChild(t *testing.T, dir string, steps int, kill string, env ...string) *trainChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir, childStepsEnv+"="+strconv.Itoa(steps), childKillEnv+"="+kill)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &trainChild{cmd: cmd, stdin: stdin, seen: make(chan string, 1<<12), done: make(chan struct{})}
	t.Cleanup(func() { cmd.Process.Kill() })
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.mu.Lock()
			c.lines = append(c.lines, sc.Text())
			c.mu.Unlock()
			select {
			case c.seen <- sc.Text():
			default:
			}
		}
	}()
	return c
}

// wait waits for the child and returns the signal that ended it (0 for a
// normal exit) and its exit code.
func (c *trainChild) wait() (syscall.Signal, int) {
	<-c.done
	c.cmd.Wait()
	ws := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return ws.Signal(), -1
	}
	return 0, ws.ExitStatus()
}

// report scans the child's lines: the step it started from, the newest
// step it saw committed, the step of a save it began but did not report
// committed (-1: none), and the fingerprint of "done" (NaN: none).
func (c *trainChild) report() (start, committed, pending int64, fp float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start, committed, pending, fp = -1, -1, -1, math.NaN()
	for _, l := range c.lines {
		f := strings.Fields(l)
		switch {
		case len(f) == 2 && f[0] == "resumed":
			start, _ = strconv.ParseInt(f[1], 10, 64)
		case len(f) == 2 && f[0] == "first" && start < 0:
			n, _ := strconv.ParseInt(f[1], 10, 64)
			start = n - 1
		case len(f) == 3 && f[0] == "save":
			n, _ := strconv.ParseInt(f[1], 10, 64)
			switch f[2] {
			case "begin":
				pending = n
			case "committed":
				committed, pending = n, -1
			}
		case len(f) == 2 && f[0] == "done":
			fp, _ = strconv.ParseFloat(f[1], 64)
		}
	}
	return
}

// lastStage returns the last "save S STAGE" line's "S STAGE".
func (c *trainChild) lastStage() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.lines) - 1; i >= 0; i-- {
		if s, ok := strings.CutPrefix(c.lines[i], "save "); ok {
			return "save at step " + s
		}
	}
	return "none"
}

// TestKillDuringCheckpointSave kills a training child during checkpoint
// saves, at every stage of a save (a signal it sends itself there: SIGKILL,
// SIGINT or SIGTERM, none of which it handles) and at random moments of
// a save (SIGKILL from the parent), then lets the next child resume. Every
// rerun must start from the newest checkpoint that was whole when the
// previous child died (or from step 0 when none was), and the final model
// must equal that of an uninterrupted run.
func TestKillDuringCheckpointSave(t *testing.T) {
	attempts := 10
	if testing.Short() {
		attempts = 3
	}
	if n, err := strconv.Atoi(os.Getenv(KillAttemptsEnv)); err == nil && n > 0 {
		attempts = n
	}
	steps := 2*childEvery*attempts + childEvery
	dir := filepath.Join(t.TempDir(), "teacher.ckpt")
	stages := []string{"begin", "written", "listed", "committed", "cleaned"}
	signals := []syscall.Signal{syscall.SIGKILL, syscall.SIGINT, syscall.SIGTERM}
	rng := rand.New(rand.NewPCG(12, 1)) // fixed seed: reproducible plans
	whole := int64(0)                   // newest checkpoint known whole
	var pendingAlt int64 = -1           // a save that may or may not have become whole
	prevWhat := ""
	saveDur := 5 * time.Millisecond // duration of a save, measured as they happen
	check := func(i int, c *trainChild, what string) {
		t.Helper()
		start, _, _, _ := c.report()
		if start != whole && (pendingAlt < 0 || start != pendingAlt) {
			t.Fatalf("attempt %d: rerun started from step %d, want %d (or %d)\n%s", i, start, whole, pendingAlt, strings.Join(c.lines, "\n"))
		}
		t.Logf("attempt %d: %s; rerun resumed from step %d: ok", i, what, start)
	}
	for i := 0; i < attempts; i++ {
		save := 1 + rng.IntN(2)
		if i == 0 {
			save = 1 // dies before its first checkpoint is whole: the rerun starts over
		}
		var c *trainChild
		var what string
		if i%3 == 2 { // a kill at a random moment of a save
			c = startTrainChild(t, dir, steps, "")
			begun := 0
			var began time.Time
			for l := range c.seen {
				if strings.HasSuffix(l, " begin") {
					began = time.Now()
					if begun++; begun == save {
						break
					}
				}
				if strings.HasSuffix(l, " cleaned") {
					saveDur = time.Since(began) // as this process sees it
				}
			}
			// Anywhere in a save, as long as the last one this test saw took.
			d := time.Duration(rng.Int64N(int64(saveDur) + 1))
			time.Sleep(d)
			c.cmd.Process.Signal(syscall.SIGKILL)
			what = fmt.Sprintf("SIGKILL %v after save %d began (a save takes ~%v)", d.Round(time.Microsecond), save, saveDur.Round(time.Microsecond))
		} else {
			sig := signals[rng.IntN(len(signals))]
			stage := stages[(i/3*2+i%3)%len(stages)]
			if i == 0 {
				stage = "listed"
			}
			c = startTrainChild(t, dir, steps, fmt.Sprintf("%d:%d:%s", sig, save, stage))
			what = fmt.Sprintf("%v at %q of save %d", sig, stage, save)
		}
		sig, code := c.wait()
		if sig == 0 {
			t.Fatalf("attempt %d (%s): child exited with %d, not killed\n%s", i, what, code, strings.Join(c.lines, "\n"))
		}
		if i > 0 {
			check(i-1, c, prevWhat)
		}
		_, committed, pending, _ := c.report()
		what += " (last stage it reported: " + c.lastStage() + ")"
		if committed >= 0 {
			whole = committed
		}
		pendingAlt = -1
		if i%3 == 2 && pending >= 0 {
			pendingAlt = pending // killed mid-save: the rename may or may not have happened
		}
		prevWhat = what
	}
	final := startTrainChild(t, dir, steps, "")
	if sig, code := final.wait(); sig != 0 || code != 0 {
		t.Fatalf("final run ended by signal %d, exit code %d\n%s", int(sig), code, strings.Join(final.lines, "\n"))
	}
	check(attempts-1, final, prevWhat)
	_, _, _, fp := final.report()

	s := newCkptSetup(t)
	m, err := TrainTeacher(s.backend, s.ctx(steps), s.tok, s.pairs, Options{Progress: &strings.Builder{}})
	if err != nil {
		t.Fatal(err)
	}
	if want := modelFingerprint(m); math.Abs(fp-want) > 1e-3*math.Max(1, math.Abs(want)) {
		t.Fatalf("model after %d kills: fingerprint %v, uninterrupted run %v", attempts, fp, want)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if atomicfile.IsTemp(e.Name()) {
			t.Errorf("left in the checkpoint folder: %s", e.Name())
		}
	}
	fmt.Printf("kill-during-save: %d kills, %d reruns resumed from the last whole checkpoint, final model equals an uninterrupted run\n", attempts, attempts)
}

// waitLine waits (at most a minute) until the child prints a line
// containing sub.
func (c *trainChild) waitLine(t *testing.T, sub string) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case l := <-c.seen:
			if strings.Contains(l, sub) {
				return
			}
		case <-c.done:
			t.Fatalf("child ended before printing %q\n%s", sub, strings.Join(c.lines, "\n"))
		case <-timeout:
			t.Fatalf("child did not print %q in a minute", sub)
		}
	}
}

// TestConcurrentTrainers runs three processes that train the same teacher
// into one checkpoint folder at once (four demos on one artifacts folder
// did this; one failed when another's cleanup deleted a checkpoint it was
// reading). The first holds the folder mid-training (it pauses after its
// first checkpoint) while the other two start: they must wait, saying so,
// then resume at the final step. All succeed with the same model.
func TestConcurrentTrainers(t *testing.T) {
	const steps = 12
	dir := filepath.Join(t.TempDir(), "teacher.ckpt")
	first := startTrainChild(t, dir, steps, "", childHoldEnv+"=1")
	first.waitLine(t, "holding")
	others := []*trainChild{startTrainChild(t, dir, steps, ""), startTrainChild(t, dir, steps, "")}
	for _, c := range others {
		c.waitLine(t, "waiting for the process training into "+dir)
	}
	fmt.Fprintln(first.stdin, "go on")
	var fps []float64
	for i, c := range append([]*trainChild{first}, others...) {
		if sig, code := c.wait(); sig != 0 || code != 0 {
			t.Fatalf("trainer %d ended by signal %d, exit code %d\n%s", i, int(sig), code, strings.Join(c.lines, "\n"))
		}
		start, _, _, fp := c.report()
		if want := map[bool]int64{true: 0, false: steps}[i == 0]; start != want {
			t.Errorf("trainer %d started from step %d, want %d", i, start, want)
		}
		fps = append(fps, fp)
	}
	for i, fp := range fps {
		if fp != fps[0] {
			t.Errorf("trainer %d returned model %v, trainer 0 %v", i, fp, fps[0])
		}
	}
}
