package contract_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

// FuzzParse feeds arbitrary bytes to the loader of every contract kind. It
// must never panic; a failure must be a *ValidationError whose problems all
// say something; and a document that loads must still validate after a
// JSON round trip (so what Load accepts, the JSON form keeps).
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.*")
	examples, _ := filepath.Glob("../examples/workspace/cocoder/*/*.*")
	for _, s := range append(seeds, examples...) {
		if strings.HasSuffix(s, ".golden") {
			continue
		}
		data, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		k, _ := contract.InferKind(s)
		if before, _, ok := strings.Cut(filepath.Base(s), "--"); ok {
			k = contract.Kind(before)
		}
		f.Add(uint8(slices.Index(contract.Kinds(), k)), filepath.Ext(s) == ".json", data)
	}
	f.Add(uint8(0), false, []byte("a: &a [*a]"))
	f.Add(uint8(1), true, []byte(`{"lanes": {"a": {"b": {"c": {}}}}}`))
	kinds := contract.Kinds()
	f.Fuzz(func(t *testing.T, ki uint8, isJSON bool, data []byte) {
		k := kinds[int(ki)%len(kinds)]
		name := "doc.yaml"
		if isJSON {
			name = "doc.json"
		}
		doc, err := contract.ParseKind(k, name, data)
		if err != nil {
			ve, ok := errors.AsType[*contract.ValidationError](err)
			if !ok || errs.CodeOf(err) != errs.Invalid || len(ve.Problems) == 0 {
				t.Fatalf("%s: want a *ValidationError with problems, got %T %v", k, err, err)
			}
			for _, p := range ve.Problems {
				if p.Rule == "" || p.Message == "" {
					t.Fatalf("%s: empty problem %+v", k, p)
				}
			}
			return
		}
		if err := contract.Validate(doc); err != nil {
			t.Fatalf("%s: loaded document does not validate: %v", k, err)
		}
		out, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("%s: marshal: %v", k, err)
		}
		if _, err := contract.ParseKind(k, "round-trip.json", out); err != nil {
			t.Fatalf("%s: JSON round trip fails: %v\n%s", k, err, out)
		}
	})
}

// FuzzInferKind checks that kind inference never panics and only returns
// known kinds.
func FuzzInferKind(f *testing.F) {
	for _, s := range []string{"cocoder/routes/a.yaml", "lanes/x/result.json", "prompts/manifest.json", "a/b/c/d/personas/x.yml", "config.json", "../..", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		if k, ok := contract.InferKind(path); ok && !slices.Contains(contract.Kinds(), k) {
			t.Fatalf("InferKind(%q) = unknown kind %q", path, k)
		}
	})
}
