package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUsageErrors(t *testing.T) {
	var ue usageError
	if err := run(nil, io.Discard, io.Discard); !errors.As(err, &ue) {
		t.Fatalf("no command: %v, want a usage error", err)
	}
	if err := run([]string{"frobnicate"}, io.Discard, io.Discard); !errors.As(err, &ue) {
		t.Fatalf("unknown command: %v, want a usage error", err)
	}
	var out bytes.Buffer
	if err := run([]string{"help"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "demo") {
		t.Fatalf("help: %v %q", err, out.String())
	}
}

func TestEvalCommand(t *testing.T) {
	// The trec_eval-style golden case of lib/eval (hand-derived values there).
	dir := filepath.Join("..", "..", "lib", "eval", "testdata", "ties")
	var out bytes.Buffer
	if err := run([]string{"eval", "-m", "map", filepath.Join(dir, "qrels"), filepath.Join(dir, "run")}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasPrefix(got, "map                   \tall\t0.3667") {
		t.Fatalf("eval output %q", got)
	}
	bad := filepath.Join(t.TempDir(), "bad.run")
	if err := os.WriteFile(bad, []byte("q1 Q0 d1 1 notanumber tag\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"eval", filepath.Join(dir, "qrels"), bad}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bad.run:1") {
		t.Fatalf("malformed run: %v, want an error naming bad.run:1", err)
	}
}

func TestBadSettingsFailBeforeWork(t *testing.T) {
	db := filepath.Join(t.TempDir(), "results.db")
	err := run([]string{"demo", "-db", db, "-set", "teacher.train_steps=many"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "teacher.train_steps") {
		t.Fatalf("bad setting: %v", err)
	}
	if _, statErr := os.Stat(db); !os.IsNotExist(statErr) {
		t.Fatalf("a rejected configuration touched the database (%v)", statErr)
	}
}
