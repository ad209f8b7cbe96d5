package eval

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseQrels(t *testing.T) {
	got, err := ParseQrels(strings.NewReader("q1 0 d1 1\n\nq1 0 d2 0\nq2 0 d1 -1\nq2 0 d3 3\n"), "x.qrels")
	if err != nil {
		t.Fatal(err)
	}
	want := Qrels{"q1": {"d1": 1, "d2": 0}, "q2": {"d1": -1, "d3": 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseQrels = %v, want %v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, kind, in, wantMsg string
		wantErr                 error
	}{
		{"qrels fields", "qrels", "q1 0 d1 1\nq1 0 d2\n", "f:2:", ErrMalformed},
		{"qrels rel", "qrels", "q1 0 d1 yes\n", "f:1:", ErrMalformed},
		{"qrels duplicate", "qrels", "q1 0 d1 1\nq1 0 d1 0\n", "f:2:", ErrDuplicate},
		{"qrels empty", "qrels", "\n  \n", "f:", ErrEmpty},
		{"run fields", "run", "q1 Q0 d1 1 0.5\n", "f:1:", ErrMalformed},
		{"run score", "run", "q1 Q0 d1 1 0.5 t\nq1 Q0 d2 2 high t\n", "f:2:", ErrMalformed},
		{"run nan", "run", "q1 Q0 d1 1 NaN t\n", "f:1:", ErrMalformed},
		// trec_eval: "trec_eval.form_res_qrels: duplicate docs".
		{"run duplicate", "run", "q1 Q0 d1 1 0.5 t\nq2 Q0 d1 1 0.5 t\nq1 Q0 d1 2 0.4 t\n", "f:3:", ErrDuplicate},
		{"run empty", "run", "", "f:", ErrEmpty},
		{"run comments only", "run", "# a comment\n  # another\n", "f:", ErrEmpty},
		{"qrels NUL", "qrels", "q1 0 d\x001 1\n", "f:1:", ErrMalformed},
		{"run NUL", "run", "q1 Q0 d1 1 0.5 t\nq1 Q0 d2 1 0.5\x00 t\n", "f:2:", ErrMalformed},
		// U+00A0 is not C white space: "d1\u00a01" is one field, so the line has 3.
		{"qrels nbsp", "qrels", "q1 0 d1\u00a01\n", "f:1:", ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.kind == "qrels" {
				_, err = ParseQrels(strings.NewReader(c.in), "f")
			} else {
				_, err = ParseRun(strings.NewReader(c.in), "f")
			}
			if !errors.Is(err, c.wantErr) || !strings.HasPrefix(err.Error(), c.wantMsg) {
				t.Errorf("err = %v, want %v prefixed %q", err, c.wantErr, c.wantMsg)
			}
		})
	}
}

// TestParseFieldSplitting checks trec_eval's field splitting (C isspace:
// space, \t, \n, \v, \f, \r, and no other byte), comments and the run
// id, which is the tag of the last data line (get_trec_results.c).
func TestParseFieldSplitting(t *testing.T) {
	run, id, err := ParseRunWithID(strings.NewReader(
		"# comment\nq1\vQ0\fd\u00a01 1 0.5 tagA\r\n  # indented comment\n\n q1 Q0 d\u20092 2 0.25 tagB extra\n"), "r")
	if err != nil {
		t.Fatal(err)
	}
	want := Run{"q1": {{"d\u00a01", 0.5}, {"d\u20092", 0.25}}}
	if !reflect.DeepEqual(run, want) || id != "tagB" {
		t.Errorf("ParseRunWithID = %v, %q; want %v, tagB", run, id, want)
	}
	q, err := ParseQrels(strings.NewReader("# comment in column 1\nq1\t0\vd\u00a01\f2\r\n #q 0 d 1\n"), "q")
	if err != nil {
		t.Fatal(err)
	}
	// A '#' after leading blanks is data in a qrels file, as in trec_eval.
	if wantQ := (Qrels{"q1": {"d\u00a01": 2}, "#q": {"d": 1}}); !reflect.DeepEqual(q, wantQ) {
		t.Errorf("ParseQrels = %v, want %v", q, wantQ)
	}
}

func TestParseRunIgnoresRankAndExtraFields(t *testing.T) {
	run, err := ParseRun(strings.NewReader("q1 Q0 d1 7 0.25 tag extra\nq1 Q0 d2 1 1e-3 tag\n"), "r")
	if err != nil {
		t.Fatal(err)
	}
	want := Run{"q1": {{"d1", 0.25}, {"d2", 0.001}}}
	if !reflect.DeepEqual(run, want) {
		t.Errorf("ParseRun = %v, want %v", run, want)
	}
}

