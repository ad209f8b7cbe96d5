package eval

import "math"

// Relevance values of retrieved documents that are not plain judgements
// (trec_eval.h).
const (
	relNonpool   = -1 // RELVALUE_NONPOOL: docno not in the qrels
	relUnjudged  = -2 // RELVALUE_UNJUDGED: in the qrels with a negative value
	maxLog2Table = 1 << 16
)

// log2Table[k] = log2(k) for small k: the discounts log2(rank+1).
var log2Table = func() []float64 {
	t := make([]float64, maxLog2Table)
	for k := 1; k < len(t); k++ {
		t[k] = math.Log2(float64(k))
	}
	return t
}()

func log2i(k int64) float64 {
	if k > 0 && k < maxLog2Table {
		return log2Table[k]
	}
	return math.Log2(float64(k))
}

// ranked is one query's ranking joined with its judgements, as
// te_form_res_rels (form_res_rels.c) builds it.
type ranked struct {
	rels        []int64 // relevance by rank: the qrels value, relNonpool or relUnjudged
	numNonpool  int64
	numUnjudged int64
	// relLevels[v] counts the judged documents (value v >= 0) of the query,
	// retrieved or not; numRelLevels is one more than the highest v with a
	// document (0 when the query has no judgement >= 0).
	relLevels    []int64
	numRelLevels int
	// numDocsInColl is trec_eval's -N, used by utility's fourth coefficient.
	numDocsInColl int64
}

// levelView is a ranked query seen at one relevance level.
type levelView struct {
	*ranked
	level     int64
	numRet    int64
	numRel    int64 // judged documents with value >= level
	numRelRet int64 // retrieved judged documents with value >= level
}

func (r *ranked) view(level int64) *levelView {
	v := &levelView{ranked: r, level: level, numRet: int64(len(r.rels))}
	for i, n := range r.relLevels {
		if int64(i) >= level {
			v.numRel += n
		}
	}
	for _, rel := range r.rels {
		if rel >= 0 && rel >= level {
			v.numRelRet++
		}
	}
	return v
}

// relInTop counts the relevant documents in the top k.
func (q *levelView) relInTop(k int64) int64 {
	n := int64(0)
	for i := int64(0); i < k && i < q.numRet; i++ {
		if q.rels[i] >= q.level {
			n++
		}
	}
	return n
}

// sumPrec is the sum of precisions at each relevant rank, and the number of
// relevant documents retrieved (m_map.c).
func (q *levelView) sumPrec() (sum float64, relSoFar int64) {
	for i, rel := range q.rels {
		if rel >= q.level {
			relSoFar++
			sum += float64(relSoFar) / float64(i+1)
		}
	}
	return sum, relSoFar
}

func calcNone(*levelView, *measure, []float64) {}

func calcNumQ(_ *levelView, _ *measure, out []float64) { out[0] = 1 }

func calcNumRet(q *levelView, _ *measure, out []float64) { out[0] = float64(q.numRet) }

func calcNumRel(q *levelView, _ *measure, out []float64) { out[0] = float64(q.numRel) }

func calcNumRelRet(q *levelView, _ *measure, out []float64) { out[0] = float64(q.numRelRet) }

func calcNumNonrelJudgedRet(q *levelView, _ *measure, out []float64) {
	out[0] = float64(q.numRet - q.numNonpool - q.numUnjudged - q.numRelRet)
}

func calcMAP(q *levelView, _ *measure, out []float64) {
	sum, relSoFar := q.sumPrec()
	if relSoFar > 0 {
		out[0] = sum / float64(q.numRel)
	}
}

func calcGMMAP(q *levelView, _ *measure, out []float64) {
	sum, relSoFar := q.sumPrec()
	if relSoFar > 0 {
		sum /= float64(q.numRel)
	}
	out[0] = math.Log(max(sum, minGeoMean))
}

func calcYAAP(q *levelView, _ *measure, out []float64) {
	sum, _ := q.sumPrec()
	out[0] = math.Log((1.0 + sum) / (1.0 + float64(q.numRel) - sum))
}

