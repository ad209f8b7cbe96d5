package tracker

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestSearchRunsPage(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		searchFixture(t, db) // r1..r4: map 0.31, 0.12, 0.25 (latest), 0.2 (final; latest 0.9)
		tests := []struct {
			filter, order string
			offset, limit int
			want          string
			total         int
		}{
			{``, ``, 0, 2, "r4,other3", 4},
			{``, ``, 2, 2, "r2,r1", 4},
			{``, ``, 3, 10, "r1", 4},
			{``, ``, 4, 10, "", 4},
			{``, `metrics.map DESC`, 0, 3, "r1,other3,r4", 4}, // final wins over latest for r4
			{`experiment = "optical"`, `metrics.map`, 1, 1, "other3", 3},
			{`params.x = "a' OR 1=1 --"`, ``, 0, 5, "r4", 1},
			{`status = "RUNNING"`, ``, 0, 5, "", 0},
		}
		for _, tc := range tests {
			p, err := db.SearchRunsPage(tc.filter, tc.order, tc.offset, tc.limit)
			if err != nil {
				t.Errorf("SearchRunsPage(%q, %q, %d, %d): %v", tc.filter, tc.order, tc.offset, tc.limit, err)
				continue
			}
			if got := names(p.Runs); got != tc.want || p.Total != tc.total {
				t.Errorf("SearchRunsPage(%q, %q, %d, %d) = %s of %d, want %s of %d", tc.filter, tc.order, tc.offset, tc.limit, got, p.Total, tc.want, tc.total)
			}
			for _, rr := range p.Runs {
				if rr.Params == nil || rr.Final == nil {
					t.Errorf("run %s is not filled", rr.Name)
				}
			}
		}
		for _, bad := range []struct {
			filter        string
			offset, limit int
		}{{``, 0, 0}, {``, -1, 5}, {`bogus = 1`, 0, 5}} {
			if _, err := db.SearchRunsPage(bad.filter, "", bad.offset, bad.limit); err == nil {
				t.Errorf("SearchRunsPage(%q, %d, %d) did not fail", bad.filter, bad.offset, bad.limit)
			}
		}
	})
}

func TestExperimentSummaries(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		searchFixture(t, db)
		exps, err := db.Experiments()
		must(t, err)
		got := ""
		for _, e := range exps {
			got += fmt.Sprintf("%s:%d/%d/%d/%d/%d;", e.Name, e.Runs, e.Running, e.Finished, e.Failed, e.Killed)
		}
		// searchFixture: baseline has r4; optical has r1, r2 and other3 (FAILED: "diverged").
		if got != "baseline:1/0/1/0/0;optical:3/0/2/1/0;" {
			t.Fatalf("Experiments() = %s", got)
		}
		s, err := db.Experiment("optical")
		must(t, err)
		fp := s.Fingerprint()
		if s.FirstStart.Day() != 1 || s.LastStart.Day() != 3 || s.LastEnd.IsZero() {
			t.Errorf("optical summary %+v", s)
		}
		r := startRun(t, db, RunSpec{Experiment: "optical", Name: "new"})
		s2, err := db.Experiment("optical")
		must(t, err)
		if s2.Fingerprint() == fp || s2.Running != 1 {
			t.Errorf("a new run did not change the summary: %+v", s2)
		}
		must(t, r.Finish(nil))
		s3, err := db.Experiment("optical")
		must(t, err)
		if s3.Fingerprint() == s2.Fingerprint() {
			t.Error("ending a run did not change the fingerprint")
		}
		if _, err := db.Experiment("nope"); !errors.Is(err, ErrExperimentNotFound) {
			t.Errorf("Experiment(nope) = %v, want ErrExperimentNotFound", err)
		}
	})
}

func TestMetricsAfter(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := newDB(t, b)
		r := startRun(t, db, RunSpec{Name: "live"})
		defer r.Finish(nil)
		must(t, r.LogMetric("loss", 0, 2))
		must(t, r.LogMetric("acc", 0, math.NaN()))
		must(t, r.Flush())
		all, err := db.MetricsAfter(r.ID(), 0, 100)
		must(t, err)
		if len(all) != 2 || all[0].Seq >= all[1].Seq || all[0].Key != "loss" || !math.IsNaN(all[1].Value) {
			t.Fatalf("MetricsAfter(0) = %+v", all)
		}
		last := all[1].Seq
		must(t, r.LogMetric("loss", 1, 1.5))
		must(t, r.LogMetric("loss", 2, 1.2))
		must(t, r.Flush())
		next, err := db.MetricsAfter(r.ID(), last, 1)
		must(t, err)
		if len(next) != 1 || next[0].Step != 1 || next[0].Value != 1.5 {
			t.Fatalf("MetricsAfter(last, 1) = %+v", next)
		}
		rest, err := db.MetricsAfter(r.ID(), next[0].Seq, 100)
		must(t, err)
		if len(rest) != 1 || rest[0].Step != 2 {
			t.Fatalf("MetricsAfter(seq) = %+v", rest)
		}
		if _, err := db.MetricsAfter(r.ID(), 0, 0); err == nil {
			t.Error("MetricsAfter with limit 0 did not fail")
		}
		if none, err := db.MetricsAfter(9999, 0, 10); err != nil || len(none) != 0 {
			t.Errorf("MetricsAfter(missing run) = %v, %v", none, err)
		}
	})
}
