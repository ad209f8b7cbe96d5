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
		{"bad measure", []string{"-m", "bogus", qrels, run}, ErrUnknownMeasure, "bogus"},
		{"bad cutoff", []string{"-m", "P.5,5", qrels, run}, ErrMeasureParams, "P.5,5"},
		{"bad -M", []string{"-M", "-3", qrels, run}, ErrUsage, "-M"},
		{"missing -m argument", []string{qrels, run, "-m"}, ErrUsage, "-m"},
		{"ambiguous long option", []string{"--Re", "qrels", qrels, run}, ErrUsage, "ambiguous"},
		{"z-scores", []string{"-Z", "zfile", qrels, run}, ErrUsage, "-Z"},
		{"missing file", []string{qrels, filepath.Join(dir, "nope")}, os.ErrNotExist, "nope"},
		{"bad run line", []string{qrels, bad}, ErrMalformed, bad + ":2:"},
	}
	for _, c := range cases {
		err := RunCLI(c.args, &bytes.Buffer{})
		if !errors.Is(err, c.wantErr) || !strings.Contains(err.Error(), c.wantMsg) {
			t.Errorf("%s: err = %v, want %v containing %q", c.name, err, c.wantErr, c.wantMsg)
		}
	}
}

// TestRunCLIOptions checks trec_eval's option syntax (GNU getopt_long:
// options after the files, clusters, attached arguments, long names and
// their prefixes) and -n.
func TestRunCLIOptions(t *testing.T) {
	dir := t.TempDir()
	qrels := filepath.Join(dir, "qrels")
	run := filepath.Join(dir, "run")
	os.WriteFile(qrels, []byte("q1 0 d1 1\nq2 0 d9 1\n"), 0o644)
	os.WriteFile(run, []byte("q1 Q0 d1 1 1.0 t\nq1 Q0 d2 2 0.5 myrun\n"), 0o644)
	// One query, d1 relevant at rank 1: P_1 = 1, P_2 = 1/2; num_q is an
	// integer; with -c num_q is 2 and P averages over both qrels queries.
	summary := "num_q                 \tall\t1\nP_1                   \tall\t1.0000\nP_2                   \tall\t0.5000\n"
	perQuery := "P_1                   \tq1\t1.0000\nP_2                   \tq1\t0.5000\n"
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-m", "num_q", "-m", "P.1,2", qrels, run}, summary},
		{[]string{qrels, "-mnum_q", run, "--measure=P.1,2"}, summary},
		{[]string{"-qm", "num_q", "--meas", "P.1,2", qrels, run}, perQuery + summary},
		{[]string{"-q", "-n", "-m", "num_q", "-m", "P.1,2", qrels, run}, perQuery},
		{[]string{"-n", "-m", "P.1", qrels, run}, ""},
		{[]string{"-c", "-m", "num_q", "-m", "P.1,2", qrels, run},
			"num_q                 \tall\t2\nP_1                   \tall\t0.5000\nP_2                   \tall\t0.2500\n"},
		// -M 1 keeps d1 only; -l2 makes nothing relevant.
		{[]string{"-M1", "-m", "num_ret", "-m", "P.2", qrels, run},
			"num_ret               \tall\t1\nP_2                   \tall\t0.5000\n"},
		{[]string{"-l2", "-m", "P.1", "--", qrels, run}, "P_1                   \tall\t0.0000\n"},
		// runid is the tag of the last line; ir_measures names print as trec_eval's.
		{[]string{"-m", "runid", "-m", "P@1", "-m", "RR", qrels, run},
			"runid                 \tall\tmyrun\nrecip_rank            \tall\t1.0000\nP_1                   \tall\t1.0000\n"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		if err := RunCLI(c.args, &out); err != nil {
			t.Errorf("RunCLI(%q): %v", c.args, err)
			continue
		}
		if out.String() != c.want {
			t.Errorf("RunCLI(%q) = %q, want %q", c.args, out.String(), c.want)
		}
	}
}
