package optical

import (
	"fmt"
	"strings"
	"testing"

	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/distill"
)

func TestPipelineSettings(t *testing.T) {
	v1 := DefaultConfig().Settings()
	if strings.Contains(v1, "pipeline") || strings.Contains(v1, "pretrain") || strings.Contains(v1, "udhr_fold") {
		t.Errorf("v1 settings name the pipeline: %s", v1)
	}
	c := DefaultConfig()
	if err := c.Set("pipeline=v2;pretrain.train_steps=7;teacher.train_steps=9;udhr_fold=1;pretrain_alpha=0.5"); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !c.V2() || c.UDHRFold != 1 || c.PipelineConfig.Pretrain[distill.ParamSteps] != 7 || c.PipelineConfig.PretrainAlpha != 0.5 {
		t.Errorf("settings not applied: %+v", c.PipelineConfig)
	}
	// pipeline=v2 sets the v2 teacher; a later setting overrides it.
	if c.Teacher[distill.ParamSteps] != 9 || c.Teacher[distill.ParamQueryLen] != v2Teacher[distill.ParamQueryLen] {
		t.Errorf("teacher = %v", c.Teacher)
	}
	// pipeline=v2 sets the student's MaxSim term chosen on dev; an explicit
	// setting after it (the pure OT student of the ablations) overrides it.
	if w := c.Student[distill.ParamMaxSimWeight]; w != 1.0 {
		t.Errorf("pipeline=v2: student_maxsim_weight %v, want 1", w)
	}
	pure := DefaultConfig()
	if err := pure.Set("pipeline=v2;student.student_maxsim_weight=0"); err != nil {
		t.Fatal(err)
	}
	if w := pure.Student[distill.ParamMaxSimWeight]; w != 0.0 {
		t.Errorf("pipeline=v2;student.student_maxsim_weight=0: weight %v", w)
	}
	if !strings.Contains(pure.Settings(), "student.student_maxsim_weight=0;") {
		t.Errorf("settings %s do not record the pure OT student", pure.Settings())
	}
	s := c.Settings()
	if !strings.HasPrefix(s, "pipeline=v2;udhr_fold=1;") {
		t.Errorf("Settings = %s: want pipeline=v2 first (Set applies its defaults before the values)", s)
	}
	// The settings string reproduces the configuration.
	c2 := DefaultConfig()
	if err := c2.Set(s); err != nil {
		t.Fatal(err)
	}
	if got := c2.Settings(); got != s {
		t.Errorf("round trip:\n got %s\nwant %s", got, s)
	}
	// A clone does not share the pretraining map.
	cl := c.Clone()
	cl.PipelineConfig.Pretrain[distill.ParamSteps] = 99
	if c.PipelineConfig.Pretrain[distill.ParamSteps] != 7 {
		t.Error("Clone shares the pretraining hyperparameters")
	}
	// Back to v1: the teacher's v2 values are undone.
	if err := c.Set("pipeline=v1"); err != nil {
		t.Fatal(err)
	}
	if c.V2() || c.Teacher[distill.ParamQueryLen] != distill.DefaultTeacherParams[distill.ParamQueryLen] {
		t.Errorf("pipeline=v1 left %v", c.Teacher)
	}
	if c.Student[distill.ParamMaxSimWeight] != distill.DefaultStudentParams[distill.ParamMaxSimWeight] {
		t.Errorf("pipeline=v1 left %v", c.Student)
	}
}

func TestPipelineSettingErrors(t *testing.T) {
	for _, tc := range []struct{ set, want string }{
		{"pipeline=v3", `"pipeline"`},
		{"pretrain.train_steps=5", "only with pipeline=v2"},
		{"pretrain_alpha=0.3", "only with pipeline=v2"},
		{"pipeline=v2;pretrain.nope=1", `unknown pretrain hyperparameter "nope"`},
		{"pipeline=v2;pretrain.train_steps=x", "pretrain.train_steps"},
	} {
		err := DefaultConfig().Set(tc.set)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Set(%q) = %v, want an error with %q", tc.set, err, tc.want)
		}
	}
	for _, tc := range []struct{ set, want string }{
		{"udhr_fold=2", `"udhr_fold" = 2: want 0 or 1`},
		{"pipeline=v2;pretrain_alpha=0", `"pretrain_alpha" = 0`},
		{"pipeline=v2;pretrain_alpha=NaN", `"pretrain_alpha" = NaN`},
		{"pipeline=v2;pretrain_words=10", `"pretrain_words" = 10`},
		{"pipeline=v2;teacher_select_every=0", `"teacher_select_every" = 0`},
		{"pipeline=v2;dev_queries=1", `"dev_queries" = 1`},
		{"pipeline=v2;pretrain.mlm_mask_prob=0", `"pretrain.mlm_mask_prob" = 0`},
		{"pipeline=v2;pretrain.tlm_fraction=1.5", `"pretrain.tlm_fraction" = 1.5`},
		{"pipeline=v2;pretrain.pretrain_len=1000", `"pretrain.pretrain_len" = 1000`},
		{"pipeline=v2;pretrain.train_steps=-1", `"pretrain.train_steps" = -1`}, // 0 is the no-pretraining ablation
		{"student.student_loss=none", `"student.student_maxsim_weight" = 0`},   // v1: no MaxSim term
		{"pipeline=v2;student.student_loss=none;student.student_maxsim_weight=0", `"student.student_maxsim_weight" = 0`},
	} {
		c := DefaultConfig()
		if err := c.Set(tc.set); err != nil {
			t.Fatalf("Set(%q): %v", tc.set, err)
		}
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate after %q = %v, want an error with %q", tc.set, err, tc.want)
		}
	}
	// The MaxSim-only ablation is valid on v2, whose students have the term.
	c := DefaultConfig()
	if err := c.Set("pipeline=v2;student.student_loss=none"); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("pipeline=v2;student.student_loss=none: %v", err)
	}
}

