package eval

import (
	"bufio"
	"bytes"
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
// them by score (descending, compared as float32 like trec_eval), ties by
// docno (descending).
type Run map[string][]ScoredDoc

// lineScanner reads lines of any length.
func lineScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	return sc
}

// isCSpace reports whether c is white space for C's isspace in the "C"
// locale: space, \t, \n, \v, \f, \r. trec_eval splits fields on exactly
// these bytes, so a docno may hold any other byte, U+00A0 included.
func isCSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// splitFields stores the isspace-separated fields of line in dst and
// returns how many there are, counting at most len(dst)+1 (so a caller can
// tell "exactly len(dst)" from "more").
func splitFields[S string | []byte](line S, dst []S) int {
	n := 0
	i := 0
	for {
		for i < len(line) && isCSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return n
		}
		j := i
		for j < len(line) && !isCSpace(line[j]) {
			j++
		}
		if n == len(dst) {
			return n + 1
		}
		dst[n] = line[i:j]
		n++
		i = j
	}
}

// dataLine classifies a line: blank (only isspace bytes) or comment lines
// are skipped, a NUL byte is an error (C's reader would silently stop at it).
func dataLine[S string | []byte](line S, name string, lineNo int, commentAfterSpace bool) (skip bool, err error) {
	if bytes.IndexByte([]byte(line), 0) >= 0 {
		return false, fmt.Errorf("%s:%d: NUL byte: %w", name, lineNo, ErrMalformed)
	}
	i := 0
	for i < len(line) && isCSpace(line[i]) {
		i++
	}
	if i == len(line) {
		return true, nil
	}
	// trec_eval skips comment lines: in qrels a '#' in the first column, in
	// runs a '#' as the first non-blank byte.
	return line[0] == '#' || (commentAfterSpace && line[i] == '#'), nil
}

// ParseQrels reads TREC qrels ("qid iter docno rel") from r. name is used in
// error messages ("name:line: ..."). Fields are separated by C isspace
// bytes; lines starting with '#' and blank lines are skipped.
func ParseQrels(r io.Reader, name string) (Qrels, error) {
	q := Qrels{}
	sc := lineScanner(r)
	lineNo, n := 0, 0
	var f [4]string
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		skip, err := dataLine(line, name, lineNo, false)
		if err != nil {
			return nil, err
		}
		if skip {
			continue
		}
		if nf := splitFields(line, f[:]); nf != 4 {
			got := strconv.Itoa(nf)
			if nf > 4 {
				got = "more"
			}
			return nil, fmt.Errorf("%s:%d: want 4 fields \"qid iter docno rel\", got %s: %w", name, lineNo, got, ErrMalformed)
		}
		rel, err := strconv.Atoi(f[3])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: relevance %q is not an integer: %w", name, lineNo, f[3], ErrMalformed)
		}
		docs := q[f[0]]
		if docs == nil {
			docs = map[string]int{}
			q[strings.Clone(f[0])] = docs
		}
		if _, dup := docs[f[2]]; dup {
			return nil, fmt.Errorf("%s:%d: query %s judges %s twice: %w", name, lineNo, f[0], f[2], ErrDuplicate)
		}
		docs[strings.Clone(f[2])] = rel
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
// Fields are separated by C isspace bytes; blank lines and lines whose
// first non-blank byte is '#' are skipped.
func ParseRun(r io.Reader, name string) (Run, error) {
	run, _, err := ParseRunWithID(r, name)
	return run, err
}

