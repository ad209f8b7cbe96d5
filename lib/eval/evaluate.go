package eval

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// ErrNoOverlap is returned when no query is in both the run and the qrels
// (trec_eval: "No queries with both results and relevance info").
var ErrNoOverlap = errors.New("eval: no queries with both results and relevance info")

// maxRelValue bounds qrels values: trec_eval allocates a counter per value
// up to the largest one of a query.
const maxRelValue = 1<<24 - 1

// Options select how Evaluate scores a run. The zero value is trec_eval
// without flags.
type Options struct {
	// RelevanceLevel is trec_eval's -l: a judgement >= RelevanceLevel is
	// relevant. 0 means the default, 1 (set ExplicitLevel to use 0).
	RelevanceLevel int
	// ExplicitLevel makes RelevanceLevel 0 mean level 0 rather than the default.
	ExplicitLevel bool
	// Complete is trec_eval's -c: average over every qrels query, a query the
	// run lacks counting 0.
	Complete bool
	// MaxRetrieved is trec_eval's -M: only the top MaxRetrieved documents of
	// each query are evaluated. 0 means no limit (set ExplicitMax to evaluate
	// zero documents).
	MaxRetrieved int
	// ExplicitMax makes MaxRetrieved 0 mean zero documents rather than no limit.
	ExplicitMax bool
	// JudgedOnly is trec_eval's -J: documents absent from the qrels or
	// judged negative are dropped from the ranking before evaluation.
	JudgedOnly bool
	// NumDocsInColl is trec_eval's -N, the collection size used by the
	// fourth utility coefficient.
	NumDocsInColl int
	// RunID is what the runid measure prints (ReadRunWithID returns a run
	// file's).
	RunID string
	// Measures lists measure names (see the package doc); nil means
	// DefaultMeasures.
	Measures []string
}

// DefaultMeasures is the measure set Evaluate computes when
// Options.Measures is nil: trec_eval's default, the "official" set.
var DefaultMeasures = []string{"official"}

// Results holds per-query and aggregate values.
type Results struct {
	// Measures are the printed measure names, in trec_eval print order.
	Measures []string
	// QueryIDs are the evaluated queries (in both run and qrels), strcmp order.
	QueryIDs []string
	// Missing are qrels queries absent from the run; with Options.Complete
	// they count 0 in the aggregates but have no PerQuery entry.
	Missing []string
	// PerQuery maps qid -> measure -> value for the measures trec_eval
	// prints per query (not num_q, gm_map, gm_bpref, runid, relstring).
	PerQuery map[string]map[string]float64
	// Aggregate maps measure -> value over all queries ("all" in trec_eval)
	// for the measures with a numeric summary (not runid, relstring).
	Aggregate map[string]float64
	// RunID is the runid measure's value (Options.RunID).
	RunID string
	// RelString maps qid -> the relstring measure's string, when asked for.
	RelString map[string]string

	measures []*measure
}

func (opt *Options) level() int64 {
	if opt.RelevanceLevel == 0 && !opt.ExplicitLevel {
		return 1
	}
	return int64(opt.RelevanceLevel)
}

