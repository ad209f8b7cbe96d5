package bert

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// BenchmarkForward times the forward pass (last hidden state) of a
// BERT-base-size encoder (12 layers, hidden 768, 12 heads, FFN 3072, random
// weights) on a batch of 32 × 128 tokens without padding, and reports
// tokens/s, CPU seconds per pass and the process's peak RSS. testdata/bench_torch.py times the
// same model in PyTorch; PERFORMANCE.md compares them.
//
//	go test -run '^$' -bench 'Forward' -benchtime 3x ./lib/bert
func BenchmarkForward(b *testing.B) {
	m, err := New(backend(b), BaseConfig(), 1) // once: b.Run calls its function for each b.N
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ batch, length int }{{32, 128}} {
		rng := rand.New(rand.NewPCG(2, 3))
		in := Input{Batch: c.batch, Length: c.length, IDs: make([]int32, c.batch*c.length)}
		for i := range in.IDs {
			in.IDs[i] = int32(1 + rng.IntN(m.Config.VocabSize-1)) // no padding
		}
		if _, err := m.Forward(in, false); err != nil { // compiles the graph
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("base/batch=%d/len=%d", c.batch, c.length), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuSeconds()
			for range b.N {
				if _, err := m.Forward(in, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.batch*c.length*b.N)/b.Elapsed().Seconds(), "tokens/s")
			// CPU time per forward pass, all threads: on a shared machine it
			// varies far less than the wall clock.
			b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
			b.ReportMetric(peakRSSMiB(), "peakRSS-MiB")
		})
	}
}

// cpuSeconds is the process's user + system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// peakRSSMiB reads the process's peak resident set (VmHWM) in MiB.
func peakRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
