package fastexec

import (
	"reflect"
	"sync"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/otclir/otclir/lib/matmul"
)

// dotGeneralParams mirrors simplego's dotGeneralNodeData (dotgeneral.go),
// the data of a DotGeneral node; nodeParams checks the mirror.
type dotGeneralParams struct {
	lhsContractingAxes, lhsBatchAxes                       []int
	rhsContractingAxes, rhsBatchAxes                       []int
	batchSize, lhsCrossSize, rhsCrossSize, contractingSize int
	lhsBlockedShape, rhsBlockedShape, outputBlockedShape   shapes.Shape
}

var paramsType sync.Map // reflect.Type of node data -> bool (mirror matches)

// nodeParams returns the DotGeneral parameters of n, or false when its data
// is not the type dotGeneralParams mirrors.
func nodeParams(n *simplego.Node) (*dotGeneralParams, bool) {
	data := nodeData(n)
	t := reflect.TypeOf(data)
	if t == nil || t.Kind() != reflect.Pointer {
		return nil, false
	}
	ok, seen := paramsType.Load(t)
	if !seen {
		ok = sameLayout(t.Elem(), reflect.TypeFor[dotGeneralParams]())
		paramsType.Store(t, ok)
	}
	if !ok.(bool) {
		return nil, false
	}
	// An interface holding a pointer stores the pointer as its data word.
	return (*dotGeneralParams)((*[2]unsafe.Pointer)(unsafe.Pointer(&data))[1]), true
}

// sameLayout reports whether two struct types have the same fields (names,
// types, offsets) in the same order.
func sameLayout(got, want reflect.Type) bool {
	if got.Kind() != reflect.Struct || got.NumField() != want.NumField() || got.Size() != want.Size() {
		return false
	}
	for i := range want.NumField() {
		g, w := got.Field(i), want.Field(i)
		if g.Name != w.Name || g.Type != w.Type || g.Offset != w.Offset {
			return false
		}
	}
	return true
}

// execDotGeneral computes the normalised [batch, lhsCross, rhsCross] output
// of a DotGeneral node with matmul.MulBatched.
func execDotGeneral(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	const op = backends.OpTypeDotGeneral
	p, ok := nodeParams(node)
	in, ok2 := float32Inputs(inputs)
	if !enabled.Load() || !ok || !ok2 {
		return stock[op](backend, node, inputs, owned)
	}
	lhsDims, rhsDims := bufShape(inputs[0]).Dimensions, bufShape(inputs[1]).Dimensions
	a, freeA := arrange(in[0], lhsDims, p.lhsBatchAxes, crossAxes(len(lhsDims), p.lhsBatchAxes, p.lhsContractingAxes), p.lhsContractingAxes)
	b, freeB := arrange(in[1], rhsDims, p.rhsBatchAxes, p.rhsContractingAxes, crossAxes(len(rhsDims), p.rhsBatchAxes, p.rhsContractingAxes))
	out, c := newFloats(backend, nodeShape(node))
	matmul.MulBatched(p.batchSize, p.lhsCrossSize, p.rhsCrossSize, p.contractingSize, a, b, c)
	freeA()
	freeB()
	calls[op].Add(1)
	return out, nil
}

// crossAxes are the axes of a rank-r operand that are neither batch nor
// contracting, in increasing order.
func crossAxes(rank int, batch, contracting []int) []int {
	used := make([]bool, rank)
	for _, a := range batch {
		used[a] = true
	}
	for _, a := range contracting {
		used[a] = true
	}
	var out []int
	for a := range rank {
		if !used[a] {
			out = append(out, a)
		}
	}
	return out
}

var scratch sync.Pool // *[]float32

// arrange returns src with its axes in the order first, second, third (a
// copy from a pool unless already in that order) and a function that
// returns the copy to the pool.
func arrange(src []float32, dims []int, first, second, third []int) ([]float32, func()) {
	perm := make([]int, 0, len(dims))
	perm = append(append(append(perm, first...), second...), third...)
	identity := true
	size := 1
	for i, p := range perm {
		identity = identity && p == i
		size *= dims[p]
	}
	if identity {
		return src, func() {}
	}
	bp, _ := scratch.Get().(*[]float32)
	if bp == nil {
		bp = new([]float32)
	}
	if cap(*bp) < size {
		*bp = make([]float32, size)
	}
	*bp = (*bp)[:size]
	matmul.Permute(*bp, src, dims, perm)
	return *bp, func() { scratch.Put(bp) }
}
