package tracker

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkLogMetric measures batched metric logging: b.N points, written
// in transactions of BatchSize points, plus a final Flush.
// Sub-benchmarks per backend: BenchmarkLogMetric/postgres/batch=1000.
func BenchmarkLogMetric(b *testing.B) {
	eachBackendB(b, benchLogMetric)
}

func benchLogMetric(b *testing.B, be backend) {
	for _, batch := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			db, err := OpenOptions(be.location(b), Options{BatchSize: batch})
			must(b, err)
			defer db.Close()
			r := startRun(b, db, RunSpec{})
			defer r.Finish(nil)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := r.LogMetric("loss", int64(i), float64(i)); err != nil {
					b.Fatal(err)
				}
			}
			must(b, r.Flush())
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "points/s")
		})
	}
}

// BenchmarkStepOverhead is the tracker's cost per training step: three
// metrics (loss, lr, grad norm) per step, and a Flush every flushEvery
// steps (a durable checkpoint of the curve).
func BenchmarkStepOverhead(b *testing.B) {
	eachBackendB(b, benchStepOverhead)
}

func benchStepOverhead(b *testing.B, be backend) {
	for _, flushEvery := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("flush_every=%d", flushEvery), func(b *testing.B) {
			db, err := Open(be.location(b))
			must(b, err)
			defer db.Close()
			r := startRun(b, db, RunSpec{})
			defer r.Finish(nil)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				step := int64(i)
				if err := r.LogMetric("loss", step, 1/float64(i+1)); err != nil {
					b.Fatal(err)
				}
				if err := r.LogMetric("lr", step, 1e-3); err != nil {
					b.Fatal(err)
				}
				if err := r.LogMetric("grad_norm", step, 0.5); err != nil {
					b.Fatal(err)
				}
				if (i+1)%flushEvery == 0 {
					if err := r.Flush(); err != nil {
						b.Fatal(err)
					}
				}
			}
			must(b, r.Flush())
		})
	}
}
