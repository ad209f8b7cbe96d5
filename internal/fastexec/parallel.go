package fastexec

import (
	"runtime"
	"sync"
)

// parallelMin is the smallest element-wise job split across goroutines:
// below ~32k elements a goroutine's start costs more than the work saves.
const parallelMin = 1 << 15

// parallelFor calls fn on consecutive chunks covering [0, n), on up to
// GOMAXPROCS goroutines when n >= parallelMin, else on the caller's.
func parallelFor(n int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < parallelMin || workers == 1 {
		fn(0, n)
		return
	}
	chunks := min(workers, n/(parallelMin/2))
	var wg sync.WaitGroup
	for c := 1; c < chunks; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(c*n/chunks, (c+1)*n/chunks)
		}()
	}
	fn(0, n/chunks)
	wg.Wait()
}
