package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/otclir/otclir/experiments/optical"
)

// labFlags are the flags shared by the experiment commands.
type labFlags struct {
	fs                   *flag.FlagSet
	db, artifacts, cache *string
	set                  *string
	small, force         *bool
	// routes maps a command flag to the setting it sets: giving both the
	// flag and that key in -set is an error.
	routes map[string]string
}

func newLabFlags(fs *flag.FlagSet) *labFlags {
	def := optical.DefaultConfig()
	return &labFlags{
		fs:        fs,
		db:        fs.String("db", def.DBPath, "results database (default $OTCLIR_DB or results.db)"),
		artifacts: fs.String("artifacts", def.ArtifactDir, "directory for models, run files and charts"),
		cache:     fs.String("cache", def.CacheDir, "npm data cache (default $OTCLIR_CACHE or the user cache dir)"),
		set:       fs.String("set", "", `settings "key=value;key=value" (e.g. "languages=swh,som;teacher.train_steps=300")`),
		small:     fs.Bool("small", false, "notebook-sized settings (one pair, tiny models)"),
		force:     fs.Bool("force", false, "retrain models (from step 0) and re-run evaluations even when cached"),
		routes:    map[string]string{},
	}
}

// route declares that flag name sets setting key.
func (f *labFlags) route(name, key string) { f.routes[name] = key }

// given reports whether flag name was on the command line.
func (f *labFlags) given(name string) bool {
	found := false
	f.fs.Visit(func(fl *flag.Flag) { found = found || fl.Name == name })
	return found
}

// inSet reports whether -set sets key.
func (f *labFlags) inSet(key string) bool {
	for _, k := range optical.SettingKeys(*f.set) {
		if k == key {
			return true
		}
	}
	return false
}

// config builds the Config after parsing: defaults (-small), paths, -set,
// then adjust (the command's own flags), then Validate. A setting given
// both by a command flag and in -set is refused.
func (f *labFlags) config(stdout io.Writer, adjust func(*optical.Config) error) (*optical.Config, error) {
	for name, key := range f.routes {
		if f.given(name) && f.inSet(key) {
			return nil, fmt.Errorf("%s: setting %q given twice, by -%s and in -set: give it once", f.fs.Name(), key, name)
		}
	}
	cfg := optical.DefaultConfig()
	if *f.small {
		cfg = optical.SmallConfig()
	}
	cfg.DBPath, cfg.ArtifactDir, cfg.CacheDir = *f.db, *f.artifacts, *f.cache
	cfg.Force = *f.force
	cfg.Out = stdout
	if err := cfg.Set(*f.set); err != nil {
		return nil, err
	}
	if adjust != nil {
		if err := adjust(cfg); err != nil {
			return nil, err
		}
	}
	return cfg, cfg.Validate()
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