// Evaluate scores run against qrels. See the package doc for the semantics.
func Evaluate(qrels Qrels, run Run, opt Options) (*Results, error) {
	names := opt.Measures
	if names == nil {
		names = DefaultMeasures
	}
	level := opt.level()
	measures, err := parseMeasures(names, level)
	if err != nil {
		return nil, fmt.Errorf("eval: Evaluate: %w", err)
	}
	if opt.MaxRetrieved < 0 {
		return nil, fmt.Errorf("eval: Evaluate: MaxRetrieved %d is negative", opt.MaxRetrieved)
	}
	maxRet := -1
	if opt.MaxRetrieved > 0 || opt.ExplicitMax {
		maxRet = opt.MaxRetrieved
	}

	res := &Results{
		PerQuery:  map[string]map[string]float64{},
		Aggregate: map[string]float64{},
		RunID:     opt.RunID,
		measures:  measures,
	}
	nvals := 0
	var levels []int64 // distinct levels of the level-dependent measures
	relstring := -1    // index into measures
	for i, m := range measures {
		m.off = nvals
		nvals += len(m.names)
		res.Measures = append(res.Measures, m.names...)
		if !slices.Contains(levels, m.level) {
			levels = append(levels, m.level)
		}
		if m.def.name == "relstring" {
			relstring = i
			res.RelString = map[string]string{}
		}
	}
	if len(levels) == 0 {
		levels = []int64{level}
	}

	sums := make([]float64, nvals)
	vals := make([]float64, nvals)
	views := make([]*levelView, len(levels))
	qe := &queryEval{judgedOnly: opt.JudgedOnly, maxRet: maxRet,
		numDocsInColl: int64(opt.NumDocsInColl)}
	for _, qid := range sortedQIDs(qrels) {
		docs, ok := run[qid]
		if !ok {
			res.Missing = append(res.Missing, qid)
			continue
		}
		r, err := qe.rank(qid, qrels[qid], docs)
		if err != nil {
			return nil, err
		}
		for i, l := range levels {
			views[i] = r.view(l)
		}
		clear(vals)
		for _, m := range measures {
			v := views[slices.Index(levels, m.level)]
			if m.def.calc != nil {
				m.def.calc(v, m, vals[m.off:m.off+len(m.names)])
			}
		}
		if relstring >= 0 {
			res.RelString[qid] = relString(r, measures[relstring])
		}
		pq := make(map[string]float64, nvals)
		for _, m := range measures {
			for j, n := range m.names {
				x := vals[m.off+j]
				sums[m.off+j] += x
				if m.def.perQuery && m.def.name != "relstring" {
					pq[n] = x
				}
			}
		}
		res.QueryIDs = append(res.QueryIDs, qid)
		res.PerQuery[qid] = pq
	}
	if len(res.QueryIDs) == 0 {
		return nil, ErrNoOverlap
	}

	evaluated := len(res.QueryIDs)
	n := evaluated
	if opt.Complete {
		n = len(qrels)
	}
	for _, m := range measures {
		for j, name := range m.names {
			s := sums[m.off+j]
			switch m.def.avg {
			case avgMean:
				s /= float64(n)
			case avgSum:
			case avgNumQ:
				s = float64(n)
			case avgNumRel:
				if opt.Complete {
					s = float64(countPositive(qrels))
				}
			case avgGeo:
				if opt.Complete {
					s += float64(n-evaluated) * math.Log(minGeoMean)
				}
				s = math.Exp(s / float64(n))
			case avgNone:
				continue
			}
			if m.def.name == "runid" {
				continue
			}
			res.Aggregate[name] = s
		}
	}
	return res, nil
}

// countPositive counts the judgements > 0 of every qrels query, whatever
// the relevance level: num_rel's "all" value under -c (te_calc_avg_num_rel).
func countPositive(qrels Qrels) int {
	n := 0
	for _, docs := range qrels {
		for _, rel := range docs {
			if rel > 0 {
				n++
			}
		}
	}
	return n
}

// relString is m_relstring.c: one character per document of the top N.
func relString(r *ranked, m *measure) string {
	n := min(int64(m.fractions[0]), int64(len(r.rels)))
	var b strings.Builder
	for i := int64(0); i < n; i++ {
		switch rel := r.rels[i]; {
		case rel > 9:
			b.WriteByte('>')
		case rel >= 0:
			b.WriteByte(byte('0' + rel))
		case rel == relNonpool:
			b.WriteByte('-')
		case rel == relUnjudged:
			b.WriteByte('.')
		default:
			b.WriteByte('<')
		}
	}
	return b.String()
}

// queryEval is the per-query scratch state, reused across queries.
type queryEval struct {
	index         map[string]int32 // docno -> position in the query's retrieved list
	keys          []uint64
	relByDoc      []int64
	judgedOnly    bool
	maxRet        int // -1: no limit
	numDocsInColl int64
}

