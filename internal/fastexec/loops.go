package fastexec

// broadcastStrides returns the strides (in elements) of a row-major operand
// of dimensions from over the axes of an output of dimensions to, with 0 on
// the axes it is broadcast along. It returns false unless both have the same
// rank and every operand dimension equals the output's or is 1.
func broadcastStrides(from, to []int) ([]int, bool) {
	if len(from) != len(to) {
		return nil, false
	}
	strides := make([]int, len(to))
	s := 1
	for ax := len(to) - 1; ax >= 0; ax-- {
		switch {
		case from[ax] == to[ax]:
			strides[ax] = s
			s *= from[ax]
		case from[ax] == 1:
			strides[ax] = 0
		default:
			return nil, false
		}
	}
	return strides, true
}

// forEachRow walks a row-major array of dimensions dims, read or written
// through several operands whose strides per axis are given, one inner row
// at a time. Axes of size 1 are dropped and adjacent axes that every
// operand (and the array itself) traverses contiguously are merged, so the
// inner row is as long as possible. For each row, fn gets the flat offset in
// the array, the offset in each operand, the row length and each operand's
// inner stride. When every operand stride is either 0 or its dense
// row-major stride (as broadcastStrides gives), inner strides are 0 or 1.
func forEachRow(dims []int, strides [][]int, fn func(off int, offs []int, n int, inner []int)) {
	k := len(strides)
	// Collapse, from the innermost axis outwards.
	var cd []int   // collapsed dims, innermost first
	var cs [][]int // per collapsed axis: operand strides
	size := 1
	for ax := len(dims) - 1; ax >= 0; ax-- {
		d := dims[ax]
		if d == 0 {
			return
		}
		if d == 1 {
			continue
		}
		if last := len(cd) - 1; last >= 0 {
			merge := true // the array itself is dense: only the operands decide
			for i := range k {
				merge = merge && strides[i][ax] == cs[last][i]*cd[last]
			}
			if merge {
				cd[last] *= d
				size *= d
				continue
			}
		}
		st := make([]int, k)
		for i := range k {
			st[i] = strides[i][ax]
		}
		cd, cs = append(cd, d), append(cs, st)
		size *= d
	}
	offs := make([]int, k)
	if len(cd) == 0 { // a single element
		inner := make([]int, k)
		fn(0, offs, 1, inner)
		return
	}
	n, inner := cd[0], cs[0]
	outer := cd[1:]
	idx := make([]int, len(outer))
	for off := 0; off < size; off += n {
		fn(off, offs, n, inner)
		for ax := range outer { // odometer over the outer axes, innermost first
			idx[ax]++
			for i := range k {
				offs[i] += cs[ax+1][i]
			}
			if idx[ax] < outer[ax] {
				break
			}
			idx[ax] = 0
			for i := range k {
				offs[i] -= cs[ax+1][i] * outer[ax]
			}
		}
	}
}
