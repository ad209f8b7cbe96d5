package retrieval

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/lib/matmul"
)

// ErrShape reports token vectors whose length is not a multiple of the dimension.
var ErrShape = errors.New("retrieval: token vectors do not match the dimension")

// MaxSim returns Σ_i max_j q_i·d_j for q (nq×dim) and d (nd×dim), both flat
// row-major. An empty document scores 0 for every query token.
func MaxSim(q, d []float32, dim int) float32 {
	nq, nd := len(q)/dim, len(d)/dim
	if nd == 0 {
		return 0
	}
	var total float32
	for i := 0; i < nq; i++ {
		qi := q[i*dim : (i+1)*dim]
		best := float32(math.Inf(-1))
		for j := 0; j < nd; j++ {
			if s := dot(qi, d[j*dim:(j+1)*dim]); s > best {
				best = s
			}
		}
		total += best
	}
	return total
}

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Index is an in-memory collection of documents' token vectors.
//
// NewIndex copies the documents into chunks of consecutive documents (at
// most chunkTokens columns each, unless one document is longer), each chunk
// transposed to a Dim × columns matrix; every document is padded to a
// multiple of tileCols columns by repeating its last token, which cannot
// change a maximum. The copy costs Dim·4 bytes per padded token (164 MB for
// 10,000 documents of 32 tokens at d=128). Scoring multiplies a block of
// query tokens by a chunk and takes the maxima over each document's columns
// (scoreBlock), on all cores; the product runs in lib/matmul's row-max kernels where
// the CPU has AVX-512 or AVX2 (fused with the maxima), else in gonum's Sgemm.
// See PERFORMANCE.md for the measured rates.
type Index struct {
	DocIDs []string
	Dim    int
	Vecs   [][]float32 // the vectors given to NewIndex (not copied; scoring uses the chunks)

	offs   []int       // document j holds columns offs[j]..offs[j+1]-1 (tokens padded to tileCols)
	chunks []int       // document j in chunk c iff chunks[c] <= j < chunks[c+1]
	chunkT [][]float32 // chunk c transposed: [Dim, columns of chunk c]
}

// Tiles of lib/matmul's row-max kernels (16 or 32 columns): query rows are
// padded to a multiple of tileRows, chunk columns to a multiple of tileCols
// (a multiple of both widths), with zeros.
const (
	tileRows = 4
	tileCols = 32
)

// kernelKind names a way to compute the scoring products: gonum's Sgemm
// followed by a max pass (any CPU; rowMax nil), or one of lib/matmul's
// fused row-max kernels (AVX2 + FMA: 16 columns a call, AVX-512F: 32),
// which reduce each tile of the product to its row maxima in registers.
type kernelKind struct {
	rowMax *matmul.RowMaxKernel
}

func (k kernelKind) String() string {
	if k.rowMax == nil {
		return "sgemm"
	}
	return k.rowMax.Name
}

// kernels lists the kinds this CPU can run, slowest first.
func kernels() []kernelKind {
	out := []kernelKind{{}}
	for _, kn := range matmul.RowMaxKernels() {
		out = append(out, kernelKind{rowMax: &kn})
	}
	return out
}

// useKernel is the kind in use: the fastest the CPU has (tests and
// benchmarks switch it to compare them).
var useKernel = kernels()[len(kernels())-1]

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// chunkTokens bounds the document tokens of one matrix product (a chunk of
// consecutive documents; a longer document forms a chunk of its own). With
// queryRows query tokens the product is queryRows×chunkTokens floats
// (256 KiB), which stays in L2 cache until the max pass reads it: with 2048
// (2 MiB) BenchmarkSearchLarge ran 1.4-1.5× slower.
const (
	chunkTokens = 256
	queryRows   = 256
)

// NewIndex checks shapes and builds an index. It copies the vectors into its
// chunks, so later changes to vecs do not change scores.
func NewIndex(ids []string, vecs [][]float32, dim int) (*Index, error) {
	if len(ids) != len(vecs) {
		return nil, fmt.Errorf("retrieval: %d document ids for %d vectors", len(ids), len(vecs))
	}
	if dim <= 0 {
		return nil, fmt.Errorf("retrieval: dimension %d", dim)
	}
	for i, v := range vecs {
		if len(v)%dim != 0 {
			return nil, fmt.Errorf("%w: document %q has %d floats, dim %d", ErrShape, ids[i], len(v), dim)
		}
	}
	ix := &Index{DocIDs: ids, Dim: dim, Vecs: vecs, offs: make([]int, len(vecs)+1), chunks: []int{0}}
	chunkStart := 0
	for j, v := range vecs {
		ix.offs[j+1] = ix.offs[j] + roundUp(len(v)/dim, tileCols)
		if ix.offs[j+1]-ix.offs[chunkStart] > chunkTokens && j > chunkStart {
			ix.chunks = append(ix.chunks, j) // document j starts a new chunk
			chunkStart = j
		}
	}
	ix.chunks = append(ix.chunks, len(vecs))
	ix.chunkT = make([][]float32, len(ix.chunks)-1)
	for c := range ix.chunkT {
		lo, hi := ix.chunks[c], ix.chunks[c+1]
		n := ix.offs[hi] - ix.offs[lo]
		t := make([]float32, dim*n)
		col := 0
		for j := lo; j < hi; j++ {
			toks := len(vecs[j]) / dim
			for r := 0; r < ix.offs[j+1]-ix.offs[j]; r++ {
				// Columns past the last token repeat it: a maximum over the
				// document's columns is unchanged by repeated tokens.
				tok := vecs[j][min(r, toks-1)*dim : min(r, toks-1)*dim+dim]
				for k, x := range tok {
					t[k*n+col] = x
				}
				col++
			}
		}
		ix.chunkT[c] = t
	}
	return ix, nil
}

