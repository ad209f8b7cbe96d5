package optical

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/encoder"
)

func TestSetParsesTypedValues(t *testing.T) {
	c := DefaultConfig()
	err := c.Set("languages=som, yo;vocab_size=5000;teacher.train_steps=10;student.sinkhorn_epsilon=0.1;encoder.encoder_dim=64;student.student_loss=mse")
	if err != nil {
		t.Fatal(err)
	}
	// "yo" is Yoruba's CLDR locale: stored as its code.
	if !reflect.DeepEqual(c.Languages, []string{"som", "yor"}) || c.VocabSize != 5000 {
		t.Fatalf("languages %v vocab %d", c.Languages, c.VocabSize)
	}
	if c.Teacher[distill.ParamSteps] != 10 || c.Student["sinkhorn_epsilon"] != 0.1 ||
		c.Encoder[encoder.ParamDim] != 64 || c.Student[distill.ParamStudentLoss] != "mse" {
		t.Fatalf("hyperparameters not set: teacher %v student %v encoder %v", c.Teacher, c.Student, c.Encoder)
	}
}

func TestSetErrorsNameTheSetting(t *testing.T) {
	for _, tc := range []struct{ settings, want string }{
		{"vocab_size=lots", `"vocab_size"`},
		{"nonsense=1", `"nonsense": unknown setting`},
		{"teacher.no_such=1", `unknown teacher hyperparameter "no_such"`},
		{"gpu.x=1", `unknown setting group "gpu"`},
		{"teacher.train_steps=1.5", `"teacher.train_steps"`},
		{"languages=x!", "not a language code"},
		{"resource=zul:7", "want an integer 0..5 or unknown"},
		{"word_separator=zul:tab", "want one of space, ethiopic, none"},
		{"word_separator=zul", "want code:separator"},
		{"justakey", "want key=value"},
	} {
		err := DefaultConfig().Set(tc.settings)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Set(%q) = %v, want an error containing %s", tc.settings, err, tc.want)
		}
	}
}

