package tracker

import (
	"context"
	"errors"
)

// End ends r by how its work ended: KILLED, with ctx's cancellation cause
// as the reason, when ctx was cancelled (whatever err is: the work stopped
// because of it); otherwise Finish(err), FINISHED or FAILED. It returns err
// (the cause when cancelled), or the tracker's own error when err is nil.
//
// The tracker does not handle signals: the program does (cmd/otclir cancels
// its context on SIGINT and SIGTERM with a cause whose message is "signal:
// interrupt" or "signal: terminated", its work returns, and End records
// the run KILLED with that reason before the program exits 130 or 143). A
// process killed without a chance to end its runs (SIGKILL) leaves them
// RUNNING until GC finds their heartbeat stale.
func (r *Run) End(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		cause := context.Cause(ctx)
		if kerr := r.Kill(cause.Error()); kerr != nil && !errors.Is(kerr, ErrRunEnded) {
			return errors.Join(cause, kerr)
		}
		return cause
	}
	if ferr := r.Finish(err); err == nil && ferr != nil {
		return ferr
	}
	return err
}
