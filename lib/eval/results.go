package eval

import (
	"bufio"
	"fmt"
	"io"
)

// WriteTrec prints r in trec_eval's format: with perQuery, every measure of
// every evaluated query first (as -q does; num_q has no per-query line),
// then the aggregate lines with qid "all". Lines are "%-22s\t%s\t%6.4f",
// or "%-22s\t%s\t%d" for the integer counts num_q, num_ret, num_rel and
// num_rel_ret (meas_print_single.c, meas_print_final.c).
func (r *Results) WriteTrec(w io.Writer, perQuery bool) error {
	bw := bufio.NewWriter(w)
	line := func(m, qid string, v float64) {
		if isCount(m) {
			fmt.Fprintf(bw, "%-22s\t%s\t%d\n", m, qid, int64(v))
		} else {
			fmt.Fprintf(bw, "%-22s\t%s\t%6.4f\n", m, qid, v)
		}
	}
	if perQuery {
		for _, qid := range r.QueryIDs {
			for _, m := range r.Measures {
				if m == "num_q" {
					continue
				}
				line(m, qid, r.PerQuery[qid][m])
			}
		}
	}
	for _, m := range r.Measures {
		line(m, "all", r.Aggregate[m])
	}
	return bw.Flush()
}
