package bm25

import (
	"fmt"
	"math"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/ibm1"
)

// Translator gives the k most probable English translations of a foreign
// term, by descending probability. *ibm1.Table implements it.
type Translator interface {
	Translations(f string, k int) []ibm1.Translation
}

// PSQOptions select the translations of each query term.
type PSQOptions struct {
	// TopK keeps at most TopK translations; <= 0 keeps all.
	TopK int
	// CumProb stops after the translation whose cumulative probability
	// reaches CumProb; must be in (0, 1]. 0 means 1 (no cut).
	CumProb float64
	// MinProb drops translations with p(e|f) < MinProb (before the cut);
	// must be in [0, 1).
	MinProb float64
}

// DefaultPSQOptions returns TopK 10, CumProb 0.95, MinProb 0.01.
func DefaultPSQOptions() PSQOptions { return PSQOptions{TopK: 10, CumProb: 0.95, MinProb: 0.01} }

// Validate reports an option out of range. SearchPSQ does not fail: it reads
// a CumProb outside (0, 1] as 1 and a MinProb outside [0, 1) as 0; callers
// that take options from users should Validate first.
func (o PSQOptions) Validate() error {
	if math.IsNaN(o.CumProb) || o.CumProb < 0 || o.CumProb > 1 {
		return fmt.Errorf("%w: PSQ CumProb = %v, want (0, 1] (0: no cut)", ErrBadParam, o.CumProb)
	}
	if math.IsNaN(o.MinProb) || o.MinProb < 0 || o.MinProb >= 1 {
		return fmt.Errorf("%w: PSQ MinProb = %v, want [0, 1)", ErrBadParam, o.MinProb)
	}
	return nil
}

// psqTerm returns the weighted English terms of foreign term f: see the
// package doc. English terms absent from the index keep their share of the
// probability mass but are left out of the set, as they add nothing to
// tf_psq or df_psq.
func (ix *Index) psqTerm(f string, tr Translator, o PSQOptions) []weighted {
	cum := o.CumProb
	if !(cum > 0 && cum <= 1) {
		cum = 1
	}
	minP := o.MinProb
	if !(minP >= 0 && minP < 1) {
		minP = 0
	}
	var kept []ibm1.Translation
	sum := 0.0
	for _, t := range tr.Translations(f, o.TopK) {
		if !(t.Prob >= minP) || t.Prob <= 0 {
			continue
		}
		if o.TopK > 0 && len(kept) == o.TopK {
			break
		}
		kept = append(kept, t)
		sum += t.Prob
		if sum >= cum {
			break
		}
	}
	var set []weighted
	if len(kept) == 0 {
		if id, ok := ix.terms[f]; ok {
			set = append(set, weighted{id: id, w: 1})
		}
		return set
	}
	for _, t := range kept {
		if id, ok := ix.terms[t.Word]; ok {
			set = append(set, weighted{id: id, w: t.Prob / sum})
		}
	}
	return set
}

// SearchPSQ ranks the documents for foreign queries with probabilistic
// structured queries over tr (see the package doc) and returns the top
// depth documents of each (depth <= 0: all matching). Query terms come from
// the index's Tokenize. Each distinct term is translated once per call.
func (ix *Index) SearchPSQ(queries []data.Query, tr Translator, opts PSQOptions, depth int) eval.Run {
	s := ix.newScorer()
	run := make(eval.Run, len(queries))
	cache := map[string][]weighted{}
	for _, q := range queries {
		for _, f := range ix.tokenize(q.Text) {
			set, ok := cache[f]
			if !ok {
				set = ix.psqTerm(f, tr, opts)
				cache[f] = set
			}
			if len(set) > 0 {
				s.addTerm(set)
			}
		}
		run[q.ID] = s.run(depth)
	}
	return run
}
