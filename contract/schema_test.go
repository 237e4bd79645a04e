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
