package bm25

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/otclir/otclir/lib/data"
)

// ReadTranslatedQueries reads a user's translated queries, one
// "qid<TAB>English text" per line, in file order (format in the package
// doc). Errors name the file and line.
func ReadTranslatedQueries(path string) ([]data.Query, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bm25: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	var out []data.Query
	first := map[string]int{}
	for n := 1; ; n++ {
		line, rerr := r.ReadString('\n')
		if rerr != nil && rerr != io.EOF {
			return nil, fmt.Errorf("bm25: %s:%d: %w", path, n, rerr)
		}
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "#") {
			qid, txt, ok := strings.Cut(line, "\t")
			qid, txt = strings.TrimSpace(qid), strings.TrimSpace(txt)
			switch {
			case !ok:
				return nil, fmt.Errorf("%w: %s:%d: no tab, want \"qid<TAB>English text\"", ErrMalformed, path, n)
			case qid == "":
				return nil, fmt.Errorf("%w: %s:%d: empty qid", ErrMalformed, path, n)
			case strings.ContainsAny(qid, " \t"):
				return nil, fmt.Errorf("%w: %s:%d: qid %q contains white space", ErrMalformed, path, n, qid)
			case txt == "":
				return nil, fmt.Errorf("%w: %s:%d: empty text for qid %q", ErrMalformed, path, n, qid)
			}
			if prev, dup := first[qid]; dup {
				return nil, fmt.Errorf("%w: %s:%d: qid %q repeated (first at line %d)", ErrMalformed, path, n, qid, prev)
			}
			first[qid] = n
			out = append(out, data.Query{ID: qid, Text: strings.ReplaceAll(txt, "\t", " ")})
		}
		if rerr == io.EOF {
			break
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrEmpty, path)
	}
	return out, nil
}