func calcRprec(q *levelView, _ *measure, out []float64) {
	n := min(q.numRet, q.numRel)
	if n == 0 {
		return
	}
	out[0] = float64(q.relInTop(n)) / float64(q.numRel)
}

// bpref is m_bpref.c's value for the query.
func (q *levelView) bpref() float64 {
	numNonrel := int64(0)
	for j := int64(0); j < q.level && j < int64(len(q.relLevels)); j++ {
		numNonrel += q.relLevels[j]
	}
	nonrelSoFar := int64(0)
	b := 0.0
	for _, rel := range q.rels {
		if rel == relNonpool || rel == relUnjudged {
			continue
		}
		if rel >= 0 && rel < q.level {
			nonrelSoFar++
			continue
		}
		if nonrelSoFar > 0 {
			b += 1.0 - float64(min(nonrelSoFar, q.numRel))/float64(min(numNonrel, q.numRel))
		} else {
			b += 1.0
		}
	}
	if q.numRel != 0 {
		b /= float64(q.numRel)
	}
	return b
}

func calcBpref(q *levelView, _ *measure, out []float64) { out[0] = q.bpref() }

func calcGMBpref(q *levelView, _ *measure, out []float64) {
	out[0] = math.Log(max(q.bpref(), minGeoMean))
}

func calcInfAP(q *levelView, _ *measure, out []float64) {
	var nonrelSoFar, relSoFar, unjudgedSoFar int64
	infAP := 0.0
	for j, rel := range q.rels {
		if rel == relNonpool {
			continue
		}
		if rel == relUnjudged {
			unjudgedSoFar++
			continue
		}
		if rel >= 0 && rel < q.level {
			nonrelSoFar++
			continue
		}
		relSoFar++
		if j == 0 {
			infAP += 1.0
			continue
		}
		fj := float64(j)
		// explicit conversions keep each product rounded, as C does
		infAP += 1.0/(fj+1.0) +
			float64(float64(fj/(fj+1.0))*
				(float64(relSoFar-1+nonrelSoFar+unjudgedSoFar)/fj))*
				((float64(relSoFar-1)+infAPEpsilon)/
					(float64(relSoFar-1+nonrelSoFar)+2*infAPEpsilon))
	}
	if q.numRel != 0 {
		infAP /= float64(q.numRel)
	}
	out[0] = infAP
}

func calcRecipRank(q *levelView, _ *measure, out []float64) {
	for i, rel := range q.rels {
		if rel >= q.level {
			out[0] = 1.0 / float64(i+1)
			return
		}
	}
}

// calcRecipRankCut is otclir's MRR@k: 1/rank of the first relevant
// document within the top k, else 0.
func calcRecipRankCut(q *levelView, m *measure, out []float64) {
	first := int64(-1)
	for i, rel := range q.rels {
		if rel >= q.level {
			first = int64(i)
			break
		}
	}
	for c, k := range m.cutoffs {
		if first >= 0 && first < k {
			out[c] = 1.0 / float64(first+1)
		}
	}
}

// recallCutoffs turns fractions of num_rel into document counts the way
// m_iprec_at_recall.c and m_11pt_avg.c do: (long) (fraction * num_rel + 0.9).
func recallCutoffs(fractions []float64, numRel int64, dst []int64) []int64 {
	dst = dst[:0]
	for _, f := range fractions {
		dst = append(dst, int64(float64(f*float64(numRel))+0.9))
	}
	return dst
}

