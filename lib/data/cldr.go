package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
)

// Annotation is the CLDR annotation of one emoji (or symbol) in one locale.
type Annotation struct {
	Key      string   // the emoji itself, e.g. "🐈"
	Name     string   // the "tts" short name, e.g. "cat"
	Keywords []string // the "default" keywords, less the name
}

// AnnotationsPath returns the annotations file of locale under the
// cldr-annotations-full package root.
func AnnotationsPath(root, locale string) string {
	return filepath.Join(root, "annotations", locale, "annotations.json")
}

// LoadAnnotations reads annotations/<locale>/annotations.json under root,
// sorted by Key. Only the "annotations" tree is used (the "full" package has
// no annotationsDerived tree in 48.2.0; derived skin-tone and sequence names
// would add near-duplicates that make retrieval ambiguous).
func LoadAnnotations(root, locale string) ([]Annotation, error) {
	path := AnnotationsPath(root, locale)
	b, err := readServed(root, "annotations/"+locale+"/annotations.json")
	if err != nil {
		return nil, fmt.Errorf("data: annotations %s: %w", locale, err)
	}
	return ParseAnnotations(b, path)
}

// ParseAnnotations parses the CLDR JSON layout
//
//	{"annotations": {"identity": {...}, "annotations": {KEY: {"default": [...], "tts": [...]}}}}
//
// Name is tts[0] (default[0] when tts is missing). name is used in errors.
func ParseAnnotations(b []byte, name string) ([]Annotation, error) {
	var f struct {
		Annotations struct {
			Annotations map[string]struct {
				Default []string `json:"default"`
				TTS     []string `json:"tts"`
			} `json:"annotations"`
		} `json:"annotations"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%w: %s:%d: %v", ErrMalformed, name, lineAt(b, se.Offset), err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%w: %s:%d: %v", ErrMalformed, name, lineAt(b, te.Offset), err)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
	}
	m := f.Annotations.Annotations
	if len(m) == 0 {
		return nil, fmt.Errorf("%w: %s: no annotations.annotations entries", ErrMalformed, name)
	}
	out := make([]Annotation, 0, len(m))
	for key, v := range m {
		var a Annotation
		a.Key = key
		switch {
		case len(v.TTS) > 0:
			a.Name = v.TTS[0]
		case len(v.Default) > 0:
			a.Name = v.Default[0]
		default:
			return nil, fmt.Errorf("%w: %s: key %q has neither tts nor default", ErrMalformed, name, key)
		}
		for _, k := range v.Default {
			if k != a.Name && k != "" {
				a.Keywords = append(a.Keywords, k)
			}
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// lineAt returns the 1-based line of byte offset off in b.
func lineAt(b []byte, off int64) int {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return bytes.Count(b[:off], []byte{'\n'}) + 1
}
