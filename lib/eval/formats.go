package eval

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Sentinel errors. Errors returned by the parsers wrap one of these and name
// the file and line.
var (
	// ErrMalformed is wrapped by every parse error of a qrels, run or topics line.
	ErrMalformed = errors.New("eval: malformed line")
	// ErrDuplicate is wrapped when a docno appears twice for one query.
	ErrDuplicate = errors.New("eval: duplicate document")
	// ErrEmpty is wrapped when a file holds no data lines.
	ErrEmpty = errors.New("eval: empty input")
)

// Qrels holds relevance judgements: qid -> docno -> relevance. Relevance is
// graded; negative values mark judged-as-unjudged pool documents.
type Qrels map[string]map[string]int

// ScoredDoc is one retrieved document with its retrieval score.
type ScoredDoc struct {
	DocNo string
	Score float64
}

// Run holds retrieved documents per query, in any order: evaluation sorts
// them by score (descending), ties by docno (descending).
type Run map[string][]ScoredDoc

// lineScanner reads lines of any length.
func lineScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	return sc
}

// ParseQrels reads TREC qrels ("qid iter docno rel") from r. name is used in
// error messages ("name:line: ...").
func ParseQrels(r io.Reader, name string) (Qrels, error) {
	q := Qrels{}
	sc := lineScanner(r)
	lineNo, n := 0, 0
	for sc.Scan() {
		lineNo++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 fields \"qid iter docno rel\", got %d: %w", name, lineNo, len(f), ErrMalformed)
		}
		rel, err := strconv.Atoi(f[3])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: relevance %q is not an integer: %w", name, lineNo, f[3], ErrMalformed)
		}
		docs := q[f[0]]
		if docs == nil {
			docs = map[string]int{}
			q[f[0]] = docs
		}
		if _, dup := docs[f[2]]; dup {
			return nil, fmt.Errorf("%s:%d: query %s judges %s twice: %w", name, lineNo, f[0], f[2], ErrDuplicate)
		}
		docs[f[2]] = rel
		n++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, lineNo+1, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: no judgements: %w", name, ErrEmpty)
	}
	return q, nil
}

// ReadQrels reads a qrels file.
func ReadQrels(path string) (Qrels, error) { return readFile(path, ParseQrels) }

// readFile opens path and parses it with parse, which names path in errors.
func readFile[T any](path string, parse func(io.Reader, string) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	return parse(f, path)
}

// ParseRun reads a TREC run ("qid Q0 docno rank score tag") from r. The rank
// column must be present but is ignored; fields after tag are ignored.
func ParseRun(r io.Reader, name string) (Run, error) {
	run := Run{}
	seen := map[string]map[string]int{} // qid -> docno -> line
	sc := lineScanner(r)
	lineNo, n := 0, 0
	for sc.Scan() {
		lineNo++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) < 6 {
			return nil, fmt.Errorf("%s:%d: want 6 fields \"qid Q0 docno rank score tag\", got %d: %w", name, lineNo, len(f), ErrMalformed)
		}
		score, err := strconv.ParseFloat(f[4], 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("%s:%d: score %q is not a number: %w", name, lineNo, f[4], ErrMalformed)
		}
		if score != score { // NaN cannot be ordered
			return nil, fmt.Errorf("%s:%d: score is NaN: %w", name, lineNo, ErrMalformed)
		}
		qid, docno := f[0], f[2]
		s := seen[qid]
		if s == nil {
			s = map[string]int{}
			seen[qid] = s
		}
		if prev, dup := s[docno]; dup {
			return nil, fmt.Errorf("%s:%d: query %s retrieves %s again (first at line %d): %w", name, lineNo, qid, docno, prev, ErrDuplicate)
		}
		s[docno] = lineNo
		run[qid] = append(run[qid], ScoredDoc{DocNo: docno, Score: score})
		n++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, lineNo+1, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: no retrieved documents: %w", name, ErrEmpty)
	}
	return run, nil
}

// ReadRun reads a run file.
func ReadRun(path string) (Run, error) { return readFile(path, ParseRun) }

// sortedQIDs returns the keys of m in strcmp order.
func sortedQIDs[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for k := range m {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	return ids
}

// rankOrder sorts docs into trec_eval's evaluation order: score descending,
// ties by docno descending strcmp order.
func rankOrder(docs []ScoredDoc) {
	slices.SortFunc(docs, func(a, b ScoredDoc) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(b.DocNo, a.DocNo)
	})
}

