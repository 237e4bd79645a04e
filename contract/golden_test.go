package contract_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

// TestInvalidGolden parses every broken document under testdata/invalid
// (named <kind>--<case>.<ext>) and compares its problem list with the
// .golden file beside it. Run with -update to rewrite the golden files.
func TestInvalidGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*--*.*")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		if strings.HasSuffix(file, ".golden") {
			continue
		}
		name := filepath.Base(file)
		kind, _, _ := strings.Cut(name, "--")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			_, err = contract.ParseKind(contract.Kind(kind), name, data)
			require.Error(t, err, "a broken document must not load")
			assert.ErrorIs(t, err, errs.ErrInvalid)
			assert.Equal(t, errs.Invalid, errs.CodeOf(err))
			ve, ok := errors.AsType[*contract.ValidationError](err)
			require.True(t, ok, "want *ValidationError, got %T", err)
			assert.Equal(t, name, ve.File)
			got, err := json.MarshalIndent(ve.Problems, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			golden := file + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "missing golden file; run go test ./contract -update")
			assert.Equal(t, string(want), string(got))
		})
	}
}

// TestOriginalFilesLoad loads documents written in the original CoCoder's
// field layout (camelCase JSON, nested lane groups, adapterProfile, the
// descriptive orchestratorCommit keys): they must load unchanged. Valid
// documents of kinds the original did not have are under testdata/valid.
func TestOriginalFilesLoad(t *testing.T) {
	files, err := filepath.Glob("testdata/original/*")
	require.NoError(t, err)
	more, err := filepath.Glob("testdata/valid/*")
	require.NoError(t, err)
	files = append(files, more...)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := filepath.Base(file)
		kind, _, _ := strings.Cut(name, "--")
		t.Run(name, func(t *testing.T) {
			doc, err := contract.LoadDocument(contract.Kind(kind), file)
			require.NoError(t, err)
			assert.Equal(t, contract.Kind(kind), doc.Kind)
		})
	}
}

// TestExamplesValidate checks the example workspace: every contract file
// validates and the cross-document check finds nothing.
func TestExamplesValidate(t *testing.T) {
	rep, err := contract.CheckPaths([]string{"../examples/workspace/cocoder"}, contract.CheckOptions{})
	require.NoError(t, err)
	kinds := map[contract.Kind]int{}
	for _, f := range rep.Files {
		assert.True(t, f.OK, "%s: %v", f.Path, f.Problems)
		assert.Empty(t, f.Warnings, f.Path)
		kinds[f.Kind]++
	}
	assert.Empty(t, rep.Issues)
	assert.True(t, rep.OK)
	assert.Equal(t, map[contract.Kind]int{
		contract.KindAdapter: 3, contract.KindBoundary: 1, contract.KindConfig: 1, contract.KindPersona: 4,
		contract.KindProfile: 1, contract.KindPromptManifest: 1, contract.KindRoute: 2,
	}, kinds)
}
