package optical

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/backends"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/bert"
	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/pretrained"
)

// HuggingFace checkpoints in the lab: a frozen teacher (teacher.checkpoint)
// replaces the trained one, and students are initialised from
// student.init (with its own tokenizer) instead of from the teacher. Each
// is loaded once, when the lab opens, and identified by its weight hash
// (lib/bert WeightsSHA256), its tokenizer files' hash and its resolved
// ColBERT conventions: those are in the model keys (TeacherSpec,
// StudentSpec) and every run's parameters (record.Checkpoints).

// The checkpoint settings.
const (
	settingTeacherCheckpoint  = "teacher.checkpoint"
	settingTeacherConventions = "teacher.conventions"
	settingStudentInit        = "student.init"
	settingStudentConventions = "student.conventions"
)

// checkpointPath expands a leading "~" to the home directory and makes the
// path absolute ("" stays "").
func checkpointPath(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("expanding ~: %w", err)
		}
		p = filepath.Join(home, p[1:])
	}
	return filepath.Abs(p)
}

// usesCheckpoints reports whether a checkpoint setting is set.
func (c *Config) usesCheckpoints() bool { return c.TeacherCheckpoint != "" || c.StudentInit != "" }

// validateCheckpoints checks the checkpoint settings without loading
// weights (config.json, the conventions) and returns the longest sequence
// the models in use take: the teacher's (its checkpoint's, or
// encoder.encoder_max_positions) and the students' (student.init's).
func (c *Config) validateCheckpoints(maxPos int) (int, error) {
	limit := maxPos
	for _, s := range []struct{ key, dir, convKey, conv string }{
		{settingTeacherCheckpoint, c.TeacherCheckpoint, settingTeacherConventions, c.TeacherConventions},
		{settingStudentInit, c.StudentInit, settingStudentConventions, c.StudentConventions},
	} {
		if s.dir == "" {
			if s.conv != "" {
				return 0, fmt.Errorf("optical: setting %q = %q needs %q", s.convKey, s.conv, s.key)
			}
			continue
		}
		if strings.ContainsAny(s.dir, ";\n") {
			return 0, fmt.Errorf("optical: setting %q = %q: the path may not hold ';' or a newline", s.key, s.dir)
		}
		if _, _, err := encoder.ParseConventions(s.conv); err != nil {
			return 0, fmt.Errorf("optical: setting %q: %w", s.convKey, err)
		}
		st, err := os.Stat(s.dir)
		if err != nil || !st.IsDir() {
			return 0, fmt.Errorf("optical: setting %q = %q: not a checkpoint directory: %v", s.key, s.dir, errOr(err, "not a directory"))
		}
		pc, err := pretrained.ReadConfig(filepath.Join(s.dir, pretrained.ConfigFile))
		if err != nil {
			return 0, fmt.Errorf("optical: setting %q: %w", s.key, err)
		}
		bc, err := bert.ConfigFromHF(pc)
		if err != nil {
			return 0, fmt.Errorf("optical: setting %q: %w", s.key, err)
		}
		if s.key == settingTeacherCheckpoint {
			limit = bc.MaxLength() // the own encoder is then not used at all
		} else {
			limit = min(limit, bc.MaxLength())
		}
	}
	return limit, nil
}

func errOr(err error, s string) any {
	if err != nil {
		return err
	}
	return s
}

// validateSchedule checks what no single fine-tuning setting can: a decay
// needs steps after the warmup.
func validateSchedule(m map[string]any) error {
	decay, _ := m[distill.ParamLRDecay].(string)
	warmup, _ := m[distill.ParamWarmupSteps].(int)
	steps, _ := m[distill.ParamSteps].(int)
	if decay != "" && decay != distill.DecayConstant && warmup >= steps {
		return fmt.Errorf("optical: settings \"student.%s\" = %d and \"student.%s\" = %d: a %s decay needs steps after the warmup",
			distill.ParamWarmupSteps, warmup, distill.ParamSteps, steps, decay)
	}
	return nil
}

// checkpoint is a HuggingFace checkpoint loaded by the lab.
type checkpoint struct {
	Dir       string
	Model     *encoder.Model
	Weights   string // lib/bert WeightsSHA256
	Tokenizer string // tokenizerFilesSHA256
}

// Conventions is the checkpoint's resolved conventions (encoder.Conventions.String).
func (ck *checkpoint) Conventions() string { return ck.Model.Checkpoint.Conventions.String() }

// loadCheckpoint loads dir for setting key (errors name both).
func loadCheckpoint(backend backends.Backend, key, dir, conventions string) (*checkpoint, error) {
	m, err := encoder.LoadCheckpoint(backend, dir, conventions)
	if err != nil {
		return nil, fmt.Errorf("optical: setting %q: %w", key, err)
	}
	w, err := m.WeightsSHA256()
	if err != nil {
		return nil, fmt.Errorf("optical: setting %q: %w", key, err)
	}
	tok, err := tokenizerFilesSHA256(dir)
	if err != nil {
		return nil, fmt.Errorf("optical: setting %q: %w", key, err)
	}
	return &checkpoint{Dir: dir, Model: m, Weights: w, Tokenizer: tok}, nil
}

// tokenizerFilesSHA256 hashes the tokenizer files of a checkpoint
// directory (pretrained.TokenizerFiles present): each name, a zero byte,
// its SHA-256, a newline. (otclir's conventions file is not among them.)
func tokenizerFilesSHA256(dir string) (string, error) {
	h := sha256.New()
	for _, n := range pretrained.TokenizerFiles {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(h, "%s\x00%x\n", n, sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkpoints loads the configuration's checkpoints (once per directory
// and conventions, shared by derived labs).
func (l *Lab) loadCheckpoints() error {
	for _, s := range []struct {
		key, dir, conv string
		dst            **checkpoint
	}{
		{settingTeacherCheckpoint, l.cfg.TeacherCheckpoint, l.cfg.TeacherConventions, &l.teacherCk},
		{settingStudentInit, l.cfg.StudentInit, l.cfg.StudentConventions, &l.studentCk},
	} {
		if s.dir == "" {
			continue
		}
		k := s.dir + "\x00" + s.conv
		l.shared.mu.Lock()
		ck := l.shared.ckpts[k]
		l.shared.mu.Unlock()
		if ck == nil {
			fmt.Fprintf(l.cfg.Out, "%s: loading %s\n", s.key, s.dir)
			var err error
			if ck, err = loadCheckpoint(l.Backend, s.key, s.dir, s.conv); err != nil {
				return err
			}
			l.shared.mu.Lock()
			l.shared.ckpts[k] = ck
			l.shared.mu.Unlock()
		}
		*s.dst = ck
	}
	return nil
}

// checkpointRecord is what every run of the lab records of its checkpoints.
func (l *Lab) checkpointRecord() record.Checkpoints {
	var r record.Checkpoints
	if ck := l.teacherCk; ck != nil {
		r.Teacher, r.TeacherSHA256 = ck.Dir, ck.Weights
	}
	if ck := l.studentCk; ck != nil {
		r.StudentInit, r.StudentSHA256 = ck.Dir, ck.Weights
	}
	return r
}

// checkpointTeacherSpec is the spec of a checkpoint teacher: its identity.
func checkpointTeacherSpec(ck *checkpoint) TeacherSpec {
	return TeacherSpec{Kind: "teacher-checkpoint-v1", Checkpoint: ck.Weights, CheckpointTokenizer: ck.Tokenizer,
		Conventions: ck.Conventions()}
}
