package optical

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otclir/otclir/experiments/report"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/tracker"
)

// userFixture is the hand-made collection of testdata/user (see its
// README): 8 English documents, 4 Zulu topics, 6 judgements, 25 bitext pairs.
func userFixture(t *testing.T) UserConfig {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "user"))
	if err != nil {
		t.Fatal(err)
	}
	return UserConfig{Lang: "zul", Docs: filepath.Join(dir, "docs.jsonl"), Topics: filepath.Join(dir, "topics.trec"),
		Qrels: filepath.Join(dir, "qrels.txt"), Bitext: filepath.Join(dir, "bitext.tsv")}
}

// copyFixture copies testdata/user into a temporary directory (so tests can
// corrupt files) and returns the config pointing at the copies.
func copyFixture(t *testing.T) UserConfig {
	t.Helper()
	u := userFixture(t)
	dir := t.TempDir()
	for _, p := range []*string{&u.Docs, &u.Topics, &u.Qrels, &u.Bitext} {
		b, err := os.ReadFile(*p)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(*p))
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
		*p = dst
	}
	return u
}

func TestUserSettings(t *testing.T) {
	c := DefaultConfig()
	if err := c.Set("user.docs=d.tsv;user.topics=t.tsv;user.qrels=q.txt;user.lang=zul;user.bitext=b.tsv;user.name=mine"); err != nil {
		t.Fatal(err)
	}
	want := UserConfig{Name: "mine", Lang: "zul", Docs: "d.tsv", Topics: "t.tsv", Qrels: "q.txt", Bitext: "b.tsv"}
	if c.User != want {
		t.Fatalf("User = %+v, want %+v", c.User, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("user.nope=1"); err == nil || !strings.Contains(err.Error(), `"user.nope"`) {
		t.Fatalf("unknown user setting: %v", err)
	}
	if r := (UserConfig{Docs: "/x/My Corpus.v2.tsv"}).Resolved(); r.Name != "My_Corpus.v2" || r.DocLang != "eng" {
		t.Fatalf("defaults: %+v", r)
	}
	if r := (UserConfig{Docs: "/x/udhr.tsv"}).Resolved(); r.Name != "user_udhr" {
		t.Fatalf("a file named like a built-in collection: name %q", r.Name)
	}
}

func TestUserValidateNamesTheSetting(t *testing.T) {
	base := "user.docs=d;user.topics=t;user.qrels=q;user.lang=zul;user.bitext=b"
	for _, tc := range []struct{ settings, want string }{
		{"user.docs=d;user.qrels=q;user.lang=zul;user.bitext=b", "user.topics is required"},
		{"user.docs=d;user.topics=t;user.qrels=q;user.bitext=b", "user.lang is required"},
		{"user.docs=d;user.topics=t;user.qrels=q;user.lang=zul", "user.bitext"},
		{base + ";user.lang=zu-l", `user.lang "zu-l"`},
		{base + ";user.doc_lang=fr/x", `user.doc_lang "fr/x"`},
		{base + ";user.doc_lang=fra", "one side must be English"},
		{base + ";user.name=udhr", `user.name "udhr" is a built-in collection`},
		{base + ";user.name=a b", `user.name "a b"`},
		{base + ";user.bitext_src=s;user.bitext_tgt=t", "alternatives"},
		{"user.docs=d;user.topics=t;user.qrels=q;user.lang=zul;user.bitext_src=s", "go together"},
	} {
		c := DefaultConfig()
		if err := c.Set(tc.settings); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%q) = %v, want an error containing %q", tc.settings, err, tc.want)
		}
	}
	// An English→English collection needs no bitext.
	c := DefaultConfig()
	if err := c.Set("user.docs=d;user.topics=t;user.qrels=q;user.lang=eng"); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("eng-eng without bitext: %v", err)
	}
	if got := DefaultUserSystems(c); strings.Join(got, ",") != "teacher,bm25,random" {
		t.Fatalf("eng-eng default systems %v", got)
	}
}

