// Command validate-baseline reads the files named on its command line and
// prints their total size. bench/validate.sh runs it next to
// `cocoder validate` as the floor for a cold Go process doing the same
// file I/O: anything above it is CoCoder's own work (flag parsing,
// decoding, validation, the cross-check).
package main

import (
	"fmt"
	"os"
)

func main() {
	total := 0
	for _, name := range os.Args[1:] {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		total += len(data)
	}
	fmt.Println(total)
}
