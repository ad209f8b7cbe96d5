package tracker_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/otclir/otclir/tracker"
)

// A run's life: start, log a curve, set final metrics, finish, then find
// it by configuration and by filter.
func Example() {
	dir, err := os.MkdirTemp("", "tracker-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db, err := tracker.Open(filepath.Join(dir, "results.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()

	params := map[string]string{"pair": "swh-eng", "sinkhorn_epsilon": "0.05"}
	r, err := db.StartRun(tracker.RunSpec{Experiment: "optical", Name: "demo", Params: params, Backend: "go"})
	if err != nil {
		panic(err)
	}
	err = r.Do(func(r *tracker.Run) error {
		for step := int64(0); step < 3; step++ {
			if err := r.LogMetric("loss", step, 1/float64(step+1)); err != nil {
				return err
			}
		}
		return r.SetFinalMetrics(map[string]float64{"map": 0.42})
	})
	if err != nil {
		panic(err)
	}

	hit, err := db.FindFinished("optical", tracker.ConfigHash("optical", params))
	if err != nil {
		panic(err)
	}
	fmt.Println(hit.Name, hit.Status, hit.Final["map"])
	curve, _ := db.MetricHistory(hit.ID, "loss")
	fmt.Println(len(curve), curve[2].Value)
	runs, _ := db.SearchRuns(`params.pair = "swh-eng" and metrics.map > 0.4`, "metrics.map DESC", 10)
	fmt.Println(len(runs), runs[0].Params["sinkhorn_epsilon"])
	// Output:
	// demo FINISHED 0.42
	// 3 0.3333333333333333
	// 1 0.05
}