// interpolated walks the ranking backwards like m_iprec_at_recall.c and
// calls set(c, p) with the interpolated precision p for each cutoff c
// (indices into cuts, high to low).
func (q *levelView) interpolated(cuts []int64, set func(c int, p float64)) {
	cur := len(cuts) - 1
	for cur >= 0 && cuts[cur] > q.numRelRet {
		cur--
	}
	precis := float64(q.numRelRet) / float64(q.numRet)
	intPrecis := precis
	relSoFar := q.numRelRet
	for i := q.numRet; i > 0 && relSoFar > 0; i-- {
		precis = float64(relSoFar) / float64(i)
		if intPrecis < precis {
			intPrecis = precis
		}
		if q.rels[i-1] >= q.level {
			for cur >= 0 && relSoFar == cuts[cur] {
				set(cur, intPrecis)
				cur--
			}
			relSoFar--
		}
	}
	for cur >= 0 {
		set(cur, intPrecis)
		cur--
	}
}

func calcIprecAtRecall(q *levelView, m *measure, out []float64) {
	var buf [16]int64
	cuts := recallCutoffs(m.fractions, q.numRel, buf[:0])
	q.interpolated(cuts, func(c int, p float64) { out[c] = p })
}

func calc11ptAvg(q *levelView, m *measure, out []float64) {
	var buf [16]int64
	cuts := recallCutoffs(m.fractions, q.numRel, buf[:0])
	sum := 0.0
	q.interpolated(cuts, func(_ int, p float64) { sum += p })
	out[0] = sum / float64(len(m.fractions))
}

func calcRprecMult(q *levelView, m *measure, out []float64) {
	var buf [16]int64
	cuts := recallCutoffs(m.fractions, q.numRel, buf[:0])
	cur := len(cuts) - 1
	for cur >= 0 && cuts[cur] > q.numRet {
		out[cur] = float64(q.numRelRet) / float64(cuts[cur])
		cur--
	}
	relSoFar := q.numRelRet
	for i := q.numRet; i > 0 && relSoFar > 0; i-- {
		precis := float64(relSoFar) / float64(i)
		for cur >= 0 && i == cuts[cur] {
			out[cur] = precis
			cur--
		}
		if q.rels[i-1] >= q.level {
			relSoFar--
		}
	}
}

// cutLoop is the loop shared by m_P.c, m_recall.c, m_success.c and
// m_rel_P.c: at each cutoff, value(relevant in the top cutoff, cutoff).
func (q *levelView) cutLoop(cutoffs []int64, out []float64, value func(relSoFar, cutoff int64) float64) {
	ci := 0
	relSoFar := int64(0)
	for i := int64(0); i < q.numRet; i++ {
		if i == cutoffs[ci] {
			out[ci] = value(relSoFar, i)
			if ci++; ci == len(cutoffs) {
				return
			}
		}
		if q.rels[i] >= q.level {
			relSoFar++
		}
	}
	for ; ci < len(cutoffs); ci++ {
		out[ci] = value(relSoFar, cutoffs[ci])
	}
}

func calcP(q *levelView, m *measure, out []float64) {
	q.cutLoop(m.cutoffs, out, func(r, k int64) float64 { return float64(r) / float64(k) })
}

func calcRecall(q *levelView, m *measure, out []float64) {
	if q.numRel == 0 {
		return
	}
	q.cutLoop(m.cutoffs, out, func(r, _ int64) float64 { return float64(r) / float64(q.numRel) })
}

func calcSuccess(q *levelView, m *measure, out []float64) {
	q.cutLoop(m.cutoffs, out, func(r, _ int64) float64 {
		if r > 0 {
			return 1
		}
		return 0
	})
}

func calcRelativeP(q *levelView, m *measure, out []float64) {
	if q.numRel == 0 {
		return
	}
	q.cutLoop(m.cutoffs, out, func(r, k int64) float64 { return float64(r) / float64(min(k, q.numRel)) })
}

func calcMAPCut(q *levelView, m *measure, out []float64) {
	if q.numRel == 0 {
		return
	}
	ci := 0
	relSoFar := int64(0)
	sum := 0.0
	for i := int64(0); i < q.numRet; i++ {
		if i == m.cutoffs[ci] {
			out[ci] = sum / float64(q.numRel)
			if ci++; ci == len(m.cutoffs) {
				return
			}
		}
		if q.rels[i] >= q.level {
			relSoFar++
			sum += float64(relSoFar) / float64(i+1)
		}
	}
	for ; ci < len(m.cutoffs); ci++ {
		out[ci] = sum / float64(q.numRel)
	}
}