// scoreKey maps a float32 score to a uint32 whose order is the score's
// order, -0 and +0 alike.
func scoreKey(s float32) uint32 {
	if s == 0 {
		s = 0
	}
	b := math.Float32bits(s)
	if b>>31 != 0 {
		return ^b
	}
	return b | 1<<31
}

// rank builds the query's ranked relevance list and judgement counts.
func (qe *queryEval) rank(qid string, judged map[string]int, retrieved []ScoredDoc) (*ranked, error) {
	if qe.index == nil {
		qe.index = map[string]int32{}
	}
	clear(qe.index)
	// Sort keys: score descending in the high 32 bits, the document's
	// position in the low 32; equal scores are ordered by docno below.
	qe.keys = qe.keys[:0]
	for i, d := range retrieved {
		if _, dup := qe.index[d.DocNo]; dup {
			return nil, fmt.Errorf("eval: query %s retrieves %s twice: %w", qid, d.DocNo, ErrDuplicate)
		}
		qe.index[d.DocNo] = int32(i)
		if d.Score != d.Score {
			return nil, fmt.Errorf("eval: query %s: document %s has score NaN", qid, d.DocNo)
		}
		qe.keys = append(qe.keys, uint64(^scoreKey(float32(d.Score)))<<32|uint64(i))
	}
	keys := qe.keys
	slices.Sort(keys)
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j]>>32 == keys[i]>>32 {
			j++
		}
		if j-i > 1 {
			// comp_sim_docno: ties by docno in descending strcmp order
			slices.SortFunc(keys[i:j], func(a, b uint64) int {
				return strings.Compare(retrieved[uint32(b)].DocNo, retrieved[uint32(a)].DocNo)
			})
		}
		i = j
	}
	if qe.maxRet >= 0 && len(keys) > qe.maxRet {
		keys = keys[:qe.maxRet]
	}

	r := &ranked{numDocsInColl: qe.numDocsInColl}
	maxRel := int64(math.MinInt64)
	for _, rel := range judged {
		maxRel = max(maxRel, int64(rel))
	}
	if maxRel > maxRelValue {
		return nil, fmt.Errorf("eval: query %s: relevance value %d exceeds %d", qid, maxRel, maxRelValue)
	}
	if maxRel >= 0 {
		r.relLevels = make([]int64, maxRel+1)
		for _, rel := range judged {
			if rel >= 0 {
				r.relLevels[rel]++
			}
		}
		for i := len(r.relLevels) - 1; i >= 0; i-- {
			if r.relLevels[i] != 0 {
				r.numRelLevels = i + 1
				break
			}
		}
	}
	// Relevance of each retrieved document: look up whichever side is smaller.
	rels := slices.Grow(qe.relByDoc[:0], len(retrieved))[:len(retrieved)]
	qe.relByDoc = rels
	if len(judged) < len(retrieved) {
		for i := range rels {
			rels[i] = relNonpool
		}
		for docno, rel := range judged {
			if i, ok := qe.index[docno]; ok {
				rels[i] = judgement(rel)
			}
		}
	} else {
		for i, d := range retrieved {
			rels[i] = relNonpool
			if rel, ok := judged[d.DocNo]; ok {
				rels[i] = judgement(rel)
			}
		}
	}
	r.rels = make([]int64, 0, len(keys))
	for _, k := range keys {
		v := rels[uint32(k)]
		if qe.judgedOnly {
			// -J: unjudged documents leave the ranking; the rest keep their order.
			if v < 0 {
				continue
			}
		} else if v == relNonpool {
			r.numNonpool++
		} else if v == relUnjudged {
			r.numUnjudged++
		}
		r.rels = append(r.rels, v)
	}
	return r, nil
}

// judgement is a qrels value as a retrieved document's relevance.
func judgement(rel int) int64 {
	if rel < 0 {
		return relUnjudged
	}
	return int64(rel)
}
