package tracker

// LatestFinished returns the newest FINISHED run of each key among the runs
// matching filter (the language of package tracker/filter; "" matches all):
// key maps a run to its key, and ok false leaves the run out. Runs are
// taken newest first (start time, then id, descending), so the first run
// seen of a key is the one kept; the result is in that order. This is what
// result tables read: a configuration evaluated again (after a -force, a
// code change) counts once, with its latest values.
func (db *DB) LatestFinished(filter string, key func(*RunRecord) (k string, ok bool)) ([]*RunRecord, error) {
	where := `status = "FINISHED"`
	if filter != "" {
		where = "(" + filter + ") and " + where
	}
	runs, err := db.SearchRuns(where, "start DESC", 0)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []*RunRecord
	for _, r := range runs {
		k, ok := key(r)
		if !ok || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, r)
	}
	return out, nil
}
