package matmul

// Permute writes into dst the array src (row-major, dimensions dims) with
// its axes reordered: axis i of dst is axis perm[i] of src. dst must hold
// the product of dims.
func Permute(dst, src []float32, dims, perm []int) {
	rank := len(dims)
	if rank == 0 {
		copy(dst, src[:1])
		return
	}
	strides := make([]int, rank) // of src
	strides[rank-1] = 1
	for i := rank - 2; i >= 0; i-- {
		strides[i] = strides[i+1] * dims[i+1]
	}
	outDims := make([]int, rank)
	outStrides := make([]int, rank) // src stride of each dst axis
	size := 1
	for i, p := range perm {
		outDims[i], outStrides[i] = dims[p], strides[p]
		size *= dims[p]
	}
	if size == 0 {
		return
	}
	inner, innerStride := outDims[rank-1], outStrides[rank-1]
	idx := make([]int, rank)
	off := 0
	for o := 0; o < size; o += inner {
		row := dst[o : o+inner]
		if innerStride == 1 {
			copy(row, src[off:off+inner])
		} else {
			s := off
			for j := range row {
				row[j] = src[s]
				s += innerStride
			}
		}
		// Advance the odometer over the outer axes.
		for ax := rank - 2; ax >= 0; ax-- {
			idx[ax]++
			off += outStrides[ax]
			if idx[ax] < outDims[ax] {
				break
			}
			off -= outStrides[ax] * outDims[ax]
			idx[ax] = 0
		}
	}
}
