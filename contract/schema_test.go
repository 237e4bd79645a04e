package contract_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/contract/internal/schemagen"
	"github.com/cocoder/cocoder/internal/errs"
)

// TestSchemasUpToDate regenerates every schema from the Go types and fails
// when the checked-in (and embedded) copy differs.
func TestSchemasUpToDate(t *testing.T) {
	g, err := schemagen.New(".")
	require.NoError(t, err)
	for _, k := range contract.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			want, err := g.Schema(k)
			require.NoError(t, err)
			file := filepath.Join("schemas", contract.SchemaFile(k))
			if *update {
				require.NoError(t, os.WriteFile(file, want, 0o644))
				return
			}
			got, err := contract.Schema(k)
			require.NoError(t, err, "the embedded schema is missing")
			if !bytes.Equal(normalize(got), normalize(want)) {
				t.Fatalf("%s is stale: run `go generate ./contract`", file)
			}
			var doc map[string]any
			require.NoError(t, json.Unmarshal(got, &doc))
			assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", doc["$schema"])
			assert.Equal(t, contract.SchemaID(k), doc["$id"])
		})
	}
}

// TestNoStraySchemaFiles fails when schemas/ holds a file for a kind that
// no longer exists.
func TestNoStraySchemaFiles(t *testing.T) {
	entries, err := os.ReadDir("schemas")
	require.NoError(t, err)
	var want []string
	for _, k := range contract.Kinds() {
		want = append(want, contract.SchemaFile(k))
	}
	for _, e := range entries {
		assert.True(t, slices.Contains(want, e.Name()), "schemas/%s belongs to no contract kind; delete it", e.Name())
	}
}

func TestSchemaUnknownKind(t *testing.T) {
	_, err := contract.Schema("no-such-kind")
	require.Error(t, err)
	assert.Equal(t, errs.NotFound, errs.CodeOf(err))
	assert.Contains(t, err.Error(), "persona")
}

func normalize(b []byte) []byte {
	return []byte(strings.ReplaceAll(string(b), "\r\n", "\n"))
}

// TestDocsUpToDate fails when the generated reference in docs/contracts.md
// differs from what the Go types produce.
func TestDocsUpToDate(t *testing.T) {
	g, err := schemagen.New(".")
	require.NoError(t, err)
	ref, err := g.Reference()
	require.NoError(t, err)
	const path = "../docs/contracts.md"
	doc, err := os.ReadFile(path)
	require.NoError(t, err)
	want, err := schemagen.SpliceReference(doc, ref)
	require.NoError(t, err)
	if *update {
		require.NoError(t, os.WriteFile(path, want, 0o644))
		return
	}
	if !bytes.Equal(normalize(doc), normalize(want)) {
		t.Fatalf("the reference in docs/contracts.md is stale: run `go generate ./contract`")
	}
}

// TestDocsListIssueCodes checks that docs/contracts.md explains every issue
// code CheckLaunch can report.
func TestDocsListIssueCodes(t *testing.T) {
	doc, err := os.ReadFile("../docs/contracts.md")
	require.NoError(t, err)
	src, err := os.ReadFile("launch.go")
	require.NoError(t, err)
	n := 0
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "Issue") || !strings.Contains(line, `= "`) {
			continue
		}
		n++
		code := line[strings.Index(line, `"`)+1 : strings.LastIndex(line, `"`)]
		assert.Contains(t, string(doc), "`"+code+"`", "docs/contracts.md does not explain issue code %s", code)
	}
	assert.Greater(t, n, 30, "the issue constants were not found in launch.go")
}
