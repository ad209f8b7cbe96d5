package ui

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/plots"
	"github.com/otclir/otclir/tracker"
)

// The fixture database: an experiment "paper" shaped like the optical
// experiment's runs (train runs with loss curves, evaluation runs with
// per-query values, artifacts). All numbers are synthetic, chosen so that
// means and test outcomes can be derived by hand (and have at most three
// decimals, so no printed value sits on a rounding boundary):
//
//   - psq on swh-eng: query i (0..19) scores 0.2 + 0.01·(7i mod 20). 7 is
//     coprime with 20, so (7i mod 20) runs over 0..19 once: the mean is
//     0.2 + 0.01·9.5 = 0.295.
//   - ot on swh-eng: psq + 0.08 + 0.02·((3i mod 5) − 2). (3i mod 5) runs
//     over 0..4 four times, so the shift averages 0.08: mean 0.375; every
//     difference is ≥ 0.04 > 0, so ot beats psq on all 20 queries.
//   - mse on swh-eng: psq + 0.03·((3i mod 5) − 2): mean 0.295, 8 queries
//     better than psq, 8 worse, 4 tied (3i mod 5 = 2).
//   - deu-eng: psq 0.35 + 0.01·(7i mod 20) (mean 0.445); ot = psq + 0.01 +
//     0.02·((3i mod 5) − 2) (mean 0.455; differences −0.03..0.05, not
//     significant).
const numQueries = 20

func psqValue(lang string, i int) float64 {
	base := 0.2
	if lang == "deu" {
		base = 0.35
	}
	return base + 0.01*float64((7*i)%20)
}

func shift(i int) float64 { return float64((3*i)%5 - 2) }

// perQueryOf is the fixture's per-query MAP of system on lang.
func perQueryOf(system, lang string) map[string]float64 {
	out := map[string]float64{}
	for i := 0; i < numQueries; i++ {
		v := psqValue(lang, i)
		switch {
		case system == "ot" && lang == "swh":
			v += 0.08 + 0.02*shift(i)
		case system == "ot":
			v += 0.01 + 0.02*shift(i)
		case system == "mse":
			v += 0.03 * shift(i)
		}
		out[qidOf(i)] = v
	}
	return out
}

func qidOf(i int) string { return fmt.Sprintf("udhr-a%02d-p1", i+1) }

// queryText is the fixture's text of query i (the UDHR article it names).
func queryText(i int) string { return fmt.Sprintf("Article %d of the declaration", i+1) }

func mean(m map[string]float64) float64 {
	s := 0.0
	for _, v := range m {
		s += v
	}
	return s / float64(len(m))
}

type fixture struct {
	path      string // the database
	root      string // where runs "started": relative artifact paths are under it
	artifacts string // root/artifacts
	ids       map[string]int64
	outside   string // a file outside the artifacts folder
	live      *tracker.Run
	writer    *tracker.DB
}

type fixtureOpts struct {
	live bool // leave a RUNNING run (its heartbeat keeps writing)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newFixture builds the fixture database through the tracker API, as
// training code writes it.
func newFixture(t testing.TB, o fixtureOpts) *fixture {
	t.Helper()
	return buildFixture(t, t.TempDir(), o)
}

var (
	sharedDir  string
	sharedOnce sync.Once
	shared     *fixture
)

// sharedFixture is one fixture for the tests that only read it (built
// once: each build runs git for every run it starts). Its folder is
// removed by TestMain.
func sharedFixture(t testing.TB) *fixture {
	t.Helper()
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "otclir-ui-fixture-")
		must(t, err)
		sharedDir = dir
		shared = buildFixture(t, dir, fixtureOpts{})
	})
	if shared == nil {
		t.Fatal("the shared fixture failed to build in an earlier test")
	}
	return shared
}

