package optical

import (
	"reflect"
	"strings"
	"testing"

	"github.com/otclir/otclir/lib/distill"
	"github.com/otclir/otclir/lib/encoder"
)

func TestSetParsesTypedValues(t *testing.T) {
	c := DefaultConfig()
	err := c.Set("languages=som, yor;vocab_size=5000;teacher.train_steps=10;student.sinkhorn_epsilon=0.1;encoder.encoder_dim=64;student.student_loss=mse")
	if err != nil {
		t.Fatal(err)
	}
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
		{"languages=xx", "unknown language"},
		{"justakey", "want key=value"},
	} {
		err := DefaultConfig().Set(tc.settings)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Set(%q) = %v, want an error containing %s", tc.settings, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, s := range []string{"test_fraction=1", "test_fraction=0", "vocab_size=10", "query_len=0", "doc_len=500"} {
		c := DefaultConfig()
		if err := c.Set(s); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil {
			t.Errorf("Validate after %q: want error", s)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	if err := SmallConfig().Validate(); err != nil {
		t.Fatalf("small config invalid: %v", err)
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
