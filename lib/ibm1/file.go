package ibm1

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/otclir/otclir/lib/atomicfile"
)

// fileHeader is the first line of a saved table.
const fileHeader = "# otclir ibm1 table v1"

// Save writes the table to path (format in the package doc), atomically
// (lib/atomicfile): a crash or a full disk leaves the previous file or
// none, never a torn one.
func (t *Table) Save(path string) error {
	err := atomicfile.WriteWith(path, 0o644, func(f io.Writer) error {
		w := bufio.NewWriter(f)
		fmt.Fprintln(w, fileHeader)
		for _, src := range t.Sources() {
			for _, x := range t.sorted[src] {
				fmt.Fprintf(w, "%s\t%s\t%s\n", src, x.Word, strconv.FormatFloat(x.Prob, 'g', -1, 64))
			}
		}
		return w.Flush()
	})
	if err != nil {
		return fmt.Errorf("ibm1: %w", err)
	}
	return nil
}

// Load reads a table written by Save. Errors name the file and line. The
// probabilities are taken as written (not renormalised), but each must be in
// (0, 1] and a (f, e) pair may appear once.
func Load(path string) (*Table, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ibm1: %w", err)
	}
	defer fh.Close()
	r := bufio.NewReaderSize(fh, 1<<16)
	rows := map[string][]Translation{}
	seen := map[[2]string]bool{}
	for n := 1; ; n++ {
		line, rerr := r.ReadString('\n')
		if rerr != nil && rerr != io.EOF {
			return nil, fmt.Errorf("ibm1: %s:%d: %w", path, n, rerr)
		}
		if line == "" && rerr == io.EOF {
			if n == 1 {
				return nil, fmt.Errorf("%w: %s: empty file, want header %q", ErrMalformed, path, fileHeader)
			}
			break
		}
		line = strings.TrimRight(line, "\r\n")
		if n == 1 {
			if line != fileHeader {
				return nil, fmt.Errorf("%w: %s:1: header %q, want %q", ErrMalformed, path, line, fileHeader)
			}
		} else if line != "" {
			fs := strings.Split(line, "\t")
			if len(fs) != 3 || fs[0] == "" || fs[1] == "" {
				return nil, fmt.Errorf("%w: %s:%d: want \"f<TAB>e<TAB>prob\"", ErrMalformed, path, n)
			}
			p, perr := strconv.ParseFloat(fs[2], 64)
			if perr != nil || math.IsNaN(p) || p <= 0 || p > 1 {
				return nil, fmt.Errorf("%w: %s:%d: probability %q, want a number in (0, 1]", ErrMalformed, path, n, fs[2])
			}
			k := [2]string{fs[0], fs[1]}
			if seen[k] {
				return nil, fmt.Errorf("%w: %s:%d: duplicate entry %q -> %q", ErrMalformed, path, n, fs[0], fs[1])
			}
			seen[k] = true
			rows[fs[0]] = append(rows[fs[0]], Translation{Word: fs[1], Prob: p})
		}
		if rerr == io.EOF {
			break
		}
	}
	return newTable(rows), nil
}
