// Command validate-lib validates the contract files under the directories
// named on its command line with contract.CheckPaths and nothing else: no
// CLI framework and none of CoCoder's other packages. bench/validate.sh
// runs it next to `cocoder validate` to separate the library's own cold
// cost from the cost of starting the full cocoder binary.
package main

import (
	"fmt"
	"os"

	"github.com/cocoder/cocoder/contract"
)

func main() {
	rep, err := contract.CheckPaths(os.Args[1:], contract.CheckOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(len(rep.Files), rep.OK)
	if !rep.OK {
		os.Exit(3)
	}
}
