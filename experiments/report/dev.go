package report

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/tracker"
)

// DevCurve is one finished training run's model-selection record: the dev
// score logged at each selection step (metric "dev_map") and the step kept.
type DevCurve struct {
	RunID      int64
	Experiment string
	Role       string // record.RoleTeacher or record.RoleStudent
	Lang       string // the student's language ("" for a teacher)
	Seed       string
	Loss       string // the student's loss (student.student_loss)
	Steps      int64  // the configured training steps
	Points     map[int64]float64
	Selected   int64
	Score      float64 // the dev score at Selected
}

// DevSpec selects training runs: Role is record.RoleStudent or
// record.RoleTeacher; Loss, when not "", keeps the students trained with
// that loss (the ot system's are "ot", mse's "mse"); Seed, when not "", the
// runs of that seed.
type DevSpec struct {
	Role, Loss, Seed string
}

// LoadDevCurves reads the dev curves of experiment's finished training runs
// that spec selects. Runs without a dev_map curve (no model selection) are
// left out.
func LoadDevCurves(db *tracker.DB, experiment string, spec DevSpec) ([]DevCurve, error) {
	role := spec.Role
	if role != record.RoleStudent && role != record.RoleTeacher {
		return nil, fmt.Errorf("report: dev curves of role %q: want %s or %s", role, record.RoleStudent, record.RoleTeacher)
	}
	f := fmt.Sprintf(`experiment = %q and tags.%s = %q and params.%s = %q and status = "FINISHED"`,
		experiment, record.TagKind, record.KindTrain, record.ParamRole, role)
	if spec.Loss != "" {
		f += fmt.Sprintf(" and params.`%s` = %q", record.PrefixStudent+"student_loss", spec.Loss)
	}
	if spec.Seed != "" {
		f += fmt.Sprintf(` and params.seed = %q`, spec.Seed)
	}
	runs, err := db.SearchRuns(f, "id", 0)
	if err != nil {
		return nil, err
	}
	var out []DevCurve
	for _, r := range runs {
		hist, err := db.MetricHistory(r.ID, "dev_map")
		if err != nil {
			return nil, err
		}
		if len(hist) == 0 {
			continue
		}
		prefix := record.PrefixStudent
		if role == record.RoleTeacher {
			prefix = record.PrefixTeacher
		}
		steps, _ := strconv.ParseInt(r.Params[prefix+"train_steps"], 10, 64)
		c := DevCurve{RunID: r.ID, Experiment: experiment, Role: role, Lang: devLang(r), Seed: r.Params["seed"],
			Loss: r.Params[record.PrefixStudent+"student_loss"], Steps: steps, Points: map[int64]float64{}}
		for _, p := range hist {
			c.Points[p.Step] = p.Value // a resumed run re-logs a step: the later value
		}
		sel, ok := r.Final["selected_step"]
		if !ok {
			return nil, fmt.Errorf("report: run %d (%s, experiment %s) logged dev_map but recorded no selected_step", r.ID, r.Name, experiment)
		}
		c.Selected, c.Score = int64(sel), r.Final["dev_map"]
		out = append(out, c)
	}
	return out, nil
}

// DevSummary compares experiments on their dev curves.
type DevSummary struct {
	Experiments []string
	Curves      map[string][]DevCurve // by experiment
	Langs       []string              // the languages every experiment has a curve for
}

// BuildDevSummary loads the dev curves of each experiment (see
// LoadDevCurves) and keeps the languages they all have, so that their
// averages are over the same languages.
func BuildDevSummary(db *tracker.DB, experiments []string, spec DevSpec) (*DevSummary, error) {
	s := &DevSummary{Experiments: experiments, Curves: map[string][]DevCurve{}}
	count := map[string]int{}
	for _, e := range experiments {
		cs, err := LoadDevCurves(db, e, spec)
		if err != nil {
			return nil, err
		}
		if len(cs) == 0 {
			return nil, fmt.Errorf("report: experiment %q has no finished %s training run with a dev curve (loss %q, seed %q)", e, spec.Role, spec.Loss, spec.Seed)
		}
		s.Curves[e] = cs
		seen := map[string]bool{}
		for _, c := range cs {
			if !seen[c.Lang] {
				seen[c.Lang] = true
				count[c.Lang]++
			}
		}
	}
	for l, n := range count {
		if n == len(experiments) {
			s.Langs = append(s.Langs, l)
		}
	}
	sort.Strings(s.Langs)
	if len(s.Langs) == 0 {
		return nil, fmt.Errorf("report: experiments %s share no language with a dev curve", strings.Join(experiments, ", "))
	}
	return s, nil
}