// WriteRun writes run in TREC format, queries in strcmp order, documents in
// evaluation order with ranks 1.., scores printed in the shortest form that
// reads back to the same float64.
func WriteRun(w io.Writer, run Run, tag string) error {
	if tag == "" || strings.ContainsAny(tag, " \t\r\n") {
		return fmt.Errorf("eval: WriteRun: tag %q must be one non-empty field", tag)
	}
	bw := bufio.NewWriter(w)
	for _, qid := range sortedQIDs(run) {
		docs := slices.Clone(run[qid])
		rankOrder(docs)
		for i, d := range docs {
			if _, err := fmt.Fprintf(bw, "%s Q0 %s %d %s %s\n", qid, d.DocNo, i+1,
				strconv.FormatFloat(d.Score, 'g', -1, 64), tag); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// WriteQrels writes q in TREC qrels format ("qid 0 docno rel"), queries and
// documents in strcmp order.
func WriteQrels(w io.Writer, q Qrels) error {
	bw := bufio.NewWriter(w)
	for _, qid := range sortedQIDs(q) {
		for _, doc := range sortedQIDs(q[qid]) {
			if _, err := fmt.Fprintf(bw, "%s 0 %s %d\n", qid, doc, q[qid][doc]); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// Topic is one query of a topic set.
type Topic struct {
	ID, Title, Description string
}

// ReadTopics reads a topic file in one of three formats, chosen by content:
// TREC SGML (<top><num> Number: X <title> ... <desc> Description: ...),
// JSON lines ({"id" or "qid", "text", "title" or "query", "description"};
// also chosen by a .jsonl/.json extension), or TSV "qid<TAB>text".
func ReadTopics(path string) ([]Topic, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	text := string(data)
	trimmed := strings.TrimSpace(text)
	var topics []Topic
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case strings.Contains(strings.ToLower(text), "<top>"):
		topics, err = parseSGMLTopics(text, path)
	case ext == ".jsonl" || ext == ".json" || strings.HasPrefix(trimmed, "{"):
		topics, err = parseJSONLTopics(text, path)
	default:
		topics, err = parseTSVTopics(text, path)
	}
	if err != nil {
		return nil, err
	}
	if len(topics) == 0 {
		return nil, fmt.Errorf("%s: no topics: %w", path, ErrEmpty)
	}
	seen := map[string]bool{}
	for _, t := range topics {
		if seen[t.ID] {
			return nil, fmt.Errorf("%s: topic %s appears twice: %w", path, t.ID, ErrDuplicate)
		}
		seen[t.ID] = true
	}
	return topics, nil
}

func parseTSVTopics(text, name string) ([]Topic, error) {
	var out []Topic
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		id, q, ok := strings.Cut(line, "\t")
		id, q = strings.TrimSpace(id), strings.TrimSpace(q)
		if !ok || id == "" || q == "" {
			return nil, fmt.Errorf("%s:%d: want \"qid<TAB>text\": %w", name, i+1, ErrMalformed)
		}
		out = append(out, Topic{ID: id, Title: q})
	}
	return out, nil
}

func parseJSONLTopics(text, name string) ([]Topic, error) {
	var out []Topic
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %v: %w", name, i+1, err, ErrMalformed)
		}
		str := func(keys ...string) (string, error) {
			for _, k := range keys {
				switch v := rec[k].(type) {
				case nil:
					continue
				case string:
					return v, nil
				case float64:
					return strconv.FormatFloat(v, 'f', -1, 64), nil
				default:
					return "", fmt.Errorf("%s:%d: field %q is not a string: %w", name, i+1, k, ErrMalformed)
				}
			}
			return "", nil
		}
		id, err := str("id", "qid", "query_id", "_id")
		if err != nil {
			return nil, err
		}
		title, err := str("text", "title", "query")
		if err != nil {
			return nil, err
		}
		desc, err := str("description", "desc")
		if err != nil {
			return nil, err
		}
		if id == "" || title == "" {
			return nil, fmt.Errorf("%s:%d: want non-empty \"id\"/\"qid\" and \"text\"/\"title\"/\"query\": %w", name, i+1, ErrMalformed)
		}
		out = append(out, Topic{ID: id, Title: title, Description: desc})
	}
	return out, nil
}

var (
	sgmlTop   = regexp.MustCompile(`(?is)<top>(.*?)</top>`)
	sgmlTag   = regexp.MustCompile(`(?i)</?(num|title|desc|narr)>`)
	sgmlLabel = regexp.MustCompile(`(?i)^\s*(number|topic|description|narrative)\s*:\s*`)
)

func parseSGMLTopics(text, name string) ([]Topic, error) {
	var out []Topic
	for _, m := range sgmlTop.FindAllStringSubmatchIndex(text, -1) {
		line := 1 + strings.Count(text[:m[0]], "\n")
		body := text[m[2]:m[3]]
		var t Topic
		tags := sgmlTag.FindAllStringSubmatchIndex(body, -1)
		for i, tg := range tags {
			if body[tg[0]+1] == '/' {
				continue // closing tag
			}
			end := len(body)
			if i+1 < len(tags) {
				end = tags[i+1][0]
			}
			v := strings.Join(strings.Fields(sgmlLabel.ReplaceAllString(body[tg[1]:end], "")), " ")
			switch strings.ToLower(body[tg[2]:tg[3]]) {
			case "num":
				t.ID = v
			case "title":
				t.Title = v
			case "desc":
				t.Description = v
			}
		}
		if t.ID == "" || t.Title == "" {
			return nil, fmt.Errorf("%s:%d: <top> without <num> or <title>: %w", name, line, ErrMalformed)
		}
		out = append(out, t)
	}
	return out, nil
}
