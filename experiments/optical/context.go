package optical

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/otclir/otclir/tracker"
)

// cause is ctx's cancellation cause (context.Cause: the command-line
// program cancels with the signal that stopped it), or nil while ctx runs.
func cause(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}

// interruptible runs fn and returns its error, or ctx's cause as soon as ctx
// is cancelled. It is for long computations of packages that take no
// context (tokenizer training, IBM Model 1, encoding): on cancellation fn's
// goroutine is abandoned and its result dropped, so fn must not write
// anything its caller has not committed to.
func interruptible(ctx context.Context, fn func() error) error {
	if err := cause(ctx); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		done <- fn()
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// tracked runs fn for run, turning a panic into a FAILED run (message and
// stack), and ends the run with tracker.Run.End: KILLED with ctx's cause
// when ctx was cancelled, else FINISHED or FAILED.
func tracked(ctx context.Context, run *tracker.Run, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
		err = run.End(ctx, err)
	}()
	return fn()
}