// mean of the curves' values at step (curves of langs; NaN when a curve
// lacks the step) and of their selected scores.
func (s *DevSummary) mean(exp string, value func(DevCurve) (float64, bool)) (float64, int) {
	in := map[string]bool{}
	for _, l := range s.Langs {
		in[l] = true
	}
	sum, n := 0.0, 0
	for _, c := range s.Curves[exp] {
		if !in[c.Lang] {
			continue
		}
		v, ok := value(c)
		if !ok {
			return math.NaN(), 0
		}
		sum += v
		n++
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return sum / float64(n), n
}

// WriteMarkdown writes, per experiment, the mean dev score at every
// selection step and at the selected steps, then the mean per language at
// the selected steps: the numbers a default is chosen on.
func (s *DevSummary) WriteMarkdown(w io.Writer) error {
	stepSet := map[int64]bool{}
	for _, e := range s.Experiments {
		for _, c := range s.Curves[e] {
			for st := range c.Points {
				stepSet[st] = true
			}
		}
	}
	var steps []int64
	for st := range stepSet {
		steps = append(steps, st)
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i] < steps[j] })
	fmt.Fprintf(w, "Dev MAP (model selection on the dev split, never a test collection), mean over the runs of %d language(s) (%s)\n\n",
		len(s.Langs), strings.Join(s.Langs, ", "))
	fmt.Fprintf(w, "| step |")
	for _, e := range s.Experiments {
		fmt.Fprintf(w, " %s |", e)
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(s.Experiments)))
	for _, st := range steps {
		fmt.Fprintf(w, "| %d |", st)
		for _, e := range s.Experiments {
			v, _ := s.mean(e, func(c DevCurve) (float64, bool) { x, ok := c.Points[st]; return x, ok })
			fmt.Fprintf(w, " %s |", fmtDev(v))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "| selected |")
	for _, e := range s.Experiments {
		v, _ := s.mean(e, func(c DevCurve) (float64, bool) { return c.Score, true })
		fmt.Fprintf(w, " %s |", fmtDev(v))
	}
	fmt.Fprintf(w, "\n| mean selected step |")
	for _, e := range s.Experiments {
		v, _ := s.mean(e, func(c DevCurve) (float64, bool) { return float64(c.Selected), true })
		fmt.Fprintf(w, " %.0f |", v)
	}
	fmt.Fprintf(w, "\n\nDev MAP at the selected step, per language\n\n| language |")
	for _, e := range s.Experiments {
		fmt.Fprintf(w, " %s |", e)
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(s.Experiments)))
	for _, l := range s.Langs {
		fmt.Fprintf(w, "| %s |", l)
		for _, e := range s.Experiments {
			sum, n := 0.0, 0
			var sel []string
			for _, c := range s.Curves[e] {
				if c.Lang == l {
					sum += c.Score
					n++
					sel = append(sel, strconv.FormatInt(c.Selected, 10))
				}
			}
			fmt.Fprintf(w, " %s (step %s) |", fmtDev(sum/float64(n)), strings.Join(sel, ", "))
		}
		fmt.Fprintln(w)
	}
	return nil
}

func fmtDev(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.4f", v)
}

// devLang is a training run's language: the student's, English for a
// teacher.
func devLang(r *tracker.RunRecord) string {
	if l := r.Params[record.ParamLang]; l != "" {
		return l
	}
	return "eng"
}