// Scores returns MaxSim(query, doc) for every document of the index. A
// trailing partial token of query is ignored, as MaxSim does.
func (ix *Index) Scores(query []float32) []float32 {
	query = query[:len(query)/ix.Dim*ix.Dim]
	out := [][]float32{make([]float32, len(ix.Vecs))}
	ix.scoreQueries([][]float32{query}, out)
	return out[0]
}

// scoreQueries sets out[i][j] = MaxSim(queries[i], document j); queries
// must have whole tokens and fit one block (see queryBlocks). Documents are
// split into chunks, shared by GOMAXPROCS goroutines.
func (ix *Index) scoreQueries(queries [][]float32, out [][]float32) {
	qflat, qoffs := packQueries(queries, ix.Dim)
	nChunks := len(ix.chunks) - 1
	workers := min(runtime.GOMAXPROCS(0), nChunks)
	var next atomic.Int64
	work := func() {
		var buf []float32
		for {
			c := int(next.Add(1)) - 1
			if c >= nChunks {
				return
			}
			buf = ix.scoreBlock(qflat, qoffs, c, out, buf)
		}
	}
	if workers <= 1 {
		work()
		return
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() { defer wg.Done(); work() }()
	}
	wg.Wait()
}

// packQueries concatenates queries into one [tokens, dim] matrix, padded
// with zero rows to a multiple of tileRows; query i holds rows
// offs[i]..offs[i+1]-1.
func packQueries(queries [][]float32, dim int) (flat []float32, offs []int) {
	offs = make([]int, len(queries)+1)
	n := 0
	for i, q := range queries {
		n += len(q)
		offs[i+1] = n / dim
	}
	flat = make([]float32, 0, roundUp(n/dim, tileRows)*dim)
	for _, q := range queries {
		flat = append(flat, q...)
	}
	return flat[:cap(flat)], offs
}

// scoreBlock scores the packed queries against the documents of chunk c:
// one Sgemm S = Q·Dᵀ ([query tokens, chunk tokens]), then for each (query,
// document) the sum over query rows of the maximum over the document's
// columns. buf is reused scratch space (returned, possibly grown).
func (ix *Index) scoreBlock(qflat []float32, qoffs []int, c int, out [][]float32, buf []float32) []float32 {
	dim := ix.Dim
	lo, hi := ix.chunks[c], ix.chunks[c+1]
	m := qoffs[len(qoffs)-1]
	c0 := ix.offs[lo]
	if m == 0 || ix.offs[hi] == c0 { // no query tokens or only empty documents: every score is 0
		for i := range out {
			for j := lo; j < hi; j++ {
				out[i][j] = 0
			}
		}
		return buf
	}
	mPad := len(qflat) / dim
	dt := ix.chunkT[c]
	n := len(dt) / dim // columns: every document's tokens padded to tileCols
	if useKernel.rowMax != nil {
		return ix.scoreFused(qflat, qoffs, c, out, buf)
	}
	if cap(buf) < mPad*n {
		buf = make([]float32, mPad*n)
	}
	s := buf[:mPad*n]
	blas32.Implementation().Sgemm(blas.NoTrans, blas.NoTrans, mPad, n, dim, 1, qflat, dim, dt, n, 0, s, n)
	for i := range out {
		r0, r1 := qoffs[i], qoffs[i+1]
		for j := lo; j < hi; j++ {
			a, b := ix.offs[j]-c0, ix.offs[j+1]-c0
			if a == b {
				out[i][j] = 0 // empty document
				continue
			}
			var total float32
			for r := r0; r < r1; r++ {
				total += maxOf(s[r*n+a : r*n+b])
			}
			out[i][j] = total
		}
	}
	return buf
}

