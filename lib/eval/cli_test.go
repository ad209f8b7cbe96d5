package eval

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunCLIErrors(t *testing.T) {
	dir := t.TempDir()
	qrels := filepath.Join(dir, "qrels")
	run := filepath.Join(dir, "run")
	bad := filepath.Join(dir, "bad")
	os.WriteFile(qrels, []byte("q1 0 d1 1\n"), 0o644)
	os.WriteFile(run, []byte("q1 Q0 d1 1 1.0 t\n"), 0o644)
	os.WriteFile(bad, []byte("q1 Q0 d1 1 1.0 t\nq1 Q0 d1\n"), 0o644)
	cases := []struct {
		name    string
		args    []string
		wantErr error
		wantMsg string
	}{
		{"no files", []string{"-q"}, ErrUsage, "want 2 files"},
		{"bad flag", []string{"-x", qrels, run}, ErrUsage, "-x"},
		{"bad level", []string{"-l", "two", qrels, run}, ErrUsage, "-l"},
		{"bad measure", []string{"-m", "bpref", qrels, run}, ErrUnknownMeasure, "bpref"},
		{"missing file", []string{qrels, filepath.Join(dir, "nope")}, os.ErrNotExist, "nope"},
		{"bad run line", []string{qrels, bad}, ErrMalformed, bad + ":2:"},
	}
	for _, c := range cases {
		err := RunCLI(c.args, &bytes.Buffer{})
		if !errors.Is(err, c.wantErr) || !strings.Contains(err.Error(), c.wantMsg) {
			t.Errorf("%s: err = %v, want %v containing %q", c.name, err, c.wantErr, c.wantMsg)
		}
	}
	var out bytes.Buffer
	if err := RunCLI([]string{"-m", "num_q", "-m", "P.1,2", qrels, run}, &out); err != nil {
		t.Fatal(err)
	}
	// One query, d1 relevant at rank 1: P_1 = 1, P_2 = 1/2; num_q is an integer.
	want := "num_q                 \tall\t1\nP_1                   \tall\t1.0000\nP_2                   \tall\t0.5000\n"
	if out.String() != want {
		t.Errorf("RunCLI output %q, want %q", out.String(), want)
	}
}
