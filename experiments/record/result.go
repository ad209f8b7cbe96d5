package record

// Result is one finished evaluation: its record, its run and its final
// measures (FinalMeasures).
type Result struct {
	Run     EvalRun
	RunID   int64
	Metrics map[string]float64
	Cached  bool // found FINISHED in the tracker, not computed by this call
}

// System is the evaluated system's name.
func (r *Result) System() string { return r.Run.System }

// Pair is the evaluated direction, "swh-eng".
func (r *Result) Pair() string { return r.Run.Pair() }
