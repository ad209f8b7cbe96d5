package main

import (
	"bytes"
	"context"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/bert"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/tracker"
)

// checkpointArgs are the settings of a run on lib/bert's fixture
// checkpoints (tiny random models whose forward pass lib/bert checks
// against PyTorch): the ColBERT fixture as the frozen teacher, the XLM-R
// fixture as the students' initialisation, lengths within their 40
// positions, few steps.
func checkpointArgs() string {
	fx := filepath.Join("..", "..", "lib", "bert", "testdata")
	return "teacher.checkpoint=" + filepath.Join(fx, "tiny-colbert") + ";student.init=" + filepath.Join(fx, "tiny-xlmr") +
		";query_len=32;doc_len=32;student.bitext_len=24;student.train_steps=4;student.batch_size=8;" +
		"student.warmup_steps=1;student.lr_decay=linear;student.clip_grad_norm=1;student.freeze_embeddings=true"
}

// weightsHash is lib/bert's WeightsSHA256 of a fixture, computed here
// independently of the commands.
func weightsHash(t *testing.T, name string) string {
	t.Helper()
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	m, err := bert.Load(backend, filepath.Join("..", "..", "lib", "bert", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	h, err := m.WeightsSHA256()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestCheckpointCommandsEndToEnd: demo and user run on fixture checkpoints
// as teacher and student initialisation; results.db records the
// checkpoints' hashes in every run, every run is FINISHED, and every MAP is
// finite.
func TestCheckpointCommandsEndToEnd(t *testing.T) {
	needData(t)
	tmp := t.TempDir()
	db := filepath.Join(tmp, "results.db")
	art := filepath.Join(tmp, "artifacts")
	teacherHash, studentHash := weightsHash(t, "tiny-colbert"), weightsHash(t, "tiny-xlmr")
	dir := userFixture(t)
	for _, args := range [][]string{
		{"demo", "-small", "-db", db, "-artifacts", art, "-set", checkpointArgs()},
		{"user", "-small", "-db", db, "-artifacts", art, "-set", checkpointArgs(),
			"-docs", filepath.Join(dir, "docs.jsonl"), "-topics", filepath.Join(dir, "topics.trec"),
			"-qrels", filepath.Join(dir, "qrels.txt"), "-bitext", filepath.Join(dir, "bitext.tsv"), "-lang", "zul"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, io.Discard); err != nil {
			t.Fatalf("%s: %v\n%s", args[0], err, out.String())
		}
		if strings.Contains(out.String(), "teacher: training") {
			t.Errorf("%s trained a teacher: a checkpoint teacher is frozen\n%s", args[0], out.String())
		}
	}
	d, err := tracker.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	runs, err := d.SearchRuns("", "id", 0)
	if err != nil {
		t.Fatal(err)
	}
	experiments := map[string]int{}
	students := 0
	for _, r := range runs {
		if r.Status != tracker.StatusFinished {
			t.Errorf("run %d (%s): %s", r.ID, r.Name, r.Status)
		}
		if r.Params[record.ParamTeacherCheckpointSHA256] != teacherHash || r.Params[record.ParamStudentInitSHA256] != studentHash {
			t.Errorf("run %d (%s): checkpoint hashes %q, %q; want %s, %s", r.ID, r.Name,
				r.Params[record.ParamTeacherCheckpointSHA256], r.Params[record.ParamStudentInitSHA256], teacherHash, studentHash)
		}
		switch record.Role(r) {
		case record.RoleEval:
			experiments[r.Experiment]++
			if m, ok := r.Final["map"]; !ok || math.IsNaN(m) || math.IsInf(m, 0) || m < 0 || m > 1 {
				t.Errorf("run %d (%s): MAP %v (%v)", r.ID, r.Name, m, ok)
			}
		case record.RoleStudent:
			students++
		default:
			t.Errorf("run %d (%s): role %q", r.ID, r.Name, record.Role(r))
		}
	}
	if experiments["quickstart"] == 0 || experiments["user"] == 0 || students != 3 {
		t.Fatalf("evaluations by experiment %v, %d student runs: want demo's and user's, students swh (ot), zul (ot, mse)", experiments, students)
	}
}
