//go:build ignore

// corpus.go writes the real text the fixture vocabularies are learnt from:
// the UDHR paragraphs of every language of lib/data's table, of three CJK
// translations (Chinese, Japanese, Korean), and the emoji of CLDR's English
// annotations, one text file per source, one paragraph per line; and
// art1.json, the first paragraph of article 1 per language (the golden
// sentences take them).
//
//	go run ./lib/text/testdata/hf/gen/corpus.go -out DIR
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/otclir/otclir/lib/data"
)

func main() {
	out := flag.String("out", "", "output directory")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "corpus: -out is required")
		os.Exit(2)
	}
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	udhr, err := data.Fetch(ctx, data.UDHRPackage, data.CacheDir())
	if err != nil {
		return err
	}
	cldr, err := data.Fetch(ctx, data.CLDRAnnotationsPackage, data.CacheDir())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	langs := data.Languages()
	// CJK translations: not in the language table, but the golden sentences
	// have CJK and the vocabularies should know some of it.
	for _, x := range [][2]string{{"cmn", "cmn_hans"}, {"jpn", "jpn"}, {"kor", "kor"}} {
		langs = append(langs, data.Language{Code: x[0], UDHRFile: x[1]})
	}
	art1 := map[string]string{}
	for _, l := range langs {
		d, err := data.LoadUDHR(udhr, l)
		if err != nil {
			return err
		}
		if a := d.Article(1); a != nil && len(a.Paragraphs) > 0 {
			art1[l.Code] = a.Paragraphs[0]
		}
		var b strings.Builder
		for _, a := range d.Articles {
			for _, p := range a.Paragraphs {
				b.WriteString(p)
				b.WriteByte('\n')
			}
		}
		if err := os.WriteFile(filepath.Join(out, "udhr_"+l.Code+".txt"), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	j, err := json.MarshalIndent(art1, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "art1.json"), j, 0o644); err != nil {
		return err
	}
	ann, err := data.LoadAnnotations(cldr, "en")
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, a := range ann {
		b.WriteString(a.Key + " " + data.AnnotationText(a) + "\n")
	}
	return os.WriteFile(filepath.Join(out, "cldr_en.txt"), []byte(b.String()), 0o644)
}