func calcUtility(q *levelView, m *measure, out []float64) {
	p := m.fractions
	out[0] = float64(p[0]*float64(q.numRelRet)) +
		float64(p[1]*float64(q.numRet-q.numRelRet)) +
		float64(p[2]*float64(q.numRel-q.numRelRet)) +
		float64(p[3]*float64(q.numDocsInColl+q.numRelRet-q.numRet-q.numRel))
}

func calcSetP(q *levelView, _ *measure, out []float64) {
	if q.numRet != 0 {
		out[0] = float64(q.numRelRet) / float64(q.numRet)
	}
}

func calcSetRelativeP(q *levelView, _ *measure, out []float64) {
	if q.numRet != 0 && q.numRel != 0 {
		out[0] = float64(q.numRelRet) / float64(min(q.numRet, q.numRel))
	}
}

func calcSetRecall(q *levelView, _ *measure, out []float64) {
	if q.numRel != 0 {
		out[0] = float64(q.numRelRet) / float64(q.numRel)
	}
}

func calcSetMAP(q *levelView, _ *measure, out []float64) {
	if q.numRet != 0 && q.numRel != 0 {
		out[0] = float64(float64(q.numRelRet)*float64(q.numRelRet)) /
			float64(float64(q.numRet)*float64(q.numRel))
	}
}

func calcSetF(q *levelView, m *measure, out []float64) {
	if q.numRelRet == 0 {
		return
	}
	p := float64(q.numRelRet) / float64(q.numRet)
	r := float64(q.numRelRet) / float64(q.numRel)
	x := m.fractions[0]
	out[0] = float64(float64((x+1.0)*p)*r) / (float64(x*p) + r)
}

func calcBinG(q *levelView, _ *measure, out []float64) {
	relSoFar := int64(0)
	sum := 0.0
	for i, rel := range q.rels {
		if rel >= q.level {
			relSoFar++
			sum += 1.0 / log2i(3+int64(i)-relSoFar)
		}
	}
	if relSoFar != 0 {
		out[0] = sum / float64(q.numRel)
	}
}

// calcNDCGCut is m_ndcg_cut.c: the qrels value as gain, discount
// log2(rank+1) at every rank, the ideal ranking built from relLevels.
func calcNDCGCut(q *levelView, m *measure, out []float64) {
	cutoffs := m.cutoffs
	ci := 0
	sum := 0.0
	i := int64(0)
	for ; i < q.numRet; i++ {
		if i == cutoffs[ci] {
			out[ci] = sum
			if ci++; ci == len(cutoffs) {
				break
			}
		}
		if gain := float64(q.rels[i]); gain > 0 {
			sum += gain / log2i(i+2)
		}
	}
	for ; ci < len(cutoffs); ci++ {
		out[ci] = sum
	}
	ci = 0
	cur := q.numRelLevels - 1
	count := int64(0)
	ideal := 0.0
	for i = 0; ; i++ {
		count++
		for cur > 0 && count > q.relLevels[cur] {
			cur--
			count = 1
		}
		if cur <= 0 {
			break
		}
		if i == cutoffs[ci] {
			if ideal > 0 {
				out[ci] /= ideal
			}
			if ci++; ci == len(cutoffs) {
				break
			}
		}
		ideal += float64(cur) / log2i(i+2)
	}
	for ; ci < len(cutoffs); ci++ {
		if ideal > 0 {
			out[ci] /= ideal
		}
	}
}

// relGain is one gain level of setup_gains (m_ndcg.c, m_G.c).
type relGain struct {
	level      int64
	numAtLevel int64
	gain       float64
}

// gains is setup_gains: the measure's level=gain parameters, then every
// judged level of the query not among them with gain = level, sorted by
// increasing gain with trec_eval's comparator, which truncates the
// difference to an int (so gains less than 1 apart compare equal), by
// glibc's merge sort (stable).
type gains struct {
	g       []relGain
	byLevel bool // no parameters: gain(v) = v for judged v
}

