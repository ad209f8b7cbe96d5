package encoder

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/otclir/otclir/internal/fulldisk"
	"github.com/otclir/otclir/lib/atomicfile"
	"github.com/otclir/otclir/lib/manifest"
	"github.com/otclir/otclir/lib/text"
)

// saverEnv makes the test binary a child that saves two models into the
// folder it names, alternately, until it is killed (TestKillDuringSave).
const saverEnv = "OTCLIR_ENCODER_SAVER"

// A child process of these tests is this test binary with saverEnv set;
// TestMain (patches_test.go) runs it after installing the GoMLX patches.
func init() {
	testChild = func() (int, bool) {
		if dir := os.Getenv(saverEnv); dir != "" {
			return runSaver(dir), true
		}
		return 0, false
	}
}

func runSaver(dir string) int {
	backend, err := NewBackend()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	_ = backend
	a, b := builtModel(nil, nil, 1), builtModel(nil, nil, 2)
	fmt.Printf("fingerprints %v %v\n", fingerprint(a), fingerprint(b))
	for i := 0; ; i++ {
		m := a
		if i%2 == 1 {
			m = b
		}
		if err := m.Save(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		fmt.Println("saved", i)
	}
}

// builtModel returns a small model whose variables exist (an encode ran).
func builtModel(t testing.TB, backend any, seed int64) *Model {
	corpus := []string{"everyone has the right to life", "kila mtu ana haki ya kuishi", "all human beings are born free"}
	tok, err := textTrain(corpus)
	if err != nil {
		if t != nil {
			t.Fatal(err)
		}
		panic(err)
	}
	be, err := NewBackend()
	if err != nil {
		panic(err)
	}
	m := NewModel(be, NewContext(tok, smallParams(), seed), tok)
	if _, err := m.Encode([]string{"everyone"}, 8); err != nil {
		panic(err)
	}
	return m
}

// fingerprint sums the float32 variables of a model's encoder scope.
func fingerprint(m *Model) float64 {
	s := 0.0
	for v := range m.Ctx.IterVariables() {
		if !strings.HasPrefix(v.Scope(), "/"+Scope) || v.Shape().DType != dtypes.Float32 {
			continue
		}
		for _, x := range tensors.MustCopyFlatData[float32](v.MustValue()) {
			s += float64(x)
		}
	}
	return s
}

func assertNoTempDirs(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if atomicfile.IsTemp(e.Name()) {
			t.Errorf("temporary entry left in %s: %s", dir, e.Name())
		}
	}
}

// TestSaveReplacesAndVerifies: a second Save replaces the folder whole (a
// manifest lists every file); a changed byte in the saved checkpoint makes
// Load fail naming the file; a folder saved before manifests still loads.
func TestSaveReplacesAndVerifies(t *testing.T) {
	a, b := builtModel(t, nil, 1), builtModel(t, nil, 2)
	parent := t.TempDir()
	dir := filepath.Join(parent, "model")
	if err := a.Save(dir); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Load(a.Backend, dir)
	if err != nil {
		t.Fatal(err)
	}
	if fingerprint(got) != fingerprint(b) {
		t.Fatalf("loaded fingerprint %v, want the second save's %v (first %v)", fingerprint(got), fingerprint(b), fingerprint(a))
	}
	sums, err := manifest.Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 3 { // tokenizer, checkpoint .json and .bin
		t.Errorf("manifest lists %v", sums)
	}
	assertNoTempDirs(t, parent)

	var bin string
	for name := range sums {
		if strings.HasSuffix(name, ".bin") {
			bin = filepath.Join(dir, name)
		}
	}
	raw, _ := os.ReadFile(bin)
	raw[len(raw)/2] ^= 1
	os.WriteFile(bin, raw, 0o644)
	if _, err := Load(a.Backend, dir); !errors.Is(err, manifest.ErrMismatch) || !strings.Contains(err.Error(), bin) {
		t.Errorf("Load of a modified checkpoint = %v, want ErrMismatch naming %s", err, bin)
	}
	if !Exists(dir) {
		t.Error("Exists = false for a folder with a manifest (Load reports the damage)")
	}

	// A folder written before manifests: loaded as before, unchecked.
	if err := a.Save(dir); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, manifest.FileName))
	if !Exists(dir) {
		t.Fatal("Exists = false for a folder without a manifest")
	}
	if got, err := Load(a.Backend, dir); err != nil || fingerprint(got) != fingerprint(a) {
		t.Fatalf("legacy folder: %v", err)
	}
}

