package contract_test

import (
	"os"
	"testing"

	"github.com/cocoder/cocoder/contract"
)

// BenchmarkCheckPathsExample validates the example workspace's contract
// files and cross-checks them, as `cocoder validate` does, in a warm
// process.
func BenchmarkCheckPathsExample(b *testing.B) {
	for b.Loop() {
		rep, err := contract.CheckPaths([]string{exampleDir}, contract.CheckOptions{})
		if err != nil || !rep.OK {
			b.Fatal(err, rep)
		}
	}
}

// BenchmarkParseProfile decodes and validates one profile.
func BenchmarkParseProfile(b *testing.B) {
	data, err := os.ReadFile(exampleDir + "/profiles/default.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := contract.Parse[contract.Profile]("default.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
