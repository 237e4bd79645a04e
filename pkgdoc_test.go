package cocoder_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackageDocs fails when a package of the module lacks a package doc
// comment, or when a public package lacks an example_test.go.
func TestPackageDocs(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		ents, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		found, documented := false, false
		for _, e := range ents {
			n := e.Name()
			if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(path, n), nil, parser.ParseComments|parser.PackageClauseOnly)
			if err != nil {
				return err
			}
			found = true
			if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
				documented = true
			}
		}
		if found && !documented {
			t.Errorf("package in %s has no package doc comment", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{".", "contract", "secrets", "workspace", "run", "run/ledger", "run/host", "run/adapter", "run/prompt", "oz"} {
		if !hasNonDocGo(t, pkg) {
			continue
		}
		if _, err := os.Stat(filepath.Join(pkg, "example_test.go")); err != nil {
			t.Errorf("public package %s has no example_test.go", pkg)
		}
	}
}

// hasNonDocGo reports whether a package has code beyond its doc.go.
func hasNonDocGo(t *testing.T, dir string) bool {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		n := e.Name()
		if strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") && n != "doc.go" {
			return true
		}
	}
	return false
}