// TestValidateEveryBadValue: every setting out of range — NaN, signs,
// zeros, sizes past the encoder's position table — is refused before
// anything is opened, by an error that names the setting. (Before, NaN
// fractions and ε panicked in JSON encoding, batch_size=0 and
// encoder_heads=0 divided by zero and batch_size=-1 panicked in makeslice,
// after a FAILED run was recorded; depth <= 0 and teacher_pairs < 0
// silently meant "all".)
func TestValidateEveryBadValue(t *testing.T) {
	for _, tc := range []struct{ settings, key string }{
		{"experiment=../../../x", "experiment"},
		{"experiment=a/b", "experiment"},
		{"experiment=bell\a", "experiment"},
		{"experiment=", "experiment"},
		{"vocab_size=10", "vocab_size"},
		{"test_fraction=NaN", "test_fraction"},
		{"test_fraction=0", "test_fraction"},
		{"test_fraction=1", "test_fraction"},
		{"test_fraction=-0.5", "test_fraction"},
		{"cldr_test_fraction=NaN", "cldr_test_fraction"},
		{"cldr_test_fraction=1", "cldr_test_fraction"},
		{"cldr_test_fraction=-0.1", "cldr_test_fraction"},
		{"teacher_pairs=-1", "teacher_pairs"},
		{"teacher_pairs=10", "teacher_pairs"}, // fewer than one batch of 32
		{"query_len=0", "query_len"},
		{"doc_len=500", "doc_len"}, // past encoder.encoder_max_positions (128)
		{"depth=0", "depth"},
		{"depth=-5", "depth"},
		{"bitext_budget=-1", "bitext_budget"},
		{"ibm1_iterations=0", "ibm1_iterations"},
		{"encoder.encoder_dim=0", "encoder.encoder_dim"},
		{"encoder.encoder_heads=0", "encoder.encoder_heads"},
		{"encoder.encoder_heads=3", "encoder.encoder_heads"}, // 128 is not a multiple of 3
		{"encoder.encoder_layers=-1", "encoder.encoder_layers"},
		{"encoder.encoder_ffn_dim=0", "encoder.encoder_ffn_dim"},
		{"encoder.encoder_output_dim=0", "encoder.encoder_output_dim"},
		{"encoder.encoder_init_std=NaN", "encoder.encoder_init_std"},
		{"encoder.encoder_init_std=0", "encoder.encoder_init_std"},
		{"encoder.encoder_max_positions=0", "encoder.encoder_max_positions"},
		{"teacher.train_steps=0", "teacher.train_steps"},
		{"teacher.batch_size=0", "teacher.batch_size"},
		{"teacher.batch_size=-1", "teacher.batch_size"},
		{"teacher.batch_size=1", "teacher.batch_size"}, // no in-batch negative
		{"teacher.learning_rate=0", "teacher.learning_rate"},
		{"teacher.learning_rate=NaN", "teacher.learning_rate"},
		{"teacher.learning_rate=+Inf", "teacher.learning_rate"},
		{"teacher.maxsim_temperature=0", "teacher.maxsim_temperature"},
		{"teacher.query_len=0", "teacher.query_len"},
		{"teacher.doc_len=1000", "teacher.doc_len"},
		{"teacher.log_every=0", "teacher.log_every"},
		{"student.train_steps=-3", "student.train_steps"},
		{"student.batch_size=0", "student.batch_size"},
		{"student.batch_size=-1", "student.batch_size"},
		{"student.learning_rate=-1", "student.learning_rate"},
		{"student.bitext_len=0", "student.bitext_len"},
		{"student.bitext_len=129", "student.bitext_len"},
		{"student.student_loss=l2", "student.student_loss"},
		{"student.student_maxsim_weight=-1", "student.student_maxsim_weight"},
		{"student.student_maxsim_weight=NaN", "student.student_maxsim_weight"},
		{"student.maxsim_temperature=NaN", "student.maxsim_temperature"},
		{"student.log_every=0", "student.log_every"},
		{"student.sinkhorn_epsilon=NaN", "student.sinkhorn_epsilon"},
		{"student.sinkhorn_epsilon=0", "student.sinkhorn_epsilon"},
		{"student.sinkhorn_epsilon=-0.05", "student.sinkhorn_epsilon"},
		{"student.sinkhorn_epsilon=Inf", "student.sinkhorn_epsilon"},
		{"student.sinkhorn_iterations=0", "student.sinkhorn_iterations"},
		{"student.ot_marginal_tau=0", "student.ot_marginal_tau"},
		{"student.ot_marginal_tau=-1", "student.ot_marginal_tau"},
		{"student.ot_marginal_tau=NaN", "student.ot_marginal_tau"},
		{"student.ot_marginal_tau=Inf", "student.ot_marginal_tau"},
		{"student.student_loss=ot_unbalanced;student.ot_marginal_tau=0", "student.ot_marginal_tau"},
		{"mt_queries=s-w:x.tsv", "mt_queries"},
		{"student.warmup_steps=-1", "student.warmup_steps"},
		{"student.lr_decay=exponential", "student.lr_decay"},
		{"student.lr_decay=linear;student.warmup_steps=400", "student.warmup_steps"}, // no step left to decay over
		{"student.clip_grad_norm=NaN", "student.clip_grad_norm"},
		{"student.clip_grad_norm=-1", "student.clip_grad_norm"},
		{"student.freeze_layers=-1", "student.freeze_layers"},
		{"teacher.checkpoint=/nonexistent/colbert", "teacher.checkpoint"},
		{"student.init=testdata", "student.init"}, // a folder without config.json
		{"teacher.checkpoint=../../lib/bert/testdata/tiny-colbert;teacher.conventions=colbert", "teacher.conventions"},
		{"student.conventions=none", "student.conventions"},                                              // without student.init
		{"teacher.checkpoint=../../lib/bert/testdata/tiny-colbert;query_len=32", "doc_len"},              // 96 > the fixture's 40 positions
		{"student.init=../../lib/bert/testdata/tiny-xlmr;query_len=32;doc_len=32", "student.bitext_len"}, // 48 > 40
	} {
		c := DefaultConfig()
		if err := c.Set(tc.settings); err != nil {
			t.Fatalf("Set(%q): %v", tc.settings, err)
		}
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), `"`+tc.key+`"`) {
			t.Errorf("Validate after %q = %v, want an error naming %q", tc.settings, err, tc.key)
		}
	}
	// Settings the maps get directly (notebooks) are checked too: types,
	// and keys the trainers do not know.
	for _, tc := range []struct {
		edit func(c *Config)
		key  string
	}{
		{func(c *Config) { c.Student[distill.ParamSteps] = 3.5 }, "student.train_steps"},
		{func(c *Config) { c.Student["sinkhorn_epsilon"] = math.NaN() }, "student.sinkhorn_epsilon"},
		{func(c *Config) { c.Student["student_loss"] = "ot_unbalanced" }, "student.ot_marginal_tau"}, // the loss without its relaxation
		{func(c *Config) { c.Student["ot_marginal_tau"] = 1 }, "student.ot_marginal_tau"},            // an int, not a float64
		{func(c *Config) { c.Teacher["warmup"] = 10 }, "teacher.warmup"},
		{func(c *Config) { delete(c.Encoder, encoder.ParamDim) }, "encoder.encoder_dim"},
		{func(c *Config) { c.Languages = []string{"swh", "swh"} }, "languages"},
		{func(c *Config) { c.Languages = []string{"eng"} }, "languages"},
		{func(c *Config) { c.Languages = nil }, "languages"},
	} {
		c := DefaultConfig()
		tc.edit(c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `"`+tc.key+`"`) {
			t.Errorf("Validate = %v, want an error naming %q", err, tc.key)
		}
	}
	for _, c := range []*Config{DefaultConfig(), SmallConfig()} {
		if err := c.Validate(); err != nil {
			t.Fatalf("default config invalid: %v", err)
		}
	}
	// Edges that are allowed: 0 means "all" for these.
	c := DefaultConfig()
	if err := c.Set("teacher_pairs=0;bitext_budget=0;cldr_test_fraction=0;student.student_maxsim_weight=0"); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// The unbalanced loss brings its relaxation (the default unless set), which
	// the default configuration lacks (so recorded keys stay the same).
	if _, ok := DefaultConfig().Student["ot_marginal_tau"]; ok {
		t.Fatal("the default configuration has student.ot_marginal_tau")
	}
	for settings, want := range map[string]float64{
		"student.student_loss=ot_unbalanced":                             1, // distill.OptionalStudentParams
		"student.student_loss=ot_unbalanced;student.ot_marginal_tau=0.3": 0.3,
		"student.ot_marginal_tau=0.3;student.student_loss=ot_unbalanced": 0.3,
	} {
		c := DefaultConfig()
		if err := c.Set(settings); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("%s: %v", settings, err)
		}
		if got := c.Student["ot_marginal_tau"]; got != want || !strings.Contains(c.Settings(), fmt.Sprintf("student.ot_marginal_tau=%g", want)) {
			t.Errorf("%s: student.ot_marginal_tau = %v (settings %s), want %g", settings, got, c.Settings(), want)
		}
	}
}

