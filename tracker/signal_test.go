package tracker

import (
	"context"
	"errors"
	"testing"
)

func TestRunEnd(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		stopped := errors.New("signal: terminated")
		cancelled, cancel := context.WithCancelCause(context.Background())
		cancel(stopped)
		boom := errors.New("boom")
		for _, tc := range []struct {
			name       string
			ctx        context.Context
			err        error
			wantStatus string
			wantReason string
			wantErr    error
		}{
			{"finished", context.Background(), nil, StatusFinished, "", nil},
			{"failed", context.Background(), boom, StatusFailed, "boom", boom},
			{"killed", cancelled, nil, StatusKilled, "signal: terminated", stopped},
			// The work failed because it was stopped: KILLED, not FAILED.
			{"killed while failing", cancelled, context.Canceled, StatusKilled, "signal: terminated", stopped},
		} {
			r := startRun(t, db, RunSpec{Name: tc.name})
			err := r.End(tc.ctx, tc.err)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("%s: End = %v, want %v", tc.name, err, tc.wantErr)
			}
			rr, gerr := db.GetRun(r.ID())
			must(t, gerr)
			if rr.Status != tc.wantStatus || rr.Error != tc.wantReason || rr.End.IsZero() {
				t.Errorf("%s: run %s %q end %v, want %s %q", tc.name, rr.Status, rr.Error, rr.End, tc.wantStatus, tc.wantReason)
			}
			// Ending twice: the tracker's error.
			if err := r.End(context.Background(), nil); !errors.Is(err, ErrRunEnded) {
				t.Errorf("%s: second End = %v, want ErrRunEnded", tc.name, err)
			}
		}
	})
}