func TestLoadUserData(t *testing.T) {
	u := userFixture(t)
	ud, err := LoadUserData(u)
	if err != nil {
		t.Fatal(err)
	}
	c := ud.Collection
	// Counts of testdata/user: 8 documents, 4 topics, 4 judged topics, 25 pairs.
	if len(c.Docs) != 8 || len(c.Queries) != 4 || len(c.Qrels) != 4 || len(ud.Bitext) != 25 {
		t.Fatalf("%d docs, %d queries, %d judged, %d pairs", len(c.Docs), len(c.Queries), len(c.Qrels), len(ud.Bitext))
	}
	if c.Queries[0] != (data.Query{ID: "t1", Text: "amanzi omfula"}) || c.Qrels["t1"]["d8"] != 1 || c.Qrels["t1"]["d5"] != 0 {
		t.Fatalf("query %v qrels %v", c.Queries[0], c.Qrels["t1"])
	}
	if ud.Config.Name != "docs" || c.Name != "docs-zul-eng" || c.QueryLang != "zul" || c.DocLang != "eng" || len(ud.Warnings) != 0 {
		t.Fatalf("name %q collection %q langs %s-%s warnings %v", ud.Config.Name, c.Name, c.QueryLang, c.DocLang, ud.Warnings)
	}
	// The two aligned files hold the same pairs as the TSV.
	p := u
	p.Bitext = ""
	p.BitextSrc, p.BitextTgt = filepath.Join("testdata", "user", "bitext.zul"), filepath.Join("testdata", "user", "bitext.eng")
	ud2, err := LoadUserData(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ud.Bitext {
		if ud.Bitext[i].Src != ud2.Bitext[i].Src || ud.Bitext[i].Tgt != ud2.Bitext[i].Tgt {
			t.Fatalf("pair %d: TSV %v, aligned files %v", i, ud.Bitext[i], ud2.Bitext[i])
		}
	}
}

func TestLoadUserDataErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		file   func(u *UserConfig) *string
		edit   func(s string) string
		want   string // in the error, after replacing FILE with the file's path
		target error
	}{
		{"missing docs", func(u *UserConfig) *string { return &u.Docs }, nil, "FILE", nil},
		{"qrels line with 3 fields", func(u *UserConfig) *string { return &u.Qrels },
			func(s string) string { return strings.Replace(s, "t1 0 d8 1", "t1 d8 1", 1) }, "FILE:2: want 4 fields", nil},
		{"bitext line without a tab", func(u *UserConfig) *string { return &u.Bitext },
			func(s string) string { return strings.Replace(s, "umfula\triver", "umfula river", 1) }, "FILE:3: 1 tab-separated fields", data.ErrMalformed},
		{"docs line that is not JSON", func(u *UserConfig) *string { return &u.Docs },
			func(string) string { return "{\"id\": \"d1\", \"text\": \"fine\"}\n{\"id\": \"d2\", text}\n" }, "FILE:2: invalid character", data.ErrMalformed},
		{"qrels judging no topic", func(u *UserConfig) *string { return &u.Qrels },
			func(string) string { return "x9 0 d1 1\n" }, "judges none of the 4 topics", nil},
		{"bitext with a topic", func(u *UserConfig) *string { return &u.Bitext },
			func(s string) string { return s + "imali ebhange\tmoney in the bank\n" }, `query t4 "imali ebhange"`, data.ErrLeak},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := copyFixture(t)
			p := tc.file(&u)
			if tc.edit == nil {
				*p += ".missing"
			} else {
				b, err := os.ReadFile(*p)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(*p, []byte(tc.edit(string(b))), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := LoadUserData(u)
			want := strings.ReplaceAll(tc.want, "FILE", *p)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v, want an error containing %q", err, want)
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Fatalf("got %v, want errors.Is %v", err, tc.target)
			}
		})
	}
}