func buildFixture(t testing.TB, dir string, o fixtureOpts) *fixture {
	t.Helper()
	f := &fixture{path: filepath.Join(dir, "results.db"), root: dir, artifacts: filepath.Join(dir, "artifacts"),
		ids: map[string]int64{}}
	db, err := tracker.OpenOptions(f.path, tracker.Options{StaleAfter: -1})
	must(t, err)
	f.writer = db
	if o.live {
		t.Cleanup(func() {
			if f.live != nil {
				f.live.Finish(nil)
			}
			db.Close()
		})
	}
	must(t, os.MkdirAll(filepath.Join(f.artifacts, "runs", "paper"), 0o755))
	must(t, os.MkdirAll(filepath.Join(f.artifacts, "models"), 0o755))
	start := func(name string, params, tags map[string]string) *tracker.Run {
		r, err := db.StartRun(tracker.RunSpec{Experiment: "paper", Name: name, Params: params, Tags: tags,
			Backend: "go", GoMLXVersion: "v0.26.0"})
		must(t, err)
		f.ids[name] = r.ID()
		return r
	}
	loss := func(r *tracker.Run, a, b float64) {
		for step := int64(0); step <= 100; step += 10 {
			must(t, r.LogMetric("loss", step, a*math.Exp(-float64(step)/40)+b))
		}
	}
	// Training runs with loss curves.
	teacher := start("train teacher", map[string]string{"role": "teacher", "teacher.train_steps": "100", "teacher.learning_rate": "0.001"},
		map[string]string{"kind": "train", "role": "teacher"})
	loss(teacher, 2.0, 0.3)
	must(t, teacher.SetFinalMetrics(map[string]float64{"train_seconds": 12.5}))
	must(t, teacher.Finish(nil))
	for _, lang := range []string{"swh", "deu"} {
		a := map[string]float64{"swh": 1.6, "deu": 1.2}[lang]
		st := start("train student "+lang, map[string]string{"role": "student", "lang": lang, "student.train_steps": "100",
			"student.sinkhorn_epsilon": "0.05", "student.learning_rate": map[string]string{"swh": "0.001", "deu": "0.002"}[lang]},
			map[string]string{"kind": "train", "role": "student"})
		loss(st, a, 0.2)
		ckpt := filepath.Join("artifacts", "models", "student-"+lang+".bin")
		must(t, os.WriteFile(filepath.Join(dir, ckpt), bytes.Repeat([]byte{7}, 2048), 0o644))
		must(t, logArtifactAt(dir, st, ckpt, "checkpoint"))
		if lang == "swh" {
			al := Alignment{ForeignTokens: []string{"haki", "za", "binadamu"}, EnglishTokens: []string{"human", "rights"},
				Plan: [][]float64{{0.1, 0.2333}, {0.1667, 0.1667}, {0.2333, 0.1}}, Epsilon: 0.05, Iterations: 20, Loss: 0.61}
			b, err := json.Marshal(al)
			must(t, err)
			p := filepath.Join("artifacts", "models", "alignment-swh.json")
			must(t, os.WriteFile(filepath.Join(dir, p), b, 0o644))
			must(t, logArtifactAt(dir, st, p, AlignmentKind))
		}
		must(t, st.Finish(nil))
	}
	// Evaluation runs.
	for _, lang := range []string{"swh", "deu"} {
		for _, system := range []string{"psq", "ot", "mse"} {
			if lang == "deu" && system == "mse" {
				continue
			}
			pair := lang + "-eng"
			r := start(system+" "+pair, map[string]string{"system": system, "pair": pair, "collection": "udhr",
				"query_lang": lang, "doc_lang": "eng", "role": "eval", "student.data_seed": "1"},
				map[string]string{"kind": "eval"})
			pq := perQueryOf(system, lang)
			must(t, r.LogPerQuery("map", pq))
			rr := map[string]float64{}
			for q, v := range pq {
				rr[q] = math.Min(1, 2*v)
			}
			must(t, r.LogPerQuery("recip_rank_cut_10", rr))
			must(t, r.SetFinalMetrics(map[string]float64{"map": mean(pq), "recip_rank_cut_10": mean(rr), "num_q": numQueries}))
			runFile := filepath.Join("artifacts", "runs", "paper", fmt.Sprintf("%d-%s-%s.trec", r.ID(), system, pair))
			must(t, os.WriteFile(filepath.Join(dir, runFile), []byte(runLine), 0o644))
			must(t, logArtifactAt(dir, r, runFile, "run"))
			must(t, r.Finish(nil))
		}
	}
	// An artifact outside the artifacts folder, and a symbolic link inside
	// it that leads out.
	f.outside = filepath.Join(dir, "secret.txt")
	must(t, os.WriteFile(f.outside, []byte("not an artifact\n"), 0o644))
	must(t, os.Symlink(f.outside, filepath.Join(f.artifacts, "escape.txt")))
	bad := start("broken eval", map[string]string{"system": "ot", "pair": "som-eng", "role": "eval"}, map[string]string{"kind": "eval"})
	must(t, bad.LogArtifact(f.outside, "run"))
	must(t, logArtifactAt(dir, bad, filepath.Join("artifacts", "escape.txt"), "run"))
	must(t, bad.Finish(fmt.Errorf("optical: encoding som-eng: out of memory")))
	killed := start("killed grid cell", map[string]string{"system": "mse", "pair": "som-eng", "role": "eval"}, map[string]string{"kind": "eval"})
	must(t, killed.Kill("signal: interrupt"))
	if o.live {
		f.live = start("train student som", map[string]string{"role": "student", "lang": "som"},
			map[string]string{"kind": "train", "role": "student"})
		for step := int64(0); step <= 30; step += 10 {
			must(t, f.live.LogMetric("loss", step, 2-float64(step)/100))
		}
		must(t, f.live.Flush())
	}
	if !o.live {
		must(t, db.Close())
		f.writer = nil
	}
	return f
}

