package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
)

func init() {
	// Another test file of this package may define -update too; share it.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/")
	}
}

// updating reports whether the tests run with -update.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updating() {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test ./cmd/cocoder -update")
	assert.Equal(t, string(want), got)
}

const (
	exampleTree = "../../examples/workspace/cocoder"
	brokenTree  = "testdata/validate/broken/cocoder"
)

func TestValidateGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"examples", []string{exampleTree}, exitOK},
		{"broken", []string{brokenTree}, exitInvalid},
		{"forced-kind", []string{"--kind", "route", "../../contract/testdata/invalid/route--policies.yaml"}, exitInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"validate"}, tc.args...)...)
			assert.Equal(t, tc.code, code, errOut)
			assert.Empty(t, errOut)
			golden(t, "validate/"+tc.name+".txt", out)

			code, out, _ = runCLI(t, append([]string{"validate", "--json"}, tc.args...)...)
			assert.Equal(t, tc.code, code)
			var rep contract.Report
			require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
			assert.Equal(t, tc.code == exitOK, rep.OK)
			golden(t, "validate/"+tc.name+".json", out)
		})
	}
}

// TestValidateBrokenTreeFindings pins the findings that matter in the
// broken copy of the example, independently of the golden text.
func TestValidateBrokenTreeFindings(t *testing.T) {
	_, out, _ := runCLI(t, "validate", "--json", brokenTree)
	var rep struct {
		OK    bool `json:"ok"`
		Files []struct {
			Path     string             `json:"path"`
			OK       bool               `json:"ok"`
			Problems []contract.Problem `json:"problems"`
			Warnings []contract.Problem `json:"warnings"`
		} `json:"files"`
		Issues []contract.TreeIssue `json:"issues"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.False(t, rep.OK)
	byFile := map[string][]contract.Problem{}
	warnings := map[string][]contract.Problem{}
	for _, f := range rep.Files {
		byFile[filepath.Base(f.Path)] = f.Problems
		warnings[filepath.Base(f.Path)] = f.Warnings
	}
	require.Len(t, byFile["builder.yaml"], 2)
	assert.Equal(t, contract.Problem{Path: "rol", Rule: "unknown-field", Message: `unknown field "rol"; did you mean "role"?`, Line: 4}, byFile["builder.yaml"][1])
	assert.Equal(t, "missing-fragment", byFile["manifest.json"][0].Rule)
	require.Len(t, warnings["claude.yaml"], 1)
	assert.Equal(t, 8, warnings["claude.yaml"][0].Line)
	codes := map[string]string{}
	for _, is := range rep.Issues {
		codes[is.Code+"/"+is.Lane] = string(is.Severity)
	}
	for _, want := range []string{"missing-adapter/builder", "one-writer-violation/", "priority-boundary-writer-missing/lead", "persona-missing/builder"} {
		assert.Equal(t, "block", codes[want], "want %s in %v", want, codes)
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"MissingPath", []string{"validate", "testdata/nope"}, exitFailure, "does not exist"},
		{"UnknownKindOfFile", []string{"validate", "../../contract/testdata/invalid/route--policies.yaml"}, exitInvalid, "pass --kind"},
		{"UnknownForcedKind", []string{"validate", "--kind", "gadget", exampleTree}, exitInvalid, "unknown contract kind"},
		{"NoPath", []string{"validate"}, exitUsage, "expected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, errOut, tc.stderr)
		})
	}
}

func TestSchemaCommand(t *testing.T) {
	for _, k := range contract.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			code, out, _ := runCLI(t, "schema", string(k))
			require.Equal(t, exitOK, code)
			want, err := os.ReadFile(filepath.Join("..", "..", "contract", "schemas", contract.SchemaFile(k)))
			require.NoError(t, err)
			assert.Equal(t, string(want), out, "cocoder schema %s must print the checked-in file", k)
		})
	}
	t.Run("List", func(t *testing.T) {
		code, out, _ := runCLI(t, "schema", "--list")
		require.Equal(t, exitOK, code)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, len(contract.Kinds()))
		for i, k := range contract.Kinds() {
			assert.True(t, strings.HasPrefix(lines[i], string(k)+" "), lines[i])
		}
		code, out, _ = runCLI(t, "schema", "--list", "--json")
		require.Equal(t, exitOK, code)
		var entries []schemaEntry
		require.NoError(t, json.Unmarshal([]byte(out), &entries))
		assert.Equal(t, contract.SchemaID(contract.KindRoute), entries[2].ID)
	})
	t.Run("Unknown", func(t *testing.T) {
		code, _, errOut := runCLI(t, "schema", "widget")
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, errOut, "--list")
	})
}

// TestValidateReportsLinkedAndSpecialFiles: `cocoder validate` on a tree
// lists a profile that is a symlink leading out of the tree, and a FIFO
// with a contract's name, as invalid files naming the reason, instead of
// skipping them (and never blocks on the FIFO).
func TestValidateReportsLinkedAndSpecialFiles(t *testing.T) {
	base := t.TempDir()
	tree := filepath.Join(base, "cocoder")
	require.NoError(t, os.MkdirAll(filepath.Join(tree, "profiles"), 0o755))
	outside := filepath.Join(base, "outside.yaml")
	require.NoError(t, os.WriteFile(outside, []byte("CANARY-VALIDATE\n"), 0o644))
	require.NoError(t, os.Symlink(outside, filepath.Join(tree, "profiles", "linked.yaml")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(tree, "profiles", "pipe.yaml"), 0o600))
	code, out, errOut := runCLI(t, "validate", tree)
	assert.Equal(t, exitInvalid, code, errOut)
	assert.Contains(t, out, "linked.yaml")
	assert.Contains(t, out, "leads outside")
	assert.Contains(t, out, "pipe.yaml")
	assert.Contains(t, out, "named pipe (FIFO)")
	assert.NotContains(t, out+errOut, "CANARY-VALIDATE")
}