func TestFoldFor(t *testing.T) {
	for seed, want := range map[int64]int{1: 0, 2: 1, 3: 0, 4: 1, 0: 1, -1: 0} {
		if got := foldFor(seed); got != want {
			t.Errorf("foldFor(%d) = %d, want %d", seed, got, want)
		}
	}
}

func TestGridPipelineSeeds(t *testing.T) {
	g := Grid{Collections: []string{CollectionUDHR}, Languages: []string{"swh", "deu"}, Systems: []string{SystemOT, SystemPSQ},
		Seeds: []int64{1, 2, 3}, Budgets: []int{0}, References: true}
	v1, err := g.Cells()
	if err != nil {
		t.Fatal(err)
	}
	g.PipelineSeeds = true
	v2, err := g.Cells()
	if err != nil {
		t.Fatal(err)
	}
	count := func(cells []Cell, system string) map[int64]int {
		m := map[int64]int{}
		for _, c := range cells {
			if c.System == system {
				m[c.Seed]++
			}
		}
		return m
	}
	// v1: psq and the English references run once, with the first seed.
	if got := count(v1, SystemPSQ); len(got) != 1 || got[1] != 2 {
		t.Errorf("v1 psq cells by seed %v", got)
	}
	// v2: every system for every seed.
	for _, s := range []string{SystemOT, SystemPSQ} {
		if got := count(v2, s); got[1] != 2 || got[2] != 2 || got[3] != 2 {
			t.Errorf("v2 %s cells by seed %v", s, got)
		}
	}
	if got := count(v2, SystemBM25); got[1] != 1 || got[2] != 1 || got[3] != 1 {
		t.Errorf("v2 bm25 reference cells by seed %v", got)
	}
	// Interleaved: the first cells are one per seed, each seed's in its order.
	if len(v2) < 3 || v2[0].Seed != 1 || v2[1].Seed != 2 || v2[2].Seed != 3 {
		t.Errorf("v2 cells do not start round-robin over the seeds: %v", v2[:3])
	}
	seen := map[Cell]bool{}
	for _, c := range v2 {
		if seen[c] {
			t.Errorf("cell %v twice", c)
		}
		seen[c] = true
	}
	if len(v2) != 3*4+3*3 {
		t.Errorf("%d v2 cells, want %d (4 per seed and 3 references per seed)", len(v2), 3*4+3*3)
	}
}

func TestSplitStudentDev(t *testing.T) {
	var pairs []data.Pair
	for i := 0; i < 3000; i++ {
		pairs = append(pairs, data.Pair{Src: fmt.Sprintf("neno %d", i), Tgt: fmt.Sprintf("word %d", i%1000)})
	}
	pairs = append(pairs, data.Pair{Src: pairs[0].Src, Tgt: "another word"}) // a foreign text twice
	train, dev := splitStudentDev(pairs, 2023)
	train2, dev2 := splitStudentDev(pairs, 2023)
	if len(train) != len(train2) || len(dev.Queries) != len(dev2.Queries) {
		t.Fatal("not deterministic")
	}
	// 4% of 3000 foreign texts is about 120 (binomial sd ≈ 11).
	if n := len(dev.Queries); n < 80 || n > 160 {
		t.Errorf("%d dev queries, want about 120", n)
	}
	devSrc := map[string]bool{}
	for _, q := range dev.Queries {
		devSrc[q.Text] = true
	}
	for _, p := range train {
		if devSrc[p.Src] {
			t.Errorf("dev query %q is a training pair", p.Src)
		}
	}
	rel := 0
	for _, q := range dev.Queries {
		rel += len(dev.Qrels[q.ID])
	}
	if len(train)+rel != len(pairs) {
		t.Errorf("%d train + %d dev pairs, want %d", len(train), rel, len(pairs))
	}
	// At most studentDevMax queries.
	var many []data.Pair
	for i := 0; i < 20000; i++ {
		many = append(many, data.Pair{Src: fmt.Sprintf("neno %d", i), Tgt: "w"})
	}
	if _, d := splitStudentDev(many, 1); len(d.Queries) != studentDevMax {
		t.Errorf("%d dev queries of 20000 texts, want the cap %d", len(d.Queries), studentDevMax)
	}
}
