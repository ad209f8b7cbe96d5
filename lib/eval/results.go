package eval

import (
	"bufio"
	"io"
	"math"
	"strconv"
)

// WriteTrec prints r in trec_eval's format: with perQuery, the per-query
// lines of every evaluated query first (as -q does), then the summary
// lines with qid "all". Lines are "%-22s\t%s\t%6.4f", "%-22s\t%s\t%ld" for
// the counts (num_q, num_ret, num_rel, num_rel_ret, num_nonrel_judged_ret),
// "%-22s\t%s\t'%s'" for relstring (meas_print_single.c,
// meas_print_final.c).
func (r *Results) WriteTrec(w io.Writer, perQuery bool) error {
	return r.write(w, perQuery, true)
}

// WritePerQuery prints only the per-query lines (trec_eval -q -n).
func (r *Results) WritePerQuery(w io.Writer) error {
	return r.write(w, true, false)
}

func (r *Results) write(w io.Writer, perQuery, summary bool) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	line := func(name, qid string, val []byte) {
		buf = append(buf[:0], name...)
		for i := len(name); i < 22; i++ {
			buf = append(buf, ' ')
		}
		buf = append(buf, '\t')
		buf = append(buf, qid...)
		buf = append(buf, '\t')
		buf = append(buf, val...)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	var vb []byte
	value := func(m *measure, v float64) []byte {
		if m.def.integer {
			return strconv.AppendInt(vb[:0], int64(v), 10)
		}
		return appendFloat64(vb[:0], v)
	}
	if perQuery {
		for _, qid := range r.QueryIDs {
			pq := r.PerQuery[qid]
			for _, m := range r.measures {
				if !m.def.perQuery {
					continue
				}
				if m.def.name == "relstring" {
					vb = append(append(append(vb[:0], '\''), r.RelString[qid]...), '\'')
					line(m.names[0], qid, vb)
					continue
				}
				for _, n := range m.names {
					vb = value(m, pq[n])
					line(n, qid, vb)
				}
			}
		}
	}
	if summary {
		for _, m := range r.measures {
			if !m.def.summary {
				continue
			}
			if m.def.name == "runid" {
				line("runid", "all", []byte(r.RunID))
				continue
			}
			for _, n := range m.names {
				vb = value(m, r.Aggregate[n])
				line(n, "all", vb)
			}
		}
	}
	return bw.Flush()
}

// appendFloat64 formats v as C's printf "%6.4f" does, including glibc's
// "nan", "-nan", "inf" and "-inf" (right-aligned in 6 columns).
func appendFloat64(dst []byte, v float64) []byte {
	var s string
	switch {
	case math.IsNaN(v):
		s = "nan"
		if math.Signbit(v) {
			s = "-nan"
		}
	case math.IsInf(v, 1):
		s = "inf"
	case math.IsInf(v, -1):
		s = "-inf"
	default:
		return strconv.AppendFloat(dst, v, 'f', 4, 64)
	}
	for i := len(s); i < 6; i++ {
		dst = append(dst, ' ')
	}
	return append(dst, s...)
}