// scoreFused is scoreBlock with one of lib/matmul's row-max kernels
// (AVX-512 or AVX2): every 4×w tile of Q·Dᵀ (w = 32 or 16) is reduced to its
// 4 row maxima in registers, and since every tile belongs to one document
// (documents are padded to whole tileCols), a document's score is the sum
// over query rows of the maximum over its tiles. The similarity matrix is
// never stored.
func (ix *Index) scoreFused(qflat []float32, qoffs []int, c int, out [][]float32, buf []float32) []float32 {
	dim := ix.Dim
	lo, hi := ix.chunks[c], ix.chunks[c+1]
	c0 := ix.offs[lo]
	dt := ix.chunkT[c]
	n := len(dt) / dim
	kn := useKernel.rowMax
	w := kn.Width
	mPad, tiles := len(qflat)/dim, n/w
	if cap(buf) < mPad*tiles {
		buf = make([]float32, mPad*tiles)
	}
	mx := buf[:mPad*tiles] // mx[r, t]: maximum of query row r over tile t
	for t := 0; t < tiles; t++ {
		for ib := 0; ib < mPad; ib += tileRows {
			kn.RowMax(dim, qflat[ib*dim:], dim, dt[t*w:], n, mx[ib*tiles+t:], tiles)
		}
	}
	for i := range out {
		r0, r1 := qoffs[i], qoffs[i+1]
		for j := lo; j < hi; j++ {
			t0, t1 := (ix.offs[j]-c0)/w, (ix.offs[j+1]-c0)/w
			if t0 == t1 {
				out[i][j] = 0 // empty document
				continue
			}
			var total float32
			for r := r0; r < r1; r++ {
				total += maxOf(mx[r*tiles+t0 : r*tiles+t1])
			}
			out[i][j] = total
		}
	}
	return buf
}

// maxOf returns the maximum of a non-empty slice.
func maxOf(x []float32) float32 {
	m0 := x[0]
	m1, m2, m3 := m0, m0, m0
	i := 1
	for ; i+4 <= len(x); i += 4 {
		if x[i] > m0 {
			m0 = x[i]
		}
		if x[i+1] > m1 {
			m1 = x[i+1]
		}
		if x[i+2] > m2 {
			m2 = x[i+2]
		}
		if x[i+3] > m3 {
			m3 = x[i+3]
		}
	}
	for ; i < len(x); i++ {
		if x[i] > m0 {
			m0 = x[i]
		}
	}
	if m1 > m0 {
		m0 = m1
	}
	if m3 > m2 {
		m2 = m3
	}
	if m2 > m0 {
		m0 = m2
	}
	return m0
}

// queryBlocks splits query indices into consecutive blocks of about
// queryRows tokens (at least one query each).
func queryBlocks(queries [][]float32, dim int) [][2]int {
	var blocks [][2]int
	start, rows := 0, 0
	for i, q := range queries {
		if rows > 0 && rows+len(q)/dim > queryRows {
			blocks = append(blocks, [2]int{start, i})
			start, rows = i, 0
		}
		rows += len(q) / dim
	}
	if start < len(queries) {
		blocks = append(blocks, [2]int{start, len(queries)})
	}
	return blocks
}

// Search scores every query against every document and keeps the top depth
// documents per query (all when depth <= 0). Queries are scored in blocks of
// about queryRows tokens, so memory stays at one block's scores.
func (ix *Index) Search(qids []string, queries [][]float32, depth int) (eval.Run, error) {
	if len(qids) != len(queries) {
		return nil, fmt.Errorf("retrieval: %d query ids for %d query vectors", len(qids), len(queries))
	}
	for i, q := range queries {
		if len(q)%ix.Dim != 0 {
			return nil, fmt.Errorf("%w: query %q has %d floats, dim %d", ErrShape, qids[i], len(q), ix.Dim)
		}
	}
	run := make(eval.Run, len(qids))
	for _, blk := range queryBlocks(queries, ix.Dim) {
		out := make([][]float32, blk[1]-blk[0])
		for i := range out {
			out[i] = make([]float32, len(ix.Vecs))
		}
		ix.scoreQueries(queries[blk[0]:blk[1]], out)
		for i, scores := range out {
			run[qids[blk[0]+i]] = topK(ix.DocIDs, scores, depth)
		}
	}
	return run, nil
}

func topK(ids []string, scores []float32, depth int) []eval.ScoredDoc {
	docs := make([]eval.ScoredDoc, len(ids))
	for j, id := range ids {
		docs[j] = eval.ScoredDoc{DocNo: id, Score: float64(scores[j])}
	}
	// trec_eval order: score descending, then docno descending.
	sort.Slice(docs, func(a, b int) bool {
		if docs[a].Score != docs[b].Score {
			return docs[a].Score > docs[b].Score
		}
		return docs[a].DocNo > docs[b].DocNo
	})
	if depth > 0 && len(docs) > depth {
		docs = docs[:depth]
	}
	return docs
}

// RandomRun ranks all documents for each query in a random order (seeded):
// the chance-level reference, scored with the same measures as real systems.
func RandomRun(qids, docIDs []string, seed uint64, depth int) eval.Run {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	run := make(eval.Run, len(qids))
	for _, q := range qids {
		scores := make([]float32, len(docIDs))
		perm := rng.Perm(len(docIDs))
		for rank, j := range perm {
			scores[j] = float32(len(docIDs) - rank)
		}
		run[q] = topK(docIDs, scores, depth)
	}
	return run
}
