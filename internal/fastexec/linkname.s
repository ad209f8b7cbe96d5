// This file lets bridge.go declare the body-less function that go:linkname
// binds to simplego's (*Backend).getBufferForShape.
