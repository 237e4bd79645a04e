//go:build ignore

// gen_schema writes contract/schemas/<kind>.schema.json for every contract
// kind and the generated reference in docs/contracts.md. Run it with
// `go generate ./contract`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/contract/internal/schemagen"
)

// docsPath is docs/contracts.md, seen from the contract directory.
const docsPath = "../docs/contracts.md"

func main() {
	g, err := schemagen.New(".")
	if err != nil {
		fail(err)
	}
	if err := os.MkdirAll("schemas", 0o755); err != nil {
		fail(err)
	}
	for _, k := range contract.Kinds() {
		data, err := g.Schema(k)
		if err != nil {
			fail(err)
		}
		if err := os.WriteFile(filepath.Join("schemas", contract.SchemaFile(k)), data, 0o644); err != nil {
			fail(err)
		}
	}
	ref, err := g.Reference()
	if err != nil {
		fail(err)
	}
	doc, err := os.ReadFile(docsPath)
	if err != nil {
		fail(err)
	}
	if doc, err = schemagen.SpliceReference(doc, ref); err != nil {
		fail(err)
	}
	if err := os.WriteFile(docsPath, doc, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen_schema:", err)
	os.Exit(1)
}
