package fastgrad

import (
	"fmt"
	"reflect"
	"slices"
	"sync"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Stock VJPs of GoMLX v0.26.0, captured at package initialisation (before
// any Install) so tests and benchmarks can compare against them.
var (
	stockDotVJP        = VJPRegistration[NodeTypeDot]
	stockDotGeneralVJP = VJPRegistration[NodeTypeDotGeneral]
)

var (
	installOnce sync.Once
	installed   bool
	installMu   sync.Mutex
)

// Install replaces graph.VJPRegistration[graph.NodeTypeDot] and
// [graph.NodeTypeDotGeneral] with gradients built from DotGeneral calls,
// and registers the gradient of Rsqrt (absent from GoMLX v0.26.0).
// It is idempotent and safe to call from several goroutines, but must not
// run while another goroutine builds a gradient graph.
func Install() {
	installOnce.Do(func() {
		installMu.Lock()
		defer installMu.Unlock()
		VJPRegistration[NodeTypeDot] = dotVJP
		VJPRegistration[NodeTypeDotGeneral] = dotGeneralVJP
		if VJPRegistration[NodeTypeRsqrt] == nil { // GoMLX v0.26.0 has none
			VJPRegistration[NodeTypeRsqrt] = rsqrtVJP
		}
		installed = true
	})
}

// Installed reports whether Install has replaced the stock gradients.
func Installed() bool {
	installMu.Lock()
	defer installMu.Unlock()
	return installed
}

// dotGeneralAxes are the axes of a DotGeneral node.
type dotGeneralAxes struct {
	lhsContracting, lhsBatch, rhsContracting, rhsBatch []int
}

// readDotGeneralAxes reads the axes of a DotGeneral node from its unexported
// inputs (a *nodeInputsDotGeneral) with package reflect.
func readDotGeneralAxes(node *Node) dotGeneralAxes {
	if node.Type() != NodeTypeDotGeneral {
		panic(fmt.Sprintf("fastgrad: node %s is a %s, not a DotGeneral", node, node.Type()))
	}
	inputs := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !inputs.IsValid() || inputs.IsNil() {
		panic("fastgrad: graph.Node has no field inputs: GoMLX changed, see package doc")
	}
	params := inputs.Elem() // pointer to nodeInputsDotGeneral
	if params.Kind() == reflect.Pointer {
		params = params.Elem()
	}
	ints := func(name string) []int {
		f := params.FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.Slice {
			panic(fmt.Sprintf("fastgrad: DotGeneral inputs have no []int field %s: GoMLX changed, see package doc", name))
		}
		out := make([]int, f.Len())
		for i := range out {
			out[i] = int(f.Index(i).Int())
		}
		return out
	}
	return dotGeneralAxes{
		lhsContracting: ints("lhsContractingAxes"),
		lhsBatch:       ints("lhsBatchAxes"),
		rhsContracting: ints("rhsContractingAxes"),
		rhsBatch:       ints("rhsBatchAxes"),
	}
}

// crossAxes returns the axes of an operand of the given rank that are neither
// contracting nor batch, in ascending order (the order DotGeneral outputs them).
func crossAxes(rank int, contracting, batch []int) []int {
	var out []int
	for a := range rank {
		if !slices.Contains(contracting, a) && !slices.Contains(batch, a) {
			out = append(out, a)
		}
	}
	return out
}

func iota(start, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = start + i
	}
	return out
}

// operandGrad computes the gradient of one operand ("this") of a DotGeneral.
// v has the output layout [batch..., lhsCross..., rhsCross...]; thisCrossOut
// and otherCrossOut are the output axes holding this operand's and the other
// operand's cross axes.
func operandGrad(v *Node, thisRank int, thisContracting, thisBatch, thisCross []int,
	other *Node, otherContracting, otherBatch, otherCross []int, thisCrossOut, otherCrossOut []int) *Node {
	nb := len(thisBatch)
	// g: [batch..., thisCross..., other's contracting axes in ascending order].
	g := DotGeneral(v, otherCrossOut, iota(0, nb), other, otherCross, otherBatch)
	sortedOther := slices.Clone(otherContracting)
	slices.Sort(sortedOther)
	perm := make([]int, thisRank) // perm[thisAxis] = axis of g
	for i, a := range thisBatch {
		perm[a] = i
	}
	for i, a := range thisCross {
		perm[a] = nb + i
	}
	for j, oa := range sortedOther {
		k := slices.Index(otherContracting, oa)
		perm[thisContracting[k]] = nb + len(thisCross) + j
	}
	if isIdentity(perm) {
		return g
	}
	return TransposeAllAxes(g, perm...)
}

func isIdentity(perm []int) bool {
	for i, p := range perm {
		if i != p {
			return false
		}
	}
	return true
}

// dotGeneralVJP is the VJP of DotGeneral built from two DotGeneral calls.
func dotGeneralVJP(node *Node, vjpOutputs []*Node, _ shapes.Shape) []*Node {
	v := vjpOutputs[0]
	ax := readDotGeneralAxes(node)
	inputs := node.Inputs()
	lhs, rhs := inputs[0], inputs[1]
	lhsCross := crossAxes(lhs.Rank(), ax.lhsContracting, ax.lhsBatch)
	rhsCross := crossAxes(rhs.Rank(), ax.rhsContracting, ax.rhsBatch)
	nb := len(ax.lhsBatch)
	lhsCrossOut := iota(nb, len(lhsCross))
	rhsCrossOut := iota(nb+len(lhsCross), len(rhsCross))
	dLhs := operandGrad(v, lhs.Rank(), ax.lhsContracting, ax.lhsBatch, lhsCross,
		rhs, ax.rhsContracting, ax.rhsBatch, rhsCross, lhsCrossOut, rhsCrossOut)
	dRhs := operandGrad(v, rhs.Rank(), ax.rhsContracting, ax.rhsBatch, rhsCross,
		lhs, ax.lhsContracting, ax.lhsBatch, lhsCross, rhsCrossOut, lhsCrossOut)
	return []*Node{dLhs, dRhs}
}

// dotVJP is the VJP of Dot: vector·vector, matrix·vector and matrix·matrix.
func dotVJP(node *Node, vjpOutputs []*Node, _ shapes.Shape) []*Node {
	v := vjpOutputs[0]
	inputs := node.Inputs()
	lhs, rhs := inputs[0], inputs[1]
	switch {
	case lhs.Rank() == 1 && rhs.Rank() == 1: // scalar output
		return []*Node{Mul(v, rhs), Mul(v, lhs)}
	case lhs.Rank() == 2 && rhs.Rank() == 1: // [i,j]·[j] -> [i]
		return []*Node{
			DotGeneral(InsertAxes(v, -1), []int{1}, nil, InsertAxes(rhs, 0), []int{0}, nil), // [i,1]·[1,j] -> [i,j]
			DotGeneral(lhs, []int{0}, nil, v, []int{0}, nil),                                // [j]
		}
	case lhs.Rank() == 2 && rhs.Rank() == 2: // [i,j]·[j,k] -> [i,k]
		return []*Node{
			DotGeneral(v, []int{1}, nil, rhs, []int{1}, nil), // [i,j]
			DotGeneral(lhs, []int{0}, nil, v, []int{0}, nil), // [j,k]
		}
	}
	panic(fmt.Sprintf("fastgrad: Dot of ranks %d and %d (%s, %s) is not supported", lhs.Rank(), rhs.Rank(), lhs.Shape(), rhs.Shape()))
}