// TestEveryHyperparameterHasARule: a new key in lib/encoder's or
// lib/distill's defaults must get a range in hyperRules.
func TestEveryHyperparameterHasARule(t *testing.T) {
	student := copyMap(distill.DefaultStudentParams)
	for k, v := range distill.OptionalStudentParams {
		student[k] = v
	}
	for group, defaults := range map[string]map[string]any{
		"encoder": encoder.DefaultParams, "teacher": distill.DefaultTeacherParams, "student": student,
	} {
		for k := range defaults {
			if _, ok := hyperRules[group][k]; !ok {
				t.Errorf("%s.%s has no rule in hyperRules", group, k)
			}
		}
		for k := range hyperRules[group] {
			if _, ok := defaults[k]; !ok {
				t.Errorf("hyperRules has %s.%s, which the defaults lack", group, k)
			}
		}
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	for _, c := range []*Config{DefaultConfig(), SmallConfig()} {
		got := DefaultConfig()
		if err := got.Set(c.Settings()); err != nil {
			t.Fatal(err)
		}
		if got.Settings() != c.Settings() {
			t.Fatalf("Settings round trip:\n%s\n%s", got.Settings(), c.Settings())
		}
		if !reflect.DeepEqual(got.Encoder, c.Encoder) || !reflect.DeepEqual(got.Teacher, c.Teacher) || !reflect.DeepEqual(got.Student, c.Student) {
			t.Fatalf("hyperparameters differ after round trip")
		}
	}
}

func TestCloneIsIndependent(t *testing.T) {
	c := DefaultConfig()
	cp := c.Clone()
	cp.Student["sinkhorn_epsilon"] = 0.5
	cp.Languages[0] = "som"
	if c.Student["sinkhorn_epsilon"] != 0.05 || c.Languages[0] != "swh" {
		t.Fatalf("changing a clone changed the original: %v %v", c.Student["sinkhorn_epsilon"], c.Languages)
	}
	if got := strings.Join(SettingKeys("languages=swh; student.train_steps=3;;x"), ","); got != "languages,student.train_steps" {
		t.Fatalf("SettingKeys = %s", got)
	}
}

// TestSettingsForCell: the settings a grid cell records are the
// configuration's with the cell's budget and data seed, as the committed
// runs recorded them (the grid used to set them in the shared Config).
func TestSettingsForCell(t *testing.T) {
	c := DefaultConfig()
	s := c.settingsFor(250, 3)
	if !strings.Contains(s, ";bitext_budget=250;") || !strings.Contains(s, ";student.data_seed=3;") {
		t.Fatalf("settingsFor(250, 3) = %s", s)
	}
	if c.BitextBudget != 0 || c.Student[distill.ParamDataSeed] != 1 || c.Settings() == s {
		t.Fatal("settingsFor changed the configuration")
	}
	if c.settingsFor(0, 1) != c.Settings() {
		t.Fatal("the configuration's own cell records its own settings")
	}
}
