package fastexec

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// EnvVar turns the package off when set to "off".
const EnvVar = "OTCLIR_FASTEXEC"

// ErrLayout is returned by Install when simplego's internals differ from the
// GoMLX version this package was written for (v0.26.0).
var ErrLayout = errors.New("fastexec: simplego internals do not match GoMLX v0.26.0")

// executor has the signature of simplego's nodeExecutor.
type executor = func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, inputsOwned []bool) (*simplego.Buffer, error)

// nodeExecutors is simplego's table of op executors (exec.go).
//
//go:linkname nodeExecutors github.com/gomlx/gomlx/backends/simplego.nodeExecutors
var nodeExecutors [backends.OpTypeLast]executor

// getBufferForShape is simplego's (*Backend).getBufferForShape (buffers.go):
// a buffer from the backend's pool.
//
//go:linkname getBufferForShape github.com/gomlx/gomlx/backends/simplego.(*Backend).getBufferForShape
func getBufferForShape(b *simplego.Backend, shape shapes.Shape) *simplego.Buffer

// Field offsets inside simplego.Node and simplego.Buffer, found by
// reflection at Install.
var offsets struct {
	nodeShape, nodeData, bufShape, bufFlat uintptr
}

var (
	installOnce sync.Once
	installErr  error
	installed   atomic.Bool
	enabled     atomic.Bool
	stock       [backends.OpTypeLast]executor // simplego's executors we replaced
	calls       [backends.OpTypeLast]atomic.Int64
)

// Install puts this package's executors into simplego, process-wide. It is
// idempotent and must run before graphs execute (call it before creating the
// backend). With OTCLIR_FASTEXEC=off it does nothing.
func Install() error {
	if os.Getenv(EnvVar) == "off" {
		return nil
	}
	installOnce.Do(func() {
		if installErr = findOffsets(); installErr != nil {
			return
		}
		replace := map[backends.OpType]executor{
			backends.OpTypeDotGeneral:     execDotGeneral,
			backends.OpTypeTranspose:      execTranspose,
			backends.OpTypeBroadcastInDim: execBroadcastInDim,
			backends.OpTypeReduceSum:      execReduce(backends.OpTypeReduceSum),
			backends.OpTypeReduceMax:      execReduce(backends.OpTypeReduceMax),
		}
		for _, op := range binaryOps {
			replace[op] = execBinary(op)
		}
		for op := range unaryOps {
			replace[op] = execUnary(op)
		}
		for op := range replace {
			if nodeExecutors[op] == nil {
				installErr = fmt.Errorf("%w: no %s executor registered", ErrLayout, op)
				return
			}
		}
		for op, fn := range replace {
			stock[op] = nodeExecutors[op]
			nodeExecutors[op] = fn
		}
		installed.Store(true)
		enabled.Store(true)
	})
	return installErr
}

// Installed reports whether Install has put the executors in simplego.
func Installed() bool { return installed.Load() }

// SetEnabled switches between this package's executors (true, the state
// after Install) and simplego's (false) at run time, for comparisons. It
// returns the previous state and has no effect before Install.
func SetEnabled(on bool) bool { return enabled.Swap(on && installed.Load()) }

// Enabled reports whether this package's executors run.
func Enabled() bool { return enabled.Load() }

// Calls counts the executions of op done by this package (not by simplego).
func Calls(op backends.OpType) int64 { return calls[op].Load() }

func findOffsets() error {
	field := func(t reflect.Type, name string, want reflect.Type) (uintptr, error) {
		f, ok := t.FieldByName(name)
		if !ok || f.Type != want {
			return 0, fmt.Errorf("%w: %s.%s is not a %s", ErrLayout, t, name, want)
		}
		return f.Offset, nil
	}
	shapeType, anyType := reflect.TypeFor[shapes.Shape](), reflect.TypeFor[any]()
	node, buf := reflect.TypeFor[simplego.Node](), reflect.TypeFor[simplego.Buffer]()
	var err [4]error
	offsets.nodeShape, err[0] = field(node, "shape", shapeType)
	offsets.nodeData, err[1] = field(node, "data", anyType)
	offsets.bufShape, err[2] = field(buf, "shape", shapeType)
	offsets.bufFlat, err[3] = field(buf, "flat", anyType)
	return errors.Join(err[:]...)
}

func nodeShape(n *simplego.Node) shapes.Shape {
	return *(*shapes.Shape)(unsafe.Add(unsafe.Pointer(n), offsets.nodeShape))
}

func nodeData(n *simplego.Node) any {
	return *(*any)(unsafe.Add(unsafe.Pointer(n), offsets.nodeData))
}

func bufShape(b *simplego.Buffer) shapes.Shape {
	return *(*shapes.Shape)(unsafe.Add(unsafe.Pointer(b), offsets.bufShape))
}

func bufFloats(b *simplego.Buffer) ([]float32, bool) {
	f, ok := (*(*any)(unsafe.Add(unsafe.Pointer(b), offsets.bufFlat))).([]float32)
	return f, ok
}

// newFloats is an output buffer of the given shape from simplego's pool.
func newFloats(backend *simplego.Backend, shape shapes.Shape) (*simplego.Buffer, []float32) {
	out := getBufferForShape(backend, shape)
	f, _ := bufFloats(out)
	return out, f
}

// float32Inputs returns the float32 data of every input, or false if one is
// not float32.
func float32Inputs(inputs []*simplego.Buffer) ([][]float32, bool) {
	out := make([][]float32, len(inputs))
	for i, in := range inputs {
		f, ok := bufFloats(in)
		if !ok {
			return nil, false
		}
		out[i] = f
	}
	return out, true
}
