package data

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// forEachLine calls fn with each line (without the line break) and its
// 1-based number. Lines may be of any length.
func forEachLine(path string, fn func(line string, n int) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	for n := 1; ; n++ {
		line, err := r.ReadString('\n')
		if len(line) > 0 {
			line = strings.TrimRight(line, "\r\n")
			if ferr := fn(line, n); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("data: %s:%d: %w", path, n, err)
		}
	}
}

// ReadBitextTSV reads pairs from a file of lines "src<TAB>tgt" or
// "src<TAB>tgt<TAB>origin". Empty lines and lines starting with "#" are
// skipped. Origin defaults to the file's base name.
func ReadBitextTSV(path string) ([]Pair, error) {
	base := filepath.Base(path)
	var out []Pair
	err := forEachLine(path, func(line string, n int) error {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			return nil
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 || len(f) > 3 {
			return fmt.Errorf("%w: %s:%d: %d tab-separated fields, want 2 or 3", ErrMalformed, path, n, len(f))
		}
		p := Pair{Src: strings.TrimSpace(f[0]), Tgt: strings.TrimSpace(f[1]), Origin: base}
		if len(f) == 3 && strings.TrimSpace(f[2]) != "" {
			p.Origin = strings.TrimSpace(f[2])
		}
		if p.Src == "" || p.Tgt == "" {
			return fmt.Errorf("%w: %s:%d: empty source or target", ErrMalformed, path, n)
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// ReadBitextParallel reads two line-aligned files (line i of srcPath
// translates line i of tgtPath). Lines empty on both sides are skipped; a line
// empty on one side only, or a different number of lines, is an error.
// Origin is the base name of srcPath.
func ReadBitextParallel(srcPath, tgtPath string) ([]Pair, error) {
	var src, tgt []string
	if err := forEachLine(srcPath, func(l string, _ int) error { src = append(src, l); return nil }); err != nil {
		return nil, err
	}
	if err := forEachLine(tgtPath, func(l string, _ int) error { tgt = append(tgt, l); return nil }); err != nil {
		return nil, err
	}
	if len(src) != len(tgt) {
		short, n := srcPath, len(src)
		if len(tgt) < len(src) {
			short, n = tgtPath, len(tgt)
		}
		return nil, fmt.Errorf("%w: %s:%d: file ends while %s has %d lines and %s has %d",
			ErrMalformed, short, n+1, srcPath, len(src), tgtPath, len(tgt))
	}
	origin := filepath.Base(srcPath)
	var out []Pair
	for i := range src {
		s, t := strings.TrimSpace(src[i]), strings.TrimSpace(tgt[i])
		switch {
		case s == "" && t == "":
			continue
		case s == "":
			return nil, fmt.Errorf("%w: %s:%d: empty line, but %s:%d is not", ErrMalformed, srcPath, i+1, tgtPath, i+1)
		case t == "":
			return nil, fmt.Errorf("%w: %s:%d: empty line, but %s:%d is not", ErrMalformed, tgtPath, i+1, srcPath, i+1)
		}
		out = append(out, Pair{Src: s, Tgt: t, Origin: origin})
	}
	return out, nil
}

// ReadDocs reads documents from a TSV file of lines "docno<TAB>text" or from
// JSON lines {"id" or "docno": ..., "text" or "contents": ...}. The format is
// chosen by the extension (.jsonl, .json) or, otherwise, by whether the first
// non-empty line starts with "{". Empty lines are skipped; duplicate docnos
// are an error.
func ReadDocs(path string) ([]Doc, error) {
	ext := strings.ToLower(filepath.Ext(path))
	jsonl := ext == ".jsonl" || ext == ".json"
	decided := jsonl
	seen := make(map[string]int)
	var out []Doc
	err := forEachLine(path, func(line string, n int) error {
		if strings.TrimSpace(line) == "" {
			return nil
		}
		if !decided {
			jsonl = strings.HasPrefix(strings.TrimSpace(line), "{")
			decided = true
		}
		var d Doc
		if jsonl {
			var v struct {
				ID       *string `json:"id"`
				Docno    *string `json:"docno"`
				Text     *string `json:"text"`
				Contents *string `json:"contents"`
			}
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				return fmt.Errorf("%w: %s:%d: %v", ErrMalformed, path, n, err)
			}
			switch {
			case v.ID != nil:
				d.ID = *v.ID
			case v.Docno != nil:
				d.ID = *v.Docno
			}
			switch {
			case v.Text != nil:
				d.Text = *v.Text
			case v.Contents != nil:
				d.Text = *v.Contents
			default:
				return fmt.Errorf("%w: %s:%d: no \"text\" or \"contents\" field", ErrMalformed, path, n)
			}
		} else {
			id, text, ok := strings.Cut(line, "\t")
			if !ok {
				return fmt.Errorf("%w: %s:%d: no tab between docno and text", ErrMalformed, path, n)
			}
			d = Doc{ID: id, Text: text}
		}
		d.ID = strings.TrimSpace(d.ID)
		if d.ID == "" || strings.ContainsAny(d.ID, " \t") {
			return fmt.Errorf("%w: %s:%d: docno %q is empty or contains white space", ErrMalformed, path, n, d.ID)
		}
		if prev, dup := seen[d.ID]; dup {
			return fmt.Errorf("%w: %s:%d: docno %q already on line %d", ErrMalformed, path, n, d.ID, prev)
		}
		seen[d.ID] = n
		out = append(out, d)
		return nil
	})
	return out, err
}
