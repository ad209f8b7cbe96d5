package optical

import (
	"fmt"
	"time"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
)

// Grid defines a set of evaluation cells: every system on every pair of
// every collection, for every student seed and bitext budget. Cells already
// FINISHED in the tracker with the same configuration are not recomputed
// (unless Config.Force/ForceEval), so a grid is resumable: run it again after
// an interruption and it continues where it stopped.
type Grid struct {
	Collections []string // CollectionUDHR, CollectionCLDR
	Languages   []string // foreign languages
	Reverse     bool     // also English queries → foreign documents
	Systems     []string // foreign systems: ot, mse, psq, zero-shot, random, mt
	Seeds       []int64  // student data seeds (ot, mse, random); deterministic systems run once
	Budgets     []int    // bitext budgets, 0 = all the language has
	References  bool     // English→English teacher, BM25 and random
}

// DefaultGrid is the paper table: 7 low- and 4 high-resource languages,
// foreign queries → English documents on both collections, five systems,
// three seeds, the natural bitext size.
func DefaultGrid() Grid {
	var langs []string
	for _, l := range data.Languages() {
		if l.Code != "eng" {
			langs = append(langs, l.Code)
		}
	}
	return Grid{
		Collections: []string{CollectionUDHR, CollectionCLDR},
		Languages:   langs,
		Systems:     []string{SystemOT, SystemMSE, SystemPSQ, SystemZeroShot, SystemRandom},
		Seeds:       []int64{1, 2, 3},
		Budgets:     []int{0},
		References:  true,
	}
}

type cell struct {
	collection, system, q, d string
	seed                     int64
	budget                   int
}

func (g Grid) cells() []cell {
	var out []cell
	for _, b := range g.Budgets {
		for _, lang := range g.Languages {
			dirs := [][2]string{{lang, "eng"}}
			if g.Reverse {
				dirs = append(dirs, [2]string{"eng", lang})
			}
			for _, seed := range g.Seeds {
				for _, dir := range dirs {
					for _, coll := range g.Collections {
						for _, s := range g.Systems {
							if !trainedSystems[s] && seed != g.Seeds[0] {
								continue // deterministic: once
							}
							out = append(out, cell{coll, s, dir[0], dir[1], seed, b})
						}
					}
				}
			}
		}
	}
	if g.References {
		for _, coll := range g.Collections {
			if coll == CollectionCLDR {
				continue // the CLDR collection pairs English with a foreign language
			}
			for _, s := range []string{SystemTeacher, SystemBM25} {
				out = append(out, cell{coll, s, "eng", "eng", g.Seeds[0], 0})
			}
			for _, seed := range g.Seeds {
				out = append(out, cell{coll, SystemRandom, "eng", "eng", seed, 0})
			}
		}
	}
	return out
}

// RunGrid evaluates every cell of g, printing one progress line per cell.
func (l *Lab) RunGrid(g Grid) ([]*Result, error) {
	if len(g.Seeds) == 0 || len(g.Budgets) == 0 {
		return nil, fmt.Errorf("optical: a grid needs at least one seed and one budget")
	}
	for _, lang := range g.Languages {
		if _, err := data.LookupLanguage(lang); err != nil {
			return nil, err
		}
	}
	cells := g.cells()
	budget0, seed0 := l.Cfg.BitextBudget, l.Cfg.Student[distill.ParamDataSeed]
	defer func() { l.Cfg.BitextBudget, l.Cfg.Student[distill.ParamDataSeed] = budget0, seed0 }()
	start := time.Now()
	var out []*Result
	for i, c := range cells {
		l.Cfg.BitextBudget = c.budget
		l.Cfg.Student[distill.ParamDataSeed] = int(c.seed)
		r, err := l.EvaluateOn(c.collection, c.system, c.q, c.d)
		if err != nil {
			return out, fmt.Errorf("grid cell %d/%d (%s %s %s seed %d budget %d): %w",
				i+1, len(cells), c.system, Pair(c.q, c.d), c.collection, c.seed, c.budget, err)
		}
		out = append(out, r)
		cached := ""
		if r.Cached {
			cached = " (cached)"
		}
		budget := "all"
		if c.budget > 0 {
			budget = fmt.Sprint(c.budget)
		}
		fmt.Fprintf(l.Cfg.Out, "[%d/%d %s] %-9s %-8s %-4s seed %d budget %-5s MAP %.4f  run %d%s\n",
			i+1, len(cells), time.Since(start).Round(time.Second), c.system, Pair(c.q, c.d), c.collection,
			c.seed, budget, r.Metrics["map"], r.RunID, cached)
	}
	return out, nil
}
