package ibm1

import (
	"errors"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"

	"github.com/otclir/otclir/internal/fulldisk"
)

// TestSaveOnFullDisk: saving over a table on a full disk fails with
// ENOSPC and leaves the previous table whole (a plain os.Create would have
// truncated it first).
func TestSaveOnFullDisk(t *testing.T) {
	dir := fulldisk.Mount(t, 1<<20)
	old, err := Train(synthetic(200, 100, 13), 4, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "t.tsv")
	if err := old.Save(path); err != nil {
		t.Fatal(err)
	}
	bigger, err := Train(synthetic(400, 200, 7), 4, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	free := fulldisk.Fill(t, dir)
	if err := bigger.Save(path); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Save on a full disk = %v, want ENOSPC", err)
	}
	free()
	back, err := Load(path)
	if err != nil {
		t.Fatalf("previous table unreadable after a failed save: %v", err)
	}
	if !reflect.DeepEqual(back.sorted, old.sorted) {
		t.Error("previous table changed by a failed save")
	}
}
