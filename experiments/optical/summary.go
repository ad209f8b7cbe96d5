package optical

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
)

// WriteDataSummary prints, per language of the table, what the corpus holds:
// UDHR paragraphs, CLDR concepts, training bitext pairs and test queries.
func WriteDataSummary(w io.Writer, cfg *Config, c *Corpus) error {
	fmt.Fprintf(w, "data: %s (cache %s)\n", c.Provenance(), cfg.CacheDir)
	fmt.Fprintf(w, "WordNet synsets: %d; teacher pairs: %d\n", len(c.Synsets), len(c.TeacherPairs()))
	fmt.Fprintf(w, "UDHR test articles (split seed %d): %v\n", cfg.SplitSeed, c.Split.Test)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "lang\tname\tresource\tUDHR paragraphs\tCLDR concepts\tbitext pairs\ttest queries\t")
	for _, l := range data.Languages() {
		d := c.UDHR[l.Code]
		paras := 0
		if d != nil {
			for _, a := range d.Articles {
				paras += len(a.Paragraphs)
			}
		}
		bitext, queries := 0, 0
		if l.Code != "eng" {
			b, err := c.Bitext(l.Code)
			if err != nil {
				return err
			}
			bitext = len(b)
			coll, err := c.UDHRCollection(l.Code, "eng")
			if err != nil {
				return err
			}
			queries = len(coll.Queries)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t\n", l.Code, l.Name, l.Resource, paras, len(c.Annotations[l.Code]), bitext, queries)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
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
