package tracker

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// HandleSignals makes SIGINT and SIGTERM end r as KILLED ("signal:
// interrupt"/"signal: terminated"), flush its metrics, and exit the
// process with 128+signal (130 for SIGINT, 143 for SIGTERM). Call stop
// once the run has ended normally to restore the default behaviour.
func HandleSignals(r *Run) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-quit:
			return
		case s := <-ch:
			code := 1
			if sig, ok := s.(syscall.Signal); ok {
				code = 128 + int(sig)
			}
			if err := r.Kill("signal: " + s.String()); err != nil {
				fmt.Fprintf(os.Stderr, "tracker: run %d: on %v: %v\n", r.ID(), s, err)
			}
			os.Exit(code)
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(ch)
			close(quit)
			wg.Wait()
		})
	}
}
