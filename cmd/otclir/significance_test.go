package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTableSignificanceFormat: `table -format significance` writes the
// tests of ot against every baseline as -as md, latex or csv, from a
// read-only database it leaves byte-identical. The fixture's query ids
// ("q0") name no UDHR article: auto tests per query (and says so),
// -cluster article refuses them naming one.
func TestTableSignificanceFormat(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	must(t, os.Mkdir(dir, 0o755))
	db := filepath.Join(dir, "results.db")
	fixtureDB(t, db, "paper")
	must(t, os.Chmod(db, 0o444))
	before := folder(t, dir)
	base := []string{"table", "-db", db, "-experiment", "paper", "-format", "significance", "-permutations", "500"}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-cluster", "none"}, []string{"| swh-eng (low) | psq |", "Holm over the 2 comparisons", "ot vs psq:"}},
		{[]string{"-cluster", "none", "-correction", "bonferroni", "-as", "latex"}, []string{`\begin{tabular}`, "Bonferroni over the 2 comparisons"}},
		{[]string{"-cluster", "none", "-collection", "cldr", "-as", "csv"}, []string{"collection,measure,system,baseline,scope", "\ncldr,map,ot,psq,pair,swh-eng,"}},
		{[]string{"-collection", "cldr", "-as", "csv", "-baselines", "psq"}, []string{"cldr,map,ot,psq,pair,deu-eng,"}}, // auto: CLDR is not clustered
	} {
		var out bytes.Buffer
		if err := run(context.Background(), append(base, tc.args...), &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, w, out.String())
			}
		}
		if after := folder(t, dir); after != before {
			t.Fatalf("%v changed the database folder", tc.args)
		}
	}
	var auto bytes.Buffer
	if err := run(context.Background(), base, &auto, io.Discard); err != nil || !strings.Contains(auto.String(), "signs flipped per query") {
		t.Errorf("udhr with ids naming no article, auto: %v, want the per-query test:\n%s", err, auto.String())
	}
	if err := run(context.Background(), append(base, "-cluster", "article"), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), `"q0"`) {
		t.Errorf("udhr clustered by article on ids that name none = %v, want an error naming the query", err)
	}
	// Bad settings fail before the database is opened (it does not exist).
	missing := filepath.Join(t.TempDir(), "none.db")
	for _, tc := range []struct{ flag, value, want string }{
		{"-as", "html", "-as"},
		{"-correction", "fdr", "-correction"},
		{"-cluster", "seed", "-cluster"},
		{"-alpha", "1.5", "-alpha"},
		{"-alpha", "NaN", "-alpha"},
		{"-permutations", "0", "-permutations"},
		{"-baselines", "psq,nosuch", `"nosuch"`},
		{"-system", "nosuch", "-system"},
	} {
		err := run(context.Background(), []string{"table", "-db", missing, "-format", "significance", tc.flag, tc.value}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: %v, want an error naming %s", tc.flag, tc.value, err, tc.want)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a refused setting created %s", missing)
	}
}