// logArtifactAt logs the artifact at rel (relative to dir, as the run
// would record it when started in dir).
func logArtifactAt(dir string, r *tracker.Run, rel, kind string) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if err := os.Chdir(dir); err != nil {
		return err
	}
	defer os.Chdir(wd)
	return r.LogArtifact(rel, kind)
}

// fakeReports is a small paper table built from the fixture's evaluation
// runs: mean MAP per system and pair, ▲/▼ where the paired randomization
// test against psq gives p < 0.05.
type fakeReports struct{}

func (fakeReports) Tables(db *tracker.DB, experiment string) ([]Table, error) {
	runs, err := db.SearchRuns(fmt.Sprintf(`experiment = %s and tags.kind = "eval" and status = "FINISHED"`, quoteFilter(experiment)), "", 0)
	if err != nil {
		return nil, err
	}
	cells := map[string]map[string]map[string]float64{} // system -> pair -> per-query
	var systems, pairs []string
	for _, r := range runs {
		s, p := r.Params["system"], r.Params["pair"]
		if cells[s] == nil {
			cells[s] = map[string]map[string]float64{}
			systems = append(systems, s)
		}
		if !contains(pairs, p) {
			pairs = append(pairs, p)
		}
		if cells[s][p], err = db.PerQuery(r.ID, "map"); err != nil {
			return nil, err
		}
	}
	if len(runs) == 0 {
		return nil, nil
	}
	sort.Strings(systems)
	sort.Strings(pairs)
	var md, tex, cs bytes.Buffer
	fmt.Fprintf(&md, "| system | %s |\n|---|%s\n", strings.Join(pairs, " | "), strings.Repeat("---|", len(pairs)))
	fmt.Fprintf(&tex, "\\begin{tabular}{l%s}\nsystem & %s \\\\\n", strings.Repeat("r", len(pairs)), strings.Join(pairs, " & "))
	cw := csv.NewWriter(&cs)
	cw.Write([]string{"system", "pair", "map", "p"})
	for _, s := range systems {
		row := []string{s}
		for _, p := range pairs {
			pq := cells[s][p]
			if pq == nil {
				row = append(row, "–")
				continue
			}
			cell := fmt.Sprintf("%.3f", mean(pq))
			pv := math.NaN()
			if base := cells["psq"][p]; base != nil && s != "psq" {
				x, y := paired(pq, base)
				if pv, err = eval.RandomizationTest(x, y, 2000, 1); err != nil {
					return nil, err
				}
				if pv < 0.05 {
					cell += map[bool]string{true: "▲", false: "▼"}[mean(pq) > mean(base)]
				}
			}
			row = append(row, cell)
			cw.Write([]string{s, p, fmt.Sprintf("%.6f", mean(pq)), fmt.Sprint(pv)})
		}
		fmt.Fprintf(&md, "| %s |\n", strings.Join(row, " | "))
		fmt.Fprintf(&tex, "%s \\\\\n", strings.Join(row, " & "))
	}
	md.WriteString("\nMAP on udhr; ▲/▼: better/worse than psq (paired randomization test, p < 0.05)\n")
	tex.WriteString("\\end{tabular}\n")
	cw.Flush()
	return []Table{{Name: "udhr", Markdown: md.Bytes(), LaTeX: tex.Bytes(), CSV: cs.Bytes()}}, nil
}

