package optical

import (
	"context"
	"fmt"
	"time"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
)

// Grid defines a set of evaluation cells: every system on every pair of
// every collection, for every data seed and bitext budget. Cells already
// FINISHED in the tracker with the same record are not recomputed (unless
// Config.Force/ForceEval), so a grid is resumable: run it again after an
// interruption and it continues where it stopped.
type Grid struct {
	Collections []string // CollectionUDHR, CollectionCLDR
	Languages   []string // foreign languages
	Reverse     bool     // also English queries → foreign documents
	Systems     []string // foreign systems: ot, mse, psq, 1best-bm25, 1best-teacher, mt-apertium, zero-shot, random, mt (record.Systems); a system that serves some languages only (mt-apertium: spa) runs on those
	Seeds       []int64  // data seeds of the seeded systems (ot, mse, random); the others run once, with the first
	Budgets     []int    // bitext budgets, 0 = all the language has
	References  bool     // English→English teacher, BM25 and random
	// PipelineSeeds: every system runs for every seed (PipelineV2, where a
	// seed is the whole pipeline's: its splits, tokenizer, teacher and
	// translation tables too). The lab sets it from its configuration.
	PipelineSeeds bool
}

// DefaultLanguages are the foreign languages of lib/data's table, in its
// order (low resource first).
func DefaultLanguages() []string {
	var langs []string
	for _, l := range data.Languages() {
		if l.Code != "eng" {
			langs = append(langs, l.Code)
		}
	}
	return langs
}

// DefaultGrid is the paper table: 7 low- and 4 high-resource languages,
// foreign queries → English documents on both collections, eight systems
// (mt-apertium on Spanish only), three seeds, the natural bitext size.
func DefaultGrid() Grid {
	return Grid{
		Collections: []string{CollectionUDHR, CollectionCLDR},
		Languages:   DefaultLanguages(),
		Systems:     []string{SystemOT, SystemMSE, SystemPSQ, SystemOneBestBM25, SystemOneBestTeacher, SystemMTApertium, SystemZeroShot, SystemRandom},
		Seeds:       []int64{1, 2, 3},
		Budgets:     []int{0},
		References:  true,
	}
}

// Cells enumerates the grid's cells in the order they run: by budget,
// language, seed, direction, collection and system, then the
// English→English references (UDHR only: CLDR pairs English with a foreign
// language). Deterministic systems run once, with the first seed.
func (g Grid) Cells() ([]Cell, error) {
	if len(g.Seeds) == 0 || len(g.Budgets) == 0 {
		return nil, fmt.Errorf("optical: a grid needs at least one seed and one budget")
	}
	for _, lang := range g.Languages {
		if err := checkGridLanguage(lang); err != nil {
			return nil, err
		}
	}
	for _, s := range g.Systems {
		if _, _, err := lookupSystem(s); err != nil {
			return nil, err
		}
	}
	for _, b := range g.Budgets {
		if b < 0 {
			return nil, fmt.Errorf("optical: grid budget %d must be >= 0 (0 = all)", b)
		}
	}
	var out []Cell
	for _, b := range g.Budgets {
		for _, lang := range g.Languages {
			dirs := [][2]string{{lang, "eng"}}
			if g.Reverse {
				dirs = append(dirs, [2]string{"eng", lang})
			}
			for _, seed := range g.Seeds {
				for _, dir := range dirs {
					for _, coll := range g.Collections {
						if coll == CollectionGCIDEDev {
							continue // English only: its references below
						}
						if coll == CollectionWords && dir[0] == "eng" && !wordsReverse[lang] {
							continue // no English → foreign words task for lang
						}
						for _, s := range g.Systems {
							info, _ := record.LookupSystem(s)
							if !info.Seeded && !g.PipelineSeeds && seed != g.Seeds[0] {
								continue // deterministic: once
							}
							if !info.Serves(lang) {
								continue // a system for some languages only (mt-apertium)
							}
							out = append(out, Cell{System: s, Collection: coll, QueryLang: dir[0], DocLang: dir[1], Seed: seed, Budget: b})
						}
					}
				}
			}
		}
	}
	if g.References {
		for _, coll := range g.Collections {
			if coll == CollectionCLDR || coll == CollectionWords {
				continue // these collections pair English with a foreign language
			}
			for _, s := range []string{SystemTeacher, SystemBM25} {
				for _, seed := range g.Seeds {
					if seed != g.Seeds[0] && !g.PipelineSeeds {
						break
					}
					out = append(out, Cell{System: s, Collection: coll, QueryLang: "eng", DocLang: "eng", Seed: seed})
				}
			}
			for _, seed := range g.Seeds {
				out = append(out, Cell{System: SystemRandom, Collection: coll, QueryLang: "eng", DocLang: "eng", Seed: seed})
			}
		}
	}
	if g.PipelineSeeds {
		out = interleaveSeeds(out)
	}
	return out, nil
}

// interleaveSeeds reorders cells round-robin over the seeds (each seed's
// cells keeping their order): under PipelineSeeds every seed trains its
// own pretraining, teacher and students, so grid workers that claim cells
// in order start on different seeds' models instead of waiting on one.
func interleaveSeeds(cells []Cell) []Cell {
	by := map[int64][]Cell{}
	var order []int64 // each seed once, as listed
	for _, c := range cells {
		if _, ok := by[c.Seed]; !ok {
			order = append(order, c.Seed)
		}
		by[c.Seed] = append(by[c.Seed], c)
	}
	out := make([]Cell, 0, len(cells))
	for i := 0; len(out) < len(cells); i++ {
		for _, s := range order {
			if i < len(by[s]) {
				out = append(out, by[s][i])
			}
		}
	}
	return out
}

// RunGrid evaluates every cell of g, printing one progress line per cell.
// It stops at the first error (ctx cancelled included), returning the
// results so far.
func (l *Lab) RunGrid(ctx context.Context, g Grid) ([]*record.Result, error) {
	var err error
	if g.Languages, err = l.gridLanguages(g.Languages); err != nil {
		return nil, err
	}
	g.PipelineSeeds = l.cfg.V2()
	cells, err := g.Cells()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var out []*record.Result
	for i, c := range cells {
		r, err := l.Evaluate(ctx, c)
		if err != nil {
			return out, fmt.Errorf("grid cell %d/%d (%s %s %s seed %d budget %d): %w",
				i+1, len(cells), c.System, c.Pair(), c.Collection, c.Seed, c.Budget, err)
		}
		out = append(out, r)
		cached := ""
		if r.Cached {
			cached = " (cached)"
		}
		budget := "all"
		if c.Budget > 0 {
			budget = fmt.Sprint(c.Budget)
		}
		fmt.Fprintf(l.cfg.Out, "[%d/%d %s] %-9s %-8s %-4s seed %d budget %-5s MAP %.4f  run %d%s\n",
			i+1, len(cells), time.Since(start).Round(time.Second), c.System, c.Pair(), c.Collection,
			c.Seed, budget, r.Metrics["map"], r.RunID, cached)
	}
	return out, nil
}
