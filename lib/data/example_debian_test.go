package data_test

import (
	"fmt"

	"github.com/otclir/otclir/lib/data"
)

// A dictd index line of freedict-swh-eng 2022.04.21-1: "abiria DX+ 0",
// the article at byte 13,822 (3·64² + 23·64 + 62), 52 bytes long.
func ExampleParseDictdNumber() {
	off, _ := data.ParseDictdNumber("DX+")
	n, _ := data.ParseDictdNumber("0")
	fmt.Println(off, n)
	// Output: 13822 52
}

func ExampleDebianProvenance() {
	fmt.Println(data.DebianProvenance(data.FreeDictSwhEng.Package, data.GCIDEPackage))
	// Output: dict-freedict-swh-eng=2022.04.21-1 (GPL-2+),dict-gcide=0.48.5+nmu2 (GPL-2+)
}
