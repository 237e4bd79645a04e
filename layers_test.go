package cocoder_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/cocoder/cocoder"

// layers ranks every package of the module, leaves first. A package may
// import only packages of a lower rank: the engine's leaves never import
// the engine, the engine never imports Oz or the facade, and only programs
// import the facade. docs/architecture.md draws the same picture.
var layers = map[string]int{
	"internal/errs": -1, // the error vocabulary under everything, fsx's refusals included
	"internal/fsx":  0, "internal/flock": 0, "internal/clock": 0,
	"internal/textx": 0, "internal/version": 0, "internal/tmuxtest": 0, "internal/memtest": 0, "contract/internal/patterns": 0,
	"contract": 1, "secrets": 1, "internal/gitx": 1,
	"contract/internal/schemagen": 2, "workspace": 2, "internal/demoagent": 2, "internal/resultmcp": 2,
	"internal/agenthook": 2,
	"run/ledger":         3, "run/host": 3, "run/adapter": 3, "run/prompt": 3,
	"run/internal/faketui": 3, "internal/testkit": 4,
	"run": 5,
	"oz":  6, "oz/oztest": 7, "conformance": 6,
	".":           8,
	"cmd/cocoder": 9, "examples/embed": 9, "examples/embed-oz": 9,
	"bench/validate-baseline": 9, "bench/validate-lib": 9,
}

// TestImportLayers fails when a package imports one of its own layer or
// above, or when a package has no layer yet (give it one here and in
// docs/architecture.md).
func TestImportLayers(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		imports, err := packageImports(path)
		if err != nil || imports == nil {
			return err
		}
		rank, ok := layers[path]
		if !ok {
			t.Errorf("package %s has no layer: add it to layers in layers_test.go and to docs/architecture.md", path)
			return nil
		}
		for imp := range imports {
			dep, ok := layers[imp]
			switch {
			case !ok:
				t.Errorf("%s imports %s, which has no layer", path, imp)
			case dep >= rank:
				t.Errorf("%s (layer %d) imports %s (layer %d): a package imports only lower layers", path, rank, imp, dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// packageImports returns the module packages the non-test Go files of dir
// import (as paths relative to the module root, "." for the root), or nil
// when dir holds no such file.
func packageImports(dir string) (map[string]bool, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out map[string]bool
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, n), nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return nil, err
		}
		if isIgnored(f.Comments) {
			continue
		}
		if out == nil {
			out = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case p == module:
				out["."] = true
			case strings.HasPrefix(p, module+"/"):
				out[strings.TrimPrefix(p, module+"/")] = true
			}
		}
	}
	return out, nil
}

// isIgnored reports whether a file is built only by hand (//go:build
// ignore), like the schema generator.
func isIgnored(groups []*ast.CommentGroup) bool {
	for _, g := range groups {
		for _, c := range g.List {
			if strings.TrimSpace(c.Text) == "//go:build ignore" {
				return true
			}
		}
	}
	return false
}