func TestUserLabCacheKeysAndLeak(t *testing.T) {
	c := tinyConfig(t)
	c.User = copyFixture(t)
	lab := openLab(t, c)
	_, spec1, err := lab.Tokenizer(context.Background())
	hash1 := spec1.Key()
	if err != nil {
		t.Fatal(err)
	}
	corpus, err := lab.Corpus.TokenizerCorpus()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range corpus {
		found = found || s == "esihlahleni"
	}
	if !found {
		t.Fatal("the user's bitext is not in the tokenizer corpus")
	}
	// The student trains on the user's bitext, checked against the topics.
	lab.Corpus.User.Bitext = append(lab.Corpus.User.Bitext, data.Pair{Src: "inyoni esihlahleni", Tgt: "bird in the tree"})
	if _, _, err := lab.Student(context.Background(), "zul"); !errors.Is(err, data.ErrLeak) {
		t.Fatalf("a topic in the user's bitext: got %v, want a leak error", err)
	}
	lab.Close()

	// Same path, same number of pairs, different content: a new tokenizer
	// (and so a new teacher and students).
	b, err := os.ReadFile(c.User.Bitext)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.User.Bitext, []byte(strings.Replace(string(b), "inja\tdog", "inja\thound", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	lab2 := openLab(t, c)
	defer lab2.Close()
	_, spec2, err := lab2.Tokenizer(context.Background())
	hash2 := spec2.Key()
	if err != nil {
		t.Fatal(err)
	}
	if hash1 == hash2 {
		t.Fatalf("tokenizer hash %s unchanged after the user's bitext changed", hash1)
	}
	// Without user data the built-in tokenizer key does not mention it.
	c3 := tinyConfig(t)
	c3.ArtifactDir = c.ArtifactDir
	lab3 := openLab(t, c3)
	defer lab3.Close()
	_, spec3, err := lab3.Tokenizer(context.Background())
	hash3 := spec3.Key()
	if err != nil {
		t.Fatal(err)
	}
	if hash3 == hash1 || hash3 == hash2 {
		t.Fatalf("built-in tokenizer hash %s equals a user one", hash3)
	}
}

func TestUserEvaluateAndTable(t *testing.T) {
	c := tinyConfig(t)
	c.User = userFixture(t)
	c.MTQueries = map[string]string{"zul": filepath.Join("testdata", "user", "mt.tsv")}
	lab := openLab(t, c)
	defer lab.Close()
	systems := []string{SystemPSQ, SystemMT, SystemZeroShot, SystemRandom}
	results, err := lab.EvaluateUser(context.Background(), systems)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		rec, err := lab.DB.GetRun(r.RunID)
		if err != nil {
			t.Fatal(err)
		}
		if r.System() != systems[i] || rec.Status != tracker.StatusFinished || rec.Params["collection"] != "docs" ||
			rec.Params["query_lang"] != "zul" || rec.Params["user_data_hash"] != lab.Corpus.User.DataHash {
			t.Fatalf("run %d: system %s status %s params %v", r.RunID, r.System(), rec.Status, rec.Params)
		}
		// 4 topics, all judged (testdata/user/qrels.txt).
		if m := r.Metrics["map"]; m < 0 || m > 1 || r.Metrics["num_q"] != 4 {
			t.Fatalf("%s: metrics %v", r.System(), r.Metrics)
		}
	}
	// BM25 over exact English translations finds every relevant document
	// first for t2, t3, t4 and both of t1's in the top 3 at worst: MRR@10 > 0.
	if mt := results[1].Metrics["recip_rank_cut_10"]; mt <= 0 {
		t.Fatalf("mt MRR@10 %v", mt)
	}
	var out bytes.Buffer
	if err := report.WriteSignificanceTable(&out, lab.DB, results, SystemPSQ); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "baseline") || !strings.Contains(s, "Bonferroni over 3 systems") {
		t.Fatalf("table:\n%s", s)
	}
	// The paper table reads the same runs by collection name.
	tab, err := report.BuildTable(lab.DB, report.TableSpec{Experiment: c.Experiment, Collection: "docs", Permutation: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Languages) != 1 || tab.Languages[0] != "zul" || len(tab.Systems) != len(systems) {
		t.Fatalf("table languages %v systems %v", tab.Languages, tab.Systems)
	}
	// The alias "user" is the same collection; a wrong direction is refused.
	again, err := lab.Evaluate(context.Background(), lab.Cell(SystemPSQ, CollectionUser, "zul", "eng"))
	if err != nil || !again.Cached || again.RunID != results[0].RunID {
		t.Fatalf("alias: %+v %v", again, err)
	}
	if _, err := lab.Evaluate(context.Background(), lab.Cell(SystemPSQ, CollectionUser, "eng", "zul")); err == nil || !strings.Contains(err.Error(), "zul queries and eng documents") {
		t.Fatalf("reverse direction on a zul-eng collection: %v", err)
	}
}

// TestUserReverseDirection: English topics over Zulu documents (user.lang
// eng, user.doc_lang zul) with the same Zulu-English bitext.
func TestUserReverseDirection(t *testing.T) {
	u := userFixture(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Hand-made: Zulu documents built from the fixture's vocabulary.
	u.Docs = write("zdocs.tsv", "z1\tamanzi omfula abandayo\nz2\tudokotela esibhedlela edolobheni\nz3\tinyoni esihlahleni\nz4\timali ebhange\n")
	u.Topics = write("etopics.tsv", "e1\tcold river water\ne2\ta bird in a tree\n")
	u.Qrels = write("eqrels.txt", "e1 0 z1 1\ne2 0 z3 1\n")
	u.Lang, u.DocLang = "eng", "zul"
	c := tinyConfig(t)
	c.User = u
	c.Student[distill.ParamBatchSize] = 8 // the bitext has 25 pairs
	lab := openLab(t, c)
	defer lab.Close()
	results, err := lab.EvaluateUser(context.Background(), []string{SystemPSQ, SystemOT, SystemZeroShot})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		rec, err := lab.DB.GetRun(r.RunID)
		if err != nil {
			t.Fatal(err)
		}
		// 2 judged topics (eqrels.txt above).
		if r.Pair() != "eng-zul" || rec.Params["collection"] != "zdocs" || rec.Params["doc_lang"] != "zul" ||
			r.Metrics["num_q"] != 2 || r.Metrics["map"] < 0 || r.Metrics["map"] > 1 {
			t.Fatalf("%s: pair %s params %v metrics %v", r.System(), r.Pair(), rec.Params, r.Metrics)
		}
	}
}
