package eval

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// FuzzParseRun checks that ParseRun never panics, that what it accepts
// survives a WriteRun/ParseRun round trip, and that Evaluate handles it.
// Seed corpus: testdata/fuzz/FuzzParseRun plus the adds below.
func FuzzParseRun(f *testing.F) {
	f.Add([]byte("q1 Q0 d1 1 0.5 tag\nq1 Q0 d2 2 0.5 tag\n"))
	f.Add([]byte("q1 Q0 d1 1 -Inf tag extra fields\n\n"))
	f.Add([]byte("q1 Q0 d1 1 1e400 t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := ParseRun(bytes.NewReader(data), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteRun(&buf, run, "t"); err != nil {
			t.Fatal(err)
		}
		back, err := ParseRun(&buf, "roundtrip")
		if err != nil {
			t.Fatalf("written run does not parse: %v\n%s", err, buf.String())
		}
		qrels := Qrels{}
		for qid, docs := range run {
			if len(back[qid]) != len(docs) {
				t.Fatalf("query %s: %d docs, %d after round trip", qid, len(docs), len(back[qid]))
			}
			got := map[string]float64{}
			for _, d := range back[qid] {
				got[d.DocNo] = d.Score
			}
			qrels[qid] = map[string]int{}
			for _, d := range docs {
				if g := got[d.DocNo]; g != d.Score {
					t.Fatalf("%s %s: score %v became %v", qid, d.DocNo, d.Score, g)
				}
				qrels[qid][d.DocNo] = len(d.DocNo)%3 - 1
			}
		}
		res, err := Evaluate(qrels, run, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for m, v := range res.Aggregate {
			if math.IsNaN(v) || v < 0 || (!strings.HasPrefix(m, "num_") && v > 1) {
				t.Fatalf("%s = %v out of range", m, v)
			}
		}
	})
}

// FuzzParseQrels checks that ParseQrels never panics and that what it
// accepts survives a WriteQrels/ParseQrels round trip.
func FuzzParseQrels(f *testing.F) {
	f.Add([]byte("q1 0 d1 1\nq1 0 d2 0\n"))
	f.Add([]byte("q1 0 d1 -2\n\n q2\t0\td3\t3 \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := ParseQrels(bytes.NewReader(data), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteQrels(&buf, q); err != nil {
			// Only a qid starting with '#' (data after leading blanks,
			// a comment in column one) cannot be written back.
			for qid := range q {
				if qid[0] == '#' {
					return
				}
			}
			t.Fatal(err)
		}
		back, err := ParseQrels(&buf, "roundtrip")
		if err != nil {
			t.Fatalf("written qrels do not parse: %v", err)
		}
		for qid, docs := range q {
			for d, rel := range docs {
				if back[qid][d] != rel {
					t.Fatalf("%s %s: rel %d became %d", qid, d, rel, back[qid][d])
				}
			}
		}
	})
}
