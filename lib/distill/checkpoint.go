package distill

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/otclir/otclir/lib/atomicfile"
	"github.com/otclir/otclir/lib/filelock"
	"github.com/otclir/otclir/lib/manifest"
)

// A checkpoint folder (Options.CheckpointDir) holds:
//
//	LOCK                 locked (package filelock) by the process training into the folder
//	step-00000050/       one whole checkpoint: GoMLX's checkpoint-*.json and .bin, and SHA256SUMS
//	.step-*.tmp-*        a checkpoint being written, or left by a writer that died
//	best/                the best weights of Options.Select (select.go)
//
// A checkpoint is written into a temporary folder, listed in a manifest,
// flushed and renamed into place (lib/atomicfile.CreateDir); only then are
// the older ones removed. Checkpoints written directly into the folder by
// earlier otclir versions (checkpoint-*.json, .bin) are read when nothing
// newer is whole, and removed by the next save.
const (
	lockName   = "LOCK"
	stepPrefix = "step-"
)

// saveHook, when set (by tests), is called at each stage of a checkpoint
// save: "begin" (temporary folder created), "written" (GoMLX files
// written), "listed" (manifest written), "committed" (renamed into place)
// and "cleaned" (older checkpoints removed).
var saveHook func(step int64, stage string)

func hook(step int64, stage string) {
	if saveHook != nil {
		saveHook(step, stage)
	}
}

// checkpointStore is an open, locked checkpoint folder.
type checkpointStore struct {
	dir      string
	lock     *filelock.File
	progress io.Writer
	name     string
}

// openCheckpoints creates and locks dir, waiting (and saying so on
// progress) while another process trains into it, and removes what killed
// writers left there. With fresh it also discards every checkpoint.
func openCheckpoints(dir string, fresh bool, progress io.Writer, name string) (*checkpointStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("distill: checkpoint folder: %w", err)
	}
	lockPath := filepath.Join(dir, lockName)
	lock, err := filelock.TryLock(lockPath)
	if errors.Is(err, filelock.ErrLocked) {
		fmt.Fprintf(progress, "  %s: waiting for the process training into %s\n", name, dir)
		lock, err = filelock.Lock(lockPath)
	}
	if err != nil {
		return nil, fmt.Errorf("distill: checkpoint folder %s: %w", dir, err)
	}
	s := &checkpointStore{dir: dir, lock: lock, progress: progress, name: name}
	if _, err := atomicfile.Clean(dir); err != nil { // we hold the lock: no other writer
		s.close()
		return nil, fmt.Errorf("distill: %w", err)
	}
	if fresh {
		n, err := s.removeAllBut("")
		if err != nil {
			s.close()
			return nil, err
		}
		if n > 0 {
			fmt.Fprintf(progress, "  %s: discarded %d checkpoint(s) in %s\n", name, n, dir)
		}
	}
	return s, nil
}

func (s *checkpointStore) close() { s.lock.Unlock() }

// candidate is a checkpoint that may be loaded: a step folder, or the
// newest checkpoint of an earlier otclir version (legacy) in the folder itself.
type candidate struct {
	step   int64
	path   string
	legacy bool
}

var (
	stepDirRE    = regexp.MustCompile(`^step-(\d{8})$`)
	legacyStepRE = regexp.MustCompile(`-step-(\d+)$`)
)

// candidates lists the checkpoints in s.dir, newest first.
func (s *checkpointStore) candidates() ([]candidate, []string, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, nil, fmt.Errorf("distill: checkpoint folder: %w", err)
	}
	var out []candidate
	var legacyBases []string
	for _, e := range ents {
		name := e.Name()
		if m := stepDirRE.FindStringSubmatch(name); m != nil && e.IsDir() {
			step, _ := strconv.ParseInt(m[1], 10, 64)
			out = append(out, candidate{step: step, path: filepath.Join(s.dir, name)})
		}
		if !e.IsDir() && strings.HasPrefix(name, "checkpoint-") && strings.HasSuffix(name, checkpoints.JsonNameSuffix) {
			legacyBases = append(legacyBases, strings.TrimSuffix(name, checkpoints.JsonNameSuffix))
		}
	}
	if len(legacyBases) > 0 {
		sort.Strings(legacyBases) // GoMLX loads the last one
		var step int64
		if m := legacyStepRE.FindStringSubmatch(legacyBases[len(legacyBases)-1]); m != nil {
			step, _ = strconv.ParseInt(m[1], 10, 64)
		}
		out = append(out, candidate{step: step, path: s.dir, legacy: true})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].step != out[j].step {
			return out[i].step > out[j].step
		}
		return !out[i].legacy
	})
	return out, legacyBases, nil
}