func TestWriteRunRoundTrip(t *testing.T) {
	// Scores differing in the 17th significant digit must stay distinct.
	run := Run{
		"q2": {{"b", 0.1}, {"a", 0.1}, {"c", 0.30000000000000004}, {"d", 0.3}},
		"q1": {{"x", -2.5}, {"y", 1e300}},
	}
	var buf bytes.Buffer
	if err := WriteRun(&buf, run, "sys"); err != nil {
		t.Fatal(err)
	}
	// Order: qid strcmp; score descending as float32, as trec_eval ranks
	// (0.30000000000000004 and 0.3 tie, like b and a at 0.1); ties by docno
	// descending. Scores keep every float64 digit.
	want := "q1 Q0 y 1 1e+300 sys\nq1 Q0 x 2 -2.5 sys\n" +
		"q2 Q0 d 1 0.3 sys\nq2 Q0 c 2 0.30000000000000004 sys\nq2 Q0 b 3 0.1 sys\nq2 Q0 a 4 0.1 sys\n"
	if buf.String() != want {
		t.Fatalf("WriteRun:\n%s\nwant\n%s", buf.String(), want)
	}
	back, err := ParseRun(&buf, "buf")
	if err != nil {
		t.Fatal(err)
	}
	for qid, docs := range run {
		got := map[string]float64{}
		for _, d := range back[qid] {
			got[d.DocNo] = d.Score
		}
		for _, d := range docs {
			if got[d.DocNo] != d.Score {
				t.Errorf("%s %s: score %v read back as %v", qid, d.DocNo, d.Score, got[d.DocNo])
			}
		}
	}
	if err := WriteRun(&buf, run, "two words"); err == nil {
		t.Error("WriteRun accepted a tag with a space")
	}
}

func TestWriteQrelsRoundTrip(t *testing.T) {
	q := Qrels{"q2": {"b": 2, "a": -1}, "q1": {"z": 0}}
	var buf bytes.Buffer
	if err := WriteQrels(&buf, q); err != nil {
		t.Fatal(err)
	}
	if want := "q1 0 z 0\nq2 0 a -1\nq2 0 b 2\n"; buf.String() != want {
		t.Fatalf("WriteQrels = %q, want %q", buf.String(), want)
	}
	back, err := ParseQrels(&buf, "buf")
	if err != nil || !reflect.DeepEqual(back, q) {
		t.Errorf("round trip = %v, %v; want %v", back, err, q)
	}
}

func TestReadTopics(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, file, body string
		want             []Topic
	}{
		{"tsv", "t.tsv", "1\tcheap flights\n\n2\tmaji safi\n",
			[]Topic{{ID: "1", Title: "cheap flights"}, {ID: "2", Title: "maji safi"}}},
		{"jsonl", "t.jsonl", `{"id":"a","text":"hello"}` + "\n" + `{"qid":7,"title":"t","description":"d"}` + "\n" + `{"_id":"c","query":"q"}` + "\n",
			[]Topic{{ID: "a", Title: "hello"}, {ID: "7", Title: "t", Description: "d"}, {ID: "c", Title: "q"}}},
		// TREC ad hoc topic layout (TREC-7 topics 351-400 style).
		{"sgml", "topics.351", "<top>\n<num> Number: 351 \n<title> Falkland petroleum exploration \n\n<desc> Description: \nWhat information is\navailable?\n\n<narr> Narrative: \nAll documents.\n</top>\n\n<top>\n<num> Number: 352\n<title> Topic: British Chunnel impact\n</top>\n",
			[]Topic{{ID: "351", Title: "Falkland petroleum exploration", Description: "What information is available?"}, {ID: "352", Title: "British Chunnel impact"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadTopics(write(c.file, c.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("ReadTopics = %+v, want %+v", got, c.want)
			}
		})
	}
	bad := []struct{ file, body, msg string }{
		{"b.tsv", "1\tok\n2 no tab\n", "b.tsv:2:"},
		{"b.jsonl", `{"id":"1","text":"x"}` + "\n" + `{"id":"2"}` + "\n", "b.jsonl:2:"},
		{"b.sgml", "<top>\n<num> Number: 1\n</top>\n", "b.sgml:1:"},
		{"e.tsv", "\n", "e.tsv:"},
		{"d.tsv", "1\ta\n1\tb\n", "d.tsv:"},
	}
	for _, b := range bad {
		p := write(b.file, b.body)
		if _, err := ReadTopics(p); err == nil || !strings.HasPrefix(err.Error(), p[:len(p)-len(b.file)]+b.msg) {
			t.Errorf("ReadTopics(%s) err = %v, want prefix %q", b.file, err, b.msg)
		}
	}
}
