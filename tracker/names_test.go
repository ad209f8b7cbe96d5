package tracker

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	good := []string{"optical", "first-light", "ablation-eps0.01", "swh eng", "Kiswahili_2026", "实验"}
	for _, n := range good {
		if err := ValidateName("experiment", n); err != nil {
			t.Errorf("ValidateName(%q) = %v, want nil", n, err)
		}
	}
	bad := []string{"", ".", "..", "../../../x", "a/b", `a\b`, ".hidden", "-rf", "a\nb", "a\x00b", "a\tb",
		"a\u200bb", "a\u202eb", "a\u00a0b", " lead", "trail ", "\xff", strings.Repeat("x", MaxNameLen+1)}
	for _, n := range bad {
		err := ValidateName("experiment", n)
		if err == nil || !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "experiment name") {
			t.Errorf("ValidateName(%q) = %v, want an ErrInvalidArgument naming the setting", n, err)
		}
	}
}
