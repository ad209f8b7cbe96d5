package optical

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/tracker"
	"github.com/otclir/otclir/tracker/pgtest"
)

// workerEnv makes the test binary a grid worker (see TestMain): it runs
// RunGridWorker on workerGrid with the tiny settings, the database named
// by workerEnv and the artifacts folder named by workerArtifactsEnv.
const (
	workerEnv          = "OTCLIR_OPTICAL_WORKER_DB"
	workerArtifactsEnv = "OTCLIR_OPTICAL_WORKER_ARTIFACTS"
)

func TestMain(m *testing.M) {
	if db := os.Getenv(workerEnv); db != "" {
		os.Exit(runWorkerChild(db, os.Getenv(workerArtifactsEnv)))
	}
	os.Exit(m.Run())
}

// workerSettings are tinyConfig's (lab_test.go): the whole path in seconds.
const workerSettings = "vocab_size=1000;teacher_pairs=400;teacher.train_steps=4;student.train_steps=4;" +
	"encoder.encoder_dim=32;encoder.encoder_ffn_dim=64;encoder.encoder_output_dim=16"

// workerGrid is a small real grid: one language, the systems that train
// (ot, mse) and those that do not, and the references: 7 cells.
func workerGrid() Grid {
	return Grid{Collections: []string{CollectionUDHR}, Languages: []string{"swh"},
		Systems: []string{SystemOT, SystemMSE, SystemZeroShot, SystemRandom}, Seeds: []int64{1}, Budgets: []int{0},
		References: true}
}

func workerConfig(db, artifacts string) (*Config, error) {
	c := SmallConfig()
	c.DBPath, c.ArtifactDir, c.Experiment = db, artifacts, "workers"
	c.Out = os.Stdout
	if err := c.Set(workerSettings); err != nil {
		return nil, err
	}
	return c, c.Validate()
}

func runWorkerChild(db, artifacts string) int {
	c, err := workerConfig(db, artifacts)
	if err == nil {
		var lab *Lab
		if lab, err = Open(context.Background(), c); err == nil {
			_, err = lab.RunGridWorker(context.Background(), workerGrid(), WorkerOptions{Lease: 2 * time.Second})
			lab.Close()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 3
	}
	return 0
}

// evalResults reads the FINISHED evaluation runs of db's "workers"
// experiment by record (config hash): exactly one per cell of the grid.
func evalResults(t *testing.T, db *tracker.DB, cells int) map[string]map[string]float64 {
	t.Helper()
	runs, err := db.SearchRuns(`experiment = "workers" and tags.kind = "`+record.KindEval+`" and status = "FINISHED"`, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for _, r := range runs {
		if _, dup := out[r.ConfigHash]; dup {
			t.Errorf("cell %s (%s) has two FINISHED evaluation runs", r.ConfigHash[:12], r.Name)
		}
		out[r.ConfigHash] = r.Final
	}
	if len(out) != cells {
		t.Errorf("%d cells with a FINISHED evaluation, want %d", len(out), cells)
	}
	return out
}

// TestGridWorkersEndToEnd: four worker processes run a small real grid
// against one tracker; one is SIGKILLed while it works on a cell (it has a
// RUNNING run). Every cell ends DONE, evaluated to FINISHED exactly once,
// with the measures of the same grid run by RunGrid in one process.
func TestGridWorkersEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains and evaluates a grid five times")
	}
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL")
	}
	dir := t.TempDir()
	refCfg, err := workerConfig(filepath.Join(dir, "ref.db"), filepath.Join(dir, "ref-artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	refCfg.Out = io.Discard
	lab := openLab(t, refCfg)
	cells, err := workerGrid().Cells()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lab.RunGrid(context.Background(), workerGrid()); err != nil {
		t.Fatal(err)
	}
	want := evalResults(t, lab.DB, len(cells))
	lab.Close()

	for _, b := range []struct {
		name     string
		location func(testing.TB) string
	}{
		{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "results.db") }},
		{"postgres", pgtest.URL},
	} {
		t.Run(b.name, func(t *testing.T) {
			loc := b.location(t)
			artifacts := filepath.Join(t.TempDir(), "artifacts")
			db, err := tracker.Open(loc) // the schema, before the workers start
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			start := func(i int) *exec.Cmd {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), workerEnv+"="+loc, workerArtifactsEnv+"="+artifacts)
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				cmd.Stderr = os.Stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				go func() {
					sc := bufio.NewScanner(out)
					for sc.Scan() {
						if testing.Verbose() {
							t.Logf("worker %d: %s", i, sc.Text())
						}
					}
				}()
				t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
				return cmd
			}
			victim := start(0)
			// Wait until the victim works on a cell: it has a RUNNING run
			// (training a model the cell needs, or evaluating it).
			var killed *tracker.RunRecord
			for deadline := time.Now().Add(5 * time.Minute); killed == nil; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the first worker started no run in 5 minutes")
				}
				runs, err := db.SearchRuns(`status = "RUNNING"`, "", 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range runs {
					if r.PID == victim.Process.Pid {
						killed = r
					}
				}
			}
			var others []*exec.Cmd
			for i := 1; i < 4; i++ {
				others = append(others, start(i))
			}
			if err := victim.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			victim.Wait()
			for i, o := range others {
				if err := o.Wait(); err != nil {
					t.Errorf("worker %d: %v", i+1, err)
				}
			}
			if _, err := db.GC(0); err != nil { // the victim's runs, if no claim ended them
				t.Fatal(err)
			}
			got := evalResults(t, db, len(cells))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("measures differ from the single-process grid's:\n got %v\nwant %v", got, want)
			}
			rr, err := db.GetRun(killed.ID)
			if err != nil {
				t.Fatal(err)
			}
			if rr.Status != tracker.StatusKilled {
				t.Errorf("the SIGKILLed worker's run %d (%s) is %s, want KILLED", rr.ID, rr.Name, rr.Status)
			}
			var states []string
			rows, err := db.SQL().Query(`SELECT state || ' ' || CAST(COUNT(*) AS TEXT) FROM cells GROUP BY state`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				states = append(states, s)
			}
			rows.Close()
			if want := fmt.Sprintf("DONE %d", len(cells)); len(states) != 1 || states[0] != want {
				t.Errorf("cells by state %v, want [%s]", states, want)
			}
			// The victim held a claim when it died: its cell was claimed again.
			var attempts int
			if err := db.SQL().QueryRow(`SELECT MAX(attempts) FROM cells`).Scan(&attempts); err != nil || attempts < 2 {
				t.Errorf("no cell was claimed twice (max attempts %d, %v): the killed worker's cell was not reclaimed", attempts, err)
			}
			t.Logf("killed worker's run %d (%s): %s", rr.ID, rr.Name, strings.SplitN(rr.Error, "\n", 2)[0])
		})
	}
}
