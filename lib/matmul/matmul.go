package matmul

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// tileRows is the number of rows of a kernel tile.
const tileRows = 4

// B is packed (packPanels) when at least packMinRows rows and a depth of
// packMinDepth reuse each column panel: read in place with a row stride of n
// floats, the k rows of a panel fall into few cache sets and evict each
// other when n is a large multiple of a power of two (BERT's FFN, n = 3072,
// ran 2.6× slower); small products would spend more on the copy than they
// gain.
const packMinRows, packMinDepth = 256, 256

// parallelFlops is the smallest product (2·batch·m·n·k flops) split across
// goroutines: below it, starting them costs more than it saves.
const parallelFlops = 1 << 21

// Kernel names the code path MulBatched takes on this CPU.
func Kernel() string {
	switch {
	case hasAVX512:
		return "avx512"
	case hasAVX2:
		return "avx2"
	}
	return "go"
}

// tileCols is the column width of the kernel in use (0: plain Go).
func tileCols() int {
	switch {
	case hasAVX512:
		return 32
	case hasAVX2:
		return 16
	}
	return 0
}

// Mul sets c[m×n] = a[m×k]·b[k×n], all row-major and dense.
func Mul(m, n, k int, a, b, c []float32) { MulBatched(1, m, n, k, a, b, c) }

// MulBatched sets c[i] = a[i]·b[i] for i < batch, with a [batch, m, k],
// b [batch, k, n] and c [batch, m, n] row-major and dense; c is overwritten.
// It panics if a slice is shorter than its shape.
func MulBatched(batch, m, n, k int, a, b, c []float32) {
	if batch < 0 || m < 0 || n < 0 || k < 0 || len(a) < batch*m*k || len(b) < batch*k*n || len(c) < batch*m*n {
		panic(fmt.Sprintf("matmul: MulBatched(batch=%d, m=%d, n=%d, k=%d) with len(a)=%d len(b)=%d len(c)=%d",
			batch, m, n, k, len(a), len(b), len(c)))
	}
	if batch == 0 || m == 0 || n == 0 {
		return
	}
	if k == 0 {
		clear(c[:batch*m*n])
		return
	}
	// bOf is B of batch element i: packed panel by panel, or in place.
	tc, packed := tileCols(), false
	bOf := func(i int) []float32 { return b[i*k*n:] }
	if tc > 0 && n > tc && m >= packMinRows && k >= packMinDepth {
		pp, _ := packPool.Get().(*[]float32)
		if pp == nil {
			pp = new([]float32)
		}
		defer packPool.Put(pp)
		*pp = packPanels(*pp, batch, k, n, tc, b)
		size := (n + tc - 1) / tc * tc * k
		bOf, packed = func(i int) []float32 { return (*pp)[i*size:] }, true
	}
	// Work items are (batch, band of rows); bands are whole tiles.
	bands := (m + tileRows - 1) / tileRows
	workers := runtime.GOMAXPROCS(0)
	flops := 2 * batch * m * n * k
	if flops < parallelFlops || workers == 1 {
		w := newWorker(n, k)
		for i := range batch {
			w.rows(m, n, k, a[i*m*k:], bOf(i), packed, c[i*m*n:], 0, m)
		}
		w.release()
		return
	}
	// About four items per goroutine, for load balance.
	target := (4*workers + batch - 1) / batch // items per batch element
	perBand := (bands + target - 1) / target  // tiles per item
	bandsPerItem := (bands + perBand - 1) / perBand
	items := int64(batch * bandsPerItem)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, int(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(n, k)
			defer w.release()
			for {
				it := next.Add(1) - 1
				if it >= items {
					return
				}
				i, band := int(it)/bandsPerItem, int(it)%bandsPerItem
				r0 := band * perBand * tileRows
				r1 := min(m, r0+perBand*tileRows)
				w.rows(m, n, k, a[i*m*k:], bOf(i), packed, c[i*m*n:], r0, r1)
			}
		}()
	}
	wg.Wait()
}