func (q *levelView) gains(params []gainParam) gains {
	if len(params) == 0 {
		g := make([]relGain, q.numRelLevels)
		for i := range g {
			g[i] = relGain{level: int64(i), numAtLevel: q.relLevels[i], gain: float64(i)}
		}
		return gains{g: g, byLevel: true}
	}
	g := make([]relGain, 0, len(params)+q.numRelLevels)
	for _, p := range params {
		g = append(g, relGain{level: p.level, gain: p.gain})
	}
	for i := 0; i < q.numRelLevels; i++ {
		j := 0
		for j < len(g) && g[j].level != int64(i) {
			j++
		}
		if j < len(g) {
			g[j].numAtLevel = q.relLevels[i]
		} else {
			g = append(g, relGain{level: int64(i), numAtLevel: q.relLevels[i], gain: float64(i)})
		}
	}
	mergeSort(g, make([]relGain, len(g)), func(a, b *relGain) int {
		d := a.gain - b.gain // C: (int) (a - b)
		switch {
		case d >= 1:
			return 1
		case d <= -1:
			return -1
		}
		return 0
	})
	return gains{g: g}
}

// mergeSort is glibc's msort_with_tmp: top-down, stable, left half first.
func mergeSort(a, tmp []relGain, cmp func(a, b *relGain) int) {
	if len(a) <= 1 {
		return
	}
	n1 := len(a) / 2
	mergeSort(a[:n1], tmp, cmp)
	mergeSort(a[n1:], tmp, cmp)
	b1, b2 := a[:n1], a[n1:]
	t := tmp[:0]
	for len(b1) > 0 && len(b2) > 0 {
		if cmp(&b1[0], &b2[0]) <= 0 {
			t = append(t, b1[0])
			b1 = b1[1:]
		} else {
			t = append(t, b2[0])
			b2 = b2[1:]
		}
	}
	t = append(t, b1...)
	copy(a, t)
}

// gain is get_gain: the gain of relevance value rel (0 if not a level).
func (gs *gains) gain(rel int64) float64 {
	if gs.byLevel {
		if rel >= 0 && rel < int64(len(gs.g)) {
			return float64(rel)
		}
		return 0
	}
	for _, g := range gs.g {
		if g.level == rel {
			return g.gain
		}
	}
	return 0
}

// idealWalk steps through the ideal ranking: gain levels from the last
// (highest gain) down, numAtLevel documents each.
type idealWalk struct {
	gs         *gains
	cur        int
	numAtLevel int64
	gain       float64
}

func newIdealWalk(gs *gains) idealWalk {
	w := idealWalk{gs: gs, cur: len(gs.g) - 1}
	if w.cur >= 0 {
		w.gain = gs.g[w.cur].gain
	}
	return w
}

// next moves to the next ideal rank and returns its gain.
func (w *idealWalk) next() float64 {
	w.numAtLevel++
	for w.cur >= 0 && w.numAtLevel > w.gs.g[w.cur].numAtLevel {
		w.numAtLevel = 1
		w.cur--
		if w.cur >= 0 {
			w.gain = w.gs.g[w.cur].gain
		} else {
			w.gain = 0
		}
	}
	return w.gain
}

func calcNDCG(q *levelView, m *measure, out []float64) {
	gs := q.gains(m.gains)
	w := newIdealWalk(&gs)
	dcg, ideal := 0.0, 0.0
	i := int64(0)
	for ; i < q.numRet && w.gain > 0; i++ {
		if g := gs.gain(q.rels[i]); g != 0 {
			dcg += g / log2i(i+2)
		}
		if ig := w.next(); ig > 0 {
			ideal += ig / log2i(i+2)
		}
	}
	for ; i < q.numRet; i++ {
		if g := gs.gain(q.rels[i]); g != 0 {
			dcg += g / log2i(i+2)
		}
	}
	for ; w.gain > 0; i++ {
		if ig := w.next(); ig > 0 {
			ideal += ig / log2i(i+2)
		}
	}
	if ideal > 0 {
		out[0] = dcg / ideal
	}
}