// restore loads the newest whole checkpoint into ctx (variables, optimizer
// state, global step) and returns its step; 0 when there is none, with ctx
// untouched. Checkpoints that are not whole are skipped, saying so.
func (s *checkpointStore) restore(ctx *context.Context) (int64, error) {
	cands, _, err := s.candidates()
	if err != nil {
		return 0, err
	}
	for _, c := range cands {
		err := s.load(ctx, c)
		if err == nil {
			return c.step, nil
		}
		if errors.Is(err, errIncompatible) {
			return 0, err
		}
		fmt.Fprintf(s.progress, "  %s: checkpoint %s is not whole (%v); ignoring it\n", s.name, c.path, err)
	}
	if len(cands) > 0 {
		fmt.Fprintf(s.progress, "  %s: no whole checkpoint in %s; training from step 0\n", s.name, s.dir)
	}
	return 0, nil
}

// errIncompatible marks a whole checkpoint that cannot be loaded into the
// context (not a torn file: falling back would hide a real mismatch).
var errIncompatible = errors.New("distill: checkpoint does not fit the model")

// load reads one candidate into ctx. The context's loader is restored
// afterwards: the checkpoint's values are set at once (Immediate).
func (s *checkpointStore) load(ctx *context.Context, c candidate) (err error) {
	prev := ctx.Loader()
	defer ctx.SetLoader(prev)
	if c.legacy {
		// GoMLX reads the files completely before it sets anything, so a
		// torn legacy checkpoint fails here with ctx unchanged.
		_, err := checkpoints.Load(ctx).Dir(c.path).ExcludeAllParams().Immediate().Done()
		return err
	}
	sums, err := manifest.Verify(c.path)
	if err != nil {
		return err
	}
	var jsonName string
	for name := range sums {
		if strings.HasSuffix(name, checkpoints.JsonNameSuffix) {
			jsonName = name
		}
	}
	if jsonName == "" {
		return fmt.Errorf("%s lists no checkpoint", manifest.FileName)
	}
	binName := strings.TrimSuffix(jsonName, checkpoints.JsonNameSuffix) + checkpoints.BinDataSuffix
	js, err := sums.ReadFile(c.path, jsonName)
	if err != nil {
		return err
	}
	bin, err := sums.ReadFile(c.path, binName)
	if err != nil {
		return err
	}
	// Parsed from the checked bytes: a failure now is not a torn file.
	var loadErr error
	if perr := tryCatch(func() {
		_, loadErr = checkpoints.Build(ctx).FromEmbed(string(js), bin).ExcludeAllParams().Immediate().Done()
	}); perr != nil {
		loadErr = perr
	}
	if loadErr != nil {
		return fmt.Errorf("%w: %s: %v (train with Fresh, or remove the folder)", errIncompatible, c.path, loadErr)
	}
	return nil
}

// save writes the training state in ctx as the checkpoint of step, then
// removes every other checkpoint, and returns the new checkpoint's files.
func (s *checkpointStore) save(ctx *context.Context, step int64) ([]string, error) {
	final := filepath.Join(s.dir, fmt.Sprintf("%s%08d", stepPrefix, step))
	d, err := atomicfile.CreateDir(final, 0o755)
	if err != nil {
		return nil, fmt.Errorf("distill: checkpoint: %w", err)
	}
	defer d.Abort()
	hook(step, "begin")
	prev := ctx.Loader()
	h, err := checkpoints.Build(ctx).Dir(d.Path()).ExcludeAllParams().Keep(-1).Done()
	ctx.SetLoader(prev) // the handler is used to write only
	if err == nil {
		err = h.Save()
	}
	if err != nil {
		return nil, fmt.Errorf("distill: checkpoint at step %d: %w", step, err)
	}
	hook(step, "written")
	sums, err := manifest.Compute(d.Path())
	if err == nil {
		err = sums.Write(d.Path())
	}
	if err != nil {
		return nil, fmt.Errorf("distill: checkpoint at step %d: %w", step, err)
	}
	hook(step, "listed")
	if err := d.Commit(); err != nil {
		return nil, fmt.Errorf("distill: checkpoint at step %d: %w", step, err)
	}
	hook(step, "committed")
	if _, err := s.removeAllBut(final); err != nil {
		return nil, err
	}
	hook(step, "cleaned")
	var files []string
	for name := range sums {
		if name != manifest.FileName {
			files = append(files, filepath.Join(final, filepath.FromSlash(name)))
		}
	}
	sort.Strings(files) // .bin before .json
	return files, nil
}

// removeAllBut removes every checkpoint in s.dir except the folder keep
// ("" for none) and returns how many it removed.
func (s *checkpointStore) removeAllBut(keep string) (int, error) {
	cands, legacyBases, err := s.candidates()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cands {
		if c.legacy || c.path == keep {
			continue
		}
		if err := os.RemoveAll(c.path); err != nil {
			return n, fmt.Errorf("distill: removing checkpoint: %w", err)
		}
		n++
	}
	for _, base := range legacyBases {
		for _, suffix := range []string{checkpoints.JsonNameSuffix, checkpoints.BinDataSuffix} {
			if err := os.Remove(filepath.Join(s.dir, base+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return n, fmt.Errorf("distill: removing checkpoint: %w", err)
			}
		}
		n++
	}
	if n > 0 {
		if err := atomicfile.SyncDir(s.dir); err != nil {
			return n, fmt.Errorf("distill: %w", err)
		}
	}
	return n, nil
}