// ParseRunWithID is ParseRun that also returns the run id trec_eval prints
// as runid: the tag field of the last data line.
func ParseRunWithID(r io.Reader, name string) (Run, string, error) {
	run := Run{}
	seen := map[string]*runQuery{}
	sc := lineScanner(r)
	lineNo, n := 0, 0
	var runID []byte
	var f [6][]byte
	for sc.Scan() {
		lineNo++
		line := sc.Bytes()
		skip, err := dataLine(line, name, lineNo, true)
		if err != nil {
			return nil, "", err
		}
		if skip {
			continue
		}
		if nf := splitFields(line, f[:]); nf < 6 {
			return nil, "", fmt.Errorf("%s:%d: want 6 fields \"qid Q0 docno rank score tag\", got %d: %w", name, lineNo, nf, ErrMalformed)
		}
		score, err := strconv.ParseFloat(string(f[4]), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, "", fmt.Errorf("%s:%d: score %q is not a number: %w", name, lineNo, f[4], ErrMalformed)
		}
		if score != score { // NaN cannot be ordered
			return nil, "", fmt.Errorf("%s:%d: score is NaN: %w", name, lineNo, ErrMalformed)
		}
		q, ok := seen[string(f[0])]
		if !ok {
			q = &runQuery{qid: string(f[0]), lines: map[string]int{}}
			seen[q.qid] = q
		}
		if prev, dup := q.lines[string(f[2])]; dup {
			return nil, "", fmt.Errorf("%s:%d: query %s retrieves %s again (first at line %d): %w", name, lineNo, f[0], f[2], prev, ErrDuplicate)
		}
		docno := string(f[2])
		q.lines[docno] = lineNo
		run[q.qid] = append(run[q.qid], ScoredDoc{DocNo: docno, Score: score})
		runID = append(runID[:0], f[5]...)
		n++
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("%s:%d: %w", name, lineNo+1, err)
	}
	if n == 0 {
		return nil, "", fmt.Errorf("%s: no retrieved documents: %w", name, ErrEmpty)
	}
	return run, string(runID), nil
}

// runQuery is ParseRunWithID's state for one qid.
type runQuery struct {
	qid   string
	lines map[string]int // docno -> line
}

// ReadRun reads a run file.
func ReadRun(path string) (Run, error) { return readFile(path, ParseRun) }

// ReadRunWithID reads a run file and its run id (see ParseRunWithID).
func ReadRunWithID(path string) (Run, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	return ParseRunWithID(f, path)
}

// sortedQIDs returns the keys of m in strcmp order.
func sortedQIDs[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for k := range m {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	return ids
}

// compareRank is trec_eval's comp_sim_docno (form_res_rels.c) on scores
// rounded to float32, as trec_eval stores them: score descending, ties by
// docno in descending strcmp order.
func compareRank(sa float32, da string, sb float32, db string) int {
	switch {
	case sa > sb:
		return -1
	case sa < sb:
		return 1
	}
	return strings.Compare(db, da)
}

// rankOrder sorts docs into trec_eval's evaluation order (compareRank).
func rankOrder(docs []ScoredDoc) {
	slices.SortFunc(docs, func(a, b ScoredDoc) int {
		return compareRank(float32(a.Score), a.DocNo, float32(b.Score), b.DocNo)
	})
}

// checkField reports whether s can be written as one TREC field that reads
// back as s: non-empty, no isspace or NUL byte.
func checkField(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	for i := 0; i < len(s); i++ {
		if isCSpace(s[i]) || s[i] == 0 {
			return fmt.Errorf("%s %q holds a white-space or NUL byte", what, s)
		}
	}
	return nil
}

// WriteRun writes run in TREC format, queries in strcmp order, documents in
// evaluation order with ranks 1.., scores printed in the shortest form that
// reads back to the same float64. A qid starting with '#' is refused: a
// TREC reader takes such a line for a comment.
func WriteRun(w io.Writer, run Run, tag string) error {
	if err := checkField("tag", tag); err != nil {
		return fmt.Errorf("eval: WriteRun: %v", err)
	}
	bw := bufio.NewWriter(w)
	for _, qid := range sortedQIDs(run) {
		if err := checkField("qid", qid); err != nil || qid[0] == '#' {
			return fmt.Errorf("eval: WriteRun: qid %q cannot be written as a TREC field", qid)
		}
		docs := slices.Clone(run[qid])
		rankOrder(docs)
		for i, d := range docs {
			if err := checkField("docno", d.DocNo); err != nil {
				return fmt.Errorf("eval: WriteRun: query %s: %v", qid, err)
			}
			if _, err := fmt.Fprintf(bw, "%s Q0 %s %d %s %s\n", qid, d.DocNo, i+1,
				strconv.FormatFloat(d.Score, 'g', -1, 64), tag); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// WriteQrels writes q in TREC qrels format ("qid 0 docno rel"), queries and
// documents in strcmp order. A qid starting with '#' is refused (see WriteRun).
func WriteQrels(w io.Writer, q Qrels) error {
	bw := bufio.NewWriter(w)
	for _, qid := range sortedQIDs(q) {
		if err := checkField("qid", qid); err != nil || qid[0] == '#' {
			return fmt.Errorf("eval: WriteQrels: qid %q cannot be written as a TREC field", qid)
		}
		for _, doc := range sortedQIDs(q[qid]) {
			if err := checkField("docno", doc); err != nil {
				return fmt.Errorf("eval: WriteQrels: query %s: %v", qid, err)
			}
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
