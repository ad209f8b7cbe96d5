package apertium

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// ErrNotInstalled is wrapped when the apertium command or a mode is missing.
var ErrNotInstalled = errors.New("apertium: not installed")

// Command is the engine's executable, looked up on PATH.
const Command = "apertium"

// Packages maps the modes otclir uses to the Debian packages that install
// them: the transitional name (what `make setup-apertium` installs) and the
// package that holds the data (whose version is recorded).
var Packages = map[string]Package{
	"spa-eng": {Install: "apertium-en-es", Data: "apertium-eng-spa"},
	"eng-spa": {Install: "apertium-en-es", Data: "apertium-eng-spa"},
}

// Package names a language pair's Debian packages.
type Package struct {
	Install string // what to apt-get install
	Data    string // the package holding the pair's data
}

// installHint is the install instruction for mode.
func installHint(mode string) string {
	pkg := "the Apertium pair for " + mode
	if mode == "" {
		pkg = "and a language pair"
	}
	if p, ok := Packages[mode]; ok {
		pkg = p.Install
	}
	return fmt.Sprintf("Debian: apt-get install apertium %s, or make setup-apertium", pkg)
}

// lookPath finds the engine's executable.
func lookPath(mode string) (string, error) {
	bin, err := exec.LookPath(Command)
	if err != nil {
		return "", fmt.Errorf("%w: no %s command on PATH (%s)", ErrNotInstalled, Command, installHint(mode))
	}
	return bin, nil
}

// Modes lists the installed translation directions (`apertium -l`).
func Modes(ctx context.Context) ([]string, error) { return modes(ctx, "") }

// modes is Modes; a missing command's error names mode's package.
func modes(ctx context.Context, mode string) ([]string, error) {
	bin, err := lookPath(mode)
	if err != nil {
		return nil, err
	}
	out, err := run(ctx, bin, nil, "-l")
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(out)), nil
}

// Check returns nil when mode is installed, else ErrNotInstalled naming
// the package to install and the modes that are.
func Check(ctx context.Context, mode string) error {
	have, err := modes(ctx, mode)
	if err != nil {
		return err
	}
	if !slices.Contains(have, mode) {
		return fmt.Errorf("%w: mode %s (installed modes: %s; %s)", ErrNotInstalled, mode, strings.Join(have, ", "), installHint(mode))
	}
	return nil
}

// Info identifies the engine and a mode's data.
type Info struct {
	Engine string // "apertium 3.8.3" (from apertium -V)
	Mode   string // "spa-eng"
	Data   string // "apertium-eng-spa 0.8.1-2" (dpkg-query); "unknown" without dpkg or an unknown mode
}

// String is "apertium 3.8.3, spa-eng, apertium-eng-spa 0.8.1-2".
func (i Info) String() string { return i.Engine + ", " + i.Mode + ", " + i.Data }

// Version identifies the engine and the data of mode (which must be
// installed: see Check).
func Version(ctx context.Context, mode string) (Info, error) {
	if err := Check(ctx, mode); err != nil {
		return Info{}, err
	}
	bin, _ := lookPath(mode)
	out, err := run(ctx, bin, nil, "-V")
	if err != nil {
		return Info{}, err
	}
	v := strings.TrimSpace(string(out)) // "Apertium 3.8.3"
	name, ver, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(name, "apertium") || ver == "" {
		return Info{}, fmt.Errorf("apertium: %s -V printed %q, want \"Apertium <version>\"", bin, v)
	}
	info := Info{Engine: "apertium " + ver, Mode: mode, Data: "unknown"}
	if p, ok := Packages[mode]; ok {
		if dpkg, err := exec.LookPath("dpkg-query"); err == nil {
			if out, err := run(ctx, dpkg, nil, "-W", "-f=${Version}", p.Data); err == nil && len(bytes.TrimSpace(out)) > 0 {
				info.Data = p.Data + " " + string(bytes.TrimSpace(out))
			}
		}
	}
	return info, nil
}

// Translate translates texts with mode (see the package doc), in one
// subprocess; the result has one translation per text, white space trimmed.
func Translate(ctx context.Context, mode string, texts []string) ([]string, error) {
	if err := Check(ctx, mode); err != nil {
		return nil, err
	}
	if len(texts) == 0 {
		return nil, nil
	}
	bin, _ := lookPath(mode)
	var in bytes.Buffer
	for _, t := range texts {
		in.WriteString(strings.Join(strings.Fields(t), " "))
		in.WriteByte('\n')
	}
	out, err := run(ctx, bin, &in, "-u", "-f", "line", mode)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(texts) {
		return nil, fmt.Errorf("apertium: %s %s returned %d lines for %d texts", Command, mode, len(lines), len(texts))
	}
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return lines, nil
}

// run runs bin with args and stdin, returning its standard output; a
// failure carries the command line and its standard error.
func run(ctx context.Context, bin string, stdin *bytes.Buffer, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	ownGroup(cmd)
	cmd.WaitDelay = 5 * time.Second // a pipeline that outlives a cancellation cannot hold Run
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, fmt.Errorf("apertium: %s %s: %v: %s", bin, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
