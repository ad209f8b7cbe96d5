package optical

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestModelTrainedOnceByConcurrentLabs: two labs (two grid workers) that
// share the artifacts folder and the tracker want the same teacher at the
// same time. One trains and saves it; the other waits on the model's lock
// and then reuses the saved model. Before the lock the second one resumed
// from the first's final checkpoint, trained 0 steps and saved the model
// again, replacing the folder while the first recorded its files (a grid
// cell FAILED with "artifact: open ...: no such file or directory").
func TestModelTrainedOnceByConcurrentLabs(t *testing.T) {
	ctx := context.Background()
	c := tinyConfig(t)
	var out syncBuffer
	c.Out = &out
	labs := []*Lab{openLab(t, c), openLab(t, c.Clone())}
	var wg sync.WaitGroup
	errs := make([]error, len(labs))
	for i, l := range labs {
		defer l.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = l.Teacher(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("lab %d: %v", i, err)
		}
	}
	var teachers []int64
	for _, r := range trainingRuns(t, labs[0].DB) {
		if strings.Contains(r.Name, "teacher") {
			teachers = append(teachers, r.ID)
			if r.Status != "FINISHED" {
				t.Errorf("teacher run %d: %s %q", r.ID, r.Status, r.Error)
			}
		}
	}
	if len(teachers) != 1 {
		t.Errorf("teacher training runs %v, want exactly one\n%s", teachers, out.String())
	}
	// The tokenizer too is trained by one of them (its file lock), the
	// other loading the saved file.
	if n := strings.Count(out.String(), "tokenizer: training"); n != 1 {
		t.Errorf("the tokenizer was trained %d times, want once\n%s", n, out.String())
	}
}