func (fakeReports) Charts(db *tracker.DB, experiment string) ([]*plots.Chart, error) {
	runs, err := db.SearchRuns(fmt.Sprintf(`experiment = %s and tags.kind = "eval" and status = "FINISHED"`, quoteFilter(experiment)), "params.pair", 0)
	if err != nil || len(runs) == 0 {
		return nil, err
	}
	var pairs []string
	bySystem := map[string]map[string]float64{}
	for _, r := range runs {
		p := r.Params["pair"]
		if !contains(pairs, p) {
			pairs = append(pairs, p)
		}
		if bySystem[r.Params["system"]] == nil {
			bySystem[r.Params["system"]] = map[string]float64{}
		}
		bySystem[r.Params["system"]][p] = r.Final["map"]
	}
	var series []plots.BarSeries
	for _, s := range sortedKeysOf(bySystem) {
		bs := plots.BarSeries{Name: s}
		for _, p := range pairs {
			v, ok := bySystem[s][p]
			if !ok {
				v = math.NaN()
			}
			bs.Values = append(bs.Values, v)
		}
		series = append(series, bs)
	}
	return []*plots.Chart{plots.GroupedBar("MAP per pair ("+experiment+")", "pair", "MAP", pairs, series)}, nil
}

func paired(a, b map[string]float64) (x, y []float64) {
	var qs []string
	for q := range a {
		if _, ok := b[q]; ok {
			qs = append(qs, q)
		}
	}
	sort.Strings(qs)
	for _, q := range qs {
		x, y = append(x, a[q]), append(y, b[q])
	}
	return x, y
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fakeTexts knows the text of every fixture query.
func fakeTexts(run *tracker.RunRecord) (map[string]string, error) {
	out := map[string]string{}
	for i := 0; i < numQueries; i++ {
		out[qidOf(i)] = queryText(i)
	}
	return out, nil
}

// serve opens the fixture read-only and serves the UI on a test server.
func serve(t testing.TB, f *fixture, mod func(*Options)) (*httptest.Server, *Server) {
	t.Helper()
	db, err := tracker.OpenReadOnly(f.path)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	o := Options{DB: db, ArtifactDir: f.artifacts, Root: f.root, Reports: fakeReports{}, QueryTexts: fakeTexts,
		LivePeriod: 200_000_000}
	if mod != nil {
		mod(&o)
	}
	s, err := New(o)
	must(t, err)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, s
}

// get fetches path and returns the status and body.
func get(t testing.TB, ts *httptest.Server, path string) (int, string, http.Header) {
	t.Helper()
	resp, err := ts.Client().Get(ts.URL + path)
	must(t, err)
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	must(t, err)
	return resp.StatusCode, b.String(), resp.Header
}
