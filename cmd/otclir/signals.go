package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// signalError is the cause of a context cancelled by a signal; its message
// ("signal: interrupt", "signal: terminated") is the reason a run in
// progress records when it ends KILLED.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return "signal: " + e.sig.String() }

// signalContext returns a context that SIGINT or SIGTERM cancels with a
// signalError cause. After the first signal the default action is restored,
// so a second one kills the process at once. stop releases the handler.
func signalContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case s := <-ch:
			signal.Stop(ch)
			cancel(signalError{s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		<-finished
		cancel(nil)
	}
}

// signalStatus is 128 + the signal's number (130 for SIGINT, 143 for
// SIGTERM) when a signal cancelled ctx, and the cause; else 0, nil.
func signalStatus(ctx context.Context) (int, error) {
	var se signalError
	if !errors.As(context.Cause(ctx), &se) {
		return 0, nil
	}
	if s, ok := se.sig.(syscall.Signal); ok {
		return 128 + int(s), se
	}
	return 1, se
}
