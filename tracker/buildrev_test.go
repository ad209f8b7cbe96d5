package tracker

import (
	"runtime/debug"
	"testing"
)

// A binary stamped by go build records the revision it was built from, not
// the checkout's HEAD, which may have moved since (runs of a long grid
// started while the checkout was updated).
func TestWithBuildRevision(t *testing.T) {
	tree := GitInfo{Commit: "bbbb", Dirty: true, DiffHash: "d1"}
	stamp := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	for _, tc := range []struct {
		name     string
		tree     GitInfo
		settings []debug.BuildSetting
		want     GitInfo
	}{
		{"no stamp (go test, go run)", tree, nil, tree},
		{"no revision", tree, []debug.BuildSetting{{Key: "GOOS", Value: "linux"}}, tree},
		{"clean build, tree moved on", tree, stamp("aaaa", "false"), GitInfo{Commit: "aaaa"}},
		{"clean build, tree at it but edited since", GitInfo{Commit: "aaaa", Dirty: true, DiffHash: "d1"}, stamp("aaaa", "false"), GitInfo{Commit: "aaaa"}},
		{"modified build, tree still at it", GitInfo{Commit: "aaaa", Dirty: true, DiffHash: "d1"}, stamp("aaaa", "true"), GitInfo{Commit: "aaaa", Dirty: true, DiffHash: "d1"}},
		{"modified build, tree moved on", tree, stamp("aaaa", "true"), GitInfo{Commit: "aaaa", Dirty: true}},
		{"outside a repository", GitInfo{}, stamp("aaaa", "false"), GitInfo{Commit: "aaaa"}},
	} {
		if got := withBuildRevision(tc.tree, tc.settings); got != tc.want {
			t.Errorf("%s: withBuildRevision(%+v) = %+v, want %+v", tc.name, tc.tree, got, tc.want)
		}
	}
}