func calcNDCGRel(q *levelView, m *measure, out []float64) {
	gs := q.gains(m.gains)
	w := newIdealWalk(&gs)
	dcg, ideal, sum := 0.0, 0.0, 0.0
	var numRel, numRelRet int64
	i := int64(0)
	for ; i < q.numRet && w.gain > 0; i++ {
		g := gs.gain(q.rels[i])
		if g != 0 {
			dcg += g / log2i(i+2)
		}
		if ig := w.next(); ig > 0 {
			numRel++
			ideal += ig / log2i(i+2)
		}
		if g > 0 {
			sum += dcg / ideal
			numRelRet++
		}
	}
	for ; i < q.numRet; i++ {
		g := gs.gain(q.rels[i])
		if g != 0 {
			dcg += g / log2i(i+2)
		}
		if g > 0 {
			sum += dcg / ideal
			numRelRet++
		}
	}
	for ; w.gain > 0; i++ {
		if ig := w.next(); ig > 0 {
			numRel++
			ideal += ig / log2i(i+2)
		}
	}
	sum += float64(float64(numRel-numRelRet)*dcg) / ideal
	if sum > 0 {
		out[0] = sum / float64(numRel)
	}
}

func calcRndcg(q *levelView, m *measure, out []float64) {
	gs := q.gains(m.gains)
	if q.numRel == 0 {
		return
	}
	w := newIdealWalk(&gs)
	dcg, ideal, sum := 0.0, 0.0, 0.0
	old := w.gain
	numChanged := int64(0)
	i := int64(0)
	for ; i < q.numRet && w.gain > 0; i++ {
		g := gs.gain(q.rels[i])
		ig := w.next()
		if old != ig {
			if ideal > 0 {
				sum += dcg / ideal
				numChanged++
			}
			old = ig
		}
		if g != 0 {
			dcg += g / log2i(i+2)
		}
		if ig > 0 {
			ideal += ig / log2i(i+2)
		}
	}
	if i < q.numRet {
		for ; i < q.numRet; i++ {
			if g := gs.gain(q.rels[i]); g != 0 {
				dcg += g / log2i(i+2)
			}
		}
		if ideal > 0 {
			sum += dcg / ideal
			numChanged++
		}
	}
	for ; w.gain > 0; i++ {
		ig := w.next()
		if old != ig {
			if ideal > 0 {
				sum += dcg / ideal
				numChanged++
			}
			old = ig
		}
		if ig > 0 {
			ideal += ig / log2i(i+2)
		}
	}
	out[0] = sum / float64(numChanged)
}

func calcG(q *levelView, m *measure, out []float64) {
	gs := q.gains(m.gains)
	w := newIdealWalk(&gs)
	const minCost = 1.0
	resultsG, sumResults, sumIdeal, sumCost := 0.0, 0.0, 0.0, 0.0
	i := int64(0)
	for ; i < q.numRet && w.gain > 0; i++ {
		g := gs.gain(q.rels[i])
		sumResults += g
		ig := w.next()
		if ig > 0 {
			sumIdeal += ig
		}
		if ig >= minCost {
			sumCost += ig
		} else {
			sumCost += minCost
		}
		if g != 0 {
			resultsG += g / math.Log2(2+sumCost-sumResults)
		}
	}
	for ; i < q.numRet; i++ {
		g := gs.gain(q.rels[i])
		sumResults += g
		sumCost += minCost
		if g != 0 {
			resultsG += g / math.Log2(2+sumCost-sumResults)
		}
	}
	for w.gain > 0 {
		if ig := w.next(); ig > 0 {
			sumIdeal += ig
		}
	}
	if sumIdeal > 0 {
		out[0] = resultsG / sumIdeal
	}
}
