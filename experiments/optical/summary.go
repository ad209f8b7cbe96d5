package optical

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
)

// WriteDataSummary prints, per loaded language (the paper table's in table
// order, then the configured ones by code), what the corpus holds: UDHR
// paragraphs, CLDR concepts, training bitext pairs and test queries, with
// the language's resource class (and its source), level, script, word
// separator, UDHR file and CLDR locale.
func WriteDataSummary(w io.Writer, cfg *Config, c *Corpus) error {
	fmt.Fprintf(w, "data: %s (cache %s)\n", c.Provenance(), cfg.CacheDir)
	fmt.Fprintf(w, "WordNet synsets: %d; teacher pairs: %d\n", len(c.Synsets), len(c.TeacherPairs()))
	fmt.Fprintf(w, "UDHR test articles (split seed %d): %v\n", cfg.SplitSeed, c.Split.Test)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "lang\tname\tclass\tresource\tscript\twords\tUDHR file\tCLDR locale\tUDHR paragraphs\tCLDR concepts\tbitext pairs\tUDHR queries\tCLDR queries\t")
	for _, code := range c.summaryOrder() {
		l := c.Languages[code]
		d := c.UDHR[code]
		paras := 0
		if d != nil {
			for _, a := range d.Articles {
				paras += len(a.Paragraphs)
			}
		}
		bitext, uq, cq := 0, 0, 0
		if code != "eng" {
			b, err := c.Bitext(code)
			if err != nil {
				return err
			}
			bitext = len(b)
			coll, err := c.UDHRCollection(code, "eng")
			if err != nil {
				return err
			}
			uq = len(coll.Queries)
			cc, err := c.Collection(CollectionCLDR, code, "eng")
			if err != nil {
				return err
			}
			cq = len(cc.Queries)
		}
		class, src := cfg.Resource.Class(code)
		classText := class.String()
		if src == data.SourceUser {
			classText += " (user)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t\n", code, l.Name, classText, cfg.resourceLabel(code),
			l.Script, l.WordSep, l.UDHRFile, l.CLDRLocale, paras, len(c.Annotations[code]), bitext, uq, cq)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "class: Joshi et al. (2020) (%s), 0 = the Left-Behinds … 5 = the Winners; resource: low = class 0–3, high = 4–5\n", data.Joshi2020URL)
	if u := c.User; u != nil {
		fmt.Fprintf(w, "user collection %s (%s): %d documents, %d topics, %d judged; bitext %d pairs (data hash %s)\n",
			u.Config.Name, record.Pair(u.Config.Lang, u.Config.DocLang), len(u.Collection.Docs), len(u.Collection.Queries),
			len(u.Collection.Qrels), len(u.Bitext), u.DataHash)
		for _, warn := range u.Warnings {
			fmt.Fprintln(w, "warning:", warn)
		}
	}
	return nil
}

// summaryOrder is the paper table's languages in table order, then the
// others by code.
func (c *Corpus) summaryOrder() []string {
	var out []string
	for _, l := range data.Languages() {
		if _, ok := c.Languages[l.Code]; ok {
			out = append(out, l.Code)
		}
	}
	var rest []string
	for code := range c.Languages {
		if !data.IsPaperLanguage(code) {
			rest = append(rest, code)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}