// worker holds the zero-padded copies used by edge tiles.
type worker struct {
	padA []float32 // tileRows × k
	padB []float32 // k × tileCols
	padC []float32 // tileRows × tileCols
}

var workerPool sync.Pool

func newWorker(n, k int) *worker {
	w, _ := workerPool.Get().(*worker)
	if w == nil {
		w = &worker{}
	}
	tc := tileCols()
	w.padA = grow(w.padA, tileRows*k)
	w.padB = grow(w.padB, k*tc)
	w.padC = grow(w.padC, tileRows*tc)
	return w
}

func (w *worker) release() { workerPool.Put(w) }

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// rows computes rows r0..r1 of c = a·b (one batch element); packed says
// that b is in packPanels' layout.
func (w *worker) rows(m, n, k int, a, b []float32, packed bool, c []float32, r0, r1 int) {
	tc := tileCols()
	if tc == 0 {
		mulGo(n, k, a, b, c, r0, r1)
		return
	}
	kernel := kernel4x32
	if tc == 16 {
		kernel = kernel4x16
	}
	fullRows := r0 + (r1-r0)/tileRows*tileRows
	for j := 0; j < n; j += tc {
		width := min(tc, n-j)
		bp, ldb := b[j:], n
		if packed {
			bp, ldb = b[j/tc*k*tc:], tc
		} else if width < tc { // zero-padded copy of the last column panel
			for p := range k {
				row := w.padB[p*tc : (p+1)*tc]
				copy(row, b[p*n+j:p*n+j+width])
				clear(row[width:])
			}
			bp, ldb = w.padB, tc
		}
		for i := r0; i < fullRows; i += tileRows {
			if width == tc {
				kernel(k, &a[i*k], k, &bp[0], ldb, &c[i*n+j], n)
				continue
			}
			kernel(k, &a[i*k], k, &bp[0], ldb, &w.padC[0], tc)
			for r := range tileRows {
				copy(c[(i+r)*n+j:(i+r)*n+j+width], w.padC[r*tc:r*tc+width])
			}
		}
		if rest := r1 - fullRows; rest > 0 { // zero-padded copy of the last rows
			copy(w.padA, a[fullRows*k:r1*k])
			clear(w.padA[rest*k:])
			kernel(k, &w.padA[0], k, &bp[0], ldb, &w.padC[0], tc)
			for r := range rest {
				copy(c[(fullRows+r)*n+j:(fullRows+r)*n+j+width], w.padC[r*tc:r*tc+width])
			}
		}
	}
}

var packPool sync.Pool // *[]float32

// packPanels copies b [batch, k, n] into dst in panel-major order: for each
// batch element, each column panel of tc columns as k contiguous rows of tc
// floats, the last panel zero-padded.
func packPanels(dst []float32, batch, k, n, tc int, b []float32) []float32 {
	panels := (n + tc - 1) / tc
	dst = grow(dst, batch*panels*k*tc)
	for i := range batch {
		src, out := b[i*k*n:], dst[i*panels*k*tc:]
		for p := range k {
			row := src[p*n : (p+1)*n]
			for jj := range panels {
				seg := out[(jj*k+p)*tc : (jj*k+p+1)*tc]
				clear(seg[copy(seg, row[jj*tc:min(n, (jj+1)*tc)]):])
			}
		}
	}
	return dst
}

// mulGo is the plain Go product of rows r0..r1 (no SIMD kernel).
func mulGo(n, k int, a, b, c []float32, r0, r1 int) {
	for i := r0; i < r1; i++ {
		ci := c[i*n : (i+1)*n]
		clear(ci)
		for p, aip := range a[i*k : (i+1)*k] {
			bp := b[p*n : (p+1)*n]
			for j := range ci {
				ci[j] += aip * bp[j]
			}
		}
	}
}