// TestSaveOnFullDisk: a Save that runs out of space fails and leaves the
// previous model loadable.
func TestSaveOnFullDisk(t *testing.T) {
	root := fulldisk.Mount(t, 4<<20)
	a, b := builtModel(t, nil, 1), builtModel(t, nil, 2)
	dir := filepath.Join(root, "model")
	if err := a.Save(dir); err != nil {
		t.Fatal(err)
	}
	free := fulldisk.Fill(t, root)
	if err := b.Save(dir); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Save on a full disk = %v, want ENOSPC", err)
	}
	free()
	got, err := Load(a.Backend, dir)
	if err != nil {
		t.Fatalf("previous model unreadable after a failed save: %v", err)
	}
	if fingerprint(got) != fingerprint(a) {
		t.Fatal("previous model changed by a failed save")
	}
	assertNoTempDirs(t, root)
}

// TestLoadDuringSaves: while one goroutine saves two models alternately
// into a folder, every Load returns one of the two, whole.
func TestLoadDuringSaves(t *testing.T) {
	a, b := builtModel(t, nil, 1), builtModel(t, nil, 2)
	want := map[float64]bool{fingerprint(a): true, fingerprint(b): true}
	dir := filepath.Join(t.TempDir(), "model")
	if err := a.Save(dir); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			m := a
			if i%2 == 0 {
				m = b
			}
			if err := m.Save(dir); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }() // also when a Load fails
	loads := 0
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline) || loads < 10; loads++ {
		got, err := Load(a.Backend, dir)
		if err != nil {
			t.Fatalf("Load %d during saves: %v", loads, err)
		}
		if f := fingerprint(got); !want[f] {
			t.Fatalf("Load %d returned a mixture (fingerprint %v)", loads, f)
		}
	}
	t.Logf("%d loads during saves", loads)
}

// TestKillDuringSave kills (SIGKILL, at random moments) a child process
// that saves two models alternately into one folder; after each kill the
// folder must load as one of the two models, or hold none when the child
// died before its first save finished.
func TestKillDuringSave(t *testing.T) {
	kills := 12
	if testing.Short() {
		kills = 4
	}
	parent := t.TempDir()
	dir := filepath.Join(parent, "model")
	rng := rand.New(rand.NewPCG(1, 2)) // fixed seed: reproducible kill delays
	backend, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	loaded := 0
	for i := 0; i < kills; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), saverEnv+"="+dir)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		var fa, fb float64
		for sc.Scan() && !strings.HasPrefix(sc.Text(), "fingerprints ") { // the backend prints a line first
		}
		if _, err := fmt.Sscanf(sc.Text(), "fingerprints %g %g", &fa, &fb); err != nil {
			t.Fatalf("kill %d: child line %q: %v", i, sc.Text(), err)
		}
		go func() {
			for sc.Scan() {
			}
		}()
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if !Exists(dir) {
			if _, err := Load(backend, dir); !errors.Is(err, ErrNoModel) {
				t.Fatalf("kill %d: no model, but Load = %v, want ErrNoModel", i, err)
			}
			continue
		}
		m, err := Load(backend, dir)
		if err != nil {
			t.Fatalf("kill %d: saved model unreadable: %v", i, err)
		}
		if f := fingerprint(m); math.Abs(f-fa) > 1e-9 && math.Abs(f-fb) > 1e-9 {
			t.Fatalf("kill %d: loaded fingerprint %v is neither model (%v, %v)", i, f, fa, fb)
		}
		loaded++
	}
	// The next Save removes what the killed writers left behind.
	if err := builtModel(t, nil, 3).Save(dir); err != nil {
		t.Fatal(err)
	}
	assertNoTempDirs(t, parent)
	t.Logf("%d kills, %d left a loadable model", kills, loaded)
}

func textTrain(corpus []string) (*text.Tokenizer, error) { return text.TrainBPE(corpus, 100, 1) }
