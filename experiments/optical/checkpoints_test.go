package optical

import (
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/bert"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/tracker"
)

// The checkpoint fixtures of lib/bert: tiny random BERT-family models whose
// forward pass lib/bert checks against PyTorch (testdata/hfref.py).
var (
	colbertFixture = filepath.Join("..", "..", "lib", "bert", "testdata", "tiny-colbert")
	xlmrFixture    = filepath.Join("..", "..", "lib", "bert", "testdata", "tiny-xlmr")
)

// checkpointSettings use the ColBERT fixture as the teacher and the XLM-R
// fixture as the students' initialisation, at lengths within their 40
// positions.
func checkpointSettings() string {
	return "teacher.checkpoint=" + colbertFixture + ";student.init=" + xlmrFixture +
		";query_len=32;doc_len=32;student.bitext_len=24;student.batch_size=8"
}

// fixtureHash is lib/bert's WeightsSHA256 of a fixture, computed here
// independently of the lab.
func fixtureHash(t *testing.T, dir string) string {
	t.Helper()
	backend, err := encoder.NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	m, err := bert.Load(backend, dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := m.WeightsSHA256()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestCheckpointSettings(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip(err)
	}
	c := DefaultConfig()
	if err := c.Set("teacher.checkpoint=~/models/colbertv2.0;student.init=rel/xlmr;student.conventions=none;student.warmup_steps=5"); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("rel/xlmr")
	if c.TeacherCheckpoint != filepath.Join(home, "models/colbertv2.0") || c.StudentInit != abs {
		t.Fatalf("paths %q, %q: want ~ expanded and absolute", c.TeacherCheckpoint, c.StudentInit)
	}
	s := c.Settings()
	for _, want := range []string{"teacher.checkpoint=" + c.TeacherCheckpoint, "student.init=" + abs, "student.conventions=none", "student.warmup_steps=5"} {
		if !strings.Contains(s, want) {
			t.Errorf("Settings lacks %q:\n%s", want, s)
		}
	}
	back := DefaultConfig()
	if err := back.Set(s); err != nil || back.Settings() != s {
		t.Fatalf("round trip: %v\n%s\n%s", err, back.Settings(), s)
	}
	// Without them the settings are those recorded before they existed.
	for _, k := range []string{"checkpoint", "student.init", "conventions", "warmup", "lr_decay", "freeze", "clip"} {
		if strings.Contains(DefaultConfig().Settings(), k) {
			t.Errorf("default Settings mention %q", k)
		}
	}
}

// TestCheckpointLab: with a checkpoint teacher and student initialisation,
// the lab trains no teacher, trains the student from the XLM-R fixture with
// its own tokenizer, saves it in HuggingFace layout as the run's artifacts,
// records both checkpoints' hashes in every run and in the model keys, and
// reproduces the student's training and an evaluation from results.db.
func TestCheckpointLab(t *testing.T) {
	ctx := context.Background()
	c := tinyConfig(t)
	if err := c.Set(checkpointSettings()); err != nil {
		t.Fatal(err)
	}
	lab := openLab(t, c)
	res, err := lab.Evaluate(ctx, lab.Cell(SystemOT, CollectionUDHR, "swh", "eng"))
	if err != nil {
		lab.Close()
		t.Fatal(err)
	}
	zs, err := lab.Evaluate(ctx, lab.Cell(SystemZeroShot, CollectionUDHR, "swh", "eng"))
	if err != nil {
		lab.Close()
		t.Fatal(err)
	}
	tspec := lab.TeacherSpec()
	sspec, _, _, err := lab.studentSpec("swh", lab.defaultSeed(), c.BitextBudget, nil)
	lab.Close()
	if err != nil {
		t.Fatal(err)
	}
	th, sh := fixtureHash(t, colbertFixture), fixtureHash(t, xlmrFixture)
	if tspec.Checkpoint != th || sspec.Init != sh || sspec.Teacher != tspec.Key() || tspec.Conventions != "query_pad,punctuation" {
		t.Fatalf("specs: teacher %+v, student init %s; want the fixtures' hashes %s, %s", tspec, sspec.Init, th, sh)
	}
	db, err := tracker.OpenReadOnly(c.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := db.SearchRuns(`status = "FINISHED"`, "id", 0)
	if err != nil {
		t.Fatal(err)
	}
	var studentRun, evalRun *tracker.RunRecord
	for _, r := range runs {
		if r.Params[record.ParamTeacherCheckpointSHA256] != th || r.Params[record.ParamStudentInitSHA256] != sh ||
			r.Params[record.ParamTeacherCheckpoint] != c.TeacherCheckpoint || r.Params[record.ParamStudentInit] != c.StudentInit {
			t.Errorf("run %d (%s): checkpoint params %v", r.ID, r.Name, r.Params)
		}
		switch {
		case record.Role(r) == record.RoleTeacher:
			t.Errorf("run %d trained a teacher: a checkpoint teacher is frozen", r.ID)
		case record.Role(r) == record.RoleStudent:
			studentRun = r
		case r.ID == res.RunID:
			evalRun = r
		}
	}
	if studentRun == nil || evalRun == nil {
		db.Close()
		t.Fatalf("runs %v: want a student training run and the ot evaluation", runs)
	}
	for _, r := range []*record.Result{res, zs} {
		if m := r.Metrics["map"]; math.IsNaN(m) || m <= 0 || m > 1 {
			t.Errorf("%s: MAP %v", r.System(), m)
		}
	}
	arts, err := db.Artifacts(studentRun.ID)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	var sdir string
	for _, a := range arts {
		if a.Kind == "model" {
			kinds[filepath.Base(a.Path)] = a.Kind
			sdir = filepath.Dir(a.Path)
		}
	}
	for _, f := range []string{"config.json", "model.safetensors", "sentencepiece.bpe.model", encoder.ConventionsFile} {
		if kinds[f] != "model" {
			t.Errorf("student artifacts %v: no model file %s", kinds, f)
		}
	}
	// The saved student is a checkpoint: lib/bert loads it, with the
	// teacher's 8-d projection.
	bm, err := bert.Load(nil, sdir)
	if err != nil || bm.Config.ProjectionDim != 8 || bm.Config.Arch != bert.XLMRoBERTa {
		t.Fatalf("saved student %s: %v, %+v", sdir, err, bm)
	}

	// reproduce re-runs the student's training and the evaluation from
	// their recorded settings, checkpoints included.
	base := DefaultConfig()
	base.DBPath, base.ArtifactDir, base.CacheDir, base.Out = c.DBPath, c.ArtifactDir, c.CacheDir, io.Discard
	for _, old := range []*tracker.RunRecord{studentRun, evalRun} {
		newID, err := reproduceRun(ctx, base, old)
		if err != nil {
			t.Fatal(err)
		}
		db, err := tracker.OpenReadOnly(c.DBPath)
		if err != nil {
			t.Fatal(err)
		}
		nr, err := db.GetRun(newID)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{record.ParamTeacherCheckpointSHA256, record.ParamStudentInitSHA256, record.ParamSettings, record.ParamModelKey, record.ParamStudentKey} {
			if nr.Params[k] != old.Params[k] {
				t.Errorf("reproduced run %d: %s = %q, recorded %q", newID, k, nr.Params[k], old.Params[k])
			}
		}
		if old == evalRun && nr.Final["map"] != old.Final["map"] {
			t.Errorf("reproduced evaluation: MAP %v, recorded %v", nr.Final["map"], old.Final["map"])
		}
	}
}
