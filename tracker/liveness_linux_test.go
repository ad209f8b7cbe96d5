package tracker

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestGCPidReuse: a recorded pid that now names another process (other
// start time), or a pid recorded before a reboot (other boot id), is a
// dead process; the same pid with its recorded identity is alive.
func TestGCPidReuse(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ppid := os.Getppid() // alive for the whole test: it waits for us
		token := procToken(ppid)
		if token == "" {
			t.Skip("no /proc identity here")
		}
		boot, start, _ := strings.Cut(token, ":")
		cases := []struct {
			name, procStart string
			killed          bool
		}{
			{"same process", token, false},
			{"pid reused", boot + ":" + start + "1", true},
			{"before a reboot", "00000000-0000-0000-0000-000000000000:" + start, true},
			{"identity not recorded", "", false}, // kill(pid, 0) alone: the pid exists
		}
		db, err := OpenOptions(b.location(t), Options{StaleAfter: -1})
		must(t, err)
		defer db.Close()
		old := fmtTime(time.Now().Add(-time.Hour))
		ids := map[string]int64{}
		for _, tc := range cases {
			r := startRun(t, db, RunSpec{Name: tc.name})
			close(r.stop) // no heartbeat from this process's goroutine
			<-r.done
			_, err := db.sql.Exec(`UPDATE runs SET pid = ?, proc_start = ?, heartbeat = ? WHERE id = ?`, ppid, tc.procStart, old, r.ID())
			must(t, err)
			ids[tc.name] = r.ID()
		}
		n, err := db.GC(time.Minute)
		must(t, err)
		if n != 2 {
			t.Errorf("GC = %d, want 2", n)
		}
		for _, tc := range cases {
			rr, _ := db.GetRun(ids[tc.name])
			if got := rr.Status == StatusKilled; got != tc.killed {
				t.Errorf("%s: %s %q, want killed=%v", tc.name, rr.Status, rr.Error, tc.killed)
			}
		}
	})
}
