package eval

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trecEvalDir holds trec_eval 9.0.8's own outputs (see its README.md).
const trecEvalDir = "testdata/trec_eval"

type trecCommand struct {
	exit int
	args []string
}

func readTrecCommands(t testing.TB, dir string) []trecCommand {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "commands.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []trecCommand
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		var c trecCommand
		if _, err := fmt.Sscan(fields[0], &c.exit); err != nil {
			t.Fatalf("%s: bad exit status %q", dir, fields[0])
		}
		c.args = fields[1:]
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func trecCases(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir(trecEvalDir)
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, e := range entries {
		if e.IsDir() {
			cases = append(cases, e.Name())
		}
	}
	if len(cases) == 0 {
		t.Fatal("no trec_eval cases")
	}
	return cases
}

// TestTrecEvalGolden runs RunCLI on every case and option set of
// testdata/trec_eval and compares with trec_eval 9.0.8's own output: the
// standard output byte for byte where trec_eval exited 0, an error where it
// did not.
func TestTrecEvalGolden(t *testing.T) {
	for _, name := range trecCases(t) {
		dir := filepath.Join(trecEvalDir, name)
		for i, c := range readTrecCommands(t, dir) {
			t.Run(fmt.Sprintf("%s/%d", name, i+1), func(t *testing.T) {
				args := append(append([]string{}, c.args...), filepath.Join(dir, "qrels"), filepath.Join(dir, "run"))
				var out bytes.Buffer
				err := RunCLI(args, &out)
				if c.exit != 0 {
					if err == nil {
						t.Fatalf("trec_eval %q exited %d, RunCLI succeeded", c.args, c.exit)
					}
					return
				}
				if err != nil {
					t.Fatalf("RunCLI(%q): %v", c.args, err)
				}
				want, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("out%d.txt", i+1)))
				if err != nil {
					t.Fatal(err)
				}
				if got := out.Bytes(); !bytes.Equal(got, want) {
					t.Errorf("trec_eval %q: output differs:\n%s", c.args, lineDiff(got, want))
				}
			})
		}
	}
}

// lineDiff lists the first differing lines of got and want.
func lineDiff(got, want []byte) string {
	g := strings.Split(string(got), "\n")
	w := strings.Split(string(want), "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(g), len(w)) && shown < 10; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			fmt.Fprintf(&b, "line %d:\n  got  %q\n  want %q\n", i+1, gl, wl)
			shown++
		}
	}
	fmt.Fprintf(&b, "(%d lines got, %d want)", len(g), len(w))
	return b.String()
}
