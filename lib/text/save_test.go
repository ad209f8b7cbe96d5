package text

import (
	"errors"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"

	"github.com/otclir/otclir/internal/fulldisk"
)

// TestSaveOnFullDisk: saving over a tokenizer on a full disk fails with
// ENOSPC and leaves the previous file whole (os.WriteFile would have
// truncated it first).
func TestSaveOnFullDisk(t *testing.T) {
	dir := fulldisk.Mount(t, 1<<20)
	old, err := TrainBPE(synthCorpus(500), 300, 1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tok.json")
	if err := old.Save(path); err != nil {
		t.Fatal(err)
	}
	bigger, err := TrainBPE(synthCorpus(800), 500, 1)
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
		t.Fatalf("previous tokenizer unreadable after a failed save: %v", err)
	}
	if !reflect.DeepEqual(back.vocab, old.vocab) {
		t.Error("previous tokenizer changed by a failed save")
	}
}
