package tracker

import (
	"bufio"
	"fmt"
	"os"
	"time"
)

// livenessChildEnv makes the test binary a child (see TestMain) that
// starts a run in the database it names, prints "run N", and finishes the
// run when it reads a line on stdin, printing "finished" (or the error).
const livenessChildEnv = "OTCLIR_TRACKER_LIVENESS_DB"

func runLivenessChild(path string) int {
	db, err := OpenOptions(path, Options{HeartbeatInterval: 20 * time.Millisecond, StaleAfter: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	defer db.Close()
	r, err := db.StartRun(RunSpec{Experiment: "liveness", Name: "child"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	fmt.Printf("run %d\n", r.ID())
	bufio.NewScanner(os.Stdin).Scan()
	if err := r.Finish(nil); err != nil {
		fmt.Printf("error: %v\n", err)
		return 3
	}
	fmt.Println("finished")
	return 0
}
